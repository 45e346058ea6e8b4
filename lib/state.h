#ifndef CASEMAIL_STATE_H
#define CASEMAIL_STATE_H
/* state: the daemon's SQLite state database, <dir>/state.db (WAL).
 *
 * What it remembers: every mail ever fetched and how far it got
 * (state-msg.c), the receipt counters, the mailboxes' UIDVALIDITY and
 * last poll (state.c), the sender history the rules and the reply cap
 * need, and the reply retry queue (state-sender.c). The schema, its
 * documentation and its migrations are in state-schema.c.
 *
 * Rules for callers:
 *   - One struct state belongs to one thread. It is not shared: the
 *     statement cache and the transaction depth live in it. A second
 *     thread or process opens its own (WAL: readers never block the
 *     writer; a second writer waits up to busy_timeout, 5 s).
 *   - Never use a struct state in a fork()ed child (SQLite forbids
 *     carrying a connection across fork). A child neither uses nor
 *     closes it; it ends with _exit().
 *   - Every function that writes runs in a transaction of its own, or
 *     inside the caller's state_transaction_begin() (then as a savepoint),
 *     so a crash leaves either all of a call's writes or none.
 *   - Functions return 0 (or 1/0 where "not found" is distinct) and -1 on
 *     error with *error_r set to a thread-local message valid until the
 *     next state_* call of the thread. error_r may not be NULL.
 *   - Times are Unix seconds; uid and uidvalidity are IMAP's 32-bit
 *     numbers, 0 meaning "none" (Maildir sources). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state;

#define STATE_DB_NAME "state.db"
#define STATE_SCHEMA_VERSION 4
/* Receipts are "<prefix>-NNNNNN"; the prefix is at most this long and
 * made of [A-Za-z0-9_] (it becomes a spool directory name). */
#define STATE_RECEIPT_PREFIX_MAX 20
#define STATE_RECEIPT_SIZE 32

/* Open or create dir/state.db (dir is created 0700 if missing, a new DB
 * file is created 0600; an existing file keeps its mode), set WAL,
 * synchronous=FULL, foreign_keys, busy_timeout, and create or migrate
 * the schema. Fails when the DB was written by a newer schema version.
 * Returns NULL with *error_r on failure. */
struct state *state_open(const char *dir, const char **error_r);
/* Finalize the cached statements and close; rolls back an open
 * transaction. Sets *st to NULL; NULL is fine. */
void state_close(struct state **st);

/* Group several calls into one transaction (BEGIN IMMEDIATE; nested
 * calls become savepoints). Every begin needs a commit or a rollback.
 * A failed commit rolls back: the transaction is over either way. */
int state_transaction_begin(struct state *st, const char **error_r);
int state_transaction_commit(struct state *st, const char **error_r);
void state_transaction_rollback(struct state *st);
bool state_in_transaction(const struct state *st);

/* ---- receipts ---------------------------------------------------------- */

/* Allocate the next receipt of campaign_id: "<prefix>-000001", then
 * -000002, … (six digits, more past 999999). The counter is committed
 * before the function returns, so a number handed out is never handed
 * out again, whatever crashes afterwards (a crash may leave gaps).
 * That is why it refuses to run inside a caller's transaction (-1).
 * Prefer state_msg_receipt(), which also binds it to the message. */
int state_receipt_next(struct state *st, const char *campaign_id,
		       const char *prefix, char out[STATE_RECEIPT_SIZE],
		       const char **error_r);

/* ---- mailboxes --------------------------------------------------------- */

/* The UIDVALIDITY last stored for mailbox (config name): returns 1 and
 * sets *uidvalidity_r, 0 when none was stored yet, -1 on error. */
int state_mailbox_uidvalidity_get(struct state *st, const char *mailbox,
				  uint32_t *uidvalidity_r, const char **error_r);
int state_mailbox_uidvalidity_set(struct state *st, const char *mailbox,
				  uint32_t uidvalidity, const char **error_r);
/* Record a completed poll of mailbox at time t. */
int state_mailbox_polled(struct state *st, const char *mailbox, int64_t t,
			 const char **error_r);
/* Highest uid recorded for (mailbox, uidvalidity), 0 when none. */
int state_uid_high(struct state *st, const char *mailbox, uint32_t uidvalidity,
		   uint32_t *uid_r, const char **error_r);

/* ---- status for admins ------------------------------------------------- */

