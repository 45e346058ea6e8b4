/* state-schema: the state DB's tables, and the migrations that bring an
 * older file up to STATE_SCHEMA_VERSION.
 *
 * Version 1:
 *
 *   schema_version(version)        one row
 *   mailboxes(name PK, uidvalidity, last_poll)
 *       a configured source by its config name; uidvalidity NULL until the
 *       first SELECT (or for Maildir), last_poll NULL until the first poll
 *   receipt_counters(campaign PK, last)
 *       the last receipt number handed out per campaign (starts at 0)
 *   messages(id PK, mailbox, uidvalidity, uid, source_key, message_id,
 *            sha256, size, arrival, raw_path, campaign, receipt UNIQUE,
 *            verdict, sender, state, reply, reply_attempts, reply_next,
 *            created, updated, error)
 *       every mail ever fetched. IMAP rows have uidvalidity and uid and no
 *       source_key; Maildir rows the reverse (CHECKed), so the two
 *       UNIQUE keys (mailbox, uidvalidity, uid) and (mailbox, source_key)
 *       never collide on NULLs. state and reply are lowercase words
 *       (state.h's enums) so that an admin's sqlite3 shell reads well.
 *   cases(campaign, sender, company, case_name, receipt, time)
 *       every case of every accepted or rejected submission; PK over all
 *       but time, so recording twice is a no-op
 *   sender_flags(campaign, sender, flag, time)   e.g. "summary_list"
 *   summary_rows(campaign, sender, receipt, seq, place, company, city, time)
 *                                                 a 汇总清单's rows
 *   replies(receipt PK, sender, time)            for the daily cap
 *
 * Version 2 (issue 6: the digest and the admin commands):
 *
 *   messages + subject, sender_name, needs_human (0/1), ignored_reason,
 *              reprocessed (how many times `casemailctl reprocess` ran)
 *   defects(receipt, seq, code, severity, file)
 *       the defects of a mail's latest check, in report order; replaced
 *       as a whole when the mail is reprocessed
 *
 * A new version appends a step to state_schema_steps[]; steps run in one
 * transaction with the version update, so a crash mid-migration leaves
 * the old schema intact. */
#include "state-private.h"

#include <stdio.h>

static const char *const state_schema_steps[] = {
	NULL,   /* version 0: empty file */
	/* 0 → 1 */
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES (0);"
	"CREATE TABLE mailboxes ("
	"  name TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER,"
	"  last_poll INTEGER);"
	"CREATE TABLE receipt_counters ("
	"  campaign TEXT PRIMARY KEY,"
	"  last INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER,"
	"  uid INTEGER,"
	"  source_key TEXT,"
	"  message_id TEXT,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  arrival INTEGER,"
	"  raw_path TEXT,"
	"  campaign TEXT,"
	"  receipt TEXT UNIQUE,"
	"  verdict TEXT CHECK (verdict IN ('accepted','rejected','ignored')),"
	"  sender TEXT,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('fetched','filed','reply_queued','no_reply','marked')),"
	"  reply TEXT NOT NULL DEFAULT 'none' CHECK (reply IN"
	"    ('none','pending','sent','failed')),"
	"  reply_attempts INTEGER NOT NULL DEFAULT 0,"
	"  reply_next INTEGER,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  error TEXT,"
	"  CHECK ((uid IS NULL) = (uidvalidity IS NULL)),"
	"  CHECK ((uid IS NULL) <> (source_key IS NULL)),"
	"  UNIQUE (mailbox, uidvalidity, uid),"
	"  UNIQUE (mailbox, source_key));"
	"CREATE INDEX messages_digest ON messages (mailbox, sha256);"
	"CREATE INDEX messages_unfinished ON messages (mailbox, id)"
	"  WHERE state <> 'marked';"
	"CREATE INDEX messages_reply_due ON messages (reply_next)"
	"  WHERE reply = 'pending';"
	"CREATE TABLE cases ("
	"  campaign TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  company TEXT NOT NULL,"
	"  case_name TEXT NOT NULL,"
	"  receipt TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (campaign, sender, company, case_name, receipt));"
	"CREATE TABLE sender_flags ("
	"  campaign TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  flag TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (campaign, sender, flag));"
	"CREATE TABLE replies ("
	"  receipt TEXT PRIMARY KEY,"
	"  sender TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX replies_sender_time ON replies (sender, time);",
	/* 1 → 2 */
	"ALTER TABLE messages ADD COLUMN subject TEXT;"
	"ALTER TABLE messages ADD COLUMN sender_name TEXT;"
	"ALTER TABLE messages ADD COLUMN needs_human INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN ignored_reason TEXT;"
	"ALTER TABLE messages ADD COLUMN reprocessed INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_campaign_time ON messages"
	"  (campaign, coalesce(nullif(arrival, 0), created));"
	"CREATE TABLE defects ("
	"  receipt TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  code TEXT NOT NULL,"
	"  severity TEXT NOT NULL CHECK (severity IN ('error','warning')),"
	"  file TEXT,"
	"  PRIMARY KEY (receipt, seq));"
	"CREATE INDEX defects_code ON defects (code);",
	/* 2 → 3: checks started and not finished (intake_file()) */
	"ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;",
	/* 3 → 4: the rows of the 汇总清单 each mail carried (digest: quota) */
	"CREATE TABLE summary_rows ("
	"  campaign TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  receipt TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  place TEXT NOT NULL,"
	"  company TEXT NOT NULL,"
	"  city TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (receipt, seq));"
	"CREATE INDEX summary_rows_sender ON summary_rows (campaign, sender, time);",
};

_Static_assert(sizeof(state_schema_steps) / sizeof(state_schema_steps[0]) ==
	       STATE_SCHEMA_VERSION + 1, "one migration step per schema version");

static int state_schema_version(struct state *st, int *version_r,
				const char **error_r)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = -1;

	rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master"
				" WHERE type = 'table' AND name = 'schema_version'",
				-1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		goto fail;
	if (sqlite3_column_int(s, 0) == 0) {
		*version_r = 0;
		ret = 0;
		goto out;
	}
	sqlite3_finalize(s);
	rc = sqlite3_prepare_v2(st->db, "SELECT version FROM schema_version",
				-1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		goto fail;
	*version_r = sqlite3_column_int(s, 0);
	ret = 0;
	goto out;
fail:
	*error_r = state_db_error(st, "reading the schema version");
out:
	sqlite3_finalize(s);
	return ret;
}

int state_schema_migrate(struct state *st, const char **error_r)
{
	char sql[64];
	int version;

	if (state_transaction_begin(st, error_r) < 0)
		return -1;
	if (state_schema_version(st, &version, error_r) < 0)
		goto fail;
	if (version > STATE_SCHEMA_VERSION) {
		*error_r = state_error_fmt("%s: schema version %d is newer than this "
					   "casemail's (%d)", st->path, version,
					   STATE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == STATE_SCHEMA_VERSION) {
		state_transaction_rollback(st);   /* nothing written */
		return 0;
	}
	for (int v = version + 1; v <= STATE_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(st->db, state_schema_steps[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			*error_r = state_db_error(st, "migrating the schema");
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
		 STATE_SCHEMA_VERSION);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*error_r = state_db_error(st, "setting the schema version");
		goto fail;
	}
	return state_transaction_commit(st, error_r) < 0 ? -1 : 0;
fail:
	state_transaction_rollback(st);
	return -1;
}
