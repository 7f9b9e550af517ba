#include "sim/sim_stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Bytes MHD asks a watch stream for at a time. */
#define SIM_WATCH_BLOCK (32u * 1024u)
/* Waiting watch streams are woken this often even without a change, to
 * notice their timeout. */
#define SIM_WATCH_TICK_MS 1000

typedef struct sim_stream sim_stream;

/* The watch streams waiting for a change, each with its connection
 * suspended. A change to the state, the tick, and stopping wake them all;
 * they look at the journal again and wait again if nothing is new for
 * them. */
struct hpac_sim_hub {
    pthread_mutex_t mutex; /* covers the fields below */
    pthread_cond_t cond;   /* the tick thread's sleep */
    pthread_t tick;
    sim_stream *waiters; /* singly linked through next */
    uint64_t seq;        /* moves on at every wake-up */
    bool stopping;
    bool stopped; /* hpac_sim_hub_stop ran (owner's thread only) */
};

/* One watch stream, owned by its MHD response. */
struct sim_stream {
    hpac_sim_hub *hub;
    struct MHD_Connection *conn;
    hpac_sim_watch *watch;
    sim_stream *next; /* in the hub's waiters while suspended */
    bool waiting;
};

/* Resumes every waiting stream. Caller holds hub.mutex. */
static void wake_waiters_locked(hpac_sim_hub *hub)
{
    hub->seq++;
    while (hub->waiters) {
        sim_stream *s = hub->waiters;
        hub->waiters = s->next;
        s->next = NULL;
        s->waiting = false;
        MHD_resume_connection(s->conn);
    }
}

void hpac_sim_hub_wake(hpac_sim_hub *hub)
{
    pthread_mutex_lock(&hub->mutex);
    wake_waiters_locked(hub);
    pthread_mutex_unlock(&hub->mutex);
}

static void *tick_run(void *arg)
{
    hpac_sim_hub *hub = arg;
    pthread_mutex_lock(&hub->mutex);
    while (!hub->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += SIM_WATCH_TICK_MS / 1000;
        pthread_cond_timedwait(&hub->cond, &hub->mutex, &ts);
        wake_waiters_locked(hub);
    }
    pthread_mutex_unlock(&hub->mutex);
    return NULL;
}

hpac_sim_hub *hpac_sim_hub_start(void)
{
    hpac_sim_hub *hub = calloc(1, sizeof(*hub));
    pthread_condattr_t attr;
    bool attr_ok = false, mutex_ok = false, cond_ok = false;
    if (!hub)
        return NULL;
    attr_ok = pthread_condattr_init(&attr) == 0;
    /* The tick sleeps on the monotonic clock. */
    if (!attr_ok || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0)
        goto fail;
    mutex_ok = pthread_mutex_init(&hub->mutex, NULL) == 0;
    cond_ok = mutex_ok && pthread_cond_init(&hub->cond, &attr) == 0;
    if (!cond_ok || pthread_create(&hub->tick, NULL, tick_run, hub) != 0)
        goto fail;
    pthread_condattr_destroy(&attr);
    return hub;
fail:
    if (cond_ok)
        pthread_cond_destroy(&hub->cond);
    if (mutex_ok)
        pthread_mutex_destroy(&hub->mutex);
    if (attr_ok)
        pthread_condattr_destroy(&attr);
    free(hub);
    return NULL;
}

void hpac_sim_hub_stop(hpac_sim_hub *hub)
{
    if (hub->stopped)
        return;
    hub->stopped = true;
    pthread_mutex_lock(&hub->mutex);
    hub->stopping = true;
    wake_waiters_locked(hub);
    pthread_cond_signal(&hub->cond);
    pthread_mutex_unlock(&hub->mutex);
    pthread_join(hub->tick, NULL);
}

void hpac_sim_hub_free(hpac_sim_hub *hub)
{
    if (!hub)
        return;
    hpac_sim_hub_stop(hub);
    pthread_cond_destroy(&hub->cond);
    pthread_mutex_destroy(&hub->mutex);
    free(hub);
}

/* MHD's content reader of a watch response. With nothing to send, the
 * connection is suspended and the stream joins the waiters, unless a
 * wake-up happened since it last looked (then it looks again). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sim_stream *s = cls;
    hpac_sim_hub *hub = s->hub;
    for (;;) {
        pthread_mutex_lock(&hub->mutex);
        uint64_t seen = hub->seq;
        bool stopping = hub->stopping;
        pthread_mutex_unlock(&hub->mutex);
        if (stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;

        ssize_t n = hpac_sim_watch_read(s->watch, buf, max);
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n > 0)
            return n;

        pthread_mutex_lock(&hub->mutex);
        if (hub->seq != seen || hub->stopping) {
            pthread_mutex_unlock(&hub->mutex);
            continue;
        }
        s->waiting = true;
        s->next = hub->waiters;
        hub->waiters = s;
        MHD_suspend_connection(s->conn);
        pthread_mutex_unlock(&hub->mutex);
        return 0;
    }
}

static void stream_free(void *cls)
{
    sim_stream *s = cls;
    hpac_sim_hub *hub = s->hub;
    pthread_mutex_lock(&hub->mutex);
    for (sim_stream **p = &hub->waiters; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&hub->mutex);
    hpac_sim_watch_free(s->watch);
    free(s);
}

struct MHD_Response *hpac_sim_hub_response(hpac_sim_hub *hub, struct MHD_Connection *conn,
                                           hpac_sim_watch *watch)
{
    sim_stream *s = calloc(1, sizeof(*s));
    if (!s) {
        hpac_sim_watch_free(watch);
        return NULL;
    }
    s->hub = hub;
    s->conn = conn;
    s->watch = watch;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
                                                                  SIM_WATCH_BLOCK, stream_read,
                                                                  s, stream_free);
    if (!resp) {
        stream_free(s);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return resp;
}
