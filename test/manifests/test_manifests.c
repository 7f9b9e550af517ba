/* The deployment manifests, checked against the code: every file parses;
 * the CRD is a structural schema that holds every autoscaling/v2 field and
 * accepts the examples and the acceptance corpus (python3-jsonschema does
 * the validating); the RBAC rules are exactly lib/access's; the Deployment's
 * arguments pass the real flag parser; kubectl renders the kustomization;
 * the Dockerfile and the operators' guide say what the code does. */
#include "test_support.h"

#include "access/access.h"
#include "controller/options.h"
#include "util/strutil.h"
#include "util/yaml_json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANIFESTS HPAC_SOURCE_DIR "/manifests"
/* A manifest, the guide or a command's output larger than this is an error. */
#define FILE_MAX ((size_t)4 << 20)
#define OUTPUT_MAX ((size_t)8 << 20)
#define OWN_NAMESPACE "hpac-system"

/* ---- helpers --------------------------------------------------------------- */

/* The whole file, NUL-terminated (caller frees); fails the test when it
 * cannot be read. */
static char *read_text(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    char *buf = malloc(FILE_MAX + 1);
    assert_non_null(buf);
    size_t len = fread(buf, 1, FILE_MAX + 1, f);
    fclose(f);
    if (len > FILE_MAX)
        fail_msg("%s: larger than %zu bytes", path, FILE_MAX);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static json_t *load_yaml(const char *path)
{
    size_t len = 0;
    char *text = read_text(path, &len);
    char err[512];
    json_t *docs = hpac_yaml_documents(text, len, err, sizeof(err));
    free(text);
    if (!docs)
        fail_msg("%s: %s", path, err);
    return docs;
}

static json_t *load_manifest(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", MANIFESTS, rel);
    return load_yaml(path);
}

/* The document of `kind` named `name` (borrowed), or NULL. */
static json_t *find_doc(json_t *docs, const char *kind, const char *name)
{
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        const char *k = json_string_value(json_object_get(doc, "kind"));
        const char *n = json_string_value(json_object_get(json_object_get(doc, "metadata"), "name"));
        if (k && n && !strcmp(k, kind) && !strcmp(n, name))
            return doc;
    }
    return NULL;
}

static json_t *must_find(json_t *docs, const char *kind, const char *name)
{
    json_t *doc = find_doc(docs, kind, name);
    if (!doc)
        fail_msg("no %s named %s", kind, name);
    return doc;
}

/* Follows a dotted path of object members ("spec.template.spec"). */
static json_t *at(json_t *v, const char *path)
{
    char buf[512];
    hpac_strlcpy(buf, path, sizeof(buf));
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && v;
         part = strtok_r(NULL, ".", &save))
        v = json_object_get(v, part);
    return v;
}

static const char *str_at(json_t *v, const char *path)
{
    return json_string_value(at(v, path));
}

/* Runs `cmd` through the shell with stdout in *out (caller frees) and
 * stderr in *errout when not NULL; returns the exit status. */
static int run_command(const char *cmd, char **out, char **errout)
{
    char errpath[] = "/tmp/hpac-test-stderr-XXXXXX";
    int errfd = mkstemp(errpath);
    assert_true(errfd >= 0);
    close(errfd);
    char *full = hpac_format("%s 2>'%s'", cmd, errpath);
    assert_non_null(full);
    FILE *p = popen(full, "r");
    free(full);
    assert_non_null(p);
    char *buf = malloc(OUTPUT_MAX + 1);
    assert_non_null(buf);
    size_t len = fread(buf, 1, OUTPUT_MAX + 1, p);
    int status = pclose(p);
    if (len > OUTPUT_MAX)
        fail_msg("%s: more than %zu bytes of output", cmd, OUTPUT_MAX);
    buf[len] = '\0';
    *out = buf;
    char *err = read_text(errpath, NULL);
    unlink(errpath);
    if (errout)
        *errout = err;
    else
        free(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool command_exists(const char *name)
{
    char *cmd = hpac_format("command -v '%s'", name);
    char *out = NULL;
    int rc = run_command(cmd, &out, NULL);
    free(cmd);
    free(out);
    return rc == 0;
}

/* ---- every manifest parses -------------------------------------------------- */

static void collect_yaml(const char *dir, json_t *paths)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = hpac_format("%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            collect_yaml(path, paths);
        else if ((n > 5 && !strcmp(e->d_name + n - 5, ".yaml")) ||
                 (n > 4 && !strcmp(e->d_name + n - 4, ".yml")))
            json_array_append_new(paths, json_string(path));
        free(path);
    }
    closedir(d);
}

static void test_manifests__every_manifest_parses(void **state)
{
    json_t *paths = json_array();
    collect_yaml(MANIFESTS, paths);
    assert_true(json_array_size(paths) >= 9);
    size_t i;
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        const char *path = json_string_value(p);
        json_t *docs = load_yaml(path);
        if (json_array_size(docs) == 0)
            fail_msg("%s: no documents", path);
        size_t j;
        json_t *doc;
        json_array_foreach(docs, j, doc)
        {
            const char *api = str_at(doc, "apiVersion");
            const char *kind = str_at(doc, "kind");
            if (!api || !kind)
                fail_msg("%s: document %zu lacks apiVersion or kind", path, j);
            if (strcmp(kind, "Kustomization") != 0 && !str_at(doc, "metadata.name"))
                fail_msg("%s: %s without metadata.name", path, kind);
        }
        json_decref(docs);
    }
    json_decref(paths);
}

