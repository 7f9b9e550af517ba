/* YAML to JSON, the way kubectl reads manifests: YAML 1.1 plain scalars
 * resolve to null, booleans, integers and floats ("yes", "off", "0x1F",
 * "1e3", "~"); quoted and block scalars stay strings; "!!str" forces a
 * string; timestamps stay as written. Anchors and aliases are expanded
 * (copies), "<<" merge keys merge (explicit keys win). Mapping keys must be scalars and are taken
 * as written; a duplicate key is an error. Pure: parses a buffer. */
#ifndef HPAC_UTIL_YAML_JSON_H
#define HPAC_UTIL_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Nesting deeper than this is an error (the parser recurses). */
#define HPAC_YAML_DEPTH_MAX 256
/* More JSON values than this in one stream (aliases included) is an error:
 * it stops alias bombs. */
#define HPAC_YAML_NODES_MAX ((size_t)1 << 20)

/* Every document of a stream, in order, as a new JSON array (caller owns
 * it). Empty documents ("---" with nothing, or only comments) are left
 * out, as kubectl does. NULL with "line L, column C: what" in err on
 * malformed YAML, a value JSON cannot hold (.inf, .nan), or a cap. */
json_t *hpac_yaml_documents(const char *text, size_t len, char *err, size_t errsize);

/* Exactly one non-empty document: a new reference (caller owns it), or
 * NULL with err (also when the stream holds none or several). */
json_t *hpac_yaml_document(const char *text, size_t len, char *err, size_t errsize);

#endif
