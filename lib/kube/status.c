/* What an API response means: the parsed body, or an error with the
 * message and reason a Go client would report. */
#include "kube/kube_internal.h"

#include "util/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a 2xx body that is not JSON is reported, decoded or read raw. */
#define INVALID_JSON "invalid JSON in response: "

/* A server message quoted in errors is cut here. */
#define SERVER_MESSAGE_MAX 256

const char *hpac__kube_generic_reason(long code, const char *verb)
{
    switch (code) {
    case 409:
        return verb && strcmp(verb, "POST") == 0 ? "AlreadyExists" : "Conflict";
    case 404:
        return "NotFound";
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 405:
        return "MethodNotAllowed";
    case 422:
        return "Invalid";
    case 504:
        return "Timeout";
    case 429:
        return "TooManyRequests";
    default:
        return code >= 500 ? "InternalError" : NULL;
    }
}

char *hpac__kube_generic_message(long code, const char *server_message)
{
    switch (code) {
    case 409:
        return strdup("the server reported a conflict");
    case 404:
        return strdup("the server could not find the requested resource");
    case 400:
        return strdup("the server rejected our request for an unknown reason");
    case 401:
        return strdup("the server has asked for the client to provide credentials");
    case 403:
        return hpac_format("forbidden: %s", server_message);
    case 405:
        return strdup("the server does not allow this method on the requested resource");
    case 422:
        return strdup("the server rejected our request due to an error in our request");
    case 504:
        return strdup("the server was unable to return a response in the time allotted, but "
                      "may still be processing the request");
    case 429:
        return strdup(
            "the server has received too many requests and has asked us to try again later");
    default:
        if (code >= 500)
            return hpac_format("an error on the server (\"%s\") has prevented the request from "
                               "succeeding",
                               server_message);
        return hpac_format("the server responded with the status code %ld but did not return "
                           "more information",
                           code);
    }
}

/* The body as one printable line, cut at SERVER_MESSAGE_MAX. */
static char *server_text(const char *body, size_t len)
{
    size_t n = len < SERVER_MESSAGE_MAX ? len : SERVER_MESSAGE_MAX;
    char *out = malloc(n + 4);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)body[i];
        out[j++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : (isprint(c) ? (char)c : '?');
    }
    while (j > 0 && out[j - 1] == ' ')
        j--;
    if (len > n) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
    return out;
}

/* Go's net/http spelling of a method in errors: "Get", "Patch". */
static void go_method(const char *verb, char *buf, size_t size)
{
    size_t i = 0;
    for (; verb[i] && i + 1 < size; i++)
        buf[i] = (char)(i == 0 ? toupper((unsigned char)verb[i]) : tolower((unsigned char)verb[i]));
    buf[i] = '\0';
}

static bool is_status(json_t *body)
{
    json_t *kind = json_object_get(body, "kind");
    return json_is_string(kind) && strcmp(json_string_value(kind), "Status") == 0;
}

int hpac__kube_decode(const char *verb, const char *url, const hpac_http_response *resp,
                      bool expect_body, hpac__kube_result *out)
{
    int rc = -1;
    char *text = NULL;
    memset(out, 0, sizeof(*out));
    out->code = resp->status;

    if (resp->status == 0) {
        char method[16];
        go_method(verb, method, sizeof(method));
        out->error = hpac_format("%s \"%s\": %s", method, url,
                                 resp->error ? resp->error : "request failed");
        if (!out->error)
            goto out;
        rc = 0;
        goto out;
    }

    bool success = resp->status >= 200 && resp->status < 300;
    json_error_t jerr;
    if (resp->body_len > 0 && (expect_body || !success))
        out->body = json_loadb(resp->body, resp->body_len, 0, &jerr);

    if (success) {
        if (resp->body_len > 0 && expect_body && !out->body) {
            out->error = hpac_format(INVALID_JSON "%s", jerr.text);
            if (!out->error)
                goto out;
        }
        rc = 0;
        goto out;
    }

    if (out->body && is_status(out->body)) {
        const char *message = json_string_value(json_object_get(out->body, "message"));
        const char *reason = json_string_value(json_object_get(out->body, "reason"));
        if (message && message[0]) {
            out->error = strdup(message);
        } else {
            text = server_text(resp->body, resp->body_len);
            out->error = text ? hpac__kube_generic_message(resp->status, text) : NULL;
        }
        if (!out->error)
            goto out;
        if (!reason || !reason[0])
            reason = hpac__kube_generic_reason(resp->status, verb);
        if (reason) {
            out->reason = strdup(reason);
            if (!out->reason)
                goto out;
        }
        rc = 0;
        goto out;
    }

    text = server_text(resp->body, resp->body_len);
    if (!text)
        goto out;
    out->error = hpac__kube_generic_message(resp->status, text);
    if (!out->error)
        goto out;
    const char *reason = hpac__kube_generic_reason(resp->status, verb);
    if (reason) {
        out->reason = strdup(reason);
        if (!out->reason)
            goto out;
    }
    rc = 0;
out:
    free(text);
    if (rc != 0)
        hpac__kube_result_clear(out);
    return rc;
}

void hpac__kube_result_clear(hpac__kube_result *r)
{
    json_decref(r->body);
    free(r->error);
    free(r->reason);
    memset(r, 0, sizeof(*r));
}

void hpac__kube_deliver(const hpac__kube_op *op, const hpac_http_response *resp,
                        bool expect_body, void (*deliver)(void *target,
                                                          const hpac_kube_response *response),
                        void *target)
{
    hpac__kube_result r;
    char *url = hpac__kube_op_url(op);
    int rc = hpac__kube_decode(op->verb, url ? url : op->path, resp, expect_body, &r);
    free(url);
    hpac_kube_response out = {.code = resp->status};
    if (rc == 0) {
        out.body = r.body;
        out.error = r.error;
        out.reason = r.reason;
        if (!expect_body && !r.error && resp->status >= 200 && resp->status < 300) {
            out.raw = resp->body;
            out.raw_len = resp->body_len;
        }
    } else {
        out.error = "out of memory decoding the response";
    }
    deliver(target, &out);
    if (rc == 0)
        hpac__kube_result_clear(&r);
}

json_t *hpac_kube_raw_json(const hpac_kube_response *resp, char *err, size_t errsize)
{
    json_error_t jerr;
    json_t *tree = json_loadb(resp->raw, resp->raw_len, 0, &jerr);
    if (!tree)
        snprintf(err, errsize, INVALID_JSON "%s", jerr.text);
    return tree;
}