/* ---- the CRD ---------------------------------------------------------------- */

static json_t *crd_docs(void)
{
    return load_manifest("crd.yaml");
}

static json_t *crd_version(json_t *crd)
{
    json_t *versions = at(crd, "spec.versions");
    assert_int_equal(json_array_size(versions), 1);
    return json_array_get(versions, 0);
}

static json_t *crd_schema(json_t *crd)
{
    json_t *schema = at(crd_version(crd), "schema.openAPIV3Schema");
    assert_true(json_is_object(schema));
    return schema;
}

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
    json_t *docs = crd_docs();
    assert_int_equal(json_array_size(docs), 1);
    json_t *crd = must_find(docs, "CustomResourceDefinition", "horizontalpodautoscalers.hpac.io");
    assert_string_equal(str_at(crd, "apiVersion"), "apiextensions.k8s.io/v1");
    assert_string_equal(str_at(crd, "spec.group"), "hpac.io");
    assert_string_equal(str_at(crd, "spec.scope"), "Namespaced");
    assert_string_equal(str_at(crd, "spec.names.kind"), "HorizontalPodAutoscaler");
    assert_string_equal(str_at(crd, "spec.names.listKind"), "HorizontalPodAutoscalerList");
    assert_string_equal(str_at(crd, "spec.names.plural"), "horizontalpodautoscalers");
    assert_string_equal(str_at(crd, "spec.names.singular"), "horizontalpodautoscaler");
    json_t *short_names = at(crd, "spec.names.shortNames");
    assert_int_equal(json_array_size(short_names), 1);
    assert_string_equal(json_string_value(json_array_get(short_names, 0)), "hpac");

    json_t *v = crd_version(crd);
    assert_string_equal(str_at(v, "name"), "v1");
    assert_true(json_is_true(at(v, "served")));
    assert_true(json_is_true(at(v, "storage")));
    assert_true(json_is_object(at(v, "subresources.status")));
    assert_int_equal(json_object_size(at(v, "subresources")), 1); /* no scale subresource */

    /* The columns of kubectl get hpa, each on a field the schema has. */
    static const char *const columns[] = {"Reference", "Targets", "MinPods",
                                          "MaxPods",   "Replicas", "Age"};
    json_t *cols = at(v, "additionalPrinterColumns");
    assert_int_equal(json_array_size(cols), sizeof(columns) / sizeof(columns[0]));
    for (size_t i = 0; i < json_array_size(cols); i++) {
        json_t *c = json_array_get(cols, i);
        assert_string_equal(str_at(c, "name"), columns[i]);
        const char *path = str_at(c, "jsonPath");
        const char *type = str_at(c, "type");
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
        json_t *node = schema_node(crd_schema(crd), field);
        if (!node)
            fail_msg("column %s: %s is not in the schema", columns[i], path);
        assert_string_equal(str_at(node, "type"), type);
    }
    json_decref(docs);
}

/* Structural, as kube-apiserver requires of a v1 CRD: every node has a
 * type (int-or-string nodes excepted, whose anyOf is integer|string),
 * properties only on objects, items on every array, never properties and
 * additionalProperties together, metadata left alone. */
