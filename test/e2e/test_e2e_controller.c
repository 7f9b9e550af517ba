/* The long-running controller, through the real binary, against the
 * simulated API server: timing of the sync loop (a metric change, a new
 * HPA, a stabilization window), history that survives a restart, watches
 * that recover, leader election and sharding, /metrics and /healthz,
 * shutdown, memory over many periods, and HPAs started together reading
 * their pod metrics through one shared PodMetrics list.
 *
 * Times are measured on the monotonic clock from the moment the test
 * changes the cluster to the moment it sees the scale in the simulator;
 * every bound is the controller's own period or lease plus SLACK_MS for
 * a loaded machine (the suite also runs under ASan). */
#include "test_support.h"

#include "../obs/prom_check.h"
#include "controller/leader.h"
#include "e2e_support.h"
#include "sim/sim_state.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS "default"
#define PERIOD_MS 1000
#define PERIOD "1s"
#define SLACK_MS 1000
/* Leader election, short: lease 2s, renew deadline 1.5s, retry 0.3s. */
#define LEASE_MS 2000
#define RETRY_MS 300
#define LEASE_NS "kube-system"
#define HISTORY_ANNOTATION "hpac.io/history"
#define HPA_PREFIX "horizontal_pod_autoscaler_controller_"
#define MAX_CTLS 3
#define POLL_US 10000

/* ---- fixture: one simulator, up to MAX_CTLS controllers ------------- */

typedef struct ctl {
    e2e_proc proc;
    unsigned port; /* /metrics, /healthz, /readyz */
    char identity[32];
    char bind[32];
    char pod_env[64];
    bool started;
} ctl;

typedef struct fixture {
    hpac_sim_server *sim;
    unsigned sim_port;
    char *kubeconfig;
    ctl ctls[MAX_CTLS];
    char child_env[512]; /* one more NAME=value for the controllers, or "" */
    bool observe_lists;  /* record the PodMetrics lists the simulator serves */
} fixture;

/* The running test's fixture: the teardown ends what a failed test left. */
static fixture F;

/* ---- the PodMetrics lists the simulator was sent ---------------------- */

#define POD_METRICS_LIST_PATH "/apis/metrics.k8s.io/v1beta1/namespaces/" NS "/pods"
#define SEEN_LISTS_MAX 256

/* The labelSelector of every GET of POD_METRICS_LIST_PATH, in arrival
 * order ("" for none), filled on the simulator's threads. */
static struct {
    pthread_mutex_t lock;
    char *selectors[SEEN_LISTS_MAX];
    size_t count; /* may pass SEEN_LISTS_MAX: the rest are counted only */
} SEEN = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The simulator's on_request hook (hpac_sim_options). */
static void on_sim_request(void *ctx, const char *method, const char *path,
                           const char *label_selector)
{
    (void)ctx;
    if (strcmp(method, "GET") != 0 || strcmp(path, POD_METRICS_LIST_PATH) != 0)
        return;
    char *copy = strdup(label_selector ? label_selector : "");
    pthread_mutex_lock(&SEEN.lock);
    if (SEEN.count < SEEN_LISTS_MAX)
        SEEN.selectors[SEEN.count] = copy;
    else
        free(copy);
    SEEN.count++;
    pthread_mutex_unlock(&SEEN.lock);
}

/* The PodMetrics lists seen so far; each of the first min(count,
 * SEEN_LISTS_MAX) selectors is copied into `out` (caller frees each). */
static size_t seen_lists(char **out, size_t out_max)
{
    pthread_mutex_lock(&SEEN.lock);
    size_t count = SEEN.count;
    for (size_t i = 0; out && i < count && i < out_max && i < SEEN_LISTS_MAX; i++)
        out[i] = strdup(SEEN.selectors[i] ? SEEN.selectors[i] : "(out of memory)");
    pthread_mutex_unlock(&SEEN.lock);
    return count;
}

static void seen_lists_clear(void)
{
    pthread_mutex_lock(&SEEN.lock);
    for (size_t i = 0; i < SEEN.count && i < SEEN_LISTS_MAX; i++) {
        free(SEEN.selectors[i]);
        SEEN.selectors[i] = NULL;
    }
    SEEN.count = 0;
    pthread_mutex_unlock(&SEEN.lock);
}

static hpac_sim_state *state(void)
{
    return hpac_sim_state_of(F.sim);
}

/* Prints the end of every controller's log (a failing test's evidence). */
static void dump_logs(void)
{
    for (int i = 0; i < MAX_CTLS; i++) {
        ctl *c = &F.ctls[i];
        if (!c->started)
            continue;
        char *log = e2e_proc_log(&c->proc);
        size_t len = log ? strlen(log) : 0;
        const char *tail = len > 12000 ? log + len - 12000 : log;
        /* Straight to stderr: cmocka's print_error cuts at 1 KiB. */
        fprintf(stderr, "---- log of %s ----\n%s\n", c->identity, tail ? tail : "");
        fflush(stderr);
        free(log);
    }
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dump_logs();
    fail_msg("%s", msg);
}

static int teardown(void **st)
{
    (void)st;
    /* E2E_LOGS=1 shows every controller's log, for debugging. */
    const char *show = getenv("E2E_LOGS");
    if (show && *show)
        dump_logs();
    for (int i = 0; i < MAX_CTLS; i++) {
        if (F.ctls[i].started)
            e2e_proc_cleanup(&F.ctls[i].proc);
    }
    hpac_sim_stop(F.sim);
    seen_lists_clear(); /* after the stop: no server thread records any more */
    e2e_remove_kubeconfig(F.kubeconfig);
    memset(&F, 0, sizeof(F));
    return 0;
}

/* Starts the simulator on `port` (0: any) serving `objects` (stolen). */
static void sim_start(json_t *objects, unsigned port)
{
    char err[512];
    hpac_sim_options opts = {.port = (uint16_t)port,
                             .token = E2E_TOKEN,
                             .on_request = F.observe_lists ? on_sim_request : NULL};
    F.sim = hpac_sim_start(objects, &opts, err, sizeof(err));
    json_decref(objects);
    if (!F.sim)
        die("simulator: %s", err);
    F.sim_port = hpac_sim_port(F.sim);
    if (!F.kubeconfig)
        F.kubeconfig = e2e_write_kubeconfig(F.sim_port, E2E_TOKEN);
    assert_non_null(F.kubeconfig);
}

/* Starts controller `slot` as `identity` with a sync period and extra
 * flags (NULL-terminated, may be NULL); returns once /healthz answers. */
