#include "sim/sim_routes.h"

#include "sim/case.h"
#include "sim/sim_json.h"
#include "sim/sim_status.h"
#include "sim/sim_watch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_METRICS "metrics.k8s.io"
#define GROUP_CUSTOM "custom.metrics.k8s.io"
#define GROUP_EXTERNAL "external.metrics.k8s.io"

void hpac_sim_reply_json(hpac_sim_reply *out, int code, json_t *body)
{
    json_decref(out->body);
    out->code = code;
    out->body = body;
    out->text = NULL;
}

void hpac_sim_reply_status(hpac_sim_reply *out, int code, const char *reason,
                           const char *message)
{
    hpac_sim_reply_json(out, code, hpac_sim_status_new(code, reason, message, NULL, NULL, NULL));
}

void hpac_sim_reply_not_found(hpac_sim_reply *out, const char *group, const char *resource,
                              const char *name)
{
    hpac_sim_reply_json(out, 404, hpac_sim_status_not_found(group, resource, name));
}

void hpac_sim_reply_no_route(hpac_sim_reply *out)
{
    hpac_sim_reply_json(out, 404,
                        hpac_sim_status_new(404, "NotFound",
                                            "the server could not find the requested resource",
                                            NULL, NULL, NULL));
}

void hpac_sim_reply_method_not_allowed(hpac_sim_reply *out)
{
    hpac_sim_reply_status(out, 405, "MethodNotAllowed",
                          "the server does not allow this method on the requested resource");
}

json_t *hpac_sim_view(const hpac_sim_request *req, const json_t *stored)
{
    return hpac_case_resolve_times(stored, req->now_ms);
}

bool hpac_sim_collect(void *ctx, const hpac_sim_entry *entry)
{
    hpac_sim_collector *c = ctx;
    hpac_sim_page_step step = c->page ? hpac_sim_page_next(c->page) : HPAC_SIM_PAGE_TAKE;
    if (step == HPAC_SIM_PAGE_TAKE)
        json_array_append_new(c->items, hpac_sim_view(c->req, entry->obj));
    return step != HPAC_SIM_PAGE_STOP;
}

/* A decimal count without sign or junk; false otherwise. */
static bool parse_count(const char *text, size_t *out)
{
    char *end = NULL;
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > SIZE_MAX)
        return false;
    *out = (size_t)v;
    return true;
}

int hpac_sim_page_init(hpac_sim_page *pg, const hpac_sim_request *req, hpac_sim_reply *out)
{
    memset(pg, 0, sizeof(*pg));
    /* limit=0 or absent: everything, as the API server does. */
    if (req->limit && *req->limit && !parse_count(req->limit, &pg->limit)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "limit must be a non-negative integer");
        return -1;
    }
    if (!req->continue_token || !*req->continue_token)
        return 0;
    const char *colon = strchr(req->continue_token, ':');
    size_t rv_len = colon ? (size_t)(colon - req->continue_token) : 0;
    if (!colon || rv_len == 0 || rv_len >= sizeof(pg->rv) ||
        !parse_count(colon + 1, &pg->skip)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "continue key is not valid");
        return -1;
    }
    memcpy(pg->rv, req->continue_token, rv_len);
    pg->rv[rv_len] = '\0';
    return 0;
}

hpac_sim_page_step hpac_sim_page_next(hpac_sim_page *pg)
{
    size_t index = pg->seen;
    if (index < pg->skip) {
        pg->seen++;
        return HPAC_SIM_PAGE_SKIP;
    }
    if (pg->limit && index - pg->skip >= pg->limit) {
        pg->more = true;
        return HPAC_SIM_PAGE_STOP;
    }
    pg->seen++;
    return HPAC_SIM_PAGE_TAKE;
}

void hpac_sim_page_finish(const hpac_sim_page *pg, json_t *list)
{
    json_t *meta = json_object_get(list, "metadata");
    if (!meta)
        return;
    if (pg->rv[0])
        json_object_set_new(meta, "resourceVersion", json_string(pg->rv));
    if (pg->more) {
        const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
        char token[64];
        snprintf(token, sizeof(token), "%s:%zu", rv ? rv : "0", pg->seen);
        json_object_set_new(meta, "continue", json_string(token));
    }
}

hpac_selector *hpac_sim_parse_selector(const char *text, hpac_sim_reply *out)
{
    char err[256], message[512];
    hpac_selector *sel = hpac_selector_parse(text ? text : "", err, sizeof(err));
    if (!sel) {
        snprintf(message, sizeof(message), "unable to parse requirement: %s", err);
        hpac_sim_reply_status(out, 400, "BadRequest", message);
    }
    return sel;
}

json_t *hpac_sim_list_new(const hpac_sim_state *st, const char *api_version, const char *kind)
{
    char rv[32];
    hpac_sim__resource_version(st, rv, sizeof(rv));
    return json_pack("{s:s, s:s, s:{s:s}, s:[]}", "apiVersion", api_version, "kind", kind,
                     "metadata", "resourceVersion", rv, "items");
}

