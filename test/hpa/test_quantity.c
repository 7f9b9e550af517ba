/* Table tests for lib/hpa/quantity.c. Expected values are the API server's
 * (resource.ParseQuantity, Quantity.String, MilliValue), written out in the
 * normalised mantissa * 10^exp10 form the header promises; where the server
 * would clamp or wrap, the expectation is HPAC_QTY_ERR_OVERFLOW instead. */
#include "test_support.h"
#include "hpa/quantity.h"

#include <stdio.h>
#include <string.h>

#define DSI HPAC_QTY_DECIMAL_SI
#define BSI HPAC_QTY_BINARY_SI
#define DEX HPAC_QTY_DECIMAL_EXPONENT
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *format_name(hpac_quantity_fmt f)
{
    switch (f) {
    case DSI:
        return "DecimalSI";
    case BSI:
        return "BinarySI";
    case DEX:
        return "DecimalExponent";
    }
    return "?";
}

/* Parses `text` and fails the test unless it gives exactly the expectation. */
static void expect_parse(const char *text, int64_t mantissa, int32_t exp10,
                         hpac_quantity_fmt format)
{
    hpac_quantity q = {-42, 42, DEX};
    hpac_quantity_error err = hpac_quantity_parse(text, &q);
    if (err != HPAC_QTY_OK)
        fail_msg("\"%s\": error %d (%s)", text, err, hpac_quantity_strerror(err));
    if (q.mantissa != mantissa || q.exp10 != exp10 || q.format != format)
        fail_msg("\"%s\": got %lld e%d %s, want %lld e%d %s", text, (long long)q.mantissa,
                 (int)q.exp10, format_name(q.format), (long long)mantissa, (int)exp10,
                 format_name(format));
}

/* ---- valid text -> exact value ------------------------------------------- */

