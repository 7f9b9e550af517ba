/* Fault injection rules of the simulated API server: requests whose
 * method and path prefix match are answered with a fixed status and body,
 * after a delay. Thread-safe (its own mutex). Internal to lib/sim. */
#ifndef HPAC_SIM_SIM_INJECT_H
#define HPAC_SIM_SIM_INJECT_H

#include <stdbool.h>

typedef struct hpac_sim_injections hpac_sim_injections;

/* What a matching rule answers. */
typedef struct hpac_sim_fault {
    int status;
    char *body; /* owned copy; NULL: a Kubernetes Status for `status` */
    int delay_ms;
} hpac_sim_fault;

/* NULL on allocation failure. */
hpac_sim_injections *hpac_sim_injections_new(void);
void hpac_sim_injections_free(hpac_sim_injections *inj);

/* Adds a rule (strings copied; method NULL: any). Returns 0, or -1 for a
 * status outside 100..599 or on allocation failure. */
int hpac_sim_injections_add(hpac_sim_injections *inj, const char *method,
                            const char *path_prefix, int status, const char *body,
                            int delay_ms);
void hpac_sim_injections_clear(hpac_sim_injections *inj);

/* The first rule added that matches, copied into `fault` (the caller frees
 * fault->body). False when none matches. */
bool hpac_sim_injections_match(hpac_sim_injections *inj, const char *method, const char *path,
                               hpac_sim_fault *fault);

#endif
