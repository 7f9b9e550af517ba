/* The workload model. The load each ready pod carries is a step function
 * of time (it changes when the trace does and when the number of ready
 * pods does), so its integral is kept exactly at those breakpoints; a
 * windowed average is then two lookups and a division, O(log n). */
#include "whatif/model.h"

#include "util/strutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Initial pods started this long before the trace: long past any start-up
 * delay, window or CPU initialization period a simulation uses. */
#define INITIAL_POD_AGE_MS (24LL * 3600 * 1000)

/* ---- pods ----------------------------------------------------------------- */

static int copy_amounts(const hpac_resource_amount *src, size_t n, hpac_resource_amount **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof(**out));
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].milli = src[i].milli;
        (*out)[i].name = hpac_strdup(src[i].name);
        if (!(*out)[i].name)
            return -1; /* the caller's hpac_pod_clear frees what exists */
    }
    return 0;
}

/* A new pod from the template; everything owned by `pod`. */
static int pod_from_template(const hpac_pod *tmpl, uint64_t id, int64_t created, hpac_pod *pod)
{
    memset(pod, 0, sizeof(*pod));
    pod->name = hpac_format("pod-%05llu", (unsigned long long)id);
    pod->phase = HPAC_POD_RUNNING;
    pod->start_time_ms = created;
    pod->has_ready_condition = true;
    pod->ready_transition_ms = created;
    if (!pod->name)
        return -1;
    if (tmpl->container_count) {
        pod->containers = calloc(tmpl->container_count, sizeof(*pod->containers));
        if (!pod->containers)
            return -1;
        pod->container_count = tmpl->container_count;
    }
    for (size_t i = 0; i < tmpl->container_count; i++) {
        const hpac_pod_container *src = &tmpl->containers[i];
        hpac_pod_container *dst = &pod->containers[i];
        dst->name = hpac_strdup(src->name);
        if (!dst->name || copy_amounts(src->requests, src->request_count, &dst->requests))
            return -1;
        dst->request_count = src->request_count;
    }
    if (copy_amounts(tmpl->pod_requests, tmpl->pod_request_count, &pod->pod_requests))
        return -1;
    pod->pod_request_count = tmpl->pod_request_count;
    return 0;
}

static int add_pod(hpac_whatif_model *m, int64_t created, int64_t ready)
{
    if (m->pod_count == m->pod_cap) {
        size_t cap = m->pod_cap ? m->pod_cap * 2 : 16;
        hpac_pod *pods = realloc(m->pods, cap * sizeof(*pods));
        if (!pods)
            return -1;
        m->pods = pods;
        hpac_whatif_pod_times *times = realloc(m->times, cap * sizeof(*times));
        if (!times)
            return -1;
        m->times = times;
        m->pod_cap = cap;
    }
    hpac_pod *pod = &m->pods[m->pod_count];
    if (pod_from_template(m->pod_template, ++m->next_id, created, pod)) {
        hpac_pod_clear(pod);
        return -1;
    }
    m->times[m->pod_count] = (hpac_whatif_pod_times){created, ready};
    m->pod_count++;
    return 0;
}

static void remove_pod(hpac_whatif_model *m, size_t i)
{
    hpac_pod_clear(&m->pods[i]);
    memmove(&m->pods[i], &m->pods[i + 1], (m->pod_count - i - 1) * sizeof(*m->pods));
    memmove(&m->times[i], &m->times[i + 1], (m->pod_count - i - 1) * sizeof(*m->times));
    m->pod_count--;
}

static size_t ready_at(const hpac_whatif_model *m, int64_t t)
{
    size_t n = 0;
    for (size_t i = 0; i < m->pod_count; i++) {
        if (m->times[i].ready_ms <= t)
            n++;
    }
    return n;
}

/* What the API would show of each pod now: the Ready condition. */
static void refresh_readiness(hpac_whatif_model *m)
{
    for (size_t i = 0; i < m->pod_count; i++) {
        bool ready = m->times[i].ready_ms <= m->now_ms;
        m->pods[i].ready = ready;
        m->pods[i].ready_transition_ms = ready ? m->times[i].ready_ms : m->times[i].created_ms;
    }
}

