#ifndef CASEMAIL_IMAP_PRIVATE_H
#define CASEMAIL_IMAP_PRIVATE_H
/* imap-private: what imap.c, imap-msg.c, imap-idle.c and imap-stream.c
 * share. Not for other modules. */
#include "imap.h"

#include <libetpan/libetpan.h>

#define IMAP_ERROR_MAX 1024

struct imap {
	mailimap *imap;
	char *host, *tls_name, *folder;
	unsigned timeout_s;
	bool broken;          /* the connection failed: refuse everything */
	bool idling;          /* between imap_idle_start() and _done() */
	bool new_mail;        /* EXISTS/RECENT seen outside IDLE, not reported */
	char broken_reason[IMAP_ERROR_MAX];
	char error[IMAP_ERROR_MAX];
};

/* im->error = printf(fmt), returns it (for *error_r). */
const char *imap_set_error(struct imap *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* libetpan failed with r during what ("UID FETCH", ...): sets *error_r and
 * returns -1. A refusal carries the server's text; a connection-level
 * failure (stream, parse, BYE, BAD, protocol) also breaks the session. */
int imap_fail(struct imap *im, int r, const char *what, const char **error_r);
/* -1 with "connection lost: ..." when broken (or idling, a caller bug),
 * else 0. Every public call starts with it. */
int imap_check(struct imap *im, const char **error_r);
/* Take note of EXISTS/RECENT the last command brought (im->new_mail) and
 * clear libetpan's flags. */
void imap_note_new_mail(struct imap *im);
bool imap_has_cap(const struct imap *im, const char *name);

/* imap-stream.c: the transport under libetpan. */

/* TCP connect to host:port within timeout_s (each address in turn);
 * a blocking, close-on-exec socket with keepalive. fd or -1 (err set). */
int imap_stream_tcp_connect(const char *host, unsigned port, unsigned timeout_s,
			    char *err, size_t err_size);
/* A stream over the plain socket fd (owned by the stream from now on). */
mailstream *imap_stream_plain(int fd, unsigned timeout_s);
/* TLS on fd (handshake within timeout_s, SNI = name unless an address),
 * then the certificate check unless no_verify. Implicit TLS: returns a
 * new stream owning fd, or NULL (fd closed, err set). */
mailstream *imap_stream_tls(int fd, const char *name, const char *ca_file, bool no_verify,
			    unsigned timeout_s, char *err, size_t err_size);
/* STARTTLS: after the server said OK, put TLS under the existing stream
 * (same checks). 0, or -1 with err set (the stream then is unusable). */
int imap_stream_starttls(mailstream *stream, const char *name, const char *ca_file,
			 bool no_verify, unsigned timeout_s, char *err, size_t err_size);
/* Change the read/write timeout of a stream made here. */
void imap_stream_set_timeout(mailstream *stream, unsigned timeout_s);

#endif
