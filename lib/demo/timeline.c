#include "demo/timeline.h"

#include "util/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hpac_demo_timeline_init(hpac_demo_timeline *tl, double target, int min_replicas,
                             int max_replicas)
{
    memset(tl, 0, sizeof(*tl));
    tl->target = target;
    tl->min_replicas = min_replicas;
    tl->max_replicas = max_replicas;
}

void hpac_demo_timeline_clear(hpac_demo_timeline *tl)
{
    free(tl->samples);
    free(tl->events);
    memset(tl, 0, sizeof(*tl));
}

/* Makes room for one more element of `size` bytes in *items. */
static int grow(void **items, size_t *capacity, size_t count, size_t size, size_t max)
{
    if (count < *capacity)
        return 0;
    if (count >= max)
        return -1;
    size_t want = *capacity ? *capacity * 2 : 64;
    if (want > max)
        want = max;
    void *bigger = realloc(*items, want * size);
    if (!bigger)
        return -1;
    *items = bigger;
    *capacity = want;
    return 0;
}

int hpac_demo_timeline_add_sample(hpac_demo_timeline *tl, const hpac_demo_sample *s)
{
    void *items = tl->samples;
    if (grow(&items, &tl->sample_capacity, tl->sample_count, sizeof(*s), HPAC_DEMO_SAMPLES_MAX))
        return -1;
    tl->samples = items;
    tl->samples[tl->sample_count++] = *s;
    return 0;
}

hpac_demo_event *hpac_demo_timeline_add_event(hpac_demo_timeline *tl, int64_t t_ms, int from,
                                              int to)
{
    void *items = tl->events;
    if (grow(&items, &tl->event_capacity, tl->event_count, sizeof(hpac_demo_event),
             HPAC_DEMO_EVENTS_MAX))
        return NULL;
    tl->events = items;
    hpac_demo_event *e = &tl->events[tl->event_count++];
    memset(e, 0, sizeof(*e));
    e->t_ms = t_ms;
    e->from = from;
    e->to = to;
    return e;
}

void hpac_demo_timeline_summarize(const hpac_demo_timeline *tl, hpac_demo_summary *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < tl->event_count; i++) {
        const hpac_demo_event *e = &tl->events[i];
        if (e->to > e->from)
            out->scale_ups++;
        else if (e->to < e->from)
            out->scale_downs++;
        if (!e->reason[0])
            out->unexplained++;
    }
    if (tl->sample_count == 0)
        return;
    const hpac_demo_sample *first = &tl->samples[0];
    const hpac_demo_sample *last = &tl->samples[tl->sample_count - 1];
    out->duration_ms = last->t_ms - first->t_ms;
    out->start_replicas = first->replicas;
    out->end_replicas = last->replicas;
    out->peak_replicas = first->replicas;
    out->peak_at_ms = first->t_ms;
    for (size_t i = 0; i < tl->sample_count; i++) {
        const hpac_demo_sample *s = &tl->samples[i];
        if (s->replicas > out->peak_replicas) {
            out->peak_replicas = s->replicas;
            out->peak_at_ms = s->t_ms;
        }
        if (!isnan(s->seen))
            out->status_seen = true;
        if (i + 1 == tl->sample_count)
            break;
        /* Each sample holds until the next one. */
        int64_t dt = tl->samples[i + 1].t_ms - s->t_ms;
        if (!isnan(s->actual) && s->actual > tl->target)
            out->above_target_ms += dt;
        if (s->load - s->served > 1e-9)
            out->unserved_ms += dt;
    }
}

/* ---- the chart --------------------------------------------------------------- */

enum {
    ROW_LOAD,
    ROW_SERVED,
    ROW_SEEN,
    ROW_ACTUAL,
    ROW_TARGET,
    ROW_REPLICAS,
    ROW_READY,
    ROW_DESIRED,
    ROW_COUNT
};

char *hpac_demo_timeline_svg(const hpac_demo_timeline *tl, const char *title)
{
    size_t n = tl->sample_count;
    char *doc = NULL;
    double *x = NULL, *rows = NULL, *marks = NULL;
    if (n == 0)
        goto out;
    x = malloc(n * sizeof(*x));
    rows = malloc(n * ROW_COUNT * sizeof(*rows));
    marks = malloc((tl->event_count ? tl->event_count : 1) * sizeof(*marks));
    if (!x || !rows || !marks)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const hpac_demo_sample *s = &tl->samples[i];
        x[i] = (double)s->t_ms / 1000.0;
        rows[ROW_LOAD * n + i] = s->load;
        rows[ROW_SERVED * n + i] = s->served;
        rows[ROW_SEEN * n + i] = s->seen;
        rows[ROW_ACTUAL * n + i] = s->actual;
        rows[ROW_TARGET * n + i] = tl->target;
        rows[ROW_REPLICAS * n + i] = s->replicas;
        rows[ROW_READY * n + i] = s->ready;
        rows[ROW_DESIRED * n + i] = s->desired >= 0 ? s->desired : NAN;
    }
    for (size_t i = 0; i < tl->event_count; i++)
        marks[i] = (double)tl->events[i].t_ms / 1000.0;
#define ROW(r) (rows + (size_t)(r)*n)
    const hpac_svg_line load_lines[] = {
        {.label = "offered", .y = ROW(ROW_LOAD), .color = "#1f77b4"},
        {.label = "served by ready pods", .y = ROW(ROW_SERVED), .color = "#7f7f7f", .dashed = true},
    };
    const hpac_svg_line util_lines[] = {
        {.label = "seen by the HPA", .y = ROW(ROW_SEEN), .color = "#d62728"},
        {.label = "actual", .y = ROW(ROW_ACTUAL), .color = "#ff7f0e", .dashed = true},
        {.label = "target", .y = ROW(ROW_TARGET), .color = "#2ca02c", .dashed = true, .step = true},
    };
    const hpac_svg_line pod_lines[] = {
        {.label = "replicas", .y = ROW(ROW_REPLICAS), .color = "#9467bd", .step = true},
        {.label = "ready", .y = ROW(ROW_READY), .color = "#8c564b", .step = true, .dashed = true},
        {.label = "desired (HPA status)",
         .y = ROW(ROW_DESIRED),
         .color = "#17becf",
         .step = true,
         .dashed = true},
    };
#undef ROW
    hpac_svg_panel panels[] = {
        {.title = "Offered load", .unit = "cores", .lines = load_lines, .line_count = 2},
        {.title = "CPU utilization", .unit = "% of request", .lines = util_lines, .line_count = 3},
        {.title = "Pods",
         .unit = "pods",
         .lines = pod_lines,
         .line_count = 3,
         /* Up to a little above maxReplicas, so the ceiling shows. */
         .fixed_range = tl->max_replicas > 0,
         .y_min = 0,
         .y_max = tl->max_replicas + 2},
    };
    hpac_svg_chart chart = {.title = title,
                            .x_label = "seconds",
                            .x_format = HPAC_SVG_X_NUMBER,
                            .x = x,
                            .count = n,
                            .panels = panels,
                            .panel_count = 3,
                            .marks = marks,
                            .mark_count = tl->event_count};
    doc = hpac_svg_render(&chart);
out:
    free(x);
    free(rows);
    free(marks);
    return doc;
}
