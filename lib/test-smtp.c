/* Tests for smtp and outbox against a real SMTP server: aiosmtpd, started
 * with tests/smtpsink.sh, storing into a Maildir and refusing with 4xx or
 * 5xx as its mode file says (tests/smtpsink_handler.py). TLS tests use a
 * throw-away CA from tests/testca.sh. */
#include "buf.h"
#include "fsutil.h"
#include "outbox.h"
#include "reply.h"
#include "smtp.h"
#include "test.h"
#include "xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TESTS_DIR CASEMAIL_CONFDIR "/../tests"
#define FROM "wylzzh@ecpmi.org.cn"
#define RCPT "zhangsan@example.com"
#define T0 1785224460LL

static char *sink_dir;      /* plain SMTP sink */
static unsigned sink_port;
static bool sink_ok;        /* aiosmtpd could be started */

/* Run a shell command with tests/smtpsink.sh sourced; its exit status. */
static int sink_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sink_sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int r;

	buf_printf(&cmd, "bash -c '. %s/smtpsink.sh && ", TESTS_DIR);
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, "' >/dev/null");
	r = system(cmd.data);
	buf_free(&cmd);
	return r;
}

/* Start a sink in dir with extra aiosmtpd options; its port or 0. */
static unsigned sink_start(const char *dir, const char *options)
{
	char *port_file = xasprintf("%s/port", dir), *data = NULL;
	const char *error;
	size_t len;
	unsigned port = 0;

	if (sink_sh("smtpsink_start %s 0 %s", dir, options) == 0 &&
	    fsutil_read_file(port_file, 64, &data, &len, &error) == 0)
		port = (unsigned)atoi(data);
	free(port_file);
	free(data);
	return port;
}

static void sink_mode(const char *mode)
{
	sink_sh("smtpsink_mode %s %s", sink_dir, mode);
}

/* The messages the sink stored since the last call (they are removed);
 * with one message, *msg_r gets it (malloc'd) when msg_r is not NULL. */
static int sink_take(const char *dir, char **msg_r)
{
	char *new_dir = xasprintf("%s/maildir/new", dir);
	DIR *d = opendir(new_dir);
	struct dirent *e;
	int n = 0;

	if (msg_r != NULL)
		*msg_r = NULL;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char *path, *data;
		const char *error;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", new_dir, e->d_name);
		if (++n == 1 && msg_r != NULL && fsutil_read_file(path, 1 << 20, &data, &len, &error) == 0)
			*msg_r = data;
		else if (msg_r != NULL && n == 2) {
			free(*msg_r);
			*msg_r = NULL;
		}
		unlink(path);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(new_dir);
	return n;
}

/* What aiosmtpd's Mailbox handler stores for msg: LF line ends, and
 * X-Peer / X-MailFrom / X-RcptTo appended to the header. Takes those
 * three out of stored (X-MailFrom's value to *mail_from_r) and compares. */
static bool sink_same(const char *stored, const char *msg, size_t len, char **mail_from_r)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	bool in_header = true, same;

	*mail_from_r = NULL;
	for (size_t i = 0; i < len; i++) {
		if (msg[i] != '\r' || i + 1 >= len || msg[i + 1] != '\n')
			buf_putc(&want, msg[i]);
	}
	if (want.len > 0 && want.data[want.len - 1] != '\n')
		buf_putc(&want, '\n');  /* SMTP ends the last line */
	for (const char *s = stored; *s != '\0'; ) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) + 1 : strlen(s);

		if (in_header && n == 1)
			in_header = false;
		if (in_header && strncmp(s, "X-MailFrom: ", 12) == 0)
			*mail_from_r = xstrndup(s + 12, n - 13);
		else if (!in_header || (strncmp(s, "X-Peer: ", 8) != 0 &&
					strncmp(s, "X-RcptTo: ", 10) != 0))
			buf_append(&got, s, n);
		s += n;
	}
	same = test_assert_str(buf_cstr(&got), buf_cstr(&want));
	buf_free(&want);
	buf_free(&got);
	return same;
}

