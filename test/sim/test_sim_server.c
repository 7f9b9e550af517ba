/* The simulated API server over real HTTP, started on an ephemeral port
 * with acceptance cases from the corpus. */
#include "test_support.h"

#include "sim/case.h"
#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "sim_http.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN "s3cret-token"
#define SCALE_PATH "/apis/apps/v1/namespaces/default/deployments/web/scale"
#define HPA_V2 "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
#define HPA_HPAC "/apis/hpac.io/v1/namespaces/default/horizontalpodautoscalers"

/* The "objects" of a corpus case. New reference. */
static json_t *case_objects(const char *name)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/upstream/%s", HPAC_CASES_DIR, name);
    json_t *the_case = hpac_case_load(path, err, sizeof(err));
    if (!the_case)
        fail_msg("%s", err);
    json_t *objects = json_incref(json_object_get(the_case, "objects"));
    json_decref(the_case);
    return objects;
}

static hpac_sim_server *start_objects(const json_t *objects, const char *token)
{
    char err[512];
    hpac_sim_options opts = {.port = 0, .token = token};
    hpac_sim_server *sim = hpac_sim_start(objects, &opts, err, sizeof(err));
    if (!sim)
        fail_msg("hpac_sim_start: %s", err);
    assert_true(hpac_sim_port(sim) > 0);
    return sim;
}

static hpac_sim_server *start_case(const char *name, const char *token)
{
    json_t *objects = case_objects(name);
    hpac_sim_server *sim = start_objects(objects, token);
    json_decref(objects);
    return sim;
}

/* One request; returns the status code, the parsed body in *json (may be
 * NULL; caller decrefs). */
static long call(hpac_sim_server *sim, const char *method, const char *path, const char *body,
                 const char *content_type, const char *token, json_t **json)
{
    sim_http_result r;
    if (sim_http_on(NULL, hpac_sim_port(sim), method, path, body, body ? strlen(body) : 0,
                    content_type, token, &r) != 0)
        fail_msg("%s %s: transport error", method, path);
    long code = r.code;
    if (json) {
        *json = r.json;
        r.json = NULL;
    }
    sim_http_result_free(&r);
    return code;
}

static long get(hpac_sim_server *sim, const char *path, json_t **json)
{
    return call(sim, "GET", path, NULL, NULL, NULL, json);
}

static const char *str_at(const json_t *root, const char *a, const char *b)
{
    const json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static void assert_status_body(const json_t *body, long code, const char *reason)
{
    assert_non_null(body);
    assert_string_equal(str_at(body, "kind", NULL), "Status");
    assert_string_equal(str_at(body, "apiVersion", NULL), "v1");
    assert_string_equal(str_at(body, "status", NULL), "Failure");
    assert_string_equal(str_at(body, "reason", NULL), reason);
    assert_int_equal(json_integer_value(json_object_get(body, "code")), code);
    assert_non_null(str_at(body, "message", NULL));
}

static void expect_error(hpac_sim_server *sim, const char *method, const char *path,
                         const char *body, const char *content_type, long code,
                         const char *reason)
{
    json_t *json = NULL;
    long got = call(sim, method, path, body, content_type, NULL, &json);
    if (got != code)
        fail_msg("%s %s: got %ld, want %ld", method, path, got, code);
    assert_status_body(json, code, reason);
    json_decref(json);
}

static size_t items_count(const json_t *list)
{
    const json_t *items = json_object_get(list, "items");
    assert_true(json_is_array(items));
    return json_array_size(items);
}

static bool has_resource(const json_t *resource_list, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(resource_list, "resources"), i, r) {
        if (strcmp(str_at(r, "name", NULL), name) == 0)
            return true;
    }
    return false;
}

/* --- authentication ---------------------------------------------------- */

static void test_sim__auth(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", TOKEN);
    static const struct {
        const char *token;
        long code;
    } CASES[] = {
        {NULL, 401},
        {"wrong", 401},
        {TOKEN "x", 401},
        {"s3cret", 401},
        {TOKEN, 200},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = call(sim, "GET", "/api/v1/namespaces/default/pods", NULL, NULL,
                         CASES[i].token, &json);
        assert_int_equal(code, CASES[i].code);
        if (code == 401)
            assert_status_body(json, 401, "Unauthorized");
        else
            assert_string_equal(str_at(json, "kind", NULL), "PodList");
        json_decref(json);
    }
    /* Writes are refused too, and not recorded. */
    assert_int_equal(call(sim, "PUT", SCALE_PATH, "{\"spec\":{\"replicas\":9}}", NULL, NULL, NULL),
                     401);
    json_t *writes = hpac_sim_writes(sim);
    assert_int_equal(json_array_size(writes), 0);
    json_decref(writes);
    json_t *target = hpac_sim_get(sim, "target", "default", "web");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(target, "spec"),
                                                        "replicas")),
                     3);
    json_decref(target);
    hpac_sim_stop(sim);
}

/* --- discovery --------------------------------------------------------- */

static void test_sim__discovery(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    static const struct {
        const char *path;
        long code;
        const char *kind;
        const char *resource; /* expected in the APIResourceList */
    } CASES[] = {
        {"/api", 200, "APIVersions", NULL},
        {"/api/v1", 200, "APIResourceList", "pods"},
        {"/api/v1", 200, "APIResourceList", "events"},
        {"/api/v1", 200, "APIResourceList", "replicationcontrollers"},
        {"/api/v1", 200, "APIResourceList", "replicationcontrollers/scale"},
        {"/api/v1", 200, "APIResourceList", "namespaces"},
        {"/apis", 200, "APIGroupList", NULL},
        {"/apis/apps", 200, "APIGroup", NULL},
        {"/apis/apps/v1", 200, "APIResourceList", "deployments"},
        {"/apis/apps/v1", 200, "APIResourceList", "deployments/scale"},
        {"/apis/apps/v1", 200, "APIResourceList", "replicasets/scale"},
        {"/apis/apps/v1", 200, "APIResourceList", "statefulsets/scale"},
        {"/apis/autoscaling/v2", 200, "APIResourceList", "horizontalpodautoscalers"},
        {"/apis/autoscaling/v2", 200, "APIResourceList", "horizontalpodautoscalers/status"},
        {"/apis/hpac.io/v1", 200, "APIResourceList", "horizontalpodautoscalers/status"},
        {"/apis/coordination.k8s.io/v1", 200, "APIResourceList", "leases"},
        {"/apis/metrics.k8s.io/v1beta1", 200, "APIResourceList", "pods"},
        {"/apis/metrics.k8s.io/v1beta1", 200, "APIResourceList", "nodes"},
        /* This case has no custom or external metrics. */
        {"/apis/custom.metrics.k8s.io/v1beta2", 404, "Status", NULL},
        {"/apis/external.metrics.k8s.io/v1beta1", 404, "Status", NULL},
        {"/apis/autoscaling/v1", 404, "Status", NULL},
        {"/apis/nope.example.com/v1", 404, "Status", NULL},
        {"/apis/nope.example.com", 404, "Status", NULL},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = get(sim, CASES[i].path, &json);
        if (code != CASES[i].code)
            fail_msg("%s: got %ld", CASES[i].path, code);
        assert_string_equal(str_at(json, "kind", NULL), CASES[i].kind);
        if (CASES[i].resource && !has_resource(json, CASES[i].resource))
            fail_msg("%s lacks %s", CASES[i].path, CASES[i].resource);
        json_decref(json);
    }

    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/apps/v1", &json), 200);
    size_t i;
    json_t *r;
    bool checked = false;
    json_array_foreach(json_object_get(json, "resources"), i, r) {
        if (strcmp(str_at(r, "name", NULL), "deployments/scale") == 0) {
            assert_string_equal(str_at(r, "kind", NULL), "Scale");
            assert_string_equal(str_at(r, "group", NULL), "autoscaling");
            assert_string_equal(str_at(r, "version", NULL), "v1");
            checked = true;
        }
    }
    assert_true(checked);
    assert_string_equal(str_at(json, "groupVersion", NULL), "apps/v1");
    json_decref(json);

    assert_int_equal(get(sim, "/apis", &json), 200);
    bool apps = false, metrics = false, custom = false, hpac = false;
    json_array_foreach(json_object_get(json, "groups"), i, r) {
        const char *name = str_at(r, "name", NULL);
        apps |= strcmp(name, "apps") == 0;
        hpac |= strcmp(name, "hpac.io") == 0;
        metrics |= strcmp(name, "metrics.k8s.io") == 0;
        custom |= strcmp(name, "custom.metrics.k8s.io") == 0;
        assert_non_null(str_at(r, "preferredVersion", "groupVersion"));
    }
    assert_true(apps && hpac && metrics);
    assert_false(custom);
    json_decref(json);

    assert_int_equal(get(sim, "/api", &json), 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(json, "versions"), 0)),
                        "v1");
    json_decref(json);
    hpac_sim_stop(sim);
}

