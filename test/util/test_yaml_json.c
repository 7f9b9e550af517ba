#include "test_support.h"
#include "util/yaml_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Converts one document and compares it with `want` (JSON text), types
 * included: 8 and 8.0 differ. */
static void expect_doc(const char *yaml, const char *want)
{
    char err[256];
    json_t *got = hpac_yaml_document(yaml, strlen(yaml), err, sizeof(err));
    if (!got)
        fail_msg("%s: rejected: %s", yaml, err);
    json_error_t jerr;
    json_t *expected = json_loads(want, JSON_DECODE_ANY, &jerr);
    if (!expected)
        fail_msg("bad expectation %s: %s", want, jerr.text);
    if (!json_equal(got, expected)) {
        char *text = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        fail_msg("%s: got %s, want %s", yaml, text ? text : "?", want);
    }
    json_decref(expected);
    json_decref(got);
}

static void test_yaml_json__plain_scalars_resolve_like_kubectl(void **state)
{
    static const struct {
        const char *yaml, *json;
    } cases[] = {
        /* null */
        {"a:", "{\"a\": null}"},
        {"a: ~", "{\"a\": null}"},
        {"a: null", "{\"a\": null}"},
        {"a: Null", "{\"a\": null}"},
        {"a: NULL", "{\"a\": null}"},
        /* YAML 1.1 booleans */
        {"[yes, Yes, YES, on, On, ON, true, True, TRUE, y, Y]",
         "[true, true, true, true, true, true, true, true, true, true, true]"},
        {"[no, No, NO, off, Off, OFF, false, False, FALSE, n, N]",
         "[false, false, false, false, false, false, false, false, false, false, false]"},
        /* integers */
        {"a: 10", "{\"a\": 10}"},
        {"a: -3", "{\"a\": -3}"},
        {"a: +7", "{\"a\": 7}"},
        {"a: 0", "{\"a\": 0}"},
        {"a: 0x1F", "{\"a\": 31}"},
        {"a: 0o17", "{\"a\": 15}"},
        {"a: 017", "{\"a\": 15}"},
        {"a: 0b101", "{\"a\": 5}"},
        {"a: -0b101", "{\"a\": -5}"},
        {"a: 1_000", "{\"a\": 1000}"},
        {"a: 9223372036854775807", "{\"a\": 9223372036854775807}"},
        {"a: -9223372036854775808", "{\"a\": -9223372036854775808}"},
        /* floats */
        {"a: 1.5", "{\"a\": 1.5}"},
        {"a: .5", "{\"a\": 0.5}"},
        {"a: 5.", "{\"a\": 5.0}"},
        {"a: 1e3", "{\"a\": 1000.0}"},
        {"a: -2.5E-2", "{\"a\": -0.025}"},
        {"a: 08", "{\"a\": 8.0}"}, /* not octal: go-yaml falls back to a float */
        {"a: 9223372036854775808", "{\"a\": 9223372036854775808.0}"},
        /* strings */
        {"a: 100m", "{\"a\": \"100m\"}"},
        {"a: 50Mi", "{\"a\": \"50Mi\"}"},
        {"a: 1.2.3", "{\"a\": \"1.2.3\"}"},
        {"a: 0x", "{\"a\": \"0x\"}"},
        {"a: 12:30", "{\"a\": \"12:30\"}"},
        {"a: 1e", "{\"a\": \"1e\"}"},
        {"a: yess", "{\"a\": \"yess\"}"},
        {"a: 2026-11-27", "{\"a\": \"2026-11-27\"}"},
        {"a: app=web,tier in (a,b)", "{\"a\": \"app=web,tier in (a,b)\"}"},
        {"a: hello world", "{\"a\": \"hello world\"}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_doc(cases[i].yaml, cases[i].json);
}

static void test_yaml_json__quoted_block_and_tagged_scalars(void **state)
{
    static const struct {
        const char *yaml, *json;
    } cases[] = {
        {"a: \"true\"", "{\"a\": \"true\"}"},
        {"a: 'yes'", "{\"a\": \"yes\"}"},
        {"a: \"10\"", "{\"a\": \"10\"}"},
        {"a: ''", "{\"a\": \"\"}"},
        {"a: \"null\"", "{\"a\": \"null\"}"},
        {"a: \"tab\\there\"", "{\"a\": \"tab\\there\"}"},
        {"a: |\n  line one\n  line two\n", "{\"a\": \"line one\\nline two\\n\"}"},
        {"a: >\n  folded\n  text\n", "{\"a\": \"folded text\\n\"}"},
        {"a: |-\n  no newline\n", "{\"a\": \"no newline\"}"},
        {"a: !!str 10", "{\"a\": \"10\"}"},
        {"a: !!str yes", "{\"a\": \"yes\"}"},
        {"a: !!int \"12\"", "{\"a\": 12}"},
        {"a: !!float 1", "{\"a\": 1.0}"},
        {"a: !!bool \"on\"", "{\"a\": true}"},
        {"a: !!null ''", "{\"a\": null}"},
        {"a: ! 10", "{\"a\": \"10\"}"}, /* the non-specific tag: a string */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_doc(cases[i].yaml, cases[i].json);
}

static void test_yaml_json__collections_anchors_and_merges(void **state)
{
    static const struct {
        const char *yaml, *json;
    } cases[] = {
        {"a:\n  b:\n  - 1\n  - x: why\n", "{\"a\": {\"b\": [1, {\"x\": \"why\"}]}}"},
        {"{a: 1, b: [x, 2.5]}", "{\"a\": 1, \"b\": [\"x\", 2.5]}"},
        {"[]", "[]"},
        {"a: {}", "{\"a\": {}}"},
        {"- - 1\n  - 2\n- - 3\n", "[[1, 2], [3]]"},
        /* keys are taken as written */
        {"10: a\ntrue: b\n\"q\": c\n", "{\"10\": \"a\", \"true\": \"b\", \"q\": \"c\"}"},
        {"a: &x {k: 1}\nb: *x\n", "{\"a\": {\"k\": 1}, \"b\": {\"k\": 1}}"},
        {"a: &s text\nb: *s\n", "{\"a\": \"text\", \"b\": \"text\"}"},
        {"a: &x 1\nb: &x 2\nc: *x\n", "{\"a\": 1, \"b\": 2, \"c\": 2}"},
        {"k: &k name\n*k : v\n", "{\"k\": \"name\", \"name\": \"v\"}"},
        {"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
         "{\"base\": {\"x\": 1, \"y\": 2}, \"d\": {\"x\": 1, \"y\": 3}}"},
        {"d:\n  y: 3\n  <<: {x: 1, y: 2}\n", "{\"d\": {\"x\": 1, \"y\": 3}}"},
        {"d:\n  <<: [{x: 1}, {x: 2, z: 3}]\n", "{\"d\": {\"x\": 1, \"z\": 3}}"},
        {"d:\n  '<<': 1\n", "{\"d\": {\"<<\": 1}}"}, /* quoted: an ordinary key */
        {"# only a comment\na: 1 # trailing\n", "{\"a\": 1}"},
        {"a: !!map {b: 1}\nc: !!seq [2]\n", "{\"a\": {\"b\": 1}, \"c\": [2]}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_doc(cases[i].yaml, cases[i].json);
}

/* An alias copies: changing one copy leaves the other alone. */
static void test_yaml_json__aliases_are_copies(void **state)
{
    const char *yaml = "a: &x {k: 1}\nb: *x\n";
    char err[256];
    json_t *doc = hpac_yaml_document(yaml, strlen(yaml), err, sizeof(err));
    assert_non_null(doc);
    json_object_set_new(json_object_get(doc, "b"), "k", json_integer(2));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "a"), "k")), 1);
    json_decref(doc);
}

static void test_yaml_json__streams_skip_empty_documents(void **state)
{
    const char *yaml = "---\n# nothing here\n---\na: 1\n---\n---\n- x\n...\n---\nnull\n";
    char err[256];
    json_t *docs = hpac_yaml_documents(yaml, strlen(yaml), err, sizeof(err));
    if (!docs)
        fail_msg("rejected: %s", err);
    json_t *want = json_loads("[{\"a\": 1}, [\"x\"]]", 0, NULL);
    assert_true(json_equal(docs, want));
    json_decref(want);
    json_decref(docs);

    /* One document wanted: none and two are both errors. */
    json_t *one = hpac_yaml_document("a: 1\n---\nb: 2\n", 14, err, sizeof(err));
    assert_null(one);
    assert_non_null(strstr(err, "found 2"));
    one = hpac_yaml_document("# empty\n", 8, err, sizeof(err));
    assert_null(one);
    assert_non_null(strstr(err, "found 0"));
    docs = hpac_yaml_documents("", 0, err, sizeof(err));
    assert_non_null(docs);
    assert_int_equal(json_array_size(docs), 0);
    json_decref(docs);
}

/* The length is honoured: nothing past it is read. */
static void test_yaml_json__reads_only_len_bytes(void **state)
{
    const char *text = "a: 1\nb: [unclosed";
    char err[256];
    json_t *doc = hpac_yaml_document(text, 5, err, sizeof(err));
    if (!doc)
        fail_msg("rejected: %s", err);
    assert_int_equal(json_integer_value(json_object_get(doc, "a")), 1);
    assert_null(json_object_get(doc, "b"));
    json_decref(doc);
}

static void test_yaml_json__errors_name_the_place(void **state)
{
    static const struct {
        const char *yaml;
        const char *needle; /* in the message */
    } cases[] = {
        {"a: [1, 2\n", "line "},
        {"a: 1\na: 2\n", "line 2, column 1: duplicate key \"a\""},
        {"a: .inf\n", "no JSON form"},
        {"a: -.Inf\n", "no JSON form"},
        {"a: .nan\n", "no JSON form"},
        {"a: 1e999\n", "out of range"},
        {"a: *nope\n", "unknown anchor \"nope\""},
        {"? [a]\n: 1\n", "mapping keys must be scalars"},
        {"a: !foo x\n", "unsupported tag !foo"},
        {"a: !!set {x}\n", "unsupported tag"},
        {"a: !!seq {x: 1}\n", "unsupported tag"},
        {"a: !custom [1]\n", "unsupported tag !custom"},
        {"a: !!int abc\n", "not a valid int"},
        {"a: !!bool maybe\n", "not a valid bool"},
        {"a: !!null x\n", "not a valid null"},
        {"d:\n  <<: 1\n", "merge key"},
        {"d:\n  <<: [1]\n", "merge key"},
        {"a: &x [*x]\n", "unknown anchor"}, /* recursive: JSON cannot hold it */
        {"a:\tb\n\t- c\n", "line "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        json_t *docs = hpac_yaml_documents(cases[i].yaml, strlen(cases[i].yaml), err, sizeof(err));
        if (docs)
            fail_msg("%s: accepted", cases[i].yaml);
        if (!strstr(err, cases[i].needle))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].yaml, err, cases[i].needle);
    }
}

