/* The replay against the controller's arithmetic: steps settle where the
 * replica formula says, policies cap growth per period, stabilization
 * windows delay scale-downs by their length on the virtual clock. */
#include "whatif_support.h"

#include <stdlib.h>

#define P 15 /* sync period, seconds */

/* Scale-up growth per sync in the ideal model. */
typedef enum growth {
    LEGACY,       /* no spec.behavior: max(2 * current, 4) per sync */
    DEFAULT_UP,   /* the API default: max(+100%, +4 pods) per 15s */
    ONE_POD,      /* Pods 1 per 15s */
} growth;

static const char *behavior_for(growth g)
{
    switch (g) {
    case DEFAULT_UP:
        return "    scaleUp:\n"
               "      stabilizationWindowSeconds: 0\n"
               "      selectPolicy: Max\n"
               "      policies:\n"
               "      - {type: Percent, value: 100, periodSeconds: 15}\n"
               "      - {type: Pods, value: 4, periodSeconds: 15}\n";
    case ONE_POD:
        return "    scaleUp:\n"
               "      policies:\n"
               "      - {type: Pods, value: 1, periodSeconds: 15}\n";
    case LEGACY:
        break;
    }
    return "";
}

static int32_t grow(growth g, int32_t n)
{
    switch (g) {
    case LEGACY:
        return 2 * n > 4 ? 2 * n : 4;
    case DEFAULT_UP:
        return 2 * n > n + 4 ? 2 * n : n + 4;
    case ONE_POD:
        return n + 1;
    }
    return n;
}

typedef struct step_case {
    const char *name;
    const char *before, *after; /* load, cores */
    int target_percent;
    int64_t request_milli;
    int32_t start;
    int32_t max;
    growth growth;
    int32_t want;    /* ceil(after / (target * request)) */
    int periods;     /* syncs after the first that sees the new load */
} step_case;

static const step_case step_cases[] = {
    {"legacy doubling", "1", "4.5", 50, 1000, 2, 50, LEGACY, 9, 3},
    {"default policies", "1", "4.5", 50, 1000, 2, 50, DEFAULT_UP, 9, 2},
    {"one pod per period", "1", "4.5", 50, 1000, 2, 50, ONE_POD, 9, 7},
    {"half-core pods", "0.6", "12", 60, 500, 2, 50, DEFAULT_UP, 40, 4},
    {"from one replica", "0.8", "3.3", 80, 1000, 1, 50, LEGACY, 5, 2},
    {"capped by maxReplicas", "1", "4.5", 50, 1000, 2, 6, DEFAULT_UP, 6, 1},
};

/* The load steps at t=600s. With the window equal to the period, the sync
 * at 600 still sees the old load and the sync at 615 the new one in full;
 * from there each sync recommends ceil(load / (target * request)) and the
 * growth rule decides how far it may go. */
static void test_whatif__step_settles_at_ceil(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(step_cases) / sizeof(step_cases[0]); c++) {
        const step_case *sc = &step_cases[c];
        hpac_whatif_config cfg;
        hpac_whatif_result r;
        whatif_ideal_config(&cfg);
        cfg.replicas = sc->start;
        char *hpa = whatif_cpu_hpa(1, sc->max, sc->target_percent, behavior_for(sc->growth));
        char *csv = hpac_format("seconds,load\n0,%s\n600,%s\n1800,%s\n", sc->before, sc->after,
                                sc->after);
        assert_non_null(hpa);
        assert_non_null(csv);
        whatif_replay(hpa, csv, &cfg, sc->request_milli, &r);

        int32_t expect = sc->start;
        int periods = 0;
        for (size_t k = 0; k < r.step_count; k++) {
            const hpac_whatif_step *st = &r.steps[k];
            int64_t t = st->t_ms / 1000;
            if (t >= 600 + P && expect < sc->want) {
                expect = grow(sc->growth, expect);
                if (expect > sc->want)
                    expect = sc->want;
                periods++;
            }
            if (st->replicas != expect)
                fail_msg("%s: at %llds replicas %d, expected %d", sc->name, (long long)t,
                         st->replicas, expect);
        }
        assert_int_equal(expect, sc->want);
        if (periods != sc->periods)
            fail_msg("%s: settled after %d periods, expected %d", sc->name, periods, sc->periods);
        assert_int_equal(r.summary.end_replicas, sc->want);
        assert_int_equal(r.summary.scale_downs, 0);
        hpac_whatif_result_clear(&r);
        free(hpa);
        free(csv);
    }
}

