#include "sim/sim_discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_METRICS "metrics.k8s.io"
#define GROUP_CUSTOM "custom.metrics.k8s.io"
#define GROUP_EXTERNAL "external.metrics.k8s.io"
#define NAME_MAX_LEN 253

typedef struct builtin_resource {
    const char *group;
    const char *version;
    const char *name;
    const char *singular;
    const char *kind;
    const char *short_name; /* NULL: none */
    bool namespaced;
    const char *verbs;  /* space-separated */
    const char *subres; /* "scale", "status" or NULL */
} builtin_resource;

/* What the real API server lists for these resources, trimmed to the verbs
 * the simulator implements. Table order is discovery order. */
static const builtin_resource BUILTINS[] = {
    {"", "v1", "events", "event", "Event", "ev", true, "create get list patch update", NULL},
    {"", "v1", "namespaces", "namespace", "Namespace", "ns", false, "get list", NULL},
    {"", "v1", "pods", "pod", "Pod", "po", true, "get list", NULL},
    {"", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", "rc",
     true, "get list", "scale"},
    {"apps", "v1", "deployments", "deployment", "Deployment", "deploy", true, "get list", "scale"},
    {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", "rs", true, "get list", "scale"},
    {"apps", "v1", "statefulsets", "statefulset", "StatefulSet", "sts", true, "get list", "scale"},
    {"events.k8s.io", "v1", "events", "event", "Event", "ev", true, "create get list patch update",
     NULL},
    {"autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", "hpa", true, "create delete get list patch update", "status"},
    {"coordination.k8s.io", "v1", "leases", "lease", "Lease", NULL, true,
     "create get list patch update", NULL},
    {"hpac.io", "v1", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", "hpa", true, "create delete get list patch update", "status"},
    {GROUP_METRICS, "v1beta1", "nodes", "", "NodeMetrics", NULL, false, "get list", NULL},
    {GROUP_METRICS, "v1beta1", "pods", "", "PodMetrics", NULL, true, "get list", NULL},
};
#define NBUILTINS (sizeof(BUILTINS) / sizeof(BUILTINS[0]))

typedef struct dyn_resource {
    char *group;
    char *version;
    char *name;
    char *kind;
} dyn_resource;

struct hpac_sim_registry {
    dyn_resource *items;
    size_t count, cap;
};

hpac_sim_registry *hpac_sim_registry_new(void)
{
    return calloc(1, sizeof(hpac_sim_registry));
}

void hpac_sim_registry_free(hpac_sim_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        free(reg->items[i].group);
        free(reg->items[i].version);
        free(reg->items[i].name);
        free(reg->items[i].kind);
    }
    free(reg->items);
    free(reg);
}

static bool is_metrics_group(const char *group)
{
    return strcmp(group, GROUP_METRICS) == 0 || strcmp(group, GROUP_CUSTOM) == 0 ||
           strcmp(group, GROUP_EXTERNAL) == 0;
}

/* Splits "apps/v1" into group and version; "v1" is the core group. */
static int split_api_version(const char *api_version, char *group, char *version, size_t size)
{
    const char *slash = strchr(api_version, '/');
    if (!slash) {
        group[0] = '\0';
        if (strlen(api_version) >= size || !*api_version)
            return -1;
        strcpy(version, api_version);
        return 0;
    }
    size_t glen = (size_t)(slash - api_version);
    if (glen == 0 || glen >= size || strlen(slash + 1) >= size || !slash[1] ||
        strchr(slash + 1, '/'))
        return -1;
    memcpy(group, api_version, glen);
    group[glen] = '\0';
    strcpy(version, slash + 1);
    return 0;
}

static const char *find_kind(const hpac_sim_registry *reg, const char *group, const char *version,
                             const char *resource)
{
    for (size_t i = 0; i < NBUILTINS; i++) {
        const builtin_resource *b = &BUILTINS[i];
        if ((!group || strcmp(b->group, group) == 0) &&
            (!version || strcmp(b->version, version) == 0) && strcmp(b->name, resource) == 0 &&
            (group || !is_metrics_group(b->group)))
            return b->kind;
    }
    for (size_t i = 0; i < reg->count; i++) {
        const dyn_resource *d = &reg->items[i];
        if ((!group || strcmp(d->group, group) == 0) &&
            (!version || strcmp(d->version, version) == 0) && strcmp(d->name, resource) == 0)
            return d->kind;
    }
    return NULL;
}

int hpac_sim_registry_add_target(hpac_sim_registry *reg, const char *api_version,
                                 const char *kind, const char *resource)
{
    char group[NAME_MAX_LEN + 1], version[NAME_MAX_LEN + 1];
    if (split_api_version(api_version, group, version, sizeof(group)) != 0 || !*kind ||
        !*resource || strchr(resource, '/'))
        return -1;
    if (find_kind(reg, group, version, resource))
        return 0;
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 4;
        dyn_resource *grown = realloc(reg->items, cap * sizeof(*grown));
        if (!grown)
            return -1;
        reg->items = grown;
        reg->cap = cap;
    }
    dyn_resource d = {strdup(group), strdup(version), strdup(resource), strdup(kind)};
    if (!d.group || !d.version || !d.name || !d.kind) {
        free(d.group);
        free(d.version);
        free(d.name);
        free(d.kind);
        return -1;
    }
    reg->items[reg->count++] = d;
    return 0;
}

