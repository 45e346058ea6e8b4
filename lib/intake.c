/* intake: FETCHED → FILED → REPLY_QUEUED/NO_REPLY, resumable. */
#include "intake.h"
#include "check.h"
#include "datetime.h"
#include "fsutil.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "probe.h"
#include "report.h"
#include "reply.h"
#include "review.h"
#include "spool.h"
#include "xalloc.h"

#include <nettle/sha2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static __thread char intake_err[512];

static const char *intake_fail(const char *what, const char *detail)
{
	snprintf(intake_err, sizeof(intake_err), "%s: %s", what, detail != NULL ? detail : "");
	return intake_err;
}

int intake_init(struct intake *in, const struct config *cfg,
		const struct campaign_set *campaigns, struct state *st,
		struct probe *probe, const char **error_r)
{
	memset(in, 0, sizeof(*in));
	in->cfg = cfg;
	in->campaigns = campaigns;
	in->st = st;
	in->probe = probe;
	config_limits_extract(&cfg->limits, &in->extract);
	in->incoming_dir = xasprintf("%s/incoming", cfg->state_dir);
	in->work_dir = xasprintf("%s/work", cfg->state_dir);
	in->outbox_dir = xasprintf("%s/outbox", cfg->state_dir);
	if (fsutil_mkdir_p(in->incoming_dir, error_r) < 0 ||
	    fsutil_mkdir_p(in->work_dir, error_r) < 0 ||
	    fsutil_mkdir_p(in->outbox_dir, error_r) < 0 ||
	    fsutil_mkdir_p(cfg->spool_dir, error_r) < 0)
		return -1;
	return spool_cleanup_tmp(cfg->spool_dir, error_r);
}

void intake_deinit(struct intake *in)
{
	free(in->incoming_dir);
	free(in->work_dir);
	free(in->outbox_dir);
	memset(in, 0, sizeof(*in));
}

void intake_sha256_hex(const uint8_t sha256[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		hex[i * 2] = digits[sha256[i] >> 4];
		hex[i * 2 + 1] = digits[sha256[i] & 0x0f];
	}
	hex[64] = '\0';
}

char *intake_message_id(const char *path)
{
	struct message *msg = NULL;
	const char *error;
	char *mid;

	/* unparsed: a mapping and no parts, so message_header_decoded()
	 * reads the top header block, which ends at the first empty line */
	if (message_open_file_unparsed(path, NULL, &msg, &error) < 0)
		return NULL;
	mid = message_header_decoded(msg, NULL, "Message-ID");
	message_free(&msg);
	return mid;
}

int intake_digest(const char *path, char hex[65], char **message_id_r, const char **error_r)
{
	struct sha256_ctx sha;
	unsigned char d[SHA256_DIGEST_SIZE], buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*message_id_r = NULL;
	if (fd < 0) {
		*error_r = intake_fail(path, strerror(errno));
		return -1;
	}
	sha256_init(&sha);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&sha, (size_t)n, buf);
	close(fd);
	if (n < 0) {
		*error_r = intake_fail(path, strerror(errno));
		return -1;
	}
	sha256_digest(&sha, sizeof(d), d);
	intake_sha256_hex(d, hex);
	*message_id_r = intake_message_id(path);
	return 0;
}

/* ---- FETCHED → FILED ---------------------------------------------------- */

void intake_history(struct state *st, struct check *ck, const char *receipt)
{
	struct rules_result *r = ck->rules;
	const char *campaign = ck->campaign->id, *error;
	char prev[STATE_RECEIPT_SIZE];
	int64_t now = time(NULL);

	if (ck->sender == NULL || r->verdict == RULES_IGNORED)
		return;
	/* the summary list counts once per sender and campaign */
	if (state_sender_flag_get(st, campaign, ck->sender, "summary_list", &error) == 1) {
		size_t k = 0;
		for (size_t d = 0; d < r->ndefects; d++) {
			if (strcmp(r->defects[d].code, "doc.missing_summary_list") == 0) {
				free(r->defects[d].file);
				free(r->defects[d].detail);
				continue;
			}
			r->defects[k++] = r->defects[d];
		}
		r->ndefects = k;
	}
	for (size_t i = 0; i < r->ncases; i++) {
		if (state_case_previous(st, campaign, ck->sender, r->cases[i].company,
					r->cases[i].name, receipt, prev, &error) == 1)
			rules_resubmitted(ck->campaign, ck->rules, i, prev);
		(void)state_case_record(st, campaign, ck->sender, r->cases[i].company,
					r->cases[i].name, receipt, now, &error);
	}
	if (r->nsummary_rows > 0) {
		struct state_summary_row *rows = xcalloc(r->nsummary_rows, sizeof(*rows));

		for (size_t i = 0; i < r->nsummary_rows; i++) {
			rows[i].place = r->summary_rows[i].place;
			rows[i].company = r->summary_rows[i].company;
			rows[i].city = r->summary_rows[i].city;
		}
		/* dated by arrival, as the digest counts cases */
		(void)state_summary_record(st, campaign, ck->sender, receipt, rows,
					   r->nsummary_rows,
					   ck->has_arrival ? ck->arrival : now, &error);
		free(rows);
	}
	bool summary = true;
	for (size_t d = 0; d < r->ndefects; d++)
		summary &= strcmp(r->defects[d].code, "doc.missing_summary_list") != 0;
	if (summary && ck->campaign->require_summary_list)
		(void)state_sender_flag_set(st, campaign, ck->sender, "summary_list", now, &error);
}

