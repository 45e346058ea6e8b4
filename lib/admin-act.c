/* admin-act: the admin commands that change things — reprocess a mail,
 * resend its reply, send a message (the digest) through the outbox. */
#include "admin.h"
#include "campaign.h"
#include "check.h"
#include "config.h"
#include "digest.h"
#include "fsutil.h"
#include "intake.h"
#include "json.h"
#include "log.h"
#include "outbox.h"
#include "report.h"
#include "review.h"
#include "runner.h"
#include "spool.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static __thread char admin_act_err[512];

/* ---- sending through the outbox ------------------------------------------ */

struct admin_find {
	const char *id;
	bool found;
	enum outbox_state state;
	char last_error[256];
};

static int admin_find_cb(void *_f, const struct outbox_entry *e)
{
	struct admin_find *f = _f;

	if (strcmp(e->id, f->id) != 0)
		return 0;
	f->found = true;
	f->state = e->state;
	snprintf(f->last_error, sizeof(f->last_error), "%s", e->last_error);
	return 1;
}

/* Run the outbox now, then tell what became of id: 0 sent, 1 still queued
 * (*why set), 2 queued for the running daemon to send, -1 failed or error. */
static int admin_send_now(struct admin *a, const char *id, char *why, size_t why_size,
			  const char **error_r)
{
	struct outbox_stats stats;
	struct admin_find f = { .id = id };
	int ret = runner_send_due(a->cfg, a->outbox_dir, time(NULL), &stats, error_r);

	if (ret < 0)
		return -1;
	if (outbox_list(a->outbox_dir, admin_find_cb, &f, error_r) < 0)
		return -1;
	if (!f.found) {
		*error_r = "the queued message disappeared from the outbox";
		return -1;
	}
	snprintf(why, why_size, "%s", ret == 1 ? "the daemon is running the queue; it sends it" :
		 f.last_error[0] != '\0' ? f.last_error : "not sent yet");
	if (f.state == OUTBOX_SENT)
		return 0;
	if (ret == 1 && f.state == OUTBOX_QUEUED)
		return 2;    /* casemaild holds the queue and sends it in a moment */
	if (f.state == OUTBOX_QUEUED)
		return 1;
	snprintf(admin_act_err, sizeof(admin_act_err), "refused: %s", f.last_error);
	*error_r = admin_act_err;
	return -1;
}

enum admin_result admin_send_message(struct admin *a, const char *id_prefix,
				     const char *const *rcpts, const char *from,
				     const char *msg, size_t len, struct buf *out,
				     const char **error_r)
{
	enum admin_result ret = ADMIN_OK;
	char id[128], why[256];
	bool queued_any = false;

	for (size_t i = 0; rcpts[i] != NULL; i++) {
		struct admin_find f = { .id = id };
		snprintf(id, sizeof(id), "%s-%zu", id_prefix, i + 1);
		if (outbox_list(a->outbox_dir, admin_find_cb, &f, error_r) < 0)
			return ADMIN_ERR_IO;
		if (f.found) {
			buf_printf(out, "%s: to %s: already %s\n", id, rcpts[i],
				   outbox_state_name(f.state));
			continue;
		}
		if (outbox_queue(a->outbox_dir, id, rcpts[i], from, msg, len, time(NULL),
				 error_r) < 0)
			return ADMIN_ERR_IO;
		queued_any = true;
	}
	if (!queued_any)
		return ADMIN_OK;
	for (size_t i = 0; rcpts[i] != NULL; i++) {
		snprintf(id, sizeof(id), "%s-%zu", id_prefix, i + 1);
		switch (admin_send_now(a, id, why, sizeof(why), error_r)) {
		case 0:
			buf_printf(out, "%s: sent to %s\n", id, rcpts[i]);
			break;
		case 2:
			buf_printf(out, "%s: queued for %s (%s)\n", id, rcpts[i], why);
			break;
		case 1:
			buf_printf(out, "%s: queued for %s (%s)\n", id, rcpts[i], why);
			ret = ADMIN_ERR_SEND;
			break;
		default:
			buf_printf(out, "%s: to %s: %s\n", id, rcpts[i], *error_r);
			ret = ADMIN_ERR_SEND;
			break;
		}
	}
	if (ret == ADMIN_ERR_SEND)
		*error_r = "not every message was sent; the daemon retries queued ones";
	return ret;
}

/* ---- resend ------------------------------------------------------------- */

