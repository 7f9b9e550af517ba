/* Watch streams over libmicrohttpd: the response of a watch, whose
 * content reader suspends the connection when the stream has nothing to
 * send, and the hub of suspended streams that a state change, a
 * one-second tick (for timeouts) or stopping wakes. Internal to lib/sim. */
#ifndef HPAC_SIM_SIM_STREAM_H
#define HPAC_SIM_SIM_STREAM_H

#include "sim/sim_watch.h"

#include <microhttpd.h>

typedef struct hpac_sim_hub hpac_sim_hub;

/* Starts the tick thread. NULL on failure. */
hpac_sim_hub *hpac_sim_hub_start(void);
/* Wakes every waiting stream (they look for changes again). Any thread. */
void hpac_sim_hub_wake(hpac_sim_hub *hub);
/* Ends every stream and joins the tick thread: call before
 * MHD_stop_daemon, which must not find a connection suspended. */
void hpac_sim_hub_stop(hpac_sim_hub *hub);
/* Frees the hub, after MHD_stop_daemon has freed every stream. */
void hpac_sim_hub_free(hpac_sim_hub *hub);

/* The response serving `watch` (stolen) on `conn`. NULL on allocation
 * failure (the watch is then freed). */
struct MHD_Response *hpac_sim_hub_response(hpac_sim_hub *hub, struct MHD_Connection *conn,
                                           hpac_sim_watch *watch);

#endif
