/* This process's resource use, read from /proc/self (Linux), for the
 * standard process_* metrics. */
#ifndef HPAC_OBS_PROCESS_H
#define HPAC_OBS_PROCESS_H

typedef struct hpac_process_stats {
    double cpu_seconds;        /* user + system */
    double resident_bytes;
    double virtual_bytes;
    double start_time_seconds; /* since the Unix epoch */
    double open_fds;
    double max_fds;            /* the soft RLIMIT_NOFILE; +Inf when unlimited */
} hpac_process_stats;

/* Returns 0 with every field filled, or -1 when /proc could not be read
 * (the fields are then unspecified). */
int hpac_process_stats_read(hpac_process_stats *out);

/* Parses the text of a /proc/<pid>/stat line (the command may hold spaces
 * and parentheses). Times in clock ticks and sizes in pages are turned
 * into seconds and bytes with the given units. Returns 0 or -1. Exposed
 * for tests; no I/O. */
int hpac_process_parse_stat(const char *text, double ticks_per_second, double page_size,
                            double boot_time_seconds, hpac_process_stats *out);

#endif
