/* The operators' endpoint over real HTTP (blocking libcurl): /healthz,
 * /readyz transitions, /metrics content, 404 and 405, concurrent scrapes
 * racing writers, bind addresses, and stopping with clients attached. */
#include "test_support.h"

#include "obs/metrics.h"
#include "obs/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prom_check.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HPA "horizontal_pod_autoscaler_controller_"
/* A test reply larger than this is a failure, not a reason to grow. */
#define REPLY_MAX (8 * 1024 * 1024)

typedef struct reply {
    long status;
    char *body;
    size_t len;
    char content_type[128];
    bool overflow;
} reply;

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    reply *r = ctx;
    size_t bytes = size * n;
    if (r->len + bytes > REPLY_MAX) {
        r->overflow = true;
        return 0;
    }
    char *bigger = realloc(r->body, r->len + bytes + 1);
    if (!bigger)
        return 0;
    r->body = bigger;
    memcpy(r->body + r->len, data, bytes);
    r->len += bytes;
    r->body[r->len] = '\0';
    return bytes;
}

static void reply_free(reply *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* One request on `curl` (reused: keeps its connection). Returns the
 * CURLcode; the reply is filled on success. */
static CURLcode request_on(CURL *curl, const char *method, const char *host, uint16_t port,
                           const char *path, const char *body, reply *out)
{
    char url[256];
    snprintf(url, sizeof(url), "http://%s:%u%s", host, (unsigned)port, path);
    memset(out, 0, sizeof(*out));
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
                     strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? NULL : method);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    else
        curl_easy_setopt(curl, CURLOPT_HTTPGET, strcmp(method, "HEAD") == 0 ? 0L : 1L);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
        char *ct = NULL;
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(out->content_type, sizeof(out->content_type), "%s", ct ? ct : "");
    }
    return rc;
}

static reply request(const char *method, uint16_t port, const char *path, const char *body)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    reply r;
    CURLcode rc = request_on(curl, method, "127.0.0.1", port, path, body, &r);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    return r;
}

static void expect(uint16_t port, const char *method, const char *path, long status,
                   const char *body)
{
    reply r = request(method, port, path, NULL);
    if (r.status != status)
        fail_msg("%s %s: status %ld, want %ld", method, path, r.status, status);
    if (body && (!r.body || strcmp(r.body, body) != 0))
        fail_msg("%s %s: body \"%s\", want \"%s\"", method, path, r.body ? r.body : "", body);
    reply_free(&r);
}

typedef struct fixture {
    hpac_obs *obs;
    hpac_obs_server *server;
    uint16_t port;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char err[256];
    fx->obs = hpac_obs_new();
    fx->server = hpac_obs_server_start(fx->obs, "127.0.0.1:0", err, sizeof(err));
    if (!fx->server) {
        print_error("start: %s\n", err);
        return -1;
    }
    fx->port = hpac_obs_server_port(fx->server);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    hpac_obs_server_stop(fx->server);
    hpac_obs_free(fx->obs);
    free(fx);
    return 0;
}

/* ---- bind addresses ----------------------------------------------------- */

static void test_obs__bind_addresses(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int family;
        const char *host; /* numeric form */
        unsigned port;
        int any;
    } good[] = {
        {":8080", AF_INET6, "::", 8080, 1},
        {":0", AF_INET6, "::", 0, 1},
        {"0.0.0.0:9090", AF_INET, "0.0.0.0", 9090, 0},
        {"127.0.0.1:65535", AF_INET, "127.0.0.1", 65535, 0},
        {"[::]:8080", AF_INET6, "::", 8080, 0},
        {"[::1]:1", AF_INET6, "::1", 1, 0},
        {"localhost:8080", -1, NULL, 8080, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        int any = -1;
        char err[200] = "";
        if (hpac_obs_parse_bind_address(good[i].text, &ss, &len, &any, err, sizeof(err)))
            fail_msg("%s: %s", good[i].text, err);
        assert_int_equal(any, good[i].any);
        unsigned port;
        char host[INET6_ADDRSTRLEN];
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            port = ntohs(a->sin6_port);
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
            assert_int_equal(len, sizeof(*a));
        } else {
            assert_int_equal(ss.ss_family, AF_INET);
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            port = ntohs(a->sin_port);
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
            assert_int_equal(len, sizeof(*a));
        }
        assert_int_equal(port, good[i].port);
        if (good[i].family != -1) {
            assert_int_equal(ss.ss_family, good[i].family);
            assert_string_equal(host, good[i].host);
        }
    }
    static const char *const bad[] = {
        "",        "8080",        ":",           ":65536",           ":-1",  ":80a",
        ":123456", "::1:8080",    "[::1]",       "[::1]8080",        "[::1", "[127.0.0.1]:80",
        "[]:80",   "no.such.host.invalid:80",   "127.0.0.1: 80",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        int any;
        char err[200] = "";
        if (hpac_obs_parse_bind_address(bad[i], &ss, &len, &any, err, sizeof(err)) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(err[0] != '\0');
    }
    char err[200] = "";
    struct sockaddr_storage ss;
    socklen_t len;
    int any;
    assert_int_equal(hpac_obs_parse_bind_address(NULL, &ss, &len, &any, err, sizeof(err)), -1);
}

