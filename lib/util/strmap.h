/* A hash map from strings to pointers (open addressing, linear probing).
 * The map copies keys; values are borrowed. Not thread-safe. */
#ifndef HPAC_UTIL_STRMAP_H
#define HPAC_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_strmap hpac_strmap;

hpac_strmap *hpac_strmap_new(void);
/* Frees the map and its keys, not the values. */
void hpac_strmap_free(hpac_strmap *m);
/* Frees the map, calling free_value on every value first. */
void hpac_strmap_free_with(hpac_strmap *m, void (*free_value)(void *value));

void *hpac_strmap_get(const hpac_strmap *m, const char *key);
/* Inserts or replaces. 0, or -1 when out of memory (map unchanged). */
int hpac_strmap_put(hpac_strmap *m, const char *key, void *value);
/* Removes; returns the value that was there, or NULL. */
void *hpac_strmap_remove(hpac_strmap *m, const char *key);
size_t hpac_strmap_count(const hpac_strmap *m);

/* Visits every entry; the visitor must not change the map. */
void hpac_strmap_foreach(const hpac_strmap *m, void (*fn)(void *ctx, const char *key, void *value),
                         void *ctx);

/* FNV-1a, also used for shard assignment. */
unsigned long long hpac_hash_string(const char *s);

#endif
