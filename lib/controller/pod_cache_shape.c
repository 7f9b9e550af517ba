#include "controller/pod_cache_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts are kept in 16 bits; a pod beyond these is refused. */
#define MAX_CONTAINERS 1024
#define MAX_REQUESTS 8192

/* The header, then the data: int64 amounts[nrequests + npodreq] (the
 * containers' in order, then the pod's), uint32 container names
 * [ncontainers], uint32 resource names[nrequests + npodreq], uint16
 * per-container request counts[ncontainers]. Ids name pooled strings; the
 * shape holds a reference on each. */
typedef struct hpac__shape {
    uint32_t refs;
    uint32_t hash;
    uint16_t ncontainers;
    uint16_t nrequests; /* over all containers */
    uint16_t npodreq;
    uint16_t unused; /* zero: part of the compared bytes' layout */
    int64_t milli[];
} shape;

typedef struct parts {
    int64_t *milli;
    uint32_t *cnames;
    uint32_t *rnames;
    uint16_t *creq;
    size_t amounts;
    size_t data_size;
} parts;

static void parts_of(const shape *sh, parts *p)
{
    p->amounts = (size_t)sh->nrequests + sh->npodreq;
    p->milli = (int64_t *)sh->milli;
    p->cnames = (uint32_t *)(void *)(p->milli + p->amounts);
    p->rnames = p->cnames + sh->ncontainers;
    p->creq = (uint16_t *)(void *)(p->rnames + p->amounts);
    p->data_size = (size_t)((const char *)(p->creq + sh->ncontainers) - (const char *)sh->milli);
}

static size_t shape_size(const shape *sh)
{
    parts p;
    parts_of(sh, &p);
    return sizeof(*sh) + p.data_size;
}

static uint32_t hash_shape(const shape *sh)
{
    parts p;
    parts_of(sh, &p);
    uint32_t h = 2166136261u;
    const unsigned char *bytes = (const unsigned char *)sh->milli;
    for (size_t i = 0; i < p.data_size; i++) {
        h ^= bytes[i];
        h *= 16777619u;
    }
    h = hpac__hash_mix(h, sh->ncontainers);
    return hpac__hash_mix(h, ((uint32_t)sh->nrequests << 16) | sh->npodreq);
}

static uint32_t shape_hash(const void *ctx, uint32_t id)
{
    const hpac__shapes *s = ctx;
    return s->items[id]->hash;
}

static bool shape_eq(const void *ctx, uint32_t id, const void *key)
{
    const hpac__shapes *s = ctx;
    const shape *a = s->items[id], *b = key;
    if (a->ncontainers != b->ncontainers || a->nrequests != b->nrequests ||
        a->npodreq != b->npodreq)
        return false;
    parts p;
    parts_of(a, &p);
    return memcmp(a->milli, b->milli, p.data_size) == 0;
}

static void release_names(hpac__strpool *strings, const shape *sh)
{
    parts p;
    parts_of(sh, &p);
    for (size_t i = 0; i < sh->ncontainers; i++)
        hpac__strpool_unref(strings, p.cnames[i]);
    for (size_t i = 0; i < p.amounts; i++)
        hpac__strpool_unref(strings, p.rnames[i]);
}

static void set_err(char *err, size_t errsize, const char *msg)
{
    if (err && errsize > 0)
        snprintf(err, errsize, "%s", msg);
}

/* A new shape for `pod` (names interned, zero where interning failed).
 * NULL with err. */
static shape *build(hpac__strpool *strings, const hpac_pod *pod, char *err, size_t errsize)
{
    size_t nrequests = 0;
    for (size_t i = 0; i < pod->container_count; i++) {
        if (pod->containers[i].request_count > MAX_REQUESTS) {
            set_err(err, errsize, "pod cache: too many requests in one container");
            return NULL;
        }
        nrequests += pod->containers[i].request_count;
    }
    if (pod->container_count > MAX_CONTAINERS || nrequests > MAX_REQUESTS ||
        pod->pod_request_count > MAX_REQUESTS) {
        set_err(err, errsize, "pod cache: too many containers or requests in one pod");
        return NULL;
    }
    shape head = {.ncontainers = (uint16_t)pod->container_count,
                  .nrequests = (uint16_t)nrequests,
                  .npodreq = (uint16_t)pod->pod_request_count};
    /* calloc: ids left at zero by a failure are ignored by unref, and the
     * compared bytes hold no garbage. */
    shape *sh = calloc(1, shape_size(&head));
    if (!sh) {
        set_err(err, errsize, "pod cache: out of memory");
        return NULL;
    }
    *sh = head;
    parts p;
    parts_of(sh, &p);
    size_t a = 0;
    bool ok = true;
    for (size_t i = 0; i < pod->container_count; i++) {
        const hpac_pod_container *pc = &pod->containers[i];
        p.cnames[i] = hpac__strpool_intern(strings, pc->name ? pc->name : "");
        ok = ok && p.cnames[i] != 0;
        p.creq[i] = (uint16_t)pc->request_count;
        for (size_t j = 0; j < pc->request_count; j++, a++) {
            p.rnames[a] = hpac__strpool_intern(strings, pc->requests[j].name);
            ok = ok && p.rnames[a] != 0;
            p.milli[a] = pc->requests[j].milli;
        }
    }
    for (size_t j = 0; j < pod->pod_request_count; j++, a++) {
        p.rnames[a] = hpac__strpool_intern(strings, pod->pod_requests[j].name);
        ok = ok && p.rnames[a] != 0;
        p.milli[a] = pod->pod_requests[j].milli;
    }
    if (!ok) {
        release_names(strings, sh);
        free(sh);
        set_err(err, errsize, "pod cache: out of memory");
        return NULL;
    }
    sh->hash = hash_shape(sh);
    return sh;
}

