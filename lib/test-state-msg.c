/* Tests for state-msg: adding messages (uniqueness), lookups, the state
 * machine, receipts bound to messages, reply results and listings. */
#include "state.h"
#include "buf.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct state *test_msg_open(const char *name)
{
	char *dir = xasprintf("%s/%s", test_tmpdir(), name);
	const char *error = NULL;
	struct state *st = state_open(dir, &error);

	if (!test_assert(st != NULL))
		printf("# state_open: %s\n", error);
	free(dir);
	return st;
}

static void test_state_msg_add(void)
{
	struct state *st = test_msg_open("add");
	struct state_msg imap = { .mailbox = "hyfw", .uidvalidity = 5, .uid = 10,
				  .message_id = "<a@x>", .sha256 = "aa", .size = 3,
				  .arrival = 1700000000, .raw_path = "/spool/raw/1" };
	struct state_msg md = { .mailbox = "local", .source_key = "1700.M1P2.host",
				.sha256 = "bb" };
	struct state_msg got = { 0 };
	const char *error = NULL;
	int64_t id1 = 0, id2 = 0, id = 0;

	test_begin("state_msg_add: keys are unique, a repeat returns the row");
	test_assert_int(state_msg_add(st, &imap, &id1, &error), 0);
	test_assert_int(state_msg_add(st, &imap, &id, &error), 1);
	test_assert_int(id, id1);
	test_assert_int(state_msg_add(st, &md, &id2, &error), 0);
	test_assert(id2 != id1);
	test_assert_int(state_msg_add(st, &md, &id, &error), 1);
	test_assert_int(id, id2);
	/* the same uid under another uidvalidity or mailbox is another mail */
	imap.uidvalidity = 6;
	test_assert_int(state_msg_add(st, &imap, &id, &error), 0);
	imap.mailbox = "other";
	test_assert_int(state_msg_add(st, &imap, &id, &error), 0);
	/* many Maildir rows (no uid) in one mailbox */
	md.source_key = "1700.M2P2.host";
	test_assert_int(state_msg_add(st, &md, &id, &error), 0);
	/* neither or both kinds of key, no digest */
	struct state_msg bad = { .mailbox = "m", .sha256 = "x" };
	test_assert_int(state_msg_add(st, &bad, &id, &error), -1);
	bad.uid = 3; bad.uidvalidity = 1; bad.source_key = "k";
	test_assert_int(state_msg_add(st, &bad, &id, &error), -1);
	bad.source_key = NULL; bad.uidvalidity = 0;
	test_assert_int(state_msg_add(st, &bad, &id, &error), -1);
	bad.uidvalidity = 1; bad.sha256 = NULL;
	test_assert_int(state_msg_add(st, &bad, &id, &error), -1);

	test_assert_int(state_msg_lookup_uid(st, "hyfw", 5, 10, &got, &error), 1);
	test_assert_str(got.message_id, "<a@x>");
	test_assert_str(got.raw_path, "/spool/raw/1");
	test_assert_int(got.arrival, 1700000000);
	test_assert_int(got.size, 3);
	test_assert(got.source_key == NULL && got.receipt == NULL && got.error == NULL);
	test_assert_int(got.reply, STATE_REPLY_NONE);
	test_assert(got.created > 0 && got.updated == got.created);
	state_msg_clear(&got);
	test_assert_int(state_msg_lookup_uid(st, "hyfw", 5, 11, &got, &error), 0);
	test_assert_int(state_msg_lookup_source_key(st, "local", "1700.M1P2.host",
						    &got, &error), 1);
	test_assert_int(got.id, id2);
	test_assert_int(got.uid, 0);
	test_assert_int(got.uidvalidity, 0);
	state_msg_clear(&got);
	test_assert_int(state_msg_lookup_source_key(st, "hyfw", "1700.M1P2.host",
						    &got, &error), 0);
	state_close(&st);
	test_end();
}

