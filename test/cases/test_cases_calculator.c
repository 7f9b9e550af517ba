/* Every acceptance case fed straight to the decoders, the calculator and
 * the normalizer, with a fresh history: no HTTP. The objects come from the
 * simulated cluster's request router, so they are exactly what the API
 * would serve (time placeholders resolved), and the request paths are the
 * ones the controller builds. */
#include "test_support.h"

#include "controller/options.h"
#include "hpa/hpa.h"
#include "hpa/labels.h"
#include "hpa/metric_data.h"
#include "hpa/pod.h"
#include "hpa/sync.h"
#include "metrics/metrics_client.h"
#include "sim/case.h"
#include "sim/sim_routes.h"
#include "sim/sim_state.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In-place percent-decoding of a query value. */
static void url_decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
            char hex[3] = {s[1], s[2], 0};
            *out++ = (char)strtol(hex, NULL, 16);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

typedef struct served {
    int code;
    json_t *body;
} served;

/* GETs `path_and_query` (escaped, as the controller sends it) from the
 * simulated cluster's router. */
static served get(hpac_sim_state *st, const char *path_and_query, int64_t now)
{
    char *copy = hpac_strdup(path_and_query);
    assert_non_null(copy);
    char *query = strchr(copy, '?');
    char *label = NULL, *metric_label = NULL;
    if (query) {
        *query++ = '\0';
        for (char *part = strtok(query, "&"); part; part = strtok(NULL, "&")) {
            char *eq = strchr(part, '=');
            if (!eq)
                continue;
            *eq = '\0';
            url_decode(eq + 1);
            if (!strcmp(part, "labelSelector"))
                label = eq + 1;
            else if (!strcmp(part, "metricLabelSelector"))
                metric_label = eq + 1;
        }
    }
    url_decode(copy);
    hpac_sim_request req = {.method = "GET",
                            .path = copy,
                            .label_selector = label,
                            .metric_label_selector = metric_label,
                            .server_address = "127.0.0.1:0",
                            .now_ms = now};
    hpac_sim_reply reply = {0};
    hpac_sim_route(st, &req, &reply);
    free(copy);
    return (served){reply.code, reply.body};
}

static char *status_message(const served *s)
{
    const char *msg = json_string_value(json_object_get(s->body, "message"));
    return hpac_format("%s (HTTP %d)", msg ? msg : "error", s->code);
}

/* The plural of a kind from the router's discovery document. */
static char *resource_of(hpac_sim_state *st, const char *api_version, const char *kind,
                         int64_t now)
{
    char *path = strchr(api_version, '/') ? hpac_format("/apis/%s", api_version)
                                          : hpac_format("/api/%s", api_version);
    served s = get(st, path, now);
    free(path);
    char *resource = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s.body, "resources"), i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *k = json_string_value(json_object_get(r, "kind"));
        if (name && k && !strchr(name, '/') && !strcmp(k, kind))
            resource = hpac_strdup(name);
    }
    json_decref(s.body);
    return resource;
}

/* What one metric's fetch gives, decoded like the controller does. */
typedef struct fetched {
    char *error;
    hpac_pod_usage_list usage;
    hpac_pod_sample_list samples;
    hpac_value_list values;
} fetched;

static void fetch_metric(hpac_sim_state *st, const hpac_hpa *hpa, const char *selector,
                         const hpac_metric_spec *spec, int64_t now, fetched *f,
                         hpac_metric_fetch *out)
{
    char *object_resource = NULL;
    if (spec->type == HPAC_METRIC_OBJECT && spec->described_object.api_version)
        object_resource = resource_of(st, spec->described_object.api_version,
                                      spec->described_object.kind, now);
    char *path = hpac_metrics_path(hpa->namespace, selector, spec, object_resource);
    free(object_resource);
    if (!path)
        return; /* nothing to read: the decision reports why */
    served s = get(st, path, now);
    free(path);
    char err[512];
    int rc = -1;
    if (s.code == 200) {
        switch (spec->type) {
        case HPAC_METRIC_RESOURCE:
        case HPAC_METRIC_CONTAINER_RESOURCE:
            rc = hpac_pod_usage_from_json(s.body, spec->resource_name, &f->usage, err,
                                          sizeof(err));
            out->usage = &f->usage;
            break;
        case HPAC_METRIC_PODS:
            rc = hpac_pod_samples_from_json(s.body, &f->samples, err, sizeof(err));
            out->samples = &f->samples;
            break;
        case HPAC_METRIC_OBJECT:
            rc = hpac_object_value_from_json(s.body, &f->values, err, sizeof(err));
            out->values = &f->values;
            break;
        case HPAC_METRIC_EXTERNAL:
            rc = hpac_external_values_from_json(s.body, &f->values, err, sizeof(err));
            out->values = &f->values;
            break;
        case HPAC_METRIC_UNKNOWN:
            break;
        }
        if (rc)
            f->error = hpac_format("unable to fetch metrics: %s", err);
    } else {
        char *msg = status_message(&s);
        f->error = hpac_format("unable to fetch metrics: %s", msg);
        free(msg);
    }
    out->error = f->error;
    json_decref(s.body);
}

static json_t *events_json(const hpac_sync_decision *d)
{
    json_t *events = json_array();
    for (size_t i = 0; i < d->event_count; i++)
        json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "type",
                                                d->events[i].warning ? "Warning" : "Normal",
                                                "reason", d->events[i].reason, "message",
                                                d->events[i].message));
    return events;
}

