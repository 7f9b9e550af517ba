/* YAML to JSON over libyaml's event parser: one recursive descent per
 * document. Scalar resolution follows go-yaml v2 (what kubectl decodes
 * manifests with), so a manifest means here what it means to kubectl. */
#include "util/yaml_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct anchor {
    char *name;
    json_t *value; /* own reference */
} anchor;

typedef struct parser {
    yaml_parser_t yp;
    char *err;
    size_t errsize;
    size_t nodes;
    anchor *anchors;
    size_t anchor_count;
    size_t anchor_cap;
} parser;

static void fail_at(parser *p, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_at(parser *p, yaml_mark_t mark, const char *fmt, ...)
{
    if (!p->err || p->errsize == 0)
        return;
    int used =
        snprintf(p->err, p->errsize, "line %zu, column %zu: ", mark.line + 1, mark.column + 1);
    if (used < 0 || (size_t)used >= p->errsize)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + used, p->errsize - (size_t)used, fmt, ap);
    va_end(ap);
}

static int next_event(parser *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->yp, ev))
        return 0;
    const char *problem = p->yp.problem ? p->yp.problem : "malformed YAML";
    if (p->yp.context)
        fail_at(p, p->yp.problem_mark, "%s %s", p->yp.context, problem);
    else
        fail_at(p, p->yp.problem_mark, "%s", problem);
    return -1;
}

static int count_node(parser *p, yaml_mark_t mark, size_t n)
{
    if (n > HPAC_YAML_NODES_MAX - p->nodes) {
        fail_at(p, mark, "more than %zu values (alias expansion?)", HPAC_YAML_NODES_MAX);
        return -1;
    }
    p->nodes += n;
    return 0;
}

static size_t tree_size(const json_t *v)
{
    size_t n = 1;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)v, key, child) n += tree_size(child);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) n += tree_size(child);
    }
    return n;
}

static void clear_anchors(parser *p)
{
    for (size_t i = 0; i < p->anchor_count; i++) {
        free(p->anchors[i].name);
        json_decref(p->anchors[i].value);
    }
    p->anchor_count = 0;
}

static int add_anchor(parser *p, const char *name, json_t *value, yaml_mark_t mark)
{
    if (p->anchor_count == p->anchor_cap) {
        size_t cap = p->anchor_cap ? p->anchor_cap * 2 : 8;
        anchor *grown = realloc(p->anchors, cap * sizeof(*grown));
        if (!grown)
            goto oom;
        p->anchors = grown;
        p->anchor_cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        goto oom;
    p->anchors[p->anchor_count].name = copy;
    p->anchors[p->anchor_count].value = json_incref(value);
    p->anchor_count++;
    return 0;
oom:
    fail_at(p, mark, "out of memory");
    return -1;
}

/* The latest definition wins: YAML lets an anchor be redefined. */
static const json_t *find_anchor(const parser *p, const char *name)
{
    for (size_t i = p->anchor_count; i > 0; i--) {
        if (strcmp(p->anchors[i - 1].name, name) == 0)
            return p->anchors[i - 1].value;
    }
    return NULL;
}

/* ---- scalars -------------------------------------------------------------- */

#define TAG_PREFIX "tag:yaml.org,2002:"

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(s, *list) == 0)
            return true;
    }
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                         "True", "TRUE", "on",  "On",  "ON",  NULL};
static const char *const false_words[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                          "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const inf_nan_words[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                            "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                            ".NaN",  ".NAN",  NULL};

/* Integers as Go's strconv.ParseInt(s, 0, 64) reads them after go-yaml
 * drops underscores: decimal, 0x hex, 0o or leading-0 octal, 0b binary,
 * with an optional sign. 0 when `s` is one, with the value. */
