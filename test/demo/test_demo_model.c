/* The demo's workload model, pure parts: the load profile, the split of
 * the load over ready pods, the metrics lag window, pod start-up and the
 * order in which a scale-down removes pods. */
#include "test_support.h"

#include "demo/model.h"
#include "demo/profile.h"

#include <math.h>
#include <string.h>

/* Doubles compared as doubles (cmocka's float check narrows to float). */
#define assert_near(a, b) assert_near_at((a), (b), #a, __LINE__)

static void assert_near_at(double a, double b, const char *what, int line)
{
    if (!(fabs(a - b) <= 1e-9))
        fail_msg("line %d: %s is %.12g, expected %.12g", line, what, a, b);
}

static const hpac_demo_profile PROFILE = {
    .quiet_ms = 4000,
    .ramp_ms = 2000,
    .spike_ms = 10000,
    .plateau_ms = 8000,
    .drop_ms = 6000,
    .quiet_load = 0.5,
    .spike_load = 3.5,
    .plateau_load = 2.0,
    .drop_load = 0.4,
};

/* ---- profile ------------------------------------------------------------------- */

static void test_demo__profile_phases_and_loads(void **state)
{
    (void)state;
    /* At 5000 the ramp from 0.5 to 3.5 is half-way up. */
    static const struct {
        int64_t t_ms;
        hpac_demo_phase phase;
        double load;
    } cases[] = {
        {-500, HPAC_DEMO_QUIET, 0.5},    {0, HPAC_DEMO_QUIET, 0.5},
        {3999, HPAC_DEMO_QUIET, 0.5},    {4000, HPAC_DEMO_SPIKE, 0.5},
        {5000, HPAC_DEMO_SPIKE, 2.0},    {6000, HPAC_DEMO_SPIKE, 3.5},
        {15999, HPAC_DEMO_SPIKE, 3.5},   {16000, HPAC_DEMO_PLATEAU, 2.0},
        {23999, HPAC_DEMO_PLATEAU, 2.0}, {24000, HPAC_DEMO_DROP, 0.4},
        {29999, HPAC_DEMO_DROP, 0.4},    {30000, HPAC_DEMO_END, 0.4},
        {90000, HPAC_DEMO_END, 0.4},
    };
    assert_int_equal(hpac_demo_profile_duration_ms(&PROFILE), 30000);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hpac_demo_phase phase = hpac_demo_profile_phase(&PROFILE, cases[i].t_ms);
        double load = hpac_demo_profile_load(&PROFILE, cases[i].t_ms);
        if (phase != cases[i].phase || fabs(load - cases[i].load) > 1e-9)
            fail_msg("t=%lldms: phase %s load %.4f, expected %s %.4f", (long long)cases[i].t_ms,
                     hpac_demo_phase_name(phase), load, hpac_demo_phase_name(cases[i].phase),
                     cases[i].load);
    }
    assert_string_equal(hpac_demo_phase_name(HPAC_DEMO_PLATEAU), "plateau");
}

static void test_demo__profile_ripple_is_bounded_and_repeatable(void **state)
{
    (void)state;
    hpac_demo_profile p = PROFILE;
    p.wobble = 0.05;
    bool moved = false;
    for (int64_t t = 0; t < 30000; t += 125) {
        double flat = hpac_demo_profile_load(&PROFILE, t);
        double rippled = hpac_demo_profile_load(&p, t);
        assert_true(rippled >= flat * 0.95 - 1e-9);
        assert_true(rippled <= flat * 1.05 + 1e-9);
        assert_true(rippled == hpac_demo_profile_load(&p, t));
        moved = moved || fabs(rippled - flat) > 0.01 * flat;
    }
    assert_true(moved);
}

static void test_demo__profile_check_rejects_nonsense(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(hpac_demo_profile_check(&PROFILE, err, sizeof(err)), 0);
    hpac_demo_profile p = PROFILE;
    p.plateau_ms = -1;
    assert_int_equal(hpac_demo_profile_check(&p, err, sizeof(err)), -1);
    p = PROFILE;
    p.spike_load = NAN;
    assert_int_equal(hpac_demo_profile_check(&p, err, sizeof(err)), -1);
    p = PROFILE;
    p.wobble = 1.0;
    assert_int_equal(hpac_demo_profile_check(&p, err, sizeof(err)), -1);
    memset(&p, 0, sizeof(p));
    assert_int_equal(hpac_demo_profile_check(&p, err, sizeof(err)), -1);
}

/* ---- the split over ready pods ---------------------------------------------------- */

