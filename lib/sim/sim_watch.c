#include "sim/sim_watch.h"

#include "sim/case.h"
#include "sim/sim_json.h"
#include "sim/sim_status.h"
#include "util/timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of events formatted at a time: a large initial list or a burst of
 * changes is sent in slices of about this size. */
#define WATCH_FILL_BYTES (256u * 1024u)
#define API_VERSION_MAX 300

struct hpac_sim_watch {
    hpac_sim_state *st; /* borrowed */
    hpac_sim_watch_kind kind;
    char *ns;             /* NULL: every namespace */
    char *name;           /* NULL: every object */
    hpac_selector *sel;   /* labelSelector */
    char *api_version;    /* HPAs are served with it; targets match on it */
    char *resource;       /* targets match on it */
    uint64_t rv;          /* last change looked at */
    int64_t deadline_ms;  /* monotonic */
    json_t *initial;      /* objects to send as ADDED first; owned */
    size_t initial_pos;
    char *buf; /* formatted events not yet read */
    size_t len, pos, cap;
    bool ending; /* the stream ends once buf is drained */
};

static int append(hpac_sim_watch *w, const char *data, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        char *grown = realloc(w->buf, cap);
        if (!grown)
            return -1;
        w->buf = grown;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
    return 0;
}

/* Appends one event line; `object` is stolen. */
static void append_event(hpac_sim_watch *w, const char *type, json_t *object)
{
    json_t *event = json_pack("{s:s, s:o?}", "type", type, "object", object);
    char *line = event ? json_dumps(event, JSON_COMPACT) : NULL;
    if (!line || append(w, line, strlen(line)) != 0 || append(w, "\n", 1) != 0)
        w->ending = true; /* out of memory: end rather than skip a change */
    free(line);
    json_decref(event);
}

/* The object as this watch serves it (a fresh copy, placeholders
 * resolved): HPAs under the path's apiVersion, targets without the case's
 * "resource". */
static json_t *served(const hpac_sim_watch *w, const json_t *obj)
{
    json_t *view = hpac_case_resolve_times(obj, hpac_clock_wall_ms());
    if (!view)
        return NULL;
    if (w->kind == HPAC_SIM_WATCH_HPA) {
        json_object_set_new(view, "apiVersion", json_string(w->api_version));
        json_object_set_new(view, "kind", json_string("HorizontalPodAutoscaler"));
    } else if (w->kind == HPAC_SIM_WATCH_TARGET) {
        json_object_del(view, "resource");
    }
    return view;
}

static bool target_matches(const hpac_sim_watch *w, const json_t *obj)
{
    const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
    const char *resource = json_string_value(json_object_get(obj, "resource"));
    return api_version && resource && strcmp(api_version, w->api_version) == 0 &&
           strcmp(resource, w->resource) == 0;
}

static bool object_matches(const hpac_sim_watch *w, const json_t *obj, const hpac_labels *labels)
{
    if (w->kind == HPAC_SIM_WATCH_TARGET && !target_matches(w, obj))
        return false;
    if (w->name) {
        const char *name = hpac_sim_json_str(obj, "metadata.name");
        if (!name || strcmp(name, w->name) != 0)
            return false;
    }
    return hpac_selector_matches(w->sel, labels);
}

static bool collect_initial(void *ctx, const hpac_sim_entry *entry)
{
    hpac_sim_watch *w = ctx;
    if (object_matches(w, entry->obj, &entry->labels))
        json_array_append_new(w->initial, served(w, entry->obj));
    return true;
}

static bool visit_change(void *ctx, const hpac_sim_change *change)
{
    hpac_sim_watch *w = ctx;
    w->rv = change->rv;
    if (change->kind != w->kind || (w->ns && strcmp(change->ns, w->ns) != 0))
        return true;
    hpac_labels labels = {0};
    char err[256];
    const json_t *raw = json_object_get(json_object_get(change->obj, "metadata"), "labels");
    if (hpac_labels_from_json(raw, &labels, err, sizeof(err)) == 0) {
        if (object_matches(w, change->obj, &labels))
            append_event(w, change->type, served(w, change->obj));
        hpac_labels_clear(&labels);
    }
    return w->len < WATCH_FILL_BYTES && !w->ending;
}

static void fill(hpac_sim_watch *w)
{
    size_t n = json_array_size(w->initial);
    if (w->initial_pos < n) {
        while (w->initial_pos < n && w->len < WATCH_FILL_BYTES && !w->ending) {
            json_t *obj = json_array_get(w->initial, w->initial_pos++);
            append_event(w, "ADDED", json_incref(obj));
        }
        if (w->initial_pos == n) {
            json_decref(w->initial);
            w->initial = NULL;
            w->initial_pos = 0;
        }
        return;
    }
    hpac_sim__state_rdlock(w->st);
    uint64_t from = w->rv;
    if (hpac_sim_journal_each_after(w->st->journal, from, visit_change, w) != 0) {
        char message[128];
        snprintf(message, sizeof(message), "too old resource version: %" PRIu64 " (%" PRIu64 ")",
                 from, w->st->resource_version);
        append_event(w, "ERROR", hpac_sim_status_new(410, "Expired", message, NULL, NULL, NULL));
        w->ending = true;
    }
    hpac_sim__state_unlock(w->st);
}