static void test_reply_message(struct buf *out, const char *receipt)
{
	const struct reply_params p = {
		.from_addr = FROM, .from_name = "好服务案例征集",
		.to_addr = RCPT, .to_name = "张三",
		.orig_subject = "好服务案例申报：阳光花园+暖心服务（共3个案例，含视频）",
		.orig_message_id = "<tencent_ABC123@qq.com>",
		.receipt = receipt, .verdict = "rejected",
		.body = "您好！\n\n请修改后重发。\n.\n..\n中国物业管理协会\n",
		.date = T0, .tz_offset = 28800, .domain = "ecpmi.org.cn",
	};
	const char *error;

	buf_truncate(out, 0);
	test_assert(reply_build(&p, out, &error) == 0);
}

static struct smtp_settings test_smtp_settings(unsigned port)
{
	const struct smtp_settings s = {
		.host = "127.0.0.1", .port = port, .helo = "casemail.test", .timeout_s = 5,
	};
	return s;
}

static void test_sink_start(void)
{
	test_begin("smtp sink (aiosmtpd) starts");
	sink_dir = xasprintf("%s/sink", test_tmpdir());
	sink_port = sink_start(sink_dir, "");
	sink_ok = test_assert(sink_port != 0);
	test_end();
}

static void test_smtp_delivery(void)
{
	struct smtp_settings s = test_smtp_settings(sink_port);
	static const char raw[] = "Subject: dots\r\n\r\n.leading dot\r\n..two\r\nbare LF\nlast, no CRLF";
	struct buf msg = BUF_INIT;
	char error[512], *stored = NULL, *mail_from = NULL;

	test_begin("smtp: a reply arrives byte for byte, envelope sender as given");
	if (!sink_ok)
		goto out;
	test_reply_message(&msg, "HFW2026-000045");
	test_assert_int(smtp_send(&s, FROM, RCPT, msg.data, msg.len, error, sizeof(error)), SMTP_SENT);
	test_assert_str(error, "");
	test_assert_int(sink_take(sink_dir, &stored), 1);
	if (stored != NULL) {
		sink_same(stored, msg.data, msg.len, &mail_from);
		test_assert_str(mail_from, FROM);
	}
	free(stored);
	free(mail_from);

	/* the null reverse-path; dot-stuffing; bare LF; no final CRLF */
	test_assert_int(smtp_send(&s, "", RCPT, raw, strlen(raw), error, sizeof(error)), SMTP_SENT);
	test_assert_int(sink_take(sink_dir, &stored), 1);
	if (stored != NULL) {
		sink_same(stored, raw, strlen(raw), &mail_from);
		test_assert_str(mail_from, "<>");
	}
	/* addresses that cannot go on the wire are refused before connecting */
	test_assert_int(smtp_send(&s, FROM, "a b@c.d", raw, 3, error, sizeof(error)), SMTP_PERMFAIL);
	test_assert_int(smtp_send(&s, "x>\r\nRCPT TO:<y@z", RCPT, raw, 3, error, sizeof(error)),
			SMTP_PERMFAIL);
	test_assert_int(sink_take(sink_dir, NULL), 0);
out:
	free(stored);
	free(mail_from);
	buf_free(&msg);
	test_end();
}