/* The same step with the default model (60s metrics window, 30s start-up,
 * CPU samples of starting pods skipped): slower, never above the formula. */
static void test_whatif__step_settles_with_lag(void **state)
{
    (void)state;
    hpac_whatif_config cfg;
    hpac_whatif_result r;
    hpac_whatif_config_defaults(&cfg);
    cfg.replicas = 2;
    char *hpa = whatif_cpu_hpa(1, 50, 50, behavior_for(DEFAULT_UP));
    whatif_replay(hpa, "0,1\n600,4.5\n2400,4.5\n", &cfg, 1000, &r);
    int64_t settled = -1;
    for (size_t k = 0; k < r.step_count; k++) {
        const hpac_whatif_step *st = &r.steps[k];
        assert_true(st->replicas <= 9);
        if (st->t_ms < 600 * 1000)
            assert_int_equal(st->replicas, 2);
        if (st->replicas == 9 && settled < 0)
            settled = st->t_ms / 1000;
        if (settled >= 0)
            assert_int_equal(st->replicas, 9); /* and it stays */
    }
    /* A pod started at 615 is ready at 645 and its samples count from
     * 705 (ready + one window); the window itself needs 60s to fill. The
     * first full view comes within 2 windows and a start-up of the step. */
    assert_true(settled > 600);
    assert_true(settled <= 600 + 2 * 60 + 30 + P);
    hpac_whatif_result_clear(&r);
    free(hpa);
}

/* Load drops at 900s from 9 pods' worth to 2 pods' worth. The sync at 900
 * still recommends 9 (the last high recommendation); from 915 on, 2. A
 * recommendation stays in the window for exactly W, so the scale-down
 * happens at 900 + W: W after the last recommendation that forbade it. */
static void test_whatif__stabilization_window_delays_scale_down(void **state)
{
    (void)state;
    static const int windows[] = {0, 15, 60, 300, 600};
    for (size_t c = 0; c < sizeof(windows) / sizeof(windows[0]); c++) {
        int w = windows[c];
        hpac_whatif_config cfg;
        hpac_whatif_result r;
        whatif_ideal_config(&cfg);
        cfg.replicas = 9;
        char behavior[256];
        snprintf(behavior, sizeof(behavior), "    scaleDown:\n      stabilizationWindowSeconds: %d\n",
                 w);
        char *hpa = whatif_cpu_hpa(1, 20, 50, behavior);
        whatif_replay(hpa, "0,4.5\n900,1\n3600,1\n", &cfg, 1000, &r);

        int64_t last_high = -1, down_at = -1;
        for (size_t k = 0; k < r.step_count; k++) {
            const hpac_whatif_step *st = &r.steps[k];
            int64_t t = st->t_ms / 1000;
            if (st->recommended >= 9)
                last_high = t;
            if (st->scaled && down_at < 0) {
                down_at = t;
                assert_int_equal(st->current, 9);
                assert_int_equal(st->replicas, 2);
            }
            if (down_at < 0 && t > 900) {
                /* Waiting: the metrics ask for 2, the window holds 9. */
                assert_int_equal(st->recommended, 2);
                assert_int_equal(st->desired, 9);
                assert_true(whatif_step_has_reason(&r, st, "ScaleDownStabilized"));
            }
        }
        assert_int_equal(last_high, 900);
        int64_t expected = 900 + (w > P ? w : P); /* nothing can act before 915 */
        if (down_at != expected)
            fail_msg("window %ds: scaled down at %llds, expected %llds", w, (long long)down_at,
                     (long long)expected);
        assert_int_equal(r.summary.scale_downs, 1);
        hpac_whatif_result_clear(&r);
        free(hpa);
    }
}

/* Without spec.behavior the window is the controller flag, and upstream's
 * legacy window includes a recommendation exactly W old: one period more. */
static void test_whatif__legacy_downscale_stabilization_flag(void **state)
{
    (void)state;
    hpac_whatif_config cfg;
    hpac_whatif_result r;
    whatif_ideal_config(&cfg);
    cfg.replicas = 9;
    cfg.sync.downscale_stabilization_ms = 120 * 1000;
    char *hpa = whatif_cpu_hpa(1, 20, 50, "");
    whatif_replay(hpa, "0,4.5\n900,1\n3600,1\n", &cfg, 1000, &r);
    const hpac_whatif_step *before = whatif_step_at(&r, 900 + 120);
    const hpac_whatif_step *down = whatif_step_at(&r, 900 + 120 + P);
    assert_non_null(before);
    assert_non_null(down);
    assert_false(before->scaled);
    assert_int_equal(before->replicas, 9);
    assert_true(down->scaled);
    assert_int_equal(down->replicas, 2);
    hpac_whatif_result_clear(&r);
    free(hpa);
}

