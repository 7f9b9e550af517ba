/* Kubernetes resource quantities: parsing, milli-values, canonical text.
 *
 * Semantics follow the API server's resource.Quantity:
 *   - the number is read exactly, then a value finer than 10^-9 is rounded
 *     away from zero to the next nano ("0.1n" is 1n, "-1e-100" is -1n);
 *   - decimal values are not capped, so "1e30" keeps its value;
 *   - binary values above 2^63-1 are silently capped by the API server; that
 *     would be a different number, so here they are HPAC_QTY_ERR_OVERFLOW;
 *   - an "e" exponent must fit in int32, as upstream now requires;
 *   - a BinarySI value in (-1, 1) is re-labelled DecimalSI.
 * Where the API server accepts text the documented grammar does not ("." or
 * "-" alone, "e3" without digits, all read as zero there), this parser
 * follows the grammar and rejects it.
 *
 * Everything is done in 64-bit integers on the decimal digits themselves, so
 * no intermediate value is ever approximated. */
#include "hpa/quantity.h"

#include <stdbool.h>
#include <string.h>

/* Parsing keeps nothing finer than 10^-9. */
#define NANO_EXP (-9)
/* Largest |exponent| an "e" suffix may carry (int32, as upstream). */
#define EXP_SUFFIX_MAX INT64_C(2147483647)
/* 2^63: the magnitude of INT64_MIN. */
#define MAG_INT64_MIN ((uint64_t)INT64_MAX + 1)

static const uint64_t pow10_u64[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

typedef struct suffix_info {
    const char *text;
    hpac_quantity_fmt format;
    int32_t exp10;  /* decimal scale of the suffix */
    unsigned binexp; /* binary scale of the suffix (2^binexp) */
} suffix_info;

static const suffix_info suffixes[] = {
    {"", HPAC_QTY_DECIMAL_SI, 0, 0},    {"n", HPAC_QTY_DECIMAL_SI, -9, 0},
    {"u", HPAC_QTY_DECIMAL_SI, -6, 0},  {"m", HPAC_QTY_DECIMAL_SI, -3, 0},
    {"k", HPAC_QTY_DECIMAL_SI, 3, 0},   {"M", HPAC_QTY_DECIMAL_SI, 6, 0},
    {"G", HPAC_QTY_DECIMAL_SI, 9, 0},   {"T", HPAC_QTY_DECIMAL_SI, 12, 0},
    {"P", HPAC_QTY_DECIMAL_SI, 15, 0},  {"E", HPAC_QTY_DECIMAL_SI, 18, 0},
    {"Ki", HPAC_QTY_BINARY_SI, 0, 10},  {"Mi", HPAC_QTY_BINARY_SI, 0, 20},
    {"Gi", HPAC_QTY_BINARY_SI, 0, 30},  {"Ti", HPAC_QTY_BINARY_SI, 0, 40},
    {"Pi", HPAC_QTY_BINARY_SI, 0, 50},  {"Ei", HPAC_QTY_BINARY_SI, 0, 60},
};

/* Canonical DecimalSI suffixes, indexed by (exponent + 9) / 3. */
static const char *const decimal_suffixes[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
/* Canonical BinarySI suffixes, indexed by the power of 1024. */
static const char *const binary_suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a)
        return false;
    *out = a * b;
    return true;
}

static bool add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > UINT64_MAX - a)
        return false;
    *out = a + b;
    return true;
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Caller guarantees mag <= 2^63 when negative and <= INT64_MAX otherwise. */
static int64_t signed_value(uint64_t mag, bool negative)
{
    if (!negative)
        return (int64_t)mag;
    if (mag == MAG_INT64_MIN)
        return INT64_MIN;
    return -(int64_t)mag;
}

/* ---- the suffix ---------------------------------------------------------- */

/* Reads the text after the number: a table suffix, or e/E with a signed
 * integer. Anything else, including trailing characters, is a format error. */
