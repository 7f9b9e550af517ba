/* The router without HTTP: every reply to odd and random requests is a
 * well-formed answer, and nothing crashes or leaks (run under ASan). */
#include "test_support.h"

#include "sim/case.h"
#include "sim/sim_routes.h"
#include "sim/sim_state.h"
#include "sim/sim_watch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hpac_sim_state *state_of_case(const char *name)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/upstream/%s", HPAC_CASES_DIR, name);
    json_t *the_case = hpac_case_load(path, err, sizeof(err));
    if (!the_case)
        fail_msg("%s", err);
    hpac_sim_state *st = hpac_sim_state_new(json_object_get(the_case, "objects"), err,
                                            sizeof(err));
    json_decref(the_case);
    if (!st)
        fail_msg("%s", err);
    return st;
}

/* xorshift64: a fixed seed, so that a failure replays. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A random member of a static array. */
#define PICK(seed, arr) ((arr)[next_random(seed) % (sizeof(arr) / sizeof(*(arr)))])

static void check_reply(const hpac_sim_reply *out, const char *method, const char *path)
{
    if (out->code < 200 || out->code > 599)
        fail_msg("%s %s: code %d", method, path, out->code);
    if (out->watch)
        return;
    if (out->text) {
        assert_int_equal(out->code, 200);
        return;
    }
    if (!json_is_object(out->body))
        fail_msg("%s %s: no JSON object", method, path);
    if (out->code >= 400) {
        const char *kind = json_string_value(json_object_get(out->body, "kind"));
        if (!kind || strcmp(kind, "Status") != 0)
            fail_msg("%s %s: %d without a Status", method, path, out->code);
        assert_int_equal(json_integer_value(json_object_get(out->body, "code")), out->code);
    }
}

/* Replies by status code, to see that the random requests reach the
 * handlers and not only the 404 of unknown paths. */
static unsigned codes[600];

static void route_once(hpac_sim_state *st, const char *method, const char *path,
                       const char *body_text, const char *content_type, const char *selector,
                       bool watch)
{
    json_t *body = body_text ? json_loads(body_text, JSON_DECODE_ANY, NULL) : NULL;
    hpac_sim_request req = {
        .method = method,
        .path = path,
        .label_selector = selector,
        .metric_label_selector = selector,
        .watch = watch,
        .content_type = content_type,
        .body = body,
        .server_address = "127.0.0.1:1",
        .now_ms = 1795815302000LL,
    };
    hpac_sim_reply out = {0};
    hpac_sim_route(st, &req, &out);
    check_reply(&out, method, path);
    codes[out.code]++;
    if (out.watch) {
        char buf[4096];
        /* Drain what is ready; a watch never blocks here. */
        while (hpac_sim_watch_read(out.watch, buf, sizeof(buf)) > 0)
            ;
        hpac_sim_watch_free(out.watch);
    }
    json_decref(out.body);
    json_decref(body);
}

