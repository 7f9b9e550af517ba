/* The public state API (sim_state.h): reads, and the changes the demo
 * and the benchmark make while the server runs. Each call takes the lock. */
#include "sim/sim_state_impl.h"

#include "sim/case.h"
#include "sim/sim_json.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct find_target_ctx {
    const char *name;
    const hpac_sim_entry *found;
} find_target_ctx;

static bool find_target_visit(void *ctx, const hpac_sim_entry *entry)
{
    find_target_ctx *f = ctx;
    const char *name = hpac_sim_json_str(entry->obj, "metadata.name");
    if (name && strcmp(name, f->name) == 0) {
        f->found = entry;
        return false;
    }
    return true;
}

/* A target by namespace and name, whatever its resource: O(targets of the
 * namespace), for the state API only (the routes know the resource). */
static const hpac_sim_entry *find_target(hpac_sim_state *st, const char *ns, const char *name)
{
    find_target_ctx f = {name, NULL};
    hpac_sim_store_each(st->targets, ns, NULL, find_target_visit, &f);
    return f.found;
}

static const hpac_sim_entry *find_locked(hpac_sim_state *st, const char *kind, const char *ns,
                                         const char *name)
{
    if (strcmp(kind, HPAC_SIM_KIND_TARGET) == 0)
        return find_target(st, ns, name);
    hpac_sim_store *store = hpac_sim__store_of(st, kind);
    return store ? hpac_sim_store_find(store, ns, name) : NULL;
}

json_t *hpac_sim_state_get(hpac_sim_state *st, const char *kind, const char *ns, const char *name)
{
    json_t *result = NULL;
    hpac_sim__state_rdlock(st);
    const hpac_sim_entry *entry = find_locked(st, kind, ns, name);
    if (entry)
        result = hpac_case_resolve_times(entry->obj, hpac_clock_wall_ms());
    hpac_sim__state_unlock(st);
    return result;
}

size_t hpac_sim_state_count(hpac_sim_state *st, const char *kind)
{
    size_t n = 0;
    hpac_sim__state_rdlock(st);
    hpac_sim_store *store = hpac_sim__store_of(st, kind);
    if (store)
        n = hpac_sim_store_count(store);
    hpac_sim__state_unlock(st);
    return n;
}

json_t *hpac_sim_state_writes(hpac_sim_state *st)
{
    hpac_sim__state_rdlock(st);
    json_t *copy = json_deep_copy(st->writes);
    hpac_sim__state_unlock(st);
    return copy;
}

int hpac_sim_put_object(hpac_sim_state *st, const char *kind, const json_t *obj, char *err,
                        size_t errsize)
{
    hpac_sim__state_wrlock(st);
    int rc = hpac_sim__put_object_locked(st, kind, obj, err, errsize);
    hpac_sim__state_unlock(st);
    return rc;
}

int hpac_sim_remove_object(hpac_sim_state *st, const char *kind, const char *ns, const char *name)
{
    int rc = -1;
    hpac_sim__state_wrlock(st);
    hpac_sim_store *store = hpac_sim__store_of(st, kind);
    const hpac_sim_entry *entry = store ? find_locked(st, kind, ns, name) : NULL;
    if (entry) {
        /* entry->key is freed by the removal: copy it first. */
        char key[HPAC_SIM_KEY_MAX];
        snprintf(key, sizeof(key), "%s", entry->key);
        hpac_sim__bump(st, entry->obj);
        hpac_sim__emit(st, store, "DELETED", entry);
        rc = hpac_sim_store_remove(store, ns, key);
    }
    hpac_sim__state_unlock(st);
    return rc;
}

int hpac_sim_set_target_replicas(hpac_sim_state *st, const char *ns, const char *name,
                                 int32_t spec_replicas, int32_t status_replicas)
{
    int rc = -1;
    if (spec_replicas < 0)
        return -1;
    hpac_sim__state_wrlock(st);
    const hpac_sim_entry *entry = find_target(st, ns, name);
    if (entry) {
        json_t *spec = hpac_sim_json_child(entry->obj, "spec");
        json_t *status = hpac_sim_json_child(entry->obj, "status");
        if (spec && status) {
            json_object_set_new(spec, "replicas", json_integer(spec_replicas));
            if (status_replicas >= 0)
                json_object_set_new(status, "replicas", json_integer(status_replicas));
            hpac_sim__bump(st, entry->obj);
            hpac_sim__emit(st, st->targets, "MODIFIED", entry);
            rc = 0;
        }
    }
    hpac_sim__state_unlock(st);
    return rc;
}

