/* Discovery routes: /api, /api/v1, /apis, /apis/{group},
 * /apis/{group}/{version}. */
#include "sim/sim_json.h"
#include "sim/sim_routes.h"

#include <string.h>

/* What discovery needs of a custom metric: its described kind and metric
 * name, copied (the lock is shared with other readers). */
static bool collect_metric_names(void *ctx, const hpac_sim_entry *entry)
{
    json_t *item =
        json_pack("{s:{s:s?}, s:{s:s?}}", "describedObject", "kind",
                  hpac_sim_json_str(entry->obj, "describedObject.kind"), "metric", "name",
                  hpac_sim_json_str(entry->obj, "metric.name"));
    json_array_append_new(ctx, item);
    return true;
}

static bool collect_external_names(json_t *names, const json_t *external)
{
    size_t i;
    const json_t *item;
    json_array_foreach(external, i, item) {
        json_array_append_new(names, json_pack("{s:s?}", "metricName",
                                               hpac_sim_json_str(item, "metricName")));
    }
    return true;
}

void hpac_sim_serve_discovery(hpac_sim_state *st, const hpac_sim_request *req,
                              hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    json_t *custom_items = NULL, *external_items = NULL;
    json_t *doc = NULL;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    custom_items = json_array();
    external_items = json_array();
    if (!custom_items || !external_items)
        goto out;
    hpac_sim_store_each(st->custom, NULL, NULL, collect_metric_names, custom_items);
    collect_external_names(external_items, st->external);
    hpac_sim_metrics_apis apis = {
        .resource_metrics = st->has_pod_metrics,
        .custom_metrics = st->has_custom_metrics,
        .external_metrics = st->has_external_metrics,
        .custom_items = custom_items,
        .external_items = external_items,
    };

    if (!p->group)
        doc = hpac_sim_discovery_groups(st->registry, &apis);
    else if (!*p->group && !p->version)
        doc = hpac_sim_discovery_api_versions(req->server_address ? req->server_address : "");
    else if (!p->version)
        doc = hpac_sim_discovery_group(st->registry, &apis, p->group);
    else
        doc = hpac_sim_discovery_resources(st->registry, &apis, p->group, p->version);

    if (doc)
        hpac_sim_reply_json(out, 200, doc);
    else
        hpac_sim_reply_no_route(out);
out:
    json_decref(custom_items);
    json_decref(external_items);
}
