#include "sim/sim_store.h"

#include "sim/sim_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ns_bucket {
    char *name;
    hpac_sim_entry **entries; /* insertion order */
    size_t count, cap;
} ns_bucket;

struct hpac_sim_store {
    hpac_sim_map *by_ns;  /* ns -> ns_bucket */
    hpac_sim_map *by_key; /* "ns\nkey" -> hpac_sim_entry */
    ns_bucket **buckets;  /* first-appearance order */
    size_t nbuckets, cap_buckets;
    size_t count;
};

/* Names in the composite key never hold a newline (namespaces are DNS
 * labels), so "ns\nkey" is unambiguous. Short keys use the caller's stack
 * buffer; returns NULL on allocation failure. */
#define COMPOSITE_STACK 256
static char *composite(char *buf, const char *ns, const char *key)
{
    size_t nl = strlen(ns), kl = strlen(key);
    char *out = buf;
    if (nl + kl + 2 > COMPOSITE_STACK) {
        out = malloc(nl + kl + 2);
        if (!out)
            return NULL;
    }
    memcpy(out, ns, nl);
    out[nl] = '\n';
    memcpy(out + nl + 1, key, kl + 1);
    return out;
}

static void composite_done(char *buf, char *c)
{
    if (c != buf)
        free(c);
}

static void entry_free(hpac_sim_entry *entry)
{
    if (!entry)
        return;
    json_decref(entry->obj);
    hpac_labels_clear(&entry->labels);
    free(entry->ns);
    free(entry->key);
    free(entry);
}

hpac_sim_store *hpac_sim_store_new(void)
{
    hpac_sim_store *store = calloc(1, sizeof(*store));
    if (!store)
        return NULL;
    store->by_ns = hpac_sim_map_new();
    store->by_key = hpac_sim_map_new();
    if (!store->by_ns || !store->by_key) {
        hpac_sim_store_free(store);
        return NULL;
    }
    return store;
}

void hpac_sim_store_free(hpac_sim_store *store)
{
    if (!store)
        return;
    for (size_t b = 0; b < store->nbuckets; b++) {
        ns_bucket *bucket = store->buckets[b];
        for (size_t i = 0; i < bucket->count; i++)
            entry_free(bucket->entries[i]);
        free(bucket->entries);
        free(bucket->name);
        free(bucket);
    }
    free(store->buckets);
    hpac_sim_map_free(store->by_ns);
    hpac_sim_map_free(store->by_key);
    free(store);
}

