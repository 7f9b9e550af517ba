/* Discovery routes: /api, /api/v1, /apis, /apis/{group},
 * /apis/{group}/{version}. */
#include "sim/sim_routes.h"

#include <string.h>

void hpac_sim_serve_discovery(hpac_sim_state *st, const hpac_sim_request *req,
                              hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    json_t *custom_items = NULL;
    json_t *doc = NULL;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    custom_items = json_array();
    if (!custom_items)
        return;
    hpac_sim_store_each(st->custom, NULL, NULL, hpac_sim_collect, custom_items);
    hpac_sim_metrics_apis apis = {
        .resource_metrics = st->has_pod_metrics,
        .custom_metrics = st->has_custom_metrics,
        .external_metrics = st->has_external_metrics,
        .custom_items = custom_items,
        .external_items = st->external,
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
    json_decref(custom_items);
}
