/* The reconcile is a small state machine on the event loop: each step
 * starts requests and the last completion of a step starts the next. Every
 * in-flight handle is remembered so that a cancel stops them all. */
#include "controller/reconcile.h"

#include "controller/events.h"
#include "hpa/hpa.h"
#include "hpa/labels.h"
#include "hpa/metric_data.h"
#include "hpa/quantity.h"
#include "hpa/scale_scan.h"
#include "hpa/snapshot.h"
#include "hpa/sync.h"
#include "metrics/metrics_batch.h"
#include "metrics/metrics_client.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct metric_slot {
    hpac_reconcile *owner;
    size_t index;
    int64_t started_ms; /* monotonic */
    hpac_discovery_call *resolving;
    hpac_metrics_call *fetching;
    hpac_metrics_batch_entry *queued; /* read through the batch */
    char *error;
    bool has_usage, has_samples, has_values;
    hpac_pod_usage_list usage;
    hpac_pod_sample_list samples;
    hpac_value_list values;
} metric_slot;

typedef struct event_slot {
    hpac_reconcile *owner;
    hpac_event_call *call;
} event_slot;

struct hpac_reconcile {
    const hpac_reconcile_env *env;
    hpac_hpa_snapshot *snapshot; /* a reference of our own */
    const hpac_hpa *hpa;         /* the snapshot's, or `invalid` */
    hpac_hpa invalid;            /* what events need of an HPA that cannot be decoded */
    hpac_history *history;
    hpac_reconcile_done_fn done;
    void *ctx;
    int64_t now_ms;

    hpac_discovery_call *resolving;
    hpac_metrics_batch *batch; /* joined until its metrics are queued */
    hpac_kube_call *call; /* the one sequential request in flight */
    size_t pending;       /* parallel requests in flight (metrics, events) */

    char *scale_path;
    char *scale_text; /* the Scale as read: the body of a scale write */
    size_t scale_text_len;
    hpac_scale scale;
    char *scale_error;
    char *selector; /* the scale's, when usable */
    hpac_pod *pods;
    size_t pod_count;
    char *pods_error;
    char *ambiguous_with; /* other HPAs selecting these pods (pod source) */
    metric_slot *metrics;
    hpac_sync_decision decision;
    bool decided;
    bool status_retried;
    bool status_by_put; /* the server took no merge patch on /status */
    json_t *new_status;
    event_slot *events;
    size_t event_count;

    ev_timer finish_timer; /* completes from the loop when nothing is pending */
    hpac_reconcile_report report;
    char *report_error;
    hpac_reconcile_metric *report_metrics;
};

static void start_scale_read(hpac_reconcile *r);
static void start_pods(hpac_reconcile *r);
static void start_metrics(hpac_reconcile *r);
static void decide(hpac_reconcile *r);
static void write_status(hpac_reconcile *r);
static void write_events(hpac_reconcile *r);
static void finish(hpac_reconcile *r);

/* ---- paths ------------------------------------------------------------ */

/* "apps/v1" -> ("apps", "v1"); "v1" -> ("", "v1"). 0 or -1 when malformed. */
static int split_group_version(const char *api_version, char *group, size_t gsize, char *version,
                               size_t vsize)
{
    if (!api_version || !*api_version)
        return -1;
    const char *slash = strchr(api_version, '/');
    if (!slash) {
        group[0] = '\0';
        hpac_strlcpy(version, api_version, vsize);
        return 0;
    }
    if (slash == api_version || !slash[1] || strchr(slash + 1, '/'))
        return -1;
    size_t glen = (size_t)(slash - api_version);
    if (glen >= gsize)
        return -1;
    memcpy(group, api_version, glen);
    group[glen] = '\0';
    hpac_strlcpy(version, slash + 1, vsize);
    return 0;
}

static char *group_version_prefix(const char *api_version)
{
    char group[256], version[64];
    if (split_group_version(api_version, group, sizeof(group), version, sizeof(version)))
        return NULL;
    return group[0] ? hpac_format("/apis/%s/%s", group, version) : hpac_format("/api/%s", version);
}

char *hpac_hpa_collection_path(const char *hpa_api, const char *ns)
{
    char *prefix = group_version_prefix(hpa_api);
    char *path = NULL;
    if (prefix && ns && *ns) {
        char *ens = hpac_kube_escape(ns);
        path = ens ? hpac_format("%s/namespaces/%s/horizontalpodautoscalers", prefix, ens) : NULL;
        free(ens);
    } else if (prefix) {
        path = hpac_format("%s/horizontalpodautoscalers", prefix);
    }
    free(prefix);
    return path;
}