int intake_store_outcome(struct state *st, int64_t id, const struct check *ck,
			 bool reprocessed, const char **error_r)
{
	const struct rules_result *r = ck->rules;
	struct state_defect *d = xcalloc(r->ndefects + 1, sizeof(*d));

	for (size_t i = 0; i < r->ndefects; i++) {
		d[i].code = r->defects[i].code;
		d[i].severity = rules_severity_name(r->defects[i].severity);
		d[i].file = r->defects[i].file;
	}
	const struct state_outcome o = {
		.verdict = rules_verdict_name(r->verdict), .subject = ck->subject,
		.sender_name = ck->sender_name, .ignored_reason = r->ignored_reason,
		.needs_human = r->needs_human, .reprocessed = reprocessed,
		.arrival = ck->has_arrival ? ck->arrival : 0,
		.defects = d, .ndefects = r->ndefects,
	};
	int ret = state_msg_outcome(st, id, &o, error_r);
	free(d);
	return ret;
}

static int intake_file(struct intake *in, const struct config_mailbox *mb,
		       const struct state_msg *row, const char **error_r)
{
	const struct campaign *c = campaign_set_find_id(in->campaigns, mb->campaign);
	struct check_options opt = { .campaign_id = mb->campaign, .extract = &in->extract };
	struct check *ck = NULL;
	struct buf manifest = BUF_INIT, report = BUF_INIT;
	char receipt[STATE_RECEIPT_SIZE], *workdir = NULL, *dir = NULL;
	struct spool_file *files = NULL;
	struct spool_case *cases = NULL;
	size_t nfiles = 0, ncases = 0;
	char unread[160];
	const char *end_error;
	unsigned attempts = 0;
	bool counted = false;
	int ret = -1;

	if (row->arrival > 0) {
		opt.has_arrival = true;
		opt.arrival = row->arrival;
	}
	if (state_msg_receipt(in->st, row->id, c->id, c->receipt_prefix, receipt, error_r) < 0)
		return -1;
	workdir = xasprintf("%s/%s", in->work_dir, receipt);
	(void)fsutil_rmtree(workdir, NULL);
	if (fsutil_mkdir_p(workdir, error_r) < 0)
		goto out;
	/* a check that never comes back (the daemon killed on this mail, again
	   and again) must not hold up the queue: after quarantine_after of
	   them the mail is filed unread, with archive.damaged, and answered */
	if (state_msg_attempt(in->st, row->id, &attempts, error_r) < 0)
		goto out;
	counted = true;
	if (in->cfg->limits.quarantine_after > 0 &&
	    attempts > in->cfg->limits.quarantine_after) {
		snprintf(unread, sizeof(unread), "quarantined: the check of this mail did not "
			 "finish %u times (the daemon was killed while reading it)", attempts - 1);
		opt.unread = unread;
		log_sd(LOG_LEVEL_WARNING, "quarantine",
		       LOG_SD({ "receipt", receipt }, { "campaign", c->id }),
		       "%s: %s; filed without reading its contents", receipt, unread);
	}
	switch (check_mail(row->raw_path, workdir, in->campaigns, &opt, in->probe, &ck, error_r)) {
	case CHECK_OK:
		break;
	case CHECK_ERR_INPUT:
	case CHECK_ERR_CAMPAIGN:
	case CHECK_ERR_SYSTEM:
		goto out;
	}
	intake_history(in->st, ck, receipt);
	check_json(ck, "message.eml", &manifest);
	report_render(ck, receipt, &report);
	files = spool_files_from_extract(ck->ex, &nfiles);
	if (ck->rules->verdict == RULES_ACCEPTED)
		cases = spool_cases_from_rules(ck->rules, &ncases);
	const struct spool_entry e = {
		.root = in->cfg->spool_dir, .campaign = c->id, .receipt = receipt,
		.eml_path = row->raw_path, .files = files, .nfiles = nfiles,
		.manifest = buf_cstr(&manifest), .report = buf_cstr(&report),
		.cases = cases, .ncases = ncases,
	};
	if (spool_file_mail(&e, &dir, error_r) < 0)
		goto out;
	char *raw = xasprintf("%s/message.eml", dir);
	const struct state_msg_update u = {
		.campaign = c->id, .verdict = rules_verdict_name(ck->rules->verdict),
		.sender = ck->sender, .raw_path = raw,
	};
	/* the outcome and the state change commit together */
	ret = state_transaction_begin(in->st, error_r);
	if (ret == 0)
		ret = intake_store_outcome(in->st, row->id, ck, false, error_r);
	if (ret == 0)
		ret = state_msg_advance(in->st, row->id, STATE_MSG_FILED, &u, error_r);
	if (ret == 0)
		ret = state_transaction_commit(in->st, error_r);
	else
		state_transaction_rollback(in->st);
	free(raw);
	if (ret == 0) {
		char ncases_s[16], ndefects_s[16];
		snprintf(ncases_s, sizeof(ncases_s), "%zu", ck->rules->ncases);
		snprintf(ndefects_s, sizeof(ndefects_s), "%zu", ck->rules->ndefects);
		const char *verdict = rules_verdict_name(ck->rules->verdict);
		/* one info line per mail outcome: what the digest counts */
		log_sd(LOG_LEVEL_INFO, "filed",
		       LOG_SD({ "receipt", receipt }, { "campaign", c->id }, { "verdict", verdict },
			      { "sender", ck->sender }, { "cases", ncases_s }, { "defects", ndefects_s },
			      { "reason", ck->rules->ignored_reason },
			      { "needs_human", ck->rules->needs_human ? "yes" : NULL }),
		       "%s: %s %s from %s, %zu case(s), %zu defect(s) -> %s", receipt, c->id,
		       verdict, ck->sender ? ck->sender : "?", ck->rules->ncases,
		       ck->rules->ndefects, dir);
		/* the raw copy in incoming/ is not needed any more */
		if (strncmp(row->raw_path, in->incoming_dir, strlen(in->incoming_dir)) == 0)
			(void)unlink(row->raw_path);
		/* contact sheets and index.html; logs, never fails the filing */
		review_filed(in->cfg, c, receipt);
	}
out:
	if (counted)
		(void)state_msg_attempt_end(in->st, row->id, &end_error);
	if (workdir != NULL)
		(void)fsutil_rmtree(workdir, NULL);
	free(workdir);
	free(dir);
	free(files);
	free(cases);
	buf_free(&manifest);
	buf_free(&report);
	check_free(&ck);
	return ret;
}

