/* Tests for imap against a private Dovecot (plain text; TLS in
 * test-imap-tls.c): search, streamed fetch (and the SHA-256 it computes
 * on the way, with the Message-ID intake reads next, as the daemon's
 * fetch stage does), flags, move, IDLE, errors, and a server that dies in
 * the middle of a FETCH. The tests run in order and share the server and
 * one session. */
#include "imap.h"
#include "imap-testkit.h"
#include "intake.h"
#include "test.h"
#include "xalloc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KW "$casemail-done"
#define BIG_BYTES (20u << 20)

static struct imap_testkit tk;
static struct imap *im, *im2;   /* im2 idles until the server dies */
static bool up;   /* server and session are there */
static struct {
	char *path;
	const char *date;
	int64_t unix_time;
	uint32_t uid;
} mails[3] = {
	{ NULL, "05-Aug-2026 10:20:30 +0800", 1785896430, 0 },   /* 02:20:30Z */
	{ NULL, "31-Jul-2023 23:59:59 -0530", 1690867799, 0 },   /* 1 Aug 05:29:59Z */
	{ NULL, "01-Jan-2026 00:00:00 +0000", 1767225600, 0 },   /* the big one */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Append a small mail from a child after delay_ms (to wake an IDLE). */
static pid_t append_later(unsigned delay_ms, const char *name)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *path = imap_testkit_mail(name, name, 100);

		usleep(delay_ms * 1000);
		_exit(imap_testkit_append(&tk, "INBOX", path, "01-Aug-2026 08:00:00 +0800",
					  NULL) != 0 ? 0 : 1);
	}
	return pid;
}

static bool reaped_ok(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_setup(void)
{
	struct imap_settings s;
	const char *error = NULL;

	test_begin("imap: start Dovecot, append, connect and SELECT");
	mails[0].path = imap_testkit_mail("m1.eml", "=?UTF-8?B?5qGI5L6L?= one", 2000);
	mails[1].path = imap_testkit_mail("m2.eml", "two", 50000);
	mails[2].path = imap_testkit_mail("big.eml", "big", BIG_BYTES);
	if (!test_assert(imap_testkit_start(&tk, "dovecot", false, NULL)))
		goto out;
	for (int i = 0; i < 3; i++)
		test_assert((mails[i].uid = imap_testkit_append(&tk, "INBOX", mails[i].path,
								mails[i].date, NULL)) != 0);
	s = imap_testkit_settings(&tk, IMAP_TLS_NONE);
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL)) {
		printf("# %s\n", error);
		goto out;
	}
	up = true;
	im2 = imap_connect(&s, &error);
	test_assert(im2 != NULL);
	test_assert(imap_uidvalidity(im) != 0);
	test_assert_int(imap_uidnext(im), mails[2].uid + 1);
	test_assert(imap_has_idle(im));
	test_assert(imap_has_move(im));
out:
	test_end();
}

static void test_search(void)
{
	uint32_t *uids = NULL;
	size_t n = 99;
	const char *error = NULL;

	test_begin("imap: search_new");
	if (!test_assert(up))
		goto out;
	test_assert_int(imap_search_new(im, 0, KW, &uids, &n, &error), 0);
	if (test_assert_int(n, 3)) {
		for (int i = 0; i < 3; i++)
			test_assert_int(uids[i], mails[i].uid);
	}
	free(uids);
	test_assert_int(imap_search_new(im, mails[0].uid, KW, &uids, &n, &error), 0);
	test_assert(n == 2 && uids[0] == mails[1].uid && uids[1] == mails[2].uid);
	free(uids);
	/* UID n:* with n beyond the last UID still matches the last one */
	test_assert_int(imap_search_new(im, mails[2].uid, KW, &uids, &n, &error), 0);
	test_assert(n == 0 && uids == NULL);
	test_assert_int(imap_search_new(im, UINT32_MAX, NULL, &uids, &n, &error), 0);
	test_assert_int(n, 0);
	test_assert_int(imap_search_new(im, 0, "bad(keyword", &uids, &n, &error), -1);
	test_assert(strstr(error, "invalid IMAP keyword") != NULL);
out:
	test_end();
}

