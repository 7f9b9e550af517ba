#include "test_support.h"
#include "hpa/metric_data.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(hpac_time_parse_rfc3339(rfc3339, &ms), 0);
    return ms;
}

static bool error_matches(const char *got, const char *want)
{
    size_t len = strlen(want);
    if (len > 0 && want[len - 1] == '*')
        return strncmp(got, want, len - 1) == 0;
    return strcmp(got, want) == 0;
}

/* Runs one decoder on single-quoted JSON and checks its error message. */
typedef int (*decode_fn)(const char *body, char *err, size_t errsize);

static void expect_errors(decode_fn fn, const char *const (*rows)[2], size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char err[512] = "";
        if (fn(rows[i][0], err, sizeof(err)) != -1)
            fail_msg("row %zu: accepted %s", i, rows[i][0]);
        if (!error_matches(err, rows[i][1]))
            fail_msg("row %zu: got \"%s\", want \"%s\"", i, err, rows[i][1]);
    }
}

/* ---- PodMetricsList ------------------------------------------------------- */

static const char *const POD_METRICS =
    "{'kind': 'PodMetricsList', 'apiVersion': 'metrics.k8s.io/v1beta1', 'metadata': {},"
    " 'items': ["
    "  {'metadata': {'name': 'web-0', 'namespace': 'prod', 'labels': {'app': 'web'}},"
    "   'timestamp': '2026-11-27T21:35:00Z', 'window': '30s',"
    "   'containers': [{'name': 'app', 'usage': {'cpu': '250m', 'memory': '100Mi'}},"
    "                  {'name': 'proxy', 'usage': {'memory': '10Mi'}}]},"
    "  {'metadata': {'name': 'web-1', 'namespace': 'prod'},"
    "   'timestamp': '2026-11-27T21:34:30.5Z', 'window': '1m0s',"
    "   'containers': [{'name': 'app', 'usage': {'cpu': 1, 'memory': '1Gi'}}]},"
    "  {'metadata': {'name': 'web-2'}, 'timestamp': '2026-11-27T21:35:00Z', 'window': '1m30s',"
    "   'containers': []}]}";

static void test_metric_data__pod_usage(void **state)
{
    json_t *body = load_q(POD_METRICS);
    hpac_pod_usage_list list;
    char err[256] = "";
    assert_int_equal(hpac_pod_usage_from_json(body, "cpu", &list, err, sizeof(err)), 0);
    json_decref(body); /* the result owns its strings */
    assert_int_equal(list.count, 3);

    const hpac_pod_usage *u = &list.items[0];
    assert_string_equal(u->pod_name, "web-0");
    assert_int_equal(u->timestamp_ms, at("2026-11-27T21:35:00Z"));
    assert_int_equal(u->window_ms, 30000);
    assert_int_equal(u->container_count, 2);
    assert_string_equal(u->containers[0].name, "app");
    assert_true(u->containers[0].present);
    assert_int_equal(u->containers[0].milli, 250);
    assert_string_equal(u->containers[1].name, "proxy");
    assert_false(u->containers[1].present); /* reported memory only */

    u = &list.items[1];
    assert_string_equal(u->pod_name, "web-1");
    assert_int_equal(u->timestamp_ms, at("2026-11-27T21:34:30.5Z"));
    assert_int_equal(u->window_ms, 60000);
    assert_int_equal(u->container_count, 1);
    assert_true(u->containers[0].present);
    assert_int_equal(u->containers[0].milli, 1000);

    u = &list.items[2];
    assert_int_equal(u->window_ms, 90000);
    assert_int_equal(u->container_count, 0);
    hpac_pod_usage_list_clear(&list);
    assert_null(list.items);
    assert_int_equal(list.count, 0);

    /* The same body reduced to memory. */
    body = load_q(POD_METRICS);
    assert_int_equal(hpac_pod_usage_from_json(body, "memory", &list, err, sizeof(err)), 0);
    assert_true(list.items[0].containers[1].present);
    assert_int_equal(list.items[0].containers[1].milli, INT64_C(10485760000));
    assert_int_equal(list.items[1].containers[0].milli, INT64_C(1073741824000));
    hpac_pod_usage_list_clear(&list);

    /* A resource nobody reports: every container is there, none present. */
    assert_int_equal(hpac_pod_usage_from_json(body, "nvidia.com/gpu", &list, err, sizeof(err)), 0);
    assert_int_equal(list.items[0].container_count, 2);
    assert_false(list.items[0].containers[0].present);
    assert_false(list.items[1].containers[0].present);
    hpac_pod_usage_list_clear(&list);
    json_decref(body);

    /* Empty lists. */
    static const char *const empties[] = {"{'items': []}", "{}", "{'items': null}"};
    for (size_t i = 0; i < 3; i++) {
        body = load_q(empties[i]);
        assert_int_equal(hpac_pod_usage_from_json(body, "cpu", &list, err, sizeof(err)), 0);
        assert_int_equal(list.count, 0);
        hpac_pod_usage_list_clear(&list);
        json_decref(body);
    }
}

