/* The informer against an in-process API server that plays a script: each
 * list request and each watch request gets the next reply of its script.
 * Also the key set on its own (marks, sweep, compaction, memory). */
#include "kube/informer.h"
#include "kube/informer_keys.h"
#include "../http/mock_server.h"
#include "test_support.h"

#include <ev.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the scripted server ---- */

typedef struct reply_spec {
    int status;
    const char *body;        /* a plain reply */
    const char *chunks[8];   /* a streamed reply (watches) */
    int hold_ms;             /* keep the stream open afterwards */
    int delay_ms;
} reply_spec;

#define SCRIPT_MAX 8
#define LOG_MAX 64

typedef struct api {
    reply_spec lists[SCRIPT_MAX];
    int nlists;
    reply_spec watches[SCRIPT_MAX];
    int nwatches;
    int list_calls;
    int watch_calls;
    double list_at[LOG_MAX]; /* arrival times */
    double watch_at[LOG_MAX];
    char list_uri[LOG_MAX][2048];
    char watch_uri[LOG_MAX][2048];
} api;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void play(const reply_spec *spec, mock_reply *rep)
{
    rep->delay_ms = spec->delay_ms;
    int n = 0;
    while (n < 8 && spec->chunks[n])
        mock_reply_chunk(rep, spec->chunks[n++]);
    if (n > 0) {
        rep->status = spec->status ? spec->status : 200;
        rep->hold_open_ms = spec->hold_ms;
        rep->chunk_delay_ms = 20;
        return;
    }
    mock_reply_printf(rep, spec->status ? spec->status : 200, "%s", spec->body ? spec->body : "");
}

static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    api *a = ctx;
    if (strstr(req->uri, "watch=1")) {
        int n = a->watch_calls++;
        if (n < LOG_MAX) {
            a->watch_at[n] = now_s();
            snprintf(a->watch_uri[n], sizeof(a->watch_uri[n]), "%s", req->uri);
        }
        if (n < a->nwatches) {
            play(&a->watches[n], rep);
        } else {
            /* Past the script: a quiet stream. */
            mock_reply_chunk(rep, "\n");
            rep->hold_open_ms = 10000;
            rep->status = 200;
        }
        return;
    }
    int n = a->list_calls++;
    if (n < LOG_MAX) {
        a->list_at[n] = now_s();
        snprintf(a->list_uri[n], sizeof(a->list_uri[n]), "%s", req->uri);
    }
    if (n < a->nlists)
        play(&a->lists[n], rep);
    else
        mock_reply_printf(rep, 500, "{\"kind\":\"Status\",\"message\":\"no more\",\"code\":500}");
}

/* ---- bodies ---- */

#define OBJ(name, rv)                                                                              \
    "{\"metadata\":{\"namespace\":\"default\",\"name\":\"" name "\",\"resourceVersion\":\"" rv     \
    "\"}}"
#define LIST(rv, cont, items)                                                                      \
    "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"" rv "\",\"continue\":\"" cont     \
    "\"},\"items\":[" items "]}"
#define EVENT(type, object) "{\"type\":\"" type "\",\"object\":" object "}\n"
#define BOOKMARK(rv) EVENT("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"" rv "\"}}")
#define GONE_STATUS                                                                                \
    "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"too old resource version: 1 "      \
    "(30)\",\"reason\":\"Expired\",\"code\":410}"
#define ERROR_500 "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"etcd is down\",\"code\":500}"

/* ---- the consumer ---- */

typedef struct consumer {
    char log[4096]; /* "U:ns/name R:ns/name S X ..." */
    int upserts, removes, syncs, restarts;
    char last_why[512];
} consumer;

/* Appends "<tag><a>/<b> " (or "<tag> " when a is NULL). */
static void append(consumer *c, const char *tag, const char *a, const char *b)
{
    size_t len = strlen(c->log);
    if (a)
        snprintf(c->log + len, sizeof(c->log) - len, "%s%s/%s ", tag, a, b);
    else
        snprintf(c->log + len, sizeof(c->log) - len, "%s ", tag);
}