json_t *hpac_sim_list_items(json_t *list)
{
    return json_object_get(list, "items");
}

void hpac_sim_api_version(char *buf, size_t size, const char *group, const char *version)
{
    if (group && *group)
        snprintf(buf, size, "%s/%s", group, version);
    else
        snprintf(buf, size, "%s", version);
}

bool hpac_sim_stale(const json_t *body, const json_t *stored)
{
    const char *given = hpac_sim_json_str(body, "metadata.resourceVersion");
    const char *current = hpac_sim_json_str(stored, "metadata.resourceVersion");
    return given && *given && (!current || strcmp(given, current) != 0);
}

/* The media type without parameters: "application/json; charset=utf-8"
 * compares as "application/json". */
static bool media_type_is(const char *content_type, const char *want)
{
    size_t len = strlen(want);
    if (!content_type || strncmp(content_type, want, len) != 0)
        return false;
    return content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ';
}

json_t *hpac_sim_apply_patch(const hpac_sim_request *req, const json_t *current,
                             hpac_sim_reply *out)
{
    char err[256], message[400];
    json_t *patched = NULL;
    if (media_type_is(req->content_type, "application/merge-patch+json") ||
        media_type_is(req->content_type, "application/strategic-merge-patch+json")) {
        if (!json_is_object(req->body)) {
            hpac_sim_reply_status(out, 400, "BadRequest", "a merge patch must be a JSON object");
            return NULL;
        }
        patched = hpac_sim_merge_patch(current, req->body);
        if (!patched)
            hpac_sim_reply_status(out, 500, "InternalError", "out of memory");
        return patched;
    }
    if (media_type_is(req->content_type, "application/json-patch+json")) {
        patched = hpac_sim_json_patch(current, req->body, err, sizeof(err));
        if (!patched) {
            snprintf(message, sizeof(message), "the JSON patch cannot be applied: %s", err);
            hpac_sim_reply_status(out, 422, "Invalid", message);
        }
        return patched;
    }
    snprintf(message, sizeof(message), "the body of the request was in an unknown format - "
                                       "accepted media types include: "
                                       "application/json-patch+json, "
                                       "application/merge-patch+json, "
                                       "application/strategic-merge-patch+json");
    hpac_sim_reply_status(out, 415, "UnsupportedMediaType", message);
    return NULL;
}

/* Splits `path` (modified in place) into at most `max` segments. Returns
 * the count, or -1 for an empty segment ("//") or too many segments. A
 * trailing slash is ignored. */
static int split_path(char *path, char **segs, int max)
{
    int n = 0;
    char *p = path;
    if (*p != '/')
        return -1;
    p++;
    size_t len = strlen(p);
    if (len > 0 && p[len - 1] == '/') {
        if (len == 1 || p[len - 2] == '/')
            return -1;
        p[len - 1] = '\0';
    }
    if (*p == '\0')
        return 0;
    while (p) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (*p == '\0' || n == max)
            return -1;
        segs[n++] = p;
        p = slash ? slash + 1 : NULL;
    }
    return n;
}

/* Fills the resource part of req->p from the segments after the
 * group/version. Returns false for a shape no API has. */
static bool parse_resource_path(char **segs, int n, hpac_sim_path *p)
{
    if (n == 0)
        return true;
    if (strcmp(segs[0], "namespaces") == 0 && n <= 2) {
        p->resource = segs[0];
        p->name = n == 2 ? segs[1] : NULL;
        return true;
    }
    if (strcmp(segs[0], "namespaces") == 0) {
        p->ns = segs[1];
        segs += 2;
        n -= 2;
    }
    if (n > 3)
        return false;
    p->resource = segs[0];
    p->name = n >= 2 ? segs[1] : NULL;
    p->sub = n >= 3 ? segs[2] : NULL;
    return true;
}

static void serve_root(const hpac_sim_request *req, hpac_sim_reply *out)
{
    json_t *paths = json_pack("{s:[s, s, s, s, s, s, s]}", "paths", "/api", "/api/v1", "/apis",
                              "/healthz", "/livez", "/readyz", "/version");
    hpac_sim_reply_json(out, 200, paths);
}

static void serve_version(hpac_sim_reply *out)
{
    hpac_sim_reply_json(out, 200,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "major", "1", "minor", "30",
                                  "gitVersion", "v1.30.0-hpac-sim", "goVersion", "go1.22",
                                  "compiler", "gc", "platform", "linux/amd64"));
}

