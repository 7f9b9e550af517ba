/* The RBAC rules against what the real binary sends: hpac runs against the
 * simulated API server through a relay that records every request line,
 * and each recorded request must be granted by lib/access's rules (which
 * test_manifests checks the manifests against). Runs every acceptance case
 * once (--once) with each --hpa-api, and the long-running controller for a
 * few seconds (informers, leader election, the history annotation). The
 * statuses written on the way are validated against the CRD. */
#include "test_support.h"

#include "access/access.h"
#include "e2e_support.h"
#include "manifests_support.h"
#include "sim/case.h"
#include "sim/sim_server.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* One request's line and headers larger than this end the connection. */
#define HEAD_MAX ((size_t)64 * 1024)
#define RELAY_BUF 16384
#define CONNECTIONS_MAX 256

/* ---- a recording TCP relay ---------------------------------------------------- */

typedef struct relay relay;

typedef struct conn {
    relay *owner;
    int client, server;
    pthread_t thread;
    /* The client's stream: a request head, then Content-Length bytes. */
    char head[HEAD_MAX];
    size_t head_len;
    unsigned long long body_left;
} conn;

struct relay {
    int listener;
    int stop[2]; /* a pipe: readable once the relay stops */
    uint16_t port, upstream;
    pthread_t acceptor;
    pthread_mutex_t lock;
    json_t *requests; /* ["METHOD target", ...] under lock */
    char *error;      /* the first malformed stream, under lock */
    conn *conns[CONNECTIONS_MAX];
    size_t conn_count;
};

static void relay_fail(relay *r, const char *what)
{
    pthread_mutex_lock(&r->lock);
    if (!r->error)
        r->error = hpac_strdup(what);
    pthread_mutex_unlock(&r->lock);
}

/* Records the request line of a complete head and reads the length of
 * the body that follows it. */
static void take_head(conn *c)
{
    c->head[c->head_len] = '\0';
    char *line_end = strstr(c->head, "\r\n");
    if (!line_end) {
        relay_fail(c->owner, "a request without a request line");
        return;
    }
    *line_end = '\0';
    /* "METHOD TARGET HTTP/1.1" -> "METHOD TARGET" */
    char *version = strrchr(c->head, ' ');
    if (version)
        *version = '\0';
    pthread_mutex_lock(&c->owner->lock);
    json_array_append_new(c->owner->requests, json_string(c->head));
    pthread_mutex_unlock(&c->owner->lock);

    c->body_left = 0;
    for (char *h = line_end + 2; *h;) {
        char *next = strstr(h, "\r\n");
        if (!next)
            break;
        *next = '\0';
        if (!strncasecmp(h, "content-length:", 15))
            c->body_left = strtoull(h + 15, NULL, 10);
        if (!strncasecmp(h, "transfer-encoding:", 18))
            relay_fail(c->owner, "a chunked request body: the relay cannot follow it");
        h = next + 2;
    }
}

/* Follows the client's stream, a byte at a time through the heads (the
 * traffic is small): a head ends at an empty line, then its body is
 * skipped. */
