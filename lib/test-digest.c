/* Tests for digest-render.c and digest-mail.c on a struct digest built by
 * hand: two campaigns, 好服务 (by sender, hostile company names, every
 * list filled) and 微创新 (an empty day). The CSV is read back with a
 * small RFC 4180 parser, the text is measured with a width function of
 * the test's own, the mail is parsed back with message.h. */
#include "charset.h"
#include "digest.h"
#include "message.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY_START 1785168000LL           /* 2026-07-28 00:00 +08:00 */
#define AT(h, m) (DAY_START + (h) * 3600 + (m) * 60)
#define GENERATED (DAY_START + 86400 + 8 * 3600)  /* 2026-07-29 08:00 */

#define ACME "Acme, \"Best\" <script>alert('x')</script> & 物业"
#define FORMULA "=HYPERLINK(\"http://evil.example\",\"点我\")"
#define LONGNAME "超长名称物业服务有限公司超长名称物业服务有限公司超长名称物业服务有限公司" \
		 "超长名称物业服务有限公司超长名称物业服务有限公司"
#define HOSTILE_SUBJECT "=cmd|' /C calc'!A0 关于\r\n换行的主题"

static struct digest_company test_companies[] = {
	{ "阳光物业服务有限公司", 4, "HFW2026-000045" },
	{ ACME, 3, "HFW2026-000012" },
	{ FORMULA, 1, "HFW2026-000020" },
	{ LONGNAME, 1, "HFW2026-000031" },
	{ "", 1, "HFW2026-000003" },
};

static struct digest_city test_cities[] = {
	{ "广州市", 6, 5 }, { "佛山市", 2, 3 },
};

static struct digest_sender test_senders[] = {
	{ "gdwy@example.org", "广东省物业管理行业协会", "广东", 7, 5, 2, true,
	  test_cities, 2, "翠苑一区", "金色家园+加装电梯暖民心" },
	{ "+sh@example.com", "-2+3 上海协会", "上海", 3, 1, 1, false, NULL, 0, "", "" },
};

static struct digest_defect test_defects[] = {
	{ "photo.low_resolution", "warning", 4 },
	{ "attachment.missing_form", "error", 3 },
	{ "mail.late", "error", 2 },
};

static struct digest_mail test_late[] = {
	{ "HFW2026-000047", "a@qq.com", "案例申报", AT(9, 12), "rejected", "mail.late" },
	{ "HFW2026-000048", "b@163.com", "补交", AT(23, 59), "accepted", "mail.late" },
};

static struct digest_mail test_human[] = {
	{ "", "boss@example.com", HOSTILE_SUBJECT, AT(10, 0), "ignored", "not_a_submission" },
	{ "HFW2026-000049", "c@qq.com", "@SUM(A1:A9)", AT(11, 30), "rejected", "archive.broken" },
};

static struct digest_mail test_errors[] = {
	{ "HFW2026-000050", "d@qq.com", "案例", AT(12, 0), "",
	  "fetched: spool: No space left on device" },
};

static struct digest_reply test_failed[] = {
	{ "HFW2026-000040", "a@qq.com", "failed", 8, AT(1, 0), 0, AT(14, 0),
	  "550 5.1.1 <a@qq.com>: mailbox unavailable" },
};

static struct digest_reply test_queued[] = {
	{ "HFW2026-000044", "e@qq.com", "queued", 2, AT(15, 0), GENERATED - 60, 0,
	  "421 try later" },
	{ "HFW2026-000046.r1", "f@qq.com", "queued", 0, GENERATED - 30, GENERATED + 600, 0, "" },
};

static struct digest_campaign test_campaigns[2];
static struct digest test_d;

static const struct digest *test_digest(void)
{
	struct digest_campaign *c = &test_campaigns[0];

	memset(test_campaigns, 0, sizeof(test_campaigns));
	c->id = "hfw2026";
	c->name = "好服务案例征集";
	c->tz_offset = 28800;
	c->by_sender = true;
	c->received = 12;
	c->accepted = 5;
	c->rejected = 6;
	c->ignored = 1;
	c->unfinished = 0;
	c->late = 2;
	c->cases_accepted = 9;
	c->mails_total = 131;
	c->companies = test_companies;
	c->ncompanies = 5;
	c->senders = test_senders;
	c->nsenders = 2;
	c->defects = test_defects;
	c->ndefects = 3;
	c->late_mails = test_late;
	c->nlate_mails = 2;
	c->needs_human = test_human;
	c->nneeds_human = 2;
	c->errors = test_errors;
	c->nerrors = 1;
	c->replies_sent = 9;
	c->replies_queued = 2;
	c->replies_overdue = 1;
	c->replies_failed = 1;
	c->failed_replies = test_failed;
	c->nfailed_replies = 1;
	c->queued_replies = test_queued;
	c->nqueued_replies = 2;

	c = &test_campaigns[1];
	c->id = "wcx2026";
	c->name = "微创新案例征集";
	c->tz_offset = 28800;
	c->mails_total = 17;
	c->cases_accepted = 6;

	memset(&test_d, 0, sizeof(test_d));
	snprintf(test_d.date, sizeof(test_d.date), "2026-07-28");
	test_d.day_start = DAY_START;
	test_d.day_end = DAY_START + 86400;
	test_d.generated = GENERATED;
	test_d.campaigns = test_campaigns;
	test_d.ncampaigns = 2;
	return &test_d;
}

