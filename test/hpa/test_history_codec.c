/* The persisted form of recommendation and scale-event history: exact
 * round trips, a strict decoder that refuses anything malformed without
 * touching its output, and pruning that never changes a decision. */
#include "test_support.h"

#include "hpa/history_codec.h"
#include "hpa/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW INT64_C(1764279302123) /* 2025-11-27T21:35:02.123Z */
#define S(x) ((int64_t)(x) * 1000)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_same_history(const hpac_history *a, const hpac_history *b)
{
    assert_int_equal(a->started, b->started);
    assert_int_equal(a->recommendation_count, b->recommendation_count);
    assert_int_equal(a->scale_up_count, b->scale_up_count);
    assert_int_equal(a->scale_down_count, b->scale_down_count);
    for (size_t i = 0; i < a->recommendation_count; i++) {
        assert_int_equal(a->recommendations[i].replicas, b->recommendations[i].replicas);
        assert_int_equal(a->recommendations[i].at_ms, b->recommendations[i].at_ms);
    }
    for (size_t i = 0; i < a->scale_up_count; i++) {
        assert_int_equal(a->scale_ups[i].change, b->scale_ups[i].change);
        assert_int_equal(a->scale_ups[i].at_ms, b->scale_ups[i].at_ms);
        assert_int_equal(a->scale_ups[i].outdated, b->scale_ups[i].outdated);
    }
    for (size_t i = 0; i < a->scale_down_count; i++) {
        assert_int_equal(a->scale_downs[i].change, b->scale_downs[i].change);
        assert_int_equal(a->scale_downs[i].at_ms, b->scale_downs[i].at_ms);
        assert_int_equal(a->scale_downs[i].outdated, b->scale_downs[i].outdated);
    }
}

static hpac_history sample_history(void)
{
    hpac_history h = {.started = true};
    assert_int_equal(hpac_history_add_recommendation(&h, 4, NOW - S(45)), 0);
    assert_int_equal(hpac_history_add_recommendation(&h, 7, NOW - S(30)), 0);
    assert_int_equal(hpac_history_add_recommendation(&h, 0, NOW), 0);
    assert_int_equal(hpac_history_add_scale_event(&h, true, 3, NOW - S(30)), 0);
    assert_int_equal(hpac_history_add_scale_event(&h, true, 1, NOW - S(2000)), 0);
    h.scale_ups[1].outdated = true;
    assert_int_equal(hpac_history_add_scale_event(&h, false, 2147483647, NOW - S(1)), 0);
    return h;
}

static hpac_history roundtrip(const hpac_history *h)
{
    char *text = hpac_history_encode(h);
    assert_non_null(text);
    hpac_history back = {0};
    char err[128] = "";
    if (hpac_history_decode(text, strlen(text), &back, err, sizeof(err)))
        fail_msg("decoding %s: %s", text, err);
    free(text);
    return back;
}

static void test_history_codec__exact_form(void **state)
{
    (void)state;
    hpac_history h = sample_history();
    char *text = hpac_history_encode(&h);
    assert_non_null(text);
    /* The base is the oldest entry (the outdated scale-up, 2000 s ago). */
    char want[512];
    snprintf(want, sizeof(want),
             "{\"v\":1,\"t\":%lld,\"r\":[[4,1955000],[7,1970000],[0,2000000]],"
             "\"u\":[[3,1970000,0],[1,0,1]],\"d\":[[2147483647,1999000,0]]}",
             (long long)(NOW - S(2000)));
    assert_string_equal(text, want);
    free(text);
    hpac_history_clear(&h);
}

static void test_history_codec__round_trip(void **state)
{
    (void)state;
    hpac_history h = sample_history();
    hpac_history back = roundtrip(&h);
    assert_same_history(&h, &back);
    hpac_history_clear(&back);
    hpac_history_clear(&h);
}

