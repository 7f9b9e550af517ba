/* What the demo reads back from the controller (the HPA's status, the
 * write log), the timeline's summary and chart, and the terminal lines. */
#include "test_support.h"

#include "demo/observe.h"
#include "demo/screen.h"
#include "demo/timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_PATH "/apis/apps/v1/namespaces/demo/deployments/web/scale"
#define STATUS_PATH "/apis/hpac.io/v1/namespaces/demo/horizontalpodautoscalers/web/status"
#define EVENTS_PATH "/api/v1/namespaces/demo/events"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (!v)
        fail_msg("bad JSON in the test: %s", error.text);
    return v;
}

/* ---- the HPA's status ------------------------------------------------------------ */

static void test_demo__status_read_takes_reasons_and_utilization(void **state)
{
    (void)state;
    json_t *hpa = parse(
        "{\"status\": {\"currentReplicas\": 2, \"desiredReplicas\": 4,"
        " \"currentMetrics\": [{\"type\": \"Resource\", \"resource\": {\"name\": \"cpu\","
        "   \"current\": {\"averageUtilization\": 85, \"averageValue\": \"425m\"}}}],"
        " \"conditions\": ["
        "  {\"type\": \"AbleToScale\", \"status\": \"True\", \"reason\": \"SucceededRescale\"},"
        "  {\"type\": \"ScalingActive\", \"status\": \"True\", \"reason\": \"ValidMetricFound\"},"
        "  {\"type\": \"ScalingLimited\", \"status\": \"True\", \"reason\": \"ScaleUpLimit\"}]}}");
    hpac_demo_status st;
    hpac_demo_status_read(hpa, &st);
    assert_true(st.present);
    assert_int_equal(st.desired, 4);
    assert_int_equal(st.current, 2);
    assert_true(st.seen == 85.0);
    assert_string_equal(st.able, "SucceededRescale");
    assert_string_equal(st.limited, "ScaleUpLimit");
    assert_string_equal(st.active, ""); /* only a False ScalingActive is news */
    json_decref(hpa);

    hpa = parse("{\"status\": {\"desiredReplicas\": 3, \"conditions\": ["
                "  {\"type\": \"ScalingLimited\", \"status\": \"False\","
                "   \"reason\": \"DesiredWithinRange\"},"
                "  {\"type\": \"ScalingActive\", \"status\": \"False\","
                "   \"reason\": \"FailedGetResourceMetric\"}]}}");
    hpac_demo_status_read(hpa, &st);
    assert_int_equal(st.desired, 3);
    assert_true(isnan(st.seen));
    assert_string_equal(st.limited, "");
    assert_string_equal(st.active, "FailedGetResourceMetric");
    json_decref(hpa);

    hpac_demo_status_read(NULL, &st);
    assert_false(st.present);
    assert_int_equal(st.desired, -1);
    assert_true(isnan(st.seen));
}

/* ---- the write log --------------------------------------------------------------- */

static json_t *scale_write(int replicas, int code)
{
    return json_pack("{s:s, s:s, s:{s:{s:i}}, s:i}", "verb", "PUT", "path", SCALE_PATH, "body",
                     "spec", "replicas", replicas, "code", code);
}

static json_t *status_write(const char *limited_status, const char *limited_reason)
{
    return json_pack("{s:s, s:s, s:{s:{s:[{s:s, s:s, s:s}]}}, s:i}", "verb", "PUT", "path",
                     STATUS_PATH, "body", "status", "conditions", "type", "ScalingLimited",
                     "status", limited_status, "reason", limited_reason, "code", 200);
}

static json_t *event_write(const char *hpa, const char *reason, const char *message)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:i}", "verb", "POST", "path", EVENTS_PATH,
                     "body", "reason", reason, "message", message, "involvedObject", "name", hpa,
                     "code", 201);
}

