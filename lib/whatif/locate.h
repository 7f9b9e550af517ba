/* Where a field sits in a YAML (or JSON) file: the line of a JSON path such
 * as "spec.metrics[1].type" in the n-th non-empty document, so that an
 * error about a decoded value can point at the text. Internal to
 * lib/whatif. Pure: reads a buffer. */
#ifndef HPAC_WHATIF_LOCATE_H
#define HPAC_WHATIF_LOCATE_H

#include <stddef.h>

/* The 1-based line of `path` in document `document` (0-based, counting
 * non-empty documents as hpac_yaml_documents does); of its longest prefix
 * that exists when the path itself does not (a missing field points at
 * its parent); of the document's start for "". 0 when the text does not
 * parse or has no such document. */
size_t hpac_whatif_locate(const char *text, size_t len, size_t document, const char *path);

#endif
