/* Which pod metric queries share one PodMetrics list (pod_query_share.h).
 *
 * A table of cases: queries in, groups out, each group with its exact
 * selector text and its member indexes. Every case is also checked for
 * the invariants of any answer: each query in exactly one group, members
 * ascending, groups in order of their first member, one namespace per
 * group, at most max_members to a group, a union selector within
 * HPAC_SHARED_SELECTOR_MAX that selects what every member selects.
 *
 * Table runners report every failing row before failing the test. */
#include "metrics/pod_query_share.h"

#include "hpa/labels.h"
#include "test_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUERIES 16
#define MAX_GROUPS 16

static size_t failures;

static void report(const char *table, const char *row, const char *what)
{
    print_error("%s[%s]: %s\n", table, row, what);
    failures++;
}

/* "0 2 3" */
static void members_text(const hpac_shared_pod_query *g, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t m = 0; m < g->member_count && used < size; m++)
        used += (size_t)snprintf(buf + used, size - used, "%s%zu", m ? " " : "", g->members[m]);
}

/* ---- invariants of every answer ------------------------------------------ */

/* Labels {key: value}. */
static hpac_labels one_label(const char *key, const char *value)
{
    json_t *o = json_object();
    assert_non_null(o);
    assert_int_equal(json_object_set_new(o, key, json_string(value)), 0);
    hpac_labels labels = {NULL, 0};
    assert_int_equal(hpac_labels_from_json(o, &labels, NULL, 0), 0);
    json_decref(o);
    return labels;
}

/* Whatever a member's selector selects through its single requirement,
 * the group's selector selects too. */
static bool union_covers(const hpac_selector *group_sel, const char *member_selector)
{
    hpac_selector *sel = hpac_selector_parse(member_selector, NULL, 0);
    const char *key = NULL;
    const char *const *values = NULL;
    size_t count = 0;
    bool ok = sel && hpac_selector_requirement_count(sel) == 1 &&
              hpac_selector_requirement_values(sel, 0, &key, &values, &count);
    for (size_t v = 0; ok && v < count; v++) {
        hpac_labels labels = one_label(key, values[v]);
        ok = hpac_selector_matches(group_sel, &labels);
        hpac_labels_clear(&labels);
    }
    hpac_selector_free(sel);
    return ok;
}

