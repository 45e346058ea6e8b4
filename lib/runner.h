#ifndef CASEMAIL_RUNNER_H
#define CASEMAIL_RUNNER_H
/* runner: the daemon's work — for every configured mailbox, fetch what is
 * new, take it through intake (intake.h), mark it on the source; send
 * due replies from the outbox; then wait (IMAP IDLE on every mailbox that
 * offers it, in one poll(), else the poll interval). Connections that
 * fail are retried with exponential backoff and jitter. */
#include <signal.h>
#include <stdbool.h>
#include "intake.h"

struct imap;

struct runner_mailbox {
	const struct config_mailbox *mb;
	struct imap *imap;             /* NULL when not connected / Maildir */
	int64_t next_try;              /* backoff: don't connect before */
	unsigned failures;
	int64_t last_poll;
	bool wake;                     /* IDLE announced new mail: poll it next */
};

struct runner {
	struct intake *in;
	struct runner_mailbox *boxes;
	size_t nboxes;
	volatile sig_atomic_t *stop;   /* set by SIGTERM/SIGINT */
	volatile sig_atomic_t *reload; /* set by SIGHUP: the caller reloads */
	unsigned processed;            /* mails taken through intake this run */
	unsigned replies_waiting;      /* in the outbox after the last pass */
};

void runner_init(struct runner *r, struct intake *in, volatile sig_atomic_t *stop,
		 volatile sig_atomic_t *reload);
void runner_deinit(struct runner *r);
/* One pass: every mailbox, then the outbox. 0, or -1 if any mailbox or
 * the outbox failed (logged; the pass still did what it could). */
int runner_once(struct runner *r);
/* Until *stop or *reload: passes, waiting for mail in between. A pass
 * looks at a mailbox when IDLE announced new mail, when its poll_interval
 * has passed since it was last polled (IDLE mailboxes too: IDLE can miss
 * what arrives between two IDLEs), or, disconnected, when its backoff
 * allows a reconnect; the outbox at every pass. */
void runner_loop(struct runner *r);
/* Send due replies (SMTP or the outbox directory of the config). */
int runner_outbox(struct runner *r);
/* The same for any caller (casemailctl resend/digest --send): run the
 * outbox in outbox_dir once with cfg's [smtp]. As outbox_run(): 0 with
 * *stats_r, 1 when another process runs the queue now, -1 with *error_r. */
struct outbox_stats;
int runner_send_due(const struct config *cfg, const char *outbox_dir, int64_t now,
		    struct outbox_stats *stats_r, const char **error_r);

#endif
