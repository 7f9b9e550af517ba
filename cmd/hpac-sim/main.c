/* hpac-sim: the simulated API server as a process of its own, on loopback
 * until interrupted. It serves either one case (FORMAT.md) or, for the
 * benchmark, a generated cluster (generate.h) with a control port
 * (control.h). Prints the API port on the first line of stdout and, with
 * --control, the control port on the second. */
#include "control.h"
#include "generate.h"
#include "sim/case.h"
#include "sim/sim_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USAGE                                                                                      \
    "usage: hpac-sim (--case FILE | --generate N [--pods-per-hpa P] [--namespaces K])\n"           \
    "                [--port N] [--token T] [--threads T] [--control] [--control-port N]\n"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct args {
    const char *case_path;
    const char *token;
    unsigned port;
    unsigned threads;
    long generate; /* -1: no */
    hpac_gen_options gen;
    bool control;
    unsigned control_port;
} args;

static int parse(int argc, char **argv, args *a)
{
    *a = (args){.generate = -1, .gen = {.pods_per_hpa = 10, .namespaces = 1}};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--control")) {
            a->control = true;
            continue;
        }
        if (!value)
            return -1;
        i++;
        if (!strcmp(arg, "--case"))
            a->case_path = value;
        else if (!strcmp(arg, "--token"))
            a->token = value;
        else if (!strcmp(arg, "--port"))
            a->port = (unsigned)strtoul(value, NULL, 10);
        else if (!strcmp(arg, "--threads"))
            a->threads = (unsigned)strtoul(value, NULL, 10);
        else if (!strcmp(arg, "--generate"))
            a->generate = strtol(value, NULL, 10);
        else if (!strcmp(arg, "--pods-per-hpa"))
            a->gen.pods_per_hpa = strtoul(value, NULL, 10);
        else if (!strcmp(arg, "--namespaces"))
            a->gen.namespaces = strtoul(value, NULL, 10);
        else if (!strcmp(arg, "--control-port")) {
            a->control = true;
            a->control_port = (unsigned)strtoul(value, NULL, 10);
        } else
            return -1;
    }
    if ((a->case_path != NULL) == (a->generate >= 0) || a->gen.pods_per_hpa < 1 ||
        a->gen.namespaces < 1 || a->port > 65535 || a->control_port > 65535)
        return -1;
    a->gen.hpas = a->generate >= 0 ? (size_t)a->generate : 0;
    return 0;
}

/* The objects to serve: the case's, or generated ones. New reference. */
static json_t *load_objects(const args *a, char *err, size_t errsize)
{
    if (a->generate >= 0) {
        json_t *objects = hpac_gen_objects(&a->gen);
        if (!objects)
            snprintf(err, errsize, "out of memory generating %ld HPAs", a->generate);
        return objects;
    }
    json_t *the_case = hpac_case_load(a->case_path, err, errsize);
    json_t *objects = json_incref(json_object_get(the_case, "objects"));
    json_decref(the_case);
    return objects;
}

int main(int argc, char **argv)
{
    int status = 1;
    args a;
    char err[1024];
    hpac_sim_server *sim = NULL;
    hpac_sim_control *control = NULL;
    json_t *objects = NULL;
    if (parse(argc, argv, &a)) {
        fputs(USAGE, stderr);
        return 2;
    }
    objects = load_objects(&a, err, sizeof(err));
    if (!objects)
        goto fail;
    if (a.control) {
        control = hpac_sim_control_new(&a.gen);
        if (!control) {
            snprintf(err, sizeof(err), "out of memory");
            goto fail;
        }
    }
    hpac_sim_options opts = {.port = (uint16_t)a.port,
                             .token = a.token,
                             .threads = a.threads,
                             .on_write = control ? hpac_sim_control_on_write : NULL,
                             .on_write_ctx = control};
    sim = hpac_sim_start(objects, &opts, err, sizeof(err));
    json_decref(objects);
    objects = NULL;
    if (!sim)
        goto fail;
    if (control &&
        hpac_sim_control_listen(control, sim, (uint16_t)a.control_port, err, sizeof(err)))
        goto fail;
    printf("%u\n", hpac_sim_port(sim));
    if (control)
        printf("%u\n", hpac_sim_control_port(control));
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop_requested)
        pause();
    status = 0;
    goto out;
fail:
    fprintf(stderr, "hpac-sim: %s\n", err);
out:
    hpac_sim_control_free(control);
    hpac_sim_stop(sim);
    json_decref(objects);
    return status;
}
