/* hpac-bench: the scale benchmark (bench/README.md). On loopback it starts
 * hpac-sim with a generated cluster on one CPU and, on another, runs
 *   1. hpac with a short sync period for a fixed number of periods
 *      (steady state: CPU, memory, requests per reconcile, and the time
 *      from a metric change to the scale write, probed through the
 *      simulator's control port),
 *   2. hpac with a 1 ms period, so that it reconciles as fast as it can
 *      (saturation: reconciles per second, CPU per reconcile),
 *   3. hpac-floor, the same requests with no controller behind them,
 *      with the same concurrency against the same simulator,
 * and prints the figures and the ratios to the floor. */
#include "bench.h"

#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#define URL_MAX 512
#define PATH_MAX_LEN 1024
#define ARGS_MAX 32
/* The generated cluster and the first list of 100,000 pods take a while
 * on a slow machine. */
#define SIM_START_TIMEOUT_S 600.0
#define READY_TIMEOUT_BASE_S 120.0
#define STOP_GRACE_S 10.0
/* Utilization a probe sets: twice the HPAs' target, so the next
 * reconcile doubles the replicas. */
#define PROBE_CPU "100m"
/* Side-by-side rounds kept, and the time a process gets after SIGCONT
 * before its window opens. */
#define ROUNDS_MAX 64
#define WINDOW_SETTLE_S 1.0
/* The paced floor runs this long at most (at 15 s periods, ten of them
 * would take minutes without telling more). */
#define PACED_FLOOR_MAX_S 30.0

typedef struct config {
    const char *bin;
    const char *out;
    long hpas;
    long pods_per_hpa;
    long namespaces;
    const char *hpa_api;
    double period_s;
    long periods;
    long concurrency;
    long rounds;
    double window_s;
    double warmup_s;
    long probes;
    long sim_threads;
} config;

typedef struct snapshot {
    double t;
    double ctl_cpu; /* the process under test: hpac or the floor */
    double ctl_user, ctl_sys;
    double sim_cpu;
    double reconciles;
    double sim_requests;
    double writes_scale, writes_status, writes_hpa, writes_event, writes_other;
    double api_get, api_put, api_patch, api_post;
} snapshot;

typedef struct bench {
    config cfg;
    bench_child sim;
    unsigned sim_port, control_port;
    uint64_t sim_cpus, ctl_cpus;
    char sim_log[PATH_MAX_LEN], ctl_log[PATH_MAX_LEN], floor_log[PATH_MAX_LEN];
    size_t probes_made;
    json_t *result; /* everything measured, for result-N.json */
} bench;

/* ---- small helpers ------------------------------------------------------- */

static double env_double(const char *name, double fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : fallback;
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : fallback;
}

static const char *env_str(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[rank ? rank - 1 : 0];
}

static unsigned free_port(void);

static double get(const json_t *w, const char *key)
{
    return json_number_value(json_object_get(w, key));
}

/* A JSON number, or null for NaN and infinities (which JSON lacks). */
static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void set_number(json_t *o, const char *key, double v)
{
    json_object_set_new(o, key, number(v));
}

/* ---- the simulator ----------------------------------------------------- */

static json_t *sim_stats(const bench *b)
{
    char url[URL_MAX], *body = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/stats", b->control_port);
    json_t *stats = NULL;
    if (bench_fetch("GET", url, &body) == 200)
        stats = json_loads(body, 0, NULL);
    free(body);
    return stats;
}

static int start_sim(bench *b)
{
    const config *c = &b->cfg;
    char exe[PATH_MAX_LEN], n[32], pods[32], ns[32], threads[32], line[BENCH_LINE_MAX];
    snprintf(exe, sizeof(exe), "%s/hpac-sim", c->bin);
    snprintf(n, sizeof(n), "%ld", c->hpas);
    snprintf(pods, sizeof(pods), "%ld", c->pods_per_hpa);
    snprintf(ns, sizeof(ns), "%ld", c->namespaces);
    snprintf(threads, sizeof(threads), "%ld", c->sim_threads);
    char *argv[] = {exe, "--generate", n,       "--pods-per-hpa", pods, "--namespaces",
                    ns,  "--threads",  threads, "--control",      NULL};
    if (bench_spawn(&b->sim, "hpac-sim", argv, b->sim_cpus, b->sim_log, true))
        return -1;
    if (bench_read_line(&b->sim, line, sizeof(line), SIM_START_TIMEOUT_S))
        goto fail;
    b->sim_port = (unsigned)strtoul(line, NULL, 10);
    if (bench_read_line(&b->sim, line, sizeof(line), 10.0))
        goto fail;
    b->control_port = (unsigned)strtoul(line, NULL, 10);
    return 0;
fail:
    fprintf(stderr, "bench: hpac-sim did not start (see %s)\n", b->sim_log);
    return -1;
}

