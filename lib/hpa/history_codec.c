#include "hpa/history_codec.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODEC_VERSION 1
/* Longest text of one entry: "[", an int32, ",", an int64, ",1", "],". */
#define ENTRY_TEXT_MAX 40
/* The braces, the keys and the base time. */
#define FRAME_TEXT_MAX 96

/* ---- encoding ---------------------------------------------------------- */

/* Which entries of one list are written: all when the list fits the cap,
 * else those newer than `threshold` plus `equal_budget` of those exactly
 * at it (the newest HPAC_HISTORY_CODEC_MAX_ENTRIES in all). */
typedef struct keep_rule {
    bool all;
    int64_t threshold;
    size_t equal_budget;
} keep_rule;

static int compare_times(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* `times` is scratch space of `count` items, reordered. */
static keep_rule keep_newest(int64_t *times, size_t count)
{
    keep_rule rule = {.all = true};
    if (count <= HPAC_HISTORY_CODEC_MAX_ENTRIES)
        return rule;
    qsort(times, count, sizeof(*times), compare_times);
    rule.all = false;
    rule.threshold = times[count - HPAC_HISTORY_CODEC_MAX_ENTRIES];
    size_t newer = 0;
    for (size_t i = 0; i < count; i++)
        if (times[i] > rule.threshold)
            newer++;
    rule.equal_budget = HPAC_HISTORY_CODEC_MAX_ENTRIES - newer;
    return rule;
}

/* Consumes the budget for entries exactly at the threshold, so call it
 * once per entry, in order. */
static bool kept(keep_rule *rule, int64_t at_ms)
{
    if (rule->all || at_ms > rule->threshold)
        return true;
    if (at_ms == rule->threshold && rule->equal_budget > 0) {
        rule->equal_budget--;
        return true;
    }
    return false;
}

static bool time_ok(int64_t at_ms)
{
    return at_ms >= HPAC_HISTORY_CODEC_MIN_TIME_MS && at_ms <= HPAC_HISTORY_CODEC_MAX_TIME_MS;
}

typedef struct writer {
    char *buf;
    size_t len;
    size_t cap;
} writer;

static void put(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The buffer is sized for the worst case up front, so output never
 * truncates; the assertion-like clamp only guards the arithmetic. */
static void put(writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        w->len += (size_t)n < w->cap - w->len ? (size_t)n : w->cap - w->len - 1;
}

typedef struct encode_plan {
    keep_rule rules[3];
    int64_t base;
    size_t entries;
    bool valid;
} encode_plan;

static void plan_event(encode_plan *p, keep_rule *rule, const hpac_scale_event *e)
{
    if (!kept(rule, e->at_ms))
        return;
    if (e->change < 1 || !time_ok(e->at_ms))
        p->valid = false;
    if (p->entries == 0 || e->at_ms < p->base)
        p->base = e->at_ms;
    p->entries++;
}

/* Decides what is written and checks it is what the decoder accepts. */
static int make_plan(const hpac_history *h, encode_plan *p)
{
    int result = -1;
    size_t most = h->recommendation_count;
    if (h->scale_up_count > most)
        most = h->scale_up_count;
    if (h->scale_down_count > most)
        most = h->scale_down_count;
    int64_t *scratch = most ? malloc(most * sizeof(*scratch)) : NULL;
    if (most && !scratch)
        goto out;

    for (size_t i = 0; i < h->recommendation_count; i++)
        scratch[i] = h->recommendations[i].at_ms;
    p->rules[0] = keep_newest(scratch, h->recommendation_count);
    for (size_t i = 0; i < h->scale_up_count; i++)
        scratch[i] = h->scale_ups[i].at_ms;
    p->rules[1] = keep_newest(scratch, h->scale_up_count);
    for (size_t i = 0; i < h->scale_down_count; i++)
        scratch[i] = h->scale_downs[i].at_ms;
    p->rules[2] = keep_newest(scratch, h->scale_down_count);

    /* A dry run on copies of the rules: `kept` consumes budgets. */
    keep_rule rules[3];
    memcpy(rules, p->rules, sizeof(rules));
    p->valid = true;
    p->entries = 0;
    p->base = 0;
    for (size_t i = 0; i < h->recommendation_count; i++) {
        const hpac_recommendation *r = &h->recommendations[i];
        if (!kept(&rules[0], r->at_ms))
            continue;
        if (r->replicas < 0 || !time_ok(r->at_ms))
            p->valid = false;
        if (p->entries == 0 || r->at_ms < p->base)
            p->base = r->at_ms;
        p->entries++;
    }
    for (size_t i = 0; i < h->scale_up_count; i++)
        plan_event(p, &rules[1], &h->scale_ups[i]);
    for (size_t i = 0; i < h->scale_down_count; i++)
        plan_event(p, &rules[2], &h->scale_downs[i]);
    result = 0;
out:
    free(scratch);
    return result;
}

static void write_events(writer *w, const char *key, keep_rule *rule,
                         const hpac_scale_event *events, size_t count, int64_t base)
{
    bool first = true;
    for (size_t i = 0; i < count; i++) {
        const hpac_scale_event *e = &events[i];
        if (!kept(rule, e->at_ms))
            continue;
        put(w, "%s[%" PRId32 ",%" PRId64 ",%d]", first ? key : ",", e->change, e->at_ms - base,
            e->outdated ? 1 : 0);
        first = false;
    }
    if (!first)
        put(w, "]");
}

char *hpac_history_encode(const hpac_history *h)
{
    char *result = NULL;
    writer w = {0};
    encode_plan plan;
    if (!h->started || make_plan(h, &plan) || !plan.valid)
        goto out;
    w.cap = FRAME_TEXT_MAX + plan.entries * ENTRY_TEXT_MAX;
    w.buf = malloc(w.cap);
    if (!w.buf)
        goto out;

    put(&w, "{\"v\":%d", CODEC_VERSION);
    if (plan.entries)
        put(&w, ",\"t\":%" PRId64, plan.base);
    bool first = true;
    for (size_t i = 0; i < h->recommendation_count; i++) {
        const hpac_recommendation *r = &h->recommendations[i];
        if (!kept(&plan.rules[0], r->at_ms))
            continue;
        put(&w, "%s[%" PRId32 ",%" PRId64 "]", first ? ",\"r\":[" : ",", r->replicas,
            r->at_ms - plan.base);
        first = false;
    }
    if (!first)
        put(&w, "]");
    write_events(&w, ",\"u\":[", &plan.rules[1], h->scale_ups, h->scale_up_count, plan.base);
    write_events(&w, ",\"d\":[", &plan.rules[2], h->scale_downs, h->scale_down_count, plan.base);
    put(&w, "}");
    result = w.buf;
    w.buf = NULL;
out:
    free(w.buf);
    return result;
}

/* ---- decoding ---------------------------------------------------------- */

static void set_err(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
    if (!err || errsize == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

typedef struct decoder {
    int64_t base;
    char *err;
    size_t errsize;
} decoder;

/* One row: an array of exactly `width` integers, in `vals`. */
static int read_row(decoder *d, const char *key, size_t index, const json_t *row, size_t width,
                    json_int_t *vals)
{
    if (!json_is_array(row) || json_array_size(row) != width) {
        set_err(d->err, d->errsize, "%s[%zu]: not an array of %zu integers", key, index, width);
        return -1;
    }
    for (size_t i = 0; i < width; i++) {
        const json_t *v = json_array_get(row, i);
        if (!json_is_integer(v)) {
            set_err(d->err, d->errsize, "%s[%zu][%zu]: not an integer", key, index, i);
            return -1;
        }
        vals[i] = json_integer_value(v);
    }
    return 0;
}

static int read_time(decoder *d, const char *key, size_t index, json_int_t offset, int64_t *at)
{
    /* The base is already within bounds, so a bounded offset cannot
     * overflow the sum. */
    if (offset < 0 || offset > HPAC_HISTORY_CODEC_MAX_TIME_MS || !time_ok(d->base + offset)) {
        set_err(d->err, d->errsize, "%s[%zu]: time out of range", key, index);
        return -1;
    }
    *at = d->base + offset;
    return 0;
}

/* Returns the list under `key` (borrowed), NULL when absent; -1 in *bad
 * when present but not an array within the cap. */
static const json_t *get_list(decoder *d, const json_t *root, const char *key, bool *bad)
{
    const json_t *list = json_object_get(root, key);
    if (!list)
        return NULL;
    if (!json_is_array(list)) {
        set_err(d->err, d->errsize, "%s: not an array", key);
        *bad = true;
    } else if (json_array_size(list) > HPAC_HISTORY_CODEC_MAX_ENTRIES) {
        set_err(d->err, d->errsize, "%s: more than %d entries", key,
                HPAC_HISTORY_CODEC_MAX_ENTRIES);
        *bad = true;
    }
    return list;
}

static int read_recommendations(decoder *d, const json_t *root, hpac_history *h)
{
    bool bad = false;
    const json_t *list = get_list(d, root, "r", &bad);
    if (bad)
        return -1;
    size_t n = json_array_size(list); /* 0 for NULL */
    if (n == 0)
        return 0;
    h->recommendations = calloc(n, sizeof(*h->recommendations));
    if (!h->recommendations) {
        set_err(d->err, d->errsize, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_int_t vals[2];
        hpac_recommendation *r = &h->recommendations[i];
        if (read_row(d, "r", i, json_array_get(list, i), 2, vals) ||
            read_time(d, "r", i, vals[1], &r->at_ms))
            return -1;
        if (vals[0] < 0 || vals[0] > INT32_MAX) {
            set_err(d->err, d->errsize, "r[%zu]: replicas out of range", i);
            return -1;
        }
        r->replicas = (int32_t)vals[0];
        h->recommendation_count++;
    }
    return 0;
}

static int read_events(decoder *d, const json_t *root, const char *key,
                       hpac_scale_event **events, size_t *count)
{
    bool bad = false;
    const json_t *list = get_list(d, root, key, &bad);
    if (bad)
        return -1;
    size_t n = json_array_size(list);
    if (n == 0)
        return 0;
    *events = calloc(n, sizeof(**events));
    if (!*events) {
        set_err(d->err, d->errsize, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_int_t vals[3];
        hpac_scale_event *e = &(*events)[i];
        if (read_row(d, key, i, json_array_get(list, i), 3, vals) ||
            read_time(d, key, i, vals[1], &e->at_ms))
            return -1;
        if (vals[0] < 1 || vals[0] > INT32_MAX) {
            set_err(d->err, d->errsize, "%s[%zu]: change out of range", key, i);
            return -1;
        }
        if (vals[2] != 0 && vals[2] != 1) {
            set_err(d->err, d->errsize, "%s[%zu]: outdated is not 0 or 1", key, i);
            return -1;
        }
        e->change = (int32_t)vals[0];
        e->outdated = vals[2] == 1;
        (*count)++;
    }
    return 0;
}

static int read_header(decoder *d, const json_t *root)
{
    if (!json_is_object(root)) {
        set_err(d->err, d->errsize, "not a JSON object");
        return -1;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)root, key, value)
    {
        if (strcmp(key, "v") && strcmp(key, "t") && strcmp(key, "r") && strcmp(key, "u") &&
            strcmp(key, "d")) {
            set_err(d->err, d->errsize, "unknown key \"%.32s\"", key);
            return -1;
        }
    }
    const json_t *version = json_object_get(root, "v");
    if (!json_is_integer(version) || json_integer_value(version) != CODEC_VERSION) {
        set_err(d->err, d->errsize, "missing or unsupported version");
        return -1;
    }
    const json_t *base = json_object_get(root, "t");
    d->base = 0;
    if (base) {
        if (!json_is_integer(base) || !time_ok(json_integer_value(base))) {
            set_err(d->err, d->errsize, "t: not a time in range");
            return -1;
        }
        d->base = json_integer_value(base);
    }
    return 0;
}

int hpac_history_decode(const char *text, size_t len, hpac_history *out, char *err,
                        size_t errsize)
{
    int result = -1;
    json_t *root = NULL;
    hpac_history h = {.started = true};
    decoder d = {.err = err, .errsize = errsize};
    if (!text) {
        set_err(err, errsize, "no text");
        goto out;
    }
    if (len > HPAC_HISTORY_CODEC_MAX_TEXT) {
        set_err(err, errsize, "longer than %d bytes", HPAC_HISTORY_CODEC_MAX_TEXT);
        goto out;
    }
    json_error_t jerr;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        set_err(err, errsize, "not JSON: %s", jerr.text);
        goto out;
    }
    if (read_header(&d, root) || read_recommendations(&d, root, &h) ||
        read_events(&d, root, "u", &h.scale_ups, &h.scale_up_count) ||
        read_events(&d, root, "d", &h.scale_downs, &h.scale_down_count))
        goto out;
    *out = h;
    memset(&h, 0, sizeof(h));
    result = 0;
out:
    hpac_history_clear(&h);
    json_decref(root);
    return result;
}

/* ---- pruning ----------------------------------------------------------- */

void hpac_history_prune(hpac_history *h, int64_t now_ms, int64_t keep_ms)
{
    int64_t cutoff;
    if (keep_ms < 0)
        keep_ms = 0;
    if (__builtin_sub_overflow(now_ms, keep_ms, &cutoff))
        return; /* a horizon before the start of time: nothing is older */

    size_t kept_count = 0;
    for (size_t i = 0; i < h->recommendation_count; i++)
        if (h->recommendations[i].at_ms >= cutoff)
            h->recommendations[kept_count++] = h->recommendations[i];
    h->recommendation_count = kept_count;

    kept_count = 0;
    for (size_t i = 0; i < h->scale_up_count; i++)
        if (h->scale_ups[i].at_ms >= cutoff)
            h->scale_ups[kept_count++] = h->scale_ups[i];
    h->scale_up_count = kept_count;

    kept_count = 0;
    for (size_t i = 0; i < h->scale_down_count; i++)
        if (h->scale_downs[i].at_ms >= cutoff)
            h->scale_downs[kept_count++] = h->scale_downs[i];
    h->scale_down_count = kept_count;

    /* Emptied lists give their memory back: an idle HPA holds nothing. */
    if (h->recommendation_count == 0) {
        free(h->recommendations);
        h->recommendations = NULL;
    }
    if (h->scale_up_count == 0) {
        free(h->scale_ups);
        h->scale_ups = NULL;
    }
    if (h->scale_down_count == 0) {
        free(h->scale_downs);
        h->scale_downs = NULL;
    }
}
