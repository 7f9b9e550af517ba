/* TLS verification of the HTTP client against an in-process HTTPS server
 * whose certificates are generated with the openssl command at test time. */
#include "http/http.h"
#include "mock_server.h"
#include "test_support.h"

#include <ev.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];
static char *ca_pem, *other_ca_pem, *server_cert_pem, *server_key_pem, *client_cert_pem,
    *client_key_pem;

static char *read_all(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 65536);
    if (buf) {
        size_t n = fread(buf, 1, 65535, fp);
        buf[n] = '\0';
    }
    fclose(fp);
    return buf;
}

static int run(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof(full), "cd '%s' && (%s) >/dev/null 2>&1", tmpdir, cmd);
    return system(full);
}

static int group_setup(void **state)
{
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
        return 0;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hpac-tls-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 %s -keyout ca.key -out ca.crt -days 2 -subj /CN=hpac-test-ca", ec);
    if (run(cmd))
        return -1;
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 %s -keyout other.key -out other.crt -days 2 -subj /CN=other-ca",
             ec);
    if (run(cmd))
        return -1;
    snprintf(cmd, sizeof(cmd),
             "openssl req %s -keyout server.key -out server.csr -subj /CN=localhost && "
             "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.cnf && "
             "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
             "-out server.crt -days 2 -extfile san.cnf",
             ec);
    if (run(cmd))
        return -1;
    snprintf(cmd, sizeof(cmd),
             "openssl req %s -keyout client.key -out client.csr -subj /CN=client && "
             "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
             "-out client.crt -days 2",
             ec);
    if (run(cmd))
        return -1;
    ca_pem = read_all(tmpdir, "ca.crt");
    other_ca_pem = read_all(tmpdir, "other.crt");
    server_cert_pem = read_all(tmpdir, "server.crt");
    server_key_pem = read_all(tmpdir, "server.key");
    client_cert_pem = read_all(tmpdir, "client.crt");
    client_key_pem = read_all(tmpdir, "client.key");
    if (!ca_pem || !other_ca_pem || !server_cert_pem || !server_key_pem || !client_cert_pem ||
        !client_key_pem)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    free(ca_pem);
    free(other_ca_pem);
    free(server_cert_pem);
    free(server_key_pem);
    free(client_cert_pem);
    free(client_key_pem);
    if (tmpdir[0]) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

static void handler(void *ctx, const mock_request *req, mock_reply *rep)
{
    mock_reply_printf(rep, 200, "secure %s", req->uri);
}

static void wake(struct ev_loop *loop, ev_timer *w, int revents)
{
}

static bool run_until(struct ev_loop *loop, const int *counter, int target, double timeout_s)
{
    ev_timer guard;
    ev_timer_init(&guard, wake, 0.02, 0.02);
    ev_timer_start(loop, &guard);
    ev_now_update(loop);
    double deadline = ev_now(loop) + timeout_s;
    while (*counter < target && ev_now(loop) < deadline)
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
    return *counter >= target;
}

typedef struct result {
    int calls;
    long status;
    char body[256];
    char error[512];
    int *counter;
} result;

static void record_done(void *ctx, const hpac_http_response *resp)
{
    result *r = ctx;
    r->calls++;
    r->status = resp->status;
    snprintf(r->body, sizeof(r->body), "%s", resp->body);
    snprintf(r->error, sizeof(r->error), "%s", resp->error ? resp->error : "");
    if (r->counter)
        (*r->counter)++;
}

typedef struct fixture {
    struct ev_loop *loop;
    mock_server *server;
    hpac_http *http;
} fixture;