/* ---- helpers: display width, lines, CSV parser --------------------------- */

/* The test's own width: CJK and fullwidth punctuation are 2 columns. */
static size_t test_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp;
		size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
		for (size_t k = 1; k < n && i + k < len; k++)
			cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
		w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		     (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		     (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		     (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd) ? 2 : 1;
		i += n;
	}
	return w;
}

static size_t test_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

struct csv_row {
	char *f[16];
	size_t n;
};

/* Strict RFC 4180: CRLF record ends (also inside quotes only as data),
 * quotes only around a whole field, "" for a quote. -1 when malformed. */
static int test_csv_parse(const char *s, size_t len, struct csv_row **rows_r, size_t *n_r)
{
	struct csv_row *rows = NULL;
	size_t n = 0, i = 0;

	while (i < len) {
		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		struct csv_row *r = &rows[n++];
		r->n = 0;
		for (;;) {
			struct buf f = BUF_INIT;
			if (r->n == 16)
				goto bad;
			if (i < len && s[i] == '"') {
				for (i++;; i++) {
					if (i >= len)
						goto bad_f;
					if (s[i] == '"') {
						if (i + 1 < len && s[i + 1] == '"')
							i++;
						else
							break;
					}
					buf_putc(&f, s[i]);
				}
				i++;
			} else {
				for (; i < len && s[i] != ',' && s[i] != '\r'; i++) {
					if (s[i] == '"' || s[i] == '\n')
						goto bad_f;
					buf_putc(&f, s[i]);
				}
			}
			r->f[r->n++] = buf_steal(&f);
			if (i < len && s[i] == ',') {
				i++;
				continue;
			}
			if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
				i += 2;
				break;
			}
			goto bad;
bad_f:
			buf_free(&f);
			goto bad;
		}
	}
	*rows_r = rows;
	*n_r = n;
	return 0;
bad:
	for (size_t k = 0; k < n; k++) {
		for (size_t j = 0; j < rows[k].n; j++)
			free(rows[k].f[j]);
	}
	free(rows);
	return -1;
}

static void test_csv_free(struct csv_row *rows, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		for (size_t j = 0; j < rows[k].n; j++)
			free(rows[k].f[j]);
	}
	free(rows);
}

static size_t test_csv_count(const struct csv_row *rows, size_t n, const char *section,
			     const char *campaign)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += strcmp(rows[i].f[0], section) == 0 && strcmp(rows[i].f[1], campaign) == 0;
	return c;
}

static const struct csv_row *test_csv_find(const struct csv_row *rows, size_t n,
					   const char *section, const char *campaign,
					   const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].f[0], section) == 0 && strcmp(rows[i].f[1], campaign) == 0 &&
		    strcmp(rows[i].f[2], key) == 0)
			return &rows[i];
	}
	return NULL;
}

/* ---- CSV ------------------------------------------------------------------- */

static void test_csv_format(void)
{
	struct buf out = BUF_INIT;
	struct csv_row *rows = NULL;
	size_t n = 0;

	test_begin("csv: BOM, CRLF line ends, RFC 4180, nine fields a row");
	digest_render_csv(test_digest(), &out);
	test_assert(out.len > 3 && memcmp(out.data, "\xef\xbb\xbf", 3) == 0);
	test_assert(out.len > 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);
	for (size_t i = 0; i < out.len; i++) {
		if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r')) {
			test_assert(!"bare LF");
			break;
		}
		if (out.data[i] == '\r' && (i + 1 == out.len || out.data[i + 1] != '\n')) {
			test_assert(!"bare CR");
			break;
		}
	}
	if (!test_assert(test_csv_parse(out.data + 3, out.len - 3, &rows, &n) == 0))
		goto out;
	test_assert(n > 40);
	test_assert_int(rows[0].n, 9);
	const char *want[] = { "section", "campaign", "key", "value", "detail1", "detail2",
			       "detail3", "detail4", "detail5" };
	for (size_t i = 0; i < 9 && i < rows[0].n; i++)
		test_assert_str(rows[0].f[i], want[i]);
	for (size_t i = 1; i < n; i++) {
		if (!test_assert_int(rows[i].n, 9))
			break;
		/* no cell a spreadsheet would run as a formula */
		for (size_t k = 0; k < rows[i].n; k++) {
			if (!test_assert(strchr("=+-@\t\r", rows[i].f[k][0]) == NULL ||
					 rows[i].f[k][0] == '\0'))
				printf("# cell \"%s\"\n", rows[i].f[k]);
		}
	}
