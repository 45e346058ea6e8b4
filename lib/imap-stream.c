/* imap-stream: the byte stream under libetpan's IMAP parser — TCP connect
 * with a timeout, TLS with a real certificate check, and a thin
 * mailstream_low driver wrapped around libetpan's own.
 *
 * Why the wrapper: libetpan 1.9.4's socket driver returns 0 at EOF and
 * its literal reader loops on "needed -= 0", so a server that closes the
 * connection in the middle of a FETCH body would spin forever. The
 * wrapper turns a 0-byte read into an error. It also keeps SIGPIPE from
 * killing the process when a write hits a closed connection (libetpan
 * calls send() without MSG_NOSIGNAL).
 *
 * Why the certificate check is here: Debian builds libetpan with GnuTLS,
 * where it checks nothing and mailstream_ssl_set_server_certicate() is a
 * stub returning -1. The handshake has proven that the peer holds the
 * key of the certificate it sent, so verifying that chain (trust anchors,
 * name, key purpose) with GnuTLS before a single byte of IMAP is read or
 * written gives the same guarantee as checking inside the handshake. */
#include "imap-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IMAP_STREAM_BUFFER 8192
#define IMAP_STREAM_MAX_CHAIN 16

/* --- the wrapper driver: data is the wrapped mailstream_low --- */

static ssize_t wrap_read(mailstream_low *s, void *buf, size_t count)
{
	ssize_t r;

	if (count == 0)
		return 0;
	r = mailstream_low_read(s->data, buf, count);
	/* 0 is EOF (or poll woke without data): the server is gone */
	return r == 0 ? -1 : r;
}

static ssize_t wrap_write(mailstream_low *s, const void *buf, size_t count)
{
	sigset_t pipe_set, old_set, pending;
	bool was_pending;
	ssize_t r;

	/* Block SIGPIPE for the call and swallow one it raised. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	r = mailstream_low_write(s->data, buf, count);
	if (!was_pending) {
		int saved = errno;
		struct timespec zero = { 0, 0 };

		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			(void)sigtimedwait(&pipe_set, NULL, &zero);
		errno = saved;
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return r;
}

static int wrap_close(mailstream_low *s)
{
	return mailstream_low_close(s->data);
}

static int wrap_get_fd(mailstream_low *s)
{
	return mailstream_low_get_fd(s->data);
}

static void wrap_free(mailstream_low *s)
{
	mailstream_low_free(s->data);
	free(s);
}

static void wrap_cancel(mailstream_low *s)
{
	mailstream_low_cancel(s->data);
}

static struct mailstream_cancel *wrap_get_cancel(mailstream_low *s)
{
	return mailstream_low_get_cancel(s->data);
}

static carray *wrap_get_certificate_chain(mailstream_low *s)
{
	return mailstream_low_get_certificate_chain(s->data);
}

static mailstream_low_driver wrap_driver = {
	.mailstream_read = wrap_read,
	.mailstream_write = wrap_write,
	.mailstream_close = wrap_close,
	.mailstream_get_fd = wrap_get_fd,
	.mailstream_free = wrap_free,
	.mailstream_cancel = wrap_cancel,
	.mailstream_get_cancel = wrap_get_cancel,
	.mailstream_get_certificate_chain = wrap_get_certificate_chain,
};

static mailstream_low *wrap_new(mailstream_low *inner, unsigned timeout_s)
{
	mailstream_low *low;

	mailstream_low_set_timeout(inner, timeout_s);
	low = mailstream_low_new(inner, &wrap_driver);
	if (low == NULL)
		abort();   /* as xmalloc: out of memory */
	mailstream_low_set_timeout(low, timeout_s);
	return low;
}

void imap_stream_set_timeout(mailstream *stream, unsigned timeout_s)
{
	mailstream_low *low = mailstream_get_low(stream);

	mailstream_low_set_timeout(low, timeout_s);
	if (low->driver == &wrap_driver)
		mailstream_low_set_timeout(low->data, timeout_s);
}

/* --- TCP --- */

static int connect_one(const struct addrinfo *ai, unsigned timeout_s, int *errno_r)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, r, soerr = 0, one = 1, flags;
	struct timeval tv = { .tv_sec = timeout_s };

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd < 0)
		goto fail;
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS)
		goto fail;
	if (r < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			r = poll(&pfd, 1, (int)timeout_s * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	/* libetpan wants a blocking socket; SO_SNDTIMEO bounds its send()s */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* a peer that vanished during a long IDLE shows within ~2 min */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 60 }, sizeof(int));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &(int){ 15 }, sizeof(int));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 4 }, sizeof(int));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	*errno_r = errno;
	if (fd >= 0)
		close(fd);
	return -1;
}

int imap_stream_tcp_connect(const char *host, unsigned port, unsigned timeout_s,
			    char *err, size_t err_size)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL, *ai;
	char service[16];
	int fd = -1, r, saved = 0;

	snprintf(service, sizeof(service), "%u", port);
	r = getaddrinfo(host, service, &hints, &res);
	if (r != 0) {
		snprintf(err, err_size, "cannot resolve %s: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout_s, &saved);
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, err_size, "cannot connect to %s port %u: %s", host, port,
			 strerror(saved));
	return fd;
}

