/* What the controller sends and the RBAC rules that grant exactly that.
 * Keep both lists in step with the code (reconcile.c, once.c, events.c,
 * controller.c, leader*.c in lib/controller; metrics_client.c; discovery.c
 * and informer.c in lib/kube) and with manifests/rbac*.yaml: test/access
 * and test/manifests fail when they drift apart, and test_manifests_traffic
 * records what the binary really sends. */
#include "access/access.h"

#include <string.h>

/* ---- rules ---------------------------------------------------------------- */

/* The tables read best one entry to a line or two: */
/* clang-format off */

/* The HPA resource itself, in the group --hpa-api names. */
#define HPA_RULES(group)                                                                           \
    {HPAC_ACCESS_CLUSTER, group, {"horizontalpodautoscalers"}, {NULL},                            \
     {"get", "list", "watch", "patch"},                                                           \
     "list and watch every HPA, re-read one after a conflict, merge-patch the hpac.io/history "   \
     "annotation"},                                                                               \
    {                                                                                              \
        HPAC_ACCESS_CLUSTER, group, {"horizontalpodautoscalers/status"}, {NULL},                  \
            {"update", "patch"},                                                                   \
            "write the status (PUT); report an invalid spec (merge PATCH of the conditions)"       \
    }

/* Everything else, whichever HPA API is served. */
#define COMMON_RULES                                                                               \
    {HPAC_ACCESS_CLUSTER, "apps", {"deployments/scale", "replicasets/scale", "statefulsets/scale"},\
     {NULL}, {"get", "update"},                                                                    \
     "read and write the Scale of the built-in scalable workloads (add custom resources' "         \
     "<plural>/scale here)"},                                                                      \
    {HPAC_ACCESS_CLUSTER, "", {"replicationcontrollers/scale"}, {NULL}, {"get", "update"},        \
     "read and write the Scale of ReplicationControllers"},                                       \
    {HPAC_ACCESS_CLUSTER, "", {"pods"}, {NULL}, {"list", "watch"},                                \
     "the pods behind a scale selector (readiness, start times, requests)"},                      \
    {HPAC_ACCESS_CLUSTER, "metrics.k8s.io", {"pods"}, {NULL}, {"list"},                           \
     "Resource and ContainerResource metrics"},                                                   \
    {HPAC_ACCESS_CLUSTER, "custom.metrics.k8s.io", {"*"}, {NULL}, {"get"},                        \
     "Pods and Object metrics: each is a named object's metric subresource (pods/*/<metric>)"},   \
    {HPAC_ACCESS_CLUSTER, "external.metrics.k8s.io", {"*"}, {NULL}, {"list"},                     \
     "External metrics: each metric is a collection"},                                            \
    {HPAC_ACCESS_CLUSTER, "", {"events"}, {NULL}, {"create"},                                     \
     "record an Event for each rescale and failure"},                                             \
    {HPAC_ACCESS_OWN_NAMESPACE, "coordination.k8s.io", {"leases"}, {NULL},                        \
     {"get", "create", "update"}, "leader election (one Lease per shard)"},                       \
    {                                                                                              \
        HPAC_ACCESS_IMPLICIT, NULL, {NULL}, {"/api", "/api/*", "/apis", "/apis/*"}, {"get"},      \
            "discovery: the plural of a scaleTargetRef or describedObject kind; "                  \
            "system:discovery grants it to all authenticated users"                                \
    }

/* clang-format on */

static const hpac_access_rule hpac_io_rules[] = {HPA_RULES("hpac.io"), COMMON_RULES};
static const hpac_access_rule autoscaling_rules[] = {HPA_RULES("autoscaling"), COMMON_RULES};

const hpac_access_rule *hpac_access_rules(const char *hpa_api, size_t *count)
{
    *count = 0;
    if (hpa_api && !strcmp(hpa_api, "hpac.io/v1")) {
        *count = sizeof(hpac_io_rules) / sizeof(hpac_io_rules[0]);
        return hpac_io_rules;
    }
    if (hpa_api && !strcmp(hpa_api, "autoscaling/v2")) {
        *count = sizeof(autoscaling_rules) / sizeof(autoscaling_rules[0]);
        return autoscaling_rules;
    }
    return NULL;
}

/* ---- requests ------------------------------------------------------------- */

/* clang-format off */

