/* Tests for log: the exact RFC 5424 datagrams on a unix socket bound here,
 * and the stderr lines. */
#include "log.h"
#include "charset.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char sock_path[108];
static int sock_fd = -1;
static char host[256];

static int bind_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	(void)unlink(sock_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("Bail out! bind %s: %s\n", sock_path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* The next datagram, NUL-terminated, or NULL if none comes within a second. */
static const char *recv_msg(size_t *len_r)
{
	static char buf[LOG_LINE_MAX * 2];
	struct timeval tv = { .tv_sec = 1 };
	ssize_t n;

	setsockopt(sock_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(sock_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	if (len_r != NULL)
		*len_r = (size_t)n;
	return buf;
}

static bool nothing_waiting(void)
{
	char c;
	return recv(sock_fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* Check "<PRI>1 TIMESTAMP HOST test-log PID " (the timestamp within a
 * minute of now, microseconds, a ±hh:mm offset) and return what follows. */
static const char *check_header(const char *msg, int pri, pid_t pid)
{
	char want[512];
	int y, mo, d, h, mi, s, us, oh, om, n = 0;
	char sign;

	snprintf(want, sizeof(want), "<%d>1 ", pri);
	if (!test_assert(strncmp(msg, want, strlen(want)) == 0)) {
		printf("# got: %s\n", msg);
		return "";
	}
	msg += strlen(want);
	if (!test_assert(sscanf(msg, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c%2d:%2d%n", &y, &mo, &d, &h, &mi,
				&s, &us, &sign, &oh, &om, &n) == 10 && n == 32 &&
			 (sign == '+' || sign == '-'))) {
		printf("# timestamp: %.40s\n", msg);
		return "";
	}
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };
	time_t t = timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	test_assert(llabs((long long)(t - time(NULL))) < 60);
	msg += n;
	snprintf(want, sizeof(want), " %s test-log %ld ", host, (long)pid);
	if (!test_assert(strncmp(msg, want, strlen(want)) == 0)) {
		printf("# got: %s\n# want: %s\n", msg, want);
		return "";
	}
	return msg + strlen(want);
}

static void test_log_setup(void)
{
	const char *error;

	test_begin("log_set_syslog: a missing socket is an error, then connects lazily");
	snprintf(sock_path, sizeof(sock_path), "%s/log.sock", test_tmpdir());
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "-");
	log_init("test-log", false, LOG_LEVEL_DEBUG);
	test_assert(log_set_syslog(sock_path, "mail", &error) < 0);
	test_assert(error != NULL && strstr(error, sock_path) != NULL);
	log_info("into the void"); /* dropped, counted */
	sock_fd = bind_sock();
	log_info("first");
	const char *m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 2 * 8 + 6, getpid()), "- - first") == 0);
	m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 2 * 8 + 4, getpid()),
		"log - 1 log message(s) dropped: the syslog socket was full or gone") == 0);
	test_assert(log_set_syslog(sock_path, "local3", &error) == 0);
	test_assert(log_set_syslog(sock_path, "local8", &error) < 0);
	test_assert(strstr(error, "local8") != NULL);
	test_assert(log_set_syslog(sock_path, "daemon", &error) < 0);
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	test_assert(log_set_syslog(longp, NULL, &error) < 0);
	/* the failed calls changed nothing: still local3 on our socket */
	log_warning("still here");
	m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 19 * 8 + 4, getpid()), "- - still here") == 0);
	test_end();
}

static void test_log_pri(void)
{
	static const struct { const char *facility; enum log_level level; int pri; } cases[] = {
		{ NULL, LOG_LEVEL_ERROR, 19 }, { "mail", LOG_LEVEL_WARNING, 20 },
		{ "mail", LOG_LEVEL_INFO, 22 }, { "mail", LOG_LEVEL_DEBUG, 23 },
		{ "local0", LOG_LEVEL_ERROR, 131 }, { "local7", LOG_LEVEL_DEBUG, 191 },
	};
	const char *error;

	test_begin("PRI: facility * 8 + severity (err, warning, info, debug)");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_assert(log_set_syslog(sock_path, cases[i].facility, &error) == 0);
		log_sd(cases[i].level, "pri", NULL, "case %zu", i);
		const char *m = recv_msg(NULL);
		char want[64];
		snprintf(want, sizeof(want), "pri - case %zu", i);
		test_assert(m != NULL && strcmp(check_header(m, cases[i].pri, getpid()), want) == 0);
	}
	test_assert(log_set_syslog(sock_path, NULL, &error) == 0);
	test_end();
}

