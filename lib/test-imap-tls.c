/* Tests for imap's TLS: STARTTLS and implicit TLS against a private
 * Dovecot with a test CA (tests/testca.sh), and every way the
 * certificate check must say no. The server hides MOVE and SASL-IR, so
 * LOGIN and the COPY + STORE + UID EXPUNGE move are exercised here. */
#include "imap.h"
#include "imap-testkit.h"
#include "test.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPS "imap_capability = IMAP4rev1 LITERAL+ ID ENABLE IDLE UIDPLUS"

static struct imap_testkit tk;
static bool up;
static char *mail_path;
static uint32_t uids[2];

static void test_setup(void)
{
	test_begin("imap tls: start Dovecot with a test CA, append");
	mail_path = imap_testkit_mail("tls.eml", "tls", 300000);
	if (!test_assert(imap_testkit_start(&tk, "dovecot-tls", true, CAPS)))
		goto out;
	for (int i = 0; i < 2; i++)
		test_assert((uids[i] = imap_testkit_append(&tk, "INBOX", mail_path,
							   "28-Jul-2026 15:40:02 +0800", NULL)) != 0);
	up = uids[0] != 0 && uids[1] != 0;
out:
	test_end();
}

static void test_starttls(void)
{
	struct imap_settings s = imap_testkit_settings(&tk, IMAP_TLS_STARTTLS);
	const char *error = NULL;
	uint32_t *found = NULL;
	size_t n = 0;
	struct imap *im;

	test_begin("imap tls: STARTTLS with the CA, LOGIN, move without MOVE");
	if (!test_assert(up))
		goto out;
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL)) {
		printf("# %s\n", error);
		goto out;
	}
	test_assert(!imap_has_move(im));   /* capabilities asked again after TLS */
	test_assert(imap_has_idle(im));
	test_assert_int(imap_search_new(im, 0, "$casemail-done", &found, &n, &error), 0);
	test_assert_int(n, 2);
	free(found);
	if (!test_assert_int(imap_move(im, uids[0], "Archive", &error), 0))
		printf("# %s\n", error);
	test_assert(imap_testkit_flags(&tk, "INBOX", uids[0]) == NULL);   /* expunged */
	test_assert_int(imap_testkit_count(&tk, "INBOX"), 1);
	test_assert_int(imap_testkit_count(&tk, "Archive"), 1);
	imap_close(&im);
out:
	test_end();
}

static void test_implicit(void)
{
	struct imap_settings s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	char *out = xasprintf("%s/tls-fetched.eml", test_tmpdir());
	const char *error = NULL;
	struct imap *im;
	int64_t date;
	uint64_t size;
	int fd;

	bool new_mail = false;
	pid_t pid;

	test_begin("imap tls: implicit TLS, by address and by name (SNI), IDLE");
	if (!test_assert(up))
		goto out;
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL)) {
		printf("# %s\n", error);
		goto out;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert_int(imap_fetch_to_fd(im, uids[1], fd, &date, &size, NULL, &error), 0);
	close(fd);
	test_assert(imap_testkit_same_file(out, mail_path));
	test_assert_int(date, 1785224402);
	/* IDLE through TLS */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		usleep(500 * 1000);
		_exit(imap_testkit_append(&tk, "INBOX", mail_path, "28-Jul-2026 15:40:02 +0800",
					  NULL) != 0 ? 0 : 1);
	}
	test_assert_int(imap_idle(im, 10, NULL, &error), 1);
	test_assert(waitpid(pid, NULL, 0) == pid);
	test_assert_int(imap_idle_start(im, &error), 0);
	test_assert_int(imap_idle_done(im, &new_mail, &error), 0);
	test_assert(!new_mail);
	imap_close(&im);

	s.host = "localhost";   /* may try ::1 first: Dovecot is on 127.0.0.1 */
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL))
		printf("# %s\n", error);
	imap_close(&im);
out:
	free(out);
	test_end();
}

