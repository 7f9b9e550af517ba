/* Resource metrics of reconciles started together, read together. Each
 * reconcile of a batch queues its Resource and ContainerResource reads;
 * once every member has queued what it needs (or a short wait has
 * passed), the reads are grouped by pod_query_share.h and each group is
 * one PodMetrics list request. Each member then gets the items its own
 * selector picks, exactly what its own request would have returned:
 *   - by the item's labels (metrics-server's PodMetrics carry the pod's);
 *   - for an item without labels, by its name among the member's pods.
 * When that cannot attribute every item, or the shared request fails or
 * does not decode, every member of the group sends its own request
 * instead, so a shared read never changes a result.
 *
 * Single-threaded, on the loop of the hpac_kube. */
#ifndef HPAC_METRICS_METRICS_BATCH_H
#define HPAC_METRICS_METRICS_BATCH_H

#include "hpa/hpa.h"
#include "hpa/pod.h"
#include "kube/client.h"
#include "metrics/metrics_client.h"

#include <stdbool.h>

typedef struct hpac_metrics_batch hpac_metrics_batch;
typedef struct hpac_metrics_batch_entry hpac_metrics_batch_entry;

/* Most reads in one shared request. */
#define HPAC_METRICS_BATCH_MAX_MEMBERS 64
/* Longest wait, from the first queued read, for the other members. */
#define HPAC_METRICS_BATCH_WAIT_MS 50

/* A new batch on `k`'s loop, held once by its creator: the creator joins
 * its members, then leaves. The batch frees itself once everyone has left
 * and every read is answered. */
hpac_metrics_batch *hpac_metrics_batch_new(hpac_kube *k);

/* A member joins before it can queue, and leaves once it will queue
 * nothing more (after its last fetch, or when it ends early). The reads
 * are sent when the last member leaves. */
void hpac_metrics_batch_join(hpac_metrics_batch *b);
void hpac_metrics_batch_leave(hpac_metrics_batch *b);

/* Whether a metric is read through a batch (Resource, ContainerResource). */
bool hpac_metrics_batch_accepts(const hpac_metric_spec *spec);

/* Queues a read of `spec` for the pods `selector` picks in `ns`; `pods`
 * are those pods (from the cache), `spec` and `pods` are borrowed until
 * `done` or the cancel. `done` is called once, from the loop, as
 * hpac_metrics_fetch calls it. NULL when out of memory. */
hpac_metrics_batch_entry *hpac_metrics_batch_fetch(hpac_metrics_batch *b, const char *ns,
                                                   const char *selector,
                                                   const hpac_metric_spec *spec,
                                                   const hpac_pod *pods, size_t pod_count,
                                                   hpac_metrics_done_fn done, void *ctx);

/* `done` is not called afterwards. */
void hpac_metrics_batch_cancel(hpac_metrics_batch_entry *e);

#endif
