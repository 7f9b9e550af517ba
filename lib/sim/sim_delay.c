#include "sim/sim_delay.h"

#include "util/timeutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

typedef struct pending {
    struct pending *next;
    int64_t due_ms; /* monotonic */
    void *item;
} pending;

struct hpac_sim_delayer {
    pthread_mutex_t mutex; /* covers everything below */
    pthread_cond_t cond;   /* signalled on a new item or on stop */
    pthread_t thread;
    hpac_sim_wake_fn wake;
    pending *head; /* sorted by due_ms: O(n) insertion, n being the
                    * requests delayed at once, a handful in tests */
    bool stopping;
};

static void deadline(int64_t due_ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(due_ms / 1000);
    ts->tv_nsec = (long)(due_ms % 1000) * 1000000L;
}

static void *run(void *arg)
{
    hpac_sim_delayer *d = arg;
    pthread_mutex_lock(&d->mutex);
    while (!d->stopping) {
        if (!d->head) {
            pthread_cond_wait(&d->cond, &d->mutex);
            continue;
        }
        int64_t now = hpac_clock_monotonic_ms();
        if (d->head->due_ms > now) {
            struct timespec ts;
            deadline(d->head->due_ms, &ts);
            pthread_cond_timedwait(&d->cond, &d->mutex, &ts);
            continue;
        }
        pending *p = d->head;
        d->head = p->next;
        /* Wake outside the lock: the callback enters the HTTP server. */
        pthread_mutex_unlock(&d->mutex);
        d->wake(p->item);
        free(p);
        pthread_mutex_lock(&d->mutex);
    }
    pthread_mutex_unlock(&d->mutex);
    return NULL;
}

hpac_sim_delayer *hpac_sim_delayer_start(hpac_sim_wake_fn wake)
{
    hpac_sim_delayer *d = calloc(1, sizeof(*d));
    pthread_condattr_t attr;
    bool attr_ok = false, mutex_ok = false, cond_ok = false;
    if (!d)
        return NULL;
    d->wake = wake;
    attr_ok = pthread_condattr_init(&attr) == 0;
    /* Deadlines are on the monotonic clock, like hpac_clock_monotonic_ms. */
    if (!attr_ok || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0)
        goto fail;
    mutex_ok = pthread_mutex_init(&d->mutex, NULL) == 0;
    cond_ok = mutex_ok && pthread_cond_init(&d->cond, &attr) == 0;
    if (!cond_ok || pthread_create(&d->thread, NULL, run, d) != 0)
        goto fail;
    pthread_condattr_destroy(&attr);
    return d;
fail:
    if (cond_ok)
        pthread_cond_destroy(&d->cond);
    if (mutex_ok)
        pthread_mutex_destroy(&d->mutex);
    if (attr_ok)
        pthread_condattr_destroy(&attr);
    free(d);
    return NULL;
}

int hpac_sim_delayer_add(hpac_sim_delayer *d, void *item, int delay_ms)
{
    pending *p = malloc(sizeof(*p));
    if (!p)
        return -1;
    p->item = item;
    p->due_ms = hpac_clock_monotonic_ms() + (delay_ms > 0 ? delay_ms : 0);
    pthread_mutex_lock(&d->mutex);
    if (d->stopping) {
        pthread_mutex_unlock(&d->mutex);
        free(p);
        return -1;
    }
    pending **slot = &d->head;
    while (*slot && (*slot)->due_ms <= p->due_ms)
        slot = &(*slot)->next;
    p->next = *slot;
    *slot = p;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

void hpac_sim_delayer_stop(hpac_sim_delayer *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mutex);
    d->stopping = true;
    pending *list = d->head;
    d->head = NULL;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mutex);
    pthread_join(d->thread, NULL);
    while (list) {
        pending *next = list->next;
        d->wake(list->item);
        free(list);
        list = next;
    }
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->mutex);
    free(d);
}
