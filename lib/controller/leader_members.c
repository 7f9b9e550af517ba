/* Sharding fairness: the membership heartbeat (one Lease whose annotation
 * lists the replicas), the estimate of live replicas, the acquisition
 * quota and rebalancing. The algorithm is in leader.h. */
#include "controller/leader_internal.h"

#include "util/log.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool is_2xx(const hpac_kube_response *resp)
{
    return resp->code >= 200 && resp->code < 300;
}

/* ---- the member table (other replicas only) ---- */

static hpac__leader_member *find_member(hpac_leader *l, const char *identity)
{
    for (size_t i = 0; i < l->n_members; i++) {
        if (strcmp(l->members[i].identity, identity) == 0)
            return &l->members[i];
    }
    return NULL;
}

static void drop_member(hpac_leader *l, size_t i)
{
    free(l->members[i].identity);
    free(l->members[i].stamp);
    l->members[i] = l->members[l->n_members - 1];
    l->n_members--;
}

void hpac__leader_members_clear(hpac_leader *l)
{
    while (l->n_members > 0)
        drop_member(l, l->n_members - 1);
}

/* Notes, on our clock, when each member's heartbeat last changed. */
static void observe_members(hpac_leader *l, const json_t *lease, int64_t now)
{
    json_t *seen = hpac__leader_members_decode(lease);
    const char *key;
    json_t *value;
    if (!seen)
        return;
    for (size_t i = l->n_members; i > 0; i--) {
        if (!json_object_get(seen, l->members[i - 1].identity))
            drop_member(l, i - 1); /* dropped by another replica */
    }
    json_object_foreach(seen, key, value) {
        const char *stamp = json_string_value(value);
        if (strcmp(key, l->identity) == 0)
            continue;
        hpac__leader_member *m = find_member(l, key);
        if (m) {
            if (strcmp(m->stamp, stamp) != 0) {
                char *copy = hpac_strdup(stamp);
                if (copy) {
                    free(m->stamp);
                    m->stamp = copy;
                    m->observed_at = now;
                }
            }
            continue;
        }
        if (l->n_members >= HPAC_LEADER_MEMBERS_MAX)
            continue;
        m = &l->members[l->n_members];
        m->identity = hpac_strdup(key);
        m->stamp = hpac_strdup(stamp);
        m->observed_at = now;
        if (!m->identity || !m->stamp) {
            free(m->identity);
            free(m->stamp);
            continue;
        }
        l->n_members++;
    }
    json_decref(seen);
}

/* ---- the view: live replicas and who leads how many ---- */

typedef struct leader_view {
    size_t live;      /* R: distinct live identities, us included */
    int mine;         /* shards we lead, are acquiring, or whose fresh lease names us */
    int fewest_other; /* fewest shards of another live replica; INT_MAX when alone */
    bool richest;     /* nobody leads more (ties: the smallest identity) */
} leader_view;

typedef struct tally {
    const char *identity;
    int shards;
} tally;

static size_t tally_add(tally *t, size_t *n, const char *identity)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(t[i].identity, identity) == 0)
            return i;
    }
    t[*n].identity = identity;
    t[*n].shards = 0;
    return (*n)++;
}

/* O((members + shards) * live): the live set is small. -1 when out of
 * memory. */
static int compute_view(hpac_leader *l, int64_t now, leader_view *v)
{
    size_t n = 0;
    tally *t = calloc(1 + l->n_members + (size_t)l->shards, sizeof(*t));
    if (!t)
        return -1;
    tally_add(t, &n, l->identity);
    for (size_t i = 0; i < l->n_members; i++) {
        if (now < l->members[i].observed_at + l->lease_ms)
            tally_add(t, &n, l->members[i].identity);
    }
    for (int i = 0; i < l->shards; i++) {
        const hpac__leader_shard *s = &l->shard[i];
        const char *holder = hpac__leader_fresh_holder(l, s, now);
        if (!holder && s->call && s->op == HPAC__LEADER_OP_ACQUIRE)
            holder = l->identity; /* counts against our quota until answered */
        if (holder)
            t[tally_add(t, &n, holder)].shards++;
    }
    v->live = n;
    v->mine = t[0].shards;
    v->fewest_other = INT_MAX;
    v->richest = true;
    for (size_t i = 1; i < n; i++) {
        if (t[i].shards < v->fewest_other)
            v->fewest_other = t[i].shards;
        if (t[i].shards > v->mine ||
            (t[i].shards == v->mine && strcmp(t[i].identity, l->identity) < 0))
            v->richest = false;
    }
    free(t);
    return 0;
}

