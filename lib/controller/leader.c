/* The elector: one small state machine per shard lease (look, take,
 * renew, lose), the renew deadline, and release. The algorithm is in
 * leader.h; membership and fairness in leader_members.c; construction in
 * leader_new.c. */
#include "controller/leader_internal.h"

#include "util/log.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t mono_now(void)
{
    return hpac_clock_monotonic_ms();
}

static bool is_2xx(const hpac_kube_response *resp)
{
    return resp->code >= 200 && resp->code < 300;
}

static const char *why(const hpac_kube_response *resp)
{
    return resp->error ? resp->error : "unexpected response";
}

void hpac__leader_arm(hpac_leader *l, ev_timer *t, int64_t ms)
{
    ev_timer_stop(l->loop, t);
    ev_timer_set(t, ms > 0 ? (double)ms / 1000.0 : 0.0, 0.0);
    ev_timer_start(l->loop, t);
}

static uint64_t next_random(hpac_leader *l)
{
    /* xorshift64*: per elector, so no shared state and no locking. */
    uint64_t x = l->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    l->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int64_t hpac__leader_jittered_retry(hpac_leader *l)
{
    int64_t spread = l->retry_ms / 5;
    if (spread <= 0)
        return l->retry_ms;
    return l->retry_ms + (int64_t)(next_random(l) % (uint64_t)(spread + 1));
}

static bool names_us(const hpac_leader *l, const json_t *lease)
{
    return lease && hpac__leader_lease_rv(lease) &&
           strcmp(hpac__leader_lease_holder(lease), l->identity) == 0;
}

/* ---- observation ---- */

static bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Records what a look or a write returned (`lease` borrowed; NULL: the
 * lease does not exist). The record's age is measured on our clock from
 * the moment its resourceVersion changed, never from its renewTime. */
static void observe(hpac__leader_shard *s, json_t *lease, int64_t now)
{
    const char *rv = lease ? hpac__leader_lease_rv(lease) : NULL;
    json_decref(s->lease);
    s->lease = lease ? json_incref(lease) : NULL;
    if (s->observed_at < 0 || !rv || !same_str(rv, s->rv)) {
        free(s->rv);
        free(s->holder);
        s->rv = hpac_strdup(rv);
        s->holder = lease ? hpac_strdup(hpac__leader_lease_holder(lease)) : NULL;
        s->observed_at = now;
    }
    const char *fresh = hpac__leader_fresh_holder(s->l, s, now);
    if (fresh)
        s->free_since = -1;
    else if (s->free_since < 0)
        s->free_since = now;
    if (fresh && strcmp(fresh, s->l->identity) != 0)
        s->shed_untaken = false; /* the hand-over worked */
}

/* Drops the cached object so the next step looks before writing. */
static void forget_object(hpac__leader_shard *s)
{
    json_decref(s->lease);
    s->lease = NULL;
}

/* ---- leading ---- */

static void lose(hpac__leader_shard *s, const char *reason)
{
    hpac_leader *l = s->l;
    if (!s->leading)
        return;
    s->leading = false;
    ev_timer_stop(l->loop, &s->deadline);
    hpac_info(0, "stopped leading: lease %s/%s: %s", l->ns, s->name, reason);
    if (l->on_change)
        l->on_change(l->ctx, s->index, false);
}

void hpac__leader_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    hpac__leader_shard *s = t->data;
    int64_t left = s->renewed_at + s->l->renew_ms - mono_now();
    if (!s->leading)
        return;
    if (left > 0) {
        /* The loop's cached time lagged; not there yet. */
        hpac__leader_arm(s->l, &s->deadline, left);
        return;
    }
    lose(s, "failed to renew within the renew deadline");
}

bool hpac_leader_is_leading(const hpac_leader *l, int shard)
{
    if (!l || shard < 0 || shard >= l->shards || l->releasing)
        return false;
    const hpac__leader_shard *s = &l->shard[shard];
    return s->leading && mono_now() < s->renewed_at + l->renew_ms;
}

