/* rules_content: what the Word documents say, against the campaign's
 * [content] section. All warnings: the notices ask for these, staff
 * checked them by opening every file, and a submitter can fix them, but
 * none makes a submission unusable.
 *
 *   - a form (微创新 申报表, form_fields): every field present and filled,
 *     choice fields (form_choices "案例类型: 技术微创新|服务微创新|…")
 *     with exactly one option, word_limits per field → doc.form_field,
 *     doc.word_count;
 *   - case material (好服务, sections): the sections found and measured
 *     against word_limits ("小区简介: 100" a maximum, "问题诊断: ~500" =
 *     500字左右, over by more than about_tolerance percent), missing
 *     sections → doc.section, doc.word_count; its layout (format_fonts,
 *     title/heading/body size and bold, body line spacing, page numbers)
 *     → one doc.format listing what differs;
 *   - a recommendation form (好服务 推荐表 in Word: a table with
 *     delivery_label and fee_rate_label): 交付时间 not before
 *     delivered_before, 收缴率 under fee_rate_min → doc.recommendation.
 *
 * Which documents: every readable Word file of the mail. A form check
 * runs on files that hold at least one form field (a 微创新 Word file
 * without any is reported as not being the form); section and format
 * checks on files that hold at least two section headings (with fewer
 * it is not case material, or not written after 附件2: one doc.section);
 * recommendation checks on files that hold the labels in a table. A
 * 推荐表 or 汇总清单 (by its name) is never taken for case material.
 * Format is judged only where the document says it (DOCX). */
#include "rules_private.h"
#include "campaign.h"
#include "docform.h"
#include "doctext.h"
#include "selected.h"
#include "wordcount.h"
#include "buf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of the "name: value" entry of list for name (blanks after
 * the colon skipped), or NULL. */
static const char *content_entry(const struct strlist *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *e = list->v[i], *colon = strchr(e, ':');
		size_t n;

		if (colon == NULL)
			continue;
		n = (size_t)(colon - e);
		while (n > 0 && e[n - 1] == ' ')
			n--;
		if (n != strlen(name) || strncmp(e, name, n) != 0)
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		return colon;
	}
	return NULL;
}

/* One word_limits entry: "name: 200" or "name: ~500". */
static bool content_limit(const struct campaign *c, const char *name, size_t *limit_r,
			  bool *about_r)
{
	const char *v = content_entry(&c->word_limits, name);

	if (v == NULL)
		return false;
	*about_r = *v == '~';
	*limit_r = strtoul(v + *about_r, NULL, 10);
	return *limit_r > 0;
}

static void content_words(struct rules_ctx *x, size_t file, const char *what,
			  size_t words)
{
	const struct campaign *c = x->c;
	size_t limit, over;
	bool about;
	char count[24], lim[24];

	if (!content_limit(c, what, &limit, &about))
		return;
	over = about ? limit + limit * c->about_tolerance / 100 : limit;
	if (words <= over)
		return;
	snprintf(count, sizeof(count), "%zu", words);
	snprintf(lim, sizeof(lim), "%zu", limit);
	{
		const struct rules_var vars[] = {
			{ "name", x->m->files[file].name }, { "field", what },
			{ "count", count }, { "limit", lim },
		};

		rules_defect(x, "doc.word_count", about ? "doc.word_count.about" : NULL,
			     x->m->files[file].path, -1, vars, 4);
	}
}

static void content_defect1(struct rules_ctx *x, size_t file, const char *code,
			    const char *msgkey, const char *k2, const char *v2,
			    const char *k3, const char *v3)
{
	const struct rules_var vars[] = {
		{ "name", x->m->files[file].name }, { k2, v2 }, { k3 != NULL ? k3 : "-", v3 },
	};

	rules_defect(x, code, msgkey, x->m->files[file].path, -1, vars, k3 != NULL ? 3 : 2);
}

/* "案例类型: 技术微创新|服务微创新|模式微创新" for field, split. */
static bool content_choice_of(const struct campaign *c, const char *field,
			      struct strlist *options)
{
	const char *p = content_entry(&c->form_choices, field);

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		char *o;

		while (len > 0 && *p == ' ')
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		o = xstrndup(p, len);
		if (o[0] != '\0')
			strlist_add(options, o);
		free(o);
		p = bar != NULL ? bar + 1 : NULL;
	}
	return options->n > 0;
}

