/* Helpers shared by the manifests' tests. */
#include "manifests_support.h"

#include "test_support.h"
#include "util/strutil.h"
#include "util/yaml_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A command's output larger than this is an error. */
#define OUTPUT_MAX ((size_t)8 << 20)

/* The whole file, NUL-terminated (caller frees); fails the test when it
 * cannot be read. */
char *hpac_test_read_text(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    char *buf = malloc(FILE_MAX + 1);
    assert_non_null(buf);
    size_t len = fread(buf, 1, FILE_MAX + 1, f);
    fclose(f);
    if (len > FILE_MAX)
        fail_msg("%s: larger than %zu bytes", path, FILE_MAX);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

json_t *hpac_test_load_yaml(const char *path)
{
    size_t len = 0;
    char *text = hpac_test_read_text(path, &len);
    char err[512];
    json_t *docs = hpac_yaml_documents(text, len, err, sizeof(err));
    free(text);
    if (!docs)
        fail_msg("%s: %s", path, err);
    return docs;
}

json_t *hpac_test_load_manifest(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", MANIFESTS, rel);
    return hpac_test_load_yaml(path);
}

/* The document of `kind` named `name` (borrowed), or NULL. */
json_t *hpac_test_find_doc(json_t *docs, const char *kind, const char *name)
{
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        const char *k = json_string_value(json_object_get(doc, "kind"));
        const char *n =
            json_string_value(json_object_get(json_object_get(doc, "metadata"), "name"));
        if (k && n && !strcmp(k, kind) && !strcmp(n, name))
            return doc;
    }
    return NULL;
}

json_t *hpac_test_must_find(json_t *docs, const char *kind, const char *name)
{
    json_t *doc = hpac_test_find_doc(docs, kind, name);
    if (!doc)
        fail_msg("no %s named %s", kind, name);
    return doc;
}

/* Follows a dotted path of object members ("spec.template.spec"). */
json_t *hpac_test_at(json_t *v, const char *path)
{
    char buf[512];
    hpac_strlcpy(buf, path, sizeof(buf));
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && v;
         part = strtok_r(NULL, ".", &save))
        v = json_object_get(v, part);
    return v;
}

const char *hpac_test_str_at(json_t *v, const char *path)
{
    return json_string_value(hpac_test_at(v, path));
}

/* Runs `cmd` through the shell with stdout in *out (caller frees) and
 * stderr in *errout when not NULL; returns the exit status. */
int hpac_test_run(const char *cmd, char **out, char **errout)
{
    char errpath[] = "/tmp/hpac-test-stderr-XXXXXX";
    int errfd = mkstemp(errpath);
    assert_true(errfd >= 0);
    close(errfd);
    char *full = hpac_format("%s 2>'%s'", cmd, errpath);
    assert_non_null(full);
    FILE *p = popen(full, "r");
    free(full);
    assert_non_null(p);
    char *buf = malloc(OUTPUT_MAX + 1);
    assert_non_null(buf);
    size_t len = fread(buf, 1, OUTPUT_MAX + 1, p);
    int status = pclose(p);
    if (len > OUTPUT_MAX)
        fail_msg("%s: more than %zu bytes of output", cmd, OUTPUT_MAX);
    buf[len] = '\0';
    *out = buf;
    char *err = hpac_test_read_text(errpath, NULL);
    unlink(errpath);
    if (errout)
        *errout = err;
    else
        free(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool hpac_test_command_exists(const char *name)
{
    char *cmd = hpac_format("command -v '%s'", name);
    char *out = NULL;
    int rc = hpac_test_run(cmd, &out, NULL);
    free(cmd);
    free(out);
    return rc == 0;
}

/* ---- the CRD and a real JSON-Schema validator ------------------------------- */

json_t *hpac_test_crd_docs(void)
{
    return hpac_test_load_manifest("crd.yaml");
}

json_t *hpac_test_crd_version(json_t *crd)
{
    json_t *versions = hpac_test_at(crd, "spec.versions");
    assert_int_equal(json_array_size(versions), 1);
    return json_array_get(versions, 0);
}

json_t *hpac_test_crd_schema(json_t *crd)
{
    json_t *schema = hpac_test_at(hpac_test_crd_version(crd), "schema.openAPIV3Schema");
    assert_true(json_is_object(schema));
    return schema;
}

static const char *python(void)
{
    /* Debian's interpreter, where python3-jsonschema is installed. */
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Validates each {"name", "object"} of `documents` against the CRD's
 * schema; returns name -> "ok" or the validator's message (new). */
json_t *hpac_test_crd_validate(json_t *documents)
{
    json_t *docs = hpac_test_crd_docs();
    json_t *input = json_pack("{s:O, s:O}", "schema", hpac_test_crd_schema(json_array_get(docs, 0)),
                              "documents", documents);
    json_decref(docs);
    char path[] = "/tmp/hpac-crd-validate-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(json_dump_file(input, path, JSON_COMPACT), 0);
    json_decref(input);
    char *cmd = hpac_format("'%s' '%s/test/manifests/crd_validate.py' '%s'", python(),
                            HPAC_SOURCE_DIR, path);
    char *out = NULL, *err = NULL;
    int rc = hpac_test_run(cmd, &out, &err);
    free(cmd);
    unlink(path);
    if (rc != 0)
        fail_msg("crd_validate.py exited %d: %s", rc, err);
    json_t *results = json_object();
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "ok ", 3)) {
            json_object_set_new(results, line + 3, json_string("ok"));
        } else if (!strncmp(line, "invalid ", 8)) {
            char *colon = strstr(line + 8, ": ");
            assert_non_null(colon);
            *colon = '\0';
            json_object_set_new(results, line + 8, json_string(colon + 2));
        } else {
            fail_msg("crd_validate.py: unexpected line %s", line);
        }
    }
    free(out);
    free(err);
    if (json_object_size(results) != json_array_size(documents))
        fail_msg("crd_validate.py answered %zu of %zu documents", json_object_size(results),
                 json_array_size(documents));
    return results;
}

void hpac_test_add_doc(json_t *documents, const char *name, json_t *object)
{
    json_array_append_new(documents, json_pack("{s:s, s:o}", "name", name, "object", object));
}
