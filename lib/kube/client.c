/* The API client: configuration, bearer token, rate limiter, and JSON
 * requests. Watches are in watch.c, response decoding in status.c. */
#include "kube/client.h"

#include "kube/kube_internal.h"
#include "kube/readfile.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_FILE_MAX ((size_t)1024 * 1024)

struct hpac_kube {
    struct ev_loop *loop;
    hpac_http *http;
    hpac_kube_config cfg; /* owned copy */
    hpac_http_tls tls;    /* points into cfg */

    char *token; /* the bearer token in use, or NULL */
    struct timespec token_mtime;
    int64_t token_checked_ms;
    long token_recheck_ms;

    long timeout_ms;
    long watch_timeout_ms;
    size_t watch_line_max;

    /* Token bucket. */
    double qps;
    int burst;
    double bucket;
    int64_t bucket_at_ms;
    ev_timer bucket_timer;
    hpac__kube_op *queue_head, *queue_tail;

    hpac__kube_op *ops; /* every live request and watch */
};

struct hpac_kube_call {
    hpac__kube_op op; /* first: the op is the call */
    hpac_kube_done_fn done;
    void *ctx;
    bool in_done;
    bool answer_unread; /* a 2xx body is not decoded */
};

/* Overwrites a secret before freeing it. */
static void free_secret(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

/* ---- token ---- */

/* Reads and trims the token file. New string, or NULL with err. */
static char *read_token(const char *path, char *err, size_t errsize)
{
    char *text = NULL;
    size_t len = 0;
    if (hpac_read_file(path, TOKEN_FILE_MAX, &text, &len, err, errsize) != 0)
        return NULL;
    size_t start = 0;
    while (start < len && isspace((unsigned char)text[start]))
        start++;
    while (len > start && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == start) {
        snprintf(err, errsize, "%s: empty token", path);
        free_secret(text);
        return NULL;
    }
    memmove(text, text + start, len - start);
    text[len - start] = '\0';
    return text;
}

/* Re-reads the token file when its mtime changed (checked at most every
 * token_recheck_ms), or unconditionally when forced (after a 401). True
 * when the token in use changed. A failed re-read keeps the old token. */
static bool token_refresh(hpac_kube *k, bool force)
{
    if (!k->cfg.token_file)
        return false;
    int64_t now = hpac_clock_monotonic_ms();
    if (!force && now - k->token_checked_ms < k->token_recheck_ms)
        return false;
    k->token_checked_ms = now;

    struct timespec mtime;
    if (hpac_file_mtime(k->cfg.token_file, &mtime) != 0) {
        hpac_warn("token file %s: %s; keeping the current token", k->cfg.token_file,
                  strerror(errno));
        return false;
    }
    if (!force && mtime.tv_sec == k->token_mtime.tv_sec &&
        mtime.tv_nsec == k->token_mtime.tv_nsec)
        return false;
    char err[256];
    char *token = read_token(k->cfg.token_file, err, sizeof(err));
    if (!token) {
        hpac_warn("%s; keeping the current token", err);
        return false;
    }
    k->token_mtime = mtime;
    bool changed = !k->token || strcmp(k->token, token) != 0;
    if (changed) {
        free_secret(k->token);
        k->token = token;
        hpac_info(2, "bearer token reloaded from %s", k->cfg.token_file);
    } else {
        free_secret(token);
    }
    return changed;
}

/* ---- ops ---- */

int hpac__kube_op_init(hpac__kube_op *op, hpac_kube *k, const char *verb, const char *path,
                       const json_t *body, const char *content_type, bool watch)
{
    op->k = k;
    op->watch = watch;
    op->verb = strdup(verb);
    op->path = strdup(path);
    op->content_type = strdup(content_type ? content_type : "application/json");
    if (!op->verb || !op->path || !op->content_type)
        return -1;
    if (body) {
        op->body = json_dumps(body, JSON_COMPACT);
        if (!op->body)
            return -1;
        op->body_len = strlen(op->body);
    }
    op->prev = NULL;
    op->next = k->ops;
    if (k->ops)
        k->ops->prev = op;
    k->ops = op;
    return 0;
}

static void queue_unlink(hpac_kube *k, hpac__kube_op *op)
{
    if (!op->queued)
        return;
    if (op->qprev)
        op->qprev->qnext = op->qnext;
    else
        k->queue_head = op->qnext;
    if (op->qnext)
        op->qnext->qprev = op->qprev;
    else
        k->queue_tail = op->qprev;
    op->qprev = op->qnext = NULL;
    op->queued = false;
}

void hpac__kube_op_release(hpac__kube_op *op)
{
    hpac_kube *k = op->k;
    if (k) {
        queue_unlink(k, op);
        bool linked = op->prev || op->next || k->ops == op;
        if (linked) {
            if (op->prev)
                op->prev->next = op->next;
            else
                k->ops = op->next;
            if (op->next)
                op->next->prev = op->prev;
        }
    }
    op->prev = op->next = NULL;
    if (op->http) {
        hpac_http_cancel(op->http);
        op->http = NULL;
    }
    free(op->verb);
    free(op->path);
    free(op->body);
    free(op->content_type);
    op->verb = op->path = op->body = op->content_type = NULL;
}

char *hpac__kube_op_url(const hpac__kube_op *op)
{
    return hpac_format("%s%s", op->k->cfg.server, op->path);
}

int hpac__kube_op_send(hpac__kube_op *op)
{
    hpac_kube *k = op->k;
    int rc = -1;
    char *url = NULL, *content_type = NULL, *auth = NULL;

    token_refresh(k, false);
    url = hpac__kube_op_url(op);
    if (!url)
        goto out;
    const char *headers[4];
    size_t n = 0;
    headers[n++] = "Accept: application/json";
    if (op->body) {
        content_type = hpac_format("Content-Type: %s", op->content_type);
        if (!content_type)
            goto out;
        headers[n++] = content_type;
    }
    if (k->token) {
        auth = hpac_format("Authorization: Bearer %s", k->token);
        if (!auth)
            goto out;
        headers[n++] = auth;
    }
    headers[n] = NULL;
    hpac_http_request req = {
        .method = op->verb,
        .url = url,
        .headers = headers,
        .body = op->body,
        .body_len = op->body_len,
        .timeout_ms = op->watch ? k->watch_timeout_ms : k->timeout_ms,
        .tls = &k->tls,
    };
    op->http = hpac_http_start(k->http, &req, op->http_done, op->http_data, op);
    if (!op->http)
        goto out;
    rc = 0;
out:
    free(url);
    free(content_type);
    free_secret(auth);
    return rc;
}

bool hpac__kube_op_should_retry(hpac__kube_op *op)
{
    if (op->retried)
        return false;
    if (!token_refresh(op->k, true))
        return false;
    op->retried = true;
    return true;
}

/* ---- rate limiter ---- */

static void bucket_refill(hpac_kube *k)
{
    int64_t now = hpac_clock_monotonic_ms();
    double add = (double)(now - k->bucket_at_ms) * k->qps / 1000.0;
    k->bucket_at_ms = now;
    k->bucket += add;
    if (k->bucket > (double)k->burst)
        k->bucket = (double)k->burst;
}

static void bucket_arm(hpac_kube *k)
{
    if (!k->queue_head || ev_is_active(&k->bucket_timer))
        return;
    double wait = 0;
    if (k->qps > 0 && k->bucket < 1.0)
        wait = (1.0 - k->bucket) / k->qps;
    ev_timer_set(&k->bucket_timer, wait, 0.0);
    ev_timer_start(k->loop, &k->bucket_timer);
}

static void on_bucket_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    hpac_kube *k = w->data;
    if (k->qps > 0)
        bucket_refill(k);
    while (k->queue_head && (k->qps <= 0 || k->bucket >= 1.0)) {
        hpac__kube_op *op = k->queue_head;
        queue_unlink(k, op);
        if (k->qps > 0)
            k->bucket -= 1.0;
        if (hpac__kube_op_send(op) != 0)
            op->fail(op, "failed to start the request");
    }
    bucket_arm(k);
}

