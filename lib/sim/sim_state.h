/* The simulated cluster: the objects the simulated API server serves, and
 * the calls the demo and the benchmark use to change them while the
 * controller runs. Every call takes the state's lock, so it is safe from
 * any thread while the server is serving. A change made here is applied
 * like an API write (the object's resourceVersion moves on) but is not
 * recorded among the client's writes (hpac_sim_writes). */
#ifndef HPAC_SIM_SIM_STATE_H
#define HPAC_SIM_SIM_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_sim_state hpac_sim_state;

/* Object kinds of the state API (also hpac_sim_get's `kind`). */
#define HPAC_SIM_KIND_HPA "hpa"                /* HorizontalPodAutoscaler */
#define HPAC_SIM_KIND_TARGET "target"          /* scale target (case "targets") */
#define HPAC_SIM_KIND_POD "pod"                /* v1 Pod */
#define HPAC_SIM_KIND_POD_METRICS "podMetrics" /* metrics.k8s.io PodMetrics */
#define HPAC_SIM_KIND_EVENT "event"            /* v1 / events.k8s.io Event */
#define HPAC_SIM_KIND_LEASE "lease"            /* coordination.k8s.io Lease */

/* A state holding a copy of `objects` (a case's "objects": hpa or hpas,
 * targets, pods, podMetrics, customMetrics, externalMetrics; borrowed).
 * NULL `objects`: an empty cluster. Objects without uid, resourceVersion,
 * generation (HPAs, targets) or creationTimestamp get one. NULL with err
 * when an object is malformed (no metadata.name, labels not strings,
 * a target without "resource", ...). */
hpac_sim_state *hpac_sim_state_new(const json_t *objects, char *err, size_t errsize);
void hpac_sim_state_free(hpac_sim_state *st);

/* The current object of `kind` (HPAC_SIM_KIND_*), time placeholders
 * resolved. A target is found by namespace and name whatever its resource.
 * New reference, or NULL when there is none. */
json_t *hpac_sim_state_get(hpac_sim_state *st, const char *kind, const char *ns, const char *name);
/* Number of objects of `kind`. */
size_t hpac_sim_state_count(hpac_sim_state *st, const char *kind);
/* Snapshot of the writes clients made, in order (see hpac_sim_writes).
 * New reference. */
json_t *hpac_sim_state_writes(hpac_sim_state *st);

/* Adds or replaces an object of `kind` (borrowed, copied), found by its
 * metadata.namespace ("default" when absent) and metadata.name. A target
 * needs "apiVersion", "kind" and "resource". Returns 0, or -1 with err. */
int hpac_sim_put_object(hpac_sim_state *st, const char *kind, const json_t *obj, char *err,
                        size_t errsize);
/* Removes an object; a target by namespace and name. Returns 0, or -1 when
 * there is none. */
int hpac_sim_remove_object(hpac_sim_state *st, const char *kind, const char *ns, const char *name);

/* Sets a target's spec.replicas (and status.replicas when
 * `status_replicas` >= 0), as a rollout would. Returns 0, or -1 when there
 * is no such target or spec_replicas < 0. */
int hpac_sim_set_target_replicas(hpac_sim_state *st, const char *ns, const char *name,
                                 int32_t spec_replicas, int32_t status_replicas);

/* Sets the usage of `resource` ("cpu", "memory") to `quantity` ("250m") in
 * the PodMetrics of pod ns/name, for the container `container` (NULL:
 * every container). When the pod has no PodMetrics yet, one is made from
 * the pod's containers and labels (timestamp "@now", window "30s").
 * Returns 0, or -1 when neither the pod nor its metrics exist, or the
 * container is unknown. */
int hpac_sim_set_pod_usage(hpac_sim_state *st, const char *ns, const char *name,
                           const char *container, const char *resource, const char *quantity);

/* Sets the value of a custom metric of the object kind/ns/name (e.g.
 * "Pod", "default", "web-0", "qps", "10"), adding the MetricValue when
 * absent (apiVersion "/v1" for pods, timestamp "@now"). Returns 0 or -1. */
int hpac_sim_set_custom_metric(hpac_sim_state *st, const char *kind, const char *ns,
                               const char *name, const char *metric, const char *value);

/* Sets the value of the external metric `metric` with exactly the labels
 * `labels` (a JSON object of strings, borrowed; NULL = {}), adding it when
 * absent. Returns 0 or -1. */
int hpac_sim_set_external_metric(hpac_sim_state *st, const char *metric, const json_t *labels,
                                 const char *value);

#endif
