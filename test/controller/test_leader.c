/* Leader election and sharding against the simulated API server: one loop
 * in the test thread drives several electors, each with its own client,
 * while a sampler checks every few milliseconds that no shard has two
 * leaders and that a replica leads only while the server's lease names
 * it. */
#include "controller/leader.h"
#include "kube/client.h"
#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "test_support.h"
#include "util/timeutil.h"

#include <ev.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "kube-system"
#define PREFIX "hpac"
#define MAX_ELECTORS 3
#define MAX_SHARDS 4
/* Short timings, in the ratios of kube-controller-manager's defaults. */
#define LEASE_MS 600
#define RENEW_MS 400
#define RETRY_MS 100
#define SAMPLE_MS 0.005

typedef struct elector {
    struct fixture *f;
    char id[16];
    hpac_kube *kube;
    hpac_leader *leader;
    int shards;
    int gained[MAX_SHARDS];
    int lost[MAX_SHARDS];
    bool reported[MAX_SHARDS]; /* as on_change last said */
    int64_t last_change_ms;
    int released; /* release `done` calls */
} elector;

typedef struct fixture {
    struct ev_loop *loop;
    hpac_sim_server *sim;
    elector e[MAX_ELECTORS];
    ev_timer sampler;
    long samples;
    long double_leaders;   /* a shard led by two replicas at once */
    long not_on_server;    /* leading while the server's lease names someone else */
    long inconsistent;     /* is_leading true while on_change said false */
    int64_t leading_forbidden_after; /* renew-failure check: is_leading false after this */
    long leading_when_forbidden;
} fixture;

/* ---- plumbing ---- */

static int64_t now_ms(void)
{
    return hpac_clock_monotonic_ms();
}

static char *lease_name(char *buf, size_t size, int shards, int shard)
{
    if (shards == 1)
        snprintf(buf, size, "%s", PREFIX);
    else
        snprintf(buf, size, "%s-shard-%d", PREFIX, shard);
    return buf;
}

/* The holder the server has now ("" free), into buf; false when absent. */
static bool server_holder(fixture *f, const char *name, char *buf, size_t size)
{
    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, name);
    const char *h = json_string_value(
        json_object_get(json_object_get(lease, "spec"), "holderIdentity"));
    snprintf(buf, size, "%s", h ? h : "");
    bool found = lease != NULL;
    json_decref(lease);
    return found;
}

static void sample(struct ev_loop *loop, ev_timer *t, int revents)
{
    fixture *f = t->data;
    char name[64], holder[64];
    f->samples++;
    for (int s = 0; s < MAX_SHARDS; s++) {
        int leaders = 0;
        for (int i = 0; i < MAX_ELECTORS; i++) {
            elector *e = &f->e[i];
            if (!e->leader || s >= e->shards || !hpac_leader_is_leading(e->leader, s))
                continue;
            leaders++;
            if (!e->reported[s])
                f->inconsistent++;
            if (f->leading_forbidden_after > 0 && now_ms() > f->leading_forbidden_after)
                f->leading_when_forbidden++;
            if (!server_holder(f, lease_name(name, sizeof(name), e->shards, s), holder,
                               sizeof(holder)) ||
                strcmp(holder, e->id) != 0) {
                /* Read after is_leading: a lease can only have moved on if
                 * our leadership ended in between. */
                if (hpac_leader_is_leading(e->leader, s))
                    f->not_on_server++;
            }
        }
        if (leaders > 1)
            f->double_leaders++;
    }
}

static void on_change(void *ctx, int shard, bool leading)
{
    elector *e = ctx;
    assert_true(shard >= 0 && shard < e->shards);
    assert_true(e->reported[shard] != leading);
    e->reported[shard] = leading;
    e->last_change_ms = now_ms();
    if (leading) {
        e->gained[shard]++;
        assert_true(hpac_leader_is_leading(e->leader, shard));
    } else {
        e->lost[shard]++;
        assert_false(hpac_leader_is_leading(e->leader, shard));
    }
}

static void on_released(void *ctx)
{
    elector *e = ctx;
    e->released++;
}

static hpac_leader_config config(const elector *e, int shards)
{
    hpac_leader_config cfg = {0};
    cfg.namespace = NS;
    cfg.name_prefix = PREFIX;
    cfg.shards = shards;
    cfg.identity = e->id;
    cfg.lease_duration_ms = LEASE_MS;
    cfg.renew_deadline_ms = RENEW_MS;
    cfg.retry_period_ms = RETRY_MS;
    return cfg;
}

static void connect_client(fixture *f, elector *e)
{
    char server[64], err[256];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)hpac_sim_port(f->sim));
    hpac_kube_config kc = {0};
    kc.server = server;
    e->kube = hpac_kube_new(f->loop, &kc, err, sizeof(err));
    if (!e->kube)
        fail_msg("hpac_kube_new: %s", err);
    hpac_kube_set_timeout_ms(e->kube, 2000);
}

