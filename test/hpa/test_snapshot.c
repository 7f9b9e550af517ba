#include "test_support.h"
#include "hpa/snapshot.h"

#include <stdlib.h>
#include <string.h>

static const char *const HPA =
    "{\"apiVersion\": \"autoscaling/v2\", \"kind\": \"HorizontalPodAutoscaler\","
    " \"metadata\": {\"name\": \"web\", \"namespace\": \"prod\", \"resourceVersion\": \"42\","
    "   \"annotations\": {\"hpac.io/history\": \"H1\"}},"
    " \"spec\": {\"scaleTargetRef\": {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
    "   \"name\": \"web\"}, \"maxReplicas\": 10},"
    " \"status\": {\"currentReplicas\": 3, \"desiredReplicas\": 3,"
    "   \"conditions\": [{\"type\": \"AbleToScale\", \"status\": \"True\"}]}}";

static json_t *load(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (!v)
        fail_msg("bad test JSON: %s", error.text);
    return v;
}

static void test_snapshot__decoded_once(void **state)
{
    json_t *obj = load(HPA);
    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    assert_non_null(s);
    json_decref(obj); /* the snapshot owns copies */
    assert_int_equal(s->refs, 1);
    assert_null(s->error);
    assert_string_equal(s->hpa.name, "web");
    assert_string_equal(s->hpa.resource_version, "42");
    assert_int_equal(s->hpa.max_replicas, 10);
    assert_true(s->hpa.has_status);
    assert_true(s->hpa.status_exact);
    assert_int_equal(s->hpa.status.condition_count, 1);
    /* The history annotation as read, for a controller that gains the
     * HPA's shard; no text: a status write needs only the version. */
    assert_string_equal(s->hpa.history_annotation, "H1");
    assert_null(s->text);
    assert_null(hpac_hpa_snapshot_object(s));
    hpac_hpa_snapshot_unref(s);
}

static void test_snapshot__without_status(void **state)
{
    json_t *obj = load(HPA);
    json_object_del(obj, "status");
    json_object_del(json_object_get(obj, "metadata"), "annotations");
    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    assert_non_null(s);
    assert_null(s->error);
    assert_false(s->hpa.has_status);
    assert_null(s->hpa.history_annotation);
    assert_string_equal(s->hpa.resource_version, "42");
    json_decref(obj);
    hpac_hpa_snapshot_unref(s);
}

static void test_snapshot__invalid_keeps_error_and_object(void **state)
{
    json_t *obj = load(HPA);
    json_object_set_new(json_object_get(obj, "spec"), "maxReplicas", json_integer(0));
    hpac_hpa want;
    char want_err[1024];
    assert_int_equal(hpac_hpa_from_json(obj, &want, want_err, sizeof(want_err)), -1);

    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    assert_non_null(s);
    /* The decoder's message, as the reconcile reports it. */
    assert_non_null(s->error);
    assert_string_equal(s->error, want_err);
    assert_string_equal(s->error, "spec.maxReplicas: must be greater than 0");
    assert_null(s->hpa.name);
    assert_int_equal(s->hpa.metric_count, 0);
    /* All of it, status included: the report keeps its other conditions. */
    json_t *got = hpac_hpa_snapshot_object(s);
    assert_true(json_equal(got, obj));
    json_decref(got);
    json_decref(obj);
    hpac_hpa_snapshot_unref(s);
}

static void test_snapshot__references(void **state)
{
    json_t *obj = load(HPA);
    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    json_decref(obj);
    /* A reconcile's reference outlives the owner's. */
    hpac_hpa_snapshot *held = hpac_hpa_snapshot_ref(s);
    assert_ptr_equal(held, s);
    assert_int_equal(s->refs, 2);
    hpac_hpa_snapshot_unref(s);
    assert_int_equal(held->refs, 1);
    assert_string_equal(held->hpa.namespace, "prod");
    hpac_hpa_snapshot_unref(held); /* freed: the sanitizer build checks */
    hpac_hpa_snapshot_unref(NULL);
}

/* Everything the decoder allocates moves into the snapshot's one block:
 * the same object, readable after the JSON is gone. */
