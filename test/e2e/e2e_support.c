#include "e2e_support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *e2e_write_kubeconfig(unsigned port, const char *token)
{
    char dir[] = "/tmp/hpac-e2e-XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    char *path = malloc(strlen(dir) + 32);
    if (!path)
        return NULL;
    sprintf(path, "%s/kubeconfig", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(path);
        return NULL;
    }
    fprintf(f,
            "apiVersion: v1\n"
            "kind: Config\n"
            "clusters:\n"
            "- name: sim\n"
            "  cluster:\n"
            "    server: http://127.0.0.1:%u\n"
            "users:\n"
            "- name: hpac\n"
            "  user:\n"
            "    token: %s\n"
            "contexts:\n"
            "- name: sim\n"
            "  context:\n"
            "    cluster: sim\n"
            "    user: hpac\n"
            "current-context: sim\n",
            port, token);
    fclose(f);
    return path;
}

void e2e_remove_kubeconfig(char *path)
{
    if (!path)
        return;
    unlink(path);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path);
    }
    free(path);
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
