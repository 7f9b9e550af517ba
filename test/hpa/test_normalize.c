/* The normalizer against upstream's history-dependent vectors
 * (stabilization windows, policy periods, event bookkeeping), on a
 * virtual clock. */
#include "test_support.h"

#include "hpa/normalize.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1000000000000LL /* an arbitrary instant, in ms */
#define S(x) ((int64_t)(x) * 1000)
#define M(x) ((int64_t)(x) * 60 * 1000)
#define MAX_ITEMS 8

typedef struct rec {
    int32_t replicas;
    int64_t age_ms;
} rec;

static void load_recs(hpac_history *h, const rec *recs, size_t n)
{
    memset(h, 0, sizeof(*h));
    h->started = true;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(hpac_history_add_recommendation(h, recs[i].replicas,
                                                         NOW - recs[i].age_ms),
                         0);
}

static void assert_recs(const hpac_history *h, const int32_t *want, size_t n)
{
    assert_int_equal(h->recommendation_count, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(h->recommendations[i].replicas, want[i]);
}

/* ---- TestNormalizeDesiredReplicas (legacy, 5 min window) ------------ */

typedef struct legacy_case {
    const char *name;
    rec history[MAX_ITEMS];
    size_t history_count;
    int32_t desired, expect;
    size_t history_after;
} legacy_case;

static const legacy_case legacy_cases[] = {
    {"empty log", {{0}}, 0, 5, 5, 1},
    {"stabilize", {{4, M(2)}, {5, M(1)}}, 2, 3, 5, 3},
    {"no stabilize", {{1, M(2)}, {2, M(1)}}, 2, 3, 3, 3},
    {"no stabilize - old recommendations", {{10, M(10)}, {9, M(9)}}, 2, 3, 3, 2},
    {"stabilize - old recommendations", {{10, M(10)}, {4, M(1)}, {5, M(2)}, {9, M(9)}}, 4, 3, 5,
     4},
};

static void test_normalize__legacy_stabilization(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(legacy_cases) / sizeof(legacy_cases[0]); i++) {
        const legacy_case *c = &legacy_cases[i];
        hpac_history h;
        load_recs(&h, c->history, c->history_count);
        int32_t got = hpac_stabilize_legacy(&h, c->desired, M(5), NOW);
        if (got != c->expect || h.recommendation_count != c->history_after)
            fail_msg("%s: got %d with %zu records, want %d with %zu", c->name, got,
                     h.recommendation_count, c->expect, c->history_after);
        hpac_history_clear(&h);
    }
}

/* ---- TestNormalizeDesiredReplicasWithBehavior ----------------------- */

typedef struct behavior_case {
    const char *name;
    rec history[MAX_ITEMS];
    size_t history_count;
    int32_t current, desired;
    int32_t up_window, down_window;
    int32_t expect;
    int32_t after[MAX_ITEMS];
    size_t after_count; /* 0: not checked */
} behavior_case;

static const behavior_case behavior_cases[] = {
    {"empty recommendations for scaling down", {{0}}, 0, 100, 5, 0, 0, 5, {5}, 1},
    {"simple scale down stabilization", {{4, M(2)}, {5, M(1)}}, 2, 100, 3, 0, 180, 5, {4, 5, 3}, 3},
    {"simple scale up stabilization", {{4, M(2)}, {5, M(1)}}, 2, 1, 7, 300, 0, 4, {4, 5, 7}, 3},
    {"no scale down stabilization", {{1, M(2)}, {2, M(1)}}, 2, 100, 3, 300, 0, 3, {1, 2, 3}, 3},
    {"no scale up stabilization", {{4, M(2)}, {5, M(1)}}, 2, 1, 3, 0, 300, 3, {4, 5, 3}, 3},
    {"no scale down stabilization, reuse recommendation element",
     {{10, M(10)}, {9, M(9)}}, 2, 100, 3, 0, 0, 3, {10, 3}, 2},
    {"no scale up stabilization, reuse recommendation element",
     {{10, M(10)}, {9, M(9)}}, 2, 1, 100, 0, 0, 100, {10, 100}, 2},
    {"scale down stabilization, reuse recommendation element",
     {{10, M(10)}, {4, M(1)}, {5, M(2)}, {9, M(9)}}, 4, 100, 3, 0, 180, 5, {10, 4, 5, 3}, 4},
    {"scale up stabilization, reuse recommendation element",
     {{10, M(100)}, {6, M(1)}, {5, M(2)}, {9, M(3)}}, 4, 1, 100, 300, 0, 5, {100, 6, 5, 9}, 4},
    {"scale up and down stabilization, recommendation goes down",
     {{2, M(100)}, {3, M(3)}}, 2, 2, 1, 300, 300, 2, {0}, 0},
    {"scale up and down stabilization, recommendation goes up",
     {{2, M(100)}, {1, M(3)}}, 2, 2, 3, 300, 300, 2, {0}, 0},
};

