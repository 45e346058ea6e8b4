/* state-sender: what casemail remembers about senders across mails — the
 * cases each sent (case.resubmitted), per-campaign flags such as "has
 * sent a 汇总清单" (doc.missing_summary_list), the replies each got
 * (the daily reply cap) — and the sending of those replies (a message's
 * reply state, the retry queue). See state.h for the contracts.
 *
 * Each function is one statement, atomic by itself (or part of the
 * caller's transaction); the INSERTs are idempotent so that a mail
 * resumed after a crash can record again without double counting. */
#include "state-private.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int state_case_record(struct state *st, const char *campaign, const char *sender,
		      const char *company, const char *case_name,
		      const char *receipt, int64_t t, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_CASE_RECORD,
		"INSERT INTO cases (campaign, sender, company, case_name, receipt, time)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign);
	state_bind_text(s, 2, sender);
	state_bind_text(s, 3, company != NULL ? company : "");
	state_bind_text(s, 4, case_name);
	state_bind_text(s, 5, receipt);
	sqlite3_bind_int64(s, 6, t);
	return state_step_done(st, s, "recording a case", error_r);
}

int state_case_previous(struct state *st, const char *campaign, const char *sender,
			const char *company, const char *case_name,
			const char *except_receipt,
			char receipt_r[STATE_RECEIPT_SIZE], const char **error_r)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	receipt_r[0] = '\0';
	s = state_stmt(st, STATE_STMT_CASE_PREVIOUS,
		"SELECT receipt FROM cases WHERE campaign = ?1 AND case_name = ?4"
		/* the same sender, or the same company from another sender (a
		   company that sent itself and then through its association) */
		" AND company = ?3 AND (sender = ?2 OR ?3 <> '')"
		/* only earlier receipts: a reprocessed mail must not point at a
		   later version (receipts grow: longer, or equal length and greater) */
		" AND (?5 IS NULL OR length(receipt) < length(?5)"
		"      OR (length(receipt) = length(?5) AND receipt < ?5))"
		" ORDER BY time DESC, receipt DESC LIMIT 1", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign);
	state_bind_text(s, 2, sender);
	state_bind_text(s, 3, company != NULL ? company : "");
	state_bind_text(s, 4, case_name);
	state_bind_text(s, 5, except_receipt);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(receipt_r, STATE_RECEIPT_SIZE, "%s", sqlite3_column_text(s, 0));
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "looking up earlier cases");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_summary_record(struct state *st, const char *campaign, const char *sender,
			 const char *receipt, const struct state_summary_row *rows,
			 size_t n, int64_t t, const char **error_r)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = state_stmt(st, STATE_STMT_SUMMARY_RECORD,
			"INSERT INTO summary_rows (campaign, sender, receipt, seq, place,"
			" company, city, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			" ON CONFLICT DO NOTHING", error_r);

		if (s == NULL)
			return -1;
		state_bind_text(s, 1, campaign);
		state_bind_text(s, 2, sender);
		state_bind_text(s, 3, receipt);
		sqlite3_bind_int64(s, 4, (int64_t)i);
		state_bind_text(s, 5, rows[i].place);
		state_bind_text(s, 6, rows[i].company != NULL ? rows[i].company : "");
		state_bind_text(s, 7, rows[i].city != NULL ? rows[i].city : "");
		sqlite3_bind_int64(s, 8, t);
		if (state_step_done(st, s, "recording a summary list", error_r) < 0)
			return -1;
	}
	return 0;
}

int state_summary_latest(struct state *st, const char *campaign, const char *sender,
			 int64_t until,
			 int (*cb)(const struct state_summary_row *r, void *ctx), void *ctx,
			 const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_SUMMARY_LATEST,
		"SELECT place, company, city FROM summary_rows WHERE receipt ="
		" (SELECT receipt FROM summary_rows WHERE campaign = ?1 AND sender = ?2"
		"  AND (?3 = 0 OR time < ?3) ORDER BY time DESC, receipt DESC LIMIT 1)"
		" ORDER BY seq", error_r);
	int rc, ret = 0;

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign);
	state_bind_text(s, 2, sender);
	sqlite3_bind_int64(s, 3, until);
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const struct state_summary_row r = {
			(const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1),
			(const char *)sqlite3_column_text(s, 2),
		};

		ret = cb(&r, ctx);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "reading a summary list");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_sender_flag_set(struct state *st, const char *campaign,
			  const char *sender, const char *flag, int64_t t,
			  const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_FLAG_SET,
		"INSERT INTO sender_flags (campaign, sender, flag, time)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign);
	state_bind_text(s, 2, sender);
	state_bind_text(s, 3, flag);
	sqlite3_bind_int64(s, 4, t);
	return state_step_done(st, s, "setting a sender flag", error_r);
}

