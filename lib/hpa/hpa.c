#include "hpa/hpa.h"

#include "hpa/decode.h"
#include "hpa/quantity.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_ANNOTATION "hpac.io/history"

/* API server validation bounds (pkg/apis/autoscaling/validation). */
#define MAX_PERIOD_SECONDS 1800
#define MAX_STABILIZATION_WINDOW_SECONDS 3600
/* The metric the API server gives an HPA that lists none. */
#define DEFAULT_CPU_UTILIZATION 80

typedef struct metric_source_kind {
    const char *type_name; /* spec.metrics[i].type */
    const char *key;       /* the member holding the source */
    hpac_metric_type type;
} metric_source_kind;

static const metric_source_kind metric_sources[] = {
    {"Resource", "resource", HPAC_METRIC_RESOURCE},
    {"ContainerResource", "containerResource", HPAC_METRIC_CONTAINER_RESOURCE},
    {"Pods", "pods", HPAC_METRIC_PODS},
    {"Object", "object", HPAC_METRIC_OBJECT},
    {"External", "external", HPAC_METRIC_EXTERNAL},
};
#define METRIC_SOURCE_COUNT (sizeof(metric_sources) / sizeof(metric_sources[0]))

const char *hpac_metric_type_name(hpac_metric_type type)
{
    for (size_t i = 0; i < METRIC_SOURCE_COUNT; i++) {
        if (metric_sources[i].type == type)
            return metric_sources[i].type_name;
    }
    return "Unknown";
}

static const char *metric_source_key(hpac_metric_type type)
{
    for (size_t i = 0; i < METRIC_SOURCE_COUNT; i++) {
        if (metric_sources[i].type == type)
            return metric_sources[i].key;
    }
    return NULL;
}

/* ---- freeing ---------------------------------------------------------- */

static void object_ref_clear(hpac_object_ref *ref)
{
    free(ref->api_version);
    free(ref->kind);
    free(ref->name);
    memset(ref, 0, sizeof(*ref));
}

static void metric_spec_clear(hpac_metric_spec *m)
{
    free(m->type_name);
    free(m->resource_name);
    free(m->container);
    free(m->metric_name);
    json_decref(m->metric_selector);
    object_ref_clear(&m->described_object);
    memset(m, 0, sizeof(*m));
}

static void scaling_rules_clear(hpac_scaling_rules *rules)
{
    free(rules->policies);
    memset(rules, 0, sizeof(*rules));
}

void hpac_behavior_clear(hpac_behavior *behavior)
{
    if (!behavior)
        return;
    scaling_rules_clear(&behavior->scale_up);
    scaling_rules_clear(&behavior->scale_down);
}

static void condition_clear(hpac_condition *c)
{
    free(c->type);
    free(c->status);
    free(c->reason);
    free(c->message);
    memset(c, 0, sizeof(*c));
}

void hpac_hpa_status_clear(hpac_hpa_status *status)
{
    if (!status)
        return;
    free(status->current_metrics);
    for (size_t i = 0; i < status->condition_count; i++)
        condition_clear(&status->conditions[i]);
    free(status->conditions);
    memset(status, 0, sizeof(*status));
}

void hpac_hpa_clear(hpac_hpa *hpa)
{
    if (!hpa)
        return;
    free(hpa->api_version);
    free(hpa->namespace);
    free(hpa->name);
    free(hpa->uid);
    free(hpa->resource_version);
    object_ref_clear(&hpa->scale_target_ref);
    for (size_t i = 0; i < hpa->metric_count; i++)
        metric_spec_clear(&hpa->metrics[i]);
    free(hpa->metrics);
    hpac_behavior_clear(&hpa->behavior);
    hpac_hpa_status_clear(&hpa->status);
    free(hpa->read_metrics);
    free(hpa->history_annotation);
    memset(hpa, 0, sizeof(*hpa));
}

/* ---- behavior defaults ------------------------------------------------- */

/* Fills `rules` with the API server's defaults for one direction
 * (pkg/apis/autoscaling/v2 defaults): scale up may add 4 pods or double
 * every 15 s with no stabilization; scale down may remove everything every
 * 15 s, and its stabilization window is left to the controller's flag. */
static int default_rules(bool up, hpac_scaling_rules *rules)
{
    memset(rules, 0, sizeof(*rules));
    size_t count = up ? 2 : 1;
    rules->policies = calloc(count, sizeof(*rules->policies));
    if (!rules->policies)
        return -1;
    rules->policy_count = count;
    rules->select_policy = HPAC_SELECT_MAX;
    if (up) {
        rules->has_stabilization_window = true;
        rules->stabilization_window_seconds = 0;
        rules->policies[0] = (hpac_scaling_policy){HPAC_POLICY_PODS, 4, 15};
        rules->policies[1] = (hpac_scaling_policy){HPAC_POLICY_PERCENT, 100, 15};
    } else {
        rules->policies[0] = (hpac_scaling_policy){HPAC_POLICY_PERCENT, 100, 15};
    }
    return 0;
}

void hpac_behavior_defaults(hpac_behavior *out)
{
    memset(out, 0, sizeof(*out));
    /* Out of memory leaves a direction without policies; callers treat
     * policy_count == 0 as "no limit from policies". */
    if (default_rules(true, &out->scale_up) != 0 || default_rules(false, &out->scale_down) != 0)
        hpac_behavior_clear(out);
}

/* ---- decoding: pieces --------------------------------------------------- */

static int decode_object_ref(const json_t *parent, const char *key, const char *path,
                             hpac_object_ref *out, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    const json_t *ref = NULL;
    if (hpac_decode_object(parent, key, path, true, &ref, err, errsize) != 0)
        return -1;
    hpac_path_child(p, sizeof(p), path, key);
    if (hpac_decode_string(ref, "kind", p, true, &out->kind, err, errsize) != 0)
        return -1;
    hpac_path_child(fp, sizeof(fp), p, "kind");
    if (hpac_check_path_segment(out->kind, fp, err, errsize) != 0)
        return -1;
    if (hpac_decode_string(ref, "name", p, true, &out->name, err, errsize) != 0)
        return -1;
    hpac_path_child(fp, sizeof(fp), p, "name");
    if (hpac_check_path_segment(out->name, fp, err, errsize) != 0)
        return -1;
    return hpac_decode_string(ref, "apiVersion", p, false, &out->api_version, err, errsize);
}