static void test_sim__discovery_metrics_apis(void **state)
{
    json_t *objects = case_objects("ctl_scale_up_cm_object.json");
    json_t *external = case_objects("rc_replica_calc_scale_up_per_pod_cm_external.json");
    json_object_set(objects, "externalMetrics", json_object_get(external, "externalMetrics"));
    json_decref(external);
    hpac_sim_server *sim = start_objects(objects, NULL);
    json_decref(objects);

    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/custom.metrics.k8s.io/v1beta2", &json), 200);
    assert_true(has_resource(json, "deployments.apps/qps"));
    json_decref(json);
    assert_int_equal(get(sim, "/apis/external.metrics.k8s.io/v1beta1", &json), 200);
    assert_true(has_resource(json, "qps"));
    json_decref(json);
    /* No podMetrics in this case: metrics.k8s.io is absent. */
    expect_error(sim, "GET", "/apis/metrics.k8s.io/v1beta1", NULL, NULL, 404, "NotFound");
    expect_error(sim, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", NULL, NULL,
                 404, "NotFound");
    hpac_sim_stop(sim);
}

/* A scale target of a custom resource brings its group into discovery. */
static void test_sim__custom_resource_target(void **state)
{
    json_t *objects = case_objects("ctl_scale_up.json");
    json_t *widget = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i, s:s}}",
                               "apiVersion", "example.com/v1", "kind", "Widget", "resource",
                               "widgets", "metadata", "name", "w", "namespace", "default", "spec",
                               "replicas", 2, "status", "replicas", 2, "selector", "app=web");
    json_array_append_new(json_object_get(objects, "targets"), widget);
    json_t *rc = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i, s:s}}", "apiVersion",
                           "v1", "kind", "ReplicationController", "resource",
                           "replicationcontrollers", "metadata", "name", "rc", "namespace",
                           "default", "spec", "replicas", 1, "status", "replicas", 1, "selector",
                           "app=web");
    json_array_append_new(json_object_get(objects, "targets"), rc);
    hpac_sim_server *sim = start_objects(objects, NULL);
    json_decref(objects);

    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/example.com/v1", &json), 200);
    assert_true(has_resource(json, "widgets"));
    assert_true(has_resource(json, "widgets/scale"));
    json_decref(json);
    assert_int_equal(get(sim, "/apis/example.com/v1/namespaces/default/widgets/w/scale", &json),
                     200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json, "spec"),
                                                        "replicas")),
                     2);
    json_decref(json);
    assert_int_equal(call(sim, "PUT", "/apis/example.com/v1/namespaces/default/widgets/w/scale",
                          "{\"spec\":{\"replicas\":7}}", NULL, NULL, NULL),
                     200);
    json_t *w = hpac_sim_get(sim, "target", "default", "w");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(w, "spec"), "replicas")),
                     7);
    json_decref(w);
    /* The target object itself, without the case's "resource". */
    assert_int_equal(get(sim, "/apis/example.com/v1/namespaces/default/widgets/w", &json), 200);
    assert_string_equal(str_at(json, "kind", NULL), "Widget");
    assert_null(json_object_get(json, "resource"));
    json_decref(json);
    assert_int_equal(get(sim, "/apis/example.com/v1/namespaces/default/widgets", &json), 200);
    assert_int_equal(items_count(json), 1);
    assert_string_equal(str_at(json, "kind", NULL), "WidgetList");
    json_decref(json);

    /* A core-group target: a ReplicationController under /api/v1. */
    const char *rc_scale = "/api/v1/namespaces/default/replicationcontrollers/rc/scale";
    assert_int_equal(get(sim, rc_scale, &json), 200);
    assert_string_equal(str_at(json, "status", "selector"), "app=web");
    json_decref(json);
    assert_int_equal(call(sim, "PATCH", rc_scale, "{\"spec\":{\"replicas\":3}}",
                          "application/merge-patch+json", NULL, NULL),
                     200);
    json_t *stored = hpac_sim_get(sim, "target", "default", "rc");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(stored, "spec"),
                                                        "replicas")),
                     3);
    json_decref(stored);
    /* The same name under apps/v1 is another resource. */
    expect_error(sim, "GET", "/apis/apps/v1/namespaces/default/deployments/rc/scale", NULL, NULL,
                 404, "NotFound");
    hpac_sim_stop(sim);
}

/* --- HPAs -------------------------------------------------------------- */

static void test_sim__hpa_list_get(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    static const struct {
        const char *path;
        const char *api_version;
        const char *kind;
    } CASES[] = {
        {"/apis/autoscaling/v2/horizontalpodautoscalers", "autoscaling/v2",
         "HorizontalPodAutoscalerList"},
        {"/apis/hpac.io/v1/horizontalpodautoscalers", "hpac.io/v1", "HorizontalPodAutoscalerList"},
        {HPA_V2, "autoscaling/v2", "HorizontalPodAutoscalerList"},
        {HPA_HPAC, "hpac.io/v1", "HorizontalPodAutoscalerList"},
        {HPA_V2 "/web", "autoscaling/v2", "HorizontalPodAutoscaler"},
        {HPA_HPAC "/web", "hpac.io/v1", "HorizontalPodAutoscaler"},
        {HPA_HPAC "/web/status", "hpac.io/v1", "HorizontalPodAutoscaler"},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        assert_int_equal(get(sim, CASES[i].path, &json), 200);
        assert_string_equal(str_at(json, "kind", NULL), CASES[i].kind);
        assert_string_equal(str_at(json, "apiVersion", NULL), CASES[i].api_version);
        const json_t *hpa = json;
        if (strstr(CASES[i].kind, "List")) {
            assert_int_equal(items_count(json), 1);
            assert_non_null(str_at(json, "metadata", "resourceVersion"));
            hpa = json_array_get(json_object_get(json, "items"), 0);
            assert_string_equal(str_at(hpa, "apiVersion", NULL), CASES[i].api_version);
        }
        assert_string_equal(str_at(hpa, "metadata", "name"), "web");
        assert_string_equal(str_at(hpa, "metadata", "namespace"), "default");
        assert_non_null(str_at(hpa, "metadata", "uid"));
        assert_non_null(str_at(hpa, "metadata", "resourceVersion"));
        assert_non_null(str_at(hpa, "metadata", "creationTimestamp"));
        assert_int_equal(json_integer_value(json_object_get(json_object_get(hpa, "metadata"),
                                                            "generation")),
                         1);
        json_decref(json);
    }
    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/autoscaling/v2/namespaces/other/horizontalpodautoscalers",
                         &json),
                     200);
    assert_int_equal(items_count(json), 0);
    json_decref(json);

    assert_int_equal(get(sim, HPA_V2 "/missing", &json), 404);
    assert_status_body(json, 404, "NotFound");
    assert_string_equal(str_at(json, "details", "name"), "missing");
    assert_string_equal(str_at(json, "details", "kind"), "horizontalpodautoscalers");
    assert_string_equal(str_at(json, "details", "group"), "autoscaling");
    json_decref(json);
    expect_error(sim, "GET", HPA_V2 "/web/scale", NULL, NULL, 404, "NotFound");
    expect_error(sim, "POST", HPA_V2 "/web/status", "{}", NULL, 405, "MethodNotAllowed");
    hpac_sim_stop(sim);
}