/* Pods 2 per 60s: growth of exactly 2 every 60s, ScaleUpLimit between. */
static void test_whatif__scale_up_policy_caps_growth_per_period(void **state)
{
    (void)state;
    hpac_whatif_config cfg;
    hpac_whatif_result r;
    whatif_ideal_config(&cfg);
    cfg.replicas = 2;
    char *hpa = whatif_cpu_hpa(1, 20, 50,
                               "    scaleUp:\n"
                               "      policies:\n"
                               "      - {type: Pods, value: 2, periodSeconds: 60}\n");
    whatif_replay(hpa, "0,1\n600,5\n1800,5\n", &cfg, 1000, &r);
    /* want ceil(5 / 0.5) = 10: 4 at 615, 6 at 675, 8 at 735, 10 at 795. */
    for (size_t k = 0; k < r.step_count; k++) {
        const hpac_whatif_step *st = &r.steps[k];
        int64_t t = st->t_ms / 1000;
        int32_t expect = t < 615 ? 2 : t < 675 ? 4 : t < 735 ? 6 : t < 795 ? 8 : 10;
        if (st->replicas != expect)
            fail_msg("at %llds: %d replicas, expected %d", (long long)t, st->replicas, expect);
        if (t >= 615 && t < 795) {
            assert_int_equal(st->recommended, 10);
            assert_true(whatif_step_has_reason(&r, st, "ScaleUpLimit"));
        }
        if (st->scaled && t < 795)
            assert_int_equal(st->replicas - st->current, 2);
    }
    assert_int_equal(r.summary.scale_ups, 4);
    assert_int_equal(r.event_count, 4);
    assert_string_equal(r.events[0].limits, "ScaleUpLimit");
    hpac_whatif_result_clear(&r);
    free(hpa);

    /* Percent 50 per 30s from 2: ceil(2 * 1.5) = 3, then 5, 8, 12 -> 10. */
    hpa = whatif_cpu_hpa(1, 20, 50,
                         "    scaleUp:\n"
                         "      policies:\n"
                         "      - {type: Percent, value: 50, periodSeconds: 30}\n");
    whatif_replay(hpa, "0,1\n600,5\n1800,5\n", &cfg, 1000, &r);
    static const struct {
        int64_t t;
        int32_t replicas;
    } expect[] = {{600, 2}, {615, 3}, {630, 3}, {645, 5}, {660, 5}, {675, 8}, {690, 8}, {705, 10}};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        const hpac_whatif_step *st = whatif_step_at(&r, expect[i].t);
        assert_non_null(st);
        if (st->replicas != expect[i].replicas)
            fail_msg("percent policy at %llds: %d replicas, expected %d",
                     (long long)expect[i].t, st->replicas, expect[i].replicas);
    }
    hpac_whatif_result_clear(&r);
    free(hpa);
}

/* New pods serve nothing until the start-up delay has passed. */
static void test_whatif__pod_startup_delay(void **state)
{
    (void)state;
    hpac_whatif_config cfg;
    hpac_whatif_result r;
    whatif_ideal_config(&cfg);
    cfg.replicas = 2;
    cfg.pod_startup_ms = 60 * 1000;
    char *hpa = whatif_cpu_hpa(1, 20, 50, behavior_for(DEFAULT_UP));
    whatif_replay(hpa, "0,1\n600,4.5\n1200,4.5\n", &cfg, 1000, &r);
    const hpac_whatif_step *up = whatif_step_at(&r, 615);
    assert_non_null(up);
    assert_true(up->scaled);
    assert_int_equal(up->ready, 2);
    for (int64_t t = 630; t < 675; t += P) {
        const hpac_whatif_step *st = whatif_step_at(&r, t);
        assert_non_null(st);
        assert_true(st->ready < st->replicas);
        /* The two old pods carry everything: far above target. */
        assert_true(r.readings[(size_t)(st - r.steps)].actual > 100);
        assert_true(st->above);
    }
    const hpac_whatif_step *ready = whatif_step_at(&r, 675);
    assert_non_null(ready);
    assert_true(ready->ready >= up->replicas);
    hpac_whatif_result_clear(&r);
    free(hpa);
}

