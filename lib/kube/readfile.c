#include "kube/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hpac_read_file(const char *path, size_t cap, char **out, size_t *len, char *err,
                   size_t errsize)
{
    int rc = -1;
    FILE *fp = NULL;
    char *buf = NULL;
    size_t used = 0, size = 0;

    *out = NULL;
    *len = 0;
    fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        if (used + 1 >= size) {
            size_t grown_size = size ? size * 2 : 4096;
            if (grown_size > cap + 2)
                grown_size = cap + 2;
            char *grown = realloc(buf, grown_size);
            if (!grown) {
                snprintf(err, errsize, "%s: out of memory", path);
                goto out;
            }
            buf = grown;
            size = grown_size;
        }
        size_t n = fread(buf + used, 1, size - used - 1, fp);
        used += n;
        if (used > cap) {
            snprintf(err, errsize, "%s: larger than %zu bytes", path, cap);
            goto out;
        }
        if (n == 0) {
            if (ferror(fp)) {
                snprintf(err, errsize, "%s: read error", path);
                goto out;
            }
            break;
        }
    }
    if (!buf) {
        buf = malloc(1);
        if (!buf) {
            snprintf(err, errsize, "%s: out of memory", path);
            goto out;
        }
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
    rc = 0;
out:
    if (fp)
        fclose(fp);
    free(buf);
    return rc;
}

int hpac_file_mtime(const char *path, struct timespec *out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    *out = st.st_mtim;
    return 0;
}
