/* admin-show: everything about one mail (casemailctl show RECEIPT). */
#include "admin.h"
#include "config.h"
#include "datetime.h"
#include "fsutil.h"
#include "json.h"
#include "outbox.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct admin_show_ctx {
	const char *receipt;
	struct json *j;
	struct buf *out;
	int tz;
	unsigned n;
};

static int admin_show_defect_cb(const struct state_defect *d, void *_c)
{
	struct admin_show_ctx *c = _c;

	c->n++;
	if (c->j != NULL) {
		json_object_begin(c->j, NULL);
		json_str(c->j, "code", d->code);
		json_str(c->j, "severity", d->severity);
		json_str(c->j, "file", d->file);
		json_object_end(c->j);
	} else {
		buf_printf(c->out, "  %-7s %-30s %s\n", d->severity, d->code,
			   d->file != NULL ? d->file : "(mail)");
	}
	return 0;
}

static int admin_show_reply_cb(void *_c, const struct outbox_entry *e)
{
	struct admin_show_ctx *c = _c;
	size_t len = strlen(c->receipt);
	char t1[32], t2[32];

	if (strncmp(e->id, c->receipt, len) != 0 || (e->id[len] != '\0' && e->id[len] != '.'))
		return 0;
	c->n++;
	if (c->j != NULL) {
		json_object_begin(c->j, NULL);
		json_str(c->j, "id", e->id);
		json_str(c->j, "state", outbox_state_name(e->state));
		json_str(c->j, "rcpt", e->rcpt);
		json_int(c->j, "attempts", e->attempts);
		datetime_format_iso(e->first_queued, c->tz, t1, sizeof(t1));
		json_str(c->j, "queued", t1);
		if (e->done > 0) {
			datetime_format_iso(e->done, c->tz, t2, sizeof(t2));
			json_str(c->j, "done", t2);
		} else {
			json_null(c->j, "done");
		}
		json_str(c->j, "last_error", e->last_error[0] != '\0' ? e->last_error : NULL);
		json_object_end(c->j);
	} else {
		datetime_format_iso(e->first_queued, c->tz, t1, sizeof(t1));
		if (e->done > 0)
			datetime_format_iso(e->done, c->tz, t2, sizeof(t2));
		buf_printf(c->out, "  %-20s %-7s to %s, queued %s%s%s, %u attempt(s)%s%s\n",
			   e->id, outbox_state_name(e->state), e->rcpt, t1,
			   e->done > 0 ? ", done " : "", e->done > 0 ? t2 : "", e->attempts,
			   e->last_error[0] != '\0' ? ", last error: " : "", e->last_error);
	}
	return 0;
}

enum admin_result admin_show(struct admin *a, const char *receipt, bool json,
			     struct buf *out, const char **error_r)
{
	struct state_msg m;
	struct json j;
	struct admin_show_ctx c = { .receipt = receipt, .out = out, .tz = admin_tz(a) };
	char *dir = NULL, *report = NULL, *manifest = NULL, *path;
	size_t len;
	char t[32];
	enum admin_result ret = ADMIN_ERR_IO;
	const char *e2;

