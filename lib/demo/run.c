/* The demo's run: the simulated cluster and the controller started, the
 * workload model driven tick by tick on this thread and mirrored into the
 * cluster, the timeline printed, everything stopped and freed. */
#include "demo/demo.h"

#include "controller/controller.h"
#include "controller/options.h"
#include "demo/cluster.h"
#include "sim/sim_local.h"
#include "demo/model.h"
#include "demo/observe.h"
#include "demo/screen.h"
#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "util/timeutil.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A scale event is printed once the controller's status and Event for it
 * have been seen, or after this long without them. */
#define EVENT_EXPLAIN_WAIT_MS 2000

typedef struct runner {
    const hpac_demo_config *cfg;
    FILE *out;
    bool show_timeline;
    hpac_demo_result *result;
    hpac_sim_server *sim;
    hpac_sim_state *state;
    char token[HPAC_SIM_TOKEN_HEX + 1];
    char *kubeconfig;
    hpac_options opts;
    hpac_controller *ctl;
    pthread_t thread;
    bool thread_started;
    atomic_int controller_done;
    int controller_status;
    hpac_demo_model model;
    hpac_demo_observer observer;
    int64_t mono_origin;       /* monotonic clock at demo time 0 */
    int64_t wall_origin;       /* wall clock at demo time 0 */
    int64_t now_ms;            /* demo time of the tick in progress */
    int replicas;              /* the target's spec.replicas at the last tick */
    int status_replicas;       /* what status.replicas was last set to */
    unsigned cluster_failures; /* changes the simulated cluster refused */
} runner;

/* ---- mirroring the model into the cluster --------------------------------------- */

static int put_pod(runner *r, const hpac_demo_pod *pod)
{
    char err[256];
    json_t *obj = hpac_demo_pod_object(r->cfg, pod, r->wall_origin);
    int rc = obj ? hpac_sim_put_object(r->state, HPAC_SIM_KIND_POD, obj, err, sizeof(err)) : -1;
    json_decref(obj);
    return rc;
}

static int usage_milli(const hpac_demo_pod *pod, int64_t now_ms)
{
    return (int)llround(hpac_demo_pod_reported(pod, now_ms) * 1000.0);
}

static int on_added(void *ctx, const hpac_demo_pod *pod)
{
    runner *r = ctx;
    char err[256];
    json_t *pm = hpac_demo_pod_metrics_object(r->cfg, pod, usage_milli(pod, r->now_ms));
    /* The pod first, as the kubelet would run it before metrics exist. */
    int rc = put_pod(r, pod);
    if (rc == 0)
        rc = pm ? hpac_sim_put_object(r->state, HPAC_SIM_KIND_POD_METRICS, pm, err, sizeof(err))
                : -1;
    json_decref(pm);
    return rc;
}

static int on_ready(void *ctx, const hpac_demo_pod *pod)
{
    return put_pod(ctx, pod);
}

static int on_removed(void *ctx, const hpac_demo_pod *pod)
{
    runner *r = ctx;
    /* Metrics go with the pod (metrics-server stops reporting it). */
    hpac_sim_remove_object(r->state, HPAC_SIM_KIND_POD_METRICS, HPAC_DEMO_NAMESPACE, pod->name);
    return hpac_sim_remove_object(r->state, HPAC_SIM_KIND_POD, HPAC_DEMO_NAMESPACE, pod->name);
}

static void publish_metrics(runner *r, int64_t now_ms)
{
    for (size_t i = 0; i < r->model.count; i++) {
        const hpac_demo_pod *pod = &r->model.pods[i];
        char q[32];
        snprintf(q, sizeof(q), "%dm", usage_milli(pod, now_ms));
        if (hpac_sim_set_pod_usage(r->state, HPAC_DEMO_NAMESPACE, pod->name, HPAC_DEMO_CONTAINER,
                                   "cpu", q))
            r->cluster_failures++;
    }
}

/* The Deployment's spec.replicas, as the controller last wrote it; -1 when
 * the target is gone. */
static int target_replicas(runner *r)
{
    json_t *target =
        hpac_sim_get(r->sim, HPAC_SIM_KIND_TARGET, HPAC_DEMO_NAMESPACE, HPAC_DEMO_NAME);
    const json_t *v = json_object_get(json_object_get(target, "spec"), "replicas");
    int n = json_is_integer(v) ? (int)json_integer_value(v) : -1;
    json_decref(target);
    return n;
}

