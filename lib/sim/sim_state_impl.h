/* Inside of hpac_sim_state, shared by the files of lib/sim (the route
 * handlers work on it directly, under the lock the router takes). Not for
 * use outside lib/sim. */
#ifndef HPAC_SIM_SIM_STATE_IMPL_H
#define HPAC_SIM_SIM_STATE_IMPL_H

#include "sim/sim_discovery.h"
#include "sim/sim_journal.h"
#include "sim/sim_state.h"
#include "sim/sim_store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct hpac_sim_state {
    /* Readers (GET) share it, writers hold it alone. Covers everything
     * below. */
    pthread_rwlock_t lock;
    uint64_t resource_version; /* last one handed out; global, like etcd's */
    uint64_t uid_seq;
    int64_t created_ms; /* creationTimestamp of objects that have none */

    hpac_sim_store *hpas;        /* key: name */
    hpac_sim_store *targets;     /* key: hpac_sim__target_key() */
    hpac_sim_store *pods;        /* key: name */
    hpac_sim_store *pod_metrics; /* key: name; labels of the PodMetrics itself */
    hpac_sim_store *custom;      /* ns: describedObject.namespace; key:
                                  * hpac_sim__custom_key() */
    json_t *custom_names;        /* object: metric name -> true, any described kind */
    json_t *external;            /* array of ExternalMetricValue */
    hpac_sim_store *events;      /* key: name */
    hpac_sim_store *leases;      /* key: name */
    json_t *writes;              /* array of {verb, path, body, code} */

    /* Whether the case offers each metrics API at all (the key is present,
     * even empty): absent APIs answer 404 like an unregistered APIService. */
    bool has_pod_metrics;
    bool has_custom_metrics;
    bool has_external_metrics;

    hpac_sim_registry *registry; /* resources served, for discovery */

    /* Changes for watch streams; NULL while the case is being loaded. */
    hpac_sim_journal *journal;
    /* Called after the lock is released when a change was journaled
     * (the server wakes its waiting watch streams). */
    void (*notify)(void *ctx);
    void *notify_ctx;
    bool notify_pending;
};

/* Sets the change callback (before serving starts). */
void hpac_sim__state_set_notify(hpac_sim_state *st, void (*notify)(void *ctx), void *ctx);

/* Journals a change of `entry` in `store` ("ADDED", "MODIFIED",
 * "DELETED"); a no-op for stores nobody watches. Caller holds the write
 * lock, after stamping the entry's new resourceVersion. */
void hpac_sim__emit(hpac_sim_state *st, const hpac_sim_store *store, const char *type,
                    const hpac_sim_entry *entry);
/* The watch kind of a store, HPAC_SIM_WATCH_NONE when not watchable. */
hpac_sim_watch_kind hpac_sim__watch_kind(const hpac_sim_state *st, const hpac_sim_store *store);

/* Objects without metadata.namespace live here. */
#define HPAC_SIM_DEFAULT_NAMESPACE "default"
/* Longest store key (a target's "<apiVersion>/<resource>/<name>"). */
#define HPAC_SIM_KEY_MAX 768

/* Lock helpers for the router. Unlocking after a journaled change calls
 * the notify callback, outside the lock. */
void hpac_sim__state_rdlock(hpac_sim_state *st);
void hpac_sim__state_wrlock(hpac_sim_state *st);
void hpac_sim__state_unlock(hpac_sim_state *st);

/* The target store's key: "<apiVersion>/<resource>/<name>", e.g.
 * "apps/v1/deployments/web", "v1/replicationcontrollers/rc". Writes at
 * most `size` bytes; returns -1 when it does not fit. */
int hpac_sim__target_key(char *buf, size_t size, const char *api_version, const char *resource,
                         const char *name);

/* The custom metric store's key: "<kind>/<name>/<metric>" for the first
 * series of an object's metric, "...#2", "#3" for further ones (the same
 * metric with other metric labels). Returns -1 when it does not fit. */
int hpac_sim__custom_key(char *buf, size_t size, const char *kind, const char *name,
                         const char *metric, int series);

/* Moves the global resourceVersion on and stamps it on `obj`
 * (metadata.resourceVersion). Caller holds the write lock. */
void hpac_sim__bump(hpac_sim_state *st, json_t *obj);
/* Fills metadata.namespace (when `ns` is not NULL), uid, resourceVersion,
 * creationTimestamp, and generation 1 when `generation`, where absent.
 * Caller holds the write lock. Returns 0 or -1. */
int hpac_sim__ensure_metadata(hpac_sim_state *st, json_t *obj, const char *ns, bool generation);
/* Five characters for a generateName suffix ("x7k2q"), from the same
 * deterministic sequence as uids. `buf` holds at least 6 bytes. */
void hpac_sim__name_suffix(hpac_sim_state *st, char *buf);
/* The current global resourceVersion as a string (for list metadata). */
void hpac_sim__resource_version(const hpac_sim_state *st, char *buf, size_t size);

/* Appends {verb, path, body (borrowed, may be NULL), code} to the write
 * log. Caller holds the write lock. */
void hpac_sim__record_write(hpac_sim_state *st, const char *verb, const char *path,
                            const json_t *body, int code);

/* hpac_sim__record_write for callers that do not hold the lock. */
void hpac_sim__log_write(hpac_sim_state *st, const char *verb, const char *path,
                         const json_t *body, int code);

/* The store of a kind (HPAC_SIM_KIND_*), NULL for an unknown kind. */
hpac_sim_store *hpac_sim__store_of(hpac_sim_state *st, const char *kind);

/* Store a copy of a custom metric (MetricValue) or an external metric
 * (ExternalMetricValue) item. Caller holds the write lock. Return 0, or
 * -1 with err. */
int hpac_sim__put_custom_locked(hpac_sim_state *st, const json_t *item, char *err,
                                size_t errsize);
int hpac_sim__put_external_locked(hpac_sim_state *st, const json_t *item, char *err,
                                  size_t errsize);

/* Stores a copy of a case object of `kind` (HPAC_SIM_KIND_*) with its
 * metadata completed. Caller holds the write lock. Returns 0, or -1 with
 * err. */
int hpac_sim__put_object_locked(hpac_sim_state *st, const char *kind, const json_t *obj,
                                char *err, size_t errsize);

#endif