static void test_demo__writes_become_explained_scale_events(void **state)
{
    (void)state;
    hpac_demo_timeline tl;
    hpac_demo_timeline_init(&tl, 60, 2, 12);
    hpac_demo_observer o;
    hpac_demo_observer_init(&o, "/deployments/web/scale", "/horizontalpodautoscalers/web/status",
                            "web", 2);
    json_t *writes = json_array();
    /* Refused and no-op scale writes are no events. */
    json_array_append_new(writes, scale_write(9, 409));
    json_array_append_new(writes, scale_write(2, 200));
    json_array_append_new(writes, scale_write(4, 200));
    json_array_append_new(writes, status_write("True", "ScaleUpLimit"));
    /* Another HPA's event, then the one that explains the scale. */
    json_array_append_new(writes, event_write("other", "SuccessfulRescale",
                                              "New size: 4; reason: memory above target"));
    json_array_append_new(writes, event_write("web", "SuccessfulRescale",
                                              "New size: 4; reason: cpu resource utilization "
                                              "(percentage of request) above target"));
    hpac_demo_observe_writes(&o, writes, 5500, &tl);
    assert_int_equal(tl.event_count, 1);
    assert_int_equal(o.seen, 6);
    hpac_demo_event *e = &tl.events[0];
    assert_int_equal(e->t_ms, 5500);
    assert_int_equal(e->from, 2);
    assert_int_equal(e->to, 4);
    assert_true(e->status_seen);
    assert_string_equal(e->limited, "ScaleUpLimit");
    assert_string_equal(e->reason, "cpu resource utilization (percentage of request) above target");

    /* Later records only: a scale-down, explained in the next batch. */
    json_array_append_new(writes, scale_write(2, 200));
    hpac_demo_observe_writes(&o, writes, 9000, &tl);
    assert_int_equal(tl.event_count, 2);
    assert_false(tl.events[1].status_seen);
    assert_string_equal(tl.events[1].reason, "");
    assert_true(o.await_status && o.await_reason);
    json_array_append_new(writes, status_write("False", "DesiredWithinRange"));
    json_array_append_new(writes, event_write("web", "SuccessfulRescale",
                                              "New size: 2; reason: All metrics below target"));
    hpac_demo_observe_writes(&o, writes, 9250, &tl);
    assert_int_equal(tl.event_count, 2);
    e = &tl.events[1];
    assert_int_equal(e->t_ms, 9000);
    assert_int_equal(e->from, 4);
    assert_int_equal(e->to, 2);
    assert_true(e->status_seen);
    assert_string_equal(e->limited, "");
    assert_string_equal(e->reason, "All metrics below target");
    assert_int_equal(o.await_status, 0);
    assert_int_equal(o.await_reason, 0);
    assert_int_equal(o.replicas, 2);
    json_decref(writes);
    hpac_demo_timeline_clear(&tl);
}

/* ---- summary and chart ------------------------------------------------------------- */

static void add(hpac_demo_timeline *tl, int64_t t, double load, double served, double actual,
                int replicas)
{
    hpac_demo_sample s = {.t_ms = t,
                          .load = load,
                          .served = served,
                          .seen = t > 0 ? actual : NAN,
                          .actual = actual,
                          .replicas = replicas,
                          .desired = t > 0 ? replicas : -1,
                          .ready = replicas};
    assert_int_equal(hpac_demo_timeline_add_sample(tl, &s), 0);
}

static void fill(hpac_demo_timeline *tl)
{
    hpac_demo_timeline_init(tl, 60, 2, 12);
    add(tl, 0, 0.5, 0.5, 50, 2);
    add(tl, 1000, 3.0, 2.0, 200, 2); /* hot and saturated for 1s */
    add(tl, 2000, 3.0, 3.0, 75, 4);  /* hot for 1s */
    add(tl, 3000, 3.0, 3.0, 50, 6);
    add(tl, 4000, 0.5, 0.5, 10, 6);
    add(tl, 5000, 0.5, 0.5, 25, 2);
    hpac_demo_event *e = hpac_demo_timeline_add_event(tl, 1500, 2, 4);
    strcpy(e->reason, "cpu above target");
    hpac_demo_timeline_add_event(tl, 2500, 4, 6); /* never explained */
    e = hpac_demo_timeline_add_event(tl, 4500, 6, 2);
    strcpy(e->reason, "All metrics below target");
}

static void test_demo__summary_counts_events_and_times(void **state)
{
    (void)state;
    hpac_demo_timeline tl;
    fill(&tl);
    hpac_demo_summary sum;
    hpac_demo_timeline_summarize(&tl, &sum);
    assert_int_equal(sum.duration_ms, 5000);
    assert_int_equal(sum.scale_ups, 2);
    assert_int_equal(sum.scale_downs, 1);
    assert_int_equal(sum.unexplained, 1);
    assert_int_equal(sum.start_replicas, 2);
    assert_int_equal(sum.end_replicas, 2);
    assert_int_equal(sum.peak_replicas, 6);
    assert_int_equal(sum.peak_at_ms, 3000);
    assert_int_equal(sum.above_target_ms, 2000);
    assert_int_equal(sum.unserved_ms, 1000);
    assert_true(sum.status_seen);
    hpac_demo_timeline_clear(&tl);

    hpac_demo_timeline_init(&tl, 60, 2, 12);
    hpac_demo_timeline_summarize(&tl, &sum);
    assert_int_equal(sum.scale_ups + sum.scale_downs, 0);
    assert_false(sum.status_seen);
    assert_null(hpac_demo_timeline_svg(&tl, "empty"));
    hpac_demo_timeline_clear(&tl);
}

