/* The asynchronous HTTP client against an in-process server. */
#include "http/http.h"
#include "mock_server.h"
#include "test_support.h"

#include <ev.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the server's behaviour, chosen by path ---- */

static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    const char *uri = req->uri;
    int n = 0;
    if (strcmp(uri, "/ok") == 0) {
        mock_reply_printf(rep, 200, "hello");
    } else if (sscanf(uri, "/status/%d", &n) == 1) {
        mock_reply_printf(rep, n, "status %d", n);
    } else if (sscanf(uri, "/sleep/%d", &n) == 1) {
        rep->delay_ms = n;
        mock_reply_printf(rep, 200, "slept");
    } else if (sscanf(uri, "/big/%d", &n) == 1) {
        mock_reply_printf(rep, 200, "%*s", n, "x");
    } else if (strncmp(uri, "/echo", 5) == 0) {
        const char *delay = strstr(uri, "delay=");
        if (delay)
            rep->delay_ms = atoi(delay + 6);
        mock_reply_printf(rep, 200, "%s %s ct=%s ua=%s body=%s", req->method, req->uri,
                          req->content_type, req->user_agent, req->body);
    } else if (strcmp(uri, "/stream") == 0) {
        mock_reply_chunk(rep, "one,");
        mock_reply_chunk(rep, "two,");
        mock_reply_chunk(rep, "three");
        rep->chunk_delay_ms = 80;
        rep->status = 200;
    } else if (strcmp(uri, "/stream-forever") == 0) {
        mock_reply_chunk(rep, "first");
        rep->hold_open_ms = 5000;
        rep->status = 200;
    } else {
        mock_reply_printf(rep, 404, "no route");
    }
}

/* ---- loop driving ---- */

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Runs the loop until *counter reaches target or timeout_s passes. */
static bool run_until(struct ev_loop *loop, const int *counter, int target, double timeout_s)
{
    ev_timer guard;
    ev_timer_init(&guard, wake, 0.02, 0.02);
    ev_timer_start(loop, &guard);
    ev_now_update(loop);
    double deadline = ev_now(loop) + timeout_s;
    while (*counter < target && ev_now(loop) < deadline)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
    return *counter >= target;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fixture ---- */

typedef struct fixture {
    struct ev_loop *loop;
    mock_server *server;
    hpac_http *http;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(f->loop);
    f->server = mock_start(handler, NULL, NULL, NULL);
    assert_non_null(f->server);
    f->http = hpac_http_new(f->loop);
    assert_non_null(f->http);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hpac_http_free(f->http);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

/* One request's outcome, copied out of the callback. */
typedef struct result {
    int calls;
    long status;
    char body[256];
    size_t body_len;
    char error[512];
    bool has_error;
    int *counter; /* shared completion counter, may be NULL */
} result;

static void record_done(void *ctx, const hpac_http_response *resp)
{
    result *r = ctx;
    r->calls++;
    r->status = resp->status;
    r->body_len = resp->body_len;
    snprintf(r->body, sizeof(r->body), "%s", resp->body);
    r->has_error = resp->error != NULL;
    snprintf(r->error, sizeof(r->error), "%s", resp->error ? resp->error : "");
    if (r->counter)
        (*r->counter)++;
}

static hpac_http_call *get(fixture *f, const char *path, result *r, long timeout_ms,
                           size_t max_bytes)
{
    char url[256];
    mock_url(f->server, url, sizeof(url), path, false);
    hpac_http_request req = {
        .method = "GET", .url = url, .timeout_ms = timeout_ms, .max_response_bytes = max_bytes};
    return hpac_http_start(f->http, &req, record_done, NULL, r);
}

/* ---- tests ---- */

static void test_http__get_success(void **state)
{
    fixture *f = *state;
    result r = {0};
    assert_non_null(get(f, "/ok", &r, 0, 0));
    assert_int_equal(r.calls, 0); /* never from inside start */
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    assert_int_equal(r.status, 200);
    assert_false(r.has_error);
    assert_string_equal(r.body, "hello");
    assert_int_equal(r.body_len, 5);

    mock_request rec = mock_record(f->server, 0);
    assert_string_equal(rec.user_agent, "hpac/" HPAC_VERSION);
    assert_string_equal(rec.method, "GET");
}

static void test_http__error_statuses_are_not_transport_errors(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *path;
        long status;
        const char *body;
    } cases[] = {
        {"/status/404", 404, "status 404"},
        {"/status/500", 500, "status 500"},
        {"/status/409", 409, "status 409"},
        {"/status/204", 204, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result r = {0};
        assert_non_null(get(f, cases[i].path, &r, 0, 0));
        assert_true(run_until(f->loop, &r.calls, 1, 5));
        assert_int_equal(r.calls, 1);
        assert_int_equal(r.status, cases[i].status);
        assert_false(r.has_error);
        assert_string_equal(r.body, cases[i].body);
    }
}

/* Each request starts the next from its callback: one connection serves all. */
typedef struct chain {
    fixture *f;
    int remaining;
    int completed;
    long last_status;
} chain;

static void chain_done(void *ctx, const hpac_http_response *resp)
{
    chain *c = ctx;
    c->completed++;
    c->last_status = resp->status;
    if (resp->status != 200)
        return;
    if (--c->remaining > 0) {
        char url[256];
        mock_url(c->f->server, url, sizeof(url), "/ok", false);
        hpac_http_request req = {.method = "GET", .url = url};
        assert_non_null(hpac_http_start(c->f->http, &req, chain_done, NULL, c));
    }
}

static void test_http__keep_alive_reuses_connection_from_callbacks(void **state)
{
    fixture *f = *state;
    chain c = {.f = f, .remaining = 6};
    char url[256];
    mock_url(f->server, url, sizeof(url), "/ok", false);
    hpac_http_request req = {.method = "GET", .url = url};
    assert_non_null(hpac_http_start(f->http, &req, chain_done, NULL, &c));
    assert_true(run_until(f->loop, &c.completed, 6, 10));
    assert_int_equal(c.last_status, 200);
    assert_int_equal(mock_requests(f->server), 6);
    assert_int_equal(mock_connections(f->server), 1);

    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.started, 6);
    assert_int_equal(st.completed, 6);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.connections_opened, 1);
    assert_int_equal(st.pending, 0);
}