static const struct valid_case {
    const char *text;
    int64_t mantissa;
    int32_t exp10;
    hpac_quantity_fmt format;
} valid_cases[] = {
    /* zeros keep the format of their suffix */
    {"0", 0, 0, DSI},
    {"00", 0, 0, DSI},
    {"0.0", 0, 0, DSI},
    {"0.", 0, 0, DSI},
    {".0", 0, 0, DSI},
    {"0n", 0, 0, DSI},
    {"0u", 0, 0, DSI},
    {"0m", 0, 0, DSI},
    {"0k", 0, 0, DSI},
    {"0M", 0, 0, DSI},
    {"0G", 0, 0, DSI},
    {"0T", 0, 0, DSI},
    {"0P", 0, 0, DSI},
    {"0E", 0, 0, DSI},
    {"0Ki", 0, 0, BSI},
    {"0Mi", 0, 0, BSI},
    {"0Gi", 0, 0, BSI},
    {"0Ti", 0, 0, BSI},
    {"0Pi", 0, 0, BSI},
    {"0Ei", 0, 0, BSI},
    {"0e3", 0, 0, DEX},
    {"0e-2147483647", 0, 0, DEX},
    {"0e2147483647", 0, 0, DEX},
    {"0.0e-100", 0, 0, DEX},
    {"0.000000000000", 0, 0, DSI},

    /* plain numbers */
    {"1", 1, 0, DSI},
    {"9", 9, 0, DSI},
    {"10", 1, 1, DSI},
    {"100", 1, 2, DSI},
    {"120", 12, 1, DSI},
    {"1000", 1, 3, DSI},
    {"007", 7, 0, DSI},
    {"1.", 1, 0, DSI},
    {"1.0", 1, 0, DSI},
    {"1.5", 15, -1, DSI},
    {"1.50", 15, -1, DSI},
    {".5", 5, -1, DSI},
    {".001", 1, -3, DSI},
    {"0.001", 1, -3, DSI},
    {"0.005", 5, -3, DSI},
    {"0.05", 5, -2, DSI},
    {"0.5", 5, -1, DSI},
    {"0.00500", 5, -3, DSI},
    {"0.05000", 5, -2, DSI},
    {"0.50000", 5, -1, DSI},
    {"9.01", 901, -2, DSI},
    {"1.441", 1441, -3, DSI},
    {"1.000001", 1000001, -6, DSI},
    {"1.000000001", 1000000001, -9, DSI},
    {"123456789", 123456789, 0, DSI},
    {"999999999999999999", 999999999999999999, 0, DSI},
    {"1000000000000000000", 1, 18, DSI},
    {"1000000000000000001", 1000000000000000001, 0, DSI},
    {"9223372036854775806", INT64_C(9223372036854775806), 0, DSI},
    {"9223372036854775807", INT64_MAX, 0, DSI},
    {"9223372036854775807.0", INT64_MAX, 0, DSI},
    {"9223372036854775807000m", INT64_MAX, 0, DSI},
    {"9223372036854775806000m", INT64_C(9223372036854775806), 0, DSI},
    {"9223372036.854775807", INT64_MAX, -9, DSI},
    {"10000000000000000000", 1, 19, DSI},
    {"10000000000000000000.0", 1, 19, DSI},
    {"10000000000000000000000m", 1, 19, DSI},
    {"92233720368547758070", INT64_MAX, 1, DSI},

    /* decimal SI suffixes */
    {"5n", 5, -9, DSI},
    {"4u", 4, -6, DSI},
    {"3m", 3, -3, DSI},
    {"8k", 8, 3, DSI},
    {"50k", 5, 4, DSI},
    {"7M", 7, 6, DSI},
    {"6G", 6, 9, DSI},
    {"5T", 5, 12, DSI},
    {"40T", 4, 13, DSI},
    {"300T", 3, 14, DSI},
    {"2P", 2, 15, DSI},
    {"1E", 1, 18, DSI},
    {"12E", 12, 18, DSI},
    {"10E", 1, 19, DSI},
    {"100E", 1, 20, DSI},
    {"1000E", 1, 21, DSI},
    {"100m", 1, -1, DSI},
    {"250m", 25, -2, DSI},
    {"1500m", 15, -1, DSI},
    {"1000m", 1, 0, DSI},
    {"6667m", 6667, -3, DSI},
    {"1000000n", 1, -3, DSI},
    {"100.035k", 100035, 0, DSI},
    {"0.0005k", 5, -1, DSI},
    {"0.00050k", 5, -1, DSI},
    {".0001k", 1, -1, DSI},
    {"10.035M", 10035, 3, DSI},
    {"8.1k", 81, 2, DSI},
    {"7.123456M", 7123456, 0, DSI},
    {"6.987654321G", 6987654321, 0, DSI},
    {"5.444T", 5444, 9, DSI},
    {"40.1T", 401, 11, DSI},
    {"300.2T", 3002, 11, DSI},
    {"2.5P", 25, 14, DSI},
    {"1.01E", 101, 16, DSI},
    {"1.G", 1, 9, DSI},
    {"1.E", 1, 18, DSI},
    {"1.0E", 1, 18, DSI},
    {"10.0E", 1, 19, DSI},
    {"1.000000000000000001E", 1000000000000000001, 0, DSI},

    /* decimal exponents */
    {"1e0", 1, 0, DEX},
    {"1e-0", 1, 0, DEX},
    {"1e+0", 1, 0, DEX},
    {"1E-3", 1, -3, DEX},
    {"1e3", 1, 3, DEX},
    {"1E6", 1, 6, DEX},
    {"1e9", 1, 9, DEX},
    {"1E12", 1, 12, DEX},
    {"1e13", 1, 13, DEX},
    {"1e14", 1, 14, DEX},
    {"1e15", 1, 15, DEX},
    {"1E18", 1, 18, DEX},
    {"1e+3", 1, 3, DEX},
    {"1E+3", 1, 3, DEX},
    {"1e003", 1, 3, DEX},
    {"1e0000000000000000000000003", 1, 3, DEX},
    {"10e2", 1, 3, DEX},
    {"1000e-3", 1, 0, DEX},
    {"0.5e0", 5, -1, DEX},
    {"0.5e-1", 5, -2, DEX},
    {"0.5e-2", 5, -3, DEX},
    {"1.2e3", 12, 2, DEX},
    {"1.3E+6", 13, 5, DEX},
    {"1.40e9", 14, 8, DEX},
    {"1.53E12", 153, 10, DEX},
    {"1.6e15", 16, 14, DEX},
    {"1.7E18", 17, 17, DEX},
    {"1.e3", 1, 3, DEX},
    {".5e1", 5, 0, DEX},
    {".484785E-1", 484785, -7, DEX},
    {"1e30", 1, 30, DEX},
    {"1e100", 1, 100, DEX},
    {"1e2147483647", 1, 2147483647, DEX},
    {"999999999999999999e2147483629", 999999999999999999, 2147483629, DEX},

    /* round up (away from zero) to nano */
    {"3.001n", 4, -9, DSI},
    {"1.1E-9", 2, -9, DEX},
    {"0.0000000001", 1, -9, DSI},
    {"0.0000000005", 1, -9, DSI},
    {"0.00000000050", 1, -9, DSI},
    {"0.5e-9", 1, -9, DEX},
    {"0.9n", 1, -9, DSI},
    {"0.1n", 1, -9, DSI},
    {"1.5n", 2, -9, DSI},
    {"1.0n", 1, -9, DSI},
    {"0.00000012345", 124, -9, DSI},
    {"0.00000012354", 124, -9, DSI},
    {"0.000000000000001", 1, -9, DSI},
    {"0.0000000000001", 1, -9, DSI},
    {"1e-10", 1, -9, DEX},
    {"9e-10", 1, -9, DEX},
    {"15e-10", 2, -9, DEX},
    {"1e-9", 1, -9, DEX},
    {"2e-9", 2, -9, DEX},
    {"1e-100", 1, -9, DEX},
    {"1e-2147483647", 1, -9, DEX},
    {"1.55e-2147483647", 1, -9, DEX},
    {"1000000000000000000000e-30", 1, -9, DEX},
    {"1000000000000000000001e-30", 2, -9, DEX},
    {"999999999999999999999e-30", 1, -9, DEX},
    {"1.0000000000000000001", 1000000001, -9, DSI},
    {"0.9999999999", 1, 0, DSI},
    {".9999999999", 1, 0, DSI},
    {"9999999999.9999999991", 1, 10, DSI},
    {"99999999999.99999999999", 1, 11, DSI},
    {"0.999999999999999999999999999999", 1, 0, DSI},
    {"1.999999999", 1999999999, -9, DSI},
    {"1.9999999991", 2, 0, DSI},
    {"0.0000000010000000001", 2, -9, DSI},
    {"9223372036.8547758069", INT64_MAX, -9, DSI},

    /* binary SI suffixes */
    {"1Ki", 1024, 0, BSI},
    {"8Ki", 8192, 0, BSI},
    {"7Mi", 7340032, 0, BSI},
    {"6Gi", INT64_C(6442450944), 0, BSI},
    {"5Ti", INT64_C(549755813888), 1, BSI},
    {"4Pi", INT64_C(4503599627370496), 0, BSI},
    {"3Ei", INT64_C(3458764513820540928), 0, BSI},
    {"7Ei", INT64_C(8070450532247928832), 0, BSI},
    {"10Ti", INT64_C(1099511627776), 1, BSI},
    {"100Ti", INT64_C(1099511627776), 2, BSI},
    {"1Mi", 1048576, 0, BSI},
    {"1Gi", 1073741824, 0, BSI},
    {"1024Mi", 1073741824, 0, BSI},
    {"1.5Ki", 1536, 0, BSI},
    {"1.5Gi", 1610612736, 0, BSI},
    {"9.5Gi", INT64_C(10200547328), 0, BSI},
    {"100.035Ki", 10243584, -2, BSI},
    {"0.5Mi", 524288, 0, BSI},
    {"0.5Ki", 512, 0, BSI},
    {"0.05Gi", 536870912, -1, BSI},
    {"0.025Ti", INT64_C(274877906944), -1, BSI},
    {"1.1Ki", 11264, -1, BSI},
    {"1.Ki", 1024, 0, BSI},
    {".5Ki", 512, 0, BSI},
    {"8191Pi", INT64_C(9222246136947933184), 0, BSI},
    {"1.000000001Ki", 1024000001024, -9, BSI},
    {"1.0000000000000000000001Ki", 1024000000001, -9, BSI},
    /* a binary value below one becomes DecimalSI */
    {"0.001Ki", 1024, -3, BSI},
    {".001Ki", 1024, -3, BSI},
    {"0.0001Ki", 1024, -4, DSI},
    {".000001Ki", 1024, -6, DSI},
    {".000000001Ki", 1024, -9, DSI},
    {"0.000000000001Ki", 2, -9, DSI},
    {".000000000001Ki", 2, -9, DSI},
    {"0.00000000000000000000001Ki", 1, -9, DSI},
};

