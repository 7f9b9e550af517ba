/* The long-running controller: HPAs and pods from list + watch streams,
 * every HPA reconciled once per sync period (spread over the period, at
 * most --concurrent-horizontal-pod-autoscaler-syncs at a time, new and
 * changed HPAs at once), history persisted on the HPA, leader election
 * and sharding, /metrics /healthz /readyz, clean shutdown on SIGTERM. */
#ifndef HPAC_CONTROLLER_CONTROLLER_H
#define HPAC_CONTROLLER_CONTROLLER_H

#include "controller/options.h"

/* Runs until SIGTERM or SIGINT. Returns the process exit status: 0 after a
 * clean shutdown, 1 when it could not start (bad kubeconfig, port in use). */
int hpac_run_controller(const hpac_options *o);

/* The same controller, embedded (the demo runs it on a thread of its
 * own): new sets it up (NULL with err), run blocks until stop is asked for
 * and the graceful shutdown is over, stop may be called from any thread
 * (signals are not handled: the embedding program owns them). `o` is
 * borrowed until free. */
typedef struct hpac_controller hpac_controller;
hpac_controller *hpac_controller_new(const hpac_options *o, char *err, size_t errsize);
int hpac_controller_run(hpac_controller *c);
void hpac_controller_stop(hpac_controller *c);
void hpac_controller_free(hpac_controller *c);

#endif
