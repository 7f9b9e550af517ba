/* Acceptance cases (see FORMAT.md beside the corpus): loading one, and
 * turning its time placeholders ("@now-90s") into RFC 3339 instants. */
#ifndef HPAC_SIM_CASE_H
#define HPAC_SIM_CASE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Loads a case file and checks its shape (name, objects.hpa, objects.targets,
 * expect). Returns a new reference, or NULL with err. */
json_t *hpac_case_load(const char *path, char *err, size_t errsize);

/* A deep copy of `value` in which every string "@now", "@now-90s",
 * "@now+5m", "@now-1h" is replaced by that instant (relative to now_ms) in
 * RFC 3339 UTC. New reference. */
json_t *hpac_case_resolve_times(const json_t *value, int64_t now_ms);

/* The case's `flags` as an argv fragment (borrowed strings, NULL-terminated
 * array the caller frees with free()). */
const char **hpac_case_flags(const json_t *the_case, size_t *count);

#endif
