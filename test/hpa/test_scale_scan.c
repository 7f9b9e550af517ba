/* The Scale fast path against the tree decoder: on every body it accepts,
 * the hpac_scale is exactly hpac_scale_from_json's, and it never accepts
 * a body the tree decoder refuses. Bodies: the Scale of every target of
 * the acceptance corpus (as an API server writes it, compact and
 * indented), hand-written odd shapes, and 20,000 random byte edits. */
#include "test_support.h"

#include "hpa/metric_data.h"
#include "hpa/scale_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_optional_string_equal(const char *a, const char *b)
{
    if (a || b) {
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
    }
}

/* Returns whether the fast path accepted the body. */
static bool check_body(const char *text, size_t len)
{
    hpac_scale fast;
    hpac_scan_result sr = hpac_scale_scan(text, len, &fast);
    assert_true(sr == HPAC_SCAN_OK || sr == HPAC_SCAN_UNUSUAL);
    if (sr != HPAC_SCAN_OK) {
        /* Left empty. */
        assert_null(fast.selector);
        assert_null(fast.resource_version);
        return false;
    }
    json_error_t jerr;
    json_t *tree = json_loadb(text, len, 0, &jerr);
    if (!tree)
        fail_msg("the fast path accepted what the tree's parser refuses (%s): %.*s", jerr.text,
                 (int)len, text);
    hpac_scale slow;
    char err[256];
    if (hpac_scale_from_json(tree, &slow, err, sizeof(err)) != 0)
        fail_msg("the fast path accepted what the tree decoder refuses (%s): %.*s", err,
                 (int)len, text);
    assert_int_equal(fast.spec_replicas, slow.spec_replicas);
    assert_int_equal(fast.status_replicas, slow.status_replicas);
    assert_optional_string_equal(fast.selector, slow.selector);
    assert_optional_string_equal(fast.resource_version, slow.resource_version);
    hpac_scale_clear(&slow);
    hpac_scale_clear(&fast);
    json_decref(tree);
    return true;
}

/* Every target of the corpus as the Scale an API server serves for it
 * (fields without a value left out, as the API does). */
static char **corpus_bodies(size_t *count)
{
    char **bodies = NULL;
    *count = 0;
    size_t path_count;
    char **paths = hpac_test_case_paths("upstream", &path_count);
    for (size_t p = 0; p < path_count; p++) {
        json_t *c = hpac_test_load_json(paths[p]);
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(json_object_get(c, "objects"), "targets"), i, t)
        {
            const json_t *meta = json_object_get(t, "metadata");
            json_t *scale = json_pack(
                "{s:s, s:s, s:{s:O?, s:O?, s:s, s:s, s:s}, s:{s:O*}, s:{s:O*, s:O*}}",
                "apiVersion", "autoscaling/v1", "kind", "Scale", "metadata", "name",
                json_object_get(meta, "name"), "namespace", json_object_get(meta, "namespace"),
                "uid", "0f6e4c1a-2b7d-4e55-9a0c-3d2f1b8e7a61", "resourceVersion", "12345",
                "creationTimestamp", "2026-11-28T10:00:00Z", "spec", "replicas",
                json_object_get(json_object_get(t, "spec"), "replicas"), "status", "replicas",
                json_object_get(json_object_get(t, "status"), "replicas"), "selector",
                json_object_get(json_object_get(t, "status"), "selector"));
            assert_non_null(scale);
            bodies = realloc(bodies, (*count + 2) * sizeof(*bodies));
            assert_non_null(bodies);
            bodies[(*count)++] = json_dumps(scale, JSON_COMPACT);
            bodies[(*count)++] = json_dumps(scale, JSON_INDENT(2));
            json_decref(scale);
        }
        json_decref(c);
    }
    hpac_test_free_paths(paths, path_count);
    assert_true(*count > 40);
    return bodies;
}

static void test_scale_scan__corpus_equals_the_tree(void **state)
{
    (void)state;
    size_t n;
    char **bodies = corpus_bodies(&n);
    size_t accepted = 0, valid = 0;
    for (size_t i = 0; i < n; i++) {
        bool fast = check_body(bodies[i], strlen(bodies[i]));
        accepted += fast;
        /* Every Scale the tree decoder takes is a plain one: taken too. */
        json_t *tree = json_loads(bodies[i], 0, NULL);
        hpac_scale slow;
        char err[256];
        if (hpac_scale_from_json(tree, &slow, err, sizeof(err)) == 0) {
            valid++;
            if (!fast)
                fail_msg("the fast path gave up on a plain Scale: %s", bodies[i]);
            hpac_scale_clear(&slow);
        }
        json_decref(tree);
        free(bodies[i]);
    }
    free(bodies);
    print_message("fast path took %zu of %zu corpus Scales (%zu valid)\n", accepted, n, valid);
    assert_int_equal(accepted, valid);
    assert_true(valid * 10 >= n * 9);
}

