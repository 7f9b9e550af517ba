/* Rendering. Numbers are written from integers (milli-units, percent,
 * milliseconds) by hand, never through a float format, so that the JSON is
 * byte-identical run after run and machine after machine. */
#include "whatif/report.h"

#include "util/svg.h"
#include "util/timeutil.h"
#include "whatif/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hpac_whatif_format_milli(int64_t milli, char *out, size_t size)
{
    bool negative = milli < 0;
    uint64_t v = negative ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
    uint64_t whole = v / 1000, frac = v % 1000;
    if (frac == 0) {
        snprintf(out, size, "%s%llu", negative ? "-" : "", (unsigned long long)whole);
        return;
    }
    char digits[4];
    snprintf(digits, sizeof(digits), "%03llu", (unsigned long long)frac);
    for (int i = 2; i > 0 && digits[i] == '0'; i--)
        digits[i] = '\0';
    snprintf(out, size, "%s%llu.%s", negative ? "-" : "", (unsigned long long)whole, digits);
}

void hpac_whatif_format_clock(int64_t ms, char *out, size_t size)
{
    bool negative = ms < 0;
    uint64_t v = negative ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    uint64_t s = v / 1000;
    int n = snprintf(out, size, "%s%llu:%02llu:%02llu", negative ? "-" : "",
                     (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
                     (unsigned long long)(s % 60));
    if (v % 1000 && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, ".%03llu", (unsigned long long)(v % 1000));
}

/* A metric value in its unit: percent as is, values from milli-units. */
static void format_value(const hpac_whatif_metric *m, int64_t v, char *out, size_t size)
{
    if (m->percent)
        snprintf(out, size, "%lld", (long long)v);
    else
        hpac_whatif_format_milli(v, out, size);
}

static void format_duration(int64_t ms, char *out, size_t size)
{
    hpac_duration_format(ms, out, size);
}

/* ---- text ---------------------------------------------------------------------------- */

static void text_heading(hpac_whatif_buf *b, const hpac_whatif_result *r, const char *trace_name)
{
    char t0[32], t1[32], period[32], startup[32], window[32], v[32];
    hpac_whatif_buf_printf(b, "HPA %s -> %s (min %d, max %d)\n", r->hpa_name, r->target_name,
                           r->min_replicas, r->max_replicas);
    for (size_t i = 0; i < r->metric_count; i++) {
        const hpac_whatif_metric *m = &r->metrics[i];
        format_value(m, m->target, v, sizeof(v));
        hpac_whatif_buf_printf(b, "  metric %zu: %s, target %s%s", i + 1, m->label, v,
                               m->percent ? "%" : "");
        if (m->percent) {
            char req[32];
            hpac_whatif_format_milli(m->request_milli, req, sizeof(req));
            hpac_whatif_buf_printf(b, " of the request (%s per pod)", req);
        }
        hpac_whatif_buf_printf(b, "; trace column %zu: total %s\n", i + 1, m->load_label);
    }
    hpac_whatif_format_clock(r->step_count ? r->steps[0].t_ms : 0, t0, sizeof(t0));
    hpac_whatif_format_clock(r->step_count ? r->steps[0].t_ms + r->summary.duration_ms : 0, t1,
                             sizeof(t1));
    format_duration(r->config.sync_period_ms, period, sizeof(period));
    format_duration(r->config.pod_startup_ms, startup, sizeof(startup));
    format_duration(r->config.metrics_window_ms, window, sizeof(window));
    hpac_whatif_buf_printf(b,
                           "replay%s%s: %s to %s, %zu syncs every %s; %d replicas at start, pod "
                           "start-up %s, metrics window %s\n",
                           trace_name ? " of " : "", trace_name ? trace_name : "", t0, t1,
                           r->step_count, period, r->config.replicas, startup, window);
}

static void text_events(hpac_whatif_buf *b, const hpac_whatif_result *r)
{
    const hpac_whatif_summary *s = &r->summary;
    hpac_whatif_buf_printf(b, "\nscale events: %zu (%zu up, %zu down)\n",
                           s->scale_ups + s->scale_downs, s->scale_ups, s->scale_downs);
    for (size_t i = 0; i < r->event_count; i++) {
        const hpac_whatif_event *ev = &r->events[i];
        char t[32];
        hpac_whatif_format_clock(ev->t_ms, t, sizeof(t));
        hpac_whatif_buf_printf(b, "  %10s  %4d -> %-4d %-4s  %s", t, ev->from, ev->to,
                               ev->to > ev->from ? "up" : "down", ev->reason);
        if (ev->limits && *ev->limits)
            hpac_whatif_buf_printf(b, " [%s]", ev->limits);
        hpac_whatif_buf_puts(b, "\n");
    }
}

static void text_summary(hpac_whatif_buf *b, const hpac_whatif_result *r)
{
    const hpac_whatif_summary *s = &r->summary;
    char above[32], total[32], peak_at[32], mean[32], first[32], last[32];
    format_duration(s->above_ms, above, sizeof(above));
    format_duration(s->duration_ms, total, sizeof(total));
    hpac_whatif_format_clock(s->peak_at_ms, peak_at, sizeof(peak_at));
    hpac_whatif_format_milli(s->mean_replicas_milli, mean, sizeof(mean));
    int64_t permille = s->duration_ms > 0 ? (s->above_ms * 1000 + s->duration_ms / 2) /
                                                s->duration_ms
                                          : 0;
    int64_t centi_hours = (s->replica_ms + 18000) / 36000;
    hpac_whatif_buf_puts(b, "\nsummary:\n");
    hpac_whatif_buf_printf(b, "  scale events    %zu (%zu up, %zu down)", s->scale_ups +
                           s->scale_downs, s->scale_ups, s->scale_downs);
    if (r->event_count) {
        hpac_whatif_format_clock(r->events[0].t_ms, first, sizeof(first));
        hpac_whatif_format_clock(r->events[r->event_count - 1].t_ms, last, sizeof(last));
        hpac_whatif_buf_printf(b, ", first at %s, last at %s", first, last);
    }
    hpac_whatif_buf_printf(b, "\n  above target    %s (%lld.%lld%% of %s)\n", above,
                           (long long)(permille / 10), (long long)(permille % 10), total);
    hpac_whatif_buf_printf(b, "  replicas        start %d, end %d, peak %d at %s, mean %s\n",
                           s->start_replicas, s->end_replicas, s->peak_replicas, peak_at, mean);
    hpac_whatif_buf_printf(b, "  replica-hours   %lld.%02lld\n", (long long)(centi_hours / 100),
                           (long long)(centi_hours % 100));
    if (s->failed_syncs)
        hpac_whatif_buf_printf(b, "  no decision     in %zu syncs; first error: %s\n",
                               s->failed_syncs, r->first_error ? r->first_error : "");
}

char *hpac_whatif_report_text(const hpac_whatif_result *r, const char *trace_name)
{
    hpac_whatif_buf b = {0};
    text_heading(&b, r, trace_name);
    text_events(&b, r);
    text_summary(&b, r);
    return hpac_whatif_buf_take(&b);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void put_json_string(hpac_whatif_buf *b, const char *s)
{
    hpac_whatif_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            hpac_whatif_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            hpac_whatif_buf_printf(b, "\\u%04x", *p);
        else
            hpac_whatif_buf_append(b, (const char *)p, 1);
    }
    hpac_whatif_buf_puts(b, "\"");
}

static void json_milli(hpac_whatif_buf *b, int64_t milli)
{
    char text[32];
    hpac_whatif_format_milli(milli, text, sizeof(text));
    hpac_whatif_buf_puts(b, text);
}

static void json_value(hpac_whatif_buf *b, const hpac_whatif_metric *m, int64_t v)
{
    char text[32];
    format_value(m, v, text, sizeof(text));
    hpac_whatif_buf_puts(b, text);
}

static void json_step(hpac_whatif_buf *b, const hpac_whatif_result *r, size_t k)
{
    const hpac_whatif_step *st = &r->steps[k];
    hpac_whatif_buf_puts(b, "{\"t\":");
    json_milli(b, st->t_ms);
    hpac_whatif_buf_puts(b, ",\"load\":[");
    for (size_t i = 0; i < r->metric_count; i++) {
        if (i)
            hpac_whatif_buf_puts(b, ",");
        json_milli(b, r->loads[k * r->metric_count + i]);
    }
    hpac_whatif_buf_puts(b, "],\"metrics\":[");
    for (size_t i = 0; i < r->metric_count; i++) {
        const hpac_whatif_reading *rd = &r->readings[k * r->metric_count + i];
        const hpac_whatif_metric *m = &r->metrics[i];
        hpac_whatif_buf_puts(b, i ? ",{\"seen\":" : "{\"seen\":");
        if (rd->seen_valid)
            json_value(b, m, rd->seen);
        else
            hpac_whatif_buf_puts(b, "null");
        hpac_whatif_buf_puts(b, ",\"actual\":");
        if (rd->unserved)
            hpac_whatif_buf_puts(b, "null,\"unserved\":true");
        else
            json_value(b, m, rd->actual);
        hpac_whatif_buf_puts(b, ",\"target\":");
        json_value(b, m, m->target);
        hpac_whatif_buf_puts(b, "}");
    }
    hpac_whatif_buf_printf(b, "],\"current\":%d,\"recommended\":", st->current);
    if (st->recommended >= 0)
        hpac_whatif_buf_printf(b, "%d", st->recommended);
    else
        hpac_whatif_buf_puts(b, "null");
    hpac_whatif_buf_printf(b, ",\"desired\":%d,\"replicas\":%d,\"ready\":%d,\"above\":%s,"
                              "\"reasons\":[",
                           st->desired, st->replicas, st->ready, st->above ? "true" : "false");
    for (size_t i = 0; i < st->reason_count; i++) {
        if (i)
            hpac_whatif_buf_puts(b, ",");
        put_json_string(b, r->reasons[st->reasons[i]]);
    }
    hpac_whatif_buf_puts(b, "]}");
}

char *hpac_whatif_report_json(const hpac_whatif_result *r)
{
    hpac_whatif_buf b = {0};
    const hpac_whatif_summary *s = &r->summary;
    hpac_whatif_buf_puts(&b, "{\"hpa\":");
    put_json_string(&b, r->hpa_name);
    hpac_whatif_buf_puts(&b, ",\"target\":");
    put_json_string(&b, r->target_name);
    hpac_whatif_buf_puts(&b, ",\"syncPeriodSeconds\":");
    json_milli(&b, r->config.sync_period_ms);
    hpac_whatif_buf_puts(&b, ",\"podStartupSeconds\":");
    json_milli(&b, r->config.pod_startup_ms);
    hpac_whatif_buf_puts(&b, ",\"metricsWindowSeconds\":");
    json_milli(&b, r->config.metrics_window_ms);
    hpac_whatif_buf_printf(&b, ",\"minReplicas\":%d,\"maxReplicas\":%d,\"metrics\":[",
                           r->min_replicas, r->max_replicas);
    for (size_t i = 0; i < r->metric_count; i++) {
        const hpac_whatif_metric *m = &r->metrics[i];
        hpac_whatif_buf_puts(&b, i ? ",{\"label\":" : "{\"label\":");
        put_json_string(&b, m->label);
        hpac_whatif_buf_puts(&b, ",\"load\":");
        put_json_string(&b, m->load_label);
        hpac_whatif_buf_printf(&b, ",\"unit\":\"%s\",\"perPod\":%s,\"target\":",
                               m->percent ? "percent" : "value", m->per_pod ? "true" : "false");
        json_value(&b, m, m->target);
        if (m->percent) {
            hpac_whatif_buf_puts(&b, ",\"request\":");
            json_milli(&b, m->request_milli);
        }
        hpac_whatif_buf_puts(&b, "}");
    }
    hpac_whatif_buf_puts(&b, "],\n\"timeline\":[\n");
    for (size_t k = 0; k < r->step_count; k++) {
        json_step(&b, r, k);
        hpac_whatif_buf_puts(&b, k + 1 < r->step_count ? ",\n" : "\n");
    }
    hpac_whatif_buf_puts(&b, "],\n\"events\":[\n");
    for (size_t i = 0; i < r->event_count; i++) {
        const hpac_whatif_event *ev = &r->events[i];
        hpac_whatif_buf_puts(&b, "{\"t\":");
        json_milli(&b, ev->t_ms);
        hpac_whatif_buf_printf(&b, ",\"from\":%d,\"to\":%d,\"reason\":", ev->from, ev->to);
        put_json_string(&b, ev->reason);
        hpac_whatif_buf_puts(&b, ",\"limits\":");
        put_json_string(&b, ev->limits);
        hpac_whatif_buf_puts(&b, i + 1 < r->event_count ? "},\n" : "}\n");
    }
    hpac_whatif_buf_printf(&b, "],\n\"summary\":{\"syncs\":%zu,\"scaleUps\":%zu,\"scaleDowns\":%zu,"
                               "\"failedSyncs\":%zu,\"durationSeconds\":",
                           s->syncs, s->scale_ups, s->scale_downs, s->failed_syncs);
    json_milli(&b, s->duration_ms);
    hpac_whatif_buf_puts(&b, ",\"aboveTargetSeconds\":");
    json_milli(&b, s->above_ms);
    hpac_whatif_buf_printf(&b, ",\"startReplicas\":%d,\"endReplicas\":%d,\"peakReplicas\":%d,"
                               "\"peakAt\":",
                           s->start_replicas, s->end_replicas, s->peak_replicas);
    json_milli(&b, s->peak_at_ms);
    hpac_whatif_buf_puts(&b, ",\"meanReplicas\":");
    json_milli(&b, s->mean_replicas_milli);
    hpac_whatif_buf_puts(&b, ",\"replicaHours\":");
    /* replica-ms -> replica-hours in milli: / 3600 */
    json_milli(&b, (s->replica_ms + 1800) / 3600);
    hpac_whatif_buf_puts(&b, ",\"firstError\":");
    if (r->first_error)
        put_json_string(&b, r->first_error);
    else
        hpac_whatif_buf_puts(&b, "null");
    hpac_whatif_buf_puts(&b, "}}\n");
    return hpac_whatif_buf_take(&b);
}

/* ---- SVG ---------------------------------------------------------------------------------- */

typedef struct chart_data {
    double *x;
    double *series; /* rows of step_count values */
    size_t rows;
    hpac_svg_line *lines;
    hpac_svg_panel *panels;
    char **labels;
    size_t label_count;
    double *marks;
} chart_data;

static double *row(chart_data *c, size_t i, size_t steps)
{
    return &c->series[i * steps];
}

static const char *keep_label(chart_data *c, char *label)
{
    if (label)
        c->labels[c->label_count++] = label;
    return label ? label : "";
}

/* prefix + text + suffix, in a new string. */
static char *label_text(const char *prefix, const char *text, const char *suffix)
{
    hpac_whatif_buf b = {0};
    hpac_whatif_buf_puts(&b, prefix);
    hpac_whatif_buf_puts(&b, text);
    hpac_whatif_buf_puts(&b, suffix);
    return hpac_whatif_buf_take(&b);
}

char *hpac_whatif_report_svg(const hpac_whatif_result *r)
{
    size_t n = r->step_count, metrics = r->metric_count;
    /* Rows: the loads, 3 per metric (seen, actual, target), replicas, ready. */
    size_t rows = metrics + 3 * metrics + 2;
    size_t panels = 1 + metrics + 1;
    size_t lines = rows;
    chart_data c = {0};
    char *svg = NULL;
    if (n == 0)
        return NULL;
    c.x = calloc(n, sizeof(*c.x));
    c.series = calloc(rows * n, sizeof(*c.series));
    c.lines = calloc(lines, sizeof(*c.lines));
    c.panels = calloc(panels, sizeof(*c.panels));
    c.labels = calloc(2 * metrics + 1, sizeof(*c.labels));
    c.marks = calloc(r->event_count ? r->event_count : 1, sizeof(*c.marks));
    if (!c.x || !c.series || !c.lines || !c.panels || !c.labels || !c.marks)
        goto out;
    for (size_t k = 0; k < n; k++) {
        const hpac_whatif_step *st = &r->steps[k];
        c.x[k] = (double)st->t_ms / 1000.0;
        for (size_t i = 0; i < metrics; i++) {
            const hpac_whatif_metric *m = &r->metrics[i];
            const hpac_whatif_reading *rd = &r->readings[k * metrics + i];
            double unit = m->percent ? 1.0 : 1000.0;
            row(&c, i, n)[k] = (double)r->loads[k * metrics + i] / 1000.0;
            row(&c, metrics + 3 * i, n)[k] = rd->seen_valid ? (double)rd->seen / unit : NAN;
            row(&c, metrics + 3 * i + 1, n)[k] = rd->unserved ? NAN : (double)rd->actual / unit;
            row(&c, metrics + 3 * i + 2, n)[k] = (double)m->target / unit;
        }
        row(&c, 4 * metrics, n)[k] = st->replicas;
        row(&c, 4 * metrics + 1, n)[k] = st->ready;
    }
    for (size_t e = 0; e < r->event_count; e++)
        c.marks[e] = (double)r->events[e].t_ms / 1000.0;

    /* Panel 1: the offered load of every column. */
    for (size_t i = 0; i < metrics; i++)
        c.lines[i] = (hpac_svg_line){
            .label = keep_label(&c, label_text("", r->metrics[i].load_label, "")),
            .y = row(&c, i, n),
            .step = true,
        };
    c.panels[0] = (hpac_svg_panel){.title = "Offered load", .unit = "load",
                                   .lines = c.lines, .line_count = metrics};
    /* One panel per metric: what the HPA saw, the truth, the target. */
    for (size_t i = 0; i < metrics; i++) {
        const hpac_whatif_metric *m = &r->metrics[i];
        hpac_svg_line *l = &c.lines[metrics + 3 * i];
        /* The truth first, so that the lagging view is drawn over it. */
        l[0] = (hpac_svg_line){.label = "actual", .y = row(&c, metrics + 3 * i + 1, n),
                               .color = "#f4a3a3", .step = true};
        l[1] = (hpac_svg_line){.label = "seen by the HPA", .y = row(&c, metrics + 3 * i, n),
                               .color = "#1f77b4"};
        l[2] = (hpac_svg_line){.label = "target", .y = row(&c, metrics + 3 * i + 2, n),
                               .color = "#333333", .dashed = true, .step = true};
        c.panels[1 + i] = (hpac_svg_panel){
            .title = keep_label(&c, label_text("", m->label, " vs target")),
            .unit = m->percent ? "% of request" : "value",
            .lines = l,
            .line_count = 3,
        };
    }
    hpac_svg_line *rep = &c.lines[4 * metrics];
    rep[0] = (hpac_svg_line){.label = "replicas", .y = row(&c, 4 * metrics, n),
                             .color = "#2ca02c", .step = true};
    rep[1] = (hpac_svg_line){.label = "ready", .y = row(&c, 4 * metrics + 1, n),
                             .color = "#ff7f0e", .dashed = true, .step = true};
    c.panels[panels - 1] = (hpac_svg_panel){.title = "Replicas", .unit = "pods", .lines = rep,
                                            .line_count = 2};
    char *title = label_text("hpac simulate: ", r->hpa_name, "");
    hpac_svg_chart chart = {
        .title = title ? title : "hpac simulate",
        .x_label = "time (h:mm from the start of the trace)",
        .x_format = HPAC_SVG_X_CLOCK,
        .x = c.x,
        .count = n,
        .panels = c.panels,
        .panel_count = panels,
        .marks = c.marks,
        .mark_count = r->event_count,
    };
    svg = hpac_svg_render(&chart);
    free(title);
out:
    for (size_t i = 0; i < c.label_count; i++)
        free(c.labels[i]);
    free(c.labels);
    free(c.x);
    free(c.series);
    free(c.lines);
    free(c.panels);
    free(c.marks);
    return svg;
}
