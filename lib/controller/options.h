/* The command line: kube-controller-manager's flag names and defaults for
 * everything they share, plus hpac's own. Parsing is pure. */
#ifndef HPAC_CONTROLLER_OPTIONS_H
#define HPAC_CONTROLLER_OPTIONS_H

#include "hpa/sync.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hpac_command {
    HPAC_CMD_RUN,      /* the controller (or one pass with --once) */
    HPAC_CMD_DEMO,     /* hpac demo */
    HPAC_CMD_SIMULATE, /* hpac simulate ... */
    HPAC_CMD_HELP,
    HPAC_CMD_VERSION,
} hpac_command;

typedef struct hpac_options {
    hpac_command command;
    /* Cluster access. */
    const char *kubeconfig; /* --kubeconfig, else $KUBECONFIG; NULL: in-cluster */
    const char *context;    /* --context */
    const char *master;     /* --master */
    double kube_api_qps;    /* --kube-api-qps */
    int kube_api_burst;     /* --kube-api-burst */
    int64_t request_timeout_ms; /* --request-timeout */
    /* Which objects. */
    const char *hpa_api; /* --hpa-api: "hpac.io/v1" or "autoscaling/v2" */
    /* Behaviour. */
    bool once;
    bool dry_run;
    int64_t sync_period_ms; /* --horizontal-pod-autoscaler-sync-period */
    int concurrent_syncs;   /* --concurrent-horizontal-pod-autoscaler-syncs */
    hpac_sync_options sync;
    /* Leader election and sharding. */
    bool leader_elect;
    bool leader_elect_set; /* given explicitly (else: on in-cluster only) */
    int64_t lease_duration_ms;
    int64_t renew_deadline_ms;
    int64_t retry_period_ms;
    const char *lease_namespace;
    const char *lease_name;
    int shards;
    /* Serving and logging. */
    const char *metrics_bind_address; /* --metrics-bind-address, "0" disables */
    bool json_logs;                   /* --logging-format=json */
    int verbosity;                    /* -v */
    /* Subcommand arguments (demo, simulate). */
    char **args;
    size_t arg_count;
} hpac_options;

void hpac_options_defaults(hpac_options *o);

/* Parses argv (flags may be given as --name=value, --name value, -name;
 * booleans also bare). Strings point into argv. Returns 0, or -1 with a
 * message naming the flag in err. `o->args` is allocated (free()). */
int hpac_options_parse(hpac_options *o, int argc, char **argv, char *err, size_t errsize);

void hpac_options_free(hpac_options *o);

/* The --help text. */
const char *hpac_options_usage(void);

#endif
