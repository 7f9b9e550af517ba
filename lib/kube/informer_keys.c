#include "kube/informer_keys.h"

#include <stdlib.h>
#include <string.h>

/* Offsets are 32-bit. */
#define ARENA_MAX ((size_t)UINT32_MAX - 1)
/* Compaction waits until there is this much garbage, and more garbage
 * than live keys. */
#define COMPACT_MIN ((size_t)64 * 1024)

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

static uint64_t make_slot(size_t off, uint32_t hash)
{
    return ((uint64_t)(off + 1) << 32) | hash;
}

static size_t slot_off(uint64_t slot)
{
    return (size_t)(slot >> 32) - 1;
}

static uint32_t slot_hash(uint64_t slot)
{
    return (uint32_t)slot;
}

/* The entry at `off`: a mark byte, then the key. */
static char *entry_mark(const hpac__keyset *s, size_t off)
{
    return s->arena + off;
}

static const char *entry_key(const hpac__keyset *s, size_t off)
{
    return s->arena + off + 1;
}

static size_t entry_size(const hpac__keyset *s, size_t off)
{
    return strlen(entry_key(s, off)) + 2;
}

/* The slot index holding `key`, or SIZE_MAX. */
static size_t find(const hpac__keyset *s, const char *key, uint32_t hash)
{
    if (!s->slots)
        return SIZE_MAX;
    for (size_t pos = hash & s->mask;; pos = (pos + 1) & s->mask) {
        uint64_t slot = s->slots[pos];
        if (slot == 0)
            return SIZE_MAX;
        if (slot_hash(slot) == hash && strcmp(entry_key(s, slot_off(slot)), key) == 0)
            return pos;
    }
}

static void place(uint64_t *slots, size_t mask, uint64_t slot)
{
    size_t pos = slot_hash(slot) & mask;
    while (slots[pos] != 0)
        pos = (pos + 1) & mask;
    slots[pos] = slot;
}

static int grow_table(hpac__keyset *s)
{
    size_t old_size = s->slots ? s->mask + 1 : 0;
    size_t size = old_size ? old_size * 2 : 64;
    uint64_t *slots = calloc(size, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < old_size; i++) {
        if (s->slots[i] != 0)
            place(slots, size - 1, s->slots[i]);
    }
    free(s->slots);
    s->slots = slots;
    s->mask = size - 1;
    return 0;
}

/* Empties slot `pos` by backward shift: later entries of the run move
 * into the hole unless their home lies cyclically between hole and them. */
static void remove_at(hpac__keyset *s, size_t pos)
{
    s->garbage += entry_size(s, slot_off(s->slots[pos]));
    size_t hole = pos;
    for (size_t next = (hole + 1) & s->mask; s->slots[next] != 0; next = (next + 1) & s->mask) {
        size_t home = slot_hash(s->slots[next]) & s->mask;
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays)
            continue;
        s->slots[hole] = s->slots[next];
        hole = next;
    }
    s->slots[hole] = 0;
    s->count--;
}

/* Rewrites the arena without garbage. Out of memory: keeps the old one. */
static void compact(hpac__keyset *s)
{
    size_t live = s->used - s->garbage;
    char *arena = malloc(live > 0 ? live : 1);
    if (!arena)
        return;
    size_t used = 0;
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        if (s->slots[i] == 0)
            continue;
        size_t off = slot_off(s->slots[i]);
        size_t n = entry_size(s, off);
        memcpy(arena + used, s->arena + off, n);
        s->slots[i] = make_slot(used, slot_hash(s->slots[i]));
        used += n;
    }
    free(s->arena);
    s->arena = arena;
    s->used = used;
    s->cap = live > 0 ? live : 1;
    s->garbage = 0;
}

static void maybe_compact(hpac__keyset *s)
{
    if (s->garbage >= COMPACT_MIN && s->garbage > s->used / 2)
        compact(s);
}

int hpac__keyset_put(hpac__keyset *s, const char *key)
{
    size_t len = strlen(key);
    if (len > HPAC__KEY_MAX)
        return -1;
    uint32_t hash = hash_key(key);
    size_t pos = find(s, key, hash);
    if (pos != SIZE_MAX) {
        *entry_mark(s, slot_off(s->slots[pos])) = 1;
        return 0;
    }
    size_t need = len + 2;
    if (need > ARENA_MAX - s->used)
        return -1;
    if (s->used + need > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->used + need)
            cap *= 2;
        if (cap > ARENA_MAX)
            cap = ARENA_MAX;
        char *arena = realloc(s->arena, cap);
        if (!arena)
            return -1;
        s->arena = arena;
        s->cap = cap;
    }
    size_t size = s->slots ? s->mask + 1 : 0;
    if ((s->count + 1) * 4 > size * 3 && grow_table(s) != 0)
        return -1;
    size_t off = s->used;
    s->arena[off] = 1;
    memcpy(s->arena + off + 1, key, len + 1);
    s->used += need;
    place(s->slots, s->mask, make_slot(off, hash));
    s->count++;
    return 0;
}

bool hpac__keyset_remove(hpac__keyset *s, const char *key)
{
    size_t pos = find(s, key, hash_key(key));
    if (pos == SIZE_MAX)
        return false;
    remove_at(s, pos);
    maybe_compact(s);
    return true;
}

bool hpac__keyset_contains(const hpac__keyset *s, const char *key)
{
    return find(s, key, hash_key(key)) != SIZE_MAX;
}

void hpac__keyset_unmark_all(hpac__keyset *s)
{
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        if (s->slots[i] != 0)
            *entry_mark(s, slot_off(s->slots[i])) = 0;
    }
}

void hpac__keyset_sweep(hpac__keyset *s, void (*fn)(void *ctx, const char *key), void *ctx)
{
    /* A removal shifts later entries back into the hole, so the same index
     * is looked at again; an entry that wraps around into it from the
     * table's start has been looked at already and was kept. */
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        while (s->slots[i] != 0 && *entry_mark(s, slot_off(s->slots[i])) == 0) {
            fn(ctx, entry_key(s, slot_off(s->slots[i])));
            remove_at(s, i);
        }
    }
    maybe_compact(s);
}

size_t hpac__keyset_bytes(const hpac__keyset *s)
{
    return s->cap + (s->slots ? (s->mask + 1) * sizeof(*s->slots) : 0);
}

void hpac__keyset_clear(hpac__keyset *s)
{
    free(s->arena);
    free(s->slots);
    memset(s, 0, sizeof(*s));
}
