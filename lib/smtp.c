/* smtp: one message to one recipient over SMTP (see smtp.h).
 *
 * libetpan's mailsmtp does the protocol; casemail adds what it lacks:
 *  - the TCP connection is made here (getaddrinfo, every address, a
 *    connect timeout) because mailsmtp_socket_connect() opens the stream
 *    without the session timeout: the greeting would wait for
 *    libetpan's global 300 s instead of timeout_s;
 *  - certificate checking: libetpan's GnuTLS backend completes the
 *    handshake whatever the certificate, so the chain it received is
 *    verified here with GnuTLS against ca_file or the system store,
 *    including the host name, before anything is sent;
 *  - EHLO with a chosen name: mailesmtp_ehlo() always says gethostname();
 *  - results from the reply code itself (session->response_code), not
 *    from libetpan's error enum, which folds 4xx and 5xx together
 *    (450 and 550 to RCPT are both MAILSMTP_ERROR_MAILBOX_UNAVAILABLE);
 *  - mailsmtp_data_message() always writes CRLF before the final ".",
 *    so one trailing CRLF of the message is held back;
 *  - AUTH names its mechanism (PLAIN, else LOGIN): mailsmtp_auth() would
 *    pick DIGEST-MD5 or CRAM-MD5 first. Either way it goes through Cyrus
 *    SASL, so the PLAIN/LOGIN plugins (libsasl2-modules) must be there. */
#include "smtp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

/* Exported by libetpan 1.9 but missing from its headers. */
int mailsmtp_send_command(mailsmtp *session, char *command);
int mailsmtp_read_response(mailsmtp *session);
int mailesmtp_parse_ehlo(mailsmtp *session);

#define SMTP_TIMEOUT_DEFAULT 60
#define SMTP_ADDR_MAX 254        /* RFC 5321 path limit; libetpan's line buffer is 513 */

struct smtp_session {
	const struct smtp_settings *set;
	mailsmtp *smtp;
	unsigned timeout;
	bool unreachable;        /* the failure concerns the server, not the message */
	char *error;
	size_t error_size;
};

const char *smtp_result_name(enum smtp_result r)
{
	switch (r) {
	case SMTP_SENT: return "sent";
	case SMTP_TEMPFAIL: return "tempfail";
	case SMTP_PERMFAIL: return "permfail";
	}
	return "?";
}

/* Something that can go into "MAIL FROM:<...>" / "RCPT TO:<...>" / EHLO. */
static bool smtp_token_ok(const char *s, bool empty_ok)
{
	size_t len = strlen(s);

	if ((len == 0 && !empty_ok) || len > SMTP_ADDR_MAX)
		return false;
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s >= 0x7f || *s == '<' || *s == '>')
			return false;
	}
	return true;
}

/* A failure after a libetpan call: the reply code decides (0 = no reply:
 * connection lost, timeout, or a local error in r). Before the
 * transaction, and for 421 (closing) and 530 (authentication required,
 * RFC 4954) anywhere, it is the server's state, not the message's. */
