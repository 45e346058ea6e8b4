/* state-msg: the messages table — one row per mail ever fetched, and its
 * way through the state machine documented in state.h.
 *
 * Every check-then-write (is this transition legal? has the row a
 * receipt already?) reads and writes in one IMMEDIATE transaction, so a
 * second process cannot slip in between, and a crash keeps either the
 * old row or the new one. */
#include "state-private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const state_msg_state_names[] = {
	[STATE_MSG_FETCHED] = "fetched",
	[STATE_MSG_FILED] = "filed",
	[STATE_MSG_REPLY_QUEUED] = "reply_queued",
	[STATE_MSG_NO_REPLY] = "no_reply",
	[STATE_MSG_MARKED] = "marked",
};
static const char *const state_reply_state_names[] = {
	[STATE_REPLY_NONE] = "none",
	[STATE_REPLY_PENDING] = "pending",
	[STATE_REPLY_SENT] = "sent",
	[STATE_REPLY_FAILED] = "failed",
};

const char *state_msg_state_name(enum state_msg_state s)
{
	if (s < STATE_MSG_FETCHED || s > STATE_MSG_MARKED)
		return "?";
	return state_msg_state_names[s];
}

const char *state_reply_state_name(enum state_reply_state s)
{
	if (s > STATE_REPLY_FAILED)
		return "?";
	return state_reply_state_names[s];
}

bool state_msg_transition_ok(enum state_msg_state from, enum state_msg_state to)
{
	switch (from) {
	case STATE_MSG_FETCHED:
		return to == STATE_MSG_FILED;
	case STATE_MSG_FILED:
		return to == STATE_MSG_REPLY_QUEUED || to == STATE_MSG_NO_REPLY;
	case STATE_MSG_REPLY_QUEUED:
	case STATE_MSG_NO_REPLY:
		return to == STATE_MSG_MARKED;
	case STATE_MSG_MARKED:
		return false;
	}
	return false;
}

void state_msg_clear(struct state_msg *m)
{
	const char **strs[] = {
		&m->mailbox, &m->source_key, &m->message_id, &m->sha256,
		&m->raw_path, &m->campaign, &m->receipt, &m->verdict, &m->sender,
		&m->error, &m->subject, &m->sender_name, &m->ignored_reason,
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free((char *)*strs[i]);
	memset(m, 0, sizeof(*m));
}

static const char *state_msg_col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

static unsigned state_msg_name_index(const char *const *names, size_t n,
				     const unsigned char *text)
{
	for (size_t i = 0; text != NULL && i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], (const char *)text) == 0)
			return (unsigned)i;
	}
	return 0;
}

static void state_msg_fill(sqlite3_stmt *s, struct state_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->mailbox = state_msg_col_dup(s, 1);
	m->uidvalidity = (uint32_t)sqlite3_column_int64(s, 2);
	m->uid = (uint32_t)sqlite3_column_int64(s, 3);
	m->source_key = state_msg_col_dup(s, 4);
	m->message_id = state_msg_col_dup(s, 5);
	m->sha256 = state_msg_col_dup(s, 6);
	m->size = (uint64_t)sqlite3_column_int64(s, 7);
	m->arrival = sqlite3_column_int64(s, 8);
	m->raw_path = state_msg_col_dup(s, 9);
	m->campaign = state_msg_col_dup(s, 10);
	m->receipt = state_msg_col_dup(s, 11);
	m->verdict = state_msg_col_dup(s, 12);
	m->sender = state_msg_col_dup(s, 13);
	m->state = state_msg_name_index(state_msg_state_names, 6, sqlite3_column_text(s, 14));
	m->reply = state_msg_name_index(state_reply_state_names, 4, sqlite3_column_text(s, 15));
	m->reply_attempts = (unsigned)sqlite3_column_int(s, 16);
	m->reply_next = sqlite3_column_int64(s, 17);
	m->created = sqlite3_column_int64(s, 18);
	m->updated = sqlite3_column_int64(s, 19);
	m->error = state_msg_col_dup(s, 20);
	m->subject = state_msg_col_dup(s, 21);
	m->sender_name = state_msg_col_dup(s, 22);
	m->ignored_reason = state_msg_col_dup(s, 23);
	m->needs_human = sqlite3_column_int(s, 24) != 0;
	m->reprocessed = (unsigned)sqlite3_column_int(s, 25);
}