static json_t *status_body(const char *rv, int desired)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s?}, s:{s:i, s:i, s:[{s:s, s:s, s:s}]}}",
                     "apiVersion", "autoscaling/v2", "kind", "HorizontalPodAutoscaler", "metadata",
                     "name", "web", "namespace", "default", "resourceVersion", rv, "status",
                     "currentReplicas", 3, "desiredReplicas", desired, "conditions", "type",
                     "AbleToScale", "status", "True", "reason", "SucceededRescale");
}

static long put_status(hpac_sim_server *sim, const char *base, const char *rv, int desired,
                       json_t **reply)
{
    json_t *body = status_body(rv, desired);
    char *text = json_dumps(body, JSON_COMPACT);
    char path[512];
    snprintf(path, sizeof(path), "%s/web/status", base);
    long code = call(sim, "PUT", path, text, NULL, NULL, reply);
    free(text);
    json_decref(body);
    return code;
}

static void test_sim__hpa_status_writes(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    json_t *hpa = NULL, *reply = NULL;
    assert_int_equal(get(sim, HPA_V2 "/web", &hpa), 200);
    char rv[64];
    snprintf(rv, sizeof(rv), "%s", str_at(hpa, "metadata", "resourceVersion"));
    json_decref(hpa);

    /* PUT with the current resourceVersion: applied, version moves on. */
    assert_int_equal(put_status(sim, HPA_V2, rv, 5, &reply), 200);
    assert_string_equal(str_at(reply, "apiVersion", NULL), "autoscaling/v2");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(reply, "status"),
                                                        "desiredReplicas")),
                     5);
    char rv2[64];
    snprintf(rv2, sizeof(rv2), "%s", str_at(reply, "metadata", "resourceVersion"));
    assert_string_not_equal(rv, rv2);
    json_decref(reply);

    /* The old version is stale now: 409, nothing changes. */
    assert_int_equal(put_status(sim, HPA_V2, rv, 6, &reply), 409);
    assert_status_body(reply, 409, "Conflict");
    json_decref(reply);
    /* Without a resourceVersion the update is unconditional; through the
     * hpac.io/v1 path it is the same object. */
    assert_int_equal(put_status(sim, HPA_HPAC, NULL, 4, &reply), 200);
    assert_string_equal(str_at(reply, "apiVersion", NULL), "hpac.io/v1");
    json_decref(reply);

    /* Merge patch of the status. */
    assert_int_equal(call(sim, "PATCH", HPA_V2 "/web/status",
                          "{\"status\":{\"desiredReplicas\":2}}", "application/merge-patch+json",
                          NULL, &reply),
                     200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(reply, "status"),
                                                        "desiredReplicas")),
                     2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(reply, "status"),
                                                        "currentReplicas")),
                     3);
    json_decref(reply);
    /* JSON patch too. */
    assert_int_equal(call(sim, "PATCH", HPA_V2 "/web/status",
                          "[{\"op\":\"replace\",\"path\":\"/status/desiredReplicas\",\"value\":6}]",
                          "application/json-patch+json", NULL, NULL),
                     200);
    expect_error(sim, "PATCH", HPA_V2 "/web/status", "{\"status\":{}}", "text/plain", 415,
                 "UnsupportedMediaType");
    expect_error(sim, "PATCH", HPA_V2 "/web/status",
                 "{\"metadata\":{\"resourceVersion\":\"1\"},\"status\":{}}",
                 "application/merge-patch+json", 409, "Conflict");
    expect_error(sim, "PUT", HPA_V2 "/web/status",
                 "{\"metadata\":{\"name\":\"other\"},\"status\":{}}", NULL, 400, "BadRequest");
    expect_error(sim, "PUT", HPA_V2 "/web/status", "{\"status\":{\"desiredReplicas\":-1}}",
                 NULL, 422, "Invalid");
    expect_error(sim, "PUT", HPA_V2 "/nope/status", "{\"status\":{}}", NULL, 404, "NotFound");

    hpa = hpac_sim_get(sim, "hpa", "default", "web");
    assert_non_null(hpa);
    const json_t *status = json_object_get(hpa, "status");
    assert_int_equal(json_integer_value(json_object_get(status, "desiredReplicas")), 6);
    assert_string_equal(str_at(json_array_get(json_object_get(status, "conditions"), 0), "reason",
                               NULL),
                        "SucceededRescale");
    /* The spec is untouched by status writes. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(hpa, "spec"),
                                                        "maxReplicas")),
                     6);
    json_decref(hpa);

    /* The write log, in order, with the answers given. */
    json_t *writes = hpac_sim_writes(sim);
    static const struct {
        const char *verb;
        long code;
    } LOG[] = {{"PUT", 200}, {"PUT", 409}, {"PUT", 200}, {"PATCH", 200}, {"PATCH", 200},
               {"PATCH", 415}, {"PATCH", 409}, {"PUT", 400}, {"PUT", 422}, {"PUT", 404}};
    assert_int_equal(json_array_size(writes), sizeof(LOG) / sizeof(LOG[0]));
    for (size_t i = 0; i < sizeof(LOG) / sizeof(LOG[0]); i++) {
        const json_t *w = json_array_get(writes, i);
        assert_string_equal(str_at(w, "verb", NULL), LOG[i].verb);
        assert_int_equal(json_integer_value(json_object_get(w, "code")), LOG[i].code);
        assert_non_null(strstr(str_at(w, "path", NULL), "/status"));
    }
    const json_t *first = json_array_get(writes, 0);
    assert_string_equal(str_at(first, "path", NULL), HPA_V2 "/web/status");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(first, "body"), "status"),
                         "desiredReplicas")),
                     5);
    json_decref(writes);
    hpac_sim_stop(sim);
}

static void test_sim__hpas_array(void **state)
{
    json_t *objects = case_objects("ctl_scale_up.json");
    json_t *hpa = json_object_get(objects, "hpa");
    json_t *hpas = json_array();
    static const char *const NAMESPACES[] = {"default", "team-a", "team-b"};
    for (size_t i = 0; i < 3; i++) {
        json_t *copy = json_deep_copy(hpa);
        json_object_set_new(json_object_get(copy, "metadata"), "namespace",
                            json_string(NAMESPACES[i]));
        json_object_set_new(json_object_get(copy, "metadata"), "name", json_string("h"));
        json_array_append_new(hpas, copy);
    }
    json_object_del(objects, "hpa");
    json_object_set_new(objects, "hpas", hpas);
    hpac_sim_server *sim = start_objects(objects, NULL);
    json_decref(objects);

    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/hpac.io/v1/horizontalpodautoscalers", &json), 200);
    assert_int_equal(items_count(json), 3);
    json_decref(json);
    assert_int_equal(get(sim, "/apis/hpac.io/v1/namespaces/team-a/horizontalpodautoscalers", &json),
                     200);
    assert_int_equal(items_count(json), 1);
    json_decref(json);
    /* uids differ. */
    json_t *a = hpac_sim_get(sim, "hpa", "team-a", "h");
    json_t *b = hpac_sim_get(sim, "hpa", "team-b", "h");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(str_at(a, "metadata", "uid"), str_at(b, "metadata", "uid"));
    json_decref(a);
    json_decref(b);
    hpac_sim_stop(sim);
}

/* --- scale ------------------------------------------------------------- */

static json_int_t spec_replicas_of(hpac_sim_server *sim, const char *name)
{
    json_t *target = hpac_sim_get(sim, "target", "default", name);
    assert_non_null(target);
    json_int_t n = json_integer_value(json_object_get(json_object_get(target, "spec"),
                                                      "replicas"));
    json_decref(target);
    return n;
}

