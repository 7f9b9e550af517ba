/* Paging of the simulator's pod and HPA lists (limit/continue): every
 * object exactly once, in order, pages no larger than the limit, the first
 * page's resourceVersion on every page, and 400 for malformed input. */
#include "test_support.h"
#include "sim/sim_server.h"

#include "sim_http.h"

#include <stdio.h>
#include <string.h>

#define PODS 23
#define HPAS 7

static json_t *objects(void)
{
    json_t *pods = json_array(), *hpas = json_array();
    for (int i = 0; i < PODS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "p-%02d", i);
        json_array_append_new(pods, json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}}", "apiVersion",
                                              "v1", "kind", "Pod", "metadata", "name", name,
                                              "namespace", i % 2 ? "odd" : "even", "labels", "app",
                                              i % 3 ? "web" : "db"));
    }
    for (int i = 0; i < HPAS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "h-%d", i);
        json_array_append_new(
            hpas, json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}, s:i}}", "apiVersion",
                            "autoscaling/v2", "kind", "HorizontalPodAutoscaler", "metadata", "name",
                            name, "namespace", "default", "spec", "scaleTargetRef", "apiVersion",
                            "apps/v1", "kind", "Deployment", "name", name, "maxReplicas", 5));
    }
    return json_pack("{s:o, s:o, s:[]}", "pods", pods, "hpas", hpas, "targets");
}

static hpac_sim_server *start(void)
{
    char err[512];
    json_t *objs = objects();
    hpac_sim_options opts = {0};
    hpac_sim_server *sim = hpac_sim_start(objs, &opts, err, sizeof(err));
    json_decref(objs);
    if (!sim)
        fail_msg("hpac_sim_start: %s", err);
    return sim;
}

/* GETs `path`, asserts `code`; returns the body (caller decrefs). */
static json_t *get(hpac_sim_server *sim, const char *path, long code)
{
    sim_http_result r;
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "GET", path, NULL, 0, NULL, NULL, &r),
                     0);
    if (r.code != code)
        fail_msg("GET %s: %ld, want %ld: %s", path, r.code, code, r.raw);
    json_t *body = json_incref(r.json);
    sim_http_result_free(&r);
    assert_non_null(body);
    return body;
}

/* Lists `collection` (with `query`, may be "") in pages of `limit`;
 * returns the names in order as "a,b,c," and the number of pages. */
static void list_all(hpac_sim_server *sim, const char *collection, const char *query,
                     unsigned limit, char *names, size_t size, int *pages)
{
    char path[512], token[128] = "", first_rv[64] = "";
    size_t used = 0;
    *pages = 0;
    names[0] = '\0';
    for (;;) {
        if (token[0])
            snprintf(path, sizeof(path), "%s?%slimit=%u&continue=%s", collection, query, limit,
                     token);
        else
            snprintf(path, sizeof(path), "%s?%slimit=%u", collection, query, limit);
        json_t *list = get(sim, path, 200);
        json_t *items = json_object_get(list, "items");
        const json_t *meta = json_object_get(list, "metadata");
        const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
        assert_non_null(rv);
        if (*pages == 0)
            snprintf(first_rv, sizeof(first_rv), "%s", rv);
        else
            assert_string_equal(rv, first_rv);
        assert_true(json_array_size(items) <= limit);
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            const char *name =
                json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
            used += (size_t)snprintf(names + used, size - used, "%s,", name);
            assert_true(used < size);
        }
        (*pages)++;
        const char *cont = json_string_value(json_object_get(meta, "continue"));
        if (!cont) {
            json_decref(list);
            return;
        }
        /* A page that says there is more is full. */
        assert_int_equal(json_array_size(items), limit);
        snprintf(token, sizeof(token), "%s", cont);
        json_decref(list);
        assert_true(*pages <= PODS + 1);
    }
}

typedef struct paging_case {
    const char *collection;
    const char *query;
    unsigned limit;
    int pages;
} paging_case;

static void test_sim__paging_lists_everything_once(void **state)
{
    (void)state;
    hpac_sim_server *sim = start();
    static const paging_case cases[] = {
        {"/api/v1/pods", "", 5, 5},
        {"/api/v1/pods", "", 23, 1},
        {"/api/v1/pods", "", 1, 23},
        {"/api/v1/pods", "", 100, 1},
        {"/api/v1/namespaces/odd/pods", "", 4, 3},
        {"/api/v1/pods", "labelSelector=app%3Dweb&", 4, 4},
        {"/apis/autoscaling/v2/horizontalpodautoscalers", "", 3, 3},
        {"/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", "", 7, 1},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char paged[2048], whole[2048], path[512];
        int pages = 0;
        list_all(sim, cases[c].collection, cases[c].query, cases[c].limit, paged, sizeof(paged),
                 &pages);
        /* The same names, in the same order, as one unpaged list. */
        snprintf(path, sizeof(path), "%s?%s", cases[c].collection, cases[c].query);
        json_t *list = get(sim, path, 200);
        size_t used = 0, i;
        json_t *item;
        whole[0] = '\0';
        json_array_foreach(json_object_get(list, "items"), i, item)
        {
            used += (size_t)snprintf(
                whole + used, sizeof(whole) - used, "%s,",
                json_string_value(json_object_get(json_object_get(item, "metadata"), "name")));
        }
        assert_null(json_object_get(json_object_get(list, "metadata"), "continue"));
        json_decref(list);
        if (strcmp(paged, whole) != 0 || pages != cases[c].pages)
            fail_msg("%s?%slimit=%u: %d pages \"%s\", want %d pages \"%s\"", cases[c].collection,
                     cases[c].query, cases[c].limit, pages, paged, cases[c].pages, whole);
    }
    hpac_sim_stop(sim);
}

static void test_sim__paging_rejects_malformed_input(void **state)
{
    (void)state;
    hpac_sim_server *sim = start();
    static const char *const bad[] = {
        "/api/v1/pods?limit=-1",
        "/api/v1/pods?limit=ten",
        "/api/v1/pods?limit=5&continue=nonsense",
        "/api/v1/pods?limit=5&continue=:3",
        "/api/v1/pods?limit=5&continue=12:x",
        "/apis/autoscaling/v2/horizontalpodautoscalers?limit=1x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        json_decref(get(sim, bad[i], 400));
    /* limit=0 is no limit, as on the API server. */
    json_t *list = get(sim, "/api/v1/pods?limit=0", 200);
    assert_int_equal(json_array_size(json_object_get(list, "items")), PODS);
    json_decref(list);
    hpac_sim_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__paging_lists_everything_once),
        cmocka_unit_test(test_sim__paging_rejects_malformed_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