static void test_demo__share_splits_evenly_up_to_the_cap(void **state)
{
    (void)state;
    static const struct {
        double load;
        size_t ready;
        double cap;
        double share;
    } cases[] = {
        {3.0, 4, 1.0, 0.75}, {3.0, 2, 1.0, 1.0}, /* saturated: 1 core each */
        {3.0, 0, 1.0, 0.0},  {0.0, 5, 1.0, 0.0}, {1.2, 12, 2.0, 0.1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_near(hpac_demo_share(cases[i].load, cases[i].ready, cases[i].cap), cases[i].share);
}

/* ---- the lag window -------------------------------------------------------------------- */

static void test_demo__lag_is_a_time_weighted_window_mean(void **state)
{
    (void)state;
    hpac_demo_lag l;
    hpac_demo_lag_init(&l, 3000);
    assert_near(hpac_demo_lag_mean(&l, 1000), 0.0);
    hpac_demo_lag_push(&l, 0, 1.0);
    /* A young series: the mean over its life. */
    assert_near(hpac_demo_lag_mean(&l, 0), 1.0);
    assert_near(hpac_demo_lag_mean(&l, 1000), 1.0);
    hpac_demo_lag_push(&l, 1000, 3.0);
    /* [0,1000) at 1, [1000,2000] at 3. */
    assert_near(hpac_demo_lag_mean(&l, 2000), 2.0);
    /* Window [1000,4000]: all 3. */
    assert_near(hpac_demo_lag_mean(&l, 4000), 3.0);
    hpac_demo_lag_push(&l, 4000, 0.0);
    /* Window [2500,5500]: 1.5s at 3, 1.5s at 0. */
    assert_near(hpac_demo_lag_mean(&l, 5500), 1.5);
    /* The oldest sample has left the window. */
    assert_int_equal(l.count, 2);
    /* A sample at the same time replaces the last one. */
    hpac_demo_lag_push(&l, 4000, 6.0);
    assert_near(hpac_demo_lag_mean(&l, 5500), 4.5);
}

static void test_demo__lag_keeps_a_bounded_ring(void **state)
{
    (void)state;
    hpac_demo_lag l;
    /* A window far longer than the ring holds at this rate. */
    hpac_demo_lag_init(&l, 1000000);
    for (int64_t t = 0; t < 10 * HPAC_DEMO_LAG_SAMPLES; t++)
        hpac_demo_lag_push(&l, t * 10, (double)t);
    assert_int_equal(l.count, HPAC_DEMO_LAG_SAMPLES);
    /* The mean covers the samples kept: the last 64 values. */
    int64_t last = 10 * HPAC_DEMO_LAG_SAMPLES - 1;
    double expected = (double)last - (HPAC_DEMO_LAG_SAMPLES - 1) / 2.0;
    /* Each held 10ms except the last one, which holds 10ms up to now. */
    assert_near(hpac_demo_lag_mean(&l, last * 10 + 10), expected);
}

/* ---- pods ------------------------------------------------------------------------------ */

typedef struct hook_log {
    char added[32][HPAC_DEMO_POD_NAME_MAX];
    size_t added_count;
    char ready[32][HPAC_DEMO_POD_NAME_MAX];
    size_t ready_count;
    char removed[32][HPAC_DEMO_POD_NAME_MAX];
    size_t removed_count;
    bool fail_adds;
} hook_log;

static int record(char (*list)[HPAC_DEMO_POD_NAME_MAX], size_t *count, const hpac_demo_pod *pod)
{
    assert_true(*count < 32);
    strcpy(list[(*count)++], pod->name);
    return 0;
}

static int on_added(void *ctx, const hpac_demo_pod *pod)
{
    hook_log *h = ctx;
    record(h->added, &h->added_count, pod);
    return h->fail_adds ? -1 : 0;
}

static int on_ready(void *ctx, const hpac_demo_pod *pod)
{
    hook_log *h = ctx;
    return record(h->ready, &h->ready_count, pod);
}

static int on_removed(void *ctx, const hpac_demo_pod *pod)
{
    hook_log *h = ctx;
    return record(h->removed, &h->removed_count, pod);
}

static const hpac_demo_pod *find_pod(const hpac_demo_model *m, const char *name)
{
    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->pods[i].name, name) == 0)
            return &m->pods[i];
    }
    return NULL;
}

