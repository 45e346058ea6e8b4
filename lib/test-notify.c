/* Tests for notify: the datagrams a service manager would receive, read
 * from a real AF_UNIX datagram socket named by $NOTIFY_SOCKET. */
#include "notify.h"
#include "test.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bind a datagram socket at path (a leading '@' = abstract namespace). */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram as a string, or "" when none arrives within timeout_ms. */
static const char *next_datagram(int fd, int timeout_ms)
{
	static char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, timeout_ms) != 1)
		return buf;
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_notify_without_manager(void)
{
	test_begin("notify: no NOTIFY_SOCKET, every call is a no-op returning 0");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	test_assert_int(notify_ready(), 0);
	test_assert_int(notify_status("idle; %u mails", 3u), 0);
	test_assert_int(notify_watchdog(), 0);
	test_assert_int(notify_reloading(), 0);
	test_assert_int(notify_stopping(), 0);
	test_assert_int(notify_watchdog_ms(), 0);
	test_end();
}

static void test_notify_datagrams(const char *name, const char *sockname)
{
	int fd = listen_at(sockname);

	test_begin(name);
	if (!test_assert(fd >= 0)) {
		test_end();
		return;
	}
	setenv("NOTIFY_SOCKET", sockname, 1);

	test_assert_int(notify_ready(), 1);
	test_assert_str(next_datagram(fd, 2000), "READY=1");
	test_assert_int(notify_status("idle; %u mails this run; last pass %s; %u replies waiting",
				      12u, "15:40:02", 0u), 1);
	test_assert_str(next_datagram(fd, 2000),
			"STATUS=idle; 12 mails this run; last pass 15:40:02; 0 replies waiting");
	test_assert_int(notify_watchdog(), 1);
	test_assert_str(next_datagram(fd, 2000), "WATCHDOG=1");
	test_assert_int(notify_reloading(), 1);
	test_assert_str(next_datagram(fd, 2000), "RELOADING=1");
	test_assert_int(notify_ready(), 1);
	test_assert_str(next_datagram(fd, 2000), "READY=1");
	test_assert_int(notify_stopping(), 1);
	test_assert_str(next_datagram(fd, 2000), "STOPPING=1");
	/* exactly one datagram per call */
	test_assert_str(next_datagram(fd, 100), "");
	/* the variable stays set for the next call */
	test_assert(getenv("NOTIFY_SOCKET") != NULL);

	unsetenv("NOTIFY_SOCKET");
	close(fd);
	test_end();
}

static void test_notify_socket_path(void)
{
	char *path = xasprintf("%s/notify.sock", test_tmpdir());

	test_notify_datagrams("notify: READY, STATUS, WATCHDOG, RELOADING, STOPPING on a socket file",
			      path);
	free(path);
}

static void test_notify_socket_abstract(void)
{
	char *name = xasprintf("@casemail-test-notify-%ld", (long)getpid());

	test_notify_datagrams("notify: the same on an abstract socket (@name)", name);
	free(name);
}

static void test_notify_status_one_line(void)
{
	char *path = xasprintf("%s/status.sock", test_tmpdir());
	char *longtext = xmalloc(2001);
	int fd = listen_at(path);
	const char *got;

	test_begin("notify: STATUS stays one assignment (newlines, long text)");
	setenv("NOTIFY_SOCKET", path, 1);
	test_assert_int(notify_status("a\nREADY=1\nb"), 1);
	test_assert_str(next_datagram(fd, 2000), "STATUS=a READY=1 b");

	memset(longtext, 'x', 2000);
	longtext[2000] = '\0';
	test_assert_int(notify_status("%s", longtext), 1);
	got = next_datagram(fd, 2000);
	test_assert(strncmp(got, "STATUS=xxxx", 11) == 0);
	test_assert_int(strlen(got), strlen("STATUS=") + 511);
	test_assert(strchr(got, '\n') == NULL);

	unsetenv("NOTIFY_SOCKET");
	close(fd);
	free(longtext);
	free(path);
	test_end();
}

static void test_notify_no_listener(void)
{
	char *path = xasprintf("%s/nobody.sock", test_tmpdir());

	test_begin("notify: NOTIFY_SOCKET names no socket: -1 with errno");
	setenv("NOTIFY_SOCKET", path, 1);
	errno = 0;
	test_assert_int(notify_ready(), -1);
	test_assert(errno != 0);
	unsetenv("NOTIFY_SOCKET");
	free(path);
	test_end();
}

static void test_notify_watchdog_ms(void)
{
	char pid[32];

	test_begin("notify: watchdog interval from WATCHDOG_USEC / WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	test_assert_int(notify_watchdog_ms(), 0);

	setenv("WATCHDOG_USEC", "30000000", 1);
	test_assert_int(notify_watchdog_ms(), 30000);       /* no PID: meant for us */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	test_assert_int(notify_watchdog_ms(), 30000);
	setenv("WATCHDOG_USEC", "500", 1);
	test_assert_int(notify_watchdog_ms(), 1);           /* never 0 when armed */

	/* armed for another process (our parent, say): not for us */
	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	test_assert_int(notify_watchdog_ms(), 0);

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	test_assert_int(notify_watchdog_ms(), 0);
	setenv("WATCHDOG_USEC", "0", 1);
	test_assert_int(notify_watchdog_ms(), 0);
	unsetenv("WATCHDOG_USEC");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_notify_without_manager,
		test_notify_socket_path,
		test_notify_socket_abstract,
		test_notify_status_one_line,
		test_notify_no_listener,
		test_notify_watchdog_ms,
		NULL,
	};
	return test_run(tests);
}