static int run_pod_usage(const char *text, char *err, size_t errsize)
{
    json_t *body = load_q(text);
    hpac_pod_usage_list list;
    memset(&list, 0x5A, sizeof(list));
    int rc = hpac_pod_usage_from_json(body, "cpu", &list, err, errsize);
    if (rc != 0) {
        assert_null(list.items);
        assert_int_equal(list.count, 0);
    }
    hpac_pod_usage_list_clear(&list);
    json_decref(body);
    return rc;
}

static void test_metric_data__pod_usage_errors(void **state)
{
    static const char *const rows[][2] = {
        {"[]", "expected an object"},
        {"{'items': {}}", "items: expected an array"},
        {"{'items': [1]}", "items[0]: expected an object"},
        {"{'items': [{}]}", "items[0].metadata: required"},
        {"{'items': [{'metadata': {'name': 'a'}}, {'metadata': {}}]}", "items[1].metadata.name: required"},
        {"{'items': [{'metadata': {'name': 5}}]}", "items[0].metadata.name: expected a string"},
        {"{'items': [{'metadata': {'name': 'a'}, 'timestamp': 'now'}]}",
         "items[0].timestamp: expected an RFC 3339 time, got \"now\""},
        {"{'items': [{'metadata': {'name': 'a'}, 'window': '30'}]}",
         "items[0].window: expected a duration, got \"30\""},
        {"{'items': [{'metadata': {'name': 'a'}, 'window': 30}]}", "items[0].window: expected a string"},
        {"{'items': [{'metadata': {'name': 'a'}, 'containers': {}}]}",
         "items[0].containers: expected an array"},
        {"{'items': [{'metadata': {'name': 'a'}, 'containers': ['app']}]}",
         "items[0].containers[0]: expected an object"},
        {"{'items': [{'metadata': {'name': 'a'}, 'containers': [{'name': 'x', 'usage': []}]}]}",
         "items[0].containers[0].usage: expected an object"},
        {"{'items': [{'metadata': {'name': 'a'}, 'containers': [{'name': 'x', 'usage': {'cpu': 'hot'}}]}]}",
         "items[0].containers[0].usage.cpu: invalid quantity \"hot\"*"},
        {"{'items': [{'metadata': {'name': 'a'}, 'containers': [{}, {'usage': {'cpu': false}}]}]}",
         "items[0].containers[1].usage.cpu: expected a quantity"},
    };
    expect_errors(run_pod_usage, rows, sizeof(rows) / sizeof(rows[0]));

    /* A malformed usage of another resource is not read, so not an error. */
    char err[128];
    assert_int_equal(run_pod_usage("{'items': [{'metadata': {'name': 'a'}, 'containers':"
                                   " [{'name': 'x', 'usage': {'cpu': '1', 'memory': '!!'}}]}]}",
                                   err, sizeof(err)),
                     0);
}

/* ---- custom metrics for pods ------------------------------------------------- */

