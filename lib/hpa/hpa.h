/* The HorizontalPodAutoscaler object: autoscaling/v2 and the identical
 * hpac.io/v1 custom resource, decoded into plain structs, and its status
 * encoded back to JSON. Pure: no I/O, no global state. */
#ifndef HPAC_HPA_HPA_H
#define HPAC_HPA_HPA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hpac_metric_type {
    HPAC_METRIC_UNKNOWN = 0, /* a type the API does not define; kept for the condition */
    HPAC_METRIC_RESOURCE,
    HPAC_METRIC_CONTAINER_RESOURCE,
    HPAC_METRIC_PODS,
    HPAC_METRIC_OBJECT,
    HPAC_METRIC_EXTERNAL,
} hpac_metric_type;

typedef enum hpac_target_type {
    HPAC_TARGET_NONE = 0,
    HPAC_TARGET_UTILIZATION,
    HPAC_TARGET_AVERAGE_VALUE,
    HPAC_TARGET_VALUE,
} hpac_target_type;

/* MetricTarget. Quantities are held in milli-units. */
typedef struct hpac_metric_target {
    hpac_target_type type;
    bool has_average_utilization;
    int32_t average_utilization; /* percent of request */
    bool has_average_value;
    int64_t average_value_milli;
    bool has_value;
    int64_t value_milli;
} hpac_metric_target;

/* CrossVersionObjectReference. */
typedef struct hpac_object_ref {
    char *api_version;
    char *kind;
    char *name;
} hpac_object_ref;

/* One entry of spec.metrics. Which fields are set depends on `type`. */
typedef struct hpac_metric_spec {
    hpac_metric_type type;
    char *type_name;     /* spec.metrics[i].type as written */
    char *resource_name; /* Resource, ContainerResource: "cpu", "memory", ... */
    char *container;     /* ContainerResource */
    char *metric_name;   /* Pods, Object, External: metric.name */
    json_t *metric_selector; /* Pods, Object, External: metric.selector (a new
                                reference owned by this struct), or NULL */
    hpac_object_ref described_object; /* Object */
    hpac_metric_target target;
} hpac_metric_spec;

typedef enum hpac_policy_type {
    HPAC_POLICY_PODS,
    HPAC_POLICY_PERCENT,
} hpac_policy_type;

typedef struct hpac_scaling_policy {
    hpac_policy_type type;
    int32_t value;
    int32_t period_seconds;
} hpac_scaling_policy;

typedef enum hpac_select_policy {
    HPAC_SELECT_MAX = 0,
    HPAC_SELECT_MIN,
    HPAC_SELECT_DISABLED,
} hpac_select_policy;

/* HPAScalingRules with the API server's defaults filled in. */
typedef struct hpac_scaling_rules {
    bool has_stabilization_window; /* scaleDown may leave it unset: the
                                      controller's flag then applies */
    int32_t stabilization_window_seconds;
    hpac_select_policy select_policy;
    hpac_scaling_policy *policies;
    size_t policy_count;
    bool has_tolerance; /* KEP-4951 per-direction tolerance */
    double tolerance;
} hpac_scaling_rules;

typedef struct hpac_behavior {
    hpac_scaling_rules scale_up;
    hpac_scaling_rules scale_down;
} hpac_behavior;

typedef struct hpac_condition {
    char *type;
    char *status; /* "True", "False", "Unknown" */
    char *reason;
    char *message;
    int64_t last_transition_ms; /* 0 when absent */
} hpac_condition;

/* One entry of status.currentMetrics, as this controller writes it. The
 * identifying part (name, selector, described object) comes from the spec
 * entry at the same index. `type == HPAC_METRIC_UNKNOWN` is an entry for a
 * metric that could not be computed: it is written as {}. */
typedef struct hpac_metric_status {
    hpac_metric_type type;
    bool has_average_utilization;
    int32_t average_utilization;
    bool has_average_value;
    int64_t average_value_milli;
    bool has_value;
    int64_t value_milli;
} hpac_metric_status;

typedef struct hpac_hpa_status {
    bool has_observed_generation;
    int64_t observed_generation;
    int64_t last_scale_time_ms; /* 0 when absent */
    int32_t current_replicas;
    int32_t desired_replicas;
    hpac_metric_status *current_metrics;
    size_t current_metric_count;
    hpac_condition *conditions;
    size_t condition_count;
} hpac_hpa_status;