static void sniff(conn *c, const char *data, size_t len)
{
    while (len > 0) {
        if (c->body_left > 0) {
            size_t skip = len < c->body_left ? len : (size_t)c->body_left;
            c->body_left -= skip;
            data += skip;
            len -= skip;
            continue;
        }
        if (c->head_len + 1 >= HEAD_MAX) {
            relay_fail(c->owner, "a request head over the cap");
            c->head_len = 0;
        }
        c->head[c->head_len++] = *data++;
        len--;
        if (c->head_len >= 4 && !memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4)) {
            take_head(c);
            c->head_len = 0;
        }
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *relay_conn(void *arg)
{
    conn *c = arg;
    char buf[RELAY_BUF];
    for (;;) {
        struct pollfd p[3] = {
            {c->client, POLLIN, 0}, {c->server, POLLIN, 0}, {c->owner->stop[0], POLLIN, 0}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[2].revents)
            break;
        if (p[0].revents) {
            ssize_t n = read(c->client, buf, sizeof(buf));
            if (n <= 0)
                break;
            sniff(c, buf, (size_t)n);
            if (write_all(c->server, buf, (size_t)n))
                break;
        }
        if (p[1].revents) {
            ssize_t n = read(c->server, buf, sizeof(buf));
            if (n <= 0 || write_all(c->client, buf, (size_t)n))
                break;
        }
    }
    /* Closing one side ends the other's transfer too. */
    shutdown(c->client, SHUT_RDWR);
    shutdown(c->server, SHUT_RDWR);
    return NULL;
}

static int connect_upstream(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static void *accept_loop(void *arg)
{
    relay *r = arg;
    for (;;) {
        struct pollfd p[2] = {{r->listener, POLLIN, 0}, {r->stop[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno == EINTR)
            continue;
        if (p[1].revents)
            return NULL;
        int client = accept(r->listener, NULL, NULL);
        if (client < 0)
            continue;
        int server = connect_upstream(r->upstream);
        conn *c = calloc(1, sizeof(*c));
        if (server < 0 || !c || r->conn_count == CONNECTIONS_MAX) {
            relay_fail(r, "cannot relay a connection");
            close(client);
            if (server >= 0)
                close(server);
            free(c);
            continue;
        }
        c->owner = r;
        c->client = client;
        c->server = server;
        if (pthread_create(&c->thread, NULL, relay_conn, c) != 0) {
            relay_fail(r, "cannot start a relay thread");
            close(client);
            close(server);
            free(c);
            continue;
        }
        r->conns[r->conn_count++] = c; /* only this thread adds */
    }
}

static relay *relay_start(uint16_t upstream)
{
    relay *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->upstream = upstream;
    r->requests = json_array();
    pthread_mutex_init(&r->lock, NULL);
    assert_int_equal(pipe(r->stop), 0);
    r->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->listener >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    assert_int_equal(bind(r->listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->listener, 64), 0);
    assert_int_equal(getsockname(r->listener, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->acceptor, NULL, accept_loop, r), 0);
    return r;
}

/* Stops everything; returns the recorded requests (new reference). */
static json_t *relay_stop(relay *r, char **error)
{
    assert_int_equal(write(r->stop[1], "x", 1), 1);
    pthread_join(r->acceptor, NULL);
    for (size_t i = 0; i < r->conn_count; i++) {
        pthread_join(r->conns[i]->thread, NULL);
        close(r->conns[i]->client);
        close(r->conns[i]->server);
        free(r->conns[i]);
    }
    close(r->listener);
    close(r->stop[0]);
    close(r->stop[1]);
    pthread_mutex_destroy(&r->lock);
    json_t *requests = r->requests;
    *error = r->error;
    free(r);
    return requests;
}

/* ---- running hpac through it --------------------------------------------------- */

/* A merge patch applied to nothing (RFC 7386): its members, less those it
 * sets to null (deletions), at every level of objects. New reference. */
static json_t *merge_patch_result(const json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *out = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value)
    {
        if (!json_is_null(value))
            json_object_set_new(out, key, merge_patch_result(value));
    }
    return out;
}

/* Adds every status hpac wrote (PUT or merge PATCH of .../status, as the
 * simulator recorded them; a patch as the status it leaves) to `statuses`
 * as documents for the validator. */
static void collect_statuses(hpac_sim_server *sim, const char *label, json_t *statuses)
{
    json_t *writes = hpac_sim_writes(sim);
    size_t i;
    json_t *w;
    json_array_foreach(writes, i, w)
    {
        const char *path = json_string_value(json_object_get(w, "path"));
        json_t *status = json_object_get(json_object_get(w, "body"), "status");
        size_t n = path ? strlen(path) : 0;
        if (n < 7 || strcmp(path + n - 7, "/status") != 0 || !json_is_object(status))
            continue;
        const char *verb = json_string_value(json_object_get(w, "verb"));
        json_t *written = verb && !strcmp(verb, "PATCH") ? merge_patch_result(status)
                                                         : json_incref(status);
        /* A spec the schema takes, so that only the status is judged. */
        json_t *object =
            json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s, s:s}, s:i}, s:o}", "apiVersion",
                      "hpac.io/v1", "kind", "HorizontalPodAutoscaler", "metadata", "name", "h",
                      "spec", "scaleTargetRef", "apiVersion", "apps/v1", "kind", "Deployment",
                      "name", "web", "maxReplicas", 10, "status", written);
        char *name = hpac_format("%s#%zu(%s)", label, i, verb ? verb : "?");
        hpac_test_add_doc(statuses, name, object);
        free(name);
    }
    json_decref(writes);
}