static ctl *ctl_start(int slot, const char *identity, const char *period, const char *const *extra)
{
    ctl *c = &F.ctls[slot];
    memset(c, 0, sizeof(*c));
    c->port = e2e_free_port();
    assert_true(c->port > 0);
    snprintf(c->identity, sizeof(c->identity), "%s", identity);
    snprintf(c->bind, sizeof(c->bind), "127.0.0.1:%u", c->port);
    snprintf(c->pod_env, sizeof(c->pod_env), "POD_NAME=%s", identity);
    const char *args[48];
    size_t n = 0;
    args[n++] = "--kubeconfig";
    args[n++] = F.kubeconfig;
    args[n++] = "--hpa-api=autoscaling/v2";
    args[n++] = "--horizontal-pod-autoscaler-sync-period";
    args[n++] = period;
    args[n++] = "--metrics-bind-address";
    args[n++] = c->bind;
    args[n++] = "--request-timeout=2s";
    args[n++] = "--v=2";
    for (size_t i = 0; extra && extra[i] && n < sizeof(args) / sizeof(args[0]) - 1; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    const char *env[] = {c->pod_env, F.child_env[0] ? F.child_env : NULL, NULL};
    if (e2e_proc_start(&c->proc, args, env))
        die("cannot start %s", HPAC_BINARY);
    c->started = true;
    int64_t start = e2e_now_ms();
    while (e2e_http_get(c->port, "/healthz", NULL) != 200) {
        if (!e2e_proc_alive(&c->proc))
            die("%s exited with %d before serving /healthz", identity, c->proc.status);
        if (e2e_now_ms() - start > 10000)
            die("%s: /healthz did not answer within 10s", identity);
        usleep(POLL_US);
    }
    return c;
}

/* SIGTERM; asserts a clean exit (status 0) within `within_ms`. */
static void ctl_stop(ctl *c, int64_t within_ms)
{
    int64_t took = 0;
    int status = e2e_proc_stop(&c->proc, 10000, &took);
    if (status != 0)
        die("%s exited with %d after SIGTERM", c->identity, status);
    if (took > within_ms)
        die("%s took %lldms to exit after SIGTERM (bound %lldms)", c->identity, (long long)took,
            (long long)within_ms);
}

static char *ctl_log(const ctl *c)
{
    char *log = e2e_proc_log(&c->proc);
    assert_non_null(log);
    return log;
}

/* ---- the cluster: apps of one Deployment, its pods and an HPA -------- */

/* An app: Deployment `name` (`replicas`), as many pods (app=<name>, one
 * container requesting 1 CPU, Ready for an hour) using `usage_m`
 * millicores each, and an HPA keeping CPU at 50% between 1 and 10
 * replicas, with `behavior` (JSON text, may be NULL). Returns
 * {"hpa", "target", "pods", "podMetrics"} (new reference). */
static json_t *app_parts(const char *name, int replicas, int usage_m, const char *behavior)
{
    char usage[32], selector[128];
    snprintf(usage, sizeof(usage), "%dm", usage_m);
    snprintf(selector, sizeof(selector), "app=%s", name);
    json_t *hpa = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}, s:i, s:i, s:[{s:s, s:{s:s, s:{s:s, "
        "s:i}}}]}}",
        "apiVersion", "autoscaling/v2", "kind", "HorizontalPodAutoscaler", "metadata", "name", name,
        "namespace", NS, "spec", "scaleTargetRef", "apiVersion", "apps/v1", "kind", "Deployment",
        "name", name, "minReplicas", 1, "maxReplicas", 10, "metrics", "type", "Resource",
        "resource", "name", "cpu", "target", "type", "Utilization", "averageUtilization", 50);
    assert_non_null(hpa);
    if (behavior) {
        json_t *b = json_loads(behavior, 0, NULL);
        assert_non_null(b);
        json_object_set_new(json_object_get(hpa, "spec"), "behavior", b);
    }
    json_t *target = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i, s:s}}", "apiVersion",
                               "apps/v1", "kind", "Deployment", "resource", "deployments",
                               "metadata", "name", name, "namespace", NS, "spec", "replicas",
                               replicas, "status", "replicas", replicas, "selector", selector);
    json_t *pods = json_array(), *metrics = json_array();
    for (int i = 0; i < replicas; i++) {
        char pod[128];
        snprintf(pod, sizeof(pod), "%s-%d", name, i);
        json_array_append_new(
            pods, json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:[{s:s, s:s, s:{s:{s:s}}}]}, "
                            "s:{s:s, s:s, s:[{s:s, s:s, s:s}]}}",
                            "apiVersion", "v1", "kind", "Pod", "metadata", "name", pod, "namespace",
                            NS, "labels", "app", name, "spec", "containers", "name", "app", "image",
                            "app", "resources", "requests", "cpu", "1000m", "status", "phase",
                            "Running", "startTime", "@now-1h", "conditions", "type", "Ready",
                            "status", "True", "lastTransitionTime", "@now-1h"));
        json_array_append_new(
            metrics,
            json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:s, s:[{s:s, s:{s:s}}]}",
                      "apiVersion", "metrics.k8s.io/v1beta1", "kind", "PodMetrics", "metadata",
                      "name", pod, "namespace", NS, "labels", "app", name, "timestamp", "@now",
                      "window", "30s", "containers", "name", "app", "usage", "cpu", usage));
    }
    json_t *parts = json_pack("{s:o, s:o, s:o, s:o}", "hpa", hpa, "target", target, "pods", pods,
                              "podMetrics", metrics);
    assert_non_null(parts);
    return parts;
}

static json_t *objects_new(void)
{
    return json_pack("{s:[], s:[], s:[], s:[]}", "hpas", "targets", "pods", "podMetrics");
}

/* Adds an app to a case's objects (before the simulator starts). */
static void objects_add_app(json_t *objects, const char *name, int replicas, int usage_m,
                            const char *behavior)
{
    json_t *parts = app_parts(name, replicas, usage_m, behavior);
    json_array_append(json_object_get(objects, "hpas"), json_object_get(parts, "hpa"));
    json_array_append(json_object_get(objects, "targets"), json_object_get(parts, "target"));
    json_array_extend(json_object_get(objects, "pods"), json_object_get(parts, "pods"));
    json_array_extend(json_object_get(objects, "podMetrics"), json_object_get(parts, "podMetrics"));
    json_decref(parts);
}

static void put(const char *kind, const json_t *obj)
{
    char err[256];
    if (hpac_sim_put_object(state(), kind, obj, err, sizeof(err)))
        die("put %s: %s", kind, err);
}

/* Adds an app to the running cluster: everything but the HPA, then the
 * HPA when `with_hpa`. */
static void put_app(const char *name, int replicas, int usage_m, bool with_hpa)
{
    json_t *parts = app_parts(name, replicas, usage_m, NULL);
    size_t i;
    json_t *o;
    put(HPAC_SIM_KIND_TARGET, json_object_get(parts, "target"));
    json_array_foreach(json_object_get(parts, "pods"), i, o) put(HPAC_SIM_KIND_POD, o);
    json_array_foreach(json_object_get(parts, "podMetrics"), i, o)
        put(HPAC_SIM_KIND_POD_METRICS, o);
    if (with_hpa)
        put(HPAC_SIM_KIND_HPA, json_object_get(parts, "hpa"));
    json_decref(parts);
}

static void set_usage(const char *name, int pods, int usage_m)
{
    char usage[32], pod[128];
    snprintf(usage, sizeof(usage), "%dm", usage_m);
    for (int i = 0; i < pods; i++) {
        snprintf(pod, sizeof(pod), "%.100s-%d", name, i);
        if (hpac_sim_set_pod_usage(state(), NS, pod, NULL, "cpu", usage))
            die("cannot set the usage of %s", pod);
    }
}

/* The target's spec.replicas, -1 when there is none. */
static int replicas_of(const char *name)
{
    json_t *t = hpac_sim_get(F.sim, HPAC_SIM_KIND_TARGET, NS, name);
    json_t *r = json_object_get(json_object_get(t, "spec"), "replicas");
    int replicas = json_is_integer(r) ? (int)json_integer_value(r) : -1;
    json_decref(t);
    return replicas;
}

/* Polls until the replicas of `name` are no longer `from`; returns the
 * milliseconds since `since_ms` and the new count in *to, or -1 when
 * `timeout_ms` (from since_ms) passes first. */
static int64_t wait_replicas_change(const char *name, int from, int64_t since_ms,
                                    int64_t timeout_ms, int *to)
{
    for (;;) {
        int now = replicas_of(name);
        int64_t elapsed = e2e_now_ms() - since_ms;
        if (now != from) {
            *to = now;
            return elapsed;
        }
        if (elapsed > timeout_ms)
            return -1;
        usleep(POLL_US / 2);
    }
}

/* Scale writes to the target `name` answered 200, in the simulator's log. */
static size_t scale_writes(const char *name)
{
    char suffix[256];
    snprintf(suffix, sizeof(suffix), "/deployments/%s/scale", name);
    json_t *writes = hpac_sim_writes(F.sim);
    size_t count = 0, i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        size_t plen = path ? strlen(path) : 0, slen = strlen(suffix);
        if (plen >= slen && !strcmp(path + plen - slen, suffix) &&
            json_integer_value(json_object_get(w, "code")) == 200)
            count++;
    }
    json_decref(writes);
    return count;
}

/* Whether the controller has written a status (conditions) for the HPA. */
static bool status_written(const char *name)
{
    json_t *h = hpac_sim_get(F.sim, HPAC_SIM_KIND_HPA, NS, name);
    bool written = json_array_size(json_object_get(json_object_get(h, "status"), "conditions")) > 0;
    json_decref(h);
    return written;
}

static void wait_status(const char *name, int64_t timeout_ms)
{
    int64_t start = e2e_now_ms();
    while (!status_written(name)) {
        if (e2e_now_ms() - start > timeout_ms)
            die("no status written for %s within %lldms", name, (long long)timeout_ms);
        usleep(POLL_US);
    }
}

/* The HPA's persisted history annotation (caller frees), NULL if none. */
static char *history_of(const char *name)
{
    json_t *h = hpac_sim_get(F.sim, HPAC_SIM_KIND_HPA, NS, name);
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(h, "metadata"), "annotations"), HISTORY_ANNOTATION));
    char *copy = text ? strdup(text) : NULL;
    json_decref(h);
    return copy;
}

