/* digest-render: struct digest → plain text, HTML, CSV and the one-line
 * summary used as the mail's Subject (see digest.h).
 *
 * Text and HTML show the same sections, so each campaign's lists are
 * built once as tables of cleaned cells (struct dr_table) and then laid
 * out twice. Every string from the model goes through dr_clean first:
 * invalid UTF-8 becomes U+FFFD and control characters become spaces
 * (the CSV keeps line breaks inside a cell, as CRLF, quoted), so a
 * subject cannot break a text line, an HTML tag or a CSV row.
 *
 * Text: LF line ends, at most DR_TEXT_WIDTH display columns, East-Asian
 * wide characters counted as 2 columns (dr_width); long cells are cut
 * with "…". Empty lists say "无".
 *
 * HTML: one self-contained page for mail clients (QQ Mail, Outlook,
 * Foxmail): inline style attributes only (they strip <style> and ignore
 * classes), border attributes as well for Outlook, no scripts, no
 * external resources; & < > " ' escaped.
 *
 * CSV: UTF-8 with a BOM (WPS and Excel guess the encoding otherwise),
 * CRLF, RFC 4180 quoting (fields with , " CR LF or leading/trailing
 * spaces are quoted, quotes doubled). A cell starting with = + - @ TAB
 * or CR gets a leading ' so a spreadsheet does not run it as a formula
 * (OWASP "CSV injection"). Every row has DR_CSV_COLS fields:
 *
 *   section,campaign,key,value,detail1,detail2,detail3,detail4,detail5
 *
 *   section       key          value         detail1     detail2       detail3         detail4         detail5
 *   summary       name         campaign name date
 *   summary       received …   number        中文 label
 *   company       company      cases         latest receipt
 *   sender        address      mails         name        province      cases accepted  cases rejected  汇总清单 yes/no
 *   defect        code         mails         severity    share of the day's non-ignored mails, percent
 *   late          receipt      arrival       sender      subject
 *   needs_human   receipt      arrival       sender      subject       reason
 *   reply_failed  outbox id    attempts      recipient   last error    failed at
 *   reply_queued  outbox id    attempts      recipient   next attempt  overdue yes/no  last error
 *   error         receipt      state: error  sender      arrival       subject
 *
 * campaign is the campaign id; times are "YYYY-MM-DD HH:MM" in the
 * campaign's time zone. Summary keys: received accepted rejected ignored
 * unfinished late cases_accepted mails_total needs_human errors
 * replies_sent replies_queued replies_overdue replies_failed.
 *
 * Memory: everything is appended to the caller's buf; temporaries are
 * freed before returning. */
#include "digest.h"
#include "html.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DR_TEXT_WIDTH 100   /* display columns of a text line */
#define DR_COL_MIN 4        /* a text column is not cut narrower */
#define DR_CELL_MAX 1000    /* bytes of one cell kept */
#define DR_MAXCOLS 7
#define DR_CSV_COLS 9

/* ---- UTF-8, cleaning and display width --------------------------------- */

/* The character at s (left > 0 bytes) into *cp_r; returns its length.
 * A malformed sequence is one byte read as U+FFFD. */
static size_t dr_utf8(const unsigned char *s, size_t left, uint32_t *cp_r)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { n = 2; cp = s[0] & 0x1f; }
	else if (s[0] >= 0xe0 && s[0] <= 0xef) { n = 3; cp = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { n = 4; cp = s[0] & 0x07; }
	else
		goto bad;
	if (left < n)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		goto bad;
	*cp_r = cp;
	return n;
bad:
	*cp_r = 0xfffd;
	return 1;
}

/* Columns a character takes on a terminal: 2 for East-Asian Wide and
 * Fullwidth (CJK, kana, hangul, fullwidth forms, common emoji), 0 for
 * combining marks and zero-width characters, else 1. */
static unsigned dr_cp_width(uint32_t cp)
{
	static const uint32_t zero[][2] = {
		{ 0x0300, 0x036f }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff },
		{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
		{ 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xa960, 0xa97f },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
		{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 },
		{ 0x1f300, 0x1f64f }, { 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd },
		{ 0x30000, 0x3fffd },
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		if (cp >= zero[i][0] && cp <= zero[i][1])
			return 0;
	}
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	}
	return 1;
}

