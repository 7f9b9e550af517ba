/* Scale targets (Deployments, ReplicaSets, StatefulSets,
 * ReplicationControllers, custom resources) and their scale subresource,
 * served as autoscaling/v1 Scale. The controller reads the Scale and
 * writes spec.replicas; status.replicas stays what the case (or the demo)
 * says. */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"
#include "sim/sim_status.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define API_VERSION_MAX 300
#define TARGET_KEY_MAX 768
/* A Deployment without spec.replicas runs one replica. */
#define DEFAULT_REPLICAS 1

static bool method_is(const hpac_sim_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

static json_int_t spec_replicas(const json_t *target)
{
    const json_t *v = hpac_sim_json_at(target, "spec.replicas");
    return json_is_integer(v) ? json_integer_value(v) : DEFAULT_REPLICAS;
}

/* The target's Scale: a fresh object, strings copied out of the target. */
static json_t *scale_of(const json_t *target)
{
    const json_t *status_replicas = hpac_sim_json_at(target, "status.replicas");
    json_t *scale = json_pack(
        "{s:s, s:s, s:{s:s?, s:s?, s:s?, s:s?, s:s?}, s:{s:I}, s:{s:I}}", "apiVersion",
        "autoscaling/v1", "kind", "Scale", "metadata", "name",
        hpac_sim_json_str(target, "metadata.name"), "namespace",
        hpac_sim_json_str(target, "metadata.namespace"), "uid",
        hpac_sim_json_str(target, "metadata.uid"), "resourceVersion",
        hpac_sim_json_str(target, "metadata.resourceVersion"), "creationTimestamp",
        hpac_sim_json_str(target, "metadata.creationTimestamp"), "spec", "replicas",
        (json_int_t)spec_replicas(target), "status", "replicas",
        (json_int_t)(json_is_integer(status_replicas) ? json_integer_value(status_replicas) : 0));
    const char *selector = hpac_sim_json_str(target, "status.selector");
    if (scale && selector)
        json_object_set_new(json_object_get(scale, "status"), "selector", json_string(selector));
    return scale;
}

/* The target as its own API serves it: without the case's "resource". */
static json_t *target_object(const hpac_sim_request *req, const json_t *target)
{
    json_t *copy = hpac_sim_view(req, target);
    if (copy)
        json_object_del(copy, "resource");
    return copy;
}

/* Applies a new Scale (a PUT body or a patch result; borrowed) to the
 * target. */
static void apply_scale(hpac_sim_state *st, hpac_sim_entry *entry, const json_t *scale,
                        const hpac_sim_request *req, hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    char message[640];
    if (!json_is_object(scale)) {
        hpac_sim_reply_status(out, 400, "BadRequest", "the request body must be a JSON object");
        return;
    }
    const char *name = hpac_sim_json_str(scale, "metadata.name");
    if (name && strcmp(name, p->name) != 0) {
        snprintf(message, sizeof(message),
                 "the name of the object (%.253s) does not match the name on the URL (%.253s)",
                 name, p->name);
        hpac_sim_reply_status(out, 400, "BadRequest", message);
        return;
    }
    const json_t *replicas = hpac_sim_json_at(scale, "spec.replicas");
    json_int_t n = 0; /* an absent spec.replicas decodes as 0, as in Go */
    if (replicas && !json_is_integer(replicas)) {
        hpac_sim_reply_status(out, 400, "BadRequest",
                              "Scale in version \"v1\" cannot be handled as a Scale: "
                              "spec.replicas: expected an integer");
        return;
    }
    if (replicas)
        n = json_integer_value(replicas);
    if (n < 0 || n > INT32_MAX) {
        snprintf(message, sizeof(message),
                 "Scale.autoscaling \"%.253s\" is invalid: spec.replicas: Invalid value: %lld: "
                 "must be greater than or equal to 0",
                 p->name, (long long)n);
        hpac_sim_reply_status(out, 422, "Invalid", message);
        return;
    }
    if (hpac_sim_stale(scale, entry->obj)) {
        hpac_sim_reply_json(out, 409, hpac_sim_status_conflict(p->group, p->resource, p->name));
        return;
    }
    json_t *spec = hpac_sim_json_child(entry->obj, "spec");
    json_t *meta = hpac_sim_json_child(entry->obj, "metadata");
    if (!spec || !meta)
        return;
    if (!json_is_integer(json_object_get(spec, "replicas")) || spec_replicas(entry->obj) != n) {
        json_object_set_new(spec, "replicas", json_integer(n));
        json_int_t gen = json_integer_value(json_object_get(meta, "generation"));
        json_object_set_new(meta, "generation", json_integer(gen + 1));
    }
    hpac_sim__bump(st, entry->obj);
    hpac_sim__emit(st, st->targets, "MODIFIED", entry);
    hpac_sim_reply_json(out, 200, scale_of(entry->obj));
}

static void serve_scale(hpac_sim_state *st, hpac_sim_entry *entry, const hpac_sim_request *req,
                        hpac_sim_reply *out)
{
    if (method_is(req, "GET") || method_is(req, "HEAD")) {
        hpac_sim_reply_json(out, 200, scale_of(entry->obj));
    } else if (method_is(req, "PUT")) {
        apply_scale(st, entry, req->body, req, out);
    } else if (method_is(req, "PATCH")) {
        json_t *current = scale_of(entry->obj);
        json_t *patched = current ? hpac_sim_apply_patch(req, current, out) : NULL;
        if (patched)
            apply_scale(st, entry, patched, req, out);
        json_decref(patched);
        json_decref(current);
    } else {
        hpac_sim_reply_method_not_allowed(out);
    }
}

typedef struct list_ctx {
    json_t *items;
    const char *api_version;
    const char *resource;
    const hpac_sim_request *req;
} list_ctx;

static bool collect_targets(void *ctx, const hpac_sim_entry *entry)
{
    list_ctx *l = ctx;
    const char *api_version = json_string_value(json_object_get(entry->obj, "apiVersion"));
    const char *resource = json_string_value(json_object_get(entry->obj, "resource"));
    if (api_version && resource && strcmp(api_version, l->api_version) == 0 &&
        strcmp(resource, l->resource) == 0)
        json_array_append_new(l->items, target_object(l->req, entry->obj));
    return true;
}

void hpac_sim_serve_targets(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    char api_version[API_VERSION_MAX], key[TARGET_KEY_MAX];
    hpac_sim_api_version(api_version, sizeof(api_version), p->group, p->version);
    const char *kind = hpac_sim_registry_kind(st->registry, p->group, p->resource);

    if (!kind || (p->sub && strcmp(p->sub, "scale") != 0)) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (!p->name) {
        if (!method_is(req, "GET") && !method_is(req, "HEAD")) {
            hpac_sim_reply_method_not_allowed(out);
            return;
        }
        char list_kind[300];
        snprintf(list_kind, sizeof(list_kind), "%sList", kind);
        json_t *list = hpac_sim_list_new(st, api_version, list_kind);
        list_ctx ctx = {hpac_sim_list_items(list), api_version, p->resource, req};
        if (list)
            hpac_sim_store_each(st->targets, p->ns, NULL, collect_targets, &ctx);
        hpac_sim_reply_json(out, 200, list);
        return;
    }
    if (!p->ns) {
        hpac_sim_reply_no_route(out);
        return;
    }
    hpac_sim_entry *entry = NULL;
    if (hpac_sim__target_key(key, sizeof(key), api_version, p->resource, p->name) == 0)
        entry = hpac_sim_store_find(st->targets, p->ns, key);
    if (!entry) {
        hpac_sim_reply_not_found(out, p->group, p->resource, p->name);
        return;
    }
    if (p->sub)
        serve_scale(st, entry, req, out);
    else if (method_is(req, "GET") || method_is(req, "HEAD"))
        hpac_sim_reply_json(out, 200, target_object(req, entry->obj));
    else
        hpac_sim_reply_method_not_allowed(out);
}
