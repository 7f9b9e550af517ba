/* libcurl multi interface on a libev loop.
 *
 * libcurl must not be re-entered from its own callbacks, yet user code runs
 * inside the write callback (streaming). So while libcurl is on the stack
 * (h->in_curl), starting a call only queues it and cancelling only marks it;
 * the work queue (h->todo) is processed once libcurl has returned. Finished
 * calls go through the same queue, so `done` always runs with no libcurl
 * frame below it and may start or cancel anything. */
#include "http/http.h"

#include <curl/curl.h>
#include <ev.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONNECT_TIMEOUT_MAX_MS 30000L
#define BODY_INITIAL_CAPACITY 4096
/* Easy handles kept for reuse: curl_easy_init allocates several KiB per
 * handle, more than a small request costs on a kept-alive connection. */
#define SPARE_EASY_MAX 64
/* Idle connections kept open. libcurl's default keeps 4 per transfer in
 * flight, so when a burst of requests ends the extra connections close,
 * and the next burst opens them again (a TCP handshake and teardown per
 * request beyond the dip). Plaintext HTTP/1.1 needs one connection per
 * request in flight; this covers the sync concurrency plus the watches. */
#define MAX_IDLE_CONNECTIONS 64

typedef enum call_state {
    CALL_QUEUED,   /* created while libcurl was running; not in the multi yet */
    CALL_ACTIVE,   /* in the multi */
    CALL_FINISHED, /* out of the multi; done not yet called */
    CALL_ZOMBIE,   /* cancelled while libcurl was running; still in the multi */
} call_state;

typedef enum body_mode {
    BODY_UNDECIDED, /* no data yet: the status decides */
    BODY_STREAM,
    BODY_BUFFER,
} body_mode;

typedef struct sock_ctx {
    ev_io io;
    hpac_http *h;
    curl_socket_t fd;
    struct sock_ctx *prev, *next;
} sock_ctx;

struct hpac_http_call {
    hpac_http *h;
    CURL *easy;
    struct curl_slist *headers;
    char *method;
    char *body; /* request body; libcurl does not copy POSTFIELDS */
    hpac_http_done_fn done;
    hpac_http_data_fn on_data;
    void *ctx;
    call_state state;
    bool in_done;

    body_mode mode;
    char *resp;  /* response body, NUL-terminated */
    size_t resp_len, resp_cap, resp_max;
    bool too_large, aborted;

    CURLcode result;
    const char *multi_error; /* static text when the multi handle failed */
    char errbuf[CURL_ERROR_SIZE];
    double started;

    struct hpac_http_call *prev, *next;      /* h->calls: every live call */
    struct hpac_http_call *tprev, *tnext;    /* h->todo: work for after libcurl */
    bool in_todo;
};

