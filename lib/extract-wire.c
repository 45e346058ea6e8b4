/* extract-wire: struct extract ⇄ bytes between the extraction worker and
 * the daemon; the reader trusts nothing (extract-wire.h).
 *
 * Format, version 2; integers little-endian, i32 two's complement, f64
 * IEEE 754 bits as a u64; str = u32 length + bytes (no NUL), ostr = the
 * same or u32 0xffffffff for NULL; off = u64 offset into the mail,
 * 0xffffffffffffffff for NULL (its length then 0):
 *
 *   "CMXWIRE\n" u32 version
 *   mail     u64 size, u8 truncated, ostr limit, u32 nparts, nparts × part
 *   part     i32 parent, u32 depth, str section, str type, ostr charset,
 *            ostr filename, ostr disposition, ostr content_id, u8 encoding,
 *            u8 role, off hdr, u64 hdr_len, off body, u64 body_len
 *   extract  u8 truncated, u64 bytes_out, u64 bytes_in, u64 entries,
 *            u64 next_file_no (the budget), u32 nfiles, nfiles × file
 *   file     i32 parent, u32 depth, str path, ostr stored (the name in the
 *            work directory), str section, ostr mime_type, u64 size,
 *            32 bytes sha256, facts, u8 flags, u8 archive_status,
 *            ostr archive_detail, u32 unsafe_entries, ostr unsafe,
 *            ostr text (a document's doctext, at most DOCTEXT_MAX)
 *   facts    u8 kind, str mime, str magic, u8 damaged, str damage,
 *            i32 width, height, orientation, f64 duration, str container,
 *            str codec, i32 coded_width, coded_height, rotation,
 *            display_width, display_height, pages, doc_images, u8 pdf_read,
 *            i32 pdf_text_pages, pdf_scan_pages, pdf_seal
 *   problems u32 nproblems, nproblems × (str code, ostr file, str detail)
 *   body     str body
 * and nothing after it. */
#include "extract-wire.h"
#include "charset.h"
#include "doctext.h"
#include "fsutil.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAGIC "CMXWIRE\n"
#define WIRE_NULL32 UINT32_MAX
#define WIRE_NULL64 UINT64_MAX

#define WIRE_F_PROBED     0x01
#define WIRE_F_OPENED     0x02
#define WIRE_F_TOO_DEEP   0x04
#define WIRE_F_IS_ARCHIVE 0x08
#define WIRE_F_ENCRYPTED  0x10
#define WIRE_F_ALL        0x1f

/* the fewest bytes a record can take: counts are checked against them */
#define WIRE_PART_MIN (4 + 4 + 4 + 4 + 4 * 4 + 1 + 1 + 4 * 8)
#define WIRE_FACTS_MIN (1 + 4 + 4 + 1 + 4 + 3 * 4 + 8 + 4 + 4 + 7 * 4)
#define WIRE_FILE_MIN (4 + 4 + 4 + 4 + 4 + 4 + 8 + 32 + WIRE_FACTS_MIN + 1 + 1 + 4 + 4 + 4)
#define WIRE_PROBLEM_MIN (4 + 4 + 4)

/* What extract.c records (extract_problem() calls): the parent's copies. */
static const char *const wire_codes[] = {
	"archive.bomb", "archive.unsafe_entry", "archive.encrypted",
	"archive.damaged", "archive.too_deep", "file.damaged",
};
/* message.c's struct message.limit values */
static const char *const wire_limits[] = {
	"parts", "depth", "multiparts", "header bytes", "header fields",
};

static __thread char wire_err[512];

static const char *wire_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *wire_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(wire_err, sizeof(wire_err), fmt, ap);
	va_end(ap);
	return wire_err;
}

/* ---- writing --------------------------------------------------------------- */

static void put_u8(struct buf *b, unsigned v)
{
	buf_putc(b, (char)(unsigned char)v);
}

static void put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_append(b, x, sizeof(x));
}

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_append(b, x, sizeof(x));
}

static void put_i32(struct buf *b, int v)
{
	put_u32(b, (uint32_t)v);
}