static bool parse_suffix(const char *s, suffix_info *out)
{
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strcmp(s, suffixes[i].text) == 0) {
            *out = suffixes[i];
            return true;
        }
    }
    if ((s[0] != 'e' && s[0] != 'E') || s[1] == '\0')
        return false;

    const char *p = s + 1;
    bool negative = false;
    if (*p == '+' || *p == '-') {
        negative = *p == '-';
        p++;
    }
    if (!is_digit(*p))
        return false;
    int64_t value = 0;
    while (is_digit(*p)) {
        /* Saturate just past the limit: leading zeros are fine, size is not. */
        if (value <= EXP_SUFFIX_MAX)
            value = value * 10 + (*p - '0');
        p++;
    }
    if (*p != '\0' || value > EXP_SUFFIX_MAX)
        return false;
    out->text = s;
    out->format = HPAC_QTY_DECIMAL_EXPONENT;
    out->exp10 = (int32_t)(negative ? -value : value);
    out->binexp = 0;
    return true;
}

/* ---- the exact value ----------------------------------------------------- */

/* The digits of the number, integer part then fraction, without the '.'. */
typedef struct digit_run {
    const char *int_part;
    size_t int_len;
    const char *frac_part;
    size_t frac_len;
} digit_run;

static unsigned digit_at(const digit_run *run, size_t i)
{
    if (i < run->int_len)
        return (unsigned)(run->int_part[i] - '0');
    return (unsigned)(run->frac_part[i - run->int_len] - '0');
}

/* Collects the digits of the product, lowest position first, and rounds it
 * up to nano on the way. Only the span from the lowest non-zero digit at or
 * above nano to the highest one is kept: that span is the normalised
 * mantissa, and if it does not fit 64 bits the value cannot be held. */
typedef struct collector {
    int64_t next;     /* decimal position of the next digit */
    uint64_t mant;    /* digits kept so far; 0 until the first non-zero one */
    int64_t low;      /* position of mant's lowest digit */
    bool sticky;      /* a non-zero digit fell below nano */
    bool reached_nano;
    unsigned carry;   /* the round-up carry, once nano is reached */
    bool overflow;
} collector;

static void collector_place(collector *c, unsigned digit, int64_t pos)
{
    if (digit == 0 || c->overflow)
        return;
    if (c->mant == 0) {
        c->mant = digit;
        c->low = pos;
        return;
    }
    int64_t shift = pos - c->low;
    uint64_t scaled;
    if (shift > 19 || !mul_u64(digit, pow10_u64[shift], &scaled) ||
        !add_u64(c->mant, scaled, &c->mant))
        c->overflow = true;
}

static void collector_push(collector *c, unsigned digit)
{
    int64_t pos = c->next++;
    if (pos < NANO_EXP) {
        if (digit != 0)
            c->sticky = true;
        return;
    }
    if (!c->reached_nano) {
        /* Every lower digit has been seen: the round-up is known now. */
        c->reached_nano = true;
        c->carry = c->sticky ? 1 : 0;
    }
    digit += c->carry;
    c->carry = digit == 10;
    if (digit == 10)
        digit = 0;
    collector_place(c, digit, pos);
}

static void collector_finish(collector *c)
{
    if (!c->reached_nano) {
        if (c->sticky)
            collector_place(c, 1, NANO_EXP);
    } else if (c->carry) {
        collector_place(c, 1, c->next);
    }
}

/* Computes sign * digits * 10^(exp10 - frac_len) * 2^binexp, rounded up to
 * nano, as a normalised quantity. */
