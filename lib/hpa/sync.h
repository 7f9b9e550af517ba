/* One reconciliation of one HPA, as a pure function: given what the API
 * answered (scale, pods, metrics), the HPA's history and the time, decide
 * the replica count, the new status, and the events to record. The
 * controller does the I/O around it; tests and the simulator call it
 * directly. */
#ifndef HPAC_HPA_SYNC_H
#define HPAC_HPA_SYNC_H

#include "hpa/history.h"
#include "hpa/hpa.h"
#include "hpa/metric_data.h"
#include "hpa/pod.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The controller flags that enter the arithmetic. */
typedef struct hpac_sync_options {
    double tolerance;                     /* --horizontal-pod-autoscaler-tolerance */
    int64_t cpu_initialization_period_ms; /* --horizontal-pod-autoscaler-cpu-initialization-period */
    int64_t initial_readiness_delay_ms;   /* --horizontal-pod-autoscaler-initial-readiness-delay */
    int64_t downscale_stabilization_ms;   /* --horizontal-pod-autoscaler-downscale-stabilization */
} hpac_sync_options;

void hpac_sync_options_defaults(hpac_sync_options *opts);

/* What one metric's fetch produced. Exactly one of the data members is
 * used, by the metric's type; `error` is set instead when the fetch failed
 * (upstream wording, e.g. "unable to fetch metrics from resource metrics
 * API: ..."). All borrowed. */
typedef struct hpac_metric_fetch {
    const char *error;
    const hpac_pod_usage_list *usage;     /* Resource, ContainerResource */
    const hpac_pod_sample_list *samples;  /* Pods */
    const hpac_value_list *values;        /* Object, External */
} hpac_metric_fetch;

typedef struct hpac_sync_input {
    const hpac_hpa *hpa;
    const hpac_sync_options *options;
    int64_t now_ms;
    const char *scale_error; /* the target's scale could not be read */
    const hpac_scale *scale; /* when scale_error is NULL */
    const hpac_pod *pods;    /* the pods the scale's selector selects */
    size_t pod_count;
    const hpac_metric_fetch *metrics; /* hpa->metric_count entries */
    /* When other HPAs also select these pods: their names, for the
     * AmbiguousSelector message. NULL otherwise. */
    const char *ambiguous_with;
} hpac_sync_input;

typedef struct hpac_event {
    bool warning;
    char *reason;
    char *message;
} hpac_event;

/* What one metric proposed, for the per-metric computation metrics. */
typedef struct hpac_metric_outcome {
    bool ok;
    bool spec_error; /* the metric's spec cannot be used (e.g. unknown type) */
    int32_t replicas; /* the proposal when ok */
} hpac_metric_outcome;

typedef struct hpac_sync_decision {
    bool rescale;             /* write desired_replicas to the scale */
    int32_t current_replicas; /* the scale's spec.replicas */
    int32_t desired_replicas;
    char *rescale_reason;     /* for the SuccessfulRescale message */
    hpac_hpa_status status;   /* the status to write */
    hpac_event *events;
    size_t event_count;
    hpac_metric_outcome *metric_outcomes; /* one per spec metric, when computed */
    size_t metric_outcome_count;
    char *error; /* the reconcile's error for the log, NULL on success */
} hpac_sync_decision;

/* True when the decision needs metrics at all: false when the scale alone
 * decides (target at zero, or outside [min, max]). */
bool hpac_sync_needs_metrics(const hpac_hpa *hpa, const hpac_scale *scale);

/* Decides. Updates `history` (the recommendation) as upstream does. Returns
 * 0, or -1 only when out of memory. `out` is owned by the caller; clear it
 * with hpac_sync_decision_clear. */
int hpac_sync_decide(const hpac_sync_input *in, hpac_history *history, hpac_sync_decision *out);

/* After a successful scale write: AbleToScale SucceededRescale, the
 * SuccessfulRescale event, lastScaleTime, and the scale event in history. */
int hpac_sync_rescaled(hpac_sync_decision *d, const hpac_hpa *hpa, hpac_history *history,
                       int64_t now_ms);

/* After a failed scale write: AbleToScale False FailedUpdateScale, the
 * FailedRescale event, desired replicas back to current. */
int hpac_sync_rescale_failed(hpac_sync_decision *d, const hpac_hpa *hpa, const char *error,
                             int64_t now_ms);

void hpac_sync_decision_clear(hpac_sync_decision *d);

/* Sets a condition in a status, as upstream's setCondition: the
 * lastTransitionTime moves only when the condition's status changes. */
int hpac_status_set_condition(hpac_hpa_status *status, const char *type, const char *cond_status,
                              const char *reason, const char *message, int64_t now_ms);

#endif
