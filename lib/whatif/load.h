/* Reading `hpac simulate`'s inputs. The text-level functions are pure; the
 * file-level ones only read the file and call them. Messages name the file
 * and, where there is one, the line: "hpa.yaml:14: spec.metrics[0].type:
 * unknown metric type ...", "load.csv:17: expected \"seconds,load\" ...". */
#ifndef HPAC_WHATIF_LOAD_H
#define HPAC_WHATIF_LOAD_H

#include "whatif/trace.h"
#include "whatif/whatif.h"

#include <stddef.h>
#include <stdint.h>

/* Input files larger than this are refused. */
#define HPAC_WHATIF_MAX_FILE ((size_t)64 << 20)

/* An HPA file's text (YAML or JSON; several documents allowed, e.g. the
 * HPA and its Deployment) to a spec. `name` prefixes messages.
 * `cpu_request_milli` as for hpac_whatif_spec_from_json (-1: not given).
 * 0, or -1 with the message in err. Caller clears `out`. */
int hpac_whatif_spec_from_text(const char *text, size_t len, const char *name,
                               int64_t cpu_request_milli, hpac_whatif_spec *out, char *err,
                               size_t errsize);

/* The same from files. */
int hpac_whatif_load_spec(const char *path, int64_t cpu_request_milli, hpac_whatif_spec *out,
                          char *err, size_t errsize);
int hpac_whatif_load_trace(const char *path, size_t columns, hpac_trace *out, char *err,
                           size_t errsize);

/* Writes `text` to `path` (replacing it). 0, or -1 with err. */
int hpac_whatif_write_file(const char *path, const char *text, char *err, size_t errsize);

#endif
