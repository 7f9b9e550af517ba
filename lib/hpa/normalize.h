/* From a metric-driven recommendation to the replica count to apply:
 * stabilization windows, behavior policies, min/max and the legacy
 * scale-up cap, with the condition each step sets. Pure functions of
 * (spec, history, now): `now` is always a parameter. */
#ifndef HPAC_HPA_NORMALIZE_H
#define HPAC_HPA_NORMALIZE_H

#include "hpa/history.h"
#include "hpa/hpa.h"

typedef struct hpac_normalize_args {
    const hpac_behavior *behavior; /* NULL: the legacy path (no spec.behavior) */
    int32_t min_replicas;
    int32_t max_replicas;
    int32_t current_replicas;
    int32_t desired_replicas;           /* prenormalized: what the metrics ask for */
    int64_t downscale_stabilization_ms; /* --horizontal-pod-autoscaler-downscale-stabilization */
    int64_t now_ms;
} hpac_normalize_args;

typedef struct hpac_normalize_result {
    int32_t replicas;
    /* AbleToScale=True with this reason/message. */
    const char *able_reason;
    const char *able_message;
    /* ScalingLimited=`limited` with this reason/message. */
    bool limited;
    const char *limited_reason;
    const char *limited_message;
} hpac_normalize_result;

/* Runs the whole normalization and records the recommendation in `h`.
 * Returns 0, or -1 when the history could not grow (out of memory). */
int hpac_normalize(const hpac_normalize_args *args, hpac_history *h, hpac_normalize_result *out);

/* The steps, exposed for their own tests. */

/* Legacy (no behavior): the highest recommendation newer than now-window,
 * recording `desired` (replacing the last record older than the window). */
int32_t hpac_stabilize_legacy(hpac_history *h, int32_t desired, int64_t window_ms, int64_t now_ms);

/* With behavior: clamp(current, min recommendation in the up window, max
 * recommendation in the down window), recording `desired`. `*reason` is
 * ScaleUpStabilized or ScaleDownStabilized (used when the result differs
 * from desired). */
int32_t hpac_stabilize_with_behavior(hpac_history *h, int32_t up_window_s, int32_t down_window_s,
                                     int32_t current, int32_t desired, int64_t now_ms,
                                     const char **reason);

/* Replicas added (or removed) by events strictly newer than now-period. */
int32_t hpac_replicas_changed_in_period(const hpac_scale_event *events, size_t count,
                                        int32_t period_seconds, int64_t now_ms);

int32_t hpac_scale_up_limit(int32_t current, const hpac_history *h, const hpac_scaling_rules *rules,
                            int64_t now_ms);
int32_t hpac_scale_down_limit(int32_t current, const hpac_history *h,
                              const hpac_scaling_rules *rules, int64_t now_ms);

/* Records a performed scale from prev to next (nothing when behavior is
 * NULL, as upstream): events older than the direction's longest policy
 * period are marked outdated and the last of them is overwritten. */
int hpac_store_scale_event(hpac_history *h, const hpac_behavior *behavior, int32_t prev,
                           int32_t next, int64_t now_ms);

/* The legacy cap: max(2 * current, 4). */
int32_t hpac_legacy_scale_up_limit(int32_t current);

#endif