/* ---- FILED → REPLY_QUEUED / NO_REPLY --------------------------------------------- */

static int intake_no_reply(struct intake *in, const struct state_msg *row, const char *why,
			   const char **error_r)
{
	log_sd(LOG_LEVEL_INFO, "reply", LOG_SD({ "receipt", row->receipt },
					      { "campaign", row->campaign }, { "reply", "none" },
					      { "reason", why }),
	       "%s: no reply (%s)", row->receipt, why);
	return state_msg_advance(in->st, row->id, STATE_MSG_NO_REPLY, NULL, error_r);
}

int intake_reply_message(const struct config *cfg, const struct campaign *c,
			 const struct state_msg *row, const char *id, int64_t now,
			 struct buf *out, const char **env_from_r, const char **error_r)
{
	char *report_path = NULL, *body = NULL, *subject = NULL, *mid = NULL, *refs = NULL;
	char *from = NULL, *to_name = NULL;
	struct message *msg = NULL;
	struct extract_settings limits;
	size_t len;
	int ret = -1;

	/* everything the reply needs is in the spool entry */
	report_path = xasprintf("%s/%s/mail/%s/report.txt", cfg->spool_dir, c->id, row->receipt);
	if (fsutil_read_file(report_path, 4 * 1024 * 1024, &body, &len, error_r) < 0)
		goto out;
	/* the limits it was checked with: a mail over the default size
	   must not become unanswerable */
	config_limits_extract(&cfg->limits, &limits);
	if (message_open_file_unparsed(row->raw_path, &limits.message, &msg, error_r) < 0)
		goto out;
	subject = message_header_decoded(msg, NULL, "Subject");
	mid = message_header_decoded(msg, NULL, "Message-ID");
	refs = message_header_decoded(msg, NULL, "References");
	if (row->sender_name != NULL && row->sender_name[0] != '\0') {
		to_name = xstrdup(row->sender_name);
	} else if ((from = message_header_decoded(msg, NULL, "From")) != NULL &&
		   strchr(from, '<') != NULL && strchr(from, '<') > from) {
		/* rows filed before schema version 2 have no sender_name */
		to_name = xstrndup(from, (size_t)(strchr(from, '<') - from));
		for (char *p = to_name + strlen(to_name); p > to_name && (p[-1] == ' ' || p[-1] == '"'); )
			*--p = '\0';
		while (*to_name == '"')
			memmove(to_name, to_name + 1, strlen(to_name));
	}
	const struct reply_params p = {
		.from_addr = c->addresses.v[0], .from_name = c->name,
		.to_addr = row->sender, .to_name = to_name,
		.orig_subject = subject, .orig_message_id = mid, .orig_references = refs,
		.receipt = id, .verdict = row->verdict, .body = body,
		.date = now, .tz_offset = c->tz_offset, .domain = cfg->domain,
	};
	if (reply_build(&p, out, error_r) < 0)
		goto out;
	/* envelope sender: the campaign mailbox (bounces reach staff, relays
	   accept it); "<>" in the config asks for the null path of RFC 3834 */
	*env_from_r = cfg->smtp.envelope_from;
	if (*env_from_r == NULL)
		*env_from_r = c->addresses.v[0];
	else if (strcmp(*env_from_r, "<>") == 0)
		*env_from_r = "";
	ret = 0;
out:
	message_free(&msg);
	free(report_path);
	free(body);
	free(subject);
	free(mid);
	free(refs);
	free(from);
	free(to_name);
	return ret;
}

