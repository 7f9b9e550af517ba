/* A store of namespaced JSON objects, internal to lib/sim: pods, pod
 * metrics, HPAs, scale targets, events, leases. Objects are indexed by
 * namespace (a list in one namespace never scans the others) and by
 * namespace + key; each entry keeps its metadata.labels parsed once, and
 * each namespace indexes its entries by label, so a selector list only
 * matches the candidates that carry the selector's labels.
 * Not thread-safe: the simulator's state lock covers it. */
#ifndef HPAC_SIM_SIM_STORE_H
#define HPAC_SIM_SIM_STORE_H

#include "hpa/labels.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_sim_entry {
    json_t *obj;        /* owned reference */
    hpac_labels labels; /* obj's metadata.labels, parsed at put */
    char *ns;           /* owned; "" for cluster-scoped objects */
    char *key;          /* owned; unique within the namespace */
} hpac_sim_entry;

typedef struct hpac_sim_store hpac_sim_store;

/* NULL on allocation failure. */
hpac_sim_store *hpac_sim_store_new(void);
/* Frees the store and every entry (and its object reference). */
void hpac_sim_store_free(hpac_sim_store *store);

/* Stores `obj` under (ns, key), replacing an entry already there (which
 * keeps its place in the listing order). Steals the reference to `obj`,
 * also on failure. Returns the entry, or NULL with err (labels that are not
 * an object of strings, allocation failure). */
hpac_sim_entry *hpac_sim_store_put(hpac_sim_store *store, const char *ns, const char *key,
                                   json_t *obj, char *err, size_t errsize);
/* Borrowed entry, or NULL. */
hpac_sim_entry *hpac_sim_store_find(const hpac_sim_store *store, const char *ns, const char *key);
/* Re-reads metadata.labels after the caller changed entry->obj in place.
 * Returns 0, or -1 with err (the old labels are then kept). */
int hpac_sim_store_relabel(hpac_sim_store *store, hpac_sim_entry *entry, char *err,
                           size_t errsize);
/* Removes and frees the entry. Returns 0, or -1 when there is none. */
int hpac_sim_store_remove(hpac_sim_store *store, const char *ns, const char *key);

size_t hpac_sim_store_count(const hpac_sim_store *store);

/* Calls `visit` for each entry of namespace `ns` (NULL: all namespaces, in
 * the order they first appeared) whose labels `sel` matches (NULL: every
 * entry), until `visit` returns false. The callback must not modify the
 * store. Without a selector, or with one lacking an equality requirement,
 * entries come in insertion order, at O(entries of the namespace); a
 * selector with an equality ("app=web,tier in (a,b)") looks only at the
 * entries carrying its rarest equality label, in the order they got it. */
typedef bool (*hpac_sim_store_visit)(void *ctx, const hpac_sim_entry *entry);
void hpac_sim_store_each(const hpac_sim_store *store, const char *ns, const hpac_selector *sel,
                         hpac_sim_store_visit visit, void *ctx);

/* Calls `visit` with each namespace name that holds at least one entry. */
typedef bool (*hpac_sim_store_ns_visit)(void *ctx, const char *ns);
void hpac_sim_store_each_namespace(const hpac_sim_store *store, hpac_sim_store_ns_visit visit,
                                   void *ctx);

#endif