static char *hpa_status_path(const hpac_reconcile *r)
{
    char *collection = hpac_hpa_collection_path(r->env->options->hpa_api, r->hpa->namespace);
    char *name = hpac_kube_escape(r->hpa->name);
    char *path = collection && name ? hpac_format("%s/%s/status", collection, name) : NULL;
    free(collection);
    free(name);
    return path;
}

/* ---- completion ------------------------------------------------------- */

static void set_report_error(hpac_reconcile *r, const char *error)
{
    if (r->report_error || !error)
        return;
    r->report_error = hpac_strdup(error);
    r->report.error = r->report_error;
}

/* This reconcile queues no more reads: the batch may send. */
static void leave_batch(hpac_reconcile *r)
{
    if (r->batch)
        hpac_metrics_batch_leave(r->batch);
    r->batch = NULL;
}

static void release(hpac_reconcile *r)
{
    struct ev_loop *loop = hpac_kube_loop(r->env->kube);
    ev_timer_stop(loop, &r->finish_timer);
    hpac_discovery_cancel(r->resolving);
    hpac_kube_cancel(r->call);
    if (r->metrics) {
        for (size_t i = 0; i < r->hpa->metric_count; i++) {
            metric_slot *m = &r->metrics[i];
            hpac_discovery_cancel(m->resolving);
            hpac_metrics_cancel(m->fetching);
            hpac_metrics_batch_cancel(m->queued);
            free(m->error);
            hpac_pod_usage_list_clear(&m->usage);
            hpac_pod_sample_list_clear(&m->samples);
            hpac_value_list_clear(&m->values);
        }
        free(r->metrics);
    }
    leave_batch(r);
    for (size_t i = 0; i < r->event_count; i++)
        hpac_event_cancel(r->events[i].call);
    free(r->events);
    json_decref(r->new_status);
    hpac_sync_decision_clear(&r->decision);
    hpac_pods_free(r->pods, r->pod_count);
    free(r->pods_error);
    free(r->ambiguous_with);
    free(r->selector);
    free(r->scale_error);
    hpac_scale_clear(&r->scale);
    free(r->scale_text);
    free(r->scale_path);
    hpac_hpa_clear(&r->invalid);
    hpac_hpa_snapshot_unref(r->snapshot);
    free(r->report_error);
    free(r->report_metrics);
    free(r);
}

static void on_finish_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    hpac_reconcile *r = w->data;
    ev_timer_stop(loop, w);
    r->done(r->ctx, &r->report);
    release(r);
}

/* Completes from the loop, never from inside a caller's stack frame. */
static void finish(hpac_reconcile *r)
{
    leave_batch(r);
    struct ev_loop *loop = hpac_kube_loop(r->env->kube);
    ev_timer_init(&r->finish_timer, on_finish_timer, 0., 0.);
    r->finish_timer.data = r;
    ev_timer_start(loop, &r->finish_timer);
}

/* Whether this replica may still write for the HPA; records an abort. */
static bool allowed_to_write(hpac_reconcile *r)
{
    const hpac_reconcile_env *env = r->env;
    if (!env->may_write || env->may_write(env->may_write_ctx, r->hpa->namespace, r->hpa->name))
        return true;
    r->report.aborted = true;
    hpac_info(1, "HPA=\"%s/%s\": not writing (this replica no longer owns it)", r->hpa->namespace,
              r->hpa->name);
    return false;
}

/* ---- an HPA that cannot be decoded ------------------------------------- */

static void on_invalid_status_written(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    if (resp->error)
        hpac_warn("writing the status of an invalid HPA failed: %s", resp->error);
    write_events(r);
}

/* Reports a spec we cannot act on: ScalingActive False InvalidSpec with
 * the decoder's message, an event and a log line. */
