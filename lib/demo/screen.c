#include "demo/screen.h"

#include <math.h>
#include <string.h>

/* SGR sequences; empty when colour is off. */
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_RED "\033[31m"
#define SGR_GREEN "\033[32m"
#define SGR_YELLOW "\033[33m"
#define SGR_CYAN "\033[36m"
#define SGR_RESET "\033[0m"

static const char *sgr(bool color, const char *code)
{
    return color ? code : "";
}

static double seconds(int64_t ms)
{
    return (double)ms / 1000.0;
}

void hpac_demo_print_header(FILE *out, const hpac_demo_config *cfg, uint16_t port)
{
    const hpac_demo_profile *p = &cfg->profile;
    bool c = cfg->color;
    fprintf(out, "%shpac demo%s: the real controller scales a simulated Deployment (about %.0fs)\n",
            sgr(c, SGR_BOLD), sgr(c, SGR_RESET), seconds(hpac_demo_profile_duration_ms(p)));
    fprintf(out, "  cluster     simulated API server on http://127.0.0.1:%u, in this process\n",
            (unsigned)port);
    fprintf(out,
            "  workload    Deployment demo/web: pods request %lldm CPU and use at most %lldm;\n"
            "              a new pod is ready %.1fs after it starts; metrics are %.1fs averages\n",
            (long long)cfg->cpu_request_milli, (long long)cfg->cpu_limit_milli,
            seconds(cfg->pod_startup_ms), seconds(cfg->metrics_window_ms));
    fprintf(out,
            "  autoscaler  HPA demo/web: %d to %d replicas, CPU target %d%% of the request;\n"
            "              up: +%d%% or +%d pods per %ds; down: after a %ds stabilization "
            "window,\n"
            "              at most %d pods per %ds\n",
            cfg->min_replicas, cfg->max_replicas, cfg->target_utilization, cfg->scale_up_percent,
            cfg->scale_up_pods, cfg->scale_up_period_s, cfg->scale_down_window_s,
            cfg->scale_down_pods, cfg->scale_down_period_s);
    fprintf(out, "  controller  hpac, syncing every %.1fs over HTTP; its log: %s\n",
            seconds(cfg->sync_period_ms), cfg->log_path ? cfg->log_path : "off (--log FILE)");
    fprintf(out,
            "  load        quiet %.2f cores (%.0fs), spike to %.2f (%.0fs), plateau %.2f (%.0fs), "
            "drop to %.2f (%.0fs)\n\n",
            p->quiet_load, seconds(p->quiet_ms), p->spike_load, seconds(p->ramp_ms + p->spike_ms),
            p->plateau_load, seconds(p->plateau_ms), p->drop_load, seconds(p->drop_ms));
}

void hpac_demo_print_columns(FILE *out, bool color)
{
    fprintf(out,
            "%s   time  phase    load  served  cpu/target  replicas  ready  desired  "
            "conditions%s\n",
            sgr(color, SGR_BOLD), sgr(color, SGR_RESET));
}

void hpac_demo_print_sample(FILE *out, const hpac_demo_sample *s, const char *phase,
                            const hpac_demo_status *st, double target, bool color)
{
    char cpu[32], desired[16], why[3 * HPAC_DEMO_CONDITION_MAX + 8] = "";
    if (isnan(s->seen))
        snprintf(cpu, sizeof(cpu), "%5s/%.0f%%", "-", target);
    else
        snprintf(cpu, sizeof(cpu), "%4.0f%%/%.0f%%", s->seen, target);
    if (s->desired >= 0)
        snprintf(desired, sizeof(desired), "%d", s->desired);
    else
        snprintf(desired, sizeof(desired), "-");
    if (st && st->able[0])
        snprintf(why, sizeof(why), "%s", st->able);
    if (st && st->limited[0])
        snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? ", " : "",
                 st->limited);
    if (st && st->active[0])
        snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? ", " : "",
                 st->active);
    bool hot = !isnan(s->seen) && s->seen > target;
    bool saturated = s->load - s->served > 0.005;
    fprintf(out, "%6.1fs  %-7s %5.2f  %s%5.2f%s  %s%-10s%s  %8d  %5d  %7s  %s%s%s\n",
            seconds(s->t_ms), phase, s->load, sgr(color && saturated, SGR_RED), s->served,
            sgr(color && saturated, SGR_RESET), sgr(color && hot, SGR_RED), cpu,
            sgr(color && hot, SGR_RESET), s->replicas, s->ready, desired, sgr(color, SGR_DIM),
            why[0] ? why : "-", sgr(color, SGR_RESET));
}

void hpac_demo_print_event(FILE *out, const hpac_demo_event *e, bool color)
{
    bool up = e->to > e->from;
    fprintf(out, "%6.1fs  %s%s %-11s %d -> %d%s", seconds(e->t_ms),
            sgr(color, up ? SGR_GREEN : SGR_CYAN), up ? "^" : "v", up ? "scaled up" : "scaled down",
            e->from, e->to, sgr(color, SGR_RESET));
    if (e->reason[0])
        fprintf(out, ": %s", e->reason);
    if (e->limited[0])
        fprintf(out, " %s[%s]%s", sgr(color, SGR_YELLOW), e->limited, sgr(color, SGR_RESET));
    fputc('\n', out);
}

void hpac_demo_print_summary(FILE *out, const hpac_demo_timeline *tl, const hpac_demo_summary *sum,
                             const hpac_demo_config *cfg, bool svg_written, bool color)
{
    fprintf(out, "\n%sSummary%s after %.1fs\n", sgr(color, SGR_BOLD), sgr(color, SGR_RESET),
            seconds(sum->duration_ms));
    fprintf(out, "  scale-ups      %u\n", sum->scale_ups);
    fprintf(out, "  scale-downs    %u\n", sum->scale_downs);
    /* The path the replicas took, when it is short enough to read. */
    if (tl->event_count > 0 && tl->event_count <= 16) {
        fprintf(out, "  replicas       %d", tl->events[0].from);
        for (size_t i = 0; i < tl->event_count; i++)
            fprintf(out, " -> %d", tl->events[i].to);
        fputc('\n', out);
    }
    fprintf(out, "  peak           %d replicas at %.1fs\n", sum->peak_replicas,
            seconds(sum->peak_at_ms));
    fprintf(out, "  above target   %.1fs of %.1fs (ready pods' CPU use above %d%% of requests)\n",
            seconds(sum->above_target_ms), seconds(sum->duration_ms), cfg->target_utilization);
    fprintf(out, "  saturated      %.1fs (offered load beyond %lldm per ready pod)\n",
            seconds(sum->unserved_ms), (long long)cfg->cpu_limit_milli);
    fprintf(out, "  end            %d replicas (minReplicas %d)\n", sum->end_replicas,
            cfg->min_replicas);
    if (svg_written)
        fprintf(out, "  chart          %s\n", cfg->svg_path);
}
