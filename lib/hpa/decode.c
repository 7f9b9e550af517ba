#include "hpa/decode.h"

#include "util/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of an offending value a message quotes. */
#define QUOTE_MAX 64

/* Appends `len` bytes of `s` at out[*used], keeping room for the NUL
 * (snprintf's truncation). */
static void path_append(char *out, size_t size, size_t *used, const char *s, size_t len)
{
    size_t room = size - 1 - *used;
    size_t n = len < room ? len : room;
    memmove(out + *used, s, n);
    *used += n;
}

/* These run for every field of every decoded object, so they avoid
 * snprintf: the decoders spend more on paths than on values otherwise. */
void hpac_path_child(char *out, size_t size, const char *parent, const char *key)
{
    size_t used = 0;
    if (size == 0)
        return;
    if (parent && parent[0] != '\0') {
        path_append(out, size, &used, parent, strlen(parent));
        path_append(out, size, &used, ".", 1);
    }
    path_append(out, size, &used, key, strlen(key));
    out[used] = '\0';
}

void hpac_path_index(char *out, size_t size, const char *parent, size_t index)
{
    char digits[24];
    size_t n = sizeof(digits);
    size_t used = 0;
    if (size == 0)
        return;
    digits[--n] = ']';
    do {
        digits[--n] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    digits[--n] = '[';
    if (parent)
        path_append(out, size, &used, parent, strlen(parent));
    path_append(out, size, &used, digits + n, sizeof(digits) - n);
    out[used] = '\0';
}

void hpac_decode_error(char *err, size_t errsize, const char *path, const char *fmt, ...)
{
    if (!err || errsize == 0)
        return;
    size_t used = 0;
    if (path && path[0] != '\0') {
        int n = snprintf(err, errsize, "%s: ", path);
        if (n < 0)
            return;
        used = (size_t)n < errsize ? (size_t)n : errsize - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, errsize - used, fmt, ap);
    va_end(ap);
}

/* The field, or NULL when absent or null. */
static const json_t *field(const json_t *parent, const char *key)
{
    const json_t *v = json_object_get(parent, key);
    return json_is_null(v) ? NULL : v;
}

static int missing(const char *path, const char *key, bool required, char *err, size_t errsize)
{
    if (!required)
        return 0;
    char p[HPAC_PATH_MAX];
    hpac_path_child(p, sizeof(p), path, key);
    hpac_decode_error(err, errsize, p, "required");
    return -1;
}

static int wrong_type(const char *path, const char *key, const char *what, char *err,
                      size_t errsize)
{
    char p[HPAC_PATH_MAX];
    hpac_path_child(p, sizeof(p), path, key);
    hpac_decode_error(err, errsize, p, "expected %s", what);
    return -1;
}

int hpac_decode_object(const json_t *parent, const char *key, const char *path, bool required,
                       const json_t **out, char *err, size_t errsize)
{
    const json_t *v = field(parent, key);
    if (!v) {
        if (missing(path, key, required, err, errsize) != 0)
            return -1;
        *out = NULL;
        return 0;
    }
    if (!json_is_object(v))
        return wrong_type(path, key, "an object", err, errsize);
    *out = v;
    return 0;
}

int hpac_decode_array(const json_t *parent, const char *key, const char *path, bool required,
                      const json_t **out, char *err, size_t errsize)
{
    const json_t *v = field(parent, key);
    if (!v) {
        if (missing(path, key, required, err, errsize) != 0)
            return -1;
        *out = NULL;
        return 0;
    }
    if (!json_is_array(v))
        return wrong_type(path, key, "an array", err, errsize);
    *out = v;
    return 0;
}

int hpac_decode_string_ref(const json_t *parent, const char *key, const char *path, bool required,
                           const char **out, char *err, size_t errsize)
{
    const json_t *v = field(parent, key);
    if (v && !json_is_string(v))
        return wrong_type(path, key, "a string", err, errsize);
    if (!v || (required && json_string_length(v) == 0)) {
        if (missing(path, key, required, err, errsize) != 0)
            return -1;
        *out = v ? json_string_value(v) : NULL;
        return 0;
    }
    *out = json_string_value(v);
    return 0;
}

int hpac_decode_string(const json_t *parent, const char *key, const char *path, bool required,
                       char **out, char *err, size_t errsize)
{
    const char *s = NULL;
    if (hpac_decode_string_ref(parent, key, path, required, &s, err, errsize) != 0)
        return -1;
    char *copy = NULL;
    if (hpac_strdup_opt(s, &copy) != 0) {
        hpac_decode_error(err, errsize, path, "out of memory");
        return -1;
    }
    *out = copy;
    return 0;
}

int hpac_decode_int(const json_t *parent, const char *key, const char *path, bool required,
                    int64_t min, int64_t max, bool *present, int64_t *out, char *err,
                    size_t errsize)
{
    const json_t *v = field(parent, key);
    if (!v) {
        if (missing(path, key, required, err, errsize) != 0)
            return -1;
        if (present)
            *present = false;
        return 0;
    }
    /* Like the API server's decoder: 3.0 is not an integer. */
    if (!json_is_integer(v))
        return wrong_type(path, key, "an integer", err, errsize);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max) {
        char p[HPAC_PATH_MAX];
        hpac_path_child(p, sizeof(p), path, key);
        hpac_decode_error(err, errsize, p, "%lld is out of range", (long long)i);
        return -1;
    }
    if (present)
        *present = true;
    *out = (int64_t)i;
    return 0;
}

