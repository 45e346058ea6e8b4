/* campaign: campaign files (INI via libinih) → struct campaign.
 * One declarative table names every key, its type and its default. */
#include "campaign.h"
#include "buf.h"
#include "datetime.h"
#include "docform.h"
#include "rules.h"
#include "xalloc.h"

#include "inifile.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum key_type { K_STR, K_LIST, K_BOOL, K_UINT, K_U64, K_DOUBLE, K_TIME, K_GROUPING };

struct key_def {
	const char *section, *name;
	enum key_type type;
	size_t offset;
	const char *def;         /* default as text, NULL = none */
	bool required;
};

#define F(field) offsetof(struct campaign, field)
static const struct key_def campaign_keys[] = {
	{ "campaign", "id", K_STR, F(id), NULL, true },
	{ "campaign", "name", K_STR, F(name), NULL, true },
	{ "campaign", "notice", K_STR, F(notice), "", false },
	{ "campaign", "addresses", K_LIST, F(addresses), NULL, true },
	{ "campaign", "deadline", K_TIME, F(deadline), NULL, true },
	{ "campaign", "grace_minutes", K_UINT, F(grace_minutes), "0", false },
	{ "campaign", "receipt_prefix", K_STR, F(receipt_prefix), NULL, true },
	{ "campaign", "contact", K_STR, F(contact), "协会", false },
	{ "campaign", "keywords", K_LIST, F(keywords), NULL, false },
	{ "cases", "grouping", K_GROUPING, F(grouping), NULL, true },
	{ "cases", "name_pattern", K_STR, F(name_pattern), "A+B", false },
	{ "cases", "name_example", K_STR, F(name_example), "", false },
	{ "cases", "company_example", K_STR, F(company_example), "", false },
	{ "cases", "require_word", K_BOOL, F(require_word), "no", false },
	{ "cases", "require_pdf", K_BOOL, F(require_pdf), "no", false },
	{ "cases", "word_without_images", K_BOOL, F(word_without_images), "no", false },
	{ "cases", "require_recommendation_form", K_BOOL, F(require_recommendation_form), "no", false },
	{ "cases", "require_summary_list", K_BOOL, F(require_summary_list), "no", false },
	{ "photos", "required", K_BOOL, F(photos_required), "no", false },
	{ "photos", "min", K_UINT, F(photos_min), "0", false },
	{ "photos", "max", K_UINT, F(photos_max), "1000", false },
	{ "photos", "min_bytes", K_U64, F(photo_min_bytes), "0", false },
	{ "photos", "caption", K_BOOL, F(photo_caption), "no", false },
	{ "video", "allowed", K_BOOL, F(video_allowed), "no", false },
	{ "video", "max_seconds", K_DOUBLE, F(video_max_seconds), "0", false },
	{ "video", "landscape", K_BOOL, F(video_landscape), "no", false },
	{ "video", "min_width", K_UINT, F(video_min_width), "0", false },
	{ "video", "min_height", K_UINT, F(video_min_height), "0", false },
	{ "video", "containers", K_LIST, F(video_containers), "mp4, mov", false },
	{ "names", "company_suffixes", K_LIST, F(company_suffixes), NULL, false },
	{ "names", "place_suffixes", K_LIST, F(place_suffixes), NULL, false },
	{ "names", "document_keywords", K_LIST, F(document_keywords), NULL, false },
	{ "names", "supporting_keywords", K_LIST, F(supporting_keywords), NULL, false },
	{ "names", "recommendation_keywords", K_LIST, F(recommendation_keywords), NULL, false },
	{ "names", "summary_keywords", K_LIST, F(summary_keywords), NULL, false },
	{ "names", "camera_name_patterns", K_LIST, F(camera_name_patterns), NULL, false },
	{ "files", "word_extensions", K_LIST, F(word_extensions), "doc, docx, wps", false },
	{ "files", "pdf_extensions", K_LIST, F(pdf_extensions), "pdf", false },
	{ "files", "photo_extensions", K_LIST, F(photo_extensions), "jpg, jpeg", false },
	{ "files", "image_extensions", K_LIST, F(image_extensions), NULL, false },
	{ "files", "video_extensions", K_LIST, F(video_extensions), NULL, false },
	{ "files", "executable_extensions", K_LIST, F(executable_extensions), NULL, false },
	{ "content", "form_fields", K_LIST, F(form_fields), NULL, false },
	{ "content", "form_choices", K_LIST, F(form_choices), NULL, false },
	{ "content", "word_limits", K_LIST, F(word_limits), NULL, false },
	{ "content", "about_tolerance", K_UINT, F(about_tolerance), "30", false },
	{ "content", "sections", K_LIST, F(sections), NULL, false },
	{ "content", "format_fonts", K_LIST, F(format_fonts), NULL, false },
	{ "content", "title_size", K_STR, F(title_size), "", false },
	{ "content", "title_bold", K_BOOL, F(title_bold), "no", false },
	{ "content", "heading_size", K_STR, F(heading_size), "", false },
	{ "content", "heading_bold", K_BOOL, F(heading_bold), "no", false },
	{ "content", "body_size", K_STR, F(body_size), "", false },
	{ "content", "body_line_spacing", K_DOUBLE, F(body_line_spacing), "0", false },
	{ "content", "page_numbers", K_BOOL, F(page_numbers), "no", false },
	{ "content", "delivery_label", K_STR, F(delivery_label), "", false },
	{ "content", "delivered_before", K_STR, F(delivered_before), "", false },
	{ "content", "fee_rate_label", K_STR, F(fee_rate_label), "", false },
	{ "content", "fee_rate_min", K_DOUBLE, F(fee_rate_min), "0", false },
	{ "content", "summary_columns", K_LIST, F(summary_columns), NULL, false },
	{ "content", "quota_limit", K_UINT, F(quota_limit), "0", false },
	{ "content", "quota_large_limit", K_UINT, F(quota_large_limit), "0", false },
	{ "content", "quota_large_cities", K_LIST, F(quota_large_cities), NULL, false },
	{ "content", "already_selected", K_STR, F(already_selected), "", false },
	{ "content", "already_selected_notice", K_STR, F(already_selected_notice), "", false },
	{ "ignore", "auto_reply_subjects", K_LIST, F(auto_reply_subjects), NULL, false },
	{ "ignore", "bounce_senders", K_LIST, F(bounce_senders), NULL, false },
};
#undef F
#define NKEYS (sizeof(campaign_keys) / sizeof(campaign_keys[0]))

