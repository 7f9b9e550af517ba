/* Resource metric reads of several reconciles through one batch
 * (metrics_batch.h), against an in-process metrics.k8s.io server.
 *
 * The server (test/http/mock_server.h) holds a table of PodMetrics,
 * answers /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods?labelSelector=S
 * by selecting on each pod's labels (as metrics-server does) and logs
 * every request's namespace and decoded selector. Items may be written
 * without metadata.labels, with labels that are not strings, or with
 * usage that does not decode; per-selector rules answer an error, delay,
 * or replace the body.
 *
 * Every test first reads each member's metric alone (hpac_metrics_fetch,
 * the "lone" read) and then checks that what the batch delivered is the
 * same, to the pod, container, milli value, timestamp, window and error
 * text, and counts the PodMetrics requests the batch sent. */
#include "metrics/metrics_batch.h"

#include "../http/mock_server.h"
#include "hpa/labels.h"
#include "test_support.h"

#include <ev.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE_S 1714557600LL /* 2024-05-01T10:00:00Z */
#define PODS_PATH "/apis/metrics.k8s.io/v1beta1/namespaces/"
#define MAX_PODS 16
#define MAX_RULES 4
#define MAX_LOG 128
#define RUN_TIMEOUT_S 10.0

/* ---- the server ---------------------------------------------------------- */

typedef struct fake_pod {
    const char *ns;
    const char *name;
    const char *labels;      /* JSON object: what the server selects on */
    bool unlabelled;         /* the item carries no metadata.labels */
    const char *item_labels; /* JSON written as metadata.labels instead of `labels` */
    int ts;                  /* timestamp, seconds after BASE_S */
    const char *window;
    const char *containers; /* JSON array */
} fake_pod;

/* For requests whose decoded selector is `selector` (any namespace). */
typedef struct rule {
    const char *selector;
    int status;       /* 0: 200 */
    const char *body; /* NULL: the usual list (or a Status for an error status) */
    int delay_ms;
} rule;

typedef struct server_state {
    fake_pod pods[MAX_PODS];
    size_t pod_count;
    rule rules[MAX_RULES];
    size_t rule_count;
    bool fail_all; /* every request: 500 */
    /* What was asked: "ns|selector", and when (monotonic seconds). */
    char log[MAX_LOG][700];
    double at[MAX_LOG];
    int log_count;
} server_state;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void percent_decode(const char *in, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        if (in[i] == '%' && i + 2 < len && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
            out[o++] = (char)(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2]));
            i += 2;
        } else {
            out[o++] = in[i] == '+' ? ' ' : in[i];
        }
    }
    out[o] = '\0';
}

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!j) {
        fprintf(stderr, "bad JSON in test table: %s (%s)\n", text, jerr.text);
        abort();
    }
    return j;
}

static void reply_status(mock_reply *rep, int code, const char *reason, const char *message)
{
    mock_reply_printf(rep, code,
                      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                      "\"message\":\"%s\",\"reason\":\"%s\",\"code\":%d}",
                      message, reason, code);
}

static json_t *pod_item(const fake_pod *p)
{
    char ts[32];
    snprintf(ts, sizeof(ts), "2024-05-01T10:%02d:%02dZ", p->ts / 60, p->ts % 60);
    json_t *meta =
        json_pack("{s:s, s:s, s:s}", "name", p->name, "namespace", p->ns, "creationTimestamp", ts);
    if (!p->unlabelled)
        json_object_set_new(meta, "labels",
                            parse_json(p->item_labels ? p->item_labels : p->labels));
    return json_pack("{s:o, s:s, s:s, s:o}", "metadata", meta, "timestamp", ts, "window",
                     p->window ? p->window : "30s", "containers", parse_json(p->containers));
}

/* The PodMetricsList of the pods `selector` picks in `ns`, or NULL when
 * the selector does not parse. */
static char *pod_list(const server_state *st, const char *ns, const char *selector)
{
    hpac_selector *sel = hpac_selector_parse(selector, NULL, 0);
    if (!sel)
        return NULL;
    json_t *items = json_array();
    for (size_t i = 0; i < st->pod_count; i++) {
        const fake_pod *p = &st->pods[i];
        if (strcmp(p->ns, ns) != 0)
            continue;
        json_t *lj = parse_json(p->labels);
        hpac_labels labels = {NULL, 0};
        if (hpac_labels_from_json(lj, &labels, NULL, 0) != 0)
            abort();
        if (hpac_selector_matches(sel, &labels))
            json_array_append_new(items, pod_item(p));
        hpac_labels_clear(&labels);
        json_decref(lj);
    }
    hpac_selector_free(sel);
    json_t *list = json_pack("{s:s, s:s, s:{}, s:o}", "kind", "PodMetricsList", "apiVersion",
                             "metrics.k8s.io/v1beta1", "metadata", "items", items);
    char *text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

/* Runs on a server thread, under the server's lock. */
static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    server_state *st = ctx;
    size_t prefix = strlen(PODS_PATH);
    const char *pods = strstr(req->uri, "/pods");
    if (strncmp(req->uri, PODS_PATH, prefix) != 0 || !pods || strcmp(req->method, "GET") != 0) {
        mock_reply_printf(rep, 404, "404 page not found\n");
        rep->content_type = "text/plain";
        return;
    }
    char ns[128];
    percent_decode(req->uri + prefix, (size_t)(pods - req->uri) - prefix, ns, sizeof(ns));
    char selector[512] = "";
    const char *query = pods + strlen("/pods");
    if (*query == '?') {
        const char *sel = strstr(query, "labelSelector=");
        if (sel) {
            sel += strlen("labelSelector=");
            percent_decode(sel, strcspn(sel, "&"), selector, sizeof(selector));
        }
    } else if (*query) {
        mock_reply_printf(rep, 404, "404 page not found\n");
        return;
    }
    if (st->log_count < MAX_LOG) {
        snprintf(st->log[st->log_count], sizeof(st->log[0]), "%s|%s", ns, selector);
        st->at[st->log_count] = mono_s();
        st->log_count++;
    }
    if (st->fail_all) {
        reply_status(rep, 500, "InternalError", "metrics are on strike");
        return;
    }
    for (size_t r = 0; r < st->rule_count; r++) {
        const rule *ru = &st->rules[r];
        if (strcmp(ru->selector, selector) != 0)
            continue;
        rep->delay_ms = ru->delay_ms;
        if (ru->body) {
            mock_reply_printf(rep, ru->status ? ru->status : 200, "%s", ru->body);
            return;
        }
        if (ru->status == 403) {
            reply_status(rep, 403, "Forbidden", "pods.metrics.k8s.io is forbidden");
            return;
        }
        if (ru->status) {
            reply_status(rep, ru->status, "ServiceUnavailable",
                         "the server is currently unable to handle the request");
            return;
        }
        break;
    }
    char *body = pod_list(st, ns, selector);
    if (!body) {
        reply_status(rep, 400, "BadRequest", "unable to parse requirement");
        return;
    }
    mock_reply_printf(rep, 200, "%s", body);
    free(body);
}

