/* The replica calculator on hand-built pods and samples: the project's
 * request rule, pod-level requests, sidecars, and extreme values. */
#include "test_support.h"

#include "hpa/replica_calc.h"

#include <string.h>

#define NOW 1700000000000LL
#define HOUR (3600LL * 1000)

static hpac_resource_amount cpu(int64_t milli)
{
    return (hpac_resource_amount){.name = "cpu", .milli = milli};
}

/* A running, ready pod started an hour ago. */
static hpac_pod ready_pod(const char *name, hpac_pod_container *containers, size_t n)
{
    return (hpac_pod){.namespace = "default",
                      .name = (char *)name,
                      .phase = HPAC_POD_RUNNING,
                      .start_time_ms = NOW - HOUR,
                      .has_ready_condition = true,
                      .ready = true,
                      .ready_transition_ms = NOW - HOUR,
                      .containers = containers,
                      .container_count = n};
}

static const hpac_calc_config cfg = {.tolerance_up = 0.1,
                                     .tolerance_down = 0.1,
                                     .cpu_initialization_period_ms = 5 * 60 * 1000,
                                     .initial_readiness_delay_ms = 30 * 1000,
                                     .now_ms = NOW};

/* Pod-level requests stand for the pod: its usage is every container's. */
static void test_replica_calc__pod_level_request(void **state)
{
    (void)state;
    hpac_pod_container containers[2] = {{.name = "app"}, {.name = "sidecar"}};
    hpac_resource_amount pod_request = cpu(1000);
    hpac_pod pods[2] = {ready_pod("a", containers, 2), ready_pod("b", containers, 2)};
    for (int i = 0; i < 2; i++) {
        pods[i].pod_requests = &pod_request;
        pods[i].pod_request_count = 1;
    }
    hpac_container_usage ua[2] = {{"app", true, 600}, {"sidecar", true, 300}};
    hpac_container_usage ub[2] = {{"app", true, 800}, {"sidecar", true, 100}};
    hpac_pod_usage items[2] = {{"a", NOW, 60000, ua, 2}, {"b", NOW, 60000, ub, 2}};
    hpac_pod_usage_list usage = {items, 2};
    hpac_calc_result r;
    char err[256];
    assert_int_equal(hpac_calc_resource_utilization(&cfg, 2, 50, "cpu", NULL, pods, 2, &usage,
                                                    &r, err, sizeof(err)),
                     0);
    /* (900 + 900) * 100 / 2000 = 90%; ratio 1.8; ceil(1.8 * 2) = 4 */
    assert_int_equal(r.utilization, 90);
    assert_int_equal(r.replicas, 4);
    assert_int_equal(r.value_milli, 900);
}

/* A container without a request is left out, usage and request both. */
static void test_replica_calc__container_without_request_is_skipped(void **state)
{
    (void)state;
    hpac_resource_amount req = cpu(500);
    hpac_pod_container containers[2] = {{.name = "app", .requests = &req, .request_count = 1},
                                        {.name = "sidecar"}};
    hpac_pod pods[1] = {ready_pod("a", containers, 2)};
    hpac_container_usage u[2] = {{"app", true, 250}, {"sidecar", true, 4000}};
    hpac_pod_usage items[1] = {{"a", NOW, 60000, u, 2}};
    hpac_pod_usage_list usage = {items, 1};
    hpac_calc_result r;
    char err[256];
    assert_int_equal(hpac_calc_resource_utilization(&cfg, 1, 50, "cpu", NULL, pods, 1, &usage,
                                                    &r, err, sizeof(err)),
                     0);
    assert_int_equal(r.utilization, 50);
    assert_int_equal(r.replicas, 1);
    /* AverageValue keeps every container. */
    assert_int_equal(hpac_calc_resource_average_value(&cfg, 1, 1000, "cpu", NULL, pods, 1, &usage,
                                                      &r, err, sizeof(err)),
                     0);
    assert_int_equal(r.value_milli, 4250);
    assert_int_equal(r.replicas, 5);
}

/* No pod with a request: an error naming the resource, not a decision. */
static void test_replica_calc__no_request_anywhere_fails(void **state)
{
    (void)state;
    hpac_pod_container containers[1] = {{.name = "app"}};
    hpac_pod pods[2] = {ready_pod("a", containers, 1), ready_pod("b", containers, 1)};
    hpac_container_usage u[1] = {{"app", true, 900}};
    hpac_pod_usage items[2] = {{"a", NOW, 60000, u, 1}, {"b", NOW, 60000, u, 1}};
    hpac_pod_usage_list usage = {items, 2};
    hpac_calc_result r;
    char err[256] = "";
    assert_int_equal(hpac_calc_resource_utilization(&cfg, 2, 50, "cpu", NULL, pods, 2, &usage,
                                                    &r, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "cpu"));
    assert_non_null(strstr(err, "request"));
}

/* Absurd values saturate instead of wrapping. */
static void test_replica_calc__huge_values_saturate(void **state)
{
    (void)state;
    int64_t huge[1] = {INT64_MAX / 4};
    hpac_value_list values = {huge, 1, NOW};
    hpac_calc_result r;
    char err[256];
    assert_int_equal(hpac_calc_average_value(&cfg, 3, 1, &values, &r, err, sizeof(err)), 0);
    assert_int_equal(r.replicas, INT32_MAX);
    hpac_pod_container containers[1] = {{.name = "app"}};
    hpac_pod pods[1] = {ready_pod("a", containers, 1)};
    assert_int_equal(hpac_calc_value(&cfg, 3, 1, &values, pods, 1, &r, err, sizeof(err)), 0);
    assert_int_equal(r.replicas, INT32_MAX);
    /* A zero target is refused. */
    assert_int_equal(hpac_calc_value(&cfg, 3, 0, &values, pods, 1, &r, err, sizeof(err)), -1);
}

/* Samples for pods the selector did not return still count in the
 * plain average, as upstream's map of samples does. */
static void test_replica_calc__extraneous_samples_count_in_plain_average(void **state)
{
    (void)state;
    hpac_pod_container containers[1] = {{.name = "app"}};
    hpac_pod pods[1] = {ready_pod("a", containers, 1)};
    hpac_pod_sample items[2] = {{"a", NOW, 60000, 10000}, {"ghost", NOW, 60000, 30000}};
    hpac_pod_sample_list samples = {items, 2};
    hpac_calc_result r;
    char err[256];
    assert_int_equal(hpac_calc_pods_metric(&cfg, 1, 10000, pods, 1, &samples, &r, err,
                                           sizeof(err)),
                     0);
    assert_int_equal(r.value_milli, 20000);
    assert_int_equal(r.replicas, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replica_calc__pod_level_request),
        cmocka_unit_test(test_replica_calc__container_without_request_is_skipped),
        cmocka_unit_test(test_replica_calc__no_request_anywhere_fails),
        cmocka_unit_test(test_replica_calc__huge_values_saturate),
        cmocka_unit_test(test_replica_calc__extraneous_samples_count_in_plain_average),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
