/* The replay loop: one controller sync per period on the virtual clock.
 * Each sync builds what the controller would have read (scale, pods,
 * metrics) from the model, lets hpac_sync_decide decide with the history
 * carried from the previous sync, applies the rescale through
 * hpac_sync_rescaled, and keeps the status for the next sync, as the
 * controller does through the API server. */
#include "whatif/whatif.h"

#include "hpa/history.h"
#include "util/strutil.h"
#include "whatif/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where trace second 0 sits on the virtual clock (2024-01-01T00:00:00Z):
 * any fixed instant will do, as long as it is not 0, which the pod
 * decoder's conventions read as "no start time". */
#define VIRTUAL_EPOCH_MS 1704067200000LL

#define SIM_SELECTOR "app=whatif"

void hpac_whatif_config_defaults(hpac_whatif_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->sync_period_ms = 15 * 1000;
    cfg->pod_startup_ms = 30 * 1000;
    cfg->metrics_window_ms = 60 * 1000;
    cfg->replicas = -1;
    hpac_sync_options_defaults(&cfg->sync);
}

/* ---- metric descriptions ------------------------------------------------------ */

static int64_t pod_request(const hpac_pod *pod, const hpac_metric_spec *m)
{
    int64_t milli = 0, total = 0;
    if (m->type == HPAC_METRIC_RESOURCE && hpac_pod_level_request(pod, m->resource_name, &milli))
        return milli;
    for (size_t i = 0; i < pod->container_count; i++) {
        if (m->type == HPAC_METRIC_CONTAINER_RESOURCE &&
            strcmp(pod->containers[i].name, m->container) != 0)
            continue;
        if (hpac_container_request(&pod->containers[i], m->resource_name, &milli))
            total += milli;
    }
    return total;
}

static int describe(const hpac_whatif_spec *spec, const hpac_metric_spec *m,
                    hpac_whatif_metric *out)
{
    const hpac_metric_target *t = &m->target;
    const hpac_object_ref *obj = &m->described_object;
    memset(out, 0, sizeof(*out));
    out->per_pod = true;
    switch (m->type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        out->percent = t->has_average_utilization;
        out->target = out->percent ? t->average_utilization : t->average_value_milli;
        out->request_milli = pod_request(&spec->pod, m);
        if (m->type == HPAC_METRIC_RESOURCE)
            out->label = hpac_format("%s %s", m->resource_name,
                                     out->percent ? "utilization" : "per pod");
        else
            out->label = hpac_format("%s %s of container %s", m->resource_name,
                                     out->percent ? "utilization" : "per pod", m->container);
        break;
    case HPAC_METRIC_PODS:
        out->target = t->average_value_milli;
        out->label = hpac_format("%s per pod", m->metric_name);
        break;
    case HPAC_METRIC_OBJECT:
    case HPAC_METRIC_EXTERNAL:
        out->per_pod = t->has_average_value &&
                       (m->type == HPAC_METRIC_EXTERNAL || t->type == HPAC_TARGET_AVERAGE_VALUE);
        out->target = out->per_pod ? t->average_value_milli : t->value_milli;
        if (m->type == HPAC_METRIC_OBJECT)
            out->label = hpac_format("%s of %s/%s%s", m->metric_name, obj->kind, obj->name,
                                     out->per_pod ? " per pod" : "");
        else
            out->label = hpac_format("%s%s", m->metric_name, out->per_pod ? " per pod" : "");
        break;
    case HPAC_METRIC_UNKNOWN:
        out->label = hpac_strdup(m->type_name ? m->type_name : "unknown");
        break;
    }
    /* The trace holds the metric's total, in its base unit. */
    if (m->type == HPAC_METRIC_RESOURCE || m->type == HPAC_METRIC_CONTAINER_RESOURCE)
        out->load_label = hpac_format("%s%s", m->resource_name,
                                      strcmp(m->resource_name, "cpu") == 0      ? " (cores)"
                                      : strcmp(m->resource_name, "memory") == 0 ? " (bytes)"
                                                                                : "");
    else
        out->load_label = hpac_strdup(m->metric_name ? m->metric_name
                                                     : (m->type_name ? m->type_name : "load"));
    return out->label && out->load_label ? 0 : -1;
}

