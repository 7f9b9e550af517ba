/* A small Prometheus registry: counter, gauge and histogram families with
 * label sets, rendered in the text exposition format 0.0.4.
 *
 * Thread safety: every call takes the registry's mutex, so the controller's
 * loop can write while another thread (the HTTP server) renders. Rendering
 * holds the mutex while it formats, which is O(series). */
#ifndef HPAC_OBS_REGISTRY_H
#define HPAC_OBS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Series per family: a bug that puts an unbounded value in a label must
 * not eat the heap. Updates to new series beyond it are refused. */
#define HPAC_REGISTRY_MAX_SERIES (256 * 1024)
/* Longest label value; Kubernetes names are at most 253 bytes. */
#define HPAC_REGISTRY_MAX_VALUE 1024
#define HPAC_REGISTRY_MAX_LABELS 8
#define HPAC_REGISTRY_MAX_BUCKETS 64

typedef enum hpac_family_type {
    HPAC_FAMILY_COUNTER,
    HPAC_FAMILY_GAUGE,
    HPAC_FAMILY_HISTOGRAM,
} hpac_family_type;

typedef struct hpac_registry hpac_registry;
/* A metric family: one name, one help text, one set of label names. */
typedef struct hpac_family hpac_family;

/* Caller owns the registry; hpac_registry_free frees it and its families. */
hpac_registry *hpac_registry_new(void);
void hpac_registry_free(hpac_registry *r);

typedef struct hpac_family_spec {
    hpac_family_type type;
    const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]* */
    const char *help;
    const char *const *labels; /* [a-zA-Z_][a-zA-Z0-9_]*, not "__*"; no "le" on histograms */
    size_t label_count;
    const double *buckets; /* histograms: strictly increasing finite upper bounds */
    size_t bucket_count;   /* +Inf is implied */
} hpac_family_spec;

/* Registers a family; everything in `spec` is copied. Returns the family
 * (owned by the registry, valid until it is freed), or NULL when a name is
 * invalid, taken, or memory ran out. */
hpac_family *hpac_registry_add(hpac_registry *r, const hpac_family_spec *spec);

/* `values` holds one value per label name, in the family's order (NULL
 * when it has none); they are copied when a series is created. Each
 * returns 0, or -1 when the call does not fit the family's type, a value
 * is over HPAC_REGISTRY_MAX_VALUE, the number is NaN (or a negative
 * counter increment), the family is full, or memory ran out. */
int hpac_family_add(hpac_family *f, const char *const *values, double delta);
/* Gauges; and counters that mirror a total kept elsewhere (CPU time). */
int hpac_family_set(hpac_family *f, const char *const *values, double value);
int hpac_family_observe(hpac_family *f, const char *const *values, double value);
/* Creates the series at zero so that it is exported before it first
 * moves (a counter that appears late hides its first increments). */
int hpac_family_touch(hpac_family *f, const char *const *values);
/* Drops one series (a deleted HPA). Returns 0, or -1 when absent. */
int hpac_family_remove(hpac_family *f, const char *const *values);

/* Reads back a counter or gauge value, or a histogram's count and sum
 * (either pointer may be NULL). Returns 0, or -1 when the series is absent. */
int hpac_family_get(hpac_family *f, const char *const *values, double *value, uint64_t *count,
                    double *sum);
size_t hpac_family_series_count(hpac_family *f);

/* `collect` runs at the start of every render, before the mutex is taken,
 * so it may update families (process statistics read on demand). */
void hpac_registry_set_collector(hpac_registry *r, void (*collect)(void *ctx), void *ctx);

/* The whole registry as exposition text, families in registration order,
 * series in creation order; a family without series still shows its HELP
 * and TYPE. Returns a new NUL-terminated buffer (caller frees) and its
 * length in *len (may be NULL), or NULL when memory ran out. */
char *hpac_registry_render(hpac_registry *r, size_t *len);

/* `count` bounds start*factor^i, i = 0..count-1, into `out`. */
void hpac_exponential_buckets(double start, double factor, size_t count, double *out);

#endif
