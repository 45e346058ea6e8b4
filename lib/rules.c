/* rules: classification, per-file checks and the verdict. Case grouping
 * is in rules_group.c, texts in rules_text.c. See docs/rules.md. */
#include "rules_private.h"
#include "buf.h"
#include "datetime.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *code; enum rules_severity sev; } rules_codes[] = {
	{ "mail.late", RULES_ERROR }, { "mail.no_materials", RULES_ERROR },
	{ "mail.big_attachment_link", RULES_ERROR },
	{ "archive.encrypted", RULES_ERROR }, { "archive.damaged", RULES_ERROR },
	{ "archive.bomb", RULES_ERROR }, { "archive.unsafe_entry", RULES_ERROR },
	{ "archive.too_deep", RULES_ERROR }, { "file.damaged", RULES_ERROR },
	{ "file.type_mismatch", RULES_WARNING }, { "file.unsupported", RULES_WARNING },
	{ "photo.count", RULES_ERROR }, { "photo.format", RULES_ERROR },
	{ "photo.too_small", RULES_ERROR }, { "photo.duplicate", RULES_WARNING },
	{ "photo.caption", RULES_WARNING }, { "video.format", RULES_ERROR },
	{ "video.too_long", RULES_ERROR }, { "video.portrait", RULES_ERROR },
	{ "video.resolution", RULES_ERROR }, { "doc.missing_word", RULES_ERROR },
	{ "doc.missing_pdf", RULES_ERROR }, { "doc.missing_case_material", RULES_ERROR },
	{ "doc.missing_recommendation_form", RULES_ERROR },
	{ "doc.missing_summary_list", RULES_WARNING }, { "name.case_file", RULES_ERROR },
	{ "name.company_folder", RULES_ERROR }, { "name.mismatch", RULES_WARNING },
	{ "doc.has_images", RULES_ERROR }, { "doc.word_count", RULES_WARNING },
	{ "doc.quota", RULES_WARNING }, { "case.already_selected", RULES_WARNING },
	{ "case.resubmitted", RULES_WARNING },
	/* content checks beyond SPEC's list (docs/rules.md) */
	{ "doc.form_field", RULES_WARNING }, { "doc.section", RULES_WARNING },
	{ "doc.format", RULES_WARNING }, { "doc.recommendation", RULES_WARNING },
};

enum rules_severity rules_code_severity(const char *code)
{
	for (size_t i = 0; i < sizeof(rules_codes) / sizeof(rules_codes[0]); i++) {
		if (strcmp(rules_codes[i].code, code) == 0)
			return rules_codes[i].sev;
	}
	return RULES_ERROR;
}

const char *rules_verdict_name(enum rules_verdict v)
{
	return v == RULES_ACCEPTED ? "accepted" : v == RULES_REJECTED ? "rejected" : "ignored";
}

const char *rules_severity_name(enum rules_severity s)
{
	return s == RULES_ERROR ? "error" : "warning";
}

/* ---- cases --------------------------------------------------------------- */

int rules_case_add(struct rules_ctx *x, const char *company, const char *name)
{
	struct rules_result *r = x->r;
	struct rules_case *cs;

	r->cases = xreallocarray(r->cases, r->ncases + 1, sizeof(*cs));
	cs = &r->cases[r->ncases];
	memset(cs, 0, sizeof(*cs));
	cs->company = xstrdup(company != NULL ? company : "");
	cs->name = xstrdup(name);
	return (int)r->ncases++;
}

void rules_case_add_file(struct rules_ctx *x, int case_index, size_t file)
{
	struct rules_case *cs = &x->r->cases[case_index];

	cs->files = xreallocarray(cs->files, cs->nfiles + 1, sizeof(*cs->files));
	cs->files[cs->nfiles++] = x->m->files[file].path;
	x->case_of[file] = case_index;
}