static int parse_int(const char *s, int64_t *out)
{
    char digits[128];
    size_t n = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '_')
            continue;
        if (n + 1 >= sizeof(digits))
            return -1;
        digits[n++] = *c;
    }
    digits[n] = '\0';
    const char *d = digits;
    bool negative = false;
    if (*d == '+' || *d == '-') {
        negative = *d == '-';
        d++;
    }
    int base = 10;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        base = 16;
        d += 2;
    } else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
        base = 2;
        d += 2;
    } else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
        base = 8;
        d += 2;
    } else if (d[0] == '0' && d[1] != '\0') {
        base = 8;
        d += 1;
    }
    if (*d == '\0')
        return -1;
    for (const char *c = d; *c; c++) {
        int v = (*c >= '0' && *c <= '9')   ? *c - '0'
                : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10
                : (*c >= 'A' && *c <= 'F') ? *c - 'A' + 10
                                           : 99;
        if (v >= base)
            return -1;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long mag = strtoull(d, &end, base);
    if (errno || *end)
        return -1;
    if (!negative && mag > (unsigned long long)INT64_MAX)
        return -1;
    if (negative && mag > (unsigned long long)INT64_MAX + 1ULL)
        return -1;
    *out = negative ? (int64_t)(0 - mag) : (int64_t)mag;
    return 0;
}

/* go-yaml's float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool float_form(const char *s)
{
    const char *c = s;
    if (*c == '+' || *c == '-')
        c++;
    if (*c == '.') {
        c++;
        if (*c < '0' || *c > '9')
            return false;
        while (*c >= '0' && *c <= '9')
            c++;
    } else {
        if (*c < '0' || *c > '9')
            return false;
        while (*c >= '0' && *c <= '9')
            c++;
        if (*c == '.') {
            c++;
            while (*c >= '0' && *c <= '9')
                c++;
        }
    }
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-')
            c++;
        if (*c < '0' || *c > '9')
            return false;
        while (*c >= '0' && *c <= '9')
            c++;
    }
    return *c == '\0';
}

typedef enum want {
    WANT_ANY, /* a plain scalar: resolve */
    WANT_NULL,
    WANT_BOOL,
    WANT_INT,
    WANT_FLOAT,
} want;

/* NULL with the error set when the text is not of the wanted type or JSON
 * cannot hold it; for WANT_ANY, falls back to a string. */
static json_t *resolve(parser *p, const char *s, want w, yaml_mark_t mark)
{
    if ((w == WANT_ANY || w == WANT_NULL) && one_of(s, null_words))
        return json_null();
    if (w == WANT_ANY || w == WANT_BOOL) {
        if (one_of(s, true_words))
            return json_true();
        if (one_of(s, false_words))
            return json_false();
    }
    if (w == WANT_ANY || w == WANT_INT || w == WANT_FLOAT) {
        int64_t i;
        if (parse_int(s, &i) == 0)
            return w == WANT_FLOAT ? json_real((double)i) : json_integer(i);
    }
    if (w == WANT_ANY || w == WANT_FLOAT) {
        if (one_of(s, inf_nan_words)) {
            fail_at(p, mark, "\"%s\" has no JSON form", s);
            return NULL;
        }
        char plain[128];
        size_t n = 0;
        for (const char *c = s; *c && n + 1 < sizeof(plain); c++) {
            if (*c != '_')
                plain[n++] = *c;
        }
        plain[n] = '\0';
        if (strlen(s) < sizeof(plain) && float_form(plain)) {
            errno = 0;
            double d = strtod(plain, NULL);
            if (errno == ERANGE && (d > 1 || d < -1)) {
                fail_at(p, mark, "\"%s\" is out of range", s);
                return NULL;
            }
            return json_real(d);
        }
    }
    if (w == WANT_ANY)
        return json_string(s);
    fail_at(p, mark, "\"%s\" is not a valid %s", s,
            w == WANT_NULL   ? "null"
            : w == WANT_BOOL ? "bool"
            : w == WANT_INT  ? "int"
                             : "float");
    return NULL;
}

static json_t *scalar_value(parser *p, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    yaml_mark_t mark = ev->start_mark;
    if (strlen(text) != ev->data.scalar.length) {
        fail_at(p, mark, "a NUL character in a scalar");
        return NULL;
    }
    if (tag && strcmp(tag, "!") != 0) {
        if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0) {
            fail_at(p, mark, "unsupported tag %s", tag);
            return NULL;
        }
        const char *t = tag + strlen(TAG_PREFIX);
        if (!strcmp(t, "str") || !strcmp(t, "binary") || !strcmp(t, "timestamp"))
            return json_string(text);
        if (!strcmp(t, "null"))
            return resolve(p, text, WANT_NULL, mark);
        if (!strcmp(t, "bool"))
            return resolve(p, text, WANT_BOOL, mark);
        if (!strcmp(t, "int"))
            return resolve(p, text, WANT_INT, mark);
        if (!strcmp(t, "float"))
            return resolve(p, text, WANT_FLOAT, mark);
        fail_at(p, mark, "unsupported tag %s", tag);
        return NULL;
    }
    if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return resolve(p, text, WANT_ANY, mark);
    return json_string(text);
}

