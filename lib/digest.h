#ifndef CASEMAIL_DIGEST_H
#define CASEMAIL_DIGEST_H
/* digest: the admins' daily summary (casemailctl digest).
 *
 *   digest_gather()   state DB + outbox → struct digest (digest.c)
 *   digest_render_*() struct digest → text, HTML or CSV (digest-render.c)
 *   digest_mail()     struct digest → a MIME message: text + HTML
 *                     alternative, CSV attached (digest-mail.c)
 *
 * The model is plain data: every string is owned by the struct digest
 * (malloc'd, freed by digest_free), every list is an array with a count.
 * Times are Unix seconds; they are shown in the campaign's tz_offset. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct campaign_set;
struct state;

struct digest_company {             /* accepted cases so far, by company */
	char *company;                  /* "" when unknown */
	unsigned cases;
	char *latest_receipt;
};

struct digest_city {                /* a 汇总清单's cases for one 推荐单位 (city) */
	char *city;                     /* "济南市" */
	unsigned listed, limit;         /* limit 0: no quota configured */
};

struct digest_sender {              /* folder-grouped campaigns (好服务) */
	char *sender;                   /* mail address */
	char *name;                     /* display name, may be "" */
	char *province;                 /* guessed ("广东"), "" when unknown */
	unsigned mails;                 /* submissions so far (not ignored) */
	unsigned cases_accepted, cases_rejected;
	bool summary_list;              /* has sent a 汇总清单 */
	/* its latest 汇总清单 whose table could be read, if any: */
	struct digest_city *cities;     /* in the list's order */
	size_t ncities;
	char *list_missing;             /* listed 小区 without a case received, "" */
	char *list_unlisted;            /* cases received the list lacks, "" */
};

struct digest_defect {              /* defect codes of the day's mails */
	char *code;
	char *severity;                 /* "error" / "warning" */
	unsigned mails;                 /* mails of the day with this code */
};

struct digest_mail {                /* one mail in a list of the day */
	char *receipt;
	char *sender;                   /* "" when none */
	char *subject;                  /* "" when none */
	int64_t arrival;
	char *verdict;                  /* "accepted" … or "" */
	char *detail;                   /* reason (needs_human), error text, state */
};

struct digest_reply {               /* a reply in the outbox */
	char *id;                       /* outbox id: receipt or receipt.rN */
	char *rcpt;
	char *state;                    /* "queued", "sent", "failed" */
	unsigned attempts;
	int64_t first_queued, next_attempt, done;
	char *last_error;               /* "" when none */
};

struct digest_campaign {
	char *id, *name;
	int tz_offset;
	bool by_sender;                 /* company-folder campaign: show senders */
	/* the day */
	unsigned received, accepted, rejected, ignored, unfinished;
	unsigned late;                  /* mails with mail.late */
	/* so far (up to the end of the day) */
	unsigned cases_accepted;        /* distinct (company, case) accepted */
	unsigned mails_total;
	struct digest_company *companies;   /* most cases first */
	size_t ncompanies;
	struct digest_sender *senders;      /* by_sender only; most mails first */
	size_t nsenders;
	struct digest_defect *defects;      /* most mails first */
	size_t ndefects;
	struct digest_mail *late_mails, *needs_human, *errors;
	size_t nlate_mails, nneeds_human, nerrors;
	/* replies: sent during the day; queued now; failed during the day */
	unsigned replies_sent, replies_queued, replies_overdue, replies_failed;
	struct digest_reply *failed_replies, *queued_replies;
	size_t nfailed_replies, nqueued_replies;
};

struct digest {
	char date[11];                  /* "2026-07-28" */
	int64_t day_start, day_end;     /* [start, end) of the day */
	int64_t generated;              /* when gathered */
	struct digest_campaign *campaigns;
	size_t ncampaigns;
};

/* Gather the day `date` ("YYYY-MM-DD", in each campaign's time zone) for
 * every campaign of set, or only campaign_id when not NULL. outbox_dir
 * may be NULL (no reply figures). now is "generated" and the reference
 * for "overdue". Returns 0 and *d_r, or -1 with *error_r. */
int digest_gather(struct state *st, const struct campaign_set *set,
		  const char *campaign_id, const char *outbox_dir, const char *date,
		  int64_t now, struct digest **d_r, const char **error_r);
void digest_free(struct digest **d);
/* "yesterday" (also for NULL), "today" or "YYYY-MM-DD" → the date at
 * tz_offset into out. 0, or -1 with *error_r. */
int digest_date_resolve(const char *arg, int tz_offset, int64_t now, char out[11],
			const char **error_r);
/* The province a text names ("广东省物业管理行业协会" → "广东"), by the
 * earliest mention of a province-level division or a 计划单列市; NULL
 * when none. Static strings. */
const char *digest_province(const char *text);

/* Renderings; each appends to out. */
void digest_render_text(const struct digest *d, struct buf *out);
void digest_render_html(const struct digest *d, struct buf *out);
/* UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting; one row per item:
 * section,campaign,key,value[,more…] with a header row. */
void digest_render_csv(const struct digest *d, struct buf *out);

/* A one-line summary for the mail's Subject:
 * "casemail 日报 2026-07-28：收到 12 封，通过 5，退回 6，忽略 1". */
void digest_subject(const struct digest *d, struct buf *out);

struct digest_mail_params {
	const char *from, *to;          /* addresses; to may list several, comma-separated */
	const char *domain;             /* Message-ID domain */
	bool html_first;                /* false: text only as the main part (still multipart) */
	int64_t date;
	int tz_offset;
};
/* A complete RFC 5322 message (CRLF): Subject (RFC 2047 encoded),
 * multipart/mixed of multipart/alternative (text/plain + text/html, UTF-8,
 * base64; with !html_first the text/plain part alone) and the CSV
 * attachment "casemail-digest-<date>.csv" (plain ASCII filename).
 * Auto-Submitted: auto-generated. Returns 0, or -1 with *error_r (a bad
 * From or To address — each checked like reply_addr_ok, empty entries of
 * the to list skipped —, no To address at all, no domain, a malformed
 * d->date; out is left as it was). */
int digest_mail(const struct digest *d, const struct digest_mail_params *p, struct buf *out,
		const char **error_r);

#endif
