/* log: stderr lines or RFC 5424 datagrams with structured data (log.h).
 *
 * A message is built left to right into one stack buffer by a bounded
 * writer (struct logw) that never splits a UTF-8 character, then written
 * with one write()/send(). Text from mail (senders, names) passes through
 * log_put_text(): invalid UTF-8 becomes U+FFFD, control characters become
 * spaces (a newline in a sender's name must not forge a log line), and
 * inside a PARAM-VALUE '"', '\' and ']' are escaped (RFC 5424 6.3.3). */
#include "log.h"
#include "charset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LOG_DEFAULT_SOCKET "/dev/log"
#define LOG_FACILITY_MAIL 2
#define LOG_APP_NAME_MAX 48
#define LOG_MSGID_MAX 32
#define LOG_SD_NAME_MAX 32

static const char *const log_level_names[] = { "error", "warning", "info", "debug" };
static const int log_severities[] = { 3, 4, 6, 7 }; /* err, warning, info, debug */

static bool log_to_stderr = true;
static enum log_level log_max = LOG_LEVEL_INFO;
static char log_app[LOG_APP_NAME_MAX + 1] = "casemail";
static char log_host[256];
static int log_facility = LOG_FACILITY_MAIL;
static struct sockaddr_un log_addr = { .sun_family = AF_UNIX, .sun_path = LOG_DEFAULT_SOCKET };
static int log_fd = -1;
static unsigned log_dropped;
static __thread char log_err[300];

/* ---- bounded writer ------------------------------------------------------- */

struct logw {
	char *p;
	size_t len, max;
	bool full;               /* something did not fit */
};

