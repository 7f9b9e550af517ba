#include "metrics/metrics_batch.h"

#include "hpa/labels.h"
#include "hpa/metric_data.h"
#include "hpa/pod_metrics_scan.h"
#include "metrics/pod_query_share.h"
#include "util/strutil.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct group group;

struct hpac_metrics_batch_entry {
    hpac_metrics_batch *batch;
    group *group; /* the shared read it waits for, if any */
    char *ns;
    char *selector;
    const hpac_metric_spec *spec; /* borrowed from the member */
    const hpac_pod *pods;         /* borrowed from the member */
    size_t pod_count;
    hpac_metrics_call *alone; /* its own request, when it reads alone */
    hpac_metrics_done_fn done;
    void *ctx;
    bool cancelled;
};

/* One shared request and the reads it serves. */
struct group {
    hpac_metrics_batch *batch;
    hpac_kube_call *call;
    hpac_metrics_batch_entry **entries;
    size_t count;
    size_t live;    /* entries not cancelled */
    bool answering; /* in its answer's callback */
};

struct hpac_metrics_batch {
    hpac_kube *kube;
    struct ev_loop *loop;
    size_t holds;    /* the creator and the members that have not left */
    size_t inflight; /* groups and lone reads not answered yet */
    size_t busy;     /* callbacks running: do not free under them */
    hpac_metrics_batch_entry **queue;
    size_t queued, queue_cap;
    bool waited_enough; /* the wait ran out: later reads go at once */
    ev_timer send_timer;
};

static void batch_maybe_free(hpac_metrics_batch *b)
{
    if (b->holds || b->inflight || b->busy || b->queued)
        return;
    ev_timer_stop(b->loop, &b->send_timer);
    free(b->queue);
    free(b);
}

static void entry_free(hpac_metrics_batch_entry *e)
{
    free(e->ns);
    free(e->selector);
    free(e);
}

/* ---- a read on its own ---------------------------------------------------- */

static void on_alone_done(void *ctx, hpac_metrics_result *result)
{
    hpac_metrics_batch_entry *e = ctx;
    hpac_metrics_batch *b = e->batch;
    e->alone = NULL;
    b->busy++;
    if (!e->cancelled)
        e->done(e->ctx, result);
    entry_free(e);
    b->inflight--;
    b->busy--;
    batch_maybe_free(b);
}

static void deliver_error(hpac_metrics_batch_entry *e, const char *error)
{
    hpac_metrics_result result = {.error = error};
    if (!e->cancelled)
        e->done(e->ctx, &result);
}

/* Sends the entry's own request; the entry then belongs to it. */
static void read_alone(hpac_metrics_batch_entry *e)
{
    hpac_metrics_batch *b = e->batch;
    e->alone = hpac_metrics_fetch(b->kube, e->ns, e->selector, e->spec, NULL, on_alone_done, e);
    if (e->alone) {
        b->inflight++;
        return;
    }
    deliver_error(e, "unable to fetch metrics from resource metrics API: the request could not "
                     "be started");
    entry_free(e);
}

/* ---- a shared read -------------------------------------------------------- */

/* Which items each live entry keeps: claims[e * item_count + i]. False
 * when some item is claimed by nobody and carries no labels to tell
 * whose it is. */
static bool attribute_items(group *g, const hpac_scanned_pod_metrics *m, bool *claims)
{
    bool *claimed = calloc(m->count ? m->count : 1, sizeof(*claimed));
    if (!claimed)
        return false;
    bool ok = true;
    for (size_t e = 0; e < g->count && ok; e++) {
        const hpac_metrics_batch_entry *entry = g->entries[e];
        if (entry->cancelled)
            continue;
        hpac_selector *sel = hpac_selector_parse(entry->selector, NULL, 0);
        ok = sel != NULL;
        for (size_t i = 0; ok && i < m->count; i++) {
            const hpac_scanned_pod *item = &m->items[i];
            bool mine = false;
            if (item->has_labels) {
                mine = hpac_selector_matches(sel, &item->labels);
            } else {
                for (size_t p = 0; p < entry->pod_count && !mine; p++)
                    mine = entry->pods[p].name && strcmp(entry->pods[p].name, item->name) == 0;
            }
            claims[e * m->count + i] = mine;
            claimed[i] = claimed[i] || mine;
        }
        hpac_selector_free(sel);
    }
    for (size_t i = 0; i < m->count && ok; i++)
        ok = claimed[i] || m->items[i].has_labels;
    free(claimed);
    return ok;
}

/* Hands each live entry its items. -1, having delivered nothing, when
 * the answer cannot be split exactly: a body the fast reader does not
 * take (metrics-server's always is) is left to the members' own reads,
 * which decode it with the tree decoder and its errors. */