const char *hpac_sim_registry_kind(const hpac_sim_registry *reg, const char *group,
                                   const char *resource)
{
    if (group)
        return find_kind(reg, group, NULL, resource);
    /* The core group first, as a RESTMapper prefers it for "pods". */
    const char *kind = find_kind(reg, "", NULL, resource);
    return kind ? kind : find_kind(reg, NULL, NULL, resource);
}

static bool metrics_api_offered(const hpac_sim_metrics_apis *apis, const char *group,
                                const char *version)
{
    if (strcmp(group, GROUP_METRICS) == 0)
        return apis->resource_metrics && strcmp(version, "v1beta1") == 0;
    if (strcmp(group, GROUP_CUSTOM) == 0)
        return apis->custom_metrics && strcmp(version, "v1beta2") == 0;
    if (strcmp(group, GROUP_EXTERNAL) == 0)
        return apis->external_metrics && strcmp(version, "v1beta1") == 0;
    return false;
}

bool hpac_sim_registry_serves(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis,
                              const char *group, const char *version)
{
    if (is_metrics_group(group))
        return metrics_api_offered(apis, group, version);
    for (size_t i = 0; i < NBUILTINS; i++) {
        if (strcmp(BUILTINS[i].group, group) == 0 && strcmp(BUILTINS[i].version, version) == 0)
            return true;
    }
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->items[i].group, group) == 0 &&
            strcmp(reg->items[i].version, version) == 0)
            return true;
    }
    return false;
}

json_t *hpac_sim_discovery_api_versions(const char *server_address)
{
    return json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions", "v1",
                     "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0", "serverAddress",
                     server_address);
}

/* The served versions of a (non-core) group, in first-seen order; each
 * group here serves one version, except custom resources registered with
 * several. Appends {groupVersion, version} to `versions`. */
static void add_version(json_t *versions, const char *group, const char *version)
{
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "version")), version) == 0)
            return;
    }
    json_t *gv = json_pack("{s:s++, s:s}", "groupVersion", group, "/", version, "version", version);
    json_array_append_new(versions, gv);
}

static json_t *group_versions(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis,
                              const char *group)
{
    json_t *versions = json_array();
    for (size_t i = 0; i < NBUILTINS; i++) {
        const builtin_resource *b = &BUILTINS[i];
        if (strcmp(b->group, group) == 0 &&
            (!is_metrics_group(group) || metrics_api_offered(apis, group, b->version)))
            add_version(versions, group, b->version);
    }
    if (strcmp(group, GROUP_CUSTOM) == 0 && apis->custom_metrics)
        add_version(versions, group, "v1beta2");
    if (strcmp(group, GROUP_EXTERNAL) == 0 && apis->external_metrics)
        add_version(versions, group, "v1beta1");
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->items[i].group, group) == 0)
            add_version(versions, group, reg->items[i].version);
    }
    return versions;
}