static void content_join(struct buf *b, const char *s, const char *sep)
{
	if (b->len > 0)
		buf_puts(b, sep);
	buf_puts(b, s);
}

/* A choice field's value: one option, ticked or written. Options may be
 * written without a trailing "类" (客户服务 for 客户服务类). */
static void content_choice(struct rules_ctx *x, size_t file, const char *field,
			   const char *value)
{
	struct strlist options = STRLIST_INIT, shorter = STRLIST_INIT;
	struct buf all = BUF_INIT, chosen_names = BUF_INIT;
	bool *chosen;
	size_t n;

	if (!content_choice_of(x->c, field, &options))
		return;
	chosen = xcalloc(options.n, sizeof(*chosen));
	n = docform_choices(value, (const char *const *)options.v, options.n, chosen);
	if (n == 0) {
		for (size_t i = 0; i < options.n; i++) {
			size_t len = strlen(options.v[i]);
			char *s = xstrdup(options.v[i]);

			if (len > 3 && strcmp(s + len - 3, "类") == 0)
				s[len - 3] = '\0';
			strlist_add(&shorter, s);
			free(s);
		}
		n = docform_choices(value, (const char *const *)shorter.v, shorter.n, chosen);
	}
	for (size_t i = 0; i < options.n; i++) {
		content_join(&all, options.v[i], "、");
		if (chosen[i])
			content_join(&chosen_names, options.v[i], "、");
	}
	if (n > 1) {
		content_defect1(x, file, "doc.form_field", "doc.form_field.choice_many",
				"field", field, "chosen", buf_cstr(&chosen_names));
	} else if (n == 0) {
		char *v = docform_norm(value);
		bool marks = strstr(value, "\u25A1") != NULL || strstr(value, "\u2610") != NULL;

		if (v[0] == '\0' || marks)
			content_defect1(x, file, "doc.form_field", "doc.form_field.choice_none",
					"field", field, "options", buf_cstr(&all));
		else
			content_defect1(x, file, "doc.form_field", "doc.form_field.choice_other",
					"field", field, "options", buf_cstr(&all));
		free(v);
	}
	free(chosen);
	strlist_free(&options);
	strlist_free(&shorter);
	buf_free(&all);
	buf_free(&chosen_names);
}

static void content_form(struct rules_ctx *x, size_t file, const struct doctext *dt)
{
	const struct strlist *fields = &x->c->form_fields;
	struct buf missing = BUF_INIT, empty = BUF_INIT;
	char **values = xcalloc(fields->n, sizeof(*values));
	size_t found = 0;

	for (size_t i = 0; i < fields->n; i++)
		found += docform_field(dt, fields->v[i], fields, &values[i]);
	if (found == 0) {
		const struct rules_var vars[] = { { "name", x->m->files[file].name } };

		/* unless the document could not be read to the end */
		if (!dt->truncated)
			rules_defect(x, "doc.form_field", "doc.form_field.not_form",
				     x->m->files[file].path, -1, vars, 1);
		goto out;
	}
	for (size_t i = 0; i < fields->n; i++) {
		char *norm;

		if (values[i] == NULL) {
			content_join(&missing, fields->v[i], "、");
			continue;
		}
		norm = docform_norm(values[i]);
		if (norm[0] == '\0')
			content_join(&empty, fields->v[i], "、");
		free(norm);
		content_choice(x, file, fields->v[i], values[i]);
		content_words(x, file, fields->v[i], wordcount_str(values[i]));
	}
	if (missing.len > 0 && !dt->truncated)
		content_defect1(x, file, "doc.form_field", "doc.form_field.missing",
				"fields", buf_cstr(&missing), NULL, NULL);
	if (empty.len > 0)
		content_defect1(x, file, "doc.form_field", "doc.form_field.empty",
				"fields", buf_cstr(&empty), NULL, NULL);
out:
	for (size_t i = 0; i < fields->n; i++)
		free(values[i]);
	free(values);
	buf_free(&missing);
	buf_free(&empty);
}

/* Layout. */

static const struct { const char *name; int hp; } content_sizes[] = {
	{ "初号", 84 }, { "小初", 72 }, { "一号", 52 }, { "小一", 48 }, { "二号", 44 },
	{ "小二", 36 }, { "三号", 32 }, { "小三", 30 }, { "四号", 28 }, { "小四", 24 },
	{ "五号", 21 }, { "小五", 18 },
};

