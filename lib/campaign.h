#ifndef CASEMAIL_CAMPAIGN_H
#define CASEMAIL_CAMPAIGN_H
/* campaign: one campaign's rules as data, read from conf/campaigns/.
 *
 * A directory holds defaults.conf (name lists, file kinds, defect texts,
 * report texts shared by all campaigns) and one NAME.campaign file per
 * campaign, read on top of the defaults (its keys override). Next year's
 * notice is a new .campaign file; the code holds no campaign literal.
 * The keys are listed, with types and defaults, in campaign.c's table and
 * documented in docs/campaigns.md. */
#include <stdbool.h>
#include <stdint.h>
#include "selected.h"
#include "strlist.h"

enum campaign_grouping {
	CAMPAIGN_GROUP_STEM,     /* cases = files sharing a name stem (微创新) */
	CAMPAIGN_GROUP_FOLDER,   /* company folders holding cases (好服务) */
};

struct campaign_text {
	char *key;               /* "photo.format", "photo.format.heic", "greeting" */
	char *text;
};

struct campaign {
	char *file;              /* the .campaign file it came from */
	/* [campaign] */
	char *id, *name, *notice, *receipt_prefix, *contact;
	struct strlist addresses; /* first one is the mailbox replies come from */
	struct strlist keywords;
	int64_t deadline;
	int tz_offset;           /* the deadline's offset: times are shown in it */
	unsigned grace_minutes;
	/* [cases] */
	enum campaign_grouping grouping;
	char *name_pattern, *name_example, *company_example;
	bool require_word, require_pdf, word_without_images;
	bool require_recommendation_form, require_summary_list;
	/* [photos] */
	bool photos_required, photo_caption;
	unsigned photos_min, photos_max;
	uint64_t photo_min_bytes;
	/* [video] */
	bool video_allowed, video_landscape;
	double video_max_seconds;
	unsigned video_min_width, video_min_height;
	struct strlist video_containers;
	/* [names] */
	struct strlist company_suffixes, place_suffixes, document_keywords;
	struct strlist supporting_keywords, recommendation_keywords, summary_keywords;
	struct strlist camera_name_patterns;
	/* [files] */
	struct strlist word_extensions, pdf_extensions, photo_extensions;
	struct strlist image_extensions, video_extensions, executable_extensions;
	/* [content] (rules_content.c) */
	struct strlist form_fields, form_choices, word_limits, sections, format_fonts;
	unsigned about_tolerance;        /* percent over "N字左右" before a warning */
	char *title_size, *heading_size, *body_size; /* "三号", "小三", "16pt"; "" = not checked */
	bool title_bold, heading_bold, page_numbers;
	double body_line_spacing;        /* 1.5 (lines); 0 = not checked */
	char *delivery_label, *delivered_before; /* 交付时间, "2020-01-01" */
	char *fee_rate_label;            /* 物业服务费收缴率 */
	double fee_rate_min;             /* percent; 0 = not checked */
	struct strlist summary_columns;  /* 汇总清单 columns: 小区, 申报单位, 推荐单位 */
	unsigned quota_limit, quota_large_limit; /* cases per 推荐单位 (city); 0 = off */
	struct strlist quota_large_cities; /* 省会城市, 计划单列市 */
	char *already_selected;          /* file of selected cases (selected.h), "" none */
	char *already_selected_notice;   /* "中物协〔2026〕3号" */
	struct selected_list selected;   /* read from it at load */
	/* [ignore] */
	struct strlist auto_reply_subjects, bounce_senders;
	/* [messages], [report] */
	struct campaign_text *messages, *report;
	size_t nmessages, nreport;
};

struct campaign_set {
	struct campaign **v;
	size_t n;
};

/* Read defaults_path (may be NULL) then campaign_path. Errors are
 * "file:line: message" (or "file: message"); returns 0 or -1. */
int campaign_load(const char *defaults_path, const char *campaign_path,
		  struct campaign **c_r, const char **error_r);
void campaign_free(struct campaign **c);
/* Load DIR/defaults.conf and every DIR/ *.campaign (sorted). At least one
 * campaign must load; ids and addresses must be unique. */
int campaign_set_load(const char *dir, struct campaign_set **set_r,
		      const char **error_r);
void campaign_set_free(struct campaign_set **set);
const struct campaign *campaign_set_find_id(const struct campaign_set *set,
					    const char *id);
/* The campaign with this address (case-insensitive), or NULL. */
const struct campaign *campaign_set_find_address(const struct campaign_set *set,
						 const char *addr);
/* How many cases a 汇总清单 may list for city: quota_large_limit for a
 * quota_large_cities city (when set), else quota_limit (0: no quota). */
unsigned campaign_quota_limit(const struct campaign *c, const char *city);
/* A [messages] or [report] text, or NULL. */
const char *campaign_message(const struct campaign *c, const char *key);
const char *campaign_report(const struct campaign *c, const char *key);
bool campaign_is_own_address(const struct campaign *c, const char *addr);

#endif
