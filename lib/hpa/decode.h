/* Field access for the API object decoders (hpa.c, pod.c, metric_data.c):
 * typed getters that name the failing field in their error messages
 * ("spec.maxReplicas: expected an integer"). Pure.
 *
 * Conventions shared by every getter: `parent` and the returned json_t
 * pointers are borrowed; a field that is absent or JSON null counts as
 * absent; `path` is the parent's path ("" at the root) and the message
 * names path.key; on error the getter returns -1 and leaves its outputs
 * untouched. */
#ifndef HPAC_HPA_DECODE_H
#define HPAC_HPA_DECODE_H

#include "hpa/quantity.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest field path kept for messages; longer paths are truncated. */
#define HPAC_PATH_MAX 256

/* "parent.key" (or "key" at the root) and "parent[index]". */
void hpac_path_child(char *out, size_t size, const char *parent, const char *key);
void hpac_path_index(char *out, size_t size, const char *parent, size_t index);

/* Writes "path: message" (or just the message for the root) to err. */
void hpac_decode_error(char *err, size_t errsize, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An object or array field. Absent gives *out = NULL, or "required". */
int hpac_decode_object(const json_t *parent, const char *key, const char *path, bool required,
                       const json_t **out, char *err, size_t errsize);
int hpac_decode_array(const json_t *parent, const char *key, const char *path, bool required,
                      const json_t **out, char *err, size_t errsize);

/* A string field, borrowed. A required string must also be non-empty. */
int hpac_decode_string_ref(const json_t *parent, const char *key, const char *path, bool required,
                           const char **out, char *err, size_t errsize);
/* The same, copied: caller frees *out (NULL when absent). */
int hpac_decode_string(const json_t *parent, const char *key, const char *path, bool required,
                       char **out, char *err, size_t errsize);

/* An integer field within [min, max] (the width of the Go type, not a
 * semantic bound). *present tells whether it was there (may be NULL when
 * `required`). */
int hpac_decode_int(const json_t *parent, const char *key, const char *path, bool required,
                    int64_t min, int64_t max, bool *present, int64_t *out, char *err,
                    size_t errsize);

/* An RFC 3339 time field; absent leaves *ms at 0. */
int hpac_decode_time(const json_t *parent, const char *key, const char *path, bool required,
                     int64_t *ms, char *err, size_t errsize);

/* A resource.Quantity: JSON string ("500m") or number (2, 0.5), as the API
 * accepts both. `value` is the field itself and `path` its full path.
 * The text of a number is its shortest round-trip form, so 0.1 is read as
 * "0.1" and not as a 17-digit approximation. */
int hpac_decode_quantity(const json_t *value, const char *path, hpac_quantity *out, char *err,
                         size_t errsize);
int hpac_decode_quantity_milli(const json_t *value, const char *path, int64_t *milli, char *err,
                               size_t errsize);

/* A name that will be put into a URL path (object names, kinds, metric
 * names): rejects ".", ".." and names containing '/' or '%', as the API
 * server's path-segment validation does. */
int hpac_check_path_segment(const char *value, const char *path, char *err, size_t errsize);

/* Copies a string; NULL stays NULL. Returns -1 only when out of memory. */
int hpac_strdup_opt(const char *src, char **out);

#endif