int rules_font_size(const char *s)
{
	char *end;
	double pt;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (size_t i = 0; i < sizeof(content_sizes) / sizeof(content_sizes[0]); i++) {
		size_t n = strlen(content_sizes[i].name);

		if (strncmp(s, content_sizes[i].name, n) == 0 &&
		    (s[n] == '\0' || strcmp(s + n, "号") == 0 || strcmp(s + n, "字") == 0))
			return content_sizes[i].hp;
	}
	pt = strtod(s, &end);
	if (end != s && pt > 0 && pt < 1000 && (strcmp(end, "pt") == 0 || strcmp(end, "磅") == 0))
		return (int)(pt * 2 + 0.5);
	return -1;
}

static void content_size_name(int hp, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof(content_sizes) / sizeof(content_sizes[0]); i++) {
		if (content_sizes[i].hp == hp) {
			snprintf(out, size, "%s", content_sizes[i].name);
			if (strcmp(content_sizes[i].name + 3, "号") != 0)
				snprintf(out, size, "%s号", content_sizes[i].name);
			return;
		}
	}
	snprintf(out, size, "%g磅", hp / 2.0);
}

static bool content_font_ok(const struct campaign *c, const char *font)
{
	char name[64];

	if (font[0] == '\0' || c->format_fonts.n == 0)
		return true;
	snprintf(name, sizeof(name), "%s", font);
	for (char *p = name; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	return strlist_contains_ci(&c->format_fonts, name);
}

/* The dominant value among body paragraphs, weighted by 字数. */
struct content_tally {
	char key[64];
	size_t words;
};

static void content_tally_add(struct content_tally *t, size_t *n, size_t max,
			      const char *key, size_t words)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(t[i].key, key) == 0) {
			t[i].words += words;
			return;
		}
	}
	if (*n < max) {
		snprintf(t[*n].key, sizeof(t[*n].key), "%s", key);
		t[(*n)++].words = words;
	}
}

static const char *content_tally_top(const struct content_tally *t, size_t n)
{
	const struct content_tally *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (best == NULL || t[i].words > best->words)
			best = &t[i];
	return best != NULL ? best->key : NULL;
}

static void content_line_name(const char *key, char *out, size_t size)
{
	if (key[0] == 'l')
		snprintf(out, size, "%g倍行距", atoi(key + 1) / 240.0);
	else
		snprintf(out, size, "固定值%g磅", atoi(key + 1) / 20.0);
}

#define CONTENT_TALLY 16

static void content_body_format(struct rules_ctx *x, const struct doctext *dt,
				const bool *is_body, struct buf *issues)
{
	const struct campaign *c = x->c;
	struct content_tally fonts[CONTENT_TALLY], sizes[CONTENT_TALLY], lines[CONTENT_TALLY];
	size_t nf = 0, ns = 0, nl = 0;
	const char *top;
	char key[64], name[64];
	int want;

	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];
		size_t w;

		if (!is_body[i] || (w = wordcount_str(p->text)) == 0)
			continue;
		if (p->font[0] != '\0')
			content_tally_add(fonts, &nf, CONTENT_TALLY, p->font, w);
		if (p->size > 0) {
			snprintf(key, sizeof(key), "%d", p->size);
			content_tally_add(sizes, &ns, CONTENT_TALLY, key, w);
		}
		snprintf(key, sizeof(key), p->line_exact > 0 ? "x%d" : "l%d",
			 p->line_exact > 0 ? p->line_exact : p->line > 0 ? p->line : 240);
		content_tally_add(lines, &nl, CONTENT_TALLY, key, w);
	}
	if ((top = content_tally_top(fonts, nf)) != NULL && !content_font_ok(c, top)) {
		buf_printf(issues, "%s正文字体为%s（要求%s）", issues->len ? "；" : "", top,
			   c->format_fonts.v[0]);
	}
	if ((want = rules_font_size(c->body_size)) > 0 &&
	    (top = content_tally_top(sizes, ns)) != NULL && atoi(top) != want) {
		content_size_name(atoi(top), name, sizeof(name));
		buf_printf(issues, "%s正文字号为%s（要求%s）", issues->len ? "；" : "", name,
			   c->body_size);
	}
	if (c->body_line_spacing > 0 && (top = content_tally_top(lines, nl)) != NULL &&
	    strcmp(top, (snprintf(key, sizeof(key), "l%d",
				  (int)(c->body_line_spacing * 240 + 0.5)), key)) != 0) {
		content_line_name(top, name, sizeof(name));
		buf_printf(issues, "%s正文行距为%s（要求%g倍行距）", issues->len ? "；" : "",
			   name, c->body_line_spacing);
	}
}