out:
	test_csv_free(rows, n);
	buf_free(&out);
	test_end();
}

static void test_csv_content(void)
{
	struct buf out = BUF_INIT;
	struct csv_row *rows = NULL;
	const struct csv_row *r;
	size_t n = 0;

	test_begin("csv: one row per item, names round-trip, formulas neutralised");
	digest_render_csv(test_digest(), &out);
	if (!test_assert(test_csv_parse(out.data + 3, out.len - 3, &rows, &n) == 0))
		goto out;
	/* quota rows per city of a sender's latest 汇总清单, and its check */
	r = test_csv_find(rows, n, "quota", "hfw2026", "gdwy@example.org");
	test_assert(r != NULL && strcmp(r->f[3], "广州市") == 0 && strcmp(r->f[4], "6") == 0 &&
		    strcmp(r->f[5], "5") == 0);
	test_assert_int(test_csv_count(rows, n, "quota", "hfw2026"), 2);
	r = test_csv_find(rows, n, "list_check", "hfw2026", "gdwy@example.org");
	test_assert(r != NULL && strcmp(r->f[3], "翠苑一区") == 0);
	/* summary: every number of both campaigns */
	static const struct { const char *campaign, *key, *value; } sums[] = {
		{ "hfw2026", "received", "12" }, { "hfw2026", "accepted", "5" },
		{ "hfw2026", "rejected", "6" }, { "hfw2026", "ignored", "1" },
		{ "hfw2026", "unfinished", "0" }, { "hfw2026", "late", "2" },
		{ "hfw2026", "cases_accepted", "9" }, { "hfw2026", "mails_total", "131" },
		{ "hfw2026", "needs_human", "2" }, { "hfw2026", "errors", "1" },
		{ "hfw2026", "replies_sent", "9" }, { "hfw2026", "replies_queued", "2" },
		{ "hfw2026", "replies_overdue", "1" }, { "hfw2026", "replies_failed", "1" },
		{ "wcx2026", "received", "0" }, { "wcx2026", "cases_accepted", "6" },
		{ "wcx2026", "mails_total", "17" }, { "wcx2026", "name", "微创新案例征集" },
	};
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		r = test_csv_find(rows, n, "summary", sums[i].campaign, sums[i].key);
		if (test_assert(r != NULL))
			test_assert_str(r->f[3], sums[i].value);
		else
			printf("# summary %s %s\n", sums[i].campaign, sums[i].key);
	}
	test_assert_int(test_csv_count(rows, n, "company", "hfw2026"), 5);
	test_assert_int(test_csv_count(rows, n, "sender", "hfw2026"), 2);
	test_assert_int(test_csv_count(rows, n, "defect", "hfw2026"), 3);
	test_assert_int(test_csv_count(rows, n, "late", "hfw2026"), 2);
	test_assert_int(test_csv_count(rows, n, "needs_human", "hfw2026"), 2);
	test_assert_int(test_csv_count(rows, n, "reply_failed", "hfw2026"), 1);
	test_assert_int(test_csv_count(rows, n, "reply_queued", "hfw2026"), 2);
	test_assert_int(test_csv_count(rows, n, "error", "hfw2026"), 1);
	static const char *const lists[] = { "company", "sender", "defect", "late",
					     "needs_human", "reply_failed", "reply_queued",
					     "error" };
	for (size_t i = 0; i < 8; i++)
		test_assert_int(test_csv_count(rows, n, lists[i], "wcx2026"), 0);

	/* commas, quotes, < > and CJK come back exactly */
	r = test_csv_find(rows, n, "company", "hfw2026", ACME);
	if (test_assert(r != NULL)) {
		test_assert_str(r->f[3], "3");
		test_assert_str(r->f[4], "HFW2026-000012");
	}
	test_assert(strstr(out.data, "\"Acme, \"\"Best\"\" <script>") != NULL);
	/* formula injection: a leading ' */
	r = test_csv_find(rows, n, "company", "hfw2026", "'" FORMULA);
	test_assert(r != NULL && strcmp(r->f[3], "1") == 0);
	r = test_csv_find(rows, n, "sender", "hfw2026", "'+sh@example.com");
	if (test_assert(r != NULL)) {
		test_assert_str(r->f[3], "3");
		test_assert_str(r->f[4], "'-2+3 上海协会");
		test_assert_str(r->f[5], "上海");
		test_assert_str(r->f[8], "no");
	}
	r = test_csv_find(rows, n, "sender", "hfw2026", "gdwy@example.org");
	if (test_assert(r != NULL)) {
		test_assert_str(r->f[4], "广东省物业管理行业协会");
		test_assert_str(r->f[6], "5");
		test_assert_str(r->f[7], "2");
		test_assert_str(r->f[8], "yes");
	}
	r = test_csv_find(rows, n, "needs_human", "hfw2026", "");
	if (test_assert(r != NULL)) {
		/* the line break inside the subject stays inside the quoted field */
		test_assert_str(r->f[5], "'=cmd|' /C calc'!A0 关于\r\n换行的主题");
		test_assert_str(r->f[3], "2026-07-28 10:00");
		test_assert_str(r->f[6], "not_a_submission");
	}
	r = test_csv_find(rows, n, "needs_human", "hfw2026", "HFW2026-000049");
	test_assert(r != NULL && strcmp(r->f[5], "'@SUM(A1:A9)") == 0);
	r = test_csv_find(rows, n, "defect", "hfw2026", "mail.late");
	if (test_assert(r != NULL)) {
		test_assert_str(r->f[3], "2");
		test_assert_str(r->f[4], "error");
		test_assert_str(r->f[5], "18.2");   /* 2 of 11 non-ignored */
	}
	r = test_csv_find(rows, n, "late", "hfw2026", "HFW2026-000047");
	test_assert(r != NULL && strcmp(r->f[3], "2026-07-28 09:12") == 0);
	r = test_csv_find(rows, n, "reply_queued", "hfw2026", "HFW2026-000044");
	test_assert(r != NULL && strcmp(r->f[6], "yes") == 0);
	r = test_csv_find(rows, n, "reply_queued", "hfw2026", "HFW2026-000046.r1");
	test_assert(r != NULL && strcmp(r->f[6], "no") == 0 &&
		    strcmp(r->f[5], "2026-07-29 08:10") == 0);
	r = test_csv_find(rows, n, "reply_failed", "hfw2026", "HFW2026-000040");
	test_assert(r != NULL && strcmp(r->f[3], "8") == 0 &&
		    strcmp(r->f[5], "550 5.1.1 <a@qq.com>: mailbox unavailable") == 0);
	r = test_csv_find(rows, n, "error", "hfw2026", "HFW2026-000050");
	test_assert(r != NULL && strcmp(r->f[3], "fetched: spool: No space left on device") == 0);