/* Connections opened for a burst of requests stay open through a lull:
 * the next burst reuses them instead of opening (and later closing) new
 * ones. */
#define BURST 12
static void run_burst(fixture *f, result *rs, int *done)
{
    int target = *done + BURST;
    for (int i = 0; i < BURST; i++) {
        rs[i] = (result){.counter = done};
        assert_non_null(get(f, "/sleep/150", &rs[i], 0, 0));
    }
    assert_true(run_until(f->loop, done, target, 10));
    for (int i = 0; i < BURST; i++)
        assert_int_equal(rs[i].status, 200);
}

static void test_http__connections_outlive_a_lull_between_bursts(void **state)
{
    fixture *f = *state;
    result rs[BURST];
    int done = 0;
    run_burst(f, rs, &done);
    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.connections_opened, BURST);

    /* The lull: one request at a time. */
    for (int i = 0; i < 3; i++) {
        result one = {0};
        assert_non_null(get(f, "/ok", &one, 0, 0));
        assert_true(run_until(f->loop, &one.calls, 1, 5));
        assert_int_equal(one.status, 200);
    }

    run_burst(f, rs, &done);
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.connections_opened, BURST);
    assert_int_equal(mock_connections(f->server), BURST);
    assert_int_equal(mock_requests(f->server), 2 * BURST + 3);
}

static void test_http__timeout_fails_the_call(void **state)
{
    fixture *f = *state;
    result r = {0};
    double t0 = wall();
    assert_non_null(get(f, "/sleep/3000", &r, 250, 0));
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    double elapsed = wall() - t0;
    assert_int_equal(r.status, 0);
    assert_true(r.has_error);
    assert_non_null(strstr(r.error, "timed out"));
    /* Sub-second timeouts are honoured (not rounded to 0 or to 1 s). */
    assert_true(elapsed >= 0.2);
    assert_true(elapsed < 1.5);
}

static void test_http__body_cap(void **state)
{
    fixture *f = *state;
    result under = {0}, over = {0};
    assert_non_null(get(f, "/big/1000", &under, 0, 1000));
    assert_true(run_until(f->loop, &under.calls, 1, 5));
    assert_int_equal(under.status, 200);
    assert_int_equal(under.body_len, 1000);

    assert_non_null(get(f, "/big/100000", &over, 0, 1000));
    assert_true(run_until(f->loop, &over.calls, 1, 5));
    assert_int_equal(over.status, 0);
    assert_true(over.has_error);
    assert_non_null(strstr(over.error, "exceeds the limit of 1000 bytes"));
}

