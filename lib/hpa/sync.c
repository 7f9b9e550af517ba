/* One reconciliation as a pure function, in the order of upstream's
 * reconcileAutoscaler: read the scale, check the selector, compute a
 * proposal per metric, combine them, normalize, and describe the outcome
 * (status, conditions, events). The caller performs the writes. */
#include "hpa/sync.h"

#include "hpa/labels.h"
#include "hpa/normalize.h"
#include "hpa/replica_calc.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_BUF 1024

void hpac_sync_options_defaults(hpac_sync_options *opts)
{
    opts->tolerance = 0.1;
    opts->cpu_initialization_period_ms = 5 * 60 * 1000;
    opts->initial_readiness_delay_ms = 30 * 1000;
    opts->downscale_stabilization_ms = 5 * 60 * 1000;
}

/* ---- status and events ---------------------------------------------- */

static int replace_string(char **slot, const char *value)
{
    char *copy = hpac_strdup(value ? value : "");
    if (!copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

int hpac_status_set_condition(hpac_hpa_status *status, const char *type, const char *cond_status,
                              const char *reason, const char *message, int64_t now_ms)
{
    hpac_condition *cond = NULL;
    for (size_t i = 0; i < status->condition_count; i++) {
        if (status->conditions[i].type && strcmp(status->conditions[i].type, type) == 0) {
            cond = &status->conditions[i];
            break;
        }
    }
    if (!cond) {
        hpac_condition *bigger = realloc(status->conditions,
                                         (status->condition_count + 1) * sizeof(*bigger));
        if (!bigger)
            return -1;
        status->conditions = bigger;
        cond = &status->conditions[status->condition_count];
        memset(cond, 0, sizeof(*cond));
        cond->type = hpac_strdup(type);
        if (!cond->type)
            return -1;
        status->condition_count++;
    }
    /* The transition time moves only when the status itself changes. */
    if (!cond->status || strcmp(cond->status, cond_status) != 0)
        cond->last_transition_ms = now_ms;
    if (replace_string(&cond->status, cond_status) || replace_string(&cond->reason, reason) ||
        replace_string(&cond->message, message))
        return -1;
    return 0;
}

/* Builder state: the decision plus a sticky out-of-memory flag, so the
 * flow reads like upstream's instead of checking every call. */
typedef struct decider {
    const hpac_sync_input *in;
    hpac_sync_decision *out;
    hpac_history *history;
    bool oom;
} decider;

static void set_condition(decider *d, const char *type, const char *status, const char *reason,
                          const char *message)
{
    if (hpac_status_set_condition(&d->out->status, type, status, reason, message, d->in->now_ms))
        d->oom = true;
}

static void add_event(decider *d, bool warning, const char *reason, const char *message)
{
    hpac_sync_decision *out = d->out;
    hpac_event *bigger = realloc(out->events, (out->event_count + 1) * sizeof(*bigger));
    if (!bigger) {
        d->oom = true;
        return;
    }
    out->events = bigger;
    hpac_event *ev = &out->events[out->event_count];
    ev->warning = warning;
    ev->reason = hpac_strdup(reason);
    ev->message = hpac_strdup(message);
    if (!ev->reason || !ev->message) {
        free(ev->reason);
        free(ev->message);
        d->oom = true;
        return;
    }
    out->event_count++;
}

static void set_error(decider *d, char *message_owned)
{
    if (!message_owned) {
        d->oom = true;
        return;
    }
    free(d->out->error);
    d->out->error = message_owned;
}

/* ---- one metric ----------------------------------------------------- */

typedef struct proposal {
    bool ok;
    int32_t replicas;
    int64_t timestamp_ms;
    char *metric_name; /* for the ValidMetricFound message and rescale reason */
    const char *reason; /* condition reason when !ok */
    char *error;        /* when !ok */
} proposal;

static void proposal_clear(proposal *p)
{
    free(p->metric_name);
    free(p->error);
    memset(p, 0, sizeof(*p));
}

static hpac_calc_config calc_config(const hpac_sync_input *in)
{
    const hpac_hpa *hpa = in->hpa;
    hpac_calc_config cfg = {
        .tolerance_up = in->options->tolerance,
        .tolerance_down = in->options->tolerance,
        .cpu_initialization_period_ms = in->options->cpu_initialization_period_ms,
        .initial_readiness_delay_ms = in->options->initial_readiness_delay_ms,
        .now_ms = in->now_ms,
    };
    /* Per-HPA tolerances (KEP-4951) override the flag, per direction. */
    if (hpa->has_behavior) {
        if (hpa->behavior.scale_up.has_tolerance)
            cfg.tolerance_up = hpa->behavior.scale_up.tolerance;
        if (hpa->behavior.scale_down.has_tolerance)
            cfg.tolerance_down = hpa->behavior.scale_down.tolerance;
    }
    return cfg;
}

/* Fails a proposal: the condition reason, the event, the error. */
static void fail(decider *d, proposal *p, const char *reason, char *error_owned)
{
    p->ok = false;
    p->reason = reason;
    if (!error_owned) {
        d->oom = true;
        return;
    }
    p->error = error_owned;
    add_event(d, true, reason, error_owned);
}

static char *selector_text(const json_t *selector)
{
    if (!selector || json_is_null(selector))
        return hpac_strdup("nil");
    hpac_selector *sel = hpac_selector_from_json(selector, NULL, 0);
    char *text = sel ? hpac_selector_to_string(sel) : NULL;
    hpac_selector_free(sel);
    return text ? text : hpac_strdup("invalid");
}

static bool metric_selector_valid(const hpac_metric_spec *spec, char *err, size_t errsize)
{
    if (!spec->metric_selector || json_is_null(spec->metric_selector))
        return true;
    hpac_selector *sel = hpac_selector_from_json(spec->metric_selector, err, errsize);
    hpac_selector_free(sel);
    return sel != NULL;
}

static void compute_resource(decider *d, const hpac_metric_spec *spec,
                             const hpac_metric_fetch *fetch, hpac_metric_status *st, proposal *p)
{
    const hpac_sync_input *in = d->in;
    bool container = spec->type == HPAC_METRIC_CONTAINER_RESOURCE;
    const char *reason = container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
    const char *what = container ? spec->container : spec->resource_name;
    const char *kind = container ? "container" : "resource";
    hpac_calc_config cfg = calc_config(in);
    hpac_calc_result r = {0};
    char err[ERR_BUF] = "";
    const char *resource = spec->resource_name;
    const hpac_metric_target *t = &spec->target;

    if (t->has_average_value) {
        int rc = -1;
        if (fetch->error)
            snprintf(err, sizeof(err), "unable to get metrics for resource %s: %s", resource,
                     fetch->error);
        else
            rc = hpac_calc_resource_average_value(&cfg, d->out->current_replicas,
                                                  t->average_value_milli, resource,
                                                  spec->container, in->pods, in->pod_count,
                                                  fetch->usage, &r, err, sizeof(err));
        if (rc) {
            fail(d, p, reason,
                 hpac_format("failed to get %s %s metric value: failed to get %s usage: %s", what,
                             kind, resource, err));
            return;
        }
        *st = (hpac_metric_status){.type = spec->type, .has_average_value = true,
                                   .average_value_milli = r.value_milli};
        p->metric_name = hpac_format("%s resource", resource);
    } else if (t->has_average_utilization) {
        int rc = -1;
        if (fetch->error)
            snprintf(err, sizeof(err), "unable to get metrics for resource %s: %s", resource,
                     fetch->error);
        else
            rc = hpac_calc_resource_utilization(&cfg, d->out->current_replicas,
                                                t->average_utilization, resource, spec->container,
                                                in->pods, in->pod_count, fetch->usage, &r, err,
                                                sizeof(err));
        if (rc) {
            fail(d, p, reason,
                 hpac_format("failed to get %s %s metric value: failed to get %s utilization: %s",
                             what, kind, resource, err));
            return;
        }
        *st = (hpac_metric_status){.type = spec->type,
                                   .has_average_utilization = true,
                                   .average_utilization = r.utilization,
                                   .has_average_value = true,
                                   .average_value_milli = r.value_milli};
        p->metric_name =
            hpac_format("%s %sresource utilization (percentage of request)", resource,
                        container ? "container " : "");
    } else {
        fail(d, p, reason,
             hpac_format("failed to get %s %s metric value: invalid resource metric source: "
                         "neither an average utilization target nor an average value (usage) "
                         "target was set",
                         what, kind));
        return;
    }
    p->ok = true;
    p->replicas = r.replicas;
    p->timestamp_ms = r.timestamp_ms;
}

static void compute_pods(decider *d, const hpac_metric_spec *spec, const hpac_metric_fetch *fetch,
                         hpac_metric_status *st, proposal *p)
{
    const hpac_sync_input *in = d->in;
    char err[ERR_BUF] = "";
    if (!metric_selector_valid(spec, err, sizeof(err))) {
        fail(d, p, "FailedGetPodsMetric", hpac_format("failed to get pods metric value: %s", err));
        return;
    }
    if (!spec->target.has_average_value) {
        fail(d, p, "FailedGetPodsMetric",
             hpac_format("failed to get pods metric value: invalid pods metric source: no "
                         "average value target was set"));
        return;
    }
    hpac_calc_config cfg = calc_config(in);
    hpac_calc_result r = {0};
    int rc = -1;
    if (fetch->error) {
        snprintf(err, sizeof(err), "unable to get metric %s: %s", spec->metric_name, fetch->error);
    } else if (fetch->samples->count == 0) {
        snprintf(err, sizeof(err), "unable to get metric %s: no metrics returned from custom "
                                   "metrics API", spec->metric_name);
    } else {
        rc = hpac_calc_pods_metric(&cfg, d->out->current_replicas,
                                   spec->target.average_value_milli, in->pods, in->pod_count,
                                   fetch->samples, &r, err, sizeof(err));
    }
    if (rc) {
        fail(d, p, "FailedGetPodsMetric", hpac_format("failed to get pods metric value: %s", err));
        return;
    }
    *st = (hpac_metric_status){.type = HPAC_METRIC_PODS, .has_average_value = true,
                               .average_value_milli = r.value_milli};
    p->metric_name = hpac_format("pods metric %s", spec->metric_name);
    p->ok = true;
    p->replicas = r.replicas;
    p->timestamp_ms = r.timestamp_ms;
}

static void compute_object(decider *d, const hpac_metric_spec *spec,
                           const hpac_metric_fetch *fetch, hpac_metric_status *st, proposal *p)
{
    const hpac_sync_input *in = d->in;
    const char *reason = "FailedGetObjectMetric";
    char err[ERR_BUF] = "";
    if (!metric_selector_valid(spec, err, sizeof(err))) {
        fail(d, p, reason, hpac_format("failed to get object metric value: %s", err));
        return;
    }
    const hpac_object_ref *obj = &spec->described_object;
    const hpac_metric_target *t = &spec->target;
    bool value = t->type == HPAC_TARGET_VALUE && t->has_value;
    bool average = t->type == HPAC_TARGET_AVERAGE_VALUE && t->has_average_value;
    if (!value && !average) {
        fail(d, p, reason,
             hpac_format("failed to get object metric value: invalid object metric source: "
                         "neither a value target nor an average value target was set"));
        return;
    }
    hpac_calc_config cfg = calc_config(in);
    hpac_calc_result r = {0};
    int rc = -1;
    if (fetch->error) {
        snprintf(err, sizeof(err), "unable to get metric %s: %s on %s %s/%s", spec->metric_name,
                 fetch->error, obj->kind, in->hpa->namespace, obj->name);
    } else if (value) {
        rc = hpac_calc_value(&cfg, d->out->current_replicas, t->value_milli, fetch->values,
                             in->pods, in->pod_count, &r, err, sizeof(err));
    } else {
        rc = hpac_calc_average_value(&cfg, in->scale->status_replicas, t->average_value_milli,
                                     fetch->values, &r, err, sizeof(err));
    }
    if (rc) {
        if (average)
            fail(d, p, reason,
                 hpac_format("failed to get object metric value: failed to get %s object "
                             "metric: %s",
                             spec->metric_name, err));
        else
            fail(d, p, reason, hpac_format("failed to get object metric value: %s", err));
        return;
    }
    if (value) {
        *st = (hpac_metric_status){.type = HPAC_METRIC_OBJECT, .has_value = true,
                                   .value_milli = r.value_milli};
        p->metric_name = hpac_format("%s metric %s", obj->kind, spec->metric_name);
    } else {
        *st = (hpac_metric_status){.type = HPAC_METRIC_OBJECT, .has_average_value = true,
                                   .average_value_milli = r.value_milli};
        char *sel = selector_text(spec->metric_selector);
        p->metric_name = sel ? hpac_format("external metric %s(%s)", spec->metric_name, sel) : NULL;
        free(sel);
    }
    p->ok = true;
    p->replicas = r.replicas;
    p->timestamp_ms = r.timestamp_ms;
}

static void compute_external(decider *d, const hpac_metric_spec *spec,
                             const hpac_metric_fetch *fetch, hpac_metric_status *st, proposal *p)
{
    const hpac_sync_input *in = d->in;
    const char *reason = "FailedGetExternalMetric";
    char err[ERR_BUF] = "";
    const char *name = spec->metric_name;
    if (!metric_selector_valid(spec, err, sizeof(err))) {
        fail(d, p, reason, hpac_format("failed to get %s external metric value: %s", name, err));
        return;
    }
    const hpac_metric_target *t = &spec->target;
    bool average = t->has_average_value;
    bool value = !average && t->has_value;
    if (!value && !average) {
        fail(d, p, reason,
             hpac_format("failed to get %s external metric value: invalid external metric "
                         "source: neither a value target nor an average value target was set",
                         name));
        return;
    }
    char *sel = selector_text(spec->metric_selector);
    if (!sel) {
        d->oom = true;
        return;
    }
    hpac_calc_config cfg = calc_config(in);
    hpac_calc_result r = {0};
    int rc = -1;
    if (fetch->error)
        snprintf(err, sizeof(err), "unable to get external metric %s/%s/%s: %s",
                 in->hpa->namespace, name, sel, fetch->error);
    else if (average)
        rc = hpac_calc_average_value(&cfg, in->scale->status_replicas, t->average_value_milli,
                                     fetch->values, &r, err, sizeof(err));
    else
        rc = hpac_calc_value(&cfg, d->out->current_replicas, t->value_milli, fetch->values,
                             in->pods, in->pod_count, &r, err, sizeof(err));
    if (rc) {
        if (average)
            fail(d, p, reason,
                 hpac_format("failed to get %s external metric value: failed to get %s external "
                             "metric: %s",
                             name, name, err));
        else
            fail(d, p, reason, hpac_format("failed to get %s external metric value: %s", name, err));
        free(sel);
        return;
    }
    *st = (hpac_metric_status){.type = HPAC_METRIC_EXTERNAL};
    if (average) {
        st->has_average_value = true;
        st->average_value_milli = r.value_milli;
    } else {
        st->has_value = true;
        st->value_milli = r.value_milli;
    }
    p->metric_name = hpac_format("external metric %s(%s)", name, sel);
    free(sel);
    p->ok = true;
    p->replicas = r.replicas;
    p->timestamp_ms = r.timestamp_ms;
}

static void compute_metric(decider *d, size_t i, hpac_metric_status *st, proposal *p)
{
    const hpac_metric_spec *spec = &d->in->hpa->metrics[i];
    static const hpac_metric_fetch no_fetch = {.error = "no data was fetched for this metric"};
    const hpac_metric_fetch *fetch = d->in->metrics ? &d->in->metrics[i] : &no_fetch;
    /* Data the fetch should have supplied but did not is a fetch error. */
    bool missing = false;
    switch (spec->type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        missing = !fetch->error && !fetch->usage;
        break;
    case HPAC_METRIC_PODS:
        missing = !fetch->error && !fetch->samples;
        break;
    case HPAC_METRIC_OBJECT:
    case HPAC_METRIC_EXTERNAL:
        missing = !fetch->error && !fetch->values;
        break;
    case HPAC_METRIC_UNKNOWN:
        break;
    }
    if (missing)
        fetch = &no_fetch;

    switch (spec->type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        compute_resource(d, spec, fetch, st, p);
        break;
    case HPAC_METRIC_PODS:
        compute_pods(d, spec, fetch, st, p);
        break;
    case HPAC_METRIC_OBJECT:
        compute_object(d, spec, fetch, st, p);
        break;
    case HPAC_METRIC_EXTERNAL:
        compute_external(d, spec, fetch, st, p);
        break;
    case HPAC_METRIC_UNKNOWN:
        fail(d, p, "InvalidMetricSourceType",
             hpac_format("unknown metric source type \"%s\"",
                         spec->type_name ? spec->type_name : ""));
        break;
    }
}

/* ---- all metrics ---------------------------------------------------- */

static bool selector_usable(decider *d)
{
    const hpac_sync_input *in = d->in;
    const char *selector = in->scale->selector;
    if (!selector || !*selector) {
        add_event(d, true, "SelectorRequired", "selector is required");
        set_condition(d, "ScalingActive", "False", "InvalidSelector",
                      "the HPA target's scale is missing a selector");
        set_error(d, hpac_strdup("selector is required"));
        return false;
    }
    char err[ERR_BUF];
    hpac_selector *sel = hpac_selector_parse(selector, err, sizeof(err));
    if (!sel) {
        char *msg = hpac_format("couldn't convert selector into a corresponding internal "
                                "selector object: %s",
                                err);
        if (msg) {
            add_event(d, true, "InvalidSelector", msg);
            set_condition(d, "ScalingActive", "False", "InvalidSelector", msg);
        }
        set_error(d, msg);
        return false;
    }
    hpac_selector_free(sel);
    if (in->ambiguous_with) {
        char *msg = hpac_format("pods by selector %s are controlled by multiple HPAs: %s",
                                selector, in->ambiguous_with);
        if (msg) {
            add_event(d, true, "AmbiguousSelector", msg);
            set_condition(d, "ScalingActive", "False", "AmbiguousSelector", msg);
        }
        set_error(d, msg);
        return false;
    }
    return true;
}

/* upstream computeReplicasForMetrics: the largest proposal wins; with some
 * metrics failing, scale up on the rest but never down. Returns -1 when
 * no decision can be made (the status then keeps its desired count). */
static int32_t compute_all_metrics(decider *d, char **metric_name)
{
    const hpac_hpa *hpa = d->in->hpa;
    size_t n = hpa->metric_count;
    hpac_sync_decision *out = d->out;
    *metric_name = NULL;
    if (!selector_usable(d))
        return -1;

    out->status.current_metrics = calloc(n ? n : 1, sizeof(*out->status.current_metrics));
    if (!out->status.current_metrics) {
        d->oom = true;
        return -1;
    }
    out->status.current_metric_count = n;
    out->metric_outcomes = calloc(n ? n : 1, sizeof(*out->metric_outcomes));
    if (!out->metric_outcomes) {
        d->oom = true;
        return -1;
    }
    out->metric_outcome_count = n;

    int32_t replicas = 0;
    size_t invalid = 0;
    proposal first_invalid = {0};
    for (size_t i = 0; i < n; i++) {
        proposal p = {0};
        compute_metric(d, i, &out->status.current_metrics[i], &p);
        out->metric_outcomes[i] = (hpac_metric_outcome){
            .ok = p.ok,
            .spec_error = !p.ok && p.reason && strcmp(p.reason, "InvalidMetricSourceType") == 0,
            .replicas = p.replicas};
        if (!p.ok) {
            if (invalid == 0)
                first_invalid = p;
            else
                proposal_clear(&p);
            invalid++;
            continue;
        }
        if (replicas == 0 || p.replicas > replicas) {
            replicas = p.replicas;
            free(*metric_name);
            *metric_name = p.metric_name;
            p.metric_name = NULL;
        }
        proposal_clear(&p);
    }

    int32_t result = replicas;
    if (invalid >= n || (invalid > 0 && replicas < out->current_replicas)) {
        char *message = hpac_format("the HPA was unable to compute the replica count: %s",
                                    first_invalid.error ? first_invalid.error : "no metrics");
        if (message)
            set_condition(d, "ScalingActive", "False",
                          first_invalid.reason ? first_invalid.reason : "InvalidMetricSourceType",
                          message);
        else
            d->oom = true;
        free(message);
        result = -1;
    } else {
        char *message = hpac_format("the HPA was able to successfully calculate a replica count "
                                    "from %s",
                                    *metric_name ? *metric_name : "");
        if (message)
            set_condition(d, "ScalingActive", "True", "ValidMetricFound", message);
        else
            d->oom = true;
        free(message);
    }
    if (invalid > 0) {
        set_error(d, hpac_format("invalid metrics (%zu invalid out of %zu), first error is: %s",
                                 invalid, n, first_invalid.error ? first_invalid.error : ""));
    }
    proposal_clear(&first_invalid);
    return result;
}

/* ---- the reconcile -------------------------------------------------- */

bool hpac_sync_needs_metrics(const hpac_hpa *hpa, const hpac_scale *scale)
{
    int32_t current = scale->spec_replicas;
    if (current == 0 && hpa->min_replicas != 0)
        return false;
    return current <= hpa->max_replicas && current >= hpa->min_replicas;
}

static void clear_current_metrics(hpac_hpa_status *status)
{
    free(status->current_metrics);
    status->current_metrics = NULL;
    status->current_metric_count = 0;
}

static int finish(decider *d)
{
    return d->oom ? -1 : 0;
}

int hpac_sync_decide(const hpac_sync_input *in, hpac_history *history, hpac_sync_decision *out)
{
    const hpac_hpa *hpa = in->hpa;
    decider d = {.in = in, .out = out, .history = history};
    memset(out, 0, sizeof(*out));
    if (hpac_hpa_status_copy(&hpa->status, &out->status))
        return -1;
    out->status.has_observed_generation = true;
    out->status.observed_generation = hpa->generation;

    if (in->scale_error) {
        char *cond = hpac_format("the HPA controller was unable to get the target's current "
                                 "scale: %s",
                                 in->scale_error);
        add_event(&d, true, "FailedGetScale", in->scale_error);
        if (cond)
            set_condition(&d, "AbleToScale", "False", "FailedGetScale", cond);
        free(cond);
        set_error(&d, hpac_format("failed to query scale subresource for %s/%s/%s: %s",
                                  hpa->scale_target_ref.kind, hpa->namespace,
                                  hpa->scale_target_ref.name, in->scale_error));
        return finish(&d);
    }
    set_condition(&d, "AbleToScale", "True", "SucceededGetScale",
                  "the HPA controller was able to get the target's current scale");
    int32_t current = in->scale->spec_replicas;
    out->current_replicas = current;
    if (!history->started) {
        /* A fresh controller remembers the size it found: a scale-down
         * then waits out the window instead of acting on one sample. */
        if (hpac_history_add_recommendation(history, current, in->now_ms))
            d.oom = true;
        history->started = true;
    }

    int32_t min = hpa->min_replicas;
    int32_t desired = 0;
    const char *reason = NULL;
    char *metric_name = NULL;
    bool rescale = true;
    clear_current_metrics(&out->status);

    if (current == 0 && min != 0) {
        rescale = false;
        set_condition(&d, "ScalingActive", "False", "ScalingDisabled",
                      "scaling is disabled since the replica count of the target is zero");
    } else if (current > hpa->max_replicas) {
        reason = "Current number of replicas above Spec.MaxReplicas";
        desired = hpa->max_replicas;
    } else if (current < min) {
        reason = "Current number of replicas below Spec.MinReplicas";
        desired = min;
    } else {
        int32_t proposed = compute_all_metrics(&d, &metric_name);
        if (proposed < 0) {
            out->status.current_replicas = current;
            add_event(&d, true, "FailedComputeMetricsReplicas",
                      out->error ? out->error : "failed to compute the desired replicas");
            char *error = hpac_format("failed to compute desired number of replicas based on "
                                      "listed metrics for %s/%s/%s: %s",
                                      hpa->scale_target_ref.kind, hpa->namespace,
                                      hpa->scale_target_ref.name, out->error ? out->error : "");
            set_error(&d, error);
            free(metric_name);
            return finish(&d);
        }
        desired = proposed;
        const char *rescale_metric = proposed > 0 ? metric_name : "";
        if (desired > current) {
            out->rescale_reason = hpac_format("%s above target",
                                              rescale_metric ? rescale_metric : "");
            if (!out->rescale_reason)
                d.oom = true;
        } else if (desired < current) {
            reason = "All metrics below target";
        }
        hpac_normalize_args args = {
            .behavior = hpa->has_behavior ? &hpa->behavior : NULL,
            .min_replicas = min,
            .max_replicas = hpa->max_replicas,
            .current_replicas = current,
            .desired_replicas = desired,
            .downscale_stabilization_ms = in->options->downscale_stabilization_ms,
            .now_ms = in->now_ms,
        };
        hpac_normalize_result norm;
        if (hpac_normalize(&args, history, &norm))
            d.oom = true;
        set_condition(&d, "AbleToScale", "True", norm.able_reason, norm.able_message);
        set_condition(&d, "ScalingLimited", norm.limited ? "True" : "False", norm.limited_reason,
                      norm.limited_message);
        desired = norm.replicas;
        rescale = desired != current;
    }
    free(metric_name);
    if (reason && !out->rescale_reason) {
        out->rescale_reason = hpac_strdup(reason);
        if (!out->rescale_reason)
            d.oom = true;
    }

    out->status.current_replicas = current;
    if (rescale) {
        /* The status shows the new size only once the write succeeded. */
        out->rescale = true;
        out->desired_replicas = desired;
    } else {
        out->desired_replicas = current;
        out->status.desired_replicas = current;
    }
    return finish(&d);
}

int hpac_sync_rescaled(hpac_sync_decision *out, const hpac_hpa *hpa, hpac_history *history,
                       int64_t now_ms)
{
    int rc = 0;
    char *cond = hpac_format("the HPA controller was able to update the target scale to %d",
                             out->desired_replicas);
    char *event = hpac_format("New size: %d; reason: %s", out->desired_replicas,
                              out->rescale_reason ? out->rescale_reason : "");
    hpac_sync_input in = {.now_ms = now_ms};
    decider d = {.in = &in, .out = out, .history = history};
    if (!cond || !event) {
        rc = -1;
        goto out;
    }
    set_condition(&d, "AbleToScale", "True", "SucceededRescale", cond);
    add_event(&d, false, "SuccessfulRescale", event);
    out->status.desired_replicas = out->desired_replicas;
    out->status.last_scale_time_ms = now_ms;
    if (hpac_store_scale_event(history, hpa->has_behavior ? &hpa->behavior : NULL,
                               out->current_replicas, out->desired_replicas, now_ms))
        d.oom = true;
    rc = finish(&d);
out:
    free(cond);
    free(event);
    return rc;
}

int hpac_sync_rescale_failed(hpac_sync_decision *out, const hpac_hpa *hpa, const char *error,
                             int64_t now_ms)
{
    hpac_sync_input in = {.now_ms = now_ms};
    decider d = {.in = &in, .out = out};
    char *event = hpac_format("New size: %d; reason: %s; error: %s", out->desired_replicas,
                              out->rescale_reason ? out->rescale_reason : "", error);
    char *cond = hpac_format("the HPA controller was unable to update the target scale: %s",
                             error);
    if (event)
        add_event(&d, true, "FailedRescale", event);
    if (cond)
        set_condition(&d, "AbleToScale", "False", "FailedUpdateScale", cond);
    set_error(&d, hpac_format("failed to rescale %s/%s/%s: %s", hpa->scale_target_ref.kind,
                              hpa->namespace, hpa->scale_target_ref.name, error));
    free(event);
    free(cond);
    out->rescale = false;
    return (!event || !cond) ? -1 : finish(&d);
}

void hpac_sync_decision_clear(hpac_sync_decision *d)
{
    free(d->rescale_reason);
    hpac_hpa_status_clear(&d->status);
    for (size_t i = 0; i < d->event_count; i++) {
        free(d->events[i].reason);
        free(d->events[i].message);
    }
    free(d->events);
    free(d->metric_outcomes);
    free(d->error);
    memset(d, 0, sizeof(*d));
}
