/* The compact pod cache. Layout, per pod:
 *
 *   a fixed record (40 bytes) in one array indexed by the pod's id: the
 *   namespace's string id, the id of its shape (containers and requests,
 *   shared by the replicas of a workload: pod_cache_shape.h), the label
 *   count, flags (phase, deletion, readiness), two claims, and a pointer to
 *   one packed blob: start and Ready transition times, the ids of the
 *   pod's label terms (sorted by key), then the name.
 *
 * A term is a (namespace, key, value) posting list of pod ids; the term
 * (namespace, 0, 0) lists every pod of the namespace. Terms own references
 * on their strings; records own a reference on their namespace and on
 * their shape. An upsert prepares everything that can fail before it
 * touches the old version, so a failure leaves the cache as it was. */
#include "controller/pod_cache.h"

#include "controller/pod_cache_pool.h"
#include "controller/pod_cache_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The label count is kept in 16 bits; a pod beyond this is refused. */
#define MAX_LABELS 4096
/* Record ids are 32-bit; one is reserved as "none". */
#define MAX_RECORDS ((size_t)UINT32_MAX - 1)

#define PHASE_MASK 0x07u
#define FLAG_DELETING 0x08u
#define FLAG_HAS_READY 0x10u
#define FLAG_READY 0x20u

#define NONE UINT32_MAX

typedef struct claim {
    uint32_t hpa; /* 0: none */
    uint32_t epoch;
} claim;

typedef struct record {
    unsigned char *blob; /* NULL: a free slot */
    uint32_t ns;         /* string id; for a free slot, the next free id + 1 */
    uint32_t shape;
    uint16_t nlabels;
    uint8_t flags;
    claim claims[2];
} record;

typedef struct term {
    hpac__postings pods;
    uint32_t ns;    /* 0: a free term; `key` then links the free list (id + 1) */
    uint32_t key;   /* 0: the namespace's list of all pods */
    uint32_t value;
} term;

typedef struct term_key {
    uint32_t ns, key, value;
} term_key;

typedef struct pod_key {
    uint32_t ns;
    const char *name;
} pod_key;

/* The blob: int64_t times[2] (start, Ready transition), uint32_t
 * terms[nlabels], char name[]. */
#define BLOB_TERMS (2 * sizeof(int64_t))

struct hpac_pod_cache {
    hpac__strpool strings;
    hpac__shapes shapes;

    record *records;
    uint32_t nrecords; /* ids handed out */
    uint32_t rcap;
    uint32_t free_record; /* id + 1; 0: none */
    size_t live;
    hpac__idtable by_name;

    term *terms;
    uint32_t nterms;
    uint32_t tcap;
    uint32_t free_term; /* id + 1; 0: none */
    size_t live_terms;
    hpac__idtable by_term;

    size_t blob_bytes;
    size_t posting_bytes;

    hpac_label *view; /* scratch: one pod's labels for the selector */
    size_t view_cap;
    uint64_t visited;
};

/* ---------------------------------------------------------------- blob */

/* The blob comes from malloc: the int64s first, then 32-bit ids, then
 * the name, each suitably aligned. */
static int64_t *blob_times(const record *r)
{
    return (int64_t *)(void *)r->blob;
}

static uint32_t *blob_terms(const record *r)
{
    return (uint32_t *)(void *)(r->blob + BLOB_TERMS);
}

static size_t blob_name_offset(uint16_t nlabels)
{
    return BLOB_TERMS + (size_t)nlabels * sizeof(uint32_t);
}

static const char *record_name(const record *r)
{
    return (const char *)r->blob + blob_name_offset(r->nlabels);
}

static size_t blob_size(const record *r)
{
    return blob_name_offset(r->nlabels) + strlen(record_name(r)) + 1;
}

/* -------------------------------------------------------------- tables */

static uint32_t pod_hash(uint32_t ns, const char *name)
{
    return hpac__hash_mix(hpac__hash_string(name), ns);
}