/* ---- measurements -------------------------------------------------------- */

static char *scrape(unsigned port)
{
    char url[URL_MAX], *body = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
    if (bench_fetch("GET", url, &body) != 200) {
        free(body);
        return NULL;
    }
    return body;
}

static double reconciles_of(const char *metrics)
{
    return bench_prom_sum(metrics, "horizontal_pod_autoscaler_controller_reconciliations_total",
                          NULL);
}

/* CPU first, then the scrapes: the window holds exactly one scrape of the
 * process under test (the first one's), whatever its cost. */
static void take_snapshot(const bench *b, pid_t ctl, unsigned metrics_port, snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->t = bench_now();
    s->ctl_cpu = bench_proc_cpu(ctl, &s->ctl_user, &s->ctl_sys);
    s->sim_cpu = bench_proc_cpu(b->sim.pid, NULL, NULL);
    json_t *stats = sim_stats(b);
    json_t *w = json_object_get(stats, "writes");
    s->sim_requests = (double)json_integer_value(json_object_get(stats, "requests"));
    s->writes_scale = (double)json_integer_value(json_object_get(w, "scale"));
    s->writes_status = (double)json_integer_value(json_object_get(w, "status"));
    s->writes_hpa = (double)json_integer_value(json_object_get(w, "hpa"));
    s->writes_event = (double)json_integer_value(json_object_get(w, "event"));
    s->writes_other = (double)json_integer_value(json_object_get(w, "other"));
    json_decref(stats);
    if (!metrics_port)
        return;
    char *metrics = scrape(metrics_port);
    if (metrics) {
        s->reconciles = reconciles_of(metrics);
        s->api_get = bench_prom_sum(metrics, "hpac_api_requests_total", "verb=\"GET\"");
        s->api_put = bench_prom_sum(metrics, "hpac_api_requests_total", "verb=\"PUT\"");
        s->api_patch = bench_prom_sum(metrics, "hpac_api_requests_total", "verb=\"PATCH\"");
        s->api_post = bench_prom_sum(metrics, "hpac_api_requests_total", "verb=\"POST\"");
    }
    free(metrics);
}

/* The window between two snapshots, as JSON. */
static json_t *window_json(const snapshot *a, const snapshot *z, double reconciles)
{
    double wall = z->t - a->t, cpu = z->ctl_cpu - a->ctl_cpu, sim_cpu = z->sim_cpu - a->sim_cpu;
    double requests = z->sim_requests - a->sim_requests;
    double per = reconciles > 0 ? reconciles : NAN;
    json_t *w = json_object(), *writes = json_object();
    set_number(w, "wall_s", wall);
    set_number(w, "reconciles", reconciles);
    set_number(w, "reconciles_per_s", reconciles / wall);
    set_number(w, "cpu_s", cpu);
    set_number(w, "cpu_user_s", z->ctl_user - a->ctl_user);
    set_number(w, "cpu_sys_s", z->ctl_sys - a->ctl_sys);
    set_number(w, "cpu_core_fraction", cpu / wall);
    set_number(w, "cpu_s_per_1000", cpu / per * 1000.0);
    set_number(w, "sim_cpu_core_fraction", sim_cpu / wall);
    set_number(w, "sim_requests", requests);
    set_number(w, "requests_per_reconcile", requests / per);
    set_number(writes, "scale", (z->writes_scale - a->writes_scale) / per);
    set_number(writes, "status", (z->writes_status - a->writes_status) / per);
    set_number(writes, "hpa", (z->writes_hpa - a->writes_hpa) / per);
    set_number(writes, "event", (z->writes_event - a->writes_event) / per);
    set_number(writes, "other", (z->writes_other - a->writes_other) / per);
    json_object_set_new(w, "writes_per_reconcile", writes);
    return w;
}

/* ---- hpac ------------------------------------------------------------ */

static int start_hpac(bench *b, bench_child *ctl, const char *period, unsigned metrics_port)
{
    const config *c = &b->cfg;
    char exe[PATH_MAX_LEN], master[URL_MAX], api[URL_MAX], sync[64], conc[64], bind[64];
    snprintf(exe, sizeof(exe), "%s/hpac", c->bin);
    snprintf(master, sizeof(master), "--master=http://127.0.0.1:%u", b->sim_port);
    snprintf(api, sizeof(api), "--hpa-api=%s", c->hpa_api);
    snprintf(sync, sizeof(sync), "--horizontal-pod-autoscaler-sync-period=%s", period);
    snprintf(conc, sizeof(conc), "--concurrent-horizontal-pod-autoscaler-syncs=%ld",
             c->concurrency);
    snprintf(bind, sizeof(bind), "--metrics-bind-address=127.0.0.1:%u", metrics_port);
    char *argv[] = {exe, master, api, sync, conc, bind, "--kube-api-qps=0", "--leader-elect=false",
                    NULL};
    FILE *log = fopen(b->ctl_log, "a");
    if (log) {
        fprintf(log, "---- hpac, sync period %s\n", period);
        fclose(log);
    }
    return bench_spawn(ctl, "hpac", argv, b->ctl_cpus, b->ctl_log, false);
}