int hpac__kube_op_admit(hpac__kube_op *op)
{
    hpac_kube *k = op->k;
    if (k->qps <= 0 && !k->queue_head)
        return hpac__kube_op_send(op);
    if (k->qps > 0)
        bucket_refill(k);
    if (!k->queue_head && k->bucket >= 1.0) {
        k->bucket -= 1.0;
        return hpac__kube_op_send(op);
    }
    op->queued = true;
    op->qnext = NULL;
    op->qprev = k->queue_tail;
    if (k->queue_tail)
        k->queue_tail->qnext = op;
    else
        k->queue_head = op;
    k->queue_tail = op;
    bucket_arm(k);
    return 0;
}

void hpac_kube_set_rate_limit(hpac_kube *k, double qps, int burst)
{
    k->qps = qps > 0 ? qps : 0;
    k->burst = burst > 0 ? burst : 1;
    k->bucket = (double)k->burst;
    k->bucket_at_ms = hpac_clock_monotonic_ms();
    /* Re-plan the queue under the new rate (or flush it when disabled). */
    ev_timer_stop(k->loop, &k->bucket_timer);
    bucket_arm(k);
}

/* ---- requests ---- */

static void call_finish(hpac_kube_call *call, const hpac_kube_response *resp)
{
    call->in_done = true;
    call->done(call->ctx, resp);
    hpac__kube_op_release(&call->op);
    free(call);
}