/* The lease's holderIdentity (caller frees); NULL when there is no lease,
 * "" when it is free. */
static char *lease_holder(const char *lease)
{
    json_t *l = hpac_sim_get(F.sim, HPAC_SIM_KIND_LEASE, LEASE_NS, lease);
    if (!l)
        return NULL;
    const char *h =
        json_string_value(json_object_get(json_object_get(l, "spec"), "holderIdentity"));
    char *copy = strdup(h ? h : "");
    json_decref(l);
    return copy;
}

/* ---- /metrics -------------------------------------------------------- */

/* Scrapes and parses /metrics; fails the test when it is not valid
 * Prometheus text. The caller frees with prom_doc_free. */
static void scrape(const ctl *c, prom_doc *doc)
{
    char *body = NULL;
    long code = e2e_http_get(c->port, "/metrics", &body);
    if (code != 200 || !body)
        die("%s: GET /metrics answered %ld", c->identity, code);
    if (prom_parse(body, strlen(body), doc)) {
        print_error("%s\n", body);
        char error[sizeof(doc->error)];
        snprintf(error, sizeof(error), "%s", doc->error);
        prom_doc_free(doc);
        free(body);
        die("%s: /metrics is not Prometheus text: %s", c->identity, error);
    }
    free(body);
}

/* Sum of the samples of `name` whose label `label` is `value` (label NULL:
 * all samples); -1 when there is no such sample. */
static double sum_of(const prom_doc *doc, const char *name, const char *label, const char *value)
{
    double sum = -1;
    for (size_t i = 0; i < doc->sample_count; i++) {
        const prom_sample *s = &doc->samples[i];
        if (strcmp(s->name, name) != 0)
            continue;
        const char *v = label ? prom_label_value(s, label) : NULL;
        if (label && (!v || strcmp(v, value) != 0))
            continue;
        sum = (sum < 0 ? 0 : sum) + s->value;
    }
    return sum;
}

static double metric(const ctl *c, const char *name, const char *label, const char *value)
{
    prom_doc doc;
    scrape(c, &doc);
    double v = sum_of(&doc, name, label, value);
    prom_doc_free(&doc);
    return v;
}

/* Whether the controller exports desired_replicas for HPA default/name. */
static bool has_desired_series(const ctl *c, const char *name)
{
    char labels[256];
    snprintf(labels, sizeof(labels), "namespace=\"%s\",hpa_name=\"%s\"", NS, name);
    prom_doc doc;
    scrape(c, &doc);
    bool found = prom_find(&doc, HPA_PREFIX "desired_replicas", labels) != NULL;
    prom_doc_free(&doc);
    return found;
}

/* Whether some line of `log` holds both `a` and `b`. */
static bool line_with(const char *log, const char *a, const char *b)
{
    bool found = false;
    char *copy = strdup(log);
    char *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !found;
         line = strtok_r(NULL, "\n", &save))
        found = strstr(line, a) && strstr(line, b);
    free(copy);
    return found;
}

/* "Successfully rescaled HPA=\"default/<name>\"" lines in `log`. */
static size_t rescales_in(const char *log, const char *name)
{
    char needle[256];
    snprintf(needle, sizeof(needle), "Successfully rescaled HPA=\"%s/%s\"", NS, name);
    return e2e_count(log, needle);
}

/* Waits (up to timeout_ms) until the log of `c`, past its first `offset`
 * bytes, holds `count` rescales of `name`: the controller logs a rescale
 * once the API server has answered, a moment after the simulator shows
 * it. Returns the number found. */
static size_t wait_rescales(const ctl *c, size_t offset, const char *name, size_t count,
                            int64_t timeout_ms)
{
    int64_t start = e2e_now_ms();
    for (;;) {
        char *log = ctl_log(c);
        size_t n = strlen(log) >= offset ? rescales_in(log + offset, name) : 0;
        free(log);
        if (n >= count || e2e_now_ms() - start > timeout_ms)
            return n;
        usleep(POLL_US);
    }
}

static const char *const LEADER_FLAGS[] = {
    "--leader-elect=true", "--leader-elect-lease-duration=2s",
    "--leader-elect-renew-deadline=1500ms", "--leader-elect-retry-period=300ms", NULL};
static const char *const NO_LEADER_FLAGS[] = {"--leader-elect=false", NULL};

/* ---- 1. a metric change scales within one period --------------------- */

static void test_e2e_controller__metric_change_scales_within_a_period(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL); /* 50%: at target */
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, NO_LEADER_FLAGS);
    wait_status("web", 5000);
    /* A few quiet periods: at target, nothing to do. */
    usleep(1500 * 1000);
    assert_int_equal(replicas_of("web"), 3);
    assert_int_equal(scale_writes("web"), 0);

    int64_t t0 = e2e_now_ms();
    set_usage("web", 3, 1000); /* 100% of a 50% target: 3 -> 6 */
    int to = 0;
    int64_t took = wait_replicas_change("web", 3, t0, PERIOD_MS + SLACK_MS, &to);
    if (took < 0)
        die("no scale within a period (%dms) + %dms after the usage doubled", PERIOD_MS, SLACK_MS);
    print_message("metric change -> scale: %lldms (period %dms)\n", (long long)took, PERIOD_MS);
    assert_int_equal(to, 6);
    /* Stable afterwards: one scale write, one log line. */
    usleep(2 * PERIOD_MS * 1000);
    assert_int_equal(replicas_of("web"), 6);
    assert_int_equal(scale_writes("web"), 1);
    char *log = ctl_log(c);
    assert_int_equal(rescales_in(log, "web"), 1);
    free(log);
    ctl_stop(c, 3000);
}

/* ---- 2. a new HPA (and a spec change) is acted on at once ------------ */

static void test_e2e_controller__new_hpa_acted_on_at_once(void **st)
{
    (void)st;
    const int64_t at_once_ms = 1500 + SLACK_MS; /* against a 30 s period */
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", "30s", NO_LEADER_FLAGS);
    int64_t start = e2e_now_ms();
    while (e2e_http_get(c->port, "/readyz", NULL) != 200) {
        if (e2e_now_ms() - start > 5000)
            die("/readyz not 200 within 5s");
        usleep(POLL_US);
    }
    /* The pods first, so that the pod cache has them when the HPA comes. */
    put_app("burst", 2, 1000, false);
    usleep(500 * 1000);
    int64_t t0 = e2e_now_ms();
    json_t *parts = app_parts("burst", 2, 1000, NULL);
    put(HPAC_SIM_KIND_HPA, json_object_get(parts, "hpa"));
    json_decref(parts);
    int to = 0;
    int64_t took = wait_replicas_change("burst", 2, t0, at_once_ms, &to);
    if (took < 0)
        die("a new HPA was not acted on within %lldms (period 30s)", (long long)at_once_ms);
    print_message("new HPA -> scale: %lldms (period 30s)\n", (long long)took);
    assert_int_equal(to, 4);

    /* A spec change (generation 2) is acted on at once too: minReplicas 5. */
    json_t *hpa = hpac_sim_get(F.sim, HPAC_SIM_KIND_HPA, NS, "web");
    assert_non_null(hpa);
    json_t *meta = json_object_get(hpa, "metadata");
    json_object_set_new(meta, "generation",
                        json_integer(json_integer_value(json_object_get(meta, "generation")) + 1));
    json_object_set_new(json_object_get(hpa, "spec"), "minReplicas", json_integer(5));
    t0 = e2e_now_ms();
    put(HPAC_SIM_KIND_HPA, hpa);
    json_decref(hpa);
    took = wait_replicas_change("web", 3, t0, at_once_ms, &to);
    if (took < 0)
        die("a spec change was not acted on within %lldms (period 30s)", (long long)at_once_ms);
    print_message("spec change -> scale: %lldms\n", (long long)took);
    assert_int_equal(to, 5);
    ctl_stop(c, 3000);
}

/* ---- 3. scale-down waits out the stabilization window --------------- */

#define WINDOW_MS 5000
#define WINDOW_BEHAVIOR "{\"scaleDown\": {\"stabilizationWindowSeconds\": 5}}"

/* An app "web" at 4 replicas and 50%, its window WINDOW_MS, reconciled
 * for a while by controller 0 so that its history holds recommendations
 * of 4; returns that controller. */
static ctl *start_window_case(void)
{
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 4, 500, WINDOW_BEHAVIOR);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, NO_LEADER_FLAGS);
    wait_status("web", 5000);
    usleep((PERIOD_MS + 300) * 1000);
    assert_int_equal(replicas_of("web"), 4);
    return c;
}

