/* Watch streams of the simulated API server (GET ...?watch=1): the
 * initial objects as ADDED events when no resourceVersion is given, then
 * every journaled change (sim_journal.h) that matches the path's
 * namespace and label selector, one {"type", "object"} JSON line each.
 * A resourceVersion older than the journal reaches gets an ERROR event
 * (410 Expired) and the end of the stream, as from the API server.
 * Watchable: HPAs (both groups), scale targets, pods, events, leases.
 * Internal to lib/sim; the HTTP side (waiting without a thread) is in
 * sim_server.c. */
#ifndef HPAC_SIM_SIM_WATCH_H
#define HPAC_SIM_SIM_WATCH_H

#include "sim/sim_routes.h"

#include <sys/types.h>

/* Default and largest timeoutSeconds of a watch. */
#define HPAC_SIM_WATCH_TIMEOUT_S 1800
#define HPAC_SIM_WATCH_TIMEOUT_MAX_S 3600

typedef struct hpac_sim_watch hpac_sim_watch;

/* Opens a watch for the request (req->watch set, req->p parsed), under
 * the router's lock. NULL with `out` set when the path cannot be watched
 * (404, 405) or a parameter is malformed (400). The watch borrows `st`,
 * which must outlive it. */
hpac_sim_watch *hpac_sim_watch_open(hpac_sim_state *st, const hpac_sim_request *req,
                                    hpac_sim_reply *out);

/* Copies up to `max` bytes of the stream into `buf`, taking the state's
 * read lock when it looks at the journal (the caller must not hold it).
 * Returns the count; 0 when nothing is ready (wait for a change, then
 * read again); -1 when the stream is over (its timeout passed, or the
 * error event has been sent). */
ssize_t hpac_sim_watch_read(hpac_sim_watch *w, char *buf, size_t max);

void hpac_sim_watch_free(hpac_sim_watch *w);

#endif
