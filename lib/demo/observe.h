/* What the controller told the cluster, read back for the timeline: the
 * HPA's status (utilization seen, desired replicas, the reasons in its
 * conditions) and, from the simulated server's write log, each scale it
 * made with the reason it gave. Pure: JSON in, structs out. */
#ifndef HPAC_DEMO_OBSERVE_H
#define HPAC_DEMO_OBSERVE_H

#include "demo/timeline.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_demo_status {
    bool present; /* the HPA has a status with desiredReplicas */
    double seen;  /* currentMetrics[0] averageUtilization, percent; NAN: none */
    int desired;  /* -1: none */
    int current;  /* -1: none */
    char able[HPAC_DEMO_CONDITION_MAX];    /* AbleToScale reason, "" if absent */
    char limited[HPAC_DEMO_CONDITION_MAX]; /* ScalingLimited reason when True, else "" */
    char active[HPAC_DEMO_CONDITION_MAX];  /* ScalingActive reason when False, else "" */
} hpac_demo_status;

/* Reads an HPA object (borrowed; NULL gives an absent status). */
void hpac_demo_status_read(const json_t *hpa, hpac_demo_status *out);

/* Follows the write log (hpac_sim_writes: {"verb", "path", "body",
 * "code"} records, in order) of one HPA and its target. */
typedef struct hpac_demo_observer {
    const char *scale_suffix;  /* path end of the target's scale, e.g. "/deployments/web/scale" */
    const char *status_suffix; /* path end of the HPA's status, e.g.
                                  "/horizontalpodautoscalers/web/status" */
    const char *hpa_name;      /* involvedObject.name of its events */
    size_t seen;               /* records consumed */
    int replicas;              /* after the last scale write seen */
    size_t await_status;       /* 1 + index of the event whose status write is due; 0: none */
    size_t await_reason;       /* 1 + index of the event whose Event is due; 0: none */
} hpac_demo_observer;

/* Strings are borrowed for the observer's life. */
void hpac_demo_observer_init(hpac_demo_observer *o, const char *scale_suffix,
                             const char *status_suffix, const char *hpa_name, int replicas);

/* Consumes the records of `writes` (borrowed) not seen yet: a successful
 * scale write that changes the replicas adds an event at now_ms to `tl`;
 * the status written after it fills the event's `limited` (and marks
 * status_seen); the controller's SuccessfulRescale Event fills its
 * `reason` (what follows "reason: " in "New size: N; reason: ..."). */
void hpac_demo_observe_writes(hpac_demo_observer *o, const json_t *writes, int64_t now_ms,
                              hpac_demo_timeline *tl);

#endif
