#include "controller/pod_cache_pool.h"

#include <stdlib.h>
#include <string.h>

/* An id table never holds more than this many slots (ids are 32-bit, and
 * the slot array's size must fit size_t arithmetic everywhere). */
#define IDTABLE_MAX_SLOTS ((size_t)1 << 31)

size_t hpac__heap_chunk(size_t size)
{
    size_t chunk = (size + 8 + 15) & ~(size_t)15;
    return chunk < 32 ? 32 : chunk;
}

uint32_t hpac__hash_string(const char *s)
{
    /* FNV-1a: short keys, no allocation, good enough spread for probing
     * once mixed. */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return hpac__hash_mix(h, 0);
}

uint32_t hpac__hash_mix(uint32_t h, uint32_t v)
{
    /* murmur3's finalizer over the combination. */
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* ------------------------------------------------------------ id table */

uint32_t hpac__idtable_find(const hpac__idtable *t, uint32_t hash, hpac__id_eq_fn eq,
                            const void *ctx, const void *key)
{
    if (!t->slots)
        return UINT32_MAX;
    for (size_t pos = hash & t->mask;; pos = (pos + 1) & t->mask) {
        uint32_t slot = t->slots[pos];
        if (slot == 0)
            return UINT32_MAX;
        if (eq(ctx, slot - 1, key))
            return slot - 1;
    }
}

static void place(uint32_t *slots, size_t mask, uint32_t hash, uint32_t id)
{
    size_t pos = hash & mask;
    while (slots[pos] != 0)
        pos = (pos + 1) & mask;
    slots[pos] = id + 1;
}

static int grow(hpac__idtable *t, hpac__hash_of_fn hash_of, const void *ctx)
{
    size_t old_size = t->slots ? t->mask + 1 : 0;
    size_t size = old_size ? old_size * 2 : 16;
    if (size > IDTABLE_MAX_SLOTS)
        return -1;
    uint32_t *slots = calloc(size, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < old_size; i++) {
        if (t->slots[i] != 0)
            place(slots, size - 1, hash_of(ctx, t->slots[i] - 1), t->slots[i] - 1);
    }
    free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    return 0;
}

int hpac__idtable_insert(hpac__idtable *t, uint32_t hash, uint32_t id, hpac__hash_of_fn hash_of,
                         const void *ctx)
{
    size_t size = t->slots ? t->mask + 1 : 0;
    if ((t->count + 1) * 4 > size * 3 && grow(t, hash_of, ctx) != 0)
        return -1;
    place(t->slots, t->mask, hash, id);
    t->count++;
    return 0;
}

void hpac__idtable_remove(hpac__idtable *t, uint32_t hash, uint32_t id, hpac__hash_of_fn hash_of,
                          const void *ctx)
{
    if (!t->slots)
        return;
    size_t pos = hash & t->mask;
    while (t->slots[pos] != id + 1) {
        if (t->slots[pos] == 0)
            return;
        pos = (pos + 1) & t->mask;
    }
    /* Backward shift: pull later entries of the run into the hole when
     * their home slot does not lie cyclically between the hole and them. */
    size_t hole = pos;
    for (size_t next = (hole + 1) & t->mask; t->slots[next] != 0; next = (next + 1) & t->mask) {
        size_t home = hash_of(ctx, t->slots[next] - 1) & t->mask;
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays)
            continue;
        t->slots[hole] = t->slots[next];
        hole = next;
    }
    t->slots[hole] = 0;
    t->count--;
}

size_t hpac__idtable_bytes(const hpac__idtable *t)
{
    return t->slots ? hpac__heap_chunk((t->mask + 1) * sizeof(*t->slots)) : 0;
}

