#include "sim/sim_store.h"

#include "util/strmap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry_list {
    hpac_sim_entry **items;
    size_t count, cap;
} entry_list;

typedef struct ns_bucket {
    char *name;
    hpac_sim_entry **entries; /* insertion order */
    size_t count, cap;
    /* "key=value" -> entry_list: the entries carrying that label, so that
     * a selector with an equality ("app=web") looks at its candidates only,
     * not at every pod of a 100,000-pod namespace. */
    hpac_strmap *by_label;
    bool index_broken; /* an allocation failed: scan the namespace instead */
} ns_bucket;

struct hpac_sim_store {
    hpac_strmap *by_ns;  /* ns -> ns_bucket */
    hpac_strmap *by_key; /* "ns\nkey" -> hpac_sim_entry */
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

/* --- the label index --------------------------------------------------- */

#define LABEL_KEY_STACK 512

/* "key=value" into `buf`, or a heap copy when it does not fit (caller
 * frees when the result differs from buf); NULL on allocation failure. */
static char *label_key(char *buf, const hpac_label *label)
{
    size_t kl = strlen(label->key), vl = strlen(label->value);
    char *out = buf;
    if (kl + vl + 2 > LABEL_KEY_STACK) {
        out = malloc(kl + vl + 2);
        if (!out)
            return NULL;
    }
    memcpy(out, label->key, kl);
    out[kl] = '=';
    memcpy(out + kl + 1, label->value, vl + 1);
    return out;
}

static void entry_list_free(void *value)
{
    entry_list *list = value;
    free(list->items);
    free(list);
}

static void index_add(ns_bucket *bucket, hpac_sim_entry *entry)
{
    for (size_t i = 0; i < entry->labels.count && !bucket->index_broken; i++) {
        char buf[LABEL_KEY_STACK];
        char *key = label_key(buf, &entry->labels.items[i]);
        entry_list *list = key ? hpac_strmap_get(bucket->by_label, key) : NULL;
        if (key && !list) {
            list = calloc(1, sizeof(*list));
            if (list && hpac_strmap_put(bucket->by_label, key, list) != 0) {
                free(list);
                list = NULL;
            }
        }
        if (list && list->count == list->cap) {
            size_t cap = list->cap ? list->cap * 2 : 4;
            hpac_sim_entry **grown = realloc(list->items, cap * sizeof(*grown));
            if (grown) {
                list->items = grown;
                list->cap = cap;
            }
        }
        if (list && list->count < list->cap)
            list->items[list->count++] = entry;
        else
            bucket->index_broken = true;
        if (key && key != buf)
            free(key);
    }
}

/* O(entries carrying each label): removal and relabelling are rare. */
static void index_del(ns_bucket *bucket, hpac_sim_entry *entry)
{
    for (size_t i = 0; i < entry->labels.count; i++) {
        char buf[LABEL_KEY_STACK];
        char *key = label_key(buf, &entry->labels.items[i]);
        entry_list *list = key ? hpac_strmap_get(bucket->by_label, key) : NULL;
        if (!key)
            bucket->index_broken = true;
        for (size_t j = 0; list && j < list->count; j++) {
            if (list->items[j] == entry) {
                memmove(&list->items[j], &list->items[j + 1],
                        (list->count - j - 1) * sizeof(*list->items));
                list->count--;
                break;
            }
        }
        if (list && list->count == 0)
            entry_list_free(hpac_strmap_remove(bucket->by_label, key));
        if (key && key != buf)
            free(key);
    }
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
    store->by_ns = hpac_strmap_new();
    store->by_key = hpac_strmap_new();
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
        hpac_strmap_free_with(bucket->by_label, entry_list_free);
        free(bucket->name);
        free(bucket);
    }
    free(store->buckets);
    hpac_strmap_free(store->by_ns);
    hpac_strmap_free(store->by_key);
    free(store);
}

