/* Shared helpers for the test programs. */
#ifndef HPAC_TEST_SUPPORT_H
#define HPAC_TEST_SUPPORT_H

#include <jansson.h>
#include <setjmp.h>
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

#endif