/* ---- per-sync inputs -------------------------------------------------------------- */

typedef struct fetched {
    hpac_metric_fetch *fetches;
    hpac_pod_usage_list *usage;
    hpac_pod_sample_list *samples;
    hpac_value_list *values;
    size_t count;
} fetched;

static void fetched_clear(fetched *f)
{
    for (size_t i = 0; i < f->count; i++) {
        hpac_pod_usage_list_clear(&f->usage[i]);
        hpac_pod_sample_list_clear(&f->samples[i]);
        hpac_value_list_clear(&f->values[i]);
        f->fetches[i] = (hpac_metric_fetch){0};
    }
}

static void fetched_free(fetched *f)
{
    fetched_clear(f);
    free(f->fetches);
    free(f->usage);
    free(f->samples);
    free(f->values);
    memset(f, 0, sizeof(*f));
}

static int fetched_init(fetched *f, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->count = n;
    f->fetches = calloc(n, sizeof(*f->fetches));
    f->usage = calloc(n, sizeof(*f->usage));
    f->samples = calloc(n, sizeof(*f->samples));
    f->values = calloc(n, sizeof(*f->values));
    return f->fetches && f->usage && f->samples && f->values ? 0 : -1;
}

/* What the metrics APIs answer now, per metric. */
static int fetch_all(const hpac_whatif_model *model, const hpac_hpa *hpa, fetched *f)
{
    for (size_t i = 0; i < hpa->metric_count; i++) {
        switch (hpa->metrics[i].type) {
        case HPAC_METRIC_RESOURCE:
        case HPAC_METRIC_CONTAINER_RESOURCE:
            if (hpac_whatif_model_usage(model, i, &f->usage[i]))
                return -1;
            f->fetches[i].usage = &f->usage[i];
            break;
        case HPAC_METRIC_PODS:
            if (hpac_whatif_model_samples(model, i, &f->samples[i]))
                return -1;
            f->fetches[i].samples = &f->samples[i];
            break;
        case HPAC_METRIC_OBJECT:
        case HPAC_METRIC_EXTERNAL:
            if (hpac_whatif_model_total(model, i, &f->values[i]))
                return -1;
            f->fetches[i].values = &f->values[i];
            break;
        case HPAC_METRIC_UNKNOWN:
            f->fetches[i].error = "unknown metric type";
            break;
        }
    }
    return 0;
}

/* ---- recording ---------------------------------------------------------------------- */

static int intern_reason(hpac_whatif_result *r, const char *reason, uint8_t *index)
{
    for (size_t i = 0; i < r->reason_count; i++) {
        if (strcmp(r->reasons[i], reason) == 0) {
            *index = (uint8_t)i;
            return 0;
        }
    }
    if (r->reason_count >= 255)
        return -1;
    char **bigger = realloc(r->reasons, (r->reason_count + 1) * sizeof(*bigger));
    if (!bigger)
        return -1;
    r->reasons = bigger;
    r->reasons[r->reason_count] = hpac_strdup(reason);
    if (!r->reasons[r->reason_count])
        return -1;
    *index = (uint8_t)r->reason_count++;
    return 0;
}

static const hpac_condition *condition(const hpac_hpa_status *status, const char *type)
{
    for (size_t i = 0; i < status->condition_count; i++) {
        if (status->conditions[i].type && strcmp(status->conditions[i].type, type) == 0)
            return &status->conditions[i];
    }
    return NULL;
}