struct load_ctx {
	struct campaign *c;
	const struct inifile_pos *pos;   /* of the value being handled */
	const char *file;
	bool seen[NKEYS];        /* set in this or an earlier file */
	bool fresh[NKEYS];       /* set in the current file: lists append */
	char *error;
};

static __thread char campaign_err[512];

static const char *campaign_fail(struct load_ctx *ctx, const char *msg)
{
	if (ctx->error == NULL)
		ctx->error = ctx->pos != NULL ?
			xasprintf("%s:%d: %s", ctx->pos->file, ctx->pos->line, msg) :
			xasprintf("%s: %s", ctx->file, msg);
	return ctx->error;
}

static bool parse_bool(const char *v, bool *b)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*b = true;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*b = false;
	else
		return false;
	return true;
}

static int set_value(struct load_ctx *ctx, size_t k, const char *v, bool continuation)
{
	const struct key_def *d = &campaign_keys[k];
	void *p = (char *)ctx->c + d->offset;
	char *end;

	switch (d->type) {
	case K_STR: {
		char **s = p;
		if (continuation && *s != NULL) {
			char *joined = xasprintf("%s%s", *s, v);
			free(*s);
			*s = joined;
		} else {
			free(*s);
			*s = xstrdup(v);
		}
		return 0;
	}
	case K_LIST:
		if (!continuation && !ctx->fresh[k])
			strlist_free(p); /* a later file replaces an earlier list */
		strlist_add_split(p, v);
		return 0;
	case K_BOOL:
		if (!parse_bool(v, p))
			return campaign_fail(ctx, "expected yes or no"), -1;
		return 0;
	case K_UINT: {
		unsigned long n = strtoul(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n > 100000000UL)
			return campaign_fail(ctx, "expected a whole number"), -1;
		*(unsigned *)p = (unsigned)n;
		return 0;
	}
	case K_U64: {
		unsigned long long n = strtoull(v, &end, 10);
		if (*v == '\0' || *end != '\0')
			return campaign_fail(ctx, "expected a whole number of bytes"), -1;
		*(uint64_t *)p = n;
		return 0;
	}
	case K_DOUBLE: {
		double n = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || n < 0)
			return campaign_fail(ctx, "expected a number"), -1;
		*(double *)p = n;
		return 0;
	}
	case K_TIME:
		if (datetime_parse_iso(v, p, &ctx->c->tz_offset) < 0)
			return campaign_fail(ctx, "expected a time like 2026-08-05T23:59:59+08:00"), -1;
		return 0;
	case K_GROUPING:
		if (strcmp(v, "stem") == 0)
			ctx->c->grouping = CAMPAIGN_GROUP_STEM;
		else if (strcmp(v, "folder") == 0)
			ctx->c->grouping = CAMPAIGN_GROUP_FOLDER;
		else
			return campaign_fail(ctx, "grouping is stem or folder"), -1;
		return 0;
	}
	return -1;
}