static void check_structural(json_t *node, const char *path)
{
    const char *type = str_at(node, "type");
    bool int_or_string = json_is_true(json_object_get(node, "x-kubernetes-int-or-string"));
    if (int_or_string) {
        if (type)
            fail_msg("%s: int-or-string with a type", path);
        json_t *any = json_object_get(node, "anyOf");
        if (json_array_size(any) != 2 || strcmp(str_at(json_array_get(any, 0), "type"), "integer") ||
            strcmp(str_at(json_array_get(any, 1), "type"), "string"))
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
    json_t *docs = crd_docs();
    json_t *schema = crd_schema(json_array_get(docs, 0));
    check_structural(schema, "(root)");
    json_t *meta = schema_node(schema, "metadata");
    assert_non_null(meta);
    assert_int_equal(json_object_size(meta), 1); /* only type: object */
    json_decref(docs);
}

/* ---- every autoscaling/v2 field, and no other ----------------------------------- */

/* Leaf kinds: what the API's Go type serializes as. */
#define K_STRING "string"
#define K_TIME "time"         /* metav1.Time */
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
    const char *type = str_at(node, "type");
    if (!type)
        return "?";
    if (!strcmp(type, "string"))
        return str_at(node, "format") && !strcmp(str_at(node, "format"), "date-time") ? K_TIME
                                                                                       : K_STRING;
    if (!strcmp(type, "integer"))
        return K_INT;
    if (!strcmp(type, "object") && !json_object_get(node, "properties") &&
        !strcmp(str_at(node, "additionalProperties.type") ? str_at(node, "additionalProperties.type")
                                                          : "",
                "string"))
        return K_MAP;
    if (!strcmp(type, "array") && str_at(node, "items.type") &&
        !strcmp(str_at(node, "items.type"), "string"))
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
    json_t *docs = crd_docs();
    json_t *schema = crd_schema(json_array_get(docs, 0));
    json_t *want = autoscaling_v2_fields();
    json_t *have = json_object();
    schema_leaves(json_object_get(json_object_get(schema, "properties"), "spec"), "spec", have);
    schema_leaves(json_object_get(json_object_get(schema, "properties"), "status"), "status",
                  have);
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

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The API's own checks, where OpenAPI can hold them. */
static void test_manifests__crd_validation_matches_the_api(void **state)
{
    json_t *docs = crd_docs();
    json_t *s = crd_schema(json_array_get(docs, 0));
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

static const char *python(void)
{
    /* Debian's interpreter, where python3-jsonschema is installed. */
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Validates each {"name", "object"} of `documents` against the CRD's
 * schema; returns name -> "ok" or the validator's message (new). */
static json_t *validate(json_t *documents)
{
    json_t *docs = crd_docs();
    json_t *input = json_pack("{s:O, s:O}", "schema", crd_schema(json_array_get(docs, 0)),
                              "documents", documents);
    json_decref(docs);
    char path[] = "/tmp/hpac-crd-validate-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(json_dump_file(input, path, JSON_COMPACT), 0);
    json_decref(input);
    char *cmd = hpac_format("'%s' '%s/test/manifests/crd_validate.py' '%s'", python(),
                            HPAC_SOURCE_DIR, path);
    char *out = NULL, *err = NULL;
    int rc = run_command(cmd, &out, &err);
    free(cmd);
    unlink(path);
    if (rc != 0)
        fail_msg("crd_validate.py exited %d: %s", rc, err);
    json_t *results = json_object();
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "ok ", 3)) {
            json_object_set_new(results, line + 3, json_string("ok"));
        } else if (!strncmp(line, "invalid ", 8)) {
            char *colon = strstr(line + 8, ": ");
            assert_non_null(colon);
            *colon = '\0';
            json_object_set_new(results, line + 8, json_string(colon + 2));
        } else {
            fail_msg("crd_validate.py: unexpected line %s", line);
        }
    }
    free(out);
    free(err);
    if (json_object_size(results) != json_array_size(documents))
        fail_msg("crd_validate.py answered %zu of %zu documents", json_object_size(results),
                 json_array_size(documents));
    return results;
}

static void add_doc(json_t *documents, const char *name, json_t *object)
{
    json_array_append_new(documents, json_pack("{s:s, s:o}", "name", name, "object", object));
}

/* The HPAs of manifests/examples, and their Deployments' pods requesting
 * what a Utilization target needs. */
