/* Running the real hpac binary against the simulated API server. */
#ifndef HPAC_TEST_E2E_SUPPORT_H
#define HPAC_TEST_E2E_SUPPORT_H

#include "sim/sim_server.h"

#include <jansson.h>

#define E2E_TOKEN "e2e-secret-token"

/* Writes a kubeconfig for http://127.0.0.1:port with a bearer token into a
 * new temporary directory; returns its path (caller frees with
 * e2e_remove_kubeconfig). */
char *e2e_write_kubeconfig(unsigned port, const char *token);
void e2e_remove_kubeconfig(char *path);

/* Runs build/hpac with `args` (NULL-terminated, after argv[0]); returns
 * the exit status (or 128+signal), with stderr captured into `log`
 * (malloc'd, caller frees) when log is not NULL. Kills it after
 * timeout_s seconds. */
int e2e_run_hpac(const char *const *args, int timeout_s, char **log);

/* From the sim's write log: the last status written for an HPA (new
 * reference or NULL), whether the scale was written, and the events
 * (new array of {type, reason, message}). */
json_t *e2e_last_status(json_t *writes);
int e2e_scale_written(json_t *writes);
json_t *e2e_events(json_t *writes);

#endif
