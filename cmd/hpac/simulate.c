/* hpac simulate: flags in, files read, the replay run, the reports out.
 * The logic lives in lib/whatif; this file only wires it. */
#include "simulate.h"

#include "hpa/quantity.h"
#include "util/timeutil.h"
#include "whatif/load.h"
#include "whatif/report.h"
#include "whatif/whatif.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_BAD_INPUT 2

typedef struct sim_args {
    const char *hpa;
    const char *trace;
    const char *svg;
    bool json;
    bool help;
    int64_t cpu_request_milli; /* -1: not given */
    hpac_whatif_config cfg;
} sim_args;

typedef enum kind { K_STRING, K_BOOL, K_DURATION, K_INT, K_DOUBLE, K_QUANTITY, K_IGNORED } kind;

typedef struct flag {
    const char *name;
    kind kind;
    size_t offset;
    const char *help;
} flag;

#define ARG(field) offsetof(sim_args, field)

static const flag flags[] = {
    {"hpa", K_STRING, ARG(hpa),
     "HPA file: YAML or JSON, autoscaling/v2 or hpac.io/v1; may also hold the scale target "
     "(e.g. the Deployment), whose pod template then gives the requests"},
    {"trace", K_STRING, ARG(trace),
     "Load trace CSV: \"seconds,load\" lines, one load column per metric"},
    {"replicas", K_INT, ARG(cfg.replicas),
     "Replicas at the start (default: the target's spec.replicas, else minReplicas)"},
    {"svg", K_STRING, ARG(svg), "Write a chart of load, metrics and replicas to this file"},
    {"json", K_BOOL, ARG(json), "Print the timeline as JSON instead of the text report"},
    {"sync-period", K_DURATION, ARG(cfg.sync_period_ms), "Time between syncs (default 15s)"},
    {"horizontal-pod-autoscaler-sync-period", K_DURATION, ARG(cfg.sync_period_ms),
     "Same as --sync-period"},
    {"pod-startup", K_DURATION, ARG(cfg.pod_startup_ms),
     "Delay before a new pod is ready and serves load (default 30s)"},
    {"metrics-window", K_DURATION, ARG(cfg.metrics_window_ms),
     "The HPA sees usage averaged over this window (default 1m)"},
    {"cpu-request", K_QUANTITY, ARG(cpu_request_milli),
     "CPU request of a pod, in cores or as a quantity (default 1; replaces the request of the "
     "target's containers when the HPA file holds the target)"},
    {"horizontal-pod-autoscaler-tolerance", K_DOUBLE, ARG(cfg.sync.tolerance),
     "Minimum change of the usage ratio that causes a scale (default 0.1)"},
    {"horizontal-pod-autoscaler-cpu-initialization-period", K_DURATION,
     ARG(cfg.sync.cpu_initialization_period_ms),
     "After a pod starts, CPU samples may be skipped for this long (default 5m0s)"},
    {"horizontal-pod-autoscaler-initial-readiness-delay", K_DURATION,
     ARG(cfg.sync.initial_readiness_delay_ms),
     "After a pod starts, readiness changes count as initial readiness for this long "
     "(default 30s)"},
    {"horizontal-pod-autoscaler-downscale-stabilization", K_DURATION,
     ARG(cfg.sync.downscale_stabilization_ms),
     "Without spec.behavior, scale-down waits for the highest recommendation of this window "
     "(default 5m0s)"},
    {"help", K_BOOL, ARG(help), "Show this help"},
    {"h", K_BOOL, ARG(help), NULL},
    /* The global logging flags main() has already applied. */
    {"v", K_IGNORED, 0, NULL},
    {"logging-format", K_IGNORED, 0, NULL},
};

static void usage(FILE *out)
{
    fputs("Usage: hpac simulate --hpa HPA.yaml --trace LOAD.csv [--replicas N] [--svg OUT.svg] "
          "[--json] [flags]\n\n"
          "Replays a load trace against an HPA on a virtual clock, with the controller's own\n"
          "decision code, and reports the scale events, the time above target, and replicas.\n"
          "Durations are Go durations (15s, 1m30s) or seconds.\n\nFlags:\n",
          out);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (flags[i].help)
            fprintf(out, "  --%s\n      %s\n", flags[i].name, flags[i].help);
    }
}

static const flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    }
    return NULL;
}

/* A Go duration, or a bare number of seconds. */
static bool parse_duration(const char *value, int64_t *ms)
{
    char *end;
    errno = 0;
    double seconds = strtod(value, &end);
    if (end != value && !*end && !errno && seconds >= 0 && seconds < 1e9) {
        *ms = (int64_t)(seconds * 1000 + 0.5);
        return true;
    }
    return hpac_duration_parse(value, ms) == 0 && *ms >= 0;
}

