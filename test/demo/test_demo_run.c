/* The whole demo, end to end, on a compressed profile: the simulated API
 * server, the real controller on its thread over HTTP, the workload model,
 * the timeline, the summary and the chart. About 12 seconds. */
#include "test_support.h"

#include "demo/demo.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The demo's story in about 10 seconds of load: the same phases, shorter
 * windows and policies, a faster controller. */
static void compressed(hpac_demo_config *cfg)
{
    hpac_demo_config_defaults(cfg);
    cfg->profile = (hpac_demo_profile){
        .quiet_ms = 1000,
        .ramp_ms = 500,
        .spike_ms = 4500,
        .plateau_ms = 0,
        .drop_ms = 4000,
        .quiet_load = 0.4,
        .spike_load = 2.4,
        .plateau_load = 2.4,
        .drop_load = 0.3,
        .wobble = 0,
    };
    cfg->tick_ms = 100;
    cfg->print_every_ms = 500;
    cfg->settle_ms = 4000;
    cfg->sync_period_ms = 500;
    cfg->cpu_initialization_period_ms = 500;
    cfg->initial_readiness_delay_ms = 250;
    cfg->pod_startup_ms = 1000;
    cfg->metrics_window_ms = 1000;
    cfg->max_replicas = 8;
    cfg->scale_up_period_s = 2;
    cfg->scale_down_window_s = 2;
    cfg->scale_down_period_s = 1;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    }
    closedir(d);
    return n;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(mem);
    fclose(f);
    return text;
}

typedef struct run_dir {
    char dir[64];
    char tmp[96];
    char svg[96];
} run_dir;

static void make_dirs(run_dir *d)
{
    snprintf(d->dir, sizeof(d->dir), "/tmp/hpac-demo-test-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->tmp, sizeof(d->tmp), "%s/tmp", d->dir);
    snprintf(d->svg, sizeof(d->svg), "%s/demo.svg", d->dir);
    assert_int_equal(mkdir(d->tmp, 0700), 0);
    /* The kubeconfig goes under $TMPDIR: the run must leave nothing there. */
    setenv("TMPDIR", d->tmp, 1);
}

static void remove_dirs(run_dir *d)
{
    unlink(d->svg);
    rmdir(d->tmp);
    rmdir(d->dir);
    unsetenv("TMPDIR");
}

static bool has_event(const hpac_demo_timeline *tl, bool up)
{
    for (size_t i = 0; i < tl->event_count; i++) {
        const hpac_demo_event *e = &tl->events[i];
        if ((e->to > e->from) == up && e->reason[0] && e->status_seen)
            return true;
    }
    return false;
}

static void test_demo__runs_end_to_end(void **state)
{
    (void)state;
    run_dir d;
    make_dirs(&d);
    char *out_text = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_text, &out_len);
    assert_non_null(out);
    hpac_demo_config cfg;
    compressed(&cfg);
    cfg.out = out;
    cfg.svg_path = d.svg;
    hpac_demo_result result;
    char err[512] = "";
    int64_t started = hpac_clock_monotonic_ms();
    int rc = hpac_demo_run(&cfg, &result, err, sizeof(err));
    int64_t wall = hpac_clock_monotonic_ms() - started;
    fclose(out);
    print_message("demo run: %lld ms wall, %zu samples, %u ups, %u downs, end %d\n",
                  (long long)wall, result.timeline.sample_count, result.summary.scale_ups,
                  result.summary.scale_downs, result.summary.end_replicas);
    if (getenv("HPAC_DEMO_TEST_SHOW"))
        fputs(out_text, stderr);
    if (rc != 0)
        fail_msg("the demo failed: %s\n%s", err, out_text);

    const hpac_demo_summary *sum = &result.summary;
    assert_false(result.interrupted);
    assert_true(result.port > 0);
    assert_true(sum->status_seen);
    if (!has_event(&result.timeline, true) || !has_event(&result.timeline, false))
        fail_msg("expected an explained scale-up and scale-down:\n%s", out_text);
    /* The policy held the first scale-up back, the window the first
     * scale-down: both reasons reach the timeline. */
    assert_non_null(strstr(out_text, "ScaleUpLimit"));
    assert_non_null(strstr(out_text, "ScaleDownStabilized"));
    assert_non_null(strstr(out_text, "^ scaled up"));
    assert_non_null(strstr(out_text, "v scaled down"));
    /* Back near the minimum after the drop. */
    assert_true(sum->end_replicas >= cfg.min_replicas);
    assert_true(sum->end_replicas <= cfg.min_replicas + 1);
    assert_true(sum->peak_replicas > cfg.min_replicas + 1);
    assert_true(sum->peak_replicas <= cfg.max_replicas);
    /* Ran the profile, and not much longer than profile plus settling. */
    int64_t profile = hpac_demo_profile_duration_ms(&cfg.profile);
    assert_true(sum->duration_ms >= profile - cfg.tick_ms);
    assert_true(wall < profile + cfg.settle_ms + 5000);
    /* Plain text (no terminal here), with its summary. */
    assert_null(strchr(out_text, '\033'));
    assert_non_null(strstr(out_text, "Summary"));
    assert_non_null(strstr(out_text, d.svg));

    assert_true(result.svg_written);
    char *svg = read_file(d.svg);
    assert_non_null(svg);
    char why[128] = "";
    if (!hpac_test_xml_well_formed(svg, why, sizeof(why)))
        fail_msg("demo.svg is not well-formed: %s", why);
    assert_non_null(strstr(svg, "<polyline"));
    free(svg);
    /* The kubeconfig and its directory are gone. */
    assert_int_equal(count_entries(d.tmp), 0);

    free(out_text);
    hpac_demo_result_clear(&result);
    remove_dirs(&d);
}