/* ---- collections ---------------------------------------------------------- */

static json_t *parse_node(parser *p, yaml_event_t *ev, int depth);

/* Takes ownership of `ev`. */
static json_t *parse_sequence(parser *p, yaml_event_t *ev, int depth)
{
    json_t *arr = json_array();
    yaml_event_delete(ev);
    if (!arr)
        return NULL;
    for (;;) {
        yaml_event_t item;
        if (next_event(p, &item))
            goto fail;
        if (item.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&item);
            return arr;
        }
        json_t *v = parse_node(p, &item, depth + 1);
        if (!v || json_array_append_new(arr, v))
            goto fail;
    }
fail:
    json_decref(arr);
    return NULL;
}

/* A "<<" value: one mapping or a sequence of them. Keys already present
 * win; earlier mappings of a sequence win over later ones. */
static int apply_merge(parser *p, json_t *obj, const json_t *merge, yaml_mark_t mark)
{
    if (json_is_object(merge)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)merge, key, v)
        {
            if (!json_object_get(obj, key) && json_object_set(obj, key, v))
                return -1;
        }
        return 0;
    }
    if (json_is_array(merge)) {
        size_t i;
        json_t *item;
        json_array_foreach(merge, i, item)
        {
            if (!json_is_object(item)) {
                fail_at(p, mark, "a merge key (<<) takes mappings only");
                return -1;
            }
            if (apply_merge(p, obj, item, mark))
                return -1;
        }
        return 0;
    }
    fail_at(p, mark, "a merge key (<<) takes a mapping or a sequence of mappings");
    return -1;
}

static bool is_merge_key(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    if (strcmp((const char *)ev->data.scalar.value, "<<") != 0)
        return false;
    if (tag)
        return strcmp(tag, TAG_PREFIX "merge") == 0;
    return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Takes ownership of `ev`. */
static json_t *parse_mapping(parser *p, yaml_event_t *ev, int depth)
{
    json_t *obj = json_object();
    json_t *merges = json_array();
    char *key = NULL;
    yaml_event_delete(ev);
    if (!obj || !merges)
        goto fail;
    for (;;) {
        yaml_event_t k;
        if (next_event(p, &k))
            goto fail;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_mark_t mark = k.start_mark;
            yaml_event_delete(&k);
            size_t i;
            json_t *m;
            json_array_foreach(merges, i, m)
            {
                if (apply_merge(p, obj, m, mark))
                    goto fail;
            }
            json_decref(merges);
            return obj;
        }
        yaml_mark_t key_mark = k.start_mark;
        bool merge = false;
        if (k.type == YAML_SCALAR_EVENT) {
            merge = is_merge_key(&k);
            key = strdup((const char *)k.data.scalar.value);
        } else if (k.type == YAML_ALIAS_EVENT) {
            const json_t *v = find_anchor(p, (const char *)k.data.alias.anchor);
            key = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
            if (!json_is_string(v)) {
                fail_at(p, key_mark, "a mapping key alias must name a string");
                yaml_event_delete(&k);
                goto fail;
            }
        } else {
            fail_at(p, key_mark, "mapping keys must be scalars");
            yaml_event_delete(&k);
            goto fail;
        }
        yaml_event_delete(&k);
        if (!key) {
            fail_at(p, key_mark, "out of memory");
            goto fail;
        }
        yaml_event_t v;
        if (next_event(p, &v))
            goto fail;
        json_t *value = parse_node(p, &v, depth + 1);
        if (!value)
            goto fail;
        if (merge) {
            if (json_array_append_new(merges, value))
                goto fail;
        } else if (json_object_get(obj, key)) {
            json_decref(value);
            fail_at(p, key_mark, "duplicate key \"%s\"", key);
            goto fail;
        } else if (json_object_set_new(obj, key, value)) {
            fail_at(p, key_mark, "out of memory");
            goto fail;
        }
        free(key);
        key = NULL;
    }
fail:
    free(key);
    json_decref(merges);
    json_decref(obj);
    return NULL;
}