static void test_quantity__parse_valid(void **state)
{
    for (size_t i = 0; i < N_ELEMS(valid_cases); i++) {
        const struct valid_case *c = &valid_cases[i];
        char text[256];
        expect_parse(c->text, c->mantissa, c->exp10, c->format);
        /* An explicit sign changes nothing but the sign. */
        snprintf(text, sizeof(text), "+%s", c->text);
        expect_parse(text, c->mantissa, c->exp10, c->format);
        snprintf(text, sizeof(text), "-%s", c->text);
        expect_parse(text, -c->mantissa, c->exp10, c->format);
    }
}

/* Values only the negative side can hold. */
static void test_quantity__parse_int64_min(void **state)
{
    expect_parse("-9223372036854775808", INT64_MIN, 0, DSI);
    expect_parse("-9223372036854775808.0", INT64_MIN, 0, DSI);
    expect_parse("-9223372036854775808000m", INT64_MIN, 0, DSI);
    expect_parse("-9223372036854775808m", INT64_MIN, -3, DSI);
    expect_parse("-9223372036.854775808", INT64_MIN, -9, DSI);
    expect_parse("-92233720368547758080", INT64_MIN, 1, DSI);
    expect_parse("-9.223372036854775808E", INT64_MIN, 0, DSI);
    expect_parse("-9223372036854775808e5", INT64_MIN, 5, DEX);
}

/* ---- malformed text ------------------------------------------------------ */

static const char *const malformed_cases[] = {
    "",
    " ",
    " 1",
    "1 ",
    "\t1",
    "1\n",
    "1 m",
    "+",
    "-",
    ".",
    "+.",
    "-.",
    "..",
    "..5",
    "1..",
    "1.1.1",
    "1.1.M",
    "1.5.",
    "--1",
    "++1",
    "+-1",
    "-+1",
    "1-",
    "1+",
    "1+1.0M",
    "e",
    "E",
    "e3",
    "E3",
    "-e3",
    ".e3",
    "i",
    "k",
    "m",
    "Ki",
    "-k",
    "1e",
    "1E+",
    "1e+",
    "1e-",
    "-3.01e-",
    "1e3.5",
    "1e1.",
    "1e+-3",
    "1e--3",
    "1ee3",
    "1eE3",
    "1Ee3",
    "1e3e3",
    "1e 3",
    "1e3k",
    "1e3Ki",
    "1i",
    ".5i",
    "-3.01i",
    "1KiB",
    "1Kib",
    "1K",
    "1ki",
    "1KI",
    "1kI",
    "1mi",
    "0.1mi",
    "0.1am",
    "1a",
    "1b",
    "1B",
    "1g",
    "1t",
    "1p",
    "1N",
    "1U",
    "1Mb",
    "1KM",
    "1kk",
    "1mm",
    "1ke3",
    "1k3",
    "1M5",
    "1Ki1",
    "1Kii",
    "1iK",
    "1Zi",
    "1Yi",
    "1Z",
    "1Y",
    "1Ei5",
    "aoeu",
    "Non-Numeric",
    "abc",
    "0x10",
    "0b1",
    "1,5",
    "1_000",
    "1'000",
    "Infinity",
    "inf",
    "NaN",
    "\xd9\xa1",  /* ARABIC-INDIC DIGIT ONE */
    "1\xc2\xb5", /* micro sign */
    "\xef\xbc\x91", /* fullwidth 1 */
    /* exponents must fit in int32, as upstream requires */
    "1e2147483648",
    "1e-2147483648",
    "1E4294967297",
    "1e8589934592",
    "1e9223372036854775807",
    "1e9223372036854775808",
    "1e99999999999999999999999999",
    "0e2147483648",
};

static void test_quantity__parse_malformed(void **state)
{
    for (size_t i = 0; i < N_ELEMS(malformed_cases); i++) {
        const char *text = malformed_cases[i];
        hpac_quantity q = {77, 7, BSI};
        hpac_quantity_error err = hpac_quantity_parse(text, &q);
        if (err != HPAC_QTY_ERR_FORMAT)
            fail_msg("\"%s\": got %d (%lld e%d), want a format error", text, err,
                     (long long)q.mantissa, (int)q.exp10);
        /* Nothing is written on failure. */
        if (q.mantissa != 77 || q.exp10 != 7 || q.format != BSI)
            fail_msg("\"%s\": output touched on error", text);
        int64_t milli = 99;
        if (hpac_quantity_parse_milli(text, &milli) != HPAC_QTY_ERR_FORMAT || milli != 99)
            fail_msg("\"%s\": parse_milli did not fail cleanly", text);
    }
}

/* ---- representable only approximately: overflow -------------------------- */

static const char *const overflow_cases[] = {
    /* magnitudes past 2^63 (the API server keeps these, exactly, in a big
     * decimal; 64 bits cannot) */
    "9223372036854775808",
    "-9223372036854775809",
    "9223372036854775808.0",
    "9223372036854775808000m",
    "-9223372036854775809000m",
    "18446744073709551616",
    "9999999999999999999",
    "-9999999999999999999",
    "9999999999999999999000m",
    "100000000000000000001",
    "10.000000000000000001E",
    "-10000000000000000001",
    /* more significant digits than 64 bits hold */
    "999999999999999999.1",
    "-999999999999999999.1",
    "1000000000000000000.1",
    "9999999999999999999.1",
    "10.0000000000000000001E",
    "1.0000000000000000001E",
    "12345678901.123456789",
    "9223372036.854775808",
    "-9223372036.854775809",
    "9223372036.8547758071",
    "12345678901234567890123456789",
    /* the exponent left for the normalised mantissa does not fit int32 */
    "10e2147483647",
    "100e2147483646",
    "1000000000000000000e2147483630",
    /* binary values the API server would cap at 2^63-1 */
    "8Ei",
    "-8Ei",
    "9Ei",
    "20Ei",
    "-20Ei",
    "8192Pi",
    "8388608Ti",
    "9223372036854775807Ki",
    "9223372036854775807.5",
    "99999999999999999999Ki",
    "8191.9999999999999Pi",
    "8191.999999999Pi",
    /* exact, but with more digits than fit once rounded to nano */
    "9.5000000001Gi",
    "-9.5000000001Gi",
};

static void test_quantity__parse_overflow(void **state)
{
    for (size_t i = 0; i < N_ELEMS(overflow_cases); i++) {
        const char *text = overflow_cases[i];
        hpac_quantity q = {77, 7, BSI};
        hpac_quantity_error err = hpac_quantity_parse(text, &q);
        if (err != HPAC_QTY_ERR_OVERFLOW)
            fail_msg("\"%s\": got %d (%lld e%d), want overflow", text, err,
                     (long long)q.mantissa, (int)q.exp10);
        if (q.mantissa != 77 || q.exp10 != 7 || q.format != BSI)
            fail_msg("\"%s\": output touched on error", text);
    }
}