void rules_photo_count(struct rules_ctx *x, int case_index, const char *where,
		       unsigned count, unsigned min, unsigned max)
{
	char scount[16], smin[16], smax[16];
	char *w = NULL;

	if (count >= min && count <= max)
		return;
	if (where == NULL)
		where = w = xasprintf("案例《%s》", x->r->cases[case_index].name);
	snprintf(scount, sizeof(scount), "%u", count);
	snprintf(smin, sizeof(smin), "%u", min);
	snprintf(smax, sizeof(smax), "%u", max);
	const struct rules_var vars[] = {
		{ "where", where }, { "count", scount }, { "min", smin }, { "max", smax },
		{ "fix", campaign_message(x->c, count < min ? "photo.count.more" : "photo.count.fewer") },
	};
	rules_defect(x, "photo.count", NULL, NULL, case_index, vars, 5);
	free(w);
}

/* ---- classification -------------------------------------------------------- */

static bool rules_has_keyword(const struct rules_ctx *x)
{
	const struct strlist *k = &x->c->keywords;
	const struct rules_mail *m = x->m;

	if ((m->subject != NULL && strlist_find_in(k, m->subject) != NULL) ||
	    (m->body != NULL && strlist_find_in(k, m->body) != NULL))
		return true;
	for (size_t i = 0; i < m->nfiles; i++) {
		if (strlist_find_in(k, m->files[i].path) != NULL)
			return true;
	}
	return false;
}

static const char *rules_ignored(const struct rules_ctx *x, bool *needs_human)
{
	const struct rules_mail *m = x->m;
	const struct campaign *c = x->c;

	*needs_human = false;
	if (m->from_own_mailbox ||
	    (m->from_addr != NULL && campaign_is_own_address(c, m->from_addr)))
		return "own_address";
	if (m->return_path != NULL && m->return_path[0] == '\0')
		return "bounce";
	if (m->from_addr != NULL) {
		const char *at = strchr(m->from_addr, '@');
		char *local = xstrndup(m->from_addr, at != NULL ?
				       (size_t)(at - m->from_addr) : strlen(m->from_addr));
		bool bounce = strlist_contains_ci(&c->bounce_senders, local);
		free(local);
		if (bounce)
			return "bounce";
	}
	if (m->is_report)
		return "bounce";
	if ((m->auto_submitted != NULL && strcasecmp(m->auto_submitted, "no") != 0) ||
	    m->x_autoreply)
		return "auto_reply";
	if (m->subject != NULL) {
		const char *s = m->subject;
		while (*s == ' ')
			s++;
		for (size_t i = 0; i < c->auto_reply_subjects.n; i++) {
			const char *w = c->auto_reply_subjects.v[i];
			if (strncasecmp(s, w, strlen(w)) == 0)
				return "auto_reply";
		}
	}
	if (m->precedence != NULL &&
	    (strcasecmp(m->precedence, "bulk") == 0 || strcasecmp(m->precedence, "list") == 0 ||
	     strcasecmp(m->precedence, "junk") == 0))
		return "bulk";
	if (m->list_headers)
		return "bulk";
	/* "谢谢，收到" answering a receipt quotes the campaign's words: no
	   material and a reply to one of ours is for a person, not a defect list */
	if (m->nfiles == 0 && m->nlinks == 0 && m->replies_to_receipt) {
		*needs_human = true;
		return "reply_to_receipt";
	}
	if (m->nfiles == 0 && m->nlinks == 0 && !rules_has_keyword(x)) {
		*needs_human = true;
		return "not_submission";
	}
	return NULL;
}

/* ---- per-file roles and checks ------------------------------------------------ */

static bool is_image_kind(enum facts_kind k)
{
	return k == FACTS_KIND_JPEG || k == FACTS_KIND_PNG || k == FACTS_KIND_HEIC ||
	       k == FACTS_KIND_WEBP || k == FACTS_KIND_GIF || k == FACTS_KIND_BMP ||
	       k == FACTS_KIND_TIFF;
}