static int intake_reply(struct intake *in, const struct state_msg *row, const char **error_r)
{
	const struct campaign *c = campaign_set_find_id(in->campaigns, row->campaign);
	struct buf out = BUF_INIT;
	const char *env_from;
	unsigned count = 0;
	int64_t now = time(NULL);
	int ret = -1;

	if (c == NULL || row->verdict == NULL || strcmp(row->verdict, "ignored") == 0)
		return intake_no_reply(in, row, "ignored mail", error_r);
	if (row->sender == NULL || campaign_set_find_address(in->campaigns, row->sender) != NULL)
		return intake_no_reply(in, row, "no sender to answer", error_r);
	int64_t day = (now + c->tz_offset) / 86400 * 86400 - c->tz_offset;
	if (state_reply_count(in->st, row->sender, day, day + 86400, &count, error_r) < 0)
		return -1;
	if (count >= in->cfg->replies_per_sender_per_day) {
		log_sd(LOG_LEVEL_WARNING, "reply",
		       LOG_SD({ "receipt", row->receipt }, { "campaign", row->campaign },
			      { "sender", row->sender }, { "reply", "capped" }),
		       "%s: %s already got %u replies today", row->receipt, row->sender, count);
		return intake_no_reply(in, row, "per-sender daily cap", error_r);
	}
	if (intake_reply_message(in->cfg, c, row, row->receipt, now, &out, &env_from, error_r) < 0)
		goto out;
	ret = outbox_queue(in->outbox_dir, row->receipt, row->sender, env_from,
			   out.data, out.len, now, error_r);
	if (ret < 0)
		goto out;
	if (state_reply_record(in->st, row->sender, row->receipt, now, error_r) < 0 ||
	    state_msg_advance(in->st, row->id, STATE_MSG_REPLY_QUEUED, NULL, error_r) < 0) {
		ret = -1;
		goto out;
	}
	log_sd(LOG_LEVEL_INFO, "reply", LOG_SD({ "receipt", row->receipt },
					      { "campaign", row->campaign }, { "sender", row->sender },
					      { "reply", "queued" }),
	       "%s: reply queued to %s", row->receipt, row->sender);
out:
	buf_free(&out);
	return ret;
}

int intake_advance(struct intake *in, const struct config_mailbox *mb, int64_t id,
		   const char **error_r)
{
	struct state_msg row;
	int ret = 0;

	for (int step = 0; step < 3 && ret == 0; step++) {
		if (state_msg_get(in->st, id, &row, error_r) != 1)
			return -1;
		switch (row.state) {
		case STATE_MSG_FETCHED:
			ret = intake_file(in, mb, &row, error_r);
			break;
		case STATE_MSG_FILED:
			ret = intake_reply(in, &row, error_r);
			break;
		case STATE_MSG_REPLY_QUEUED:
		case STATE_MSG_NO_REPLY:
		case STATE_MSG_MARKED:
			state_msg_clear(&row);
			return 0;
		}
		if (ret < 0 && *error_r != NULL) {
			const char *e2;
			(void)state_msg_set_error(in->st, id, *error_r, &e2);
		}
		state_msg_clear(&row);
	}
	return ret;
}

int intake_marked(struct intake *in, int64_t id, const char **error_r)
{
	return state_msg_advance(in->st, id, STATE_MSG_MARKED, NULL, error_r);
}
