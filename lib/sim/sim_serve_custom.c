/* The metrics adapters: custom.metrics.k8s.io/v1beta2 (metrics of pods,
 * of other objects and of namespaces) and external.metrics.k8s.io/v1beta1.
 * Items are served as the case gives them, in a list of the API's kind. */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"
#include "sim/sim_status.h"

#include <stdio.h>
#include <string.h>

#define CUSTOM_GROUP "custom.metrics.k8s.io"
#define CUSTOM_API_VERSION "custom.metrics.k8s.io/v1beta2"
#define EXTERNAL_GROUP "external.metrics.k8s.io"
#define EXTERNAL_API_VERSION "external.metrics.k8s.io/v1beta1"
#define RESOURCE_MAX 256
#define CUSTOM_KEY_MAX 768

static json_t *metric_list(const char *api_version, const char *kind)
{
    return json_pack("{s:s, s:s, s:{}, s:[]}", "kind", kind, "apiVersion", api_version,
                     "metadata", "items");
}

static void metric_not_found(hpac_sim_reply *out, const char *group, const char *metric,
                             const char *resource)
{
    char message[640];
    snprintf(message, sizeof(message), "the server could not find the metric %.253s for %.253s",
             metric, resource);
    hpac_sim_reply_json(out, 404, hpac_sim_status_new(404, "NotFound", message, group, resource,
                                                       metric));
}

/* Lowercase comparison of a kind with a resource name nobody registered:
 * "Widget" matches "widgets" and "widget". */
static bool kind_matches_resource(const char *kind, const char *resource)
{
    size_t i = 0;
    for (; kind[i] && resource[i]; i++) {
        char k = kind[i];
        if (k >= 'A' && k <= 'Z')
            k = (char)(k - 'A' + 'a');
        if (k != resource[i])
            return false;
    }
    return !kind[i] && (!resource[i] || strcmp(resource + i, "s") == 0);
}

typedef struct custom_query {
    const hpac_sim_state *st;
    const char *ns;             /* of the described objects */
    const char *kind;           /* NULL: match the resource by name */
    const char *resource;       /* plural, without group */
    const char *name;           /* "*": every object the selector picks */
    const char *metric;
    const hpac_selector *objects; /* labelSelector, for "*" */
    const hpac_selector *series;  /* metricLabelSelector */
    const hpac_sim_request *req;
    json_t *items;
} custom_query;

/* The labels of a metric series: matchLabels of the item's metric.selector. */
static bool series_matches(const custom_query *q, const json_t *item)
{
    hpac_labels labels = {0};
    char err[256];
    if (hpac_selector_is_everything(q->series))
        return true;
    const json_t *match = hpac_sim_json_at(item, "metric.selector.matchLabels");
    if (hpac_labels_from_json(match, &labels, err, sizeof(err)) != 0)
        return false;
    bool ok = hpac_selector_matches(q->series, &labels);
    hpac_labels_clear(&labels);
    return ok;
}

/* Pods are selected by their labels; other objects carry none here. */
static bool object_selected(const custom_query *q, const char *kind, const char *name)
{
    static const hpac_labels NO_LABELS = {0};
    if (hpac_selector_is_everything(q->objects))
        return true;
    const hpac_sim_entry *pod =
        strcmp(kind, "Pod") == 0 ? hpac_sim_store_find(q->st->pods, q->ns, name) : NULL;
    return hpac_selector_matches(q->objects, pod ? &pod->labels : &NO_LABELS);
}

static bool collect_custom(void *ctx, const hpac_sim_entry *entry)
{
    custom_query *q = ctx;
    const json_t *described = json_object_get(entry->obj, "describedObject");
    const char *kind = json_string_value(json_object_get(described, "kind"));
    const char *name = json_string_value(json_object_get(described, "name"));
    const char *metric = hpac_sim_json_str(entry->obj, "metric.name");
    if (!kind || !name || !metric || strcmp(metric, q->metric) != 0)
        return true;
    if (q->kind ? strcmp(kind, q->kind) != 0 : !kind_matches_resource(kind, q->resource))
        return true;
    if (strcmp(q->name, "*") == 0 ? !object_selected(q, kind, name) : strcmp(name, q->name) != 0)
        return true;
    if (series_matches(q, entry->obj))
        json_array_append_new(q->items, hpac_sim_view(q->req, entry->obj));
    return true;
}

