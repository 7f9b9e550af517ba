/* kubeconfig loading, in-cluster configuration and --master. */
#include "kube/kubeconfig.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    fclose(fp);
}

static int group_setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/hpac-kubeconfig-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- kubeconfig table ---- */

typedef struct want {
    const char *server;
    const char *ca_file;   /* "@/x" means dir + "/x" */
    const char *ca_pem;
    const char *cert_file;
    const char *cert_pem;
    const char *key_file;
    const char *key_pem;
    const char *token;
    const char *token_file;
    const char *namespace;
    bool insecure;
} kc_want;

typedef struct kc_case {
    const char *name;
    const char *yaml;
    const char *context;
    const char *error; /* substring after "<file>: "; NULL: success */
    kc_want want;
} kc_case;

#define HEAD                                                                                       \
    "apiVersion: v1\n"                                                                             \
    "kind: Config\n"

static const kc_case cases[] = {
    {"inline data",
     HEAD "clusters:\n"
          "- name: c1\n"
          "  cluster:\n"
          "    server: https://10.0.0.1:6443\n"
          "    certificate-authority-data: aGVsbG8=\n"
          "contexts:\n"
          "- name: ctx\n"
          "  context: {cluster: c1, user: u1, namespace: team-a}\n"
          "current-context: ctx\n"
          "users:\n"
          "- name: u1\n"
          "  user:\n"
          "    client-certificate-data: Y2VydA==\n"
          "    client-key-data: a2V5\n",
     NULL,
     NULL,
     {.server = "https://10.0.0.1:6443",
      .ca_pem = "hello",
      .cert_pem = "cert",
      .key_pem = "key",
      .namespace = "team-a"}},
    {"files relative to the kubeconfig, absolute kept",
     HEAD "clusters:\n"
          "- name: c1\n"
          "  cluster:\n"
          "    server: https://example.com:443/\n"
          "    certificate-authority: certs/ca.crt\n"
          "contexts:\n"
          "- name: ctx\n"
          "  context:\n"
          "    cluster: c1\n"
          "    user: u1\n"
          "current-context: ctx\n"
          "users:\n"
          "- name: u1\n"
          "  user:\n"
          "    client-certificate: client.crt\n"
          "    client-key: /etc/keys/client.key\n"
          "    tokenFile: ./token\n",
     NULL,
     NULL,
     {.server = "https://example.com:443",
      .ca_file = "@/certs/ca.crt",
      .cert_file = "@/client.crt",
      .key_file = "/etc/keys/client.key",
      .token_file = "@/./token"}},
    {"explicit context over current-context, token, insecure",
     HEAD "clusters:\n"
          "- name: a\n"
          "  cluster: {server: 'https://a:1'}\n"
          "- name: b\n"
          "  cluster:\n"
          "    server: http://b:8080\n"
          "    insecure-skip-tls-verify: true\n"
          "contexts:\n"
          "- {name: first, context: {cluster: a, user: ua}}\n"
          "- {name: second, context: {cluster: b, user: ub}}\n"
          "current-context: first\n"
          "users:\n"
          "- {name: ua, user: {token: aaa}}\n"
          "- {name: ub, user: {token: \"bbb\"}}\n",
     "second",
     NULL,
     {.server = "http://b:8080", .token = "bbb", .insecure = true}},
    {"a context without a user",
     HEAD "clusters: [{name: a, cluster: {server: 'a.example:6443'}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     NULL,
     {.server = "https://a.example:6443"}},
    {"missing context",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     "nope",
     "context \"nope\" not found", {0}},
    {"current-context names a missing context",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: gone\n",
     NULL,
     "context \"gone\" not found", {0}},
    {"no current-context",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n",
     NULL,
     "current-context is not set", {0}},
    {"missing user",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a, user: u2}}]\n"
          "users: [{name: u1, user: {token: t}}]\n"
          "current-context: x\n",
     NULL,
     "contexts[0].context.user: user \"u2\" not found", {0}},
    {"missing cluster",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: w, context: {cluster: a}}, {name: x, context: {cluster: zz}}]\n"
          "current-context: x\n",
     NULL,
     "contexts[1].context.cluster: cluster \"zz\" not found", {0}},
    {"bad base64",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a, user: u2}}]\n"
          "users:\n"
          "- {name: u1, user: {token: t}}\n"
          "- name: u2\n"
          "  user:\n"
          "    client-certificate-data: '!!notbase64'\n"
          "    client-key-data: a2V5\n"
          "current-context: x\n",
     NULL,
     "users[1].user.client-certificate-data: invalid base64", {0}},
    {"base64 without padding",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a', certificate-authority-data: "
          "aGVsbG8}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters[0].cluster.certificate-authority-data: invalid base64", {0}},
    {"bad YAML",
     HEAD "clusters: [\n  - name: a\n",
     NULL,
     "invalid YAML at line", {0}},
    {"not a mapping",
     "- just\n- a list\n",
     NULL,
     "expected a mapping at the top level", {0}},
    {"clusters not a list",
     HEAD "clusters: {name: a}\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters: expected a list", {0}},
    {"server missing",
     HEAD "clusters: [{name: a, cluster: {certificate-authority-data: aGVsbG8=}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters[0].cluster.server: missing", {0}},
    {"unsupported scheme",
     HEAD "clusters: [{name: a, cluster: {server: 'ftp://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters[0].cluster.server: server address ftp://a: only http and https", {0}},
    {"insecure with a CA",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a', insecure-skip-tls-verify: true, "
          "certificate-authority: ca.crt}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters[0].cluster: specifying a root certificates file with the insecure flag", {0}},
    {"insecure not a boolean",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a', insecure-skip-tls-verify: "
          "maybe}}]\n"
          "contexts: [{name: x, context: {cluster: a}}]\n"
          "current-context: x\n",
     NULL,
     "clusters[0].cluster.insecure-skip-tls-verify: expected true or false", {0}},
    {"exec plugin",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a, user: u}}]\n"
          "users: [{name: u, user: {exec: {command: aws}}}]\n"
          "current-context: x\n",
     NULL,
     "users[0].user.exec: not supported", {0}},
    {"certificate without key",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a, user: u}}]\n"
          "users: [{name: u, user: {client-certificate: c.crt}}]\n"
          "current-context: x\n",
     NULL,
     "users[0].user: client-certificate without client-key", {0}},
    {"token not a string",
     HEAD "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
          "contexts: [{name: x, context: {cluster: a, user: u}}]\n"
          "users: [{name: u, user: {token: [1, 2]}}]\n"
          "current-context: x\n",
     NULL,
     "users[0].user.token: expected a string", {0}},
};