static void logw_put(struct logw *w, const char *s, size_t n)
{
	if (w->full || n > w->max - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void logw_puts(struct logw *w, const char *s)
{
	logw_put(w, s, strlen(s));
}

/* Printable US-ASCII only (RFC 5424 header fields and SD-NAMEs): other
 * bytes become '_', at most max of them, "-" when empty. */
static void logw_token(struct logw *w, const char *s, size_t max, const char *also_bad)
{
	size_t start = w->len, n = 0;

	for (; s != NULL && *s != '\0' && n < max; s++, n++) {
		char c = (*s > ' ' && *s < 0x7f && strchr(also_bad, *s) == NULL) ? *s : '_';
		logw_put(w, &c, 1);
	}
	if (w->len == start)
		logw_put(w, "-", 1);
}

/* Append up to cap bytes of text as valid UTF-8 (escaped for a
 * PARAM-VALUE when sd), whole characters only. Returns whether all of
 * text fitted; w->full tells whether the buffer was the limit. */
static bool log_put_text(struct logw *w, const char *text, size_t len, size_t cap, bool sd)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	size_t used = 0;

	while (p < end) {
		char esc[2] = { '\\', (char)*p };
		const char *out = (const char *)p;
		size_t in = 1, n = 1, cost = 1; /* cost: the value's own bytes */

		if (*p < 0x20 || *p == 0x7f) {
			out = " ";
		} else if (*p >= 0x80) {
			in = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
			if (in > (size_t)(end - p) || !charset_is_utf8(p, in)) {
				in = 1;
				out = "\xef\xbf\xbd"; /* U+FFFD */
			}
			n = cost = out == (const char *)p ? in : 3;
		} else if (sd && (*p == '"' || *p == '\\' || *p == ']')) {
			out = esc;
			n = 2;
		}
		if (used + cost > cap)
			return false;
		logw_put(w, out, n);
		if (w->full)
			return false;
		used += cost;
		p += in;
	}
	return true;
}

/* ---- formatting -------------------------------------------------------------- */

static bool log_has_values(const struct log_sd *params)
{
	for (; params != NULL && params->name != NULL; params++) {
		if (params->value != NULL)
			return true;
	}
	return false;
}

/* RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG] */
static size_t log_format_syslog(char *buf, enum log_level level, const char *msgid,
				const struct log_sd *params, const char *text, size_t text_len)
{
	struct logw w = { .p = buf, .max = LOG_LINE_MAX };
	char head[128], when[32];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	int off = (int)(tm.tm_gmtoff / 60), aoff = (off < 0 ? -off : off) % (24 * 60);
	if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		strcpy(when, "1970-01-01T00:00:00");
	snprintf(head, sizeof(head), "<%d>1 %s.%06d%c%02d:%02d ",
		 log_facility * 8 + log_severities[level], when, (int)(ts.tv_nsec / 1000),
		 off < 0 ? '-' : '+', aoff / 60, aoff % 60);
	logw_puts(&w, head);
	logw_token(&w, log_host, 255, "");
	logw_put(&w, " ", 1);
	logw_token(&w, log_app, LOG_APP_NAME_MAX, "");
	snprintf(head, sizeof(head), " %ld ", (long)getpid());
	logw_puts(&w, head);
	logw_token(&w, msgid, LOG_MSGID_MAX, "");
	logw_put(&w, " ", 1);
	if (!log_has_values(params)) {
		logw_put(&w, "-", 1);
	} else {
		logw_puts(&w, "[" LOG_SD_ID);
		w.max--; /* room for the closing ']' */
		for (; params->name != NULL && !w.full; params++) {
			size_t mark = w.len;
			if (params->value == NULL)
				continue;
			logw_put(&w, " ", 1);
			logw_token(&w, params->name, LOG_SD_NAME_MAX, "=]\"");
			logw_put(&w, "=\"", 2);
			(void)log_put_text(&w, params->value, strlen(params->value),
					   LOG_SD_VALUE_MAX, true);
			logw_put(&w, "\"", 1);
			if (w.full)
				w.len = mark; /* drop the parameter that did not fit */
		}
		w.max++;
		w.full = false;
		logw_put(&w, "]", 1);
	}
	if (text_len > 0 && w.len + 1 < w.max) {
		logw_put(&w, " ", 1);
		/* RFC 5424 6.4: UTF-8 MSG starts with a BOM; ASCII needs none */
		if (!charset_is_ascii(text, text_len))
			logw_put(&w, "\xef\xbb\xbf", 3);
		(void)log_put_text(&w, text, text_len, LOG_LINE_MAX, false);
	}
	return w.len;
}

/* "2026-07-28T15:40:02+08:00 info: text [name=value …]\n" */
static size_t log_format_stderr(char *buf, enum log_level level, const struct log_sd *params,
				const char *text, size_t text_len)
{
	struct logw w = { .p = buf, .max = LOG_LINE_MAX - 1 }; /* room for '\n' */
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* %z is +0800; ISO 8601 extended wants +08:00 */
	size_t n = strlen(when);
	if (n >= 5) {
		memmove(when + n - 1, when + n - 2, 3);
		when[n - 2] = ':';
	}
	logw_puts(&w, when);
	logw_put(&w, " ", 1);
	logw_puts(&w, log_level_names[level]);
	logw_put(&w, ": ", 2);
	(void)log_put_text(&w, text, text_len, LOG_LINE_MAX, false);
	if (log_has_values(params)) {
		size_t mark = w.len;
		const char *sep = " [";
		for (; params->name != NULL; params++) {
			const char *v = params->value;
			if (v == NULL)
				continue;
			logw_puts(&w, sep);
			sep = " ";
			logw_token(&w, params->name, LOG_SD_NAME_MAX, "=]\"");
			logw_put(&w, "=", 1);
			bool quote = *v == '\0' || strpbrk(v, " \"]=\\") != NULL;
			if (quote)
				logw_put(&w, "\"", 1);
			(void)log_put_text(&w, v, strlen(v), LOG_SD_VALUE_MAX, quote);
			if (quote)
				logw_put(&w, "\"", 1);
		}
		logw_put(&w, "]", 1);
		if (w.full) {
			w.len = mark; /* all or none: half a bracket helps nobody */
			w.full = false;
		}
	}
	w.max++;
	w.full = false;
	logw_put(&w, "\n", 1);
	return w.len;
}

/* ---- the socket ---------------------------------------------------------------- */

static int log_connect(const char **error_r)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)&log_addr, sizeof(log_addr)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		goto fail;
	}
	log_fd = fd;
	return 0;
