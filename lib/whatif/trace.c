/* The CSV reader: line by line, with the file name and line number in
 * every message, since a trace is usually edited by hand. */
#include "whatif/trace.h"

#include "hpa/quantity.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
    const char *name;
    size_t columns;
    size_t line;
    char *err;
    size_t errsize;
    hpac_trace *out;
    size_t cap;
} parser;

/* A field of the current line: [start, end) after trimming. */
typedef struct field {
    const char *start;
    size_t len;
} field;

static void shape(const parser *p, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "seconds");
    for (size_t i = 0; i < p->columns && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ",load");
}

static int fail_shape(const parser *p, const char *text, size_t len)
{
    char expected[128];
    shape(p, expected, sizeof(expected));
    snprintf(p->err, p->errsize, "%s:%zu: expected \"%s\"%s, got \"%.*s\"", p->name, p->line,
             expected, p->columns > 1 ? " (one load column per metric)" : "",
             (int)(len > 80 ? 80 : len), text);
    return -1;
}

static field trim(const char *start, const char *end)
{
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    return (field){start, (size_t)(end - start)};
}

/* Splits at commas; returns the number of fields, or SIZE_MAX when there
 * are more than `max`. */
static size_t split(const char *start, const char *end, field *fields, size_t max)
{
    size_t n = 0;
    const char *at = start;
    for (;;) {
        const char *comma = memchr(at, ',', (size_t)(end - at));
        const char *stop = comma ? comma : end;
        if (n == max)
            return SIZE_MAX;
        fields[n++] = trim(at, stop);
        if (!comma)
            return n;
        at = comma + 1;
    }
}

/* "12", "12.5", "0.001": non-negative seconds to whole milliseconds. */
static bool parse_seconds(field f, int64_t *ms)
{
    int64_t whole = 0, frac = 0;
    size_t i = 0, frac_digits = 0;
    if (f.len == 0)
        return false;
    for (; i < f.len && isdigit((unsigned char)f.start[i]); i++) {
        whole = whole * 10 + (f.start[i] - '0');
        if (whole > HPAC_TRACE_MAX_SECONDS)
            return false;
    }
    if (i == 0)
        return false;
    if (i < f.len && f.start[i] == '.') {
        for (i++; i < f.len && isdigit((unsigned char)f.start[i]); i++) {
            if (frac_digits == 3) {
                if (f.start[i] != '0')
                    return false; /* finer than a millisecond */
                continue;
            }
            frac = frac * 10 + (f.start[i] - '0');
            frac_digits++;
        }
    }
    if (i != f.len)
        return false;
    for (; frac_digits < 3; frac_digits++)
        frac *= 10;
    *ms = whole * 1000 + frac;
    return true;
}

static int grow(parser *p)
{
    hpac_trace *t = p->out;
    if (t->count < p->cap)
        return 0;
    size_t cap = p->cap ? p->cap * 2 : 256;
    int64_t *times = realloc(t->t_ms, cap * sizeof(*times));
    if (times)
        t->t_ms = times;
    int64_t *loads = realloc(t->load_milli, cap * p->columns * sizeof(*loads));
    if (loads)
        t->load_milli = loads;
    size_t *lines = realloc(t->line, cap * sizeof(*lines));
    if (lines)
        t->line = lines;
    if (!times || !loads || !lines) {
        snprintf(p->err, p->errsize, "%s:%zu: out of memory", p->name, p->line);
        return -1;
    }
    p->cap = cap;
    return 0;
}

static bool is_header(const field *fields)
{
    return fields[0].len == 7 && strncasecmp(fields[0].start, "seconds", 7) == 0;
}

