#ifndef CASEMAIL_SMTP_H
#define CASEMAIL_SMTP_H
/* smtp: hand one message to an SMTP server (libetpan's mailsmtp).
 *
 * One connection per message: connect (plain, STARTTLS or implicit TLS),
 * EHLO, AUTH PLAIN or LOGIN when a user is set, MAIL, RCPT, DATA, QUIT.
 * The result says what the queue should do with the message:
 *
 *   SMTP_SENT      the server answered 250 to the end of DATA
 *   SMTP_TEMPFAIL  try again later: a 4xx reply, a network error or
 *                  timeout, connection refused, a TLS or certificate
 *                  problem, and every failure before MAIL FROM, 5xx
 *                  included (a rejected AUTH or an unwilling greeting is
 *                  the relay's problem, not the message's — Postfix's
 *                  smtp_sasl_auth_soft_bounce does the same), and 530
 *                  (authentication required) anywhere
 *   SMTP_PERMFAIL  another 5xx reply to MAIL, RCPT or DATA, or an
 *                  address that cannot be put on the wire at all
 *
 * error gets "STAGE: code text" with the server's own words when there
 * was a reply ("RCPT TO: 550 5.1.1 no such user"), else what went wrong
 * locally ("connect 127.0.0.1:2525: Connection refused").
 *
 * Envelope sender. RFC 3834 §3.3 recommends a null reverse-path (<>)
 * for automatic responses, so that a failure to deliver one never makes
 * a bounce. casemail's default (daemon and config: [smtp] envelope_from)
 * is the campaign mailbox instead, and env_from is a parameter so "" (<>)
 * stays one setting away:
 *   - the reply asks for an answer (a corrected resubmission), and staff
 *     need to see in the digest that a receipt bounced; with <> the
 *     submitter would silently never get it;
 *   - submission relays (Exmail, Coremail, Postfix with
 *     reject_sender_login_mismatch) refuse a MAIL FROM that is not the
 *     authenticated mailbox, and some filters score <> from a client as spam;
 *   - loops are already prevented by the message (Auto-Submitted:
 *     auto-replied, X-Auto-Response-Suppress) and by casemail ignoring
 *     bounces, auto-replies and its own addresses, at most N replies per
 *     sender and day.
 *
 * The message is sent as given except for what SMTP requires: lines are
 * CRLF-terminated and dot-stuffed (libetpan), and a final CRLF is not
 * doubled, so the server receives the bytes of data.
 *
 * SIGPIPE is blocked while a message is sent (a server that hangs up
 * would otherwise kill the process); the thread's mask is restored. */
#include <stdbool.h>
#include <stddef.h>

enum smtp_tls { SMTP_TLS_NONE, SMTP_TLS_STARTTLS, SMTP_TLS_IMPLICIT };

struct smtp_settings {
	const char *host;
	unsigned port;           /* 0: 465 for IMPLICIT, 587 for STARTTLS, 25 for NONE */
	enum smtp_tls tls;
	const char *ca_file;     /* PEM CA bundle; NULL: the system's trust store */
	bool verify;             /* check the certificate chain and the host name */
	const char *user, *password; /* AUTH PLAIN (else LOGIN) when user is set;
				    only over TLS unless host is loopback */
	const char *helo;        /* EHLO name; NULL: gethostname() */
	unsigned timeout_s;      /* per connect/read/write; 0: 60 s */
};

enum smtp_result { SMTP_SENT, SMTP_TEMPFAIL, SMTP_PERMFAIL };

/* Send data (len bytes, a whole RFC 5322 message) from env_from ("" for
 * the null reverse-path <>) to the one recipient rcpt. error (error_size
 * bytes) is set on failure, "" on success. */
enum smtp_result smtp_send(const struct smtp_settings *s, const char *env_from,
			   const char *rcpt, const char *data, size_t len,
			   char *error, size_t error_size);

/* smtp_send(), also telling whether the failure is the server's state
 * rather than the message's (connect, TLS, greeting, EHLO, AUTH; 421 or
 * 530 later): then the next message would fail the same way and a queue
 * run can stop. */
enum smtp_result smtp_send_full(const struct smtp_settings *s, const char *env_from,
				const char *rcpt, const char *data, size_t len,
				char *error, size_t error_size, bool *unreachable_r);

const char *smtp_result_name(enum smtp_result r);

#endif
