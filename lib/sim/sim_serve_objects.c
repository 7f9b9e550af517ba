/* Plain namespaced objects with the usual verbs: core and events.k8s.io
 * events (the controller's event recorder), coordination.k8s.io leases
 * (leader election). */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"
#include "sim/sim_status.h"

#include <stdio.h>
#include <string.h>

#define OBJECT_NAME_MAX 253

static bool method_is(const hpac_sim_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

/* Rejects bodies that are no object or name another namespace or object,
 * as the API server does. Returns false with `out` set. */
static bool check_identity(const hpac_sim_request *req, const json_t *body, const char *name,
                           hpac_sim_reply *out)
{
    char message[640];
    if (!json_is_object(body)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "the request body must be a JSON object");
        return false;
    }
    const char *body_ns = hpac_sim_json_str(body, "metadata.namespace");
    if (body_ns && *body_ns && strcmp(body_ns, req->p.ns) != 0) {
        hpac_sim_reply_status(out, 400, "BadRequest",
                              "the namespace of the provided object does not match the "
                              "namespace sent on the request");
        return false;
    }
    const char *body_name = hpac_sim_json_str(body, "metadata.name");
    if (name && body_name && strcmp(body_name, name) != 0) {
        snprintf(message, sizeof(message),
                 "the name of the object (%.253s) does not match the name on the URL (%.253s)",
                 body_name, name);
        hpac_sim_reply_status(out, 400, "BadRequest", message);
        return false;
    }
    return true;
}

/* A private deep copy of a request body (the write log keeps the body
 * itself), with apiVersion and kind filled in when absent. */
static json_t *with_type(const json_t *obj, const char *api_version, const char *kind)
{
    json_t *copy = json_deep_copy(obj);
    if (!copy)
        return NULL;
    if (!json_is_string(json_object_get(copy, "apiVersion")))
        json_object_set_new(copy, "apiVersion", json_string(api_version));
    if (!json_is_string(json_object_get(copy, "kind")))
        json_object_set_new(copy, "kind", json_string(kind));
    return copy;
}

static void create(hpac_sim_state *st, hpac_sim_store *store, const hpac_sim_kind_info *info,
                   const char *api_version, const hpac_sim_request *req, hpac_sim_reply *out)
{
    char err[256], message[640], name[OBJECT_NAME_MAX + 1];
    json_t *obj = NULL;
    if (!check_identity(req, req->body, NULL, out))
        return;
    const char *given = hpac_sim_json_str(req->body, "metadata.name");
    const char *generate = hpac_sim_json_str(req->body, "metadata.generateName");
    if (given && *given) {
        snprintf(name, sizeof(name), "%s", given);
    } else if (generate && *generate) {
        char suffix[6];
        hpac_sim__name_suffix(st, suffix);
        snprintf(name, sizeof(name), "%.247s%s", generate, suffix);
    } else {
        snprintf(message, sizeof(message),
                 "%s \"\" is invalid: metadata.name: Required value: name or generateName is "
                 "required",
                 info->kind);
        hpac_sim_reply_status(out, 422, "Invalid", message);
        return;
    }
    if (hpac_sim_store_find(store, req->p.ns, name)) {
        snprintf(message, sizeof(message), "%s%s%s \"%s\" already exists", info->resource,
                 *info->group ? "." : "", info->group, name);
        hpac_sim_reply_json(out, 409,
                            hpac_sim_status_new(409, "AlreadyExists", message, info->group,
                                                info->resource, name));
        return;
    }
    obj = with_type(req->body, api_version, info->kind);
    json_t *meta = obj ? hpac_sim_json_child(obj, "metadata") : NULL;
    if (!meta) {
        json_decref(obj);
        return;
    }
    json_object_set_new(meta, "name", json_string(name));
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "uid");
    if (hpac_sim__ensure_metadata(st, obj, req->p.ns, false) != 0) {
        json_decref(obj);
        return;
    }
    hpac_sim_entry *entry = hpac_sim_store_put(store, req->p.ns, name, obj, err, sizeof(err));
    if (!entry) {
        hpac_sim_reply_status(out, 422, "Invalid", err);
        return;
    }
    hpac_sim__emit(st, store, "ADDED", entry);
    hpac_sim_reply_json(out, 201, hpac_sim_view(req, entry->obj));
}

/* Replaces the stored object by `next` (stolen), keeping what the server
 * owns (name, namespace, uid, creationTimestamp) and moving the
 * resourceVersion on. */
static void replace(hpac_sim_state *st, hpac_sim_store *store, hpac_sim_entry *entry,
                    json_t *next, const hpac_sim_request *req, hpac_sim_reply *out)
{
    char err[256];
    json_t *meta = hpac_sim_json_child(next, "metadata");
    const json_t *old_meta = json_object_get(entry->obj, "metadata");
    static const char *const KEEP[] = {"name", "namespace", "uid", "creationTimestamp"};
    if (!meta) {
        json_decref(next);
        return;
    }
    for (size_t i = 0; i < sizeof(KEEP) / sizeof(KEEP[0]); i++) {
        json_t *v = json_object_get(old_meta, KEEP[i]);
        if (v)
            json_object_set(meta, KEEP[i], v);
    }
    hpac_sim__bump(st, next);
    hpac_sim_entry *stored = hpac_sim_store_put(store, entry->ns, entry->key, next, err,
                                                sizeof(err));
    if (!stored) {
        hpac_sim_reply_status(out, 422, "Invalid", err);
        return;
    }
    hpac_sim__emit(st, store, "MODIFIED", stored);
    hpac_sim_reply_json(out, 200, hpac_sim_view(req, stored->obj));
}

