/* JSON helpers of lib/sim: dotted-path access, RFC 7386 merge patch and
 * RFC 6902 JSON patch. */
#ifndef HPAC_SIM_SIM_JSON_H
#define HPAC_SIM_SIM_JSON_H

#include <jansson.h>
#include <stddef.h>

/* The value at a dotted path ("metadata.name") of nested objects, or NULL.
 * Borrowed from `root`. */
json_t *hpac_sim_json_at(const json_t *root, const char *path);
/* The string at a dotted path, or NULL. Borrowed from `root`. */
const char *hpac_sim_json_str(const json_t *root, const char *path);

/* RFC 7386 JSON merge patch: `target` with `patch` applied (null members
 * delete). Neither input is modified. New reference, NULL on allocation
 * failure. */
json_t *hpac_sim_merge_patch(const json_t *target, const json_t *patch);

/* RFC 6902 JSON patch: `target` with the operations `ops` (an array of
 * add, remove, replace, move, copy, test) applied. Neither input is
 * modified. New reference, or NULL with err when an operation is malformed
 * or fails (a missing path, a failed test). */
json_t *hpac_sim_json_patch(const json_t *target, const json_t *ops, char *err, size_t errsize);

/* The object member `key` of `obj`, created as {} when absent or not an
 * object. Borrowed; NULL on allocation failure. */
json_t *hpac_sim_json_child(json_t *obj, const char *key);

#endif
