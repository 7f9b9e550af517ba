/* Records Kubernetes Events about HPAs. In the long-running controller a
 * repeat of the same event (same HPA, reason and message) within ten
 * minutes updates the first one's count and lastTimestamp instead of
 * creating another object, as client-go's event correlator does. */
#ifndef HPAC_CONTROLLER_EVENT_RECORDER_H
#define HPAC_CONTROLLER_EVENT_RECORDER_H

#include "hpa/hpa.h"
#include "hpa/sync.h"
#include "kube/client.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct hpac_event_recorder hpac_event_recorder;
typedef struct hpac_event_call hpac_event_call;

/* How long a repeat counts as the same event, and how many distinct
 * events are remembered. */
#define HPAC_EVENT_AGGREGATION_MS (10LL * 60 * 1000)
#define HPAC_EVENT_CACHE_MAX 4096

/* `k`, `hpa_api`, `instance` borrowed; they outlive the recorder. With
 * `aggregate` false every event is a new object. NULL when out of memory. */
hpac_event_recorder *hpac_event_recorder_new(hpac_kube *k, const char *hpa_api,
                                             const char *instance, bool aggregate);
void hpac_event_recorder_free(hpac_event_recorder *rec);

/* Records `event` about `hpa` (both borrowed, copied). `done` is called
 * once from the loop with the final answer, unless cancelled; NULL on
 * immediate failure (then `done` is never called). */
hpac_event_call *hpac_event_record(hpac_event_recorder *rec, const hpac_hpa *hpa,
                                   const hpac_event *event, int64_t now_ms,
                                   hpac_kube_done_fn done, void *ctx);
void hpac_event_cancel(hpac_event_call *call);

#endif