static void test_http__concurrent_requests(void **state)
{
    fixture *f = *state;
    enum { N = 24 };
    result r[N];
    int done = 0;
    memset(r, 0, sizeof(r));
    for (int i = 0; i < N; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/echo?i=%d&delay=300", i);
        r[i].counter = &done;
        assert_non_null(get(f, path, &r[i], 0, 0));
    }
    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.pending, N);
    double t0 = wall();
    assert_true(run_until(f->loop, &done, N, 10));
    /* In parallel, not one after another (that would take N * 0.3 s). */
    assert_true(wall() - t0 < 2.0);
    for (int i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof(want), "GET /echo?i=%d&delay=300 ", i);
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].status, 200);
        assert_memory_equal(r[i].body, want, strlen(want));
    }
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.pending, 0);
}

static void test_http__methods_and_bodies(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *method;
        const char *body;
        const char *want;
    } cases[] = {
        {"POST", "{\"a\":1}",
         "POST /echo ct=application/json ua=hpac/" HPAC_VERSION " body={\"a\":1}"},
        {"PUT", "{\"b\":2}",
         "PUT /echo ct=application/json ua=hpac/" HPAC_VERSION " body={\"b\":2}"},
        {"PATCH", "{\"c\":3}",
         "PATCH /echo ct=application/json ua=hpac/" HPAC_VERSION " body={\"c\":3}"},
        {"DELETE", NULL, "DELETE /echo ct= ua=hpac/" HPAC_VERSION " body="},
        {"GET", NULL, "GET /echo ct= ua=hpac/" HPAC_VERSION " body="},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char url[256];
        mock_url(f->server, url, sizeof(url), "/echo", false);
        const char *headers[] = {"Content-Type: application/json", NULL};
        hpac_http_request req = {
            .method = cases[i].method,
            .url = url,
            .headers = cases[i].body ? headers : NULL,
            .body = cases[i].body,
            .body_len = cases[i].body ? strlen(cases[i].body) : 0,
        };
        result r = {0};
        assert_non_null(hpac_http_start(f->http, &req, record_done, NULL, &r));
        assert_true(run_until(f->loop, &r.calls, 1, 5));
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, cases[i].want);
    }
}

static void test_http__connection_refused(void **state)
{
    fixture *f = *state;
    /* A port that was just free: bind, read it, close. */
    mock_server *tmp = mock_start(handler, NULL, NULL, NULL);
    assert_non_null(tmp);
    char url[256];
    mock_url(tmp, url, sizeof(url), "/ok", false);
    mock_stop(tmp);

    result r = {0};
    hpac_http_request req = {.method = "GET", .url = url};
    assert_non_null(hpac_http_start(f->http, &req, record_done, NULL, &r));
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    assert_int_equal(r.status, 0);
    assert_true(r.has_error);
    assert_true(strlen(r.error) > 0);
    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.failed, 1);
}

static void test_http__invalid_requests_return_null(void **state)
{
    fixture *f = *state;
    result r = {0};
    hpac_http_request no_url = {.method = "GET"};
    assert_null(hpac_http_start(f->http, &no_url, record_done, NULL, &r));
    hpac_http_request ok = {.method = "GET", .url = "http://127.0.0.1:1/"};
    assert_null(hpac_http_start(f->http, &ok, NULL, NULL, &r));
    hpac_http_request ftp = {.method = "GET", .url = "ftp://127.0.0.1:1/"};
    /* Rejected protocols fail at transfer time, through done. */
    assert_non_null(hpac_http_start(f->http, &ftp, record_done, NULL, &r));
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    assert_int_equal(r.status, 0);
    assert_true(r.has_error);
    assert_null(hpac_http_new(NULL));
}

/* Cancelling: the cancelled call's done never runs, the others' do. */
typedef struct canceller {
    hpac_http_call *victim;
    result own;
} canceller;

static void cancel_other_done(void *ctx, const hpac_http_response *resp)
{
    canceller *c = ctx;
    hpac_http_cancel(c->victim);
    record_done(&c->own, resp);
}

