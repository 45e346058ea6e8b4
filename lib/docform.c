/* docform: forms and sections in a document's text (see docform.h). */
#include "docform.h"
#include "buf.h"
#include "charset.h"
#include "wordcount.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One code point of the NUL-terminated s (valid UTF-8: doctext_parse()
 * checked it); *n its length. */
static uint32_t docform_cp(const char *s, size_t *n)
{
	return charset_utf8_next(s, strnlen(s, 4), n);
}

static bool docform_blank(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000;
}

char *docform_norm(const char *s)
{
	struct buf b = BUF_INIT;
	size_t n;

	for (; *s != '\0'; s += n) {
		uint32_t c = docform_cp(s, &n);

		if (docform_blank(c))
			continue;
		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		buf_put_utf8(&b, c);
	}
	return buf_steal(&b);
}

static bool docform_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *docform_after_label(const char *text, const char *label_norm);

/* Whether text (normalised: norm) is label's cell: the label, then
 * nothing, a remark in brackets or a colon ("取得成效显著" is a value). */
static bool docform_is_label_text(const char *norm, const char *label_norm,
				  const char *text)
{
	return label_norm[0] != '\0' && docform_starts(norm, label_norm) &&
	       docform_after_label(text, label_norm) != NULL;
}

static bool docform_par_is_label(const struct doctext_par *p, const struct strlist *labels)
{
	char *norm = docform_norm(p->text);
	bool found = false;

	for (size_t i = 0; !found && i < labels->n; i++) {
		char *l = docform_norm(labels->v[i]);

		found = docform_is_label_text(norm, l, p->text) &&
			wordcount_str(p->text) <= DOCFORM_MAX_LABEL_WORDS;
		free(l);
	}
	free(norm);
	return found;
}

bool docform_cell(const struct doctext *dt, int t, int r, int c, const char *sep,
		  struct buf *out)
{
	bool found = false;

	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];

		if (p->header || p->table != t || p->row != r || p->col != c)
			continue;
		if (found)
			buf_puts(out, sep);
		buf_puts(out, p->text);
		found = true;
	}
	return found;
}

/* Whether a row holds a label cell. */
static bool docform_row_has_label(const struct doctext *dt, int t, int r,
				  const struct strlist *labels)
{
	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];

		if (!p->header && p->table == t && p->row == r &&
		    docform_par_is_label(p, labels))
			return true;
	}
	return false;
}

static int docform_row_last_col(const struct doctext *dt, int t, int r)
{
	int last = -1;

	for (size_t i = 0; i < dt->npars; i++)
		if (!dt->pars[i].header && dt->pars[i].table == t && dt->pars[i].row == r &&
		    dt->pars[i].col > last)
			last = dt->pars[i].col;
	return last;
}

/* Whether cell (t, r, c) exists and holds no text: the lower part of a
 * label cell merged down over several rows (w:vMerge). */
static bool docform_cell_empty(const struct doctext *dt, int t, int r, int c)
{
	struct buf b = BUF_INIT;
	bool exists = docform_cell(dt, t, r, c, "", &b), empty;
	char *norm = docform_norm(buf_cstr(&b));

	empty = exists && norm[0] == '\0';
	free(norm);
	buf_free(&b);
	return empty;
}

static void docform_cell_value(const struct doctext *dt, const struct doctext_par *p,
			       const struct strlist *labels, struct buf *out)
{
	if (p->col < docform_row_last_col(dt, p->table, p->row)) {
		(void)docform_cell(dt, p->table, p->row, p->col + 1, "\n", out);
		/* the label cell merged down: its value goes on in the rows
		   whose label cell is the empty lower part of the merge */
		for (int r = p->row + 1; docform_cell_empty(dt, p->table, r, p->col) &&
		     !docform_row_has_label(dt, p->table, r, labels); r++) {
			buf_putc(out, '\n');
			(void)docform_cell(dt, p->table, r, p->col + 1, "\n", out);
		}
		return;
	}
	/* the label ends its row: the value is the row below, unless it is
	   the next label's */
	if (docform_row_has_label(dt, p->table, p->row + 1, labels))
		return;
	for (int c = 0; c <= docform_row_last_col(dt, p->table, p->row + 1); c++) {
		if (out->len > 0)
			buf_putc(out, '\n');
		(void)docform_cell(dt, p->table, p->row + 1, c, "\n", out);
	}
}

