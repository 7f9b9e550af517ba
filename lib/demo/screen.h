/* The demo's terminal output: a header saying what runs, one timeline
 * line per second, one line per scale event, and the summary. Plain text
 * that reads well in a pipe or a log file; ANSI colours only when asked
 * (the caller knows whether stdout is a terminal). */
#ifndef HPAC_DEMO_SCREEN_H
#define HPAC_DEMO_SCREEN_H

#include "demo/demo.h"
#include "demo/observe.h"
#include "demo/timeline.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void hpac_demo_print_header(FILE *out, const hpac_demo_config *cfg, uint16_t port);

/* The column titles of the timeline. */
void hpac_demo_print_columns(FILE *out, bool color);

/* One timeline line: the sample, its phase, and the reasons in the HPA's
 * conditions (borrowed; may be absent). */
void hpac_demo_print_sample(FILE *out, const hpac_demo_sample *s, const char *phase,
                            const hpac_demo_status *st, double target, bool color);

/* One scale event with the controller's reason and limit. */
void hpac_demo_print_event(FILE *out, const hpac_demo_event *e, bool color);

void hpac_demo_print_summary(FILE *out, const hpac_demo_timeline *tl, const hpac_demo_summary *sum,
                             const hpac_demo_config *cfg, bool svg_written, bool color);

#endif