static void test_http__cancel(void **state)
{
    fixture *f = *state;
    result slow = {0}, fast = {0}, victim = {0};

    /* Plain cancel before anything happened. */
    hpac_http_call *c = get(f, "/sleep/300", &slow, 0, 0);
    assert_non_null(c);
    hpac_http_cancel(c);
    hpac_http_cancel(NULL);

    /* Cancel one call from another's done. */
    canceller cc = {0};
    cc.victim = get(f, "/sleep/400", &victim, 0, 0);
    assert_non_null(cc.victim);
    char url[256];
    mock_url(f->server, url, sizeof(url), "/ok", false);
    hpac_http_request req = {.method = "GET", .url = url};
    assert_non_null(hpac_http_start(f->http, &req, cancel_other_done, NULL, &cc));
    assert_true(run_until(f->loop, &cc.own.calls, 1, 5));
    assert_int_equal(cc.own.status, 200);

    /* Let everything the server still does finish; nothing else fires. */
    assert_non_null(get(f, "/sleep/600", &fast, 0, 0));
    assert_true(run_until(f->loop, &fast.calls, 1, 5));
    assert_int_equal(slow.calls, 0);
    assert_int_equal(victim.calls, 0);
    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.cancelled, 2);
    assert_int_equal(st.pending, 0);
}

/* Cancelling a call whose done is queued behind the running one. */
typedef struct pair {
    hpac_http_call *calls[2];
    int done[2];
    int total;
} pair;

static void pair_done0(void *ctx, const hpac_http_response *resp)
{
    pair *p = ctx;
    p->done[0]++;
    p->total++;
    hpac_http_cancel(p->calls[1]);
    hpac_http_cancel(p->calls[0]); /* own call: a no-op */
}

static void pair_done1(void *ctx, const hpac_http_response *resp)
{
    pair *p = ctx;
    p->done[1]++;
    p->total++;
    hpac_http_cancel(p->calls[0]);
    hpac_http_cancel(p->calls[1]);
}

static void test_http__cancel_between_completions(void **state)
{
    fixture *f = *state;
    /* Both fail at once (connection refused), so both completions are
     * drained in one go; whichever runs first cancels the other. */
    pair p = {0};
    hpac_http_request req = {.method = "GET", .url = "http://127.0.0.1:1/x"};
    p.calls[0] = hpac_http_start(f->http, &req, pair_done0, NULL, &p);
    p.calls[1] = hpac_http_start(f->http, &req, pair_done1, NULL, &p);
    assert_non_null(p.calls[0]);
    assert_non_null(p.calls[1]);
    assert_true(run_until(f->loop, &p.total, 1, 5));
    /* Give a second completion the chance to (wrongly) happen. */
    result r = {0};
    assert_non_null(get(f, "/ok", &r, 0, 0));
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    assert_int_equal(p.total, 1);
    assert_int_equal(p.done[0] + p.done[1], 1);
}

/* Streaming. */
typedef struct streamer {
    fixture *f;
    char data[256];
    size_t len;
    int chunks;
    bool stop_after_first;
    bool cancel_self;
    hpac_http_call *self;
    bool start_from_data;
    result started; /* the request started from on_data */
    result end;
} streamer;

static bool stream_data(void *ctx, const char *data, size_t len)
{
    streamer *s = ctx;
    assert_true(s->len + len < sizeof(s->data));
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    s->chunks++;
    if (s->start_from_data && s->chunks == 1)
        assert_non_null(get(s->f, "/ok", &s->started, 0, 0));
    if (s->cancel_self) {
        hpac_http_cancel(s->self);
        return true;
    }
    return !s->stop_after_first;
}

static void stream_done(void *ctx, const hpac_http_response *resp)
{
    streamer *s = ctx;
    record_done(&s->end, resp);
}

static hpac_http_call *stream(fixture *f, const char *path, streamer *s)
{
    char url[256];
    mock_url(f->server, url, sizeof(url), path, false);
    hpac_http_request req = {.method = "GET", .url = url};
    s->f = f;
    s->self = hpac_http_start(f->http, &req, stream_done, stream_data, s);
    return s->self;
}

static void test_http__streaming_chunks(void **state)
{
    fixture *f = *state;
    streamer s = {0};
    assert_non_null(stream(f, "/stream", &s));
    assert_true(run_until(f->loop, &s.end.calls, 1, 5));
    assert_int_equal(s.end.status, 200);
    assert_false(s.end.has_error);
    assert_string_equal(s.data, "one,two,three");
    assert_true(s.chunks >= 3); /* 80 ms apart: delivered as they come */
    assert_int_equal(s.end.body_len, 0);
}

