/* Kind -> resource resolution: served discovery, cache, refresh on a miss,
 * servers without discovery (guess), errors. */
#include "kube/discovery.h"
#include "../http/mock_server.h"
#include "test_support.h"

#include <ev.h>

#include <stdlib.h>
#include <string.h>

typedef enum mode {
    SERVE,       /* discovery documents */
    NOT_SERVED,  /* 404 everywhere */
    BROKEN,      /* 500 everywhere */
    NOT_A_LIST,  /* 200 with something else */
} mode;

typedef struct server_state {
    mode mode;
    bool with_widget; /* the CRD "Widget" appears in example.com/v1 */
} server_state;

static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    server_state *st = ctx;
    if (st->mode == NOT_SERVED) {
        mock_reply_printf(rep, 404, "404 page not found");
        return;
    }
    if (st->mode == BROKEN) {
        mock_reply_printf(rep, 500, "etcd is down");
        return;
    }
    if (st->mode == NOT_A_LIST) {
        mock_reply_printf(rep, 200, "{\"hello\":\"world\"}");
        return;
    }
    if (strcmp(req->uri, "/apis/apps/v1") == 0) {
        mock_reply_printf(
            rep, 200,
            "{\"kind\":\"APIResourceList\",\"groupVersion\":\"apps/v1\",\"resources\":["
            "{\"name\":\"deployments\",\"singularName\":\"deployment\",\"namespaced\":true,"
            "\"kind\":\"Deployment\",\"verbs\":[\"get\"]},"
            "{\"name\":\"deployments/scale\",\"namespaced\":true,\"group\":\"autoscaling\","
            "\"version\":\"v1\",\"kind\":\"Scale\",\"verbs\":[\"get\"]},"
            "{\"name\":\"statefulsets\",\"namespaced\":true,\"kind\":\"StatefulSet\"}]}");
    } else if (strcmp(req->uri, "/api/v1") == 0) {
        mock_reply_printf(rep, 200,
                          "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
                          "{\"name\":\"replicationcontrollers\","
                          "\"kind\":\"ReplicationController\"},"
                          "{\"name\":\"replicationcontrollers/scale\",\"kind\":\"Scale\"},"
                          "{\"name\":\"pods\",\"kind\":\"Pod\"}]}");
    } else if (strcmp(req->uri, "/apis/example.com/v1") == 0) {
        if (st->with_widget)
            mock_reply_printf(rep, 200,
                              "{\"kind\":\"APIResourceList\",\"resources\":["
                              "{\"name\":\"widgetries\",\"kind\":\"Widget\"}]}");
        else
            mock_reply_printf(rep, 200, "{\"kind\":\"APIResourceList\",\"resources\":[]}");
    } else {
        mock_reply_printf(rep, 404, "404 page not found");
    }
}

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

static bool run_until(struct ev_loop *loop, const int *counter, int target, double timeout_s)
{
    ev_timer guard;
    ev_timer_init(&guard, wake, 0.02, 0.02);
    ev_timer_start(loop, &guard);
    ev_now_update(loop);
    double deadline = ev_now(loop) + timeout_s;
    while (*counter < target && ev_now(loop) < deadline)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
    return *counter >= target;
}

