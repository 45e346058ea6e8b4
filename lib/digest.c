/* digest: one day of the state DB and the outbox → struct digest.
 *
 * Everything is read through state.h's admin queries (state-report.c)
 * and outbox_list(); the figures are counted here, in C, which is fast
 * enough for a campaign's thousands of mails and keeps the SQL plain.
 *
 *   received, accepted, …   mails whose arrival falls in the day
 *   late                    of those, mails with a mail.late defect
 *   cases_accepted          distinct (company, case) with an accepted
 *                           version filed before the end of the day
 *   companies               the same, per company
 *   senders                 folder campaigns: per sender, mails (not
 *                           ignored) and cases by their latest version
 *   defects                 codes of the day's mails, counted once a mail
 *   needs_human             the day's mails flagged so by the rules
 *   errors                  mails, of any day, stuck with a stored error
 *   replies                 outbox entries whose id is one of the
 *                           campaign's receipts (or a resend of one) */
#include "digest.h"
#include "campaign.h"
#include "outbox.h"
#include "selected.h"
#include "state.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static __thread char digest_err[256];

void digest_free(struct digest **_d)
{
	struct digest *d = *_d;

	if (d == NULL)
		return;
	*_d = NULL;
	for (size_t i = 0; i < d->ncampaigns; i++) {
		struct digest_campaign *c = &d->campaigns[i];
		free(c->id);
		free(c->name);
		for (size_t k = 0; k < c->ncompanies; k++) {
			free(c->companies[k].company);
			free(c->companies[k].latest_receipt);
		}
		free(c->companies);
		for (size_t k = 0; k < c->nsenders; k++) {
			free(c->senders[k].sender);
			free(c->senders[k].name);
			free(c->senders[k].province);
			for (size_t j = 0; j < c->senders[k].ncities; j++)
				free(c->senders[k].cities[j].city);
			free(c->senders[k].cities);
			free(c->senders[k].list_missing);
			free(c->senders[k].list_unlisted);
		}
		free(c->senders);
		for (size_t k = 0; k < c->ndefects; k++) {
			free(c->defects[k].code);
			free(c->defects[k].severity);
		}
		free(c->defects);
		struct digest_mail *lists[] = { c->late_mails, c->needs_human, c->errors };
		size_t counts[] = { c->nlate_mails, c->nneeds_human, c->nerrors };
		for (size_t l = 0; l < 3; l++) {
			for (size_t k = 0; k < counts[l]; k++) {
				free(lists[l][k].receipt);
				free(lists[l][k].sender);
				free(lists[l][k].subject);
				free(lists[l][k].verdict);
				free(lists[l][k].detail);
			}
			free(lists[l]);
		}
		struct digest_reply *rl[] = { c->failed_replies, c->queued_replies };
		size_t rn[] = { c->nfailed_replies, c->nqueued_replies };
		for (size_t l = 0; l < 2; l++) {
			for (size_t k = 0; k < rn[l]; k++) {
				free(rl[l][k].id);
				free(rl[l][k].rcpt);
				free(rl[l][k].state);
				free(rl[l][k].last_error);
			}
			free(rl[l]);
		}
	}
	free(d->campaigns);
	free(d);
}

/* ---- the day's mails --------------------------------------------------- */

struct digest_ctx {
	struct state *st;
	struct digest_campaign *c;
	const char *error;
	/* per mail, while walking its defects */
	bool mail_late;
	const char **codes;            /* distinct codes of the current mail */
	size_t ncodes;
};

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

static void digest_mail_add(struct digest_mail **v, size_t *n, const struct state_msg *m,
			    const char *detail)
{
	struct digest_mail *dm;

	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	dm = &(*v)[(*n)++];
	dm->receipt = xstrdup(nz(m->receipt));
	dm->sender = xstrdup(nz(m->sender));
	dm->subject = xstrdup(nz(m->subject));
	dm->arrival = m->arrival > 0 ? m->arrival : m->created;
	dm->verdict = xstrdup(nz(m->verdict));
	dm->detail = xstrdup(nz(detail));
}