/* The cluster: pods of several apps in "default", one in "other". */
static const fake_pod default_pods[] = {
    {"default", "a-1", "{\"app\":\"a\"}", false, NULL, 1, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"}},"
     "{\"name\":\"side\",\"usage\":{\"cpu\":\"10m\",\"memory\":\"8Mi\"}}]"},
    {"default", "a-2", "{\"app\":\"a\"}", false, NULL, 2, "15s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"300m\",\"memory\":\"70Mi\"}}]"},
    {"default", "b-1", "{\"app\":\"b\",\"tier\":\"web\"}", false, NULL, 3, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"100m\",\"memory\":\"32Mi\"}}]"},
    {"default", "c-1", "{\"app\":\"c\"}", false, NULL, 4, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}},"
     "{\"name\":\"side\",\"usage\":{\"memory\":\"1Mi\"}}]"},
    {"default", "d-1", "{\"app\":\"d\",\"tier\":\"web\"}", false, NULL, 5, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"2500m\",\"memory\":\"128Mi\"}}]"},
    {"default", "a-3", "{\"app\":\"a\",\"tier\":\"web\"}", false, NULL, 6, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"50m\",\"memory\":\"16Mi\"}}]"},
    {"default", "e-1", "{\"app\":\"e\"}", false, NULL, 7, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"7m\",\"memory\":\"1Mi\"}}]"},
    {"default", "x-1", "{\"other\":\"thing\"}", false, NULL, 8, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"1m\",\"memory\":\"1Mi\"}}]"},
    {"other", "a-9", "{\"app\":\"a\"}", false, NULL, 9, "30s",
     "[{\"name\":\"app\",\"usage\":{\"cpu\":\"999m\",\"memory\":\"2Mi\"}}]"},
};

#define N_DEFAULT_PODS (sizeof(default_pods) / sizeof(default_pods[0]))

/* ---- fixture ------------------------------------------------------------- */

typedef struct fixture {
    struct ev_loop *loop;
    server_state state;
    mock_server *server;
    hpac_kube *kube;
    int done_count;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(f->loop);
    memcpy(f->state.pods, default_pods, sizeof(default_pods));
    f->state.pod_count = N_DEFAULT_PODS;
    f->server = mock_start(handler, &f->state, NULL, NULL);
    assert_non_null(f->server);
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)f->server->port);
    hpac_kube_config cfg = {0};
    cfg.server = server;
    cfg.token = (char *)"token";
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
    hpac_kube_free(f->kube);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

/* Changes to the server's state, under its lock. */
static void server_lock(fixture *f)
{
    pthread_mutex_lock(&f->server->lock);
}

static void server_unlock(fixture *f)
{
    pthread_mutex_unlock(&f->server->lock);
}

static void add_rule(fixture *f, rule r)
{
    server_lock(f);
    assert_true(f->state.rule_count < MAX_RULES);
    f->state.rules[f->state.rule_count++] = r;
    server_unlock(f);
}

static fake_pod *pod_named(fixture *f, const char *name)
{
    for (size_t i = 0; i < f->state.pod_count; i++)
        if (strcmp(f->state.pods[i].name, name) == 0)
            return &f->state.pods[i];
    fail_msg("no pod %s", name);
    return NULL;
}

static void reset_log(fixture *f)
{
    server_lock(f);
    f->state.log_count = 0;
    for (int i = 0; i < f->server->record_count; i++)
        free(f->server->records[i].body);
    f->server->record_count = 0;
    server_unlock(f);
}

