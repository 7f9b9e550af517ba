#include "controller/options.h"

#include "util/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum flag_kind {
    FLAG_BOOL,
    FLAG_STRING,
    FLAG_DURATION, /* Go duration -> int64 ms */
    FLAG_INT,
    FLAG_DOUBLE,
} flag_kind;

typedef struct flag_def {
    const char *name;
    flag_kind kind;
    size_t offset;
    const char *help;
} flag_def;

#define OPT(field) offsetof(hpac_options, field)

/* The table is the documentation: --help prints it. */
static const flag_def flags[] = {
    {"kubeconfig", FLAG_STRING, OPT(kubeconfig),
     "Path to a kubeconfig file (default $KUBECONFIG; without either, in-cluster config)"},
    {"context", FLAG_STRING, OPT(context), "Kubeconfig context to use (default current-context)"},
    {"master", FLAG_STRING, OPT(master), "API server URL, overriding the kubeconfig's"},
    {"kube-api-qps", FLAG_DOUBLE, OPT(kube_api_qps),
     "Requests per second to the API server (default 20)"},
    {"kube-api-burst", FLAG_INT, OPT(kube_api_burst), "Burst above --kube-api-qps (default 30)"},
    {"request-timeout", FLAG_DURATION, OPT(request_timeout_ms),
     "Timeout of one API request (default 30s)"},
    {"hpa-api", FLAG_STRING, OPT(hpa_api),
     "Which HorizontalPodAutoscalers to act on: hpac.io/v1 (default) or autoscaling/v2"},
    {"once", FLAG_BOOL, OPT(once), "Reconcile every HPA once, then exit"},
    {"dry-run", FLAG_BOOL, OPT(dry_run), "Compute and log each decision; write nothing"},
    {"horizontal-pod-autoscaler-sync-period", FLAG_DURATION, OPT(sync_period_ms),
     "Period between reconciles of each HPA (default 15s)"},
    {"concurrent-horizontal-pod-autoscaler-syncs", FLAG_INT, OPT(concurrent_syncs),
     "HPAs reconciled at the same time (default 5)"},
    {"horizontal-pod-autoscaler-tolerance", FLAG_DOUBLE, OPT(sync.tolerance),
     "Minimum change of the usage ratio (either way) that causes a scale (default 0.1)"},
    {"horizontal-pod-autoscaler-cpu-initialization-period", FLAG_DURATION,
     OPT(sync.cpu_initialization_period_ms),
     "After a pod starts, CPU samples may be skipped for this long (default 5m0s)"},
    {"horizontal-pod-autoscaler-initial-readiness-delay", FLAG_DURATION,
     OPT(sync.initial_readiness_delay_ms),
     "After a pod starts, readiness changes count as initial readiness for this long "
     "(default 30s)"},
    {"horizontal-pod-autoscaler-downscale-stabilization", FLAG_DURATION,
     OPT(sync.downscale_stabilization_ms),
     "Scale-down waits for the highest recommendation of this window (default 5m0s)"},
    {"leader-elect", FLAG_BOOL, OPT(leader_elect),
     "Elect a leader through a Lease before acting (default true in-cluster)"},
    {"leader-elect-lease-duration", FLAG_DURATION, OPT(lease_duration_ms),
     "Lease duration (default 15s)"},
    {"leader-elect-renew-deadline", FLAG_DURATION, OPT(renew_deadline_ms),
     "A leader that cannot renew within this stops acting (default 10s)"},
    {"leader-elect-retry-period", FLAG_DURATION, OPT(retry_period_ms),
     "Between attempts to acquire or renew (default 2s)"},
    {"leader-elect-resource-namespace", FLAG_STRING, OPT(lease_namespace),
     "Namespace of the Lease objects (default the pod's namespace, else kube-system)"},
    {"leader-elect-resource-name", FLAG_STRING, OPT(lease_name),
     "Name (prefix, with --shards) of the Lease objects (default hpac)"},
    {"shards", FLAG_INT, OPT(shards),
     "Split the HPAs into this many shards, each led by one replica (default 1)"},
    {"metrics-bind-address", FLAG_STRING, OPT(metrics_bind_address),
     "Address of /metrics, /healthz and /readyz (default :8080; 0 disables)"},
    {"logging-format", FLAG_STRING, 0, "Log format: text (default) or json"},
    {"v", FLAG_INT, OPT(verbosity), "Log verbosity (default 0)"},
};

void hpac_options_defaults(hpac_options *o)
{
    memset(o, 0, sizeof(*o));
    o->command = HPAC_CMD_RUN;
    o->kube_api_qps = 20;
    o->kube_api_burst = 30;
    o->request_timeout_ms = 30000;
    o->hpa_api = "hpac.io/v1";
    o->sync_period_ms = 15000;
    o->concurrent_syncs = 5;
    hpac_sync_options_defaults(&o->sync);
    o->leader_elect = true;
    o->lease_duration_ms = 15000;
    o->renew_deadline_ms = 10000;
    o->retry_period_ms = 2000;
    o->lease_name = "hpac";
    o->shards = 1;
    o->metrics_bind_address = ":8080";
    o->kubeconfig = getenv("KUBECONFIG");
    if (o->kubeconfig && !*o->kubeconfig)
        o->kubeconfig = NULL;
}

static const flag_def *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    }
    return NULL;
}