static int digest_defect_cb(const struct state_defect *d, void *_ctx)
{
	struct digest_ctx *ctx = _ctx;
	struct digest_campaign *c = ctx->c;
	size_t k;

	for (k = 0; k < ctx->ncodes; k++) {
		if (strcmp(ctx->codes[k], d->code) == 0)
			return 0;    /* counted once a mail */
	}
	ctx->codes = xreallocarray(ctx->codes, ctx->ncodes + 1, sizeof(*ctx->codes));
	ctx->codes[ctx->ncodes++] = xstrdup(d->code);
	if (strcmp(d->code, "mail.late") == 0)
		ctx->mail_late = true;
	for (k = 0; k < c->ndefects; k++) {
		if (strcmp(c->defects[k].code, d->code) == 0)
			break;
	}
	if (k == c->ndefects) {
		c->defects = xreallocarray(c->defects, c->ndefects + 1, sizeof(*c->defects));
		c->defects[k].code = xstrdup(d->code);
		c->defects[k].severity = xstrdup(d->severity);
		c->defects[k].mails = 0;
		c->ndefects++;
	} else if (strcmp(d->severity, "error") == 0) {
		/* the same code can be an error in one mail, a warning in another */
		free(c->defects[k].severity);
		c->defects[k].severity = xstrdup("error");
	}
	c->defects[k].mails++;
	return 0;
}

static int digest_day_cb(const struct state_msg *m, void *_ctx)
{
	struct digest_ctx *ctx = _ctx;
	struct digest_campaign *c = ctx->c;
	const char *v = nz(m->verdict);

	c->received++;
	if (strcmp(v, "accepted") == 0)
		c->accepted++;
	else if (strcmp(v, "rejected") == 0)
		c->rejected++;
	else if (strcmp(v, "ignored") == 0)
		c->ignored++;
	if (m->state == STATE_MSG_FETCHED || m->state == STATE_MSG_FILED)
		c->unfinished++;
	if (m->needs_human)
		digest_mail_add(&c->needs_human, &c->nneeds_human, m,
				m->ignored_reason != NULL ? m->ignored_reason : "needs_human");
	if (m->receipt == NULL)
		return 0;
	ctx->mail_late = false;
	ctx->ncodes = 0;
	int ret = state_msg_defects(ctx->st, m->receipt, digest_defect_cb, ctx, &ctx->error);
	for (size_t k = 0; k < ctx->ncodes; k++)
		free((char *)ctx->codes[k]);
	ctx->ncodes = 0;
	if (ret < 0)
		return -1;
	if (ctx->mail_late) {
		c->late++;
		digest_mail_add(&c->late_mails, &c->nlate_mails, m, "mail.late");
	}
	return 0;
}

static int digest_error_cb(const struct state_msg *m, void *_ctx)
{
	struct digest_ctx *ctx = _ctx;
	char detail[600];

	snprintf(detail, sizeof(detail), "%s: %s", state_msg_state_name(m->state), nz(m->error));
	digest_mail_add(&ctx->c->errors, &ctx->c->nerrors, m, detail);
	return 0;
}

/* ---- so far: senders and cases ----------------------------------------- */

/* Province-level divisions, longest first where one could hide another,
 * and the five 计划单列市 (their associations report for themselves,
 * but the digest files them under the province). */
static const char *const digest_provinces[][2] = {
	{ "内蒙古", "内蒙古" }, { "黑龙江", "黑龙江" },
	{ "北京", "北京" }, { "天津", "天津" }, { "河北", "河北" }, { "山西", "山西" },
	{ "辽宁", "辽宁" }, { "吉林", "吉林" }, { "上海", "上海" }, { "江苏", "江苏" },
	{ "浙江", "浙江" }, { "安徽", "安徽" }, { "福建", "福建" }, { "江西", "江西" },
	{ "山东", "山东" }, { "河南", "河南" }, { "湖北", "湖北" }, { "湖南", "湖南" },
	{ "广东", "广东" }, { "广西", "广西" }, { "海南", "海南" }, { "重庆", "重庆" },
	{ "四川", "四川" }, { "贵州", "贵州" }, { "云南", "云南" }, { "西藏", "西藏" },
	{ "陕西", "陕西" }, { "甘肃", "甘肃" }, { "青海", "青海" }, { "宁夏", "宁夏" },
	{ "新疆", "新疆" }, { "香港", "香港" }, { "澳门", "澳门" }, { "台湾", "台湾" },
	{ "大连", "辽宁" }, { "青岛", "山东" }, { "宁波", "浙江" }, { "厦门", "福建" },
	{ "深圳", "广东" },
};

