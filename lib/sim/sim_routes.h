/* Request routing of the simulated API server, internal to lib/sim. The
 * server (sim_server.c) turns an HTTP request into an hpac_sim_request;
 * hpac_sim_route takes the state lock, parses the path, hands the request
 * to the handler of its API group and returns the reply with the time
 * placeholders resolved. Handlers run under the lock (read for GET, write
 * otherwise) and work on the state directly. */
#ifndef HPAC_SIM_SIM_ROUTES_H
#define HPAC_SIM_SIM_ROUTES_H

#include "hpa/labels.h"
#include "sim/sim_state_impl.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Path segments beyond /apis/{group}/{version}; more answer 404. */
#define HPAC_SIM_PATH_SEGMENTS_MAX 10
/* Longest path the router looks at; longer ones answer 404. */
#define HPAC_SIM_PATH_MAX 2048

/* A resource path, parsed: [namespaces/{ns}/]{resource}[/{name}[/{sub}]].
 * All strings point into the request's copy of the path. */
typedef struct hpac_sim_path {
    const char *group;    /* "" for /api/v1 */
    const char *version;  /* NULL for /api, /apis, /apis/{group} */
    const char *ns;       /* NULL: not namespaced (or all namespaces) */
    const char *resource; /* NULL: the group/version root */
    const char *name;     /* NULL: the collection */
    const char *sub;      /* subresource; for custom metrics the metric name */
} hpac_sim_path;

typedef struct hpac_sim_request {
    const char *method;                /* "GET", "PUT", ... */
    const char *path;                  /* URL-decoded, without the query */
    const char *label_selector;        /* query parameter, decoded; NULL: absent */
    const char *metric_label_selector; /* idem */
    const char *field_selector;        /* idem */
    bool watch;                        /* ?watch=true */
    const char *resource_version;      /* query parameter; NULL: absent */
    const char *timeout_seconds;       /* query parameter; NULL: absent */
    const char *limit;                 /* query parameter; NULL: absent */
    const char *continue_token;        /* ?continue=; NULL: absent */
    const char *content_type;          /* NULL: absent */
    const json_t *body;                /* parsed body of a write, NULL: none; borrowed */
    const char *server_address;        /* "127.0.0.1:port" for /api */
    int64_t now_ms;                    /* the instant placeholders resolve to */
    hpac_sim_path p;                   /* filled by the router */
} hpac_sim_request;

typedef struct hpac_sim_reply {
    int code;
    json_t *body;     /* owned reference; shares no node with the state */
    const char *text; /* static text/plain body instead (/healthz); NULL */
    struct hpac_sim_watch *watch; /* a watch stream to serve instead; owned */
} hpac_sim_reply;

/* Routes one request and fills `out` (code and a body that shares nothing
 * with the state). Records writes (PUT, PATCH, POST, DELETE) in the log.
 * Never fails: internal errors answer 500.
 *
 * Handlers never put a stored node into a reply, not even by reference:
 * readers share the lock, and jansson's reference counts are not safe to
 * touch from several threads. They copy through hpac_sim_view, which also
 * resolves the time placeholders. */
void hpac_sim_route(hpac_sim_state *st, hpac_sim_request *req, hpac_sim_reply *out);

/* --- for the handlers ------------------------------------------------- */

/* Sets `out` to `body` (stolen) with `code`. */
void hpac_sim_reply_json(hpac_sim_reply *out, int code, json_t *body);
/* Sets `out` to a Failure Status. */
void hpac_sim_reply_status(hpac_sim_reply *out, int code, const char *reason,
                           const char *message);
void hpac_sim_reply_not_found(hpac_sim_reply *out, const char *group, const char *resource,
                              const char *name);
/* 404 for a path no resource answers. */
void hpac_sim_reply_no_route(hpac_sim_reply *out);
void hpac_sim_reply_method_not_allowed(hpac_sim_reply *out);

/* A stored object as served: a deep copy with the time placeholders
 * resolved at the request's instant. Reads `stored` only. New reference. */
json_t *hpac_sim_view(const hpac_sim_request *req, const json_t *stored);

/* Paging of a list (?limit=, ?continue=), as the API server pages a
 * consistent read: a page holds at most `limit` items, and the continue
 * token ("<resourceVersion>:<offset>") carries the first page's
 * resourceVersion, which every page of the list reports. Unlike the API
 * server's snapshot, the offset shifts when objects come or go between
 * pages. */
