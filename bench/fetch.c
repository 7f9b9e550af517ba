#include "bench.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_TIMEOUT_MS 30000L

typedef struct buffer {
    char *data;
    size_t len, cap;
    bool too_large;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    buffer *b = ctx;
    size_t n = size * nmemb;
    if (n > BENCH_FETCH_MAX - b->len) {
        b->too_large = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

long bench_fetch(const char *method, const char *url, char **body)
{
    long code = -1;
    buffer b = {0};
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, FETCH_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(h) == CURLE_OK && !b.too_large)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    if (body && code >= 0 && !b.data)
        b.data = calloc(1, 1);
    if (body && code >= 0) {
        *body = b.data;
        b.data = NULL;
    } else if (body) {
        *body = NULL;
    }
    free(b.data);
    return code;
}

double bench_prom_sum(const char *text, const char *family, const char *label_match)
{
    double sum = 0;
    size_t flen = strlen(family);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > flen && strncmp(line, family, flen) == 0 &&
            (line[flen] == '{' || line[flen] == ' ')) {
            const char *value = line + flen;
            bool match = !label_match;
            if (*value == '{') {
                const char *close = memchr(value, '}', len - flen);
                if (!close)
                    goto next;
                if (label_match) {
                    size_t mlen = strlen(label_match);
                    for (const char *p = value; p + mlen <= close && !match; p++)
                        match = strncmp(p, label_match, mlen) == 0;
                }
                value = close + 1;
            }
            if (match)
                sum += strtod(value, NULL);
        }
    next:
        line = eol ? eol + 1 : NULL;
    }
    return sum;
}
