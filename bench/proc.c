/* sched_setaffinity and the CPU_SET macros are GNU extensions. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_LINE_MAX 4096

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_exec(char *const argv[], uint64_t cpus, int log_fd, int out_fd)
{
    if (cpus) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int i = 0; i < 64; i++) {
            if (cpus & ((uint64_t)1 << i))
                CPU_SET(i, &set);
        }
        sched_setaffinity(0, sizeof(set), &set);
    }
    dup2(out_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    execv(argv[0], argv);
    _exit(127);
}

int bench_spawn(bench_child *c, const char *name, char *const argv[], uint64_t cpus,
                const char *log_path, bool capture)
{
    int pipefd[2] = {-1, -1};
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->out_fd = -1;
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        fprintf(stderr, "bench: cannot open %s: %s\n", log_path, strerror(errno));
        return -1;
    }
    /* Close-on-exec, so that children started later do not hold this
     * pipe open; dup2 onto stdout clears the flag in the child. */
    if (capture && (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0 ||
                    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0)) {
        for (int i = 0; i < 2; i++) {
            if (pipefd[i] >= 0)
                close(pipefd[i]);
        }
        close(log_fd);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        child_exec(argv, cpus, log_fd, capture ? pipefd[1] : log_fd);
    close(log_fd);
    if (capture)
        close(pipefd[1]);
    if (pid < 0) {
        if (capture)
            close(pipefd[0]);
        fprintf(stderr, "bench: cannot start %s: %s\n", name, strerror(errno));
        return -1;
    }
    c->pid = pid;
    if (capture)
        c->out_fd = pipefd[0];
    return 0;
}

/* Moves the first line of c->pending into buf; false when there is none. */
static bool take_line(bench_child *c, char *buf, size_t size)
{
    char *nl = memchr(c->pending, '\n', c->pending_len);
    if (!nl && c->pending_len < sizeof(c->pending))
        return false;
    size_t len = nl ? (size_t)(nl - c->pending) : c->pending_len;
    size_t copy = len < size ? len : size - 1;
    memcpy(buf, c->pending, copy);
    buf[copy] = '\0';
    size_t used = nl ? len + 1 : len;
    memmove(c->pending, c->pending + used, c->pending_len - used);
    c->pending_len -= used;
    return true;
}

int bench_read_line(bench_child *c, char *buf, size_t size, double timeout_s)
{
    if (c->out_fd < 0 || size == 0)
        return -1;
    double deadline = bench_now() + timeout_s;
    while (!take_line(c, buf, size)) {
        double left = deadline - bench_now();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = c->out_fd, .events = POLLIN};
        int n = poll(&p, 1, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n <= 0)
            continue;
        ssize_t got =
            read(c->out_fd, c->pending + c->pending_len, sizeof(c->pending) - c->pending_len);
        if (got == 0 || (got < 0 && errno != EINTR))
            return -1;
        if (got > 0)
            c->pending_len += (size_t)got;
    }
    return 0;
}

bool bench_alive(bench_child *c)
{
    if (c->pid <= 0)
        return false;
    int status;
    return waitpid(c->pid, &status, WNOHANG) == 0;
}

int bench_stop(bench_child *c, double grace_s, double *cpu_s)
{
    if (c->pid <= 0)
        return -1;
    int status = 0;
    struct rusage ru;
    pid_t done = 0;
    kill(c->pid, SIGTERM);
    double deadline = bench_now() + grace_s;
    while ((done = wait4(c->pid, &status, WNOHANG, &ru)) == 0 && bench_now() < deadline)
        bench_sleep(0.02);
    if (done == 0) {
        kill(c->pid, SIGKILL);
        done = wait4(c->pid, &status, 0, &ru);
    }
    if (cpu_s)
        *cpu_s = done > 0 ? (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6
                          : -1;
    if (c->out_fd >= 0)
        close(c->out_fd);
    c->out_fd = -1;
    c->pid = 0;
    if (done <= 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double bench_proc_cpu(pid_t pid, double *user, double *sys)
{
    char path[64], line[PROC_LINE_MAX];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    /* The command name may hold spaces and parentheses: fields count from
     * after the last ')'. utime and stime are fields 14 and 15. */
    char *p = strrchr(line, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    double tick = (double)sysconf(_SC_CLK_TCK);
    if (user)
        *user = (double)utime / tick;
    if (sys)
        *sys = (double)stime / tick;
    return (double)(utime + stime) / tick;
}

long bench_proc_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    long kib = -1;
    size_t flen = strlen(field);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, field, flen) == 0) {
            kib = strtol(line + flen, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}
