/* Bad input and broken servers, through the real binary: every per-HPA
 * failure becomes a False condition, a Warning event and no scale; only a
 * cluster that cannot be used at all makes `--once` exit non-zero. Also
 * `--once`'s shared PodMetrics read, on the same fixture. */
#include "test_support.h"

#include "e2e_support.h"
#include "sim/case.h"
#include "sim/sim_state.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE_CASE "upstream/ctl_scale_up.json" /* scales web 3 -> 5 when healthy */
#define SCALE_PATH "/apis/apps/v1/namespaces/default/deployments/web/scale"
#define METRICS_PATH "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"
#define PODS_PATH "/api/v1/namespaces/default/pods"
#define HPA_LIST_PATH "/apis/autoscaling/v2/horizontalpodautoscalers"

typedef struct fixture {
    json_t *the_case;
    hpac_sim_server *sim;
    /* Optional: told of every request (hpac_sim_options.on_request). */
    void (*on_request)(void *ctx, const char *method, const char *path, const char *label_selector);
    void *on_request_ctx;
    char *kubeconfig;
    char *log;
    int rc;
} fixture;

static json_t *load_base(void)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/%s", HPAC_CASES_DIR, BASE_CASE);
    json_t *c = hpac_case_load(path, err, sizeof(err));
    if (!c)
        fail_msg("%s", err);
    return c;
}

static void start(fixture *f, json_t *objects)
{
    char err[512];
    hpac_sim_options opts = {.port = 0,
                             .token = E2E_TOKEN,
                             .on_request = f->on_request,
                             .on_request_ctx = f->on_request_ctx};
    f->sim = hpac_sim_start(objects, &opts, err, sizeof(err));
    if (!f->sim)
        fail_msg("simulator: %s", err);
    f->kubeconfig = e2e_write_kubeconfig(hpac_sim_port(f->sim), E2E_TOKEN);
    assert_non_null(f->kubeconfig);
}

static void run(fixture *f, const char *extra)
{
    const char *args[] = {"--kubeconfig", f->kubeconfig, "--hpa-api", "autoscaling/v2", "--once",
                          "--request-timeout=1s", extra, NULL};
    free(f->log);
    f->log = NULL;
    f->rc = e2e_run_hpac(args, 30, &f->log);
}

static void finish(fixture *f)
{
    free(f->log);
    e2e_remove_kubeconfig(f->kubeconfig);
    hpac_sim_stop(f->sim);
    json_decref(f->the_case);
    memset(f, 0, sizeof(*f));
}

/* The run exited 0, wrote a False condition with `reason` on `type`, a
 * Warning event with the same reason (or `event_reason`), and no scale. */
static void assert_reported(fixture *f, const char *type, const char *reason,
                            const char *event_reason)
{
    if (f->rc != 0)
        fail_msg("hpac exited %d: %s", f->rc, f->log ? f->log : "");
    json_t *writes = hpac_sim_writes(f->sim);
    assert_false(e2e_scale_written(writes));
    json_t *status = e2e_last_status(writes);
    if (!status)
        fail_msg("no status written; log: %s", f->log ? f->log : "");
    int found = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && !strcmp(t, type)) {
            assert_string_equal(json_string_value(json_object_get(c, "status")), "False");
            assert_string_equal(json_string_value(json_object_get(c, "reason")), reason);
            const char *message = json_string_value(json_object_get(c, "message"));
            assert_non_null(message);
            assert_true(strlen(message) > 0);
            found = 1;
        }
    }
    if (!found)
        fail_msg("no %s condition in the status", type);
    json_t *events = e2e_events(writes);
    int warned = 0;
    json_array_foreach(events, i, c)
    {
        const char *ty = json_string_value(json_object_get(c, "type"));
        const char *re = json_string_value(json_object_get(c, "reason"));
        if (ty && re && !strcmp(ty, "Warning") && !strcmp(re, event_reason ? event_reason : reason))
            warned = 1;
    }
    if (!warned)
        fail_msg("no Warning event %s", event_reason ? event_reason : reason);
    /* A log line names the HPA. */
    assert_non_null(f->log);
    assert_non_null(strstr(f->log, "default/web"));
    json_decref(events);
    json_decref(status);
    json_decref(writes);
}