int hpac_decode_time(const json_t *parent, const char *key, const char *path, bool required,
                     int64_t *ms, char *err, size_t errsize)
{
    const char *s = NULL;
    if (hpac_decode_string_ref(parent, key, path, required, &s, err, errsize) != 0)
        return -1;
    if (!s)
        return 0;
    int64_t t = 0;
    if (hpac_time_parse_rfc3339(s, &t) != 0) {
        char p[HPAC_PATH_MAX];
        hpac_path_child(p, sizeof(p), path, key);
        hpac_decode_error(err, errsize, p, "expected an RFC 3339 time, got \"%.*s\"", QUOTE_MAX,
                          s);
        return -1;
    }
    *ms = t;
    return 0;
}

/* Shortest "%.*g" text that reads back as the same double. */
static void format_real(double d, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

int hpac_decode_quantity(const json_t *value, const char *path, hpac_quantity *out, char *err,
                         size_t errsize)
{
    char number[64];
    const char *text = NULL;
    if (json_is_string(value)) {
        text = json_string_value(value);
        if (strlen(text) != json_string_length(value)) {
            hpac_decode_error(err, errsize, path, "invalid quantity: embedded NUL");
            return -1;
        }
    } else if (json_is_integer(value)) {
        snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(value));
        text = number;
    } else if (json_is_real(value)) {
        format_real(json_real_value(value), number, sizeof(number));
        text = number;
    } else {
        hpac_decode_error(err, errsize, path, "expected a quantity");
        return -1;
    }
    hpac_quantity q;
    hpac_quantity_error qe = hpac_quantity_parse(text, &q);
    if (qe != HPAC_QTY_OK) {
        hpac_decode_error(err, errsize, path, "invalid quantity \"%.*s\": %s", QUOTE_MAX, text,
                          hpac_quantity_strerror(qe));
        return -1;
    }
    *out = q;
    return 0;
}

int hpac_decode_quantity_milli(const json_t *value, const char *path, int64_t *milli, char *err,
                               size_t errsize)
{
    hpac_quantity q;
    if (hpac_decode_quantity(value, path, &q, err, errsize) != 0)
        return -1;
    int64_t m = 0;
    hpac_quantity_error qe = hpac_quantity_milli(&q, &m);
    if (qe != HPAC_QTY_OK) {
        hpac_decode_error(err, errsize, path, "quantity: %s", hpac_quantity_strerror(qe));
        return -1;
    }
    *milli = m;
    return 0;
}

int hpac_strdup_opt(const char *src, char **out)
{
    if (!src) {
        *out = NULL;
        return 0;
    }
    char *copy = strdup(src);
    if (!copy)
        return -1;
    *out = copy;
    return 0;
}

int hpac_check_path_segment(const char *value, const char *path, char *err, size_t errsize)
{
    if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
        hpac_decode_error(err, errsize, path, "may not be '%s'", value);
        return -1;
    }
    if (strchr(value, '/')) {
        hpac_decode_error(err, errsize, path, "may not contain '/'");
        return -1;
    }
    if (strchr(value, '%')) {
        hpac_decode_error(err, errsize, path, "may not contain '%%'");
        return -1;
    }
    return 0;
}
