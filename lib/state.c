/* state: opening the state DB, transactions, the statement cache,
 * receipt counters, mailboxes and the admins' counts (see state.h).
 *
 * Durability comes from SQLite: WAL with synchronous=FULL syncs the WAL
 * on every commit, so a committed receipt or state change survives power
 * loss. Writers use BEGIN IMMEDIATE: a deferred transaction that later
 * wants to write can fail with SQLITE_BUSY at once in WAL mode (its
 * snapshot is stale), which busy_timeout does not retry. */
#include "state-private.h"
#include "fsutil.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_BUSY_TIMEOUT_MS 5000

static __thread char state_err[512];

const char *state_error_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(state_err, sizeof(state_err), fmt, ap);
	va_end(ap);
	return state_err;
}

const char *state_db_error(struct state *st, const char *what)
{
	/* the file first: an admin reading "database is locked" or "file is
	   not a database" needs to know which one */
	if (st->path != NULL && strcmp(what, st->path) != 0)
		return state_error_fmt("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return state_error_fmt("%s: %s", what, sqlite3_errmsg(st->db));
}

int state_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

sqlite3_stmt *state_stmt(struct state *st, enum state_stmt_id id, const char *sql,
			 const char **error_r)
{
	sqlite3_stmt **slot = &st->stmts[id];

	if (*slot == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       slot, NULL) != SQLITE_OK) {
			*error_r = state_db_error(st, "preparing a statement");
			*slot = NULL;
			return NULL;
		}
	} else {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	return *slot;
}

int state_step_done(struct state *st, sqlite3_stmt *s, const char *what,
		    const char **error_r)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, what);
		return -1;
	}
	return 0;
}

static int state_exec(struct state *st, const char *sql, const char **error_r)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*error_r = state_db_error(st, sql);
		return -1;
	}
	return 0;
}

/* Create the file 0600 ourselves: SQLite would use 0644 & ~umask, and the
 * -wal/-shm files copy the DB file's mode. */
static int state_create_file(const char *path, const char **error_r)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 && errno != EEXIST) {
		*error_r = state_error_fmt("open(%s): %s", path, strerror(errno));
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

struct state *state_open(const char *dir, const char **error_r)
{
	struct state *st = xcalloc(1, sizeof(*st));
	sqlite3_stmt *s = NULL;

	if (fsutil_mkdir_p(dir, error_r) < 0)
		goto fail;
	st->path = xasprintf("%s/%s", dir, STATE_DB_NAME);
	if (state_create_file(st->path, error_r) < 0)
		goto fail;
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		*error_r = st->db == NULL ? "sqlite3_open: out of memory" :
			state_db_error(st, st->path);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STATE_BUSY_TIMEOUT_MS);
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		*error_r = state_db_error(st, "PRAGMA journal_mode");
		goto fail;
	}
	if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		*error_r = state_error_fmt("%s: cannot switch to WAL (journal mode %s)",
					   st->path, sqlite3_column_text(s, 0));
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (state_exec(st, "PRAGMA synchronous=FULL", error_r) < 0 ||
	    state_exec(st, "PRAGMA foreign_keys=ON", error_r) < 0 ||
	    state_schema_migrate(st, error_r) < 0)
		goto fail;
	return st;
fail:
	sqlite3_finalize(s);
	state_close(&st);
	return NULL;
}