static void test_smtp_codes(void)
{
	static const struct { const char *mode; enum smtp_result want; const char *error; } cases[] = {
		{ "tempfail", SMTP_TEMPFAIL, "RCPT TO: 451 4.3.0 <" RCPT ">: mailbox busy, try again later" },
		{ "permfail", SMTP_PERMFAIL, "RCPT TO: 550 5.1.1 <" RCPT ">: no such user here" },
		{ "tempfail-data", SMTP_TEMPFAIL, "end of DATA: 451 4.3.0 queue full, try again later" },
		{ "permfail-data", SMTP_PERMFAIL, "end of DATA: 554 5.7.1 message refused by policy" },
	};
	struct smtp_settings s = test_smtp_settings(sink_port);
	char error[512];
	bool unreachable;

	test_begin("smtp: 4xx is TEMPFAIL, 5xx PERMFAIL, with the server's text");
	for (size_t i = 0; sink_ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_mode(cases[i].mode);
		test_assert_int(smtp_send_full(&s, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 17, error,
					       sizeof(error), &unreachable), cases[i].want);
		test_assert_str(error, cases[i].error);
		test_assert(!unreachable);
	}
	sink_mode("ok");
	test_assert_int(sink_take(sink_dir, NULL), 0);
	test_end();
}

static void test_smtp_unreachable(void)
{
	struct smtp_settings s = test_smtp_settings(0);
	char *dir = xasprintf("%s/gone", test_tmpdir()), error[512], want[128];
	bool unreachable = false;

	test_begin("smtp: connection refused and an unknown host are TEMPFAIL");
	s.port = sink_start(dir, "");
	sink_sh("smtpsink_stop %s", dir);
	test_assert(s.port != 0);
	test_assert_int(smtp_send_full(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error),
				       &unreachable), SMTP_TEMPFAIL);
	snprintf(want, sizeof(want), "connect 127.0.0.1:%u: Connection refused", s.port);
	test_assert_str(error, want);
	test_assert(unreachable);
	s.host = "no-such-host.invalid";
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_TEMPFAIL);
	test_assert(strncmp(error, "connect no-such-host.invalid:", 29) == 0);
	free(dir);
	test_end();
}

static void test_smtp_tls(void)
{
	char *ca = xasprintf("%s/ca", test_tmpdir()), *dir2 = xasprintf("%s/starttls", test_tmpdir());
	char *dir3 = xasprintf("%s/smtps", test_tmpdir()), *opt = NULL, *ca_pem = NULL, *other = NULL;
	char *auth = NULL, error[512];
	struct smtp_settings s;
	bool unreachable;
	unsigned port2 = 0, port3 = 0;
	int fd;

	test_begin("smtp: STARTTLS and implicit TLS, certificate checks, AUTH");
	if (!test_assert(sink_sh("bash %s/testca.sh %s", TESTS_DIR, ca) == 0))
		goto out;
	ca_pem = xasprintf("%s/ca.pem", ca);
	other = xasprintf("%s/other-ca.pem", ca);
	opt = xasprintf("--tlscert %s/server.pem --tlskey %s/server.key", ca, ca);
	port2 = sink_start(dir2, opt);
	free(opt);
	opt = xasprintf("--smtpscert %s/server.pem --smtpskey %s/server.key", ca, ca);
	port3 = sink_start(dir3, opt);
	if (!test_assert(port2 != 0 && port3 != 0))
		goto out;

	s = test_smtp_settings(port2);
	s.tls = SMTP_TLS_STARTTLS;
	s.verify = true;
	s.ca_file = ca_pem;
	s.host = "localhost";
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_SENT);
	s.host = "127.0.0.1";  /* the certificate names the IP address too */
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_SENT);
	test_assert_int(sink_take(dir2, NULL), 2);
	s.ca_file = other;
	test_assert_int(smtp_send_full(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error),
				       &unreachable), SMTP_TEMPFAIL);
	test_assert(strncmp(error, "TLS: certificate of 127.0.0.1 not trusted", 41) == 0);
	test_assert(unreachable);
	s.verify = false;
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_SENT);
	/* the server wants TLS first: 530 to MAIL is the server's state */
	s.tls = SMTP_TLS_NONE;
	test_assert_int(smtp_send_full(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error),
				       &unreachable), SMTP_TEMPFAIL);
	test_assert_str(error, "MAIL FROM: 530 Must issue a STARTTLS command first");
	test_assert(unreachable);

	/* AUTH PLAIN through libetpan's SASL */
	auth = xasprintf("%s/auth", dir2);
	fd = open(auth, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(fd >= 0 && write(fd, "casemail:s3cret\n", 16) == 16);
	if (fd >= 0)
		close(fd);
	s.tls = SMTP_TLS_STARTTLS;
	s.verify = true;
	s.ca_file = ca_pem;
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_TEMPFAIL);
	test_assert_str(error, "MAIL FROM: 530 5.7.0 Authentication required");
	s.user = "casemail";
	s.password = "wrong";
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_TEMPFAIL);
	test_assert_str(error, "AUTH: 535 5.7.8 Authentication credentials invalid");
	s.password = "s3cret";
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_SENT);
	test_assert_int(sink_take(dir2, NULL), 2);

	/* implicit TLS; and a plain client there waits for a greeting in vain */
	s = test_smtp_settings(port3);
	s.tls = SMTP_TLS_IMPLICIT;
	s.verify = true;
	s.ca_file = ca_pem;
	s.host = "localhost";
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_SENT);
	test_assert_int(sink_take(dir3, NULL), 1);
	s.tls = SMTP_TLS_NONE;
	s.timeout_s = 1;
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_TEMPFAIL);
	test_assert_str(error, "greeting: connection lost or timed out");
	/* STARTTLS required but not offered */
	s = test_smtp_settings(sink_port);
	s.tls = SMTP_TLS_STARTTLS;
	test_assert_int(smtp_send(&s, FROM, RCPT, "x\r\n", 3, error, sizeof(error)), SMTP_TEMPFAIL);
	test_assert_str(error, "STARTTLS: not offered by 127.0.0.1");