static int data_line(parser *p, const field *fields, size_t n, const char *text, size_t len)
{
    hpac_trace *t = p->out;
    int64_t ms;
    if (n != p->columns + 1)
        return fail_shape(p, text, len);
    if (!parse_seconds(fields[0], &ms)) {
        snprintf(p->err, p->errsize,
                 "%s:%zu: time \"%.*s\" is not a number of seconds (expected \"seconds,load\", "
                 "seconds >= 0, at most millisecond precision)",
                 p->name, p->line, (int)(fields[0].len > 40 ? 40 : fields[0].len),
                 fields[0].start);
        return -1;
    }
    if (t->count > 0 && ms <= t->t_ms[t->count - 1]) {
        int64_t prev = t->t_ms[t->count - 1];
        snprintf(p->err, p->errsize,
                 "%s:%zu: time %.*s is not after %lld.%03llds of line %zu: times must increase",
                 p->name, p->line, (int)fields[0].len, fields[0].start, (long long)(prev / 1000),
                 (long long)(prev % 1000), t->line[t->count - 1]);
        return -1;
    }
    if (grow(p))
        return -1;
    for (size_t c = 0; c < p->columns; c++) {
        const field *f = &fields[c + 1];
        char text_q[64];
        int64_t milli = 0;
        bool ok = f->len > 0 && f->len < sizeof(text_q);
        if (ok) {
            memcpy(text_q, f->start, f->len);
            text_q[f->len] = '\0';
            ok = hpac_quantity_parse_milli(text_q, &milli) == HPAC_QTY_OK;
        }
        if (!ok) {
            snprintf(p->err, p->errsize,
                     "%s:%zu: load \"%.*s\" is not a number (expected a quantity such as 2.5 or "
                     "2500m)",
                     p->name, p->line, (int)(f->len > 40 ? 40 : f->len), f->start);
            return -1;
        }
        if (milli < 0) {
            snprintf(p->err, p->errsize, "%s:%zu: load \"%.*s\" is negative", p->name, p->line,
                     (int)f->len, f->start);
            return -1;
        }
        t->load_milli[t->count * p->columns + c] = milli;
    }
    t->t_ms[t->count] = ms;
    t->line[t->count] = p->line;
    t->count++;
    return 0;
}

int hpac_trace_parse(const char *text, size_t len, const char *name, size_t columns,
                     hpac_trace *out, char *err, size_t errsize)
{
    parser p = {.name = name ? name : "trace", .columns = columns, .err = err,
                .errsize = errsize, .out = out};
    field fields[HPAC_TRACE_MAX_COLUMNS + 1];
    bool seen_content = false;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    out->columns = columns;
    if (columns == 0 || columns > HPAC_TRACE_MAX_COLUMNS) {
        snprintf(err, errsize, "%s: %zu load columns asked for, at most %d supported", p.name,
                 columns, HPAC_TRACE_MAX_COLUMNS);
        goto out;
    }
    if (memchr(text, '\0', len)) {
        snprintf(err, errsize, "%s: not a text file (it contains a NUL byte)", p.name);
        goto out;
    }
    const char *at = text, *end = text + len;
    while (at < end) {
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        const char *stop = nl ? nl : end;
        p.line++;
        if ((size_t)(stop - at) > HPAC_TRACE_MAX_LINE) {
            snprintf(err, errsize, "%s:%zu: line longer than %d bytes", p.name, p.line,
                     HPAC_TRACE_MAX_LINE);
            goto out;
        }
        /* A comment runs from '#' to the end of the line. */
        const char *hash = memchr(at, '#', (size_t)(stop - at));
        field line = trim(at, hash ? hash : stop);
        at = nl ? nl + 1 : end;
        if (line.len == 0)
            continue;
        size_t n = split(line.start, line.start + line.len, fields, HPAC_TRACE_MAX_COLUMNS + 1);
        if (n == SIZE_MAX) {
            fail_shape(&p, line.start, line.len);
            goto out;
        }
        bool first = !seen_content;
        seen_content = true;
        if (first && is_header(fields)) {
            if (n != columns + 1) {
                fail_shape(&p, line.start, line.len);
                goto out;
            }
            continue;
        }
        if (data_line(&p, fields, n, line.start, line.len))
            goto out;
    }
    if (out->count == 0) {
        char expected[128];
        shape(&p, expected, sizeof(expected));
        snprintf(err, errsize, "%s:%zu: no data: expected \"%s\" lines", p.name,
                 p.line ? p.line : 1, expected);
        goto out;
    }
    rc = 0;
out:
    if (rc)
        hpac_trace_clear(out);
    return rc;
}

void hpac_trace_clear(hpac_trace *trace)
{
    free(trace->t_ms);
    free(trace->load_milli);
    free(trace->line);
    memset(trace, 0, sizeof(*trace));
}

size_t hpac_trace_row_at(const hpac_trace *trace, int64_t t_ms, size_t *hint)
{
    size_t row;
    if (hint && *hint < trace->count && trace->t_ms[*hint] <= t_ms) {
        /* Walking forward: usually the same row or the next. */
        row = *hint;
        while (row + 1 < trace->count && trace->t_ms[row + 1] <= t_ms)
            row++;
    } else {
        /* Last row at or before t_ms, or row 0: O(log n). */
        size_t lo = 0, hi = trace->count;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (trace->t_ms[mid] <= t_ms)
                lo = mid;
            else
                hi = mid;
        }
        row = lo;
    }
    if (hint)
        *hint = row;
    return row;
}