static void report_invalid_spec(hpac_reconcile *r, const char *error)
{
    /* Rare: the text is parsed again for what the report needs of it. */
    json_t *object = hpac_hpa_snapshot_object(r->snapshot);
    const json_t *meta = json_object_get(object, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    r->report.failed = true;
    r->report.spec_error = true;
    set_report_error(r, error);
    hpac_warn("HPA %s/%s is invalid: %s", ns ? ns : "?", name ? name : "?", error);
    if (!ns || !name || r->env->options->dry_run ||
        (r->env->may_write && !r->env->may_write(r->env->may_write_ctx, ns, name))) {
        json_decref(object);
        finish(r);
        return;
    }
    r->invalid.namespace = hpac_strdup(ns);
    r->invalid.name = hpac_strdup(name);
    r->invalid.uid = hpac_strdup(json_string_value(json_object_get(meta, "uid")));
    char *message = hpac_format("the HPA spec is invalid: %s", error);
    hpac_event ev = {.warning = true, .reason = "InvalidSpec", .message = message};
    /* Keep the other conditions; replace ScalingActive. */
    json_t *conditions = json_array();
    const json_t *old = json_object_get(json_object_get(object, "status"), "conditions");
    size_t i;
    const json_t *c;
    json_array_foreach(old, i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!type || strcmp(type, "ScalingActive") != 0)
            json_array_append(conditions, (json_t *)c);
    }
    char stamp[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(r->now_ms, stamp, sizeof(stamp));
    json_array_append_new(conditions,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "ScalingActive", "status",
                                    "False", "lastTransitionTime", stamp, "reason", "InvalidSpec",
                                    "message", message ? message : error));
    json_t *patch = json_pack("{s:{s:o}}", "status", "conditions", conditions);
    json_decref(object);
    char *path = hpa_status_path(r);
    r->decision.events = calloc(1, sizeof(hpac_event));
    if (r->decision.events && message) {
        r->decision.events[0].warning = true;
        r->decision.events[0].reason = hpac_strdup(ev.reason);
        r->decision.events[0].message = hpac_strdup(message);
        r->decision.event_count = 1;
    }
    if (path && patch)
        r->call = hpac_kube_request(r->env->kube, "PATCH", path, patch,
                                    "application/merge-patch+json", on_invalid_status_written, r);
    free(path);
    json_decref(patch);
    free(message);
    if (!r->call)
        write_events(r);
}

/* ---- scale ------------------------------------------------------------ */

static void scale_failed(hpac_reconcile *r, const char *error)
{
    r->scale_error = hpac_strdup(error ? error : "unknown error");
    decide(r);
}

/* The Scale from its bytes: the fast reader, else the tree decoder with
 * its errors. 0, or -1 with the error in `err`. */
static int scale_from_raw(hpac_reconcile *r, const hpac_kube_response *resp, char *err,
                          size_t errsize)
{
    switch (hpac_scale_scan(resp->raw, resp->raw_len, &r->scale)) {
    case HPAC_SCAN_OK:
        return 0;
    case HPAC_SCAN_NO_MEMORY:
        snprintf(err, errsize, "out of memory");
        return -1;
    case HPAC_SCAN_UNUSUAL:
        break;
    }
    json_t *tree = hpac_kube_raw_json(resp, err, errsize);
    if (!tree)
        return -1;
    char why[512];
    int rc = hpac_scale_from_json(tree, &r->scale, why, sizeof(why));
    json_decref(tree);
    if (rc)
        snprintf(err, errsize, "invalid Scale from %s: %s", r->scale_path, why);
    return rc;
}

static void on_scale_read(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    char err[1024];
    if (resp->error || !resp->raw || resp->raw_len == 0) {
        scale_failed(r, resp->error ? resp->error : "empty scale response");
        return;
    }
    if (scale_from_raw(r, resp, err, sizeof(err))) {
        scale_failed(r, err);
        return;
    }
    r->scale_text = malloc(resp->raw_len);
    if (!r->scale_text) {
        scale_failed(r, "out of memory");
        return;
    }
    memcpy(r->scale_text, resp->raw, resp->raw_len);
    r->scale_text_len = resp->raw_len;
    start_pods(r);
}

static void on_target_resolved(void *ctx, const char *resource, const char *error)
{
    hpac_reconcile *r = ctx;
    r->resolving = NULL;
    if (!resource) {
        scale_failed(r, error);
        return;
    }
    const hpac_object_ref *ref = &r->hpa->scale_target_ref;
    char *prefix = group_version_prefix(ref->api_version);
    char *ens = hpac_kube_escape(r->hpa->namespace);
    char *ename = hpac_kube_escape(ref->name);
    if (prefix && ens && ename)
        r->scale_path =
            hpac_format("%s/namespaces/%s/%s/%s/scale", prefix, ens, resource, ename);
    free(prefix);
    free(ens);
    free(ename);
    if (r->scale_path)
        r->call = hpac_kube_read(r->env->kube, r->scale_path, on_scale_read, r);
    if (!r->call)
        scale_failed(r, "unable to start the scale request");
}