/* Length of s cut to max bytes without splitting a UTF-8 sequence. */
static size_t wire_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void put_strn(struct buf *b, const char *s, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
}

/* a string, cut at EXTRACT_WIRE_STR_MAX */
static void put_str(struct buf *b, const char *s)
{
	put_strn(b, s, wire_cut(s, EXTRACT_WIRE_STR_MAX));
}

static void put_ostr(struct buf *b, const char *s)
{
	if (s == NULL)
		put_u32(b, WIRE_NULL32);
	else
		put_str(b, s);
}

/* a char array, up to its first NUL or its end */
static void put_chars(struct buf *b, const char *s, size_t size)
{
	put_strn(b, s, strnlen(s, size - 1));
}

static int put_path(struct buf *b, const char *path, const char *what, size_t idx,
		    const char **error_r)
{
	size_t len = strlen(path);

	if (len > EXTRACT_WIRE_PATH_MAX) {
		*error_r = wire_error("%s %zu: path of %zu bytes", what, idx, len);
		return -1;
	}
	put_strn(b, path, len);
	return 0;
}

static int put_span(struct buf *b, const struct message *msg, const char *p, size_t len,
		    size_t idx, const char **error_r)
{
	if (p == NULL) {
		put_u64(b, WIRE_NULL64);
		put_u64(b, 0);
		return 0;
	}
	if (p < msg->data || (size_t)(p - msg->data) > msg->len ||
	    len > msg->len - (size_t)(p - msg->data)) {
		*error_r = wire_error("part %zu lies outside the mail", idx);
		return -1;
	}
	put_u64(b, (uint64_t)(p - msg->data));
	put_u64(b, len);
	return 0;
}

static void put_facts(struct buf *b, const struct facts *f)
{
	uint64_t bits;

	put_u8(b, (unsigned)f->kind);
	put_chars(b, f->mime, sizeof(f->mime));
	put_chars(b, f->magic, sizeof(f->magic));
	put_u8(b, f->damaged);
	put_chars(b, f->damage, sizeof(f->damage));
	put_i32(b, f->width);
	put_i32(b, f->height);
	put_i32(b, f->orientation);
	memcpy(&bits, &f->duration, sizeof(bits));
	put_u64(b, bits);
	put_chars(b, f->container, sizeof(f->container));
	put_chars(b, f->codec, sizeof(f->codec));
	put_i32(b, f->coded_width);
	put_i32(b, f->coded_height);
	put_i32(b, f->rotation);
	put_i32(b, f->display_width);
	put_i32(b, f->display_height);
	put_i32(b, f->pages);
	put_i32(b, f->doc_images);
	put_u8(b, f->pdf_read ? 1 : 0);
	put_i32(b, f->pdf_text_pages);
	put_i32(b, f->pdf_scan_pages);
	put_i32(b, f->pdf_seal);
}

/* The name of a stored file inside ex->workdir. */
static const char *wire_stored_name(const struct extract *ex, const char *stored)
{
	size_t wlen = strlen(ex->workdir);
	const char *name;

	if (strncmp(stored, ex->workdir, wlen) != 0)
		return NULL;
	name = stored + wlen;
	if (*name != '/' && (wlen == 0 || ex->workdir[wlen - 1] != '/'))
		return NULL;
	while (*name == '/')
		name++;
	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;
	return name;
}

