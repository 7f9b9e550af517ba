/* The reports: JSON stable to the byte and consistent with the result, an
 * SVG that is well-formed XML, and a text report listing each event. */
#include "whatif_support.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static const char day_csv[] = "seconds,load\n"
                              "0,0.8\n"
                              "3600,2.5\n"
                              "5400,7\n"
                              "6300,3\n"
                              "9000,0.8\n"
                              "14400,0.8\n";

static char *day_hpa(void)
{
    return whatif_cpu_hpa(2, 12, 60,
                          "    scaleUp:\n"
                          "      policies:\n"
                          "      - {type: Pods, value: 2, periodSeconds: 60}\n"
                          "    scaleDown:\n"
                          "      stabilizationWindowSeconds: 300\n");
}

static void run_day(const char *csv, hpac_whatif_result *r)
{
    hpac_whatif_config cfg;
    hpac_whatif_config_defaults(&cfg);
    char *hpa = day_hpa();
    whatif_replay(hpa, csv, &cfg, 1000, r);
    free(hpa);
}

static void test_whatif__json_is_byte_identical(void **state)
{
    (void)state;
    hpac_whatif_result a, b, c;
    run_day(day_csv, &a);
    run_day(day_csv, &b);
    char *ja = hpac_whatif_report_json(&a);
    char *jb = hpac_whatif_report_json(&b);
    assert_non_null(ja);
    assert_non_null(jb);
    assert_string_equal(ja, jb);

    /* The comparison can fail: a different trace gives different bytes. */
    char *other = strdup(day_csv);
    assert_non_null(other);
    *strstr(other, "5400,7") = '\0';
    run_day(other, &c);
    char *jc = hpac_whatif_report_json(&c);
    assert_non_null(jc);
    assert_string_not_equal(ja, jc);

    free(ja);
    free(jb);
    free(jc);
    free(other);
    hpac_whatif_result_clear(&a);
    hpac_whatif_result_clear(&b);
    hpac_whatif_result_clear(&c);
}

static void test_whatif__json_matches_the_result(void **state)
{
    (void)state;
    hpac_whatif_result r;
    run_day(day_csv, &r);
    char *text = hpac_whatif_report_json(&r);
    assert_non_null(text);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc)
        fail_msg("JSON does not parse: %s at line %d", jerr.text, jerr.line);
    json_t *timeline = json_object_get(doc, "timeline");
    assert_int_equal(json_array_size(timeline), r.step_count);
    assert_int_equal(json_array_size(json_object_get(doc, "events")), r.event_count);
    assert_true(r.event_count >= 2);
    for (size_t k = 0; k < r.step_count; k += 37) {
        json_t *st = json_array_get(timeline, k);
        assert_true(json_number_value(json_object_get(st, "t")) * 1000 == (double)r.steps[k].t_ms);
        assert_int_equal(json_integer_value(json_object_get(st, "replicas")), r.steps[k].replicas);
        json_t *m = json_array_get(json_object_get(st, "metrics"), 0);
        assert_int_equal(json_integer_value(json_object_get(m, "target")), 60);
        double load = json_number_value(json_array_get(json_object_get(st, "load"), 0));
        assert_true(fabs(load * 1000 - (double)r.loads[k]) < 1e-6);
    }
    json_t *summary = json_object_get(doc, "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "scaleUps")),
                     r.summary.scale_ups);
    assert_int_equal(json_integer_value(json_object_get(summary, "peakReplicas")),
                     r.summary.peak_replicas);
    /* The lunch-like spike needs 12 (7 cores at 0.6 per pod): the cap. */
    assert_int_equal(r.summary.peak_replicas, 12);
    json_decref(doc);
    free(text);
    hpac_whatif_result_clear(&r);
}

static void test_whatif__svg_is_well_formed(void **state)
{
    (void)state;
    hpac_whatif_result r;
    run_day(day_csv, &r);
    char *svg = hpac_whatif_report_svg(&r);
    assert_non_null(svg);
    char why[128] = "";
    if (!hpac_test_xml_well_formed(svg, why, sizeof(why)))
        fail_msg("SVG not well-formed: %s", why);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "Replicas"));
    assert_non_null(strstr(svg, "<polyline"));
    /* The checker itself rejects broken documents. */
    assert_false(hpac_test_xml_well_formed("<svg><g></svg>", why, sizeof(why)));
    assert_false(hpac_test_xml_well_formed("<svg>a & b</svg>", why, sizeof(why)));
    assert_false(hpac_test_xml_well_formed("<svg x=1></svg>", why, sizeof(why)));
    /* Same result, same bytes. */
    char *again = hpac_whatif_report_svg(&r);
    assert_non_null(again);
    assert_string_equal(svg, again);
    free(again);
    free(svg);
    hpac_whatif_result_clear(&r);
}

static void test_whatif__text_report(void **state)
{
    (void)state;
    hpac_whatif_result r;
    run_day(day_csv, &r);
    char *text = hpac_whatif_report_text(&r, "day.csv");
    assert_non_null(text);
    assert_non_null(strstr(text, "HPA test/web -> Deployment/web (min 2, max 12)"));
    assert_non_null(strstr(text, "replay of day.csv: 0:00:00 to 4:00:00"));
    assert_non_null(strstr(text, "[ScaleUpLimit]"));
    assert_non_null(strstr(text, "replica-hours"));
    /* One line per event, with its time and from -> to. */
    for (size_t i = 0; i < r.event_count; i++) {
        char clock[32], line[96];
        hpac_whatif_format_clock(r.events[i].t_ms, clock, sizeof(clock));
        snprintf(line, sizeof(line), "%s  %4d -> %-4d", clock, r.events[i].from, r.events[i].to);
        if (!strstr(text, line))
            fail_msg("no line \"%s\" in\n%s", line, text);
    }
    free(text);
    hpac_whatif_result_clear(&r);
}

static void test_whatif__number_formats(void **state)
{
    (void)state;
    static const struct {
        int64_t milli;
        const char *text;
    } milli[] = {{0, "0"}, {2500, "2.5"}, {250, "0.25"}, {1, "0.001"}, {3000, "3"},
                 {-1500, "-1.5"}, {1234567, "1234.567"}};
    char buf[32];
    for (size_t i = 0; i < sizeof(milli) / sizeof(milli[0]); i++) {
        hpac_whatif_format_milli(milli[i].milli, buf, sizeof(buf));
        assert_string_equal(buf, milli[i].text);
    }
    hpac_whatif_format_clock(0, buf, sizeof(buf));
    assert_string_equal(buf, "0:00:00");
    hpac_whatif_format_clock(25 * 3600 * 1000LL + 61 * 1000 + 250, buf, sizeof(buf));
    assert_string_equal(buf, "25:01:01.250");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatif__json_is_byte_identical),
        cmocka_unit_test(test_whatif__json_matches_the_result),
        cmocka_unit_test(test_whatif__svg_is_well_formed),
        cmocka_unit_test(test_whatif__text_report),
        cmocka_unit_test(test_whatif__number_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
