/* The replica calculator: for one metric, the replica count its current
 * value asks for, with upstream's handling of tolerance and of missing,
 * unready and ignored pods. Pure: every input is a parameter. */
#ifndef HPAC_HPA_REPLICA_CALC_H
#define HPAC_HPA_REPLICA_CALC_H

#include "hpa/metric_data.h"
#include "hpa/pod.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_calc_config {
    double tolerance_up;   /* ratio may rise to 1 + this before scaling up */
    double tolerance_down; /* ratio may fall to 1 - this before scaling down */
    int64_t cpu_initialization_period_ms;
    int64_t initial_readiness_delay_ms;
    int64_t now_ms;
} hpac_calc_config;

typedef struct hpac_calc_result {
    int32_t replicas;
    int32_t utilization;  /* Utilization targets: current average, percent */
    int64_t value_milli;  /* the current value written to status */
    int64_t timestamp_ms; /* of the metric sample */
} hpac_calc_result;

/* Resource / ContainerResource with a Utilization target. `container` is
 * NULL for Resource. Containers without a request for `resource` are left
 * out (usage and request); pods with none are ignored. On error returns -1
 * with upstream's message in err. */
int hpac_calc_resource_utilization(const hpac_calc_config *cfg, int32_t current_replicas,
                                   int32_t target_utilization, const char *resource,
                                   const char *container, const hpac_pod *pods, size_t pod_count,
                                   const hpac_pod_usage_list *usage, hpac_calc_result *out,
                                   char *err, size_t errsize);

/* Resource / ContainerResource with an AverageValue target. */
int hpac_calc_resource_average_value(const hpac_calc_config *cfg, int32_t current_replicas,
                                     int64_t target_milli, const char *resource,
                                     const char *container, const hpac_pod *pods,
                                     size_t pod_count, const hpac_pod_usage_list *usage,
                                     hpac_calc_result *out, char *err, size_t errsize);

/* Pods metric (custom metrics per pod), AverageValue target. */
int hpac_calc_pods_metric(const hpac_calc_config *cfg, int32_t current_replicas,
                          int64_t target_milli, const hpac_pod *pods, size_t pod_count,
                          const hpac_pod_sample_list *samples, hpac_calc_result *out, char *err,
                          size_t errsize);

/* Object or External metric with a Value target: the ratio times the
 * number of ready pods (or from zero, the ratio itself). `values` is summed. */
int hpac_calc_value(const hpac_calc_config *cfg, int32_t spec_replicas, int64_t target_milli,
                    const hpac_value_list *values, const hpac_pod *pods, size_t pod_count,
                    hpac_calc_result *out, char *err, size_t errsize);

/* Object or External metric with an AverageValue target: per replica of
 * the scale's status. */
int hpac_calc_average_value(const hpac_calc_config *cfg, int32_t status_replicas,
                            int64_t target_milli, const hpac_value_list *values,
                            hpac_calc_result *out, char *err, size_t errsize);

#endif
