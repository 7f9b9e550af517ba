/* The Prometheus registry and hpac's metric set: exact exposition text,
 * escaping, histogram buckets, series removal, large label sets, process
 * statistics, readiness, and writers racing a renderer. Every rendering
 * goes through the format checker in prom_check.h, which is itself shown
 * to refuse broken text. */
#include "test_support.h"

#include "obs/metrics.h"
#include "obs/process.h"
#include "obs/registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prom_check.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HPA "horizontal_pod_autoscaler_controller_"

/* Renders, checks the format, and returns the parsed document. */
static char *render_checked(hpac_registry *r, prom_doc *doc)
{
    size_t len = 0;
    char *text = hpac_registry_render(r, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    if (prom_parse(text, len, doc))
        fail_msg("exposition rejected: %s\n%s", doc->error, text);
    return text;
}

static double sample_value(const prom_doc *doc, const char *name, const char *raw)
{
    const prom_sample *s = prom_find(doc, name, raw);
    if (!s)
        fail_msg("no sample %s{%s}", name, raw);
    return s->value;
}

/* ---- the checker refuses what a scraper would ------------------------- */

static void test_obs__checker_rejects_broken_text(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        const char *text;
    } bad[] = {
        {"no final newline", "# TYPE a counter\na 1"},
        {"sample before TYPE", "a 1\n# TYPE a counter\n"},
        {"TYPE after samples", "# TYPE a gauge\na 1\n# TYPE a gauge\n"},
        {"two TYPEs", "# TYPE a gauge\n# TYPE a counter\na 1\n"},
        {"unknown type", "# TYPE a meter\na 1\n"},
        {"bad name", "# TYPE a gauge\n1a 1\n"},
        {"no value", "# TYPE a gauge\na\n"},
        {"bad value", "# TYPE a gauge\na one\n"},
        {"junk after value", "# TYPE a gauge\na 1 x\n"},
        {"unquoted label", "# TYPE a gauge\na{x=1} 1\n"},
        {"unterminated label", "# TYPE a gauge\na{x=\"1} 1\n"},
        {"bad escape", "# TYPE a gauge\na{x=\"\\t\"} 1\n"},
        {"label twice", "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n"},
        {"duplicate series", "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n"},
        {"interleaved families", "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 1\n"},
        {"negative counter", "# TYPE a counter\na -1\n"},
        {"bucket without le", "# TYPE h histogram\nh_bucket 1\n"},
        {"le outside a bucket", "# TYPE h histogram\nh_sum{le=\"1\"} 1\n"},
        {"no +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
        {"decreasing buckets",
         "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
         "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n"},
        {"le out of order",
         "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
         "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
        {"+Inf != count",
         "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"},
        {"no sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n"},
        {"lone sum", "# TYPE h histogram\nh_sum{x=\"1\"} 2\n"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        prom_doc doc;
        if (prom_parse(bad[i].text, strlen(bad[i].text), &doc) == 0)
            fail_msg("%s: accepted", bad[i].label);
        prom_doc_free(&doc);
    }
    /* And accepts a well-formed document with the odd corners. */
    static const char good[] = "# a free comment\n"
                               "# HELP a A \\\\ help\\nline\n"
                               "# TYPE a gauge\n"
                               "a{x=\"q\\\"\\\\\\n\",} -Inf 1700000000000\n"
                               "\n"
                               "# TYPE h histogram\n"
                               "h_bucket{le=\"0.5\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
                               "h_sum 3\nh_count 1\n";
    prom_doc doc;
    if (prom_parse(good, strlen(good), &doc))
        fail_msg("rejected: %s", doc.error);
    const prom_sample *s = prom_find(&doc, "a", "x=\"q\\\"\\\\\\n\",");
    assert_non_null(s);
    assert_string_equal(s->labels[0].value, "q\"\\\n");
    assert_string_equal(doc.families[0].help, "A \\ help\nline");
    prom_doc_free(&doc);
}

/* ---- registry ----------------------------------------------------------- */

static void test_obs__exact_exposition(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    assert_non_null(r);
    static const char *const labels[] = {"verb", "code"};
    static const double bounds[] = {0.1, 1};
    hpac_family_spec counter = {HPAC_FAMILY_COUNTER, "req_total", "Requests.", labels, 2, NULL,
                                0};
    hpac_family_spec gauge = {HPAC_FAMILY_GAUGE, "temp", "Temperature.", NULL, 0, NULL, 0};
    hpac_family_spec hist = {HPAC_FAMILY_HISTOGRAM, "lat_seconds", "Latency.", labels, 1,
                             bounds, 2};
    hpac_family_spec empty = {HPAC_FAMILY_GAUGE, "unused", "Never set.", NULL, 0, NULL, 0};
    hpac_family *c = hpac_registry_add(r, &counter);
    hpac_family *g = hpac_registry_add(r, &gauge);
    hpac_family *h = hpac_registry_add(r, &hist);
    assert_non_null(hpac_registry_add(r, &empty));
    assert_non_null(c);
    assert_non_null(g);
    assert_non_null(h);

    const char *get200[] = {"GET", "200"}, *put409[] = {"PUT", "409"};
    const char *get[] = {"GET"};
    assert_int_equal(hpac_family_add(c, get200, 1), 0);
    assert_int_equal(hpac_family_add(c, put409, 1), 0);
    assert_int_equal(hpac_family_add(c, get200, 2), 0);
    assert_int_equal(hpac_family_set(g, NULL, -2.5), 0);
    assert_int_equal(hpac_family_observe(h, get, 0.1), 0); /* le is inclusive */
    assert_int_equal(hpac_family_observe(h, get, 0.5), 0);
    assert_int_equal(hpac_family_observe(h, get, 7), 0);

    prom_doc doc;
    char *text = render_checked(r, &doc);
    static const char want[] = "# HELP req_total Requests.\n"
                               "# TYPE req_total counter\n"
                               "req_total{verb=\"GET\",code=\"200\"} 3\n"
                               "req_total{verb=\"PUT\",code=\"409\"} 1\n"
                               "# HELP temp Temperature.\n"
                               "# TYPE temp gauge\n"
                               "temp -2.5\n"
                               "# HELP lat_seconds Latency.\n"
                               "# TYPE lat_seconds histogram\n"
                               "lat_seconds_bucket{verb=\"GET\",le=\"0.1\"} 1\n"
                               "lat_seconds_bucket{verb=\"GET\",le=\"1\"} 2\n"
                               "lat_seconds_bucket{verb=\"GET\",le=\"+Inf\"} 3\n"
                               "lat_seconds_sum{verb=\"GET\"} 7.6\n"
                               "lat_seconds_count{verb=\"GET\"} 3\n"
                               "# HELP unused Never set.\n"
                               "# TYPE unused gauge\n";
    assert_string_equal(text, want);
    free(text);
    prom_doc_free(&doc);
    hpac_registry_free(r);
}

static void test_obs__escaping(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    static const char *const labels[] = {"v"};
    hpac_family_spec spec = {HPAC_FAMILY_GAUGE, "esc", "Back\\slash and\nnewline \"quoted\".",
                             labels, 1, NULL, 0};
    hpac_family *f = hpac_registry_add(r, &spec);
    assert_non_null(f);
    static const char *const values[] = {
        "plain", "a\"b", "c\\d", "e\nf", "\\\"\n", "", "ünïcødé", "{x=\"1\"} 2",
    };
    for (size_t i = 0; i < ARRAY_LEN(values); i++) {
        const char *v[] = {values[i]};
        assert_int_equal(hpac_family_set(f, v, (double)i), 0);
    }
    prom_doc doc;
    char *text = render_checked(r, &doc);
    assert_non_null(strstr(text, "# HELP esc Back\\\\slash and\\nnewline \"quoted\".\n"));
    assert_non_null(strstr(text, "esc{v=\"a\\\"b\"} 1\n"));
    assert_non_null(strstr(text, "esc{v=\"c\\\\d\"} 2\n"));
    assert_non_null(strstr(text, "esc{v=\"e\\nf\"} 3\n"));
    /* What the scraper reads back is what was written. */
    assert_int_equal(doc.sample_count, ARRAY_LEN(values));
    for (size_t i = 0; i < ARRAY_LEN(values); i++) {
        assert_string_equal(doc.samples[i].labels[0].value, values[i]);
        assert_true(doc.samples[i].value == (double)i);
    }
    assert_string_equal(doc.families[0].help, spec.help);
    free(text);
    prom_doc_free(&doc);
    hpac_registry_free(r);
}

static void test_obs__numbers(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    static const char *const labels[] = {"i"};
    hpac_family_spec spec = {HPAC_FAMILY_GAUGE, "n", "Numbers.", labels, 1, NULL, 0};
    hpac_family *f = hpac_registry_add(r, &spec);
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {1, "1"},
        {-3, "-3"},
        {0.1, "0.1"},
        {1.0 / 3, "0.33333333333333331"},
        {123456789012, "123456789012"},
        {1e300, "1e+300"},
        {2.5e-7, "2.5e-07"},
        {1.0 / 0.0, "+Inf"},
        {-1.0 / 0.0, "-Inf"},
    };
    char expect[2048] = "# HELP n Numbers.\n# TYPE n gauge\n";
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char idx[8];
        snprintf(idx, sizeof(idx), "%zu", i);
        const char *v[] = {idx};
        assert_int_equal(hpac_family_set(f, v, cases[i].v), 0);
        size_t n = strlen(expect);
        snprintf(expect + n, sizeof(expect) - n, "n{i=\"%zu\"} %s\n", i, cases[i].text);
    }
    prom_doc doc;
    char *text = render_checked(r, &doc);
    assert_string_equal(text, expect);
    /* Every number reads back exactly. */
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        assert_true(doc.samples[i].value == cases[i].v);
    free(text);
    prom_doc_free(&doc);
    hpac_registry_free(r);
}

static void test_obs__invalid_registrations(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    static const char *const ok_labels[] = {"a"};
    static const char *const le[] = {"le"};
    static const char *const reserved[] = {"__name"};
    static const char *const twice[] = {"a", "a"};
    static const char *const bad_label[] = {"a-b"};
    static const double increasing[] = {1, 2};
    static const double flat[] = {1, 1};
    static const double with_inf[] = {1, 1.0 / 0.0};
    hpac_family_spec taken = {HPAC_FAMILY_HISTOGRAM, "h", "", NULL, 0, increasing, 2};
    assert_non_null(hpac_registry_add(r, &taken));
    const hpac_family_spec bad[] = {
        {HPAC_FAMILY_GAUGE, "", "", NULL, 0, NULL, 0},
        {HPAC_FAMILY_GAUGE, "9lives", "", NULL, 0, NULL, 0},
        {HPAC_FAMILY_GAUGE, "with space", "", NULL, 0, NULL, 0},
        {HPAC_FAMILY_GAUGE, "h", "", NULL, 0, NULL, 0},        /* taken */
        {HPAC_FAMILY_GAUGE, "h_bucket", "", NULL, 0, NULL, 0}, /* a histogram's sample */
        {HPAC_FAMILY_GAUGE, "h_count", "", NULL, 0, NULL, 0},
        {HPAC_FAMILY_GAUGE, "g", "", reserved, 1, NULL, 0},
        {HPAC_FAMILY_GAUGE, "g", "", twice, 2, NULL, 0},
        {HPAC_FAMILY_GAUGE, "g", "", bad_label, 1, NULL, 0},
        {HPAC_FAMILY_GAUGE, "g", "", ok_labels, 1, increasing, 2}, /* buckets on a gauge */
        {HPAC_FAMILY_HISTOGRAM, "g", "", le, 1, increasing, 2},
        {HPAC_FAMILY_HISTOGRAM, "g", "", NULL, 0, flat, 2},
        {HPAC_FAMILY_HISTOGRAM, "g", "", NULL, 0, with_inf, 2},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        if (hpac_registry_add(r, &bad[i]))
            fail_msg("case %zu (%s) accepted", i, bad[i].name);
    /* A histogram whose sample names another family already uses. */
    hpac_family_spec x_sum = {HPAC_FAMILY_GAUGE, "x_sum", "", NULL, 0, NULL, 0};
    hpac_family_spec x = {HPAC_FAMILY_HISTOGRAM, "x", "", NULL, 0, increasing, 2};
    assert_non_null(hpac_registry_add(r, &x_sum));
    assert_null(hpac_registry_add(r, &x));
    /* A colon is fine in a metric name. */
    hpac_family_spec colon = {HPAC_FAMILY_GAUGE, "job:rate5m", "", ok_labels, 1, NULL, 0};
    assert_non_null(hpac_registry_add(r, &colon));
    hpac_registry_free(r);
}

static void test_obs__invalid_updates(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    static const char *const labels[] = {"a"};
    static const double bounds[] = {1};
    hpac_family_spec cs = {HPAC_FAMILY_COUNTER, "c_total", "", labels, 1, NULL, 0};
    hpac_family_spec gs = {HPAC_FAMILY_GAUGE, "g", "", labels, 1, NULL, 0};
    hpac_family_spec hs = {HPAC_FAMILY_HISTOGRAM, "h", "", labels, 1, bounds, 1};
    hpac_family *c = hpac_registry_add(r, &cs);
    hpac_family *g = hpac_registry_add(r, &gs);
    hpac_family *h = hpac_registry_add(r, &hs);
    const char *v[] = {"x"};
    const char *null_value[] = {NULL};
    char *longest = malloc(HPAC_REGISTRY_MAX_VALUE + 2);
    memset(longest, 'a', HPAC_REGISTRY_MAX_VALUE + 1);
    longest[HPAC_REGISTRY_MAX_VALUE + 1] = '\0';
    const char *too_long[] = {longest};

    assert_int_equal(hpac_family_add(c, v, -1), -1);       /* counters only go up */
    assert_int_equal(hpac_family_add(c, v, 0.0 / 0.0), -1); /* NaN */
    assert_int_equal(hpac_family_observe(c, v, 1), -1);
    assert_int_equal(hpac_family_observe(g, v, 1), -1);
    assert_int_equal(hpac_family_add(h, v, 1), -1);
    assert_int_equal(hpac_family_set(h, v, 1), -1);
    assert_int_equal(hpac_family_observe(h, v, 0.0 / 0.0), -1);
    assert_int_equal(hpac_family_set(g, NULL, 1), -1);
    assert_int_equal(hpac_family_set(g, null_value, 1), -1);
    assert_int_equal(hpac_family_set(g, too_long, 1), -1);
    /* None of these created a series. */
    assert_int_equal(hpac_family_series_count(c) + hpac_family_series_count(g) +
                         hpac_family_series_count(h),
                     0);
    /* Exactly at the cap is fine. */
    longest[HPAC_REGISTRY_MAX_VALUE] = '\0';
    assert_int_equal(hpac_family_set(g, too_long, 1), 0);
    /* A counter may be set (it mirrors a total kept elsewhere) and a gauge
     * may go down. */
    assert_int_equal(hpac_family_set(c, v, 5), 0);
    assert_int_equal(hpac_family_add(g, v, -3), 0);
    double value;
    assert_int_equal(hpac_family_get(g, v, &value, NULL, NULL), 0);
    assert_true(value == -3);
    free(longest);
    hpac_registry_free(r);
}

static void test_obs__histogram_buckets(void **state)
{
    (void)state;
    hpac_registry *r = hpac_registry_new();
    double bounds[15];
    hpac_exponential_buckets(0.001, 2, 15, bounds);
    hpac_family_spec spec = {HPAC_FAMILY_HISTOGRAM, "d_seconds", "", NULL, 0, bounds, 15};
    hpac_family *h = hpac_registry_add(r, &spec);
    assert_non_null(h);
    /* One observation exactly on each bound, one below the first, two
     * beyond the last. */
    double total = 0;
    for (size_t i = 0; i < 15; i++) {
        assert_int_equal(hpac_family_observe(h, NULL, bounds[i]), 0);
        total += bounds[i];
    }
    static const double extra[] = {-1, 0.0005, 20, 1e9};
    for (size_t i = 0; i < ARRAY_LEN(extra); i++) {
        assert_int_equal(hpac_family_observe(h, NULL, extra[i]), 0);
        total += extra[i];
    }
    prom_doc doc;
    char *text = render_checked(r, &doc);
    static const char *const les[] = {"0.001", "0.002", "0.004", "0.008", "0.016",
                                      "0.032", "0.064", "0.128", "0.256", "0.512",
                                      "1.024", "2.048", "4.096", "8.192", "16.384"};
    for (size_t i = 0; i < 15; i++) {
        char raw[32];
        snprintf(raw, sizeof(raw), "le=\"%s\"", les[i]);
        /* Two below the first bound, then one per bound. */
        assert_true(sample_value(&doc, "d_seconds_bucket", raw) == (double)(i + 3));
    }
    assert_true(sample_value(&doc, "d_seconds_bucket", "le=\"+Inf\"") == 19);
    assert_true(sample_value(&doc, "d_seconds_count", "") == 19);
    assert_true(sample_value(&doc, "d_seconds_sum", "") == total);
    uint64_t count;
    double sum;
    assert_int_equal(hpac_family_get(h, NULL, NULL, &count, &sum), 0);
    assert_int_equal(count, 19);
    assert_true(sum == total);
    free(text);
    prom_doc_free(&doc);
    hpac_registry_free(r);
}

/* Thousands of series (one per HPA): the table grows, lookups stay exact,
 * removal leaves no trace, and a removed series comes back from zero. */
static void test_obs__many_series_and_removal(void **state)
{
    (void)state;
    enum { N = 20000 };
    hpac_registry *r = hpac_registry_new();
    static const char *const labels[] = {"namespace", "hpa_name"};
    hpac_family_spec spec = {HPAC_FAMILY_GAUGE, "desired", "", labels, 2, NULL, 0};
    hpac_family *f = hpac_registry_add(r, &spec);
    char ns[32], name[32];
    for (int i = 0; i < N; i++) {
        /* Values that collide when naively concatenated. */
        snprintf(ns, sizeof(ns), "ns%d", i % 100);
        snprintf(name, sizeof(name), "%d", i / 100);
        const char *v[] = {ns, name};
        assert_int_equal(hpac_family_set(f, v, i), 0);
    }
    const char *ab[] = {"ns1", "23"}, *a_b[] = {"ns12", "3"};
    assert_int_equal(hpac_family_set(f, ab, -1), 0);
    assert_int_equal(hpac_family_set(f, a_b, -2), 0);
    assert_int_equal(hpac_family_series_count(f), N);
    for (int i = 0; i < N; i += 2) {
        snprintf(ns, sizeof(ns), "ns%d", i % 100);
        snprintf(name, sizeof(name), "%d", i / 100);
        const char *v[] = {ns, name};
        assert_int_equal(hpac_family_remove(f, v), 0);
        assert_int_equal(hpac_family_remove(f, v), -1);
    }
    assert_int_equal(hpac_family_series_count(f), N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(ns, sizeof(ns), "ns%d", i % 100);
        snprintf(name, sizeof(name), "%d", i / 100);
        const char *v[] = {ns, name};
        double value;
        int rc = hpac_family_get(f, v, &value, NULL, NULL);
        if (i % 2 == 0) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            double want = i;
            if (strcmp(ns, "ns1") == 0 && strcmp(name, "23") == 0)
                want = -1;
            if (strcmp(ns, "ns12") == 0 && strcmp(name, "3") == 0)
                want = -2;
            assert_true(value == want);
        }
    }
    prom_doc doc;
    char *text = render_checked(r, &doc);
    assert_int_equal(doc.sample_count, N / 2);
    assert_null(prom_find(&doc, "desired", "namespace=\"ns0\",hpa_name=\"0\""));
    assert_true(sample_value(&doc, "desired", "namespace=\"ns1\",hpa_name=\"0\"") == 1);
    free(text);
    prom_doc_free(&doc);

    /* Back from zero after removal; it renders last (creation order). */
    const char *v0[] = {"ns0", "0"};
    assert_int_equal(hpac_family_add(f, v0, 4), 0);
    text = render_checked(r, &doc);
    assert_true(doc.samples[doc.sample_count - 1].value == 4);
    assert_string_equal(doc.samples[doc.sample_count - 1].raw_labels,
                        "namespace=\"ns0\",hpa_name=\"0\"");
    free(text);
    prom_doc_free(&doc);
    hpac_registry_free(r);
}

/* ---- process statistics ------------------------------------------------- */

static void test_obs__process_stat_parse(void **state)
{
    (void)state;
    /* utime 14 = 300, stime 15 = 100, starttime 22 = 5000, vsize 23,
     * rss 24 = 250 pages. The command holds spaces and parentheses. */
    static const char *const commands[] = {"hpac", "a b", "x) (y", ")", "((("};
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        char line[512];
        snprintf(line, sizeof(line),
                 "4242 (%s) S 1 4242 4242 0 -1 4194560 100 0 0 0 300 100 0 0 20 0 1 0 5000 "
                 "123456789 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
                 commands[i]);
        hpac_process_stats st;
        if (hpac_process_parse_stat(line, 100, 4096, 1700000000, &st))
            fail_msg("command %s: rejected", commands[i]);
        assert_true(st.cpu_seconds == 4.0);
        assert_true(st.start_time_seconds == 1700000050.0);
        assert_true(st.virtual_bytes == 123456789.0);
        assert_true(st.resident_bytes == 250.0 * 4096);
    }
    static const char *const bad[] = {
        "",
        "4242 hpac S 1 2 3",
        "4242 (hpac) S 1 4242",
        "4242 (hpac) S 1 4242 4242 0 -1 4194560 100 0 0 0 x 100 0 0 20 0 1 0 5000 1 250",
        "4242 (hpac) S 1 4242 4242 0 -1 4194560 100 0 0 0 300 100 0 0 20 0 1 0 5000 1",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        hpac_process_stats st;
        if (hpac_process_parse_stat(bad[i], 100, 4096, 0, &st) == 0)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_obs__process_stats_of_this_process(void **state)
{
    (void)state;
    hpac_process_stats before, after;
    assert_int_equal(hpac_process_stats_read(&before), 0);
    /* Open a few descriptors and see them counted. */
    int fds[4];
    for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
        fds[i] = dup(0);
        assert_true(fds[i] >= 0);
    }
    assert_int_equal(hpac_process_stats_read(&after), 0);
    assert_true(after.open_fds == before.open_fds + ARRAY_LEN(fds));
    for (size_t i = 0; i < ARRAY_LEN(fds); i++)
        close(fds[i]);
    double now = (double)time(NULL);
    assert_true(after.start_time_seconds <= now + 1);
    assert_true(after.start_time_seconds > now - 24 * 3600); /* the test started today */
    assert_true(after.resident_bytes > 1024 * 1024);
    assert_true(after.virtual_bytes >= after.resident_bytes);
    assert_true(after.cpu_seconds >= before.cpu_seconds);
    assert_true(after.max_fds >= after.open_fds);
}

/* ---- hpac's metric set ---------------------------------------------------- */

static void test_obs__hpac_metric_names(void **state)
{
    (void)state;
    hpac_obs *obs = hpac_obs_new();
    assert_non_null(obs);
    prom_doc doc;
    char *text = render_checked(hpac_obs_registry(obs), &doc);
    static const struct {
        const char *name;
        const char *type;
    } want[] = {
        {HPA "reconciliations_total", "counter"},
        {HPA "reconciliation_duration_seconds", "histogram"},
        {HPA "metric_computation_total", "counter"},
        {HPA "metric_computation_duration_seconds", "histogram"},
        {HPA "num_horizontal_pod_autoscalers", "gauge"},
        {HPA "desired_replicas", "gauge"},
        {"hpac_api_requests_total", "counter"},
        {"hpac_api_request_duration_seconds", "histogram"},
        {"hpac_watch_restarts_total", "counter"},
        {"hpac_leader", "gauge"},
        {"hpac_hpas", "gauge"},
        {"process_cpu_seconds_total", "counter"},
        {"process_open_fds", "gauge"},
        {"process_max_fds", "gauge"},
        {"process_virtual_memory_bytes", "gauge"},
        {"process_resident_memory_bytes", "gauge"},
        {"process_start_time_seconds", "gauge"},
    };
    assert_int_equal(doc.family_count, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const prom_family *f = prom_find_family(&doc, want[i].name);
        if (!f)
            fail_msg("no family %s", want[i].name);
        assert_string_equal(f->type, want[i].type);
        assert_true(f->has_help && f->help[0]);
    }
    /* Upstream's families carry its stability level. */
    assert_memory_equal(prom_find_family(&doc, HPA "desired_replicas")->help, "[ALPHA] ", 8);
    /* The nine reconciliation outcomes exist from the start, at zero. */
    static const char *const actions[] = {"none", "scale_up", "scale_down"};
    static const char *const errors[] = {"none", "spec", "internal"};
    for (size_t a = 0; a < 3; a++)
        for (size_t e = 0; e < 3; e++) {
            char raw[64];
            snprintf(raw, sizeof(raw), "action=\"%s\",error=\"%s\"", actions[a], errors[e]);
            assert_true(sample_value(&doc, HPA "reconciliations_total", raw) == 0);
        }
    assert_true(sample_value(&doc, "hpac_hpas", "") == 0);
    assert_true(sample_value(&doc, "process_resident_memory_bytes", "") > 0);
    assert_true(sample_value(&doc, "process_start_time_seconds", "") > 1.6e9);
    assert_true(sample_value(&doc, "process_open_fds", "") >= 3);
    free(text);
    prom_doc_free(&doc);
    hpac_obs_free(obs);
}

static void test_obs__hpac_recorders(void **state)
{
    (void)state;
    hpac_obs *obs = hpac_obs_new();
    assert_int_equal(hpac_obs_reconciliation(obs, HPAC_OBS_ACTION_SCALE_UP, HPAC_OBS_ERROR_NONE,
                                             0.003),
                     0);
    assert_int_equal(hpac_obs_reconciliation(obs, HPAC_OBS_ACTION_SCALE_UP, HPAC_OBS_ERROR_NONE,
                                             0.0005),
                     0);
    assert_int_equal(hpac_obs_reconciliation(obs, HPAC_OBS_ACTION_NONE, HPAC_OBS_ERROR_SPEC, 20),
                     0);
    assert_int_equal(hpac_obs_reconciliation(obs, (hpac_obs_action)7, HPAC_OBS_ERROR_NONE, 1), -1);
    assert_int_equal(hpac_obs_metric_computation(obs, HPAC_OBS_ACTION_SCALE_DOWN,
                                                 HPAC_OBS_ERROR_INTERNAL, "External", 0.25),
                     0);
    assert_int_equal(hpac_obs_metric_computation(obs, HPAC_OBS_ACTION_NONE, HPAC_OBS_ERROR_NONE,
                                                 NULL, 0.25),
                     -1);
    assert_int_equal(hpac_obs_desired_replicas_set(obs, "default", "web", 7), 0);
    assert_int_equal(hpac_obs_desired_replicas_set(obs, "default", "api", 3), 0);
    assert_int_equal(hpac_obs_desired_replicas_set(obs, "default", "web", 9), 0);
    assert_int_equal(hpac_obs_desired_replicas_remove(obs, "default", "api"), 0);
    assert_int_equal(hpac_obs_desired_replicas_remove(obs, "default", "api"), -1);
    assert_int_equal(hpac_obs_api_request(obs, "GET", 200, 0.01), 0);
    assert_int_equal(hpac_obs_api_request(obs, "GET", 200, 0.02), 0);
    assert_int_equal(hpac_obs_api_request(obs, "PUT", 409, 0.03), 0);
    assert_int_equal(hpac_obs_api_request(obs, "WATCH", 0, 70), 0);
    assert_int_equal(hpac_obs_watch_restart(obs, "pods"), 0);
    assert_int_equal(hpac_obs_watch_restart(obs, "pods"), 0);
    assert_int_equal(hpac_obs_leader_set(obs, 0, true), 0);
    assert_int_equal(hpac_obs_leader_set(obs, 1, false), 0);
    assert_int_equal(hpac_obs_hpas_set(obs, 42), 0);

    prom_doc doc;
    char *text = render_checked(hpac_obs_registry(obs), &doc);
    assert_true(sample_value(&doc, HPA "reconciliations_total",
                             "action=\"scale_up\",error=\"none\"") == 2);
    assert_true(sample_value(&doc, HPA "reconciliations_total", "action=\"none\",error=\"spec\"") ==
                1);
    assert_true(sample_value(&doc, HPA "reconciliation_duration_seconds_bucket",
                             "action=\"scale_up\",error=\"none\",le=\"0.001\"") == 1);
    assert_true(sample_value(&doc, HPA "reconciliation_duration_seconds_bucket",
                             "action=\"scale_up\",error=\"none\",le=\"0.004\"") == 2);
    assert_true(sample_value(&doc, HPA "reconciliation_duration_seconds_bucket",
                             "action=\"none\",error=\"spec\",le=\"16.384\"") == 0);
    assert_true(sample_value(&doc, HPA "reconciliation_duration_seconds_count",
                             "action=\"none\",error=\"spec\"") == 1);
    assert_true(sample_value(&doc, HPA "metric_computation_total",
                             "action=\"scale_down\",error=\"internal\",metric_type=\"External\"") ==
                1);
    assert_true(sample_value(&doc, HPA "desired_replicas",
                             "namespace=\"default\",hpa_name=\"web\"") == 9);
    assert_null(prom_find(&doc, HPA "desired_replicas", "namespace=\"default\",hpa_name=\"api\""));
    assert_true(sample_value(&doc, "hpac_api_requests_total", "verb=\"GET\",code=\"200\"") == 2);
    assert_true(sample_value(&doc, "hpac_api_requests_total", "verb=\"PUT\",code=\"409\"") == 1);
    assert_true(sample_value(&doc, "hpac_api_requests_total", "verb=\"WATCH\",code=\"<error>\"") ==
                1);
    /* client-go's latency buckets: 5 ms to 60 s. */
    assert_true(sample_value(&doc, "hpac_api_request_duration_seconds_bucket",
                             "verb=\"GET\",le=\"0.025\"") == 2);
    assert_true(sample_value(&doc, "hpac_api_request_duration_seconds_bucket",
                             "verb=\"WATCH\",le=\"60\"") == 0);
    assert_true(sample_value(&doc, "hpac_api_request_duration_seconds_bucket",
                             "verb=\"WATCH\",le=\"+Inf\"") == 1);
    assert_true(sample_value(&doc, "hpac_watch_restarts_total", "resource=\"pods\"") == 2);
    assert_true(sample_value(&doc, "hpac_leader", "shard=\"0\"") == 1);
    assert_true(sample_value(&doc, "hpac_leader", "shard=\"1\"") == 0);
    assert_true(sample_value(&doc, "hpac_hpas", "") == 42);
    assert_true(sample_value(&doc, HPA "num_horizontal_pod_autoscalers", "") == 42);
    free(text);
    prom_doc_free(&doc);
    hpac_obs_free(obs);
}

static void test_obs__readiness(void **state)
{
    (void)state;
    hpac_obs *obs = hpac_obs_new();
    char msg[64];
    static const struct {
        bool synced;
        hpac_obs_leadership leadership;
        bool ready;
        const char *msg;
    } steps[] = {
        {false, HPAC_OBS_ELECTION_OFF, false, "caches not synced"},
        {true, HPAC_OBS_ELECTION_OFF, true, "ok"},
        {true, HPAC_OBS_STANDBY, true, "ok: standby"},
        {true, HPAC_OBS_LEADING, true, "ok: leading"},
        {false, HPAC_OBS_LEADING, false, "caches not synced"},
    };
    assert_false(hpac_obs_readiness(obs, msg, sizeof(msg)));
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        hpac_obs_set_synced(obs, steps[i].synced);
        hpac_obs_set_leadership(obs, steps[i].leadership);
        assert_int_equal(hpac_obs_readiness(obs, msg, sizeof(msg)), steps[i].ready);
        assert_string_equal(msg, steps[i].msg);
    }
    /* A short buffer still gets a terminated prefix. */
    char tiny[3];
    hpac_obs_readiness(obs, tiny, sizeof(tiny));
    assert_string_equal(tiny, "ca");
    hpac_obs_free(obs);
}

