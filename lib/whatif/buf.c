#include "whatif/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for `extra` more bytes plus the terminator; doubles to keep appends
 * amortised O(1). */
static bool reserve(hpac_whatif_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > (size_t)-1 / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *bigger = realloc(b->data, cap);
    if (!bigger) {
        b->failed = true;
        return false;
    }
    b->data = bigger;
    b->cap = cap;
    return true;
}

void hpac_whatif_buf_append(hpac_whatif_buf *b, const char *text, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void hpac_whatif_buf_puts(hpac_whatif_buf *b, const char *text)
{
    hpac_whatif_buf_append(b, text, strlen(text));
}

void hpac_whatif_buf_printf(hpac_whatif_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->failed = true;
    } else if (reserve(b, (size_t)need)) {
        vsnprintf(b->data + b->len, (size_t)need + 1, fmt, again);
        b->len += (size_t)need;
    }
    va_end(again);
}

char *hpac_whatif_buf_take(hpac_whatif_buf *b)
{
    char *text = NULL;
    if (!b->failed) {
        text = b->data ? b->data : calloc(1, 1);
        b->data = NULL;
    }
    hpac_whatif_buf_clear(b);
    return text;
}

void hpac_whatif_buf_clear(hpac_whatif_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