static uint32_t record_hash(const void *ctx, uint32_t id)
{
    const hpac_pod_cache *c = ctx;
    const record *r = &c->records[id];
    return pod_hash(r->ns, record_name(r));
}

static bool record_eq(const void *ctx, uint32_t id, const void *key)
{
    const hpac_pod_cache *c = ctx;
    const pod_key *k = key;
    const record *r = &c->records[id];
    return r->ns == k->ns && strcmp(record_name(r), k->name) == 0;
}

static uint32_t term_hash_of(uint32_t ns, uint32_t key, uint32_t value)
{
    return hpac__hash_mix(hpac__hash_mix(hpac__hash_mix(0, ns), key), value);
}

static uint32_t term_hash(const void *ctx, uint32_t id)
{
    const hpac_pod_cache *c = ctx;
    const term *t = &c->terms[id];
    return term_hash_of(t->ns, t->key, t->value);
}

static bool term_eq(const void *ctx, uint32_t id, const void *key)
{
    const hpac_pod_cache *c = ctx;
    const term_key *k = key;
    const term *t = &c->terms[id];
    return t->ns == k->ns && t->key == k->key && t->value == k->value;
}

static uint32_t term_find(const hpac_pod_cache *c, uint32_t ns, uint32_t key, uint32_t value)
{
    term_key k = {ns, key, value};
    return hpac__idtable_find(&c->by_term, term_hash_of(ns, key, value), term_eq, c, &k);
}

static uint32_t record_find(const hpac_pod_cache *c, uint32_t ns, const char *name)
{
    pod_key k = {ns, name};
    return hpac__idtable_find(&c->by_name, pod_hash(ns, name), record_eq, c, &k);
}

/* --------------------------------------------------------------- terms */

static void posting_add(hpac_pod_cache *c, term *t, uint32_t id)
{
    size_t before = hpac__postings_bytes(&t->pods);
    /* Reserved beforehand: cannot fail. */
    (void)hpac__postings_add(&t->pods, id);
    c->posting_bytes += hpac__postings_bytes(&t->pods) - before;
}

static int posting_reserve(hpac_pod_cache *c, term *t)
{
    size_t before = hpac__postings_bytes(&t->pods);
    if (hpac__postings_reserve(&t->pods) != 0)
        return -1;
    c->posting_bytes += hpac__postings_bytes(&t->pods) - before;
    return 0;
}

/* Frees a term nobody is listed in. */
static void term_release_if_empty(hpac_pod_cache *c, uint32_t id)
{
    term *t = &c->terms[id];
    if (t->pods.count > 0)
        return;
    hpac__idtable_remove(&c->by_term, term_hash(c, id), id, term_hash, c);
    c->posting_bytes -= hpac__postings_bytes(&t->pods);
    hpac__postings_clear(&t->pods);
    hpac__strpool_unref(&c->strings, t->ns);
    hpac__strpool_unref(&c->strings, t->key);
    hpac__strpool_unref(&c->strings, t->value);
    t->ns = 0;
    t->value = 0;
    t->key = c->free_term;
    c->free_term = id + 1;
    c->live_terms--;
}

static uint32_t term_slot(hpac_pod_cache *c)
{
    if (c->free_term != 0) {
        uint32_t id = c->free_term - 1;
        c->free_term = c->terms[id].key;
        return id;
    }
    if (c->nterms == c->tcap) {
        if (c->tcap >= UINT32_MAX / 2)
            return NONE;
        uint32_t cap = c->tcap ? c->tcap * 2 : 64;
        term *terms = realloc(c->terms, cap * sizeof(*terms));
        if (!terms)
            return NONE;
        c->terms = terms;
        c->tcap = cap;
    }
    return c->nterms++;
}

static void term_slot_return(hpac_pod_cache *c, uint32_t id)
{
    term *t = &c->terms[id];
    memset(t, 0, sizeof(*t));
    t->key = c->free_term;
    c->free_term = id + 1;
}

/* The term (ns, key, value) for `key`=`value` strings, or the namespace's
 * own term when `key` is NULL; created empty when new (taking references
 * on its strings). NONE when out of memory. */
