/* check: one mail file through extraction and rules. */
#include "check.h"
#include "datetime.h"
#include "extract-worker.h"
#include "json.h"
#include "links.h"
#include "probe.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static __thread char check_err[512];

/* ---- addresses ---------------------------------------------------------- */

static bool addr_char(char c)
{
	return isalnum((unsigned char)c) || strchr("._%+-=~'", c) != NULL;
}

/* Every "local@domain" in a header value, lowercased, in order. */
static void check_addresses(const char *v, size_t len, struct strlist *out)
{
	for (size_t i = 0; i < len; i++) {
		if (v[i] != '@')
			continue;
		size_t a = i, b = i + 1;
		while (a > 0 && addr_char(v[a - 1]))
			a--;
		while (b < len && (isalnum((unsigned char)v[b]) || v[b] == '.' || v[b] == '-'))
			b++;
		if (a == i || b == i + 1)
			continue;
		char *s = xstrndup(v + a, b - a);
		for (char *p = s; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		strlist_add(out, s);
		free(s);
	}
}

static const struct campaign *check_find_campaign(const struct message *msg,
						  const struct campaign_set *set)
{
	static const char *const headers[] = { "Delivered-To", "X-Original-To", "To", "Cc" };

	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		size_t pos = 0, nlen, vlen;
		const char *name, *value;
		while (message_header_next(msg, NULL, &pos, &name, &nlen, &value, &vlen)) {
			if (nlen != strlen(headers[h]) || strncasecmp(name, headers[h], nlen) != 0)
				continue;
			struct strlist addrs = STRLIST_INIT;
			const struct campaign *c = NULL;
			check_addresses(value, vlen, &addrs);
			for (size_t i = 0; i < addrs.n && c == NULL; i++)
				c = campaign_set_find_address(set, addrs.v[i]);
			strlist_free(&addrs);
			if (c != NULL)
				return c;
		}
	}
	return NULL;
}

static void check_sender(struct check *ck)
{
	char *from = message_header_decoded(ck->ex->msg, NULL, "From");
	struct strlist addrs = STRLIST_INIT;

	if (from == NULL)
		return;
	check_addresses(from, strlen(from), &addrs);
	if (addrs.n > 0)
		ck->sender = xstrdup(addrs.v[0]);
	char *lt = strchr(from, '<');
	if (lt != NULL && lt > from) {
		char *a = from, *b = lt;
		while (a < b && (*a == ' ' || *a == '"'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '"'))
			b--;
		if (b > a)
			ck->sender_name = xstrndup(a, (size_t)(b - a));
	}
	strlist_free(&addrs);
	free(from);
}

/* ---- arrival ---------------------------------------------------------------- */

static void check_arrival(struct check *ck)
{
	const char *v;
	size_t len;

	/* the topmost Received: is the one our server added */
	if (message_header(ck->ex->msg, NULL, "Received", &v, &len) &&
	    datetime_parse_received(v, len, &ck->arrival) == 0) {
		ck->has_arrival = true;
		return;
	}
	if (message_header(ck->ex->msg, NULL, "Date", &v, &len) &&
	    datetime_parse_rfc5322(v, len, &ck->arrival) == 0)
		ck->has_arrival = true;
}

/* ---- the rules' view of the files ---------------------------------------------- */

static char *container_folder(const char *name)
{
	const char *dot = strrchr(name, '.');
	char *s = dot != NULL && dot != name ? xstrndup(name, (size_t)(dot - name)) : xstrdup(name);
	size_t n = strlen(s);

	if (n > 4 && strcasecmp(s + n - 4, ".tar") == 0)
		s[n - 4] = '\0';
	return s;
}

/* dirs(f) = dirs(container) + [container name without extension]
 *           + the folders of f's path inside the container */
static void check_dirs(struct check *ck, size_t i, size_t *ndirs_r)
{
	const struct extract *ex = ck->ex;
	const struct extract_file *f = &ex->files[i];
	struct strlist d = STRLIST_INIT;
	const char *rel = f->path;

	if (f->parent >= 0) {
		const struct rules_file *pf = &ck->files[f->parent];
		for (size_t k = 0; k < pf->ndirs; k++)
			strlist_add(&d, pf->dirs[k]);
		char *folder = container_folder(ex->files[f->parent].name);
		strlist_add(&d, folder);
		free(folder);
		rel = f->path + strlen(ex->files[f->parent].path) + 1;
	}
	for (const char *s = rel, *slash; f->parent >= 0 && (slash = strchr(s, '/')) != NULL;
	     s = slash + 1) {
		if (slash > s) {
			char *comp = xstrndup(s, (size_t)(slash - s));
			strlist_add(&d, comp);
			free(comp);
		}
	}
	ck->dirs[i] = d.v;
	*ndirs_r = d.n;
}