static enum rules_role rules_role_of(const struct rules_ctx *x, const struct rules_file *f)
{
	const struct campaign *c = x->c;
	enum facts_kind k = f->facts != NULL ? f->facts->kind : FACTS_KIND_OTHER;
	char *ext = rules_ext(f->name);
	enum rules_role role;

	if (f->container || f->unreadable)
		role = ROLE_SKIP;
	else if (k == FACTS_KIND_EXECUTABLE || strlist_contains_ci(&c->executable_extensions, ext))
		role = ROLE_EXEC;
	/* the extension says what the sender meant; content is checked below */
	else if (strlist_contains_ci(&c->word_extensions, ext))
		role = ROLE_WORD;
	else if (strlist_contains_ci(&c->pdf_extensions, ext))
		role = ROLE_PDF;
	else if (strlist_contains_ci(&c->image_extensions, ext) ||
		 (ext[0] == '\0' && is_image_kind(k)))
		role = strlist_find_in(&c->document_keywords, f->name) != NULL ?
		       ROLE_SCAN : ROLE_PHOTO;
	else if (strlist_contains_ci(&c->video_extensions, ext) ||
		 (ext[0] == '\0' && k == FACTS_KIND_VIDEO))
		role = ROLE_VIDEO;
	else if (k == FACTS_KIND_DOC || k == FACTS_KIND_DOCX)
		role = ROLE_WORD;
	else if (k == FACTS_KIND_PDF)
		role = ROLE_PDF;
	else if (is_image_kind(k))
		role = strlist_find_in(&c->document_keywords, f->name) != NULL ?
		       ROLE_SCAN : ROLE_PHOTO;
	else if (k == FACTS_KIND_VIDEO)
		role = ROLE_VIDEO;
	else
		role = ROLE_OTHER;
	free(ext);
	return role;
}

static const char *kind_label(const struct facts *fa)
{
	static const char *const labels[FACTS_KIND_COUNT] = {
		[FACTS_KIND_JPEG] = "JPG", [FACTS_KIND_PNG] = "PNG", [FACTS_KIND_HEIC] = "HEIC",
		[FACTS_KIND_WEBP] = "WebP", [FACTS_KIND_GIF] = "GIF", [FACTS_KIND_BMP] = "BMP",
		[FACTS_KIND_TIFF] = "TIFF", [FACTS_KIND_VIDEO] = "视频", [FACTS_KIND_PDF] = "PDF",
		[FACTS_KIND_DOCX] = "Word（DOCX）", [FACTS_KIND_DOC] = "Word（DOC）",
		[FACTS_KIND_ZIP] = "ZIP压缩包", [FACTS_KIND_7Z] = "7z压缩包",
		[FACTS_KIND_RAR] = "RAR压缩包", [FACTS_KIND_TEXT] = "文本",
		[FACTS_KIND_HTML] = "网页", [FACTS_KIND_EML] = "邮件",
		[FACTS_KIND_EXECUTABLE] = "程序",
	};
	if (fa == NULL || (unsigned)fa->kind >= FACTS_KIND_COUNT || labels[fa->kind] == NULL)
		return fa != NULL && fa->mime[0] != '\0' ? fa->mime : "未知格式";
	return labels[fa->kind];
}

