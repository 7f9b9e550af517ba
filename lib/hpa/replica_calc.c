/* The replica calculator, following upstream's replica_calculator.go step
 * by step (groupPods, the missing/unready adjustments, the final
 * direction checks), with one deliberate difference for Utilization
 * targets: containers without a request for the measured resource are
 * left out, and a pod with no such container is ignored. */
#include "hpa/replica_calc.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_NO_PODS "no pods returned by selector while calculating replica count"
#define ERR_NO_READY_METRICS "did not receive metrics for targeted pods (pods might be unready)"

typedef enum pod_class {
    POD_READY,
    POD_UNREADY, /* pending, or (cpu only) not ready / still initializing */
    POD_MISSING, /* no metric */
    POD_IGNORED, /* deleted, failed, or (utilization) without a request */
} pod_class;

/* A pod as the calculator sees it for one metric. */
typedef struct pod_entry {
    const hpac_pod *pod;
    pod_class cls;
    bool has_metric;
    int64_t value;        /* usage (milli) */
    int64_t timestamp_ms; /* of the metric */
    int64_t window_ms;
    bool has_request;
    int64_t request; /* utilization targets only */
} pod_entry;

/* The metric entries upstream keeps in its per-pod map: one per pod that
 * reported a value, including pods the selector did not return. */
typedef struct sample_set {
    pod_entry *pods;
    size_t pod_count;
    size_t extraneous;         /* samples for pods not in the list */
    int64_t extraneous_total;  /* and the sum of their values */
    int64_t timestamp_ms;      /* of the first sample, like upstream */
} sample_set;

static int32_t ceil_to_int32(double value)
{
    double c = ceil(value);
    if (c >= (double)INT32_MAX)
        return INT32_MAX;
    if (c <= (double)INT32_MIN)
        return INT32_MIN;
    return (int32_t)c;
}

static bool within_tolerance(const hpac_calc_config *cfg, double ratio)
{
    return 1.0 - cfg->tolerance_down <= ratio && ratio <= 1.0 + cfg->tolerance_up;
}

/* Sorted (name, position) pairs of the metric samples: a binary search
 * per pod instead of a scan. */
typedef struct named_item {
    const char *name;
    size_t index;
} named_item;

static int compare_named(const void *a, const void *b)
{
    return strcmp(((const named_item *)a)->name, ((const named_item *)b)->name);
}

typedef struct name_index {
    named_item *items;
    size_t count;
} name_index;

/* Each item's name is the `char *` at `name_offset`; NULL names are left
 * out. */
static int name_index_build(name_index *idx, const void *items, size_t count, size_t item_size,
                            size_t name_offset)
{
    idx->count = 0;
    idx->items = NULL;
    if (count == 0)
        return 0;
    idx->items = malloc(count * sizeof(*idx->items));
    if (!idx->items)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *name =
            *(const char *const *)((const char *)items + i * item_size + name_offset);
        if (name)
            idx->items[idx->count++] = (named_item){name, i};
    }
    qsort(idx->items, idx->count, sizeof(*idx->items), compare_named);
    return 0;
}

/* Position of `name` among the items, or -1. */
static long name_index_find(const name_index *idx, const char *name)
{
    if (!idx->items || !name)
        return -1;
    named_item key = {name, 0};
    const named_item *hit =
        bsearch(&key, idx->items, idx->count, sizeof(*idx->items), compare_named);
    return hit ? (long)hit->index : -1;
}

static const hpac_container_usage *find_usage(const hpac_pod_usage *u, const char *container)
{
    for (size_t i = 0; i < u->container_count; i++) {
        if (u->containers[i].name && strcmp(u->containers[i].name, container) == 0)
            return &u->containers[i];
    }
    return NULL;
}

static const hpac_pod_container *find_container(const hpac_pod *pod, const char *name)
{
    for (size_t i = 0; i < pod->container_count; i++) {
        if (pod->containers[i].name && strcmp(pod->containers[i].name, name) == 0)
            return &pod->containers[i];
    }
    return NULL;
}