static void start_scale_read(hpac_reconcile *r)
{
    const hpac_object_ref *ref = &r->hpa->scale_target_ref;
    char group[256], version[64];
    if (split_group_version(ref->api_version, group, sizeof(group), version, sizeof(version))) {
        char *msg = hpac_format("unexpected GroupVersion string: %s",
                                ref->api_version ? ref->api_version : "");
        scale_failed(r, msg ? msg : "invalid apiVersion");
        free(msg);
        return;
    }
    r->resolving = hpac_discovery_resolve(r->env->discovery, ref->api_version, ref->kind,
                                          on_target_resolved, r);
    if (!r->resolving)
        scale_failed(r, "unable to start discovery");
}

/* ---- pods --------------------------------------------------------------- */

static void on_pods_listed(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    char err[512];
    if (resp->error || !resp->body) {
        r->pods_error = hpac_format("unable to get pods while calculating replica count: %s",
                                    resp->error ? resp->error : "empty response");
    } else if (hpac_pods_from_list_json(resp->body, &r->pods, &r->pod_count, err, sizeof(err))) {
        r->pods_error = hpac_format("unable to get pods while calculating replica count: %s",
                                    err);
    }
    start_metrics(r);
}

static void start_pods(hpac_reconcile *r)
{
    if (!hpac_sync_needs_metrics(r->hpa, &r->scale) || !r->scale.selector ||
        !*r->scale.selector) {
        decide(r);
        return;
    }
    hpac_selector *sel = hpac_selector_parse(r->scale.selector, NULL, 0);
    if (!sel) {
        decide(r); /* the decision reports the invalid selector */
        return;
    }
    r->selector = hpac_strdup(r->scale.selector);
    if (r->env->pod_source) {
        if (r->env->pod_source(r->env->pod_source_ctx, r->hpa->namespace, r->hpa->name, sel,
                               &r->pods, &r->pod_count, &r->ambiguous_with))
            r->pods_error = hpac_strdup("unable to get pods while calculating replica count");
        hpac_selector_free(sel);
        start_metrics(r);
        return;
    }
    hpac_selector_free(sel);
    char *ens = hpac_kube_escape(r->hpa->namespace);
    char *esel = hpac_kube_escape(r->selector);
    char *path = ens && esel ? hpac_format("/api/v1/namespaces/%s/pods?labelSelector=%s", ens,
                                           esel)
                             : NULL;
    free(ens);
    free(esel);
    if (path)
        r->call = hpac_kube_request(r->env->kube, "GET", path, NULL, NULL, on_pods_listed, r);
    free(path);
    if (!r->call) {
        r->pods_error = hpac_strdup("unable to start listing pods");
        start_metrics(r);
    }
}

/* ---- metrics ------------------------------------------------------------ */

static void metric_settled(hpac_reconcile *r)
{
    if (--r->pending == 0)
        decide(r);
}

static void on_metric_fetched(void *ctx, hpac_metrics_result *result)
{
    metric_slot *m = ctx;
    m->fetching = NULL;
    m->queued = NULL;
    if (result->error) {
        m->error = hpac_strdup(result->error);
    } else {
        /* Take the lists; the result is cleared after this callback. */
        m->usage = result->usage;
        m->samples = result->samples;
        m->values = result->values;
        memset(&result->usage, 0, sizeof(result->usage));
        memset(&result->samples, 0, sizeof(result->samples));
        memset(&result->values, 0, sizeof(result->values));
        m->has_usage = m->has_samples = m->has_values = true;
    }
    metric_settled(m->owner);
}

static void fetch_metric(metric_slot *m, const char *object_resource)
{
    hpac_reconcile *r = m->owner;
    const hpac_metric_spec *spec = &r->hpa->metrics[m->index];
    if (r->batch && hpac_metrics_batch_accepts(spec)) {
        m->queued = hpac_metrics_batch_fetch(r->batch, r->hpa->namespace, r->selector, spec,
                                             r->pods, r->pod_count, on_metric_fetched, m);
        if (m->queued)
            return;
    }
    m->fetching = hpac_metrics_fetch(r->env->kube, r->hpa->namespace, r->selector, spec,
                                     object_resource, on_metric_fetched, m);
    if (!m->fetching) {
        /* Nothing to read (unknown type, invalid selector): the decision
         * reports it. */
        metric_settled(r);
    }
}

