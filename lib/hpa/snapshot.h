/* One version of a HorizontalPodAutoscaler as the API served it, decoded
 * once when it arrives instead of at every sync: the decoded object, or
 * why it could not be decoded and its text. Immutable once made and
 * reference counted, so that a reconcile keeps the version it started
 * with while a newer one takes its place. The count is not atomic: one
 * thread (the event loop) owns every reference. */
#ifndef HPAC_HPA_SNAPSHOT_H
#define HPAC_HPA_SNAPSHOT_H

#include "hpa/hpa.h"

#include <jansson.h>

typedef struct hpac_hpa_snapshot {
    unsigned refs;
    char *error; /* why the object could not be decoded, or NULL */
    /* An object that could not be decoded as compact JSON, for the report
     * of its error; NULL when decoded (a status write is a patch: nothing
     * of the object's text is needed again). */
    char *text;
    /* Decoded when error is NULL (zeroed otherwise), with the history
     * annotation as read. Its strings and arrays live in `block`, one
     * allocation: never hpac_hpa_clear it. */
    hpac_hpa hpa;
    void *block;
} hpac_hpa_snapshot;

/* Decodes `object` (borrowed). A decoding error is not a failure: it is
 * kept in `error`, for the reconcile to report on the HPA. NULL only when
 * out of memory. The caller owns the one reference. */
hpac_hpa_snapshot *hpac_hpa_snapshot_new(const json_t *object);

/* Another reference to `s` (returned), released with unref. */
hpac_hpa_snapshot *hpac_hpa_snapshot_ref(hpac_hpa_snapshot *s);

/* Releases a reference; the last frees the snapshot. NULL is fine. */
void hpac_hpa_snapshot_unref(hpac_hpa_snapshot *s);

/* An undecodable object parsed from its text (a new reference). NULL for
 * a decoded one, or when out of memory. */
json_t *hpac_hpa_snapshot_object(const hpac_hpa_snapshot *s);

#endif
