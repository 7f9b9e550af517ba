/* Shared between the parts of the elector (leader.c: the per-shard state
 * machine and release; leader_members.c: membership and fairness;
 * leader_lease.c: Lease objects; leader_new.c: construction); not a public
 * interface. */
#ifndef HPAC_CONTROLLER_LEADER_INTERNAL_H
#define HPAC_CONTROLLER_LEADER_INTERNAL_H

#include "controller/leader.h"

#include <ev.h>
#include <jansson.h>

/* What a call in flight is doing. */
typedef enum hpac__leader_op {
    HPAC__LEADER_OP_NONE,
    HPAC__LEADER_OP_GET,
    HPAC__LEADER_OP_ACQUIRE, /* POST or PUT naming us after a GET */
    HPAC__LEADER_OP_RENEW,   /* PUT naming us, straight from the cached object */
    HPAC__LEADER_OP_RELEASE, /* PUT with an empty holder */
    HPAC__LEADER_OP_WRITE,   /* membership: POST or PUT */
} hpac__leader_op;

typedef struct hpac__leader_shard {
    hpac_leader *l;
    int index;
    char *name; /* lease name */
    char *path; /* its API path (escaped) */
    ev_timer tick;     /* next step; while a call is in flight, its watchdog */
    ev_timer deadline; /* end of leadership unless renewed */
    hpac_kube_call *call;
    hpac__leader_op op;
    int64_t sent_at;     /* monotonic ms the call was started */
    json_t *lease;       /* last object seen or written (owned); NULL: none */
    char *rv;            /* its resourceVersion; NULL after a 404 or before a look */
    char *holder;        /* its holderIdentity ("" free); NULL: not known */
    int64_t observed_at; /* monotonic ms the record last changed; -1: never seen */
    int64_t free_since;  /* since when seen free or expired; -1: not free */
    int64_t shed_at;     /* when we released it to rebalance; -1: not */
    bool shed_untaken;   /* shed, and nobody else has held it since */
    bool leading;
    int64_t renewed_at;  /* send time of the last successful write naming us */
    bool release_sent;   /* during release: our release write is out */
    bool release_done;   /* during release: nothing more to do */
} hpac__leader_shard;

typedef struct hpac__leader_member {
    char *identity;
    char *stamp;         /* the heartbeat last seen */
    int64_t observed_at; /* monotonic ms it last changed */
} hpac__leader_member;

struct hpac_leader {
    hpac_kube *k;
    struct ev_loop *loop;
    char *ns;
    char *prefix;
    char *identity;
    char *leases_path; /* the collection, for POST */
    int shards;
    int64_t lease_ms;
    int64_t renew_ms;
    int64_t retry_ms;
    int64_t release_timeout_ms;
    int64_t lease_seconds; /* leaseDurationSeconds written: ceil, at least 1 */
    hpac_leader_change_fn on_change;
    void *ctx;
    hpac__leader_shard *shard; /* [shards] */
    uint64_t rng;

    /* Membership (shards > 1). */
    char *members_name;
    char *members_path;
    ev_timer members_tick;
    hpac_kube_call *members_call;
    hpac__leader_op members_op;
    int64_t members_sent_at;
    json_t *members_lease; /* last membership object seen or written (owned) */
    hpac__leader_member *members; /* [HPAC_LEADER_MEMBERS_MAX], others only */
    size_t n_members;
    bool shards_started;
    int64_t shed_backoff_until; /* no rebalancing before (monotonic ms); 0: none */
    bool members_release_sent;  /* our removal write is out */
    int members_release_tries; /* looks made while releasing */
    bool members_release_done;

    bool started;
    bool releasing;
    int release_pending; /* shards and membership still to be released */
    ev_timer release_timer;
    void (*release_cb)(void *ctx);
    void *release_ctx;
};

/* ---- leader.c ---- */

/* Timer callbacks (data: the shard, or the elector for release). */
void hpac__leader_tick_cb(struct ev_loop *loop, ev_timer *t, int revents);
void hpac__leader_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents);
void hpac__leader_release_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);

/* (Re)arms a one-shot timer `ms` from now. */
void hpac__leader_arm(hpac_leader *l, ev_timer *t, int64_t ms);
/* retry period, stretched by up to a fifth at random so replicas that
 * started together drift apart. */
int64_t hpac__leader_jittered_retry(hpac_leader *l);
/* Starts the shards' loops (after the first membership round). */
void hpac__leader_start_shards(hpac_leader *l);
/* Stops leading `s` and writes its lease free so another replica takes it
 * (rebalancing). No-op while a call is in flight on it. */
void hpac__leader_shed(hpac__leader_shard *s);
/* One part of a release finished. */
void hpac__leader_release_progress(hpac_leader *l);

/* ---- leader_members.c ---- */

void hpac__leader_members_tick(struct ev_loop *loop, ev_timer *t, int revents);
/* Whether a free or expired shard may be taken now (quota, orphans,
 * cooldown after shedding). */
bool hpac__leader_may_acquire(hpac_leader *l, const hpac__leader_shard *s, int64_t now);
/* During release: remove our entry (after any call in flight). */
void hpac__leader_members_release(hpac_leader *l);
void hpac__leader_members_clear(hpac_leader *l);

/* ---- leader_lease.c ---- */

/* The holderIdentity of the shard's lease when still fresh (changed less
 * than a lease duration ago), else NULL. Our own identity while leading. */
const char *hpac__leader_fresh_holder(const hpac_leader *l, const hpac__leader_shard *s,
                                      int64_t now);
/* A new Lease held by us (POST body). New reference or NULL. */
json_t *hpac__leader_lease_new(const hpac_leader *l, const char *name, int64_t wall_ms);
/* `cached` rewritten to name us: renewTime now; acquireTime now and one
 * more transition unless it already names us. New reference or NULL. */
json_t *hpac__leader_lease_take(const hpac_leader *l, const json_t *cached, int64_t wall_ms);
/* `cached` with an empty holder, leaseDurationSeconds 1, renewTime and
 * acquireTime now. New reference or NULL. */
json_t *hpac__leader_lease_free(const json_t *cached, int64_t wall_ms);
/* spec.holderIdentity ("" when absent); metadata.resourceVersion (NULL
 * when absent). Borrowed from `lease`. */
const char *hpac__leader_lease_holder(const json_t *lease);
const char *hpac__leader_lease_rv(const json_t *lease);
/* The membership annotation of `lease` as a new object {identity: stamp}
 * ({} when absent, too large or malformed; non-string entries dropped). */
json_t *hpac__leader_members_decode(const json_t *lease);
/* `cached` (or, when NULL, a new Lease named l->members_name) carrying
 * `members` (borrowed) as its annotation. New reference or NULL. */
json_t *hpac__leader_members_encode(const hpac_leader *l, const json_t *cached,
                                    const json_t *members);
/* "/apis/coordination.k8s.io/v1/namespaces/<ns>/leases[/<name>]" (name
 * NULL: the collection). Caller frees. */
char *hpac__leader_lease_path(const char *ns, const char *name);

#endif
