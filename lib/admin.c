/* admin: open the daemon's world; status and list. */
#include "admin.h"
#include "campaign.h"
#include "config.h"
#include "datetime.h"
#include "json.h"
#include "outbox.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <grp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static __thread char admin_err[512];

/* root running an admin command on the daemon's files becomes their owner
 * (the casemail user) first, so that files it creates — the SQLite WAL,
 * outbox entries, spool reports — stay usable by the daemon */
static int admin_become_owner(const char *state_dir, const char **error_r)
{
	struct stat stb;

	if (geteuid() != 0 || stat(state_dir, &stb) < 0 || stb.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(stb.st_gid) < 0 || setuid(stb.st_uid) < 0) {
		snprintf(admin_err, sizeof(admin_err), "becoming uid %u (the owner of %s): %s",
			 (unsigned)stb.st_uid, state_dir, strerror(errno));
		*error_r = admin_err;
		return -1;
	}
	return 0;
}

enum admin_result admin_open(struct admin *a, const char *config_path,
			     const char *default_campaigns, const char **error_r)
{
	struct stat stb;

	memset(a, 0, sizeof(*a));
	if (config_load(config_path, &a->cfg, error_r) < 0)
		return ADMIN_ERR_CONFIG;
	const char *dir = a->cfg->campaigns_dir != NULL ? a->cfg->campaigns_dir :
			  default_campaigns;
	if (campaign_set_load(dir, &a->campaigns, error_r) < 0)
		goto config;
	const char **ids = xcalloc(a->campaigns->n + 1, sizeof(*ids));
	for (size_t i = 0; i < a->campaigns->n; i++)
		ids[i] = a->campaigns->v[i]->id;
	int ret = config_check_campaigns(a->cfg, ids, a->campaigns->n, error_r);
	free(ids);
	if (ret < 0)
		goto config;
	if (admin_become_owner(a->cfg->state_dir, error_r) < 0)
		goto io;
	char *db = xasprintf("%s/" STATE_DB_NAME, a->cfg->state_dir);
	ret = stat(db, &stb);
	free(db);
	if (ret < 0) {
		snprintf(admin_err, sizeof(admin_err), "%s/%s: %s (has casemaild run with %s yet?)",
			 a->cfg->state_dir, STATE_DB_NAME, strerror(errno), config_path);
		*error_r = admin_err;
		admin_close(a);
		return ADMIN_ERR_IO;
	}
	a->st = state_open(a->cfg->state_dir, error_r);
	if (a->st == NULL) {
		admin_close(a);
		return ADMIN_ERR_IO;
	}
	a->outbox_dir = xasprintf("%s/outbox", a->cfg->state_dir);
	return ADMIN_OK;
config:
	admin_close(a);
	return ADMIN_ERR_CONFIG;
io:
	admin_close(a);
	return ADMIN_ERR_IO;
}

void admin_close(struct admin *a)
{
	state_close(&a->st);
	campaign_set_free(&a->campaigns);
	config_free(&a->cfg);
	free(a->outbox_dir);
	memset(a, 0, sizeof(*a));
}

enum admin_result admin_lookup(struct admin *a, const char *receipt, struct state_msg *m,
			       const char **error_r)
{
	switch (state_msg_lookup_receipt(a->st, receipt, m, error_r)) {
	case 1:
		return ADMIN_OK;
	case 0:
		*error_r = "no such receipt";
		return ADMIN_NOT_FOUND;
	default:
		return ADMIN_ERR_IO;
	}
}

int admin_tz(const struct admin *a)
{
	return a->campaigns != NULL && a->campaigns->n > 0 ? a->campaigns->v[0]->tz_offset :
	       8 * 3600;
}