static void test_sim__scale(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    json_t *scale = NULL, *reply = NULL;
    assert_int_equal(get(sim, SCALE_PATH, &scale), 200);
    assert_string_equal(str_at(scale, "apiVersion", NULL), "autoscaling/v1");
    assert_string_equal(str_at(scale, "kind", NULL), "Scale");
    assert_string_equal(str_at(scale, "metadata", "name"), "web");
    assert_string_equal(str_at(scale, "metadata", "namespace"), "default");
    assert_non_null(str_at(scale, "metadata", "uid"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(scale, "spec"),
                                                        "replicas")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(scale, "status"),
                                                        "replicas")),
                     3);
    assert_string_equal(str_at(scale, "status", "selector"), "app=web");
    char rv[64], body[256];
    snprintf(rv, sizeof(rv), "%s", str_at(scale, "metadata", "resourceVersion"));
    json_decref(scale);

    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":"
             "\"web\",\"namespace\":\"default\",\"resourceVersion\":\"%s\"},\"spec\":{"
             "\"replicas\":5}}",
             rv);
    assert_int_equal(call(sim, "PUT", SCALE_PATH, body, NULL, NULL, &reply), 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(reply, "spec"),
                                                        "replicas")),
                     5);
    /* status.replicas stays what the case says. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(reply, "status"),
                                                        "replicas")),
                     3);
    assert_string_not_equal(str_at(reply, "metadata", "resourceVersion"), rv);
    json_decref(reply);
    assert_int_equal(spec_replicas_of(sim, "web"), 5);

    /* Same body again: its resourceVersion is stale now. */
    expect_error(sim, "PUT", SCALE_PATH, body, NULL, 409, "Conflict");
    assert_int_equal(spec_replicas_of(sim, "web"), 5);
    /* No resourceVersion: accepted. */
    assert_int_equal(call(sim, "PUT", SCALE_PATH, "{\"spec\":{\"replicas\":6}}", NULL, NULL, NULL),
                     200);
    assert_int_equal(spec_replicas_of(sim, "web"), 6);
    /* Merge patch. */
    assert_int_equal(call(sim, "PATCH", SCALE_PATH, "{\"spec\":{\"replicas\":4}}",
                          "application/merge-patch+json", NULL, NULL),
                     200);
    assert_int_equal(spec_replicas_of(sim, "web"), 4);
    expect_error(sim, "PUT", SCALE_PATH, "{\"spec\":{\"replicas\":-2}}", NULL, 422, "Invalid");
    expect_error(sim, "PUT", SCALE_PATH, "{\"spec\":{\"replicas\":\"two\"}}", NULL, 400,
                 "BadRequest");
    expect_error(sim, "PUT", SCALE_PATH, "[1,2]", NULL, 400, "BadRequest");
    expect_error(sim, "PATCH", SCALE_PATH, "{\"spec\":{\"replicas\":-1}}",
                 "application/merge-patch+json", 422, "Invalid");
    expect_error(sim, "DELETE", SCALE_PATH, NULL, NULL, 405, "MethodNotAllowed");
    assert_int_equal(spec_replicas_of(sim, "web"), 4);

    /* Unknown targets. */
    expect_error(sim, "GET", "/apis/apps/v1/namespaces/default/deployments/nope/scale", NULL,
                 NULL, 404, "NotFound");
    expect_error(sim, "GET", "/apis/apps/v1/namespaces/other/deployments/web/scale", NULL, NULL,
                 404, "NotFound");
    expect_error(sim, "GET", "/apis/apps/v1/namespaces/default/replicasets/web/scale", NULL, NULL,
                 404, "NotFound");
    expect_error(sim, "PUT", "/apis/apps/v1/namespaces/default/statefulsets/web/scale",
                 "{\"spec\":{\"replicas\":1}}", NULL, 404, "NotFound");
    expect_error(sim, "GET", "/api/v1/namespaces/default/replicationcontrollers/web/scale", NULL,
                 NULL, 404, "NotFound");

    /* Scale writes are in the log. */
    json_t *writes = hpac_sim_writes(sim);
    const json_t *first = json_array_get(writes, 0);
    assert_string_equal(str_at(first, "verb", NULL), "PUT");
    assert_string_equal(str_at(first, "path", NULL), SCALE_PATH);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(first,
                                                                                        "body"),
                                                                        "spec"),
                                                        "replicas")),
                     5);
    json_decref(writes);
    hpac_sim_stop(sim);
}

static void test_sim__scale_without_selector(void **state)
{
    hpac_sim_server *sim = start_case("ctl_condition_invalid_selector_missing.json", NULL);
    json_t *scale = NULL;
    assert_int_equal(get(sim, SCALE_PATH, &scale), 200);
    assert_null(json_object_get(json_object_get(scale, "status"), "selector"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(scale, "status"),
                                                        "replicas")),
                     3);
    json_decref(scale);
    hpac_sim_stop(sim);

    /* A case without targets: every scale is 404. */
    sim = start_case("ctl_condition_failed_get_scale.json", NULL);
    expect_error(sim, "GET", SCALE_PATH, NULL, NULL, 404, "NotFound");
    hpac_sim_stop(sim);

    sim = start_case("ctl_scale_up_replica_set.json", NULL);
    assert_int_equal(get(sim, "/apis/apps/v1/namespaces/default/replicasets/test-replicaset/scale",
                         &scale),
                     200);
    assert_string_equal(str_at(scale, "metadata", "name"), "test-replicaset");
    json_decref(scale);
    hpac_sim_stop(sim);
}

/* --- pods and metrics -------------------------------------------------- */

