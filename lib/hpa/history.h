/* Per-HPA memory that upstream keeps between syncs: the recent replica
 * recommendations (stabilization windows) and the recent scale events
 * (policy periods). Plain data; the normalizer reads and updates it. */
#ifndef HPAC_HPA_HISTORY_H
#define HPAC_HPA_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpac_recommendation {
    int32_t replicas;
    int64_t at_ms;
} hpac_recommendation;

typedef struct hpac_scale_event {
    int32_t change; /* always positive: the number of replicas added or removed */
    int64_t at_ms;
    bool outdated;  /* older than the longest policy period when last checked */
} hpac_scale_event;

typedef struct hpac_history {
    /* Upstream distinguishes "never synced" (nil) from "no entries": the
     * first sync of an HPA records its current size as a recommendation. */
    bool started;
    hpac_recommendation *recommendations;
    size_t recommendation_count;
    hpac_scale_event *scale_ups;
    size_t scale_up_count;
    hpac_scale_event *scale_downs;
    size_t scale_down_count;
} hpac_history;

/* Appends; returns 0 or -1 on allocation failure (history unchanged). */
int hpac_history_add_recommendation(hpac_history *h, int32_t replicas, int64_t at_ms);
int hpac_history_add_scale_event(hpac_history *h, bool up, int32_t change, int64_t at_ms);

int hpac_history_copy(const hpac_history *src, hpac_history *out);
/* Frees the contents, not the struct; leaves it zeroed (not started). */
void hpac_history_clear(hpac_history *h);

#endif