static void on_upsert(void *ctx, json_t *object)
{
    consumer *c = ctx;
    const json_t *meta = json_object_get(object, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    append(c, "U:", ns ? ns : "", json_string_value(json_object_get(meta, "name")));
    c->upserts++;
}

static void on_remove(void *ctx, const char *ns, const char *name)
{
    consumer *c = ctx;
    append(c, "R:", ns, name);
    c->removes++;
}

static void on_synced(void *ctx)
{
    consumer *c = ctx;
    append(c, "S", NULL, NULL);
    c->syncs++;
}

static void on_restarted(void *ctx, const char *why)
{
    consumer *c = ctx;
    append(c, "X", NULL, NULL);
    snprintf(c->last_why, sizeof(c->last_why), "%s", why);
    c->restarts++;
}

static const hpac_informer_handlers handlers = {
    .upsert = on_upsert, .remove = on_remove, .synced = on_synced, .restarted = on_restarted};

/* ---- fixture ---- */

typedef struct fixture {
    struct ev_loop *loop;
    api api;
    mock_server *server;
    hpac_kube *kube;
    consumer c;
    hpac_informer *inf;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->server = mock_start(handler, &f->api, NULL, NULL);
    assert_non_null(f->server);
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)f->server->port);
    hpac_kube_config cfg = {.server = server, .token = "t"};
    char err[256];
    f->kube = hpac_kube_new(f->loop, &cfg, err, sizeof(err));
    if (!f->kube)
        fail_msg("hpac_kube_new: %s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hpac_informer_free(f->inf);
    hpac_kube_free(f->kube);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Runs the loop until *counter >= target or the time is up. */
static bool run_until(fixture *f, const int *counter, int target, double timeout_s)
{
    ev_timer guard;
    ev_timer_init(&guard, wake, 0.01, 0.01);
    ev_timer_start(f->loop, &guard);
    double deadline = now_s() + timeout_s;
    while (*counter < target && now_s() < deadline)
        ev_run(f->loop, EVRUN_ONCE);
    ev_timer_stop(f->loop, &guard);
    return *counter >= target;
}

static void run_for(fixture *f, double seconds)
{
    int never = 0;
    run_until(f, &never, 1, seconds);
}

/* Reads a counter the server's threads write. */
static int server_count(fixture *f, const int *counter)
{
    pthread_mutex_lock(&f->server->lock);
    int n = *counter;
    pthread_mutex_unlock(&f->server->lock);
    return n;
}

static bool run_until_server(fixture *f, const int *counter, int target, double timeout_s)
{
    double deadline = now_s() + timeout_s;
    while (server_count(f, counter) < target && now_s() < deadline)
        run_for(f, 0.02);
    return server_count(f, counter) >= target;
}

static void start(fixture *f, const char *path, unsigned page_size)
{
    f->inf = hpac_informer_new(f->kube, path, &handlers, &f->c);
    assert_non_null(f->inf);
    hpac_informer_set_page_size(f->inf, page_size);
    hpac_informer_set_seed(f->inf, 42);
    assert_int_equal(hpac_informer_start(f->inf), 0);
    assert_int_equal(hpac_informer_start(f->inf), -1);
}

/* ---- tests ---- */

static void test_informer__paginated_list_then_watch_events(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("", "c1", OBJ("a", "5") "," OBJ("b", "6"))};
    f->api.lists[1] = (reply_spec){.body = LIST("10", "", OBJ("c", "7"))};
    f->api.nlists = 2;
    f->api.watches[0] = (reply_spec){
        .chunks = {EVENT("ADDED", OBJ("d", "11")) EVENT("MODIFIED", OBJ("a", "12")),
                   EVENT("DELETED", OBJ("b", "13")) BOOKMARK("20")},
        .hold_ms = 5000};
    f->api.nwatches = 1;
    start(f, "/api/v1/pods", 2);
    assert_false(hpac_informer_synced(f->inf));
    assert_true(run_until(f, &f->c.removes, 1, 5));
    assert_true(hpac_informer_synced(f->inf));
    /* The bookmark arrives with the deletion, in the same chunk. */
    run_for(f, 0.1);
    assert_string_equal(f->c.log, "U:default/a U:default/b U:default/c S U:default/d "
                                  "U:default/a R:default/b ");
    assert_string_equal(hpac_informer_resource_version(f->inf), "20");

    assert_int_equal(server_count(f, &f->api.list_calls), 2);
    assert_string_equal(f->api.list_uri[0], "/api/v1/pods?limit=2");
    assert_string_equal(f->api.list_uri[1], "/api/v1/pods?limit=2&continue=c1");
    const char *w = f->api.watch_uri[0];
    const char *prefix =
        "/api/v1/pods?watch=1&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=";
    assert_memory_equal(w, prefix, strlen(prefix));
    int timeout = atoi(w + strlen(prefix));
    assert_true(timeout >= 300 && timeout < 600);

    hpac_informer_stats st;
    hpac_informer_get_stats(f->inf, &st);
    assert_int_equal(st.objects, 3); /* a, c, d */
    assert_int_equal(st.lists, 2);
    assert_int_equal(st.relists, 0);
    assert_int_equal(st.watches, 1);
    assert_int_equal(st.restarts, 0);
    assert_int_equal(f->c.restarts, 0);
}