bool hpac_leader_owns(const hpac_leader *l, const char *ns, const char *name)
{
    return l && hpac_leader_is_leading(l, hpac_shard_of(ns, name, l->shards));
}

int hpac_leader_leading_count(const hpac_leader *l)
{
    int n = 0;
    for (int i = 0; l && i < l->shards; i++)
        n += hpac_leader_is_leading(l, i) ? 1 : 0;
    return n;
}

int hpac_leader_shards(const hpac_leader *l)
{
    return l ? l->shards : 0;
}

const char *hpac_leader_holder(const hpac_leader *l, int shard)
{
    if (!l || shard < 0 || shard >= l->shards)
        return NULL;
    if (l->shard[shard].leading)
        return l->identity;
    return l->shard[shard].holder;
}

/* ---- the per-shard state machine ---- */

static void shard_done(void *ctx, const hpac_kube_response *resp);

/* Starts a call (body stolen). False when it could not start. */
static bool shard_send(hpac__leader_shard *s, hpac__leader_op op, const char *verb,
                       const char *path, json_t *body)
{
    hpac_leader *l = s->l;
    bool ok = false;
    if (strcmp(verb, "GET") != 0 && !body)
        goto out;
    s->sent_at = mono_now();
    s->call = hpac_kube_request(l->k, verb, path, body, NULL, shard_done, s);
    if (!s->call)
        goto out;
    s->op = op;
    /* While the call is out the tick is its watchdog: an answer later than
     * the renew deadline can no longer keep us leading. */
    if (!l->releasing)
        hpac__leader_arm(l, &s->tick, l->renew_ms);
    ok = true;
out:
    json_decref(body);
    return ok;
}

static void schedule(hpac__leader_shard *s, int64_t ms)
{
    if (!s->l->releasing)
        hpac__leader_arm(s->l, &s->tick, ms);
}

static void retry_later(hpac__leader_shard *s)
{
    schedule(s, s->leading ? s->l->retry_ms : hpac__leader_jittered_retry(s->l));
}

/* Writes the lease naming us: create when it does not exist, else update
 * the object last seen (its resourceVersion guards against races). */
static void take(hpac__leader_shard *s)
{
    hpac_leader *l = s->l;
    int64_t wall = hpac_clock_wall_ms();
    bool sent;
    if (s->lease)
        sent = shard_send(s, HPAC__LEADER_OP_ACQUIRE, "PUT", s->path,
                          hpac__leader_lease_take(l, s->lease, wall));
    else
        sent = shard_send(s, HPAC__LEADER_OP_ACQUIRE, "POST", l->leases_path,
                          hpac__leader_lease_new(l, s->name, wall));
    if (!sent)
        retry_later(s);
}

static void step(hpac__leader_shard *s)
{
    hpac_leader *l = s->l;
    bool sent;
    if (s->leading && names_us(l, s->lease)) {
        /* Renewing needs no look first: the cached object is ours and its
         * resourceVersion makes the write fail if anyone changed it. */
        sent = shard_send(s, HPAC__LEADER_OP_RENEW, "PUT", s->path,
                          hpac__leader_lease_take(l, s->lease, hpac_clock_wall_ms()));
    } else {
        sent = shard_send(s, HPAC__LEADER_OP_GET, "GET", s->path, NULL);
    }
    if (!sent)
        retry_later(s);
}

void hpac__leader_tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    hpac__leader_shard *s = t->data;
    if (s->call) {
        hpac_warn("lease %s/%s: no answer within %lld ms, trying again", s->l->ns, s->name,
                  (long long)s->l->renew_ms);
        hpac_kube_cancel(s->call);
        s->call = NULL;
        s->op = HPAC__LEADER_OP_NONE;
    }
    step(s);
}

