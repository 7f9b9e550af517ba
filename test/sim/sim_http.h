/* Blocking HTTP helpers for the simulator's tests (libcurl easy API).
 * Header-only: each test program is one translation unit. */
#ifndef HPAC_TEST_SIM_HTTP_H
#define HPAC_TEST_SIM_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Responses larger than this fail the helper (a named cap, as everywhere). */
#define SIM_HTTP_RESPONSE_MAX (64u * 1024u * 1024u)

typedef struct sim_http_result {
    long code;
    json_t *json; /* parsed body, NULL when not JSON */
    char *raw;    /* body text, NUL-terminated */
    size_t len;
    char content_type[128];
    double seconds; /* total time */
} sim_http_result;

typedef struct sim_http_buf {
    char *data;
    size_t len;
} sim_http_buf;

static inline size_t sim_http_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sim_http_buf *buf = userdata;
    size_t n = size * nmemb;
    if (buf->len + n > SIM_HTTP_RESPONSE_MAX)
        return 0;
    char *grown = realloc(buf->data, buf->len + n + 1);
    if (!grown)
        return 0;
    buf->data = grown;
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

/* One request on `curl` (reused for keep-alive) or on a fresh handle when
 * `curl` is NULL. `path` may carry a query. `body` NULL: none. Returns 0,
 * or -1 on a transport error. The caller frees with sim_http_result_free. */
static inline int sim_http_on(CURL *curl, uint16_t port, const char *method, const char *path,
                              const char *body, size_t body_len, const char *content_type,
                              const char *token, sim_http_result *out)
{
    char url[8192], auth[512], ctype[256];
    struct curl_slist *headers = NULL;
    sim_http_buf buf = {0};
    bool own = curl == NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (own)
        curl = curl_easy_init();
    if (!curl)
        return -1;
    curl_easy_reset(curl);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sim_http_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    snprintf(ctype, sizeof(ctype), "Content-Type: %s",
             content_type ? content_type : "application/json");
    headers = curl_slist_append(headers, ctype);
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (curl_easy_perform(curl) == CURLE_OK) {
        char *ct = NULL;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->code);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
        curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &out->seconds);
        if (ct)
            snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
        out->raw = buf.data ? buf.data : calloc(1, 1);
        out->len = buf.len;
        buf.data = NULL;
        out->json = json_loadb(out->raw, out->len, 0, NULL);
        rc = 0;
    }
    free(buf.data);
    curl_slist_free_all(headers);
    if (own)
        curl_easy_cleanup(curl);
    return rc;
}

static inline void sim_http_result_free(sim_http_result *r)
{
    json_decref(r->json);
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

#endif
