/* The informer's set of delivered keys ("namespace/name"), not a public
 * interface. Built for 100,000 keys in little memory: the strings sit one
 * after another in a single arena (a mark byte, the key, a NUL) and the
 * table holds 8-byte slots (arena offset and hash), so a key costs its
 * length plus about 13 bytes. Deleted keys leave garbage in the arena,
 * reclaimed by compaction when it exceeds half. */
#ifndef HPAC_KUBE_INFORMER_KEYS_H
#define HPAC_KUBE_INFORMER_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key kept ("namespace/name": 63 + 1 + 253 in the API, with room). */
#define HPAC__KEY_MAX 512

typedef struct hpac__keyset {
    char *arena;
    size_t used, cap, garbage;
    uint64_t *slots; /* (offset + 1) << 32 | hash; 0: empty */
    size_t mask;     /* slot count - 1, or 0 before the first put */
    size_t count;
} hpac__keyset;

/* Adds `key` (marked), or marks it when present. 0, or -1 when out of
 * memory or longer than HPAC__KEY_MAX (the set is unchanged). */
int hpac__keyset_put(hpac__keyset *s, const char *key);
/* true when it was present. */
bool hpac__keyset_remove(hpac__keyset *s, const char *key);
bool hpac__keyset_contains(const hpac__keyset *s, const char *key);
/* Clears every mark (a relist begins). */
void hpac__keyset_unmark_all(hpac__keyset *s);
/* Calls `fn` for every unmarked key (borrowed for the call), then drops
 * them all. `fn` must not touch the set. */
void hpac__keyset_sweep(hpac__keyset *s, void (*fn)(void *ctx, const char *key), void *ctx);
size_t hpac__keyset_bytes(const hpac__keyset *s);
void hpac__keyset_clear(hpac__keyset *s);

#endif
