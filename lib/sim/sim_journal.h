/* The change journal behind watch streams: the last changes made to
 * watchable objects, in resourceVersion order, in a ring of fixed size.
 * A watcher that falls further behind than the ring reaches is told its
 * resourceVersion is too old (410 Expired), as the API server does when
 * etcd has compacted. Not thread-safe: the state lock covers it. Internal
 * to lib/sim. */
#ifndef HPAC_SIM_SIM_JOURNAL_H
#define HPAC_SIM_SIM_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Changes kept; each holds a copy of the object. */
#define HPAC_SIM_JOURNAL_MAX 20000

typedef enum hpac_sim_watch_kind {
    HPAC_SIM_WATCH_NONE = 0,
    HPAC_SIM_WATCH_HPA,
    HPAC_SIM_WATCH_TARGET,
    HPAC_SIM_WATCH_POD,
    HPAC_SIM_WATCH_EVENT,
    HPAC_SIM_WATCH_LEASE,
} hpac_sim_watch_kind;

typedef struct hpac_sim_change {
    uint64_t rv;
    hpac_sim_watch_kind kind;
    const char *type; /* static: "ADDED", "MODIFIED", "DELETED" */
    char *ns;         /* owned */
    json_t *obj;      /* owned copy, placeholders unresolved */
} hpac_sim_change;

typedef struct hpac_sim_journal hpac_sim_journal;

/* `capacity` 0: HPAC_SIM_JOURNAL_MAX. NULL on allocation failure. */
hpac_sim_journal *hpac_sim_journal_new(size_t capacity);
void hpac_sim_journal_free(hpac_sim_journal *j);

/* Records a change (obj borrowed, deep-copied). rv must not decrease.
 * On allocation failure the change is lost and the journal reports
 * everything before it as too old. */
void hpac_sim_journal_append(hpac_sim_journal *j, uint64_t rv, hpac_sim_watch_kind kind,
                             const char *type, const char *ns, const json_t *obj);

/* Calls `visit` with each change whose rv is above `after`, oldest first,
 * until it returns false. Returns 0, or -1 (and visits nothing) when
 * changes above `after` have already left the ring. */
typedef bool (*hpac_sim_journal_visit)(void *ctx, const hpac_sim_change *change);
int hpac_sim_journal_each_after(const hpac_sim_journal *j, uint64_t after,
                                hpac_sim_journal_visit visit, void *ctx);

#endif