void hpac__idtable_clear(hpac__idtable *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------- interned strings */

typedef struct hpac__pooled {
    uint32_t refs;
    uint32_t hash;
    char text[];
} pooled;

static uint32_t pooled_hash(const void *ctx, uint32_t id)
{
    const hpac__strpool *p = ctx;
    return p->items[id]->hash;
}

static bool pooled_eq(const void *ctx, uint32_t id, const void *key)
{
    const hpac__strpool *p = ctx;
    return strcmp(p->items[id]->text, key) == 0;
}

uint32_t hpac__strpool_find(const hpac__strpool *p, const char *s)
{
    uint32_t id = hpac__idtable_find(&p->table, hpac__hash_string(s), pooled_eq, p, s);
    return id == UINT32_MAX ? 0 : id;
}

/* A free id: recycled, or the next new one (growing the arrays). 0 when
 * out of memory or out of ids. */
static uint32_t take_id(hpac__strpool *p)
{
    if (p->free_head != 0) {
        uint32_t id = p->free_head;
        p->free_head = p->free_next[id];
        return id;
    }
    if (p->count == 0)
        p->count = 1; /* id 0 stays unused */
    if (p->count >= p->cap) {
        if (p->cap >= UINT32_MAX / 2)
            return 0;
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        pooled **items = realloc(p->items, cap * sizeof(*items));
        if (!items)
            return 0;
        p->items = items;
        uint32_t *next = realloc(p->free_next, cap * sizeof(*next));
        if (!next)
            return 0; /* items grew; cap did not: harmless */
        p->free_next = next;
        p->bytes -= p->cap ? hpac__heap_chunk(p->cap * (sizeof(*items) + sizeof(*next))) : 0;
        p->cap = cap;
        p->bytes += hpac__heap_chunk(p->cap * (sizeof(*items) + sizeof(*next)));
    }
    return p->count++;
}

static void give_back_id(hpac__strpool *p, uint32_t id)
{
    p->items[id] = NULL;
    p->free_next[id] = p->free_head;
    p->free_head = id;
}

uint32_t hpac__strpool_intern(hpac__strpool *p, const char *s)
{
    uint32_t hash = hpac__hash_string(s);
    uint32_t id = hpac__idtable_find(&p->table, hash, pooled_eq, p, s);
    if (id != UINT32_MAX) {
        p->items[id]->refs++;
        return id;
    }
    size_t len = strlen(s);
    pooled *e = malloc(sizeof(*e) + len + 1);
    if (!e)
        return 0;
    e->refs = 1;
    e->hash = hash;
    memcpy(e->text, s, len + 1);
    id = take_id(p);
    if (id == 0) {
        free(e);
        return 0;
    }
    p->items[id] = e;
    if (hpac__idtable_insert(&p->table, hash, id, pooled_hash, p) != 0) {
        give_back_id(p, id);
        free(e);
        return 0;
    }
    p->live++;
    p->bytes += hpac__heap_chunk(sizeof(*e) + len + 1);
    return id;
}

void hpac__strpool_ref(hpac__strpool *p, uint32_t id)
{
    if (id != 0)
        p->items[id]->refs++;
}

void hpac__strpool_unref(hpac__strpool *p, uint32_t id)
{
    if (id == 0)
        return;
    pooled *e = p->items[id];
    if (--e->refs > 0)
        return;
    hpac__idtable_remove(&p->table, e->hash, id, pooled_hash, p);
    p->bytes -= hpac__heap_chunk(sizeof(*e) + strlen(e->text) + 1);
    p->live--;
    free(e);
    give_back_id(p, id);
}

const char *hpac__strpool_get(const hpac__strpool *p, uint32_t id)
{
    return id != 0 ? p->items[id]->text : NULL;
}

size_t hpac__strpool_bytes(const hpac__strpool *p)
{
    return p->bytes + hpac__idtable_bytes(&p->table);
}

void hpac__strpool_clear(hpac__strpool *p)
{
    for (uint32_t id = 1; id < p->count; id++)
        free(p->items[id]);
    free(p->items);
    free(p->free_next);
    hpac__idtable_clear(&p->table);
    memset(p, 0, sizeof(*p));
}

/* -------------------------------------------------------- posting lists */

const uint32_t *hpac__postings_ids(const hpac__postings *l)
{
    return l->cap == 0 ? &l->u.one : l->u.many;
}

/* Where `id` is or would go. */
static uint32_t lower_bound(const uint32_t *ids, uint32_t count, uint32_t id)
{
    uint32_t lo = 0, hi = count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int hpac__postings_reserve(hpac__postings *l)
{
    if (l->cap == 0 && l->count == 0)
        return 0; /* the inline slot */
    if (l->cap > l->count)
        return 0;
    if (l->cap >= UINT32_MAX / 2)
        return -1;
    uint32_t cap = l->cap ? l->cap * 2 : 4;
    uint32_t *ids = l->cap ? realloc(l->u.many, cap * sizeof(*ids)) : malloc(cap * sizeof(*ids));
    if (!ids)
        return -1;
    if (l->cap == 0)
        ids[0] = l->u.one; /* count == 1 */
    l->u.many = ids;
    l->cap = cap;
    return 0;
}

int hpac__postings_add(hpac__postings *l, uint32_t id)
{
    if (hpac__postings_reserve(l) != 0)
        return -1;
    if (l->cap == 0) {
        l->u.one = id;
        l->count = 1;
        return 0;
    }
    uint32_t at = lower_bound(l->u.many, l->count, id);
    memmove(l->u.many + at + 1, l->u.many + at, (l->count - at) * sizeof(uint32_t));
    l->u.many[at] = id;
    l->count++;
    return 0;
}

void hpac__postings_remove(hpac__postings *l, uint32_t id)
{
    if (l->cap == 0) {
        if (l->count == 1 && l->u.one == id)
            l->count = 0;
        return;
    }
    uint32_t at = lower_bound(l->u.many, l->count, id);
    if (at == l->count || l->u.many[at] != id)
        return;
    memmove(l->u.many + at, l->u.many + at + 1, (l->count - at - 1) * sizeof(uint32_t));
    l->count--;
    if (l->count <= 1) {
        uint32_t last = l->count ? l->u.many[0] : 0;
        free(l->u.many);
        l->u.one = last;
        l->cap = 0;
    } else if (l->count * 4 <= l->cap && l->cap > 4) {
        uint32_t *ids = realloc(l->u.many, (l->cap / 2) * sizeof(*ids));
        if (ids) {
            l->u.many = ids;
            l->cap /= 2;
        }
    }
}

size_t hpac__postings_bytes(const hpac__postings *l)
{
    return l->cap ? hpac__heap_chunk(l->cap * sizeof(uint32_t)) : 0;
}

void hpac__postings_clear(hpac__postings *l)
{
    if (l->cap)
        free(l->u.many);
    memset(l, 0, sizeof(*l));
}