static void check_invariants(const char *table, const char *row, const hpac_pod_query *queries,
                             size_t count, size_t max_members, const hpac_shared_pod_query *groups,
                             size_t group_count)
{
    char msg[512];
    size_t *seen = calloc(count ? count : 1, sizeof(*seen));
    assert_non_null(seen);
    size_t limit = max_members ? max_members : 1;
    for (size_t g = 0; g < group_count; g++) {
        const hpac_shared_pod_query *q = &groups[g];
        if (q->member_count == 0 || !q->members || !q->selector) {
            snprintf(msg, sizeof(msg), "group %zu is empty or has no selector", g);
            report(table, row, msg);
            continue;
        }
        if (q->member_count > limit) {
            snprintf(msg, sizeof(msg), "group %zu has %zu members, max %zu", g, q->member_count,
                     limit);
            report(table, row, msg);
        }
        if (g > 0 && groups[g - 1].member_count > 0 && groups[g - 1].members[0] >= q->members[0]) {
            snprintf(msg, sizeof(msg), "group %zu is not in order of first member", g);
            report(table, row, msg);
        }
        if (q->ns != queries[q->members[0]].ns) {
            snprintf(msg, sizeof(msg), "group %zu: ns is not the first member's", g);
            report(table, row, msg);
        }
        for (size_t m = 0; m < q->member_count; m++) {
            size_t i = q->members[m];
            if (i >= count) {
                snprintf(msg, sizeof(msg), "group %zu: member %zu out of range", g, i);
                report(table, row, msg);
                continue;
            }
            seen[i]++;
            if (m > 0 && q->members[m - 1] >= i) {
                snprintf(msg, sizeof(msg), "group %zu: members not ascending", g);
                report(table, row, msg);
            }
            if (strcmp(queries[i].ns, q->ns) != 0) {
                snprintf(msg, sizeof(msg), "group %zu mixes namespaces %s and %s", g, q->ns,
                         queries[i].ns);
                report(table, row, msg);
            }
        }
        if (q->member_count == 1) {
            const char *own = queries[q->members[0]].selector;
            if (strcmp(q->selector, own ? own : "") != 0) {
                snprintf(msg, sizeof(msg), "lone group %zu: selector \"%s\", its own is \"%s\"", g,
                         q->selector, own ? own : "(null)");
                report(table, row, msg);
            }
            continue;
        }
        if (strlen(q->selector) > HPAC_SHARED_SELECTOR_MAX) {
            snprintf(msg, sizeof(msg), "group %zu: union of %zu bytes, max %d", g,
                     strlen(q->selector), HPAC_SHARED_SELECTOR_MAX);
            report(table, row, msg);
        }
        hpac_selector *sel = hpac_selector_parse(q->selector, NULL, 0);
        if (!sel) {
            snprintf(msg, sizeof(msg), "group %zu: union \"%.64s\" does not parse", g, q->selector);
            report(table, row, msg);
            continue;
        }
        for (size_t m = 0; m < q->member_count; m++) {
            if (!union_covers(sel, queries[q->members[m]].selector)) {
                snprintf(msg, sizeof(msg), "group %zu: union \"%.64s\" misses member %zu (%s)", g,
                         q->selector, q->members[m], queries[q->members[m]].selector);
                report(table, row, msg);
            }
        }
        hpac_selector_free(sel);
    }
    for (size_t i = 0; i < count; i++) {
        if (seen[i] != 1) {
            snprintf(msg, sizeof(msg), "query %zu is in %zu groups", i, seen[i]);
            report(table, row, msg);
        }
    }
    free(seen);
}

/* ---- the table --------------------------------------------------------- */

typedef struct expect_group {
    const char *ns;
    const char *selector;
    const char *members; /* "0 2 3" */
} expect_group;

typedef struct share_case {
    const char *name;
    size_t max_members; /* 0 here: 64, as the batch uses */
    hpac_pod_query queries[MAX_QUERIES];
    expect_group groups[MAX_GROUPS];
} share_case;

#define NS "default"

