#include "metrics/metrics_client.h"

#include "hpa/labels.h"
#include "hpa/pod_metrics_scan.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hpac_metrics_call {
    hpac_kube_call *request;
    hpac_metric_type type;
    char *resource_name; /* Resource, ContainerResource */
    const char *api_name; /* for error messages */
    hpac_metrics_done_fn done;
    void *ctx;
};

/* The metric's own selector in string form ("" when absent), or NULL
 * when it is invalid. Caller frees. */
static char *metric_selector_string(const hpac_metric_spec *spec)
{
    if (!spec->metric_selector || json_is_null(spec->metric_selector))
        return hpac_strdup("");
    hpac_selector *sel = hpac_selector_from_json(spec->metric_selector, NULL, 0);
    if (!sel)
        return NULL;
    char *text = hpac_selector_to_string(sel);
    hpac_selector_free(sel);
    return text;
}

/* Appends "&name=value" (or "?name=value" first) when value is non-empty. */
static char *with_query(char *path, const char *name, const char *value)
{
    if (!path || !value || !*value)
        return path;
    char *escaped = hpac_kube_escape(value);
    char *longer = escaped ? hpac_format("%s%c%s=%s", path, strchr(path, '?') ? '&' : '?', name,
                                         escaped)
                           : NULL;
    free(escaped);
    free(path);
    return longer;
}

static char *object_path(const char *ns, const hpac_metric_spec *spec, const char *resource,
                         const char *metric)
{
    const hpac_object_ref *obj = &spec->described_object;
    bool core = !obj->api_version || !strchr(obj->api_version, '/');
    /* Namespace metrics are root-scoped in the API: the HPA's own namespace. */
    if (core && obj->kind && strcmp(obj->kind, "Namespace") == 0)
        return hpac_format("/apis/custom.metrics.k8s.io/v1beta2/namespaces/%s/metrics/%s", ns,
                           metric);
    char *name = hpac_kube_escape(obj->name ? obj->name : "");
    char *path = name && resource
                     ? hpac_format("/apis/custom.metrics.k8s.io/v1beta2/namespaces/%s/%s/%s/%s",
                                   ns, resource, name, metric)
                     : NULL;
    free(name);
    return path;
}

char *hpac_metrics_path(const char *ns, const char *pod_selector, const hpac_metric_spec *spec,
                        const char *object_resource)
{
    char *path = NULL;
    char *metric = NULL;
    char *msel = NULL;
    char *ens = hpac_kube_escape(ns);
    if (!ens)
        return NULL;
    switch (spec->type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        path = hpac_format("/apis/metrics.k8s.io/v1beta1/namespaces/%s/pods", ens);
        path = with_query(path, "labelSelector", pod_selector);
        break;
    case HPAC_METRIC_PODS:
        metric = hpac_kube_escape(spec->metric_name ? spec->metric_name : "");
        msel = metric_selector_string(spec);
        if (!metric || !msel)
            break;
        path = hpac_format("/apis/custom.metrics.k8s.io/v1beta2/namespaces/%s/pods/*/%s", ens,
                           metric);
        path = with_query(path, "labelSelector", pod_selector);
        path = with_query(path, "metricLabelSelector", msel);
        break;
    case HPAC_METRIC_OBJECT:
        metric = hpac_kube_escape(spec->metric_name ? spec->metric_name : "");
        msel = metric_selector_string(spec);
        if (!metric || !msel)
            break;
        path = object_path(ens, spec, object_resource, metric);
        path = with_query(path, "metricLabelSelector", msel);
        break;
    case HPAC_METRIC_EXTERNAL:
        metric = hpac_kube_escape(spec->metric_name ? spec->metric_name : "");
        msel = metric_selector_string(spec);
        if (!metric || !msel)
            break;
        path = hpac_format("/apis/external.metrics.k8s.io/v1beta1/namespaces/%s/%s", ens, metric);
        path = with_query(path, "labelSelector", msel);
        break;
    case HPAC_METRIC_UNKNOWN:
        break;
    }
    free(ens);
    free(metric);
    free(msel);
    return path;
}

static const char *api_name(hpac_metric_type type)
{
    switch (type) {
    case HPAC_METRIC_RESOURCE:
    case HPAC_METRIC_CONTAINER_RESOURCE:
        return "resource metrics API";
    case HPAC_METRIC_EXTERNAL:
        return "external metrics API";
    default:
        return "custom metrics API";
    }
}