struct hpac_http {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer;
    int in_curl;
    hpac_http_call *calls;
    hpac_http_call *todo_head, *todo_tail;
    sock_ctx *socks;
    hpac_http_observer_fn observer;
    void *observer_ctx;
    hpac_http_stats stats;
    CURL *spare_easy[SPARE_EASY_MAX]; /* reset, in no multi */
    size_t spare_easy_count;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- lists ---- */

static void calls_link(hpac_http *h, hpac_http_call *c)
{
    c->prev = NULL;
    c->next = h->calls;
    if (h->calls)
        h->calls->prev = c;
    h->calls = c;
    h->stats.pending++;
}

static void calls_unlink(hpac_http *h, hpac_http_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    h->stats.pending--;
}

static void todo_push(hpac_http *h, hpac_http_call *c)
{
    if (c->in_todo)
        return;
    c->tnext = NULL;
    c->tprev = h->todo_tail;
    if (h->todo_tail)
        h->todo_tail->tnext = c;
    else
        h->todo_head = c;
    h->todo_tail = c;
    c->in_todo = true;
}

static void todo_unlink(hpac_http *h, hpac_http_call *c)
{
    if (!c->in_todo)
        return;
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else
        h->todo_head = c->tnext;
    if (c->tnext)
        c->tnext->tprev = c->tprev;
    else
        h->todo_tail = c->tprev;
    c->tprev = c->tnext = NULL;
    c->in_todo = false;
}

/* A reset easy handle, reused when one is spare. */
static CURL *easy_take(hpac_http *h)
{
    if (h->spare_easy_count > 0)
        return h->spare_easy[--h->spare_easy_count];
    return curl_easy_init();
}

/* Keeps a handle that is in no multi for the next call, or frees it.
 * curl_easy_reset clears every option (the previous call's pointers
 * included) and keeps nothing a transfer could leak into the next: the
 * connections live in the multi handle. */
static void easy_give_back(hpac_http *h, CURL *easy)
{
    if (h->spare_easy_count < SPARE_EASY_MAX) {
        curl_easy_reset(easy);
        h->spare_easy[h->spare_easy_count++] = easy;
    } else {
        curl_easy_cleanup(easy);
    }
}

/* Frees a call that is in no multi and no list. */
static void call_free(hpac_http_call *c)
{
    if (c->easy)
        easy_give_back(c->h, c->easy);
    curl_slist_free_all(c->headers);
    free(c->method);
    free(c->body);
    free(c->resp);
    free(c);
}

/* Unlinks from everything, takes the easy handle out of the multi, frees. */
static void call_destroy(hpac_http_call *c)
{
    hpac_http *h = c->h;
    todo_unlink(h, c);
    calls_unlink(h, c);
    if (c->state == CALL_ACTIVE || c->state == CALL_ZOMBIE)
        curl_multi_remove_handle(h->multi, c->easy);
    call_free(c);
}

/* ---- completion ---- */

static void finish(hpac_http_call *c, CURLcode result, const char *multi_error)
{
    hpac_http *h = c->h;
    if (c->state == CALL_ACTIVE)
        curl_multi_remove_handle(h->multi, c->easy);
    c->state = CALL_FINISHED;
    c->result = result;
    c->multi_error = multi_error;
    todo_push(h, c);
}

static void dispatch(hpac_http_call *c)
{
    hpac_http *h = c->h;
    char error[CURL_ERROR_SIZE + 160];
    hpac_http_response resp = {0};

    if (c->result == CURLE_OK && !c->multi_error) {
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    } else if (c->multi_error) {
        snprintf(error, sizeof(error), "HTTP client failure: %s", c->multi_error);
        resp.error = error;
    } else if (c->too_large) {
        snprintf(error, sizeof(error), "response body exceeds the limit of %zu bytes",
                 c->resp_max);
        resp.error = error;
    } else if (c->aborted) {
        snprintf(error, sizeof(error), "aborted by the receiver");
        resp.error = error;
    } else if (c->errbuf[0]) {
        snprintf(error, sizeof(error), "%s", c->errbuf);
        resp.error = error;
    } else {
        snprintf(error, sizeof(error), "%s", curl_easy_strerror(c->result));
        resp.error = error;
    }
    resp.body = c->resp ? c->resp : "";
    resp.body_len = c->resp ? c->resp_len : 0;

    if (c->easy) {
        long connects = 0;
        if (curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
            connects > 0)
            h->stats.connections_opened += (uint64_t)connects;
    }
    h->stats.completed++;
    if (resp.status == 0)
        h->stats.failed++;
    if (h->observer)
        h->observer(h->observer_ctx, c->method, resp.status, now_seconds() - c->started);

    c->in_done = true;
    c->done(c->ctx, &resp);
    c->in_done = false;
}

/* Every DONE message: out of the multi and onto the work queue. */
static void drain_messages(hpac_http *h)
{
    CURLMsg *msg;
    int left = 0;
    for (;;) {
        msg = curl_multi_info_read(h->multi, &left);
        if (!msg)
            break;
        if (msg->msg != CURLMSG_DONE)
            continue;
        hpac_http_call *c = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (!c || c->state != CALL_ACTIVE)
            continue; /* a zombie: removed with its queue entry */
        finish(c, msg->data.result, NULL);
    }
}

/* The multi handle itself failed: fail what it holds instead of hanging. */
static void fail_all(hpac_http *h, CURLMcode rc)
{
    const char *text = curl_multi_strerror(rc);
    for (hpac_http_call *c = h->calls; c; c = c->next) {
        if (c->state == CALL_ACTIVE)
            finish(c, CURLE_OK, text);
    }
}

static void process_todo(hpac_http *h)
{
    if (h->in_curl)
        return;
    while (h->todo_head) {
        hpac_http_call *c = h->todo_head;
        todo_unlink(h, c);
        switch (c->state) {
        case CALL_QUEUED: {
            CURLMcode rc = curl_multi_add_handle(h->multi, c->easy);
            if (rc == CURLM_OK) {
                c->state = CALL_ACTIVE;
            } else {
                c->state = CALL_FINISHED;
                c->result = CURLE_OK;
                c->multi_error = curl_multi_strerror(rc);
                todo_push(h, c);
            }
            break;
        }
        case CALL_ZOMBIE:
            call_destroy(c);
            break;
        case CALL_FINISHED:
            dispatch(c);
            calls_unlink(h, c);
            call_free(c);
            break;
        case CALL_ACTIVE:
            break;
        }
    }
}

static void socket_action(hpac_http *h, curl_socket_t fd, int events)
{
    int running = 0;
    h->in_curl++;
    CURLMcode rc = curl_multi_socket_action(h->multi, fd, events, &running);
    h->in_curl--;
    if (rc != CURLM_OK)
        fail_all(h, rc);
    drain_messages(h);
    process_todo(h);
}

/* ---- libev <-> libcurl glue ---- */

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    sock_ctx *s = (sock_ctx *)w;
    int events = 0;
    if (revents & EV_READ)
        events |= CURL_CSELECT_IN;
    if (revents & EV_WRITE)
        events |= CURL_CSELECT_OUT;
    /* `s` may be freed by the socket callback inside; copy first. */
    socket_action(s->h, s->fd, events);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    hpac_http *h = w->data;
    socket_action(h, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms the ev_timer; libcurl is not called
 * from here. The ms value may be below a second: floating-point seconds. */
static int timer_function(CURLM *multi, long timeout_ms, void *userp)
{
    hpac_http *h = userp;
    ev_timer_stop(h->loop, &h->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&h->timer, (double)timeout_ms / 1000.0, 0.0);
        ev_timer_start(h->loop, &h->timer);
    }
    return 0;
}

/* CURLMOPT_SOCKETFUNCTION: one ev_io per socket, found again through
 * curl_multi_assign. Returning -1 fails the multi; fail_all handles it. */
static int socket_function(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    hpac_http *h = userp;
    sock_ctx *s = socketp;

    if (what == CURL_POLL_REMOVE) {
        if (s) {
            ev_io_stop(h->loop, &s->io);
            if (s->prev)
                s->prev->next = s->next;
            else
                h->socks = s->next;
            if (s->next)
                s->next->prev = s->prev;
            free(s);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return -1;
        s->h = h;
        s->fd = fd;
        s->next = h->socks;
        if (h->socks)
            h->socks->prev = s;
        h->socks = s;
        ev_init(&s->io, on_io);
        if (curl_multi_assign(h->multi, fd, s) != CURLM_OK) {
            h->socks = s->next;
            if (h->socks)
                h->socks->prev = NULL;
            free(s);
            return -1;
        }
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= EV_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= EV_WRITE;
    ev_io_stop(h->loop, &s->io);
    ev_io_set(&s->io, fd, events);
    ev_io_start(h->loop, &s->io);
    return 0;
}

/* ---- per-transfer callbacks (run inside libcurl) ---- */

static bool body_append(hpac_http_call *c, const char *data, size_t len)
{
    if (len > c->resp_max - c->resp_len) {
        c->too_large = true;
        return false;
    }
    size_t need = c->resp_len + len + 1;
    if (need > c->resp_cap) {
        size_t cap = c->resp_cap ? c->resp_cap : BODY_INITIAL_CAPACITY;
        while (cap < need)
            cap *= 2;
        if (cap > c->resp_max + 1)
            cap = c->resp_max + 1;
        char *grown = realloc(c->resp, cap);
        if (!grown)
            return false;
        c->resp = grown;
        c->resp_cap = cap;
    }
    memcpy(c->resp + c->resp_len, data, len);
    c->resp_len += len;
    c->resp[c->resp_len] = '\0';
    return true;
}

static size_t write_function(char *data, size_t size, size_t nmemb, void *userp)
{
    hpac_http_call *c = userp;
    size_t len = size * nmemb;

    if (c->state == CALL_ZOMBIE)
        return 0;
    if (c->mode == BODY_UNDECIDED) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        c->mode = (c->on_data && status >= 200 && status < 300) ? BODY_STREAM : BODY_BUFFER;
    }
    if (c->mode == BODY_STREAM) {
        bool keep = c->on_data(c->ctx, data, len);
        if (c->state == CALL_ZOMBIE)
            return 0; /* cancelled from inside on_data */
        if (!keep) {
            c->aborted = true;
            return 0;
        }
        return len;
    }
    return body_append(c, data, len) ? len : 0;
}

/* ---- public ---- */

hpac_http *hpac_http_new(struct ev_loop *loop)
{
    hpac_http *h = NULL;
    hpac_http *result = NULL;
    bool global = false;

    if (!loop)
        goto out;
    /* Reference-counted by libcurl; balanced in hpac_http_free. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        goto out;
    global = true;
    h = calloc(1, sizeof(*h));
    if (!h)
        goto out;
    h->loop = loop;
    h->multi = curl_multi_init();
    if (!h->multi)
        goto out;
    ev_init(&h->timer, on_timer);
    h->timer.data = h;
    if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_function) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_function) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)MAX_IDLE_CONNECTIONS) != CURLM_OK)
        goto out;
    result = h;
    h = NULL;
    global = false;
out:
    if (h) {
        if (h->multi)
            curl_multi_cleanup(h->multi);
        free(h);
    }
    if (global)
        curl_global_cleanup();
    return result;
}

void hpac_http_free(hpac_http *h)
{
    if (!h)
        return;
    while (h->calls)
        call_destroy(h->calls);
    while (h->spare_easy_count > 0)
        curl_easy_cleanup(h->spare_easy[--h->spare_easy_count]);
    curl_multi_cleanup(h->multi);
    /* Sockets libcurl did not report removed before cleanup. */
    while (h->socks) {
        sock_ctx *s = h->socks;
        h->socks = s->next;
        ev_io_stop(h->loop, &s->io);
        free(s);
    }
    ev_timer_stop(h->loop, &h->timer);
    free(h);
    curl_global_cleanup();
}

void hpac_http_set_observer(hpac_http *h, hpac_http_observer_fn fn, void *ctx)
{
    h->observer = fn;
    h->observer_ctx = ctx;
}

void hpac_http_get_stats(const hpac_http *h, hpac_http_stats *out)
{
    *out = h->stats;
}

static bool method_is(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

/* Sets every option of one transfer. false on failure (out of memory or
 * an option libcurl rejects). */
static bool configure(hpac_http_call *c, const hpac_http_request *req)
{
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (curl_easy_setopt(c->easy, (opt), (val)) != CURLE_OK)                                   \
            return false;                                                                          \
    } while (0)

    long timeout = req->timeout_ms > 0 ? req->timeout_ms : HPAC_HTTP_DEFAULT_TIMEOUT_MS;
    long connect_timeout = timeout < CONNECT_TIMEOUT_MAX_MS ? timeout : CONNECT_TIMEOUT_MAX_MS;

    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PRIVATE, (void *)c);
    SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, write_function);
    SETOPT(CURLOPT_WRITEDATA, (void *)c);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_TIMEOUT_MS, timeout);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    SETOPT(CURLOPT_USERAGENT, "hpac/" HPAC_VERSION);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Over TLS, wait for a connection that may multiplex (HTTP/2 via ALPN)
     * rather than open another. Cleartext is HTTP/1.1 only here, and
     * waiting would serialize requests behind a busy connection. */
    if (strncmp(req->url, "https://", 8) == 0)
        SETOPT(CURLOPT_PIPEWAIT, 1L);
    /* Like Go's dialer (30 s): a peer that vanished ends long watches
     * well before their overall timeout. */
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_TCP_KEEPIDLE, 30L);
    SETOPT(CURLOPT_TCP_KEEPINTVL, 30L);
    SETOPT(CURLOPT_ACCEPT_ENCODING, "");

    for (const char *const *hp = req->headers; hp && *hp; hp++) {
        struct curl_slist *next = curl_slist_append(c->headers, *hp);
        if (!next)
            return false;
        c->headers = next;
    }
    /* No "Expect: 100-continue" round trip before bodies. */
    struct curl_slist *next = curl_slist_append(c->headers, "Expect:");
    if (!next)
        return false;
    c->headers = next;
    SETOPT(CURLOPT_HTTPHEADER, c->headers);

    if (method_is(c->method, "GET") && !c->body) {
        SETOPT(CURLOPT_HTTPGET, 1L);
    } else if (method_is(c->method, "HEAD")) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else {
        if (c->body || method_is(c->method, "POST")) {
            SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            SETOPT(CURLOPT_POSTFIELDS, c->body ? c->body : "");
        }
        if (!method_is(c->method, "POST"))
            SETOPT(CURLOPT_CUSTOMREQUEST, c->method);
    }

    const hpac_http_tls *tls = req->tls;
    if (tls) {
        if (tls->ca_pem) {
            struct curl_blob blob = {(void *)tls->ca_pem, tls->ca_pem_len, CURL_BLOB_COPY};
            SETOPT(CURLOPT_CAINFO_BLOB, &blob);
            SETOPT(CURLOPT_CAINFO, (char *)NULL);
            SETOPT(CURLOPT_CAPATH, (char *)NULL);
        } else if (tls->ca_file) {
            SETOPT(CURLOPT_CAINFO, tls->ca_file);
            SETOPT(CURLOPT_CAPATH, (char *)NULL);
        }
        if (tls->cert_pem) {
            struct curl_blob blob = {(void *)tls->cert_pem, tls->cert_pem_len, CURL_BLOB_COPY};
            SETOPT(CURLOPT_SSLCERT_BLOB, &blob);
            SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
        } else if (tls->cert_file) {
            SETOPT(CURLOPT_SSLCERT, tls->cert_file);
            SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
        }
        if (tls->key_pem) {
            struct curl_blob blob = {(void *)tls->key_pem, tls->key_pem_len, CURL_BLOB_COPY};
            SETOPT(CURLOPT_SSLKEY_BLOB, &blob);
            SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
        } else if (tls->key_file) {
            SETOPT(CURLOPT_SSLKEY, tls->key_file);
            SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
        }
        if (tls->insecure_skip_verify) {
            SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
            SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    return true;
#undef SETOPT
}

hpac_http_call *hpac_http_start(hpac_http *h, const hpac_http_request *req, hpac_http_done_fn done,
                                hpac_http_data_fn on_data, void *ctx)
{
    hpac_http_call *c = NULL;
    hpac_http_call *result = NULL;

    if (!h || !req || !req->url || !done)
        goto out;
    c = calloc(1, sizeof(*c));
    if (!c)
        goto out;
    c->h = h;
    c->done = done;
    c->on_data = on_data;
    c->ctx = ctx;
    c->state = CALL_QUEUED;
    c->resp_max = req->max_response_bytes ? req->max_response_bytes
                                          : HPAC_HTTP_DEFAULT_MAX_RESPONSE_BYTES;
    c->started = now_seconds();
    c->method = strdup(req->method ? req->method : "GET");
    if (!c->method)
        goto out;
    if (req->body) {
        /* One spare byte so that an empty body still gets a buffer. */
        c->body = malloc(req->body_len + 1);
        if (!c->body)
            goto out;
        memcpy(c->body, req->body, req->body_len);
        c->body[req->body_len] = '\0';
    }
    c->easy = easy_take(h);
    if (!c->easy)
        goto out;
    if (!configure(c, req))
        goto out;

    if (!h->in_curl) {
        if (curl_multi_add_handle(h->multi, c->easy) != CURLM_OK)
            goto out;
        c->state = CALL_ACTIVE;
        calls_link(h, c);
    } else {
        /* Inside a libcurl callback: added once libcurl returns. */
        calls_link(h, c);
        todo_push(h, c);
    }
    h->stats.started++;
    result = c;
    c = NULL;
out:
    if (c)
        call_free(c);
    return result;
}

void hpac_http_cancel(hpac_http_call *c)
{
    if (!c || c->in_done || c->state == CALL_ZOMBIE)
        return;
    hpac_http *h = c->h;
    h->stats.cancelled++;
    if (h->in_curl && c->state == CALL_ACTIVE) {
        /* libcurl may be using the handle right now; removed later. */
        c->state = CALL_ZOMBIE;
        todo_push(h, c);
        return;
    }
    call_destroy(c);
}
