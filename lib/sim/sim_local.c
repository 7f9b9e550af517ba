#include "sim/sim_local.h"

#include "util/strutil.h"
#include "util/timeutil.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hpac_sim_token(char *buf)
{
    unsigned char raw[HPAC_SIM_TOKEN_HEX / 2];
    size_t got = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        got = fread(raw, 1, sizeof(raw), f);
        fclose(f);
    }
    if (got < sizeof(raw)) {
        uint64_t z = (uint64_t)hpac_clock_wall_ms() * 0x9e3779b97f4a7c15ULL ^
                     (uint64_t)hpac_clock_monotonic_ms() ^ ((uint64_t)getpid() << 32);
        for (size_t i = 0; i < sizeof(raw); i++) {
            z ^= z >> 29;
            z *= 0xbf58476d1ce4e5b9ULL;
            raw[i] = (unsigned char)(z >> 56);
        }
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(buf + 2 * i, 3, "%02x", raw[i]);
}

char *hpac_sim_kubeconfig_write(uint16_t port, const char *token, char *err, size_t errsize)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = hpac_format("%s/hpac-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *path = NULL, *result = NULL;
    bool made_dir = false;
    FILE *f = NULL;
    int fd = -1;
    if (!dir) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    if (!mkdtemp(dir)) {
        snprintf(err, errsize, "cannot make a temporary directory %s: %s", dir, strerror(errno));
        goto out;
    }
    made_dir = true;
    path = hpac_format("%s/kubeconfig", dir);
    if (!path) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1; /* the stream owns it */
    fprintf(f,
            "apiVersion: v1\n"
            "kind: Config\n"
            "clusters:\n"
            "- name: hpac-demo\n"
            "  cluster:\n"
            "    server: http://127.0.0.1:%u\n"
            "users:\n"
            "- name: hpac\n"
            "  user:\n"
            "    token: %s\n"
            "contexts:\n"
            "- name: hpac-demo\n"
            "  context:\n"
            "    cluster: hpac-demo\n"
            "    user: hpac\n"
            "current-context: hpac-demo\n",
            (unsigned)port, token);
    int rc = fclose(f);
    f = NULL;
    if (rc != 0) {
        snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    result = path;
    path = NULL;
out:
    if (fd >= 0)
        close(fd);
    if (f)
        fclose(f);
    if (path)
        unlink(path);
    if (made_dir && !result)
        rmdir(dir);
    free(path);
    free(dir);
    return result;
}

void hpac_sim_kubeconfig_remove(char *path)
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