static void test_demo__interrupt_stops_at_once(void **state)
{
    (void)state;
    run_dir d;
    make_dirs(&d);
    static volatile sig_atomic_t stop = 1;
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    hpac_demo_config cfg;
    compressed(&cfg);
    cfg.out = out;
    cfg.svg_path = d.svg;
    cfg.interrupted = &stop;
    hpac_demo_result result;
    char err[512] = "";
    int64_t started = hpac_clock_monotonic_ms();
    int rc = hpac_demo_run(&cfg, &result, err, sizeof(err));
    int64_t wall = hpac_clock_monotonic_ms() - started;
    fclose(out);
    if (rc != 0)
        fail_msg("an interrupted demo is no failure: %s", err);
    assert_true(result.interrupted);
    /* One tick, then the controller stops while it is still starting. */
    assert_int_equal(result.timeline.sample_count, 1);
    assert_true(wall < 3000);
    assert_int_equal(count_entries(d.tmp), 0);
    hpac_demo_result_clear(&result);
    remove_dirs(&d);
}

static void max_below_min(hpac_demo_config *cfg)
{
    cfg->max_replicas = 1;
}

static void no_tick(hpac_demo_config *cfg)
{
    cfg->tick_ms = 0;
}

static void window_beyond_the_lag_ring(hpac_demo_config *cfg)
{
    cfg->metrics_window_ms = 64 * cfg->tick_ms;
}

static void negative_phase(hpac_demo_config *cfg)
{
    cfg->profile.drop_ms = -1;
}

static void test_demo__bad_configuration_starts_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        void (*spoil)(hpac_demo_config *cfg);
    } cases[] = {
        {"max below min", max_below_min},
        {"no tick", no_tick},
        {"window beyond the lag ring", window_beyond_the_lag_ring},
        {"negative phase", negative_phase},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hpac_demo_config cfg;
        compressed(&cfg);
        cases[i].spoil(&cfg);
        hpac_demo_result result;
        char err[256] = "";
        if (hpac_demo_run(&cfg, &result, err, sizeof(err)) != -1)
            fail_msg("%s: accepted", cases[i].what);
        assert_true(err[0] != '\0');
        assert_int_equal(result.port, 0); /* no server was started */
        hpac_demo_result_clear(&result);
    }
}

int main(void)
{
    /* The controller logs every sync; the test output is for the test. */
    FILE *log = fopen("/dev/null", "w");
    hpac_log_configure(HPAC_LOG_TEXT, 0, log);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo__bad_configuration_starts_nothing),
        cmocka_unit_test(test_demo__interrupt_stops_at_once),
        cmocka_unit_test(test_demo__runs_end_to_end),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    hpac_log_configure(HPAC_LOG_TEXT, 0, NULL);
    if (log)
        fclose(log);
    return failed;
}
