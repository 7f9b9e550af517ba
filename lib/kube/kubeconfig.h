/* Where the API server is and how to authenticate to it: from a kubeconfig
 * file, from the pod's service account (in-cluster), or from --master. */
#ifndef HPAC_KUBE_KUBECONFIG_H
#define HPAC_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Every string is owned by the struct (NULL when absent). PEM members are
 * decoded bytes with a trailing NUL not counted in the length. File paths
 * are absolute or relative to the current directory (kubeconfig-relative
 * paths are resolved on load). */
typedef struct hpac_kube_config {
    char *server;      /* "https://host:port[/prefix]", no trailing slash */
    char *ca_file;
    char *ca_pem;
    size_t ca_pem_len;
    char *cert_file;
    char *cert_pem;
    size_t cert_pem_len;
    char *key_file;
    char *key_pem;
    size_t key_pem_len;
    char *token;       /* a static bearer token */
    char *token_file;  /* re-read by the client when it changes; wins over `token` */
    bool insecure_skip_verify;
    char *namespace;   /* the context's namespace (or the pod's), NULL if unset */
} hpac_kube_config;

/* The service-account directory used by in-cluster config; the
 * HPAC_SERVICEACCOUNT_DIR environment variable overrides it (tests). */
#define HPAC_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Files read while loading are capped at this size. */
#define HPAC_KUBECONFIG_MAX_BYTES ((size_t)16 * 1024 * 1024)

/* Loads `path` (YAML) using `context` (NULL or "": current-context).
 * Supported: clusters[].cluster.{server, certificate-authority[-data],
 * insecure-skip-tls-verify}, users[].user.{token, tokenFile,
 * client-certificate[-data], client-key[-data]}, contexts[].context.
 * {cluster, user, namespace}. On error returns -1 with a message naming
 * the file and the field ("/x/config: context \"foo\" not found",
 * "/x/config: users[0].user.client-certificate-data: invalid base64");
 * `out` is then left zeroed. Returns 0 on success; `out` must be zeroed
 * (or cleared) beforehand and is cleared by hpac_kube_config_clear. */
int hpac_kubeconfig_load(const char *path, const char *context, hpac_kube_config *out, char *err,
                         size_t errsize);

/* The pod's service account: https://$KUBERNETES_SERVICE_HOST:
 * $KUBERNETES_SERVICE_PORT (IPv6 hosts bracketed), ca.crt as ca_file, the
 * token as token_file (must exist and be non-empty), the namespace file if
 * present. Returns 0 or -1 with err ("unable to load in-cluster
 * configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must
 * be defined"). */
int hpac_kube_config_in_cluster(hpac_kube_config *out, char *err, size_t errsize);

/* --master: sets (or replaces) the server of `cfg`, which may be a zeroed
 * struct (no credentials) or one loaded from a kubeconfig (credentials
 * kept). The URL must be http:// or https://; a bare "host:port" gets
 * https://. Returns 0 or -1 with err. */
int hpac_kube_config_from_master(const char *master, hpac_kube_config *cfg, char *err,
                                 size_t errsize);

/* Deep copy into a zeroed `out`. 0 or -1 (out of memory; out left zeroed). */
int hpac_kube_config_copy(const hpac_kube_config *src, hpac_kube_config *out);

/* Frees the contents, not the struct; leaves it zeroed. */
void hpac_kube_config_clear(hpac_kube_config *cfg);

#endif
