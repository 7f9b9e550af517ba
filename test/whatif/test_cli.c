/* `hpac simulate` as a command: exit statuses, messages naming file and
 * line, byte-identical --json, a written --svg, and the example files.
 * The command's entry lives in cmd/hpac (built into the hpac binary); it
 * is compiled into this test directly. */
#include "../../cmd/hpac/simulate.c"

#include "test_support.h"

#include <fcntl.h>
#include <unistd.h>

typedef struct captured {
    int status;
    char *out;
    char *err;
} captured;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

static char dir[] = "/tmp/hpac-whatif-cli-XXXXXX";

static const char *in_dir(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(in_dir(name), "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs the command with stdout and stderr sent to files. */
static captured run(int argc, char **argv)
{
    captured c;
    char out_path[300], err_path[300];
    snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
    snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved_out >= 0 && saved_err >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    c.status = hpac_simulate_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(fo);
    close(fe);
    close(saved_out);
    close(saved_err);
    c.out = slurp(out_path);
    c.err = slurp(err_path);
    return c;
}

static void captured_free(captured *c)
{
    free(c->out);
    free(c->err);
}

static const char hpa_yaml[] = "apiVersion: autoscaling/v2\n"
                               "kind: HorizontalPodAutoscaler\n"
                               "metadata: {name: web}\n"
                               "spec:\n"
                               "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
                               "name: web}\n"
                               "  maxReplicas: 10\n"
                               "  metrics:\n"
                               "  - type: Resource\n"
                               "    resource:\n"
                               "      name: cpu\n"
                               "      target: {type: Utilization, averageUtilization: 50}\n";

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    write_text("hpa.yaml", hpa_yaml);
    write_text("load.csv", "seconds,load\n0,1\n600,4\n1800,0.5\n3600,0.5\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"hpa.yaml", "load.csv", "bad.csv", "bad.yaml",
                                        "nometrics.yaml", "out.svg", "stdout", "stderr"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(in_dir(names[i]));
    rmdir(dir);
    return 0;
}

static void test_whatif__cli_report_and_svg(void **state)
{
    (void)state;
    char *argv[] = {"hpac",      "simulate", "--hpa",    (char *)in_dir("hpa.yaml"),
                    "--trace",   (char *)in_dir("load.csv"), "--svg", (char *)in_dir("out.svg"),
                    "--replicas=2", "--cpu-request", "500m", NULL};
    captured c = run(11, argv);
    if (c.status != 0)
        fail_msg("status %d: %s", c.status, c.err);
    assert_non_null(strstr(c.out, "scale events:"));
    assert_non_null(strstr(c.out, "replica-hours"));
    assert_string_equal(c.err, "");
    char *svg = slurp(in_dir("out.svg"));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    captured_free(&c);
}

static void test_whatif__cli_json_is_byte_identical(void **state)
{
    (void)state;
    char *argv[] = {"simulate", "--json", "--hpa", (char *)in_dir("hpa.yaml"),
                    "--trace",  (char *)in_dir("load.csv"), "--sync-period", "10s", NULL};
    captured a = run(8, argv);
    captured b = run(8, argv);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    assert_string_equal(a.out, b.out);
    assert_non_null(strstr(a.out, "\"syncPeriodSeconds\":10,"));
    assert_non_null(strstr(a.out, "\n{\"t\":10,"));
    captured_free(&a);
    captured_free(&b);
}

typedef struct bad_cli {
    const char *name;
    const char *hpa;     /* file contents, or NULL for hpa.yaml */
    const char *trace;   /* file contents, or NULL for load.csv */
    const char *flag;    /* an extra flag, or NULL */
    const char *message; /* in stderr */
} bad_cli;

static const bad_cli bad_clis[] = {
    {"malformed CSV line", NULL, "0,1\n15,2\n30 3\n", NULL,
     "bad.csv:3: expected \"seconds,load\", got \"30 3\""},
    {"times going back", NULL, "0,1\n60,2\n30,3\n", NULL, "bad.csv:3: time 30 is not after"},
    {"unknown metric",
     "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec:\n"
     "  scaleTargetRef: {kind: Deployment, name: w}\n  maxReplicas: 3\n  metrics:\n"
     "  - type: Magic\n",
     NULL, NULL, "bad.yaml:8: spec.metrics[0].type: unknown metric type \"Magic\""},
    {"HPA without metrics",
     "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec:\n"
     "  scaleTargetRef: {kind: Deployment, name: w}\n  maxReplicas: 3\n",
     NULL, NULL, "bad.yaml:4: spec: the HPA has no metrics"},
    {"HPA that does not parse", "spec: {maxReplicas: [1,\n", NULL, NULL,
     "bad.yaml:2: not valid YAML or JSON"},
    {"missing file", NULL, NULL, "--trace=/nonexistent/load.csv",
     "/nonexistent/load.csv: No such file or directory"},
    {"unknown flag", NULL, NULL, "--frobnicate", "unknown flag --frobnicate"},
    {"bad duration", NULL, NULL, "--pod-startup=soon", "invalid value \"soon\" for --pod-startup"},
};

static void test_whatif__cli_bad_input_exits_2(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_clis) / sizeof(bad_clis[0]); i++) {
        const bad_cli *b = &bad_clis[i];
        const char *hpa = in_dir("hpa.yaml"), *trace = in_dir("load.csv");
        if (b->hpa) {
            write_text("bad.yaml", b->hpa);
            hpa = in_dir("bad.yaml");
        }
        if (b->trace) {
            write_text("bad.csv", b->trace);
            trace = in_dir("bad.csv");
        }
        char *argv[] = {"hpac", "simulate", "--hpa", (char *)hpa, "--trace", (char *)trace,
                        (char *)b->flag, NULL};
        captured c = run(b->flag ? 7 : 6, argv);
        if (c.status != 2 || !strstr(c.err, b->message))
            fail_msg("%s: status %d, stderr \"%s\", expected 2 and \"%s\"", b->name, c.status,
                     c.err, b->message);
        assert_string_equal(c.out, "");
        captured_free(&c);
    }
    char *none[] = {"hpac", "simulate", NULL};
    captured c = run(2, none);
    assert_int_equal(c.status, 2);
    assert_non_null(strstr(c.err, "--hpa and --trace are required"));
    captured_free(&c);
    char *help[] = {"simulate", "--help", NULL};
    c = run(2, help);
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "--pod-startup"));
    captured_free(&c);
}