/* Runs hpac with `extra` flags against `objects` through a relay; adds the
 * requests it sent to `seen` ("METHOD target" -> case name), and the
 * statuses it wrote to `statuses` when not NULL. */
static void run_through_relay(const json_t *objects, const char *const *extra, size_t extra_n,
                              int timeout_s, bool must_exit_zero, const char *label, json_t *seen,
                              json_t *statuses)
{
    char err[512];
    hpac_sim_options opts = {.port = 0, .token = E2E_TOKEN};
    hpac_sim_server *sim = hpac_sim_start(objects, &opts, err, sizeof(err));
    if (!sim)
        fail_msg("%s: simulator: %s", label, err);
    relay *r = relay_start(hpac_sim_port(sim));
    char *kubeconfig = e2e_write_kubeconfig(r->port, E2E_TOKEN);
    assert_non_null(kubeconfig);
    const char *args[32];
    size_t n = 0;
    args[n++] = "--kubeconfig";
    args[n++] = kubeconfig;
    for (size_t i = 0; i < extra_n && n + 1 < sizeof(args) / sizeof(args[0]); i++)
        args[n++] = extra[i];
    args[n] = NULL;
    char *log = NULL;
    int rc = e2e_run_hpac(args, timeout_s, &log);
    char *relay_error = NULL;
    json_t *requests = relay_stop(r, &relay_error);
    if (relay_error)
        fail_msg("%s: relay: %s", label, relay_error);
    if (must_exit_zero && rc != 0)
        fail_msg("%s: hpac exited %d: %.2000s", label, rc, log ? log : "");
    if (json_array_size(requests) == 0)
        fail_msg("%s: hpac sent nothing: %.2000s", label, log ? log : "");
    size_t i;
    json_t *req;
    json_array_foreach(requests, i, req)
    {
        if (!json_object_get(seen, json_string_value(req)))
            json_object_set_new(seen, json_string_value(req), json_string(label));
    }
    json_decref(requests);
    free(log);
    if (statuses)
        collect_statuses(sim, label, statuses);
    e2e_remove_kubeconfig(kubeconfig);
    hpac_sim_stop(sim);
}

/* Every request in `seen` must be granted for `hpa_api`. */
static void check_granted(json_t *seen, const char *hpa_api)
{
    const char *line;
    json_t *label;
    json_t *kinds = json_object();
    json_object_foreach(seen, line, label)
    {
        char method[16];
        const char *space = strchr(line, ' ');
        assert_non_null(space);
        size_t mlen = (size_t)(space - line);
        assert_true(mlen < sizeof(method));
        memcpy(method, line, mlen);
        method[mlen] = '\0';
        hpac_access a;
        char err[256];
        if (hpac_access_of_request(method, space + 1, &a, err, sizeof(err)))
            fail_msg("%s (%s): %s", line, json_string_value(label), err);
        if (!hpac_access_allowed(hpa_api, &a, OWN_NAMESPACE)) {
            char res[600];
            hpac_access_resource_string(&a, res, sizeof(res));
            fail_msg("--hpa-api %s: hpac sent %s (%s), which needs %s %s in group \"%s\": not "
                     "granted by lib/access (nor by manifests/rbac*.yaml)",
                     hpa_api, line, json_string_value(label), a.verb,
                     a.resource_request ? res : a.path, a.group);
        }
        char res[600];
        hpac_access_resource_string(&a, res, sizeof(res));
        char *kind = a.resource_request ? hpac_format("%s %s/%s", a.verb, a.group, res)
                                        : hpac_format("%s %s", a.verb, a.path);
        json_object_set_new(kinds, kind, json_true());
        free(kind);
    }
    /* What was exercised, for the log. */
    const char *kind;
    json_t *v;
    fprintf(stderr, "--hpa-api %s: %zu distinct requests, %zu kinds of access:\n", hpa_api,
            json_object_size(seen), json_object_size(kinds));
    json_object_foreach(kinds, kind, v) fprintf(stderr, "  %s\n", kind);
    json_decref(kinds);
}

/* Runs the corpus with --once; checks the requests, and returns the
 * statuses written (caller owns). */