const char *digest_province(const char *text)
{
	const char *best = NULL, *best_pos = NULL;

	if (text == NULL)
		return NULL;
	/* the earliest mention wins: "广东省物协转深圳…" is 广东 */
	for (size_t i = 0; i < sizeof(digest_provinces) / sizeof(digest_provinces[0]); i++) {
		const char *p = strstr(text, digest_provinces[i][0]);
		if (p != NULL && (best_pos == NULL || p < best_pos)) {
			best_pos = p;
			best = digest_provinces[i][1];
		}
	}
	return best;
}

struct digest_sender_acc {
	struct digest_sender s;
	char *hint;                    /* subjects and companies, for the province */
};

struct digest_sofar {
	struct digest_ctx *ctx;
	struct digest_sender_acc *v;
	size_t n;
};

static struct digest_sender_acc *digest_sender_get(struct digest_sofar *sf, const char *sender)
{
	for (size_t i = 0; i < sf->n; i++) {
		if (strcmp(sf->v[i].s.sender, sender) == 0)
			return &sf->v[i];
	}
	sf->v = xreallocarray(sf->v, sf->n + 1, sizeof(*sf->v));
	struct digest_sender_acc *a = &sf->v[sf->n++];
	memset(a, 0, sizeof(*a));
	a->s.sender = xstrdup(sender);
	a->s.name = xstrdup("");
	a->hint = xstrdup("");
	return a;
}

static void digest_hint_add(struct digest_sender_acc *a, const char *text)
{
	if (text == NULL || text[0] == '\0' || strlen(a->hint) > 4096)
		return;
	char *h = xasprintf("%s\n%s", a->hint, text);
	free(a->hint);
	a->hint = h;
}

static int digest_sofar_cb(const struct state_msg *m, void *_sf)
{
	struct digest_sofar *sf = _sf;
	struct digest_campaign *c = sf->ctx->c;

	c->mails_total++;
	if (!c->by_sender || m->sender == NULL || m->verdict == NULL ||
	    strcmp(m->verdict, "ignored") == 0)
		return 0;
	struct digest_sender_acc *a = digest_sender_get(sf, m->sender);
	a->s.mails++;
	if (m->sender_name != NULL && m->sender_name[0] != '\0') {
		free(a->s.name);
		a->s.name = xstrdup(m->sender_name);   /* rows come oldest first: the latest wins */
	}
	digest_hint_add(a, m->subject);
	return 0;
}

/* one (company, case) and its latest version */
struct digest_case_acc {
	const char *sender, *company, *case_name;   /* owned */
	char *receipt;
	bool accepted_ever;
	bool latest_accepted, latest_rejected;
	int64_t time;
};

struct digest_cases {
	struct digest_case_acc *v;
	size_t n;
};

static int digest_case_cb(const struct state_case *sc, void *_dc)
{
	struct digest_cases *dc = _dc;
	struct digest_case_acc *a = NULL;

	for (size_t i = 0; i < dc->n && a == NULL; i++) {
		if (strcmp(dc->v[i].sender, sc->sender) == 0 &&
		    strcmp(dc->v[i].company, sc->company) == 0 &&
		    strcmp(dc->v[i].case_name, sc->case_name) == 0)
			a = &dc->v[i];
	}
	if (a == NULL) {
		dc->v = xreallocarray(dc->v, dc->n + 1, sizeof(*dc->v));
		a = &dc->v[dc->n++];
		memset(a, 0, sizeof(*a));
		a->sender = xstrdup(sc->sender);
		a->company = xstrdup(sc->company);
		a->case_name = xstrdup(sc->case_name);
	}
	/* rows come oldest first: each one is the latest so far */
	free(a->receipt);
	a->receipt = xstrdup(sc->receipt);
	a->time = sc->time;
	a->latest_accepted = strcmp(sc->verdict, "accepted") == 0;
	a->latest_rejected = strcmp(sc->verdict, "rejected") == 0;
	a->accepted_ever |= a->latest_accepted;
	return 0;
}

static int digest_company_cmp(const void *a, const void *b)
{
	const struct digest_company *x = a, *y = b;

	if (x->cases != y->cases)
		return x->cases > y->cases ? -1 : 1;
	return strcmp(x->company, y->company);
}

static int digest_sender_cmp(const void *a, const void *b)
{
	const struct digest_sender *x = a, *y = b;

	if (x->mails != y->mails)
		return x->mails > y->mails ? -1 : 1;
	return strcmp(x->sender, y->sender);
}

