/* The only file I/O of the module: read a whole (capped) file, write one. */
#include "whatif/load.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file in a new buffer (caller frees), NUL-terminated. */
static char *read_file(const char *path, size_t *len, char *err, size_t errsize)
{
    char *data = NULL;
    size_t used = 0, cap = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (used + 4096 + 1 > cap) {
            size_t bigger = cap ? cap * 2 : 65536;
            char *grown = realloc(data, bigger);
            if (!grown) {
                snprintf(err, errsize, "%s: out of memory", path);
                goto fail;
            }
            data = grown;
            cap = bigger;
        }
        size_t n = fread(data + used, 1, cap - used - 1, f);
        used += n;
        if (used > HPAC_WHATIF_MAX_FILE) {
            snprintf(err, errsize, "%s: larger than %zu MiB", path, HPAC_WHATIF_MAX_FILE >> 20);
            goto fail;
        }
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errsize, "%s: read error", path);
        goto fail;
    }
    fclose(f);
    data[used] = '\0';
    *len = used;
    return data;
fail:
    fclose(f);
    free(data);
    return NULL;
}

int hpac_whatif_load_spec(const char *path, int64_t cpu_request_milli, hpac_whatif_spec *out,
                          char *err, size_t errsize)
{
    size_t len = 0;
    memset(out, 0, sizeof(*out));
    char *text = read_file(path, &len, err, errsize);
    if (!text)
        return -1;
    int rc = hpac_whatif_spec_from_text(text, len, path, cpu_request_milli, out, err, errsize);
    free(text);
    return rc;
}

int hpac_whatif_load_trace(const char *path, size_t columns, hpac_trace *out, char *err,
                           size_t errsize)
{
    size_t len = 0;
    memset(out, 0, sizeof(*out));
    char *text = read_file(path, &len, err, errsize);
    if (!text)
        return -1;
    int rc = hpac_trace_parse(text, len, path, columns, out, err, errsize);
    free(text);
    return rc;
}

int hpac_whatif_write_file(const char *path, const char *text, char *err, size_t errsize)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errsize, "%s: write failed", path);
        return -1;
    }
    return 0;
}
