#include "util/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static hpac_log_format log_format = HPAC_LOG_TEXT;
static int log_verbosity = 0;
static FILE *log_sink = NULL;

void hpac_log_configure(hpac_log_format format, int verbosity, FILE *sink)
{
    log_format = format;
    log_verbosity = verbosity;
    log_sink = sink;
}

bool hpac_log_enabled(int verbosity)
{
    return verbosity <= log_verbosity;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void hpac_log_write(hpac_log_level level, int verbosity, const char *file, int line,
                    const char *fmt, ...)
{
    FILE *sink = log_sink ? log_sink : stderr;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);

    if (log_format == HPAC_LOG_JSON) {
        char ts[64];
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
        char caller[256];
        snprintf(caller, sizeof(caller), "%s:%d", base_name(file), line);
        json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "caller", caller, "msg", msg,
                                "level",
                                level == HPAC_LOG_ERROR     ? "error"
                                : level == HPAC_LOG_WARNING ? "warning"
                                                            : "info");
        if (rec) {
            if (level == HPAC_LOG_INFO)
                json_object_set_new(rec, "v", json_integer(verbosity));
            char *text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (text) {
                fprintf(sink, "%s\n", text);
                free(text);
            }
            json_decref(rec);
        }
    } else {
        char mark = level == HPAC_LOG_ERROR ? 'E' : level == HPAC_LOG_WARNING ? 'W' : 'I';
        fprintf(sink, "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] %s\n", mark, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec, (int)getpid(),
                base_name(file), line, msg);
    }
    fflush(sink);
}
