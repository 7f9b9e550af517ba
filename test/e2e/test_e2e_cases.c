/* Every acceptance case through the real binary: the simulated API server
 * serves the case over HTTP, `hpac --once` reconciles it, and the writes
 * the server recorded are checked against the case's expectations. */
#include "test_support.h"

#include "e2e_support.h"
#include "sim/case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_case(const char *path, char *why, size_t whysize)
{
    char err[1024];
    json_t *the_case = hpac_case_load(path, err, sizeof(err));
    if (!the_case) {
        snprintf(why, whysize, "cannot load: %s", err);
        return 0;
    }
    hpac_sim_options opts = {.port = 0, .token = E2E_TOKEN};
    hpac_sim_server *sim = hpac_sim_start(json_object_get(the_case, "objects"), &opts, err,
                                          sizeof(err));
    if (!sim) {
        snprintf(why, whysize, "simulator: %s", err);
        json_decref(the_case);
        return 0;
    }
    char *kubeconfig = e2e_write_kubeconfig(hpac_sim_port(sim), E2E_TOKEN);
    assert_non_null(kubeconfig);

    size_t flag_count = 0;
    const char **flags = hpac_case_flags(the_case, &flag_count);
    const char **args = calloc(flag_count + 8, sizeof(*args));
    assert_non_null(args);
    size_t n = 0;
    args[n++] = "--kubeconfig";
    args[n++] = kubeconfig;
    args[n++] = "--hpa-api";
    args[n++] = "autoscaling/v2";
    args[n++] = "--once";
    for (size_t i = 0; i < flag_count; i++)
        args[n++] = flags[i];
    char *log = NULL;
    int rc = e2e_run_hpac(args, 30, &log);

    int ok = 0;
    json_t *writes = hpac_sim_writes(sim);
    json_t *status = e2e_last_status(writes);
    json_t *events = e2e_events(writes);
    const json_t *hpa = json_object_get(json_object_get(the_case, "objects"), "hpa");
    const json_t *ref = json_object_get(json_object_get(hpa, "spec"), "scaleTargetRef");
    const char *ns = json_string_value(json_object_get(json_object_get(hpa, "metadata"),
                                                       "namespace"));
    json_t *target = hpac_sim_get(sim, "target", ns ? ns : "default",
                                  json_string_value(json_object_get(ref, "name")));
    long replicas = target ? (long)json_integer_value(
                                 json_object_get(json_object_get(target, "spec"), "replicas"))
                           : -1;
    if (rc != 0) {
        snprintf(why, whysize, "hpac exited %d: %s", rc, log ? log : "");
    } else {
        hpac_test_outcome outcome = {.scaled = e2e_scale_written(writes),
                                     .replicas = replicas,
                                     .status = status,
                                     .events = events};
        ok = hpac_test_check_expect(json_object_get(the_case, "expect"), &outcome, why, whysize);
        if (!ok && log) {
            size_t used = strlen(why);
            snprintf(why + used, whysize - used, "\n--- hpac log ---\n%.1500s", log);
        }
    }
    json_decref(target);
    json_decref(events);
    json_decref(status);
    json_decref(writes);
    free(log);
    free(args);
    free(flags);
    e2e_remove_kubeconfig(kubeconfig);
    hpac_sim_stop(sim);
    json_decref(the_case);
    return ok;
}

static void test_e2e__upstream_corpus_through_the_binary(void **state)
{
    (void)state;
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        char why[4096];
        if (!run_case(paths[i], why, sizeof(why))) {
            const char *base = strrchr(paths[i], '/');
            print_error("FAIL %s: %s\n", base ? base + 1 : paths[i], why);
            failed++;
        }
    }
    print_message("%zu of %zu cases pass end to end\n", count - failed, count);
    hpac_test_free_paths(paths, count);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e2e__upstream_corpus_through_the_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
