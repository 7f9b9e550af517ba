/* Reading small local files (kubeconfig, service-account token, CA) whole,
 * with a size cap. Internal to lib/kube. */
#ifndef HPAC_KUBE_READFILE_H
#define HPAC_KUBE_READFILE_H

#include <stddef.h>
#include <time.h>

/* Reads `path` into a new NUL-terminated buffer (caller frees *out);
 * *len excludes the NUL. Fails with err ("<path>: <reason>") when the file
 * cannot be read or exceeds `cap` bytes. Returns 0 or -1. */
int hpac_read_file(const char *path, size_t cap, char **out, size_t *len, char *err,
                   size_t errsize);

/* The file's modification time with nanoseconds, or -1 when stat fails. */
int hpac_file_mtime(const char *path, struct timespec *out);

#endif
