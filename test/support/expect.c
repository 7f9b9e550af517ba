/* Comparison of a sync's outcome with a case's `expect`, by FORMAT.md's
 * rules: partial status, conditions matched by type, quantities by value. */
#include "test_support.h"

#include "hpa/quantity.h"

#include <stdio.h>
#include <string.h>

static int same_quantity(const char *a, const char *b)
{
    hpac_quantity qa, qb;
    if (hpac_quantity_parse(a, &qa) != HPAC_QTY_OK || hpac_quantity_parse(b, &qb) != HPAC_QTY_OK)
        return 0;
    return qa.mantissa == qb.mantissa && qa.exp10 == qb.exp10;
}

static int match(const json_t *want, const json_t *got, const char *path, char *why, size_t n);

static int match_conditions(const json_t *want, const json_t *got, const char *path, char *why,
                            size_t n)
{
    size_t i;
    const json_t *w;
    json_array_foreach(want, i, w)
    {
        const char *type = json_string_value(json_object_get(w, "type"));
        const json_t *found = NULL;
        size_t j;
        const json_t *g;
        json_array_foreach(got, j, g)
        {
            const char *gt = json_string_value(json_object_get(g, "type"));
            if (type && gt && strcmp(type, gt) == 0)
                found = g;
        }
        if (!found) {
            snprintf(why, n, "%s: no condition of type %s", path, type ? type : "?");
            return 0;
        }
        char sub[1024];
        snprintf(sub, sizeof(sub), "%.400s[%.400s]", path, type ? type : "?");
        if (!match(w, found, sub, why, n))
            return 0;
    }
    return 1;
}

static int match(const json_t *want, const json_t *got, const char *path, char *why, size_t n)
{
    char *ws = NULL, *gs = NULL;
    if (json_is_object(want)) {
        if (!json_is_object(got)) {
            snprintf(why, n, "%s: expected an object", path);
            return 0;
        }
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)want, key, value)
        {
            char sub[1024];
            snprintf(sub, sizeof(sub), "%.400s.%.400s", path, key);
            const json_t *g = json_object_get(got, key);
            if (!g) {
                snprintf(why, n, "%s: missing", sub);
                return 0;
            }
            int ok = strcmp(key, "conditions") == 0 && json_is_array(value)
                         ? match_conditions(value, g, sub, why, n)
                         : match(value, g, sub, why, n);
            if (!ok)
                return 0;
        }
        return 1;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
            snprintf(why, n, "%s: expected an array of %zu", path, json_array_size(want));
            return 0;
        }
        size_t i;
        const json_t *w;
        json_array_foreach(want, i, w)
        {
            char sub[1024];
            snprintf(sub, sizeof(sub), "%.400s[%zu]", path, i);
            if (!match(w, json_array_get(got, i), sub, why, n))
                return 0;
        }
        return 1;
    }
    if (json_is_string(want) && json_is_string(got)) {
        const char *a = json_string_value(want), *b = json_string_value(got);
        if (strcmp(a, b) == 0 || same_quantity(a, b))
            return 1;
    } else if (json_is_number(want) && json_is_number(got)) {
        if (json_number_value(want) == json_number_value(got))
            return 1;
    } else if (json_equal((json_t *)want, (json_t *)got)) {
        return 1;
    }
    ws = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
    gs = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(why, n, "%s: expected %s, got %s", path, ws ? ws : "?", gs ? gs : "?");
    free(ws);
    free(gs);
    return 0;
}

static int has_false_condition(const json_t *status)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *s = json_string_value(json_object_get(c, "status"));
        if (s && strcmp(s, "False") == 0)
            return 1;
    }
    return 0;
}

static int has_warning_event(const json_t *events)
{
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *t = json_string_value(json_object_get(e, "type"));
        if (t && strcmp(t, "Warning") == 0)
            return 1;
    }
    return 0;
}

int hpac_test_check_expect(const json_t *expect, const hpac_test_outcome *o, char *why,
                           size_t n)
{
    const json_t *scaled = json_object_get(expect, "scaled");
    if (json_is_boolean(scaled) && json_is_true(scaled) != (o->scaled != 0)) {
        snprintf(why, n, "scaled: expected %s", json_is_true(scaled) ? "true" : "false");
        return 0;
    }
    const json_t *replicas = json_object_get(expect, "replicas");
    if (json_is_integer(replicas) && json_integer_value(replicas) != o->replicas) {
        snprintf(why, n, "replicas: expected %lld, got %ld",
                 (long long)json_integer_value(replicas), o->replicas);
        return 0;
    }
    const json_t *status = json_object_get(expect, "status");
    if (status) {
        if (!o->status) {
            snprintf(why, n, "status: nothing was written");
            return 0;
        }
        if (!match(status, o->status, "status", why, n))
            return 0;
    }
    if (json_is_true(json_object_get(expect, "error"))) {
        if (o->scaled) {
            snprintf(why, n, "error: the sync must not scale");
            return 0;
        }
        if (!o->status || !has_false_condition(o->status)) {
            snprintf(why, n, "error: no False condition reported");
            return 0;
        }
        if (!has_warning_event(o->events)) {
            snprintf(why, n, "error: no Warning event recorded");
            return 0;
        }
    }
    return 1;
}