out:
	test_csv_free(rows, n);
	buf_free(&out);
	test_end();
}

/* ---- HTML ------------------------------------------------------------------ */

static void test_html(void)
{
	struct buf out = BUF_INIT;
	const char *wcx, *h2;

	test_begin("html: self-contained, escaped, a table per list, 无 for empty ones");
	digest_render_html(test_digest(), &out);
	const char *s = buf_cstr(&out);
	test_assert(strncmp(s, "<!DOCTYPE html>\n", 16) == 0);
	test_assert(strstr(s, "<meta charset=\"utf-8\">") != NULL);
	test_assert(strstr(s, "</html>\n") != NULL);
	/* nothing active, nothing external, nothing a mail client strips */
	test_assert(strcasestr(s, "<script") == NULL);
	test_assert(strcasestr(s, "<style") == NULL);
	test_assert(strcasestr(s, "class=") == NULL);
	test_assert(strcasestr(s, "src=") == NULL);
	test_assert(strcasestr(s, "href=") == NULL);
	test_assert(strcasestr(s, "<link") == NULL);
	test_assert(strcasestr(s, "url(") == NULL);
	test_assert(strstr(s, "Acme, &quot;Best&quot; &lt;script&gt;alert(&#39;x&#39;)"
			   "&lt;/script&gt; &amp; 物业") != NULL);
	/* the overview comes first and names both campaigns */
	h2 = strstr(s, "<h2");
	wcx = strstr(s, "微创新案例征集 (wcx2026)");
	if (!test_assert(h2 != NULL && wcx != NULL))
		goto out;
	const char *over = strstr(s, "好服务案例征集：收到 12，通过 5，退回 6，忽略 1");
	test_assert(over != NULL && over < h2);
	over = strstr(s, "微创新案例征集：收到 0，通过 0，退回 0，忽略 0");
	test_assert(over != NULL && over < h2);
	test_assert(strstr(s, "，需人工 2，回复失败 1，错误 1</span>") != NULL);
	/* 10 lists for 好服务, all filled; 7 empty ones for 微创新 */
	test_assert_int(test_count(s, "<table"), 10);
	/* the quota: 广州市 over its 5 in red, 佛山市 within; the list check */
	const char *gz = strstr(s, ">广州市</td>");
	test_assert(gz != NULL && strstr(gz, "5（超出）") != NULL);
	test_assert(strstr(s, ">佛山市</td>") != NULL);
	test_assert(strstr(s, ">翠苑一区</td>") != NULL);
	test_assert(strstr(s, "汇总清单与收到的案例") != NULL);
	test_assert_int(test_count(wcx, "<table"), 0);
	test_assert_int(test_count(wcx, ">无</p>"), 7);
	test_assert_int(test_count(s, ">无</p>"), 7);
	test_assert(strstr(wcx, "按报送单位") == NULL);
	test_assert(strstr(s, "当日收件 <b>12</b>") != NULL);
	test_assert(strstr(s, "累计邮件 <b>131</b>") != NULL);
	test_assert(strstr(s, "累计通过案例 <b>6</b>") != NULL);
	test_assert(strstr(s, "今日失败 <b>1</b>") != NULL);
	test_assert(strstr(s, ">18.2%</td>") != NULL);
	test_assert(strstr(s, ">2026-07-28 09:12</td>") != NULL);
	/* the error row is red */
	const char *err = strstr(s, ">HFW2026-000050</td>"), *td = err;
	while (td != NULL && td > s && strncmp(td, "<td", 3) != 0)
		td--;
	test_assert(err != NULL && strstr(td, "color:#c00000") != NULL &&
		    strstr(td, "color:#c00000") < err);
	/* an ordinary row is not */
	err = strstr(s, ">HFW2026-000045</td>");
	for (td = err; td != NULL && td > s && strncmp(td, "<td", 3) != 0; td--)
		;
	test_assert(err != NULL && strstr(td, "color:#c00000") > err);
	/* the overdue queued reply */
	test_assert(strstr(s, "2026-07-29 07:59（逾期）") != NULL);
	/* line breaks of a subject do not reach the page */
	test_assert(strstr(s, "关于  换行的主题") != NULL);
out:
	buf_free(&out);
	test_end();
}

