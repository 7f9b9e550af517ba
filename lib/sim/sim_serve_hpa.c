/* HorizontalPodAutoscalers, served alike under autoscaling/v2 and
 * hpac.io/v1: one stored object, its apiVersion rewritten to the path's.
 * The controller reads them and writes their status. */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"
#include "sim/sim_status.h"

#include <stdio.h>
#include <string.h>

#define HPA_RESOURCE "horizontalpodautoscalers"
#define API_VERSION_MAX 300

static bool method_is(const hpac_sim_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

/* The stored HPA as the path's group/version serves it: its view with
 * apiVersion and kind set. */
static json_t *served(const hpac_sim_request *req, const json_t *hpa, const char *api_version)
{
    json_t *copy = hpac_sim_view(req, hpa);
    if (!copy)
        return NULL;
    json_object_set_new(copy, "apiVersion", json_string(api_version));
    json_object_set_new(copy, "kind", json_string("HorizontalPodAutoscaler"));
    return copy;
}

typedef struct list_ctx {
    json_t *items;
    const char *api_version;
    const hpac_sim_request *req;
    hpac_sim_page *page;
} list_ctx;

static bool collect_served(void *ctx, const hpac_sim_entry *entry)
{
    list_ctx *l = ctx;
    hpac_sim_page_step step = hpac_sim_page_next(l->page);
    if (step == HPAC_SIM_PAGE_TAKE)
        json_array_append_new(l->items, served(l->req, entry->obj, l->api_version));
    return step != HPAC_SIM_PAGE_STOP;
}

/* Checks on a replacement status, those of the API server's validation
 * that catch a controller's mistakes. Returns false with `out` set (422). */
static bool valid_status(const json_t *status, const char *name, hpac_sim_reply *out)
{
    static const char *const COUNTS[] = {"currentReplicas", "desiredReplicas"};
    char message[640];
    if (!status)
        return true;
    if (!json_is_object(status)) {
        snprintf(message, sizeof(message),
                 "HorizontalPodAutoscaler.autoscaling \"%.253s\" is invalid: status: must be an "
                 "object",
                 name);
        hpac_sim_reply_status(out, 422, "Invalid", message);
        return false;
    }
    for (size_t i = 0; i < sizeof(COUNTS) / sizeof(COUNTS[0]); i++) {
        const json_t *v = json_object_get(status, COUNTS[i]);
        if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
            snprintf(message, sizeof(message),
                     "HorizontalPodAutoscaler.autoscaling \"%.253s\" is invalid: status.%s: "
                     "Invalid value: must be a non-negative integer",
                     name, COUNTS[i]);
            hpac_sim_reply_status(out, 422, "Invalid", message);
            return false;
        }
    }
    const json_t *conditions = json_object_get(status, "conditions");
    if (conditions && !json_is_array(conditions)) {
        snprintf(message, sizeof(message),
                 "HorizontalPodAutoscaler.autoscaling \"%.253s\" is invalid: status.conditions: "
                 "must be a list",
                 name);
        hpac_sim_reply_status(out, 422, "Invalid", message);
        return false;
    }
    return true;
}

/* Applies `next` (a whole HPA from a PUT body or a patch result; borrowed)
 * to the stored entry: the status for /status, spec, labels and
 * annotations otherwise. */
static void apply(hpac_sim_state *st, hpac_sim_entry *entry, const json_t *next, bool status_only,
                  const char *api_version, const hpac_sim_request *req, hpac_sim_reply *out)
{
    char message[640];
    const char *group = req->p.group;
    if (!json_is_object(next)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "the request body must be a JSON object");
        return;
    }
    const char *name = hpac_sim_json_str(next, "metadata.name");
    if (name && strcmp(name, req->p.name) != 0) {
        snprintf(message, sizeof(message),
                 "the name of the object (%.253s) does not match the name on the URL (%.253s)",
                 name, req->p.name);
        hpac_sim_reply_status(out, 400, "BadRequest", message);
        return;
    }
    if (hpac_sim_stale(next, entry->obj)) {
        hpac_sim_reply_json(out, 409, hpac_sim_status_conflict(group, HPA_RESOURCE, req->p.name));
        return;
    }
    if (status_only) {
        const json_t *status = json_object_get(next, "status");
        if (!valid_status(status, req->p.name, out))
            return;
        json_t *copy = status ? json_deep_copy(status) : json_object();
        if (!copy || json_object_set_new(entry->obj, "status", copy) != 0)
            return;
    } else {
        const json_t *spec = json_object_get(next, "spec");
        if (!json_is_object(spec)) {
            snprintf(message, sizeof(message),
                     "HorizontalPodAutoscaler.autoscaling \"%.253s\" is invalid: spec: Required "
                     "value",
                     req->p.name);
            hpac_sim_reply_status(out, 422, "Invalid", message);
            return;
        }
        json_t *meta = hpac_sim_json_child(entry->obj, "metadata");
        if (!meta)
            return;
        if (!json_equal(spec, json_object_get(entry->obj, "spec"))) {
            json_object_set_new(entry->obj, "spec", json_deep_copy(spec));
            json_int_t gen = json_integer_value(json_object_get(meta, "generation"));
            json_object_set_new(meta, "generation", json_integer(gen + 1));
        }
        static const char *const COPIED[] = {"labels", "annotations"};
        for (size_t i = 0; i < sizeof(COPIED) / sizeof(COPIED[0]); i++) {
            const json_t *v = hpac_sim_json_at(next, "metadata") ?
                                  json_object_get(hpac_sim_json_at(next, "metadata"), COPIED[i]) :
                                  NULL;
            if (v)
                json_object_set_new(meta, COPIED[i], json_deep_copy(v));
            else
                json_object_del(meta, COPIED[i]);
        }
        char err[256];
        if (hpac_sim_store_relabel(st->hpas, entry, err, sizeof(err)) != 0) {
            hpac_sim_reply_status(out, 422, "Invalid", err);
            return;
        }
    }
    hpac_sim__bump(st, entry->obj);
    hpac_sim__emit(st, st->hpas, "MODIFIED", entry);
    hpac_sim_reply_json(out, 200, served(req, entry->obj, api_version));
}

