#include "obs/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/process.h"
#include "util/strutil.h"

/* Upstream's subsystem and buckets (monitor/metrics.go: exponential from
 * 1 ms, factor 2, 15 buckets, up to 16.384 s). */
#define HPA "horizontal_pod_autoscaler_controller_"
#define RECONCILE_BUCKET_START 0.001
#define RECONCILE_BUCKET_FACTOR 2.0
#define RECONCILE_BUCKET_COUNT 15

/* Upstream's metrics framework marks these [ALPHA]; the texts are ours. */
#define HELP_OUTCOME                                                                               \
    " action: scale_up, scale_down or none; error: spec, internal or none (the first one when "   \
    "a reconciliation met both)."

/* client-go's rest_client_request_duration_seconds buckets. */
static const double api_buckets[] = {0.005, 0.025, 0.1, 0.25, 0.5, 1.0,
                                     2.0,   4.0,   8.0, 15.0, 30.0, 60.0};

enum family_id {
    F_RECONCILIATIONS,
    F_RECONCILIATION_DURATION,
    F_METRIC_COMPUTATIONS,
    F_METRIC_COMPUTATION_DURATION,
    F_NUM_HPAS,
    F_DESIRED_REPLICAS,
    F_API_REQUESTS,
    F_API_DURATION,
    F_WATCH_RESTARTS,
    F_LEADER,
    F_HPAS,
    F_CPU,
    F_OPEN_FDS,
    F_MAX_FDS,
    F_VIRTUAL,
    F_RESIDENT,
    F_START_TIME,
    F_COUNT
};

struct hpac_obs {
    hpac_registry *registry;
    hpac_family *f[F_COUNT];
    pthread_mutex_t state_lock; /* readiness below */
    bool synced;
    hpac_obs_leadership leadership;
};

static const char *const action_names[] = {"none", "scale_up", "scale_down"};
static const char *const error_names[] = {"none", "spec", "internal"};

static const char *const labels_action_error[] = {"action", "error"};
static const char *const labels_metric[] = {"action", "error", "metric_type"};
static const char *const labels_hpa[] = {"namespace", "hpa_name"};
static const char *const labels_api_count[] = {"verb", "code"};
static const char *const labels_verb[] = {"verb"};
static const char *const labels_resource[] = {"resource"};
static const char *const labels_shard[] = {"shard"};

#define LABELS(a) (a), (sizeof(a) / sizeof((a)[0]))

static void collect_process(void *ctx)
{
    hpac_obs *obs = ctx;
    hpac_process_stats st;
    /* A failed read leaves the previous values: better than zeros. */
    if (hpac_process_stats_read(&st))
        return;
    hpac_family_set(obs->f[F_CPU], NULL, st.cpu_seconds);
    hpac_family_set(obs->f[F_OPEN_FDS], NULL, st.open_fds);
    hpac_family_set(obs->f[F_MAX_FDS], NULL, st.max_fds);
    hpac_family_set(obs->f[F_VIRTUAL], NULL, st.virtual_bytes);
    hpac_family_set(obs->f[F_RESIDENT], NULL, st.resident_bytes);
    hpac_family_set(obs->f[F_START_TIME], NULL, st.start_time_seconds);
}