/* sha256sum's digest of path (coreutils, not the nettle imap uses), or "". */
static void sha256sum_hex(const char *path, char hex[65])
{
	char *cmd = xasprintf("sha256sum < '%s'", path);
	FILE *p = popen(cmd, "r");

	hex[0] = '\0';
	if (p != NULL) {
		if (fscanf(p, "%64[0-9a-f]", hex) != 1)
			hex[0] = '\0';
		pclose(p);
	}
	free(cmd);
}

/* The digest imap_fetch_to_fd() computed while writing out: the SHA-256
 * of the file as written (sha256sum) and of the mail appended, and the
 * one intake_digest() gets by reading the file again (what the fetch
 * stage did before). */
static void check_fetch_digest(const char *out, int i, const uint8_t sha256[IMAP_SHA256_SIZE])
{
	char hex[65], want[65], orig[65], old[65], *mid = NULL;
	const char *error = NULL;

	intake_sha256_hex(sha256, hex);
	sha256sum_hex(out, want);
	sha256sum_hex(mails[i].path, orig);
	test_assert_int(strlen(want), 64);
	test_assert_str(hex, want);
	test_assert_str(hex, orig);
	if (test_assert_int(intake_digest(out, old, &mid, &error), 0))
		test_assert_str(hex, old);
	free(mid);
}

/* intake_message_id() on the 20 MiB mail: the Message-ID, and only the
 * header's pages touched. The file is in the page cache (just written),
 * so a page touched is a minor fault; the kernel maps up to 16 pages
 * around each, so reading the whole mapping would cost 20 MiB / 64 KiB
 * = 320 faults at the very least. */
static void check_message_id_header_only(const char *out)
{
	struct rusage before, after;
	char *mid;
	long faults;

	getrusage(RUSAGE_SELF, &before);
	mid = intake_message_id(out);
	getrusage(RUSAGE_SELF, &after);
	faults = after.ru_minflt - before.ru_minflt;
	test_assert_str(mid, "<big.eml@casemail.test>");
	printf("# intake_message_id on %u MiB: %ld page faults\n", BIG_BYTES >> 20, faults);
	test_assert(faults < 32);
	free(mid);
}

static void test_fetch(void)
{
	const char *error = NULL;
	struct rusage before, after;
	uint8_t sha256[IMAP_SHA256_SIZE], zero[IMAP_SHA256_SIZE] = { 0 };
	int64_t date;
	uint64_t size;

	test_begin("imap: fetch_to_fd streams, bytes, INTERNALDATE and SHA-256 exact");
	if (!test_assert(up))
		goto out;
	for (int i = 0; i < 3; i++) {
		char *out = xasprintf("%s/fetched-%d.eml", test_tmpdir(), i);
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		getrusage(RUSAGE_SELF, &before);
		if (test_assert_int(imap_fetch_to_fd(im, mails[i].uid, fd, &date, &size,
						     sha256, &error), 0)) {
			test_assert_int(size, imap_testkit_file_size(mails[i].path));
			test_assert_int(date, mails[i].unix_time);
		} else {
			printf("# %s\n", error);
		}
		getrusage(RUSAGE_SELF, &after);
		close(fd);
		test_assert(imap_testkit_same_file(out, mails[i].path));
		check_fetch_digest(out, i, sha256);
		if (i == 2) {   /* 20 MiB went through: peak RSS grew far less (KiB) */
			printf("# peak RSS growth while fetching %u MiB: %ld KiB\n", BIG_BYTES >> 20,
			       after.ru_maxrss - before.ru_maxrss);
			test_assert(after.ru_maxrss - before.ru_maxrss < 4096);
			check_message_id_header_only(out);
		}
		free(out);
	}
	/* without a digest asked for: the same bytes */
	{
		char *out = xasprintf("%s/fetched-nodigest.eml", test_tmpdir());
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		test_assert_int(imap_fetch_to_fd(im, mails[1].uid, fd, &date, &size, NULL, &error), 0);
		close(fd);
		test_assert(imap_testkit_same_file(out, mails[1].path));
		free(out);
	}
	/* \Seen untouched (BODY.PEEK) */
	for (int i = 0; i < 3; i++) {
		char *flags = imap_testkit_flags(&tk, "INBOX", mails[i].uid);

		test_assert_str(flags, "");
		free(flags);
	}
	memset(sha256, 0xaa, sizeof(sha256));
	test_assert_int(imap_fetch_to_fd(im, 9999, 1, &date, &size, sha256, &error), -1);
	test_assert(strstr(error, "not found") != NULL);
	test_assert(memcmp(sha256, zero, sizeof(zero)) == 0);
out:
	test_end();
}

