/* Time as the API speaks it: instants as int64 milliseconds since the Unix
 * epoch, RFC 3339 text, Go duration strings ("1m30s"). */
#ifndef HPAC_UTIL_TIMEUTIL_H
#define HPAC_UTIL_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define HPAC_MS_PER_SECOND 1000LL
#define HPAC_RFC3339_MAX 40

/* "2026-11-27T21:35:02Z", "2026-11-27T21:35:02.123456Z", "...+01:00".
 * Fractions below a millisecond are truncated. Returns 0 or -1. */
int hpac_time_parse_rfc3339(const char *text, int64_t *ms);

/* Seconds precision, UTC, like metav1.Time: "2026-11-27T21:35:02Z".
 * Returns the length written (snprintf semantics). */
size_t hpac_time_format_rfc3339(int64_t ms, char *buf, size_t size);

/* Microsecond precision, like metav1.MicroTime: "2026-11-27T21:35:02.123000Z". */
size_t hpac_time_format_rfc3339_micro(int64_t ms, char *buf, size_t size);

/* Go time.ParseDuration: "300ms", "1.5h", "2h45m", "0", "-1m". Sub-millisecond
 * parts are truncated. Returns 0 or -1. */
int hpac_duration_parse(const char *text, int64_t *ms);

/* Go Duration.String() of a whole number of milliseconds: "5m0s", "30s", "0s". */
size_t hpac_duration_format(int64_t ms, char *buf, size_t size);

/* Wall clock (for API timestamps) and monotonic clock (for timers). */
int64_t hpac_clock_wall_ms(void);
int64_t hpac_clock_monotonic_ms(void);

#endif
