#ifndef CASEMAIL_IMAP_TESTKIT_H
#define CASEMAIL_IMAP_TESTKIT_H
/* imap-testkit: what imap's unit tests share (test-imap.c,
 * test-imap-tls.c): a private Dovecot started through tests/dovecot.sh
 * (so tests run from the source tree's top, as `make unit` does), mail
 * files to append, and a look at the server's flags from outside.
 * Linked into the library like test.c; only tests use it. Paths are
 * inside test_tmpdir(). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "imap.h"

struct imap_testkit {
	char *dir;             /* the Dovecot directory (DIR of dovecot.sh) */
	unsigned port;         /* plain / STARTTLS */
	unsigned imaps_port;   /* implicit TLS, 0 without tls */
	char *ca_file;         /* DIR/tls/ca.pem with tls */
	int guard_fd;          /* its EOF tells the guard to stop Dovecot */
	pid_t guard_pid;
};

/* NULL when Dovecot can run here (root, dovecot, /usr/bin/python3,
 * tests/dovecot.sh), else why not. */
const char *imap_testkit_unavailable(void);
/* Start Dovecot in test_tmpdir()/name (tls: with the test CA; extra_conf
 * appended to its config, or NULL). A guard process stops it when this
 * process ends in any way. false when it did not start (diagnostic
 * printed). */
bool imap_testkit_start(struct imap_testkit *tk, const char *name, bool tls,
			const char *extra_conf);
/* Stop Dovecot (SIGTERM) and the guard; fine to call twice. */
void imap_testkit_stop(struct imap_testkit *tk);
/* SIGKILL Dovecot and all its processes (a crash). */
void imap_testkit_kill(const struct imap_testkit *tk);
/* Settings for user test/test on the kit's server with the test CA. */
struct imap_settings imap_testkit_settings(const struct imap_testkit *tk, enum imap_tls tls);

/* APPEND path to folder with INTERNALDATE date ("05-Aug-2026 10:20:30
 * +0800") and flags (NULL: none); the new UID, or 0. */
uint32_t imap_testkit_append(const struct imap_testkit *tk, const char *folder,
			     const char *path, const char *date, const char *flags);
/* The flags of uid in folder as the server lists them ("" for none;
 * \Recent left out), malloc'd; NULL when there is no such message. */
char *imap_testkit_flags(const struct imap_testkit *tk, const char *folder, uint32_t uid);
/* Messages in folder. */
size_t imap_testkit_count(const struct imap_testkit *tk, const char *folder);

/* A listening socket on 127.0.0.1 that never accepts nor says a word
 * (connects succeed through the backlog): for timeouts. fd; *port_r. */
int imap_testkit_silent_listener(unsigned *port_r);

/* Write test_tmpdir()/name: a mail with CRLF line ends (byte-exact over
 * IMAP), Subject subject, and about body_bytes of base64-like body
 * written in pieces (never held in memory). Returns the malloc'd path. */
char *imap_testkit_mail(const char *name, const char *subject, uint64_t body_bytes);
/* Same bytes in both files? */
bool imap_testkit_same_file(const char *a, const char *b);
uint64_t imap_testkit_file_size(const char *path);

#endif