static void inject_case(const char *method, const char *path, int code, const char *body,
                        int delay_ms, const char *type, const char *reason,
                        const char *event_reason)
{
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    hpac_sim_inject(f.sim, method, path, code, body, delay_ms);
    run(&f, NULL);
    assert_reported(&f, type, reason, event_reason);
    finish(&f);
}

static void test_e2e__scale_answer_malformed_json(void **state)
{
    (void)state;
    inject_case("GET", SCALE_PATH, 200, "{\"spec\": {\"replicas\": 3", 0, "AbleToScale",
                "FailedGetScale", NULL);
}

static void test_e2e__scale_answer_wrong_types(void **state)
{
    (void)state;
    inject_case("GET", SCALE_PATH, 200,
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"spec\":{\"replicas\":"
                "\"three\"},\"status\":{\"replicas\":3,\"selector\":\"app=web\"}}",
                0, "AbleToScale", "FailedGetScale", NULL);
}

static void test_e2e__scale_server_error(void **state)
{
    (void)state;
    inject_case("GET", SCALE_PATH, 500, NULL, 0, "AbleToScale", "FailedGetScale", NULL);
}

static void test_e2e__scale_timeout(void **state)
{
    (void)state;
    inject_case("GET", SCALE_PATH, 200, "{}", 3000, "AbleToScale", "FailedGetScale", NULL);
}

static void test_e2e__invalid_selector(void **state)
{
    (void)state;
    inject_case("GET", SCALE_PATH, 200,
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":"
                "\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3},\"status\":{"
                "\"replicas\":3,\"selector\":\"app in (web\"}}",
                0, "ScalingActive", "InvalidSelector", NULL);
}

static void test_e2e__metrics_malformed_json(void **state)
{
    (void)state;
    inject_case("GET", METRICS_PATH, 200, "{\"items\": [ {", 0, "ScalingActive",
                "FailedGetResourceMetric", NULL);
}

static void test_e2e__metrics_absurd_quantity(void **state)
{
    (void)state;
    inject_case("GET", METRICS_PATH, 200,
                "{\"kind\":\"PodMetricsList\",\"items\":[{\"metadata\":{\"name\":\"web-0\","
                "\"namespace\":\"default\"},\"timestamp\":\"2026-01-01T00:00:00Z\",\"window\":"
                "\"30s\",\"containers\":[{\"name\":\"container1\",\"usage\":{\"cpu\":"
                "\"1e999999999\"}}]}]}",
                0, "ScalingActive", "FailedGetResourceMetric", NULL);
}

static void test_e2e__metrics_server_error(void **state)
{
    (void)state;
    inject_case("GET", METRICS_PATH, 503, NULL, 0, "ScalingActive", "FailedGetResourceMetric",
                NULL);
}

static void test_e2e__metrics_timeout(void **state)
{
    (void)state;
    inject_case("GET", METRICS_PATH, 200, "{}", 3000, "ScalingActive", "FailedGetResourceMetric",
                NULL);
}

static void test_e2e__pods_list_fails(void **state)
{
    (void)state;
    inject_case("GET", PODS_PATH, 500, NULL, 0, "ScalingActive", "FailedGetResourceMetric", NULL);
}

static void test_e2e__metrics_api_absent(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    json_t *objects = json_deep_copy(json_object_get(f.the_case, "objects"));
    json_object_del(objects, "podMetrics");
    start(&f, objects);
    json_decref(objects);
    run(&f, NULL);
    assert_reported(&f, "ScalingActive", "FailedGetResourceMetric", NULL);
    finish(&f);
}

