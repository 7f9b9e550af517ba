#include "test_support.h"
#include "hpa/hpa.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

/* JSON written with single quotes (readable in C), loaded as JSON. */
static json_t *load_q(const char *text)
{
    char *copy = strdup(text);
    assert_non_null(copy);
    for (char *p = copy; *p; p++) {
        if (*p == '\'')
            *p = '"';
    }
    json_error_t error;
    json_t *v = json_loads(copy, JSON_DECODE_ANY, &error);
    if (!v)
        fail_msg("bad test JSON (%s): %s", error.text, copy);
    free(copy);
    return v;
}

/* Sets (value != NULL) or deletes the member at a path such as
 * "spec.metrics[1].resource.name". The value is single-quoted JSON. */
static void patch(json_t *root, const char *path, const char *value)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *node = root;
    char *p = buf;
    for (;;) {
        size_t len = strcspn(p, ".[");
        char key[128];
        snprintf(key, sizeof(key), "%.*s", (int)len, p);
        p += len;
        if (*p == '\0') {
            if (value) {
                assert_int_equal(json_object_set_new(node, key, load_q(value)), 0);
            } else {
                json_object_del(node, key);
            }
            return;
        }
        if (key[0] != '\0')
            node = json_object_get(node, key);
        assert_non_null(node);
        while (*p == '[') {
            size_t index = strtoul(p + 1, &p, 10);
            assert_int_equal(*p, ']');
            p++;
            if (*p == '\0') {
                if (value)
                    assert_int_equal(json_array_set_new(node, index, load_q(value)), 0);
                else
                    json_array_remove(node, index);
                return;
            }
            node = json_array_get(node, index);
            assert_non_null(node);
        }
        if (*p == '.')
            p++;
    }
}

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(hpac_time_parse_rfc3339(rfc3339, &ms), 0);
    return ms;
}

static const char *const BASE_HPA =
    "{'apiVersion': 'autoscaling/v2', 'kind': 'HorizontalPodAutoscaler',"
    " 'metadata': {'name': 'web', 'namespace': 'prod', 'uid': 'u-1', 'resourceVersion': '42',"
    "   'generation': 7, 'annotations': {'hpac.io/history': 'H1', 'other': 'x'}},"
    " 'spec': {"
    "  'scaleTargetRef': {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'name': 'web'},"
    "  'minReplicas': 2, 'maxReplicas': 10,"
    "  'metrics': ["
    "   {'type': 'Resource', 'resource': {'name': 'cpu',"
    "      'target': {'type': 'Utilization', 'averageUtilization': 60}}},"
    "   {'type': 'ContainerResource', 'containerResource': {'name': 'memory', 'container': 'app',"
    "      'target': {'type': 'AverageValue', 'averageValue': '512Mi'}}},"
    "   {'type': 'Pods', 'pods': {'metric': {'name': 'qps', 'selector': {'matchLabels': {'verb': 'GET'}}},"
    "      'target': {'type': 'AverageValue', 'averageValue': '1500m'}}},"
    "   {'type': 'Object', 'object': {"
    "      'describedObject': {'apiVersion': 'networking.k8s.io/v1', 'kind': 'Ingress', 'name': 'main'},"
    "      'metric': {'name': 'requests'}, 'target': {'type': 'Value', 'value': 2}}},"
    "   {'type': 'External', 'external': {'metric': {'name': 'queue_depth', 'selector': null},"
    "      'target': {'type': 'AverageValue', 'averageValue': 0.5}}},"
    "   {'type': 'CheddarCheese'}"
    "  ],"
    "  'behavior': {"
    "   'scaleUp': {'selectPolicy': 'Min', 'tolerance': '0.05'},"
    "   'scaleDown': {'stabilizationWindowSeconds': 60,"
    "      'policies': [{'type': 'Pods', 'value': 2, 'periodSeconds': 30}], 'tolerance': 0.1}}"
    " },"
    " 'status': {'observedGeneration': 6, 'lastScaleTime': '2026-11-27T21:30:00Z',"
    "  'currentReplicas': 3, 'desiredReplicas': 4,"
    "  'conditions': ["
    "   {'type': 'AbleToScale', 'status': 'True', 'lastTransitionTime': '2026-11-27T21:00:00Z',"
    "    'reason': 'ReadyForNewScale', 'message': 'recommended size matches current size'},"
    "   {'type': 'ScalingActive', 'status': 'False', 'lastTransitionTime': '2026-11-27T20:00:00Z',"
    "    'reason': 'FailedGetResourceMetric', 'message': 'boom'}]}}";

static void decode_ok(const json_t *obj, hpac_hpa *hpa)
{
    char err[256] = "";
    if (hpac_hpa_from_json(obj, hpa, err, sizeof(err)) != 0)
        fail_msg("decode failed: %s", err);
}

/* ---- decoding --------------------------------------------------------------- */