static void rules_check_photo(struct rules_ctx *x, size_t i, size_t *first_of_hash)
{
	const struct rules_file *f = &x->m->files[i];
	const struct campaign *c = x->c;
	enum facts_kind k = f->facts != NULL ? f->facts->kind : FACTS_KIND_OTHER;
	char *ext = rules_ext(f->name);
	char size[32];

	if (k != FACTS_KIND_JPEG) {
		const struct rules_var vars[] = { { "name", f->name }, { "format", kind_label(f->facts) } };
		rules_defect(x, "photo.format", k == FACTS_KIND_HEIC || strcmp(ext, "heic") == 0 ?
			     "photo.format.heic" : NULL, f->path, -1, vars, 2);
	} else if (!strlist_contains_ci(&c->photo_extensions, ext)) {
		const struct rules_var vars[] = { { "name", f->name } };
		rules_defect(x, "photo.format", "photo.format.extension", f->path, -1, vars, 1);
	} else if (f->size < c->photo_min_bytes) {
		rules_format_size(f->size, size, sizeof(size));
		const struct rules_var vars[] = { { "name", f->name }, { "size", size } };
		rules_defect(x, "photo.too_small", NULL, f->path, -1, vars, 2);
	}
	free(ext);
	if (f->sha256 != NULL) {
		if (first_of_hash[i] != i) {
			const struct rules_var vars[] = {
				{ "name", f->name }, { "other", x->m->files[first_of_hash[i]].name } };
			rules_defect(x, "photo.duplicate", NULL, f->path, -1, vars, 2);
		}
	}
	if (c->photo_caption) {
		char *stem = rules_stem(f->name);
		for (size_t p = 0; p < x->ncamera; p++) {
			if (regexec(&x->camera[p], stem, 0, NULL, 0) == 0) {
				const struct rules_var vars[] = { { "name", f->name } };
				rules_defect(x, "photo.caption", NULL, f->path, -1, vars, 1);
				break;
			}
		}
		free(stem);
	}
}

static void rules_check_video(struct rules_ctx *x, size_t i)
{
	const struct rules_file *f = &x->m->files[i];
	const struct campaign *c = x->c;
	const struct facts *fa = f->facts;
	char a[32], b[32], mw[16], mh[16];

	if (!c->video_allowed) {
		const struct rules_var vars[] = { { "name", f->name } };
		rules_defect(x, "file.unsupported", "file.unsupported.video", f->path, -1, vars, 1);
		return;
	}
	if (fa == NULL || fa->kind != FACTS_KIND_VIDEO ||
	    !strlist_contains_ci(&c->video_containers, fa->container)) {
		char *ext = rules_ext(f->name);
		const char *fmt = fa != NULL && fa->kind == FACTS_KIND_VIDEO ? fa->container : ext;
		char up[32];
		size_t n = 0;
		for (; fmt[n] != '\0' && n + 1 < sizeof(up); n++)
			up[n] = (char)(fmt[n] >= 'a' && fmt[n] <= 'z' ? fmt[n] - 32 : fmt[n]);
		up[n] = '\0';
		const struct rules_var vars[] = { { "name", f->name }, { "format", up } };
		rules_defect(x, "video.format", NULL, f->path, -1, vars, 2);
		free(ext);
		if (fa == NULL || fa->kind != FACTS_KIND_VIDEO)
			return;
	}
	if (c->video_max_seconds > 0 && fa->duration > c->video_max_seconds) {
		rules_format_duration(fa->duration, a, sizeof(a));
		rules_format_duration(c->video_max_seconds, b, sizeof(b));
		const struct rules_var vars[] = { { "name", f->name }, { "duration", a }, { "max", b } };
		rules_defect(x, "video.too_long", NULL, f->path, -1, vars, 3);
	}
	int w = fa->display_width, h = fa->display_height;
	snprintf(a, sizeof(a), "%d", w);
	snprintf(b, sizeof(b), "%d", h);
	snprintf(mw, sizeof(mw), "%u", c->video_min_width);
	snprintf(mh, sizeof(mh), "%u", c->video_min_height);
	const struct rules_var vars[] = {
		{ "name", f->name }, { "width", a }, { "height", b },
		{ "min_width", mw }, { "min_height", mh },
	};
	if (c->video_landscape && h > w)
		rules_defect(x, "video.portrait", NULL, f->path, -1, vars, 5);
	/* judged on the long and the short side: a portrait video is told
	   to turn, not also that it is too narrow */
	int lo = w < h ? w : h, hi = w < h ? h : w;
	if (w > 0 && h > 0 && ((unsigned)hi < c->video_min_width || (unsigned)lo < c->video_min_height))
		rules_defect(x, "video.resolution", NULL, f->path, -1, vars, 5);
}

