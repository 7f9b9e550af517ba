/* An autoscaling/v1 Scale read straight into hpac_scale, without building
 * a JSON tree: every reconcile reads one, and its tree was about 5 % of the
 * controller's CPU at 10,000 HPAs.
 *
 * The rule of pod_metrics_scan.h: it reads metadata.resourceVersion,
 * spec.replicas, status.replicas and status.selector when each is of its
 * plain type (a string; an integer of at most nine digits) and present at
 * most once, skips everything else, and gives up on anything unusual (a
 * null, another type, a sign, a duplicate, a \u escape). Then the tree
 * decoder (hpac_scale_from_json) reads the body and decides, with its
 * exact errors. On every body it accepts, the result equals the tree
 * decoder's. Pure. */
#ifndef HPAC_HPA_SCALE_SCAN_H
#define HPAC_HPA_SCALE_SCAN_H

#include "hpa/json_scan.h"
#include "hpa/metric_data.h"

#include <stddef.h>

/* Reads `len` bytes of a Scale. On anything but HPAC_SCAN_OK, `out` is
 * left empty. */
hpac_scan_result hpac_scale_scan(const char *text, size_t len, hpac_scale *out);

#endif