static const share_case cases[] = {
    {"single equality", 0, {{NS, "app=a"}}, {{NS, "app=a", "0"}}},
    {"single equality is sent as written", 0, {{NS, "app = a"}}, {{NS, "app = a", "0"}}},
    {"single in-set is sent as written", 0, {{NS, "app in (b, a)"}}, {{NS, "app in (b, a)", "0"}}},
    {"two values", 0, {{NS, "app=a"}, {NS, "app=b"}}, {{NS, "app in (a,b)", "0 1"}}},
    {"two values, union sorted", 0, {{NS, "app=b"}, {NS, "app=a"}}, {{NS, "app in (a,b)", "0 1"}}},
    {"identical selectors", 0, {{NS, "app=a"}, {NS, "app=a"}}, {{NS, "app=a", "0 1"}}},
    {"=, == and in (one value) alike",
     0,
     {{NS, "app==a"}, {NS, "app=a"}, {NS, "app in (a)"}},
     {{NS, "app=a", "0 1 2"}}},
    {"in-sets: sorted distinct union",
     0,
     {{NS, "app in (d,b)"}, {NS, "app=c"}, {NS, "app in (b,a)"}, {NS, "app in (c,d)"}},
     {{NS, "app in (a,b,c,d)", "0 1 2 3"}}},
    {"values sorted as strings",
     0,
     {{NS, "app=b"}, {NS, "app=a2"}, {NS, "app=a10"}},
     {{NS, "app in (a10,a2,b)", "0 1 2"}}},
    {"spaces in members' text",
     0,
     {{NS, "app = a"}, {NS, " app in ( c , b ) "}},
     {{NS, "app in (a,b,c)", "0 1"}}},
    {"prefixed key",
     0,
     {{NS, "example.com/app=a"}, {NS, "example.com/app=b"}},
     {{NS, "example.com/app in (a,b)", "0 1"}}},
    {"empty value", 0, {{NS, "app="}, {NS, "app=a"}}, {{NS, "app in (,a)", "0 1"}}},
    {"keywords as values",
     0,
     {{NS, "app=notin"}, {NS, "app in (in)"}},
     {{NS, "app in (in,notin)", "0 1"}}},
    {"different namespaces",
     0,
     {{"ns1", "app=a"}, {"ns2", "app=b"}, {"ns1", "app=c"}, {"ns2", "app=d"}},
     {{"ns1", "app in (a,c)", "0 2"}, {"ns2", "app in (b,d)", "1 3"}}},
    {"different namespaces, same selector",
     0,
     {{"ns1", "app=a"}, {"ns2", "app=a"}},
     {{"ns1", "app=a", "0"}, {"ns2", "app=a", "1"}}},
    {"different keys",
     0,
     {{NS, "app=a"}, {NS, "tier=web"}, {NS, "app=b"}, {NS, "tier=db"}, {NS, "App=c"}},
     {{NS, "app in (a,b)", "0 2"}, {NS, "tier in (db,web)", "1 3"}, {NS, "App=c", "4"}}},
    {"multi-requirement selectors stay alone",
     0,
     {{NS, "app=a,tier=web"},
      {NS, "app=b"},
      {NS, "app=a,tier=web"},
      {NS, "app=c"},
      {NS, "app in (a),app in (b)"}},
     {{NS, "app=a,tier=web", "0"},
      {NS, "app in (b,c)", "1 3"},
      {NS, "app=a,tier=web", "2"},
      {NS, "app in (a),app in (b)", "4"}}},
    {"everything stays alone",
     0,
     {{NS, ""}, {NS, "app=a"}, {NS, ""}, {NS, "app=b"}},
     {{NS, "", "0"}, {NS, "app in (a,b)", "1 3"}, {NS, "", "2"}}},
    {"NULL selector is everything, alone",
     0,
     {{NS, NULL}, {NS, "app=a"}},
     {{NS, "", "0"}, {NS, "app=a", "1"}}},
    {"operators without values stay alone",
     0,
     {{NS, "!app"},
      {NS, "app=a"},
      {NS, "app notin (x)"},
      {NS, "app!=x"},
      {NS, "app=b"},
      {NS, "app"},
      {NS, "app>1"},
      {NS, "app<9"}},
     {{NS, "!app", "0"},
      {NS, "app in (a,b)", "1 4"},
      {NS, "app notin (x)", "2"},
      {NS, "app!=x", "3"},
      {NS, "app", "5"},
      {NS, "app>1", "6"},
      {NS, "app<9", "7"}}},
    {"unparsable selectors stay alone with their text",
     0,
     {{NS, "app in (a"},
      {NS, "app=a"},
      {NS, "app===b"},
      {NS, "app=b"},
      {NS, "app=b c"},
      {NS, "app=Not_A_Value!"},
      {NS, ",app=a"}},
     {{NS, "app in (a", "0"},
      {NS, "app in (a,b)", "1 3"},
      {NS, "app===b", "2"},
      {NS, "app=b c", "4"},
      {NS, "app=Not_A_Value!", "5"},
      {NS, ",app=a", "6"}}},
    {"one shareable query with nobody to share: its own text",
     0,
     {{NS, "app in (b,a)"}, {NS, "tier=web,app=a"}},
     {{NS, "app in (b,a)", "0"}, {NS, "tier=web,app=a", "1"}}},
    {"max_members 2",
     2,
     {{NS, "app=a"}, {NS, "app=b"}, {NS, "app=c"}, {NS, "app=d"}, {NS, "app=e"}},
     {{NS, "app in (a,b)", "0 1"}, {NS, "app in (c,d)", "2 3"}, {NS, "app=e", "4"}}},
    {"max_members 2, groups ordered by first member",
     2,
     {{NS, "app=a"}, {NS, "tier=x"}, {NS, "app=b"}, {NS, "app=c"}, {NS, "tier=y"}},
     {{NS, "app in (a,b)", "0 2"}, {NS, "tier in (x,y)", "1 4"}, {NS, "app=c", "3"}}},
    {"max_members 2, a later query fills an earlier group",
     2,
     {{"ns1", "app=a"}, {"ns1", "app=b"}, {"ns1", "app=c"}, {"ns2", "app=d"}, {"ns1", "app=e"}},
     {{"ns1", "app in (a,b)", "0 1"}, {"ns1", "app in (c,e)", "2 4"}, {"ns2", "app=d", "3"}}},
    {"max_members 3, identical selectors count as members",
     3,
     {{NS, "app=a"}, {NS, "app=a"}, {NS, "app=a"}, {NS, "app=a"}},
     {{NS, "app=a", "0 1 2"}, {NS, "app=a", "3"}}},
    {"max_members 1: nobody shares",
     1,
     {{NS, "app=a"}, {NS, "app=b"}},
     {{NS, "app=a", "0"}, {NS, "app=b", "1"}}},
};