/* Upstream's per-pod value: the named container's usage, or the sum over
 * all containers (none missing). */
static bool upstream_pod_value(const hpac_pod_usage *u, const char *container, int64_t *value)
{
    if (container) {
        const hpac_container_usage *c = find_usage(u, container);
        if (!c || !c->present)
            return false;
        *value = c->milli;
        return true;
    }
    if (u->container_count == 0)
        return false;
    int64_t sum = 0;
    for (size_t i = 0; i < u->container_count; i++) {
        if (!u->containers[i].present)
            return false;
        sum += u->containers[i].milli;
    }
    *value = sum;
    return true;
}

/* For a Utilization target: the pod's request and the usage of the same
 * containers. Pod-level requests, when set, stand for the whole pod. */
static void utilization_inputs(const hpac_pod *pod, const hpac_pod_usage *u, const char *resource,
                               const char *container, pod_entry *e)
{
    int64_t request = 0;
    e->has_request = false;
    e->has_metric = false;
    if (!container && hpac_pod_level_request(pod, resource, &request)) {
        e->has_request = true;
        e->request = request;
        if (u)
            e->has_metric = upstream_pod_value(u, NULL, &e->value);
        return;
    }
    int64_t request_sum = 0, usage_sum = 0;
    bool any_request = false, usage_complete = u != NULL;
    for (size_t i = 0; i < pod->container_count; i++) {
        const hpac_pod_container *c = &pod->containers[i];
        if (container && (!c->name || strcmp(c->name, container) != 0))
            continue;
        int64_t milli;
        if (!hpac_container_request(c, resource, &milli))
            continue; /* no request: neither its usage nor its request counts */
        any_request = true;
        request_sum += milli;
        if (usage_complete) {
            const hpac_container_usage *cu = c->name ? find_usage(u, c->name) : NULL;
            if (cu && cu->present)
                usage_sum += cu->milli;
            else
                usage_complete = false;
        }
    }
    e->has_request = any_request;
    e->request = request_sum;
    e->has_metric = any_request && usage_complete;
    e->value = usage_sum;
}

/* upstream groupPods: deleted and failed pods are ignored, pending ones
 * unready, pods without a metric missing; for cpu, a pod still starting
 * (or that has never been ready) is unready. */
static pod_class classify(const hpac_calc_config *cfg, const pod_entry *e, bool cpu)
{
    const hpac_pod *pod = e->pod;
    if (pod->deleting || pod->phase == HPAC_POD_FAILED)
        return POD_IGNORED;
    if (pod->phase == HPAC_POD_PENDING)
        return POD_UNREADY;
    if (!e->has_metric)
        return POD_MISSING;
    if (!cpu)
        return POD_READY;
    if (!pod->has_ready_condition || pod->start_time_ms == 0)
        return POD_UNREADY;
    bool unready;
    if (pod->start_time_ms + cfg->cpu_initialization_period_ms > cfg->now_ms) {
        /* Still initializing: a sample must cover a full window since the
         * pod last changed readiness. */
        unready = !pod->ready || e->timestamp_ms < pod->ready_transition_ms + e->window_ms;
    } else {
        /* Past initialization: only a pod that has never been ready. */
        unready = !pod->ready &&
                  pod->start_time_ms + cfg->initial_readiness_delay_ms > pod->ready_transition_ms;
    }
    return unready ? POD_UNREADY : POD_READY;
}

typedef struct counts {
    size_t ready;
    size_t unready;
    size_t missing;
} counts;

static counts classify_all(const hpac_calc_config *cfg, sample_set *s, bool cpu)
{
    counts n = {0};
    for (size_t i = 0; i < s->pod_count; i++) {
        pod_entry *e = &s->pods[i];
        if (e->cls == POD_IGNORED)
            continue; /* decided earlier: no request */
        e->cls = classify(cfg, e, cpu);
        if (e->cls == POD_READY)
            n.ready++;
        else if (e->cls == POD_UNREADY)
            n.unready++;
        else if (e->cls == POD_MISSING)
            n.missing++;
    }
    return n;
}

