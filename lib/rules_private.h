#ifndef CASEMAIL_RULES_PRIVATE_H
#define CASEMAIL_RULES_PRIVATE_H
/* Internals shared by rules.c, rules_group.c and rules_text.c. */
#include "rules.h"

#include <regex.h>

enum rules_role {
	ROLE_SKIP,      /* container, unreadable entry */
	ROLE_WORD, ROLE_PDF,
	ROLE_PHOTO,     /* image meant as a photo */
	ROLE_SCAN,      /* image of a document (推荐表.jpg, 证书扫描.jpg) */
	ROLE_VIDEO,
	ROLE_EXEC,
	ROLE_OTHER,
};

struct rules_ctx {
	const struct campaign *c;
	const struct rules_mail *m;
	struct rules_result *r;
	enum rules_role *roles;      /* per file */
	int *case_of;                /* per file: case index, -1 none */
	bool *damaged;               /* per file: file.damaged reported */
	bool contents_unknown;       /* an archive could not be read */
	regex_t *camera;
	size_t ncamera;
};

struct rules_var {
	const char *name, *value;
};

/* rules_text.c */
/* Replace {name} by its value; unknown names stay as they are. */
char *rules_text_render(const char *tmpl, const struct rules_var *vars, size_t n);
/* Add a defect: the text is [messages] msgkey (or code when msgkey is NULL). */
void rules_defect(struct rules_ctx *x, const char *code, const char *msgkey,
		  const char *file, int case_index, const struct rules_var *vars,
		  size_t nvars);
/* "1.3MB", "350KB" */
void rules_format_size(uint64_t n, char *out, size_t size);
/* "5分05秒", "42秒" */
void rules_format_duration(double s, char *out, size_t size);

/* names (rules_text.c) */
/* malloc'd lowercase extension without the dot ("" when none) */
char *rules_ext(const char *name);
/* malloc'd name without its extension */
char *rules_stem(const char *name);
/* Normalised case key of a stem: blanks trimmed, "＋" → "+", blanks
 * around "+" dropped, a trailing "（盖章）"-like remark removed. */
char *rules_case_key(const char *stem);
/* Split "A+B" (both parts non-empty) into malloc'd parts; false if not. */
bool rules_key_split(const char *key, char **a_r, char **b_r);
bool rules_is_company(const struct campaign *c, const char *name);

/* rules.c */
int rules_case_add(struct rules_ctx *x, const char *company, const char *name);
void rules_case_add_file(struct rules_ctx *x, int case_index, size_t file);
/* photo.count for a case (or the pool, case_index -1, where = text) */
void rules_photo_count(struct rules_ctx *x, int case_index, const char *where,
		       unsigned count, unsigned min, unsigned max);

/* rules_content.c: what the Word documents say ([content]) */
void rules_check_content(struct rules_ctx *x);
/* Cases found in the campaign's list of already selected cases. */
void rules_check_selected(struct rules_ctx *x);

/* rules_group.c */
void rules_group_stem(struct rules_ctx *x);
void rules_group_folder(struct rules_ctx *x);

#endif