static void test_normalize__behavior_stabilization(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(behavior_cases) / sizeof(behavior_cases[0]); i++) {
        const behavior_case *c = &behavior_cases[i];
        hpac_history h;
        load_recs(&h, c->history, c->history_count);
        const char *reason = NULL;
        int32_t got = hpac_stabilize_with_behavior(&h, c->up_window, c->down_window, c->current,
                                                   c->desired, NOW, &reason);
        if (got != c->expect)
            fail_msg("%s: got %d, want %d", c->name, got, c->expect);
        if (c->after_count)
            assert_recs(&h, c->after, c->after_count);
        assert_string_equal(reason, c->desired >= c->current ? "ScaleUpStabilized"
                                                             : "ScaleDownStabilized");
        hpac_history_clear(&h);
    }
}

/* ---- TestScalingWithRules with prior scale events --------------------- */

typedef struct policy_spec {
    hpac_policy_type type;
    int32_t value, period;
} policy_spec;

typedef struct rules_case {
    const char *name;
    bool up_events_given, down_events_given;
    int32_t ups[MAX_ITEMS];
    size_t up_count;
    int64_t up_ages[MAX_ITEMS]; /* explicit ages; 0 = uniform over 120 s */
    int32_t downs[MAX_ITEMS];
    size_t down_count;
    int64_t down_ages[MAX_ITEMS];
    int32_t current, desired, min, max;
    bool scale_up_rules; /* rules apply to scale up (else down) */
    policy_spec policies[2];
    size_t policy_count;
    bool default_policy;
    int32_t expect;
    const char *reason;
} rules_case;

/* Upstream's generateEventsUniformDistribution over 120 s. */
static void uniform_events(hpac_history *h, bool up, const int32_t *changes, size_t n,
                           const int64_t *ages)
{
    double segment = 120.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        int64_t age_s = ages[i] ? ages[i] / 1000
                                : (int64_t)(120.0 - segment * (double)(i + 1) + segment / 2.0);
        assert_int_equal(hpac_history_add_scale_event(h, up, changes[i], NOW - S(age_s)), 0);
    }
}