static void test_manifests__examples_validate(void **state)
{
    static const char *const files[] = {"examples/cpu-utilization.yaml",
                                        "examples/external-metric.yaml"};
    json_t *documents = json_array();
    bool saw_behavior = false, saw_external = false, saw_utilization = false;
    for (size_t i = 0; i < N(files); i++) {
        json_t *docs = load_manifest(files[i]);
        size_t hpas = 0, j;
        json_t *doc;
        json_array_foreach(docs, j, doc)
        {
            if (strcmp(str_at(doc, "kind"), "HorizontalPodAutoscaler") != 0)
                continue;
            hpas++;
            assert_string_equal(str_at(doc, "apiVersion"), "hpac.io/v1");
            add_doc(documents, files[i], json_incref(doc));
            /* Its target is in the same file. */
            const char *target = str_at(doc, "spec.scaleTargetRef.name");
            json_t *deploy = must_find(docs, str_at(doc, "spec.scaleTargetRef.kind"), target);
            json_t *metrics = at(doc, "spec.metrics");
            saw_behavior = saw_behavior || at(doc, "spec.behavior.scaleUp.policies") ||
                           at(doc, "spec.behavior.scaleDown.policies");
            for (size_t m = 0; m < json_array_size(metrics); m++) {
                json_t *metric = json_array_get(metrics, m);
                const char *type = str_at(metric, "type");
                saw_external = saw_external || !strcmp(type, "External");
                if (!strcmp(type, "Resource") &&
                    !strcmp(str_at(metric, "resource.target.type"), "Utilization")) {
                    saw_utilization = true;
                    const char *res = str_at(metric, "resource.name");
                    json_t *containers = at(deploy, "spec.template.spec.containers");
                    for (size_t c = 0; c < json_array_size(containers); c++) {
                        json_t *requests = at(json_array_get(containers, c), "resources.requests");
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
    json_t *results = validate(documents);
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
        {"metric-without-type", "{\"metrics\": [{\"resource\": {\"name\": \"cpu\", \"target\":"
                                " {\"type\": \"Utilization\", \"averageUtilization\": 50}}}]}",
         false, false},
        {"unknown-metric-type", "{\"metrics\": [{\"type\": \"Cpu\"}]}", false, false},
        {"utilization-zero", "{\"metrics\": [{\"type\": \"Resource\", \"resource\": {\"name\":"
                             " \"cpu\", \"target\": {\"type\": \"Utilization\","
                             " \"averageUtilization\": 0}}}]}",
         false, false},
        {"bad-target-type", "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
                            " \"qps\"}, \"target\": {\"type\": \"Average\", \"averageValue\":"
                            " \"1\"}}}]}",
         false, false},
        {"quantity-string", "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
                            " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
                            " \"1500m\"}}}]}",
         false, true},
        {"quantity-integer", "{\"metrics\": [{\"type\": \"External\", \"external\": {\"metric\":"
                             " {\"name\": \"q\", \"selector\": {\"matchLabels\": {\"a\": \"b\"},"
                             " \"matchExpressions\": [{\"key\": \"k\", \"operator\": \"In\","
                             " \"values\": [\"x\"]}]}}, \"target\": {\"type\": \"Value\","
                             " \"value\": 30}}}]}",
         false, true},
        {"quantity-float", "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
                           " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
                           " 0.5}}}]}",
         false, false},
        {"quantity-garbage", "{\"metrics\": [{\"type\": \"Pods\", \"pods\": {\"metric\": {\"name\":"
                             " \"qps\"}, \"target\": {\"type\": \"AverageValue\", \"averageValue\":"
                             " \"lots\"}}}]}",
         false, false},
        {"misspelt-field", "{\"maxReplica\": 5}", false, false},
        {"window-too-long", "{\"behavior\": {\"scaleDown\": {\"stabilizationWindowSeconds\": 3601}}}",
         false, false},
        {"window-max", "{\"behavior\": {\"scaleDown\": {\"stabilizationWindowSeconds\": 3600}}}",
         false, true},
        {"bad-select-policy", "{\"behavior\": {\"scaleUp\": {\"selectPolicy\": \"Fastest\"}}}",
         false, false},
        {"period-too-long", "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Pods\","
                            " \"value\": 1, \"periodSeconds\": 1801}]}}}",
         false, false},
        {"policy-value-zero", "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Pods\","
                              " \"value\": 0, \"periodSeconds\": 60}]}}}",
         false, false},
        {"policy-bad-type", "{\"behavior\": {\"scaleUp\": {\"policies\": [{\"type\": \"Replicas\","
                            " \"value\": 1, \"periodSeconds\": 60}]}}}",
         false, false},
        {"tolerance", "{\"behavior\": {\"scaleUp\": {\"tolerance\": \"0.05\"}, \"scaleDown\":"
                      " {\"tolerance\": \"50m\", \"selectPolicy\": \"Disabled\"}}}",
         false, true},
        /* statuses */
        {"status-conditions-only", "{\"conditions\": [{\"type\": \"ScalingActive\", \"status\":"
                                   " \"False\", \"reason\": \"InvalidSpec\", \"message\": \"m\","
                                   " \"lastTransitionTime\": \"2026-11-27T21:35:02Z\"}]}",
         true, true},
        {"status-empty-metric", "{\"currentReplicas\": 2, \"desiredReplicas\": 2,"
                                " \"currentMetrics\": [{}, {\"type\": \"Resource\", \"resource\":"
                                " {\"name\": \"cpu\", \"current\": {\"averageUtilization\": 50,"
                                " \"averageValue\": \"100m\"}}}]}",
         true, true},
        {"status-full", "{\"observedGeneration\": 3, \"lastScaleTime\": \"2026-11-27T21:35:02Z\","
                        " \"currentReplicas\": 1, \"desiredReplicas\": 4, \"currentMetrics\":"
                        " [{\"type\": \"Object\", \"object\": {\"describedObject\": {\"apiVersion\":"
                        " \"networking.k8s.io/v1\", \"kind\": \"Ingress\", \"name\": \"main\"},"
                        " \"metric\": {\"name\": \"hits\"}, \"current\": {\"value\": \"10k\"}}},"
                        " {\"type\": \"ContainerResource\", \"containerResource\": {\"name\":"
                        " \"memory\", \"container\": \"app\", \"current\": {\"averageValue\":"
                        " \"1Gi\"}}}]}",
         true, true},
        {"status-condition-without-status", "{\"conditions\": [{\"type\": \"AbleToScale\"}]}",
         true, false},
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
        add_doc(documents, cases[i].name, obj);
    }
    json_t *results = validate(documents);
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
        json_t *hpa = json_deep_copy(at(c, "objects.hpa"));
        assert_non_null(hpa);
        json_object_set_new(hpa, "apiVersion", json_string("hpac.io/v1"));
        json_object_del(hpa, "status"); /* the corpus's are inputs, often partial */
        const char *base = strrchr(paths[i], '/');
        add_doc(documents, base ? base + 1 : paths[i], hpa);
        json_decref(c);
    }
    json_t *results = validate(documents);
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
        used += (size_t)snprintf(bad + used, used < sizeof(bad) ? sizeof(bad) - used : 0,
                                 "\n  %s: %s", name,
                                 ok ? "accepted, but the API refuses it" : json_string_value(r));
    }
    if (bad[0])
        fail_msg("corpus HPAs the schema judges unlike the API:%s", bad);
    json_decref(results);
    json_decref(documents);
    hpac_test_free_paths(paths, count);
}

/* ---- RBAC -------------------------------------------------------------------- */

static void add_tuple(json_t *set, const char *scope, const char *group, const char *item,
                      const char *verb)
{
    char *key = hpac_format("%s %s %s %s", scope, group[0] ? group : "core", item, verb);
    json_object_set_new(set, key, json_true());
    free(key);
}

/* One (scope, group, resource or URL, verb) per grant of a Role or
 * ClusterRole's rules. */
static void rules_tuples(json_t *role, const char *scope, json_t *set)
{
    size_t i, a, b, c;
    json_t *rule, *g, *r, *v;
    json_array_foreach(json_object_get(role, "rules"), i, rule)
    {
        if (json_object_get(rule, "resourceNames"))
            fail_msg("a rule restricted to resourceNames: lib/access has none");
        json_t *urls = json_object_get(rule, "nonResourceURLs");
        json_array_foreach(json_object_get(rule, "verbs"), c, v)
        {
            json_array_foreach(urls, a, r)
            add_tuple(set, scope, "-", json_string_value(r), json_string_value(v));
            json_array_foreach(json_object_get(rule, "apiGroups"), a, g)
            {
                json_array_foreach(json_object_get(rule, "resources"), b, r)
                add_tuple(set, scope, json_string_value(g), json_string_value(r),
                          json_string_value(v));
            }
        }
    }
}

static json_t *access_tuples(const char *hpa_api)
{
    json_t *set = json_object();
    size_t n = 0;
    const hpac_access_rule *rules = hpac_access_rules(hpa_api, &n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const hpac_access_rule *rule = &rules[i];
        if (rule->scope == HPAC_ACCESS_IMPLICIT)
            continue;
        const char *scope = rule->scope == HPAC_ACCESS_CLUSTER ? "cluster" : "namespace";
        for (size_t v = 0; v < HPAC_ACCESS_LIST_MAX && rule->verbs[v]; v++) {
            for (size_t r = 0; r < HPAC_ACCESS_LIST_MAX && rule->resources[r]; r++)
                add_tuple(set, scope, rule->group, rule->resources[r], rule->verbs[v]);
            for (size_t r = 0; r < HPAC_ACCESS_LIST_MAX && rule->non_resource_urls[r]; r++)
                add_tuple(set, scope, "-", rule->non_resource_urls[r], rule->verbs[v]);
        }
    }
    return set;
}

static void expect_same_grants(json_t *have, json_t *want, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(want, key, v)
    {
        if (!json_object_get(have, key))
            fail_msg("%s lacks the grant \"%s\" that the controller needs", what, key);
    }
    json_object_foreach(have, key, v)
    {
        if (!json_object_get(want, key))
            fail_msg("%s grants \"%s\", which the controller never uses", what, key);
    }
}

static void expect_binding(json_t *binding, const char *role_kind, const char *role_name)
{
    assert_string_equal(str_at(binding, "roleRef.kind"), role_kind);
    assert_string_equal(str_at(binding, "roleRef.name"), role_name);
    assert_string_equal(str_at(binding, "roleRef.apiGroup"), "rbac.authorization.k8s.io");
    json_t *subjects = at(binding, "subjects");
    assert_int_equal(json_array_size(subjects), 1);
    json_t *s = json_array_get(subjects, 0);
    assert_string_equal(str_at(s, "kind"), "ServiceAccount");
    assert_string_equal(str_at(s, "name"), "hpac");
    assert_string_equal(str_at(s, "namespace"), OWN_NAMESPACE);
}

/* The grants of a rendered or listed set of RBAC objects: the ClusterRole
 * hpac and the Role in the controller's namespace, checked to be bound to
 * its ServiceAccount. */
static json_t *granted(json_t *docs, json_t *cluster_role)
{
    json_t *set = json_object();
    must_find(docs, "ServiceAccount", "hpac");
    assert_string_equal(str_at(must_find(docs, "ServiceAccount", "hpac"), "metadata.namespace"),
                        OWN_NAMESPACE);
    expect_binding(must_find(docs, "ClusterRoleBinding", "hpac"), "ClusterRole", "hpac");
    json_t *role = must_find(docs, "Role", "hpac-leader-election");
    assert_string_equal(str_at(role, "metadata.namespace"), OWN_NAMESPACE);
    json_t *rb = must_find(docs, "RoleBinding", "hpac-leader-election");
    assert_string_equal(str_at(rb, "metadata.namespace"), OWN_NAMESPACE);
    expect_binding(rb, "Role", "hpac-leader-election");
    rules_tuples(cluster_role, "cluster", set);
    rules_tuples(role, "namespace", set);
    /* Nothing else grants anything. */
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        const char *kind = str_at(doc, "kind");
        const char *name = str_at(doc, "metadata.name");
        if ((!strcmp(kind, "ClusterRole") || !strcmp(kind, "Role")) && doc != role &&
            strcmp(name, "hpac") != 0)
            fail_msg("an unexpected %s %s", kind, name);
    }
    return set;
}

static void test_manifests__rbac_is_exactly_what_the_code_uses(void **state)
{
    json_t *rbac = load_manifest("rbac.yaml");
    json_t *v2 = load_manifest("rbac-autoscaling-v2.yaml");
    assert_int_equal(json_array_size(v2), 1);

    json_t *have = granted(rbac, must_find(rbac, "ClusterRole", "hpac"));
    json_t *want = access_tuples("hpac.io/v1");
    expect_same_grants(have, want, "rbac.yaml");
    json_decref(have);
    json_decref(want);

    /* The autoscaling/v2 ClusterRole takes the place of rbac.yaml's. */
    have = granted(rbac, must_find(v2, "ClusterRole", "hpac"));
    want = access_tuples("autoscaling/v2");
    expect_same_grants(have, want, "rbac-autoscaling-v2.yaml");
    json_decref(have);
    json_decref(want);
    json_decref(v2);
    json_decref(rbac);
}

/* ---- the Deployment and the Service ---------------------------------------------- */

static json_t *container_of(json_t *deploy)
{
    json_t *containers = at(deploy, "spec.template.spec.containers");
    assert_int_equal(json_array_size(containers), 1);
    return json_array_get(containers, 0);
}

/* The container's args through the real flag parser; returns the value
 * of --hpa-api it leads to. */
static void parse_args(json_t *container, hpac_options *o)
{
    json_t *args = json_object_get(container, "args");
    size_t n = json_array_size(args);
    char **argv = calloc(n + 2, sizeof(*argv));
    assert_non_null(argv);
    argv[0] = "hpac";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)json_string_value(json_array_get(args, i));
    char err[256];
    hpac_options_defaults(o);
    if (hpac_options_parse(o, (int)n + 1, argv, err, sizeof(err)))
        fail_msg("the Deployment's args: %s", err);
    assert_int_equal(o->command, HPAC_CMD_RUN);
    hpac_options_free(o);
    free(argv);
}