static void add_pod(hpac_sim_server *sim, const char *ns, const char *name, const char *app)
{
    char err[256];
    json_t *pod = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:[{s:s}]}, s:{s:s}}",
                            "apiVersion", "v1", "kind", "Pod", "metadata", "name", name,
                            "namespace", ns, "labels", "app", app, "spec", "containers", "name",
                            "c", "status", "phase", "Running");
    if (hpac_sim_put_object(hpac_sim_state_of(sim), HPAC_SIM_KIND_POD, pod, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    json_decref(pod);
}

static void test_sim__pods_by_selector(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    add_pod(sim, "other", "web-x", "web");
    add_pod(sim, "default", "db-0", "db");
    static const struct {
        const char *path;
        long code;
        size_t items;
    } CASES[] = {
        {"/api/v1/namespaces/default/pods", 200, 4},
        {"/api/v1/namespaces/default/pods?labelSelector=app%3Dweb", 200, 3},
        {"/api/v1/namespaces/default/pods?labelSelector=app=web", 200, 3},
        {"/api/v1/namespaces/default/pods?labelSelector=app%3Ddb", 200, 1},
        {"/api/v1/namespaces/default/pods?labelSelector=app%20in%20(web%2Cdb)", 200, 4},
        {"/api/v1/namespaces/default/pods?labelSelector=app+in+(web,db)", 200, 4},
        {"/api/v1/namespaces/default/pods?labelSelector=app%21%3Dweb", 200, 1},
        {"/api/v1/namespaces/default/pods?labelSelector=%21app", 200, 0},
        {"/api/v1/namespaces/default/pods?labelSelector=app%3Dnone", 200, 0},
        {"/api/v1/namespaces/other/pods?labelSelector=app%3Dweb", 200, 1},
        {"/api/v1/namespaces/empty/pods", 200, 0},
        {"/api/v1/pods", 200, 5},
        {"/api/v1/pods?labelSelector=app%3Dweb", 200, 4},
        {"/api/v1/namespaces/default/pods?labelSelector=app%20in%20(", 400, 0},
        {"/api/v1/namespaces/default/pods?labelSelector=%3D%3D%3D", 400, 0},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = get(sim, CASES[i].path, &json);
        if (code != CASES[i].code)
            fail_msg("%s: got %ld", CASES[i].path, code);
        if (code == 200) {
            assert_string_equal(str_at(json, "kind", NULL), "PodList");
            assert_string_equal(str_at(json, "apiVersion", NULL), "v1");
            if (items_count(json) != CASES[i].items)
                fail_msg("%s: %zu items", CASES[i].path, items_count(json));
        } else {
            assert_status_body(json, 400, "BadRequest");
        }
        json_decref(json);
    }
    json_t *pod = NULL;
    assert_int_equal(get(sim, "/api/v1/namespaces/default/pods/web-1", &pod), 200);
    assert_string_equal(str_at(pod, "metadata", "name"), "web-1");
    json_decref(pod);
    expect_error(sim, "GET", "/api/v1/namespaces/default/pods/nope", NULL, NULL, 404, "NotFound");
    expect_error(sim, "DELETE", "/api/v1/namespaces/default/pods/web-1", NULL, NULL, 405,
                 "MethodNotAllowed");

    json_t *list = NULL;
    assert_int_equal(get(sim, "/api/v1/namespaces", &list), 200);
    assert_string_equal(str_at(list, "kind", NULL), "NamespaceList");
    assert_true(items_count(list) >= 2);
    json_decref(list);
    assert_int_equal(get(sim, "/api/v1/namespaces/other", &list), 200);
    json_decref(list);
    hpac_sim_stop(sim);
}

static void assert_near_now(const char *text, int64_t offset_ms)
{
    int64_t ms = 0;
    assert_non_null(text);
    assert_int_equal(hpac_time_parse_rfc3339(text, &ms), 0);
    int64_t want = hpac_clock_wall_ms() + offset_ms;
    int64_t diff = ms > want ? ms - want : want - ms;
    if (diff > 1500) /* one second, plus the second-precision truncation */
        fail_msg("%s is %lld ms away from now%+lld ms", text, (long long)diff,
                 (long long)offset_ms);
}

static void test_sim__pod_metrics(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    static const struct {
        const char *path;
        size_t items;
    } CASES[] = {
        {"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", 3},
        {"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb", 3},
        {"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dother", 0},
        {"/apis/metrics.k8s.io/v1beta1/namespaces/other/pods", 0},
        {"/apis/metrics.k8s.io/v1beta1/pods", 3},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        assert_int_equal(get(sim, CASES[i].path, &json), 200);
        assert_string_equal(str_at(json, "kind", NULL), "PodMetricsList");
        assert_string_equal(str_at(json, "apiVersion", NULL), "metrics.k8s.io/v1beta1");
        assert_int_equal(items_count(json), CASES[i].items);
        json_decref(json);
    }
    json_t *pm = NULL;
    assert_int_equal(get(sim, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-2", &pm),
                     200);
    assert_string_equal(str_at(pm, "kind", NULL), "PodMetrics");
    assert_string_equal(str_at(pm, "window", NULL), "1m0s");
    assert_near_now(str_at(pm, "timestamp", NULL), 0);
    const json_t *c0 = json_array_get(json_object_get(pm, "containers"), 0);
    assert_string_equal(str_at(c0, "usage", "cpu"), "350m");
    json_decref(pm);
    expect_error(sim, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", NULL,
                 NULL, 404, "NotFound");
    expect_error(sim, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=a%20in",
                 NULL, NULL, 400, "BadRequest");
    json_t *nodes = NULL;
    assert_int_equal(get(sim, "/apis/metrics.k8s.io/v1beta1/nodes", &nodes), 200);
    assert_string_equal(str_at(nodes, "kind", NULL), "NodeMetricsList");
    json_decref(nodes);
    hpac_sim_stop(sim);
}

static void test_sim__time_placeholders(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    json_t *list = NULL;
    assert_int_equal(get(sim, "/api/v1/namespaces/default/pods", &list), 200);
    size_t i;
    json_t *pod;
    json_array_foreach(json_object_get(list, "items"), i, pod) {
        assert_near_now(str_at(pod, "status", "startTime"), -3600 * 1000);
        const json_t *cond = json_array_get(json_object_get(json_object_get(pod, "status"),
                                                            "conditions"),
                                            0);
        assert_near_now(str_at(cond, "lastTransitionTime", NULL), -3600 * 1000);
    }
    json_decref(list);
    /* No placeholder is left anywhere in what is served. */
    sim_http_result r;
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "GET",
                                 "/apis/metrics.k8s.io/v1beta1/pods", NULL, 0, NULL, NULL, &r),
                     0);
    assert_null(strstr(r.raw, "@now"));
    assert_non_null(strstr(r.content_type, "application/json"));
    sim_http_result_free(&r);
    /* Nor in the state accessor. */
    json_t *p = hpac_sim_get(sim, "pod", "default", "web-0");
    assert_near_now(str_at(p, "status", "startTime"), -3600 * 1000);
    json_decref(p);
    hpac_sim_stop(sim);
}

/* --- custom and external metrics -------------------------------------- */

static void test_sim__custom_pod_metrics(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up_cm.json", NULL);
    add_pod(sim, "default", "db-0", "db");
    hpac_sim_set_custom_metric(hpac_sim_state_of(sim), "Pod", "default", "db-0", "qps", "99");
    static const struct {
        const char *path;
        long code;
        size_t items;
    } CASES[] = {
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dweb",
         200, 3},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/qps?labelSelector=app%3Dweb",
         200, 3},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps", 200, 4},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Ddb",
         200, 1},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dnone",
         200, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/other/pods/*/qps", 200, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-1/qps", 200, 1},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?"
         "labelSelector=app%3Dweb&metricLabelSelector=",
         200, 3},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?"
         "metricLabelSelector=x%3Dy",
         200, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/latency", 404, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=in%20(",
         400, 0},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = get(sim, CASES[i].path, &json);
        if (code != CASES[i].code)
            fail_msg("%s: got %ld", CASES[i].path, code);
        if (code != 200) {
            assert_status_body(json, code, code == 404 ? "NotFound" : "BadRequest");
            json_decref(json);
            continue;
        }
        assert_string_equal(str_at(json, "kind", NULL), "MetricValueList");
        assert_string_equal(str_at(json, "apiVersion", NULL), "custom.metrics.k8s.io/v1beta2");
        if (items_count(json) != CASES[i].items)
            fail_msg("%s: %zu items", CASES[i].path, items_count(json));
        size_t j;
        json_t *item;
        json_array_foreach(json_object_get(json, "items"), j, item) {
            assert_string_equal(str_at(item, "describedObject", "kind"), "Pod");
            assert_string_equal(str_at(item, "metric", "name"), "qps");
            assert_near_now(str_at(item, "timestamp", NULL), 0);
        }
        json_decref(json);
    }
    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-2/qps",
                         &json),
                     200);
    assert_string_equal(str_at(json_array_get(json_object_get(json, "items"), 0), "value", NULL),
                        "30");
    json_decref(json);
    /* The demo changes a value: the next answer has it. */
    assert_int_equal(hpac_sim_set_custom_metric(hpac_sim_state_of(sim), "Pod", "default", "web-2",
                                                "qps", "77"),
                     0);
    assert_int_equal(get(sim, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps",
                         &json),
                     200);
    assert_int_equal(items_count(json), 4);
    assert_string_equal(str_at(json_array_get(json_object_get(json, "items"), 2), "value", NULL),
                        "77");
    json_decref(json);
    /* A metric of a pod the cluster does not list: it has no labels. */
    assert_int_equal(hpac_sim_set_custom_metric(hpac_sim_state_of(sim), "Pod", "default",
                                                "ghost-0", "qps", "5"),
                     0);
    static const struct {
        const char *query;
        size_t items;
    } GHOST[] = {
        {"", 5},
        {"?labelSelector=app%3Dweb", 3},
        {"?labelSelector=app%3Dweb%2Capp%21%3Ddb", 3},
        {"?labelSelector=%21app", 1},
        {"?labelSelector=app%20notin%20(web)", 2},
        {"?labelSelector=app", 4},
    };
    for (size_t i = 0; i < sizeof(GHOST) / sizeof(GHOST[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path),
                 "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps%s",
                 GHOST[i].query);
        assert_int_equal(get(sim, path, &json), 200);
        if (items_count(json) != GHOST[i].items)
            fail_msg("%s: %zu items", path, items_count(json));
        json_decref(json);
    }
    hpac_sim_stop(sim);
}