/* The scale-down to 2 after the usage halved at t0: not before the
 * window (less the period: the last recommendation of 4 may be up to a
 * period older than t0), and within `latest_ms`. Returns when it came. */
static int64_t expect_window_kept(int64_t t0, int64_t latest_ms)
{
    const int64_t earliest = WINDOW_MS - PERIOD_MS - 100;
    int to = 0;
    int64_t took = wait_replicas_change("web", 4, t0, latest_ms, &to);
    if (took < 0)
        die("no scale-down within %lldms (window %dms, period %dms)", (long long)latest_ms,
            WINDOW_MS, PERIOD_MS);
    print_message("scale-down after %lldms (window %dms, period %dms)\n", (long long)took,
                  WINDOW_MS, PERIOD_MS);
    if (took < earliest)
        die("scaled down to %d after %lldms: before the %dms window (earliest %lldms)", to,
            (long long)took, WINDOW_MS, (long long)earliest);
    assert_int_equal(to, 2);
    assert_int_equal(scale_writes("web"), 1);
    return took;
}

static void test_e2e_controller__scale_down_waits_out_the_window(void **st)
{
    (void)st;
    ctl *c = start_window_case();
    int64_t t0 = e2e_now_ms();
    set_usage("web", 4, 250); /* 25%: 4 -> 2, once the window allows */
    expect_window_kept(t0, WINDOW_MS + 2 * PERIOD_MS + SLACK_MS);
    ctl_stop(c, 3000);
}

/* ---- 4. the window survives a restart: history is persisted ---------- */

/* How far into the window the controller is restarted. */
#define RESTART_AT_MS 3000

static void test_e2e_controller__restart_keeps_the_window(void **st)
{
    (void)st;
    ctl *c = start_window_case();
    char *before = history_of("web");
    int64_t t0 = e2e_now_ms();
    set_usage("web", 4, 250);
    /* The low recommendation changes the status; with it the history is
     * written to the HPA. Wait for that, then restart mid-window. */
    char *after = NULL;
    for (;;) {
        free(after);
        after = history_of("web");
        if (after && (!before || strcmp(before, after) != 0))
            break;
        if (e2e_now_ms() - t0 > 2 * PERIOD_MS + SLACK_MS) {
            free(before);
            free(after);
            die("the history annotation %s did not change after the usage fell",
                HISTORY_ANNOTATION);
        }
        usleep(POLL_US);
    }
    assert_true(strlen(after) > 0);
    free(before);
    free(after);
    int64_t wait = RESTART_AT_MS - (e2e_now_ms() - t0);
    if (wait > 0)
        usleep((useconds_t)wait * 1000);
    ctl_stop(c, 3000);
    assert_int_equal(replicas_of("web"), 4);
    int64_t restarted = e2e_now_ms() - t0;
    ctl *c2 = ctl_start(1, "ctl-b", PERIOD, NO_LEADER_FLAGS);
    print_message("restarted %lldms into the %dms window\n", (long long)restarted, WINDOW_MS);
    /* As upstream does, a controller that knows nothing of an HPA starts
     * its window at its first reconcile (recommendation: the current
     * replicas), so a new controller without the old one's history could
     * not scale down before restarted + window. With it, the window ends
     * when it would have without the restart: within a period of
     * t0 + window. */
    int64_t latest = WINDOW_MS + PERIOD_MS + SLACK_MS;
    assert_true(latest < restarted + WINDOW_MS); /* the test tells the two apart */
    expect_window_kept(t0, latest);
    char *log = ctl_log(c2);
    if (!strstr(log, "HPA=\"default/web\": history restored")) {
        free(log);
        die("the new controller did not restore the history of default/web");
    }
    free(log);
    char *final = history_of("web");
    assert_non_null(final);
    free(final);
    ctl_stop(c2, 3000);
}

/* ---- 5. watches cut (API server restart) and answered 410 recover --- */

/* Objects for a restarted API server: the same cluster, resource versions
 * ahead of the old server's, as etcd's would be. */
static json_t *restart_objects(void)
{
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    const char *kinds[] = {"hpas", "targets", "pods", "podMetrics"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(objects, kinds[k]), i, o) json_object_set_new(
            json_object_get(o, "metadata"), "resourceVersion", json_string("1000000"));
    }
    return objects;
}

static void test_e2e_controller__watch_cut_and_410_recover(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, NO_LEADER_FLAGS);
    wait_status("web", 5000);
    double pods_before = metric(c, "hpac_watch_restarts_total", "resource", "pods");
    double hpas_before =
        metric(c, "hpac_watch_restarts_total", "resource", "horizontalpodautoscalers");

    /* The API server goes away: every watch is cut. */
    unsigned port = F.sim_port;
    hpac_sim_stop(F.sim);
    F.sim = NULL;
    usleep(500 * 1000);
    /* It comes back answering every list and watch with 410 Gone until
     * the controller has seen one for each resource. */
    sim_start(restart_objects(), port);
    hpac_sim_inject(F.sim, "GET", "/api/v1/pods", 410, NULL, 0);
    hpac_sim_inject(F.sim, "GET", "/apis/autoscaling/v2/horizontalpodautoscalers", 410, NULL, 0);
    int64_t start = e2e_now_ms();
    for (;;) {
        char *log = ctl_log(c);
        bool pods = line_with(log, "pod watch restarted", "410");
        bool hpas = line_with(log, "HPA watch restarted", "410");
        free(log);
        if (pods && hpas)
            break;
        if (e2e_now_ms() - start > 10000)
            die("the controller did not meet the 410 answers within 10s");
        usleep(50 * 1000);
    }
    hpac_sim_clear_injections(F.sim);

    /* Recovered: a new HPA (watch of HPAs) over new pods (watch of pods)
     * is acted on, within the informers' backoff (0.8s doubling, jitter
     * up to as much again: a few seconds here). */
    int64_t t0 = e2e_now_ms();
    put_app("late", 2, 1000, false);
    usleep(300 * 1000);
    json_t *parts = app_parts("late", 2, 1000, NULL);
    put(HPAC_SIM_KIND_HPA, json_object_get(parts, "hpa"));
    json_decref(parts);
    int to = 0;
    int64_t took = wait_replicas_change("late", 2, t0, 15000, &to);
    if (took < 0)
        die("an HPA created after the 410s was not acted on within 15s");
    print_message("after the cut and the 410s, a new HPA scaled in %lldms\n", (long long)took);
    assert_int_equal(to, 4);
    /* And a metric change on the old one still scales within a period. */
    t0 = e2e_now_ms();
    set_usage("web", 3, 1000);
    took = wait_replicas_change("web", 3, t0, PERIOD_MS + SLACK_MS, &to);
    if (took < 0)
        die("no scale within a period after the watches recovered");
    assert_int_equal(to, 6);
    double pods_after = metric(c, "hpac_watch_restarts_total", "resource", "pods");
    double hpas_after =
        metric(c, "hpac_watch_restarts_total", "resource", "horizontalpodautoscalers");
    print_message("hpac_watch_restarts_total: pods %.0f -> %.0f, hpas %.0f -> %.0f\n", pods_before,
                  pods_after, hpas_before, hpas_after);
    assert_true(pods_after >= (pods_before < 0 ? 0 : pods_before) + 2);
    assert_true(hpas_after >= (hpas_before < 0 ? 0 : hpas_before) + 2);
    ctl_stop(c, 3000);
}

/* ---- 6. two controllers with leader election never both write -------- */

/* Every event posted carries the identity of its writer (source.host):
 * asserts that all posted after the first `skip` come from `who`. Returns
 * the number of events posted. */
static size_t events_from(const char *who, size_t skip)
{
    json_t *writes = hpac_sim_writes(F.sim);
    size_t i, n = 0;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        const char *verb = json_string_value(json_object_get(w, "verb"));
        if (!path || !verb || strcmp(verb, "POST") != 0 || !strstr(path, "/events"))
            continue;
        if (n++ < skip)
            continue;
        const char *host = json_string_value(
            json_object_get(json_object_get(json_object_get(w, "body"), "source"), "host"));
        if (!host || strcmp(host, who) != 0) {
            json_decref(writes);
            die("an event was posted by %s while %s was leading", host ? host : "(nobody)", who);
        }
    }
    json_decref(writes);
    return n;
}

