/* The PodMetricsList fast path against the tree decoder: on every body it
 * accepts, the usage of each resource and the labels are exactly the tree
 * decoder's; on every body the tree decoder refuses, it gives up. Bodies:
 * every PodMetrics of the acceptance corpus, hand-written odd shapes, and
 * 20,000 random byte edits of corpus bodies. */
#include "test_support.h"

#include "hpa/labels.h"
#include "hpa/metric_data.h"
#include "hpa/pod_metrics_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const RESOURCES[] = {"cpu", "memory", "nvidia.com/gpu"};

static void assert_usage_equal(const hpac_pod_usage_list *a, const hpac_pod_usage_list *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const hpac_pod_usage *x = &a->items[i], *y = &b->items[i];
        assert_string_equal(x->pod_name, y->pod_name);
        assert_int_equal(x->timestamp_ms, y->timestamp_ms);
        assert_int_equal(x->window_ms, y->window_ms);
        assert_int_equal(x->container_count, y->container_count);
        for (size_t c = 0; c < x->container_count; c++) {
            const hpac_container_usage *p = &x->containers[c], *q = &y->containers[c];
            if (p->name || q->name) {
                assert_non_null(p->name);
                assert_non_null(q->name);
                assert_string_equal(p->name, q->name);
            }
            assert_int_equal(p->present, q->present);
            if (p->present)
                assert_int_equal(p->milli, q->milli);
        }
    }
}

/* Returns whether the fast path accepted the body. */
static bool check_body(const char *text, size_t len)
{
    hpac_scanned_pod_metrics fast;
    hpac_scan_result sr = hpac_pod_metrics_scan(text, len, &fast);
    assert_true(sr == HPAC_SCAN_OK || sr == HPAC_SCAN_UNUSUAL);
    json_error_t jerr;
    json_t *tree = json_loadb(text, len, 0, &jerr);
    bool tree_ok = tree != NULL;
    for (size_t r = 0; r < sizeof(RESOURCES) / sizeof(RESOURCES[0]); r++) {
        hpac_pod_usage_list slow = {0}, quick = {0};
        char err[256];
        bool slow_ok = tree && hpac_pod_usage_from_json(tree, RESOURCES[r], &slow, err,
                                                        sizeof(err)) == 0;
        tree_ok = tree_ok && slow_ok;
        if (sr == HPAC_SCAN_OK) {
            if (!slow_ok)
                fail_msg("the fast path accepted what the tree refuses (%s): %.*s",
                         tree ? err : jerr.text, (int)len, text);
            assert_int_equal(hpac_pod_usage_from_scan(&fast, RESOURCES[r], &quick), 0);
            assert_usage_equal(&slow, &quick);
        }
        hpac_pod_usage_list_clear(&slow);
        hpac_pod_usage_list_clear(&quick);
    }
    if (sr == HPAC_SCAN_OK) {
        const json_t *items = json_object_get(tree, "items");
        assert_int_equal(json_array_size(items), fast.count);
        for (size_t i = 0; i < fast.count; i++) {
            const json_t *value = json_object_get(
                json_object_get(json_array_get(items, i), "metadata"), "labels");
            assert_int_equal(fast.items[i].has_labels, value != NULL);
            hpac_labels want;
            assert_int_equal(hpac_labels_from_json(value, &want, NULL, 0), 0);
            assert_int_equal(want.count, fast.items[i].labels.count);
            for (size_t l = 0; l < want.count; l++) {
                assert_string_equal(want.items[l].key, fast.items[i].labels.items[l].key);
                assert_string_equal(want.items[l].value, fast.items[i].labels.items[l].value);
            }
            hpac_labels_clear(&want);
        }
    }
    (void)tree_ok;
    json_decref(tree);
    hpac_scanned_pod_metrics_clear(&fast);
    return sr == HPAC_SCAN_OK;
}

/* "@now-90s" and friends -> a fixed RFC 3339 time, as a server writes. */
static void fix_times(json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            if (json_is_string(child) && json_string_value(child)[0] == '@')
                json_object_set_new(v, key, json_string("2026-11-28T10:00:00Z"));
            else
                fix_times(child);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) fix_times(child);
    }
}

/* Every case's PodMetrics as the list metrics-server would send. */
static char **corpus_bodies(size_t *count)
{
    char **bodies = NULL;
    *count = 0;
    size_t path_count;
    char **paths = hpac_test_case_paths("upstream", &path_count);
    for (size_t p = 0; p < path_count; p++) {
        json_t *c = hpac_test_load_json(paths[p]);
        json_t *pm = json_object_get(json_object_get(c, "objects"), "podMetrics");
        if (json_array_size(pm) > 0) {
            json_t *list = json_pack("{s:s, s:s, s:{}, s:O}", "apiVersion",
                                     "metrics.k8s.io/v1beta1", "kind", "PodMetricsList",
                                     "metadata", "items", pm);
            fix_times(list);
            bodies = realloc(bodies, (*count + 1) * sizeof(*bodies));
            assert_non_null(bodies);
            bodies[(*count)++] = json_dumps(list, JSON_COMPACT);
            json_decref(list);
        }
        json_decref(c);
    }
    hpac_test_free_paths(paths, path_count);
    assert_true(*count > 20);
    return bodies;
}