/* MetricIdentifier: metric.name and the optional metric.selector. */
static int decode_metric_identifier(const json_t *source, const char *path, hpac_metric_spec *out,
                                    char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    const json_t *metric = NULL;
    if (hpac_decode_object(source, "metric", path, true, &metric, err, errsize) != 0)
        return -1;
    hpac_path_child(p, sizeof(p), path, "metric");
    if (hpac_decode_string(metric, "name", p, true, &out->metric_name, err, errsize) != 0)
        return -1;
    hpac_path_child(fp, sizeof(fp), p, "name");
    if (hpac_check_path_segment(out->metric_name, fp, err, errsize) != 0)
        return -1;
    const json_t *selector = NULL;
    if (hpac_decode_object(metric, "selector", p, false, &selector, err, errsize) != 0)
        return -1;
    /* The selector is interpreted when it is used (the controller reports a
     * bad one on the HPA); here it is only kept. */
    if (selector)
        out->metric_selector = json_incref((json_t *)selector);
    return 0;
}

static int decode_target(const json_t *source, const char *path, hpac_metric_target *out,
                         char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    const json_t *target = NULL;
    if (hpac_decode_object(source, "target", path, true, &target, err, errsize) != 0)
        return -1;
    hpac_path_child(p, sizeof(p), path, "target");

    const char *type = NULL;
    if (hpac_decode_string_ref(target, "type", p, true, &type, err, errsize) != 0)
        return -1;
    if (strcmp(type, "Utilization") == 0)
        out->type = HPAC_TARGET_UTILIZATION;
    else if (strcmp(type, "AverageValue") == 0)
        out->type = HPAC_TARGET_AVERAGE_VALUE;
    else if (strcmp(type, "Value") == 0)
        out->type = HPAC_TARGET_VALUE;
    else {
        hpac_path_child(fp, sizeof(fp), p, "type");
        hpac_decode_error(err, errsize, fp, "must be either Utilization, Value, or AverageValue");
        return -1;
    }

    int64_t utilization = 0;
    if (hpac_decode_int(target, "averageUtilization", p, false, INT32_MIN, INT32_MAX,
                        &out->has_average_utilization, &utilization, err, errsize) != 0)
        return -1;
    if (out->has_average_utilization) {
        if (utilization < 1) {
            hpac_path_child(fp, sizeof(fp), p, "averageUtilization");
            hpac_decode_error(err, errsize, fp, "must be greater than 0");
            return -1;
        }
        out->average_utilization = (int32_t)utilization;
    }

    static const char *const quantity_keys[] = {"averageValue", "value"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(target, quantity_keys[i]);
        if (!v || json_is_null(v))
            continue;
        hpac_path_child(fp, sizeof(fp), p, quantity_keys[i]);
        int64_t milli = 0;
        if (hpac_decode_quantity_milli(v, fp, &milli, err, errsize) != 0)
            return -1;
        if (milli <= 0) {
            hpac_decode_error(err, errsize, fp, "must be positive");
            return -1;
        }
        if (i == 0) {
            out->has_average_value = true;
            out->average_value_milli = milli;
        } else {
            out->has_value = true;
            out->value_milli = milli;
        }
    }
    return 0;
}

/* Which target fields each source needs, as the API server checks them. */
static int check_target_fields(hpac_metric_type type, const hpac_metric_target *t,
                               const char *source_path, char *err, size_t errsize)
{
    char tp[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    hpac_path_child(tp, sizeof(tp), source_path, "target");
    switch (type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        if (!t->has_average_utilization && !t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "averageUtilization");
            hpac_decode_error(err, errsize, fp,
                              "must set either a target raw value or a target utilization");
            return -1;
        }
        if (t->has_average_utilization && t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "averageValue");
            hpac_decode_error(err, errsize, fp,
                              "may not set both a target raw value and a target utilization");
            return -1;
        }
        return 0;
    case HPAC_METRIC_PODS:
        if (!t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "averageValue");
            hpac_decode_error(err, errsize, fp, "must specify a positive target averageValue");
            return -1;
        }
        return 0;
    case HPAC_METRIC_OBJECT:
        if (!t->has_value && !t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "averageValue");
            hpac_decode_error(err, errsize, fp, "must set either a target value or averageValue");
            return -1;
        }
        return 0;
    case HPAC_METRIC_EXTERNAL:
        if (!t->has_value && !t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "averageValue");
            hpac_decode_error(err, errsize, fp,
                              "must set either a target value for metric or a per-pod target");
            return -1;
        }
        if (t->has_value && t->has_average_value) {
            hpac_path_child(fp, sizeof(fp), tp, "value");
            hpac_decode_error(err, errsize, fp,
                              "may not set both a target value for metric and a per-pod target");
            return -1;
        }
        return 0;
    case HPAC_METRIC_UNKNOWN:
        break;
    }
    return 0;
}