/* Step a bound single-row lookup: 1 found, 0 not, -1 error. */
static int state_msg_lookup_one(struct state *st, sqlite3_stmt *s,
				struct state_msg *m, const char **error_r)
{
	int rc = sqlite3_step(s), ret = 0;

	if (rc == SQLITE_ROW) {
		state_msg_fill(s, m);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "looking up a message");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_msg_lookup_uid(struct state *st, const char *mailbox, uint32_t uidvalidity,
			 uint32_t uid, struct state_msg *m, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_BY_UID,
		"SELECT " STATE_MSG_COLUMNS " FROM messages"
		" WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	return state_msg_lookup_one(st, s, m, error_r);
}

int state_msg_lookup_source_key(struct state *st, const char *mailbox,
				const char *source_key, struct state_msg *m,
				const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_BY_KEY,
		"SELECT " STATE_MSG_COLUMNS " FROM messages"
		" WHERE mailbox = ?1 AND source_key = ?2", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	state_bind_text(s, 2, source_key);
	return state_msg_lookup_one(st, s, m, error_r);
}

int state_msg_lookup_digest(struct state *st, const char *mailbox,
			    const char *message_id, const char *sha256,
			    struct state_msg *m, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_BY_DIGEST,
		"SELECT " STATE_MSG_COLUMNS " FROM messages"
		" WHERE mailbox = ?1 AND sha256 = ?2 AND message_id IS ?3"
		" ORDER BY id LIMIT 1", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	state_bind_text(s, 2, sha256);
	state_bind_text(s, 3, message_id);
	return state_msg_lookup_one(st, s, m, error_r);
}

int state_msg_lookup_receipt(struct state *st, const char *receipt,
			     struct state_msg *m, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_BY_RECEIPT,
		"SELECT " STATE_MSG_COLUMNS " FROM messages WHERE receipt = ?1", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, receipt);
	return state_msg_lookup_one(st, s, m, error_r);
}

int state_msg_get(struct state *st, int64_t id, struct state_msg *m,
		  const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_BY_ID,
		"SELECT " STATE_MSG_COLUMNS " FROM messages WHERE id = ?1", error_r);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return state_msg_lookup_one(st, s, m, error_r);
}

/* The row inside a transaction, -1 also when there is none. */
int state_msg_get_existing(struct state *st, int64_t id,
				  struct state_msg *m, const char **error_r)
{
	int ret = state_msg_get(st, id, m, error_r);

	if (ret == 0)
		*error_r = state_error_fmt("no message with id %lld", (long long)id);
	return ret == 1 ? 0 : -1;
}

/* Commit, or roll back when ret says the body failed. */
int state_msg_finish(struct state *st, int ret, const char **error_r)
{
	if (ret < 0) {
		state_transaction_rollback(st);
		return -1;
	}
	return state_transaction_commit(st, error_r) < 0 ? -1 : ret;
}

