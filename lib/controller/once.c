#include "controller/once.h"

#include "controller/reconcile.h"
#include "hpa/history.h"
#include "hpa/snapshot.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hpac_cluster_config(const hpac_options *o, hpac_kube_config *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof(*out));
    if (o->kubeconfig) {
        if (hpac_kubeconfig_load(o->kubeconfig, o->context, out, err, errsize))
            return -1;
    } else if (!o->master) {
        if (hpac_kube_config_in_cluster(out, err, errsize))
            return -1;
    }
    if (o->master && hpac_kube_config_from_master(o->master, out, err, errsize)) {
        hpac_kube_config_clear(out);
        return -1;
    }
    return 0;
}

void hpac_instance_name(char *buf, size_t size)
{
    const char *pod = getenv("POD_NAME");
    if (pod && *pod) {
        hpac_strlcpy(buf, pod, size);
        return;
    }
    if (gethostname(buf, size) != 0 || !buf[0])
        hpac_strlcpy(buf, "hpac", size);
    buf[size - 1] = '\0';
}

/* One pass over the HPA list, at most `concurrent` reconciles in flight. */
typedef struct once_run {
    hpac_reconcile_env env;
    json_t *items; /* the HPA list's items */
    size_t next;
    size_t running;
    hpac_history *histories;
    size_t failed;
    size_t scaled;
    char *list_error;
    bool listed;
} once_run;

static void start_next(once_run *run);

static void on_reconciled(void *ctx, const hpac_reconcile_report *report)
{
    once_run *run = ctx;
    run->running--;
    if (report->failed)
        run->failed++;
    if (report->scaled)
        run->scaled++;
    start_next(run);
}

static void start_next(once_run *run)
{
    size_t total = json_array_size(run->items);
    /* The HPAs started together read their pod metrics together. */
    hpac_metrics_batch *batch = NULL;
    while (run->running < (size_t)run->env.options->concurrent_syncs && run->next < total) {
        size_t i = run->next++;
        hpac_hpa_snapshot *snapshot = hpac_hpa_snapshot_new(json_array_get(run->items, i));
        hpac_reconcile *r =
            snapshot
                ? hpac_reconcile_start(&run->env, snapshot, &run->histories[i], on_reconciled, run)
                : NULL;
        if (r) {
            if (!batch)
                batch = hpac_metrics_batch_new(run->env.kube);
            hpac_reconcile_join_batch(r, batch);
            run->running++;
        } else {
            run->failed++;
        }
        hpac_hpa_snapshot_unref(snapshot);
    }
    if (batch)
        hpac_metrics_batch_leave(batch);
}

static void on_listed(void *ctx, const hpac_kube_response *resp)
{
    once_run *run = ctx;
    run->listed = true;
    if (resp->error || !json_is_object(resp->body)) {
        if (resp->code)
            run->list_error = hpac_format("%s (HTTP %ld)",
                                          resp->error ? resp->error : "unexpected response",
                                          resp->code);
        else
            run->list_error = hpac_strdup(resp->error ? resp->error : "empty response");
        return;
    }
    json_t *items = json_object_get(resp->body, "items");
    if (!json_is_array(items)) {
        run->list_error = hpac_strdup("the HPA list has no items array");
        return;
    }
    run->items = json_incref(items);
    run->histories = calloc(json_array_size(items) + 1, sizeof(*run->histories));
    if (!run->histories) {
        run->list_error = hpac_strdup("out of memory");
        return;
    }
    hpac_info(1, "Reconciling %zu HorizontalPodAutoscalers once", json_array_size(items));
    start_next(run);
}

int hpac_run_once(const hpac_options *o)
{
    char err[1024];
    char instance[256];
    int status = 1;
    hpac_kube_config cfg;
    hpac_kube *kube = NULL;
    hpac_discovery *discovery = NULL;
    hpac_event_recorder *events = NULL;
    char *path = NULL;
    once_run run = {0};
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    if (!loop) {
        fprintf(stderr, "hpac: cannot create the event loop\n");
        return 1;
    }
    if (hpac_cluster_config(o, &cfg, err, sizeof(err))) {
        fprintf(stderr, "hpac: %s\n", err);
        goto out_loop;
    }
    kube = hpac_kube_new(loop, &cfg, err, sizeof(err));
    hpac_kube_config_clear(&cfg);
    if (!kube) {
        fprintf(stderr, "hpac: %s\n", err);
        goto out_loop;
    }
    hpac_kube_set_timeout_ms(kube, (long)o->request_timeout_ms);
    hpac_kube_set_rate_limit(kube, o->kube_api_qps, o->kube_api_burst);
    discovery = hpac_discovery_new(kube);
    path = hpac_hpa_collection_path(o->hpa_api, NULL);
    if (!discovery || !path) {
        fprintf(stderr, "hpac: out of memory\n");
        goto out;
    }
    hpac_instance_name(instance, sizeof(instance));
    events = hpac_event_recorder_new(kube, o->hpa_api, instance, false);
    if (!events) {
        fprintf(stderr, "hpac: out of memory\n");
        goto out;
    }
    run.env = (hpac_reconcile_env){.kube = kube,
                                   .discovery = discovery,
                                   .options = o,
                                   .instance = instance,
                                   .events = events};
    if (!hpac_kube_request(kube, "GET", path, NULL, NULL, on_listed, &run)) {
        fprintf(stderr, "hpac: cannot start a request to %s\n", hpac_kube_server(kube));
        goto out;
    }
    ev_run(loop, 0);
    if (run.list_error) {
        fprintf(stderr, "hpac: cannot list HorizontalPodAutoscalers (%s) from %s: %s\n",
                o->hpa_api, hpac_kube_server(kube), run.list_error);
        goto out;
    }
    hpac_info(0, "Reconciled %zu HorizontalPodAutoscalers: %zu scaled, %zu reported errors",
              json_array_size(run.items), run.scaled, run.failed);
    status = 0;
out:
    for (size_t i = 0; run.histories && i < json_array_size(run.items); i++)
        hpac_history_clear(&run.histories[i]);
    free(run.histories);
    json_decref(run.items);
    free(run.list_error);
    free(path);
    hpac_event_recorder_free(events);
    hpac_discovery_free(discovery);
    hpac_kube_free(kube);
out_loop:
    ev_loop_destroy(loop);
    return status;
}
