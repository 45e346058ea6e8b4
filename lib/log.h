#ifndef CASEMAIL_LOG_H
#define CASEMAIL_LOG_H
/* log: the one logging module. Levels are checked before formatting.
 *
 * Two outputs, chosen by log_init():
 *   stderr  "2026-07-28T15:40:02+08:00 info: text [receipt=HFW2026-000045 verdict=rejected]"
 *   syslog  RFC 5424 with structured data, one datagram per message, on a
 *           unix socket (default /dev/log, facility mail):
 *   <22>1 2026-07-28T15:40:02.123456+08:00 host casemaild 4242 filed
 *     [casemail@32473 receipt="HFW2026-000045" verdict="rejected"] text
 *
 * The SD-ID is LOG_SD_ID; 32473 is IANA's example enterprise number
 * (docs/logging.md). PARAM-VALUEs are escaped (" \ ]), made valid UTF-8
 * (U+FFFD for bad bytes, control characters become spaces) and cut at
 * LOG_SD_VALUE_MAX bytes on a character boundary; a whole message is at
 * most LOG_LINE_MAX bytes. MSG starts with a BOM when it is not ASCII.
 *
 * No allocation, no stdio, no locks: every message is built in a stack
 * buffer and written with one system call, so a forked child may log.
 * The socket is non-blocking: a message the syslog daemon cannot take is
 * dropped (and counted in a later message), and a missing or restarted
 * daemon is reconnected on the next message. Module state is static;
 * casemail's processes are single-threaded. */
#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* One SD-PARAM. A NULL value omits the parameter. */
struct log_sd {
	const char *name, *value;
};

#define LOG_SD_ID "casemail@32473"
#define LOG_SD_VALUE_MAX 256     /* bytes of one PARAM-VALUE, before escaping */
#define LOG_LINE_MAX 8192        /* bytes of one datagram or stderr line */

/* Output to stderr when to_stderr, else to syslog (facility mail on
 * /dev/log until log_set_syslog()). ident is the APP-NAME (copied, at most
 * 48 characters). Messages above level are not formatted. */
void log_init(const char *ident, bool to_stderr, enum log_level level);
/* The syslog target: socket_path (NULL: /dev/log) and facility "mail" or
 * "local0" … "local7" (NULL: mail). Returns 0 when connected; -1 with
 * *error_r on an unknown facility or a too long path (nothing changed),
 * or when the socket cannot be reached now: the target is set anyway and
 * every later message tries to connect again. Does not switch a stderr
 * logger to syslog. */
int log_set_syslog(const char *socket_path, const char *facility, const char **error_r);
void log_set_level(enum log_level level);
/* "error", "warning", "info", "debug" → 0 and *level_r; anything else -1. */
int log_level_parse(const char *s, enum log_level *level_r);

/* A message with structured data. params ends with { NULL, NULL } (see
 * LOG_SD); msgid is the RFC 5424 MSGID ("filed", "reply", "poll",
 * "outbox", "digest"; NULL: "-"). Without any param value the SD is "-". */
void log_sd(enum log_level level, const char *msgid, const struct log_sd *params,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A plain message: MSGID "-" and no SD. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* log_sd(LOG_LEVEL_INFO, "filed", LOG_SD({"receipt", r}, {"verdict", v}), "%s %s", r, v); */
#define LOG_SD(...) ((const struct log_sd[]){ __VA_ARGS__, { NULL, NULL } })

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