static bool is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The reasons worth showing: a stabilized AbleToScale, a True
 * ScalingLimited, a False ScalingActive. The routine ones (ReadyForNewScale,
 * DesiredWithinRange, ValidMetricFound) say nothing. */
static int note_reasons(hpac_whatif_result *r, const hpac_hpa_status *status,
                        hpac_whatif_step *step)
{
    const hpac_condition *able = condition(status, "AbleToScale");
    const hpac_condition *limited = condition(status, "ScalingLimited");
    const hpac_condition *active = condition(status, "ScalingActive");
    const char *picked[HPAC_WHATIF_MAX_REASONS];
    size_t n = 0;
    if (able && able->reason && *able->reason && !is(able->reason, "ReadyForNewScale") &&
        !is(able->reason, "SucceededGetScale") && !is(able->reason, "SucceededRescale"))
        picked[n++] = able->reason;
    if (limited && is(limited->status, "True") && limited->reason && *limited->reason)
        picked[n++] = limited->reason;
    if (active && is(active->status, "False") && active->reason && *active->reason)
        picked[n++] = active->reason;
    for (size_t i = 0; i < n; i++) {
        if (intern_reason(r, picked[i], &step->reasons[i]))
            return -1;
    }
    step->reason_count = (uint8_t)n;
    return 0;
}

static char *joined_reasons(const hpac_whatif_result *r, const hpac_whatif_step *step)
{
    char text[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < step->reason_count && used < sizeof(text); i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", i ? ", " : "",
                                 r->reasons[step->reasons[i]]);
    return hpac_strdup(text);
}

static int add_event(hpac_whatif_result *r, const hpac_whatif_step *step, const char *reason)
{
    hpac_whatif_event *bigger = realloc(r->events, (r->event_count + 1) * sizeof(*bigger));
    if (!bigger)
        return -1;
    r->events = bigger;
    hpac_whatif_event *ev = &r->events[r->event_count];
    ev->t_ms = step->t_ms;
    ev->from = step->current;
    ev->to = step->replicas;
    ev->reason = hpac_strdup(reason ? reason : "");
    ev->limits = joined_reasons(r, step);
    r->event_count++; /* counted before the check: the clear frees both */
    return ev->reason && ev->limits ? 0 : -1;
}

/* The recommendation the normalizer recorded at `now`, or -1. */
static int32_t recommendation_at(const hpac_history *h, int64_t now_ms)
{
    for (size_t i = h->recommendation_count; i-- > 0;) {
        if (h->recommendations[i].at_ms == now_ms)
            return h->recommendations[i].replicas;
    }
    return -1;
}

static void read_metrics(const hpac_whatif_result *r, const hpac_hpa_status *status,
                         const hpac_whatif_model *model, size_t ready, hpac_whatif_step *step,
                         hpac_whatif_reading *readings, int64_t *loads)
{
    for (size_t i = 0; i < r->metric_count; i++) {
        const hpac_whatif_metric *m = &r->metrics[i];
        hpac_whatif_reading *rd = &readings[i];
        int64_t load = hpac_whatif_model_load(model, i);
        loads[i] = load;
        memset(rd, 0, sizeof(*rd));
        if (i < status->current_metric_count) {
            const hpac_metric_status *st = &status->current_metrics[i];
            if (m->percent && st->has_average_utilization) {
                rd->seen_valid = true;
                rd->seen = st->average_utilization;
            } else if (!m->percent && m->per_pod && st->has_average_value) {
                rd->seen_valid = true;
                rd->seen = st->average_value_milli;
            } else if (!m->percent && !m->per_pod && st->has_value) {
                rd->seen_valid = true;
                rd->seen = st->value_milli;
            }
        }
        /* The truth after the sync, from the load and the serving pods. */
        if (!m->per_pod) {
            rd->actual = load;
        } else if (ready == 0) {
            rd->unserved = load > 0;
        } else if (m->percent) {
            rd->actual = m->request_milli > 0
                             ? load * 100 / ((int64_t)ready * m->request_milli)
                             : 0;
        } else {
            rd->actual = load / (int64_t)ready;
        }
        if (rd->unserved || rd->actual > m->target)
            step->above = true;
    }
}