static uint32_t term_acquire(hpac_pod_cache *c, uint32_t ns, const char *key, const char *value)
{
    uint32_t key_id = 0, value_id = 0;
    if (key) {
        key_id = hpac__strpool_find(&c->strings, key);
        value_id = hpac__strpool_find(&c->strings, value);
    }
    if (!key || (key_id != 0 && value_id != 0)) {
        uint32_t found = term_find(c, ns, key_id, value_id);
        if (found != NONE)
            return found;
    }
    uint32_t result = NONE;
    key_id = value_id = 0;
    if (key) {
        key_id = hpac__strpool_intern(&c->strings, key);
        value_id = key_id ? hpac__strpool_intern(&c->strings, value) : 0;
        if (!key_id || !value_id)
            goto out;
    }
    uint32_t id = term_slot(c);
    if (id == NONE)
        goto out;
    term *t = &c->terms[id];
    memset(t, 0, sizeof(*t));
    t->ns = ns;
    t->key = key_id;
    t->value = value_id;
    if (hpac__idtable_insert(&c->by_term, term_hash(c, id), id, term_hash, c) != 0) {
        term_slot_return(c, id);
        goto out;
    }
    hpac__strpool_ref(&c->strings, ns);
    key_id = value_id = 0; /* the term holds them now */
    c->live_terms++;
    result = id;
out:
    hpac__strpool_unref(&c->strings, key_id);
    hpac__strpool_unref(&c->strings, value_id);
    return result;
}

/* ------------------------------------------------------------- records */

/* A record under construction and the terms it will be listed in. */
typedef struct draft {
    record rec;
    uint32_t ns_term;
    uint32_t *terms; /* rec.nlabels, also stored in the blob */
} draft;

/* Gives back what a draft holds: references, empty terms, the blob. */
static void draft_abandon(hpac_pod_cache *c, draft *d, size_t terms_held)
{
    record *r = &d->rec;
    for (size_t i = 0; i < terms_held; i++)
        term_release_if_empty(c, d->terms[i]);
    if (d->ns_term != NONE)
        term_release_if_empty(c, d->ns_term);
    hpac__shape_unref(&c->shapes, &c->strings, r->shape);
    hpac__strpool_unref(&c->strings, r->ns);
    free(r->blob);
    memset(d, 0, sizeof(*d));
}

static void set_err(char *err, size_t errsize, const char *msg)
{
    if (err && errsize > 0)
        snprintf(err, errsize, "%s", msg);
}

/* Packs a decoded pod into a draft: interns its namespace and shape and
 * acquires its terms. 0, or -1 with err (the draft then holds nothing). */
static int draft_make(hpac_pod_cache *c, const hpac_pod *pod, draft *d, char *err,
                      size_t errsize)
{
    int rc = -1;
    size_t terms_held = 0;
    record *r = &d->rec;
    memset(d, 0, sizeof(*d));
    d->ns_term = NONE;

    if (pod->labels.count > MAX_LABELS) {
        set_err(err, errsize, "pod cache: too many labels in one pod");
        goto out;
    }
    r->nlabels = (uint16_t)pod->labels.count;
    r->flags = (uint8_t)((unsigned)pod->phase & PHASE_MASK);
    if (pod->deleting)
        r->flags |= FLAG_DELETING;
    if (pod->has_ready_condition)
        r->flags |= FLAG_HAS_READY;
    if (pod->ready)
        r->flags |= FLAG_READY;

    size_t name_len = strlen(pod->name);
    r->blob = malloc(blob_name_offset(r->nlabels) + name_len + 1);
    if (!r->blob)
        goto oom;
    int64_t *times = blob_times(r);
    times[0] = pod->start_time_ms;
    times[1] = pod->ready_transition_ms;
    memcpy(r->blob + blob_name_offset(r->nlabels), pod->name, name_len + 1);

    r->ns = hpac__strpool_intern(&c->strings, pod->namespace ? pod->namespace : "");
    if (!r->ns)
        goto oom;
    r->shape = hpac__shape_intern(&c->shapes, &c->strings, pod, err, errsize);
    if (!r->shape)
        goto out;

    d->terms = blob_terms(r);
    d->ns_term = term_acquire(c, r->ns, NULL, NULL);
    if (d->ns_term == NONE)
        goto oom;
    for (; terms_held < pod->labels.count; terms_held++) {
        const hpac_label *lab = &pod->labels.items[terms_held];
        uint32_t t = term_acquire(c, r->ns, lab->key, lab->value);
        if (t == NONE)
            goto oom;
        d->terms[terms_held] = t;
    }
    rc = 0;
    goto out;
oom:
    set_err(err, errsize, "pod cache: out of memory");
out:
    if (rc != 0)
        draft_abandon(c, d, terms_held);
    return rc;
}

