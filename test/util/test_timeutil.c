#include "test_support.h"
#include "util/timeutil.h"

#include <string.h>

/* 2026-11-27T21:35:02Z, computed independently: 20784 days after the epoch
 * (2026-11-27) plus 21:35:02. */
#define T_2026 (INT64_C(20784) * 86400 * 1000 + (21 * 3600 + 35 * 60 + 2) * 1000)

static void test_timeutil__parse_rfc3339_valid(void **state)
{
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:01Z", 1000},
        {"1970-01-02T00:00:00Z", 86400000},
        {"2026-11-27T21:35:02Z", T_2026},
        {"2026-11-27t21:35:02z", T_2026},
        {"2026-11-27T21:35:02.123Z", T_2026 + 123},
        {"2026-11-27T21:35:02.1Z", T_2026 + 100},
        {"2026-11-27T21:35:02.12Z", T_2026 + 120},
        {"2026-11-27T21:35:02.123456Z", T_2026 + 123},
        {"2026-11-27T21:35:02.999999999Z", T_2026 + 999},
        {"2026-11-27T21:35:02.1234567891234Z", T_2026 + 123},
        {"2026-11-27T22:35:02+01:00", T_2026},
        {"2026-11-27T16:05:02-05:30", T_2026},
        {"2026-11-27T21:35:02+00:00", T_2026},
        {"2026-11-27T21:35:02.5-00:00", T_2026 + 500},
        {"2026-11-28T00:35:02+03:00", T_2026},
        {"2000-02-29T00:00:00Z", INT64_C(951782400000)},
        {"2024-02-29T12:00:00Z", INT64_C(1709208000000)},
        {"1969-12-31T23:59:59Z", -1000},
        {"1969-12-31T23:59:59.5Z", -500},
        {"2038-01-19T03:14:08Z", INT64_C(2147483648000)},
        {"9999-12-31T23:59:59Z", INT64_C(253402300799000)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = -42;
        if (hpac_time_parse_rfc3339(cases[i].text, &ms) != 0)
            fail_msg("%s: rejected", cases[i].text);
        if (ms != cases[i].ms)
            fail_msg("%s: got %lld, want %lld", cases[i].text, (long long)ms,
                     (long long)cases[i].ms);
    }
}

static void test_timeutil__parse_rfc3339_malformed(void **state)
{
    static const char *const cases[] = {
        "",
        "2026",
        "2026-11-27",
        "2026-11-27T21:35",
        "2026-11-27T21:35:02",       /* no zone */
        "2026-11-27 21:35:02Z",      /* space separator */
        "2026-11-27T21:35:02ZZ",     /* trailing garbage */
        "2026-11-27T21:35:02Z ",
        " 2026-11-27T21:35:02Z",
        "2026-13-27T21:35:02Z",      /* month 13 */
        "2026-00-27T21:35:02Z",
        "2026-11-31T21:35:02Z",      /* November has 30 days */
        "2026-11-00T21:35:02Z",
        "2026-02-29T00:00:00Z",      /* not a leap year */
        "1900-02-29T00:00:00Z",      /* century, not a leap year */
        "2026-11-27T24:00:00Z",
        "2026-11-27T21:60:02Z",
        "2026-11-27T21:35:60Z",      /* leap seconds are rejected, as Go does */
        "2026-11-27T21:35:02.Z",     /* empty fraction */
        "2026-11-27T21:35:02+0100",  /* offset without colon */
        "2026-11-27T21:35:02+01",
        "2026-11-27T21:35:02+24:00",
        "2026-11-27T21:35:02+01:60",
        "26-11-27T21:35:02Z",
        "2026-1-27T21:35:02Z",
        "2026-11-27T1:35:02Z",
        "2026/11/27T21:35:02Z",
        "2026-11-27T21:35:02.12aZ",
        "@now",
        "-026-11-27T21:35:02Z",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = 7;
        if (hpac_time_parse_rfc3339(cases[i], &ms) == 0)
            fail_msg("\"%s\": accepted as %lld", cases[i], (long long)ms);
    }
    int64_t ms;
    assert_int_equal(hpac_time_parse_rfc3339(NULL, &ms), -1);
}

