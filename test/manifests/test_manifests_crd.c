/* The CRD against the API it mirrors: a structural schema holding every
 * autoscaling/v2 HorizontalPodAutoscaler field and no other, with the
 * API's enums, bounds and required fields; a real JSON-Schema validator
 * (python3-jsonschema, through crd_validate.py) accepts the examples, the
 * acceptance corpus's HPAs and the statuses the controller writes, and
 * refuses what the API server refuses. */
#include "test_support.h"

#include "manifests_support.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the CRD ---------------------------------------------------------------- */

/* The schema node at a field path: "spec.metrics[].type" steps into
 * "properties" for each name and into "items" for each "[]". */
static json_t *schema_node(json_t *schema, const char *path)
{
    char buf[512];
    hpac_strlcpy(buf, path, sizeof(buf));
    json_t *node = schema;
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && node;
         part = strtok_r(NULL, ".", &save)) {
        size_t n = strlen(part);
        bool list = n > 2 && !strcmp(part + n - 2, "[]");
        if (list)
            part[n - 2] = '\0';
        node = json_object_get(json_object_get(node, "properties"), part);
        if (node && list)
            node = json_object_get(node, "items");
    }
    return node;
}

static void test_manifests__crd_identity(void **state)
{
    json_t *docs = hpac_test_crd_docs();
    assert_int_equal(json_array_size(docs), 1);
    json_t *crd =
        hpac_test_must_find(docs, "CustomResourceDefinition", "horizontalpodautoscalers.hpac.io");
    assert_string_equal(hpac_test_str_at(crd, "apiVersion"), "apiextensions.k8s.io/v1");
    assert_string_equal(hpac_test_str_at(crd, "spec.group"), "hpac.io");
    assert_string_equal(hpac_test_str_at(crd, "spec.scope"), "Namespaced");
    assert_string_equal(hpac_test_str_at(crd, "spec.names.kind"), "HorizontalPodAutoscaler");
    assert_string_equal(hpac_test_str_at(crd, "spec.names.listKind"),
                        "HorizontalPodAutoscalerList");
    assert_string_equal(hpac_test_str_at(crd, "spec.names.plural"), "horizontalpodautoscalers");
    assert_string_equal(hpac_test_str_at(crd, "spec.names.singular"), "horizontalpodautoscaler");
    json_t *short_names = hpac_test_at(crd, "spec.names.shortNames");
    assert_int_equal(json_array_size(short_names), 1);
    assert_string_equal(json_string_value(json_array_get(short_names, 0)), "hpac");

    json_t *v = hpac_test_crd_version(crd);
    assert_string_equal(hpac_test_str_at(v, "name"), "v1");
    assert_true(json_is_true(hpac_test_at(v, "served")));
    assert_true(json_is_true(hpac_test_at(v, "storage")));
    assert_true(json_is_object(hpac_test_at(v, "subresources.status")));
    assert_int_equal(json_object_size(hpac_test_at(v, "subresources")),
                     1); /* no scale subresource */

    /* The columns of kubectl get hpa, each on a field the schema has. */
    static const char *const columns[] = {"Reference", "Targets",  "MinPods",
                                          "MaxPods",   "Replicas", "Age"};
    json_t *cols = hpac_test_at(v, "additionalPrinterColumns");
    assert_int_equal(json_array_size(cols), sizeof(columns) / sizeof(columns[0]));
    for (size_t i = 0; i < json_array_size(cols); i++) {
        json_t *c = json_array_get(cols, i);
        assert_string_equal(hpac_test_str_at(c, "name"), columns[i]);
        const char *path = hpac_test_str_at(c, "jsonPath");
        const char *type = hpac_test_str_at(c, "type");
        assert_non_null(path);
        assert_non_null(type);
        assert_true(path[0] == '.');
        if (!strcmp(path, ".metadata.creationTimestamp")) {
            assert_string_equal(type, "date");
            continue;
        }
        /* ".status.currentMetrics[*].resource..." -> "status.currentMetrics[]...". */
        char field[256];
        size_t n = 0;
        for (const char *s = path + 1; *s && n + 1 < sizeof(field); s++) {
            if (!strncmp(s, "[*]", 3)) {
                field[n++] = '[';
                field[n++] = ']';
                s += 2;
            } else {
                field[n++] = *s;
            }
        }
        field[n] = '\0';
        json_t *node = schema_node(hpac_test_crd_schema(crd), field);
        if (!node)
            fail_msg("column %s: %s is not in the schema", columns[i], path);
        assert_string_equal(hpac_test_str_at(node, "type"), type);
    }
    json_decref(docs);
}

