/* A compact text form of an hpac_history, stored on the HPA object (the
 * annotation below) so that a restarted or newly elected controller sees
 * the same recommendations and scale events as the one before it.
 *
 * Form (version 1), JSON without spaces; times are offsets in ms from the
 * base "t" (the oldest entry), which keeps the numbers short:
 *   {"v":1,"t":<unix ms>,"r":[[replicas,off],...],
 *    "u":[[change,off,outdated],...],"d":[[change,off,outdated],...]}
 * "t", "r", "u" and "d" are left out when there is nothing to say; the
 * smallest form, {"v":1}, is a started history with no entries. */
#ifndef HPAC_HPA_HISTORY_CODEC_H
#define HPAC_HPA_HISTORY_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hpa/history.h"

#define HPAC_HISTORY_ANNOTATION "hpac.io/history"

/* Per list. With the default 15 s sync period the longest window (1 h)
 * holds 241 recommendations; the cap leaves room for short periods. */
#define HPAC_HISTORY_CODEC_MAX_ENTRIES 2048
/* The whole of an object's annotations may not exceed 256 KiB. */
#define HPAC_HISTORY_CODEC_MAX_TEXT (256 * 1024)
/* Entry times accepted by the decoder: 2000-01-01T00:00:00Z up to
 * 3000-01-01T00:00:00Z. Anything outside is a corrupt annotation. */
#define HPAC_HISTORY_CODEC_MIN_TIME_MS INT64_C(946684800000)
#define HPAC_HISTORY_CODEC_MAX_TIME_MS INT64_C(32503680000000)

/* How long entries can matter: the longest stabilization window the API
 * accepts (3600 s) covers the longest policy period (1800 s). A caller
 * running with --horizontal-pod-autoscaler-downscale-stabilization above
 * an hour passes that instead. */
#define HPAC_HISTORY_KEEP_MS (INT64_C(3600) * 1000)

/* Encodes a started history. Entries beyond HPAC_HISTORY_CODEC_MAX_ENTRIES
 * in a list are dropped, oldest first, so the result always decodes.
 * Returns a new string (caller frees), or NULL when `h` is not started
 * (there is nothing to persist) or memory ran out. */
char *hpac_history_encode(const hpac_history *h);

/* Decodes `len` bytes of `text` (no terminator needed). Strict: any
 * unknown key, wrong type, out-of-range value or count over the caps is an
 * error. Returns 0 and fills `*out` with a started history (caller frees
 * the contents with hpac_history_clear), or -1 with `*out` untouched and a
 * reason in `err` (may be NULL). */
int hpac_history_decode(const char *text, size_t len, hpac_history *out, char *err,
                        size_t errsize);

/* Drops entries older than now_ms - keep_ms (strictly older: an entry
 * exactly at the horizon stays, as the legacy window still counts it).
 * Order of the remaining entries is kept; `started` is untouched. Every
 * window and period up to keep_ms decides the same before and after. */
void hpac_history_prune(hpac_history *h, int64_t now_ms, int64_t keep_ms);

#endif
