/* The simulator's namespace-indexed object store, and the string map under it. */
#include "test_support.h"

#include "hpa/labels.h"
#include "util/strmap.h"
#include "sim/sim_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_sim__map_put_get_remove(void **state)
{
    hpac_strmap *map = hpac_strmap_new();
    assert_non_null(map);
    enum { N = 5000 }; /* several doublings */
    static int values[N];
    char key[32];
    for (int i = 0; i < N; i++) {
        values[i] = i;
        snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 7, i);
        assert_int_equal(hpac_strmap_put(map, key, &values[i]), 0);
    }
    assert_int_equal(hpac_strmap_count(map), N);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 7, i);
        int *v = hpac_strmap_get(map, key);
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    assert_null(hpac_strmap_get(map, "ns-0/pod-1"));
    assert_null(hpac_strmap_get(map, ""));
    /* Replacing keeps the count. */
    assert_int_equal(hpac_strmap_put(map, "ns-0/pod-0", &values[9]), 0);
    assert_int_equal(hpac_strmap_count(map), N);
    assert_ptr_equal(hpac_strmap_get(map, "ns-0/pod-0"), &values[9]);
    for (int i = 0; i < N; i += 2) {
        snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 7, i);
        assert_non_null(hpac_strmap_remove(map, key));
        assert_null(hpac_strmap_remove(map, key));
    }
    assert_int_equal(hpac_strmap_count(map), N / 2);
    for (int i = 1; i < N; i += 2) {
        snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 7, i);
        assert_ptr_equal(hpac_strmap_get(map, key), &values[i]);
    }
    hpac_strmap_free(map);
}

static json_t *object(const char *ns, const char *name, const char *app)
{
    json_t *obj = json_pack("{s:{s:s, s:s}}", "metadata", "name", name, "namespace", ns);
    if (app)
        json_object_set_new(json_object_get(obj, "metadata"), "labels",
                            json_pack("{s:s}", "app", app));
    return obj;
}

static hpac_sim_entry *put(hpac_sim_store *store, const char *ns, const char *name,
                           const char *app)
{
    char err[256];
    hpac_sim_entry *e = hpac_sim_store_put(store, ns, name, object(ns, name, app), err,
                                           sizeof(err));
    if (!e)
        fail_msg("%s", err);
    return e;
}

typedef struct seen {
    char names[64][32];
    size_t count;
    size_t stop_after; /* 0: never */
} seen;

static bool record(void *ctx, const hpac_sim_entry *entry)
{
    seen *s = ctx;
    snprintf(s->names[s->count++], sizeof(s->names[0]), "%s/%s", entry->ns, entry->key);
    return s->stop_after == 0 || s->count < s->stop_after;
}

static bool record_ns(void *ctx, const char *ns)
{
    seen *s = ctx;
    snprintf(s->names[s->count++], sizeof(s->names[0]), "%s", ns);
    return true;
}

static void test_sim__store_by_namespace_and_selector(void **state)
{
    hpac_sim_store *store = hpac_sim_store_new();
    assert_non_null(store);
    put(store, "a", "web-0", "web");
    put(store, "b", "web-0", "web");
    put(store, "a", "db-0", "db");
    put(store, "a", "web-1", "web");
    put(store, "c", "bare", NULL);
    assert_int_equal(hpac_sim_store_count(store), 5);

    char err[256];
    hpac_selector *web = hpac_selector_parse("app=web", err, sizeof(err));
    assert_non_null(web);
    static const struct {
        const char *ns;
        bool use_selector;
        const char *want; /* comma-joined, in order */
    } CASES[] = {
        {"a", false, "a/web-0,a/db-0,a/web-1"},
        {"a", true, "a/web-0,a/web-1"},
        {"b", true, "b/web-0"},
        {"c", true, ""},
        {"c", false, "c/bare"},
        {"none", false, ""},
        {NULL, false, "a/web-0,a/db-0,a/web-1,b/web-0,c/bare"},
        {NULL, true, "a/web-0,a/web-1,b/web-0"},
    };
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        seen s = {0};
        hpac_sim_store_each(store, CASES[i].ns, CASES[i].use_selector ? web : NULL, record, &s);
        char joined[1024] = "";
        for (size_t j = 0; j < s.count; j++) {
            if (j)
                strcat(joined, ",");
            strcat(joined, s.names[j]);
        }
        if (strcmp(joined, CASES[i].want) != 0)
            fail_msg("case %zu: %s, want %s", i, joined, CASES[i].want);
    }
    /* The visitor stops the walk. */
    seen s = {.stop_after = 2};
    hpac_sim_store_each(store, NULL, NULL, record, &s);
    assert_int_equal(s.count, 2);

    seen nss = {0};
    hpac_sim_store_each_namespace(store, record_ns, &nss);
    assert_int_equal(nss.count, 3);
    assert_string_equal(nss.names[0], "a");
    assert_string_equal(nss.names[2], "c");
    hpac_selector_free(web);
    hpac_sim_store_free(store);
}

