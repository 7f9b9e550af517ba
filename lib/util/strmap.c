#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *key; /* NULL: empty */
    void *value;
    bool tombstone;
} slot;

struct hpac_strmap {
    slot *slots;
    size_t capacity; /* a power of two */
    size_t count;
    size_t used; /* count + tombstones */
};

unsigned long long hpac_hash_string(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

hpac_strmap *hpac_strmap_new(void)
{
    hpac_strmap *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->capacity = 16;
    m->slots = calloc(m->capacity, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void hpac_strmap_free(hpac_strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->capacity; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

void hpac_strmap_free_with(hpac_strmap *m, void (*free_value)(void *value))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->capacity; i++) {
        if (m->slots[i].key)
            free_value(m->slots[i].value);
    }
    hpac_strmap_free(m);
}

static slot *find(const hpac_strmap *m, const char *key)
{
    size_t mask = m->capacity - 1;
    for (size_t i = hpac_hash_string(key) & mask;; i = (i + 1) & mask) {
        slot *s = &m->slots[i];
        if (!s->key && !s->tombstone)
            return NULL;
        if (s->key && strcmp(s->key, key) == 0)
            return s;
    }
}

void *hpac_strmap_get(const hpac_strmap *m, const char *key)
{
    slot *s = find(m, key);
    return s ? s->value : NULL;
}

/* Rehashes, dropping tombstones; doubles only when live entries need it. */
static int grow(hpac_strmap *m)
{
    size_t capacity = (m->count + 1) * 2 > m->capacity ? m->capacity * 2 : m->capacity;
    slot *slots = calloc(capacity, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->capacity; i++) {
        slot *old = &m->slots[i];
        if (!old->key)
            continue;
        size_t j = hpac_hash_string(old->key) & (capacity - 1);
        while (slots[j].key)
            j = (j + 1) & (capacity - 1);
        slots[j].key = old->key;
        slots[j].value = old->value;
    }
    free(m->slots);
    m->slots = slots;
    m->capacity = capacity;
    m->used = m->count;
    return 0;
}

int hpac_strmap_put(hpac_strmap *m, const char *key, void *value)
{
    slot *s = find(m, key);
    if (s) {
        s->value = value;
        return 0;
    }
    /* Keep the load (tombstones included) under 3/4. */
    if ((m->used + 1) * 4 > m->capacity * 3 && grow(m))
        return -1;
    char *copy = strdup(key);
    if (!copy)
        return -1;
    size_t mask = m->capacity - 1;
    size_t i = hpac_hash_string(key) & mask;
    while (m->slots[i].key)
        i = (i + 1) & mask;
    if (!m->slots[i].tombstone)
        m->used++;
    m->slots[i] = (slot){.key = copy, .value = value};
    m->count++;
    return 0;
}

void *hpac_strmap_remove(hpac_strmap *m, const char *key)
{
    slot *s = find(m, key);
    if (!s)
        return NULL;
    void *value = s->value;
    free(s->key);
    *s = (slot){.tombstone = true};
    m->count--;
    return value;
}

size_t hpac_strmap_count(const hpac_strmap *m)
{
    return m->count;
}

void hpac_strmap_foreach(const hpac_strmap *m, void (*fn)(void *ctx, const char *key, void *value),
                         void *ctx)
{
    for (size_t i = 0; i < m->capacity; i++) {
        if (m->slots[i].key)
            fn(ctx, m->slots[i].key, m->slots[i].value);
    }
}
