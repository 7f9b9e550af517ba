/* The deployment manifests against the code: every file parses; the RBAC
 * rules are exactly lib/access's; the Deployment's arguments pass the real
 * flag parser and it is hardened as promised; kubectl renders the
 * kustomization (and the guide's autoscaling/v2 overlay); the Dockerfile
 * and the operators' guide say what the code does. */
#include "test_support.h"

#include "access/access.h"
#include "controller/options.h"
#include "manifests_support.h"
#include "util/strutil.h"
#include "util/yaml_json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        json_t *docs = hpac_test_load_yaml(path);
        if (json_array_size(docs) == 0)
            fail_msg("%s: no documents", path);
        size_t j;
        json_t *doc;
        json_array_foreach(docs, j, doc)
        {
            const char *api = hpac_test_str_at(doc, "apiVersion");
            const char *kind = hpac_test_str_at(doc, "kind");
            if (!api || !kind)
                fail_msg("%s: document %zu lacks apiVersion or kind", path, j);
            if (strcmp(kind, "Kustomization") != 0 && !hpac_test_str_at(doc, "metadata.name"))
                fail_msg("%s: %s without metadata.name", path, kind);
        }
        json_decref(docs);
    }
    json_decref(paths);
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
                json_array_foreach(json_object_get(rule, "resources"), b, r) add_tuple(
                    set, scope, json_string_value(g), json_string_value(r), json_string_value(v));
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
    assert_string_equal(hpac_test_str_at(binding, "roleRef.kind"), role_kind);
    assert_string_equal(hpac_test_str_at(binding, "roleRef.name"), role_name);
    assert_string_equal(hpac_test_str_at(binding, "roleRef.apiGroup"), "rbac.authorization.k8s.io");
    json_t *subjects = hpac_test_at(binding, "subjects");
    assert_int_equal(json_array_size(subjects), 1);
    json_t *s = json_array_get(subjects, 0);
    assert_string_equal(hpac_test_str_at(s, "kind"), "ServiceAccount");
    assert_string_equal(hpac_test_str_at(s, "name"), "hpac");
    assert_string_equal(hpac_test_str_at(s, "namespace"), OWN_NAMESPACE);
}

/* The grants of a rendered or listed set of RBAC objects: the ClusterRole
 * hpac and the Role in the controller's namespace, checked to be bound to
 * its ServiceAccount. */
static json_t *granted(json_t *docs, json_t *cluster_role)
{
    json_t *set = json_object();
    hpac_test_must_find(docs, "ServiceAccount", "hpac");
    assert_string_equal(
        hpac_test_str_at(hpac_test_must_find(docs, "ServiceAccount", "hpac"), "metadata.namespace"),
        OWN_NAMESPACE);
    expect_binding(hpac_test_must_find(docs, "ClusterRoleBinding", "hpac"), "ClusterRole", "hpac");
    json_t *role = hpac_test_must_find(docs, "Role", "hpac-leader-election");
    assert_string_equal(hpac_test_str_at(role, "metadata.namespace"), OWN_NAMESPACE);
    json_t *rb = hpac_test_must_find(docs, "RoleBinding", "hpac-leader-election");
    assert_string_equal(hpac_test_str_at(rb, "metadata.namespace"), OWN_NAMESPACE);
    expect_binding(rb, "Role", "hpac-leader-election");
    rules_tuples(cluster_role, "cluster", set);
    rules_tuples(role, "namespace", set);
    /* Nothing else grants anything. */
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        const char *kind = hpac_test_str_at(doc, "kind");
        const char *name = hpac_test_str_at(doc, "metadata.name");
        if ((!strcmp(kind, "ClusterRole") || !strcmp(kind, "Role")) && doc != role &&
            strcmp(name, "hpac") != 0)
            fail_msg("an unexpected %s %s", kind, name);
    }
    return set;
}

