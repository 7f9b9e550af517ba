/* Logging in klog's text form ("I1127 21:35:02.123456    1234 file.c:42] msg")
 * or as JSON lines (--logging-format=json), with klog's -v verbosity. */
#ifndef HPAC_UTIL_LOG_H
#define HPAC_UTIL_LOG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum hpac_log_level {
    HPAC_LOG_INFO,
    HPAC_LOG_WARNING,
    HPAC_LOG_ERROR,
} hpac_log_level;

typedef enum hpac_log_format {
    HPAC_LOG_TEXT,
    HPAC_LOG_JSON,
} hpac_log_format;

/* Process-wide settings, set once at start-up before any other thread
 * logs. Defaults: text, verbosity 0, stderr. */
void hpac_log_configure(hpac_log_format format, int verbosity, FILE *sink);
bool hpac_log_enabled(int verbosity);

void hpac_log_write(hpac_log_level level, int verbosity, const char *file, int line,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define hpac_info(v, ...)                                                                          \
    do {                                                                                           \
        if (hpac_log_enabled(v))                                                                   \
            hpac_log_write(HPAC_LOG_INFO, (v), __FILE__, __LINE__, __VA_ARGS__);                   \
    } while (0)
#define hpac_warn(...) hpac_log_write(HPAC_LOG_WARNING, 0, __FILE__, __LINE__, __VA_ARGS__)
#define hpac_error(...) hpac_log_write(HPAC_LOG_ERROR, 0, __FILE__, __LINE__, __VA_ARGS__)

#endif
