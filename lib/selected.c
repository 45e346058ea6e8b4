/* selected: the list of cases already selected (see selected.h). */
#include "selected.h"
#include "buf.h"
#include "charset.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELECTED_MAX_LINE 4096
#define SELECTED_MAX_ENTRIES 100000

/* Blanks and punctuation, after full-width folding. */
static bool selected_ignored(uint32_t c)
{
	if (c < 0x80)
		return isspace((int)c) || ispunct((int)c);
	return c == 0xA0 || (c >= 0x2000 && c <= 0x206F) ||   /* general punctuation */
	       (c >= 0x3000 && c <= 0x303F) ||                  /* CJK punctuation */
	       c == 0x00B7 || c == 0x30FB || c == 0xFF65 || c == 0xFE30 ||
	       (c >= 0xFE50 && c <= 0xFE6F);
}

char *selected_norm(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	struct buf b = BUF_INIT;
	size_t n;

	while (*s != '\0') {
		uint32_t c = charset_utf8_next(s, strnlen((const char *)s, 4), &n);

		if (c >= 0xFF01 && c <= 0xFF5E) {
			c -= 0xFEE0;
			if (!selected_ignored(c))
				buf_putc(&b, (char)tolower((int)c));
		} else if (c < 0x80) {
			if (!selected_ignored(c))
				buf_putc(&b, (char)tolower((int)c));
		} else if (!selected_ignored(c)) {
			buf_append(&b, s, n);
		}
		s += n;
	}
	return buf_steal(&b);
}

bool selected_cut_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (n <= k || strcmp(s + n - k, suffix) != 0)
		return false;
	s[n - k] = '\0';
	return true;
}

char *selected_norm_company(const char *str)
{
	static const char *const suffixes[] = {
		"股份有限公司", "有限责任公司", "有限公司", "公司", "集团",
	};
	char *s = selected_norm(str);

	for (int round = 0; round < 2; round++)   /* "集团有限公司" */
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
			selected_cut_suffix(s, suffixes[i]);
	return s;
}

char *selected_norm_place(const char *str)
{
	char *s = selected_norm(str);

	selected_cut_suffix(s, "小区");
	return s;
}

static char *selected_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int selected_load(const char *path, struct selected_list *l, char **error_r)
{
	FILE *f = fopen(path, "re");
	char line[SELECTED_MAX_LINE];
	unsigned no = 0;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	if (f == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = selected_trim(line), *bar1, *bar2;
		struct selected_entry *e;

		no++;
		if (s[0] == '\0' || s[0] == '#')
			continue;
		if ((bar1 = strchr(s, '|')) == NULL) {
			*error_r = xasprintf("%s:%u: expected 企业|小区|标题", path, no);
			goto out;
		}
		*bar1 = '\0';
		if ((bar2 = strchr(bar1 + 1, '|')) != NULL)
			*bar2 = '\0';
		if (l->n >= SELECTED_MAX_ENTRIES) {
			*error_r = xasprintf("%s:%u: more than %d cases", path, no,
					     SELECTED_MAX_ENTRIES);
			goto out;
		}
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		e = &l->v[l->n++];
		e->company = xstrdup(selected_trim(s));
		e->place = xstrdup(selected_trim(bar1 + 1));
		e->title = xstrdup(bar2 != NULL ? selected_trim(bar2 + 1) : "");
		e->ncompany = selected_norm_company(e->company);
		e->nplace = selected_norm_place(e->place);
		e->ntitle = selected_norm(e->title);
		if (e->nplace[0] == '\0') {
			*error_r = xasprintf("%s:%u: no 小区", path, no);
			goto out;
		}
	}
	if (ferror(f)) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	if (ret < 0)
		selected_free(l);
	return ret;
}

void selected_free(struct selected_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].company);
		free(l->v[i].place);
		free(l->v[i].title);
		free(l->v[i].ncompany);
		free(l->v[i].nplace);
		free(l->v[i].ntitle);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool selected_company_match(const char *a, const char *b)
{
	return a[0] != '\0' && b[0] != '\0' && (strstr(a, b) != NULL || strstr(b, a) != NULL);
}

const struct selected_entry *selected_match(const struct selected_list *l,
					    const char *company, const char *place,
					    const char *title)
{
	char *nc = selected_norm_company(company), *np = selected_norm_place(place);
	char *nt = selected_norm(title);
	const struct selected_entry *found = NULL;

	for (size_t i = 0; found == NULL && np[0] != '\0' && i < l->n; i++) {
		const struct selected_entry *e = &l->v[i];

		if (strcmp(e->nplace, np) != 0)
			continue;
		if (selected_company_match(e->ncompany, nc) ||
		    (e->ntitle[0] != '\0' && strcmp(e->ntitle, nt) == 0))
			found = e;
	}
	free(nc);
	free(np);
	free(nt);
	return found;
}

char *selected_norm_case_place(const char *case_name)
{
	const char *plus = strchr(case_name, '+');
	char *place, *n;

	if (plus == NULL || plus == case_name || plus[1] == '\0')
		return selected_norm_place(case_name);
	place = xstrndup(case_name, (size_t)(plus - case_name));
	n = selected_norm_place(place);
	free(place);
	return n;
}

void selected_list_check(const char *const *places, size_t np, const char *const *cases,
			 size_t nc, bool *place_found, bool *case_found)
{
	char **have = xcalloc(nc ? nc : 1, sizeof(*have));

	memset(place_found, 0, np * sizeof(*place_found));
	memset(case_found, 0, nc * sizeof(*case_found));
	for (size_t k = 0; k < nc; k++)
		have[k] = selected_norm_case_place(cases[k]);
	for (size_t i = 0; i < np; i++) {
		char *want = selected_norm_place(places[i]);

		for (size_t k = 0; k < nc; k++) {
			if (have[k][0] != '\0' && strstr(have[k], want) != NULL)
				place_found[i] = case_found[k] = true;
		}
		free(want);
	}
	for (size_t k = 0; k < nc; k++)
		free(have[k]);
	free(have);
}
