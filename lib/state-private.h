#ifndef CASEMAIL_STATE_PRIVATE_H
#define CASEMAIL_STATE_PRIVATE_H
/* state internals shared by state.c, state-schema.c, state-msg.c and
 * state-sender.c. Not for other modules. */
#include <sqlite3.h>
#include "state.h"

/* One slot per cached statement; the SQL text sits where it is used. */
enum state_stmt_id {
	STATE_STMT_RECEIPT_BUMP,
	STATE_STMT_RECEIPT_GET,
	STATE_STMT_MAILBOX_UV_GET,
	STATE_STMT_MAILBOX_UV_SET,
	STATE_STMT_MAILBOX_POLLED,
	STATE_STMT_MAILBOX_LIST,
	STATE_STMT_UID_HIGH,
	STATE_STMT_COUNTS,
	STATE_STMT_MSG_BY_UID,
	STATE_STMT_MSG_BY_KEY,
	STATE_STMT_MSG_BY_DIGEST,
	STATE_STMT_MSG_BY_RECEIPT,
	STATE_STMT_MSG_BY_ID,
	STATE_STMT_MSG_INSERT,
	STATE_STMT_MSG_REBIND,
	STATE_STMT_MSG_SET_RECEIPT,
	STATE_STMT_MSG_ADVANCE,
	STATE_STMT_MSG_SET_ERROR,
	STATE_STMT_MSG_ATTEMPT,
	STATE_STMT_MSG_ATTEMPT_END,
	STATE_STMT_MSG_REPLY,
	STATE_STMT_MSG_UNFINISHED,
	STATE_STMT_MSG_UNFINISHED_ALL,
	STATE_STMT_MSG_DUE,
	STATE_STMT_CASE_RECORD,
	STATE_STMT_CASE_PREVIOUS,
	STATE_STMT_FLAG_SET,
	STATE_STMT_FLAG_GET,
	STATE_STMT_SUMMARY_RECORD,
	STATE_STMT_SUMMARY_LATEST,
	STATE_STMT_REPLY_RECORD,
	STATE_STMT_REPLY_COUNT,
	STATE_STMT_OUTCOME,
	STATE_STMT_DEFECTS_DELETE,
	STATE_STMT_DEFECT_INSERT,
	STATE_STMT_DEFECTS,
	STATE_STMT_COUNT
};

struct state {
	sqlite3 *db;
	char *path;
	unsigned tx_depth;              /* 0: no transaction open */
	sqlite3_stmt *stmts[STATE_STMT_COUNT];
};

/* The cached statement for id, prepared from sql on first use, reset
 * and with its bindings cleared. NULL with *error_r on failure. */
sqlite3_stmt *state_stmt(struct state *st, enum state_stmt_id id, const char *sql,
			 const char **error_r);
/* "<what>: <sqlite's message>" in the thread's error buffer. */
const char *state_db_error(struct state *st, const char *what);
/* printf into the thread's error buffer. */
const char *state_error_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Step a statement that returns no rows (SQLITE_DONE); 0 or -1. */
int state_step_done(struct state *st, sqlite3_stmt *s, const char *what,
		    const char **error_r);
/* Bind a string or NULL. */
int state_bind_text(sqlite3_stmt *s, int idx, const char *text);
/* Format "<prefix>-%06lld" into out, checking the prefix. */
int state_receipt_format(const char *prefix, long long n,
			 char out[STATE_RECEIPT_SIZE], const char **error_r);
/* Bump and read campaign's counter inside the current transaction. */
int state_receipt_bump(struct state *st, const char *campaign_id, long long *n_r,
		       const char **error_r);

/* state-msg.c, for state-sender.c */
/* The row inside a transaction; -1 also when there is none. */
int state_msg_get_existing(struct state *st, int64_t id, struct state_msg *m,
			   const char **error_r);
/* Commit, or roll back when ret < 0; returns ret, or -1 if the commit failed. */
int state_msg_finish(struct state *st, int ret, const char **error_r);
/* Step an UPDATE that must change exactly row id. */
int state_msg_update_one(struct state *st, sqlite3_stmt *s, int64_t id,
			 const char *what, const char **error_r);
/* Read all rows of a bound SELECT of the messages columns, then call cb
 * on each (cb may use the statement cache); as state_msg_unfinished(). */
int state_msg_walk(struct state *st, sqlite3_stmt *s,
		   int (*cb)(const struct state_msg *m, void *ctx),
		   void *ctx, const char **error_r);
/* The column list state_msg_walk() expects. */
#define STATE_MSG_COLUMNS \
	"id, mailbox, uidvalidity, uid, source_key, message_id, sha256, size," \
	" arrival, raw_path, campaign, receipt, verdict, sender, state, reply," \
	" reply_attempts, reply_next, created, updated, error," \
	" subject, sender_name, ignored_reason, needs_human, reprocessed"

/* state-schema.c: create or migrate to STATE_SCHEMA_VERSION (runs its
 * own transaction). */
int state_schema_migrate(struct state *st, const char **error_r);

#endif
