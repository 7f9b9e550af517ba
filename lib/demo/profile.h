/* The demo's offered load over time: quiet, a spike, a plateau, a drop.
 * Pure: a function of the time on the demo clock. */
#ifndef HPAC_DEMO_PROFILE_H
#define HPAC_DEMO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

typedef enum hpac_demo_phase {
    HPAC_DEMO_QUIET,
    HPAC_DEMO_SPIKE, /* the rise, then the peak */
    HPAC_DEMO_PLATEAU,
    HPAC_DEMO_DROP,
    HPAC_DEMO_END, /* at or after the profile's end */
} hpac_demo_phase;

/* Durations in milliseconds of the demo clock, loads in cores (the total
 * over the whole workload). The phases follow each other: quiet_ms at
 * quiet_load, a linear rise over ramp_ms to spike_load (counted as the
 * spike), spike_ms at spike_load, plateau_ms at plateau_load, drop_ms at
 * drop_load. */
typedef struct hpac_demo_profile {
    int64_t quiet_ms;
    int64_t ramp_ms;
    int64_t spike_ms;
    int64_t plateau_ms;
    int64_t drop_ms;
    double quiet_load;
    double spike_load;
    double plateau_load;
    double drop_load;
    /* Relative amplitude of a slow, deterministic ripple on top (0.05:
     * +-5%), so that the load looks like traffic; 0: flat phases. */
    double wobble;
} hpac_demo_profile;

/* Period of the ripple. */
#define HPAC_DEMO_WOBBLE_PERIOD_MS 7000

/* Sum of the phases. */
int64_t hpac_demo_profile_duration_ms(const hpac_demo_profile *p);

/* The phase at t_ms (negative t: quiet). */
hpac_demo_phase hpac_demo_profile_phase(const hpac_demo_profile *p, int64_t t_ms);
/* "quiet", "spike", "plateau", "drop", "end". */
const char *hpac_demo_phase_name(hpac_demo_phase phase);

/* The offered load at t_ms, never negative. Before 0 it is the quiet
 * load, after the end the drop load (the ripple continues). */
double hpac_demo_profile_load(const hpac_demo_profile *p, int64_t t_ms);

/* 0, or -1 with err when a duration is negative, the total is 0, a load
 * is negative or not finite, or the ripple is not in [0, 1). */
int hpac_demo_profile_check(const hpac_demo_profile *p, char *err, size_t errsize);

#endif