/* Display width of a UTF-8 string. */
static size_t dr_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), w = 0;
	uint32_t cp;

	while (left > 0) {
		size_t n = dr_utf8(p, left, &cp);
		w += dr_cp_width(cp);
		p += n;
		left -= n;
	}
	return w;
}

/* Append s as valid UTF-8, at most DR_CELL_MAX bytes (then "…"). Control
 * characters become spaces; with crlf, line breaks (CR, LF, CRLF) become
 * CRLF and TAB is kept instead. */
static void dr_clean(const char *s, bool crlf, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t left = strlen((const char *)p), start = out->len;
	uint32_t cp;

	while (left > 0) {
		size_t n = dr_utf8(p, left, &cp);
		if (out->len - start + 4 > DR_CELL_MAX) {
			buf_puts(out, "…");
			break;
		}
		if (crlf && (cp == '\r' || cp == '\n')) {
			buf_puts(out, "\r\n");
			if (cp == '\r' && left > 1 && p[1] == '\n')
				n = 2;
		} else if (crlf && cp == '\t') {
			buf_putc(out, '\t');
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			buf_putc(out, ' ');
		} else if (cp == 0xfffd && n == 1) {
			buf_puts(out, "\xef\xbf\xbd");
		} else {
			buf_append(out, p, n);
		}
		p += n;
		left -= n;
	}
}

/* "2026-08-06 09:12" at offset, "-" for no time. */
static void dr_time(int64_t t, int offset, char *out, size_t size)
{
	time_t local = (time_t)(t + offset);
	struct tm tm;

	if (t <= 0 || gmtime_r(&local, &tm) == NULL) {
		snprintf(out, size, "-");
		return;
	}
	strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

static const char *dr_severity_zh(const char *severity)
{
	if (strcmp(severity, "error") == 0)
		return "错误";
	if (strcmp(severity, "warning") == 0)
		return "提醒";
	return severity;
}

/* Share of the day's non-ignored mails, "41.7%"; "-" when there are none. */
static void dr_share(const struct digest_campaign *c, unsigned mails, bool percent,
		     char *out, size_t size)
{
	unsigned base = c->received > c->ignored ? c->received - c->ignored : 0;

	if (base == 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%.1f%s", 100.0 * mails / base, percent ? "%" : "");
}

static bool dr_overdue(const struct digest *d, const struct digest_reply *r)
{
	/* digest_gather's rule: due, and already tried at least once */
	return r->next_attempt <= d->generated && r->attempts > 0;
}

/* ---- the sections of a campaign ----------------------------------------- */

struct dr_num {
	const char *key, *label;   /* CSV key, shown label */
	unsigned value;
	bool alarm;                /* shown red when not 0 */
};

struct dr_table {
	const char *title;
	const char *heads[DR_MAXCOLS];
	const char *align;         /* 'l' or 'r' per column */
	size_t ncols;
	char **cells;              /* nrows * ncols, cleaned */
	bool *red;
	size_t nrows;
};

#define DR_NTABLES 10

/* One row of t->ncols cells (const char *; NULL and "" shown as "-");
 * red is an int, not a bool: va_start needs an unpromoted parameter. */
static void dr_row(struct dr_table *t, int red, ...)
{
	va_list ap;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
	t->red = xreallocarray(t->red, t->nrows + 1, sizeof(*t->red));
	t->red[t->nrows] = red != 0;
	va_start(ap, red);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		struct buf b = BUF_INIT;

		dr_clean(s, false, &b);
		if (b.len == 0)
			buf_putc(&b, '-');
		t->cells[t->nrows * t->ncols + i] = buf_steal(&b);
	}
	va_end(ap);
	t->nrows++;
}

static void dr_tables_free(struct dr_table *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < t[i].nrows * t[i].ncols; k++)
			free(t[i].cells[k]);
		free(t[i].cells);
		free(t[i].red);
	}
}