static hpac_quantity_error exact_value(const digit_run *run, const suffix_info *sfx, bool negative,
                                       hpac_quantity *out)
{
    hpac_quantity_error err = HPAC_QTY_ERR_OVERFLOW;
    const uint64_t mult = (uint64_t)1 << sfx->binexp;
    const size_t n = run->int_len + run->frac_len;
    collector c = {0};
    c.next = (int64_t)sfx->exp10 - (int64_t)run->frac_len;

    /* Schoolbook multiplication by 2^binexp, lowest digit first. The carry
     * stays below 2^60, so digit * mult + carry stays below 2^64. */
    uint64_t carry = 0;
    for (size_t k = n; k-- > 0 && !c.overflow;) {
        uint64_t t = digit_at(run, k) * mult + carry;
        carry = t / 10;
        collector_push(&c, (unsigned)(t % 10));
    }
    while (carry != 0 && !c.overflow) {
        collector_push(&c, (unsigned)(carry % 10));
        carry /= 10;
    }
    collector_finish(&c);
    if (c.overflow)
        goto out;

    hpac_quantity q = {0, 0, sfx->format};
    if (c.mant != 0) {
        if (c.low > INT32_MAX)
            goto out;
        bool binary = sfx->format == HPAC_QTY_BINARY_SI;
        /* A decimal mantissa may reach INT64_MIN; binary values are capped
         * upstream at 2^63-1 in magnitude, for both signs. */
        uint64_t limit = (negative && !binary) ? MAG_INT64_MIN : (uint64_t)INT64_MAX;
        if (c.mant > limit)
            goto out;
        if (binary) {
            uint64_t value;
            if (c.low > 0 && (c.low > 19 || !mul_u64(c.mant, pow10_u64[c.low], &value) ||
                              value > (uint64_t)INT64_MAX))
                goto out;
            /* Upstream labels a binary value below one as DecimalSI. */
            if (c.low < 0 && c.mant < pow10_u64[-c.low])
                q.format = HPAC_QTY_DECIMAL_SI;
        }
        q.mantissa = signed_value(c.mant, negative);
        q.exp10 = (int32_t)c.low;
    }
    *out = q;
    err = HPAC_QTY_OK;
out:
    return err;
}

hpac_quantity_error hpac_quantity_parse(const char *text, hpac_quantity *out)
{
    hpac_quantity_error err = HPAC_QTY_ERR_FORMAT;
    if (text == NULL || out == NULL)
        goto out;

    const char *p = text;
    bool negative = false;
    if (*p == '+' || *p == '-') {
        negative = *p == '-';
        p++;
    }
    digit_run run = {.int_part = p, .frac_part = p};
    while (is_digit(*p))
        p++;
    run.int_len = (size_t)(p - run.int_part);
    if (*p == '.') {
        p++;
        run.frac_part = p;
        while (is_digit(*p))
            p++;
        run.frac_len = (size_t)(p - run.frac_part);
    }
    /* "1.", ".5" and "1.5" are numbers; ".", "" and a bare suffix are not. */
    if (run.int_len + run.frac_len == 0)
        goto out;

    suffix_info sfx;
    if (!parse_suffix(p, &sfx))
        goto out;
    err = exact_value(&run, &sfx, negative, out);
out:
    return err;
}

/* ---- milli-values -------------------------------------------------------- */

hpac_quantity_error hpac_quantity_milli(const hpac_quantity *q, int64_t *milli)
{
    hpac_quantity_error err = HPAC_QTY_ERR_FORMAT;
    if (q == NULL || milli == NULL)
        goto out;

    err = HPAC_QTY_ERR_OVERFLOW;
    bool negative = q->mantissa < 0;
    uint64_t mag = magnitude(q->mantissa);
    int64_t shift = (int64_t)q->exp10 + 3;
    uint64_t result;
    if (mag == 0) {
        result = 0;
    } else if (shift >= 0) {
        if (shift > 19 || !mul_u64(mag, pow10_u64[shift], &result))
            goto out;
    } else if (-shift > 19) {
        result = 1; /* below one milli: rounds away from zero */
    } else {
        uint64_t divisor = pow10_u64[-shift];
        result = mag / divisor + (mag % divisor != 0 ? 1 : 0);
    }
    if (result > (negative ? MAG_INT64_MIN : (uint64_t)INT64_MAX))
        goto out;
    *milli = signed_value(result, negative);
    err = HPAC_QTY_OK;
out:
    return err;
}

hpac_quantity_error hpac_quantity_parse_milli(const char *text, int64_t *milli)
{
    hpac_quantity q;
    hpac_quantity_error err = hpac_quantity_parse(text, &q);
    if (err == HPAC_QTY_OK)
        err = hpac_quantity_milli(&q, milli);
    return err;
}

/* ---- canonical text ------------------------------------------------------ */

/* snprintf-style output: counts everything, stores what fits. */
typedef struct text_out {
    char *buf;
    size_t size;
    size_t len;
} text_out;

