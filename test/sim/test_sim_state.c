/* The cluster state API used by the demo and the benchmark, without HTTP. */
#include "test_support.h"

#include "sim/case.h"
#include "sim/sim_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static hpac_sim_state *state_of_case(const char *name)
{
    char err[512];
    json_t *objects = case_objects(name);
    hpac_sim_state *st = hpac_sim_state_new(objects, err, sizeof(err));
    if (!st)
        fail_msg("%s", err);
    json_decref(objects);
    return st;
}

static const char *meta(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static json_int_t int_at(const json_t *obj, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(obj, a), b));
}

static void test_sim__state_from_case(void **state)
{
    hpac_sim_state *st = state_of_case("ctl_scale_up.json");
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_HPA), 1);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_TARGET), 1);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD), 3);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD_METRICS), 3);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_EVENT), 0);
    assert_int_equal(hpac_sim_state_count(st, "nope"), 0);

    json_t *hpa = hpac_sim_state_get(st, HPAC_SIM_KIND_HPA, "default", "web");
    assert_non_null(hpa);
    assert_non_null(meta(hpa, "uid"));
    assert_non_null(meta(hpa, "resourceVersion"));
    assert_non_null(meta(hpa, "creationTimestamp"));
    assert_int_equal(int_at(hpa, "metadata", "generation"), 1);
    json_t *target = hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "default", "web");
    assert_non_null(target);
    assert_string_not_equal(meta(hpa, "uid"), meta(target, "uid"));
    assert_string_not_equal(meta(hpa, "resourceVersion"), meta(target, "resourceVersion"));
    json_decref(hpa);
    json_decref(target);
    assert_null(hpac_sim_state_get(st, HPAC_SIM_KIND_HPA, "default", "nope"));
    assert_null(hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "other", "web"));
    assert_null(hpac_sim_state_get(st, "nope", "default", "web"));

    json_t *writes = hpac_sim_state_writes(st);
    assert_int_equal(json_array_size(writes), 0);
    json_decref(writes);
    hpac_sim_state_free(st);

    /* An empty cluster. */
    char err[256];
    st = hpac_sim_state_new(NULL, err, sizeof(err));
    assert_non_null(st);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD), 0);
    hpac_sim_state_free(st);
}

static void test_sim__state_rejects_malformed(void **state)
{
    static const char *const CASES[] = {
        "[]",
        "{\"hpa\":{\"metadata\":{}}}",
        "{\"hpa\":{\"metadata\":{\"name\":\"\"}}}",
        "{\"hpas\":{}}",
        "{\"targets\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
        "\"web\"}}]}",
        "{\"targets\":[{\"apiVersion\":\"a/b/c\",\"kind\":\"X\",\"resource\":\"xs\",\"metadata\":{"
        "\"name\":\"w\"}}]}",
        "{\"pods\":[{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":1}}}]}",
        "{\"pods\":[{\"metadata\":{\"namespace\":\"x\"}}]}",
        "{\"customMetrics\":[{\"metric\":{\"name\":\"qps\"}}]}",
        "{\"externalMetrics\":[{\"value\":\"1\"}]}",
        "{\"externalMetrics\":[{\"metricName\":\"q\",\"metricLabels\":{\"a\":[]}}]}",
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        char err[512] = "";
        json_t *objects = json_loads(CASES[i], 0, NULL);
        assert_non_null(objects);
        hpac_sim_state *st = hpac_sim_state_new(objects, err, sizeof(err));
        if (st)
            fail_msg("case %zu accepted", i);
        assert_true(strlen(err) > 0);
        json_decref(objects);
    }
}