/* A started elector `i` named `id` with the given timings. */
static elector *add_elector_cfg(fixture *f, int i, const char *id, hpac_leader_config cfg)
{
    char err[256];
    elector *e = &f->e[i];
    memset(e, 0, sizeof(*e));
    e->f = f;
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->shards = cfg.shards;
    cfg.identity = e->id;
    connect_client(f, e);
    e->leader = hpac_leader_new(e->kube, &cfg, on_change, e, err, sizeof(err));
    if (!e->leader)
        fail_msg("hpac_leader_new: %s", err);
    assert_int_equal(hpac_leader_start(e->leader), 0);
    assert_int_equal(hpac_leader_start(e->leader), -1);
    return e;
}

static elector *add_elector(fixture *f, int i, const char *id, int shards)
{
    elector tmp = {0};
    snprintf(tmp.id, sizeof(tmp.id), "%s", id);
    return add_elector_cfg(f, i, id, config(&tmp, shards));
}

/* Frees without releasing: a replica that dies. */
static void kill_elector(elector *e)
{
    hpac_leader_free(e->leader);
    e->leader = NULL;
    hpac_kube_free(e->kube);
    e->kube = NULL;
}

static void run_ms(fixture *f, int ms)
{
    int64_t end = now_ms() + ms;
    while (now_ms() < end)
        ev_run(f->loop, EVRUN_ONCE);
}

typedef bool (*predicate)(fixture *f, const void *arg);

/* Runs the loop until `p` holds; the time it took, or -1 on timeout. */
static int64_t run_until(fixture *f, int timeout_ms, predicate p, const void *arg)
{
    int64_t start = now_ms();
    while (!p(f, arg)) {
        if (now_ms() - start > timeout_ms)
            return -1;
        ev_run(f->loop, EVRUN_ONCE);
    }
    return now_ms() - start;
}

static int leading_count(const elector *e)
{
    return e->leader ? hpac_leader_leading_count(e->leader) : 0;
}

/* arg: int[MAX_ELECTORS] wanted counts (-1: any). */
static bool counts_are(fixture *f, const void *arg)
{
    const int *want = arg;
    for (int i = 0; i < MAX_ELECTORS; i++) {
        if (want[i] >= 0 && leading_count(&f->e[i]) != want[i])
            return false;
    }
    return true;
}

static bool anyone_leads(fixture *f, const void *arg)
{
    int shards = *(const int *)arg;
    for (int s = 0; s < shards; s++) {
        bool led = false;
        for (int i = 0; i < MAX_ELECTORS; i++)
            led = led || (f->e[i].leader && hpac_leader_is_leading(f->e[i].leader, s));
        if (!led)
            return false;
    }
    return true;
}

static bool elector_leads(fixture *f, const void *arg)
{
    const elector *e = arg;
    return e->leader && hpac_leader_is_leading(e->leader, 0);
}

static bool elector_not_leading(fixture *f, const void *arg)
{
    const elector *e = arg;
    return !e->reported[0];
}

static bool elector_released(fixture *f, const void *arg)
{
    const elector *e = arg;
    return e->released > 0;
}

/* Every live replica leads between lo and hi shards, and all `total` are
 * led. */
typedef struct spread {
    int lo, hi, total;
} spread;

static bool spread_is(fixture *f, const void *arg)
{
    const spread *sp = arg;
    int sum = 0;
    for (int i = 0; i < MAX_ELECTORS; i++) {
        if (!f->e[i].leader)
            continue;
        int n = leading_count(&f->e[i]);
        if (n < sp->lo || n > sp->hi)
            return false;
        sum += n;
    }
    return sum == sp->total;
}

static void assert_clean(const fixture *f)
{
    assert_true(f->samples > 10);
    assert_int_equal(f->double_leaders, 0);
    assert_int_equal(f->not_on_server, 0);
    assert_int_equal(f->inconsistent, 0);
}

/* Lease writes in the sim's log answered `code`, on paths starting with
 * `prefix`. */
static int count_writes(fixture *f, const char *verb, const char *prefix, long code)
{
    json_t *writes = hpac_sim_writes(f->sim);
    size_t i;
    json_t *w;
    int n = 0;
    json_array_foreach(writes, i, w) {
        const char *v = json_string_value(json_object_get(w, "verb"));
        const char *p = json_string_value(json_object_get(w, "path"));
        if (v && p && strcmp(v, verb) == 0 && strncmp(p, prefix, strlen(prefix)) == 0 &&
            json_integer_value(json_object_get(w, "code")) == code)
            n++;
    }
    json_decref(writes);
    return n;
}

