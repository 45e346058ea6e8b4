/* rules_text: defect texts from templates, and the name helpers. */
#include "rules_private.h"
#include "buf.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rules_text_render(const char *tmpl, const struct rules_var *vars, size_t n)
{
	struct buf out = BUF_INIT;

	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *close;
		if (*p != '{' || (close = strchr(p, '}')) == NULL) {
			buf_putc(&out, *p);
			continue;
		}
		size_t len = (size_t)(close - p - 1);
		size_t i;
		for (i = 0; i < n; i++) {
			if (strlen(vars[i].name) == len && strncmp(vars[i].name, p + 1, len) == 0)
				break;
		}
		if (i == n) {
			buf_putc(&out, *p);
			continue;
		}
		buf_puts(&out, vars[i].value != NULL ? vars[i].value : "");
		p = close;
	}
	return buf_steal(&out);
}

void rules_defect(struct rules_ctx *x, const char *code, const char *msgkey,
		  const char *file, int case_index, const struct rules_var *vars,
		  size_t nvars)
{
	struct rules_result *r = x->r;
	const char *tmpl = campaign_message(x->c, msgkey != NULL ? msgkey : code);
	struct rules_defect *d;

	if (tmpl == NULL)
		tmpl = campaign_message(x->c, code);
	r->defects = xreallocarray(r->defects, r->ndefects + 1, sizeof(*d));
	d = &r->defects[r->ndefects++];
	d->code = code;
	d->severity = rules_code_severity(code);
	if (strcmp(code, "file.unsupported") == 0 && msgkey != NULL &&
	    strcmp(msgkey, "file.unsupported.executable") == 0)
		d->severity = RULES_ERROR; /* SPEC: error for executables and scripts */
	d->file = file != NULL ? xstrdup(file) : NULL;
	d->detail = tmpl != NULL ? rules_text_render(tmpl, vars, nvars) : xstrdup(code);
	d->case_index = case_index;
}

void rules_format_size(uint64_t n, char *out, size_t size)
{
	if (n >= 1024 * 1024)
		snprintf(out, size, "%.1fMB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(out, size, "%.0fKB", (double)n / 1024);
	else
		snprintf(out, size, "%u字节", (unsigned)n);
}

void rules_format_duration(double s, char *out, size_t size)
{
	long t = (long)(s + 0.5);

	if (t >= 60 && t % 60 == 0)
		snprintf(out, size, "%ld分钟", t / 60);
	else if (t >= 60)
		snprintf(out, size, "%ld分%02ld秒", t / 60, t % 60);
	else
		snprintf(out, size, "%ld秒", t);
}

char *rules_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	char *e;

	if (dot == NULL || dot == name || strlen(dot + 1) > 8)
		return xstrdup("");
	e = xstrdup(dot + 1);
	for (char *p = e; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return e;
}

char *rules_stem(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || dot == name || strlen(dot + 1) > 8)
		return xstrdup(name);
	return xstrndup(name, (size_t)(dot - name));
}

/* remarks people append to one version's name: 案例（盖章）.pdf */
static const char *const remark_words[] = {
	"盖章", "签章", "扫描", "PDF", "pdf", "Word", "word", "WORD", "版", "定稿", "最终",
};

static bool is_remark(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(remark_words) / sizeof(remark_words[0]); i++) {
		if (memmem(s, len, remark_words[i], strlen(remark_words[i])) != NULL)
			return true;
	}
	return false;
}

char *rules_case_key(const char *stem)
{
	struct buf b = BUF_INIT;
	const char *p = stem;

	/* "＋" → "+", drop blanks (ASCII and the ideographic space) */
	while (*p != '\0') {
		if (strncmp(p, "＋", 3) == 0) {
			buf_putc(&b, '+');
			p += 3;
		} else if (strncmp(p, "　", 3) == 0) {
			p += 3;
		} else if (*p == ' ' || *p == '\t') {
			p++;
		} else {
			buf_putc(&b, *p++);
		}
	}
	/* trailing remark in brackets: （盖章） (盖章版) 【PDF】 */
	for (;;) {
		static const char *const closes[] = { "）", ")", "】", "]" };
		static const char *const opens[] = { "（", "(", "【", "[" };
		bool cut = false;
		for (size_t i = 0; i < 4 && !cut; i++) {
			size_t cl = strlen(closes[i]);
			if (b.len < cl || strcmp(b.data + b.len - cl, closes[i]) != 0)
				continue;
			for (size_t j = 0; j < 4 && !cut; j++) {
				char *o = NULL;
				for (char *s = strstr(b.data, opens[j]); s != NULL;
				     s = strstr(s + 1, opens[j]))
					o = s;
				if (o == NULL)
					continue;
				const char *inner = o + strlen(opens[j]);
				size_t ilen = (size_t)(b.data + b.len - cl - inner);
				if (is_remark(inner, ilen)) {
					buf_truncate(&b, (size_t)(o - b.data));
					cut = true;
				}
			}
		}
		if (!cut)
			break;
	}
	/* "-盖章" / "_盖章版" suffixes */
	for (const char *sep = "-_"; *sep != '\0'; sep++) {
		char *s = b.data != NULL ? strrchr(b.data, *sep) : NULL;
		if (s != NULL && s > b.data && strchr(s, '+') == NULL &&
		    is_remark(s + 1, strlen(s + 1)) && strlen(s + 1) <= 12)
			buf_truncate(&b, (size_t)(s - b.data));
	}
	return buf_steal(&b);
}

bool rules_key_split(const char *key, char **a_r, char **b_r)
{
	const char *plus = strchr(key, '+');

	if (plus == NULL || plus == key || plus[1] == '\0')
		return false;
	if (a_r != NULL)
		*a_r = xstrndup(key, (size_t)(plus - key));
	if (b_r != NULL)
		*b_r = xstrdup(plus + 1);
	return true;
}

bool rules_is_company(const struct campaign *c, const char *name)
{
	char *key = rules_case_key(name);
	bool yes = strchr(key, '+') == NULL &&
		   strlist_suffix_of(&c->company_suffixes, key) != NULL;

	free(key);
	return yes;
}