/* ---- the loop ------------------------------------------------------------------------ */

static int32_t initial_replicas(const hpac_whatif_spec *spec, const hpac_whatif_config *cfg)
{
    if (cfg->replicas >= 0)
        return cfg->replicas;
    if (spec->workload_replicas >= 0)
        return spec->workload_replicas;
    return spec->hpa.min_replicas > 0 ? spec->hpa.min_replicas : 1;
}

static int check_config(const hpac_whatif_spec *spec, const hpac_trace *trace,
                        const hpac_whatif_config *cfg, char *err, size_t errsize)
{
    if (cfg->sync_period_ms <= 0 || cfg->sync_period_ms > HPAC_WHATIF_MAX_SYNC_MS) {
        snprintf(err, errsize, "the sync period must be between 1ms and 1h");
        return -1;
    }
    if (cfg->pod_startup_ms < 0 || cfg->pod_startup_ms > HPAC_WHATIF_MAX_DELAY_MS) {
        snprintf(err, errsize, "the pod start-up delay must be between 0 and 1h");
        return -1;
    }
    if (cfg->metrics_window_ms <= 0 || cfg->metrics_window_ms > HPAC_WHATIF_MAX_DELAY_MS) {
        snprintf(err, errsize, "the metrics window must be between 1ms and 1h");
        return -1;
    }
    if (cfg->replicas > HPAC_WHATIF_MAX_REPLICAS) {
        snprintf(err, errsize, "at most %d replicas can be simulated", HPAC_WHATIF_MAX_REPLICAS);
        return -1;
    }
    int64_t span = trace->count ? trace->t_ms[trace->count - 1] - trace->t_ms[0] : 0;
    if (span / cfg->sync_period_ms + 1 > HPAC_WHATIF_MAX_SYNCS) {
        snprintf(err, errsize,
                 "the trace spans %lld syncs at this sync period; at most %d are replayed "
                 "(use a longer --sync-period or a shorter trace)",
                 (long long)(span / cfg->sync_period_ms + 1), HPAC_WHATIF_MAX_SYNCS);
        return -1;
    }
    if (trace->columns != spec->hpa.metric_count || trace->count == 0) {
        snprintf(err, errsize, "the trace has %zu load columns for %zu metrics", trace->columns,
                 spec->hpa.metric_count);
        return -1;
    }
    return 0;
}

static void summarize(hpac_whatif_result *r, int32_t start, int64_t t_end)
{
    hpac_whatif_summary *s = &r->summary;
    s->syncs = r->step_count;
    s->start_replicas = start;
    s->end_replicas = r->step_count ? r->steps[r->step_count - 1].replicas : start;
    s->peak_replicas = start;
    s->duration_ms = r->step_count ? t_end - r->steps[0].t_ms : 0;
    for (size_t k = 0; k < r->step_count; k++) {
        const hpac_whatif_step *st = &r->steps[k];
        int64_t until = k + 1 < r->step_count ? r->steps[k + 1].t_ms : t_end;
        int64_t covered = until > st->t_ms ? until - st->t_ms : 0;
        s->replica_ms += (int64_t)st->replicas * covered;
        if (st->above)
            s->above_ms += covered;
        if (st->replicas > s->peak_replicas) {
            s->peak_replicas = st->replicas;
            s->peak_at_ms = st->t_ms;
        }
        if (st->scaled && st->replicas > st->current)
            s->scale_ups++;
        else if (st->scaled && st->replicas < st->current)
            s->scale_downs++;
    }
    if (s->peak_replicas == start && r->step_count)
        s->peak_at_ms = r->steps[0].t_ms;
    s->mean_replicas_milli = s->duration_ms > 0
                                 ? (s->replica_ms * 1000 + s->duration_ms / 2) / s->duration_ms
                                 : (int64_t)s->end_replicas * 1000;
}

