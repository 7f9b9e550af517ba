#include "obs/registry.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_INITIAL 16
#define RENDER_INITIAL 4096
#define NUMBER_TEXT_MAX 32

/* One label set of a family. Allocated as one block: the struct, the
 * bucket counts, the value pointers, then the value text. */
typedef struct series {
    struct series *hash_next;
    struct series *prev, *next; /* creation order, for rendering */
    uint64_t hash;
    double value;        /* counters and gauges */
    double sum;          /* histograms */
    uint64_t count;      /* histograms */
    uint64_t *buckets;   /* histograms: per bound, not cumulative; last is +Inf */
    const char **values; /* label_count strings inside the block */
} series;

struct hpac_family {
    hpac_registry *registry;
    hpac_family *next;
    hpac_family_type type;
    char *name;
    char *help;
    char **labels;
    size_t label_count;
    double *bounds;
    size_t bound_count;
    series **table; /* chained hash on the label values */
    size_t table_size;
    size_t series_count;
    series *first, *last;
};

struct hpac_registry {
    pthread_mutex_t lock;
    hpac_family *first, *last;
    void (*collect)(void *ctx);
    void *collect_ctx;
};

/* ---- names -------------------------------------------------------------- */

static bool name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (colon && c == ':')
        return true;
    return !first && c >= '0' && c <= '9';
}

static bool valid_name(const char *s, bool colon)
{
    if (!s || !*s)
        return false;
    for (size_t i = 0; s[i]; i++)
        if (!name_char(s[i], i == 0, colon))
            return false;
    return true;
}

/* ---- registry and families ---------------------------------------------- */

hpac_registry *hpac_registry_new(void)
{
    hpac_registry *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL)) {
        free(r);
        return NULL;
    }
    return r;
}

static void family_free(hpac_family *f)
{
    if (!f)
        return;
    series *s = f->first;
    while (s) {
        series *next = s->next;
        free(s);
        s = next;
    }
    for (size_t i = 0; i < f->label_count; i++)
        free(f->labels[i]);
    free(f->labels);
    free(f->bounds);
    free(f->table);
    free(f->name);
    free(f->help);
    free(f);
}

void hpac_registry_free(hpac_registry *r)
{
    if (!r)
        return;
    hpac_family *f = r->first;
    while (f) {
        hpac_family *next = f->next;
        family_free(f);
        f = next;
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static bool spec_valid(const hpac_family_spec *spec)
{
    if (!valid_name(spec->name, true) || spec->label_count > HPAC_REGISTRY_MAX_LABELS ||
        (spec->label_count && !spec->labels))
        return false;
    for (size_t i = 0; i < spec->label_count; i++) {
        const char *label = spec->labels[i];
        if (!valid_name(label, false) || strncmp(label, "__", 2) == 0)
            return false;
        if (spec->type == HPAC_FAMILY_HISTOGRAM && strcmp(label, "le") == 0)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(label, spec->labels[j]) == 0)
                return false;
    }
    if (spec->type != HPAC_FAMILY_HISTOGRAM)
        return spec->bucket_count == 0;
    if (spec->bucket_count > HPAC_REGISTRY_MAX_BUCKETS || (spec->bucket_count && !spec->buckets))
        return false;
    for (size_t i = 0; i < spec->bucket_count; i++) {
        if (!isfinite(spec->buckets[i]) || (i > 0 && spec->buckets[i] <= spec->buckets[i - 1]))
            return false;
    }
    return true;
}

static hpac_family *find_family(hpac_registry *r, const char *name)
{
    for (hpac_family *f = r->first; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* A histogram's samples use name_bucket, name_sum and name_count: those
 * names must not belong to another family either way round. */
static bool name_clashes(hpac_registry *r, const hpac_family_spec *spec)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    if (find_family(r, spec->name))
        return true;
    char derived[512];
    for (size_t i = 0; i < 3; i++) {
        if (spec->type == HPAC_FAMILY_HISTOGRAM) {
            snprintf(derived, sizeof(derived), "%s%s", spec->name, suffixes[i]);
            if (find_family(r, derived))
                return true;
        }
        size_t n = strlen(spec->name), sl = strlen(suffixes[i]);
        if (n > sl && strcmp(spec->name + n - sl, suffixes[i]) == 0 && n - sl < sizeof(derived)) {
            memcpy(derived, spec->name, n - sl);
            derived[n - sl] = '\0';
            hpac_family *base = find_family(r, derived);
            if (base && base->type == HPAC_FAMILY_HISTOGRAM)
                return true;
        }
    }
    return false;
}

static hpac_family *family_new(const hpac_family_spec *spec)
{
    hpac_family *result = NULL;
    hpac_family *f = calloc(1, sizeof(*f));
    if (!f)
        goto out;
    f->type = spec->type;
    f->name = strdup(spec->name);
    f->help = strdup(spec->help ? spec->help : "");
    f->table_size = TABLE_INITIAL;
    f->table = calloc(f->table_size, sizeof(*f->table));
    if (!f->name || !f->help || !f->table)
        goto out;
    if (spec->label_count) {
        f->labels = calloc(spec->label_count, sizeof(*f->labels));
        if (!f->labels)
            goto out;
        for (size_t i = 0; i < spec->label_count; i++) {
            f->labels[i] = strdup(spec->labels[i]);
            if (!f->labels[i])
                goto out;
            f->label_count++;
        }
    }
    if (spec->bucket_count) {
        f->bounds = malloc(spec->bucket_count * sizeof(*f->bounds));
        if (!f->bounds)
            goto out;
        memcpy(f->bounds, spec->buckets, spec->bucket_count * sizeof(*f->bounds));
        f->bound_count = spec->bucket_count;
    }
    result = f;
    f = NULL;
out:
    family_free(f);
    return result;
}

hpac_family *hpac_registry_add(hpac_registry *r, const hpac_family_spec *spec)
{
    hpac_family *result = NULL;
    if (!spec_valid(spec))
        return NULL;
    pthread_mutex_lock(&r->lock);
    if (name_clashes(r, spec))
        goto out;
    result = family_new(spec);
    if (!result)
        goto out;
    result->registry = r;
    if (r->last)
        r->last->next = result;
    else
        r->first = result;
    r->last = result;
out:
    pthread_mutex_unlock(&r->lock);
    return result;
}

/* ---- series ------------------------------------------------------------- */

/* FNV-1a over the values, with a byte that never occurs in UTF-8 between
 * them so that ("ab","c") and ("a","bc") differ. */
static uint64_t hash_values(const char *const *values, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
        }
        h ^= 0xFF;
        h *= 1099511628211ULL;
    }
    return h;
}

