/* hpac demo: flags in, logging and signals set up, the demo run. The
 * logic lives in lib/demo; this file only wires it. */
#include "demo.h"

#include "demo/demo.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define EXIT_BAD_FLAGS 2
#define EXIT_INTERRUPTED 130

typedef struct demo_args {
    const char *svg;
    const char *log;
    const char *color; /* auto, always, never */
    const char *logging_format;
    int verbosity;
    bool quiet;
    bool help;
} demo_args;

static volatile sig_atomic_t interrupted;

static void on_interrupt(int signum)
{
    (void)signum;
    interrupted = 1;
}

static void usage(FILE *out)
{
    fputs("Usage: hpac demo [--svg demo.svg] [--quiet] [--log FILE]\n\n"
          "Starts a simulated Kubernetes API server on 127.0.0.1 with a Deployment and its\n"
          "HorizontalPodAutoscaler, runs the real hpac controller against it over HTTP, and\n"
          "drives a load profile (quiet, spike, plateau, drop) for about 45 seconds. Prints\n"
          "a timeline of the load, the CPU utilization the HPA sees, the replicas and the\n"
          "reasons for each decision, then a summary; writes a chart.\n\n"
          "Flags:\n"
          "  --svg PATH        where to write the chart (default demo.svg; \"\" for none)\n"
          "  --quiet           print only the summary\n"
          "  --log FILE        write the controller's log there (default: discarded)\n"
          "  -v N              log verbosity (with --log)\n"
          "  --logging-format  text (default) or json (with --log)\n"
          "  --color WHEN      auto (default: when stdout is a terminal), always, never\n"
          "  --help            show this help\n",
          out);
}

static int parse_int(const char *value, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 0 || v > 10)
        return -1;
    *out = (int)v;
    return 0;
}

/* Points *value at the flag's value: after "=", else the next argument. */
static int take_value(int argc, char **argv, int *i, const char *eq, const char **value)
{
    if (eq) {
        *value = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 0;
}

static int parse_args(demo_args *a, int argc, char **argv)
{
    bool skipped_word = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            if (!skipped_word && !strcmp(arg, "demo")) {
                skipped_word = true;
                continue;
            }
            fprintf(stderr, "hpac demo: unexpected argument \"%s\" (see hpac demo --help)\n", arg);
            return -1;
        }
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = NULL;
#define IS(flag) (len == strlen(flag) && strncmp(name, flag, len) == 0)
        if (IS("help") || IS("h")) {
            a->help = true;
        } else if (IS("quiet") || IS("q")) {
            a->quiet = true;
        } else if (IS("svg") || IS("log") || IS("color") || IS("logging-format") || IS("v")) {
            if (take_value(argc, argv, &i, eq, &value)) {
                fprintf(stderr, "hpac demo: flag --%.*s needs a value\n", (int)len, name);
                return -1;
            }
            if (IS("svg")) {
                a->svg = value;
            } else if (IS("log")) {
                a->log = value;
            } else if (IS("logging-format")) {
                a->logging_format = value;
            } else if (IS("color")) {
                a->color = value;
            } else if (parse_int(value, &a->verbosity)) {
                fprintf(stderr, "hpac demo: invalid value \"%s\" for -v\n", value);
                return -1;
            }
        } else {
            fprintf(stderr, "hpac demo: unknown flag --%.*s (see hpac demo --help)\n", (int)len,
                    name);
            return -1;
        }
#undef IS
    }
    if (strcmp(a->color, "auto") && strcmp(a->color, "always") && strcmp(a->color, "never")) {
        fprintf(stderr, "hpac demo: --color must be auto, always or never, not \"%s\"\n", a->color);
        return -1;
    }
    if (strcmp(a->logging_format, "text") && strcmp(a->logging_format, "json")) {
        fprintf(stderr, "hpac demo: --logging-format must be text or json, not \"%s\"\n",
                a->logging_format);
        return -1;
    }
    return 0;
}

static bool use_color(const char *when)
{
    if (!strcmp(when, "always"))
        return true;
    if (!strcmp(when, "never"))
        return false;
    const char *term = getenv("TERM");
    const char *no_color = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}

int hpac_demo_main(int argc, char **argv)
{
    demo_args a = {.svg = "demo.svg", .color = "auto", .logging_format = "text"};
    int status = EXIT_FAILED;
    FILE *log = NULL;
    struct sigaction old_int, old_term, old_pipe;
    bool handlers_set = false;
    hpac_demo_result result = {0};
    char err[1024] = "";

    if (parse_args(&a, argc, argv)) {
        status = EXIT_BAD_FLAGS;
        goto out;
    }
    if (a.help) {
        usage(stdout);
        status = 0;
        goto out;
    }
    /* The controller logs every sync: into --log, else nowhere, so the
     * timeline stays readable. */
    log = fopen(a.log ? a.log : "/dev/null", "a");
    if (!log) {
        fprintf(stderr, "hpac demo: cannot open %s: %s\n", a.log ? a.log : "/dev/null",
                strerror(errno));
        goto out;
    }
    setvbuf(log, NULL, _IOLBF, 0);
    hpac_log_configure(strcmp(a.logging_format, "json") ? HPAC_LOG_TEXT : HPAC_LOG_JSON,
                       a.verbosity, log);

    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* A closed connection must be an error on the socket, not a signal. */
    struct sigaction ignore = {0};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe);
    handlers_set = true;

    hpac_demo_config cfg;
    hpac_demo_config_defaults(&cfg);
    cfg.out = stdout;
    cfg.quiet = a.quiet;
    cfg.color = use_color(a.color);
    cfg.svg_path = a.svg && *a.svg ? a.svg : NULL;
    cfg.log_path = a.log;
    cfg.interrupted = &interrupted;
    if (hpac_demo_run(&cfg, &result, err, sizeof(err))) {
        fprintf(stderr, "hpac demo: %s%s\n", err,
                a.log ? "" : " (run again with --log FILE to see the controller's log)");
        goto out;
    }
    if (result.interrupted) {
        fprintf(stderr, "hpac demo: interrupted\n");
        status = EXIT_INTERRUPTED;
        goto out;
    }
    status = 0;
out:
    hpac_demo_result_clear(&result);
    if (handlers_set) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
    }
    if (log) {
        hpac_log_configure(HPAC_LOG_TEXT, 0, NULL);
        fclose(log);
    }
    return status;
}
