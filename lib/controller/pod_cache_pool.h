/* Building blocks of the pod cache, not a public interface: an open-
 * addressing table of 32-bit ids, reference-counted interned strings, and
 * sorted posting lists of 32-bit ids. Single-threaded.
 *
 * Memory is what the pod cache is about, so every structure counts the
 * bytes it holds (heap chunks as glibc sizes them) in its `bytes` field. */
#ifndef HPAC_CONTROLLER_POD_CACHE_POOL_H
#define HPAC_CONTROLLER_POD_CACHE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The heap footprint of a malloc(size): glibc's 16-byte chunks with an
 * 8-byte header, 32 bytes at least. */
size_t hpac__heap_chunk(size_t size);

uint32_t hpac__hash_string(const char *s);
uint32_t hpac__hash_mix(uint32_t h, uint32_t v);

/* ------------------------------------------------------------ id table */

/* A set of ids (each below UINT32_MAX) found by a caller-computed hash;
 * linear probing, deletion by backward shift (no tombstones), load at most
 * 3/4. The table stores only ids: `hash_of` recomputes an entry's hash when
 * the table grows or shifts, `eq` compares an entry with a lookup key. */
typedef uint32_t (*hpac__hash_of_fn)(const void *ctx, uint32_t id);
typedef bool (*hpac__id_eq_fn)(const void *ctx, uint32_t id, const void *key);

typedef struct hpac__idtable {
    uint32_t *slots; /* id + 1; 0 is empty */
    size_t mask;     /* slot count - 1 (a power of two), or 0 before the first insert */
    size_t count;
} hpac__idtable;

/* The id equal to `key`, or UINT32_MAX. */
uint32_t hpac__idtable_find(const hpac__idtable *t, uint32_t hash, hpac__id_eq_fn eq,
                            const void *ctx, const void *key);
/* Adds an id that is not in the table. 0, or -1 when out of memory (the
 * table is unchanged). */
int hpac__idtable_insert(hpac__idtable *t, uint32_t hash, uint32_t id, hpac__hash_of_fn hash_of,
                         const void *ctx);
/* Removes `id` (whose hash is `hash`); absent: no-op. */
void hpac__idtable_remove(hpac__idtable *t, uint32_t hash, uint32_t id, hpac__hash_of_fn hash_of,
                          const void *ctx);
size_t hpac__idtable_bytes(const hpac__idtable *t);
void hpac__idtable_clear(hpac__idtable *t);

/* ---------------------------------------------------- interned strings */

/* Strings with reference counts, named by ids; id 0 is never used, so it
 * can stand for "none". */
typedef struct hpac__strpool {
    struct hpac__pooled **items; /* by id; NULL when free */
    uint32_t count;              /* ids handed out so far, including 0 */
    uint32_t cap;
    uint32_t free_head; /* a free id, 0: none; chained through `free_next` */
    uint32_t *free_next;
    hpac__idtable table;
    size_t live;  /* strings held */
    size_t bytes; /* their chunks and the id arrays, not the table */
} hpac__strpool;

/* The id of `s` with one more reference (created when new); 0 when out of
 * memory. */
uint32_t hpac__strpool_intern(hpac__strpool *p, const char *s);
/* The id of `s` when pooled, without a reference; 0 when not pooled. */
uint32_t hpac__strpool_find(const hpac__strpool *p, const char *s);
void hpac__strpool_ref(hpac__strpool *p, uint32_t id);
/* Drops one reference; the last frees the string. 0: no-op. */
void hpac__strpool_unref(hpac__strpool *p, uint32_t id);
/* Borrowed; valid while referenced. */
const char *hpac__strpool_get(const hpac__strpool *p, uint32_t id);
size_t hpac__strpool_bytes(const hpac__strpool *p);
void hpac__strpool_clear(hpac__strpool *p);

/* -------------------------------------------------------- posting lists */

/* A sorted set of ids. One id lives inline (no array); beyond that an
 * array that doubles as it grows and halves when a quarter full. */
typedef struct hpac__postings {
    union {
        uint32_t one;   /* cap == 0 */
        uint32_t *many; /* cap > 0 */
    } u;
    uint32_t count;
    uint32_t cap;
} hpac__postings;

const uint32_t *hpac__postings_ids(const hpac__postings *l);
/* Adds `id` (not yet present): 0, or -1 when out of memory (unchanged). */
int hpac__postings_add(hpac__postings *l, uint32_t id);
/* Makes sure one more id can be added without allocating: 0 or -1. */
int hpac__postings_reserve(hpac__postings *l);
/* Removes `id` when present. Never fails (a shrink that cannot allocate
 * keeps the larger array). */
void hpac__postings_remove(hpac__postings *l, uint32_t id);
size_t hpac__postings_bytes(const hpac__postings *l);
void hpac__postings_clear(hpac__postings *l);

#endif