/* ---- endpoints ------------------------------------------------------------ */

static void test_obs__healthz(void **state)
{
    fixture *fx = *state;
    assert_true(fx->port != 0);
    /* Alive before anything is synced: liveness knows nothing of the API. */
    expect(fx->port, "GET", "/healthz", 200, "ok");
    reply r = request("GET", fx->port, "/healthz", NULL);
    assert_string_equal(r.content_type, "text/plain; charset=utf-8");
    reply_free(&r);
    /* A query string does not change the path. */
    expect(fx->port, "GET", "/healthz?verbose=1", 200, "ok");
    /* HEAD answers the status with no body. */
    r = request("HEAD", fx->port, "/healthz", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    reply_free(&r);
}

static void test_obs__readyz_transitions(void **state)
{
    fixture *fx = *state;
    static const struct {
        bool synced;
        hpac_obs_leadership leadership;
        long status;
        const char *body;
    } steps[] = {
        {false, HPAC_OBS_ELECTION_OFF, 503, "caches not synced"},
        {true, HPAC_OBS_ELECTION_OFF, 200, "ok"},
        {false, HPAC_OBS_STANDBY, 503, "caches not synced"},
        {true, HPAC_OBS_STANDBY, 200, "ok: standby"},
        {true, HPAC_OBS_LEADING, 200, "ok: leading"},
        {true, HPAC_OBS_STANDBY, 200, "ok: standby"},
        {false, HPAC_OBS_LEADING, 503, "caches not synced"}, /* shutting down */
    };
    expect(fx->port, "GET", "/readyz", 503, "caches not synced");
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        hpac_obs_set_synced(fx->obs, steps[i].synced);
        hpac_obs_set_leadership(fx->obs, steps[i].leadership);
        expect(fx->port, "GET", "/readyz", steps[i].status, steps[i].body);
        /* Liveness does not follow readiness. */
        expect(fx->port, "GET", "/healthz", 200, "ok");
    }
}