static void put_char(text_out *t, char c)
{
    if (t->size > 0 && t->len < t->size - 1)
        t->buf[t->len] = c;
    t->len++;
}

static void put_str(text_out *t, const char *s)
{
    while (*s != '\0')
        put_char(t, *s++);
}

static void put_u64(text_out *t, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        put_char(t, digits[--n]);
}

static void put_i64(text_out *t, int64_t v)
{
    if (v < 0)
        put_char(t, '-');
    put_u64(t, magnitude(v));
}

static size_t text_finish(text_out *t)
{
    if (t->size > 0)
        t->buf[t->len < t->size ? t->len : t->size - 1] = '\0';
    return t->len;
}

/* mag * 10^exp as digits with the exponent lowered to a multiple of three,
 * then the suffix: upstream's canonical base-10 form. DecimalSI has no
 * suffix outside n..E and falls back to "e" notation there, as upstream. */
static void put_decimal(text_out *t, uint64_t mag, int64_t exp, hpac_quantity_fmt format)
{
    int64_t extra = ((exp % 3) + 3) % 3;
    int64_t exponent = exp - extra;
    put_u64(t, mag);
    for (int64_t i = 0; i < extra; i++)
        put_char(t, '0');
    if (format == HPAC_QTY_DECIMAL_SI && exponent >= -9 && exponent <= 18) {
        put_str(t, decimal_suffixes[(exponent + 9) / 3]);
    } else if (exponent != 0) {
        put_char(t, 'e');
        put_i64(t, exponent);
    }
}

size_t hpac_quantity_format(const hpac_quantity *q, char *buf, size_t size)
{
    text_out t = {buf, size, 0};
    if (q == NULL)
        goto out;

    uint64_t mag = magnitude(q->mantissa);
    int64_t exp = q->exp10;
    if (mag == 0) {
        put_char(&t, '0');
        goto out;
    }
    /* Accept a mantissa that is not normalised. */
    while (mag % 10 == 0) {
        mag /= 10;
        exp++;
    }
    if (q->mantissa < 0)
        put_char(&t, '-');

    hpac_quantity_fmt format = q->format;
    if (format != HPAC_QTY_DECIMAL_SI && format != HPAC_QTY_BINARY_SI &&
        format != HPAC_QTY_DECIMAL_EXPONENT)
        format = HPAC_QTY_DECIMAL_EXPONENT; /* upstream's default */

    if (format == HPAC_QTY_BINARY_SI) {
        uint64_t value;
        /* Normalised, exp < 0 means a fraction: upstream shows that, and
         * anything below 1024, as DecimalSI rather than round it. */
        if (exp < 0) {
            format = HPAC_QTY_DECIMAL_SI;
        } else if (exp > 19 || !mul_u64(mag, pow10_u64[exp], &value)) {
            /* Beyond 64 bits (never from parsing, which caps binary values):
             * the exact base-10 form, which is also upstream's form once no
             * binary suffix fits. */
            format = HPAC_QTY_DECIMAL_EXPONENT;
        } else if (value < 1024) {
            format = HPAC_QTY_DECIMAL_SI;
        } else {
            size_t power = 0;
            while (value % 1024 == 0) {
                value /= 1024;
                power++;
            }
            /* value < 2^64, so power <= 6. */
            put_u64(&t, value);
            put_str(&t, binary_suffixes[power]);
            goto out;
        }
    }
    put_decimal(&t, mag, exp, format);
out:
    return text_finish(&t);
}

size_t hpac_quantity_format_milli(int64_t milli, char *buf, size_t size)
{
    hpac_quantity q = {milli, -3, HPAC_QTY_DECIMAL_SI};
    return hpac_quantity_format(&q, buf, size);
}

const char *hpac_quantity_strerror(hpac_quantity_error err)
{
    switch (err) {
    case HPAC_QTY_OK:
        return "no error";
    case HPAC_QTY_ERR_FORMAT:
        return "not a quantity (expected a number with an optional suffix such as m, Ki or e3)";
    case HPAC_QTY_ERR_OVERFLOW:
        return "quantity out of range for 64-bit arithmetic";
    }
    return "unknown quantity error";
}