static void test_manifests__rbac_is_exactly_what_the_code_uses(void **state)
{
    json_t *rbac = hpac_test_load_manifest("rbac.yaml");
    json_t *v2 = hpac_test_load_manifest("rbac-autoscaling-v2.yaml");
    assert_int_equal(json_array_size(v2), 1);

    json_t *have = granted(rbac, hpac_test_must_find(rbac, "ClusterRole", "hpac"));
    json_t *want = access_tuples("hpac.io/v1");
    expect_same_grants(have, want, "rbac.yaml");
    json_decref(have);
    json_decref(want);

    /* The autoscaling/v2 ClusterRole takes the place of rbac.yaml's. */
    have = granted(rbac, hpac_test_must_find(v2, "ClusterRole", "hpac"));
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
    json_t *containers = hpac_test_at(deploy, "spec.template.spec.containers");
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
    assert_string_equal(hpac_test_str_at(deploy, "metadata.namespace"), OWN_NAMESPACE);
    assert_int_equal(json_integer_value(hpac_test_at(deploy, "spec.replicas")), 2);
    json_t *pod = hpac_test_at(deploy, "spec.template.spec");
    assert_string_equal(hpac_test_str_at(pod, "serviceAccountName"), "hpac");
    assert_true(json_is_true(hpac_test_at(pod, "securityContext.runAsNonRoot")));
    assert_int_equal(json_integer_value(hpac_test_at(pod, "securityContext.runAsUser")), 65532);
    assert_string_equal(hpac_test_str_at(pod, "securityContext.seccompProfile.type"),
                        "RuntimeDefault");
    json_t *c = container_of(deploy);
    assert_true(json_is_true(hpac_test_at(c, "securityContext.runAsNonRoot")));
    assert_int_equal(json_integer_value(hpac_test_at(c, "securityContext.runAsUser")), 65532);
    assert_true(json_is_true(hpac_test_at(c, "securityContext.readOnlyRootFilesystem")));
    assert_true(json_is_false(hpac_test_at(c, "securityContext.allowPrivilegeEscalation")));
    json_t *drop = hpac_test_at(c, "securityContext.capabilities.drop");
    assert_int_equal(json_array_size(drop), 1);
    assert_string_equal(json_string_value(json_array_get(drop, 0)), "ALL");
    assert_null(hpac_test_at(c, "securityContext.capabilities.add"));
    assert_string_equal(hpac_test_str_at(c, "securityContext.seccompProfile.type"),
                        "RuntimeDefault");
    assert_string_equal(hpac_test_str_at(c, "resources.requests.cpu"), "50m");
    assert_string_equal(hpac_test_str_at(c, "resources.requests.memory"), "64Mi");
    assert_string_equal(hpac_test_str_at(c, "resources.limits.memory"), "128Mi");

    /* Probes and the port, by name. */
    json_t *ports = json_object_get(c, "ports");
    assert_int_equal(json_array_size(ports), 1);
    assert_string_equal(hpac_test_str_at(json_array_get(ports, 0), "name"), "metrics");
    assert_int_equal(json_integer_value(hpac_test_at(json_array_get(ports, 0), "containerPort")),
                     8080);
    assert_string_equal(hpac_test_str_at(c, "livenessProbe.httpGet.path"), "/healthz");
    assert_string_equal(hpac_test_str_at(c, "livenessProbe.httpGet.port"), "metrics");
    assert_string_equal(hpac_test_str_at(c, "readinessProbe.httpGet.path"), "/readyz");
    assert_string_equal(hpac_test_str_at(c, "readinessProbe.httpGet.port"), "metrics");

    /* POD_NAME from the downward API names the replica in Leases. */
    bool pod_name = false;
    size_t i;
    json_t *env;
    json_array_foreach(json_object_get(c, "env"), i, env)
    {
        if (!strcmp(hpac_test_str_at(env, "name"), "POD_NAME"))
            pod_name =
                !strcmp(hpac_test_str_at(env, "valueFrom.fieldRef.fieldPath"), "metadata.name");
    }
    assert_true(pod_name);

    bool leader_elect = false;
    json_t *arg;
    json_array_foreach(json_object_get(c, "args"), i, arg) leader_elect =
        leader_elect || !strcmp(json_string_value(arg), "--leader-elect=true");
    assert_true(leader_elect);
}

