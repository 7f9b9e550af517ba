/* The informer's state machine. At most one of these is in flight: a list
 * page request, a watch, or the timer of a backoff. Every failure goes
 * through recover(), which says why to the consumer and picks between
 * acting at once and waiting.
 *
 * Lists are consistent reads (no resourceVersion), so that limit/continue
 * paging applies: a list served from the watch cache (resourceVersion=0)
 * ignores the limit and would bring a large cluster's pods in one body. */
#include "kube/informer.h"

#include "kube/informer_keys.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A watch that ends normally this soon, having delivered nothing, is
 * treated as a failure (a server that closes at once must not make us spin). */
#define SHORT_WATCH_MS 1000

typedef enum next_step {
    STEP_LIST,  /* from scratch */
    STEP_WATCH, /* from the last resourceVersion */
} next_step;

struct hpac_informer {
    hpac_kube *k;
    struct ev_loop *loop;
    char *path;
    char sep; /* '?' or '&': how parameters join the path */
    hpac_informer_handlers h;
    void *ctx;

    unsigned page_size;
    unsigned min_watch_s;
    long backoff_initial_ms, backoff_max_ms, backoff_reset_ms;
    double backoff_factor, backoff_jitter;
    uint64_t rng;

    bool started;
    bool synced;
    hpac_kube_call *list_call;
    hpac_kube_watch *watch;
    ev_timer timer;
    next_step after_timer;

    char *rv;         /* last resourceVersion seen */
    char *continue_token;
    bool continue_retried; /* the last list restart was for an expired token */
    int64_t watch_started_ms;
    uint64_t watch_events;
    long backoff_ms;         /* the next delay before jitter */
    int64_t last_failure_ms; /* for the reset after a healthy stretch */

    hpac__keyset keys;
    hpac_informer_stats stats;
};

static void list_begin(hpac_informer *i);
static void watch_begin(hpac_informer *i);

/* ------------------------------------------------------------- helpers */

static double next_random(hpac_informer *i)
{
    /* xorshift64*: per informer, no shared state. */
    i->rng ^= i->rng >> 12;
    i->rng ^= i->rng << 25;
    i->rng ^= i->rng >> 27;
    uint64_t x = i->rng * 2685821657736338717ull;
    return (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
}

static bool set_string(char **dst, const char *src)
{
    if (src && strlen(src) > HPAC_INFORMER_TOKEN_MAX)
        return false;
    char *copy = NULL;
    if (src) {
        copy = strdup(src);
        if (!copy)
            return false;
    }
    free(*dst);
    *dst = copy;
    return true;
}

/* "namespace/name" into buf ("" namespace for cluster-scoped objects).
 * false when the object has no name or the key would not fit. */
static bool object_key(const json_t *object, char *buf, size_t size)
{
    const json_t *meta = json_object_get(object, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    if (!name || !name[0] || strchr(name, '/') || (ns && strchr(ns, '/')))
        return false;
    int n = snprintf(buf, size, "%s/%s", ns ? ns : "", name);
    return n > 0 && (size_t)n < size && (size_t)n <= HPAC__KEY_MAX;
}

static void advance_rv(hpac_informer *i, const json_t *object)
{
    const json_t *meta = json_object_get(object, "metadata");
    const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
    if (rv && rv[0])
        (void)set_string(&i->rv, rv); /* out of memory: keep the older one */
}

static void deliver_upsert(hpac_informer *i, json_t *object)
{
    char key[HPAC__KEY_MAX + 2];
    if (!object_key(object, key, sizeof(key)))
        return;
    /* Untracked (out of memory), the object is still delivered: only a
     * removal during an outage could then be missed. */
    (void)hpac__keyset_put(&i->keys, key);
    i->h.upsert(i->ctx, object);
}

static void deliver_remove_key(void *ctx, const char *key)
{
    hpac_informer *i = ctx;
    char ns[HPAC__KEY_MAX + 2];
    const char *slash = strchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) : 0;
    memcpy(ns, key, n);
    ns[n] = '\0';
    i->h.remove(i->ctx, ns, slash ? slash + 1 : key);
}

/* ------------------------------------------------------------ recovery */

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    hpac_informer *i = w->data;
    if (i->after_timer == STEP_LIST)
        list_begin(i);
    else
        watch_begin(i);
}

