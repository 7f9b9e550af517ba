/* The long-running controller. One libev loop drives everything: two
 * informers feed the HPA entries and the pod cache; a timer pops the HPAs
 * that are due from a min-heap and starts their reconciles, at most
 * --concurrent-horizontal-pod-autoscaler-syncs at once; a finished
 * reconcile schedules the next one a sync period after it was due. */
#include "controller/controller.h"

#include "controller/leader.h"
#include "controller/once.h"
#include "controller/pod_cache.h"
#include "controller/reconcile.h"
#include "hpa/history_codec.h"
#include "hpa/labels.h"
#include "hpa/snapshot.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "kube/informer.h"
#include "obs/metrics.h"
#include "obs/server.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest a graceful shutdown waits for in-flight work. */
#define SHUTDOWN_GRACE_S 5.0
/* A history that changed without a scale or a status write is persisted
 * at most this often: a restart then loses at most this much of it. */
#define HISTORY_PERSIST_INTERVAL_MS 60000
/* HPAs falling due within one such slice are started together, at its
 * end: with 10,000 HPAs spread over a 15 s period, waking for each one
 * separately cost more than a reconcile's own work, and HPAs started
 * together read their pod metrics together. A start at most this late is
 * far inside the jitter of any sync period. */
#define SCHEDULE_SLICE_MS 10

/* The end of the last slice that has ended by `now_ms`: what is due by
 * then may start. */
static int64_t slice_horizon(int64_t now_ms)
{
    return now_ms - now_ms % SCHEDULE_SLICE_MS;
}

typedef struct hpac_controller controller;

typedef struct hpa_entry {
    controller *ctl;
    char *key; /* "namespace/name" */
    char *ns;
    char *name;
    hpac_hpa_snapshot *snapshot; /* the latest version, decoded once */
    int64_t generation;
    int shard;
    hpac_history history;
    bool history_current; /* in memory is newer than the annotation */
    /* The history encoding last written or read, as a hash: only ever
     * compared, and 10,000 encodings would cost megabytes. */
    unsigned long long persisted_hash;
    bool has_persisted;
    int64_t persisted_at_ms;
    uint32_t id;        /* for the pod cache's claims (AmbiguousSelector) */
    int64_t due_ms;     /* monotonic */
    size_t heap_index;  /* SIZE_MAX: not scheduled */
    hpac_reconcile *running;
    int64_t started_ms;
    bool rerun;   /* changed while running: reconcile again at once */
    bool deleted; /* removed while running: freed when it finishes */
} hpa_entry;

/* A schedule entry: the due time beside the pointer, so that sifting
 * through 10,000 entries compares without touching them. */
typedef struct heap_slot {
    int64_t due_ms;
    hpa_entry *entry;
} heap_slot;

struct hpac_controller {
    const hpac_options *opts;
    struct ev_loop *loop;
    hpac_kube *kube;
    hpac_discovery *discovery;
    hpac_obs *obs;
    hpac_obs_server *obs_server;
    hpac_leader *leader;
    hpac_pod_cache *pods;
    hpac_informer *hpa_informer;
    hpac_informer *pod_informer;
    hpac_event_recorder *events;
    hpac_reconcile_env env;
    char instance[256];
    char *hpa_api_path; /* collection path of the HPA API in use */

    hpac_strmap *entries;
    hpac_strmap *entries_by_id; /* decimal id -> entry */
    uint32_t next_id;
    heap_slot *heap;
    size_t heap_count;
    size_t heap_capacity;
    size_t running;
    size_t writes_in_flight; /* history annotations */
    bool hpas_synced;
    bool pods_synced;
    bool stopping;
    int exit_status;

    ev_timer tick;
    ev_timer shutdown_deadline;
    ev_signal sigterm;
    ev_signal sigint;
    ev_async stop_request; /* hpac_controller_stop, from any thread */
    bool handle_signals;
};

/* ---- the schedule: a min-heap on due time ----------------------------- */

static bool earlier(const heap_slot *a, const heap_slot *b)
{
    return a->due_ms < b->due_ms;
}

static void heap_swap(controller *c, size_t i, size_t j)
{
    heap_slot t = c->heap[i];
    c->heap[i] = c->heap[j];
    c->heap[j] = t;
    c->heap[i].entry->heap_index = i;
    c->heap[j].entry->heap_index = j;
}

