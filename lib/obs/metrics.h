/* What the controller tells operators: upstream's HPA controller metrics
 * (same names, labels and buckets), hpac's own (API calls, watches,
 * leadership, HPA count), process metrics, and the readiness state that
 * /readyz reports.
 *
 * Thread safety: every function may be called from any thread; writers
 * are normally the controller's loop and the reader the HTTP server. */
#ifndef HPAC_OBS_METRICS_H
#define HPAC_OBS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obs/registry.h"

/* The reconciliation outcome labels, as upstream spells them. */
typedef enum hpac_obs_action {
    HPAC_OBS_ACTION_NONE,
    HPAC_OBS_ACTION_SCALE_UP,
    HPAC_OBS_ACTION_SCALE_DOWN,
} hpac_obs_action;

/* When both kinds happen in one reconciliation, the first one counts. */
typedef enum hpac_obs_error {
    HPAC_OBS_ERROR_NONE,
    HPAC_OBS_ERROR_SPEC,     /* the HPA's spec is invalid */
    HPAC_OBS_ERROR_INTERNAL, /* a computation or a call to another component failed */
} hpac_obs_error;

typedef enum hpac_obs_leadership {
    HPAC_OBS_ELECTION_OFF, /* --leader-elect=false: readiness says nothing about it */
    HPAC_OBS_LEADING,      /* holds its lease (or at least one shard lease) */
    HPAC_OBS_STANDBY,      /* waits for a lease */
} hpac_obs_leadership;

typedef struct hpac_obs hpac_obs;

/* Caller owns; hpac_obs_free frees (NULL is fine). NULL when out of memory. */
hpac_obs *hpac_obs_new(void);
void hpac_obs_free(hpac_obs *obs);

/* The recorders return 0, or -1 when the sample was dropped (out of
 * memory, a label over HPAC_REGISTRY_MAX_VALUE, NaN); the controller has
 * nothing better to do than carry on. Durations are in seconds. */

/* One reconciliation of one HPA: reconciliations_total and
 * reconciliation_duration_seconds. */
int hpac_obs_reconciliation(hpac_obs *obs, hpac_obs_action action, hpac_obs_error error,
                            double seconds);
/* One metric of one HPA: metric_type is spec.metrics[*].type ("Resource",
 * "Pods", "Object", "External", "ContainerResource"). */
int hpac_obs_metric_computation(hpac_obs *obs, hpac_obs_action action, hpac_obs_error error,
                                const char *metric_type, double seconds);
/* desired_replicas{namespace,hpa_name}: set after each reconciliation;
 * removed when the HPA is deleted (or moves to another shard) so that its
 * series does not linger. remove returns -1 when there was none. */
int hpac_obs_desired_replicas_set(hpac_obs *obs, const char *ns, const char *name,
                                  int32_t replicas);
int hpac_obs_desired_replicas_remove(hpac_obs *obs, const char *ns, const char *name);
/* The number of HPAs this replica controls (num_horizontal_pod_autoscalers
 * and hpac_hpas). */
int hpac_obs_hpas_set(hpac_obs *obs, size_t count);

/* One API call: `verb` the HTTP method ("GET", "PUT", "PATCH", "POST",
 * "DELETE"; lists and watches are GETs, a watch counted when it ends);
 * code the HTTP status, or <= 0 when no answer came (rendered "<error>",
 * as client-go does). */
int hpac_obs_api_request(hpac_obs *obs, const char *verb, int code, double seconds);
/* A watch stream that ended and was started again ("pods",
 * "horizontalpodautoscalers", "leases"). */
int hpac_obs_watch_restart(hpac_obs *obs, const char *resource);
/* hpac_leader{shard}: 1 while this replica holds the shard's lease. */
int hpac_obs_leader_set(hpac_obs *obs, int shard, bool leading);

/* Readiness for /readyz: not ready until caches are synced; set synced
 * back to false when shutting down so that traffic and probes see it. */
void hpac_obs_set_synced(hpac_obs *obs, bool synced);
void hpac_obs_set_leadership(hpac_obs *obs, hpac_obs_leadership leadership);
/* Returns whether ready, with the text /readyz answers in `msg`: "ok",
 * "ok: leading", "ok: standby", or why not. */
bool hpac_obs_readiness(hpac_obs *obs, char *msg, size_t size);

/* Everything, in Prometheus text format 0.0.4 (process metrics read from
 * /proc/self now). Caller frees; NULL when out of memory. */
char *hpac_obs_render(hpac_obs *obs, size_t *len);

#define HPAC_OBS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The registry, for tests and for families added elsewhere (borrowed). */
hpac_registry *hpac_obs_registry(hpac_obs *obs);

#endif