static void check_deployment(json_t *deploy)
{
    assert_string_equal(str_at(deploy, "metadata.namespace"), OWN_NAMESPACE);
    assert_int_equal(json_integer_value(at(deploy, "spec.replicas")), 2);
    json_t *pod = at(deploy, "spec.template.spec");
    assert_string_equal(str_at(pod, "serviceAccountName"), "hpac");
    assert_true(json_is_true(at(pod, "securityContext.runAsNonRoot")));
    assert_int_equal(json_integer_value(at(pod, "securityContext.runAsUser")), 65532);
    assert_string_equal(str_at(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
    json_t *c = container_of(deploy);
    assert_true(json_is_true(at(c, "securityContext.runAsNonRoot")));
    assert_int_equal(json_integer_value(at(c, "securityContext.runAsUser")), 65532);
    assert_true(json_is_true(at(c, "securityContext.readOnlyRootFilesystem")));
    assert_true(json_is_false(at(c, "securityContext.allowPrivilegeEscalation")));
    json_t *drop = at(c, "securityContext.capabilities.drop");
    assert_int_equal(json_array_size(drop), 1);
    assert_string_equal(json_string_value(json_array_get(drop, 0)), "ALL");
    assert_null(at(c, "securityContext.capabilities.add"));
    assert_string_equal(str_at(c, "securityContext.seccompProfile.type"), "RuntimeDefault");
    assert_string_equal(str_at(c, "resources.requests.cpu"), "50m");
    assert_string_equal(str_at(c, "resources.requests.memory"), "64Mi");
    assert_string_equal(str_at(c, "resources.limits.memory"), "128Mi");

    /* Probes and the port, by name. */
    json_t *ports = json_object_get(c, "ports");
    assert_int_equal(json_array_size(ports), 1);
    assert_string_equal(str_at(json_array_get(ports, 0), "name"), "metrics");
    assert_int_equal(json_integer_value(at(json_array_get(ports, 0), "containerPort")), 8080);
    assert_string_equal(str_at(c, "livenessProbe.httpGet.path"), "/healthz");
    assert_string_equal(str_at(c, "livenessProbe.httpGet.port"), "metrics");
    assert_string_equal(str_at(c, "readinessProbe.httpGet.path"), "/readyz");
    assert_string_equal(str_at(c, "readinessProbe.httpGet.port"), "metrics");

    /* POD_NAME from the downward API names the replica in Leases. */
    bool pod_name = false;
    size_t i;
    json_t *env;
    json_array_foreach(json_object_get(c, "env"), i, env)
    {
        if (!strcmp(str_at(env, "name"), "POD_NAME"))
            pod_name = !strcmp(str_at(env, "valueFrom.fieldRef.fieldPath"), "metadata.name");
    }
    assert_true(pod_name);

    bool leader_elect = false;
    json_t *arg;
    json_array_foreach(json_object_get(c, "args"), i, arg)
        leader_elect = leader_elect || !strcmp(json_string_value(arg), "--leader-elect=true");
    assert_true(leader_elect);
}

static void test_manifests__deployment_and_service(void **state)
{
    json_t *docs = load_manifest("deployment.yaml");
    json_t *deploy = must_find(docs, "Deployment", "hpac");
    check_deployment(deploy);
    hpac_options o;
    parse_args(container_of(deploy), &o);
    assert_string_equal(o.hpa_api, "hpac.io/v1");
    assert_true(o.leader_elect);
    assert_string_equal(o.metrics_bind_address, ":8080");

    json_t *ns = load_manifest("namespace.yaml");
    must_find(ns, "Namespace", OWN_NAMESPACE);
    json_decref(ns);

    json_t *svc_docs = load_manifest("service.yaml");
    json_t *svc = json_array_get(svc_docs, 0);
    assert_string_equal(str_at(svc, "kind"), "Service");
    assert_string_equal(str_at(svc, "metadata.namespace"), OWN_NAMESPACE);
    json_t *port = json_array_get(at(svc, "spec.ports"), 0);
    assert_int_equal(json_integer_value(json_object_get(port, "port")), 8080);
    assert_string_equal(str_at(port, "targetPort"), "metrics");
    /* The selector picks the Deployment's pods. */
    json_t *sel = at(svc, "spec.selector");
    json_t *labels = at(deploy, "spec.template.metadata.labels");
    assert_true(json_object_size(sel) > 0);
    const char *key;
    json_t *v;
    json_object_foreach(sel, key, v) assert_true(json_equal(json_object_get(labels, key), v));
    json_object_foreach(at(deploy, "spec.selector.matchLabels"), key, v)
        assert_true(json_equal(json_object_get(labels, key), v));
    json_decref(svc_docs);
    json_decref(docs);
}

/* ---- kubectl kustomize ------------------------------------------------------- */

static int kubectl_minor(void)
{
    char *out = NULL;
    int rc = run_command("kubectl version --client -o json", &out, NULL);
    json_t *v = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    free(out);
    const char *minor = v ? str_at(v, "clientVersion.minor") : NULL;
    int m = minor ? atoi(minor) : 0;
    json_decref(v);
    return m;
}

static json_t *kustomize(const char *dir)
{
    char *cmd = hpac_format("kubectl kustomize '%s'", dir);
    char *out = NULL, *err = NULL;
    int rc = run_command(cmd, &out, &err);
    if (rc != 0)
        fail_msg("%s exited %d: %s", cmd, rc, err);
    free(cmd);
    char yerr[512];
    json_t *docs = hpac_yaml_documents(out, strlen(out), yerr, sizeof(yerr));
    if (!docs)
        fail_msg("kubectl kustomize %s printed unreadable YAML: %s", dir, yerr);
    free(out);
    free(err);
    return docs;
}

static char *doc_key(json_t *doc)
{
    return hpac_format("%s/%s/%s", str_at(doc, "kind"),
                       str_at(doc, "metadata.namespace") ? str_at(doc, "metadata.namespace") : "",
                       str_at(doc, "metadata.name"));
}

/* The overlay docs/operators.md shows for --hpa-api autoscaling/v2, kept
 * beside a checkout of hpac (not inside manifests/, which kustomize would
 * refuse as a cycle): rendered and checked like the base. */
static void check_doc_overlay(void)
{
    size_t len = 0;
    char *guide = read_text(HPAC_SOURCE_DIR "/docs/operators.md", &len);
    const char *marker = strstr(guide, "<!-- overlay: autoscaling-v2 -->");
    assert_non_null(marker);
    const char *start = strstr(marker, "```yaml\n");
    assert_non_null(start);
    start += strlen("```yaml\n");
    const char *end = strstr(start, "```");
    assert_non_null(end);
    char dir[] = "/tmp/hpac-overlay-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *link = hpac_format("%s/hpac", dir);
    char *overlay = hpac_format("%s/hpac-autoscaling-v2", dir);
    char *file = hpac_format("%s/kustomization.yaml", overlay);
    assert_int_equal(symlink(HPAC_SOURCE_DIR, link), 0);
    assert_int_equal(mkdir(overlay, 0700), 0);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fwrite(start, 1, (size_t)(end - start), f);
    fclose(f);

    json_t *docs = kustomize(overlay);
    unlink(file);
    rmdir(overlay);
    unlink(link);
    rmdir(dir);
    free(file);
    free(overlay);
    free(link);
    free(guide);

    json_t *have = granted(docs, must_find(docs, "ClusterRole", "hpac"));
    json_t *want = access_tuples("autoscaling/v2");
    expect_same_grants(have, want, "the autoscaling/v2 overlay of docs/operators.md");
    json_t *deploy = must_find(docs, "Deployment", "hpac");
    check_deployment(deploy);
    hpac_options o;
    parse_args(container_of(deploy), &o);
    assert_string_equal(o.hpa_api, "autoscaling/v2");
    json_decref(have);
    json_decref(want);
    json_decref(docs);
}

static void test_manifests__kubectl_kustomize_renders(void **state)
{
    if (!command_exists("kubectl")) {
        fprintf(stderr, "SKIPPED: kubectl is not installed: `kubectl kustomize manifests/` was "
                        "not checked (scripts/install-deps.sh installs kubernetes-client)\n");
        skip();
    }
    json_t *docs = kustomize(MANIFESTS);
    /* Exactly the objects of the files the kustomization lists. */
    json_t *kdocs = load_manifest("kustomization.yaml");
    json_t *k = json_array_get(kdocs, 0);
    json_t *want = json_object();
    size_t i, j;
    json_t *res, *doc;
    json_array_foreach(json_object_get(k, "resources"), i, res)
    {
        json_t *file_docs = load_manifest(json_string_value(res));
        json_array_foreach(file_docs, j, doc)
        {
            char *key = doc_key(doc);
            json_object_set_new(want, key, json_true());
            free(key);
        }
        json_decref(file_docs);
    }
    assert_int_equal(json_array_size(docs), json_object_size(want));
    json_array_foreach(docs, i, doc)
    {
        char *key = doc_key(doc);
        if (!json_object_get(want, key))
            fail_msg("kubectl kustomize rendered %s, which no listed file holds", key);
        free(key);
    }
    json_t *have = granted(docs, must_find(docs, "ClusterRole", "hpac"));
    json_t *grants = access_tuples("hpac.io/v1");
    expect_same_grants(have, grants, "the rendered manifests");
    json_t *deploy = must_find(docs, "Deployment", "hpac");
    check_deployment(deploy);
    json_t *image = json_array_get(json_object_get(k, "images"), 0);
    char *want_image = hpac_format("%s:%s", str_at(image, "newName"), str_at(image, "newTag"));
    assert_string_equal(str_at(container_of(deploy), "image"), want_image);
    free(want_image);
    json_decref(grants);
    json_decref(have);
    json_decref(want);
    json_decref(kdocs);
    json_decref(docs);

    /* The overlay uses inline patches, which kustomize has read since the
     * one in kubectl 1.21. */
    int minor = kubectl_minor();
    if (minor < 21) {
        fprintf(stderr, "SKIPPED (part): kubectl 1.%d cannot render the autoscaling/v2 overlay "
                        "of docs/operators.md (inline patches need kubectl 1.21+)\n",
                minor);
        return;
    }
    check_doc_overlay();
}

/* ---- the Dockerfile ----------------------------------------------------------- */

static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        bool before = p == text || strchr(" \n\t\"", p[-1]) != NULL;
        bool after = p[n] == '\0' || strchr(" \n\\\"", p[n]) != NULL;
        if (before && after)
            return true;
    }
    return false;
}

