/* Resolves a scaleTargetRef (apiVersion + kind) to the plural resource name
 * used in URLs ("Deployment" in "apps/v1" -> "deployments"), from the API
 * server's discovery documents (GET /api/v1, /apis/{group}/{version}).
 *
 * Results are cached per group-version. A kind missing from the cache
 * triggers a refresh of its group-version, at most once per refresh
 * interval. When the server does not serve discovery at all (404, 405,
 * 501, or a 2xx that is not an APIResourceList), the resource is guessed
 * the way upstream does (meta.UnsafeGuessKindToResource), so minimal test
 * servers work too. */
#ifndef HPAC_KUBE_DISCOVERY_H
#define HPAC_KUBE_DISCOVERY_H

#include "kube/client.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hpac_discovery hpac_discovery;
typedef struct hpac_discovery_call hpac_discovery_call;

#define HPAC_DISCOVERY_DEFAULT_REFRESH_MS 30000L

/* `k` is borrowed and must outlive the discovery. NULL on allocation
 * failure. */
hpac_discovery *hpac_discovery_new(hpac_kube *k);

/* Cancels pending resolutions (callbacks not called) and frees. */
void hpac_discovery_free(hpac_discovery *d);

/* Minimum interval between refreshes of one group-version triggered by a
 * miss (default HPAC_DISCOVERY_DEFAULT_REFRESH_MS). */
void hpac_discovery_set_refresh_interval_ms(hpac_discovery *d, long ms);

/* `resource` (plural, e.g. "deployments") or `error` (e.g. `no matches for
 * kind "Foo" in version "apps/v1"`), both borrowed for the call. */
typedef void (*hpac_discovery_done_fn)(void *ctx, const char *resource, const char *error);

/* Resolves asynchronously: `done` is called once, from the loop, never
 * from inside this function (even on a cache hit). Returns a handle valid
 * until `done` runs, or NULL on immediate failure (then `done` is never
 * called). Concurrent resolutions of one group-version share one fetch. */
hpac_discovery_call *hpac_discovery_resolve(hpac_discovery *d, const char *api_version,
                                            const char *kind, hpac_discovery_done_fn done,
                                            void *ctx);

/* `done` is not called afterwards. NULL or a finished call: see above. */
void hpac_discovery_cancel(hpac_discovery_call *c);

/* Synchronous cache lookup, no I/O: the cached plural or, for a
 * group-version known not to be served, the guess. Returns a new string
 * (caller frees) or NULL when unknown. */
char *hpac_discovery_lookup(hpac_discovery *d, const char *api_version, const char *kind);

/* Upstream's guess (meta.UnsafeGuessKindToResource): lowercase; unchanged
 * when ending in "endpoints" or "securitycontextconstraints"; "es" after a
 * final s; a final y becomes "ies"; else "s". Caller frees; NULL when out
 * of memory or kind is empty. */
char *hpac_discovery_guess_resource(const char *kind);

#endif
