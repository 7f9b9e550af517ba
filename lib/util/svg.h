/* A small SVG line-chart writer for time series: stacked panels sharing
 * one x axis, several lines per panel (solid, dashed, step), axes with
 * round ticks, a legend per panel, optional vertical markers. The output
 * is a standalone, well-formed SVG document; the same input gives the same
 * bytes. Pure: returns text, writes no file. */
#ifndef HPAC_UTIL_SVG_H
#define HPAC_UTIL_SVG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_svg_line {
    const char *label;  /* legend text */
    const double *y;    /* chart->count values; NAN leaves a gap */
    const char *color;  /* any SVG colour; NULL picks from a palette */
    bool dashed;
    bool step;          /* hold each value until the next x (counts, targets) */
} hpac_svg_line;

typedef struct hpac_svg_panel {
    const char *title;  /* above the panel, left */
    const char *unit;   /* y axis caption, may be NULL */
    const hpac_svg_line *lines;
    size_t line_count;
    bool fixed_range;   /* use y_min..y_max; else 0 (or the data's minimum if
                           negative) to a round value above the maximum */
    double y_min;
    double y_max;
} hpac_svg_panel;

typedef enum hpac_svg_x_format {
    HPAC_SVG_X_NUMBER, /* plain numbers */
    HPAC_SVG_X_CLOCK,  /* x in seconds, shown as H:MM (H:MM:SS for short spans) */
} hpac_svg_x_format;

typedef struct hpac_svg_chart {
    const char *title;
    const char *x_label;
    hpac_svg_x_format x_format;
    const double *x;    /* count values, not decreasing */
    size_t count;
    const hpac_svg_panel *panels;
    size_t panel_count;
    const double *marks; /* x positions drawn as faint vertical lines, may be NULL */
    size_t mark_count;
    int width;          /* pixels; 0: 960 */
    int panel_height;   /* pixels per panel; 0: 200 */
} hpac_svg_chart;

/* Renders the chart. Returns a new NUL-terminated document (caller
 * frees), or NULL when out of memory or when `count` is 0. */
char *hpac_svg_render(const hpac_svg_chart *chart);

#endif