/* The custom metric series of one pod found by the pod index. */
static bool collect_pod_entries(void *ctx, const hpac_sim_entry *pod)
{
    custom_query *q = ctx;
    char key[CUSTOM_KEY_MAX];
    for (int series = 1;; series++) {
        if (hpac_sim__custom_key(key, sizeof(key), "Pod", pod->key, q->metric, series) != 0)
            break;
        const hpac_sim_entry *entry = hpac_sim_store_find(q->st->custom, q->ns, key);
        if (!entry)
            break;
        if (series_matches(q, entry->obj))
            json_array_append_new(q->items, hpac_sim_view(q->req, entry->obj));
    }
    return true;
}

void hpac_sim_serve_custom_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                   hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    custom_query q = {.st = st, .ns = p->ns ? p->ns : "", .req = req};
    char resource[RESOURCE_MAX];
    const char *group = NULL;
    hpac_selector *objects = NULL, *series = NULL;

    bool namespace_metric = p->ns && strcmp(p->resource, "metrics") == 0 && p->name && !p->sub;
    if (!namespace_metric && (!p->name || !p->sub)) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    if (namespace_metric) {
        /* A namespace's own metric: the Namespace object named like it. */
        q.kind = "Namespace";
        snprintf(resource, sizeof(resource), "namespaces");
        q.name = p->ns;
        q.metric = p->name;
    } else {
        /* "deployments.apps" names the group; "deployments" any group. */
        snprintf(resource, sizeof(resource), "%s", p->resource);
        char *dot = strchr(resource, '.');
        if (dot) {
            *dot = '\0';
            group = dot + 1;
        }
        q.kind = hpac_sim_registry_kind(st->registry, group, resource);
        q.name = p->name;
        q.metric = p->sub;
    }
    q.resource = resource;
    if (!json_object_get(st->custom_names, q.metric)) {
        metric_not_found(out, CUSTOM_GROUP, q.metric, p->resource);
        goto out;
    }
    objects = hpac_sim_parse_selector(req->label_selector, out);
    if (!objects)
        goto out;
    series = hpac_sim_parse_selector(req->metric_label_selector, out);
    if (!series)
        goto out;
    q.objects = objects;
    q.series = series;
    json_t *list = metric_list(CUSTOM_API_VERSION, "MetricValueList");
    q.items = json_object_get(list, "items");
    /* Pods picked by a selector that no unlabelled object satisfies come
     * from the pod index: O(matching pods), not O(metrics of the
     * namespace). Otherwise every metric of the namespace is looked at. */
    static const hpac_labels NO_LABELS = {0};
    bool by_pods = q.kind && strcmp(q.kind, "Pod") == 0 && strcmp(q.name, "*") == 0 &&
                   !hpac_selector_matches(objects, &NO_LABELS);
    if (list && by_pods) {
        hpac_sim_store_each(st->pods, q.ns, objects, collect_pod_entries, &q);
    } else if (list) {
        hpac_sim_store_each(st->custom, q.ns, NULL, collect_custom, &q);
        /* Namespaces and other cluster-scoped objects may sit in the
         * cluster bucket too. */
        if (namespace_metric)
            hpac_sim_store_each(st->custom, "", NULL, collect_custom, &q);
    }
    hpac_sim_reply_json(out, 200, list);
out:
    hpac_selector_free(objects);
    hpac_selector_free(series);
}

void hpac_sim_serve_external_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                     hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    const char *metric = p->resource;
    if (!p->ns || p->name) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    hpac_selector *sel = hpac_sim_parse_selector(req->label_selector, out);
    if (!sel)
        return;
    json_t *list = metric_list(EXTERNAL_API_VERSION, "ExternalMetricValueList");
    json_t *items = json_object_get(list, "items");
    bool known = false;
    size_t i;
    json_t *item;
    json_array_foreach(st->external, i, item) {
        const char *name = json_string_value(json_object_get(item, "metricName"));
        hpac_labels labels = {0};
        char err[256];
        if (!name || strcmp(name, metric) != 0)
            continue;
        known = true;
        if (hpac_labels_from_json(json_object_get(item, "metricLabels"), &labels, err,
                                  sizeof(err)) != 0)
            continue;
        if (hpac_selector_matches(sel, &labels))
            json_array_append_new(items, hpac_sim_view(req, item));
        hpac_labels_clear(&labels);
    }
    hpac_selector_free(sel);
    if (known)
        hpac_sim_reply_json(out, 200, list);
    else {
        json_decref(list);
        metric_not_found(out, EXTERNAL_GROUP, metric, "namespaces");
    }
}