static void dr_table_init(struct dr_table *t, const char *title, const char *align, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->title = title;
	t->align = align;
	t->ncols = strlen(align);
	va_start(ap, align);
	for (size_t i = 0; i < t->ncols; i++)
		t->heads[i] = va_arg(ap, const char *);
	va_end(ap);
}

/* The number lines: day (6), so far (2), replies (4). */
static void dr_numbers(const struct digest_campaign *c, struct dr_num day[6],
		       struct dr_num sofar[2], struct dr_num replies[4])
{
	struct dr_num dv[6] = {
		{ "received", "当日收件", c->received, false },
		{ "accepted", "通过", c->accepted, false },
		{ "rejected", "退回", c->rejected, false },
		{ "ignored", "忽略", c->ignored, false },
		{ "unfinished", "处理中", c->unfinished, false },
		{ "late", "逾期", c->late, false },
	};
	struct dr_num sv[2] = {
		{ "cases_accepted", "累计通过案例", c->cases_accepted, false },
		{ "mails_total", "累计邮件", c->mails_total, false },
	};
	struct dr_num rv[4] = {
		{ "replies_sent", "今日发送", c->replies_sent, false },
		{ "replies_queued", "排队", c->replies_queued, false },
		{ "replies_overdue", "其中逾期", c->replies_overdue, true },
		{ "replies_failed", "今日失败", c->replies_failed, true },
	};
	memcpy(day, dv, sizeof(dv));
	memcpy(sofar, sv, sizeof(sv));
	memcpy(replies, rv, sizeof(rv));
}

/* The lists of campaign c as tables; returns how many (≤ DR_NTABLES).
 * The number lines go between t[.. reply_at) and t[reply_at ..]. */
static size_t dr_tables(const struct digest *d, const struct digest_campaign *c,
			struct dr_table *t, size_t *reply_at)
{
	size_t n = 0;
	char a[32], b[64], e[32];

