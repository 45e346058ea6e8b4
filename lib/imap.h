#ifndef CASEMAIL_IMAP_H
#define CASEMAIL_IMAP_H
/* imap: one IMAP session on one selected folder, for the intake of a
 * campaign mailbox (libetpan underneath).
 *
 *   im = imap_connect(&set, &error);          connect, TLS, log in, SELECT
 *   imap_search_new(im, last_uid, "$casemail-done", &uids, &n, &error);
 *   imap_fetch_to_fd(im, uid, fd, &date, &size, sha256, &error);  streamed, \Seen kept
 *   imap_mark(im, uid, "$casemail-done", false, &error);
 *   imap_idle(im, 25 * 60, &stop, &error);    wait for new mail
 *   imap_close(&im);
 *
 * Errors: functions return 0 (or 1/0 where documented) on success and -1
 * on failure with a message in *error_r: what failed, with the server's
 * response text when the server refused ("UID STORE failed: ..."). The
 * message is owned by the session and valid until the next call on it
 * (imap_connect: owned by the thread, valid until its next imap_connect).
 * A failure of the connection itself (closed, timed out, unparsable
 * reply) breaks the session: every later call fails at once with
 * "connection lost: ..." and the caller should imap_close() and connect
 * again. A refusal (NO) leaves the session usable. Nothing is printed,
 * except by libetpan itself: "GnuTLS error: ..." on stderr when a TLS
 * handshake fails (its GnuTLS code calls gnutls_perror()).
 *
 * TLS: libetpan (Debian's build uses GnuTLS) does not verify certificates
 * at all, and its mailstream_ssl_set_server_certicate() is a stub there.
 * So imap verifies the peer's chain itself with GnuTLS right after the
 * handshake and before anything is read from or sent to the server (no
 * greeting is parsed, no password sent): trust anchors from ca_file or the
 * system store, the host name (or IP address) against the certificate's
 * names, and the TLS server key purpose. SNI carries the name. STARTTLS
 * never falls back to plain text, and capabilities are asked again once
 * TLS is up (what came before is not trusted).
 *
 * Blocking I/O: connect, TLS handshake and every read and write bounded by
 * timeout_s; while waiting in IDLE, TCP keepalive notices a vanished peer
 * within about two minutes. Writes to a closed connection never raise
 * SIGPIPE. A session belongs to one thread at a time; sessions are
 * independent. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_tls {
	IMAP_TLS_NONE,      /* plain text (only for tests and localhost) */
	IMAP_TLS_STARTTLS,  /* plain connect, STARTTLS before login; refused
			       when the server does not offer it */
	IMAP_TLS_IMPLICIT,  /* TLS from the first byte (imaps, port 993) */
};

#define IMAP_DEFAULT_TIMEOUT_S 60

/* Zero fields get the defaults noted, except verify: a zero verify turns
 * the certificate check off, so always set it (from a config default of
 * true). */
struct imap_settings {
	const char *host;      /* name or address literal */
	unsigned port;         /* 0: 993 for IMPLICIT, else 143 */
	enum imap_tls tls;
	const char *ca_file;   /* PEM trust anchors; NULL: the system's CAs */
	bool verify;           /* check the certificate (set it: false means
				  any certificate is accepted, insecure) */
	const char *tls_name;  /* name the certificate must carry and SNI;
				  NULL: host */
	const char *user, *password;
	const char *folder;    /* NULL: "INBOX"; sent as given (modified UTF-7
				  for non-ASCII names) */
	unsigned timeout_s;    /* per read/write/connect; 0: 60 */
};

/* Connect, TLS as asked (certificate checked when verify), authenticate
 * (AUTHENTICATE PLAIN when the server offers AUTH=PLAIN with SASL-IR,
 * else LOGIN; never LOGIN when the server says LOGINDISABLED), SELECT the
 * folder (a read-only one is accepted; imap_mark() then fails). Returns
 * the session, or NULL with *error_r set (the server's text when it
 * refused the login or the folder). */
struct imap *imap_connect(const struct imap_settings *s, const char **error_r);
/* LOGOUT (waiting at most 5 s; skipped when the session is broken), free,
 * *im = NULL. NULL and *im == NULL are fine. */
void imap_close(struct imap **im);

/* The selected folder's UIDVALIDITY and UIDNEXT as last reported by the
 * server (SELECT); 0 when it did not say. */