static void test_http__streaming_abort_by_receiver(void **state)
{
    fixture *f = *state;
    streamer s = {.stop_after_first = true};
    assert_non_null(stream(f, "/stream-forever", &s));
    assert_true(run_until(f->loop, &s.end.calls, 1, 5));
    assert_int_equal(s.end.status, 0);
    assert_string_equal(s.end.error, "aborted by the receiver");
    assert_string_equal(s.data, "first");
}

static void test_http__streaming_error_status_is_buffered(void **state)
{
    fixture *f = *state;
    streamer s = {0};
    assert_non_null(stream(f, "/status/410", &s));
    assert_true(run_until(f->loop, &s.end.calls, 1, 5));
    assert_int_equal(s.chunks, 0);
    assert_int_equal(s.end.status, 410);
    assert_string_equal(s.end.body, "status 410");
}

static void test_http__cancel_and_start_from_data_callback(void **state)
{
    fixture *f = *state;
    streamer s = {.cancel_self = true, .start_from_data = true};
    assert_non_null(stream(f, "/stream-forever", &s));
    /* The request started inside on_data completes normally. */
    assert_true(run_until(f->loop, &s.started.calls, 1, 5));
    assert_int_equal(s.started.status, 200);
    assert_string_equal(s.started.body, "hello");
    assert_int_equal(s.chunks, 1);
    assert_int_equal(s.end.calls, 0);
    hpac_http_stats st;
    hpac_http_get_stats(f->http, &st);
    assert_int_equal(st.pending, 0);
}

/* Observer. */
typedef struct observed {
    int count;
    char method[16];
    long status;
    double seconds;
} observed;

static void observe(void *ctx, const char *method, long status, double seconds)
{
    observed *o = ctx;
    o->count++;
    snprintf(o->method, sizeof(o->method), "%s", method);
    o->status = status;
    o->seconds = seconds;
}

static void test_http__observer(void **state)
{
    fixture *f = *state;
    observed o = {0};
    hpac_http_set_observer(f->http, observe, &o);
    result r = {0};
    assert_non_null(get(f, "/sleep/100", &r, 0, 0));
    assert_true(run_until(f->loop, &r.calls, 1, 5));
    assert_int_equal(o.count, 1);
    assert_string_equal(o.method, "GET");
    assert_int_equal(o.status, 200);
    assert_true(o.seconds >= 0.09 && o.seconds < 5);

    result r2 = {0};
    assert_non_null(get(f, "/status/503", &r2, 0, 0));
    assert_true(run_until(f->loop, &r2.calls, 1, 5));
    assert_int_equal(o.count, 2);
    assert_int_equal(o.status, 503);

    hpac_http_set_observer(f->http, NULL, NULL);
    result r3 = {0};
    assert_non_null(get(f, "/ok", &r3, 0, 0));
    assert_true(run_until(f->loop, &r3.calls, 1, 5));
    assert_int_equal(o.count, 2);
}

/* Freeing with calls in flight: no callback, no leak (ASan checks). */
static void test_http__free_with_pending_calls(void **state)
{
    fixture *f = *state;
    result a = {0}, b = {0};
    streamer s = {0};
    assert_non_null(get(f, "/sleep/500", &a, 0, 0));
    assert_non_null(get(f, "/ok", &b, 0, 0));
    assert_non_null(stream(f, "/stream-forever", &s));
    /* Let the stream get going. */
    assert_true(run_until(f->loop, &s.chunks, 1, 5));
    hpac_http_free(f->http);
    f->http = NULL;
    assert_int_equal(a.calls, 0);
    assert_int_equal(s.end.calls, 0);
    ev_run(f->loop, EVRUN_NOWAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http__get_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__error_statuses_are_not_transport_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http__keep_alive_reuses_connection_from_callbacks,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__connections_outlive_a_lull_between_bursts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__timeout_fails_the_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__concurrent_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__methods_and_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__invalid_requests_return_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__cancel_between_completions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__streaming_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__streaming_abort_by_receiver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__streaming_error_status_is_buffered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http__cancel_and_start_from_data_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http__observer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http__free_with_pending_calls, setup, teardown),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
