/* Kubernetes API client: JSON requests and watch streams over the
 * asynchronous HTTP client, with bearer-token or client-certificate
 * authentication, Status error decoding and client-side rate limiting.
 *
 * Completion rule: a start function that returns NULL never calls its
 * callback; otherwise the callback is called exactly once, from the loop
 * (never from inside the start function), unless cancelled first.
 * Callbacks may start and cancel other calls; they must not free the
 * client. */
#ifndef HPAC_KUBE_CLIENT_H
#define HPAC_KUBE_CLIENT_H

#include "http/http.h"
#include "kube/kubeconfig.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct ev_loop;

typedef struct hpac_kube hpac_kube;
typedef struct hpac_kube_call hpac_kube_call;
typedef struct hpac_kube_watch hpac_kube_watch;

#define HPAC_KUBE_DEFAULT_TIMEOUT_MS 30000L
/* A watch's whole-transfer timeout; put a smaller timeoutSeconds in the
 * query so the server ends the stream first. */
#define HPAC_KUBE_DEFAULT_WATCH_TIMEOUT_MS (15L * 60 * 1000)
/* One watch event (one line of the stream) may not exceed this. */
#define HPAC_KUBE_WATCH_LINE_MAX ((size_t)16 * 1024 * 1024)
/* The token file is re-checked (mtime) at most this often, and after a 401. */
#define HPAC_KUBE_TOKEN_RECHECK_MS 60000L

/* Valid for the duration of the callback only. */
typedef struct hpac_kube_response {
    long code;          /* HTTP status; 0 on transport failure */
    json_t *body;       /* parsed JSON body (borrowed), or NULL */
    const char *error;  /* NULL on 2xx with a valid body; else the Status message,
                           "invalid JSON in response: ...", or the transport error.
                           Never contains credentials. */
    const char *reason; /* Status.reason ("NotFound", "Conflict", "Unauthorized", ...),
                           derived from the code when the body is not a Status; NULL on
                           success and on transport failure */
    const char *raw;    /* a 2xx body left undecoded (hpac_kube_read, hpac_kube_write):
                           its bytes, borrowed, NUL-terminated; else NULL */
    size_t raw_len;
} hpac_kube_response;

typedef void (*hpac_kube_done_fn)(void *ctx, const hpac_kube_response *resp);

/* Copies what it needs from `cfg` (borrowed); reads the token file once
 * (an unreadable token file is an error). NULL with err on failure. */
hpac_kube *hpac_kube_new(struct ev_loop *loop, const hpac_kube_config *cfg, char *err,
                         size_t errsize);

/* Cancels everything pending (callbacks not called) and frees. NULL: no-op. */
void hpac_kube_free(hpac_kube *k);

/* Per-request timeout (0: the default). Applies to requests started later. */
void hpac_kube_set_timeout_ms(hpac_kube *k, long ms);
void hpac_kube_set_watch_timeout_ms(hpac_kube *k, long ms);
/* The cap on one watch event line (0: HPAC_KUBE_WATCH_LINE_MAX). */
void hpac_kube_set_watch_line_max(hpac_kube *k, size_t bytes);

/* How often the token file's mtime is checked (default
 * HPAC_KUBE_TOKEN_RECHECK_MS); tests shorten it. */
void hpac_kube_set_token_recheck_ms(hpac_kube *k, long ms);

/* Client-side token bucket like client-go's (--kube-api-qps,
 * --kube-api-burst): requests and watch starts beyond it wait in FIFO
 * order. qps <= 0 disables (the default). */
void hpac_kube_set_rate_limit(hpac_kube *k, double qps, int burst);

/* The underlying HTTP client (borrowed), e.g. for hpac_http_set_observer
 * and hpac_http_get_stats. */
hpac_http *hpac_kube_http(hpac_kube *k);
struct ev_loop *hpac_kube_loop(hpac_kube *k);
/* "https://host:port", borrowed. */
const char *hpac_kube_server(const hpac_kube *k);

/* `verb` "GET" "POST" "PUT" "PATCH" "DELETE"; `path_and_query` starts with
 * '/' and is already escaped (see hpac_kube_escape); `body` borrowed,
 * serialized at once, may be NULL; `content_type` NULL means
 * application/json (e.g. "application/merge-patch+json"). After a 401
 * the token file is re-read and, when the token changed, the request is
 * retried once. NULL on immediate failure. */
hpac_kube_call *hpac_kube_request(hpac_kube *k, const char *verb, const char *path_and_query,
                                  const json_t *body, const char *content_type,
                                  hpac_kube_done_fn done, void *ctx);

/* hpac_kube_request for a write whose answer is not read: a 2xx body is
 * not decoded (resp->body is NULL), which spares parsing the whole object
 * the API server sends back; errors are decoded as always. */
hpac_kube_call *hpac_kube_write(hpac_kube *k, const char *verb, const char *path_and_query,
                                const json_t *body, const char *content_type,
                                hpac_kube_done_fn done, void *ctx);

/* A GET whose successful answer is handed over as bytes (resp->raw), for
 * a reader faster than a JSON tree; errors are decoded as always. */
hpac_kube_call *hpac_kube_read(hpac_kube *k, const char *path_and_query, hpac_kube_done_fn done,
                               void *ctx);

/* The JSON tree of such a body, for when the fast reader gave up: a new
 * reference, or NULL with the words a decoded request would have had
 * ("invalid JSON in response: ...") in `err`. */
json_t *hpac_kube_raw_json(const hpac_kube_response *resp, char *err, size_t errsize);

/* Stops a pending request; `done` is not called. NULL, or the call whose
 * `done` is running: no-op. */
void hpac_kube_cancel(hpac_kube_call *c);

/* `type` is "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or "ERROR" (then
 * `object` is a Status, e.g. 410 Expired). Both borrowed for the call;
 * json_incref to keep the object. */
typedef void (*hpac_kube_event_fn)(void *ctx, const char *type, json_t *object);

/* Why a watch ended: code 200 and error NULL when the server closed the
 * stream normally; otherwise the HTTP error (Status decoded), the transport
 * error, or a malformed stream ("invalid watch event: ...", or a line over
 * HPAC_KUBE_WATCH_LINE_MAX). */
typedef void (*hpac_kube_end_fn)(void *ctx, const hpac_kube_response *resp);

/* Opens a watch stream: `path_and_query` includes watch=1 (and usually
 * resourceVersion, allowWatchBookmarks, timeoutSeconds). Events arrive one
 * per line of the newline-delimited JSON stream. `on_end` is called
 * exactly once unless the watch is stopped first. NULL on immediate
 * failure (then no callback is called). */
hpac_kube_watch *hpac_kube_watch_start(hpac_kube *k, const char *path_and_query,
                                       hpac_kube_event_fn on_event, hpac_kube_end_fn on_end,
                                       void *ctx);

/* Stops a watch (also allowed from its own on_event); no callback follows.
 * NULL, or from inside its own on_end: no-op. */
void hpac_kube_watch_stop(hpac_kube_watch *w);

/* Percent-encodes everything except ALPHA DIGIT - . _ ~ (space as %20),
 * for query values and path segments. Caller frees; NULL when out of
 * memory or s is NULL. */
char *hpac_kube_escape(const char *s);

#endif