static void create(hpac_sim_state *st, const char *api_version, const hpac_sim_request *req,
                   hpac_sim_reply *out)
{
    char err[256], message[640];
    const char *name = hpac_sim_json_str(req->body, "metadata.name");
    const char *ns = hpac_sim_json_str(req->body, "metadata.namespace");
    if (!json_is_object(req->body) || !name || !*name) {
        hpac_sim_reply_status(out, 422, "Invalid",
                              "HorizontalPodAutoscaler.autoscaling \"\" is invalid: metadata.name: "
                              "Required value: name or generateName is required");
        return;
    }
    if (ns && strcmp(ns, req->p.ns) != 0) {
        hpac_sim_reply_status(out, 400, "BadRequest",
                              "the namespace of the provided object does not match the "
                              "namespace sent on the request");
        return;
    }
    if (hpac_sim_store_find(st->hpas, req->p.ns, name)) {
        snprintf(message, sizeof(message), "%s.%s \"%.253s\" already exists", HPA_RESOURCE,
                 req->p.group, name);
        hpac_sim_reply_json(out, 409,
                            hpac_sim_status_new(409, "AlreadyExists", message, req->p.group,
                                                HPA_RESOURCE, name));
        return;
    }
    json_t *obj = json_deep_copy(req->body);
    json_t *meta = obj ? hpac_sim_json_child(obj, "metadata") : NULL;
    if (!meta) {
        json_decref(obj);
        return;
    }
    json_object_set_new(meta, "namespace", json_string(req->p.ns));
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "uid");
    json_object_del(meta, "creationTimestamp");
    json_object_del(meta, "generation");
    if (hpac_sim__put_object_locked(st, HPAC_SIM_KIND_HPA, obj, err, sizeof(err)) != 0) {
        json_decref(obj);
        hpac_sim_reply_status(out, 422, "Invalid", err);
        return;
    }
    json_decref(obj);
    const hpac_sim_entry *entry = hpac_sim_store_find(st->hpas, req->p.ns, name);
    hpac_sim_reply_json(out, 201, entry ? served(req, entry->obj, api_version) : NULL);
}

static void delete_hpa(hpac_sim_state *st, hpac_sim_entry *entry, const hpac_sim_request *req,
                       hpac_sim_reply *out)
{
    json_t *status = json_pack("{s:s, s:s, s:{}, s:s, s:{s:s, s:s, s:s, s:s?}}", "kind", "Status",
                               "apiVersion", "v1", "metadata", "status", "Success", "details",
                               "name", req->p.name, "group", req->p.group, "kind", HPA_RESOURCE,
                               "uid", hpac_sim_json_str(entry->obj, "metadata.uid"));
    hpac_sim__bump(st, entry->obj);
    hpac_sim__emit(st, st->hpas, "DELETED", entry);
    hpac_sim_store_remove(st->hpas, req->p.ns, req->p.name);
    hpac_sim_reply_json(out, 200, status);
}

void hpac_sim_serve_hpa(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    char api_version[API_VERSION_MAX];
    hpac_sim_api_version(api_version, sizeof(api_version), p->group, p->version);
    bool status_sub = p->sub && strcmp(p->sub, "status") == 0;

    if (p->sub && !status_sub) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (!p->name) {
        if (method_is(req, "GET") || method_is(req, "HEAD")) {
            hpac_sim_page page;
            if (hpac_sim_page_init(&page, req, out))
                return;
            hpac_selector *sel = hpac_sim_parse_selector(req->label_selector, out);
            if (!sel)
                return;
            json_t *list = hpac_sim_list_new(st, api_version, "HorizontalPodAutoscalerList");
            list_ctx ctx = {hpac_sim_list_items(list), api_version, req, &page};
            if (list)
                hpac_sim_store_each(st->hpas, p->ns, sel, collect_served, &ctx);
            hpac_selector_free(sel);
            hpac_sim_page_finish(&page, list);
            hpac_sim_reply_json(out, 200, list);
        } else if (method_is(req, "POST") && p->ns) {
            create(st, api_version, req, out);
        } else {
            hpac_sim_reply_method_not_allowed(out);
        }
        return;
    }
    if (!p->ns) {
        hpac_sim_reply_no_route(out);
        return;
    }
    bool get = method_is(req, "GET") || method_is(req, "HEAD");
    bool put = method_is(req, "PUT"), patch = method_is(req, "PATCH");
    bool del = method_is(req, "DELETE") && !status_sub;
    if (!get && !put && !patch && !del) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    hpac_sim_entry *entry = hpac_sim_store_find(st->hpas, p->ns, p->name);
    if (!entry) {
        hpac_sim_reply_not_found(out, p->group, HPA_RESOURCE, p->name);
        return;
    }
    if (get) {
        hpac_sim_reply_json(out, 200, served(req, entry->obj, api_version));
    } else if (put) {
        apply(st, entry, req->body, status_sub, api_version, req, out);
    } else if (patch) {
        json_t *current = served(req, entry->obj, api_version);
        json_t *patched = current ? hpac_sim_apply_patch(req, current, out) : NULL;
        if (patched)
            apply(st, entry, patched, status_sub, api_version, req, out);
        json_decref(patched);
        json_decref(current);
    } else {
        delete_hpa(st, entry, req, out);
    }
}