static json_t *run_corpus(const char *hpa_api)
{
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    json_t *seen = json_object();
    json_t *statuses = json_array();
    for (size_t i = 0; i < count; i++) {
        char err[512];
        json_t *the_case = hpac_case_load(paths[i], err, sizeof(err));
        if (!the_case)
            fail_msg("%s: %s", paths[i], err);
        size_t flag_count = 0;
        const char **flags = hpac_case_flags(the_case, &flag_count);
        const char *extra[24];
        size_t n = 0;
        extra[n++] = "--hpa-api";
        extra[n++] = hpa_api;
        extra[n++] = "--once";
        for (size_t f = 0; f < flag_count && n < sizeof(extra) / sizeof(extra[0]); f++)
            extra[n++] = flags[f];
        const char *base = strrchr(paths[i], '/');
        run_through_relay(json_object_get(the_case, "objects"), extra, n, 30, true,
                          base ? base + 1 : paths[i], seen, statuses);
        free(flags);
        json_decref(the_case);
    }
    check_granted(seen, hpa_api);
    json_decref(seen);
    hpac_test_free_paths(paths, count);
    return statuses;
}

/* Every request of the corpus is granted, and the CRD takes every status
 * the controller wrote (an empty entry for a metric it could not compute,
 * conditions alone for an HPA it cannot act on). */
static void test_manifests__once_traffic_is_granted_hpac_io(void **state)
{
    json_t *statuses = run_corpus("hpac.io/v1");
    assert_true(json_array_size(statuses) > 100);
    json_t *results = hpac_test_crd_validate(statuses);
    const char *name;
    json_t *r;
    json_object_foreach(results, name, r)
    {
        if (strcmp(json_string_value(r), "ok") != 0)
            fail_msg("the CRD refuses a status hpac wrote (%s): %s", name, json_string_value(r));
    }
    json_decref(results);
    json_decref(statuses);
}

static void test_manifests__once_traffic_is_granted_autoscaling_v2(void **state)
{
    json_decref(run_corpus("autoscaling/v2"));
}

/* The long-running controller: HPA and pod informers, Leases, the history
 * annotation. It runs until killed. */
static void test_manifests__controller_traffic_is_granted(void **state)
{
    static const char *const apis[] = {"hpac.io/v1", "autoscaling/v2"};
    size_t count = 0;
    char **paths = hpac_test_case_paths("upstream", &count);
    /* A case that scales, so that the history annotation is written. */
    json_t *chosen = NULL;
    for (size_t i = 0; i < count && !chosen; i++) {
        char err[512];
        json_t *c = hpac_case_load(paths[i], err, sizeof(err));
        if (c && json_is_true(json_object_get(json_object_get(c, "expect"), "scaled")))
            chosen = c;
        else
            json_decref(c);
    }
    assert_non_null(chosen);
    for (size_t k = 0; k < 2; k++) {
        json_t *seen = json_object();
        const char *extra[] = {"--hpa-api",
                               apis[k],
                               "--leader-elect=true",
                               "--leader-elect-resource-namespace=" OWN_NAMESPACE,
                               "--leader-elect-retry-period=200ms",
                               "--horizontal-pod-autoscaler-sync-period=1s",
                               "--metrics-bind-address=0"};
        run_through_relay(json_object_get(chosen, "objects"), extra,
                          sizeof(extra) / sizeof(extra[0]), 4, false, "the controller", seen, NULL);
        /* It got as far as leading and reconciling. */
        bool lease = false, watch = false;
        const char *line;
        json_t *v;
        json_object_foreach(seen, line, v)
        {
            lease = lease || strstr(line, "/leases") != NULL;
            watch = watch || strstr(line, "watch=") != NULL;
        }
        if (!lease || !watch)
            fail_msg("--hpa-api %s: the controller sent no %s", apis[k],
                     !lease ? "Lease request" : "watch");
        check_granted(seen, apis[k]);
        json_decref(seen);
    }
    json_decref(chosen);
    hpac_test_free_paths(paths, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifests__once_traffic_is_granted_hpac_io),
        cmocka_unit_test(test_manifests__once_traffic_is_granted_autoscaling_v2),
        cmocka_unit_test(test_manifests__controller_traffic_is_granted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