/* Structural, as kube-apiserver requires of a v1 CRD: every node has a
 * type (int-or-string nodes excepted, whose anyOf is integer|string),
 * properties only on objects, items on every array, never properties and
 * additionalProperties together, metadata left alone. */
static void check_structural(json_t *node, const char *path)
{
    const char *type = hpac_test_str_at(node, "type");
    bool int_or_string = json_is_true(json_object_get(node, "x-kubernetes-int-or-string"));
    if (int_or_string) {
        if (type)
            fail_msg("%s: int-or-string with a type", path);
        json_t *any = json_object_get(node, "anyOf");
        if (json_array_size(any) != 2 ||
            strcmp(hpac_test_str_at(json_array_get(any, 0), "type"), "integer") ||
            strcmp(hpac_test_str_at(json_array_get(any, 1), "type"), "string"))
            fail_msg("%s: int-or-string needs anyOf [integer, string]", path);
        return;
    }
    if (!type)
        fail_msg("%s: no type", path);
    if (json_object_get(node, "anyOf") || json_object_get(node, "oneOf") ||
        json_object_get(node, "allOf"))
        fail_msg("%s: a combinator outside int-or-string", path);
    json_t *props = json_object_get(node, "properties");
    json_t *items = json_object_get(node, "items");
    json_t *addl = json_object_get(node, "additionalProperties");
    if (props && strcmp(type, "object") != 0)
        fail_msg("%s: properties on a %s", path, type);
    if (props && addl)
        fail_msg("%s: properties and additionalProperties together", path);
    if ((strcmp(type, "array") == 0) != (items != NULL))
        fail_msg("%s: items must be on arrays, and only there", path);
    const char *key;
    json_t *child;
    json_object_foreach(props, key, child)
    {
        char *sub = hpac_format("%s.%s", path, key);
        check_structural(child, sub);
        free(sub);
    }
    if (items) {
        char *sub = hpac_format("%s[]", path);
        check_structural(items, sub);
        free(sub);
    }
    if (json_is_object(addl)) {
        char *sub = hpac_format("%s{}", path);
        check_structural(addl, sub);
        free(sub);
    }
}

static void test_manifests__crd_schema_is_structural(void **state)
{
    json_t *docs = hpac_test_crd_docs();
    json_t *schema = hpac_test_crd_schema(json_array_get(docs, 0));
    check_structural(schema, "(root)");
    json_t *meta = schema_node(schema, "metadata");
    assert_non_null(meta);
    assert_int_equal(json_object_size(meta), 1); /* only type: object */
    json_decref(docs);
}

/* ---- every autoscaling/v2 field, and no other ----------------------------------- */

/* Leaf kinds: what the API's Go type serializes as. */
#define K_STRING "string"
#define K_TIME "time" /* metav1.Time */
#define K_INT "integer"
#define K_QUANTITY "quantity" /* resource.Quantity */
#define K_MAP "map"           /* map[string]string */
#define K_STRINGS "strings"   /* []string */

static void add_field(json_t *fields, const char *prefix, const char *leaf, const char *kind)
{
    char *path = hpac_format("%s.%s", prefix, leaf);
    json_object_set_new(fields, path, json_string(kind));
    free(path);
}

static void add_object_ref(json_t *fields, const char *prefix)
{
    add_field(fields, prefix, "apiVersion", K_STRING);
    add_field(fields, prefix, "kind", K_STRING);
    add_field(fields, prefix, "name", K_STRING);
}