static void test_sim__custom_object_metrics(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up_cm_object.json", NULL);
    static const struct {
        const char *path;
        long code;
        size_t items;
    } CASES[] = {
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/some-deployment/qps",
         200, 1},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments/some-deployment/qps",
         200, 1},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/other/qps", 200,
         0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/replicasets.apps/some-deployment/qps",
         200, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/other/deployments.apps/some-deployment/qps",
         200, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/some-deployment/rps",
         404, 0},
        {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/some-deployment",
         404, 0},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = get(sim, CASES[i].path, &json);
        if (code != CASES[i].code)
            fail_msg("%s: got %ld", CASES[i].path, code);
        if (code == 200) {
            assert_int_equal(items_count(json), CASES[i].items);
            if (CASES[i].items) {
                const json_t *item = json_array_get(json_object_get(json, "items"), 0);
                assert_string_equal(str_at(item, "value", NULL), "20");
                assert_string_equal(str_at(item, "describedObject", "name"), "some-deployment");
            }
        } else {
            assert_status_body(json, 404, "NotFound");
        }
        json_decref(json);
    }
    /* A namespace metric. */
    assert_int_equal(hpac_sim_set_custom_metric(hpac_sim_state_of(sim), "Namespace", NULL,
                                                "default", "load", "7"),
                     0);
    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/load",
                         &json),
                     200);
    assert_int_equal(items_count(json), 1);
    json_decref(json);
    hpac_sim_stop(sim);
}

static void test_sim__external_metrics(void **state)
{
    hpac_sim_server *sim = start_case("rc_replica_calc_scale_up_per_pod_cm_external.json", NULL);
    json_t *labels = json_pack("{s:s}", "label", "other");
    assert_int_equal(hpac_sim_set_external_metric(hpac_sim_state_of(sim), "qps", labels, "3"), 0);
    json_decref(labels);
    static const struct {
        const char *path;
        long code;
        size_t items;
    } CASES[] = {
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps", 200, 2},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps?labelSelector=label%3Dvalue",
         200, 1},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps?labelSelector=label%3Dother",
         200, 1},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps?labelSelector=label%3Dnone",
         200, 0},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue", 404, 0},
        {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps?labelSelector=%3D", 400, 0},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        long code = get(sim, CASES[i].path, &json);
        if (code != CASES[i].code)
            fail_msg("%s: got %ld", CASES[i].path, code);
        if (code == 200) {
            assert_string_equal(str_at(json, "kind", NULL), "ExternalMetricValueList");
            assert_string_equal(str_at(json, "apiVersion", NULL),
                                "external.metrics.k8s.io/v1beta1");
            assert_int_equal(items_count(json), CASES[i].items);
        } else {
            assert_status_body(json, code, code == 404 ? "NotFound" : "BadRequest");
        }
        json_decref(json);
    }
    json_t *json = NULL;
    assert_int_equal(get(sim,
                         "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/"
                         "qps?labelSelector=label%3Dvalue",
                         &json),
                     200);
    const json_t *item = json_array_get(json_object_get(json, "items"), 0);
    assert_string_equal(str_at(item, "value", NULL), "8600m");
    assert_near_now(str_at(item, "timestamp", NULL), 0);
    json_decref(json);
    /* Changing the value of an existing series (same labels) replaces it. */
    labels = json_pack("{s:s}", "label", "value");
    assert_int_equal(hpac_sim_set_external_metric(hpac_sim_state_of(sim), "qps", labels, "1500m"),
                     0);
    json_decref(labels);
    assert_int_equal(get(sim, "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps",
                         &json),
                     200);
    assert_int_equal(items_count(json), 2);
    assert_string_equal(str_at(json_array_get(json_object_get(json, "items"), 0), "value", NULL),
                        "1500m");
    json_decref(json);
    hpac_sim_stop(sim);
}

/* --- events and leases ------------------------------------------------- */

static void test_sim__events(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    const char *event =
        "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"web.17a\","
        "\"namespace\":\"default\"},\"involvedObject\":{\"kind\":\"HorizontalPodAutoscaler\","
        "\"name\":\"web\",\"namespace\":\"default\"},\"reason\":\"SuccessfulRescale\","
        "\"message\":\"New size: 5\",\"type\":\"Normal\",\"count\":1}";
    json_t *reply = NULL;
    assert_int_equal(call(sim, "POST", "/api/v1/namespaces/default/events", event, NULL, NULL,
                          &reply),
                     201);
    assert_string_equal(str_at(reply, "metadata", "name"), "web.17a");
    assert_non_null(str_at(reply, "metadata", "uid"));
    assert_non_null(str_at(reply, "metadata", "resourceVersion"));
    json_decref(reply);
    expect_error(sim, "POST", "/api/v1/namespaces/default/events", event, NULL, 409,
                 "AlreadyExists");
    /* generateName. */
    assert_int_equal(call(sim, "POST", "/api/v1/namespaces/default/events",
                          "{\"metadata\":{\"generateName\":\"web.\"},\"reason\":\"X\"}", NULL,
                          NULL, &reply),
                     201);
    const char *generated = str_at(reply, "metadata", "name");
    assert_non_null(generated);
    assert_int_equal(strncmp(generated, "web.", 4), 0);
    assert_int_equal(strlen(generated), 9);
    assert_string_equal(str_at(reply, "kind", NULL), "Event");
    json_decref(reply);
    expect_error(sim, "POST", "/api/v1/namespaces/default/events", "{\"reason\":\"X\"}", NULL, 422,
                 "Invalid");
    expect_error(sim, "POST", "/api/v1/namespaces/default/events",
                 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"other\"}}", NULL, 400,
                 "BadRequest");

    /* PATCH by name, as the event recorder counts repeats. */
    assert_int_equal(call(sim, "PATCH", "/api/v1/namespaces/default/events/web.17a",
                          "{\"count\":2,\"message\":\"New size: 5\"}",
                          "application/strategic-merge-patch+json", NULL, &reply),
                     200);
    assert_int_equal(json_integer_value(json_object_get(reply, "count")), 2);
    assert_string_equal(str_at(reply, "reason", NULL), "SuccessfulRescale");
    json_decref(reply);
    expect_error(sim, "PATCH", "/api/v1/namespaces/default/events/nope", "{\"count\":2}",
                 "application/merge-patch+json", 404, "NotFound");
    json_t *stored = hpac_sim_get(sim, "event", "default", "web.17a");
    assert_int_equal(json_integer_value(json_object_get(stored, "count")), 2);
    json_decref(stored);

    /* events.k8s.io/v1. */
    assert_int_equal(call(sim, "POST", "/apis/events.k8s.io/v1/namespaces/default/events",
                          "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":"
                          "{\"name\":\"e2\"},\"reason\":\"SuccessfulRescale\",\"note\":\"x\"}",
                          NULL, NULL, &reply),
                     201);
    assert_string_equal(str_at(reply, "apiVersion", NULL), "events.k8s.io/v1");
    json_decref(reply);

    json_t *list = NULL;
    assert_int_equal(get(sim, "/api/v1/namespaces/default/events", &list), 200);
    assert_string_equal(str_at(list, "kind", NULL), "EventList");
    assert_int_equal(items_count(list), 3);
    json_decref(list);

    json_t *writes = hpac_sim_writes(sim);
    assert_string_equal(str_at(json_array_get(writes, 0), "verb", NULL), "POST");
    assert_string_equal(str_at(json_array_get(writes, 0), "path", NULL),
                        "/api/v1/namespaces/default/events");
    assert_string_equal(str_at(json_object_get(json_array_get(writes, 0), "body"), "reason", NULL),
                        "SuccessfulRescale");
    json_decref(writes);
    hpac_sim_stop(sim);
}

