/* Label sets and label selectors, with the semantics of the API machinery:
 * the string grammar of labels.Parse, the LabelSelector object of
 * metav1.LabelSelectorAsSelector, the key and value rules of the API's
 * validation, and the canonical String() form.
 *
 * Matching is on the hot path (thousands of selectors against every pod of
 * a large cluster), so it allocates nothing: label sets are sorted and
 * looked up by binary search, requirement values are sorted at build time,
 * and the bounds of '>' and '<' are parsed once. */
#include "hpa/labels.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits of the API's validation rules. */
#define LABEL_NAME_MAX 63
#define LABEL_VALUE_MAX 63
#define DNS_SUBDOMAIN_MAX 253

/* An error message quotes at most this many bytes of the offending text, so
 * that a megabyte-long key cannot flood a log line. */
#define QUOTE_MAX 64
/* Room for QUOTE_MAX bytes escaped as \xNN, the quotes, "..." and NUL. */
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

typedef enum req_op {
    OP_IN,
    OP_NOT_IN,
    OP_EQUALS,
    OP_DOUBLE_EQUALS,
    OP_NOT_EQUALS,
    OP_EXISTS,
    OP_DOES_NOT_EXIST,
    OP_GREATER_THAN,
    OP_LESS_THAN,
} req_op;

typedef struct requirement {
    char *key;
    req_op op;
    char **values; /* sorted bytewise, as String() prints them */
    size_t nvalues;
    int64_t bound; /* '>' and '<': the value, parsed once */
    size_t order;  /* input position: ties in the sort by key keep it */
} requirement;

struct hpac_selector {
    bool nothing; /* the null LabelSelector: matches no set at all */
    requirement *reqs;
    size_t count;
    size_t cap;
};

/* A growable list of owned strings, the values of one requirement. */
typedef struct value_list {
    char **items;
    size_t count;
    size_t cap;
} value_list;

/* ---------------------------------------------------------------- errors */