static int setup(void **state)
{
    char err[256];
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(f->loop);
    hpac_sim_options opts = {0};
    f->sim = hpac_sim_start(NULL, &opts, err, sizeof(err));
    if (!f->sim)
        fail_msg("hpac_sim_start: %s", err);
    ev_timer_init(&f->sampler, sample, SAMPLE_MS, SAMPLE_MS);
    f->sampler.data = f;
    ev_timer_start(f->loop, &f->sampler);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < MAX_ELECTORS; i++)
        kill_elector(&f->e[i]);
    ev_timer_stop(f->loop, &f->sampler);
    ev_loop_destroy(f->loop);
    hpac_sim_stop(f->sim);
    free(f);
    return 0;
}

/* ---- pure parts ---- */

static void test_leader__shard_of_is_fnv1a_mod_shards(void **state)
{
    /* FNV-1a 64 of "default/web" is 0x9d2ba50824d634bb: every version and
     * every replica must agree on it. */
    static const struct {
        const char *ns, *name;
        int shards, want;
    } cases[] = {
        {"default", "web", 7, 2},          {"default", "web", 4, 3},
        {"kube-system", "coredns", 7, 6},  {"kube-system", "coredns", 1000, 7},
        {"a", "b", 4, 1},                  {"", "", 1000, 758},
        {"default", "web", 1, 0},          {"default", "web", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(hpac_shard_of(cases[i].ns, cases[i].name, cases[i].shards),
                         cases[i].want);

    /* Spread: 4000 names over 4 shards, each within 10% of a quarter. */
    int hits[4] = {0};
    char name[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(name, sizeof(name), "hpa-%d", i);
        int s = hpac_shard_of(i % 3 ? "default" : "prod", name, 4);
        assert_true(s >= 0 && s < 4);
        hits[s]++;
    }
    for (int s = 0; s < 4; s++)
        assert_in_range(hits[s], 900, 1100);
}

static void test_leader__invalid_config_rejected(void **state)
{
    fixture *f = *state;
    elector e = {0};
    snprintf(e.id, sizeof(e.id), "a");
    connect_client(f, &e);
    char long_prefix[260];
    memset(long_prefix, 'x', sizeof(long_prefix) - 1);
    long_prefix[sizeof(long_prefix) - 1] = '\0';
    static const struct {
        const char *what;
        const char *ns, *prefix, *identity;
        int shards;
        int64_t lease, renew, retry;
        const char *needle;
    } cases[] = {
        {"no namespace", "", "hpac", "a", 1, 0, 0, 0, "namespace"},
        {"upper case", NS, "Hpac", "a", 1, 0, 0, 0, "DNS subdomain"},
        {"leading dash", NS, "-hpac", "a", 1, 0, 0, 0, "DNS subdomain"},
        {"trailing dot", NS, "hpac.", "a", 1, 0, 0, 0, "DNS subdomain"},
        {"no prefix", NS, NULL, "a", 1, 0, 0, 0, "DNS subdomain"},
        {"long prefix", NS, "", "a", 1, 0, 0, 0, "DNS subdomain"},
        {"zero shards", NS, "hpac", "a", 0, 0, 0, 0, "shards"},
        {"too many shards", NS, "hpac", "a", HPAC_LEADER_SHARDS_MAX + 1, 0, 0, 0, "shards"},
        {"no identity", NS, "hpac", "", 1, 0, 0, 0, "identity"},
        {"renew >= lease", NS, "hpac", "a", 1, 1000, 1000, 100, "renew deadline"},
        {"retry >= renew", NS, "hpac", "a", 1, 1000, 500, 500, "retry period"},
        {"renew default > lease", NS, "hpac", "a", 1, 5000, 0, 0, "renew deadline"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        hpac_leader_config cfg = {0};
        cfg.namespace = cases[i].ns;
        cfg.name_prefix = strcmp(cases[i].what, "long prefix") == 0 ? long_prefix
                                                                    : cases[i].prefix;
        cfg.identity = cases[i].identity;
        cfg.shards = cases[i].shards;
        cfg.lease_duration_ms = cases[i].lease;
        cfg.renew_deadline_ms = cases[i].renew;
        cfg.retry_period_ms = cases[i].retry;
        hpac_leader *l = hpac_leader_new(e.kube, &cfg, NULL, NULL, err, sizeof(err));
        if (l)
            fail_msg("%s: accepted", cases[i].what);
        if (!strstr(err, cases[i].needle))
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].what, err, cases[i].needle);
    }
    /* The defaults are kube-controller-manager's and valid. */
    char err[256];
    hpac_leader_config ok = {.namespace = NS, .name_prefix = "hpac", .shards = 1,
                             .identity = "a"};
    hpac_leader *l = hpac_leader_new(e.kube, &ok, NULL, NULL, err, sizeof(err));
    assert_non_null(l);
    assert_int_equal(hpac_leader_shards(l), 1);
    assert_false(hpac_leader_is_leading(l, 0));
    assert_false(hpac_leader_is_leading(l, 1));
    assert_null(hpac_leader_holder(l, 0));
    hpac_leader_free(l);
    hpac_leader_free(NULL);
    hpac_kube_free(e.kube);
}

/* ---- one lease ---- */

static void test_leader__single_replica_acquires_and_renews(void **state)
{
    fixture *f = *state;
    elector *a = add_elector(f, 0, "a", 1);
    assert_true(run_until(f, 2000, elector_leads, a) >= 0);
    assert_int_equal(a->gained[0], 1);
    assert_string_equal(hpac_leader_holder(a->leader, 0), "a");
    assert_true(hpac_leader_owns(a->leader, "default", "web"));

    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX);
    assert_non_null(lease);
    json_t *spec = json_object_get(lease, "spec");
    assert_string_equal(json_string_value(json_object_get(spec, "holderIdentity")), "a");
    /* 600ms rounds up to a whole second: the API takes seconds, > 0. */
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseDurationSeconds")), 1);
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseTransitions")), 0);
    const char *acquired = json_string_value(json_object_get(spec, "acquireTime"));
    const char *renewed = json_string_value(json_object_get(spec, "renewTime"));
    assert_non_null(acquired);
    assert_non_null(renewed);
    /* MicroTime: RFC 3339 with six fractional digits. */
    assert_int_equal(strlen(renewed), strlen("2026-01-01T00:00:00.000000Z"));
    int64_t t;
    assert_int_equal(hpac_time_parse_rfc3339(renewed, &t), 0);
    assert_true(llabs(t - hpac_clock_wall_ms()) < 5000);
    char *first_acquired = strdup(acquired);
    char *first_renewed = strdup(renewed);
    char *first_rv = strdup(json_string_value(
        json_object_get(json_object_get(lease, "metadata"), "resourceVersion")));
    json_decref(lease);

    run_ms(f, 5 * RETRY_MS);
    lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX);
    spec = json_object_get(lease, "spec");
    /* Renewed: new renewTime and resourceVersion, same acquisition. */
    assert_string_not_equal(json_string_value(json_object_get(spec, "renewTime")), first_renewed);
    assert_string_not_equal(json_string_value(json_object_get(
                                json_object_get(lease, "metadata"), "resourceVersion")),
                            first_rv);
    assert_string_equal(json_string_value(json_object_get(spec, "acquireTime")), first_acquired);
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseTransitions")), 0);
    json_decref(lease);
    free(first_acquired);
    free(first_renewed);
    free(first_rv);

    /* About one renewal per retry period, and no second create. */
    int puts = count_writes(f, "PUT", "/apis/coordination.k8s.io/v1/namespaces/" NS "/leases/",
                            200);
    assert_in_range(puts, 3, 7);
    assert_int_equal(count_writes(f, "POST", "/apis/coordination.k8s.io/", 201), 1);
    assert_int_equal(a->gained[0], 1);
    assert_int_equal(a->lost[0], 0);
    assert_clean(f);
}