static void add_metric_identifier(json_t *fields, const char *prefix)
{
    add_field(fields, prefix, "metric.name", K_STRING);
    add_field(fields, prefix, "metric.selector.matchLabels", K_MAP);
    add_field(fields, prefix, "metric.selector.matchExpressions[].key", K_STRING);
    add_field(fields, prefix, "metric.selector.matchExpressions[].operator", K_STRING);
    add_field(fields, prefix, "metric.selector.matchExpressions[].values", K_STRINGS);
}

/* autoscaling/v2 HorizontalPodAutoscaler spec and status, field by field
 * (k8s.io/api/autoscaling/v2 types.go, Kubernetes 1.33, with the
 * per-direction tolerance). */
static json_t *autoscaling_v2_fields(void)
{
    json_t *f = json_object();
    add_object_ref(f, "spec.scaleTargetRef");
    add_field(f, "spec", "minReplicas", K_INT);
    add_field(f, "spec", "maxReplicas", K_INT);
    add_field(f, "spec", "metrics[].type", K_STRING);
    static const char *const sources[] = {"object", "pods", "resource", "containerResource",
                                          "external"};
    for (size_t i = 0; i < 5; i++) {
        const char *s = sources[i];
        char spec_p[128], status_p[128];
        snprintf(spec_p, sizeof(spec_p), "spec.metrics[].%s", s);
        snprintf(status_p, sizeof(status_p), "status.currentMetrics[].%s", s);
        add_field(f, spec_p, "target.type", K_STRING);
        add_field(f, spec_p, "target.value", K_QUANTITY);
        add_field(f, spec_p, "target.averageValue", K_QUANTITY);
        add_field(f, spec_p, "target.averageUtilization", K_INT);
        add_field(f, status_p, "current.value", K_QUANTITY);
        add_field(f, status_p, "current.averageValue", K_QUANTITY);
        add_field(f, status_p, "current.averageUtilization", K_INT);
        if (!strcmp(s, "resource") || !strcmp(s, "containerResource")) {
            add_field(f, spec_p, "name", K_STRING);
            add_field(f, status_p, "name", K_STRING);
        }
        if (!strcmp(s, "containerResource")) {
            add_field(f, spec_p, "container", K_STRING);
            add_field(f, status_p, "container", K_STRING);
        }
        if (!strcmp(s, "object") || !strcmp(s, "pods") || !strcmp(s, "external")) {
            add_metric_identifier(f, spec_p);
            add_metric_identifier(f, status_p);
        }
        if (!strcmp(s, "object")) {
            char ref[160];
            snprintf(ref, sizeof(ref), "%s.describedObject", spec_p);
            add_object_ref(f, ref);
            snprintf(ref, sizeof(ref), "%s.describedObject", status_p);
            add_object_ref(f, ref);
        }
    }
    static const char *const directions[] = {"spec.behavior.scaleUp", "spec.behavior.scaleDown"};
    for (size_t i = 0; i < 2; i++) {
        add_field(f, directions[i], "stabilizationWindowSeconds", K_INT);
        add_field(f, directions[i], "selectPolicy", K_STRING);
        add_field(f, directions[i], "policies[].type", K_STRING);
        add_field(f, directions[i], "policies[].value", K_INT);
        add_field(f, directions[i], "policies[].periodSeconds", K_INT);
        add_field(f, directions[i], "tolerance", K_QUANTITY);
    }
    add_field(f, "status", "observedGeneration", K_INT);
    add_field(f, "status", "lastScaleTime", K_TIME);
    add_field(f, "status", "currentReplicas", K_INT);
    add_field(f, "status", "desiredReplicas", K_INT);
    add_field(f, "status", "currentMetrics[].type", K_STRING);
    add_field(f, "status", "conditions[].type", K_STRING);
    add_field(f, "status", "conditions[].status", K_STRING);
    add_field(f, "status", "conditions[].lastTransitionTime", K_TIME);
    add_field(f, "status", "conditions[].reason", K_STRING);
    add_field(f, "status", "conditions[].message", K_STRING);
    return f;
}

