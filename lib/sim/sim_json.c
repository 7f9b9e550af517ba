#include "sim/sim_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_SEGMENT_MAX 128

json_t *hpac_sim_json_at(const json_t *root, const char *path)
{
    json_t *cur = (json_t *)root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[PATH_SEGMENT_MAX];
        if (len >= sizeof(key))
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        cur = json_object_get(cur, key);
        p += len;
        if (*p == '.')
            p++;
    }
    return cur;
}

const char *hpac_sim_json_str(const json_t *root, const char *path)
{
    return json_string_value(hpac_sim_json_at(root, path));
}

/* Applies `patch` to `target` in place; `target` is a private deep copy,
 * shared with nobody, so nested objects are patched where they are.
 * Returns 0 or -1. */
static int merge_into(json_t *target, const json_t *patch)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(target, key);
            continue;
        }
        json_t *child = json_object_get(target, key);
        if (json_is_object(value) && json_is_object(child)) {
            if (merge_into(child, value) != 0)
                return -1;
            continue;
        }
        json_t *replacement = hpac_sim_merge_patch(NULL, value);
        if (!replacement || json_object_set_new(target, key, replacement) != 0)
            return -1;
    }
    return 0;
}

json_t *hpac_sim_merge_patch(const json_t *target, const json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *result = json_is_object(target) ? json_deep_copy(target) : json_object();
    if (!result)
        return NULL;
    if (merge_into(result, patch) != 0) {
        json_decref(result);
        return NULL;
    }
    return result;
}

json_t *hpac_sim_json_child(json_t *obj, const char *key)
{
    json_t *child = json_object_get(obj, key);
    if (json_is_object(child))
        return child;
    child = json_object();
    if (!child || json_object_set_new(obj, key, child) != 0)
        return NULL;
    return child;
}

/* --- RFC 6902 ------------------------------------------------------------ */

#define POINTER_TOKENS_MAX 32
#define POINTER_TOKEN_LEN 256

typedef struct pointer {
    char tokens[POINTER_TOKENS_MAX][POINTER_TOKEN_LEN];
    int count;
} pointer;

/* "/a/b~1c/0" -> ["a", "b/c", "0"]; "" -> no tokens (the whole document). */
static int pointer_parse(const char *text, pointer *ptr)
{
    ptr->count = 0;
    if (!text)
        return -1;
    if (*text == '\0')
        return 0;
    if (*text != '/')
        return -1;
    const char *p = text + 1;
    for (;;) {
        if (ptr->count == POINTER_TOKENS_MAX)
            return -1;
        char *tok = ptr->tokens[ptr->count++];
        size_t len = 0;
        while (*p && *p != '/') {
            char c = *p++;
            if (c == '~') {
                if (*p == '0')
                    c = '~';
                else if (*p == '1')
                    c = '/';
                else
                    return -1;
                p++;
            }
            if (len + 1 >= POINTER_TOKEN_LEN)
                return -1;
            tok[len++] = c;
        }
        tok[len] = '\0';
        if (*p == '\0')
            return 0;
        p++;
    }
}

/* An array index token: digits only, no leading zero; -1 otherwise. */
static long array_index(const char *tok)
{
    if (!*tok || (tok[0] == '0' && tok[1]) || strlen(tok) > 9)
        return -1;
    long v = 0;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* The value `count` tokens deep, or NULL. Borrowed. */
static json_t *pointer_walk(json_t *doc, const pointer *ptr, int count)
{
    json_t *cur = doc;
    for (int i = 0; cur && i < count; i++) {
        if (json_is_object(cur)) {
            cur = json_object_get(cur, ptr->tokens[i]);
        } else if (json_is_array(cur)) {
            long idx = array_index(ptr->tokens[i]);
            cur = idx < 0 ? NULL : json_array_get(cur, (size_t)idx);
        } else {
            cur = NULL;
        }
    }
    return cur;
}

/* Adds `value` (stolen) at `ptr`. */
static int op_add(json_t **doc, const pointer *ptr, json_t *value)
{
    if (ptr->count == 0) {
        json_decref(*doc);
        *doc = value;
        return 0;
    }
    json_t *parent = pointer_walk(*doc, ptr, ptr->count - 1);
    const char *last = ptr->tokens[ptr->count - 1];
    if (json_is_object(parent))
        return json_object_set_new(parent, last, value);
    if (json_is_array(parent)) {
        if (strcmp(last, "-") == 0)
            return json_array_append_new(parent, value);
        long idx = array_index(last);
        if (idx >= 0 && (size_t)idx <= json_array_size(parent))
            return json_array_insert_new(parent, (size_t)idx, value);
    }
    json_decref(value);
    return -1;
}

static int op_remove(json_t **doc, const pointer *ptr)
{
    if (ptr->count == 0)
        return -1;
    json_t *parent = pointer_walk(*doc, ptr, ptr->count - 1);
    const char *last = ptr->tokens[ptr->count - 1];
    if (json_is_object(parent))
        return json_object_del(parent, last);
    if (json_is_array(parent)) {
        long idx = array_index(last);
        if (idx >= 0)
            return json_array_remove(parent, (size_t)idx);
    }
    return -1;
}

static int apply_op(json_t **doc, const json_t *op, char *err, size_t errsize)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    const char *from = json_string_value(json_object_get(op, "from"));
    json_t *value = json_object_get(op, "value");
    pointer *ptr = malloc(2 * sizeof(*ptr));
    pointer *fptr = ptr ? ptr + 1 : NULL;
    int rc = -1;

    if (!ptr) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    if (!name || pointer_parse(path, ptr) != 0) {
        snprintf(err, errsize, "operation without a valid op and path");
        goto out;
    }
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (!value) {
            snprintf(err, errsize, "%s %s without a value", name, path);
            goto out;
        }
        if (strcmp(name, "replace") == 0 && ptr->count > 0 && op_remove(doc, ptr) != 0) {
            snprintf(err, errsize, "replace: %s does not exist", path);
            goto out;
        }
        rc = op_add(doc, ptr, json_deep_copy(value));
    } else if (strcmp(name, "remove") == 0) {
        rc = op_remove(doc, ptr);
    } else if (strcmp(name, "test") == 0) {
        json_t *have = pointer_walk(*doc, ptr, ptr->count);
        rc = (have && value && json_equal(have, value)) ? 0 : -1;
    } else if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
        json_t *src = pointer_parse(from, fptr) == 0 ? pointer_walk(*doc, fptr, fptr->count)
                                                       : NULL;
        json_t *moved = src ? json_deep_copy(src) : NULL;
        if (!moved) {
            snprintf(err, errsize, "%s: %s does not exist", name, from ? from : "(no from)");
            goto out;
        }
        if (strcmp(name, "move") == 0 && op_remove(doc, fptr) != 0) {
            json_decref(moved);
            goto out;
        }
        rc = op_add(doc, ptr, moved);
    } else {
        snprintf(err, errsize, "unknown op \"%s\"", name);
        goto out;
    }
    if (rc != 0)
        snprintf(err, errsize, "%s %s failed", name, path);
out:
    free(ptr);
    return rc;
}

json_t *hpac_sim_json_patch(const json_t *target, const json_t *ops, char *err, size_t errsize)
{
    size_t i;
    const json_t *op;
    if (!json_is_array(ops)) {
        snprintf(err, errsize, "a JSON patch is an array of operations");
        return NULL;
    }
    json_t *doc = json_deep_copy(target);
    if (!doc) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    json_array_foreach(ops, i, op) {
        if (apply_op(&doc, op, err, errsize) != 0) {
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}