/* At most 4 pods more per minute: 3 -> 6, then 6 -> 7 (not 9) within the
 * minute, if the scale event of the first is remembered. */
#define SCALE_UP_BEHAVIOR                                                                          \
    "{\"scaleUp\": {\"stabilizationWindowSeconds\": 0, \"selectPolicy\": \"Max\", "                \
    "\"policies\": [{\"type\": \"Pods\", \"value\": 4, \"periodSeconds\": 60}]}}"

/* Polls /readyz until it answers 200; returns the body (caller frees). */
static char *wait_ready(const ctl *c, int64_t timeout_ms)
{
    int64_t start = e2e_now_ms();
    for (;;) {
        char *body = NULL;
        int code = e2e_http_get(c->port, "/readyz", &body);
        if (code == 200 && body)
            return body;
        if (e2e_now_ms() - start > timeout_ms)
            die("%s: /readyz still answers %d \"%s\" after %lldms", c->identity, code,
                body ? body : "", (long long)timeout_ms);
        free(body);
        usleep(POLL_US);
    }
}

static void test_e2e_controller__leader_election_one_writer(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, SCALE_UP_BEHAVIOR);
    sim_start(objects, 0);
    ctl *a = ctl_start(0, "ctl-a", PERIOD, LEADER_FLAGS);
    ctl *b = ctl_start(1, "ctl-b", PERIOD, LEADER_FLAGS);
    char *holder = NULL;
    int64_t start = e2e_now_ms();
    while (!holder || !holder[0]) {
        free(holder);
        holder = lease_holder("hpac");
        if (e2e_now_ms() - start > 3 * LEASE_MS + SLACK_MS)
            die("nobody took the lease");
        usleep(POLL_US);
    }
    ctl *leader = !strcmp(holder, a->identity) ? a : b;
    ctl *standby = leader == a ? b : a;
    if (strcmp(holder, leader->identity) != 0)
        die("the lease names %s, neither replica", holder);
    free(holder);
    wait_status("web", 5000);
    /* /readyz says which is which, once each has synced its caches. */
    char *body = wait_ready(leader, 5000);
    if (!strstr(body, "leading"))
        die("the leader's /readyz says \"%s\"", body);
    free(body);
    body = wait_ready(standby, 5000);
    if (!strstr(body, "standby"))
        die("the standby's /readyz says \"%s\"", body);
    free(body);

    int64_t t0 = e2e_now_ms();
    set_usage("web", 3, 1000);
    int to = 0;
    if (wait_replicas_change("web", 3, t0, PERIOD_MS + SLACK_MS, &to) < 0)
        die("the leader did not scale within a period");
    assert_int_equal(to, 6);
    usleep(PERIOD_MS * 1000);
    /* Only the leader reconciled and wrote. */
    char *leader_log = ctl_log(leader), *standby_log = ctl_log(standby);
    assert_int_equal(rescales_in(leader_log, "web"), 1);
    if (rescales_in(standby_log, "web") || strstr(standby_log, "Rescaling"))
        die("the standby %s rescaled", standby->identity);
    free(leader_log);
    free(standby_log);
    double standby_reconciles = metric(standby, HPA_PREFIX "reconciliations_total", NULL, NULL);
    if (standby_reconciles > 0)
        die("the standby reconciled %.0f times", standby_reconciles);
    assert_true(metric(leader, HPA_PREFIX "reconciliations_total", NULL, NULL) >= 2);
    size_t events = events_from(leader->identity, 0);
    assert_true(events >= 1); /* SuccessfulRescale */

    /* The leader dies without releasing: the standby takes over once the
     * lease has run out unrenewed, checked every retry period. */
    const char *survivor_name = standby->identity;
    e2e_proc_kill(&leader->proc);
    int64_t killed = e2e_now_ms();
    events = events_from(leader->identity, 0);
    const int64_t takeover_bound = LEASE_MS + 2 * RETRY_MS + SLACK_MS;
    for (;;) {
        holder = lease_holder("hpac");
        bool taken = holder && !strcmp(holder, survivor_name);
        free(holder);
        if (taken)
            break;
        if (e2e_now_ms() - killed > takeover_bound)
            die("%s did not take the lease within %lldms", survivor_name,
                (long long)takeover_bound);
        usleep(POLL_US);
    }
    int64_t takeover = e2e_now_ms() - killed;
    print_message("takeover after SIGKILL: %lldms (lease %dms, retry %dms)\n", (long long)takeover,
                  LEASE_MS, RETRY_MS);
    /* The new leader acts, with the old one's history: the scale-up of a
     * few seconds ago still counts against the policy (4 pods a minute
     * from 3: 7; without that history it would be 6 -> 9). */
    t0 = e2e_now_ms();
    set_usage("web", 3, 1500);
    if (wait_replicas_change("web", 6, t0, 2 * PERIOD_MS + SLACK_MS, &to) < 0)
        die("the new leader did not scale within two periods");
    if (to != 7)
        die("the new leader scaled 6 -> %d, not 7: the scale-up of 3 -> 6 moments ago "
            "should limit it (scale events not handed over?)",
            to);
    assert_int_equal(wait_rescales(standby, 0, "web", 1, 1000), 1);
    /* Every event since the kill is the new leader's (its SuccessfulRescale
     * follows the scale and status writes by a moment). */
    int64_t since = e2e_now_ms();
    while (events_from(survivor_name, events) <= events) {
        if (e2e_now_ms() - since > 1000)
            die("no event from the new leader %s after its rescale", survivor_name);
        usleep(POLL_US);
    }
    ctl_stop(standby, 3000);
}

/* ---- 7. --shards 2: each HPA has one writer; a dead replica's shard moves */

#define SHARD_APPS 6