int admin_parse_time(const char *s, int tz_offset, int64_t *t_r)
{
	char buf[40];
	int off;

	if (strlen(s) == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00", s);
		s = buf;
	} else if (strlen(s) == 16) {          /* 2026-07-28T15:40 */
		snprintf(buf, sizeof(buf), "%s:00", s);
		s = buf;
	}
	if (strlen(s) == 19) {                 /* no zone: the campaigns' */
		char z[40];
		int h = abs(tz_offset) / 3600 % 24, m = abs(tz_offset) % 3600 / 60;
		snprintf(z, sizeof(z), "%.19s%c%02d:%02d", s, tz_offset < 0 ? '-' : '+', h, m);
		return datetime_parse_iso(z, t_r, &off);
	}
	return datetime_parse_iso(s, t_r, &off);
}

/* "2026-07-28 15:40" at tz, or "-" for 0 */
static const char *admin_time(int64_t t, int tz, char *out, size_t size)
{
	char iso[32];

	if (t <= 0)
		return "-";
	datetime_format_iso(t, tz, iso, sizeof(iso));
	snprintf(out, size, "%.10s %.5s", iso, iso + 11);
	return out;
}

static void admin_age(int64_t t, int64_t now, char *out, size_t size)
{
	int64_t d = now - t;

	if (t <= 0)
		snprintf(out, size, "never");
	else if (d < 120)
		snprintf(out, size, "%llds ago", (long long)d);
	else if (d < 7200)
		snprintf(out, size, "%lld min ago", (long long)(d / 60));
	else if (d < 172800)
		snprintf(out, size, "%lld h ago", (long long)(d / 3600));
	else
		snprintf(out, size, "%lld days ago", (long long)(d / 86400));
}

/* ---- status ------------------------------------------------------------- */

/* 1: a casemaild holds the lock (its pid in *pid_r, 0 if unknown), 0: none */
static int admin_daemon(const char *state_dir, long *pid_r)
{
	char *path = xasprintf("%s/casemaild.lock", state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	char buf[32];
	ssize_t n;

	free(path);
	*pid_r = 0;
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		ret = 1;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			*pid_r = strtol(buf, NULL, 10);
		}
	}
	close(fd);
	return ret;
}

static char *admin_source(const struct config_mailbox *mb)
{
	if (mb->maildir != NULL)
		return xasprintf("maildir %s", mb->maildir);
	return xasprintf("imap %s@%s:%u/%s", mb->user, mb->host, mb->port, mb->folder);
}

struct admin_polls {
	char **names;
	int64_t *polls;
	uint32_t *uvs;
	size_t n;
};

static int admin_poll_cb(const struct state_mailbox_info *mb, void *_p)
{
	struct admin_polls *p = _p;

	p->names = xreallocarray(p->names, p->n + 1, sizeof(*p->names));
	p->polls = xreallocarray(p->polls, p->n + 1, sizeof(*p->polls));
	p->uvs = xreallocarray(p->uvs, p->n + 1, sizeof(*p->uvs));
	p->names[p->n] = xstrdup(mb->name);
	p->polls[p->n] = mb->last_poll;
	p->uvs[p->n] = mb->uidvalidity;
	p->n++;
	return 0;
}

struct admin_counts {
	const char *campaign;
	long long total, accepted, rejected, ignored, unfinished;
};

static int admin_count_cb(const struct state_count *c, void *_ac)
{
	struct admin_counts *ac = _ac;

	if (strcmp(c->campaign, ac->campaign) != 0)
		return 0;
	ac->total += c->messages;
	ac->unfinished += c->unfinished;
	if (strcmp(c->verdict, "accepted") == 0)
		ac->accepted += c->messages;
	else if (strcmp(c->verdict, "rejected") == 0)
		ac->rejected += c->messages;
	else if (strcmp(c->verdict, "ignored") == 0)
		ac->ignored += c->messages;
	return 0;
}

struct admin_outbox_counts {
	int64_t now;
	unsigned queued, overdue, sent, failed;
	int64_t oldest;
};

