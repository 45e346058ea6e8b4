#ifndef CASEMAIL_INTAKE_H
#define CASEMAIL_INTAKE_H
/* intake: one fetched mail through the daemon's state machine.
 *
 *   FETCHED       raw bytes durable, row in the state DB
 *   → FILED       checked; receipt; spool entry durable (spool.h)
 *   → REPLY_QUEUED the reply is in the outbox (or NO_REPLY: ignored mail,
 *                 no sender, over the per-sender daily cap)
 *   → MARKED      the source marked it done (the caller: IMAP keyword /
 *                 move, Maildir new/ → cur/)
 *
 * Every step is idempotent and reads what it needs from durable places
 * (the raw mail, the spool entry), so after a crash anywhere the row is
 * simply resumed from its state: nothing is lost, nothing filed twice,
 * the reply is queued once (the outbox keys it by receipt). */
#include <stdbool.h>
#include <stdint.h>
#include "campaign.h"
#include "config.h"
#include "extract.h"
#include "state.h"

struct probe;

struct intake {
	const struct config *cfg;
	const struct campaign_set *campaigns;
	struct state *st;
	struct probe *probe;
	char *incoming_dir;   /* <state>/incoming: fetched mail before filing */
	char *work_dir;       /* <state>/work: extraction scratch */
	char *outbox_dir;     /* <state>/outbox */
	struct extract_settings extract; /* cfg's [limits] */
};

/* Set up the directories under cfg->state_dir. 0 or -1. */
int intake_init(struct intake *in, const struct config *cfg,
		const struct campaign_set *campaigns, struct state *st,
		struct probe *probe, const char **error_r);
void intake_deinit(struct intake *in);

/* Take row id as far as REPLY_QUEUED/NO_REPLY (not MARKED: the source
 * does that and then calls intake_marked). 0, or -1 on a local failure
 * (disk, DB): the row keeps its state and is retried later. */
int intake_advance(struct intake *in, const struct config_mailbox *mb, int64_t id,
		   const char **error_r);
int intake_marked(struct intake *in, int64_t id, const char **error_r);

struct check;
/* Store what check ck found for row id (verdict, subject, defects,
 * needs_human) in the state DB; reprocessed counts a reprocess run. */
int intake_store_outcome(struct state *st, int64_t id, const struct check *ck,
			 bool reprocessed, const char **error_r);

/* After a check of a mail filed under receipt: drop doc.missing_summary_list
 * when the sender sent a 汇总清单 before, flag resubmitted cases, record
 * the cases and the summary list (state's sender history). */
void intake_history(struct state *st, struct check *ck, const char *receipt);

/* Build the reply to filed row (a submission of campaign c) from its
 * spool entry's report.txt, with Message-ID derived from id (the receipt,
 * or "<receipt>.rN" for a resend). *env_from_r: the envelope sender
 * ("" for <>), static or from cfg. 0, or -1 with *error_r. */
struct buf;
int intake_reply_message(const struct config *cfg, const struct campaign *c,
			 const struct state_msg *row, const char *id, int64_t now,
			 struct buf *out, const char **env_from_r, const char **error_r);

/* What the state DB keeps to recognise a mail: its SHA-256 as 64
 * lowercase hex digits and its Message-ID.
 *
 * IMAP: imap_fetch_to_fd() hashes the bytes as it writes them, so the
 * fetch stage only formats that digest (intake_sha256_hex) and reads the
 * Message-ID (intake_message_id); the file is not read a second time.
 * Maildir: the file is all there is, intake_digest() reads it whole. */

/* hex = sha256 (32 bytes) as 64 lowercase hex digits and a NUL. */
void intake_sha256_hex(const uint8_t sha256[32], char hex[65]);
/* The Message-ID of mail file path, decoded (RFC 2047) and trimmed,
 * malloc'd; NULL when the top header has none or the file cannot be
 * mapped (empty, over the message size limit). Reads the top header
 * only: the file is mapped, never copied, and the scan stops at the
 * empty line that ends the header, so the body's pages are not touched.
 * No MIME parser runs (that happens in the worker). */
char *intake_message_id(const char *path);
/* SHA-256 hex of a file, reading it whole, and its intake_message_id()
 * (*message_id_r malloc'd or NULL): for a source without a stream to hash.
 * 0, or -1 when the file cannot be read. */
int intake_digest(const char *path, char hex[65], char **message_id_r,
		  const char **error_r);

#endif
