#include "hpa/snapshot.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longest decoding error kept, with its NUL. */
#define SNAPSHOT_ERROR_MAX 1024

/* ---- one block for the decoded object --------------------------------- */

/* A snapshot never frees a part of its object, so the decoder's thirty or
 * so small allocations (each rounded up to 32 bytes or more, plus its
 * header) are moved into one block: about a third less memory per HPA.
 * The walk runs twice: to size the block (base NULL), then to fill it. */
typedef struct packer {
    char *base;
    size_t used;
} packer;

static void *pack_bytes(packer *p, const void *src, size_t size, size_t align)
{
    p->used = (p->used + align - 1) / align * align;
    void *dst = p->base ? p->base + p->used : NULL;
    if (dst)
        memcpy(dst, src, size);
    p->used += size;
    return dst;
}

static void pack_string(packer *p, char **s)
{
    if (!*s)
        return;
    char *copy = pack_bytes(p, *s, strlen(*s) + 1, 1);
    if (p->base)
        *s = copy;
}

/* An array of `count` elements of `size`: aligned for any type. */
static void pack_array(packer *p, void **array, size_t count, size_t size)
{
    if (!*array || count == 0)
        return;
    void *copy = pack_bytes(p, *array, count * size, alignof(max_align_t));
    if (p->base)
        *array = copy;
}

static void pack_ref(packer *p, hpac_object_ref *ref)
{
    pack_string(p, &ref->api_version);
    pack_string(p, &ref->kind);
    pack_string(p, &ref->name);
}

/* Every pointer of hpac_hpa but the metric selectors (jansson's, shared):
 * a field added to the struct must be added here. Arrays first, so that
 * the strings of their elements are repointed inside the block. */
static void pack_hpa(packer *p, hpac_hpa *h)
{
    pack_array(p, (void **)&h->metrics, h->metric_count, sizeof(*h->metrics));
    pack_array(p, (void **)&h->behavior.scale_up.policies, h->behavior.scale_up.policy_count,
               sizeof(hpac_scaling_policy));
    pack_array(p, (void **)&h->behavior.scale_down.policies, h->behavior.scale_down.policy_count,
               sizeof(hpac_scaling_policy));
    pack_array(p, (void **)&h->status.current_metrics, h->status.current_metric_count,
               sizeof(*h->status.current_metrics));
    pack_array(p, (void **)&h->status.conditions, h->status.condition_count,
               sizeof(*h->status.conditions));
    pack_array(p, (void **)&h->read_metrics, h->read_metric_count, sizeof(*h->read_metrics));
    pack_string(p, &h->api_version);
    pack_string(p, &h->namespace);
    pack_string(p, &h->name);
    pack_string(p, &h->uid);
    pack_string(p, &h->resource_version);
    pack_string(p, &h->history_annotation);
    pack_ref(p, &h->scale_target_ref);
    for (size_t i = 0; i < h->metric_count; i++) {
        hpac_metric_spec *m = &h->metrics[i];
        pack_string(p, &m->type_name);
        pack_string(p, &m->resource_name);
        pack_string(p, &m->container);
        pack_string(p, &m->metric_name);
        pack_ref(p, &m->described_object);
    }
    for (size_t i = 0; i < h->status.condition_count; i++) {
        hpac_condition *c = &h->status.conditions[i];
        pack_string(p, &c->type);
        pack_string(p, &c->status);
        pack_string(p, &c->reason);
        pack_string(p, &c->message);
    }
}

/* Moves `s->hpa` into s->block; 0, or -1 (and `s->hpa` untouched) when
 * out of memory. */
static int pack_snapshot(hpac_hpa_snapshot *s)
{
    hpac_hpa packed = s->hpa;
    packer size = {0};
    pack_hpa(&size, &packed);
    packer fill = {.base = malloc(size.used ? size.used : 1)};
    if (!fill.base)
        return -1;
    pack_hpa(&fill, &packed);
    /* The selectors now belong to the packed copy. */
    for (size_t i = 0; i < s->hpa.metric_count; i++)
        s->hpa.metrics[i].metric_selector = NULL;
    hpac_hpa_clear(&s->hpa);
    s->hpa = packed;
    s->block = fill.base;
    return 0;
}

static void clear_packed(hpac_hpa_snapshot *s)
{
    for (size_t i = 0; i < s->hpa.metric_count; i++)
        json_decref(s->hpa.metrics[i].metric_selector);
    free(s->block);
    memset(&s->hpa, 0, sizeof(s->hpa));
    s->block = NULL;
}

/* ---- snapshots ------------------------------------------------------- */

hpac_hpa_snapshot *hpac_hpa_snapshot_new(const json_t *object)
{
    hpac_hpa_snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->refs = 1;
    char err[SNAPSHOT_ERROR_MAX];
    if (hpac_hpa_from_json(object, &s->hpa, err, sizeof(err)) != 0) {
        s->error = strdup(err);
        if (!s->error)
            goto fail;
        /* Kept whole for the report of its error. */
        s->text = json_dumps(object, JSON_COMPACT);
        if (!s->text)
            goto fail;
    } else if (pack_snapshot(s) != 0) {
        goto fail;
    }
    return s;
fail:
    hpac_hpa_snapshot_unref(s);
    return NULL;
}

hpac_hpa_snapshot *hpac_hpa_snapshot_ref(hpac_hpa_snapshot *s)
{
    s->refs++;
    return s;
}

void hpac_hpa_snapshot_unref(hpac_hpa_snapshot *s)
{
    if (!s || --s->refs > 0)
        return;
    if (s->block)
        clear_packed(s);
    else
        hpac_hpa_clear(&s->hpa);
    free(s->error);
    free(s->text);
    free(s);
}

json_t *hpac_hpa_snapshot_object(const hpac_hpa_snapshot *s)
{
    return s->text ? json_loads(s->text, 0, NULL) : NULL;
}