enum admin_result admin_resend(struct admin *a, const char *receipt, struct buf *out,
			       const char **error_r)
{
	struct state_msg m;
	struct buf msg = BUF_INIT;
	const struct campaign *c;
	const char *env_from;
	char id[STATE_RECEIPT_SIZE + 16], why[256];
	enum admin_result ret = ADMIN_ERR_IO;

	if ((ret = admin_lookup(a, receipt, &m, error_r)) != ADMIN_OK)
		return ret;
	ret = ADMIN_ERR_IO;   /* until done */
	c = m.campaign != NULL ? campaign_set_find_id(a->campaigns, m.campaign) : NULL;
	if (c == NULL || m.state == STATE_MSG_FETCHED || m.verdict == NULL ||
	    strcmp(m.verdict, "ignored") == 0 || m.sender == NULL ||
	    campaign_set_find_address(a->campaigns, m.sender) != NULL) {
		*error_r = m.state == STATE_MSG_FETCHED ? "not filed yet" :
			   m.verdict != NULL && strcmp(m.verdict, "ignored") == 0 ?
			   "ignored mail gets no reply" : "no sender to answer";
		ret = ADMIN_REFUSED;
		goto out;
	}
	/* the first free "<receipt>.rN" */
	for (unsigned n = 1;; n++) {
		struct admin_find f = { .id = id };
		snprintf(id, sizeof(id), "%s.r%u", receipt, n);
		if (outbox_list(a->outbox_dir, admin_find_cb, &f, error_r) < 0)
			goto out;
		if (!f.found)
			break;
	}
	if (intake_reply_message(a->cfg, c, &m, id, time(NULL), &msg, &env_from, error_r) < 0)
		goto out;
	if (outbox_queue(a->outbox_dir, id, m.sender, env_from, msg.data, msg.len, time(NULL),
			 error_r) < 0)
		goto out;
	log_sd(LOG_LEVEL_INFO, "resend", LOG_SD({ "receipt", receipt }, { "campaign", c->id },
						 { "sender", m.sender }, { "outbox_id", id }),
	       "%s: reply queued again as %s (admin)", receipt, id);
	switch (admin_send_now(a, id, why, sizeof(why), error_r)) {
	case 0:
		buf_printf(out, "%s: reply %s sent to %s\n", receipt, id, m.sender);
		ret = ADMIN_OK;
		break;
	case 1:
	case 2:
		buf_printf(out, "%s: reply %s queued for %s (%s)\n", receipt, id, m.sender, why);
		ret = ADMIN_OK;
		break;
	default:
		ret = ADMIN_ERR_SEND;
		break;
	}
out:
	state_msg_clear(&m);
	buf_free(&msg);
	return ret;
}

/* ---- reprocess ---------------------------------------------------------- */

enum admin_result admin_reprocess(struct admin *a, const char *receipt, bool reply,
				  bool json, struct probe *probe, struct buf *out,
				  const char **error_r)
{
	struct state_msg m;
	struct check *ck = NULL;
	struct buf manifest = BUF_INIT, report = BUF_INIT;
	struct spool_file *files = NULL;
	struct spool_case *cases = NULL;
	size_t nfiles = 0, ncases = 0;
	char *eml = NULL, *workdir = NULL, *old_verdict = NULL;
	unsigned version = 0;
	enum admin_result ret = ADMIN_ERR_IO;

	if ((ret = admin_lookup(a, receipt, &m, error_r)) != ADMIN_OK)
		return ret;
	ret = ADMIN_ERR_IO;   /* until done */
	const struct campaign *c = m.campaign != NULL ?
		campaign_set_find_id(a->campaigns, m.campaign) : NULL;
	if (c == NULL || m.state == STATE_MSG_FETCHED) {
		*error_r = c == NULL ? "its campaign is not configured any more" :
			   "not filed yet (the daemon files it)";
		ret = ADMIN_REFUSED;
		goto out;
	}
	old_verdict = xstrdup(m.verdict != NULL ? m.verdict : "-");
	eml = xasprintf("%s/%s/mail/%s/message.eml", a->cfg->spool_dir, c->id, receipt);
	workdir = xasprintf("%s/work/reprocess-%s.%ld", a->cfg->state_dir, receipt, (long)getpid());
	(void)fsutil_rmtree(workdir, NULL);
	if (fsutil_mkdir_p(workdir, error_r) < 0)
		goto out;
	struct extract_settings limits;
	config_limits_extract(&a->cfg->limits, &limits); /* as the daemon checks */
	const struct check_options opt = {
		.campaign_id = c->id, .has_arrival = m.arrival > 0, .arrival = m.arrival,
		.extract = &limits,
	};
	switch (check_mail(eml, workdir, a->campaigns, &opt, probe, &ck, error_r)) {
	case CHECK_OK:
		break;
	case CHECK_ERR_INPUT:
		ret = ADMIN_ERR_IO;
		goto out;
	case CHECK_ERR_CAMPAIGN:
	case CHECK_ERR_SYSTEM:
		ret = ADMIN_ERR_SOFTWARE;
		goto out;
	}
	intake_history(a->st, ck, receipt);
	check_json(ck, "message.eml", &manifest);
	report_render(ck, receipt, &report);
	/* the mail directory is complete: filing again only lays out the
	   accepted cases (from the files the first filing wrote) */
	files = spool_files_from_extract(ck->ex, &nfiles);
	if (ck->rules->verdict == RULES_ACCEPTED)
		cases = spool_cases_from_rules(ck->rules, &ncases);
	const struct spool_entry e = {
		.root = a->cfg->spool_dir, .campaign = c->id, .receipt = receipt,
		.eml_path = eml, .files = files, .nfiles = nfiles,
		.cases = cases, .ncases = ncases,
	};
	if (spool_file_mail(&e, NULL, error_r) < 0)
		goto out;
	if (spool_replace_reports(a->cfg->spool_dir, c->id, receipt, buf_cstr(&manifest),
				  buf_cstr(&report), &version, error_r) < 0)
		goto out;
	if (intake_store_outcome(a->st, m.id, ck, true, error_r) < 0)
		goto out;
	review_filed(a->cfg, c, receipt);   /* logs, never fails the reprocess */
	const char *verdict = rules_verdict_name(ck->rules->verdict);
	log_sd(LOG_LEVEL_INFO, "reprocess", LOG_SD({ "receipt", receipt }, { "campaign", c->id },
						    { "verdict", verdict }, { "sender", ck->sender }),
	       "%s: reprocessed (admin): %s -> %s, %zu defect(s)", receipt, old_verdict,
	       verdict, ck->rules->ndefects);
	if (json) {
		struct json j;
		json_init(&j, out);
		json_object_begin(&j, NULL);
		json_str(&j, "receipt", receipt);
		json_str(&j, "old_verdict", old_verdict);
		json_str(&j, "verdict", verdict);
		json_int(&j, "defects", (long long)ck->rules->ndefects);
		json_int(&j, "previous_reports", version);
		json_object_end(&j);
		buf_putc(out, '\n');
	} else {
		buf_printf(out, "%s: %s → %s (%zu defect(s); previous report kept as report.txt.%u)\n",
			   receipt, old_verdict, verdict, ck->rules->ndefects, version);
	}
	ret = ADMIN_OK;
	if (reply) {
		struct buf note = BUF_INIT;
		state_msg_clear(&m);
		ret = admin_resend(a, receipt, json ? &note : out, error_r);
		buf_free(&note);
	}
out:
	if (workdir != NULL)
		(void)fsutil_rmtree(workdir, NULL);
	state_msg_clear(&m);
	check_free(&ck);
	buf_free(&manifest);
	buf_free(&report);
	free(files);
	free(cases);
	free(eml);
	free(workdir);
	free(old_verdict);
	return ret;
}