fail:
	if (error_r != NULL) {
		/* EPROTOTYPE: a stream socket (rsyslog's old default); not supported */
		snprintf(log_err, sizeof(log_err), "syslog socket %s: %s", log_addr.sun_path,
			 strerror(errno));
		*error_r = log_err;
	}
	return -1;
}

/* Send one datagram; 0, or -1 when it was dropped. Never blocks. */
static int log_send(const char *buf, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (log_fd < 0 && log_connect(NULL) < 0)
			return -1;
		if (send(log_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		    errno == EMSGSIZE || errno == EINTR)
			return -1; /* the daemon is behind: drop rather than wait */
		/* ECONNREFUSED, ENOTCONN, …: the daemon restarted; a new socket */
		close(log_fd);
		log_fd = -1;
	}
	return -1;
}

static void log_emit(enum log_level level, const char *msgid, const struct log_sd *params,
		     const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX], buf[LOG_LINE_MAX];
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	size_t text_len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;

	if (log_to_stderr) {
		size_t len = log_format_stderr(buf, level, params, text, text_len);
		ssize_t w;
		do {
			w = write(STDERR_FILENO, buf, len);
		} while (w < 0 && errno == EINTR);
		return;
	}
	if (log_host[0] == '\0' && (gethostname(log_host, sizeof(log_host) - 1) < 0))
		log_host[0] = '\0';
	size_t len = log_format_syslog(buf, level, msgid, params, text, text_len);
	if (log_send(buf, len) < 0) {
		log_dropped++;
		return;
	}
	if (log_dropped > 0) {
		n = snprintf(text, sizeof(text),
			     "%u log message(s) dropped: the syslog socket was full or gone",
			     log_dropped);
		len = log_format_syslog(buf, LOG_LEVEL_WARNING, "log", NULL, text, (size_t)n);
		if (log_send(buf, len) == 0)
			log_dropped = 0;
	}
}

/* ---- API ------------------------------------------------------------------------ */

void log_init(const char *ident, bool to_stderr, enum log_level level)
{
	log_to_stderr = to_stderr;
	log_max = level;
	snprintf(log_app, sizeof(log_app), "%s", ident != NULL ? ident : "casemail");
	if (gethostname(log_host, sizeof(log_host) - 1) < 0)
		log_host[0] = '\0';
}

int log_set_syslog(const char *socket_path, const char *facility, const char **error_r)
{
	const char *path = socket_path != NULL ? socket_path : LOG_DEFAULT_SOCKET;
	int fac;

	if (facility == NULL || strcmp(facility, "mail") == 0) {
		fac = LOG_FACILITY_MAIL;
	} else if (strncmp(facility, "local", 5) == 0 && facility[5] >= '0' &&
		   facility[5] <= '7' && facility[6] == '\0') {
		fac = 16 + (facility[5] - '0');
	} else {
		snprintf(log_err, sizeof(log_err), "syslog facility \"%s\": expected mail or "
			 "local0 … local7", facility);
		*error_r = log_err;
		return -1;
	}
	if (*path == '\0' || strlen(path) >= sizeof(log_addr.sun_path)) {
		snprintf(log_err, sizeof(log_err), "syslog socket \"%.200s\": path empty or too long",
			 path);
		*error_r = log_err;
		return -1;
	}
	log_facility = fac;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	strcpy(log_addr.sun_path, path);
	return log_connect(error_r);
}

void log_set_level(enum log_level level)
{
	log_max = level;
}

int log_level_parse(const char *s, enum log_level *level_r)
{
	for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (s != NULL && strcmp(s, log_level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_sd(enum log_level level, const char *msgid, const struct log_sd *params,
	    const char *fmt, ...)
{
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	log_emit(level, msgid, params, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	log_emit(level, NULL, NULL, fmt, ap);
	va_end(ap);
}