/* ---- text ------------------------------------------------------------------ */

/* Lines [from, to) of the table titled title in s; false when absent. */
static bool test_text_table(const char *s, const char *title, const char **from_r,
			    const char **to_r)
{
	char *want = xasprintf("\n%s\n", title);
	const char *p = strstr(s, want);

	free(want);
	if (p == NULL)
		return false;
	p += strlen(title) + 2;
	*from_r = p;
	while (strncmp(p, "  ", 2) == 0)
		p = strchr(p, '\n') + 1;
	*to_r = p;
	return true;
}

/* In every line of the table (header first), marks[line] starts (or,
 * with end, ends) at the same display column; no line is over 100. */
static void test_text_aligned(const char *s, const char *title, const char *const *marks,
			      bool end)
{
	const char *from, *to;
	size_t want = (size_t)-1, lines = 0;

	if (!test_assert(test_text_table(s, title, &from, &to))) {
		printf("# table %s\n", title);
		return;
	}
	for (const char *l = from; l < to; l = strchr(l, '\n') + 1, lines++) {
		const char *nl = strchr(l, '\n');
		const char *m = strstr(l, marks[lines]);
		if (!test_assert(m != NULL && m < nl)) {
			printf("# %s: no \"%s\" in line %zu\n", title, marks[lines], lines);
			continue;
		}
		size_t col = test_width(l, (size_t)(m - l) + (end ? strlen(marks[lines]) : 0));
		if (want == (size_t)-1)
			want = col;
		if (!test_assert_int(col, want))
			printf("# %s line %zu: %.*s\n", title, lines, (int)(nl - l), l);
		test_assert(test_width(l, (size_t)(nl - l)) <= 100);
	}
	test_assert(marks[lines] == NULL);
}