static void heap_up(controller *c, size_t i)
{
    while (i > 0 && earlier(&c->heap[i], &c->heap[(i - 1) / 2])) {
        heap_swap(c, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(controller *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->heap_count && earlier(&c->heap[l], &c->heap[m]))
            m = l;
        if (r < c->heap_count && earlier(&c->heap[r], &c->heap[m]))
            m = r;
        if (m == i)
            return;
        heap_swap(c, i, m);
        i = m;
    }
}

static void heap_remove(controller *c, hpa_entry *e)
{
    size_t i = e->heap_index;
    if (i == SIZE_MAX)
        return;
    c->heap_count--;
    if (i != c->heap_count) {
        c->heap[i] = c->heap[c->heap_count];
        c->heap[i].entry->heap_index = i;
        heap_down(c, i);
        heap_up(c, i);
    }
    e->heap_index = SIZE_MAX;
}

static void rearm(controller *c)
{
    ev_timer_stop(c->loop, &c->tick);
    /* With every slot taken, the next completion starts what is due. */
    if (c->stopping || c->heap_count == 0 || c->running >= (size_t)c->opts->concurrent_syncs)
        return;
    /* The end of the slice the heap top falls due in. */
    int64_t due = c->heap[0].due_ms;
    int64_t slice_end = due + (SCHEDULE_SLICE_MS - due % SCHEDULE_SLICE_MS) % SCHEDULE_SLICE_MS;
    int64_t wait = slice_end - hpac_clock_monotonic_ms();
    if (wait < 0)
        wait = 0; /* overdue: at once */
    ev_timer_set(&c->tick, (double)wait / 1000.0, 0.);
    ev_timer_start(c->loop, &c->tick);
}

/* (Re)schedules an entry; 0 or -1 when the heap cannot grow. */
static int schedule(controller *c, hpa_entry *e, int64_t due_ms)
{
    e->due_ms = due_ms;
    if (e->heap_index != SIZE_MAX) {
        c->heap[e->heap_index].due_ms = due_ms;
        heap_down(c, e->heap_index);
        heap_up(c, e->heap_index);
    } else {
        if (c->heap_count == c->heap_capacity) {
            size_t capacity = c->heap_capacity ? c->heap_capacity * 2 : 64;
            heap_slot *bigger = realloc(c->heap, capacity * sizeof(*bigger));
            if (!bigger)
                return -1;
            c->heap = bigger;
            c->heap_capacity = capacity;
        }
        e->heap_index = c->heap_count;
        c->heap[c->heap_count++] = (heap_slot){due_ms, e};
        heap_up(c, e->heap_index);
    }
    rearm(c);
    return 0;
}

/* ---- ownership -------------------------------------------------------- */

static bool owns_shard(const controller *c, int shard)
{
    return !c->leader || hpac_leader_is_leading(c->leader, shard);
}

static bool may_write(void *ctx, const char *ns, const char *name)
{
    controller *c = ctx;
    if (c->stopping && !c->leader)
        return true; /* finishing in-flight work on shutdown */
    return owns_shard(c, hpac_shard_of(ns, name, c->opts->shards));
}

/* ---- entries ------------------------------------------------------------- */

static void entry_free(hpa_entry *e)
{
    char idtext[16];
    snprintf(idtext, sizeof(idtext), "%u", e->id);
    if (e->ctl->entries_by_id)
        hpac_strmap_remove(e->ctl->entries_by_id, idtext);
    hpac_history_clear(&e->history);
    hpac_hpa_snapshot_unref(e->snapshot);
    free(e->key);
    free(e->ns);
    free(e->name);
    free(e);
}

/* Loads the persisted history from the object's annotation (`text`, NULL
 * when it has none). */
static void load_history(hpa_entry *e, const char *text)
{
    hpac_history_clear(&e->history);
    e->has_persisted = false;
    e->history_current = true;
    if (!text)
        return;
    char err[256];
    if (hpac_history_decode(text, strlen(text), &e->history, err, sizeof(err))) {
        hpac_warn("HPA=\"%s\": ignoring its persisted history: %s", e->key, err);
        hpac_history_clear(&e->history);
        return;
    }
    e->persisted_hash = hpac_hash_string(text);
    e->has_persisted = true;
    e->persisted_at_ms = hpac_clock_monotonic_ms();
    hpac_info(2, "HPA=\"%s\": history restored (%zu recommendations, %zu+%zu scale events)",
              e->key, e->history.recommendation_count, e->history.scale_up_count,
              e->history.scale_down_count);
}

static void maybe_finish_shutdown(controller *c);

static void on_history_written(void *ctx, const hpac_kube_response *resp)
{
    controller *c = ctx;
    c->writes_in_flight--;
    if (resp->error)
        hpac_warn("persisting an HPA's history failed: %s", resp->error);
    /* The last write of a shutdown: do not wait for the grace period. */
    if (c->stopping)
        maybe_finish_shutdown(c);
}

/* Persists the history on the HPA (annotation) when it matters: after a
 * scale or a status write, or once a minute while it keeps changing. */
static void persist_history(controller *c, hpa_entry *e, bool wrote_something)
{
    int64_t now = hpac_clock_monotonic_ms();
    /* Not due: nothing to encode (most syncs, which encoding cost 5 % of
     * the CPU at saturation). */
    bool due = wrote_something || now - e->persisted_at_ms >= HISTORY_PERSIST_INTERVAL_MS;
    if (!due)
        return;
    hpac_history_prune(&e->history, hpac_clock_wall_ms(), HPAC_HISTORY_KEEP_MS);
    char *text = hpac_history_encode(&e->history);
    if (!text)
        return;
    /* A hash collision would only delay a write until the next change. */
    unsigned long long hash = hpac_hash_string(text);
    bool changed = !e->has_persisted || e->persisted_hash != hash;
    if (!changed || !may_write(c, e->ns, e->name)) {
        free(text);
        return;
    }
    char *ens = hpac_kube_escape(e->ns);
    char *ename = hpac_kube_escape(e->name);
    char *collection = hpac_hpa_collection_path(c->opts->hpa_api, e->ns);
    char *path = collection && ename ? hpac_format("%s/%s", collection, ename) : NULL;
    json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations",
                              HPAC_HISTORY_ANNOTATION, text);
    if (path && patch &&
        hpac_kube_write(c->kube, "PATCH", path, patch, "application/merge-patch+json",
                        on_history_written, c)) {
        c->writes_in_flight++;
        e->persisted_hash = hash;
        e->has_persisted = true;
        e->persisted_at_ms = now;
    }
    json_decref(patch);
    free(path);
    free(collection);
    free(ens);
    free(ename);
    free(text);
}

