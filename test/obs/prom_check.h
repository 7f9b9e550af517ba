/* A small checker of the Prometheus text exposition format 0.0.4, as a
 * scraper reads it: every line a comment or a sample; HELP and TYPE at
 * most once per family and before its samples; a family's samples
 * together; label syntax and escapes; numbers; no duplicate series; for
 * histograms, buckets in increasing `le` order with non-decreasing counts,
 * a +Inf bucket equal to _count, and a _sum. Header-only, for the tests in
 * this folder. */
#ifndef HPAC_TEST_PROM_CHECK_H
#define HPAC_TEST_PROM_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_NAME_MAX 200
#define PROM_LABELS_MAX 8
#define PROM_VALUE_MAX 1100

typedef struct prom_label {
    char *name;
    char *value; /* unescaped */
} prom_label;

typedef struct prom_sample {
    char *name;
    size_t family; /* index into prom_doc.families */
    prom_label *labels;
    size_t label_count;
    char *raw_labels; /* as written, without the braces; "" for none */
    double value;
} prom_sample;

typedef struct prom_family {
    char name[PROM_NAME_MAX];
    char type[16]; /* "" when only HELP was given */
    bool has_help;
    char help[2048]; /* unescaped */
    bool closed;     /* another family's samples came after its own */
    size_t samples;
} prom_family;

typedef struct prom_doc {
    prom_sample *samples;
    size_t sample_count;
    prom_family *families;
    size_t family_count;
    char error[512];
} prom_doc;

static void prom_fail(prom_doc *d, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void prom_fail(prom_doc *d, size_t line, const char *fmt, ...)
{
    if (d->error[0])
        return;
    int n = snprintf(d->error, sizeof(d->error), "line %zu: ", line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error + n, sizeof(d->error) - (size_t)n, fmt, ap);
    va_end(ap);
}

static void prom_sample_free(prom_sample *s)
{
    for (size_t i = 0; i < s->label_count; i++) {
        free(s->labels[i].name);
        free(s->labels[i].value);
    }
    free(s->labels);
    free(s->name);
    free(s->raw_labels);
    memset(s, 0, sizeof(*s));
}

static void prom_doc_free(prom_doc *d)
{
    for (size_t i = 0; i < d->sample_count; i++)
        prom_sample_free(&d->samples[i]);
    free(d->samples);
    free(d->families);
    memset(d, 0, sizeof(*d));
}

static bool prom_name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':'))
        return true;
    return !first && c >= '0' && c <= '9';
}

/* Reads a metric or label name at *p into out; advances. */
static bool prom_read_name(const char **p, char *out, bool colon)
{
    size_t n = 0;
    while (prom_name_char((*p)[n], n == 0, colon)) {
        if (n + 1 >= PROM_NAME_MAX)
            return false;
        out[n] = (*p)[n];
        n++;
    }
    out[n] = '\0';
    *p += n;
    return n > 0;
}

static bool prom_read_number(const char *s, size_t n, double *v)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (strcmp(buf, "+Inf") == 0 || strcmp(buf, "Inf") == 0) {
        *v = INFINITY;
        return true;
    }
    if (strcmp(buf, "-Inf") == 0) {
        *v = -INFINITY;
        return true;
    }
    if (strcmp(buf, "NaN") == 0) {
        *v = NAN;
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", buf[i]))
            return false;
    char *end;
    *v = strtod(buf, &end);
    return *end == '\0';
}

static prom_family *prom_find_family(prom_doc *d, const char *name)
{
    for (size_t i = 0; i < d->family_count; i++)
        if (strcmp(d->families[i].name, name) == 0)
            return &d->families[i];
    return NULL;
}

static prom_family *prom_add_family(prom_doc *d, const char *name)
{
    prom_family *f = prom_find_family(d, name);
    if (f)
        return f;
    prom_family *bigger = realloc(d->families, (d->family_count + 1) * sizeof(*bigger));
    if (!bigger)
        return NULL;
    d->families = bigger;
    f = &d->families[d->family_count++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    return f;
}

/* Unescapes a HELP text (\\ and \n only). */
static bool prom_unescape_help(const char *s, size_t n, char *out, size_t outsize)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 >= n || (s[i + 1] != '\\' && s[i + 1] != 'n'))
                return false;
            c = s[++i] == 'n' ? '\n' : '\\';
        }
        if (o + 1 >= outsize)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

