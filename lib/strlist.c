/* strlist: owned string lists with splitting and matching. */
#include "strlist.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static bool is_sep(const char *p, size_t *len_r)
{
	if (*p == ',') {
		*len_r = 1;
		return true;
	}
	if (strncmp(p, "，", 3) == 0 || strncmp(p, "、", 3) == 0) {
		*len_r = 3;
		return true;
	}
	return false;
}

void strlist_add_split(struct strlist *l, const char *s)
{
	const char *start = s;
	size_t seplen;

	for (const char *p = s; ; p++) {
		bool end = *p == '\0';
		if (!end && !is_sep(p, &seplen))
			continue;
		const char *a = start, *b = p;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			char *item = xstrndup(a, (size_t)(b - a));
			strlist_add(l, item);
			free(item);
		}
		if (end)
			break;
		p += seplen - 1;
		start = p + 1;
	}
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool strlist_contains_ci(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	}
	return false;
}

const char *strlist_find_in(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcasestr(s, l->v[i]) != NULL)
			return l->v[i];
	}
	return NULL;
}

const char *strlist_suffix_of(const struct strlist *l, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < l->n; i++) {
		size_t m = strlen(l->v[i]);
		if (m <= n && strcasecmp(s + n - m, l->v[i]) == 0)
			return l->v[i];
	}
	return NULL;
}