static uint32_t take_id(hpac__shapes *s)
{
    if (s->free_head != 0) {
        uint32_t id = s->free_head;
        s->free_head = s->free_next[id];
        return id;
    }
    if (s->count == 0)
        s->count = 1; /* id 0 stays unused */
    if (s->count >= s->cap) {
        if (s->cap >= UINT32_MAX / 2)
            return 0;
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        shape **items = realloc(s->items, cap * sizeof(*items));
        if (!items)
            return 0;
        s->items = items;
        uint32_t *next = realloc(s->free_next, cap * sizeof(*next));
        if (!next)
            return 0; /* items grew, cap did not: harmless */
        s->free_next = next;
        s->bytes -= s->cap ? hpac__heap_chunk(s->cap * (sizeof(*items) + sizeof(*next))) : 0;
        s->cap = cap;
        s->bytes += hpac__heap_chunk(s->cap * (sizeof(*items) + sizeof(*next)));
    }
    return s->count++;
}

static void give_back_id(hpac__shapes *s, uint32_t id)
{
    s->items[id] = NULL;
    s->free_next[id] = s->free_head;
    s->free_head = id;
}

uint32_t hpac__shape_intern(hpac__shapes *s, hpac__strpool *strings, const hpac_pod *pod,
                            char *err, size_t errsize)
{
    shape *sh = build(strings, pod, err, errsize);
    if (!sh)
        return 0;
    uint32_t id = hpac__idtable_find(&s->table, sh->hash, shape_eq, s, sh);
    if (id != UINT32_MAX) {
        /* The common case: another replica's. */
        s->items[id]->refs++;
        release_names(strings, sh);
        free(sh);
        return id;
    }
    id = take_id(s);
    if (id == 0)
        goto oom;
    s->items[id] = sh;
    if (hpac__idtable_insert(&s->table, sh->hash, id, shape_hash, s) != 0) {
        give_back_id(s, id);
        goto oom;
    }
    sh->refs = 1;
    s->live++;
    s->bytes += hpac__heap_chunk(shape_size(sh));
    return id;
oom:
    release_names(strings, sh);
    free(sh);
    set_err(err, errsize, "pod cache: out of memory");
    return 0;
}

void hpac__shape_unref(hpac__shapes *s, hpac__strpool *strings, uint32_t id)
{
    if (id == 0)
        return;
    shape *sh = s->items[id];
    if (--sh->refs > 0)
        return;
    hpac__idtable_remove(&s->table, sh->hash, id, shape_hash, s);
    s->bytes -= hpac__heap_chunk(shape_size(sh));
    s->live--;
    release_names(strings, sh);
    free(sh);
    give_back_id(s, id);
}

static int copy_amounts(const hpac__strpool *strings, const uint32_t *names, const int64_t *milli,
                        size_t n, hpac_resource_amount **out, size_t *count)
{
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof(**out));
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].name = strdup(hpac__strpool_get(strings, names[i]));
        if (!(*out)[i].name)
            return -1;
        (*out)[i].milli = milli[i];
        (*count)++;
    }
    return 0;
}

int hpac__shape_copy(const hpac__shapes *s, const hpac__strpool *strings, uint32_t id,
                     hpac_pod *out)
{
    const shape *sh = s->items[id];
    parts p;
    parts_of(sh, &p);
    if (sh->ncontainers > 0) {
        out->containers = calloc(sh->ncontainers, sizeof(*out->containers));
        if (!out->containers)
            return -1;
    }
    size_t a = 0;
    for (size_t i = 0; i < sh->ncontainers; i++) {
        hpac_pod_container *pc = &out->containers[i];
        out->container_count++;
        pc->name = strdup(hpac__strpool_get(strings, p.cnames[i]));
        if (!pc->name || copy_amounts(strings, p.rnames + a, p.milli + a, p.creq[i],
                                      &pc->requests, &pc->request_count) != 0)
            return -1;
        a += p.creq[i];
    }
    return copy_amounts(strings, p.rnames + a, p.milli + a, sh->npodreq, &out->pod_requests,
                        &out->pod_request_count);
}

size_t hpac__shapes_bytes(const hpac__shapes *s)
{
    return s->bytes + hpac__idtable_bytes(&s->table);
}

void hpac__shapes_clear(hpac__shapes *s)
{
    for (uint32_t id = 1; id < s->count; id++)
        free(s->items[id]);
    free(s->items);
    free(s->free_next);
    hpac__idtable_clear(&s->table);
    memset(s, 0, sizeof(*s));
}