static void test_hpa__decode_full_object(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);

    assert_string_equal(hpa.api_version, "autoscaling/v2");
    assert_string_equal(hpa.namespace, "prod");
    assert_string_equal(hpa.name, "web");
    assert_string_equal(hpa.uid, "u-1");
    assert_string_equal(hpa.resource_version, "42");
    assert_int_equal(hpa.generation, 7);
    assert_string_equal(hpa.history_annotation, "H1");
    assert_string_equal(hpa.scale_target_ref.api_version, "apps/v1");
    assert_string_equal(hpa.scale_target_ref.kind, "Deployment");
    assert_string_equal(hpa.scale_target_ref.name, "web");
    assert_int_equal(hpa.min_replicas, 2);
    assert_int_equal(hpa.max_replicas, 10);

    assert_int_equal(hpa.metric_count, 6);
    const hpac_metric_spec *m = hpa.metrics;
    assert_int_equal(m[0].type, HPAC_METRIC_RESOURCE);
    assert_string_equal(m[0].type_name, "Resource");
    assert_string_equal(m[0].resource_name, "cpu");
    assert_null(m[0].container);
    assert_int_equal(m[0].target.type, HPAC_TARGET_UTILIZATION);
    assert_true(m[0].target.has_average_utilization);
    assert_int_equal(m[0].target.average_utilization, 60);
    assert_false(m[0].target.has_average_value);
    assert_false(m[0].target.has_value);

    assert_int_equal(m[1].type, HPAC_METRIC_CONTAINER_RESOURCE);
    assert_string_equal(m[1].resource_name, "memory");
    assert_string_equal(m[1].container, "app");
    assert_int_equal(m[1].target.type, HPAC_TARGET_AVERAGE_VALUE);
    assert_true(m[1].target.has_average_value);
    assert_int_equal(m[1].target.average_value_milli, INT64_C(536870912000));
    assert_false(m[1].target.has_average_utilization);

    assert_int_equal(m[2].type, HPAC_METRIC_PODS);
    assert_string_equal(m[2].metric_name, "qps");
    assert_non_null(m[2].metric_selector);
    json_t *want_sel = load_q("{'matchLabels': {'verb': 'GET'}}");
    assert_true(json_equal(m[2].metric_selector, want_sel));
    json_decref(want_sel);
    assert_int_equal(m[2].target.average_value_milli, 1500);

    assert_int_equal(m[3].type, HPAC_METRIC_OBJECT);
    assert_string_equal(m[3].metric_name, "requests");
    assert_null(m[3].metric_selector);
    assert_string_equal(m[3].described_object.api_version, "networking.k8s.io/v1");
    assert_string_equal(m[3].described_object.kind, "Ingress");
    assert_string_equal(m[3].described_object.name, "main");
    assert_int_equal(m[3].target.type, HPAC_TARGET_VALUE);
    assert_true(m[3].target.has_value);
    assert_int_equal(m[3].target.value_milli, 2000);

    assert_int_equal(m[4].type, HPAC_METRIC_EXTERNAL);
    assert_string_equal(m[4].metric_name, "queue_depth");
    assert_null(m[4].metric_selector); /* selector: null */
    assert_int_equal(m[4].target.average_value_milli, 500);

    assert_int_equal(m[5].type, HPAC_METRIC_UNKNOWN);
    assert_string_equal(m[5].type_name, "CheddarCheese");
    assert_null(m[5].resource_name);
    assert_null(m[5].metric_name);

    assert_true(hpa.has_behavior);
    const hpac_scaling_rules *up = &hpa.behavior.scale_up;
    assert_true(up->has_stabilization_window);
    assert_int_equal(up->stabilization_window_seconds, 0);
    assert_int_equal(up->select_policy, HPAC_SELECT_MIN);
    assert_int_equal(up->policy_count, 2);
    assert_int_equal(up->policies[0].type, HPAC_POLICY_PODS);
    assert_int_equal(up->policies[0].value, 4);
    assert_int_equal(up->policies[0].period_seconds, 15);
    assert_int_equal(up->policies[1].type, HPAC_POLICY_PERCENT);
    assert_int_equal(up->policies[1].value, 100);
    assert_int_equal(up->policies[1].period_seconds, 15);
    assert_true(up->has_tolerance);
    assert_true(up->tolerance == 0.05);
    const hpac_scaling_rules *down = &hpa.behavior.scale_down;
    assert_true(down->has_stabilization_window);
    assert_int_equal(down->stabilization_window_seconds, 60);
    assert_int_equal(down->select_policy, HPAC_SELECT_MAX);
    assert_int_equal(down->policy_count, 1);
    assert_int_equal(down->policies[0].type, HPAC_POLICY_PODS);
    assert_int_equal(down->policies[0].value, 2);
    assert_int_equal(down->policies[0].period_seconds, 30);
    assert_true(down->has_tolerance);
    assert_true(down->tolerance == 0.1);

    const hpac_hpa_status *st = &hpa.status;
    assert_true(st->has_observed_generation);
    assert_int_equal(st->observed_generation, 6);
    assert_int_equal(st->last_scale_time_ms, at("2026-11-27T21:30:00Z"));
    assert_int_equal(st->current_replicas, 3);
    assert_int_equal(st->desired_replicas, 4);
    assert_int_equal(st->current_metric_count, 0);
    assert_int_equal(st->condition_count, 2);
    assert_string_equal(st->conditions[0].type, "AbleToScale");
    assert_string_equal(st->conditions[0].status, "True");
    assert_string_equal(st->conditions[0].reason, "ReadyForNewScale");
    assert_string_equal(st->conditions[0].message, "recommended size matches current size");
    assert_int_equal(st->conditions[0].last_transition_ms, at("2026-11-27T21:00:00Z"));
    assert_string_equal(st->conditions[1].type, "ScalingActive");
    assert_string_equal(st->conditions[1].status, "False");
    assert_int_equal(st->conditions[1].last_transition_ms, at("2026-11-27T20:00:00Z"));

    /* The status as read is what this controller writes back: a sync
     * that computes the same can compare structs. */
    assert_true(hpa.has_status);
    assert_true(hpa.status_exact);
    assert_null(hpa.read_metrics);
    assert_int_equal(hpa.read_metric_count, 0);

    hpac_hpa_clear(&hpa);
    assert_null(hpa.metrics);
    assert_false(hpa.has_status);
    assert_false(hpa.status_exact);
    hpac_hpa_clear(&hpa); /* twice is harmless */
    json_decref(obj);
}

/* The decoded struct owns copies: it outlives the JSON it came from. */
static void test_hpa__decoded_outlives_json(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    json_t *want_status = json_deep_copy(json_object_get(obj, "status"));
    json_decref(obj);
    assert_string_equal(hpa.name, "web");
    assert_string_equal(hpa.metrics[2].metric_name, "qps");
    assert_non_null(json_object_get(hpa.metrics[2].metric_selector, "matchLabels"));
    json_t *status = hpac_hpa_status_to_json(&hpa.status, hpa.metrics, hpa.metric_count);
    assert_true(json_equal(status, want_status));
    json_decref(status);
    json_decref(want_status);
    hpac_hpa_clear(&hpa);
}