size_t hpac_whatif_model_ready(const hpac_whatif_model *m)
{
    return ready_at(m, m->now_ms);
}

/* ---- breakpoints ----------------------------------------------------------- */

static size_t columns(const hpac_whatif_model *m)
{
    return m->trace->columns;
}

static size_t row_at(hpac_whatif_model *m, int64_t t)
{
    return hpac_trace_row_at(m->trace, t - m->zero_ms, &m->row_hint);
}

/* Sets the rates of breakpoint `b` from the state at its time. */
static void set_rates(hpac_whatif_model *m, size_t b)
{
    size_t cols = columns(m);
    size_t row = row_at(m, m->bps[b].t_ms);
    size_t ready = ready_at(m, m->bps[b].t_ms);
    m->bps[b].ready = ready;
    for (size_t c = 0; c < cols; c++) {
        double load = (double)hpac_trace_load(m->trace, row, c);
        m->rate[b * 2 * cols + c] = ready ? load / (double)ready : 0.0;
        m->rate[b * 2 * cols + cols + c] = load;
    }
}

static int reserve_bp(hpac_whatif_model *m)
{
    size_t cols = columns(m);
    if (m->bp_first > 0 && m->bp_first * 2 >= m->bp_count) {
        /* Most entries fell out of the window: compact instead of growing. */
        size_t live = m->bp_count - m->bp_first;
        memmove(m->bps, m->bps + m->bp_first, live * sizeof(*m->bps));
        memmove(m->cum, m->cum + m->bp_first * 2 * cols, live * 2 * cols * sizeof(*m->cum));
        memmove(m->rate, m->rate + m->bp_first * 2 * cols, live * 2 * cols * sizeof(*m->rate));
        m->bp_count = live;
        m->bp_first = 0;
    }
    if (m->bp_count < m->bp_cap)
        return 0;
    size_t cap = m->bp_cap ? m->bp_cap * 2 : 64;
    hpac_whatif_breakpoint *bps = realloc(m->bps, cap * sizeof(*bps));
    if (!bps)
        return -1;
    m->bps = bps;
    double *cum = realloc(m->cum, cap * 2 * cols * sizeof(*cum));
    if (!cum)
        return -1;
    m->cum = cum;
    double *rate = realloc(m->rate, cap * 2 * cols * sizeof(*rate));
    if (!rate)
        return -1;
    m->rate = rate;
    m->bp_cap = cap;
    return 0;
}

/* A breakpoint at `t` (not before the last one): the integrals carried
 * forward, the rates from the state at `t`. */
static int push_bp(hpac_whatif_model *m, int64_t t)
{
    size_t cols = columns(m);
    if (m->bp_count > m->bp_first && m->bps[m->bp_count - 1].t_ms == t) {
        set_rates(m, m->bp_count - 1);
        return 0;
    }
    if (reserve_bp(m))
        return -1;
    size_t b = m->bp_count;
    m->bps[b].t_ms = t;
    for (size_t k = 0; k < 2 * cols; k++) {
        double carried = 0.0;
        if (b > m->bp_first) {
            double dt = (double)(t - m->bps[b - 1].t_ms);
            carried = m->cum[(b - 1) * 2 * cols + k] + m->rate[(b - 1) * 2 * cols + k] * dt;
        }
        m->cum[b * 2 * cols + k] = carried;
    }
    m->bp_count++;
    set_rates(m, b);
    return 0;
}

/* The integral of value `k` (column c per pod, or cols + c for the total)
 * from the first live breakpoint to `t`. */
static double integral_to(const hpac_whatif_model *m, size_t k, int64_t t)
{
    size_t cols = columns(m);
    size_t lo = m->bp_first, hi = m->bp_count; /* last bp with t_ms <= t in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->bps[mid].t_ms <= t)
            lo = mid;
        else
            hi = mid;
    }
    double dt = (double)(t - m->bps[lo].t_ms);
    if (dt < 0)
        dt = 0; /* before the history kept: clamp (callers never ask) */
    return m->cum[lo * 2 * cols + k] + m->rate[lo * 2 * cols + k] * dt;
}

/* Drops breakpoints no window reaches any more, keeping the one in effect
 * at the window's start. */