out:
	sink_sh("smtpsink_stop %s; smtpsink_stop %s", dir2, dir3);
	free(ca);
	free(ca_pem);
	free(other);
	free(dir2);
	free(dir3);
	free(opt);
	free(auth);
	test_end();
}

/* ---- outbox -------------------------------------------------------------- */

struct test_find {
	const char *id;
	bool found;
	enum outbox_state state;
	unsigned attempts;
	int64_t first_queued, next_attempt, done;
	char error[512];
	struct buf order;    /* "id:state " for every entry */
};

static int test_find_cb(void *ctx, const struct outbox_entry *e)
{
	struct test_find *f = ctx;

	buf_printf(&f->order, "%s:%s ", e->id, outbox_state_name(e->state));
	if (f->id == NULL || strcmp(e->id, f->id) != 0)
		return 0;
	f->found = true;
	f->state = e->state;
	f->attempts = e->attempts;
	f->first_queued = e->first_queued;
	f->next_attempt = e->next_attempt;
	f->done = e->done;
	snprintf(f->error, sizeof(f->error), "%s", e->last_error);
	return 0;
}

/* Look id up with outbox_list(); f->order is freed by the caller. */
static bool test_find(const char *dir, const char *id, struct test_find *f)
{
	const char *error;

	buf_free(&f->order);
	memset(f, 0, sizeof(*f));
	f->id = id;
	test_assert(outbox_list(dir, test_find_cb, f, &error) == 0);
	return f->found;
}