struct state_mailbox_info {
	const char *name;
	uint32_t uidvalidity;          /* 0: not known yet */
	int64_t last_poll;             /* 0: never */
};
/* Calls cb for every mailbox known, by name. cb returning non-zero stops
 * the walk and is returned. The strings live until cb returns. cb may
 * read but not write state (a statement is still running). */
int state_mailboxes(struct state *st,
		    int (*cb)(const struct state_mailbox_info *mb, void *ctx),
		    void *ctx, const char **error_r);

struct state_count {
	const char *campaign;          /* "" for mail without a campaign yet */
	const char *verdict;           /* "accepted", "rejected", "ignored", "" (none yet) */
	long long messages;            /* rows */
	long long unfinished;          /* state not MARKED */
	long long reply_pending;       /* reply queued, not sent */
	long long reply_sent, reply_failed;
};
/* Calls cb once per (campaign, verdict) pair present, ordered by both;
 * as state_mailboxes() for cb's return and the strings' lifetime. */
int state_counts(struct state *st,
		 int (*cb)(const struct state_count *c, void *ctx),
		 void *ctx, const char **error_r);

/* ---- sender history (state-sender.c) ----------------------------------- */

/* Remember that sender submitted case (company, case_name) of campaign
 * under receipt at time t. Recording the same (…, receipt) again is a
 * no-op. company may be "" (unknown). */
int state_case_record(struct state *st, const char *campaign, const char *sender,
		      const char *company, const char *case_name,
		      const char *receipt, int64_t t, const char **error_r);
/* The latest receipt under which the same case was submitted before: by
 * sender, or, when company is not "", by anyone under the same company,
 * among the receipts earlier than except_receipt (the current mail's, so
 * that neither a resumed nor a reprocessed mail finds itself or a later
 * version; NULL: all). Returns 1 and fills receipt_r, 0 when there
 * is none (receipt_r = ""), -1 on error. For case.resubmitted. */
int state_case_previous(struct state *st, const char *campaign, const char *sender,
			const char *company, const char *case_name,
			const char *except_receipt,
			char receipt_r[STATE_RECEIPT_SIZE], const char **error_r);
/* Per-sender flags of a campaign, e.g. "summary_list" (the sender has
 * sent a 汇总清单). set is idempotent (keeps the first time). get returns
 * 1 when set, 0 when not, -1 on error. */
int state_sender_flag_set(struct state *st, const char *campaign,
			  const char *sender, const char *flag, int64_t t,
			  const char **error_r);
int state_sender_flag_get(struct state *st, const char *campaign,
			  const char *sender, const char *flag,
			  const char **error_r);

/* The rows of the 汇总清单 a mail carried (rules_result.summary_rows):
 * recorded under its receipt at time t (the mail's arrival), again a
 * no-op. */
struct state_summary_row {
	const char *place, *company, *city;
};
int state_summary_record(struct state *st, const char *campaign, const char *sender,
			 const char *receipt, const struct state_summary_row *rows,
			 size_t n, int64_t t, const char **error_r);
/* The rows of the latest list sender sent for campaign before until (0:
 * any time), in their order; none when it sent none. */
int state_summary_latest(struct state *st, const char *campaign, const char *sender,
			 int64_t until,
			 int (*cb)(const struct state_summary_row *r, void *ctx), void *ctx,
			 const char **error_r);

/* Reply accounting for the per-sender daily cap (SPEC: 5 a day).
 * Record a reply when it is queued, in the same transaction as
 * state_msg_advance(…, STATE_MSG_REPLY_QUEUED, …), so that retried sends
 * are not counted twice. Recording the same receipt again is a no-op.
 * sender is compared as given: pass the lowercase address. */
int state_reply_record(struct state *st, const char *sender, const char *receipt,
		       int64_t t, const char **error_r);
/* Replies to sender with day_start <= time < day_end into *count_r. */
int state_reply_count(struct state *st, const char *sender, int64_t day_start,
		      int64_t day_end, unsigned *count_r, const char **error_r);

/* ---- messages (state-msg.c; their replies' sending in state-sender.c) --- */

/* A message's progress. Legal transitions, and nothing else:
 *   FETCHED → FILED                 raw copy recorded → spool entry durable
 *   FILED → REPLY_QUEUED | NO_REPLY reply in the outbox, or none (ignored,
 *                                   our own address, over the daily cap)
 *   REPLY_QUEUED | NO_REPLY → MARKED   done on the server ($casemail-done)
 * The reply of a REPLY_QUEUED message goes on separately:
 *   PENDING → SENT | FAILED (given up), PENDING → PENDING (an attempt failed). */
