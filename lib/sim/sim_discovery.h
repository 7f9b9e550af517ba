/* The API resources the simulated server offers and their discovery
 * documents (/api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}).
 * Built-in resources are a static table; the case's scale targets add
 * their own group/version/resource (a custom resource with /scale); the
 * metrics APIs are offered when the case has the data. */
#ifndef HPAC_SIM_SIM_DISCOVERY_H
#define HPAC_SIM_SIM_DISCOVERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_sim_registry hpac_sim_registry;

/* Which of the optional APIs are offered; custom and external metric
 * names become resources of their group. Borrowed for one call. */
typedef struct hpac_sim_metrics_apis {
    bool resource_metrics;        /* metrics.k8s.io/v1beta1 */
    bool custom_metrics;          /* custom.metrics.k8s.io/v1beta2 */
    bool external_metrics;        /* external.metrics.k8s.io/v1beta1 */
    const json_t *custom_items;   /* array of MetricValue, or NULL */
    const json_t *external_items; /* array of ExternalMetricValue, or NULL */
} hpac_sim_metrics_apis;

/* NULL on allocation failure. */
hpac_sim_registry *hpac_sim_registry_new(void);
void hpac_sim_registry_free(hpac_sim_registry *reg);

/* Registers a scale target's resource (apiVersion "group/version" or "v1",
 * kind, plural resource) with its /scale subresource; a no-op when the
 * group/version already serves it. Returns 0, or -1 on a malformed
 * apiVersion or allocation failure. */
int hpac_sim_registry_add_target(hpac_sim_registry *reg, const char *api_version,
                                 const char *kind, const char *resource);

/* The kind of `resource` ("deployments" -> "Deployment") in `group` (NULL:
 * any group, the core group first; the metrics groups are not searched).
 * Static or registry-owned string, or NULL when unknown. */
const char *hpac_sim_registry_kind(const hpac_sim_registry *reg, const char *group,
                                   const char *resource);

/* The group, version and plural resource serving `kind` ("Deployment" ->
 * "apps", "v1", "deployments"; the metrics groups are not searched).
 * Static or registry-owned strings; false when no resource has that kind. */
bool hpac_sim_registry_resource_of(const hpac_sim_registry *reg, const char *kind,
                                   const char **group, const char **version,
                                   const char **resource);

/* Whether group/version is served (group "" is the core group). */
bool hpac_sim_registry_serves(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis,
                              const char *group, const char *version);

/* Discovery documents. New references; NULL when the group (or
 * group/version) is not served. */
json_t *hpac_sim_discovery_api_versions(const char *server_address);
json_t *hpac_sim_discovery_groups(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis);
json_t *hpac_sim_discovery_group(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis,
                                 const char *group);
json_t *hpac_sim_discovery_resources(const hpac_sim_registry *reg,
                                     const hpac_sim_metrics_apis *apis, const char *group,
                                     const char *version);

#endif
