/* Helpers shared by the what-if tests: replay an HPA (YAML text) against a
 * trace (CSV text), failing the running test on any error. */
#ifndef HPAC_TEST_WHATIF_SUPPORT_H
#define HPAC_TEST_WHATIF_SUPPORT_H

#include "test_support.h"
#include "util/strutil.h"
#include "whatif/load.h"
#include "whatif/report.h"
#include "whatif/whatif.h"

#include <stdio.h>
#include <string.h>

/* An "ideal" workload, where the arithmetic is easy to follow: pods are
 * ready at once, the HPA sees exactly the last period's load, and CPU
 * samples are never skipped as initializing. */
static inline void whatif_ideal_config(hpac_whatif_config *cfg)
{
    hpac_whatif_config_defaults(cfg);
    cfg->sync_period_ms = 15000;
    cfg->metrics_window_ms = 15000;
    cfg->pod_startup_ms = 0;
    cfg->sync.cpu_initialization_period_ms = 0;
}

static inline void whatif_replay(const char *hpa_yaml, const char *csv,
                                 const hpac_whatif_config *cfg, int64_t cpu_request_milli,
                                 hpac_whatif_result *out)
{
    hpac_whatif_spec spec;
    hpac_trace trace;
    char err[1024] = "";
    if (hpac_whatif_spec_from_text(hpa_yaml, strlen(hpa_yaml), "hpa.yaml", cpu_request_milli,
                                   &spec, err, sizeof(err)))
        fail_msg("spec: %s", err);
    if (hpac_trace_parse(csv, strlen(csv), "load.csv", spec.hpa.metric_count, &trace, err,
                         sizeof(err))) {
        hpac_whatif_spec_clear(&spec);
        fail_msg("trace: %s", err);
    }
    int rc = hpac_whatif_run(&spec, &trace, cfg, out, err, sizeof(err));
    hpac_trace_clear(&trace);
    hpac_whatif_spec_clear(&spec);
    if (rc)
        fail_msg("run: %s", err);
}

/* The step at trace time t (seconds), or NULL. */
static inline const hpac_whatif_step *whatif_step_at(const hpac_whatif_result *r, int64_t t_s)
{
    for (size_t k = 0; k < r->step_count; k++) {
        if (r->steps[k].t_ms == t_s * 1000)
            return &r->steps[k];
    }
    return NULL;
}

static inline bool whatif_step_has_reason(const hpac_whatif_result *r,
                                          const hpac_whatif_step *st, const char *reason)
{
    for (size_t i = 0; i < st->reason_count; i++) {
        if (strcmp(r->reasons[st->reasons[i]], reason) == 0)
            return true;
    }
    return false;
}

/* An autoscaling/v2 HPA on cpu utilization; `behavior` is YAML for
 * spec.behavior indented by 4, or "" for none. */
static inline char *whatif_cpu_hpa(int min, int max, int target_percent, const char *behavior)
{
    return hpac_format("apiVersion: autoscaling/v2\n"
                       "kind: HorizontalPodAutoscaler\n"
                       "metadata: {name: web, namespace: test}\n"
                       "spec:\n"
                       "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                       "  minReplicas: %d\n"
                       "  maxReplicas: %d\n"
                       "  metrics:\n"
                       "  - type: Resource\n"
                       "    resource:\n"
                       "      name: cpu\n"
                       "      target: {type: Utilization, averageUtilization: %d}\n"
                       "%s%s",
                       min, max, target_percent, *behavior ? "  behavior:\n" : "", behavior);
}

#endif