static void test_history_codec__started_and_empty(void **state)
{
    (void)state;
    hpac_history h = {.started = true};
    char *text = hpac_history_encode(&h);
    assert_string_equal(text, "{\"v\":1}");
    free(text);

    /* Only one list present: the others stay empty. */
    static const char only_down[] = "{\"v\":1,\"t\":1764279302123,\"d\":[[2,5,1]]}";
    hpac_history back = {0};
    assert_int_equal(hpac_history_decode(only_down, strlen(only_down), &back, NULL, 0), 0);
    assert_true(back.started);
    assert_int_equal(back.recommendation_count, 0);
    assert_null(back.recommendations);
    assert_int_equal(back.scale_up_count, 0);
    assert_int_equal(back.scale_down_count, 1);
    assert_int_equal(back.scale_downs[0].change, 2);
    assert_int_equal(back.scale_downs[0].at_ms, NOW + 5);
    assert_true(back.scale_downs[0].outdated);
    hpac_history_clear(&back);

    /* The smallest form is a started history, not a fresh one: the first
     * sync after a restart must not record the current size again. */
    assert_int_equal(hpac_history_decode("{\"v\":1}", 7, &back, NULL, 0), 0);
    assert_true(back.started);
    assert_int_equal(back.recommendation_count + back.scale_up_count + back.scale_down_count, 0);
    hpac_history_clear(&back);
}

static void test_history_codec__unstarted_or_invalid_is_not_encoded(void **state)
{
    (void)state;
    hpac_history fresh = {0};
    assert_null(hpac_history_encode(&fresh));

    /* Values the decoder would refuse are never written. */
    hpac_history h = {.started = true};
    assert_int_equal(hpac_history_add_recommendation(&h, -1, NOW), 0);
    assert_null(hpac_history_encode(&h));
    hpac_history_clear(&h);

    h = (hpac_history){.started = true};
    assert_int_equal(hpac_history_add_recommendation(&h, 1, 5), 0);
    assert_null(hpac_history_encode(&h));
    hpac_history_clear(&h);

    h = (hpac_history){.started = true};
    assert_int_equal(hpac_history_add_scale_event(&h, false, 0, NOW), 0);
    assert_null(hpac_history_encode(&h));
    hpac_history_clear(&h);
}

/* Text of `n` recommendation rows ("[1,0],[1,0],..."); caller frees. */
static char *rows(size_t n, const char *row)
{
    size_t rl = strlen(row);
    char *text = malloc(n * (rl + 1) + 1);
    assert_non_null(text);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            text[len++] = ',';
        memcpy(text + len, row, rl);
        len += rl;
    }
    text[len] = '\0';
    return text;
}

static void expect_rejected(const char *label, const char *text, size_t len)
{
    hpac_history out;
    memset(&out, 0xA5, sizeof(out));
    hpac_history before = out;
    char err[160] = "";
    if (hpac_history_decode(text, len, &out, err, sizeof(err)) == 0)
        fail_msg("%s: accepted %.200s", label, text);
    if (memcmp(&out, &before, sizeof(out)) != 0)
        fail_msg("%s: output touched on failure", label);
    if (err[0] == '\0')
        fail_msg("%s: no reason given", label);
}

