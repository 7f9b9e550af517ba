/* Events: repeats within the aggregation window update one Event object
 * (count, lastTimestamp); the one-shot mode creates one object each. */
#include "test_support.h"

#include "controller/event_recorder.h"
#include "kube/client.h"
#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ev.h>
#include <stdio.h>
#include <string.h>

typedef struct harness {
    struct ev_loop *loop;
    hpac_sim_server *sim;
    hpac_kube *kube;
    int pending;
    int failures;
} harness;

static void setup_harness(harness *h)
{
    char err[512];
    memset(h, 0, sizeof(*h));
    h->sim = hpac_sim_start(NULL, &(hpac_sim_options){0}, err, sizeof(err));
    assert_non_null(h->sim);
    h->loop = ev_loop_new(EVFLAG_AUTO);
    char *server = hpac_format("http://127.0.0.1:%u", hpac_sim_port(h->sim));
    hpac_kube_config cfg = {.server = server};
    h->kube = hpac_kube_new(h->loop, &cfg, err, sizeof(err));
    free(server);
    assert_non_null(h->kube);
}

static void teardown_harness(harness *h)
{
    hpac_kube_free(h->kube);
    ev_loop_destroy(h->loop);
    hpac_sim_stop(h->sim);
}

static void on_done(void *ctx, const hpac_kube_response *resp)
{
    harness *h = ctx;
    if (resp->error)
        h->failures++;
    if (--h->pending == 0)
        ev_break(h->loop, EVBREAK_ALL);
}

static void record(harness *h, hpac_event_recorder *rec, const hpac_hpa *hpa, const char *reason,
                   const char *message)
{
    hpac_event ev = {.warning = true, .reason = (char *)reason, .message = (char *)message};
    h->pending = 1;
    assert_non_null(hpac_event_record(rec, hpa, &ev, hpac_clock_wall_ms(), on_done, h));
    ev_run(h->loop, 0);
    assert_int_equal(h->failures, 0);
}

/* Event objects in the simulator about the HPA, and their counts. */
static json_t *events_of(harness *h)
{
    json_t *writes = hpac_sim_writes(h->sim);
    json_t *names = json_array();
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *verb = json_string_value(json_object_get(w, "verb"));
        if (verb && !strcmp(verb, "POST"))
            json_array_append(names, json_object_get(json_object_get(w, "body"), "metadata"));
    }
    json_decref(writes);
    return names;
}

static const hpac_hpa test_hpa = {.namespace = "default", .name = "web", .uid = "u-1"};

static void test_event_recorder__repeats_update_one_event(void **state)
{
    (void)state;
    harness h;
    setup_harness(&h);
    hpac_event_recorder *rec = hpac_event_recorder_new(h.kube, "autoscaling/v2", "me", true);
    record(&h, rec, &test_hpa, "FailedGetResourceMetric", "no metrics");
    record(&h, rec, &test_hpa, "FailedGetResourceMetric", "no metrics");
    record(&h, rec, &test_hpa, "FailedGetResourceMetric", "no metrics");
    record(&h, rec, &test_hpa, "FailedGetResourceMetric", "another message");
    json_t *created = events_of(&h);
    assert_int_equal(json_array_size(created), 2);
    const char *name = json_string_value(json_object_get(json_array_get(created, 0), "name"));
    json_t *event = hpac_sim_get(h.sim, "event", "default", name);
    assert_non_null(event);
    assert_int_equal(json_integer_value(json_object_get(event, "count")), 3);
    assert_string_equal(json_string_value(json_object_get(event, "reason")),
                        "FailedGetResourceMetric");
    json_decref(event);
    json_decref(created);
    hpac_event_recorder_free(rec);
    teardown_harness(&h);
}

static void test_event_recorder__deleted_event_is_created_again(void **state)
{
    (void)state;
    harness h;
    setup_harness(&h);
    hpac_event_recorder *rec = hpac_event_recorder_new(h.kube, "autoscaling/v2", "me", true);
    record(&h, rec, &test_hpa, "SuccessfulRescale", "New size: 5");
    json_t *created = events_of(&h);
    const char *name = json_string_value(json_object_get(json_array_get(created, 0), "name"));
    assert_int_equal(hpac_sim_remove_object(hpac_sim_state_of(h.sim), "event", "default", name),
                     0);
    json_decref(created);
    record(&h, rec, &test_hpa, "SuccessfulRescale", "New size: 5");
    created = events_of(&h);
    assert_int_equal(json_array_size(created), 2);
    json_decref(created);
    hpac_event_recorder_free(rec);
    teardown_harness(&h);
}

static void test_event_recorder__one_shot_creates_each(void **state)
{
    (void)state;
    harness h;
    setup_harness(&h);
    hpac_event_recorder *rec = hpac_event_recorder_new(h.kube, "autoscaling/v2", "me", false);
    record(&h, rec, &test_hpa, "FailedGetScale", "not found");
    record(&h, rec, &test_hpa, "FailedGetScale", "not found");
    json_t *created = events_of(&h);
    assert_int_equal(json_array_size(created), 2);
    json_decref(created);
    hpac_event_recorder_free(rec);
    teardown_harness(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_recorder__repeats_update_one_event),
        cmocka_unit_test(test_event_recorder__deleted_event_is_created_again),
        cmocka_unit_test(test_event_recorder__one_shot_creates_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
