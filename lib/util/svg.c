/* The chart writer. Every number goes through one formatter with a fixed
 * precision, so output is byte-stable; long series are thinned to the
 * points that change the drawing (a flat run keeps its two ends), which
 * keeps a day at 15s steps to a few hundred kilobytes. */
#include "util/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WIDTH 960
#define DEFAULT_PANEL_HEIGHT 200
#define MARGIN_LEFT 72
#define MARGIN_RIGHT 24
#define TITLE_HEIGHT 40
#define PANEL_GAP 44
#define AXIS_HEIGHT 44
#define Y_TICKS 5
#define X_TICKS 10

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

/* ---- text buffer ------------------------------------------------------------------ */

typedef struct buf {
    char *data;
    size_t len, cap;
    bool failed;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->failed = true;
    } else {
        size_t want = b->len + (size_t)need + 1;
        if (want > b->cap) {
            size_t cap = b->cap ? b->cap : 4096;
            while (cap < want)
                cap *= 2;
            char *bigger = realloc(b->data, cap);
            if (!bigger)
                b->failed = true;
            else {
                b->data = bigger;
                b->cap = cap;
            }
        }
        if (!b->failed) {
            vsnprintf(b->data + b->len, (size_t)need + 1, fmt, again);
            b->len += (size_t)need;
        }
    }
    va_end(again);
}

/* Text content or attribute value, XML-escaped. */
static void put_text(buf *b, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            put(b, "&amp;");
            break;
        case '<':
            put(b, "&lt;");
            break;
        case '>':
            put(b, "&gt;");
            break;
        case '"':
            put(b, "&quot;");
            break;
        case '\'':
            put(b, "&apos;");
            break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n')
                put(b, " ");
            else
                put(b, "%c", *p);
        }
    }
}

/* ---- scales ----------------------------------------------------------------------- */

/* The round step (1, 2, 5 x 10^k) that cuts `span` into about `ticks`. */
static double nice_step(double span, int ticks)
{
    if (!(span > 0))
        return 1;
    double raw = span / ticks;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return step * mag;
}

static int decimals_for(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* x steps in seconds for clock axes. */
static double clock_step(double span)
{
    static const double steps[] = {1,    5,    10,    15,    30,    60,    120,   300,
                                   600,  900,  1800,  3600,  7200,  10800, 14400, 21600,
                                   43200, 86400, 172800, 604800};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (span / steps[i] <= X_TICKS)
            return steps[i];
    }
    return nice_step(span / 86400, X_TICKS) * 86400;
}

static void clock_label(double seconds, double step, char *out, size_t size)
{
    long long s = llround(seconds);
    bool negative = s < 0;
    if (negative)
        s = -s;
    if (step < 60)
        snprintf(out, size, "%s%lld:%02lld:%02lld", negative ? "-" : "", s / 3600, s / 60 % 60,
                 s % 60);
    else
        snprintf(out, size, "%s%lld:%02lld", negative ? "-" : "", s / 3600, s / 60 % 60);
}

typedef struct frame {
    double left, right, top, bottom; /* plot area in pixels */
    double x0, x1, y0, y1;           /* data range */
} frame;

static double px(const frame *f, double x)
{
    return f->left + (x - f->x0) / (f->x1 - f->x0) * (f->right - f->left);
}