static void test_e2e__hpa_with_wrong_types(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    json_t *objects = json_deep_copy(json_object_get(f.the_case, "objects"));
    json_object_set_new(json_object_get(json_object_get(objects, "hpa"), "spec"), "maxReplicas",
                        json_string("ten"));
    start(&f, objects);
    json_decref(objects);
    run(&f, NULL);
    assert_reported(&f, "ScalingActive", "InvalidSpec", NULL);
    assert_non_null(strstr(f.log, "spec.maxReplicas"));
    finish(&f);
}

static void test_e2e__scale_write_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    hpac_sim_inject(f.sim, "PUT", SCALE_PATH, 409, NULL, 0);
    run(&f, NULL);
    assert_int_equal(f.rc, 0);
    json_t *writes = hpac_sim_writes(f.sim);
    json_t *status = e2e_last_status(writes);
    assert_non_null(status);
    char why[1024];
    json_t *expect = json_pack(
        "{s:b, s:{s:i, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}}", "scaled", 0, "status",
        "desiredReplicas", 3, "conditions", "type", "AbleToScale", "status", "False", "reason",
        "FailedUpdateScale", "type", "ScalingActive", "status", "True", "reason",
        "ValidMetricFound");
    json_t *events = e2e_events(writes);
    json_t *target = hpac_sim_get(f.sim, "target", "default", "web");
    hpac_test_outcome o = {.scaled = 0,
                           .replicas = (long)json_integer_value(
                               json_object_get(json_object_get(target, "spec"), "replicas")),
                           .status = status,
                           .events = events};
    if (!hpac_test_check_expect(expect, &o, why, sizeof(why)))
        fail_msg("%s", why);
    assert_int_equal(o.replicas, 3);
    int failed_rescale = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "reason")), "FailedRescale"))
            failed_rescale = 1;
    }
    assert_true(failed_rescale);
    json_decref(target);
    json_decref(events);
    json_decref(expect);
    json_decref(status);
    json_decref(writes);
    finish(&f);
}

/* Another writer updates the HPA while hpac is reconciling it. */
typedef struct concurrent_writer {
    hpac_sim_server *sim;
    int delay_ms;
} concurrent_writer;

static void *touch_hpa_later(void *arg)
{
    concurrent_writer *w = arg;
    usleep((useconds_t)w->delay_ms * 1000);
    json_t *hpa = hpac_sim_get(w->sim, "hpa", "default", "web");
    char err[256];
    json_object_set_new(json_object_get(hpa, "metadata"), "labels",
                        json_pack("{s:s}", "touched", "yes"));
    int rc = hpac_sim_put_object(hpac_sim_state_of(w->sim), "hpa", hpa, err, sizeof(err));
    json_decref(hpa);
    return rc == 0 ? arg : NULL;
}

static void test_e2e__status_conflict_is_retried(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    /* The scale read takes 1.5 s; the other write lands 0.7 s in, after
     * hpac has read the HPA and before it writes the status. */
    hpac_sim_inject(f.sim, "GET", SCALE_PATH, 200,
                    "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{"
                    "\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3},"
                    "\"status\":{\"replicas\":3,\"selector\":\"app=web\"}}",
                    1500);
    concurrent_writer w = {.sim = f.sim, .delay_ms = 700};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, touch_hpa_later, &w), 0);
    run(&f, "--request-timeout=10s");
    void *result = NULL;
    pthread_join(thread, &result);
    assert_non_null(result);
    assert_int_equal(f.rc, 0);
    json_t *after = hpac_sim_get(f.sim, "hpa", "default", "web");
    json_t *status = json_object_get(after, "status");
    /* The status landed, on top of the other writer's change. */
    assert_int_equal(json_integer_value(json_object_get(status, "desiredReplicas")), 5);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(after, "metadata"), "labels"),
                            "touched")),
                        "yes");
    /* Two status writes: the stale one refused, the retry on the fresh object. */
    json_t *writes = hpac_sim_writes(f.sim);
    size_t status_writes = 0;
    size_t i;
    json_t *write;
    json_array_foreach(writes, i, write)
    {
        const char *path = json_string_value(json_object_get(write, "path"));
        if (path && strstr(path, "/horizontalpodautoscalers/web/status"))
            status_writes++;
    }
    assert_int_equal(status_writes, 2);
    json_decref(writes);
    json_decref(after);
    finish(&f);
}