static void set_err(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
    if (!err || errsize == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

/* Writes `s` in double quotes into `out` (QUOTE_BUF bytes), escaping bytes
 * that do not print and cutting it at QUOTE_MAX bytes. */
static const char *quote(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 0xf];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    if (len > QUOTE_MAX) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* ------------------------------------------------------------ validation */

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], the shape of label names and
 * non-empty label values. */
static bool is_label_word(const char *s, size_t len)
{
    if (len == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

/* A lowercase RFC 1123 subdomain without its length rule: dot-separated
 * labels of [a-z0-9-], each starting and ending with [a-z0-9]. */
static bool is_dns_subdomain_shape(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        size_t n = i - start;
        const char *label = s + start;
        if (n == 0 || !is_lower_alnum((unsigned char)label[0]) ||
            !is_lower_alnum((unsigned char)label[n - 1]))
            return false;
        for (size_t j = 1; j + 1 < n; j++) {
            if (!is_lower_alnum((unsigned char)label[j]) && label[j] != '-')
                return false;
        }
        start = i + 1;
    }
    return true;
}

/* Why `s` is not a label key ([prefix/]name), or NULL when it is one. */
static const char *label_key_problem(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);
    const char *name = s;
    size_t name_len = len;
    if (slash) {
        size_t prefix_len = (size_t)(slash - s);
        name = slash + 1;
        name_len = len - prefix_len - 1;
        if (memchr(name, '/', name_len))
            return "a label key is an optional DNS subdomain prefix, one '/' and a name "
                   "(e.g. 'example.com/MyName')";
        if (prefix_len == 0)
            return "prefix part must be non-empty";
        if (prefix_len > DNS_SUBDOMAIN_MAX)
            return "prefix part must be no more than 253 bytes";
        if (!is_dns_subdomain_shape(s, prefix_len))
            return "prefix part must be a lowercase RFC 1123 subdomain: lower case "
                   "alphanumeric characters, '-' or '.', starting and ending with an "
                   "alphanumeric character (e.g. 'example.com')";
    }
    if (name_len == 0)
        return "name part must be non-empty";
    if (name_len > LABEL_NAME_MAX)
        return "name part must be no more than 63 bytes";
    if (!is_label_word(name, name_len))
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and "
               "must start and end with an alphanumeric character";
    return NULL;
}

/* Why `s` is not a label value, or NULL when it is one. */
static const char *label_value_problem(const char *s, size_t len)
{
    if (len > LABEL_VALUE_MAX)
        return "must be no more than 63 bytes";
    if (len > 0 && !is_label_word(s, len))
        return "must be empty or consist of alphanumeric characters, '-', '_' or '.', and "
               "must start and end with an alphanumeric character";
    return NULL;
}

/* Decimal int64 with an optional sign, as strconv.ParseInt(s, 10, 64)
 * reads it: no spaces, no underscores, no overflow. */
static bool parse_int64(const char *s, size_t len, int64_t *out)
{
    bool negative = false;
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        negative = s[i] == '-';
        i++;
    }
    if (i == len)
        return false;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t n = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned digit = (unsigned)(s[i] - '0');
        if (n > (limit - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    if (!negative)
        *out = (int64_t)n;
    else if (n == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)n;
    return true;
}

/* ------------------------------------------------------- label sets */

static int compare_labels(const void *a, const void *b)
{
    return strcmp(((const hpac_label *)a)->key, ((const hpac_label *)b)->key);
}

void hpac_labels_clear(hpac_labels *labels)
{
    if (!labels)
        return;
    for (size_t i = 0; i < labels->count; i++) {
        free(labels->items[i].key);
        free(labels->items[i].value);
    }
    free(labels->items);
    labels->items = NULL;
    labels->count = 0;
}

int hpac_labels_from_json(const json_t *object, hpac_labels *out, char *err, size_t errsize)
{
    int rc = -1;
    hpac_labels set = {NULL, 0};
    char q[QUOTE_BUF];

    if (!out)
        return -1;
    out->items = NULL;
    out->count = 0;
    if (!object || json_is_null(object)) {
        rc = 0;
        goto out;
    }
    if (!json_is_object(object)) {
        set_err(err, errsize, "labels: expected an object of strings");
        goto out;
    }
    size_t size = json_object_size(object);
    if (size == 0) {
        rc = 0;
        goto out;
    }
    set.items = calloc(size, sizeof(*set.items));
    if (!set.items) {
        set_err(err, errsize, "labels: out of memory");
        goto out;
    }
    const char *key;
    size_t key_len;
    json_t *value;
    /* jansson's iteration wants a mutable object; nothing here mutates it. */
    json_object_keylen_foreach((json_t *)object, key, key_len, value)
    {
        if (strlen(key) != key_len) {
            set_err(err, errsize, "labels[%s]: key holds a NUL byte", quote(q, key, key_len));
            goto out;
        }
        if (!json_is_string(value)) {
            set_err(err, errsize, "labels[%s]: expected a string", quote(q, key, key_len));
            goto out;
        }
        const char *text = json_string_value(value);
        size_t text_len = json_string_length(value);
        if (strlen(text) != text_len) {
            set_err(err, errsize, "labels[%s]: value holds a NUL byte", quote(q, key, key_len));
            goto out;
        }
        hpac_label *item = &set.items[set.count];
        item->key = strdup(key);
        item->value = strdup(text);
        set.count++;
        if (!item->key || !item->value) {
            set_err(err, errsize, "labels: out of memory");
            goto out;
        }
    }
    qsort(set.items, set.count, sizeof(*set.items), compare_labels);
    *out = set;
    set.items = NULL;
    set.count = 0;
    rc = 0;
out:
    hpac_labels_clear(&set);
    return rc;
}

const char *hpac_labels_get(const hpac_labels *labels, const char *key)
{
    if (!labels || !key)
        return NULL;
    size_t lo = 0;
    size_t hi = labels->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(key, labels->items[mid].key);
        if (cmp == 0)
            return labels->items[mid].value;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* -------------------------------------------------------- requirements */

static void values_clear(value_list *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->count = 0;
    v->cap = 0;
}

static int values_add(value_list *v, const char *s, size_t len)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 2;
        char **items = realloc(v->items, cap * sizeof(*items));
        if (!items)
            return -1;
        v->items = items;
        v->cap = cap;
    }
    char *copy = strndup(s, len);
    if (!copy)
        return -1;
    v->items[v->count++] = copy;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_requirements(const void *a, const void *b)
{
    const requirement *ra = a;
    const requirement *rb = b;
    int cmp = strcmp(ra->key, rb->key);
    if (cmp != 0)
        return cmp;
    return ra->order < rb->order ? -1 : ra->order > rb->order;
}

static hpac_selector *selector_new(bool nothing)
{
    hpac_selector *sel = calloc(1, sizeof(*sel));
    if (sel)
        sel->nothing = nothing;
    return sel;
}

void hpac_selector_free(hpac_selector *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->count; i++) {
        requirement *r = &sel->reqs[i];
        free(r->key);
        for (size_t j = 0; j < r->nvalues; j++)
            free(r->values[j]);
        free(r->values);
    }
    free(sel->reqs);
    free(sel);
}

/* Appends a requirement, taking `key` and the strings of `values` (both
 * emptied, also on failure). The values get sorted; `dedup` drops repeats,
 * as the string parser's value sets do (the object form keeps them). */
static int selector_add(hpac_selector *sel, char **key, req_op op, value_list *values,
                        int64_t bound, bool dedup)
{
    int rc = -1;
    if (sel->count == sel->cap) {
        size_t cap = sel->cap ? sel->cap * 2 : 4;
        requirement *reqs = realloc(sel->reqs, cap * sizeof(*reqs));
        if (!reqs)
            goto out;
        sel->reqs = reqs;
        sel->cap = cap;
    }
    if (values->count > 1) {
        qsort(values->items, values->count, sizeof(*values->items), compare_strings);
        if (dedup) {
            size_t kept = 1;
            for (size_t i = 1; i < values->count; i++) {
                if (strcmp(values->items[i], values->items[kept - 1]) == 0)
                    free(values->items[i]);
                else
                    values->items[kept++] = values->items[i];
            }
            values->count = kept;
        }
    }
    requirement *r = &sel->reqs[sel->count];
    r->key = *key;
    *key = NULL;
    r->op = op;
    r->values = values->items;
    r->nvalues = values->count;
    r->bound = bound;
    r->order = sel->count;
    values->items = NULL;
    values->count = 0;
    values->cap = 0;
    sel->count++;
    rc = 0;
out:
    free(*key);
    *key = NULL;
    values_clear(values);
    return rc;
}

/* Sorts by key for a deterministic String(); equal keys keep input order. */
static void selector_finish(hpac_selector *sel)
{
    if (sel->count > 1)
        qsort(sel->reqs, sel->count, sizeof(*sel->reqs), compare_requirements);
}

hpac_selector *hpac_selector_everything(void)
{
    return selector_new(false);
}

bool hpac_selector_is_everything(const hpac_selector *sel)
{
    return sel && !sel->nothing && sel->count == 0;
}

bool hpac_selector_is_nothing(const hpac_selector *sel)
{
    return !sel || sel->nothing;
}

size_t hpac_selector_requirement_count(const hpac_selector *sel)
{
    return sel && !sel->nothing ? sel->count : 0;
}

bool hpac_selector_requirement_values(const hpac_selector *sel, size_t i, const char **key,
                                      const char *const **values, size_t *count)
{
    if (!sel || sel->nothing || i >= sel->count)
        return false;
    const requirement *r = &sel->reqs[i];
    if (r->op != OP_IN && r->op != OP_EQUALS && r->op != OP_DOUBLE_EQUALS)
        return false;
    *key = r->key;
    *values = (const char *const *)r->values;
    *count = r->nvalues;
    return true;
}

/* ------------------------------------------------------ string parser */

/* Lexer and grammar follow labels.Parse: identifiers run until white space
 * or one of "=!(),<>"; "==" and "!=" are the only two-byte operators; "in"
 * and "notin" are keywords that count as plain identifiers where a value
 * is expected. Only one token of lookahead is needed, so tokens are lexed
 * on demand instead of into an array. */
typedef enum tok_kind {
    TOK_END,
    TOK_IDENT,
    TOK_IN,
    TOK_NOT_IN,
    TOK_COMMA,
    TOK_OPEN,
    TOK_CLOSE,
    TOK_BANG,
    TOK_EQUALS,
    TOK_DOUBLE_EQUALS,
    TOK_NOT_EQUALS,
    TOK_GREATER,
    TOK_LESS,
} tok_kind;

typedef struct token {
    tok_kind kind;
    const char *text;
    size_t len;
    size_t pos; /* byte offset in the selector text */
} token;

typedef struct parser {
    const char *src;
    size_t len;
    size_t pos;
    token next;
    hpac_selector *sel;
    char *err;
    size_t errsize;
} parser;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static void lex(parser *p)
{
    while (p->pos < p->len && is_space(p->src[p->pos]))
        p->pos++;
    token *t = &p->next;
    t->text = p->src + p->pos;
    t->pos = p->pos;
    t->len = 1;
    if (p->pos == p->len) {
        t->kind = TOK_END;
        t->len = 0;
        return;
    }
    char c = p->src[p->pos];
    char c2 = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
    switch (c) {
    case '=':
        t->kind = c2 == '=' ? TOK_DOUBLE_EQUALS : TOK_EQUALS;
        break;
    case '!':
        t->kind = c2 == '=' ? TOK_NOT_EQUALS : TOK_BANG;
        break;
    case '(':
        t->kind = TOK_OPEN;
        break;
    case ')':
        t->kind = TOK_CLOSE;
        break;
    case ',':
        t->kind = TOK_COMMA;
        break;
    case '>':
        t->kind = TOK_GREATER;
        break;
    case '<':
        t->kind = TOK_LESS;
        break;
    default: {
        size_t end = p->pos;
        while (end < p->len && !is_special(p->src[end]) && !is_space(p->src[end]))
            end++;
        t->len = end - p->pos;
        if (t->len == 2 && memcmp(t->text, "in", 2) == 0)
            t->kind = TOK_IN;
        else if (t->len == 5 && memcmp(t->text, "notin", 5) == 0)
            t->kind = TOK_NOT_IN;
        else
            t->kind = TOK_IDENT;
        break;
    }
    }
    if (t->kind == TOK_DOUBLE_EQUALS || t->kind == TOK_NOT_EQUALS)
        t->len = 2;
    p->pos += t->len;
}

/* Where a value may stand, the keywords are identifiers ("x in (in)"). */
static tok_kind as_value(tok_kind kind)
{
    return kind == TOK_IN || kind == TOK_NOT_IN ? TOK_IDENT : kind;
}

static tok_kind peek_value(const parser *p)
{
    return as_value(p->next.kind);
}

static token consume(parser *p)
{
    token t = p->next;
    lex(p);
    return t;
}

static void unexpected(parser *p, const token *t, const char *expected)
{
    char q[QUOTE_BUF];
    if (t->kind == TOK_END)
        set_err(p->err, p->errsize, "unexpected end of string at position %zu, expected %s",
                t->pos, expected);
    else
        set_err(p->err, p->errsize, "unexpected token %s at position %zu, expected %s",
                quote(q, t->text, t->len), t->pos, expected);
}

static const char *op_symbol(req_op op)
{
    switch (op) {
    case OP_IN:
        return "in";
    case OP_NOT_IN:
        return "notin";
    case OP_EQUALS:
        return "=";
    case OP_DOUBLE_EQUALS:
        return "==";
    case OP_NOT_EQUALS:
        return "!=";
    case OP_GREATER_THAN:
        return ">";
    case OP_LESS_THAN:
        return "<";
    case OP_EXISTS:
    case OP_DOES_NOT_EXIST:
        break;
    }
    return "";
}

/* Checks one value of `key` read at `pos` and adds it to `values`. */
static int add_value(parser *p, const char *key, req_op op, const char *text, size_t len,
                     size_t pos, value_list *values, int64_t *bound)
{
    char qv[QUOTE_BUF];
    char qk[QUOTE_BUF];
    if (op == OP_GREATER_THAN || op == OP_LESS_THAN) {
        if (!parse_int64(text, len, bound)) {
            set_err(p->err, p->errsize,
                    "invalid value %s for key %s at position %zu: operator '%s' needs an integer",
                    quote(qv, text, len), quote(qk, key, strlen(key)), pos, op_symbol(op));
            return -1;
        }
    }
    const char *problem = label_value_problem(text, len);
    if (problem) {
        set_err(p->err, p->errsize, "invalid label value %s for key %s at position %zu: %s",
                quote(qv, text, len), quote(qk, key, strlen(key)), pos, problem);
        return -1;
    }
    if (values_add(values, text, len) != 0) {
        set_err(p->err, p->errsize, "out of memory");
        return -1;
    }
    return 0;
}

/* "(" values ")": a possibly empty, comma-separated list of possibly empty
 * values. "()" and every empty slot ("(,a)", "(a,)", "(a,,b)") stand for
 * the empty value. */
static int parse_value_set(parser *p, const char *key, req_op op, value_list *values)
{
    token t = consume(p);
    if (t.kind != TOK_OPEN) {
        unexpected(p, &t, "'('");
        return -1;
    }
    tok_kind k = peek_value(p);
    if (k == TOK_CLOSE) {
        consume(p);
        return add_value(p, key, op, "", 0, t.pos + 1, values, NULL);
    }
    if (k != TOK_IDENT && k != TOK_COMMA) {
        unexpected(p, &p->next, "',', ')' or a value");
        return -1;
    }
    for (;;) {
        t = consume(p);
        tok_kind kind = as_value(t.kind);
        if (kind == TOK_IDENT) {
            if (add_value(p, key, op, t.text, t.len, t.pos, values, NULL) != 0)
                return -1;
            k = peek_value(p);
            if (k == TOK_CLOSE)
                break;
            if (k != TOK_COMMA) {
                unexpected(p, &p->next, "',' or ')'");
                return -1;
            }
            continue;
        }
        if (kind != TOK_COMMA) {
            unexpected(p, &t, "',' or a value");
            return -1;
        }
        /* A comma: the slot before it was empty when nothing came yet,
         * the slot after it when a ')' or a second ',' follows. The second
         * ',' is swallowed here, so what follows ",," must be a value or
         * yet another ',': upstream accepts "(a,,b)" and "(a,,,)" but
         * rejects "(a,,)", and so does this parser. */
        k = peek_value(p);
        bool empty_slot = values->count == 0 || k == TOK_CLOSE || k == TOK_COMMA;
        if (empty_slot && add_value(p, key, op, "", 0, t.pos, values, NULL) != 0)
            return -1;
        if (k == TOK_CLOSE)
            break;
        if (k == TOK_COMMA)
            consume(p);
    }
    consume(p); /* the ')' seen above */
    return 0;
}

/* The one value after '=', '==', '!=', '>' or '<'; nothing before a ',' or
 * the end means the empty value ("x=" selects x=""). */
static int parse_single_value(parser *p, const char *key, req_op op, value_list *values,
                              int64_t *bound)
{
    tok_kind k = peek_value(p);
    if (k == TOK_END || k == TOK_COMMA)
        return add_value(p, key, op, "", 0, p->next.pos, values, bound);
    token t = consume(p);
    if (as_value(t.kind) != TOK_IDENT) {
        unexpected(p, &t, "a value");
        return -1;
    }
    return add_value(p, key, op, t.text, t.len, t.pos, values, bound);
}

/* [!] KEY [ ("in" | "notin") "(" values ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ] */
static int parse_requirement(parser *p)
{
    int rc = -1;
    char *key = NULL;
    value_list values = {NULL, 0, 0};
    int64_t bound = 0;
    char q[QUOTE_BUF];
    req_op op = OP_EXISTS;

    token t = consume(p);
    if (t.kind == TOK_BANG) {
        op = OP_DOES_NOT_EXIST;
        t = consume(p);
    }
    if (as_value(t.kind) != TOK_IDENT) {
        unexpected(p, &t, "a label key");
        goto out;
    }
    const char *problem = label_key_problem(t.text, t.len);
    if (problem) {
        set_err(p->err, p->errsize, "invalid label key %s at position %zu: %s",
                quote(q, t.text, t.len), t.pos, problem);
        goto out;
    }
    key = strndup(t.text, t.len);
    if (!key) {
        set_err(p->err, p->errsize, "out of memory");
        goto out;
    }
    /* "!key" takes no operator; "key" alone before ',' or the end exists.
     * Anything else after "!key" is left for the caller to reject. */
    tok_kind k = peek_value(p);
    if (op != OP_DOES_NOT_EXIST && k != TOK_END && k != TOK_COMMA) {
        t = consume(p);
        switch (t.kind) {
        case TOK_IN:
            op = OP_IN;
            break;
        case TOK_NOT_IN:
            op = OP_NOT_IN;
            break;
        case TOK_EQUALS:
            op = OP_EQUALS;
            break;
        case TOK_DOUBLE_EQUALS:
            op = OP_DOUBLE_EQUALS;
            break;
        case TOK_NOT_EQUALS:
            op = OP_NOT_EQUALS;
            break;
        case TOK_GREATER:
            op = OP_GREATER_THAN;
            break;
        case TOK_LESS:
            op = OP_LESS_THAN;
            break;
        default:
            unexpected(p, &t, "one of in, notin, =, ==, !=, >, <");
            goto out;
        }
        int got = op == OP_IN || op == OP_NOT_IN
                      ? parse_value_set(p, key, op, &values)
                      : parse_single_value(p, key, op, &values, &bound);
        if (got != 0)
            goto out;
    }
    if (selector_add(p->sel, &key, op, &values, bound, true) != 0) {
        set_err(p->err, p->errsize, "out of memory");
        goto out;
    }
    rc = 0;
out:
    free(key);
    values_clear(&values);
    return rc;
}

hpac_selector *hpac_selector_parse(const char *text, char *err, size_t errsize)
{
    hpac_selector *result = NULL;
    parser p = {.src = text ? text : "", .err = err, .errsize = errsize};
    p.len = strlen(p.src);
    p.sel = selector_new(false);
    if (!p.sel) {
        set_err(err, errsize, "out of memory");
        goto out;
    }
    lex(&p);
    tok_kind k = peek_value(&p);
    if (k != TOK_END) {
        for (;;) {
            k = peek_value(&p);
            if (k != TOK_IDENT && k != TOK_BANG) {
                unexpected(&p, &p.next, "'!' or a label key");
                goto out;
            }
            if (parse_requirement(&p) != 0)
                goto out;
            token t = consume(&p);
            if (t.kind == TOK_END)
                break;
            if (t.kind != TOK_COMMA) {
                unexpected(&p, &t, "',' or end of string");
                goto out;
            }
            /* A ',' must be followed by another requirement ("a," fails). */
        }
    }
    selector_finish(p.sel);
    result = p.sel;
    p.sel = NULL;
out:
    hpac_selector_free(p.sel);
    return result;
}

/* -------------------------------------------------- LabelSelector object */

/* The string inside `v`, or NULL with err when `v` is no string or holds a
 * NUL byte (which no key or value may, and C strings cannot carry). */
static const char *json_text(const json_t *v, const char *path, char *err, size_t errsize)
{
    if (!json_is_string(v)) {
        set_err(err, errsize, "%s: expected a string", path);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        set_err(err, errsize, "%s: holds a NUL byte", path);
        return NULL;
    }
    return s;
}

static int add_match_labels(hpac_selector *sel, const json_t *labels, char *err, size_t errsize)
{
    int rc = -1;
    char *key_copy = NULL;
    value_list values = {NULL, 0, 0};
    char q[QUOTE_BUF];
    char path[QUOTE_BUF + 32];

    if (!labels || json_is_null(labels)) {
        rc = 0;
        goto out;
    }
    if (!json_is_object(labels)) {
        set_err(err, errsize, "matchLabels: expected an object of strings");
        goto out;
    }
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)labels, key, key_len, value)
    {
        snprintf(path, sizeof(path), "matchLabels[%s]", quote(q, key, key_len));
        const char *problem =
            strlen(key) != key_len ? "holds a NUL byte" : label_key_problem(key, key_len);
        if (problem) {
            set_err(err, errsize, "%s: invalid label key: %s", path, problem);
            goto out;
        }
        const char *text = json_text(value, path, err, errsize);
        if (!text)
            goto out;
        problem = label_value_problem(text, strlen(text));
        if (problem) {
            set_err(err, errsize, "%s: invalid label value %s: %s", path,
                    quote(q, text, strlen(text)), problem);
            goto out;
        }
        key_copy = strdup(key);
        if (!key_copy || values_add(&values, text, strlen(text)) != 0 ||
            selector_add(sel, &key_copy, OP_EQUALS, &values, 0, false) != 0) {
            set_err(err, errsize, "matchLabels: out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(key_copy);
    values_clear(&values);
    return rc;
}

static int parse_operator(const char *name, req_op *out)
{
    static const struct {
        const char *name;
        req_op op;
    } ops[] = {
        {"In", OP_IN},
        {"NotIn", OP_NOT_IN},
        {"Exists", OP_EXISTS},
        {"DoesNotExist", OP_DOES_NOT_EXIST},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(name, ops[i].name) == 0) {
            *out = ops[i].op;
            return 0;
        }
    }
    return -1;
}

static int add_match_expression(hpac_selector *sel, const json_t *expr, size_t index, char *err,
                                size_t errsize)
{
    int rc = -1;
    char *key_copy = NULL;
    value_list values = {NULL, 0, 0};
    char q[QUOTE_BUF];
    char path[96];
    char field[128];
    req_op op;

    snprintf(path, sizeof(path), "matchExpressions[%zu]", index);
    if (!json_is_object(expr)) {
        set_err(err, errsize, "%s: expected an object", path);
        goto out;
    }
    /* Absent and null fields read as Go's zero values: "" and no values. */
    const char *name = "";
    const json_t *v = json_object_get(expr, "operator");
    snprintf(field, sizeof(field), "%s.operator", path);
    if (v && !json_is_null(v)) {
        name = json_text(v, field, err, errsize);
        if (!name)
            goto out;
    }
    if (parse_operator(name, &op) != 0) {
        set_err(err, errsize,
                "%s: %s is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)",
                field, quote(q, name, strlen(name)));
        goto out;
    }
    const char *key = "";
    v = json_object_get(expr, "key");
    snprintf(field, sizeof(field), "%s.key", path);
    if (v && !json_is_null(v)) {
        key = json_text(v, field, err, errsize);
        if (!key)
            goto out;
    }
    const char *problem = label_key_problem(key, strlen(key));
    if (problem) {
        set_err(err, errsize, "%s: invalid label key %s: %s", field, quote(q, key, strlen(key)),
                problem);
        goto out;
    }
    v = json_object_get(expr, "values");
    snprintf(field, sizeof(field), "%s.values", path);
    if (v && !json_is_null(v) && !json_is_array(v)) {
        set_err(err, errsize, "%s: expected an array of strings", field);
        goto out;
    }
    size_t nvalues = v ? json_array_size(v) : 0;
    if ((op == OP_IN || op == OP_NOT_IN) && nvalues == 0) {
        set_err(err, errsize, "%s: must be non-empty for operator %s", field, name);
        goto out;
    }
    if ((op == OP_EXISTS || op == OP_DOES_NOT_EXIST) && nvalues != 0) {
        set_err(err, errsize, "%s: must be empty for operator %s", field, name);
        goto out;
    }
    for (size_t i = 0; i < nvalues; i++) {
        snprintf(field, sizeof(field), "%s.values[%zu]", path, i);
        const char *text = json_text(json_array_get(v, i), field, err, errsize);
        if (!text)
            goto out;
        problem = label_value_problem(text, strlen(text));
        if (problem) {
            set_err(err, errsize, "%s: invalid label value %s: %s", field,
                    quote(q, text, strlen(text)), problem);
            goto out;
        }
        if (values_add(&values, text, strlen(text)) != 0) {
            set_err(err, errsize, "%s: out of memory", path);
            goto out;
        }
    }
    key_copy = strdup(key);
    if (!key_copy || selector_add(sel, &key_copy, op, &values, 0, false) != 0) {
        set_err(err, errsize, "%s: out of memory", path);
        goto out;
    }
    rc = 0;
out:
    free(key_copy);
    values_clear(&values);
    return rc;
}

hpac_selector *hpac_selector_from_json(const json_t *label_selector, char *err, size_t errsize)
{
    hpac_selector *sel = NULL;
    hpac_selector *result = NULL;

    if (!label_selector || json_is_null(label_selector)) {
        result = selector_new(true);
        if (!result)
            set_err(err, errsize, "out of memory");
        goto out;
    }
    if (!json_is_object(label_selector)) {
        set_err(err, errsize, "label selector: expected an object");
        goto out;
    }
    sel = selector_new(false);
    if (!sel) {
        set_err(err, errsize, "out of memory");
        goto out;
    }
    if (add_match_labels(sel, json_object_get(label_selector, "matchLabels"), err, errsize) != 0)
        goto out;
    const json_t *exprs = json_object_get(label_selector, "matchExpressions");
    if (exprs && !json_is_null(exprs)) {
        if (!json_is_array(exprs)) {
            set_err(err, errsize, "matchExpressions: expected an array");
            goto out;
        }
        for (size_t i = 0; i < json_array_size(exprs); i++) {
            if (add_match_expression(sel, json_array_get(exprs, i), i, err, errsize) != 0)
                goto out;
        }
    }
    selector_finish(sel);
    result = sel;
    sel = NULL;
out:
    hpac_selector_free(sel);
    return result;
}

/* ------------------------------------------------------------- matching */

static bool has_value(const requirement *r, const char *value)
{
    size_t lo = 0;
    size_t hi = r->nvalues;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(value, r->values[mid]);
        if (cmp == 0)
            return true;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static bool requirement_matches(const requirement *r, const hpac_labels *labels)
{
    const char *value = hpac_labels_get(labels, r->key);
    int64_t n;
    switch (r->op) {
    case OP_IN:
    case OP_EQUALS:
    case OP_DOUBLE_EQUALS:
        return value && has_value(r, value);
    case OP_NOT_IN:
    case OP_NOT_EQUALS:
        return !value || !has_value(r, value);
    case OP_EXISTS:
        return value != NULL;
    case OP_DOES_NOT_EXIST:
        return value == NULL;
    case OP_GREATER_THAN:
    case OP_LESS_THAN:
        /* A label that is not an integer matches neither. */
        if (!value || !parse_int64(value, strlen(value), &n))
            return false;
        return r->op == OP_GREATER_THAN ? n > r->bound : n < r->bound;
    }
    return false;
}

bool hpac_selector_matches(const hpac_selector *sel, const hpac_labels *labels)
{
    static const hpac_labels none = {NULL, 0};
    if (!sel || sel->nothing)
        return false;
    if (!labels)
        labels = &none;
    for (size_t i = 0; i < sel->count; i++) {
        if (!requirement_matches(&sel->reqs[i], labels))
            return false;
    }
    return true;
}

/* --------------------------------------------------------- string form */

/* Appends to `out` when it is non-NULL; always counts, so one function
 * serves to size the buffer and to fill it. */
static void emit(char *out, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (out)
        memcpy(out + *len, s, n);
    *len += n;
}

static void emit_requirement(char *out, size_t *len, const requirement *r)
{
    if (r->op == OP_DOES_NOT_EXIST)
        emit(out, len, "!");
    emit(out, len, r->key);
    if (r->op == OP_EXISTS || r->op == OP_DOES_NOT_EXIST)
        return;
    bool set = r->op == OP_IN || r->op == OP_NOT_IN;
    if (set) {
        emit(out, len, " ");
        emit(out, len, op_symbol(r->op));
        emit(out, len, " (");
    } else {
        emit(out, len, op_symbol(r->op));
    }
    for (size_t i = 0; i < r->nvalues; i++) {
        if (i > 0)
            emit(out, len, ",");
        emit(out, len, r->values[i]);
    }
    if (set)
        emit(out, len, ")");
}

char *hpac_selector_to_string(const hpac_selector *sel)
{
    /* Like upstream, the nothing selector prints as "" too: callers that
     * send a selector must check hpac_selector_is_nothing first. */
    size_t len = 0;
    size_t count = sel && !sel->nothing ? sel->count : 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            len++;
        emit_requirement(NULL, &len, &sel->reqs[i]);
    }
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    len = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            emit(out, &len, ",");
        emit_requirement(out, &len, &sel->reqs[i]);
    }
    out[len] = '\0';
    return out;
}
