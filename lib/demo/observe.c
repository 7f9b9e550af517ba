#include "demo/observe.h"

#include "util/strutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static void copy_reason(char *dst, size_t size, const char *src)
{
    hpac_strlcpy(dst, src ? src : "", size);
}

void hpac_demo_status_read(const json_t *hpa, hpac_demo_status *out)
{
    memset(out, 0, sizeof(*out));
    out->seen = NAN;
    out->desired = -1;
    out->current = -1;
    const json_t *status = json_object_get(hpa, "status");
    const json_t *desired = json_object_get(status, "desiredReplicas");
    const json_t *current = json_object_get(status, "currentReplicas");
    if (json_is_integer(desired)) {
        out->present = true;
        out->desired = (int)json_integer_value(desired);
    }
    if (json_is_integer(current))
        out->current = (int)json_integer_value(current);
    const json_t *metric = json_array_get(json_object_get(status, "currentMetrics"), 0);
    const char *type = json_string_value(json_object_get(metric, "type"));
    const char *member = !type                                    ? NULL
                         : strcmp(type, "Resource") == 0          ? "resource"
                         : strcmp(type, "ContainerResource") == 0 ? "containerResource"
                                                                  : NULL;
    const json_t *util =
        member ? json_object_get(json_object_get(json_object_get(metric, member), "current"),
                                 "averageUtilization")
               : NULL;
    if (json_is_integer(util))
        out->seen = (double)json_integer_value(util);
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *ctype = str_at(c, "type", NULL);
        const char *cstatus = str_at(c, "status", NULL);
        const char *reason = str_at(c, "reason", NULL);
        if (!ctype || !cstatus)
            continue;
        if (strcmp(ctype, "AbleToScale") == 0)
            copy_reason(out->able, sizeof(out->able), reason);
        else if (strcmp(ctype, "ScalingLimited") == 0 && strcmp(cstatus, "True") == 0)
            copy_reason(out->limited, sizeof(out->limited), reason);
        else if (strcmp(ctype, "ScalingActive") == 0 && strcmp(cstatus, "False") == 0)
            copy_reason(out->active, sizeof(out->active), reason);
    }
}

void hpac_demo_observer_init(hpac_demo_observer *o, const char *scale_suffix,
                             const char *status_suffix, const char *hpa_name, int replicas)
{
    memset(o, 0, sizeof(*o));
    o->scale_suffix = scale_suffix;
    o->status_suffix = status_suffix;
    o->hpa_name = hpa_name;
    o->replicas = replicas;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "New size: 4; reason: cpu ... above target" -> its size and reason. */
static bool parse_rescale_message(const char *message, int *size, const char **reason)
{
    char *end;
    if (!message || strncmp(message, "New size: ", 10) != 0)
        return false;
    long n = strtol(message + 10, &end, 10);
    if (end == message + 10 || n < 0 || n > 1000000000L)
        return false;
    const char *r = strstr(end, "reason: ");
    *size = (int)n;
    *reason = r ? r + 8 : "";
    return true;
}

static void on_scale(hpac_demo_observer *o, const json_t *body, int64_t now_ms,
                     hpac_demo_timeline *tl)
{
    const json_t *replicas = json_object_get(json_object_get(body, "spec"), "replicas");
    if (!json_is_integer(replicas))
        return;
    int to = (int)json_integer_value(replicas);
    if (to == o->replicas)
        return;
    hpac_demo_event *e = hpac_demo_timeline_add_event(tl, now_ms, o->replicas, to);
    o->replicas = to;
    if (!e)
        return;
    o->await_status = tl->event_count;
    o->await_reason = tl->event_count;
}

static void on_status(hpac_demo_observer *o, const json_t *body, hpac_demo_timeline *tl)
{
    if (!o->await_status)
        return;
    hpac_demo_event *e = &tl->events[o->await_status - 1];
    hpac_demo_status st;
    hpac_demo_status_read(body, &st);
    hpac_strlcpy(e->limited, st.limited, sizeof(e->limited));
    e->status_seen = true;
    o->await_status = 0;
}

static void on_event(hpac_demo_observer *o, const json_t *body, hpac_demo_timeline *tl)
{
    const char *reason = str_at(body, "reason", NULL);
    const char *involved = str_at(body, "involvedObject", "name");
    int size;
    const char *why;
    if (!o->await_reason || !reason || strcmp(reason, "SuccessfulRescale") != 0 || !involved ||
        strcmp(involved, o->hpa_name) != 0 ||
        !parse_rescale_message(str_at(body, "message", NULL), &size, &why))
        return;
    hpac_demo_event *e = &tl->events[o->await_reason - 1];
    if (size != e->to)
        return;
    hpac_strlcpy(e->reason, why, sizeof(e->reason));
    o->await_reason = 0;
}

void hpac_demo_observe_writes(hpac_demo_observer *o, const json_t *writes, int64_t now_ms,
                              hpac_demo_timeline *tl)
{
    size_t n = json_array_size(writes);
    for (; o->seen < n; o->seen++) {
        const json_t *w = json_array_get(writes, o->seen);
        const char *verb = str_at(w, "verb", NULL);
        const char *path = str_at(w, "path", NULL);
        json_int_t code = json_integer_value(json_object_get(w, "code"));
        const json_t *body = json_object_get(w, "body");
        if (!verb || !path || code < 200 || code > 299 || !json_is_object(body))
            continue;
        /* The path may carry a query: compare up to it. */
        char bare[1024];
        hpac_strlcpy(bare, path, sizeof(bare));
        char *query = strchr(bare, '?');
        if (query)
            *query = '\0';
        bool put = strcmp(verb, "PUT") == 0 || strcmp(verb, "PATCH") == 0;
        if (put && ends_with(bare, o->scale_suffix))
            on_scale(o, body, now_ms, tl);
        else if (put && ends_with(bare, o->status_suffix))
            on_status(o, body, tl);
        else if (strcmp(verb, "POST") == 0 && ends_with(bare, "/events"))
            on_event(o, body, tl);
    }
}