static int admin_outbox_cb(void *_o, const struct outbox_entry *e)
{
	struct admin_outbox_counts *o = _o;

	switch (e->state) {
	case OUTBOX_QUEUED:
		o->queued++;
		o->overdue += e->attempts > 0;
		if (o->oldest == 0 || e->first_queued < o->oldest)
			o->oldest = e->first_queued;
		break;
	case OUTBOX_SENT:
		o->sent++;
		break;
	case OUTBOX_FAILED:
		o->failed++;
		break;
	}
	return 0;
}

static int admin_errors_cb(const struct state_msg *m, void *_n)
{
	(*(unsigned *)_n)++;
	return 0;
}

enum admin_result admin_status(struct admin *a, bool json, int64_t now, struct buf *out,
			       bool *running_r, const char **error_r)
{
	const struct config *cfg = a->cfg;
	struct admin_polls polls = { 0 };
	struct admin_outbox_counts ob = { .now = now };
	struct json j;
	char t1[32], age[32];
	long pid;
	unsigned errors = 0;
	int tz = admin_tz(a);
	enum admin_result ret = ADMIN_ERR_IO;

	*running_r = admin_daemon(cfg->state_dir, &pid) == 1;
	if (state_mailboxes(a->st, admin_poll_cb, &polls, error_r) < 0)
		goto out;
	if (outbox_list(a->outbox_dir, admin_outbox_cb, &ob, error_r) < 0)
		goto out;
	const struct state_filter ef = { .with_error = true };
	if (state_msg_list(a->st, &ef, admin_errors_cb, &errors, error_r) < 0)
		goto out;
	if (json) {
		json_init(&j, out);
		json_object_begin(&j, NULL);
		json_object_begin(&j, "daemon");
		json_bool(&j, "running", *running_r);
		if (pid > 0)
			json_int(&j, "pid", pid);
		else
			json_null(&j, "pid");
		json_object_end(&j);
		json_str(&j, "config", cfg->file);
		json_str(&j, "state_dir", cfg->state_dir);
		json_str(&j, "spool_dir", cfg->spool_dir);
		json_array_begin(&j, "mailboxes");
	} else {
		if (*running_r && pid > 0)
			buf_printf(out, "casemaild:  running (pid %ld)\n", pid);
		else
			buf_printf(out, "casemaild:  %s\n", *running_r ? "running" : "not running");
		buf_printf(out, "config:     %s\nstate:      %s\nspool:      %s\n\n",
			   cfg->file, cfg->state_dir, cfg->spool_dir);
		buf_printf(out, "%-14s %-20s %-17s %-14s %s\n", "MAILBOX", "CAMPAIGN", "LAST POLL",
			   "", "SOURCE");
	}
	for (size_t i = 0; i < cfg->nmailboxes; i++) {
		const struct config_mailbox *mb = &cfg->mailboxes[i];
		int64_t last = 0;
		uint32_t uv = 0;
		for (size_t k = 0; k < polls.n; k++) {
			if (strcmp(polls.names[k], mb->name) == 0) {
				last = polls.polls[k];
				uv = polls.uvs[k];
			}
		}
		char *src = admin_source(mb);
		admin_age(last, now, age, sizeof(age));
		if (json) {
			json_object_begin(&j, NULL);
			json_str(&j, "name", mb->name);
			json_str(&j, "campaign", mb->campaign);
			json_str(&j, "source", src);
			if (last > 0) {
				datetime_format_iso(last, tz, t1, sizeof(t1));
				json_str(&j, "last_poll", t1);
			} else {
				json_null(&j, "last_poll");
			}
			json_int(&j, "last_poll_age", last > 0 ? now - last : -1);
			json_int(&j, "uidvalidity", uv);
			json_object_end(&j);
		} else {
			buf_printf(out, "%-14s %-20s %-17s %-14s %s\n", mb->name, mb->campaign,
				   admin_time(last, tz, t1, sizeof(t1)), age, src);
		}
		free(src);
	}
	if (json)
		json_array_end(&j);
	if (json)
		json_array_begin(&j, "campaigns");
	else
		buf_printf(out, "\n%-20s %7s %9s %9s %8s %11s\n", "CAMPAIGN", "MAILS", "ACCEPTED",
			   "REJECTED", "IGNORED", "UNFINISHED");
	for (size_t i = 0; i < a->campaigns->n; i++) {
		struct admin_counts ac = { .campaign = a->campaigns->v[i]->id };
		if (state_counts(a->st, admin_count_cb, &ac, error_r) < 0)
			goto out;
		if (json) {
			json_object_begin(&j, NULL);
			json_str(&j, "id", ac.campaign);
			json_int(&j, "mails", ac.total);
			json_int(&j, "accepted", ac.accepted);
			json_int(&j, "rejected", ac.rejected);
			json_int(&j, "ignored", ac.ignored);
			json_int(&j, "unfinished", ac.unfinished);
			json_object_end(&j);
		} else {
			buf_printf(out, "%-20s %7lld %9lld %9lld %8lld %11lld\n", ac.campaign,
				   ac.total, ac.accepted, ac.rejected, ac.ignored, ac.unfinished);
		}
	}
	admin_age(ob.oldest, now, age, sizeof(age));
	if (json) {
		json_array_end(&j);
		json_int(&j, "errors", errors);
		json_object_begin(&j, "outbox");
		json_int(&j, "queued", ob.queued);
		json_int(&j, "retrying", ob.overdue);
		json_int(&j, "sent", ob.sent);
		json_int(&j, "failed", ob.failed);
		json_int(&j, "oldest_queued_age", ob.oldest > 0 ? now - ob.oldest : -1);
		json_object_end(&j);
		json_object_end(&j);
		buf_putc(out, '\n');
	} else {
		buf_printf(out, "\nmails with errors: %u%s\n", errors,
			   errors > 0 ? "  (casemailctl list --errors)" : "");
		buf_printf(out, "replies: %u queued (%u retrying%s%s), %u sent, %u failed\n",
			   ob.queued, ob.overdue, ob.queued > 0 ? ", oldest queued " : "",
			   ob.queued > 0 ? age : "", ob.sent, ob.failed);
	}
	ret = ADMIN_OK;
out:
	for (size_t k = 0; k < polls.n; k++)
		free(polls.names[k]);
	free(polls.names);
	free(polls.polls);
	free(polls.uvs);
	return ret;
}