static void prune(hpac_whatif_model *m)
{
    int64_t horizon = m->now_ms - m->window_ms;
    while (m->bp_first + 1 < m->bp_count && m->bps[m->bp_first + 1].t_ms <= horizon)
        m->bp_first++;
}

/* ---- the public calls --------------------------------------------------------- */

int hpac_whatif_model_init(hpac_whatif_model *m, const hpac_trace *trace,
                           const hpac_pod *pod_template, const char *const *resources,
                           int64_t zero_ms, int64_t startup_ms, int64_t window_ms,
                           int32_t replicas)
{
    int rc = -1;
    memset(m, 0, sizeof(*m));
    m->trace = trace;
    m->pod_template = pod_template;
    m->zero_ms = zero_ms;
    m->startup_ms = startup_ms;
    m->window_ms = window_ms;
    m->now_ms = zero_ms + trace->t_ms[0];

    size_t cols = trace->columns, n = pod_template->container_count;
    m->weights = calloc(cols * (n ? n : 1), sizeof(*m->weights));
    if (!m->weights)
        goto out;
    for (size_t c = 0; c < cols; c++) {
        double *w = &m->weights[c * n];
        double sum = 0;
        for (size_t i = 0; i < n && resources && resources[c]; i++) {
            int64_t milli = 0;
            if (hpac_container_request(&pod_template->containers[i], resources[c], &milli) &&
                milli > 0)
                w[i] = (double)milli;
            sum += w[i];
        }
        for (size_t i = 0; i < n && sum == 0; i++)
            w[i] = 1.0; /* no container asks for the resource: an equal split */
    }

    int64_t created = m->now_ms - INITIAL_POD_AGE_MS;
    for (int32_t i = 0; i < replicas; i++) {
        if (add_pod(m, created, created + startup_ms))
            goto out;
    }
    refresh_readiness(m);
    /* Before the trace, its first load was already running: the first
     * window is full. */
    if (push_bp(m, m->now_ms - window_ms) || push_bp(m, m->now_ms))
        goto out;
    rc = 0;
out:
    if (rc)
        hpac_whatif_model_clear(m);
    return rc;
}

void hpac_whatif_model_clear(hpac_whatif_model *m)
{
    for (size_t i = 0; i < m->pod_count; i++)
        hpac_pod_clear(&m->pods[i]);
    free(m->pods);
    free(m->times);
    free(m->bps);
    free(m->cum);
    free(m->rate);
    free(m->weights);
    memset(m, 0, sizeof(*m));
}

/* The next time after `t` at which a rate changes, capped at `limit`. */
static int64_t next_change(hpac_whatif_model *m, int64_t t, int64_t limit)
{
    int64_t next = limit;
    size_t row = row_at(m, t);
    if (row + 1 < m->trace->count) {
        int64_t at = m->zero_ms + m->trace->t_ms[row + 1];
        if (at > t && at < next)
            next = at;
    }
    for (size_t i = 0; i < m->pod_count; i++) {
        int64_t at = m->times[i].ready_ms;
        if (at > t && at < next)
            next = at;
    }
    return next;
}

int hpac_whatif_model_advance(hpac_whatif_model *m, int64_t t_ms)
{
    int64_t t = m->now_ms;
    while (t < t_ms) {
        t = next_change(m, t, t_ms);
        if (push_bp(m, t))
            return -1;
    }
    m->now_ms = t_ms;
    refresh_readiness(m);
    prune(m);
    return 0;
}

int hpac_whatif_model_scale(hpac_whatif_model *m, int32_t replicas)
{
    size_t want = replicas > 0 ? (size_t)replicas : 0;
    /* Pods not ready go first, then ready ones; newest first in each. */
    for (int pass = 0; pass < 2 && m->pod_count > want; pass++) {
        for (size_t i = m->pod_count; i-- > 0 && m->pod_count > want;) {
            bool ready = m->times[i].ready_ms <= m->now_ms;
            if ((pass == 0 && !ready) || pass == 1)
                remove_pod(m, i);
        }
    }
    while (m->pod_count < want) {
        if (add_pod(m, m->now_ms, m->now_ms + m->startup_ms))
            return -1;
    }
    refresh_readiness(m);
    /* The share of each ready pod changes from now on. */
    return push_bp(m, m->now_ms);
}