static void test_text(void)
{
	struct buf out = BUF_INIT;
	const char *from, *to;

	test_begin("text: numbers, aligned CJK columns, 100 columns, 无 for empty lists");
	digest_render_text(test_digest(), &out);
	const char *s = buf_cstr(&out);
	const char *head = "casemail 日报 2026-07-28：收到 12 封，通过 5，退回 6，忽略 1，"
			   "需人工 2，回复失败 1\n生成于 2026-07-29 08:00\n\n";
	test_assert(strncmp(s, head, strlen(head)) == 0);
	test_assert(strchr(s, '\r') == NULL);
	const char *title = "好服务案例征集 (hfw2026) — 2026-07-28";
	struct buf want = BUF_INIT;
	buf_printf(&want, "\n%s\n", title);
	for (size_t i = test_width(title, strlen(title)); i > 0; i--)
		buf_putc(&want, '=');
	buf_puts(&want, "\n当日收件 12   通过 5   退回 6   忽略 1   处理中 0   逾期 2\n"
		 "累计通过案例 9   累计邮件 131\n\n按公司\n");
	test_assert(strstr(s, want.data) != NULL);
	test_assert_int(test_width(title, strlen(title)), 37);
	buf_free(&want);
	test_assert(strstr(s, "\n\n回复\n  今日发送 9   排队 2   其中逾期 1   今日失败 1\n") != NULL);
	/* every line fits */
	for (const char *l = s; *l != '\0'; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');
		if (!test_assert(nl != NULL))
			break;
		if (!test_assert(test_width(l, (size_t)(nl - l)) <= 100))
			printf("# %.*s\n", (int)(nl - l), l);
	}
	/* the third column starts at one place, whatever the width of the names */
	static const char *const company_marks[] = {
		"最新回执", "HFW2026-000045", "HFW2026-000012", "HFW2026-000020",
		"HFW2026-000031", "HFW2026-000003", NULL,
	};
	test_text_aligned(s, "按公司", company_marks, false);
	static const char *const sender_marks[] = { "省份", "广东 ", "上海 ", NULL };
	test_text_aligned(s, "按报送单位", sender_marks, false);
	static const char *const sender_end[] = { "汇总清单", "是", "否", NULL };
	test_text_aligned(s, "按报送单位", sender_end, false);
	static const char *const human_marks[] = { "主题", "=cmd", "@SUM", NULL };
	test_text_aligned(s, "需人工处理", human_marks, false);
	/* right-aligned numbers end at one place */
	static const char *const defect_marks[] = { "占比", "36.4%", "27.3%", "18.2%", NULL };
	test_text_aligned(s, "常见问题", defect_marks, true);
	static const char *const defect_level[] = { "级别", "提醒", "错误", "错误", NULL };
	test_text_aligned(s, "常见问题", defect_level, false);
	/* the long name is cut with … */
	if (test_assert(test_text_table(s, "按公司", &from, &to))) {
		const char *l = strstr(from, "超长名称");
		test_assert(l != NULL && l < to && strstr(l, "…") < strstr(l, "HFW2026-000031"));
	}
	/* an unknown company and a missing receipt show as "-" */
	test_assert(strstr(s, "\n  -  ") != NULL);
	/* the subject's line break became spaces */
	test_assert(strstr(s, "=cmd|' /C calc'!A0 关于  换行的主题") != NULL);
	/* 微创新: every list says 无, no sender table */
	const char *wcx = strstr(s, "\n微创新案例征集 (wcx2026) — 2026-07-28\n");
	if (test_assert(wcx != NULL)) {
		test_assert_int(test_count(wcx, "\n  无\n"), 7);
		test_assert(strstr(wcx, "按报送单位") == NULL);
		test_assert(strstr(wcx, "当日收件 0   通过 0") != NULL);
		test_assert(strstr(wcx, "累计通过案例 6   累计邮件 17") != NULL);
		test_assert_int(test_count(s, "\n  无\n"), 7);
	}
	buf_free(&out);
	test_end();
}

static void test_subject(void)
{
	struct buf out = BUF_INIT;
	struct digest d = *test_digest();
	struct digest_campaign c[2];

	test_begin("subject: sums over campaigns, 需人工/回复失败 only when there are");
	digest_subject(&d, &out);
	test_assert_str(buf_cstr(&out), "casemail 日报 2026-07-28：收到 12 封，通过 5，退回 6，"
			"忽略 1，需人工 2，回复失败 1");
	memcpy(c, test_campaigns, sizeof(c));
	c[0].nneeds_human = 0;
	c[0].replies_failed = 0;
	c[1].received = 30;
	c[1].accepted = 20;
	c[1].rejected = 7;
	c[1].ignored = 3;
	d.campaigns = c;
	buf_truncate(&out, 0);
	digest_subject(&d, &out);
	test_assert_str(buf_cstr(&out), "casemail 日报 2026-07-28：收到 42 封，通过 25，退回 13，"
			"忽略 4");
	buf_free(&out);
	test_end();
}

static bool test_no_controls(const struct buf *b, const char *allowed)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];
		if ((c < 0x20 || c == 0x7f) && strchr(allowed, c) == NULL)
			return false;
	}
	return true;
}

static void test_hostile_bytes(void)
{
	struct digest d = *test_digest();
	struct digest_campaign c = test_campaigns[0];
	struct digest_company co[2] = {
		{ "\x1b[31mred\x1b[0m \xff\xfe\xe5\x85 物业", 2, "HFW2026-000001" },
		{ "tab\there\x7f", 1, "HFW2026-000002" },
	};
	struct buf text = BUF_INIT, html = BUF_INIT, csv = BUF_INIT;

	test_begin("invalid UTF-8 and control characters do not reach the output");
	c.companies = co;
	c.ncompanies = 2;
	d.campaigns = &c;
	d.ncampaigns = 1;
	digest_render_text(&d, &text);
	digest_render_html(&d, &html);
	digest_render_csv(&d, &csv);
	test_assert(charset_is_utf8(text.data, text.len));
	test_assert(charset_is_utf8(html.data, html.len));
	test_assert(charset_is_utf8(csv.data, csv.len));
	test_assert(test_no_controls(&text, "\n"));
	test_assert(test_no_controls(&html, "\n"));
	/* CSV: CR LF for line breaks (inside quotes too), TAB kept in a cell */
	test_assert(test_no_controls(&csv, "\r\n\t"));
	test_assert(strstr(text.data, " [31mred [0m \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd 物业") != NULL);
	test_assert(strstr(csv.data, "\ntab\there ,1,") == NULL);   /* trailing space: quoted */
	test_assert(strstr(csv.data, "\"tab\there \",1,") != NULL);
	/* no campaign at all: still a document */
	d.ncampaigns = 0;
	buf_truncate(&html, 0);
	digest_render_html(&d, &html);
	test_assert(strstr(html.data, "</html>") != NULL && strstr(html.data, "<table") == NULL);
	buf_free(&text);
	buf_free(&html);
	buf_free(&csv);
	test_end();
}