static void on_get(hpac__leader_shard *s, const hpac_kube_response *resp, int64_t now)
{
    hpac_leader *l = s->l;
    if (resp->code == 404) {
        observe(s, NULL, now);
        lose(s, "the lease was deleted");
        if (hpac__leader_may_acquire(l, s, now))
            take(s);
        else
            retry_later(s);
        return;
    }
    if (!is_2xx(resp) || !json_is_object(resp->body)) {
        hpac_warn("error retrieving lease %s/%s: %s", l->ns, s->name, why(resp));
        retry_later(s);
        return;
    }
    observe(s, resp->body, now);
    const char *holder = s->holder ? s->holder : "";
    if (strcmp(holder, l->identity) == 0) {
        take(s);
        return;
    }
    if (*holder && now < s->observed_at + l->lease_ms) {
        hpac_info(4, "lease %s/%s is held by %s and has not yet expired", l->ns, s->name, holder);
        lose(s, "the lease is held by another replica");
        retry_later(s);
        return;
    }
    lose(s, "the lease was given up");
    if (hpac__leader_may_acquire(l, s, now))
        take(s);
    else
        retry_later(s);
}

static void on_write(hpac__leader_shard *s, hpac__leader_op op, const hpac_kube_response *resp,
                     int64_t now)
{
    hpac_leader *l = s->l;
    if (is_2xx(resp) && json_is_object(resp->body) && names_us(l, resp->body)) {
        observe(s, resp->body, now);
        s->renewed_at = s->sent_at;
        if (s->shed_untaken) {
            /* We handed it over and nobody took it: the replica we counted
             * cannot lead. Stop handing shards to it for a while. */
            l->shed_backoff_until = now + HPAC_LEADER_SHED_BACKOFF_LEASES * l->lease_ms;
            hpac_info(2, "lease %s/%s: nobody took the shard over; not rebalancing for %lld ms",
                      l->ns, s->name, (long long)(HPAC_LEADER_SHED_BACKOFF_LEASES * l->lease_ms));
        }
        s->shed_untaken = false;
        s->shed_at = -1;
        int64_t left = s->renewed_at + l->renew_ms - now;
        if (left > 0) {
            hpac__leader_arm(l, &s->deadline, left);
            if (!s->leading) {
                s->leading = true;
                hpac_info(0, "successfully acquired lease %s/%s", l->ns, s->name);
                if (l->on_change)
                    l->on_change(l->ctx, s->index, true);
            }
        } else {
            lose(s, "the renewal was answered after the renew deadline");
        }
        schedule(s, l->retry_ms);
        return;
    }
    forget_object(s);
    if (resp->code == 409) {
        /* Someone wrote the lease since we read it (or created it first):
         * look again; a leader at once, to renew within its deadline. */
        hpac_info(4, "lease %s/%s changed under us, looking again", l->ns, s->name);
        schedule(s, s->leading ? 0 : hpac__leader_jittered_retry(l));
        return;
    }
    hpac_warn("failed to %s lease %s/%s: %s", op == HPAC__LEADER_OP_RENEW ? "renew" : "acquire",
              l->ns, s->name, why(resp));
    retry_later(s);
}

static void on_shed(hpac__leader_shard *s, const hpac_kube_response *resp, int64_t now)
{
    if (is_2xx(resp) && json_is_object(resp->body)) {
        observe(s, resp->body, now);
    } else {
        hpac_warn("failed to release lease %s/%s: %s", s->l->ns, s->name, why(resp));
        forget_object(s);
    }
    retry_later(s);
}

void hpac__leader_shed(hpac__leader_shard *s)
{
    hpac_leader *l = s->l;
    if (s->call || !s->leading || !names_us(l, s->lease))
        return;
    lose(s, "handing the shard to a replica with fewer");
    s->shed_at = mono_now();
    s->shed_untaken = true;
    if (!shard_send(s, HPAC__LEADER_OP_RELEASE, "PUT", s->path,
                    hpac__leader_lease_free(s->lease, hpac_clock_wall_ms())))
        retry_later(s);
}

void hpac__leader_start_shards(hpac_leader *l)
{
    if (l->shards_started || l->releasing)
        return;
    l->shards_started = true;
    for (int i = 0; i < l->shards; i++)
        hpac__leader_arm(l, &l->shard[i].tick, 0);
}