/* ---- a writer racing renderers ------------------------------------------ */

enum { RACE_WRITES = 20000, RACE_RENDERERS = 2 };

typedef struct race {
    hpac_obs *obs;
    int done;
    pthread_mutex_t lock;
    int renders;
    char failure[600];
} race;

static void *race_writer(void *arg)
{
    race *rc = arg;
    char name[32];
    for (int i = 0; i < RACE_WRITES; i++) {
        snprintf(name, sizeof(name), "hpa-%d", i % 500);
        hpac_obs_reconciliation(rc->obs, HPAC_OBS_ACTION_NONE, HPAC_OBS_ERROR_NONE, 0.002);
        hpac_obs_desired_replicas_set(rc->obs, "ns", name, i);
        if (i % 3 == 0)
            hpac_obs_desired_replicas_remove(rc->obs, "ns", name);
        hpac_obs_api_request(rc->obs, "GET", 200, 0.01);
    }
    pthread_mutex_lock(&rc->lock);
    rc->done = 1;
    pthread_mutex_unlock(&rc->lock);
    return NULL;
}

static void *race_renderer(void *arg)
{
    race *rc = arg;
    for (;;) {
        pthread_mutex_lock(&rc->lock);
        int done = rc->done;
        pthread_mutex_unlock(&rc->lock);
        size_t len;
        char *text = hpac_obs_render(rc->obs, &len);
        prom_doc doc;
        int bad = !text || prom_parse(text, len, &doc);
        pthread_mutex_lock(&rc->lock);
        if (bad && !rc->failure[0])
            snprintf(rc->failure, sizeof(rc->failure), "%s", text ? doc.error : "render failed");
        rc->renders++;
        pthread_mutex_unlock(&rc->lock);
        if (text)
            prom_doc_free(&doc);
        free(text);
        if (done || bad)
            break;
    }
    return NULL;
}