static int digest_defect_cmp(const void *a, const void *b)
{
	const struct digest_defect *x = a, *y = b;

	if (x->mails != y->mails)
		return x->mails > y->mails ? -1 : 1;
	return strcmp(x->code, y->code);
}

static int digest_cases_gather(struct digest_ctx *ctx, struct digest_sofar *sf, int64_t until)
{
	struct digest_campaign *c = ctx->c;
	struct digest_cases dc = { NULL, 0 };
	int ret;

	ret = state_cases(ctx->st, c->id, until, digest_case_cb, &dc, &ctx->error);
	for (size_t i = 0; ret == 0 && i < dc.n; i++) {
		struct digest_case_acc *a = &dc.v[i];
		/* a case counts once however many senders sent it */
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = !(dc.v[k].accepted_ever && strcmp(dc.v[k].company, a->company) == 0 &&
				  strcmp(dc.v[k].case_name, a->case_name) == 0);
		if (a->accepted_ever && first) {
			size_t k;
			c->cases_accepted++;
			for (k = 0; k < c->ncompanies; k++) {
				if (strcmp(c->companies[k].company, a->company) == 0)
					break;
			}
			if (k == c->ncompanies) {
				c->companies = xreallocarray(c->companies, k + 1, sizeof(*c->companies));
				c->companies[k].company = xstrdup(a->company);
				c->companies[k].cases = 0;
				c->companies[k].latest_receipt = xstrdup(a->receipt);
				c->ncompanies++;
			}
			c->companies[k].cases++;
			if (strcmp(a->receipt, c->companies[k].latest_receipt) > 0) {
				free(c->companies[k].latest_receipt);
				c->companies[k].latest_receipt = xstrdup(a->receipt);
			}
		}
		if (c->by_sender) {
			struct digest_sender_acc *s = digest_sender_get(sf, a->sender);
			s->s.cases_accepted += a->latest_accepted;
			s->s.cases_rejected += a->latest_rejected;
			digest_hint_add(s, a->company);
		}
	}
	for (size_t i = 0; i < dc.n; i++) {
		free((char *)dc.v[i].sender);
		free((char *)dc.v[i].company);
		free((char *)dc.v[i].case_name);
		free(dc.v[i].receipt);
	}
	free(dc.v);
	if (c->ncompanies > 1)
		qsort(c->companies, c->ncompanies, sizeof(*c->companies), digest_company_cmp);
	return ret;
}

/* ---- replies ------------------------------------------------------------ */

struct digest_outbox {
	struct digest *d;
	const struct campaign_set *set;
	int64_t now;
};

static struct digest_campaign *digest_campaign_of_id(struct digest_outbox *o, const char *id)
{
	for (size_t i = 0; i < o->d->ncampaigns; i++) {
		const struct campaign *c = campaign_set_find_id(o->set, o->d->campaigns[i].id);
		size_t len = c != NULL ? strlen(c->receipt_prefix) : 0;
		if (len > 0 && strncmp(id, c->receipt_prefix, len) == 0 && id[len] == '-')
			return &o->d->campaigns[i];
	}
	return NULL;
}

static void digest_reply_add(struct digest_reply **v, size_t *n, const struct outbox_entry *e)
{
	struct digest_reply *r;

	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	r = &(*v)[(*n)++];
	r->id = xstrdup(e->id);
	r->rcpt = xstrdup(nz(e->rcpt));
	r->state = xstrdup(outbox_state_name(e->state));
	r->attempts = e->attempts;
	r->first_queued = e->first_queued;
	r->next_attempt = e->next_attempt;
	r->done = e->done;
	r->last_error = xstrdup(nz(e->last_error));
}

static int digest_outbox_cb(void *_o, const struct outbox_entry *e)
{
	struct digest_outbox *o = _o;
	struct digest_campaign *c = digest_campaign_of_id(o, e->id);
	bool today = e->done >= o->d->day_start && e->done < o->d->day_end;

	if (c == NULL)
		return 0;
	switch (e->state) {
	case OUTBOX_QUEUED:
		c->replies_queued++;
		if (e->next_attempt <= o->now && e->attempts > 0)
			c->replies_overdue++;
		digest_reply_add(&c->queued_replies, &c->nqueued_replies, e);
		break;
	case OUTBOX_SENT:
		c->replies_sent += today;
		break;
	case OUTBOX_FAILED:
		if (today) {
			c->replies_failed++;
			digest_reply_add(&c->failed_replies, &c->nfailed_replies, e);
		}
		break;
	}
	return 0;
}