static void check_field(const char *what, const char *got, const char *want_value)
{
    char resolved[512];
    if (want_value && want_value[0] == '@') {
        snprintf(resolved, sizeof(resolved), "%s%s", dir, want_value + 1);
        want_value = resolved;
    }
    if (!want_value && !got)
        return;
    if (!want_value || !got || strcmp(got, want_value) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)",
                 want_value ? want_value : "(null)");
}

static void test_kubeconfig__table(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const kc_case *c = &cases[i];
        char path[512];
        snprintf(path, sizeof(path), "%s/config-%zu", dir, i);
        write_file(path, c->yaml);

        hpac_kube_config cfg = {0};
        char err[512] = "";
        int rc = hpac_kubeconfig_load(path, c->context, &cfg, err, sizeof(err));
        if (c->error) {
            if (rc == 0)
                fail_msg("%s: loaded, want error \"%s\"", c->name, c->error);
            char prefix[600];
            snprintf(prefix, sizeof(prefix), "%s: ", path);
            if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, c->error))
                fail_msg("%s: error \"%s\", want \"%s%s\"", c->name, err, prefix, c->error);
            assert_null(cfg.server);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", c->name, err);
        check_field("server", cfg.server, c->want.server);
        check_field("ca_file", cfg.ca_file, c->want.ca_file);
        check_field("ca_pem", cfg.ca_pem, c->want.ca_pem);
        check_field("cert_file", cfg.cert_file, c->want.cert_file);
        check_field("cert_pem", cfg.cert_pem, c->want.cert_pem);
        check_field("key_file", cfg.key_file, c->want.key_file);
        check_field("key_pem", cfg.key_pem, c->want.key_pem);
        check_field("token", cfg.token, c->want.token);
        check_field("token_file", cfg.token_file, c->want.token_file);
        check_field("namespace", cfg.namespace, c->want.namespace);
        assert_int_equal(cfg.insecure_skip_verify, c->want.insecure);
        if (c->want.ca_pem)
            assert_int_equal(cfg.ca_pem_len, strlen(c->want.ca_pem));
        if (c->want.cert_pem)
            assert_int_equal(cfg.cert_pem_len, strlen(c->want.cert_pem));

        /* A deep copy is equal and independent. */
        hpac_kube_config copy;
        assert_int_equal(hpac_kube_config_copy(&cfg, &copy), 0);
        check_field("copy server", copy.server, c->want.server);
        assert_ptr_not_equal(copy.server, cfg.server);
        hpac_kube_config_clear(&cfg);
        assert_null(cfg.server);
        check_field("copy namespace", copy.namespace, c->want.namespace);
        hpac_kube_config_clear(&copy);
    }
}