static bool values_valid(const hpac_family *f, const char *const *values)
{
    if (f->label_count && !values)
        return false;
    for (size_t i = 0; i < f->label_count; i++)
        if (!values[i] || strlen(values[i]) > HPAC_REGISTRY_MAX_VALUE)
            return false;
    return true;
}

static bool same_values(const series *s, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->values[i], values[i]) != 0)
            return false;
    return true;
}

static series *find_series(const hpac_family *f, const char *const *values, uint64_t hash)
{
    for (series *s = f->table[hash & (f->table_size - 1)]; s; s = s->hash_next)
        if (s->hash == hash && same_values(s, values, f->label_count))
            return s;
    return NULL;
}

static void table_insert(series **table, size_t size, series *s)
{
    size_t slot = s->hash & (size - 1);
    s->hash_next = table[slot];
    table[slot] = s;
}

/* Doubling keeps the chains short: O(1) updates with 10,000 HPAs. A failed
 * grow leaves the table as it was, only slower. */
static void maybe_grow(hpac_family *f)
{
    if (f->series_count < f->table_size)
        return;
    size_t size = f->table_size * 2;
    series **table = calloc(size, sizeof(*table));
    if (!table)
        return;
    for (series *s = f->first; s; s = s->next)
        table_insert(table, size, s);
    free(f->table);
    f->table = table;
    f->table_size = size;
}

static series *series_new(const hpac_family *f, const char *const *values, uint64_t hash)
{
    size_t buckets = f->type == HPAC_FAMILY_HISTOGRAM ? f->bound_count + 1 : 0;
    size_t size = sizeof(series) + buckets * sizeof(uint64_t) + f->label_count * sizeof(char *);
    for (size_t i = 0; i < f->label_count; i++)
        size += strlen(values[i]) + 1;
    series *s = calloc(1, size);
    if (!s)
        return NULL;
    char *p = (char *)(s + 1);
    s->buckets = buckets ? (uint64_t *)p : NULL;
    p += buckets * sizeof(uint64_t);
    s->values = (const char **)p;
    p += f->label_count * sizeof(char *);
    for (size_t i = 0; i < f->label_count; i++) {
        size_t n = strlen(values[i]) + 1;
        memcpy(p, values[i], n);
        s->values[i] = p;
        p += n;
    }
    s->hash = hash;
    return s;
}

