/* The API client against an in-process server: requests, Status errors,
 * bearer tokens (rotation, 401 retry), rate limiting and watch streams. */
#include "kube/client.h"
#include "../http/mock_server.h"
#include "test_support.h"

#include <ev.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the server ---- */

typedef struct server_state {
    char accepted_token[64]; /* "/auth" accepts only this bearer token */
} server_state;

static const char *const not_found_status =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
    "\"message\":\"deployments.apps \\\"web\\\" not found\",\"reason\":\"NotFound\","
    "\"details\":{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\"},\"code\":404}";

static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    server_state *st = ctx;
    const char *uri = req->uri;
    if (strcmp(uri, "/api/v1/namespaces/default/pods/p1") == 0) {
        mock_reply_printf(rep, 200, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}");
    } else if (strcmp(uri, "/notfound") == 0) {
        mock_reply_printf(rep, 404, "%s", not_found_status);
    } else if (strcmp(uri, "/status-no-reason") == 0) {
        mock_reply_printf(rep, 409, "{\"kind\":\"Status\",\"message\":\"\",\"code\":409}");
    } else if (strcmp(uri, "/boom") == 0) {
        mock_reply_printf(rep, 500, "boom\n");
        rep->content_type = "text/plain";
    } else if (strcmp(uri, "/conflict") == 0) {
        mock_reply_printf(rep, 409, "%s", "");
    } else if (strcmp(uri, "/forbidden") == 0) {
        mock_reply_printf(rep, 403, "not allowed");
    } else if (strcmp(uri, "/badjson") == 0) {
        mock_reply_printf(rep, 200, "{not json");
    } else if (strcmp(uri, "/empty") == 0) {
        mock_reply_printf(rep, 200, "%s", "");
    } else if (strncmp(uri, "/echo", 5) == 0) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "method", req->method, "uri", req->uri,
                              "contentType", req->content_type, "body", req->body);
        char *text = json_dumps(o, JSON_COMPACT);
        mock_reply_printf(rep, 200, "%s", text);
        free(text);
        json_decref(o);
    } else if (strcmp(uri, "/auth") == 0) {
        char want[128];
        snprintf(want, sizeof(want), "Bearer %s", st->accepted_token);
        if (strcmp(req->authorization, want) == 0)
            mock_reply_printf(rep, 200, "{\"ok\":true}");
        else
            mock_reply_printf(rep, 401,
                              "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
                              "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
    } else if (strcmp(uri, "/slow") == 0) {
        rep->delay_ms = 2000;
        mock_reply_printf(rep, 200, "{}");
    } else if (strcmp(uri, "/watch/split") == 0) {
        /* Events cut at arbitrary points; a blank line; the last event has
         * no newline. */
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
                              "{\"type\":\"MODI");
        mock_reply_chunk(rep, "FIED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\r\n\n"
                              "{\"type\":\"DELETED\",");
        mock_reply_chunk(rep, "\"object\":{\"metadata\":");
        mock_reply_chunk(rep, "{\"name\":\"c\"}}}\n{\"type\":\"BOOKMARK\",\"object\":"
                              "{\"metadata\":{\"resourceVersion\":\"9\"}}}");
        rep->chunk_delay_ms = 30;
        rep->status = 200;
    } else if (strcmp(uri, "/watch/error-event") == 0) {
        mock_reply_chunk(rep, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
                              "\"reason\":\"Expired\",\"message\":\"too old resource version: 1 "
                              "(5)\"}}\n");
        rep->status = 200;
    } else if (strcmp(uri, "/watch/garbage") == 0) {
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{}}\n");
        mock_reply_chunk(rep, "this is not json\n");
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{}}\n");
        rep->chunk_delay_ms = 20;
        rep->status = 200;
    } else if (strcmp(uri, "/watch/no-object") == 0) {
        mock_reply_chunk(rep, "{\"type\":\"ADDED\"}\n");
        rep->status = 200;
    } else if (strcmp(uri, "/watch/long") == 0) {
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"ok\"}}}\n");
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"");
        mock_reply_chunk(rep, "0123456789012345678901234567890123456789012345678901234567890123");
        mock_reply_chunk(rep, "\"}}}\n");
        rep->chunk_delay_ms = 20;
        rep->status = 200;
    } else if (strcmp(uri, "/watch/forever") == 0) {
        mock_reply_chunk(rep, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}\n"
                              "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"y\"}}}\n");
        rep->hold_open_ms = 5000;
        rep->status = 200;
    } else if (strcmp(uri, "/watch/forbidden") == 0) {
        mock_reply_printf(rep, 403,
                          "{\"kind\":\"Status\",\"message\":\"pods is forbidden: User "
                          "\\\"x\\\" cannot watch resource\",\"reason\":\"Forbidden\","
                          "\"code\":403}");
    } else {
        mock_reply_printf(rep, 404, "404 page not found\n");
        rep->content_type = "text/plain";
    }
}