static void content_par_format(const struct campaign *c, const struct doctext_par *p,
			       const char *what, const char *size_want, bool bold_want,
			       struct buf *issues)
{
	int want = rules_font_size(size_want);
	char name[32];

	if (!content_font_ok(c, p->font))
		buf_printf(issues, "%s%s字体为%s（要求%s）", issues->len ? "；" : "", what,
			   p->font, c->format_fonts.v[0]);
	if (want > 0 && p->size > 0 && p->size != want) {
		content_size_name(p->size, name, sizeof(name));
		buf_printf(issues, "%s%s字号为%s（要求%s）", issues->len ? "；" : "", what, name,
			   size_want);
	}
	if (bold_want && p->bold == 0)
		buf_printf(issues, "%s%s未加粗", issues->len ? "；" : "", what);
}

static void content_format(struct rules_ctx *x, size_t file, const struct doctext *dt,
			   const struct docform_section *secs, size_t title)
{
	const struct campaign *c = x->c;
	bool *is_body = xcalloc(dt->npars ? dt->npars : 1, sizeof(*is_body));
	bool *is_heading = xcalloc(dt->npars ? dt->npars : 1, sizeof(*is_heading));
	struct buf issues = BUF_INIT;
	size_t first = dt->npars, headings_bad = 0;

	if (strcmp(dt->format, "docx") != 0)
		goto out;       /* .doc/.wps: the text is read, not its layout */
	for (size_t k = 0; k < c->sections.n; k++) {
		/* "（二）小区简介：阳光花园…" is a heading run into body text:
		   judged as body */
		if (secs[k].found && !secs[k].inline_text) {
			is_heading[secs[k].heading] = true;
			if (secs[k].heading < first)
				first = secs[k].heading;
		}
	}
	for (size_t k = 0; k < c->sections.n; k++)
		if (secs[k].found && secs[k].heading < first)
			first = secs[k].heading;
	for (size_t i = first; i < dt->npars; i++)
		is_body[i] = !is_heading[i] && !dt->pars[i].header && dt->pars[i].table < 0 &&
			     dt->pars[i].outline == 0;
	if (title != (size_t)-1)
		content_par_format(c, &dt->pars[title], "标题", c->title_size, c->title_bold,
				   &issues);
	for (size_t i = 0; i < dt->npars; i++) {
		struct buf one = BUF_INIT;

		if (!is_heading[i])
			continue;
		content_par_format(c, &dt->pars[i], "小标题", c->heading_size, c->heading_bold,
				   &one);
		if (one.len > 0 && headings_bad++ == 0)
			content_join(&issues, one.data, "；");
		buf_free(&one);
	}
	content_body_format(x, dt, is_body, &issues);
	if (c->page_numbers && !dt->page_number)
		buf_printf(&issues, "%s未加页码", issues.len ? "；" : "");
	if (issues.len > 0)
		content_defect1(x, file, "doc.format", NULL, "issues", buf_cstr(&issues),
				NULL, NULL);
out:
	free(is_body);
	free(is_heading);
	buf_free(&issues);
}

static bool content_named(const struct strlist *keywords, const char *name)
{
	return strlist_find_in(keywords, name) != NULL;
}

