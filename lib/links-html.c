/* links-html: see through an HTML mail body for links.c — tags dropped
 * (block tags become line ends), script/style/comments skipped, entities
 * decoded, URLs taken from href (never from img src: tracking pixels) and
 * from the visible text, title attributes read as text (QQ Mail puts
 * "到期时间：…" there). */
#include "links-private.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- HTML ------------------------------------------------------------------- */

static const struct { const char *name, *utf8; } links_entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "ensp", " " }, { "emsp", " " },
	{ "thinsp", " " }, { "middot", "·" }, { "hellip", "…" }, { "mdash", "—" },
	{ "ndash", "–" }, { "ldquo", "“" }, { "rdquo", "”" }, { "lsquo", "‘" },
	{ "rsquo", "’" }, { "yen", "¥" }, { "times", "×" }, { "copy", "©" },
	{ "reg", "®" },
};

/* s[0] == '&': append the character and return the bytes used, or 0 if
 * this is no entity we know (then '&' is literal). */
static size_t links_entity(const char *s, size_t n, struct buf *out)
{
	size_t i = 1;

	if (i < n && s[i] == '#') {
		bool hex = i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X');
		unsigned long cp = 0;
		size_t digits = 0;

		for (i += hex ? 2 : 1; i < n && digits < 8; i++, digits++) {
			char ch = s[i];
			int v = ch >= '0' && ch <= '9' ? ch - '0' :
				hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
				hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
		}
		if (digits == 0)
			return 0;
		/* at most 8 digits: fits 32 bits; NUL is no text, NBSP a space */
		buf_put_utf8(out, cp == 0 ? 0xfffd : cp == 0xa0 ? ' ' : (uint32_t)cp);
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	for (size_t k = 0; k < sizeof(links_entities) / sizeof(links_entities[0]); k++) {
		size_t len = strlen(links_entities[k].name);

		if (len + 2 <= n && s[len + 1] == ';' &&
		    memcmp(s + 1, links_entities[k].name, len) == 0) {
			buf_puts(out, links_entities[k].utf8);
			return len + 2;
		}
	}
	return 0;
}

static void links_decode_entities(const char *s, size_t n, struct buf *out)
{
	buf_truncate(out, 0);
	for (size_t i = 0; i < n; ) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t used;

		if (amp == NULL) {
			buf_append(out, s + i, n - i);
			break;
		}
		buf_append(out, s + i, (size_t)(amp - (s + i)));
		i = (size_t)(amp - s);
		used = links_entity(s + i, n - i, out);
		if (used == 0) {
			buf_putc(out, '&');
			used = 1;
		}
		i += used;
	}
}

static void links_html_text(struct links_ctx *c, const char *s, size_t n)
{
	if (n == 0)
		return;
	links_decode_entities(s, n, &c->tmp);
	links_scan_text(c, c->tmp.data, c->tmp.len);
}

static void links_html_href(struct links_ctx *c, const char *s, size_t n)
{
	size_t i = 0, end;

	links_decode_entities(s, n, &c->tmp);
	s = c->tmp.data;
	n = c->tmp.len;
	while (i < n && links_is_space((unsigned char)s[i]))
		i++;
	if (!(n - i > 7 && strncasecmp(s + i, "http://", 7) == 0) &&
	    !(n - i > 8 && strncasecmp(s + i, "https://", 8) == 0))
		return;
	for (end = i; end < n && (unsigned char)s[end] > ' ' && s[end] != 0x7f; end++)
		;
	buf_truncate(&c->url, 0);
	buf_append(&c->url, s + i, end - i);
	links_consider(c, c->flat.len, c->flat.len);
}

static bool links_tag_is(const char *name, size_t len, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strlen(list[i]) == len && strncasecmp(name, list[i], len) == 0)
			return true;
	}
	return false;
}

static const char *const links_block_tags[] = {
	"address", "article", "aside", "blockquote", "br", "caption", "center",
	"dd", "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1",
	"h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
	"p", "pre", "section", "table", "tbody", "tfoot", "thead", "title", "tr",
	"ul", NULL
};

/* Case-insensitive search for needle in s[from..n); n if absent. */
static size_t links_find_ci(const char *s, size_t n, size_t from, const char *needle)
{
	size_t len = strlen(needle);

	for (size_t i = from; i + len <= n; i++) {
		if (strncasecmp(s + i, needle, len) == 0)
			return i;
	}
	return n;
}

/* s[i] == '<'. Handle a tag, comment or declaration and return the index
 * after it, or i if it is none (the '<' is text then). */