static void test_history_codec__malformed(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        const char *text;
    } cases[] = {
        {"empty", ""},
        {"not json", "v=1"},
        {"truncated object", "{\"v\":1"},
        {"truncated list", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,0]"},
        {"trailing garbage", "{\"v\":1}x"},
        {"two documents", "{\"v\":1}{\"v\":1}"},
        {"array root", "[1]"},
        {"null root", "null"},
        {"string root", "\"{\\\"v\\\":1}\""},
        {"no version", "{}"},
        {"version 2", "{\"v\":2}"},
        {"version 0", "{\"v\":0}"},
        {"version as string", "{\"v\":\"1\"}"},
        {"version as real", "{\"v\":1.0}"},
        {"duplicate key", "{\"v\":1,\"v\":1}"},
        {"unknown key", "{\"v\":1,\"x\":[]}"},
        {"base as string", "{\"v\":1,\"t\":\"1764279302123\"}"},
        {"base negative", "{\"v\":1,\"t\":-1}"},
        {"base before 2000", "{\"v\":1,\"t\":946684799999}"},
        {"base after 3000", "{\"v\":1,\"t\":32503680000001}"},
        {"base overflows int64", "{\"v\":1,\"t\":99999999999999999999}"},
        {"list is object", "{\"v\":1,\"t\":1764279302123,\"r\":{}}"},
        {"list is null", "{\"v\":1,\"r\":null}"},
        {"row too short", "{\"v\":1,\"t\":1764279302123,\"r\":[[1]]}"},
        {"row too long", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,0,0]]}"},
        {"row not array", "{\"v\":1,\"t\":1764279302123,\"r\":[1,0]}"},
        {"replicas string", "{\"v\":1,\"t\":1764279302123,\"r\":[[\"1\",0]]}"},
        {"replicas real", "{\"v\":1,\"t\":1764279302123,\"r\":[[1.5,0]]}"},
        {"replicas bool", "{\"v\":1,\"t\":1764279302123,\"r\":[[true,0]]}"},
        {"replicas negative", "{\"v\":1,\"t\":1764279302123,\"r\":[[-1,0]]}"},
        {"replicas over int32", "{\"v\":1,\"t\":1764279302123,\"r\":[[2147483648,0]]}"},
        {"offset negative", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,-1]]}"},
        {"offset beyond 3000", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,31000000000000]]}"},
        {"offset huge", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,9223372036854775807]]}"},
        {"offset overflows int64", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,9223372036854775808]]}"},
        {"offset real", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,1e3]]}"},
        {"no base: time from 1970", "{\"v\":1,\"r\":[[1,5]]}"},
        {"event too short", "{\"v\":1,\"t\":1764279302123,\"u\":[[1,0]]}"},
        {"event too long", "{\"v\":1,\"t\":1764279302123,\"u\":[[1,0,0,0]]}"},
        {"event change zero", "{\"v\":1,\"t\":1764279302123,\"u\":[[0,0,0]]}"},
        {"event change negative", "{\"v\":1,\"t\":1764279302123,\"d\":[[-3,0,0]]}"},
        {"event change over int32", "{\"v\":1,\"t\":1764279302123,\"d\":[[4294967296,0,0]]}"},
        {"event outdated 2", "{\"v\":1,\"t\":1764279302123,\"u\":[[1,0,2]]}"},
        {"event outdated bool", "{\"v\":1,\"t\":1764279302123,\"u\":[[1,0,true]]}"},
        {"event offset negative", "{\"v\":1,\"t\":1764279302123,\"d\":[[1,-5,0]]}"},
        {"bad row after good ones", "{\"v\":1,\"t\":1764279302123,\"r\":[[1,0],[2,1],[3,\"x\"]]}"},
        {"bad events after good lists",
         "{\"v\":1,\"t\":1764279302123,\"r\":[[1,0]],\"u\":[[1,0,0]],\"d\":[[1,0,9]]}"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_rejected(cases[i].label, cases[i].text, strlen(cases[i].text));

    expect_rejected("NULL text", NULL, 0);
    /* A terminator inside the given length is not part of any valid form. */
    expect_rejected("embedded NUL", "{\"v\":1}\0", 8);
}

static void test_history_codec__every_truncation_is_rejected(void **state)
{
    (void)state;
    hpac_history h = sample_history();
    char *text = hpac_history_encode(&h);
    assert_non_null(text);
    size_t len = strlen(text);
    for (size_t cut = 0; cut < len; cut++) {
        char label[32];
        snprintf(label, sizeof(label), "prefix of %zu", cut);
        expect_rejected(label, text, cut);
    }
    free(text);
    hpac_history_clear(&h);
}