static int decode_metric(const json_t *m, const char *path, hpac_metric_spec *out, char *err,
                         size_t errsize)
{
    char sp[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    if (!json_is_object(m)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    if (hpac_decode_string(m, "type", path, true, &out->type_name, err, errsize) != 0)
        return -1;

    const metric_source_kind *kind = NULL;
    for (size_t i = 0; i < METRIC_SOURCE_COUNT; i++) {
        if (strcmp(metric_sources[i].type_name, out->type_name) == 0)
            kind = &metric_sources[i];
    }
    /* A type the API does not define is kept, not rejected: the controller
     * reports it on the HPA (InvalidMetricSourceType) and still uses the
     * other metrics. */
    if (!kind) {
        out->type = HPAC_METRIC_UNKNOWN;
        return 0;
    }
    out->type = kind->type;

    for (size_t i = 0; i < METRIC_SOURCE_COUNT; i++) {
        const json_t *other = json_object_get(m, metric_sources[i].key);
        if (&metric_sources[i] != kind && other && !json_is_null(other)) {
            hpac_path_child(fp, sizeof(fp), path, metric_sources[i].key);
            hpac_decode_error(err, errsize, fp, "must populate the given metric source only");
            return -1;
        }
    }

    const json_t *source = NULL;
    if (hpac_decode_object(m, kind->key, path, true, &source, err, errsize) != 0)
        return -1;
    hpac_path_child(sp, sizeof(sp), path, kind->key);

    switch (kind->type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        if (hpac_decode_string(source, "name", sp, true, &out->resource_name, err, errsize) != 0)
            return -1;
        if (kind->type == HPAC_METRIC_CONTAINER_RESOURCE &&
            hpac_decode_string(source, "container", sp, true, &out->container, err, errsize) != 0)
            return -1;
        break;
    case HPAC_METRIC_OBJECT:
        if (decode_object_ref(source, "describedObject", sp, &out->described_object, err,
                              errsize) != 0)
            return -1;
        /* Object also names a metric. */
        /* fall through */
    case HPAC_METRIC_PODS:
    case HPAC_METRIC_EXTERNAL:
        if (decode_metric_identifier(source, sp, out, err, errsize) != 0)
            return -1;
        break;
    case HPAC_METRIC_UNKNOWN:
        break;
    }
    if (decode_target(source, sp, &out->target, err, errsize) != 0)
        return -1;
    return check_target_fields(kind->type, &out->target, sp, err, errsize);
}

/* The single metric the API server defaults an empty spec.metrics to. */
static int default_metrics(hpac_hpa *hpa)
{
    hpac_metric_spec *m = calloc(1, sizeof(*m));
    if (!m)
        return -1;
    m->type = HPAC_METRIC_RESOURCE;
    m->type_name = strdup("Resource");
    m->resource_name = strdup("cpu");
    m->target.type = HPAC_TARGET_UTILIZATION;
    m->target.has_average_utilization = true;
    m->target.average_utilization = DEFAULT_CPU_UTILIZATION;
    hpa->metrics = m;
    hpa->metric_count = 1;
    if (!m->type_name || !m->resource_name)
        return -1;
    return 0;
}

static int decode_metrics(const json_t *spec, hpac_hpa *hpa, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX];
    const json_t *metrics = NULL;
    if (hpac_decode_array(spec, "metrics", "spec", false, &metrics, err, errsize) != 0)
        return -1;
    size_t count = metrics ? json_array_size(metrics) : 0;
    if (count == 0) {
        if (default_metrics(hpa) != 0) {
            hpac_decode_error(err, errsize, "spec.metrics", "out of memory");
            return -1;
        }
        return 0;
    }
    hpa->metrics = calloc(count, sizeof(*hpa->metrics));
    if (!hpa->metrics) {
        hpac_decode_error(err, errsize, "spec.metrics", "out of memory");
        return -1;
    }
    /* Counted as they fill, so that a failure frees exactly what exists. */
    for (size_t i = 0; i < count; i++) {
        hpa->metric_count = i + 1;
        hpac_path_index(p, sizeof(p), "spec.metrics", i);
        if (decode_metric(json_array_get(metrics, i), p, &hpa->metrics[i], err, errsize) != 0)
            return -1;
    }
    return 0;
}

static int decode_policy(const json_t *policy, const char *path, hpac_scaling_policy *out,
                         char *err, size_t errsize)
{
    char fp[HPAC_PATH_MAX];
    if (!json_is_object(policy)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    const char *type = NULL;
    if (hpac_decode_string_ref(policy, "type", path, false, &type, err, errsize) != 0)
        return -1;
    if (type && strcmp(type, "Pods") == 0)
        out->type = HPAC_POLICY_PODS;
    else if (type && strcmp(type, "Percent") == 0)
        out->type = HPAC_POLICY_PERCENT;
    else {
        hpac_path_child(fp, sizeof(fp), path, "type");
        hpac_decode_error(err, errsize, fp,
                          "unsupported value \"%.64s\": supported values: \"Percent\", \"Pods\"",
                          type ? type : "");
        return -1;
    }
    /* Absent numbers read as Go's zero value, which validation rejects. */
    int64_t value = 0, period = 0;
    if (hpac_decode_int(policy, "value", path, false, INT32_MIN, INT32_MAX, NULL, &value, err,
                        errsize) != 0 ||
        hpac_decode_int(policy, "periodSeconds", path, false, INT32_MIN, INT32_MAX, NULL, &period,
                        err, errsize) != 0)
        return -1;
    if (value <= 0) {
        hpac_path_child(fp, sizeof(fp), path, "value");
        hpac_decode_error(err, errsize, fp, "must be greater than zero");
        return -1;
    }
    if (period <= 0 || period > MAX_PERIOD_SECONDS) {
        hpac_path_child(fp, sizeof(fp), path, "periodSeconds");
        if (period <= 0)
            hpac_decode_error(err, errsize, fp, "must be greater than zero");
        else
            hpac_decode_error(err, errsize, fp, "must be less than or equal to %d",
                              MAX_PERIOD_SECONDS);
        return -1;
    }
    out->value = (int32_t)value;
    out->period_seconds = (int32_t)period;
    return 0;
}

static int decode_policies(const json_t *policies, const char *path, hpac_scaling_rules *rules,
                           char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX];
    size_t count = json_array_size(policies);
    if (count == 0) {
        hpac_decode_error(err, errsize, path, "must specify at least one Policy");
        return -1;
    }
    hpac_scaling_policy *list = calloc(count, sizeof(*list));
    if (!list) {
        hpac_decode_error(err, errsize, path, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        hpac_path_index(p, sizeof(p), path, i);
        if (decode_policy(json_array_get(policies, i), p, &list[i], err, errsize) != 0) {
            free(list);
            return -1;
        }
    }
    free(rules->policies);
    rules->policies = list;
    rules->policy_count = count;
    return 0;
}

/* A Quantity as a double: mantissa * 10^exp10 in one correctly rounded
 * operation, so "0.05" gives the same double as the literal 0.05. */
static double quantity_to_double(const hpac_quantity *q)
{
    if (q->exp10 >= 0)
        return (double)q->mantissa * pow(10.0, q->exp10);
    return (double)q->mantissa / pow(10.0, -q->exp10);
}

/* One direction: the defaults, overlaid with what the object sets. */
static int decode_rules(const json_t *behavior, const char *key, bool up, hpac_scaling_rules *out,
                        char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX], fp[HPAC_PATH_MAX];
    if (default_rules(up, out) != 0) {
        hpac_decode_error(err, errsize, "spec.behavior", "out of memory");
        return -1;
    }
    const json_t *rules = NULL;
    if (hpac_decode_object(behavior, key, "spec.behavior", false, &rules, err, errsize) != 0)
        return -1;
    if (!rules)
        return 0;
    hpac_path_child(p, sizeof(p), "spec.behavior", key);

    bool has_window = false;
    int64_t window = 0;
    if (hpac_decode_int(rules, "stabilizationWindowSeconds", p, false, INT32_MIN, INT32_MAX,
                        &has_window, &window, err, errsize) != 0)
        return -1;
    if (has_window) {
        hpac_path_child(fp, sizeof(fp), p, "stabilizationWindowSeconds");
        if (window < 0) {
            hpac_decode_error(err, errsize, fp, "must be greater than or equal to zero");
            return -1;
        }
        if (window > MAX_STABILIZATION_WINDOW_SECONDS) {
            hpac_decode_error(err, errsize, fp, "must be less than or equal to %d",
                              MAX_STABILIZATION_WINDOW_SECONDS);
            return -1;
        }
        out->has_stabilization_window = true;
        out->stabilization_window_seconds = (int32_t)window;
    }

    const char *select = NULL;
    if (hpac_decode_string_ref(rules, "selectPolicy", p, false, &select, err, errsize) != 0)
        return -1;
    if (select) {
        if (strcmp(select, "Max") == 0)
            out->select_policy = HPAC_SELECT_MAX;
        else if (strcmp(select, "Min") == 0)
            out->select_policy = HPAC_SELECT_MIN;
        else if (strcmp(select, "Disabled") == 0)
            out->select_policy = HPAC_SELECT_DISABLED;
        else {
            hpac_path_child(fp, sizeof(fp), p, "selectPolicy");
            hpac_decode_error(err, errsize, fp,
                              "unsupported value \"%.64s\": supported values: \"Disabled\", "
                              "\"Max\", \"Min\"",
                              select);
            return -1;
        }
    }

    const json_t *policies = NULL;
    if (hpac_decode_array(rules, "policies", p, false, &policies, err, errsize) != 0)
        return -1;
    if (policies) {
        hpac_path_child(fp, sizeof(fp), p, "policies");
        if (decode_policies(policies, fp, out, err, errsize) != 0)
            return -1;
    }

    const json_t *tolerance = json_object_get(rules, "tolerance");
    if (tolerance && !json_is_null(tolerance)) {
        hpac_path_child(fp, sizeof(fp), p, "tolerance");
        hpac_quantity q;
        if (hpac_decode_quantity(tolerance, fp, &q, err, errsize) != 0)
            return -1;
        if (q.mantissa < 0) {
            hpac_decode_error(err, errsize, fp, "must be greater than or equal to zero");
            return -1;
        }
        out->has_tolerance = true;
        out->tolerance = quantity_to_double(&q);
    }
    return 0;
}

static int decode_behavior(const json_t *spec, hpac_hpa *hpa, char *err, size_t errsize)
{
    const json_t *behavior = NULL;
    if (hpac_decode_object(spec, "behavior", "spec", false, &behavior, err, errsize) != 0)
        return -1;
    if (!behavior)
        return 0;
    hpa->has_behavior = true;
    if (decode_rules(behavior, "scaleUp", true, &hpa->behavior.scale_up, err, errsize) != 0)
        return -1;
    return decode_rules(behavior, "scaleDown", false, &hpa->behavior.scale_down, err, errsize);
}

static int decode_spec(const json_t *object, hpac_hpa *hpa, char *err, size_t errsize)
{
    const json_t *spec = NULL;
    if (hpac_decode_object(object, "spec", "", true, &spec, err, errsize) != 0)
        return -1;
    if (decode_object_ref(spec, "scaleTargetRef", "spec", &hpa->scale_target_ref, err, errsize) !=
        0)
        return -1;

    bool has_min = false;
    int64_t min = 1, max = 0;
    if (hpac_decode_int(spec, "minReplicas", "spec", false, INT32_MIN, INT32_MAX, &has_min, &min,
                        err, errsize) != 0)
        return -1;
    if (!has_min)
        min = 1;
    /* The API server's lower bound is 1 unless scale-to-zero is enabled;
     * this controller supports scaling to zero, so 0 is accepted. */
    if (min < 0) {
        hpac_decode_error(err, errsize, "spec.minReplicas", "must be greater than or equal to 0");
        return -1;
    }
    if (hpac_decode_int(spec, "maxReplicas", "spec", true, INT32_MIN, INT32_MAX, NULL, &max, err,
                        errsize) != 0)
        return -1;
    if (max < 1) {
        hpac_decode_error(err, errsize, "spec.maxReplicas", "must be greater than 0");
        return -1;
    }
    if (max < min) {
        hpac_decode_error(err, errsize, "spec.maxReplicas",
                          "must be greater than or equal to `minReplicas`");
        return -1;
    }
    hpa->min_replicas = (int32_t)min;
    hpa->max_replicas = (int32_t)max;

    if (decode_metrics(spec, hpa, err, errsize) != 0)
        return -1;
    return decode_behavior(spec, hpa, err, errsize);
}

static int decode_condition(const json_t *c, const char *path, hpac_condition *out, char *err,
                            size_t errsize)
{
    if (!json_is_object(c)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    if (hpac_decode_string(c, "type", path, false, &out->type, err, errsize) != 0 ||
        hpac_decode_string(c, "status", path, false, &out->status, err, errsize) != 0 ||
        hpac_decode_string(c, "reason", path, false, &out->reason, err, errsize) != 0 ||
        hpac_decode_string(c, "message", path, false, &out->message, err, errsize) != 0 ||
        hpac_decode_time(c, "lastTransitionTime", path, false, &out->last_transition_ms, err,
                         errsize) != 0)
        return -1;
    return 0;
}

/* A quantity of status.currentMetrics as read, leniently. */
static void read_quantity(const json_t *current, const char *key, bool *has, int64_t *milli,
                          bool *exact)
{
    const json_t *v = json_object_get(current, key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_string(v) ||
        hpac_quantity_parse_milli(json_string_value(v), milli) != HPAC_QTY_OK) {
        *exact = false;
        return;
    }
    *has = true;
}

/* One entry of status.currentMetrics as read. The API server never
 * validated these, so nothing here fails the decode: what cannot be an
 * entry this controller writes turns *exact false. The identity (name,
 * selector, described object) is not kept: read_status_exactly checks it
 * against the spec by encoding the entry again. */
static void read_metric(const json_t *entry, hpac_metric_status *out, bool *exact)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(entry)) {
        *exact = false;
        return;
    }
    const json_t *type = json_object_get(entry, "type");
    if (!type || json_is_null(type) || (json_is_string(type) && json_string_length(type) == 0))
        return; /* {}: a metric that could not be computed */
    const metric_source_kind *kind = NULL;
    for (size_t i = 0; i < METRIC_SOURCE_COUNT && json_is_string(type); i++) {
        if (strcmp(metric_sources[i].type_name, json_string_value(type)) == 0)
            kind = &metric_sources[i];
    }
    if (!kind) {
        *exact = false;
        return;
    }
    out->type = kind->type;
    const json_t *current = json_object_get(json_object_get(entry, kind->key), "current");
    read_quantity(current, "value", &out->has_value, &out->value_milli, exact);
    read_quantity(current, "averageValue", &out->has_average_value, &out->average_value_milli,
                  exact);
    const json_t *u = json_object_get(current, "averageUtilization");
    if (!u || json_is_null(u))
        return;
    if (!json_is_integer(u) || json_integer_value(u) < INT32_MIN ||
        json_integer_value(u) > INT32_MAX) {
        *exact = false;
        return;
    }
    out->has_average_utilization = true;
    out->average_utilization = (int32_t)json_integer_value(u);
}

