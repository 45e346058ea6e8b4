/* extract: mail → files on disk with facts; archives and attached mails
 * are opened recursively under one budget and one depth limit. */
#include "extract.h"
#include "fsutil.h"
#include "probe.h"
#include "xalloc.h"

#include <nettle/sha2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXTRACT_TEXT_BUDGET (32 * 1024 * 1024)

struct extract_ctx {
	struct extract *ex;
	struct extract_settings set;
	struct probe *probe;
	unsigned attach_no;            /* names the attachment files on disk */
	size_t text_bytes;             /* documents' texts kept so far */
	const char *error;
	char errbuf[256];
};

static int extract_contents(struct extract_ctx *c, size_t idx);

void extract_sha256_hex(const struct extract_file *f, char out[65])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(out + i * 2, 3, "%02x", f->sha256[i]);
}

static void extract_problem(struct extract *ex, const char *code, const char *file,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void extract_problem(struct extract *ex, const char *code, const char *file,
			    const char *fmt, ...)
{
	struct extract_problem *p;
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ex->problems = xreallocarray(ex->problems, ex->nproblems + 1, sizeof(*p));
	p = &ex->problems[ex->nproblems++];
	p->code = code;
	p->file = file != NULL ? xstrdup(file) : NULL;
	p->detail = buf_steal(&b);
}

/* ---- names ---------------------------------------------------------------- */

/* A sender's file name as a single path component: the part after the
 * last '/' or '\' (old Outlook sends "C:\...\x.doc"), no control
 * characters, trimmed, cut at a UTF-8 boundary. "" when nothing is left. */
static char *extract_clean_name(const char *name, size_t max)
{
	const char *base = name;
	struct buf b = BUF_INIT;

	for (const char *s = name; *s != '\0'; s++) {
		if (*s == '/' || *s == '\\')
			base = s + 1;
	}
	while (*base == ' ' || *base == '\t')
		base++;
	for (const char *s = base; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			buf_putc(&b, *s);
	}
	while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
		buf_truncate(&b, b.len - 1);
	if (b.len > max) {
		/* cut the stem, keep a short extension: ".zip" and ".docx"
		 * decide how the rules read the file */
		const char *dot = memrchr(b.data, '.', b.len);
		size_t ext = dot != NULL ? b.len - (size_t)(dot - b.data) : 0;
		size_t n;

		if (ext > 16 || ext >= max / 2)
			ext = 0;
		n = max - ext;
		while (n > 0 && ((unsigned char)b.data[n] & 0xc0) == 0x80)
			n--; /* don't cut a UTF-8 sequence */
		memmove(b.data + n, b.data + b.len - ext, ext);
		buf_truncate(&b, n + ext);
	}
	return buf_steal(&b);
}

static const char *extract_ext_for_type(const char *type)
{
	static const struct { const char *type, *ext; } map[] = {
		{ "application/pdf", ".pdf" }, { "image/jpeg", ".jpg" },
		{ "image/png", ".png" }, { "application/zip", ".zip" },
		{ "application/x-zip-compressed", ".zip" }, { "application/msword", ".doc" },
		{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
		{ "video/mp4", ".mp4" }, { "video/quicktime", ".mov" },
		{ "application/x-rar-compressed", ".rar" }, { "application/x-7z-compressed", ".7z" },
		{ "message/rfc822", ".eml" }, { "text/plain", ".txt" }, { "text/html", ".html" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (type != NULL && strcmp(type, map[i].type) == 0)
			return map[i].ext;
	}
	return ".bin";
}

static char *extract_join(const struct extract *ex, int parent, const char *name)
{
	if (parent < 0)
		return xstrdup(name);
	return xasprintf("%s/%s", ex->files[parent].path, name);
}

static size_t extract_add(struct extract_ctx *c, int parent, char *path)
{
	struct extract *ex = c->ex;
	struct extract_file *f;
	const char *slash;

	/* doubling: 20,000 files must not mean 20,000 copies of the array */
	if ((ex->nfiles & (ex->nfiles - 1)) == 0)
		ex->files = xreallocarray(ex->files, ex->nfiles ? ex->nfiles * 2 : 1, sizeof(*f));
	f = &ex->files[ex->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = path;
	slash = strrchr(path, '/');
	f->name = slash != NULL ? slash + 1 : path;
	f->parent = parent;
	f->depth = parent < 0 ? 0 : ex->files[parent].depth + 1;
	return ex->nfiles++;
}

static bool extract_full(struct extract_ctx *c)
{
	if (c->ex->nfiles < c->set.max_files)
		return false;
	if (!c->ex->truncated)
		extract_problem(c->ex, "archive.bomb", NULL,
				"more than %zu files in one mail", c->set.max_files);
	c->ex->truncated = true;
	return true;
}

/* ---- attachments ---------------------------------------------------------- */

struct write_sink {
	int fd;
	struct sha256_ctx sha;
	uint64_t size;
	int error;
};

static int write_sink(void *ctx, const void *data, size_t len)
{
	struct write_sink *w = ctx;

	sha256_update(&w->sha, len, data);
	w->size += len;
	if (fsutil_write_all(w->fd, data, len) < 0) {
		w->error = errno;
		return -1;
	}
	return 0;
}

static int extract_attachment(struct extract_ctx *c, const struct message *msg,
			      const struct message_part *part, int parent)
{
	struct extract *ex = c->ex;
	struct write_sink w = { .fd = -1 };
	struct extract_file *f;
	char *name, *stored;
	size_t idx;

	name = extract_clean_name(part->filename != NULL ? part->filename : "",
				  c->set.max_name_bytes);
	if (name[0] == '\0') {
		free(name);
		name = xasprintf("未命名附件%s%s", part->section,
				 extract_ext_for_type(part->type));
	}
	stored = xasprintf("%s/a%06u", ex->workdir, ++c->attach_no);
	w.fd = open(stored, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w.fd < 0) {
		snprintf(c->errbuf, sizeof(c->errbuf), "open(%s): %s", stored, strerror(errno));
		c->error = c->errbuf;
		free(name);
		free(stored);
		return -1;
	}
	sha256_init(&w.sha);
	(void)message_part_decode(msg, part, write_sink, &w);
	if (close(w.fd) < 0 && w.error == 0)
		w.error = errno;
	if (w.error != 0) {
		snprintf(c->errbuf, sizeof(c->errbuf), "write(%s): %s", stored, strerror(w.error));
		c->error = c->errbuf;
		free(name);
		free(stored);
		return -1;
	}
	idx = extract_add(c, parent, extract_join(ex, parent, name));
	free(name);
	f = &ex->files[idx];
	f->stored = stored;
	f->size = w.size;
	sha256_digest(&w.sha, sizeof(f->sha256), f->sha256);
	snprintf(f->section, sizeof(f->section), "%s", part->section);
	f->mime_type = xstrdup(part->type);
	return extract_contents(c, idx);
}

static int extract_message_parts(struct extract_ctx *c, const struct message *msg,
				 int parent)
{
	/* More parts than a mail may have is a bomb whatever its first ten
	 * thousand hold: writing and probing them first would only cost
	 * (10,000 files is seconds of inode allocation) and fill the report
	 * with one line per part. A depth or header limit still leaves the
	 * parts that were read. */
	bool over_parts = msg->truncated && msg->limit != NULL &&
			  strcmp(msg->limit, "parts") == 0;

	for (size_t i = 0; i < msg->nparts && !over_parts; i++) {
		if (msg->parts[i].role != MESSAGE_ROLE_ATTACHMENT)
			continue;
		if (extract_full(c))
			break;
		if (extract_attachment(c, msg, &msg->parts[i], parent) < 0)
			return -1;
	}
	if (msg->truncated)
		extract_problem(c->ex, "archive.bomb",
				parent >= 0 ? c->ex->files[parent].path : NULL,
				"MIME structure beyond the %s limit",
				msg->limit != NULL ? msg->limit : "part or depth");
	return 0;
}

/* ---- containers ------------------------------------------------------------ */

struct unpack_ctx {
	struct extract_ctx *c;
	size_t parent;
};

static int extract_unpack_entry(void *ctx, const struct unpack_entry *e)
{
	struct unpack_ctx *u = ctx;
	struct extract_ctx *c = u->c;
	struct extract_file *f;
	size_t idx;

	if (e->is_dir)
		return 0;
	if (extract_full(c)) {
		if (e->stored_path != NULL)
			(void)unlink(e->stored_path);
		return 0;
	}
	idx = extract_add(c, (int)u->parent, extract_join(c->ex, (int)u->parent, e->path));
	f = &c->ex->files[idx];
	f->stored = e->stored_path != NULL ? xstrdup(e->stored_path) : NULL;
	f->size = e->size;
	memcpy(f->sha256, e->sha256, sizeof(f->sha256));
	f->encrypted = e->encrypted;
	if (e->unsafe != NULL) {
		f->unsafe = xstrdup(e->unsafe);
		c->ex->files[u->parent].unsafe_entries++;
		extract_problem(c->ex, "archive.unsafe_entry", f->path, "%s", e->unsafe);
	}
	return 0;
}

static const char *extract_archive_code(enum unpack_status status)
{
	switch (status) {
	case UNPACK_OK: return NULL;
	case UNPACK_ENCRYPTED: return "archive.encrypted";
	case UNPACK_DAMAGED: return "archive.damaged";
	case UNPACK_BOMB: return "archive.bomb";
	}
	return "archive.damaged";
}

static int extract_archive(struct extract_ctx *c, size_t idx)
{
	struct extract *ex = c->ex;
	struct unpack_ctx u = { .c = c, .parent = idx };
	enum unpack_status status = UNPACK_OK;
	const char *detail = NULL, *error = NULL, *code;
	size_t first = ex->nfiles, last;

	/* the mail's own archives are the input of the mail-wide ratio */
	if (ex->files[idx].parent < 0 || !ex->files[ex->files[idx].parent].is_archive)
		ex->budget.bytes_in += ex->files[idx].size;
	if (unpack_archive(ex->files[idx].stored, ex->files[idx].name, ex->workdir,
			   &c->set.unpack,
			   &ex->budget, extract_unpack_entry, &u,
			   &status, &detail, &error) < 0) {
		snprintf(c->errbuf, sizeof(c->errbuf), "unpack: %s", error);
		c->error = c->errbuf;
		return -1;
	}
	last = ex->nfiles;
	struct extract_file *f = &ex->files[idx];
	f->is_archive = true;
	f->opened = true;
	f->archive_status = status;
	if (detail != NULL)
		f->archive_detail = xstrdup(detail);
	code = extract_archive_code(status);
	if (code != NULL)
		extract_problem(ex, code, f->path, "%s", detail != NULL ? detail : code);
	for (size_t i = first; i < last; i++) {
		if (ex->files[i].stored != NULL && extract_contents(c, i) < 0)
			return -1;
	}
	return 0;
}

static int extract_attached_mail(struct extract_ctx *c, size_t idx)
{
	struct extract *ex = c->ex;
	struct message *inner = NULL;
	const char *error;
	int ret;

	if (message_open_file(ex->files[idx].stored, &c->set.message, &inner, &error) < 0) {
		extract_problem(ex, "file.damaged", ex->files[idx].path,
				"attached mail unreadable: %s", error);
		return 0;
	}
	/* an unnamed message/rfc822 part is named after its subject */
	if (strncmp(ex->files[idx].name, "未命名附件", strlen("未命名附件")) == 0) {
		char *subject = message_header_decoded(inner, NULL, "Subject");
		char *clean = extract_clean_name(subject != NULL ? subject : "", 200);
		if (clean[0] != '\0') {
			char *eml = xasprintf("%s.eml", clean);
			struct extract_file *f = &ex->files[idx];
			free(f->path);
			f->path = extract_join(ex, f->parent, eml);
			const char *slash = strrchr(f->path, '/');
			f->name = slash != NULL ? slash + 1 : f->path;
			free(eml);
		}
		free(clean);
		free(subject);
	}
	ex->files[idx].opened = true;
	ret = extract_message_parts(c, inner, (int)idx);
	message_free(&inner);
	return ret;
}

static bool extract_is_container(const struct extract_file *f, bool *is_mail_r)
{
	/* OOXML, ODF, EPUB, JAR are zips, but documents, not folders */
	static const char *const not_archives[] = {
		"application/vnd.openxmlformats", "application/vnd.oasis",
		"application/vnd.ms-", "application/epub", "application/java",
		"application/vnd.android",
	};
	*is_mail_r = f->facts.kind == FACTS_KIND_EML ||
		     (f->mime_type != NULL && strcmp(f->mime_type, "message/rfc822") == 0);
	if (*is_mail_r)
		return true;
	if (!facts_kind_is_archive(f->facts.kind))
		return false;
	for (size_t i = 0; i < sizeof(not_archives) / sizeof(not_archives[0]); i++) {
		if (strncmp(f->facts.mime, not_archives[i], strlen(not_archives[i])) == 0)
			return false;
	}
	return true;
}

/* Probe file idx; open it if it is an archive or a mail. */
static int extract_contents(struct extract_ctx *c, size_t idx)
{
	struct extract *ex = c->ex;
	struct extract_file *f = &ex->files[idx];
	struct sandbox_report report;
	const char *error;
	bool is_mail;

	if (probe_file_report(c->probe, f->stored, &f->facts, &report, &f->text,
			      &error) < 0) {
		snprintf(c->errbuf, sizeof(c->errbuf), "probe: %s", error);
		c->error = c->errbuf;
		return -1;
	}
	f->probed = true;
	if (f->text != NULL) {
		/* the texts of one mail's documents, within what the worker's
		   result may carry (a package of a few hundred Word files is
		   some megabytes); beyond, documents are not read for content */
		c->text_bytes += strlen(f->text);
		if (c->text_bytes > EXTRACT_TEXT_BUDGET) {
			free(f->text);
			f->text = NULL;
		}
	}
	if (!extract_is_container(f, &is_mail)) {
		if (f->facts.damaged)
			extract_problem(ex, "file.damaged", f->path, "%s", f->facts.damage);
		return 0;
	}
	if (f->depth + 1 > c->set.max_depth) {
		f->too_deep = true;
		extract_problem(ex, "archive.too_deep", f->path,
				"nested deeper than %u containers", c->set.max_depth);
		return 0;
	}
	return is_mail ? extract_attached_mail(c, idx) : extract_archive(c, idx);
}

/* ---- entry points ------------------------------------------------------------ */

/* The mail's own text, for the links and the rules that read it. */
static char *extract_body(const struct message *msg)
{
	struct buf body = BUF_INIT;

	for (size_t i = 0; i < msg->nparts && body.len < EXTRACT_BODY_MAX; i++) {
		if (msg->parts[i].role != MESSAGE_ROLE_BODY)
			continue;
		message_part_text(msg, &msg->parts[i], EXTRACT_BODY_MAX - body.len, &body);
		buf_putc(&body, '\n');
	}
	return buf_steal(&body);
}

int extract_mail(const char *eml_path, const char *workdir,
		 const struct extract_settings *set, struct probe *probe,
		 struct extract **ex_r, const char **error_r)
{
	static const struct extract_settings defaults;
	struct extract_ctx c = { .probe = probe };
	struct extract *ex = xcalloc(1, sizeof(*ex));

	c.set = set != NULL ? *set : defaults;
	if (c.set.max_depth == 0)
		c.set.max_depth = EXTRACT_DEFAULT_MAX_DEPTH;
	if (c.set.max_files == 0)
		c.set.max_files = EXTRACT_DEFAULT_MAX_FILES;
	if (c.set.max_name_bytes == 0)
		c.set.max_name_bytes = EXTRACT_DEFAULT_MAX_NAME_BYTES;
	c.ex = ex;
	ex->workdir = xstrdup(workdir);
	if (message_open_file(eml_path, &c.set.message, &ex->msg, error_r) < 0) {
		extract_free(&ex);
		return -1;
	}
	if (extract_message_parts(&c, ex->msg, -1) < 0) {
		/* c.errbuf lives on this stack frame: copy it out */
		static __thread char extract_err[sizeof(c.errbuf)];
		snprintf(extract_err, sizeof(extract_err), "%s", c.error);
		*error_r = extract_err;
		extract_free(&ex);
		return -1;
	}
	ex->body = extract_body(ex->msg);
	*ex_r = ex;
	return 0;
}

const char *extract_archive_status(const struct extract_file *f)
{
	if (f->too_deep)
		return "too_deep";
	if (!f->is_archive)
		return NULL;
	if (f->archive_status == UNPACK_OK && f->unsafe_entries > 0)
		return "unsafe";
	return unpack_status_name(f->archive_status);
}

void extract_free(struct extract **_ex)
{
	struct extract *ex = *_ex;

	if (ex == NULL)
		return;
	*_ex = NULL;
	for (size_t i = 0; i < ex->nfiles; i++) {
		struct extract_file *f = &ex->files[i];
		free(f->path);
		free(f->stored);
		free(f->mime_type);
		free(f->archive_detail);
		free(f->text);
		free(f->unsafe);
	}
	for (size_t i = 0; i < ex->nproblems; i++) {
		free(ex->problems[i].file);
		free(ex->problems[i].detail);
	}
	free(ex->files);
	free(ex->problems);
	message_free(&ex->msg);
	free(ex->body);
	free(ex->workdir);
	free(ex);
}