typedef struct fixture {
    struct ev_loop *loop;
    server_state state;
    mock_server *server;
    hpac_kube *kube;
    hpac_discovery *disc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->server = mock_start(handler, &f->state, NULL, NULL);
    assert_non_null(f->server);
    char server[128];
    snprintf(server, sizeof(server), "http://127.0.0.1:%u", (unsigned)f->server->port);
    hpac_kube_config cfg = {.server = server};
    char err[256];
    f->kube = hpac_kube_new(f->loop, &cfg, err, sizeof(err));
    assert_non_null(f->kube);
    f->disc = hpac_discovery_new(f->kube);
    assert_non_null(f->disc);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hpac_discovery_free(f->disc);
    hpac_kube_free(f->kube);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

typedef struct answer {
    int calls;
    char resource[128];
    char error[512];
    bool has_resource, has_error;
    int *counter;
} answer;

static void on_answer(void *ctx, const char *resource, const char *error)
{
    answer *a = ctx;
    a->calls++;
    a->has_resource = resource != NULL;
    a->has_error = error != NULL;
    snprintf(a->resource, sizeof(a->resource), "%s", resource ? resource : "");
    snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
    if (a->counter)
        (*a->counter)++;
}

static answer resolve(fixture *f, const char *api_version, const char *kind)
{
    answer a = {0};
    assert_non_null(hpac_discovery_resolve(f->disc, api_version, kind, on_answer, &a));
    assert_int_equal(a.calls, 0); /* never from inside resolve, even from the cache */
    assert_true(run_until(f->loop, &a.calls, 1, 5));
    assert_int_equal(a.calls, 1);
    assert_true(a.has_resource != a.has_error);
    return a;
}

static void test_discovery__served(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *api_version, *kind, *resource, *error;
    } table[] = {
        {"apps/v1", "Deployment", "deployments", NULL},
        {"apps/v1", "StatefulSet", "statefulsets", NULL},
        {"v1", "ReplicationController", "replicationcontrollers", NULL},
        /* Scale exists only as subresources: not a scalable kind. */
        {"apps/v1", "Scale", NULL, "no matches for kind \"Scale\" in version \"apps/v1\""},
        {"apps/v1", "Foo", NULL, "no matches for kind \"Foo\" in version \"apps/v1\""},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        answer a = resolve(f, table[i].api_version, table[i].kind);
        if (table[i].resource) {
            if (!a.has_resource)
                fail_msg("%s %s: %s", table[i].api_version, table[i].kind, a.error);
            assert_string_equal(a.resource, table[i].resource);
        } else {
            assert_string_equal(a.error, table[i].error);
        }
    }
    /* One fetch per group-version; the misses came within the refresh
     * interval and did not refetch. */
    assert_int_equal(mock_requests(f->server), 2);

    char *cached = hpac_discovery_lookup(f->disc, "apps/v1", "Deployment");
    assert_string_equal(cached, "deployments");
    free(cached);
    assert_null(hpac_discovery_lookup(f->disc, "apps/v1", "Foo"));
    assert_null(hpac_discovery_lookup(f->disc, "batch/v1", "Job"));
}

static void test_discovery__cache_hits_do_not_fetch(void **state)
{
    fixture *f = *state;
    answer a = resolve(f, "apps/v1", "Deployment");
    assert_string_equal(a.resource, "deployments");
    for (int i = 0; i < 3; i++) {
        a = resolve(f, "apps/v1", "Deployment");
        assert_string_equal(a.resource, "deployments");
    }
    assert_int_equal(mock_requests(f->server), 1);
}

static void test_discovery__miss_refreshes_after_interval(void **state)
{
    fixture *f = *state;
    answer a = resolve(f, "example.com/v1", "Widget");
    assert_true(a.has_error);
    assert_int_equal(mock_requests(f->server), 1);

    /* The CRD appears; within the interval the miss is still cached. */
    f->state.with_widget = true;
    a = resolve(f, "example.com/v1", "Widget");
    assert_true(a.has_error);
    assert_int_equal(mock_requests(f->server), 1);

    /* Past the interval a miss refetches. */
    hpac_discovery_set_refresh_interval_ms(f->disc, 0);
    a = resolve(f, "example.com/v1", "Widget");
    assert_string_equal(a.resource, "widgetries"); /* served, not guessed */
    assert_int_equal(mock_requests(f->server), 2);
    /* Now a hit: no fetch even with a zero interval. */
    a = resolve(f, "example.com/v1", "Widget");
    assert_int_equal(mock_requests(f->server), 2);
}

static void test_discovery__concurrent_resolutions_share_a_fetch(void **state)
{
    fixture *f = *state;
    int done = 0;
    answer a[3];
    memset(a, 0, sizeof(a));
    const char *kinds[3] = {"Deployment", "StatefulSet", "Nope"};
    for (int i = 0; i < 3; i++) {
        a[i].counter = &done;
        assert_non_null(hpac_discovery_resolve(f->disc, "apps/v1", kinds[i], on_answer, &a[i]));
    }
    assert_true(run_until(f->loop, &done, 3, 5));
    assert_string_equal(a[0].resource, "deployments");
    assert_string_equal(a[1].resource, "statefulsets");
    assert_true(a[2].has_error);
    assert_int_equal(mock_requests(f->server), 1);
}

static void test_discovery__not_served_falls_back_to_guess(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *api_version, *kind, *resource;
    } table[] = {
        {"apps/v1", "Deployment", "deployments"},
        {"v1", "ReplicationController", "replicationcontrollers"},
        {"networking.k8s.io/v1", "Ingress", "ingresses"},
        {"networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"},
        {"v1", "Endpoints", "endpoints"},
        {"example.com/v1", "Box", "boxs"}, /* upstream's guess knows no more English */
    };
    for (mode m = NOT_SERVED; m <= NOT_A_LIST; m++) {
        if (m == BROKEN)
            continue;
        f->state.mode = m;
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
            answer a = resolve(f, table[i].api_version, table[i].kind);
            if (!a.has_resource)
                fail_msg("mode %d %s: %s", (int)m, table[i].kind, a.error);
            assert_string_equal(a.resource, table[i].resource);
        }
        char *guess = hpac_discovery_lookup(f->disc, "apps/v1", "Deployment");
        assert_string_equal(guess, "deployments");
        free(guess);
        hpac_discovery_free(f->disc);
        f->disc = hpac_discovery_new(f->kube);
        assert_non_null(f->disc);
    }
}