/* Pairs each pod with the sample of the same name: at[i] is the index of
 * pod i's sample or -1; paired[j] says whether sample j found its pod.
 * Both arrays are new (caller frees). */
static int pair_by_name(const hpac_pod *pods, size_t pod_count, const void *items, size_t count,
                        size_t item_size, size_t name_offset, long **at, bool **paired)
{
    name_index idx;
    *at = NULL;
    *paired = NULL;
    if (name_index_build(&idx, items, count, item_size, name_offset))
        return -1;
    *at = calloc(pod_count ? pod_count : 1, sizeof(**at));
    *paired = calloc(count ? count : 1, sizeof(**paired));
    if (!*at || !*paired) {
        free(idx.items);
        free(*at);
        free(*paired);
        return -1;
    }
    for (size_t i = 0; i < pod_count; i++) {
        (*at)[i] = name_index_find(&idx, pods[i].name);
        if ((*at)[i] >= 0)
            (*paired)[(*at)[i]] = true;
    }
    free(idx.items);
    return 0;
}

/* Builds the per-pod entries from a PodMetrics list. `utilization`
 * selects the request-aware reading. */
static int samples_from_usage(const hpac_pod *pods, size_t pod_count,
                              const hpac_pod_usage_list *usage, const char *resource,
                              const char *container, bool utilization, sample_set *s)
{
    long *at;
    bool *paired;
    memset(s, 0, sizeof(*s));
    s->pods = calloc(pod_count ? pod_count : 1, sizeof(*s->pods));
    if (!s->pods || pair_by_name(pods, pod_count, usage->items, usage->count,
                                 sizeof(*usage->items), offsetof(hpac_pod_usage, pod_name), &at,
                                 &paired)) {
        free(s->pods);
        s->pods = NULL;
        return -1;
    }
    s->pod_count = pod_count;
    if (usage->count)
        s->timestamp_ms = usage->items[0].timestamp_ms;
    for (size_t i = 0; i < pod_count; i++) {
        pod_entry *e = &s->pods[i];
        e->pod = &pods[i];
        const hpac_pod_usage *u = at[i] >= 0 ? &usage->items[at[i]] : NULL;
        if (u) {
            e->timestamp_ms = u->timestamp_ms;
            e->window_ms = u->window_ms;
        }
        if (utilization) {
            utilization_inputs(&pods[i], u, resource, container, e);
            if (!e->has_request)
                e->cls = POD_IGNORED;
        } else if (container && !find_container(&pods[i], container)) {
            e->cls = POD_IGNORED; /* it can never report that container */
        } else if (u) {
            e->has_metric = upstream_pod_value(u, container, &e->value);
        }
    }
    for (size_t i = 0; i < usage->count; i++) {
        int64_t value;
        if (!paired[i] && upstream_pod_value(&usage->items[i], container, &value)) {
            s->extraneous++;
            s->extraneous_total += value;
        }
    }
    free(at);
    free(paired);
    return 0;
}

static int samples_from_pod_samples(const hpac_pod *pods, size_t pod_count,
                                    const hpac_pod_sample_list *list, sample_set *s)
{
    long *at;
    bool *paired;
    memset(s, 0, sizeof(*s));
    s->pods = calloc(pod_count ? pod_count : 1, sizeof(*s->pods));
    if (!s->pods || pair_by_name(pods, pod_count, list->items, list->count, sizeof(*list->items),
                                 offsetof(hpac_pod_sample, pod_name), &at, &paired)) {
        free(s->pods);
        s->pods = NULL;
        return -1;
    }
    s->pod_count = pod_count;
    if (list->count)
        s->timestamp_ms = list->items[0].timestamp_ms;
    for (size_t i = 0; i < pod_count; i++) {
        pod_entry *e = &s->pods[i];
        e->pod = &pods[i];
        if (at[i] >= 0) {
            const hpac_pod_sample *sample = &list->items[at[i]];
            e->has_metric = true;
            e->value = sample->milli;
            e->timestamp_ms = sample->timestamp_ms;
            e->window_ms = sample->window_ms;
        }
    }
    for (size_t i = 0; i < list->count; i++) {
        if (!paired[i]) {
            s->extraneous++;
            s->extraneous_total += list->items[i].milli;
        }
    }
    free(at);
    free(paired);
    return 0;
}

