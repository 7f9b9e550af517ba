#include "sim/case.h"

#include "util/timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_shape(const json_t *root, char *err, size_t errsize)
{
    if (!json_is_object(root)) {
        snprintf(err, errsize, "a case is a JSON object");
        return -1;
    }
    if (!json_is_string(json_object_get(root, "name"))) {
        snprintf(err, errsize, "missing string \"name\"");
        return -1;
    }
    const json_t *objects = json_object_get(root, "objects");
    if (!json_is_object(objects)) {
        snprintf(err, errsize, "missing object \"objects\"");
        return -1;
    }
    const json_t *hpa = json_object_get(objects, "hpa");
    const json_t *hpas = json_object_get(objects, "hpas");
    if (!json_is_object(hpa) && !json_is_array(hpas)) {
        snprintf(err, errsize, "missing object \"objects.hpa\" (or array \"objects.hpas\")");
        return -1;
    }
    if (!json_is_array(json_object_get(objects, "targets"))) {
        snprintf(err, errsize, "missing array \"objects.targets\"");
        return -1;
    }
    if (!json_is_object(json_object_get(root, "expect"))) {
        snprintf(err, errsize, "missing object \"expect\"");
        return -1;
    }
    const json_t *flags = json_object_get(root, "flags");
    if (flags) {
        size_t i;
        const json_t *flag;
        if (!json_is_array(flags)) {
            snprintf(err, errsize, "\"flags\" is not an array");
            return -1;
        }
        json_array_foreach(flags, i, flag) {
            if (!json_is_string(flag)) {
                snprintf(err, errsize, "flags[%zu] is not a string", i);
                return -1;
            }
        }
    }
    return 0;
}

json_t *hpac_case_load(const char *path, char *err, size_t errsize)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(err, errsize, "%s:%d: %s", path, jerr.line, jerr.text);
        return NULL;
    }
    char why[256];
    if (check_shape(root, why, sizeof(why)) != 0) {
        snprintf(err, errsize, "%s: %s", path, why);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Offsets are bounded so that now + offset cannot overflow int64 ms. */
#define PLACEHOLDER_MAX_AMOUNT 1000000000LL

/* "@now", then optionally a sign and one or more <integer><unit> groups
 * (units s, m, h): "@now-90s", "@now+5m", "@now-1h30m". Returns false for
 * anything else, which is then served verbatim. */
static bool parse_placeholder(const char *text, int64_t *offset_ms)
{
    if (strncmp(text, "@now", 4) != 0)
        return false;
    const char *p = text + 4;
    *offset_ms = 0;
    if (*p == '\0')
        return true;
    int sign = 1;
    if (*p == '-')
        sign = -1;
    else if (*p != '+')
        return false;
    p++;
    if (*p == '\0')
        return false;
    int64_t total = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return false;
        int64_t amount = 0;
        while (isdigit((unsigned char)*p)) {
            amount = amount * 10 + (*p - '0');
            if (amount > PLACEHOLDER_MAX_AMOUNT)
                return false;
            p++;
        }
        int64_t unit;
        switch (*p) {
        case 's':
            unit = 1000;
            break;
        case 'm':
            unit = 60 * 1000;
            break;
        case 'h':
            unit = 3600 * 1000;
            break;
        default:
            return false;
        }
        p++;
        total += amount * unit;
    }
    *offset_ms = sign * total;
    return true;
}

static json_t *resolve_string(const json_t *value, int64_t now_ms)
{
    int64_t offset;
    const char *text = json_string_value(value);
    if (text[0] != '@' || !parse_placeholder(text, &offset))
        return json_stringn(text, json_string_length(value));
    char buf[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(now_ms + offset, buf, sizeof(buf));
    return json_string(buf);
}

/* Recursion depth is that of the value; values come from case files and
 * from request bodies that the server caps in size and parses with
 * jansson, whose own depth limit bounds this one. */
json_t *hpac_case_resolve_times(const json_t *value, int64_t now_ms)
{
    json_t *copy = NULL;
    if (!value)
        return NULL;
    switch (json_typeof(value)) {
    case JSON_STRING:
        return resolve_string(value, now_ms);
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        copy = json_object();
        if (!copy)
            return NULL;
        /* json_object_foreach wants a non-const object; it only reads. */
        json_object_foreach((json_t *)value, key, member) {
            json_t *resolved = hpac_case_resolve_times(member, now_ms);
            if (!resolved || json_object_set_new(copy, key, resolved) != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *member;
        copy = json_array();
        if (!copy)
            return NULL;
        json_array_foreach(value, i, member) {
            json_t *resolved = hpac_case_resolve_times(member, now_ms);
            if (!resolved || json_array_append_new(copy, resolved) != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    }
    default:
        /* Numbers, booleans and null: a fresh copy so that the result
         * shares nothing with `value`. */
        return json_copy((json_t *)value);
    }
}

const char **hpac_case_flags(const json_t *the_case, size_t *count)
{
    const json_t *flags = json_object_get(the_case, "flags");
    size_t n = json_is_array(flags) ? json_array_size(flags) : 0;
    const char **argv = calloc(n + 1, sizeof(*argv));
    *count = 0;
    if (!argv)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *flag = json_string_value(json_array_get(flags, i));
        if (!flag) {
            free(argv);
            return NULL;
        }
        argv[i] = flag;
    }
    *count = n;
    return argv;
}