/* Reads status.currentMetrics into read_metrics and decides status_exact:
 * whether what was decoded, encoded again, is the status as read. Done
 * once per version of the object, so that each sync compares structs
 * (hpac_hpa_status_unchanged) instead of encoding its status. */
static void read_status_exactly(const json_t *status, hpac_hpa *hpa)
{
    bool exact = true;
    const json_t *metrics = json_object_get(status, "currentMetrics");
    size_t count = json_array_size(metrics);
    if (metrics && !json_is_null(metrics) && !json_is_array(metrics))
        exact = false;
    if (count > 0) {
        hpa->read_metrics = calloc(count, sizeof(*hpa->read_metrics));
        if (!hpa->read_metrics)
            exact = false; /* out of memory: the status is written, no harm */
        for (size_t i = 0; hpa->read_metrics && i < count; i++)
            read_metric(json_array_get(metrics, i), &hpa->read_metrics[i], &exact);
        if (hpa->read_metrics)
            hpa->read_metric_count = count;
    }
    json_t *encoded = NULL;
    if (exact) {
        hpac_hpa_status read = hpa->status;
        read.current_metrics = hpa->read_metrics;
        read.current_metric_count = hpa->read_metric_count;
        encoded = hpac_hpa_status_to_json(&read, hpa->metrics, hpa->metric_count);
    }
    hpa->status_exact = encoded && hpac_hpa_status_json_equal(status, encoded);
    json_decref(encoded);
}