mailstream *imap_stream_plain(int fd, unsigned timeout_s)
{
	mailstream_low *low = mailstream_low_socket_open(fd);
	mailstream *stream;

	if (low == NULL)
		abort();
	stream = mailstream_new(wrap_new(low, timeout_s), IMAP_STREAM_BUFFER);
	if (stream == NULL)
		abort();
	return stream;
}

/* --- TLS --- */

static bool is_address(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static void sni_callback(struct mailstream_ssl_context *ctx, void *data)
{
	const char *name = data;

	if (!is_address(name))
		(void)mailstream_ssl_set_server_name(ctx, (char *)name);
}

/* The peer chain of a finished handshake against the trust anchors. */
static int verify_chain(mailstream_low *tls, const char *name, const char *ca_file,
			char *err, size_t err_size)
{
	gnutls_x509_crt_t certs[IMAP_STREAM_MAX_CHAIN];
	gnutls_x509_trust_list_t trust = NULL;
	gnutls_typed_vdata_st vdata[2] = {
		{ .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)name },
		{ .type = GNUTLS_DT_KEY_PURPOSE_OID,
		  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER },
	};
	gnutls_datum_t text = { NULL, 0 };
	unsigned n = 0, status = 0;
	carray *chain;
	int r, ret = -1;

	chain = mailstream_low_get_certificate_chain(tls);
	if (chain == NULL || carray_count(chain) == 0) {
		snprintf(err, err_size, "TLS: the server sent no certificate");
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && n < IMAP_STREAM_MAX_CHAIN; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&certs[n]) < 0)
			abort();
		r = gnutls_x509_crt_import(certs[n++], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			snprintf(err, err_size, "TLS: bad server certificate: %s",
				 gnutls_strerror(r));
			goto out;
		}
	}
	if (gnutls_x509_trust_list_init(&trust, 0) < 0)
		abort();
	if (ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL,
							   GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(trust, 0, 0);
	if (r <= 0) {
		snprintf(err, err_size, "TLS: cannot load %s%s%s", ca_file ? "CA file " : "system CAs",
			 ca_file ? ca_file : "", r < 0 ? ": " : ": no certificates");
		if (r < 0)
			snprintf(err + strlen(err), err_size - strlen(err), "%s", gnutls_strerror(r));
		goto out;
	}
	r = gnutls_x509_trust_list_verify_crt2(trust, certs, n, vdata, 2, 0, &status, NULL);
	if (r < 0) {
		snprintf(err, err_size, "TLS: certificate check failed: %s", gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		size_t len;

		(void)gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
		snprintf(err, err_size, "TLS: certificate of %s not accepted: %s", name,
			 text.data != NULL ? (const char *)text.data : "verification failed");
		len = strlen(err);
		while (len > 0 && err[len - 1] == ' ')
			err[--len] = '\0';
		goto out;
	}
	ret = 0;
out:
	gnutls_free(text.data);
	if (trust != NULL)
		gnutls_x509_trust_list_deinit(trust, 1);
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return ret;
}

/* Handshake on fd; NULL (err set) when it fails. */
static mailstream_low *tls_open(int fd, bool starttls, const char *name, unsigned timeout_s,
				char *err, size_t err_size)
{
	mailstream_low *low;

	if (starttls)
		low = mailstream_low_tls_open_with_callback_timeout(fd, timeout_s, sni_callback,
								    (void *)name);
	else
		low = mailstream_low_ssl_open_with_callback_timeout(fd, timeout_s, sni_callback,
								    (void *)name);
	if (low == NULL)
		snprintf(err, err_size, "TLS handshake with %s failed", name);
	return low;
}

mailstream *imap_stream_tls(int fd, const char *name, const char *ca_file, bool no_verify,
			    unsigned timeout_s, char *err, size_t err_size)
{
	mailstream_low *low = tls_open(fd, false, name, timeout_s, err, err_size);
	mailstream *stream;

	if (low == NULL) {
		close(fd);
		return NULL;
	}
	if (!no_verify && verify_chain(low, name, ca_file, err, err_size) < 0) {
		mailstream_low_close(low);   /* closes fd */
		mailstream_low_free(low);
		return NULL;
	}
	stream = mailstream_new(wrap_new(low, timeout_s), IMAP_STREAM_BUFFER);
	if (stream == NULL)
		abort();
	return stream;
}

int imap_stream_starttls(mailstream *stream, const char *name, const char *ca_file,
			 bool no_verify, unsigned timeout_s, char *err, size_t err_size)
{
	mailstream_low *old = mailstream_get_low(stream), *low;
	int fd = mailstream_low_get_fd(old);

	low = tls_open(fd, true, name, timeout_s, err, err_size);
	if (low == NULL)
		return -1;   /* fd still belongs to the old low */
	/* The plain layer goes (without closing fd); the TLS one owns fd. */
	mailstream_low_free(old);
	mailstream_set_low(stream, wrap_new(low, timeout_s));
	if (!no_verify && verify_chain(low, name, ca_file, err, err_size) < 0)
		return -1;
	return 0;
}
