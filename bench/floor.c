/* hpac-floor: the I/O floor of one reconcile. The requests hpac makes for
 * an HPA in steady state (scale GET, metrics GET, and a status merge
 * patch of the same size when asked), on the same HTTP stack (lib/http + lib/kube),
 * with the same concurrency, and no decision at all. As in hpac, the
 * sequences started together (one pace tick, hpac's schedule slice) send
 * their metrics GETs together once their scales are read: one request per
 * group of metrics/pod_query_share.h. Like the controller
 * it first lists and watches the HPAs and the pods (and keeps the
 * watches open), so that the watch traffic is the same; the measured
 * window starts once both are synced and the warm-up is over.
 *
 * Prints one JSON line to stdout:
 *   {"hpas", "pods", "sequences", "requests", "errors", "cpu_s", "cpu_user_s", "wall_s",
 *    "startup_s", "startup_cpu_s", "max_rss_kib"}
 * where cpu_s is user+sys of this process (getrusage) over the window. */
#include "kube/client.h"
#include "kube/informer.h"
#include "hpa/pod_metrics_scan.h"
#include "hpa/scale_scan.h"
#include "kube/kubeconfig.h"
#include "metrics/metrics_batch.h"
#include "metrics/metrics_client.h"
#include "metrics/pod_query_share.h"
#include "util/strmap.h"
#include "util/strutil.h"

#include <ctype.h>
#include <math.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define USAGE                                                                                      \
    "usage: hpac-floor --master URL [--hpa-api autoscaling/v2|hpac.io/v1]\n"                       \
    "                  [--concurrency C] [--warmup S] [--duration S] [--status-every K]\n"         \
    "                  [--rate R]\n"

#define NAME_MAX_LEN 253
/* Paced, the floor starts what fell due in one tick together, as hpac
 * starts every HPA due within one 10 ms slice (SCHEDULE_SLICE_MS). */
#define PACE_TICK_S 0.010

typedef struct target {
    char *ns;
    char *scale_path;
    char *status_path;
    char *ns_escaped;
    /* The status write's body, from the HPA as last listed or watched:
     * its status, guarded by its resourceVersion, as hpac writes it. */
    json_t *status_patch;
} target;

typedef struct floor_run floor_run;
typedef struct cohort cohort;

typedef struct slot {
    floor_run *run;
    target *t;
    hpac_kube_call *call;
    cohort *cohort;      /* the sequences started with this one */
    size_t cohort_index; /* this slot's place in it */
    bool busy;
} slot;

/* Sequences started together: their metrics GETs go once every scale is
 * read. */
struct cohort {
    slot **members;
    char **selectors; /* each member's scale selector; NULL: failed */
    size_t count;
    size_t reading; /* scales not answered yet */
};

/* One metrics GET and the sequences it serves. */
typedef struct metrics_read {
    floor_run *run;
    slot **members;
    size_t count;
    hpac_kube_call *call;
} metrics_read;

struct floor_run {
    struct ev_loop *loop;
    hpac_kube *kube;
    hpac_informer *hpa_informer;
    hpac_informer *pod_informer;
    hpac_strmap *by_key; /* "ns/name" -> target */
    target **targets;
    size_t target_count, target_cap;
    size_t pods;
    bool hpas_synced, pods_synced;

    /* Options. */
    const char *hpa_api;
    size_t concurrency;
    double warmup_s, duration_s;
    unsigned long status_every;
    double rate; /* sequences per second; 0: as fast as the slots allow */