int64_t hpac_whatif_model_load(const hpac_whatif_model *m, size_t column)
{
    size_t row = hpac_trace_row_at(m->trace, m->now_ms - m->zero_ms, NULL);
    return hpac_trace_load(m->trace, row, column);
}

/* Average per-ready-pod load of `column` over [from, now], counting only
 * the time from `serving` on. */
static double pod_average(const hpac_whatif_model *m, size_t column, int64_t from,
                          int64_t serving)
{
    int64_t now = m->now_ms;
    if (serving < from)
        serving = from;
    if (serving >= now)
        return 0.0;
    double served = integral_to(m, column, now) - integral_to(m, column, serving);
    return served / (double)(now - from);
}

int hpac_whatif_model_usage(const hpac_whatif_model *m, size_t column, hpac_pod_usage_list *out)
{
    int rc = -1;
    size_t n = m->pod_template->container_count;
    const double *w = &m->weights[column * n];
    double wsum = 0;
    for (size_t i = 0; i < n; i++)
        wsum += w[i];
    memset(out, 0, sizeof(*out));
    out->items = calloc(m->pod_count ? m->pod_count : 1, sizeof(*out->items));
    if (!out->items)
        goto out;
    for (size_t p = 0; p < m->pod_count; p++) {
        const hpac_whatif_pod_times *times = &m->times[p];
        int64_t from = m->now_ms - m->window_ms;
        if (from < times->created_ms)
            from = times->created_ms;
        if (from >= m->now_ms)
            continue; /* nothing scraped yet */
        double share = pod_average(m, column, from, times->ready_ms);
        hpac_pod_usage *u = &out->items[out->count++];
        u->pod_name = hpac_strdup(m->pods[p].name);
        u->timestamp_ms = m->now_ms;
        u->window_ms = m->now_ms - from;
        u->containers = calloc(n ? n : 1, sizeof(*u->containers));
        if (!u->pod_name || !u->containers)
            goto out;
        u->container_count = n;
        for (size_t i = 0; i < n; i++) {
            u->containers[i].name = hpac_strdup(m->pod_template->containers[i].name);
            if (!u->containers[i].name)
                goto out;
            u->containers[i].present = true;
            u->containers[i].milli = wsum > 0 ? llround(share * w[i] / wsum) : 0;
        }
    }
    rc = 0;
out:
    if (rc)
        hpac_pod_usage_list_clear(out);
    return rc;
}

int hpac_whatif_model_samples(const hpac_whatif_model *m, size_t column,
                              hpac_pod_sample_list *out)
{
    int rc = -1;
    memset(out, 0, sizeof(*out));
    out->items = calloc(m->pod_count ? m->pod_count : 1, sizeof(*out->items));
    if (!out->items)
        goto out;
    for (size_t p = 0; p < m->pod_count; p++) {
        int64_t from = m->now_ms - m->window_ms;
        if (from < m->times[p].ready_ms)
            from = m->times[p].ready_ms;
        if (from >= m->now_ms)
            continue; /* not serving yet: no series for it */
        hpac_pod_sample *s = &out->items[out->count++];
        s->pod_name = hpac_strdup(m->pods[p].name);
        if (!s->pod_name)
            goto out;
        s->timestamp_ms = m->now_ms;
        s->window_ms = m->now_ms - from;
        s->milli = llround(pod_average(m, column, from, from));
    }
    rc = 0;
out:
    if (rc)
        hpac_pod_sample_list_clear(out);
    return rc;
}

int hpac_whatif_model_total(const hpac_whatif_model *m, size_t column, hpac_value_list *out)
{
    size_t k = columns(m) + column;
    int64_t from = m->now_ms - m->window_ms;
    memset(out, 0, sizeof(*out));
    out->milli = malloc(sizeof(*out->milli));
    if (!out->milli)
        return -1;
    double total = integral_to(m, k, m->now_ms) - integral_to(m, k, from);
    out->milli[0] = m->window_ms > 0 ? llround(total / (double)m->window_ms)
                                     : hpac_whatif_model_load(m, column);
    out->count = 1;
    out->timestamp_ms = m->now_ms;
    return 0;
}
