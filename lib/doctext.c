/* doctext: the line format of a document's text (see doctext.h). */
#include "doctext.h"
#include "charset.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCTEXT_MAX_PARS 20000

static bool doctext_cut(const struct buf *out)
{
	static const char cut[] = "#truncated\n";

	return out->len >= sizeof(cut) - 1 &&
	       memcmp(out->data + out->len - (sizeof(cut) - 1), cut, sizeof(cut) - 1) == 0;
}

/* Whether more bytes fit; if not, the buffer ends with "#truncated" and
 * nothing is added after it. */
static bool doctext_room(struct buf *out, size_t more)
{
	static const char cut[] = "#truncated\n";

	if (doctext_cut(out))
		return false;
	if (out->len + more + sizeof(cut) <= DOCTEXT_MAX)
		return true;
	if (out->len + sizeof(cut) - 1 <= DOCTEXT_MAX)
		buf_puts(out, cut);
	return false;
}

void doctext_put_meta(struct buf *out, const char *key, const char *value)
{
	size_t need = strlen(key) + 3 + (value != NULL ? strlen(value) : 0);

	if (!doctext_room(out, need))
		return;
	if (value != NULL)
		buf_printf(out, "#%s %s\n", key, value);
	else
		buf_printf(out, "#%s\n", key);
}

/* A font name as one attribute value: spaces and controls as '_'. */
static void doctext_put_font(struct buf *out, const char *font)
{
	buf_puts(out, " f=");
	for (const unsigned char *p = (const unsigned char *)font; *p != '\0'; p++)
		buf_putc(out, *p <= ' ' || *p == '=' ? '_' : (char)*p);
}

bool doctext_put_par(struct buf *out, const struct doctext_par *p, const char *text,
		     size_t text_len)
{
	struct buf line = BUF_INIT;
	bool ok;

	buf_putc(&line, 'p');
	if (p->table >= 0)
		buf_printf(&line, " c=%d.%d.%d", p->table, p->row, p->col);
	if (p->header)
		buf_puts(&line, " h=1");
	if (p->outline > 0)
		buf_printf(&line, " o=%d", p->outline);
	if (p->font[0] != '\0')
		doctext_put_font(&line, p->font);
	if (p->size > 0)
		buf_printf(&line, " s=%d", p->size);
	if (p->bold >= 0)
		buf_printf(&line, " b=%d", p->bold);
	if (p->line > 0)
		buf_printf(&line, " l=%d", p->line);
	if (p->line_exact > 0)
		buf_printf(&line, " lx=%d", p->line_exact);
	buf_putc(&line, '\t');
	for (size_t i = 0; i < text_len; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(&line, c < ' ' || c == 0x7F ? ' ' : (char)c);
	}
	buf_putc(&line, '\n');
	ok = doctext_room(out, line.len);
	if (ok)
		buf_append(out, line.data, line.len);
	buf_free(&line);
	return ok;
}

/* Reader. */

/* A bounded non-negative number from s[0..len); -1 if not one. */
static int doctext_num(const char *s, size_t len, int max)
{
	long v = 0;

	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : (int)v;
}

static void doctext_cell(struct doctext_par *p, const char *v, size_t len)
{
	const char *d1 = memchr(v, '.', len), *d2;
	int t, r, c;

	if (d1 == NULL)
		return;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - v));
	if (d2 == NULL)
		return;
	t = doctext_num(v, (size_t)(d1 - v), 100000);
	r = doctext_num(d1 + 1, (size_t)(d2 - d1 - 1), 100000);
	c = doctext_num(d2 + 1, len - (size_t)(d2 + 1 - v), 1000);
	if (t < 0 || r < 0 || c < 0)
		return;
	p->table = t;
	p->row = r;
	p->col = c;
}

static void doctext_attr(struct doctext_par *p, const char *k, size_t klen,
			 const char *v, size_t vlen)
{
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
	if (KEY("c"))
		doctext_cell(p, v, vlen);
	else if (KEY("h"))
		p->header = vlen == 1 && v[0] == '1';
	else if (KEY("o"))
		p->outline = doctext_num(v, vlen, 9) > 0 ? doctext_num(v, vlen, 9) : 0;
	else if (KEY("f") && vlen < sizeof(p->font) &&
		 charset_is_utf8(v, vlen)) {
		memcpy(p->font, v, vlen);
		p->font[vlen] = '\0';
	} else if (KEY("s"))
		p->size = doctext_num(v, vlen, 4000) > 0 ? doctext_num(v, vlen, 4000) : 0;
	else if (KEY("b"))
		p->bold = vlen == 1 && (v[0] == '0' || v[0] == '1') ? v[0] - '0' : -1;
	else if (KEY("l"))
		p->line = doctext_num(v, vlen, 100000) > 0 ? doctext_num(v, vlen, 100000) : 0;
	else if (KEY("lx"))
		p->line_exact = doctext_num(v, vlen, 100000) > 0 ?
				doctext_num(v, vlen, 100000) : 0;
#undef KEY
}

static void doctext_par_line(struct doctext *dt, const char *s, size_t len)
{
	const char *tab = memchr(s, '\t', len), *a, *end;
	struct doctext_par *p;

	if (tab == NULL || dt->npars >= DOCTEXT_MAX_PARS)
		return;
	if (!charset_is_utf8(tab + 1, len - (size_t)(tab + 1 - s)))
		return;
	dt->pars = xreallocarray(dt->pars, dt->npars + 1, sizeof(*dt->pars));
	p = &dt->pars[dt->npars++];
	memset(p, 0, sizeof(*p));
	p->table = p->row = p->col = -1;
	p->bold = -1;
	for (a = s + 1, end = tab; a < end;) {
		const char *sp, *eq;

		while (a < end && *a == ' ')
			a++;
		sp = memchr(a, ' ', (size_t)(end - a));
		if (sp == NULL)
			sp = end;
		eq = memchr(a, '=', (size_t)(sp - a));
		if (eq != NULL)
			doctext_attr(p, a, (size_t)(eq - a), eq + 1, (size_t)(sp - eq - 1));
		a = sp;
	}
	p->text = xstrndup(tab + 1, len - (size_t)(tab + 1 - s));
	for (char *c = p->text; *c != '\0'; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7F)
			*c = ' ';       /* as the writer would have written it */
}

struct doctext *doctext_parse(const char *data, size_t len)
{
	struct doctext *dt = xcalloc(1, sizeof(*dt));
	size_t i = 0;

	while (i < len) {
		const char *s = data + i, *nl = memchr(s, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - i;

		i += n + 1;
		if (n >= 9 && memcmp(s, "#format ", 8) == 0) {
			size_t fl = n - 8 < sizeof(dt->format) ? n - 8 : sizeof(dt->format) - 1;

			memcpy(dt->format, s + 8, fl);
			dt->format[fl] = '\0';
			if (!charset_is_utf8(dt->format, fl))
				dt->format[0] = '\0';
		} else if (n == 8 && memcmp(s, "#pagenum", 8) == 0) {
			dt->page_number = true;
		} else if (n == 10 && memcmp(s, "#truncated", 10) == 0) {
			dt->truncated = true;
		} else if (n >= 2 && s[0] == 'p' && (s[1] == ' ' || s[1] == '\t')) {
			doctext_par_line(dt, s, n);
		}
	}
	return dt;
}

void doctext_free(struct doctext **dtp)
{
	struct doctext *dt = *dtp;

	if (dt == NULL)
		return;
	for (size_t i = 0; i < dt->npars; i++)
		free(dt->pars[i].text);
	free(dt->pars);
	free(dt);
	*dtp = NULL;
}