typedef struct run_state {
    const hpac_whatif_spec *spec;
    const hpac_whatif_config *cfg;
    hpac_whatif_result *r;
    hpac_whatif_model model;
    hpac_history history;
    hpac_hpa hpa; /* a shallow view of spec->hpa with the status the syncs carry */
    fetched fetched;
    char *err;
    size_t errsize;
} run_state;

/* One sync at absolute time `now`; records step k. */
static int sync_once(run_state *s, int64_t now, size_t k)
{
    hpac_whatif_result *r = s->r;
    hpac_whatif_step *step = &r->steps[k];
    hpac_sync_decision d = {0};
    int rc = -1;
    char *reason = NULL;

    if (hpac_whatif_model_advance(&s->model, now) || fetch_all(&s->model, &s->hpa, &s->fetched))
        goto out;
    int32_t current = (int32_t)s->model.pod_count;
    hpac_scale scale = {.spec_replicas = current, .status_replicas = current,
                        .selector = SIM_SELECTOR};
    hpac_sync_input in = {
        .hpa = &s->hpa,
        .options = &s->cfg->sync,
        .now_ms = now,
        .scale = &scale,
        .pods = s->model.pods,
        .pod_count = s->model.pod_count,
        .metrics = s->fetched.fetches,
    };
    if (hpac_sync_decide(&in, &s->history, &d))
        goto out;
    step->t_ms = now - VIRTUAL_EPOCH_MS;
    step->current = current;
    step->recommended = recommendation_at(&s->history, now);
    step->desired = d.desired_replicas;
    if (note_reasons(r, &d.status, step))
        goto out;
    if (d.error && !r->first_error) {
        r->first_error = hpac_strdup(d.error);
        if (!r->first_error)
            goto out;
    }
    if (d.error)
        r->summary.failed_syncs++;
    if (d.rescale) {
        if (d.desired_replicas > HPAC_WHATIF_MAX_REPLICAS) {
            snprintf(s->err, s->errsize, "at %llds the HPA asked for %d replicas; the simulation "
                                         "stops at %d",
                     (long long)(step->t_ms / 1000), d.desired_replicas,
                     HPAC_WHATIF_MAX_REPLICAS);
            goto out;
        }
        /* The write succeeds at once on the virtual cluster. */
        reason = hpac_strdup(d.rescale_reason);
        if (hpac_sync_rescaled(&d, &s->hpa, &s->history, now) ||
            hpac_whatif_model_scale(&s->model, d.desired_replicas))
            goto out;
        step->scaled = true;
    }
    step->replicas = (int32_t)s->model.pod_count;
    step->ready = (int32_t)hpac_whatif_model_ready(&s->model);
    read_metrics(r, &d.status, &s->model, (size_t)step->ready, step,
                 &r->readings[k * r->metric_count], &r->loads[k * r->metric_count]);
    if (step->scaled && add_event(r, step, reason))
        goto out;
    /* The status the API server now holds, read back by the next sync. */
    hpac_hpa_status_clear(&s->hpa.status);
    s->hpa.status = d.status;
    memset(&d.status, 0, sizeof(d.status));
    rc = 0;
out:
    if (rc && !s->err[0])
        snprintf(s->err, s->errsize, "out of memory");
    free(reason);
    hpac_sync_decision_clear(&d);
    fetched_clear(&s->fetched);
    return rc;
}

