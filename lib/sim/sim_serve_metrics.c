/* metrics.k8s.io/v1beta1, as metrics-server serves it: PodMetrics by
 * namespace and label selector (on the pods' labels, which the case puts
 * on each PodMetrics), one PodMetrics by name, and an empty node list. */
#include "sim/sim_routes.h"

#include <string.h>

#define METRICS_GROUP "metrics.k8s.io"
#define METRICS_API_VERSION "metrics.k8s.io/v1beta1"

void hpac_sim_serve_resource_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                     hpac_sim_reply *out)
{
    const hpac_sim_path *p = &req->p;
    bool pods = strcmp(p->resource, "pods") == 0;
    bool nodes = strcmp(p->resource, "nodes") == 0;

    if (!st->has_pod_metrics || (!pods && !nodes) || p->sub || (nodes && p->ns)) {
        hpac_sim_reply_no_route(out);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        hpac_sim_reply_method_not_allowed(out);
        return;
    }
    if (nodes) {
        if (p->name)
            hpac_sim_reply_not_found(out, METRICS_GROUP, "nodes", p->name);
        else
            hpac_sim_reply_json(out, 200,
                                hpac_sim_list_new(st, METRICS_API_VERSION, "NodeMetricsList"));
        return;
    }
    if (p->name) {
        const hpac_sim_entry *entry =
            p->ns ? hpac_sim_store_find(st->pod_metrics, p->ns, p->name) : NULL;
        if (!p->ns)
            hpac_sim_reply_no_route(out);
        else if (!entry)
            hpac_sim_reply_not_found(out, METRICS_GROUP, "pods", p->name);
        else
            hpac_sim_reply_json(out, 200, hpac_sim_view(req, entry->obj));
        return;
    }
    hpac_selector *sel = hpac_sim_parse_selector(req->label_selector, out);
    if (!sel)
        return;
    json_t *list = hpac_sim_list_new(st, METRICS_API_VERSION, "PodMetricsList");
    hpac_sim_collector c = {hpac_sim_list_items(list), req, NULL};
    if (list)
        hpac_sim_store_each(st->pod_metrics, p->ns, sel, hpac_sim_collect, &c);
    hpac_selector_free(sel);
    hpac_sim_reply_json(out, 200, list);
}