static int put_file(struct buf *b, const struct extract *ex, size_t idx,
		    const char **error_r)
{
	const struct extract_file *f = &ex->files[idx];
	const char *stored = NULL;

	if (f->stored != NULL && (stored = wire_stored_name(ex, f->stored)) == NULL) {
		*error_r = wire_error("file %zu: stored file %s is not in %s", idx,
				      f->stored, ex->workdir);
		return -1;
	}
	put_i32(b, f->parent);
	put_u32(b, f->depth);
	if (put_path(b, f->path, "file", idx, error_r) < 0)
		return -1;
	put_ostr(b, stored);
	put_chars(b, f->section, sizeof(f->section));
	put_ostr(b, f->mime_type);
	put_u64(b, f->size);
	buf_append(b, f->sha256, sizeof(f->sha256));
	put_facts(b, &f->facts);
	put_u8(b, (f->probed ? WIRE_F_PROBED : 0) | (f->opened ? WIRE_F_OPENED : 0) |
		  (f->too_deep ? WIRE_F_TOO_DEEP : 0) |
		  (f->is_archive ? WIRE_F_IS_ARCHIVE : 0) |
		  (f->encrypted ? WIRE_F_ENCRYPTED : 0));
	put_u8(b, (unsigned)f->archive_status);
	put_ostr(b, f->archive_detail);
	put_u32(b, f->unsafe_entries);
	put_ostr(b, f->unsafe);
	put_ostr(b, f->text);
	return 0;
}

int extract_wire_encode(const struct extract *ex, struct buf *out, const char **error_r)
{
	const struct message *msg = ex->msg;
	const char *body = ex->body != NULL ? ex->body : "";

	buf_append(out, WIRE_MAGIC, 8);
	put_u32(out, EXTRACT_WIRE_VERSION);
	put_u64(out, msg->len);
	put_u8(out, msg->truncated);
	put_ostr(out, msg->limit);
	put_u32(out, (uint32_t)msg->nparts);
	for (size_t i = 0; i < msg->nparts; i++) {
		const struct message_part *p = &msg->parts[i];

		put_i32(out, p->parent);
		put_u32(out, p->depth);
		put_chars(out, p->section, sizeof(p->section));
		put_str(out, p->type != NULL ? p->type : "");
		put_ostr(out, p->charset);
		put_ostr(out, p->filename);
		put_ostr(out, p->disposition);
		put_ostr(out, p->content_id);
		put_u8(out, (unsigned)p->encoding);
		put_u8(out, (unsigned)p->role);
		if (put_span(out, msg, p->hdr, p->hdr_len, i, error_r) < 0 ||
		    put_span(out, msg, p->body, p->body_len, i, error_r) < 0)
			return -1;
	}
	put_u8(out, ex->truncated);
	put_u64(out, ex->budget.bytes_out);
	put_u64(out, ex->budget.bytes_in);
	put_u64(out, ex->budget.entries);
	put_u64(out, ex->budget.next_file_no);
	put_u32(out, (uint32_t)ex->nfiles);
	for (size_t i = 0; i < ex->nfiles; i++) {
		if (put_file(out, ex, i, error_r) < 0)
			return -1;
	}
	put_u32(out, (uint32_t)ex->nproblems);
	for (size_t i = 0; i < ex->nproblems; i++) {
		const struct extract_problem *p = &ex->problems[i];

		put_str(out, p->code);
		if (p->file == NULL)
			put_u32(out, WIRE_NULL32);
		else if (put_path(out, p->file, "problem", i, error_r) < 0)
			return -1;
		put_str(out, p->detail != NULL ? p->detail : "");
	}
	put_strn(out, body, wire_cut(body, EXTRACT_WIRE_BODY_MAX));
	return 0;
}