static bool test_exists(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

static void test_outbox_retry(void)
{
	char *dir = xasprintf("%s/outbox-retry", test_tmpdir()), *stored = NULL, *mail_from = NULL;
	struct smtp_settings s = test_smtp_settings(sink_port);
	struct test_find f = { 0 };
	struct outbox_stats st;
	struct buf msg = BUF_INIT;
	const char *error;

	test_begin("outbox: TEMPFAIL waits with backoff, then exactly one delivery");
	if (!sink_ok)
		goto out;
	test_reply_message(&msg, "HFW2026-000101");
	test_assert(outbox_queue(dir, "HFW2026-000101", RCPT, FROM, msg.data, msg.len, T0, &error) == 0);
	sink_mode("tempfail");
	test_assert(outbox_run(dir, NULL, &s, T0, &st, &error) == 0);
	test_assert(st.deferred == 1 && st.sent == 0 && st.failed == 0);
	test_assert(test_find(dir, "HFW2026-000101", &f) && f.state == OUTBOX_QUEUED);
	test_assert_int(f.attempts, 1);
	test_assert(f.next_attempt >= T0 + 270 && f.next_attempt <= T0 + 330);
	test_assert_str(f.error, "RCPT TO: 451 4.3.0 <" RCPT ">: mailbox busy, try again later");

	sink_mode("ok");
	test_assert(outbox_run(dir, NULL, &s, T0 + 60, &st, &error) == 0);  /* not due yet */
	test_assert(st.waiting == 1 && st.sent == 0 && st.deferred == 0);
	test_assert_int(sink_take(sink_dir, NULL), 0);

	test_assert(outbox_run(dir, NULL, &s, T0 + 400, &st, &error) == 0);
	test_assert(st.sent == 1 && st.waiting == 0);
	test_assert_int(sink_take(sink_dir, &stored), 1);
	if (stored != NULL)
		sink_same(stored, msg.data, msg.len, &mail_from);
	test_assert(test_find(dir, "HFW2026-000101", &f) && f.state == OUTBOX_SENT);
	test_assert(f.attempts == 2 && f.done == T0 + 400 && f.first_queued == T0);
	test_assert_str(f.error, "");
	test_assert(test_exists(dir, "sent/HFW2026-000101.eml") &&
		    test_exists(dir, "sent/HFW2026-000101.meta") &&
		    !test_exists(dir, "HFW2026-000101.eml") && !test_exists(dir, "HFW2026-000101.meta"));

	/* nothing more: a second run, and queuing the same receipt again */
	test_assert(outbox_run(dir, NULL, &s, T0 + 500, &st, &error) == 0);
	test_assert(st.sent == 0 && st.waiting == 0 && st.deferred == 0);
	test_assert(outbox_queue(dir, "HFW2026-000101", RCPT, FROM, "x\r\n", 3, T0 + 600, &error) == 0);
	test_assert(!test_exists(dir, "HFW2026-000101.meta"));
	test_assert(outbox_run(dir, NULL, &s, T0 + 700, &st, &error) == 0 && st.sent == 0);
	test_assert_int(sink_take(sink_dir, NULL), 0);
out:
	buf_free(&f.order);
	buf_free(&msg);
	free(stored);
	free(mail_from);
	free(dir);
	test_end();
}

static void test_outbox_fail(void)
{
	char *dir = xasprintf("%s/outbox-fail", test_tmpdir());
	struct smtp_settings s = test_smtp_settings(sink_port);
	struct test_find f = { 0 };
	struct outbox_stats st;
	const char *error;

	test_begin("outbox: PERMFAIL and max_age go to failed/, queuing twice is one message");
	if (!sink_ok)
		goto out;
	test_assert(outbox_queue(dir, "HFW2026-000201", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_queue(dir, "HFW2026-000201", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	sink_mode("permfail");
	test_assert(outbox_run(dir, NULL, &s, T0, &st, &error) == 0 && st.failed == 1 && st.sent == 0);
	test_assert(test_find(dir, "HFW2026-000201", &f) && f.state == OUTBOX_FAILED);
	test_assert_str(f.error, "RCPT TO: 550 5.1.1 <" RCPT ">: no such user here");
	test_assert(test_exists(dir, "failed/HFW2026-000201.eml"));
	test_assert(outbox_queue(dir, "HFW2026-000201", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_run(dir, NULL, &s, T0 + 1, &st, &error) == 0 && st.failed == 0 && st.waiting == 0);

	sink_mode("tempfail");
	test_assert(outbox_queue(dir, "HFW2026-000202", RCPT, "", "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_run(dir, NULL, &s, T0, &st, &error) == 0 && st.deferred == 1);
	test_assert(outbox_run(dir, NULL, &s, T0 + 5 * 86400, &st, &error) == 0 && st.failed == 1);
	test_assert(test_find(dir, "HFW2026-000202", &f) && f.state == OUTBOX_FAILED);
	test_assert_str(f.error, "gave up after 2 attempts: RCPT TO: 451 4.3.0 <" RCPT
			">: mailbox busy, try again later");
	test_assert_str(buf_cstr(&f.order), "HFW2026-000201:failed HFW2026-000202:failed ");
	sink_mode("ok");
	test_assert_int(sink_take(sink_dir, NULL), 0);
out:
	buf_free(&f.order);
	free(dir);
	test_end();
}

static void test_outbox_unreachable(void)
{
	char *dir = xasprintf("%s/outbox-down", test_tmpdir());
	char *gone = xasprintf("%s/gone/port", test_tmpdir());
	struct smtp_settings s = test_smtp_settings(0);
	struct test_find f = { 0 };
	struct outbox_stats st;
	const char *error;
	char *port = NULL;
	size_t len;

	test_begin("outbox: server down defers one message and leaves the rest for later");
	if (!sink_ok || !test_assert(fsutil_read_file(gone, 64, &port, &len, &error) == 0))
		goto out;
	s.port = (unsigned)atoi(port);  /* the stopped sink of test_smtp_unreachable */
	for (int i = 1; i <= 3; i++) {
		char id[32];
		snprintf(id, sizeof(id), "HFW2026-00030%d", i);
		test_assert(outbox_queue(dir, id, RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	}
	test_assert(outbox_run(dir, NULL, &s, T0, &st, &error) == 0);
	test_assert(st.deferred == 1 && st.waiting == 2 && st.sent == 0);
	test_assert(test_find(dir, "HFW2026-000301", &f) && f.attempts == 1);
	test_assert(strstr(f.error, "Connection refused") != NULL);
	test_assert(test_find(dir, "HFW2026-000302", &f) && f.attempts == 0);
	s.port = sink_port;
	test_assert(outbox_run(dir, NULL, &s, T0 + 1, &st, &error) == 0);
	test_assert(st.sent == 2 && st.waiting == 1);
	test_assert_int(sink_take(sink_dir, NULL), 2);
out:
	buf_free(&f.order);
	free(port);
	free(gone);
	free(dir);
	test_end();
}

/* A deliverer that fails temporarily and counts its calls. */
static enum smtp_result test_deliver_tempfail(void *ctx, const struct outbox_msg *m,
					      char *error, size_t size, bool *stop_r)
{
	(*(unsigned *)ctx)++;
	snprintf(error, size, "try %u", m->attempts + 1);
	return SMTP_TEMPFAIL;
}

static void test_outbox_backoff(void)
{
	static const int64_t delays[] = { 300, 600, 1200, 2400, 4800, 9600, 14400, 14400 };
	const struct outbox_settings set = { .max_age = 30 * 86400 };
	char *dir = xasprintf("%s/outbox-backoff", test_tmpdir());
	struct test_find f = { 0 };
	struct outbox_stats st;
	const char *error;
	unsigned calls = 0;
	int64_t now = T0;

	test_begin("outbox: backoff 5, 10, 20 … min capped at 4 h, jitter within 10 %");
	test_assert(outbox_queue(dir, "HFW2026-000501", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls, now, &st,
					   &error) == 0);
		test_assert(test_find(dir, "HFW2026-000501", &f));
		int64_t d = f.next_attempt - now;
		if (!test_assert(d >= delays[i] * 9 / 10 && d <= delays[i] * 11 / 10))
			printf("# attempt %zu: delay %lld\n", i + 1, (long long)d);
		/* one second early: still waiting */
		test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls,
					   f.next_attempt - 1, &st, &error) == 0 && st.waiting == 1);
		now = f.next_attempt;
	}
	test_assert_int(calls, 8);
	test_assert_int(f.attempts, 8);
	test_assert_str(f.error, "try 8");
	buf_free(&f.order);
	free(dir);
	test_end();
}

static void test_outbox_clock_back(void)
{
	const struct outbox_settings set = { .max_age = 30 * 86400 };
	char *dir = xasprintf("%s/outbox-clock", test_tmpdir());
	struct test_find f = { 0 };
	struct outbox_stats st;
	const char *error;
	unsigned calls = 0;

	test_begin("outbox: a clock set back a day does not hold a retry for a day");
	test_assert(outbox_queue(dir, "HFW2026-000601", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls, T0, &st, &error) == 0);
	test_assert(test_find(dir, "HFW2026-000601", &f));
	test_assert_int(calls, 1);
	/* an hour back: the retry is 65 min away, within what a backoff can
	   be (4 h): it waits, bounded by the jump */
	test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls, T0 - 3600, &st,
				   &error) == 0 && st.waiting == 1);
	test_assert_int(calls, 1);
	/* a day back: the retry is further away than any backoff, so the clock
	   moved: due now */
	test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls, T0 - 86400, &st,
				   &error) == 0);
	test_assert_int(calls, 2);
	/* the new retry is measured from the new clock: not due a second later */
	test_assert(outbox_process(dir, &set, test_deliver_tempfail, &calls, T0 - 86399, &st,
				   &error) == 0 && st.waiting == 1);
	test_assert_int(calls, 2);
	buf_free(&f.order);
	free(dir);
	test_end();
}

static void test_outbox_recovery(void)
{
	char *dir = xasprintf("%s/outbox-crash", test_tmpdir()), *from = NULL, *to = NULL;
	char *lock = xasprintf("%s/.lock", dir), *old_tmp = NULL, *new_tmp = NULL;
	struct outbox_stats st;
	const char *error;
	unsigned calls = 0;
	int fd;

	test_begin("outbox: crash between the renames, lock, stale temp files, bad ids");
	test_assert(outbox_queue(dir, "HFW2026-000401", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	/* a crash right after the .meta went to sent/ */
	from = xasprintf("%s/HFW2026-000401.meta", dir);
	to = xasprintf("%s/sent/HFW2026-000401.meta", dir);
	test_assert(rename(from, to) == 0);
	test_assert(outbox_queue(dir, "HFW2026-000401", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(!test_exists(dir, "HFW2026-000401.meta"));
	/* temp files: an old one goes, a fresh one (a queue being written) stays */
	old_tmp = xasprintf("%s/tmp/.old.eml.1.tmp", dir);
	new_tmp = xasprintf("%s/tmp/.new.eml.1.tmp", dir);
	test_assert(close(open(old_tmp, O_WRONLY | O_CREAT, 0600)) == 0);
	test_assert(close(open(new_tmp, O_WRONLY | O_CREAT, 0600)) == 0);
	const struct timespec two_days_ago[2] = { { time(NULL) - 2 * 86400, 0 },
						  { time(NULL) - 2 * 86400, 0 } };
	test_assert(utimensat(AT_FDCWD, old_tmp, two_days_ago, 0) == 0);
	/* the queue is locked by another runner: nothing happens */
	fd = open(lock, O_RDWR | O_CREAT, 0600);
	test_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
	test_assert_int(outbox_process(dir, NULL, test_deliver_tempfail, &calls, T0, &st, &error), 1);
	test_assert(test_exists(dir, "HFW2026-000401.eml"));
	close(fd);

	test_assert(outbox_process(dir, NULL, test_deliver_tempfail, &calls, time(NULL), &st,
				   &error) == 0);
	test_assert(calls == 0 && st.sent == 0 && st.waiting == 0);
	test_assert(test_exists(dir, "sent/HFW2026-000401.eml") &&
		    !test_exists(dir, "HFW2026-000401.eml"));
	test_assert(!test_exists(dir, "tmp/.old.eml.1.tmp") && test_exists(dir, "tmp/.new.eml.1.tmp"));

	/* ids name files; addresses go on the wire */
	static const char *const bad_ids[] = { "", "../x", ".hidden", "a/b", "a b", "x\n" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		test_assert(outbox_queue(dir, bad_ids[i], RCPT, FROM, "x", 1, T0, &error) == -1);
	test_assert(outbox_queue(dir, "R1", "a\r\nb@c", FROM, "x", 1, T0, &error) == -1);
	test_assert(outbox_queue(dir, "R1", RCPT, "<>", "x", 1, T0, &error) == -1);
	test_assert(outbox_queue(dir, "R1", "", FROM, "x", 1, T0, &error) == -1);
	test_assert(!test_exists(dir, "R1.meta"));
	free(from);
	free(to);
	free(lock);
	free(old_tmp);
	free(new_tmp);
	free(dir);
	test_end();
}

static void test_outbox_to_dir(void)
{
	char *dir = xasprintf("%s/outbox-demo", test_tmpdir());
	char *target = xasprintf("%s/replies", test_tmpdir()), *bad = NULL, *path = NULL, *data = NULL;
	struct test_find f = { 0 };
	struct outbox_stats st;
	struct buf msg = BUF_INIT;
	const char *error;
	size_t len;
	int n = 0;

	test_begin("outbox: delivery into a directory (outbox = DIR), exactly once");
	test_reply_message(&msg, "HFW2026-000601");
	test_assert(outbox_queue(dir, "HFW2026-000601", RCPT, FROM, msg.data, msg.len, T0, &error) == 0);
	test_assert(outbox_queue(dir, "HFW2026-000602", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_run_to_dir(dir, NULL, target, T0, &st, &error) == 0 && st.sent == 2);
	path = xasprintf("%s/HFW2026-000601.eml", target);
	test_assert(fsutil_read_file(path, 1 << 20, &data, &len, &error) == 0 &&
		    len == msg.len && memcmp(data, msg.data, len) == 0);
	DIR *d = opendir(target);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL; )
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	test_assert_int(n, 2);
	test_assert(outbox_run_to_dir(dir, NULL, target, T0 + 1, &st, &error) == 0 && st.sent == 0);

	/* the target cannot be written: a temporary failure */
	bad = xasprintf("%s/HFW2026-000601.eml/sub", target);
	test_assert(outbox_queue(dir, "HFW2026-000603", RCPT, FROM, "x\r\n", 3, T0, &error) == 0);
	test_assert(outbox_run_to_dir(dir, NULL, bad, T0, &st, &error) == 0 && st.deferred == 1);
	test_assert(test_find(dir, "HFW2026-000603", &f) && f.state == OUTBOX_QUEUED);
	test_assert(f.error[0] != '\0');
	test_assert_str(buf_cstr(&f.order),
			"HFW2026-000603:queued HFW2026-000601:sent HFW2026-000602:sent ");
	buf_free(&f.order);
	buf_free(&msg);
	free(data);
	free(path);
	free(bad);
	free(target);
	free(dir);
	test_end();
}

static void test_sink_stop(void)
{
	test_begin("smtp sink stops");
	test_assert(!sink_ok || sink_sh("smtpsink_stop %s", sink_dir) == 0);
	free(sink_dir);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sink_start,
		test_smtp_delivery,
		test_smtp_codes,
		test_smtp_unreachable,
		test_smtp_tls,
		test_outbox_retry,
		test_outbox_fail,
		test_outbox_unreachable,
		test_outbox_backoff,
		test_outbox_clock_back,
		test_outbox_recovery,
		test_outbox_to_dir,
		test_sink_stop,
		NULL,
	};
	return test_run(tests);
}
