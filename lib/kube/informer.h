/* A list + watch stream of one collection, as client-go's reflector runs
 * it: a paginated LIST (limit/continue), then a WATCH from the list's
 * resourceVersion with bookmarks; a watch that ends normally is resumed at
 * once from the last resourceVersion seen; 410 Gone (on the watch or on a
 * continue token) relists; other failures retry with capped exponential
 * backoff and jitter. A relist reports the objects that vanished while the
 * stream was down as removals, so the consumer's view converges.
 *
 * The informer keeps only the keys (namespace/name) of the objects it has
 * delivered, packed in one arena; the objects themselves are the
 * consumer's business.
 *
 * Runs on the client's libev loop. Handlers may call anything, including
 * other API calls, but must not free the informer. */
#ifndef HPAC_KUBE_INFORMER_H
#define HPAC_KUBE_INFORMER_H

#include "kube/client.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_informer hpac_informer;

typedef struct hpac_informer_handlers {
    /* An object was listed, added or modified. `object` is borrowed for the
     * call (json_incref to keep it). Required. */
    void (*upsert)(void *ctx, json_t *object);
    /* An object was deleted, or is gone from a relist. `ns` is "" for
     * cluster-scoped objects. Required. */
    void (*remove)(void *ctx, const char *ns, const char *name);
    /* A (re)list has been delivered in full, removals included. Optional. */
    void (*synced)(void *ctx);
    /* The stream broke (a watch ended, a list failed) and is being
     * re-established; `why` says what happened, for logs and metrics.
     * Optional. */
    void (*restarted)(void *ctx, const char *why);
} hpac_informer_handlers;

#define HPAC_INFORMER_DEFAULT_PAGE_SIZE 500
/* The watch's timeoutSeconds is drawn uniformly from [min, 2*min), as
 * client-go's reflector does, so that watches do not all end together. */
#define HPAC_INFORMER_DEFAULT_MIN_WATCH_TIMEOUT_S 300
#define HPAC_INFORMER_DEFAULT_BACKOFF_INITIAL_MS 800
#define HPAC_INFORMER_DEFAULT_BACKOFF_MAX_MS 30000
#define HPAC_INFORMER_DEFAULT_BACKOFF_FACTOR 2.0
#define HPAC_INFORMER_DEFAULT_BACKOFF_JITTER 1.0
/* The backoff starts over once the stream has been healthy this long. */
#define HPAC_INFORMER_DEFAULT_BACKOFF_RESET_MS 120000
/* Cap on one resourceVersion or continue token kept from the server. */
#define HPAC_INFORMER_TOKEN_MAX 4096

/* `collection_path` (copied) is the collection's path, e.g. "/api/v1/pods"
 * or "/apis/autoscaling/v2/horizontalpodautoscalers", and may carry a
 * query (fieldSelector, labelSelector: already escaped). `k` and `h` are
 * borrowed and must outlive the informer (`h` is copied). Nothing starts
 * before hpac_informer_start. NULL when out of memory or the arguments are
 * invalid. */
hpac_informer *hpac_informer_new(hpac_kube *k, const char *collection_path,
                                 const hpac_informer_handlers *h, void *ctx);

/* Starts the first list (retried with backoff if it cannot start now).
 * 0, or -1 when already started. */
int hpac_informer_start(hpac_informer *i);

/* Stops everything pending (no handler is called) and frees. Not from a
 * handler. NULL: no-op. */
void hpac_informer_free(hpac_informer *i);

/* True once a list has been delivered in full; stays true across relists
 * (the consumer's view is then stale, not wrong). */
bool hpac_informer_synced(const hpac_informer *i);

/* Settings; they apply to requests started afterwards. */
void hpac_informer_set_page_size(hpac_informer *i, unsigned limit);      /* 0: no paging */
void hpac_informer_set_min_watch_timeout(hpac_informer *i, unsigned seconds); /* >= 1 */
/* initial_ms > 0, max_ms >= initial_ms, factor >= 1, jitter >= 0: a delay
 * d becomes d + random[0, jitter) * d. */
void hpac_informer_set_backoff(hpac_informer *i, long initial_ms, long max_ms, double factor,
                               double jitter);
void hpac_informer_set_backoff_reset(hpac_informer *i, long healthy_ms);
/* Seeds the jitter's generator (tests). */
void hpac_informer_set_seed(hpac_informer *i, uint64_t seed);

typedef struct hpac_informer_stats {
    uint64_t lists;      /* list requests sent (pages included) */
    uint64_t relists;    /* lists started after the first */
    uint64_t watches;    /* watch requests started */
    uint64_t restarts;   /* times the stream broke (restarted handler calls) */
    uint64_t events;     /* watch events handled */
    size_t objects;      /* keys held */
    size_t key_bytes;    /* estimated heap bytes of the key set */
    long next_backoff_ms; /* the delay the next failure will wait (before jitter) */
} hpac_informer_stats;

void hpac_informer_get_stats(const hpac_informer *i, hpac_informer_stats *out);
/* The last resourceVersion seen (borrowed; NULL before the first list). */
const char *hpac_informer_resource_version(const hpac_informer *i);

#endif