bool hpac__leader_may_acquire(hpac_leader *l, const hpac__leader_shard *s, int64_t now)
{
    leader_view v;
    if (l->shards <= 1)
        return true;
    /* Free for a whole lease duration and nobody took it: take it whatever
     * the quota, so a shard never stays unled for long. */
    if (s->free_since >= 0 && now - s->free_since >= l->lease_ms)
        return true;
    if (s->shed_at >= 0 && now - s->shed_at < l->lease_ms)
        return false;
    if (compute_view(l, now, &v) != 0)
        return false;
    int ceil_share = (int)(((size_t)l->shards + v.live - 1) / v.live);
    return v.mine < ceil_share;
}

static void rebalance(hpac_leader *l, int64_t now)
{
    leader_view v;
    if (l->shards <= 1 || !l->shards_started || now < l->shed_backoff_until ||
        compute_view(l, now, &v) != 0)
        return;
    int floor_share = (int)((size_t)l->shards / v.live);
    int ceil_share = (int)(((size_t)l->shards + v.live - 1) / v.live);
    int excess = 0;
    if (v.mine > ceil_share)
        excess = v.mine - ceil_share;
    else if (v.mine > floor_share && v.fewest_other < floor_share && v.richest)
        excess = 1; /* one at a time: the others recount before the next */
    if (excess > 0)
        hpac_info(2, "leases %s/%s-*: leading %d of %d shards with %zu live replicas, "
                     "handing %d over",
                  l->ns, l->prefix, v.mine, l->shards, v.live, excess);
    for (int i = l->shards - 1; i >= 0 && excess > 0; i--) {
        hpac__leader_shard *s = &l->shard[i];
        if (s->leading && !s->call) {
            hpac__leader_shed(s);
            excess--;
        }
    }
}

/* ---- the heartbeat round: GET, then PUT (or POST) with our stamp ---- */

static void members_done(void *ctx, const hpac_kube_response *resp);

static bool members_send(hpac_leader *l, hpac__leader_op op, const char *verb, const char *path,
                         json_t *body)
{
    bool ok = false;
    if (strcmp(verb, "GET") != 0 && !body)
        goto out;
    l->members_sent_at = hpac_clock_monotonic_ms();
    l->members_call = hpac_kube_request(l->k, verb, path, body, NULL, members_done, l);
    if (!l->members_call)
        goto out;
    l->members_op = op;
    if (!l->releasing)
        hpac__leader_arm(l, &l->members_tick, l->renew_ms); /* watchdog */
    ok = true;
out:
    json_decref(body);
    return ok;
}

static void round_over(hpac_leader *l, int64_t now)
{
    hpac__leader_start_shards(l);
    rebalance(l, now);
    hpac__leader_arm(l, &l->members_tick, hpac__leader_jittered_retry(l));
}

static void write_heartbeat(hpac_leader *l, int64_t now)
{
    char stamp[HPAC_RFC3339_MAX];
    const char *key;
    json_t *value;
    void *tmp;
    json_t *members = l->members_lease ? hpac__leader_members_decode(l->members_lease)
                                       : json_object();
    json_t *body = NULL;
    if (!members)
        goto out;
    /* Forget replicas silent for long (pod names change on every rollout);
     * only ones we watched go silent, so a fresh start drops nobody. */
    json_object_foreach_safe(members, tmp, key, value) {
        const hpac__leader_member *m = find_member(l, key);
        if (m && now - m->observed_at >= HPAC_LEADER_MEMBER_GC_LEASES * l->lease_ms)
            json_object_del(members, key);
    }
    hpac_time_format_rfc3339_micro(hpac_clock_wall_ms(), stamp, sizeof(stamp));
    if (json_object_set_new(members, l->identity, json_string(stamp)) != 0)
        goto out;
    body = hpac__leader_members_encode(l, l->members_lease, members);
out:
    json_decref(members);
    bool sent = l->members_lease
                    ? members_send(l, HPAC__LEADER_OP_WRITE, "PUT", l->members_path, body)
                    : members_send(l, HPAC__LEADER_OP_WRITE, "POST", l->leases_path, body);
    if (!sent)
        round_over(l, now);
}