static double py(const frame *f, double y)
{
    return f->bottom - (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

static void data_range(const hpac_svg_panel *p, size_t count, double *lo, double *hi)
{
    double min = 0, max = 0;
    for (size_t l = 0; l < p->line_count; l++) {
        for (size_t i = 0; i < count; i++) {
            double y = p->lines[l].y[i];
            if (isfinite(y)) {
                min = fmin(min, y);
                max = fmax(max, y);
            }
        }
    }
    if (p->fixed_range && p->y_max > p->y_min) {
        *lo = p->y_min;
        *hi = p->y_max;
        return;
    }
    if (max <= min)
        max = min + 1;
    double step = nice_step((max - min) * 1.05, Y_TICKS);
    *lo = floor(min / step) * step;
    *hi = ceil(max * 1.05 / step) * step;
    if (*hi <= max)
        *hi += step;
}

/* ---- drawing ------------------------------------------------------------------------ */

typedef struct point {
    double x, y;
} point;

/* Rounded to the 0.1 pixel that is written out. */
static point at(const frame *f, double x, double y)
{
    point p = {round(px(f, x) * 10) / 10, round(py(f, y) * 10) / 10};
    return p;
}

typedef struct path {
    point *pts;
    size_t n;
} path;

/* Appends, dropping a repeat and the middle of a horizontal run. */
static void path_add(path *p, point q)
{
    if (p->n >= 1 && p->pts[p->n - 1].x == q.x && p->pts[p->n - 1].y == q.y)
        return;
    if (p->n >= 2 && p->pts[p->n - 1].y == q.y && p->pts[p->n - 2].y == q.y) {
        p->pts[p->n - 1] = q;
        return;
    }
    p->pts[p->n++] = q;
}

static void flush_path(buf *b, path *p, const char *color, bool dashed)
{
    if (p->n >= 1) {
        put(b, "<polyline fill=\"none\" stroke=\"");
        put_text(b, color);
        put(b, "\" stroke-width=\"1.6\"%s points=\"",
            dashed ? " stroke-dasharray=\"6 4\"" : "");
        for (size_t i = 0; i < p->n; i++)
            put(b, "%s%.1f,%.1f", i ? " " : "", p->pts[i].x, p->pts[i].y);
        put(b, "\"/>\n");
    }
    p->n = 0;
}

static void draw_line(buf *b, const hpac_svg_chart *c, const frame *f, const hpac_svg_line *line,
                      const char *color, point *scratch)
{
    path p = {scratch, 0};
    double prev = NAN;
    for (size_t i = 0; i < c->count; i++) {
        double y = line->y[i];
        if (!isfinite(y)) {
            flush_path(b, &p, color, line->dashed);
            prev = NAN;
            continue;
        }
        y = fmin(fmax(y, f->y0), f->y1);
        if (line->step && isfinite(prev) && prev != y)
            path_add(&p, at(f, c->x[i], prev));
        path_add(&p, at(f, c->x[i], y));
        prev = y;
    }
    flush_path(b, &p, color, line->dashed);
}

static void draw_x_axis(buf *b, const hpac_svg_chart *c, const frame *f, bool labels)
{
    double span = f->x1 - f->x0;
    double step = c->x_format == HPAC_SVG_X_CLOCK ? clock_step(span) : nice_step(span, X_TICKS);
    int decimals = decimals_for(step);
    for (double x = ceil(f->x0 / step) * step; x <= f->x1 + step * 1e-9; x += step) {
        double X = px(f, x);
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", X,
            f->top, X, f->bottom);
        if (!labels)
            continue;
        char text[48];
        if (c->x_format == HPAC_SVG_X_CLOCK)
            clock_label(x, step, text, sizeof(text));
        else
            snprintf(text, sizeof(text), "%.*f", decimals, x);
        put(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", X,
            f->bottom + 16, text);
    }
    if (labels && c->x_label) {
        put(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">",
            (f->left + f->right) / 2, f->bottom + 34);
        put_text(b, c->x_label);
        put(b, "</text>\n");
    }
}

static void draw_y_axis(buf *b, const hpac_svg_panel *p, const frame *f)
{
    double step = nice_step(f->y1 - f->y0, Y_TICKS);
    int decimals = decimals_for(step);
    for (double y = ceil(f->y0 / step) * step; y <= f->y1 + step * 1e-9; y += step) {
        double Y = py(f, y);
        double shown = fabs(y) < step * 1e-9 ? 0.0 : y; /* no "-0" */
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
            f->left, Y, f->right, Y);
        put(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", f->left - 6,
            Y + 4, decimals, shown);
    }
    if (p->unit) {
        double mid = (f->top + f->bottom) / 2;
        put(b, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\" "
               "transform=\"rotate(-90 14 %.1f)\">",
            mid, mid);
        put_text(b, p->unit);
        put(b, "</text>\n");
    }
}

