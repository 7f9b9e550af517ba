#include "test_support.h"

#include <stdlib.h>
#include <string.h>

/* JSON's own characters, a control character and a two-byte UTF-8 one. */
static const char ALPHABET[] = "{}[]\",:\\0123456789.eE-+abcnulltrue \x01\xc3\xa9";

size_t hpac_test_random_edits(char *const *bodies, size_t count, int rounds, unsigned seed,
                              bool (*check)(const char *text, size_t len))
{
    size_t accepted = 0;
    for (int round = 0; round < rounds; round++) {
        const char *base = bodies[(size_t)rand_r(&seed) % count];
        size_t len = strlen(base);
        char *text = malloc(len + 8);
        assert_non_null(text);
        memcpy(text, base, len + 1);
        int edits = 1 + rand_r(&seed) % 3;
        for (int e = 0; e < edits && len > 0; e++) {
            size_t at = (size_t)rand_r(&seed) % len;
            char c = ALPHABET[(size_t)rand_r(&seed) % (sizeof(ALPHABET) - 1)];
            switch (rand_r(&seed) % 3) {
            case 0: /* replace */
                text[at] = c;
                break;
            case 1: /* delete */
                memmove(text + at, text + at + 1, len - at);
                len--;
                break;
            default: /* insert */
                memmove(text + at + 1, text + at, len - at + 1);
                text[at] = c;
                len++;
                break;
            }
        }
        accepted += check(text, len);
        free(text);
    }
    return accepted;
}