enum state_msg_state {
	STATE_MSG_FETCHED = 1,
	STATE_MSG_FILED,
	STATE_MSG_REPLY_QUEUED,
	STATE_MSG_NO_REPLY,
	STATE_MSG_MARKED,
};
enum state_reply_state {
	STATE_REPLY_NONE = 0,          /* no reply queued (yet, or ever) */
	STATE_REPLY_PENDING,
	STATE_REPLY_SENT,
	STATE_REPLY_FAILED,
};

/* One row of messages. Filled by the lookups (strings then malloc'd,
 * released by state_msg_clear(); NULL where the column is NULL); given to
 * state_msg_add() as input (strings only read). */
struct state_msg {
	int64_t id;
	const char *mailbox;           /* config name of the source */
	uint32_t uidvalidity, uid;     /* 0, 0 for Maildir sources */
	const char *source_key;        /* Maildir unique name; NULL for IMAP */
	const char *message_id;        /* may be NULL */
	const char *sha256;            /* hex of the raw mail */
	uint64_t size;
	int64_t arrival;               /* INTERNALDATE / delivery, 0 unknown */
	const char *raw_path;          /* spool path of the raw copy */
	const char *campaign, *receipt, *verdict, *sender;  /* NULL until known */
	enum state_msg_state state;
	enum state_reply_state reply;
	unsigned reply_attempts;
	int64_t reply_next;            /* when to try sending again */
	int64_t created, updated;
	const char *error;             /* last error, NULL when none */
	/* the outcome of the latest check (state_msg_outcome), NULL/0 before */
	const char *subject, *sender_name, *ignored_reason;
	bool needs_human;
	unsigned reprocessed;
};
void state_msg_clear(struct state_msg *m);
const char *state_msg_state_name(enum state_msg_state s);   /* "fetched" … */
const char *state_reply_state_name(enum state_reply_state s); /* "none" … */
bool state_msg_transition_ok(enum state_msg_state from, enum state_msg_state to);

/* Lookups: 1 found (m filled; clear it), 0 not found, -1 error. */
int state_msg_lookup_uid(struct state *st, const char *mailbox, uint32_t uidvalidity,
			 uint32_t uid, struct state_msg *m, const char **error_r);
int state_msg_lookup_source_key(struct state *st, const char *mailbox,
				const char *source_key, struct state_msg *m,
				const char **error_r);
/* Same mailbox, same raw bytes and the same Message-ID (NULL matches
 * NULL): the mail was processed before under another UIDVALIDITY.
 * The oldest such row wins. */
int state_msg_lookup_digest(struct state *st, const char *mailbox,
			    const char *message_id, const char *sha256,
			    struct state_msg *m, const char **error_r);
int state_msg_lookup_receipt(struct state *st, const char *receipt,
			     struct state_msg *m, const char **error_r);
int state_msg_get(struct state *st, int64_t id, struct state_msg *m,
		  const char **error_r);

/* Record a fetched mail as FETCHED. Requires mailbox, sha256 and either
 * uid > 0 (IMAP; uidvalidity > 0) or source_key (Maildir), not both;
 * state/reply/id/receipt/verdict/created/updated of m are ignored.
 * Returns 0 and *id_r for a new row, 1 and the existing row's *id_r when
 * (mailbox, uidvalidity, uid) or (mailbox, source_key) is already there
 * (nothing is changed then: look the row up to resume it), -1 on error. */
int state_msg_add(struct state *st, const struct state_msg *m, int64_t *id_r,
		  const char **error_r);
/* Rebind a row to a new (uidvalidity, uid) after a UIDVALIDITY change
 * (found by state_msg_lookup_digest). */
int state_msg_rebind_uid(struct state *st, int64_t id, uint32_t uidvalidity,
			 uint32_t uid, const char **error_r);

/* The row's receipt: the one it has, or a new one from campaign's counter
 * (state_receipt_next()) stored in the row and committed together, so a
 * resumed mail always gets the same receipt. Also sets the row's campaign.
 * Not inside a caller's transaction (-1). */
int state_msg_receipt(struct state *st, int64_t id, const char *campaign_id,
		      const char *prefix, char out[STATE_RECEIPT_SIZE],
		      const char **error_r);