/* upstream GetResourceUtilizationRatio over the ready pods (the only
 * entries with both a metric and a request), plus `extra` entries that
 * stand for missing or unready pods. */
typedef struct utilization_ratio {
    double ratio;
    int32_t utilization;
    int64_t raw_average;
} utilization_ratio;

static int utilization_of(const sample_set *s, int32_t target, bool include_missing,
                          int64_t missing_percent, bool include_unready, utilization_ratio *out)
{
    int64_t usage_total = 0, request_total = 0, entities = 0;
    for (size_t i = 0; i < s->pod_count; i++) {
        const pod_entry *e = &s->pods[i];
        if (e->cls == POD_READY) {
            usage_total += e->value;
        } else if (e->cls == POD_MISSING && include_missing) {
            usage_total += e->request * missing_percent / 100;
        } else if (!(e->cls == POD_UNREADY && include_unready)) {
            continue; /* an unready pod joins at zero usage */
        }
        request_total += e->request;
        entities++;
    }
    if (request_total == 0)
        return -1;
    out->utilization = (int32_t)(usage_total * 100 / request_total);
    out->ratio = (double)out->utilization / (double)target;
    out->raw_average = usage_total / entities;
    return 0;
}

int hpac_calc_resource_utilization(const hpac_calc_config *cfg, int32_t current_replicas,
                                   int32_t target_utilization, const char *resource,
                                   const char *container, const hpac_pod *pods, size_t pod_count,
                                   const hpac_pod_usage_list *usage, hpac_calc_result *out,
                                   char *err, size_t errsize)
{
    sample_set s;
    int rc = -1;
    if (usage->count == 0) {
        snprintf(err, errsize, "unable to get metrics for resource %s: no metrics returned from "
                               "resource metrics API", resource);
        return -1;
    }
    if (pod_count == 0) {
        snprintf(err, errsize, ERR_NO_PODS);
        return -1;
    }
    if (target_utilization <= 0) {
        snprintf(err, errsize, "invalid target utilization %d%%", target_utilization);
        return -1;
    }
    if (samples_from_usage(pods, pod_count, usage, resource, container, true, &s)) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    bool any_request = false;
    for (size_t i = 0; i < s.pod_count && !any_request; i++)
        any_request = s.pods[i].has_request;
    if (!any_request) {
        if (container)
            snprintf(err, errsize, "no pod has a %s request in container %s", resource, container);
        else
            snprintf(err, errsize, "no pod has a %s request in any container", resource);
        goto out;
    }

    counts n = classify_all(cfg, &s, strcmp(resource, "cpu") == 0);
    size_t sample_count = n.ready + s.extraneous;
    if (sample_count == 0) {
        snprintf(err, errsize, ERR_NO_READY_METRICS);
        goto out;
    }
    utilization_ratio first;
    if (utilization_of(&s, target_utilization, false, 0, false, &first)) {
        snprintf(err, errsize, "no metrics returned matched known pods");
        goto out;
    }
    out->utilization = first.utilization;
    out->value_milli = first.raw_average;
    out->timestamp_ms = s.timestamp_ms;
    rc = 0;

    bool scale_up_with_unready = n.unready > 0 && first.ratio > 1.0;
    if (!scale_up_with_unready && n.missing == 0) {
        out->replicas = within_tolerance(cfg, first.ratio)
                            ? current_replicas
                            : ceil_to_int32(first.ratio * (double)n.ready);
        goto out;
    }

    /* Missing pods count at 100% of their request (at least the target)
     * when scaling down and at 0% when scaling up: the conservative side. */
    int64_t fallback = target_utilization > 100 ? target_utilization : 100;
    bool fill_missing = n.missing > 0 && first.ratio != 1.0;
    int64_t missing_percent = first.ratio < 1.0 ? fallback : 0;
    utilization_ratio second;
    if (utilization_of(&s, target_utilization, fill_missing, missing_percent,
                       scale_up_with_unready, &second)) {
        out->replicas = current_replicas;
        goto out;
    }
    if (within_tolerance(cfg, second.ratio) || (first.ratio < 1.0 && second.ratio > 1.0) ||
        (first.ratio > 1.0 && second.ratio < 1.0)) {
        out->replicas = current_replicas; /* the adjustment reversed the direction */
        goto out;
    }
    size_t entries = n.ready + s.extraneous + (fill_missing ? n.missing : 0) +
                     (scale_up_with_unready ? n.unready : 0);
    int32_t proposed = ceil_to_int32(second.ratio * (double)entries);
    if ((second.ratio < 1.0 && proposed > current_replicas) ||
        (second.ratio > 1.0 && proposed < current_replicas))
        proposed = current_replicas;
    out->replicas = proposed;
out:
    free(s.pods);
    return rc;
}

