#include "obs/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/strutil.h"

#define PORT_DIGITS_MAX 5
#define START_ERROR_MAX 256
#define READY_TEXT_MAX 128

#define CONTENT_TEXT "text/plain; charset=utf-8"

struct hpac_obs_server {
    struct MHD_Daemon *daemon;
    hpac_obs *obs;
    uint16_t port;
    /* While MHD_start_daemon runs, its complaints are kept for the caller;
     * afterwards they go to the log. */
    atomic_bool starting;
    char start_error[START_ERROR_MAX];
};

/* ---- bind address -------------------------------------------------------- */

static int parse_port(const char *text, uint16_t *port)
{
    size_t n = strlen(text);
    if (n == 0 || n > PORT_DIGITS_MAX)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(text[i] - '0');
    }
    if (v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int resolve(const char *host, bool bracketed, struct sockaddr_storage *out,
                   socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
    hints.ai_flags = bracketed ? AI_NUMERICHOST : 0;
    if (getaddrinfo(host, NULL, &hints, &res) || !res)
        return -1;
    int result = -1;
    if (res->ai_addrlen <= sizeof(*out)) {
        memcpy(out, res->ai_addr, res->ai_addrlen);
        *len = res->ai_addrlen;
        result = 0;
    }
    freeaddrinfo(res);
    return result;
}

int hpac_obs_parse_bind_address(const char *text, struct sockaddr_storage *out, socklen_t *len,
                                int *any, char *err, size_t errsize)
{
    int result = -1;
    char host[HPAC_OBS_BIND_ADDRESS_MAX + 1];
    const char *port_text;
    bool bracketed = false;
    uint16_t port;
    if (!text || strlen(text) > HPAC_OBS_BIND_ADDRESS_MAX) {
        snprintf(err, errsize, "bind address missing or longer than %d bytes",
                 HPAC_OBS_BIND_ADDRESS_MAX);
        goto out;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errsize, "bind address %s: expected [host]:port", text);
            goto out;
        }
        size_t n = (size_t)(close - text - 1);
        memcpy(host, text + 1, n);
        host[n] = '\0';
        port_text = close + 2;
        bracketed = true;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || memchr(text, ':', (size_t)(colon - text))) {
            snprintf(err, errsize, "bind address %s: expected host:port ([host]:port for IPv6)",
                     text);
            goto out;
        }
        size_t n = (size_t)(colon - text);
        memcpy(host, text, n);
        host[n] = '\0';
        port_text = colon + 1;
    }
    if (parse_port(port_text, &port)) {
        snprintf(err, errsize, "bind address %s: bad port", text);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    *any = host[0] == '\0' && !bracketed;
    if (*any) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        *len = sizeof(*a6);
    } else if (resolve(host, bracketed, out, len)) {
        snprintf(err, errsize, "bind address %s: cannot resolve host", text);
        goto out;
    }
    if (out->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)out)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)out)->sin_port = htons(port);
    result = 0;
out:
    return result;
}

/* ---- requests ------------------------------------------------------------ */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *body,
                               size_t len, enum MHD_ResponseMemoryMode mode,
                               const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free((void *)body);
        return MHD_NO; /* closes the connection */
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return respond(c, status, text, strlen(text), MHD_RESPMEM_MUST_COPY, CONTENT_TEXT);
}

static enum MHD_Result serve_metrics(hpac_obs_server *s, struct MHD_Connection *c)
{
    size_t len = 0;
    char *text = hpac_obs_render(s->obs, &len);
    if (!text)
        return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return respond(c, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE, HPAC_OBS_CONTENT_TYPE);
}

static enum MHD_Result serve_ready(hpac_obs_server *s, struct MHD_Connection *c)
{
    char msg[READY_TEXT_MAX];
    bool ready = hpac_obs_readiness(s->obs, msg, sizeof(msg));
    return respond_text(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int answered;
    hpac_obs_server *s = cls;
    /* Everything is answered on the first call; a request body, if any,
     * is never read. Should MHD call again, the data is just consumed. */
    if (*req_cls) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    *req_cls = &answered;
    bool known = strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
                 strcmp(url, "/metrics") == 0;
    if (!known)
        return respond_text(c, MHD_HTTP_NOT_FOUND, "404 page not found\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    if (strcmp(url, "/healthz") == 0)
        return respond_text(c, MHD_HTTP_OK, "ok");
    if (strcmp(url, "/readyz") == 0)
        return serve_ready(s, c);
    return serve_metrics(s, c);
}

/* ---- lifecycle ----------------------------------------------------------- */

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    hpac_obs_server *s = cls;
    char line[START_ERROR_MAX];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    /* The address is passed whole, so MHD's "Failed to bind to port 0: "
     * names the wrong port; the caller prints the address itself. */
    static const char bind_failed[] = "Failed to bind to port ";
    const char *reason = line;
    if (strncmp(line, bind_failed, sizeof(bind_failed) - 1) == 0 && strstr(line, ": "))
        reason = strstr(line, ": ") + 2;
    if (atomic_load(&s->starting))
        hpac_strlcpy(s->start_error, reason, sizeof(s->start_error));
    else
        hpac_info(2, "metrics endpoint: %s", line);
}

static struct MHD_Daemon *start_daemon(hpac_obs_server *s, const struct sockaddr *addr,
                                       bool dual_stack)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (addr->sa_family == AF_INET6)
        flags |= dual_stack ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, s, MHD_OPTION_SOCK_ADDR, addr,
                            MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)HPAC_OBS_SERVER_MAX_CONNECTIONS,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HPAC_OBS_SERVER_TIMEOUT_S,
                            MHD_OPTION_END);
}

hpac_obs_server *hpac_obs_server_start(hpac_obs *obs, const char *bind_address, char *err,
                                       size_t errsize)
{
    hpac_obs_server *result = NULL;
    struct sockaddr_storage addr;
    socklen_t len;
    int any;
    hpac_obs_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    s->obs = obs;
    atomic_init(&s->starting, true);
    if (hpac_obs_parse_bind_address(bind_address, &addr, &len, &any, err, errsize))
        goto out;
    const struct sockaddr *sa = (const struct sockaddr *)&addr;
    bool all_v6 = addr.ss_family == AF_INET6 &&
                  IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&addr)->sin6_addr);
    s->daemon = start_daemon(s, sa, all_v6);
    if (!s->daemon && any) {
        /* No IPv6 on this host: every IPv4 interface will do. */
        struct sockaddr_in v4;
        memset(&v4, 0, sizeof(v4));
        v4.sin_family = AF_INET;
        v4.sin_addr.s_addr = htonl(INADDR_ANY);
        v4.sin_port = ((struct sockaddr_in6 *)&addr)->sin6_port;
        s->daemon = start_daemon(s, (const struct sockaddr *)&v4, false);
    }
    if (!s->daemon) {
        snprintf(err, errsize, "cannot serve on %s: %s", bind_address,
                 s->start_error[0] ? s->start_error : "libmicrohttpd refused to start");
        goto out;
    }
    atomic_store(&s->starting, false);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    result = s;
    s = NULL;
out:
    free(s);
    return result;
}

uint16_t hpac_obs_server_port(const hpac_obs_server *s)
{
    return s->port;
}

void hpac_obs_server_stop(hpac_obs_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    free(s);
}