static void test_history_codec__caps(void **state)
{
    (void)state;
    static const char *const keys[] = {"r", "u", "d"};
    static const char *const row_of[] = {"[1,0]", "[1,0,0]", "[1,0,0]"};
    for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
        for (size_t n = HPAC_HISTORY_CODEC_MAX_ENTRIES; n <= HPAC_HISTORY_CODEC_MAX_ENTRIES + 1;
             n++) {
            char *body = rows(n, row_of[k]);
            char *text = malloc(strlen(body) + 64);
            assert_non_null(text);
            sprintf(text, "{\"v\":1,\"t\":1764279302123,\"%s\":[%s]}", keys[k], body);
            hpac_history out = {0};
            int rc = hpac_history_decode(text, strlen(text), &out, NULL, 0);
            if (n == HPAC_HISTORY_CODEC_MAX_ENTRIES) {
                assert_int_equal(rc, 0);
                size_t total = out.recommendation_count + out.scale_up_count +
                               out.scale_down_count;
                assert_int_equal(total, n);
                hpac_history_clear(&out);
            } else {
                expect_rejected(keys[k], text, strlen(text));
            }
            free(text);
            free(body);
        }
    }

    /* Longer than any annotation may be, even though it would parse. */
    size_t big = HPAC_HISTORY_CODEC_MAX_TEXT + 1;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, ' ', big);
    memcpy(text, "{\"v\":1}", 7);
    text[big] = '\0';
    expect_rejected("over the size cap", text, big);
    /* The same document within the cap parses (whitespace is allowed). */
    hpac_history out = {0};
    assert_int_equal(hpac_history_decode(text, HPAC_HISTORY_CODEC_MAX_TEXT, &out, NULL, 0), 0);
    hpac_history_clear(&out);
    free(text);
}

static void test_history_codec__encode_keeps_the_newest_over_the_cap(void **state)
{
    (void)state;
    size_t extra = 52;
    size_t n = HPAC_HISTORY_CODEC_MAX_ENTRIES + extra;
    hpac_history h = {.started = true};
    /* Newest first in the array, so the ones dropped sit at the end; a tie
     * at the threshold time checks that exactly the cap is written. */
    for (size_t i = 0; i < n; i++) {
        int64_t at = NOW - S(i);
        if (i == HPAC_HISTORY_CODEC_MAX_ENTRIES)
            at = NOW - S(i - 1);
        assert_int_equal(hpac_history_add_recommendation(&h, (int32_t)i, at), 0);
    }
    assert_int_equal(hpac_history_add_scale_event(&h, true, 1, NOW), 0);
    hpac_history back = roundtrip(&h);
    assert_int_equal(back.recommendation_count, HPAC_HISTORY_CODEC_MAX_ENTRIES);
    for (size_t i = 0; i < back.recommendation_count; i++) {
        assert_int_equal(back.recommendations[i].replicas, (int32_t)i);
        assert_int_equal(back.recommendations[i].at_ms, h.recommendations[i].at_ms);
    }
    assert_int_equal(back.scale_up_count, 1);
    hpac_history_clear(&back);
    hpac_history_clear(&h);
}

/* A small deterministic generator, so failures reproduce. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static hpac_history random_history(int64_t now, int64_t span_ms)
{
    hpac_history h = {.started = true};
    size_t nr = rng() % 40, nu = rng() % 8, nd = rng() % 8;
    for (size_t i = 0; i < nr; i++)
        assert_int_equal(hpac_history_add_recommendation(&h, (int32_t)(rng() % 50),
                                                         now - (int64_t)(rng() % span_ms)),
                         0);
    for (size_t i = 0; i < nu + nd; i++) {
        bool up = i < nu;
        assert_int_equal(hpac_history_add_scale_event(&h, up, (int32_t)(1 + rng() % 10),
                                                      now - (int64_t)(rng() % span_ms)),
                         0);
        hpac_scale_event *e = up ? &h.scale_ups[h.scale_up_count - 1]
                                 : &h.scale_downs[h.scale_down_count - 1];
        e->outdated = rng() % 2;
    }
    return h;
}

static void test_history_codec__random_round_trips(void **state)
{
    (void)state;
    for (int round = 0; round < 500; round++) {
        hpac_history h = random_history(NOW, S(7200));
        hpac_history back = roundtrip(&h);
        assert_same_history(&h, &back);
        hpac_history_clear(&back);
        hpac_history_clear(&h);
    }
}

/* Random byte edits of valid encodings: each result either decodes into
 * something that encodes again, or is refused with the output untouched.
 * Never a crash or a leak (the sanitizer build watches). */