static void test_leader__two_replicas_one_leader(void **state)
{
    fixture *f = *state;
    add_elector(f, 0, "a", 1);
    add_elector(f, 1, "b", 1);
    int one = 1;
    assert_true(run_until(f, 2000, anyone_leads, &one) >= 0);
    run_ms(f, 3 * LEASE_MS);
    /* The first leader keeps it; the other never led. */
    elector *leader = f->e[0].gained[0] ? &f->e[0] : &f->e[1];
    elector *other = leader == &f->e[0] ? &f->e[1] : &f->e[0];
    assert_int_equal(leader->gained[0], 1);
    assert_int_equal(leader->lost[0], 0);
    assert_int_equal(other->gained[0], 0);
    assert_true(hpac_leader_is_leading(leader->leader, 0));
    assert_string_equal(hpac_leader_holder(other->leader, 0), leader->id);
    assert_clean(f);
}

static void test_leader__killed_leader_taken_over_after_lease_duration(void **state)
{
    fixture *f = *state;
    add_elector(f, 0, "a", 1);
    add_elector(f, 1, "b", 1);
    int one = 1;
    assert_true(run_until(f, 2000, anyone_leads, &one) >= 0);
    run_ms(f, 2 * RETRY_MS);
    elector *leader = hpac_leader_is_leading(f->e[0].leader, 0) ? &f->e[0] : &f->e[1];
    elector *other = leader == &f->e[0] ? &f->e[1] : &f->e[0];
    kill_elector(leader);
    int64_t took = run_until(f, 4 * LEASE_MS, elector_leads, other);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    /* Not before the dead leader's lease ran out (its last renewal was at
     * most a retry period before it died), and within a lease duration and
     * a couple of retry periods of it. */
    assert_in_range(took, LEASE_MS - 2 * RETRY_MS, LEASE_MS + 4 * RETRY_MS);

    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX);
    json_t *spec = json_object_get(lease, "spec");
    assert_string_equal(json_string_value(json_object_get(spec, "holderIdentity")), other->id);
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseTransitions")), 1);
    json_decref(lease);
    assert_clean(f);
}

