/* A small in-process HTTP(S) server for the http and kube tests, on
 * libmicrohttpd with one thread per connection (so a handler may delay).
 * Header-only: every test program is one .c file.
 *
 * The handler runs on a server thread, serialized by the server's mutex;
 * it fills a mock_reply. The server records every request it answered. */
#ifndef HPAC_TEST_MOCK_SERVER_H
#define HPAC_TEST_MOCK_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MOCK_FN static __attribute__((unused))
#define MOCK_MAX_CHUNKS 16
#define MOCK_MAX_RECORDS 256

typedef struct mock_request {
    char method[16];
    char uri[2048]; /* path and query, as sent */
    char authorization[1024];
    char content_type[128];
    char user_agent[128];
    char *body; /* NUL-terminated */
    size_t body_len;
} mock_request;

typedef struct mock_reply {
    int status;              /* 0: 200 */
    const char *content_type;
    char *body;              /* malloc'ed (mock_reply_printf); freed by the server */
    size_t body_len;
    int delay_ms;            /* before the response */
    /* Streaming: when chunk_count > 0 the body is sent chunked, chunk by
     * chunk, chunk_delay_ms apart; hold_open_ms keeps the stream open
     * afterwards (cut short when the server stops). */
    char *chunks[MOCK_MAX_CHUNKS];
    int chunk_count;
    int chunk_delay_ms;
    int hold_open_ms;
} mock_reply;

typedef void (*mock_handler)(void *ctx, const mock_request *req, mock_reply *rep);

typedef struct mock_server {
    struct MHD_Daemon *daemon;
    uint16_t port;
    mock_handler handler;
    void *ctx;
    pthread_mutex_t lock;
    _Atomic int stopping;
    int connections; /* under lock */
    int requests;    /* under lock */
    mock_request records[MOCK_MAX_RECORDS];
    int record_count;
} mock_server;

typedef struct mock_conn_state {
    char uri[2048];
    char *body;
    size_t body_len;
    bool started;
} mock_conn_state;

typedef struct mock_stream {
    mock_server *server;
    char *chunks[MOCK_MAX_CHUNKS];
    int count;
    int next;
    size_t offset;
    int delay_ms;
    int hold_ms;
} mock_stream;

MOCK_FN void mock_sleep_ms(mock_server *s, int ms)
{
    /* Sliced so that stopping the server does not wait for long sleeps. */
    while (ms > 0 && !s->stopping) {
        int step = ms < 10 ? ms : 10;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

MOCK_FN void mock_reply_printf(mock_reply *rep, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
MOCK_FN void mock_reply_printf(mock_reply *rep, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    free(rep->body);
    rep->body = malloc((size_t)n + 1);
    if (!rep->body)
        abort();
    va_start(ap, fmt);
    vsnprintf(rep->body, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rep->body_len = (size_t)n;
    rep->status = status;
}

MOCK_FN void mock_reply_chunk(mock_reply *rep, const char *text)
{
    if (rep->chunk_count >= MOCK_MAX_CHUNKS)
        abort();
    rep->chunks[rep->chunk_count] = strdup(text);
    if (!rep->chunks[rep->chunk_count])
        abort();
    rep->chunk_count++;
}

static void *mock_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    mock_conn_state *st = calloc(1, sizeof(*st));
    if (st)
        snprintf(st->uri, sizeof(st->uri), "%s", uri);
    return st;
}

static void mock_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    mock_conn_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
        *con_cls = NULL;
    }
}

static void mock_notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                   enum MHD_ConnectionNotificationCode toe)
{
    mock_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&s->lock);
        s->connections++;
        pthread_mutex_unlock(&s->lock);
    }
}

static ssize_t mock_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    mock_stream *st = cls;
    if (st->next >= st->count) {
        mock_sleep_ms(st->server, st->hold_ms);
        st->hold_ms = 0;
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (st->offset == 0 && st->next > 0)
        mock_sleep_ms(st->server, st->delay_ms);
    if (st->server->stopping)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    const char *chunk = st->chunks[st->next];
    size_t left = strlen(chunk) - st->offset;
    size_t n = left < max ? left : max;
    memcpy(buf, chunk + st->offset, n);
    st->offset += n;
    if (st->offset == strlen(chunk)) {
        st->next++;
        st->offset = 0;
    }
    return (ssize_t)n;
}

static void mock_stream_free(void *cls)
{
    mock_stream *st = cls;
    for (int i = 0; i < st->count; i++)
        free(st->chunks[i]);
    free(st);
}

static void mock_copy_header(struct MHD_Connection *conn, const char *name, char *dst, size_t size)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    snprintf(dst, size, "%s", v ? v : "");
}