/* The stream broke: tell the consumer, then do `step` at once or after the
 * next backoff delay. */
static void recover(hpac_informer *i, const char *why, next_step step, bool at_once)
{
    int64_t now = hpac_clock_monotonic_ms();
    i->stats.restarts++;
    if (i->h.restarted)
        i->h.restarted(i->ctx, why);
    if (at_once) {
        if (step == STEP_LIST)
            list_begin(i);
        else
            watch_begin(i);
        return;
    }
    /* A long stretch without failures starts the backoff over. */
    if (i->last_failure_ms != 0 && now - i->last_failure_ms >= i->backoff_reset_ms)
        i->backoff_ms = i->backoff_initial_ms;
    i->last_failure_ms = now;
    double delay = (double)i->backoff_ms;
    delay += next_random(i) * i->backoff_jitter * delay;
    double grown = (double)i->backoff_ms * i->backoff_factor;
    i->backoff_ms = grown > (double)i->backoff_max_ms ? i->backoff_max_ms : (long)grown;
    i->after_timer = step;
    ev_timer_set(&i->timer, delay / 1000.0, 0.0);
    ev_timer_start(i->loop, &i->timer);
}

/* ---------------------------------------------------------------- list */

static void on_list(void *ctx, const hpac_kube_response *resp);

static void list_page(hpac_informer *i)
{
    char *url = NULL, *cont = NULL;
    if (i->page_size > 0 && i->continue_token) {
        cont = hpac_kube_escape(i->continue_token);
        if (cont)
            url = hpac_format("%s%climit=%u&continue=%s", i->path, i->sep, i->page_size, cont);
    } else if (i->page_size > 0) {
        url = hpac_format("%s%climit=%u", i->path, i->sep, i->page_size);
    } else {
        url = strdup(i->path);
    }
    free(cont);
    i->list_call = url ? hpac_kube_request(i->k, "GET", url, NULL, NULL, on_list, i) : NULL;
    free(url);
    if (!i->list_call) {
        recover(i, "list: cannot start the request", STEP_LIST, false);
        return;
    }
    i->stats.lists++;
}

static void list_begin(hpac_informer *i)
{
    if (i->stats.lists > 0)
        i->stats.relists++;
    free(i->continue_token);
    i->continue_token = NULL;
    hpac__keyset_unmark_all(&i->keys);
    list_page(i);
}

static void list_failed(hpac_informer *i, const char *what, const hpac_kube_response *resp)
{
    char why[512];
    snprintf(why, sizeof(why), "list: %s", what ? what : "failed");
    if (resp->code == 410 && i->continue_token && !i->continue_retried) {
        /* The continue token expired (the pages took longer than the
         * server keeps a snapshot): list from scratch, at once the first
         * time. */
        i->continue_retried = true;
        recover(i, why, STEP_LIST, true);
        return;
    }
    recover(i, why, STEP_LIST, false);
}

static void on_list(void *ctx, const hpac_kube_response *resp)
{
    hpac_informer *i = ctx;
    i->list_call = NULL;
    if (resp->error) {
        list_failed(i, resp->error, resp);
        return;
    }
    json_t *items = json_object_get(resp->body, "items");
    const json_t *meta = json_object_get(resp->body, "metadata");
    if (!json_is_array(items)) {
        list_failed(i, "the response has no items array", resp);
        return;
    }
    size_t n;
    json_t *item;
    json_array_foreach(items, n, item) {
        if (json_is_object(item))
            deliver_upsert(i, item);
    }
    const char *cont = json_string_value(json_object_get(meta, "continue"));
    if (i->page_size > 0 && cont && cont[0]) {
        if (!set_string(&i->continue_token, cont)) {
            list_failed(i, "continue token too long or out of memory", resp);
            return;
        }
        list_page(i);
        return;
    }
    /* The last page: its resourceVersion is the snapshot's. */
    const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
    if (!set_string(&i->rv, rv && rv[0] ? rv : NULL)) {
        list_failed(i, "resourceVersion too long or out of memory", resp);
        return;
    }
    free(i->continue_token);
    i->continue_token = NULL;
    i->continue_retried = false;
    hpac__keyset_sweep(&i->keys, deliver_remove_key, i);
    i->synced = true;
    if (i->h.synced)
        i->h.synced(i->ctx);
    watch_begin(i);
}