#define HPA_STATUS_PATH "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/status"

/* The status writes of a run, in order. New reference. */
static json_t *status_writes(fixture *f)
{
    json_t *writes = hpac_sim_writes(f->sim);
    json_t *out = json_array();
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        if (path && !strcmp(path, HPA_STATUS_PATH))
            json_array_append(out, w);
    }
    json_decref(writes);
    return out;
}

/* The status goes out as a merge patch guarded by the resourceVersion the
 * sync read, naming every status key (null for those it leaves out), so
 * that the stored status is exactly the new one, as after a PUT. */
static void test_e2e__status_is_a_guarded_merge_patch(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    json_t *before = hpac_sim_get(f.sim, "hpa", "default", "web");
    /* An old status with a key the new one leaves out. */
    json_t *old = json_object_get(before, "status");
    if (!old) {
        old = json_object();
        json_object_set_new(before, "status", old);
    }
    json_object_set_new(old, "currentMetrics",
                        json_pack("[{s:s, s:{s:s, s:{s:i}}}]", "type", "Resource", "resource",
                                  "name", "memory", "current", "averageUtilization", 7));
    char err[256];
    assert_int_equal(hpac_sim_put_object(hpac_sim_state_of(f.sim), "hpa", before, err,
                                         sizeof(err)),
                     0);
    json_decref(before);
    before = hpac_sim_get(f.sim, "hpa", "default", "web");
    const char *rv =
        json_string_value(json_object_get(json_object_get(before, "metadata"), "resourceVersion"));
    assert_non_null(rv);

    run(&f, NULL);
    assert_int_equal(f.rc, 0);
    json_t *writes = status_writes(&f);
    assert_int_equal(json_array_size(writes), 1);
    json_t *w = json_array_get(writes, 0);
    assert_string_equal(json_string_value(json_object_get(w, "verb")), "PATCH");
    assert_int_equal(json_integer_value(json_object_get(w, "code")), 200);
    json_t *body = json_object_get(w, "body");
    assert_string_equal(json_string_value(json_object_get(json_object_get(body, "metadata"),
                                                          "resourceVersion")),
                        rv);
    json_t *sent = json_object_get(body, "status");
    static const char *const keys[] = {"observedGeneration", "lastScaleTime",  "currentReplicas",
                                       "desiredReplicas",    "currentMetrics", "conditions"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!json_object_get(sent, keys[i]))
            fail_msg("the patch leaves out status.%s", keys[i]);
    }
    /* Stored: what was sent, without the nulls; the old memory metric is
     * gone (this sync reports cpu only). */
    json_t *want = json_deep_copy(sent);
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(want, tmp, key, value)
    {
        if (json_is_null(value))
            json_object_del(want, key);
    }
    json_t *after = hpac_sim_get(f.sim, "hpa", "default", "web");
    json_t *stored = json_object_get(after, "status");
    if (!json_equal(stored, want)) {
        char *a = json_dumps(stored, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
        fail_msg("stored status %s, sent %s", a, b);
    }
    assert_int_equal(json_integer_value(json_object_get(stored, "desiredReplicas")), 5);
    char *text = json_dumps(stored, 0);
    assert_null(strstr(text, "memory"));
    free(text);
    json_decref(after);
    json_decref(want);
    json_decref(writes);
    json_decref(before);
    finish(&f);
}

/* A server that takes no merge patch on /status: the object is read again
 * and PUT with its status replaced. */