static void test_leader__release_hands_over_at_once(void **state)
{
    fixture *f = *state;
    elector tmp = {0};
    /* A long lease: a hand-over faster than it can only come from the
     * release. */
    hpac_leader_config cfg = config(&tmp, 1);
    cfg.lease_duration_ms = 5000;
    cfg.renew_deadline_ms = 3000;
    elector *a = add_elector_cfg(f, 0, "a", cfg);
    assert_true(run_until(f, 2000, elector_leads, a) >= 0);
    elector *b = add_elector_cfg(f, 1, "b", cfg);
    run_ms(f, 3 * RETRY_MS);
    assert_int_equal(b->gained[0], 0);

    assert_int_equal(hpac_leader_release(a->leader, on_released, a), 0);
    /* Stopped leading before release returned; `done` comes from the loop. */
    assert_int_equal(a->lost[0], 1);
    assert_false(hpac_leader_is_leading(a->leader, 0));
    assert_int_equal(a->released, 0);
    assert_int_equal(hpac_leader_release(a->leader, on_released, a), -1);
    assert_true(run_until(f, 2000, elector_released, a) >= 0);
    int64_t took = run_until(f, 2000, elector_leads, b);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    assert_true(took < 4 * RETRY_MS);

    run_ms(f, 3 * RETRY_MS);
    assert_int_equal(a->released, 1);
    assert_int_equal(a->gained[0], 1);
    assert_false(hpac_leader_is_leading(a->leader, 0));
    assert_int_equal(hpac_leader_start(a->leader), -1);
    assert_clean(f);
}

static void test_leader__release_without_leases_completes(void **state)
{
    fixture *f = *state;
    char err[256];
    elector *e = &f->e[0];
    snprintf(e->id, sizeof(e->id), "a");
    e->shards = 2;
    connect_client(f, e);
    hpac_leader_config cfg = config(e, 2);
    e->leader = hpac_leader_new(e->kube, &cfg, on_change, e, err, sizeof(err));
    assert_non_null(e->leader);
    /* Never started: nothing to give up, `done` still comes once. */
    assert_int_equal(hpac_leader_release(e->leader, on_released, e), 0);
    assert_int_equal(e->released, 0);
    assert_true(run_until(f, 1000, elector_released, e) >= 0);
    run_ms(f, 2 * RETRY_MS);
    assert_int_equal(e->released, 1);
    assert_int_equal(hpac_leader_start(e->leader), -1);
    assert_int_equal(count_writes(f, "PUT", "/", 200) + count_writes(f, "POST", "/", 201), 0);
}

static void test_leader__renew_failure_stops_within_deadline(void **state)
{
    fixture *f = *state;
    elector *a = add_elector(f, 0, "a", 1);
    assert_true(run_until(f, 2000, elector_leads, a) >= 0);
    run_ms(f, 2 * RETRY_MS);

    int64_t injected = now_ms();
    hpac_sim_inject(f->sim, "PUT", "/apis/coordination.k8s.io/v1/namespaces/" NS "/leases/hpac",
                    500, NULL, 0);
    /* Exact: whatever the timers do, is_leading is false once the renew
     * deadline has passed since the last successful renewal. */
    f->leading_forbidden_after = injected + RENEW_MS;
    int64_t took = run_until(f, 2 * LEASE_MS, elector_not_leading, a);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    assert_true(took <= RENEW_MS + 50);
    assert_true(took >= RENEW_MS - 2 * RETRY_MS);
    assert_int_equal(a->lost[0], 1);
    run_ms(f, 2 * RETRY_MS);
    assert_int_equal(f->leading_when_forbidden, 0);
    assert_true(count_writes(f, "PUT", "/apis/coordination.k8s.io/", 500) >= 2);

    /* The API server recovers: the lease still names us, so we take it
     * back at once. */
    f->leading_forbidden_after = 0;
    hpac_sim_clear_injections(f->sim);
    assert_true(run_until(f, 4 * RETRY_MS, elector_leads, a) >= 0);
    assert_int_equal(a->gained[0], 2);
    assert_clean(f);
}

/* Replaces the server's lease (the resourceVersion moves on) as another
 * writer would: `holder` NULL keeps it. */