/* --------------------------------------------------------------- watch */

static void on_event(void *ctx, const char *type, json_t *object);
static void on_end(void *ctx, const hpac_kube_response *resp);

static void watch_begin(hpac_informer *i)
{
    char *url = NULL, *rv = NULL;
    unsigned timeout = i->min_watch_s + (unsigned)(next_random(i) * i->min_watch_s);
    if (i->rv)
        rv = hpac_kube_escape(i->rv);
    if (!i->rv || rv)
        url = hpac_format("%s%cwatch=1&resourceVersion=%s&allowWatchBookmarks=true"
                          "&timeoutSeconds=%u",
                          i->path, i->sep, rv ? rv : "", timeout);
    free(rv);
    i->watch = url ? hpac_kube_watch_start(i->k, url, on_event, on_end, i) : NULL;
    free(url);
    if (!i->watch) {
        recover(i, "watch: cannot start the request", STEP_WATCH, false);
        return;
    }
    i->stats.watches++;
    i->watch_started_ms = hpac_clock_monotonic_ms();
    i->watch_events = 0;
}

static bool short_watch(const hpac_informer *i)
{
    return i->watch_events == 0 &&
           hpac_clock_monotonic_ms() - i->watch_started_ms < SHORT_WATCH_MS;
}

static void on_error_event(hpac_informer *i, const json_t *status)
{
    json_int_t code = json_integer_value(json_object_get(status, "code"));
    const char *message = json_string_value(json_object_get(status, "message"));
    const char *reason = json_string_value(json_object_get(status, "reason"));
    char why[512];
    snprintf(why, sizeof(why), "watch: error event %lld %s: %s", (long long)code,
             reason ? reason : "", message ? message : "");
    /* Stopped from inside its own event: no on_end follows. */
    hpac_kube_watch_stop(i->watch);
    i->watch = NULL;
    if (code == 410) {
        /* Our resourceVersion is older than the server keeps: relist. At
         * once, unless the watch that said so had only just started. */
        recover(i, why, STEP_LIST, !short_watch(i));
        return;
    }
    recover(i, why, STEP_WATCH, false);
}

static void on_event(void *ctx, const char *type, json_t *object)
{
    hpac_informer *i = ctx;
    i->stats.events++;
    if (strcmp(type, "ERROR") == 0) {
        on_error_event(i, object);
        return;
    }
    i->watch_events++;
    if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
        deliver_upsert(i, object);
    } else if (strcmp(type, "DELETED") == 0) {
        char key[HPAC__KEY_MAX + 2];
        if (object_key(object, key, sizeof(key))) {
            hpac__keyset_remove(&i->keys, key);
            deliver_remove_key(i, key);
        }
    }
    /* BOOKMARK, and any type we do not know: only the resourceVersion. */
    advance_rv(i, object);
}

static void on_end(void *ctx, const hpac_kube_response *resp)
{
    hpac_informer *i = ctx;
    i->watch = NULL;
    char why[512];
    if (!resp->error && resp->code >= 200 && resp->code < 300) {
        if (short_watch(i)) {
            recover(i, "watch: closed by the server at once", STEP_WATCH, false);
            return;
        }
        /* The normal end of a watch (its timeoutSeconds): healthy. */
        i->backoff_ms = i->backoff_initial_ms;
        recover(i, "watch: closed by the server", STEP_WATCH, true);
        return;
    }
    snprintf(why, sizeof(why), "watch: %s", resp->error ? resp->error : "failed");
    if (resp->code == 410) {
        recover(i, why, STEP_LIST, !short_watch(i));
        return;
    }
    recover(i, why, STEP_WATCH, false);
}

