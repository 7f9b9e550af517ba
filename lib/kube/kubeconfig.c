/* kubeconfig (YAML, via libyaml's document API), in-cluster and --master
 * configuration. */
#include "kube/kubeconfig.h"

#include "kube/readfile.h"
#include "util/strutil.h"

#include <yaml.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SERVICEACCOUNT_FILE_MAX ((size_t)1024 * 1024)

typedef struct loader {
    const char *file;
    char *dir; /* the kubeconfig's directory, for relative paths */
    yaml_document_t doc;
    char *err;
    size_t errsize;
} loader;

static void fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(loader *L, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(L->err, L->errsize, "%s: %s", L->file, msg);
}

/* ---- YAML helpers ---- */

static bool scalar_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE)
        return false;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* The value under `key` in a mapping node; NULL when absent or null. */
static yaml_node_t *map_get(loader *L, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE)
            continue;
        if (strcmp((const char *)k->data.scalar.value, key) == 0) {
            yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
            return (v && !scalar_is_null(v)) ? v : NULL;
        }
    }
    return NULL;
}

/* A string field: *out is NULL when absent or empty. 0, or -1 with the
 * error set. */
static int get_string(loader *L, yaml_node_t *map, const char *key, const char *where,
                      char **out)
{
    *out = NULL;
    yaml_node_t *v = map_get(L, map, key);
    if (!v)
        return 0;
    if (v->type != YAML_SCALAR_NODE) {
        fail(L, "%s.%s: expected a string", where, key);
        return -1;
    }
    if (v->data.scalar.length == 0)
        return 0;
    *out = strdup((const char *)v->data.scalar.value);
    if (!*out) {
        fail(L, "out of memory");
        return -1;
    }
    return 0;
}

static int get_bool(loader *L, yaml_node_t *map, const char *key, const char *where, bool *out)
{
    static const char *const truths[] = {"true", "yes", "on", "y"};
    static const char *const lies[] = {"false", "no", "off", "n"};
    *out = false;
    yaml_node_t *v = map_get(L, map, key);
    if (!v)
        return 0;
    if (v->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)v->data.scalar.value;
        for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
            if (strcasecmp(s, truths[i]) == 0) {
                *out = true;
                return 0;
            }
            if (strcasecmp(s, lies[i]) == 0)
                return 0;
        }
    }
    fail(L, "%s.%s: expected true or false", where, key);
    return -1;
}

/* ---- base64 (standard alphabet, padding; line breaks ignored) ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes into a new NUL-terminated buffer. 0, or -1 (invalid input; *out
 * NULL) or -2 (out of memory). */