static void text_set(struct campaign_text **v, size_t *n, const char *key,
		     const char *text, bool continuation)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i].key, key) != 0)
			continue;
		char *t = continuation ? xasprintf("%s%s", (*v)[i].text, text) : xstrdup(text);
		free((*v)[i].text);
		(*v)[i].text = t;
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].key = xstrdup(key);
	(*v)[*n].text = xstrdup(text);
	(*n)++;
}

static int campaign_ini_handler(void *user, const struct inifile_pos *pos,
				const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	bool cont = pos->continuation;

	ctx->pos = pos;
	if (strcmp(section, "messages") == 0) {
		/* a defect without a text would be a blank line in the reply
		   (found by fuzz-campaign) */
		if (!cont && value[0] == '\0') {
			(void)campaign_fail(ctx, "a [messages] text is empty");
			return -1;
		}
		text_set(&ctx->c->messages, &ctx->c->nmessages, name, value, cont);
		return 0;
	}
	if (strcmp(section, "report") == 0) {
		text_set(&ctx->c->report, &ctx->c->nreport, name, value, cont);
		return 0;
	}
	for (size_t k = 0; k < NKEYS; k++) {
		if (strcmp(campaign_keys[k].section, section) != 0 ||
		    strcmp(campaign_keys[k].name, name) != 0)
			continue;
		if (set_value(ctx, k, value, cont) < 0)
			return -1;
		ctx->seen[k] = true;
		ctx->fresh[k] = true;
		return 0;
	}
	char msg[200];
	snprintf(msg, sizeof(msg), "unknown key \"%s\" in section [%s]", name, section);
	campaign_fail(ctx, msg);
	return -1;
}

static int campaign_read_file(struct load_ctx *ctx, const char *path)
{
	const char *error;

	ctx->file = path;
	ctx->pos = NULL;
	memset(ctx->fresh, 0, sizeof(ctx->fresh));
	if (inifile_parse(path, campaign_ini_handler, ctx, &error) < 0) {
		if (ctx->error == NULL)
			ctx->error = xstrdup(error != NULL ? error : "unreadable");
		return -1;
	}
	ctx->pos = NULL;
	return 0;
}

/* [content]: entries the rules would otherwise skip in silence, and the
 * list of selected cases, read now (a path relative to the campaign
 * file's directory). */
