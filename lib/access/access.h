/* The Kubernetes API access hpac needs, as data, answered without I/O:
 *  - which RBAC attributes (apiGroup, resource[/subresource], verb) a
 *    request needs, derived from its method and URL the way kube-apiserver
 *    derives them (RequestInfoFactory);
 *  - which requests the controller sends (an example of each kind, with
 *    the place in the code that sends it);
 *  - which RBAC rules grant exactly those, for each --hpa-api.
 * manifests/rbac.yaml and manifests/rbac-autoscaling-v2.yaml hold the rules;
 * test/manifests checks both directions (nothing missing, nothing extra). */
#ifndef HPAC_ACCESS_ACCESS_H
#define HPAC_ACCESS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#define HPAC_ACCESS_FIELD_MAX 256
#define HPAC_ACCESS_PATH_MAX 2048

/* The attributes the authorizer sees for one request. */
typedef struct hpac_access {
    bool resource_request;             /* false: a non-resource URL (discovery) */
    char verb[32];                     /* get list watch create update patch delete
                                          deletecollection; for non-resource URLs the
                                          lowercase method */
    char group[HPAC_ACCESS_FIELD_MAX]; /* "" is the core group */
    char version[64];
    char namespace_[HPAC_ACCESS_FIELD_MAX];  /* "" when cluster-scoped */
    char resource[HPAC_ACCESS_FIELD_MAX];    /* "deployments" */
    char subresource[HPAC_ACCESS_FIELD_MAX]; /* "scale", "status", a metric name, or "" */
    char name[HPAC_ACCESS_FIELD_MAX];        /* "" for a collection */
    char path[HPAC_ACCESS_PATH_MAX];         /* the decoded URL path, no query */
} hpac_access;

/* Derives the attributes of `method` ("GET", "PUT", ...) on
 * `path_and_query` ("/apis/apps/v1/namespaces/x/deployments/web/scale",
 * escaped as sent, with the query): GET of a named object is "get", of a
 * collection "list", or "watch" with a watch query parameter that is not
 * "false" or "0"; POST "create", PUT "update", PATCH "patch". /api, /apis,
 * /api/v1 and /apis/{group}/{version} are non-resource (discovery).
 * Returns 0, or -1 with err (malformed escape, a part over its cap). */
int hpac_access_of_request(const char *method, const char *path_and_query, hpac_access *out,
                           char *err, size_t errsize);

/* "resource" or "resource/subresource", as RBAC rules spell it. */
void hpac_access_resource_string(const hpac_access *a, char *buf, size_t size);

typedef enum hpac_access_scope {
    HPAC_ACCESS_CLUSTER,       /* the ClusterRole, bound cluster-wide */
    HPAC_ACCESS_OWN_NAMESPACE, /* a Role in the controller's own namespace (Leases) */
    HPAC_ACCESS_IMPLICIT,      /* granted to every authenticated user by the default
                                  system:discovery ClusterRole: not in the manifests */
} hpac_access_scope;

#define HPAC_ACCESS_LIST_MAX 8

/* One RBAC PolicyRule with a single apiGroup. Lists end at the first NULL. */
typedef struct hpac_access_rule {
    hpac_access_scope scope;
    const char *group; /* NULL for a non-resource rule */
    const char *resources[HPAC_ACCESS_LIST_MAX];
    const char *non_resource_urls[HPAC_ACCESS_LIST_MAX];
    const char *verbs[HPAC_ACCESS_LIST_MAX];
    const char *why;
} hpac_access_rule;

/* The rules the controller needs with --hpa-api `hpa_api` ("hpac.io/v1" or
 * "autoscaling/v2"). Static storage; NULL (count 0) for another API. */
const hpac_access_rule *hpac_access_rules(const char *hpa_api, size_t *count);

/* RBAC's matching: verbs, the group and resources ("*" matches any, and a
 * "*" before "/scale" any resource's scale), or non-resource URLs (exact,
 * "*", or a prefix ending in "*"). The rule's scope is not considered. */
bool hpac_access_rule_allows(const hpac_access_rule *rule, const hpac_access *a);

/* The first rule for `hpa_api` that grants `a`, or NULL. Own-namespace
 * rules grant only requests in `own_namespace`. */
const hpac_access_rule *hpac_access_allowed(const char *hpa_api, const hpac_access *a,
                                            const char *own_namespace);

/* The namespace the request catalog uses for the controller's own objects. */
#define HPAC_ACCESS_OWN_NAMESPACE_EXAMPLE "hpac-system"

/* One kind of request the controller sends, with example names. */
typedef struct hpac_access_request {
    const char *method;
    const char *path_and_query;
    const char *origin; /* where the code sends it */
} hpac_access_request;

/* Every kind of request the controller sends with --hpa-api `hpa_api`.
 * Static storage; NULL (count 0) for another API. */
const hpac_access_request *hpac_access_requests(const char *hpa_api, size_t *count);

#endif
