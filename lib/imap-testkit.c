/* imap-testkit: shared helpers of imap's unit tests (see imap-testkit.h).
 * Everything server-side goes through the bash functions of
 * tests/dovecot.sh, the same harness the end-to-end tests use. */
#include "imap-testkit.h"
#include "test.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS "tests/dovecot.sh"
#define CHUNK 65536

/* Run ". tests/dovecot.sh; cmd" in bash; its stdout (malloc'd, may be
 * NULL when out_r is NULL) and exit status. stderr goes to the TAP log
 * as is (diagnostics). */
static int harness(const char *cmd, char **out_r)
{
	char *full = xasprintf("bash -c '. " HARNESS "; %s'", cmd);
	char buf[4096], *out = xstrdup("");
	size_t n, len = 0;
	FILE *p;
	int status;

	if (strchr(cmd, '\'') != NULL)
		abort();   /* the quoting above cannot carry it */
	fflush(stdout);
	p = popen(full, "r");
	free(full);
	if (p == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		out = xrealloc(out, len + n + 1);
		memcpy(out + len, buf, n);
		out[len += n] = '\0';
	}
	status = pclose(p);
	if (out_r != NULL)
		*out_r = out;
	else
		free(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

const char *imap_testkit_unavailable(void)
{
	if (geteuid() != 0)
		return "not root (Dovecot must start as root)";
	if (access("/usr/sbin/dovecot", X_OK) != 0 && system("command -v dovecot >/dev/null") != 0)
		return "dovecot not installed";
	if (access("/usr/bin/python3", X_OK) != 0)
		return "/usr/bin/python3 missing";
	if (access(HARNESS, R_OK) != 0)
		return "run from the source tree's top (" HARNESS " not found)";
	return NULL;
}

static unsigned read_port(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), buf[32] = "";
	FILE *f = fopen(path, "r");

	free(path);
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (unsigned)strtoul(buf, NULL, 10);
}

/* A child that waits for our end (EOF on the pipe: exit, crash or
 * signal) and then stops Dovecot. */
static void start_guard(struct imap_testkit *tk)
{
	int fds[2];
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	tk->guard_pid = fork();
	if (tk->guard_pid == 0) {
		char *cmd = xasprintf("dovecot_stop %s", tk->dir);

		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(fds[1]);
		while (read(fds[0], &c, 1) != 0 && errno == EINTR)
			;
		(void)harness(cmd, NULL);
		_exit(0);
	}
	close(fds[0]);
	tk->guard_fd = fds[1];
}

bool imap_testkit_start(struct imap_testkit *tk, const char *name, bool tls,
			const char *extra_conf)
{
	char *cmd;
	int r;

	memset(tk, 0, sizeof(*tk));
	tk->guard_fd = -1;
	/* Dovecot's imap processes run as nobody and must get through */
	(void)chmod(test_tmpdir(), 0711);
	tk->dir = xasprintf("%s/%s", test_tmpdir(), name);
	if (extra_conf != NULL)
		setenv("DOVECOT_EXTRA_CONF", extra_conf, 1);
	else
		unsetenv("DOVECOT_EXTRA_CONF");
	cmd = xasprintf("dovecot_start %s 0 %s >&2", tk->dir, tls ? "tls" : "");
	r = harness(cmd, NULL);
	free(cmd);
	unsetenv("DOVECOT_EXTRA_CONF");
	if (r != 0) {
		printf("# dovecot_start failed (exit %d)\n", r);
		return false;
	}
	start_guard(tk);
	tk->port = read_port(tk->dir, "port");
	if (tls) {
		tk->imaps_port = read_port(tk->dir, "imaps_port");
		tk->ca_file = xasprintf("%s/tls/ca.pem", tk->dir);
	}
	return tk->port != 0 && (!tls || tk->imaps_port != 0);
}

void imap_testkit_stop(struct imap_testkit *tk)
{
	char *cmd;

	if (tk->dir == NULL)
		return;
	cmd = xasprintf("dovecot_stop %s", tk->dir);
	(void)harness(cmd, NULL);
	free(cmd);
	if (tk->guard_fd >= 0) {
		close(tk->guard_fd);
		(void)waitpid(tk->guard_pid, NULL, 0);
	}
	free(tk->dir);
	free(tk->ca_file);
	memset(tk, 0, sizeof(*tk));
	tk->guard_fd = -1;
}

void imap_testkit_kill(const struct imap_testkit *tk)
{
	char *cmd = xasprintf("dovecot_kill %s", tk->dir);

	(void)harness(cmd, NULL);
	free(cmd);
}

struct imap_settings imap_testkit_settings(const struct imap_testkit *tk, enum imap_tls tls)
{
	return (struct imap_settings){
		.host = "127.0.0.1",
		.port = tls == IMAP_TLS_IMPLICIT ? tk->imaps_port : tk->port,
		.tls = tls, .ca_file = tk->ca_file, .verify = true,
		.user = "test", .password = "test", .folder = "INBOX", .timeout_s = 10,
	};
}

uint32_t imap_testkit_append(const struct imap_testkit *tk, const char *folder,
			     const char *path, const char *date, const char *flags)
{
	char *cmd = xasprintf("imap_append %s test \"%s\" %s \"%s\" \"%s\"", tk->dir, folder, path,
			      date, flags != NULL ? flags : "");
	char *out = NULL;
	uint32_t uid = 0;

	if (harness(cmd, &out) == 0)
		uid = (uint32_t)strtoul(out, NULL, 10);
	free(cmd);
	free(out);
	return uid;
}

/* "UID FLAGS..." lines of imap_list_keywords. */
static char *list_flags(const struct imap_testkit *tk, const char *folder)
{
	char *cmd = xasprintf("imap_list_keywords %s test \"%s\"", tk->dir, folder);
	char *out = NULL;

	if (harness(cmd, &out) != 0) {
		free(out);
		out = NULL;
	}
	free(cmd);
	return out;
}

char *imap_testkit_flags(const struct imap_testkit *tk, const char *folder, uint32_t uid)
{
	char *out = list_flags(tk, folder), *line, *save = NULL, *ret = NULL;

	for (line = out != NULL ? strtok_r(out, "\n", &save) : NULL; line != NULL && ret == NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end;

		if (strtoul(line, &end, 10) == uid)
			ret = xstrdup(*end == ' ' ? end + 1 : end);
	}
	free(out);
	return ret;
}

size_t imap_testkit_count(const struct imap_testkit *tk, const char *folder)
{
	char *out = list_flags(tk, folder);
	size_t n = 0;

	for (const char *p = out; p != NULL && *p != '\0'; p++)
		n += *p == '\n';
	free(out);
	return n;
}

int imap_testkit_silent_listener(unsigned *port_r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		abort();
	*port_r = ntohs(sin.sin_port);
	return fd;
}

char *imap_testkit_mail(const char *name, const char *subject, uint64_t body_bytes)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	char *buf = xmalloc(CHUNK + 128);
	uint32_t seed = 2463534242u;
	size_t len;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fprintf(f, "From: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.com>\r\n"
		   "To: wylzzh@ecpmi.org.cn\r\nSubject: %s\r\n"
		   "Message-ID: <%s@casemail.test>\r\nMIME-Version: 1.0\r\n"
		   "Content-Type: application/octet-stream\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\n", subject, name);
	while (body_bytes > 0) {
		for (len = 0; len < CHUNK && body_bytes > 0;) {
			for (int i = 0; i < 76; i++) {   /* xorshift: not compressible */
				seed ^= seed << 13;
				seed ^= seed >> 17;
				seed ^= seed << 5;
				buf[len++] = b64[seed & 63];
			}
			buf[len++] = '\r';
			buf[len++] = '\n';
			body_bytes = body_bytes > 78 ? body_bytes - 78 : 0;
		}
		if (fwrite(buf, 1, len, f) != len)
			abort();
	}
	if (fclose(f) != 0)
		abort();
	free(buf);
	return path;
}

uint64_t imap_testkit_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

bool imap_testkit_same_file(const char *a, const char *b)
{
	char *ba = xmalloc(CHUNK), *bb = xmalloc(CHUNK);
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	bool same = fa != NULL && fb != NULL;
	size_t na, nb;

	while (same) {
		na = fread(ba, 1, CHUNK, fa);
		nb = fread(bb, 1, CHUNK, fb);
		same = na == nb && memcmp(ba, bb, na) == 0;
		if (na == 0)
			break;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	free(ba);
	free(bb);
	return same;
}