static void test_sim__state_mutations(void **state)
{
    hpac_sim_state *st = state_of_case("ctl_scale_up.json");
    char err[256];

    /* Target replicas, as a rollout would set them. */
    json_t *before = hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "default", "web");
    assert_int_equal(hpac_sim_set_target_replicas(st, "default", "web", 7, 5), 0);
    json_t *after = hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "default", "web");
    assert_int_equal(int_at(after, "spec", "replicas"), 7);
    assert_int_equal(int_at(after, "status", "replicas"), 5);
    assert_string_not_equal(meta(before, "resourceVersion"), meta(after, "resourceVersion"));
    json_decref(before);
    json_decref(after);
    assert_int_equal(hpac_sim_set_target_replicas(st, "default", "web", 8, -1), 0);
    after = hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "default", "web");
    assert_int_equal(int_at(after, "spec", "replicas"), 8);
    assert_int_equal(int_at(after, "status", "replicas"), 5);
    json_decref(after);
    assert_int_equal(hpac_sim_set_target_replicas(st, "default", "nope", 1, 1), -1);
    assert_int_equal(hpac_sim_set_target_replicas(st, "default", "web", -1, 1), -1);

    /* Pod usage: one container, then all. */
    assert_int_equal(hpac_sim_set_pod_usage(st, "default", "web-0", "container2", "cpu", "900m"),
                     0);
    json_t *pm = hpac_sim_state_get(st, HPAC_SIM_KIND_POD_METRICS, "default", "web-0");
    const json_t *containers = json_object_get(pm, "containers");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(containers, 0), "usage"), "cpu")),
                        "150m");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(containers, 1), "usage"), "cpu")),
                        "900m");
    json_decref(pm);
    assert_int_equal(hpac_sim_set_pod_usage(st, "default", "web-0", NULL, "memory", "1Gi"), 0);
    pm = hpac_sim_state_get(st, HPAC_SIM_KIND_POD_METRICS, "default", "web-0");
    containers = json_object_get(pm, "containers");
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(json_array_get(containers, i), "usage"),
                                "memory")),
                            "1Gi");
    json_decref(pm);
    assert_int_equal(hpac_sim_set_pod_usage(st, "default", "web-0", "sidecar", "cpu", "1"), -1);
    assert_int_equal(hpac_sim_set_pod_usage(st, "default", "nope", NULL, "cpu", "1"), -1);

    /* A new pod, then its metrics made from its containers. */
    json_t *pod = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:[{s:s}, {s:s}]}}",
                            "apiVersion", "v1", "kind", "Pod", "metadata", "name", "web-3",
                            "namespace", "default", "labels", "app", "web", "spec", "containers",
                            "name", "container1", "name", "container2");
    assert_int_equal(hpac_sim_put_object(st, HPAC_SIM_KIND_POD, pod, err, sizeof(err)), 0);
    json_decref(pod);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD), 4);
    assert_int_equal(hpac_sim_set_pod_usage(st, "default", "web-3", "container1", "cpu", "250m"),
                     0);
    pm = hpac_sim_state_get(st, HPAC_SIM_KIND_POD_METRICS, "default", "web-3");
    assert_non_null(pm);
    assert_string_equal(json_string_value(json_object_get(json_object_get(pm, "metadata"),
                                                          "namespace")),
                        "default");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(pm, "metadata"), "labels"), "app")),
                        "web");
    assert_int_equal(json_array_size(json_object_get(pm, "containers")), 2);
    /* The timestamp is a placeholder, resolved when read. */
    assert_int_equal(strncmp(json_string_value(json_object_get(pm, "timestamp")), "20", 2), 0);
    json_decref(pm);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD_METRICS), 4);

    /* Removal. */
    assert_int_equal(hpac_sim_remove_object(st, HPAC_SIM_KIND_POD, "default", "web-3"), 0);
    assert_int_equal(hpac_sim_remove_object(st, HPAC_SIM_KIND_POD, "default", "web-3"), -1);
    assert_int_equal(hpac_sim_remove_object(st, HPAC_SIM_KIND_TARGET, "default", "web"), 0);
    assert_null(hpac_sim_state_get(st, HPAC_SIM_KIND_TARGET, "default", "web"));
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_POD), 3);

    /* Replacing an HPA moves its resourceVersion on. */
    json_t *hpa = hpac_sim_state_get(st, HPAC_SIM_KIND_HPA, "default", "web");
    char rv[64];
    snprintf(rv, sizeof(rv), "%s", meta(hpa, "resourceVersion"));
    json_object_set_new(json_object_get(hpa, "spec"), "maxReplicas", json_integer(20));
    assert_int_equal(hpac_sim_put_object(st, HPAC_SIM_KIND_HPA, hpa, err, sizeof(err)), 0);
    json_decref(hpa);
    hpa = hpac_sim_state_get(st, HPAC_SIM_KIND_HPA, "default", "web");
    assert_int_equal(int_at(hpa, "spec", "maxReplicas"), 20);
    assert_string_not_equal(meta(hpa, "resourceVersion"), rv);
    json_decref(hpa);
    assert_int_equal(hpac_sim_state_count(st, HPAC_SIM_KIND_HPA), 1);
    json_t *bad = json_pack("{s:{}}", "metadata");
    assert_int_equal(hpac_sim_put_object(st, HPAC_SIM_KIND_POD, bad, err, sizeof(err)), -1);
    assert_int_equal(hpac_sim_put_object(st, "widget", bad, err, sizeof(err)), -1);
    json_decref(bad);
    hpac_sim_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__state_from_case),
        cmocka_unit_test(test_sim__state_rejects_malformed),
        cmocka_unit_test(test_sim__state_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