/* Waits until hpac has reconciled every HPA once. */
static int wait_first_round(const bench *b, bench_child *ctl, unsigned metrics_port)
{
    double deadline = bench_now() + READY_TIMEOUT_BASE_S + (double)b->cfg.hpas / 100.0;
    while (bench_now() < deadline) {
        if (!bench_alive(ctl)) {
            fprintf(stderr, "bench: hpac exited (see %s)\n", b->ctl_log);
            return -1;
        }
        char *metrics = scrape(metrics_port);
        double done = metrics ? reconciles_of(metrics) : 0;
        free(metrics);
        if (done >= (double)b->cfg.hpas)
            return 0;
        bench_sleep(0.2);
    }
    fprintf(stderr, "bench: hpac did not reconcile every HPA in time (see %s)\n", b->ctl_log);
    return -1;
}

static void probe(bench *b)
{
    const config *c = &b->cfg;
    /* Spread over the HPAs; never the same one twice in a run. */
    long stride = c->hpas / (c->probes > 0 ? c->probes : 1);
    long index = ((long)b->probes_made * (stride > 0 ? stride : 1) + stride / 2) % c->hpas;
    char url[URL_MAX];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/probe?ns=bench-%ld&hpa=app-%ld&cpu=%s",
             b->control_port, index % c->namespaces, index, PROBE_CPU);
    if (bench_fetch("POST", url, NULL) == 200)
        b->probes_made++;
}

/* Latencies of the probes from `first` on, in milliseconds. */
static json_t *probe_latencies(const bench *b, size_t first)
{
    json_t *stats = sim_stats(b);
    json_t *probes = json_object_get(stats, "probes");
    size_t n = json_array_size(probes), answered = 0, missed = 0;
    double *ms = calloc(n ? n : 1, sizeof(*ms));
    json_t *out = NULL;
    if (!ms)
        goto done;
    for (size_t i = first; i < n; i++) {
        json_int_t us =
            json_integer_value(json_object_get(json_array_get(probes, i), "latency_us"));
        if (us < 0)
            missed++;
        else
            ms[answered++] = (double)us / 1000.0;
    }
    qsort(ms, answered, sizeof(*ms), cmp_double);
    out = json_pack("{s:I, s:I}", "probes", (json_int_t)(answered + missed), "missed",
                    (json_int_t)missed);
    set_number(out, "p50_ms", percentile(ms, answered, 50));
    set_number(out, "p99_ms", percentile(ms, answered, 99));
    set_number(out, "min_ms", answered ? ms[0] : NAN);
    set_number(out, "max_ms", answered ? ms[answered - 1] : NAN);
done:
    free(ms);
    json_decref(stats);
    return out;
}

/* The floor paced at the steady state's rate (N per period), for the
 * steady CPU ratio. Its own getrusage covers exactly its window. */