static int campaign_check_content(struct load_ctx *ctx, const char *campaign_path)
{
	struct campaign *c = ctx->c;
	const char *sizes[] = { c->title_size, c->heading_size, c->body_size };
	char *err = NULL, *path;
	const char *slash;

	for (size_t i = 0; i < c->word_limits.n; i++) {
		const char *colon = strchr(c->word_limits.v[i], ':');

		if (colon == NULL || strtoul(colon + 1 + strspn(colon + 1, " ~"), NULL, 10) == 0) {
			ctx->error = xasprintf("%s: [content] word_limits \"%s\": expected "
					       "\"name: N\" or \"name: ~N\"", campaign_path,
					       c->word_limits.v[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < c->form_choices.n; i++) {
		if (strchr(c->form_choices.v[i], ':') == NULL) {
			ctx->error = xasprintf("%s: [content] form_choices \"%s\": expected "
					       "\"field: a|b|c\"", campaign_path,
					       c->form_choices.v[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < 3; i++) {
		if (rules_font_size(sizes[i]) < 0) {
			ctx->error = xasprintf("%s: [content] font size \"%s\": expected 三号, "
					       "小三, … or 16pt", campaign_path, sizes[i]);
			return -1;
		}
	}
	if (c->delivered_before[0] != '\0') {
		int y, m, d;

		if (!docform_date(c->delivered_before, &y, &m, &d) || m == 0 || d == 0) {
			ctx->error = xasprintf("%s: [content] delivered_before \"%s\": expected a "
					       "date like 2020-01-01", campaign_path,
					       c->delivered_before);
			return -1;
		}
	}
	if (c->quota_limit > 0 && c->summary_columns.n != 3) {
		ctx->error = xasprintf("%s: [content] summary_columns: name the 小区, 申报单位 "
				       "and 推荐单位 columns of the 汇总清单", campaign_path);
		return -1;
	}
	if (c->already_selected[0] == '\0')
		return 0;
	slash = strrchr(campaign_path, '/');
	path = c->already_selected[0] == '/' || slash == NULL ? xstrdup(c->already_selected) :
	       xasprintf("%.*s/%s", (int)(slash - campaign_path), campaign_path,
			 c->already_selected);
	if (selected_load(path, &c->selected, &err) < 0) {
		ctx->error = xasprintf("[content] already_selected: %s", err);
		free(err);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static void campaign_defaults(struct load_ctx *ctx)
{
	for (size_t k = 0; k < NKEYS; k++) {
		if (campaign_keys[k].def != NULL)
			(void)set_value(ctx, k, campaign_keys[k].def, false);
	}
	memset(ctx->fresh, 0, sizeof(ctx->fresh));
}

static bool campaign_name_ok(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(ch < 0x80 && (isalnum(ch) || strchr(extra, ch) != NULL)))
			return false;
	}
	return true;
}

int campaign_load(const char *defaults_path, const char *campaign_path,
		  struct campaign **c_r, const char **error_r)
{
	struct load_ctx ctx = { .c = xcalloc(1, sizeof(struct campaign)) };

	ctx.file = campaign_path;
	campaign_defaults(&ctx);
	ctx.pos = NULL;
	if ((defaults_path != NULL && campaign_read_file(&ctx, defaults_path) < 0) ||
	    campaign_read_file(&ctx, campaign_path) < 0)
		goto fail;
	for (size_t k = 0; k < NKEYS; k++) {
		if (campaign_keys[k].required && !ctx.seen[k]) {
			ctx.error = xasprintf("%s: missing key \"%s\" in section [%s]",
					      campaign_path, campaign_keys[k].name,
					      campaign_keys[k].section);
			goto fail;
		}
	}
	/* "addresses =" is present but empty: replies need addresses.v[0]
	   (found by fuzz-campaign) */
	if (ctx.c->addresses.n == 0) {
		ctx.error = xasprintf("%s: [campaign] addresses: no address", campaign_path);
		goto fail;
	}
	if (ctx.c->photos_min > ctx.c->photos_max) {
		ctx.error = xasprintf("%s: [photos] min is larger than max", campaign_path);
		goto fail;
	}
	/* both become spool directory names and receipts ("HFW2026-000045") */
	if (!campaign_name_ok(ctx.c->id, "._-", 64)) {
		ctx.error = xasprintf("%s: [campaign] id \"%s\": use letters, digits, '.', '_' "
				      "and '-' (at most 64, not starting with '.')", campaign_path,
				      ctx.c->id);
		goto fail;
	}
	if (!campaign_name_ok(ctx.c->receipt_prefix, "_", 20)) {
		ctx.error = xasprintf("%s: [campaign] receipt_prefix \"%s\": use letters, digits "
				      "and '_' (at most 20)", campaign_path, ctx.c->receipt_prefix);
		goto fail;
	}
	if (campaign_check_content(&ctx, campaign_path) < 0)
		goto fail;
	ctx.c->file = xstrdup(campaign_path);
	*c_r = ctx.c;
	return 0;
fail:
	snprintf(campaign_err, sizeof(campaign_err), "%s", ctx.error);
	free(ctx.error);
	*error_r = campaign_err;
	campaign_free(&ctx.c);
	return -1;
}

void campaign_free(struct campaign **_c)
{
	struct campaign *c = *_c;

	if (c == NULL)
		return;
	*_c = NULL;
	for (size_t k = 0; k < NKEYS; k++) {
		void *p = (char *)c + campaign_keys[k].offset;
		if (campaign_keys[k].type == K_STR)
			free(*(char **)p);
		else if (campaign_keys[k].type == K_LIST)
			strlist_free(p);
	}
	for (size_t i = 0; i < c->nmessages; i++) {
		free(c->messages[i].key);
		free(c->messages[i].text);
	}
	for (size_t i = 0; i < c->nreport; i++) {
		free(c->report[i].key);
		free(c->report[i].text);
	}
	free(c->messages);
	free(c->report);
	free(c->file);
	selected_free(&c->selected);
	free(c);
}

static int campaign_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int campaign_set_load(const char *dir, struct campaign_set **set_r, const char **error_r)
{
	struct campaign_set *set = xcalloc(1, sizeof(*set));
	struct strlist names = STRLIST_INIT;
	char *defaults = xasprintf("%s/defaults.conf", dir);
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = -1;

	if (d == NULL) {
		snprintf(campaign_err, sizeof(campaign_err), "%s: %s", dir, strerror(errno));
		*error_r = campaign_err;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 9 && strcmp(de->d_name + n - 9, ".campaign") == 0)
			strlist_add(&names, de->d_name);
	}
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), campaign_name_cmp);
	if (names.n == 0) {
		snprintf(campaign_err, sizeof(campaign_err), "%s: no *.campaign files", dir);
		*error_r = campaign_err;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		struct campaign *c;
		int r = campaign_load(access(defaults, R_OK) == 0 ? defaults : NULL,
				      path, &c, error_r);
		free(path);
		if (r < 0)
			goto out;
		for (size_t j = 0; j < set->n; j++) {
			bool dup = strcmp(set->v[j]->id, c->id) == 0;
			for (size_t a = 0; !dup && a < c->addresses.n; a++)
				dup = campaign_is_own_address(set->v[j], c->addresses.v[a]);
			if (dup) {
				snprintf(campaign_err, sizeof(campaign_err),
					 "%s: id or address already used by %s", c->file,
					 set->v[j]->file);
				*error_r = campaign_err;
				campaign_free(&c);
				goto out;
			}
		}
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = c;
	}
	*set_r = set;
	set = NULL;
	ret = 0;
out:
	campaign_set_free(&set);
	strlist_free(&names);
	free(defaults);
	return ret;
}

void campaign_set_free(struct campaign_set **_set)
{
	struct campaign_set *set = *_set;

	if (set == NULL)
		return;
	*_set = NULL;
	for (size_t i = 0; i < set->n; i++)
		campaign_free(&set->v[i]);
	free(set->v);
	free(set);
}

const struct campaign *campaign_set_find_id(const struct campaign_set *set, const char *id)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->id, id) == 0)
			return set->v[i];
	}
	return NULL;
}

bool campaign_is_own_address(const struct campaign *c, const char *addr)
{
	return strlist_contains_ci(&c->addresses, addr);
}

const struct campaign *campaign_set_find_address(const struct campaign_set *set,
						 const char *addr)
{
	for (size_t i = 0; i < set->n; i++) {
		if (campaign_is_own_address(set->v[i], addr))
			return set->v[i];
	}
	return NULL;
}

static const char *text_get(const struct campaign_text *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].key, key) == 0)
			return v[i].text;
	}
	return NULL;
}

const char *campaign_message(const struct campaign *c, const char *key)
{
	return text_get(c->messages, c->nmessages, key);
}

const char *campaign_report(const struct campaign *c, const char *key)
{
	return text_get(c->report, c->nreport, key);
}

unsigned campaign_quota_limit(const struct campaign *c, const char *city)
{
	if (c->quota_large_limit > 0 && strlist_contains_ci(&c->quota_large_cities, city))
		return c->quota_large_limit;
	return c->quota_limit;
}
