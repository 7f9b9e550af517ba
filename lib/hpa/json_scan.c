#include "hpa/json_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* Longer numbers than this are not the API's: the tree decides. */
#define NUMBER_MAX 64

typedef struct adapter {
    const hpac_scan_handlers *h;
    void *ctx;
} adapter;

static bool has_unicode_escape(const char *text, size_t len)
{
    for (const char *p = text; (p = memchr(p, '\\', len - (size_t)(p - text))) != NULL; p++) {
        if ((size_t)(p - text) + 1 < len && p[1] == 'u')
            return true;
    }
    return false;
}

/* Whether the tree's parser takes this number: it refuses integers
 * beyond 64 bits and reals beyond a double. */
static bool number_fits(const char *text, size_t len)
{
    char buf[NUMBER_MAX];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    errno = 0;
    if (strpbrk(buf, ".eE")) {
        double d = strtod(buf, NULL);
        return !(errno == ERANGE && (d > 1.0 || d < -1.0));
    }
    (void)strtoll(buf, NULL, 10);
    return errno != ERANGE;
}

static int on_null(void *ctx)
{
    adapter *a = ctx;
    return a->h->value(a->ctx, HPAC_SCAN_NULL, NULL, 0);
}

static int on_boolean(void *ctx, int value)
{
    (void)value;
    adapter *a = ctx;
    return a->h->value(a->ctx, HPAC_SCAN_BOOLEAN, NULL, 0);
}

static int on_number(void *ctx, const char *text, size_t len)
{
    adapter *a = ctx;
    return number_fits(text, len) &&
           a->h->value(a->ctx, HPAC_SCAN_NUMBER, (const unsigned char *)text, len);
}

static int on_string(void *ctx, const unsigned char *text, size_t len)
{
    adapter *a = ctx;
    return !memchr(text, '\0', len) && a->h->value(a->ctx, HPAC_SCAN_STRING, text, len);
}

static int on_start_map(void *ctx)
{
    adapter *a = ctx;
    return a->h->value(a->ctx, HPAC_SCAN_MAP, NULL, 0);
}

static int on_start_array(void *ctx)
{
    adapter *a = ctx;
    return a->h->value(a->ctx, HPAC_SCAN_ARRAY, NULL, 0);
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
    adapter *a = ctx;
    return !memchr(key, '\0', len) && a->h->key(a->ctx, key, len);
}

static int on_end(void *ctx)
{
    adapter *a = ctx;
    return a->h->end(a->ctx);
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

hpac_scan_result hpac_scan_parse(const char *text, size_t len, const hpac_scan_handlers *h,
                                 void *ctx)
{
    if (len == 0 || has_unicode_escape(text, len))
        return HPAC_SCAN_UNUSUAL;
    adapter a = {h, ctx};
    yajl_handle y = yajl_alloc(&CALLBACKS, NULL, &a);
    if (!y)
        return HPAC_SCAN_NO_MEMORY;
    bool ok = yajl_parse(y, (const unsigned char *)text, len) == yajl_status_ok &&
              yajl_complete_parse(y) == yajl_status_ok;
    yajl_free(y);
    return ok ? HPAC_SCAN_OK : HPAC_SCAN_UNUSUAL;
}