static const char *node_kind(json_t *node)
{
    if (json_is_true(json_object_get(node, "x-kubernetes-int-or-string")))
        return K_QUANTITY;
    const char *type = hpac_test_str_at(node, "type");
    if (!type)
        return "?";
    if (!strcmp(type, "string"))
        return hpac_test_str_at(node, "format") &&
                       !strcmp(hpac_test_str_at(node, "format"), "date-time")
                   ? K_TIME
                   : K_STRING;
    if (!strcmp(type, "integer"))
        return K_INT;
    if (!strcmp(type, "object") && !json_object_get(node, "properties") &&
        !strcmp(hpac_test_str_at(node, "additionalProperties.type")
                    ? hpac_test_str_at(node, "additionalProperties.type")
                    : "",
                "string"))
        return K_MAP;
    if (!strcmp(type, "array") && hpac_test_str_at(node, "items.type") &&
        !strcmp(hpac_test_str_at(node, "items.type"), "string"))
        return K_STRINGS;
    return type;
}

/* Every leaf under `node` (objects with properties and arrays of objects
 * are walked into), as path -> kind. */
static void schema_leaves(json_t *node, const char *path, json_t *out)
{
    json_t *props = json_object_get(node, "properties");
    json_t *items = json_object_get(node, "items");
    if (props) {
        const char *key;
        json_t *child;
        json_object_foreach(props, key, child)
        {
            char *sub = path[0] ? hpac_format("%s.%s", path, key) : hpac_strdup(key);
            schema_leaves(child, sub, out);
            free(sub);
        }
        return;
    }
    if (items && json_object_get(items, "properties")) {
        char *sub = hpac_format("%s[]", path);
        schema_leaves(items, sub, out);
        free(sub);
        return;
    }
    json_object_set_new(out, path, json_string(node_kind(node)));
}

static void test_manifests__crd_schema_covers_autoscaling_v2(void **state)
{
    json_t *docs = hpac_test_crd_docs();
    json_t *schema = hpac_test_crd_schema(json_array_get(docs, 0));
    json_t *want = autoscaling_v2_fields();
    json_t *have = json_object();
    schema_leaves(json_object_get(json_object_get(schema, "properties"), "spec"), "spec", have);
    schema_leaves(json_object_get(json_object_get(schema, "properties"), "status"), "status", have);
    assert_true(json_object_size(want) > 100);
    const char *path;
    json_t *kind;
    json_object_foreach(want, path, kind)
    {
        json_t *got = json_object_get(have, path);
        if (!got)
            fail_msg("the CRD schema lacks %s", path);
        if (!json_equal(got, kind))
            fail_msg("%s: the schema has a %s, autoscaling/v2 a %s", path, json_string_value(got),
                     json_string_value(kind));
    }
    json_object_foreach(have, path, kind)
    {
        if (!json_object_get(want, path))
            fail_msg("the CRD schema has %s, which autoscaling/v2 does not", path);
    }
    json_decref(have);
    json_decref(want);
    json_decref(docs);
}

static void expect_enum(json_t *schema, const char *path, const char *const *values, size_t n)
{
    json_t *e = json_object_get(schema_node(schema, path), "enum");
    if (json_array_size(e) != n)
        fail_msg("%s: %zu enum values, want %zu", path, json_array_size(e), n);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found = found || !strcmp(json_string_value(json_array_get(e, j)), values[i]);
        if (!found)
            fail_msg("%s: enum lacks %s", path, values[i]);
    }
}

static void expect_bounds(json_t *schema, const char *path, json_int_t min, json_int_t max)
{
    json_t *node = schema_node(schema, path);
    assert_non_null(node);
    json_t *lo = json_object_get(node, "minimum");
    json_t *hi = json_object_get(node, "maximum");
    if (!json_is_integer(lo) || json_integer_value(lo) != min)
        fail_msg("%s: minimum should be %lld", path, (long long)min);
    if (max < 0 ? hi != NULL : (!json_is_integer(hi) || json_integer_value(hi) != max))
        fail_msg("%s: maximum should be %lld", path, (long long)max);
}

