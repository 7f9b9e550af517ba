/* Kind -> resource resolution from discovery documents, cached per
 * group-version. Every answer is delivered from the loop: cache hits go
 * through a zero-delay timer, fetch results from the fetch's callback. */
#include "kube/discovery.h"

#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct call_list {
    hpac_discovery_call *head, *tail;
} call_list;

typedef struct gv_entry {
    char *group_version;     /* "v1", "apps/v1" */
    json_t *kinds;           /* {"Deployment": "deployments"} from the last fetch, or NULL */
    bool not_served;         /* the last fetch found no discovery: guess */
    int64_t fetched_at_ms;   /* of the last successful or not-served fetch; 0: never */
    hpac_kube_call *fetch;   /* in flight, or NULL */
    call_list waiters;
    hpac_discovery *d;
    struct gv_entry *next;
} gv_entry;

struct hpac_discovery_call {
    hpac_discovery *d;
    char *kind;
    char *resource; /* the answer, once known */
    char *error;
    hpac_discovery_done_fn done;
    void *ctx;
    call_list *owner; /* a gv's waiters or the ready queue */
    hpac_discovery_call *prev, *next;
};

struct hpac_discovery {
    hpac_kube *k;
    struct ev_loop *loop;
    long refresh_ms;
    gv_entry *gvs;
    call_list ready;
    ev_timer kick;
};

/* ---- lists ---- */

static void list_push(call_list *l, hpac_discovery_call *c)
{
    c->owner = l;
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
}

static void list_unlink(hpac_discovery_call *c)
{
    call_list *l = c->owner;
    if (!l)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    c->owner = NULL;
}

static void call_free(hpac_discovery_call *c)
{
    list_unlink(c);
    free(c->kind);
    free(c->resource);
    free(c->error);
    free(c);
}

/* ---- guessing ---- */

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *hpac_discovery_guess_resource(const char *kind)
{
    if (!kind || !kind[0])
        return NULL;
    size_t n = strlen(kind);
    char *out = malloc(n + 3);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)kind[i]);
    out[n] = '\0';
    if (ends_with(out, n, "endpoints") || ends_with(out, n, "securitycontextconstraints"))
        return out;
    if (out[n - 1] == 's')
        memcpy(out + n, "es", 3);
    else if (out[n - 1] == 'y')
        memcpy(out + n - 1, "ies", 4);
    else
        memcpy(out + n, "s", 2);
    return out;
}

/* ---- answers ---- */

static void dispatch_ready(hpac_discovery *d)
{
    while (d->ready.head) {
        hpac_discovery_call *c = d->ready.head;
        list_unlink(c);
        /* Both NULL only when building the answer ran out of memory. */
        c->done(c->ctx, c->resource,
                c->resource ? NULL : (c->error ? c->error : "out of memory"));
        call_free(c);
    }
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
    dispatch_ready(w->data);
}

/* Answers `c` from what `gv` knows: the plural, the guess, or no match.
 * Moves it to the ready queue (out of memory leaves no answer, which is
 * delivered as an error). */
static void answer(hpac_discovery *d, gv_entry *gv, hpac_discovery_call *c)
{
    list_unlink(c);
    const char *plural = json_string_value(json_object_get(gv->kinds, c->kind));
    if (plural)
        c->resource = strdup(plural);
    else if (gv->not_served)
        c->resource = hpac_discovery_guess_resource(c->kind);
    else
        c->error = hpac_format("no matches for kind \"%s\" in version \"%s\"", c->kind,
                               gv->group_version);
    list_push(&d->ready, c);
}

static void fail_waiters(hpac_discovery *d, gv_entry *gv, const char *error)
{
    while (gv->waiters.head) {
        hpac_discovery_call *c = gv->waiters.head;
        list_unlink(c);
        c->error = hpac_format("unable to retrieve the complete list of server APIs: %s: %s",
                               gv->group_version, error);
        list_push(&d->ready, c);
    }
}

/* ---- fetching ---- */

/* An APIResourceList's kinds, subresources ("deployments/scale") skipped. */
static json_t *kinds_of(json_t *list)
{
    json_t *resources = json_object_get(list, "resources");
    if (!json_is_array(resources))
        return NULL;
    json_t *kinds = json_object();
    if (!kinds)
        return NULL;
    size_t i;
    json_t *r;
    json_array_foreach(resources, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        if (!name || !kind || strchr(name, '/'))
            continue;
        if (json_object_get(kinds, kind))
            continue; /* the first resource of a kind wins */
        if (json_object_set_new(kinds, kind, json_string(name)) != 0) {
            json_decref(kinds);
            return NULL;
        }
    }
    return kinds;
}

static void fetch_done(void *ctx, const hpac_kube_response *resp)
{
    gv_entry *gv = ctx;
    hpac_discovery *d = gv->d;
    gv->fetch = NULL;

    bool success = resp->code >= 200 && resp->code < 300;
    json_t *kinds = success && resp->body ? kinds_of(resp->body) : NULL;
    /* Minimal servers: no discovery at all (any client error but an
     * authentication or throttling one), or something that is not an
     * APIResourceList where one should be. */
    bool client_error = resp->code >= 400 && resp->code < 500 && resp->code != 401 &&
                        resp->code != 429;
    bool not_served = client_error || resp->code == 501 ||
                      (success && !json_is_array(json_object_get(resp->body, "resources")));

    if (kinds || not_served) {
        json_decref(gv->kinds);
        gv->kinds = kinds;
        gv->not_served = not_served && !kinds;
        gv->fetched_at_ms = hpac_clock_monotonic_ms();
        while (gv->waiters.head)
            answer(d, gv, gv->waiters.head);
    } else {
        fail_waiters(d, gv, resp->error ? resp->error : "out of memory");
    }
    dispatch_ready(d);
}