static void test_informer__query_in_path_and_no_paging(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("3", "", OBJ("a", "3"))};
    f->api.nlists = 1;
    start(f, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", 0);
    assert_true(run_until_server(f, &f->api.watch_calls, 1, 5));
    assert_string_equal(f->api.list_uri[0], "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
    const char *prefix = "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=1&"
                         "resourceVersion=3&allowWatchBookmarks=true&timeoutSeconds=";
    assert_memory_equal(f->api.watch_uri[0], prefix, strlen(prefix));
}

static void test_informer__closed_watch_resumes_at_once_from_last_rv(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("10", "", OBJ("a", "5"))};
    f->api.nlists = 1;
    f->api.watches[0] =
        (reply_spec){.chunks = {EVENT("ADDED", OBJ("d", "11")), BOOKMARK("15")}};
    f->api.nwatches = 1;
    start(f, "/api/v1/pods", 500);
    /* A long backoff: resuming must not wait for it. */
    hpac_informer_set_backoff(f->inf, 5000, 10000, 2.0, 0.0);
    assert_true(run_until_server(f, &f->api.watch_calls, 2, 3));
    assert_true(run_until(f, &f->c.restarts, 1, 1));
    assert_true(f->api.watch_at[1] - f->api.watch_at[0] < 1.0);
    assert_non_null(strstr(f->api.watch_uri[1], "resourceVersion=15&"));
    assert_int_equal(server_count(f, &f->api.list_calls), 1);
    assert_string_equal(f->c.log, "U:default/a S U:default/d X ");
    assert_non_null(strstr(f->c.last_why, "closed by the server"));
}

static void test_informer__gone_event_relists_and_removes_vanished(void **state)
{
    fixture *f = *state;
    f->api.lists[0] =
        (reply_spec){.body = LIST("10", "", OBJ("a", "5") "," OBJ("b", "6") "," OBJ("c", "7"))};
    f->api.lists[1] = (reply_spec){.body = LIST("30", "", OBJ("a", "25") "," OBJ("c", "26"))};
    f->api.nlists = 2;
    f->api.watches[0] = (reply_spec){
        .chunks = {EVENT("ADDED", OBJ("d", "11")), EVENT("ERROR", GONE_STATUS)}, .hold_ms = 5000};
    f->api.nwatches = 1;
    start(f, "/api/v1/pods", 500);
    assert_true(run_until(f, &f->c.syncs, 2, 5));
    /* b vanished while we were not watching; d came and went. Removals
     * come in no particular order. */
    const char *head = "U:default/a U:default/b U:default/c S U:default/d X "
                       "U:default/a U:default/c ";
    assert_memory_equal(f->c.log, head, strlen(head));
    const char *rest = f->c.log + strlen(head);
    if (strcmp(rest, "R:default/b R:default/d S ") != 0 &&
        strcmp(rest, "R:default/d R:default/b S ") != 0)
        fail_msg("after the relist: %s", rest);
    assert_non_null(strstr(f->c.last_why, "410"));
    assert_true(run_until_server(f, &f->api.watch_calls, 2, 3));
    assert_non_null(strstr(f->api.watch_uri[1], "resourceVersion=30&"));
    hpac_informer_stats st;
    hpac_informer_get_stats(f->inf, &st);
    assert_int_equal(st.objects, 2);
    assert_int_equal(st.relists, 1);
}

