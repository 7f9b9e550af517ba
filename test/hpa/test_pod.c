#include "test_support.h"
#include "hpa/pod.h"
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

/* Sets (value != NULL) or deletes the member at a path such as
 * "spec.containers[1].name". The value is single-quoted JSON. */
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
            if (value)
                assert_int_equal(json_object_set_new(node, key, load_q(value)), 0);
            else
                json_object_del(node, key);
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

static const char *const BASE_POD =
    "{'apiVersion': 'v1', 'kind': 'Pod',"
    " 'metadata': {'name': 'web-0', 'namespace': 'prod', 'labels': {'app': 'web', 'tier': 'fe'},"
    "   'deletionTimestamp': '2026-11-27T21:40:00Z', 'deletionGracePeriodSeconds': 30},"
    " 'spec': {"
    "  'initContainers': ["
    "   {'name': 'migrate', 'image': 'x', 'resources': {'requests': {'cpu': '2'}}},"
    "   {'name': 'proxy', 'image': 'x', 'restartPolicy': 'Always',"
    "    'resources': {'requests': {'cpu': '100m', 'memory': '64Mi'}}},"
    "   {'name': 'once', 'restartPolicy': 'OnFailure', 'resources': {'requests': {'cpu': '1'}}}],"
    "  'containers': ["
    "   {'name': 'app', 'image': 'x', 'resources': {'requests': {'cpu': '500m', 'memory': 1073741824,"
    "     'nvidia.com/gpu': 1}, 'limits': {'cpu': 'not checked'}}},"
    "   {'name': 'log', 'image': 'x', 'resources': {}},"
    "   {'name': 'bare', 'image': 'x'}],"
    "  'resources': {'requests': {'cpu': '1.5'}}},"
    " 'status': {'phase': 'Running', 'startTime': '2026-11-27T21:00:00Z',"
    "  'conditions': ["
    "   {'type': 'PodScheduled', 'status': 'True', 'lastTransitionTime': '2026-11-27T20:59:00Z'},"
    "   {'type': 'Ready', 'status': 'True', 'lastTransitionTime': '2026-11-27T21:01:30Z'},"
    "   {'type': 'ContainersReady', 'status': 'True'}]}}";

static void decode_ok(const json_t *obj, hpac_pod *pod)
{
    char err[256] = "";
    if (hpac_pod_from_json(obj, pod, err, sizeof(err)) != 0)
        fail_msg("decode failed: %s", err);
}

static void test_pod__decode_full(void **state)
{
    json_t *obj = load_q(BASE_POD);
    hpac_pod pod;
    decode_ok(obj, &pod);
    json_decref(obj); /* everything kept is a copy */

    assert_string_equal(pod.name, "web-0");
    assert_string_equal(pod.namespace, "prod");
    assert_int_equal(pod.labels.count, 2);
    assert_string_equal(hpac_labels_get(&pod.labels, "app"), "web");
    assert_string_equal(hpac_labels_get(&pod.labels, "tier"), "fe");
    assert_true(pod.deleting);
    assert_int_equal(pod.phase, HPAC_POD_RUNNING);
    assert_int_equal(pod.start_time_ms, at("2026-11-27T21:00:00Z"));
    assert_true(pod.has_ready_condition);
    assert_true(pod.ready);
    assert_int_equal(pod.ready_transition_ms, at("2026-11-27T21:01:30Z"));

    /* Regular containers first, then the one restartable init container;
     * the plain and OnFailure init containers are dropped. */
    assert_int_equal(pod.container_count, 4);
    assert_string_equal(pod.containers[0].name, "app");
    assert_string_equal(pod.containers[1].name, "log");
    assert_string_equal(pod.containers[2].name, "bare");
    assert_string_equal(pod.containers[3].name, "proxy");

    int64_t milli = -1;
    assert_int_equal(pod.containers[0].request_count, 3);
    assert_true(hpac_container_request(&pod.containers[0], "cpu", &milli));
    assert_int_equal(milli, 500);
    assert_true(hpac_container_request(&pod.containers[0], "memory", &milli));
    assert_int_equal(milli, INT64_C(1073741824000));
    assert_true(hpac_container_request(&pod.containers[0], "nvidia.com/gpu", &milli));
    assert_int_equal(milli, 1000);
    milli = -1;
    assert_false(hpac_container_request(&pod.containers[0], "ephemeral-storage", &milli));
    assert_int_equal(milli, -1); /* untouched when absent */
    assert_false(hpac_container_request(&pod.containers[1], "cpu", &milli));
    assert_int_equal(pod.containers[1].request_count, 0);
    assert_false(hpac_container_request(&pod.containers[2], "cpu", &milli));
    assert_true(hpac_container_request(&pod.containers[3], "cpu", &milli));
    assert_int_equal(milli, 100);
    assert_true(hpac_container_request(&pod.containers[3], "memory", &milli));
    assert_int_equal(milli, INT64_C(67108864000));

    assert_int_equal(pod.pod_request_count, 1);
    assert_true(hpac_pod_level_request(&pod, "cpu", &milli));
    assert_int_equal(milli, 1500);
    assert_false(hpac_pod_level_request(&pod, "memory", &milli));
    assert_true(hpac_pod_level_request(&pod, "cpu", NULL));

    hpac_pod_clear(&pod);
    assert_null(pod.containers);
    assert_null(pod.name);
    hpac_pod_clear(&pod);
}