static bool has_term(const uint32_t *terms, size_t n, uint32_t t)
{
    for (size_t i = 0; i < n; i++) {
        if (terms[i] == t)
            return true;
    }
    return false;
}

/* Drops what a record holds: its place in its label terms (freeing
 * emptied ones) except those in `keep`, its shape, its blob. The namespace
 * and its term are the caller's. */
static void record_release(hpac_pod_cache *c, uint32_t id, const uint32_t *keep, size_t nkeep)
{
    record *r = &c->records[id];
    const uint32_t *terms = blob_terms(r);
    for (size_t i = 0; i < r->nlabels; i++) {
        if (has_term(keep, nkeep, terms[i]))
            continue;
        term *t = &c->terms[terms[i]];
        size_t before = hpac__postings_bytes(&t->pods);
        hpac__postings_remove(&t->pods, id);
        c->posting_bytes -= before - hpac__postings_bytes(&t->pods);
        term_release_if_empty(c, terms[i]);
    }
    hpac__shape_unref(&c->shapes, &c->strings, r->shape);
    r->shape = 0;
    c->blob_bytes -= hpac__heap_chunk(blob_size(r));
    free(r->blob);
    r->blob = NULL;
}

static uint32_t record_slot(hpac_pod_cache *c)
{
    if (c->free_record != 0) {
        uint32_t id = c->free_record - 1;
        c->free_record = c->records[id].ns;
        return id;
    }
    if (c->nrecords == c->rcap) {
        if (c->rcap >= MAX_RECORDS / 2)
            return NONE;
        uint32_t cap = c->rcap ? c->rcap * 2 : 256;
        record *records = realloc(c->records, cap * sizeof(*records));
        if (!records)
            return NONE;
        c->records = records;
        c->rcap = cap;
    }
    return c->nrecords++;
}

static void record_slot_return(hpac_pod_cache *c, uint32_t id)
{
    record *r = &c->records[id];
    memset(r, 0, sizeof(*r));
    r->ns = c->free_record;
    c->free_record = id + 1;
}

/* ----------------------------------------------------------------- API */

hpac_pod_cache *hpac_pod_cache_new(void)
{
    return calloc(1, sizeof(hpac_pod_cache));
}

void hpac_pod_cache_free(hpac_pod_cache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nrecords; i++)
        free(c->records[i].blob);
    free(c->records);
    hpac__idtable_clear(&c->by_name);
    for (uint32_t i = 0; i < c->nterms; i++) {
        if (c->terms[i].ns != 0)
            hpac__postings_clear(&c->terms[i].pods);
    }
    free(c->terms);
    hpac__idtable_clear(&c->by_term);
    hpac__shapes_clear(&c->shapes);
    hpac__strpool_clear(&c->strings);
    free(c->view);
    free(c);
}

/* Lists `id` in every term of the draft that the old version (if any) is
 * not in yet. Cannot fail: reserved beforehand. */
static void list_in_terms(hpac_pod_cache *c, const draft *d, uint32_t id, const uint32_t *old,
                          size_t nold, bool is_new)
{
    if (is_new)
        posting_add(c, &c->terms[d->ns_term], id);
    for (size_t i = 0; i < d->rec.nlabels; i++) {
        if (!has_term(old, nold, d->terms[i]))
            posting_add(c, &c->terms[d->terms[i]], id);
    }
}