static void rewrite_lease(fixture *f, const char *name, const char *holder)
{
    char err[256];
    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, name);
    assert_non_null(lease);
    json_t *spec = json_object_get(lease, "spec");
    if (holder) {
        char now[HPAC_RFC3339_MAX];
        hpac_time_format_rfc3339_micro(hpac_clock_wall_ms(), now, sizeof(now));
        json_object_set_new(spec, "holderIdentity", json_string(holder));
        json_object_set_new(spec, "renewTime", json_string(now));
    } else {
        json_t *meta = json_object_get(lease, "metadata");
        json_object_set_new(meta, "labels", json_pack("{s:s}", "touched", "yes"));
    }
    if (hpac_sim_put_object(hpac_sim_state_of(f->sim), HPAC_SIM_KIND_LEASE, lease, err,
                            sizeof(err)) != 0)
        fail_msg("hpac_sim_put_object: %s", err);
    json_decref(lease);
}

static void test_leader__conflict_on_renew_looks_again_and_keeps_leading(void **state)
{
    fixture *f = *state;
    elector *a = add_elector(f, 0, "a", 1);
    assert_true(run_until(f, 2000, elector_leads, a) >= 0);
    run_ms(f, 2 * RETRY_MS);
    rewrite_lease(f, PREFIX, NULL);
    run_ms(f, 5 * RETRY_MS);
    /* The renewal with the old resourceVersion was refused; the elector
     * read the lease again, found it still ours and renewed in time. */
    assert_true(count_writes(f, "PUT", "/apis/coordination.k8s.io/", 409) >= 1);
    assert_int_equal(a->lost[0], 0);
    assert_true(hpac_leader_is_leading(a->leader, 0));
    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(lease, "metadata"), "labels"),
                            "touched")),
                        "yes");
    json_decref(lease);
    assert_clean(f);
}

static void test_leader__lease_taken_by_another_stops_at_once(void **state)
{
    fixture *f = *state;
    elector tmp = {0};
    hpac_leader_config cfg = config(&tmp, 1);
    cfg.lease_duration_ms = 3000;
    cfg.renew_deadline_ms = 2000;
    elector *a = add_elector_cfg(f, 0, "a", cfg);
    assert_true(run_until(f, 2000, elector_leads, a) >= 0);
    rewrite_lease(f, PREFIX, "intruder");
    /* The next renewal conflicts, the look finds another holder: stop
     * now, not at the renew deadline. */
    int64_t took = run_until(f, 3000, elector_not_leading, a);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    assert_true(took < 4 * RETRY_MS);
    /* ... and wait for the intruder's lease to expire before taking it. */
    run_ms(f, 1000);
    assert_int_equal(a->gained[0], 1);
    assert_string_equal(hpac_leader_holder(a->leader, 0), "intruder");
    assert_true(run_until(f, 4000, elector_leads, a) >= 1500);
    assert_int_equal(a->gained[0], 2);
}

static void test_leader__create_conflict_one_winner(void **state)
{
    fixture *f = *state;
    /* Three replicas look at once, see no lease and all create it: the
     * server accepts one create; the others are told it exists. */
    add_elector(f, 0, "a", 1);
    add_elector(f, 1, "b", 1);
    add_elector(f, 2, "c", 1);
    int one = 1;
    assert_true(run_until(f, 2000, anyone_leads, &one) >= 0);
    run_ms(f, 3 * RETRY_MS);
    int gained = f->e[0].gained[0] + f->e[1].gained[0] + f->e[2].gained[0];
    assert_int_equal(gained, 1);
    assert_int_equal(count_writes(f, "POST", "/apis/coordination.k8s.io/", 201), 1);
    assert_clean(f);
}

/* ---- shards ---- */

static void assert_shard_leases(fixture *f, int shards)
{
    char name[64], holder[64];
    for (int s = 0; s < shards; s++)
        assert_true(server_holder(f, lease_name(name, sizeof(name), shards, s), holder,
                                  sizeof(holder)));
    /* And the membership lease. */
    json_t *members = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX "-members");
    assert_non_null(members);
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(members, "metadata"), "annotations"),
        HPAC_LEADER_MEMBERS_ANNOTATION));
    assert_non_null(text);
    json_t *map = json_loads(text, 0, NULL);
    assert_true(json_is_object(map));
    for (int i = 0; i < MAX_ELECTORS; i++) {
        if (f->e[i].leader)
            assert_non_null(json_object_get(map, f->e[i].id));
    }
    json_decref(map);
    json_decref(members);
}