static void on_object_resolved(void *ctx, const char *resource, const char *error)
{
    metric_slot *m = ctx;
    m->resolving = NULL;
    if (!resource) {
        m->error = hpac_format("unable to map the described object: %s",
                               error ? error : "unknown kind");
        metric_settled(m->owner);
        return;
    }
    fetch_metric(m, resource);
}

static void start_metrics(hpac_reconcile *r)
{
    size_t n = r->hpa->metric_count;
    r->metrics = calloc(n ? n : 1, sizeof(*r->metrics));
    if (!r->metrics) {
        r->pods_error = r->pods_error ? r->pods_error : hpac_strdup("out of memory");
        decide(r);
        return;
    }
    if (r->pods_error || n == 0) {
        decide(r);
        return;
    }
    /* One extra count holds the phase open until every fetch has started. */
    r->pending = n + 1;
    int64_t started = hpac_clock_monotonic_ms();
    for (size_t i = 0; i < n; i++) {
        metric_slot *m = &r->metrics[i];
        m->owner = r;
        m->index = i;
        m->started_ms = started;
        const hpac_metric_spec *spec = &r->hpa->metrics[i];
        const hpac_object_ref *obj = &spec->described_object;
        bool namespace_object = obj->kind && strcmp(obj->kind, "Namespace") == 0 &&
                                (!obj->api_version || !strchr(obj->api_version, '/'));
        if (spec->type == HPAC_METRIC_OBJECT && !namespace_object) {
            m->resolving = hpac_discovery_resolve(r->env->discovery, obj->api_version, obj->kind,
                                                  on_object_resolved, m);
            if (!m->resolving) {
                m->error = hpac_strdup("unable to start discovery");
                metric_settled(r);
            }
            continue;
        }
        fetch_metric(m, NULL);
    }
    leave_batch(r);
    metric_settled(r);
}

/* ---- decision and writes ------------------------------------------------ */

/* The inputs of a decision for its log line: each metric's current value
 * against its target, e.g. "cpu 90%/50% qps 12/10". */