/* ---- mail ------------------------------------------------------------------ */

static struct digest_mail_params test_params(bool html_first)
{
	struct digest_mail_params p = {
		.from = "wylzzh@ecpmi.org.cn",
		.to = " admin@ecpmi.org.cn, ,ops@example.com ,",
		.domain = "ecpmi.org.cn",
		.html_first = html_first,
		.date = GENERATED,
		.tz_offset = 28800,
	};
	return p;
}

static struct message *test_mail_open(const struct buf *m, char **path_r)
{
	struct message *msg = NULL;
	const char *error;
	char *path = xasprintf("%s/digest-%zu.eml", test_tmpdir(), m->len);
	FILE *f = fopen(path, "wb");

	*path_r = path;
	if (!test_assert(f != NULL))
		return NULL;
	test_assert(fwrite(m->data, 1, m->len, f) == m->len);
	test_assert(fclose(f) == 0);
	if (!test_assert(message_open_file(path, NULL, &msg, &error) == 0))
		return NULL;
	return msg;
}

static void test_decoded(const struct message *msg, size_t part, const struct buf *want,
			 bool crlf)
{
	struct buf got = BUF_INIT, canon = BUF_INIT;

	for (size_t i = 0; i < want->len; i++) {
		if (crlf && want->data[i] == '\n')
			buf_putc(&canon, '\r');
		buf_putc(&canon, want->data[i]);
	}
	test_assert(msg->parts[part].encoding == MESSAGE_ENC_BASE64);
	test_assert(message_part_decode(msg, &msg->parts[part], decode_sink_buf, &got) == 0);
	if (!test_assert(got.len == canon.len && memcmp(got.data, canon.data, got.len) == 0))
		printf("# part %zu: %zu bytes, want %zu\n", part, got.len, canon.len);
	buf_free(&got);
	buf_free(&canon);
}

static void test_header(const struct message *msg, const char *name, const char *want)
{
	char *got = message_header_decoded(msg, NULL, name);

	if (!test_assert_str(got, want))
		printf("# header %s\n", name);
	free(got);
}

/* CRLF only, every line (headers, boundaries, base64) within 78
 * columns, 7-bit only, ending in CRLF. */
static bool test_mail_lines_ok(const struct buf *b)
{
	size_t col = 0;

	if (b->len < 2 || memcmp(b->data + b->len - 2, "\r\n", 2) != 0)
		return false;
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\r') {
			if (i + 1 == b->len || b->data[i + 1] != '\n')
				return false;
			i++;
			col = 0;
		} else if (b->data[i] == '\n' || (unsigned char)b->data[i] >= 0x80 ||
			   ++col > 78) {
			return false;
		}
	}
	return true;
}

static void test_mail(void)
{
	const struct digest *d = test_digest();
	struct digest_mail_params p = test_params(true);
	struct buf m = BUF_INIT, m2 = BUF_INIT, text = BUF_INIT, html = BUF_INIT, csv = BUF_INIT,
		   subject = BUF_INIT;
	struct message *msg = NULL;
	const char *error = NULL;
	char *path = NULL;

	test_begin("mail: mixed(alternative(text, html), csv) parses back byte for byte");
	if (!test_assert(digest_mail(d, &p, &m, &error) == 0))
		goto out;
	test_assert(digest_mail(d, &p, &m2, &error) == 0);
	test_assert(m.len == m2.len && memcmp(m.data, m2.data, m.len) == 0);
	test_assert(test_mail_lines_ok(&m));
	msg = test_mail_open(&m, &path);
	if (msg == NULL)
		goto out;
	digest_subject(d, &subject);
	test_header(msg, "Subject", buf_cstr(&subject));
	test_header(msg, "From", "wylzzh@ecpmi.org.cn");
	test_header(msg, "To", "admin@ecpmi.org.cn, ops@example.com");
	test_header(msg, "Date", "Wed, 29 Jul 2026 08:00:00 +0800");
	test_header(msg, "Message-ID", "<digest-2026-07-28.1785283200@ecpmi.org.cn>");
	test_header(msg, "Auto-Submitted", "auto-generated");
	test_header(msg, "MIME-Version", "1.0");
	test_assert(strstr(m.data, "\r\nSubject: =?UTF-8?B?") != NULL);

	if (!test_assert_int(msg->nparts, 5))
		goto out;
	test_assert_str(msg->parts[0].type, "multipart/mixed");
	test_assert_str(msg->parts[1].type, "multipart/alternative");
	test_assert_int(msg->parts[1].parent, 0);
	test_assert_str(msg->parts[2].type, "text/plain");
	test_assert_int(msg->parts[2].parent, 1);
	test_assert_str(msg->parts[2].charset, "UTF-8");
	test_assert_str(msg->parts[3].type, "text/html");
	test_assert_int(msg->parts[3].parent, 1);
	test_assert_str(msg->parts[4].type, "text/csv");
	test_assert_int(msg->parts[4].parent, 0);
	test_assert_str(msg->parts[4].disposition, "attachment");
	test_assert_str(msg->parts[4].filename, "casemail-digest-2026-07-28.csv");
	test_assert(msg->parts[4].role == MESSAGE_ROLE_ATTACHMENT);
	test_assert(!msg->truncated);
	digest_render_text(d, &text);
	digest_render_html(d, &html);
	digest_render_csv(d, &csv);
	test_decoded(msg, 2, &text, true);
	test_decoded(msg, 3, &html, true);
	test_decoded(msg, 4, &csv, false);
out:
	message_free(&msg);
	free(path);
	buf_free(&m);
	buf_free(&m2);
	buf_free(&text);
	buf_free(&html);
	buf_free(&csv);
	buf_free(&subject);
	test_end();
}