typedef struct hpac_sim_page {
    size_t skip;  /* matching entries before this page */
    size_t limit; /* 0: no limit */
    size_t seen;  /* matching entries visited */
    bool more;    /* stopped at the limit with entries left */
    char rv[32];  /* the list's resourceVersion from the token; "" on the first page */
} hpac_sim_page;
typedef enum { HPAC_SIM_PAGE_SKIP, HPAC_SIM_PAGE_TAKE, HPAC_SIM_PAGE_STOP } hpac_sim_page_step;

/* From the request's limit and continue token. 0, or -1 with a 400 reply
 * (a malformed limit or token). */
int hpac_sim_page_init(hpac_sim_page *pg, const hpac_sim_request *req, hpac_sim_reply *out);
/* For each matching entry, in order: skip it, take it, or stop there. */
hpac_sim_page_step hpac_sim_page_next(hpac_sim_page *pg);
/* Sets the list's metadata.continue when there is more, and its
 * resourceVersion to the first page's. */
void hpac_sim_page_finish(const hpac_sim_page *pg, json_t *list);

/* A store visitor that appends the view of each entry's object to
 * `items`, the entries of one page when `page` is set. */
typedef struct hpac_sim_collector {
    json_t *items;
    const hpac_sim_request *req;
    hpac_sim_page *page; /* NULL: every entry */
} hpac_sim_collector;
bool hpac_sim_collect(void *ctx, const hpac_sim_entry *entry);

/* Parses a string-form selector from the query; NULL text selects
 * everything. On a parse error returns NULL and sets a 400 reply. Caller
 * frees the selector. */
hpac_selector *hpac_sim_parse_selector(const char *text, hpac_sim_reply *out);

/* A list {"apiVersion", "kind", "metadata": {"resourceVersion"}, "items": []}.
 * New reference; items borrowed via hpac_sim_list_items. */
json_t *hpac_sim_list_new(const hpac_sim_state *st, const char *api_version, const char *kind);
json_t *hpac_sim_list_items(json_t *list);

/* The object a PATCH gives: `current` with the request's patch applied,
 * by the request's content type (merge and strategic merge patches apply
 * as RFC 7386 merge patches; JSON patch as RFC 6902). New reference, or
 * NULL with `out` set (400, 415, 422). */
json_t *hpac_sim_apply_patch(const hpac_sim_request *req, const json_t *current,
                             hpac_sim_reply *out);

/* Whether the body's metadata.resourceVersion, when present, differs from
 * the stored object's (an optimistic-concurrency conflict). */
bool hpac_sim_stale(const json_t *body, const json_t *stored);

/* "group/version", or "version" for the core group. */
void hpac_sim_api_version(char *buf, size_t size, const char *group, const char *version);

/* Create, read, update and patch of plain namespaced objects in `store`
 * (events, leases): POST (name or generateName), GET one or a list, PUT
 * and PATCH with resourceVersion checks, DELETE. */
typedef struct hpac_sim_kind_info {
    const char *group;       /* "" core */
    const char *resource;    /* plural */
    const char *kind;        /* "Lease" */
    const char *list_kind;   /* "LeaseList" */
} hpac_sim_kind_info;
void hpac_sim_serve_objects(hpac_sim_state *st, hpac_sim_store *store,
                            const hpac_sim_kind_info *info, const hpac_sim_request *req,
                            hpac_sim_reply *out);

/* Handlers, by API group. Each answers every request of its group. */
void hpac_sim_serve_core(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out);
void hpac_sim_serve_hpa(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out);
void hpac_sim_serve_leases(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out);
void hpac_sim_serve_events(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out);
void hpac_sim_serve_resource_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                     hpac_sim_reply *out);
void hpac_sim_serve_custom_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                   hpac_sim_reply *out);
void hpac_sim_serve_external_metrics(hpac_sim_state *st, const hpac_sim_request *req,
                                     hpac_sim_reply *out);
/* Scale targets and their /scale, in any group (the core group's
 * replicationcontrollers too). */
void hpac_sim_serve_targets(hpac_sim_state *st, const hpac_sim_request *req, hpac_sim_reply *out);
/* Discovery documents of the root paths and of group/version roots. */
void hpac_sim_serve_discovery(hpac_sim_state *st, const hpac_sim_request *req,
                              hpac_sim_reply *out);

#endif