/* Room for `id` in every term it will join. */
static int reserve_terms(hpac_pod_cache *c, const draft *d, const uint32_t *old, size_t nold,
                         bool is_new)
{
    if (is_new && posting_reserve(c, &c->terms[d->ns_term]) != 0)
        return -1;
    for (size_t i = 0; i < d->rec.nlabels; i++) {
        if (!has_term(old, nold, d->terms[i]) && posting_reserve(c, &c->terms[d->terms[i]]) != 0)
            return -1;
    }
    return 0;
}

int hpac_pod_cache_upsert(hpac_pod_cache *c, const json_t *object, char *err, size_t errsize)
{
    int rc = -1;
    hpac_pod pod;
    draft d;
    bool drafted = false;
    if (hpac_pod_from_json(object, &pod, err, errsize) != 0)
        return -1;
    if (draft_make(c, &pod, &d, err, errsize) != 0)
        goto out;
    drafted = true;

    uint32_t id = record_find(c, d.rec.ns, pod.name);
    if (id != NONE) {
        record *r = &c->records[id];
        const uint32_t *old = blob_terms(r);
        if (reserve_terms(c, &d, old, r->nlabels, false) != 0)
            goto oom;
        list_in_terms(c, &d, id, old, r->nlabels, false);
        /* Leaves the terms the new version is in (same namespace: the
         * namespace's term too). */
        claim claims[2];
        memcpy(claims, r->claims, sizeof(claims));
        record_release(c, id, d.terms, d.rec.nlabels);
        hpac__strpool_unref(&c->strings, r->ns); /* the draft holds its own */
        *r = d.rec;
        memcpy(r->claims, claims, sizeof(claims));
    } else {
        if (reserve_terms(c, &d, NULL, 0, true) != 0)
            goto oom;
        id = record_slot(c);
        if (id == NONE)
            goto oom;
        c->records[id] = d.rec;
        if (hpac__idtable_insert(&c->by_name, record_hash(c, id), id, record_hash, c) != 0) {
            record_slot_return(c, id);
            goto oom;
        }
        list_in_terms(c, &d, id, NULL, 0, true);
        c->live++;
    }
    c->blob_bytes += hpac__heap_chunk(blob_size(&d.rec));
    drafted = false; /* the record holds it all now */
    rc = 0;
    goto out;
oom:
    set_err(err, errsize, "pod cache: out of memory");
out:
    if (drafted)
        draft_abandon(c, &d, d.rec.nlabels);
    hpac_pod_clear(&pod);
    return rc;
}

void hpac_pod_cache_remove(hpac_pod_cache *c, const char *ns, const char *name)
{
    if (!c || !name)
        return;
    uint32_t ns_id = hpac__strpool_find(&c->strings, ns ? ns : "");
    if (ns_id == 0)
        return;
    uint32_t id = record_find(c, ns_id, name);
    if (id == NONE)
        return;
    record *r = &c->records[id];
    hpac__idtable_remove(&c->by_name, record_hash(c, id), id, record_hash, c);
    uint32_t ns_term = term_find(c, ns_id, 0, 0);
    term *t = &c->terms[ns_term];
    size_t before = hpac__postings_bytes(&t->pods);
    hpac__postings_remove(&t->pods, id);
    c->posting_bytes -= before - hpac__postings_bytes(&t->pods);
    record_release(c, id, NULL, 0);
    /* Last: the namespace string may go with the term. */
    term_release_if_empty(c, ns_term);
    hpac__strpool_unref(&c->strings, r->ns);
    record_slot_return(c, id);
    c->live--;
}

size_t hpac_pod_cache_count(const hpac_pod_cache *c)
{
    return c ? c->live : 0;
}

/* ----------------------------------------------------------- selection */

/* The record's labels as a set the selector can read (borrowed strings, in
 * the scratch array). NULL when out of memory. */
