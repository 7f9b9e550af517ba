/* Kubernetes Events about an HPA, as core/v1 Event objects. */
#ifndef HPAC_CONTROLLER_EVENTS_H
#define HPAC_CONTROLLER_EVENTS_H

#include "hpa/hpa.h"
#include "hpa/sync.h"

#include <jansson.h>
#include <stdint.h>

/* The component that reports the events (source.component,
 * reportingComponent). */
#define HPAC_EVENT_COMPONENT "hpac"

/* A new Event object about `hpa` (served as `hpa_api_version`). New
 * reference, NULL when out of memory. */
json_t *hpac_event_object(const hpac_hpa *hpa, const char *hpa_api_version,
                          const hpac_event *event, int64_t now_ms, const char *instance);

/* "/api/v1/namespaces/{ns}/events". Caller frees. */
char *hpac_event_path(const char *ns);

#endif