/* ---- one tick ------------------------------------------------------------------ */

static void print_due_events(runner *r, int64_t now_ms, bool all)
{
    hpac_demo_timeline *tl = &r->result->timeline;
    for (size_t i = 0; i < tl->event_count; i++) {
        hpac_demo_event *e = &tl->events[i];
        if (e->printed)
            continue;
        bool explained = e->status_seen && e->reason[0];
        if (!explained && !all && now_ms - e->t_ms < EVENT_EXPLAIN_WAIT_MS)
            break; /* keep the order: later events wait for this one */
        if (r->show_timeline)
            hpac_demo_print_event(r->out, e, r->cfg->color);
        e->printed = true;
    }
}

static void observe_writes(runner *r, int64_t now_ms)
{
    json_t *writes = hpac_sim_writes(r->sim);
    if (writes)
        hpac_demo_observe_writes(&r->observer, writes, now_ms, &r->result->timeline);
    json_decref(writes);
}

/* Advances the model to now_ms and records a sample. Returns 0, or -1 with
 * err when the cluster can no longer be followed. */
static int tick(runner *r, int64_t now_ms, bool print, char *err, size_t errsize)
{
    const hpac_demo_config *cfg = r->cfg;
    hpac_demo_hooks hooks = {
        .added = on_added, .became_ready = on_ready, .removed = on_removed, .ctx = r};
    r->now_ms = now_ms;
    int replicas = target_replicas(r);
    if (replicas < 0) {
        snprintf(err, errsize, "the Deployment vanished from the simulated cluster");
        return -1;
    }
    if ((size_t)replicas != r->model.count &&
        hpac_demo_model_scale(&r->model, (size_t)replicas, now_ms, &hooks)) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    double load = hpac_demo_profile_load(&cfg->profile, now_ms);
    hpac_demo_model_step(&r->model, now_ms, load, &hooks);
    publish_metrics(r, now_ms);
    if ((int)r->model.count != r->status_replicas) {
        /* As the Deployment controller reports its pods. Set only when it
         * changes: each set moves the resourceVersion, and a scale write
         * racing with it would be refused as a conflict. */
        if (hpac_sim_set_target_replicas(r->state, HPAC_DEMO_NAMESPACE, HPAC_DEMO_NAME, replicas,
                                         (int32_t)r->model.count) == 0)
            r->status_replicas = (int)r->model.count;
    }
    if (replicas != r->observer.replicas || r->observer.await_status || r->observer.await_reason)
        observe_writes(r, now_ms);
    r->replicas = replicas;

    json_t *hpa = hpac_sim_get(r->sim, HPAC_SIM_KIND_HPA, HPAC_DEMO_NAMESPACE, HPAC_DEMO_NAME);
    hpac_demo_status st;
    hpac_demo_status_read(hpa, &st);
    json_decref(hpa);
    size_t ready = r->model.ready_count;
    hpac_demo_sample s = {
        .t_ms = now_ms,
        .load = load,
        .served = r->model.served,
        .seen = st.seen,
        .actual = ready
                      ? r->model.served / (double)ready * 100000.0 / (double)cfg->cpu_request_milli
                      : NAN,
        .replicas = replicas,
        .desired = st.desired,
        .ready = (int)ready,
    };
    hpac_demo_timeline_add_sample(&r->result->timeline, &s);
    print_due_events(r, now_ms, false);
    if (print && r->show_timeline) {
        const char *phase = hpac_demo_phase_name(hpac_demo_profile_phase(&cfg->profile, now_ms));
        hpac_demo_print_sample(r->out, &s, phase, &st, cfg->target_utilization, cfg->color);
    }
    fflush(r->out);
    return 0;
}

/* ---- start and stop -------------------------------------------------------------- */

static void *controller_main(void *arg)
{
    runner *r = arg;
    r->controller_status = hpac_controller_run(r->ctl);
    atomic_store(&r->controller_done, 1);
    return NULL;
}

