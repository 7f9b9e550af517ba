#include "control.h"

#include "sim/sim_state.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Probes kept per run; a benchmark makes a few hundred. */
#define PROBES_MAX 10000
#define SEGMENT_MAX 254
#define QUANTITY_MAX 32

enum write_kind { W_SCALE, W_STATUS, W_HPA, W_EVENT, W_OTHER, W_COUNT };
static const char *const write_names[W_COUNT] = {"scale", "status", "hpa", "event", "other"};

typedef struct probe {
    char ns[SEGMENT_MAX + 1];
    char name[SEGMENT_MAX + 1];
    int64_t changed_us;
    int64_t written_us; /* 0 while no scale write came */
} probe;

struct hpac_sim_control {
    hpac_gen_options gen;
    hpac_sim_server *sim; /* borrowed */
    struct MHD_Daemon *daemon;
    uint16_t port;
    atomic_uint_fast64_t writes[W_COUNT];
    pthread_mutex_t lock; /* covers the probes */
    probe *probes;
    size_t probe_count;
    size_t unanswered; /* probes with written_us == 0: the hook's fast path */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

hpac_sim_control *hpac_sim_control_new(const hpac_gen_options *gen)
{
    hpac_sim_control *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->gen = *gen;
    for (int i = 0; i < W_COUNT; i++)
        atomic_init(&c->writes[i], 0);
    c->probes = calloc(PROBES_MAX, sizeof(*c->probes));
    if (!c->probes || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->probes);
        free(c);
        return NULL;
    }
    return c;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum write_kind classify(const char *method, const char *path)
{
    if (ends_with(path, "/scale"))
        return W_SCALE;
    if (strstr(path, "/horizontalpodautoscalers/"))
        return ends_with(path, "/status") ? W_STATUS : W_HPA;
    if (strcmp(method, "POST") == 0 && ends_with(path, "/events"))
        return W_EVENT;
    return W_OTHER;
}

/* "/apis/apps/v1/namespaces/NS/deployments/NAME/scale" -> NS, NAME. */
static bool scale_target(const char *path, char *ns, char *name)
{
    const char *p = strstr(path, "/namespaces/");
    if (!p)
        return false;
    p += strlen("/namespaces/");
    const char *slash = strchr(p, '/');
    if (!slash || (size_t)(slash - p) > SEGMENT_MAX)
        return false;
    memcpy(ns, p, (size_t)(slash - p));
    ns[slash - p] = '\0';
    const char *end = path + strlen(path) - strlen("/scale");
    const char *start = end;
    while (start > slash && start[-1] != '/')
        start--;
    if (start == end || (size_t)(end - start) > SEGMENT_MAX)
        return false;
    memcpy(name, start, (size_t)(end - start));
    name[end - start] = '\0';
    return true;
}

void hpac_sim_control_on_write(void *ctx, const char *method, const char *path, int code)
{
    hpac_sim_control *c = ctx;
    int64_t t = now_us();
    enum write_kind kind = classify(method, path);
    atomic_fetch_add(&c->writes[kind], 1);
    if (kind != W_SCALE || code < 200 || code > 299)
        return;
    char ns[SEGMENT_MAX + 1], name[SEGMENT_MAX + 1];
    if (!scale_target(path, ns, name))
        return;
    pthread_mutex_lock(&c->lock);
    /* Newest first: the same target probed twice answers the later one. */
    for (size_t i = c->probe_count; c->unanswered > 0 && i-- > 0;) {
        probe *p = &c->probes[i];
        if (p->written_us == 0 && strcmp(p->name, name) == 0 && strcmp(p->ns, ns) == 0) {
            p->written_us = t;
            c->unanswered--;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

/* ---- the endpoints ------------------------------------------------------ */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, char *text)
{
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static char *message(const char *text)
{
    json_t *o = json_pack("{s:s}", "message", text);
    char *out = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return out;
}

static enum MHD_Result serve_probe(hpac_sim_control *c, struct MHD_Connection *conn)
{
    const char *ns = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ns");
    const char *hpa = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "hpa");
    const char *cpu = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cpu");
    if (!ns || !hpa || !cpu || strlen(ns) > SEGMENT_MAX || strlen(hpa) > SEGMENT_MAX ||
        strlen(cpu) > QUANTITY_MAX)
        return reply(conn, 400, message("want ns, hpa and cpu"));
    hpac_sim_state *st = hpac_sim_state_of(c->sim);
    pthread_mutex_lock(&c->lock);
    if (c->probe_count == PROBES_MAX) {
        pthread_mutex_unlock(&c->lock);
        return reply(conn, 429, message("too many probes"));
    }
    probe *p = &c->probes[c->probe_count];
    snprintf(p->ns, sizeof(p->ns), "%s", ns);
    snprintf(p->name, sizeof(p->name), "%s", hpa);
    p->written_us = 0;
    /* The clock starts before the first pod changes: a reader cannot see
     * the change earlier than this. */
    p->changed_us = now_us();
    c->probe_count++;
    c->unanswered++;
    pthread_mutex_unlock(&c->lock);
    size_t changed = 0;
    for (size_t j = 0; j < c->gen.pods_per_hpa; j++) {
        char pod[2 * SEGMENT_MAX + 24];
        snprintf(pod, sizeof(pod), "%s-%zu", hpa, j);
        if (hpac_sim_set_pod_usage(st, ns, pod, NULL, "cpu", cpu) == 0)
            changed++;
    }
    char text[64];
    snprintf(text, sizeof(text), "{\"pods\":%zu}", changed);
    return reply(conn, changed ? 200 : 404, strdup(text));
}

static char *stats_text(hpac_sim_control *c)
{
    json_t *writes = json_object();
    json_t *probes = json_array();
    json_t *root = NULL;
    char *text = NULL;
    if (!writes || !probes)
        goto out;
    for (int i = 0; i < W_COUNT; i++)
        json_object_set_new(writes, write_names[i],
                            json_integer((json_int_t)atomic_load(&c->writes[i])));
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->probe_count; i++) {
        const probe *p = &c->probes[i];
        json_int_t latency = p->written_us ? (json_int_t)(p->written_us - p->changed_us) : -1;
        json_array_append_new(probes, json_pack("{s:s, s:s, s:I}", "ns", p->ns, "name", p->name,
                                                "latency_us", latency));
    }
    pthread_mutex_unlock(&c->lock);
    root = json_pack("{s:I, s:O, s:O}", "requests", (json_int_t)hpac_sim_request_count(c->sim),
                     "writes", writes, "probes", probes);
    text = root ? json_dumps(root, JSON_COMPACT) : NULL;
out:
    json_decref(root);
    json_decref(writes);
    json_decref(probes);
    return text;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    hpac_sim_control *c = cls;
    static int started;
    if (!*req_cls) {
        *req_cls = &started; /* headers seen; answer on the next call */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    if (strcmp(url, "/probe") == 0 && strcmp(method, "POST") == 0)
        return serve_probe(c, conn);
    if (strcmp(url, "/stats") == 0 && strcmp(method, "GET") == 0)
        return reply(conn, 200, stats_text(c));
    return reply(conn, 404, message("POST /probe or GET /stats"));
}

int hpac_sim_control_listen(hpac_sim_control *c, hpac_sim_server *sim, uint16_t port, char *err,
                            size_t errsize)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->sim = sim;
    c->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, c,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!c->daemon) {
        snprintf(err, errsize, "cannot listen on 127.0.0.1:%u (control)", (unsigned)port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(c->daemon, MHD_DAEMON_INFO_BIND_PORT);
    c->port = info ? info->port : port;
    return 0;
}

uint16_t hpac_sim_control_port(const hpac_sim_control *c)
{
    return c->port;
}

void hpac_sim_control_free(hpac_sim_control *c)
{
    if (!c)
        return;
    if (c->daemon)
        MHD_stop_daemon(c->daemon);
    pthread_mutex_destroy(&c->lock);
    free(c->probes);
    free(c);
}
