/* The HTTP side of the simulated API server: libmicrohttpd with a pool of
 * epoll threads, keep-alive, bearer-token authentication, request-body
 * caps, fault injection (delayed answers suspend the connection instead
 * of holding a thread), and JSON encoding of the router's replies; watch
 * streams are served by sim_stream.c. */
#include "sim/sim_server.h"

#include "sim/sim_delay.h"
#include "sim/sim_inject.h"
#include "sim/sim_routes.h"
#include "sim/sim_state.h"
#include "sim/sim_status.h"
#include "sim/sim_stream.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_TOKEN_MAX 4096
#define SIM_CONNECTION_TIMEOUT_S 300
#define SIM_THREADS_MAX 64
struct hpac_sim_server {
    struct MHD_Daemon *daemon;
    hpac_sim_state *state;
    hpac_sim_injections *injections;
    hpac_sim_delayer *delayer;
    char *token; /* NULL: no authentication */
    uint16_t port;
    char address[32]; /* "127.0.0.1:port" */
    atomic_uint_fast64_t requests;
    hpac_sim_hub *hub;
    void (*on_write)(void *ctx, const char *method, const char *path, int code);
    void *on_write_ctx;
    void (*on_request)(void *ctx, const char *method, const char *path, const char *label_selector);
    void *on_request_ctx;
};

/* Per-request context, from the first call of the access handler to the
 * completion callback. */
typedef struct sim_request {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    bool too_large;
    /* A delayed answer waits here while the connection is suspended. */
    struct MHD_Response *pending;
    unsigned pending_code;
} sim_request;

static struct MHD_Response *text_response(char *text, size_t len, const char *content_type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return resp;
}

/* Encodes `body` (borrowed). */
static struct MHD_Response *json_response(const json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return NULL;
    return text_response(text, strlen(text), "application/json");
}

static struct MHD_Response *status_response(int code, const char *reason, const char *message)
{
    json_t *status = hpac_sim_status_new(code, reason, message, NULL, NULL, NULL);
    struct MHD_Response *resp = status ? json_response(status) : NULL;
    json_decref(status);
    return resp;
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned code,
                             struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO; /* out of memory: drop the connection */
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool is_write(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0;
}

/* Constant-time comparison of the presented token with the configured
 * one, so that the check does not leak a prefix length. */
static bool authorized(const hpac_sim_server *srv, struct MHD_Connection *conn)
{
    if (!srv->token)
        return true;
    const char *header =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *given = header + 7;
    size_t glen = strlen(given), tlen = strlen(srv->token);
    unsigned char diff = glen != tlen;
    for (size_t i = 0; i < tlen; i++)
        diff |= (unsigned char)(srv->token[i] ^ given[i < glen ? i : 0]);
    return diff == 0;
}

static void wake_connection(void *item)
{
    sim_request *req = item;
    MHD_resume_connection(req->conn);
}

/* Answers `resp` now, or after `delay_ms` with the connection suspended. */
static enum MHD_Result answer(hpac_sim_server *srv, sim_request *req, unsigned code,
                              struct MHD_Response *resp, int delay_ms)
{
    if (delay_ms <= 0 || !resp)
        return queue(req->conn, code, resp);
    req->pending = resp;
    req->pending_code = code;
    MHD_suspend_connection(req->conn);
    /* Scheduled after the suspension, so that the wake-up cannot come
     * first; a stopping delayer means answer at once. */
    if (hpac_sim_delayer_add(srv->delayer, req, delay_ms) != 0)
        MHD_resume_connection(req->conn);
    return MHD_YES;
}

static struct MHD_Response *fault_response(const hpac_sim_fault *fault)
{
    if (!fault->body) {
        char message[64];
        snprintf(message, sizeof(message), "injected fault %d", fault->status);
        return status_response(fault->status, NULL, message);
    }
    size_t len = strlen(fault->body);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, fault->body, len + 1);
    return text_response(copy, len, "application/json");
}

