/* Label sets and label selectors.
 *
 * Selectors come in two forms: the string form the scale subresource and
 * query parameters use ("app=web,tier in (a,b),!canary") and the
 * LabelSelector object of the API (matchLabels + matchExpressions). Both
 * parse into the same opaque hpac_selector. Pure: no I/O, no global state. */
#ifndef HPAC_HPA_LABELS_H
#define HPAC_HPA_LABELS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hpac_label {
    char *key;
    char *value;
} hpac_label;

/* A label set, sorted by key. Owns its strings. */
typedef struct hpac_labels {
    hpac_label *items;
    size_t count;
} hpac_labels;

/* Copies a JSON object of string values (metadata.labels) into `out`.
 * NULL or a JSON null gives an empty set. Returns 0, or -1 when `object` is
 * not an object of strings (err says which key). */
int hpac_labels_from_json(const json_t *object, hpac_labels *out, char *err, size_t errsize);
/* Value for `key`, or NULL. The pointer is borrowed from the set. */
const char *hpac_labels_get(const hpac_labels *labels, const char *key);
/* Frees the contents, not the struct. */
void hpac_labels_clear(hpac_labels *labels);

typedef struct hpac_selector hpac_selector;

/* String form (labels.Parse): "" selects everything. On error returns NULL
 * and writes a message naming the offending part to err. Caller owns the
 * result. */
hpac_selector *hpac_selector_parse(const char *text, char *err, size_t errsize);

/* LabelSelector object (metav1.LabelSelectorAsSelector): NULL or JSON null
 * selects nothing, {} selects everything. Validates operators, keys and
 * values. Caller owns the result; NULL with err on error. */
hpac_selector *hpac_selector_from_json(const json_t *label_selector, char *err, size_t errsize);

/* A selector that selects everything. Caller owns it. */
hpac_selector *hpac_selector_everything(void);

bool hpac_selector_matches(const hpac_selector *sel, const hpac_labels *labels);
bool hpac_selector_is_everything(const hpac_selector *sel);
bool hpac_selector_is_nothing(const hpac_selector *sel);

/* For indexes that look pods up by label: the number of requirements, and
 * requirement i when it demands that `key` hold one of `values` (the =, ==
 * and in operators): true with the key and the sorted values, borrowed from
 * the selector. False for the other operators. The nothing selector has no
 * requirements. */
size_t hpac_selector_requirement_count(const hpac_selector *sel);
bool hpac_selector_requirement_values(const hpac_selector *sel, size_t i, const char **key,
                                      const char *const **values, size_t *count);

/* Canonical string form, as labels.Selector.String() gives it (requirements
 * sorted by key, values sorted), suitable for a labelSelector query
 * parameter. Caller frees. Everything -> "". */
char *hpac_selector_to_string(const hpac_selector *sel);

void hpac_selector_free(hpac_selector *sel);

#endif