static void test_history_codec__mutations_never_crash(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789-,[]{}\":vtrudx. e";
    for (int round = 0; round < 2000; round++) {
        hpac_history h = random_history(NOW, S(3600));
        char *text = hpac_history_encode(&h);
        assert_non_null(text);
        size_t len = strlen(text);
        int edits = 1 + (int)(rng() % 3);
        for (int e = 0; e < edits; e++)
            text[rng() % len] = alphabet[rng() % (sizeof(alphabet) - 1)];
        hpac_history out;
        memset(&out, 0x5A, sizeof(out));
        hpac_history before = out;
        if (hpac_history_decode(text, len, &out, NULL, 0) == 0) {
            assert_true(out.started);
            char *again = hpac_history_encode(&out);
            assert_non_null(again);
            free(again);
            hpac_history_clear(&out);
        } else {
            assert_memory_equal(&out, &before, sizeof(out));
        }
        free(text);
        hpac_history_clear(&h);
    }
}

static void test_history_codec__prune(void **state)
{
    (void)state;
    hpac_history h = {.started = true};
    int64_t keep = HPAC_HISTORY_KEEP_MS;
    /* Ages in seconds, in array order. */
    static const int64_t rec_ages[] = {4000, 30, 3600, 3601, 0, 7200};
    static const int64_t up_ages[] = {3700, 4000};
    static const int64_t down_ages[] = {10, 3599};
    for (size_t i = 0; i < ARRAY_LEN(rec_ages); i++)
        assert_int_equal(hpac_history_add_recommendation(&h, (int32_t)i, NOW - S(rec_ages[i])),
                         0);
    for (size_t i = 0; i < ARRAY_LEN(up_ages); i++)
        assert_int_equal(hpac_history_add_scale_event(&h, true, 1, NOW - S(up_ages[i])), 0);
    for (size_t i = 0; i < ARRAY_LEN(down_ages); i++)
        assert_int_equal(
            hpac_history_add_scale_event(&h, false, (int32_t)(i + 1), NOW - S(down_ages[i])), 0);

    hpac_history_prune(&h, NOW, keep);
    assert_true(h.started);
    /* Exactly at the horizon stays; order is kept. */
    static const int32_t want_recs[] = {1, 2, 4};
    assert_int_equal(h.recommendation_count, ARRAY_LEN(want_recs));
    for (size_t i = 0; i < ARRAY_LEN(want_recs); i++)
        assert_int_equal(h.recommendations[i].replicas, want_recs[i]);
    assert_int_equal(h.scale_up_count, 0);
    assert_null(h.scale_ups);
    assert_int_equal(h.scale_down_count, 2);
    assert_int_equal(h.scale_downs[0].change, 1);
    assert_int_equal(h.scale_downs[1].change, 2);

    /* Growing again after a prune works. */
    assert_int_equal(hpac_history_add_scale_event(&h, true, 5, NOW), 0);
    assert_int_equal(h.scale_up_count, 1);

    /* A horizon before the start of time keeps everything; everything
     * older than now goes with keep 0, and the history stays started. */
    hpac_history_prune(&h, NOW, INT64_MAX);
    hpac_history_prune(&h, INT64_MIN + 5, 10);
    assert_int_equal(h.recommendation_count, 3);
    hpac_history_prune(&h, NOW + 1, 0);
    assert_int_equal(h.recommendation_count + h.scale_up_count + h.scale_down_count, 0);
    assert_true(h.started);
    char *text = hpac_history_encode(&h);
    assert_string_equal(text, "{\"v\":1}");
    free(text);
    hpac_history_clear(&h);
}