static void test_demo__chart_is_well_formed_svg(void **state)
{
    (void)state;
    hpac_demo_timeline tl;
    fill(&tl);
    char *svg = hpac_demo_timeline_svg(&tl, "load & pods <demo>");
    assert_non_null(svg);
    char why[128] = "";
    if (!hpac_test_xml_well_formed(svg, why, sizeof(why)))
        fail_msg("SVG not well-formed: %s", why);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "load &amp; pods &lt;demo&gt;"));
    assert_non_null(strstr(svg, "CPU utilization"));
    assert_non_null(strstr(svg, "seen by the HPA"));
    assert_non_null(strstr(svg, "Pods"));
    /* The same timeline, the same bytes. */
    char *again = hpac_demo_timeline_svg(&tl, "load & pods <demo>");
    assert_string_equal(svg, again);
    free(again);
    free(svg);
    /* The checker is not a rubber stamp. */
    assert_false(hpac_test_xml_well_formed("<svg><g></svg>", why, sizeof(why)));
    assert_false(hpac_test_xml_well_formed("<svg>a & b</svg>", why, sizeof(why)));
    assert_false(hpac_test_xml_well_formed("<svg/><svg/>", why, sizeof(why)));
    hpac_demo_timeline_clear(&tl);
}

/* ---- terminal lines ---------------------------------------------------------------- */

typedef struct capture {
    char *text;
    size_t len;
    FILE *f;
} capture;

static void capture_open(capture *c)
{
    memset(c, 0, sizeof(*c));
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
}

static void capture_close(capture *c)
{
    fclose(c->f);
    c->f = NULL;
}

static void test_demo__lines_read_well_in_a_pipe(void **state)
{
    (void)state;
    hpac_demo_sample s = {.t_ms = 7000,
                          .load = 3.61,
                          .served = 2.0,
                          .seen = 130,
                          .actual = 200,
                          .replicas = 4,
                          .desired = 4,
                          .ready = 2};
    hpac_demo_status st = {.present = true, .seen = 130, .desired = 4};
    strcpy(st.able, "ReadyForNewScale");
    strcpy(st.limited, "ScaleUpLimit");
    hpac_demo_event up = {.t_ms = 6500, .from = 2, .to = 4};
    strcpy(up.reason, "cpu resource utilization (percentage of request) above target");
    strcpy(up.limited, "ScaleUpLimit");
    hpac_demo_event down = {.t_ms = 30500, .from = 12, .to = 9};

    capture plain;
    capture_open(&plain);
    hpac_demo_print_sample(plain.f, &s, "spike", &st, 60, false);
    hpac_demo_print_event(plain.f, &up, false);
    hpac_demo_print_event(plain.f, &down, false);
    capture_close(&plain);
    assert_null(strchr(plain.text, '\033'));
    assert_non_null(strstr(plain.text, "   7.0s  spike    3.61   2.00   130%/60%"));
    assert_non_null(strstr(plain.text, "ReadyForNewScale, ScaleUpLimit\n"));
    assert_non_null(strstr(plain.text, "   6.5s  ^ scaled up   2 -> 4: cpu resource utilization "
                                       "(percentage of request) above target [ScaleUpLimit]\n"));
    assert_non_null(strstr(plain.text, "  30.5s  v scaled down 12 -> 9\n"));
    /* One line per call. */
    size_t lines = 0;
    for (const char *p = plain.text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);

    capture color;
    capture_open(&color);
    hpac_demo_print_sample(color.f, &s, "spike", &st, 60, true);
    capture_close(&color);
    /* Above target and saturated: in red. */
    assert_non_null(strstr(color.text, "\033[31m"));
    free(plain.text);
    free(color.text);
}

static void test_demo__summary_names_the_chart_and_the_counts(void **state)
{
    (void)state;
    hpac_demo_timeline tl;
    fill(&tl);
    hpac_demo_summary sum;
    hpac_demo_timeline_summarize(&tl, &sum);
    hpac_demo_config cfg;
    hpac_demo_config_defaults(&cfg);
    cfg.svg_path = "out.svg";
    capture c;
    capture_open(&c);
    hpac_demo_print_summary(c.f, &tl, &sum, &cfg, true, false);
    capture_close(&c);
    assert_non_null(strstr(c.text, "scale-ups      2\n"));
    assert_non_null(strstr(c.text, "scale-downs    1\n"));
    assert_non_null(strstr(c.text, "replicas       2 -> 4 -> 6 -> 2\n"));
    assert_non_null(strstr(c.text, "peak           6 replicas at 3.0s\n"));
    assert_non_null(strstr(c.text, "above target   2.0s of 5.0s"));
    assert_non_null(strstr(c.text, "chart          out.svg\n"));
    free(c.text);
    hpac_demo_timeline_clear(&tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo__status_read_takes_reasons_and_utilization),
        cmocka_unit_test(test_demo__writes_become_explained_scale_events),
        cmocka_unit_test(test_demo__summary_counts_events_and_times),
        cmocka_unit_test(test_demo__chart_is_well_formed_svg),
        cmocka_unit_test(test_demo__lines_read_well_in_a_pipe),
        cmocka_unit_test(test_demo__summary_names_the_chart_and_the_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
