/* Case files: loading and shape checks, time placeholders, flags. */
#include "test_support.h"

#include "sim/case.h"
#include "util/timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW_MS 1795815302000LL /* 2026-11-27T21:35:02Z */

static void test_sim__case_every_corpus_case_loads(void **state)
{
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    assert_true(count > 100);
    for (size_t i = 0; i < count; i++) {
        char err[512] = "";
        json_t *the_case = hpac_case_load(paths[i], err, sizeof(err));
        if (!the_case)
            fail_msg("%s", err);
        size_t nflags = 99;
        const char **flags = hpac_case_flags(the_case, &nflags);
        assert_non_null(flags);
        const json_t *given = json_object_get(the_case, "flags");
        assert_int_equal(nflags, json_is_array(given) ? json_array_size(given) : 0);
        assert_null(flags[nflags]);
        for (size_t f = 0; f < nflags; f++)
            assert_int_equal(strncmp(flags[f], "--", 2), 0);
        free(flags);
        json_decref(the_case);
    }
    hpac_test_free_paths(paths, count);
}

static void test_sim__case_shape_errors(void **state)
{
    static const struct {
        const char *text;
        const char *needle; /* expected in the error */
    } CASES[] = {
        {"[]", "JSON object"},
        {"{\"objects\":{},\"expect\":{}}", "name"},
        {"{\"name\":\"x\",\"expect\":{}}", "objects"},
        {"{\"name\":\"x\",\"objects\":{\"targets\":[]},\"expect\":{}}", "objects.hpa"},
        {"{\"name\":\"x\",\"objects\":{\"hpa\":{}},\"expect\":{}}", "objects.targets"},
        {"{\"name\":\"x\",\"objects\":{\"hpa\":{},\"targets\":{}},\"expect\":{}}",
         "objects.targets"},
        {"{\"name\":\"x\",\"objects\":{\"hpa\":{},\"targets\":[]}}", "expect"},
        {"{\"name\":\"x\",\"flags\":\"--a\",\"objects\":{\"hpa\":{},\"targets\":[]},\"expect\":{}}",
         "flags"},
        {"{\"name\":\"x\",\"flags\":[1],\"objects\":{\"hpa\":{},\"targets\":[]},\"expect\":{}}",
         "flags[0]"},
        {"{\"name\": \"x\",", "case.json:1:"},
    };
    char dir[] = "/tmp/hpac-case-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/case.json", dir);
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(CASES[i].text, f);
        fclose(f);
        char err[512] = "";
        json_t *the_case = hpac_case_load(path, err, sizeof(err));
        if (the_case)
            fail_msg("case %zu loaded", i);
        if (!strstr(err, CASES[i].needle))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, CASES[i].needle);
    }
    /* "hpas" instead of "hpa" is a valid shape. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"name\":\"x\",\"objects\":{\"hpas\":[],\"targets\":[]},\"expect\":{}}", f);
    fclose(f);
    char err[512];
    json_t *ok = hpac_case_load(path, err, sizeof(err));
    assert_non_null(ok);
    json_decref(ok);
    unlink(path);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/none.json", dir);
    assert_null(hpac_case_load(missing, err, sizeof(err)));
    rmdir(dir);
}

static void test_sim__case_placeholders(void **state)
{
    static const struct {
        const char *in;
        int64_t offset_ms; /* when resolved */
        bool resolved;
    } CASES[] = {
        {"@now", 0, true},
        {"@now-90s", -90 * 1000, true},
        {"@now+5m", 5 * 60 * 1000, true},
        {"@now-1h", -3600 * 1000, true},
        {"@now-10m", -600 * 1000, true},
        {"@now-590s", -590 * 1000, true},
        {"@now-1h30m", -5400 * 1000, true},
        {"@now+0s", 0, true},
        {"@nowx", 0, false},
        {"@now-", 0, false},
        {"@now+", 0, false},
        {"@now-5d", 0, false},
        {"@now-5", 0, false},
        {"@now--5s", 0, false},
        {"@now-s", 0, false},
        {"@NOW", 0, false},
        {"x@now", 0, false},
        {" @now", 0, false},
        {"@now-99999999999h", 0, false},
        {"", 0, false},
        {"1m0s", 0, false},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_t *in = json_string(CASES[i].in);
        json_t *out = hpac_case_resolve_times(in, NOW_MS);
        assert_non_null(out);
        assert_true(out != in);
        if (CASES[i].resolved) {
            char want[HPAC_RFC3339_MAX];
            hpac_time_format_rfc3339(NOW_MS + CASES[i].offset_ms, want, sizeof(want));
            if (strcmp(json_string_value(out), want) != 0)
                fail_msg("%s -> %s, want %s", CASES[i].in, json_string_value(out), want);
        } else {
            assert_string_equal(json_string_value(out), CASES[i].in);
        }
        json_decref(in);
        json_decref(out);
    }
    json_t *s = json_string("@now-90s");
    json_t *out = hpac_case_resolve_times(s, NOW_MS);
    assert_string_equal(json_string_value(out), "2026-11-27T21:33:32Z");
    json_decref(out);
    json_decref(s);
}

static void test_sim__case_resolve_deep_copy(void **state)
{
    json_t *in = json_pack("{s:s, s:[s, i, {s:s, s:b, s:n, s:f}], s:{s:{s:s}}}", "t", "@now",
                           "list", "@now-1h", 7, "inner", "@now+5m", "flag", 1, "nothing", "x",
                           2.5, "deep", "er", "when", "@now-30s");
    json_t *before = json_deep_copy(in);
    json_t *out = hpac_case_resolve_times(in, NOW_MS);
    assert_non_null(out);
    /* The input is unchanged. */
    assert_true(json_equal(in, before));
    assert_string_equal(json_string_value(json_object_get(out, "t")), "2026-11-27T21:35:02Z");
    const json_t *list = json_object_get(out, "list");
    assert_string_equal(json_string_value(json_array_get(list, 0)), "2026-11-27T20:35:02Z");
    assert_int_equal(json_integer_value(json_array_get(list, 1)), 7);
    const json_t *obj = json_array_get(list, 2);
    assert_string_equal(json_string_value(json_object_get(obj, "inner")), "2026-11-27T21:40:02Z");
    assert_true(json_is_true(json_object_get(obj, "flag")));
    assert_true(json_is_null(json_object_get(obj, "nothing")));
    assert_true(json_real_value(json_object_get(obj, "x")) == 2.5);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(out, "deep"), "er"),
                                          "when")),
        "2026-11-27T21:34:32Z");
    /* Nothing is shared: changing the copy leaves the input alone. */
    json_object_set_new(json_object_get(json_object_get(out, "deep"), "er"), "when",
                        json_string("changed"));
    json_array_set_new(json_object_get(out, "list"), 1, json_integer(8));
    assert_true(json_equal(in, before));
    json_decref(out);
    json_decref(before);
    json_decref(in);
    assert_null(hpac_case_resolve_times(NULL, NOW_MS));
}

static void test_sim__case_flags_absent(void **state)
{
    json_t *the_case = json_pack("{s:s}", "name", "x");
    size_t n = 5;
    const char **flags = hpac_case_flags(the_case, &n);
    assert_non_null(flags);
    assert_int_equal(n, 0);
    assert_null(flags[0]);
    free(flags);
    json_decref(the_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__case_every_corpus_case_loads),
        cmocka_unit_test(test_sim__case_shape_errors),
        cmocka_unit_test(test_sim__case_placeholders),
        cmocka_unit_test(test_sim__case_resolve_deep_copy),
        cmocka_unit_test(test_sim__case_flags_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