static void test_e2e_controller__shards_split_and_hand_over(void **st)
{
    (void)st;
    char names[SHARD_APPS][16];
    int shard_of[SHARD_APPS], per_shard[2] = {0, 0};
    json_t *objects = objects_new();
    for (int i = 0; i < SHARD_APPS; i++) {
        snprintf(names[i], sizeof(names[i]), "app%d", i);
        shard_of[i] = hpac_shard_of(NS, names[i], 2);
        per_shard[shard_of[i]]++;
        objects_add_app(objects, names[i], 3, 500, NULL);
    }
    /* Both shards have work (hpac_shard_of is fixed: FNV-1a). */
    assert_true(per_shard[0] > 0 && per_shard[1] > 0);
    sim_start(objects, 0);
    const char *flags[] = {"--shards=2", "--leader-elect-lease-duration=2s",
                           "--leader-elect-renew-deadline=1500ms",
                           "--leader-elect-retry-period=300ms", NULL};
    ctl *rep[2];
    rep[0] = ctl_start(0, "ctl-a", PERIOD, flags);
    rep[1] = ctl_start(1, "ctl-b", PERIOD, flags);

    /* Wait for the fair split: one shard each, stable for a lease. */
    int owner[2] = {-1, -1}; /* replica index leading each shard */
    int64_t start = e2e_now_ms(), stable_since = 0;
    for (;;) {
        int lead[2] = {-1, -1};
        for (int s = 0; s < 2; s++) {
            char lease[32];
            snprintf(lease, sizeof(lease), "hpac-shard-%d", s);
            char *h = lease_holder(lease);
            for (int r = 0; r < 2; r++)
                if (h && !strcmp(h, rep[r]->identity))
                    lead[s] = r;
            free(h);
        }
        bool split = lead[0] >= 0 && lead[1] >= 0 && lead[0] != lead[1];
        if (split && lead[0] == owner[0] && lead[1] == owner[1]) {
            if (e2e_now_ms() - stable_since >= LEASE_MS)
                break;
        } else {
            owner[0] = lead[0];
            owner[1] = lead[1];
            stable_since = e2e_now_ms();
        }
        if (e2e_now_ms() - start > 20000)
            die("the replicas did not split the two shards within 20s (holders %d %d)", lead[0],
                lead[1]);
        usleep(50 * 1000);
    }
    print_message("shards split after %lldms: shard 0 -> %s, shard 1 -> %s\n",
                  (long long)(e2e_now_ms() - start), rep[owner[0]]->identity,
                  rep[owner[1]]->identity);
    /* Each leads its shard in its own eyes too. */
    for (int s = 0; s < 2; s++) {
        char shard[8];
        snprintf(shard, sizeof(shard), "%d", s);
        assert_true(metric(rep[owner[s]], "hpac_leader", "shard", shard) == 1);
        assert_true(metric(rep[1 - owner[s]], "hpac_leader", "shard", shard) <= 0);
    }
    size_t offset[2];
    for (int r = 0; r < 2; r++) {
        char *log = ctl_log(rep[r]);
        offset[r] = strlen(log);
        free(log);
    }

    /* Every app doubles its usage: each HPA is scaled once, by the replica
     * leading its shard, and only that replica exports its series. */
    int64_t t0 = e2e_now_ms();
    for (int i = 0; i < SHARD_APPS; i++)
        set_usage(names[i], 3, 1000);
    for (int i = 0; i < SHARD_APPS; i++) {
        int to = 0;
        if (wait_replicas_change(names[i], 3, t0, PERIOD_MS + SLACK_MS, &to) < 0)
            die("%s (shard %d) was not scaled within a period", names[i], shard_of[i]);
        assert_int_equal(to, 6);
    }
    usleep(2 * PERIOD_MS * 1000);
    for (int r = 0; r < 2; r++) {
        char *log = ctl_log(rep[r]);
        for (int i = 0; i < SHARD_APPS; i++) {
            size_t n = rescales_in(log + offset[r], names[i]);
            size_t want = owner[shard_of[i]] == r ? 1 : 0;
            if (n != want)
                die("%s rescaled %s %zu times; its shard %d is led by %s", rep[r]->identity,
                    names[i], n, shard_of[i], rep[owner[shard_of[i]]]->identity);
            bool series = has_desired_series(rep[r], names[i]);
            if (series != (want == 1))
                die("%s %s the desired_replicas series of %s (shard %d)", rep[r]->identity,
                    series ? "exports" : "lacks", names[i], shard_of[i]);
        }
        free(log);
        assert_int_equal(scale_writes(names[0]), 1);
    }

    /* The replica leading shard 0 dies: shard 0 moves to the other. */
    int dead = owner[0], alive = 1 - dead;
    e2e_proc_kill(&rep[dead]->proc);
    int64_t killed = e2e_now_ms();
    const int64_t handover_bound = 2 * LEASE_MS + 2 * RETRY_MS + SLACK_MS;
    for (;;) {
        char *h = lease_holder("hpac-shard-0");
        bool moved = h && !strcmp(h, rep[alive]->identity);
        free(h);
        if (moved && metric(rep[alive], "hpac_leader", "shard", "0") == 1)
            break;
        if (e2e_now_ms() - killed > handover_bound)
            die("shard 0 did not move to %s within %lldms", rep[alive]->identity,
                (long long)handover_bound);
        usleep(20 * 1000);
    }
    print_message("shard 0 handed over %lldms after SIGKILL (lease %dms)\n",
                  (long long)(e2e_now_ms() - killed), LEASE_MS);
    /* Its HPAs are reconciled there: series for all, and a change scales. */
    int moved_app = -1;
    for (int i = 0; i < SHARD_APPS; i++)
        if (shard_of[i] == 0)
            moved_app = i;
    t0 = e2e_now_ms();
    set_usage(names[moved_app], 3, 1500);
    int to = 0;
    if (wait_replicas_change(names[moved_app], 6, t0, 2 * PERIOD_MS + SLACK_MS, &to) < 0)
        die("%s (moved shard) was not scaled by %s", names[moved_app], rep[alive]->identity);
    assert_int_equal(wait_rescales(rep[alive], offset[alive], names[moved_app], 1, 1000), 1);
    for (int i = 0; i < SHARD_APPS; i++)
        if (!has_desired_series(rep[alive], names[i]))
            die("%s lacks the series of %s after the hand-over", rep[alive]->identity, names[i]);
    ctl_stop(rep[alive], 3000);
}

/* ---- 8. /metrics is Prometheus text with upstream's names; /healthz --- */

static void test_e2e_controller__metrics_and_healthz(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, NO_LEADER_FLAGS);
    wait_status("web", 5000);
    usleep((PERIOD_MS + 200) * 1000); /* at least two reconciles */
    prom_doc doc;
    scrape(c, &doc);
    static const char *const families[] = {
        HPA_PREFIX "reconciliations_total",
        HPA_PREFIX "reconciliation_duration_seconds_count",
        HPA_PREFIX "metric_computation_total",
        HPA_PREFIX "metric_computation_duration_seconds_count",
        HPA_PREFIX "desired_replicas",
        "hpac_api_requests_total",
        "process_resident_memory_bytes",
    };
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        double v = sum_of(&doc, families[i], NULL, NULL);
        if (v < 0) {
            prom_doc_free(&doc);
            die("/metrics has no sample of %s", families[i]);
        }
    }
    /* The values say what happened: reconciles without action or error,
     * one Resource metric each, web wants 3, lists and watches sent. */
    double reconciles = sum_of(&doc, HPA_PREFIX "reconciliations_total", "action", "none");
    assert_true(reconciles >= 2);
    assert_true(sum_of(&doc, HPA_PREFIX "reconciliations_total", "error", "none") == reconciles);
    assert_true(sum_of(&doc, HPA_PREFIX "reconciliation_duration_seconds_count", NULL, NULL) ==
                sum_of(&doc, HPA_PREFIX "reconciliations_total", NULL, NULL));
    assert_true(sum_of(&doc, HPA_PREFIX "metric_computation_total", "metric_type", "Resource") >=
                2);
    const prom_sample *d =
        prom_find(&doc, HPA_PREFIX "desired_replicas", "namespace=\"default\",hpa_name=\"web\"");
    assert_non_null(d);
    assert_true(d->value == 3);
    assert_true(sum_of(&doc, "hpac_api_requests_total", "verb", "GET") >= 2);
    assert_true(sum_of(&doc, "hpac_api_requests_total", "code", "200") >= 2);
    prom_doc_free(&doc);
    char *body = NULL;
    assert_int_equal(e2e_http_get(c->port, "/readyz", &body), 200);
    free(body);

    /* The API server goes away: liveness does not depend on it. */
    hpac_sim_stop(F.sim);
    F.sim = NULL;
    for (int i = 0; i < 5; i++) {
        usleep(300 * 1000);
        long code = e2e_http_get(c->port, "/healthz", &body);
        if (code != 200)
            die("/healthz answered %ld with the API server down", code);
        free(body);
        body = NULL;
    }
    /* And /metrics still renders, counting the failed requests. */
    prom_doc down;
    scrape(c, &down);
    assert_true(sum_of(&down, "hpac_api_requests_total", "code", "<error>") >= 1);
    prom_doc_free(&down);
    ctl_stop(c, 3000);
}

/* ---- 9. SIGTERM: exit 0 quickly, lease released ----------------------- */

static void test_e2e_controller__sigterm_releases_the_lease(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, LEADER_FLAGS);
    int64_t start = e2e_now_ms();
    for (;;) {
        char *h = lease_holder("hpac");
        bool mine = h && !strcmp(h, "ctl-a");
        free(h);
        if (mine)
            break;
        if (e2e_now_ms() - start > 3 * LEASE_MS)
            die("ctl-a did not take the free lease");
        usleep(POLL_US);
    }
    wait_status("web", 5000);
    /* Mid-work: a scale is due. */
    set_usage("web", 3, 1000);
    usleep(200 * 1000);
    int64_t took = 0;
    int status = e2e_proc_stop(&c->proc, 10000, &took);
    print_message("SIGTERM -> exit %d in %lldms\n", status, (long long)took);
    if (status != 0)
        die("exit status %d after SIGTERM", status);
    if (took > 3000)
        die("took %lldms to exit after SIGTERM", (long long)took);
    char *h = lease_holder("hpac");
    assert_non_null(h);
    if (h[0]) {
        print_error("holder after SIGTERM: %s\n", h);
        free(h);
        die("the lease still names a holder after a clean exit");
    }
    free(h);
    char *log = ctl_log(c);
    assert_non_null(strstr(log, "Leases released"));
    free(log);
}

/* ---- 10. memory stays flat over many periods ------------------------- */

#define MEMORY_APPS 50
#define MEMORY_PERIOD_MS 200
#define MEMORY_GROWTH_MAX_KIB 2048

/* ---- AmbiguousSelector: two HPAs over the same pods -------------------- */

/* The reason of the HPA's ScalingActive condition (caller frees), or NULL. */
static char *scaling_active_reason(const char *name)
{
    json_t *h = hpac_sim_get(F.sim, HPAC_SIM_KIND_HPA, NS, name);
    char *reason = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(h, "status"), "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")), "ScalingActive"))
            reason = strdup(json_string_value(json_object_get(c, "reason")));
    }
    json_decref(h);
    return reason;
}