static void test_mail_text_only(void)
{
	const struct digest *d = test_digest();
	struct digest_mail_params p = test_params(false);
	struct buf m = BUF_INIT, text = BUF_INIT, csv = BUF_INIT;
	struct message *msg = NULL;
	const char *error = NULL, *v;
	char *path = NULL;
	size_t len;

	test_begin("mail: html_first=false: mixed(text, csv), no HTML");
	p.to = "admin@ecpmi.org.cn";
	p.domain = "ecpmi.org.cn>\r\nBcc: x@y";
	if (!test_assert(digest_mail(d, &p, &m, &error) == 0))
		goto out;
	test_assert(test_mail_lines_ok(&m));
	msg = test_mail_open(&m, &path);
	if (msg == NULL)
		goto out;
	test_header(msg, "To", "admin@ecpmi.org.cn");
	/* a domain with junk cannot add a header field */
	test_header(msg, "Message-ID", "<digest-2026-07-28.1785283200@ecpmi.org.cn___Bcc__x_y>");
	test_assert(!message_header(msg, NULL, "Bcc", &v, &len));
	if (!test_assert_int(msg->nparts, 3))
		goto out;
	test_assert_str(msg->parts[0].type, "multipart/mixed");
	test_assert_str(msg->parts[1].type, "text/plain");
	test_assert_str(msg->parts[2].type, "text/csv");
	test_assert_str(msg->parts[2].filename, "casemail-digest-2026-07-28.csv");
	test_assert(strstr(m.data, "text/html") == NULL);
	digest_render_text(d, &text);
	digest_render_csv(d, &csv);
	test_decoded(msg, 1, &text, true);
	test_decoded(msg, 2, &csv, false);
out:
	message_free(&msg);
	free(path);
	buf_free(&m);
	buf_free(&text);
	buf_free(&csv);
	test_end();
}

static void test_mail_refused(void)
{
	static const struct { const char *from, *to, *domain; } bad[] = {
		{ "wylzzh@ecpmi.org.cn", "admin@ecpmi.org.cn, evil@x>\r\nBcc: y@z", "ecpmi.org.cn" },
		{ "wylzzh@ecpmi.org.cn", "admin@ecpmi.org.cn, two words@x", "ecpmi.org.cn" },
		{ "wylzzh@ecpmi.org.cn", "\"Admin\" <admin@ecpmi.org.cn>", "ecpmi.org.cn" },
		{ "wylzzh@ecpmi.org.cn", " , ,", "ecpmi.org.cn" },
		{ "wylzzh@ecpmi.org.cn", NULL, "ecpmi.org.cn" },
		{ "no-at-sign", "admin@ecpmi.org.cn", "ecpmi.org.cn" },
		{ NULL, "admin@ecpmi.org.cn", "ecpmi.org.cn" },
		{ "wylzzh@ecpmi.org.cn", "admin@ecpmi.org.cn", "" },
	};
	struct digest d = *test_digest();
	struct buf m = BUF_INIT;

	test_begin("mail: bad addresses, no recipient, no domain, bad date: refused, nothing written");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct digest_mail_params p = test_params(true);
		const char *error = NULL;
		p.from = bad[i].from;
		p.to = bad[i].to;
		p.domain = bad[i].domain;
		if (!test_assert(digest_mail(&d, &p, &m, &error) == -1 && error != NULL))
			printf("# case %zu\n", i);
		test_assert_int(m.len, 0);
	}
	struct digest_mail_params p = test_params(true);
	const char *error = NULL;
	snprintf(d.date, sizeof(d.date), "2026-7-28");
	test_assert(digest_mail(&d, &p, &m, &error) == -1 && error != NULL);
	test_assert_int(m.len, 0);
	buf_free(&m);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_csv_format, test_csv_content, test_html, test_text, test_subject,
		test_hostile_bytes, test_mail, test_mail_text_only, test_mail_refused, NULL,
	};
	return test_run(tests);
}