static void rules_check_mismatch(struct rules_ctx *x, size_t i, enum rules_role role)
{
	const struct rules_file *f = &x->m->files[i];
	enum facts_kind k = f->facts != NULL ? f->facts->kind : FACTS_KIND_OTHER;
	char *ext = rules_ext(f->name);
	bool bad = false;

	if (f->facts == NULL || x->damaged[i])
		goto out;
	if (role == ROLE_WORD)
		bad = !(k == FACTS_KIND_DOC || k == FACTS_KIND_DOCX) ||
		      (strcmp(ext, "docx") == 0 && k == FACTS_KIND_DOC) ||
		      (strcmp(ext, "doc") == 0 && k == FACTS_KIND_DOCX);
	else if (role == ROLE_PDF)
		bad = k != FACTS_KIND_PDF;
	else if (role == ROLE_SCAN)
		bad = !is_image_kind(k) ||
		      ((strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0) && k != FACTS_KIND_JPEG) ||
		      (strcmp(ext, "png") == 0 && k != FACTS_KIND_PNG);
	if (bad) {
		const struct rules_var vars[] = { { "name", f->name }, { "actual", kind_label(f->facts) } };
		rules_defect(x, "file.type_mismatch", NULL, f->path, -1, vars, 2);
	}
out:
	free(ext);
}

static void rules_check_files(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;
	size_t *first_of_hash = xcalloc(m->nfiles ? m->nfiles : 1, sizeof(size_t));

	for (size_t i = 0; i < m->nfiles; i++) {
		first_of_hash[i] = i;
		if (x->roles[i] != ROLE_PHOTO || m->files[i].sha256 == NULL)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (x->roles[j] == ROLE_PHOTO && m->files[j].sha256 != NULL &&
			    strcmp(m->files[j].sha256, m->files[i].sha256) == 0) {
				first_of_hash[i] = j;
				break;
			}
		}
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct rules_file *f = &m->files[i];
		switch (x->roles[i]) {
		case ROLE_PHOTO:
			x->r->photos++;
			if (!x->damaged[i])
				rules_check_photo(x, i, first_of_hash);
			break;
		case ROLE_VIDEO:
			x->r->videos++;
			if (!x->damaged[i])
				rules_check_video(x, i);
			break;
		case ROLE_WORD: case ROLE_PDF: case ROLE_SCAN:
			rules_check_mismatch(x, i, x->roles[i]);
			break;
		case ROLE_EXEC: {
			const struct rules_var vars[] = { { "name", f->name } };
			rules_defect(x, "file.unsupported", "file.unsupported.executable",
				     f->path, -1, vars, 1);
			break;
		}
		case ROLE_OTHER: {
			const struct rules_var vars[] = { { "name", f->name }, { "actual", kind_label(f->facts) } };
			rules_defect(x, "file.unsupported", NULL, f->path, -1, vars, 2);
			break;
		}
		case ROLE_SKIP:
			break;
		}
	}
	free(first_of_hash);
}

/* ---- mail-level ------------------------------------------------------------------ */