static int setup(void **state)
{
    if (!ca_pem)
        return 0; /* the test skips */
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->server = mock_start(handler, NULL, server_cert_pem, server_key_pem);
    assert_non_null(f->server);
    f->http = hpac_http_new(f->loop);
    assert_non_null(f->http);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    hpac_http_free(f->http);
    mock_stop(f->server);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

static fixture *fixture_or_skip(void **state)
{
    if (!ca_pem)
        skip(); /* libmicrohttpd without TLS */
    return *state;
}

static result fetch(fixture *f, const hpac_http_tls *tls, const char *host)
{
    char url[256];
    snprintf(url, sizeof(url), "https://%s:%u/x", host, (unsigned)f->server->port);
    hpac_http_request req = {.method = "GET", .url = url, .tls = tls, .timeout_ms = 5000};
    result r = {0};
    assert_non_null(hpac_http_start(f->http, &req, record_done, NULL, &r));
    assert_true(run_until(f->loop, &r.calls, 1, 10));
    return r;
}

static void test_http_tls__verification_table(void **state)
{
    fixture *f = fixture_or_skip(state);
    char ca_file[512], other_file[512];
    snprintf(ca_file, sizeof(ca_file), "%s/ca.crt", tmpdir);
    snprintf(other_file, sizeof(other_file), "%s/other.crt", tmpdir);

    const struct {
        const char *name;
        hpac_http_tls tls;
        const char *host;
        bool ok;
    } cases[] = {
        {"CA in memory", {.ca_pem = ca_pem, .ca_pem_len = strlen(ca_pem)}, "127.0.0.1", true},
        {"CA file", {.ca_file = ca_file}, "127.0.0.1", true},
        {"CA in memory, host name", {.ca_pem = ca_pem, .ca_pem_len = strlen(ca_pem)},
         "localhost", true},
        {"wrong CA in memory",
         {.ca_pem = other_ca_pem, .ca_pem_len = strlen(other_ca_pem)},
         "127.0.0.1",
         false},
        {"wrong CA file", {.ca_file = other_file}, "127.0.0.1", false},
        {"system CAs only", {0}, "127.0.0.1", false},
        {"wrong CA but insecure",
         {.ca_pem = other_ca_pem, .ca_pem_len = strlen(other_ca_pem),
          .insecure_skip_verify = true},
         "127.0.0.1",
         true},
        {"memory wins over file",
         {.ca_pem = ca_pem, .ca_pem_len = strlen(ca_pem), .ca_file = other_file},
         "127.0.0.1",
         true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result r = fetch(f, &cases[i].tls, cases[i].host);
        if (cases[i].ok) {
            if (r.status != 200)
                fail_msg("%s: status %ld error %s", cases[i].name, r.status, r.error);
            assert_string_equal(r.body, "secure /x");
        } else {
            if (r.status != 0 || r.error[0] == '\0')
                fail_msg("%s: expected a verification failure, got %ld", cases[i].name,
                         r.status);
        }
    }
}

static void test_http_tls__client_certificate_material_is_used(void **state)
{
    fixture *f = fixture_or_skip(state);
    /* Good client material: the handshake works (the server does not ask). */
    hpac_http_tls good = {.ca_pem = ca_pem,
                          .ca_pem_len = strlen(ca_pem),
                          .cert_pem = client_cert_pem,
                          .cert_pem_len = strlen(client_cert_pem),
                          .key_pem = client_key_pem,
                          .key_pem_len = strlen(client_key_pem)};
    result r = fetch(f, &good, "127.0.0.1");
    assert_int_equal(r.status, 200);

    /* Unusable material is rejected locally, which proves the blobs reach
     * the TLS library. */
    hpac_http_tls garbage_cert = good;
    garbage_cert.cert_pem = "not a certificate";
    garbage_cert.cert_pem_len = strlen(garbage_cert.cert_pem);
    r = fetch(f, &garbage_cert, "127.0.0.1");
    assert_int_equal(r.status, 0);
    assert_true(r.error[0] != '\0');

    /* A fresh client: libcurl would reuse the connection made with the good
     * pair, since the key alone does not tell connections apart. */
    hpac_http_free(f->http);
    f->http = hpac_http_new(f->loop);
    assert_non_null(f->http);
    hpac_http_tls garbage_key = good;
    garbage_key.key_pem = "not a key";
    garbage_key.key_pem_len = strlen(garbage_key.key_pem);
    r = fetch(f, &garbage_key, "127.0.0.1");
    assert_int_equal(r.status, 0);
    assert_true(r.error[0] != '\0');
}

static void test_http_tls__concurrent_requests_over_tls(void **state)
{
    fixture *f = fixture_or_skip(state);
    enum { N = 8 };
    hpac_http_tls tls = {.ca_pem = ca_pem, .ca_pem_len = strlen(ca_pem)};
    result r[N];
    int done = 0;
    memset(r, 0, sizeof(r));
    for (int i = 0; i < N; i++) {
        char url[256];
        snprintf(url, sizeof(url), "https://127.0.0.1:%u/n%d", (unsigned)f->server->port, i);
        hpac_http_request req = {.method = "GET", .url = url, .tls = &tls};
        r[i].counter = &done;
        assert_non_null(hpac_http_start(f->http, &req, record_done, NULL, &r[i]));
    }
    assert_true(run_until(f->loop, &done, N, 10));
    for (int i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof(want), "secure /n%d", i);
        assert_int_equal(r[i].status, 200);
        assert_string_equal(r[i].body, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_tls__verification_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_tls__client_certificate_material_is_used, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http_tls__concurrent_requests_over_tls, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("http_tls", tests, group_setup, group_teardown);
}