uint32_t imap_uidvalidity(const struct imap *im);
uint32_t imap_uidnext(const struct imap *im);
/* Capabilities after login. */
bool imap_has_idle(const struct imap *im);
bool imap_has_move(const struct imap *im);

/* UIDs greater than after_uid of messages without the keyword (NULL: all
 * of them), ascending, without duplicates. *uids_r is malloc'd (NULL when
 * *n_r is 0); the caller frees it. keyword must be an IMAP atom (printable
 * ASCII without space and ( ) { % * " \ ]), like "$casemail-done". 0 or -1. */
int imap_search_new(struct imap *im, uint32_t after_uid, const char *keyword,
		    uint32_t **uids_r, size_t *n_r, const char **error_r);

#define IMAP_SHA256_SIZE 32

/* UID FETCH uid (UID INTERNALDATE RFC822.SIZE BODY.PEEK[]): the message
 * bytes go to fd as they arrive from the network (never held whole in
 * memory; fd may be a pipe), \Seen is not set. On success
 * *internaldate_r is the INTERNALDATE as Unix time (its zone applied),
 * *size_r the bytes written and, when sha256_r is not NULL, sha256_r the
 * SHA-256 of exactly those bytes, computed as they pass (the caller need
 * not read the file again; NULL skips the hashing). On -1 fd may hold a
 * partial message: the caller discards it (sha256_r is then all zero);
 * when writing to fd failed, the session is broken too (the response was
 * left half-read). A UID that no longer exists is an error ("not found")
 * that leaves the session usable. 0 or -1.
 * When fd is a regular file, writeback of what is written starts every
 * MiB (sync_file_range), so that a following fsync() has little left to
 * wait for; syncing stays the caller's business. */
int imap_fetch_to_fd(struct imap *im, uint32_t uid, int fd, int64_t *internaldate_r,
		     uint64_t *size_r, uint8_t sha256_r[IMAP_SHA256_SIZE],
		     const char **error_r);

/* UID STORE uid +FLAGS.SILENT (keyword [\Seen]); keyword may be NULL when
 * seen is true. Fails when the folder is read-only or does not keep
 * keywords (PERMANENTFLAGS without \* or the keyword): a mark that would
 * be lost must not look done. A UID that no longer exists is not an error.
 * 0 or -1. */
int imap_mark(struct imap *im, uint32_t uid, const char *keyword, bool seen,
	      const char **error_r);

/* Move one message to folder: UID MOVE when offered, else UID COPY + UID
 * STORE \Deleted + UID EXPUNGE (UIDPLUS); without UIDPLUS the original
 * stays flagged \Deleted for the next EXPUNGE (a plain EXPUNGE could
 * remove other clients' messages). A missing folder is created once
 * (the server answered [TRYCREATE]). 0 or -1. */
int imap_move(struct imap *im, uint32_t uid, const char *folder, const char **error_r);

/* Wait for new mail: IDLE until the server reports new messages (EXISTS
 * or RECENT), timeout_s passes (keep it < 29 min, RFC 2177), or *stop
 * becomes nonzero (set it from a signal handler; it is looked at least
 * once a second). Other server chatter (flag changes, "still here")
 * restarts IDLE transparently. New mail the session has already seen
 * since the last search or IDLE returns 1 at once. Without IDLE support
 * it sleeps timeout_s (same stop rule) and then asks with NOOP.
 * Returns 1 new mail, 0 timeout or stop, -1 error (connection lost). */
int imap_idle(struct imap *im, unsigned timeout_s, volatile int *stop, const char **error_r);

/* The same in pieces, for a caller that polls several sessions:
 *   r = imap_idle_start(im, &err);        -1 error; 1: don't poll, call
 *                                         imap_idle_done() now; 0: poll
 *   poll imap_idle_fd(im) for POLLIN (with the caller's timeout);
 *   imap_idle_done(im, &new_mail, &err);  always, after a 0 or 1 start
 * imap_idle_start() requires IDLE support (imap_has_idle()). While idling
 * no other call may be made on the session except imap_idle_done() and
 * imap_close(). imap_idle_done() sets *new_mail_r when new messages were
 * reported since the last search or IDLE; 0 or -1. imap_idle_fd() is -1
 * when the session has no connection. */
int imap_idle_start(struct imap *im, const char **error_r);
int imap_idle_fd(const struct imap *im);
int imap_idle_done(struct imap *im, bool *new_mail_r, const char **error_r);

#endif