static enum MHD_Result mock_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **con_cls)
{
    mock_server *s = cls;
    mock_conn_state *st = *con_cls;
    if (!st)
        return MHD_NO;
    if (!st->started) {
        st->started = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        char *grown = realloc(st->body, st->body_len + *upload_data_size + 1);
        if (!grown)
            return MHD_NO;
        st->body = grown;
        memcpy(st->body + st->body_len, upload_data, *upload_data_size);
        st->body_len += *upload_data_size;
        st->body[st->body_len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }

    mock_request req;
    memset(&req, 0, sizeof(req));
    snprintf(req.method, sizeof(req.method), "%s", method);
    snprintf(req.uri, sizeof(req.uri), "%s", st->uri);
    mock_copy_header(conn, "Authorization", req.authorization, sizeof(req.authorization));
    mock_copy_header(conn, "Content-Type", req.content_type, sizeof(req.content_type));
    mock_copy_header(conn, "User-Agent", req.user_agent, sizeof(req.user_agent));
    req.body = st->body ? st->body : (char *)"";
    req.body_len = st->body_len;

    mock_reply rep;
    memset(&rep, 0, sizeof(rep));
    pthread_mutex_lock(&s->lock);
    s->requests++;
    if (s->record_count < MOCK_MAX_RECORDS) {
        mock_request *rec = &s->records[s->record_count++];
        *rec = req;
        rec->body = strdup(req.body);
    }
    s->handler(s->ctx, &req, &rep);
    pthread_mutex_unlock(&s->lock);

    mock_sleep_ms(s, rep.delay_ms);

    struct MHD_Response *resp;
    if (rep.chunk_count > 0) {
        mock_stream *stream = calloc(1, sizeof(*stream));
        if (!stream)
            abort();
        stream->server = s;
        memcpy(stream->chunks, rep.chunks, sizeof(rep.chunks));
        stream->count = rep.chunk_count;
        stream->delay_ms = rep.chunk_delay_ms;
        stream->hold_ms = rep.hold_open_ms;
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, mock_stream_read, stream,
                                                 mock_stream_free);
    } else {
        resp = MHD_create_response_from_buffer(rep.body_len, rep.body ? rep.body : (char *)"",
                                               MHD_RESPMEM_MUST_COPY);
    }
    free(rep.body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            rep.content_type ? rep.content_type : "application/json");
    enum MHD_Result ret =
        MHD_queue_response(conn, rep.status ? (unsigned)rep.status : 200u, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Starts on an ephemeral loopback port; HTTPS when cert_pem/key_pem are
 * given. NULL on failure. */
MOCK_FN mock_server *mock_start(mock_handler handler, void *ctx, const char *cert_pem,
                                const char *key_pem)
{
    mock_server *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->handler = handler;
    s->ctx = ctx;
    pthread_mutex_init(&s->lock, NULL);
    /* No error log: the TLS tests fail handshakes on purpose. */
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (cert_pem) {
        flags |= MHD_USE_TLS;
        s->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, mock_access, s, MHD_OPTION_SOCK_ADDR, &addr,
            MHD_OPTION_URI_LOG_CALLBACK, mock_uri_log, s, MHD_OPTION_NOTIFY_COMPLETED,
            mock_completed, s, MHD_OPTION_NOTIFY_CONNECTION, mock_notify_connection, s,
            MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem,
            MHD_OPTION_END);
    } else {
        s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, mock_access, s, MHD_OPTION_SOCK_ADDR,
                                     &addr, MHD_OPTION_URI_LOG_CALLBACK, mock_uri_log, s,
                                     MHD_OPTION_NOTIFY_COMPLETED, mock_completed, s,
                                     MHD_OPTION_NOTIFY_CONNECTION, mock_notify_connection, s,
                                     MHD_OPTION_END);
    }
    if (!s->daemon) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s;
}

MOCK_FN void mock_stop(mock_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    MHD_stop_daemon(s->daemon);
    for (int i = 0; i < s->record_count; i++)
        free(s->records[i].body);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

MOCK_FN int mock_connections(mock_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->connections;
    pthread_mutex_unlock(&s->lock);
    return n;
}

MOCK_FN int mock_requests(mock_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->requests;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* A copy of record i (its body is borrowed from the server). */
MOCK_FN mock_request mock_record(mock_server *s, int i)
{
    pthread_mutex_lock(&s->lock);
    mock_request r = s->records[i];
    pthread_mutex_unlock(&s->lock);
    return r;
}

MOCK_FN void mock_url(mock_server *s, char *buf, size_t size, const char *path, bool tls)
{
    snprintf(buf, size, "%s://127.0.0.1:%u%s", tls ? "https" : "http", (unsigned)s->port, path);
}

#endif
