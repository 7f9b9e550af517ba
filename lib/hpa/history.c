#include "hpa/history.h"

#include <stdlib.h>
#include <string.h>

/* Histories hold a handful of entries (one per sync inside the longest
 * window), so growing by one with realloc is cheap enough. */
static int grow(void **items, size_t count, size_t item_size)
{
    void *bigger = realloc(*items, (count + 1) * item_size);
    if (!bigger)
        return -1;
    *items = bigger;
    return 0;
}

int hpac_history_add_recommendation(hpac_history *h, int32_t replicas, int64_t at_ms)
{
    if (grow((void **)&h->recommendations, h->recommendation_count, sizeof(*h->recommendations)))
        return -1;
    h->recommendations[h->recommendation_count++] =
        (hpac_recommendation){.replicas = replicas, .at_ms = at_ms};
    return 0;
}

int hpac_history_add_scale_event(hpac_history *h, bool up, int32_t change, int64_t at_ms)
{
    hpac_scale_event **events = up ? &h->scale_ups : &h->scale_downs;
    size_t *count = up ? &h->scale_up_count : &h->scale_down_count;
    if (grow((void **)events, *count, sizeof(**events)))
        return -1;
    (*events)[(*count)++] = (hpac_scale_event){.change = change, .at_ms = at_ms};
    return 0;
}

static int copy_array(const void *src, size_t count, size_t item_size, void **out)
{
    *out = NULL;
    if (count == 0)
        return 0;
    *out = malloc(count * item_size);
    if (!*out)
        return -1;
    memcpy(*out, src, count * item_size);
    return 0;
}

int hpac_history_copy(const hpac_history *src, hpac_history *out)
{
    hpac_history copy = {.started = src->started,
                         .recommendation_count = src->recommendation_count,
                         .scale_up_count = src->scale_up_count,
                         .scale_down_count = src->scale_down_count};
    if (copy_array(src->recommendations, src->recommendation_count, sizeof(*src->recommendations),
                   (void **)&copy.recommendations) ||
        copy_array(src->scale_ups, src->scale_up_count, sizeof(*src->scale_ups),
                   (void **)&copy.scale_ups) ||
        copy_array(src->scale_downs, src->scale_down_count, sizeof(*src->scale_downs),
                   (void **)&copy.scale_downs)) {
        hpac_history_clear(&copy);
        return -1;
    }
    *out = copy;
    return 0;
}

void hpac_history_clear(hpac_history *h)
{
    free(h->recommendations);
    free(h->scale_ups);
    free(h->scale_downs);
    memset(h, 0, sizeof(*h));
}