static json_t *run_paced_floor(bench *b)
{
    const config *c = &b->cfg;
    char exe[PATH_MAX_LEN], master[URL_MAX], conc[32], warm[32], dur[32], rate[32];
    char line[BENCH_LINE_MAX];
    double duration = c->period_s * (double)c->periods;
    if (duration > PACED_FLOOR_MAX_S)
        duration = PACED_FLOOR_MAX_S;
    snprintf(exe, sizeof(exe), "%s/hpac-floor", c->bin);
    snprintf(master, sizeof(master), "http://127.0.0.1:%u", b->sim_port);
    snprintf(conc, sizeof(conc), "%ld", c->concurrency);
    snprintf(warm, sizeof(warm), "%g", c->warmup_s);
    snprintf(dur, sizeof(dur), "%g", duration);
    snprintf(rate, sizeof(rate), "%g", (double)c->hpas / c->period_s);
    char *argv[] = {exe,
                    "--master",
                    master,
                    "--hpa-api",
                    (char *)c->hpa_api,
                    "--concurrency",
                    conc,
                    "--warmup",
                    warm,
                    "--duration",
                    dur,
                    "--rate",
                    rate,
                    NULL};
    bench_child fl;
    json_t *w = NULL;
    if (bench_spawn(&fl, "hpac-floor", argv, b->ctl_cpus, b->floor_log, true))
        return NULL;
    snapshot a, z;
    double timeout = READY_TIMEOUT_BASE_S + (double)c->hpas / 100.0 + c->warmup_s;
    if (bench_read_line(&fl, line, sizeof(line), timeout) || strcmp(line, "measuring") != 0)
        goto out;
    take_snapshot(b, fl.pid, 0, &a);
    if (bench_read_line(&fl, line, sizeof(line), duration + 60.0))
        goto out;
    take_snapshot(b, fl.pid, 0, &z);
    json_t *report = json_loads(line, 0, NULL);
    if (!report)
        goto out;
    double seq = get(report, "sequences"), cpu = get(report, "cpu_s");
    double user = get(report, "cpu_user_s"), wall = get(report, "wall_s");
    w = window_json(&a, &z, seq);
    set_number(w, "cpu_s", cpu);
    set_number(w, "cpu_user_s", user);
    set_number(w, "cpu_sys_s", cpu - user);
    set_number(w, "wall_s", wall);
    set_number(w, "reconciles_per_s", seq / wall);
    set_number(w, "cpu_core_fraction", cpu / wall);
    set_number(w, "cpu_s_per_1000", cpu / seq * 1000.0);
    json_object_set_new(w, "report", report);
out:
    if (!w)
        fprintf(stderr, "bench: the paced hpac-floor failed (see %s)\n", b->floor_log);
    bench_stop(&fl, STOP_GRACE_S, NULL);
    return w;
}

/* Phase 1: a short period, a fixed number of periods, probes spread over
 * them, the resident set sampled at the end of every period. */
static int run_steady(bench *b)
{
    const config *c = &b->cfg;
    bench_child ctl;
    unsigned port = free_port();
    char period[32];
    snprintf(period, sizeof(period), "%ldms", (long)llround(c->period_s * 1000));
    double launched = bench_now();
    if (!port || start_hpac(b, &ctl, period, port))
        return -1;
    int rc = -1;
    json_t *rss = json_array();
    if (wait_first_round(b, &ctl, port))
        goto out;
    double started = bench_now();
    /* One more period: the first round wrote every status; settle. */
    bench_sleep(c->period_s + c->warmup_s);
    snapshot a, z;
    take_snapshot(b, ctl.pid, port, &a);
    size_t first_probe = b->probes_made;
    long probes = c->probes < c->hpas ? c->probes : c->hpas;
    double gap = c->period_s * (double)c->periods / (double)(probes > 0 ? probes : 1);
    double next_probe = a.t + gap / 2;
    long made = 0;
    for (long p = 1; p <= c->periods; p++) {
        double end = a.t + c->period_s * (double)p;
        while (made < probes && next_probe < end) {
            bench_sleep(next_probe - bench_now());
            probe(b);
            made++;
            next_probe += gap;
        }
        bench_sleep(end - bench_now());
        json_array_append_new(rss, json_integer(bench_proc_kib(ctl.pid, "VmRSS:")));
    }
    take_snapshot(b, ctl.pid, port, &z);
    /* The last probes get two more periods to be acted on. */
    bench_sleep(2 * c->period_s);
    json_t *latency = probe_latencies(b, first_probe);
    long hwm = bench_proc_kib(ctl.pid, "VmHWM:");
    double life_cpu = 0;
    bench_stop(&ctl, STOP_GRACE_S, &life_cpu);
    json_t *w = window_json(&a, &z, z.reconciles - a.reconciles);
    double expected = (double)c->hpas / c->period_s;
    set_number(w, "period_s", c->period_s);
    json_object_set_new(w, "periods", json_integer(c->periods));
    json_object_set_new(
        w, "keeps_up",
        json_boolean(json_number_value(json_object_get(w, "reconciles_per_s")) >= 0.99 * expected));
    json_object_set_new(w, "latency", latency ? latency : json_null());
    json_object_set_new(w, "rss_kib_per_period", json_incref(rss));
    json_object_set_new(w, "vm_hwm_kib", json_integer(hwm));
    set_number(w, "lifetime_cpu_s", life_cpu);
    /* From the start of hpac to the end of its first round. */
    set_number(w, "first_round_s", started - launched);
    json_t *paced = run_paced_floor(b);
    if (paced) {
        set_number(w, "cpu_ratio_to_paced_floor",
                   get(w, "cpu_s_per_1000") / get(paced, "cpu_s_per_1000"));
        json_object_set_new(b->result, "paced_floor", paced);
    }
    json_object_set_new(b->result, "steady", w);
    rc = 0;
out:
    if (ctl.pid)
        bench_stop(&ctl, STOP_GRACE_S, NULL);
    json_decref(rss);
    return rc;
}