/* The point of pruning: the same decisions with and without the old
 * entries, for every window and period the spec can hold, and after the
 * pruned history went through the annotation. */
static void test_history_codec__prune_keeps_decisions(void **state)
{
    (void)state;
    static const int32_t windows[] = {0, 1, 15, 60, 300, 1800, 3599, 3600};
    for (int round = 0; round < 300; round++) {
        hpac_history full = random_history(NOW, S(9000));
        hpac_history pruned;
        assert_int_equal(hpac_history_copy(&full, &pruned), 0);
        hpac_history_prune(&pruned, NOW, HPAC_HISTORY_KEEP_MS);
        hpac_history restored = roundtrip(&pruned);

        for (size_t p = 0; p < ARRAY_LEN(windows); p++) {
            int32_t period = windows[p] > 1800 ? 1800 : windows[p];
            const hpac_history *all[] = {&full, &pruned, &restored};
            int32_t up[3], down[3];
            for (int k = 0; k < 3; k++) {
                up[k] = hpac_replicas_changed_in_period(all[k]->scale_ups, all[k]->scale_up_count,
                                                        period, NOW);
                down[k] = hpac_replicas_changed_in_period(all[k]->scale_downs,
                                                          all[k]->scale_down_count, period, NOW);
            }
            assert_int_equal(up[0], up[1]);
            assert_int_equal(up[0], up[2]);
            assert_int_equal(down[0], down[1]);
            assert_int_equal(down[0], down[2]);
        }
        for (size_t a = 0; a < ARRAY_LEN(windows); a++) {
            for (size_t b = 0; b < ARRAY_LEN(windows); b++) {
                int32_t current = (int32_t)(rng() % 50), desired = (int32_t)(rng() % 50);
                int32_t got[3];
                hpac_history *all[] = {&full, &pruned, &restored};
                for (int k = 0; k < 3; k++) {
                    /* Stabilization records into the history: work on a copy. */
                    hpac_history scratch;
                    assert_int_equal(hpac_history_copy(all[k], &scratch), 0);
                    got[k] = hpac_stabilize_with_behavior(&scratch, windows[a], windows[b],
                                                          current, desired, NOW, NULL);
                    hpac_history_clear(&scratch);
                }
                assert_int_equal(got[0], got[1]);
                assert_int_equal(got[0], got[2]);
            }
            int32_t desired = (int32_t)(rng() % 50);
            int32_t legacy[3];
            hpac_history *all[] = {&full, &pruned, &restored};
            for (int k = 0; k < 3; k++) {
                hpac_history scratch;
                assert_int_equal(hpac_history_copy(all[k], &scratch), 0);
                legacy[k] = hpac_stabilize_legacy(&scratch, desired, S(windows[a]), NOW);
                hpac_history_clear(&scratch);
            }
            assert_int_equal(legacy[0], legacy[1]);
            assert_int_equal(legacy[0], legacy[2]);
        }
        hpac_history_clear(&restored);
        hpac_history_clear(&pruned);
        hpac_history_clear(&full);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_codec__exact_form),
        cmocka_unit_test(test_history_codec__round_trip),
        cmocka_unit_test(test_history_codec__started_and_empty),
        cmocka_unit_test(test_history_codec__unstarted_or_invalid_is_not_encoded),
        cmocka_unit_test(test_history_codec__malformed),
        cmocka_unit_test(test_history_codec__every_truncation_is_rejected),
        cmocka_unit_test(test_history_codec__caps),
        cmocka_unit_test(test_history_codec__encode_keeps_the_newest_over_the_cap),
        cmocka_unit_test(test_history_codec__random_round_trips),
        cmocka_unit_test(test_history_codec__mutations_never_crash),
        cmocka_unit_test(test_history_codec__prune),
        cmocka_unit_test(test_history_codec__prune_keeps_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
