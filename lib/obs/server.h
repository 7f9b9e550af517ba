/* The operators' HTTP endpoint (--metrics-bind-address): /healthz,
 * /readyz and /metrics, served by libmicrohttpd on its own thread, so it
 * answers whatever the controller's loop or the API server are doing.
 *
 *   GET /healthz  200 "ok" while the process runs
 *   GET /readyz   200 "ok", "ok: leading" or "ok: standby" once caches are
 *                 synced (hpac_obs_set_synced), else 503 with the reason
 *   GET /metrics  hpac_obs_render, text/plain; version=0.0.4
 * HEAD works wherever GET does; another method on these paths is 405;
 * any other path is 404. */
#ifndef HPAC_OBS_SERVER_H
#define HPAC_OBS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "obs/metrics.h"

/* Concurrent connections; scrapers and probes need a handful. */
#define HPAC_OBS_SERVER_MAX_CONNECTIONS 64
/* An idle or slow client is dropped after this many seconds. */
#define HPAC_OBS_SERVER_TIMEOUT_S 10
#define HPAC_OBS_BIND_ADDRESS_MAX 300

typedef struct hpac_obs_server hpac_obs_server;

/* Parses a bind address: ":8080" (every interface, IPv6 and IPv4),
 * "0.0.0.0:8080", "127.0.0.1:9090", "[::]:8080", "[::1]:9090",
 * "localhost:8080" (resolved once, first answer). Port 0 asks for an
 * ephemeral port. On success returns 0 with the address in `out`/`len`
 * and `*any` true for the empty host; else -1 with a reason in `err`. */
int hpac_obs_parse_bind_address(const char *text, struct sockaddr_storage *out, socklen_t *len,
                                int *any, char *err, size_t errsize);

/* Starts serving `obs` (borrowed: it must outlive the server). Returns
 * the server (caller stops it with hpac_obs_server_stop), or NULL with a
 * reason in `err` (bad address, port in use, ...). */
hpac_obs_server *hpac_obs_server_start(hpac_obs *obs, const char *bind_address, char *err,
                                       size_t errsize);

/* The port actually bound (the ephemeral one when asked for port 0). */
uint16_t hpac_obs_server_port(const hpac_obs_server *s);

/* Closes the listening socket and every connection, joins the server's
 * thread and frees everything. Does not wait for clients. NULL is fine. */
void hpac_obs_server_stop(hpac_obs_server *s);

#endif