static int start_fetch(hpac_discovery *d, gv_entry *gv)
{
    if (gv->fetch)
        return 0;
    int rc = -1;
    char *path = strchr(gv->group_version, '/') ? hpac_format("/apis/%s", gv->group_version)
                                          : hpac_format("/api/%s", gv->group_version);
    if (!path)
        goto out;
    gv->fetch = hpac_kube_request(d->k, "GET", path, NULL, NULL, fetch_done, gv);
    if (!gv->fetch)
        goto out;
    rc = 0;
out:
    free(path);
    return rc;
}

/* ---- public ---- */

static gv_entry *find_gv(hpac_discovery *d, const char *group_version)
{
    for (gv_entry *gv = d->gvs; gv; gv = gv->next) {
        if (strcmp(gv->group_version, group_version) == 0)
            return gv;
    }
    return NULL;
}

static gv_entry *get_gv(hpac_discovery *d, const char *group_version)
{
    gv_entry *gv = find_gv(d, group_version);
    if (gv)
        return gv;
    gv = calloc(1, sizeof(*gv));
    if (!gv)
        return NULL;
    gv->group_version = strdup(group_version);
    if (!gv->group_version) {
        free(gv);
        return NULL;
    }
    gv->d = d;
    gv->next = d->gvs;
    d->gvs = gv;
    return gv;
}

/* "v1" and "apps/v1" are valid; "", "/v1", "apps/", "a/b/c" are not. */
static bool valid_group_version(const char *gv)
{
    if (!gv || !gv[0])
        return false;
    const char *slash = strchr(gv, '/');
    if (!slash)
        return true;
    return slash != gv && slash[1] != '\0' && !strchr(slash + 1, '/');
}

hpac_discovery *hpac_discovery_new(hpac_kube *k)
{
    if (!k)
        return NULL;
    hpac_discovery *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->k = k;
    d->loop = hpac_kube_loop(k);
    d->refresh_ms = HPAC_DISCOVERY_DEFAULT_REFRESH_MS;
    ev_timer_init(&d->kick, on_kick, 0.0, 0.0);
    d->kick.data = d;
    return d;
}

void hpac_discovery_free(hpac_discovery *d)
{
    if (!d)
        return;
    while (d->ready.head)
        call_free(d->ready.head);
    while (d->gvs) {
        gv_entry *gv = d->gvs;
        d->gvs = gv->next;
        while (gv->waiters.head)
            call_free(gv->waiters.head);
        hpac_kube_cancel(gv->fetch);
        json_decref(gv->kinds);
        free(gv->group_version);
        free(gv);
    }
    ev_timer_stop(d->loop, &d->kick);
    free(d);
}

void hpac_discovery_set_refresh_interval_ms(hpac_discovery *d, long ms)
{
    d->refresh_ms = ms >= 0 ? ms : HPAC_DISCOVERY_DEFAULT_REFRESH_MS;
}

hpac_discovery_call *hpac_discovery_resolve(hpac_discovery *d, const char *api_version,
                                            const char *kind, hpac_discovery_done_fn done,
                                            void *ctx)
{
    hpac_discovery_call *c = NULL;
    hpac_discovery_call *result = NULL;

    if (!d || !api_version || !kind || !done)
        goto out;
    c = calloc(1, sizeof(*c));
    if (!c)
        goto out;
    c->d = d;
    c->done = done;
    c->ctx = ctx;
    c->kind = strdup(kind);
    if (!c->kind)
        goto out;

    if (!kind[0] || !valid_group_version(api_version)) {
        c->error = kind[0] ? hpac_format("invalid apiVersion \"%s\"", api_version)
                           : strdup("the kind is empty");
        if (!c->error)
            goto out;
        list_push(&d->ready, c);
    } else {
        gv_entry *gv = get_gv(d, api_version);
        if (!gv)
            goto out;
        int64_t now = hpac_clock_monotonic_ms();
        bool known = json_object_get(gv->kinds, kind) != NULL;
        bool fresh = gv->fetched_at_ms != 0 && now - gv->fetched_at_ms < d->refresh_ms;
        if (known || (fresh && !gv->fetch)) {
            answer(d, gv, c);
        } else {
            list_push(&gv->waiters, c);
            if (start_fetch(d, gv) != 0) {
                list_unlink(c);
                goto out;
            }
        }
    }
    if (d->ready.head && !ev_is_active(&d->kick))
        ev_timer_start(d->loop, &d->kick);
    result = c;
    c = NULL;
out:
    if (c)
        call_free(c);
    return result;
}

void hpac_discovery_cancel(hpac_discovery_call *c)
{
    if (!c)
        return;
    /* A call is freed right after its done returns; cancelling from inside
     * it is the only other case, and the call is then in no list. */
    if (!c->owner)
        return;
    call_free(c);
}

char *hpac_discovery_lookup(hpac_discovery *d, const char *api_version, const char *kind)
{
    if (!d || !api_version || !kind)
        return NULL;
    gv_entry *gv = find_gv(d, api_version);
    if (!gv)
        return NULL;
    const char *plural = json_string_value(json_object_get(gv->kinds, kind));
    if (plural)
        return strdup(plural);
    if (gv->not_served)
        return hpac_discovery_guess_resource(kind);
    return NULL;
}
