#include "sim/sim_inject.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct rule {
    char *method; /* NULL: any */
    char *prefix;
    int status;
    char *body; /* NULL: a Status */
    int delay_ms;
} rule;

struct hpac_sim_injections {
    pthread_mutex_t mutex; /* covers rules */
    rule *rules;
    size_t count, cap;
};

hpac_sim_injections *hpac_sim_injections_new(void)
{
    hpac_sim_injections *inj = calloc(1, sizeof(*inj));
    if (inj && pthread_mutex_init(&inj->mutex, NULL) != 0) {
        free(inj);
        return NULL;
    }
    return inj;
}

static void rule_clear(rule *r)
{
    free(r->method);
    free(r->prefix);
    free(r->body);
}

void hpac_sim_injections_clear(hpac_sim_injections *inj)
{
    pthread_mutex_lock(&inj->mutex);
    for (size_t i = 0; i < inj->count; i++)
        rule_clear(&inj->rules[i]);
    inj->count = 0;
    pthread_mutex_unlock(&inj->mutex);
}

void hpac_sim_injections_free(hpac_sim_injections *inj)
{
    if (!inj)
        return;
    hpac_sim_injections_clear(inj);
    free(inj->rules);
    pthread_mutex_destroy(&inj->mutex);
    free(inj);
}

int hpac_sim_injections_add(hpac_sim_injections *inj, const char *method,
                            const char *path_prefix, int status, const char *body,
                            int delay_ms)
{
    rule r = {
        .method = method ? strdup(method) : NULL,
        .prefix = strdup(path_prefix ? path_prefix : ""),
        .status = status,
        .body = body ? strdup(body) : NULL,
        .delay_ms = delay_ms > 0 ? delay_ms : 0,
    };
    int rc = -1;
    /* An HTTP status the server can send; other rules are refused. */
    if (status < 100 || status > 599)
        goto out;
    if ((method && !r.method) || !r.prefix || (body && !r.body))
        goto out;
    pthread_mutex_lock(&inj->mutex);
    if (inj->count == inj->cap) {
        size_t cap = inj->cap ? inj->cap * 2 : 8;
        rule *grown = realloc(inj->rules, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&inj->mutex);
            goto out;
        }
        inj->rules = grown;
        inj->cap = cap;
    }
    inj->rules[inj->count++] = r;
    pthread_mutex_unlock(&inj->mutex);
    r = (rule){0};
    rc = 0;
out:
    rule_clear(&r);
    return rc;
}

bool hpac_sim_injections_match(hpac_sim_injections *inj, const char *method, const char *path,
                               hpac_sim_fault *fault)
{
    bool found = false;
    pthread_mutex_lock(&inj->mutex);
    for (size_t i = 0; i < inj->count && !found; i++) {
        const rule *r = &inj->rules[i];
        if (r->method && strcasecmp(r->method, method) != 0)
            continue;
        if (strncmp(path, r->prefix, strlen(r->prefix)) != 0)
            continue;
        fault->status = r->status;
        fault->delay_ms = r->delay_ms;
        fault->body = r->body ? strdup(r->body) : NULL;
        found = true;
    }
    pthread_mutex_unlock(&inj->mutex);
    return found;
}