static void test_yaml_json__depth_cap(void **state)
{
    size_t depth = HPAC_YAML_DEPTH_MAX + 10;
    char *text = malloc(depth * 2 + 1);
    assert_non_null(text);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[depth * 2] = '\0';
    char err[256];
    json_t *doc = hpac_yaml_document(text, depth * 2, err, sizeof(err));
    assert_null(doc);
    assert_non_null(strstr(err, "nested deeper"));
    /* Just under the cap is fine. */
    depth = HPAC_YAML_DEPTH_MAX;
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    doc = hpac_yaml_document(text, depth * 2, err, sizeof(err));
    if (!doc)
        fail_msg("rejected at the cap: %s", err);
    json_decref(doc);
    free(text);
}

/* Each level doubles the previous: 2^30 values if expanded, far over the
 * cap, from a few hundred bytes. */
static void test_yaml_json__alias_bomb_is_capped(void **state)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof(text), "a0: &a0 [x, x]\n");
    for (int i = 1; i <= 30; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "a%d: &a%d [*a%d, *a%d]\n", i, i,
                                 i - 1, i - 1);
    char err[256];
    json_t *doc = hpac_yaml_document(text, used, err, sizeof(err));
    assert_null(doc);
    assert_non_null(strstr(err, "more than"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_json__plain_scalars_resolve_like_kubectl),
        cmocka_unit_test(test_yaml_json__quoted_block_and_tagged_scalars),
        cmocka_unit_test(test_yaml_json__collections_anchors_and_merges),
        cmocka_unit_test(test_yaml_json__aliases_are_copies),
        cmocka_unit_test(test_yaml_json__streams_skip_empty_documents),
        cmocka_unit_test(test_yaml_json__reads_only_len_bytes),
        cmocka_unit_test(test_yaml_json__errors_name_the_place),
        cmocka_unit_test(test_yaml_json__depth_cap),
        cmocka_unit_test(test_yaml_json__alias_bomb_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
