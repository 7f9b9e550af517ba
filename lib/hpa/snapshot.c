#include "hpa/snapshot.h"

#include <stdlib.h>
#include <string.h>

/* Longest decoding error kept, with its NUL. */
#define SNAPSHOT_ERROR_MAX 1024

/* The compact text of `object`, without its status when `drop_status`.
 * The status is removed from a shallow copy: the members are shared. */
static char *object_text(const json_t *object, bool drop_status)
{
    if (!drop_status || !json_object_get(object, "status"))
        return json_dumps(object, JSON_COMPACT);
    json_t *copy = json_copy((json_t *)object);
    char *text = NULL;
    if (copy && json_object_del(copy, "status") == 0)
        text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    return text;
}

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
    } else {
        free(s->hpa.history_annotation);
        s->hpa.history_annotation = NULL;
    }
    s->text = object_text(object, s->error == NULL);
    if (!s->text)
        goto fail;
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
    hpac_hpa_clear(&s->hpa);
    free(s->error);
    free(s->text);
    free(s);
}

json_t *hpac_hpa_snapshot_object(const hpac_hpa_snapshot *s)
{
    return json_loads(s->text, 0, NULL);
}