static int split_answer(group *g, const hpac_kube_response *resp)
{
    hpac_scanned_pod_metrics m;
    if (!resp->raw || hpac_pod_metrics_scan(resp->raw, resp->raw_len, &m) != HPAC_SCAN_OK)
        return -1;
    int rc = -1;
    bool *claims = calloc(g->count * (m.count ? m.count : 1), sizeof(*claims));
    hpac_pod_usage_list *mine = calloc(g->count, sizeof(*mine));
    if (!claims || !mine || !attribute_items(g, &m, claims))
        goto out;
    for (size_t e = 0; e < g->count; e++) {
        if (g->entries[e]->cancelled)
            continue; /* its spec may be gone with its member */
        const char *resource = g->entries[e]->spec->resource_name;
        size_t n = 0;
        for (size_t i = 0; i < m.count; i++)
            n += claims[e * m.count + i];
        mine[e].items = calloc(n ? n : 1, sizeof(*mine[e].items));
        if (!mine[e].items)
            goto out;
        for (size_t i = 0; i < m.count; i++) {
            if (!claims[e * m.count + i])
                continue;
            if (hpac_pod_usage_of_scanned(&m.items[i], resource,
                                          &mine[e].items[mine[e].count]) != 0)
                goto out;
            mine[e].count++;
        }
    }
    /* Everything is ready: nothing can fail from here on. */
    for (size_t e = 0; e < g->count; e++) {
        hpac_metrics_batch_entry *entry = g->entries[e];
        hpac_metrics_result result = {.usage = mine[e]};
        if (!entry->cancelled)
            entry->done(entry->ctx, &result);
        hpac_pod_usage_list_clear(&result.usage); /* whatever the member did not take */
        memset(&mine[e], 0, sizeof(mine[e]));
    }
    rc = 0;
out:
    for (size_t e = 0; mine && e < g->count; e++)
        hpac_pod_usage_list_clear(&mine[e]);
    free(mine);
    free(claims);
    hpac_scanned_pod_metrics_clear(&m);
    return rc;
}

static void group_free(group *g)
{
    free(g->entries);
    free(g);
}

static void on_group_answer(void *ctx, const hpac_kube_response *resp)
{
    group *g = ctx;
    hpac_metrics_batch *b = g->batch;
    g->call = NULL;
    g->answering = true;
    b->busy++;
    if (!resp->error && split_answer(g, resp) == 0) {
        for (size_t e = 0; e < g->count; e++)
            entry_free(g->entries[e]);
    } else {
        /* Each member asks on its own and gets its own answer. */
        for (size_t e = 0; e < g->count; e++) {
            g->entries[e]->group = NULL;
            if (g->entries[e]->cancelled)
                entry_free(g->entries[e]);
            else
                read_alone(g->entries[e]);
        }
    }
    group_free(g);
    b->inflight--;
    b->busy--;
    batch_maybe_free(b);
}

static void send_group(hpac_metrics_batch *b, hpac_metrics_batch_entry **entries,
                       const hpac_shared_pod_query *q)
{
    if (q->member_count == 1) {
        read_alone(entries[q->members[0]]);
        return;
    }
    group *g = calloc(1, sizeof(*g));
    hpac_metric_spec spec = {.type = HPAC_METRIC_RESOURCE};
    if (g)
        g->entries = calloc(q->member_count, sizeof(*g->entries));
    if (g && g->entries) {
        g->batch = b;
        for (size_t m = 0; m < q->member_count; m++) {
            g->entries[g->count++] = entries[q->members[m]];
            entries[q->members[m]]->group = g;
        }
        g->live = g->count;
        char *path = hpac_metrics_path(q->ns, q->selector, &spec, NULL);
        g->call = path ? hpac_kube_read(b->kube, path, on_group_answer, g) : NULL;
        free(path);
        if (g->call) {
            b->inflight++;
            return;
        }
    }
    if (g)
        free(g->entries);
    free(g);
    for (size_t m = 0; m < q->member_count; m++) {
        entries[q->members[m]]->group = NULL;
        read_alone(entries[q->members[m]]);
    }
}

/* Sends everything queued. */
static void send_queued(hpac_metrics_batch *b)
{
    ev_timer_stop(b->loop, &b->send_timer);
    size_t n = 0;
    hpac_metrics_batch_entry **live = b->queue;
    for (size_t i = 0; i < b->queued; i++) {
        if (b->queue[i]->cancelled)
            entry_free(b->queue[i]);
        else
            live[n++] = b->queue[i];
    }
    b->queue = NULL;
    b->queued = b->queue_cap = 0;
    hpac_pod_query *queries = calloc(n ? n : 1, sizeof(*queries));
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    for (size_t i = 0; queries && i < n; i++)
        queries[i] = (hpac_pod_query){live[i]->ns, live[i]->selector};
    if (queries && hpac_share_pod_queries(queries, n, HPAC_METRICS_BATCH_MAX_MEMBERS, &groups,
                                          &group_count) == 0) {
        for (size_t g = 0; g < group_count; g++)
            send_group(b, live, &groups[g]);
    } else {
        for (size_t i = 0; i < n; i++)
            read_alone(live[i]);
    }
    hpac_shared_pod_queries_free(groups, group_count);
    free(queries);
    free(live);
}