static void check_files(struct check *ck)
{
	const struct extract *ex = ck->ex;
	size_t n = ex->nfiles ? ex->nfiles : 1;

	ck->files = xcalloc(n, sizeof(*ck->files));
	ck->dirs = xcalloc(n, sizeof(*ck->dirs));
	ck->sha = xcalloc(n, sizeof(*ck->sha));
	for (size_t i = 0; i < ex->nfiles; i++) {
		const struct extract_file *f = &ex->files[i];
		struct rules_file *rf = &ck->files[i];
		char hex[65];

		rf->path = f->path;
		rf->name = f->name;
		rf->size = f->size;
		if (f->stored != NULL) {
			extract_sha256_hex(f, hex);
			ck->sha[i] = xstrdup(hex);
			rf->sha256 = ck->sha[i];
		}
		rf->facts = f->probed ? &f->facts : NULL;
		rf->text = f->text;
		rf->container = f->opened || f->is_archive || f->too_deep;
		rf->unreadable = f->stored == NULL;
		check_dirs(ck, i, &rf->ndirs);
		rf->dirs = (const char *const *)ck->dirs[i];
	}
	ck->problems = xcalloc(ex->nproblems ? ex->nproblems : 1, sizeof(*ck->problems));
	for (size_t i = 0; i < ex->nproblems; i++) {
		ck->problems[i].code = ex->problems[i].code;
		ck->problems[i].file = ex->problems[i].file;
		ck->problems[i].detail = ex->problems[i].detail;
	}
}

/* ---- body text and links ---------------------------------------------------------- */

static int check_links(struct check *ck, const char **error_r)
{
	if (links_find(ck->body, strlen(ck->body), NULL, &ck->found, &ck->nfound, error_r) < 0)
		return -1;
	/* the text and the HTML body usually carry the same link: once each */
	ck->links = xcalloc(ck->nfound ? ck->nfound : 1, sizeof(*ck->links));
	for (size_t i = 0; i < ck->nfound; i++) {
		size_t k;
		for (k = 0; k < ck->nlinks && strcmp(ck->links[k].url, ck->found[i].url) != 0; k++)
			;
		if (k < ck->nlinks) {
			if (ck->links[k].expiry == NULL)
				ck->links[k].expiry = ck->found[i].expiry;
			continue;
		}
		ck->links[ck->nlinks].service = ck->found[i].service;
		ck->links[ck->nlinks].url = ck->found[i].url;
		ck->links[ck->nlinks].expiry = ck->found[i].expiry;
		ck->nlinks++;
	}
	return 0;
}

static char *header_token(const struct message *msg, const char *name)
{
	char *v = message_header_decoded(msg, NULL, name);
	char *end;

	if (v == NULL)
		return NULL;
	end = v + strcspn(v, " \t;(");
	*end = '\0';
	return v;
}

/* Does the header name "<PREFIX-N….reply@" for a campaign's receipt prefix
 * (reply_message_id() writes them)? */
static bool check_names_our_reply(const struct message *msg, const char *name,
				  const struct campaign_set *set)
{
	char *v = message_header_decoded(msg, NULL, name);
	bool found = false;

	for (const char *p = v != NULL ? strchr(v, '<') : NULL; p != NULL && !found;
	     p = strchr(p + 1, '<')) {
		const char *gt = strchr(p, '>'), *r = strstr(p, ".reply@");
		if (gt == NULL || r == NULL || r > gt)
			continue;
		for (size_t i = 0; i < set->n && !found; i++) {
			const char *pre = set->v[i]->receipt_prefix;
			size_t len = strlen(pre);
			found = strncmp(p + 1, pre, len) == 0 && p[1 + len] == '-' &&
				p[2 + len] >= '0' && p[2 + len] <= '9';
		}
	}
	free(v);
	return found;
}

