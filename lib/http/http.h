/* Asynchronous HTTP(S) client: libcurl's multi interface driven by a libev
 * loop. One client per loop shares one connection cache (keep-alive, HTTP/2
 * multiplexing when the server offers it). http.c is the only file that
 * includes both ev.h and curl.h.
 *
 * Completion rule (libuv's): a function that takes a callback and fails
 * immediately returns NULL, and then the callback is never called.
 * Otherwise `done` is called exactly once, always from the loop (never
 * from inside hpac_http_start), unless the call is cancelled first.
 *
 * Callbacks may start new requests and cancel other calls. They must not
 * free the client. Single-threaded: everything runs on the loop's thread. */
#ifndef HPAC_HTTP_HTTP_H
#define HPAC_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;

typedef struct hpac_http hpac_http;
typedef struct hpac_http_call hpac_http_call;

/* Used when a request leaves the field at 0. */
#define HPAC_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HPAC_HTTP_DEFAULT_MAX_RESPONSE_BYTES ((size_t)64 * 1024 * 1024)

/* TLS material. Every member is optional. A PEM given in memory wins over
 * the file of the same kind. When a CA is given, only that CA is trusted
 * (the system store is not consulted). Borrowed: copied at start. */
typedef struct hpac_http_tls {
    const char *ca_file;
    const char *ca_pem;
    size_t ca_pem_len;
    const char *cert_file;
    const char *cert_pem;
    size_t cert_pem_len;
    const char *key_file;
    const char *key_pem;
    size_t key_pem_len;
    bool insecure_skip_verify;
} hpac_http_tls;

/* Everything borrowed; hpac_http_start copies what it keeps. */
typedef struct hpac_http_request {
    const char *method;           /* "GET", "POST", "PUT", "PATCH", "DELETE", ... */
    const char *url;              /* http:// or https:// only */
    const char *const *headers;   /* NULL-terminated "Name: value" list, or NULL */
    const char *body;             /* may be NULL */
    size_t body_len;
    long timeout_ms;              /* whole transfer; 0: HPAC_HTTP_DEFAULT_TIMEOUT_MS */
    size_t max_response_bytes;    /* buffered body cap; 0: the default */
    const hpac_http_tls *tls;     /* NULL: system CAs, verification on */
} hpac_http_request;

/* Valid for the duration of the `done` callback only. */
typedef struct hpac_http_response {
    long status;        /* HTTP status; 0 when the transfer failed */
    const char *body;   /* NUL-terminated (the NUL is not counted); "" when empty or streamed */
    size_t body_len;
    const char *error;  /* transport error text, or NULL (an HTTP error status is not one) */
} hpac_http_response;

typedef void (*hpac_http_done_fn)(void *ctx, const hpac_http_response *resp);

/* Streaming: called with each chunk of a 2xx response body as it arrives.
 * Return false to abort the transfer; `done` then reports the error
 * "aborted by the receiver". A non-2xx body is never streamed: it is
 * buffered (capped) and handed to `done` as usual, so errors can be
 * decoded. Runs inside libcurl: starting and cancelling calls from here is
 * allowed (they are deferred until libcurl returns). */
typedef bool (*hpac_http_data_fn)(void *ctx, const char *data, size_t len);

/* NULL when the loop is NULL or on allocation failure. */
hpac_http *hpac_http_new(struct ev_loop *loop);

/* Cancels pending calls (their callbacks are not called) and frees the
 * client. Not from inside one of its callbacks. NULL is a no-op. */
void hpac_http_free(hpac_http *h);

/* Starts a request. `on_data` NULL buffers the body (capped by
 * max_response_bytes; exceeding it fails the call with an error naming the
 * cap). Returns a handle valid until `done` returns or until
 * hpac_http_cancel; NULL on immediate failure (then `done` is never
 * called). */
hpac_http_call *hpac_http_start(hpac_http *h, const hpac_http_request *req, hpac_http_done_fn done,
                                hpac_http_data_fn on_data, void *ctx);

/* Stops a pending call; its `done` is not called afterwards. A no-op on
 * the call whose `done` is running, and on NULL. */
void hpac_http_cancel(hpac_http_call *c);

/* Called once per completed (not cancelled) call, just before its `done`:
 * the method, the HTTP status (0 on transport failure), the wall time from
 * start to completion in seconds. For request metrics. NULL fn removes. */
typedef void (*hpac_http_observer_fn)(void *ctx, const char *method, long status, double seconds);
void hpac_http_set_observer(hpac_http *h, hpac_http_observer_fn fn, void *ctx);

typedef struct hpac_http_stats {
    uint64_t started;             /* calls accepted by hpac_http_start */
    uint64_t completed;           /* calls whose done ran (any outcome) */
    uint64_t failed;              /* of those, transport failures (status 0) */
    uint64_t cancelled;
    uint64_t connections_opened;  /* new connections; the rest reused the cache */
    size_t pending;               /* calls started and not yet finished */
} hpac_http_stats;

void hpac_http_get_stats(const hpac_http *h, hpac_http_stats *out);

#endif