/* ---- canonical text ------------------------------------------------------ */

static void expect_format(const hpac_quantity *q, const char *want, const char *what)
{
    char buf[HPAC_QUANTITY_TEXT_MAX];
    size_t n = hpac_quantity_format(q, buf, sizeof(buf));
    if (strcmp(buf, want) != 0 || n != strlen(want))
        fail_msg("%s: got \"%s\" (%zu), want \"%s\"", what, buf, n, want);
}

/* Text in, String() out: what the API server writes back for each input. */
static const struct canonical_case {
    const char *text;
    const char *want;
} canonical_cases[] = {
    {"0", "0"},
    {"00", "0"},
    {"0m", "0"},
    {"0Ki", "0"},
    {"0e3", "0"},
    {"0.000", "0"},
    {"1", "1"},
    {"1.", "1"},
    {"1.0", "1"},
    {"10", "10"},
    {"100", "100"},
    {"999", "999"},
    {"1000", "1k"},
    {"1500", "1500"},
    {"2000", "2k"},
    {"10000", "10k"},
    {"100000", "100k"},
    {"1000000", "1M"},
    {"1234000", "1234k"},
    {"1.5", "1500m"},
    {"0.5", "500m"},
    {"0.1", "100m"},
    {"0.01", "10m"},
    {"0.001", "1m"},
    {"0.0001", "100u"},
    {"1.08", "1080m"},
    {"1.441", "1441m"},
    {"1.000001", "1000001u"},
    {"1.000000001", "1000000001n"},
    {"1.2345", "1234500u"},
    {"9.01", "9010m"},
    {"5000m", "5"},
    {"1500m", "1500m"},
    {"1000m", "1"},
    {"100m", "100m"},
    {"1000u", "1m"},
    {"1000000n", "1m"},
    {"1080000000n", "1080m"},
    {"1000M", "1G"},
    {"0.001T", "1G"},
    {"1000000k", "1G"},
    {"1000000000", "1G"},
    {"300M", "300M"},
    {"1T", "1T"},
    {"1234567M", "1234567M"},
    {"1234567m", "1234567m"},
    {"3k", "3k"},
    {"1n", "1n"},
    {"80n", "80n"},
    {"1080n", "1080n"},
    {"1u", "1u"},
    {"80u", "80u"},
    {"1080u", "1080u"},
    {"1.5k", "1500"},
    {"1.5M", "1500k"},
    {"2.5P", "2500T"},
    {"100.035k", "100035"},
    {"10.035M", "10035k"},
    {"1E", "1E"},
    {"12E", "12E"},
    {"1.0E", "1E"},
    {"1000000000000000000", "1E"},
    {"100E", "100E"},
    {"10000000000000000000", "10E"},
    {"10000000000000000000000m", "10E"},
    {"999999999999999999", "999999999999999999"},
    {"999999999999999999.0", "999999999999999999"},
    {"1000000000000000001", "1000000000000000001"},
    {"1.000000000000000001E", "1000000000000000001"},
    {"9223372036854775807", "9223372036854775807"},
    {"9223372036854775807000m", "9223372036854775807"},
    {"9223372036854775806.0", "9223372036854775806"},
    {"92233720368547758070", "92233720368547758070"},
    /* no DecimalSI suffix past E: exponent notation */
    {"1000E", "1e21"},
    {"5000E", "5e21"},
    {"1000000E", "1e24"},
    {"10000E", "10e21"},
    /* decimal exponents keep their format, exponent a multiple of three */
    {"1e3", "1e3"},
    {"1E3", "1e3"},
    {"1e+3", "1e3"},
    {"1e003", "1e3"},
    {"1e0", "1"},
    {"1e1", "10"},
    {"1e2", "100"},
    {"1e4", "10e3"},
    {"1e9", "1e9"},
    {".001e12", "1e9"},
    {"1e-3", "1e-3"},
    {"0.001e0", "1e-3"},
    {"1e-9", "1e-9"},
    {"1000e-12", "1e-9"},
    {"1e-100", "1e-9"},
    {"80e-3", "80e-3"},
    {"0.08e0", "80e-3"},
    {"300e6", "300e6"},
    {"3e8", "300e6"},
    {"1e12", "1e12"},
    {"3e3", "3e3"},
    {"1.5e3", "1500"},
    {"1.5e0", "1500e-3"},
    {"1.2e-2", "12e-3"},
    {"1e-1", "100e-3"},
    {"1e21", "1e21"},
    {"1e30", "1e30"},
    {"1e100", "10e99"},
    {"10e69", "10e69"},
    {"20e69", "20e69"},
    {"1e72", "1e72"},
    {"1e2147483647", "10e2147483646"},
    {"1e-2147483647", "1e-9"},
    /* binary: canonical in the largest exact power of 1024 */
    {"1Ki", "1Ki"},
    {"1Mi", "1Mi"},
    {"1Gi", "1Gi"},
    {"1Ti", "1Ti"},
    {"1Pi", "1Pi"},
    {"1Ei", "1Ei"},
    {"6Ki", "6Ki"},
    {"7Ei", "7Ei"},
    {"1024Ki", "1Mi"},
    {"1024Mi", "1Gi"},
    {"1024Gi", "1Ti"},
    {"307200Ki", "300Mi"},
    {"1025024Mi", "1001Gi"},
    {"1.5Gi", "1536Mi"},
    {"9.5Gi", "9728Mi"},
    {"1.5Ki", "1536"},
    {"1.5Mi", "1536Ki"},
    {"2048Ki", "2Mi"},
    {"1536Ki", "1536Ki"},
    {"0.5Mi", "512Ki"},
    {"8191Pi", "8191Pi"},
    {"3Ei", "3Ei"},
    /* below 1024, or not an integer: shown as DecimalSI */
    {"0.5Ki", "512"},
    {"0.25Ki", "256"},
    {"1.1Ki", "1126400m"},
    {"100.035Ki", "102435840m"},
    {"0.05Gi", "53687091200m"},
    {"0.025Ti", "27487790694400m"},
    {".001Ki", "1024m"},
    {".000001Ki", "1024u"},
    {".000000001Ki", "1024n"},
    {".000000000001Ki", "2n"},
    {"0.00000000000000000000001Ki", "1n"},
    {"1.000000001Ki", "1024000001024n"},
    /* rounding up to nano */
    {"0.000000000000001", "1n"},
    {"0.0000000000001", "1n"},
    {"3.001n", "4n"},
    {"0.9n", "1n"},
    {"0.00000012345", "124n"},
    {"1.0000000000000000001", "1000000001n"},
    {"0.9999999999", "1"},
    {"9999999999.9999999991", "10G"},
    {"99999999999.99999999999", "100G"},
};