/* ---- list --------------------------------------------------------------- */

struct admin_list_ctx {
	struct admin *a;
	struct json *j;
	struct buf *out;
	struct buf codes;
	const char *error;
	int tz;
	struct admin_replies replies;
};

static int admin_codes_cb(const struct state_defect *d, void *_c)
{
	struct admin_list_ctx *c = _c;

	if (strcmp(d->severity, "error") != 0)
		return 0;
	/* each code once */
	const char *have = buf_cstr(&c->codes);
	size_t len = strlen(d->code);
	for (const char *p = strstr(have, d->code); p != NULL; p = strstr(p + 1, d->code)) {
		if ((p == have || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return 0;
	}
	if (c->codes.len > 0)
		buf_putc(&c->codes, ',');
	buf_puts(&c->codes, d->code);
	return 0;
}

/* ---- replies: the outbox read once per command ----------------------------- */

static int admin_replies_cb(void *_r, const struct outbox_entry *e)
{
	struct admin_replies *r = _r;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n].id = xstrdup(e->id);
	r->v[r->n].state = outbox_state_name(e->state);
	r->n++;
	return 0;
}

int admin_replies_load(struct admin *a, struct admin_replies *r, const char **error_r)
{
	memset(r, 0, sizeof(*r));
	return outbox_list(a->outbox_dir, admin_replies_cb, r, error_r);
}

void admin_replies_free(struct admin_replies *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].id);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const char *admin_reply_state(const struct admin_replies *r, const struct state_msg *m)
{
	const char *state = NULL;
	size_t len;

	if (m->receipt == NULL || m->state == STATE_MSG_NO_REPLY ||
	    (m->state != STATE_MSG_REPLY_QUEUED && m->state != STATE_MSG_MARKED))
		return "none";
	/* the receipt's own reply, then resends "<receipt>.rN": the last one
	   listed in a state wins, queued before sent before failed */
	len = strlen(m->receipt);
	for (size_t i = 0; i < r->n; i++) {
		const char *id = r->v[i].id;
		if (strncmp(id, m->receipt, len) == 0 && (id[len] == '\0' || id[len] == '.') &&
		    (state == NULL || strcmp(state, "queued") != 0))
			state = r->v[i].state;
	}
	return state != NULL ? state : "none";
}