static void test_discovery__server_errors_are_reported(void **state)
{
    fixture *f = *state;
    f->state.mode = BROKEN;
    answer a = resolve(f, "apps/v1", "Deployment");
    assert_true(a.has_error);
    assert_non_null(
        strstr(a.error, "unable to retrieve the complete list of server APIs: apps/v1: "));
    assert_non_null(strstr(a.error, "etcd is down"));
    assert_null(hpac_discovery_lookup(f->disc, "apps/v1", "Deployment"));

    /* Not cached as a failure: the next resolution tries again. */
    f->state.mode = SERVE;
    a = resolve(f, "apps/v1", "Deployment");
    assert_string_equal(a.resource, "deployments");
    assert_int_equal(mock_requests(f->server), 2);
}

static void test_discovery__invalid_input(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *api_version, *kind, *error;
    } table[] = {
        {"", "Deployment", "invalid apiVersion \"\""},
        {"a/b/c", "Deployment", "invalid apiVersion \"a/b/c\""},
        {"apps/", "Deployment", "invalid apiVersion \"apps/\""},
        {"/v1", "Deployment", "invalid apiVersion \"/v1\""},
        {"apps/v1", "", "the kind is empty"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        answer a = resolve(f, table[i].api_version, table[i].kind);
        assert_string_equal(a.error, table[i].error);
    }
    assert_int_equal(mock_requests(f->server), 0);
    answer a = {0};
    assert_null(hpac_discovery_resolve(f->disc, NULL, "Deployment", on_answer, &a));
    assert_null(hpac_discovery_resolve(f->disc, "v1", "Pod", NULL, &a));
}

static void test_discovery__cancel_and_free_pending(void **state)
{
    fixture *f = *state;
    answer a = {0}, b = {0}, c = {0};
    hpac_discovery_call *call = hpac_discovery_resolve(f->disc, "apps/v1", "Deployment",
                                                       on_answer, &a);
    assert_non_null(call);
    assert_non_null(hpac_discovery_resolve(f->disc, "apps/v1", "StatefulSet", on_answer, &b));
    hpac_discovery_cancel(call);
    assert_true(run_until(f->loop, &b.calls, 1, 5));
    assert_int_equal(a.calls, 0);

    /* A cached answer waiting for the loop, and a fetch in flight. */
    assert_non_null(hpac_discovery_resolve(f->disc, "apps/v1", "Deployment", on_answer, &c));
    assert_non_null(hpac_discovery_resolve(f->disc, "v1", "Pod", on_answer, &c));
    hpac_discovery_free(f->disc);
    f->disc = NULL;
    int never = 0;
    run_until(f->loop, &never, 1, 0.2);
    assert_int_equal(c.calls, 0);
}

static void test_discovery__guess_table(void **state)
{
    static const struct {
        const char *kind, *resource;
    } table[] = {
        {"Deployment", "deployments"},
        {"ReplicaSet", "replicasets"},
        {"StatefulSet", "statefulsets"},
        {"Ingress", "ingresses"},
        {"Policy", "policies"},
        {"Endpoints", "endpoints"},
        {"SecurityContextConstraints", "securitycontextconstraints"},
        {"Box", "boxs"},
        {"Way", "waies"},
        {"X", "xs"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char *got = hpac_discovery_guess_resource(table[i].kind);
        assert_string_equal(got, table[i].resource);
        free(got);
    }
    assert_null(hpac_discovery_guess_resource(""));
    assert_null(hpac_discovery_guess_resource(NULL));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_discovery__served),
        T(test_discovery__cache_hits_do_not_fetch),
        T(test_discovery__miss_refreshes_after_interval),
        T(test_discovery__concurrent_resolutions_share_a_fetch),
        T(test_discovery__not_served_falls_back_to_guess),
        T(test_discovery__server_errors_are_reported),
        T(test_discovery__invalid_input),
        T(test_discovery__cancel_and_free_pending),
        cmocka_unit_test(test_discovery__guess_table),
    };
    return cmocka_run_group_tests_name("discovery", tests, NULL, NULL);
}
