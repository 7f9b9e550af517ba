/* The controller's compact pod cache, fed by the pod informer, read instead
 * of listing pods for each HPA.
 *
 * A pod keeps only what the replica arithmetic needs (namespace, name,
 * labels, phase, deletion mark, start time, the Ready condition, per-
 * container and pod-level requests) in one packed record; strings that
 * pods share (namespaces, label keys and values, container and resource
 * names) are interned once. Pods are indexed by namespace and by
 * (namespace, label key, label value), so a selector is answered from the
 * smallest posting list among its = / == / in requirements, and a selector
 * without such a requirement scans its namespace only.
 *
 * Single-threaded (the controller's loop); no I/O. */
#ifndef HPAC_CONTROLLER_POD_CACHE_H
#define HPAC_CONTROLLER_POD_CACHE_H

#include "hpa/labels.h"
#include "hpa/pod.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_pod_cache hpac_pod_cache;

/* NULL when out of memory. */
hpac_pod_cache *hpac_pod_cache_new(void);
/* Frees everything. NULL: no-op. */
void hpac_pod_cache_free(hpac_pod_cache *c);

/* Adds or replaces the pod (an API Pod object, borrowed) under its
 * metadata.namespace ("" when absent) and metadata.name. A replaced pod
 * keeps its id and its claims. Returns 0, or -1 with err (the decoder's
 * message naming the field, or "out of memory"); the cache is then
 * unchanged, including a previous version of the pod. */
int hpac_pod_cache_upsert(hpac_pod_cache *c, const json_t *pod, char *err, size_t errsize);

/* Forgets the pod; unknown: no-op. Its id may be reused by a later pod. */
void hpac_pod_cache_remove(hpac_pod_cache *c, const char *ns, const char *name);

size_t hpac_pod_cache_count(const hpac_pod_cache *c);

/* The pods of namespace `ns` that `sel` (borrowed) selects, as copies the
 * caller frees with hpac_pods_free, ordered by name. `ns` NULL means every
 * namespace (a full scan; ordered by namespace, then name). Nothing
 * selected gives *pods NULL and *count 0. 0, or -1 when out of memory. */
int hpac_pod_cache_select(hpac_pod_cache *c, const char *ns, const hpac_selector *sel,
                          hpac_pod **pods, size_t *count);

/* The same, with the cache's id of each pod (parallel to *pods, caller
 * frees). `pods` NULL skips the copies: only ids. An id names the pod while
 * it stays in the cache; use it before the cache changes (in the same loop
 * callback). */
int hpac_pod_cache_select_ids(hpac_pod_cache *c, const char *ns, const hpac_selector *sel,
                              hpac_pod **pods, uint32_t **ids, size_t *count);

/* AmbiguousSelector detection in O(pods of one HPA): each pod remembers the
 * last two HPAs that claimed it and in which epoch. The controller numbers
 * its HPAs (non-zero ids of its own), advances `epoch` once per sync period
 * and has every HPA claim the ids of the pods it selected once per period.
 * A claim is live in its own epoch and the next; a claimant that stopped
 * claiming (deleted HPA, changed selector) is forgotten after that.
 *
 * Claims `ids` for `hpa`. Returns how many of these pods another live HPA
 * also claims; when non-zero, *other (may be NULL) is one of those HPAs.
 * Each of two HPAs selecting the same pods sees the other from its second
 * period at the latest (at once, when the other claimed earlier in the
 * same period). Unknown ids are skipped. */
size_t hpac_pod_cache_claim(hpac_pod_cache *c, const uint32_t *ids, size_t n, uint32_t hpa,
                            uint32_t epoch, uint32_t *other);

/* Statistics, for tests and the benchmark. */
typedef struct hpac_pod_cache_stats {
    size_t pods;
    size_t strings;    /* interned strings held */
    size_t terms;      /* posting lists: one per namespace and per label pair in it */
    size_t shapes;     /* distinct container and request sets */
    size_t bytes;      /* estimated heap bytes of the whole cache */
    uint64_t visited;  /* pods examined by selects since the cache was made */
} hpac_pod_cache_stats;

void hpac_pod_cache_get_stats(const hpac_pod_cache *c, hpac_pod_cache_stats *out);
/* Estimated heap bytes of the whole cache (hpac_pod_cache_stats.bytes). */
size_t hpac_pod_cache_memory(const hpac_pod_cache *c);

#endif
