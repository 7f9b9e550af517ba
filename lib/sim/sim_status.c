#include "sim/sim_status.h"

#include <stdio.h>

const char *hpac_sim_status_reason(int code)
{
    switch (code) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 405:
        return "MethodNotAllowed";
    case 406:
        return "NotAcceptable";
    case 409:
        return "Conflict";
    case 410:
        return "Expired";
    case 413:
        return "RequestEntityTooLarge";
    case 415:
        return "UnsupportedMediaType";
    case 422:
        return "Invalid";
    case 429:
        return "TooManyRequests";
    case 500:
        return "InternalError";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "Timeout";
    default:
        return "";
    }
}

json_t *hpac_sim_status_new(int code, const char *reason, const char *message, const char *group,
                            const char *kind, const char *name)
{
    json_t *status = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
                               "apiVersion", "v1", "metadata", "status", "Failure", "message",
                               message ? message : "", "reason",
                               reason ? reason : hpac_sim_status_reason(code), "code", code);
    if (!status)
        return NULL;
    if (name || kind || group) {
        json_t *details = json_object();
        if (name)
            json_object_set_new(details, "name", json_string(name));
        if (group && *group)
            json_object_set_new(details, "group", json_string(group));
        if (kind)
            json_object_set_new(details, "kind", json_string(kind));
        json_object_set_new(status, "details", details);
    }
    return status;
}

/* "deployments.apps", or "pods" for the core group. */
static void qualified(char *buf, size_t size, const char *group, const char *resource)
{
    if (group && *group)
        snprintf(buf, size, "%s.%s", resource, group);
    else
        snprintf(buf, size, "%s", resource);
}

json_t *hpac_sim_status_not_found(const char *group, const char *resource, const char *name)
{
    char what[256], message[512];
    qualified(what, sizeof(what), group, resource);
    snprintf(message, sizeof(message), "%s \"%s\" not found", what, name);
    return hpac_sim_status_new(404, "NotFound", message, group, resource, name);
}

json_t *hpac_sim_status_conflict(const char *group, const char *resource, const char *name)
{
    char what[256], message[640];
    qualified(what, sizeof(what), group, resource);
    snprintf(message, sizeof(message),
             "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please "
             "apply your changes to the latest version and try again",
             what, name);
    return hpac_sim_status_new(409, "Conflict", message, group, resource, name);
}
