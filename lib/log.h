#ifndef CASEMAIL_LOG_H
#define CASEMAIL_LOG_H
/* log: the one logging module. Levels are checked before formatting.
 * Foreground: "2026-07-28T15:40:02 info: …" on stderr; otherwise syslog
 * (facility mail). Structured data (RFC 5424 SD) comes with issue 6. */
#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(const char *ident, bool to_stderr, enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
