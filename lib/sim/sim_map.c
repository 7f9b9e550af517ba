#include "sim/sim_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct map_node {
    struct map_node *next;
    uint64_t hash;
    void *value;
    char key[]; /* NUL-terminated copy */
} map_node;

struct hpac_sim_map {
    map_node **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

#define MAP_INITIAL_BUCKETS 64

/* FNV-1a: keys are short namespace/name strings chosen by the test or the
 * benchmark, not by an adversary. */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

hpac_sim_map *hpac_sim_map_new(void)
{
    hpac_sim_map *map = calloc(1, sizeof(*map));
    if (!map)
        return NULL;
    map->buckets = calloc(MAP_INITIAL_BUCKETS, sizeof(*map->buckets));
    if (!map->buckets) {
        free(map);
        return NULL;
    }
    map->nbuckets = MAP_INITIAL_BUCKETS;
    return map;
}

void hpac_sim_map_free_with(hpac_sim_map *map, void (*free_value)(void *value))
{
    if (!map)
        return;
    for (size_t i = 0; i < map->nbuckets; i++) {
        map_node *node = map->buckets[i];
        while (node) {
            map_node *next = node->next;
            if (free_value)
                free_value(node->value);
            free(node);
            node = next;
        }
    }
    free(map->buckets);
    free(map);
}

void hpac_sim_map_free(hpac_sim_map *map)
{
    hpac_sim_map_free_with(map, NULL);
}

static map_node **find_slot(const hpac_sim_map *map, const char *key, uint64_t hash)
{
    map_node **slot = &map->buckets[hash & (map->nbuckets - 1)];
    while (*slot && ((*slot)->hash != hash || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next;
    return slot;
}

void *hpac_sim_map_get(const hpac_sim_map *map, const char *key)
{
    map_node *node = *find_slot(map, key, hash_key(key));
    return node ? node->value : NULL;
}

/* Doubling keeps the average chain under one node. On allocation failure
 * the map stays as it was, only slower. */
static void grow(hpac_sim_map *map)
{
    size_t nbuckets = map->nbuckets * 2;
    map_node **buckets = calloc(nbuckets, sizeof(*buckets));
    if (!buckets)
        return;
    for (size_t i = 0; i < map->nbuckets; i++) {
        map_node *node = map->buckets[i];
        while (node) {
            map_node *next = node->next;
            size_t b = node->hash & (nbuckets - 1);
            node->next = buckets[b];
            buckets[b] = node;
            node = next;
        }
    }
    free(map->buckets);
    map->buckets = buckets;
    map->nbuckets = nbuckets;
}

int hpac_sim_map_put(hpac_sim_map *map, const char *key, void *value)
{
    uint64_t hash = hash_key(key);
    map_node **slot = find_slot(map, key, hash);
    if (*slot) {
        (*slot)->value = value;
        return 0;
    }
    size_t len = strlen(key);
    map_node *node = malloc(sizeof(*node) + len + 1);
    if (!node)
        return -1;
    memcpy(node->key, key, len + 1);
    node->hash = hash;
    node->value = value;
    node->next = NULL;
    *slot = node;
    map->count++;
    if (map->count * 4 > map->nbuckets * 3)
        grow(map);
    return 0;
}

void *hpac_sim_map_remove(hpac_sim_map *map, const char *key)
{
    map_node **slot = find_slot(map, key, hash_key(key));
    map_node *node = *slot;
    if (!node)
        return NULL;
    void *value = node->value;
    *slot = node->next;
    free(node);
    map->count--;
    return value;
}

size_t hpac_sim_map_count(const hpac_sim_map *map)
{
    return map->count;
}