static void test_obs__metrics(void **state)
{
    fixture *fx = *state;
    hpac_obs_reconciliation(fx->obs, HPAC_OBS_ACTION_SCALE_DOWN, HPAC_OBS_ERROR_NONE, 0.02);
    hpac_obs_desired_replicas_set(fx->obs, "prod", "web", 5);
    hpac_obs_api_request(fx->obs, "PATCH", 200, 0.004);
    reply r = request("GET", fx->port, "/metrics", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    prom_doc doc;
    if (prom_parse(r.body, r.len, &doc))
        fail_msg("/metrics rejected: %s", doc.error);
    const prom_sample *s = prom_find(&doc, HPA "reconciliations_total",
                                     "action=\"scale_down\",error=\"none\"");
    assert_non_null(s);
    assert_true(s->value == 1);
    s = prom_find(&doc, HPA "desired_replicas", "namespace=\"prod\",hpa_name=\"web\"");
    assert_non_null(s);
    assert_true(s->value == 5);
    s = prom_find(&doc, "hpac_api_requests_total", "verb=\"PATCH\",code=\"200\"");
    assert_non_null(s);
    assert_non_null(prom_find(&doc, "process_resident_memory_bytes", ""));
    /* The server's own connection shows among the open descriptors. */
    s = prom_find(&doc, "process_open_fds", "");
    assert_non_null(s);
    assert_true(s->value >= 4);
    prom_doc_free(&doc);
    reply_free(&r);

    /* A deleted HPA disappears from the next scrape. */
    hpac_obs_desired_replicas_remove(fx->obs, "prod", "web");
    r = request("GET", fx->port, "/metrics", NULL);
    assert_null(strstr(r.body, "hpa_name=\"web\""));
    reply_free(&r);
}

static void test_obs__not_found_and_methods(void **state)
{
    fixture *fx = *state;
    static const char *const missing[] = {"/", "/metricsx", "/metrics/", "/healthz/x", "/ready",
                                          "/debug/pprof", "/HEALTHZ"};
    for (size_t i = 0; i < ARRAY_LEN(missing); i++) {
        expect(fx->port, "GET", missing[i], 404, NULL);
        expect(fx->port, "POST", missing[i], 404, NULL);
    }
    static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < ARRAY_LEN(methods); i++) {
        reply r = request(methods[i], fx->port, "/metrics",
                          strcmp(methods[i], "POST") == 0 ? "x=1" : NULL);
        assert_int_equal(r.status, 405);
        reply_free(&r);
    }
    /* A large body is not read, and the server stays fine. */
    size_t big = 1024 * 1024;
    char *body = malloc(big + 1);
    memset(body, 'a', big);
    body[big] = '\0';
    CURL *curl = curl_easy_init();
    reply r;
    CURLcode rc = request_on(curl, "POST", "127.0.0.1", fx->port, "/healthz", body, &r);
    /* Either the 405 arrives or the server closed the connection while the
     * body was still being sent; never a hang. */
    if (rc == CURLE_OK)
        assert_int_equal(r.status, 405);
    reply_free(&r);
    curl_easy_cleanup(curl);
    free(body);
    expect(fx->port, "GET", "/healthz", 200, "ok");
}

/* ---- concurrent scrapes ------------------------------------------------- */

enum { SCRAPERS = 6, SCRAPES = 25 };

typedef struct scrape_ctx {
    fixture *fx;
    pthread_mutex_t lock;
    int stop;
    int ok;
    char failure[600];
} scrape_ctx;

static void scrape_fail(scrape_ctx *c, const char *what)
{
    pthread_mutex_lock(&c->lock);
    if (!c->failure[0])
        snprintf(c->failure, sizeof(c->failure), "%s", what);
    pthread_mutex_unlock(&c->lock);
}