static int log_count(fixture *f)
{
    server_lock(f);
    int n = f->state.log_count;
    server_unlock(f);
    return n;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The requests received since reset_log are exactly `want` (NULL
 * terminated), in any order: concurrent requests may arrive in any. */
static void expect_requests_impl(fixture *f, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    server_lock(f);
    int count = f->state.log_count;
    const char *got[MAX_LOG];
    for (int i = 0; i < count; i++)
        got[i] = f->state.log[i];
    server_unlock(f);
    const char **sorted_want = calloc(n ? n : 1, sizeof(*sorted_want));
    assert_non_null(sorted_want);
    memcpy(sorted_want, want, n * sizeof(*want));
    qsort(sorted_want, n, sizeof(*sorted_want), compare_strings);
    qsort(got, (size_t)count, sizeof(*got), compare_strings);
    bool same = (size_t)count == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(got[i], sorted_want[i]) == 0;
    if (!same) {
        for (int i = 0; i < count; i++)
            print_error("received: %s\n", got[i]);
        for (size_t i = 0; i < n; i++)
            print_error("expected: %s\n", sorted_want[i]);
    }
    free(sorted_want);
    assert_true(same);
}

#define expect_requests(f, ...) expect_requests_impl((f), (const char *const[]){__VA_ARGS__, NULL})

/* ---- loop driving ---- */

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

typedef bool (*until_fn)(fixture *f, const void *arg);

static bool run_until(fixture *f, until_fn done, const void *arg, double timeout_s)
{
    ev_timer guard;
    ev_timer_init(&guard, wake, 0.01, 0.01);
    ev_timer_start(f->loop, &guard);
    double deadline = mono_s() + timeout_s;
    bool ok;
    while (!(ok = done(f, arg)) && mono_s() < deadline)
        ev_run(f->loop, EVRUN_ONCE);
    ev_timer_stop(f->loop, &guard);
    return ok;
}

static bool done_count_reached(fixture *f, const void *arg)
{
    return f->done_count >= *(const int *)arg;
}

static bool requests_reached(fixture *f, const void *arg)
{
    return log_count(f) >= *(const int *)arg;
}

static bool never(fixture *f, const void *arg)
{
    return false;
}

static void run_until_done(fixture *f, int count)
{
    if (!run_until(f, done_count_reached, &count, RUN_TIMEOUT_S))
        fail_msg("only %d of %d reads answered", f->done_count, count);
}

/* Runs the loop for a while, for anything late to show up. */
static void run_for(fixture *f, double seconds)
{
    run_until(f, never, NULL, seconds);
}

/* ---- what a read delivered ---- */

typedef struct got got;
typedef void (*hook_fn)(got *g);

struct got {
    int calls;
    bool has_error;
    char error[1024];
    hpac_pod_usage_list usage;
    bool keep_in_result; /* copy the list instead of taking it */
    int *counter;
    hook_fn hook; /* run inside the callback */
    void *hook_ctx;
};

static void on_done(void *ctx, hpac_metrics_result *result)
{
    got *g = ctx;
    g->calls++;
    g->has_error = result->error != NULL;
    snprintf(g->error, sizeof(g->error), "%s", result->error ? result->error : "");
    hpac_pod_usage_list_clear(&g->usage);
    if (g->keep_in_result) {
        g->usage.items = calloc(result->usage.count + 1, sizeof(*g->usage.items));
        assert_non_null(g->usage.items);
        for (size_t i = 0; i < result->usage.count; i++) {
            assert_int_equal(hpac_pod_usage_copy(&result->usage.items[i], &g->usage.items[i]), 0);
            g->usage.count++;
        }
    } else {
        g->usage = result->usage;
        memset(&result->usage, 0, sizeof(result->usage));
    }
    if (g->counter)
        (*g->counter)++;
    if (g->hook)
        g->hook(g);
}

static void got_clear(got *g)
{
    hpac_pod_usage_list_clear(&g->usage);
}

/* "a-1@1/30[app=250,side=10] a-2@2/15[app=300]": pod@timestamp (seconds
 * after BASE_S)/window (seconds)[container=milli, "-" when absent], or
 * "error: ...". */
static void got_text(const got *g, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (used < size)                                                                           \
            used += (size_t)snprintf(buf + used, size - used, __VA_ARGS__);                        \
    } while (0)
    if (g->calls != 1)
        PUT("(%d calls) ", g->calls);
    if (g->has_error) {
        PUT("error: %s", g->error);
        return;
    }
    for (size_t i = 0; i < g->usage.count; i++) {
        const hpac_pod_usage *u = &g->usage.items[i];
        PUT("%s%s@%lld/%lld[", i ? " " : "", u->pod_name ? u->pod_name : "(null)",
            (long long)(u->timestamp_ms / 1000 - BASE_S), (long long)(u->window_ms / 1000));
        for (size_t c = 0; c < u->container_count; c++) {
            const hpac_container_usage *cu = &u->containers[c];
            if (cu->present)
                PUT("%s%s=%lld", c ? "," : "", cu->name, (long long)cu->milli);
            else
                PUT("%s%s=-", c ? "," : "", cu->name);
        }
        PUT("]");
    }
#undef PUT
}

static void assert_got(const got *g, const char *want)
{
    char text[4096];
    got_text(g, text, sizeof(text));
    assert_string_equal(text, want);
}

static void assert_same(const got *batch, const got *lone)
{
    char a[4096], b[4096];
    got_text(batch, a, sizeof(a));
    got_text(lone, b, sizeof(b));
    assert_int_equal(batch->calls, 1);
    assert_int_equal(lone->calls, 1);
    assert_string_equal(a, b);
}

/* ---- members ---- */

static const hpac_metric_spec cpu = {.type = HPAC_METRIC_RESOURCE, .resource_name = "cpu"};
static const hpac_metric_spec memory = {.type = HPAC_METRIC_RESOURCE, .resource_name = "memory"};
static const hpac_metric_spec container_cpu = {
    .type = HPAC_METRIC_CONTAINER_RESOURCE, .resource_name = "cpu", .container = "app"};
static const hpac_metric_spec container_memory = {
    .type = HPAC_METRIC_CONTAINER_RESOURCE, .resource_name = "memory", .container = "side"};