/* connect must fail with a message containing want. */
static void refused(const struct imap_settings *s, const char *want)
{
	const char *error = NULL;
	struct imap *im = imap_connect(s, &error);

	test_assert(im == NULL);
	if (!test_assert(error != NULL && strstr(error, want) != NULL))
		printf("# got: %s\n", error != NULL ? error : "(null)");
	else
		printf("# expected: %s\n", error);
	imap_close(&im);
}

static void test_verify_fails(void)
{
	struct imap_settings s;
	char *other_ca = NULL;

	test_begin("imap tls: unknown CA, wrong CA, wrong name, bad CA file");
	if (!test_assert(up))
		goto out;
	other_ca = xasprintf("%s/tls/other-ca.pem", tk.dir);

	s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	s.ca_file = NULL;   /* system CAs do not know the test CA */
	refused(&s, "certificate of 127.0.0.1 not accepted");
	s = imap_testkit_settings(&tk, IMAP_TLS_STARTTLS);
	s.ca_file = NULL;
	refused(&s, "issuer is unknown");
	s = imap_testkit_settings(&tk, IMAP_TLS_STARTTLS);
	s.ca_file = other_ca;
	refused(&s, "not accepted");
	s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	s.tls_name = "imap.example.org";
	refused(&s, "does not match");
	s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	s.ca_file = "/nonexistent/ca.pem";
	refused(&s, "cannot load CA file /nonexistent/ca.pem");
out:
	free(other_ca);
	test_end();
}

static void test_no_verify_and_plain(void)
{
	struct imap_settings s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	const char *error = NULL;
	struct imap *im;

	unsigned silent_port;
	int silent;
	time_t t;

	test_begin("imap tls: verify off accepts; TLS to a plain or mute port fails");
	if (!test_assert(up))
		goto out;
	s.ca_file = NULL;
	s.verify = false;
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL))
		printf("# %s\n", error);
	imap_close(&im);
	/* the plain port answers a ClientHello with a greeting (libetpan
	 * prints "GNUTLS ERROR" on stderr here) */
	s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	s.port = tk.port;
	refused(&s, "TLS handshake with 127.0.0.1 failed");
	/* a server that never answers the ClientHello: the handshake times out */
	silent = imap_testkit_silent_listener(&silent_port);
	s.port = silent_port;
	s.timeout_s = 1;
	t = time(NULL);
	refused(&s, "TLS handshake with 127.0.0.1 failed");
	test_assert(time(NULL) - t <= 3);
	close(silent);
out:
	test_end();
}

/* A graceful stop says BYE to the idling session, then closes. */
static void test_server_stops(void)
{
	struct imap_settings s = imap_testkit_settings(&tk, IMAP_TLS_IMPLICIT);
	const char *error = NULL;
	struct imap *im;
	time_t t;
	pid_t pid;

	test_begin("imap tls: server stopped during IDLE: -1 at once");
	if (!test_assert(up))
		goto out;
	im = imap_connect(&s, &error);
	if (!test_assert(im != NULL))
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *cmd = xasprintf("bash -c \". tests/dovecot.sh; dovecot_stop %s\"", tk.dir);

		usleep(300 * 1000);
		_exit(system(cmd) == 0 ? 0 : 1);
	}
	t = time(NULL);
	test_assert_int(imap_idle(im, 20, NULL, &error), -1);
	test_assert(time(NULL) - t < 6);
	if (test_assert(error != NULL && strstr(error, "connection lost") != NULL))
		printf("# expected: %s\n", error);
	test_assert(waitpid(pid, NULL, 0) == pid);
	imap_close(&im);
out:
	test_end();
}

static void test_teardown(void)
{
	test_begin("imap tls: stop Dovecot");
	imap_testkit_stop(&tk);
	free(mail_path);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_setup, test_starttls, test_implicit, test_verify_fails,
		test_no_verify_and_plain, test_server_stops, test_teardown, NULL,
	};
	static void (*const none[])(void) = { NULL };
	const char *why = imap_testkit_unavailable();

	if (why == NULL && access("/usr/bin/openssl", X_OK) != 0)
		why = "openssl (for tests/testca.sh) not installed";
	if (why != NULL) {
		printf("# SKIP imap TLS tests: %s\n", why);
		return test_run(none);
	}
	return test_run(tests);
}