static const hpac_labels *labels_view(hpac_pod_cache *c, const record *r, hpac_labels *out)
{
    if (r->nlabels > c->view_cap) {
        size_t cap = r->nlabels < 16 ? 16 : r->nlabels;
        hpac_label *view = realloc(c->view, cap * sizeof(*view));
        if (!view)
            return NULL;
        c->view = view;
        c->view_cap = cap;
    }
    const uint32_t *terms = blob_terms(r);
    for (size_t i = 0; i < r->nlabels; i++) {
        const term *t = &c->terms[terms[i]];
        /* hpac_label's members are not const; nothing writes through them. */
        c->view[i].key = (char *)hpac__strpool_get(&c->strings, t->key);
        c->view[i].value = (char *)hpac__strpool_get(&c->strings, t->value);
    }
    out->items = c->view;
    out->count = r->nlabels;
    return out;
}

typedef struct id_vec {
    uint32_t *items;
    size_t count, cap;
} id_vec;

static int vec_push(id_vec *v, uint32_t id)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        uint32_t *items = realloc(v->items, cap * sizeof(*items));
        if (!items)
            return -1;
        v->items = items;
        v->cap = cap;
    }
    v->items[v->count++] = id;
    return 0;
}

/* Adds `id` to `out` when the selector takes the pod. */
static int consider(hpac_pod_cache *c, uint32_t id, const hpac_selector *sel, id_vec *out)
{
    hpac_labels labels;
    c->visited++;
    if (!labels_view(c, &c->records[id], &labels))
        return -1;
    if (!hpac_selector_matches(sel, &labels))
        return 0;
    return vec_push(out, id);
}

/* Adds `id` to `out`: a pod known to satisfy the selector. */
static int take(hpac_pod_cache *c, uint32_t id, id_vec *out)
{
    c->visited++;
    return vec_push(out, id);
}

/* The posting lists to scan in `ns`: those of the =, == or in requirement
 * with the fewest pods, else the namespace's own list. Writes at most
 * `max` term ids (the largest value count of any requirement, at least 1).
 * Returns how many, 0 when nothing can match. *exact: every pod on those
 * lists satisfies the whole selector (it has no other requirement), so
 * none needs checking. */
static size_t plan(const hpac_pod_cache *c, uint32_t ns, const hpac_selector *sel,
                   uint32_t *best, uint32_t *scratch, bool *exact)
{
    *exact = false;
    size_t best_n = 0;
    uint64_t best_total = UINT64_MAX;
    size_t reqs = hpac_selector_requirement_count(sel);
    for (size_t i = 0; i < reqs; i++) {
        const char *key;
        const char *const *values;
        size_t nvalues;
        if (!hpac_selector_requirement_values(sel, i, &key, &values, &nvalues))
            continue;
        uint64_t total = 0;
        size_t n = 0;
        uint32_t key_id = hpac__strpool_find(&c->strings, key);
        for (size_t j = 0; key_id != 0 && j < nvalues; j++) {
            uint32_t value_id = hpac__strpool_find(&c->strings, values[j]);
            uint32_t t = value_id ? term_find(c, ns, key_id, value_id) : NONE;
            if (t == NONE)
                continue;
            scratch[n++] = t;
            total += c->terms[t].pods.count;
        }
        if (total == 0)
            return 0; /* no pod can satisfy this requirement */
        if (total < best_total) {
            best_total = total;
            best_n = n;
            memcpy(best, scratch, n * sizeof(*best));
        }
    }
    if (best_total != UINT64_MAX) {
        *exact = reqs == 1;
        return best_n;
    }
    uint32_t t = term_find(c, ns, 0, 0);
    if (t == NONE)
        return 0;
    best[0] = t;
    return 1;
}

static size_t max_values(const hpac_selector *sel)
{
    size_t most = 1;
    size_t reqs = hpac_selector_requirement_count(sel);
    for (size_t i = 0; i < reqs; i++) {
        const char *key;
        const char *const *values;
        size_t nvalues;
        if (hpac_selector_requirement_values(sel, i, &key, &values, &nvalues) && nvalues > most)
            most = nvalues;
    }
    return most;
}