static void test_hpa__hpac_io_kind_and_list_items(void **state)
{
    static const struct {
        const char *path;
        const char *value;
        const char *want_api_version; /* NULL: absent */
    } cases[] = {
        {"apiVersion", "'hpac.io/v1'", "hpac.io/v1"},
        {"apiVersion", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *obj = load_q(BASE_HPA);
        patch(obj, cases[i].path, cases[i].value);
        if (!cases[i].value)
            patch(obj, "kind", NULL); /* an item of a list carries neither */
        hpac_hpa hpa;
        decode_ok(obj, &hpa);
        if (cases[i].want_api_version)
            assert_string_equal(hpa.api_version, cases[i].want_api_version);
        else
            assert_null(hpa.api_version);
        assert_int_equal(hpa.metric_count, 6);
        hpac_hpa_clear(&hpa);
        json_decref(obj);
    }
}

static void test_hpa__defaults(void **state)
{
    json_t *obj = load_q("{'metadata': {'name': 'a'},"
                         " 'spec': {'scaleTargetRef': {'kind': 'Deployment', 'name': 'a'},"
                         "          'maxReplicas': 5}}");
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    assert_int_equal(hpa.min_replicas, 1);
    assert_int_equal(hpa.max_replicas, 5);
    assert_null(hpa.namespace);
    assert_null(hpa.uid);
    assert_null(hpa.scale_target_ref.api_version);
    assert_int_equal(hpa.generation, 0);
    assert_null(hpa.history_annotation);
    assert_false(hpa.has_behavior);
    assert_int_equal(hpa.behavior.scale_up.policy_count, 0);
    /* No metrics: the API server's default, CPU at 80%. */
    assert_int_equal(hpa.metric_count, 1);
    assert_int_equal(hpa.metrics[0].type, HPAC_METRIC_RESOURCE);
    assert_string_equal(hpa.metrics[0].type_name, "Resource");
    assert_string_equal(hpa.metrics[0].resource_name, "cpu");
    assert_int_equal(hpa.metrics[0].target.type, HPAC_TARGET_UTILIZATION);
    assert_int_equal(hpa.metrics[0].target.average_utilization, 80);
    /* No status. */
    assert_false(hpa.has_status);
    assert_false(hpa.status_exact);
    assert_int_equal(hpa.status.condition_count, 0);
    assert_false(hpa.status.has_observed_generation);
    assert_int_equal(hpa.status.last_scale_time_ms, 0);
    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

static void assert_default_up(const hpac_scaling_rules *up)
{
    assert_true(up->has_stabilization_window);
    assert_int_equal(up->stabilization_window_seconds, 0);
    assert_int_equal(up->select_policy, HPAC_SELECT_MAX);
    assert_int_equal(up->policy_count, 2);
    assert_int_equal(up->policies[0].type, HPAC_POLICY_PODS);
    assert_int_equal(up->policies[0].value, 4);
    assert_int_equal(up->policies[0].period_seconds, 15);
    assert_int_equal(up->policies[1].type, HPAC_POLICY_PERCENT);
    assert_int_equal(up->policies[1].value, 100);
    assert_int_equal(up->policies[1].period_seconds, 15);
    assert_false(up->has_tolerance);
}

static void assert_default_down(const hpac_scaling_rules *down)
{
    assert_false(down->has_stabilization_window);
    assert_int_equal(down->select_policy, HPAC_SELECT_MAX);
    assert_int_equal(down->policy_count, 1);
    assert_int_equal(down->policies[0].type, HPAC_POLICY_PERCENT);
    assert_int_equal(down->policies[0].value, 100);
    assert_int_equal(down->policies[0].period_seconds, 15);
    assert_false(down->has_tolerance);
}

static void test_hpa__behavior_defaults_fill_gaps(void **state)
{
    static const char *const behaviors[] = {"{}", "{'scaleUp': null, 'scaleDown': {}}",
                                            "{'scaleUp': {}}"};
    for (size_t i = 0; i < sizeof(behaviors) / sizeof(behaviors[0]); i++) {
        json_t *obj = load_q(BASE_HPA);
        patch(obj, "spec.behavior", behaviors[i]);
        hpac_hpa hpa;
        decode_ok(obj, &hpa);
        assert_true(hpa.has_behavior);
        assert_default_up(&hpa.behavior.scale_up);
        assert_default_down(&hpa.behavior.scale_down);
        hpac_hpa_clear(&hpa);
        json_decref(obj);
    }

    /* Only the set fields replace defaults; policies replace the list. */
    json_t *obj = load_q(BASE_HPA);
    patch(obj, "spec.behavior",
          "{'scaleUp': {'policies': [{'type': 'Percent', 'value': 900, 'periodSeconds': 60}]},"
          " 'scaleDown': {'selectPolicy': 'Disabled'}}");
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    assert_true(hpa.behavior.scale_up.has_stabilization_window);
    assert_int_equal(hpa.behavior.scale_up.stabilization_window_seconds, 0);
    assert_int_equal(hpa.behavior.scale_up.select_policy, HPAC_SELECT_MAX);
    assert_int_equal(hpa.behavior.scale_up.policy_count, 1);
    assert_int_equal(hpa.behavior.scale_up.policies[0].type, HPAC_POLICY_PERCENT);
    assert_int_equal(hpa.behavior.scale_up.policies[0].value, 900);
    assert_int_equal(hpa.behavior.scale_up.policies[0].period_seconds, 60);
    assert_false(hpa.behavior.scale_down.has_stabilization_window);
    assert_int_equal(hpa.behavior.scale_down.select_policy, HPAC_SELECT_DISABLED);
    assert_int_equal(hpa.behavior.scale_down.policy_count, 1);
    assert_int_equal(hpa.behavior.scale_down.policies[0].value, 100);
    hpac_hpa_clear(&hpa);
    json_decref(obj);

    /* behavior: null is the same as absent. */
    obj = load_q(BASE_HPA);
    patch(obj, "spec.behavior", "null");
    decode_ok(obj, &hpa);
    assert_false(hpa.has_behavior);
    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

static void test_hpa__behavior_defaults_function(void **state)
{
    hpac_behavior b;
    hpac_behavior_defaults(&b);
    assert_default_up(&b.scale_up);
    assert_default_down(&b.scale_down);
    hpac_behavior_clear(&b);
    assert_null(b.scale_up.policies);
    assert_int_equal(b.scale_down.policy_count, 0);
    hpac_behavior_clear(&b);
}

/* Quantities are strings or JSON numbers; tolerances become doubles. */
static void test_hpa__quantity_forms(void **state)
{
    static const struct {
        const char *value;
        int64_t milli;
    } values[] = {
        {"'1'", 1000},         {"1", 1000},        {"0.5", 500},     {"'500m'", 500},
        {"'1.5'", 1500},       {"1.5", 1500},      {"'2k'", 2000000}, {"'1Ki'", 1024000},
        {"'0.0001'", 1},       {"1e3", 1000000},   {"'1e3'", 1000000}, {"0.1", 100},
        {"123456789", INT64_C(123456789000)},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        json_t *obj = load_q(BASE_HPA);
        patch(obj, "spec.metrics[2].pods.target.averageValue", values[i].value);
        hpac_hpa hpa;
        decode_ok(obj, &hpa);
        if (hpa.metrics[2].target.average_value_milli != values[i].milli)
            fail_msg("%s: got %lld milli, want %lld", values[i].value,
                     (long long)hpa.metrics[2].target.average_value_milli,
                     (long long)values[i].milli);
        hpac_hpa_clear(&hpa);
        json_decref(obj);
    }

    static const struct {
        const char *value;
        double tolerance;
    } tolerances[] = {
        {"'0.05'", 0.05}, {"0.05", 0.05}, {"'50m'", 0.05}, {"0", 0.0},
        {"'0.1'", 0.1},   {"1", 1.0},     {"'1.5'", 1.5},  {"'0.001'", 0.001},
    };
    for (size_t i = 0; i < sizeof(tolerances) / sizeof(tolerances[0]); i++) {
        json_t *obj = load_q(BASE_HPA);
        patch(obj, "spec.behavior.scaleDown.tolerance", tolerances[i].value);
        hpac_hpa hpa;
        decode_ok(obj, &hpa);
        assert_true(hpa.behavior.scale_down.has_tolerance);
        if (hpa.behavior.scale_down.tolerance != tolerances[i].tolerance)
            fail_msg("tolerance %s: got %.17g", tolerances[i].value,
                     hpa.behavior.scale_down.tolerance);
        hpac_hpa_clear(&hpa);
        json_decref(obj);
    }
}

static void test_hpa__unknown_metric_types_are_kept(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    patch(obj, "spec.metrics", "[{'type': 'CheddarCheese', 'cheese': {'age': 'old'}},"
                               " {'type': 'resource'}]");
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    assert_int_equal(hpa.metric_count, 2);
    assert_int_equal(hpa.metrics[0].type, HPAC_METRIC_UNKNOWN);
    assert_string_equal(hpa.metrics[0].type_name, "CheddarCheese");
    /* Type names are case-sensitive, as in the API. */
    assert_int_equal(hpa.metrics[1].type, HPAC_METRIC_UNKNOWN);
    assert_string_equal(hpa.metrics[1].type_name, "resource");
    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

/* Each row changes one field of BASE_HPA (value NULL: removes it) and names
 * the message expected; a trailing '*' matches a prefix. */
static const struct {
    const char *path;
    const char *value;
    const char *error;
} decode_errors[] = {
    {"kind", "'Deployment'", "kind: expected HorizontalPodAutoscaler, got \"Deployment\""},
    {"kind", "7", "kind: expected a string"},
    {"apiVersion", "'autoscaling/v1'", "apiVersion: unsupported \"autoscaling/v1\"*"},
    {"metadata", NULL, "metadata: required"},
    {"metadata", "[]", "metadata: expected an object"},
    {"metadata.name", NULL, "metadata.name: required"},
    {"metadata.name", "''", "metadata.name: required"},
    {"metadata.namespace", "1", "metadata.namespace: expected a string"},
    {"metadata.generation", "'7'", "metadata.generation: expected an integer"},
    {"metadata.annotations", "['a']", "metadata.annotations: expected an object"},
    {"spec", NULL, "spec: required"},
    {"spec", "'x'", "spec: expected an object"},
    {"spec.scaleTargetRef", NULL, "spec.scaleTargetRef: required"},
    {"spec.scaleTargetRef", "[]", "spec.scaleTargetRef: expected an object"},
    {"spec.scaleTargetRef.name", NULL, "spec.scaleTargetRef.name: required"},
    {"spec.scaleTargetRef.name", "''", "spec.scaleTargetRef.name: required"},
    {"spec.scaleTargetRef.name", "'a/b'", "spec.scaleTargetRef.name: may not contain '/'"},
    {"spec.scaleTargetRef.name", "'..'", "spec.scaleTargetRef.name: may not be '..'"},
    {"spec.scaleTargetRef.name", "'a%2F'", "spec.scaleTargetRef.name: may not contain '%'"},
    {"spec.scaleTargetRef.kind", NULL, "spec.scaleTargetRef.kind: required"},
    {"spec.scaleTargetRef.kind", "5", "spec.scaleTargetRef.kind: expected a string"},
    {"spec.scaleTargetRef.apiVersion", "{}", "spec.scaleTargetRef.apiVersion: expected a string"},
    {"spec.maxReplicas", NULL, "spec.maxReplicas: required"},
    {"spec.maxReplicas", "'10'", "spec.maxReplicas: expected an integer"},
    {"spec.maxReplicas", "10.0", "spec.maxReplicas: expected an integer"},
    {"spec.maxReplicas", "0", "spec.maxReplicas: must be greater than 0"},
    {"spec.maxReplicas", "-3", "spec.maxReplicas: must be greater than 0"},
    {"spec.maxReplicas", "4294967296", "spec.maxReplicas: 4294967296 is out of range"},
    {"spec.minReplicas", "-1", "spec.minReplicas: must be greater than or equal to 0"},
    {"spec.minReplicas", "11", "spec.maxReplicas: must be greater than or equal to `minReplicas`"},
    {"spec.minReplicas", "true", "spec.minReplicas: expected an integer"},
    {"spec.metrics", "{}", "spec.metrics: expected an array"},
    {"spec.metrics[0]", "5", "spec.metrics[0]: expected an object"},
    {"spec.metrics[0].type", NULL, "spec.metrics[0].type: required"},
    {"spec.metrics[0].type", "''", "spec.metrics[0].type: required"},
    {"spec.metrics[0].type", "3", "spec.metrics[0].type: expected a string"},
    {"spec.metrics[0].resource", NULL, "spec.metrics[0].resource: required"},
    {"spec.metrics[0].resource", "'cpu'", "spec.metrics[0].resource: expected an object"},
    {"spec.metrics[0].pods", "{}", "spec.metrics[0].pods: must populate the given metric source only"},
    {"spec.metrics[0].resource.name", NULL, "spec.metrics[0].resource.name: required"},
    {"spec.metrics[0].resource.target", NULL, "spec.metrics[0].resource.target: required"},
    {"spec.metrics[0].resource.target.type", NULL, "spec.metrics[0].resource.target.type: required"},
    {"spec.metrics[0].resource.target.type", "'Average'",
     "spec.metrics[0].resource.target.type: must be either Utilization, Value, or AverageValue"},
    {"spec.metrics[0].resource.target.averageUtilization", "'60'",
     "spec.metrics[0].resource.target.averageUtilization: expected an integer"},
    {"spec.metrics[0].resource.target.averageUtilization", "0",
     "spec.metrics[0].resource.target.averageUtilization: must be greater than 0"},
    {"spec.metrics[0].resource.target.averageUtilization", NULL,
     "spec.metrics[0].resource.target.averageUtilization: must set either a target raw value or "
     "a target utilization"},
    {"spec.metrics[0].resource.target.averageValue", "'1'",
     "spec.metrics[0].resource.target.averageValue: may not set both a target raw value and a "
     "target utilization"},
    {"spec.metrics[1].resource", "{}", "spec.metrics[1].resource: must populate the given metric source only"},
    {"spec.metrics[1].containerResource.container", NULL,
     "spec.metrics[1].containerResource.container: required"},
    {"spec.metrics[1].containerResource.name", NULL, "spec.metrics[1].containerResource.name: required"},
    {"spec.metrics[1].containerResource.target.averageUtilization", "'x'",
     "spec.metrics[1].containerResource.target.averageUtilization: expected an integer"},
    {"spec.metrics[2].pods.target.averageValue", "'abc'",
     "spec.metrics[2].pods.target.averageValue: invalid quantity \"abc\"*"},
    {"spec.metrics[2].pods.target.averageValue", "''",
     "spec.metrics[2].pods.target.averageValue: invalid quantity \"\"*"},
    {"spec.metrics[2].pods.target.averageValue", "true",
     "spec.metrics[2].pods.target.averageValue: expected a quantity"},
    {"spec.metrics[2].pods.target.averageValue", "'0'",
     "spec.metrics[2].pods.target.averageValue: must be positive"},
    {"spec.metrics[2].pods.target.averageValue", "'-1'",
     "spec.metrics[2].pods.target.averageValue: must be positive"},
    {"spec.metrics[2].pods.target.averageValue", NULL,
     "spec.metrics[2].pods.target.averageValue: must specify a positive target averageValue"},
    {"spec.metrics[2].pods.metric", NULL, "spec.metrics[2].pods.metric: required"},
    {"spec.metrics[2].pods.metric.name", NULL, "spec.metrics[2].pods.metric.name: required"},
    {"spec.metrics[2].pods.metric.name", "'a/b'", "spec.metrics[2].pods.metric.name: may not contain '/'"},
    {"spec.metrics[2].pods.metric.selector", "'verb=GET'",
     "spec.metrics[2].pods.metric.selector: expected an object"},
    {"spec.metrics[3].object.describedObject", NULL, "spec.metrics[3].object.describedObject: required"},
    {"spec.metrics[3].object.describedObject.name", NULL,
     "spec.metrics[3].object.describedObject.name: required"},
    {"spec.metrics[3].object.describedObject.kind", "''",
     "spec.metrics[3].object.describedObject.kind: required"},
    {"spec.metrics[3].object.target.value", NULL,
     "spec.metrics[3].object.target.averageValue: must set either a target value or averageValue"},
    {"spec.metrics[3].object.target.value", "{}", "spec.metrics[3].object.target.value: expected a quantity"},
    {"spec.metrics[4].external.target.value", "'1'",
     "spec.metrics[4].external.target.value: may not set both a target value for metric and a "
     "per-pod target"},
    {"spec.metrics[4].external.target.averageValue", NULL,
     "spec.metrics[4].external.target.averageValue: must set either a target value for metric or "
     "a per-pod target"},
    {"spec.metrics[4].external.metric", "[]", "spec.metrics[4].external.metric: expected an object"},
    {"spec.behavior", "5", "spec.behavior: expected an object"},
    {"spec.behavior.scaleUp", "[]", "spec.behavior.scaleUp: expected an object"},
    {"spec.behavior.scaleUp.stabilizationWindowSeconds", "-1",
     "spec.behavior.scaleUp.stabilizationWindowSeconds: must be greater than or equal to zero"},
    {"spec.behavior.scaleUp.stabilizationWindowSeconds", "3601",
     "spec.behavior.scaleUp.stabilizationWindowSeconds: must be less than or equal to 3600"},
    {"spec.behavior.scaleUp.stabilizationWindowSeconds", "'0'",
     "spec.behavior.scaleUp.stabilizationWindowSeconds: expected an integer"},
    {"spec.behavior.scaleUp.selectPolicy", "'Maximum'",
     "spec.behavior.scaleUp.selectPolicy: unsupported value \"Maximum\"*"},
    {"spec.behavior.scaleUp.tolerance", "'-0.1'",
     "spec.behavior.scaleUp.tolerance: must be greater than or equal to zero"},
    {"spec.behavior.scaleUp.tolerance", "'x'", "spec.behavior.scaleUp.tolerance: invalid quantity*"},
    {"spec.behavior.scaleDown.policies", "[]",
     "spec.behavior.scaleDown.policies: must specify at least one Policy"},
    {"spec.behavior.scaleDown.policies", "{}", "spec.behavior.scaleDown.policies: expected an array"},
    {"spec.behavior.scaleDown.policies[0]", "'Pods'",
     "spec.behavior.scaleDown.policies[0]: expected an object"},
    {"spec.behavior.scaleDown.policies[0].type", "'Replicas'",
     "spec.behavior.scaleDown.policies[0].type: unsupported value \"Replicas\"*"},
    {"spec.behavior.scaleDown.policies[0].type", NULL,
     "spec.behavior.scaleDown.policies[0].type: unsupported value \"\"*"},
    {"spec.behavior.scaleDown.policies[0].value", "0",
     "spec.behavior.scaleDown.policies[0].value: must be greater than zero"},
    {"spec.behavior.scaleDown.policies[0].value", NULL,
     "spec.behavior.scaleDown.policies[0].value: must be greater than zero"},
    {"spec.behavior.scaleDown.policies[0].value", "'2'",
     "spec.behavior.scaleDown.policies[0].value: expected an integer"},
    {"spec.behavior.scaleDown.policies[0].periodSeconds", "0",
     "spec.behavior.scaleDown.policies[0].periodSeconds: must be greater than zero"},
    {"spec.behavior.scaleDown.policies[0].periodSeconds", "1801",
     "spec.behavior.scaleDown.policies[0].periodSeconds: must be less than or equal to 1800"},
    {"status", "[]", "status: expected an object"},
    {"status.currentReplicas", "'3'", "status.currentReplicas: expected an integer"},
    {"status.desiredReplicas", "-1", "status.desiredReplicas: -1 is out of range"},
    {"status.observedGeneration", "1.5", "status.observedGeneration: expected an integer"},
    {"status.lastScaleTime", "'yesterday'",
     "status.lastScaleTime: expected an RFC 3339 time, got \"yesterday\""},
    {"status.conditions", "{}", "status.conditions: expected an array"},
    {"status.conditions[1]", "'x'", "status.conditions[1]: expected an object"},
    {"status.conditions[0].lastTransitionTime", "'2026-13-01T00:00:00Z'",
     "status.conditions[0].lastTransitionTime: expected an RFC 3339 time*"},
    {"status.conditions[0].reason", "5", "status.conditions[0].reason: expected a string"},
};

static bool error_matches(const char *got, const char *want)
{
    size_t len = strlen(want);
    if (len > 0 && want[len - 1] == '*')
        return strncmp(got, want, len - 1) == 0;
    return strcmp(got, want) == 0;
}

static void test_hpa__decode_errors(void **state)
{
    for (size_t i = 0; i < sizeof(decode_errors) / sizeof(decode_errors[0]); i++) {
        json_t *obj = load_q(BASE_HPA);
        patch(obj, decode_errors[i].path, decode_errors[i].value);
        hpac_hpa hpa;
        memset(&hpa, 0xA5, sizeof(hpa)); /* the decoder must not read what it is given */
        char err[512] = "";
        int rc = hpac_hpa_from_json(obj, &hpa, err, sizeof(err));
        if (rc != -1)
            fail_msg("row %zu (%s = %s): accepted", i, decode_errors[i].path,
                     decode_errors[i].value ? decode_errors[i].value : "<removed>");
        if (!error_matches(err, decode_errors[i].error))
            fail_msg("row %zu (%s): got \"%s\", want \"%s\"", i, decode_errors[i].path, err,
                     decode_errors[i].error);
        /* Cleared on error. */
        assert_null(hpa.name);
        assert_null(hpa.metrics);
        assert_int_equal(hpa.metric_count, 0);
        assert_false(hpa.has_status);
        assert_null(hpa.read_metrics);
        hpac_hpa_clear(&hpa);
        json_decref(obj);
    }
}

static void test_hpa__decode_errors_top_level(void **state)
{
    static const char *const bodies[] = {"[]", "'text'", "5", "null"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        json_t *v = load_q(bodies[i]);
        hpac_hpa hpa;
        char err[128] = "";
        assert_int_equal(hpac_hpa_from_json(v, &hpa, err, sizeof(err)), -1);
        assert_string_equal(err, "expected an object");
        json_decref(v);
    }
    hpac_hpa hpa;
    char err[128] = "";
    assert_int_equal(hpac_hpa_from_json(NULL, &hpa, err, sizeof(err)), -1);
    /* A short buffer truncates the message; no buffer is fine too. */
    json_t *obj = load_q(BASE_HPA);
    patch(obj, "spec.maxReplicas", NULL);
    char tiny[8];
    assert_int_equal(hpac_hpa_from_json(obj, &hpa, tiny, sizeof(tiny)), -1);
    assert_string_equal(tiny, "spec.ma");
    assert_int_equal(hpac_hpa_from_json(obj, &hpa, NULL, 0), -1);
    json_decref(obj);
}

/* ---- status ----------------------------------------------------------------- */

static void test_hpa__status_round_trip(void **state)
{
    /* What was read, written back, is the same object. */
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    json_t *out = hpac_hpa_status_to_json(&hpa.status, hpa.metrics, hpa.metric_count);
    assert_non_null(out);
    assert_true(hpa.status_exact);
    if (!json_equal(out, json_object_get(obj, "status"))) {
        char *got = json_dumps(out, JSON_SORT_KEYS);
        fail_msg("status changed: %s", got);
    }
    json_decref(out);
    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

static void test_hpa__status_to_json(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);

    hpac_metric_status metrics[6];
    memset(metrics, 0, sizeof(metrics));
    metrics[0] = (hpac_metric_status){.type = HPAC_METRIC_RESOURCE,
                                      .has_average_utilization = true,
                                      .average_utilization = 50,
                                      .has_average_value = true,
                                      .average_value_milli = 250};
    metrics[1] = (hpac_metric_status){.type = HPAC_METRIC_CONTAINER_RESOURCE,
                                      .has_average_value = true,
                                      .average_value_milli = INT64_C(1000000000)};
    metrics[2] = (hpac_metric_status){
        .type = HPAC_METRIC_PODS, .has_average_value = true, .average_value_milli = 6667};
    metrics[3] = (hpac_metric_status){
        .type = HPAC_METRIC_OBJECT, .has_value = true, .value_milli = 3000000};
    metrics[4] = (hpac_metric_status){
        .type = HPAC_METRIC_EXTERNAL, .has_average_value = true, .average_value_milli = 20000};
    metrics[5] = (hpac_metric_status){.type = HPAC_METRIC_UNKNOWN};

    hpac_condition conditions[2] = {
        {.type = "AbleToScale", .status = "True", .reason = "SucceededRescale",
         .message = "the HPA controller was able to update the target scale to 5",
         .last_transition_ms = at("2026-11-27T21:35:02.789Z")},
        {.type = "ScalingLimited", .status = "False", .reason = "DesiredWithinRange",
         .message = NULL, .last_transition_ms = 0},
    };
    hpac_hpa_status st = {
        .has_observed_generation = true,
        .observed_generation = 7,
        .last_scale_time_ms = at("2026-11-27T21:35:02.500Z"),
        .current_replicas = 3,
        .desired_replicas = 5,
        .current_metrics = metrics,
        .current_metric_count = 6,
        .conditions = conditions,
        .condition_count = 2,
    };
    json_t *want = load_q(
        "{'observedGeneration': 7, 'lastScaleTime': '2026-11-27T21:35:02Z',"
        " 'currentReplicas': 3, 'desiredReplicas': 5,"
        " 'currentMetrics': ["
        "  {'type': 'Resource', 'resource': {'name': 'cpu',"
        "     'current': {'averageValue': '250m', 'averageUtilization': 50}}},"
        "  {'type': 'ContainerResource', 'containerResource': {'name': 'memory', 'container': 'app',"
        "     'current': {'averageValue': '1000000'}}},"
        "  {'type': 'Pods', 'pods': {'metric': {'name': 'qps', 'selector': {'matchLabels': {'verb': 'GET'}}},"
        "     'current': {'averageValue': '6667m'}}},"
        "  {'type': 'Object', 'object': {"
        "     'describedObject': {'apiVersion': 'networking.k8s.io/v1', 'kind': 'Ingress', 'name': 'main'},"
        "     'metric': {'name': 'requests'}, 'current': {'value': '3k'}}},"
        "  {'type': 'External', 'external': {'metric': {'name': 'queue_depth'},"
        "     'current': {'averageValue': '20'}}},"
        "  {}],"
        " 'conditions': ["
        "  {'type': 'AbleToScale', 'status': 'True', 'lastTransitionTime': '2026-11-27T21:35:02Z',"
        "   'reason': 'SucceededRescale',"
        "   'message': 'the HPA controller was able to update the target scale to 5'},"
        "  {'type': 'ScalingLimited', 'status': 'False', 'reason': 'DesiredWithinRange'}]}");
    json_t *got = hpac_hpa_status_to_json(&st, hpa.metrics, hpa.metric_count);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
        fail_msg("got %s", text);
    }
    /* The selector is a copy: the output lives on after the spec. */
    json_t *sel = json_object_get(
        json_object_get(json_object_get(json_array_get(json_object_get(got, "currentMetrics"), 2),
                                        "pods"),
                        "metric"),
        "selector");
    assert_non_null(sel);
    assert_ptr_not_equal(sel, hpa.metrics[2].metric_selector);
    json_decref(got);
    json_decref(want);

    /* A status entry past the spec, or of another type than its spec entry,
     * has no identity and is written empty. */
    hpac_metric_status odd[2] = {
        {.type = HPAC_METRIC_PODS, .has_average_value = true, .average_value_milli = 1000},
        {.type = HPAC_METRIC_PODS, .has_average_value = true, .average_value_milli = 1000},
    };
    hpac_hpa_status st2 = {.current_replicas = 1, .desired_replicas = 1,
                           .current_metrics = odd, .current_metric_count = 2};
    got = hpac_hpa_status_to_json(&st2, hpa.metrics, 1);
    want = load_q("{'currentReplicas': 1, 'desiredReplicas': 1, 'currentMetrics': [{}, {}]}");
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);

    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

static void test_hpa__status_minimal(void **state)
{
    /* No generation, no scale time, no metrics, no conditions: only the
     * replica counts. */
    hpac_hpa_status st = {.current_replicas = 0, .desired_replicas = 0};
    json_t *got = hpac_hpa_status_to_json(&st, NULL, 0);
    json_t *want = load_q("{'currentReplicas': 0, 'desiredReplicas': 0}");
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
}

static void test_hpa__status_json_equal(void **state)
{
    static const struct {
        const char *a;
        const char *b;
        bool equal;
    } cases[] = {
        /* What this controller writes vs. what the API server gives back. */
        {"{'currentReplicas': 0, 'desiredReplicas': 0}", "{'desiredReplicas': 0}", true},
        {"{'currentReplicas': 0, 'desiredReplicas': 0}",
         "{'desiredReplicas': 0, 'currentMetrics': null}", true},
        {"{'desiredReplicas': 1, 'currentMetrics': [{}]}",
         "{'desiredReplicas': 1, 'currentMetrics': [{'type': ''}]}", true},
        {"{'desiredReplicas': 1, 'currentMetrics': []}", "{'desiredReplicas': 1}", true},
        {"{'desiredReplicas': 1, 'conditions': [{'type': 'AbleToScale', 'status': 'True'}]}",
         "{'desiredReplicas': 1, 'conditions': [{'type': 'AbleToScale', 'status': 'True',"
         " 'lastTransitionTime': null, 'reason': '', 'message': ''}]}",
         true},
        {"{'desiredReplicas': 1, 'lastScaleTime': null}", "{'desiredReplicas': 1}", true},
        /* Real differences. */
        {"{'currentReplicas': 1, 'desiredReplicas': 1}", "{'desiredReplicas': 1}", false},
        {"{'desiredReplicas': 1}", "{'desiredReplicas': 2}", false},
        {"{'desiredReplicas': 1, 'currentMetrics': [{}]}",
         "{'desiredReplicas': 1, 'currentMetrics': [{'type': 'Pods'}]}", false},
        {"{'desiredReplicas': 1, 'conditions': [{'type': 'A', 'status': 'True', 'reason': 'x'}]}",
         "{'desiredReplicas': 1, 'conditions': [{'type': 'A', 'status': 'True', 'reason': 'y'}]}",
         false},
        {"{'desiredReplicas': 1, 'lastScaleTime': '2026-11-27T21:35:02Z'}",
         "{'desiredReplicas': 1}", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *a = load_q(cases[i].a), *b = load_q(cases[i].b);
        if (hpac_hpa_status_json_equal(a, b) != cases[i].equal ||
            hpac_hpa_status_json_equal(b, a) != cases[i].equal)
            fail_msg("case %zu: want %s", i, cases[i].equal ? "equal" : "different");
        /* The inputs are not modified. */
        json_t *a2 = load_q(cases[i].a);
        assert_true(json_equal(a, a2));
        json_decref(a2);
        json_decref(a);
        json_decref(b);
    }
    json_t *a = load_q("{}");
    assert_true(hpac_hpa_status_json_equal(NULL, NULL));
    assert_false(hpac_hpa_status_json_equal(a, NULL));
    assert_false(hpac_hpa_status_json_equal(NULL, a));
    json_decref(a);
}

/* ---- status comparison on structs ------------------------------------------ */

/* Statuses for BASE_HPA's six metrics, each a variation of one: the
 * comparison on structs must agree with the JSON one on every pair. */
#define STATUS_VARIANTS 21

typedef struct status_variant {
    hpac_metric_status metrics[7];
    hpac_condition conditions[2];
    hpac_hpa_status status;
} status_variant;

static void make_variant(int k, status_variant *v)
{
    memset(v, 0, sizeof(*v));
    v->metrics[0] = (hpac_metric_status){.type = HPAC_METRIC_RESOURCE,
                                         .has_average_utilization = true,
                                         .average_utilization = 50,
                                         .has_average_value = true,
                                         .average_value_milli = 250};
    v->metrics[1] = (hpac_metric_status){.type = HPAC_METRIC_CONTAINER_RESOURCE,
                                         .has_average_value = true,
                                         .average_value_milli = INT64_C(1073741824000)};
    v->metrics[2] = (hpac_metric_status){
        .type = HPAC_METRIC_PODS, .has_average_value = true, .average_value_milli = 6667};
    v->metrics[3] = (hpac_metric_status){
        .type = HPAC_METRIC_OBJECT, .has_value = true, .value_milli = 3000000};
    v->metrics[4] = (hpac_metric_status){
        .type = HPAC_METRIC_EXTERNAL, .has_average_value = true, .average_value_milli = 20000};
    v->metrics[5] = (hpac_metric_status){.type = HPAC_METRIC_UNKNOWN};
    v->conditions[0] = (hpac_condition){.type = "AbleToScale", .status = "True",
                                        .reason = "SucceededRescale", .message = "scaled to 5",
                                        .last_transition_ms = at("2026-11-27T21:35:02.100Z")};
    v->conditions[1] = (hpac_condition){.type = "ScalingLimited", .status = "False",
                                        .reason = "DesiredWithinRange", .message = NULL};
    v->status = (hpac_hpa_status){.has_observed_generation = true,
                                  .observed_generation = 7,
                                  .last_scale_time_ms = at("2026-11-27T21:35:02.500Z"),
                                  .current_replicas = 3,
                                  .desired_replicas = 5,
                                  .current_metrics = v->metrics,
                                  .current_metric_count = 6,
                                  .conditions = v->conditions,
                                  .condition_count = 2};
    hpac_hpa_status *st = &v->status;
    switch (k) {
    case 0: /* the base */
        break;
    case 1: /* the same second, written the same */
        st->last_scale_time_ms += 400;
        v->conditions[0].last_transition_ms -= 100;
        break;
    case 2: /* the next second */
        st->last_scale_time_ms += 500;
        break;
    case 3: /* an empty message is not written, as an absent one */
        v->conditions[1].message = "";
        break;
    case 4: /* nor an empty reason (written as 20) */
        v->conditions[1].reason = "";
        v->conditions[1].message = "";
        break;
    case 5: /* an unknown entry is {} whatever it holds */
        v->metrics[5].has_value = true;
        v->metrics[5].value_milli = 5;
        break;
    case 6: /* an entry of another type than its spec entry is {} too */
        v->metrics[5].type = HPAC_METRIC_PODS;
        v->metrics[5].has_average_value = true;
        break;
    case 7: /* ... and so is this one, different from the base */
        v->metrics[2].type = HPAC_METRIC_EXTERNAL;
        break;
    case 8: /* the same as 7, written alike */
        v->metrics[2] = (hpac_metric_status){.type = HPAC_METRIC_UNKNOWN};
        break;
    case 9: /* memory in binary units: another value, another text */
        v->metrics[1].average_value_milli += 1000;
        break;
    case 10:
        v->metrics[0].average_utilization = 51;
        break;
    case 11:
        v->metrics[0].has_average_value = false;
        break;
    case 12:
        st->has_observed_generation = false;
        break;
    case 13: /* 0 replicas are not written */
        st->current_replicas = 0;
        break;
    case 14: /* a condition's defaults: "" type, Unknown status */
        v->conditions[1].type = NULL;
        v->conditions[1].status = NULL;
        break;
    case 15: /* written as 14 */
        v->conditions[1].type = "";
        v->conditions[1].status = "Unknown";
        break;
    case 16: /* no lists at all */
        st->current_metric_count = 0;
        st->condition_count = 0;
        break;
    case 17: /* an entry past the spec has no identity: {} */
        v->metrics[6] = v->metrics[0];
        st->current_metric_count = 7;
        break;
    case 18: /* no times */
        st->last_scale_time_ms = 0;
        v->conditions[0].last_transition_ms = 0;
        break;
    case 19: /* a time in the first second of the epoch is still written */
        st->last_scale_time_ms = 1;
        v->conditions[0].last_transition_ms = 999;
        break;
    case 20:
        v->conditions[1].reason = NULL;
        break;
    default:
        fail_msg("no variant %d", k);
    }
}

static void test_hpa__status_equal_agrees_with_json(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    static status_variant v[STATUS_VARIANTS];
    json_t *encoded[STATUS_VARIANTS];
    for (int k = 0; k < STATUS_VARIANTS; k++) {
        make_variant(k, &v[k]);
        encoded[k] = hpac_hpa_status_to_json(&v[k].status, hpa.metrics, hpa.metric_count);
        assert_non_null(encoded[k]);
    }
    size_t equal_pairs = 0;
    for (int i = 0; i < STATUS_VARIANTS; i++) {
        for (int j = 0; j < STATUS_VARIANTS; j++) {
            bool want = hpac_hpa_status_json_equal(encoded[i], encoded[j]);
            bool got =
                hpac_hpa_status_equal(&v[i].status, &v[j].status, hpa.metrics, hpa.metric_count);
            if (got != want)
                fail_msg("variants %d and %d: structs say %s, JSON says %s", i, j,
                         got ? "equal" : "different", want ? "equal" : "different");
            if (i < j && want) {
                equal_pairs++;
            }
        }
    }
    /* Pairs whose structs differ but are written alike: 0-1, 0-3, 0-5,
     * 0-6, 1-3, 1-5, 1-6, 3-5, 3-6, 5-6, 4-20, 7-8, 14-15. */
    assert_int_equal(equal_pairs, 13);
    for (int k = 0; k < STATUS_VARIANTS; k++)
        json_decref(encoded[k]);
    hpac_hpa_clear(&hpa);
    json_decref(obj);
}

/* The status as read against the one a sync computes: what the reconcile
 * decides on structs (hpac_hpa_status_unchanged) is what the JSON
 * comparison says of the status read and the status it would write. */
static void test_hpa__status_unchanged_agrees_with_json(void **state)
{
    static const struct {
        int next;          /* the variant computed */
        const char *path;  /* a change to its JSON, as read; NULL: none */
        const char *value; /* NULL: removed */
        bool unchanged;
    } cases[] = {
        {0, NULL, NULL, true},
        {1, NULL, NULL, true},
        {16, NULL, NULL, true},
        {18, NULL, NULL, true},
        /* What the API server drops or rewrites. */
        {0, "lastScaleTime", "null", false},
        {18, "lastScaleTime", "null", true},
        {13, "currentReplicas", NULL, true},
        {16, "currentMetrics", "[]", true},
        {16, "conditions", "null", true},
        {0, "currentMetrics[5]", "{'type': ''}", true},
        {0, "currentMetrics[5]", "{'type': null}", true},
        {0, "currentMetrics[4].external.metric.selector", "null", true},
        {0, "conditions[1].message", "''", true},
        {0, "conditions[1].message", "null", true},
        {0, "conditions[0].reason", "''", false},
        {20, "conditions[1].reason", "''", true},
        {0, "currentMetrics[0].resource.current.value", "null", true},
        /* What this controller never writes. */
        {0, "extra", "1", false},
        {0, "currentMetrics[5]", "{'type': 'Pods'}", false},
        {0, "currentMetrics[0].type", "'Pods'", false},
        {0, "currentMetrics[0].type", "'Cheese'", false},
        {0, "currentMetrics[0].type", "5", false},
        {0, "currentMetrics[0]", "'x'", false},
        {0, "currentMetrics", "{}", false},
        {16, "currentMetrics", "{}", false},
        {0, "currentMetrics[2].pods.metric.name", "'qps2'", false},
        {0, "currentMetrics[2].pods.metric.selector", NULL, false},
        {0, "currentMetrics[3].object.describedObject.kind", "'Service'", false},
        {0, "currentMetrics[1].containerResource.container", "'side'", false},
        {0, "currentMetrics[1].containerResource.current.averageValue", "'1073741824'", false},
        {0, "currentMetrics[1].containerResource.current.averageValue", "'1024Mi'", false},
        {0, "currentMetrics[0].resource.current.averageValue", "'0.25'", false},
        {0, "currentMetrics[0].resource.current.averageValue", "0.25", false},
        {0, "currentMetrics[0].resource.current.averageValue", "'lots'", false},
        {0, "currentMetrics[0].resource.current.averageUtilization", "'50'", false},
        {0, "currentMetrics[0].resource.current.averageUtilization", "50.0", false},
        {0, "currentMetrics[0].resource.current.averageUtilization", "4294967346", false},
        {0, "currentMetrics[0].resource.current", NULL, false},
        {0, "currentMetrics[0].resource.current.extra", "1", false},
        {17, NULL, NULL, true},
        {17, "currentMetrics[6]", "{'type': ''}", true},
        {17, "currentMetrics[6]", "{'type': 'Resource', 'resource': {'name': 'cpu', 'current': {}}}",
         false},
        {16, "currentMetrics", "[{}]", false},
        {0, "conditions[0].lastTransitionTime", "'2026-11-27T21:35:02.100Z'", false},
        {0, "conditions[1].type", NULL, false},
        {0, "conditions[1].status", NULL, false},
        {0, "conditions[1]", NULL, false},
        {0, "desiredReplicas", "4", false},
        {0, "observedGeneration", "6", false},
        {0, "observedGeneration", NULL, false},
    };
    json_t *base = load_q(BASE_HPA);
    hpac_hpa spec;
    decode_ok(base, &spec);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        status_variant next;
        make_variant(cases[i].next, &next);
        json_t *written = hpac_hpa_status_to_json(&next.status, spec.metrics, spec.metric_count);
        json_t *read = json_deep_copy(written);
        if (cases[i].path)
            patch(read, cases[i].path, cases[i].value);
        json_t *obj = json_deep_copy(base);
        json_object_set(obj, "status", read);
        hpac_hpa hpa;
        decode_ok(obj, &hpa);
        bool want = hpac_hpa_status_json_equal(read, written);
        bool got = hpac_hpa_status_unchanged(&hpa, &next.status);
        if (got != want || got != cases[i].unchanged)
            fail_msg("case %zu (%s): structs say %s, JSON says %s", i,
                     cases[i].path ? cases[i].path : "as written", got ? "unchanged" : "changed",
                     want ? "unchanged" : "changed");
        hpac_hpa_clear(&hpa);
        json_decref(obj);
        json_decref(read);
        json_decref(written);
    }
    /* No status read: always written. */
    json_t *obj = json_deep_copy(base);
    json_object_del(obj, "status");
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    status_variant next;
    make_variant(16, &next);
    assert_false(hpac_hpa_status_unchanged(&hpa, &next.status));
    hpac_hpa_clear(&hpa);
    json_decref(obj);
    hpac_hpa_clear(&spec);
    json_decref(base);
}

static void test_hpa__status_copy(void **state)
{
    json_t *obj = load_q(BASE_HPA);
    hpac_hpa hpa;
    decode_ok(obj, &hpa);
    hpac_metric_status ms[1] = {
        {.type = HPAC_METRIC_RESOURCE, .has_average_utilization = true, .average_utilization = 40}};
    hpa.status.current_metrics = malloc(sizeof(ms));
    assert_non_null(hpa.status.current_metrics);
    memcpy(hpa.status.current_metrics, ms, sizeof(ms));
    hpa.status.current_metric_count = 1;

    hpac_hpa_status copy;
    assert_int_equal(hpac_hpa_status_copy(&hpa.status, &copy), 0);
    json_t *a = hpac_hpa_status_to_json(&hpa.status, hpa.metrics, hpa.metric_count);
    /* Deep: the copy survives the original. */
    hpac_hpa_clear(&hpa);
    json_decref(obj);
    assert_int_equal(copy.condition_count, 2);
    assert_string_equal(copy.conditions[1].message, "boom");
    assert_int_equal(copy.current_metric_count, 1);
    assert_int_equal(copy.current_metrics[0].average_utilization, 40);
    assert_int_equal(copy.observed_generation, 6);

    json_t *obj2 = load_q(BASE_HPA);
    decode_ok(obj2, &hpa);
    json_t *b = hpac_hpa_status_to_json(&copy, hpa.metrics, hpa.metric_count);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);

    hpac_hpa_status_clear(&copy);
    assert_null(copy.conditions);
    assert_int_equal(copy.condition_count, 0);
    hpac_hpa_status_clear(&copy);

    hpac_hpa_status empty = {0}, empty_copy;
    assert_int_equal(hpac_hpa_status_copy(&empty, &empty_copy), 0);
    assert_null(empty_copy.conditions);
    assert_null(empty_copy.current_metrics);
    hpac_hpa_status_clear(&empty_copy);

    hpac_hpa_clear(&hpa);
    json_decref(obj2);
}

static void test_hpa__metric_type_names(void **state)
{
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_RESOURCE), "Resource");
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_CONTAINER_RESOURCE), "ContainerResource");
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_PODS), "Pods");
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_OBJECT), "Object");
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_EXTERNAL), "External");
    assert_string_equal(hpac_metric_type_name(HPAC_METRIC_UNKNOWN), "Unknown");
}

