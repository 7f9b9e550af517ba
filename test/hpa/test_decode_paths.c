/* Table tests for the field paths of lib/hpa/decode.c: the hand-written
 * formatting must give what snprintf("%s.%s") and snprintf("%s[%zu]")
 * give, truncation included, for every buffer size. */
#include "test_support.h"
#include "hpa/decode.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define BUF 64

typedef struct child_case {
    const char *parent; /* NULL allowed */
    const char *key;
} child_case;

static const child_case child_cases[] = {
    {NULL, "spec"},
    {"", "spec"},
    {"spec", "metrics"},
    {"spec.metrics[0]", "resource"},
    {"a.very.long.parent.path.that.does.not.fit.in.a.small.buffer", "key"},
    {"p", ""},
};

static void test_hpa__path_child_matches_snprintf(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(child_cases); i++) {
        const child_case *c = &child_cases[i];
        for (size_t size = 1; size <= BUF; size++) {
            char want[BUF + 1], got[BUF + 1];
            memset(got, 'x', sizeof(got));
            if (!c->parent || !c->parent[0])
                snprintf(want, size, "%s", c->key);
            else
                snprintf(want, size, "%s.%s", c->parent, c->key);
            hpac_path_child(got, size, c->parent, c->key);
            if (strcmp(got, want) != 0)
                fail_msg("parent \"%s\" key \"%s\" size %zu: got \"%s\", want \"%s\"",
                         c->parent ? c->parent : "(null)", c->key, size, got, want);
            /* Nothing written past the buffer. */
            assert_int_equal(got[size], 'x');
        }
    }
}

static void test_hpa__path_index_matches_snprintf(void **state)
{
    (void)state;
    static const char *const parents[] = {NULL, "", "items", "spec.metrics"};
    static const size_t indexes[] = {0, 7, 10, 123456, SIZE_MAX};
    for (size_t p = 0; p < N_ELEMS(parents); p++) {
        for (size_t i = 0; i < N_ELEMS(indexes); i++) {
            for (size_t size = 1; size <= BUF; size++) {
                char want[BUF + 1], got[BUF + 1];
                memset(got, 'x', sizeof(got));
                snprintf(want, size, "%s[%zu]", parents[p] ? parents[p] : "", indexes[i]);
                hpac_path_index(got, size, parents[p], indexes[i]);
                if (strcmp(got, want) != 0)
                    fail_msg("parent \"%s\" index %zu size %zu: got \"%s\", want \"%s\"",
                             parents[p] ? parents[p] : "(null)", indexes[i], size, got, want);
                assert_int_equal(got[size], 'x');
            }
        }
    }
}

static void test_hpa__path_zero_size_writes_nothing(void **state)
{
    (void)state;
    char buf[4] = "abc";
    hpac_path_child(buf, 0, "spec", "metrics");
    hpac_path_index(buf, 0, "items", 3);
    assert_string_equal(buf, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hpa__path_child_matches_snprintf),
        cmocka_unit_test(test_hpa__path_index_matches_snprintf),
        cmocka_unit_test(test_hpa__path_zero_size_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
