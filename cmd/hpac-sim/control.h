/* The benchmark's handle on a running hpac-sim: a second loopback HTTP
 * port, apart from the simulated API (whose request count it must not
 * disturb), with
 *   POST /probe?ns=NS&hpa=NAME&cpu=QTY  sets the CPU usage of every pod of
 *        a generated HPA to QTY and starts a clock; the first scale write
 *        (PUT or PATCH of .../NAME/scale) that follows stops it.
 *   GET  /stats  {"requests": served by the API, "writes": {"scale",
 *        "status", "hpa", "event", "other"}, "probes": [{"ns", "name",
 *        "latency_us": -1 while unanswered}]}
 * Both times are taken on this process's monotonic clock. */
#ifndef HPAC_SIM_CMD_CONTROL_H
#define HPAC_SIM_CMD_CONTROL_H

#include "generate.h"
#include "sim/sim_server.h"

#include <stdint.h>

typedef struct hpac_sim_control hpac_sim_control;

/* The write counters and probe table; before the server starts, so that
 * hpac_sim_control_on_write can be given to it. `gen` is copied. NULL when
 * out of memory. */
hpac_sim_control *hpac_sim_control_new(const hpac_gen_options *gen);

/* The server's on_write hook (hpac_sim_options); ctx is the control. */
void hpac_sim_control_on_write(void *ctx, const char *method, const char *path, int code);

/* Serves the control endpoints for `sim` (borrowed) on 127.0.0.1:`port`
 * (0: ephemeral). 0, or -1 with err. */
int hpac_sim_control_listen(hpac_sim_control *c, hpac_sim_server *sim, uint16_t port, char *err,
                            size_t errsize);
uint16_t hpac_sim_control_port(const hpac_sim_control *c);

/* Stops serving (before the server stops) and frees. NULL: no-op. */
void hpac_sim_control_free(hpac_sim_control *c);

#endif