static const char *query(struct MHD_Connection *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Parses the body, routes the request and encodes the reply. */
static enum MHD_Result serve(hpac_sim_server *srv, sim_request *sreq, const char *url,
                             const char *method)
{
    struct MHD_Connection *conn = sreq->conn;
    json_t *body = NULL;
    hpac_sim_reply reply = {0};
    enum MHD_Result ret;
    bool write = is_write(method);

    if (write && sreq->len > 0) {
        json_error_t jerr;
        char message[400];
        body = json_loadb(sreq->body, sreq->len, 0, &jerr);
        if (!body) {
            snprintf(message, sizeof(message), "the request body is not valid JSON: %s",
                     jerr.text);
            hpac_sim__log_write(srv->state, method, url, NULL, 400);
            return queue(conn, 400, status_response(400, "BadRequest", message));
        }
    } else if ((strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) && sreq->len == 0) {
        hpac_sim__log_write(srv->state, method, url, NULL, 400);
        return queue(conn, 400, status_response(400, "BadRequest", "the request body is empty"));
    }

    const char *watch = query(conn, "watch");
    hpac_sim_request req = {
        .method = strcmp(method, "HEAD") == 0 ? "GET" : method,
        .path = url,
        .label_selector = query(conn, "labelSelector"),
        .metric_label_selector = query(conn, "metricLabelSelector"),
        .field_selector = query(conn, "fieldSelector"),
        .watch = watch && (strcmp(watch, "true") == 0 || strcmp(watch, "1") == 0),
        .resource_version = query(conn, "resourceVersion"),
        .timeout_seconds = query(conn, "timeoutSeconds"),
        .limit = query(conn, "limit"),
        .continue_token = query(conn, "continue"),
        .content_type =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = body,
        .server_address = srv->address,
        .now_ms = hpac_clock_wall_ms(),
    };
    hpac_sim_route(srv->state, &req, &reply);
    json_decref(body);
    if (write && srv->on_write)
        srv->on_write(srv->on_write_ctx, method, url, reply.code);

    struct MHD_Response *resp;
    if (reply.watch) {
        resp = hpac_sim_hub_response(srv->hub, conn, reply.watch);
    } else if (reply.text) {
        char *copy = strdup(reply.text);
        resp = copy ? text_response(copy, strlen(copy), "text/plain; charset=utf-8") : NULL;
    } else {
        resp = json_response(reply.body);
    }
    ret = queue(conn, (unsigned)reply.code, resp);
    json_decref(reply.body);
    return ret;
}

static bool append_body(sim_request *req, const char *data, size_t size)
{
    if (req->too_large || size > HPAC_SIM_BODY_MAX - req->len) {
        req->too_large = true;
        return false;
    }
    if (req->len + size > req->cap) {
        size_t cap = req->cap ? req->cap : 4096;
        while (cap < req->len + size)
            cap *= 2;
        if (cap > HPAC_SIM_BODY_MAX)
            cap = HPAC_SIM_BODY_MAX;
        char *grown = realloc(req->body, cap);
        if (!grown) {
            req->too_large = true;
            return false;
        }
        req->body = grown;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, size);
    req->len += size;
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    hpac_sim_server *srv = cls;
    sim_request *req = *req_cls;

    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req)
            return MHD_NO;
        req->conn = conn;
        *req_cls = req;
        /* A declared body over the cap is refused before it is read. */
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > HPAC_SIM_BODY_MAX)
            req->too_large = true;
        return MHD_YES;
    }
    if (req->pending) {
        /* Resumed after an injected delay. */
        struct MHD_Response *resp = req->pending;
        req->pending = NULL;
        return queue(conn, req->pending_code, resp);
    }
    if (*upload_data_size > 0) {
        append_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    atomic_fetch_add(&srv->requests, 1);
    if (!authorized(srv, conn))
        return queue(conn, 401, status_response(401, "Unauthorized", "Unauthorized"));
    if (srv->on_request)
        srv->on_request(srv->on_request_ctx, method, url, query(conn, "labelSelector"));
    if (req->too_large) {
        char message[128];
        snprintf(message, sizeof(message), "the request body is larger than %u bytes",
                 HPAC_SIM_BODY_MAX);
        if (is_write(method))
            hpac_sim__log_write(srv->state, method, url, NULL, 413);
        return queue(conn, 413, status_response(413, "RequestEntityTooLarge", message));
    }
    hpac_sim_fault fault = {0};
    if (hpac_sim_injections_match(srv->injections, method, url, &fault)) {
        if (is_write(method)) {
            json_t *body = req->len ? json_loadb(req->body, req->len, 0, NULL) : NULL;
            hpac_sim__log_write(srv->state, method, url, body, fault.status);
            json_decref(body);
        }
        struct MHD_Response *resp = fault_response(&fault);
        free(fault.body);
        return answer(srv, req, (unsigned)fault.status, resp, fault.delay_ms);
    }
    return serve(srv, req, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sim_request *req = *req_cls;
    if (!req)
        return;
    if (req->pending)
        MHD_destroy_response(req->pending);
    free(req->body);
    free(req);
    *req_cls = NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

/* Decodes %XX and, as Go's url.ParseQuery does, '+' as a space: a client
 * written in Go sends "app+in+(a,b)". Applies to the path too, where
 * Kubernetes names never hold a '+'. "%00" stays as it is: a NUL would
 * silently cut the string short ("/pods/%00" must not read as "/pods/"). */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *r = s, *w = s;
    while (*r) {
        if (*r == '+') {
            *w++ = ' ';
            r++;
        } else if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
                   isxdigit((unsigned char)r[2]) && (r[1] != '0' || r[2] != '0')) {
            *w++ = (char)(hex_value(r[1]) * 16 + hex_value(r[2]));
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* The state's change callback, called after its lock is released. */
static void on_state_change(void *ctx)
{
    hpac_sim_hub_wake(ctx);
}

hpac_sim_server *hpac_sim_start(const json_t *objects, const hpac_sim_options *opts, char *err,
                                size_t errsize)
{
    hpac_sim_options defaults = {0};
    if (!opts)
        opts = &defaults;
    hpac_sim_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    atomic_init(&srv->requests, 0);
    srv->on_write = opts->on_write;
    srv->on_write_ctx = opts->on_write_ctx;
    srv->on_request = opts->on_request;
    srv->on_request_ctx = opts->on_request_ctx;
    if (opts->token && strlen(opts->token) > SIM_TOKEN_MAX) {
        snprintf(err, errsize, "token longer than %d bytes", SIM_TOKEN_MAX);
        goto fail;
    }
    srv->state = hpac_sim_state_new(objects, err, errsize);
    if (!srv->state)
        goto fail;
    srv->injections = hpac_sim_injections_new();
    srv->delayer = hpac_sim_delayer_start(wake_connection);
    srv->token = opts->token ? strdup(opts->token) : NULL;
    srv->hub = hpac_sim_hub_start();
    if (!srv->injections || !srv->delayer || (opts->token && !srv->token) || !srv->hub) {
        snprintf(err, errsize, "out of memory");
        goto fail;
    }
    hpac_sim__state_set_notify(srv->state, on_state_change, srv->hub);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(opts->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned threads = opts->threads ? opts->threads : HPAC_SIM_DEFAULT_THREADS;
    if (threads > SIM_THREADS_MAX)
        threads = SIM_THREADS_MAX;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)SIM_CONNECTION_TIMEOUT_S, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errsize, "cannot listen on 127.0.0.1:%u", (unsigned)opts->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opts->port;
    snprintf(srv->address, sizeof(srv->address), "127.0.0.1:%u", (unsigned)srv->port);
    return srv;
fail:
    hpac_sim_stop(srv);
    return NULL;
}

uint16_t hpac_sim_port(const hpac_sim_server *sim)
{
    return sim->port;
}

void hpac_sim_stop(hpac_sim_server *sim)
{
    if (!sim)
        return;
    /* Delayed requests are answered first: the daemon must not stop with
     * connections suspended. */
    hpac_sim_delayer_stop(sim->delayer);
    sim->delayer = NULL;
    if (sim->hub)
        hpac_sim_hub_stop(sim->hub);
    if (sim->daemon)
        MHD_stop_daemon(sim->daemon);
    hpac_sim_hub_free(sim->hub);
    hpac_sim_injections_free(sim->injections);
    hpac_sim_state_free(sim->state);
    free(sim->token);
    free(sim);
}

json_t *hpac_sim_writes(hpac_sim_server *sim)
{
    return hpac_sim_state_writes(sim->state);
}

json_t *hpac_sim_get(hpac_sim_server *sim, const char *kind, const char *ns, const char *name)
{
    return hpac_sim_state_get(sim->state, kind, ns, name);
}

void hpac_sim_inject(hpac_sim_server *sim, const char *method, const char *path_prefix, int status,
                     const char *body, int delay_ms)
{
    hpac_sim_injections_add(sim->injections, method, path_prefix, status, body, delay_ms);
}

void hpac_sim_clear_injections(hpac_sim_server *sim)
{
    hpac_sim_injections_clear(sim->injections);
}

uint64_t hpac_sim_request_count(hpac_sim_server *sim)
{
    return (uint64_t)atomic_load(&sim->requests);
}

hpac_sim_state *hpac_sim_state_of(hpac_sim_server *sim)
{
    return sim->state;
}
