#include "test_support.h"

#include "util/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_strmap__put_get_remove(void **state)
{
    (void)state;
    hpac_strmap *m = hpac_strmap_new();
    assert_non_null(m);
    int values[5000];
    char key[32];
    for (int i = 0; i < 5000; i++) {
        values[i] = i;
        snprintf(key, sizeof(key), "ns/hpa-%d", i);
        assert_int_equal(hpac_strmap_put(m, key, &values[i]), 0);
    }
    assert_int_equal(hpac_strmap_count(m), 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "ns/hpa-%d", i);
        int *v = hpac_strmap_get(m, key);
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    assert_null(hpac_strmap_get(m, "ns/missing"));
    /* Replace keeps the count. */
    assert_int_equal(hpac_strmap_put(m, "ns/hpa-7", &values[8]), 0);
    assert_int_equal(*(int *)hpac_strmap_get(m, "ns/hpa-7"), 8);
    assert_int_equal(hpac_strmap_count(m), 5000);
    /* Remove every other one, then churn: lookups stay right. */
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "ns/hpa-%d", i);
        assert_non_null(hpac_strmap_remove(m, key));
        assert_null(hpac_strmap_remove(m, key));
    }
    assert_int_equal(hpac_strmap_count(m), 2500);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 1000; i++) {
            snprintf(key, sizeof(key), "churn-%d", i);
            assert_int_equal(hpac_strmap_put(m, key, &values[i]), 0);
        }
        for (int i = 0; i < 1000; i++) {
            snprintf(key, sizeof(key), "churn-%d", i);
            assert_ptr_equal(hpac_strmap_remove(m, key), &values[i]);
        }
    }
    for (int i = 1; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "ns/hpa-%d", i);
        assert_non_null(hpac_strmap_get(m, key));
    }
    assert_int_equal(hpac_strmap_count(m), 2500);
    hpac_strmap_free(m);
}

static void count_entries(void *ctx, const char *key, void *value)
{
    (void)key;
    (void)value;
    (*(int *)ctx)++;
}

static void test_strmap__foreach_visits_each_once(void **state)
{
    (void)state;
    hpac_strmap *m = hpac_strmap_new();
    int dummy = 0, visited = 0;
    assert_int_equal(hpac_strmap_put(m, "a", &dummy), 0);
    assert_int_equal(hpac_strmap_put(m, "b", &dummy), 0);
    assert_int_equal(hpac_strmap_put(m, "c", &dummy), 0);
    hpac_strmap_remove(m, "b");
    hpac_strmap_foreach(m, count_entries, &visited);
    assert_int_equal(visited, 2);
    hpac_strmap_free(m);
}

static int freed;

static void count_free(void *value)
{
    free(value);
    freed++;
}

static void test_strmap__free_with_frees_every_value(void **state)
{
    (void)state;
    hpac_strmap *m = hpac_strmap_new();
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(hpac_strmap_put(m, key, malloc(8)), 0);
    }
    free(hpac_strmap_remove(m, "k5"));
    freed = 0;
    hpac_strmap_free_with(m, count_free);
    assert_int_equal(freed, 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap__put_get_remove),
        cmocka_unit_test(test_strmap__foreach_visits_each_once),
        cmocka_unit_test(test_strmap__free_with_frees_every_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