void state_close(struct state **stp)
{
	struct state *st = *stp;

	if (st == NULL)
		return;
	*stp = NULL;
	for (size_t i = 0; i < STATE_STMT_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	if (st->db != NULL) {
		if (!sqlite3_get_autocommit(st->db))
			(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(st->db);
	}
	free(st->path);
	free(st);
}

/* ---- transactions ------------------------------------------------------ */

int state_transaction_begin(struct state *st, const char **error_r)
{
	if (state_exec(st, st->tx_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT s",
		       error_r) < 0)
		return -1;
	st->tx_depth++;
	return 0;
}

int state_transaction_commit(struct state *st, const char **error_r)
{
	if (st->tx_depth == 0) {
		*error_r = "state: commit without a transaction";
		return -1;
	}
	if (state_exec(st, st->tx_depth == 1 ? "COMMIT" : "RELEASE s", error_r) < 0) {
		const char *saved = *error_r;

		state_transaction_rollback(st);
		*error_r = saved;
		return -1;
	}
	st->tx_depth--;
	return 0;
}

void state_transaction_rollback(struct state *st)
{
	if (st->tx_depth == 0)
		return;
	if (st->tx_depth == 1) {
		/* SQLite may have rolled back already (SQLITE_FULL, IOERR) */
		if (!sqlite3_get_autocommit(st->db))
			(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		(void)sqlite3_exec(st->db, "ROLLBACK TO s; RELEASE s", NULL, NULL, NULL);
	}
	st->tx_depth--;
}

bool state_in_transaction(const struct state *st)
{
	return st->tx_depth > 0;
}

/* ---- receipts ---------------------------------------------------------- */

int state_receipt_format(const char *prefix, long long n,
			 char out[STATE_RECEIPT_SIZE], const char **error_r)
{
	size_t len = strlen(prefix);
	bool ok = len > 0 && len <= STATE_RECEIPT_PREFIX_MAX;

	for (size_t i = 0; ok && i < len; i++) {
		char c = prefix[i];

		ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '_';
	}
	if (!ok) {
		*error_r = state_error_fmt("bad receipt prefix \"%s\" (1-%d letters, "
					   "digits, '_')", prefix, STATE_RECEIPT_PREFIX_MAX);
		return -1;
	}
	snprintf(out, STATE_RECEIPT_SIZE, "%s-%06lld", prefix, n);
	return 0;
}

int state_receipt_bump(struct state *st, const char *campaign_id, long long *n_r,
		       const char **error_r)
{
	sqlite3_stmt *s;

	s = state_stmt(st, STATE_STMT_RECEIPT_BUMP,
		       "INSERT INTO receipt_counters (campaign, last) VALUES (?1, 1)"
		       " ON CONFLICT (campaign) DO UPDATE SET last = last + 1", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign_id);
	if (state_step_done(st, s, "bumping the receipt counter", error_r) < 0)
		return -1;
	s = state_stmt(st, STATE_STMT_RECEIPT_GET,
		       "SELECT last FROM receipt_counters WHERE campaign = ?1", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, campaign_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		*error_r = state_db_error(st, "reading the receipt counter");
		sqlite3_reset(s);
		return -1;
	}
	*n_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int state_receipt_next(struct state *st, const char *campaign_id,
		       const char *prefix, char out[STATE_RECEIPT_SIZE],
		       const char **error_r)
{
	long long n;

	if (st->tx_depth > 0) {
		/* its number would be handed out before it is durable */
		*error_r = "state_receipt_next: not inside a transaction";
		return -1;
	}
	if (state_receipt_format(prefix, 0, out, error_r) < 0 ||
	    state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_receipt_bump(st, campaign_id, &n, error_r) < 0) {
		state_transaction_rollback(st);
		return -1;
	}
	if (state_transaction_commit(st, error_r) < 0)
		return -1;
	return state_receipt_format(prefix, n, out, error_r);
}

/* ---- mailboxes --------------------------------------------------------- */

int state_mailbox_uidvalidity_get(struct state *st, const char *mailbox,
				  uint32_t *uidvalidity_r, const char **error_r)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	s = state_stmt(st, STATE_STMT_MAILBOX_UV_GET,
		       "SELECT uidvalidity FROM mailboxes WHERE name = ?1"
		       " AND uidvalidity IS NOT NULL", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(s, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "reading the UIDVALIDITY");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_mailbox_uidvalidity_set(struct state *st, const char *mailbox,
				  uint32_t uidvalidity, const char **error_r)
{
	sqlite3_stmt *s;

	s = state_stmt(st, STATE_STMT_MAILBOX_UV_SET,
		       "INSERT INTO mailboxes (name, uidvalidity) VALUES (?1, ?2)"
		       " ON CONFLICT (name) DO UPDATE SET uidvalidity = ?2", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	return state_step_done(st, s, "storing the UIDVALIDITY", error_r);
}

int state_mailbox_polled(struct state *st, const char *mailbox, int64_t t,
			 const char **error_r)
{
	sqlite3_stmt *s;

	s = state_stmt(st, STATE_STMT_MAILBOX_POLLED,
		       "INSERT INTO mailboxes (name, last_poll) VALUES (?1, ?2)"
		       " ON CONFLICT (name) DO UPDATE SET last_poll = ?2", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	sqlite3_bind_int64(s, 2, t);
	return state_step_done(st, s, "storing the poll time", error_r);
}

int state_uid_high(struct state *st, const char *mailbox, uint32_t uidvalidity,
		   uint32_t *uid_r, const char **error_r)
{
	sqlite3_stmt *s;
	int ret = 0;

	s = state_stmt(st, STATE_STMT_UID_HIGH,
		       "SELECT coalesce(max(uid), 0) FROM messages"
		       " WHERE mailbox = ?1 AND uidvalidity = ?2", error_r);
	if (s == NULL)
		return -1;
	state_bind_text(s, 1, mailbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*uid_r = (uint32_t)sqlite3_column_int64(s, 0);
	} else {
		*error_r = state_db_error(st, "reading the highest UID");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

/* ---- status ------------------------------------------------------------ */

static const char *state_col_str(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t != NULL ? (const char *)t : "";
}

int state_mailboxes(struct state *st,
		    int (*cb)(const struct state_mailbox_info *mb, void *ctx),
		    void *ctx, const char **error_r)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, ret = 0;

	s = state_stmt(st, STATE_STMT_MAILBOX_LIST,
		       "SELECT name, coalesce(uidvalidity, 0), coalesce(last_poll, 0)"
		       " FROM mailboxes ORDER BY name", error_r);
	if (s == NULL)
		return -1;
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_mailbox_info mb = {
			.name = state_col_str(s, 0),
			.uidvalidity = (uint32_t)sqlite3_column_int64(s, 1),
			.last_poll = sqlite3_column_int64(s, 2),
		};
		ret = cb(&mb, ctx);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "listing mailboxes");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}

int state_counts(struct state *st,
		 int (*cb)(const struct state_count *c, void *ctx),
		 void *ctx, const char **error_r)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, ret = 0;

	s = state_stmt(st, STATE_STMT_COUNTS,
		       "SELECT coalesce(campaign, ''), coalesce(verdict, ''), count(*),"
		       " sum(state <> 'marked'), sum(reply = 'pending'),"
		       " sum(reply = 'sent'), sum(reply = 'failed')"
		       " FROM messages GROUP BY 1, 2 ORDER BY 1, 2", error_r);
	if (s == NULL)
		return -1;
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_count c = {
			.campaign = state_col_str(s, 0),
			.verdict = state_col_str(s, 1),
			.messages = sqlite3_column_int64(s, 2),
			.unfinished = sqlite3_column_int64(s, 3),
			.reply_pending = sqlite3_column_int64(s, 4),
			.reply_sent = sqlite3_column_int64(s, 5),
			.reply_failed = sqlite3_column_int64(s, 6),
		};
		ret = cb(&c, ctx);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		*error_r = state_db_error(st, "counting messages");
		ret = -1;
	}
	sqlite3_reset(s);
	return ret;
}
