/* The simulated workload behind `hpac simulate`: pods that start, become
 * ready after a start-up delay, share the offered load equally while ready,
 * and report usage averaged over a window the way metrics-server does.
 * Time is virtual (absolute milliseconds, advanced by the caller); nothing
 * here reads a clock. Pure. */
#ifndef HPAC_WHATIF_MODEL_H
#define HPAC_WHATIF_MODEL_H

#include "hpa/metric_data.h"
#include "hpa/pod.h"
#include "whatif/trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One point where a rate changes: from `t_ms` on, each ready pod carries
 * rate[c] milli-units per ms of column c, and the whole workload total[c].
 * `cum`/`cum_total` are the integrals up to t_ms. */
typedef struct hpac_whatif_breakpoint {
    int64_t t_ms;
    size_t ready;
} hpac_whatif_breakpoint;

typedef struct hpac_whatif_pod_times {
    int64_t created_ms;
    int64_t ready_ms; /* serves load from here on */
} hpac_whatif_pod_times;

typedef struct hpac_whatif_model {
    const hpac_trace *trace; /* borrowed */
    const hpac_pod *pod_template; /* borrowed: containers and requests */
    int64_t zero_ms;   /* absolute time of the trace's second 0 */
    int64_t startup_ms;
    int64_t window_ms;
    int64_t now_ms;
    size_t row_hint;

    hpac_pod *pods; /* owned, in creation order */
    hpac_whatif_pod_times *times;
    size_t pod_count;
    size_t pod_cap;
    uint64_t next_id;

    /* Breakpoints [first, count) are live; older ones are dropped once
     * they fall out of the window. cum/rate hold 2 * columns values per
     * breakpoint: per ready pod, then the total. */
    hpac_whatif_breakpoint *bps;
    double *cum;
    double *rate;
    size_t bp_first;
    size_t bp_count;
    size_t bp_cap;
    /* Per column: each container's weight in a pod's share (its request
     * for the column's resource), template->container_count entries. */
    double *weights;
} hpac_whatif_model;

/* Starts at the trace's first line (absolute zero_ms + trace->t_ms[0])
 * with `replicas` pods that have been ready for a long time, under the
 * first line's load. `resources` names
 * the resource each column measures (NULL entries for non-resource
 * metrics), trace->columns entries. 0 or -1 (out of memory). */
int hpac_whatif_model_init(hpac_whatif_model *m, const hpac_trace *trace,
                           const hpac_pod *pod_template, const char *const *resources,
                           int64_t zero_ms, int64_t startup_ms, int64_t window_ms,
                           int32_t replicas);
void hpac_whatif_model_clear(hpac_whatif_model *m);

/* Moves the clock forward to `t_ms` (absolute, not before now). */
int hpac_whatif_model_advance(hpac_whatif_model *m, int64_t t_ms);

/* Sets the pod count now: new pods start now and are ready after the
 * start-up delay; a scale-down removes pods at once, the ones not ready
 * first, newest first (as a ReplicaSet picks them). */
int hpac_whatif_model_scale(hpac_whatif_model *m, int32_t replicas);

size_t hpac_whatif_model_ready(const hpac_whatif_model *m);

/* The offered load of a column now (milli-units). */
int64_t hpac_whatif_model_load(const hpac_whatif_model *m, size_t column);

/* What the metrics APIs would answer now. Each fills a new list the
 * caller clears with the matching hpac_*_clear().
 * - usage: PodMetrics of every pod, the column's load split over its
 *   containers by their requests, averaged over the window (a pod's time
 *   before it was ready counts as zero);
 * - samples: a custom per-pod metric from the ready pods, averaged over
 *   the part of the window they were ready;
 * - total: the column's load averaged over the window (Object/External). */
int hpac_whatif_model_usage(const hpac_whatif_model *m, size_t column, hpac_pod_usage_list *out);
int hpac_whatif_model_samples(const hpac_whatif_model *m, size_t column,
                              hpac_pod_sample_list *out);
int hpac_whatif_model_total(const hpac_whatif_model *m, size_t column, hpac_value_list *out);

#endif