static void test_demo__new_pods_serve_after_startup(void **state)
{
    (void)state;
    hook_log h = {0};
    hpac_demo_hooks hooks = {on_added, on_ready, on_removed, &h};
    hpac_demo_model m;
    hpac_demo_model_init(&m, "web-abc", 3000, 2000, 1.0);
    assert_int_equal(hpac_demo_model_seed(&m, 2, 1.0, 0, &hooks), 0);
    assert_int_equal(h.added_count, 2);
    assert_int_equal(h.ready_count, 0); /* seeded pods are ready from the start */
    /* Seeded pods report the seed load over a full window already. */
    assert_near(hpac_demo_pod_reported(&m.pods[0], 0), 0.5);
    assert_non_null(strstr(m.pods[0].name, "web-abc-"));
    assert_string_not_equal(m.pods[0].name, m.pods[1].name);

    hpac_demo_model_step(&m, 0, 1.6, &hooks);
    assert_int_equal(m.ready_count, 2);
    assert_near(m.served, 1.6);
    assert_int_equal(hpac_demo_model_scale(&m, 4, 1000, &hooks), 0);
    assert_int_equal(m.count, 4);
    assert_int_equal(h.added_count, 4);
    /* The new pods are not ready: the two old ones carry everything, up to
     * their cap, and the rest is not served. */
    hpac_demo_model_step(&m, 1000, 3.0, &hooks);
    assert_int_equal(m.ready_count, 2);
    assert_near(m.served, 2.0);
    assert_near(m.unserved, 1.0);
    const hpac_demo_pod *young = find_pod(&m, h.added[2]);
    assert_non_null(young);
    assert_false(young->ready);
    assert_near(young->usage, 0.0);
    assert_int_equal(young->ready_ms, 4000);
    hpac_demo_model_step(&m, 3999, 3.0, &hooks);
    assert_int_equal(h.ready_count, 0);
    hpac_demo_model_step(&m, 4000, 3.0, &hooks);
    assert_int_equal(h.ready_count, 2);
    assert_int_equal(m.ready_count, 4);
    assert_near(m.served, 3.0);
    young = find_pod(&m, h.added[2]);
    assert_near(young->usage, 0.75);
    /* Its metrics lag: the 2s window at 5000 holds [3000,4000) at 0 (not
     * ready yet) and [4000,5000] at 0.75. */
    hpac_demo_model_step(&m, 5000, 3.0, &hooks);
    assert_near(hpac_demo_pod_reported(young, 5000), 0.375);
    hpac_demo_model_step(&m, 6000, 3.0, &hooks);
    assert_near(hpac_demo_pod_reported(young, 6000), 0.75);
    assert_int_equal(m.hook_failures, 0);
    hpac_demo_model_clear(&m);
}

static void test_demo__scale_down_removes_unready_then_newest(void **state)
{
    (void)state;
    hook_log h = {0};
    hpac_demo_hooks hooks = {on_added, on_ready, on_removed, &h};
    hpac_demo_model m;
    hpac_demo_model_init(&m, "web", 1000, 1000, 1.0);
    assert_int_equal(hpac_demo_model_seed(&m, 2, 0.5, 0, &hooks), 0); /* added[0..1] */
    assert_int_equal(hpac_demo_model_scale(&m, 4, 0, &hooks), 0);     /* added[2..3] */
    hpac_demo_model_step(&m, 1000, 1.0, &hooks);                      /* all ready */
    assert_int_equal(hpac_demo_model_scale(&m, 6, 1500, &hooks), 0);  /* added[4..5] */
    hpac_demo_model_step(&m, 1500, 1.0, &hooks);
    assert_int_equal(m.ready_count, 4);
    /* Down to 3: first the two not ready (newest first among equals),
     * then the newest ready one. */
    assert_int_equal(hpac_demo_model_scale(&m, 3, 1600, &hooks), 0);
    assert_int_equal(h.removed_count, 3);
    assert_string_equal(h.removed[0], h.added[5]);
    assert_string_equal(h.removed[1], h.added[4]);
    assert_string_equal(h.removed[2], h.added[3]);
    assert_int_equal(m.count, 3);
    assert_int_equal(m.ready_count, 3);
    for (size_t i = 0; i < 3; i++)
        assert_non_null(find_pod(&m, h.added[i]));
    /* The same count: nothing happens. */
    assert_int_equal(hpac_demo_model_scale(&m, 3, 1700, &hooks), 0);
    assert_int_equal(h.removed_count, 3);
    assert_int_equal(h.added_count, 6);
    hpac_demo_model_clear(&m);
}

static void test_demo__hook_failures_are_counted(void **state)
{
    (void)state;
    hook_log h = {.fail_adds = true};
    hpac_demo_hooks hooks = {on_added, NULL, NULL, &h};
    hpac_demo_model m;
    hpac_demo_model_init(&m, "web", 0, 1000, 1.0);
    assert_int_equal(hpac_demo_model_scale(&m, 2, 0, &hooks), 0);
    assert_int_equal(m.hook_failures, 2);
    /* A start-up of 0: ready at once, with no hook to call. */
    hpac_demo_model_step(&m, 0, 1.0, &hooks);
    assert_int_equal(m.ready_count, 2);
    hpac_demo_model_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo__profile_phases_and_loads),
        cmocka_unit_test(test_demo__profile_ripple_is_bounded_and_repeatable),
        cmocka_unit_test(test_demo__profile_check_rejects_nonsense),
        cmocka_unit_test(test_demo__share_splits_evenly_up_to_the_cap),
        cmocka_unit_test(test_demo__lag_is_a_time_weighted_window_mean),
        cmocka_unit_test(test_demo__lag_keeps_a_bounded_ring),
        cmocka_unit_test(test_demo__new_pods_serve_after_startup),
        cmocka_unit_test(test_demo__scale_down_removes_unready_then_newest),
        cmocka_unit_test(test_demo__hook_failures_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