/* ---- release ---- */

static void release_shard(hpac__leader_shard *s)
{
    hpac_leader *l = s->l;
    if (s->release_done || s->call)
        return; /* done, or waiting for the answer in flight */
    if (!s->release_sent && names_us(l, s->lease)) {
        s->release_sent = true;
        if (shard_send(s, HPAC__LEADER_OP_RELEASE, "PUT", s->path,
                       hpac__leader_lease_free(s->lease, hpac_clock_wall_ms())))
            return;
    }
    s->release_done = true;
    hpac__leader_release_progress(l);
}

static void release_answer(hpac__leader_shard *s, const hpac_kube_response *resp)
{
    if (is_2xx(resp) && json_is_object(resp->body)) {
        json_decref(s->lease);
        s->lease = json_incref(resp->body);
    } else if (s->release_sent) {
        hpac_warn("failed to release lease %s/%s: %s", s->l->ns, s->name, why(resp));
    }
    /* An answer to a call made before the release may have left the lease
     * ours: release_shard writes it free then. */
    release_shard(s);
}

static void shard_done(void *ctx, const hpac_kube_response *resp)
{
    hpac__leader_shard *s = ctx;
    hpac__leader_op op = s->op;
    int64_t now = mono_now();
    s->call = NULL;
    s->op = HPAC__LEADER_OP_NONE;
    if (s->l->releasing) {
        release_answer(s, resp);
        return;
    }
    switch (op) {
    case HPAC__LEADER_OP_GET:
        on_get(s, resp, now);
        break;
    case HPAC__LEADER_OP_ACQUIRE:
    case HPAC__LEADER_OP_RENEW:
        on_write(s, op, resp, now);
        break;
    case HPAC__LEADER_OP_RELEASE:
        on_shed(s, resp, now);
        break;
    default:
        retry_later(s);
        break;
    }
}

void hpac__leader_release_progress(hpac_leader *l)
{
    if (l->release_pending > 0)
        l->release_pending--;
    /* `done` runs from the loop, never inside hpac_leader_release. */
    if (l->release_pending == 0)
        hpac__leader_arm(l, &l->release_timer, 0);
}

void hpac__leader_release_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    hpac_leader *l = t->data;
    if (l->release_pending > 0)
        hpac_warn("gave up releasing %d lease(s) in %s after %lld ms", l->release_pending, l->ns,
                  (long long)l->release_timeout_ms);
    for (int i = 0; i < l->shards; i++) {
        hpac_kube_cancel(l->shard[i].call);
        l->shard[i].call = NULL;
        l->shard[i].release_done = true;
    }
    hpac_kube_cancel(l->members_call);
    l->members_call = NULL;
    l->members_release_done = true;
    l->release_pending = 0;
    void (*cb)(void *) = l->release_cb;
    void *cb_ctx = l->release_ctx;
    l->release_cb = NULL;
    /* Last: `cb` may free the elector. */
    if (cb)
        cb(cb_ctx);
}

int hpac_leader_release(hpac_leader *l, void (*done)(void *ctx), void *ctx)
{
    if (!l || l->releasing)
        return -1;
    l->releasing = true;
    l->release_cb = done;
    l->release_ctx = ctx;
    ev_timer_stop(l->loop, &l->members_tick);
    /* Stop writing first, then give the leases up. */
    for (int i = 0; i < l->shards; i++) {
        hpac__leader_shard *s = &l->shard[i];
        ev_timer_stop(l->loop, &s->tick);
        lose(s, "releasing");
    }
    l->release_pending = l->shards + (l->shards > 1 ? 1 : 0);
    hpac__leader_arm(l, &l->release_timer, l->release_timeout_ms);
    for (int i = 0; i < l->shards; i++)
        release_shard(&l->shard[i]);
    if (l->shards > 1)
        hpac__leader_members_release(l);
    return 0;
}