/* ---- reconciles ---------------------------------------------------------- */

static void start_due(controller *c);

static hpac_obs_action action_of(const hpac_reconcile_report *r)
{
    if (!r->scaled)
        return HPAC_OBS_ACTION_NONE;
    return r->to > r->from ? HPAC_OBS_ACTION_SCALE_UP : HPAC_OBS_ACTION_SCALE_DOWN;
}

static void on_reconciled(void *ctx, const hpac_reconcile_report *report)
{
    hpa_entry *e = ctx;
    controller *c = e->ctl;
    int64_t now = hpac_clock_monotonic_ms();
    e->running = NULL;
    c->running--;
    hpac_obs_error error = !report->failed       ? HPAC_OBS_ERROR_NONE
                           : report->spec_error ? HPAC_OBS_ERROR_SPEC
                                                : HPAC_OBS_ERROR_INTERNAL;
    hpac_obs_reconciliation(c->obs, action_of(report), error,
                            (double)(now - e->started_ms) / 1000.0);
    for (size_t i = 0; i < report->metric_count; i++) {
        const hpac_reconcile_metric *m = &report->metrics[i];
        hpac_obs_action action = m->direction > 0   ? HPAC_OBS_ACTION_SCALE_UP
                                 : m->direction < 0 ? HPAC_OBS_ACTION_SCALE_DOWN
                                                    : HPAC_OBS_ACTION_NONE;
        hpac_obs_error merror = !m->failed     ? HPAC_OBS_ERROR_NONE
                                : m->spec_error ? HPAC_OBS_ERROR_SPEC
                                                : HPAC_OBS_ERROR_INTERNAL;
        hpac_obs_metric_computation(c->obs, action, merror, m->type, m->seconds);
    }
    if (!report->aborted && !report->failed)
        hpac_obs_desired_replicas_set(c->obs, e->ns, e->name, report->to);
    if (e->deleted) {
        entry_free(e);
    } else {
        if (!report->aborted && !c->opts->dry_run)
            persist_history(c, e, report->scaled || report->status_written);
        /* A period after it was due, not after it started: a fixed rate,
         * as upstream's resync, so that waiting for a free slot does not
         * stretch every HPA's period (10,000 HPAs at 15s fell ~1% behind). */
        int64_t next = e->rerun ? now : e->due_ms + c->opts->sync_period_ms;
        e->rerun = false;
        if (!c->stopping)
            schedule(c, e, next < now ? now : next);
    }
    if (c->stopping)
        maybe_finish_shutdown(c);
    else
        start_due(c);
}