static void test_sim__store_replace_relabel_remove(void **state)
{
    hpac_sim_store *store = hpac_sim_store_new();
    char err[256];
    put(store, "a", "p0", "web");
    put(store, "a", "p1", "web");
    put(store, "a", "p2", "web");
    /* Replacing keeps the place in the listing and takes the new labels. */
    hpac_sim_entry *e = put(store, "a", "p0", "db");
    assert_int_equal(hpac_sim_store_count(store), 3);
    assert_string_equal(hpac_labels_get(&e->labels, "app"), "db");
    seen s = {0};
    hpac_sim_store_each(store, "a", NULL, record, &s);
    assert_string_equal(s.names[0], "a/p0");

    /* Relabel after changing the object in place. */
    e = hpac_sim_store_find(store, "a", "p1");
    assert_non_null(e);
    json_object_set_new(json_object_get(json_object_get(e->obj, "metadata"), "labels"), "app",
                        json_string("cache"));
    assert_string_equal(hpac_labels_get(&e->labels, "app"), "web");
    assert_int_equal(hpac_sim_store_relabel(store, e, err, sizeof(err)), 0);
    assert_string_equal(hpac_labels_get(&e->labels, "app"), "cache");
    /* Labels that are not strings: refused, the old ones kept. */
    json_object_set_new(json_object_get(json_object_get(e->obj, "metadata"), "labels"), "app",
                        json_integer(3));
    assert_int_equal(hpac_sim_store_relabel(store, e, err, sizeof(err)), -1);
    assert_string_equal(hpac_labels_get(&e->labels, "app"), "cache");

    assert_int_equal(hpac_sim_store_remove(store, "a", "p1"), 0);
    assert_int_equal(hpac_sim_store_remove(store, "a", "p1"), -1);
    assert_int_equal(hpac_sim_store_remove(store, "b", "p0"), -1);
    assert_null(hpac_sim_store_find(store, "a", "p1"));
    assert_int_equal(hpac_sim_store_count(store), 2);
    seen after = {0};
    hpac_sim_store_each(store, "a", NULL, record, &after);
    assert_int_equal(after.count, 2);
    assert_string_equal(after.names[0], "a/p0");
    assert_string_equal(after.names[1], "a/p2");

    /* A bad object is refused (and its reference released). */
    json_t *bad = json_pack("{s:{s:s, s:[]}}", "metadata", "name", "x", "labels");
    assert_null(hpac_sim_store_put(store, "a", "x", bad, err, sizeof(err)));
    assert_int_equal(hpac_sim_store_count(store), 2);

    /* Long keys use the heap path of the composite key. */
    char longkey[600];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    assert_non_null(hpac_sim_store_put(store, "a", longkey, object("a", "long", NULL), err,
                                       sizeof(err)));
    assert_non_null(hpac_sim_store_find(store, "a", longkey));
    assert_int_equal(hpac_sim_store_remove(store, "a", longkey), 0);
    hpac_sim_store_free(store);
}

typedef struct counter {
    size_t count;
    const char *ns; /* every entry visited must be in it */
    bool wrong_ns;
} counter;

static bool count_entry(void *ctx, const hpac_sim_entry *entry)
{
    counter *c = ctx;
    c->count++;
    if (c->ns && strcmp(entry->ns, c->ns) != 0)
        c->wrong_ns = true;
    return true;
}

/* Many pods in many namespaces: a namespace's list sees only its own. */
static void test_sim__store_many(void **state)
{
    hpac_sim_store *store = hpac_sim_store_new();
    char ns[32], name[32], err[256];
    enum { NS = 50, PER_NS = 200 };
    for (int n = 0; n < NS; n++) {
        for (int p = 0; p < PER_NS; p++) {
            snprintf(ns, sizeof(ns), "ns-%d", n);
            snprintf(name, sizeof(name), "pod-%d", p);
            assert_non_null(hpac_sim_store_put(store, ns, name,
                                               object(ns, name, p % 2 ? "odd" : "even"), err,
                                               sizeof(err)));
        }
    }
    assert_int_equal(hpac_sim_store_count(store), NS * PER_NS);
    hpac_selector *odd = hpac_selector_parse("app=odd", err, sizeof(err));
    assert_non_null(odd);
    counter c = {0, "ns-17", false};
    hpac_sim_store_each(store, "ns-17", odd, count_entry, &c);
    assert_int_equal(c.count, PER_NS / 2);
    assert_false(c.wrong_ns);
    counter all = {0, NULL, false};
    hpac_sim_store_each(store, NULL, odd, count_entry, &all);
    assert_int_equal(all.count, NS * PER_NS / 2);
    snprintf(name, sizeof(name), "pod-%d", PER_NS - 1);
    const hpac_sim_entry *e = hpac_sim_store_find(store, "ns-49", name);
    assert_non_null(e);
    assert_string_equal(e->ns, "ns-49");
    hpac_selector_free(odd);
    hpac_sim_store_free(store);
}

/* The label index gives the same answers as matching every entry, through
 * puts, replacements, relabels and removals. */
typedef struct name_set {
    char names[400][16];
    size_t count;
} name_set;