static void expect_required(json_t *schema, const char *path, const char *const *names, size_t n)
{
    json_t *node = path[0] ? schema_node(schema, path) : schema;
    json_t *req = json_object_get(node, "required");
    if (json_array_size(req) != n)
        fail_msg("%s: %zu required fields, want %zu", path, json_array_size(req), n);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found = found || !strcmp(json_string_value(json_array_get(req, j)), names[i]);
        if (!found)
            fail_msg("%s: %s is not required", path, names[i]);
    }
}

/* The API's own checks, where OpenAPI can hold them. */
static void test_manifests__crd_validation_matches_the_api(void **state)
{
    json_t *docs = hpac_test_crd_docs();
    json_t *s = hpac_test_crd_schema(json_array_get(docs, 0));
    static const char *const metric_types[] = {"Object", "Pods", "Resource", "ContainerResource",
                                               "External"};
    static const char *const target_types[] = {"Utilization", "Value", "AverageValue"};
    static const char *const select[] = {"Max", "Min", "Disabled"};
    static const char *const policy_types[] = {"Pods", "Percent"};
    static const char *const sources[] = {"object", "pods", "resource", "containerResource",
                                          "external"};
    expect_enum(s, "spec.metrics[].type", metric_types, N(metric_types));
    expect_enum(s, "status.currentMetrics[].type", metric_types, N(metric_types));
    for (size_t i = 0; i < N(sources); i++) {
        char p[128];
        snprintf(p, sizeof(p), "spec.metrics[].%s.target.type", sources[i]);
        expect_enum(s, p, target_types, N(target_types));
        snprintf(p, sizeof(p), "spec.metrics[].%s.target.averageUtilization", sources[i]);
        expect_bounds(s, p, 1, -1);
        snprintf(p, sizeof(p), "spec.metrics[].%s.target", sources[i]);
        static const char *const type_only[] = {"type"};
        expect_required(s, p, type_only, 1);
    }
    expect_bounds(s, "spec.minReplicas", 0, -1);
    expect_bounds(s, "spec.maxReplicas", 1, -1);
    static const char *const dirs[] = {"spec.behavior.scaleUp", "spec.behavior.scaleDown"};
    for (size_t i = 0; i < 2; i++) {
        char p[128];
        snprintf(p, sizeof(p), "%s.selectPolicy", dirs[i]);
        expect_enum(s, p, select, N(select));
        snprintf(p, sizeof(p), "%s.policies[].type", dirs[i]);
        expect_enum(s, p, policy_types, N(policy_types));
        snprintf(p, sizeof(p), "%s.stabilizationWindowSeconds", dirs[i]);
        expect_bounds(s, p, 0, 3600);
        snprintf(p, sizeof(p), "%s.policies[].value", dirs[i]);
        expect_bounds(s, p, 1, -1);
        snprintf(p, sizeof(p), "%s.policies[].periodSeconds", dirs[i]);
        expect_bounds(s, p, 1, 1800);
        snprintf(p, sizeof(p), "%s.policies[]", dirs[i]);
        static const char *const policy_req[] = {"type", "value", "periodSeconds"};
        expect_required(s, p, policy_req, N(policy_req));
    }
    static const char *const root_req[] = {"spec"};
    static const char *const spec_req[] = {"scaleTargetRef", "maxReplicas"};
    static const char *const ref_req[] = {"kind", "name"};
    static const char *const cond_req[] = {"type", "status"};
    expect_required(s, "", root_req, N(root_req));
    expect_required(s, "spec", spec_req, N(spec_req));
    expect_required(s, "spec.scaleTargetRef", ref_req, N(ref_req));
    expect_required(s, "spec.metrics[].object.describedObject", ref_req, N(ref_req));
    expect_required(s, "status.conditions[]", cond_req, N(cond_req));
    /* An entry the controller could not compute is written as {}, and an
     * HPA it cannot act on may get conditions only. */
    expect_required(s, "status.currentMetrics[]", NULL, 0);
    expect_required(s, "status", NULL, 0);
    json_decref(docs);
}

/* ---- validation with a real JSON-Schema validator -------------------------------- */