static enum smtp_result smtp_fail(struct smtp_session *ss, const char *stage, int r,
				  bool transaction)
{
	int code = ss->smtp->response_code;

	ss->unreachable = !transaction || code == 421 || code == 530;
	if (code < 400 || code > 599) {
		snprintf(ss->error, ss->error_size, "%s: %s", stage,
			 r == MAILSMTP_ERROR_STREAM ? "connection lost or timed out"
						    : mailsmtp_strerror(r));
		return SMTP_TEMPFAIL;
	}
	/* the server's text, its lines joined, without the final newline */
	char text[512];
	snprintf(text, sizeof(text), "%s", ss->smtp->response != NULL ? ss->smtp->response : "");
	for (char *p = text; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			*p = p[1] == '\0' ? '\0' : ' ';
	}
	snprintf(ss->error, ss->error_size, "%s: %d %s", stage, code, text);
	return code >= 500 && !ss->unreachable ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

/* Connected socket to host:port or -1 with the error set. */
static int smtp_tcp_connect(struct smtp_session *ss, unsigned port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char service[16];
	int fd = -1, err = 0, gai;

	snprintf(service, sizeof(service), "%u", port);
	gai = getaddrinfo(ss->set->host, service, &hints, &ai);
	if (gai != 0) {
		snprintf(ss->error, ss->error_size, "connect %s:%u: %s", ss->set->host, port,
			 gai_strerror(gai));
		return -1;
	}
	for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof(err);

		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			int n = poll(&pfd, 1, (int)ss->timeout * 1000);
			if (n == 0)
				err = ETIMEDOUT;
			else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
		if (err == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
			err = errno;
		if (err != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		snprintf(ss->error, ss->error_size, "connect %s:%u: %s", ss->set->host, port,
			 strerror(err != 0 ? err : EHOSTUNREACH));
	return fd;
}

static void smtp_tls_sni(struct mailstream_ssl_context *ctx, void *host)
{
	mailstream_ssl_set_server_name(ctx, host);
}

/* Verify the peer's chain against ca_file (or the system store) and the
 * host name. 0, or -1 with the error set. */
static int smtp_tls_verify(struct smtp_session *ss, mailstream *stream)
{
	gnutls_x509_crt_t crts[16];
	gnutls_x509_trust_list_t list = NULL;
	unsigned ncrts = 0, status = 0;
	carray *chain = mailstream_get_certificate_chain(stream);
	int ret = -1, r;

	if (chain == NULL || carray_count(chain) == 0) {
		snprintf(ss->error, ss->error_size, "TLS: the server sent no certificate");
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && ncrts < 16; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&crts[ncrts]) < 0)
			goto out;
		if (gnutls_x509_crt_import(crts[ncrts++], &d, GNUTLS_X509_FMT_DER) < 0) {
			snprintf(ss->error, ss->error_size, "TLS: bad certificate from the server");
			goto out;
		}
	}
	if (gnutls_x509_trust_list_init(&list, 0) < 0)
		goto out;
	r = ss->set->ca_file != NULL
		? gnutls_x509_trust_list_add_trust_file(list, ss->set->ca_file, NULL,
							GNUTLS_X509_FMT_PEM, 0, 0)
		: gnutls_x509_trust_list_add_system_trust(list, 0, 0);
	if (r <= 0) {
		snprintf(ss->error, ss->error_size, "TLS: no trusted CA certificates in %s",
			 ss->set->ca_file != NULL ? ss->set->ca_file : "the system store");
		goto out;
	}
	gnutls_typed_vdata_st vdata[] = {
		{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)ss->set->host, 0 },
		{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
	};
	r = gnutls_x509_trust_list_verify_crt2(list, crts, ncrts, vdata, 2, 0, &status, NULL);
	if (r < 0 || status != 0) {
		gnutls_datum_t why = { NULL, 0 };
		if (r >= 0)
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
								     &why, 0);
		snprintf(ss->error, ss->error_size, "TLS: certificate of %s not trusted: %s",
			 ss->set->host, why.data != NULL ? (char *)why.data : gnutls_strerror(r));
		gnutls_free(why.data);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && ss->error[0] == '\0')
		snprintf(ss->error, ss->error_size, "TLS: cannot check the certificate");
	if (list != NULL)
		gnutls_x509_trust_list_deinit(list, 1);
	for (unsigned i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return ret;
}

/* EHLO (HELO if the server refuses it) with our own name. 250 or the
 * failing reply code (0: no reply). */
static int smtp_ehlo(struct smtp_session *ss)
{
	char name[256], cmd[300];
	int code;

	if (ss->set->helo != NULL)
		snprintf(name, sizeof(name), "%s", ss->set->helo);
	else if (gethostname(name, sizeof(name)) < 0 || !smtp_token_ok(name, false))
		snprintf(name, sizeof(name), "localhost");
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", name);
	if (mailsmtp_send_command(ss->smtp, cmd) < 0)
		return 0;
	code = mailsmtp_read_response(ss->smtp);
	if (code == 250) {
		mailesmtp_parse_ehlo(ss->smtp);
		return code;
	}
	if (code < 500 || code > 599)
		return code;
	snprintf(cmd, sizeof(cmd), "HELO %s\r\n", name);
	if (mailsmtp_send_command(ss->smtp, cmd) < 0)
		return 0;
	return mailsmtp_read_response(ss->smtp);
}

static bool smtp_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "::1") == 0;
}

/* Connect, greeting, EHLO, STARTTLS, AUTH. SMTP_SENT means "ready for
 * MAIL FROM"; any failure is a TEMPFAIL. */
static enum smtp_result smtp_open(struct smtp_session *ss)
{
	const struct smtp_settings *s = ss->set;
	unsigned port = s->port != 0 ? s->port
			: s->tls == SMTP_TLS_IMPLICIT ? 465 : s->tls == SMTP_TLS_STARTTLS ? 587 : 25;
	mailstream *stream;
	int fd, r, code;

	fd = smtp_tcp_connect(ss, port);
	if (fd < 0)
		return SMTP_TEMPFAIL;
	if (s->tls == SMTP_TLS_IMPLICIT)
		stream = mailstream_ssl_open_with_callback_timeout(fd, ss->timeout, smtp_tls_sni,
								   (void *)s->host);
	else
		stream = mailstream_socket_open_timeout(fd, ss->timeout);
	if (stream == NULL) {
		close(fd);
		snprintf(ss->error, ss->error_size, "%s %s:%u failed",
			 s->tls == SMTP_TLS_IMPLICIT ? "TLS handshake with" : "stream to", s->host, port);
		return SMTP_TEMPFAIL;
	}
	if (s->tls == SMTP_TLS_IMPLICIT && s->verify && smtp_tls_verify(ss, stream) < 0) {
		mailstream_close(stream);
		return SMTP_TEMPFAIL;
	}
	r = mailsmtp_connect(ss->smtp, stream);  /* closes the stream on failure */
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(ss, "greeting", r, false);
	code = smtp_ehlo(ss);
	if (code != 250)
		return smtp_fail(ss, "EHLO", MAILSMTP_ERROR_STREAM, false);