/* ---- phase 2: hpac at saturation and the floor, side by side ---------- */

/* Lets `c` run for a settling second and `seconds` more, snapshots around
 * the latter, and stops it again (SIGSTOP), so that the other one gets the
 * machine to itself. */
static void run_window(const bench *b, bench_child *c, unsigned metrics_port, double seconds,
                       snapshot *a, snapshot *z)
{
    kill(c->pid, SIGCONT);
    bench_sleep(WINDOW_SETTLE_S);
    take_snapshot(b, c->pid, metrics_port, a);
    bench_sleep(seconds);
    take_snapshot(b, c->pid, metrics_port, z);
    kill(c->pid, SIGSTOP);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n == 0 ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The medians over the rounds of one side, as JSON: the round closest to
 * the median CPU per reconcile, with the medians of the rates set in. */
static json_t *summarize(json_t *rounds)
{
    size_t n = json_array_size(rounds);
    double cpu[ROUNDS_MAX], rate[ROUNDS_MAX], sim[ROUNDS_MAX];
    for (size_t i = 0; i < n; i++) {
        const json_t *w = json_array_get(rounds, i);
        cpu[i] = get(w, "cpu_s_per_1000");
        rate[i] = get(w, "reconciles_per_s");
        sim[i] = get(w, "sim_cpu_core_fraction");
    }
    double mcpu = median(cpu, n);
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        double d = fabs(get(json_array_get(rounds, i), "cpu_s_per_1000") - mcpu);
        if (d < fabs(get(json_array_get(rounds, best), "cpu_s_per_1000") - mcpu))
            best = i;
    }
    json_t *out = json_deep_copy(json_array_get(rounds, best));
    set_number(out, "cpu_s_per_1000", mcpu);
    set_number(out, "reconciles_per_s", median(rate, n));
    set_number(out, "sim_cpu_core_fraction", median(sim, n));
    json_object_set_new(out, "rounds", json_incref(rounds));
    return out;
}

static int start_floor(bench *b, bench_child *fl, long status_every)
{
    const config *c = &b->cfg;
    char exe[PATH_MAX_LEN], master[URL_MAX], conc[32], every[32];
    snprintf(exe, sizeof(exe), "%s/hpac-floor", c->bin);
    snprintf(master, sizeof(master), "http://127.0.0.1:%u", b->sim_port);
    snprintf(conc, sizeof(conc), "%ld", c->concurrency);
    snprintf(every, sizeof(every), "%ld", status_every);
    /* It runs until stopped: the windows are the driver's. */
    char *argv[] = {exe,
                    "--master",
                    master,
                    "--hpa-api",
                    (char *)c->hpa_api,
                    "--concurrency",
                    conc,
                    "--warmup",
                    "0",
                    "--duration",
                    "1e9",
                    "--status-every",
                    every,
                    NULL};
    if (bench_spawn(fl, "hpac-floor", argv, b->ctl_cpus, b->floor_log, true))
        return -1;
    char line[BENCH_LINE_MAX];
    double timeout = READY_TIMEOUT_BASE_S + (double)c->hpas / 100.0;
    if (bench_read_line(fl, line, sizeof(line), timeout) || strcmp(line, "measuring") != 0) {
        fprintf(stderr, "bench: hpac-floor did not start (see %s)\n", b->floor_log);
        return -1;
    }
    kill(fl->pid, SIGSTOP);
    return 0;
}

/* hpac with a 1 ms period (every HPA due all the time: the concurrency
 * limit and the CPU decide the rate) and the floor (the same requests,
 * nothing else) against the same simulator, in alternating windows with
 * the other one stopped, so that both see the same machine; the ratio is
 * the median of the rounds' ratios. */
