/* Shared between the request, watch and decoding parts of the API client;
 * not a public interface. */
#ifndef HPAC_KUBE_KUBE_INTERNAL_H
#define HPAC_KUBE_KUBE_INTERNAL_H

#include "http/http.h"
#include "kube/client.h"

#include <jansson.h>
#include <stdbool.h>

/* One request or watch, from admission (rate limiter) to completion. The
 * owner (a hpac_kube_call or hpac_kube_watch) embeds it first and fills the
 * hooks. */
typedef struct hpac__kube_op hpac__kube_op;
struct hpac__kube_op {
    hpac_kube *k;
    char *verb;
    char *path;
    char *body; /* may be NULL */
    size_t body_len;
    char *content_type;
    bool watch;   /* the watch timeout applies */
    bool retried; /* after a 401 with a rotated token */
    bool queued;  /* waiting in the rate limiter */
    hpac_http_call *http;

    hpac_http_done_fn http_done;
    hpac_http_data_fn http_data; /* NULL: buffered */
    /* The op could not be started later (from the rate limiter): report
     * `error` to the owner and free it. */
    void (*fail)(hpac__kube_op *op, const char *error);
    /* Free without any callback (client teardown). */
    void (*destroy)(hpac__kube_op *op);

    hpac__kube_op *prev, *next;   /* the client's live ops */
    hpac__kube_op *qprev, *qnext; /* the rate limiter's queue */
};

/* Fills the common fields (copies strings); links into the client.
 * 0 or -1 (out of memory; nothing to undo beyond hpac__kube_op_release). */
int hpac__kube_op_init(hpac__kube_op *op, hpac_kube *k, const char *verb, const char *path,
                       const json_t *body, const char *content_type, bool watch);

/* Unlinks from the client and the queue, cancels the HTTP call, frees the
 * common fields (not the owner). */
void hpac__kube_op_release(hpac__kube_op *op);

/* Starts now when the rate limiter allows, else queues. 0, or -1 when an
 * immediate start failed (no callback will follow). */
int hpac__kube_op_admit(hpac__kube_op *op);

/* (Re)sends over HTTP with the current token. 0 or -1. */
int hpac__kube_op_send(hpac__kube_op *op);

/* After a 401: re-reads the token file; true when the token changed and
 * this op has not been retried yet (the caller then re-sends). */
bool hpac__kube_op_should_retry(hpac__kube_op *op);

/* "https://server/path" for messages. Caller frees; NULL when out of
 * memory. */
char *hpac__kube_op_url(const hpac__kube_op *op);

size_t hpac__kube_watch_line_max(const hpac_kube *k);

/* A response decoded the way the API client reports it. Owns its members. */
typedef struct hpac__kube_result {
    long code;
    json_t *body;
    char *error;
    char *reason;
} hpac__kube_result;

/* Decodes an HTTP outcome: transport error, Status on error codes, invalid
 * JSON on success. `expect_body` false skips parsing (watch streams).
 * Returns 0, or -1 when out of memory (then out->error is NULL too). */
int hpac__kube_decode(const char *verb, const char *url, const hpac_http_response *resp,
                      bool expect_body, hpac__kube_result *out);
void hpac__kube_result_clear(hpac__kube_result *r);

/* Decodes the outcome of `op` and hands it, as the public response, to
 * `deliver(target, response)`; the decoded members live until it returns. */
void hpac__kube_deliver(const hpac__kube_op *op, const hpac_http_response *resp,
                        bool expect_body, void (*deliver)(void *target,
                                                          const hpac_kube_response *response),
                        void *target);

/* Upstream's reason and message for an error status without a Status body
 * (NewGenericServerResponse). `server_message` is the body text. */
const char *hpac__kube_generic_reason(long code, const char *verb);
char *hpac__kube_generic_message(long code, const char *server_message);

#endif