static int base64_decode(const char *in, char **out, size_t *out_len)
{
    size_t n = strlen(in);
    unsigned char *buf = malloc(n / 4 * 3 + 4);
    *out = NULL;
    *out_len = 0;
    if (!buf)
        return -2;
    size_t len = 0;
    unsigned int acc = 0;
    int bits = 0, quantum = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\n' || c == '\r')
            continue;
        if (c == '=') {
            pad++;
            quantum++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad > 0)
            goto invalid;
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        quantum++;
        if (bits >= 8) {
            bits -= 8;
            buf[len++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    /* Whole quanta only, padding only to fill the last one (Go's
     * StdEncoding; like it, unused trailing bits are not checked). */
    if (quantum % 4 != 0 || pad > 2)
        goto invalid;
    buf[len] = '\0';
    *out = (char *)buf;
    *out_len = len;
    return 0;
invalid:
    free(buf);
    return -1;
}

static int get_base64(loader *L, yaml_node_t *map, const char *key, const char *where, char **out,
                      size_t *out_len)
{
    char *text = NULL;
    *out = NULL;
    *out_len = 0;
    if (get_string(L, map, key, where, &text) != 0)
        return -1;
    if (!text)
        return 0;
    int rc = base64_decode(text, out, out_len);
    free(text);
    if (rc == -1) {
        fail(L, "%s.%s: invalid base64", where, key);
        return -1;
    }
    if (rc == -2) {
        fail(L, "out of memory");
        return -1;
    }
    if (*out_len == 0) {
        /* Empty data is no data, as upstream treats an empty []byte. */
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* A path from the file, resolved against the file's directory. */
static int get_path(loader *L, yaml_node_t *map, const char *key, const char *where, char **out)
{
    char *p = NULL;
    if (get_string(L, map, key, where, &p) != 0)
        return -1;
    *out = p;
    if (!p || p[0] == '/')
        return 0;
    *out = hpac_format("%s/%s", L->dir, p);
    free(p);
    if (!*out) {
        fail(L, "out of memory");
        return -1;
    }
    return 0;
}

/* Finds the entry of a named list (clusters, contexts, users) whose name
 * is `name`; returns its `inner` mapping and index. NULL (no error set)
 * when not found; NULL with *bad set when the list is malformed. */
static yaml_node_t *find_named(loader *L, yaml_node_t *root, const char *list, const char *inner,
                               const char *name, size_t *index, bool *bad)
{
    *bad = false;
    yaml_node_t *seq = map_get(L, root, list);
    if (!seq)
        return NULL;
    if (seq->type != YAML_SEQUENCE_NODE) {
        fail(L, "%s: expected a list", list);
        *bad = true;
        return NULL;
    }
    size_t i = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *entry = yaml_document_get_node(&L->doc, *it);
        if (!entry || entry->type != YAML_MAPPING_NODE) {
            fail(L, "%s[%zu]: expected a mapping", list, i);
            *bad = true;
            return NULL;
        }
        yaml_node_t *n = map_get(L, entry, "name");
        if (!n || n->type != YAML_SCALAR_NODE)
            continue;
        if (strcmp((const char *)n->data.scalar.value, name) != 0)
            continue;
        yaml_node_t *body = map_get(L, entry, inner);
        if (body && body->type != YAML_MAPPING_NODE) {
            fail(L, "%s[%zu].%s: expected a mapping", list, i, inner);
            *bad = true;
            return NULL;
        }
        *index = i;
        return body ? body : entry; /* an empty body: no fields */
    }
    return NULL;
}

static int load_cluster(loader *L, yaml_node_t *cluster, size_t idx, hpac_kube_config *out)
{
    char where[64];
    snprintf(where, sizeof(where), "clusters[%zu].cluster", idx);
    if (get_string(L, cluster, "server", where, &out->server) != 0 ||
        get_path(L, cluster, "certificate-authority", where, &out->ca_file) != 0 ||
        get_base64(L, cluster, "certificate-authority-data", where, &out->ca_pem,
                   &out->ca_pem_len) != 0 ||
        get_bool(L, cluster, "insecure-skip-tls-verify", where, &out->insecure_skip_verify) != 0)
        return -1;
    if (!out->server || !out->server[0]) {
        fail(L, "%s.server: missing", where);
        return -1;
    }
    if (out->insecure_skip_verify && (out->ca_file || out->ca_pem)) {
        fail(L, "%s: specifying a root certificates file with the insecure flag is not allowed",
             where);
        return -1;
    }
    char err[256];
    char *server = out->server;
    out->server = NULL;
    hpac_kube_config tmp = {0};
    if (hpac_kube_config_from_master(server, &tmp, err, sizeof(err)) != 0) {
        free(server);
        fail(L, "%s.server: %s", where, err);
        return -1;
    }
    free(server);
    out->server = tmp.server;
    return 0;
}

static int load_user(loader *L, yaml_node_t *user, size_t idx, hpac_kube_config *out)
{
    static const char *const unsupported[] = {"exec", "auth-provider", "username", "password",
                                              "as", "impersonate"};
    char where[64];
    snprintf(where, sizeof(where), "users[%zu].user", idx);
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        if (map_get(L, user, unsupported[i])) {
            fail(L, "%s.%s: not supported (use a token, a token file or a client certificate)",
                 where, unsupported[i]);
            return -1;
        }
    }
    if (get_string(L, user, "token", where, &out->token) != 0 ||
        get_path(L, user, "tokenFile", where, &out->token_file) != 0 ||
        get_path(L, user, "client-certificate", where, &out->cert_file) != 0 ||
        get_base64(L, user, "client-certificate-data", where, &out->cert_pem,
                   &out->cert_pem_len) != 0 ||
        get_path(L, user, "client-key", where, &out->key_file) != 0 ||
        get_base64(L, user, "client-key-data", where, &out->key_pem, &out->key_pem_len) != 0)
        return -1;
    bool has_cert = out->cert_file || out->cert_pem;
    bool has_key = out->key_file || out->key_pem;
    if (has_cert != has_key) {
        fail(L, "%s: %s", where,
             has_cert ? "client-certificate without client-key"
                      : "client-key without client-certificate");
        return -1;
    }
    return 0;
}

static int load_document(loader *L, const char *context, hpac_kube_config *out)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (!root) {
        fail(L, "empty file");
        return -1;
    }
    if (root->type != YAML_MAPPING_NODE) {
        fail(L, "expected a mapping at the top level");
        return -1;
    }

    char *current = NULL;
    const char *ctx_name = context;
    if (!ctx_name || !ctx_name[0]) {
        if (get_string(L, root, "current-context", "", &current) != 0)
            return -1;
        if (!current || !current[0]) {
            free(current);
            fail(L, "current-context is not set and no context was given");
            return -1;
        }
        ctx_name = current;
    }

    int rc = -1;
    bool bad = false;
    size_t ctx_idx = 0, idx = 0;
    char *cluster_name = NULL, *user_name = NULL;
    yaml_node_t *ctx = find_named(L, root, "contexts", "context", ctx_name, &ctx_idx, &bad);
    if (!ctx) {
        if (!bad)
            fail(L, "context \"%s\" not found", ctx_name);
        goto out;
    }
    char where[64];
    snprintf(where, sizeof(where), "contexts[%zu].context", ctx_idx);
    if (get_string(L, ctx, "cluster", where, &cluster_name) != 0 ||
        get_string(L, ctx, "user", where, &user_name) != 0 ||
        get_string(L, ctx, "namespace", where, &out->namespace) != 0)
        goto out;
    if (!cluster_name || !cluster_name[0]) {
        fail(L, "%s.cluster: missing", where);
        goto out;
    }
    yaml_node_t *cluster = find_named(L, root, "clusters", "cluster", cluster_name, &idx, &bad);
    if (!cluster) {
        if (!bad)
            fail(L, "%s.cluster: cluster \"%s\" not found", where, cluster_name);
        goto out;
    }
    if (load_cluster(L, cluster, idx, out) != 0)
        goto out;
    if (user_name && user_name[0]) {
        yaml_node_t *user = find_named(L, root, "users", "user", user_name, &idx, &bad);
        if (!user) {
            if (!bad)
                fail(L, "%s.user: user \"%s\" not found", where, user_name);
            goto out;
        }
        if (load_user(L, user, idx, out) != 0)
            goto out;
    }
    rc = 0;
out:
    free(cluster_name);
    free(user_name);
    free(current);
    return rc;
}

int hpac_kubeconfig_load(const char *path, const char *context, hpac_kube_config *out, char *err,
                         size_t errsize)
{
    int rc = -1;
    char *text = NULL;
    size_t len = 0;
    yaml_parser_t parser;
    bool parser_ready = false, doc_ready = false;
    loader L = {.file = path, .err = err, .errsize = errsize};

    memset(out, 0, sizeof(*out));
    if (hpac_read_file(path, HPAC_KUBECONFIG_MAX_BYTES, &text, &len, err, errsize) != 0)
        goto out;
    const char *slash = strrchr(path, '/');
    L.dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (L.dir && slash == path) {
        free(L.dir);
        L.dir = strdup("");
    }
    if (!L.dir) {
        fail(&L, "out of memory");
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        fail(&L, "out of memory");
        goto out;
    }
    parser_ready = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &L.doc)) {
        fail(&L, "invalid YAML at line %lu column %lu: %s",
             (unsigned long)parser.problem_mark.line + 1,
             (unsigned long)parser.problem_mark.column + 1,
             parser.problem ? parser.problem : "parse error");
        goto out;
    }
    doc_ready = true;
    if (load_document(&L, context, out) != 0)
        goto out;
    rc = 0;