static bool add_name(void *ctx, const hpac_sim_entry *entry)
{
    name_set *set = ctx;
    assert_true(set->count < 400);
    snprintf(set->names[set->count++], sizeof(set->names[0]), "%s", entry->key);
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void sorted(name_set *set)
{
    qsort(set->names, set->count, sizeof(set->names[0]), compare_names);
}

static json_t *labelled(const char *name, unsigned seed)
{
    static const char *const APPS[] = {"web", "db", "cache"};
    static const char *const TIERS[] = {"a", "b"};
    json_t *labels = json_object();
    if (seed % 5 != 0)
        json_object_set_new(labels, "app", json_string(APPS[seed % 3]));
    if (seed % 7 != 0)
        json_object_set_new(labels, "tier", json_string(TIERS[(seed / 3) % 2]));
    if (seed % 4 == 0)
        json_object_set_new(labels, "canary", json_string("true"));
    return json_pack("{s:{s:s, s:o}}", "metadata", "name", name, "labels", labels);
}

static void check_against_scan(hpac_sim_store *store, const char *ns)
{
    static const char *const SELECTORS[] = {
        "",
        "app=web",
        "app==db",
        "app=web,tier=a",
        "tier=b,app=cache",
        "app=web,canary",
        "app=web,!canary",
        "app!=web",
        "app in (web,db)",
        "app in (web,db),tier=a",
        "app in (web,nobody)",
        "app in (nobody,other)",
        "tier in (a,b),app in (db,cache)",
        "app notin (web),tier==b",
        "app=nobody",
        "app=web,tier=c",
        "!app",
        "app",
    };
    char err[256];
    for (size_t i = 0; i < sizeof(SELECTORS) / sizeof(SELECTORS[0]); i++) {
        hpac_selector *sel = hpac_selector_parse(SELECTORS[i], err, sizeof(err));
        if (!sel)
            fail_msg("%s: %s", SELECTORS[i], err);
        name_set *indexed = calloc(1, sizeof(*indexed));
        name_set *scanned = calloc(1, sizeof(*scanned));
        assert_non_null(indexed);
        assert_non_null(scanned);
        hpac_sim_store_each(store, ns, sel, add_name, indexed);
        hpac_sim_store_each(store, ns, NULL, add_name, scanned);
        /* Brute force: keep the scanned entries the selector matches. */
        size_t kept = 0;
        for (size_t j = 0; j < scanned->count; j++) {
            const hpac_sim_entry *e = hpac_sim_store_find(store, ns, scanned->names[j]);
            assert_non_null(e);
            if (hpac_selector_matches(sel, &e->labels))
                memcpy(scanned->names[kept++], scanned->names[j], sizeof(scanned->names[0]));
        }
        scanned->count = kept;
        sorted(indexed);
        sorted(scanned);
        if (indexed->count != scanned->count)
            fail_msg("%s: %zu indexed, %zu scanned", SELECTORS[i], indexed->count,
                     scanned->count);
        for (size_t j = 0; j < kept; j++)
            assert_string_equal(indexed->names[j], scanned->names[j]);
        free(indexed);
        free(scanned);
        hpac_selector_free(sel);
    }
}

static void test_sim__store_label_index(void **state)
{
    hpac_sim_store *store = hpac_sim_store_new();
    char name[16], err[256];
    for (unsigned i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "p%u", i);
        assert_non_null(hpac_sim_store_put(store, "ns", name, labelled(name, i), err,
                                           sizeof(err)));
    }
    check_against_scan(store, "ns");
    /* Replace a third with other labels. */
    for (unsigned i = 0; i < 300; i += 3) {
        snprintf(name, sizeof(name), "p%u", i);
        assert_non_null(hpac_sim_store_put(store, "ns", name, labelled(name, i * 7 + 1), err,
                                           sizeof(err)));
    }
    check_against_scan(store, "ns");
    /* Relabel in place. */
    for (unsigned i = 1; i < 300; i += 5) {
        snprintf(name, sizeof(name), "p%u", i);
        hpac_sim_entry *e = hpac_sim_store_find(store, "ns", name);
        json_t *fresh = labelled(name, i + 11);
        json_object_set(json_object_get(e->obj, "metadata"), "labels",
                        json_object_get(json_object_get(fresh, "metadata"), "labels"));
        json_decref(fresh);
        assert_int_equal(hpac_sim_store_relabel(store, e, err, sizeof(err)), 0);
    }
    check_against_scan(store, "ns");
    /* Remove some. */
    for (unsigned i = 0; i < 300; i += 4) {
        snprintf(name, sizeof(name), "p%u", i);
        assert_int_equal(hpac_sim_store_remove(store, "ns", name), 0);
    }
    check_against_scan(store, "ns");
    check_against_scan(store, "empty");
    hpac_sim_store_free(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__map_put_get_remove),
        cmocka_unit_test(test_sim__store_by_namespace_and_selector),
        cmocka_unit_test(test_sim__store_replace_relabel_remove),
        cmocka_unit_test(test_sim__store_many),
        cmocka_unit_test(test_sim__store_label_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