static void start_reconcile(controller *c, hpa_entry *e, hpac_metrics_batch *batch)
{
    if (!e->history_current) {
        /* After gaining a shard: the history the last leader persisted.
         * (An object that cannot be decoded starts afresh: it is reported
         * invalid, not scaled.) */
        load_history(e, e->snapshot->hpa.history_annotation);
    }
    e->started_ms = hpac_clock_monotonic_ms();
    e->running = hpac_reconcile_start(&c->env, e->snapshot, &e->history, on_reconciled, e);
    if (e->running) {
        hpac_reconcile_join_batch(e->running, batch);
        c->running++;
    }
    else
        schedule(c, e, e->started_ms + c->opts->sync_period_ms);
}

/* Starts every due reconcile the concurrency limit allows. */
static void start_due(controller *c)
{
    /* Nothing starts before both caches are synced, as upstream waits for
     * its listers: a reconcile before the pods are listed finds none and
     * reports a failure. The synced handlers call this again. */
    if (!c->hpas_synced || !c->pods_synced) {
        ev_timer_stop(c->loop, &c->tick);
        return;
    }
    int64_t horizon = slice_horizon(hpac_clock_monotonic_ms());
    /* The HPAs started together read their pod metrics together. */
    hpac_metrics_batch *batch = NULL;
    while (!c->stopping && c->heap_count > 0 &&
           c->running < (size_t)c->opts->concurrent_syncs && c->heap[0].due_ms <= horizon) {
        hpa_entry *e = c->heap[0].entry;
        heap_remove(c, e);
        if (!owns_shard(c, e->shard)) {
            /* Another replica owns it; gaining the shard reschedules it. */
            continue;
        }
        if (!batch)
            batch = hpac_metrics_batch_new(c->kube);
        start_reconcile(c, e, batch);
    }
    if (batch)
        hpac_metrics_batch_leave(batch);
    rearm(c);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    start_due(w->data);
}

/* ---- the HPA informer -------------------------------------------------- */