/* The status as last written. currentMetrics is kept apart (read_metrics):
 * the controller recomputes it on every sync. */
static int decode_status(const json_t *object, hpac_hpa *hpa, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX];
    const json_t *status = NULL;
    if (hpac_decode_object(object, "status", "", false, &status, err, errsize) != 0)
        return -1;
    if (!status)
        return 0;
    hpac_hpa_status *st = &hpa->status;
    int64_t current = 0, desired = 0;
    if (hpac_decode_int(status, "currentReplicas", "status", false, 0, INT32_MAX, NULL, &current,
                        err, errsize) != 0 ||
        hpac_decode_int(status, "desiredReplicas", "status", false, 0, INT32_MAX, NULL, &desired,
                        err, errsize) != 0 ||
        hpac_decode_int(status, "observedGeneration", "status", false, INT64_MIN, INT64_MAX,
                        &st->has_observed_generation, &st->observed_generation, err,
                        errsize) != 0 ||
        hpac_decode_time(status, "lastScaleTime", "status", false, &st->last_scale_time_ms, err,
                         errsize) != 0)
        return -1;
    st->current_replicas = (int32_t)current;
    st->desired_replicas = (int32_t)desired;

    const json_t *conditions = NULL;
    if (hpac_decode_array(status, "conditions", "status", false, &conditions, err, errsize) != 0)
        return -1;
    size_t count = conditions ? json_array_size(conditions) : 0;
    if (count > 0) {
        st->conditions = calloc(count, sizeof(*st->conditions));
        if (!st->conditions) {
            hpac_decode_error(err, errsize, "status.conditions", "out of memory");
            return -1;
        }
        for (size_t i = 0; i < count; i++) {
            st->condition_count = i + 1;
            hpac_path_index(p, sizeof(p), "status.conditions", i);
            if (decode_condition(json_array_get(conditions, i), p, &st->conditions[i], err,
                                 errsize) != 0)
                return -1;
        }
    }
    hpa->has_status = true;
    read_status_exactly(status, hpa);
    return 0;
}