static void content_material(struct rules_ctx *x, size_t file, const struct doctext *dt)
{
	const struct campaign *c = x->c;
	struct docform_section *secs;
	struct buf missing = BUF_INIT, all = BUF_INIT;
	size_t found, title;

	if (content_named(&c->recommendation_keywords, x->m->files[file].name) ||
	    content_named(&c->summary_keywords, x->m->files[file].name))
		return;
	secs = xcalloc(c->sections.n, sizeof(*secs));
	found = docform_sections(dt, (const char *const *)c->sections.v, c->sections.n,
				 secs, &title);
	for (size_t k = 0; k < c->sections.n; k++) {
		content_join(&all, c->sections.v[k], "、");
		if (!secs[k].found)
			content_join(&missing, c->sections.v[k], "、");
	}
	if (found < 2) {
		/* a Word file of the case that is not case material (a 推荐表
		   not named so, a list of photos) says nothing here unless it
		   is the only document: then it was not written after 附件2 */
		if (found == 0 && !dt->truncated && docform_words(dt) > 300 &&
		    (c->delivery_label[0] == '\0' ||
		     !docform_field(dt, c->delivery_label, &c->sections, NULL)))
			content_defect1(x, file, "doc.section", "doc.section.none", "sections",
					buf_cstr(&all), NULL, NULL);
		goto out;
	}
	if (missing.len > 0 && !dt->truncated)
		content_defect1(x, file, "doc.section", NULL, "sections", buf_cstr(&missing),
				NULL, NULL);
	for (size_t k = 0; k < c->sections.n; k++)
		if (secs[k].found)
			content_words(x, file, c->sections.v[k], secs[k].words);
	content_format(x, file, dt, secs, title);
out:
	free(secs);
	buf_free(&missing);
	buf_free(&all);
}

static void content_recommendation(struct rules_ctx *x, size_t file, const struct doctext *dt)
{
	const struct campaign *c = x->c;
	struct strlist labels = STRLIST_INIT;
	char *value = NULL;

	if (c->delivery_label[0] != '\0')
		strlist_add(&labels, c->delivery_label);
	if (c->fee_rate_label[0] != '\0')
		strlist_add(&labels, c->fee_rate_label);
	if (c->delivery_label[0] != '\0' && c->delivered_before[0] != '\0' &&
	    docform_field(dt, c->delivery_label, &labels, &value)) {
		int y, m, d, by, bm, bd;

		/* the earliest day the value can mean is not before the limit */
		if (docform_date(value, &y, &m, &d) &&
		    docform_date(c->delivered_before, &by, &bm, &bd) &&
		    y * 10000 + (m > 0 ? m : 1) * 100 + (d > 0 ? d : 1) >=
		    by * 10000 + (bm > 0 ? bm : 1) * 100 + (bd > 0 ? bd : 1)) {
			char *v = docform_norm(value);

			content_defect1(x, file, "doc.recommendation",
					"doc.recommendation.delivered", "value", v, "before",
					c->delivered_before);
			free(v);
		}
	}
	free(value);
	value = NULL;
	if (c->fee_rate_label[0] != '\0' && c->fee_rate_min > 0 &&
	    docform_field(dt, c->fee_rate_label, &labels, &value)) {
		double pct;
		char min[16];

		snprintf(min, sizeof(min), "%g", c->fee_rate_min);
		if (docform_rate(value, &pct) && pct < c->fee_rate_min) {
			char *v = docform_norm(value);

			content_defect1(x, file, "doc.recommendation",
					"doc.recommendation.fee_rate", "value", v, "min", min);
			free(v);
		}
	}
	free(value);
	strlist_free(&labels);
}

/* 汇总清单 (附件4): rows, quota per city, and the mail's cases against it. */

char *rules_city_of(const char *recommender)
{
	static const char *const suffixes[] = {
		"物业管理行业协会", "物业管理协会", "物业服务协会", "物业行业协会", "物业协会",
		"物协", "协会",
	};
	char *s = docform_norm(recommender), *city, *p;

	/* "(市级物协)" remarks and the like */
	if ((p = strstr(s, "(")) != NULL)
		*p = '\0';
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (selected_cut_suffix(s, suffixes[i]))
			break;
	p = strstr(s, "省");
	p = p != NULL && p[3] != '\0' ? p + 3 : s;
	if (strstr(p, "自治区") != NULL && strstr(p, "自治区")[9] != '\0')
		p = strstr(p, "自治区") + 9;
	if (strstr(p, "市") != NULL)
		city = xstrndup(p, (size_t)(strstr(p, "市") - p) + 3);
	else if (p[0] != '\0')
		city = xasprintf("%s市", p);
	else
		city = xstrdup("");
	free(s);
	return city;
}

/* The columns of a 汇总清单 table: its header row's cells that start
 * with the configured names. */
struct content_sum_cols {
	int table, header_row;
	int col[3];              /* 小区, 申报单位, 推荐单位; -1 unknown */
};