static void test_sim__leases(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    const char *base = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
    const char *lease = "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
                        "\"metadata\":{\"name\":\"hpac\"},\"spec\":{\"holderIdentity\":\"a\","
                        "\"leaseDurationSeconds\":15}}";
    char path[256];
    snprintf(path, sizeof(path), "%s/hpac", base);
    expect_error(sim, "GET", path, NULL, NULL, 404, "NotFound");
    json_t *reply = NULL;
    assert_int_equal(call(sim, "POST", base, lease, NULL, NULL, &reply), 201);
    char rv[64];
    snprintf(rv, sizeof(rv), "%s", str_at(reply, "metadata", "resourceVersion"));
    json_decref(reply);
    expect_error(sim, "POST", base, lease, NULL, 409, "AlreadyExists");

    char update[512];
    snprintf(update, sizeof(update),
             "{\"metadata\":{\"name\":\"hpac\",\"resourceVersion\":\"%s\"},\"spec\":{"
             "\"holderIdentity\":\"b\",\"leaseDurationSeconds\":15}}",
             rv);
    assert_int_equal(call(sim, "PUT", path, update, NULL, NULL, &reply), 200);
    assert_string_equal(str_at(reply, "spec", "holderIdentity"), "b");
    assert_string_not_equal(str_at(reply, "metadata", "resourceVersion"), rv);
    json_decref(reply);
    /* The other candidate's update, based on the old version, loses. */
    expect_error(sim, "PUT", path, update, NULL, 409, "Conflict");
    assert_int_equal(get(sim, path, &reply), 200);
    assert_string_equal(str_at(reply, "spec", "holderIdentity"), "b");
    assert_string_equal(str_at(reply, "metadata", "namespace"), "kube-system");
    json_decref(reply);
    char missing[256];
    snprintf(missing, sizeof(missing), "%s/other", base);
    expect_error(sim, "PUT", missing, "{\"metadata\":{\"name\":\"other\"}}", NULL, 404,
                 "NotFound");
    json_t *list = NULL;
    assert_int_equal(get(sim, base, &list), 200);
    assert_string_equal(str_at(list, "kind", NULL), "LeaseList");
    assert_int_equal(items_count(list), 1);
    json_decref(list);
    hpac_sim_stop(sim);
}

/* --- fault injection --------------------------------------------------- */

typedef struct timed_get {
    uint16_t port;
    const char *path;
    long code;
    double seconds;
} timed_get;

static void *timed_get_run(void *arg)
{
    timed_get *t = arg;
    sim_http_result r;
    if (sim_http_on(NULL, t->port, "GET", t->path, NULL, 0, NULL, NULL, &r) == 0) {
        t->code = r.code;
        t->seconds = r.seconds;
        sim_http_result_free(&r);
    }
    return NULL;
}

static void test_sim__injection(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    hpac_sim_inject(sim, "GET", SCALE_PATH, 500, NULL, 0);
    expect_error(sim, "GET", SCALE_PATH, NULL, NULL, 500, "InternalError");
    /* The method filters: a PUT still goes through. */
    assert_int_equal(call(sim, "PUT", SCALE_PATH, "{\"spec\":{\"replicas\":4}}", NULL, NULL, NULL),
                     200);
    /* Any method, verbatim body. */
    hpac_sim_inject(sim, NULL, "/apis/metrics.k8s.io/", 503, "{\"custom\":true}", 0);
    json_t *json = NULL;
    assert_int_equal(get(sim, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", &json), 503);
    assert_true(json_is_true(json_object_get(json, "custom")));
    json_decref(json);
    /* An injected write is logged with its answer and not applied. */
    hpac_sim_inject(sim, "PUT", HPA_V2, 409, NULL, 0);
    expect_error(sim, "PUT", HPA_V2 "/web/status", "{\"status\":{}}", NULL, 409, "Conflict");
    json_t *writes = hpac_sim_writes(sim);
    const json_t *last = json_array_get(writes, json_array_size(writes) - 1);
    assert_int_equal(json_integer_value(json_object_get(last, "code")), 409);
    json_decref(writes);

    hpac_sim_clear_injections(sim);
    assert_int_equal(get(sim, SCALE_PATH, NULL), 200);
    assert_int_equal(get(sim, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", NULL), 200);

    /* A delayed answer does not hold up the others. */
    hpac_sim_inject(sim, "GET", "/api/v1/namespaces/default/pods", 200, "{\"slow\":1}", 1000);
    timed_get slow = {hpac_sim_port(sim), "/api/v1/namespaces/default/pods", 0, 0};
    timed_get fast = {hpac_sim_port(sim), SCALE_PATH, 0, 0};
    pthread_t slow_thread, fast_thread;
    uint64_t before = hpac_sim_request_count(sim);
    assert_int_equal(pthread_create(&slow_thread, NULL, timed_get_run, &slow), 0);
    /* The slow request is waiting in the server before the fast ones go. */
    for (int i = 0; i < 500 && hpac_sim_request_count(sim) == before; i++) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(hpac_sim_request_count(sim), before + 1);
    /* Three fast requests while the slow one waits, one after another. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&fast_thread, NULL, timed_get_run, &fast), 0);
        pthread_join(fast_thread, NULL);
        assert_int_equal(fast.code, 200);
        assert_true(fast.seconds < 0.6);
    }
    pthread_join(slow_thread, NULL);
    assert_int_equal(slow.code, 200);
    assert_true(slow.seconds >= 0.95);
    hpac_sim_stop(sim);
}

/* A server stopped while a delayed answer is pending answers it first. */
static void test_sim__stop_with_delayed_request(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    hpac_sim_inject(sim, NULL, "/api", 200, "{}", 10000);
    timed_get slow = {hpac_sim_port(sim), "/api", 0, 0};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, timed_get_run, &slow), 0);
    /* Wait until the request has arrived. */
    for (int i = 0; i < 200 && hpac_sim_request_count(sim) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(hpac_sim_request_count(sim), 1);
    hpac_sim_stop(sim);
    pthread_join(thread, NULL);
    assert_true(slow.seconds < 5);
}

/* --- robustness -------------------------------------------------------- */

static void test_sim__bad_bodies(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    static const struct {
        const char *method;
        const char *path;
        const char *body;
    } CASES[] = {
        {"PUT", HPA_V2 "/web/status", "{"},
        {"PUT", HPA_V2 "/web/status", "not json"},
        {"PUT", HPA_V2 "/web/status", ""},
        {"PUT", SCALE_PATH, "{\"spec\":"},
        {"PATCH", SCALE_PATH, "{]"},
        {"POST", "/api/v1/namespaces/default/events", "\x01\x02"},
        {"POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", "[1,"},
        /* Malformed bodies are refused before routing, even on 404 paths. */
        {"PUT", "/apis/nope/v1/x", "{"},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++)
        expect_error(sim, CASES[i].method, CASES[i].path, CASES[i].body,
                     "application/merge-patch+json", 400, "BadRequest");
    assert_int_equal(spec_replicas_of(sim, "web"), 3);

    /* Over the cap: 413. */
    size_t big = HPAC_SIM_BODY_MAX + 16;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    sim_http_result r;
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "PUT", SCALE_PATH, huge, big, NULL,
                                 NULL, &r),
                     0);
    assert_int_equal(r.code, 413);
    assert_status_body(r.json, 413, "RequestEntityTooLarge");
    sim_http_result_free(&r);
    /* Just under the cap is read (and parsed). */
    size_t fits = HPAC_SIM_BODY_MAX - 64;
    memset(huge, ' ', fits);
    memcpy(huge, "{\"spec\":{\"replicas\":2}", 22);
    huge[fits - 1] = '}';
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "PUT", SCALE_PATH, huge, fits, NULL,
                                 NULL, &r),
                     0);
    assert_int_equal(r.code, 200);
    sim_http_result_free(&r);
    free(huge);
    assert_int_equal(spec_replicas_of(sim, "web"), 2);
    hpac_sim_stop(sim);
}