static void test_state_msg_machine(void)
{
	static const struct { enum state_msg_state from, to; bool ok; } table[] = {
		{ STATE_MSG_FETCHED, STATE_MSG_FILED, true },
		{ STATE_MSG_FETCHED, STATE_MSG_FETCHED, false },
		{ STATE_MSG_FETCHED, STATE_MSG_REPLY_QUEUED, false },
		{ STATE_MSG_FETCHED, STATE_MSG_MARKED, false },
		{ STATE_MSG_FILED, STATE_MSG_REPLY_QUEUED, true },
		{ STATE_MSG_FILED, STATE_MSG_NO_REPLY, true },
		{ STATE_MSG_FILED, STATE_MSG_FILED, false },
		{ STATE_MSG_FILED, STATE_MSG_MARKED, false },
		{ STATE_MSG_REPLY_QUEUED, STATE_MSG_MARKED, true },
		{ STATE_MSG_REPLY_QUEUED, STATE_MSG_NO_REPLY, false },
		{ STATE_MSG_NO_REPLY, STATE_MSG_MARKED, true },
		{ STATE_MSG_NO_REPLY, STATE_MSG_FILED, false },
		{ STATE_MSG_MARKED, STATE_MSG_FETCHED, false },
		{ STATE_MSG_MARKED, STATE_MSG_MARKED, false },
	};
	struct state *st = test_msg_open("machine");
	struct state_msg m = { .mailbox = "mb", .source_key = "k", .sha256 = "s" };
	struct state_msg_update u = { .campaign = "c", .verdict = "accepted",
				      .sender = "a@x.cn" };
	struct state_msg got = { 0 };
	const char *error = NULL;
	int64_t id;

	test_begin("state_msg_advance: forward transitions only");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		test_assert(state_msg_transition_ok(table[i].from, table[i].to) == table[i].ok);
	test_assert_int(state_msg_add(st, &m, &id, &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_MARKED, NULL, &error), -1);
	test_assert(strstr(error, "illegal transition fetched → marked") != NULL);
	test_assert_int(state_msg_set_error(st, id, "disk full", &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_FILED, &u, &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_FILED, NULL, &error), -1);
	test_assert_int(state_msg_get(st, id, &got, &error), 1);
	test_assert_int(got.state, STATE_MSG_FILED);
	test_assert_str(got.verdict, "accepted");
	test_assert_str(got.sender, "a@x.cn");
	test_assert(got.error == NULL);      /* advancing clears it */
	state_msg_clear(&got);
	/* a verdict that is none of the three is refused by the schema */
	u.verdict = "maybe";
	test_assert_int(state_msg_advance(st, id, STATE_MSG_NO_REPLY, &u, &error), -1);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_NO_REPLY, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_REPLY_QUEUED, NULL, &error), -1);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_MARKED, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_FETCHED, NULL, &error), -1);
	test_assert_int(state_msg_get(st, id, &got, &error), 1);
	test_assert_int(got.state, STATE_MSG_MARKED);
	test_assert_str(got.verdict, "accepted");
	test_assert_int(got.reply, STATE_REPLY_NONE);
	state_msg_clear(&got);
	/* no such row */
	test_assert_int(state_msg_advance(st, id + 100, STATE_MSG_FILED, NULL, &error), -1);
	test_assert_int(state_msg_set_error(st, id + 100, "x", &error), -1);
	test_assert_str(state_msg_state_name(STATE_MSG_REPLY_QUEUED), "reply_queued");
	test_assert_str(state_reply_state_name(STATE_REPLY_FAILED), "failed");
	state_close(&st);
	test_end();
}

static void test_state_msg_reply(void)
{
	struct state *st = test_msg_open("reply");
	struct state_msg m = { .mailbox = "mb", .source_key = "k", .sha256 = "s" };
	struct state_msg got = { 0 };
	const char *error = NULL;
	int64_t id;

	test_begin("state_msg_reply_result: pending → pending → sent");
	test_assert_int(state_msg_add(st, &m, &id, &error), 0);
	test_assert_int(state_msg_reply_result(st, id, STATE_REPLY_SENT, 0, NULL, &error), -1);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_FILED, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, id, STATE_MSG_REPLY_QUEUED, NULL, &error), 0);
	test_assert_int(state_msg_get(st, id, &got, &error), 1);
	test_assert_int(got.reply, STATE_REPLY_PENDING);
	test_assert(got.reply_next > 0 && got.reply_next <= time(NULL));
	state_msg_clear(&got);
	test_assert_int(state_msg_reply_result(st, id, STATE_REPLY_NONE, 0, NULL, &error), -1);
	test_assert_int(state_msg_reply_result(st, id, STATE_REPLY_PENDING, 12345,
					       "451 try later", &error), 0);
	test_assert_int(state_msg_get(st, id, &got, &error), 1);
	test_assert_int(got.reply, STATE_REPLY_PENDING);
	test_assert_int(got.reply_attempts, 1);
	test_assert_int(got.reply_next, 12345);
	test_assert_str(got.error, "451 try later");
	state_msg_clear(&got);
	test_assert_int(state_msg_reply_result(st, id, STATE_REPLY_SENT, 0, NULL, &error), 0);
	test_assert_int(state_msg_reply_result(st, id, STATE_REPLY_FAILED, 0, "x", &error), -1);
	test_assert_int(state_msg_get(st, id, &got, &error), 1);
	test_assert_int(got.reply, STATE_REPLY_SENT);
	test_assert_int(got.reply_attempts, 2);
	test_assert(got.error == NULL);
	test_assert_int(got.state, STATE_MSG_REPLY_QUEUED);
	state_msg_clear(&got);
	state_close(&st);
	test_end();
}