static void test_informer__gone_watch_status_relists(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("10", "", OBJ("a", "5") "," OBJ("b", "6"))};
    f->api.lists[1] = (reply_spec){.body = LIST("30", "", OBJ("b", "25"))};
    f->api.nlists = 2;
    /* The watch request itself is refused: too old. A short answer, so
     * the relist waits one backoff delay (kept small here). */
    f->api.watches[0] = (reply_spec){.status = 410, .body = GONE_STATUS};
    f->api.nwatches = 1;
    start(f, "/api/v1/pods", 500);
    hpac_informer_set_backoff(f->inf, 50, 1000, 2.0, 0.0);
    assert_true(run_until(f, &f->c.syncs, 2, 5));
    assert_string_equal(f->c.log,
                        "U:default/a U:default/b S X U:default/b R:default/a S ");
    assert_non_null(strstr(f->c.last_why, "too old resource version"));
}

static void test_informer__expired_continue_restarts_the_list(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("", "c1", OBJ("a", "5"))};
    f->api.lists[1] = (reply_spec){.status = 410, .body = GONE_STATUS};
    f->api.lists[2] = (reply_spec){.body = LIST("", "c2", OBJ("a", "5"))};
    f->api.lists[3] = (reply_spec){.body = LIST("40", "", OBJ("b", "39"))};
    f->api.nlists = 4;
    start(f, "/api/v1/pods", 1);
    hpac_informer_set_backoff(f->inf, 5000, 10000, 2.0, 0.0);
    assert_true(run_until(f, &f->c.syncs, 1, 3));
    assert_int_equal(server_count(f, &f->api.list_calls), 4);
    assert_string_equal(f->api.list_uri[1], "/api/v1/pods?limit=1&continue=c1");
    assert_string_equal(f->api.list_uri[2], "/api/v1/pods?limit=1");
    assert_string_equal(f->api.list_uri[3], "/api/v1/pods?limit=1&continue=c2");
    /* Synced once, after the complete list; nothing removed. */
    assert_string_equal(f->c.log, "U:default/a X U:default/a U:default/b S ");
    assert_string_equal(hpac_informer_resource_version(f->inf), "40");
}

static void test_informer__errors_back_off_then_recover(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.status = 500, .body = ERROR_500};
    f->api.lists[1] = (reply_spec){.status = 500, .body = ERROR_500};
    f->api.lists[2] = (reply_spec){.body = LIST("10", "", OBJ("a", "5"))};
    f->api.nlists = 3;
    /* The watch fails too: it is retried from the same resourceVersion
     * (no relist), then ends normally, which resets the backoff. */
    f->api.watches[0] = (reply_spec){.status = 500, .body = ERROR_500};
    f->api.watches[1] = (reply_spec){.chunks = {BOOKMARK("12")}};
    f->api.nwatches = 2;
    start(f, "/api/v1/pods", 500);
    hpac_informer_set_backoff(f->inf, 100, 1000, 2.0, 0.0);
    hpac_informer_stats st;
    assert_true(run_until(f, &f->c.syncs, 1, 5));
    assert_true(run_until_server(f, &f->api.watch_calls, 3, 5));
    double gap1 = f->api.list_at[1] - f->api.list_at[0];
    double gap2 = f->api.list_at[2] - f->api.list_at[1];
    double gap3 = f->api.watch_at[1] - f->api.watch_at[0];
    double gap4 = f->api.watch_at[2] - f->api.watch_at[1];
    if (!(gap1 >= 0.09 && gap2 >= 0.19 && gap3 >= 0.39 && gap4 < 0.3))
        fail_msg("gaps %.3f %.3f %.3f %.3f", gap1, gap2, gap3, gap4);
    assert_int_equal(server_count(f, &f->api.list_calls), 3);
    assert_non_null(strstr(f->api.watch_uri[1], "resourceVersion=10&"));
    assert_non_null(strstr(f->api.watch_uri[2], "resourceVersion=12&"));
    assert_string_equal(f->c.log, "X X U:default/a S X X ");
    hpac_informer_get_stats(f->inf, &st);
    assert_int_equal(st.next_backoff_ms, 100);
    assert_int_equal(st.restarts, 4);
}