#undef NS

static void run_case(const share_case *c)
{
    char msg[1024];
    size_t count = 0;
    while (count < MAX_QUERIES && c->queries[count].ns)
        count++;
    size_t expected = 0;
    while (expected < MAX_GROUPS && c->groups[expected].ns)
        expected++;
    size_t max_members = c->max_members ? c->max_members : 64;
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    if (hpac_share_pod_queries(c->queries, count, max_members, &groups, &group_count) != 0) {
        report("cases", c->name, "returned -1");
        return;
    }
    check_invariants("cases", c->name, c->queries, count, max_members, groups, group_count);
    if (group_count != expected) {
        snprintf(msg, sizeof(msg), "%zu groups, expected %zu", group_count, expected);
        report("cases", c->name, msg);
    }
    for (size_t g = 0; g < group_count && g < expected; g++) {
        const expect_group *want = &c->groups[g];
        char members[256];
        members_text(&groups[g], members, sizeof(members));
        if (strcmp(groups[g].ns, want->ns) != 0 || strcmp(groups[g].selector, want->selector) ||
            strcmp(members, want->members) != 0) {
            snprintf(msg, sizeof(msg),
                     "group %zu: ns %s selector \"%s\" members [%s]; expected ns %s selector "
                     "\"%s\" members [%s]",
                     g, groups[g].ns, groups[g].selector, members, want->ns, want->selector,
                     want->members);
            report("cases", c->name, msg);
        }
    }
    hpac_shared_pod_queries_free(groups, group_count);
}

static void test_pod_query_share__table(void **state)
{
    failures = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    assert_int_equal(failures, 0);
}

/* ---- generated cases ---------------------------------------------------- */

static void test_pod_query_share__no_queries(void **state)
{
    hpac_shared_pod_query *groups = (hpac_shared_pod_query *)&groups;
    size_t group_count = 7;
    assert_int_equal(hpac_share_pod_queries(NULL, 0, 64, &groups, &group_count), 0);
    assert_null(groups);
    assert_int_equal(group_count, 0);
    hpac_shared_pod_queries_free(NULL, 0);
}

/* max_members 0 still makes groups of one (nothing is lost). */
static void test_pod_query_share__max_members_zero(void **state)
{
    hpac_pod_query queries[] = {{"default", "app=a"}, {"default", "app=b"}};
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    assert_int_equal(hpac_share_pod_queries(queries, 2, 0, &groups, &group_count), 0);
    failures = 0;
    check_invariants("max0", "0", queries, 2, 1, groups, group_count);
    assert_int_equal(failures, 0);
    assert_int_equal(group_count, 2);
    assert_string_equal(groups[0].selector, "app=a");
    assert_string_equal(groups[1].selector, "app=b");
    hpac_shared_pod_queries_free(groups, group_count);
}

/* A 63-character label value (the longest allowed), distinct per i. */
static char *long_value(size_t i)
{
    char *v = malloc(64);
    assert_non_null(v);
    int n = snprintf(v, 64, "v%04zu", i);
    memset(v + n, 'x', 63 - (size_t)n);
    v[63] = '\0';
    return v;
}

