#ifndef CASEMAIL_NOTIFY_H
#define CASEMAIL_NOTIFY_H
/* notify: tell the service manager how the daemon is doing (systemd
 * Type=notify, sd_notify(3)): READY=1 when the first pass is about to
 * start, STATUS=… after every pass, WATCHDOG=1 while it works and waits,
 * RELOADING=1 … READY=1 around a SIGHUP reload, STOPPING=1 on the way out.
 * Only this module includes systemd headers.
 *
 * Without $NOTIFY_SOCKET (tests, --once, a shell) every call does nothing
 * and returns 0. Nothing is allocated that the caller owns.
 *
 * Return values: 1 sent, 0 no service manager listening, -1 the datagram
 * could not be sent (errno set). Callers may ignore them: a daemon does not
 * stop working because its supervisor cannot be told. */
#include <stdint.h>

int notify_ready(void);
int notify_reloading(void);
int notify_stopping(void);
/* WATCHDOG=1: "still alive". */
int notify_watchdog(void);
/* STATUS=<text>, one line shown by `systemctl status`; newlines in the
 * formatted text become spaces. */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The service's watchdog timeout (WatchdogSec=) in milliseconds, or 0 when
 * no watchdog is armed for this process. A caller that pings from a loop
 * must do so at least every half of it. */
uint64_t notify_watchdog_ms(void);

#endif
