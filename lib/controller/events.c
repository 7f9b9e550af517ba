#include "controller/events.h"

#include "kube/client.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>

json_t *hpac_event_object(const hpac_hpa *hpa, const char *hpa_api_version,
                          const hpac_event *event, int64_t now_ms, const char *instance)
{
    char stamp[HPAC_RFC3339_MAX];
    hpac_time_format_rfc3339(now_ms, stamp, sizeof(stamp));
    /* client-go names events <object>.<hex nanoseconds>: unique per object. */
    static unsigned counter;
    char name[512];
    snprintf(name, sizeof(name), "%s.%llx", hpa->name,
             (unsigned long long)now_ms * 1000000ULL + (counter++ % 1000000U));
    json_t *involved = json_pack("{s:s, s:s, s:s, s:s}", "apiVersion", hpa_api_version, "kind",
                                 "HorizontalPodAutoscaler", "name", hpa->name, "namespace",
                                 hpa->namespace);
    if (!involved)
        return NULL;
    if (hpa->uid)
        json_object_set_new(involved, "uid", json_string(hpa->uid));
    if (hpa->resource_version)
        json_object_set_new(involved, "resourceVersion", json_string(hpa->resource_version));
    /* The classic core/v1 form (no eventTime): what every API server
     * version accepts and what kubectl describe shows. */
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:i}",
                     "apiVersion", "v1", "kind", "Event", "metadata", "name", name, "namespace",
                     hpa->namespace, "involvedObject", involved, "reason", event->reason,
                     "message", event->message, "type", event->warning ? "Warning" : "Normal",
                     "source", "component", HPAC_EVENT_COMPONENT, "host",
                     instance ? instance : "", "firstTimestamp", stamp, "lastTimestamp", stamp,
                     "count", 1);
}

char *hpac_event_path(const char *ns)
{
    char *escaped = hpac_kube_escape(ns);
    char *path = escaped ? hpac_format("/api/v1/namespaces/%s/events", escaped) : NULL;
    free(escaped);
    return path;
}