	if (s->tls == SMTP_TLS_STARTTLS) {
		if ((ss->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) == 0) {
			snprintf(ss->error, ss->error_size, "STARTTLS: not offered by %s", s->host);
			return SMTP_TEMPFAIL;
		}
		ss->smtp->response_code = 0;
		r = mailsmtp_socket_starttls_with_callback(ss->smtp, smtp_tls_sni, (void *)s->host);
		if (r != MAILSMTP_NO_ERROR)
			return smtp_fail(ss, "STARTTLS", r, false);
		if (s->verify && smtp_tls_verify(ss, ss->smtp->stream) < 0)
			return SMTP_TEMPFAIL;
		if (smtp_ehlo(ss) != 250)
			return smtp_fail(ss, "EHLO after STARTTLS", MAILSMTP_ERROR_STREAM, false);
	}

	if (s->user != NULL && *s->user != '\0') {
		int type = (ss->smtp->auth & MAILSMTP_AUTH_PLAIN) != 0 ? MAILSMTP_AUTH_PLAIN
			 : (ss->smtp->auth & MAILSMTP_AUTH_LOGIN) != 0 ? MAILSMTP_AUTH_LOGIN : 0;

		if (s->tls == SMTP_TLS_NONE && !smtp_loopback(s->host)) {
			snprintf(ss->error, ss->error_size,
				 "AUTH: refusing to send a password to %s without TLS", s->host);
			return SMTP_TEMPFAIL;
		}
		if (type == 0) {
			snprintf(ss->error, ss->error_size,
				 "AUTH: %s offers neither PLAIN nor LOGIN", s->host);
			return SMTP_TEMPFAIL;
		}
		ss->smtp->response_code = 0;
		r = mailsmtp_auth_type(ss->smtp, s->user, s->password != NULL ? s->password : "",
				       type);
		if (r != MAILSMTP_NO_ERROR)
			return smtp_fail(ss, "AUTH", r, false);
	}
	return SMTP_SENT;
}

static enum smtp_result smtp_transaction(struct smtp_session *ss, const char *env_from,
					 const char *rcpt, const char *data, size_t len)
{
	int r;

	ss->smtp->response_code = 0;
	r = mailesmtp_mail_size(ss->smtp, env_from, 0, NULL, len);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(ss, "MAIL FROM", r, true);
	ss->smtp->response_code = 0;
	r = mailesmtp_rcpt(ss->smtp, rcpt, 0, NULL);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(ss, "RCPT TO", r, true);
	ss->smtp->response_code = 0;
	r = mailsmtp_data(ss->smtp);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(ss, "DATA", r, true);
	/* libetpan sends "\r\n.\r\n" after the data: hold back our final CRLF */
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		len -= 2;
	else if (len >= 1 && data[len - 1] == '\n')
		len -= 1;
	ss->smtp->response_code = 0;
	r = mailsmtp_data_message(ss->smtp, data, len);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(ss, "end of DATA", r, true);
	return SMTP_SENT;
}

enum smtp_result smtp_send_full(const struct smtp_settings *s, const char *env_from,
				const char *rcpt, const char *data, size_t len,
				char *error, size_t error_size, bool *unreachable_r)
{
	struct smtp_session ss = {
		.set = s, .error = error, .error_size = error_size,
		.timeout = s->timeout_s != 0 ? s->timeout_s : SMTP_TIMEOUT_DEFAULT,
	};
	enum smtp_result res;
	sigset_t pipe_set, old_set;

	error[0] = '\0';
	*unreachable_r = false;
	if (!smtp_token_ok(env_from, true) || !smtp_token_ok(rcpt, false)) {
		snprintf(error, error_size, "invalid envelope address");
		return SMTP_PERMFAIL;
	}
	if (s->host == NULL || (s->helo != NULL && !smtp_token_ok(s->helo, false))) {
		snprintf(error, error_size, "invalid SMTP settings (host or helo)");
		*unreachable_r = true;
		return SMTP_TEMPFAIL;
	}
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

	ss.smtp = mailsmtp_new(0, NULL);
	if (ss.smtp == NULL)
		abort();  /* out of memory, as xalloc */
	mailsmtp_set_timeout(ss.smtp, ss.timeout);
	ss.unreachable = true;   /* until the transaction starts */
	res = smtp_open(&ss);
	if (res == SMTP_SENT) {
		ss.unreachable = false;
		res = smtp_transaction(&ss, env_from, rcpt, data, len);
	}
	*unreachable_r = res != SMTP_SENT && ss.unreachable;
	mailsmtp_free(ss.smtp);  /* QUIT if the stream is still open */

	if (!sigismember(&old_set, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return res;
}

enum smtp_result smtp_send(const struct smtp_settings *s, const char *env_from,
			   const char *rcpt, const char *data, size_t len,
			   char *error, size_t error_size)
{
	bool unreachable;

	return smtp_send_full(s, env_from, rcpt, data, len, error, error_size, &unreachable);
}