/* PodMetrics for a pod that has none yet: its containers with empty usage. */
static json_t *pod_metrics_for(const json_t *pod)
{
    json_t *labels = json_object_get(json_object_get(pod, "metadata"), "labels");
    json_t *pm = json_pack("{s:s, s:s, s:{s:s, s:s, s:O?}, s:s, s:s, s:[]}", "apiVersion",
                           "metrics.k8s.io/v1beta1", "kind", "PodMetrics", "metadata", "name",
                           hpac_sim_json_str(pod, "metadata.name"), "namespace",
                           hpac_sim_json_str(pod, "metadata.namespace"), "labels", labels,
                           "timestamp", "@now", "window", "30s", "containers");
    if (!pm)
        return NULL;
    if (!labels)
        json_object_del(json_object_get(pm, "metadata"), "labels");
    json_t *containers = json_object_get(pm, "containers");
    size_t i;
    json_t *c;
    json_array_foreach(hpac_sim_json_at(pod, "spec.containers"), i, c) {
        const char *cname = json_string_value(json_object_get(c, "name"));
        if (cname)
            json_array_append_new(containers, json_pack("{s:s, s:{}}", "name", cname, "usage"));
    }
    return pm;
}

static bool pod_has_container(const json_t *pod, const char *container)
{
    size_t i;
    json_t *c;
    json_array_foreach(hpac_sim_json_at(pod, "spec.containers"), i, c) {
        const char *cname = json_string_value(json_object_get(c, "name"));
        if (cname && strcmp(cname, container) == 0)
            return true;
    }
    return false;
}

int hpac_sim_set_pod_usage(hpac_sim_state *st, const char *ns, const char *name,
                           const char *container, const char *resource, const char *quantity)
{
    int rc = -1;
    char err[256];
    hpac_sim__state_wrlock(st);
    hpac_sim_entry *pod = hpac_sim_store_find(st->pods, ns, name);
    hpac_sim_entry *entry = hpac_sim_store_find(st->pod_metrics, ns, name);
    if (!entry && pod) {
        json_t *pm = pod_metrics_for(pod->obj);
        entry = pm ? hpac_sim_store_put(st->pod_metrics, ns, name, pm, err, sizeof(err)) : NULL;
        st->has_pod_metrics = true;
    }
    if (!entry)
        goto out;
    json_t *containers = json_object_get(entry->obj, "containers");
    if (!json_is_array(containers))
        goto out;
    bool found = false;
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c) {
        const char *cname = json_string_value(json_object_get(c, "name"));
        if (container && (!cname || strcmp(cname, container) != 0))
            continue;
        json_t *usage = hpac_sim_json_child(c, "usage");
        if (usage)
            json_object_set_new(usage, resource, json_string(quantity));
        found = true;
    }
    if (!found && container && pod && pod_has_container(pod->obj, container)) {
        json_array_append_new(containers, json_pack("{s:s, s:{s:s}}", "name", container, "usage",
                                                    resource, quantity));
        found = true;
    }
    rc = found ? 0 : -1;
out:
    hpac_sim__state_unlock(st);
    return rc;
}

int hpac_sim_set_custom_metric(hpac_sim_state *st, const char *kind, const char *ns,
                               const char *name, const char *metric, const char *value)
{
    int rc = -1;
    char key[HPAC_SIM_KEY_MAX], err[256];
    if (hpac_sim__custom_key(key, sizeof(key), kind, name, metric, 1) != 0)
        return -1;
    hpac_sim__state_wrlock(st);
    hpac_sim_entry *entry = hpac_sim_store_find(st->custom, ns ? ns : "", key);
    if (entry) {
        rc = json_object_set_new(entry->obj, "value", json_string(value));
        goto out;
    }
    const char *group = "", *version = "v1", *resource;
    hpac_sim_registry_resource_of(st->registry, kind, &group, &version, &resource);
    json_t *item = json_pack("{s:{s:s, s:s, s:s, s:s++}, s:{s:s}, s:s, s:s}", "describedObject",
                             "kind", kind, "name", name, "namespace", ns ? ns : "", "apiVersion",
                             group, "/", version, "metric", "name", metric, "timestamp", "@now",
                             "value", value);
    if (item && !ns)
        json_object_del(json_object_get(item, "describedObject"), "namespace");
    rc = item ? hpac_sim__put_custom_locked(st, item, err, sizeof(err)) : -1;
    json_decref(item);
    st->has_custom_metrics = true;
out:
    hpac_sim__state_unlock(st);
    return rc;
}

int hpac_sim_set_external_metric(hpac_sim_state *st, const char *metric, const json_t *labels,
                                 const char *value)
{
    int rc = -1;
    char err[256];
    json_t *empty = json_object();
    const json_t *want = labels ? labels : empty;
    size_t i;
    json_t *item;
    hpac_sim__state_wrlock(st);
    json_array_foreach(st->external, i, item) {
        const char *name = json_string_value(json_object_get(item, "metricName"));
        json_t *have = json_object_get(item, "metricLabels");
        if (name && strcmp(name, metric) == 0 && json_equal(have ? have : empty, want)) {
            rc = json_object_set_new(item, "value", json_string(value));
            goto out;
        }
    }
    json_t *added = json_pack("{s:s, s:O, s:s, s:s}", "metricName", metric, "metricLabels",
                              (json_t *)want, "timestamp", "@now", "value", value);
    rc = added ? hpac_sim__put_external_locked(st, added, err, sizeof(err)) : -1;
    json_decref(added);
    st->has_external_metrics = true;
out:
    hpac_sim__state_unlock(st);
    json_decref(empty);
    return rc;
}
