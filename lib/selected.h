#ifndef CASEMAIL_SELECTED_H
#define CASEMAIL_SELECTED_H
/* selected: cases selected in an earlier list (好服务: the cases of
 * 中物协〔2026〕3号, "已入选的…案例不再重复申报"), read from a text file
 * in conf/campaigns/ and matched against the cases of a mail.
 *
 * File: UTF-8, one case a line, "企业|小区|标题" (the title may be left
 * out); blank lines and lines starting with '#' are skipped.
 *
 * Matching forgives how people write names: full-width letters, digits
 * and signs as half-width, ASCII case, blanks and punctuation (“”《》、，
 * ·- …) are ignored; a 小区 matches with or without a trailing "小区";
 * companies match when one contains the other after dropping 股份有限公司,
 * 有限责任公司, 有限公司, 集团, 公司 at the end. A case is the selected one
 * when the 小区 matches and the company or the title does. */
#include <stdbool.h>
#include <stddef.h>

struct selected_entry {
	char *company, *place, *title;    /* as written in the file */
	char *ncompany, *nplace, *ntitle; /* normalised */
};

struct selected_list {
	struct selected_entry *v;
	size_t n;
};

/* Read path. Returns 0, or -1 with *error_r (malloc'd, "FILE:LINE: …"). */
int selected_load(const char *path, struct selected_list *l, char **error_r);
void selected_free(struct selected_list *l);
/* The entry this case is, or NULL. company may be "" (unknown). */
const struct selected_entry *selected_match(const struct selected_list *l,
					    const char *company, const char *place,
					    const char *title);
/* A 汇总清单 against the cases received: case k ("小区+标题") is listed
 * entry i when its normalised 小区 contains entry i's normalised 小区.
 * Sets place_found[0..np) and case_found[0..nc). */
void selected_list_check(const char *const *places, size_t np, const char *const *cases,
			 size_t nc, bool *place_found, bool *case_found);
/* The normalised 小区 of a case name: the part before its '+' (when both
 * parts are non-empty), else the whole name. malloc'd. */
char *selected_norm_case_place(const char *case_name);
/* Cut suffix off the end of s when s is longer and ends with it. */
bool selected_cut_suffix(char *s, const char *suffix);
/* Normalised copies (malloc'd), exposed for tests. */
char *selected_norm(const char *s);
char *selected_norm_company(const char *s);
char *selected_norm_place(const char *s);

#endif
