/* The part of a Pod the replica arithmetic needs, decoded from the API's
 * Pod JSON. Kept compact: a pod cache holds many of these. Pure. */
#ifndef HPAC_HPA_POD_H
#define HPAC_HPA_POD_H

#include "hpa/labels.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hpac_pod_phase {
    HPAC_POD_PHASE_UNKNOWN = 0,
    HPAC_POD_PENDING,
    HPAC_POD_RUNNING,
    HPAC_POD_SUCCEEDED,
    HPAC_POD_FAILED,
} hpac_pod_phase;

/* One resources.requests entry, in milli-units. */
typedef struct hpac_resource_amount {
    char *name;
    int64_t milli;
} hpac_resource_amount;

/* A regular container, or a restartable init container (a sidecar), which
 * the arithmetic counts like a regular one. Plain init containers are not
 * kept. */
typedef struct hpac_pod_container {
    char *name;
    hpac_resource_amount *requests;
    size_t request_count;
} hpac_pod_container;

typedef struct hpac_pod {
    char *namespace;
    char *name;
    hpac_labels labels;
    hpac_pod_phase phase;
    bool deleting;              /* metadata.deletionTimestamp set */
    int64_t start_time_ms;      /* status.startTime; 0 when absent */
    bool has_ready_condition;
    bool ready;                 /* Ready condition status == "True" */
    int64_t ready_transition_ms; /* Ready condition lastTransitionTime; 0 when absent */
    hpac_pod_container *containers;
    size_t container_count;
    hpac_resource_amount *pod_requests; /* pod-level spec.resources.requests */
    size_t pod_request_count;
} hpac_pod;

/* Decodes a Pod. Returns -1 with a message naming the field on error.
 * `object` is borrowed; `out` owns copies of everything it keeps. */
int hpac_pod_from_json(const json_t *object, hpac_pod *out, char *err, size_t errsize);
void hpac_pod_clear(hpac_pod *pod);

/* Decodes a PodList's items into a new array (caller frees with
 * hpac_pods_free). */
int hpac_pods_from_list_json(const json_t *list, hpac_pod **pods, size_t *count, char *err,
                             size_t errsize);
void hpac_pods_free(hpac_pod *pods, size_t count);

/* Request for `resource` of a container, or of the pod: true and *milli
 * when present. */
bool hpac_container_request(const hpac_pod_container *c, const char *resource, int64_t *milli);
bool hpac_pod_level_request(const hpac_pod *pod, const char *resource, int64_t *milli);

#endif
