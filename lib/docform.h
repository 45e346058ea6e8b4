#ifndef CASEMAIL_DOCFORM_H
#define CASEMAIL_DOCFORM_H
/* docform: reading what a person wrote into a Word document, from its
 * doctext (doctext.h). Pure functions, no I/O; the campaign decides what
 * to look for (rules_content.c).
 *
 * Forms (微创新 申报表, 好服务 推荐表) are tables of label cells and value
 * cells. A label cell starts with the label, compared without blanks and
 * with full-width ASCII as half-width, followed by nothing, a remark in
 * brackets ("应用场景（200字以内）") or a colon ("取得成效显著…" is a
 * value, not the label 取得成效). Its value is what follows the colon in
 * the cell, else the next cell of the row; when the label ends its row,
 * the row below if that holds no label (of at most
 * DOCFORM_MAX_LABEL_WORDS 字). People who retype the
 * form as paragraphs write "投入成本：约3万元": a paragraph that starts
 * with the label and ":"/"：", or is the label alone, takes the rest of
 * the paragraph and the paragraphs after it up to the next label.
 *
 * Case material (好服务 案例材料) has sections: a heading paragraph
 * outside tables holding a section name, optionally numbered ("（二）",
 * "(2)", "二、", "2.", "第二部分") and followed by nothing, a remark in
 * brackets, or ":" and the first words of the section. A section runs to
 * the next section heading; its 字数 counts its paragraphs and tables. */
#include "doctext.h"
#include "strlist.h"

#include <stdbool.h>
#include <stddef.h>

#define DOCFORM_MAX_LABEL_WORDS 40

/* The value of the form field label in dt: *value_r malloc'd (paragraphs
 * joined by '\n', possibly ""), true; false if the label is not found.
 * labels: every label of the form, where a value stops. value_r may
 * be NULL. */
bool docform_field(const struct doctext *dt, const char *label,
		   const struct strlist *labels, char **value_r);

/* The text of cell (t, r, c) appended to out, its paragraphs joined by
 * sep. Returns whether the cell exists. */
bool docform_cell(const struct doctext *dt, int t, int r, int c, const char *sep,
		  struct buf *out);

/* Which options a choice field's value ticks. A tick is ☑ ☒ ■ √ ✓ ✔ ▣ ●
 * right before the option, an empty box □ ☐ ○ is not.
 * When the value has no boxes at all, the options written in it are
 * chosen. Sets chosen[i] for each of the n options; returns how many. */
size_t docform_choices(const char *value, const char *const *options, size_t n,
		       bool *chosen);

struct docform_section {
	bool found;
	size_t heading;          /* index of the heading paragraph */
	size_t words;            /* 字数 of the section's text */
	bool inline_text;        /* the heading paragraph goes on with text */
};

/* Find the sections names (n of them) in dt into out[n]. *title_r: the
 * index of the title paragraph (the first text outside tables before the
 * first section), or (size_t)-1. Returns how many were found. */
size_t docform_sections(const struct doctext *dt, const char *const *names, size_t n,
			struct docform_section *out, size_t *title_r);
/* Whether paragraph i is a section heading (of any of the names). */
bool docform_is_heading(const struct doctext *dt, size_t i, const char *const *names,
			size_t n);

/* A date as people write it: "2018年6月", "2019.12", "2020-01-01",
 * "2020年1月1日", "2019年"; the first one in s. Month and day 0 when
 * not given. */
bool docform_date(const char *s, int *year, int *month, int *day);
/* A rate in percent: "95%", "92.5％", "0.88" (a fraction), "百分之九十五",
 * "九成"; the first one in s. */
bool docform_rate(const char *s, double *percent);

/* 字数 of the document's text outside headers and footers. */
size_t docform_words(const struct doctext *dt);

/* Copy of s without blanks, full-width ASCII as half-width. */
char *docform_norm(const char *s);

#endif