/* ---- the shared acceptance cases ---------------------------------------------- */

/* Replaces "@now", "@now-90s", "@now+5m" strings by RFC 3339 times. */
static void resolve_now(json_t *v, int64_t now)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) {
            if (json_is_string(child) && strncmp(json_string_value(child), "@now", 4) == 0) {
                const char *s = json_string_value(child) + 4;
                int64_t t = now;
                if (*s == '+' || *s == '-') {
                    char *end;
                    long n = strtol(s + 1, &end, 10);
                    int64_t unit = *end == 'h' ? 3600000 : *end == 'm' ? 60000 : 1000;
                    t += (*s == '-' ? -1 : 1) * n * unit;
                }
                char buf[HPAC_RFC3339_MAX];
                hpac_time_format_rfc3339(t, buf, sizeof(buf));
                json_object_set_new(v, key, json_string(buf));
            } else {
                resolve_now(child, now);
            }
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            resolve_now(json_array_get(v, i), now);
    }
}

static void test_hpa__upstream_cases_decode(void **state)
{
    size_t count = 0, unknown = 0, with_behavior = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    for (size_t i = 0; i < count; i++) {
        json_t *c = hpac_test_load_json(paths[i]);
        json_t *obj = json_object_get(json_object_get(c, "objects"), "hpa");
        assert_non_null(obj);
        resolve_now(obj, at("2026-11-27T21:35:02Z"));
        hpac_hpa hpa;
        char err[256] = "";
        if (hpac_hpa_from_json(obj, &hpa, err, sizeof(err)) != 0)
            fail_msg("%s: %s", paths[i], err);
        json_t *spec = json_object_get(obj, "spec");
        assert_int_equal(hpa.max_replicas, json_integer_value(json_object_get(spec, "maxReplicas")));
        assert_int_equal(hpa.metric_count, json_array_size(json_object_get(spec, "metrics")));
        for (size_t m = 0; m < hpa.metric_count; m++) {
            json_t *ms = json_array_get(json_object_get(spec, "metrics"), m);
            assert_string_equal(hpa.metrics[m].type_name,
                                json_string_value(json_object_get(ms, "type")));
            if (hpa.metrics[m].type == HPAC_METRIC_UNKNOWN)
                unknown++;
        }
        assert_int_equal(hpa.has_behavior, json_object_get(spec, "behavior") != NULL);
        if (hpa.has_behavior) {
            with_behavior++;
            assert_true(hpa.behavior.scale_up.policy_count > 0);
            assert_true(hpa.behavior.scale_down.policy_count > 0);
        }
        /* Reading a status and writing it back changes nothing. */
        const json_t *read = json_object_get(obj, "status");
        assert_int_equal(hpa.has_status, read != NULL);
        if (read) {
            json_t *out = hpac_hpa_status_to_json(&hpa.status, hpa.metrics, hpa.metric_count);
            if (!json_equal(out, read) || !hpa.status_exact)
                fail_msg("%s: status does not round-trip", paths[i]);
            json_decref(out);
        }
        hpac_hpa_clear(&hpa);
        json_decref(c);
    }
    /* The corpus has the CheddarCheese cases and behavior cases. */
    assert_true(unknown >= 2);
    assert_true(with_behavior > 10);
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hpa__decode_full_object),
        cmocka_unit_test(test_hpa__decoded_outlives_json),
        cmocka_unit_test(test_hpa__hpac_io_kind_and_list_items),
        cmocka_unit_test(test_hpa__defaults),
        cmocka_unit_test(test_hpa__behavior_defaults_fill_gaps),
        cmocka_unit_test(test_hpa__behavior_defaults_function),
        cmocka_unit_test(test_hpa__quantity_forms),
        cmocka_unit_test(test_hpa__unknown_metric_types_are_kept),
        cmocka_unit_test(test_hpa__decode_errors),
        cmocka_unit_test(test_hpa__decode_errors_top_level),
        cmocka_unit_test(test_hpa__status_round_trip),
        cmocka_unit_test(test_hpa__status_to_json),
        cmocka_unit_test(test_hpa__status_minimal),
        cmocka_unit_test(test_hpa__status_json_equal),
        cmocka_unit_test(test_hpa__status_equal_agrees_with_json),
        cmocka_unit_test(test_hpa__status_unchanged_agrees_with_json),
        cmocka_unit_test(test_hpa__status_copy),
        cmocka_unit_test(test_hpa__metric_type_names),
        cmocka_unit_test(test_hpa__upstream_cases_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