static void test_log_sd(void)
{
	const struct {
		const char *msgid;
		const struct log_sd *params;
		const char *text, *want;
	} cases[] = {
		{ "filed", LOG_SD({ "receipt", "HFW2026-000045" }, { "campaign", "haofuwu-2026" },
				  { "verdict", "rejected" }, { "sender", "a@b.c" }),
		  "HFW2026-000045 rejected from a@b.c",
		  "filed [casemail@32473 receipt=\"HFW2026-000045\" campaign=\"haofuwu-2026\" "
		  "verdict=\"rejected\" sender=\"a@b.c\"] HFW2026-000045 rejected from a@b.c" },
		/* RFC 5424 6.3.3: '"', '\' and ']' escaped, nothing else */
		{ "x", LOG_SD({ "subject", "say \"hi\" [now] c:\\dir ]]" }), "t",
		  "x [casemail@32473 subject=\"say \\\"hi\\\" [now\\] c:\\\\dir \\]\\]\"] t" },
		/* NULL values omitted; none left: "-" */
		{ "x", LOG_SD({ "a", NULL }, { "b", "2" }, { "c", NULL }), "t",
		  "x [casemail@32473 b=\"2\"] t" },
		{ "x", LOG_SD({ "a", NULL }), "t", "x - t" },
		{ NULL, NULL, "no msgid", "- - no msgid" },
		{ "", LOG_SD({ "empty", "" }), "t", "- [casemail@32473 empty=\"\"] t" },
		/* MSGID and SD-NAME: printable ASCII, at most 32, no space = ] " in names */
		{ "a b\xe4\xb8\xad", LOG_SD({ "k=e y]\"", "v" }), "t",
		  "a_b___ [casemail@32473 k_e_y__=\"v\"] t" },
		{ "0123456789abcdef0123456789abcdefXYZ", NULL, "t",
		  "0123456789abcdef0123456789abcdef - t" },
		/* invalid UTF-8 → U+FFFD per byte; controls → space */
		{ "x", LOG_SD({ "n", "a\xff" "b\xe4\xb8" "c\n\t\x7f" }), "m\xc3\x28\r\nx",
		  "x [casemail@32473 n=\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c   \"] "
		  "\xef\xbb\xbf" "m\xef\xbf\xbd(  x" },
		/* UTF-8 MSG: with a BOM; UTF-8 values need none */
		{ "filed", LOG_SD({ "name", "张三" }), "来自 张三",
		  "filed [casemail@32473 name=\"张三\"] \xef\xbb\xbf来自 张三" },
		/* empty MSG: no trailing space */
		{ "x", NULL, "", "x -" },
	};

	test_begin("SD: escaping, omitted params, UTF-8, MSGID, BOM");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_sd(LOG_LEVEL_INFO, cases[i].msgid, cases[i].params, "%s", cases[i].text);
		const char *m = recv_msg(NULL);
		test_assert(m != NULL);
		if (m != NULL)
			test_assert_str(check_header(m, 22, getpid()), cases[i].want);
	}
	test_end();
}

static void test_log_limits(void)
{
	char big[3 * 400 + 1] = "", msg[12000];
	size_t len;

	test_begin("limits: values cut at 256 bytes, messages at 8 KiB, on a character");
	for (int i = 0; i < 400; i++)
		strcat(big, "阳");                 /* 3 bytes each */
	log_sd(LOG_LEVEL_INFO, "x", LOG_SD({ "v", big }, { "w", "after" }), "t");
	const char *m = recv_msg(NULL);
	char want[1024] = "x [casemail@32473 v=\"";
	memcpy(want + strlen(want), big, 255);      /* 85 characters */
	want[strlen("x [casemail@32473 v=\"") + 255] = '\0';
	strcat(want, "\" w=\"after\"] t");
	test_assert(m != NULL && strcmp(check_header(m, 22, getpid()), want) == 0);

	/* a value of escapes: 256 characters of the value, 512 bytes on the wire */
	memset(big, ']', 300);
	big[300] = '\0';
	log_sd(LOG_LEVEL_INFO, "x", LOG_SD({ "v", big }), "t");
	m = recv_msg(&len);
	test_assert(m != NULL && strlen(check_header(m, 22, getpid())) ==
		    strlen("x [casemail@32473 v=\"\"] t") + 512);

	/* a long message: 8192 bytes, whole characters, valid UTF-8 */
	msg[0] = '\0';
	for (int i = 0; i < 5000; i++)
		strcat(msg, i % 2 ? "阳" : "a");
	log_sd(LOG_LEVEL_INFO, "x", LOG_SD({ "k", "v" }), "%s", msg);
	m = recv_msg(&len);
	test_assert(m != NULL && len <= LOG_LINE_MAX && len > LOG_LINE_MAX - 4);
	test_assert(m != NULL && charset_is_utf8(m, len));
	test_assert(m != NULL && strstr(m, "] \xef\xbb\xbf" "a阳a阳") != NULL);

	/* so many params they do not fit: whole params dropped, SD still closed */
	struct log_sd many[60];
	char names[59][16];
	memset(big, 'z', 250);
	big[250] = '\0';
	for (int i = 0; i < 59; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d", i);
		many[i] = (struct log_sd){ names[i], big };
	}
	many[59] = (struct log_sd){ NULL, NULL };
	log_sd(LOG_LEVEL_INFO, "x", many, "tail");
	m = recv_msg(&len);
	test_assert(m != NULL && len <= LOG_LINE_MAX);
	test_assert(m != NULL && strstr(m, "p0=\"zzz") != NULL && strstr(m, "p58=") == NULL);
	const char *close = m != NULL ? strstr(m, "z\"] ") : NULL;
	test_assert(close != NULL && strcmp(close, "z\"] tail") == 0);
	test_end();
}

