/* A load trace: the CSV that `hpac simulate --trace` replays.
 *
 *     # comments and blank lines are skipped
 *     seconds,load          <- optional header
 *     0,1.5
 *     3600,4                <- load in the metric's units, as a quantity
 *
 * One load column per metric of the HPA, in spec.metrics order. Times are
 * seconds (fractions allowed, to the millisecond) and strictly increasing.
 * The load holds step-wise from its line's time until the next line's.
 * Pure: parses text already in memory. */
#ifndef HPAC_WHATIF_TRACE_H
#define HPAC_WHATIF_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Named caps: a line longer than this, or more columns, is an error. */
#define HPAC_TRACE_MAX_LINE 4096
#define HPAC_TRACE_MAX_COLUMNS 16
/* Times above this (about 31 years) are rejected before they overflow. */
#define HPAC_TRACE_MAX_SECONDS 1000000000LL

typedef struct hpac_trace {
    int64_t *t_ms;       /* count entries, strictly increasing */
    int64_t *load_milli; /* count * columns entries, row after row */
    size_t count;
    size_t columns;
    size_t *line;        /* the source line of each row, for messages */
} hpac_trace;

/* Parses `len` bytes of `text`. `name` prefixes messages
 * ("LOAD.csv:17: expected \"seconds,load\", got \"12;3\""). `columns` is
 * the number of load columns required (one per metric). Returns 0, or -1
 * with the message in err and `out` cleared. Caller clears `out`. */
int hpac_trace_parse(const char *text, size_t len, const char *name, size_t columns,
                     hpac_trace *out, char *err, size_t errsize);

/* Frees the contents, not the struct. Safe on a zeroed struct. */
void hpac_trace_clear(hpac_trace *trace);

/* The row in effect at t_ms: the last row at or before it, row 0 before
 * the first. `hint` (in/out, may be NULL) makes a forward walk O(1). */
size_t hpac_trace_row_at(const hpac_trace *trace, int64_t t_ms, size_t *hint);

static inline int64_t hpac_trace_load(const hpac_trace *trace, size_t row, size_t column)
{
    return trace->load_milli[row * trace->columns + column];
}

#endif