static void test_quantity__format_canonical(void **state)
{
    for (size_t i = 0; i < N_ELEMS(canonical_cases); i++) {
        const struct canonical_case *c = &canonical_cases[i];
        hpac_quantity q, again;
        char what[160], neg_text[160], neg_want[160];

        if (hpac_quantity_parse(c->text, &q) != HPAC_QTY_OK)
            fail_msg("\"%s\": does not parse", c->text);
        snprintf(what, sizeof(what), "format(\"%s\")", c->text);
        expect_format(&q, c->want, what);

        /* The canonical text is itself a quantity with the same value and
         * the same canonical text. */
        if (hpac_quantity_parse(c->want, &again) != HPAC_QTY_OK)
            fail_msg("\"%s\": canonical \"%s\" does not parse", c->text, c->want);
        if (again.mantissa != q.mantissa || again.exp10 != q.exp10)
            fail_msg("\"%s\": canonical \"%s\" has another value", c->text, c->want);
        snprintf(what, sizeof(what), "format(\"%s\")", c->want);
        expect_format(&again, c->want, what);

        /* Negative values print the same digits after a '-'; zero never
         * gets a sign. */
        snprintf(neg_text, sizeof(neg_text), "-%s", c->text);
        if (strcmp(c->want, "0") == 0)
            snprintf(neg_want, sizeof(neg_want), "0");
        else
            snprintf(neg_want, sizeof(neg_want), "-%s", c->want);
        if (hpac_quantity_parse(neg_text, &q) != HPAC_QTY_OK)
            fail_msg("\"%s\": does not parse", neg_text);
        snprintf(what, sizeof(what), "format(\"-%s\")", c->text);
        expect_format(&q, neg_want, what);
    }
}

/* Struct in, String() out, including values parsing never produces. */
static const struct struct_format_case {
    int64_t mantissa;
    int32_t exp10;
    hpac_quantity_fmt format;
    const char *want;
} struct_format_cases[] = {
    {1073741824, 0, BSI, "1Gi"},
    {314572800, 0, BSI, "300Mi"},
    {6144, 0, BSI, "6Ki"},
    {INT64_C(1074815565824), 0, BSI, "1001Gi"},
    {INT64_C(1099511627776), 0, BSI, "1Ti"},
    {5, 0, BSI, "5"},
    {500, -3, BSI, "500m"},
    {5, -1, BSI, "500m"},
    {1023, 0, BSI, "1023"},
    {1024, 0, BSI, "1Ki"},
    {1025, 0, BSI, "1025"},
    {2000, 0, BSI, "2000"},
    {2048, 0, BSI, "2Ki"},
    {10240, 0, BSI, "10Ki"},
    {1024, 1, BSI, "10Ki"},
    {1, 4, BSI, "10000"},
    {1, 9, BSI, "1000000000"},
    {1234567, -3, BSI, "1234567m"},
    {10241, -1, BSI, "1024100m"},
    {INT64_MIN, 0, BSI, "-8Ei"},
    {INT64_MAX, 0, BSI, "9223372036854775807"},
    {1, 70, BSI, "10e69"},
    {2, 70, BSI, "20e69"},
    {1, 72, BSI, "1e72"},
    {1, 9, DSI, "1G"},
    {1000, 6, DSI, "1G"},
    {1000000, 3, DSI, "1G"},
    {1000000000, 0, DSI, "1G"},
    {1, -3, DSI, "1m"},
    {80, -3, DSI, "80m"},
    {1080, -3, DSI, "1080m"},
    {108, -2, DSI, "1080m"},
    {10800, -4, DSI, "1080m"},
    {300, 6, DSI, "300M"},
    {1, 12, DSI, "1T"},
    {1, 18, DSI, "1E"},
    {1, 21, DSI, "1e21"},
    {5, 21, DSI, "5e21"},
    {1, 24, DSI, "1e24"},
    {1234567, 6, DSI, "1234567M"},
    {3, 3, DSI, "3k"},
    {0, 0, DSI, "0"},
    {0, 0, BSI, "0"},
    {0, 0, DEX, "0"},
    {0, 500, DSI, "0"},
    {0, -500, DSI, "0"},
    {1, -9, DSI, "1n"},
    {80, -9, DSI, "80n"},
    {1080, -9, DSI, "1080n"},
    {108, -8, DSI, "1080n"},
    {10800, -10, DSI, "1080n"},
    {1, -6, DSI, "1u"},
    {80, -6, DSI, "80u"},
    {1080, -6, DSI, "1080u"},
    {1, -12, DSI, "1e-12"},
    {1, -10, DSI, "100e-12"},
    {INT64_MAX, 1, DSI, "92233720368547758070"},
    {INT64_MAX, -3, DSI, "9223372036854775807m"},
    {INT64_MIN, -3, DSI, "-9223372036854775808m"},
    {INT64_MIN, 0, DSI, "-9223372036854775808"},
    {1, 9, DEX, "1e9"},
    {1, -3, DEX, "1e-3"},
    {1, -9, DEX, "1e-9"},
    {80, -3, DEX, "80e-3"},
    {300, 6, DEX, "300e6"},
    {1, 12, DEX, "1e12"},
    {1, 3, DEX, "1e3"},
    {3, 3, DEX, "3e3"},
    {1000, 0, DEX, "1e3"},
    {1, 0, DEX, "1"},
    {1, 2147483647, DEX, "10e2147483646"},
    {1, -2147483647 - 1, DEX, "10e-2147483649"},
    {1, -2147483647 - 1, DSI, "10e-2147483649"},
    {1, 2147483647, DSI, "10e2147483646"},
    /* not a known format: upstream falls back to DecimalExponent */
    {1000000, 0, (hpac_quantity_fmt)99, "1e6"},
    {1000000, -3, (hpac_quantity_fmt)99, "1e3"},
};

static void test_quantity__format_struct(void **state)
{
    for (size_t i = 0; i < N_ELEMS(struct_format_cases); i++) {
        const struct struct_format_case *c = &struct_format_cases[i];
        hpac_quantity q = {c->mantissa, c->exp10, c->format};
        char what[96], neg_want[96];
        snprintf(what, sizeof(what), "format{%lld e%d %s}", (long long)c->mantissa,
                 (int)c->exp10, format_name(c->format));
        expect_format(&q, c->want, what);
        if (c->mantissa == 0 || c->mantissa == INT64_MIN)
            continue;
        q.mantissa = -c->mantissa;
        snprintf(neg_want, sizeof(neg_want), "-%s", c->want);
        expect_format(&q, neg_want, what);
    }
}