/* After the label at the start of a paragraph: what follows a colon. */
static const char *docform_after_label(const char *text, const char *label_norm)
{
	size_t matched = 0, want = strlen(label_norm), n;
	const char *s = text;

	/* walk text until the normalised label is consumed */
	while (*s != '\0' && matched < want) {
		uint32_t c = docform_cp(s, &n);

		if (!docform_blank(c))
			matched += c >= 0xFF01 && c <= 0xFF5E ? 1 : n;
		s += n;
	}
	/* a remark in brackets, then ":" */
	while (*s == ' ')
		s++;
	if (docform_starts(s, "（") || *s == '(') {
		const char *close = strstr(s, *s == '(' ? ")" : "）");

		if (close != NULL)
			s = close + (*s == '(' ? 1 : 3);
	}
	while (*s == ' ')
		s++;
	if (*s == ':')
		return s + 1;
	if (docform_starts(s, "："))
		return s + 3;
	return *s == '\0' ? s : NULL;
}

static void docform_par_value(const struct doctext *dt, size_t i, const char *rest,
			      const struct strlist *labels, struct buf *out)
{
	buf_puts(out, rest);
	for (size_t k = i + 1; k < dt->npars; k++) {
		const struct doctext_par *p = &dt->pars[k];

		if (p->header)
			continue;
		if (p->table >= 0 || p->outline > 0 || docform_par_is_label(p, labels))
			break;
		if (out->len > 0)
			buf_putc(out, '\n');
		buf_puts(out, p->text);
	}
}

bool docform_field(const struct doctext *dt, const char *label,
		   const struct strlist *labels, char **value_r)
{
	char *label_norm = docform_norm(label);
	struct buf out = BUF_INIT;
	bool found = false;

	for (size_t i = 0; !found && i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];
		char *norm;
		const char *rest;

		if (p->header)
			continue;
		norm = docform_norm(p->text);
		if (p->table >= 0 && docform_is_label_text(norm, label_norm, p->text)) {
			rest = docform_after_label(p->text, label_norm);
			while (*rest == ' ')
				rest++;
			if (*rest != '\0')
				buf_puts(&out, rest);       /* "投入成本：约3万元" in one cell */
			else
				docform_cell_value(dt, p, labels, &out);
			found = true;
		} else if (p->table < 0 && docform_starts(norm, label_norm) &&
			   (rest = docform_after_label(p->text, label_norm)) != NULL) {
			docform_par_value(dt, i, rest, labels, &out);
			found = true;
		}
		free(norm);
	}
	free(label_norm);
	if (value_r != NULL)
		*value_r = found ? buf_steal(&out) : NULL;
	buf_free(&out);
	return found;
}

/* Choices. */

static bool docform_is_tick(uint32_t c)
{
	return c == 0x2611 || c == 0x2612 || c == 0x25A0 || c == 0x221A || c == 0x2713 ||
	       c == 0x2714 || c == 0x25A3 || c == 0x25CF || c == 0x25FC || c == 0x2715 ||
	       c == 0x2716 || c == 0x2717;
}

static bool docform_is_box(uint32_t c)
{
	return c == 0x25A1 || c == 0x2610 || c == 0x25CB || c == 0x25FB || c == 0x274F ||
	       c == 0x2751;
}