static int run_side_by_side(bench *b)
{
    const config *c = &b->cfg;
    bench_child ctl = {0}, fl = {0};
    unsigned port = free_port();
    json_t *hpac_rounds = json_array(), *floor_rounds = json_array();
    double ratios[ROUNDS_MAX], walls[ROUNDS_MAX];
    long rounds = c->rounds < ROUNDS_MAX ? c->rounds : ROUNDS_MAX;
    long status_every = 0;
    int rc = -1;
    ctl.out_fd = fl.out_fd = -1;
    if (!port || start_hpac(b, &ctl, "1ms", port))
        goto out;
    if (wait_first_round(b, &ctl, port))
        goto out;
    bench_sleep(c->warmup_s);
    kill(ctl.pid, SIGSTOP);
    for (long i = 0; i < rounds; i++) {
        snapshot a, z;
        run_window(b, &ctl, port, c->window_s, &a, &z);
        json_t *w = window_json(&a, &z, z.reconciles - a.reconciles);
        double n = z.reconciles - a.reconciles;
        json_t *verbs = json_object();
        set_number(verbs, "GET", (z.api_get - a.api_get) / n);
        set_number(verbs, "PUT", (z.api_put - a.api_put) / n);
        set_number(verbs, "PATCH", (z.api_patch - a.api_patch) / n);
        set_number(verbs, "POST", (z.api_post - a.api_post) / n);
        json_object_set_new(w, "api_requests_per_reconcile", verbs);
        json_array_append_new(hpac_rounds, w);
        if (i == 0) {
            /* A status write as often as hpac wrote one. */
            double status = get(json_object_get(w, "writes_per_reconcile"), "status");
            status_every = status > 0.001 ? lround(1.0 / status) : 0;
            if (start_floor(b, &fl, status_every))
                goto out;
        }
        run_window(b, &fl, 0, c->window_s, &a, &z);
        /* Every request the server saw in the window was the floor's. */
        double per_seq = 2.0 + (status_every ? 1.0 / (double)status_every : 0.0);
        json_t *f = window_json(&a, &z, (z.sim_requests - a.sim_requests) / per_seq);
        json_array_append_new(floor_rounds, f);
        ratios[i] = get(w, "cpu_s_per_1000") / get(f, "cpu_s_per_1000");
        walls[i] = get(f, "reconciles_per_s") / get(w, "reconciles_per_s");
    }
    json_t *sat = summarize(hpac_rounds);
    json_object_set_new(sat, "vm_hwm_kib", json_integer(bench_proc_kib(ctl.pid, "VmHWM:")));
    json_object_set_new(b->result, "saturation", sat);
    json_t *floor = summarize(floor_rounds);
    json_object_set_new(floor, "vm_hwm_kib", json_integer(bench_proc_kib(fl.pid, "VmHWM:")));
    json_object_set_new(floor, "status_every", json_integer(status_every));
    json_object_set_new(b->result, "floor", floor);
    json_t *ratio = json_object();
    set_number(ratio, "cpu", median(ratios, (size_t)rounds));
    set_number(ratio, "wall", median(walls, (size_t)rounds));
    json_object_set_new(b->result, "ratio", ratio);
    rc = 0;
out:
    /* A stopped process must run again to act on SIGTERM. */
    if (ctl.pid)
        kill(ctl.pid, SIGCONT);
    if (fl.pid)
        kill(fl.pid, SIGCONT);
    bench_stop(&ctl, STOP_GRACE_S, NULL);
    bench_stop(&fl, STOP_GRACE_S, NULL);
    json_decref(hpac_rounds);
    json_decref(floor_rounds);
    return rc;
}

/* ---- setup and report -------------------------------------------------- */

/* An ephemeral loopback port that was free a moment ago. */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void cpu_model(char *buf, size_t size)
{
    char line[512];
    snprintf(buf, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *colon = strchr(line, ':');
            if (colon) {
                snprintf(buf, size, "%s", colon + 2);
                buf[strcspn(buf, "\n")] = '\0';
            }
            break;
        }
    }
    if (f)
        fclose(f);
}

static json_t *machine_json(const bench *b)
{
    char model[256];
    cpu_model(model, sizeof(model));
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    struct utsname u;
    uname(&u);
    return json_pack("{s:i, s:s, s:f, s:s, s:b}", "nproc", (int)sysconf(_SC_NPROCESSORS_ONLN),
                     "cpu", model, "mem_gib", (double)pages * (double)page / 1073741824.0, "kernel",
                     u.release, "pinned", b->sim_cpus != 0);
}

static double num(const json_t *o, const char *a, const char *k)
{
    return json_number_value(json_object_get(json_object_get(o, a), k));
}

/* "0.2822 (user 0.2011, sys 0.0811)": CPU seconds per 1000 of a phase. */
static void print_cpu_per_1000(const json_t *r, const char *phase)
{
    const json_t *w = json_object_get(r, phase);
    double n = json_number_value(json_object_get(w, "reconciles"));
    printf("%10.4f (user %.4f, sys %.4f)\n", num(r, phase, "cpu_s_per_1000"),
           json_number_value(json_object_get(w, "cpu_user_s")) / n * 1000.0,
           json_number_value(json_object_get(w, "cpu_sys_s")) / n * 1000.0);
}