static void test_kubeconfig__missing_file(void **state)
{
    hpac_kube_config cfg = {0};
    char err[512];
    char path[512];
    snprintf(path, sizeof(path), "%s/does-not-exist", dir);
    assert_int_equal(hpac_kubeconfig_load(path, NULL, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));
}

static void test_kubeconfig__base64_decoding(void **state)
{
    static const struct {
        const char *yaml;    /* as written inside a double-quoted YAML string */
        const char *decoded; /* NULL: invalid */
    } b64[] = {
        {"aGVsbG8=", "hello"},
        {"aGVs\\nbG8=", "hello"}, /* line breaks are ignored */
        {"aGk=", "hi"},
        {"YWJj", "abc"},
        {"", ""}, /* empty: no CA */
        {"aGk", NULL},
        {"a===", NULL},
        {"aG=k", NULL},
        {"aGk*", NULL},
        {"aGVsbG8=\\t", NULL},
    };
    for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
        char yaml[512], path[512], err[512];
        snprintf(yaml, sizeof(yaml),
                 "clusters: [{name: a, cluster: {server: 'https://a', "
                 "certificate-authority-data: \"%s\"}}]\n"
                 "contexts: [{name: x, context: {cluster: a}}]\ncurrent-context: x\n",
                 b64[i].yaml);
        snprintf(path, sizeof(path), "%s/b64-%zu", dir, i);
        write_file(path, yaml);
        hpac_kube_config cfg = {0};
        int rc = hpac_kubeconfig_load(path, NULL, &cfg, err, sizeof(err));
        if (b64[i].decoded && !b64[i].decoded[0]) {
            assert_int_equal(rc, 0);
            assert_null(cfg.ca_pem);
        } else if (b64[i].decoded) {
            if (rc != 0)
                fail_msg("%s: %s", b64[i].yaml, err);
            assert_string_equal(cfg.ca_pem, b64[i].decoded);
            assert_int_equal(cfg.ca_pem_len, strlen(b64[i].decoded));
        } else {
            if (rc == 0)
                fail_msg("%s: accepted", b64[i].yaml);
            assert_non_null(strstr(err, "invalid base64"));
        }
        hpac_kube_config_clear(&cfg);
    }
}

/* ---- in-cluster ---- */