static void test_mark(void)
{
	const char *error = NULL;
	uint32_t *uids = NULL;
	size_t n = 0;
	char *flags;

	test_begin("imap: mark with keyword (and \\Seen)");
	if (!test_assert(up))
		goto out;
	test_assert_int(imap_mark(im, mails[0].uid, KW, false, &error), 0);
	test_assert_int(imap_mark(im, mails[1].uid, KW, true, &error), 0);
	test_assert_str((flags = imap_testkit_flags(&tk, "INBOX", mails[0].uid)), KW);
	free(flags);
	test_assert_str((flags = imap_testkit_flags(&tk, "INBOX", mails[1].uid)), "\\Seen " KW);
	free(flags);
	test_assert_int(imap_search_new(im, 0, KW, &uids, &n, &error), 0);
	test_assert(n == 1 && uids[0] == mails[2].uid);
	free(uids);
	test_assert_int(imap_mark(im, mails[2].uid, "two words", false, &error), -1);
	test_assert_int(imap_mark(im, 9999, KW, false, &error), 0);   /* gone: no error */
out:
	test_end();
}

static void test_move(void)
{
	const char *error = NULL;
	uint32_t *uids = NULL;
	size_t n = 0;
	char *flags;

	test_begin("imap: move (UID MOVE, folder created on TRYCREATE)");
	if (!test_assert(up))
		goto out;
	if (!test_assert_int(imap_move(im, mails[0].uid, "Done", &error), 0))
		printf("# %s\n", error);
	test_assert(imap_testkit_flags(&tk, "INBOX", mails[0].uid) == NULL);
	test_assert_int(imap_testkit_count(&tk, "Done"), 1);
	test_assert_str((flags = imap_testkit_flags(&tk, "Done", 1)), KW);
	free(flags);
	/* a refusal (NO) leaves the session usable */
	test_assert_int(imap_move(im, mails[1].uid, "Bad&Name", &error), -1);
	printf("# expected: %s\n", error);
	test_assert_int(imap_search_new(im, 0, NULL, &uids, &n, &error), 0);
	test_assert_int(n, 2);
	free(uids);
out:
	test_end();
}

static volatile int stop_flag;

static void on_alarm(int sig)
{
	stop_flag = 1;
}

static void test_idle(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *error = NULL;
	bool new_mail = false;
	struct pollfd pfd;
	double t;
	pid_t pid;
	int r;

	test_begin("imap: IDLE wakes on new mail, times out, stops on a flag");
	if (!test_assert(up))
		goto out;
	pid = append_later(1000, "idle1.eml");
	t = now();
	r = imap_idle(im, 10, &stop_flag, &error);
	test_assert_int(r, 1);
	test_assert(now() - t > 0.5 && now() - t < 5);
	test_assert(reaped_ok(pid));

	t = now();
	test_assert_int(imap_idle(im, 1, &stop_flag, &error), 0);
	test_assert(now() - t >= 0.9 && now() - t < 3);

	sigaction(SIGALRM, &sa, NULL);   /* no SA_RESTART: poll gets EINTR */
	alarm(1);
	t = now();
	test_assert_int(imap_idle(im, 20, &stop_flag, &error), 0);
	test_assert(now() - t < 3);
	stop_flag = 0;

	/* the pieces, as a poll loop over several sessions uses them */
	pid = append_later(500, "idle2.eml");
	r = imap_idle_start(im, &error);
	test_assert(r == 0 || r == 1);
	pfd = (struct pollfd){ .fd = imap_idle_fd(im), .events = POLLIN };
	test_assert(pfd.fd >= 0);
	if (r == 0)
		test_assert_int(poll(&pfd, 1, 5000), 1);
	test_assert_int(imap_idle_done(im, &new_mail, &error), 0);
	test_assert(new_mail);
	test_assert(reaped_ok(pid));
	test_assert_int(imap_idle_done(im, &new_mail, &error), -1);   /* not idling */
out:
	test_end();
}