static void test_informer__backoff_is_capped_and_jittered(void **state)
{
    fixture *f = *state;
    /* Every list fails. */
    start(f, "/api/v1/pods", 500);
    hpac_informer_set_backoff(f->inf, 20, 80, 2.0, 1.0);
    assert_true(run_until_server(f, &f->api.list_calls, 6, 5));
    hpac_informer_stats st;
    hpac_informer_get_stats(f->inf, &st);
    assert_int_equal(st.next_backoff_ms, 80);
    /* Delays 20, 40, 80, 80, 80 (+ up to 100% jitter each). */
    static const double base[] = {0.02, 0.04, 0.08, 0.08, 0.08};
    for (int n = 0; n < 5; n++) {
        double gap = f->api.list_at[n + 1] - f->api.list_at[n];
        if (gap < base[n] * 0.9 || gap > base[n] * 2 + 0.1)
            fail_msg("gap %d: %.3f s, want [%.3f, %.3f)", n, gap, base[n], base[n] * 2);
    }
}

static void test_informer__short_watch_does_not_spin(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){.body = LIST("10", "", "")};
    f->api.nlists = 1;
    for (int n = 0; n < SCRIPT_MAX; n++)
        f->api.watches[n] = (reply_spec){.body = ""}; /* closed at once, nothing said */
    f->api.nwatches = SCRIPT_MAX;
    start(f, "/api/v1/pods", 500);
    hpac_informer_set_backoff(f->inf, 200, 1000, 1.0, 0.0);
    run_for(f, 0.7);
    int watches = server_count(f, &f->api.watch_calls);
    if (watches < 2 || watches > 5)
        fail_msg("%d watches in 0.7 s with a 0.2 s backoff", watches);
    assert_non_null(strstr(f->c.last_why, "at once"));
}

static void test_informer__cluster_scoped_and_nameless_objects(void **state)
{
    fixture *f = *state;
    f->api.lists[0] = (reply_spec){
        .body = LIST("10", "", "{\"metadata\":{\"name\":\"n1\"}},{\"metadata\":{}},{}")};
    f->api.lists[1] = (reply_spec){.body = LIST("11", "", "")};
    f->api.nlists = 2;
    f->api.watches[0] = (reply_spec){.chunks = {EVENT("ERROR", GONE_STATUS)}, .hold_ms = 3000};
    f->api.nwatches = 1;
    start(f, "/api/v1/nodes", 500);
    hpac_informer_set_backoff(f->inf, 10, 100, 2.0, 0.0);
    assert_true(run_until(f, &f->c.syncs, 2, 5));
    assert_string_equal(f->c.log, "U:/n1 S X R:/n1 S ");
}

static void test_informer__free_with_work_pending(void **state)
{
    fixture *f = *state;
    /* A list in flight. */
    f->api.lists[0] = (reply_spec){.body = LIST("10", "", OBJ("a", "5")), .delay_ms = 500};
    f->api.lists[1] = (reply_spec){.body = LIST("10", "", OBJ("a", "5"))};
    f->api.lists[2] = (reply_spec){.status = 500, .body = ERROR_500};
    f->api.nlists = 3;
    start(f, "/api/v1/pods", 500);
    run_for(f, 0.1);
    hpac_informer_free(f->inf);
    f->inf = NULL;
    run_for(f, 0.6);
    assert_int_equal(f->c.upserts, 0);

    /* A watch open (the script's quiet stream). */
    start(f, "/api/v1/pods", 500);
    assert_true(run_until_server(f, &f->api.watch_calls, 1, 3));
    run_for(f, 0.1);
    assert_int_equal(f->c.syncs, 1);
    hpac_informer_free(f->inf);
    f->inf = NULL;

    /* A backoff timer pending. */
    start(f, "/api/v1/pods", 500);
    hpac_informer_set_backoff(f->inf, 300, 1000, 2.0, 0.0);
    assert_true(run_until(f, &f->c.restarts, 1, 3));
    hpac_informer_free(f->inf);
    f->inf = NULL;
    int lists = server_count(f, &f->api.list_calls);
    run_for(f, 0.5);
    assert_int_equal(server_count(f, &f->api.list_calls), lists);

    hpac_http_stats st;
    hpac_http_get_stats(hpac_kube_http(f->kube), &st);
    assert_int_equal(st.pending, 0);
}

