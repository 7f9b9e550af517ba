#include "hpa/metric_data.h"

#include "hpa/decode.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

/* custom.metrics.k8s.io leaves windowSeconds out when the adapter does not
 * know it; upstream then assumes one minute. */
#define DEFAULT_METRIC_WINDOW_MS (60 * HPAC_MS_PER_SECOND)

/* The list's "items" array (absent or null: none). */
static int list_items(const json_t *list, const json_t **items, char *err, size_t errsize)
{
    if (!json_is_object(list)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        return -1;
    }
    return hpac_decode_array(list, "items", "", false, items, err, errsize);
}

static int item_object(const json_t *items, size_t i, char *path, size_t size,
                       const json_t **item, char *err, size_t errsize)
{
    hpac_path_index(path, size, "items", i);
    *item = json_array_get(items, i);
    if (!json_is_object(*item)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    return 0;
}

/* ---- metrics.k8s.io PodMetricsList ---------------------------------------- */

void hpac_pod_usage_clear(hpac_pod_usage *u)
{
    free(u->pod_name);
    for (size_t i = 0; i < u->container_count; i++)
        free(u->containers[i].name);
    free(u->containers);
    memset(u, 0, sizeof(*u));
}

void hpac_pod_usage_list_clear(hpac_pod_usage_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        hpac_pod_usage_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int hpac_pod_usage_copy(const hpac_pod_usage *from, hpac_pod_usage *to)
{
    memset(to, 0, sizeof(*to));
    to->timestamp_ms = from->timestamp_ms;
    to->window_ms = from->window_ms;
    to->pod_name = from->pod_name ? strdup(from->pod_name) : NULL;
    if (from->pod_name && !to->pod_name)
        return -1;
    if (from->container_count == 0)
        return 0;
    to->containers = calloc(from->container_count, sizeof(*to->containers));
    if (!to->containers) {
        hpac_pod_usage_clear(to);
        return -1;
    }
    for (size_t i = 0; i < from->container_count; i++) {
        const hpac_container_usage *c = &from->containers[i];
        to->container_count = i + 1;
        to->containers[i] = *c;
        to->containers[i].name = c->name ? strdup(c->name) : NULL;
        if (c->name && !to->containers[i].name) {
            hpac_pod_usage_clear(to);
            return -1;
        }
    }
    return 0;
}

static int decode_container_usage(const json_t *c, const char *path, const char *resource,
                                  hpac_container_usage *out, char *err, size_t errsize)
{
    char up[HPAC_PATH_MAX], qp[HPAC_PATH_MAX];
    if (!json_is_object(c)) {
        hpac_decode_error(err, errsize, path, "expected an object");
        return -1;
    }
    const json_t *usage = NULL;
    if (hpac_decode_string(c, "name", path, false, &out->name, err, errsize) != 0 ||
        hpac_decode_object(c, "usage", path, false, &usage, err, errsize) != 0)
        return -1;
    const json_t *value = json_object_get(usage, resource);
    if (!value || json_is_null(value))
        return 0;
    hpac_path_child(up, sizeof(up), path, "usage");
    hpac_path_child(qp, sizeof(qp), up, resource);
    if (hpac_decode_quantity_milli(value, qp, &out->milli, err, errsize) != 0)
        return -1;
    out->present = true;
    return 0;
}

static int decode_pod_usage(const json_t *item, const char *path, const char *resource,
                            hpac_pod_usage *out, char *err, size_t errsize)
{
    char p[HPAC_PATH_MAX], cp[HPAC_PATH_MAX];
    const json_t *meta = NULL, *containers = NULL;
    const char *window = NULL;
    if (hpac_decode_object(item, "metadata", path, true, &meta, err, errsize) != 0)
        return -1;
    hpac_path_child(p, sizeof(p), path, "metadata");
    if (hpac_decode_string(meta, "name", p, true, &out->pod_name, err, errsize) != 0 ||
        hpac_decode_time(item, "timestamp", path, false, &out->timestamp_ms, err, errsize) != 0 ||
        hpac_decode_string_ref(item, "window", path, false, &window, err, errsize) != 0 ||
        hpac_decode_array(item, "containers", path, false, &containers, err, errsize) != 0)
        return -1;
    if (window && hpac_duration_parse(window, &out->window_ms) != 0) {
        hpac_path_child(p, sizeof(p), path, "window");
        hpac_decode_error(err, errsize, p, "expected a duration, got \"%.64s\"", window);
        return -1;
    }
    size_t count = json_array_size(containers);
    if (count == 0)
        return 0;
    out->containers = calloc(count, sizeof(*out->containers));
    if (!out->containers) {
        hpac_decode_error(err, errsize, path, "out of memory");
        return -1;
    }
    hpac_path_child(p, sizeof(p), path, "containers");
    for (size_t i = 0; i < count; i++) {
        out->container_count = i + 1;
        hpac_path_index(cp, sizeof(cp), p, i);
        if (decode_container_usage(json_array_get(containers, i), cp, resource,
                                   &out->containers[i], err, errsize) != 0)
            return -1;
    }
    return 0;
}

int hpac_pod_usage_from_json(const json_t *list, const char *resource, hpac_pod_usage_list *out,
                             char *err, size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    const json_t *items = NULL;
    if (list_items(list, &items, err, errsize) != 0)
        goto out;
    size_t count = json_array_size(items);
    if (count > 0) {
        out->items = calloc(count, sizeof(*out->items));
        if (!out->items) {
            hpac_decode_error(err, errsize, "items", "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < count; i++) {
        char p[HPAC_PATH_MAX];
        const json_t *item = NULL;
        out->count = i + 1;
        if (item_object(items, i, p, sizeof(p), &item, err, errsize) != 0 ||
            decode_pod_usage(item, p, resource, &out->items[i], err, errsize) != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        hpac_pod_usage_list_clear(out);
    return rc;
}

/* ---- custom.metrics.k8s.io MetricValueList (pods) ------------------------- */

void hpac_pod_sample_list_clear(hpac_pod_sample_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].pod_name);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

/* The value and window of one MetricValue. */
static int decode_metric_value(const json_t *item, const char *path, int64_t *milli,
                               int64_t *timestamp_ms, int64_t *window_ms, char *err,
                               size_t errsize)
{
    char p[HPAC_PATH_MAX];
    const json_t *value = json_object_get(item, "value");
    hpac_path_child(p, sizeof(p), path, "value");
    if (!value || json_is_null(value)) {
        hpac_decode_error(err, errsize, p, "required");
        return -1;
    }
    if (hpac_decode_quantity_milli(value, p, milli, err, errsize) != 0 ||
        hpac_decode_time(item, "timestamp", path, false, timestamp_ms, err, errsize) != 0)
        return -1;
    if (!window_ms)
        return 0;
    bool has_window = false;
    int64_t seconds = 0;
    if (hpac_decode_int(item, "windowSeconds", path, false, 0, INT32_MAX, &has_window, &seconds,
                        err, errsize) != 0)
        return -1;
    *window_ms = has_window ? seconds * HPAC_MS_PER_SECOND : DEFAULT_METRIC_WINDOW_MS;
    return 0;
}

int hpac_pod_samples_from_json(const json_t *list, hpac_pod_sample_list *out, char *err,
                               size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    const json_t *items = NULL;
    if (list_items(list, &items, err, errsize) != 0)
        goto out;
    size_t count = json_array_size(items);
    if (count > 0) {
        out->items = calloc(count, sizeof(*out->items));
        if (!out->items) {
            hpac_decode_error(err, errsize, "items", "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < count; i++) {
        char p[HPAC_PATH_MAX], dp[HPAC_PATH_MAX];
        const json_t *item = NULL, *described = NULL;
        hpac_pod_sample *s = &out->items[i];
        out->count = i + 1;
        if (item_object(items, i, p, sizeof(p), &item, err, errsize) != 0 ||
            hpac_decode_object(item, "describedObject", p, true, &described, err, errsize) != 0)
            goto out;
        hpac_path_child(dp, sizeof(dp), p, "describedObject");
        if (hpac_decode_string(described, "name", dp, true, &s->pod_name, err, errsize) != 0 ||
            decode_metric_value(item, p, &s->milli, &s->timestamp_ms, &s->window_ms, err,
                                errsize) != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        hpac_pod_sample_list_clear(out);
    return rc;
}

/* ---- object and external values -------------------------------------------- */

void hpac_value_list_clear(hpac_value_list *list)
{
    if (!list)
        return;
    free(list->milli);
    memset(list, 0, sizeof(*list));
}

int hpac_object_value_from_json(const json_t *body, hpac_value_list *out, char *err,
                                size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(body)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        goto out;
    }
    const char *kind = NULL;
    if (hpac_decode_string_ref(body, "kind", "", false, &kind, err, errsize) != 0)
        goto out;
    /* A list (it has items, or says it is one), else a bare MetricValue. */
    const json_t *item = body;
    char p[HPAC_PATH_MAX] = "";
    if (json_object_get(body, "items") || (kind && strcmp(kind, "MetricValueList") == 0)) {
        const json_t *items = NULL;
        if (list_items(body, &items, err, errsize) != 0)
            goto out;
        size_t count = json_array_size(items);
        if (count == 0) {
            hpac_decode_error(err, errsize, "", "no metrics returned");
            goto out;
        }
        if (count > 1) {
            hpac_decode_error(err, errsize, "items",
                              "exactly one metric value should have been returned, got %zu",
                              count);
            goto out;
        }
        if (item_object(items, 0, p, sizeof(p), &item, err, errsize) != 0)
            goto out;
    }
    int64_t milli = 0, timestamp = 0;
    if (decode_metric_value(item, p, &milli, &timestamp, NULL, err, errsize) != 0)
        goto out;
    out->milli = malloc(sizeof(*out->milli));
    if (!out->milli) {
        hpac_decode_error(err, errsize, "", "out of memory");
        goto out;
    }
    out->milli[0] = milli;
    out->count = 1;
    out->timestamp_ms = timestamp;
    rc = 0;
out:
    if (rc != 0)
        hpac_value_list_clear(out);
    return rc;
}

int hpac_external_values_from_json(const json_t *list, hpac_value_list *out, char *err,
                                   size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    const json_t *items = NULL;
    if (list_items(list, &items, err, errsize) != 0)
        goto out;
    size_t count = json_array_size(items);
    /* As upstream's external metrics client: an empty answer is an error,
     * not a value of zero. */
    if (count == 0) {
        hpac_decode_error(err, errsize, "", "no metrics returned");
        goto out;
    }
    out->milli = calloc(count, sizeof(*out->milli));
    if (!out->milli) {
        hpac_decode_error(err, errsize, "items", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        char p[HPAC_PATH_MAX];
        const json_t *item = NULL;
        int64_t timestamp = 0;
        if (item_object(items, i, p, sizeof(p), &item, err, errsize) != 0 ||
            decode_metric_value(item, p, &out->milli[i], &timestamp, NULL, err, errsize) != 0)
            goto out;
        if (i == 0)
            out->timestamp_ms = timestamp;
    }
    out->count = count;
    rc = 0;
out:
    if (rc != 0)
        hpac_value_list_clear(out);
    return rc;
}

/* ---- autoscaling/v1 Scale ---------------------------------------------------- */

void hpac_scale_clear(hpac_scale *scale)
{
    if (!scale)
        return;
    free(scale->selector);
    free(scale->resource_version);
    memset(scale, 0, sizeof(*scale));
}

int hpac_scale_from_json(const json_t *object, hpac_scale *out, char *err, size_t errsize)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    const json_t *meta = NULL, *spec = NULL, *status = NULL;
    int64_t spec_replicas = 0, status_replicas = 0;
    if (!json_is_object(object)) {
        hpac_decode_error(err, errsize, "", "expected an object");
        goto out;
    }
    if (hpac_decode_object(object, "metadata", "", false, &meta, err, errsize) != 0 ||
        hpac_decode_string(meta, "resourceVersion", "metadata", false, &out->resource_version,
                           err, errsize) != 0 ||
        hpac_decode_object(object, "spec", "", false, &spec, err, errsize) != 0 ||
        hpac_decode_int(spec, "replicas", "spec", false, INT32_MIN, INT32_MAX, NULL,
                        &spec_replicas, err, errsize) != 0 ||
        hpac_decode_object(object, "status", "", false, &status, err, errsize) != 0 ||
        hpac_decode_int(status, "replicas", "status", false, INT32_MIN, INT32_MAX, NULL,
                        &status_replicas, err, errsize) != 0 ||
        hpac_decode_string(status, "selector", "status", false, &out->selector, err, errsize) !=
            0)
        goto out;
    if (spec_replicas < 0) {
        hpac_decode_error(err, errsize, "spec.replicas", "must be greater than or equal to 0");
        goto out;
    }
    if (status_replicas < 0) {
        hpac_decode_error(err, errsize, "status.replicas", "must be greater than or equal to 0");
        goto out;
    }
    out->spec_replicas = (int32_t)spec_replicas;
    out->status_replicas = (int32_t)status_replicas;
    rc = 0;
out:
    if (rc != 0)
        hpac_scale_clear(out);
    return rc;
}