static void adopt(hpac_leader *l, json_t *lease)
{
    json_decref(l->members_lease);
    l->members_lease = lease ? json_incref(lease) : NULL;
}

void hpac__leader_members_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    hpac_leader *l = t->data;
    if (l->members_call) {
        hpac_warn("lease %s/%s: no answer within %lld ms, trying again", l->ns, l->members_name,
                  (long long)l->renew_ms);
        hpac_kube_cancel(l->members_call);
        l->members_call = NULL;
    }
    if (!members_send(l, HPAC__LEADER_OP_GET, "GET", l->members_path, NULL))
        round_over(l, hpac_clock_monotonic_ms());
}

/* ---- release: remove our entry ---- */

/* The others rewrite the membership lease every round, so our copy is
 * likely stale: look, then write; a conflict looks again. */
#define MEMBERS_RELEASE_TRIES 3

static void members_release_finish(hpac_leader *l)
{
    l->members_release_done = true;
    hpac__leader_release_progress(l);
}

void hpac__leader_members_release(hpac_leader *l)
{
    if (l->members_release_done || l->members_call)
        return; /* done, or waiting for the answer in flight */
    if (l->members_release_tries >= MEMBERS_RELEASE_TRIES ||
        !members_send(l, HPAC__LEADER_OP_GET, "GET", l->members_path, NULL)) {
        members_release_finish(l);
        return;
    }
    l->members_release_tries++;
}

/* Writes the lease just read without our entry; false when there is
 * nothing to remove or the write could not start. */
static bool write_removal(hpac_leader *l, json_t *lease)
{
    json_t *members = hpac__leader_members_decode(lease);
    bool sent = false;
    if (members && json_object_get(members, l->identity)) {
        json_object_del(members, l->identity);
        l->members_release_sent = true;
        sent = members_send(l, HPAC__LEADER_OP_WRITE, "PUT", l->members_path,
                            hpac__leader_members_encode(l, lease, members));
    }
    json_decref(members);
    return sent;
}

static void members_release_answer(hpac_leader *l, hpac__leader_op op,
                                   const hpac_kube_response *resp)
{
    bool ok = is_2xx(resp) && json_is_object(resp->body);
    if (op == HPAC__LEADER_OP_WRITE && l->members_release_sent) {
        l->members_release_sent = false;
        if (resp->code == 409) {
            hpac__leader_members_release(l);
            return;
        }
        if (!ok)
            hpac_warn("failed to leave lease %s/%s: %s", l->ns, l->members_name,
                      resp->error ? resp->error : "unexpected response");
        members_release_finish(l);
        return;
    }
    if (op == HPAC__LEADER_OP_GET && (ok || resp->code == 404)) {
        /* Fresh: remove our entry, or there is none to remove. */
        if (!ok || !write_removal(l, resp->body))
            members_release_finish(l);
        return;
    }
    /* A heartbeat write from before the release, or a failed look. */
    hpac__leader_members_release(l);
}

static void members_done(void *ctx, const hpac_kube_response *resp)
{
    hpac_leader *l = ctx;
    hpac__leader_op op = l->members_op;
    int64_t now = hpac_clock_monotonic_ms();
    l->members_call = NULL;
    l->members_op = HPAC__LEADER_OP_NONE;
    if (l->releasing) {
        members_release_answer(l, op, resp);
        return;
    }
    if (is_2xx(resp) && json_is_object(resp->body)) {
        adopt(l, resp->body);
        observe_members(l, resp->body, now);
        if (op == HPAC__LEADER_OP_GET) {
            write_heartbeat(l, now);
            return;
        }
    } else if (op == HPAC__LEADER_OP_GET && resp->code == 404) {
        adopt(l, NULL);
        write_heartbeat(l, now);
        return;
    } else if (resp->code != 409) {
        /* 409: another replica wrote in between; the next round reads it. */
        hpac_warn("%s lease %s/%s: %s",
                  op == HPAC__LEADER_OP_GET ? "error retrieving" : "failed to update", l->ns,
                  l->members_name, resp->error ? resp->error : "unexpected response");
    }
    round_over(l, now);
}
