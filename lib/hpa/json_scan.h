/* What the fast readers of API bodies (pod_metrics_scan.h, scale_scan.h)
 * share: their result, and the rules that keep them from accepting a body
 * the tree decoder (jansson) would read differently or refuse. Pure. */
#ifndef HPAC_HPA_JSON_SCAN_H
#define HPAC_HPA_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum hpac_scan_result {
    HPAC_SCAN_OK = 0,
    HPAC_SCAN_UNUSUAL = 1, /* read it with the tree decoder */
    HPAC_SCAN_NO_MEMORY = -1,
} hpac_scan_result;

/* True when the text holds a \u escape. yajl turns a lone surrogate into
 * '?' where the tree decoder fails, so such bodies go to the tree (the
 * API servers write none in these bodies). */
bool hpac_scan_has_unicode_escape(const char *text, size_t len);

/* True when the tree decoder's parser takes this JSON number: it refuses
 * integers beyond 64 bits and reals beyond a double. Numbers longer than
 * any the API writes are refused here too. */
bool hpac_scan_number_fits(const char *text, size_t len);

#endif