#define HPA_REQUESTS(prefix)                                                                       \
    {"GET", prefix "/horizontalpodautoscalers", "once.c: hpac_run_once lists every HPA"},          \
    {"GET", prefix "/horizontalpodautoscalers?limit=500",                                          \
     "informer.c: list_page, the HPA informer's (paginated) list"},                                \
    {"GET",                                                                                        \
     prefix "/horizontalpodautoscalers?watch=1&resourceVersion=4711&allowWatchBookmarks=true"      \
            "&timeoutSeconds=300",                                                                 \
     "informer.c: watch_begin, the HPA informer's watch"},                                         \
    {"GET", prefix "/namespaces/default/horizontalpodautoscalers/web",                             \
     "reconcile.c: on_status_written re-reads the HPA after a 409"},                               \
    {"PUT", prefix "/namespaces/default/horizontalpodautoscalers/web/status",                      \
     "reconcile.c: put_status"},                                                                   \
    {"PATCH", prefix "/namespaces/default/horizontalpodautoscalers/web/status",                    \
     "reconcile.c: report_invalid_spec, and patch_status when PUT is refused (merge patch)"},      \
    {"PATCH", prefix "/namespaces/default/horizontalpodautoscalers/web",                           \
     "controller.c: persist_history, the hpac.io/history annotation (merge patch)"}

#define COMMON_REQUESTS                                                                            \
    {"GET", "/api/v1", "discovery.c: the core group's resources"},                                 \
    {"GET", "/apis/apps/v1", "discovery.c: a group-version's resources"},                          \
    {"GET", "/apis/apps/v1/namespaces/default/deployments/web/scale",                              \
     "reconcile.c: on_target_resolved"},                                                           \
    {"PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", "reconcile.c: write_scale"}, \
    {"GET", "/apis/apps/v1/namespaces/default/statefulsets/db/scale",                              \
     "reconcile.c: on_target_resolved"},                                                           \
    {"PUT", "/apis/apps/v1/namespaces/default/statefulsets/db/scale", "reconcile.c: write_scale"}, \
    {"GET", "/apis/apps/v1/namespaces/default/replicasets/rs/scale",                               \
     "reconcile.c: on_target_resolved"},                                                           \
    {"PUT", "/apis/apps/v1/namespaces/default/replicasets/rs/scale", "reconcile.c: write_scale"},  \
    {"GET", "/api/v1/namespaces/default/replicationcontrollers/rc/scale",                          \
     "reconcile.c: on_target_resolved"},                                                           \
    {"PUT", "/api/v1/namespaces/default/replicationcontrollers/rc/scale",                          \
     "reconcile.c: write_scale"},                                                                  \
    {"GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",                             \
     "reconcile.c: start_pods"},                                                                   \
    {"GET", "/api/v1/pods?limit=500", "informer.c: list_page, the pod informer's list"},           \
    {"GET",                                                                                        \
     "/api/v1/pods?watch=1&resourceVersion=4711&allowWatchBookmarks=true&timeoutSeconds=300",      \
     "informer.c: watch_begin, the pod informer's watch"},                                         \
    {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb",        \
     "metrics_client.c: Resource and ContainerResource metrics"},                                  \
    {"GET",                                                                                        \
     "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests"                 \
     "?labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET",                                    \
     "metrics_client.c: Pods metrics"},                                                            \
    {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/ingresses/main/hits",          \
     "metrics_client.c: Object metrics"},                                                          \
    {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/queue_depth",          \
     "metrics_client.c: Object metrics of a Namespace"},                                           \
    {"GET",                                                                                        \
     "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready"               \
     "?labelSelector=queue%3Dworker",                                                              \
     "metrics_client.c: External metrics"},                                                        \
    {"POST", "/api/v1/namespaces/default/events", "events.c: hpac_event_path"},                    \
    {"GET", "/apis/coordination.k8s.io/v1/namespaces/" HPAC_ACCESS_OWN_NAMESPACE_EXAMPLE          \
            "/leases/hpac",                                                                        \
     "leader.c, leader_members.c: read a shard's Lease"},                                          \
    {"POST", "/apis/coordination.k8s.io/v1/namespaces/" HPAC_ACCESS_OWN_NAMESPACE_EXAMPLE         \
             "/leases",                                                                            \
     "leader.c, leader_members.c: create a Lease"},                                                \
    {                                                                                              \
        "PUT",                                                                                     \
            "/apis/coordination.k8s.io/v1/namespaces/" HPAC_ACCESS_OWN_NAMESPACE_EXAMPLE           \
            "/leases/hpac",                                                                        \
            "leader.c, leader_members.c: acquire, renew and release a Lease"                       \
    }

/* clang-format on */

static const hpac_access_request hpac_io_requests[] = {HPA_REQUESTS("/apis/hpac.io/v1"),
                                                       COMMON_REQUESTS};
static const hpac_access_request autoscaling_requests[] = {HPA_REQUESTS("/apis/autoscaling/v2"),
                                                           COMMON_REQUESTS};

const hpac_access_request *hpac_access_requests(const char *hpa_api, size_t *count)
{
    *count = 0;
    if (hpa_api && !strcmp(hpa_api, "hpac.io/v1")) {
        *count = sizeof(hpac_io_requests) / sizeof(hpac_io_requests[0]);
        return hpac_io_requests;
    }
    if (hpa_api && !strcmp(hpa_api, "autoscaling/v2")) {
        *count = sizeof(autoscaling_requests) / sizeof(autoscaling_requests[0]);
        return autoscaling_requests;
    }
    return NULL;
}