static ns_bucket *bucket_for(hpac_sim_store *store, const char *ns)
{
    ns_bucket *bucket = hpac_sim_map_get(store->by_ns, ns);
    if (bucket)
        return bucket;
    if (store->nbuckets == store->cap_buckets) {
        size_t cap = store->cap_buckets ? store->cap_buckets * 2 : 8;
        ns_bucket **grown = realloc(store->buckets, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        store->buckets = grown;
        store->cap_buckets = cap;
    }
    bucket = calloc(1, sizeof(*bucket));
    if (!bucket)
        return NULL;
    bucket->name = strdup(ns);
    if (!bucket->name || hpac_sim_map_put(store->by_ns, ns, bucket) != 0) {
        free(bucket->name);
        free(bucket);
        return NULL;
    }
    store->buckets[store->nbuckets++] = bucket;
    return bucket;
}

static int parse_labels(const json_t *obj, hpac_labels *out, char *err, size_t errsize)
{
    const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    return hpac_labels_from_json(labels, out, err, errsize);
}

hpac_sim_entry *hpac_sim_store_put(hpac_sim_store *store, const char *ns, const char *key,
                                   json_t *obj, char *err, size_t errsize)
{
    hpac_sim_entry *result = NULL;
    hpac_labels labels = {0};
    char buf[COMPOSITE_STACK];
    char *ckey = composite(buf, ns, key);
    if (!ckey || !obj) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    if (parse_labels(obj, &labels, err, errsize) != 0)
        goto out;

    hpac_sim_entry *existing = hpac_sim_map_get(store->by_key, ckey);
    if (existing) {
        json_decref(existing->obj);
        existing->obj = obj;
        obj = NULL;
        hpac_labels_clear(&existing->labels);
        existing->labels = labels;
        labels = (hpac_labels){0};
        result = existing;
        goto out;
    }

    ns_bucket *bucket = bucket_for(store, ns);
    if (!bucket) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    if (bucket->count == bucket->cap) {
        size_t cap = bucket->cap ? bucket->cap * 2 : 16;
        hpac_sim_entry **grown = realloc(bucket->entries, cap * sizeof(*grown));
        if (!grown) {
            snprintf(err, errsize, "out of memory");
            goto out;
        }
        bucket->entries = grown;
        bucket->cap = cap;
    }
    hpac_sim_entry *entry = calloc(1, sizeof(*entry));
    if (!entry) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    entry->ns = strdup(ns);
    entry->key = strdup(key);
    if (!entry->ns || !entry->key || hpac_sim_map_put(store->by_key, ckey, entry) != 0) {
        entry_free(entry);
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    entry->obj = obj;
    obj = NULL;
    entry->labels = labels;
    labels = (hpac_labels){0};
    bucket->entries[bucket->count++] = entry;
    store->count++;
    result = entry;
out:
    if (ckey)
        composite_done(buf, ckey);
    hpac_labels_clear(&labels);
    json_decref(obj);
    return result;
}

hpac_sim_entry *hpac_sim_store_find(const hpac_sim_store *store, const char *ns, const char *key)
{
    char buf[COMPOSITE_STACK];
    char *ckey = composite(buf, ns, key);
    if (!ckey)
        return NULL;
    hpac_sim_entry *entry = hpac_sim_map_get(store->by_key, ckey);
    composite_done(buf, ckey);
    return entry;
}

int hpac_sim_store_relabel(hpac_sim_entry *entry, char *err, size_t errsize)
{
    hpac_labels labels = {0};
    if (parse_labels(entry->obj, &labels, err, errsize) != 0)
        return -1;
    hpac_labels_clear(&entry->labels);
    entry->labels = labels;
    return 0;
}

int hpac_sim_store_remove(hpac_sim_store *store, const char *ns, const char *key)
{
    char buf[COMPOSITE_STACK];
    char *ckey = composite(buf, ns, key);
    if (!ckey)
        return -1;
    hpac_sim_entry *entry = hpac_sim_map_remove(store->by_key, ckey);
    composite_done(buf, ckey);
    if (!entry)
        return -1;
    /* O(entries of the namespace): removal is rare (the demo deleting a
     * pod), listing is what must be fast. */
    ns_bucket *bucket = hpac_sim_map_get(store->by_ns, ns);
    for (size_t i = 0; bucket && i < bucket->count; i++) {
        if (bucket->entries[i] == entry) {
            memmove(&bucket->entries[i], &bucket->entries[i + 1],
                    (bucket->count - i - 1) * sizeof(*bucket->entries));
            bucket->count--;
            break;
        }
    }
    entry_free(entry);
    store->count--;
    return 0;
}

size_t hpac_sim_store_count(const hpac_sim_store *store)
{
    return store->count;
}

/* False when the visitor asked to stop. */
static bool visit_bucket(const ns_bucket *bucket, const hpac_selector *sel,
                         hpac_sim_store_visit visit, void *ctx)
{
    for (size_t i = 0; i < bucket->count; i++) {
        const hpac_sim_entry *entry = bucket->entries[i];
        if (sel && !hpac_selector_matches(sel, &entry->labels))
            continue;
        if (!visit(ctx, entry))
            return false;
    }
    return true;
}

void hpac_sim_store_each(const hpac_sim_store *store, const char *ns, const hpac_selector *sel,
                         hpac_sim_store_visit visit, void *ctx)
{
    if (ns) {
        const ns_bucket *bucket = hpac_sim_map_get(store->by_ns, ns);
        if (bucket)
            visit_bucket(bucket, sel, visit, ctx);
        return;
    }
    for (size_t b = 0; b < store->nbuckets; b++) {
        if (!visit_bucket(store->buckets[b], sel, visit, ctx))
            return;
    }
}

void hpac_sim_store_each_namespace(const hpac_sim_store *store, hpac_sim_store_ns_visit visit,
                                   void *ctx)
{
    for (size_t b = 0; b < store->nbuckets; b++) {
        if (store->buckets[b]->count > 0 && !visit(ctx, store->buckets[b]->name))
            return;
    }
}