static bool content_sum_header(const struct campaign *c, const struct doctext *dt,
			       struct content_sum_cols *sc)
{
	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];
		char *norm;

		if (p->table < 0 || p->header)
			continue;
		norm = docform_norm(p->text);
		for (int k = 0; k < 3; k++) {
			char *want = docform_norm(c->summary_columns.v[k]);
			const char *at = strstr(norm, want);

			/* "申报单位(物业服务企业)", "推荐单位(市级物协)", "项目名称" … */
			if (at != NULL && (at == norm || k == 0) && wordcount_str(p->text) <= 20) {
				if (sc->table != p->table || sc->header_row != p->row) {
					sc->table = p->table;
					sc->header_row = p->row;
					sc->col[0] = sc->col[1] = sc->col[2] = -1;
				}
				sc->col[k] = p->col;
			}
			free(want);
		}
		free(norm);
		if (sc->table >= 0 && sc->col[0] >= 0 && sc->col[2] >= 0)
			return true;
	}
	return false;
}

static char *content_cell_text(const struct doctext *dt, int t, int r, int c)
{
	struct buf b = BUF_INIT;

	(void)docform_cell(dt, t, r, c, " ", &b);
	return buf_steal(&b);
}

/* A row that is no case: empty, "……", "....." */
static bool content_row_empty(const char *place)
{
	char *n = docform_norm(place);
	bool empty = true;

	for (const char *p = n; *p != '\0' && empty; p += 1) {
		if (*p == '.' || *p == '-')
			continue;
		if (strncmp(p, "…", 3) == 0 || strncmp(p, "。", 3) == 0 ||
		    strncmp(p, "、", 3) == 0) {
			p += 2;
			continue;
		}
		empty = false;
	}
	free(n);
	return empty;
}

static size_t content_sum_rows(struct rules_ctx *x, size_t file, const struct doctext *dt,
			       const struct content_sum_cols *sc)
{
	struct rules_result *r = x->r;
	size_t first = r->nsummary_rows;
	int last_row = -1;

	for (size_t i = 0; i < dt->npars; i++)
		if (dt->pars[i].table == sc->table && dt->pars[i].row > last_row)
			last_row = dt->pars[i].row;
	for (int row = sc->header_row + 1; row <= last_row; row++) {
		char *place = content_cell_text(dt, sc->table, row, sc->col[0]);
		struct rules_summary_row *sr;

		if (content_row_empty(place)) {
			free(place);
			continue;
		}
		r->summary_rows = xreallocarray(r->summary_rows, r->nsummary_rows + 1,
						sizeof(*r->summary_rows));
		sr = &r->summary_rows[r->nsummary_rows++];
		sr->place = place;
		sr->company = sc->col[1] >= 0 ? content_cell_text(dt, sc->table, row, sc->col[1]) :
			      xstrdup("");
		sr->recommender = content_cell_text(dt, sc->table, row, sc->col[2]);
		sr->city = rules_city_of(sr->recommender);
		sr->file = x->m->files[file].path;
	}
	return first;
}

static void content_quota(struct rules_ctx *x, size_t file, size_t first)
{
	const struct campaign *c = x->c;
	const struct rules_result *r = x->r;

	for (size_t i = first; i < r->nsummary_rows; i++) {
		const char *city = r->summary_rows[i].city;
		size_t count = 0;
		unsigned limit;
		bool seen = false;
		char n[24], l[24];

		if (city[0] == '\0')
			continue;
		for (size_t k = first; k < r->nsummary_rows; k++) {
			seen |= k < i && strcmp(r->summary_rows[k].city, city) == 0;
			count += strcmp(r->summary_rows[k].city, city) == 0;
		}
		limit = campaign_quota_limit(c, city);
		if (seen || count <= limit)
			continue;
		snprintf(n, sizeof(n), "%zu", count);
		snprintf(l, sizeof(l), "%u", limit);
		{
			const struct rules_var vars[] = {
				{ "name", x->m->files[file].name }, { "city", city },
				{ "count", n }, { "limit", l },
			};

			rules_defect(x, "doc.quota", NULL, x->m->files[file].path, -1, vars, 4);
		}
	}
}

/* The mail's cases against the list: listed 小区 without material here,
 * cases here that the list lacks. */