static void test_leader__shards_split_between_replicas_and_move_on_death(void **state)
{
    fixture *f = *state;
    elector *a = add_elector(f, 0, "a", 4);
    /* Alone: it leads every shard. */
    int all_a[MAX_ELECTORS] = {4, -1, -1};
    assert_true(run_until(f, 3000, counts_are, all_a) >= 0);

    /* A second replica joins: the first hands two over. */
    elector *b = add_elector(f, 1, "b", 4);
    int half[MAX_ELECTORS] = {2, 2, -1};
    int64_t took = run_until(f, 4000, counts_are, half);
    print_message("took %lld ms\n", (long long)took);
    if (took < 0)
        fail_msg("no 2/2 split: a leads %d, b leads %d", leading_count(a), leading_count(b));
    assert_shard_leases(f, 4);

    /* Stable: nothing moves any more. */
    int changes_a = 0, changes_b = 0;
    for (int s = 0; s < 4; s++) {
        changes_a += a->gained[s] + a->lost[s];
        changes_b += b->gained[s] + b->lost[s];
    }
    run_ms(f, 3 * LEASE_MS);
    assert_true(counts_are(f, half));
    for (int s = 0; s < 4; s++) {
        changes_a -= a->gained[s] + a->lost[s];
        changes_b -= b->gained[s] + b->lost[s];
    }
    assert_int_equal(changes_a, 0);
    assert_int_equal(changes_b, 0);

    /* The second dies: its shards come back within about a lease
     * duration. */
    kill_elector(b);
    int all_again[MAX_ELECTORS] = {4, -1, -1};
    took = run_until(f, 4 * LEASE_MS, counts_are, all_again);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    assert_in_range(took, LEASE_MS - 2 * RETRY_MS, LEASE_MS + 5 * RETRY_MS);
    assert_clean(f);
}

static void test_leader__replicas_started_together_share(void **state)
{
    fixture *f = *state;
    add_elector(f, 0, "a", 4);
    add_elector(f, 1, "b", 4);
    spread two_each = {2, 2, 4};
    assert_true(run_until(f, 5000, spread_is, &two_each) >= 0);
    run_ms(f, 2 * LEASE_MS);
    assert_true(spread_is(f, &two_each));
    assert_clean(f);
}

static void test_leader__three_replicas_four_shards(void **state)
{
    fixture *f = *state;
    add_elector(f, 0, "a", 4);
    add_elector(f, 1, "b", 4);
    add_elector(f, 2, "c", 4);
    /* Fair: 2/1/1 in some order; nobody idle, nobody with three. */
    spread fair = {1, 2, 4};
    assert_true(run_until(f, 6000, spread_is, &fair) >= 0);
    run_ms(f, 2 * LEASE_MS);
    assert_true(spread_is(f, &fair));
    assert_shard_leases(f, 4);

    /* One releases on shutdown: the other two take its shards over long
     * before its leases would have expired, and stay fair. */
    elector *c = &f->e[2];
    assert_true(leading_count(c) >= 1);
    assert_int_equal(hpac_leader_release(c->leader, on_released, c), 0);
    /* Every shard it led was reported lost before release returned. */
    assert_int_equal(leading_count(c), 0);
    for (int s = 0; s < 4; s++)
        assert_false(c->reported[s]);
    assert_true(run_until(f, 2000, elector_released, c) >= 0);
    kill_elector(c);
    spread two_each = {2, 2, 4};
    int64_t took = run_until(f, 3 * LEASE_MS, spread_is, &two_each);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    /* The membership entry is gone too. */
    json_t *members = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX "-members");
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(members, "metadata"), "annotations"),
        HPAC_LEADER_MEMBERS_ANNOTATION));
    json_t *map = json_loads(text, 0, NULL);
    assert_null(json_object_get(map, "c"));
    assert_non_null(json_object_get(map, "a"));
    json_decref(map);
    json_decref(members);
    assert_clean(f);
}

/* The membership map the server has now; {} when none. New reference. */
static json_t *server_members(fixture *f)
{
    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX "-members");
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(lease, "metadata"), "annotations"),
        HPAC_LEADER_MEMBERS_ANNOTATION));
    json_t *map = text ? json_loads(text, 0, NULL) : NULL;
    json_decref(lease);
    return json_is_object(map) ? map : (json_decref(map), json_object());
}

/* Writes a heartbeat of `identity` into the membership lease, as a
 * replica that runs but never leads would. */