/* The mark right before byte offset at in s: 1 tick, 0 empty box, -1 none. */
static int docform_mark_before(const char *s, size_t at)
{
	size_t i = at;

	while (i > 0) {
		size_t start = i - 1, n;
		uint32_t c;

		while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
			start--;
		c = docform_cp(s + start, &n);
		if (docform_blank(c)) {
			i = start;
			continue;
		}
		return docform_is_tick(c) ? 1 : docform_is_box(c) ? 0 : -1;
	}
	return -1;
}

static bool docform_has_marks(const char *s)
{
	size_t n;

	for (; *s != '\0'; s += n) {
		uint32_t c = docform_cp(s, &n);

		if (docform_is_tick(c) || docform_is_box(c))
			return true;
	}
	return false;
}

size_t docform_choices(const char *value, const char *const *options, size_t n,
		       bool *chosen)
{
	bool marks = docform_has_marks(value);
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(value, options[i]);

		chosen[i] = false;
		if (at == NULL)
			continue;
		chosen[i] = marks ? docform_mark_before(value, (size_t)(at - value)) == 1 : true;
		count += chosen[i];
	}
	return count;
}

/* Sections. */

static bool docform_is_numeral(uint32_t c)
{
	static const char digits[] = "一二三四五六七八九十";

	if (c >= '0' && c <= '9')
		return true;
	for (const char *d = digits; *d != '\0'; d += 3) {
		size_t n;

		if (docform_cp(d, &n) == c)
			return true;
	}
	return false;
}

/* Skip a heading number: "（二）" "(2)" "二、" "2." "2．" "第二部分" "第二章". */
static const char *docform_skip_number(const char *s)
{
	const char *p = s;
	size_t n;
	uint32_t c = docform_cp(p, &n);
	bool bracket = false;

	if (c == '(' || c == 0xFF08) {
		bracket = true;
		p += n;
	} else if (c == 0x7B2C) {     /* 第 */
		p += n;
	}
	if (!docform_is_numeral(docform_cp(p, &n)))
		return s;
	while (docform_is_numeral(docform_cp(p, &n)))
		p += n;
	c = docform_cp(p, &n);
	if (bracket) {
		if (c != ')' && c != 0xFF09)
			return s;
		return p + n;
	}
	if (c == 0x3001 || c == '.' || c == 0xFF0E || c == 0x3002 || c == ' ')
		return p + n;
	if (docform_starts(p, "部分") || docform_starts(p, "章"))
		return p + (docform_starts(p, "章") ? 3 : 6);
	return s;
}

/* Which of the names paragraph p is the heading of (n: none), and in
 * *rest_r what follows the name (a remark, ":" and text, or ""). */
static size_t docform_heading_of(const struct doctext_par *p, const char *const *names,
				 size_t n, const char **rest_r)
{
	const char *s = p->text;

	if (p->header || p->table >= 0)
		return n;
	while (*s == ' ')
		s++;
	s = docform_skip_number(s);
	while (*s == ' ' || docform_starts(s, "　"))
		s += *s == ' ' ? 1 : 3;
	for (size_t k = 0; k < n; k++)
		if (docform_starts(s, names[k]) &&
		    (*rest_r = docform_after_label(s, names[k])) != NULL)
			return k;
	return n;
}

bool docform_is_heading(const struct doctext *dt, size_t i, const char *const *names,
			size_t n)
{
	const char *rest;

	return docform_heading_of(&dt->pars[i], names, n, &rest) < n;
}

size_t docform_sections(const struct doctext *dt, const char *const *names, size_t n,
			struct docform_section *out, size_t *title_r)
{
	size_t cur = n, found = 0;

	*title_r = (size_t)-1;
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];
		const char *rest;
		size_t k;

		if (p->header)
			continue;
		k = docform_heading_of(p, names, n, &rest);
		if (k < n && !out[k].found) {
			out[k].found = true;
			out[k].heading = i;
			out[k].words = wordcount_str(rest);
			out[k].inline_text = out[k].words > 0;
			found++;
			cur = k;
			continue;
		}
		if (cur < n)
			out[cur].words += wordcount_str(p->text);
		else if (*title_r == (size_t)-1 && p->table < 0 && wordcount_str(p->text) > 0)
			*title_r = i;
	}
	return found;
}

