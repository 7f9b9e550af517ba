/* Request attributes as kube-apiserver derives them, and RBAC's rule
 * matching. The derivation follows the API server's RequestInfoFactory:
 * prefixes "api" (no group) and "apis" (group), the special verb "watch"
 * as a path segment, namespaces/{ns}/{resource} folding, and the
 * get -> list/watch rule for requests without a name. */
#include "access/access.h"

#include "util/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define PARTS_MAX 32

static int set_err(char *err, size_t errsize, const char *msg, const char *detail)
{
    if (err && errsize)
        snprintf(err, errsize, "%s: %s", msg, detail);
    return -1;
}

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes src[0..len) into dst (as Go's URL.Path is decoded);
 * -1 on a malformed escape or when dst is too small. */
static int decode(const char *src, size_t len, char *dst, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex((unsigned char)src[i + 1]);
            int lo = hi < 0 ? -1 : hex((unsigned char)src[i + 2]);
            if (lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (n + 1 >= size)
            return -1;
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return 0;
}

/* The first value of query parameter `key` ("" when present without a
 * value), decoded into buf; false when absent. */
static bool query_value(const char *query, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = query;
    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        char name[64];
        if (name_len < sizeof(name) && decode(p, name_len, name, sizeof(name)) == 0 &&
            strlen(name) == klen && memcmp(name, key, klen) == 0) {
            if (!eq) {
                buf[0] = '\0';
                return true;
            }
            if (decode(eq + 1, len - name_len - 1, buf, size) != 0)
                buf[0] = '\0';
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

static int copy_field(char *dst, size_t size, const char *src, char *err, size_t errsize)
{
    if (strlen(src) >= size)
        return set_err(err, errsize, "a URL part is too long", src);
    hpac_strlcpy(dst, src, size);
    return 0;
}

static void lower(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static const char *method_verb(const char *method)
{
    if (!strcmp(method, "POST"))
        return "create";
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return "get";
    if (!strcmp(method, "PUT"))
        return "update";
    if (!strcmp(method, "PATCH"))
        return "patch";
    if (!strcmp(method, "DELETE"))
        return "delete";
    return "";
}

int hpac_access_of_request(const char *method, const char *path_and_query, hpac_access *out,
                           char *err, size_t errsize)
{
    memset(out, 0, sizeof(*out));
    if (!method || !path_and_query || path_and_query[0] != '/')
        return set_err(err, errsize, "not an absolute path", path_and_query ? path_and_query : "");
    const char *q = strchr(path_and_query, '?');
    size_t path_len = q ? (size_t)(q - path_and_query) : strlen(path_and_query);
    if (decode(path_and_query, path_len, out->path, sizeof(out->path)))
        return set_err(err, errsize, "malformed or too long path", path_and_query);
    lower(out->verb, sizeof(out->verb), method);

    /* Split like the server: trim slashes at both ends, split on each. */
    char work[HPAC_ACCESS_PATH_MAX];
    const char *start = out->path;
    while (*start == '/')
        start++;
    hpac_strlcpy(work, start, sizeof(work));
    size_t wlen = strlen(work);
    while (wlen > 0 && work[wlen - 1] == '/')
        work[--wlen] = '\0';
    const char *parts[PARTS_MAX];
    size_t n = 0;
    if (wlen > 0) {
        char *s = work;
        for (;;) {
            if (n == PARTS_MAX)
                return set_err(err, errsize, "too many path segments", out->path);
            parts[n++] = s;
            char *slash = strchr(s, '/');
            if (!slash)
                break;
            *slash = '\0';
            s = slash + 1;
        }
    }
    if (n < 3)
        return 0; /* /api, /apis, /api/v1, /healthz: non-resource */
    bool grouped;
    if (!strcmp(parts[0], "apis"))
        grouped = true;
    else if (!strcmp(parts[0], "api"))
        grouped = false;
    else
        return 0;
    const char *const *cur = parts + 1;
    size_t left = n - 1;
    if (grouped) {
        if (left < 3)
            return 0; /* /apis/{group}/{version}: discovery */
        if (copy_field(out->group, sizeof(out->group), cur[0], err, errsize))
            return -1;
        cur++;
        left--;
    }
    out->resource_request = true;
    if (copy_field(out->version, sizeof(out->version), cur[0], err, errsize))
        return -1;
    cur++;
    left--;

    bool proxy = false;
    if (!strcmp(cur[0], "watch") || !strcmp(cur[0], "proxy")) {
        if (left < 2)
            return set_err(err, errsize, "no resource after the verb", out->path);
        proxy = !strcmp(cur[0], "proxy");
        hpac_strlcpy(out->verb, cur[0], sizeof(out->verb));
        cur++;
        left--;
    } else {
        hpac_strlcpy(out->verb, method_verb(method), sizeof(out->verb));
    }

    if (!strcmp(cur[0], "namespaces")) {
        if (left > 1) {
            if (copy_field(out->namespace_, sizeof(out->namespace_), cur[1], err, errsize))
                return -1;
            /* namespaces/{ns}/status and /finalize are the namespace's own
             * subresources; anything else is a resource in the namespace. */
            if (left > 2 && strcmp(cur[2], "status") != 0 && strcmp(cur[2], "finalize") != 0) {
                cur += 2;
                left -= 2;
            }
        }
    }
    if (left >= 3 && !proxy &&
        copy_field(out->subresource, sizeof(out->subresource), cur[2], err, errsize))
        return -1;
    if (left >= 2 && copy_field(out->name, sizeof(out->name), cur[1], err, errsize))
        return -1;
    if (left >= 1 && copy_field(out->resource, sizeof(out->resource), cur[0], err, errsize))
        return -1;

    if (!out->name[0] && !strcmp(out->verb, "get")) {
        char watch[32];
        if (q && query_value(q + 1, "watch", watch, sizeof(watch))) {
            char lw[32];
            lower(lw, sizeof(lw), watch);
            hpac_strlcpy(out->verb, !strcmp(lw, "false") || !strcmp(lw, "0") ? "list" : "watch",
                         sizeof(out->verb));
        } else {
            hpac_strlcpy(out->verb, "list", sizeof(out->verb));
        }
    }
    if (!out->name[0] && !strcmp(out->verb, "delete"))
        hpac_strlcpy(out->verb, "deletecollection", sizeof(out->verb));
    return 0;
}

void hpac_access_resource_string(const hpac_access *a, char *buf, size_t size)
{
    if (a->subresource[0])
        snprintf(buf, size, "%s/%s", a->resource, a->subresource);
    else
        snprintf(buf, size, "%s", a->resource);
}

/* ---- RBAC matching ------------------------------------------------------- */

static bool verb_matches(const hpac_access_rule *rule, const char *verb)
{
    for (size_t i = 0; i < HPAC_ACCESS_LIST_MAX && rule->verbs[i]; i++) {
        if (!strcmp(rule->verbs[i], "*") || !strcmp(rule->verbs[i], verb))
            return true;
    }
    return false;
}

static bool resource_matches(const hpac_access_rule *rule, const hpac_access *a)
{
    char combined[2 * HPAC_ACCESS_FIELD_MAX + 2];
    hpac_access_resource_string(a, combined, sizeof(combined));
    for (size_t i = 0; i < HPAC_ACCESS_LIST_MAX && rule->resources[i]; i++) {
        const char *r = rule->resources[i];
        if (!strcmp(r, "*") || !strcmp(r, combined))
            return true;
        if (a->subresource[0] && r[0] == '*' && r[1] == '/' && !strcmp(r + 2, a->subresource))
            return true;
    }
    return false;
}

static bool url_matches(const hpac_access_rule *rule, const char *path)
{
    for (size_t i = 0; i < HPAC_ACCESS_LIST_MAX && rule->non_resource_urls[i]; i++) {
        const char *u = rule->non_resource_urls[i];
        size_t len = strlen(u);
        if (!strcmp(u, "*") || !strcmp(u, path))
            return true;
        if (len > 0 && u[len - 1] == '*' && strncmp(u, path, len - 1) == 0)
            return true;
    }
    return false;
}

bool hpac_access_rule_allows(const hpac_access_rule *rule, const hpac_access *a)
{
    if (!verb_matches(rule, a->verb))
        return false;
    if (!a->resource_request)
        return !rule->group && url_matches(rule, a->path);
    if (!rule->group || (strcmp(rule->group, "*") != 0 && strcmp(rule->group, a->group) != 0))
        return false;
    return resource_matches(rule, a);
}

const hpac_access_rule *hpac_access_allowed(const char *hpa_api, const hpac_access *a,
                                            const char *own_namespace)
{
    size_t count = 0;
    const hpac_access_rule *rules = hpac_access_rules(hpa_api, &count);
    for (size_t i = 0; i < count; i++) {
        if (rules[i].scope == HPAC_ACCESS_OWN_NAMESPACE &&
            (!own_namespace || strcmp(a->namespace_, own_namespace) != 0))
            continue;
        if (hpac_access_rule_allows(&rules[i], a))
            return &rules[i];
    }
    return NULL;
}