static int start_cluster(runner *r, char *err, size_t errsize)
{
    json_t *objects = hpac_demo_objects(r->cfg);
    if (!objects) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    hpac_sim_token(r->token);
    hpac_sim_options so = {.port = 0, .token = r->token, .threads = 0};
    char why[512];
    r->sim = hpac_sim_start(objects, &so, why, sizeof(why));
    json_decref(objects);
    if (!r->sim) {
        snprintf(err, errsize, "cannot start the simulated API server: %s", why);
        return -1;
    }
    r->state = hpac_sim_state_of(r->sim);
    r->result->port = hpac_sim_port(r->sim);
    /* The Deployment's first pods have run for a while at the quiet load. */
    hpac_demo_hooks hooks = {.added = on_added, .ctx = r};
    r->mono_origin = hpac_clock_monotonic_ms();
    r->wall_origin = hpac_clock_wall_ms();
    if (hpac_demo_model_seed(&r->model, (size_t)r->cfg->initial_replicas,
                             hpac_demo_profile_load(&r->cfg->profile, 0), 0, &hooks)) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    r->status_replicas = r->cfg->initial_replicas;
    r->replicas = r->cfg->initial_replicas;
    r->kubeconfig = hpac_sim_kubeconfig_write(r->result->port, r->token, err, errsize);
    return r->kubeconfig ? 0 : -1;
}

static int start_controller(runner *r, char *err, size_t errsize)
{
    const hpac_demo_config *cfg = r->cfg;
    hpac_options *o = &r->opts;
    hpac_options_defaults(o);
    o->kubeconfig = r->kubeconfig;
    o->hpa_api = "hpac.io/v1";
    o->sync_period_ms = cfg->sync_period_ms;
    o->sync.downscale_stabilization_ms = (int64_t)cfg->scale_down_window_s * 1000;
    o->sync.cpu_initialization_period_ms = cfg->cpu_initialization_period_ms;
    o->sync.initial_readiness_delay_ms = cfg->initial_readiness_delay_ms;
    o->metrics_bind_address = "0";
    o->leader_elect = false;
    o->leader_elect_set = true;
    char why[512];
    r->ctl = hpac_controller_new(o, why, sizeof(why));
    if (!r->ctl) {
        snprintf(err, errsize, "cannot start the controller: %s", why);
        return -1;
    }
    int rc = pthread_create(&r->thread, NULL, controller_main, r);
    if (rc != 0) {
        snprintf(err, errsize, "cannot start the controller's thread: %s", strerror(rc));
        return -1;
    }
    r->thread_started = true;
    return 0;
}

static void stop_controller(runner *r)
{
    if (r->thread_started) {
        hpac_controller_stop(r->ctl);
        pthread_join(r->thread, NULL);
        r->thread_started = false;
    }
    hpac_controller_free(r->ctl);
    r->ctl = NULL;
    hpac_options_free(&r->opts);
}

/* Safe to call more than once, and after a partial start. */
static void stop_all(runner *r)
{
    stop_controller(r);
    hpac_sim_stop(r->sim);
    r->sim = NULL;
    r->state = NULL;
    hpac_sim_kubeconfig_remove(r->kubeconfig);
    r->kubeconfig = NULL;
    hpac_demo_model_clear(&r->model);
}

static void sleep_until(int64_t mono_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(mono_ms / 1000),
                          .tv_nsec = (long)(mono_ms % 1000) * 1000000L};
    /* hpac_clock_monotonic_ms reads CLOCK_MONOTONIC. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static bool interrupted(const runner *r)
{
    return r->cfg->interrupted && *r->cfg->interrupted;
}

/* The ticks, until the profile is over and the replicas are back at the
 * minimum (or the settle time is up). */
static int drive(runner *r, char *err, size_t errsize)
{
    const hpac_demo_config *cfg = r->cfg;
    int64_t end = hpac_demo_profile_duration_ms(&cfg->profile);
    int64_t next_print = 0;
    for (int64_t k = 0;; k++) {
        int64_t due = k * cfg->tick_ms;
        sleep_until(r->mono_origin + due);
        int64_t now = hpac_clock_monotonic_ms() - r->mono_origin;
        bool print = now >= next_print;
        if (print) {
            while (next_print <= now)
                next_print += cfg->print_every_ms;
        }
        if (tick(r, now, print, err, errsize))
            return -1;
        if (interrupted(r)) {
            r->result->interrupted = true;
            return 0;
        }
        if (atomic_load(&r->controller_done)) {
            snprintf(err, errsize, "the controller stopped (status %d)", r->controller_status);
            return -1;
        }
        bool settled = r->replicas <= cfg->min_replicas;
        if (now >= end + cfg->settle_ms || (now >= end && settled))
            return 0;
    }
}