static void test_obs__writers_race_renderers(void **state)
{
    (void)state;
    race rc = {.obs = hpac_obs_new()};
    pthread_mutex_init(&rc.lock, NULL);
    pthread_t writer, renderers[RACE_RENDERERS];
    assert_int_equal(pthread_create(&writer, NULL, race_writer, &rc), 0);
    for (int i = 0; i < RACE_RENDERERS; i++)
        assert_int_equal(pthread_create(&renderers[i], NULL, race_renderer, &rc), 0);
    pthread_join(writer, NULL);
    for (int i = 0; i < RACE_RENDERERS; i++)
        pthread_join(renderers[i], NULL);
    if (rc.failure[0])
        fail_msg("a concurrent render was malformed: %s", rc.failure);
    assert_true(rc.renders >= RACE_RENDERERS);
    /* Nothing was lost. */
    prom_doc doc;
    char *text = render_checked(hpac_obs_registry(rc.obs), &doc);
    assert_true(sample_value(&doc, HPA "reconciliations_total", "action=\"none\",error=\"none\"") ==
                RACE_WRITES);
    assert_true(sample_value(&doc, HPA "reconciliation_duration_seconds_count",
                             "action=\"none\",error=\"none\"") == RACE_WRITES);
    assert_true(sample_value(&doc, "hpac_api_requests_total", "verb=\"GET\",code=\"200\"") ==
                RACE_WRITES);
    free(text);
    prom_doc_free(&doc);
    pthread_mutex_destroy(&rc.lock);
    hpac_obs_free(rc.obs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_obs__checker_rejects_broken_text),
        cmocka_unit_test(test_obs__exact_exposition),
        cmocka_unit_test(test_obs__escaping),
        cmocka_unit_test(test_obs__numbers),
        cmocka_unit_test(test_obs__invalid_registrations),
        cmocka_unit_test(test_obs__invalid_updates),
        cmocka_unit_test(test_obs__histogram_buckets),
        cmocka_unit_test(test_obs__many_series_and_removal),
        cmocka_unit_test(test_obs__process_stat_parse),
        cmocka_unit_test(test_obs__process_stats_of_this_process),
        cmocka_unit_test(test_obs__hpac_metric_names),
        cmocka_unit_test(test_obs__hpac_recorders),
        cmocka_unit_test(test_obs__readiness),
        cmocka_unit_test(test_obs__writers_race_renderers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