static void test_manifests__deployment_and_service(void **state)
{
    json_t *docs = hpac_test_load_manifest("deployment.yaml");
    json_t *deploy = hpac_test_must_find(docs, "Deployment", "hpac");
    check_deployment(deploy);
    hpac_options o;
    parse_args(container_of(deploy), &o);
    assert_string_equal(o.hpa_api, "hpac.io/v1");
    assert_true(o.leader_elect);
    assert_string_equal(o.metrics_bind_address, ":8080");

    json_t *ns = hpac_test_load_manifest("namespace.yaml");
    hpac_test_must_find(ns, "Namespace", OWN_NAMESPACE);
    json_decref(ns);

    json_t *svc_docs = hpac_test_load_manifest("service.yaml");
    json_t *svc = json_array_get(svc_docs, 0);
    assert_string_equal(hpac_test_str_at(svc, "kind"), "Service");
    assert_string_equal(hpac_test_str_at(svc, "metadata.namespace"), OWN_NAMESPACE);
    json_t *port = json_array_get(hpac_test_at(svc, "spec.ports"), 0);
    assert_int_equal(json_integer_value(json_object_get(port, "port")), 8080);
    assert_string_equal(hpac_test_str_at(port, "targetPort"), "metrics");
    /* The selector picks the Deployment's pods. */
    json_t *sel = hpac_test_at(svc, "spec.selector");
    json_t *labels = hpac_test_at(deploy, "spec.template.metadata.labels");
    assert_true(json_object_size(sel) > 0);
    const char *key;
    json_t *v;
    json_object_foreach(sel, key, v) assert_true(json_equal(json_object_get(labels, key), v));
    json_object_foreach(hpac_test_at(deploy, "spec.selector.matchLabels"), key, v)
        assert_true(json_equal(json_object_get(labels, key), v));
    json_decref(svc_docs);
    json_decref(docs);
}

/* ---- kubectl kustomize ------------------------------------------------------- */

static int kubectl_minor(void)
{
    char *out = NULL;
    int rc = hpac_test_run("kubectl version --client -o json", &out, NULL);
    json_t *v = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    free(out);
    const char *minor = v ? hpac_test_str_at(v, "clientVersion.minor") : NULL;
    int m = minor ? atoi(minor) : 0;
    json_decref(v);
    return m;
}

static json_t *kustomize(const char *dir)
{
    char *cmd = hpac_format("kubectl kustomize '%s'", dir);
    char *out = NULL, *err = NULL;
    int rc = hpac_test_run(cmd, &out, &err);
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
    return hpac_format("%s/%s/%s", hpac_test_str_at(doc, "kind"),
                       hpac_test_str_at(doc, "metadata.namespace")
                           ? hpac_test_str_at(doc, "metadata.namespace")
                           : "",
                       hpac_test_str_at(doc, "metadata.name"));
}

/* The overlay README.md shows for --hpa-api autoscaling/v2, kept
 * beside a checkout of hpac (not inside manifests/, which kustomize would
 * refuse as a cycle): rendered and checked like the base. */
