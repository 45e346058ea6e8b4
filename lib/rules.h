#ifndef CASEMAIL_RULES_H
#define CASEMAIL_RULES_H
/* rules: facts in, verdict and defects out. Pure: no I/O, no clock, no
 * global state; everything it needs is in struct rules_mail and the
 * campaign. docs/rules.md is the specification of what it decides.
 *
 *   struct rules_result *r = rules_check(campaign, &mail);
 *   ... r->verdict, r->cases, r->defects ...
 *   rules_result_free(&r);
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "campaign.h"
#include "facts.h"

/* One file of the mail, as extraction found it. */
struct rules_file {
	const char *path;            /* "包.zip/公司/照片1.jpg" */
	const char *name;            /* last component */
	const char *const *dirs;     /* folders above it: archive and .eml names
					without extension, then folders inside */
	size_t ndirs;
	uint64_t size;
	const char *sha256;          /* hex, NULL when not written */
	const struct facts *facts;   /* NULL when not probed */
	const char *text;            /* a Word document's text (doctext.h), or NULL */
	bool container;              /* archive or attached mail: not material */
	bool unreadable;             /* encrypted or refused entry: no bytes */
};

/* A problem extraction met (archive.*, file.damaged), SPEC code. */
struct rules_problem {
	const char *code;
	const char *file;            /* path or NULL */
	const char *detail;          /* English, from extraction */
};

struct rules_link {
	const char *service, *url;
	const char *expiry;          /* as the mail states it, or NULL */
};

struct rules_mail {
	const char *from_addr;       /* lowercase address, or NULL */
	bool from_own_mailbox;       /* From is any campaign's address (ours) */
	const char *from_name;       /* display name, or NULL */
	const char *return_path;     /* NULL when absent; "" for <> */
	const char *subject, *body;  /* UTF-8, may be NULL */
	const char *auto_submitted;  /* header values, NULL when absent */
	bool x_autoreply;            /* X-Autoreply / X-Autorespond present */
	const char *precedence;
	bool list_headers;           /* List-Id or List-Unsubscribe present */
	bool is_report;              /* top part multipart/report */
	bool has_arrival;
	int64_t arrival;
	const struct rules_file *files;
	size_t nfiles;
	const struct rules_problem *problems;
	size_t nproblems;
	const struct rules_link *links;
	size_t nlinks;
	bool summary_list_on_file;   /* this sender sent a 汇总清单 before */
	bool replies_to_receipt;     /* In-Reply-To/References names one of
					casemail's replies ("<HFW2026-000045.reply@…>") */
};

enum rules_severity { RULES_ERROR, RULES_WARNING };

/* A font size as a campaign file writes it ("三号", "小三", "16pt",
 * "15磅") in half-points; 0 for "" or NULL, -1 when not one. */
int rules_font_size(const char *s);
enum rules_verdict { RULES_ACCEPTED, RULES_REJECTED, RULES_IGNORED };

struct rules_defect {
	const char *code;            /* static */
	enum rules_severity severity;
	char *file;                  /* path, or NULL for the mail */
	char *detail;                /* Chinese, what to do */
	int case_index;              /* index in cases, -1 for the mail */
};

struct rules_case {
	char *company;               /* "" when unknown */
	char *name;
	const char **files;          /* paths (borrowed from rules_mail) */
	size_t nfiles;
};

/* A row of a 汇总清单 (好服务), for the digest's quota section. */
struct rules_summary_row {
	char *place, *company, *recommender;  /* as written */
	char *city;                  /* "济南市": from the 推荐单位 */
	const char *file;            /* the list's path (borrowed from rules_mail) */
};

struct rules_result {
	enum rules_verdict verdict;
	const char *ignored_reason;  /* static, NULL unless ignored */
	bool needs_human;
	struct rules_case *cases;
	size_t ncases;
	struct rules_defect *defects;
	size_t ndefects;
	unsigned photos, videos;     /* counted material, for the report */
	struct rules_summary_row *summary_rows;  /* 汇总清单 rows read */
	size_t nsummary_rows;
};

/* The city a 推荐单位 stands for: "济南市物业管理协会" → "济南市",
 * "淄博物协" → "淄博市", "山东省青岛市物协" → "青岛市". malloc'd. */
char *rules_city_of(const char *recommender);

/* Never fails; the result is the caller's (rules_result_free). */
struct rules_result *rules_check(const struct campaign *c, const struct rules_mail *m);
void rules_result_free(struct rules_result **r);
/* Record that case case_index was filed before under previous_receipt
 * (the daemon looks that up in its history): adds case.resubmitted. */
void rules_resubmitted(const struct campaign *c, struct rules_result *r,
		       size_t case_index, const char *previous_receipt);
const char *rules_verdict_name(enum rules_verdict v);
const char *rules_severity_name(enum rules_severity s);
/* The severity SPEC gives a code (file.unsupported and file.type_mismatch
 * are warnings by default; the engine raises them where SPEC says). */
enum rules_severity rules_code_severity(const char *code);

#endif