/* Called with the lock held. */
static series *get_series(hpac_family *f, const char *const *values)
{
    if (!values_valid(f, values))
        return NULL;
    uint64_t hash = hash_values(values, f->label_count);
    series *s = find_series(f, values, hash);
    if (s || f->series_count >= HPAC_REGISTRY_MAX_SERIES)
        return s;
    s = series_new(f, values, hash);
    if (!s)
        return NULL;
    maybe_grow(f);
    table_insert(f->table, f->table_size, s);
    s->prev = f->last;
    if (f->last)
        f->last->next = s;
    else
        f->first = s;
    f->last = s;
    f->series_count++;
    return s;
}

typedef enum op { OP_ADD, OP_SET, OP_OBSERVE, OP_TOUCH } op;

static bool op_fits(hpac_family_type type, op o, double v)
{
    if (o == OP_TOUCH)
        return true;
    if (isnan(v))
        return false;
    switch (type) {
    case HPAC_FAMILY_COUNTER:
        return (o == OP_ADD && v >= 0) || o == OP_SET;
    case HPAC_FAMILY_GAUGE:
        return o == OP_ADD || o == OP_SET;
    case HPAC_FAMILY_HISTOGRAM:
        return o == OP_OBSERVE;
    }
    return false;
}

static int update(hpac_family *f, const char *const *values, op o, double v)
{
    int result = -1;
    if (!op_fits(f->type, o, v))
        return -1;
    pthread_mutex_lock(&f->registry->lock);
    series *s = get_series(f, values);
    if (!s)
        goto out;
    if (o == OP_ADD) {
        s->value += v;
    } else if (o == OP_SET) {
        s->value = v;
    } else if (o == OP_OBSERVE) {
        /* Upper bounds are inclusive ("le"); O(buckets), at most 64. */
        size_t i = 0;
        while (i < f->bound_count && v > f->bounds[i])
            i++;
        s->buckets[i]++;
        s->count++;
        s->sum += v;
    }
    result = 0;
out:
    pthread_mutex_unlock(&f->registry->lock);
    return result;
}

int hpac_family_add(hpac_family *f, const char *const *values, double delta)
{
    return update(f, values, OP_ADD, delta);
}

int hpac_family_set(hpac_family *f, const char *const *values, double value)
{
    return update(f, values, OP_SET, value);
}

int hpac_family_observe(hpac_family *f, const char *const *values, double value)
{
    return update(f, values, OP_OBSERVE, value);
}

int hpac_family_touch(hpac_family *f, const char *const *values)
{
    return update(f, values, OP_TOUCH, 0);
}

int hpac_family_remove(hpac_family *f, const char *const *values)
{
    int result = -1;
    if (!values_valid(f, values))
        return -1;
    uint64_t hash = hash_values(values, f->label_count);
    pthread_mutex_lock(&f->registry->lock);
    series **link = &f->table[hash & (f->table_size - 1)];
    while (*link && !((*link)->hash == hash && same_values(*link, values, f->label_count)))
        link = &(*link)->hash_next;
    series *s = *link;
    if (!s)
        goto out;
    *link = s->hash_next;
    if (s->prev)
        s->prev->next = s->next;
    else
        f->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        f->last = s->prev;
    f->series_count--;
    free(s);
    result = 0;
out:
    pthread_mutex_unlock(&f->registry->lock);
    return result;
}

int hpac_family_get(hpac_family *f, const char *const *values, double *value, uint64_t *count,
                    double *sum)
{
    int result = -1;
    if (!values_valid(f, values))
        return -1;
    pthread_mutex_lock(&f->registry->lock);
    series *s = find_series(f, values, hash_values(values, f->label_count));
    if (!s)
        goto out;
    if (value)
        *value = s->value;
    if (count)
        *count = s->count;
    if (sum)
        *sum = s->sum;
    result = 0;
out:
    pthread_mutex_unlock(&f->registry->lock);
    return result;
}

size_t hpac_family_series_count(hpac_family *f)
{
    pthread_mutex_lock(&f->registry->lock);
    size_t n = f->series_count;
    pthread_mutex_unlock(&f->registry->lock);
    return n;
}

void hpac_registry_set_collector(hpac_registry *r, void (*collect)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&r->lock);
    r->collect = collect;
    r->collect_ctx = ctx;
    pthread_mutex_unlock(&r->lock);
}

void hpac_exponential_buckets(double start, double factor, size_t count, double *out)
{
    /* Repeated multiplication, so 0.001 * 2^i prints as 0.002, 0.004, ... */
    for (size_t i = 0; i < count; i++) {
        out[i] = start;
        start *= factor;
    }
}

/* ---- rendering ---------------------------------------------------------- */

