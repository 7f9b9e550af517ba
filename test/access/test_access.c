#include "test_support.h"
#include "access/access.h"

#include <stdio.h>
#include <string.h>

static const char *const hpa_apis[] = {"hpac.io/v1", "autoscaling/v2"};

/* Request attributes as kube-apiserver derives them (RequestInfoFactory). */
static void test_access__attributes_of_requests(void **state)
{
    static const struct {
        const char *method, *path;
        bool resource;
        const char *verb, *group, *ns, *resource_str, *name;
    } cases[] = {
        {"GET", "/apis/apps/v1/namespaces/x/deployments/web/scale", true, "get", "apps", "x",
         "deployments/scale", "web"},
        {"PUT", "/apis/apps/v1/namespaces/x/deployments/web/scale", true, "update", "apps", "x",
         "deployments/scale", "web"},
        {"PATCH", "/apis/apps/v1/namespaces/x/deployments/web/scale", true, "patch", "apps", "x",
         "deployments/scale", "web"},
        {"GET", "/api/v1/namespaces/x/replicationcontrollers/rc/scale", true, "get", "", "x",
         "replicationcontrollers/scale", "rc"},
        {"GET", "/api/v1/namespaces/x/pods?labelSelector=app%3Dweb", true, "list", "", "x", "pods",
         ""},
        {"GET", "/api/v1/pods", true, "list", "", "", "pods", ""},
        {"GET", "/api/v1/pods?watch=1", true, "watch", "", "", "pods", ""},
        {"GET", "/api/v1/pods?resourceVersion=5&watch=true", true, "watch", "", "", "pods", ""},
        {"GET", "/api/v1/pods?watch", true, "watch", "", "", "pods", ""},
        {"GET", "/api/v1/pods?watch=false", true, "list", "", "", "pods", ""},
        {"GET", "/api/v1/pods?watch=FALSE", true, "list", "", "", "pods", ""},
        {"GET", "/api/v1/pods?watch=0", true, "list", "", "", "pods", ""},
        {"GET", "/api/v1/pods?%77atch=1", true, "watch", "", "", "pods", ""},
        {"GET", "/api/v1/pods?swatch=1", true, "list", "", "", "pods", ""},
        {"GET", "/api/v1/namespaces/x/pods/p?watch=1", true, "get", "", "x", "pods", "p"},
        {"GET", "/api/v1/watch/namespaces/x/pods", true, "watch", "", "x", "pods", ""},
        {"GET", "/api/v1/proxy/namespaces/x/pods/p/extra", true, "proxy", "", "x", "pods", "p"},
        {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/x/pods?labelSelector=a%3Db", true, "list",
         "metrics.k8s.io", "x", "pods", ""},
        {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/pods/*/qps?labelSelector=a", true,
         "get", "custom.metrics.k8s.io", "x", "pods/qps", "*"},
        {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/pods/%2A/http%3Arate", true,
         "get", "custom.metrics.k8s.io", "x", "pods/http:rate", "*"},
        {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/ingresses/main/hits", true, "get",
         "custom.metrics.k8s.io", "x", "ingresses/hits", "main"},
        {"GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/metrics/queue_depth", true, "get",
         "custom.metrics.k8s.io", "x", "metrics", "queue_depth"},
        {"GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/x/queue?labelSelector=q%3Dw",
         true, "list", "external.metrics.k8s.io", "x", "queue", ""},
        {"POST", "/api/v1/namespaces/x/events", true, "create", "", "x", "events", ""},
        {"PUT", "/apis/hpac.io/v1/namespaces/x/horizontalpodautoscalers/h/status", true, "update",
         "hpac.io", "x", "horizontalpodautoscalers/status", "h"},
        {"DELETE", "/api/v1/namespaces/x/pods", true, "deletecollection", "", "x", "pods", ""},
        {"DELETE", "/api/v1/namespaces/x/pods/p", true, "delete", "", "x", "pods", "p"},
        {"GET", "/api/v1/namespaces", true, "list", "", "", "namespaces", ""},
        {"GET", "/api/v1/namespaces/x", true, "get", "", "x", "namespaces", "x"},
        {"PUT", "/api/v1/namespaces/x/status", true, "update", "", "x", "namespaces/status", "x"},
        {"PUT", "/api/v1/namespaces/x/finalize", true, "update", "", "x", "namespaces/finalize",
         "x"},
        {"GET", "/apis/coordination.k8s.io/v1/namespaces/s/leases/hpac/", true, "get",
         "coordination.k8s.io", "s", "leases", "hpac"},
        /* discovery and other non-resource URLs */
        {"GET", "/api", false, "get", "", "", "", ""},
        {"GET", "/apis", false, "get", "", "", "", ""},
        {"GET", "/api/v1", false, "get", "", "", "", ""},
        {"GET", "/apis/apps", false, "get", "", "", "", ""},
        {"GET", "/apis/apps/v1", false, "get", "", "", "", ""},
        {"GET", "/healthz", false, "get", "", "", "", ""},
        {"GET", "/metrics/a/b/c", false, "get", "", "", "", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hpac_access a;
        char err[256] = "";
        if (hpac_access_of_request(cases[i].method, cases[i].path, &a, err, sizeof(err)))
            fail_msg("%s %s: %s", cases[i].method, cases[i].path, err);
        char res[600];
        hpac_access_resource_string(&a, res, sizeof(res));
        if (a.resource_request != cases[i].resource || strcmp(a.verb, cases[i].verb) ||
            strcmp(a.group, cases[i].group) || strcmp(a.namespace_, cases[i].ns) ||
            strcmp(res, cases[i].resource_str) || strcmp(a.name, cases[i].name))
            fail_msg("%s %s: got resource=%d verb=%s group=%s ns=%s resource=%s name=%s",
                     cases[i].method, cases[i].path, a.resource_request, a.verb, a.group,
                     a.namespace_, res, a.name);
    }
    /* A non-resource request keeps its decoded path, without the query. */
    hpac_access a;
    assert_int_equal(hpac_access_of_request("GET", "/apis/apps/v1?x=1", &a, NULL, 0), 0);
    assert_string_equal(a.path, "/apis/apps/v1");
}

static void test_access__malformed_requests(void **state)
{
    char longseg[400];
    memset(longseg, 'a', sizeof(longseg) - 1);
    longseg[sizeof(longseg) - 1] = '\0';
    char longpath[600];
    snprintf(longpath, sizeof(longpath), "/api/v1/namespaces/%s/pods", longseg);
    const char *cases[] = {
        "api/v1/pods",                   /* not absolute */
        "/api/v1/namespaces/x/pods/%zz", /* bad escape */
        "/api/v1/namespaces/x/pods/%2",  /* truncated escape */
        "/api/v1/watch",                 /* a verb without a resource */
        longpath,                        /* a part over its cap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hpac_access a;
        char err[128] = "";
        if (hpac_access_of_request("GET", cases[i], &a, err, sizeof(err)) == 0)
            fail_msg("%s: accepted", cases[i]);
        assert_true(err[0] != '\0');
    }
}

static void test_access__rbac_matching(void **state)
{
    static const hpac_access_rule star_scale = {
        HPAC_ACCESS_CLUSTER, "*", {"*/scale"}, {NULL}, {"get"}, "t"};
    static const hpac_access_rule any_custom = {
        HPAC_ACCESS_CLUSTER, "custom.metrics.k8s.io", {"*"}, {NULL}, {"get"}, "t"};
    static const hpac_access_rule pods_only = {
        HPAC_ACCESS_CLUSTER, "", {"pods"}, {NULL}, {"*"}, "t"};
    static const hpac_access_rule discovery = {HPAC_ACCESS_IMPLICIT, NULL,    {NULL},
                                               {"/api", "/apis/*"},  {"get"}, "t"};
    static const struct {
        const hpac_access_rule *rule;
        const char *method, *path;
        bool allowed;
    } cases[] = {
        {&star_scale, "GET", "/apis/apps/v1/namespaces/x/deployments/web/scale", true},
        {&star_scale, "GET", "/apis/example.com/v1/namespaces/x/widgets/w/scale", true},
        {&star_scale, "PUT", "/apis/apps/v1/namespaces/x/deployments/web/scale", false},
        {&star_scale, "GET", "/apis/apps/v1/namespaces/x/deployments/web", false},
        {&star_scale, "GET", "/apis/apps/v1/namespaces/x/deployments/web/status", false},
        {&any_custom, "GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/pods/*/qps", true},
        {&any_custom, "GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/x/pods", false},
        {&any_custom, "GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/x/q/a", false},
        {&pods_only, "DELETE", "/api/v1/namespaces/x/pods/p", true},
        {&pods_only, "GET", "/api/v1/namespaces/x/pods/p/status", false},
        {&pods_only, "GET", "/apis/apps/v1/namespaces/x/pods", false},
        {&pods_only, "GET", "/api/v1", false},
        {&discovery, "GET", "/api", true},
        {&discovery, "GET", "/apis/apps/v1", true},
        {&discovery, "GET", "/apis", false}, /* the prefix rule needs the slash */
        {&discovery, "GET", "/api/v1", false},
        {&discovery, "POST", "/api", false},
        {&discovery, "GET", "/api/v1/pods", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hpac_access a;
        assert_int_equal(hpac_access_of_request(cases[i].method, cases[i].path, &a, NULL, 0), 0);
        if (hpac_access_rule_allows(cases[i].rule, &a) != cases[i].allowed)
            fail_msg("%s %s: allowed should be %d", cases[i].method, cases[i].path,
                     cases[i].allowed);
    }
}

/* The Lease rule is a Role in the controller's namespace: it grants
 * nothing elsewhere. */
static void test_access__own_namespace_rules_stay_there(void **state)
{
    hpac_access a;
    assert_int_equal(
        hpac_access_of_request(
            "PUT", "/apis/coordination.k8s.io/v1/namespaces/hpac-system/leases/hpac", &a, NULL, 0),
        0);
    const hpac_access_rule *rule = hpac_access_allowed("hpac.io/v1", &a, "hpac-system");
    assert_non_null(rule);
    assert_int_equal(rule->scope, HPAC_ACCESS_OWN_NAMESPACE);
    assert_null(hpac_access_allowed("hpac.io/v1", &a, "kube-system"));
    assert_null(hpac_access_allowed("hpac.io/v1", &a, NULL));
}

/* Every request the controller sends is granted, and by a rule of the
 * right HPA group only. */
static void test_access__every_request_is_granted(void **state)
{
    for (size_t k = 0; k < 2; k++) {
        size_t n = 0;
        const hpac_access_request *reqs = hpac_access_requests(hpa_apis[k], &n);
        assert_non_null(reqs);
        assert_true(n > 10);
        for (size_t i = 0; i < n; i++) {
            hpac_access a;
            char err[256];
            if (hpac_access_of_request(reqs[i].method, reqs[i].path_and_query, &a, err,
                                       sizeof(err)))
                fail_msg("%s %s: %s", reqs[i].method, reqs[i].path_and_query, err);
            if (!hpac_access_allowed(hpa_apis[k], &a, HPAC_ACCESS_OWN_NAMESPACE_EXAMPLE))
                fail_msg("%s: %s %s (%s) is not granted", hpa_apis[k], reqs[i].method,
                         reqs[i].path_and_query, reqs[i].origin);
        }
    }
    /* The HPA rules name one group: the other API's HPAs are not granted. */
    hpac_access a;
    assert_int_equal(
        hpac_access_of_request("GET", "/apis/autoscaling/v2/horizontalpodautoscalers", &a, NULL, 0),
        0);
    assert_null(hpac_access_allowed("hpac.io/v1", &a, NULL));
    assert_non_null(hpac_access_allowed("autoscaling/v2", &a, NULL));
    assert_null(hpac_access_rules("autoscaling/v1", &(size_t){0}));
    assert_null(hpac_access_requests("extensions/v1beta1", &(size_t){0}));
}

/* Nothing extra: each (group, resource, verb) a rule grants is needed by
 * at least one request the controller sends. */
static void test_access__every_grant_is_used(void **state)
{
    for (size_t k = 0; k < 2; k++) {
        size_t nrules = 0, nreqs = 0;
        const hpac_access_rule *rules = hpac_access_rules(hpa_apis[k], &nrules);
        const hpac_access_request *reqs = hpac_access_requests(hpa_apis[k], &nreqs);
        for (size_t r = 0; r < nrules; r++) {
            const hpac_access_rule *rule = &rules[r];
            for (size_t v = 0; v < HPAC_ACCESS_LIST_MAX && rule->verbs[v]; v++) {
                size_t items = 0;
                for (size_t x = 0; x < HPAC_ACCESS_LIST_MAX; x++) {
                    const char *item =
                        rule->group ? rule->resources[x] : rule->non_resource_urls[x];
                    if (!item)
                        break;
                    items++;
                    /* A rule narrowed to this one resource (or URL) and verb. */
                    hpac_access_rule one = {rule->scope, rule->group,      {NULL},
                                            {NULL},      {rule->verbs[v]}, rule->why};
                    if (rule->group)
                        one.resources[0] = item;
                    else
                        one.non_resource_urls[0] = item;
                    bool used = false;
                    for (size_t i = 0; i < nreqs && !used; i++) {
                        hpac_access a;
                        assert_int_equal(hpac_access_of_request(
                                             reqs[i].method, reqs[i].path_and_query, &a, NULL, 0),
                                         0);
                        used = hpac_access_rule_allows(&one, &a);
                    }
                    /* Discovery URLs are the default role's, listed whole. */
                    if (!used && rule->scope != HPAC_ACCESS_IMPLICIT)
                        fail_msg("%s: %s %s in group \"%s\" is granted but never used", hpa_apis[k],
                                 rule->verbs[v], item, rule->group);
                }
                assert_true(items > 0);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access__attributes_of_requests),
        cmocka_unit_test(test_access__malformed_requests),
        cmocka_unit_test(test_access__rbac_matching),
        cmocka_unit_test(test_access__own_namespace_rules_stay_there),
        cmocka_unit_test(test_access__every_request_is_granted),
        cmocka_unit_test(test_access__every_grant_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