	dr_table_init(&t[n], "按公司", "lrl", "公司", "案例数", "最新回执");
	for (size_t i = 0; i < c->ncompanies; i++) {
		snprintf(a, sizeof(a), "%u", c->companies[i].cases);
		dr_row(&t[n], false, c->companies[i].company, a,
		       c->companies[i].latest_receipt);
	}
	n++;
	if (c->by_sender) {
		dr_table_init(&t[n], "按报送单位", "lllrrrl", "发件人", "名称", "省份",
			      "邮件数", "通过案例", "退回案例", "汇总清单");
		for (size_t i = 0; i < c->nsenders; i++) {
			const struct digest_sender *s = &c->senders[i];
			snprintf(a, sizeof(a), "%u", s->mails);
			snprintf(b, sizeof(b), "%u", s->cases_accepted);
			snprintf(e, sizeof(e), "%u", s->cases_rejected);
			dr_row(&t[n], false, s->sender, s->name, s->province, a, b, e,
			       s->summary_list ? "是" : "否");
		}
		n++;
		/* the latest 汇总清单 of each sender: cases per 推荐单位 against
		   the quota, and against the cases received */
		dr_table_init(&t[n], "名额（按汇总清单）", "llrr", "发件人", "推荐单位（市）",
			      "清单案例", "名额");
		for (size_t i = 0; i < c->nsenders; i++) {
			const struct digest_sender *s = &c->senders[i];

			for (size_t k = 0; k < s->ncities; k++) {
				const struct digest_city *ct = &s->cities[k];

				snprintf(a, sizeof(a), "%u", ct->listed);
				snprintf(b, sizeof(b), "%u%s", ct->limit,
					 ct->limit > 0 && ct->listed > ct->limit ? "（超出）" : "");
				dr_row(&t[n], ct->limit > 0 && ct->listed > ct->limit, s->sender,
				       ct->city, a, ct->limit > 0 ? b : "—");
			}
		}
		n++;
		dr_table_init(&t[n], "汇总清单与收到的案例", "lll", "发件人", "清单中未收到材料",
			      "收到但未列入清单");
		for (size_t i = 0; i < c->nsenders; i++) {
			const struct digest_sender *s = &c->senders[i];

			if (s->ncities > 0 && (s->list_missing[0] != '\0' ||
					       s->list_unlisted[0] != '\0'))
				dr_row(&t[n], false, s->sender, s->list_missing, s->list_unlisted);
		}
		n++;
	}
	dr_table_init(&t[n], "常见问题", "llrr", "代码", "级别", "邮件数", "占比");
	for (size_t i = 0; i < c->ndefects; i++) {
		const struct digest_defect *df = &c->defects[i];
		snprintf(a, sizeof(a), "%u", df->mails);
		dr_share(c, df->mails, true, b, sizeof(b));
		dr_row(&t[n], strcmp(df->severity, "error") == 0, df->code,
		       dr_severity_zh(df->severity), a, b);
	}
	n++;
	dr_table_init(&t[n], "逾期邮件", "lll", "回执", "发件人", "到达时间");
	for (size_t i = 0; i < c->nlate_mails; i++) {
		const struct digest_mail *m = &c->late_mails[i];
		dr_time(m->arrival, c->tz_offset, a, sizeof(a));
		dr_row(&t[n], false, m->receipt, m->sender, a);
	}
	n++;
	dr_table_init(&t[n], "需人工处理", "llll", "回执", "发件人", "主题", "原因");
	for (size_t i = 0; i < c->nneeds_human; i++) {
		const struct digest_mail *m = &c->needs_human[i];
		dr_row(&t[n], false, m->receipt, m->sender, m->subject, m->detail);
	}
	n++;
	*reply_at = n;
	dr_table_init(&t[n], "回复失败", "llrl", "回执/ID", "收件人", "尝试次数", "最后错误");
	for (size_t i = 0; i < c->nfailed_replies; i++) {
		const struct digest_reply *r = &c->failed_replies[i];
		snprintf(a, sizeof(a), "%u", r->attempts);
		dr_row(&t[n], true, r->id, r->rcpt, a, r->last_error);
	}
	n++;
	dr_table_init(&t[n], "排队中的回复", "lll", "ID", "收件人", "下次尝试");
	for (size_t i = 0; i < c->nqueued_replies; i++) {
		const struct digest_reply *r = &c->queued_replies[i];
		bool late = dr_overdue(d, r);
		dr_time(r->next_attempt, c->tz_offset, a, sizeof(a));
		if (late)
			snprintf(b, sizeof(b), "%s（逾期）", a);
		dr_row(&t[n], late, r->id, r->rcpt, late ? b : a);
	}
	n++;
	dr_table_init(&t[n], "错误", "ll", "回执", "状态/详情");
	for (size_t i = 0; i < c->nerrors; i++)
		dr_row(&t[n], true, c->errors[i].receipt, c->errors[i].detail);
	n++;
	return n;
}

static void dr_heading(const struct digest *d, const struct digest_campaign *c,
		       struct buf *out)
{
	dr_clean(c->name, false, out);
	buf_puts(out, " (");
	dr_clean(c->id, false, out);
	buf_puts(out, ") — ");
	dr_clean(d->date, false, out);
}

/* "好服务案例征集：收到 12，通过 5，…" into plain, and "，需人工 1，…"
 * (shown red) into alarm, for the overview line. */
static void dr_overview(const struct digest_campaign *c, struct buf *plain,
			struct buf *alarm)
{
	dr_clean(c->name, false, plain);
	buf_printf(plain, "：收到 %u，通过 %u，退回 %u，忽略 %u", c->received, c->accepted,
		   c->rejected, c->ignored);
	if (c->nneeds_human > 0)
		buf_printf(alarm, "，需人工 %zu", c->nneeds_human);
	if (c->replies_failed > 0)
		buf_printf(alarm, "，回复失败 %u", c->replies_failed);
	if (c->nerrors > 0)
		buf_printf(alarm, "，错误 %zu", c->nerrors);
}

/* ---- text ---------------------------------------------------------------- */

static void dr_spaces(struct buf *out, size_t n)
{
	while (n-- > 0)
		buf_putc(out, ' ');
}

