/* Leader election and sharding on coordination.k8s.io/v1 Leases, with the
 * semantics of client-go's leaderelection and kube-controller-manager's
 * defaults (lease 15s, renew deadline 10s, retry period 2s).
 *
 * Leases. With one shard the elector competes for the Lease "<prefix>";
 * with N > 1 shards for "<prefix>-shard-0" .. "<prefix>-shard-<N-1>", and
 * an HPA belongs to shard hpac_shard_of(namespace, name, N).
 *
 * One lease, one shard (what client-go does):
 * - GET the Lease. 404: create it (POST) holding it: holderIdentity, a
 *   leaseDurationSeconds, acquireTime and renewTime (MicroTime), and
 *   leaseTransitions 0.
 * - The remote clock is never trusted: the elector notes on its own
 *   monotonic clock when it last saw the record change (resourceVersion).
 *   A lease held by another identity is expired once it has not changed
 *   for a lease duration on that clock; until then the elector waits a
 *   retry period and looks again.
 * - An expired lease, one with an empty holderIdentity, or one already
 *   ours is written back (PUT with its resourceVersion) naming us; taking
 *   it from someone else counts a transition. 409: another replica won
 *   the race; look again later.
 * - While leading, the lease is renewed (PUT) every retry period. Leading
 *   means: now < (send time of the last successful write) + renew
 *   deadline. Since the renew deadline is shorter than the lease duration
 *   and others count the duration from when they saw the write (later
 *   than it was sent), a replica stops leading before anyone may take the
 *   lease over. hpac_leader_is_leading computes this at every call, and a
 *   timer reports the end (on_change false) as soon as it passes. A renew
 *   that finds the lease held by someone else stops leading at once.
 *
 * Sharding fairness (N > 1). Without it the first replica up would lead
 * every shard. Replicas announce themselves in one more Lease,
 * "<prefix>-members", whose annotation HPAC_LEADER_MEMBERS_ANNOTATION maps
 * identities to a heartbeat stamp each replica rewrites every retry period
 * (GET, then PUT with the resourceVersion; a 409 just waits for the next
 * round). A member whose stamp has not changed for a lease duration (our
 * clock again) is gone; one silent for HPAC_LEADER_MEMBER_GC_LEASES lease
 * durations is dropped from the annotation by whoever writes next. From
 * this:
 * - live replicas R = distinct identities among fresh members and the
 *   holders of unexpired shard leases, plus ourselves; the fair share is
 *   floor(N/R) .. ceil(N/R).
 * - A free or expired shard is taken only while we hold (or are acquiring)
 *   fewer than ceil(N/R) shards. Shard acquisition starts after the first
 *   membership round, so a replica joining a running group already
 *   counts the others.
 * - Whatever the quota, a shard seen free (absent, released or expired)
 *   for a whole lease duration is taken by anyone: a dead replica's shards
 *   move within about one lease duration (its heartbeat expires with its
 *   leases, so the others' quota grows at the same moment), and within two
 *   at worst.
 * - Every membership round, a replica leading more than ceil(N/R) shards
 *   releases the excess; one leading more than floor(N/R) while some live
 *   replica leads fewer releases one, if it leads the most (ties: the
 *   smallest identity). It does not take a shard it released back for a
 *   lease duration (unless the shard is orphaned, see above), so the
 *   replica that needs it gets it. When it does take one back that nobody
 *   took in between (the other replica heartbeats but cannot lead), it
 *   stops rebalancing for HPAC_LEADER_SHED_BACKOFF_LEASES lease durations
 *   rather than hand shards to nobody over and over.
 * With one shard there is no membership lease and no quota.
 *
 * Release (shutdown): every shard we lead stops leading at once
 * (on_change false, synchronously), then each lease still naming us is
 * written with holderIdentity "" (leaseDurationSeconds 1, renewTime now)
 * so another replica takes it at its next look, like client-go's
 * ReleaseOnCancel; our membership entry is removed.
 *
 * Identities must be unique among the replicas (the pod name): a lease
 * naming our identity is taken as ours.
 *
 * API access: get, create and update on leases in the configured
 * namespace.
 *
 * Threading: everything runs on the kube client's loop. `on_change` is
 * called from the loop (and from hpac_leader_release); it may call
 * hpac_leader_is_leading and the other getters but must not release or
 * free the elector. */