static void test_pod__minimal_and_states(void **state)
{
    static const struct {
        const char *status;
        hpac_pod_phase phase;
        bool has_ready;
        bool ready;
        int64_t start;
    } cases[] = {
        {NULL, HPAC_POD_PHASE_UNKNOWN, false, false, 0},
        {"{}", HPAC_POD_PHASE_UNKNOWN, false, false, 0},
        {"{'phase': 'Pending'}", HPAC_POD_PENDING, false, false, 0},
        {"{'phase': 'Succeeded'}", HPAC_POD_SUCCEEDED, false, false, 0},
        {"{'phase': 'Failed', 'startTime': '1970-01-01T00:00:01Z'}", HPAC_POD_FAILED, false, false,
         1000},
        {"{'phase': 'Unknown'}", HPAC_POD_PHASE_UNKNOWN, false, false, 0},
        {"{'phase': 'Running', 'conditions': [{'type': 'Ready', 'status': 'False'}]}",
         HPAC_POD_RUNNING, true, false, 0},
        {"{'phase': 'Running', 'conditions': [{'type': 'Ready', 'status': 'Unknown'}]}",
         HPAC_POD_RUNNING, true, false, 0},
        {"{'phase': 'Running', 'conditions': [{'type': 'Initialized', 'status': 'True'}]}",
         HPAC_POD_RUNNING, false, false, 0},
        {"{'phase': 'Running', 'conditions': [{'type': 'Ready', 'status': 'True'}]}",
         HPAC_POD_RUNNING, true, true, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *obj = load_q("{'metadata': {'name': 'p'}}");
        if (cases[i].status)
            patch(obj, "status", cases[i].status);
        hpac_pod pod;
        decode_ok(obj, &pod);
        assert_string_equal(pod.name, "p");
        assert_null(pod.namespace);
        assert_int_equal(pod.labels.count, 0);
        assert_false(pod.deleting);
        assert_int_equal(pod.container_count, 0);
        assert_int_equal(pod.pod_request_count, 0);
        assert_int_equal(pod.phase, cases[i].phase);
        assert_int_equal(pod.has_ready_condition, cases[i].has_ready);
        assert_int_equal(pod.ready, cases[i].ready);
        assert_int_equal(pod.ready_transition_ms, 0);
        assert_int_equal(pod.start_time_ms, cases[i].start);
        hpac_pod_clear(&pod);
        json_decref(obj);
    }
}

static void test_pod__deletion_timestamp_null_is_not_deleting(void **state)
{
    json_t *obj = load_q(BASE_POD);
    patch(obj, "metadata.deletionTimestamp", "null");
    hpac_pod pod;
    decode_ok(obj, &pod);
    assert_false(pod.deleting);
    hpac_pod_clear(&pod);
    json_decref(obj);
}

static const struct {
    const char *path;
    const char *value;
    const char *error;
} decode_errors[] = {
    {"metadata", NULL, "metadata: required"},
    {"metadata.name", NULL, "metadata.name: required"},
    {"metadata.name", "7", "metadata.name: expected a string"},
    {"metadata.namespace", "[]", "metadata.namespace: expected a string"},
    {"metadata.labels", "'app=web'", "metadata.labels: expected an object"},
    {"metadata.labels.app", "5", "metadata.labels: *"},
    {"metadata.deletionTimestamp", "'soon'",
     "metadata.deletionTimestamp: expected an RFC 3339 time, got \"soon\""},
    {"spec", "[]", "spec: expected an object"},
    {"spec.containers", "{}", "spec.containers: expected an array"},
    {"spec.containers[1]", "'log'", "spec.containers[1]: expected an object"},
    {"spec.containers[0].name", "1", "spec.containers[0].name: expected a string"},
    {"spec.containers[0].resources", "'big'", "spec.containers[0].resources: expected an object"},
    {"spec.containers[0].resources.requests", "[]",
     "spec.containers[0].resources.requests: expected an object"},
    {"spec.containers[0].resources.requests.cpu", "'lots'",
     "spec.containers[0].resources.requests.cpu: invalid quantity \"lots\"*"},
    {"spec.containers[0].resources.requests.cpu", "true",
     "spec.containers[0].resources.requests.cpu: expected a quantity"},
    {"spec.containers[0].resources.requests.memory", "'1Gb'",
     "spec.containers[0].resources.requests.memory: invalid quantity \"1Gb\"*"},
    {"spec.initContainers", "'x'", "spec.initContainers: expected an array"},
    {"spec.initContainers[0]", "3", "spec.initContainers[0]: expected an object"},
    {"spec.initContainers[1].restartPolicy", "1",
     "spec.initContainers[1].restartPolicy: expected a string"},
    {"spec.initContainers[1].resources.requests.cpu", "'-'",
     "spec.initContainers[1].resources.requests.cpu: invalid quantity*"},
    {"spec.resources.requests.cpu", "'x1'", "spec.resources.requests.cpu: invalid quantity*"},
    {"status", "5", "status: expected an object"},
    {"status.phase", "1", "status.phase: expected a string"},
    {"status.startTime", "'2026-11-27'", "status.startTime: expected an RFC 3339 time*"},
    {"status.conditions", "{}", "status.conditions: expected an array"},
    {"status.conditions[2]", "[]", "status.conditions[2]: expected an object"},
    {"status.conditions[1].status", "true", "status.conditions[1].status: expected a string"},
    {"status.conditions[1].lastTransitionTime", "'then'",
     "status.conditions[1].lastTransitionTime: expected an RFC 3339 time*"},
};

static bool error_matches(const char *got, const char *want)
{
    size_t len = strlen(want);
    if (len > 0 && want[len - 1] == '*')
        return strncmp(got, want, len - 1) == 0;
    return strcmp(got, want) == 0;
}

static void test_pod__decode_errors(void **state)
{
    for (size_t i = 0; i < sizeof(decode_errors) / sizeof(decode_errors[0]); i++) {
        json_t *obj = load_q(BASE_POD);
        patch(obj, decode_errors[i].path, decode_errors[i].value);
        hpac_pod pod;
        char err[512] = "";
        if (hpac_pod_from_json(obj, &pod, err, sizeof(err)) != -1)
            fail_msg("row %zu (%s): accepted", i, decode_errors[i].path);
        if (!error_matches(err, decode_errors[i].error))
            fail_msg("row %zu (%s): got \"%s\", want \"%s\"", i, decode_errors[i].path, err,
                     decode_errors[i].error);
        assert_null(pod.name);
        assert_null(pod.containers);
        assert_int_equal(pod.container_count, 0);
        hpac_pod_clear(&pod);
        json_decref(obj);
    }
    json_t *v = load_q("[]");
    hpac_pod pod;
    char err[64];
    assert_int_equal(hpac_pod_from_json(v, &pod, err, sizeof(err)), -1);
    assert_string_equal(err, "expected an object");
    json_decref(v);
}

static void test_pod__list(void **state)
{
    json_t *list = load_q("{'apiVersion': 'v1', 'kind': 'PodList', 'metadata': {'resourceVersion': '9'},"
                          " 'items': []}");
    json_t *items = json_object_get(list, "items");
    for (int i = 0; i < 3; i++) {
        json_t *pod = load_q(BASE_POD);
        char name[16];
        snprintf(name, sizeof(name), "web-%d", i);
        json_object_set_new(json_object_get(pod, "metadata"), "name", json_string(name));
        json_array_append_new(items, pod);
    }
    hpac_pod *pods = NULL;
    size_t count = 0;
    char err[256] = "";
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), 0);
    assert_int_equal(count, 3);
    assert_string_equal(pods[0].name, "web-0");
    assert_string_equal(pods[2].name, "web-2");
    assert_int_equal(pods[1].container_count, 4);
    hpac_pods_free(pods, count);

    /* A bad item fails the list and names the item. */
    patch(list, "items[1].spec.containers[0].resources.requests.cpu", "'!!'");
    pods = (hpac_pod *)&count; /* must be reset */
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), -1);
    assert_null(pods);
    assert_int_equal(count, 0);
    assert_true(error_matches(
        err, "items[1].spec.containers[0].resources.requests.cpu: invalid quantity \"!!\"*"));
    patch(list, "items[2]", "'pod'");
    patch(list, "items[1]", "{'metadata': {'name': 'ok'}}");
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), -1);
    assert_string_equal(err, "items[2]: expected an object");
    patch(list, "items[2]", "{'metadata': {}}");
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), -1);
    assert_string_equal(err, "items[2].metadata.name: required");
    patch(list, "items", "{}");
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), -1);
    assert_string_equal(err, "items: expected an array");
    json_decref(list);

    /* An empty list, and one without items. */
    static const char *const empties[] = {"{'items': []}", "{'items': null}", "{}"};
    for (size_t i = 0; i < 3; i++) {
        list = load_q(empties[i]);
        count = 99;
        assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), 0);
        assert_int_equal(count, 0);
        hpac_pods_free(pods, count);
        json_decref(list);
    }
    list = load_q("[]");
    assert_int_equal(hpac_pods_from_list_json(list, &pods, &count, err, sizeof(err)), -1);
    json_decref(list);
}

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