static void print_report(const bench *b)
{
    const config *c = &b->cfg;
    const json_t *r = b->result;
    const json_t *m = json_object_get(r, "machine");
    const json_t *lat = json_object_get(json_object_get(r, "steady"), "latency");
    double cpu_ratio = num(r, "ratio", "cpu"), wall_ratio = num(r, "ratio", "wall");
    double per_rec = num(r, "steady", "cpu_s_per_1000") / 1000.0;
    double at15 = per_rec * (double)c->hpas / 15.0;
    const json_t *rss = json_object_get(json_object_get(r, "steady"), "rss_kib_per_period");
    long rss_first = (long)json_integer_value(json_array_get(rss, 0));
    long rss_last = (long)json_integer_value(json_array_get(rss, json_array_size(rss) - 1));
    printf("\n== hpac benchmark: %ld HPAs x %ld pods (%ld pods), %s, concurrency %ld ==\n", c->hpas,
           c->pods_per_hpa, c->hpas * c->pods_per_hpa, c->hpa_api, c->concurrency);
    printf("machine: %d CPUs, %s, %.1f GiB; %s\n",
           (int)json_integer_value(json_object_get(m, "nproc")),
           json_string_value(json_object_get(m, "cpu")), num(r, "machine", "mem_gib"),
           b->sim_cpus ? "hpac-sim on its own CPU" : "not pinned (1 CPU)");
    printf("\nsteady (period %.3gs, %ld periods):\n", c->period_s, c->periods);
    printf("  reconciles/s            %10.0f  (%s: %ld HPAs / %.3gs = %.0f)\n",
           num(r, "steady", "reconciles_per_s"),
           json_is_true(json_object_get(json_object_get(r, "steady"), "keeps_up")) ? "keeps up"
                                                                                   : "FALLS BEHIND",
           c->hpas, c->period_s, (double)c->hpas / c->period_s);
    printf("  controller CPU          %10.1f%% of one core\n",
           100 * num(r, "steady", "cpu_core_fraction"));
    printf("  CPU s / 1000 reconciles ");
    print_cpu_per_1000(r, "steady");
    printf("  API requests/reconcile  %10.3f\n", num(r, "steady", "requests_per_reconcile"));
    printf("  sim CPU                 %10.1f%% of one core\n",
           100 * num(r, "steady", "sim_cpu_core_fraction"));
    printf("  RSS first/last period   %7ld / %ld KiB, VmHWM %ld KiB\n", rss_first, rss_last,
           (long)json_integer_value(json_object_get(json_object_get(r, "steady"), "vm_hwm_kib")));
    printf("  metric change -> scale write: p50 %.0f ms, p99 %.0f ms (%lld probes, %lld missed)\n",
           json_number_value(json_object_get(lat, "p50_ms")),
           json_number_value(json_object_get(lat, "p99_ms")),
           (long long)json_integer_value(json_object_get(lat, "probes")),
           (long long)json_integer_value(json_object_get(lat, "missed")));
    printf("  projected at a 15s period: %.2f%% of one core\n", 100 * at15);
    if (json_object_get(r, "paced_floor")) {
        printf("  the floor at the same rate: %.1f%% of one core, CPU s / 1000 sequences ",
               100 * num(r, "paced_floor", "cpu_core_fraction"));
        print_cpu_per_1000(r, "paced_floor");
        printf("  steady CPU ratio to the paced floor: %.2f\n",
               num(r, "steady", "cpu_ratio_to_paced_floor"));
    }
    printf("\nsaturation (period 1ms; medians of %ld windows of %.3gs):\n", c->rounds, c->window_s);
    printf("  reconciles/s            %10.0f\n", num(r, "saturation", "reconciles_per_s"));
    printf("  controller CPU          %10.1f%% of one core\n",
           100 * num(r, "saturation", "cpu_core_fraction"));
    printf("  CPU s / 1000 reconciles ");
    print_cpu_per_1000(r, "saturation");
    printf("  API requests/reconcile  %10.3f\n", num(r, "saturation", "requests_per_reconcile"));
    printf("  sim CPU                 %10.1f%% of one core\n",
           100 * num(r, "saturation", "sim_cpu_core_fraction"));
    printf(
        "  VmHWM                   %10ld KiB\n",
        (long)json_integer_value(json_object_get(json_object_get(r, "saturation"), "vm_hwm_kib")));
    printf("\nfloor (same requests, same concurrency; windows alternating with hpac's):\n");
    printf("  sequences/s             %10.0f\n", num(r, "floor", "reconciles_per_s"));
    printf("  CPU                     %10.1f%% of one core\n",
           100 * num(r, "floor", "cpu_core_fraction"));
    printf("  CPU s / 1000 sequences  ");
    print_cpu_per_1000(r, "floor");
    printf("  API requests/sequence   %10.3f\n", num(r, "floor", "requests_per_reconcile"));
    printf("  sim CPU                 %10.1f%% of one core\n",
           100 * num(r, "floor", "sim_cpu_core_fraction"));
    printf("\nratio to the floor (median of the rounds): CPU %.2f (target <= 1.5), wall %.2f\n",
           cpu_ratio, wall_ratio);
    set_number((json_t *)r, "projected_core_fraction_at_15s", at15);
}