static json_t *group_object(const char *group, json_t *versions)
{
    json_t *preferred = json_deep_copy(json_array_get(versions, 0));
    return json_pack("{s:s, s:s, s:o, s:o}", "name", group, "apiVersion", "v1", "versions",
                     versions, "preferredVersion", preferred);
}

static void add_group_name(json_t *names, const char *group)
{
    size_t i;
    json_t *n;
    if (!*group)
        return;
    json_array_foreach(names, i, n) {
        if (strcmp(json_string_value(n), group) == 0)
            return;
    }
    json_array_append_new(names, json_string(group));
}

json_t *hpac_sim_discovery_groups(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis)
{
    json_t *names = json_array();
    json_t *groups = json_array();
    size_t i;
    json_t *name;
    for (size_t b = 0; b < NBUILTINS; b++)
        add_group_name(names, BUILTINS[b].group);
    for (size_t d = 0; d < reg->count; d++)
        add_group_name(names, reg->items[d].group);
    add_group_name(names, GROUP_CUSTOM);
    add_group_name(names, GROUP_EXTERNAL);
    json_array_foreach(names, i, name) {
        json_t *versions = group_versions(reg, apis, json_string_value(name));
        if (json_array_size(versions) == 0) {
            json_decref(versions);
            continue;
        }
        json_t *g = group_object(json_string_value(name), versions);
        json_object_del(g, "apiVersion");
        json_array_append_new(groups, g);
    }
    json_decref(names);
    return json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
                     groups);
}

json_t *hpac_sim_discovery_group(const hpac_sim_registry *reg, const hpac_sim_metrics_apis *apis,
                                 const char *group)
{
    json_t *versions = group_versions(reg, apis, group);
    if (json_array_size(versions) == 0 || !*group) {
        json_decref(versions);
        return NULL;
    }
    json_t *g = group_object(group, versions);
    json_object_set_new(g, "kind", json_string("APIGroup"));
    return g;
}

/* Splits a space-separated verb list into a JSON array. */
static json_t *verbs_array(const char *verbs)
{
    json_t *arr = json_array();
    const char *p = verbs;
    while (*p) {
        const char *space = strchr(p, ' ');
        size_t len = space ? (size_t)(space - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, len));
        p += len;
        while (*p == ' ')
            p++;
    }
    return arr;
}

static json_t *resource_entry(const char *name, const char *singular, const char *kind,
                              bool namespaced, const char *verbs, const char *short_name)
{
    json_t *r = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", name, "singularName", singular,
                          "namespaced", namespaced, "kind", kind, "verbs", verbs_array(verbs));
    if (r && short_name)
        json_object_set_new(r, "shortNames", json_pack("[s]", short_name));
    return r;
}

static void add_subresource(json_t *resources, const char *parent, const char *kind,
                            const char *subres)
{
    char name[2 * NAME_MAX_LEN + 2];
    snprintf(name, sizeof(name), "%s/%s", parent, subres);
    bool scale = strcmp(subres, "scale") == 0;
    json_t *r = resource_entry(name, "", scale ? "Scale" : kind, true, "get patch update", NULL);
    if (r && scale) {
        json_object_set_new(r, "group", json_string("autoscaling"));
        json_object_set_new(r, "version", json_string("v1"));
    }
    json_array_append_new(resources, r);
}

/* Lowercased kind, the singular name the API server derives. */
static void lower(char *out, size_t size, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = (char)((in[i] >= 'A' && in[i] <= 'Z') ? in[i] - 'A' + 'a' : in[i]);
    out[i] = '\0';
}

bool hpac_sim_registry_resource_of(const hpac_sim_registry *reg, const char *kind,
                                   const char **group, const char **version,
                                   const char **resource)
{
    for (size_t b = 0; b < NBUILTINS; b++) {
        const builtin_resource *r = &BUILTINS[b];
        if (strcmp(r->kind, kind) == 0 && !is_metrics_group(r->group)) {
            *group = r->group;
            *version = r->version;
            *resource = r->name;
            return true;
        }
    }
    for (size_t i = 0; i < reg->count; i++) {
        const dyn_resource *d = &reg->items[i];
        if (strcmp(d->kind, kind) == 0) {
            *group = d->group;
            *version = d->version;
            *resource = d->name;
            return true;
        }
    }
    return false;
}

