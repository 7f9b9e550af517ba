/* The compact pod cache: copies equal what the decoder gives, selection
 * equals a brute-force scan (property test), replacement, removal,
 * interning, claims, and the 100,000-pod scale (bytes per pod, selection
 * that does not scan the cluster). */
#include "controller/pod_cache.h"
#include "test_support.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* ---- allocation failures ---- */

/* Outside ASan (which owns malloc), the test program replaces glibc's
 * allocator (a supported interposition) to fail the Nth allocation. */
#if !UNDER_ASAN
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static long fail_countdown = -1; /* -1: never; 0: the next allocation fails */
static bool failed_once;

static bool should_fail(void)
{
    if (fail_countdown < 0)
        return false;
    if (fail_countdown-- > 0)
        return false;
    failed_once = true;
    return true;
}

void *malloc(size_t size)
{
    return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    return should_fail() ? NULL : __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

/* ---- helpers ---- */

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s", jerr.text);
    return j;
}

static void upsert_text(hpac_pod_cache *c, const char *text)
{
    json_t *j = load(text);
    char err[256] = "";
    if (hpac_pod_cache_upsert(c, j, err, sizeof(err)) != 0)
        fail_msg("upsert: %s", err);
    json_decref(j);
}

static hpac_selector *parse(const char *text)
{
    char err[256];
    hpac_selector *sel = hpac_selector_parse(text, err, sizeof(err));
    if (!sel)
        fail_msg("selector %s: %s", text, err);
    return sel;
}

/* Names of the selected pods, space-separated. */
static void select_names(hpac_pod_cache *c, const char *ns, const char *selector, char *out,
                         size_t size)
{
    hpac_selector *sel = parse(selector);
    hpac_pod *pods = NULL;
    size_t count = 0;
    assert_int_equal(hpac_pod_cache_select(c, ns, sel, &pods, &count), 0);
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s/%s", i ? " " : "", pods[i].namespace, pods[i].name);
    }
    hpac_pods_free(pods, count);
    hpac_selector_free(sel);
}

static bool amounts_equal(const hpac_resource_amount *a, size_t na, const hpac_resource_amount *b,
                          size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        if (strcmp(a[i].name, b[i].name) != 0 || a[i].milli != b[i].milli)
            return false;
    }
    return true;
}

/* Field by field; the namespace of a pod without one is "" in the cache. */
static void assert_pod_equal(const hpac_pod *got, const hpac_pod *want)
{
    assert_string_equal(got->namespace, want->namespace ? want->namespace : "");
    assert_string_equal(got->name, want->name);
    assert_int_equal(got->labels.count, want->labels.count);
    for (size_t i = 0; i < got->labels.count; i++) {
        assert_string_equal(got->labels.items[i].key, want->labels.items[i].key);
        assert_string_equal(got->labels.items[i].value, want->labels.items[i].value);
    }
    assert_int_equal(got->phase, want->phase);
    assert_int_equal(got->deleting, want->deleting);
    assert_int_equal(got->start_time_ms, want->start_time_ms);
    assert_int_equal(got->has_ready_condition, want->has_ready_condition);
    assert_int_equal(got->ready, want->ready);
    assert_int_equal(got->ready_transition_ms, want->ready_transition_ms);
    assert_int_equal(got->container_count, want->container_count);
    for (size_t i = 0; i < got->container_count; i++) {
        assert_string_equal(got->containers[i].name, want->containers[i].name);
        assert_true(amounts_equal(got->containers[i].requests, got->containers[i].request_count,
                                  want->containers[i].requests,
                                  want->containers[i].request_count));
    }
    assert_true(amounts_equal(got->pod_requests, got->pod_request_count, want->pod_requests,
                              want->pod_request_count));
}

static const char *const full_pod =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\","
    "\"labels\":{\"app\":\"web\",\"tier\":\"frontend\",\"pod-template-hash\":\"7d9f\"},"
    "\"deletionTimestamp\":\"2026-11-27T21:40:00Z\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":"
    "{\"cpu\":\"250m\",\"memory\":\"64Mi\"}}},{\"name\":\"log\"}],"
    "\"initContainers\":[{\"name\":\"init\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}},"
    "{\"name\":\"proxy\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
    "{\"cpu\":\"100m\"}}}],"
    "\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"1Gi\"}}},"
    "\"status\":{\"phase\":\"Running\",\"startTime\":\"2026-11-27T21:30:00Z\","
    "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"},"
    "{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-27T21:31:02Z\"}]}}";

/* ---- basic behaviour ---- */