int extract_wire_write(int fd, const struct extract *ex, const char **error_r)
{
	struct buf b = BUF_INIT;
	int ret = -1;

	if (extract_wire_encode(ex, &b, error_r) < 0)
		goto out;
	if (fsutil_write_all(fd, b.data, b.len) < 0) {
		*error_r = wire_error("writing the result: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	buf_free(&b);
	return ret;
}

/* ---- reading ------------------------------------------------------------------ */

struct wire_rd {
	const unsigned char *start, *p, *end;
	const char *where;     /* "file 3": the record being read */
	size_t idx;
	bool failed;
};

static bool rd_fail(struct wire_rd *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool rd_fail(struct wire_rd *rd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (rd->failed)
		return false;
	rd->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->where != NULL)
		wire_error("worker result: %s %zu: %s", rd->where, rd->idx, msg);
	else
		wire_error("worker result: %s", msg);
	return false;
}

static bool rd_bytes(struct wire_rd *rd, const char *field, size_t n, const unsigned char **p_r)
{
	*p_r = NULL;
	if (rd->failed)
		return false;
	if ((size_t)(rd->end - rd->p) < n)
		return rd_fail(rd, "%s: truncated at byte %zu of %zu", field,
			       (size_t)(rd->p - rd->start), (size_t)(rd->end - rd->start));
	*p_r = rd->p;
	rd->p += n;
	return true;
}

static bool rd_u64(struct wire_rd *rd, const char *field, uint64_t *v_r)
{
	const unsigned char *x;

	if (!rd_bytes(rd, field, 8, &x))
		return false;
	*v_r = 0;
	for (int i = 7; i >= 0; i--)
		*v_r = (*v_r << 8) | x[i];
	return true;
}

static bool rd_u32(struct wire_rd *rd, const char *field, uint32_t *v_r)
{
	const unsigned char *x;

	if (!rd_bytes(rd, field, 4, &x))
		return false;
	*v_r = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 |
	       (uint32_t)x[3] << 24;
	return true;
}

static bool rd_i32(struct wire_rd *rd, const char *field, int *v_r)
{
	uint32_t u;

	if (!rd_u32(rd, field, &u))
		return false;
	*v_r = u <= INT32_MAX ? (int)u : (int)(u - 0x80000000u) + INT32_MIN;
	return true;
}

/* A byte at most max. */
static bool rd_u8(struct wire_rd *rd, const char *field, unsigned max, unsigned *v_r)
{
	const unsigned char *x;

	if (!rd_bytes(rd, field, 1, &x))
		return false;
	if (*x > max)
		return rd_fail(rd, "%s: %u out of range", field, *x);
	*v_r = *x;
	return true;
}

static bool rd_bool(struct wire_rd *rd, const char *field, bool *v_r)
{
	unsigned v = 0;

	if (!rd_u8(rd, field, 1, &v))
		return false;
	*v_r = v != 0;
	return true;
}

/* A string of at most max bytes without NUL (UTF-8 if utf8); *p_r points
 * into the input, *len_r its length; *p_r NULL for NULL if nullable. */
static bool rd_span(struct wire_rd *rd, const char *field, size_t max, bool nullable,
		    bool utf8, const char **p_r, size_t *len_r)
{
	const unsigned char *s;
	uint32_t len = 0;

	*p_r = NULL;
	*len_r = 0;
	if (!rd_u32(rd, field, &len))
		return false;
	if (len == WIRE_NULL32) {
		if (!nullable)
			return rd_fail(rd, "%s: missing", field);
		return true;
	}
	if (len > max)
		return rd_fail(rd, "%s: %u bytes, more than %zu", field, len, max);
	if (!rd_bytes(rd, field, len, &s))
		return false;
	if (memchr(s, '\0', len) != NULL)
		return rd_fail(rd, "%s: contains a NUL byte", field);
	if (utf8 && !charset_is_utf8(s, len))
		return rd_fail(rd, "%s: not UTF-8", field);
	*p_r = (const char *)s;
	*len_r = len;
	return true;
}

/* A malloc'd string (NULL if nullable and NULL). */
static bool rd_str(struct wire_rd *rd, const char *field, size_t max, bool nullable,
		   bool utf8, char **s_r)
{
	const char *p;
	size_t len;

	if (!rd_span(rd, field, max, nullable, utf8, &p, &len))
		return false;
	*s_r = p != NULL ? xstrndup(p, len) : NULL;
	return true;
}

/* Into a zeroed char array, NUL-terminated. */
static bool rd_chars(struct wire_rd *rd, const char *field, char *out, size_t size)
{
	const char *p;
	size_t len;

	if (!rd_span(rd, field, size - 1, false, false, &p, &len))
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* An IMAP section: "" or digits and dots. */
static bool rd_section(struct wire_rd *rd, char *out, size_t size)
{
	if (!rd_chars(rd, "section", out, size))
		return false;
	if (strspn(out, "0123456789.") != strlen(out))
		return rd_fail(rd, "section: \"%s\" is not digits and dots", out);
	return true;
}

/* One of the names in table (the static copy), or NULL if nullable. */
static bool rd_name(struct wire_rd *rd, const char *field, const char *const *table,
		    size_t n, bool nullable, const char **name_r)
{
	const char *p;
	size_t len;

	*name_r = NULL;
	if (!rd_span(rd, field, 64, nullable, false, &p, &len))
		return false;
	if (p == NULL)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (strlen(table[i]) == len && memcmp(table[i], p, len) == 0) {
			*name_r = table[i];
			return true;
		}
	}
	return rd_fail(rd, "%s: unknown \"%.*s\"", field, (int)len, p);
}

/* A count the limit allows and the remaining bytes can hold. */
static bool rd_count(struct wire_rd *rd, const char *field, size_t max, size_t min_bytes,
		     size_t *n_r)
{
	uint32_t n;

	if (!rd_u32(rd, field, &n))
		return false;
	if (n > max)
		return rd_fail(rd, "%s: %u, more than %zu", field, n, max);
	if (n > (size_t)(rd->end - rd->p) / min_bytes)
		return rd_fail(rd, "%s: %u, more than the %zu bytes left can hold", field, n,
			       (size_t)(rd->end - rd->p));
	*n_r = n;
	return true;
}

/* parent: -1 or an earlier index. */
static bool rd_parent(struct wire_rd *rd, size_t idx, int *parent_r)
{
	if (!rd_i32(rd, "parent", parent_r))
		return false;
	if (*parent_r < -1 || (*parent_r >= 0 && (size_t)*parent_r >= idx))
		return rd_fail(rd, "parent %d is not an earlier one", *parent_r);
	return true;
}

/* depth: the parent's + 1 (0 at the top), at most max_depth. Call only
 * once rd_parent() has checked the parent. */
static bool rd_depth(struct wire_rd *rd, int parent, unsigned parent_depth,
		     unsigned max_depth, unsigned *depth_r)
{
	if (!rd_u32(rd, "depth", depth_r))
		return false;
	if (*depth_r != (parent < 0 ? 0 : parent_depth + 1))
		return rd_fail(rd, "depth %u under a parent of depth %u", *depth_r,
			       parent < 0 ? 0 : parent_depth);
	if (*depth_r > max_depth)
		return rd_fail(rd, "depth %u, more than %u", *depth_r, max_depth);
	return true;
}

static bool rd_mail_span(struct wire_rd *rd, const char *field, const struct message *msg,
			 const char **p_r, size_t *len_r)
{
	uint64_t off, len;
	char lenfield[32];

	snprintf(lenfield, sizeof(lenfield), "%s length", field);
	if (!rd_u64(rd, field, &off) || !rd_u64(rd, lenfield, &len))
		return false;
	if (off == WIRE_NULL64) {
		if (len != 0)
			return rd_fail(rd, "%s: no offset but %llu bytes", field,
				       (unsigned long long)len);
		*p_r = NULL;
		*len_r = 0;
		return true;
	}
	if (off > msg->len || len > msg->len - off)
		return rd_fail(rd, "%s: bytes %llu+%llu outside the mail of %zu", field,
			       (unsigned long long)off, (unsigned long long)len, msg->len);
	*p_r = msg->data + off;
	*len_r = (size_t)len;
	return true;
}

static bool rd_parts(struct wire_rd *rd, struct message *msg, const struct message_limits *lim)
{
	size_t max_parts = lim->max_parts != 0 ? lim->max_parts : MESSAGE_DEFAULT_MAX_PARTS;
	unsigned max_depth = lim->max_depth != 0 ? lim->max_depth : MESSAGE_DEFAULT_MAX_DEPTH;
	size_t n;
	unsigned v;

	if (!rd_count(rd, "parts", max_parts, WIRE_PART_MIN, &n))
		return false;
	msg->parts = xcalloc(n > 0 ? n : 1, sizeof(*msg->parts));
	msg->nparts = n; /* zeroed parts free cleanly */
	rd->where = "part";
	for (size_t i = 0; i < n && !rd->failed; i++) {
		struct message_part *p = &msg->parts[i];

		rd->idx = i;
		if (!rd_parent(rd, i, &p->parent) ||
		    !rd_depth(rd, p->parent, p->parent >= 0 ? msg->parts[p->parent].depth : 0,
			      max_depth, &p->depth) ||
		    !rd_section(rd, p->section, sizeof(p->section)) ||
		    !rd_str(rd, "type", EXTRACT_WIRE_STR_MAX, false, false, &p->type) ||
		    !rd_str(rd, "charset", EXTRACT_WIRE_STR_MAX, true, false, &p->charset) ||
		    !rd_str(rd, "filename", EXTRACT_WIRE_STR_MAX, true, true, &p->filename) ||
		    !rd_str(rd, "disposition", EXTRACT_WIRE_STR_MAX, true, false,
			    &p->disposition) ||
		    !rd_str(rd, "content_id", EXTRACT_WIRE_STR_MAX, true, false,
			    &p->content_id))
			break;
		if (!rd_u8(rd, "encoding", MESSAGE_ENC_QP, &v))
			break;
		p->encoding = (enum message_encoding)v;
		if (!rd_u8(rd, "role", MESSAGE_ROLE_ATTACHMENT, &v))
			break;
		p->role = (enum message_role)v;
		if (!rd_mail_span(rd, "header", msg, &p->hdr, &p->hdr_len) ||
		    !rd_mail_span(rd, "body", msg, &p->body, &p->body_len))
			break;
	}
	rd->where = NULL;
	return !rd->failed;
}

static bool rd_facts(struct wire_rd *rd, struct facts *f)
{
	uint64_t bits = 0;
	unsigned kind = 0;

	if (!rd_u8(rd, "facts kind", FACTS_KIND_COUNT - 1, &kind) ||
	    !rd_chars(rd, "facts mime", f->mime, sizeof(f->mime)) ||
	    !rd_chars(rd, "facts magic", f->magic, sizeof(f->magic)) ||
	    !rd_bool(rd, "facts damaged", &f->damaged) ||
	    !rd_chars(rd, "facts damage", f->damage, sizeof(f->damage)) ||
	    !rd_i32(rd, "facts width", &f->width) || !rd_i32(rd, "facts height", &f->height) ||
	    !rd_i32(rd, "facts orientation", &f->orientation) ||
	    !rd_u64(rd, "facts duration", &bits) ||
	    !rd_chars(rd, "facts container", f->container, sizeof(f->container)) ||
	    !rd_chars(rd, "facts codec", f->codec, sizeof(f->codec)) ||
	    !rd_i32(rd, "facts coded_width", &f->coded_width) ||
	    !rd_i32(rd, "facts coded_height", &f->coded_height) ||
	    !rd_i32(rd, "facts rotation", &f->rotation) ||
	    !rd_i32(rd, "facts display_width", &f->display_width) ||
	    !rd_i32(rd, "facts display_height", &f->display_height) ||
	    !rd_i32(rd, "facts pages", &f->pages) ||
	    !rd_i32(rd, "facts doc_images", &f->doc_images) ||
	    !rd_bool(rd, "facts pdf_read", &f->pdf_read) ||
	    !rd_i32(rd, "facts pdf_text_pages", &f->pdf_text_pages) ||
	    !rd_i32(rd, "facts pdf_scan_pages", &f->pdf_scan_pages) ||
	    !rd_i32(rd, "facts pdf_seal", &f->pdf_seal))
		return false;
	f->kind = (enum facts_kind)kind;
	memcpy(&f->duration, &bits, sizeof(f->duration));
	facts_sanitize(f);
	return true;
}

/* The path, checked against the parent's (check.c and inspect.c take the
 * part after "<parent path>/"); name is its last component. */
static bool rd_path(struct wire_rd *rd, struct extract *ex, struct extract_file *f)
{
	const char *slash;

	if (!rd_str(rd, "path", EXTRACT_WIRE_PATH_MAX, false, true, &f->path))
		return false;
	if (f->parent >= 0) {
		const char *pp = ex->files[f->parent].path;
		size_t plen = strlen(pp);

		if (strncmp(f->path, pp, plen) != 0 || f->path[plen] != '/')
			return rd_fail(rd, "path does not start with its container's path");
	}
	slash = strrchr(f->path, '/');
	f->name = slash != NULL ? slash + 1 : f->path;
	return true;
}

static bool rd_stored(struct wire_rd *rd, const char *workdir, struct extract_file *f)
{
	const char *p;
	size_t len;

	if (!rd_span(rd, "stored", 255, true, false, &p, &len) || p == NULL)
		return !rd->failed;
	if (len == 0 || memchr(p, '/', len) != NULL || (len == 1 && p[0] == '.') ||
	    (len == 2 && p[0] == '.' && p[1] == '.'))
		return rd_fail(rd, "stored: \"%.*s\" is not a file name in the work directory",
			       (int)len, p);
	f->stored = xasprintf("%s/%.*s", workdir, (int)len, p);
	return true;
}

static bool rd_file(struct wire_rd *rd, struct extract *ex, size_t i, unsigned max_depth)
{
	struct extract_file *f = &ex->files[i];
	const unsigned char *sha;
	unsigned flags, status;

	if (!rd_parent(rd, i, &f->parent) ||
	    !rd_depth(rd, f->parent, f->parent >= 0 ? ex->files[f->parent].depth : 0,
		      max_depth, &f->depth) ||
	    !rd_path(rd, ex, f) || !rd_stored(rd, ex->workdir, f) ||
	    !rd_section(rd, f->section, sizeof(f->section)) ||
	    !rd_str(rd, "mime_type", EXTRACT_WIRE_STR_MAX, true, false, &f->mime_type) ||
	    !rd_u64(rd, "size", &f->size) ||
	    !rd_bytes(rd, "sha256", sizeof(f->sha256), &sha))
		return false;
	memcpy(f->sha256, sha, sizeof(f->sha256));
	if (!rd_facts(rd, &f->facts) || !rd_u8(rd, "flags", WIRE_F_ALL, &flags)) /* no unknown bits */
		return false;
	f->probed = (flags & WIRE_F_PROBED) != 0;
	f->opened = (flags & WIRE_F_OPENED) != 0;
	f->too_deep = (flags & WIRE_F_TOO_DEEP) != 0;
	f->is_archive = (flags & WIRE_F_IS_ARCHIVE) != 0;
	f->encrypted = (flags & WIRE_F_ENCRYPTED) != 0;
	if (!rd_u8(rd, "archive_status", UNPACK_BOMB, &status))
		return false;
	f->archive_status = (enum unpack_status)status;
	return rd_str(rd, "archive_detail", EXTRACT_WIRE_STR_MAX, true, false,
		      &f->archive_detail) &&
	       rd_u32(rd, "unsafe_entries", &f->unsafe_entries) &&
	       rd_str(rd, "unsafe", EXTRACT_WIRE_STR_MAX, true, false, &f->unsafe) &&
	       rd_str(rd, "text", DOCTEXT_MAX, true, false, &f->text);
}

static bool rd_files(struct wire_rd *rd, struct extract *ex, const struct extract_settings *set)
{
	size_t max_files = set->max_files != 0 ? set->max_files : EXTRACT_DEFAULT_MAX_FILES;
	unsigned max_depth = set->max_depth != 0 ? set->max_depth : EXTRACT_DEFAULT_MAX_DEPTH;
	size_t n;

	if (!rd_bool(rd, "truncated", &ex->truncated) ||
	    !rd_u64(rd, "budget bytes_out", &ex->budget.bytes_out) ||
	    !rd_u64(rd, "budget bytes_in", &ex->budget.bytes_in) ||
	    !rd_u64(rd, "budget entries", &ex->budget.entries) ||
	    !rd_u64(rd, "budget next_file_no", &ex->budget.next_file_no) ||
	    !rd_count(rd, "files", max_files, WIRE_FILE_MIN, &n))
		return false;
	ex->files = xcalloc(n > 0 ? n : 1, sizeof(*ex->files));
	ex->nfiles = n;
	rd->where = "file";
	for (size_t i = 0; i < n; i++) {
		rd->idx = i;
		if (!rd_file(rd, ex, i, max_depth))
			break;
	}
	rd->where = NULL;
	return !rd->failed;
}

static bool rd_problems(struct wire_rd *rd, struct extract *ex,
			const struct extract_settings *set)
{
	size_t max_files = set->max_files != 0 ? set->max_files : EXTRACT_DEFAULT_MAX_FILES;
	size_t n;

	if (!rd_count(rd, "problems", 2 * max_files + 16, WIRE_PROBLEM_MIN, &n))
		return false;
	ex->problems = xcalloc(n > 0 ? n : 1, sizeof(*ex->problems));
	ex->nproblems = n;
	rd->where = "problem";
	for (size_t i = 0; i < n; i++) {
		struct extract_problem *p = &ex->problems[i];

		rd->idx = i;
		if (!rd_name(rd, "code", wire_codes, sizeof(wire_codes) / sizeof(wire_codes[0]),
			     false, &p->code) ||
		    !rd_str(rd, "file", EXTRACT_WIRE_PATH_MAX, true, true, &p->file) ||
		    !rd_str(rd, "detail", EXTRACT_WIRE_STR_MAX, false, false, &p->detail))
			break;
	}
	rd->where = NULL;
	return !rd->failed;
}

static bool rd_header(struct wire_rd *rd)
{
	const unsigned char *magic;
	uint32_t version;

	if (!rd_bytes(rd, "magic", 8, &magic))
		return false;
	if (memcmp(magic, WIRE_MAGIC, 8) != 0)
		return rd_fail(rd, "not an extraction result (bad magic)");
	if (!rd_u32(rd, "version", &version))
		return false;
	if (version != EXTRACT_WIRE_VERSION)
		return rd_fail(rd, "version %u, expected %u", version, EXTRACT_WIRE_VERSION);
	return true;
}

static bool rd_mail(struct wire_rd *rd, struct message *msg, const struct message_limits *lim)
{
	uint64_t size;

	if (!rd_u64(rd, "mail size", &size) || !rd_bool(rd, "mail truncated", &msg->truncated) ||
	    !rd_name(rd, "mail limit", wire_limits, sizeof(wire_limits) / sizeof(wire_limits[0]),
		     true, &msg->limit))
		return false;
	if (size != msg->len)
		return rd_fail(rd, "the worker's mail had %llu bytes, this one %zu",
			       (unsigned long long)size, msg->len);
	if (msg->truncated != (msg->limit != NULL))
		return rd_fail(rd, "mail truncated %s a limit", msg->truncated ? "without" : "with");
	return rd_parts(rd, msg, lim);
}

int extract_wire_read(const void *data, size_t len, const char *eml_path,
		      const char *workdir, const struct extract_settings *set_in,
		      struct extract **ex_r, const char **error_r)
{
	static const struct extract_settings defaults;
	const struct extract_settings *set = set_in != NULL ? set_in : &defaults;
	struct wire_rd rd = { .start = data, .p = data, .end = (const unsigned char *)data + len };
	struct extract *ex = xcalloc(1, sizeof(*ex));

	ex->workdir = xstrdup(workdir);
	if (!rd_header(&rd))
		goto fail;
	if (message_open_file_unparsed(eml_path, &set->message, &ex->msg, error_r) < 0) {
		extract_free(&ex);
		return -1;
	}
	if (!rd_mail(&rd, ex->msg, &set->message) || !rd_files(&rd, ex, set) ||
	    !rd_problems(&rd, ex, set) ||
	    !rd_str(&rd, "body", EXTRACT_WIRE_BODY_MAX, false, true, &ex->body))
		goto fail;
	if (rd.p != rd.end) {
		rd_fail(&rd, "%zu bytes after the end", (size_t)(rd.end - rd.p));
		goto fail;
	}
	*ex_r = ex;
	return 0;
fail:
	*error_r = wire_err;
	extract_free(&ex);
	return -1;
}