/* A PodMetricsList read as bytes: the fast reader, else the tree decoder
 * with its errors. */
static int usage_from_raw(const hpac_kube_response *resp, const char *resource,
                          hpac_pod_usage_list *out, char *err, size_t errsize)
{
    hpac_scanned_pod_metrics m;
    switch (hpac_pod_metrics_scan(resp->raw, resp->raw_len, &m)) {
    case HPAC_SCAN_OK: {
        int rc = hpac_pod_usage_from_scan(&m, resource, out);
        hpac_scanned_pod_metrics_clear(&m);
        if (rc)
            snprintf(err, errsize, "out of memory");
        return rc;
    }
    case HPAC_SCAN_NO_MEMORY:
        snprintf(err, errsize, "out of memory");
        return -1;
    case HPAC_SCAN_UNUSUAL:
        break;
    }
    json_t *tree = hpac_kube_raw_json(resp, err, errsize);
    if (!tree)
        return -1;
    int rc = hpac_pod_usage_from_json(tree, resource, out, err, errsize);
    json_decref(tree);
    return rc;
}

static bool reads_raw(hpac_metric_type type)
{
    return type == HPAC_METRIC_RESOURCE || type == HPAC_METRIC_CONTAINER_RESOURCE;
}

static void on_response(void *ctx, const hpac_kube_response *resp)
{
    hpac_metrics_call *c = ctx;
    hpac_metrics_result result = {0};
    char err[1024] = "";
    char *message = NULL;
    int rc = -1;
    bool empty = reads_raw(c->type) ? !resp->raw || resp->raw_len == 0 : !resp->body;
    if (resp->error || empty) {
        snprintf(err, sizeof(err), "%s", resp->error ? resp->error : "empty response");
    } else {
        switch (c->type) {
        case HPAC_METRIC_RESOURCE:
        case HPAC_METRIC_CONTAINER_RESOURCE:
            rc = usage_from_raw(resp, c->resource_name, &result.usage, err, sizeof(err));
            break;
        case HPAC_METRIC_PODS:
            rc = hpac_pod_samples_from_json(resp->body, &result.samples, err, sizeof(err));
            break;
        case HPAC_METRIC_OBJECT:
            rc = hpac_object_value_from_json(resp->body, &result.values, err, sizeof(err));
            break;
        case HPAC_METRIC_EXTERNAL:
            rc = hpac_external_values_from_json(resp->body, &result.values, err, sizeof(err));
            break;
        case HPAC_METRIC_UNKNOWN:
            snprintf(err, sizeof(err), "unknown metric type");
            break;
        }
    }
    if (rc) {
        message = hpac_format("unable to fetch metrics from %s: %s", c->api_name, err);
        result.error = message ? message : "unable to fetch metrics: out of memory";
    }
    c->done(c->ctx, &result);
    free(message);
    hpac_pod_usage_list_clear(&result.usage);
    hpac_pod_sample_list_clear(&result.samples);
    hpac_value_list_clear(&result.values);
    free(c->resource_name);
    free(c);
}

hpac_metrics_call *hpac_metrics_fetch(hpac_kube *k, const char *ns, const char *pod_selector,
                                      const hpac_metric_spec *spec, const char *object_resource,
                                      hpac_metrics_done_fn done, void *ctx)
{
    char *path = hpac_metrics_path(ns, pod_selector, spec, object_resource);
    if (!path)
        return NULL;
    hpac_metrics_call *c = calloc(1, sizeof(*c));
    if (!c)
        goto fail;
    c->type = spec->type;
    c->api_name = api_name(spec->type);
    c->done = done;
    c->ctx = ctx;
    if (spec->resource_name) {
        c->resource_name = hpac_strdup(spec->resource_name);
        if (!c->resource_name)
            goto fail;
    }
    c->request = reads_raw(c->type) ? hpac_kube_read(k, path, on_response, c)
                                    : hpac_kube_request(k, "GET", path, NULL, NULL, on_response, c);
    if (!c->request)
        goto fail;
    free(path);
    return c;
fail:
    if (c)
        free(c->resource_name);
    free(c);
    free(path);
    return NULL;
}

void hpac_metrics_cancel(hpac_metrics_call *c)
{
    if (!c)
        return;
    hpac_kube_cancel(c->request);
    free(c->resource_name);
    free(c);
}