static void check_mail_facts(struct check *ck, const struct campaign_set *set,
			     char **return_path, char **auto_sub, char **precedence)
{
	const struct message *msg = ck->ex->msg;
	struct rules_mail *m = &ck->mail;
	const char *v;
	size_t len;

	m->from_addr = ck->sender;
	m->from_name = ck->sender_name;
	m->from_own_mailbox = ck->sender != NULL &&
			      campaign_set_find_address(set, ck->sender) != NULL;
	m->subject = ck->subject;
	m->body = ck->body;
	if (message_header(msg, NULL, "Return-Path", &v, &len)) {
		char *rp = xstrndup(v, len);
		struct strlist a = STRLIST_INIT;
		check_addresses(rp, strlen(rp), &a);
		*return_path = xstrdup(a.n > 0 ? a.v[0] : "");
		strlist_free(&a);
		free(rp);
		m->return_path = *return_path;
	}
	*auto_sub = header_token(msg, "Auto-Submitted");
	m->auto_submitted = *auto_sub;
	m->x_autoreply = message_header(msg, NULL, "X-Autoreply", &v, &len) ||
			 message_header(msg, NULL, "X-Autorespond", &v, &len) ||
			 message_header(msg, NULL, "X-Auto-Response", &v, &len);
	*precedence = header_token(msg, "Precedence");
	m->precedence = *precedence;
	m->list_headers = message_header(msg, NULL, "List-Id", &v, &len) ||
			  message_header(msg, NULL, "List-Unsubscribe", &v, &len);
	m->is_report = msg->nparts > 0 && strcmp(msg->parts[0].type, "multipart/report") == 0;
	m->replies_to_receipt = check_names_our_reply(msg, "In-Reply-To", set) ||
				check_names_our_reply(msg, "References", set);
	m->has_arrival = ck->has_arrival;
	m->arrival = ck->arrival;
	m->files = ck->files;
	m->nfiles = ck->ex->nfiles;
	m->problems = ck->problems;
	m->nproblems = ck->ex->nproblems;
	m->links = ck->links;
	m->nlinks = ck->nlinks;
}

enum check_error check_mail(const char *eml_path, const char *workdir,
			    const struct campaign_set *set, const struct check_options *opt,
			    struct probe *probe, struct check **ck_r,
			    const char **error_r)
{
	static const struct check_options no_options;
	struct check *ck = xcalloc(1, sizeof(*ck));
	const char *campaign_id;
	char *return_path = NULL, *auto_sub = NULL, *precedence = NULL;
	enum check_error ret = CHECK_OK;

	if (opt == NULL)
		opt = &no_options;
	campaign_id = opt->campaign_id;
	if (campaign_id != NULL) {
		ck->campaign = campaign_set_find_id(set, campaign_id);
		if (ck->campaign == NULL) {
			snprintf(check_err, sizeof(check_err), "no campaign \"%s\"", campaign_id);
			*error_r = check_err;
			ret = CHECK_ERR_CAMPAIGN;
			goto fail;
		}
	}
	if ((opt->unread != NULL ?
	     extract_mail_unread(eml_path, workdir, opt->extract, "archive.damaged",
				 opt->unread, &ck->ex, error_r) :
	     extract_mail_isolated(eml_path, workdir, opt->extract, probe, &ck->ex,
				   error_r)) < 0) {
		ret = CHECK_ERR_INPUT;
		goto fail;
	}
	if (ck->campaign == NULL)
		ck->campaign = check_find_campaign(ck->ex->msg, set);
	if (ck->campaign == NULL) {
		snprintf(check_err, sizeof(check_err),
			 "%s: no campaign address among the recipients; use --campaign", eml_path);
		*error_r = check_err;
		ret = CHECK_ERR_CAMPAIGN;
		goto fail;
	}
	check_sender(ck);
	ck->subject = message_header_decoded(ck->ex->msg, NULL, "Subject");
	if (opt->has_arrival) {
		ck->has_arrival = true;
		ck->arrival = opt->arrival;
	} else {
		check_arrival(ck);
	}
	check_files(ck);
	ck->body = ck->ex->body;
	if (check_links(ck, error_r) < 0) {
		ret = CHECK_ERR_SYSTEM;
		goto fail;
	}
	check_mail_facts(ck, set, &return_path, &auto_sub, &precedence);
	ck->mail.summary_list_on_file = opt->summary_list_on_file;
	ck->rules = rules_check(ck->campaign, &ck->mail);
	/* the rules keep pointers into these only for the call */
	free(return_path);
	free(auto_sub);
	free(precedence);
	ck->mail.return_path = ck->mail.auto_submitted = ck->mail.precedence = NULL;
	*ck_r = ck;
	return CHECK_OK;
fail:
	free(return_path);
	free(auto_sub);
	free(precedence);
	check_free(&ck);
	return ret;
}