int state_sender_flag_get(struct state *st, const char *campaign,
			  const char *sender, const char *flag,
			  const char **error_r)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = state_stmt(st, STATE_STMT_FLAG_GET,
		"SELECT 1 FROM sender_flags WHERE campaign = ?1 AND sender = ?2"
		" AND flag = ?3", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign);
	state_bind_text(s, 2, sender);
	state_bind_text(s, 3, flag);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "reading a sender flag");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_reply_record(struct state *st, const char *sender, const char *receipt,
		       int64_t t, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_REPLY_RECORD,
		"INSERT INTO replies (receipt, sender, time) VALUES (?1, ?2, ?3)"
		" ON CONFLICT DO NOTHING", error_r);

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, receipt);
	state_bind_text(s, 2, sender);
	sqlite3_bind_int64(s, 3, t);
	return state_step_done(st, s, "recording a reply", error_r);
}

int state_reply_count(struct state *st, const char *sender, int64_t day_start,
		      int64_t day_end, unsigned *count_r, const char **error_r)
{
	sqlite3_stmt *s;
	int ret = 0;

	s = state_stmt(st, STATE_STMT_REPLY_COUNT,
		"SELECT count(*) FROM replies WHERE sender = ?1"
		" AND time >= ?2 AND time < ?3", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, sender);
	sqlite3_bind_int64(s, 2, day_start);
	sqlite3_bind_int64(s, 3, day_end);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*count_r = (unsigned)sqlite3_column_int64(s, 0);
	} else {
		*error_r = state_db_error(st, "counting replies");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

/* ---- sending replies ---------------------------------------------------- */

int state_msg_reply_result(struct state *st, int64_t id, enum state_reply_state r,
			   int64_t next, const char *error, const char **error_r)
{
	struct state_msg m = { 0 };
	sqlite3_stmt *s;
	int ret = -1;

	if (r != STATE_REPLY_SENT && r != STATE_REPLY_FAILED && r != STATE_REPLY_PENDING) {
		*error_r = "state_msg_reply_result: result must be sent, failed or pending";
		return -1;
	}
	if (state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_msg_get_existing(st, id, &m, error_r) < 0)
		goto out;
	if (m.reply != STATE_REPLY_PENDING) {
		*error_r = state_error_fmt("message %lld: reply is %s, not pending",
					   (long long)id, state_reply_state_name(m.reply));
		goto out;
	}
	s = state_stmt(st, STATE_STMT_MSG_REPLY,
		"UPDATE messages SET reply = ?2, reply_attempts = reply_attempts + 1,"
		" reply_next = ?3, error = ?4, updated = ?5 WHERE id = ?1", error_r);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	state_bind_text(s, 2, state_reply_state_name(r));
	if (r == STATE_REPLY_PENDING)
		sqlite3_bind_int64(s, 3, next);
	state_bind_text(s, 4, r == STATE_REPLY_SENT ? NULL : error);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
	ret = state_msg_update_one(st, s, id, "storing a reply result", error_r);
out:
	state_msg_clear(&m);
	return state_msg_finish(st, ret, error_r);
}

int state_msg_replies_due(struct state *st, int64_t now,
			  int (*cb)(const struct state_msg *m, void *ctx),
			  void *ctx, const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_MSG_DUE,
		"SELECT " STATE_MSG_COLUMNS " FROM messages"
		" WHERE reply = 'pending' AND reply_next <= ?1"
		" ORDER BY reply_next, id", error_r);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return state_msg_walk(st, s, cb, ctx, error_r);
}