	if ((ret = admin_lookup(a, receipt, &m, error_r)) != ADMIN_OK)
		return ret;
	ret = ADMIN_ERR_IO;   /* until done */
	/* the spool entry: raw_path is <spool>/<campaign>/mail/<receipt>/message.eml once filed */
	if (m.campaign != NULL && m.state != STATE_MSG_FETCHED) {
		dir = xasprintf("%s/%s/mail/%s", a->cfg->spool_dir, m.campaign, receipt);
		path = xasprintf("%s/report.txt", dir);
		(void)fsutil_read_file(path, 4 << 20, &report, &len, &e2);
		free(path);
		path = xasprintf("%s/manifest.json", dir);
		(void)fsutil_read_file(path, 64 << 20, &manifest, &len, &e2);
		free(path);
	}
	int64_t when = m.arrival > 0 ? m.arrival : m.created;
	datetime_format_iso(when, c.tz, t, sizeof(t));
	if (json) {
		json_init(&j, out);
		c.j = &j;
		json_object_begin(&j, NULL);
		json_str(&j, "receipt", m.receipt);
		json_str(&j, "campaign", m.campaign);
		json_str(&j, "mailbox", m.mailbox);
		if (m.uid > 0) {
			json_int(&j, "uidvalidity", m.uidvalidity);
			json_int(&j, "uid", m.uid);
		}
		json_str(&j, "maildir_key", m.source_key);
		json_str(&j, "message_id", m.message_id);
		json_str(&j, "sha256", m.sha256);
		json_int(&j, "size", (long long)m.size);
		json_str(&j, "arrival", t);
		json_str(&j, "sender", m.sender);
		json_str(&j, "sender_name", m.sender_name);
		json_str(&j, "subject", m.subject);
		json_str(&j, "verdict", m.verdict);
		json_str(&j, "ignored_reason", m.ignored_reason);
		json_bool(&j, "needs_human", m.needs_human);
		json_str(&j, "state", state_msg_state_name(m.state));
		json_int(&j, "reprocessed", m.reprocessed);
		json_str(&j, "error", m.error);
		json_str(&j, "spool_dir", dir);
		json_array_begin(&j, "defects");
	} else {
		buf_printf(out, "receipt:     %s\n", receipt);
		buf_printf(out, "campaign:    %s (mailbox %s)\n", m.campaign ? m.campaign : "-",
			   m.mailbox);
		if (m.uid > 0)
			buf_printf(out, "source:      uid %u, uidvalidity %u\n", m.uid, m.uidvalidity);
		else
			buf_printf(out, "source:      %s\n", m.source_key ? m.source_key : "-");
		buf_printf(out, "message-id:  %s\n", m.message_id ? m.message_id : "-");
		buf_printf(out, "from:        %s%s%s%s\n", m.sender_name ? m.sender_name : "",
			   m.sender_name ? " <" : "", m.sender ? m.sender : "-", m.sender_name ? ">" : "");
		buf_printf(out, "subject:     %s\n", m.subject ? m.subject : "");
		buf_printf(out, "arrival:     %s (%llu bytes)\n", t, (unsigned long long)m.size);
		buf_printf(out, "verdict:     %s%s%s%s\n", m.verdict ? m.verdict : "-",
			   m.ignored_reason ? " (" : "", m.ignored_reason ? m.ignored_reason : "",
			   m.ignored_reason ? ")" : "");
		if (m.needs_human)
			buf_puts(out, "             needs a person to read it\n");
		buf_printf(out, "state:       %s%s\n", state_msg_state_name(m.state),
			   m.reprocessed > 0 ? " (reprocessed)" : "");
		if (m.error != NULL)
			buf_printf(out, "error:       %s\n", m.error);
		buf_printf(out, "spool:       %s\n", dir ? dir : "-");
		buf_puts(out, "defects:\n");
	}
	if (m.receipt != NULL &&
	    state_msg_defects(a->st, receipt, admin_show_defect_cb, &c, error_r) < 0)
		goto out;
	if (json) {
		json_array_end(&j);
		json_array_begin(&j, "replies");
	} else {
		if (c.n == 0)
			buf_puts(out, "  none\n");
		buf_puts(out, "replies:\n");
	}
	c.n = 0;
	if (outbox_list(a->outbox_dir, admin_show_reply_cb, &c, error_r) < 0)
		goto out;
	if (json) {
		json_array_end(&j);
		json_str(&j, "report", report);
		if (manifest != NULL && manifest[0] == '{')
			json_raw(&j, "check", manifest);
		else
			json_null(&j, "check");
		json_object_end(&j);
		buf_putc(out, '\n');
	} else {
		if (c.n == 0)
			buf_printf(out, "  none%s\n", m.state == STATE_MSG_NO_REPLY ? " (no reply: see the log)" : "");
		if (report != NULL) {
			buf_puts(out, "\n---- report.txt ----\n");
			buf_puts(out, report);
			if (report[0] != '\0' && report[strlen(report) - 1] != '\n')
				buf_putc(out, '\n');
		}
	}
	ret = ADMIN_OK;
out:
	state_msg_clear(&m);
	free(dir);
	free(report);
	free(manifest);
	return ret;
}