static void test_metric_data__pod_samples(void **state)
{
    json_t *body = load_q(
        "{'kind': 'MetricValueList', 'apiVersion': 'custom.metrics.k8s.io/v1beta2', 'metadata': {},"
        " 'items': ["
        "  {'describedObject': {'kind': 'Pod', 'namespace': 'prod', 'name': 'web-0', 'apiVersion': '/v1'},"
        "   'metric': {'name': 'qps', 'selector': null}, 'timestamp': '2026-11-27T21:35:00Z',"
        "   'windowSeconds': 30, 'value': '1500m'},"
        "  {'describedObject': {'kind': 'Pod', 'name': 'web-1'}, 'metric': {'name': 'qps'},"
        "   'timestamp': '2026-11-27T21:35:01Z', 'value': 20},"
        "  {'describedObject': {'kind': 'Pod', 'name': 'web-2'}, 'metric': {'name': 'qps'},"
        "   'timestamp': '2026-11-27T21:35:01Z', 'windowSeconds': 0, 'value': '2k'}]}");
    hpac_pod_sample_list list;
    char err[256] = "";
    assert_int_equal(hpac_pod_samples_from_json(body, &list, err, sizeof(err)), 0);
    json_decref(body);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.items[0].pod_name, "web-0");
    assert_int_equal(list.items[0].timestamp_ms, at("2026-11-27T21:35:00Z"));
    assert_int_equal(list.items[0].window_ms, 30000);
    assert_int_equal(list.items[0].milli, 1500);
    assert_string_equal(list.items[1].pod_name, "web-1");
    assert_int_equal(list.items[1].window_ms, 60000); /* default */
    assert_int_equal(list.items[1].milli, 20000);
    assert_int_equal(list.items[2].window_ms, 0);
    assert_int_equal(list.items[2].milli, 2000000);
    hpac_pod_sample_list_clear(&list);
    assert_null(list.items);
    hpac_pod_sample_list_clear(&list);

    body = load_q("{'items': []}");
    assert_int_equal(hpac_pod_samples_from_json(body, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 0);
    hpac_pod_sample_list_clear(&list);
    json_decref(body);
}

static int run_pod_samples(const char *text, char *err, size_t errsize)
{
    json_t *body = load_q(text);
    hpac_pod_sample_list list;
    int rc = hpac_pod_samples_from_json(body, &list, err, errsize);
    if (rc != 0)
        assert_null(list.items);
    hpac_pod_sample_list_clear(&list);
    json_decref(body);
    return rc;
}