static void rules_check_problems(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;

	for (size_t i = 0; i < m->nproblems; i++) {
		const struct rules_problem *p = &m->problems[i];
		const char *name = p->file != NULL ? strrchr(p->file, '/') : NULL;
		name = name != NULL ? name + 1 : p->file != NULL ? p->file : "";
		const struct rules_var vars[] = { { "name", name }, { "detail", p->detail } };

		if (strcmp(p->code, "archive.encrypted") == 0 ||
		    strcmp(p->code, "archive.damaged") == 0 || strcmp(p->code, "archive.bomb") == 0)
			x->contents_unknown = true;
		if (strcmp(p->code, "file.damaged") == 0) {
			for (size_t f = 0; f < m->nfiles; f++) {
				if (p->file != NULL && strcmp(m->files[f].path, p->file) == 0)
					x->damaged[f] = true;
			}
		}
		/* unsafe entries: the name shown is the whole entry path */
		if (strcmp(p->code, "archive.unsafe_entry") == 0 && p->file != NULL) {
			const char *entry = p->file;
			for (size_t f = 0; f < m->nfiles; f++) {
				size_t n = strlen(m->files[f].path);
				if (m->files[f].container && strncmp(p->file, m->files[f].path, n) == 0 &&
				    p->file[n] == '/')
					entry = p->file + n + 1;
			}
			const struct rules_var v2[] = { { "name", entry }, { "detail", p->detail } };
			rules_defect(x, p->code, NULL, p->file, -1, v2, 2);
			continue;
		}
		/* the mail as a whole (MIME limits, the worker stopped): no
		 * archive to name, and the detail is the log's English */
		if (p->file == NULL && (strcmp(p->code, "archive.bomb") == 0 ||
					strcmp(p->code, "archive.damaged") == 0)) {
			char key[32];

			snprintf(key, sizeof(key), "%s.mail", p->code);
			rules_defect(x, p->code, key, NULL, -1, vars, 2);
			continue;
		}
		rules_defect(x, p->code, NULL, p->file, -1, vars, 2);
	}
}

static void rules_check_mail(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;
	const struct campaign *c = x->c;
	char a[64], d[64];

	if (m->has_arrival && m->arrival > c->deadline + (int64_t)c->grace_minutes * 60) {
		datetime_format_zh(m->arrival, c->tz_offset, a, sizeof(a));
		datetime_format_zh(c->deadline, c->tz_offset, d, sizeof(d));
		const struct rules_var vars[] = { { "arrival", a }, { "deadline", d } };
		rules_defect(x, "mail.late", NULL, NULL, -1, vars, 2);
	}
	for (size_t i = 0; i < m->nlinks; i++) {
		char *expiry = m->links[i].expiry != NULL ?
			xasprintf("，有效期至%s", m->links[i].expiry) : xstrdup("");
		const struct rules_var vars[] = {
			{ "service", m->links[i].service }, { "url", m->links[i].url },
			{ "expiry", expiry },
		};
		rules_defect(x, "mail.big_attachment_link", NULL, NULL, -1, vars, 3);
		free(expiry);
	}
	/* a mail whose contents could not be read (MIME limits, the worker
	 * stopped, quarantine) has that defect instead */
	bool unread = false;
	for (size_t i = 0; i < m->nproblems; i++)
		unread |= m->problems[i].file == NULL &&
			  strncmp(m->problems[i].code, "archive.", 8) == 0;
	if (m->nfiles == 0 && m->nlinks == 0 && !unread)
		rules_defect(x, "mail.no_materials", NULL, NULL, -1, NULL, 0);
}

/* Files, but not one of a kind the campaign asks for (only .txt, .xlsx
 * …), and no other error said so: a receipt would tell the sender all is
 * well. A 汇总清单 in Excel is still the sender's list, not nothing. */
static bool rules_has_error(const struct rules_result *r)
{
	for (size_t i = 0; i < r->ndefects; i++) {
		if (r->defects[i].severity == RULES_ERROR)
			return true;
	}
	return false;
}

static void rules_check_unusable(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;
	size_t other = 0;

	if (rules_has_error(x->r))
		return;
	for (size_t i = 0; i < m->nfiles; i++) {
		if ((x->roles[i] != ROLE_OTHER && x->roles[i] != ROLE_SKIP) ||
		    strlist_find_in(&x->c->summary_keywords, m->files[i].name) != NULL)
			return;
		other += x->roles[i] == ROLE_OTHER;
	}
	if (other > 0 && m->nlinks == 0 && !x->contents_unknown) {
		char n[24];
		snprintf(n, sizeof(n), "%zu", other);
		const struct rules_var vars[] = { { "count", n } };
		rules_defect(x, "mail.no_materials", "mail.no_materials.unusable", NULL, -1,
			     vars, 1);
	}
}

