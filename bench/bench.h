/* The benchmark driver's helpers: child processes pinned to CPUs and read
 * through /proc (proc.c), loopback HTTP for scrapes and the simulator's
 * control port (fetch.c). */
#ifndef HPAC_BENCH_BENCH_H
#define HPAC_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- processes (proc.c) ------------------------------------------------ */

#define BENCH_LINE_MAX 4096

typedef struct bench_child {
    pid_t pid;                    /* 0: none */
    int out_fd;                   /* its stdout when captured, else -1 */
    char pending[BENCH_LINE_MAX]; /* read but not yet returned */
    size_t pending_len;
    const char *name;
} bench_child;

/* Starts argv[0] with argv, pinned to the CPUs in `cpus` (a bit mask; 0:
 * any), stderr appended to `log_path`, stdout to a pipe when `capture`
 * (else to the log too). 0, or -1 with a message on stderr. */
int bench_spawn(bench_child *c, const char *name, char *const argv[], uint64_t cpus,
                const char *log_path, bool capture);

/* Reads one line of the child's stdout into buf (newline stripped; a
 * line longer than BENCH_LINE_MAX is cut), waiting at most timeout_s. 0,
 * or -1 on timeout or end of file. */
int bench_read_line(bench_child *c, char *buf, size_t size, double timeout_s);

/* SIGTERM, then SIGKILL after grace_s; reaps it. `cpu_s` (may be NULL)
 * gets the child's whole-life user+sys from wait4. Returns the exit
 * status, or -1. */
int bench_stop(bench_child *c, double grace_s, double *cpu_s);

/* True while the child has not exited. */
bool bench_alive(bench_child *c);

/* user+sys seconds of a running process (/proc/PID/stat), -1 on error;
 * the split into *user and *sys when they are not NULL. */
double bench_proc_cpu(pid_t pid, double *user, double *sys);
/* A "VmHWM:"/"VmRSS:" line of /proc/PID/status in KiB, -1 on error. */
long bench_proc_kib(pid_t pid, const char *field);

double bench_now(void); /* monotonic seconds */
void bench_sleep(double seconds);

/* ---- HTTP (fetch.c) ---------------------------------------------------- */

/* Responses larger than this are refused (a /metrics page of 10,000 HPAs
 * is about 1 MiB). */
#define BENCH_FETCH_MAX ((size_t)64 * 1024 * 1024)

/* `method` to `url`; the body (caller frees) into *body when not NULL.
 * Returns the HTTP status, or -1 on a transport failure. */
long bench_fetch(const char *method, const char *url, char **body);

/* Sum of every sample of `family` (a counter or gauge: "name{...} v" and
 * "name v" lines) in Prometheus text whose labels contain `label_match`
 * (NULL: all). */
double bench_prom_sum(const char *text, const char *family, const char *label_match);

#endif