static void beat(fixture *f, const char *identity)
{
    char err[256], now[HPAC_RFC3339_MAX];
    json_t *lease = hpac_sim_get(f->sim, HPAC_SIM_KIND_LEASE, NS, PREFIX "-members");
    if (!lease)
        lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}}", "apiVersion",
                          "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
                          PREFIX "-members", "namespace", NS, "spec");
    json_t *map = server_members(f);
    hpac_time_format_rfc3339_micro(hpac_clock_wall_ms(), now, sizeof(now));
    json_object_set_new(map, identity, json_string(now));
    char *text = json_dumps(map, JSON_COMPACT);
    json_t *meta = json_object_get(lease, "metadata");
    json_object_set_new(meta, "annotations",
                        json_pack("{s:s}", HPAC_LEADER_MEMBERS_ANNOTATION, text));
    if (hpac_sim_put_object(hpac_sim_state_of(f->sim), HPAC_SIM_KIND_LEASE, lease, err,
                            sizeof(err)) != 0)
        fail_msg("hpac_sim_put_object: %s", err);
    free(text);
    json_decref(map);
    json_decref(lease);
}

static void beat_ghost(struct ev_loop *loop, ev_timer *t, int revents)
{
    beat(t->data, "ghost");
}

static bool ghost_gone(fixture *f, const void *arg)
{
    json_t *map = server_members(f);
    bool gone = json_object_get(map, "ghost") == NULL;
    json_decref(map);
    return gone;
}

static int changes_of(const elector *e)
{
    int n = 0;
    for (int s = 0; s < e->shards; s++)
        n += e->gained[s] + e->lost[s];
    return n;
}

static void test_leader__silent_member_counts_until_it_expires(void **state)
{
    fixture *f = *state;
    /* A replica that heartbeated once and died before we started. */
    beat(f, "ghost");
    elector *a = add_elector(f, 0, "a", 4);
    /* Counted as live for a lease duration: a takes its half only. */
    int two[MAX_ELECTORS] = {2, -1, -1};
    assert_true(run_until(f, 3000, counts_are, two) >= 0);
    int64_t half_at = now_ms();
    run_ms(f, LEASE_MS / 4);
    assert_int_equal(leading_count(a), 2);
    /* Then it is gone and a leads everything. */
    int four[MAX_ELECTORS] = {4, -1, -1};
    int64_t took = run_until(f, 3 * LEASE_MS, counts_are, four);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    assert_in_range(now_ms() - half_at, LEASE_MS / 2, LEASE_MS + 4 * RETRY_MS);
    /* Silent for HPAC_LEADER_MEMBER_GC_LEASES lease durations: dropped. */
    took = run_until(f, (HPAC_LEADER_MEMBER_GC_LEASES + 2) * LEASE_MS, ghost_gone, NULL);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= 0);
    json_t *map = server_members(f);
    assert_non_null(json_object_get(map, "a"));
    json_decref(map);
    assert_clean(f);
}

static void test_leader__orphaned_shards_taken_whatever_the_quota(void **state)
{
    fixture *f = *state;
    /* A replica that heartbeats but never takes a shard. */
    ev_timer ghost;
    ev_timer_init(&ghost, beat_ghost, 0.0, 0.05);
    ghost.data = f;
    ev_timer_start(f->loop, &ghost);
    run_ms(f, 100);
    elector *a = add_elector(f, 0, "a", 4);
    int two[MAX_ELECTORS] = {2, -1, -1};
    assert_true(run_until(f, 3000, counts_are, two) >= 0);
    /* Nobody takes the other two: after a lease duration they are
     * orphans and a takes them although its share is two. */
    int four[MAX_ELECTORS] = {4, -1, -1};
    int64_t took = run_until(f, 3 * LEASE_MS, counts_are, four);
    print_message("took %lld ms\n", (long long)took);
    assert_true(took >= LEASE_MS - 2 * RETRY_MS);
    /* Rebalancing hands two to the ghost, which does not take them; they
     * come back as orphans, and a stops handing shards over. */
    run_ms(f, 3 * LEASE_MS);
    int lost = 0;
    for (int s = 0; s < 4; s++)
        lost += a->lost[s];
    assert_true(lost >= 2);
    assert_true(run_until(f, 2 * LEASE_MS, counts_are, four) >= 0);
    int before = changes_of(a);
    run_ms(f, 4 * LEASE_MS);
    assert_int_equal(changes_of(a), before);
    assert_int_equal(leading_count(a), 4);
    ev_timer_stop(f->loop, &ghost);
    assert_clean(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leader__shard_of_is_fnv1a_mod_shards),
        cmocka_unit_test_setup_teardown(test_leader__invalid_config_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__single_replica_acquires_and_renews, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leader__two_replicas_one_leader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__killed_leader_taken_over_after_lease_duration,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__release_hands_over_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__release_without_leases_completes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leader__renew_failure_stops_within_deadline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_leader__conflict_on_renew_looks_again_and_keeps_leading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__lease_taken_by_another_stops_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leader__create_conflict_one_winner, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_leader__shards_split_between_replicas_and_move_on_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__replicas_started_together_share, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leader__three_replicas_four_shards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader__silent_member_counts_until_it_expires, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leader__orphaned_shards_taken_whatever_the_quota,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
