/* A simulated Kubernetes API server on loopback: enough of kube-apiserver,
 * metrics-server and the custom/external metrics adapters to run the real
 * controller against a cluster state held in memory. Used by the
 * end-to-end tests, the demo and the benchmark.
 *
 * The state is the `objects` of a case (FORMAT.md): HPAs, scale targets,
 * pods, pod metrics, custom and external metrics. Every write the
 * controller makes (scale, HPA status, events) is applied and recorded.
 *
 * Served, in the API server's wire format (errors are Status bodies):
 *   discovery  /api, /api/v1, /apis, /apis/{g}, /apis/{g}/{v}, /version,
 *              /healthz; the metrics APIs only when the case has their data
 *   HPAs       autoscaling/v2 and hpac.io/v1: list (all or one namespace),
 *              get, create, PUT/PATCH of the object and of /status, delete
 *   targets    {resource}/{name}/scale as autoscaling/v1 Scale (GET, PUT,
 *              PATCH), the target itself (GET, list)
 *   core       pods (list by labelSelector, get), namespaces, events
 *   events.k8s.io/v1 events, coordination.k8s.io/v1 leases (create, get,
 *              list, PUT/PATCH with resourceVersion checks, delete)
 *   metrics.k8s.io/v1beta1, custom.metrics.k8s.io/v1beta2,
 *              external.metrics.k8s.io/v1beta1
 *   watch      ?watch=1 on HPAs, targets, pods, events and leases
 *              (resourceVersion, timeoutSeconds, labelSelector)
 *   paging     ?limit= and ?continue= on the pod and HPA lists
 * PATCH accepts merge, strategic merge (applied as a merge patch) and JSON
 * patches. Time placeholders ("@now-90s") are resolved in every answer. */
#ifndef HPAC_SIM_SIM_SERVER_H
#define HPAC_SIM_SIM_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_sim_server hpac_sim_server;

typedef struct hpac_sim_options {
    uint16_t port;      /* 0: an ephemeral port on 127.0.0.1 */
    const char *token;  /* bearer token required on every request; NULL: none */
    unsigned threads;   /* server threads; 0: HPAC_SIM_DEFAULT_THREADS */
    /* Called on a server thread after each authenticated write (PUT, PATCH,
     * POST, DELETE) has been applied, before it is answered: the benchmark
     * timestamps scale writes with it. Must be thread-safe and quick; it
     * must not call back into the server. NULL: none. */
    void (*on_write)(void *ctx, const char *method, const char *path, int code);
    void *on_write_ctx;
    /* Called on a server thread for every authenticated request (reads,
     * writes, watches, those answered by an injected fault), before it is
     * answered: `path` without the query, `label_selector` the decoded
     * labelSelector parameter ("app in (a,b)"; NULL: none). Both are valid
     * only during the call. The e2e tests see with it which PodMetrics
     * lists the controller sent. Must be thread-safe and quick; it must not
     * call back into the server. NULL: none. */
    void (*on_request)(void *ctx, const char *method, const char *path, const char *label_selector);
    void *on_request_ctx;
} hpac_sim_options;

#define HPAC_SIM_DEFAULT_THREADS 2
/* Largest request body accepted; a larger one is answered 413. */
#define HPAC_SIM_BODY_MAX (4u * 1024u * 1024u)

/* Starts serving `objects` (a case's "objects" member; borrowed, copied).
 * Time placeholders are resolved at each response. NULL with err on
 * failure. */
hpac_sim_server *hpac_sim_start(const json_t *objects, const hpac_sim_options *opts, char *err,
                                size_t errsize);
uint16_t hpac_sim_port(const hpac_sim_server *sim);
void hpac_sim_stop(hpac_sim_server *sim);

/* What the controller wrote, in order. Each record is
 * {"verb": "PUT"|"PATCH"|"POST"|"DELETE", "path": "...", "body": {...},
 *  "code": <the HTTP status answered>}: every authenticated write,
 * including those refused (409, 422, a malformed body: "body" null) or
 * answered by an injected fault. New reference (a snapshot). */
json_t *hpac_sim_writes(hpac_sim_server *sim);

/* The current object of a kind, after the writes: "hpa" (by namespace and
 * name) or "target" (by namespace and name); also "pod", "podMetrics",
 * "event", "lease" (HPAC_SIM_KIND_* in sim_state.h). Time placeholders are
 * resolved. New reference or NULL. */
json_t *hpac_sim_get(hpac_sim_server *sim, const char *kind, const char *ns, const char *name);

/* Fault injection: requests whose path starts with `path_prefix` (and whose
 * method matches, NULL = any) are answered with `status` and `body`
 * (verbatim; NULL = a Kubernetes Status), after `delay_ms`, which holds no
 * server thread. The first rule added that matches applies; a status
 * outside 100..599 is ignored. Checked after authentication. */
void hpac_sim_inject(hpac_sim_server *sim, const char *method, const char *path_prefix, int status,
                     const char *body, int delay_ms);
void hpac_sim_clear_injections(hpac_sim_server *sim);

/* Total requests served, by everyone (for the benchmark). */
uint64_t hpac_sim_request_count(hpac_sim_server *sim);

/* The cluster state behind the server, to change it while it serves
 * (sim_state.h). Borrowed; valid until hpac_sim_stop. */
struct hpac_sim_state *hpac_sim_state_of(hpac_sim_server *sim);

#endif