static void check_doc_overlay(void)
{
    size_t len = 0;
    char *guide = hpac_test_read_text(HPAC_SOURCE_DIR "/README.md", &len);
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

    json_t *have = granted(docs, hpac_test_must_find(docs, "ClusterRole", "hpac"));
    json_t *want = access_tuples("autoscaling/v2");
    expect_same_grants(have, want, "the autoscaling/v2 overlay of README.md");
    json_t *deploy = hpac_test_must_find(docs, "Deployment", "hpac");
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
    if (!hpac_test_command_exists("kubectl")) {
        fprintf(stderr, "SKIPPED: kubectl is not installed: `kubectl kustomize manifests/` was "
                        "not checked (scripts/install-deps.sh installs kubernetes-client)\n");
        skip();
    }
    json_t *docs = kustomize(MANIFESTS);
    /* Exactly the objects of the files the kustomization lists. */
    json_t *kdocs = hpac_test_load_manifest("kustomization.yaml");
    json_t *k = json_array_get(kdocs, 0);
    json_t *want = json_object();
    size_t i, j;
    json_t *res, *doc;
    json_array_foreach(json_object_get(k, "resources"), i, res)
    {
        json_t *file_docs = hpac_test_load_manifest(json_string_value(res));
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
    json_t *have = granted(docs, hpac_test_must_find(docs, "ClusterRole", "hpac"));
    json_t *grants = access_tuples("hpac.io/v1");
    expect_same_grants(have, grants, "the rendered manifests");
    json_t *deploy = hpac_test_must_find(docs, "Deployment", "hpac");
    check_deployment(deploy);
    json_t *image = json_array_get(json_object_get(k, "images"), 0);
    char *want_image =
        hpac_format("%s:%s", hpac_test_str_at(image, "newName"), hpac_test_str_at(image, "newTag"));
    assert_string_equal(hpac_test_str_at(container_of(deploy), "image"), want_image);
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
        fprintf(stderr,
                "SKIPPED (part): kubectl 1.%d cannot render the autoscaling/v2 overlay "
                "of README.md (inline patches need kubectl 1.21+)\n",
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
    char *df = hpac_test_read_text(HPAC_SOURCE_DIR "/Dockerfile", NULL);
    char *deps = hpac_test_read_text(HPAC_SOURCE_DIR "/scripts/install-deps.sh", NULL);
    assert_non_null(strstr(df, "FROM debian:12 AS build"));
    assert_non_null(strstr(df, "\nFROM debian:12-slim\n"));
    assert_non_null(strstr(df, "-DHPAC_TESTS=OFF"));
    assert_non_null(strstr(df, "\nUSER 65532:65532\n"));
    assert_non_null(strstr(df, "\nENTRYPOINT [\"/usr/local/bin/hpac\"]"));
    /* The build packages are install-deps.sh's. */
    static const char *const build[] = {
        "build-essential", "cmake",     "pkg-config",  "libcurl4-openssl-dev",
        "libjansson-dev",  "libev-dev", "libyaml-dev", "libmicrohttpd-dev",
        "libjemalloc-dev", "libyajl-dev"};
    for (size_t i = 0; i < N(build); i++) {
        if (!has_word(df, build[i]) || !has_word(deps, build[i]))
            fail_msg("%s: not in both the Dockerfile and install-deps.sh", build[i]);
    }
    /* The runtime half: the shared libraries those -dev packages stand for. */
    const char *runtime = strstr(df, "FROM debian:12-slim");
    static const char *const libs[] = {"libcurl4",        "libjansson4",  "libev4",  "libyaml-0-2",
                                       "libmicrohttpd12", "libjemalloc2", "libyajl2"};
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
    char *guide = hpac_test_read_text(HPAC_SOURCE_DIR "/README.md", NULL);
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
            fail_msg("README.md does not document %s", name);
        free(quoted);
        flags++;
    }
    assert_true(flags >= 20);
    /* Every condition reason the controller writes. */
    static const char *const reasons[] = {
        "SucceededGetScale",       "FailedGetScale",
        "SucceededRescale",        "FailedUpdateScale",
        "ReadyForNewScale",        "ScaleUpStabilized",
        "ScaleDownStabilized",     "ValidMetricFound",
        "InvalidSelector",         "AmbiguousSelector",
        "FailedGetResourceMetric", "FailedGetContainerResourceMetric",
        "FailedGetPodsMetric",     "FailedGetObjectMetric",
        "FailedGetExternalMetric", "InvalidMetricSourceType",
        "ScalingDisabled",         "InvalidSpec",
        "DesiredWithinRange",      "TooFewReplicas",
        "TooManyReplicas",         "ScaleUpLimit",
        "ScaleDownLimit",
    };
    for (size_t i = 0; i < N(reasons); i++) {
        char *quoted = hpac_format("`%s`", reasons[i]);
        if (!strstr(guide, quoted))
            fail_msg("README.md does not explain the reason %s", reasons[i]);
        free(quoted);
    }
    free(guide);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifests__every_manifest_parses),
        cmocka_unit_test(test_manifests__rbac_is_exactly_what_the_code_uses),
        cmocka_unit_test(test_manifests__deployment_and_service),
        cmocka_unit_test(test_manifests__kubectl_kustomize_renders),
        cmocka_unit_test(test_manifests__dockerfile),
        cmocka_unit_test(test_manifests__operators_guide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