/* upstream calcPlainMetricReplicas: an average of raw values per pod. */
static int plain_replicas(const hpac_calc_config *cfg, int32_t current_replicas,
                          int64_t target_milli, sample_set *s, bool cpu, hpac_calc_result *out,
                          char *err, size_t errsize)
{
    if (s->pod_count == 0) {
        snprintf(err, errsize, ERR_NO_PODS);
        return -1;
    }
    if (target_milli <= 0) {
        snprintf(err, errsize, "invalid target value %lld (milli-units)", (long long)target_milli);
        return -1;
    }
    counts n = classify_all(cfg, s, cpu);
    size_t entries = n.ready + s->extraneous;
    if (entries == 0) {
        snprintf(err, errsize, ERR_NO_READY_METRICS);
        return -1;
    }
    int64_t total = s->extraneous_total;
    for (size_t i = 0; i < s->pod_count; i++) {
        if (s->pods[i].cls == POD_READY)
            total += s->pods[i].value;
    }
    int64_t usage = total / (int64_t)entries;
    double ratio = (double)usage / (double)target_milli;
    out->value_milli = usage;
    out->timestamp_ms = s->timestamp_ms;

    bool scale_up_with_unready = n.unready > 0 && ratio > 1.0;
    if (!scale_up_with_unready && n.missing == 0) {
        out->replicas = within_tolerance(cfg, ratio) ? current_replicas
                                                     : ceil_to_int32(ratio * (double)n.ready);
        return 0;
    }
    /* Missing pods at the target when scaling down, at zero when scaling up. */
    bool fill_missing = n.missing > 0 && ratio != 1.0;
    if (fill_missing && ratio < 1.0)
        total += target_milli * (int64_t)n.missing;
    if (fill_missing)
        entries += n.missing;
    if (scale_up_with_unready)
        entries += n.unready;
    double new_ratio = (double)(total / (int64_t)entries) / (double)target_milli;
    if (within_tolerance(cfg, new_ratio) || (ratio < 1.0 && new_ratio > 1.0) ||
        (ratio > 1.0 && new_ratio < 1.0)) {
        out->replicas = current_replicas;
        return 0;
    }
    int32_t proposed = ceil_to_int32(new_ratio * (double)entries);
    if ((new_ratio < 1.0 && proposed > current_replicas) ||
        (new_ratio > 1.0 && proposed < current_replicas))
        proposed = current_replicas;
    out->replicas = proposed;
    return 0;
}

