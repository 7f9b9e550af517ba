#include "util/timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Civil-calendar arithmetic on the proleptic Gregorian calendar, done by
 * hand rather than with timegm()/gmtime_r(): no dependence on time_t's width
 * or the process's time zone, and a day count that works for any year. */

static bool is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year))
        return 29;
    return days[month - 1];
}

/* Days since 1970-01-01 of a civil date (month 1..12, day 1..31). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

/* Reads exactly `n` decimal digits. */
static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

int hpac_time_parse_rfc3339(const char *text, int64_t *ms)
{
    if (!text || !ms)
        return -1;
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!read_digits(&p, 4, &year) || !expect_char(&p, '-') || !read_digits(&p, 2, &month) ||
        !expect_char(&p, '-') || !read_digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't')
        return -1;
    p++;
    if (!read_digits(&p, 2, &hour) || !expect_char(&p, ':') || !read_digits(&p, 2, &minute) ||
        !expect_char(&p, ':') || !read_digits(&p, 2, &second))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59)
        return -1;

    /* Fraction: any number of digits, as Go accepts them; only
     * milliseconds are kept. */
    int64_t frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        size_t digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0)
            return -1;
        for (size_t i = digits; i < 3; i++)
            frac_ms *= 10;
    }

    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        int oh, om;
        if (!read_digits(&p, 2, &oh) || !expect_char(&p, ':') || !read_digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;

    int64_t days = days_from_civil(year, month, day);
    int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
    *ms = secs * HPAC_MS_PER_SECOND + frac_ms;
    return 0;
}

/* Splits an instant into civil fields; floors so that negative instants
 * land on the second before, as a clock reads them. */
static size_t format_time(int64_t ms, bool micro, char *buf, size_t size)
{
    int64_t secs = ms / HPAC_MS_PER_SECOND;
    int64_t rem = ms % HPAC_MS_PER_SECOND;
    if (rem < 0) {
        rem += HPAC_MS_PER_SECOND;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    int hour = (int)(sod / 3600), minute = (int)(sod / 60 % 60), second = (int)(sod % 60);
    int n;
    if (micro)
        n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03lld000Z", (long long)year,
                     month, day, hour, minute, second, (long long)rem);
    else
        n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)year, month, day,
                     hour, minute, second);
    return n < 0 ? 0 : (size_t)n;
}

size_t hpac_time_format_rfc3339(int64_t ms, char *buf, size_t size)
{
    return format_time(ms, false, buf, size);
}

size_t hpac_time_format_rfc3339_micro(int64_t ms, char *buf, size_t size)
{
    return format_time(ms, true, buf, size);
}

/* Go's time.ParseDuration, computed in nanoseconds with the same overflow
 * limits, then truncated (toward zero) to milliseconds. */

#define NS_LIMIT (UINT64_C(1) << 63)

static uint64_t unit_ns(const char *unit, size_t len)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1ULL},
        {"us", 1000ULL},
        {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
        {"\xce\xbcs", 1000ULL}, /* U+03BC Greek small letter mu */
        {"ms", 1000000ULL},
        {"s", 1000000000ULL},
        {"m", 60ULL * 1000000000ULL},
        {"h", 3600ULL * 1000000000ULL},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == len && memcmp(units[i].name, unit, len) == 0)
            return units[i].ns;
    }
    return 0;
}

int hpac_duration_parse(const char *text, int64_t *ms)
{
    if (!text || !ms)
        return -1;
    const char *p = text;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (strcmp(p, "0") == 0) {
        *ms = 0;
        return 0;
    }
    if (*p == '\0')
        return -1;

    uint64_t total = 0;
    while (*p != '\0') {
        if (!(*p == '.' || (*p >= '0' && *p <= '9')))
            return -1;
        /* Integer part. */
        uint64_t v = 0;
        bool pre = false;
        while (*p >= '0' && *p <= '9') {
            if (v > NS_LIMIT / 10)
                return -1;
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > NS_LIMIT)
                return -1;
            pre = true;
            p++;
        }
        /* Fraction: digits beyond what fits are dropped, as Go does. */
        uint64_t f = 0;
        double scale = 1;
        bool post = false;
        if (*p == '.') {
            p++;
            bool overflow = false;
            while (*p >= '0' && *p <= '9') {
                if (!overflow) {
                    if (f > (NS_LIMIT - 1) / 10) {
                        overflow = true;
                    } else {
                        uint64_t y = f * 10 + (uint64_t)(*p - '0');
                        if (y > NS_LIMIT)
                            overflow = true;
                        else {
                            f = y;
                            scale *= 10;
                        }
                    }
                }
                post = true;
                p++;
            }
        }
        if (!pre && !post)
            return -1;
        /* Unit: everything up to the next digit or '.'. */
        const char *unit = p;
        while (*p != '\0' && *p != '.' && !(*p >= '0' && *p <= '9'))
            p++;
        size_t unit_len = (size_t)(p - unit);
        if (unit_len == 0)
            return -1;
        uint64_t u = unit_ns(unit, unit_len);
        if (u == 0)
            return -1;
        if (v > NS_LIMIT / u)
            return -1;
        v *= u;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)u / scale));
            if (v > NS_LIMIT)
                return -1;
        }
        total += v;
        if (total > NS_LIMIT)
            return -1;
    }
    if (!neg && total > NS_LIMIT - 1)
        return -1;
    int64_t whole_ms = (int64_t)(total / 1000000ULL);
    *ms = neg ? -whole_ms : whole_ms;
    return 0;
}

/* Go's Duration.String() restricted to whole milliseconds:
 * under a second "300ms"; otherwise [h][m]s with a trimmed fraction. */
size_t hpac_duration_format(int64_t ms, char *buf, size_t size)
{
    bool neg = ms < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    const char *sign = neg ? "-" : "";
    int n;
    if (u == 0) {
        n = snprintf(buf, size, "0s");
    } else if (u < 1000) {
        n = snprintf(buf, size, "%s%llums", sign, (unsigned long long)u);
    } else {
        uint64_t secs = u / 1000, frac = u % 1000;
        char frac_text[8] = "";
        if (frac != 0) {
            snprintf(frac_text, sizeof(frac_text), ".%03llu", (unsigned long long)frac);
            /* ".500" -> ".5": frac != 0, so a digit other than 0 stops it. */
            for (size_t len = strlen(frac_text); len > 1 && frac_text[len - 1] == '0'; len--)
                frac_text[len - 1] = '\0';
        }
        uint64_t mins = secs / 60, hours = mins / 60;
        if (hours > 0)
            n = snprintf(buf, size, "%s%lluh%llum%llu%ss", sign, (unsigned long long)hours,
                         (unsigned long long)(mins % 60), (unsigned long long)(secs % 60),
                         frac_text);
        else if (mins > 0)
            n = snprintf(buf, size, "%s%llum%llu%ss", sign, (unsigned long long)mins,
                         (unsigned long long)(secs % 60), frac_text);
        else
            n = snprintf(buf, size, "%s%llu%ss", sign, (unsigned long long)secs, frac_text);
    }
    return n < 0 ? 0 : (size_t)n;
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * HPAC_MS_PER_SECOND + ts.tv_nsec / 1000000;
}

int64_t hpac_clock_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t hpac_clock_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
