/* What-if: replay a load trace against an HPA on a virtual clock, with the
 * controller's own decision code (hpa/sync.h) and one history carried
 * across syncs, exactly as the controller carries it.
 *
 * The model: time advances in sync periods from the trace's first line to
 * its last. The trace's load (one column per metric) holds step-wise and
 * is shared equally by the ready pods; a pod added by a scale-up serves
 * nothing until its start-up delay has passed; a scale-down removes pods
 * at once. The HPA sees each pod's usage averaged over the metrics window
 * (metrics-server-like). Pure: no sockets, no files, no clock; the loader
 * (whatif/load.h) reads the files. */
#ifndef HPAC_WHATIF_WHATIF_H
#define HPAC_WHATIF_WHATIF_H

#include "hpa/hpa.h"
#include "hpa/pod.h"
#include "hpa/sync.h"
#include "whatif/trace.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Named caps on the model's durations. */
#define HPAC_WHATIF_MAX_DELAY_MS (3600LL * 1000)  /* --pod-startup, --metrics-window */
#define HPAC_WHATIF_MAX_SYNC_MS (3600LL * 1000)   /* --sync-period */
#define HPAC_WHATIF_MAX_REPLICAS 100000           /* pods simulated at once */
#define HPAC_WHATIF_MAX_SYNCS 2000000             /* about a year at 15s */

typedef struct hpac_whatif_config {
    int64_t sync_period_ms;    /* --sync-period, 15s */
    int64_t pod_startup_ms;    /* --pod-startup, 30s */
    int64_t metrics_window_ms; /* --metrics-window, 1m */
    int32_t replicas;          /* --replicas; -1: the target's, else minReplicas (>= 1) */
    hpac_sync_options sync;    /* the controller's arithmetic flags */
} hpac_whatif_config;

void hpac_whatif_config_defaults(hpac_whatif_config *cfg);

/* A problem in the HPA file, located for the loader: which document, and
 * the JSON path of the offending field ("" for the whole document). */
typedef struct hpac_whatif_error {
    size_t document;
    char path[256];
    char message[512]; /* starts with the path when there is one */
} hpac_whatif_error;

/* The inputs taken from the HPA file. */
typedef struct hpac_whatif_spec {
    hpac_hpa hpa;
    hpac_pod pod;               /* what each replica runs: containers, requests */
    bool pod_from_workload;     /* from the scale target's document in the file */
    int32_t workload_replicas;  /* the target's spec.replicas; -1 when not given */
} hpac_whatif_spec;

/* From the documents of an HPA file (borrowed): the first
 * HorizontalPodAutoscaler, and its scale target's pod template when a
 * document is that target (kind and name match; any kind with
 * spec.template). Without one, each pod is a single container "app" (or
 * the containers ContainerResource metrics name) requesting
 * `cpu_request_milli` of CPU; a `cpu_request_milli` >= 0 given with a
 * target document replaces the CPU request of its containers that have
 * one. Rejects what the simulation cannot replay: no spec.metrics (the API
 * server would default them, but a what-if should say what it tests), an
 * unknown metric type, a Utilization target on a resource the pods do not
 * request. Returns 0, or -1 with `err` filled and `out` cleared; caller
 * clears `out` with hpac_whatif_spec_clear. */
int hpac_whatif_spec_from_json(json_t *const *documents, size_t count, int64_t cpu_request_milli,
                               hpac_whatif_spec *out, hpac_whatif_error *err);
void hpac_whatif_spec_clear(hpac_whatif_spec *spec);

/* How each metric is reported: Utilization targets in percent, the others
 * in milli-units of the metric. */
typedef struct hpac_whatif_metric {
    char *label;         /* "cpu utilization", "requests_per_second per pod", ... */
    char *load_label;    /* what the trace column holds: "cpu (cores)", "requests_per_second" */
    bool percent;        /* Utilization target */
    int64_t target;      /* percent, or milli-units */
    int64_t request_milli; /* a pod's request of the resource (Utilization targets) */
    bool per_pod;        /* the target is an average per pod, not a total */
} hpac_whatif_metric;

/* One metric at one sync. */
typedef struct hpac_whatif_reading {
    bool seen_valid;   /* the HPA computed the metric */
    int64_t seen;      /* what the HPA saw (its status), percent or milli */
    bool unserved;     /* load with no ready pod to carry it */
    int64_t actual;    /* the instantaneous value after the sync, same unit */
} hpac_whatif_reading;

#define HPAC_WHATIF_MAX_REASONS 3

/* One sync. */
typedef struct hpac_whatif_step {
    int64_t t_ms;        /* trace time */
    int32_t current;     /* the scale before the sync */
    int32_t recommended; /* what the metrics asked for; -1 when not computed */
    int32_t desired;     /* after stabilization, policies and bounds */
    int32_t replicas;    /* after the sync */
    int32_t ready;       /* pods serving after the sync */
    bool scaled;
    bool above;          /* some metric's actual value above its target */
    uint8_t reason_count;
    uint8_t reasons[HPAC_WHATIF_MAX_REASONS]; /* indices into result->reasons */
} hpac_whatif_step;

typedef struct hpac_whatif_event {
    int64_t t_ms;
    int32_t from;
    int32_t to;
    char *reason; /* the rescale reason ("cpu resource utilization ... above target") */
    char *limits; /* the step's reasons joined by ", " ("ScaleUpLimit"); may be "" */
} hpac_whatif_event;

typedef struct hpac_whatif_summary {
    size_t syncs;
    size_t scale_ups;
    size_t scale_downs;
    size_t failed_syncs;      /* the HPA could not compute a replica count */
    int64_t duration_ms;      /* first to last line of the trace */
    int64_t above_ms;         /* time some metric was above its target */
    int32_t start_replicas;
    int32_t end_replicas;
    int32_t peak_replicas;
    int64_t peak_at_ms;
    int64_t mean_replicas_milli; /* time-weighted */
    int64_t replica_ms;          /* replica-hours * 3,600,000 */
} hpac_whatif_summary;

typedef struct hpac_whatif_result {
    char *hpa_name;    /* "namespace/name" */
    char *target_name; /* "Kind/name" */
    hpac_whatif_config config;
    int32_t min_replicas;
    int32_t max_replicas;
    hpac_whatif_metric *metrics; /* one per metric = per trace column */
    size_t metric_count;
    hpac_whatif_step *steps;
    size_t step_count;
    int64_t *loads;                 /* step_count * metric_count: offered load (milli) */
    hpac_whatif_reading *readings;  /* step_count * metric_count */
    char **reasons;                 /* the distinct reasons steps name */
    size_t reason_count;
    hpac_whatif_event *events;
    size_t event_count;
    char *first_error; /* the first sync error (why the HPA could not decide), or NULL */
    hpac_whatif_summary summary;
} hpac_whatif_result;

/* Replays `trace` (one column per metric of spec->hpa) from its first line
 * to its last. Returns 0, or -1 with a message in err (out of memory, or a
 * configuration outside the caps). Caller clears `out`. */
int hpac_whatif_run(const hpac_whatif_spec *spec, const hpac_trace *trace,
                    const hpac_whatif_config *cfg, hpac_whatif_result *out, char *err,
                    size_t errsize);
void hpac_whatif_result_clear(hpac_whatif_result *result);

#endif