/* The files under examples/ replay, and a day takes well under a second. */
static void test_whatif__cli_examples(void **state)
{
    (void)state;
    char hpa[512], trace[512];
    snprintf(hpa, sizeof(hpa), "%s/examples/hpa.yaml", HPAC_SOURCE_DIR);
    snprintf(trace, sizeof(trace), "%s/examples/load.csv", HPAC_SOURCE_DIR);
    char *argv[] = {"hpac", "simulate", "--hpa", hpa, "--trace", trace, NULL};
    int64_t started = hpac_clock_monotonic_ms();
    captured c = run(6, argv);
    int64_t took = hpac_clock_monotonic_ms() - started;
    if (c.status != 0)
        fail_msg("examples: status %d: %s", c.status, c.err);
    assert_non_null(strstr(c.out, "5761 syncs"));
    assert_non_null(strstr(c.out, " up "));
    assert_non_null(strstr(c.out, " down "));
    /* Generous for sanitizer builds; a plain build takes some tens of ms. */
    assert_true(took < 5000);
    captured_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatif__cli_report_and_svg),
        cmocka_unit_test(test_whatif__cli_json_is_byte_identical),
        cmocka_unit_test(test_whatif__cli_bad_input_exits_2),
        cmocka_unit_test(test_whatif__cli_examples),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
