#include "hpa/json_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Longer numbers than this are not the API's: the tree decides. */
#define NUMBER_MAX 64

bool hpac_scan_has_unicode_escape(const char *text, size_t len)
{
    for (const char *p = text; (p = memchr(p, '\\', len - (size_t)(p - text))) != NULL; p++) {
        if ((size_t)(p - text) + 1 < len && p[1] == 'u')
            return true;
    }
    return false;
}

bool hpac_scan_number_fits(const char *text, size_t len)
{
    char buf[NUMBER_MAX];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    errno = 0;
    if (strpbrk(buf, ".eE")) {
        double d = strtod(buf, NULL);
        return !(errno == ERANGE && (d > 1.0 || d < -1.0));
    }
    (void)strtoll(buf, NULL, 10);
    return errno != ERANGE;
}
