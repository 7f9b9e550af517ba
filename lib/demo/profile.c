#include "demo/profile.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

int64_t hpac_demo_profile_duration_ms(const hpac_demo_profile *p)
{
    return p->quiet_ms + p->ramp_ms + p->spike_ms + p->plateau_ms + p->drop_ms;
}

hpac_demo_phase hpac_demo_profile_phase(const hpac_demo_profile *p, int64_t t_ms)
{
    int64_t end = p->quiet_ms;
    if (t_ms < end)
        return HPAC_DEMO_QUIET;
    end += p->ramp_ms + p->spike_ms;
    if (t_ms < end)
        return HPAC_DEMO_SPIKE;
    end += p->plateau_ms;
    if (t_ms < end)
        return HPAC_DEMO_PLATEAU;
    end += p->drop_ms;
    if (t_ms < end)
        return HPAC_DEMO_DROP;
    return HPAC_DEMO_END;
}

const char *hpac_demo_phase_name(hpac_demo_phase phase)
{
    switch (phase) {
    case HPAC_DEMO_QUIET:
        return "quiet";
    case HPAC_DEMO_SPIKE:
        return "spike";
    case HPAC_DEMO_PLATEAU:
        return "plateau";
    case HPAC_DEMO_DROP:
        return "drop";
    case HPAC_DEMO_END:
        break;
    }
    return "end";
}

/* The load without the ripple. */
static double base_load(const hpac_demo_profile *p, int64_t t_ms)
{
    switch (hpac_demo_profile_phase(p, t_ms)) {
    case HPAC_DEMO_QUIET:
        return p->quiet_load;
    case HPAC_DEMO_SPIKE: {
        int64_t into = t_ms - p->quiet_ms;
        if (into < p->ramp_ms) {
            double f = (double)into / (double)p->ramp_ms;
            return p->quiet_load + f * (p->spike_load - p->quiet_load);
        }
        return p->spike_load;
    }
    case HPAC_DEMO_PLATEAU:
        return p->plateau_load;
    case HPAC_DEMO_DROP:
    case HPAC_DEMO_END:
        break;
    }
    return p->drop_load;
}

double hpac_demo_profile_load(const hpac_demo_profile *p, int64_t t_ms)
{
    double load = base_load(p, t_ms);
    if (p->wobble > 0) {
        /* Two incommensurate sines: a ripple that does not look periodic
         * over a minute, yet is the same in every run. */
        double x = 2.0 * M_PI * (double)t_ms / HPAC_DEMO_WOBBLE_PERIOD_MS;
        load *= 1.0 + p->wobble * (0.7 * sin(x) + 0.3 * sin(2.3 * x + 1.0));
    }
    return load > 0 ? load : 0;
}

int hpac_demo_profile_check(const hpac_demo_profile *p, char *err, size_t errsize)
{
    const int64_t durations[] = {p->quiet_ms, p->ramp_ms, p->spike_ms, p->plateau_ms, p->drop_ms};
    const double loads[] = {p->quiet_load, p->spike_load, p->plateau_load, p->drop_load};
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        if (durations[i] < 0) {
            snprintf(err, errsize, "a phase of the load profile lasts less than nothing");
            return -1;
        }
    }
    if (hpac_demo_profile_duration_ms(p) <= 0) {
        snprintf(err, errsize, "the load profile lasts no time");
        return -1;
    }
    for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
        if (!isfinite(loads[i]) || loads[i] < 0) {
            snprintf(err, errsize, "a load of the profile is negative or not a number");
            return -1;
        }
    }
    if (!(p->wobble >= 0 && p->wobble < 1)) {
        snprintf(err, errsize, "the load ripple must be in [0, 1)");
        return -1;
    }
    return 0;
}
