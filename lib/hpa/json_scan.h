/* What the fast readers of API bodies (pod_metrics_scan.h, scale_scan.h)
 * share: an event parser (yajl) that gives up wherever the tree decoder
 * (jansson) would read the text differently or refuse it, so that a
 * reader built on it never accepts a body the tree would not. Pure. */
#ifndef HPAC_HPA_JSON_SCAN_H
#define HPAC_HPA_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef enum hpac_scan_result {
    HPAC_SCAN_OK = 0,
    HPAC_SCAN_UNUSUAL = 1, /* read it with the tree decoder */
    HPAC_SCAN_NO_MEMORY = -1,
} hpac_scan_result;

typedef enum hpac_scan_value {
    HPAC_SCAN_NULL,
    HPAC_SCAN_BOOLEAN,
    HPAC_SCAN_NUMBER,
    HPAC_SCAN_STRING,
    HPAC_SCAN_MAP,
    HPAC_SCAN_ARRAY,
} hpac_scan_value;

/* A reader's side of the parse. Each returns 1 to go on, 0 to give up. */
typedef struct hpac_scan_handlers {
    /* A value begins: the document itself, an array's element or a map's
     * value. A number's or a string's bytes in `text` (a string's
     * unescaped; neither NUL-terminated), else NULL. */
    int (*value)(void *ctx, hpac_scan_value kind, const unsigned char *text, size_t len);
    /* A map's key, unescaped, not NUL-terminated. */
    int (*key)(void *ctx, const unsigned char *key, size_t len);
    /* A map or an array ends. */
    int (*end)(void *ctx);
} hpac_scan_handlers;

/* Parses `len` bytes. HPAC_SCAN_UNUSUAL when a handler gave up, on a
 * syntax error or trailing text, and where the tree could differ: an
 * empty text, a \u escape (yajl turns a lone surrogate into '?' where the
 * tree fails; the API writes none in these bodies), a NUL in a string or
 * a key, a number beyond the tree parser's limits (64-bit integers,
 * doubles) or longer than any the API writes. HPAC_SCAN_NO_MEMORY when
 * the parser could not be made; a reader tracks its own allocations. */
hpac_scan_result hpac_scan_parse(const char *text, size_t len, const hpac_scan_handlers *h,
                                 void *ctx);

/* True when the `len` bytes of a map key are `name`. Inline: the readers
 * ask it for every key they meet, several times over. */
static inline bool hpac_scan_is_key(const unsigned char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

#endif
