/* A small XML well-formedness check for the documents hpac writes (SVG
 * charts): enough for a test to catch an unbalanced tag, an unquoted
 * attribute or a bare "&"; not a general XML parser. */
#include "test_support.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Deepest nesting and longest tag name the check follows. */
#define XML_DEPTH_MAX 64
#define XML_NAME_MAX 32

static const char *skip_name(const char *p)
{
    while (isalnum((unsigned char)*p) || *p == '-' || *p == ':' || *p == '_' || *p == '.')
        p++;
    return p;
}

/* Checks entity references in text or an attribute value up to `end`. */
static bool entities_ok(const char *p, const char *end)
{
    static const char *const known[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (; p < end; p++) {
        if (*p == '<')
            return false;
        if (*p != '&')
            continue;
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
            ok = strncmp(p, known[i], strlen(known[i])) == 0;
        if (!ok)
            return false;
    }
    return true;
}

int hpac_test_xml_well_formed(const char *doc, char *why, size_t whysize)
{
    char stack[XML_DEPTH_MAX][XML_NAME_MAX];
    size_t depth = 0, roots = 0;
    const char *p = doc;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p) {
            snprintf(why, whysize, "unterminated XML declaration");
            return 0;
        }
        p += 2;
    }
    while (*p) {
        const char *lt = strchr(p, '<');
        if (!lt)
            lt = p + strlen(p);
        if (!entities_ok(p, lt)) {
            snprintf(why, whysize, "bad text near %.40s", p);
            return 0;
        }
        if (!*lt)
            break;
        p = lt + 1;
        bool closing = *p == '/';
        if (closing)
            p++;
        const char *name = p;
        p = skip_name(p);
        size_t len = (size_t)(p - name);
        if (len == 0 || len >= XML_NAME_MAX) {
            snprintf(why, whysize, "bad tag near %.40s", lt);
            return 0;
        }
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], name, len) || stack[depth - 1][len]) {
                snprintf(why, whysize, "unbalanced </%.*s>", (int)len, name);
                return 0;
            }
            depth--;
            if (*p != '>') {
                snprintf(why, whysize, "bad closing tag near %.40s", lt);
                return 0;
            }
            p++;
            continue;
        }
        /* Attributes: name="value". */
        for (;;) {
            while (isspace((unsigned char)*p))
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            const char *an = p;
            p = skip_name(p);
            if (p == an || *p != '=' || p[1] != '"') {
                snprintf(why, whysize, "bad attribute near %.40s", an);
                return 0;
            }
            const char *value = p + 2;
            const char *close = strchr(value, '"');
            if (!close || !entities_ok(value, close)) {
                snprintf(why, whysize, "bad attribute value near %.40s", an);
                return 0;
            }
            p = close + 1;
        }
        if (depth == 0)
            roots++;
        if (*p == '/') {
            p += 2;
            continue;
        }
        if (depth == XML_DEPTH_MAX) {
            snprintf(why, whysize, "nested deeper than %d", XML_DEPTH_MAX);
            return 0;
        }
        memcpy(stack[depth], name, len);
        stack[depth][len] = '\0';
        depth++;
        p++;
    }
    if (depth != 0 || roots != 1) {
        snprintf(why, whysize, "depth %zu, %zu roots at the end", depth, roots);
        return 0;
    }
    return 1;
}
