/* The demo's defaults, chosen so that every part of the story shows in
 * about 45 seconds: a scale-up held back by the scale-up policy
 * (ScaleUpLimit), pods that take a while to be ready, a scale-down held
 * back by the stabilization window (ScaleDownStabilized), then by the
 * scale-down policy, and a return to minReplicas. */
#include "demo/demo.h"

#include "demo/model.h"

#include <stdio.h>
#include <string.h>

void hpac_demo_config_defaults(hpac_demo_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->profile = (hpac_demo_profile){
        .quiet_ms = 4000,
        .ramp_ms = 2000,
        .spike_ms = 12000,
        .plateau_ms = 13000,
        .drop_ms = 14000,
        .quiet_load = 0.5,
        .spike_load = 3.6,
        .plateau_load = 2.1,
        .drop_load = 0.45,
        .wobble = 0.04,
    };
    cfg->tick_ms = 250;
    cfg->print_every_ms = 1000;
    cfg->settle_ms = 8000;
    cfg->sync_period_ms = 1000;
    cfg->cpu_initialization_period_ms = 2000;
    cfg->initial_readiness_delay_ms = 1000;
    cfg->pod_startup_ms = 3000;
    cfg->metrics_window_ms = 3000;
    cfg->cpu_request_milli = 500;
    cfg->cpu_limit_milli = 1000;
    cfg->initial_replicas = 2;
    cfg->min_replicas = 2;
    cfg->max_replicas = 12;
    cfg->target_utilization = 60;
    cfg->scale_up_percent = 100;
    cfg->scale_up_pods = 2;
    cfg->scale_up_period_s = 5;
    cfg->scale_down_window_s = 10;
    cfg->scale_down_pods = 3;
    cfg->scale_down_period_s = 5;
}

/* Largest HPA bound the demo accepts: every pod is mirrored into the
 * simulated cluster each tick. */
#define DEMO_MAX_REPLICAS 200

int hpac_demo_config_check(const hpac_demo_config *cfg, char *err, size_t errsize)
{
    if (hpac_demo_profile_check(&cfg->profile, err, errsize))
        return -1;
    const char *bad = NULL;
    if (cfg->tick_ms <= 0)
        bad = "tick_ms must be positive";
    else if (cfg->print_every_ms <= 0)
        bad = "print_every_ms must be positive";
    else if (cfg->settle_ms < 0)
        bad = "settle_ms must not be negative";
    else if (cfg->sync_period_ms <= 0)
        bad = "sync_period_ms must be positive";
    else if (cfg->cpu_initialization_period_ms < 0 || cfg->initial_readiness_delay_ms < 0 ||
             cfg->pod_startup_ms < 0)
        bad = "start-up durations must not be negative";
    else if (cfg->metrics_window_ms < 0 ||
             cfg->metrics_window_ms / cfg->tick_ms >= HPAC_DEMO_LAG_SAMPLES - 1)
        bad = "metrics_window_ms must be below 63 ticks";
    else if (cfg->cpu_request_milli <= 0 || cfg->cpu_limit_milli <= 0)
        bad = "the CPU request and limit must be positive";
    else if (cfg->min_replicas < 1 || cfg->max_replicas < cfg->min_replicas ||
             cfg->max_replicas > DEMO_MAX_REPLICAS)
        bad = "replicas must satisfy 1 <= min <= max <= 200";
    else if (cfg->initial_replicas < cfg->min_replicas || cfg->initial_replicas > cfg->max_replicas)
        bad = "initial_replicas must be within min and max";
    else if (cfg->target_utilization <= 0)
        bad = "target_utilization must be positive";
    else if (cfg->scale_up_percent <= 0 || cfg->scale_up_pods <= 0 || cfg->scale_down_pods <= 0)
        bad = "scale policies must allow some change";
    else if (cfg->scale_up_period_s <= 0 || cfg->scale_down_period_s <= 0 ||
             cfg->scale_up_period_s > 1800 || cfg->scale_down_period_s > 1800)
        bad = "policy periods must be 1..1800 seconds";
    else if (cfg->scale_down_window_s < 0 || cfg->scale_down_window_s > 3600)
        bad = "the stabilization window must be 0..3600 seconds";
    if (bad) {
        snprintf(err, errsize, "demo configuration: %s", bad);
        return -1;
    }
    return 0;
}