/* The header's bound holds for the longest outputs there are. */
static void test_quantity__format_fits_text_max(void **state)
{
    const hpac_quantity longest[] = {
        {INT64_MIN, -2147483647 - 1, DEX}, {INT64_MIN, -2147483647 - 1, DSI},
        {INT64_MIN, 2147483647, DEX},      {INT64_MIN, 2147483647, DSI},
        {INT64_MIN, -1, DSI},              {INT64_MIN, -2147483647, BSI},
        {-INT64_MAX, 2147483647, BSI},     {INT64_MIN, 19, BSI},
        {INT64_MAX, 2147483646, DEX},
    };
    for (size_t i = 0; i < N_ELEMS(longest); i++) {
        size_t n = hpac_quantity_format(&longest[i], NULL, 0);
        assert_true(n > 0);
        assert_true(n < HPAC_QUANTITY_TEXT_MAX);
    }
}

static void test_quantity__format_truncates_like_snprintf(void **state)
{
    hpac_quantity q = {15, -1, DSI}; /* "1500m" */
    char buf[8];

    assert_int_equal(hpac_quantity_format(&q, NULL, 0), 5);

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format(&q, buf, 0), 5);
    assert_int_equal(buf[0], 'x');

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format(&q, buf, 1), 5);
    assert_string_equal(buf, "");

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format(&q, buf, 3), 5);
    assert_string_equal(buf, "15");
    assert_int_equal(buf[3], 'x');

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format(&q, buf, 5), 5);
    assert_string_equal(buf, "1500");

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format(&q, buf, 6), 5);
    assert_string_equal(buf, "1500m");
    assert_int_equal(buf[6], 'x');

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hpac_quantity_format_milli(-3000000, buf, 3), 3);
    assert_string_equal(buf, "-3");
    assert_int_equal(hpac_quantity_format_milli(-3000000, buf, 4), 3);
    assert_string_equal(buf, "-3k");
}

/* ---- milli-values -------------------------------------------------------- */