static void deliver_to_call(void *target, const hpac_kube_response *response)
{
    call_finish(target, response);
}

static void call_http_done(void *ctx, const hpac_http_response *resp)
{
    hpac_kube_call *call = ctx;
    hpac__kube_op *op = &call->op;
    op->http = NULL; /* finished; freed by the HTTP client after this returns */

    if (resp->status == 401 && hpac__kube_op_should_retry(op)) {
        if (hpac__kube_op_send(op) == 0)
            return;
    }
    hpac__kube_deliver(op, resp, !call->answer_unread, deliver_to_call, call);
}

static void call_fail(hpac__kube_op *op, const char *error)
{
    hpac_kube_response out = {.code = 0, .error = error};
    call_finish((hpac_kube_call *)op, &out);
}

static void call_destroy(hpac__kube_op *op)
{
    hpac__kube_op_release(op);
    free(op);
}

static hpac_kube_call *start_call(hpac_kube *k, const char *verb, const char *path_and_query,
                                  const json_t *body, const char *content_type,
                                  bool answer_unread, hpac_kube_done_fn done, void *ctx)
{
    hpac_kube_call *call = NULL;
    hpac_kube_call *result = NULL;

    if (!k || !verb || !path_and_query || path_and_query[0] != '/' || !done)
        goto out;
    call = calloc(1, sizeof(*call));
    if (!call)
        goto out;
    call->done = done;
    call->ctx = ctx;
    call->answer_unread = answer_unread;
    call->op.http_done = call_http_done;
    call->op.fail = call_fail;
    call->op.destroy = call_destroy;
    if (hpac__kube_op_init(&call->op, k, verb, path_and_query, body, content_type, false) != 0)
        goto out;
    if (hpac__kube_op_admit(&call->op) != 0)
        goto out;
    result = call;
    call = NULL;
out:
    if (call)
        call_destroy(&call->op);
    return result;
}

hpac_kube_call *hpac_kube_request(hpac_kube *k, const char *verb, const char *path_and_query,
                                  const json_t *body, const char *content_type,
                                  hpac_kube_done_fn done, void *ctx)
{
    return start_call(k, verb, path_and_query, body, content_type, false, done, ctx);
}

hpac_kube_call *hpac_kube_write(hpac_kube *k, const char *verb, const char *path_and_query,
                                const json_t *body, const char *content_type,
                                hpac_kube_done_fn done, void *ctx)
{
    return start_call(k, verb, path_and_query, body, content_type, true, done, ctx);
}

hpac_kube_call *hpac_kube_read(hpac_kube *k, const char *path_and_query, hpac_kube_done_fn done,
                               void *ctx)
{
    return start_call(k, "GET", path_and_query, NULL, NULL, true, done, ctx);
}

void hpac_kube_cancel(hpac_kube_call *c)
{
    if (!c || c->in_done)
        return;
    call_destroy(&c->op);
}

/* ---- the client ---- */