/* Count one more check of the row started (committed at once) and return
 * how many were started since the last one that came back: a mail whose
 * check keeps killing the daemon counts up, anything that returns (even
 * with an error, e.g. a full disk) resets the count with
 * state_msg_attempt_end(). */
int state_msg_attempt(struct state *st, int64_t id, unsigned *attempts_r,
		      const char **error_r);
int state_msg_attempt_end(struct state *st, int64_t id, const char **error_r);

/* Fields that state_msg_advance() may set; NULL keeps the column. */
struct state_msg_update {
	const char *campaign, *verdict, *sender, *raw_path;
};
/* Move row id to state `to`, setting the given fields and clearing the
 * error. Returns -1 ("illegal transition fetched → marked") unless
 * state_msg_transition_ok(current, to); REPLY_QUEUED also sets the reply
 * to PENDING, due at once. */
int state_msg_advance(struct state *st, int64_t id, enum state_msg_state to,
		      const struct state_msg_update *u, const char **error_r);
/* Store text as the row's last error (NULL clears it); no state change. */
int state_msg_set_error(struct state *st, int64_t id, const char *text,
			const char **error_r);
/* The outcome of a send attempt of a PENDING reply: SENT, FAILED (given
 * up), or PENDING again (attempts + 1, next try at next, error kept).
 * -1 when the reply is not PENDING. */
int state_msg_reply_result(struct state *st, int64_t id, enum state_reply_state r,
			   int64_t next, const char *error, const char **error_r);

/* Rows not MARKED, of mailbox (NULL: all), oldest first: what to resume
 * after a crash. The rows are read first and cb is called after, so cb
 * may call any state_* function. cb returning non-zero stops the walk and
 * is returned; -1 on a DB error. m is cleared after cb returns. */
int state_msg_unfinished(struct state *st, const char *mailbox,
			 int (*cb)(const struct state_msg *m, void *ctx),
			 void *ctx, const char **error_r);
/* Replies PENDING with reply_next <= now, most overdue first; as above. */
int state_msg_replies_due(struct state *st, int64_t now,
			  int (*cb)(const struct state_msg *m, void *ctx),
			  void *ctx, const char **error_r);

/* ---- outcomes and admin queries (state-report.c) ------------------------- */

struct state_defect {
	const char *code, *severity, *file;   /* file may be NULL */
};
struct state_outcome {
	const char *verdict;           /* required: accepted, rejected, ignored */
	const char *subject, *sender_name, *ignored_reason;  /* may be NULL */
	bool needs_human;
	bool reprocessed;              /* count one more reprocess run */
	int64_t arrival;               /* the check's arrival; stored when the
	                                  row has none (Maildir: Received/Date) */
	const struct state_defect *defects;
	size_t ndefects;
};
/* Store the outcome of a check of row id, which must have a receipt:
 * verdict, subject, sender name, needs_human, ignored_reason, and its
 * defects (replacing earlier ones). No state change. Own transaction, or
 * a savepoint inside the caller's (so the filing step can commit it with
 * state_msg_advance). */
int state_msg_outcome(struct state *st, int64_t id, const struct state_outcome *o,
		      const char **error_r);
/* The defects stored for receipt, in report order; cb's strings live
 * until it returns; a non-zero return stops the walk and is returned. */
int state_msg_defects(struct state *st, const char *receipt,
		      int (*cb)(const struct state_defect *d, void *ctx), void *ctx,
		      const char **error_r);

/* What state_msg_list() selects; zero fields do not filter. The time is
 * the arrival, or the fetch time when the arrival is unknown. */
struct state_filter {
	const char *campaign, *verdict;
	int64_t since, until;          /* since <= time < until */
	bool with_error;               /* only rows with a stored error, not done */
	unsigned limit;
	bool oldest_first;             /* default: newest first */
};
/* Rows matching f; as state_msg_unfinished() for cb. */
int state_msg_list(struct state *st, const struct state_filter *f,
		   int (*cb)(const struct state_msg *m, void *ctx), void *ctx,
		   const char **error_r);

/* Every recorded case of campaign's mails that arrived before until (0:
 * all), with the mail's current verdict, oldest arrival first; time is
 * the mail's arrival (its fetch time when unknown). */
struct state_case {
	const char *sender, *company, *case_name, *receipt, *verdict;
	int64_t time;
};
int state_cases(struct state *st, const char *campaign, int64_t until,
		int (*cb)(const struct state_case *c, void *ctx), void *ctx,
		const char **error_r);

#endif
