#ifndef CASEMAIL_STRLIST_H
#define CASEMAIL_STRLIST_H
/* strlist: a growable list of owned strings, and the text matching the
 * rules need (suffix / substring tests on UTF-8 names). */
#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
};

#define STRLIST_INIT { NULL, 0 }

void strlist_add(struct strlist *l, const char *s);
/* Split on ",", "，" and "、", trim blanks, skip empty items, append. */
void strlist_add_split(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
/* Exact match, ASCII case-insensitive. */
bool strlist_contains_ci(const struct strlist *l, const char *s);
/* Some item is a substring of s (ASCII case-insensitive); returns it or NULL. */
const char *strlist_find_in(const struct strlist *l, const char *s);
/* s ends with some item (ASCII case-insensitive); returns it or NULL. */
const char *strlist_suffix_of(const struct strlist *l, const char *s);

#endif