static void test_e2e__status_put_when_merge_patch_is_refused(void **state)
{
    (void)state;
    static const int refusals[] = {415, 405};
    for (size_t k = 0; k < sizeof(refusals) / sizeof(refusals[0]); k++) {
        fixture f = {0};
        f.the_case = load_base();
        start(&f, json_object_get(f.the_case, "objects"));
        hpac_sim_inject(f.sim, "PATCH", HPA_STATUS_PATH, refusals[k], NULL, 0);
        run(&f, NULL);
        assert_int_equal(f.rc, 0);
        json_t *writes = status_writes(&f);
        assert_int_equal(json_array_size(writes), 2);
        json_t *refused = json_array_get(writes, 0), *put = json_array_get(writes, 1);
        assert_string_equal(json_string_value(json_object_get(refused, "verb")), "PATCH");
        assert_int_equal(json_integer_value(json_object_get(refused, "code")), refusals[k]);
        assert_string_equal(json_string_value(json_object_get(put, "verb")), "PUT");
        assert_int_equal(json_integer_value(json_object_get(put, "code")), 200);
        /* The whole object went back. */
        json_t *body = json_object_get(put, "body");
        assert_non_null(json_object_get(body, "spec"));
        json_t *after = hpac_sim_get(f.sim, "hpa", "default", "web");
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(after, "status"), "desiredReplicas")),
            5);
        json_decref(after);
        json_decref(writes);
        finish(&f);
    }
}

static void test_e2e__dry_run_writes_nothing(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    run(&f, "--dry-run");
    assert_int_equal(f.rc, 0);
    json_t *writes = hpac_sim_writes(f.sim);
    assert_int_equal(json_array_size(writes), 0);
    assert_non_null(strstr(f.log, "desiredReplicas=5"));
    json_decref(writes);
    finish(&f);
}

/* ---- --once reads the PodMetrics of HPAs started together once --------- */

#define SHARED_LISTS_MAX 8

typedef struct seen_lists {
    pthread_mutex_t lock;
    char *selectors[SHARED_LISTS_MAX];
    size_t count;
} seen_lists;

static void record_list(void *ctx, const char *method, const char *path,
                        const char *label_selector)
{
    seen_lists *seen = ctx;
    if (strcmp(method, "GET") != 0 || strcmp(path, METRICS_PATH) != 0)
        return;
    pthread_mutex_lock(&seen->lock);
    if (seen->count < SHARED_LISTS_MAX)
        seen->selectors[seen->count] = strdup(label_selector ? label_selector : "");
    seen->count++;
    pthread_mutex_unlock(&seen->lock);
}

static int32_t replicas_of(fixture *f, const char *target)
{
    json_t *t = hpac_sim_get(f->sim, HPAC_SIM_KIND_TARGET, "default", target);
    int32_t replicas = (int32_t)json_integer_value(json_object_get(json_object_get(t, "spec"),
                                                                   "replicas"));
    json_decref(t);
    return replicas;
}

/* A copy of the base case's `web` objects as `api`, every container at
 * `cpu` usage. */
static void add_api_copy(fixture *f, const char *cpu)
{
    char err[512];
    hpac_sim_state *st = hpac_sim_state_of(f->sim);
    const json_t *objects = json_object_get(f->the_case, "objects");
    json_t *hpa = json_deep_copy(json_object_get(objects, "hpa"));
    json_object_set_new(json_object_get(hpa, "metadata"), "name", json_string("api"));
    json_object_set_new(json_object_get(json_object_get(hpa, "spec"), "scaleTargetRef"), "name",
                        json_string("api"));
    if (hpac_sim_put_object(st, HPAC_SIM_KIND_HPA, hpa, err, sizeof(err)))
        fail_msg("hpa: %s", err);
    json_decref(hpa);
    json_t *target = json_deep_copy(json_array_get(json_object_get(objects, "targets"), 0));
    json_object_set_new(json_object_get(target, "metadata"), "name", json_string("api"));
    json_object_set_new(json_object_get(target, "status"), "selector", json_string("app=api"));
    if (hpac_sim_put_object(st, HPAC_SIM_KIND_TARGET, target, err, sizeof(err)))
        fail_msg("target: %s", err);
    json_decref(target);
    static const char *const kinds[] = {"pods", "podMetrics"};
    static const char *const sim_kinds[] = {HPAC_SIM_KIND_POD, HPAC_SIM_KIND_POD_METRICS};
    for (size_t k = 0; k < 2; k++) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(objects, kinds[k]), i, item)
        {
            char name[32];
            snprintf(name, sizeof(name), "api-%zu", i);
            json_t *copy = json_deep_copy(item);
            json_t *meta = json_object_get(copy, "metadata");
            json_object_set_new(meta, "name", json_string(name));
            json_object_set_new(json_object_get(meta, "labels"), "app", json_string("api"));
            size_t c;
            json_t *container;
            json_array_foreach(json_object_get(copy, "containers"), c, container)
                json_object_set_new(json_object_get(container, "usage"), "cpu", json_string(cpu));
            if (hpac_sim_put_object(st, sim_kinds[k], copy, err, sizeof(err)))
                fail_msg("%s: %s", kinds[k], err);
            json_decref(copy);
        }
    }
}