/* ---- loop driving ---- */

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

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
    server_state state;
    mock_server *server;
    hpac_kube *kube;
    char dir[64];
    char token_path[128];
} fixture;

static void write_token(fixture *f, const char *token, int bump_seconds)
{
    FILE *fp = fopen(f->token_path, "wb");
    assert_non_null(fp);
    fputs(token, fp);
    fclose(fp);
    /* An mtime clearly different from the previous one. */
    struct timespec times[2];
    clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec += bump_seconds;
    times[1] = times[0];
    assert_int_equal(utimensat(AT_FDCWD, f->token_path, times, 0), 0);
}

/* A client on the fixture's server; token_file when use_file, else a
 * static token. */
static void connect_client(fixture *f, bool use_file, const char *token)
{
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u/", (unsigned)f->server->port);
    hpac_kube_config cfg = {0};
    cfg.server = server;
    if (use_file) {
        write_token(f, token, 0);
        cfg.token_file = f->token_path;
    } else {
        cfg.token = (char *)token;
    }
    char err[256];
    f->kube = hpac_kube_new(f->loop, &cfg, err, sizeof(err));
    if (!f->kube)
        fail_msg("hpac_kube_new: %s", err);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->server = mock_start(handler, &f->state, NULL, NULL);
    assert_non_null(f->server);
    snprintf(f->dir, sizeof(f->dir), "/tmp/hpac-kube-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->token_path, sizeof(f->token_path), "%s/token", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hpac_kube_free(f->kube);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    unlink(f->token_path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- one request's outcome ---- */

typedef struct result {
    int calls;
    long code;
    char *body;   /* json_dumps of the body, or NULL */
    char error[512];
    bool has_error;
    char reason[64];
    bool has_reason;
    int *counter;
} result;

static void record(void *ctx, const hpac_kube_response *resp)
{
    result *r = ctx;
    r->calls++;
    r->code = resp->code;
    free(r->body);
    r->body = resp->body ? json_dumps(resp->body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    r->has_error = resp->error != NULL;
    snprintf(r->error, sizeof(r->error), "%s", resp->error ? resp->error : "");
    r->has_reason = resp->reason != NULL;
    snprintf(r->reason, sizeof(r->reason), "%s", resp->reason ? resp->reason : "");
    if (r->counter)
        (*r->counter)++;
}

static void result_clear(result *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static result request(fixture *f, const char *verb, const char *path, const json_t *body,
                      const char *content_type)
{
    result r = {0};
    assert_non_null(hpac_kube_request(f->kube, verb, path, body, content_type, record, &r));
    assert_int_equal(r.calls, 0);
    assert_true(run_until(f->loop, &r.calls, 1, 10));
    return r;
}

/* ---- tests ---- */

static void test_client__get_decodes_json_and_sends_token(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "static-token");
    result r = request(f, "GET", "/api/v1/namespaces/default/pods/p1", NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_false(r.has_error);
    assert_false(r.has_reason);
    assert_string_equal(r.body, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}");
    mock_request rec = mock_record(f->server, 0);
    assert_string_equal(rec.authorization, "Bearer static-token");
    assert_string_equal(rec.uri, "/api/v1/namespaces/default/pods/p1");
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)f->server->port);
    assert_string_equal(hpac_kube_server(f->kube), server); /* trailing slash dropped */
    result_clear(&r);
}

static void test_client__responses_table(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    static const struct {
        const char *verb;
        const char *path;
        long code;
        const char *error;  /* substring; NULL: none */
        const char *reason; /* NULL: none */
        bool body;
    } cases[] = {
        {"GET", "/notfound", 404, "deployments.apps \"web\" not found", "NotFound", true},
        {"PUT", "/status-no-reason", 409, "the server reported a conflict", "Conflict", true},
        {"GET", "/boom", 500,
         "an error on the server (\"boom\") has prevented the request from succeeding",
         "InternalError", false},
        {"POST", "/conflict", 409, "the server reported a conflict", "AlreadyExists", false},
        {"PUT", "/conflict", 409, "the server reported a conflict", "Conflict", false},
        {"GET", "/forbidden", 403, "forbidden: not allowed", "Forbidden", false},
        {"GET", "/nowhere", 404, "the server could not find the requested resource", "NotFound",
         false},
        {"GET", "/badjson", 200, "invalid JSON in response: ", NULL, false},
        {"GET", "/empty", 200, NULL, NULL, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result r = request(f, cases[i].verb, cases[i].path, NULL, NULL);
        if (r.code != cases[i].code)
            fail_msg("%s %s: code %ld", cases[i].verb, cases[i].path, r.code);
        if (cases[i].error) {
            if (!r.has_error || !strstr(r.error, cases[i].error))
                fail_msg("%s: error \"%s\", want \"%s\"", cases[i].path, r.error, cases[i].error);
        } else {
            assert_false(r.has_error);
        }
        if (cases[i].reason)
            assert_string_equal(r.reason, cases[i].reason);
        else
            assert_false(r.has_reason);
        assert_int_equal(r.body != NULL, cases[i].body);
        result_clear(&r);
    }
}

static void test_client__bodies_and_content_types(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 3);
    result r = request(f, "PATCH", "/echo", patch, "application/merge-patch+json");
    assert_int_equal(r.code, 200);
    assert_string_equal(r.body, "{\"body\":\"{\\\"spec\\\":{\\\"replicas\\\":3}}\","
                                "\"contentType\":\"application/merge-patch+json\","
                                "\"method\":\"PATCH\",\"uri\":\"/echo\"}");
    result_clear(&r);

    r = request(f, "PUT", "/echo", patch, NULL);
    assert_non_null(strstr(r.body, "\"contentType\":\"application/json\""));
    assert_non_null(strstr(r.body, "\"method\":\"PUT\""));
    result_clear(&r);
    json_decref(patch);

    r = request(f, "DELETE", "/echo", NULL, NULL);
    assert_non_null(strstr(r.body, "\"method\":\"DELETE\""));
    assert_non_null(strstr(r.body, "\"body\":\"\""));
    result_clear(&r);
}

/* A write whose answer is not read: the object sent back is not decoded
 * (not even checked), an error still is. */
static void test_client__write_leaves_the_answer_unread(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 3);
    static const struct {
        const char *path;
        long code;
        const char *error;  /* substring; NULL: none */
        const char *reason; /* NULL: none */
    } cases[] = {
        {"/echo", 200, NULL, NULL},
        {"/badjson", 200, NULL, NULL},
        {"/notfound", 404, "deployments.apps \"web\" not found", "NotFound"},
        {"/conflict", 409, "the server reported a conflict", "Conflict"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result r = {0};
        assert_non_null(hpac_kube_write(f->kube, "PUT", cases[i].path, patch, NULL, record, &r));
        assert_true(run_until(f->loop, &r.calls, 1, 10));
        if (r.code != cases[i].code)
            fail_msg("%s: code %ld", cases[i].path, r.code);
        if (r.code / 100 == 2)
            assert_null(r.body);
        if (cases[i].error) {
            if (!r.has_error || !strstr(r.error, cases[i].error))
                fail_msg("%s: error \"%s\", want \"%s\"", cases[i].path, r.error,
                         cases[i].error);
            assert_string_equal(r.reason, cases[i].reason);
        } else {
            assert_false(r.has_error);
            assert_false(r.has_reason);
        }
        result_clear(&r);
    }
    /* The request itself went out whole. */
    assert_int_equal(mock_requests(f->server), 4);
    mock_request rec = mock_record(f->server, 0);
    assert_string_equal(rec.method, "PUT");
    assert_string_equal(rec.uri, "/echo");
    assert_string_equal(rec.content_type, "application/json");
    json_decref(patch);
}

static void test_client__transport_error_names_the_url(void **state)
{
    fixture *f = *state;
    mock_server *tmp = mock_start(handler, &f->state, NULL, NULL);
    assert_non_null(tmp);
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)tmp->port);
    mock_stop(tmp);
    hpac_kube_config cfg = {.server = server, .token = "secret-token-value"};
    char err[256];
    f->kube = hpac_kube_new(f->loop, &cfg, err, sizeof(err));
    assert_non_null(f->kube);
    result r = request(f, "GET", "/api/v1/pods", NULL, NULL);
    assert_int_equal(r.code, 0);
    char want[256];
    snprintf(want, sizeof(want), "Get \"%s/api/v1/pods\": ", server);
    assert_memory_equal(r.error, want, strlen(want));
    assert_null(strstr(r.error, "secret-token-value"));
    assert_false(r.has_reason);
    result_clear(&r);
}