static void test_login_errors(void)
{
	struct imap_settings s = imap_testkit_settings(&tk, IMAP_TLS_NONE);
	const char *error = NULL;
	struct imap *bad;
	unsigned silent_port;
	int silent;
	double t;

	test_begin("imap: no STARTTLS, no folder, refused port, timeout, wrong password");
	if (!test_assert(up))
		goto out;
	s = imap_testkit_settings(&tk, IMAP_TLS_STARTTLS);
	test_assert((bad = imap_connect(&s, &error)) == NULL);
	test_assert(strstr(error, "does not offer STARTTLS") != NULL);
	s = imap_testkit_settings(&tk, IMAP_TLS_NONE);
	s.folder = "Nonexistent";
	test_assert((bad = imap_connect(&s, &error)) == NULL);
	test_assert(strstr(error, "SELECT \"Nonexistent\" failed: ") != NULL);
	printf("# expected: %s\n", error);
	s = imap_testkit_settings(&tk, IMAP_TLS_NONE);
	s.port = 1;
	test_assert((bad = imap_connect(&s, &error)) == NULL);
	test_assert(strstr(error, "cannot connect") != NULL);
	/* a server that never greets: the read times out */
	silent = imap_testkit_silent_listener(&silent_port);
	s.port = silent_port;
	s.timeout_s = 1;
	t = now();
	test_assert((bad = imap_connect(&s, &error)) == NULL);
	test_assert(now() - t >= 0.9 && now() - t < 3);
	test_assert(strstr(error, "greeting: connection closed or timed out") != NULL);
	close(silent);
	/* last: Dovecot slows down logins from an address after a failure */
	s = imap_testkit_settings(&tk, IMAP_TLS_NONE);
	s.password = "wrong";
	test_assert((bad = imap_connect(&s, &error)) == NULL);
	test_assert(strstr(error, "login failed: Authentication failed") != NULL);
	printf("# expected: %s\n", error);
	imap_close(&bad);
out:
	test_end();
}

/* The child reads what the fetch writes to a pipe and kills the server
 * once 1 MiB has come through: the rest of the 20 MiB never arrives. */
static void test_server_dies(void)
{
	const char *error = NULL;
	int64_t date;
	uint64_t size = 1;
	uint32_t *uids = NULL;
	size_t n;
	int fds[2];
	pid_t pid;
	double t;

	test_begin("imap: server killed mid-FETCH: -1, session broken, no crash");
	if (!test_assert(up) || pipe(fds) < 0)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static char buf[65536];
		uint64_t got = 0;
		ssize_t r;
		bool killed = false;

		close(fds[1]);
		while ((r = read(fds[0], buf, sizeof(buf))) > 0) {
			got += (uint64_t)r;
			if (!killed && got >= (1u << 20)) {
				imap_testkit_kill(&tk);
				killed = true;
			}
		}
		_exit(killed && got < BIG_BYTES ? 0 : 1);
	}
	close(fds[0]);
	t = now();
	test_assert_int(imap_fetch_to_fd(im, mails[2].uid, fds[1], &date, &size, NULL, &error), -1);
	test_assert(now() - t < 8);
	test_assert_int(size, 0);
	test_assert(error != NULL && strstr(error, "connection lost") != NULL);
	printf("# expected: %s\n", error);
	close(fds[1]);
	test_assert(reaped_ok(pid));
	test_assert_int(imap_search_new(im, 0, KW, &uids, &n, &error), -1);
	test_assert_int(imap_idle(im, 5, NULL, &error), -1);
	test_assert_int(imap_mark(im, 1, KW, false, &error), -1);
	imap_close(&im);
	test_assert(im == NULL);
	/* the other session learns it at its next command */
	if (test_assert(im2 != NULL)) {
		test_assert_int(imap_mark(im2, 1, KW, false, &error), -1);
		test_assert(strstr(error, "connection lost: UID STORE 1: ") != NULL);
		test_assert_int(imap_idle(im2, 5, NULL, &error), -1);
		imap_close(&im2);
	}
out:
	test_end();
}

static void test_teardown(void)
{
	test_begin("imap: stop Dovecot");
	imap_close(&im);
	imap_close(&im2);
	imap_testkit_stop(&tk);
	for (int i = 0; i < 3; i++)
		free(mails[i].path);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_setup, test_search, test_fetch, test_mark, test_move, test_idle,
		test_login_errors, test_server_dies, test_teardown, NULL,
	};
	static void (*const none[])(void) = { NULL };
	const char *why = imap_testkit_unavailable();

	signal(SIGPIPE, SIG_DFL);   /* imap must cope without SIG_IGN */
	if (why != NULL) {
		printf("# SKIP imap tests: %s\n", why);
		return test_run(none);
	}
	return test_run(tests);
}