/* ----------------------------------------------------------------- API */

hpac_informer *hpac_informer_new(hpac_kube *k, const char *collection_path,
                                 const hpac_informer_handlers *h, void *ctx)
{
    if (!k || !collection_path || collection_path[0] != '/' || !h || !h->upsert || !h->remove)
        return NULL;
    hpac_informer *i = calloc(1, sizeof(*i));
    if (!i)
        return NULL;
    i->path = strdup(collection_path);
    if (!i->path) {
        free(i);
        return NULL;
    }
    i->k = k;
    i->loop = hpac_kube_loop(k);
    i->sep = strchr(collection_path, '?') ? '&' : '?';
    i->h = *h;
    i->ctx = ctx;
    i->page_size = HPAC_INFORMER_DEFAULT_PAGE_SIZE;
    i->min_watch_s = HPAC_INFORMER_DEFAULT_MIN_WATCH_TIMEOUT_S;
    i->backoff_initial_ms = HPAC_INFORMER_DEFAULT_BACKOFF_INITIAL_MS;
    i->backoff_max_ms = HPAC_INFORMER_DEFAULT_BACKOFF_MAX_MS;
    i->backoff_factor = HPAC_INFORMER_DEFAULT_BACKOFF_FACTOR;
    i->backoff_jitter = HPAC_INFORMER_DEFAULT_BACKOFF_JITTER;
    i->backoff_reset_ms = HPAC_INFORMER_DEFAULT_BACKOFF_RESET_MS;
    i->backoff_ms = i->backoff_initial_ms;
    hpac_informer_set_seed(i, (uint64_t)hpac_clock_monotonic_ms() ^ (uint64_t)(uintptr_t)i);
    ev_timer_init(&i->timer, on_timer, 0.0, 0.0);
    i->timer.data = i;
    return i;
}

int hpac_informer_start(hpac_informer *i)
{
    if (!i || i->started)
        return -1;
    i->started = true;
    list_begin(i);
    return 0;
}

void hpac_informer_free(hpac_informer *i)
{
    if (!i)
        return;
    hpac_kube_cancel(i->list_call);
    hpac_kube_watch_stop(i->watch);
    ev_timer_stop(i->loop, &i->timer);
    hpac__keyset_clear(&i->keys);
    free(i->rv);
    free(i->continue_token);
    free(i->path);
    free(i);
}

bool hpac_informer_synced(const hpac_informer *i)
{
    return i && i->synced;
}

void hpac_informer_set_page_size(hpac_informer *i, unsigned limit)
{
    i->page_size = limit;
}

void hpac_informer_set_min_watch_timeout(hpac_informer *i, unsigned seconds)
{
    i->min_watch_s = seconds > 0 ? seconds : 1;
}

void hpac_informer_set_backoff(hpac_informer *i, long initial_ms, long max_ms, double factor,
                               double jitter)
{
    i->backoff_initial_ms = initial_ms > 0 ? initial_ms : 1;
    i->backoff_max_ms = max_ms >= i->backoff_initial_ms ? max_ms : i->backoff_initial_ms;
    i->backoff_factor = factor >= 1.0 ? factor : 1.0;
    i->backoff_jitter = jitter >= 0.0 ? jitter : 0.0;
    i->backoff_ms = i->backoff_initial_ms;
}

void hpac_informer_set_backoff_reset(hpac_informer *i, long healthy_ms)
{
    i->backoff_reset_ms = healthy_ms > 0 ? healthy_ms : 1;
}

void hpac_informer_set_seed(hpac_informer *i, uint64_t seed)
{
    i->rng = seed ? seed : 0x9e3779b97f4a7c15ull; /* xorshift must not start at 0 */
}

void hpac_informer_get_stats(const hpac_informer *i, hpac_informer_stats *out)
{
    *out = i->stats;
    out->objects = i->keys.count;
    out->key_bytes = hpac__keyset_bytes(&i->keys);
    out->next_backoff_ms = i->backoff_ms;
}

const char *hpac_informer_resource_version(const hpac_informer *i)
{
    return i->rv;
}