    slot *slots;
    size_t next; /* round-robin position */
    enum { WAITING, WARMING, MEASURING, DRAINING } phase;
    ev_timer phase_timer;
    ev_timer pace_timer; /* with a rate: starts the sequences that are due */
    double pace_start;
    unsigned long paced;                         /* sequences started since pace_start */
    double start_wall, start_cpu;                /* process start */
    double synced_wall, synced_cpu;              /* both lists delivered */
    double window_wall, window_cpu, window_user; /* window start */
    double end_wall, end_cpu, end_user;
    unsigned long sequences, requests, errors, started;
    int exit_status;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* user+sys seconds; user alone into *user when not NULL. */
static double cpu_times(double *user)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double u = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    if (user)
        *user = u;
    return u + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double cpu_now(void)
{
    return cpu_times(NULL);
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* "Deployment" -> "deployments": what discovery answers for the kinds the
 * benchmark generates, without the lookup (the floor decides nothing). */
static char *resource_of(const char *kind)
{
    char *lower = hpac_format("%ss", kind);
    for (char *p = lower; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return lower;
}

static char *group_version_prefix(const char *api_version)
{
    return strchr(api_version, '/') ? hpac_format("/apis/%s", api_version)
                                    : hpac_format("/api/%s", api_version);
}

static void target_free(target *t)
{
    if (!t)
        return;
    free(t->ns);
    free(t->scale_path);
    free(t->status_path);
    free(t->ns_escaped);
    json_decref(t->status_patch);
    free(t);
}

static target *target_new(const floor_run *r, const char *ns, const char *name, const json_t *ref)
{
    const char *api_version = json_string_value(json_object_get(ref, "apiVersion"));
    const char *kind = json_string_value(json_object_get(ref, "kind"));
    const char *tname = json_string_value(json_object_get(ref, "name"));
    target *t = calloc(1, sizeof(*t));
    char *prefix = api_version ? group_version_prefix(api_version) : NULL;
    char *hpa_prefix = group_version_prefix(r->hpa_api);
    char *resource = kind ? resource_of(kind) : NULL;
    char *ename = hpac_kube_escape(name);
    char *etname = tname ? hpac_kube_escape(tname) : NULL;
    if (t) {
        t->ns_escaped = hpac_kube_escape(ns);
        t->ns = hpac_strdup(ns);
    }
    if (t && t->ns && t->ns_escaped && prefix && hpa_prefix && resource && ename && etname) {
        t->scale_path =
            hpac_format("%s/namespaces/%s/%s/%s/scale", prefix, t->ns_escaped, resource, etname);
        t->status_path = hpac_format("%s/namespaces/%s/horizontalpodautoscalers/%s/status",
                                     hpa_prefix, t->ns_escaped, ename);
    }
    if (t && (!t->scale_path || !t->status_path)) {
        target_free(t);
        t = NULL;
    }
    free(prefix);
    free(hpa_prefix);
    free(resource);
    free(ename);
    free(etname);
    return t;
}

/* ---- the informers ------------------------------------------------------ */

static void hpa_upsert(void *ctx, json_t *object)
{
    floor_run *r = ctx;
    const json_t *meta = json_object_get(object, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (!ns || !name || strlen(ns) > NAME_MAX_LEN || strlen(name) > NAME_MAX_LEN)
        return;
    char key[2 * NAME_MAX_LEN + 2];
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    target *t = hpac_strmap_get(r->by_key, key);
    if (!t) {
        if (r->target_count == r->target_cap) {
            size_t cap = r->target_cap ? 2 * r->target_cap : 256;
            target **grown = realloc(r->targets, cap * sizeof(*grown));
            if (!grown)
                return;
            r->targets = grown;
            r->target_cap = cap;
        }
        t = target_new(r, ns, name,
                       json_object_get(json_object_get(object, "spec"), "scaleTargetRef"));
        if (!t)
            return;
        if (hpac_strmap_put(r->by_key, key, t)) {
            target_free(t);
            return;
        }
        r->targets[r->target_count++] = t;
    }
    json_decref(t->status_patch);
    t->status_patch = json_pack("{s:{s:s?}, s:O?}", "metadata", "resourceVersion",
                                json_string_value(json_object_get(meta, "resourceVersion")),
                                "status", json_object_get(object, "status"));
}

static void hpa_remove(void *ctx, const char *ns, const char *name)
{
    (void)ctx;
    (void)ns;
    (void)name; /* the benchmark deletes nothing */
}

static void pod_upsert(void *ctx, json_t *object)
{
    floor_run *r = ctx;
    (void)object;
    r->pods++;
}

static void pod_remove(void *ctx, const char *ns, const char *name)
{
    floor_run *r = ctx;
    (void)ns;
    (void)name;
    r->pods--;
}

static void start_sequences(floor_run *r);

static void enter_warmup(floor_run *r)
{
    r->phase = WARMING;
    r->synced_wall = wall_now();
    r->synced_cpu = cpu_now();
    ev_timer_set(&r->phase_timer, r->warmup_s, 0.);
    ev_timer_start(r->loop, &r->phase_timer);
    r->window_wall = wall_now();
    r->pace_start = wall_now();
    if (r->rate > 0)
        ev_timer_again(r->loop, &r->pace_timer);
    start_sequences(r);
}

static void maybe_synced(floor_run *r)
{
    if (r->phase != WAITING || !r->hpas_synced || !r->pods_synced)
        return;
    if (r->target_count == 0) {
        fprintf(stderr, "hpac-floor: no HPAs\n");
        r->exit_status = 1;
        ev_break(r->loop, EVBREAK_ALL);
        return;
    }
    enter_warmup(r);
}

static void hpa_synced(void *ctx)
{
    floor_run *r = ctx;
    r->hpas_synced = true;
    maybe_synced(r);
}

static void pod_synced(void *ctx)
{
    floor_run *r = ctx;
    r->pods_synced = true;
    maybe_synced(r);
}

/* ---- the sequence of one HPA --------------------------------------------- */

static void run_slot(slot *s);

static void sequence_done(slot *s)
{
    floor_run *r = s->run;
    s->busy = false;
    s->call = NULL;
    if (r->phase == MEASURING)
        r->sequences++;
    if (r->phase == WARMING || r->phase == MEASURING) {
        if (r->rate > 0)
            start_sequences(r);
        else
            run_slot(s);
        return;
    }
    if (r->phase == DRAINING) {
        for (size_t i = 0; i < r->concurrency; i++) {
            if (r->slots[i].busy)
                return;
        }
        ev_break(r->loop, EVBREAK_ALL);
    }
}

static void count_response(floor_run *r, const hpac_kube_response *resp)
{
    if (r->phase == MEASURING)
        r->requests++;
    if (resp->error)
        r->errors++;
}

static void on_status_written(void *ctx, const hpac_kube_response *resp)
{
    slot *s = ctx;
    s->call = NULL;
    count_response(s->run, resp);
    sequence_done(s);
}

/* After its metrics: the status write when asked, else done. */
static void after_metrics(slot *s)
{
    floor_run *r = s->run;
    if (r->status_every && s->t->status_patch && r->started % r->status_every == 0) {
        s->call = hpac_kube_request(r->kube, "PATCH", s->t->status_path, s->t->status_patch,
                                    "application/merge-patch+json", on_status_written, s);
        if (s->call)
            return;
    }
    sequence_done(s);
}

/* The answer read as hpac reads it (the fast reader, the tree when it
 * gives up), and dropped. */
static void read_pod_metrics(const hpac_kube_response *resp)
{
    hpac_scanned_pod_metrics scanned;
    if (!resp->raw)
        return;
    if (hpac_pod_metrics_scan(resp->raw, resp->raw_len, &scanned) == HPAC_SCAN_OK)
        hpac_scanned_pod_metrics_clear(&scanned);
    else
        json_decref(json_loadb(resp->raw, resp->raw_len, 0, NULL));
}

static void on_metrics(void *ctx, const hpac_kube_response *resp)
{
    metrics_read *m = ctx;
    count_response(m->run, resp);
    read_pod_metrics(resp);
    for (size_t i = 0; i < m->count; i++)
        after_metrics(m->members[i]);
    free(m->members);
    free(m);
}

static void send_metrics_read(floor_run *r, slot **cohort_members,
                              const hpac_shared_pod_query *q)
{
    hpac_metric_spec spec = {.type = HPAC_METRIC_RESOURCE};
    metrics_read *m = calloc(1, sizeof(*m));
    char *path = hpac_metrics_path(q->ns, q->selector, &spec, NULL);
    if (m)
        m->members = calloc(q->member_count, sizeof(*m->members));
    if (m && m->members && path) {
        m->run = r;
        for (size_t i = 0; i < q->member_count; i++)
            m->members[m->count++] = cohort_members[q->members[i]];
        m->call = hpac_kube_read(r->kube, path, on_metrics, m);
    }
    free(path);
    if (m && m->call)
        return;
    r->errors++;
    for (size_t i = 0; i < q->member_count; i++)
        sequence_done(cohort_members[q->members[i]]);
    if (m)
        free(m->members);
    free(m);
}

static cohort *cohort_new(size_t capacity)
{
    cohort *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->members = calloc(capacity, sizeof(*c->members));
    c->selectors = calloc(capacity, sizeof(*c->selectors));
    if (!c->members || !c->selectors) {
        free(c->members);
        free(c->selectors);
        free(c);
        return NULL;
    }
    return c;
}

static void cohort_free(cohort *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        free(c->selectors[i]);
    free(c->selectors);
    free(c->members);
    free(c);
}

/* Every scale of the cohort is read: its metrics GETs, grouped as hpac
 * groups them. */
static void send_cohort_metrics(floor_run *r, cohort *c)
{
    size_t n = 0;
    slot **ready = calloc(c->count, sizeof(*ready));
    hpac_pod_query *queries = calloc(c->count, sizeof(*queries));
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    for (size_t i = 0; ready && queries && i < c->count; i++) {
        if (c->selectors[i]) {
            ready[n] = c->members[i];
            queries[n++] = (hpac_pod_query){c->members[i]->t->ns, c->selectors[i]};
        }
    }
    if (ready && queries &&
        hpac_share_pod_queries(queries, n, HPAC_METRICS_BATCH_MAX_MEMBERS, &groups,
                               &group_count) == 0) {
        for (size_t g = 0; g < group_count; g++)
            send_metrics_read(r, ready, &groups[g]);
    } else {
        r->errors++;
        for (size_t i = 0; i < n; i++)
            sequence_done(ready[i]);
    }
    hpac_shared_pod_queries_free(groups, group_count);
    free(queries);
    free(ready);
    cohort_free(c);
}

static void on_scale(void *ctx, const hpac_kube_response *resp)
{
    slot *s = ctx;
    floor_run *r = s->run;
    s->call = NULL;
    count_response(r, resp);
    /* Read as hpac reads it: the fast reader, the tree when it gives up
     * (and, as hpac, a copy of the bytes kept for a write). */
    hpac_scale scale = {0};
    char *kept = resp->raw ? malloc(resp->raw_len + 1) : NULL;
    if (kept)
        memcpy(kept, resp->raw, resp->raw_len);
    if (resp->raw && hpac_scale_scan(resp->raw, resp->raw_len, &scale) != HPAC_SCAN_OK) {
        json_t *tree = json_loadb(resp->raw, resp->raw_len, 0, NULL);
        if (tree)
            hpac_scale_from_json(tree, &scale, NULL, 0);
        json_decref(tree);
    }
    free(kept);
    cohort *c = s->cohort;
    s->cohort = NULL;
    c->selectors[s->cohort_index] = scale.selector ? hpac_strdup(scale.selector) : NULL;
    hpac_scale_clear(&scale);
    if (!c->selectors[s->cohort_index]) {
        r->errors++;
        sequence_done(s); /* no metrics to read */
    }
    if (--c->reading == 0)
        send_cohort_metrics(r, c);
}

/* Starts slot s's sequence in cohort c; false when it could not start. */
static bool start_slot(slot *s, cohort *c)
{
    floor_run *r = s->run;
    s->t = r->targets[r->next];
    r->next = (r->next + 1) % r->target_count;
    r->started++;
    s->busy = true;
    s->call = hpac_kube_read(r->kube, s->t->scale_path, on_scale, s);
    if (!s->call) {
        r->errors++;
        s->busy = false;
        return false;
    }
    s->cohort = c;
    s->cohort_index = c->count;
    c->members[c->count++] = s;
    c->reading++;
    return true;
}

static void run_slot(slot *s)
{
    cohort *c = cohort_new(1);
    if (c && start_slot(s, c))
        return;
    s->run->errors++;
    cohort_free(c);
}

static void start_sequences(floor_run *r)
{
    /* Paced: as many as were due by the end of the last tick, slots
     * permitting (a late one starts as soon as a slot frees), as hpac
     * starts what fell due by the end of its last schedule slice. The ones
     * started here are a cohort. */
    double ticks = floor((wall_now() - r->pace_start) / PACE_TICK_S); /* ended ticks */
    unsigned long due =
        r->rate > 0 ? (unsigned long)(ticks * PACE_TICK_S * r->rate) : (unsigned long)-1;
    cohort *c = cohort_new(r->concurrency);
    if (!c) {
        r->errors++;
        return;
    }
    for (size_t i = 0; i < r->concurrency && r->paced < due; i++) {
        if (!r->slots[i].busy && start_slot(&r->slots[i], c))
            r->paced++;
    }
    if (c->count == 0)
        cohort_free(c);
}

static void on_pace_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    floor_run *r = w->data;
    if (r->phase == WARMING || r->phase == MEASURING)
        start_sequences(r);
}

static void on_phase_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    floor_run *r = w->data;
    if (r->phase == WARMING) {
        r->phase = MEASURING;
        r->window_wall = wall_now();
        r->window_cpu = cpu_times(&r->window_user);
        /* The driver reads the server's CPU time at this line. */
        printf("measuring\n");
        fflush(stdout);
        ev_timer_set(w, r->duration_s, 0.);
        ev_timer_start(loop, w);
        return;
    }
    r->end_wall = wall_now();
    r->end_cpu = cpu_times(&r->end_user);
    r->phase = DRAINING;
    ev_timer_stop(loop, &r->pace_timer);
    for (size_t i = 0; i < r->concurrency; i++) {
        if (r->slots[i].busy)
            return;
    }
    ev_break(loop, EVBREAK_ALL);
}

/* ---- main -------------------------------------------------------------- */

static int parse(int argc, char **argv, floor_run *r, const char **master)
{
    r->hpa_api = "autoscaling/v2";
    r->concurrency = 8;
    r->warmup_s = 2;
    r->duration_s = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (!strcmp(flag, "--master"))
            *master = value;
        else if (!strcmp(flag, "--hpa-api"))
            r->hpa_api = value;
        else if (!strcmp(flag, "--concurrency"))
            r->concurrency = strtoul(value, NULL, 10);
        else if (!strcmp(flag, "--warmup"))
            r->warmup_s = strtod(value, NULL);
        else if (!strcmp(flag, "--duration"))
            r->duration_s = strtod(value, NULL);
        else if (!strcmp(flag, "--status-every"))
            r->status_every = strtoul(value, NULL, 10);
        else if (!strcmp(flag, "--rate"))
            r->rate = strtod(value, NULL);
        else
            return -1;
    }
    if (argc % 2 == 0 || !*master || r->concurrency < 1 || r->duration_s <= 0 || r->warmup_s < 0 ||
        r->rate < 0)
        return -1;
    return 0;
}

static char *collection(const char *api_version, const char *resource)
{
    char *prefix = group_version_prefix(api_version);
    char *path = prefix ? hpac_format("%s/%s", prefix, resource) : NULL;
    free(prefix);
    return path;
}

static void report(const floor_run *r)
{
    printf("{\"hpas\":%zu,\"pods\":%zu,\"sequences\":%lu,\"requests\":%lu,\"errors\":%lu,"
           "\"cpu_s\":%.6f,\"cpu_user_s\":%.6f,\"wall_s\":%.6f,\"startup_s\":%.6f,\"startup_cpu_"
           "s\":%.6f,"
           "\"max_rss_kib\":%ld}\n",
           r->target_count, r->pods, r->sequences, r->requests, r->errors,
           r->end_cpu - r->window_cpu, r->end_user - r->window_user, r->end_wall - r->window_wall,
           r->synced_wall - r->start_wall, r->synced_cpu - r->start_cpu, max_rss_kib());
    fflush(stdout);
}

int main(int argc, char **argv)
{
    floor_run r = {0};
    const char *master = NULL;
    char err[1024];
    char *hpa_path = NULL;
    hpac_kube_config cfg = {0};
    if (parse(argc, argv, &r, &master)) {
        fputs(USAGE, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    r.exit_status = 1;
    r.start_wall = wall_now();
    r.start_cpu = cpu_now();
    r.loop = ev_default_loop(0);
    r.by_key = hpac_strmap_new();
    r.slots = calloc(r.concurrency, sizeof(*r.slots));
    hpa_path = collection(r.hpa_api, "horizontalpodautoscalers");
    if (!r.loop || !r.by_key || !r.slots || !hpa_path) {
        fprintf(stderr, "hpac-floor: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < r.concurrency; i++)
        r.slots[i].run = &r;
    if (hpac_kube_config_from_master(master, &cfg, err, sizeof(err)) ||
        !(r.kube = hpac_kube_new(r.loop, &cfg, err, sizeof(err)))) {
        fprintf(stderr, "hpac-floor: %s\n", err);
        goto out;
    }
    static const hpac_informer_handlers hpa_handlers = {
        .upsert = hpa_upsert, .remove = hpa_remove, .synced = hpa_synced};
    static const hpac_informer_handlers pod_handlers = {
        .upsert = pod_upsert, .remove = pod_remove, .synced = pod_synced};
    r.hpa_informer = hpac_informer_new(r.kube, hpa_path, &hpa_handlers, &r);
    r.pod_informer = hpac_informer_new(r.kube, "/api/v1/pods", &pod_handlers, &r);
    if (!r.hpa_informer || !r.pod_informer || hpac_informer_start(r.hpa_informer) ||
        hpac_informer_start(r.pod_informer)) {
        fprintf(stderr, "hpac-floor: cannot start the watches\n");
        goto out;
    }
    ev_timer_init(&r.phase_timer, on_phase_timer, 0., 0.);
    r.phase_timer.data = &r;
    /* Every 2 ms: fine enough for thousands of sequences a second. */
    ev_init(&r.pace_timer, on_pace_timer);
    r.pace_timer.repeat = PACE_TICK_S;
    r.pace_timer.data = &r;
    r.exit_status = 0;
    ev_run(r.loop, 0);
    if (r.exit_status == 0)
        report(&r);
out:
    for (size_t i = 0; r.slots && i < r.concurrency; i++)
        hpac_kube_cancel(r.slots[i].call);
    if (r.loop) {
        ev_timer_stop(r.loop, &r.phase_timer);
        ev_timer_stop(r.loop, &r.pace_timer);
    }
    hpac_informer_free(r.hpa_informer);
    hpac_informer_free(r.pod_informer);
    hpac_kube_free(r.kube);
    hpac_kube_config_clear(&cfg);
    for (size_t i = 0; i < r.target_count; i++)
        target_free(r.targets[i]);
    free(r.targets);
    hpac_strmap_free(r.by_key);
    free(r.slots);
    free(hpa_path);
    return r.exit_status;
}