static const struct milli_case {
    const char *text;
    hpac_quantity_error err;
    int64_t milli;
} milli_cases[] = {
    {"0", HPAC_QTY_OK, 0},
    {"-0", HPAC_QTY_OK, 0},
    {"0Ki", HPAC_QTY_OK, 0},
    {"0e2147483647", HPAC_QTY_OK, 0},
    {"1", HPAC_QTY_OK, 1000},
    {"-1", HPAC_QTY_OK, -1000},
    {"2", HPAC_QTY_OK, 2000},
    {"1m", HPAC_QTY_OK, 1},
    {"-1m", HPAC_QTY_OK, -1},
    {"100m", HPAC_QTY_OK, 100},
    {"250m", HPAC_QTY_OK, 250},
    {"1500m", HPAC_QTY_OK, 1500},
    {"-1500m", HPAC_QTY_OK, -1500},
    {"1.5", HPAC_QTY_OK, 1500},
    {"0.1", HPAC_QTY_OK, 100},
    {"1.2345", HPAC_QTY_OK, 1235},
    {"-1.2345", HPAC_QTY_OK, -1235},
    {"1.0001m", HPAC_QTY_OK, 2},
    {"-1.0001m", HPAC_QTY_OK, -2},
    {"1.9999m", HPAC_QTY_OK, 2},
    {"1n", HPAC_QTY_OK, 1},
    {"-1n", HPAC_QTY_OK, -1},
    {"1u", HPAC_QTY_OK, 1},
    {"999u", HPAC_QTY_OK, 1},
    {"1000u", HPAC_QTY_OK, 1},
    {"1001u", HPAC_QTY_OK, 2},
    {"123456789n", HPAC_QTY_OK, 124},
    {"0.0005", HPAC_QTY_OK, 1},
    {"-0.0005", HPAC_QTY_OK, -1},
    {".484785E-1", HPAC_QTY_OK, 49},
    {"-.484785E-1", HPAC_QTY_OK, -49},
    {"-.484785E-7466", HPAC_QTY_OK, -1},
    {".484785E-7466", HPAC_QTY_OK, 1},
    {"1e-100", HPAC_QTY_OK, 1},
    {"0.1n", HPAC_QTY_OK, 1},
    {"6667m", HPAC_QTY_OK, 6667},
    {"20", HPAC_QTY_OK, 20000},
    {"3k", HPAC_QTY_OK, 3000000},
    {"1k", HPAC_QTY_OK, 1000000},
    {"1M", HPAC_QTY_OK, 1000000000},
    {"1.5e3", HPAC_QTY_OK, 1500000},
    {"1e-3", HPAC_QTY_OK, 1},
    {"1e-4", HPAC_QTY_OK, 1},
    {"1Ki", HPAC_QTY_OK, 1024000},
    {"1.5Ki", HPAC_QTY_OK, 1536000},
    {"1.1Ki", HPAC_QTY_OK, 1126400},
    {"0.0001Ki", HPAC_QTY_OK, 103},
    {"9.5Gi", HPAC_QTY_OK, INT64_C(10200547328000)},
    {"-9.5Gi", HPAC_QTY_OK, INT64_C(-10200547328000)},
    {"1Gi", HPAC_QTY_OK, INT64_C(1073741824000)},
    {"1Pi", HPAC_QTY_OK, INT64_C(1125899906842624000)},
    {"8Pi", HPAC_QTY_OK, INT64_C(9007199254740992000)},
    {"1e15", HPAC_QTY_OK, INT64_C(1000000000000000000)},
    {"-1e15", HPAC_QTY_OK, INT64_C(-1000000000000000000)},
    {"1P", HPAC_QTY_OK, INT64_C(1000000000000000000)},
    {"9223372036854775807m", HPAC_QTY_OK, INT64_MAX},
    {"-9223372036854775807m", HPAC_QTY_OK, -INT64_MAX},
    {"-9223372036854775808m", HPAC_QTY_OK, INT64_MIN},
    {"9223372036854775.807", HPAC_QTY_OK, INT64_MAX},
    {"9223372036854775", HPAC_QTY_OK, INT64_C(9223372036854775000)},
    {"-9223372036854775.808", HPAC_QTY_OK, INT64_MIN},
    {"9223372036.854775807", HPAC_QTY_OK, INT64_C(9223372036855)},
    {"-9223372036.854775808", HPAC_QTY_OK, INT64_C(-9223372036855)},
    /* the value is a quantity, its milli-value is not an int64 */
    {"9223372036854776", HPAC_QTY_ERR_OVERFLOW, 0},
    {"9223372036854775.808", HPAC_QTY_ERR_OVERFLOW, 0},
    {"9223372036854775.8071", HPAC_QTY_ERR_OVERFLOW, 0},
    {"-9223372036854775.809", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1e16", HPAC_QTY_ERR_OVERFLOW, 0},
    {"-1e16", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1E", HPAC_QTY_ERR_OVERFLOW, 0},
    {"10P", HPAC_QTY_ERR_OVERFLOW, 0},
    {"9Pi", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1Ei", HPAC_QTY_ERR_OVERFLOW, 0},
    {"7Ei", HPAC_QTY_ERR_OVERFLOW, 0},
    {"9223372036854775807", HPAC_QTY_ERR_OVERFLOW, 0},
    {"-9223372036854775808", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1e30", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1e2147483647", HPAC_QTY_ERR_OVERFLOW, 0},
    /* parse errors come through unchanged */
    {"9223372036854775808", HPAC_QTY_ERR_OVERFLOW, 0},
    {"8Ei", HPAC_QTY_ERR_OVERFLOW, 0},
    {"1KiB", HPAC_QTY_ERR_FORMAT, 0},
    {"", HPAC_QTY_ERR_FORMAT, 0},
    {".", HPAC_QTY_ERR_FORMAT, 0},
};

static void test_quantity__milli(void **state)
{
    for (size_t i = 0; i < N_ELEMS(milli_cases); i++) {
        const struct milli_case *c = &milli_cases[i];
        int64_t milli = -42;
        hpac_quantity_error err = hpac_quantity_parse_milli(c->text, &milli);
        if (err != c->err)
            fail_msg("\"%s\": got error %d, want %d", c->text, err, c->err);
        if (err == HPAC_QTY_OK && milli != c->milli)
            fail_msg("\"%s\": got %lld, want %lld", c->text, (long long)milli,
                     (long long)c->milli);
        if (err != HPAC_QTY_OK && milli != -42)
            fail_msg("\"%s\": output touched on error", c->text);
    }
}

/* Structs parsing never makes: unnormalised, large exponents, INT64_MIN. */
static void test_quantity__milli_struct(void **state)
{
    static const struct {
        hpac_quantity q;
        hpac_quantity_error err;
        int64_t milli;
    } cases[] = {
        {{0, 2147483647, DSI}, HPAC_QTY_OK, 0},
        {{0, -2147483647 - 1, DSI}, HPAC_QTY_OK, 0},
        {{1, -2147483647 - 1, DSI}, HPAC_QTY_OK, 1},
        {{-1, -2147483647 - 1, DSI}, HPAC_QTY_OK, -1},
        {{1, -22, DSI}, HPAC_QTY_OK, 1},
        {{INT64_MAX, -22, DSI}, HPAC_QTY_OK, 1},
        {{INT64_MIN, -22, DSI}, HPAC_QTY_OK, -1},
        {{INT64_MIN, -3, DSI}, HPAC_QTY_OK, INT64_MIN},
        {{INT64_MAX, -3, BSI}, HPAC_QTY_OK, INT64_MAX},
        {{INT64_MIN, -4, DSI}, HPAC_QTY_OK, INT64_C(-922337203685477581)},
        {{INT64_MAX, -4, DSI}, HPAC_QTY_OK, INT64_C(922337203685477581)},
        {{INT64_MAX, -21, DSI}, HPAC_QTY_OK, 10},
        {{10000, -3, DSI}, HPAC_QTY_OK, 10000},
        {{10000, -7, DSI}, HPAC_QTY_OK, 1},
        {{10001, -7, DSI}, HPAC_QTY_OK, 2},
        {{1, 15, DEX}, HPAC_QTY_OK, INT64_C(1000000000000000000)},
        {{9, 15, DEX}, HPAC_QTY_OK, INT64_C(9000000000000000000)},
        {{1, 16, DEX}, HPAC_QTY_ERR_OVERFLOW, 0},
        {{INT64_MIN, -2, DSI}, HPAC_QTY_ERR_OVERFLOW, 0},
        {{INT64_MAX, -2, DSI}, HPAC_QTY_ERR_OVERFLOW, 0},
        {{1, 2147483647, DSI}, HPAC_QTY_ERR_OVERFLOW, 0},
        {{-1, 2147483647, DSI}, HPAC_QTY_ERR_OVERFLOW, 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t milli = -42;
        hpac_quantity_error err = hpac_quantity_milli(&cases[i].q, &milli);
        if (err != cases[i].err)
            fail_msg("case %zu: got error %d, want %d", i, err, cases[i].err);
        if (err == HPAC_QTY_OK && milli != cases[i].milli)
            fail_msg("case %zu: got %lld, want %lld", i, (long long)milli,
                     (long long)cases[i].milli);
    }
}

/* ---- milli-value text ---------------------------------------------------- */

static const struct format_milli_case {
    int64_t milli;
    const char *want;
} format_milli_cases[] = {
    {0, "0"},
    {1, "1m"},
    {-1, "-1m"},
    {10, "10m"},
    {50, "50m"},
    {100, "100m"},
    {-500, "-500m"},
    {999, "999m"},
    {1000, "1"},
    {-1000, "-1"},
    {1001, "1001m"},
    {1441, "1441m"},
    {1500, "1500m"},
    {6667, "6667m"},
    {10000, "10"},
    {10001, "10001m"},
    {12000, "12"},
    {20000, "20"},
    {100000, "100"},
    {100100, "100100m"},
    {120000, "120"},
    {1000000, "1k"},
    {1001000, "1001"},
    {1200000, "1200"},
    {1234000, "1234"},
    {1500000, "1500"},
    {3000000, "3k"},
    {-3000000, "-3k"},
    {12000000, "12k"},
    {1000000000, "1M"},
    {INT64_C(1000000000000), "1G"},
    {INT64_C(1000000000000000), "1T"},
    {INT64_C(1000000000000000000), "1P"},
    {INT64_C(9000000000000000000), "9P"},
    {INT64_C(9220000000000000000), "9220T"},
    {INT64_C(1073741824000), "1073741824"},
    {INT64_MAX, "9223372036854775807m"},
    {-INT64_MAX, "-9223372036854775807m"},
    {INT64_MIN, "-9223372036854775808m"},
};

static void test_quantity__format_milli(void **state)
{
    for (size_t i = 0; i < N_ELEMS(format_milli_cases); i++) {
        const struct format_milli_case *c = &format_milli_cases[i];
        char buf[HPAC_QUANTITY_TEXT_MAX];
        size_t n = hpac_quantity_format_milli(c->milli, buf, sizeof(buf));
        if (strcmp(buf, c->want) != 0 || n != strlen(c->want))
            fail_msg("%lld: got \"%s\", want \"%s\"", (long long)c->milli, buf, c->want);
        /* The text reads back as the same milli-value. */
        int64_t back = 0;
        if (hpac_quantity_parse_milli(buf, &back) != HPAC_QTY_OK || back != c->milli)
            fail_msg("%lld: \"%s\" reads back as %lld", (long long)c->milli, buf,
                     (long long)back);
    }
}

/* Every milli-value survives format -> parse exactly, and the text is the
 * shortest canonical one: it never carries removable trailing zeros before
 * a suffix step of 1000. */
static void test_quantity__format_milli_round_trip(void **state)
{
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < 20000; i++) {
        /* xorshift64: deterministic spread over all magnitudes */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t milli = (int64_t)(x >> (i % 64));
        if (i % 3 == 0)
            milli = -milli;
        if (i % 5 == 0)
            milli = (milli % 100000) * 1000; /* many exact multiples */
        char buf[HPAC_QUANTITY_TEXT_MAX];
        size_t n = hpac_quantity_format_milli(milli, buf, sizeof(buf));
        assert_true(n > 0 && n < sizeof(buf));
        int64_t back = 0;
        if (hpac_quantity_parse_milli(buf, &back) != HPAC_QTY_OK || back != milli)
            fail_msg("%lld: \"%s\" reads back as %lld", (long long)milli, buf, (long long)back);
        /* Canonical: re-formatting the parsed text gives the same text. */
        hpac_quantity q;
        assert_int_equal(hpac_quantity_parse(buf, &q), HPAC_QTY_OK);
        char again[HPAC_QUANTITY_TEXT_MAX];
        hpac_quantity_format(&q, again, sizeof(again));
        assert_string_equal(again, buf);
    }
}

/* ---- odds and ends ------------------------------------------------------- */

static void test_quantity__null_arguments(void **state)
{
    hpac_quantity q = {1, 0, DSI};
    int64_t milli = 5;
    assert_int_equal(hpac_quantity_parse(NULL, &q), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(hpac_quantity_parse("1", NULL), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(hpac_quantity_milli(NULL, &milli), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(hpac_quantity_milli(&q, NULL), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(hpac_quantity_parse_milli(NULL, &milli), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(hpac_quantity_parse_milli("1", NULL), HPAC_QTY_ERR_FORMAT);
    assert_int_equal(milli, 5);
    char buf[4] = "xyz";
    assert_int_equal(hpac_quantity_format(NULL, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
}

static void test_quantity__strerror(void **state)
{
    const char *ok = hpac_quantity_strerror(HPAC_QTY_OK);
    const char *format = hpac_quantity_strerror(HPAC_QTY_ERR_FORMAT);
    const char *overflow = hpac_quantity_strerror(HPAC_QTY_ERR_OVERFLOW);
    const char *unknown = hpac_quantity_strerror((hpac_quantity_error)42);
    assert_non_null(ok);
    assert_non_null(format);
    assert_non_null(overflow);
    assert_non_null(unknown);
    assert_string_not_equal(ok, format);
    assert_string_not_equal(format, overflow);
    assert_string_not_equal(overflow, unknown);
    assert_string_not_equal(ok, unknown);
}

/* Long inputs are read in one pass, without a length limit. */
static void test_quantity__long_inputs(void **state)
{
    enum { LEN = 100000 };
    static char text[LEN + 8];
    hpac_quantity q;

    /* 0.000...0001: far below nano, rounds up to 1n */
    text[0] = '0';
    text[1] = '.';
    memset(text + 2, '0', LEN);
    text[LEN + 1] = '1';
    text[LEN + 2] = '\0';
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_OK);
    assert_true(q.mantissa == 1 && q.exp10 == -9 && q.format == DSI);

    /* 1000...000 (LEN zeros): exactly 1e100000 */
    text[0] = '1';
    memset(text + 1, '0', LEN);
    text[LEN + 1] = '\0';
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_OK);
    assert_true(q.mantissa == 1 && q.exp10 == LEN && q.format == DSI);

    /* 000...0007m */
    memset(text, '0', LEN);
    text[LEN] = '7';
    text[LEN + 1] = 'm';
    text[LEN + 2] = '\0';
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_OK);
    assert_true(q.mantissa == 7 && q.exp10 == -3);

    /* 1.000...0001Ki: exact value just above 1024, rounds up at nano */
    text[0] = '1';
    text[1] = '.';
    memset(text + 2, '0', LEN);
    text[LEN + 1] = '1';
    memcpy(text + LEN + 2, "Ki", 3);
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_OK);
    assert_true(q.mantissa == INT64_C(1024000000001) && q.exp10 == -9 && q.format == BSI);

    /* 999...999 (LEN nines): too many digits */
    memset(text, '9', LEN);
    text[LEN] = '\0';
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_ERR_OVERFLOW);

    /* 0.999...999 (LEN nines): rounds up to exactly 1 */
    text[0] = '0';
    text[1] = '.';
    memset(text + 2, '9', LEN);
    text[LEN + 2] = '\0';
    assert_int_equal(hpac_quantity_parse(text, &q), HPAC_QTY_OK);
    assert_true(q.mantissa == 1 && q.exp10 == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity__parse_valid),
        cmocka_unit_test(test_quantity__parse_int64_min),
        cmocka_unit_test(test_quantity__parse_malformed),
        cmocka_unit_test(test_quantity__parse_overflow),
        cmocka_unit_test(test_quantity__format_canonical),
        cmocka_unit_test(test_quantity__format_struct),
        cmocka_unit_test(test_quantity__format_fits_text_max),
        cmocka_unit_test(test_quantity__format_truncates_like_snprintf),
        cmocka_unit_test(test_quantity__milli),
        cmocka_unit_test(test_quantity__milli_struct),
        cmocka_unit_test(test_quantity__format_milli),
        cmocka_unit_test(test_quantity__format_milli_round_trip),
        cmocka_unit_test(test_quantity__null_arguments),
        cmocka_unit_test(test_quantity__strerror),
        cmocka_unit_test(test_quantity__long_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
