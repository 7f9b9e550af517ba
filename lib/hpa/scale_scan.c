#include "hpa/scale_scan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* Nine digits always fit an int32 and are never negative. */
#define REPLICAS_DIGITS_MAX 9

/* What the value after the last key is. */
typedef enum field {
    FIELD_OTHER, /* skipped */
    FIELD_METADATA,
    FIELD_SPEC,
    FIELD_STATUS,
    FIELD_RESOURCE_VERSION,
    FIELD_SPEC_REPLICAS,
    FIELD_STATUS_REPLICAS,
    FIELD_SELECTOR,
} field;

typedef enum value_kind { V_SCALAR, V_NUMBER, V_STRING, V_MAP, V_ARRAY } value_kind;

typedef struct scan {
    hpac_scale *out;
    size_t depth;  /* maps and arrays open; the Scale itself is 1 */
    field section; /* at depth 2: the top-level object we are in */
    field next;
    unsigned seen; /* fields met: a duplicate gives up */
    bool no_memory;
} scan;

static char *copy(scan *s, const unsigned char *text, size_t len)
{
    char *c = malloc(len + 1);
    if (!c) {
        s->no_memory = true;
        return NULL;
    }
    memcpy(c, text, len);
    c[len] = '\0';
    return c;
}

static bool replicas(const unsigned char *text, size_t len, int32_t *out)
{
    if (len == 0 || len > REPLICAS_DIGITS_MAX)
        return false;
    int32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
}

/* A value begins: in an array, or after a map's key. 1 to go on. */
static int begin_value(scan *s, value_kind kind, const unsigned char *text, size_t len)
{
    field f = s->next;
    s->next = FIELD_OTHER;
    if (s->depth == 0) { /* the document itself */
        if (kind != V_MAP)
            return 0;
        s->depth++;
        return 1;
    }
    switch (f) {
    case FIELD_OTHER:
        if (kind == V_MAP || kind == V_ARRAY) {
            if (s->depth == 1)
                s->section = FIELD_OTHER;
            s->depth++;
        }
        return 1;
    case FIELD_METADATA:
    case FIELD_SPEC:
    case FIELD_STATUS:
        if (kind != V_MAP)
            return 0;
        s->section = f;
        s->depth++;
        return 1;
    case FIELD_RESOURCE_VERSION:
        if (kind != V_STRING)
            return 0;
        s->out->resource_version = copy(s, text, len);
        return s->out->resource_version != NULL;
    case FIELD_SELECTOR:
        if (kind != V_STRING)
            return 0;
        s->out->selector = copy(s, text, len);
        return s->out->selector != NULL;
    case FIELD_SPEC_REPLICAS:
        return kind == V_NUMBER && replicas(text, len, &s->out->spec_replicas);
    case FIELD_STATUS_REPLICAS:
        return kind == V_NUMBER && replicas(text, len, &s->out->status_replicas);
    }
    return 0;
}

/* ---- yajl's callbacks ----------------------------------------------------- */

static int on_null(void *ctx)
{
    /* A null where a field is read: the tree decoder's rules decide. */
    scan *s = ctx;
    return s->next == FIELD_OTHER && begin_value(s, V_SCALAR, NULL, 0);
}

static int on_boolean(void *ctx, int value)
{
    (void)value;
    return begin_value(ctx, V_SCALAR, NULL, 0);
}

static int on_number(void *ctx, const char *text, size_t len)
{
    if (!hpac_scan_number_fits(text, len))
        return 0;
    return begin_value(ctx, V_NUMBER, (const unsigned char *)text, len);
}

static int on_string(void *ctx, const unsigned char *text, size_t len)
{
    if (memchr(text, '\0', len))
        return 0;
    return begin_value(ctx, V_STRING, text, len);
}

static int on_start_map(void *ctx)
{
    return begin_value(ctx, V_MAP, NULL, 0);
}

static int on_start_array(void *ctx)
{
    return begin_value(ctx, V_ARRAY, NULL, 0);
}

static bool is_key(const unsigned char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* The field a key names at the current depth, FIELD_OTHER for the rest. */
static field field_of(const scan *s, const unsigned char *key, size_t len)
{
    if (s->depth == 1) {
        if (is_key(key, len, "metadata"))
            return FIELD_METADATA;
        if (is_key(key, len, "spec"))
            return FIELD_SPEC;
        if (is_key(key, len, "status"))
            return FIELD_STATUS;
    } else if (s->depth == 2) {
        if (s->section == FIELD_METADATA && is_key(key, len, "resourceVersion"))
            return FIELD_RESOURCE_VERSION;
        if (s->section == FIELD_SPEC && is_key(key, len, "replicas"))
            return FIELD_SPEC_REPLICAS;
        if (s->section == FIELD_STATUS && is_key(key, len, "replicas"))
            return FIELD_STATUS_REPLICAS;
        if (s->section == FIELD_STATUS && is_key(key, len, "selector"))
            return FIELD_SELECTOR;
    }
    return FIELD_OTHER;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
    scan *s = ctx;
    if (memchr(key, '\0', len))
        return 0;
    s->next = field_of(s, key, len);
    if (s->next == FIELD_OTHER)
        return 1;
    /* A duplicate: the tree keeps the last one. */
    unsigned bit = 1u << s->next;
    if (s->seen & bit)
        return 0;
    s->seen |= bit;
    return 1;
}

static int on_end(void *ctx)
{
    scan *s = ctx;
    s->depth--;
    if (s->depth == 1)
        s->section = FIELD_OTHER;
    return 1;
}

static const yajl_callbacks CALLBACKS = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

hpac_scan_result hpac_scale_scan(const char *text, size_t len, hpac_scale *out)
{
    memset(out, 0, sizeof(*out));
    if (len == 0 || hpac_scan_has_unicode_escape(text, len))
        return HPAC_SCAN_UNUSUAL;
    scan s = {.out = out};
    yajl_handle h = yajl_alloc(&CALLBACKS, NULL, &s);
    if (!h)
        return HPAC_SCAN_NO_MEMORY;
    bool ok = yajl_parse(h, (const unsigned char *)text, len) == yajl_status_ok &&
              yajl_complete_parse(h) == yajl_status_ok && s.depth == 0;
    yajl_free(h);
    if (ok)
        return HPAC_SCAN_OK;
    hpac_scale_clear(out);
    return s.no_memory ? HPAC_SCAN_NO_MEMORY : HPAC_SCAN_UNUSUAL;
}