static int register_all(hpac_obs *obs)
{
    double reconcile_buckets[RECONCILE_BUCKET_COUNT];
    hpac_exponential_buckets(RECONCILE_BUCKET_START, RECONCILE_BUCKET_FACTOR,
                             RECONCILE_BUCKET_COUNT, reconcile_buckets);
    const hpac_family_spec specs[F_COUNT] = {
        [F_RECONCILIATIONS] = {HPAC_FAMILY_COUNTER, HPA "reconciliations_total",
                               "[ALPHA] Reconciliations of HPAs by this controller." HELP_OUTCOME,
                               LABELS(labels_action_error), NULL, 0},
        [F_RECONCILIATION_DURATION] = {HPAC_FAMILY_HISTOGRAM,
                                       HPA "reconciliation_duration_seconds",
                                       "[ALPHA] Seconds one reconciliation of an HPA took."
                                       HELP_OUTCOME,
                                       LABELS(labels_action_error), reconcile_buckets,
                                       RECONCILE_BUCKET_COUNT},
        [F_METRIC_COMPUTATIONS] = {HPAC_FAMILY_COUNTER, HPA "metric_computation_total",
                                   "[ALPHA] Metric computations, one per entry of an HPA's "
                                   "spec.metrics; metric_type is the entry's type." HELP_OUTCOME,
                                   LABELS(labels_metric), NULL, 0},
        [F_METRIC_COMPUTATION_DURATION] = {HPAC_FAMILY_HISTOGRAM,
                                           HPA "metric_computation_duration_seconds",
                                           "[ALPHA] Seconds one metric computation took; "
                                           "metric_type is the entry's type." HELP_OUTCOME,
                                           LABELS(labels_metric), reconcile_buckets,
                                           RECONCILE_BUCKET_COUNT},
        [F_NUM_HPAS] = {HPAC_FAMILY_GAUGE, HPA "num_horizontal_pod_autoscalers",
                        "[ALPHA] HPAs this controller currently handles.", NULL, 0, NULL, 0},
        [F_DESIRED_REPLICAS] = {HPAC_FAMILY_GAUGE, HPA "desired_replicas",
                                "[ALPHA] The replica count each HPA last asked for.",
                                LABELS(labels_hpa), NULL, 0},
        [F_API_REQUESTS] = {HPAC_FAMILY_COUNTER, "hpac_api_requests_total",
                            "Requests to the Kubernetes API, by verb and HTTP status code "
                            "(<error> when no answer came).",
                            LABELS(labels_api_count), NULL, 0},
        [F_API_DURATION] = {HPAC_FAMILY_HISTOGRAM, "hpac_api_request_duration_seconds",
                            "Latency of requests to the Kubernetes API in seconds, by verb.",
                            LABELS(labels_verb), api_buckets,
                            sizeof(api_buckets) / sizeof(api_buckets[0])},
        [F_WATCH_RESTARTS] = {HPAC_FAMILY_COUNTER, "hpac_watch_restarts_total",
                              "Watch streams started again after they ended, by resource.",
                              LABELS(labels_resource), NULL, 0},
        [F_LEADER] = {HPAC_FAMILY_GAUGE, "hpac_leader",
                      "1 while this replica holds the lease of the shard, else 0.",
                      LABELS(labels_shard), NULL, 0},
        [F_HPAS] = {HPAC_FAMILY_GAUGE, "hpac_hpas",
                    "HorizontalPodAutoscalers this replica controls.", NULL, 0, NULL, 0},
        [F_CPU] = {HPAC_FAMILY_COUNTER, "process_cpu_seconds_total",
                   "CPU time used by this process (user and system), in seconds.", NULL, 0, NULL,
                   0},
        [F_OPEN_FDS] = {HPAC_FAMILY_GAUGE, "process_open_fds",
                        "File descriptors this process has open.", NULL, 0, NULL, 0},
        [F_MAX_FDS] = {HPAC_FAMILY_GAUGE, "process_max_fds",
                       "The most file descriptors this process may open.", NULL, 0, NULL, 0},
        [F_VIRTUAL] = {HPAC_FAMILY_GAUGE, "process_virtual_memory_bytes",
                       "Size of this process's virtual memory, in bytes.", NULL, 0, NULL, 0},
        [F_RESIDENT] = {HPAC_FAMILY_GAUGE, "process_resident_memory_bytes",
                        "Memory of this process resident in RAM, in bytes.", NULL, 0, NULL, 0},
        [F_START_TIME] = {HPAC_FAMILY_GAUGE, "process_start_time_seconds",
                          "When this process started, in seconds since the Unix epoch.", NULL, 0,
                          NULL, 0},
    };
    for (size_t i = 0; i < F_COUNT; i++) {
        obs->f[i] = hpac_registry_add(obs->registry, &specs[i]);
        if (!obs->f[i])
            return -1;
    }
    /* Unlabelled metrics and the nine reconciliation outcomes exist from
     * the start, so rates work from the first scrape. */
    for (size_t a = 0; a < 3; a++) {
        for (size_t e = 0; e < 3; e++) {
            const char *values[] = {action_names[a], error_names[e]};
            if (hpac_family_touch(obs->f[F_RECONCILIATIONS], values))
                return -1;
        }
    }
    if (hpac_family_touch(obs->f[F_NUM_HPAS], NULL) || hpac_family_touch(obs->f[F_HPAS], NULL))
        return -1;
    hpac_registry_set_collector(obs->registry, collect_process, obs);
    return 0;
}

hpac_obs *hpac_obs_new(void)
{
    hpac_obs *result = NULL;
    hpac_obs *obs = calloc(1, sizeof(*obs));
    if (!obs)
        return NULL;
    if (pthread_mutex_init(&obs->state_lock, NULL)) {
        free(obs);
        return NULL;
    }
    obs->registry = hpac_registry_new();
    if (!obs->registry || register_all(obs))
        goto out;
    result = obs;
    obs = NULL;
out:
    hpac_obs_free(obs);
    return result;
}