static void prom_comment(prom_doc *d, size_t lineno, const char *line, size_t n)
{
    /* "# HELP name text" or "# TYPE name type"; other comments are free. */
    bool help = n >= 7 && strncmp(line, "# HELP ", 7) == 0;
    bool type = n >= 7 && strncmp(line, "# TYPE ", 7) == 0;
    if (!help && !type)
        return;
    const char *p = line + 7;
    char name[PROM_NAME_MAX];
    if (!prom_read_name(&p, name, true)) {
        prom_fail(d, lineno, "bad metric name in %s", help ? "HELP" : "TYPE");
        return;
    }
    size_t rest = n - (size_t)(p - line);
    if (rest > 0 && *p != ' ') {
        prom_fail(d, lineno, "junk after the name");
        return;
    }
    if (rest > 0) {
        p++;
        rest--;
    }
    prom_family *f = prom_add_family(d, name);
    if (!f) {
        prom_fail(d, lineno, "out of memory");
        return;
    }
    if (f->samples) {
        prom_fail(d, lineno, "%s for %s after its samples", help ? "HELP" : "TYPE", name);
        return;
    }
    if (help) {
        if (f->has_help)
            prom_fail(d, lineno, "second HELP for %s", name);
        else if (!prom_unescape_help(p, rest, f->help, sizeof(f->help)))
            prom_fail(d, lineno, "bad escape in HELP of %s", name);
        f->has_help = true;
        return;
    }
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    bool known = false;
    for (size_t i = 0; i < 5; i++)
        if (strlen(types[i]) == rest && strncmp(p, types[i], rest) == 0)
            known = true;
    if (!known)
        prom_fail(d, lineno, "unknown type for %s", name);
    else if (f->type[0])
        prom_fail(d, lineno, "second TYPE for %s", name);
    else
        snprintf(f->type, sizeof(f->type), "%.*s", (int)rest, p);
}

/* The family a sample belongs to: its own name, or a histogram's base. */
static prom_family *prom_family_of(prom_doc *d, const char *name)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    prom_family *f = prom_find_family(d, name);
    if (f && f->type[0])
        return f;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), sl = strlen(suffixes[i]);
        if (n <= sl || strcmp(name + n - sl, suffixes[i]) != 0)
            continue;
        char base[PROM_NAME_MAX];
        snprintf(base, sizeof(base), "%.*s", (int)(n - sl), name);
        prom_family *b = prom_find_family(d, base);
        if (b && (strcmp(b->type, "histogram") == 0 || strcmp(b->type, "summary") == 0) &&
            (i > 0 || strcmp(b->type, "histogram") == 0))
            return b;
    }
    return NULL;
}

static bool prom_read_labels(prom_doc *d, size_t lineno, const char **pp, const char *end,
                             prom_sample *s)
{
    const char *p = *pp;
    const char *start = p;
    char name[PROM_NAME_MAX], value[PROM_VALUE_MAX];
    p++; /* '{' */
    while (p < end && *p != '}') {
        if (s->label_count == PROM_LABELS_MAX) {
            prom_fail(d, lineno, "too many labels");
            return false;
        }
        if (!prom_read_name(&p, name, false) || p >= end || *p != '=' || p + 1 >= end ||
            p[1] != '"') {
            prom_fail(d, lineno, "bad label syntax");
            return false;
        }
        for (size_t i = 0; i < s->label_count; i++)
            if (strcmp(s->labels[i].name, name) == 0) {
                prom_fail(d, lineno, "label %s twice", name);
                return false;
            }
        p += 2;
        size_t o = 0;
        while (p < end && *p != '"') {
            char c = *p;
            if (c == '\\') {
                if (p + 1 >= end || !strchr("\\\"n", p[1])) {
                    prom_fail(d, lineno, "bad escape in a label value");
                    return false;
                }
                p++;
                c = *p == 'n' ? '\n' : *p;
            }
            if (o + 1 >= PROM_VALUE_MAX) {
                prom_fail(d, lineno, "label value too long");
                return false;
            }
            value[o++] = c;
            p++;
        }
        value[o] = '\0';
        if (p >= end) {
            prom_fail(d, lineno, "unterminated label value");
            return false;
        }
        p++; /* closing quote */
        prom_label *bigger = realloc(s->labels, (s->label_count + 1) * sizeof(*bigger));
        if (!bigger) {
            prom_fail(d, lineno, "out of memory");
            return false;
        }
        s->labels = bigger;
        s->labels[s->label_count].name = strdup(name);
        s->labels[s->label_count].value = strdup(value);
        s->label_count++;
        if (p < end && *p == ',')
            p++;
        else if (p < end && *p != '}') {
            prom_fail(d, lineno, "expected , or } after a label");
            return false;
        }
    }
    if (p >= end) {
        prom_fail(d, lineno, "unterminated label set");
        return false;
    }
    p++; /* '}' */
    s->raw_labels = strndup(start + 1, (size_t)(p - start - 2));
    *pp = p;
    return true;
}

