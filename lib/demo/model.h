/* The demo's workload model: pods that share the offered load, start up
 * before they serve, and report CPU use that lags like metrics-server's.
 * Pure: no clock, no I/O; times are milliseconds of the demo clock, given
 * by the caller. The runner (run.c) mirrors the model into the simulated
 * cluster through the hooks. */
#ifndef HPAC_DEMO_MODEL_H
#define HPAC_DEMO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the lag of metrics-server ------------------------------------------ */

/* Samples one lag window keeps: the window divided by the tick must stay
 * below it (checked by the runner's configuration). Older samples are
 * dropped first. */
#define HPAC_DEMO_LAG_SAMPLES 64

/* A value over time, as steps: each sample holds from its time until the
 * next one. */
typedef struct hpac_demo_lag {
    int64_t window_ms;
    int64_t t_ms[HPAC_DEMO_LAG_SAMPLES];
    double value[HPAC_DEMO_LAG_SAMPLES];
    size_t first; /* index of the oldest sample */
    size_t count;
} hpac_demo_lag;

void hpac_demo_lag_init(hpac_demo_lag *l, int64_t window_ms);
/* Records that the value is `value` from t_ms on. Times must not
 * decrease; a sample at the time of the last one replaces it. Samples that
 * ended a whole window before t_ms are forgotten. */
void hpac_demo_lag_push(hpac_demo_lag *l, int64_t t_ms, double value);
/* The time-weighted mean over the window that ends at now_ms (shorter
 * when the first sample is younger than the window: a young pod reports
 * the mean over its life, as metrics-server does). 0 without samples;
 * the last value when the window has no length. */
double hpac_demo_lag_mean(const hpac_demo_lag *l, int64_t now_ms);

/* ---- pods ----------------------------------------------------------------- */

/* The load one ready pod carries: an even share, capped at what a pod can
 * use (its CPU limit). 0 without ready pods. */
double hpac_demo_share(double load, size_t ready, double max_per_pod);

#define HPAC_DEMO_POD_NAME_MAX 64

typedef struct hpac_demo_pod {
    char name[HPAC_DEMO_POD_NAME_MAX];
    uint64_t serial;    /* creation order */
    int64_t created_ms; /* started: the pod's startTime */
    int64_t ready_ms;   /* when it becomes (or became) ready */
    bool ready;
    double usage;      /* cores in use now */
    hpac_demo_lag lag; /* usage over the last window */
} hpac_demo_pod;

/* What the runner does when the model changes. A hook may be NULL; a
 * non-zero return is remembered (hpac_demo_model's `hook_failures`) and
 * the model carries on. */
typedef struct hpac_demo_hooks {
    int (*added)(void *ctx, const hpac_demo_pod *pod);
    int (*became_ready)(void *ctx, const hpac_demo_pod *pod);
    int (*removed)(void *ctx, const hpac_demo_pod *pod); /* the pod is freed after */
    void *ctx;
} hpac_demo_hooks;

typedef struct hpac_demo_model {
    hpac_demo_pod *pods; /* owned; in creation order */
    size_t count;
    size_t capacity;
    int64_t startup_ms; /* start to ready */
    int64_t window_ms;  /* metrics window */
    double max_per_pod; /* cores */
    const char *prefix; /* pod names: "<prefix>-<suffix>"; borrowed */
    uint64_t next_serial;
    /* After each step: */
    size_t ready_count;
    double served;   /* cores the ready pods carry */
    double unserved; /* offered load beyond their capacity */
    unsigned hook_failures;
} hpac_demo_model;

/* An empty model. `prefix` is borrowed for the model's life. */
void hpac_demo_model_init(hpac_demo_model *m, const char *prefix, int64_t startup_ms,
                          int64_t window_ms, double max_per_pod);
/* Frees the pods (no hooks run). */
void hpac_demo_model_clear(hpac_demo_model *m);

/* Adds `n` pods that have been ready a long time before now_ms, each
 * carrying `load`/n (capped) over a full window. Returns 0, or -1 when out
 * of memory. */
int hpac_demo_model_seed(hpac_demo_model *m, size_t n, double load, int64_t now_ms,
                         const hpac_demo_hooks *hooks);

/* Adds or removes pods until there are `want`: new pods start at now_ms
 * and become ready startup_ms later; removal takes the pods that are not
 * ready first, then the newest, as a ReplicaSet does. Returns 0, or -1
 * when out of memory (some pods may have been added). */
int hpac_demo_model_scale(hpac_demo_model *m, size_t want, int64_t now_ms,
                          const hpac_demo_hooks *hooks);

/* Advances to now_ms with `load` offered: pods whose start-up is over
 * become ready, ready pods take their share, every pod records its usage
 * (0 until ready) into its lag window. */
void hpac_demo_model_step(hpac_demo_model *m, int64_t now_ms, double load,
                          const hpac_demo_hooks *hooks);

/* The usage a pod reports at now_ms: its mean over the window. */
double hpac_demo_pod_reported(const hpac_demo_pod *pod, int64_t now_ms);

#endif
