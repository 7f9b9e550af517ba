/* An HPA file's text to a spec: the shared YAML reader, then the spec
 * checks, then the locator to turn the failing field's path into a line. */
#include "whatif/load.h"

#include "util/yaml_json.h"
#include "whatif/locate.h"

#include <stdio.h>
#include <string.h>

int hpac_whatif_spec_from_text(const char *text, size_t len, const char *name,
                               int64_t cpu_request_milli, hpac_whatif_spec *out, char *err,
                               size_t errsize)
{
    char yaml_err[512] = "";
    hpac_whatif_error where;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    json_t *docs = hpac_yaml_documents(text, len, yaml_err, sizeof(yaml_err));
    if (!docs) {
        /* The reader says "line L, column C: what". */
        size_t line = 0, column = 0;
        const char *what = yaml_err;
        int used = 0;
        if (sscanf(yaml_err, "line %zu, column %zu: %n", &line, &column, &used) == 2 && used > 0)
            what = yaml_err + used;
        if (line)
            snprintf(err, errsize, "%s:%zu: not valid YAML or JSON: %s", name, line, what);
        else
            snprintf(err, errsize, "%s: not valid YAML or JSON: %s", name, yaml_err);
        goto out;
    }
    size_t count = json_array_size(docs);
    json_t *list[64];
    if (count > sizeof(list) / sizeof(list[0])) {
        snprintf(err, errsize, "%s: %zu documents; at most %zu are read", name, count,
                 sizeof(list) / sizeof(list[0]));
        goto out;
    }
    for (size_t i = 0; i < count; i++)
        list[i] = json_array_get(docs, i);
    if (hpac_whatif_spec_from_json(list, count, cpu_request_milli, out, &where)) {
        size_t line = hpac_whatif_locate(text, len, where.document, where.path);
        if (line)
            snprintf(err, errsize, "%s:%zu: %s", name, line, where.message);
        else
            snprintf(err, errsize, "%s: %s", name, where.message);
        goto out;
    }
    rc = 0;
out:
    json_decref(docs);
    return rc;
}