static int collect(hpac_pod_cache *c, const char *ns, const hpac_selector *sel, id_vec *out)
{
    if (!ns) {
        for (uint32_t id = 0; id < c->nrecords; id++) {
            if (c->records[id].blob && consider(c, id, sel, out) != 0)
                return -1;
        }
        return 0;
    }
    uint32_t ns_id = hpac__strpool_find(&c->strings, ns);
    if (ns_id == 0)
        return 0;
    int rc = -1;
    size_t most = max_values(sel);
    uint32_t *best = malloc(most * sizeof(*best));
    uint32_t *scratch = malloc(most * sizeof(*scratch));
    if (!best || !scratch)
        goto out;
    bool exact;
    size_t n = plan(c, ns_id, sel, best, scratch, &exact);
    for (size_t i = 0; i < n; i++) {
        /* The lists of one key's values are disjoint: a pod has one value
         * per key, so no pod is considered twice. */
        const hpac__postings *p = &c->terms[best[i]].pods;
        const uint32_t *ids = hpac__postings_ids(p);
        for (uint32_t j = 0; j < p->count; j++) {
            if ((exact ? take(c, ids[j], out) : consider(c, ids[j], sel, out)) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    free(best);
    free(scratch);
    return rc;
}

typedef struct sort_item {
    const char *ns;
    const char *name;
    uint32_t id;
} sort_item;

static int compare_items(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int cmp = strcmp(x->ns, y->ns);
    return cmp != 0 ? cmp : strcmp(x->name, y->name);
}

static char *dup_id(const hpac_pod_cache *c, uint32_t id)
{
    return strdup(hpac__strpool_get(&c->strings, id));
}

/* A full copy of the record. 0, or -1 (partly filled; hpac_pod_clear
 * frees it). */
static int materialise(const hpac_pod_cache *c, uint32_t id, hpac_pod *out)
{
    const record *r = &c->records[id];
    memset(out, 0, sizeof(*out));
    out->namespace = dup_id(c, r->ns);
    out->name = strdup(record_name(r));
    if (!out->namespace || !out->name)
        return -1;
    out->phase = (hpac_pod_phase)(r->flags & PHASE_MASK);
    out->deleting = (r->flags & FLAG_DELETING) != 0;
    out->has_ready_condition = (r->flags & FLAG_HAS_READY) != 0;
    out->ready = (r->flags & FLAG_READY) != 0;
    const int64_t *times = blob_times(r);
    out->start_time_ms = times[0];
    out->ready_transition_ms = times[1];

    const uint32_t *terms = blob_terms(r);
    if (r->nlabels > 0) {
        out->labels.items = calloc(r->nlabels, sizeof(*out->labels.items));
        if (!out->labels.items)
            return -1;
    }
    for (size_t i = 0; i < r->nlabels; i++) {
        const term *t = &c->terms[terms[i]];
        hpac_label *lab = &out->labels.items[i];
        out->labels.count++;
        lab->key = dup_id(c, t->key);
        lab->value = dup_id(c, t->value);
        if (!lab->key || !lab->value)
            return -1;
    }
    return hpac__shape_copy(&c->shapes, &c->strings, r->shape, out);
}

int hpac_pod_cache_select_ids(hpac_pod_cache *c, const char *ns, const hpac_selector *sel,
                              hpac_pod **pods, uint32_t **ids, size_t *count)
{
    int rc = -1;
    id_vec found = {0};
    sort_item *items = NULL;
    hpac_pod *copies = NULL;
    size_t copied = 0;
    uint32_t *out_ids = NULL;
    if (pods)
        *pods = NULL;
    if (ids)
        *ids = NULL;
    *count = 0;
    if (!c || hpac_selector_is_nothing(sel))
        return 0;
    if (collect(c, ns, sel, &found) != 0)
        goto out;
    if (found.count == 0) {
        rc = 0;
        goto out;
    }
    items = malloc(found.count * sizeof(*items));
    if (!items)
        goto out;
    for (size_t i = 0; i < found.count; i++) {
        const record *r = &c->records[found.items[i]];
        items[i].ns = hpac__strpool_get(&c->strings, r->ns);
        items[i].name = record_name(r);
        items[i].id = found.items[i];
    }
    qsort(items, found.count, sizeof(*items), compare_items);
    if (ids) {
        out_ids = malloc(found.count * sizeof(*out_ids));
        if (!out_ids)
            goto out;
        for (size_t i = 0; i < found.count; i++)
            out_ids[i] = items[i].id;
    }
    if (pods) {
        copies = calloc(found.count, sizeof(*copies));
        if (!copies)
            goto out;
        for (; copied < found.count; copied++) {
            if (materialise(c, items[copied].id, &copies[copied]) != 0) {
                copied++; /* partly filled: cleared below */
                goto out;
            }
        }
        *pods = copies;
        copies = NULL;
        copied = 0;
    }
    if (ids) {
        *ids = out_ids;
        out_ids = NULL;
    }
    *count = found.count;
    rc = 0;
out:
    hpac_pods_free(copies, copied);
    free(out_ids);
    free(items);
    free(found.items);
    return rc;
}

int hpac_pod_cache_select(hpac_pod_cache *c, const char *ns, const hpac_selector *sel,
                          hpac_pod **pods, size_t *count)
{
    return hpac_pod_cache_select_ids(c, ns, sel, pods, NULL, count);
}

/* ---------------------------------------------------------------- claims */

static bool claim_live(const claim *cl, uint32_t epoch)
{
    /* Live in its own epoch and the next one. */
    return cl->hpa != 0 && (cl->epoch >= epoch || epoch - cl->epoch <= 1);
}

size_t hpac_pod_cache_claim(hpac_pod_cache *c, const uint32_t *ids, size_t n, uint32_t hpa,
                            uint32_t epoch, uint32_t *other)
{
    size_t contested = 0;
    if (!c || hpa == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= c->nrecords || !c->records[ids[i]].blob)
            continue;
        claim *cl = c->records[ids[i]].claims;
        claim *mine = NULL, *vacant = NULL;
        uint32_t rival = 0;
        for (size_t k = 0; k < 2; k++) {
            if (cl[k].hpa == hpa)
                mine = &cl[k];
            else if (claim_live(&cl[k], epoch))
                rival = cl[k].hpa;
            else if (!vacant)
                vacant = &cl[k];
        }
        if (!mine)
            mine = vacant;
        if (mine) {
            mine->hpa = hpa;
            mine->epoch = epoch;
        }
        if (rival != 0) {
            contested++;
            if (other)
                *other = rival;
        }
    }
    return contested;
}

/* ----------------------------------------------------------------- stats */

size_t hpac_pod_cache_memory(const hpac_pod_cache *c)
{
    if (!c)
        return 0;
    size_t bytes = hpac__heap_chunk(sizeof(*c));
    bytes += c->rcap ? hpac__heap_chunk(c->rcap * sizeof(record)) : 0;
    bytes += c->tcap ? hpac__heap_chunk(c->tcap * sizeof(term)) : 0;
    bytes += c->view_cap ? hpac__heap_chunk(c->view_cap * sizeof(hpac_label)) : 0;
    bytes += hpac__idtable_bytes(&c->by_name) + hpac__idtable_bytes(&c->by_term);
    bytes += c->blob_bytes + c->posting_bytes + hpac__strpool_bytes(&c->strings);
    bytes += hpac__shapes_bytes(&c->shapes);
    return bytes;
}

void hpac_pod_cache_get_stats(const hpac_pod_cache *c, hpac_pod_cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    out->pods = c->live;
    out->strings = c->strings.live;
    out->terms = c->live_terms;
    out->shapes = c->shapes.live;
    out->bytes = hpac_pod_cache_memory(c);
    out->visited = c->visited;
}
