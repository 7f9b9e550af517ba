#include "generate.h"

#include <stdio.h>

#define NAME_MAX_LEN 64

void hpac_gen_namespace(const hpac_gen_options *o, size_t index, char *buf, size_t size)
{
    size_t k = o->namespaces ? o->namespaces : 1;
    snprintf(buf, size, "bench-%zu", index % k);
}

static json_t *hpa_object(const char *ns, const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}, s:i, s:i,"
                     " s:[{s:s, s:{s:s, s:{s:s, s:i}}}]}}",
                     "apiVersion", "autoscaling/v2", "kind", "HorizontalPodAutoscaler", "metadata",
                     "name", name, "namespace", ns, "spec", "scaleTargetRef", "apiVersion",
                     "apps/v1", "kind", "Deployment", "name", name, "minReplicas", 1, "maxReplicas",
                     HPAC_GEN_MAX_REPLICAS, "metrics", "type", "Resource", "resource", "name",
                     "cpu", "target", "type", "Utilization", "averageUtilization",
                     HPAC_GEN_TARGET_UTILIZATION);
}

static json_t *deployment_object(const char *ns, const char *name, size_t replicas)
{
    char selector[NAME_MAX_LEN + 8];
    snprintf(selector, sizeof(selector), "app=%s", name);
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:I, s:{s:{s:s}}}, s:{s:I, s:s}}",
                     "apiVersion", "apps/v1", "kind", "Deployment", "resource", "deployments",
                     "metadata", "name", name, "namespace", ns, "spec", "replicas",
                     (json_int_t)replicas, "selector", "matchLabels", "app", name, "status",
                     "replicas", (json_int_t)replicas, "selector", selector);
}

static json_t *pod_object(const char *ns, const char *app, const char *name)
{
    char request[16];
    snprintf(request, sizeof(request), "%dm", HPAC_GEN_CPU_REQUEST_MILLI);
    /* Started and ready an hour ago: past every initialization window, so
     * that every sample counts. */
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:[{s:s, s:s, s:{s:{s:s}}}]},"
                     " s:{s:s, s:s, s:[{s:s, s:s, s:s}]}}",
                     "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace", ns,
                     "labels", "app", app, "spec", "containers", "name", "main", "image",
                     "registry.example/app:1", "resources", "requests", "cpu", request, "status",
                     "phase", "Running", "startTime", "@now-1h", "conditions", "type", "Ready",
                     "status", "True", "lastTransitionTime", "@now-1h");
}

/* Usage of pod j: pairs (2k, 2k+1) sit k%5 milli below and above the
 * mean, an unpaired last pod on it, so that each HPA averages exactly
 * HPAC_GEN_CPU_USAGE_MILLI while the pods differ. */
static int usage_milli(size_t j, size_t pods)
{
    size_t k = j / 2;
    if (2 * k + 1 >= pods)
        return HPAC_GEN_CPU_USAGE_MILLI;
    int d = (int)(k % 5);
    return HPAC_GEN_CPU_USAGE_MILLI + (j % 2 ? d : -d);
}

static json_t *pod_metrics_object(const char *ns, const char *app, const char *name, int milli)
{
    char usage[16];
    snprintf(usage, sizeof(usage), "%dm", milli);
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:s, s:[{s:s, s:{s:s}}]}",
                     "apiVersion", "metrics.k8s.io/v1beta1", "kind", "PodMetrics", "metadata",
                     "name", name, "namespace", ns, "labels", "app", app, "timestamp", "@now",
                     "window", "30s", "containers", "name", "main", "usage", "cpu", usage);
}

json_t *hpac_gen_objects(const hpac_gen_options *o)
{
    json_t *result = NULL;
    json_t *hpas = json_array(), *targets = json_array(), *pods = json_array(),
           *metrics = json_array();
    if (!hpas || !targets || !pods || !metrics)
        goto out;
    for (size_t i = 0; i < o->hpas; i++) {
        char ns[NAME_MAX_LEN], app[NAME_MAX_LEN];
        hpac_gen_namespace(o, i, ns, sizeof(ns));
        snprintf(app, sizeof(app), "app-%zu", i);
        if (json_array_append_new(hpas, hpa_object(ns, app)) ||
            json_array_append_new(targets, deployment_object(ns, app, o->pods_per_hpa)))
            goto out;
        for (size_t j = 0; j < o->pods_per_hpa; j++) {
            char pod[2 * NAME_MAX_LEN];
            snprintf(pod, sizeof(pod), "%s-%zu", app, j);
            if (json_array_append_new(pods, pod_object(ns, app, pod)) ||
                json_array_append_new(
                    metrics, pod_metrics_object(ns, app, pod, usage_milli(j, o->pods_per_hpa))))
                goto out;
        }
    }
    result = json_pack("{s:o, s:o, s:o, s:o}", "hpas", hpas, "targets", targets, "pods", pods,
                       "podMetrics", metrics);
    /* json_pack's "o" stole the four references, also on failure. */
    hpas = targets = pods = metrics = NULL;
out:
    json_decref(hpas);
    json_decref(targets);
    json_decref(pods);
    json_decref(metrics);
    return result;
}
