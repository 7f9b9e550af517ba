/* Small string helpers that C leaves out. */
#ifndef HPAC_UTIL_STRUTIL_H
#define HPAC_UTIL_STRUTIL_H

#include <stddef.h>

/* strdup that accepts NULL (returns NULL). Caller frees. */
char *hpac_strdup(const char *s);

/* printf into a new buffer. Caller frees; NULL when out of memory. */
char *hpac_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies `src` into `dst` of `size` bytes, always terminating; returns
 * strlen(src) like strlcpy. */
size_t hpac_strlcpy(char *dst, const char *src, size_t size);

#endif