typedef struct hpac_hpa {
    char *api_version; /* "autoscaling/v2" or "hpac.io/v1" */
    char *namespace;
    char *name;
    char *uid;
    char *resource_version;
    int64_t generation;

    hpac_object_ref scale_target_ref;
    int32_t min_replicas; /* 1 when absent, as the API server defaults it */
    int32_t max_replicas;
    hpac_metric_spec *metrics;
    size_t metric_count;
    bool has_behavior; /* absent behavior selects the legacy normalization */
    hpac_behavior behavior;

    /* The status as read: conditions keep their lastTransitionTime across
     * syncs, and an unchanged status is not written again. Its
     * currentMetrics stay empty: a sync computes them afresh. */
    hpac_hpa_status status;
    bool has_status; /* the object has a status */
    /* status.currentMetrics as read, only to compare (see
     * hpac_hpa_status_unchanged); entry i is named by metrics[i]. */
    hpac_metric_status *read_metrics;
    size_t read_metric_count;
    /* Whether status + read_metrics, encoded, is the status as read once
     * the API server has stored it. When not, the status holds something
     * this controller never writes, and every status it computes differs. */
    bool status_exact;
    char *history_annotation; /* persisted history as read, or NULL */
} hpac_hpa;

/* Decodes a HorizontalPodAutoscaler object. On error returns -1 and writes
 * a message naming the field ("spec.maxReplicas: expected an integer") to
 * err; `out` is then cleared. `object` is borrowed. */
int hpac_hpa_from_json(const json_t *object, hpac_hpa *out, char *err, size_t errsize);

/* Frees the contents, not the struct. Safe on a zeroed struct. */
void hpac_hpa_clear(hpac_hpa *hpa);

/* Encodes `status` as an autoscaling/v2 HorizontalPodAutoscalerStatus
 * object; `spec_metrics` (hpa->metrics) supplies each current metric's
 * identity. Quantities are written in canonical form. Returns a new
 * reference. */
json_t *hpac_hpa_status_to_json(const hpac_hpa_status *status, const hpac_metric_spec *spec_metrics,
                                size_t spec_metric_count);

/* Whether two HorizontalPodAutoscalerStatus objects say the same once the
 * API server has stored them: it drops null members, a currentReplicas of
 * 0, empty currentMetrics/conditions lists and empty condition
 * reasons/messages, and turns an empty currentMetrics entry {} into
 * {"type": ""}. Compare through this, not json_equal(), or an unchanged
 * status is written again on every sync. Both borrowed; NULL equals only
 * NULL. */
bool hpac_hpa_status_json_equal(const json_t *a, const json_t *b);

/* The same question on decoded statuses, without encoding them: whether
 * hpac_hpa_status_to_json(a, spec...) and hpac_hpa_status_to_json(b,
 * spec...) are equal through hpac_hpa_status_json_equal(). So times are
 * compared as written (to the second), quantities by their canonical
 * text, an absent reason or message equals an empty one, and a current
 * metric whose type is unknown or differs from its spec entry equals any
 * other such entry (both are written {}). All borrowed. */
bool hpac_hpa_status_equal(const hpac_hpa_status *a, const hpac_hpa_status *b,
                           const hpac_metric_spec *spec_metrics, size_t spec_metric_count);

/* Whether writing `next` would leave the status as read unchanged: false
 * when the object had no status or one this controller would not write
 * (status_exact). Both borrowed. */
bool hpac_hpa_status_unchanged(const hpac_hpa *hpa, const hpac_hpa_status *next);

/* Deep copy of a status (caller owns `out`, clear with hpac_hpa_status_clear). */
int hpac_hpa_status_copy(const hpac_hpa_status *src, hpac_hpa_status *out);
void hpac_hpa_status_clear(hpac_hpa_status *status);

/* Behavior the API server would give an HPA whose behavior lists only
 * `scaleUp`/`scaleDown` partially: the defaults used by the parser, exposed
 * for the simulator and tests. Caller clears with hpac_behavior_clear. */
void hpac_behavior_defaults(hpac_behavior *out);
void hpac_behavior_clear(hpac_behavior *behavior);

const char *hpac_metric_type_name(hpac_metric_type type);

#endif