static ns_bucket *bucket_for(hpac_sim_store *store, const char *ns)
{
    ns_bucket *bucket = hpac_strmap_get(store->by_ns, ns);
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
    bucket->by_label = hpac_strmap_new();
    if (!bucket->name || !bucket->by_label ||
        hpac_strmap_put(store->by_ns, ns, bucket) != 0) {
        hpac_strmap_free(bucket->by_label);
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

    hpac_sim_entry *existing = hpac_strmap_get(store->by_key, ckey);
    if (existing) {
        ns_bucket *bucket = hpac_strmap_get(store->by_ns, ns);
        index_del(bucket, existing);
        json_decref(existing->obj);
        existing->obj = obj;
        obj = NULL;
        hpac_labels_clear(&existing->labels);
        existing->labels = labels;
        labels = (hpac_labels){0};
        index_add(bucket, existing);
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
    if (!entry->ns || !entry->key || hpac_strmap_put(store->by_key, ckey, entry) != 0) {
        entry_free(entry);
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    entry->obj = obj;
    obj = NULL;
    entry->labels = labels;
    labels = (hpac_labels){0};
    bucket->entries[bucket->count++] = entry;
    index_add(bucket, entry);
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
    hpac_sim_entry *entry = hpac_strmap_get(store->by_key, ckey);
    composite_done(buf, ckey);
    return entry;
}

int hpac_sim_store_relabel(hpac_sim_store *store, hpac_sim_entry *entry, char *err,
                           size_t errsize)
{
    hpac_labels labels = {0};
    if (parse_labels(entry->obj, &labels, err, errsize) != 0)
        return -1;
    ns_bucket *bucket = hpac_strmap_get(store->by_ns, entry->ns);
    index_del(bucket, entry);
    hpac_labels_clear(&entry->labels);
    entry->labels = labels;
    index_add(bucket, entry);
    return 0;
}

int hpac_sim_store_remove(hpac_sim_store *store, const char *ns, const char *key)
{
    char buf[COMPOSITE_STACK];
    char *ckey = composite(buf, ns, key);
    if (!ckey)
        return -1;
    hpac_sim_entry *entry = hpac_strmap_remove(store->by_key, ckey);
    composite_done(buf, ckey);
    if (!entry)
        return -1;
    /* O(entries of the namespace): removal is rare (the demo deleting a
     * pod), listing is what must be fast. */
    ns_bucket *bucket = hpac_strmap_get(store->by_ns, ns);
    if (bucket)
        index_del(bucket, entry);
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

/* The requirements of a selector that name the values a key must hold
 * (=, == and in): every one must hold for a match, so the entries
 * carrying one of the values of the requirement with the fewest such
 * entries are the only candidates. A label value never holds '=', so
 * "key=value" is exact as an index key. */
#define INDEX_KEY_MAX 1024

/* The index lists of requirement i's values; false when requirement i
 * is not of the indexed kind. *total counts their entries. */
static bool requirement_lists(const ns_bucket *bucket, const hpac_selector *sel, size_t i,
                              const entry_list **lists, size_t max, size_t *nlists,
                              size_t *total)
{
    const char *key;
    const char *const *values;
    size_t count;
    if (!hpac_selector_requirement_values(sel, i, &key, &values, &count) || count > max)
        return false;
    *nlists = 0;
    *total = 0;
    for (size_t v = 0; v < count; v++) {
        char index_key[INDEX_KEY_MAX];
        int n = snprintf(index_key, sizeof(index_key), "%s=%s", key, values[v]);
        if (n < 0 || (size_t)n >= sizeof(index_key))
            return false;
        const entry_list *list = hpac_strmap_get(bucket->by_label, index_key);
        if (list && list->count > 0) {
            lists[(*nlists)++] = list;
            *total += list->count;
        }
    }
    return true;
}

#define CANDIDATE_LISTS_MAX 256

/* False when the visitor asked to stop. */
static bool visit_entries(hpac_sim_entry *const *items, size_t count, const hpac_selector *sel,
                          hpac_sim_store_visit visit, void *ctx)
{
    for (size_t i = 0; i < count; i++) {
        const hpac_sim_entry *entry = items[i];
        if (sel && !hpac_selector_matches(sel, &entry->labels))
            continue;
        if (!visit(ctx, entry))
            return false;
    }
    return true;
}

/* False when the visitor asked to stop. */
static bool visit_bucket(const ns_bucket *bucket, const hpac_selector *sel,
                         hpac_sim_store_visit visit, void *ctx)
{
    size_t reqs = sel && !bucket->index_broken ? hpac_selector_requirement_count(sel) : 0;
    const entry_list *best[CANDIDATE_LISTS_MAX], *lists[CANDIDATE_LISTS_MAX];
    size_t best_count = 0, best_total = SIZE_MAX;
    for (size_t i = 0; i < reqs; i++) {
        size_t n, total;
        if (!requirement_lists(bucket, sel, i, lists, CANDIDATE_LISTS_MAX, &n, &total) ||
            total >= best_total)
            continue;
        memcpy(best, lists, n * sizeof(*lists));
        best_count = n;
        best_total = total;
    }
    if (best_total == SIZE_MAX) /* nothing to narrow by: scan */
        return visit_entries(bucket->entries, bucket->count, sel, visit, ctx);
    /* A key holds one value, so the lists of one requirement are disjoint. */
    for (size_t l = 0; l < best_count; l++) {
        if (!visit_entries(best[l]->items, best[l]->count, sel, visit, ctx))
            return false;
    }
    return true;
}

void hpac_sim_store_each(const hpac_sim_store *store, const char *ns, const hpac_selector *sel,
                         hpac_sim_store_visit visit, void *ctx)
{
    if (ns) {
        const ns_bucket *bucket = hpac_strmap_get(store->by_ns, ns);
        if (bucket)
            visit_bucket(bucket, sel, visit, ctx);
    } else {
        for (size_t b = 0; b < store->nbuckets; b++) {
            if (!visit_bucket(store->buckets[b], sel, visit, ctx))
                break;
        }
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