/* Every pod of the shared cases decodes, served as one PodList. */
static void test_pod__upstream_cases_decode(void **state)
{
    size_t count = 0, total = 0, deleting = 0, sidecars = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    int64_t now = at("2026-11-27T21:35:02Z");
    for (size_t i = 0; i < count; i++) {
        json_t *c = hpac_test_load_json(paths[i]);
        json_t *items = json_object_get(json_object_get(c, "objects"), "pods");
        if (!items) {
            json_decref(c);
            continue;
        }
        resolve_now(items, now);
        json_t *list = json_pack("{s:s, s:s, s:O}", "apiVersion", "v1", "kind", "PodList",
                                 "items", items);
        hpac_pod *pods = NULL;
        size_t n = 0;
        char err[256] = "";
        if (hpac_pods_from_list_json(list, &pods, &n, err, sizeof(err)) != 0)
            fail_msg("%s: %s", paths[i], err);
        assert_int_equal(n, json_array_size(items));
        for (size_t k = 0; k < n; k++) {
            json_t *src = json_array_get(items, k);
            assert_string_equal(pods[k].name, json_string_value(json_object_get(
                                                  json_object_get(src, "metadata"), "name")));
            assert_true(pods[k].start_time_ms <= now);
            if (pods[k].deleting)
                deleting++;
            size_t regular = json_array_size(
                json_object_get(json_object_get(src, "spec"), "containers"));
            if (pods[k].container_count > regular)
                sidecars++;
        }
        total += n;
        hpac_pods_free(pods, n);
        json_decref(list);
        json_decref(c);
    }
    assert_true(total > 100);
    assert_true(deleting > 0);
    assert_true(sidecars > 0); /* a case with a restartable init container */
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod__decode_full),
        cmocka_unit_test(test_pod__minimal_and_states),
        cmocka_unit_test(test_pod__deletion_timestamp_null_is_not_deleting),
        cmocka_unit_test(test_pod__decode_errors),
        cmocka_unit_test(test_pod__list),
        cmocka_unit_test(test_pod__upstream_cases_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
