/* Lease objects as the elector writes and reads them, and the shard hash. */
#include "controller/leader_internal.h"

#include "util/strutil.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define LEASE_API_VERSION "coordination.k8s.io/v1"

int hpac_shard_of(const char *ns, const char *name, int shards)
{
    /* FNV-1a, 64-bit: cheap, well spread, and fixed by its definition, so
     * replicas of different versions agree. */
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint64_t prime = 0x100000001b3ULL;
    if (shards <= 1)
        return 0;
    for (const char *p = ns ? ns : ""; *p; p++) {
        h ^= (unsigned char)*p;
        h *= prime;
    }
    h ^= (unsigned char)'/';
    h *= prime;
    for (const char *p = name ? name : ""; *p; p++) {
        h ^= (unsigned char)*p;
        h *= prime;
    }
    return (int)(h % (uint64_t)shards);
}

const char *hpac__leader_fresh_holder(const hpac_leader *l, const hpac__leader_shard *s,
                                      int64_t now)
{
    if (s->leading)
        return l->identity;
    if (!s->holder || !*s->holder || s->observed_at < 0)
        return NULL;
    if (now >= s->observed_at + l->lease_ms)
        return NULL;
    return s->holder;
}

const char *hpac__leader_lease_holder(const json_t *lease)
{
    const char *h = json_string_value(json_object_get(json_object_get(lease, "spec"),
                                                      "holderIdentity"));
    return h ? h : "";
}

const char *hpac__leader_lease_rv(const json_t *lease)
{
    return json_string_value(json_object_get(json_object_get(lease, "metadata"),
                                             "resourceVersion"));
}

char *hpac__leader_lease_path(const char *ns, const char *name)
{
    char *ens = hpac_kube_escape(ns);
    char *ename = name ? hpac_kube_escape(name) : NULL;
    char *path = NULL;
    if (!ens || (name && !ename))
        goto out;
    if (name)
        path = hpac_format("/apis/" LEASE_API_VERSION "/namespaces/%s/leases/%s", ens, ename);
    else
        path = hpac_format("/apis/" LEASE_API_VERSION "/namespaces/%s/leases", ens);
out:
    free(ens);
    free(ename);
    return path;
}

/* A deep copy of `cached` with an object "spec", minus managedFields (the
 * server keeps its own when they are left out). NULL when out of memory. */
static json_t *copy_for_update(const json_t *cached)
{
    json_t *copy = json_deep_copy(cached);
    if (!copy)
        return NULL;
    json_t *meta = json_object_get(copy, "metadata");
    if (json_is_object(meta))
        json_object_del(meta, "managedFields");
    if (!json_is_object(json_object_get(copy, "spec")) &&
        json_object_set_new(copy, "spec", json_object()) != 0) {
        json_decref(copy);
        return NULL;
    }
    return copy;
}

json_t *hpac__leader_lease_new(const hpac_leader *l, const char *name, int64_t wall_ms)
{
    char now[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339_micro(wall_ms, now, sizeof(now));
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:I, s:s, s:s, s:i}}", "apiVersion",
                     LEASE_API_VERSION, "kind", "Lease", "metadata", "name", name, "namespace",
                     l->ns, "spec", "holderIdentity", l->identity, "leaseDurationSeconds",
                     (json_int_t)l->lease_seconds, "acquireTime", now, "renewTime", now,
                     "leaseTransitions", 0);
}

json_t *hpac__leader_lease_take(const hpac_leader *l, const json_t *cached, int64_t wall_ms)
{
    char now[HPAC_RFC3339_MAX];
    json_t *out = NULL;
    json_t *copy = copy_for_update(cached);
    if (!copy)
        goto out;
    json_t *spec = json_object_get(copy, "spec");
    bool ours = strcmp(hpac__leader_lease_holder(cached), l->identity) == 0;
    json_int_t transitions = json_integer_value(json_object_get(spec, "leaseTransitions"));
    hpac_time_format_rfc3339_micro(wall_ms, now, sizeof(now));
    if (!ours || !json_is_string(json_object_get(spec, "acquireTime"))) {
        if (json_object_set_new(spec, "acquireTime", json_string(now)) != 0)
            goto out;
    }
    if (!ours)
        transitions++;
    if (json_object_set_new(spec, "holderIdentity", json_string(l->identity)) != 0 ||
        json_object_set_new(spec, "leaseDurationSeconds", json_integer(l->lease_seconds)) != 0 ||
        json_object_set_new(spec, "renewTime", json_string(now)) != 0 ||
        json_object_set_new(spec, "leaseTransitions", json_integer(transitions)) != 0)
        goto out;
    out = copy;
    copy = NULL;
out:
    json_decref(copy);
    return out;
}

json_t *hpac__leader_lease_free(const json_t *cached, int64_t wall_ms)
{
    char now[HPAC_RFC3339_MAX];
    json_t *out = NULL;
    json_t *copy = copy_for_update(cached);
    if (!copy)
        goto out;
    json_t *spec = json_object_get(copy, "spec");
    hpac_time_format_rfc3339_micro(wall_ms, now, sizeof(now));
    /* What client-go writes on release: nobody holds it, so the next
     * replica to look takes it without waiting for it to expire. */
    if (json_object_set_new(spec, "holderIdentity", json_string("")) != 0 ||
        json_object_set_new(spec, "leaseDurationSeconds", json_integer(1)) != 0 ||
        json_object_set_new(spec, "acquireTime", json_string(now)) != 0 ||
        json_object_set_new(spec, "renewTime", json_string(now)) != 0)
        goto out;
    out = copy;
    copy = NULL;
out:
    json_decref(copy);
    return out;
}

json_t *hpac__leader_members_decode(const json_t *lease)
{
    json_t *out = json_object();
    json_t *parsed = NULL;
    const char *key;
    json_t *value;
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(lease, "metadata"), "annotations"),
        HPAC_LEADER_MEMBERS_ANNOTATION));
    if (!out || !text)
        goto out;
    size_t len = strlen(text);
    if (len > HPAC_LEADER_MEMBERS_ANNOTATION_MAX)
        goto out;
    parsed = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(parsed))
        goto out;
    json_object_foreach(parsed, key, value) {
        if (json_object_size(out) >= HPAC_LEADER_MEMBERS_MAX)
            break;
        if (!*key || strlen(key) > HPAC_LEADER_IDENTITY_MAX || !json_is_string(value))
            continue;
        json_object_set(out, key, value);
    }
out:
    json_decref(parsed);
    return out;
}

json_t *hpac__leader_members_encode(const hpac_leader *l, const json_t *cached,
                                    const json_t *members)
{
    json_t *out = NULL;
    json_t *obj = NULL;
    char *text = json_dumps(members, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        goto out;
    if (cached) {
        obj = copy_for_update(cached);
    } else {
        obj = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}}", "apiVersion", LEASE_API_VERSION, "kind",
                        "Lease", "metadata", "name", l->members_name, "namespace", l->ns, "spec");
    }
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta))
        goto out;
    json_t *annotations = json_object_get(meta, "annotations");
    if (!json_is_object(annotations)) {
        annotations = json_object();
        if (json_object_set_new(meta, "annotations", annotations) != 0)
            goto out;
    }
    if (json_object_set_new(annotations, HPAC_LEADER_MEMBERS_ANNOTATION, json_string(text)) != 0)
        goto out;
    out = obj;
    obj = NULL;
out:
    free(text);
    json_decref(obj);
    return out;
}