/* Summary arithmetic on a run with nothing to do: 3 replicas for an hour. */
static void test_whatif__summary_of_a_quiet_hour(void **state)
{
    (void)state;
    hpac_whatif_config cfg;
    hpac_whatif_result r;
    whatif_ideal_config(&cfg);
    cfg.replicas = 3;
    char *hpa = whatif_cpu_hpa(1, 20, 50, "");
    whatif_replay(hpa, "# quiet\nseconds,load\n0,1.5\n3600,1.5\n", &cfg, 1000, &r);
    assert_int_equal(r.summary.syncs, 3600 / P + 1);
    assert_int_equal(r.summary.scale_ups + r.summary.scale_downs, 0);
    assert_int_equal(r.summary.duration_ms, 3600 * 1000);
    assert_int_equal(r.summary.replica_ms, 3LL * 3600 * 1000);
    assert_int_equal(r.summary.mean_replicas_milli, 3000);
    assert_int_equal(r.summary.peak_replicas, 3);
    assert_int_equal(r.summary.above_ms, 0);
    assert_int_equal(r.summary.failed_syncs, 0);
    hpac_whatif_result_clear(&r);
    free(hpa);

    /* Pinned at maxReplicas under too much load: above target throughout. */
    whatif_ideal_config(&cfg);
    cfg.replicas = 4;
    hpa = whatif_cpu_hpa(1, 4, 50, "");
    whatif_replay(hpa, "0,4\n1800,4\n", &cfg, 1000, &r);
    assert_int_equal(r.summary.above_ms, 1800 * 1000);
    assert_int_equal(r.summary.peak_replicas, 4);
    const hpac_whatif_step *st = whatif_step_at(&r, 900);
    assert_non_null(st);
    assert_true(whatif_step_has_reason(&r, st, "TooManyReplicas"));
    hpac_whatif_result_clear(&r);
    free(hpa);
}

/* The other metric types: the load is the metric's total. */
static void test_whatif__pods_and_external_metrics(void **state)
{
    (void)state;
    static const struct {
        const char *metric;
        const char *load;
        int32_t want;
    } cases[] = {
        {"  - type: Pods\n"
         "    pods:\n"
         "      metric: {name: requests_per_second}\n"
         "      target: {type: AverageValue, averageValue: \"10\"}\n",
         "95", 10},
        {"  - type: External\n"
         "    external:\n"
         "      metric: {name: queue_length}\n"
         "      target: {type: AverageValue, averageValue: \"30\"}\n",
         "300", 10},
        {"  - type: Object\n"
         "    object:\n"
         "      describedObject: {apiVersion: v1, kind: Service, name: web}\n"
         "      metric: {name: hits}\n"
         "      target: {type: AverageValue, averageValue: 250m}\n",
         "1.75", 7},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        hpac_whatif_config cfg;
        hpac_whatif_result r;
        whatif_ideal_config(&cfg);
        cfg.replicas = 2;
        char *hpa = hpac_format("apiVersion: autoscaling/v2\n"
                                "kind: HorizontalPodAutoscaler\n"
                                "metadata: {name: q}\n"
                                "spec:\n"
                                "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
                                "name: q}\n"
                                "  maxReplicas: 30\n"
                                "  metrics:\n%s",
                                cases[c].metric);
        char *csv = hpac_format("0,%s\n1200,%s\n", cases[c].load, cases[c].load);
        whatif_replay(hpa, csv, &cfg, -1, &r);
        if (r.summary.end_replicas != cases[c].want)
            fail_msg("case %zu: ended at %d replicas, expected %d (first error: %s)", c,
                     r.summary.end_replicas, cases[c].want,
                     r.first_error ? r.first_error : "none");
        assert_int_equal(r.summary.failed_syncs, 0);
        hpac_whatif_result_clear(&r);
        free(hpa);
        free(csv);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatif__step_settles_at_ceil),
        cmocka_unit_test(test_whatif__step_settles_with_lag),
        cmocka_unit_test(test_whatif__stabilization_window_delays_scale_down),
        cmocka_unit_test(test_whatif__legacy_downscale_stabilization_flag),
        cmocka_unit_test(test_whatif__scale_up_policy_caps_growth_per_period),
        cmocka_unit_test(test_whatif__pod_startup_delay),
        cmocka_unit_test(test_whatif__summary_of_a_quiet_hour),
        cmocka_unit_test(test_whatif__pods_and_external_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