/* The HPAs of manifests/examples, and their Deployments' pods requesting
 * what a Utilization target needs. */
static void test_manifests__examples_validate(void **state)
{
    static const char *const files[] = {"examples/cpu-utilization.yaml",
                                        "examples/external-metric.yaml"};
    json_t *documents = json_array();
    bool saw_behavior = false, saw_external = false, saw_utilization = false;
    for (size_t i = 0; i < N(files); i++) {
        json_t *docs = hpac_test_load_manifest(files[i]);
        size_t hpas = 0, j;
        json_t *doc;
        json_array_foreach(docs, j, doc)
        {
            if (strcmp(hpac_test_str_at(doc, "kind"), "HorizontalPodAutoscaler") != 0)
                continue;
            hpas++;
            assert_string_equal(hpac_test_str_at(doc, "apiVersion"), "hpac.io/v1");
            hpac_test_add_doc(documents, files[i], json_incref(doc));
            /* Its target is in the same file. */
            const char *target = hpac_test_str_at(doc, "spec.scaleTargetRef.name");
            json_t *deploy = hpac_test_must_find(
                docs, hpac_test_str_at(doc, "spec.scaleTargetRef.kind"), target);
            json_t *metrics = hpac_test_at(doc, "spec.metrics");
            saw_behavior = saw_behavior || hpac_test_at(doc, "spec.behavior.scaleUp.policies") ||
                           hpac_test_at(doc, "spec.behavior.scaleDown.policies");
            for (size_t m = 0; m < json_array_size(metrics); m++) {
                json_t *metric = json_array_get(metrics, m);
                const char *type = hpac_test_str_at(metric, "type");
                saw_external = saw_external || !strcmp(type, "External");
                if (!strcmp(type, "Resource") &&
                    !strcmp(hpac_test_str_at(metric, "resource.target.type"), "Utilization")) {
                    saw_utilization = true;
                    const char *res = hpac_test_str_at(metric, "resource.name");
                    json_t *containers = hpac_test_at(deploy, "spec.template.spec.containers");
                    for (size_t c = 0; c < json_array_size(containers); c++) {
                        json_t *requests =
                            hpac_test_at(json_array_get(containers, c), "resources.requests");
                        if (!json_object_get(requests, res))
                            fail_msg("%s: a container without a %s request", files[i], res);
                    }
                }
            }
        }
        assert_int_equal(hpas, 1);
        json_decref(docs);
    }
    assert_true(saw_behavior);
    assert_true(saw_external);
    assert_true(saw_utilization);
    json_t *results = hpac_test_crd_validate(documents);
    const char *name;
    json_t *r;
    json_object_foreach(results, name, r)
    {
        if (strcmp(json_string_value(r), "ok") != 0)
            fail_msg("%s: %s", name, json_string_value(r));
    }
    json_decref(results);
    json_decref(documents);
}

/* Objects the API server must refuse, and statuses it must take. Proves
 * the validator is not a no-op and that the schema is neither too loose
 * nor too strict. */