typedef struct member {
    const char *ns;
    const char *selector;
    const hpac_metric_spec *spec;
    const hpac_pod *pods; /* the member's pods, as its cache has them */
    size_t pod_count;
    got got;
    got lone;
    hpac_metrics_batch_entry *entry;
} member;

/* Members: namespace, selector, spec[, pods]. */
#define M(ns_, sel_, spec_)                                                                        \
    {                                                                                              \
        .ns = (ns_), .selector = (sel_), .spec = (spec_)                                           \
    }
#define MN(ns_, sel_, spec_, pods_, count_)                                                        \
    {                                                                                              \
        .ns = (ns_), .selector = (sel_), .spec = (spec_), .pods = (pods_), .pod_count = (count_)   \
    }
#define MP(ns_, sel_, spec_, set_) MN(ns_, sel_, spec_, (set_).pods, (set_).count)

/* Pods named in a NULL-terminated list (only names matter here). */
typedef struct pod_set {
    hpac_pod pods[8];
    size_t count;
} pod_set;

static pod_set pods_named(const char *const *names)
{
    pod_set s;
    memset(&s, 0, sizeof(s));
    for (; *names && s.count < 8; names++)
        s.pods[s.count++].name = (char *)*names;
    return s;
}

#define PODS(...) pods_named((const char *const[]){__VA_ARGS__, NULL})

static void lone_read(fixture *f, member *m)
{
    int before = f->done_count;
    m->lone.counter = &f->done_count;
    assert_non_null(
        hpac_metrics_fetch(f->kube, m->ns, m->selector, m->spec, NULL, on_done, &m->lone));
    run_until_done(f, before + 1);
    m->lone.counter = NULL;
}

/* Reads every member alone, then clears the server's log. */
static void lone_reads(fixture *f, member *members, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lone_read(f, &members[i]);
    reset_log(f);
    f->done_count = 0;
}

static void members_clear(member *members, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        got_clear(&members[i].got);
        got_clear(&members[i].lone);
    }
}

static hpac_metrics_batch_entry *fetch(hpac_metrics_batch *b, fixture *f, member *m)
{
    m->got.counter = &f->done_count;
    m->entry = hpac_metrics_batch_fetch(b, m->ns, m->selector, m->spec, m->pods, m->pod_count,
                                        on_done, &m->got);
    assert_non_null(m->entry);
    return m->entry;
}

/* A batch as the controller drives it: the creator makes it and joins
 * every member, the members queue their reads and leave, the creator
 * leaves; then the loop runs until every member has its answer. */
static void batch_run(fixture *f, member *members, size_t n)
{
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        hpac_metrics_batch_join(b);
    for (size_t i = 0; i < n; i++)
        fetch(b, f, &members[i]);
    for (size_t i = 0; i < n; i++)
        hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);
    /* Answers come from the loop, never from under the last leave. */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(members[i].got.calls, 0);
    run_until_done(f, (int)n);
}

static void assert_all_same_as_lone(member *members, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_same(&members[i].got, &members[i].lone);
}

/* ---- tests --------------------------------------------------------------- */

/* Three members whose selectors share one key, and one that cannot
 * share: two requests, each member exactly what it reads alone. */
static void test_metrics_batch__shares_one_request(void **state)
{
    fixture *f = *state;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &cpu),
        M("default", "app in (c,d)", &cpu),
        M("default", "app=a,tier=web", &cpu),
    };
    m[1].got.keep_in_result = true;
    lone_reads(f, m, 4);
    batch_run(f, m, 4);
    expect_requests(f, "default|app in (a,b,c,d)", "default|app=a,tier=web");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_got(&m[1].got, "b-1@3/30[app=100]");
    assert_got(&m[2].got, "c-1@4/30[app=1000,side=-] d-1@5/30[app=2500]");
    assert_got(&m[3].got, "a-3@6/30[app=50]");
    assert_all_same_as_lone(m, 4);
    members_clear(m, 4);
}

/* One member reads its own path, exactly; two with one selector read it
 * once. */
static void test_metrics_batch__single_member_own_path(void **state)
{
    fixture *f = *state;
    member m[] = {M("default", "app=a", &cpu)};
    lone_reads(f, m, 1);
    batch_run(f, m, 1);
    expect_requests(f, "default|app=a");
    mock_request r = mock_record(f->server, 0);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.uri, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"
                               "?labelSelector=app%3Da");
    assert_all_same_as_lone(m, 1);
    members_clear(m, 1);

    f->done_count = 0;
    member twins[] = {M("default", "app=a", &cpu), M("default", "app=a", &memory)};
    lone_reads(f, twins, 2);
    batch_run(f, twins, 2);
    expect_requests(f, "default|app=a");
    r = mock_record(f->server, 0);
    assert_string_equal(r.uri, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"
                               "?labelSelector=app%3Da");
    assert_all_same_as_lone(twins, 2);
    members_clear(twins, 2);
}

/* Namespaces and keys never mix; the everything selector reads alone,
 * without a labelSelector. */
static void test_metrics_batch__namespaces_and_keys_apart(void **state)
{
    fixture *f = *state;
    member m[] = {
        M("default", "app=a", &cpu), M("other", "app=a", &cpu), M("default", "tier=web", &cpu),
        M("default", "app=b", &cpu), M("other", "app=b", &cpu), M("default", "", &cpu),
    };
    lone_reads(f, m, 6);
    batch_run(f, m, 6);
    expect_requests(f, "default|app in (a,b)", "other|app in (a,b)", "default|tier=web",
                    "default|");
    assert_got(&m[1].got, "a-9@9/30[app=999]");
    assert_got(&m[2].got, "b-1@3/30[app=100] d-1@5/30[app=2500] a-3@6/30[app=50]");
    assert_got(&m[4].got, "");
    assert_all_same_as_lone(m, 6);
    members_clear(m, 6);
}

