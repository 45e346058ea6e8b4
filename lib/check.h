#ifndef CASEMAIL_CHECK_H
#define CASEMAIL_CHECK_H
/* check: the whole pipeline on one mail file — extract (decode, unpack,
 * probe), pick the campaign, gather the facts the rules need (headers,
 * arrival, body text, download links, folder chains), run the rules.
 * Spools nothing, sends nothing. check_json() prints SPEC's JSON,
 * report.h renders the Chinese report. */
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "campaign.h"
#include "extract.h"
#include "rules.h"

struct probe;
struct links_found;

enum check_error {
	CHECK_OK = 0,
	CHECK_ERR_INPUT,      /* the mail could not be read */
	CHECK_ERR_CAMPAIGN,   /* no campaign address among the recipients */
	CHECK_ERR_SYSTEM,     /* work directory, probe child */
};

struct check {
	struct extract *ex;
	const struct campaign *campaign;
	struct rules_result *rules;
	char *sender;             /* lowercase address, NULL if none */
	char *sender_name;        /* display name or NULL */
	char *subject;
	bool has_arrival;
	int64_t arrival;
	/* what the rules were given (kept for the report) */
	struct rules_mail mail;
	struct rules_file *files;
	char ***dirs;
	struct rules_problem *problems;
	struct rules_link *links;      /* distinct URLs of found */
	size_t nlinks;
	struct links_found *found;
	size_t nfound;
	const char *body;         /* ex->body: the mail's text */
	char **sha;
};

/* What the caller knows beyond the mail file. All optional (zeroed). */
struct check_options {
	const char *campaign_id;      /* force the campaign (the daemon: the mailbox's) */
	bool has_arrival;             /* IMAP INTERNALDATE replaces Received/Date */
	int64_t arrival;
	bool summary_list_on_file;    /* the sender sent a 汇总清单 before */
	const struct extract_settings *extract; /* limits; NULL: the defaults */
	const char *unread;           /* read nothing but the headers: the mail
				       * gets archive.damaged with this detail
				       * (the daemon's quarantine) */
};

/* Check eml_path. Returns CHECK_OK with *ck_r set, or an error with error_r. */
enum check_error check_mail(const char *eml_path, const char *workdir,
			    const struct campaign_set *set, const struct check_options *opt,
			    struct probe *probe, struct check **ck_r,
			    const char **error_r);
void check_free(struct check **ck);
/* "receipt", "defects" or "none" */
const char *check_reply_kind(const struct check *ck);
/* SPEC's JSON object for the mail (one line). */
void check_json(const struct check *ck, const char *file, struct buf *out);

#endif