static void test_manifests__schema_accepts_and_refuses(void **state)
{
    static const char *const base =
        "{\"apiVersion\": \"hpac.io/v1\", \"kind\": \"HorizontalPodAutoscaler\","
        " \"metadata\": {\"name\": \"h\"}, \"spec\": {\"scaleTargetRef\": {\"apiVersion\":"
        " \"apps/v1\", \"kind\": \"Deployment\", \"name\": \"web\"}, \"maxReplicas\": 5}}";
    static const struct {
        const char *name;
        const char *patch; /* merged into spec, or the whole status */
        bool status;
        bool valid;
    } cases[] = {
        {"minimal", "{}", false, true},
        {"scale-to-zero", "{\"minReplicas\": 0}", false, true},
        {"max-zero", "{\"maxReplicas\": 0}", false, false},
        {"min-negative", "{\"minReplicas\": -1}", false, false},
        {"no-target-name", "{\"scaleTargetRef\": {\"kind\": \"Deployment\"}}", false, false},
        {"metric-without-type",
         "{\"metrics\": [{\"resource\": {\"name\": \"cpu\", \"target\":"
         " {\"type\": \"Utilization\", \"averageUtilization\": 50}}}]}",
         false, false},
        {"unknown-metric-type", "{\"metrics\": [{\"type\": \"Cpu\"}]}", false, false},
        {"utilization-zero",
         "{\"metrics\": [{\"type\": \"Resource\", \"resource\": {\"name\":"
         " \"cpu\", \"target\": {\"type\": \"Utilization\","
         " \"averageUtilization\": 0}}}]}",
         false, false},
        {"bad-target-type",
         "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
         " \"qps\"}, \"target\": {\"type\": \"Average\", \"averageValue\":"
         " \"1\"}}}]}",
         false, false},
        {"quantity-string",
         "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
         " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
         " \"1500m\"}}}]}",
         false, true},
        {"quantity-integer",
         "{\"metrics\": [{\"type\": \"External\", \"external\": {\"metric\":"
         " {\"name\": \"q\", \"selector\": {\"matchLabels\": {\"a\": \"b\"},"
         " \"matchExpressions\": [{\"key\": \"k\", \"operator\": \"In\","
         " \"values\": [\"x\"]}]}}, \"target\": {\"type\": \"Value\","
         " \"value\": 30}}}]}",
         false, true},
        {"quantity-float",
         "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
         " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
         " 0.5}}}]}",
         false, false},
        {"quantity-garbage",
         "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
         " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
         " \"lots\"}}}]}",
         false, false},
        {"misspelt-field", "{\"maxReplica\": 5}", false, false},
        {"window-too-long",
         "{\"behavior\": {\"scaleDown\": {\"stabilizationWindowSeconds\": 3601}}}", false, false},
        {"window-max", "{\"behavior\": {\"scaleDown\": {\"stabilizationWindowSeconds\": 3600}}}",
         false, true},
        {"bad-select-policy", "{\"behavior\": {\"scaleUp\": {\"selectPolicy\": \"Fastest\"}}}",
         false, false},
        {"period-too-long",
         "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Pods\","
         " \"value\": 1, \"periodSeconds\": 1801}]}}}",
         false, false},
        {"policy-value-zero",
         "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Pods\","
         " \"value\": 0, \"periodSeconds\": 60}]}}}",
         false, false},
        {"policy-bad-type",
         "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Replicas\","
         " \"value\": 1, \"periodSeconds\": 60}]}}}",
         false, false},
        {"tolerance",
         "{\"behavior\": {\"scaleUp\": {\"tolerance\": \"0.05\"}, \"scaleDown\":"
         " {\"tolerance\": \"50m\", \"selectPolicy\": \"Disabled\"}}}",
         false, true},
        /* statuses */
        {"status-conditions-only",
         "{\"conditions\": [{\"type\": \"ScalingActive\", \"status\":"
         " \"False\", \"reason\": \"InvalidSpec\", \"message\": \"m\","
         " \"lastTransitionTime\": \"2026-11-27T21:35:02Z\"}]}",
         true, true},
        {"status-empty-metric",
         "{\"currentReplicas\": 2, \"desiredReplicas\": 2,"
         " \"currentMetrics\": [{}, {\"type\": \"Resource\", \"resource\":"
         " {\"name\": \"cpu\", \"current\": {\"averageUtilization\": 50,"
         " \"averageValue\": \"100m\"}}}]}",
         true, true},
        {"status-full",
         "{\"observedGeneration\": 3, \"lastScaleTime\": \"2026-11-27T21:35:02Z\","
         " \"currentReplicas\": 1, \"desiredReplicas\": 4, \"currentMetrics\":"
         " [{\"type\": \"Object\", \"object\": {\"describedObject\": {\"apiVersion\":"
         " \"networking.k8s.io/v1\", \"kind\": \"Ingress\", \"name\": \"main\"},"
         " \"metric\": {\"name\": \"hits\"}, \"current\": {\"value\": \"10k\"}}},"
         " {\"type\": \"ContainerResource\", \"containerResource\": {\"name\":"
         " \"memory\", \"container\": \"app\", \"current\": {\"averageValue\":"
         " \"1Gi\"}}}]}",
         true, true},
        {"status-condition-without-status", "{\"conditions\": [{\"type\": \"AbleToScale\"}]}", true,
         false},
        {"status-bad-metric-type", "{\"currentMetrics\": [{\"type\": \"Memory\"}]}", true, false},
    };
    json_t *documents = json_array();
    for (size_t i = 0; i < N(cases); i++) {
        json_t *obj = json_loads(base, 0, NULL);
        json_t *patch = json_loads(cases[i].patch, 0, NULL);
        if (!patch)
            fail_msg("%s: bad JSON in the test", cases[i].name);
        if (cases[i].status)
            json_object_set_new(obj, "status", patch);
        else {
            json_object_update(json_object_get(obj, "spec"), patch);
            json_decref(patch);
        }
        hpac_test_add_doc(documents, cases[i].name, obj);
    }
    json_t *results = hpac_test_crd_validate(documents);
    for (size_t i = 0; i < N(cases); i++) {
        const char *r = json_string_value(json_object_get(results, cases[i].name));
        assert_non_null(r);
        bool ok = !strcmp(r, "ok");
        if (ok != cases[i].valid)
            fail_msg("%s: %s, want %s", cases[i].name, ok ? "accepted" : r,
                     cases[i].valid ? "accepted" : "refused");
    }
    json_decref(results);
    json_decref(documents);
}