static void describe_metrics(const hpac_reconcile *r, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    const hpac_hpa_status *st = &r->decision.status;
    for (size_t i = 0; i < st->current_metric_count && i < r->hpa->metric_count && used < size;
         i++) {
        const hpac_metric_status *m = &st->current_metrics[i];
        const hpac_metric_spec *spec = &r->hpa->metrics[i];
        const char *name = spec->resource_name ? spec->resource_name
                           : spec->metric_name ? spec->metric_name
                                               : "?";
        const char *sep = used ? " " : "";
        char current[HPAC_QUANTITY_TEXT_MAX], target[HPAC_QUANTITY_TEXT_MAX];
        int n;
        if (m->type == HPAC_METRIC_UNKNOWN) {
            n = snprintf(buf + used, size - used, "%s%s unavailable", sep, name);
        } else if (m->has_average_utilization) {
            n = snprintf(buf + used, size - used, "%s%s %d%%/%d%%", sep, name,
                         m->average_utilization, spec->target.average_utilization);
        } else {
            hpac_quantity_format_milli(m->has_value ? m->value_milli : m->average_value_milli,
                                       current, sizeof(current));
            hpac_quantity_format_milli(spec->target.has_value ? spec->target.value_milli
                                                              : spec->target.average_value_milli,
                                       target, sizeof(target));
            n = snprintf(buf + used, size - used, "%s%s %s/%s", sep, name, current, target);
        }
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void log_decision(const hpac_reconcile *r)
{
    const hpac_sync_decision *d = &r->decision;
    const char *dry = r->env->options->dry_run ? " (dry run: not written)" : "";
    char metrics[512];
    describe_metrics(r, metrics, sizeof(metrics));
    /* A rescale is logged once, with its outcome; a dry run has none. */
    if (d->rescale)
        hpac_info(r->env->options->dry_run ? 0 : 2,
                  "Rescaling HPA=\"%s/%s\" target=\"%s/%s\" currentReplicas=%d "
                  "desiredReplicas=%d metrics=\"%s\" reason=\"%s\"%s",
                  r->hpa->namespace, r->hpa->name, r->hpa->scale_target_ref.kind,
                  r->hpa->scale_target_ref.name, d->current_replicas, d->desired_replicas, metrics,
                  d->rescale_reason ? d->rescale_reason : "", dry);
    else if (d->error)
        hpac_warn("HPA=\"%s/%s\" could not decide: %s%s", r->hpa->namespace, r->hpa->name, d->error,
                  dry);
    else
        hpac_info(2, "Decided not to scale HPA=\"%s/%s\" replicas=%d%s", r->hpa->namespace,
                  r->hpa->name, d->current_replicas, dry);
}

static void on_scale_written(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    int64_t now = hpac_clock_wall_ms();
    int rc;
    if (resp->error) {
        rc = hpac_sync_rescale_failed(&r->decision, r->hpa, resp->error, now);
        r->report.failed = true;
        set_report_error(r, r->decision.error);
        hpac_warn("HPA=\"%s/%s\": scale write failed: %s", r->hpa->namespace, r->hpa->name,
                  resp->error);
    } else {
        rc = hpac_sync_rescaled(&r->decision, r->hpa, r->history, now);
        r->report.scaled = true;
        r->report.from = r->decision.current_replicas;
        r->report.to = r->decision.desired_replicas;
        char metrics[512];
        describe_metrics(r, metrics, sizeof(metrics));
        hpac_info(0, "Successfully rescaled HPA=\"%s/%s\" target=\"%s/%s\" currentReplicas=%d "
                     "desiredReplicas=%d metrics=\"%s\" reason=\"%s\"",
                  r->hpa->namespace, r->hpa->name, r->hpa->scale_target_ref.kind,
                  r->hpa->scale_target_ref.name, r->decision.current_replicas,
                  r->decision.desired_replicas, metrics,
                  r->decision.rescale_reason ? r->decision.rescale_reason : "");
    }
    if (rc)
        hpac_error("out of memory recording the outcome of HPA=\"%s/%s\"", r->hpa->namespace,
                   r->hpa->name);
    write_status(r);
}

static void write_scale(hpac_reconcile *r)
{
    json_t *body = json_loadb(r->scale_text, r->scale_text_len, 0, NULL);
    json_t *spec = body ? json_object_get(body, "spec") : NULL;
    if (body && !json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(body, "spec", spec);
    }
    if (spec)
        json_object_set_new(spec, "replicas", json_integer(r->decision.desired_replicas));
    if (body)
        r->call = hpac_kube_request(r->env->kube, "PUT", r->scale_path, body, NULL,
                                    on_scale_written, r);
    json_decref(body);
    if (!r->call) {
        hpac_kube_response failed = {.error = "unable to start the scale update"};
        on_scale_written(r, &failed);
    }
}

/* Per-metric outcomes for the computation metrics. */
static void report_metrics(hpac_reconcile *r)
{
    const hpac_sync_decision *d = &r->decision;
    size_t n = d->metric_outcome_count;
    if (n == 0 || n != r->hpa->metric_count)
        return;
    r->report_metrics = calloc(n, sizeof(*r->report_metrics));
    if (!r->report_metrics)
        return;
    int64_t now = hpac_clock_monotonic_ms();
    for (size_t i = 0; i < n; i++) {
        const hpac_metric_outcome *o = &d->metric_outcomes[i];
        hpac_reconcile_metric *m = &r->report_metrics[i];
        m->type = r->hpa->metrics[i].type_name ? r->hpa->metrics[i].type_name
                                              : hpac_metric_type_name(r->hpa->metrics[i].type);
        m->failed = !o->ok;
        m->spec_error = o->spec_error;
        if (o->ok && o->replicas > r->hpa->status.current_replicas)
            m->direction = 1;
        else if (o->ok && o->replicas < r->hpa->status.current_replicas)
            m->direction = -1;
        int64_t started = r->metrics ? r->metrics[i].started_ms : 0;
        m->seconds = started ? (double)(now - started) / 1000.0 : 0.0;
    }
    r->report.metrics = r->report_metrics;
    r->report.metric_count = n;
}

static void decide(hpac_reconcile *r)
{
    leave_batch(r);
    size_t n = r->hpa->metric_count;
    hpac_metric_fetch *fetches = calloc(n ? n : 1, sizeof(*fetches));
    if (!fetches) {
        r->report.failed = true;
        set_report_error(r, "out of memory");
        finish(r);
        return;
    }
    for (size_t i = 0; r->metrics && i < n; i++) {
        metric_slot *m = &r->metrics[i];
        fetches[i].error = m->error ? m->error : r->pods_error;
        fetches[i].usage = m->has_usage ? &m->usage : NULL;
        fetches[i].samples = m->has_samples ? &m->samples : NULL;
        fetches[i].values = m->has_values ? &m->values : NULL;
    }
    for (size_t i = 0; !r->metrics && r->pods_error && i < n; i++)
        fetches[i].error = r->pods_error;
    hpac_sync_input in = {
        .hpa = r->hpa,
        .options = &r->env->options->sync,
        .now_ms = r->now_ms,
        .scale_error = r->scale_error,
        .scale = &r->scale,
        .pods = r->pods,
        .pod_count = r->pod_count,
        .metrics = fetches,
        .ambiguous_with = r->ambiguous_with,
    };
    int rc = hpac_sync_decide(&in, r->history, &r->decision);
    free(fetches);
    if (rc) {
        r->report.failed = true;
        set_report_error(r, "out of memory while deciding");
        finish(r);
        return;
    }
    r->decided = true;
    report_metrics(r);
    if (r->decision.error) {
        r->report.failed = true;
        set_report_error(r, r->decision.error);
    }
    r->report.from = r->report.to = r->decision.current_replicas;
    log_decision(r);
    if (r->env->options->dry_run || !allowed_to_write(r)) {
        finish(r);
        return;
    }
    if (r->decision.rescale)
        write_scale(r);
    else
        write_status(r);
}

/* ---- status ------------------------------------------------------------ */

/* The keys of an autoscaling/v2 HorizontalPodAutoscalerStatus. */
static const char *const STATUS_KEYS[] = {"observedGeneration", "lastScaleTime",
                                          "currentReplicas",    "desiredReplicas",
                                          "currentMetrics",     "conditions"};

static void on_status_patched(void *ctx, const hpac_kube_response *resp);
static void on_status_put(void *ctx, const hpac_kube_response *resp);

static void status_write_failed_to_start(hpac_reconcile *r)
{
    hpac_warn("HPA=\"%s/%s\": unable to start the status update", r->hpa->namespace,
              r->hpa->name);
    write_events(r);
}

/* Writes the new status as a merge patch that does what upstream's PUT of
 * the object does: guarded by `resource_version` (a newer version written
 * in between gets 409 Conflict, as the PUT would), and with every status
 * key the new status leaves out set to null, so that nothing of the old
 * status survives. Unlike a PUT it needs nothing of the object but its
 * resourceVersion, so the object's text need not be kept. */
static void patch_status(hpac_reconcile *r, const char *resource_version)
{
    json_t *status = json_copy(r->new_status);
    for (size_t i = 0; status && i < sizeof(STATUS_KEYS) / sizeof(STATUS_KEYS[0]); i++) {
        if (!json_object_get(status, STATUS_KEYS[i]))
            json_object_set_new(status, STATUS_KEYS[i], json_null());
    }
    json_t *patch = status ? json_pack("{s:o}", "status", status) : NULL;
    if (patch && resource_version && *resource_version &&
        json_object_set_new(patch, "metadata",
                            json_pack("{s:s}", "resourceVersion", resource_version))) {
        json_decref(patch);
        patch = NULL;
    }
    char *path = hpa_status_path(r);
    if (patch && path)
        r->call = hpac_kube_request(r->env->kube, "PATCH", path, patch,
                                    "application/merge-patch+json", on_status_patched, r);
    json_decref(patch);
    free(path);
    if (!r->call)
        status_write_failed_to_start(r);
}

/* PUTs `body` (taken: the object as just read, its status replaced). */
static void put_status(hpac_reconcile *r, json_t *body)
{
    char *path = hpa_status_path(r);
    if (body && path && json_object_set(body, "status", r->new_status) == 0)
        r->call = hpac_kube_request(r->env->kube, "PUT", path, body, NULL, on_status_put, r);
    json_decref(body);
    free(path);
    if (!r->call)
        status_write_failed_to_start(r);
}

static void on_hpa_reread(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    if (resp->error || !json_is_object(resp->body)) {
        hpac_warn("HPA=\"%s/%s\": re-reading it for its status update failed: %s",
                  r->hpa->namespace, r->hpa->name, resp->error ? resp->error : "empty response");
        write_events(r);
        return;
    }
    if (r->status_by_put) {
        put_status(r, json_deep_copy(resp->body));
        return;
    }
    const char *rv = json_string_value(
        json_object_get(json_object_get(resp->body, "metadata"), "resourceVersion"));
    patch_status(r, rv);
}

/* Reads the HPA again for a second status write; false when that could
 * not start. */
static bool reread_hpa(hpac_reconcile *r)
{
    char *collection = hpac_hpa_collection_path(r->env->options->hpa_api, r->hpa->namespace);
    char *name = hpac_kube_escape(r->hpa->name);
    char *path = collection && name ? hpac_format("%s/%s", collection, name) : NULL;
    if (path)
        r->call = hpac_kube_request(r->env->kube, "GET", path, NULL, NULL, on_hpa_reread, r);
    free(collection);
    free(name);
    free(path);
    return r->call != NULL;
}

static void status_write_done(hpac_reconcile *r, const hpac_kube_response *resp)
{
    if (resp->code == 409 && !r->status_retried) {
        /* Someone else wrote the HPA: re-read it and try once more. */
        r->status_retried = true;
        if (reread_hpa(r))
            return;
    }
    if (resp->error)
        hpac_warn("HPA=\"%s/%s\": status update failed: %s", r->hpa->namespace, r->hpa->name,
                  resp->error);
    else
        r->report.status_written = true;
    write_events(r);
}

static void on_status_patched(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    /* A server that takes no merge patch on /status (405, 415) gets the
     * object back with its status replaced, as upstream writes it. */
    if ((resp->code == 405 || resp->code == 415) && !r->status_by_put) {
        r->status_by_put = true;
        if (reread_hpa(r))
            return;
    }
    status_write_done(r, resp);
}

static void on_status_put(void *ctx, const hpac_kube_response *resp)
{
    hpac_reconcile *r = ctx;
    r->call = NULL;
    status_write_done(r, resp);
}

static void write_status(hpac_reconcile *r)
{
    if (!allowed_to_write(r)) {
        finish(r);
        return;
    }
    /* Compared on the structs: JSON is made only for a write. */
    if (hpac_hpa_status_unchanged(r->hpa, &r->decision.status)) {
        write_events(r); /* unchanged: no write */
        return;
    }
    r->new_status = hpac_hpa_status_to_json(&r->decision.status, r->hpa->metrics,
                                            r->hpa->metric_count);
    if (!r->new_status) {
        hpac_error("out of memory encoding the status of HPA=\"%s/%s\"", r->hpa->namespace,
                   r->hpa->name);
        write_events(r);
        return;
    }
    patch_status(r, r->hpa->resource_version);
}

static void on_event_posted(void *ctx, const hpac_kube_response *resp)
{
    event_slot *e = ctx;
    hpac_reconcile *r = e->owner;
    e->call = NULL;
    if (resp->error)
        hpac_warn("HPA=\"%s/%s\": recording an event failed: %s", r->hpa->namespace, r->hpa->name,
                  resp->error);
    if (--r->pending == 0)
        finish(r);
}

static void write_events(hpac_reconcile *r)
{
    size_t n = r->decision.event_count;
    if (n && !allowed_to_write(r)) {
        finish(r);
        return;
    }
    r->events = n ? calloc(n, sizeof(*r->events)) : NULL;
    if (!r->events) {
        finish(r);
        return;
    }
    r->event_count = n;
    r->pending = n + 1;
    for (size_t i = 0; i < n; i++) {
        event_slot *e = &r->events[i];
        e->owner = r;
        e->call = hpac_event_record(r->env->events, r->hpa, &r->decision.events[i],
                                    hpac_clock_wall_ms(), on_event_posted, e);
        if (!e->call)
            r->pending--;
    }
    if (--r->pending == 0)
        finish(r);
}

/* ---- start / cancel ---------------------------------------------------- */

hpac_reconcile *hpac_reconcile_start(const hpac_reconcile_env *env, hpac_hpa_snapshot *snapshot,
                                     hpac_history *history, hpac_reconcile_done_fn done,
                                     void *ctx)
{
    hpac_reconcile *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->env = env;
    r->snapshot = hpac_hpa_snapshot_ref(snapshot);
    r->history = history;
    r->done = done;
    r->ctx = ctx;
    r->now_ms = hpac_clock_wall_ms();
    ev_timer_init(&r->finish_timer, on_finish_timer, 0., 0.);
    r->finish_timer.data = r;
    if (snapshot->error) {
        r->hpa = &r->invalid;
        report_invalid_spec(r, snapshot->error);
        return r;
    }
    r->hpa = &snapshot->hpa;
    start_scale_read(r);
    return r;
}

void hpac_reconcile_join_batch(hpac_reconcile *r, hpac_metrics_batch *batch)
{
    if (!batch || r->batch || r->decided || ev_is_active(&r->finish_timer))
        return;
    hpac_metrics_batch_join(batch);
    r->batch = batch;
}

void hpac_reconcile_cancel(hpac_reconcile *r)
{
    if (r)
        release(r);
}
