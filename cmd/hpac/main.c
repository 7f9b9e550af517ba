/* hpac: entry point. Flags, wiring and exit status live here; the logic
 * lives in lib/. */
#include "controller/controller.h"
#include "controller/once.h"
#include "controller/options.h"
#include "demo.h"
#include "simulate.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

/* Subcommands take their own arguments, from their name on. */
static int run_subcommand(int argc, char **argv, const char *name,
                          int (*entry)(int argc, char **argv))
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return entry(argc - i, argv + i);
    }
    return 2;
}

int main(int argc, char **argv)
{
    hpac_options opts;
    char err[512];
    hpac_options_defaults(&opts);
    if (hpac_options_parse(&opts, argc, argv, err, sizeof(err))) {
        fprintf(stderr, "hpac: %s (see hpac --help)\n", err);
        hpac_options_free(&opts);
        return 2;
    }
    hpac_log_configure(opts.json_logs ? HPAC_LOG_JSON : HPAC_LOG_TEXT, opts.verbosity, stderr);
    int status = 0;
    switch (opts.command) {
    case HPAC_CMD_HELP:
        if (opts.arg_count == 0 && argc > 1 && strcmp(argv[1], "simulate") == 0)
            status = run_subcommand(argc, argv, "simulate", hpac_simulate_main);
        else if (opts.arg_count == 0 && argc > 1 && strcmp(argv[1], "demo") == 0)
            status = run_subcommand(argc, argv, "demo", hpac_demo_main);
        else
            fputs(hpac_options_usage(), stdout);
        break;
    case HPAC_CMD_VERSION:
        printf("hpac %s\n", HPAC_VERSION);
        break;
    case HPAC_CMD_RUN:
        status = opts.once ? hpac_run_once(&opts) : hpac_run_controller(&opts);
        break;
    case HPAC_CMD_SIMULATE:
        status = run_subcommand(argc, argv, "simulate", hpac_simulate_main);
        break;
    case HPAC_CMD_DEMO:
        status = run_subcommand(argc, argv, "demo", hpac_demo_main);
        break;
    }
    hpac_options_free(&opts);
    return status;
}
