#include "test_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **hpac_test_case_paths(const char *subdir, size_t *count)
{
    char dir_path[4096];
    snprintf(dir_path, sizeof(dir_path), "%s/%s", HPAC_CASES_DIR, subdir);
    DIR *dir = opendir(dir_path);
    if (!dir)
        fail_msg("acceptance cases folder %s is missing", dir_path);

    size_t n = 0, cap = 0;
    char **paths = NULL;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t len = strlen(entry->d_name);
        if (len < 6 || strcmp(entry->d_name + len - 5, ".json") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            paths = realloc(paths, cap * sizeof(*paths));
            assert_non_null(paths);
        }
        size_t size = strlen(dir_path) + len + 2;
        paths[n] = malloc(size);
        assert_non_null(paths[n]);
        snprintf(paths[n], size, "%s/%s", dir_path, entry->d_name);
        n++;
    }
    closedir(dir);
    if (n == 0)
        fail_msg("acceptance cases folder %s holds no cases", dir_path);
    qsort(paths, n, sizeof(*paths), compare_strings);
    *count = n;
    return paths;
}

void hpac_test_free_paths(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

json_t *hpac_test_load_json(const char *path)
{
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (!root)
        fail_msg("%s:%d: %s", path, error.line, error.text);
    return root;
}
