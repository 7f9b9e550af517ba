#include "demo/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough before the demo starts that seeded pods are past every
 * start-up rule of the controller. */
#define SEED_AGE_MS (10 * 60 * 1000)

/* ---- lag ------------------------------------------------------------------- */

void hpac_demo_lag_init(hpac_demo_lag *l, int64_t window_ms)
{
    memset(l, 0, sizeof(*l));
    l->window_ms = window_ms > 0 ? window_ms : 0;
}

static size_t lag_at(const hpac_demo_lag *l, size_t k)
{
    return (l->first + k) % HPAC_DEMO_LAG_SAMPLES;
}

static void lag_drop_oldest(hpac_demo_lag *l)
{
    l->first = (l->first + 1) % HPAC_DEMO_LAG_SAMPLES;
    l->count--;
}

void hpac_demo_lag_push(hpac_demo_lag *l, int64_t t_ms, double value)
{
    if (l->count > 0) {
        size_t last = lag_at(l, l->count - 1);
        if (l->t_ms[last] == t_ms) {
            l->value[last] = value;
            return;
        }
    }
    /* The oldest sample is no longer seen once its successor starts at or
     * before the window's start. */
    while (l->count >= 2 && l->t_ms[lag_at(l, 1)] <= t_ms - l->window_ms)
        lag_drop_oldest(l);
    if (l->count == HPAC_DEMO_LAG_SAMPLES)
        lag_drop_oldest(l);
    size_t slot = lag_at(l, l->count);
    l->t_ms[slot] = t_ms;
    l->value[slot] = value;
    l->count++;
}

double hpac_demo_lag_mean(const hpac_demo_lag *l, int64_t now_ms)
{
    if (l->count == 0)
        return 0;
    int64_t from = now_ms - l->window_ms;
    int64_t oldest = l->t_ms[l->first];
    if (from < oldest)
        from = oldest;
    if (now_ms <= from) {
        /* No length to average over: the value now. */
        return l->value[lag_at(l, l->count - 1)];
    }
    double sum = 0;
    for (size_t k = 0; k < l->count; k++) {
        size_t i = lag_at(l, k);
        int64_t start = l->t_ms[i];
        int64_t end = k + 1 < l->count ? l->t_ms[lag_at(l, k + 1)] : now_ms;
        if (start < from)
            start = from;
        if (end > now_ms)
            end = now_ms;
        if (end > start)
            sum += l->value[i] * (double)(end - start);
    }
    return sum / (double)(now_ms - from);
}

/* ---- pods ------------------------------------------------------------------ */

double hpac_demo_share(double load, size_t ready, double max_per_pod)
{
    if (ready == 0 || load <= 0)
        return 0;
    double share = load / (double)ready;
    return share < max_per_pod ? share : max_per_pod;
}

void hpac_demo_model_init(hpac_demo_model *m, const char *prefix, int64_t startup_ms,
                          int64_t window_ms, double max_per_pod)
{
    memset(m, 0, sizeof(*m));
    m->prefix = prefix;
    m->startup_ms = startup_ms > 0 ? startup_ms : 0;
    m->window_ms = window_ms;
    m->max_per_pod = max_per_pod;
}

void hpac_demo_model_clear(hpac_demo_model *m)
{
    free(m->pods);
    m->pods = NULL;
    m->count = 0;
    m->capacity = 0;
}

static void run_hook(hpac_demo_model *m, int (*hook)(void *, const hpac_demo_pod *), void *ctx,
                     const hpac_demo_pod *pod)
{
    if (hook && hook(ctx, pod) != 0)
        m->hook_failures++;
}

/* A ReplicaSet-like name: the prefix and five characters of the API
 * server's alphabet, derived from the serial so every run names its pods
 * alike. */
static void pod_name(const hpac_demo_model *m, uint64_t serial, char *buf, size_t size)
{
    static const char ALPHABET[] = "bcdfghjklmnpqrstvwxz2456789";
    uint64_t z = serial * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    char suffix[6];
    for (int i = 0; i < 5; i++) {
        suffix[i] = ALPHABET[z % (sizeof(ALPHABET) - 1)];
        z /= sizeof(ALPHABET) - 1;
    }
    suffix[5] = '\0';
    snprintf(buf, size, "%s-%s", m->prefix ? m->prefix : "pod", suffix);
}