static void make_sa_dir(const char *sub, const char *token, const char *ns, bool ca)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    mkdir(path, 0700);
    if (token) {
        snprintf(path, sizeof(path), "%s/%s/token", dir, sub);
        write_file(path, token);
    }
    if (ns) {
        snprintf(path, sizeof(path), "%s/%s/namespace", dir, sub);
        write_file(path, ns);
    }
    if (ca) {
        snprintf(path, sizeof(path), "%s/%s/ca.crt", dir, sub);
        write_file(path, "-----BEGIN CERTIFICATE-----\n");
    }
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    setenv("HPAC_SERVICEACCOUNT_DIR", path, 1);
}

static void test_kubeconfig__in_cluster(void **state)
{
    hpac_kube_config cfg = {0};
    char err[512];

    make_sa_dir("sa1", "tok-123\n", "kube-system\n", true);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    assert_int_equal(hpac_kube_config_in_cluster(&cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.server, "https://10.96.0.1:443");
    char want[512];
    snprintf(want, sizeof(want), "%s/sa1/token", dir);
    assert_string_equal(cfg.token_file, want);
    snprintf(want, sizeof(want), "%s/sa1/ca.crt", dir);
    assert_string_equal(cfg.ca_file, want);
    assert_string_equal(cfg.namespace, "kube-system");
    assert_null(cfg.token);
    hpac_kube_config_clear(&cfg);

    /* IPv6 service address; no namespace file, no CA. */
    make_sa_dir("sa2", "tok", NULL, false);
    setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
    assert_int_equal(hpac_kube_config_in_cluster(&cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.server, "https://[fd00:10:96::1]:6443");
    assert_null(cfg.namespace);
    assert_null(cfg.ca_file);
    hpac_kube_config_clear(&cfg);

    /* Empty token. */
    make_sa_dir("sa3", " \n", NULL, true);
    assert_int_equal(hpac_kube_config_in_cluster(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty token"));
    assert_null(cfg.server);

    /* No token at all. */
    make_sa_dir("sa4", NULL, NULL, true);
    assert_int_equal(hpac_kube_config_in_cluster(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/sa4/token"));

    /* Not in a cluster. */
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(hpac_kube_config_in_cluster(&cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
                             "and KUBERNETES_SERVICE_PORT must be defined");
    unsetenv("KUBERNETES_SERVICE_PORT");
    unsetenv("HPAC_SERVICEACCOUNT_DIR");
}

/* ---- --master ---- */

static void test_kubeconfig__master(void **state)
{
    static const struct {
        const char *master;
        const char *server; /* NULL: error */
    } table[] = {
        {"https://10.0.0.1:6443", "https://10.0.0.1:6443"},
        {"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
        {"10.0.0.1:6443", "https://10.0.0.1:6443"},
        {"https://host/prefix//", "https://host/prefix"},
        {"", NULL},
        {"ftp://x", NULL},
        {"https://", NULL},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        hpac_kube_config cfg = {0};
        char err[256];
        cfg.token = strdup("keep-me");
        int rc = hpac_kube_config_from_master(table[i].master, &cfg, err, sizeof(err));
        if (table[i].server) {
            if (rc != 0)
                fail_msg("%s: %s", table[i].master, err);
            assert_string_equal(cfg.server, table[i].server);
        } else {
            if (rc == 0)
                fail_msg("%s: accepted", table[i].master);
            assert_null(cfg.server);
        }
        assert_string_equal(cfg.token, "keep-me"); /* credentials untouched */
        hpac_kube_config_clear(&cfg);
    }

    /* Replaces a server loaded earlier. */
    hpac_kube_config cfg = {0};
    char err[256];
    cfg.server = strdup("https://old");
    assert_int_equal(hpac_kube_config_from_master("https://new:1", &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.server, "https://new:1");
    hpac_kube_config_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kubeconfig__table),
        cmocka_unit_test(test_kubeconfig__missing_file),
        cmocka_unit_test(test_kubeconfig__base64_decoding),
        cmocka_unit_test(test_kubeconfig__in_cluster),
        cmocka_unit_test(test_kubeconfig__master),
    };
    return cmocka_run_group_tests_name("kubeconfig", tests, group_setup, group_teardown);
}
