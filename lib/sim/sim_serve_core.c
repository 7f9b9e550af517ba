/* The core group (/api/v1): pods, namespaces and events; other resources
 * (replicationcontrollers) are scale targets. */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"

#include <string.h>

static bool is_get(const hpac_sim_request *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

static void serve_pods(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    if (!is_get(req)) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    if (p->name) {
        const hpac_sim_entry *entry =
            (p->ns && (!p->sub || strcmp(p->sub, "status") == 0))
                ? hpac_sim_store_find(st->pods, p->ns, p->name)
                : NULL;
        if (!p->ns || (p->sub && strcmp(p->sub, "status") != 0))
            hpac_sim_reply_no_route(out);
        else if (!entry)
            hpac_sim_reply_not_found(out, "", "pods", p->name);
        else
            hpac_sim_reply_json(out, 200, hpac_sim_view(req, entry->obj));
        return;
    }
    hpac_sim_page page;
    if (hpac_sim_page_init(&page, req, out))
        return;
    hpac_selector *sel = hpac_sim_parse_selector(req->label_selector, out);
    if (!sel)
        return;
    json_t *list = hpac_sim_list_new(st, "v1", "PodList");
    hpac_sim_collector c = {hpac_sim_list_items(list), req, &page};
    if (list)
        hpac_sim_store_each(st->pods, p->ns, sel, hpac_sim_collect, &c);
    hpac_selector_free(sel);
    hpac_sim_page_finish(&page, list);
    hpac_sim_reply_json(out, 200, list);
}

static json_t *namespace_object(const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1", "kind",
                     "Namespace", "metadata", "name", name, "labels",
                     "kubernetes.io/metadata.name", name, "status", "phase", "Active");
}

static bool add_namespace(void *ctx, const char *ns)
{
    json_t *names = ctx;
    if (*ns && !json_object_get(names, ns))
        json_object_set_new(names, ns, json_true());
    return true;
}

/* Namespaces exist where objects are: the union over the stores. */
static void serve_namespaces(hpac_sim_state *st, const hpac_sim_request *req,
                             hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    if (!is_get(req) || p->sub) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    json_t *names = json_object();
    if (!names)
        return;
    hpac_sim_store *stores[] = {st->hpas, st->targets, st->pods, st->pod_metrics,
                                st->events, st->leases};
    for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
        hpac_sim_store_each_namespace(stores[i], add_namespace, names);
    add_namespace(names, "default");
    add_namespace(names, "kube-system");

    if (p->name) {
        if (json_object_get(names, p->name))
            hpac_sim_reply_json(out, 200, namespace_object(p->name));
        else
            hpac_sim_reply_not_found(out, "", "namespaces", p->name);
    } else {
        json_t *list = hpac_sim_list_new(st, "v1", "NamespaceList");
        const char *name;
        json_t *unused;
        json_object_foreach(names, name, unused) {
            json_array_append_new(hpac_sim_list_items(list), namespace_object(name));
        }
        hpac_sim_reply_json(out, 200, list);
    }
    json_decref(names);
}

void hpac_sim_serve_core(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out)
{
    const char *resource = req->p.resource;
    if (strcmp(resource, "pods") == 0)
        serve_pods(st, req, out);
    else if (strcmp(resource, "namespaces") == 0 && !req->p.ns)
        serve_namespaces(st, req, out);
    else if (strcmp(resource, "events") == 0)
        hpac_sim_serve_events(st, req, out);
    else
        hpac_sim_serve_targets(st, req, out);
}