/* Items without labels go to the members that list a pod of that name;
 * a pod two members list goes to both. */
static void test_metrics_batch__unlabelled_items_by_pod_name(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->state.pod_count; i++)
        f->state.pods[i].unlabelled = true;
    pod_set pa = PODS("a-1", "a-2", "a-3");
    pod_set pb = PODS("b-1", "gone-1");
    pod_set pcd = PODS("c-1", "d-1");
    pod_set pab = PODS("a-1", "a-2", "a-3", "b-1");
    member m[] = {
        MP("default", "app=a", &cpu, pa),
        MP("default", "app=b", &cpu, pb),
        MP("default", "app in (c,d)", &cpu, pcd),
        MP("default", "app in (a,b)", &memory, pab),
    };
    lone_reads(f, m, 4);
    batch_run(f, m, 4);
    expect_requests(f, "default|app in (a,b,c,d)");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_got(&m[1].got, "b-1@3/30[app=100]");
    assert_all_same_as_lone(m, 4);
    members_clear(m, 4);
}

/* Labelled and unlabelled items in one answer. */
static void test_metrics_batch__mixed_labelled_and_unlabelled(void **state)
{
    fixture *f = *state;
    pod_named(f, "a-2")->unlabelled = true;
    pod_named(f, "d-1")->unlabelled = true;
    pod_set pa = PODS("a-1", "a-2", "a-3");
    pod_set pcd = PODS("c-1", "d-1");
    member m[] = {
        MP("default", "app=a", &cpu, pa),
        M("default", "app=b", &cpu),
        MP("default", "app in (c,d)", &cpu, pcd),
    };
    lone_reads(f, m, 3);
    batch_run(f, m, 3);
    expect_requests(f, "default|app in (a,b,c,d)");
    assert_got(&m[2].got, "c-1@4/30[app=1000,side=-] d-1@5/30[app=2500]");
    assert_all_same_as_lone(m, 3);
    members_clear(m, 3);
}

/* An unlabelled item nobody lists (a pod newer than the member's cache):
 * every member reads alone, and gets what it reads alone (a-3 too). */
static void test_metrics_batch__unclaimed_item_falls_back(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->state.pod_count; i++)
        f->state.pods[i].unlabelled = true;
    pod_set pa = PODS("a-1", "a-2");
    pod_set pb = PODS("b-1");
    pod_set pcd = PODS("c-1", "d-1");
    member m[] = {
        MP("default", "app=a", &cpu, pa),
        MP("default", "app=b", &cpu, pb),
        MP("default", "app in (c,d)", &memory, pcd),
    };
    lone_reads(f, m, 3);
    batch_run(f, m, 3);
    expect_requests(f, "default|app in (a,b,c,d)", "default|app=a", "default|app=b",
                    "default|app in (c,d)");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_all_same_as_lone(m, 3);
    members_clear(m, 3);
}

/* The shared request answered 500: every member asks on its own; one of
 * those is refused, and that member gets the refusal it gets alone. */
static void test_metrics_batch__shared_error_falls_back(void **state)
{
    fixture *f = *state;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &cpu),
        M("default", "app in (c,d)", &memory),
    };
    add_rule(f, (rule){"app=b", 403, NULL, 0});
    lone_reads(f, m, 3);
    add_rule(f, (rule){"app in (a,b,c,d)", 500, NULL, 0});
    batch_run(f, m, 3);
    expect_requests(f, "default|app in (a,b,c,d)", "default|app=a", "default|app=b",
                    "default|app in (c,d)");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_true(m[1].got.has_error);
    assert_non_null(strstr(m[1].got.error, "unable to fetch metrics from resource metrics API"));
    assert_all_same_as_lone(m, 3);
    members_clear(m, 3);
}

/* Everything fails: each member gets the error of its own read. */
static void test_metrics_batch__all_errors_as_alone(void **state)
{
    fixture *f = *state;
    f->state.fail_all = true;
    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &memory)};
    lone_reads(f, m, 2);
    batch_run(f, m, 2);
    expect_requests(f, "default|app in (a,b)", "default|app=a", "default|app=b");
    for (size_t i = 0; i < 2; i++) {
        assert_true(m[i].got.has_error);
        assert_non_null(strstr(m[i].got.error, "metrics are on strike"));
    }
    assert_all_same_as_lone(m, 2);
    members_clear(m, 2);
}

/* An item whose usage does not decode: the members read alone; the one
 * that owns it gets its decode error, the others their values. */
static void test_metrics_batch__malformed_item_falls_back(void **state)
{
    fixture *f = *state;
    pod_named(f, "b-1")->containers = "[{\"name\":\"app\",\"usage\":{\"cpu\":\"bogus\"}}]";
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &cpu),
        M("default", "app=c", &memory),
    };
    lone_reads(f, m, 3);
    batch_run(f, m, 3);
    expect_requests(f, "default|app in (a,b,c)", "default|app=a", "default|app=b", "default|app=c");
    assert_false(m[0].got.has_error);
    assert_true(m[1].got.has_error);
    assert_non_null(strstr(m[1].got.error, "cpu"));
    assert_got(&m[2].got, "c-1@4/30[app=1073741824000,side=1048576000]");
    assert_all_same_as_lone(m, 3);
    members_clear(m, 3);
}