static int parse_bool(const char *text, bool *out)
{
    if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "t") ||
        !strcmp(text, "TRUE") || !strcmp(text, "True"))
        *out = true;
    else if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "f") ||
             !strcmp(text, "FALSE") || !strcmp(text, "False"))
        *out = false;
    else
        return -1;
    return 0;
}

static int set_value(hpac_options *o, const flag_def *f, const char *value, char *err,
                     size_t errsize)
{
    char *base = (char *)o;
    char *end = NULL;
    if (strcmp(f->name, "logging-format") == 0) {
        if (strcmp(value, "json") == 0)
            o->json_logs = true;
        else if (strcmp(value, "text") == 0)
            o->json_logs = false;
        else
            goto bad;
        return 0;
    }
    switch (f->kind) {
    case FLAG_BOOL:
        if (parse_bool(value, (bool *)(base + f->offset)))
            goto bad;
        if (f->offset == OPT(leader_elect))
            o->leader_elect_set = true;
        return 0;
    case FLAG_STRING:
        *(const char **)(base + f->offset) = value;
        return 0;
    case FLAG_DURATION: {
        int64_t ms;
        if (hpac_duration_parse(value, &ms) || ms < 0)
            goto bad;
        *(int64_t *)(base + f->offset) = ms;
        return 0;
    }
    case FLAG_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < 0 || v > 1000000)
            goto bad;
        *(int *)(base + f->offset) = (int)v;
        return 0;
    }
    case FLAG_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || v < 0 || v != v)
            goto bad;
        *(double *)(base + f->offset) = v;
        return 0;
    }
    }
bad:
    snprintf(err, errsize, "invalid value \"%s\" for flag --%s", value, f->name);
    return -1;
}

static int check(const hpac_options *o, char *err, size_t errsize)
{
    if (strcmp(o->hpa_api, "hpac.io/v1") != 0 && strcmp(o->hpa_api, "autoscaling/v2") != 0) {
        snprintf(err, errsize, "--hpa-api must be hpac.io/v1 or autoscaling/v2, not \"%s\"",
                 o->hpa_api);
        return -1;
    }
    if (o->sync_period_ms <= 0) {
        snprintf(err, errsize, "--horizontal-pod-autoscaler-sync-period must be positive");
        return -1;
    }
    if (o->concurrent_syncs < 1) {
        snprintf(err, errsize, "--concurrent-horizontal-pod-autoscaler-syncs must be at least 1");
        return -1;
    }
    if (o->shards < 1) {
        snprintf(err, errsize, "--shards must be at least 1");
        return -1;
    }
    if (o->renew_deadline_ms >= o->lease_duration_ms) {
        snprintf(err, errsize,
                 "--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration");
        return -1;
    }
    return 0;
}

int hpac_options_parse(hpac_options *o, int argc, char **argv, char *err, size_t errsize)
{
    o->args = calloc((size_t)argc + 1, sizeof(*o->args));
    if (!o->args) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            if (o->arg_count == 0 && o->command == HPAC_CMD_RUN) {
                if (!strcmp(arg, "demo")) {
                    o->command = HPAC_CMD_DEMO;
                    continue;
                }
                if (!strcmp(arg, "simulate")) {
                    o->command = HPAC_CMD_SIMULATE;
                    continue;
                }
            }
            if (o->command == HPAC_CMD_RUN) {
                snprintf(err, errsize, "unexpected argument \"%s\"", arg);
                return -1;
            }
            o->args[o->arg_count++] = argv[i];
            continue;
        }
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        if (!strcmp(name, "help") || !strcmp(name, "h")) {
            o->command = HPAC_CMD_HELP;
            continue;
        }
        if (!strcmp(name, "version")) {
            o->command = HPAC_CMD_VERSION;
            continue;
        }
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const flag_def *f = find_flag(name, len);
        if (!f) {
            /* Subcommands take their own flags; they parse them. */
            if (o->command != HPAC_CMD_RUN) {
                o->args[o->arg_count++] = argv[i];
                continue;
            }
            snprintf(err, errsize, "unknown flag --%.*s", (int)len, name);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && f->kind == FLAG_BOOL) {
            value = "true";
        } else if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errsize, "flag --%s needs a value", f->name);
                return -1;
            }
            value = argv[++i];
        }
        if (set_value(o, f, value, err, errsize))
            return -1;
    }
    return check(o, err, errsize);
}

void hpac_options_free(hpac_options *o)
{
    free(o->args);
    o->args = NULL;
    o->arg_count = 0;
}

const char *hpac_options_usage(void)
{
    static char text[8192];
    if (text[0])
        return text;
    size_t used = (size_t)snprintf(
        text, sizeof(text),
        "Usage: hpac [flags]            run the controller (or one pass with --once)\n"
        "       hpac demo               scale a simulated workload on this machine\n"
        "       hpac simulate --hpa HPA.yaml --trace LOAD.csv [--replicas N] [--svg OUT.svg] "
        "[--json]\n\nFlags:\n");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && used < sizeof(text); i++) {
        const char *kind = flags[i].kind == FLAG_BOOL       ? ""
                           : flags[i].kind == FLAG_DURATION ? " duration"
                           : flags[i].kind == FLAG_INT      ? " int"
                           : flags[i].kind == FLAG_DOUBLE   ? " float"
                                                            : " string";
        used += (size_t)snprintf(text + used, sizeof(text) - used, "  --%s%s\n      %s\n",
                                 flags[i].name, kind, flags[i].help);
    }
    return text;
}