/* The resource a custom metric's describedObject kind is served as, the
 * way the adapter names it: "deployments.apps", "pods". Falls back to the
 * lowercased kind plus "s" for kinds nobody registered. */
static void resource_for_kind(const hpac_sim_registry *reg, const char *kind, char *out,
                              size_t size, bool *namespaced)
{
    const char *group, *version, *resource;
    *namespaced = strcmp(kind, "Namespace") != 0 && strcmp(kind, "Node") != 0;
    if (hpac_sim_registry_resource_of(reg, kind, &group, &version, &resource)) {
        if (*group)
            snprintf(out, size, "%s.%s", resource, group);
        else
            snprintf(out, size, "%s", resource);
        return;
    }
    char low[NAME_MAX_LEN + 1];
    lower(low, sizeof(low), kind);
    snprintf(out, size, "%ss", low);
}

/* custom.metrics.k8s.io lists "<resource>/<metric>" per described kind,
 * external.metrics.k8s.io one resource per metric name. */
static void add_metric_resources(json_t *resources, const hpac_sim_registry *reg,
                                 const hpac_sim_metrics_apis *apis, bool custom)
{
    const json_t *items = custom ? apis->custom_items : apis->external_items;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        char name[3 * NAME_MAX_LEN + 3];
        bool namespaced = true;
        if (custom) {
            const char *kind = json_string_value(
                json_object_get(json_object_get(item, "describedObject"), "kind"));
            const char *metric =
                json_string_value(json_object_get(json_object_get(item, "metric"), "name"));
            if (!kind || !metric)
                continue;
            char resource[2 * NAME_MAX_LEN + 2];
            resource_for_kind(reg, kind, resource, sizeof(resource), &namespaced);
            snprintf(name, sizeof(name), "%s/%s", resource, metric);
        } else {
            const char *metric = json_string_value(json_object_get(item, "metricName"));
            if (!metric)
                continue;
            snprintf(name, sizeof(name), "%s", metric);
        }
        bool seen = false;
        size_t j;
        json_t *r;
        json_array_foreach(resources, j, r) {
            if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
                seen = true;
        }
        if (!seen)
            json_array_append_new(resources,
                                  resource_entry(name, "",
                                                 custom ? "MetricValueList"
                                                        : "ExternalMetricValueList",
                                                 namespaced, "get", NULL));
    }
}

json_t *hpac_sim_discovery_resources(const hpac_sim_registry *reg,
                                     const hpac_sim_metrics_apis *apis, const char *group,
                                     const char *version)
{
    if (!hpac_sim_registry_serves(reg, apis, group, version))
        return NULL;
    json_t *resources = json_array();
    for (size_t i = 0; i < NBUILTINS; i++) {
        const builtin_resource *b = &BUILTINS[i];
        if (strcmp(b->group, group) != 0 || strcmp(b->version, version) != 0)
            continue;
        json_array_append_new(resources, resource_entry(b->name, b->singular, b->kind,
                                                        b->namespaced, b->verbs, b->short_name));
        if (b->subres)
            add_subresource(resources, b->name, b->kind, b->subres);
    }
    for (size_t i = 0; i < reg->count; i++) {
        const dyn_resource *d = &reg->items[i];
        if (strcmp(d->group, group) != 0 || strcmp(d->version, version) != 0)
            continue;
        char singular[NAME_MAX_LEN + 1];
        lower(singular, sizeof(singular), d->kind);
        json_array_append_new(resources,
                              resource_entry(d->name, singular, d->kind, true, "get list", NULL));
        add_subresource(resources, d->name, d->kind, "scale");
    }
    if (strcmp(group, GROUP_CUSTOM) == 0)
        add_metric_resources(resources, reg, apis, true);
    if (strcmp(group, GROUP_EXTERNAL) == 0)
        add_metric_resources(resources, reg, apis, false);

    char gv[2 * NAME_MAX_LEN + 2];
    if (*group)
        snprintf(gv, sizeof(gv), "%s/%s", group, version);
    else
        snprintf(gv, sizeof(gv), "%s", version);
    return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
                     "groupVersion", gv, "resources", resources);
}