static int set_flag(sim_args *a, const flag *f, const char *value)
{
    char *base = (char *)a;
    char *end;
    switch (f->kind) {
    case K_STRING:
        *(const char **)(base + f->offset) = value;
        return 0;
    case K_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "1")) {
            *(bool *)(base + f->offset) = true;
            return 0;
        }
        if (!strcmp(value, "false") || !strcmp(value, "0")) {
            *(bool *)(base + f->offset) = false;
            return 0;
        }
        break;
    case K_DURATION:
        if (parse_duration(value, (int64_t *)(base + f->offset)))
            return 0;
        break;
    case K_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (!errno && end != value && !*end && v >= 0 && v <= HPAC_WHATIF_MAX_REPLICAS) {
            *(int32_t *)(base + f->offset) = (int32_t)v;
            return 0;
        }
        break;
    }
    case K_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (!errno && end != value && !*end && v >= 0 && v == v) {
            *(double *)(base + f->offset) = v;
            return 0;
        }
        break;
    }
    case K_QUANTITY: {
        int64_t milli;
        if (hpac_quantity_parse_milli(value, &milli) == HPAC_QTY_OK && milli > 0) {
            *(int64_t *)(base + f->offset) = milli;
            return 0;
        }
        break;
    }
    case K_IGNORED:
        return 0;
    }
    fprintf(stderr, "hpac simulate: invalid value \"%s\" for --%s\n", value, f->name);
    return -1;
}

static int parse_args(sim_args *a, int argc, char **argv)
{
    bool skipped_word = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            if (!skipped_word && !strcmp(arg, "simulate")) {
                skipped_word = true;
                continue;
            }
            fprintf(stderr, "hpac simulate: unexpected argument \"%s\" (see hpac simulate "
                            "--help)\n",
                    arg);
            return -1;
        }
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const flag *f = find_flag(name, len);
        if (!f) {
            fprintf(stderr, "hpac simulate: unknown flag --%.*s (see hpac simulate --help)\n",
                    (int)len, name);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && f->kind == K_BOOL) {
            value = "true";
        } else if (!value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hpac simulate: flag --%s needs a value\n", f->name);
                return -1;
            }
            value = argv[++i];
        }
        if (set_flag(a, f, value))
            return -1;
    }
    if (a->help)
        return 0;
    if (!a->hpa || !a->trace) {
        fprintf(stderr, "hpac simulate: --hpa and --trace are required (see hpac simulate "
                        "--help)\n");
        return -1;
    }
    return 0;
}

int hpac_simulate_main(int argc, char **argv)
{
    sim_args a = {.cpu_request_milli = -1};
    hpac_whatif_spec spec = {0};
    hpac_trace trace = {0};
    hpac_whatif_result result = {0};
    char err[1024];
    char *text = NULL, *svg = NULL;
    int status = EXIT_BAD_INPUT;

    hpac_whatif_config_defaults(&a.cfg);
    if (parse_args(&a, argc, argv))
        goto out;
    if (a.help) {
        usage(stdout);
        status = 0;
        goto out;
    }
    if (hpac_whatif_load_spec(a.hpa, a.cpu_request_milli, &spec, err, sizeof(err)) ||
        hpac_whatif_load_trace(a.trace, spec.hpa.metric_count, &trace, err, sizeof(err))) {
        fprintf(stderr, "hpac simulate: %s\n", err);
        goto out;
    }
    if (hpac_whatif_run(&spec, &trace, &a.cfg, &result, err, sizeof(err))) {
        fprintf(stderr, "hpac simulate: %s\n", err);
        status = strcmp(err, "out of memory") == 0 ? 1 : EXIT_BAD_INPUT;
        goto out;
    }
    status = 1;
    text = a.json ? hpac_whatif_report_json(&result) : hpac_whatif_report_text(&result, a.trace);
    if (!text) {
        fprintf(stderr, "hpac simulate: out of memory\n");
        goto out;
    }
    if (a.svg) {
        svg = hpac_whatif_report_svg(&result);
        if (!svg || hpac_whatif_write_file(a.svg, svg, err, sizeof(err))) {
            fprintf(stderr, "hpac simulate: %s\n", svg ? err : "out of memory");
            goto out;
        }
    }
    fputs(text, stdout);
    if (a.svg && !a.json)
        printf("\nchart: %s\n", a.svg);
    status = fflush(stdout) == 0 ? 0 : 1;
out:
    free(text);
    free(svg);
    hpac_whatif_result_clear(&result);
    hpac_trace_clear(&trace);
    hpac_whatif_spec_clear(&spec);
    return status;
}