static void test_metric_data__pod_samples_errors(void **state)
{
    static const char *const rows[][2] = {
        {"'x'", "expected an object"},
        {"{'items': 'x'}", "items: expected an array"},
        {"{'items': [null]}", "items[0]: expected an object"},
        {"{'items': [{'value': '1'}]}", "items[0].describedObject: required"},
        {"{'items': [{'describedObject': {'kind': 'Pod'}, 'value': '1'}]}",
         "items[0].describedObject.name: required"},
        {"{'items': [{'describedObject': {'name': 'a'}}]}", "items[0].value: required"},
        {"{'items': [{'describedObject': {'name': 'a'}, 'value': '1'},"
         " {'describedObject': {'name': 'b'}, 'value': 'x'}]}",
         "items[1].value: invalid quantity \"x\"*"},
        {"{'items': [{'describedObject': {'name': 'a'}, 'value': [1]}]}",
         "items[0].value: expected a quantity"},
        {"{'items': [{'describedObject': {'name': 'a'}, 'value': '1', 'windowSeconds': '60'}]}",
         "items[0].windowSeconds: expected an integer"},
        {"{'items': [{'describedObject': {'name': 'a'}, 'value': '1', 'windowSeconds': -1}]}",
         "items[0].windowSeconds: -1 is out of range"},
        {"{'items': [{'describedObject': {'name': 'a'}, 'value': '1', 'timestamp': 5}]}",
         "items[0].timestamp: expected a string"},
    };
    expect_errors(run_pod_samples, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- object and external metrics --------------------------------------------- */

static void test_metric_data__object_value(void **state)
{
    static const struct {
        const char *body;
        int64_t milli;
        const char *timestamp;
    } cases[] = {
        {"{'kind': 'MetricValueList', 'items': [{'describedObject': {'kind': 'Deployment',"
         " 'name': 'd'}, 'metric': {'name': 'qps'}, 'timestamp': '2026-11-27T21:35:00Z',"
         " 'value': '20'}]}",
         20000, "2026-11-27T21:35:00Z"},
        {"{'items': [{'timestamp': '2026-11-27T21:35:00Z', 'value': '1500m'}]}", 1500,
         "2026-11-27T21:35:00Z"},
        {"{'kind': 'MetricValue', 'describedObject': {'kind': 'Ingress', 'name': 'i'},"
         " 'timestamp': '2026-11-27T21:35:01Z', 'value': 3.5}",
         3500, "2026-11-27T21:35:01Z"},
        {"{'value': '2Ki'}", 2048000, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *body = load_q(cases[i].body);
        hpac_value_list v;
        char err[256] = "";
        if (hpac_object_value_from_json(body, &v, err, sizeof(err)) != 0)
            fail_msg("case %zu: %s", i, err);
        assert_int_equal(v.count, 1);
        assert_int_equal(v.milli[0], cases[i].milli);
        assert_int_equal(v.timestamp_ms, cases[i].timestamp ? at(cases[i].timestamp) : 0);
        hpac_value_list_clear(&v);
        assert_null(v.milli);
        json_decref(body);
    }
}

static int run_object_value(const char *text, char *err, size_t errsize)
{
    json_t *body = load_q(text);
    hpac_value_list v;
    int rc = hpac_object_value_from_json(body, &v, err, errsize);
    if (rc != 0) {
        assert_null(v.milli);
        assert_int_equal(v.count, 0);
    }
    hpac_value_list_clear(&v);
    json_decref(body);
    return rc;
}

static void test_metric_data__object_value_errors(void **state)
{
    static const char *const rows[][2] = {
        {"[]", "expected an object"},
        {"{'kind': 'MetricValueList', 'items': []}", "no metrics returned"},
        {"{'kind': 'MetricValueList'}", "no metrics returned"},
        {"{'items': null}", "no metrics returned"},
        {"{'items': [{'value': '1'}, {'value': '2'}]}",
         "items: exactly one metric value should have been returned, got 2"},
        {"{'items': {}}", "items: expected an array"},
        {"{'items': ['1']}", "items[0]: expected an object"},
        {"{'items': [{'timestamp': '2026-11-27T21:35:00Z'}]}", "items[0].value: required"},
        {"{'items': [{'value': 'abc'}]}", "items[0].value: invalid quantity \"abc\"*"},
        {"{'kind': 'MetricValue'}", "value: required"},
        {"{'value': '1', 'timestamp': 'today'}", "timestamp: expected an RFC 3339 time*"},
        {"{'value': true}", "value: expected a quantity"},
    };
    expect_errors(run_object_value, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_metric_data__external_values(void **state)
{
    json_t *body = load_q(
        "{'kind': 'ExternalMetricValueList', 'apiVersion': 'external.metrics.k8s.io/v1beta1',"
        " 'metadata': {}, 'items': ["
        "  {'metricName': 'queue_depth', 'metricLabels': {'queue': 'a'},"
        "   'timestamp': '2026-11-27T21:35:00Z', 'value': '8600m'},"
        "  {'metricName': 'queue_depth', 'metricLabels': {'queue': 'b'},"
        "   'timestamp': '2026-11-27T21:30:00Z', 'value': 12},"
        "  {'metricName': 'queue_depth', 'value': '1k'}]}");
    hpac_value_list v;
    char err[256] = "";
    assert_int_equal(hpac_external_values_from_json(body, &v, err, sizeof(err)), 0);
    json_decref(body);
    assert_int_equal(v.count, 3);
    assert_int_equal(v.milli[0], 8600);
    assert_int_equal(v.milli[1], 12000);
    assert_int_equal(v.milli[2], 1000000);
    assert_int_equal(v.timestamp_ms, at("2026-11-27T21:35:00Z")); /* the first item's */
    hpac_value_list_clear(&v);
    hpac_value_list_clear(&v);
}

static int run_external(const char *text, char *err, size_t errsize)
{
    json_t *body = load_q(text);
    hpac_value_list v;
    int rc = hpac_external_values_from_json(body, &v, err, errsize);
    if (rc != 0)
        assert_null(v.milli);
    hpac_value_list_clear(&v);
    json_decref(body);
    return rc;
}

static void test_metric_data__external_values_errors(void **state)
{
    static const char *const rows[][2] = {
        {"5", "expected an object"},
        {"{'items': []}", "no metrics returned"},
        {"{}", "no metrics returned"},
        {"{'items': 'x'}", "items: expected an array"},
        {"{'items': [{'value': '1'}, 7]}", "items[1]: expected an object"},
        {"{'items': [{'value': '1'}, {'metricName': 'q'}]}", "items[1].value: required"},
        {"{'items': [{'value': '1e'}]}", "items[0].value: invalid quantity \"1e\"*"},
        {"{'items': [{'value': '1', 'timestamp': '2026-11-27T21:35:00'}]}",
         "items[0].timestamp: expected an RFC 3339 time*"},
    };
    expect_errors(run_external, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- Scale ------------------------------------------------------------------- */

static void test_metric_data__scale(void **state)
{
    json_t *body = load_q(
        "{'kind': 'Scale', 'apiVersion': 'autoscaling/v1',"
        " 'metadata': {'name': 'web', 'namespace': 'prod', 'resourceVersion': '1234'},"
        " 'spec': {'replicas': 3}, 'status': {'replicas': 4, 'selector': 'app=web,tier in (fe)'}}");
    hpac_scale s;
    char err[256] = "";
    assert_int_equal(hpac_scale_from_json(body, &s, err, sizeof(err)), 0);
    json_decref(body);
    assert_int_equal(s.spec_replicas, 3);
    assert_int_equal(s.status_replicas, 4);
    assert_string_equal(s.selector, "app=web,tier in (fe)");
    assert_string_equal(s.resource_version, "1234");
    hpac_scale_clear(&s);
    assert_null(s.selector);
    hpac_scale_clear(&s);

    /* Scaled to zero: spec.replicas omitted; no selector. */
    body = load_q("{'kind': 'Scale', 'metadata': {'name': 'web'}, 'spec': {}, 'status': {'replicas': 0}}");
    assert_int_equal(hpac_scale_from_json(body, &s, err, sizeof(err)), 0);
    assert_int_equal(s.spec_replicas, 0);
    assert_int_equal(s.status_replicas, 0);
    assert_null(s.selector);
    assert_null(s.resource_version);
    hpac_scale_clear(&s);
    json_decref(body);
}

static int run_scale(const char *text, char *err, size_t errsize)
{
    json_t *body = load_q(text);
    hpac_scale s;
    int rc = hpac_scale_from_json(body, &s, err, errsize);
    if (rc != 0) {
        assert_null(s.selector);
        assert_null(s.resource_version);
    }
    hpac_scale_clear(&s);
    json_decref(body);
    return rc;
}

static void test_metric_data__scale_errors(void **state)
{
    static const char *const rows[][2] = {
        {"[]", "expected an object"},
        {"{'spec': {'replicas': '3'}}", "spec.replicas: expected an integer"},
        {"{'spec': {'replicas': -1}}", "spec.replicas: must be greater than or equal to 0"},
        {"{'spec': {'replicas': 2147483648}}", "spec.replicas: 2147483648 is out of range"},
        {"{'spec': []}", "spec: expected an object"},
        {"{'status': {'replicas': 1.0}}", "status.replicas: expected an integer"},
        {"{'metadata': {'resourceVersion': 7}, 'status': {'selector': 'a=b'}}",
         "metadata.resourceVersion: expected a string"},
        {"{'status': {'replicas': 2, 'selector': {'matchLabels': {}}}}",
         "status.selector: expected a string"},
    };
    expect_errors(run_scale, rows, sizeof(rows) / sizeof(rows[0]));
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

/* The cases' metrics and targets, wrapped as the APIs serve them, decode. */
static void test_metric_data__upstream_cases_decode(void **state)
{
    size_t count = 0, usage = 0, samples = 0, external = 0, scales = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    for (size_t i = 0; i < count; i++) {
        json_t *c = hpac_test_load_json(paths[i]);
        json_t *objects = json_object_get(c, "objects");
        resolve_now(objects, at("2026-11-27T21:35:02Z"));
        char err[256] = "";

        json_t *pm = json_object_get(objects, "podMetrics");
        if (pm) {
            json_t *list = json_pack("{s:s, s:O}", "kind", "PodMetricsList", "items", pm);
            hpac_pod_usage_list l;
            if (hpac_pod_usage_from_json(list, "cpu", &l, err, sizeof(err)) != 0)
                fail_msg("%s: podMetrics: %s", paths[i], err);
            assert_int_equal(l.count, json_array_size(pm));
            for (size_t k = 0; k < l.count; k++)
                assert_int_equal(l.items[k].window_ms, 60000); /* "1m0s" */
            usage += l.count;
            hpac_pod_usage_list_clear(&l);
            json_decref(list);
        }
        json_t *cm = json_object_get(objects, "customMetrics");
        if (cm) {
            json_t *list = json_pack("{s:s, s:O}", "kind", "MetricValueList", "items", cm);
            hpac_pod_sample_list l;
            if (hpac_pod_samples_from_json(list, &l, err, sizeof(err)) != 0)
                fail_msg("%s: customMetrics: %s", paths[i], err);
            samples += l.count;
            hpac_pod_sample_list_clear(&l);
            /* Each item alone is also a valid object metric answer. */
            for (size_t k = 0; k < json_array_size(cm); k++) {
                hpac_value_list v;
                if (hpac_object_value_from_json(json_array_get(cm, k), &v, err, sizeof(err)) != 0)
                    fail_msg("%s: customMetrics[%zu]: %s", paths[i], k, err);
                hpac_value_list_clear(&v);
            }
            json_decref(list);
        }
        json_t *em = json_object_get(objects, "externalMetrics");
        if (em && json_array_size(em) > 0) {
            json_t *list = json_pack("{s:s, s:O}", "kind", "ExternalMetricValueList", "items", em);
            hpac_value_list v;
            if (hpac_external_values_from_json(list, &v, err, sizeof(err)) != 0)
                fail_msg("%s: externalMetrics: %s", paths[i], err);
            assert_int_equal(v.count, json_array_size(em));
            external += v.count;
            hpac_value_list_clear(&v);
            json_decref(list);
        }
        json_t *targets = json_object_get(objects, "targets");
        for (size_t k = 0; k < json_array_size(targets); k++) {
            json_t *t = json_array_get(targets, k);
            hpac_scale s;
            if (hpac_scale_from_json(t, &s, err, sizeof(err)) != 0)
                fail_msg("%s: targets[%zu]: %s", paths[i], k, err);
            assert_int_equal(s.spec_replicas, json_integer_value(json_object_get(
                                                  json_object_get(t, "spec"), "replicas")));
            scales++;
            hpac_scale_clear(&s);
        }
        json_decref(c);
    }
    assert_true(usage > 50);
    assert_true(samples > 5);
    assert_true(external > 5);
    assert_true(scales >= count - 5);
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_data__pod_usage),
        cmocka_unit_test(test_metric_data__pod_usage_errors),
        cmocka_unit_test(test_metric_data__pod_samples),
        cmocka_unit_test(test_metric_data__pod_samples_errors),
        cmocka_unit_test(test_metric_data__object_value),
        cmocka_unit_test(test_metric_data__object_value_errors),
        cmocka_unit_test(test_metric_data__external_values),
        cmocka_unit_test(test_metric_data__external_values_errors),
        cmocka_unit_test(test_metric_data__scale),
        cmocka_unit_test(test_metric_data__scale_errors),
        cmocka_unit_test(test_metric_data__upstream_cases_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