/* "key in (v1,...)" of values first..last, in the order given. */
static char *in_text(const char *key, char **values, size_t first, size_t last)
{
    size_t len = strlen(key) + 8;
    for (size_t i = first; i <= last; i++)
        len += strlen(values[i]) + 1;
    char *text = malloc(len);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, len, "%s in (", key);
    for (size_t i = first; i <= last; i++)
        used += (size_t)snprintf(text + used, len - used, "%s%s", i > first ? "," : "", values[i]);
    snprintf(text + used, len - used, ")");
    return text;
}

/* 70 HPAs, each "app=<63 characters>": 31 values fit in a union of at
 * most HPAC_SHARED_SELECTOR_MAX bytes ("app in (" + 31 * 63 + 30 commas
 * + ")" = 1992), 32 would not (2056). Groups of 31, 31 and 8, each with
 * the sorted union of its members' values. */
static void test_pod_query_share__selector_budget_splits(void **state)
{
    enum { N = 70 };
    char *values[N];
    char *selectors[N];
    hpac_pod_query queries[N];
    for (size_t i = 0; i < N; i++) {
        values[i] = long_value(i);
        selectors[i] = malloc(strlen(values[i]) + 8);
        assert_non_null(selectors[i]);
        sprintf(selectors[i], "app=%s", values[i]);
        queries[i] = (hpac_pod_query){"default", selectors[i]};
    }
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    assert_int_equal(hpac_share_pod_queries(queries, N, 1000, &groups, &group_count), 0);
    failures = 0;
    check_invariants("budget", "70x63", queries, N, 1000, groups, group_count);
    assert_int_equal(failures, 0);
    assert_int_equal(group_count, 3);
    const size_t first[] = {0, 31, 62}, last[] = {30, 61, 69};
    for (size_t g = 0; g < 3; g++) {
        assert_int_equal(groups[g].member_count, last[g] - first[g] + 1);
        for (size_t m = 0; m < groups[g].member_count; m++)
            assert_int_equal(groups[g].members[m], first[g] + m);
        /* long_value(i) sorts by i. */
        char *want = in_text("app", values, first[g], last[g]);
        assert_string_equal(groups[g].selector, want);
        assert_true(strlen(groups[g].selector) <= HPAC_SHARED_SELECTOR_MAX);
        free(want);
    }
    assert_int_equal(strlen(groups[0].selector), 1992);
    hpac_shared_pod_queries_free(groups, group_count);
    for (size_t i = 0; i < N; i++) {
        free(values[i]);
        free(selectors[i]);
    }
}

/* In-sets count every value: 14 HPAs of 5 long values each ("app in
 * (...)" of 320 bytes of values): 6 fit (30 values, 1928 bytes), 7 would
 * not (35 values, 2248 bytes). */
static void test_pod_query_share__selector_budget_counts_set_values(void **state)
{
    enum { N = 14, PER = 5 };
    char *values[N * PER];
    char *selectors[N];
    hpac_pod_query queries[N];
    for (size_t i = 0; i < N * PER; i++)
        values[i] = long_value(i);
    for (size_t i = 0; i < N; i++) {
        /* Written in reverse: the union comes out sorted anyway. */
        char *rev[PER];
        for (size_t v = 0; v < PER; v++)
            rev[v] = values[i * PER + PER - 1 - v];
        selectors[i] = in_text("app", rev, 0, PER - 1);
        queries[i] = (hpac_pod_query){"default", selectors[i]};
    }
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    assert_int_equal(hpac_share_pod_queries(queries, N, 64, &groups, &group_count), 0);
    failures = 0;
    check_invariants("budget", "14x5x63", queries, N, 64, groups, group_count);
    assert_int_equal(failures, 0);
    assert_int_equal(group_count, 3);
    const size_t first[] = {0, 6, 12}, last[] = {5, 11, 13};
    for (size_t g = 0; g < 3; g++) {
        assert_int_equal(groups[g].member_count, last[g] - first[g] + 1);
        assert_int_equal(groups[g].members[0], first[g]);
        char *want = in_text("app", values, first[g] * PER, last[g] * PER + PER - 1);
        assert_string_equal(groups[g].selector, want);
        free(want);
    }
    hpac_shared_pod_queries_free(groups, group_count);
    for (size_t i = 0; i < N * PER; i++)
        free(values[i]);
    for (size_t i = 0; i < N; i++)
        free(selectors[i]);
}

