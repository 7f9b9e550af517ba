/* A PodMetricsList read straight into structs, without building a JSON
 * tree: the fast path for the response that grows with the pods (about
 * a quarter of the controller's CPU went into its tree at 10,000 HPAs).
 *
 * It accepts only the plain shape metrics-server writes and gives up on
 * anything else (a field of another type, a null, a duplicate key, a
 * \u escape, a value that does not parse). Then the tree decoder
 * (metric_data.h) reads the body and decides, with its exact errors. On
 * every body it accepts, its results equal the tree decoder's. Pure. */
#ifndef HPAC_HPA_POD_METRICS_SCAN_H
#define HPAC_HPA_POD_METRICS_SCAN_H

#include "hpa/json_scan.h"
#include "hpa/labels.h"
#include "hpa/metric_data.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_scanned_usage {
    char *resource;
    int64_t milli;
} hpac_scanned_usage;

typedef struct hpac_scanned_container {
    char *name; /* NULL when absent */
    hpac_scanned_usage *usage;
    size_t usage_count, usage_cap;
} hpac_scanned_container;

typedef struct hpac_scanned_pod {
    char *name;
    bool has_labels; /* metadata.labels was present */
    hpac_labels labels;
    int64_t timestamp_ms; /* 0 when absent, as the tree decoder */
    int64_t window_ms;    /* 0 when absent */
    hpac_scanned_container *containers;
    size_t container_count, container_cap;
} hpac_scanned_pod;

typedef struct hpac_scanned_pod_metrics {
    hpac_scanned_pod *items;
    size_t count, cap;
} hpac_scanned_pod_metrics;

/* Reads `len` bytes of a PodMetricsList. On anything but HPAC_SCAN_OK,
 * `out` is left empty. */
hpac_scan_result hpac_pod_metrics_scan(const char *text, size_t len, hpac_scanned_pod_metrics *out);
void hpac_scanned_pod_metrics_clear(hpac_scanned_pod_metrics *m);

/* The usage of `resource`, as hpac_pod_usage_from_json gives it for the
 * same body. 0, or -1 when out of memory. */
int hpac_pod_usage_from_scan(const hpac_scanned_pod_metrics *m, const char *resource,
                             hpac_pod_usage_list *out);
/* The same for one item. */
int hpac_pod_usage_of_scanned(const hpac_scanned_pod *pod, const char *resource,
                              hpac_pod_usage *out);

#endif
