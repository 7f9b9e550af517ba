/* Watch streams of the simulated API server, over HTTP. */
#include "test_support.h"

#include "sim/case.h"
#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "sim_http.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HPA_V2 "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
#define SCALE_PATH "/apis/apps/v1/namespaces/default/deployments/web/scale"

static hpac_sim_server *start_case(const char *name)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/upstream/%s", HPAC_CASES_DIR, name);
    json_t *the_case = hpac_case_load(path, err, sizeof(err));
    if (!the_case)
        fail_msg("%s", err);
    hpac_sim_options opts = {0};
    hpac_sim_server *sim = hpac_sim_start(json_object_get(the_case, "objects"), &opts, err,
                                          sizeof(err));
    json_decref(the_case);
    if (!sim)
        fail_msg("%s", err);
    return sim;
}

/* A watch read by a thread into a buffer the test polls. */
typedef struct watcher {
    uint16_t port;
    char path[1024];
    pthread_t thread;
    pthread_mutex_t mutex; /* covers data, len, done */
    char *data;
    size_t len;
    bool done;
    long code;
    double seconds;
} watcher;

static size_t watcher_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    watcher *w = userdata;
    size_t n = size * nmemb;
    pthread_mutex_lock(&w->mutex);
    char *grown = realloc(w->data, w->len + n + 1);
    if (grown) {
        w->data = grown;
        memcpy(w->data + w->len, ptr, n);
        w->len += n;
        w->data[w->len] = '\0';
    }
    pthread_mutex_unlock(&w->mutex);
    return grown ? n : 0;
}

static void *watcher_run(void *arg)
{
    watcher *w = arg;
    char url[1200];
    CURL *curl = curl_easy_init();
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)w->port, w->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, watcher_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &w->code);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &w->seconds);
    curl_easy_cleanup(curl);
    pthread_mutex_lock(&w->mutex);
    w->done = true;
    pthread_mutex_unlock(&w->mutex);
    return NULL;
}

static watcher *watch_start(hpac_sim_server *sim, const char *path)
{
    watcher *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->port = hpac_sim_port(sim);
    snprintf(w->path, sizeof(w->path), "%s", path);
    pthread_mutex_init(&w->mutex, NULL);
    assert_int_equal(pthread_create(&w->thread, NULL, watcher_run, w), 0);
    return w;
}

static void watch_join(watcher *w)
{
    pthread_join(w->thread, NULL);
}

static void watch_free(watcher *w)
{
    pthread_mutex_destroy(&w->mutex);
    free(w->data);
    free(w);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The events received so far, parsed. New array. */
static json_t *events_of(watcher *w)
{
    json_t *events = json_array();
    pthread_mutex_lock(&w->mutex);
    const char *p = w->data ? w->data : "";
    for (;;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        json_t *event = json_loadb(p, (size_t)(nl - p), 0, NULL);
        if (!event)
            fail_msg("not a JSON line: %.*s", (int)(nl - p), p);
        json_array_append_new(events, event);
        p = nl + 1;
    }
    pthread_mutex_unlock(&w->mutex);
    return events;
}

/* Waits until `count` events arrived; returns them. Fails after 5 s. */
static json_t *wait_events(watcher *w, size_t count)
{
    for (int i = 0; i < 500; i++) {
        json_t *events = events_of(w);
        if (json_array_size(events) >= count)
            return events;
        json_decref(events);
        sleep_ms(10);
    }
    fail_msg("fewer than %zu events after 5 s on %s", count, w->path);
    return NULL;
}

static const char *str_at(const json_t *root, const char *a, const char *b)
{
    const json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static const char *event_type(const json_t *events, size_t i)
{
    return str_at(json_array_get(events, i), "type", NULL);
}

static const json_t *event_object(const json_t *events, size_t i)
{
    return json_object_get(json_array_get(events, i), "object");
}

static char *list_version(hpac_sim_server *sim, const char *path)
{
    sim_http_result r;
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "GET", path, NULL, 0, NULL, NULL, &r),
                     0);
    assert_int_equal(r.code, 200);
    char *rv = strdup(str_at(r.json, "metadata", "resourceVersion"));
    sim_http_result_free(&r);
    return rv;
}

static long put(hpac_sim_server *sim, const char *path, const char *body)
{
    sim_http_result r;
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "PUT", path, body, strlen(body), NULL,
                                 NULL, &r),
                     0);
    long code = r.code;
    sim_http_result_free(&r);
    return code;
}