void hpac_obs_free(hpac_obs *obs)
{
    if (!obs)
        return;
    hpac_registry_free(obs->registry);
    pthread_mutex_destroy(&obs->state_lock);
    free(obs);
}

hpac_registry *hpac_obs_registry(hpac_obs *obs)
{
    return obs->registry;
}

static bool labels_ok(hpac_obs_action action, hpac_obs_error error)
{
    return (unsigned)action < 3 && (unsigned)error < 3;
}

int hpac_obs_reconciliation(hpac_obs *obs, hpac_obs_action action, hpac_obs_error error,
                            double seconds)
{
    if (!labels_ok(action, error))
        return -1;
    const char *values[] = {action_names[action], error_names[error]};
    int a = hpac_family_add(obs->f[F_RECONCILIATIONS], values, 1);
    int b = hpac_family_observe(obs->f[F_RECONCILIATION_DURATION], values, seconds);
    return a || b ? -1 : 0;
}

int hpac_obs_metric_computation(hpac_obs *obs, hpac_obs_action action, hpac_obs_error error,
                                const char *metric_type, double seconds)
{
    if (!labels_ok(action, error) || !metric_type)
        return -1;
    const char *values[] = {action_names[action], error_names[error], metric_type};
    int a = hpac_family_add(obs->f[F_METRIC_COMPUTATIONS], values, 1);
    int b = hpac_family_observe(obs->f[F_METRIC_COMPUTATION_DURATION], values, seconds);
    return a || b ? -1 : 0;
}

int hpac_obs_desired_replicas_set(hpac_obs *obs, const char *ns, const char *name,
                                  int32_t replicas)
{
    const char *values[] = {ns, name};
    return hpac_family_set(obs->f[F_DESIRED_REPLICAS], values, (double)replicas);
}

int hpac_obs_desired_replicas_remove(hpac_obs *obs, const char *ns, const char *name)
{
    const char *values[] = {ns, name};
    return hpac_family_remove(obs->f[F_DESIRED_REPLICAS], values);
}

int hpac_obs_hpas_set(hpac_obs *obs, size_t count)
{
    int a = hpac_family_set(obs->f[F_NUM_HPAS], NULL, (double)count);
    int b = hpac_family_set(obs->f[F_HPAS], NULL, (double)count);
    return a || b ? -1 : 0;
}

int hpac_obs_api_request(hpac_obs *obs, const char *verb, int code, double seconds)
{
    if (!verb)
        return -1;
    char code_text[16];
    if (code > 0)
        snprintf(code_text, sizeof(code_text), "%d", code);
    else
        hpac_strlcpy(code_text, "<error>", sizeof(code_text));
    const char *count_values[] = {verb, code_text};
    const char *duration_values[] = {verb};
    int a = hpac_family_add(obs->f[F_API_REQUESTS], count_values, 1);
    int b = hpac_family_observe(obs->f[F_API_DURATION], duration_values, seconds);
    return a || b ? -1 : 0;
}

int hpac_obs_watch_restart(hpac_obs *obs, const char *resource)
{
    const char *values[] = {resource};
    return hpac_family_add(obs->f[F_WATCH_RESTARTS], values, 1);
}

int hpac_obs_leader_set(hpac_obs *obs, int shard, bool leading)
{
    char shard_text[16];
    snprintf(shard_text, sizeof(shard_text), "%d", shard);
    const char *values[] = {shard_text};
    return hpac_family_set(obs->f[F_LEADER], values, leading ? 1 : 0);
}

void hpac_obs_set_synced(hpac_obs *obs, bool synced)
{
    pthread_mutex_lock(&obs->state_lock);
    obs->synced = synced;
    pthread_mutex_unlock(&obs->state_lock);
}

void hpac_obs_set_leadership(hpac_obs *obs, hpac_obs_leadership leadership)
{
    pthread_mutex_lock(&obs->state_lock);
    obs->leadership = leadership;
    pthread_mutex_unlock(&obs->state_lock);
}

bool hpac_obs_readiness(hpac_obs *obs, char *msg, size_t size)
{
    pthread_mutex_lock(&obs->state_lock);
    bool synced = obs->synced;
    hpac_obs_leadership leadership = obs->leadership;
    pthread_mutex_unlock(&obs->state_lock);
    const char *text = "ok";
    if (!synced)
        text = "caches not synced";
    else if (leadership == HPAC_OBS_LEADING)
        text = "ok: leading";
    else if (leadership == HPAC_OBS_STANDBY)
        text = "ok: standby";
    if (msg && size)
        hpac_strlcpy(msg, text, size);
    return synced;
}

char *hpac_obs_render(hpac_obs *obs, size_t *len)
{
    return hpac_registry_render(obs->registry, len);
}