static int check_readable(const char *path, char *err, size_t errsize)
{
    if (path && access(path, R_OK) != 0) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

hpac_kube *hpac_kube_new(struct ev_loop *loop, const hpac_kube_config *cfg, char *err,
                         size_t errsize)
{
    hpac_kube *k = NULL;
    hpac_kube *result = NULL;

    if (!loop || !cfg || !cfg->server) {
        snprintf(err, errsize, "no API server address configured");
        goto out;
    }
    if (strncmp(cfg->server, "https://", 8) != 0 && strncmp(cfg->server, "http://", 7) != 0) {
        snprintf(err, errsize, "server address %s: only http and https are supported",
                 cfg->server);
        goto out;
    }
    if (check_readable(cfg->ca_file, err, errsize) != 0 ||
        check_readable(cfg->cert_file, err, errsize) != 0 ||
        check_readable(cfg->key_file, err, errsize) != 0)
        goto out;
    k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    k->loop = loop;
    ev_init(&k->bucket_timer, on_bucket_timer);
    k->bucket_timer.data = k;
    k->burst = 1;
    k->timeout_ms = HPAC_KUBE_DEFAULT_TIMEOUT_MS;
    k->watch_timeout_ms = HPAC_KUBE_DEFAULT_WATCH_TIMEOUT_MS;
    k->watch_line_max = HPAC_KUBE_WATCH_LINE_MAX;
    k->token_recheck_ms = HPAC_KUBE_TOKEN_RECHECK_MS;
    if (hpac_kube_config_copy(cfg, &k->cfg) != 0) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    /* A trailing slash would double the one every path starts with. */
    size_t len = strlen(k->cfg.server);
    while (len > 0 && k->cfg.server[len - 1] == '/')
        k->cfg.server[--len] = '\0';
    if (k->cfg.token_file) {
        k->token = read_token(k->cfg.token_file, err, errsize);
        if (!k->token)
            goto out;
        hpac_file_mtime(k->cfg.token_file, &k->token_mtime);
        k->token_checked_ms = hpac_clock_monotonic_ms();
    } else if (k->cfg.token) {
        k->token = strdup(k->cfg.token);
        if (!k->token) {
            snprintf(err, errsize, "out of memory");
            goto out;
        }
    }
    k->tls = (hpac_http_tls){
        .ca_file = k->cfg.ca_file,
        .ca_pem = k->cfg.ca_pem,
        .ca_pem_len = k->cfg.ca_pem_len,
        .cert_file = k->cfg.cert_file,
        .cert_pem = k->cfg.cert_pem,
        .cert_pem_len = k->cfg.cert_pem_len,
        .key_file = k->cfg.key_file,
        .key_pem = k->cfg.key_pem,
        .key_pem_len = k->cfg.key_pem_len,
        .insecure_skip_verify = k->cfg.insecure_skip_verify,
    };
    k->http = hpac_http_new(loop);
    if (!k->http) {
        snprintf(err, errsize, "cannot create the HTTP client");
        goto out;
    }
    result = k;
    k = NULL;
out:
    hpac_kube_free(k);
    return result;
}

void hpac_kube_free(hpac_kube *k)
{
    if (!k)
        return;
    while (k->ops)
        k->ops->destroy(k->ops);
    ev_timer_stop(k->loop, &k->bucket_timer);
    hpac_http_free(k->http);
    free_secret(k->token);
    hpac_kube_config_clear(&k->cfg);
    free(k);
}

void hpac_kube_set_timeout_ms(hpac_kube *k, long ms)
{
    k->timeout_ms = ms > 0 ? ms : HPAC_KUBE_DEFAULT_TIMEOUT_MS;
}

void hpac_kube_set_watch_timeout_ms(hpac_kube *k, long ms)
{
    k->watch_timeout_ms = ms > 0 ? ms : HPAC_KUBE_DEFAULT_WATCH_TIMEOUT_MS;
}

void hpac_kube_set_watch_line_max(hpac_kube *k, size_t bytes)
{
    k->watch_line_max = bytes > 0 ? bytes : HPAC_KUBE_WATCH_LINE_MAX;
}

size_t hpac__kube_watch_line_max(const hpac_kube *k)
{
    return k->watch_line_max;
}

void hpac_kube_set_token_recheck_ms(hpac_kube *k, long ms)
{
    k->token_recheck_ms = ms >= 0 ? ms : HPAC_KUBE_TOKEN_RECHECK_MS;
}

hpac_http *hpac_kube_http(hpac_kube *k)
{
    return k->http;
}

struct ev_loop *hpac_kube_loop(hpac_kube *k)
{
    return k->loop;
}

const char *hpac_kube_server(const hpac_kube *k)
{
    return k->cfg.server;
}

char *hpac_kube_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out[j++] = (char)c;
        } else {
            out[j++] = '%';
            out[j++] = hex[c >> 4];
            out[j++] = hex[c & 15];
        }
    }
    out[j] = '\0';
    return out;
}