static void test_client__timeout(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    hpac_kube_set_timeout_ms(f->kube, 200);
    double t0 = wall();
    result r = request(f, "GET", "/slow", NULL, NULL);
    assert_true(wall() - t0 < 1.5);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.error, "timed out"));
    result_clear(&r);
}

static void test_client__token_file_rotation(void **state)
{
    fixture *f = *state;
    connect_client(f, true, "one\n");
    hpac_kube_set_token_recheck_ms(f->kube, 0);
    result r = request(f, "GET", "/echo", NULL, NULL);
    result_clear(&r);
    assert_string_equal(mock_record(f->server, 0).authorization, "Bearer one");

    write_token(f, "  two  \n", 5);
    r = request(f, "GET", "/echo", NULL, NULL);
    result_clear(&r);
    assert_string_equal(mock_record(f->server, 1).authorization, "Bearer two");

    /* Unreadable now: the last good token stays. */
    assert_int_equal(unlink(f->token_path), 0);
    r = request(f, "GET", "/echo", NULL, NULL);
    assert_int_equal(r.code, 200);
    result_clear(&r);
    assert_string_equal(mock_record(f->server, 2).authorization, "Bearer two");
}

static void test_client__token_not_rechecked_within_interval(void **state)
{
    fixture *f = *state;
    connect_client(f, true, "one");
    /* Default interval (a minute): a changed file is not noticed yet. */
    write_token(f, "two", 5);
    result r = request(f, "GET", "/echo", NULL, NULL);
    result_clear(&r);
    assert_string_equal(mock_record(f->server, 0).authorization, "Bearer one");
}