static void hpa_upsert(void *ctx, json_t *object)
{
    controller *c = ctx;
    const json_t *meta = json_object_get(object, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (!ns || !name)
        return;
    char *key = hpac_format("%s/%s", ns, name);
    /* Decoded here, once per version, not at every sync. */
    hpac_hpa_snapshot *snapshot = hpac_hpa_snapshot_new(object);
    if (!key || !snapshot)
        goto out;
    int64_t generation = json_integer_value(json_object_get(meta, "generation"));
    int64_t now = hpac_clock_monotonic_ms();
    hpa_entry *e = hpac_strmap_get(c->entries, key);
    if (e) {
        bool spec_changed = generation != e->generation;
        hpac_hpa_snapshot_unref(e->snapshot);
        e->snapshot = snapshot;
        snapshot = NULL;
        e->generation = generation;
        if (spec_changed) {
            /* A spec change is acted on at once, not a period later. */
            if (e->running)
                e->rerun = true;
            else
                schedule(c, e, now);
        }
        goto out;
    }
    e = calloc(1, sizeof(*e));
    if (!e)
        goto out;
    e->ctl = c;
    e->key = key;
    key = NULL;
    e->ns = hpac_strdup(ns);
    e->name = hpac_strdup(name);
    e->snapshot = snapshot;
    snapshot = NULL;
    e->generation = generation;
    e->shard = hpac_shard_of(ns, name, c->opts->shards);
    e->heap_index = SIZE_MAX;
    e->id = ++c->next_id;
    char idtext[16];
    snprintf(idtext, sizeof(idtext), "%u", e->id);
    if (!e->ns || !e->name || hpac_strmap_put(c->entries, e->key, e)) {
        entry_free(e);
        goto out;
    }
    if (hpac_strmap_put(c->entries_by_id, idtext, e)) {
        hpac_strmap_remove(c->entries, e->key);
        entry_free(e);
        goto out;
    }
    load_history(e, json_string_value(json_object_get(
                        json_object_get(meta, "annotations"), HPAC_HISTORY_ANNOTATION)));
    /* HPAs found by the first list are spread over the first period; one
     * created later is reconciled at once. */
    int64_t offset = c->hpas_synced ? 0
                                    : (int64_t)(hpac_hash_string(e->key) %
                                                (unsigned long long)c->opts->sync_period_ms);
    schedule(c, e, now + offset);
    hpac_obs_hpas_set(c->obs, hpac_strmap_count(c->entries));
out:
    free(key);
    hpac_hpa_snapshot_unref(snapshot);
}

static void hpa_remove(void *ctx, const char *ns, const char *name)
{
    controller *c = ctx;
    char *key = hpac_format("%s/%s", ns, name);
    hpa_entry *e = key ? hpac_strmap_remove(c->entries, key) : NULL;
    free(key);
    if (!e)
        return;
    hpac_info(1, "HPA=\"%s\" deleted: forgetting it", e->key);
    heap_remove(c, e);
    hpac_obs_desired_replicas_remove(c->obs, e->ns, e->name);
    hpac_obs_hpas_set(c->obs, hpac_strmap_count(c->entries));
    if (e->running) {
        hpac_reconcile_cancel(e->running);
        e->running = NULL;
        c->running--;
    }
    entry_free(e);
    rearm(c);
}

static void update_readiness(controller *c)
{
    hpac_obs_set_synced(c->obs, c->hpas_synced && c->pods_synced && !c->stopping);
}

static void hpa_synced(void *ctx)
{
    controller *c = ctx;
    if (!c->hpas_synced)
        hpac_info(0, "HorizontalPodAutoscalers synced: %zu", hpac_strmap_count(c->entries));
    c->hpas_synced = true;
    update_readiness(c);
    start_due(c);
}

static void hpa_restarted(void *ctx, const char *why)
{
    controller *c = ctx;
    /* Every re-established watch counts, the server's routine timeouts
     * (every 5 to 10 minutes) included: a rate well above that is trouble. */
    hpac_obs_watch_restart(c->obs, "horizontalpodautoscalers");
    hpac_info(1, "HPA watch restarted: %s", why ? why : "");
}

/* ---- the pod informer and cache ---------------------------------------- */

static void pod_upsert(void *ctx, json_t *object)
{
    controller *c = ctx;
    char err[256];
    if (hpac_pod_cache_upsert(c->pods, object, err, sizeof(err)))
        hpac_warn("ignoring a pod: %s", err);
}

static void pod_remove(void *ctx, const char *ns, const char *name)
{
    controller *c = ctx;
    hpac_pod_cache_remove(c->pods, ns, name);
}

static void pod_synced(void *ctx)
{
    controller *c = ctx;
    if (!c->pods_synced)
        hpac_info(0, "Pods synced: %zu", hpac_pod_cache_count(c->pods));
    c->pods_synced = true;
    update_readiness(c);
    start_due(c);
}

static void pod_restarted(void *ctx, const char *why)
{
    controller *c = ctx;
    hpac_obs_watch_restart(c->obs, "pods");
    hpac_info(1, "pod watch restarted: %s", why ? why : "");
}

/* The pods an HPA's selector picks, from the cache, and upstream's
 * AmbiguousSelector: whether another HPA claims some of them. Claims are
 * renewed every sync period (the epoch). One selection serves both. */
static int pods_from_cache(void *ctx, const char *ns, const char *name,
                           const hpac_selector *sel, hpac_pod **pods, size_t *count,
                           char **ambiguous_with)
{
    controller *c = ctx;
    char key[512];
    uint32_t *ids = NULL;
    *ambiguous_with = NULL;
    if (hpac_pod_cache_select_ids(c->pods, ns, sel, pods, &ids, count))
        return -1;
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    hpa_entry *e = hpac_strmap_get(c->entries, key);
    uint32_t epoch = (uint32_t)(hpac_clock_monotonic_ms() / c->opts->sync_period_ms);
    uint32_t other = 0;
    if (e && hpac_pod_cache_claim(c->pods, ids, *count, e->id, epoch, &other) != 0) {
        char idtext[16];
        snprintf(idtext, sizeof(idtext), "%u", other);
        hpa_entry *o = hpac_strmap_get(c->entries_by_id, idtext);
        *ambiguous_with = hpac_format("[%s %s]", e->key, o ? o->key : "another HPA");
    }
    free(ids);
    return 0;
}

/* ---- leadership ---------------------------------------------------------- */

typedef struct shard_visit {
    controller *c;
    int shard;
    bool leading;
} shard_visit;

static void on_shard_entry(void *ctx, const char *key, void *value)
{
    (void)key;
    shard_visit *v = ctx;
    hpa_entry *e = value;
    if (e->shard != v->shard)
        return;
    if (v->leading) {
        /* Another replica led it: its history is in the annotation. */
        if (!e->running)
            e->history_current = false;
        schedule(v->c, e, hpac_clock_monotonic_ms());
    } else if (e->running) {
        hpac_reconcile_cancel(e->running);
        e->running = NULL;
        v->c->running--;
        hpac_obs_desired_replicas_remove(v->c->obs, e->ns, e->name);
        schedule(v->c, e, hpac_clock_monotonic_ms() + v->c->opts->sync_period_ms);
    } else {
        hpac_obs_desired_replicas_remove(v->c->obs, e->ns, e->name);
    }
}

static void on_leadership(void *ctx, int shard, bool leading)
{
    controller *c = ctx;
    hpac_info(0, "%s shard %d of %d", leading ? "Leading" : "Stopped leading", shard,
              c->opts->shards);
    hpac_obs_leader_set(c->obs, shard, leading);
    bool any = false;
    for (int s = 0; s < c->opts->shards; s++)
        any = any || hpac_leader_is_leading(c->leader, s);
    hpac_obs_set_leadership(c->obs, any ? HPAC_OBS_LEADING : HPAC_OBS_STANDBY);
    shard_visit v = {c, shard, leading};
    hpac_strmap_foreach(c->entries, on_shard_entry, &v);
    start_due(c);
}

/* ---- shutdown -------------------------------------------------------------- */

static void on_leases_released(void *ctx)
{
    controller *c = ctx;
    hpac_info(0, "Leases released; exiting");
    ev_break(c->loop, EVBREAK_ALL);
}

static void stop_now(controller *c)
{
    ev_timer_stop(c->loop, &c->shutdown_deadline);
    if (c->leader)
        hpac_leader_release(c->leader, on_leases_released, c);
    else
        ev_break(c->loop, EVBREAK_ALL);
}

static void maybe_finish_shutdown(controller *c)
{
    if (c->running == 0 && c->writes_in_flight == 0)
        stop_now(c);
}

static void on_shutdown_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    controller *c = w->data;
    hpac_warn("shutdown: %zu reconciles still running after %.0fs; stopping them", c->running,
              SHUTDOWN_GRACE_S);
    stop_now(c);
}