static void *scraper(void *arg)
{
    scrape_ctx *c = arg;
    CURL *curl = curl_easy_init();
    for (int i = 0; i < SCRAPES; i++) {
        reply r;
        const char *path = i % 5 == 4 ? "/healthz" : "/metrics";
        CURLcode rc = request_on(curl, "GET", "127.0.0.1", c->fx->port, path, NULL, &r);
        prom_doc doc;
        if (rc != CURLE_OK) {
            scrape_fail(c, curl_easy_strerror(rc));
        } else if (r.status != 200) {
            scrape_fail(c, "status not 200");
        } else if (strcmp(path, "/metrics") == 0) {
            if (prom_parse(r.body, r.len, &doc))
                scrape_fail(c, doc.error);
            prom_doc_free(&doc);
        }
        if (rc == CURLE_OK && r.status == 200) {
            pthread_mutex_lock(&c->lock);
            c->ok++;
            pthread_mutex_unlock(&c->lock);
        }
        reply_free(&r);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

static void *metric_writer(void *arg)
{
    scrape_ctx *c = arg;
    char name[32];
    for (int i = 0;; i++) {
        pthread_mutex_lock(&c->lock);
        int stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
        snprintf(name, sizeof(name), "hpa-%d", i % 300);
        hpac_obs_desired_replicas_set(c->fx->obs, "ns", name, i);
        if (i % 2)
            hpac_obs_desired_replicas_remove(c->fx->obs, "ns", name);
        hpac_obs_reconciliation(c->fx->obs, HPAC_OBS_ACTION_NONE, HPAC_OBS_ERROR_NONE, 0.001);
        hpac_obs_set_synced(c->fx->obs, i % 2);
    }
    return NULL;
}

static void test_obs__concurrent_scrapes(void **state)
{
    scrape_ctx c = {.fx = *state};
    pthread_mutex_init(&c.lock, NULL);
    pthread_t writer, threads[SCRAPERS];
    assert_int_equal(pthread_create(&writer, NULL, metric_writer, &c), 0);
    for (int i = 0; i < SCRAPERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, scraper, &c), 0);
    for (int i = 0; i < SCRAPERS; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_lock(&c.lock);
    c.stop = 1;
    pthread_mutex_unlock(&c.lock);
    pthread_join(writer, NULL);
    if (c.failure[0])
        fail_msg("a scrape failed: %s", c.failure);
    assert_int_equal(c.ok, SCRAPERS * SCRAPES);
    pthread_mutex_destroy(&c.lock);
}

/* ---- lifecycle ---------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_obs__start_failures(void **state)
{
    fixture *fx = *state;
    char err[256] = "";
    char taken[64];
    snprintf(taken, sizeof(taken), "127.0.0.1:%u", (unsigned)fx->port);
    hpac_obs_server *s = hpac_obs_server_start(fx->obs, taken, err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, taken));
    assert_non_null(strstr(err, "in use"));
    err[0] = '\0';
    s = hpac_obs_server_start(fx->obs, "127.0.0.1:http", err, sizeof(err));
    assert_null(s);
    assert_true(err[0] != '\0');
    /* The running server is unaffected. */
    expect(fx->port, "GET", "/healthz", 200, "ok");
}

static void test_obs__every_interface(void **state)
{
    (void)state;
    hpac_obs *obs = hpac_obs_new();
    char err[256];
    hpac_obs_server *s = hpac_obs_server_start(obs, ":0", err, sizeof(err));
    if (!s)
        fail_msg("start :0: %s", err);
    uint16_t port = hpac_obs_server_port(s);
    assert_true(port != 0);
    expect(port, "GET", "/healthz", 200, "ok");
    /* IPv6 loopback too, when this host has it (dual stack). */
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 lo6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool has_v6 = probe >= 0 && bind(probe, (struct sockaddr *)&lo6, sizeof(lo6)) == 0;
    if (probe >= 0)
        close(probe);
    if (has_v6) {
        CURL *curl = curl_easy_init();
        reply r;
        CURLcode rc = request_on(curl, "GET", "[::1]", port, "/healthz", NULL, &r);
        assert_int_equal(rc, CURLE_OK);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        curl_easy_cleanup(curl);

        hpac_obs_server *s6 = hpac_obs_server_start(obs, "[::1]:0", err, sizeof(err));
        if (!s6)
            fail_msg("start [::1]:0: %s", err);
        curl = curl_easy_init();
        rc = request_on(curl, "GET", "[::1]", hpac_obs_server_port(s6), "/readyz", NULL, &r);
        assert_int_equal(rc, CURLE_OK);
        assert_int_equal(r.status, 503);
        reply_free(&r);
        curl_easy_cleanup(curl);
        hpac_obs_server_stop(s6);
    }
    hpac_obs_server_stop(s);
    hpac_obs_free(obs);
}

/* Stopping must not wait for clients: one holds a keep-alive connection,
 * another has sent half a request and gone quiet. */
static void test_obs__stop_with_clients_attached(void **state)
{
    (void)state;
    for (int round = 0; round < 5; round++) {
        hpac_obs *obs = hpac_obs_new();
        char err[256];
        hpac_obs_server *s = hpac_obs_server_start(obs, "127.0.0.1:0", err, sizeof(err));
        if (!s)
            fail_msg("start: %s", err);
        uint16_t port = hpac_obs_server_port(s);

        CURL *curl = curl_easy_init();
        reply r;
        assert_int_equal(request_on(curl, "GET", "127.0.0.1", port, "/metrics", NULL, &r),
                         CURLE_OK);
        reply_free(&r);

        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        static const char half[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
        assert_int_equal(write(fd, half, sizeof(half) - 1), (ssize_t)(sizeof(half) - 1));

        double start = now_s();
        hpac_obs_server_stop(s);
        double took = now_s() - start;
        if (took > 2.0)
            fail_msg("stop took %.2f s", took);
        /* The port is closed now. */
        assert_int_not_equal(request_on(curl, "GET", "127.0.0.1", port, "/healthz", NULL, &r),
                             CURLE_OK);
        reply_free(&r);
        close(fd);
        curl_easy_cleanup(curl);
        hpac_obs_free(obs);
    }
    hpac_obs_server_stop(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_obs__bind_addresses),
        cmocka_unit_test_setup_teardown(test_obs__healthz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obs__readyz_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obs__metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obs__not_found_and_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obs__concurrent_scrapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obs__start_failures, setup, teardown),
        cmocka_unit_test(test_obs__every_interface),
        cmocka_unit_test(test_obs__stop_with_clients_attached),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