static bool both_ambiguous(void)
{
    char *a = scaling_active_reason("web"), *b = scaling_active_reason("twin");
    bool yes = a && b && !strcmp(a, "AmbiguousSelector") && !strcmp(b, "AmbiguousSelector");
    free(a);
    free(b);
    return yes;
}

static void test_e2e_controller__ambiguous_selector_stops_both(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    objects_add_app(objects, "web", 3, 500, NULL);
    /* A second Deployment + HPA whose scale selects web's pods too. */
    json_t *twin = app_parts("twin", 0, 500, NULL);
    json_t *twin_hpa = json_object_get(twin, "hpa");
    json_t *twin_target = json_object_get(twin, "target");
    json_object_set_new(json_object_get(twin_target, "spec"), "replicas", json_integer(3));
    json_object_set_new(json_object_get(twin_target, "status"), "replicas", json_integer(3));
    json_object_set_new(json_object_get(twin_target, "status"), "selector",
                        json_string("app=web"));
    json_array_append(json_object_get(objects, "hpas"), twin_hpa);
    json_array_append(json_object_get(objects, "targets"), twin_target);
    json_decref(twin);
    sim_start(objects, 0);
    ctl *c = ctl_start(0, "ctl-a", PERIOD, NO_LEADER_FLAGS);
    /* Each HPA sees the other from its second period at the latest. */
    int64_t start = e2e_now_ms();
    while (!both_ambiguous()) {
        if (e2e_now_ms() - start > 4 * PERIOD_MS + SLACK_MS)
            die("ScalingActive is not AmbiguousSelector on both HPAs after %dms",
                4 * PERIOD_MS + SLACK_MS);
        usleep(POLL_US);
    }
    /* Demand a scale-up: neither may act on it. */
    size_t writes_before = scale_writes("web") + scale_writes("twin");
    set_usage("web", 3, 1000);
    usleep(3 * PERIOD_MS * 1000);
    assert_int_equal(scale_writes("web") + scale_writes("twin"), writes_before);
    assert_true(both_ambiguous());
    json_t *writes = hpac_sim_writes(F.sim);
    json_t *events = e2e_events(writes);
    size_t warned = 0, i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *reason = json_string_value(json_object_get(e, "reason"));
        const char *message = json_string_value(json_object_get(e, "message"));
        if (reason && !strcmp(reason, "AmbiguousSelector") && message &&
            strstr(message, "controlled by multiple HPAs"))
            warned++;
    }
    assert_true(warned >= 2);
    json_decref(events);
    json_decref(writes);
    ctl_stop(c, 3000);
}

static void test_e2e_controller__memory_flat(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    char names[MEMORY_APPS][16];
    for (int i = 0; i < MEMORY_APPS; i++) {
        snprintf(names[i], sizeof(names[i]), "m%02d", i);
        objects_add_app(objects, names[i], 3, 500, NULL);
    }
    sim_start(objects, 0);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan holds freed memory in a quarantine (256 MiB by default) that
     * would read as growth: the controller runs without it here (every
     * other check stays on). */
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(F.child_env, sizeof(F.child_env),
             "ASAN_OPTIONS=%s%squarantine_size_mb=0:thread_local_quarantine_size_kb=0",
             asan ? asan : "", asan && *asan ? ":" : "");
#endif
    const char *flags[] = {"--leader-elect=false", "--kube-api-qps=10000", "--kube-api-burst=10000",
                           "--concurrent-horizontal-pod-autoscaler-syncs=10", NULL};
    ctl *c = ctl_start(0, "ctl-a", "200ms", flags);
    /* Usage moves between 50% and 54% (within tolerance: no scale) every
     * other period, so that statuses, histories and their annotations are
     * written again and again. */
    int usage[2] = {500, 540};
    long rss_warm = -1, rss_end = -1;
    double reconciles_warm = 0;
    const int warmup = 10, measured = 30;
    for (int p = 0; p < warmup + measured; p++) {
        if (p % 2 == 0)
            for (int i = 0; i < MEMORY_APPS; i++)
                set_usage(names[i], 3, usage[(p / 2) % 2]);
        usleep(MEMORY_PERIOD_MS * 1000);
        if (p == warmup - 1) {
            rss_warm = e2e_rss_kib(c->proc.pid);
            reconciles_warm = metric(c, HPA_PREFIX "reconciliations_total", NULL, NULL);
        }
    }
    rss_end = e2e_rss_kib(c->proc.pid);
    double reconciles_end = metric(c, HPA_PREFIX "reconciliations_total", NULL, NULL);
    print_message("VmRSS after warm-up %ld KiB, after %d more periods %ld KiB (%+ld KiB); "
                  "%.0f reconciles in between\n",
                  rss_warm, measured, rss_end, rss_end - rss_warm,
                  reconciles_end - reconciles_warm);
    assert_true(rss_warm > 0 && rss_end > 0);
    /* The work was done: every HPA reconciled many times over (a third
     * of the nominal count: two sanitized suites sharing two cores get
     * through about half). */
    if (reconciles_end - reconciles_warm < MEMORY_APPS * measured / 3.0)
        die("only %.0f reconciles in %d periods of %d HPAs", reconciles_end - reconciles_warm,
            measured, MEMORY_APPS);
    if (rss_end - rss_warm > MEMORY_GROWTH_MAX_KIB)
        die("VmRSS grew by %ld KiB over %d periods (bound %d KiB)", rss_end - rss_warm, measured,
            MEMORY_GROWTH_MAX_KIB);
    ctl_stop(c, 3000);
}

/* ---- 12. HPAs started together share one PodMetrics list ------------- */

/* Seven apps in one namespace, each scaled up from its own CPU usage to a
 * count of its own (upstream's ceil(current * utilization / target), the
 * target 50% of a 1000m request, within the scale-up limit of
 * max(2 * current, 4)). a..f select "app=<name>": they share one list,
 * "app in (a,b,c,d,e,f)", split back by each selector. g selects
 * "app=g,tier=web", two requirements: it reads alone. */
typedef struct share_app {
    const char *name;
    int replicas;
    int usage_m;     /* per pod */
    int utilization; /* usage_m / 1000m, in percent */
    int expected;    /* replicas after the one reconcile */
} share_app;

static const share_app SHARE_APPS[] = {
    {"a", 1, 600, 60, 2},   /* 1 * 1.2  = 1.2  -> 2 */
    {"b", 1, 1100, 110, 3}, /* 1 * 2.2  = 2.2  -> 3 */
    {"c", 2, 900, 90, 4},   /* 2 * 1.8  = 3.6  -> 4 */
    {"d", 3, 800, 80, 5},   /* 3 * 1.6  = 4.8  -> 5 */
    {"e", 3, 960, 96, 6},   /* 3 * 1.92 = 5.76 -> 6 */
    {"f", 4, 800, 80, 7},   /* 4 * 1.6  = 6.4  -> 7 */
    {"g", 4, 900, 90, 8},   /* 4 * 1.8  = 7.2  -> 8 (app=g,tier=web) */
};
#define SHARE_APP_COUNT ((int)(sizeof(SHARE_APPS) / sizeof(SHARE_APPS[0])))
#define SHARE_SHARED_SELECTOR "app in (a,b,c,d,e,f)"
#define SHARE_G_SELECTOR "app=g,tier=web"

/* A lease of 4s against a lease held by "ghost": the controller syncs its
 * caches in standby and reconciles nothing until the lease has gone
 * unrenewed that long. Taking the lease schedules every HPA of the shard
 * at once, and the one start_due that follows starts all seven in one
 * batch (10 concurrent syncs; the client's rate limit out of the way). A
 * 5 minute period: each HPA is reconciled exactly once in the test. */
#define SHARE_LEASE_MS 4000
static const char *const SHARE_FLAGS[] = {"--leader-elect=true",
                                          "--leader-elect-lease-duration=4s",
                                          "--leader-elect-renew-deadline=3s",
                                          "--leader-elect-retry-period=300ms",
                                          "--concurrent-horizontal-pod-autoscaler-syncs=10",
                                          "--kube-api-qps=10000",
                                          "--kube-api-burst=10000",
                                          NULL};

/* Adds every "tier" label of `parts`' pods and PodMetrics. */
static void parts_set_tier(json_t *parts, const char *tier)
{
    const char *kinds[] = {"pods", "podMetrics"};
    for (size_t k = 0; k < 2; k++) {
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(parts, kinds[k]), i, o) json_object_set_new(
            json_object_get(json_object_get(o, "metadata"), "labels"), "tier", json_string(tier));
    }
}

