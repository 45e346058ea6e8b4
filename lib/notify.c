/* notify: the daemon's side of systemd's notification protocol, a thin
 * wrapper around sd_notify(3) so that nothing else includes systemd
 * headers. sd_notify() itself is a no-op returning 0 when $NOTIFY_SOCKET
 * is unset; it never unsets the variable here (unset_environment = 0)
 * because READY, STATUS and WATCHDOG are sent many times. */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

/* A STATUS= line is one line of `systemctl status`: longer text is cut. */
#define NOTIFY_STATUS_MAX 512

static int notify_send(const char *state)
{
	int r = sd_notify(0, state);

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r > 0 ? 1 : 0;
}

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_reloading(void)
{
	return notify_send("RELOADING=1");
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

int notify_status(const char *fmt, ...)
{
	char line[sizeof("STATUS=") - 1 + NOTIFY_STATUS_MAX];
	va_list args;

	memcpy(line, "STATUS=", sizeof("STATUS=") - 1);
	va_start(args, fmt);
	vsnprintf(line + sizeof("STATUS=") - 1, NOTIFY_STATUS_MAX, fmt, args);
	va_end(args);
	/* the protocol is newline-separated assignments: keep it one */
	for (char *p = line; *p != '\0'; p++) {
		if (*p == '\n')
			*p = ' ';
	}
	return notify_send(line);
}

uint64_t notify_watchdog_ms(void)
{
	uint64_t usec = 0;

	/* > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID (if set) is us */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec / 1000 > 0 ? usec / 1000 : 1;
}
