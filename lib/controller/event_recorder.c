#include "controller/event_recorder.h"

#include "controller/events.h"
#include "util/strmap.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen_event {
    char *name; /* metadata.name of the Event object */
    char *ns;
    int64_t count;
    int64_t last_ms;
} seen_event;

struct hpac_event_recorder {
    hpac_kube *kube;
    const char *hpa_api;
    const char *instance;
    bool aggregate;
    hpac_strmap *seen; /* "uid|reason|message" -> seen_event */
};

struct hpac_event_call {
    hpac_event_recorder *rec;
    hpac_kube_call *request;
    char *key;      /* aggregation key, NULL when not aggregating */
    json_t *create; /* the body to POST if a PATCH finds nothing */
    char *ns;
    hpac_kube_done_fn done;
    void *ctx;
};

static void seen_free(seen_event *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->ns);
    free(s);
}

static void free_seen_visit(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    seen_free(value);
}

hpac_event_recorder *hpac_event_recorder_new(hpac_kube *k, const char *hpa_api,
                                             const char *instance, bool aggregate)
{
    hpac_event_recorder *rec = calloc(1, sizeof(*rec));
    if (!rec)
        return NULL;
    rec->kube = k;
    rec->hpa_api = hpa_api;
    rec->instance = instance;
    rec->aggregate = aggregate;
    rec->seen = hpac_strmap_new();
    if (!rec->seen) {
        free(rec);
        return NULL;
    }
    return rec;
}

void hpac_event_recorder_free(hpac_event_recorder *rec)
{
    if (!rec)
        return;
    hpac_strmap_foreach(rec->seen, free_seen_visit, NULL);
    hpac_strmap_free(rec->seen);
    free(rec);
}

static void call_free(hpac_event_call *call)
{
    free(call->key);
    free(call->ns);
    json_decref(call->create);
    free(call);
}

/* Keeps the cache bounded: forget expired entries, and everything if that
 * is not enough (the cost is one extra Event object per key). */
typedef struct expiry {
    hpac_strmap *map;
    int64_t now_ms;
    char **keys;
    size_t count;
    size_t cap;
} expiry;

static void collect_expired(void *ctx, const char *key, void *value)
{
    expiry *x = ctx;
    seen_event *s = value;
    if (x->now_ms - s->last_ms < HPAC_EVENT_AGGREGATION_MS || x->count == x->cap)
        return;
    x->keys[x->count] = hpac_strdup(key);
    if (x->keys[x->count])
        x->count++;
}

static void trim(hpac_event_recorder *rec, int64_t now_ms)
{
    size_t n = hpac_strmap_count(rec->seen);
    if (n < HPAC_EVENT_CACHE_MAX)
        return;
    expiry x = {.map = rec->seen, .now_ms = now_ms, .cap = n};
    x.keys = calloc(n, sizeof(*x.keys));
    if (x.keys)
        hpac_strmap_foreach(rec->seen, collect_expired, &x);
    for (size_t i = 0; i < x.count; i++) {
        seen_free(hpac_strmap_remove(rec->seen, x.keys[i]));
        free(x.keys[i]);
    }
    free(x.keys);
    if (hpac_strmap_count(rec->seen) >= HPAC_EVENT_CACHE_MAX) {
        hpac_strmap_foreach(rec->seen, free_seen_visit, NULL);
        hpac_strmap_free(rec->seen);
        rec->seen = hpac_strmap_new();
    }
}

static void remember(hpac_event_call *call, const json_t *event)
{
    hpac_event_recorder *rec = call->rec;
    if (!call->key || !rec->seen)
        return;
    const char *name = json_string_value(json_object_get(json_object_get(event, "metadata"),
                                                         "name"));
    seen_event *s = calloc(1, sizeof(*s));
    if (!s || !name)
        goto fail;
    s->name = hpac_strdup(name);
    s->ns = hpac_strdup(call->ns);
    s->count = json_integer_value(json_object_get(event, "count"));
    s->last_ms = hpac_clock_wall_ms();
    if (!s->name || !s->ns)
        goto fail;
    seen_free(hpac_strmap_remove(rec->seen, call->key));
    if (hpac_strmap_put(rec->seen, call->key, s) == 0)
        return;
fail:
    seen_free(s);
}

static void on_created(void *ctx, const hpac_kube_response *resp)
{
    hpac_event_call *call = ctx;
    call->request = NULL;
    if (!resp->error)
        remember(call, resp->body ? resp->body : call->create);
    call->done(call->ctx, resp);
    call_free(call);
}

static int post(hpac_event_call *call)
{
    char *path = hpac_event_path(call->ns);
    if (path)
        call->request = hpac_kube_request(call->rec->kube, "POST", path, call->create, NULL,
                                          on_created, call);
    free(path);
    return call->request ? 0 : -1;
}

static void on_patched(void *ctx, const hpac_kube_response *resp)
{
    hpac_event_call *call = ctx;
    call->request = NULL;
    if (resp->code == 404) {
        /* The first one expired or was deleted: start a new one. */
        seen_free(hpac_strmap_remove(call->rec->seen, call->key));
        if (post(call) == 0)
            return;
    }
    if (!resp->error) {
        seen_event *s = hpac_strmap_get(call->rec->seen, call->key);
        if (s) {
            s->count++;
            s->last_ms = hpac_clock_wall_ms();
        }
    }
    call->done(call->ctx, resp);
    call_free(call);
}

static int patch(hpac_event_call *call, const seen_event *s, int64_t now_ms)
{
    char stamp[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(now_ms, stamp, sizeof(stamp));
    json_t *body = json_pack("{s:I, s:s}", "count", (json_int_t)(s->count + 1), "lastTimestamp",
                             stamp);
    char *events = hpac_event_path(s->ns);
    char *name = hpac_kube_escape(s->name);
    char *path = events && name ? hpac_format("%s/%s", events, name) : NULL;
    if (body && path)
        call->request = hpac_kube_request(call->rec->kube, "PATCH", path, body,
                                          "application/strategic-merge-patch+json", on_patched,
                                          call);
    json_decref(body);
    free(events);
    free(name);
    free(path);
    return call->request ? 0 : -1;
}

hpac_event_call *hpac_event_record(hpac_event_recorder *rec, const hpac_hpa *hpa,
                                   const hpac_event *event, int64_t now_ms,
                                   hpac_kube_done_fn done, void *ctx)
{
    hpac_event_call *call = calloc(1, sizeof(*call));
    if (!call)
        return NULL;
    call->rec = rec;
    call->done = done;
    call->ctx = ctx;
    call->ns = hpac_strdup(hpa->namespace);
    call->create = hpac_event_object(hpa, rec->hpa_api, event, now_ms, rec->instance);
    if (!call->ns || !call->create)
        goto fail;
    if (rec->aggregate) {
        call->key = hpac_format("%s/%s|%s|%s|%s", hpa->namespace, hpa->name,
                                hpa->uid ? hpa->uid : "", event->reason, event->message);
        if (!call->key)
            goto fail;
        trim(rec, now_ms);
        seen_event *s = hpac_strmap_get(rec->seen, call->key);
        if (s && now_ms - s->last_ms < HPAC_EVENT_AGGREGATION_MS) {
            if (patch(call, s, now_ms) == 0)
                return call;
            goto fail;
        }
    }
    if (post(call) == 0)
        return call;
fail:
    call_free(call);
    return NULL;
}

void hpac_event_cancel(hpac_event_call *call)
{
    if (!call)
        return;
    hpac_kube_cancel(call->request);
    call_free(call);
}