static void test_timeutil__format_rfc3339(void **state)
{
    static const struct {
        int64_t ms;
        const char *seconds;
        const char *micro;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"},
        {T_2026, "2026-11-27T21:35:02Z", "2026-11-27T21:35:02.000000Z"},
        {T_2026 + 123, "2026-11-27T21:35:02Z", "2026-11-27T21:35:02.123000Z"},
        {T_2026 + 999, "2026-11-27T21:35:02Z", "2026-11-27T21:35:02.999000Z"},
        {-1, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.999000Z"},
        {-1000, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000000Z"},
        {INT64_C(951782400000), "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000000Z"},
        {INT64_C(253402300799000), "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000000Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[HPAC_RFC3339_MAX];
        size_t n = hpac_time_format_rfc3339(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].seconds);
        assert_int_equal(n, strlen(cases[i].seconds));
        n = hpac_time_format_rfc3339_micro(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].micro);
        assert_int_equal(n, strlen(cases[i].micro));
    }
}

static void test_timeutil__format_truncates_like_snprintf(void **state)
{
    char small[8];
    size_t n = hpac_time_format_rfc3339(T_2026, small, sizeof(small));
    assert_int_equal(n, strlen("2026-11-27T21:35:02Z"));
    assert_string_equal(small, "2026-11");
}

static void test_timeutil__rfc3339_round_trip(void **state)
{
    /* Every millisecond-aligned instant in a spread of years survives
     * micro formatting and parsing unchanged. */
    for (int64_t ms = -INT64_C(5000000000000); ms < INT64_C(250000000000000);
         ms += INT64_C(7777777777777) + 1) {
        char buf[HPAC_RFC3339_MAX];
        hpac_time_format_rfc3339_micro(ms, buf, sizeof(buf));
        int64_t back = 0;
        if (hpac_time_parse_rfc3339(buf, &back) != 0 || back != ms)
            fail_msg("%lld -> %s -> %lld", (long long)ms, buf, (long long)back);
    }
}

static void test_timeutil__parse_duration_valid(void **state)
{
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"0", 0},
        {"+0", 0},
        {"-0", 0},
        {"0s", 0},
        {"5s", 5000},
        {"30s", 30000},
        {"1m0s", 60000},
        {"5m0s", 300000},
        {"-1m", -60000},
        {"+1m", 60000},
        {"300ms", 300},
        {"1.5h", 5400000},
        {"2h45m", 9900000},
        {"1h0m0s", 3600000},
        {"1.5s", 1500},
        {".5s", 500},
        {"1.s", 1000},
        {"1.0005s", 1000},   /* sub-millisecond part truncated */
        {"1500us", 1},
        {"1500\xc2\xb5s", 1},
        {"1500\xce\xbcs", 1},
        {"999999ns", 0},
        {"1000000ns", 1},
        {"-1.5ms", -1},      /* truncated toward zero */
        {"1h1m1s1ms", 3661001},
        {"3m3m", 360000},    /* repeated units add up, as in Go */
        {"2562047h", INT64_C(2562047) * 3600000},
        {"9223372036854775807ns", INT64_C(9223372036854)},
        {"-9223372036854775808ns", -INT64_C(9223372036854)},
        {"0.000000001s", 0},
        {"10.123456789123456789s", 10123},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = -42;
        if (hpac_duration_parse(cases[i].text, &ms) != 0)
            fail_msg("\"%s\": rejected", cases[i].text);
        if (ms != cases[i].ms)
            fail_msg("\"%s\": got %lld, want %lld", cases[i].text, (long long)ms,
                     (long long)cases[i].ms);
    }
}

static void test_timeutil__parse_duration_malformed(void **state)
{
    static const char *const cases[] = {
        "",
        "-",
        "+",
        "s",
        "5",          /* a number without unit, other than 0 */
        "00",
        "1.5",
        ".",
        ".s",
        "-.s",
        "5x",
        "5 s",
        " 5s",
        "5s ",
        "5S",
        "5sec",
        "1m-1s",
        "--1s",
        "1h30",
        "3000000h",   /* beyond 2^63 ns */
        "9223372036854775808ns",
        "9223372036854775807ns1ns",
        "99999999999999999999s",
        "\xc2\xb5s",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = 7;
        if (hpac_duration_parse(cases[i], &ms) == 0)
            fail_msg("\"%s\": accepted as %lld", cases[i], (long long)ms);
    }
    int64_t ms;
    assert_int_equal(hpac_duration_parse(NULL, &ms), -1);
}

static void test_timeutil__format_duration(void **state)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},
        {1, "1ms"},
        {300, "300ms"},
        {999, "999ms"},
        {1000, "1s"},
        {1500, "1.5s"},
        {1050, "1.05s"},
        {1001, "1.001s"},
        {30000, "30s"},
        {60000, "1m0s"},
        {90000, "1m30s"},
        {300000, "5m0s"},
        {3600000, "1h0m0s"},
        {5400000, "1h30m0s"},
        {3661001, "1h1m1.001s"},
        {-60000, "-1m0s"},
        {-300, "-300ms"},
        {INT64_C(100) * 3600000, "100h0m0s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        size_t n = hpac_duration_format(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, strlen(cases[i].text));
        /* What is written parses back to the same value. */
        int64_t back = 0;
        assert_int_equal(hpac_duration_parse(buf, &back), 0);
        assert_int_equal(back, cases[i].ms);
    }
    char buf[64];
    hpac_duration_format(INT64_MIN, buf, sizeof(buf));
    assert_string_equal(buf, "-2562047788015h12m55.808s");
}

static void test_timeutil__clocks(void **state)
{
    int64_t wall = hpac_clock_wall_ms();
    /* After 2020-01-01 and before 2200-01-01. */
    assert_true(wall > INT64_C(1577836800000));
    assert_true(wall < INT64_C(7258118400000));
    int64_t m1 = hpac_clock_monotonic_ms();
    int64_t m2 = hpac_clock_monotonic_ms();
    assert_true(m1 > 0);
    assert_true(m2 >= m1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeutil__parse_rfc3339_valid),
        cmocka_unit_test(test_timeutil__parse_rfc3339_malformed),
        cmocka_unit_test(test_timeutil__format_rfc3339),
        cmocka_unit_test(test_timeutil__format_truncates_like_snprintf),
        cmocka_unit_test(test_timeutil__rfc3339_round_trip),
        cmocka_unit_test(test_timeutil__parse_duration_valid),
        cmocka_unit_test(test_timeutil__parse_duration_malformed),
        cmocka_unit_test(test_timeutil__format_duration),
        cmocka_unit_test(test_timeutil__clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