out:
    if (doc_ready)
        yaml_document_delete(&L.doc);
    if (parser_ready)
        yaml_parser_delete(&parser);
    free(L.dir);
    free(text);
    if (rc != 0)
        hpac_kube_config_clear(out);
    return rc;
}

/* ---- in-cluster ---- */

int hpac_kube_config_in_cluster(hpac_kube_config *out, char *err, size_t errsize)
{
    int rc = -1;
    char *token_file = NULL, *ca_file = NULL, *ns_file = NULL, *text = NULL;
    size_t len = 0;

    memset(out, 0, sizeof(*out));
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !host[0] || !port || !port[0]) {
        snprintf(err, errsize,
                 "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
                 "KUBERNETES_SERVICE_PORT must be defined");
        goto out;
    }
    const char *dir = getenv("HPAC_SERVICEACCOUNT_DIR");
    if (!dir || !dir[0])
        dir = HPAC_SERVICEACCOUNT_DIR;
    bool v6 = strchr(host, ':') != NULL && host[0] != '[';
    out->server = hpac_format("https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
    token_file = hpac_format("%s/token", dir);
    ca_file = hpac_format("%s/ca.crt", dir);
    ns_file = hpac_format("%s/namespace", dir);
    if (!out->server || !token_file || !ca_file || !ns_file) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }

    /* The token must be readable now; the client re-reads it as it rotates. */
    if (hpac_read_file(token_file, SERVICEACCOUNT_FILE_MAX, &text, &len, err, errsize) != 0)
        goto out;
    bool empty = true;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i]))
            empty = false;
    free(text);
    text = NULL;
    if (empty) {
        snprintf(err, errsize, "%s: empty token", token_file);
        goto out;
    }
    out->token_file = token_file;
    token_file = NULL;

    /* Upstream goes on without the CA (and then fails verification). */
    FILE *fp = fopen(ca_file, "rb");
    if (fp) {
        fclose(fp);
        out->ca_file = ca_file;
        ca_file = NULL;
    }

    char nserr[64];
    if (hpac_read_file(ns_file, SERVICEACCOUNT_FILE_MAX, &text, &len, nserr, sizeof(nserr)) == 0) {
        while (len > 0 && isspace((unsigned char)text[len - 1]))
            text[--len] = '\0';
        if (len > 0) {
            out->namespace = text;
            text = NULL;
        }
    }
    rc = 0;