/* Every HPA of the acceptance corpus, as an hpac.io/v1 object: real
 * autoscaling/v2 specs the schema must take, except those the API server's
 * validation refuses too (the corpus has them to exercise the controller's
 * own checks). */
static const struct {
    const char *file;
    const char *why; /* in the validator's message */
} api_refuses[] = {
    {"ctl_no_scale_down_one_metric_invalid.json", "CheddarCheese"},
    {"ctl_scale_up_both_metrics_empty.json", "CheddarCheese"},
    {"ctl_scale_up_from_zero_one_metric_invalid.json", "CheddarCheese"},
};
static void test_manifests__corpus_hpas_validate(void **state)
{
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    json_t *documents = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *c = hpac_test_load_json(paths[i]);
        json_t *hpa = json_deep_copy(hpac_test_at(c, "objects.hpa"));
        assert_non_null(hpa);
        json_object_set_new(hpa, "apiVersion", json_string("hpac.io/v1"));
        json_object_del(hpa, "status"); /* the corpus's are inputs, often partial */
        const char *base = strrchr(paths[i], '/');
        hpac_test_add_doc(documents, base ? base + 1 : paths[i], hpa);
        json_decref(c);
    }
    json_t *results = hpac_test_crd_validate(documents);
    char bad[4096] = "";
    size_t used = 0;
    const char *name;
    json_t *r;
    json_object_foreach(results, name, r)
    {
        const char *refusal = NULL;
        for (size_t i = 0; i < N(api_refuses); i++) {
            if (!strcmp(api_refuses[i].file, name))
                refusal = api_refuses[i].why;
        }
        bool ok = !strcmp(json_string_value(r), "ok");
        if (ok == !refusal || (refusal && !strstr(json_string_value(r), refusal)))
            continue;
        used +=
            (size_t)snprintf(bad + used, used < sizeof(bad) ? sizeof(bad) - used : 0, "\n  %s: %s",
                             name, ok ? "accepted, but the API refuses it" : json_string_value(r));
    }
    if (bad[0])
        fail_msg("corpus HPAs the schema judges unlike the API:%s", bad);
    json_decref(results);
    json_decref(documents);
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifests__crd_identity),
        cmocka_unit_test(test_manifests__crd_schema_is_structural),
        cmocka_unit_test(test_manifests__crd_schema_covers_autoscaling_v2),
        cmocka_unit_test(test_manifests__crd_validation_matches_the_api),
        cmocka_unit_test(test_manifests__examples_validate),
        cmocka_unit_test(test_manifests__schema_accepts_and_refuses),
        cmocka_unit_test(test_manifests__corpus_hpas_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