static void test_e2e__once_shares_one_pod_metrics_list(void **state)
{
    (void)state;
    seen_lists seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
    fixture f = {.on_request = record_list, .on_request_ctx = &seen};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    /* web: pods at 30 %, 50 %, 70 % of their 1000m against a 30 % target:
     * ceil(3 * 50 / 30) = 5. api: every pod at 40 %: ceil(3 * 40 / 30) = 4.
     * Each must get its own pods' metrics to get its count. */
    add_api_copy(&f, "200m");
    run(&f, "--concurrent-horizontal-pod-autoscaler-syncs=5");
    assert_int_equal(f.rc, 0);
    assert_int_equal(replicas_of(&f, "web"), 5);
    assert_int_equal(replicas_of(&f, "api"), 4);
    pthread_mutex_lock(&seen.lock);
    size_t lists = seen.count;
    pthread_mutex_unlock(&seen.lock);
    if (lists != 1 || !seen.selectors[0] || strcmp(seen.selectors[0], "app in (api,web)") != 0)
        fail_msg("expected one PodMetrics list for \"app in (api,web)\", got %zu (first: %s)",
                 lists, lists && seen.selectors[0] ? seen.selectors[0] : "none");
    for (size_t i = 0; i < lists && i < SHARED_LISTS_MAX; i++)
        free(seen.selectors[i]);
    finish(&f);
}

/* ---- the cluster cannot be used: non-zero, one clear line ------------- */

static void assert_one_line_failure(const fixture *f, const char *needle)
{
    assert_int_not_equal(f->rc, 0);
    assert_non_null(f->log);
    if (!strstr(f->log, needle))
        fail_msg("expected \"%s\" in: %s", needle, f->log);
    /* one line: the message ends the output */
    const char *nl = strchr(f->log, '\n');
    assert_non_null(nl);
    assert_true(nl[1] == '\0');
    assert_null(strstr(f->log, E2E_TOKEN)); /* never the secret */
}

static void test_e2e__unreachable_server_exits_non_zero(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    unsigned port = hpac_sim_port(f.sim);
    hpac_sim_stop(f.sim); /* nobody listens there any more */
    f.sim = NULL;
    e2e_remove_kubeconfig(f.kubeconfig);
    f.kubeconfig = e2e_write_kubeconfig(port, E2E_TOKEN);
    run(&f, NULL);
    assert_one_line_failure(&f, "cannot list HorizontalPodAutoscalers");
    free(f.log);
    e2e_remove_kubeconfig(f.kubeconfig);
    json_decref(f.the_case);
}

static void test_e2e__unauthorized_exits_non_zero(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    e2e_remove_kubeconfig(f.kubeconfig);
    f.kubeconfig = e2e_write_kubeconfig(hpac_sim_port(f.sim), "not-the-token");
    run(&f, NULL);
    assert_one_line_failure(&f, "401");
    json_t *writes = hpac_sim_writes(f.sim);
    assert_int_equal(json_array_size(writes), 0);
    json_decref(writes);
    finish(&f);
}

