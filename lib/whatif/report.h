/* What `hpac simulate` prints: a text summary, the timeline as JSON, and
 * the chart as SVG. Each renders a replay result into a new string
 * (caller frees; NULL when out of memory). Output depends only on the
 * result: the same replay gives the same bytes. Pure. */
#ifndef HPAC_WHATIF_REPORT_H
#define HPAC_WHATIF_REPORT_H

#include "whatif/whatif.h"

/* The scale events, one line each (time, from -> to, reason, limits), then
 * the summary. `trace_name` is shown in the heading (may be NULL). */
char *hpac_whatif_report_text(const hpac_whatif_result *r, const char *trace_name);

/* {"hpa", "target", settings, "metrics", "timeline": [one object per
 * sync, one per line], "events", "summary"}. Times in seconds, loads and
 * values in the metric's units (percent for Utilization targets). */
char *hpac_whatif_report_json(const hpac_whatif_result *r);

/* Load, each metric against its target, and replicas over time. */
char *hpac_whatif_report_svg(const hpac_whatif_result *r);

/* "2.5" for 2500 milli-units, "0.25", "3": the shortest exact decimal. */
void hpac_whatif_format_milli(int64_t milli, char *out, size_t size);

/* "7:03:45" (hours are not wrapped at 24; ".250" when not whole seconds). */
void hpac_whatif_format_clock(int64_t ms, char *out, size_t size);

#endif