static int parse(int argc, char **argv, config *c)
{
    *c = (config){
        .bin = env_str("BENCH_BIN", "build-bench"),
        .out = env_str("BENCH_OUT", "build-bench/bench-out"),
        .hpas = env_long("N", 1000),
        .pods_per_hpa = env_long("PODS_PER_HPA", 10),
        .namespaces = env_long("NAMESPACES", 1),
        .hpa_api = env_str("HPA_API", "autoscaling/v2"),
        .period_s = env_double("PERIOD", 0),
        .periods = env_long("PERIODS", 10),
        .concurrency = env_long("CONCURRENCY", 16),
        .rounds = env_long("ROUNDS", 7),
        .window_s = env_double("WINDOW", 4.0),
        .warmup_s = env_double("WARMUP", 3.0),
        .probes = env_long("PROBES", 100),
        .sim_threads = env_long("SIM_THREADS", 2),
    };
    /* 1s keeps 1,000 HPAs busy; beyond that, the period of the targets
     * (and upstream's default): 15s. */
    if (c->period_s == 0)
        c->period_s = c->hpas <= 1000 ? 1.0 : 15.0;
    if (argc > 1) {
        fprintf(stderr, "usage: hpac-bench (settings come from the environment: see "
                        "bench/README.md)\n");
        return -1;
    }
    (void)argv;
    if (c->hpas < 1 || c->pods_per_hpa < 1 || c->namespaces < 1 || c->period_s <= 0 ||
        c->periods < 1 || c->concurrency < 1 || c->rounds < 1 || c->rounds > ROUNDS_MAX ||
        c->window_s <= 0 || c->warmup_s < 0 || c->probes < 0 || c->sim_threads < 1) {
        fprintf(stderr, "hpac-bench: invalid settings\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench b;
    memset(&b, 0, sizeof(b));
    b.sim.out_fd = -1;
    if (parse(argc, argv, &b.cfg))
        return 2;
    const config *c = &b.cfg;
    signal(SIGPIPE, SIG_IGN);
    snprintf(b.sim_log, sizeof(b.sim_log), "%s/sim-%ld.log", c->out, c->hpas);
    snprintf(b.ctl_log, sizeof(b.ctl_log), "%s/hpac-%ld.log", c->out, c->hpas);
    snprintf(b.floor_log, sizeof(b.floor_log), "%s/floor-%ld.log", c->out, c->hpas);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu >= 2 && ncpu <= 64) {
        /* The controller (and the floor) on CPU 0, the simulator on the
         * others. */
        b.ctl_cpus = 1;
        b.sim_cpus = (ncpu == 64 ? ~(uint64_t)0 : (((uint64_t)1 << ncpu) - 1)) & ~(uint64_t)1;
    }
    b.result = json_object();
    json_object_set_new(b.result, "machine", machine_json(&b));
    json_object_set_new(b.result, "config",
                        json_pack("{s:i, s:i, s:i, s:s, s:f, s:i, s:i, s:i, s:f, s:f, s:i, s:i}",
                                  "hpas", (int)c->hpas, "pods_per_hpa", (int)c->pods_per_hpa,
                                  "namespaces", (int)c->namespaces, "hpa_api", c->hpa_api,
                                  "period_s", c->period_s, "periods", (int)c->periods,
                                  "concurrency", (int)c->concurrency, "rounds", (int)c->rounds,
                                  "window_s", c->window_s, "warmup_s", c->warmup_s, "probes",
                                  (int)c->probes, "sim_threads", (int)c->sim_threads));
    int status = 1;
    fprintf(stderr, "bench: generating %ld HPAs x %ld pods in hpac-sim...\n", c->hpas,
            c->pods_per_hpa);
    double t = bench_now();
    if (start_sim(&b))
        goto out;
    json_object_set_new(b.result, "sim_start_s", json_real(bench_now() - t));
    fprintf(stderr, "bench: steady state (%ld periods of %gs)...\n", c->periods, c->period_s);
    if (run_steady(&b))
        goto out;
    fprintf(stderr, "bench: saturation and floor (%ld rounds of %gs each)...\n", c->rounds,
            c->window_s);
    if (run_side_by_side(&b))
        goto out;
    print_report(&b);
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof(path), "%s/result-%ld.json", c->out, c->hpas);
    if (json_dump_file(b.result, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0)
        printf("\nfull results: %s\nlogs: %s\n", path, c->out);
    status = 0;
out:
    bench_stop(&b.sim, STOP_GRACE_S, NULL);
    json_decref(b.result);
    return status;
}