ssize_t hpac_sim_watch_read(hpac_sim_watch *w, char *buf, size_t max)
{
    if (w->pos == w->len) {
        w->pos = w->len = 0;
        if (!w->ending && hpac_clock_monotonic_ms() < w->deadline_ms)
            fill(w);
    }
    if (w->pos < w->len) {
        size_t n = w->len - w->pos < max ? w->len - w->pos : max;
        memcpy(buf, w->buf + w->pos, n);
        w->pos += n;
        return (ssize_t)n;
    }
    if (w->ending || hpac_clock_monotonic_ms() >= w->deadline_ms)
        return -1;
    return 0;
}

void hpac_sim_watch_free(hpac_sim_watch *w)
{
    if (!w)
        return;
    free(w->ns);
    free(w->name);
    hpac_selector_free(w->sel);
    free(w->api_version);
    free(w->resource);
    json_decref(w->initial);
    free(w->buf);
    free(w);
}

/* The store and kind a path watches; NULL for paths without watch. */
static hpac_sim_store *watched_store(hpac_sim_state *st, const hpac_sim_path *p,
                                     hpac_sim_watch_kind *kind)
{
    const char *g = p->group, *r = p->resource;
    *kind = HPAC_SIM_WATCH_NONE;
    if ((strcmp(g, "autoscaling") == 0 || strcmp(g, "hpac.io") == 0) &&
        strcmp(r, "horizontalpodautoscalers") == 0)
        *kind = HPAC_SIM_WATCH_HPA;
    else if (!*g && strcmp(r, "pods") == 0)
        *kind = HPAC_SIM_WATCH_POD;
    else if ((!*g || strcmp(g, "events.k8s.io") == 0) && strcmp(r, "events") == 0)
        *kind = HPAC_SIM_WATCH_EVENT;
    else if (strcmp(g, "coordination.k8s.io") == 0 && strcmp(r, "leases") == 0)
        *kind = HPAC_SIM_WATCH_LEASE;
    else if (strstr(g, "metrics.k8s.io") == NULL && strcmp(r, "namespaces") != 0 &&
             hpac_sim_registry_kind(st->registry, g, r))
        *kind = HPAC_SIM_WATCH_TARGET;

    switch (*kind) {
    case HPAC_SIM_WATCH_HPA:
        return st->hpas;
    case HPAC_SIM_WATCH_POD:
        return st->pods;
    case HPAC_SIM_WATCH_EVENT:
        return st->events;
    case HPAC_SIM_WATCH_LEASE:
        return st->leases;
    case HPAC_SIM_WATCH_TARGET:
        return st->targets;
    default:
        return NULL;
    }
}

/* Parses a non-negative decimal; false on anything else. */
static bool parse_u64(const char *text, uint64_t *out)
{
    char *end;
    if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end)
        return false;
    *out = v;
    return true;
}

hpac_sim_watch *hpac_sim_watch_open(hpac_sim_state *st, const hpac_sim_request *req,
                                    hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    hpac_sim_watch_kind kind;
    hpac_sim_store *store = watched_store(st, p, &kind);
    hpac_sim_watch *w = NULL;
    uint64_t timeout_s = HPAC_SIM_WATCH_TIMEOUT_S, rv = 0;
    char api_version[API_VERSION_MAX];

    if (!store) {
        hpac_sim_reply_status(out, 405, "MethodNotAllowed",
                              "the server does not support watch on the requested resource");
        goto fail;
    }
    if (p->sub || (p->name && !p->ns)) {
        hpac_sim_reply_no_route(out);
        goto fail;
    }
    if (req->timeout_seconds && !parse_u64(req->timeout_seconds, &timeout_s)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "timeoutSeconds: not a number of seconds");
        goto fail;
    }
    if (timeout_s > HPAC_SIM_WATCH_TIMEOUT_MAX_S)
        timeout_s = HPAC_SIM_WATCH_TIMEOUT_MAX_S;
    bool from_now = !req->resource_version || !*req->resource_version ||
                    strcmp(req->resource_version, "0") == 0;
    if (!from_now && !parse_u64(req->resource_version, &rv)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "resourceVersion: not a resource version");
        goto fail;
    }
    w = calloc(1, sizeof(*w));
    if (!w)
        goto fail;
    w->st = st;
    w->kind = kind;
    w->sel = hpac_sim_parse_selector(req->label_selector, out);
    if (!w->sel)
        goto fail;
    hpac_sim_api_version(api_version, sizeof(api_version), p->group, p->version);
    w->api_version = strdup(api_version);
    w->resource = strdup(p->resource);
    w->ns = p->ns ? strdup(p->ns) : NULL;
    w->name = p->name ? strdup(p->name) : NULL;
    if (!w->api_version || !w->resource || (p->ns && !w->ns) || (p->name && !w->name))
        goto fail;
    w->deadline_ms = hpac_clock_monotonic_ms() + (int64_t)timeout_s * 1000;
    if (from_now) {
        /* No version: the current objects first, then what follows. */
        w->initial = json_array();
        if (!w->initial)
            goto fail;
        hpac_sim_store_each(store, w->ns, w->sel, collect_initial, w);
        w->rv = st->resource_version;
    } else {
        w->rv = rv;
    }
    return w;
fail:
    hpac_sim_watch_free(w);
    if (!out->body)
        hpac_sim_reply_status(out, 500, "InternalError", "out of memory");
    return NULL;
}
