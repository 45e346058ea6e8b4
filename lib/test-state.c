/* Tests for state: schema, reopen, receipts, sender history, reply
 * accounting, status, and what a crash mid-transaction leaves behind.
 * The message state machine is tested in test-state-msg.c. */
#include "state.h"
#include "buf.h"
#include "test.h"
#include "xalloc.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *test_state_dir(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

static struct state *test_state_open(const char *dir)
{
	const char *error = NULL;
	struct state *st = state_open(dir, &error);

	if (!test_assert(st != NULL))
		printf("# state_open: %s\n", error);
	return st;
}

/* Run one SQL query returning a single integer, outside the module. */
static long long test_state_sql_int(const char *dir, const char *sql)
{
	char *path = xasprintf("%s/" STATE_DB_NAME, dir);
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(s);

		if (rc == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		else if (rc == SQLITE_DONE)
			v = 0;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(path);
	return v;
}

static void test_state_schema(void)
{
	char *dir = test_state_dir("schema");
	char *path = xasprintf("%s/" STATE_DB_NAME, dir);
	const char *error = NULL;
	struct state *st;
	struct stat sb;

	test_begin("state_open creates the schema, WAL, mode 0600");
	st = test_state_open(dir);
	test_assert(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	test_assert_int(test_state_sql_int(dir, "SELECT version FROM schema_version"),
			STATE_SCHEMA_VERSION);
	test_assert_int(test_state_sql_int(dir, "SELECT count(*) FROM sqlite_master"
					   " WHERE type = 'table' AND name IN ('messages',"
					   " 'mailboxes', 'receipt_counters', 'cases',"
					   " 'sender_flags', 'replies')"), 6);
	test_assert_int(test_state_sql_int(dir, "SELECT journal_mode = 'wal'"
					   " FROM pragma_journal_mode"), 1);
	state_close(&st);
	test_assert(st == NULL);
	state_close(&st);   /* NULL is fine */

	/* reopening an up-to-date DB migrates nothing */
	st = test_state_open(dir);
	state_close(&st);

	/* a DB from a newer casemail is refused */
	test_assert_int(test_state_sql_int(dir, "UPDATE schema_version SET version = 99"), 0);
	st = state_open(dir, &error);
	test_assert(st == NULL);
	test_assert(error != NULL && strstr(error, "newer") != NULL);
	free(path);
	free(dir);
	test_end();
}

static void test_state_reopen(void)
{
	char *dir = test_state_dir("reopen");
	const char *error = NULL;
	struct state_msg m = { .mailbox = "hyfw", .uidvalidity = 7, .uid = 42,
			       .sha256 = "ab", .size = 10 }, got = { 0 };
	struct state *st;
	uint32_t uv = 0;
	int64_t id = 0;

	test_begin("state reopen keeps data");
	st = test_state_open(dir);
	test_assert_int(state_mailbox_uidvalidity_get(st, "hyfw", &uv, &error), 0);
	test_assert_int(state_mailbox_uidvalidity_set(st, "hyfw", 7, &error), 0);
	test_assert_int(state_mailbox_polled(st, "hyfw", 1000, &error), 0);
	test_assert_int(state_msg_add(st, &m, &id, &error), 0);
	state_close(&st);

	st = test_state_open(dir);
	test_assert_int(state_mailbox_uidvalidity_get(st, "hyfw", &uv, &error), 1);
	test_assert_int(uv, 7);
	test_assert_int(state_msg_lookup_uid(st, "hyfw", 7, 42, &got, &error), 1);
	test_assert_int(got.id, id);
	test_assert_str(got.sha256, "ab");
	test_assert_int(got.state, STATE_MSG_FETCHED);
	state_msg_clear(&got);
	test_assert_int(state_uid_high(st, "hyfw", 7, &uv, &error), 0);
	test_assert_int(uv, 42);
	test_assert_int(state_uid_high(st, "hyfw", 8, &uv, &error), 0);
	test_assert_int(uv, 0);
	state_close(&st);
	free(dir);
	test_end();
}

static void test_state_receipts(void)
{
	char *dir = test_state_dir("receipts");
	char r[STATE_RECEIPT_SIZE];
	const char *error = NULL;
	struct state *st;

	test_begin("state_receipt_next per campaign");
	st = test_state_open(dir);
	test_assert_int(state_receipt_next(st, "haofuwu-2026", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000001");
	test_assert_int(state_receipt_next(st, "haofuwu-2026", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000002");
	test_assert_int(state_receipt_next(st, "weichuangxin-2023", "WCX2023", r, &error), 0);
	test_assert_str(r, "WCX2023-000001");
	test_assert_int(state_receipt_next(st, "haofuwu-2026", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000003");
	/* a prefix that is no safe directory name */
	test_assert_int(state_receipt_next(st, "x", "../x", r, &error), -1);
	test_assert_int(state_receipt_next(st, "x", "", r, &error), -1);
	/* not inside a transaction: the number would not be durable yet */
	test_assert_int(state_transaction_begin(st, &error), 0);
	test_assert_int(state_receipt_next(st, "haofuwu-2026", "HFW2026", r, &error), -1);
	state_transaction_rollback(st);
	state_close(&st);

	st = test_state_open(dir);
	test_assert_int(state_receipt_next(st, "haofuwu-2026", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000004");
	state_close(&st);
	free(dir);
	test_end();
}

static void test_state_history(void)
{
	char *dir = test_state_dir("history");
	char r[STATE_RECEIPT_SIZE];
	const char *error = NULL;
	struct state *st;

	test_begin("state case history and sender flags");
	st = test_state_open(dir);
	test_assert_int(state_case_previous(st, "c", "a@x.cn", "甲公司", "案例",
					    NULL, r, &error), 0);
	test_assert_str(r, "");
	test_assert_int(state_case_record(st, "c", "a@x.cn", "甲公司", "案例",
					  "C-000001", 100, &error), 0);
	test_assert_int(state_case_record(st, "c", "a@x.cn", "甲公司", "案例",
					  "C-000001", 100, &error), 0);   /* again: no-op */
	test_assert_int(state_case_record(st, "c", "a@x.cn", "甲公司", "案例",
					  "C-000005", 200, &error), 0);
	/* the current mail does not find itself, earlier ones are found */
	test_assert_int(state_case_previous(st, "c", "a@x.cn", "甲公司", "案例",
					    "C-000005", r, &error), 1);
	test_assert_str(r, "C-000001");
	test_assert_int(state_case_previous(st, "c", "a@x.cn", "甲公司", "案例",
					    NULL, r, &error), 1);
	test_assert_str(r, "C-000005");
	/* the same company's case from another sender (the association that
	   forwards it) is the same case; without a company it is not */
	test_assert_int(state_case_previous(st, "c", "b@x.cn", "甲公司", "案例",
					    NULL, r, &error), 1);
	test_assert_str(r, "C-000005");
	test_assert_int(state_case_record(st, "c", "a@x.cn", "", "无公司案例",
					  "C-000006", 300, &error), 0);
	test_assert_int(state_case_previous(st, "c", "a@x.cn", "", "无公司案例",
					    NULL, r, &error), 1);
	test_assert_int(state_case_previous(st, "c", "b@x.cn", "", "无公司案例",
					    NULL, r, &error), 0);
	/* another campaign, company or case is another case */
	test_assert_int(state_case_previous(st, "d", "a@x.cn", "甲公司", "案例",
					    NULL, r, &error), 0);
	test_assert_int(state_case_previous(st, "c", "a@x.cn", "乙公司", "案例",
					    NULL, r, &error), 0);

	test_assert_int(state_sender_flag_get(st, "c", "a@x.cn", "summary_list", &error), 0);
	test_assert_int(state_sender_flag_set(st, "c", "a@x.cn", "summary_list", 5, &error), 0);
	test_assert_int(state_sender_flag_set(st, "c", "a@x.cn", "summary_list", 6, &error), 0);
	test_assert_int(state_sender_flag_get(st, "c", "a@x.cn", "summary_list", &error), 1);
	test_assert_int(state_sender_flag_get(st, "d", "a@x.cn", "summary_list", &error), 0);
	test_assert_int(state_sender_flag_get(st, "c", "b@x.cn", "summary_list", &error), 0);
	state_close(&st);
	free(dir);
	test_end();
}

static void test_state_reply_count(void)
{
	char *dir = test_state_dir("replies");
	const int64_t day = 1785600000;   /* some midnight; the caller picks the zone */
	const char *error = NULL;
	struct state *st;
	unsigned n = 99;

	test_begin("state reply counts by day window");
	st = test_state_open(dir);
	test_assert_int(state_reply_count(st, "a@x.cn", day, day + 86400, &n, &error), 0);
	test_assert_int(n, 0);
	test_assert_int(state_reply_record(st, "a@x.cn", "R-1", day - 1, &error), 0);
	test_assert_int(state_reply_record(st, "a@x.cn", "R-2", day, &error), 0);
	test_assert_int(state_reply_record(st, "a@x.cn", "R-3", day + 86399, &error), 0);
	test_assert_int(state_reply_record(st, "a@x.cn", "R-4", day + 86400, &error), 0);
	test_assert_int(state_reply_record(st, "b@x.cn", "R-5", day + 10, &error), 0);
	/* a retried send records the same receipt again: counted once */
	test_assert_int(state_reply_record(st, "a@x.cn", "R-3", day + 86399, &error), 0);
	test_assert_int(state_reply_count(st, "a@x.cn", day, day + 86400, &n, &error), 0);
	test_assert_int(n, 2);
	test_assert_int(state_reply_count(st, "a@x.cn", day - 86400, day, &n, &error), 0);
	test_assert_int(n, 1);
	test_assert_int(state_reply_count(st, "b@x.cn", day, day + 86400, &n, &error), 0);
	test_assert_int(n, 1);
	state_close(&st);
	free(dir);
	test_end();
}

static int test_state_count_cb(const struct state_count *c, void *ctx)
{
	struct buf *out = ctx;

	buf_printf(out, "%s/%s:%lld,%lld,%lld;", c->campaign, c->verdict,
		   c->messages, c->unfinished, c->reply_pending);
	return 0;
}

static int test_state_mailbox_cb(const struct state_mailbox_info *mb, void *ctx)
{
	struct buf *out = ctx;

	buf_printf(out, "%s:%u:%lld;", mb->name, mb->uidvalidity, (long long)mb->last_poll);
	return 0;
}

static void test_state_status(void)
{
	char *dir = test_state_dir("status");
	const char *error = NULL;
	struct state_update_case { const char *campaign, *verdict; bool queue; } rows[] = {
		{ "c1", "accepted", true }, { "c1", "accepted", false },
		{ "c1", "ignored", false }, { "c2", "rejected", true },
	};
	struct buf out = BUF_INIT;
	struct state *st;

	test_begin("state_counts and state_mailboxes");
	st = test_state_open(dir);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char key[16];
		struct state_msg m = { .mailbox = "mb", .source_key = key, .sha256 = "x" };
		struct state_msg_update u = { .campaign = rows[i].campaign,
					      .verdict = rows[i].verdict };
		int64_t id;

		snprintf(key, sizeof(key), "k%zu", i);
		test_assert_int(state_msg_add(st, &m, &id, &error), 0);
		test_assert_int(state_msg_advance(st, id, STATE_MSG_FILED, &u, &error), 0);
		if (rows[i].queue)
			test_assert_int(state_msg_advance(st, id, STATE_MSG_REPLY_QUEUED,
							  NULL, &error), 0);
	}
	struct state_msg m = { .mailbox = "mb", .source_key = "new", .sha256 = "x" };
	int64_t id;
	test_assert_int(state_msg_add(st, &m, &id, &error), 0);
	test_assert_int(state_counts(st, test_state_count_cb, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "/:1,1,0;c1/accepted:2,2,1;c1/ignored:1,1,0;"
			"c2/rejected:1,1,1;");
	buf_truncate(&out, 0);
	test_assert_int(state_mailbox_polled(st, "b", 300, &error), 0);
	test_assert_int(state_mailbox_uidvalidity_set(st, "a", 9, &error), 0);
	test_assert_int(state_mailbox_polled(st, "a", 400, &error), 0);
	test_assert_int(state_mailboxes(st, test_state_mailbox_cb, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "a:9:400;b:0:300;");
	buf_free(&out);
	state_close(&st);
	free(dir);
	test_end();
}

/* The child's part of the crash test: some committed work, then a
 * transaction that never commits. how: 0 = _exit(), 1 = SIGKILL. */
static void test_state_crash_child(const char *dir, int how)
{
	struct state_msg m = { .mailbox = "mb", .uidvalidity = 1, .sha256 = "s" };
	char r[STATE_RECEIPT_SIZE];
	const char *error;
	struct state *st = state_open(dir, &error);
	int64_t id;

	if (st == NULL)
		_exit(10);
	for (int i = 0; i < 3; i++) {
		if (state_receipt_next(st, "c", "C", r, &error) < 0)
			_exit(11);
	}
	m.uid = 1;   /* committed, with a receipt: C-000004 */
	if (state_msg_add(st, &m, &id, &error) != 0 ||
	    state_msg_receipt(st, id, "c", "C", r, &error) < 0)
		_exit(12);
	/* the transaction that dies */
	if (state_transaction_begin(st, &error) < 0)
		_exit(13);
	m.uid = 2;
	if (state_msg_add(st, &m, &id, &error) != 0 ||
	    state_msg_advance(st, 1, STATE_MSG_FILED, NULL, &error) < 0 ||
	    state_case_record(st, "c", "a@x", "", "案例", "C-000004", 1, &error) < 0 ||
	    state_reply_record(st, "a@x", "C-000004", 1, &error) < 0 ||
	    state_mailbox_uidvalidity_set(st, "mb", 1, &error) < 0)
		_exit(14);
	if (how == 1)
		raise(SIGKILL);
	_exit(0);
}

static void test_state_crash(void)
{
	char r[STATE_RECEIPT_SIZE];
	const char *error = NULL;
	struct state_msg got = { 0 };
	unsigned n = 9;

	test_begin("state crash mid-transaction: nothing half-written, no receipt reused");
	for (int how = 0; how < 2; how++) {
		char *dir = xasprintf("%s/crash%d", test_tmpdir(), how);
		int status = 0;
		pid_t pid = fork();
		struct state *st;
		uint32_t uv;

		if (pid == 0)
			test_state_crash_child(dir, how);
		test_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
		if (how == 0)
			test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		else
			test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		st = test_state_open(dir);
		if (st == NULL)
			continue;
		/* the committed row is there, unchanged; the rest never happened */
		test_assert_int(state_msg_lookup_uid(st, "mb", 1, 1, &got, &error), 1);
		test_assert_int(got.state, STATE_MSG_FETCHED);
		test_assert_str(got.receipt, "C-000004");
		state_msg_clear(&got);
		test_assert_int(state_msg_lookup_uid(st, "mb", 1, 2, &got, &error), 0);
		test_assert_int(state_case_previous(st, "c", "a@x", "", "案例", NULL, r,
						    &error), 0);
		test_assert_int(state_reply_count(st, "a@x", 0, 10, &n, &error), 0);
		test_assert_int(n, 0);
		test_assert_int(state_mailbox_uidvalidity_get(st, "mb", &uv, &error), 0);
		/* resuming the message gives it the same receipt; new ones go on */
		test_assert_int(state_msg_receipt(st, 1, "c", "C", r, &error), 0);
		test_assert_str(r, "C-000004");
		test_assert_int(state_receipt_next(st, "c", "C", r, &error), 0);
		test_assert_str(r, "C-000005");
		state_close(&st);
		free(dir);
	}
	test_end();
}

static void test_state_nested(void)
{
	char *dir = test_state_dir("nested");
	const char *error = NULL;
	struct state *st;
	unsigned n = 9;

	test_begin("state nested transactions: inner rollback, outer commit");
	st = test_state_open(dir);
	test_assert_int(state_transaction_begin(st, &error), 0);
	test_assert_int(state_reply_record(st, "a", "R-1", 1, &error), 0);
	test_assert_int(state_transaction_begin(st, &error), 0);
	test_assert_int(state_reply_record(st, "a", "R-2", 1, &error), 0);
	state_transaction_rollback(st);
	test_assert(state_in_transaction(st));
	test_assert_int(state_transaction_commit(st, &error), 0);
	test_assert(!state_in_transaction(st));
	test_assert_int(state_transaction_commit(st, &error), -1);
	test_assert_int(state_reply_count(st, "a", 0, 10, &n, &error), 0);
	test_assert_int(n, 1);
	/* closing with a transaction open rolls it back */
	test_assert_int(state_transaction_begin(st, &error), 0);
	test_assert_int(state_reply_record(st, "a", "R-3", 1, &error), 0);
	state_close(&st);
	st = test_state_open(dir);
	test_assert_int(state_reply_count(st, "a", 0, 10, &n, &error), 0);
	test_assert_int(n, 1);
	state_close(&st);
	free(dir);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_state_schema, test_state_reopen, test_state_receipts,
		test_state_history, test_state_reply_count, test_state_status,
		test_state_crash, test_state_nested, NULL
	};
	return test_run(tests);
}