static hpac_demo_pod *add_pod(hpac_demo_model *m, int64_t created_ms)
{
    if (m->count == m->capacity) {
        size_t capacity = m->capacity ? m->capacity * 2 : 16;
        hpac_demo_pod *bigger = realloc(m->pods, capacity * sizeof(*bigger));
        if (!bigger)
            return NULL;
        m->pods = bigger;
        m->capacity = capacity;
    }
    hpac_demo_pod *pod = &m->pods[m->count++];
    memset(pod, 0, sizeof(*pod));
    pod->serial = m->next_serial++;
    pod_name(m, pod->serial, pod->name, sizeof(pod->name));
    pod->created_ms = created_ms;
    pod->ready_ms = created_ms + m->startup_ms;
    hpac_demo_lag_init(&pod->lag, m->window_ms);
    return pod;
}

int hpac_demo_model_seed(hpac_demo_model *m, size_t n, double load, int64_t now_ms,
                         const hpac_demo_hooks *hooks)
{
    double share = hpac_demo_share(load, n, m->max_per_pod);
    for (size_t i = 0; i < n; i++) {
        hpac_demo_pod *pod = add_pod(m, now_ms - SEED_AGE_MS);
        if (!pod)
            return -1;
        pod->ready = true;
        pod->usage = share;
        hpac_demo_lag_push(&pod->lag, now_ms - m->window_ms, share);
        hpac_demo_lag_push(&pod->lag, now_ms, share);
        run_hook(m, hooks ? hooks->added : NULL, hooks ? hooks->ctx : NULL, pod);
    }
    m->ready_count += n;
    return 0;
}

/* The pod a scale-down removes: not ready before ready, then the newest. */
static size_t victim(const hpac_demo_model *m)
{
    size_t best = 0;
    for (size_t i = 1; i < m->count; i++) {
        const hpac_demo_pod *a = &m->pods[i], *b = &m->pods[best];
        if (a->ready != b->ready ? !a->ready : a->serial > b->serial)
            best = i;
    }
    return best;
}

int hpac_demo_model_scale(hpac_demo_model *m, size_t want, int64_t now_ms,
                          const hpac_demo_hooks *hooks)
{
    void *ctx = hooks ? hooks->ctx : NULL;
    while (m->count < want) {
        hpac_demo_pod *pod = add_pod(m, now_ms);
        if (!pod)
            return -1;
        run_hook(m, hooks ? hooks->added : NULL, ctx, pod);
    }
    while (m->count > want) {
        size_t i = victim(m);
        if (m->pods[i].ready)
            m->ready_count--;
        run_hook(m, hooks ? hooks->removed : NULL, ctx, &m->pods[i]);
        memmove(&m->pods[i], &m->pods[i + 1], (m->count - i - 1) * sizeof(m->pods[0]));
        m->count--;
    }
    return 0;
}

void hpac_demo_model_step(hpac_demo_model *m, int64_t now_ms, double load,
                          const hpac_demo_hooks *hooks)
{
    size_t ready = 0;
    for (size_t i = 0; i < m->count; i++) {
        hpac_demo_pod *pod = &m->pods[i];
        if (!pod->ready && now_ms >= pod->ready_ms) {
            pod->ready = true;
            run_hook(m, hooks ? hooks->became_ready : NULL, hooks ? hooks->ctx : NULL, pod);
        }
        if (pod->ready)
            ready++;
    }
    double share = hpac_demo_share(load, ready, m->max_per_pod);
    for (size_t i = 0; i < m->count; i++) {
        hpac_demo_pod *pod = &m->pods[i];
        pod->usage = pod->ready ? share : 0;
        hpac_demo_lag_push(&pod->lag, now_ms, pod->usage);
    }
    m->ready_count = ready;
    m->served = share * (double)ready;
    m->unserved = load > m->served ? load - m->served : 0;
}

double hpac_demo_pod_reported(const hpac_demo_pod *pod, int64_t now_ms)
{
    return hpac_demo_lag_mean(&pod->lag, now_ms);
}