/* Runs one case; returns 1 on a match, else 0 with why. */
static int run_case(const char *path, char *why, size_t whysize)
{
    char err[1024];
    json_t *the_case = hpac_case_load(path, err, sizeof(err));
    if (!the_case) {
        snprintf(why, whysize, "cannot load: %s", err);
        return 0;
    }
    hpac_sim_state *st = hpac_sim_state_new(json_object_get(the_case, "objects"), err,
                                            sizeof(err));
    assert_non_null(st);
    int64_t now = hpac_clock_wall_ms();

    /* Flags as the binary would parse them. */
    size_t flag_count = 0;
    const char **flags = hpac_case_flags(the_case, &flag_count);
    char **argv = calloc(flag_count + 2, sizeof(*argv));
    assert_non_null(argv);
    argv[0] = "hpac";
    for (size_t i = 0; i < flag_count; i++)
        argv[i + 1] = (char *)flags[i];
    hpac_options opts;
    hpac_options_defaults(&opts);
    assert_int_equal(hpac_options_parse(&opts, (int)flag_count + 1, argv, err, sizeof(err)), 0);

    served list = get(st, "/apis/autoscaling/v2/horizontalpodautoscalers", now);
    json_t *hpa_json = json_array_get(json_object_get(list.body, "items"), 0);
    hpac_hpa hpa;
    assert_int_equal(hpac_hpa_from_json(hpa_json, &hpa, err, sizeof(err)), 0);

    hpac_scale scale = {0};
    char *scale_error = NULL;
    char *res = resource_of(st, hpa.scale_target_ref.api_version, hpa.scale_target_ref.kind, now);
    if (!res) {
        scale_error = hpac_strdup("no such kind");
    } else {
        char *scale_path =
            strchr(hpa.scale_target_ref.api_version, '/')
                ? hpac_format("/apis/%s/namespaces/%s/%s/%s/scale",
                              hpa.scale_target_ref.api_version, hpa.namespace, res,
                              hpa.scale_target_ref.name)
                : hpac_format("/api/%s/namespaces/%s/%s/%s/scale",
                              hpa.scale_target_ref.api_version, hpa.namespace, res,
                              hpa.scale_target_ref.name);
        served s = get(st, scale_path, now);
        free(scale_path);
        if (s.code != 200)
            scale_error = status_message(&s);
        else
            assert_int_equal(hpac_scale_from_json(s.body, &scale, err, sizeof(err)), 0);
        json_decref(s.body);
    }
    free(res);

    hpac_pod *pods = NULL;
    size_t pod_count = 0;
    size_t n = hpa.metric_count;
    fetched *data = calloc(n + 1, sizeof(*data));
    hpac_metric_fetch *fetches = calloc(n + 1, sizeof(*fetches));
    assert_non_null(data);
    assert_non_null(fetches);
    hpac_selector *sel = scale.selector ? hpac_selector_parse(scale.selector, NULL, 0) : NULL;
    if (!scale_error && sel && *scale.selector && hpac_sync_needs_metrics(&hpa, &scale)) {
        char *esc = hpac_format("/api/v1/namespaces/%s/pods?labelSelector=%s", hpa.namespace,
                                scale.selector);
        served s = get(st, esc, now);
        free(esc);
        assert_int_equal(s.code, 200);
        assert_int_equal(hpac_pods_from_list_json(s.body, &pods, &pod_count, err, sizeof(err)),
                         0);
        json_decref(s.body);
        for (size_t i = 0; i < n; i++)
            fetch_metric(st, &hpa, scale.selector, &hpa.metrics[i], now, &data[i], &fetches[i]);
    }
    hpac_selector_free(sel);

    hpac_history history = {0};
    hpac_sync_input in = {.hpa = &hpa,
                          .options = &opts.sync,
                          .now_ms = now,
                          .scale_error = scale_error,
                          .scale = &scale,
                          .pods = pods,
                          .pod_count = pod_count,
                          .metrics = fetches};
    hpac_sync_decision d;
    assert_int_equal(hpac_sync_decide(&in, &history, &d), 0);
    if (d.rescale)
        assert_int_equal(hpac_sync_rescaled(&d, &hpa, &history, now), 0);

    json_t *status = hpac_hpa_status_to_json(&d.status, hpa.metrics, hpa.metric_count);
    json_t *events = events_json(&d);
    hpac_test_outcome outcome = {.scaled = d.rescale,
                                 .replicas = d.rescale ? d.desired_replicas : d.current_replicas,
                                 .status = status,
                                 .events = events};
    int ok = hpac_test_check_expect(json_object_get(the_case, "expect"), &outcome, why, whysize);

    json_decref(status);
    json_decref(events);
    hpac_sync_decision_clear(&d);
    hpac_history_clear(&history);
    for (size_t i = 0; i < n; i++) {
        free(data[i].error);
        hpac_pod_usage_list_clear(&data[i].usage);
        hpac_pod_sample_list_clear(&data[i].samples);
        hpac_value_list_clear(&data[i].values);
    }
    free(data);
    free(fetches);
    hpac_pods_free(pods, pod_count);
    free(scale_error);
    hpac_scale_clear(&scale);
    hpac_hpa_clear(&hpa);
    json_decref(list.body);
    hpac_options_free(&opts);
    free(argv);
    free(flags);
    hpac_sim_state_free(st);
    json_decref(the_case);
    return ok;
}

static void test_cases__upstream_corpus_through_the_calculator(void **state)
{
    (void)state;
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        char why[2048];
        if (!run_case(paths[i], why, sizeof(why))) {
            const char *base = strrchr(paths[i], '/');
            print_error("FAIL %s: %s\n", base ? base + 1 : paths[i], why);
            failed++;
        }
    }
    print_message("%zu of %zu cases pass\n", count - failed, count);
    hpac_test_free_paths(paths, count);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases__upstream_corpus_through_the_calculator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
