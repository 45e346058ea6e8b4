#ifndef CASEMAIL_ADMIN_H
#define CASEMAIL_ADMIN_H
/* admin: the work behind casemailctl's admin commands, on the daemon's
 * own config, state DB, spool and outbox (docs/admin.md, casemailctl(8)).
 *
 *   admin.c          open/close, status, list
 *   admin-show.c     show one mail
 *   admin-act.c      reprocess, resend, digest --send
 *
 * They run beside a running casemaild: SQLite WAL lets readers in while
 * it writes, a second writer waits (busy timeout), and the outbox is run
 * under its own lock. Output is appended to a buf (human text or JSON);
 * errors come back as an admin_result with *error_r. */
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "state.h"

struct campaign_set;
struct config;
struct probe;

enum admin_result {
	ADMIN_OK = 0,
	ADMIN_NOT_FOUND,       /* no such receipt */
	ADMIN_REFUSED,         /* not possible for this mail (resend of ignored mail) */
	ADMIN_ERR_CONFIG,      /* config or campaign files */
	ADMIN_ERR_IO,          /* state DB, spool, outbox */
	ADMIN_ERR_SEND,        /* SMTP did not take it (still queued) */
	ADMIN_ERR_SOFTWARE,
};

struct admin {
	struct config *cfg;
	struct campaign_set *campaigns;
	struct state *st;
	char *outbox_dir;      /* <state>/outbox */
};

/* Load config_path and its campaign files (dir: [campaigns] dir, else
 * default_campaigns), open the state DB. */
enum admin_result admin_open(struct admin *a, const char *config_path,
			     const char *default_campaigns, const char **error_r);
void admin_close(struct admin *a);

/* Daemon, mailboxes, message counts, outbox. *running_r: a casemaild
 * holds the state directory's lock. */
enum admin_result admin_status(struct admin *a, bool json, int64_t now, struct buf *out,
			       bool *running_r, const char **error_r);
/* The mails f selects, one line each (or a JSON array). */
enum admin_result admin_list(struct admin *a, const struct state_filter *f, bool json,
			     struct buf *out, const char **error_r);
/* Everything about one mail. */
enum admin_result admin_show(struct admin *a, const char *receipt, bool json,
			     struct buf *out, const char **error_r);
/* Check the spooled mail again with the current campaign files; store the
 * new outcome, reports and accepted cases; with reply, queue the new
 * report as a reply (admin_resend). */
enum admin_result admin_reprocess(struct admin *a, const char *receipt, bool reply,
				  bool json, struct probe *probe, struct buf *out,
				  const char **error_r);
/* Queue the mail's reply again (new Message-ID, outbox id <receipt>.rN)
 * and try to send what is due. */
enum admin_result admin_resend(struct admin *a, const char *receipt, struct buf *out,
			       const char **error_r);
/* The digest of date_arg (digest_date_resolve) for campaign (NULL: all):
 * rendered as format (text, html, csv; NULL: text) into out, or, with
 * send, mailed to [digest] to through the outbox and sent now. */
enum admin_result admin_digest(struct admin *a, const char *date_arg, const char *campaign,
			       const char *format, bool send, struct buf *out,
			       const char **error_r);
/* Mail the digest (already rendered into a message by digest_mail) to
 * every [digest] to address through the outbox and send it now; outbox
 * ids "digest-<date>-<n>". */
enum admin_result admin_send_message(struct admin *a, const char *id_prefix,
				     const char *const *rcpts, const char *from,
				     const char *msg, size_t len, struct buf *out,
				     const char **error_r);

/* The outbox's entries (id, state), read once for a listing. */
struct admin_replies {
	struct { char *id; const char *state; } *v;
	size_t n;
};
int admin_replies_load(struct admin *a, struct admin_replies *r, const char **error_r);
void admin_replies_free(struct admin_replies *r);
/* "none", "queued", "sent" or "failed": the state of m's reply and its
 * resends (queued if any is, else the latest). */
const char *admin_reply_state(const struct admin_replies *r, const struct state_msg *m);

/* "2026-07-28" or "2026-07-28T15:40[:02][+08:00]" → Unix time (a date is
 * its midnight at tz_offset). 0 or -1. */
int admin_parse_time(const char *s, int tz_offset, int64_t *t_r);
/* The row of receipt (m filled: clear it) or ADMIN_NOT_FOUND/ADMIN_ERR_IO. */
enum admin_result admin_lookup(struct admin *a, const char *receipt, struct state_msg *m,
			       const char **error_r);
/* The campaigns' time zone (the first campaign's), for showing times. */
int admin_tz(const struct admin *a);

#endif