/* Labels that are not a map of strings cannot be matched: fall back. */
static void test_metrics_batch__bad_item_labels_fall_back(void **state)
{
    fixture *f = *state;
    pod_named(f, "a-2")->item_labels = "{\"app\":\"a\",\"rev\":7}";
    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &cpu)};
    lone_reads(f, m, 2);
    batch_run(f, m, 2);
    expect_requests(f, "default|app in (a,b)", "default|app=a", "default|app=b");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_all_same_as_lone(m, 2);
    members_clear(m, 2);
}

/* Shared answers that cannot be split: every member reads alone. */
static void test_metrics_batch__undecodable_shared_bodies_fall_back(void **state)
{
    fixture *f = *state;
    static const char *const bodies[] = {
        "{not json",
        "",
        "[]",
        "{\"kind\":\"PodMetricsList\",\"items\":{\"a\":1}}",
        "{\"kind\":\"PodMetricsList\",\"items\":[42]}",
        "{\"kind\":\"PodMetricsList\",\"items\":[{\"metadata\":{\"name\":\"a-1\","
        "\"labels\":{\"app\":\"a\"}},\"containers\":\"x\"}]}",
        "{\"kind\":\"PodMetricsList\",\"items\":[{\"metadata\":{\"labels\":{\"app\":\"b\"}},"
        "\"containers\":[]}]}",
        "{\"kind\":\"PodMetricsList\",\"items\":[{\"metadata\":{\"name\":\"z-1\"},"
        "\"containers\":[]}]}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        server_lock(f);
        f->state.rule_count = 0;
        server_unlock(f);
        f->done_count = 0;
        member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &memory)};
        lone_reads(f, m, 2);
        add_rule(f, (rule){"app in (a,b)", 200, bodies[i], 0});
        print_message("shared body %zu: %s\n", i, bodies[i]);
        batch_run(f, m, 2);
        expect_requests(f, "default|app in (a,b)", "default|app=a", "default|app=b");
        assert_false(m[0].got.has_error);
        assert_false(m[1].got.has_error);
        assert_all_same_as_lone(m, 2);
        members_clear(m, 2);
    }
}

/* Cpu, memory and a ContainerResource in one group: one request, each
 * member the values of its own resource. */
static void test_metrics_batch__mixed_resources_one_request(void **state)
{
    fixture *f = *state;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &memory),
        M("default", "app in (c,d)", &container_cpu),
        M("default", "app=a", &memory),
        M("default", "app=c", &container_memory),
    };
    lone_reads(f, m, 5);
    batch_run(f, m, 5);
    expect_requests(f, "default|app in (a,b,c,d)");
    assert_got(&m[0].got, "a-1@1/30[app=250,side=10] a-2@2/15[app=300] a-3@6/30[app=50]");
    assert_got(&m[1].got, "b-1@3/30[app=33554432000]");
    assert_got(&m[2].got, "c-1@4/30[app=1000,side=-] d-1@5/30[app=2500]");
    assert_got(&m[3].got, "a-1@1/30[app=67108864000,side=8388608000] "
                          "a-2@2/15[app=73400320000] a-3@6/30[app=16777216000]");
    assert_got(&m[4].got, "c-1@4/30[app=1073741824000,side=1048576000]");
    assert_all_same_as_lone(m, 5);
    members_clear(m, 5);
}

/* More members than one request may serve: 64, then the rest. */
static void test_metrics_batch__max_members(void **state)
{
    fixture *f = *state;
    enum { N = HPAC_METRICS_BATCH_MAX_MEMBERS + 1 };
    static char selectors[N][16];
    member *m = calloc(N, sizeof(*m));
    assert_non_null(m);
    for (size_t i = 0; i < N; i++) {
        snprintf(selectors[i], sizeof(selectors[i]), "app=v%zu", i);
        m[i] = (member)M("default", selectors[i], &cpu);
    }
    batch_run(f, m, N);
    /* The first 64 share "app in (...)" over their values, sorted as
     * strings; the last reads alone. */
    const char *values[N - 1];
    for (size_t i = 0; i + 1 < N; i++)
        values[i] = selectors[i] + strlen("app=");
    qsort(values, N - 1, sizeof(*values), compare_strings);
    char want_shared[1024] = "default|app in (";
    for (size_t i = 0; i + 1 < N; i++) {
        strcat(want_shared, values[i]);
        strcat(want_shared, i + 2 < N ? "," : ")");
    }
    char want_alone[32];
    snprintf(want_alone, sizeof(want_alone), "default|app=v%d", N - 1);
    expect_requests(f, want_shared, want_alone);
    for (size_t i = 0; i < N; i++) {
        assert_got(&m[i].got, "");
        got_clear(&m[i].got);
    }
    free(m);
}

/* Cancelled before the send: not asked for, no callback. Cancelled while
 * the shared request is in flight: no callback, its spec and pods may be
 * gone, the others get theirs. */