static void test_manifests__dockerfile(void **state)
{
    char *df = read_text(HPAC_SOURCE_DIR "/Dockerfile", NULL);
    char *deps = read_text(HPAC_SOURCE_DIR "/scripts/install-deps.sh", NULL);
    assert_non_null(strstr(df, "FROM debian:12 AS build"));
    assert_non_null(strstr(df, "\nFROM debian:12-slim\n"));
    assert_non_null(strstr(df, "-DHPAC_TESTS=OFF"));
    assert_non_null(strstr(df, "\nUSER 65532:65532\n"));
    assert_non_null(strstr(df, "\nENTRYPOINT [\"/usr/local/bin/hpac\"]"));
    /* The build packages are install-deps.sh's. */
    static const char *const build[] = {"build-essential",      "cmake",          "pkg-config",
                                        "libcurl4-openssl-dev", "libjansson-dev", "libev-dev",
                                        "libyaml-dev",          "libmicrohttpd-dev"};
    for (size_t i = 0; i < N(build); i++) {
        if (!has_word(df, build[i]) || !has_word(deps, build[i]))
            fail_msg("%s: not in both the Dockerfile and install-deps.sh", build[i]);
    }
    /* The runtime half: the shared libraries those -dev packages stand for. */
    const char *runtime = strstr(df, "FROM debian:12-slim");
    static const char *const libs[] = {"libcurl4", "libjansson4", "libev4", "libyaml-0-2",
                                       "libmicrohttpd12"};
    for (size_t i = 0; i < N(libs); i++) {
        if (!has_word(runtime, libs[i]))
            fail_msg("the runtime image lacks %s", libs[i]);
    }
    assert_null(strstr(runtime, "-dev"));
    free(deps);
    free(df);
}