int state_msg_add(struct state *st, const struct state_msg *m, int64_t *id_r,
		  const char **error_r)
{
	struct state_msg old = { 0 };
	bool imap = m->uid > 0;
	sqlite3_stmt *s;
	int ret = -1;

	if (m->mailbox == NULL || m->sha256 == NULL ||
	    (imap ? m->uidvalidity == 0 || m->source_key != NULL : m->source_key == NULL)) {
		*error_r = "state_msg_add: needs mailbox, sha256 and uidvalidity+uid "
			"or source_key";
		return -1;
	}
	if (state_transaction_begin(st, error_r) < 0)
		return -1;
	s = state_stmt(st, STATE_STMT_MSG_INSERT,
		"INSERT INTO messages (mailbox, uidvalidity, uid, source_key,"
		" message_id, sha256, size, arrival, raw_path, campaign, sender,"
		" state, created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'fetched', ?12, ?12)"
		" ON CONFLICT DO NOTHING", error_r);
	if (s == NULL)
		goto out;
	state_bind_text(s, 1, m->mailbox);
	if (imap) {
		sqlite3_bind_int64(s, 2, m->uidvalidity);
		sqlite3_bind_int64(s, 3, m->uid);
	}
	state_bind_text(s, 4, m->source_key);
	state_bind_text(s, 5, m->message_id);
	state_bind_text(s, 6, m->sha256);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)m->size);
	if (m->arrival != 0)
		sqlite3_bind_int64(s, 8, m->arrival);
	state_bind_text(s, 9, m->raw_path);
	state_bind_text(s, 10, m->campaign);
	state_bind_text(s, 11, m->sender);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)time(NULL));
	if (state_step_done(st, s, "adding a message", error_r) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 1) {
		*id_r = sqlite3_last_insert_rowid(st->db);
		ret = 0;
		goto out;
	}
	/* already there: which row? */
	ret = imap ? state_msg_lookup_uid(st, m->mailbox, m->uidvalidity, m->uid, &old, error_r) :
		state_msg_lookup_source_key(st, m->mailbox, m->source_key, &old, error_r);
	if (ret == 0) {
		*error_r = "state_msg_add: conflict on a key other than the source's";
		ret = -1;
	} else if (ret == 1) {
		*id_r = old.id;
	}
	state_msg_clear(&old);
out:
	return state_msg_finish(st, ret, error_r);
}

/* An UPDATE that must hit exactly row id. */
int state_msg_update_one(struct state *st, sqlite3_stmt *s, int64_t id,
				const char *what, const char **error_r)
{
	if (state_step_done(st, s, what, error_r) < 0)
		return -1;
	if (sqlite3_changes(st->db) != 1) {
		*error_r = state_error_fmt("%s: no message with id %lld", what, (long long)id);
		return -1;
	}
	return 0;
}

int state_msg_rebind_uid(struct state *st, int64_t id, uint32_t uidvalidity,
			 uint32_t uid, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_REBIND,
		"UPDATE messages SET uidvalidity = ?2, uid = ?3, updated = ?4"
		" WHERE id = ?1 AND source_key IS NULL", error_r);

	if (s == NULL)
		return -1;
	if (uid == 0 || uidvalidity == 0) {
		*error_r = "state_msg_rebind_uid: uid and uidvalidity must be > 0";
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
	return state_msg_update_one(st, s, id, "rebinding a message", error_r);
}

int state_msg_receipt(struct state *st, int64_t id, const char *campaign_id,
		      const char *prefix, char out[STATE_RECEIPT_SIZE],
		      const char **error_r)
{
	struct state_msg m = { 0 };
	sqlite3_stmt *s;
	long long n;
	int ret = -1;

	if (st->tx_depth > 0) {
		*error_r = "state_msg_receipt: not inside a transaction";
		return -1;
	}
	if (state_receipt_format(prefix, 0, out, error_r) < 0 ||
	    state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_msg_get_existing(st, id, &m, error_r) < 0)
		goto out;
	if (m.receipt != NULL) {
		snprintf(out, STATE_RECEIPT_SIZE, "%s", m.receipt);
		ret = 0;
		goto out;
	}
	if (state_receipt_bump(st, campaign_id, &n, error_r) < 0 ||
	    state_receipt_format(prefix, n, out, error_r) < 0)
		goto out;
	s = state_stmt(st, STATE_STMT_MSG_SET_RECEIPT,
		       "UPDATE messages SET receipt = ?2, campaign = ?3, updated = ?4"
		       " WHERE id = ?1", error_r);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	state_bind_text(s, 2, out);
	state_bind_text(s, 3, campaign_id);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
	ret = state_msg_update_one(st, s, id, "storing a receipt", error_r);
out:
	state_msg_clear(&m);
	return state_msg_finish(st, ret, error_r);
}