static void test_snapshot__packed_like_decoded(void **state)
{
    json_t *obj = load(
        "{\"apiVersion\": \"hpac.io/v1\", \"kind\": \"HorizontalPodAutoscaler\","
        " \"metadata\": {\"name\": \"web\", \"namespace\": \"prod\", \"uid\": \"u-1\","
        "   \"resourceVersion\": \"42\", \"generation\": 3},"
        " \"spec\": {\"scaleTargetRef\": {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
        "   \"name\": \"web\"}, \"minReplicas\": 2, \"maxReplicas\": 10, \"metrics\": ["
        "  {\"type\": \"ContainerResource\", \"containerResource\": {\"name\": \"memory\","
        "    \"container\": \"app\", \"target\": {\"type\": \"AverageValue\", \"averageValue\": \"1Gi\"}}},"
        "  {\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\": \"qps\", \"selector\":"
        "    {\"matchLabels\": {\"verb\": \"GET\"}}}, \"target\": {\"type\": \"AverageValue\","
        "    \"averageValue\": \"1500m\"}}},"
        "  {\"type\": \"Object\", \"object\": {\"describedObject\": {\"apiVersion\": \"v1\","
        "    \"kind\": \"Service\", \"name\": \"front\"}, \"metric\": {\"name\": \"rps\"},"
        "    \"target\": {\"type\": \"Value\", \"value\": \"2\"}}}],"
        "  \"behavior\": {\"scaleDown\": {\"policies\": [{\"type\": \"Pods\", \"value\": 2,"
        "    \"periodSeconds\": 30}, {\"type\": \"Percent\", \"value\": 10, \"periodSeconds\": 60}]}}},"
        " \"status\": {\"observedGeneration\": 3, \"currentReplicas\": 3, \"desiredReplicas\": 4,"
        "  \"currentMetrics\": [{\"type\": \"ContainerResource\", \"containerResource\": {"
        "    \"name\": \"memory\", \"container\": \"app\", \"current\": {\"averageValue\": \"1Gi\"}}},"
        "    {}, {}],"
        "  \"conditions\": [{\"type\": \"AbleToScale\", \"status\": \"True\","
        "    \"lastTransitionTime\": \"2026-11-27T21:00:00Z\", \"reason\": \"ReadyForNewScale\","
        "    \"message\": \"recommended size matches current size\"}]}}");
    hpac_hpa want;
    char err[256] = "";
    if (hpac_hpa_from_json(obj, &want, err, sizeof(err)) != 0)
        fail_msg("decode failed: %s", err);
    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    assert_non_null(s);
    json_decref(obj);
    const hpac_hpa *got = &s->hpa;
    assert_non_null(s->block);
    assert_string_equal(got->api_version, want.api_version);
    assert_string_equal(got->namespace, want.namespace);
    assert_string_equal(got->name, want.name);
    assert_string_equal(got->uid, want.uid);
    assert_string_equal(got->resource_version, want.resource_version);
    assert_int_equal(got->generation, 3);
    assert_string_equal(got->scale_target_ref.api_version, "apps/v1");
    assert_string_equal(got->scale_target_ref.kind, "Deployment");
    assert_string_equal(got->scale_target_ref.name, "web");
    assert_int_equal(got->min_replicas, 2);
    assert_int_equal(got->metric_count, 3);
    assert_string_equal(got->metrics[0].type_name, "ContainerResource");
    assert_string_equal(got->metrics[0].resource_name, "memory");
    assert_string_equal(got->metrics[0].container, "app");
    assert_int_equal(got->metrics[0].target.average_value_milli,
                     want.metrics[0].target.average_value_milli);
    assert_string_equal(got->metrics[1].metric_name, "qps");
    assert_true(json_equal(got->metrics[1].metric_selector, want.metrics[1].metric_selector));
    assert_string_equal(got->metrics[2].described_object.api_version, "v1");
    assert_string_equal(got->metrics[2].described_object.kind, "Service");
    assert_string_equal(got->metrics[2].described_object.name, "front");
    assert_true(got->has_behavior);
    assert_int_equal(got->behavior.scale_up.policy_count, want.behavior.scale_up.policy_count);
    assert_memory_equal(got->behavior.scale_up.policies, want.behavior.scale_up.policies,
                        want.behavior.scale_up.policy_count * sizeof(hpac_scaling_policy));
    assert_int_equal(got->behavior.scale_down.policy_count, 2);
    assert_memory_equal(got->behavior.scale_down.policies, want.behavior.scale_down.policies,
                        2 * sizeof(hpac_scaling_policy));
    assert_int_equal(got->read_metric_count, 3);
    assert_memory_equal(got->read_metrics, want.read_metrics, 3 * sizeof(hpac_metric_status));
    assert_true(got->status_exact);
    /* The status, conditions included, encodes as the decoder's does. */
    json_t *a = hpac_hpa_status_to_json(&got->status, got->metrics, got->metric_count);
    json_t *b = hpac_hpa_status_to_json(&want.status, want.metrics, want.metric_count);
    assert_true(json_equal(a, b));
    assert_string_equal(got->status.conditions[0].message, "recommended size matches current size");
    json_decref(a);
    json_decref(b);
    hpac_hpa_clear(&want);
    hpac_hpa_snapshot_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot__decoded_once),
        cmocka_unit_test(test_snapshot__without_status),
        cmocka_unit_test(test_snapshot__invalid_keeps_error_and_object),
        cmocka_unit_test(test_snapshot__references),
        cmocka_unit_test(test_snapshot__packed_like_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