out:
    free(text);
    free(token_file);
    free(ca_file);
    free(ns_file);
    if (rc != 0)
        hpac_kube_config_clear(out);
    return rc;
}

/* ---- --master ---- */

int hpac_kube_config_from_master(const char *master, hpac_kube_config *cfg, char *err,
                                 size_t errsize)
{
    if (!master || !master[0]) {
        snprintf(err, errsize, "empty server address");
        return -1;
    }
    char *server;
    if (strncmp(master, "https://", 8) == 0 || strncmp(master, "http://", 7) == 0) {
        server = strdup(master);
    } else if (strstr(master, "://")) {
        snprintf(err, errsize, "server address %s: only http and https are supported", master);
        return -1;
    } else {
        server = hpac_format("https://%s", master);
    }
    if (!server) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    const char *host = strstr(server, "://") + 3;
    if (!host[0] || host[0] == '/') {
        snprintf(err, errsize, "server address %s: no host", master);
        free(server);
        return -1;
    }
    size_t len = strlen(server);
    while (len > 0 && server[len - 1] == '/')
        server[--len] = '\0';
    free(cfg->server);
    cfg->server = server;
    return 0;
}

/* ---- copy / clear ---- */

static int dup_bytes(const char *src, size_t len, char **out)
{
    *out = NULL;
    if (!src)
        return 0;
    *out = malloc(len + 1);
    if (!*out)
        return -1;
    memcpy(*out, src, len);
    (*out)[len] = '\0';
    return 0;
}

static int dup_string(const char *src, char **out)
{
    return dup_bytes(src, src ? strlen(src) : 0, out);
}

int hpac_kube_config_copy(const hpac_kube_config *src, hpac_kube_config *out)
{
    memset(out, 0, sizeof(*out));
    out->ca_pem_len = src->ca_pem_len;
    out->cert_pem_len = src->cert_pem_len;
    out->key_pem_len = src->key_pem_len;
    out->insecure_skip_verify = src->insecure_skip_verify;
    if (dup_string(src->server, &out->server) != 0 ||
        dup_string(src->ca_file, &out->ca_file) != 0 ||
        dup_bytes(src->ca_pem, src->ca_pem_len, &out->ca_pem) != 0 ||
        dup_string(src->cert_file, &out->cert_file) != 0 ||
        dup_bytes(src->cert_pem, src->cert_pem_len, &out->cert_pem) != 0 ||
        dup_string(src->key_file, &out->key_file) != 0 ||
        dup_bytes(src->key_pem, src->key_pem_len, &out->key_pem) != 0 ||
        dup_string(src->token, &out->token) != 0 ||
        dup_string(src->token_file, &out->token_file) != 0 ||
        dup_string(src->namespace, &out->namespace) != 0) {
        hpac_kube_config_clear(out);
        return -1;
    }
    return 0;
}

void hpac_kube_config_clear(hpac_kube_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->server);
    free(cfg->ca_file);
    free(cfg->ca_pem);
    free(cfg->cert_file);
    free(cfg->cert_pem);
    free(cfg->key_file);
    free(cfg->key_pem);
    if (cfg->token) {
        /* Do not leave the credential in freed memory. */
        volatile char *p = cfg->token;
        while (*p)
            *p++ = '\0';
    }
    free(cfg->token);
    free(cfg->token_file);
    free(cfg->namespace);
    memset(cfg, 0, sizeof(*cfg));
}