/* Without a resourceVersion: the current objects, then the timeout. */
static void test_sim__watch_initial_objects_and_timeout(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json");
    watcher *w = watch_start(sim, "/apis/hpac.io/v1/namespaces/default/horizontalpodautoscalers"
                                  "?watch=1&timeoutSeconds=1");
    watch_join(w);
    assert_int_equal(w->code, 200);
    assert_true(w->seconds >= 0.9 && w->seconds < 4);
    json_t *events = events_of(w);
    assert_int_equal(json_array_size(events), 1);
    assert_string_equal(event_type(events, 0), "ADDED");
    assert_string_equal(str_at(event_object(events, 0), "apiVersion", NULL), "hpac.io/v1");
    assert_string_equal(str_at(event_object(events, 0), "metadata", "name"), "web");
    json_decref(events);
    watch_free(w);

    /* Pods, filtered by the selector; placeholders resolved. */
    w = watch_start(sim, "/api/v1/pods?watch=true&timeoutSeconds=1&labelSelector=app%3Dweb");
    watch_join(w);
    events = events_of(w);
    assert_int_equal(json_array_size(events), 3);
    assert_null(strstr(w->data, "@now"));
    json_decref(events);
    watch_free(w);
    w = watch_start(sim, "/api/v1/pods?watch=true&timeoutSeconds=1&labelSelector=app%3Ddb");
    watch_join(w);
    assert_int_equal(w->len, 0);
    watch_free(w);
    hpac_sim_stop(sim);
}

/* From a list's resourceVersion: the writes that follow, as they happen. */
static void test_sim__watch_follows_writes(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json");
    char *rv = list_version(sim, HPA_V2);
    char path[512];
    snprintf(path, sizeof(path), "%s?watch=1&resourceVersion=%s&timeoutSeconds=10", HPA_V2, rv);
    watcher *hpas = watch_start(sim, path);
    snprintf(path, sizeof(path),
             "/apis/apps/v1/namespaces/default/deployments?watch=1&resourceVersion=%s"
             "&timeoutSeconds=10",
             rv);
    watcher *deployments = watch_start(sim, path);
    free(rv);
    sleep_ms(200); /* both streams are waiting now */

    int64_t t0 = hpac_clock_monotonic_ms();
    assert_int_equal(put(sim, HPA_V2 "/web/status", "{\"status\":{\"desiredReplicas\":5}}"), 200);
    json_t *events = wait_events(hpas, 1);
    /* Woken by the change, not by the one-second tick. */
    assert_true(hpac_clock_monotonic_ms() - t0 < 900);
    assert_string_equal(event_type(events, 0), "MODIFIED");
    assert_string_equal(str_at(event_object(events, 0), "apiVersion", NULL), "autoscaling/v2");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(event_object(events, 0),
                                                                        "status"),
                                                        "desiredReplicas")),
                     5);
    json_decref(events);

    assert_int_equal(put(sim, SCALE_PATH, "{\"spec\":{\"replicas\":5}}"), 200);
    events = wait_events(deployments, 1);
    assert_int_equal(json_array_size(events), 1);
    const json_t *d = event_object(events, 0);
    assert_string_equal(str_at(d, "kind", NULL), "Deployment");
    assert_null(json_object_get(d, "resource"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "spec"), "replicas")),
                     5);
    json_decref(events);
    /* The HPA stream did not see the Deployment. */
    events = events_of(hpas);
    assert_int_equal(json_array_size(events), 1);
    json_decref(events);

    /* Changes through the state API are seen too: replicas, then a delete. */
    assert_int_equal(hpac_sim_set_target_replicas(hpac_sim_state_of(sim), "default", "web", 6, 6),
                     0);
    assert_int_equal(hpac_sim_remove_object(hpac_sim_state_of(sim), HPAC_SIM_KIND_HPA, "default",
                                            "web"),
                     0);
    events = wait_events(deployments, 2);
    assert_string_equal(event_type(events, 1), "MODIFIED");
    json_decref(events);
    events = wait_events(hpas, 2);
    assert_string_equal(event_type(events, 1), "DELETED");
    assert_string_equal(str_at(event_object(events, 1), "metadata", "name"), "web");
    json_decref(events);

    /* Stopping the server ends the streams long before their timeout. */
    hpac_sim_stop(sim);
    watch_join(hpas);
    watch_join(deployments);
    assert_true(hpas->seconds < 8);
    assert_true(deployments->seconds < 8);
    watch_free(hpas);
    watch_free(deployments);
}