static void update(hpac_sim_state *st, hpac_sim_store *store, const hpac_sim_kind_info *info,
                   hpac_sim_entry *entry, const char *api_version, const hpac_sim_request *req,
                   hpac_sim_reply *out)
{
    if (!check_identity(req, req->body, req->p.name, out))
        return;
    if (hpac_sim_stale(req->body, entry->obj)) {
        hpac_sim_reply_json(out, 409,
                            hpac_sim_status_conflict(info->group, info->resource, req->p.name));
        return;
    }
    json_t *typed = with_type(req->body, api_version, info->kind);
    if (typed)
        replace(st, store, entry, typed, req, out);
}

static void patch(hpac_sim_state *st, hpac_sim_store *store, const hpac_sim_kind_info *info,
                  hpac_sim_entry *entry, const hpac_sim_request *req, hpac_sim_reply *out)
{
    json_t *patched = hpac_sim_apply_patch(req, entry->obj, out);
    if (!patched)
        return;
    if (!json_is_object(patched)) {
        json_decref(patched);
        hpac_sim_reply_status(out, 422, "Invalid", "the patched object is not a JSON object");
        return;
    }
    if (hpac_sim_stale(patched, entry->obj)) {
        json_decref(patched);
        hpac_sim_reply_json(out, 409,
                            hpac_sim_status_conflict(info->group, info->resource, req->p.name));
        return;
    }
    replace(st, store, entry, patched, req, out);
}

static void delete_object(hpac_sim_state *st, hpac_sim_store *store,
                          const hpac_sim_kind_info *info, hpac_sim_entry *entry,
                          hpac_sim_reply *out)
{
    json_t *status = json_pack("{s:s, s:s, s:{}, s:s, s:{s:s, s:s, s:s, s:s?}}", "kind", "Status",
                               "apiVersion", "v1", "metadata", "status", "Success", "details",
                               "name", entry->key, "group", info->group, "kind", info->resource,
                               "uid", hpac_sim_json_str(entry->obj, "metadata.uid"));
    char ns[OBJECT_NAME_MAX + 1], key[OBJECT_NAME_MAX + 1];
    snprintf(ns, sizeof(ns), "%s", entry->ns);
    snprintf(key, sizeof(key), "%s", entry->key);
    hpac_sim__bump(st, entry->obj);
    hpac_sim__emit(st, store, "DELETED", entry);
    hpac_sim_store_remove(store, ns, key);
    hpac_sim_reply_json(out, 200, status);
}

void hpac_sim_serve_objects(hpac_sim_state *st, hpac_sim_store *store,
                            const hpac_sim_kind_info *info, const hpac_sim_request *req,
                            hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    char api_version[2 * OBJECT_NAME_MAX + 2];
    hpac_sim_api_version(api_version, sizeof(api_version), p->group, p->version);

    if (p->sub) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (!p->name) {
        if (method_is(req, "GET")) {
            hpac_selector *sel = hpac_sim_parse_selector(req->label_selector, out);
            if (!sel)
                return;
            json_t *list = hpac_sim_list_new(st, api_version, info->list_kind);
            hpac_sim_collector c = {hpac_sim_list_items(list), req, NULL};
            if (list)
                hpac_sim_store_each(store, p->ns, sel, hpac_sim_collect, &c);
            hpac_selector_free(sel);
            hpac_sim_reply_json(out, 200, list);
        } else if (method_is(req, "POST") && p->ns) {
            create(st, store, info, api_version, req, out);
        } else {
            hpac_sim_reply_method_not_allowed(out);
        }
        return;
    }
    if (!p->ns) {
        hpac_sim_reply_no_route(out);
        return;
    }
    hpac_sim_entry *entry = hpac_sim_store_find(store, p->ns, p->name);
    bool known_method = method_is(req, "GET") || method_is(req, "PUT") ||
                        method_is(req, "PATCH") || method_is(req, "DELETE");
    if (!known_method) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    if (!entry) {
        hpac_sim_reply_not_found(out, info->group, info->resource, p->name);
        return;
    }
    if (method_is(req, "GET"))
        hpac_sim_reply_json(out, 200, hpac_sim_view(req, entry->obj));
    else if (method_is(req, "PUT"))
        update(st, store, info, entry, api_version, req, out);
    else if (method_is(req, "PATCH"))
        patch(st, store, info, entry, req, out);
    else
        delete_object(st, store, info, entry, out);
}

void hpac_sim_serve_events(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    static const hpac_sim_kind_info CORE = {"", "events", "Event", "EventList"};
    static const hpac_sim_kind_info EVENTS = {"events.k8s.io", "events", "Event", "EventList"};
    hpac_sim_serve_objects(st, st->events, *req->p.group ? &EVENTS : &CORE, req, out);
}

void hpac_sim_serve_leases(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    static const hpac_sim_kind_info LEASES = {"coordination.k8s.io", "leases", "Lease",
                                              "LeaseList"};
    hpac_sim_serve_objects(st, st->leases, &LEASES, req, out);
}