/* Dates and rates. */

static const char *docform_digits(const char *s, int *v, int max_digits)
{
	int n = 0, val = 0;

	while (*s >= '0' && *s <= '9' && n < max_digits) {
		val = val * 10 + (*s - '0');
		s++;
		n++;
	}
	*v = n > 0 ? val : -1;
	return s;
}

bool docform_date(const char *s, int *year, int *month, int *day)
{
	char *norm = docform_norm(s);
	bool ok = false;

	*year = *month = *day = 0;
	for (const char *p = norm; *p != '\0' && !ok; p++) {
		int y, m = 0, d = 0;
		const char *q;

		if (p > norm && p[-1] >= '0' && p[-1] <= '9')
			continue;
		q = docform_digits(p, &y, 4);
		if (q - p != 4 || y < 1900 || y > 2100 || (*q >= '0' && *q <= '9'))
			continue;
		if (docform_starts(q, "年"))
			q += 3;
		else if (*q == '.' || *q == '-' || *q == '/')
			q++;
		else {
			*year = y;
			ok = true;
			break;
		}
		q = docform_digits(q, &m, 2);
		if (m >= 1 && m <= 12) {
			if (docform_starts(q, "月"))
				q += 3;
			else if (*q == '.' || *q == '-' || *q == '/')
				q++;
			q = docform_digits(q, &d, 2);
			if (d < 1 || d > 31)
				d = 0;
		} else {
			m = 0;
		}
		*year = y;
		*month = m;
		*day = d;
		ok = true;
	}
	free(norm);
	return ok;
}

/* A Chinese number up to 一百 ("九十五", "九十", "一百", "九五"). */
static bool docform_cn_number(const char *s, double *v)
{
	static const char *const digit[] = { "零", "一", "二", "三", "四", "五",
					     "六", "七", "八", "九" };
	double val = 0, cur = -1;
	bool any = false;

	for (;;) {
		int d = -1;

		for (int k = 0; k < 10; k++)
			if (docform_starts(s, digit[k]))
				d = k;
		if (d >= 0) {
			cur = cur < 0 ? d : cur * 10 + d;
			s += 3;
			any = true;
		} else if (docform_starts(s, "十")) {
			val += (cur < 0 ? 1 : cur) * 10;
			cur = -1;
			s += 3;
			any = true;
		} else if (docform_starts(s, "百")) {
			val += (cur < 0 ? 1 : cur) * 100;
			cur = -1;
			s += 3;
			any = true;
		} else {
			break;
		}
	}
	if (cur > 0)
		val += cur;
	*v = val;
	return any;
}

bool docform_rate(const char *s, double *percent)
{
	char *norm = docform_norm(s);
	bool ok = false;
	const char *p;

	if ((p = strstr(norm, "百分之")) != NULL && docform_cn_number(p + 9, percent)) {
		ok = true;
		goto out;
	}
	for (p = norm; *p != '\0'; p++) {
		char *end;
		double v;

		if (*p < '0' || *p > '9' || (p > norm && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		v = strtod(p, &end);
		if (*end == '%') {
			*percent = v;
			ok = v <= 100;
			break;
		}
		if (v > 0 && v <= 1 && end > p + 1) {
			*percent = v * 100;
			ok = true;
			break;
		}
		p = end - 1;
	}
	if (!ok && (p = strstr(norm, "成")) != NULL && p >= norm + 3 &&
	    docform_cn_number(p - 3, percent) && *percent < 10) {
		*percent *= 10;
		ok = true;
	}
out:
	free(norm);
	return ok;
}

size_t docform_words(const struct doctext *dt)
{
	size_t n = 0;

	for (size_t i = 0; i < dt->npars; i++)
		if (!dt->pars[i].header)
			n += wordcount_str(dt->pars[i].text);
	return n;
}