static void test_sim__odd_paths(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    static const struct {
        const char *method;
        const char *path;
        long code;
    } CASES[] = {
        {"GET", "/", 200},
        {"GET", "/healthz", 200},
        {"GET", "/version", 200},
        {"GET", "//", 404},
        {"GET", "/api/", 200},
        {"GET", "/api/v2", 404},
        {"GET", "/api/v1/", 200},
        {"GET", "/apis/", 200},
        {"GET", "/nope", 404},
        {"GET", "/api/v1/nope", 404},
        {"GET", "/api/v1/namespaces/default/nope", 404},
        {"GET", "/api/v1/namespaces/default/nope/x/y", 404},
        {"GET", "/apis/apps/v1/namespaces", 404},
        {"GET", "/apis/apps/v1/namespaces/default/deployments/web/scale/extra", 404},
        {"GET", "/apis/apps/v1/namespaces/default/deployments/web/scale/extra/more/and/more", 404},
        {"GET", "/apis/apps/v1/namespaces/default/deployments/web/status", 404},
        {"GET", "/apis/apps/v1/namespaces//deployments", 404},
        {"GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/foo", 404},
        {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps", 404},
        {"GET", "/%2e%2e/%2e%2e/etc/passwd", 404},
        {"GET", "/api/v1/namespaces/default/pods/%00", 404},
        {"GET", "/api/v1/namespaces?watch=true", 405},
        {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?watch=1", 405},
        {"GET", "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=x", 400},
        {"GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion=-3", 400},
        {"GET", "/api/v1/namespaces/default/pods?watch=1&labelSelector=a%20in", 400},
        {"GET", "/api/v1/namespaces/default/pods/web-0/status?watch=1", 404},
        {"DELETE", "/api", 405},
        {"POST", "/apis/apps/v1/namespaces/default/deployments", 405},
        {"FOO", "/api/v1/pods", 405},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *json = NULL;
        const char *body = strcmp(CASES[i].method, "POST") == 0 ? "{}" : NULL;
        long code = call(sim, CASES[i].method, CASES[i].path, body, NULL, NULL, &json);
        if (code != CASES[i].code)
            fail_msg("%s %s: got %ld, want %ld", CASES[i].method, CASES[i].path, code,
                     CASES[i].code);
        if (code >= 400)
            assert_status_body(json, code,
                               code == 404   ? "NotFound"
                               : code == 400 ? "BadRequest"
                                             : "MethodNotAllowed");
        json_decref(json);
    }
    /* A very long path. */
    char *path = malloc(6000);
    assert_non_null(path);
    strcpy(path, "/api/v1/namespaces/");
    memset(path + strlen(path), 'a', 5000);
    path[19 + 5000] = '\0';
    json_t *json = NULL;
    assert_int_equal(get(sim, path, &json), 404);
    json_decref(json);
    free(path);
    /* Still serving. */
    assert_int_equal(get(sim, SCALE_PATH, NULL), 200);
    /* The log holds the writes only: DELETE /api and the POST, not FOO. */
    json_t *writes = hpac_sim_writes(sim);
    assert_int_equal(json_array_size(writes), 2);
    assert_string_equal(str_at(json_array_get(writes, 0), "verb", NULL), "DELETE");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(writes, 0), "code")), 405);
    assert_string_equal(str_at(json_array_get(writes, 1), "verb", NULL), "POST");
    json_decref(writes);
    hpac_sim_stop(sim);
}

/* --- throughput and bookkeeping ---------------------------------------- */

typedef struct hammer {
    hpac_sim_server *sim;
    int id;
    int failures;
} hammer;

static void *hammer_run(void *arg)
{
    hammer *h = arg;
    CURL *curl = curl_easy_init();
    char body[128];
    for (int i = 0; i < 50 && curl; i++) {
        sim_http_result r;
        const char *path = i % 3 == 0   ? "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb"
                           : i % 3 == 1 ? HPA_V2 "/web"
                                        : SCALE_PATH;
        if (i % 10 == 9) {
            snprintf(body, sizeof(body), "{\"spec\":{\"replicas\":%d}}", h->id + 1);
            if (sim_http_on(curl, hpac_sim_port(h->sim), "PUT", SCALE_PATH, body, strlen(body),
                            NULL, NULL, &r) != 0 ||
                r.code != 200)
                h->failures++;
        } else if (sim_http_on(curl, hpac_sim_port(h->sim), "GET", path, NULL, 0, NULL, NULL,
                               &r) != 0 ||
                   r.code != 200 || !r.json) {
            h->failures++;
        }
        sim_http_result_free(&r);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

static void test_sim__concurrent_clients(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    enum { THREADS = 6 };
    pthread_t threads[THREADS];
    hammer h[THREADS];
    uint64_t before = hpac_sim_request_count(sim);
    for (int i = 0; i < THREADS; i++) {
        h[i] = (hammer){sim, i, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, hammer_run, &h[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(h[i].failures, 0);
    }
    assert_int_equal(hpac_sim_request_count(sim) - before, THREADS * 50);
    json_t *writes = hpac_sim_writes(sim);
    assert_int_equal(json_array_size(writes), THREADS * 5);
    json_decref(writes);
    json_int_t replicas = spec_replicas_of(sim, "web");
    assert_true(replicas >= 1 && replicas <= THREADS);
    hpac_sim_stop(sim);
}

static void test_sim__keep_alive(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json", NULL);
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    for (int i = 0; i < 5; i++) {
        sim_http_result r;
        assert_int_equal(sim_http_on(curl, hpac_sim_port(sim), "GET", SCALE_PATH, NULL, 0, NULL,
                                     NULL, &r),
                         0);
        assert_int_equal(r.code, 200);
        sim_http_result_free(&r);
        long connects = -1;
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
        assert_int_equal(connects, i == 0 ? 1 : 0);
    }
    curl_easy_cleanup(curl);
    assert_int_equal(hpac_sim_request_count(sim), 5);
    hpac_sim_stop(sim);
}

/* Every case of the corpus is served: its HPA and its targets' scales. */
static void test_sim__serves_every_case(void **state)
{
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    for (size_t i = 0; i < count; i++) {
        char err[512];
        json_t *the_case = hpac_case_load(paths[i], err, sizeof(err));
        if (!the_case)
            fail_msg("%s", err);
        hpac_sim_server *sim = start_objects(json_object_get(the_case, "objects"), NULL);
        const json_t *hpa = json_object_get(json_object_get(the_case, "objects"), "hpa");
        char path[1024];
        snprintf(path, sizeof(path),
                 "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers/%s",
                 str_at(hpa, "metadata", "namespace"), str_at(hpa, "metadata", "name"));
        json_t *json = NULL;
        if (get(sim, path, &json) != 200)
            fail_msg("%s: %s", paths[i], path);
        json_decref(json);
        size_t j;
        json_t *t;
        json_array_foreach(json_object_get(json_object_get(the_case, "objects"), "targets"), j,
                           t) {
            snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/%s/%s/scale",
                     str_at(t, "apiVersion", NULL), str_at(t, "metadata", "namespace"),
                     str_at(t, "resource", NULL), str_at(t, "metadata", "name"));
            if (get(sim, path, &json) != 200)
                fail_msg("%s: %s", paths[i], path);
            json_decref(json);
        }
        hpac_sim_stop(sim);
        json_decref(the_case);
    }
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__auth),
        cmocka_unit_test(test_sim__discovery),
        cmocka_unit_test(test_sim__discovery_metrics_apis),
        cmocka_unit_test(test_sim__custom_resource_target),
        cmocka_unit_test(test_sim__hpa_list_get),
        cmocka_unit_test(test_sim__hpa_status_writes),
        cmocka_unit_test(test_sim__hpas_array),
        cmocka_unit_test(test_sim__scale),
        cmocka_unit_test(test_sim__scale_without_selector),
        cmocka_unit_test(test_sim__pods_by_selector),
        cmocka_unit_test(test_sim__pod_metrics),
        cmocka_unit_test(test_sim__time_placeholders),
        cmocka_unit_test(test_sim__custom_pod_metrics),
        cmocka_unit_test(test_sim__custom_object_metrics),
        cmocka_unit_test(test_sim__external_metrics),
        cmocka_unit_test(test_sim__events),
        cmocka_unit_test(test_sim__leases),
        cmocka_unit_test(test_sim__injection),
        cmocka_unit_test(test_sim__stop_with_delayed_request),
        cmocka_unit_test(test_sim__bad_bodies),
        cmocka_unit_test(test_sim__odd_paths),
        cmocka_unit_test(test_sim__concurrent_clients),
        cmocka_unit_test(test_sim__keep_alive),
        cmocka_unit_test(test_sim__serves_every_case),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