/* Converts the node that starts with `ev` (taking ownership of it). */
static json_t *parse_node(parser *p, yaml_event_t *ev, int depth)
{
    json_t *value = NULL;
    yaml_mark_t mark = ev->start_mark;
    const char *anchor_name = NULL;
    char *anchor_copy = NULL;
    if (depth > HPAC_YAML_DEPTH_MAX) {
        fail_at(p, mark, "nested deeper than %d", HPAC_YAML_DEPTH_MAX);
        yaml_event_delete(ev);
        return NULL;
    }
    if (count_node(p, mark, 1)) {
        yaml_event_delete(ev);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        anchor_name = (const char *)ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor_name = (const char *)ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor_name = (const char *)ev->data.mapping_start.anchor;
        break;
    default:
        break;
    }
    const char *tag =
        ev->type == YAML_SEQUENCE_START_EVENT  ? (const char *)ev->data.sequence_start.tag
        : ev->type == YAML_MAPPING_START_EVENT ? (const char *)ev->data.mapping_start.tag
                                               : NULL;
    if (tag && strcmp(tag, "!") != 0 &&
        strcmp(tag, ev->type == YAML_SEQUENCE_START_EVENT ? TAG_PREFIX "seq" : TAG_PREFIX "map")) {
        fail_at(p, mark, "unsupported tag %s", tag);
        yaml_event_delete(ev);
        return NULL;
    }
    /* The event is freed before the anchor is registered: keep the name. */
    if (anchor_name) {
        anchor_copy = strdup(anchor_name);
        if (!anchor_copy) {
            fail_at(p, mark, "out of memory");
            yaml_event_delete(ev);
            return NULL;
        }
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        value = scalar_value(p, ev);
        yaml_event_delete(ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
        value = parse_sequence(p, ev, depth);
        break;
    case YAML_MAPPING_START_EVENT:
        value = parse_mapping(p, ev, depth);
        break;
    case YAML_ALIAS_EVENT: {
        const json_t *target = find_anchor(p, (const char *)ev->data.alias.anchor);
        if (!target) {
            fail_at(p, mark, "unknown anchor \"%s\"", (const char *)ev->data.alias.anchor);
        } else if (count_node(p, mark, tree_size(target) - 1) == 0) {
            value = json_deep_copy(target);
            if (!value)
                fail_at(p, mark, "out of memory");
        }
        yaml_event_delete(ev);
        break;
    }
    default:
        fail_at(p, mark, "unexpected YAML event");
        yaml_event_delete(ev);
        break;
    }
    if (value && anchor_copy && add_anchor(p, anchor_copy, value, mark)) {
        json_decref(value);
        value = NULL;
    }
    free(anchor_copy);
    return value;
}

/* ---- streams --------------------------------------------------------------- */

json_t *hpac_yaml_documents(const char *text, size_t len, char *err, size_t errsize)
{
    parser p = {.err = err, .errsize = errsize};
    json_t *docs = json_array();
    json_t *result = NULL;
    bool started = false;
    if (err && errsize)
        err[0] = '\0';
    if (!docs || !yaml_parser_initialize(&p.yp)) {
        if (err && errsize)
            snprintf(err, errsize, "out of memory");
        json_decref(docs);
        return NULL;
    }
    started = true;
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (next_event(&p, &ev))
            goto out;
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_END_EVENT)
            continue;
        if (type != YAML_DOCUMENT_START_EVENT) {
            fail_at(&p, mark, "unexpected YAML event");
            goto out;
        }
        clear_anchors(&p);
        yaml_event_t root;
        if (next_event(&p, &root))
            goto out;
        json_t *doc = parse_node(&p, &root, 0);
        if (!doc)
            goto out;
        if (json_is_null(doc))
            json_decref(doc); /* an empty document */
        else if (json_array_append_new(docs, doc))
            goto out;
    }
    result = docs;
    docs = NULL;
out:
    clear_anchors(&p);
    free(p.anchors);
    if (started)
        yaml_parser_delete(&p.yp);
    json_decref(docs);
    return result;
}

json_t *hpac_yaml_document(const char *text, size_t len, char *err, size_t errsize)
{
    json_t *docs = hpac_yaml_documents(text, len, err, errsize);
    json_t *doc = NULL;
    if (!docs)
        return NULL;
    if (json_array_size(docs) != 1 && err && errsize)
        snprintf(err, errsize, "expected one YAML document, found %zu", json_array_size(docs));
    else if (json_array_size(docs) == 1)
        doc = json_incref(json_array_get(docs, 0));
    json_decref(docs);
    return doc;
}