/* ---- entry point -------------------------------------------------------------------- */

struct rules_result *rules_check(const struct campaign *c, const struct rules_mail *m)
{
	struct rules_result *r = xcalloc(1, sizeof(*r));
	struct rules_ctx x = { .c = c, .m = m, .r = r };
	size_t n = m->nfiles ? m->nfiles : 1;

	r->ignored_reason = rules_ignored(&x, &r->needs_human);
	if (r->ignored_reason != NULL) {
		r->verdict = RULES_IGNORED;
		return r;
	}
	x.roles = xcalloc(n, sizeof(*x.roles));
	x.case_of = xcalloc(n, sizeof(*x.case_of));
	x.damaged = xcalloc(n, sizeof(*x.damaged));
	x.camera = xcalloc(c->camera_name_patterns.n ? c->camera_name_patterns.n : 1,
			   sizeof(*x.camera));
	for (size_t i = 0; i < c->camera_name_patterns.n; i++) {
		if (regcomp(&x.camera[x.ncamera], c->camera_name_patterns.v[i],
			    REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0)
			x.ncamera++;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		x.roles[i] = rules_role_of(&x, &m->files[i]);
		x.case_of[i] = -1;
	}
	rules_check_mail(&x);
	rules_check_problems(&x);
	rules_check_files(&x);
	if (m->nfiles > 0) {
		if (c->grouping == CAMPAIGN_GROUP_STEM)
			rules_group_stem(&x);
		else
			rules_group_folder(&x);
		rules_check_unusable(&x);
		rules_check_content(&x);
		rules_check_selected(&x);
	}
	/* a defect about a file belongs to the case that holds the file */
	for (size_t d = 0; d < r->ndefects; d++) {
		if (r->defects[d].case_index >= 0 || r->defects[d].file == NULL)
			continue;
		for (size_t i = 0; i < m->nfiles; i++) {
			if (x.case_of[i] >= 0 && strcmp(m->files[i].path, r->defects[d].file) == 0) {
				r->defects[d].case_index = x.case_of[i];
				break;
			}
		}
	}
	r->verdict = rules_has_error(r) ? RULES_REJECTED : RULES_ACCEPTED;
	for (size_t i = 0; i < x.ncamera; i++)
		regfree(&x.camera[i]);
	free(x.camera);
	free(x.roles);
	free(x.case_of);
	free(x.damaged);
	return r;
}

void rules_resubmitted(const struct campaign *c, struct rules_result *r,
		       size_t case_index, const char *previous_receipt)
{
	struct rules_ctx x = { .c = c, .r = r };
	const struct rules_var vars[] = {
		{ "case", r->cases[case_index].name }, { "receipt", previous_receipt },
	};

	rules_defect(&x, "case.resubmitted", NULL, NULL, (int)case_index, vars, 2);
}

void rules_result_free(struct rules_result **_r)
{
	struct rules_result *r = *_r;

	if (r == NULL)
		return;
	*_r = NULL;
	for (size_t i = 0; i < r->ncases; i++) {
		free(r->cases[i].company);
		free(r->cases[i].name);
		free(r->cases[i].files);
	}
	for (size_t i = 0; i < r->ndefects; i++) {
		free(r->defects[i].file);
		free(r->defects[i].detail);
	}
	for (size_t i = 0; i < r->nsummary_rows; i++) {
		free(r->summary_rows[i].place);
		free(r->summary_rows[i].company);
		free(r->summary_rows[i].recommender);
		free(r->summary_rows[i].city);
	}
	free(r->summary_rows);
	free(r->cases);
	free(r->defects);
	free(r);
}
