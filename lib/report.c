/* report: the Chinese report text of one checked mail. */
#include "report.h"
#include "datetime.h"
#include "rules_private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest lists in a reply (see report_same_code()). */
#define REPORT_MAX_OTHER_FILES 100
#define REPORT_MAX_SAME_CODE 20

static const char *const cn_numbers[] = {
	"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
};

static void report_line(struct buf *out, const struct campaign *c, const char *key,
			const struct rules_var *vars, size_t n)
{
	const char *tmpl = campaign_report(c, key);
	char *s;

	if (tmpl == NULL)
		return;
	s = rules_text_render(tmpl, vars, n);
	buf_puts(out, s);
	buf_putc(out, '\n');
	free(s);
}

/* "照片，4000×3000，1.3MB" */
static void report_file_facts(const struct extract_file *f, struct buf *out)
{
	const struct facts *fa = &f->facts;
	char size[32];

	rules_format_size(f->size, size, sizeof(size));
	switch (fa->kind) {
	case FACTS_KIND_JPEG: case FACTS_KIND_PNG: case FACTS_KIND_HEIC: case FACTS_KIND_WEBP:
	case FACTS_KIND_GIF: case FACTS_KIND_BMP: case FACTS_KIND_TIFF:
		if (fa->width > 0)
			buf_printf(out, "图片，%d×%d像素，%s", fa->width, fa->height, size);
		else
			buf_printf(out, "图片，%s", size);
		break;
	case FACTS_KIND_VIDEO: {
		char d[32];
		rules_format_duration(fa->duration, d, sizeof(d));
		buf_printf(out, "视频，%s，%d×%d，%s", d, fa->display_width, fa->display_height, size);
		break;
	}
	case FACTS_KIND_PDF:
		buf_puts(out, "PDF");
		if (fa->pages > 0)
			buf_printf(out, "，%d页", fa->pages);
		if (fa->pdf_read && fa->pages > 0 && fa->pdf_scan_pages == fa->pages)
			buf_puts(out, "，扫描件");
		if (fa->pdf_seal == 2)
			buf_puts(out, "，有红色印章");
		buf_printf(out, "，%s", size);
		break;
	case FACTS_KIND_DOC: case FACTS_KIND_DOCX:
		buf_printf(out, "Word，%s", size);
		break;
	default:
		buf_printf(out, "%s", size);
		break;
	}
	if (fa->damaged)
		buf_puts(out, "，已损坏");
}

static int file_index(const struct check *ck, const char *path)
{
	for (size_t i = 0; i < ck->ex->nfiles; i++) {
		if (strcmp(ck->ex->files[i].path, path) == 0)
			return (int)i;
	}
	return -1;
}

static void report_received(const struct check *ck, struct buf *out)
{
	const struct rules_result *r = ck->rules;
	bool *listed = xcalloc(ck->ex->nfiles + 1, sizeof(*listed));
	bool others = false;
	size_t nothers = 0;

	buf_puts(out, "收到的材料：\n");
	for (size_t i = 0; i < r->ncases; i++) {
		const struct rules_case *cs = &r->cases[i];
		buf_printf(out, "  案例%zu：%s%s%s\n", i + 1, cs->company,
			   cs->company[0] != '\0' ? " / " : "", cs->name);
		for (size_t k = 0; k < cs->nfiles; k++) {
			int fi = file_index(ck, cs->files[k]);
			if (fi < 0)
				continue;
			listed[fi] = true;
			buf_printf(out, "    · %s（", ck->ex->files[fi].name);
			report_file_facts(&ck->ex->files[fi], out);
			buf_puts(out, "）\n");
		}
	}
	for (size_t i = 0; i < ck->ex->nfiles; i++) {
		const struct extract_file *f = &ck->ex->files[i];
		if (listed[i] || ck->files[i].container || f->stored == NULL)
			continue;
		if (!others)
			buf_puts(out, r->ncases > 0 ? "  其他文件：\n" : "  文件：\n");
		others = true;
		if (++nothers > REPORT_MAX_OTHER_FILES)
			continue;
		buf_printf(out, "    · %s（", f->path);
		report_file_facts(f, out);
		buf_puts(out, "）\n");
	}
	if (nothers > REPORT_MAX_OTHER_FILES)
		buf_printf(out, "    ……另有%zu个文件，不逐一列出\n",
			   nothers - REPORT_MAX_OTHER_FILES);
	if (r->ncases == 0 && !others)
		buf_puts(out, "  （没有附件）\n");
	free(listed);
}

/* Within a group: what concerns the whole mail, then what is missing or
 * misnamed, then single files; warnings after errors. */
static int report_rank(const struct rules_defect *d)
{
	int rank = 2;

	if (strncmp(d->code, "mail.", 5) == 0)
		rank = 0;
	else if (strncmp(d->code, "name.", 5) == 0 || strncmp(d->code, "doc.missing", 11) == 0)
		rank = 1;
	return rank + (d->severity == RULES_WARNING ? 3 : 0);
}

