/* hpac-sim: the simulated API server as a process of its own, serving one
 * case (FORMAT.md) on loopback until interrupted. For trying hpac by hand
 * and for keeping the server on another core in the benchmark. */
#include "sim/case.h"
#include "sim/sim_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    const char *case_path = NULL, *token = NULL;
    unsigned port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--case") && i + 1 < argc)
            case_path = argv[++i];
        else if (!strcmp(argv[i], "--token") && i + 1 < argc)
            token = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: hpac-sim --case FILE [--port N] [--token T]\n");
            return 2;
        }
    }
    if (!case_path) {
        fprintf(stderr, "usage: hpac-sim --case FILE [--port N] [--token T]\n");
        return 2;
    }
    char err[1024];
    json_t *the_case = hpac_case_load(case_path, err, sizeof(err));
    if (!the_case) {
        fprintf(stderr, "hpac-sim: %s\n", err);
        return 1;
    }
    hpac_sim_options opts = {.port = (uint16_t)port, .token = token};
    hpac_sim_server *sim = hpac_sim_start(json_object_get(the_case, "objects"), &opts, err,
                                          sizeof(err));
    json_decref(the_case);
    if (!sim) {
        fprintf(stderr, "hpac-sim: %s\n", err);
        return 1;
    }
    printf("%u\n", hpac_sim_port(sim));
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop_requested)
        pause();
    hpac_sim_stop(sim);
    return 0;
}