static void test_log_level(void)
{
	enum log_level l;

	test_begin("level: filtered before sending; log_level_parse");
	log_set_level(LOG_LEVEL_WARNING);
	log_info("not sent");
	log_sd(LOG_LEVEL_DEBUG, "x", NULL, "not sent");
	test_assert(nothing_waiting());
	log_sd(LOG_LEVEL_ERROR, "x", NULL, "sent");
	const char *m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 19, getpid()), "x - sent") == 0);
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("debug");
	m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 23, getpid()), "- - debug") == 0);
	test_assert(log_level_parse("error", &l) == 0 && l == LOG_LEVEL_ERROR);
	test_assert(log_level_parse("warning", &l) == 0 && l == LOG_LEVEL_WARNING);
	test_assert(log_level_parse("info", &l) == 0 && l == LOG_LEVEL_INFO);
	test_assert(log_level_parse("debug", &l) == 0 && l == LOG_LEVEL_DEBUG);
	test_assert(log_level_parse("warn", &l) < 0);
	test_assert(log_level_parse("", &l) < 0);
	test_end();
}

static void test_log_restart(void)
{
	test_begin("the syslog daemon restarts: reconnect; a full socket drops, never blocks");
	close(sock_fd);
	sock_fd = bind_sock(); /* a new socket at the same path */
	log_info("after restart");
	const char *m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 22, getpid()), "- - after restart") == 0);

	/* nobody reads: the queue fills up; log_* must return at once */
	int sent = 0;
	time_t start = time(NULL);
	for (int i = 0; i < 5000; i++, sent++)
		log_info("flood %d", i);
	test_assert(time(NULL) - start < 5);
	int got = 0;
	while (recv(sock_fd, (char[16]){ 0 }, 16, MSG_DONTWAIT) > 0)
		got++;
	test_assert(got > 0 && got < sent);
	log_info("drained");
	m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 22, getpid()), "- - drained") == 0);
	m = recv_msg(NULL);
	char want[128];
	snprintf(want, sizeof(want),
		 "log - %d log message(s) dropped: the syslog socket was full or gone", sent - got);
	test_assert(m != NULL && strcmp(check_header(m, 20, getpid()), want) == 0);
	test_end();
}

static void test_log_fork(void)
{
	test_begin("a forked child logs with its own PID");
	pid_t pid = fork();
	if (pid == 0) {
		log_sd(LOG_LEVEL_INFO, "probe", LOG_SD({ "file", "a.jpg" }), "child");
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	const char *m = recv_msg(NULL);
	test_assert(m != NULL && strcmp(check_header(m, 22, pid),
					"probe [casemail@32473 file=\"a.jpg\"] child") == 0);
	test_end();
}

static void test_log_stderr(void)
{
	char path[256], buf[LOG_LINE_MAX * 2];
	int saved = dup(STDERR_FILENO);

	test_begin("stderr: time, level, text, [name=value]");
	snprintf(path, sizeof(path), "%s/stderr", test_tmpdir());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	log_init("test-log", true, LOG_LEVEL_INFO);
	log_sd(LOG_LEVEL_INFO, "filed", LOG_SD({ "receipt", "HFW2026-000045" }, { "x", NULL },
					       { "sender", "\"Zhang San\" <a@b.c>" }, { "e", "" }),
	       "HFW2026-000045 rejected");
	log_warning("plain\nline");
	log_debug("filtered");
	log_sd(LOG_LEVEL_ERROR, "x", LOG_SD({ "a", NULL }), "no values");
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* "2026-07-28T15:40:02+08:00 " */
	static const char *const want[] = {
		"info: HFW2026-000045 rejected [receipt=HFW2026-000045 "
		"sender=\"\\\"Zhang San\\\" <a@b.c>\" e=\"\"]",
		"warning: plain line",
		"error: no values",
	};
	char *line = buf, *nl;
	size_t i = 0;
	for (; (nl = strchr(line, '\n')) != NULL && i < 3; line = nl + 1, i++) {
		*nl = '\0';
		test_assert(strlen(line) > 26 && line[4] == '-' && line[10] == 'T' &&
			    line[22] == ':' && line[25] == ' ');
		test_assert_str(strlen(line) > 26 ? line + 26 : line, want[i]);
	}
	test_assert(i == 3 && *line == '\0');
	log_init("test-log", false, LOG_LEVEL_DEBUG);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_log_setup, test_log_pri, test_log_sd, test_log_limits, test_log_level,
		test_log_restart, test_log_fork, test_log_stderr, NULL,
	};
	int ret = test_run(tests);

	if (sock_fd >= 0)
		close(sock_fd);
	return ret;
}