typedef struct text {
    char *buf;
    size_t len;
    size_t cap;
    bool failed;
} text;

static void reserve(text *t, size_t more)
{
    if (t->failed || t->len + more < t->cap)
        return;
    size_t cap = t->cap ? t->cap : RENDER_INITIAL;
    while (cap <= t->len + more)
        cap *= 2;
    char *bigger = realloc(t->buf, cap);
    if (!bigger) {
        t->failed = true;
        return;
    }
    t->buf = bigger;
    t->cap = cap;
}

static void put_bytes(text *t, const char *s, size_t n)
{
    reserve(t, n);
    if (t->failed)
        return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void put_str(text *t, const char *s)
{
    put_bytes(t, s, strlen(s));
}

/* HELP escapes backslash and newline; label values also the double quote. */
static void put_escaped(text *t, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *esc = NULL;
        if (*s == '\\')
            esc = "\\\\";
        else if (*s == '\n')
            esc = "\\n";
        else if (quote && *s == '"')
            esc = "\\\"";
        if (!esc)
            continue;
        put_bytes(t, run, (size_t)(s - run));
        put_str(t, esc);
        run = s + 1;
    }
    put_bytes(t, run, (size_t)(s - run));
}

/* The shortest text that reads back as the same double, as Go prints
 * floats; whole numbers without an exponent up to 1e15. */
static void format_number(double v, char *out)
{
    if (isnan(v)) {
        strcpy(out, "NaN");
    } else if (isinf(v)) {
        strcpy(out, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, NUMBER_TEXT_MAX, "%.0f", v == 0 ? 0.0 : v);
    } else {
        snprintf(out, NUMBER_TEXT_MAX, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, NUMBER_TEXT_MAX, "%.17g", v);
    }
}

static void put_number(text *t, double v)
{
    char num[NUMBER_TEXT_MAX];
    format_number(v, num);
    put_str(t, num);
}

/* `name{l1="v1",...[,le="x"]} value\n`; braces only when there are labels. */
static void put_sample(text *t, const hpac_family *f, const char *suffix, const series *s,
                       const char *le, double value)
{
    put_str(t, f->name);
    put_str(t, suffix);
    if (f->label_count || le) {
        put_str(t, "{");
        for (size_t i = 0; i < f->label_count; i++) {
            if (i)
                put_str(t, ",");
            put_str(t, f->labels[i]);
            put_str(t, "=\"");
            put_escaped(t, s->values[i], true);
            put_str(t, "\"");
        }
        if (le) {
            if (f->label_count)
                put_str(t, ",");
            put_str(t, "le=\"");
            put_str(t, le);
            put_str(t, "\"");
        }
        put_str(t, "}");
    }
    put_str(t, " ");
    put_number(t, value);
    put_str(t, "\n");
}

static void render_family(text *t, const hpac_family *f)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    put_str(t, "# HELP ");
    put_str(t, f->name);
    put_str(t, " ");
    put_escaped(t, f->help, false);
    put_str(t, "\n# TYPE ");
    put_str(t, f->name);
    put_str(t, " ");
    put_str(t, type_names[f->type]);
    put_str(t, "\n");
    for (const series *s = f->first; s; s = s->next) {
        if (f->type != HPAC_FAMILY_HISTOGRAM) {
            put_sample(t, f, "", s, NULL, s->value);
            continue;
        }
        uint64_t cumulative = 0;
        char le[NUMBER_TEXT_MAX];
        for (size_t i = 0; i < f->bound_count; i++) {
            cumulative += s->buckets[i];
            format_number(f->bounds[i], le);
            put_sample(t, f, "_bucket", s, le, (double)cumulative);
        }
        put_sample(t, f, "_bucket", s, "+Inf", (double)s->count);
        put_sample(t, f, "_sum", s, NULL, s->sum);
        put_sample(t, f, "_count", s, NULL, (double)s->count);
    }
}

char *hpac_registry_render(hpac_registry *r, size_t *len)
{
    void (*collect)(void *ctx);
    void *ctx;
    pthread_mutex_lock(&r->lock);
    collect = r->collect;
    ctx = r->collect_ctx;
    pthread_mutex_unlock(&r->lock);
    if (collect)
        collect(ctx);

    text t = {0};
    reserve(&t, 1);
    pthread_mutex_lock(&r->lock);
    for (const hpac_family *f = r->first; f && !t.failed; f = f->next)
        render_family(&t, f);
    pthread_mutex_unlock(&r->lock);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    t.buf[t.len] = '\0';
    if (len)
        *len = t.len;
    return t.buf;
}