/* s in exactly w columns (cut with "…" when wider). */
static void dr_text_cell(struct buf *out, const char *s, size_t w, bool right)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t sw = dr_width(s), left = strlen(s), used = 0;
	uint32_t cp;

	if (sw <= w) {
		if (right)
			dr_spaces(out, w - sw);
		buf_puts(out, s);
		if (!right)
			dr_spaces(out, w - sw);
		return;
	}
	while (left > 0) {
		size_t n = dr_utf8(p, left, &cp), cw = dr_cp_width(cp);
		if (used + cw > w - 1)
			break;
		buf_append(out, p, n);
		used += cw;
		p += n;
		left -= n;
	}
	buf_puts(out, "…");
	dr_spaces(out, w - 1 - used);
}

static void dr_text_row(struct buf *out, const struct dr_table *t, const size_t *w,
			const char *const *cells)
{
	size_t start = out->len;

	buf_puts(out, "  ");
	for (size_t i = 0; i < t->ncols; i++) {
		if (i > 0)
			buf_puts(out, "  ");
		dr_text_cell(out, cells[i], w[i], t->align[i] == 'r');
	}
	while (out->len > start && out->data[out->len - 1] == ' ')
		buf_truncate(out, out->len - 1);
	buf_putc(out, '\n');
}