/* The HPA's status.desiredReplicas and the averageUtilization of its
 * first current metric; -1 where absent. */
static void hpa_status_of(const char *name, int *desired, int *utilization)
{
    json_t *h = hpac_sim_get(F.sim, HPAC_SIM_KIND_HPA, NS, name);
    json_t *status = json_object_get(h, "status");
    json_t *d = json_object_get(status, "desiredReplicas");
    json_t *u = json_object_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(status, "currentMetrics"), 0),
                            "resource"),
            "current"),
        "averageUtilization");
    *desired = json_is_integer(d) ? (int)json_integer_value(d) : -1;
    *utilization = json_is_integer(u) ? (int)json_integer_value(u) : -1;
    json_decref(h);
}

static void test_e2e_controller__started_together_share_one_pod_metrics_list(void **st)
{
    (void)st;
    json_t *objects = objects_new();
    for (int i = 0; i < SHARE_APP_COUNT; i++) {
        const share_app *a = &SHARE_APPS[i];
        if (strcmp(a->name, "g") != 0) {
            objects_add_app(objects, a->name, a->replicas, a->usage_m, NULL);
            continue;
        }
        json_t *parts = app_parts(a->name, a->replicas, a->usage_m, NULL);
        parts_set_tier(parts, "web");
        json_object_set_new(json_object_get(json_object_get(parts, "target"), "status"), "selector",
                            json_string(SHARE_G_SELECTOR));
        json_array_append(json_object_get(objects, "hpas"), json_object_get(parts, "hpa"));
        json_array_append(json_object_get(objects, "targets"), json_object_get(parts, "target"));
        json_array_extend(json_object_get(objects, "pods"), json_object_get(parts, "pods"));
        json_array_extend(json_object_get(objects, "podMetrics"),
                          json_object_get(parts, "podMetrics"));
        json_decref(parts);
    }
    /* A busy pod labelled app=g but tier=api, owned by no HPA: g's own
     * request must keep both of its requirements to stay at 8. */
    json_t *decoy = app_parts("gapi", 1, 2000, NULL);
    parts_set_tier(decoy, "api");
    const char *kinds[] = {"pods", "podMetrics"};
    for (size_t k = 0; k < 2; k++) {
        json_t *o = json_array_get(json_object_get(decoy, kinds[k]), 0);
        json_object_set_new(json_object_get(json_object_get(o, "metadata"), "labels"), "app",
                            json_string("g"));
        json_array_append(json_object_get(objects, kinds[k]), o);
    }
    json_decref(decoy);

    F.observe_lists = true;
    sim_start(objects, 0);
    json_t *lease =
        json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}", "apiVersion",
                  "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", "hpac",
                  "namespace", LEASE_NS, "spec", "holderIdentity", "ghost", "leaseDurationSeconds",
                  SHARE_LEASE_MS / 1000, "acquireTime", "2024-01-01T00:00:00.000000Z", "renewTime",
                  "2024-01-01T00:00:00.000000Z", "leaseTransitions", 0);
    assert_non_null(lease);
    put(HPAC_SIM_KIND_LEASE, lease);
    json_decref(lease);

    ctl *c = ctl_start(0, "ctl-a", "5m", SHARE_FLAGS);
    /* Synced in standby: every HPA is known before the lease is won. */
    char *ready = wait_ready(c, 10000);
    if (strcmp(ready, "ok: standby") != 0) {
        char got[64];
        snprintf(got, sizeof(got), "%s", ready);
        free(ready);
        die("/readyz answered \"%s\" once synced: the lease was won before the caches synced, "
            "which this test must rule out",
            got);
    }
    free(ready);
    int64_t t0 = e2e_now_ms();
    assert_int_equal(seen_lists(NULL, 0), 0);

    /* Each is scaled to its own count, from its own pods' usage. */
    const int64_t bound = SHARE_LEASE_MS + 2 * RETRY_MS + 5 * SLACK_MS;
    for (int i = 0; i < SHARE_APP_COUNT; i++) {
        const share_app *a = &SHARE_APPS[i];
        int to = 0;
        if (wait_replicas_change(a->name, a->replicas, t0, bound, &to) < 0)
            die("%s was not scaled within %lldms of the controller's start", a->name,
                (long long)bound);
        if (to != a->expected)
            die("%s was scaled %d -> %d; its own pods (%d%% of their request) ask for %d", a->name,
                a->replicas, to, a->utilization, a->expected);
    }
    print_message("all %d HPAs scaled %lldms after the caches synced (lease %dms)\n",
                  SHARE_APP_COUNT, (long long)(e2e_now_ms() - t0), SHARE_LEASE_MS);
    for (int i = 0; i < SHARE_APP_COUNT; i++) {
        const share_app *a = &SHARE_APPS[i];
        int desired = -1, utilization = -1;
        int64_t start = e2e_now_ms();
        for (;;) {
            hpa_status_of(a->name, &desired, &utilization);
            if (desired == a->expected || e2e_now_ms() - start > 5000)
                break;
            usleep(POLL_US);
        }
        if (desired != a->expected || utilization != a->utilization)
            die("the status of %s says desiredReplicas %d at %d%% (expected %d at %d%%)", a->name,
                desired, utilization, a->expected, a->utilization);
        if (wait_rescales(c, 0, a->name, 1, 5000) != 1)
            die("the log of ctl-a does not show the rescale of %s once", a->name);
    }
    /* Nothing more follows within the period: one reconcile each. */
    usleep(1000 * 1000);
    for (int i = 0; i < SHARE_APP_COUNT; i++) {
        if (scale_writes(SHARE_APPS[i].name) != 1)
            die("%s was scaled %zu times", SHARE_APPS[i].name, scale_writes(SHARE_APPS[i].name));
    }
    double reconciles = metric(c, HPA_PREFIX "reconciliations_total", NULL, NULL);
    if (reconciles != SHARE_APP_COUNT)
        die("%.0f reconciles for %d HPAs, each due once", reconciles, SHARE_APP_COUNT);

    /* What the simulator was asked: fewer lists than HPAs, namely one
     * for a..f and g's own. */
    char *selectors[SEEN_LISTS_MAX] = {0};
    size_t lists = seen_lists(selectors, SEEN_LISTS_MAX);
    size_t shared = 0, own_g = 0;
    print_message("PodMetrics lists served for %d HPAs: %zu\n", SHARE_APP_COUNT, lists);
    for (size_t i = 0; i < lists && i < SEEN_LISTS_MAX; i++) {
        print_message("  labelSelector=%s\n", selectors[i] ? selectors[i] : "(null)");
        if (selectors[i] && !strcmp(selectors[i], SHARE_SHARED_SELECTOR))
            shared++;
        else if (selectors[i] && !strcmp(selectors[i], SHARE_G_SELECTOR))
            own_g++;
    }
    for (size_t i = 0; i < lists && i < SEEN_LISTS_MAX; i++)
        free(selectors[i]);
    if (lists >= (size_t)SHARE_APP_COUNT)
        die("%zu PodMetrics lists for %d HPAs started together: none was shared", lists,
            SHARE_APP_COUNT);
    if (shared != 1 || own_g != 1 || lists != 2)
        die("expected exactly one list with labelSelector \"%s\" and one with \"%s\"; got %zu "
            "and %zu among %zu lists",
            SHARE_SHARED_SELECTOR, SHARE_G_SELECTOR, shared, own_g, lists);
    ctl_stop(c, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_e2e_controller__metric_change_scales_within_a_period,
                                  teardown),
        cmocka_unit_test_teardown(test_e2e_controller__new_hpa_acted_on_at_once, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__scale_down_waits_out_the_window, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__restart_keeps_the_window, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__watch_cut_and_410_recover, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__leader_election_one_writer, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__shards_split_and_hand_over, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__metrics_and_healthz, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__sigterm_releases_the_lease, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__ambiguous_selector_stops_both, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__memory_flat, teardown),
        cmocka_unit_test_teardown(test_e2e_controller__started_together_share_one_pod_metrics_list,
                                  teardown),
    };
    /* E2E_ONLY=<glob> runs some of them (cmocka's filter), for debugging;
     * E2E_LOGS=1 prints the controllers' logs after each. */
    const char *only = getenv("E2E_ONLY");
    if (only && *only)
        cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
