/* Kubernetes Status bodies (kind Status, apiVersion v1), the form of every
 * error the simulated API server answers. */
#ifndef HPAC_SIM_SIM_STATUS_H
#define HPAC_SIM_SIM_STATUS_H

#include <jansson.h>

/* The StatusReason the API server gives with an HTTP code ("NotFound" for
 * 404, "Invalid" for 422, ...); "" for codes without one. Static string. */
const char *hpac_sim_status_reason(int code);

/* A Failure Status. `reason` NULL: the one for `code`. `kind`, `group` and
 * `name` (each may be NULL) fill `details` as the API server does
 * (`kind` holds the resource, e.g. "deployments"). New reference. */
json_t *hpac_sim_status_new(int code, const char *reason, const char *message, const char *group,
                            const char *kind, const char *name);

/* `resource.group "name" not found`, 404 NotFound with details. */
json_t *hpac_sim_status_not_found(const char *group, const char *resource, const char *name);
/* Optimistic-concurrency failure, 409 Conflict with details. */
json_t *hpac_sim_status_conflict(const char *group, const char *resource, const char *name);

#endif
