/* What the demo saw, tick by tick: the samples behind the chart, the
 * scale events with their reasons, and the summary. Pure: the runner
 * fills it; rendering returns text. */
#ifndef HPAC_DEMO_TIMELINE_H
#define HPAC_DEMO_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most samples and events kept; later ones are dropped (a demo run makes
 * a few hundred samples and a dozen events). */
#define HPAC_DEMO_SAMPLES_MAX 100000
#define HPAC_DEMO_EVENTS_MAX 1000
#define HPAC_DEMO_REASON_MAX 256
#define HPAC_DEMO_CONDITION_MAX 64

typedef struct hpac_demo_sample {
    int64_t t_ms;  /* demo clock */
    double load;   /* offered, cores */
    double served; /* carried by ready pods, cores */
    double seen;   /* utilization in the HPA's status, percent; NAN: none yet */
    double actual; /* the ready pods' real utilization, percent; NAN: none ready */
    int replicas;  /* the target's spec.replicas */
    int desired;   /* the HPA's status.desiredReplicas; -1: none yet */
    int ready;     /* ready pods */
} hpac_demo_sample;

typedef struct hpac_demo_event {
    int64_t t_ms;
    int from;
    int to;
    char reason[HPAC_DEMO_REASON_MAX];     /* the controller's, from its event; "" if unknown */
    char limited[HPAC_DEMO_CONDITION_MAX]; /* ScalingLimited reason when True, else "" */
    bool status_seen; /* `limited` comes from the status written with the scale */
    bool printed;     /* shown on the timeline already (the runner's mark) */
} hpac_demo_event;

typedef struct hpac_demo_summary {
    int64_t duration_ms;
    unsigned scale_ups;
    unsigned scale_downs;
    unsigned unexplained; /* scale events without a reason */
    int start_replicas;
    int end_replicas;
    int peak_replicas;
    int64_t peak_at_ms;
    int64_t above_target_ms; /* actual utilization above the target */
    int64_t unserved_ms;     /* some load beyond what the ready pods could carry */
    bool status_seen;        /* the controller wrote a status at least once */
} hpac_demo_summary;

typedef struct hpac_demo_timeline {
    hpac_demo_sample *samples; /* owned */
    size_t sample_count;
    size_t sample_capacity;
    hpac_demo_event *events; /* owned */
    size_t event_count;
    size_t event_capacity;
    double target; /* utilization target, percent */
    int min_replicas;
    int max_replicas;
} hpac_demo_timeline;

void hpac_demo_timeline_init(hpac_demo_timeline *tl, double target, int min_replicas,
                             int max_replicas);
void hpac_demo_timeline_clear(hpac_demo_timeline *tl);

/* Appends a copy. Returns 0, or -1 when out of memory or full. */
int hpac_demo_timeline_add_sample(hpac_demo_timeline *tl, const hpac_demo_sample *s);
/* Appends an event; returns it (owned by the timeline, valid until the
 * next add) or NULL. */
hpac_demo_event *hpac_demo_timeline_add_event(hpac_demo_timeline *tl, int64_t t_ms, int from,
                                              int to);

/* Counts and times over the samples and events. */
void hpac_demo_timeline_summarize(const hpac_demo_timeline *tl, hpac_demo_summary *out);

/* Three panels: load (offered, served), CPU utilization (seen by the
 * HPA, actual, target) and pods (replicas, ready, desired), scale events
 * as marks. New document (caller frees), or NULL when out of memory or
 * without samples. */
char *hpac_demo_timeline_svg(const hpac_demo_timeline *tl, const char *title);

#endif
