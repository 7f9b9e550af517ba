/* Running the real hpac binary against the simulated API server. */
#ifndef HPAC_TEST_E2E_SUPPORT_H
#define HPAC_TEST_E2E_SUPPORT_H

#include "sim/sim_server.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* ---- a controller in the background --------------------------------- */

/* A build/hpac process started by e2e_proc_start; its stdout and stderr
 * go to a file of its own (log_path) that outlives it until
 * e2e_proc_cleanup. */
typedef struct e2e_proc {
    pid_t pid;  /* 0 once reaped */
    int status; /* as e2e_run_hpac returns it, once reaped; -1 before */
    char log_path[64];
} e2e_proc;

/* Starts build/hpac with `args` (NULL-terminated, after argv[0]) and the
 * test's environment plus `env` ("NAME=value" strings, NULL-terminated;
 * NULL: none). Returns 0, or -1 when it could not fork or make the log. */
int e2e_proc_start(e2e_proc *p, const char *const *args, const char *const *env);

/* Sends SIGTERM and waits up to timeout_ms for the exit (then SIGKILL).
 * Returns the exit status (128+signal when killed), and in `elapsed_ms`
 * (may be NULL) how long the exit took. A reaped process: its status. */
int e2e_proc_stop(e2e_proc *p, int timeout_ms, int64_t *elapsed_ms);

/* SIGKILL and reap, as a crash would end it. */
void e2e_proc_kill(e2e_proc *p);

/* Whether it is still running (reaps it when it has exited). */
int e2e_proc_alive(e2e_proc *p);

/* The log so far, NUL-terminated; caller frees. */
char *e2e_proc_log(const e2e_proc *p);

/* Kills it when still running and removes the log file. */
void e2e_proc_cleanup(e2e_proc *p);

/* Resident set size of a process (VmRSS), in KiB; -1 when unknown. */
long e2e_rss_kib(pid_t pid);

/* A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
 * then closed); 0 on failure. */
unsigned e2e_free_port(void);

/* GET http://127.0.0.1:port<path> with a 2 s timeout: the HTTP status, or
 * -1 when nothing answered. The body goes to *body (caller frees) when
 * body is not NULL. */
long e2e_http_get(unsigned port, const char *path, char **body);

/* Monotonic milliseconds. */
int64_t e2e_now_ms(void);

/* Number of times `needle` occurs in `haystack` (NULL: 0). */
size_t e2e_count(const char *haystack, const char *needle);

#endif