static void test_scan__corpus_equals_the_tree(void **state)
{
    (void)state;
    size_t n;
    char **bodies = corpus_bodies(&n);
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        accepted += check_body(bodies[i], strlen(bodies[i]));
        free(bodies[i]);
    }
    free(bodies);
    /* The corpus is metrics-server's shape: the fast path takes nearly all. */
    print_message("fast path took %zu of %zu corpus bodies\n", accepted, n);
    assert_true(accepted * 10 >= n * 9);
}

#define ITEM(meta, rest) "{\"metadata\":" meta "," rest "}"
#define LIST(items) "{\"kind\":\"PodMetricsList\",\"items\":[" items "]}"
#define OK_META "{\"name\":\"p\",\"labels\":{\"app\":\"a\"}}"
#define OK_REST                                                                                    \
    "\"timestamp\":\"2026-11-28T10:00:00Z\",\"window\":\"30s\",\"containers\":[{\"name\":\"c\","    \
    "\"usage\":{\"cpu\":\"250m\",\"memory\":\"1Mi\"}}]"

static void test_scan__odd_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        bool fast; /* the fast path takes it */
    } cases[] = {
        {LIST(ITEM(OK_META, OK_REST)), true},
        {LIST(ITEM(OK_META, OK_REST) "," ITEM("{\"name\":\"q\"}", OK_REST)), true},
        {LIST(""), true},
        {"{\"items\":[],\"extra\":{\"deep\":[1,2.5,-3e2,true,null,{\"x\":[]}]}}", true},
        {"{\"kind\":\"PodMetricsList\"}", false},        /* no items: the tree says empty */
        {"{\"items\":null}", false},                     /* null: the tree's rules */
        {"[]", false},                                   /* not an object */
        {"", false},                                     /* empty */
        {LIST(ITEM(OK_META, OK_REST)) " x", false},      /* trailing garbage */
        {LIST(ITEM("{\"labels\":{}}", OK_REST)), false}, /* no name */
        {LIST(ITEM("{\"name\":null}", OK_REST)), false},
        {LIST(ITEM("{\"name\":7}", OK_REST)), false},
        {LIST(ITEM("{\"name\":\"p\",\"name\":\"q\"}", OK_REST)), false}, /* duplicate */
        {LIST(ITEM("{\"name\":\"p\",\"labels\":{\"a\":\"1\",\"a\":\"2\"}}", OK_REST)), false},
        {LIST(ITEM("{\"name\":\"p\",\"labels\":{\"a\":1}}", OK_REST)), false},
        {LIST(ITEM("{\"name\":\"p\",\"labels\":null}", OK_REST)), false},
        {LIST(ITEM("{\"name\":\"p\\u0041\"}", OK_REST)), false}, /* an escape */
        {LIST(ITEM("{\"name\":\"p\\ud800\"}", OK_REST)), false}, /* a lone surrogate */
        {LIST(ITEM(OK_META, "\"timestamp\":\"yesterday\"")), false},
        {LIST(ITEM(OK_META, "\"window\":\"soon\"")), false},
        {LIST(ITEM(OK_META, "\"window\":30")), false},
        {LIST(ITEM(OK_META, "\"containers\":{}")), false},
        {LIST(ITEM(OK_META, "\"containers\":[null]")), false},
        {LIST(ITEM(OK_META, "\"containers\":[{\"usage\":{\"cpu\":250}}]")), false}, /* number */
        {LIST(ITEM(OK_META, "\"containers\":[{\"usage\":{\"cpu\":\"2x\"}}]")), false},
        {LIST(ITEM(OK_META, "\"containers\":[{\"usage\":{\"cpu\":\"1\",\"cpu\":\"2\"}}]")), false},
        {LIST(ITEM(OK_META, "\"containers\":[{\"usage\":{\"cpu\":null}}]")), false},
        {LIST(ITEM(OK_META, "\"containers\":[{\"usage\":{\"cpu\":\"100Ei\"}}]")), false},
        {LIST(ITEM(OK_META, "\"containers\":[{\"name\":\"c\"}]")), true}, /* no usage */
        {LIST(ITEM(OK_META, "\"containers\":[{}]")), true},               /* no name */
        {LIST(ITEM(OK_META, "\"big\":123456789012345678901234567890")), false},
        {LIST(ITEM(OK_META, "\"big\":1e400")), false},
        {LIST(ITEM(OK_META, "\"small\":1e-400")), true},
        {LIST(ITEM(OK_META, "\"s\":\"\xff\"")), false}, /* not UTF-8 */
        {LIST("7"), false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("%s\n", cases[i].body);
        bool fast = check_body(cases[i].body, strlen(cases[i].body));
        if (fast != cases[i].fast)
            fail_msg("case %zu: the fast path %s it", i, fast ? "took" : "gave up on");
    }
}

/* Random edits with JSON's own characters: whatever the fast path takes
 * must read as the tree reads it. */
static void test_scan__random_edits(void **state)
{
    (void)state;
    size_t n;
    char **bodies = corpus_bodies(&n);
    size_t total = 20000;
    size_t accepted = hpac_test_random_edits(bodies, n, (int)total, 12345, check_body);
    for (size_t i = 0; i < n; i++)
        free(bodies[i]);
    free(bodies);
    print_message("fast path took %zu of %zu edited bodies\n", accepted, total);
    assert_true(accepted > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan__corpus_equals_the_tree),
        cmocka_unit_test(test_scan__odd_shapes),
        cmocka_unit_test(test_scan__random_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