int hpac_calc_resource_average_value(const hpac_calc_config *cfg, int32_t current_replicas,
                                     int64_t target_milli, const char *resource,
                                     const char *container, const hpac_pod *pods,
                                     size_t pod_count, const hpac_pod_usage_list *usage,
                                     hpac_calc_result *out, char *err, size_t errsize)
{
    if (usage->count == 0) {
        snprintf(err, errsize, "unable to get metrics for resource %s: no metrics returned from "
                               "resource metrics API", resource);
        return -1;
    }
    sample_set s;
    if (samples_from_usage(pods, pod_count, usage, resource, container, false, &s)) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    int rc = plain_replicas(cfg, current_replicas, target_milli, &s, strcmp(resource, "cpu") == 0,
                            out, err, errsize);
    free(s.pods);
    return rc;
}

int hpac_calc_pods_metric(const hpac_calc_config *cfg, int32_t current_replicas,
                          int64_t target_milli, const hpac_pod *pods, size_t pod_count,
                          const hpac_pod_sample_list *samples, hpac_calc_result *out, char *err,
                          size_t errsize)
{
    if (samples->count == 0) {
        snprintf(err, errsize, "no metrics returned from custom metrics API");
        return -1;
    }
    sample_set s;
    if (samples_from_pod_samples(pods, pod_count, samples, &s)) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    int rc = plain_replicas(cfg, current_replicas, target_milli, &s, false, out, err, errsize);
    free(s.pods);
    return rc;
}

static int64_t sum_values(const hpac_value_list *values)
{
    int64_t sum = 0;
    for (size_t i = 0; i < values->count; i++)
        sum += values->milli[i];
    return sum;
}

static size_t ready_pod_count(const hpac_pod *pods, size_t pod_count)
{
    size_t ready = 0;
    for (size_t i = 0; i < pod_count; i++) {
        if (pods[i].phase == HPAC_POD_RUNNING && pods[i].has_ready_condition && pods[i].ready)
            ready++;
    }
    return ready;
}

int hpac_calc_value(const hpac_calc_config *cfg, int32_t spec_replicas, int64_t target_milli,
                    const hpac_value_list *values, const hpac_pod *pods, size_t pod_count,
                    hpac_calc_result *out, char *err, size_t errsize)
{
    if (values->count == 0) {
        snprintf(err, errsize, "no metrics returned");
        return -1;
    }
    if (target_milli <= 0) {
        snprintf(err, errsize, "invalid target value %lld (milli-units)", (long long)target_milli);
        return -1;
    }
    int64_t usage = sum_values(values);
    double ratio = (double)usage / (double)target_milli;
    out->value_milli = usage;
    out->timestamp_ms = values->timestamp_ms;
    if (spec_replicas == 0) {
        /* From zero there is no pod to count: the ratio itself. */
        out->replicas = ceil_to_int32(ratio);
        return 0;
    }
    if (within_tolerance(cfg, ratio)) {
        out->replicas = spec_replicas;
        return 0;
    }
    if (pod_count == 0) {
        snprintf(err, errsize, "unable to calculate ready pods: " ERR_NO_PODS);
        return -1;
    }
    out->replicas = ceil_to_int32(ratio * (double)ready_pod_count(pods, pod_count));
    return 0;
}

int hpac_calc_average_value(const hpac_calc_config *cfg, int32_t status_replicas,
                            int64_t target_milli, const hpac_value_list *values,
                            hpac_calc_result *out, char *err, size_t errsize)
{
    if (values->count == 0) {
        snprintf(err, errsize, "no metrics returned");
        return -1;
    }
    if (target_milli <= 0) {
        snprintf(err, errsize, "invalid target value %lld (milli-units)", (long long)target_milli);
        return -1;
    }
    int64_t usage = sum_values(values);
    out->replicas = status_replicas;
    double ratio = (double)usage / ((double)target_milli * (double)status_replicas);
    if (!within_tolerance(cfg, ratio))
        out->replicas = ceil_to_int32((double)usage / (double)target_milli);
    out->value_milli = status_replicas > 0 ? (int64_t)ceil((double)usage / status_replicas)
                                           : usage;
    out->timestamp_ms = values->timestamp_ms;
    return 0;
}
