#include "sim/sim_journal.h"

#include <stdlib.h>
#include <string.h>

struct hpac_sim_journal {
    hpac_sim_change *ring;
    size_t capacity;
    size_t head;  /* index of the oldest change */
    size_t count;
    /* Highest rv no longer in the ring (evicted or lost): a watcher must
     * have seen it already. */
    uint64_t forgotten_rv;
};

hpac_sim_journal *hpac_sim_journal_new(size_t capacity)
{
    hpac_sim_journal *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->capacity = capacity ? capacity : HPAC_SIM_JOURNAL_MAX;
    j->ring = calloc(j->capacity, sizeof(*j->ring));
    if (!j->ring) {
        free(j);
        return NULL;
    }
    return j;
}

static void change_clear(hpac_sim_change *c)
{
    free(c->ns);
    json_decref(c->obj);
    memset(c, 0, sizeof(*c));
}

void hpac_sim_journal_free(hpac_sim_journal *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->count; i++)
        change_clear(&j->ring[(j->head + i) % j->capacity]);
    free(j->ring);
    free(j);
}

void hpac_sim_journal_append(hpac_sim_journal *j, uint64_t rv, hpac_sim_watch_kind kind,
                             const char *type, const char *ns, const json_t *obj)
{
    char *ns_copy = strdup(ns ? ns : "");
    json_t *copy = json_deep_copy(obj);
    if (!ns_copy || !copy) {
        free(ns_copy);
        json_decref(copy);
        j->forgotten_rv = rv;
        return;
    }
    if (j->count == j->capacity) {
        hpac_sim_change *oldest = &j->ring[j->head];
        if (oldest->rv > j->forgotten_rv)
            j->forgotten_rv = oldest->rv;
        change_clear(oldest);
        j->head = (j->head + 1) % j->capacity;
        j->count--;
    }
    hpac_sim_change *slot = &j->ring[(j->head + j->count) % j->capacity];
    slot->rv = rv;
    slot->kind = kind;
    slot->type = type;
    slot->ns = ns_copy;
    slot->obj = copy;
    j->count++;
}

int hpac_sim_journal_each_after(const hpac_sim_journal *j, uint64_t after,
                                hpac_sim_journal_visit visit, void *ctx)
{
    if (after < j->forgotten_rv)
        return -1;
    /* Changes are in rv order: binary search for the first unseen one, so
     * that a watcher that keeps up pays O(log ring + new changes). */
    size_t lo = 0, hi = j->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->ring[(j->head + mid) % j->capacity].rv <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < j->count; i++) {
        if (!visit(ctx, &j->ring[(j->head + i) % j->capacity]))
            break;
    }
    return 0;
}
