#include "e2e_support.h"

#include "sim/sim_local.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *e2e_write_kubeconfig(unsigned port, const char *token)
{
    char err[256];
    return hpac_sim_kubeconfig_write((uint16_t)port, token, err, sizeof(err));
}

void e2e_remove_kubeconfig(char *path)
{
    hpac_sim_kubeconfig_remove(path);
}

static char *read_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    lseek(fd, 0, SEEK_SET);
    ssize_t n;
    while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    buf[len] = '\0';
    return buf;
}

int e2e_run_hpac(const char *const *args, int timeout_s, char **log)
{
    char log_path[] = "/tmp/hpac-e2e-log-XXXXXX";
    int log_fd = mkstemp(log_path);
    if (log_fd < 0)
        return -1;
    unlink(log_path);
    size_t n = 0;
    while (args[n])
        n++;
    const char **argv = calloc(n + 2, sizeof(*argv));
    if (!argv)
        return -1;
    argv[0] = HPAC_BINARY;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = args[i];
    pid_t pid = fork();
    if (pid == 0) {
        dup2(log_fd, STDERR_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        execv(HPAC_BINARY, (char *const *)argv);
        _exit(127);
    }
    free(argv);
    int status = -1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(5000);
    }
    if (log)
        *log = read_all(log_fd);
    close(log_fd);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

json_t *e2e_last_status(json_t *writes)
{
    json_t *last = NULL;
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        if (path && strstr(path, "/horizontalpodautoscalers/") && ends_with(path, "/status")) {
            json_t *status = json_object_get(json_object_get(w, "body"), "status");
            if (status)
                last = status;
        }
    }
    return last ? json_incref(last) : NULL;
}

int e2e_scale_written(json_t *writes)
{
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        if (path && ends_with(path, "/scale"))
            return 1;
    }
    return 0;
}

json_t *e2e_events(json_t *writes)
{
    json_t *events = json_array();
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        const char *verb = json_string_value(json_object_get(w, "verb"));
        if (path && verb && !strcmp(verb, "POST") && ends_with(path, "/events")) {
            json_t *body = json_object_get(w, "body");
            json_array_append_new(events, json_pack("{s:O?, s:O?, s:O?}", "type",
                                                    json_object_get(body, "type"), "reason",
                                                    json_object_get(body, "reason"), "message",
                                                    json_object_get(body, "message")));
        }
    }
    return events;
}

/* ---- a controller in the background --------------------------------- */

extern char **environ;

/* Largest log or HTTP answer read back (a test's log is far smaller). */
#define E2E_READ_MAX ((size_t)64 * 1024 * 1024)

int64_t e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int status_of(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return -1;
}

int e2e_proc_start(e2e_proc *p, const char *const *args, const char *const *env)
{
    int rc = -1;
    const char **argv = NULL;
    const char **envp = NULL;
    memset(p, 0, sizeof(*p));
    p->status = -1;
    snprintf(p->log_path, sizeof(p->log_path), "/tmp/hpac-e2e-proc-XXXXXX");
    int fd = mkstemp(p->log_path);
    if (fd < 0) {
        p->log_path[0] = '\0';
        goto out;
    }
    size_t nargs = 0, nenv = 0, nextra = 0;
    while (args[nargs])
        nargs++;
    while (environ[nenv])
        nenv++;
    while (env && env[nextra])
        nextra++;
    /* Everything exec needs is built before fork: the child of a
     * threaded process may only call async-signal-safe functions. */
    argv = calloc(nargs + 2, sizeof(*argv));
    envp = calloc(nenv + nextra + 1, sizeof(*envp));
    if (!argv || !envp)
        goto out;
    argv[0] = HPAC_BINARY;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    size_t n = 0;
    for (size_t i = 0; i < nenv; i++) {
        /* A variable given in `env` replaces the inherited one. */
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        int replaced = 0;
        for (size_t j = 0; j < nextra; j++)
            if (!strncmp(env[j], environ[i], len))
                replaced = 1;
        if (!replaced)
            envp[n++] = environ[i];
    }
    for (size_t j = 0; j < nextra; j++)
        envp[n++] = env[j];
    pid_t pid = fork();
    if (pid < 0)
        goto out;
    if (pid == 0) {
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        execve(HPAC_BINARY, (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    p->pid = pid;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(argv);
    free(envp);
    return rc;
}

int e2e_proc_alive(e2e_proc *p)
{
    if (p->pid <= 0)
        return 0;
    int wstatus;
    if (waitpid(p->pid, &wstatus, WNOHANG) == p->pid) {
        p->status = status_of(wstatus);
        p->pid = 0;
        return 0;
    }
    return 1;
}

int e2e_proc_stop(e2e_proc *p, int timeout_ms, int64_t *elapsed_ms)
{
    int64_t start = e2e_now_ms();
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        while (e2e_proc_alive(p) && e2e_now_ms() - start < timeout_ms)
            usleep(2000);
        if (p->pid > 0)
            e2e_proc_kill(p);
    }
    if (elapsed_ms)
        *elapsed_ms = e2e_now_ms() - start;
    return p->status;
}

void e2e_proc_kill(e2e_proc *p)
{
    if (p->pid <= 0)
        return;
    kill(p->pid, SIGKILL);
    int wstatus;
    if (waitpid(p->pid, &wstatus, 0) == p->pid)
        p->status = status_of(wstatus);
    p->pid = 0;
}

char *e2e_proc_log(const e2e_proc *p)
{
    int fd = p->log_path[0] ? open(p->log_path, O_RDONLY) : -1;
    if (fd < 0)
        return strdup("");
    char *text = read_all(fd);
    close(fd);
    return text;
}

void e2e_proc_cleanup(e2e_proc *p)
{
    e2e_proc_kill(p);
    if (p->log_path[0])
        unlink(p->log_path);
    p->log_path[0] = '\0';
}

long e2e_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

unsigned e2e_free_port(void)
{
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

long e2e_http_get(unsigned port, const char *path, char **body)
{
    long code = -1;
    char *answer = NULL;
    size_t len = 0, cap = 0;
    if (body)
        *body = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        goto out;
    char request[1024];
    int n =
        snprintf(request, sizeof(request),
                 "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", path, port);
    if (n < 0 || (size_t)n >= sizeof(request) || write(fd, request, (size_t)n) != n)
        goto out;
    /* HTTP/1.0 with Connection: close: the answer ends when the server
     * closes. */
    for (;;) {
        if (cap - len < 4096) {
            size_t bigger = cap ? cap * 2 : 16384;
            if (bigger > E2E_READ_MAX)
                goto out;
            char *grown = realloc(answer, bigger);
            if (!grown)
                goto out;
            answer = grown;
            cap = bigger;
        }
        ssize_t got = read(fd, answer + len, cap - len - 1);
        if (got < 0)
            goto out;
        if (got == 0)
            break;
        len += (size_t)got;
    }
    answer[len] = '\0';
    int status = 0;
    char *headers_end = strstr(answer, "\r\n\r\n");
    if (sscanf(answer, "HTTP/%*d.%*d %d", &status) != 1 || !headers_end)
        goto out;
    code = status;
    if (body)
        *body = strdup(headers_end + 4);
out:
    free(answer);
    close(fd);
    return code;
}

size_t e2e_count(const char *haystack, const char *needle)
{
    size_t count = 0, n = strlen(needle);
    const char *at = haystack && n ? strstr(haystack, needle) : NULL;
    while (at) {
        count++;
        at = strstr(at + n, needle);
    }
    return count;
}
