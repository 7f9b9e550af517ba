#include "demo/cluster.h"

#include "util/timeutil.h"

#include <stdio.h>

static json_t *labels(void)
{
    return json_pack("{s:s, s:s}", "app", HPAC_DEMO_NAME, "pod-template-hash",
                     HPAC_DEMO_TEMPLATE_HASH);
}

static json_t *behavior(const hpac_demo_config *cfg)
{
    return json_pack(
        "{s:{s:i, s:s, s:[{s:s, s:i, s:i}, {s:s, s:i, s:i}]},"
        " s:{s:i, s:s, s:[{s:s, s:i, s:i}]}}",
        "scaleUp", "stabilizationWindowSeconds", 0, "selectPolicy", "Max", "policies", "type",
        "Percent", "value", cfg->scale_up_percent, "periodSeconds", cfg->scale_up_period_s, "type",
        "Pods", "value", cfg->scale_up_pods, "periodSeconds", cfg->scale_up_period_s, "scaleDown",
        "stabilizationWindowSeconds", cfg->scale_down_window_s, "selectPolicy", "Max", "policies",
        "type", "Pods", "value", cfg->scale_down_pods, "periodSeconds", cfg->scale_down_period_s);
}

json_t *hpac_demo_objects(const hpac_demo_config *cfg)
{
    json_t *hpa =
        json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}, s:i, s:i,"
                  " s:[{s:s, s:{s:s, s:{s:s, s:i}}}], s:o}}",
                  "apiVersion", "hpac.io/v1", "kind", "HorizontalPodAutoscaler", "metadata", "name",
                  HPAC_DEMO_NAME, "namespace", HPAC_DEMO_NAMESPACE, "spec", "scaleTargetRef",
                  "apiVersion", "apps/v1", "kind", "Deployment", "name", HPAC_DEMO_NAME,
                  "minReplicas", cfg->min_replicas, "maxReplicas", cfg->max_replicas, "metrics",
                  "type", "Resource", "resource", "name", "cpu", "target", "type", "Utilization",
                  "averageUtilization", cfg->target_utilization, "behavior", behavior(cfg));
    json_t *deployment =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:{s:s}}}, s:{s:i, s:s}}", "apiVersion",
                  "apps/v1", "kind", "Deployment", "resource", "deployments", "metadata", "name",
                  HPAC_DEMO_NAME, "namespace", HPAC_DEMO_NAMESPACE, "spec", "replicas",
                  cfg->initial_replicas, "selector", "matchLabels", "app", HPAC_DEMO_NAME, "status",
                  "replicas", cfg->initial_replicas, "selector", "app=" HPAC_DEMO_NAME);
    if (!hpa || !deployment) {
        json_decref(hpa);
        json_decref(deployment);
        return NULL;
    }
    return json_pack("{s:o, s:[o]}", "hpa", hpa, "targets", deployment);
}

static void milli_text(int64_t milli, char *buf, size_t size)
{
    if (milli % 1000 == 0)
        snprintf(buf, size, "%lld", (long long)(milli / 1000));
    else
        snprintf(buf, size, "%lldm", (long long)milli);
}

json_t *hpac_demo_pod_object(const hpac_demo_config *cfg, const hpac_demo_pod *pod,
                             int64_t wall_origin_ms)
{
    char started[HPAC_RFC3339_MAX], changed[HPAC_RFC3339_MAX], request[32], limit[32];
    hpac_time_format_rfc3339(wall_origin_ms + pod->created_ms, started, sizeof(started));
    /* Not ready since it started, or ready since its start-up ended. */
    hpac_time_format_rfc3339(wall_origin_ms + (pod->ready ? pod->ready_ms : pod->created_ms),
                             changed, sizeof(changed));
    milli_text(cfg->cpu_request_milli, request, sizeof(request));
    milli_text(cfg->cpu_limit_milli, limit, sizeof(limit));
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:{s:[{s:s, s:s, s:{s:{s:s}, s:{s:s}}}]},"
                     " s:{s:s, s:s, s:[{s:s, s:s, s:s}]}}",
                     "apiVersion", "v1", "kind", "Pod", "metadata", "name", pod->name, "namespace",
                     HPAC_DEMO_NAMESPACE, "labels", labels(), "spec", "containers", "name",
                     HPAC_DEMO_CONTAINER, "image", "registry.example/web:1.0", "resources",
                     "requests", "cpu", request, "limits", "cpu", limit, "status", "phase",
                     "Running", "startTime", started, "conditions", "type", "Ready", "status",
                     pod->ready ? "True" : "False", "lastTransitionTime", changed);
}

json_t *hpac_demo_pod_metrics_object(const hpac_demo_config *cfg, const hpac_demo_pod *pod,
                                     int64_t usage_milli)
{
    char window[32], usage[32];
    hpac_duration_format(cfg->metrics_window_ms, window, sizeof(window));
    snprintf(usage, sizeof(usage), "%lldm", (long long)(usage_milli > 0 ? usage_milli : 0));
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:s, s:s, s:[{s:s, s:{s:s}}]}", "apiVersion",
                     "metrics.k8s.io/v1beta1", "kind", "PodMetrics", "metadata", "name", pod->name,
                     "namespace", HPAC_DEMO_NAMESPACE, "labels", labels(), "timestamp", "@now",
                     "window", window, "containers", "name", HPAC_DEMO_CONTAINER, "usage", "cpu",
                     usage);
}
