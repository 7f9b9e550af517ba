/* What the replicas of one workload share, interned as a whole for the pod
 * cache (not a public interface): the containers (regular and restartable
 * init containers), their requests and the pod-level requests. A hundred
 * replicas hold one copy and a 4-byte id each. Single-threaded. */
#ifndef HPAC_CONTROLLER_POD_CACHE_SHAPE_H
#define HPAC_CONTROLLER_POD_CACHE_SHAPE_H

#include "controller/pod_cache_pool.h"
#include "hpa/pod.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hpac__shapes {
    struct hpac__shape **items; /* by id; NULL when free; id 0 unused */
    uint32_t *free_next;        /* free ids, chained */
    uint32_t count, cap, free_head;
    hpac__idtable table;
    size_t live;
    size_t bytes; /* shapes and id arrays, not the table */
} hpac__shapes;

/* The shape of `pod` with one more reference (created when new; its names
 * interned in `strings`). 0 with err when out of memory or beyond the
 * caps. */
uint32_t hpac__shape_intern(hpac__shapes *s, hpac__strpool *strings, const hpac_pod *pod,
                            char *err, size_t errsize);
/* Drops one reference; the last frees the shape and its names. 0: no-op. */
void hpac__shape_unref(hpac__shapes *s, hpac__strpool *strings, uint32_t id);
/* Fills out->containers and out->pod_requests with copies. 0, or -1 when
 * out of memory (partly filled: hpac_pod_clear frees it). */
int hpac__shape_copy(const hpac__shapes *s, const hpac__strpool *strings, uint32_t id,
                     hpac_pod *out);
size_t hpac__shapes_bytes(const hpac__shapes *s);
/* Frees every shape without touching `strings` (the cache is going away). */
void hpac__shapes_clear(hpac__shapes *s);

#endif