static int write_svg(runner *r, char *err, size_t errsize)
{
    const char *path = r->cfg->svg_path;
    char *doc = hpac_demo_timeline_svg(&r->result->timeline,
                                       "hpac demo: a Deployment scaled by the real controller");
    int rc = -1;
    FILE *f = NULL;
    if (!doc) {
        snprintf(err, errsize, "cannot render the chart");
        goto out;
    }
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    size_t len = strlen(doc);
    bool ok = fwrite(doc, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    f = NULL;
    if (!ok) {
        snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    r->result->svg_written = true;
    rc = 0;
out:
    free(doc);
    return rc;
}

/* Did the controller show what the demo is for? */
static int check_outcome(runner *r, char *err, size_t errsize)
{
    const hpac_demo_summary *sum = &r->result->summary;
    if (r->result->interrupted)
        return 0;
    if (r->cluster_failures || r->model.hook_failures) {
        snprintf(err, errsize, "the simulated cluster refused %u changes to its pods",
                 r->cluster_failures + r->model.hook_failures);
        return -1;
    }
    if (!sum->status_seen) {
        snprintf(err, errsize, "the controller never wrote the HPA's status");
        return -1;
    }
    if (sum->scale_ups == 0 || sum->scale_downs == 0) {
        snprintf(err, errsize,
                 "the controller made %u scale-ups and %u scale-downs; "
                 "expected at least one of each",
                 sum->scale_ups, sum->scale_downs);
        return -1;
    }
    return 0;
}

int hpac_demo_run(const hpac_demo_config *cfg, hpac_demo_result *result, char *err, size_t errsize)
{
    runner r = {.cfg = cfg, .out = cfg->out ? cfg->out : stdout, .result = result};
    int rc = -1;
    memset(result, 0, sizeof(*result));
    hpac_demo_timeline_init(&result->timeline, cfg->target_utilization, cfg->min_replicas,
                            cfg->max_replicas);
    hpac_demo_model_init(&r.model, HPAC_DEMO_POD_PREFIX, cfg->pod_startup_ms,
                         cfg->metrics_window_ms, (double)cfg->cpu_limit_milli / 1000.0);
    hpac_demo_observer_init(&r.observer, "/deployments/" HPAC_DEMO_NAME "/scale",
                            "/horizontalpodautoscalers/" HPAC_DEMO_NAME "/status", HPAC_DEMO_NAME,
                            cfg->initial_replicas);
    r.show_timeline = !cfg->quiet;
    if (hpac_demo_config_check(cfg, err, errsize))
        goto out;
    if (start_cluster(&r, err, errsize) || start_controller(&r, err, errsize))
        goto out;
    if (r.show_timeline) {
        hpac_demo_print_header(r.out, cfg, result->port);
        hpac_demo_print_columns(r.out, cfg->color);
        fflush(r.out);
    }
    int driven = drive(&r, err, errsize);
    stop_controller(&r);
    /* The last writes, with the reasons of scales not explained yet; a
     * scale seen only now is put at the last tick, the end of the chart. */
    observe_writes(&r, r.now_ms);
    print_due_events(&r, r.now_ms, true);
    stop_all(&r);
    hpac_demo_timeline_summarize(&result->timeline, &result->summary);
    if (driven)
        goto out;
    if (cfg->svg_path && write_svg(&r, err, errsize))
        goto out;
    hpac_demo_print_summary(r.out, &result->timeline, &result->summary, cfg, result->svg_written,
                            cfg->color);
    fflush(r.out);
    rc = check_outcome(&r, err, errsize);
out:
    stop_all(&r);
    return rc;
}

void hpac_demo_result_clear(hpac_demo_result *r)
{
    hpac_demo_timeline_clear(&r->timeline);
    memset(r, 0, sizeof(*r));
}