#ifndef HPAC_CONTROLLER_LEADER_H
#define HPAC_CONTROLLER_LEADER_H

#include "kube/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HPAC_LEADER_DEFAULT_LEASE_DURATION_MS 15000
#define HPAC_LEADER_DEFAULT_RENEW_DEADLINE_MS 10000
#define HPAC_LEADER_DEFAULT_RETRY_PERIOD_MS 2000
/* A release gives up on unanswered writes after this long by default. */
#define HPAC_LEADER_DEFAULT_RELEASE_TIMEOUT_MS 5000
#define HPAC_LEADER_SHARDS_MAX 1024
/* holderIdentity length cap (a pod name is at most 253). */
#define HPAC_LEADER_IDENTITY_MAX 253
/* Membership: entries kept, and the annotation's size cap (bytes). */
#define HPAC_LEADER_MEMBERS_MAX 256
#define HPAC_LEADER_MEMBERS_ANNOTATION_MAX ((size_t)64 * 1024)
#define HPAC_LEADER_MEMBERS_ANNOTATION "hpac.io/shard-members"
/* A silent member is dropped after this many lease durations. */
#define HPAC_LEADER_MEMBER_GC_LEASES 4
/* Rebalancing pauses this many lease durations after a failed hand-over. */
#define HPAC_LEADER_SHED_BACKOFF_LEASES 10

typedef struct hpac_leader hpac_leader;

/* Strings are borrowed for hpac_leader_new only (copied). A duration of 0
 * takes its default. Constraints (as client-go's): lease duration > renew
 * deadline > retry period > 0. */
typedef struct hpac_leader_config {
    const char *namespace;   /* where the Leases live */
    const char *name_prefix; /* a DNS subdomain; lease names as above */
    int shards;              /* 1 .. HPAC_LEADER_SHARDS_MAX */
    const char *identity;    /* holderIdentity, e.g. the pod name; unique */
    int64_t lease_duration_ms;
    int64_t renew_deadline_ms;
    int64_t retry_period_ms;
    int64_t release_timeout_ms;
} hpac_leader_config;

/* Called when this replica starts (leading true) or stops leading `shard`. */
typedef void (*hpac_leader_change_fn)(void *ctx, int shard, bool leading);

/* A stopped elector on `k` (borrowed; must outlive the elector). NULL with
 * err when the configuration is invalid or memory runs out. */
hpac_leader *hpac_leader_new(hpac_kube *k, const hpac_leader_config *cfg,
                             hpac_leader_change_fn on_change, void *ctx, char *err,
                             size_t errsize);

/* Starts competing; the first requests go out from the loop. 0, or -1 when
 * already started or released. */
int hpac_leader_start(hpac_leader *l);

/* Whether we lead `shard` right now: the lease is certainly ours (now <
 * last successful renew + renew deadline). Check right before every write.
 * False for a shard out of range. */
bool hpac_leader_is_leading(const hpac_leader *l, int shard);

/* Whether we lead the shard of the object namespace/name. */
bool hpac_leader_owns(const hpac_leader *l, const char *ns, const char *name);

/* Number of shards we lead right now. */
int hpac_leader_leading_count(const hpac_leader *l);

int hpac_leader_shards(const hpac_leader *l);

/* The holderIdentity last seen on the shard's lease ("" when free), NULL
 * when not known. Borrowed until the loop runs again. */
const char *hpac_leader_holder(const hpac_leader *l, int shard);

/* Gives up every lease we hold (see above) and stops competing. Every led
 * shard gets on_change(shard, false) before this returns. `done` (may be
 * NULL) is called exactly once, from the loop, when the writes are
 * answered or after the release timeout; it may free the elector. -1 (and
 * `done` is never called) when a release was already asked for. */
int hpac_leader_release(hpac_leader *l, void (*done)(void *ctx), void *ctx);

/* Stops everything without releasing (the leases expire) and frees; no
 * callback follows. NULL: no-op. */
void hpac_leader_free(hpac_leader *l);

/* The shard of namespace/name among `shards`: FNV-1a (64-bit) of
 * "namespace/name" modulo shards; 0 when shards <= 1. Stable across
 * versions and replicas: every replica must agree. */
int hpac_shard_of(const char *ns, const char *name, int shards);

#endif