static void test_pod_cache__copies_equal_the_decoded_pod(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    assert_non_null(c);
    upsert_text(c, full_pod);
    upsert_text(c, "{\"metadata\":{\"name\":\"bare\"}}");
    assert_int_equal(hpac_pod_cache_count(c), 2);

    json_t *j = load(full_pod);
    hpac_pod want;
    char err[256];
    assert_int_equal(hpac_pod_from_json(j, &want, err, sizeof(err)), 0);
    json_decref(j);
    hpac_selector *sel = parse("app=web");
    hpac_pod *pods = NULL;
    uint32_t *ids = NULL;
    size_t count = 0;
    assert_int_equal(hpac_pod_cache_select_ids(c, "shop", sel, &pods, &ids, &count), 0);
    assert_int_equal(count, 1);
    assert_pod_equal(&pods[0], &want);
    /* The sidecar counts as a container; the plain init container not. */
    assert_int_equal(pods[0].container_count, 3);
    assert_string_equal(pods[0].containers[2].name, "proxy");
    hpac_pods_free(pods, count);
    free(ids);
    hpac_pod_clear(&want);
    hpac_selector_free(sel);

    /* The pod without namespace, labels, spec or status. */
    j = load("{\"metadata\":{\"name\":\"bare\"}}");
    assert_int_equal(hpac_pod_from_json(j, &want, err, sizeof(err)), 0);
    json_decref(j);
    sel = parse("");
    assert_int_equal(hpac_pod_cache_select(c, "", sel, &pods, &count), 0);
    assert_int_equal(count, 1);
    assert_pod_equal(&pods[0], &want);
    hpac_pods_free(pods, count);
    hpac_pod_clear(&want);
    hpac_selector_free(sel);
    hpac_pod_cache_free(c);
}

static void test_pod_cache__selection_table(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    static const char *const pods[] = {
        "{\"metadata\":{\"name\":\"c\",\"namespace\":\"a\",\"labels\":{\"app\":\"web\",\"v\":\"2\"}}}",
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"a\",\"labels\":{\"app\":\"web\",\"v\":\"1\","
        "\"canary\":\"yes\"}}}",
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"a\",\"labels\":{\"app\":\"api\"}}}",
        "{\"metadata\":{\"name\":\"d\",\"namespace\":\"b\",\"labels\":{\"app\":\"web\"}}}",
        "{\"metadata\":{\"name\":\"e\",\"namespace\":\"a\"}}",
    };
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++)
        upsert_text(c, pods[i]);
    static const struct {
        const char *ns;
        const char *selector;
        const char *want;
    } cases[] = {
        {"a", "app=web", "a/b a/c"},
        {"a", "app==web,!canary", "a/c"},
        {"a", "app in (web,api)", "a/a a/b a/c"},
        {"a", "app notin (web)", "a/a a/e"},
        {"a", "", "a/a a/b a/c a/e"},
        {"a", "canary", "a/b"},
        {"a", "v>1", "a/c"},
        {"a", "app=web,v<2", "a/b"},
        {"a", "app=nope", ""},
        {"a", "nokey=x", ""},
        {"a", "app=web,nokey in (x,y)", ""},
        {"b", "app=web", "b/d"},
        {"zzz", "", ""},
        {NULL, "app=web", "a/b a/c b/d"},
        {NULL, "", "a/a a/b a/c a/e b/d"},
    };
    char got[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        select_names(c, cases[i].ns, cases[i].selector, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s / \"%s\": got \"%s\", want \"%s\"", cases[i].ns ? cases[i].ns : "*",
                     cases[i].selector, got, cases[i].want);
    }
    /* The nothing selector (a null LabelSelector) selects nothing. */
    hpac_selector *nothing = hpac_selector_from_json(NULL, NULL, 0);
    hpac_pod *out = (hpac_pod *)1;
    size_t count = 7;
    assert_int_equal(hpac_pod_cache_select(c, "a", nothing, &out, &count), 0);
    assert_null(out);
    assert_int_equal(count, 0);
    hpac_selector_free(nothing);
    hpac_pod_cache_free(c);
}

