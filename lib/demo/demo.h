/* hpac demo: the real controller scaling a simulated workload on this
 * machine. A simulated API server (lib/sim) runs in-process on loopback
 * with one Deployment and its HPA; the controller (lib/controller) runs on
 * a thread of its own and talks to it over HTTP like to any cluster; the
 * calling thread drives the workload model (model.h) along a load profile
 * (profile.h), mirrors its pods and metrics into the simulated cluster,
 * prints a timeline and a summary, and writes a chart.
 *
 * Logging is the program's: route hpac's log (hpac_log_configure) away
 * from the terminal before calling hpac_demo_run, for the controller logs
 * every sync. Signals are the program's too: ignore SIGPIPE, and set
 * `interrupted` from a handler to end a run early. */
#ifndef HPAC_DEMO_DEMO_H
#define HPAC_DEMO_DEMO_H

#include "demo/profile.h"
#include "demo/timeline.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct hpac_demo_config {
    hpac_demo_profile profile;
    int64_t tick_ms;        /* model step and metrics publication */
    int64_t print_every_ms; /* one timeline line per this much demo time */
    int64_t settle_ms;      /* after the profile: wait at most this long for minReplicas */
    /* The controller. */
    int64_t sync_period_ms;
    int64_t cpu_initialization_period_ms;
    int64_t initial_readiness_delay_ms;
    /* The workload. */
    int64_t pod_startup_ms;    /* start to ready */
    int64_t metrics_window_ms; /* metrics-server's averaging */
    int64_t cpu_request_milli; /* per pod */
    int64_t cpu_limit_milli;   /* the most a pod can use */
    int initial_replicas;
    /* The HPA. */
    int min_replicas;
    int max_replicas;
    int target_utilization; /* percent of the request */
    int scale_up_percent;   /* scaleUp policies: Percent and Pods per period, Max */
    int scale_up_pods;
    int scale_up_period_s;
    int scale_down_window_s; /* scaleDown stabilizationWindowSeconds */
    int scale_down_pods;     /* scaleDown policy: Pods per period */
    int scale_down_period_s;
    /* Output. */
    FILE *out;                                /* timeline and summary; NULL: stdout */
    bool quiet;                               /* the summary only */
    bool color;                               /* ANSI colours (for a terminal) */
    const char *svg_path;                     /* the chart; NULL: none */
    const char *log_path;                     /* only named in the header, may be NULL */
    const volatile sig_atomic_t *interrupted; /* non-zero: stop early; may be NULL */
} hpac_demo_config;

/* The demo as `hpac demo` runs it: about 45 seconds. */
void hpac_demo_config_defaults(hpac_demo_config *cfg);

/* 0, or -1 with err naming the field out of range. */
int hpac_demo_config_check(const hpac_demo_config *cfg, char *err, size_t errsize);

typedef struct hpac_demo_result {
    hpac_demo_timeline timeline; /* owned: hpac_demo_result_clear */
    hpac_demo_summary summary;
    bool interrupted; /* ended early by `interrupted` */
    bool svg_written;
    uint16_t port; /* where the simulated API server listened */
} hpac_demo_result;

/* Runs the demo to its end. Returns 0 after a run in which the controller
 * worked (it wrote the HPA's status and made at least one scale in each
 * direction, or the run was interrupted); -1 with err otherwise (the
 * cluster or the controller could not start, the controller stopped, it
 * never acted, the chart could not be written). `result` is filled as far
 * as the run got, in both cases; clear it after. */
int hpac_demo_run(const hpac_demo_config *cfg, hpac_demo_result *result, char *err, size_t errsize);

void hpac_demo_result_clear(hpac_demo_result *r);

#endif