static int decode_metadata(const json_t *object, hpac_hpa *hpa, char *err, size_t errsize)
{
    const json_t *meta = NULL;
    if (hpac_decode_object(object, "metadata", "", true, &meta, err, errsize) != 0)
        return -1;
    if (hpac_decode_string(meta, "name", "metadata", true, &hpa->name, err, errsize) != 0 ||
        hpac_decode_string(meta, "namespace", "metadata", false, &hpa->namespace, err, errsize) !=
            0 ||
        hpac_decode_string(meta, "uid", "metadata", false, &hpa->uid, err, errsize) != 0 ||
        hpac_decode_string(meta, "resourceVersion", "metadata", false, &hpa->resource_version,
                           err, errsize) != 0 ||
        hpac_decode_int(meta, "generation", "metadata", false, INT64_MIN, INT64_MAX, NULL,
                        &hpa->generation, err, errsize) != 0)
        return -1;
    const json_t *annotations = NULL;
    if (hpac_decode_object(meta, "annotations", "metadata", false, &annotations, err, errsize) !=
        0)
        return -1;
    return hpac_decode_string(annotations, HISTORY_ANNOTATION, "metadata.annotations", false,
                              &hpa->history_annotation, err, errsize);
}

static int decode_type_meta(const json_t *object, hpac_hpa *hpa, char *err, size_t errsize)
{
    /* Items of a list carry no apiVersion/kind; an object that does must be
     * one of the two HPA kinds this decoder knows. */
    const char *kind = NULL;
    if (hpac_decode_string_ref(object, "kind", "", false, &kind, err, errsize) != 0)
        return -1;
    if (kind && strcmp(kind, "HorizontalPodAutoscaler") != 0) {
        hpac_decode_error(err, errsize, "kind", "expected HorizontalPodAutoscaler, got \"%.64s\"",
                          kind);
        return -1;
    }
    if (hpac_decode_string(object, "apiVersion", "", false, &hpa->api_version, err, errsize) != 0)
        return -1;
    if (hpa->api_version && strcmp(hpa->api_version, "autoscaling/v2") != 0 &&
        strcmp(hpa->api_version, "hpac.io/v1") != 0) {
        hpac_decode_error(err, errsize, "apiVersion",
                          "unsupported \"%.64s\": expected autoscaling/v2 or hpac.io/v1",
                          hpa->api_version);
        return -1;
    }
    return 0;
}

int hpac_hpa_from_json(const json_t *object, hpac_hpa *out, char *err, size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(object)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        goto out;
    }
    if (decode_type_meta(object, out, err, errsize) != 0 ||
        decode_metadata(object, out, err, errsize) != 0 ||
        decode_spec(object, out, err, errsize) != 0 || decode_status(object, out, err, errsize) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        hpac_hpa_clear(out);
    return rc;
}

/* ---- status copy ------------------------------------------------------- */

static int copy_condition(const hpac_condition *src, hpac_condition *dst)
{
    dst->last_transition_ms = src->last_transition_ms;
    if (hpac_strdup_opt(src->type, &dst->type) != 0 ||
        hpac_strdup_opt(src->status, &dst->status) != 0 ||
        hpac_strdup_opt(src->reason, &dst->reason) != 0 ||
        hpac_strdup_opt(src->message, &dst->message) != 0)
        return -1;
    return 0;
}