static void test_e2e__hpa_list_unreadable_exits_non_zero(void **state)
{
    (void)state;
    fixture f = {0};
    f.the_case = load_base();
    start(&f, json_object_get(f.the_case, "objects"));
    hpac_sim_inject(f.sim, "GET", HPA_LIST_PATH, 500, NULL, 0);
    run(&f, NULL);
    assert_one_line_failure(&f, "cannot list HorizontalPodAutoscalers");
    finish(&f);
}

static void test_e2e__bad_kubeconfig_exits_non_zero(void **state)
{
    (void)state;
    fixture f = {0};
    const char *missing[] = {"--kubeconfig", "/nonexistent/kubeconfig", "--once", NULL};
    f.rc = e2e_run_hpac(missing, 10, &f.log);
    assert_one_line_failure(&f, "/nonexistent/kubeconfig");
    free(f.log);
    f.log = NULL;

    char path[] = "/tmp/hpac-e2e-badcfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *garbage = "clusters: [ {name: x, cluster: {server: 42}\n";
    assert_int_equal(write(fd, garbage, strlen(garbage)), (ssize_t)strlen(garbage));
    close(fd);
    const char *bad[] = {"--kubeconfig", path, "--once", NULL};
    f.rc = e2e_run_hpac(bad, 10, &f.log);
    assert_one_line_failure(&f, path);
    unlink(path);
    free(f.log);
}

/* The controller never blocks its loop on a transfer. */
static void test_e2e__no_blocking_transfer_in_the_binary(void **state)
{
    (void)state;
    char command[4096];
    snprintf(command, sizeof(command), "nm -D --undefined-only %s", HPAC_BINARY);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    char line[512];
    int curl_symbols = 0, blocking = 0;
    while (fgets(line, sizeof(line), p)) {
        if (strstr(line, "curl_multi_socket_action"))
            curl_symbols++;
        if (strstr(line, "curl_easy_perform"))
            blocking++;
    }
    assert_int_equal(pclose(p), 0);
    assert_true(curl_symbols > 0); /* the check looks at the right binary */
    assert_int_equal(blocking, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e2e__scale_answer_malformed_json),
        cmocka_unit_test(test_e2e__scale_answer_wrong_types),
        cmocka_unit_test(test_e2e__scale_server_error),
        cmocka_unit_test(test_e2e__scale_timeout),
        cmocka_unit_test(test_e2e__invalid_selector),
        cmocka_unit_test(test_e2e__metrics_malformed_json),
        cmocka_unit_test(test_e2e__metrics_absurd_quantity),
        cmocka_unit_test(test_e2e__metrics_server_error),
        cmocka_unit_test(test_e2e__metrics_timeout),
        cmocka_unit_test(test_e2e__pods_list_fails),
        cmocka_unit_test(test_e2e__metrics_api_absent),
        cmocka_unit_test(test_e2e__hpa_with_wrong_types),
        cmocka_unit_test(test_e2e__scale_write_rejected),
        cmocka_unit_test(test_e2e__status_conflict_is_retried),
        cmocka_unit_test(test_e2e__status_is_a_guarded_merge_patch),
        cmocka_unit_test(test_e2e__status_put_when_merge_patch_is_refused),
        cmocka_unit_test(test_e2e__dry_run_writes_nothing),
        cmocka_unit_test(test_e2e__unreachable_server_exits_non_zero),
        cmocka_unit_test(test_e2e__unauthorized_exits_non_zero),
        cmocka_unit_test(test_e2e__hpa_list_unreadable_exits_non_zero),
        cmocka_unit_test(test_e2e__bad_kubeconfig_exits_non_zero),
        cmocka_unit_test(test_e2e__no_blocking_transfer_in_the_binary),
        cmocka_unit_test(test_e2e__once_shares_one_pod_metrics_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