static void test_client__retry_once_after_401_with_rotated_token(void **state)
{
    fixture *f = *state;
    snprintf(f->state.accepted_token, sizeof(f->state.accepted_token), "new");
    connect_client(f, true, "old");
    write_token(f, "new", 5); /* rotated; the client has not looked yet */
    result r = request(f, "GET", "/auth", NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_false(r.has_error);
    assert_int_equal(mock_requests(f->server), 2);
    assert_string_equal(mock_record(f->server, 0).authorization, "Bearer old");
    assert_string_equal(mock_record(f->server, 1).authorization, "Bearer new");
    result_clear(&r);
}

static void test_client__401_without_rotation_is_reported(void **state)
{
    fixture *f = *state;
    snprintf(f->state.accepted_token, sizeof(f->state.accepted_token), "other");
    connect_client(f, true, "mine");
    result r = request(f, "GET", "/auth", NULL, NULL);
    assert_int_equal(r.code, 401);
    assert_string_equal(r.error, "Unauthorized");
    assert_string_equal(r.reason, "Unauthorized");
    assert_int_equal(mock_requests(f->server), 1);
    result_clear(&r);

    /* Static tokens are never retried. */
    hpac_kube_free(f->kube);
    connect_client(f, false, "static");
    r = request(f, "GET", "/auth", NULL, NULL);
    assert_int_equal(r.code, 401);
    assert_int_equal(mock_requests(f->server), 2);
    result_clear(&r);
}

static void test_client__new_rejects_bad_config(void **state)
{
    fixture *f = *state;
    char err[256];
    hpac_kube_config cfg = {0};
    assert_null(hpac_kube_new(f->loop, &cfg, err, sizeof(err)));
    cfg.server = "ftp://x";
    assert_null(hpac_kube_new(f->loop, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "only http and https"));
    cfg.server = "https://x";
    cfg.ca_file = "/nonexistent/ca.crt";
    assert_null(hpac_kube_new(f->loop, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/ca.crt"));
    cfg.ca_file = NULL;
    cfg.token_file = "/nonexistent/token";
    assert_null(hpac_kube_new(f->loop, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/token"));
    /* Invalid calls. */
    connect_client(f, false, "t");
    result r = {0};
    assert_null(hpac_kube_request(f->kube, "GET", "no-slash", NULL, NULL, record, &r));
    assert_null(hpac_kube_request(f->kube, "GET", "/x", NULL, NULL, NULL, &r));
}

typedef struct canceller {
    hpac_kube_call *victim;
    int calls;
} canceller;

static void cancel_other(void *ctx, const hpac_kube_response *resp)
{
    canceller *c = ctx;
    hpac_kube_cancel(c->victim);
    c->victim = NULL;
    c->calls++;
}

static void test_client__cancel(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    hpac_kube_set_timeout_ms(f->kube, 500);
    result slow = {0};
    hpac_kube_call *c = hpac_kube_request(f->kube, "GET", "/slow", NULL, NULL, record, &slow);
    assert_non_null(c);
    hpac_kube_cancel(c);
    hpac_kube_cancel(NULL);

    /* Cancelled from another call's callback. */
    canceller cc = {0};
    cc.victim = hpac_kube_request(f->kube, "GET", "/slow", NULL, NULL, record, &slow);
    assert_non_null(cc.victim);
    assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, cancel_other, &cc));
    assert_true(run_until(f->loop, &cc.calls, 1, 5));
    assert_null(cc.victim);
    /* Past the victims' 500 ms timeout: still nothing. */
    int never = 0;
    run_until(f->loop, &never, 1, 0.8);
    assert_int_equal(slow.calls, 0);
    hpac_http_stats st;
    hpac_http_get_stats(hpac_kube_http(f->kube), &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.cancelled, 2);
}

static void test_client__rate_limit(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    hpac_kube_set_rate_limit(f->kube, 10, 2);
    enum { N = 6 };
    result r[N];
    int done = 0;
    memset(r, 0, sizeof(r));
    double t0 = wall();
    for (int i = 0; i < N; i++) {
        r[i].counter = &done;
        assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &r[i]));
    }
    /* Two from the burst at once, the rest wait; then one per 100 ms. */
    hpac_http_stats st;
    hpac_http_get_stats(hpac_kube_http(f->kube), &st);
    assert_int_equal(st.pending, 2);
    assert_true(run_until(f->loop, &done, N, 10));
    double elapsed = wall() - t0;
    assert_true(elapsed >= 0.35);
    assert_true(elapsed < 2.0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i].code, 200);
        result_clear(&r[i]);
    }

    /* Disabled again: no waiting. */
    hpac_kube_set_rate_limit(f->kube, 0, 0);
    done = 0;
    for (int i = 0; i < N; i++) {
        r[i].counter = &done;
        assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &r[i]));
    }
    hpac_http_get_stats(hpac_kube_http(f->kube), &st);
    assert_int_equal(st.pending, N); /* all on the wire at once */
    assert_true(run_until(f->loop, &done, N, 10));
    for (int i = 0; i < N; i++)
        result_clear(&r[i]);

    /* Queued requests can be cancelled, and freeing drops the rest. */
    hpac_kube_set_rate_limit(f->kube, 1, 1);
    result a = {0}, b = {0};
    assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &a));
    hpac_kube_call *queued = hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &b);
    assert_non_null(queued);
    hpac_kube_cancel(queued);
    assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &b));
    assert_true(run_until(f->loop, &a.calls, 1, 5));
    assert_int_equal(b.calls, 0);
    result_clear(&a);
}