int hpac_hpa_status_copy(const hpac_hpa_status *src, hpac_hpa_status *out)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    out->has_observed_generation = src->has_observed_generation;
    out->observed_generation = src->observed_generation;
    out->last_scale_time_ms = src->last_scale_time_ms;
    out->current_replicas = src->current_replicas;
    out->desired_replicas = src->desired_replicas;
    if (src->current_metric_count > 0) {
        out->current_metrics = calloc(src->current_metric_count, sizeof(*out->current_metrics));
        if (!out->current_metrics)
            goto out;
        memcpy(out->current_metrics, src->current_metrics,
               src->current_metric_count * sizeof(*out->current_metrics));
        out->current_metric_count = src->current_metric_count;
    }
    if (src->condition_count > 0) {
        out->conditions = calloc(src->condition_count, sizeof(*out->conditions));
        if (!out->conditions)
            goto out;
        for (size_t i = 0; i < src->condition_count; i++) {
            out->condition_count = i + 1;
            if (copy_condition(&src->conditions[i], &out->conditions[i]) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        hpac_hpa_status_clear(out);
    return rc;
}

/* ---- status encoding ----------------------------------------------------- */

/* Builders that take ownership of `value` even on failure (as jansson's
 * *_set_new and *_append_new do, NULL container or value included), so
 * that a chain of them needs one check at the end: `ok` turns false at the
 * first failure and later calls only release their value. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!*ok) {
        json_decref(value);
        return;
    }
    if (json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

static void append(json_t *array, json_t *value, bool *ok)
{
    if (!*ok) {
        json_decref(value);
        return;
    }
    if (json_array_append_new(array, value) != 0)
        *ok = false;
}

static void put_string(json_t *obj, const char *key, const char *s, bool *ok)
{
    put(obj, key, json_string(s), ok);
}

/* A quantity as the status carries it. Memory is written in binary units
 * (1Gi), as metrics-server and upstream's controller do; a value that is
 * not whole bytes falls back to decimal like upstream's canonical form.
 * Everything else is DecimalSI. */
static void format_status_quantity(int64_t milli, bool binary, char *text, size_t size)
{
    if (!binary) {
        hpac_quantity_format_milli(milli, text, size);
        return;
    }
    hpac_quantity q = {.mantissa = milli, .exp10 = -3, .format = HPAC_QTY_BINARY_SI};
    while (q.mantissa != 0 && q.mantissa % 10 == 0) {
        q.mantissa /= 10;
        q.exp10++;
    }
    hpac_quantity_format(&q, text, size);
}

static void put_quantity(json_t *obj, const char *key, int64_t milli, bool binary, bool *ok)
{
    char text[HPAC_QUANTITY_TEXT_MAX];
    format_status_quantity(milli, binary, text, sizeof(text));
    put_string(obj, key, text, ok);
}

static void put_time(json_t *obj, const char *key, int64_t ms, bool *ok)
{
    char text[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(ms, text, sizeof(text));
    put_string(obj, key, text, ok);
}

/* Whether a current metric's averageValue is memory (binary units). */
static bool memory_metric(hpac_metric_type type, const hpac_metric_spec *spec)
{
    return (type == HPAC_METRIC_RESOURCE || type == HPAC_METRIC_CONTAINER_RESOURCE) &&
           spec->resource_name && strcmp(spec->resource_name, "memory") == 0;
}

/* The type a current metric is written with: one without a spec entry of
 * its type has no identity to write and is written {}, as unknown. */
static hpac_metric_type written_type(const hpac_metric_status *st, const hpac_metric_spec *spec)
{
    if (st->type == HPAC_METRIC_UNKNOWN || !spec || spec->type != st->type)
        return HPAC_METRIC_UNKNOWN;
    return st->type;
}

/* MetricValueStatus: only the fields the status entry carries. */
static json_t *metric_value_status(const hpac_metric_status *st, const hpac_metric_spec *spec,
                                   bool *ok)
{
    json_t *current = json_object();
    if (st->has_value)
        put_quantity(current, "value", st->value_milli, false, ok);
    if (st->has_average_value)
        put_quantity(current, "averageValue", st->average_value_milli,
                     memory_metric(st->type, spec), ok);
    if (st->has_average_utilization)
        put(current, "averageUtilization", json_integer(st->average_utilization), ok);
    return current;
}

static json_t *metric_identifier(const hpac_metric_spec *spec, bool *ok)
{
    json_t *metric = json_object();
    put_string(metric, "name", spec->metric_name ? spec->metric_name : "", ok);
    if (spec->metric_selector)
        put(metric, "selector", json_deep_copy(spec->metric_selector), ok);
    return metric;
}

static json_t *object_ref(const hpac_object_ref *ref, bool *ok)
{
    json_t *obj = json_object();
    if (ref->api_version)
        put_string(obj, "apiVersion", ref->api_version, ok);
    put_string(obj, "kind", ref->kind ? ref->kind : "", ok);
    put_string(obj, "name", ref->name ? ref->name : "", ok);
    return obj;
}

static json_t *metric_status_json(const hpac_metric_status *st, const hpac_metric_spec *spec,
                                  bool *ok)
{
    json_t *entry = json_object();
    /* Without a matching spec entry there is no identity to write: the
     * entry is then the empty one of a metric that could not be computed. */
    if (written_type(st, spec) == HPAC_METRIC_UNKNOWN)
        return entry;
    json_t *source = json_object();
    switch (st->type) {
    case HPAC_METRIC_CONTAINER_RESOURCE:
        put_string(source, "container", spec->container ? spec->container : "", ok);
        /* fall through */
    case HPAC_METRIC_RESOURCE:
        put_string(source, "name", spec->resource_name ? spec->resource_name : "", ok);
        break;
    case HPAC_METRIC_OBJECT:
        put(source, "describedObject", object_ref(&spec->described_object, ok), ok);
        /* fall through */
    case HPAC_METRIC_PODS:
    case HPAC_METRIC_EXTERNAL:
        put(source, "metric", metric_identifier(spec, ok), ok);
        break;
    case HPAC_METRIC_UNKNOWN:
        break;
    }
    put(source, "current", metric_value_status(st, spec, ok), ok);
    put_string(entry, "type", hpac_metric_type_name(st->type), ok);
    put(entry, metric_source_key(st->type), source, ok);
    return entry;
}

static json_t *condition_json(const hpac_condition *c, bool *ok)
{
    json_t *obj = json_object();
    put_string(obj, "type", c->type ? c->type : "", ok);
    put_string(obj, "status", c->status ? c->status : "Unknown", ok);
    if (c->last_transition_ms != 0)
        put_time(obj, "lastTransitionTime", c->last_transition_ms, ok);
    if (c->reason && c->reason[0] != '\0')
        put_string(obj, "reason", c->reason, ok);
    if (c->message && c->message[0] != '\0')
        put_string(obj, "message", c->message, ok);
    return obj;
}

json_t *hpac_hpa_status_to_json(const hpac_hpa_status *status, const hpac_metric_spec *spec_metrics,
                                size_t spec_metric_count)
{
    bool ok = true;
    json_t *obj = json_object();
    if (status->has_observed_generation)
        put(obj, "observedGeneration", json_integer(status->observed_generation), &ok);
    if (status->last_scale_time_ms != 0)
        put_time(obj, "lastScaleTime", status->last_scale_time_ms, &ok);
    put(obj, "currentReplicas", json_integer(status->current_replicas), &ok);
    put(obj, "desiredReplicas", json_integer(status->desired_replicas), &ok);

    if (status->current_metric_count > 0) {
        json_t *metrics = json_array();
        for (size_t i = 0; i < status->current_metric_count && ok; i++) {
            const hpac_metric_spec *spec = i < spec_metric_count ? &spec_metrics[i] : NULL;
            append(metrics, metric_status_json(&status->current_metrics[i], spec, &ok), &ok);
        }
        put(obj, "currentMetrics", metrics, &ok);
    }
    if (status->condition_count > 0) {
        json_t *conditions = json_array();
        for (size_t i = 0; i < status->condition_count && ok; i++) {
            append(conditions, condition_json(&status->conditions[i], &ok), &ok);
        }
        put(obj, "conditions", conditions, &ok);
    }
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- status comparison --------------------------------------------------- */

/* Drops the members the API server would not store (see the header);
 * `v` is a private deep copy. */
static void drop_nulls(json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, child) {
            if (json_is_null(child))
                json_object_del(v, key);
            else
                drop_nulls(child);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            drop_nulls(json_array_get(v, i));
    }
}

static void drop_empty_string(json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v) && json_string_length(v) == 0)
        json_object_del(obj, key);
}

static void drop_empty_array(json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_array(v) && json_array_size(v) == 0)
        json_object_del(obj, key);
}

