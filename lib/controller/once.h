/* `hpac --once`: reconcile every HPA once, then exit. */
#ifndef HPAC_CONTROLLER_ONCE_H
#define HPAC_CONTROLLER_ONCE_H

#include "controller/options.h"
#include "kube/kubeconfig.h"

#include <stddef.h>

/* The cluster access the flags describe: --kubeconfig (or $KUBECONFIG)
 * with --context, else in-cluster; --master overrides the server.
 * 0 or -1 with err naming the file and field. */
int hpac_cluster_config(const hpac_options *o, hpac_kube_config *out, char *err, size_t errsize);

/* This replica's name for events and leases: $POD_NAME, else the host name.
 * Writes into buf. */
void hpac_instance_name(char *buf, size_t size);

/* Runs one pass. Returns the process exit status: 0 when the API server
 * could be used (per-HPA failures are conditions and events), 1 when it
 * could not (unreachable, unauthorized, bad kubeconfig, HPA list
 * unreadable), with one line explaining why on stderr. */
int hpac_run_once(const hpac_options *o);

#endif