static void test_client__escape(void **state)
{
    static const struct {
        const char *in, *out;
    } table[] = {
        {"app=web,tier in (a,b)", "app%3Dweb%2Ctier%20in%20%28a%2Cb%29"},
        {"plain-name_1.2~x", "plain-name_1.2~x"},
        {"a/b?c&d#e", "a%2Fb%3Fc%26d%23e"},
        {"", ""},
        {"\xc3\xa9", "%C3%A9"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char *got = hpac_kube_escape(table[i].in);
        assert_string_equal(got, table[i].out);
        free(got);
    }
    assert_null(hpac_kube_escape(NULL));
}

/* ---- watches ---- */

typedef struct watcher {
    char events[16][128]; /* "TYPE name-or-rv" */
    int event_count;
    int ends;
    long end_code;
    char end_error[512];
    bool end_has_error;
    char end_reason[64];
    hpac_kube_watch *self;
    int stop_after; /* stop from inside on_event after this many; 0: never */
} watcher;

static void on_event(void *ctx, const char *type, json_t *object)
{
    watcher *w = ctx;
    json_t *meta = json_object_get(object, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (!name)
        name = json_string_value(json_object_get(meta, "resourceVersion"));
    if (!name)
        name = json_string_value(json_object_get(object, "reason"));
    if (w->event_count < 16)
        snprintf(w->events[w->event_count], sizeof(w->events[0]), "%s %s", type,
                 name ? name : "-");
    w->event_count++;
    if (w->stop_after && w->event_count == w->stop_after)
        hpac_kube_watch_stop(w->self);
}

static void on_end(void *ctx, const hpac_kube_response *resp)
{
    watcher *w = ctx;
    w->ends++;
    w->end_code = resp->code;
    w->end_has_error = resp->error != NULL;
    snprintf(w->end_error, sizeof(w->end_error), "%s", resp->error ? resp->error : "");
    snprintf(w->end_reason, sizeof(w->end_reason), "%s", resp->reason ? resp->reason : "");
}

static void watch(fixture *f, const char *path, watcher *w)
{
    w->self = hpac_kube_watch_start(f->kube, path, on_event, on_end, w);
    assert_non_null(w->self);
}

static void test_client__watch_splits_lines_across_chunks(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    watcher w = {0};
    watch(f, "/watch/split", &w);
    assert_true(run_until(f->loop, &w.ends, 1, 5));
    assert_int_equal(w.event_count, 4);
    assert_string_equal(w.events[0], "ADDED a");
    assert_string_equal(w.events[1], "MODIFIED b");
    assert_string_equal(w.events[2], "DELETED c");
    assert_string_equal(w.events[3], "BOOKMARK 9");
    assert_int_equal(w.end_code, 200);
    assert_false(w.end_has_error);
}

static void test_client__watch_error_event(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    watcher w = {0};
    watch(f, "/watch/error-event", &w);
    assert_true(run_until(f->loop, &w.ends, 1, 5));
    assert_int_equal(w.event_count, 1);
    assert_string_equal(w.events[0], "ERROR Expired");
    assert_false(w.end_has_error);
}

static void test_client__watch_malformed_streams(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    hpac_kube_set_watch_line_max(f->kube, 64);
    static const struct {
        const char *path;
        int events;
        const char *error;
    } cases[] = {
        {"/watch/garbage", 1, "invalid watch event: "},
        {"/watch/no-object", 0, "invalid watch event: want {\"type\""},
        {"/watch/long", 1, "watch event larger than 64 bytes"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        watcher w = {0};
        watch(f, cases[i].path, &w);
        assert_true(run_until(f->loop, &w.ends, 1, 5));
        assert_int_equal(w.ends, 1);
        assert_int_equal(w.event_count, cases[i].events);
        assert_int_equal(w.end_code, 200);
        if (!strstr(w.end_error, cases[i].error))
            fail_msg("%s: error \"%s\", want \"%s\"", cases[i].path, w.end_error,
                     cases[i].error);
    }
}

typedef struct chained {
    fixture *f;
    result r;
    int events;
} chained;

static void start_request_from_event(void *ctx, const char *type, json_t *object)
{
    chained *c = ctx;
    if (c->events++ == 0)
        assert_non_null(
            hpac_kube_request(c->f->kube, "GET", "/echo?from=event", NULL, NULL, record, &c->r));
}

static void ignore_end(void *ctx, const hpac_kube_response *resp)
{
}

static void test_client__request_from_watch_event(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    chained c = {.f = f};
    hpac_kube_watch *w =
        hpac_kube_watch_start(f->kube, "/watch/forever", start_request_from_event, ignore_end, &c);
    assert_non_null(w);
    assert_true(run_until(f->loop, &c.r.calls, 1, 5));
    assert_int_equal(c.r.code, 200);
    assert_non_null(strstr(c.r.body, "/echo?from=event"));
    hpac_kube_watch_stop(w);
    result_clear(&c.r);
}

static void test_client__watch_http_error(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    watcher w = {0};
    watch(f, "/watch/forbidden", &w);
    assert_true(run_until(f->loop, &w.ends, 1, 5));
    assert_int_equal(w.event_count, 0);
    assert_int_equal(w.end_code, 403);
    assert_string_equal(w.end_reason, "Forbidden");
    assert_non_null(strstr(w.end_error, "cannot watch resource"));
}

static void test_client__watch_stop(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");

    /* From inside on_event: no more events, no on_end. */
    watcher w = {.stop_after = 1};
    watch(f, "/watch/forever", &w);
    assert_true(run_until(f->loop, &w.event_count, 1, 5));
    watcher other = {0};
    watch(f, "/watch/split", &other);
    assert_true(run_until(f->loop, &other.ends, 1, 5));
    assert_int_equal(w.event_count, 1);
    assert_int_equal(w.ends, 0);

    /* From outside, while streaming. */
    watcher w2 = {0};
    watch(f, "/watch/forever", &w2);
    assert_true(run_until(f->loop, &w2.event_count, 2, 5));
    hpac_kube_watch_stop(w2.self);
    hpac_kube_watch_stop(NULL);

    /* Before anything arrived. */
    watcher w3 = {0};
    watch(f, "/watch/forever", &w3);
    hpac_kube_watch_stop(w3.self);

    hpac_http_stats st;
    hpac_http_get_stats(hpac_kube_http(f->kube), &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(w2.ends, 0);
    assert_int_equal(w3.event_count, 0);
}

static void test_client__free_with_pending_work(void **state)
{
    fixture *f = *state;
    connect_client(f, false, "t");
    watcher w = {0};
    result r = {0}, q = {0};
    watch(f, "/watch/forever", &w);
    assert_non_null(hpac_kube_request(f->kube, "GET", "/slow", NULL, NULL, record, &r));
    hpac_kube_set_rate_limit(f->kube, 0.5, 1);
    assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &q));
    assert_non_null(hpac_kube_request(f->kube, "GET", "/empty", NULL, NULL, record, &q));
    assert_true(run_until(f->loop, &w.event_count, 2, 5));
    hpac_kube_free(f->kube);
    f->kube = NULL;
    assert_int_equal(w.ends, 0);
    assert_int_equal(r.calls, 0);
    ev_run(f->loop, EVRUN_NOWAIT);
    result_clear(&q);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_client__get_decodes_json_and_sends_token),
        T(test_client__responses_table),
        T(test_client__bodies_and_content_types),
        T(test_client__write_leaves_the_answer_unread),
        T(test_client__transport_error_names_the_url),
        T(test_client__timeout),
        T(test_client__token_file_rotation),
        T(test_client__token_not_rechecked_within_interval),
        T(test_client__retry_once_after_401_with_rotated_token),
        T(test_client__401_without_rotation_is_reported),
        T(test_client__new_rejects_bad_config),
        T(test_client__cancel),
        T(test_client__rate_limit),
        cmocka_unit_test(test_client__escape),
        T(test_client__watch_splits_lines_across_chunks),
        T(test_client__watch_error_event),
        T(test_client__watch_malformed_streams),
        T(test_client__watch_http_error),
        T(test_client__request_from_watch_event),
        T(test_client__watch_stop),
        T(test_client__free_with_pending_work),
    };
    return cmocka_run_group_tests_name("kube_client", tests, NULL, NULL);
}