static void begin_shutdown(controller *c)
{
    struct ev_loop *loop = c->loop;
    if (c->stopping)
        return;
    c->stopping = true;
    update_readiness(c);
    ev_timer_stop(loop, &c->tick);
    hpac_informer_free(c->hpa_informer);
    c->hpa_informer = NULL;
    hpac_informer_free(c->pod_informer);
    c->pod_informer = NULL;
    ev_timer_init(&c->shutdown_deadline, on_shutdown_deadline, SHUTDOWN_GRACE_S, 0.);
    c->shutdown_deadline.data = c;
    ev_timer_start(loop, &c->shutdown_deadline);
    maybe_finish_shutdown(c);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    controller *c = w->data;
    if (!c->stopping)
        hpac_info(0, "Received signal %d: finishing in-flight work", w->signum);
    begin_shutdown(c);
}

static void on_stop_request(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)revents;
    controller *c = w->data;
    if (!c->stopping)
        hpac_info(0, "Stopping: finishing in-flight work");
    begin_shutdown(c);
}

/* ---- wiring ---------------------------------------------------------------- */

static void observe_request(void *ctx, const char *method, long status, double seconds)
{
    controller *c = ctx;
    hpac_obs_api_request(c->obs, method, (int)status, seconds);
}

static void free_entry_visit(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    hpa_entry *e = value;
    if (e->running)
        hpac_reconcile_cancel(e->running);
    entry_free(e);
}

