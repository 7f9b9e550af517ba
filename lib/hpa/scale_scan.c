#include "hpa/scale_scan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct scan {
    hpac_scale *out;
    size_t depth;  /* maps and arrays open; the Scale itself is 1 */
    field section; /* at depth 2: the top-level object we are in */
    field next;
    unsigned seen; /* fields met: a duplicate gives up */
    bool no_memory;
} scan;

/* The text has no NUL (the parser gave up on those). */
static char *copy(scan *s, const unsigned char *text, size_t len)
{
    char *c = strndup((const char *)text, len);
    s->no_memory = s->no_memory || !c;
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

/* A value begins: the Scale itself, or a value inside it. */
static int on_value(void *ctx, hpac_scan_value kind, const unsigned char *text, size_t len)
{
    scan *s = ctx;
    field f = s->next;
    s->next = FIELD_OTHER;
    bool container = kind == HPAC_SCAN_MAP || kind == HPAC_SCAN_ARRAY;
    if (s->depth == 0) { /* the document itself */
        if (kind != HPAC_SCAN_MAP)
            return 0;
        s->depth++;
        return 1;
    }
    switch (f) {
    case FIELD_OTHER:
        if (container) {
            if (s->depth == 1)
                s->section = FIELD_OTHER;
            s->depth++;
        }
        return 1;
    case FIELD_METADATA:
    case FIELD_SPEC:
    case FIELD_STATUS:
        if (kind != HPAC_SCAN_MAP)
            return 0;
        s->section = f;
        s->depth++;
        return 1;
    case FIELD_RESOURCE_VERSION:
        if (kind != HPAC_SCAN_STRING)
            return 0;
        s->out->resource_version = copy(s, text, len);
        return s->out->resource_version != NULL;
    case FIELD_SELECTOR:
        if (kind != HPAC_SCAN_STRING)
            return 0;
        s->out->selector = copy(s, text, len);
        return s->out->selector != NULL;
    case FIELD_SPEC_REPLICAS:
        return kind == HPAC_SCAN_NUMBER && replicas(text, len, &s->out->spec_replicas);
    case FIELD_STATUS_REPLICAS:
        return kind == HPAC_SCAN_NUMBER && replicas(text, len, &s->out->status_replicas);
    }
    return 0;
}

/* The field a key names at the current depth, FIELD_OTHER for the rest. */
static field field_of(const scan *s, const unsigned char *key, size_t len)
{
    if (s->depth == 1) {
        if (hpac_scan_is_key(key, len, "metadata"))
            return FIELD_METADATA;
        if (hpac_scan_is_key(key, len, "spec"))
            return FIELD_SPEC;
        if (hpac_scan_is_key(key, len, "status"))
            return FIELD_STATUS;
    } else if (s->depth == 2) {
        if (s->section == FIELD_METADATA && hpac_scan_is_key(key, len, "resourceVersion"))
            return FIELD_RESOURCE_VERSION;
        if (s->section == FIELD_SPEC && hpac_scan_is_key(key, len, "replicas"))
            return FIELD_SPEC_REPLICAS;
        if (s->section == FIELD_STATUS && hpac_scan_is_key(key, len, "replicas"))
            return FIELD_STATUS_REPLICAS;
        if (s->section == FIELD_STATUS && hpac_scan_is_key(key, len, "selector"))
            return FIELD_SELECTOR;
    }
    return FIELD_OTHER;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
    scan *s = ctx;
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

static const hpac_scan_handlers HANDLERS = {on_value, on_key, on_end};

hpac_scan_result hpac_scale_scan(const char *text, size_t len, hpac_scale *out)
{
    memset(out, 0, sizeof(*out));
    scan s = {.out = out};
    hpac_scan_result r = hpac_scan_parse(text, len, &HANDLERS, &s);
    if (r == HPAC_SCAN_OK && s.depth == 0)
        return HPAC_SCAN_OK;
    hpac_scale_clear(out);
    return s.no_memory || r == HPAC_SCAN_NO_MEMORY ? HPAC_SCAN_NO_MEMORY : HPAC_SCAN_UNUSUAL;
}