static void normalize_status(json_t *st)
{
    drop_nulls(st);
    const json_t *current = json_object_get(st, "currentReplicas");
    if (json_is_integer(current) && json_integer_value(current) == 0)
        json_object_del(st, "currentReplicas");
    drop_empty_array(st, "currentMetrics");
    drop_empty_array(st, "conditions");
    json_t *metrics = json_object_get(st, "currentMetrics");
    for (size_t i = 0; i < json_array_size(metrics); i++)
        drop_empty_string(json_array_get(metrics, i), "type");
    json_t *conditions = json_object_get(st, "conditions");
    for (size_t i = 0; i < json_array_size(conditions); i++) {
        drop_empty_string(json_array_get(conditions, i), "reason");
        drop_empty_string(json_array_get(conditions, i), "message");
    }
}

bool hpac_hpa_status_json_equal(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return a == b;
    /* Equal as they are, equal once normalized: the common case (nothing
     * changed) costs one comparison instead of two deep copies. */
    if (json_equal(a, b))
        return true;
    bool equal = false;
    json_t *ca = json_deep_copy(a);
    json_t *cb = json_deep_copy(b);
    if (!ca || !cb)
        goto out;
    normalize_status(ca);
    normalize_status(cb);
    equal = json_equal(ca, cb);
out:
    json_decref(ca);
    json_decref(cb);
    return equal;
}

/* The same comparison on structs: each rule below is what
 * hpac_hpa_status_to_json() writes, seen through normalize_status(). */

/* A time as written: absent when 0, else to the second. */
static bool same_time(int64_t a, int64_t b)
{
    if (a == b)
        return true;
    if (a == 0 || b == 0)
        return false;
    char ta[HPAC_RFC3339_MAX], tb[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(a, ta, sizeof(ta));
    hpac_time_format_rfc3339(b, tb, sizeof(tb));
    return strcmp(ta, tb) == 0;
}

/* A string written with a default when NULL. */
static bool same_string(const char *a, const char *b, const char *absent)
{
    return strcmp(a ? a : absent, b ? b : absent) == 0;
}

/* A quantity as written: by its canonical text. Equal values need no
 * text; different ones could only write the same text if formatting lost
 * precision, which the comparison does not assume. */
static bool same_quantity(bool has_a, int64_t a, bool has_b, int64_t b, bool binary)
{
    if (has_a != has_b)
        return false;
    if (!has_a || a == b)
        return true;
    char ta[HPAC_QUANTITY_TEXT_MAX], tb[HPAC_QUANTITY_TEXT_MAX];
    format_status_quantity(a, binary, ta, sizeof(ta));
    format_status_quantity(b, binary, tb, sizeof(tb));
    return strcmp(ta, tb) == 0;
}

static bool metric_status_equal(const hpac_metric_status *a, const hpac_metric_status *b,
                                const hpac_metric_spec *spec)
{
    hpac_metric_type type = written_type(a, spec);
    if (type != written_type(b, spec))
        return false;
    if (type == HPAC_METRIC_UNKNOWN)
        return true; /* both {} */
    if (a->has_average_utilization != b->has_average_utilization ||
        (a->has_average_utilization && a->average_utilization != b->average_utilization))
        return false;
    return same_quantity(a->has_value, a->value_milli, b->has_value, b->value_milli, false) &&
           same_quantity(a->has_average_value, a->average_value_milli, b->has_average_value,
                         b->average_value_milli, memory_metric(type, spec));
}

static bool condition_equal(const hpac_condition *a, const hpac_condition *b)
{
    /* Empty reasons and messages are dropped like absent ones. */
    return same_string(a->type, b->type, "") && same_string(a->status, b->status, "Unknown") &&
           same_time(a->last_transition_ms, b->last_transition_ms) &&
           same_string(a->reason, b->reason, "") && same_string(a->message, b->message, "");
}

bool hpac_hpa_status_equal(const hpac_hpa_status *a, const hpac_hpa_status *b,
                           const hpac_metric_spec *spec_metrics, size_t spec_metric_count)
{
    /* currentReplicas is always written and dropped when 0 on both sides
     * alike; an empty list is not written at all. */
    if (a->has_observed_generation != b->has_observed_generation ||
        (a->has_observed_generation && a->observed_generation != b->observed_generation) ||
        !same_time(a->last_scale_time_ms, b->last_scale_time_ms) ||
        a->current_replicas != b->current_replicas || a->desired_replicas != b->desired_replicas ||
        a->current_metric_count != b->current_metric_count ||
        a->condition_count != b->condition_count)
        return false;
    for (size_t i = 0; i < a->current_metric_count; i++) {
        const hpac_metric_spec *spec = i < spec_metric_count ? &spec_metrics[i] : NULL;
        if (!metric_status_equal(&a->current_metrics[i], &b->current_metrics[i], spec))
            return false;
    }
    for (size_t i = 0; i < a->condition_count; i++) {
        if (!condition_equal(&a->conditions[i], &b->conditions[i]))
            return false;
    }
    return true;
}

bool hpac_hpa_status_unchanged(const hpac_hpa *hpa, const hpac_hpa_status *next)
{
    if (!hpa->has_status || !hpa->status_exact)
        return false;
    hpac_hpa_status read = hpa->status;
    read.current_metrics = hpa->read_metrics;
    read.current_metric_count = hpa->read_metric_count;
    return hpac_hpa_status_equal(&read, next, hpa->metrics, hpa->metric_count);
}
