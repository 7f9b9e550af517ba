#include "metrics/pod_query_share.h"

#include "hpa/labels.h"
#include "util/strutil.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One query's single requirement, when it has exactly one of the kind
 * that names values (=, ==, in). Borrowed from `sel`. */
typedef struct shareable {
    hpac_selector *sel; /* owned; NULL: the query cannot share */
    const char *key;
    const char *const *values;
    size_t value_count;
    size_t text_len; /* the values' share of a union selector */
} shareable;

typedef struct draft {
    const char *ns;
    const char *key; /* NULL: a query that cannot share */
    size_t *members;
    size_t count;
    size_t text_len;
} draft;

static void read_shareable(const hpac_pod_query *q, shareable *s)
{
    memset(s, 0, sizeof(*s));
    hpac_selector *sel = hpac_selector_parse(q->selector ? q->selector : "", NULL, 0);
    if (!sel || hpac_selector_requirement_count(sel) != 1 ||
        !hpac_selector_requirement_values(sel, 0, &s->key, &s->values, &s->value_count) ||
        s->value_count == 0) {
        hpac_selector_free(sel);
        return;
    }
    s->sel = sel;
    for (size_t v = 0; v < s->value_count; v++)
        s->text_len += strlen(s->values[v]) + 1;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "key=value", or "key in (a,b,...)" over the members' sorted distinct
 * values. */
static char *union_selector(const draft *d, const shareable *s)
{
    size_t total = 0;
    for (size_t m = 0; m < d->count; m++)
        total += s[d->members[m]].value_count;
    const char **values = malloc(total * sizeof(*values));
    if (!values)
        return NULL;
    size_t n = 0;
    for (size_t m = 0; m < d->count; m++) {
        const shareable *one = &s[d->members[m]];
        for (size_t v = 0; v < one->value_count; v++)
            values[n++] = one->values[v];
    }
    qsort(values, n, sizeof(*values), compare_strings);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (distinct == 0 || strcmp(values[distinct - 1], values[i]) != 0)
            values[distinct++] = values[i];
    }
    char *text = NULL;
    if (distinct == 1) {
        text = hpac_format("%s=%s", d->key, values[0]);
    } else {
        size_t len = strlen(d->key) + strlen(" in ()") + 1;
        for (size_t i = 0; i < distinct; i++)
            len += strlen(values[i]) + 1;
        text = malloc(len);
        if (text) {
            char *p = text + strlen(strcpy(text, d->key));
            p += strlen(strcpy(p, " in ("));
            for (size_t i = 0; i < distinct; i++) {
                if (i > 0)
                    *p++ = ',';
                p += strlen(strcpy(p, values[i]));
            }
            strcpy(p, ")");
        }
    }
    free(values);
    return text;
}

/* The draft query i joins, or NULL for a new one. */
static draft *find_draft(draft *drafts, size_t count, const hpac_pod_query *q, const shareable *s,
                         size_t max_members)
{
    if (!s->sel)
        return NULL;
    for (size_t d = 0; d < count; d++) {
        draft *dr = &drafts[d];
        if (dr->key && dr->count < max_members && strcmp(dr->ns, q->ns) == 0 &&
            strcmp(dr->key, s->key) == 0 &&
            strlen(dr->key) + dr->text_len + s->text_len + strlen(" in ()") <=
                HPAC_SHARED_SELECTOR_MAX)
            return dr;
    }
    return NULL;
}

void hpac_shared_pod_queries_free(hpac_shared_pod_query *groups, size_t group_count)
{
    for (size_t g = 0; groups && g < group_count; g++) {
        free(groups[g].selector);
        free(groups[g].members);
    }
    free(groups);
}

int hpac_share_pod_queries(const hpac_pod_query *queries, size_t count, size_t max_members,
                           hpac_shared_pod_query **groups, size_t *group_count)
{
    *groups = NULL;
    *group_count = 0;
    if (count == 0)
        return 0;
    int rc = -1;
    size_t drafts_used = 0;
    shareable *s = calloc(count, sizeof(*s));
    draft *drafts = calloc(count, sizeof(*drafts));
    hpac_shared_pod_query *out = calloc(count, sizeof(*out));
    if (!s || !drafts || !out)
        goto done;
    for (size_t i = 0; i < count; i++) {
        read_shareable(&queries[i], &s[i]);
        draft *d =
            find_draft(drafts, drafts_used, &queries[i], &s[i], max_members ? max_members : 1);
        if (!d) {
            d = &drafts[drafts_used++];
            d->ns = queries[i].ns;
            d->key = s[i].sel ? s[i].key : NULL;
            d->members = malloc(count * sizeof(*d->members));
            if (!d->members)
                goto done;
        }
        d->members[d->count++] = i;
        d->text_len += s[i].text_len;
    }
    for (size_t g = 0; g < drafts_used; g++) {
        draft *d = &drafts[g];
        hpac_shared_pod_query *q = &out[g];
        q->ns = d->ns;
        q->selector = d->count == 1 ? hpac_strdup(queries[d->members[0]].selector
                                                      ? queries[d->members[0]].selector
                                                      : "")
                                    : union_selector(d, s);
        q->members = d->members;
        q->member_count = d->count;
        d->members = NULL;
        *group_count = g + 1;
        if (!q->selector)
            goto done;
    }
    *groups = out;
    out = NULL;
    rc = 0;
done:
    if (out)
        hpac_shared_pod_queries_free(out, *group_count);
    if (rc != 0)
        *group_count = 0;
    for (size_t d = 0; drafts && d < drafts_used; d++)
        free(drafts[d].members);
    for (size_t i = 0; s && i < count; i++)
        hpac_selector_free(s[i].sel);
    free(s);
    free(drafts);
    return rc;
}