static void dr_text_table(struct buf *out, const struct dr_table *t)
{
	size_t w[DR_MAXCOLS], minw[DR_MAXCOLS], total = 2 + 2 * (t->ncols - 1);

	buf_printf(out, "\n%s\n", t->title);
	if (t->nrows == 0) {
		buf_puts(out, "  无\n");
		return;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		w[i] = dr_width(t->heads[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t cw = dr_width(t->cells[r * t->ncols + i]);
			if (cw > w[i])
				w[i] = cw;
		}
		minw[i] = dr_width(t->heads[i]) > DR_COL_MIN ? dr_width(t->heads[i]) : DR_COL_MIN;
		total += w[i];
	}
	/* too wide: take columns off the widest cut-able column */
	while (total > DR_TEXT_WIDTH) {
		size_t widest = t->ncols;
		for (size_t i = 0; i < t->ncols; i++) {
			if (w[i] > minw[i] && (widest == t->ncols || w[i] > w[widest]))
				widest = i;
		}
		if (widest == t->ncols)
			break;
		w[widest]--;
		total--;
	}
	dr_text_row(out, t, w, t->heads);
	for (size_t r = 0; r < t->nrows; r++)
		dr_text_row(out, t, w, (const char *const *)&t->cells[r * t->ncols]);
}

static void dr_underline(struct buf *out, size_t n)
{
	while (n-- > 0)
		buf_putc(out, '=');
}

static void dr_text_nums(struct buf *out, const struct dr_num *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%s %u", i > 0 ? "   " : "", v[i].label, v[i].value);
	buf_putc(out, '\n');
}

void digest_render_text(const struct digest *d, struct buf *out)
{
	char gen[32];

	digest_subject(d, out);
	dr_time(d->generated, d->ncampaigns > 0 ? d->campaigns[0].tz_offset : 0, gen, sizeof(gen));
	buf_printf(out, "\n生成于 %s\n", gen);
	for (size_t i = 0; i < d->ncampaigns; i++) {
		const struct digest_campaign *c = &d->campaigns[i];
		struct dr_table t[DR_NTABLES];
		struct dr_num day[6], sofar[2], replies[4];
		size_t n, reply_at, start;

		buf_putc(out, '\n');
		start = out->len;
		dr_heading(d, c, out);
		size_t hw = dr_width(out->data + start);
		buf_putc(out, '\n');
		dr_underline(out, hw < DR_TEXT_WIDTH ? hw : DR_TEXT_WIDTH);
		buf_putc(out, '\n');
		dr_numbers(c, day, sofar, replies);
		dr_text_nums(out, day, 6);
		dr_text_nums(out, sofar, 2);
		n = dr_tables(d, c, t, &reply_at);
		for (size_t k = 0; k < n; k++) {
			if (k == reply_at) {
				buf_puts(out, "\n回复\n  ");
				dr_text_nums(out, replies, 4);
			}
			dr_text_table(out, &t[k]);
		}
		dr_tables_free(t, n);
	}
}

/* ---- HTML ---------------------------------------------------------------- */

#define DR_RED "#c00000"
#define DR_CELL "border:1px solid #999999;padding:3px 8px;vertical-align:top;"

/* s cleaned (dr_clean: cut, one line) and escaped (html.h). */
static void dr_html(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;

	dr_clean(s, false, &clean);
	html_text(out, buf_cstr(&clean));
	buf_free(&clean);
}

static void dr_html_table(struct buf *out, const struct dr_table *t)
{
	buf_puts(out, "<h3 style=\"font-size:14px;margin:14px 0 4px 0;\">");
	dr_html(out, t->title);
	buf_puts(out, "</h3>\n");
	if (t->nrows == 0) {
		buf_puts(out, "<p style=\"margin:0 0 4px 0;color:#666666;\">无</p>\n");
		return;
	}
	buf_puts(out, "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" "
		 "style=\"border-collapse:collapse;border:1px solid #999999;font-size:13px;\">\n<tr>");
	for (size_t i = 0; i < t->ncols; i++) {
		buf_printf(out, "<th style=\"" DR_CELL "background:#eeeeee;text-align:%s;\">",
			   t->align[i] == 'r' ? "right" : "left");
		dr_html(out, t->heads[i]);
		buf_puts(out, "</th>");
	}
	buf_puts(out, "</tr>\n");
	for (size_t r = 0; r < t->nrows; r++) {
		buf_puts(out, "<tr>");
		for (size_t i = 0; i < t->ncols; i++) {
			buf_printf(out, "<td style=\"" DR_CELL "%s%s\">",
				   t->align[i] == 'r' ? "text-align:right;" : "",
				   t->red[r] ? "color:" DR_RED ";" : "");
			dr_html(out, t->cells[r * t->ncols + i]);
			buf_puts(out, "</td>");
		}
		buf_puts(out, "</tr>\n");
	}
	buf_puts(out, "</table>\n");
}

static void dr_html_nums(struct buf *out, const struct dr_num *v, size_t n)
{
	buf_puts(out, "<p style=\"margin:4px 0;\">");
	for (size_t i = 0; i < n; i++) {
		bool red = v[i].alarm && v[i].value > 0;
		buf_printf(out, "%s<span%s>%s <b>%u</b></span>", i > 0 ? " &nbsp;·&nbsp; " : "",
			   red ? " style=\"color:" DR_RED ";\"" : "", v[i].label, v[i].value);
	}
	buf_puts(out, "</p>\n");
}

void digest_render_html(const struct digest *d, struct buf *out)
{
	char gen[32];

	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<title>casemail 日报 ");
	dr_html(out, d->date);
	buf_puts(out, "</title>\n</head>\n<body style=\"margin:0;padding:12px;"
		 "font-family:'Microsoft YaHei','PingFang SC',Arial,sans-serif;font-size:14px;"
		 "color:#222222;background:#ffffff;\">\n"
		 "<h1 style=\"font-size:18px;margin:0 0 4px 0;\">casemail 日报 ");
	dr_html(out, d->date);
	dr_time(d->generated, d->ncampaigns > 0 ? d->campaigns[0].tz_offset : 0, gen, sizeof(gen));
	buf_printf(out, "</h1>\n<p style=\"margin:0 0 8px 0;color:#666666;font-size:12px;\">"
		   "生成于 %s</p>\n", gen);
	buf_puts(out, "<p style=\"margin:0 0 12px 0;padding:6px 8px;background:#f4f6f8;"
		 "border:1px solid #d0d7de;\">");
	if (d->ncampaigns == 0)
		buf_puts(out, "无");
	for (size_t i = 0; i < d->ncampaigns; i++) {
		struct buf plain = BUF_INIT, alarm = BUF_INIT;
		dr_overview(&d->campaigns[i], &plain, &alarm);
		buf_puts(out, i > 0 ? "<br>\n" : "");
		dr_html(out, buf_cstr(&plain));
		if (alarm.len > 0) {
			buf_puts(out, "<span style=\"color:" DR_RED ";font-weight:bold;\">");
			dr_html(out, buf_cstr(&alarm));
			buf_puts(out, "</span>");
		}
		buf_free(&plain);
		buf_free(&alarm);
	}
	buf_puts(out, "</p>\n");
	for (size_t i = 0; i < d->ncampaigns; i++) {
		const struct digest_campaign *c = &d->campaigns[i];
		struct dr_table t[DR_NTABLES];
		struct dr_num day[6], sofar[2], replies[4];
		struct buf h = BUF_INIT;
		size_t n, reply_at;

		dr_heading(d, c, &h);
		buf_puts(out, "<h2 style=\"font-size:16px;margin:20px 0 6px 0;padding-bottom:2px;"
			 "border-bottom:2px solid #333333;\">");
		dr_html(out, buf_cstr(&h));
		buf_puts(out, "</h2>\n");
		buf_free(&h);
		dr_numbers(c, day, sofar, replies);
		dr_html_nums(out, day, 6);
		dr_html_nums(out, sofar, 2);
		n = dr_tables(d, c, t, &reply_at);
		for (size_t k = 0; k < n; k++) {
			if (k == reply_at) {
				buf_puts(out, "<h3 style=\"font-size:14px;margin:14px 0 4px 0;\">回复</h3>\n");
				dr_html_nums(out, replies, 4);
			}
			dr_html_table(out, &t[k]);
		}
		dr_tables_free(t, n);
	}
	buf_puts(out, "</body>\n</html>\n");
}

/* ---- CSV ----------------------------------------------------------------- */

static void dr_csv_cell(struct buf *out, const char *s)
{
	struct buf cell = BUF_INIT;
	bool quote;

	if (s != NULL && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		buf_putc(&cell, '\'');
	dr_clean(s, true, &cell);
	const char *v = buf_cstr(&cell);
	quote = strpbrk(v, ",\"\r\n") != NULL ||
		(cell.len > 0 && (v[0] == ' ' || v[cell.len - 1] == ' '));
	if (!quote) {
		buf_append(out, v, cell.len);
	} else {
		buf_putc(out, '"');
		for (; *v != '\0'; v++) {
			if (*v == '"')
				buf_putc(out, '"');
			buf_putc(out, *v);
		}
		buf_putc(out, '"');
	}
	buf_free(&cell);
}

/* One row; NULL cells are empty. */
static void dr_csv_row(struct buf *out, const char *const cells[DR_CSV_COLS])
{
	for (size_t i = 0; i < DR_CSV_COLS; i++) {
		if (i > 0)
			buf_putc(out, ',');
		dr_csv_cell(out, cells[i]);
	}
	buf_puts(out, "\r\n");
}

#define DR_CSV(out, ...) dr_csv_row(out, (const char *const[DR_CSV_COLS]){ __VA_ARGS__ })

static void dr_csv_nums(struct buf *out, const char *id, const struct dr_num *v, size_t n)
{
	char num[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%u", v[i].value);
		DR_CSV(out, "summary", id, v[i].key, num, v[i].label);
	}
}

static void dr_csv_mails(struct buf *out, const char *section, const struct digest_campaign *c,
			 const struct digest_mail *v, size_t n)
{
	char t[32];

	for (size_t i = 0; i < n; i++) {
		dr_time(v[i].arrival, c->tz_offset, t, sizeof(t));
		if (strcmp(section, "late") == 0)
			DR_CSV(out, section, c->id, v[i].receipt, t, v[i].sender, v[i].subject);
		else if (strcmp(section, "needs_human") == 0)
			DR_CSV(out, section, c->id, v[i].receipt, t, v[i].sender, v[i].subject,
			       v[i].detail);
		else
			DR_CSV(out, section, c->id, v[i].receipt, v[i].detail, v[i].sender, t,
			       v[i].subject);
	}
}

static void dr_csv_campaign(const struct digest *d, const struct digest_campaign *c,
			    struct buf *out)
{
	struct dr_num day[6], sofar[2], replies[4];
	char a[32], b[32], e[32], num[32];

	DR_CSV(out, "summary", c->id, "name", c->name, d->date);
	dr_numbers(c, day, sofar, replies);
	dr_csv_nums(out, c->id, day, 6);
	dr_csv_nums(out, c->id, sofar, 2);
	snprintf(a, sizeof(a), "%zu", c->nneeds_human);
	DR_CSV(out, "summary", c->id, "needs_human", a, "需人工处理");
	snprintf(a, sizeof(a), "%zu", c->nerrors);
	DR_CSV(out, "summary", c->id, "errors", a, "错误");
	dr_csv_nums(out, c->id, replies, 4);
	for (size_t i = 0; i < c->ncompanies; i++) {
		snprintf(a, sizeof(a), "%u", c->companies[i].cases);
		DR_CSV(out, "company", c->id, c->companies[i].company, a,
		       c->companies[i].latest_receipt);
	}
	for (size_t i = 0; c->by_sender && i < c->nsenders; i++) {
		const struct digest_sender *s = &c->senders[i];
		snprintf(a, sizeof(a), "%u", s->mails);
		snprintf(b, sizeof(b), "%u", s->cases_accepted);
		snprintf(e, sizeof(e), "%u", s->cases_rejected);
		DR_CSV(out, "sender", c->id, s->sender, a, s->name, s->province, b, e,
		       s->summary_list ? "yes" : "no");
		for (size_t k = 0; k < s->ncities; k++) {
			snprintf(a, sizeof(a), "%u", s->cities[k].listed);
			snprintf(b, sizeof(b), "%u", s->cities[k].limit);
			DR_CSV(out, "quota", c->id, s->sender, s->cities[k].city, a, b);
		}
		if (s->ncities > 0)
			DR_CSV(out, "list_check", c->id, s->sender, s->list_missing,
			       s->list_unlisted);
	}
	for (size_t i = 0; i < c->ndefects; i++) {
		snprintf(a, sizeof(a), "%u", c->defects[i].mails);
		dr_share(c, c->defects[i].mails, false, b, sizeof(b));
		DR_CSV(out, "defect", c->id, c->defects[i].code, a, c->defects[i].severity, b);
	}
	dr_csv_mails(out, "late", c, c->late_mails, c->nlate_mails);
	dr_csv_mails(out, "needs_human", c, c->needs_human, c->nneeds_human);
	for (size_t i = 0; i < c->nfailed_replies; i++) {
		const struct digest_reply *r = &c->failed_replies[i];
		snprintf(num, sizeof(num), "%u", r->attempts);
		dr_time(r->done, c->tz_offset, a, sizeof(a));
		DR_CSV(out, "reply_failed", c->id, r->id, num, r->rcpt, r->last_error, a);
	}
	for (size_t i = 0; i < c->nqueued_replies; i++) {
		const struct digest_reply *r = &c->queued_replies[i];
		snprintf(num, sizeof(num), "%u", r->attempts);
		dr_time(r->next_attempt, c->tz_offset, a, sizeof(a));
		DR_CSV(out, "reply_queued", c->id, r->id, num, r->rcpt, a,
		       dr_overdue(d, r) ? "yes" : "no", r->last_error);
	}
	dr_csv_mails(out, "error", c, c->errors, c->nerrors);
}

void digest_render_csv(const struct digest *d, struct buf *out)
{
	buf_puts(out, "\xef\xbb\xbf");
	DR_CSV(out, "section", "campaign", "key", "value", "detail1", "detail2", "detail3",
	       "detail4", "detail5");
	for (size_t i = 0; i < d->ncampaigns; i++)
		dr_csv_campaign(d, &d->campaigns[i], out);
}

/* ---- subject -------------------------------------------------------------- */

void digest_subject(const struct digest *d, struct buf *out)
{
	unsigned n = 0, a = 0, r = 0, ig = 0, failed = 0;
	size_t human = 0;

	for (size_t i = 0; i < d->ncampaigns; i++) {
		const struct digest_campaign *c = &d->campaigns[i];
		n += c->received;
		a += c->accepted;
		r += c->rejected;
		ig += c->ignored;
		human += c->nneeds_human;
		failed += c->replies_failed;
	}
	buf_puts(out, "casemail 日报 ");
	dr_clean(d->date, false, out);
	buf_printf(out, "：收到 %u 封，通过 %u，退回 %u，忽略 %u", n, a, r, ig);
	if (human > 0)
		buf_printf(out, "，需人工 %zu", human);
	if (failed > 0)
		buf_printf(out, "，回复失败 %u", failed);
}