static int admin_list_cb(const struct state_msg *m, void *_c)
{
	struct admin_list_ctx *c = _c;
	char t[32];

	buf_truncate(&c->codes, 0);
	if (m->receipt != NULL &&
	    state_msg_defects(c->a->st, m->receipt, admin_codes_cb, c, &c->error) < 0)
		return -1;
	int64_t when = m->arrival > 0 ? m->arrival : m->created;
	const char *reply = admin_reply_state(&c->replies, m);
	if (c->j != NULL) {
		struct json *j = c->j;
		json_object_begin(j, NULL);
		json_str(j, "receipt", m->receipt);
		datetime_format_iso(when, c->tz, t, sizeof(t));
		json_str(j, "arrival", t);
		json_str(j, "campaign", m->campaign);
		json_str(j, "mailbox", m->mailbox);
		json_str(j, "verdict", m->verdict);
		json_str(j, "sender", m->sender);
		json_str(j, "subject", m->subject);
		json_str(j, "state", state_msg_state_name(m->state));
		json_str(j, "reply", reply);
		json_bool(j, "needs_human", m->needs_human);
		json_str(j, "error_codes", buf_cstr(&c->codes));
		json_str(j, "error", m->error);
		json_object_end(j);
	} else {
		buf_printf(c->out, "%-16s %-16s %-9s%s %-32s %-7s %s%s%s\n",
			   m->receipt != NULL ? m->receipt : "-", admin_time(when, c->tz, t, sizeof(t)),
			   m->verdict != NULL ? m->verdict : state_msg_state_name(m->state),
			   m->needs_human ? "!" : " ", m->sender != NULL ? m->sender : "-",
			   reply, buf_cstr(&c->codes), m->error != NULL ? "  error: " : "",
			   m->error != NULL ? m->error : "");
	}
	return 0;
}

enum admin_result admin_list(struct admin *a, const struct state_filter *f, bool json,
			     struct buf *out, const char **error_r)
{
	struct json j;
	struct admin_list_ctx c = { .a = a, .out = out, .tz = admin_tz(a) };
	int ret;

	if (admin_replies_load(a, &c.replies, error_r) < 0)
		return ADMIN_ERR_IO;
	if (json) {
		json_init(&j, out);
		json_array_begin(&j, NULL);
		c.j = &j;
	} else {
		buf_printf(out, "%-16s %-16s %-10s %-32s %-7s %s\n", "RECEIPT", "ARRIVAL", "VERDICT",
			   "SENDER", "REPLY", "ERRORS");
	}
	ret = state_msg_list(a->st, f, admin_list_cb, &c, error_r);
	if (ret < 0 && c.error != NULL)
		*error_r = c.error;
	buf_free(&c.codes);
	admin_replies_free(&c.replies);
	if (ret < 0)
		return ADMIN_ERR_IO;
	if (json) {
		json_array_end(&j);
		buf_putc(out, '\n');
	}
	return ADMIN_OK;
}