static void on_send_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    hpac_metrics_batch *b = w->data;
    if (b->holds > 0)
        b->waited_enough = true;
    b->busy++;
    send_queued(b);
    b->busy--;
    batch_maybe_free(b);
}

/* ---- the API --------------------------------------------------------------- */

hpac_metrics_batch *hpac_metrics_batch_new(hpac_kube *k)
{
    hpac_metrics_batch *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->kube = k;
    b->loop = hpac_kube_loop(k);
    b->holds = 1;
    ev_timer_init(&b->send_timer, on_send_timer, 0., 0.);
    b->send_timer.data = b;
    return b;
}

void hpac_metrics_batch_join(hpac_metrics_batch *b)
{
    b->holds++;
}

static bool queue_has_live_entry(const hpac_metrics_batch *b)
{
    for (size_t i = 0; i < b->queued; i++) {
        if (!b->queue[i]->cancelled)
            return true;
    }
    return false;
}

/* With nobody left to queue and nothing live queued, the queue goes now:
 * waiting for the send timer would leak it if the loop stops first. */
static void drop_dead_queue(hpac_metrics_batch *b)
{
    if (b->holds > 0 || queue_has_live_entry(b))
        return;
    for (size_t i = 0; i < b->queued; i++)
        entry_free(b->queue[i]);
    b->queued = 0;
    ev_timer_stop(b->loop, &b->send_timer);
    batch_maybe_free(b);
}

void hpac_metrics_batch_leave(hpac_metrics_batch *b)
{
    if (--b->holds > 0)
        return;
    if (queue_has_live_entry(b)) {
        /* From the loop, not under the member that left last. */
        ev_timer_stop(b->loop, &b->send_timer);
        ev_timer_set(&b->send_timer, 0., 0.);
        ev_timer_start(b->loop, &b->send_timer);
        return;
    }
    drop_dead_queue(b);
}

bool hpac_metrics_batch_accepts(const hpac_metric_spec *spec)
{
    return (spec->type == HPAC_METRIC_RESOURCE || spec->type == HPAC_METRIC_CONTAINER_RESOURCE) &&
           spec->resource_name;
}

hpac_metrics_batch_entry *hpac_metrics_batch_fetch(hpac_metrics_batch *b, const char *ns,
                                                   const char *selector,
                                                   const hpac_metric_spec *spec,
                                                   const hpac_pod *pods, size_t pod_count,
                                                   hpac_metrics_done_fn done, void *ctx)
{
    if (b->queued == b->queue_cap) {
        size_t cap = b->queue_cap ? 2 * b->queue_cap : 16;
        hpac_metrics_batch_entry **grown = realloc(b->queue, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        b->queue = grown;
        b->queue_cap = cap;
    }
    hpac_metrics_batch_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->batch = b;
    e->ns = hpac_strdup(ns);
    e->selector = hpac_strdup(selector ? selector : "");
    e->spec = spec;
    e->pods = pods;
    e->pod_count = pod_count;
    e->done = done;
    e->ctx = ctx;
    if (!e->ns || !e->selector) {
        entry_free(e);
        return NULL;
    }
    b->queue[b->queued++] = e;
    if (!ev_is_active(&b->send_timer)) {
        ev_timer_set(&b->send_timer, b->waited_enough ? 0. : HPAC_METRICS_BATCH_WAIT_MS / 1000.,
                     0.);
        ev_timer_start(b->loop, &b->send_timer);
    }
    return e;
}

/* Every member of a shared read gave up: the request goes too. */
static void drop_dead_group(group *g)
{
    hpac_metrics_batch *b = g->batch;
    hpac_kube_cancel(g->call);
    for (size_t e = 0; e < g->count; e++)
        entry_free(g->entries[e]);
    group_free(g);
    b->inflight--;
    batch_maybe_free(b);
}

void hpac_metrics_batch_cancel(hpac_metrics_batch_entry *e)
{
    if (!e)
        return;
    hpac_metrics_batch *b = e->batch;
    if (e->group) {
        e->cancelled = true; /* its group frees it */
        if (--e->group->live == 0 && !e->group->answering)
            drop_dead_group(e->group);
        return;
    }
    if (!e->alone) {
        e->cancelled = true; /* its queue frees it */
        drop_dead_queue(b);
        return;
    }
    hpac_metrics_cancel(e->alone);
    entry_free(e);
    b->inflight--;
    batch_maybe_free(b);
}
