/* What the metrics APIs answered, decoded into plain structs: the inputs of
 * the replica calculator. Each decoder takes the JSON body of one API
 * response. Pure. */
#ifndef HPAC_HPA_METRIC_DATA_H
#define HPAC_HPA_METRIC_DATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One container's usage of one resource. */
typedef struct hpac_container_usage {
    char *name;
    bool present; /* the container reported this resource */
    int64_t milli;
} hpac_container_usage;

/* metrics.k8s.io PodMetrics, reduced to one resource. */
typedef struct hpac_pod_usage {
    char *pod_name;
    int64_t timestamp_ms;
    int64_t window_ms;
    hpac_container_usage *containers;
    size_t container_count;
} hpac_pod_usage;

typedef struct hpac_pod_usage_list {
    hpac_pod_usage *items;
    size_t count;
} hpac_pod_usage_list;

/* One sample per pod (custom.metrics.k8s.io Pods metrics). */
typedef struct hpac_pod_sample {
    char *pod_name;
    int64_t timestamp_ms;
    int64_t window_ms; /* windowSeconds, or upstream's default of 1 minute */
    int64_t milli;
} hpac_pod_sample;

typedef struct hpac_pod_sample_list {
    hpac_pod_sample *items;
    size_t count;
} hpac_pod_sample_list;

/* external.metrics.k8s.io values, or one object metric value. */
typedef struct hpac_value_list {
    int64_t *milli;
    size_t count;
    int64_t timestamp_ms; /* of the first item */
} hpac_value_list;

/* PodMetricsList -> usage of `resource` per pod and container. */
int hpac_pod_usage_from_json(const json_t *list, const char *resource, hpac_pod_usage_list *out,
                             char *err, size_t errsize);
void hpac_pod_usage_list_clear(hpac_pod_usage_list *list);
/* Frees one item's contents, not the struct. */
void hpac_pod_usage_clear(hpac_pod_usage *usage);
/* A deep copy into `to`; 0, or -1 when out of memory (`to` then empty). */
int hpac_pod_usage_copy(const hpac_pod_usage *from, hpac_pod_usage *to);

/* custom.metrics.k8s.io MetricValueList whose items describe Pods. */
int hpac_pod_samples_from_json(const json_t *list, hpac_pod_sample_list *out, char *err,
                               size_t errsize);
void hpac_pod_sample_list_clear(hpac_pod_sample_list *list);

/* custom.metrics.k8s.io MetricValueList (or a single MetricValue) for an
 * object: exactly one value. */
int hpac_object_value_from_json(const json_t *body, hpac_value_list *out, char *err,
                                size_t errsize);
/* external.metrics.k8s.io ExternalMetricValueList. */
int hpac_external_values_from_json(const json_t *list, hpac_value_list *out, char *err,
                                   size_t errsize);
void hpac_value_list_clear(hpac_value_list *list);

/* autoscaling/v1 Scale. */
typedef struct hpac_scale {
    int32_t spec_replicas;
    int32_t status_replicas;
    char *selector; /* status.selector; NULL when absent */
    char *resource_version;
} hpac_scale;

int hpac_scale_from_json(const json_t *object, hpac_scale *out, char *err, size_t errsize);
void hpac_scale_clear(hpac_scale *scale);

#endif