/* ---- the operators' guide ------------------------------------------------------ */

static void test_manifests__operators_guide(void **state)
{
    char *guide = read_text(HPAC_SOURCE_DIR "/docs/operators.md", NULL);
    /* Every flag --help prints. */
    const char *usage = hpac_options_usage();
    size_t flags = 0;
    for (const char *p = strstr(usage, "\n  --"); p; p = strstr(p + 1, "\n  --")) {
        char name[96];
        size_t n = 0;
        for (const char *s = p + 3; *s && *s != ' ' && *s != '\n' && n + 1 < sizeof(name); s++)
            name[n++] = *s;
        name[n] = '\0';
        char *quoted = hpac_format("`%s`", name);
        if (!strstr(guide, quoted))
            fail_msg("docs/operators.md does not document %s", name);
        free(quoted);
        flags++;
    }
    assert_true(flags >= 20);
    /* Every condition reason the controller writes. */
    static const char *const reasons[] = {
        "SucceededGetScale",  "FailedGetScale",
        "SucceededRescale",   "FailedUpdateScale",
        "ReadyForNewScale",   "ScaleUpStabilized",
        "ScaleDownStabilized", "ValidMetricFound",
        "InvalidSelector",    "AmbiguousSelector",
        "FailedGetResourceMetric", "FailedGetContainerResourceMetric",
        "FailedGetPodsMetric", "FailedGetObjectMetric",
        "FailedGetExternalMetric", "InvalidMetricSourceType",
        "ScalingDisabled",    "InvalidSpec",
        "DesiredWithinRange", "TooFewReplicas",
        "TooManyReplicas",    "ScaleUpLimit",
        "ScaleDownLimit",
    };
    for (size_t i = 0; i < N(reasons); i++) {
        char *quoted = hpac_format("`%s`", reasons[i]);
        if (!strstr(guide, quoted))
            fail_msg("docs/operators.md does not explain the reason %s", reasons[i]);
        free(quoted);
    }
    free(guide);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifests__every_manifest_parses),
        cmocka_unit_test(test_manifests__crd_identity),
        cmocka_unit_test(test_manifests__crd_schema_is_structural),
        cmocka_unit_test(test_manifests__crd_schema_covers_autoscaling_v2),
        cmocka_unit_test(test_manifests__crd_validation_matches_the_api),
        cmocka_unit_test(test_manifests__examples_validate),
        cmocka_unit_test(test_manifests__schema_accepts_and_refuses),
        cmocka_unit_test(test_manifests__corpus_hpas_validate),
        cmocka_unit_test(test_manifests__rbac_is_exactly_what_the_code_uses),
        cmocka_unit_test(test_manifests__deployment_and_service),
        cmocka_unit_test(test_manifests__kubectl_kustomize_renders),
        cmocka_unit_test(test_manifests__dockerfile),
        cmocka_unit_test(test_manifests__operators_guide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