static size_t links_html_tag(struct links_ctx *c, const char *s, size_t n, size_t i)
{
	const char *href = NULL, *title = NULL, *name;
	size_t href_len = 0, title_len = 0, name_len, p = i + 1;
	bool closing = false;

	if (p < n && s[p] == '!' && n - p >= 3 && s[p + 1] == '-' && s[p + 2] == '-') {
		p = links_find_ci(s, n, p + 3, "-->");
		return p == n ? n : p + 3;
	}
	if (p < n && (s[p] == '!' || s[p] == '?')) {
		const char *gt = memchr(s + p, '>', n - p);
		return gt == NULL ? n : (size_t)(gt - s) + 1;
	}
	if (p < n && s[p] == '/') {
		closing = true;
		p++;
	}
	name = s + p;
	if (p >= n || !((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z')))
		return i;
	while (p < n && ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z') ||
			 (s[p] >= '0' && s[p] <= '9') || s[p] == ':' || s[p] == '-'))
		p++;
	name_len = (size_t)(s + p - name);

	while (p < n && s[p] != '>') {
		const char *an, *val = NULL;
		size_t an_len, val_len = 0;

		if (links_is_space((unsigned char)s[p]) || s[p] == '/') {
			p++;
			continue;
		}
		an = s + p;
		while (p < n && !links_is_space((unsigned char)s[p]) && s[p] != '=' &&
		       s[p] != '>' && s[p] != '/')
			p++;
		an_len = (size_t)(s + p - an);
		if (an_len == 0) {   /* a stray '=' */
			p++;
			continue;
		}
		while (p < n && links_is_space((unsigned char)s[p]))
			p++;
		if (p < n && s[p] == '=') {
			p++;
			while (p < n && links_is_space((unsigned char)s[p]))
				p++;
			if (p < n && (s[p] == '"' || s[p] == '\'')) {
				const char *q = memchr(s + p + 1, s[p], n - p - 1);
				val = s + p + 1;
				val_len = (q == NULL ? (size_t)(s + n - val) : (size_t)(q - val));
				p = q == NULL ? n : (size_t)(q - s) + 1;
			} else {
				val = s + p;
				while (p < n && !links_is_space((unsigned char)s[p]) && s[p] != '>')
					p++;
				val_len = (size_t)(s + p - val);
			}
		}
		if (val != NULL && an_len == 4 && strncasecmp(an, "href", 4) == 0) {
			href = val;
			href_len = val_len;
		} else if (val != NULL && an_len == 5 && strncasecmp(an, "title", 5) == 0) {
			title = val;
			title_len = val_len;
		}
	}
	p = p < n ? p + 1 : n;

	if (!closing && (links_tag_is(name, name_len, (const char *const[]){ "script", "style", NULL }))) {
		char endtag[10];
		snprintf(endtag, sizeof(endtag), "</%.*s", (int)name_len, name);
		p = links_find_ci(s, n, p, endtag);
		if (p < n) {
			const char *gt = memchr(s + p, '>', n - p);
			p = gt == NULL ? n : (size_t)(gt - s) + 1;
		}
		return p;
	}
	if (links_tag_is(name, name_len, links_block_tags))
		links_flat_break(c);
	else if (links_tag_is(name, name_len, (const char *const[]){ "td", "th", NULL }))
		links_flat_append(c, " ", 1);
	if (title != NULL && title_len > 0) {
		/* QQ Mail keeps "到期时间：…" in the title of its attachment box */
		links_flat_break(c);
		links_html_text(c, title, title_len);
		links_flat_break(c);
	}
	if (href != NULL && !links_tag_is(name, name_len, (const char *const[]){ "link", "base", NULL }))
		links_html_href(c, href, href_len);
	return p;
}

void links_flatten_html(struct links_ctx *c, const char *s, size_t n)
{
	size_t i = 0, text = 0;

	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);
		size_t next;

		if (lt == NULL)
			break;
		i = (size_t)(lt - s);
		/* the tag's effects (anchors, line ends) come after the text before it */
		links_html_text(c, s + text, i - text);
		text = i;
		next = links_html_tag(c, s, n, i);
		if (next == i) {
			i++;       /* a '<' of text: part of the next text piece */
			continue;
		}
		i = text = next;
	}
	links_html_text(c, s + text, n - text);
}

bool links_looks_html(const char *s, size_t n)
{
	static const char *const tags[] = {
		"html", "head", "body", "div", "p", "br", "span", "a", "table",
		"td", "font", "meta", "img", "b", "blockquote", "style", "!doctype", NULL
	};

	for (const char *lt = memchr(s, '<', n); lt != NULL;
	     lt = memchr(lt + 1, '<', n - (size_t)(lt + 1 - s))) {
		size_t p = (size_t)(lt + 1 - s);

		if (p < n && s[p] == '/')
			p++;
		for (size_t k = 0; tags[k] != NULL; k++) {
			size_t len = strlen(tags[k]);

			if (p + len < n && strncasecmp(s + p, tags[k], len) == 0 &&
			    (links_is_space((unsigned char)s[p + len]) ||
			     s[p + len] == '>' || s[p + len] == '/'))
				return true;
		}
		if (p >= n)
			break;
	}
	return false;
}