/* A query too long to share with anyone still reads alone, unchanged,
 * and the others around it still share. */
static void test_pod_query_share__query_over_budget_alone(void **state)
{
    enum { PER = 40 }; /* 40 * 64 = 2560 bytes of values */
    char *values[PER];
    for (size_t i = 0; i < PER; i++)
        values[i] = long_value(i);
    char *big = in_text("app", values, 0, PER - 1);
    hpac_pod_query queries[] = {
        {"default", "app=a"}, {"default", big}, {"default", "app=b"}, {"default", big}};
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    assert_int_equal(hpac_share_pod_queries(queries, 4, 64, &groups, &group_count), 0);
    failures = 0;
    check_invariants("budget", "big", queries, 4, 64, groups, group_count);
    assert_int_equal(failures, 0);
    assert_int_equal(group_count, 3);
    assert_string_equal(groups[0].selector, "app in (a,b)");
    assert_int_equal(groups[0].member_count, 2);
    assert_string_equal(groups[1].selector, big);
    assert_int_equal(groups[1].member_count, 1);
    assert_int_equal(groups[1].members[0], 1);
    assert_string_equal(groups[2].selector, big);
    assert_int_equal(groups[2].members[0], 3);
    hpac_shared_pod_queries_free(groups, group_count);
    free(big);
    for (size_t i = 0; i < PER; i++)
        free(values[i]);
}

/* Many HPAs: groups of max_members, in order, none lost. */
static void test_pod_query_share__many(void **state)
{
    enum { N = 1000 };
    char(*selectors)[32] = calloc(N, sizeof(*selectors));
    hpac_pod_query *queries = calloc(N, sizeof(*queries));
    assert_non_null(selectors);
    assert_non_null(queries);
    static const char *const namespaces[] = {"ns-a", "ns-b", "ns-c"};
    for (size_t i = 0; i < N; i++) {
        /* Every 7th cannot share; keys alternate. */
        if (i % 7 == 0)
            snprintf(selectors[i], sizeof(selectors[i]), "app=w%zu,tier=x", i);
        else
            snprintf(selectors[i], sizeof(selectors[i]), "%s=w%zu", i % 2 ? "app" : "name", i);
        queries[i] = (hpac_pod_query){namespaces[i % 3], selectors[i]};
    }
    hpac_shared_pod_query *groups = NULL;
    size_t group_count = 0;
    assert_int_equal(hpac_share_pod_queries(queries, N, 64, &groups, &group_count), 0);
    failures = 0;
    check_invariants("many", "1000", queries, N, 64, groups, group_count);
    assert_int_equal(failures, 0);
    /* 143 alone (i % 7 == 0); the other 857 in 6 (ns, key) classes of
     * about 143 each: 3 groups per class. */
    size_t alone = 0, shared = 0;
    for (size_t g = 0; g < group_count; g++) {
        if (groups[g].member_count == 1)
            alone++;
        else
            shared += groups[g].member_count;
    }
    assert_int_equal(alone, 143);
    assert_int_equal(shared, N - 143);
    assert_int_equal(group_count, 143 + 6 * 3);
    hpac_shared_pod_queries_free(groups, group_count);
    free(selectors);
    free(queries);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_query_share__table),
        cmocka_unit_test(test_pod_query_share__no_queries),
        cmocka_unit_test(test_pod_query_share__max_members_zero),
        cmocka_unit_test(test_pod_query_share__selector_budget_splits),
        cmocka_unit_test(test_pod_query_share__selector_budget_counts_set_values),
        cmocka_unit_test(test_pod_query_share__query_over_budget_alone),
        cmocka_unit_test(test_pod_query_share__many),
    };
    return cmocka_run_group_tests_name("pod_query_share", tests, NULL, NULL);
}