static void test_metrics_batch__cancel_queued_and_in_flight(void **state)
{
    fixture *f = *state;
    hpac_metric_spec *spec_b = calloc(1, sizeof(*spec_b));
    hpac_metric_spec *spec_c = calloc(1, sizeof(*spec_c));
    hpac_pod *pods_c = calloc(1, sizeof(*pods_c));
    assert_non_null(spec_b);
    assert_non_null(spec_c);
    assert_non_null(pods_c);
    *spec_b = cpu;
    *spec_c = cpu;
    pods_c->name = (char *)"c-1";
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", spec_b),
        MN("default", "app=c", spec_c, pods_c, 1),
        M("default", "app in (c,d)", &memory),
    };
    lone_reads(f, m, 4);
    add_rule(f, (rule){"app in (a,c,d)", 0, NULL, 1000});

    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    for (size_t i = 0; i < 4; i++)
        hpac_metrics_batch_join(b);
    for (size_t i = 0; i < 4; i++)
        fetch(b, f, &m[i]);
    hpac_metrics_batch_cancel(m[1].entry);
    free(spec_b);
    for (size_t i = 0; i < 4; i++)
        hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);

    int one = 1;
    assert_true(run_until(f, requests_reached, &one, RUN_TIMEOUT_S));
    assert_int_equal(f->done_count, 0);
    hpac_metrics_batch_cancel(m[2].entry);
    free(spec_c);
    free(pods_c);
    run_until_done(f, 2);
    run_for(f, 0.05);
    expect_requests(f, "default|app in (a,c,d)");
    assert_int_equal(m[1].got.calls, 0);
    assert_int_equal(m[2].got.calls, 0);
    assert_same(&m[0].got, &m[0].lone);
    assert_same(&m[3].got, &m[3].lone);
    assert_got(&m[3].got, "c-1@4/30[app=1073741824000,side=1048576000] d-1@5/30[app=134217728000]");
    members_clear(m, 4);
}

/* Cancelled while its own request (after a failed shared one) is in
 * flight. */
static void test_metrics_batch__cancel_during_fallback(void **state)
{
    fixture *f = *state;
    hpac_metric_spec *spec_b = calloc(1, sizeof(*spec_b));
    assert_non_null(spec_b);
    *spec_b = cpu;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", spec_b),
        M("default", "app=c", &cpu),
    };
    lone_reads(f, m, 3);
    add_rule(f, (rule){"app in (a,b,c)", 500, NULL, 0});
    add_rule(f, (rule){"app=b", 0, NULL, 2000});
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    for (size_t i = 0; i < 3; i++)
        hpac_metrics_batch_join(b);
    for (size_t i = 0; i < 3; i++)
        fetch(b, f, &m[i]);
    for (size_t i = 0; i < 3; i++)
        hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);
    run_until_done(f, 2);
    int four = 4;
    assert_true(run_until(f, requests_reached, &four, RUN_TIMEOUT_S));
    assert_int_equal(m[1].got.calls, 0);
    hpac_metrics_batch_cancel(m[1].entry);
    free(spec_b);
    run_for(f, 0.4);
    expect_requests(f, "default|app in (a,b,c)", "default|app=a", "default|app=b", "default|app=c");
    assert_int_equal(m[1].got.calls, 0);
    assert_same(&m[0].got, &m[0].lone);
    assert_same(&m[2].got, &m[2].lone);
    members_clear(m, 3);
}

/* A member's callback cancels a later member's read of the same answer
 * (and frees its spec): that read gets no callback. */
static member *hook_target;
static void cancel_target(got *g)
{
    hpac_metrics_batch_cancel(hook_target->entry);
    free((void *)hook_target->spec);
    hook_target->spec = NULL;
}

static void test_metrics_batch__cancel_from_a_callback(void **state)
{
    fixture *f = *state;
    hpac_metric_spec *spec_d = calloc(1, sizeof(*spec_d));
    assert_non_null(spec_d);
    *spec_d = memory;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &cpu),
        M("default", "app=d", spec_d),
        M("default", "app=c", &cpu),
    };
    lone_reads(f, m, 4);
    hook_target = &m[2];
    m[0].got.hook = cancel_target;
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    for (size_t i = 0; i < 4; i++) {
        hpac_metrics_batch_join(b);
        fetch(b, f, &m[i]);
        hpac_metrics_batch_leave(b);
    }
    hpac_metrics_batch_leave(b);
    run_until_done(f, 3);
    run_for(f, 0.05);
    expect_requests(f, "default|app in (a,b,c,d)");
    assert_int_equal(m[2].got.calls, 0);
    assert_same(&m[0].got, &m[0].lone);
    assert_same(&m[1].got, &m[1].lone);
    assert_same(&m[3].got, &m[3].lone);
    members_clear(m, 4);
}

/* A member that joined and never leaves: after HPAC_METRICS_BATCH_WAIT_MS
 * the others' reads go anyway, together. Reads queued after that go
 * without waiting again; the last member leaves from inside its own
 * callback. */
static hpac_metrics_batch *lingering_batch;
static void leave_lingering(got *g)
{
    hpac_metrics_batch_leave(lingering_batch);
}

static void test_metrics_batch__member_that_never_leaves(void **state)
{
    fixture *f = *state;
    member m[] = {
        M("default", "app=a", &cpu),
        M("default", "app=b", &cpu),
        M("default", "app=c", &cpu),
        M("default", "app=d", &memory),
    };
    lone_reads(f, m, 4);
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    lingering_batch = b;
    for (size_t i = 0; i < 3; i++) /* a, b, and the lingering one */
        hpac_metrics_batch_join(b);
    double t0 = mono_s();
    ev_now_update(f->loop);
    fetch(b, f, &m[0]);
    fetch(b, f, &m[1]);
    hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b); /* the creator */
    run_until_done(f, 2);
    expect_requests(f, "default|app in (a,b)");
    server_lock(f);
    double sent_after = f->state.at[0] - t0;
    server_unlock(f);
    assert_true(sent_after >= HPAC_METRICS_BATCH_WAIT_MS / 1000.0 - 1e-6);
    assert_same(&m[0].got, &m[0].lone);
    assert_same(&m[1].got, &m[1].lone);

    /* Late reads of the lingering member: sent together, then it leaves
     * from its callback. */
    reset_log(f);
    m[3].got.hook = leave_lingering;
    fetch(b, f, &m[2]);
    fetch(b, f, &m[3]);
    run_until_done(f, 4);
    run_for(f, 0.02);
    expect_requests(f, "default|app in (c,d)");
    assert_same(&m[2].got, &m[2].lone);
    assert_same(&m[3].got, &m[3].lone);
    members_clear(m, 4);
}

