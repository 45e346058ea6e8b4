/* state-report: what a check found, kept for the admins (the defects
 * table and the outcome columns of messages, schema version 2), and the
 * read-only queries behind `casemailctl list` and the digest. */
#include "state-private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int state_msg_outcome(struct state *st, int64_t id, const struct state_outcome *o,
		      const char **error_r)
{
	struct state_msg m;
	sqlite3_stmt *s;
	int ret = -1;

	if (state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_msg_get_existing(st, id, &m, error_r) < 0)
		return state_msg_finish(st, -1, error_r);
	if (m.receipt == NULL) {
		*error_r = state_error_fmt("message %lld has no receipt", (long long)id);
		goto out;
	}
	s = state_stmt(st, STATE_STMT_OUTCOME,
		       "UPDATE messages SET verdict = ?2, subject = ?3, sender_name = ?4,"
		       " needs_human = ?5, ignored_reason = ?6,"
		       " reprocessed = reprocessed + ?7, updated = ?8,"
		       " arrival = CASE WHEN coalesce(arrival, 0) = 0 THEN ?9 ELSE arrival END"
		       " WHERE id = ?1", error_r);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	state_bind_text(s, 2, o->verdict);
	state_bind_text(s, 3, o->subject);
	state_bind_text(s, 4, o->sender_name);
	sqlite3_bind_int(s, 5, o->needs_human);
	state_bind_text(s, 6, o->ignored_reason);
	sqlite3_bind_int(s, 7, o->reprocessed);
	sqlite3_bind_int64(s, 8, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 9, o->arrival);
	if (state_msg_update_one(st, s, id, "storing the outcome", error_r) < 0)
		goto out;
	s = state_stmt(st, STATE_STMT_DEFECTS_DELETE, "DELETE FROM defects WHERE receipt = ?1",
		       error_r);
	if (s == NULL)
		goto out;
	state_bind_text(s, 1, m.receipt);
	if (state_step_done(st, s, "clearing defects", error_r) < 0)
		goto out;
	for (size_t i = 0; i < o->ndefects; i++) {
		s = state_stmt(st, STATE_STMT_DEFECT_INSERT,
			       "INSERT INTO defects (receipt, seq, code, severity, file)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)", error_r);
		if (s == NULL)
			goto out;
		state_bind_text(s, 1, m.receipt);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		state_bind_text(s, 3, o->defects[i].code);
		state_bind_text(s, 4, o->defects[i].severity);
		state_bind_text(s, 5, o->defects[i].file);
		if (state_step_done(st, s, "storing a defect", error_r) < 0)
			goto out;
	}
	ret = 0;
out:
	state_msg_clear(&m);
	return state_msg_finish(st, ret, error_r);
}

int state_msg_defects(struct state *st, const char *receipt,
		      int (*cb)(const struct state_defect *d, void *ctx), void *ctx,
		      const char **error_r)
{
	sqlite3_stmt *s = state_stmt(st, STATE_STMT_DEFECTS,
				     "SELECT code, severity, file FROM defects"
				     " WHERE receipt = ?1 ORDER BY seq", error_r);
	struct state_defect *v = NULL;
	size_t n = 0;
	int rc, ret = 0;

	if (s == NULL)
		return -1;
	state_bind_text(s, 1, receipt);
	/* rows first, callbacks after: cb may use the statement cache */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *file = sqlite3_column_text(s, 2);
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].code = xstrdup((const char *)sqlite3_column_text(s, 0));
		v[n].severity = xstrdup((const char *)sqlite3_column_text(s, 1));
		v[n].file = file != NULL ? xstrdup((const char *)file) : NULL;
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "reading defects");
		ret = -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ret == 0)
			ret = cb(&v[i], ctx);
		free((char *)v[i].code);
		free((char *)v[i].severity);
		free((char *)v[i].file);
	}
	free(v);
	return ret;
}

int state_msg_list(struct state *st, const struct state_filter *f,
		   int (*cb)(const struct state_msg *m, void *ctx), void *ctx,
		   const char **error_r)
{
	/* Filters vary per call, so this statement is prepared each time
	   (an admin command, not the hot path); values are bound, never
	   pasted into the SQL. */
	char sql[640];
	sqlite3_stmt *s = NULL;
	int ret;

	snprintf(sql, sizeof(sql),
		 "SELECT " STATE_MSG_COLUMNS " FROM messages"
		 " WHERE (?1 IS NULL OR campaign = ?1)"
		 " AND (?2 IS NULL OR verdict = ?2)"
		 " AND coalesce(nullif(arrival, 0), created) >= ?3"
		 " AND coalesce(nullif(arrival, 0), created) < ?4"
		 "%s ORDER BY coalesce(nullif(arrival, 0), created) %s, id %s LIMIT ?5",
		 f->with_error ? " AND error IS NOT NULL AND state NOT IN ('marked')" : "",
		 f->oldest_first ? "ASC" : "DESC", f->oldest_first ? "ASC" : "DESC");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		*error_r = state_db_error(st, "preparing the list");
		return -1;
	}
	state_bind_text(s, 1, f->campaign);
	state_bind_text(s, 2, f->verdict);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int64(s, 4, f->until > 0 ? f->until : INT64_MAX);
	sqlite3_bind_int64(s, 5, f->limit > 0 ? (int64_t)f->limit : -1);
	ret = state_msg_walk(st, s, cb, ctx, error_r);
	sqlite3_finalize(s);
	return ret;
}

int state_cases(struct state *st, const char *campaign, int64_t until,
		int (*cb)(const struct state_case *c, void *ctx), void *ctx,
		const char **error_r)
{
	sqlite3_stmt *s = NULL;
	struct state_case *v = NULL;
	size_t n = 0;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT c.sender, c.company, c.case_name, c.receipt,"
			       " coalesce(c.verdict, ''), t"
			       " FROM (SELECT c.*, coalesce(nullif(m.arrival, 0), m.created, c.time) AS t,"
			       "       m.verdict AS verdict FROM cases c"
			       "       LEFT JOIN messages m ON m.receipt = c.receipt) c"
			       " WHERE c.campaign = ?1 AND t < ?2"
			       " ORDER BY t, c.receipt", -1, &s, NULL) != SQLITE_OK) {
		*error_r = state_db_error(st, "preparing the case list");
		return -1;
	}
	state_bind_text(s, 1, campaign);
	sqlite3_bind_int64(s, 2, until > 0 ? until : INT64_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].sender = xstrdup((const char *)sqlite3_column_text(s, 0));
		v[n].company = xstrdup((const char *)sqlite3_column_text(s, 1));
		v[n].case_name = xstrdup((const char *)sqlite3_column_text(s, 2));
		v[n].receipt = xstrdup((const char *)sqlite3_column_text(s, 3));
		v[n].verdict = xstrdup((const char *)sqlite3_column_text(s, 4));
		v[n].time = sqlite3_column_int64(s, 5);
		n++;
	}
	if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "listing cases");
		ret = -1;
	}
	sqlite3_finalize(s);
	for (size_t i = 0; i < n; i++) {
		if (ret == 0)
			ret = cb(&v[i], ctx);
		free((char *)v[i].sender);
		free((char *)v[i].company);
		free((char *)v[i].case_name);
		free((char *)v[i].receipt);
		free((char *)v[i].verdict);
	}
	free(v);
	return ret;
}
