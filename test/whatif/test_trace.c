/* The load trace reader: what it accepts, and that every rejection names
 * the file and the line. */
#include "test_support.h"
#include "whatif/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_whatif__trace_accepts(void **state)
{
    (void)state;
    const char *text = "# a comment\n"
                       "\n"
                       "seconds,load\n"
                       "0,1.5\r\n"
                       "  60 , 2500m   # trailing comment\n"
                       "90.25,0\n"
                       "120,3\n";
    hpac_trace t;
    char err[256];
    assert_int_equal(hpac_trace_parse(text, strlen(text), "LOAD.csv", 1, &t, err, sizeof(err)),
                     0);
    assert_int_equal(t.count, 4);
    static const int64_t times[] = {0, 60000, 90250, 120000};
    static const int64_t loads[] = {1500, 2500, 0, 3000};
    static const size_t lines[] = {4, 5, 6, 7};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(t.t_ms[i], times[i]);
        assert_int_equal(hpac_trace_load(&t, i, 0), loads[i]);
        assert_int_equal(t.line[i], lines[i]);
    }
    /* Step-wise: a line's load holds until the next line. */
    size_t hint = 0;
    assert_int_equal(hpac_trace_row_at(&t, 0, &hint), 0);
    assert_int_equal(hpac_trace_row_at(&t, 59999, &hint), 0);
    assert_int_equal(hpac_trace_row_at(&t, 60000, &hint), 1);
    assert_int_equal(hpac_trace_row_at(&t, 100000, &hint), 2);
    assert_int_equal(hpac_trace_row_at(&t, 500000, &hint), 3);
    assert_int_equal(hpac_trace_row_at(&t, 70000, NULL), 1); /* backwards, no hint */
    assert_int_equal(hpac_trace_row_at(&t, 70000, &hint), 1); /* backwards with a hint */
    hpac_trace_clear(&t);

    /* Two metrics: two load columns, no header needed. */
    const char *two = "0,1,100\n30,2,200\n";
    assert_int_equal(hpac_trace_parse(two, strlen(two), "x.csv", 2, &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, 2);
    assert_int_equal(hpac_trace_load(&t, 1, 1), 200000);
    hpac_trace_clear(&t);
}

typedef struct bad_case {
    const char *text;
    size_t columns;
    const char *message; /* the exact start of the error */
} bad_case;

static const bad_case bad_cases[] = {
    {"0,1\n15,2\n30;3\n", 1, "LOAD.csv:3: expected \"seconds,load\", got \"30;3\""},
    {"0,1\n15,2,3\n", 1, "LOAD.csv:2: expected \"seconds,load\", got \"15,2,3\""},
    {"0,1\n15,2\n", 2, "LOAD.csv:1: expected \"seconds,load,load\" (one load column per metric)"},
    {"time,load\n0,1\n", 1, "LOAD.csv:1: time \"time\" is not a number of seconds"},
    {"seconds,load,extra\n0,1\n", 1, "LOAD.csv:1: expected \"seconds,load\""},
    {"0,1\n# c\n\n60,abc\n", 1, "LOAD.csv:4: load \"abc\" is not a number"},
    {"0,1\n60,-2\n", 1, "LOAD.csv:2: load \"-2\" is negative"},
    {"0,1\n60,2\n60,3\n", 1, "LOAD.csv:3: time 60 is not after 60.000s of line 2"},
    {"0,1\n60,2\n30,3\n", 1, "LOAD.csv:3: time 30 is not after 60.000s of line 2"},
    {"-5,1\n", 1, "LOAD.csv:1: time \"-5\" is not a number of seconds"},
    {"1.0005,1\n", 1, "LOAD.csv:1: time \"1.0005\" is not a number of seconds"},
    {"0,\n", 1, "LOAD.csv:1: load \"\" is not a number"},
    {"# only comments\nseconds,load\n", 1, "LOAD.csv:2: no data: expected \"seconds,load\" lines"},
    {"", 1, "LOAD.csv:1: no data"},
};

static void test_whatif__trace_errors_name_the_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *c = &bad_cases[i];
        hpac_trace t;
        char err[512] = "";
        int rc = hpac_trace_parse(c->text, strlen(c->text), "LOAD.csv", c->columns, &t, err,
                                  sizeof(err));
        if (rc != -1 || strncmp(err, c->message, strlen(c->message)) != 0)
            fail_msg("case %zu: rc %d, message \"%s\", expected \"%s...\"", i, rc, err,
                     c->message);
        assert_int_equal(t.count, 0); /* cleared */
        assert_null(t.t_ms);
    }
    /* A NUL byte and an overlong line. */
    hpac_trace t;
    char err[512];
    assert_int_equal(hpac_trace_parse("0,1\0", 4, "LOAD.csv", 1, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "NUL"));
    char line[HPAC_TRACE_MAX_LINE + 32];
    memset(line, ' ', sizeof(line));
    memcpy(line, "0,1\n", 4);
    line[sizeof(line) - 1] = '1';
    assert_int_equal(hpac_trace_parse(line, sizeof(line), "LOAD.csv", 1, &t, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "LOAD.csv:2: line longer than"));
}

/* Many lines: the arrays grow, and lookups stay right. */
static void test_whatif__trace_long(void **state)
{
    (void)state;
    size_t n = 20000;
    char *text = malloc(n * 24);
    assert_non_null(text);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(text + used, "%zu,%zu\n", i * 3, i % 17);
    hpac_trace t;
    char err[256];
    assert_int_equal(hpac_trace_parse(text, used, "big.csv", 1, &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, n);
    for (size_t i = 0; i < n; i += 997) {
        size_t row = hpac_trace_row_at(&t, (int64_t)(i * 3000 + 1500), NULL);
        assert_int_equal(row, i);
        assert_int_equal(hpac_trace_load(&t, row, 0), (int64_t)(i % 17) * 1000);
    }
    hpac_trace_clear(&t);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatif__trace_accepts),
        cmocka_unit_test(test_whatif__trace_errors_name_the_line),
        cmocka_unit_test(test_whatif__trace_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