static void test_sim__watch_pods_and_events(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json");
    char *rv = list_version(sim, "/api/v1/namespaces/default/pods");
    char path[512];
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/default/pods?watch=1&resourceVersion=%s&labelSelector=app%%3Dweb"
             "&timeoutSeconds=10",
             rv);
    watcher *pods = watch_start(sim, path);
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/default/events?watch=1&resourceVersion=%s&timeoutSeconds=10", rv);
    watcher *evts = watch_start(sim, path);
    free(rv);

    char err[256];
    static const char *const APPS[] = {"db", "web", "web"};
    static const char *const NAMESPACES[] = {"default", "other", "default"};
    for (size_t i = 0; i < 3; i++) {
        json_t *pod = json_pack("{s:s, s:s, s:{s:s++, s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
                                "Pod", "metadata", "name", "extra-", APPS[i], NAMESPACES[i],
                                "namespace", NAMESPACES[i], "labels", "app", APPS[i]);
        assert_int_equal(hpac_sim_put_object(hpac_sim_state_of(sim), HPAC_SIM_KIND_POD, pod, err,
                                             sizeof(err)),
                         0);
        json_decref(pod);
    }
    assert_int_equal(hpac_sim_remove_object(hpac_sim_state_of(sim), HPAC_SIM_KIND_POD, "default",
                                            "web-1"),
                     0);
    json_t *events = wait_events(pods, 2);
    sleep_ms(100);
    json_decref(events);
    events = events_of(pods);
    /* Only app=web in default: the added extra-webdefault, the deleted web-1. */
    assert_int_equal(json_array_size(events), 2);
    assert_string_equal(event_type(events, 0), "ADDED");
    assert_string_equal(str_at(event_object(events, 0), "metadata", "name"), "extra-webdefault");
    assert_string_equal(event_type(events, 1), "DELETED");
    assert_string_equal(str_at(event_object(events, 1), "metadata", "name"), "web-1");
    json_decref(events);

    sim_http_result r;
    const char *event = "{\"metadata\":{\"name\":\"e1\"},\"reason\":\"SuccessfulRescale\"}";
    assert_int_equal(sim_http_on(NULL, hpac_sim_port(sim), "POST",
                                 "/api/v1/namespaces/default/events", event, strlen(event), NULL,
                                 NULL, &r),
                     0);
    assert_int_equal(r.code, 201);
    sim_http_result_free(&r);
    events = wait_events(evts, 1);
    assert_string_equal(event_type(events, 0), "ADDED");
    assert_string_equal(str_at(event_object(events, 0), "reason", NULL), "SuccessfulRescale");
    json_decref(events);
    hpac_sim_stop(sim);
    watch_join(pods);
    watch_join(evts);
    watch_free(pods);
    watch_free(evts);
}

/* A resourceVersion the journal no longer reaches: 410 Expired. */
static void test_sim__watch_too_old(void **state)
{
    hpac_sim_server *sim = start_case("ctl_scale_up.json");
    char *rv = list_version(sim, HPA_V2);
    for (int i = 0; i < 20010; i++)
        assert_int_equal(hpac_sim_set_target_replicas(hpac_sim_state_of(sim), "default", "web",
                                                      i % 7, -1),
                         0);
    char path[512];
    snprintf(path, sizeof(path), "%s?watch=1&resourceVersion=%s&timeoutSeconds=10", HPA_V2, rv);
    free(rv);
    watcher *w = watch_start(sim, path);
    watch_join(w);
    assert_int_equal(w->code, 200);
    assert_true(w->seconds < 5);
    json_t *events = events_of(w);
    assert_int_equal(json_array_size(events), 1);
    assert_string_equal(event_type(events, 0), "ERROR");
    const json_t *status = event_object(events, 0);
    assert_string_equal(str_at(status, "kind", NULL), "Status");
    assert_string_equal(str_at(status, "reason", NULL), "Expired");
    assert_int_equal(json_integer_value(json_object_get(status, "code")), 410);
    json_decref(events);
    watch_free(w);

    /* From the current version, the same stream works. */
    rv = list_version(sim, HPA_V2);
    snprintf(path, sizeof(path), "%s?watch=1&resourceVersion=%s&timeoutSeconds=1", HPA_V2, rv);
    free(rv);
    w = watch_start(sim, path);
    watch_join(w);
    assert_int_equal(w->len, 0);
    watch_free(w);
    hpac_sim_stop(sim);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim__watch_initial_objects_and_timeout),
        cmocka_unit_test(test_sim__watch_follows_writes),
        cmocka_unit_test(test_sim__watch_pods_and_events),
        cmocka_unit_test(test_sim__watch_too_old),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
