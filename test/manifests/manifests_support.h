/* Helpers shared by the manifests' tests: reading files and YAML, walking
 * JSON by dotted paths, running commands. Each fails the running test
 * instead of returning an error. */
#ifndef HPAC_TEST_MANIFESTS_SUPPORT_H
#define HPAC_TEST_MANIFESTS_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MANIFESTS HPAC_SOURCE_DIR "/manifests"
/* A manifest or the guide larger than this is an error. */
#define FILE_MAX ((size_t)4 << 20)
/* The controller's own namespace in the manifests. */
#define OWN_NAMESPACE "hpac-system"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The whole file, NUL-terminated; caller frees. */
char *hpac_test_read_text(const char *path, size_t *len_out);

/* Every document of a YAML file (hpac_yaml_documents); caller owns. */
json_t *hpac_test_load_yaml(const char *path);
/* The same for a path under manifests/. */
json_t *hpac_test_load_manifest(const char *rel);

/* The document of `kind` named `name` (borrowed), or NULL; must_find
 * fails the test instead. */
json_t *hpac_test_find_doc(json_t *docs, const char *kind, const char *name);
json_t *hpac_test_must_find(json_t *docs, const char *kind, const char *name);

/* Follows a dotted path of object members ("spec.template.spec");
 * borrowed, NULL when absent. */
json_t *hpac_test_at(json_t *v, const char *path);
const char *hpac_test_str_at(json_t *v, const char *path);

/* Runs `cmd` through the shell with stdout in *out (caller frees) and
 * stderr in *errout (caller frees) when not NULL; returns the exit status. */
int hpac_test_run(const char *cmd, char **out, char **errout);
bool hpac_test_command_exists(const char *name);

/* manifests/crd.yaml's documents (caller owns); its one version and
 * that version's openAPIV3Schema (borrowed from `crd`). */
json_t *hpac_test_crd_docs(void);
json_t *hpac_test_crd_version(json_t *crd);
json_t *hpac_test_crd_schema(json_t *crd);

/* Appends {"name", "object"} to `documents`, taking `object`. Names must
 * not hold ": ". */
void hpac_test_add_doc(json_t *documents, const char *name, json_t *object);

/* Validates each {"name", "object"} of `documents` against the CRD's
 * schema with python3-jsonschema (crd_validate.py); returns name -> "ok"
 * or the validator's message (caller owns). */
json_t *hpac_test_crd_validate(json_t *documents);

#endif