/* ---- gathering ---------------------------------------------------------- */

static int digest_day_bounds(const char *date, int tz_offset, int64_t *start_r, int64_t *end_r)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(date, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || strlen(date) != 10)
		return -1;
	tm.tm_isdst = 0;
	*start_r = (int64_t)timegm(&tm) - tz_offset;
	*end_r = *start_r + 86400;
	return 0;
}

/* Quota and list check of one sender: its latest 汇总清单 against the
 * cases it sent (any verdict) up to the end of the day. */
struct digest_list {
	struct digest_sender *s;
	const struct campaign *cp;
	struct strlist places, cases;   /* listed 小区; received case names */
};

static int digest_list_row_cb(const struct state_summary_row *r, void *ctx)
{
	struct digest_list *l = ctx;
	struct digest_sender *s = l->s;
	size_t i;

	strlist_add(&l->places, r->place);
	for (i = 0; i < s->ncities; i++)
		if (strcmp(s->cities[i].city, r->city) == 0)
			break;
	if (i == s->ncities) {
		s->cities = xreallocarray(s->cities, s->ncities + 1, sizeof(*s->cities));
		s->cities[i].city = xstrdup(r->city);
		s->cities[i].listed = 0;
		s->cities[i].limit = campaign_quota_limit(l->cp, r->city);
		s->ncities++;
	}
	s->cities[i].listed++;
	return 0;
}

static int digest_list_case_cb(const struct state_case *c, void *ctx)
{
	struct digest_list *l = ctx;

	if (strcmp(c->sender, l->s->sender) == 0 && !strlist_contains_ci(&l->cases, c->case_name))
		strlist_add(&l->cases, c->case_name);
	return 0;
}

static int digest_sender_list(struct digest_ctx *ctx, const struct campaign *cp,
			      struct digest_sender *s, int64_t until)
{
	struct digest_list l = { .s = s, .cp = cp };
	struct buf missing = BUF_INIT, unlisted = BUF_INIT;
	int ret;

	ret = state_summary_latest(ctx->st, ctx->c->id, s->sender, until, digest_list_row_cb,
				   &l, &ctx->error);
	if (ret == 0 && l.places.n > 0)
		ret = state_cases(ctx->st, ctx->c->id, until, digest_list_case_cb, &l,
				  &ctx->error);
	if (ret == 0 && l.places.n > 0) {
		bool *place_found = xcalloc(l.places.n, sizeof(*place_found));
		bool *case_found = xcalloc(l.cases.n ? l.cases.n : 1, sizeof(*case_found));

		selected_list_check((const char *const *)l.places.v, l.places.n,
				    (const char *const *)l.cases.v, l.cases.n, place_found,
				    case_found);
		for (size_t i = 0; i < l.places.n; i++)
			if (!place_found[i])
				buf_printf(&missing, "%s%s", missing.len ? "、" : "",
					   l.places.v[i]);
		for (size_t k = 0; k < l.cases.n; k++)
			if (!case_found[k])
				buf_printf(&unlisted, "%s%s", unlisted.len ? "、" : "",
					   l.cases.v[k]);
		free(place_found);
		free(case_found);
	}
	s->list_missing = buf_steal(&missing);
	s->list_unlisted = buf_steal(&unlisted);
	strlist_free(&l.places);
	strlist_free(&l.cases);
	return ret;
}

