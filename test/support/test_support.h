/* Shared helpers for the test programs. */
#ifndef HPAC_TEST_SUPPORT_H
#define HPAC_TEST_SUPPORT_H

#include <jansson.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Sorted paths of the *.json files in HPAC_CASES_DIR/<subdir>. Fails the
 * running test (it does not skip) when the folder is missing or empty.
 * Caller frees with hpac_test_free_paths. */
char **hpac_test_case_paths(const char *subdir, size_t *count);
void hpac_test_free_paths(char **paths, size_t count);

/* Loads a JSON file; fails the running test when it cannot. */
json_t *hpac_test_load_json(const char *path);

/* Whether `doc` is well-formed XML as hpac writes it (tags balanced,
 * attributes quoted, entities known, one root; no comments, CDATA or
 * DOCTYPE). Returns 1, or 0 with the first problem described in `why`. */
int hpac_test_xml_well_formed(const char *doc, char *why, size_t whysize);

/* What one sync did, as a test saw it: whether the scale was written, the
 * target's spec.replicas afterwards, the HPA status written (borrowed,
 * may be NULL) and the events recorded (borrowed JSON array of objects
 * with "type" ("Normal"/"Warning"), "reason", "message"). */
typedef struct hpac_test_outcome {
    int scaled;
    long replicas;
    const json_t *status;
    const json_t *events;
} hpac_test_outcome;

/* Checks a case's `expect` (FORMAT.md) against an outcome. Returns 1 when
 * it matches, else 0 with the first difference described in `why`. */
int hpac_test_check_expect(const json_t *expect, const hpac_test_outcome *outcome, char *why,
                           size_t whysize);

/* Edits one of `bodies` at random, one to three bytes at a time (replace,
 * delete, insert: JSON's own characters and a few others), `rounds` times,
 * and hands each edited text to `check`. Returns how many it accepted. */
size_t hpac_test_random_edits(char *const *bodies, size_t count, int rounds, unsigned seed,
                              bool (*check)(const char *text, size_t len));

#endif
