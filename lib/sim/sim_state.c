/* The cluster state: loading a case, locking, resource versions, uids and
 * metadata, the write log and the change journal. The public reads and
 * changes are in sim_state_api.c. */
#include "sim/sim_state_impl.h"

#include "sim/sim_json.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void hpac_sim__state_rdlock(hpac_sim_state *st)
{
    pthread_rwlock_rdlock(&st->lock);
}

void hpac_sim__state_wrlock(hpac_sim_state *st)
{
    pthread_rwlock_wrlock(&st->lock);
}

void hpac_sim__state_unlock(hpac_sim_state *st)
{
    /* Only writers set the flag, and they clear it here before letting
     * anyone else in: a reader always reads false. */
    bool notify = st->notify_pending && st->notify;
    if (st->notify_pending)
        st->notify_pending = false;
    pthread_rwlock_unlock(&st->lock);
    if (notify)
        st->notify(st->notify_ctx);
}

void hpac_sim__state_set_notify(hpac_sim_state *st, void (*notify)(void *ctx), void *ctx)
{
    hpac_sim__state_wrlock(st);
    st->notify = notify;
    st->notify_ctx = ctx;
    hpac_sim__state_unlock(st);
}

hpac_sim_watch_kind hpac_sim__watch_kind(const hpac_sim_state *st, const hpac_sim_store *store)
{
    if (store == st->hpas)
        return HPAC_SIM_WATCH_HPA;
    if (store == st->targets)
        return HPAC_SIM_WATCH_TARGET;
    if (store == st->pods)
        return HPAC_SIM_WATCH_POD;
    if (store == st->events)
        return HPAC_SIM_WATCH_EVENT;
    if (store == st->leases)
        return HPAC_SIM_WATCH_LEASE;
    return HPAC_SIM_WATCH_NONE;
}

void hpac_sim__emit(hpac_sim_state *st, const hpac_sim_store *store, const char *type,
                    const hpac_sim_entry *entry)
{
    hpac_sim_watch_kind kind = hpac_sim__watch_kind(st, store);
    if (!st->journal || kind == HPAC_SIM_WATCH_NONE)
        return;
    hpac_sim_journal_append(st->journal, st->resource_version, kind, type, entry->ns,
                            entry->obj);
    st->notify_pending = true;
}

int hpac_sim__target_key(char *buf, size_t size, const char *api_version, const char *resource,
                         const char *name)
{
    int n = snprintf(buf, size, "%s/%s/%s", api_version, resource, name);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

void hpac_sim__resource_version(const hpac_sim_state *st, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRIu64, st->resource_version);
}

void hpac_sim__bump(hpac_sim_state *st, json_t *obj)
{
    char rv[32];
    st->resource_version++;
    hpac_sim__resource_version(st, rv, sizeof(rv));
    json_t *meta = hpac_sim_json_child(obj, "metadata");
    if (meta)
        json_object_set_new(meta, "resourceVersion", json_string(rv));
}

/* splitmix64: a deterministic sequence, so that uids are the same from one
 * run to the next (they only need to be unique within a state). */
