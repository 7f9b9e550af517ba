#include "obs/process.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* /proc/self/stat is one line of about 300 bytes; the command name is at
 * most 16. */
#define STAT_TEXT_MAX 4096
/* /proc/stat grows with the number of CPUs; btime follows the per-CPU
 * lines, so lines are read one at a time. */
#define PROC_STAT_LINE_MAX 4096

/* Fields of /proc/<pid>/stat, counted from 1 (proc(5)). */
#define FIELD_UTIME 14
#define FIELD_STIME 15
#define FIELD_STARTTIME 22
#define FIELD_VSIZE 23
#define FIELD_RSS 24

int hpac_process_parse_stat(const char *text, double ticks_per_second, double page_size,
                            double boot_time_seconds, hpac_process_stats *out)
{
    /* The command is in parentheses and may contain both: the last ")"
     * ends it. Field 3 (state) follows. */
    const char *p = strrchr(text, ')');
    if (!p || ticks_per_second <= 0)
        return -1;
    p++;
    unsigned long long values[FIELD_RSS + 1] = {0};
    int field = 3;
    while (field <= FIELD_RSS) {
        while (*p == ' ')
            p++;
        if (*p == '\0' || *p == '\n')
            return -1;
        if (field == 3) { /* the state letter */
            while (*p && *p != ' ')
                p++;
        } else {
            char *end;
            errno = 0;
            /* Signed fields (rss can be, in theory) are read as signed. */
            long long v = strtoll(p, &end, 10);
            if (end == p || errno)
                return -1;
            values[field] = v < 0 ? 0 : (unsigned long long)v;
            p = end;
            if (*p != ' ' && *p != '\n' && *p != '\0')
                return -1;
        }
        field++;
    }
    out->cpu_seconds = (double)(values[FIELD_UTIME] + values[FIELD_STIME]) / ticks_per_second;
    out->start_time_seconds =
        boot_time_seconds + (double)values[FIELD_STARTTIME] / ticks_per_second;
    out->virtual_bytes = (double)values[FIELD_VSIZE];
    out->resident_bytes = (double)values[FIELD_RSS] * page_size;
    return 0;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
    int result = -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    if (ferror(f) || n == size - 1) /* an error, or longer than any stat line */
        goto out;
    buf[n] = '\0';
    result = 0;
out:
    fclose(f);
    return result;
}

static int read_boot_time(double *seconds)
{
    int result = -1;
    char line[PROC_STAT_LINE_MAX];
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long btime;
        if (sscanf(line, "btime %llu", &btime) == 1) {
            *seconds = (double)btime;
            result = 0;
            break;
        }
    }
    fclose(f);
    return result;
}

/* Entries of /proc/self/fd, not counting the one opendir itself holds. */
static int count_open_fds(double *count)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int own = dirfd(dir);
    double n = 0;
    const struct dirent *e;
    for (e = readdir(dir); e; e = readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        if (atoi(e->d_name) == own)
            continue;
        n++;
    }
    closedir(dir);
    *count = n;
    return 0;
}

int hpac_process_stats_read(hpac_process_stats *out)
{
    char stat[STAT_TEXT_MAX];
    double boot;
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (ticks <= 0 || page <= 0 || read_small_file("/proc/self/stat", stat, sizeof(stat)) ||
        read_boot_time(&boot) ||
        hpac_process_parse_stat(stat, (double)ticks, (double)page, boot, out) ||
        count_open_fds(&out->open_fds))
        return -1;
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim))
        return -1;
    out->max_fds = lim.rlim_cur == RLIM_INFINITY ? INFINITY : (double)lim.rlim_cur;
    return 0;
}