static int test_msg_collect(const struct state_msg *m, void *ctx)
{
	buf_printf(ctx, "%s/%s:%s;", m->mailbox, m->source_key != NULL ?
		   m->source_key : "-", state_msg_state_name(m->state));
	return 0;
}

struct test_msg_walk {
	struct state *st;
	unsigned calls;
};

/* Walk callbacks may write to the DB (resuming a mail does). */
static int test_msg_resume(const struct state_msg *m, void *ctx)
{
	struct test_msg_walk *w = ctx;
	const char *error;

	w->calls++;
	if (m->state == STATE_MSG_FETCHED &&
	    state_msg_advance(w->st, m->id, STATE_MSG_FILED, NULL, &error) < 0)
		return -2;
	return w->calls == 2 ? 7 : 0;   /* stop after two */
}

static void test_state_msg_unfinished(void)
{
	struct state *st = test_msg_open("unfinished");
	const char *keys[] = { "k1", "k2", "k3", "k4" };
	const char *error = NULL;
	struct buf out = BUF_INIT;
	int64_t ids[4];

	test_begin("state_msg_unfinished and replies_due");
	for (size_t i = 0; i < 4; i++) {
		struct state_msg m = { .mailbox = i < 3 ? "a" : "b", .source_key = keys[i],
				       .sha256 = "s" };
		test_assert_int(state_msg_add(st, &m, &ids[i], &error), 0);
	}
	/* k1 finished, k2 waits for its reply */
	test_assert_int(state_msg_advance(st, ids[0], STATE_MSG_FILED, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, ids[0], STATE_MSG_NO_REPLY, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, ids[0], STATE_MSG_MARKED, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, ids[1], STATE_MSG_FILED, NULL, &error), 0);
	test_assert_int(state_msg_advance(st, ids[1], STATE_MSG_REPLY_QUEUED, NULL, &error), 0);

	test_assert_int(state_msg_unfinished(st, "a", test_msg_collect, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "a/k2:reply_queued;a/k3:fetched;");
	buf_truncate(&out, 0);
	test_assert_int(state_msg_unfinished(st, NULL, test_msg_collect, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "a/k2:reply_queued;a/k3:fetched;b/k4:fetched;");
	buf_truncate(&out, 0);
	test_assert_int(state_msg_unfinished(st, "none", test_msg_collect, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "");

	test_assert_int(state_msg_replies_due(st, time(NULL) + 1, test_msg_collect,
					      &out, &error), 0);
	test_assert_str(buf_cstr(&out), "a/k2:reply_queued;");
	buf_truncate(&out, 0);
	test_assert_int(state_msg_reply_result(st, ids[1], STATE_REPLY_PENDING,
					       time(NULL) + 600, "later", &error), 0);
	test_assert_int(state_msg_replies_due(st, time(NULL) + 1, test_msg_collect,
					      &out, &error), 0);
	test_assert_str(buf_cstr(&out), "");

	/* the callback writes; its non-zero return stops the walk and is returned */
	struct test_msg_walk w = { st, 0 };
	test_assert_int(state_msg_unfinished(st, NULL, test_msg_resume, &w, &error), 7);
	test_assert_int(w.calls, 2);
	test_assert_int(state_msg_unfinished(st, NULL, test_msg_collect, &out, &error), 0);
	test_assert_str(buf_cstr(&out), "a/k2:reply_queued;a/k3:filed;b/k4:fetched;");
	buf_free(&out);
	state_close(&st);
	test_end();
}

static void test_state_msg_digest(void)
{
	struct state *st = test_msg_open("digest");
	struct state_msg a = { .mailbox = "mb", .uidvalidity = 1, .uid = 10,
			       .message_id = "<m1@x>", .sha256 = "d1" };
	struct state_msg b = { .mailbox = "mb", .uidvalidity = 1, .uid = 11,
			       .sha256 = "d2" };
	struct state_msg got = { 0 };
	const char *error = NULL;
	int64_t ida, idb, id;
	uint32_t high;

	test_begin("state_msg_lookup_digest after a UIDVALIDITY change");
	test_assert_int(state_msg_add(st, &a, &ida, &error), 0);
	test_assert_int(state_msg_add(st, &b, &idb, &error), 0);
	test_assert_int(state_msg_lookup_digest(st, "mb", "<m1@x>", "d1", &got, &error), 1);
	test_assert_int(got.id, ida);
	state_msg_clear(&got);
	/* NULL Message-ID matches NULL only */
	test_assert_int(state_msg_lookup_digest(st, "mb", NULL, "d2", &got, &error), 1);
	test_assert_int(got.id, idb);
	state_msg_clear(&got);
	test_assert_int(state_msg_lookup_digest(st, "mb", NULL, "d1", &got, &error), 0);
	test_assert_int(state_msg_lookup_digest(st, "mb", "<m1@x>", "d2", &got, &error), 0);
	test_assert_int(state_msg_lookup_digest(st, "other", "<m1@x>", "d1", &got, &error), 0);
	/* the server renumbered: rebind, and the new uid finds the old row */
	test_assert_int(state_msg_rebind_uid(st, ida, 2, 1, &error), 0);
	test_assert_int(state_msg_lookup_uid(st, "mb", 2, 1, &got, &error), 1);
	test_assert_int(got.id, ida);
	state_msg_clear(&got);
	test_assert_int(state_msg_lookup_uid(st, "mb", 1, 10, &got, &error), 0);
	test_assert_int(state_msg_rebind_uid(st, idb, 2, 1, &error), -1);   /* taken */
	test_assert_int(state_uid_high(st, "mb", 1, &high, &error), 0);
	test_assert_int(high, 11);
	test_assert_int(state_uid_high(st, "mb", 2, &high, &error), 0);
	test_assert_int(high, 1);
	/* Maildir rows are not rebound */
	struct state_msg md = { .mailbox = "mb", .source_key = "k", .sha256 = "d3" };
	test_assert_int(state_msg_add(st, &md, &id, &error), 0);
	test_assert_int(state_msg_rebind_uid(st, id, 2, 5, &error), -1);
	state_close(&st);
	test_end();
}

static void test_state_msg_receipt(void)
{
	struct state *st = test_msg_open("receipt");
	struct state_msg m = { .mailbox = "mb", .source_key = "k1", .sha256 = "s" };
	struct state_msg got = { 0 };
	char r[STATE_RECEIPT_SIZE];
	const char *error = NULL;
	int64_t id1, id2;

	test_begin("state_msg_receipt: assigned once, kept on resume");
	test_assert_int(state_msg_add(st, &m, &id1, &error), 0);
	m.source_key = "k2";
	test_assert_int(state_msg_add(st, &m, &id2, &error), 0);
	test_assert_int(state_msg_receipt(st, id1, "hfw", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000001");
	test_assert_int(state_msg_receipt(st, id1, "hfw", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000001");
	test_assert_int(state_msg_receipt(st, id2, "hfw", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000002");
	test_assert_int(state_msg_lookup_receipt(st, "HFW2026-000001", &got, &error), 1);
	test_assert_int(got.id, id1);
	test_assert_str(got.campaign, "hfw");
	state_msg_clear(&got);
	test_assert_int(state_msg_lookup_receipt(st, "HFW2026-000009", &got, &error), 0);
	test_assert_int(state_msg_receipt(st, id2 + 10, "hfw", "HFW2026", r, &error), -1);
	/* the failed call above handed out no number */
	test_assert_int(state_receipt_next(st, "hfw", "HFW2026", r, &error), 0);
	test_assert_str(r, "HFW2026-000003");
	state_close(&st);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_state_msg_add, test_state_msg_machine, test_state_msg_reply,
		test_state_msg_unfinished, test_state_msg_digest,
		test_state_msg_receipt, NULL
	};
	return test_run(tests);
}