/* The creator leaves before its members queue anything: the reads still
 * wait for the members, then go together. */
static void test_metrics_batch__creator_leaves_first(void **state)
{
    fixture *f = *state;
    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &cpu)};
    lone_reads(f, m, 2);
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_leave(b);
    fetch(b, f, &m[0]);
    hpac_metrics_batch_leave(b);
    fetch(b, f, &m[1]);
    hpac_metrics_batch_leave(b);
    run_until_done(f, 2);
    expect_requests(f, "default|app in (a,b)");
    assert_all_same_as_lone(m, 2);
    members_clear(m, 2);
}

/* Nothing queued, or everything cancelled: no request, no callback, and
 * the batch goes away (the leak checkers see to that). */
static void test_metrics_batch__nothing_to_send(void **state)
{
    fixture *f = *state;
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);

    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &cpu)};
    b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_join(b);
    fetch(b, f, &m[0]);
    fetch(b, f, &m[1]);
    hpac_metrics_batch_cancel(m[0].entry);
    hpac_metrics_batch_cancel(m[1].entry);
    hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);
    hpac_metrics_batch_leave(b);
    run_for(f, 0.1);
    assert_int_equal(log_count(f), 0);
    assert_int_equal(m[0].got.calls, 0);
    assert_int_equal(m[1].got.calls, 0);
}

/* Teardown as the controller's (hpac_controller_free, after the shutdown
 * grace period): every reconcile is cancelled, which cancels its entries
 * and leaves the batch, then the client is freed and the loop destroyed
 * without running again. Nothing may be left behind; the leak checkers
 * (valgrind, ASan) tell. As of this writing both leak: a group whose
 * entries are all cancelled keeps its request (and the batch) until an
 * answer that never comes, and queued reads whose members have all left
 * wait for a timer that never fires. */
static void test_metrics_batch__teardown_with_shared_read_in_flight(void **state)
{
    fixture *f = *state;
    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &cpu)};
    add_rule(f, (rule){"app in (a,b)", 0, NULL, 1000});
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    for (size_t i = 0; i < 2; i++) {
        hpac_metrics_batch_join(b);
        fetch(b, f, &m[i]);
        hpac_metrics_batch_leave(b);
    }
    hpac_metrics_batch_leave(b);
    int one = 1;
    assert_true(run_until(f, requests_reached, &one, RUN_TIMEOUT_S));
    hpac_metrics_batch_cancel(m[0].entry);
    hpac_metrics_batch_cancel(m[1].entry);
    hpac_kube_free(f->kube);
    f->kube = NULL;
    assert_int_equal(m[0].got.calls, 0);
    assert_int_equal(m[1].got.calls, 0);
}

static void test_metrics_batch__teardown_with_reads_queued(void **state)
{
    fixture *f = *state;
    member m[] = {M("default", "app=a", &cpu), M("default", "app=b", &cpu)};
    hpac_metrics_batch *b = hpac_metrics_batch_new(f->kube);
    assert_non_null(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_join(b);
    hpac_metrics_batch_join(b); /* one that has not queued yet */
    fetch(b, f, &m[0]);
    fetch(b, f, &m[1]);
    hpac_metrics_batch_leave(b); /* the creator */
    for (size_t i = 0; i < 2; i++) {
        hpac_metrics_batch_cancel(m[i].entry);
        hpac_metrics_batch_leave(b);
    }
    hpac_metrics_batch_leave(b);
    hpac_kube_free(f->kube);
    f->kube = NULL;
    assert_int_equal(log_count(f), 0);
}

static void test_metrics_batch__accepts(void **state)
{
    hpac_metric_spec pods = {.type = HPAC_METRIC_PODS, .metric_name = "qps"};
    hpac_metric_spec no_name = {.type = HPAC_METRIC_RESOURCE};
    assert_true(hpac_metrics_batch_accepts(&cpu));
    assert_true(hpac_metrics_batch_accepts(&container_cpu));
    assert_false(hpac_metrics_batch_accepts(&pods));
    assert_false(hpac_metrics_batch_accepts(&no_name));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_metrics_batch__shares_one_request),
        T(test_metrics_batch__single_member_own_path),
        T(test_metrics_batch__namespaces_and_keys_apart),
        T(test_metrics_batch__unlabelled_items_by_pod_name),
        T(test_metrics_batch__mixed_labelled_and_unlabelled),
        T(test_metrics_batch__unclaimed_item_falls_back),
        T(test_metrics_batch__shared_error_falls_back),
        T(test_metrics_batch__all_errors_as_alone),
        T(test_metrics_batch__malformed_item_falls_back),
        T(test_metrics_batch__bad_item_labels_fall_back),
        T(test_metrics_batch__undecodable_shared_bodies_fall_back),
        T(test_metrics_batch__mixed_resources_one_request),
        T(test_metrics_batch__max_members),
        T(test_metrics_batch__cancel_queued_and_in_flight),
        T(test_metrics_batch__cancel_during_fallback),
        T(test_metrics_batch__cancel_from_a_callback),
        T(test_metrics_batch__member_that_never_leaves),
        T(test_metrics_batch__creator_leaves_first),
        T(test_metrics_batch__nothing_to_send),
        T(test_metrics_batch__teardown_with_shared_read_in_flight),
        T(test_metrics_batch__teardown_with_reads_queued),
        cmocka_unit_test(test_metrics_batch__accepts),
    };
    return cmocka_run_group_tests_name("metrics_batch", tests, NULL, NULL);
}