/* ---- digest ------------------------------------------------------------- */

enum admin_result admin_digest(struct admin *a, const char *date_arg, const char *campaign,
			       const char *format, bool send, struct buf *out,
			       const char **error_r)
{
	const struct config_digest *cfgd = &a->cfg->digest;
	struct digest *d = NULL;
	struct buf msg = BUF_INIT;
	char date[11], prefix[32];
	int64_t now = time(NULL);
	enum admin_result ret;

	if (digest_date_resolve(date_arg, admin_tz(a), now, date, error_r) < 0)
		return ADMIN_REFUSED;
	if (send && cfgd->nto == 0) {
		*error_r = "no [digest] to = … addresses in the config";
		return ADMIN_ERR_CONFIG;
	}
	if (digest_gather(a->st, a->campaigns, campaign, a->outbox_dir, date, now, &d,
			  error_r) < 0)
		return campaign != NULL && campaign_set_find_id(a->campaigns, campaign) == NULL ?
		       ADMIN_REFUSED : ADMIN_ERR_IO;
	if (!send) {
		if (format == NULL || strcmp(format, "text") == 0)
			digest_render_text(d, out);
		else if (strcmp(format, "html") == 0)
			digest_render_html(d, out);
		else
			digest_render_csv(d, out);
		digest_free(&d);
		return ADMIN_OK;
	}
	const char *from = cfgd->from != NULL ? cfgd->from : a->campaigns->v[0]->addresses.v[0];
	char *to = xstrdup("");
	for (size_t i = 0; i < cfgd->nto; i++) {
		char *t = xasprintf("%s%s%s", to, i > 0 ? ", " : "", cfgd->to[i]);
		free(to);
		to = t;
	}
	const struct digest_mail_params p = {
		.from = from, .to = to, .domain = a->cfg->domain,
		.html_first = cfgd->format == NULL || strcmp(cfgd->format, "html") == 0,
		.date = now, .tz_offset = admin_tz(a),
	};
	if (digest_mail(d, &p, &msg, error_r) < 0) {
		ret = ADMIN_ERR_CONFIG;
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "digest-%s", date);
	ret = admin_send_message(a, prefix, (const char *const *)cfgd->to, from, msg.data,
				 msg.len, out, error_r);
	log_sd(ret == ADMIN_OK ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "digest",
	       LOG_SD({ "date", date }, { "rcpt", to }),
	       "digest of %s %s to %s", date, ret == ADMIN_OK ? "sent" : "not sent", to);
out:
	free(to);
	buf_free(&msg);
	digest_free(&d);
	return ret;
}