static bool prom_sample_line(prom_doc *d, size_t lineno, const char *line, size_t n,
                             size_t *current, prom_sample *s)
{
    const char *p = line, *end = line + n;
    char name[PROM_NAME_MAX];
    if (!prom_read_name(&p, name, true)) {
        prom_fail(d, lineno, "not a comment nor a sample");
        return false;
    }
    s->name = strdup(name);
    if (p < end && *p == '{' && !prom_read_labels(d, lineno, &p, end, s))
        return false;
    if (!s->raw_labels)
        s->raw_labels = strdup("");
    if (p >= end || *p != ' ') {
        prom_fail(d, lineno, "expected a space before the value");
        return false;
    }
    p++;
    const char *value = p;
    while (p < end && *p != ' ')
        p++;
    if (!prom_read_number(value, (size_t)(p - value), &s->value)) {
        prom_fail(d, lineno, "bad value");
        return false;
    }
    if (p < end) { /* an optional integer timestamp */
        p++;
        const char *ts = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '-'))
            p++;
        if (p == ts || p != end) {
            prom_fail(d, lineno, "junk after the value");
            return false;
        }
    }
    prom_family *f = prom_family_of(d, s->name);
    if (!f) {
        prom_fail(d, lineno, "sample %s before any TYPE of its family", s->name);
        return false;
    }
    if (f->closed) {
        prom_fail(d, lineno, "samples of %s are not together", f->name);
        return false;
    }
    size_t index = (size_t)(f - d->families);
    if (*current != SIZE_MAX && *current != index)
        d->families[*current].closed = true;
    *current = index;
    if (strcmp(f->type, "counter") == 0 && !(s->value >= 0)) {
        prom_fail(d, lineno, "counter %s is negative or NaN", s->name);
        return false;
    }
    bool is_bucket = strcmp(f->type, "histogram") == 0 &&
                     strcmp(s->name + strlen(f->name), "_bucket") == 0;
    bool has_le = false;
    for (size_t i = 0; i < s->label_count; i++)
        if (strcmp(s->labels[i].name, "le") == 0)
            has_le = true;
    if (is_bucket != has_le) {
        prom_fail(d, lineno, "le label %s on %s", has_le ? "misplaced" : "missing", s->name);
        return false;
    }
    s->family = index;
    f->samples++;
    return true;
}

static int prom_compare_samples(const void *a, const void *b)
{
    const prom_sample *x = *(const prom_sample *const *)a, *y = *(const prom_sample *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->raw_labels, y->raw_labels);
}

/* Sorting makes the duplicate check O(n log n): scrapes with 10,000
 * series are checked too. */
static void prom_check_duplicates(prom_doc *d)
{
    if (d->sample_count < 2)
        return;
    const prom_sample **order = malloc(d->sample_count * sizeof(*order));
    if (!order) {
        prom_fail(d, 0, "out of memory");
        return;
    }
    for (size_t i = 0; i < d->sample_count; i++)
        order[i] = &d->samples[i];
    qsort(order, d->sample_count, sizeof(*order), prom_compare_samples);
    for (size_t i = 1; i < d->sample_count; i++)
        if (prom_compare_samples(&order[i - 1], &order[i]) == 0) {
            prom_fail(d, 0, "duplicate sample %s{%s}", order[i]->name, order[i]->raw_labels);
            break;
        }
    free(order);
}

/* Labels of a sample without "le", as one comparable string; caller frees. */
static char *prom_series_key(const prom_sample *s)
{
    size_t size = 1;
    for (size_t i = 0; i < s->label_count; i++)
        size += strlen(s->labels[i].name) + strlen(s->labels[i].value) + 2;
    char *out = malloc(size);
    if (!out)
        abort();
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->label_count; i++) {
        if (strcmp(s->labels[i].name, "le") == 0)
            continue;
        o += (size_t)snprintf(out + o, size - o, "%s=%s\x1f", s->labels[i].name,
                              s->labels[i].value);
    }
    return out;
}

