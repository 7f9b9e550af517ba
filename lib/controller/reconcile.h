/* One asynchronous reconciliation of one HPA: read the target's scale,
 * the pods and every metric, let the pure decision (hpa/sync.h) decide,
 * then write the scale, the status and the events. */
#ifndef HPAC_CONTROLLER_RECONCILE_H
#define HPAC_CONTROLLER_RECONCILE_H

#include "controller/event_recorder.h"
#include "controller/options.h"
#include "hpa/history.h"
#include "hpa/labels.h"
#include "hpa/pod.h"
#include "hpa/snapshot.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "metrics/metrics_batch.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct hpac_reconcile hpac_reconcile;

/* Where the pods come from when not from the API: a cache. Fills a new
 * array of copies (caller frees with hpac_pods_free) and, when other HPAs
 * select some of the same pods (upstream's AmbiguousSelector), their names
 * in *ambiguous_with (caller frees; NULL when none). 0 or -1. */
typedef int (*hpac_pod_source_fn)(void *ctx, const char *ns, const char *name,
                                  const hpac_selector *selector, hpac_pod **pods, size_t *count,
                                  char **ambiguous_with);

/* Shared by all reconciles; everything borrowed. */
typedef struct hpac_reconcile_env {
    hpac_kube *kube;
    hpac_discovery *discovery;
    const hpac_options *options;
    const char *instance;          /* this replica's name, for events */
    hpac_event_recorder *events;   /* where events go */
    /* NULL: list pods from the API (and never ambiguous). */
    hpac_pod_source_fn pod_source;
    void *pod_source_ctx;
    /* Asked right before every write (scale, status, events): false stops
     * the reconcile without writing, e.g. when leadership was lost. NULL:
     * always allowed. */
    bool (*may_write)(void *ctx, const char *ns, const char *name);
    void *may_write_ctx;
} hpac_reconcile_env;

/* One metric's computation, as upstream's metric_computation metrics
 * count it. */
typedef struct hpac_reconcile_metric {
    const char *type;  /* "Resource", "Pods", ... (the spec's type name) */
    int direction;     /* +1 proposes more replicas than the status shows, -1 fewer */
    bool failed;
    bool spec_error;
    double seconds;    /* from its first request to its decision */
} hpac_reconcile_metric;

typedef struct hpac_reconcile_report {
    bool failed;        /* the HPA reported an error (condition + event) */
    bool spec_error;    /* ...because its spec is invalid */
    bool aborted;       /* stopped before writing (may_write said no) */
    const char *error;  /* why, for the log */
    bool scaled;
    int32_t from;
    int32_t to;
    bool status_written;
    const hpac_reconcile_metric *metrics; /* metric_count entries, or NULL */
    size_t metric_count;
} hpac_reconcile_report;

typedef void (*hpac_reconcile_done_fn)(void *ctx, const hpac_reconcile_report *report);

/* Starts a reconcile of one version of an HPA, decoded (a reference is
 * taken: a newer version may replace the caller's meanwhile); one that
 * could not be decoded is reported on the HPA (ScalingActive False
 * InvalidSpec, an event, a log line). `history` is borrowed and updated;
 * it must outlive the reconcile. `done` is called once, from the loop,
 * unless cancelled. NULL on immediate failure. */
hpac_reconcile *hpac_reconcile_start(const hpac_reconcile_env *env, hpac_hpa_snapshot *snapshot,
                                     hpac_history *history, hpac_reconcile_done_fn done,
                                     void *ctx);

/* Reads the reconcile's Resource metrics through `batch`, together with
 * the other reconciles started with it (metrics/metrics_batch.h). Call
 * right after hpac_reconcile_start; the reconcile leaves the batch once
 * its reads are queued or it ends. */
void hpac_reconcile_join_batch(hpac_reconcile *r, hpac_metrics_batch *batch);

/* Stops a reconcile; `done` is not called. Writes already sent are not
 * undone. */
void hpac_reconcile_cancel(hpac_reconcile *r);

/* "/apis/{group}/{version}/namespaces/{ns}/{resource}" for the HPA API in
 * use (and the "" namespace gives the cluster-wide path). Caller frees. */
char *hpac_hpa_collection_path(const char *hpa_api, const char *ns);

#endif
