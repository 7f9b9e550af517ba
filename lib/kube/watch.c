/* Watch streams: a long GET whose body is newline-delimited JSON, one
 * {"type": ..., "object": ...} event per line. Chunks arrive at arbitrary
 * boundaries; a partial line waits in a capped buffer. */
#include "kube/client.h"

#include "kube/kube_internal.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hpac_kube_watch {
    hpac__kube_op op; /* first */
    hpac_kube_event_fn on_event;
    hpac_kube_end_fn on_end;
    void *ctx;

    char *line; /* the partial line carried between chunks */
    size_t len, cap, max;

    char *end_error; /* why we aborted the stream ourselves */
    bool in_event;
    bool in_end;
    bool stopped; /* stopped from inside on_event: freed when it returns */
};

typedef enum line_result {
    LINE_OK,
    LINE_ERROR,   /* end_error set; abort the stream */
    LINE_STOPPED, /* the watch was stopped from on_event; free it */
} line_result;

static void watch_free(hpac_kube_watch *w)
{
    hpac__kube_op_release(&w->op);
    free(w->line);
    free(w->end_error);
    free(w);
}

static line_result set_error(hpac_kube_watch *w, char *message)
{
    free(w->end_error);
    /* Out of memory leaves NULL; the HTTP abort still ends the watch. */
    w->end_error = message;
    return LINE_ERROR;
}

static line_result handle_line(hpac_kube_watch *w, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
        p++;
        n--;
    }
    if (n == 0)
        return LINE_OK;

    json_error_t jerr;
    json_t *event = json_loadb(p, n, 0, &jerr);
    if (!event)
        return set_error(w, hpac_format("invalid watch event: %s", jerr.text));
    const char *type = json_string_value(json_object_get(event, "type"));
    json_t *object = json_object_get(event, "object");
    if (!type || !json_is_object(object)) {
        json_decref(event);
        return set_error(w, strdup("invalid watch event: want {\"type\": ..., \"object\": {...}}"));
    }
    w->in_event = true;
    w->on_event(w->ctx, type, object);
    w->in_event = false;
    json_decref(event);
    return w->stopped ? LINE_STOPPED : LINE_OK;
}

static bool line_append(hpac_kube_watch *w, const char *data, size_t n)
{
    if (n > w->max - w->len) {
        set_error(w, hpac_format("watch event larger than %zu bytes", w->max));
        return false;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        char *grown = realloc(w->line, cap);
        if (!grown) {
            set_error(w, strdup("out of memory buffering a watch event"));
            return false;
        }
        w->line = grown;
        w->cap = cap;
    }
    memcpy(w->line + w->len, data, n);
    w->len += n;
    return true;
}

/* HTTP streaming callback (runs inside libcurl). */
static bool watch_data(void *ctx, const char *data, size_t len)
{
    hpac_kube_watch *w = ctx;
    size_t pos = 0;
    while (pos < len) {
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t take = nl ? (size_t)(nl - start) : len - pos;
        line_result r;
        if (!nl) {
            if (!line_append(w, start, take))
                return false;
            break;
        }
        if (w->len == 0) {
            if (take > w->max) {
                set_error(w, hpac_format("watch event larger than %zu bytes", w->max));
                return false;
            }
            r = handle_line(w, start, take); /* whole line in this chunk: no copy */
        } else {
            if (!line_append(w, start, take))
                return false;
            size_t n = w->len;
            w->len = 0;
            r = handle_line(w, w->line, n);
        }
        if (r == LINE_STOPPED) {
            watch_free(w);
            return false;
        }
        if (r == LINE_ERROR)
            return false;
        pos += take + 1;
    }
    return true;
}

static void watch_end(hpac_kube_watch *w, const hpac_kube_response *resp);

static void deliver_to_watch(void *target, const hpac_kube_response *response)
{
    watch_end(target, response);
}

static void watch_end(hpac_kube_watch *w, const hpac_kube_response *resp)
{
    w->in_end = true;
    w->on_end(w->ctx, resp);
    watch_free(w);
}

static void watch_http_done(void *ctx, const hpac_http_response *resp)
{
    hpac_kube_watch *w = ctx;
    hpac__kube_op *op = &w->op;
    op->http = NULL;

    if (resp->status == 401 && hpac__kube_op_should_retry(op)) {
        w->len = 0;
        if (hpac__kube_op_send(op) == 0)
            return;
    }
    if (w->end_error || (resp->status == 0 && resp->error &&
                         strcmp(resp->error, "aborted by the receiver") == 0)) {
        hpac_kube_response out = {
            .code = 200, .error = w->end_error ? w->end_error : "invalid watch stream"};
        watch_end(w, &out);
        return;
    }
    bool success = resp->status >= 200 && resp->status < 300;
    if (success && w->len > 0) {
        /* A last event without its newline. */
        size_t n = w->len;
        w->len = 0;
        line_result r = handle_line(w, w->line, n);
        if (r == LINE_STOPPED) {
            watch_free(w);
            return;
        }
        if (r == LINE_ERROR) {
            hpac_kube_response out = {.code = resp->status,
                                      .error = w->end_error ? w->end_error
                                                            : "invalid watch stream"};
            watch_end(w, &out);
            return;
        }
    }
    hpac__kube_deliver(op, resp, false, deliver_to_watch, w);
}

static void watch_fail(hpac__kube_op *op, const char *error)
{
    hpac_kube_response out = {.code = 0, .error = error};
    watch_end((hpac_kube_watch *)op, &out);
}

static void watch_destroy(hpac__kube_op *op)
{
    watch_free((hpac_kube_watch *)op);
}

hpac_kube_watch *hpac_kube_watch_start(hpac_kube *k, const char *path_and_query,
                                       hpac_kube_event_fn on_event, hpac_kube_end_fn on_end,
                                       void *ctx)
{
    hpac_kube_watch *w = NULL;
    hpac_kube_watch *result = NULL;

    if (!k || !path_and_query || path_and_query[0] != '/' || !on_event || !on_end)
        goto out;
    w = calloc(1, sizeof(*w));
    if (!w)
        goto out;
    w->on_event = on_event;
    w->on_end = on_end;
    w->ctx = ctx;
    w->max = hpac__kube_watch_line_max(k);
    w->op.http_done = watch_http_done;
    w->op.http_data = watch_data;
    w->op.fail = watch_fail;
    w->op.destroy = watch_destroy;
    if (hpac__kube_op_init(&w->op, k, "GET", path_and_query, NULL, NULL, true) != 0)
        goto out;
    if (hpac__kube_op_admit(&w->op) != 0)
        goto out;
    result = w;
    w = NULL;
out:
    if (w)
        watch_free(w);
    return result;
}

void hpac_kube_watch_stop(hpac_kube_watch *w)
{
    if (!w || w->in_end || w->stopped)
        return;
    if (w->in_event) {
        /* Our frames are still on the stack: cut the stream now, free the
         * watch when on_event returns. */
        w->stopped = true;
        if (w->op.http) {
            hpac_http_cancel(w->op.http);
            w->op.http = NULL;
        }
        return;
    }
    watch_free(w);
}