static uint64_t splitmix64(uint64_t *seq)
{
    uint64_t z = (*seq += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void new_uid(hpac_sim_state *st, char *buf, size_t size)
{
    uint64_t hi = splitmix64(&st->uid_seq), lo = splitmix64(&st->uid_seq);
    /* RFC 4122 version 4 layout, like the API server's uids. */
    snprintf(buf, size, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             hi >> 32, (hi >> 16) & 0xffff, hi & 0xfff, (lo >> 48 & 0x3fff) | 0x8000,
             (uint64_t)(lo & 0xffffffffffffULL));
}

void hpac_sim__name_suffix(hpac_sim_state *st, char *buf)
{
    /* The API server's alphabet: no vowels, no look-alike digits. */
    static const char ALPHABET[] = "bcdfghjklmnpqrstvwxz2456789";
    uint64_t r = splitmix64(&st->uid_seq);
    for (int i = 0; i < 5; i++) {
        buf[i] = ALPHABET[r % (sizeof(ALPHABET) - 1)];
        r /= sizeof(ALPHABET) - 1;
    }
    buf[5] = '\0';
}

int hpac_sim__ensure_metadata(hpac_sim_state *st, json_t *obj, const char *ns, bool generation)
{
    json_t *meta = hpac_sim_json_child(obj, "metadata");
    if (!meta)
        return -1;
    if (ns && !json_is_string(json_object_get(meta, "namespace")))
        json_object_set_new(meta, "namespace", json_string(ns));
    if (!json_is_string(json_object_get(meta, "uid"))) {
        char uid[40];
        new_uid(st, uid, sizeof(uid));
        json_object_set_new(meta, "uid", json_string(uid));
    }
    const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
    if (!rv) {
        hpac_sim__bump(st, obj);
    } else {
        /* Keep the global counter ahead of versions a case brings. */
        char *end;
        unsigned long long given = strtoull(rv, &end, 10);
        if (*rv && !*end && given > st->resource_version)
            st->resource_version = given;
    }
    if (!json_is_string(json_object_get(meta, "creationTimestamp"))) {
        char ts[HPAC_RFC3339_MAX];
        hpac_time_format_rfc3339(st->created_ms, ts, sizeof(ts));
        json_object_set_new(meta, "creationTimestamp", json_string(ts));
    }
    if (generation && !json_is_integer(json_object_get(meta, "generation")))
        json_object_set_new(meta, "generation", json_integer(1));
    return 0;
}

void hpac_sim__record_write(hpac_sim_state *st, const char *verb, const char *path,
                            const json_t *body, int code)
{
    json_t *record = json_pack("{s:s, s:s, s:O?, s:i}", "verb", verb, "path", path, "body",
                               (json_t *)body, "code", code);
    if (record)
        json_array_append_new(st->writes, record);
}

void hpac_sim__log_write(hpac_sim_state *st, const char *verb, const char *path,
                         const json_t *body, int code)
{
    hpac_sim__state_wrlock(st);
    hpac_sim__record_write(st, verb, path, body, code);
    hpac_sim__state_unlock(st);
}

hpac_sim_store *hpac_sim__store_of(hpac_sim_state *st, const char *kind)
{
    if (strcmp(kind, HPAC_SIM_KIND_HPA) == 0)
        return st->hpas;
    if (strcmp(kind, HPAC_SIM_KIND_TARGET) == 0)
        return st->targets;
    if (strcmp(kind, HPAC_SIM_KIND_POD) == 0)
        return st->pods;
    if (strcmp(kind, HPAC_SIM_KIND_POD_METRICS) == 0)
        return st->pod_metrics;
    if (strcmp(kind, HPAC_SIM_KIND_EVENT) == 0)
        return st->events;
    if (strcmp(kind, HPAC_SIM_KIND_LEASE) == 0)
        return st->leases;
    return NULL;
}

int hpac_sim__put_object_locked(hpac_sim_state *st, const char *kind, const json_t *obj,
                                char *err, size_t errsize)
{
    int rc = -1;
    json_t *copy = NULL;
    hpac_sim_store *store = hpac_sim__store_of(st, kind);
    const char *name = hpac_sim_json_str(obj, "metadata.name");
    const char *ns = hpac_sim_json_str(obj, "metadata.namespace");
    bool is_target = strcmp(kind, HPAC_SIM_KIND_TARGET) == 0;
    bool is_workload = is_target || strcmp(kind, HPAC_SIM_KIND_HPA) == 0;
    char key[HPAC_SIM_KEY_MAX];

    if (!store) {
        snprintf(err, errsize, "unknown kind \"%s\"", kind);
        goto out;
    }
    if (!json_is_object(obj) || !name || !*name) {
        snprintf(err, errsize, "%s without metadata.name", kind);
        goto out;
    }
    if (!ns || !*ns)
        ns = HPAC_SIM_DEFAULT_NAMESPACE;
    snprintf(key, sizeof(key), "%s", name);
    if (is_target) {
        const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
        const char *target_kind = json_string_value(json_object_get(obj, "kind"));
        const char *resource = json_string_value(json_object_get(obj, "resource"));
        if (!api_version || !target_kind || !resource) {
            snprintf(err, errsize, "target %s/%s needs apiVersion, kind and resource", ns, name);
            goto out;
        }
        if (hpac_sim_registry_add_target(st->registry, api_version, target_kind, resource) != 0 ||
            hpac_sim__target_key(key, sizeof(key), api_version, resource, name) != 0) {
            snprintf(err, errsize, "target %s/%s: bad apiVersion or resource", ns, name);
            goto out;
        }
    }
    copy = json_deep_copy(obj);
    if (!copy) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    /* PodMetrics carry no uid or resourceVersion in metrics-server either. */
    if (strcmp(kind, HPAC_SIM_KIND_POD_METRICS) != 0) {
        if (hpac_sim__ensure_metadata(st, copy, ns, is_workload) != 0) {
            snprintf(err, errsize, "out of memory");
            goto out;
        }
    } else if (!hpac_sim_json_str(copy, "metadata.namespace")) {
        json_object_set_new(json_object_get(copy, "metadata"), "namespace", json_string(ns));
    }
    if (strcmp(kind, HPAC_SIM_KIND_POD_METRICS) == 0)
        st->has_pod_metrics = true;
    bool existed = hpac_sim_store_find(store, ns, key) != NULL;
    hpac_sim_entry *entry = hpac_sim_store_put(store, ns, key, copy, err, errsize);
    copy = NULL; /* stolen, even on failure */
    if (!entry)
        goto out;
    if (existed && strcmp(kind, HPAC_SIM_KIND_POD_METRICS) != 0) {
        /* Replaced, even with its old resourceVersion: it changed, and
         * clients must see a new version. */
        hpac_sim__bump(st, entry->obj);
    }
    hpac_sim__emit(st, store, existed ? "MODIFIED" : "ADDED", entry);
    rc = 0;
out:
    json_decref(copy);
    return rc;
}

int hpac_sim__custom_key(char *buf, size_t size, const char *kind, const char *name,
                         const char *metric, int series)
{
    int n = series > 1 ? snprintf(buf, size, "%s/%s/%s#%d", kind, name, metric, series)
                       : snprintf(buf, size, "%s/%s/%s", kind, name, metric);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int hpac_sim__put_custom_locked(hpac_sim_state *st, const json_t *item, char *err,
                                size_t errsize)
{
    const json_t *described = json_object_get(item, "describedObject");
    const char *kind = json_string_value(json_object_get(described, "kind"));
    const char *name = json_string_value(json_object_get(described, "name"));
    const char *ns = json_string_value(json_object_get(described, "namespace"));
    const char *metric = hpac_sim_json_str(item, "metric.name");
    char key[HPAC_SIM_KEY_MAX];
    if (!kind || !name || !metric) {
        snprintf(err, errsize, "custom metric without describedObject.kind/name or metric.name");
        return -1;
    }
    if (!ns)
        ns = "";
    /* The same object and metric twice (different metric selectors): keep
     * both, as further series. */
    for (int series = 1;; series++) {
        if (hpac_sim__custom_key(key, sizeof(key), kind, name, metric, series) != 0) {
            snprintf(err, errsize, "custom metric name too long");
            return -1;
        }
        if (!hpac_sim_store_find(st->custom, ns, key))
            break;
    }
    json_t *copy = json_deep_copy(item);
    if (!hpac_sim_store_put(st->custom, ns, key, copy, err, errsize))
        return -1;
    return json_object_set_new(st->custom_names, metric, json_true());
}

int hpac_sim__put_external_locked(hpac_sim_state *st, const json_t *item, char *err,
                                  size_t errsize)
{
    if (!json_is_string(json_object_get(item, "metricName"))) {
        snprintf(err, errsize, "external metric without metricName");
        return -1;
    }
    const json_t *labels = json_object_get(item, "metricLabels");
    hpac_labels parsed = {0};
    if (hpac_labels_from_json(labels, &parsed, err, errsize) != 0)
        return -1;
    hpac_labels_clear(&parsed);
    return json_array_append_new(st->external, json_deep_copy(item)) == 0 ? 0 : -1;
}

/* Loads one member of the case's objects: an array of `kind` (or, for
 * "hpa", a single object). */
static int load_member(hpac_sim_state *st, const json_t *objects, const char *member,
                       const char *kind, char *err, size_t errsize)
{
    const json_t *value = json_object_get(objects, member);
    size_t i;
    const json_t *item;
    char why[256];
    if (!value)
        return 0;
    if (json_is_object(value) && strcmp(member, "hpa") == 0)
        return hpac_sim__put_object_locked(st, kind, value, err, errsize);
    if (!json_is_array(value)) {
        snprintf(err, errsize, "objects.%s is not an array", member);
        return -1;
    }
    json_array_foreach(value, i, item) {
        int rc;
        if (strcmp(member, "customMetrics") == 0)
            rc = hpac_sim__put_custom_locked(st, item, why, sizeof(why));
        else if (strcmp(member, "externalMetrics") == 0)
            rc = hpac_sim__put_external_locked(st, item, why, sizeof(why));
        else
            rc = hpac_sim__put_object_locked(st, kind, item, why, sizeof(why));
        if (rc != 0) {
            snprintf(err, errsize, "objects.%s[%zu]: %s", member, i, why);
            return -1;
        }
    }
    return 0;
}

hpac_sim_state *hpac_sim_state_new(const json_t *objects, char *err, size_t errsize)
{
    hpac_sim_state *st = calloc(1, sizeof(*st));
    if (!st) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    if (pthread_rwlock_init(&st->lock, NULL) != 0) {
        free(st);
        snprintf(err, errsize, "cannot create the state lock");
        return NULL;
    }
    st->created_ms = hpac_clock_wall_ms();
    st->hpas = hpac_sim_store_new();
    st->targets = hpac_sim_store_new();
    st->pods = hpac_sim_store_new();
    st->pod_metrics = hpac_sim_store_new();
    st->custom = hpac_sim_store_new();
    st->events = hpac_sim_store_new();
    st->leases = hpac_sim_store_new();
    st->external = json_array();
    st->custom_names = json_object();
    st->writes = json_array();
    st->registry = hpac_sim_registry_new();
    if (!st->hpas || !st->targets || !st->pods || !st->pod_metrics || !st->custom ||
        !st->events || !st->leases || !st->external || !st->custom_names || !st->writes ||
        !st->registry) {
        snprintf(err, errsize, "out of memory");
        goto fail;
    }
    if (objects && !json_is_object(objects)) {
        snprintf(err, errsize, "objects is not a JSON object");
        goto fail;
    }
    st->has_pod_metrics = json_object_get(objects, "podMetrics") != NULL;
    st->has_custom_metrics = json_object_get(objects, "customMetrics") != NULL;
    st->has_external_metrics = json_object_get(objects, "externalMetrics") != NULL;
    static const struct {
        const char *member;
        const char *kind;
    } MEMBERS[] = {
        {"hpa", HPAC_SIM_KIND_HPA},
        {"hpas", HPAC_SIM_KIND_HPA},
        {"targets", HPAC_SIM_KIND_TARGET},
        {"pods", HPAC_SIM_KIND_POD},
        {"podMetrics", HPAC_SIM_KIND_POD_METRICS},
        {"customMetrics", NULL},
        {"externalMetrics", NULL},
    };
    for (size_t i = 0; i < sizeof(MEMBERS) / sizeof(MEMBERS[0]); i++) {
        if (load_member(st, objects, MEMBERS[i].member, MEMBERS[i].kind, err, errsize) != 0)
            goto fail;
    }
    /* Watches start from the loaded state: its objects are not changes. */
    st->journal = hpac_sim_journal_new(0);
    if (!st->journal) {
        snprintf(err, errsize, "out of memory");
        goto fail;
    }
    return st;
fail:
    hpac_sim_state_free(st);
    return NULL;
}

void hpac_sim_state_free(hpac_sim_state *st)
{
    if (!st)
        return;
    hpac_sim_store_free(st->hpas);
    hpac_sim_store_free(st->targets);
    hpac_sim_store_free(st->pods);
    hpac_sim_store_free(st->pod_metrics);
    hpac_sim_store_free(st->custom);
    hpac_sim_store_free(st->events);
    hpac_sim_store_free(st->leases);
    json_decref(st->external);
    json_decref(st->custom_names);
    json_decref(st->writes);
    hpac_sim_registry_free(st->registry);
    hpac_sim_journal_free(st->journal);
    pthread_rwlock_destroy(&st->lock);
    free(st);
}