/* ---- the key set ---- */

static int count_calls;

static void count_swept(void *ctx, const char *key)
{
    hpac__keyset *check = ctx;
    /* The swept key must be one we expected to go. */
    assert_true(hpac__keyset_contains(check, key));
    count_calls++;
}

static void test_informer__keyset_marks_sweep_and_compaction(void **state)
{
    (void)state;
    enum { N = 100000 };
    hpac__keyset s = {0}, gone = {0};
    char key[64];
    for (int n = 0; n < N; n++) {
        snprintf(key, sizeof(key), "namespace-%d/web-7d9f8b6c5d-%05d", n % 100, n);
        assert_int_equal(hpac__keyset_put(&s, key), 0);
    }
    assert_int_equal(s.count, N);
    printf("keyset: %zu keys in %zu bytes (%.1f bytes/key)\n", s.count, hpac__keyset_bytes(&s),
           (double)hpac__keyset_bytes(&s) / N);
    assert_true(hpac__keyset_bytes(&s) / N < 100);

    /* Remove every third directly; the table and arena stay consistent. */
    for (int n = 0; n < N; n += 3) {
        snprintf(key, sizeof(key), "namespace-%d/web-7d9f8b6c5d-%05d", n % 100, n);
        assert_true(hpac__keyset_remove(&s, key));
        assert_false(hpac__keyset_remove(&s, key));
    }
    /* A relist that sees only the even ones among the rest. */
    hpac__keyset_unmark_all(&s);
    for (int n = 0; n < N; n++) {
        snprintf(key, sizeof(key), "namespace-%d/web-7d9f8b6c5d-%05d", n % 100, n);
        if (n % 3 == 0)
            continue;
        if (n % 2 == 0)
            assert_int_equal(hpac__keyset_put(&s, key), 0);
        else
            assert_int_equal(hpac__keyset_put(&gone, key), 0);
    }
    count_calls = 0;
    hpac__keyset_sweep(&s, count_swept, &gone);
    assert_int_equal((size_t)count_calls, gone.count);
    for (int n = 0; n < N; n++) {
        snprintf(key, sizeof(key), "namespace-%d/web-7d9f8b6c5d-%05d", n % 100, n);
        bool want = n % 3 != 0 && n % 2 == 0;
        if (hpac__keyset_contains(&s, key) != want)
            fail_msg("key %d: contained %d", n, !want);
    }
    /* Compaction reclaimed the garbage. */
    assert_true(s.garbage < s.used);
    assert_true(s.used < (size_t)N * 40);
    char big[HPAC__KEY_MAX + 8];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(hpac__keyset_put(&s, big), -1);
    hpac__keyset_clear(&s);
    hpac__keyset_clear(&gone);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_informer__paginated_list_then_watch_events),
        T(test_informer__query_in_path_and_no_paging),
        T(test_informer__closed_watch_resumes_at_once_from_last_rv),
        T(test_informer__gone_event_relists_and_removes_vanished),
        T(test_informer__gone_watch_status_relists),
        T(test_informer__expired_continue_restarts_the_list),
        T(test_informer__errors_back_off_then_recover),
        T(test_informer__backoff_is_capped_and_jittered),
        T(test_informer__short_watch_does_not_spin),
        T(test_informer__cluster_scoped_and_nameless_objects),
        T(test_informer__free_with_work_pending),
        cmocka_unit_test(test_informer__keyset_marks_sweep_and_compaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
