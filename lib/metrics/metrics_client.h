/* Reads one HPA metric from the metrics APIs: metrics.k8s.io (Resource,
 * ContainerResource), custom.metrics.k8s.io (Pods, Object) and
 * external.metrics.k8s.io (External). One call per metric; the answer is
 * decoded into the calculator's input structs. Failures carry upstream's
 * wording ("unable to fetch metrics from resource metrics API: ..."). */
#ifndef HPAC_METRICS_METRICS_CLIENT_H
#define HPAC_METRICS_METRICS_CLIENT_H

#include "hpa/hpa.h"
#include "hpa/metric_data.h"
#include "kube/client.h"

typedef struct hpac_metrics_call hpac_metrics_call;

/* Owned by the call; valid during the callback. Exactly one data member
 * is filled, by the metric's type, unless `error` is set. The callback may
 * take the lists: copy the struct member out and zero it in `result`. */
typedef struct hpac_metrics_result {
    const char *error;
    hpac_pod_usage_list usage;
    hpac_pod_sample_list samples;
    hpac_value_list values;
} hpac_metrics_result;

typedef void (*hpac_metrics_done_fn)(void *ctx, hpac_metrics_result *result);

/* Starts reading `spec` for the pods selected by `pod_selector` (the
 * scale's selector, string form) in `ns`. `object_resource` is the plural
 * resource of an Object metric's described object (from discovery).
 * Returns NULL on immediate failure, and for a metric that has nothing to
 * read (unknown type, invalid metric selector: see hpac_metrics_path);
 * `done` is then never called. */
hpac_metrics_call *hpac_metrics_fetch(hpac_kube *k, const char *ns, const char *pod_selector,
                                      const hpac_metric_spec *spec, const char *object_resource,
                                      hpac_metrics_done_fn done, void *ctx);

/* `done` is not called afterwards. */
void hpac_metrics_cancel(hpac_metrics_call *c);

/* The request path for a metric, for tests and logs. Caller frees; NULL
 * for metric types without one. */
char *hpac_metrics_path(const char *ns, const char *pod_selector, const hpac_metric_spec *spec,
                        const char *object_resource);

#endif