#define META "\"metadata\":{\"name\":\"web\",\"namespace\":\"d\",\"resourceVersion\":\"7\"}"
#define SPEC "\"spec\":{\"replicas\":3}"
#define STATUS "\"status\":{\"replicas\":3,\"selector\":\"app=web\"}"
#define SCALE(...) "{" __VA_ARGS__ "}"

static void test_scale_scan__odd_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        bool fast; /* the fast path takes it */
    } cases[] = {
        {SCALE(META "," SPEC "," STATUS), true},
        {SCALE(STATUS "," SPEC "," META), true},                      /* any order */
        {SCALE(META), true},                                          /* no spec, no status */
        {SCALE(""), true},                                            /* nothing at all */
        {SCALE(SPEC ",\"status\":{\"replicas\":0}"), true},           /* no selector */
        {SCALE(META "," SPEC "," STATUS ",\"x\":[{\"replicas\":-1},null,true,1.5e3]"), true},
        {SCALE("\"spec\":{\"replicas\":3,\"extra\":{\"replicas\":\"no\"}}"), true},
        {SCALE("\"status\":{\"selector\":\"app in (a,b),tier!=x\"}"), true},
        {SCALE("\"status\":{\"selector\":\"a=\\\"q\\\"\\n\\/\"}"), true}, /* plain escapes */
        {SCALE("\"spec\":{\"replicas\":999999999}"), true},
        {SCALE("\"spec\":{\"replicas\":2147483647}"), false}, /* ten digits: the tree decides */
        {SCALE("\"spec\":{\"replicas\":2147483648}"), false},
        {SCALE("\"spec\":{\"replicas\":-1}"), false},
        {SCALE("\"spec\":{\"replicas\":-0}"), false},
        {SCALE("\"spec\":{\"replicas\":3.0}"), false},
        {SCALE("\"spec\":{\"replicas\":3e0}"), false},
        {SCALE("\"spec\":{\"replicas\":\"3\"}"), false},
        {SCALE("\"spec\":{\"replicas\":null}"), false},
        {SCALE("\"spec\":{\"replicas\":true}"), false},
        {SCALE("\"spec\":{\"replicas\":3,\"replicas\":4}"), false}, /* duplicate */
        {SCALE(SPEC "," SPEC), false},
        {SCALE("\"spec\":null"), false},
        {SCALE("\"spec\":[]"), false},
        {SCALE("\"spec\":7"), false},
        {SCALE("\"metadata\":{\"resourceVersion\":7}"), false},
        {SCALE("\"metadata\":{\"resourceVersion\":null}"), false},
        {SCALE("\"status\":{\"selector\":[\"app=web\"]}"), false},
        {SCALE("\"status\":{\"selector\":\"app=w\\u0065b\"}"), false}, /* a \u escape */
        {SCALE("\"status\":{\"selector\":\"\xff\"}"), false},           /* not UTF-8 */
        {SCALE("\"big\":123456789012345678901234567890"), false},
        {SCALE("\"big\":1e400"), false},
        {SCALE("\"small\":1e-400"), true},
        {SCALE(META) " x", false}, /* trailing garbage */
        {"[]", false},
        {"7", false},
        {"null", false},
        {"", false},
        {"{", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool fast = check_body(cases[i].body, strlen(cases[i].body));
        if (fast != cases[i].fast)
            fail_msg("case %zu (%s): the fast path %s it", i, cases[i].body,
                     fast ? "took" : "gave up on");
    }
}

/* Random edits with JSON's own characters: whatever the fast path takes
 * must read as the tree reads it. */
static void test_scale_scan__random_edits(void **state)
{
    (void)state;
    size_t n;
    char **bodies = corpus_bodies(&n);
    size_t total = 20000;
    size_t accepted = hpac_test_random_edits(bodies, n, (int)total, 4242, check_body);
    for (size_t i = 0; i < n; i++)
        free(bodies[i]);
    free(bodies);
    print_message("fast path took %zu of %zu edited Scales\n", accepted, total);
    assert_true(accepted > total / 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_scan__corpus_equals_the_tree),
        cmocka_unit_test(test_scale_scan__odd_shapes),
        cmocka_unit_test(test_scale_scan__random_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