static int setup(controller *c, char *err, size_t errsize)
{
    const hpac_options *o = c->opts;
    hpac_kube_config cfg;
    if (hpac_cluster_config(o, &cfg, err, errsize))
        return -1;
    bool in_cluster = !o->kubeconfig && !o->master;
    char *lease_ns = hpac_strdup(o->lease_namespace ? o->lease_namespace
                                 : cfg.namespace    ? cfg.namespace
                                                    : "kube-system");
    c->kube = hpac_kube_new(c->loop, &cfg, err, errsize);
    hpac_kube_config_clear(&cfg);
    if (!c->kube || !lease_ns) {
        free(lease_ns);
        return -1;
    }
    hpac_kube_set_timeout_ms(c->kube, (long)o->request_timeout_ms);
    hpac_kube_set_rate_limit(c->kube, o->kube_api_qps, o->kube_api_burst);
    c->discovery = hpac_discovery_new(c->kube);
    c->obs = hpac_obs_new();
    c->pods = hpac_pod_cache_new();
    c->entries = hpac_strmap_new();
    c->entries_by_id = hpac_strmap_new();
    if (!c->discovery || !c->obs || !c->pods || !c->entries || !c->entries_by_id) {
        free(lease_ns);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    hpac_http_set_observer(hpac_kube_http(c->kube), observe_request, c);
    hpac_instance_name(c->instance, sizeof(c->instance));

    if (strcmp(o->metrics_bind_address, "0") != 0) {
        c->obs_server = hpac_obs_server_start(c->obs, o->metrics_bind_address, err, errsize);
        if (!c->obs_server) {
            free(lease_ns);
            return -1;
        }
    }

    bool leader_elect = o->leader_elect_set ? o->leader_elect : in_cluster;
    if (o->shards > 1)
        leader_elect = true; /* shards are handed out through leases */
    if (leader_elect) {
        hpac_leader_config lc = {.namespace = lease_ns,
                                 .name_prefix = o->lease_name,
                                 .shards = o->shards,
                                 .identity = c->instance,
                                 .lease_duration_ms = o->lease_duration_ms,
                                 .renew_deadline_ms = o->renew_deadline_ms,
                                 .retry_period_ms = o->retry_period_ms};
        c->leader = hpac_leader_new(c->kube, &lc, on_leadership, c, err, errsize);
        hpac_obs_set_leadership(c->obs, HPAC_OBS_STANDBY);
    } else {
        hpac_obs_set_leadership(c->obs, HPAC_OBS_ELECTION_OFF);
    }
    free(lease_ns);
    if (leader_elect && !c->leader)
        return -1;

    c->events = hpac_event_recorder_new(c->kube, o->hpa_api, c->instance, true);
    if (!c->events) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    c->env = (hpac_reconcile_env){.kube = c->kube,
                                  .events = c->events,
                                  .discovery = c->discovery,
                                  .options = o,
                                  .instance = c->instance,
                                  .pod_source = pods_from_cache,
                                  .pod_source_ctx = c,
                                  .may_write = may_write,
                                  .may_write_ctx = c};

    c->hpa_api_path = hpac_hpa_collection_path(o->hpa_api, NULL);
    static const hpac_informer_handlers hpa_handlers = {
        .upsert = hpa_upsert, .remove = hpa_remove, .synced = hpa_synced,
        .restarted = hpa_restarted};
    static const hpac_informer_handlers pod_handlers = {
        .upsert = pod_upsert, .remove = pod_remove, .synced = pod_synced,
        .restarted = pod_restarted};
    c->hpa_informer = c->hpa_api_path
                          ? hpac_informer_new(c->kube, c->hpa_api_path, &hpa_handlers, c)
                          : NULL;
    c->pod_informer = hpac_informer_new(c->kube, "/api/v1/pods", &pod_handlers, c);
    if (!c->hpa_informer || !c->pod_informer || hpac_informer_start(c->hpa_informer) ||
        hpac_informer_start(c->pod_informer)) {
        snprintf(err, errsize, "cannot start the watches");
        return -1;
    }
    if (c->leader && hpac_leader_start(c->leader)) {
        snprintf(err, errsize, "cannot start leader election");
        return -1;
    }
    return 0;
}

static void teardown(controller *c)
{
    if (c->entries) {
        hpac_strmap_foreach(c->entries, free_entry_visit, NULL);
        hpac_strmap_free(c->entries);
        c->entries = NULL;
    }
    hpac_strmap_free(c->entries_by_id);
    c->entries_by_id = NULL;
    free(c->heap);
    hpac_informer_free(c->hpa_informer);
    hpac_informer_free(c->pod_informer);
    hpac_leader_free(c->leader);
    hpac_obs_server_stop(c->obs_server);
    hpac_pod_cache_free(c->pods);
    hpac_event_recorder_free(c->events);
    hpac_discovery_free(c->discovery);
    hpac_kube_free(c->kube);
    hpac_obs_free(c->obs);
    free(c->hpa_api_path);
}

hpac_controller *hpac_controller_new(const hpac_options *o, char *err, size_t errsize)
{
    controller *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    c->opts = o;
    c->loop = ev_loop_new(EVFLAG_AUTO);
    if (!c->loop) {
        snprintf(err, errsize, "cannot create the event loop");
        free(c);
        return NULL;
    }
    ev_timer_init(&c->tick, on_tick, 0., 0.);
    c->tick.data = c;
    ev_timer_init(&c->shutdown_deadline, on_shutdown_deadline, SHUTDOWN_GRACE_S, 0.);
    c->shutdown_deadline.data = c;
    ev_signal_init(&c->sigterm, on_signal, SIGTERM);
    c->sigterm.data = c;
    ev_signal_init(&c->sigint, on_signal, SIGINT);
    c->sigint.data = c;
    ev_async_init(&c->stop_request, on_stop_request);
    c->stop_request.data = c;
    ev_async_start(c->loop, &c->stop_request);
    err[0] = '\0';
    if (setup(c, err, errsize)) {
        if (!err[0])
            snprintf(err, errsize, "cannot start");
        hpac_controller_free(c);
        return NULL;
    }
    return c;
}

int hpac_controller_run(hpac_controller *c)
{
    if (c->handle_signals) {
        ev_signal_start(c->loop, &c->sigterm);
        ev_signal_start(c->loop, &c->sigint);
    }
    hpac_info(0, "hpac %s started: %s, sync period %lldms, %d concurrent syncs%s", HPAC_VERSION,
              c->opts->hpa_api, (long long)c->opts->sync_period_ms, c->opts->concurrent_syncs,
              c->leader ? ", leader election on" : "");
    ev_run(c->loop, 0);
    ev_signal_stop(c->loop, &c->sigterm);
    ev_signal_stop(c->loop, &c->sigint);
    return c->exit_status;
}

void hpac_controller_stop(hpac_controller *c)
{
    ev_async_send(c->loop, &c->stop_request);
}

void hpac_controller_free(hpac_controller *c)
{
    if (!c)
        return;
    ev_async_stop(c->loop, &c->stop_request);
    ev_timer_stop(c->loop, &c->tick);
    ev_timer_stop(c->loop, &c->shutdown_deadline);
    teardown(c);
    ev_loop_destroy(c->loop);
    free(c);
}

int hpac_run_controller(const hpac_options *o)
{
    char err[1024];
    /* A closed connection must be an error on the socket, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    controller *c = hpac_controller_new(o, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "hpac: %s\n", err);
        return 1;
    }
    c->handle_signals = true;
    int status = hpac_controller_run(c);
    hpac_controller_free(c);
    return status;
}
