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
    /* The history annotation is decoded by the controller, not kept. */
    assert_null(s->hpa.history_annotation);

    /* The text is the object without its status (a status write replaces
     * it); the annotation stays. */
    json_t *want = load(HPA);
    json_object_del(want, "status");
    json_t *got = hpac_hpa_snapshot_object(s);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    assert_null(strchr(s->text, '\n'));
    json_decref(got);
    json_decref(want);
    hpac_hpa_snapshot_unref(s);
}

static void test_snapshot__without_status(void **state)
{
    json_t *obj = load(HPA);
    json_object_del(obj, "status");
    hpac_hpa_snapshot *s = hpac_hpa_snapshot_new(obj);
    assert_non_null(s);
    assert_false(s->hpa.has_status);
    json_t *got = hpac_hpa_snapshot_object(s);
    assert_true(json_equal(got, obj));
    json_decref(got);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot__decoded_once),
        cmocka_unit_test(test_snapshot__without_status),
        cmocka_unit_test(test_snapshot__invalid_keeps_error_and_object),
        cmocka_unit_test(test_snapshot__references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