static const rules_case rules_cases[] = {
    {"scaleUp with spec MaxReplicas limitation with large pod policy and events", true, false,
     {1, 5, 9}, 3, {0}, {0}, 0, {0}, 100, 500, 1, 200, true, {{HPAC_POLICY_PODS, 300, 60}}, 1,
     false, 200, "TooManyReplicas"},
    {"scaleUp with spec MaxReplicas limitation with large percent policy and events", true, false,
     {1, 5, 9}, 3, {0}, {0}, 0, {0}, 100, 500, 1, 200, true,
     {{HPAC_POLICY_PERCENT, 10000, 60}}, 1, false, 200, "TooManyReplicas"},
    {"scaleUp with pod policy limitation with too many scale up events", true, false, {1, 5, 9},
     3, {0}, {0}, 0, {0}, 100, 500, 1, 1000, true, {{HPAC_POLICY_PODS, 5, 120}}, 1, false, 100,
     "ScaleUpLimit"},
    {"scaleUp with pod policy and previous scale up events", true, false, {1, 5, 9}, 3, {0}, {0},
     0, {0}, 100, 500, 1, 1000, true, {{HPAC_POLICY_PODS, 150, 120}}, 1, false, 235,
     "ScaleUpLimit"},
    {"scaleUp with percent policy and previous scale up events", true, false, {1, 5, 9}, 3, {0},
     {0}, 0, {0}, 100, 500, 1, 1000, true, {{HPAC_POLICY_PERCENT, 200, 120}}, 1, false, 255,
     "ScaleUpLimit"},
    {"scaleUp with percent policy and previous scale up and down events", true, true, {4}, 1,
     {S(60)}, {2}, 1, {S(60)}, 6, 24, 1, 1000, true, {{HPAC_POLICY_PERCENT, 300, 300}}, 1, false,
     16, "ScaleUpLimit"},
    {"scaleDown with default policy and previous events", false, true, {0}, 0, {0}, {1, 5, 9}, 3,
     {0}, 10, 5, 1, 1000, false, {{0}}, 0, true, 5, "DesiredWithinRange"},
    {"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
     false, true, {0}, 0, {0}, {1, 5, 9}, 3, {0}, 100, 0, 1, 1000, false,
     {{HPAC_POLICY_PODS, 115, 120}}, 1, false, 1, "TooFewReplicas"},
    {"scaleDown with spec MinReplicas limitation with large pod policy and previous events", false,
     true, {0}, 0, {0}, {1, 5, 9}, 3, {0}, 100, 0, 5, 1000, false, {{HPAC_POLICY_PODS, 130, 120}},
     1, false, 5, "TooFewReplicas"},
    {"scaleDown with spec MinReplicas limitation with large percent policy and previous events",
     false, true, {0}, 0, {0}, {1, 5, 9}, 3, {0}, 100, 2, 5, 1000, false,
     {{HPAC_POLICY_PERCENT, 100, 120}}, 1, false, 5, "TooFewReplicas"},
    {"scaleDown with pod policy limitation and previous events", false, true, {0}, 0, {0},
     {1, 5, 9}, 3, {0}, 100, 2, 1, 1000, false, {{HPAC_POLICY_PODS, 5, 120}}, 1, false, 100,
     "ScaleDownLimit"},
    {"scaleDown with percent policy limitation and previous events", false, true, {0}, 0, {0},
     {2, 4, 6}, 3, {0}, 100, 0, 1, 1000, false, {{HPAC_POLICY_PERCENT, 50, 120}}, 1, false, 56,
     "ScaleDownLimit"},
    {"scaleDown with percent policy and previous scale up and down events", true, true, {2}, 1,
     {S(60)}, {4}, 1, {S(60)}, 10, 1, 1, 1000, false, {{HPAC_POLICY_PERCENT, 50, 180}}, 1, false,
     6, "ScaleDownLimit"},
    {"scaleDown with previous events preventing further scale down", false, true, {0}, 0, {0},
     {10, 10, 10}, 3, {0}, 100, 0, 1, 1000, false, {{HPAC_POLICY_PERCENT, 10, 120}}, 1, false,
     100, "ScaleDownLimit"},
    {"scaleDown with previous events still allowing more scale down", false, true, {0}, 0, {0},
     {10, 10, 10}, 3, {0}, 10, 5, 1, 1000, false, {{HPAC_POLICY_PERCENT, 1000, 120}}, 1, false, 5,
     "DesiredWithinRange"},
    {"scaleUp with 'outdated' flag in events - one policy", true, false, {8, 12, 9, 11}, 4, {0},
     {0}, 0, {0}, 100, 200, 1, 1000, true, {{HPAC_POLICY_PODS, 1000, 60}}, 1, false, 200,
     "DesiredWithinRange"},
    {"scaleUp with not 'outdated' flag in events - two policies", true, false, {8, 12, 9, 11}, 4,
     {0}, {0}, 0, {0}, 100, 200, 1, 1000, true,
     {{HPAC_POLICY_PODS, 1000, 120}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, false, 200,
     "DesiredWithinRange"},
    {"scaleUp with 'outdated' flag in events - two policies", true, false, {8, 12, 9, 11}, 4, {0},
     {0}, 0, {0}, 100, 200, 1, 1000, true,
     {{HPAC_POLICY_PODS, 1000, 30}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, false, 200,
     "DesiredWithinRange"},
    {"scaleDown with 'outdated' flag in events - one policy", false, true, {0}, 0, {0},
     {8, 12, 9, 11}, 4, {0}, 100, 5, 1, 1000, false, {{HPAC_POLICY_PODS, 1000, 60}}, 1, false, 5,
     "DesiredWithinRange"},
    {"scaleDown with not 'outdated' flag in events - two policies", false, true, {0}, 0, {0},
     {8, 12, 9, 11}, 4, {0}, 100, 5, 1, 1000, false,
     {{HPAC_POLICY_PODS, 1000, 120}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, false, 5,
     "DesiredWithinRange"},
    {"scaleDown with 'outdated' flag in events - two policies", false, true, {0}, 0, {0},
     {8, 12, 9, 11}, 4, {0}, 100, 5, 1, 1000, false,
     {{HPAC_POLICY_PODS, 1000, 30}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, false, 5,
     "DesiredWithinRange"},
};

static void make_rules(hpac_scaling_rules *r, const policy_spec *policies, size_t n)
{
    r->policies = calloc(n ? n : 1, sizeof(*r->policies));
    assert_non_null(r->policies);
    for (size_t i = 0; i < n; i++)
        r->policies[i] = (hpac_scaling_policy){policies[i].type, policies[i].value,
                                               policies[i].period};
    r->policy_count = n;
    r->select_policy = HPAC_SELECT_MAX;
    r->has_stabilization_window = true;
    r->stabilization_window_seconds = 0;
}

static void test_normalize__scaling_rules_with_events(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rules_cases) / sizeof(rules_cases[0]); i++) {
        const rules_case *c = &rules_cases[i];
        hpac_behavior behavior;
        hpac_behavior_defaults(&behavior);
        behavior.scale_up.has_stabilization_window = true;
        behavior.scale_up.stabilization_window_seconds = 0;
        behavior.scale_down.has_stabilization_window = true;
        behavior.scale_down.stabilization_window_seconds = 0;
        if (!c->default_policy) {
            hpac_scaling_rules *r = c->scale_up_rules ? &behavior.scale_up : &behavior.scale_down;
            free(r->policies);
            make_rules(r, c->policies, c->policy_count);
        }
        hpac_history h = {.started = true};
        if (c->up_events_given)
            uniform_events(&h, true, c->ups, c->up_count, c->up_ages);
        if (c->down_events_given)
            uniform_events(&h, false, c->downs, c->down_count, c->down_ages);

        hpac_normalize_args args = {.behavior = &behavior,
                                    .min_replicas = c->min,
                                    .max_replicas = c->max,
                                    .current_replicas = c->current,
                                    .desired_replicas = c->desired,
                                    .downscale_stabilization_ms = 0,
                                    .now_ms = NOW};
        hpac_normalize_result r;
        assert_int_equal(hpac_normalize(&args, &h, &r), 0);
        if (r.replicas != c->expect || strcmp(r.limited_reason, c->reason) != 0)
            fail_msg("%s: got %d %s, want %d %s", c->name, r.replicas, r.limited_reason,
                     c->expect, c->reason);
        assert_int_equal(r.limited, strcmp(c->reason, "DesiredWithinRange") != 0);
        assert_string_equal(r.able_reason, "ReadyForNewScale");
        hpac_history_clear(&h);
        hpac_behavior_clear(&behavior);
    }
}

/* ---- TestStoreScaleEvents ------------------------------------------ */

typedef struct store_case {
    const char *name;
    int32_t prior[MAX_ITEMS];
    int64_t prior_ages[MAX_ITEMS];
    size_t prior_count;
    bool behavior;
    policy_spec policies[2];
    size_t policy_count;
    int32_t changed_in_60s;
    int32_t stored[MAX_ITEMS];
    bool outdated[MAX_ITEMS];
    size_t stored_count;
} store_case;

static const store_case store_cases[] = {
    {"empty entries with default behavior", {0}, {0}, 0, false, {{0}}, 0, 0, {0}, {0}, 0},
    {"empty entries with two-policy-behavior", {0}, {0}, 0, true,
     {{HPAC_POLICY_PODS, 10, 60}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, 0, {5}, {false}, 1},
    {"one outdated entry to be kept untouched without behavior", {7}, {S(61)}, 1, false, {{0}}, 0,
     0, {7}, {false}, 1},
    {"one outdated entry to be replaced with behavior", {7}, {S(61)}, 1, true,
     {{HPAC_POLICY_PODS, 10, 60}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, 0, {5}, {false}, 1},
    {"one actual entry to be not touched with behavior", {7}, {S(58)}, 1, true,
     {{HPAC_POLICY_PODS, 10, 60}, {HPAC_POLICY_PERCENT, 100, 60}}, 2, 7, {7, 5}, {false, false},
     2},
    {"two entries, one of them to be replaced", {7, 6}, {S(61), S(59)}, 2, true,
     {{HPAC_POLICY_PODS, 10, 60}}, 1, 6, {5, 6}, {false, false}, 2},
    {"replace one entry, use policies with different periods", {8, 6, 7, 9},
     {S(29), S(59), S(61), S(61)}, 4, true,
     {{HPAC_POLICY_PODS, 10, 60}, {HPAC_POLICY_PERCENT, 100, 30}}, 2, 14, {8, 6, 7, 5},
     {false, false, true, false}, 4},
    {"two entries, both actual", {7, 6}, {S(58), S(59)}, 2, true,
     {{HPAC_POLICY_PODS, 10, 120}, {HPAC_POLICY_PERCENT, 100, 30}}, 2, 13, {7, 6, 5},
     {false, false, false}, 3},
};

static void test_normalize__store_scale_events(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(store_cases) / sizeof(store_cases[0]); i++) {
        const store_case *c = &store_cases[i];
        for (int direction = 0; direction < 2; direction++) {
            bool up = direction == 0;
            hpac_behavior behavior;
            hpac_behavior_defaults(&behavior);
            free(behavior.scale_up.policies);
            free(behavior.scale_down.policies);
            make_rules(&behavior.scale_up, c->policies, c->policy_count);
            make_rules(&behavior.scale_down, c->policies, c->policy_count);
            hpac_history h = {.started = true};
            for (size_t k = 0; k < c->prior_count; k++)
                assert_int_equal(hpac_history_add_scale_event(&h, up, c->prior[k],
                                                              NOW - c->prior_ages[k]),
                                 0);
            const hpac_scale_event *events = up ? h.scale_ups : h.scale_downs;
            size_t count = up ? h.scale_up_count : h.scale_down_count;
            assert_int_equal(hpac_replicas_changed_in_period(events, count, 60, NOW),
                             c->changed_in_60s);
            assert_int_equal(hpac_store_scale_event(&h, c->behavior ? &behavior : NULL, 10,
                                                    up ? 15 : 5, NOW),
                             0);
            events = up ? h.scale_ups : h.scale_downs;
            count = up ? h.scale_up_count : h.scale_down_count;
            if (count != c->stored_count)
                fail_msg("%s (%s): %zu events stored, want %zu", c->name, up ? "up" : "down",
                         count, c->stored_count);
            for (size_t k = 0; k < count; k++) {
                assert_int_equal(events[k].change, c->stored[k]);
                assert_int_equal(events[k].outdated, c->outdated[k]);
            }
            /* The other direction is untouched. */
            assert_int_equal(up ? h.scale_down_count : h.scale_up_count, 0);
            hpac_history_clear(&h);
            hpac_behavior_clear(&behavior);
        }
    }
}

/* Time-stepped form: a +6 event 59 s ago under Pods 10/60 allows +4 more. */
static void test_normalize__policy_budget_is_consumed_by_recent_events(void **state)
{
    (void)state;
    hpac_behavior behavior;
    hpac_behavior_defaults(&behavior);
    free(behavior.scale_up.policies);
    policy_spec pods = {HPAC_POLICY_PODS, 10, 60};
    make_rules(&behavior.scale_up, &pods, 1);
    hpac_history h = {.started = true};
    assert_int_equal(hpac_store_scale_event(&h, &behavior, 10, 16, NOW - S(59)), 0);
    assert_int_equal(hpac_scale_up_limit(16, &h, &behavior.scale_up, NOW), 20);
    /* Two seconds later the event has left the period. */
    assert_int_equal(hpac_scale_up_limit(16, &h, &behavior.scale_up, NOW + S(2)), 26);
    hpac_history_clear(&h);
    hpac_behavior_clear(&behavior);
}

/* ---- legacy clamping -------------------------------------------------- */

typedef struct legacy_limit_case {
    int32_t current, desired, min, max, expect;
    const char *reason;
} legacy_limit_case;

static const legacy_limit_case legacy_limit_cases[] = {
    {5, 7, 3, 8, 7, "DesiredWithinRange"},  {3, 21, 1, 5, 5, "TooManyReplicas"},
    {3, 1, 2, 6, 2, "TooFewReplicas"},      {1, 10, 1, 100, 4, "ScaleUpLimit"},
    {3, 10, 1, 100, 6, "ScaleUpLimit"},     {3, 10, 1, 5, 5, "TooManyReplicas"},
    {10, 25, 1, 100, 20, "ScaleUpLimit"},   {0, 0, 0, 10, 0, "DesiredWithinRange"},
    {2, 4, 1, 4, 4, "DesiredWithinRange"},  {100, 300, 1, 150, 150, "TooManyReplicas"},
};

static void test_normalize__legacy_limits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(legacy_limit_cases) / sizeof(legacy_limit_cases[0]); i++) {
        const legacy_limit_case *c = &legacy_limit_cases[i];
        hpac_history h = {.started = true};
        hpac_normalize_args args = {.min_replicas = c->min,
                                    .max_replicas = c->max,
                                    .current_replicas = c->current,
                                    .desired_replicas = c->desired,
                                    .downscale_stabilization_ms = 0,
                                    .now_ms = NOW};
        hpac_normalize_result r;
        assert_int_equal(hpac_normalize(&args, &h, &r), 0);
        if (r.replicas != c->expect || strcmp(r.limited_reason, c->reason) != 0)
            fail_msg("case %zu: got %d %s, want %d %s", i, r.replicas, r.limited_reason,
                     c->expect, c->reason);
        hpac_history_clear(&h);
    }
}

/* A fresh window holds the initial size: upstream TestStabilizeDownscale. */
static void test_normalize__stabilize_downscale_controller_vector(void **state)
{
    (void)state;
    hpac_history h = {.started = true};
    assert_int_equal(hpac_history_add_recommendation(&h, 10, NOW - M(10)), 0);
    assert_int_equal(hpac_history_add_recommendation(&h, 4, NOW - M(1)), 0);
    hpac_normalize_args args = {.min_replicas = 1,
                                .max_replicas = 5,
                                .current_replicas = 4,
                                .desired_replicas = 2,
                                .downscale_stabilization_ms = M(5),
                                .now_ms = NOW};
    hpac_normalize_result r;
    assert_int_equal(hpac_normalize(&args, &h, &r), 0);
    assert_int_equal(r.replicas, 4);
    assert_string_equal(r.able_reason, "ScaleDownStabilized");
    assert_string_equal(r.limited_reason, "DesiredWithinRange");
    assert_false(r.limited);
    hpac_history_clear(&h);
}

/* selectPolicy: Min picks the smallest change, Disabled none. */
static void test_normalize__select_policy(void **state)
{
    (void)state;
    policy_spec up_policies[] = {{HPAC_POLICY_PODS, 2, 60}, {HPAC_POLICY_PERCENT, 50, 60}};
    hpac_scaling_rules rules = {0};
    make_rules(&rules, up_policies, 2);
    hpac_history h = {.started = true};
    rules.select_policy = HPAC_SELECT_MAX;
    assert_int_equal(hpac_scale_up_limit(10, &h, &rules, NOW), 15);
    rules.select_policy = HPAC_SELECT_MIN;
    assert_int_equal(hpac_scale_up_limit(10, &h, &rules, NOW), 12);
    rules.select_policy = HPAC_SELECT_DISABLED;
    assert_int_equal(hpac_scale_up_limit(10, &h, &rules, NOW), 10);
    rules.select_policy = HPAC_SELECT_MAX;
    assert_int_equal(hpac_scale_down_limit(10, &h, &rules, NOW), 5);
    rules.select_policy = HPAC_SELECT_MIN;
    assert_int_equal(hpac_scale_down_limit(10, &h, &rules, NOW), 8);
    rules.select_policy = HPAC_SELECT_DISABLED;
    assert_int_equal(hpac_scale_down_limit(10, &h, &rules, NOW), 10);
    free(rules.policies);
}

/* Huge policies never overflow into nonsense. */
static void test_normalize__extreme_policies_saturate(void **state)
{
    (void)state;
    policy_spec huge[] = {{HPAC_POLICY_PERCENT, INT32_MAX, 15}, {HPAC_POLICY_PODS, INT32_MAX, 15}};
    hpac_scaling_rules rules = {0};
    make_rules(&rules, huge, 2);
    hpac_history h = {.started = true};
    assert_int_equal(hpac_scale_up_limit(INT32_MAX - 1, &h, &rules, NOW), INT32_MAX);
    assert_true(hpac_scale_down_limit(10, &h, &rules, NOW) < 0);
    free(rules.policies);
    assert_int_equal(hpac_legacy_scale_up_limit(INT32_MAX), INT32_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize__legacy_stabilization),
        cmocka_unit_test(test_normalize__behavior_stabilization),
        cmocka_unit_test(test_normalize__scaling_rules_with_events),
        cmocka_unit_test(test_normalize__store_scale_events),
        cmocka_unit_test(test_normalize__policy_budget_is_consumed_by_recent_events),
        cmocka_unit_test(test_normalize__legacy_limits),
        cmocka_unit_test(test_normalize__stabilize_downscale_controller_vector),
        cmocka_unit_test(test_normalize__select_policy),
        cmocka_unit_test(test_normalize__extreme_policies_saturate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