/* Defects of one code within a group: the first REPORT_MAX_SAME_CODE are
 * listed, the rest counted in one line (a bomb of 10,000 stray files
 * makes a reply one can still read; manifest.json has them all). */
struct report_seen {
	struct { const char *code; size_t count; } *v;
	size_t n;
};

static size_t report_same_code(struct report_seen *seen, const char *code)
{
	size_t i;

	for (i = 0; i < seen->n && strcmp(seen->v[i].code, code) != 0; i++)
		;
	if (i == seen->n) {
		seen->v = xreallocarray(seen->v, seen->n + 1, sizeof(*seen->v));
		seen->v[i].code = code;
		seen->v[i].count = 0;
		seen->n++;
	}
	return ++seen->v[i].count;
}

/* The counted rest of each code, then forget the group. */
static void report_same_code_tail(struct report_seen *seen, unsigned *n, struct buf *out)
{
	for (size_t i = 0; i < seen->n; i++) {
		if (seen->v[i].count > REPORT_MAX_SAME_CODE)
			buf_printf(out, "  %u. 另有%zu个文件存在与上面相同的问题，不逐一列出。\n",
				   ++*n, seen->v[i].count - REPORT_MAX_SAME_CODE);
	}
	seen->n = 0;
}

static void report_defects(const struct check *ck, struct buf *out)
{
	const struct rules_result *r = ck->rules;
	struct report_seen seen = { 0 };
	size_t group = 0;

	/* one group per case that has defects, then the mail's own */
	for (int ci = 0; ci <= (int)r->ncases; ci++) {
		int want = ci < (int)r->ncases ? ci : -1;
		unsigned n = 0;
		for (size_t step = 0; step < 6 * r->ndefects; step++) {
			int rank = (int)(step / r->ndefects);
			const struct rules_defect *df = &r->defects[step % r->ndefects];
			if (df->case_index != want || report_rank(df) != rank)
				continue;
			if (n++ == 0) {
				const char *num = group < 10 ? cn_numbers[group] : "";
				if (want < 0)
					buf_printf(out, "\n%s、%s\n", num, r->ncases > 0 ? "其他问题" : "问题");
				else if (r->cases[want].company[0] == '\0')
					buf_printf(out, "\n%s、案例《%s》\n", num, r->cases[want].name);
				else
					buf_printf(out, "\n%s、案例《%s》（%s）\n", num,
						   r->cases[want].name, r->cases[want].company);
				group++;
			}
			if (report_same_code(&seen, df->code) > REPORT_MAX_SAME_CODE) {
				n--;
				continue;
			}
			buf_printf(out, "  %u. %s%s\n", n,
				   df->severity == RULES_WARNING ? "【建议】" : "", df->detail);
		}
		report_same_code_tail(&seen, &n, out);
	}
	free(seen.v);
}

void report_render(const struct check *ck, const char *receipt, struct buf *out)
{
	const struct campaign *c = ck->campaign;
	const struct rules_result *r = ck->rules;
	char arrival[64] = "", deadline[64];
	bool warnings = false;

	if (ck->has_arrival)
		datetime_format_zh(ck->arrival, c->tz_offset, arrival, sizeof(arrival));
	datetime_format_zh(c->deadline, c->tz_offset, deadline, sizeof(deadline));
	const struct rules_var vars[] = {
		{ "sender", ck->sender_name != NULL ? ck->sender_name : "" },
		{ "arrival", arrival }, { "campaign_name", c->name },
		{ "subject", ck->subject != NULL ? ck->subject : "（无主题）" },
		{ "deadline", deadline }, { "contact", c->contact },
		{ "receipt", receipt != NULL ? receipt : "" },
	};
	const size_t nvars = sizeof(vars) / sizeof(vars[0]);

	if (r->verdict == RULES_IGNORED) {
		buf_printf(out, "（不回复：%s%s）\n", r->ignored_reason,
			   r->needs_human ? "，需要人工查看" : "");
		return;
	}
	report_line(out, c, "greeting", vars, nvars);
	buf_putc(out, '\n');
	report_line(out, c, "received", vars, nvars);
	if (receipt != NULL)
		buf_printf(out, "受理编号：%s\n", receipt);
	buf_putc(out, '\n');
	report_received(ck, out);
	buf_putc(out, '\n');
	for (size_t d = 0; d < r->ndefects; d++)
		warnings |= r->defects[d].severity == RULES_WARNING;
	report_line(out, c, r->verdict == RULES_REJECTED ? "rejected" :
		    warnings ? "accepted_warnings" : "accepted", vars, nvars);
	report_defects(ck, out);
	buf_putc(out, '\n');
	report_line(out, c, "deadline", vars, nvars);
	buf_putc(out, '\n');
	report_line(out, c, "footer", vars, nvars);
}