int hpac_whatif_run(const hpac_whatif_spec *spec, const hpac_trace *trace,
                    const hpac_whatif_config *cfg, hpac_whatif_result *out, char *err,
                    size_t errsize)
{
    run_state s = {.spec = spec, .cfg = cfg, .r = out, .err = err, .errsize = errsize};
    const char **resources = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (errsize)
        err[0] = '\0';
    if (check_config(spec, trace, cfg, err, errsize))
        return -1;

    const hpac_hpa *hpa = &spec->hpa;
    size_t n = hpa->metric_count;
    int64_t t0 = trace->t_ms[0], t_end = trace->t_ms[trace->count - 1];
    size_t steps = (size_t)((t_end - t0) / cfg->sync_period_ms) + 1;
    int32_t start = initial_replicas(spec, cfg);

    out->config = *cfg;
    out->config.replicas = start;
    out->min_replicas = hpa->min_replicas;
    out->max_replicas = hpa->max_replicas;
    out->hpa_name = hpac_format("%s/%s", hpa->namespace ? hpa->namespace : "default",
                                hpa->name ? hpa->name : "");
    out->target_name = hpac_format("%s/%s", hpa->scale_target_ref.kind,
                                   hpa->scale_target_ref.name);
    out->metrics = calloc(n, sizeof(*out->metrics));
    out->steps = calloc(steps, sizeof(*out->steps));
    out->loads = calloc(steps * n, sizeof(*out->loads));
    out->readings = calloc(steps * n, sizeof(*out->readings));
    resources = calloc(n, sizeof(*resources));
    if (!out->hpa_name || !out->target_name || !out->metrics || !out->steps || !out->loads ||
        !out->readings || !resources)
        goto out;
    out->metric_count = n;
    for (size_t i = 0; i < n; i++) {
        if (describe(spec, &hpa->metrics[i], &out->metrics[i]))
            goto out;
        if (hpa->metrics[i].type == HPAC_METRIC_RESOURCE ||
            hpa->metrics[i].type == HPAC_METRIC_CONTAINER_RESOURCE)
            resources[i] = hpa->metrics[i].resource_name;
    }

    /* The view shares every pointer with spec->hpa but its status, which
     * this loop owns; it starts empty, like a newly created HPA. */
    s.hpa = *hpa;
    memset(&s.hpa.status, 0, sizeof(s.hpa.status));
    s.hpa.has_status = false;
    s.hpa.read_metrics = NULL;
    s.hpa.read_metric_count = 0;
    s.hpa.status_exact = false;
    s.hpa.history_annotation = NULL;
    if (fetched_init(&s.fetched, n) ||
        hpac_whatif_model_init(&s.model, trace, &spec->pod, resources, VIRTUAL_EPOCH_MS,
                               cfg->pod_startup_ms, cfg->metrics_window_ms, start))
        goto out;
    for (size_t k = 0; k < steps; k++) {
        if (sync_once(&s, VIRTUAL_EPOCH_MS + t0 + (int64_t)k * cfg->sync_period_ms, k))
            goto out;
        out->step_count = k + 1;
    }
    summarize(out, start, t_end);
    rc = 0;
out:
    if (rc && errsize && !err[0])
        snprintf(err, errsize, "out of memory");
    free(resources);
    fetched_free(&s.fetched);
    hpac_whatif_model_clear(&s.model);
    hpac_history_clear(&s.history);
    hpac_hpa_status_clear(&s.hpa.status);
    if (rc)
        hpac_whatif_result_clear(out);
    return rc;
}

void hpac_whatif_result_clear(hpac_whatif_result *result)
{
    free(result->hpa_name);
    free(result->target_name);
    for (size_t i = 0; result->metrics && i < result->metric_count; i++)
    {
        free(result->metrics[i].label);
        free(result->metrics[i].load_label);
    }
    free(result->metrics);
    free(result->steps);
    free(result->loads);
    free(result->readings);
    for (size_t i = 0; i < result->reason_count; i++)
        free(result->reasons[i]);
    free(result->reasons);
    for (size_t i = 0; i < result->event_count; i++) {
        free(result->events[i].reason);
        free(result->events[i].limits);
    }
    free(result->events);
    free(result->first_error);
    memset(result, 0, sizeof(*result));
}