static const char *prom_label_value(const prom_sample *s, const char *name)
{
    for (size_t i = 0; i < s->label_count; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

/* One histogram series, from its first bucket line at index i. */
static void prom_check_series(prom_doc *d, const prom_family *f, size_t i)
{
    char bucket[PROM_NAME_MAX + 8], sum[PROM_NAME_MAX + 8], count[PROM_NAME_MAX + 8];
    snprintf(bucket, sizeof(bucket), "%s_bucket", f->name);
    snprintf(sum, sizeof(sum), "%s_sum", f->name);
    snprintf(count, sizeof(count), "%s_count", f->name);
    char *key = prom_series_key(&d->samples[i]);
    double last_le = -INFINITY, last_count = 0, inf_count = NAN, count_value = NAN;
    bool have_sum = false, have_count = false;
    for (size_t j = i; j < d->sample_count && !d->error[0]; j++) {
        const prom_sample *t = &d->samples[j];
        if (t->family != d->samples[i].family)
            continue;
        char *other = prom_series_key(t);
        bool same = strcmp(key, other) == 0;
        free(other);
        if (!same)
            continue;
        if (strcmp(t->name, bucket) == 0) {
            double le = NAN;
            const char *le_text = prom_label_value(t, "le");
            if (!isnan(inf_count))
                prom_fail(d, 0, "%s{%s}: a bucket after +Inf", bucket, t->raw_labels);
            else if (!prom_read_number(le_text, strlen(le_text), &le) || isnan(le) ||
                     le <= last_le)
                prom_fail(d, 0, "%s{%s}: le not increasing", bucket, t->raw_labels);
            else if (t->value < last_count)
                prom_fail(d, 0, "%s{%s}: bucket counts decrease", bucket, t->raw_labels);
            else if (isinf(le))
                inf_count = t->value;
            last_le = le;
            last_count = t->value;
        } else if (strcmp(t->name, sum) == 0) {
            have_sum = true;
        } else if (strcmp(t->name, count) == 0) {
            have_count = true;
            count_value = t->value;
        }
    }
    if (d->error[0]) {
        /* already reported */
    } else if (isnan(inf_count)) {
        prom_fail(d, 0, "%s (%s): no +Inf bucket", f->name, key);
    } else if (!have_sum || !have_count) {
        prom_fail(d, 0, "%s (%s): missing _sum or _count", f->name, key);
    } else if (inf_count != count_value) {
        prom_fail(d, 0, "%s (%s): +Inf bucket %g != count %g", f->name, key, inf_count,
                  count_value);
    }
    free(key);
}

static void prom_check_histograms(prom_doc *d)
{
    for (size_t i = 0; i < d->sample_count && !d->error[0]; i++) {
        const prom_sample *s = &d->samples[i];
        const prom_family *f = &d->families[s->family];
        if (strcmp(f->type, "histogram") != 0)
            continue;
        /* Every series needs buckets; a series is checked from its first
         * sample of any kind, so a lone _sum is caught too. */
        char *key = prom_series_key(s);
        bool first = true;
        for (size_t j = 0; j < i && first; j++) {
            if (d->samples[j].family != s->family)
                continue;
            char *other = prom_series_key(&d->samples[j]);
            first = strcmp(key, other) != 0;
            free(other);
        }
        free(key);
        if (first)
            prom_check_series(d, f, i);
    }
}

static void prom_add_sample(prom_doc *d, size_t lineno, const char *line, size_t n,
                            size_t *current)
{
    prom_sample s;
    memset(&s, 0, sizeof(s));
    if (!prom_sample_line(d, lineno, line, n, current, &s)) {
        prom_sample_free(&s);
        return;
    }
    prom_sample *bigger = realloc(d->samples, (d->sample_count + 1) * sizeof(*bigger));
    if (!bigger) {
        prom_sample_free(&s);
        prom_fail(d, lineno, "out of memory");
        return;
    }
    d->samples = bigger;
    d->samples[d->sample_count++] = s;
}

/* Parses and checks `text`; returns 0, or -1 with d->error set. The
 * caller frees with prom_doc_free either way. */
static int prom_parse(const char *text, size_t len, prom_doc *d)
{
    memset(d, 0, sizeof(*d));
    if (len == 0 || text[len - 1] != '\n') {
        prom_fail(d, 0, "does not end with a newline");
        return -1;
    }
    size_t current = SIZE_MAX;
    size_t lineno = 0;
    for (size_t pos = 0; pos < len && !d->error[0];) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = (size_t)(nl - line);
        lineno++;
        pos += n + 1;
        if (memchr(line, '\0', n)) {
            prom_fail(d, lineno, "NUL byte");
            break;
        }
        if (n == 0)
            continue;
        if (line[0] == '#')
            prom_comment(d, lineno, line, n);
        else
            prom_add_sample(d, lineno, line, n, &current);
    }
    if (!d->error[0])
        prom_check_duplicates(d);
    if (!d->error[0])
        prom_check_histograms(d);
    return d->error[0] ? -1 : 0;
}

/* The sample `name` whose labels, as written, are `raw` ("" for none);
 * NULL when absent. */
static const prom_sample *prom_find(const prom_doc *d, const char *name, const char *raw)
{
    for (size_t i = 0; i < d->sample_count; i++)
        if (strcmp(d->samples[i].name, name) == 0 && strcmp(d->samples[i].raw_labels, raw) == 0)
            return &d->samples[i];
    return NULL;
}

#endif
