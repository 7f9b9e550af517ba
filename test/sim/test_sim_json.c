/* JSON merge patch (RFC 7386), JSON patch (RFC 6902), dotted paths. */
#include "test_support.h"

#include "sim/sim_json.h"

#include <stdio.h>
#include <string.h>

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v)
        fail_msg("%s: %s", text, err.text);
    return v;
}

/* RFC 7386 appendix A, plus nested objects. */
static void test_sim__merge_patch(void **state)
{
    static const struct {
        const char *target, *patch, *want;
    } CASES[] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
        {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
        {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
        {"{\"a\":\"foo\"}", "null", "null"},
        {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
        {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
        {"{\"spec\":{\"replicas\":3,\"x\":1},\"status\":{\"replicas\":3}}",
         "{\"spec\":{\"replicas\":5}}",
         "{\"spec\":{\"replicas\":5,\"x\":1},\"status\":{\"replicas\":3}}"},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *target = parse(CASES[i].target);
        json_t *patch = parse(CASES[i].patch);
        json_t *want = parse(CASES[i].want);
        json_t *target_before = json_deep_copy(target);
        json_t *patch_before = json_deep_copy(patch);
        json_t *got = hpac_sim_merge_patch(target, patch);
        assert_non_null(got);
        if (!json_equal(got, want)) {
            char *text = json_dumps(got, JSON_ENCODE_ANY);
            fail_msg("case %zu: got %s, want %s", i, text, CASES[i].want);
        }
        assert_true(json_equal(target, target_before));
        assert_true(json_equal(patch, patch_before));
        json_decref(got);
        json_decref(want);
        json_decref(patch_before);
        json_decref(target_before);
        json_decref(patch);
        json_decref(target);
    }
}

/* RFC 6902 appendix A, and failures. */
static void test_sim__json_patch(void **state)
{
    static const struct {
        const char *doc, *ops, *want; /* want NULL: the patch fails */
    } CASES[] = {
        {"{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
         "{\"baz\":\"qux\",\"foo\":\"bar\"}"},
        {"{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
         "{\"foo\":[\"bar\",\"qux\",\"baz\"]}"},
        {"{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
         "{\"foo\":\"bar\"}"},
        {"{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
         "{\"foo\":[\"bar\",\"baz\"]}"},
        {"{\"baz\":\"qux\",\"foo\":\"bar\"}",
         "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
         "{\"baz\":\"boo\",\"foo\":\"bar\"}"},
        {"{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
         "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
         "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}"},
        {"{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
         "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
         "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}"},
        {"{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
         "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
         "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
         "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}"},
        {"{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL},
        {"{\"foo\":\"bar\"}",
         "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
         "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}"},
        {"{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL},
        {"{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
         "{\"/\":9,\"~1\":10}"},
        {"{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
         "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}"},
        {"{\"foo\":1}", "[{\"op\":\"copy\",\"from\":\"/foo\",\"path\":\"/bar\"}]",
         "{\"foo\":1,\"bar\":1}"},
        {"{\"foo\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", "[1]"},
        {"{\"foo\":1}", "[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":1}]", NULL},
        {"{\"foo\":1}", "[{\"op\":\"remove\",\"path\":\"/nope\"}]", NULL},
        {"{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/5\",\"value\":1}]", NULL},
        {"{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/01\",\"value\":1}]", NULL},
        {"{\"foo\":1}", "[{\"op\":\"jump\",\"path\":\"/foo\"}]", NULL},
        {"{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"foo\",\"value\":1}]", NULL},
        {"{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"/bar\"}]", NULL},
        {"{\"foo\":1}", "[{\"op\":\"move\",\"from\":\"/nope\",\"path\":\"/bar\"}]", NULL},
        {"{\"foo\":1}", "{\"op\":\"add\"}", NULL},
        {"{\"foo\":1}", "[{\"op\":\"test\",\"path\":\"/foo\",\"value\":1},"
                        "{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]",
         NULL},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *doc = parse(CASES[i].doc);
        json_t *ops = parse(CASES[i].ops);
        json_t *before = json_deep_copy(doc);
        char err[256] = "";
        json_t *got = hpac_sim_json_patch(doc, ops, err, sizeof(err));
        if (!CASES[i].want) {
            if (got)
                fail_msg("case %zu: applied", i);
            assert_true(strlen(err) > 0);
        } else {
            json_t *want = parse(CASES[i].want);
            if (!got)
                fail_msg("case %zu: %s", i, err);
            if (!json_equal(got, want)) {
                char *text = json_dumps(got, JSON_ENCODE_ANY);
                fail_msg("case %zu: got %s, want %s", i, text, CASES[i].want);
            }
            json_decref(want);
        }
        assert_true(json_equal(doc, before));
        json_decref(got);
        json_decref(before);
        json_decref(ops);
        json_decref(doc);
    }
}

static void test_sim__json_paths(void **state)
{
    json_t *doc = parse("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"x\"}},\"n\":1}");
    assert_string_equal(hpac_sim_json_str(doc, "metadata.name"), "web");
    assert_string_equal(hpac_sim_json_str(doc, "metadata.labels.app"), "x");
    assert_null(hpac_sim_json_str(doc, "metadata.labels"));
    assert_null(hpac_sim_json_str(doc, "metadata.nope"));
    assert_null(hpac_sim_json_str(doc, "n.x"));
    assert_int_equal(json_integer_value(hpac_sim_json_at(doc, "n")), 1);
    assert_ptr_equal(hpac_sim_json_at(doc, ""), doc);
    assert_null(hpac_sim_json_at(NULL, "a"));
    char longpath[300];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    assert_null(hpac_sim_json_at(doc, longpath));

    json_t *spec = hpac_sim_json_child(doc, "spec");
    assert_true(json_is_object(spec));
    assert_ptr_equal(hpac_sim_json_child(doc, "spec"), spec);
    json_t *meta = hpac_sim_json_child(doc, "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "name")), "web");
    /* A non-object member is replaced by {}. */
    json_t *n = hpac_sim_json_child(doc, "n");
    assert_true(json_is_object(n));
    assert_int_equal(json_object_size(n), 0);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__merge_patch),
        cmocka_unit_test(test_sim__json_patch),
        cmocka_unit_test(test_sim__json_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
