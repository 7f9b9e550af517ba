/* Constructing, starting and freeing an elector: configuration checks,
 * defaults, lease names and paths. */
#include "controller/leader_internal.h"

#include "util/strutil.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest suffix a lease name gets: "-shard-1023" (HPAC_LEADER_SHARDS_MAX). */
#define NAME_SUFFIX_MAX 11
#define DNS_SUBDOMAIN_MAX 253

/* A DNS-1123 subdomain of at most `max` characters. */
static bool dns_subdomain(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && ((c != '-' && c != '.') || i == 0 || i == n - 1))
            return false;
    }
    return true;
}

static int validate(const hpac_kube *k, const hpac_leader_config *cfg, int64_t lease,
                    int64_t renew, int64_t retry, char *err, size_t errsize)
{
    if (!k || !cfg) {
        snprintf(err, errsize, "leader election: no client or configuration");
        return -1;
    }
    if (!cfg->namespace || !*cfg->namespace) {
        snprintf(err, errsize, "leader election: the lease namespace is empty");
        return -1;
    }
    if (!dns_subdomain(cfg->name_prefix, DNS_SUBDOMAIN_MAX - NAME_SUFFIX_MAX)) {
        snprintf(err, errsize,
                 "leader election: lease name \"%.64s\" must be a lowercase DNS subdomain of at "
                 "most %d characters",
                 cfg->name_prefix ? cfg->name_prefix : "", DNS_SUBDOMAIN_MAX - NAME_SUFFIX_MAX);
        return -1;
    }
    if (cfg->shards < 1 || cfg->shards > HPAC_LEADER_SHARDS_MAX) {
        snprintf(err, errsize, "leader election: shards must be 1 .. %d, not %d",
                 HPAC_LEADER_SHARDS_MAX, cfg->shards);
        return -1;
    }
    if (!cfg->identity || !*cfg->identity || strlen(cfg->identity) > HPAC_LEADER_IDENTITY_MAX) {
        snprintf(err, errsize, "leader election: the identity must be 1 .. %d characters",
                 HPAC_LEADER_IDENTITY_MAX);
        return -1;
    }
    if (retry <= 0 || renew <= retry || lease <= renew) {
        snprintf(err, errsize,
                 "leader election: need lease duration (%lld ms) > renew deadline (%lld ms) > "
                 "retry period (%lld ms) > 0",
                 (long long)lease, (long long)renew, (long long)retry);
        return -1;
    }
    if (cfg->release_timeout_ms < 0) {
        snprintf(err, errsize, "leader election: negative release timeout");
        return -1;
    }
    return 0;
}

static int init_shard(hpac_leader *l, int i)
{
    hpac__leader_shard *s = &l->shard[i];
    s->l = l;
    s->index = i;
    s->observed_at = -1;
    s->free_since = -1;
    s->shed_at = -1;
    ev_timer_init(&s->tick, hpac__leader_tick_cb, 0.0, 0.0);
    s->tick.data = s;
    ev_timer_init(&s->deadline, hpac__leader_deadline_cb, 0.0, 0.0);
    s->deadline.data = s;
    if (l->shards == 1)
        s->name = hpac_strdup(l->prefix);
    else
        s->name = hpac_format("%s-shard-%d", l->prefix, i);
    s->path = s->name ? hpac__leader_lease_path(l->ns, s->name) : NULL;
    return s->path ? 0 : -1;
}

static int64_t or_default(int64_t v, int64_t def)
{
    return v > 0 ? v : def;
}

