/* A growable text buffer for the reports this module renders. Internal to
 * lib/whatif. Errors are sticky: after a failed allocation every append is
 * a no-op and hpac_whatif_buf_take() returns NULL, so callers check once at
 * the end. */
#ifndef HPAC_WHATIF_BUF_H
#define HPAC_WHATIF_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_whatif_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} hpac_whatif_buf;

void hpac_whatif_buf_append(hpac_whatif_buf *b, const char *text, size_t len);
void hpac_whatif_buf_puts(hpac_whatif_buf *b, const char *text);
void hpac_whatif_buf_printf(hpac_whatif_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The text (caller frees), or NULL when an append failed; the buffer is
 * left empty either way. */
char *hpac_whatif_buf_take(hpac_whatif_buf *b);

/* Frees the contents, not the struct. */
void hpac_whatif_buf_clear(hpac_whatif_buf *b);

#endif