/* Dispatches a request whose path has been parsed into req->p. */
static void dispatch(hpac_sim_state *st, hpac_sim_request *req, hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    if (!p->version || !p->resource) {
        hpac_sim_serve_discovery(st, req, out);
        return;
    }
    const char *g = p->group;
    hpac_sim_metrics_apis apis = {
        .resource_metrics = st->has_pod_metrics,
        .custom_metrics = st->has_custom_metrics,
        .external_metrics = st->has_external_metrics,
    };
    if (!hpac_sim_registry_serves(st->registry, &apis, g, p->version)) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (req->watch && strcmp(req->method, "GET") == 0) {
        out->watch = hpac_sim_watch_open(st, req, out);
        if (out->watch)
            hpac_sim_reply_json(out, 200, NULL);
        return;
    }
    if (strcmp(g, GROUP_METRICS) == 0)
        hpac_sim_serve_resource_metrics(st, req, out);
    else if (strcmp(g, GROUP_CUSTOM) == 0)
        hpac_sim_serve_custom_metrics(st, req, out);
    else if (strcmp(g, GROUP_EXTERNAL) == 0)
        hpac_sim_serve_external_metrics(st, req, out);
    else if (!*g)
        hpac_sim_serve_core(st, req, out);
    else if ((strcmp(g, "autoscaling") == 0 || strcmp(g, "hpac.io") == 0) &&
             strcmp(p->resource, "horizontalpodautoscalers") == 0)
        hpac_sim_serve_hpa(st, req, out);
    else if (strcmp(g, "coordination.k8s.io") == 0 && strcmp(p->resource, "leases") == 0)
        hpac_sim_serve_leases(st, req, out);
    else if (strcmp(g, "events.k8s.io") == 0 && strcmp(p->resource, "events") == 0)
        hpac_sim_serve_events(st, req, out);
    else
        hpac_sim_serve_targets(st, req, out);
}

/* Parses req->path into req->p. Returns false when no route has this
 * shape, or for the few paths answered without the state (sets `out`). */
static bool parse_request_path(hpac_sim_request *req, char *copy, hpac_sim_reply *out)
{
    char *segs[HPAC_SIM_PATH_SEGMENTS_MAX + 3];
    int n = split_path(copy, segs, HPAC_SIM_PATH_SEGMENTS_MAX + 3);
    hpac_sim_path *p = &req->p;
    memset(p, 0, sizeof(*p));
    if (n < 0) {
        hpac_sim_reply_no_route(out);
        return false;
    }
    if (n == 0) {
        serve_root(req, out);
        return false;
    }
    if (n == 1 && (strcmp(segs[0], "healthz") == 0 || strcmp(segs[0], "livez") == 0 ||
                   strcmp(segs[0], "readyz") == 0)) {
        hpac_sim_reply_json(out, 200, NULL);
        out->text = "ok";
        return false;
    }
    if (n == 1 && strcmp(segs[0], "version") == 0) {
        serve_version(out);
        return false;
    }
    if (strcmp(segs[0], "api") == 0) {
        p->group = "";
        if (n >= 2 && strcmp(segs[1], "v1") != 0) {
            hpac_sim_reply_no_route(out);
            return false;
        }
        p->version = n >= 2 ? segs[1] : NULL;
        if (n >= 2 && parse_resource_path(segs + 2, n - 2, p))
            return true;
        if (n == 1)
            return true;
    } else if (strcmp(segs[0], "apis") == 0) {
        p->group = n >= 2 ? segs[1] : NULL;
        p->version = n >= 3 ? segs[2] : NULL;
        if (n <= 3 || parse_resource_path(segs + 3, n - 3, p))
            return true;
    }
    hpac_sim_reply_no_route(out);
    return false;
}

/* Anything but a read takes the write lock; the write log holds the
 * verbs that change objects. */
static bool is_read(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool is_logged_write(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0;
}

void hpac_sim_route(hpac_sim_state *st, hpac_sim_request *req, hpac_sim_reply *out)
{
    char copy[HPAC_SIM_PATH_MAX];
    out->code = 500;
    out->body = NULL;
    out->text = NULL;
    out->watch = NULL;
    bool write = !is_read(req->method);
    bool logged = is_logged_write(req->method);

    /* Paths no route has are answered without the state, but a write to
     * one is still recorded. */
    bool routable = strlen(req->path) < sizeof(copy);
    if (routable) {
        strcpy(copy, req->path);
        routable = parse_request_path(req, copy, out);
    } else {
        hpac_sim_reply_no_route(out);
    }
    if (!routable) {
        if (logged)
            hpac_sim__log_write(st, req->method, req->path, req->body, out->code);
        return;
    }

    if (write)
        hpac_sim__state_wrlock(st);
    else
        hpac_sim__state_rdlock(st);

    dispatch(st, req, out);
    if (!out->body && !out->text && !out->watch)
        hpac_sim_reply_status(out, 500, "InternalError", "out of memory");

    if (logged)
        hpac_sim__record_write(st, req->method, req->path, req->body, out->code);
    hpac_sim__state_unlock(st);
}