hpac_leader *hpac_leader_new(hpac_kube *k, const hpac_leader_config *cfg,
                             hpac_leader_change_fn on_change, void *ctx, char *err,
                             size_t errsize)
{
    hpac_leader *out = NULL;
    hpac_leader *l = NULL;
    int64_t lease = 0, renew = 0, retry = 0;
    if (cfg) {
        lease = or_default(cfg->lease_duration_ms, HPAC_LEADER_DEFAULT_LEASE_DURATION_MS);
        renew = or_default(cfg->renew_deadline_ms, HPAC_LEADER_DEFAULT_RENEW_DEADLINE_MS);
        retry = or_default(cfg->retry_period_ms, HPAC_LEADER_DEFAULT_RETRY_PERIOD_MS);
    }
    if (validate(k, cfg, lease, renew, retry, err, errsize) != 0)
        goto out;
    snprintf(err, errsize, "leader election: out of memory");
    l = calloc(1, sizeof(*l));
    if (!l)
        goto out;
    l->k = k;
    l->loop = hpac_kube_loop(k);
    l->shards = cfg->shards;
    l->lease_ms = lease;
    l->renew_ms = renew;
    l->retry_ms = retry;
    l->release_timeout_ms = or_default(cfg->release_timeout_ms,
                                       HPAC_LEADER_DEFAULT_RELEASE_TIMEOUT_MS);
    l->lease_seconds = (lease + 999) / 1000;
    l->on_change = on_change;
    l->ctx = ctx;
    ev_timer_init(&l->members_tick, hpac__leader_members_tick, 0.0, 0.0);
    l->members_tick.data = l;
    ev_timer_init(&l->release_timer, hpac__leader_release_timer_cb, 0.0, 0.0);
    l->release_timer.data = l;
    l->ns = hpac_strdup(cfg->namespace);
    l->prefix = hpac_strdup(cfg->name_prefix);
    l->identity = hpac_strdup(cfg->identity);
    l->shard = calloc((size_t)l->shards, sizeof(*l->shard));
    l->members = calloc(HPAC_LEADER_MEMBERS_MAX, sizeof(*l->members));
    if (!l->ns || !l->prefix || !l->identity || !l->shard || !l->members)
        goto out;
    l->leases_path = hpac__leader_lease_path(l->ns, NULL);
    l->members_name = hpac_format("%s-members", l->prefix);
    l->members_path = l->members_name ? hpac__leader_lease_path(l->ns, l->members_name) : NULL;
    if (!l->leases_path || !l->members_path)
        goto out;
    for (int i = 0; i < l->shards; i++) {
        if (init_shard(l, i) != 0)
            goto out;
    }
    /* Seeded from the identity and the clock, so replicas that start
     * together still spread their retries apart. */
    l->rng = (uint64_t)hpac_clock_wall_ms();
    for (const char *p = l->identity; *p; p++)
        l->rng = (l->rng ^ (unsigned char)*p) * 0x100000001b3ULL;
    if (l->rng == 0)
        l->rng = 1;
    if (errsize > 0)
        err[0] = '\0';
    out = l;
    l = NULL;
out:
    hpac_leader_free(l);
    return out;
}

int hpac_leader_start(hpac_leader *l)
{
    if (!l || l->started || l->releasing)
        return -1;
    l->started = true;
    /* With shards, the first membership round comes first, so the quota
     * already counts the replicas that are running. */
    if (l->shards > 1)
        hpac__leader_arm(l, &l->members_tick, 0);
    else
        hpac__leader_start_shards(l);
    return 0;
}

void hpac_leader_free(hpac_leader *l)
{
    if (!l)
        return;
    for (int i = 0; l->shard && i < l->shards; i++) {
        hpac__leader_shard *s = &l->shard[i];
        ev_timer_stop(l->loop, &s->tick);
        ev_timer_stop(l->loop, &s->deadline);
        hpac_kube_cancel(s->call);
        json_decref(s->lease);
        free(s->name);
        free(s->path);
        free(s->rv);
        free(s->holder);
    }
    ev_timer_stop(l->loop, &l->members_tick);
    ev_timer_stop(l->loop, &l->release_timer);
    hpac_kube_cancel(l->members_call);
    json_decref(l->members_lease);
    if (l->members)
        hpac__leader_members_clear(l);
    free(l->members);
    free(l->shard);
    free(l->ns);
    free(l->prefix);
    free(l->identity);
    free(l->leases_path);
    free(l->members_name);
    free(l->members_path);
    free(l);
}