static void test_pod_cache__upsert_replaces_and_keeps_the_id(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    upsert_text(c, "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":{\"app\":\"web\","
                   "\"v\":\"1\"}},\"status\":{\"phase\":\"Pending\"}}");
    hpac_selector *web = parse("app=web");
    uint32_t *ids = NULL;
    size_t count = 0;
    assert_int_equal(hpac_pod_cache_select_ids(c, "n", web, NULL, &ids, &count), 0);
    assert_int_equal(count, 1);
    uint32_t id = ids[0];
    free(ids);
    assert_int_equal(hpac_pod_cache_claim(c, &id, 1, 7, 1, NULL), 0);

    upsert_text(c, "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":{\"app\":\"api\","
                   "\"v\":\"1\"}},\"status\":{\"phase\":\"Running\"}}");
    assert_int_equal(hpac_pod_cache_count(c), 1);
    char got[256];
    select_names(c, "n", "app=web", got, sizeof(got));
    assert_string_equal(got, "");
    select_names(c, "n", "app=api,v=1", got, sizeof(got));
    assert_string_equal(got, "n/p");

    hpac_selector *api = parse("app=api");
    hpac_pod *pods = NULL;
    assert_int_equal(hpac_pod_cache_select_ids(c, "n", api, &pods, &ids, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(ids[0], id);
    assert_int_equal(pods[0].phase, HPAC_POD_RUNNING);
    hpac_pods_free(pods, count);
    free(ids);
    /* The claim survived the update: another HPA sees it. */
    uint32_t other = 0;
    assert_int_equal(hpac_pod_cache_claim(c, &id, 1, 8, 1, &other), 1);
    assert_int_equal(other, 7);

    /* Only one term for app now (the web one is gone). */
    hpac_pod_cache_stats st;
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.terms, 3); /* namespace, app=api, v=1 */

    /* A pod that does not decode leaves the previous version. */
    json_t *bad = load("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":{\"app\":3}}}");
    char err[256] = "";
    assert_int_equal(hpac_pod_cache_upsert(c, bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "labels"));
    json_decref(bad);
    select_names(c, "n", "app=api", got, sizeof(got));
    assert_string_equal(got, "n/p");
    hpac_selector_free(web);
    hpac_selector_free(api);
    hpac_pod_cache_free(c);
}

static void test_pod_cache__remove_gives_everything_back(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    char text[512];
    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof(text),
                 "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"ns%d\",\"labels\":"
                 "{\"app\":\"a%d\",\"u\":\"x%d\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                 "\"resources\":{\"requests\":{\"cpu\":\"%dm\"}}}]}}",
                 i, i % 3, i % 5, i, i + 1);
        upsert_text(c, text);
    }
    size_t loaded = hpac_pod_cache_memory(c);
    hpac_pod_cache_remove(c, "ns0", "nope");
    hpac_pod_cache_remove(c, "nope", "p0");
    hpac_pod_cache_remove(c, "ns1", "p0"); /* wrong namespace */
    assert_int_equal(hpac_pod_cache_count(c), 50);
    char got[256];
    hpac_pod_cache_remove(c, "ns0", "p0");
    select_names(c, "ns0", "app=a0", got, sizeof(got));
    assert_string_equal(got, "ns0/p15 ns0/p30 ns0/p45");
    for (int i = 1; i < 50; i++) {
        snprintf(text, sizeof(text), "ns%d", i % 3);
        char name[16];
        snprintf(name, sizeof(name), "p%d", i);
        hpac_pod_cache_remove(c, text, name);
    }
    hpac_pod_cache_stats st;
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.pods, 0);
    assert_int_equal(st.strings, 0);
    assert_int_equal(st.terms, 0);
    assert_int_equal(st.shapes, 0);
    assert_true(st.bytes < loaded);
    /* Ids are reused. */
    upsert_text(c, "{\"metadata\":{\"name\":\"again\",\"namespace\":\"ns0\"}}");
    hpac_selector *all = parse("");
    uint32_t *ids = NULL;
    size_t count = 0;
    assert_int_equal(hpac_pod_cache_select_ids(c, "ns0", all, NULL, &ids, &count), 0);
    assert_int_equal(count, 1);
    assert_true(ids[0] < 50);
    free(ids);
    hpac_selector_free(all);
    hpac_pod_cache_free(c);
}

static size_t load_labelled(hpac_pod_cache *c, int n, bool shared)
{
    char text[512];
    for (int i = 0; i < n; i++) {
        if (shared)
            snprintf(text, sizeof(text),
                     "{\"metadata\":{\"name\":\"pod-%05d\",\"namespace\":\"production\","
                     "\"labels\":{\"app.kubernetes.io/name\":\"checkout-service\","
                     "\"app.kubernetes.io/component\":\"backend\",\"tier\":\"web\"}}}",
                     i);
        else
            snprintf(text, sizeof(text),
                     "{\"metadata\":{\"name\":\"pod-%05d\",\"namespace\":\"production-%05d\","
                     "\"labels\":{\"app.kubernetes.io/name-%05d\":\"checkout-service-%05d\","
                     "\"app.kubernetes.io/component\":\"backend-%05d\",\"tier\":\"web-%05d\"}}}",
                     i, i, i, i, i, i);
        upsert_text(c, text);
    }
    return hpac_pod_cache_memory(c);
}

static void test_pod_cache__interning_shares_strings(void **state)
{
    (void)state;
    hpac_pod_cache *shared = hpac_pod_cache_new();
    hpac_pod_cache *unique = hpac_pod_cache_new();
    size_t a = load_labelled(shared, 2000, true);
    size_t b = load_labelled(unique, 2000, false);
    hpac_pod_cache_stats st;
    hpac_pod_cache_get_stats(shared, &st);
    assert_int_equal(st.strings, 7); /* namespace, 3 keys, 3 values */
    assert_int_equal(st.terms, 4);
    hpac_pod_cache_get_stats(unique, &st);
    assert_int_equal(st.strings, 2000 * 5 + 2); /* the keys "app.kubernetes.io/component" and "tier" shared */
    printf("2000 pods: %zu bytes with shared labels, %zu with unique ones\n", a, b);
    assert_true(a * 3 < b);
    hpac_pod_cache_free(shared);
    hpac_pod_cache_free(unique);
}

static void test_pod_cache__claims_find_ambiguous_selectors(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    char text[256];
    for (int i = 0; i < 10; i++) {
        snprintf(text, sizeof(text),
                 "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"n\",\"labels\":{\"app\":\"web\","
                 "\"track\":\"%s\"}}}",
                 i, i < 5 ? "stable" : "canary");
        upsert_text(c, text);
    }
    hpac_selector *web = parse("app=web");
    hpac_selector *canary = parse("track=canary");
    uint32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(hpac_pod_cache_select_ids(c, "n", web, NULL, &a, &na), 0);
    assert_int_equal(hpac_pod_cache_select_ids(c, "n", canary, NULL, &b, &nb), 0);
    assert_int_equal(na, 10);
    assert_int_equal(nb, 5);

    uint32_t other = 0;
    /* Epoch 1: HPA 1 first, then HPA 2 sees it at once. */
    assert_int_equal(hpac_pod_cache_claim(c, a, na, 1, 1, &other), 0);
    assert_int_equal(hpac_pod_cache_claim(c, b, nb, 2, 1, &other), 5);
    assert_int_equal(other, 1);
    /* Epoch 2: both see each other. */
    other = 0;
    assert_int_equal(hpac_pod_cache_claim(c, a, na, 1, 2, &other), 5);
    assert_int_equal(other, 2);
    assert_int_equal(hpac_pod_cache_claim(c, b, nb, 2, 2, &other), 5);
    assert_int_equal(other, 1);
    /* A third HPA on the canaries: contested too, and the first two
     * still see a rival. */
    assert_int_equal(hpac_pod_cache_claim(c, b, nb, 3, 2, &other), 5);
    assert_int_equal(hpac_pod_cache_claim(c, a, na, 1, 3, NULL), 5);
    assert_int_equal(hpac_pod_cache_claim(c, b, nb, 2, 3, NULL), 5);
    /* HPA 2 goes away (stops claiming): one period later it is forgotten
     * (HPA 3's last claim was in epoch 2, so it is gone by epoch 4 too). */
    assert_int_equal(hpac_pod_cache_claim(c, a, na, 1, 4, NULL), 5);
    assert_int_equal(hpac_pod_cache_claim(c, a, na, 1, 5, NULL), 0);
    /* A removed pod's claims go with it; unknown ids are skipped. */
    hpac_pod_cache_remove(c, "n", "p9");
    uint32_t stale[] = {a[9], 123456};
    assert_int_equal(hpac_pod_cache_claim(c, stale, 2, 2, 5, NULL), 0);
    free(a);
    free(b);
    hpac_selector_free(web);
    hpac_selector_free(canary);
    hpac_pod_cache_free(c);
}

#if !UNDER_ASAN
/* Everything the cache holds, as text: every pod with its labels and
 * requests, and the counts. */
static char *fingerprint(hpac_pod_cache *c)
{
    hpac_selector *all = parse("");
    hpac_pod *pods = NULL;
    size_t count = 0;
    assert_int_equal(hpac_pod_cache_select(c, NULL, all, &pods, &count), 0);
    hpac_selector_free(all);
    hpac_pod_cache_stats st;
    hpac_pod_cache_get_stats(c, &st);
    size_t size = 4096, len = 0;
    char *out = malloc(size);
    assert_non_null(out);
    len += (size_t)snprintf(out + len, size - len, "%zu %zu %zu %zu;", st.pods, st.strings,
                            st.terms, st.shapes);
    for (size_t i = 0; i < count; i++) {
        const hpac_pod *p = &pods[i];
        len += (size_t)snprintf(out + len, size - len, " %s/%s", p->namespace, p->name);
        for (size_t j = 0; j < p->labels.count; j++)
            len += (size_t)snprintf(out + len, size - len, " %s=%s", p->labels.items[j].key,
                                    p->labels.items[j].value);
        for (size_t j = 0; j < p->container_count; j++)
            len += (size_t)snprintf(out + len, size - len, " %s:%zu", p->containers[j].name,
                                    p->containers[j].request_count);
        assert_true(len < size);
    }
    hpac_pods_free(pods, count);
    return out;
}
#endif

static void test_pod_cache__allocation_failures_leave_the_cache_unchanged(void **state)
{
    (void)state;
#if UNDER_ASAN
    skip();
#else
    static const char *const changes[] = {
        /* New namespace, labels, shape. */
        "{\"metadata\":{\"name\":\"n1\",\"namespace\":\"fresh\",\"labels\":{\"app\":\"new\","
        "\"k\":\"v\"}},\"spec\":{\"containers\":[{\"name\":\"x\",\"resources\":{\"requests\":"
        "{\"cpu\":\"1\",\"nvidia.com/gpu\":\"2\"}}}],\"resources\":{\"requests\":{\"cpu\":\"3\"}}}}",
        /* An existing pod, relabelled and resized. */
        "{\"metadata\":{\"name\":\"p3\",\"namespace\":\"ns0\",\"labels\":{\"app\":\"moved\","
        "\"extra\":\"1\"}},\"spec\":{\"containers\":[{\"name\":\"main\",\"resources\":"
        "{\"requests\":{\"memory\":\"1Gi\"}}}]}}",
        /* An existing pod, unchanged labels. */
        "{\"metadata\":{\"name\":\"p4\",\"namespace\":\"ns1\",\"labels\":{\"app\":\"a0\"}}}",
    };
    for (size_t k = 0; k < sizeof(changes) / sizeof(changes[0]); k++) {
        int failures = 0;
        for (long n = 0;; n++) {
            hpac_pod_cache *c = hpac_pod_cache_new();
            char text[512];
            for (int i = 0; i < 12; i++) {
                snprintf(text, sizeof(text),
                         "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"ns%d\",\"labels\":"
                         "{\"app\":\"a%d\"}},\"spec\":{\"containers\":[{\"name\":\"main\","
                         "\"resources\":{\"requests\":{\"cpu\":\"%dm\"}}}]}}",
                         i, i % 2, i % 3, 100 * (i % 2 + 1));
                upsert_text(c, text);
            }
            json_t *pod = load(changes[k]);
            char *before = fingerprint(c);
            char err[256] = "";
            failed_once = false;
            fail_countdown = n;
            int rc = hpac_pod_cache_upsert(c, pod, err, sizeof(err));
            fail_countdown = -1;
            char *after = fingerprint(c);
            if (rc != 0) {
                assert_true(failed_once);
                if (strcmp(before, after) != 0)
                    fail_msg("change %zu, allocation %ld failed (%s): the cache changed\n"
                             "before: %s\nafter:  %s",
                             k, n, err, before, after);
                failures++;
            }
            bool done = rc == 0 && !failed_once;
            /* A select that cannot allocate fails cleanly, too. */
            if (!done) {
                hpac_selector *sel = parse("app in (a0,a1,new,moved)");
                hpac_pod *pods = NULL;
                uint32_t *ids = NULL;
                size_t count = 0;
                fail_countdown = n;
                rc = hpac_pod_cache_select_ids(c, NULL, sel, &pods, &ids, &count);
                fail_countdown = -1;
                if (rc != 0) {
                    assert_null(pods);
                    assert_null(ids);
                    assert_int_equal(count, 0);
                }
                hpac_pods_free(pods, count);
                free(ids);
                hpac_selector_free(sel);
            }
            free(before);
            free(after);
            json_decref(pod);
            hpac_pod_cache_free(c);
            if (done)
                break;
        }
        assert_true(failures > 5);
    }
#endif
}

/* ---- property test against a brute-force scan ---- */

#define NS_COUNT 3
#define NAME_COUNT 120

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

static const char *const keys[] = {"app", "tier", "env", "ver", "example.com/team"};
static const char *const values[] = {"v0", "v1", "v2", "v3"};
static const char *const numbers[] = {"1", "2", "3", "4"};
static const char *const phases[] = {"Pending", "Running", "Succeeded", "Failed", "Weird"};

static json_t *random_pod(int ns, int name)
{
    char nsname[16], podname[16];
    snprintf(nsname, sizeof(nsname), "ns%d", ns);
    snprintf(podname, sizeof(podname), "p%03d", name);
    json_t *labels = json_object();
    for (size_t k = 0; k < 5; k++) {
        if (rnd(10) < 6)
            json_object_set_new(labels, keys[k],
                                json_string(k == 3 ? numbers[rnd(4)] : values[rnd(4)]));
    }
    json_t *meta = json_pack("{s:s, s:s, s:o}", "name", podname, "namespace", nsname, "labels",
                             labels);
    if (rnd(5) == 0)
        json_object_set_new(meta, "deletionTimestamp", json_string("2026-01-01T00:00:00Z"));
    json_t *containers = json_array();
    int nc = (int)rnd(3);
    for (int i = 0; i < nc; i++) {
        char cpu[16];
        snprintf(cpu, sizeof(cpu), "%um", 1 + rnd(2000));
        json_t *req = json_pack("{s:s}", "cpu", cpu);
        if (rnd(2))
            json_object_set_new(req, "memory", json_string("128Mi"));
        json_array_append_new(containers, json_pack("{s:s, s:{s:o}}", "name", i ? "side" : "main",
                                                    "resources", "requests", req));
    }
    json_t *spec = json_pack("{s:o}", "containers", containers);
    if (rnd(3) == 0)
        json_object_set_new(spec, "initContainers",
                            json_pack("[{s:s, s:s, s:{s:{s:s}}}]", "name", "proxy",
                                      "restartPolicy", rnd(2) ? "Always" : "Never", "resources",
                                      "requests", "cpu", "50m"));
    if (rnd(4) == 0)
        json_object_set_new(spec, "resources", json_pack("{s:{s:s}}", "requests", "cpu", "3"));
    char start[32];
    snprintf(start, sizeof(start), "2026-11-27T21:%02u:%02uZ", rnd(60), rnd(60));
    json_t *status = json_pack("{s:s, s:s}", "phase", phases[rnd(5)], "startTime", start);
    if (rnd(4) != 0)
        json_object_set_new(status, "conditions",
                            json_pack("[{s:s, s:s, s:s}]", "type", "Ready", "status",
                                      rnd(2) ? "True" : "False", "lastTransitionTime", start));
    return json_pack("{s:o, s:o, s:o}", "metadata", meta, "spec", spec, "status", status);
}

static void random_selector(char *out, size_t size)
{
    out[0] = '\0';
    int n = (int)rnd(4); /* 0: everything */
    for (int i = 0; i < n; i++) {
        size_t len = strlen(out);
        const char *k = keys[rnd(5)];
        const char *v = strcmp(k, "ver") == 0 ? numbers[rnd(4)] : values[rnd(4)];
        const char *w = values[rnd(4)];
        const char *sep = i ? "," : "";
        switch (rnd(9)) {
        case 0: snprintf(out + len, size - len, "%s%s=%s", sep, k, v); break;
        case 1: snprintf(out + len, size - len, "%s%s==%s", sep, k, v); break;
        case 2: snprintf(out + len, size - len, "%s%s!=%s", sep, k, v); break;
        case 3: snprintf(out + len, size - len, "%s%s in (%s,%s)", sep, k, v, w); break;
        case 4: snprintf(out + len, size - len, "%s%s notin (%s)", sep, k, v); break;
        case 5: snprintf(out + len, size - len, "%s%s", sep, k); break;
        case 6: snprintf(out + len, size - len, "%s!%s", sep, k); break;
        case 7: snprintf(out + len, size - len, "%sver>%u", sep, rnd(4)); break;
        default: snprintf(out + len, size - len, "%sver<%u", sep, 1 + rnd(4)); break;
        }
    }
}

/* The reference: every live pod's JSON, decoded and matched one by one. */
static void check_against_scan(hpac_pod_cache *c, json_t *ref[NS_COUNT][NAME_COUNT], int ns,
                               const char *selector)
{
    hpac_selector *sel = parse(selector);
    hpac_pod *got = NULL;
    size_t count = 0;
    char nsname[16];
    snprintf(nsname, sizeof(nsname), "ns%d", ns);
    assert_int_equal(hpac_pod_cache_select(c, ns >= 0 ? nsname : NULL, sel, &got, &count), 0);
    size_t want = 0;
    for (int n = 0; n < NS_COUNT; n++) {
        if (ns >= 0 && n != ns)
            continue;
        for (int i = 0; i < NAME_COUNT; i++) {
            if (!ref[n][i])
                continue;
            hpac_pod pod;
            char err[256];
            assert_int_equal(hpac_pod_from_json(ref[n][i], &pod, err, sizeof(err)), 0);
            if (hpac_selector_matches(sel, &pod.labels)) {
                /* Both are ordered by namespace, then name. */
                if (want >= count)
                    fail_msg("\"%s\" in %s: the cache misses %s/%s", selector, nsname, pod.namespace,
                             pod.name);
                assert_pod_equal(&got[want], &pod);
                want++;
            }
            hpac_pod_clear(&pod);
        }
    }
    if (want != count)
        fail_msg("\"%s\": the cache selected %zu pods, the scan %zu", selector, count, want);
    hpac_pods_free(got, count);
    hpac_selector_free(sel);
}

static void test_pod_cache__matches_a_brute_force_scan(void **state)
{
    (void)state;
    hpac_pod_cache *c = hpac_pod_cache_new();
    json_t *ref[NS_COUNT][NAME_COUNT] = {{NULL}};
    int selects = 0;
    for (int step = 0; step < 6000; step++) {
        int ns = (int)rnd(NS_COUNT), name = (int)rnd(NAME_COUNT);
        uint32_t op = rnd(10);
        if (op < 6) {
            json_t *pod = random_pod(ns, name);
            char err[256];
            if (hpac_pod_cache_upsert(c, pod, err, sizeof(err)) != 0)
                fail_msg("upsert: %s", err);
            json_decref(ref[ns][name]);
            ref[ns][name] = pod;
        } else if (op < 8) {
            char nsname[16], podname[16];
            snprintf(nsname, sizeof(nsname), "ns%d", ns);
            snprintf(podname, sizeof(podname), "p%03d", name);
            hpac_pod_cache_remove(c, nsname, podname);
            json_decref(ref[ns][name]);
            ref[ns][name] = NULL;
        } else {
            char selector[256];
            random_selector(selector, sizeof(selector));
            check_against_scan(c, ref, rnd(8) == 0 ? -1 : ns, selector);
            selects++;
        }
    }
    size_t live = 0;
    for (int n = 0; n < NS_COUNT; n++) {
        for (int i = 0; i < NAME_COUNT; i++) {
            live += ref[n][i] != NULL;
            json_decref(ref[n][i]);
        }
    }
    assert_int_equal(hpac_pod_cache_count(c), live);
    assert_true(selects > 1000);
    hpac_pod_cache_free(c);
}

/* ---- scale ---- */

#define BIG 100000
#define BIG_NAMESPACES 100
#define PODS_PER_APP 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A pod as a Deployment makes it: 10 per app, apps spread over 100
 * namespaces, two containers with cpu and memory requests. */
static json_t *big_pod(int i)
{
    int app = i / PODS_PER_APP;
    char ns[32], name[64], appname[32], hash[16], start[32];
    snprintf(ns, sizeof(ns), "team-%02d", app % BIG_NAMESPACES);
    snprintf(appname, sizeof(appname), "app-%05d", app);
    snprintf(hash, sizeof(hash), "%08x", (unsigned)(app * 2654435761u));
    snprintf(name, sizeof(name), "%s-%s-%05d", appname, hash, i);
    snprintf(start, sizeof(start), "2026-11-27T%02d:%02d:%02dZ", i % 24, i % 60, (i / 60) % 60);
    return json_pack(
        "{s:{s:s, s:s, s:s, s:{s:s, s:s, s:s}},"
        " s:{s:[{s:s, s:{s:{s:s, s:s}}}, {s:s, s:{s:{s:s, s:s}}}]},"
        " s:{s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}}",
        "metadata", "name", name, "namespace", ns, "uid", "0b7e8c4e-1111-2222-3333-444455556666",
        "labels", "app", appname, "pod-template-hash", hash, "tier", app % 2 ? "web" : "worker",
        "spec", "containers", "name", "app", "resources", "requests", "cpu", "250m", "memory",
        "256Mi", "name", "istio-proxy", "resources", "requests", "cpu", "100m", "memory", "128Mi",
        "status", "phase", "Running", "startTime", start, "conditions", "type", "Initialized",
        "status", "True", "lastTransitionTime", start, "type", "Ready", "status", "True",
        "lastTransitionTime", start);
}

static void test_pod_cache__hundred_thousand_pods(void **state)
{
    (void)state;
    struct mallinfo2 before = mallinfo2();
    hpac_pod_cache *c = hpac_pod_cache_new();
    double t0 = now_s();
    for (int i = 0; i < BIG; i++) {
        json_t *pod = big_pod(i);
        char err[256];
        if (hpac_pod_cache_upsert(c, pod, err, sizeof(err)) != 0)
            fail_msg("pod %d: %s", i, err);
        json_decref(pod);
    }
    double load_s = now_s() - t0;
    struct mallinfo2 after = mallinfo2();
    hpac_pod_cache_stats st;
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.pods, BIG);
    double estimate = (double)st.bytes / BIG;
    /* Small chunks come from the arena, large arrays from mmap. */
    double measured =
        ((double)after.uordblks + (double)after.hblkhd - (double)before.uordblks -
         (double)before.hblkhd) /
        BIG;
    printf("100000 pods: %.1f bytes/pod estimated, %.1f bytes/pod by mallinfo%s; "
           "%zu strings, %zu terms; loaded in %.2f s\n",
           estimate, measured, UNDER_ASAN ? " (ASan: not meaningful)" : "", st.strings, st.terms,
           load_s);
    /* Every replica has the same containers: one shape. */
    assert_int_equal(st.shapes, 1);
    assert_true(estimate < 200);
    if (!UNDER_ASAN) {
        assert_true(measured < 210);
        /* The estimate tracks the heap within 15%. */
        assert_true(estimate > measured * 0.85 && estimate < measured * 1.15);
    }

    /* One HPA's 10 pods: only its posting list is visited. */
    hpac_selector *sel = parse("app=app-01234,tier in (web,worker)");
    hpac_pod *pods = NULL;
    size_t count = 0;
    uint64_t visited = st.visited;
    assert_int_equal(hpac_pod_cache_select(c, "team-34", sel, &pods, &count), 0);
    assert_int_equal(count, PODS_PER_APP);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(hpac_labels_get(&pods[i].labels, "app"), "app-01234");
    hpac_pods_free(pods, count);
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.visited - visited, PODS_PER_APP);

    /* 10,000 such selections, each HPA's own. */
    t0 = now_s();
    visited = st.visited;
    for (int app = 0; app < BIG / PODS_PER_APP; app++) {
        char text[64], ns[32];
        snprintf(text, sizeof(text), "app=app-%05d", app);
        snprintf(ns, sizeof(ns), "team-%02d", app % BIG_NAMESPACES);
        hpac_selector *s = parse(text);
        assert_int_equal(hpac_pod_cache_select(c, ns, s, &pods, &count), 0);
        assert_int_equal(count, PODS_PER_APP);
        hpac_pods_free(pods, count);
        hpac_selector_free(s);
    }
    double select_s = now_s() - t0;
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.visited - visited, (uint64_t)BIG);
    printf("10000 selections of 10 pods: %.1f us each\n", select_s * 1e6 / (BIG / PODS_PER_APP));

    /* No equality requirement: the namespace only, not the cluster. */
    hpac_selector_free(sel);
    sel = parse("!canary");
    visited = st.visited;
    assert_int_equal(hpac_pod_cache_select(c, "team-34", sel, &pods, &count), 0);
    assert_int_equal(count, BIG / BIG_NAMESPACES);
    hpac_pods_free(pods, count);
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.visited - visited, BIG / BIG_NAMESPACES);
    hpac_selector_free(sel);

    /* Churn: every pod replaced (new status), then all removed. */
    for (int i = 0; i < BIG; i += 7) {
        json_t *pod = big_pod(i);
        json_object_set_new(json_object_get(pod, "status"), "phase", json_string("Failed"));
        char err[256];
        assert_int_equal(hpac_pod_cache_upsert(c, pod, err, sizeof(err)), 0);
        json_decref(pod);
    }
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.pods, BIG);
    for (int i = 0; i < BIG; i++) {
        json_t *pod = big_pod(i);
        json_t *meta = json_object_get(pod, "metadata");
        hpac_pod_cache_remove(c, json_string_value(json_object_get(meta, "namespace")),
                              json_string_value(json_object_get(meta, "name")));
        json_decref(pod);
    }
    hpac_pod_cache_get_stats(c, &st);
    assert_int_equal(st.pods, 0);
    assert_int_equal(st.strings, 0);
    assert_int_equal(st.terms, 0);
    assert_int_equal(st.shapes, 0);
    hpac_pod_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_cache__copies_equal_the_decoded_pod),
        cmocka_unit_test(test_pod_cache__selection_table),
        cmocka_unit_test(test_pod_cache__upsert_replaces_and_keeps_the_id),
        cmocka_unit_test(test_pod_cache__remove_gives_everything_back),
        cmocka_unit_test(test_pod_cache__interning_shares_strings),
        cmocka_unit_test(test_pod_cache__claims_find_ambiguous_selectors),
        cmocka_unit_test(test_pod_cache__allocation_failures_leave_the_cache_unchanged),
        cmocka_unit_test(test_pod_cache__matches_a_brute_force_scan),
        cmocka_unit_test(test_pod_cache__hundred_thousand_pods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