static int digest_campaign_gather(struct digest *d, struct digest_campaign *c,
				  const struct campaign *cp, struct state *st,
				  const char **error_r)
{
	struct digest_ctx ctx = { .st = st, .c = c };
	struct digest_sofar sf = { .ctx = &ctx };
	int ret;

	const struct state_filter day = {
		.campaign = c->id, .since = d->day_start, .until = d->day_end,
		.oldest_first = true,
	};
	ret = state_msg_list(st, &day, digest_day_cb, &ctx, &ctx.error);
	if (ret == 0 && c->ndefects > 1)
		qsort(c->defects, c->ndefects, sizeof(*c->defects), digest_defect_cmp);
	const struct state_filter stuck = { .campaign = c->id, .with_error = true,
					    .oldest_first = true };
	if (ret == 0)
		ret = state_msg_list(st, &stuck, digest_error_cb, &ctx, &ctx.error);
	const struct state_filter sofar = { .campaign = c->id, .until = d->day_end,
					    .oldest_first = true };
	if (ret == 0)
		ret = state_msg_list(st, &sofar, digest_sofar_cb, &sf, &ctx.error);
	if (ret == 0)
		ret = digest_cases_gather(&ctx, &sf, d->day_end);
	for (size_t i = 0; i < sf.n; i++) {
		struct digest_sender_acc *a = &sf.v[i];
		const char *prov = digest_province(a->s.name);
		if (prov == NULL)
			prov = digest_province(a->hint);
		a->s.province = xstrdup(prov != NULL ? prov : "");
		if (ret == 0) {
			int f = state_sender_flag_get(st, c->id, a->s.sender, "summary_list",
						      &ctx.error);
			if (f < 0)
				ret = -1;
			a->s.summary_list = f == 1;
		}
		if (ret == 0 && cp != NULL)
			ret = digest_sender_list(&ctx, cp, &a->s, d->day_end);
		free(a->hint);
	}
	if (sf.n > 0) {
		c->senders = xcalloc(sf.n, sizeof(*c->senders));
		for (size_t i = 0; i < sf.n; i++)
			c->senders[i] = sf.v[i].s;
		c->nsenders = sf.n;
		qsort(c->senders, c->nsenders, sizeof(*c->senders), digest_sender_cmp);
	}
	free(sf.v);
	free(ctx.codes);
	if (ret < 0)
		*error_r = ctx.error;
	return ret;
}

int digest_gather(struct state *st, const struct campaign_set *set,
		  const char *campaign_id, const char *outbox_dir, const char *date,
		  int64_t now, struct digest **d_r, const char **error_r)
{
	struct digest *d = xcalloc(1, sizeof(*d));
	int ret = 0;

	d->generated = now;
	snprintf(d->date, sizeof(d->date), "%s", date);
	for (size_t i = 0; i < set->n; i++) {
		const struct campaign *cp = set->v[i];
		if (campaign_id != NULL && strcmp(cp->id, campaign_id) != 0)
			continue;
		d->campaigns = xreallocarray(d->campaigns, d->ncampaigns + 1, sizeof(*d->campaigns));
		struct digest_campaign *c = &d->campaigns[d->ncampaigns++];
		memset(c, 0, sizeof(*c));
		c->id = xstrdup(cp->id);
		c->name = xstrdup(cp->name != NULL ? cp->name : cp->id);
		c->tz_offset = cp->tz_offset;
		c->by_sender = cp->grouping == CAMPAIGN_GROUP_FOLDER;
	}
	if (d->ncampaigns == 0) {
		snprintf(digest_err, sizeof(digest_err), "no campaign \"%s\"", nz(campaign_id));
		*error_r = digest_err;
		goto fail;
	}
	/* the day is the first campaign's; every shipped campaign is +08:00 */
	if (digest_day_bounds(date, d->campaigns[0].tz_offset, &d->day_start, &d->day_end) < 0) {
		snprintf(digest_err, sizeof(digest_err), "\"%s\" is not a date (YYYY-MM-DD)", date);
		*error_r = digest_err;
		goto fail;
	}
	for (size_t i = 0; i < d->ncampaigns && ret == 0; i++)
		ret = digest_campaign_gather(d, &d->campaigns[i],
					     campaign_set_find_id(set, d->campaigns[i].id), st,
					     error_r);
	if (ret == 0 && outbox_dir != NULL) {
		struct digest_outbox o = { .d = d, .set = set, .now = now };
		ret = outbox_list(outbox_dir, digest_outbox_cb, &o, error_r);
	}
	if (ret < 0)
		goto fail;
	*d_r = d;
	return 0;
fail:
	digest_free(&d);
	return -1;
}

int digest_date_resolve(const char *arg, int tz_offset, int64_t now, char out[11],
			const char **error_r)
{
	int64_t start, end, t;
	struct tm tm;

	if (arg == NULL || strcmp(arg, "yesterday") == 0)
		t = now - 86400;
	else if (strcmp(arg, "today") == 0)
		t = now;
	else if (digest_day_bounds(arg, tz_offset, &start, &end) == 0)
		t = start;
	else {
		snprintf(digest_err, sizeof(digest_err),
			 "\"%s\": expected YYYY-MM-DD, today or yesterday", arg);
		*error_r = digest_err;
		return -1;
	}
	time_t local = (time_t)(t + tz_offset);
	gmtime_r(&local, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}