static void test_sim__routes_random_requests(void **state)
{
    static const char *const SEGMENTS[] = {
        "api", "apis", "v1", "v2", "v1beta1", "v1beta2", "namespaces", "default", "other",
        "pods", "*", "web", "web-0", "scale", "status", "apps", "deployments", "deployments.apps",
        "autoscaling", "hpac.io", "horizontalpodautoscalers", "metrics.k8s.io",
        "custom.metrics.k8s.io", "external.metrics.k8s.io", "qps", "metrics", "events",
        "events.k8s.io", "coordination.k8s.io", "leases", "replicationcontrollers", "nodes", "",
        "..", "%", "\xff\xfe", "a b", "x=y", "a,b", "(",
    };
    static const char *const METHODS[] = {"GET", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"};
    static const char *const BODIES[] = {
        NULL,
        "{}",
        "[]",
        "null",
        "3",
        "\"x\"",
        "{\"metadata\":{\"name\":\"web\",\"resourceVersion\":\"1\"},\"spec\":{\"replicas\":2}}",
        "{\"metadata\":{\"name\":\"web\"},\"status\":{\"desiredReplicas\":1}}",
        "{\"metadata\":{\"generateName\":\"g-\"},\"reason\":\"X\"}",
        "{\"metadata\":{\"name\":\"l\"},\"spec\":{\"holderIdentity\":\"a\"}}",
        "{\"metadata\":null,\"spec\":null,\"status\":null}",
        "{\"metadata\":{\"labels\":{\"a\":1}},\"spec\":{\"replicas\":-1}}",
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]",
        "[{\"op\":\"remove\",\"path\":\"\"}]",
        "{\"spec\":{\"replicas\":99999999999}}",
    };
    static const char *const TYPES[] = {NULL, "application/json", "application/merge-patch+json",
                                        "application/json-patch+json",
                                        "application/strategic-merge-patch+json", "text/plain"};
    static const char *const SELECTORS[] = {NULL, "", "app=web", "app in (", "!app", "a,b=c",
                                            "x notin (y)"};
    hpac_sim_state *st = state_of_case("ctl_scale_up_cm_object.json");
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char path[1024];
    /* Real paths, some taken as they are, most with segments swapped,
     * dropped or added at random. */
    static const char *const BASES[] = {
        "/api/v1/namespaces/default/pods",
        "/api/v1/namespaces/default/events",
        "/api/v1/namespaces/default/events/e",
        "/apis/events.k8s.io/v1/namespaces/default/events",
        "/apis/coordination.k8s.io/v1/namespaces/default/leases",
        "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
        "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/status",
        "/apis/hpac.io/v1/namespaces/default/horizontalpodautoscalers",
        "/apis/apps/v1/namespaces/default/deployments/web/scale",
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/"
        "some-deployment/qps",
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps",
        "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/qps",
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods",
        "/apis",
        "/api/v1",
    };
    for (int i = 0; i < 30000; i++) {
        char *segs[16];
        char base[512];
        size_t nsegs = 0;
        snprintf(base, sizeof(base), "%s", PICK(&seed, BASES));
        for (char *tok = strtok(base, "/"); tok && nsegs < 16; tok = strtok(NULL, "/"))
            segs[nsegs++] = tok;
        size_t len = 0;
        path[0] = '\0';
        unsigned mutations = next_random(&seed) % 3 == 0 ? 0 : 1 + next_random(&seed) % 3;
        for (unsigned m = 0; m < mutations && nsegs > 0; m++) {
            size_t at = next_random(&seed) % nsegs;
            switch (next_random(&seed) % 3) {
            case 0: /* swap */
                segs[at] = (char *)PICK(&seed, SEGMENTS);
                break;
            case 1: /* drop */
                memmove(&segs[at], &segs[at + 1], (nsegs - at - 1) * sizeof(*segs));
                nsegs--;
                break;
            default: /* add */
                if (nsegs < 16)
                    segs[nsegs++] = (char *)PICK(&seed, SEGMENTS);
                break;
            }
        }
        for (size_t j = 0; j < nsegs && len + 128 < sizeof(path); j++)
            len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", segs[j]);
        if (nsegs == 0 || next_random(&seed) % 13 == 0)
            len += (size_t)snprintf(path + len, sizeof(path) - len, "/");
        const char *method = PICK(&seed, METHODS);
        const char *body = PICK(&seed, BODIES);
        const char *type = PICK(&seed, TYPES);
        const char *selector = PICK(&seed, SELECTORS);
        bool watch = next_random(&seed) % 11 == 0;
        route_once(st, method, path, body, type, selector, watch);
    }
    static const struct {
        int code;
        unsigned at_least;
    } SEEN[] = {{200, 300}, {201, 5}, {400, 100}, {404, 1000}, {405, 100}, {409, 5}, {415, 20},
                {422, 20}};
    for (size_t i = 0; i < sizeof(SEEN) / sizeof(SEEN[0]); i++) {
        if (codes[SEEN[i].code] < SEEN[i].at_least)
            fail_msg("%u answers %d, want %u or more", codes[SEEN[i].code], SEEN[i].code,
                     SEEN[i].at_least);
    }
    /* The state survived all that, and every write was logged. */
    json_t *writes = hpac_sim_state_writes(st);
    assert_true(json_array_size(writes) > 1000);
    json_decref(writes);
    hpac_sim_state_free(st);
}

static void test_sim__routes_long_and_deep_paths(void **state)
{
    hpac_sim_state *st = state_of_case("ctl_scale_up.json");
    char *path = malloc(HPAC_SIM_PATH_MAX * 2);
    assert_non_null(path);
    /* Longer than the router looks at. */
    memset(path, 'a', HPAC_SIM_PATH_MAX * 2 - 1);
    path[0] = '/';
    path[HPAC_SIM_PATH_MAX * 2 - 1] = '\0';
    route_once(st, "GET", path, NULL, NULL, NULL, false);
    /* Many segments. */
    size_t len = 0;
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(path + len, HPAC_SIM_PATH_MAX * 2 - len, "/x");
    route_once(st, "GET", path, NULL, NULL, NULL, false);
    snprintf(path, HPAC_SIM_PATH_MAX, "/apis/apps/v1/namespaces/default/deployments/%0*d/scale",
             300, 7);
    route_once(st, "PUT", path, "{\"spec\":{\"replicas\":1}}", NULL, NULL, false);
    route_once(st, "GET", "", NULL, NULL, NULL, false);
    route_once(st, "GET", "no-slash", NULL, NULL, NULL, false);
    free(path);
    hpac_sim_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__routes_random_requests),
        cmocka_unit_test(test_sim__routes_long_and_deep_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
