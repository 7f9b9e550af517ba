/* A string-keyed hash map of borrowed pointers, internal to lib/sim.
 * Chained buckets; the table doubles when it is three-quarters full, so
 * lookups stay O(1) with 100,000 pods. Not thread-safe: the simulator's
 * state lock covers it. */
#ifndef HPAC_SIM_SIM_MAP_H
#define HPAC_SIM_SIM_MAP_H

#include <stddef.h>

typedef struct hpac_sim_map hpac_sim_map;

/* NULL on allocation failure. */
hpac_sim_map *hpac_sim_map_new(void);
/* Frees the map and its key copies, not the values. */
void hpac_sim_map_free(hpac_sim_map *map);
/* Frees the map, calling free_value on every value first. */
void hpac_sim_map_free_with(hpac_sim_map *map, void (*free_value)(void *value));

/* The value stored under `key`, or NULL. */
void *hpac_sim_map_get(const hpac_sim_map *map, const char *key);
/* Stores `value` (borrowed, not NULL) under a copy of `key`, replacing any
 * previous value. Returns 0, or -1 on allocation failure (map unchanged). */
int hpac_sim_map_put(hpac_sim_map *map, const char *key, void *value);
/* Removes `key`; returns the value it held, or NULL. */
void *hpac_sim_map_remove(hpac_sim_map *map, const char *key);
size_t hpac_sim_map_count(const hpac_sim_map *map);

#endif