int state_msg_advance(struct state *st, int64_t id, enum state_msg_state to,
		      const struct state_msg_update *u, const char **error_r)
{
	static const struct state_msg_update none = { 0 };
	struct state_msg m = { 0 };
	sqlite3_stmt *s;
	int ret = -1;

	if (u == NULL)
		u = &none;
	if (state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_msg_get_existing(st, id, &m, error_r) < 0)
		goto out;
	if (!state_msg_transition_ok(m.state, to)) {
		*error_r = state_error_fmt("message %lld: illegal transition %s → %s",
					   (long long)id, state_msg_state_name(m.state),
					   state_msg_state_name(to));
		goto out;
	}
	s = state_stmt(st, STATE_STMT_MSG_ADVANCE,
		"UPDATE messages SET state = ?2, campaign = coalesce(?3, campaign),"
		" verdict = coalesce(?4, verdict), sender = coalesce(?5, sender),"
		" raw_path = coalesce(?6, raw_path), error = NULL, updated = ?7,"
		" reply = CASE WHEN ?2 = 'reply_queued' THEN 'pending' ELSE reply END,"
		" reply_next = CASE WHEN ?2 = 'reply_queued' THEN ?7 ELSE reply_next END"
		" WHERE id = ?1", error_r);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	state_bind_text(s, 2, state_msg_state_name(to));
	state_bind_text(s, 3, u->campaign);
	state_bind_text(s, 4, u->verdict);
	state_bind_text(s, 5, u->sender);
	state_bind_text(s, 6, u->raw_path);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)time(NULL));
	ret = state_msg_update_one(st, s, id, "advancing a message", error_r);
out:
	state_msg_clear(&m);
	return state_msg_finish(st, ret, error_r);
}

int state_msg_set_error(struct state *st, int64_t id, const char *text,
			const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_SET_ERROR,
		"UPDATE messages SET error = ?2, updated = ?3 WHERE id = ?1", error_r);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	state_bind_text(s, 2, text);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
	return state_msg_update_one(st, s, id, "storing a message error", error_r);
}

int state_msg_attempt(struct state *st, int64_t id, unsigned *attempts_r,
		      const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_ATTEMPT,
		"UPDATE messages SET attempts = attempts + 1 WHERE id = ?1"
		" RETURNING attempts", error_r);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*attempts_r = (unsigned)sqlite3_column_int(s, 0);
		rc = sqlite3_step(s);
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*error_r = rc == SQLITE_NOTFOUND ?
			state_error_fmt("message %lld: no such row", (long long)id) :
			state_db_error(st, "counting a check attempt");
		return -1;
	}
	return 0;
}

int state_msg_attempt_end(struct state *st, int64_t id, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_ATTEMPT_END,
		"UPDATE messages SET attempts = 0 WHERE id = ?1", error_r);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return state_msg_update_one(st, s, id, "ending a check attempt", error_r);
}

/* Read every row of a bound statement, then call cb on each: cb may use
 * the statement cache (even this statement) freely. */
int state_msg_walk(struct state *st, sqlite3_stmt *s,
			  int (*cb)(const struct state_msg *m, void *ctx),
			  void *ctx, const char **error_r)
{
	struct state_msg *rows = NULL;
	size_t n = 0, i;
	int rc, ret = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		state_msg_fill(s, &rows[n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "listing messages");
		ret = -1;
	}
	for (i = 0; i < n; i++) {
		if (ret == 0)
			ret = cb(&rows[i], ctx);
		state_msg_clear(&rows[i]);
	}
	free(rows);
	return ret;
}

int state_msg_unfinished(struct state *st, const char *mailbox,
			 int (*cb)(const struct state_msg *m, void *ctx),
			 void *ctx, const char **error_r)
{
	sqlite3_stmt *s;

	if (mailbox != NULL) {
		s = state_stmt(st, STATE_STMT_MSG_UNFINISHED,
			"SELECT " STATE_MSG_COLUMNS " FROM messages"
			" WHERE mailbox = ?1 AND state <> 'marked' ORDER BY id", error_r);
		if (s != NULL)
			state_bind_text(s, 1, mailbox);
	} else {
		s = state_stmt(st, STATE_STMT_MSG_UNFINISHED_ALL,
			"SELECT " STATE_MSG_COLUMNS " FROM messages"
			" WHERE state <> 'marked' ORDER BY id", error_r);
	}
	return s == NULL ? -1 : state_msg_walk(st, s, cb, ctx, error_r);
}