void check_free(struct check **_ck)
{
	struct check *ck = *_ck;

	if (ck == NULL)
		return;
	*_ck = NULL;
	if (ck->ex != NULL) {
		for (size_t i = 0; i < ck->ex->nfiles && ck->dirs != NULL; i++) {
			struct strlist d = { ck->dirs[i], ck->files[i].ndirs };
			strlist_free(&d);
		}
		for (size_t i = 0; i < ck->ex->nfiles && ck->sha != NULL; i++)
			free(ck->sha[i]);
	}
	free(ck->dirs);
	free(ck->sha);
	free(ck->files);
	free(ck->problems);
	free(ck->links);
	links_free(&ck->found, ck->nfound);
	rules_result_free(&ck->rules);
	extract_free(&ck->ex);
	free(ck->sender);
	free(ck->sender_name);
	free(ck->subject);
	free(ck);
}

const char *check_reply_kind(const struct check *ck)
{
	switch (ck->rules->verdict) {
	case RULES_ACCEPTED: return "receipt";
	case RULES_REJECTED: return "defects";
	case RULES_IGNORED: break;
	}
	return "none";
}

static void check_json_file(struct json *j, const struct extract_file *f, const char *sha)
{
	const struct facts *fa = &f->facts;

	json_object_begin(j, NULL);
	json_str(j, "path", f->path);
	json_int(j, "size", (long long)f->size);
	json_str(j, "sha256", sha);
	json_str(j, "type", f->probed ? fa->mime : NULL);
	json_str(j, "kind", f->probed ? facts_kind_name(fa->kind) : NULL);
	if (f->probed && fa->width > 0) {
		json_int(j, "width", fa->width);
		json_int(j, "height", fa->height);
	}
	if (f->probed && fa->kind == FACTS_KIND_VIDEO) {
		json_double(j, "duration", fa->duration, 2);
		json_int(j, "display_width", fa->display_width);
		json_int(j, "display_height", fa->display_height);
		json_int(j, "rotation", fa->rotation);
	}
	if (f->probed && fa->damaged)
		json_bool(j, "damaged", true);
	json_object_end(j);
}

void check_json(const struct check *ck, const char *file, struct buf *out)
{
	const struct rules_result *r = ck->rules;
	const struct campaign *c = ck->campaign;
	struct json j;
	char when[40];

	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_str(&j, "file", file);
	json_str(&j, "campaign", c->id);
	json_str(&j, "verdict", rules_verdict_name(r->verdict));
	json_str(&j, "ignored_reason", r->ignored_reason);
	json_bool(&j, "needs_human", r->needs_human);
	if (ck->has_arrival) {
		datetime_format_iso(ck->arrival, c->tz_offset, when, sizeof(when));
		json_str(&j, "arrival", when);
	} else {
		json_null(&j, "arrival");
	}
	json_str(&j, "sender", ck->sender);
	json_str(&j, "subject", ck->subject);
	json_array_begin(&j, "cases");
	for (size_t i = 0; i < r->ncases; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "company", r->cases[i].company);
		json_str(&j, "name", r->cases[i].name);
		json_array_begin(&j, "files");
		for (size_t k = 0; k < r->cases[i].nfiles; k++)
			json_str(&j, NULL, r->cases[i].files[k]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "defects");
	for (size_t i = 0; i < r->ndefects; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "code", r->defects[i].code);
		json_str(&j, "severity", rules_severity_name(r->defects[i].severity));
		json_str(&j, "file", r->defects[i].file);
		json_str(&j, "detail", r->defects[i].detail);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "files");
	for (size_t i = 0; i < ck->ex->nfiles; i++) {
		if (!ck->files[i].unreadable)
			check_json_file(&j, &ck->ex->files[i], ck->sha[i]);
	}
	json_array_end(&j);
	json_str(&j, "reply", check_reply_kind(ck));
	json_object_end(&j);
	buf_putc(out, '\n');
}