static void draw_legend(buf *b, const hpac_svg_panel *p, const frame *f, const char *const *colors)
{
    /* Right-aligned above the plot: measured with an average glyph width,
     * which is close enough for sans-serif at 12px. */
    double x = f->right;
    for (size_t l = p->line_count; l-- > 0;) {
        const hpac_svg_line *line = &p->lines[l];
        double w = 7.0 * (double)strlen(line->label ? line->label : "") + 34;
        x -= w;
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"", x + 4,
            f->top - 10, x + 24, f->top - 10);
        put_text(b, colors[l]);
        put(b, "\" stroke-width=\"2\"%s/>\n", line->dashed ? " stroke-dasharray=\"6 4\"" : "");
        put(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 28, f->top - 6);
        put_text(b, line->label);
        put(b, "</text>\n");
    }
}

static void draw_panel(buf *b, const hpac_svg_chart *c, const hpac_svg_panel *p, frame *f,
                       bool last, point *scratch)
{
    const char *colors[64];
    size_t lines = p->line_count < 64 ? p->line_count : 64;
    for (size_t l = 0; l < lines; l++)
        colors[l] = p->lines[l].color ? p->lines[l].color
                                      : palette[l % (sizeof(palette) / sizeof(palette[0]))];
    data_range(p, c->count, &f->y0, &f->y1);
    put(b, "<g>\n");
    if (p->title) {
        put(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">", f->left, f->top - 6);
        put_text(b, p->title);
        put(b, "</text>\n");
    }
    draw_y_axis(b, p, f);
    draw_x_axis(b, c, f, last);
    for (size_t m = 0; m < c->mark_count; m++) {
        if (c->marks[m] < f->x0 || c->marks[m] > f->x1)
            continue;
        double X = px(f, c->marks[m]);
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbbbbb\" "
               "stroke-dasharray=\"2 3\"/>\n",
            X, f->top, X, f->bottom);
    }
    put(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
           "stroke=\"#999\"/>\n",
        f->left, f->top, f->right - f->left, f->bottom - f->top);
    for (size_t l = 0; l < lines; l++)
        draw_line(b, c, f, &p->lines[l], colors[l], scratch);
    draw_legend(b, &(hpac_svg_panel){.lines = p->lines, .line_count = lines}, f, colors);
    put(b, "</g>\n");
}

char *hpac_svg_render(const hpac_svg_chart *chart)
{
    buf b = {0};
    point *scratch = NULL;
    if (!chart || chart->count == 0)
        return NULL;
    int width = chart->width > 0 ? chart->width : DEFAULT_WIDTH;
    int panel_h = chart->panel_height > 0 ? chart->panel_height : DEFAULT_PANEL_HEIGHT;
    size_t panels = chart->panel_count;
    int height = TITLE_HEIGHT + (int)panels * (panel_h + PANEL_GAP) + AXIS_HEIGHT - PANEL_GAP / 2;
    /* A step line writes at most two points per value. */
    scratch = malloc(2 * chart->count * sizeof(*scratch));
    if (!scratch)
        return NULL;

    put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    put(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
        width, height, width, height);
    put(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    if (chart->title) {
        put(&b, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", MARGIN_LEFT);
        put_text(&b, chart->title);
        put(&b, "</text>\n");
    }
    double x0 = chart->x[0], x1 = chart->x[chart->count - 1];
    if (!(x1 > x0))
        x1 = x0 + 1;
    for (size_t i = 0; i < panels; i++) {
        frame f = {
            .left = MARGIN_LEFT,
            .right = width - MARGIN_RIGHT,
            .top = TITLE_HEIGHT + (double)i * (panel_h + PANEL_GAP) + PANEL_GAP / 2.0,
            .x0 = x0,
            .x1 = x1,
        };
        f.bottom = f.top + panel_h;
        draw_panel(&b, chart, &chart->panels[i], &f, i + 1 == panels, scratch);
    }
    put(&b, "</svg>\n");
    free(scratch);
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}
