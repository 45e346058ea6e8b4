/* mimeparam: MIME header parameters with RFC 2231 and RFC 2047 decoding. */
#include "mimeparam.h"
#include "buf.h"
#include "charset.h"
#include "rfc2047.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One raw name=value pair as it stands in the header. */
struct rawparam {
	char *base;      /* lowercased name without the 2231 suffix */
	int section;     /* -1 when not a continuation */
	bool extended;   /* name ended in '*': value is charset'lang'pct-encoded */
	char *value;     /* raw bytes, quotes removed */
	size_t value_len;
};

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static char *trimmed_lower(const char *s, const char *e)
{
	const char *nul = memchr(s, '\0', (size_t)(e - s));
	char *r;

	/* the copy ends at a NUL: trim what is kept, not the whole range
	   (found by fuzz-mimeparam: "text \0x" gave "text ") */
	if (nul != NULL)
		e = nul;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	r = xstrndup(s, (size_t)(e - s));
	for (char *c = r; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return r;
}

/* name → base, section, extended */
static void rawparam_name(struct rawparam *rp, char *name)
{
	size_t n = strlen(name);
	char *star;

	rp->section = -1;
	rp->extended = false;
	if (n > 0 && name[n - 1] == '*') {
		rp->extended = true;
		name[--n] = '\0';
	}
	star = strrchr(name, '*');
	if (star != NULL && star[1] != '\0' &&
	    strspn(star + 1, "0123456789") == strlen(star + 1) &&
	    strlen(star + 1) <= 3) {
		rp->section = atoi(star + 1);
		*star = '\0';
	}
	rp->base = name;
}

/* Parse one value at p: a quoted string or everything up to ';'. */
static const char *parse_value(const char *p, const char *end, struct buf *v)
{
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p != '\r' && *p != '\n')
				buf_putc(v, *p);
		}
		if (p < end)
			p++; /* closing quote */
		/* junk after the quote up to ';' is dropped */
		while (p < end && *p != ';')
			p++;
		return p;
	}
	const char *s = p;
	while (p < end && *p != ';')
		p++;
	const char *e = p;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	for (const char *c = s; c < e; c++) {
		if (*c != '\r' && *c != '\n')
			buf_putc(v, *c);
	}
	return p;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static void pct_decode(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex(s[i + 1]) >= 0 &&
		    hex(s[i + 2]) >= 0) {
			buf_putc(out, (char)(hex(s[i + 1]) << 4 | hex(s[i + 2])));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* Order within one name: plain value, then "name*", then sections 0, 1, … */
static int rawparam_rank(const struct rawparam *rp)
{
	if (rp->section >= 0)
		return rp->section;
	return rp->extended ? -1 : -2;
}

static int rawparam_cmp(const void *a, const void *b)
{
	const struct rawparam *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	if (c != 0)
		return c;
	return rawparam_rank(x) - rawparam_rank(y);
}

/* Join the RFC 2231 sections of one parameter (sorted, same base). */
static char *join_2231(const struct rawparam *rp, size_t n)
{
	struct buf bytes = BUF_INIT, out = BUF_INIT;
	char charset[64] = "";

	for (size_t i = 0; i < n; i++) {
		const char *v = rp[i].value;
		size_t len = rp[i].value_len;

		if (rp[i].extended && i == 0) {
			/* charset'language'text */
			const char *q1 = memchr(v, '\'', len);
			const char *q2 = q1 ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - v)) : NULL;
			if (q2 != NULL) {
				size_t cl = (size_t)(q1 - v);
				if (cl < sizeof(charset)) {
					memcpy(charset, v, cl);
					charset[cl] = '\0';
				}
				len -= (size_t)(q2 + 1 - v);
				v = q2 + 1;
			}
		}
		if (rp[i].extended)
			pct_decode(v, len, &bytes);
		else
			buf_append(&bytes, v, len);
	}
	if (charset[0] != '\0')
		(void)charset_to_utf8(charset, buf_cstr(&bytes), bytes.len, &out);
	else
		charset_guess_to_utf8(buf_cstr(&bytes), bytes.len, &out);
	buf_free(&bytes);
	return buf_steal(&out);
}

static void add_param(struct mimeparams *r, const char *name, char *value)
{
	for (size_t i = 0; i < r->count; i++) {
		if (strcmp(r->params[i].name, name) == 0) {
			free(value); /* first one wins */
			return;
		}
	}
	r->params = xreallocarray(r->params, r->count + 1, sizeof(*r->params));
	r->params[r->count].name = xstrdup(name);
	r->params[r->count].value = value;
	r->count++;
}

void mimeparam_parse(const char *in, size_t len, struct mimeparams *r)
{
	const char *p = in, *end = in + len, *semi;
	struct rawparam raw[MIMEPARAM_MAX_PARAMS];
	size_t nraw = 0;

	memset(r, 0, sizeof(*r));
	semi = memchr(in, ';', len);
	r->value = trimmed_lower(in, semi ? semi : end);
	p = semi ? semi : end;

	while (p < end && nraw < MIMEPARAM_MAX_PARAMS) {
		const char *name_start, *eq;
		struct buf v = BUF_INIT;

		p = skip_ws(p, end);
		if (p < end && *p == ';') {
			p++;
			continue;
		}
		name_start = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		if (p == end || *p == ';')
			continue; /* a bare word: no value */
		eq = p;
		p = parse_value(skip_ws(eq + 1, end), end, &v);
		raw[nraw].value_len = v.len;
		raw[nraw].value = buf_steal(&v);
		rawparam_name(&raw[nraw], trimmed_lower(name_start, eq));
		if (raw[nraw].base[0] == '\0' ||
		    raw[nraw].section >= MIMEPARAM_MAX_SECTIONS) {
			free(raw[nraw].base);
			free(raw[nraw].value);
			continue;
		}
		nraw++;
	}

	/* RFC 2231 parameters first (they win), then plain ones */
	qsort(raw, nraw, sizeof(raw[0]), rawparam_cmp);
	for (size_t i = 0; i < nraw; ) {
		size_t j = i + 1;
		while (j < nraw && strcmp(raw[j].base, raw[i].base) == 0)
			j++;
		/* sections of one name: i..j; the 2231 group is the entries with
		   section >= 0 or extended */
		size_t k = i;
		while (k < j && raw[k].section < 0 && !raw[k].extended)
			k++;
		size_t m = k;
		while (m < j && (raw[m].section >= 0 || raw[m].extended))
			m++;
		if (m > k)
			add_param(r, raw[i].base, join_2231(&raw[k], m - k));
		i = j;
	}
	for (size_t i = 0; i < nraw; i++) {
		if (raw[i].section < 0 && !raw[i].extended)
			add_param(r, raw[i].base,
				  rfc2047_decode_str(raw[i].value, raw[i].value_len));
	}
	for (size_t i = 0; i < nraw; i++) {
		free(raw[i].base);
		free(raw[i].value);
	}
}

const char *mimeparam_get(const struct mimeparams *p, const char *name)
{
	for (size_t i = 0; i < p->count; i++) {
		if (strcmp(p->params[i].name, name) == 0)
			return p->params[i].value;
	}
	return NULL;
}

void mimeparam_free(struct mimeparams *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->params[i].name);
		free(p->params[i].value);
	}
	free(p->params);
	free(p->value);
	memset(p, 0, sizeof(*p));
}