static void content_sum_cross(struct rules_ctx *x, size_t file, size_t first)
{
	const struct rules_result *r = x->r;
	size_t np = r->nsummary_rows - first, nc = r->ncases;
	const char **places = xcalloc(np ? np : 1, sizeof(*places));
	const char **cases = xcalloc(nc ? nc : 1, sizeof(*cases));
	bool *place_found = xcalloc(np ? np : 1, sizeof(*place_found));
	bool *case_found = xcalloc(nc ? nc : 1, sizeof(*case_found));
	struct buf missing = BUF_INIT, unlisted = BUF_INIT;

	for (size_t i = 0; i < np; i++)
		places[i] = r->summary_rows[first + i].place;
	for (size_t k = 0; k < nc; k++)
		cases[k] = r->cases[k].name;
	selected_list_check(places, np, cases, nc, place_found, case_found);
	for (size_t i = 0; i < np; i++)
		if (!place_found[i])
			buf_printf(&missing, "%s《%s》", missing.len ? "、" : "", places[i]);
	for (size_t k = 0; k < nc; k++)
		if (!case_found[k])
			buf_printf(&unlisted, "%s《%s》", unlisted.len ? "、" : "", cases[k]);
	if (missing.len > 0)
		content_defect1(x, file, "doc.quota", "doc.quota.missing", "places",
				buf_cstr(&missing), NULL, NULL);
	if (unlisted.len > 0)
		content_defect1(x, file, "doc.quota", "doc.quota.unlisted", "cases",
				buf_cstr(&unlisted), NULL, NULL);
	free(places);
	free(cases);
	free(place_found);
	free(case_found);
	buf_free(&missing);
	buf_free(&unlisted);
}

static void content_summary(struct rules_ctx *x, size_t file, const struct doctext *dt)
{
	struct content_sum_cols sc = { .table = -1, .header_row = -1, .col = { -1, -1, -1 } };
	size_t first;

	if (!content_sum_header(x->c, dt, &sc))
		return;
	first = content_sum_rows(x, file, dt, &sc);
	if (x->r->nsummary_rows == first)
		return;
	content_quota(x, file, first);
	/* only where the list and its cases came together: a mail that
	   holds cases (a list sent alone is checked in the digest) */
	if (x->r->ncases > 0 && !dt->truncated)
		content_sum_cross(x, file, first);
}

void rules_check_content(struct rules_ctx *x)
{
	const struct campaign *c = x->c;

	for (size_t i = 0; i < x->m->nfiles; i++) {
		const struct rules_file *f = &x->m->files[i];
		struct doctext *dt;

		if (x->roles[i] != ROLE_WORD || f->text == NULL || f->facts == NULL ||
		    f->facts->damaged)
			continue;
		dt = doctext_parse(f->text, strlen(f->text));
		if (c->form_fields.n > 0)
			content_form(x, i, dt);
		if (c->sections.n > 0)
			content_material(x, i, dt);
		if (c->delivery_label[0] != '\0' || c->fee_rate_label[0] != '\0')
			content_recommendation(x, i, dt);
		if (c->quota_limit > 0 && c->summary_columns.n == 3)
			content_summary(x, i, dt);
		doctext_free(&dt);
	}
}

void rules_check_selected(struct rules_ctx *x)
{
	const struct campaign *c = x->c;
	struct rules_result *r = x->r;

	for (size_t i = 0; i < r->ncases && c->selected.n > 0; i++) {
		const struct selected_entry *e;
		char *place = NULL, *title = NULL, entry[512];

		if (!rules_key_split(r->cases[i].name, &place, &title)) {
			place = xstrdup(r->cases[i].name);
			title = xstrdup("");
		}
		e = selected_match(&c->selected, r->cases[i].company, place, title);
		if (e != NULL) {
			snprintf(entry, sizeof(entry), "%s %s%s%s%s", e->company, e->place,
				 e->title[0] != '\0' ? "《" : "", e->title,
				 e->title[0] != '\0' ? "》" : "");
			const struct rules_var vars[] = {
				{ "case", r->cases[i].name }, { "notice", c->already_selected_notice },
				{ "entry", entry },
			};

			rules_defect(x, "case.already_selected", NULL, NULL, (int)i, vars, 3);
		}
		free(place);
		free(title);
	}
}
