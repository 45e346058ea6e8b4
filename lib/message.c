/* message: mail → MIME part tree (libetpan for structure, our own header
 * decoding), header access, streaming body decoding. */
#include "message.h"
#include "charset.h"
#include "mimeparam.h"
#include "rfc2047.h"
#include "xalloc.h"

#include <libetpan/libetpan.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static __thread char message_err[256];

const char *message_role_name(enum message_role role)
{
	switch (role) {
	case MESSAGE_ROLE_CONTAINER: return "container";
	case MESSAGE_ROLE_BODY: return "body";
	case MESSAGE_ROLE_INLINE: return "inline";
	case MESSAGE_ROLE_ATTACHMENT: return "attachment";
	}
	return "?";
}

/* ---- header fields ---------------------------------------------------- */

static bool header_next(const char *h, size_t len, size_t *pos,
			const char **name_r, size_t *name_len_r,
			const char **value_r, size_t *value_len_r)
{
	size_t p = *pos;

	while (p < len) {
		size_t start = p, colon = 0, vend;

		if (h[p] == '\n' || (h[p] == '\r' && p + 1 < len && h[p + 1] == '\n'))
			break; /* empty line: end of the header */
		/* the field runs to a newline not followed by a blank */
		for (; p < len; p++) {
			if (h[p] == ':' && colon == 0)
				colon = p;
			if (h[p] == '\n' && !(p + 1 < len && (h[p + 1] == ' ' || h[p + 1] == '\t'))) {
				p++;
				break;
			}
		}
		vend = p;
		while (vend > start && (h[vend - 1] == '\n' || h[vend - 1] == '\r'))
			vend--;
		if (colon == 0)
			continue; /* garbage line: skip */
		size_t v = colon + 1;
		while (v < vend && (h[v] == ' ' || h[v] == '\t'))
			v++;
		size_t nend = colon;
		while (nend > start && (h[nend - 1] == ' ' || h[nend - 1] == '\t'))
			nend--;
		*name_r = h + start;
		*name_len_r = nend - start;
		*value_r = h + v;
		*value_len_r = vend - v;
		*pos = p;
		return true;
	}
	*pos = len;
	return false;
}

static void part_header_block(const struct message *msg, const struct message_part *part,
			      const char **h_r, size_t *len_r)
{
	if (part == NULL) {
		part = msg->nparts > 0 ? &msg->parts[0] : NULL;
		if (part == NULL) {
			*h_r = msg->data;
			*len_r = msg->len;
			return;
		}
	}
	*h_r = part->hdr;
	*len_r = part->hdr_len;
}

bool message_header_next(const struct message *msg, const struct message_part *part,
			 size_t *pos, const char **name_r, size_t *name_len_r,
			 const char **value_r, size_t *value_len_r)
{
	const char *h;
	size_t len;

	part_header_block(msg, part, &h, &len);
	return header_next(h, len, pos, name_r, name_len_r, value_r, value_len_r);
}

static bool header_find(const char *h, size_t len, const char *name,
			const char **value_r, size_t *len_r)
{
	size_t pos = 0, nlen = strlen(name), fl;
	const char *fn;

	while (header_next(h, len, &pos, &fn, &fl, value_r, len_r)) {
		if (fl == nlen && strncasecmp(fn, name, nlen) == 0)
			return true;
	}
	return false;
}

bool message_header(const struct message *msg, const struct message_part *part,
		    const char *name, const char **value_r, size_t *len_r)
{
	const char *h;
	size_t len;

	part_header_block(msg, part, &h, &len);
	return header_find(h, len, name, value_r, len_r);
}

static char *trim_dup(char *s)
{
	char *start = s, *end;

	while (*start == ' ' || *start == '\t')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	memmove(s, start, (size_t)(end - start));
	s[end - start] = '\0';
	return s;
}

char *message_header_decoded(const struct message *msg,
			     const struct message_part *part, const char *name)
{
	const char *v;
	size_t len;

	if (!message_header(msg, part, name, &v, &len))
		return NULL;
	return trim_dup(rfc2047_decode_str(v, len));
}

/* ---- structure ---------------------------------------------------------- */

struct walk {
	struct message *msg;
	const struct message_limits *lim;
};

static void part_fill_headers(struct message_part *part)
{
	struct mimeparams ct, cd;
	const char *v;
	size_t len;

	if (header_find(part->hdr, part->hdr_len, "Content-Type", &v, &len)) {
		mimeparam_parse(v, len, &ct);
	} else {
		memset(&ct, 0, sizeof(ct));
		ct.value = xstrdup("");
	}
	if (strchr(ct.value, '/') == NULL) {
		free(ct.value);
		ct.value = xstrdup("text/plain");
	}
	part->type = xstrdup(ct.value);
	if (mimeparam_get(&ct, "charset") != NULL)
		part->charset = xstrdup(mimeparam_get(&ct, "charset"));

	memset(&cd, 0, sizeof(cd));
	if (header_find(part->hdr, part->hdr_len, "Content-Disposition", &v, &len)) {
		mimeparam_parse(v, len, &cd);
		if (cd.value[0] != '\0')
			part->disposition = xstrdup(cd.value);
	}
	const char *fn = mimeparam_get(&cd, "filename");
	if (fn == NULL || *fn == '\0')
		fn = mimeparam_get(&ct, "name");
	if (fn != NULL && *fn != '\0')
		part->filename = xstrdup(fn);
	mimeparam_free(&ct);
	mimeparam_free(&cd);

	if (header_find(part->hdr, part->hdr_len, "Content-ID", &v, &len)) {
		while (len > 0 && (*v == ' ' || *v == '<')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == '>' || isspace((unsigned char)v[len - 1])))
			len--;
		/* a NUL inside ends the string: nothing before it is no id */
		if (len > 0 && *v != '\0')
			part->content_id = xstrndup(v, len);
	}
	part->encoding = MESSAGE_ENC_IDENTITY;
	if (header_find(part->hdr, part->hdr_len, "Content-Transfer-Encoding", &v, &len)) {
		while (len > 0 && isspace((unsigned char)*v)) {
			v++;
			len--;
		}
		if (len >= 6 && strncasecmp(v, "base64", 6) == 0)
			part->encoding = MESSAGE_ENC_BASE64;
		else if (len >= 16 && strncasecmp(v, "quoted-printable", 16) == 0)
			part->encoding = MESSAGE_ENC_QP;
	}
}

static enum message_role part_role(const struct message *msg,
				   const struct message_part *part, bool multipart)
{
	bool attach = part->disposition != NULL &&
		      strcmp(part->disposition, "attachment") == 0;
	const char *ptype = part->parent >= 0 ? msg->parts[part->parent].type : "";

	if (multipart)
		return MESSAGE_ROLE_CONTAINER;
	if (strcmp(part->type, "message/rfc822") == 0 && part->parent >= 0)
		return MESSAGE_ROLE_ATTACHMENT;
	/* an image the HTML shows via cid: inside multipart/related */
	if (part->content_id != NULL && !attach &&
	    strcmp(ptype, "multipart/related") == 0 &&
	    strncmp(part->type, "text/", 5) != 0)
		return MESSAGE_ROLE_INLINE;
	if (attach || part->filename != NULL)
		return MESSAGE_ROLE_ATTACHMENT;
	if (strncmp(part->type, "text/", 5) == 0 ||
	    strcmp(part->type, "message/delivery-status") == 0)
		return MESSAGE_ROLE_BODY;
	if (strncmp(part->type, "multipart/", 10) == 0)
		return MESSAGE_ROLE_CONTAINER; /* a multipart without parts */
	return MESSAGE_ROLE_ATTACHMENT;
}

static void walk_node(struct walk *w, struct mailmime *node, int parent,
		      unsigned depth, const char *section)
{
	struct message *msg = w->msg;
	struct message_part *part;
	const char *bstart;
	size_t idx;
	bool multipart;

	/* the root "message" node only wraps the top part */
	if (node->mm_type == MAILMIME_MESSAGE && parent < 0 &&
	    node->mm_data.mm_message.mm_msg_mime != NULL) {
		walk_node(w, node->mm_data.mm_message.mm_msg_mime, -1, 0, section);
		return;
	}
	if (msg->nparts >= w->lim->max_parts || depth > w->lim->max_depth) {
		if (!msg->truncated)
			msg->limit = msg->nparts >= w->lim->max_parts ? "parts" : "depth";
		msg->truncated = true;
		return;
	}
	idx = msg->nparts++;
	msg->parts = xreallocarray(msg->parts, msg->nparts, sizeof(*msg->parts));
	part = &msg->parts[idx];
	memset(part, 0, sizeof(*part));
	part->parent = parent;
	part->depth = depth;
	multipart = node->mm_type == MAILMIME_MULTIPLE;
	snprintf(part->section, sizeof(part->section), "%s",
		 section[0] != '\0' ? section : multipart ? "" : "1");
	bstart = node->mm_body != NULL ? node->mm_body->dt_data.dt_text.dt_data : NULL;
	part->hdr = node->mm_mime_start;
	part->hdr_len = bstart != NULL && bstart >= node->mm_mime_start ?
			(size_t)(bstart - node->mm_mime_start) : node->mm_length;
	if (bstart != NULL) {
		part->body = bstart;
		part->body_len = node->mm_body->dt_data.dt_text.dt_length;
	}
	if (part->hdr_len > w->lim->max_header_bytes) {
		/* message_prescan() let it through: cut it, as lookups read it */
		part->hdr_len = w->lim->max_header_bytes;
		if (!msg->truncated)
			msg->limit = "header bytes";
		msg->truncated = true;
	}
	part_fill_headers(part);
	part->role = part_role(msg, part, multipart);

	if (!multipart)
		return;
	unsigned i = 1;
	for (clistiter *it = clist_begin(node->mm_data.mm_multipart.mm_mp_list);
	     it != NULL; it = clist_next(it), i++) {
		char sub[sizeof(part->section)];
		if (section[0] != '\0')
			snprintf(sub, sizeof(sub), "%.30s.%u", section, i);
		else
			snprintf(sub, sizeof(sub), "%u", i);
		walk_node(w, clist_content(it), (int)idx, depth + 1, sub);
		/* msg->parts may have moved: don't use `part` after this */
	}
}

/* Count "multipart/" (any case), stopping once over max. */
static size_t message_count_multiparts(const char *data, size_t len, size_t max)
{
	const char *p = data, *end = data + len;
	size_t n = 0;

	while (n <= max && (p = memmem(p, (size_t)(end - p), "ultipart/", 9)) != NULL) {
		if (p > data && (p[-1] | 0x20) == 'm')
			n++;
		p += 9;
	}
	return n;
}

/* A header field line: a name of printable ASCII, blanks, ':'. */
static bool message_field_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

static bool message_line_has_rfc822(const char *p, size_t n)
{
	for (const char *s = p; (s = memchr(s, '/', (size_t)(p + n - s))) != NULL; s++) {
		if (s - p >= 7 && (size_t)(p + n - s) >= 7 &&
		    strncasecmp(s - 7, "message/rfc822", 14) == 0)
			return true;
	}
	return false;
}

/* The next "\n--" in [p, end), or NULL. memchr() for the '-' first: base64,
 * most of a mail's bytes, has none, and memchr() is vectorised where
 * glibc's memmem() for a short needle is not (6 % of a check). */
static const char *message_next_dashes(const char *p, const char *end)
{
	const char *q = p;

	while ((q = memchr(q, '-', (size_t)(end - q))) != NULL) {
		if (q > p && q[-1] == '\n' && end - q >= 2 && q[1] == '-')
			return q - 1;
		q++;
	}
	return NULL;
}

/* What libetpan would build, counted before it is asked: the header
 * blocks (the mail's; the lines after a line starting with "--", a
 * part's; the block after a message/rfc822 part's header, the attached
 * mail's), each ending at an empty line or, as in libetpan, at a line that
 * is no field: their bytes and fields; and lines starting with "--" (a part
 * each). A stray "--" line in a body counts as well: an upper bound.
 * Returns the limit the mail is over, or NULL. */
static const char *message_prescan(const char *data, size_t len,
				   const struct message_limits *lim)
{
	const char *p = data, *end = data + len, *block = data;
	size_t fields = 0, dashes = 0;
	bool header = true, rfc822 = false;

	while (p < end) {
		const char *nl;
		size_t n;
		bool field = false;

		/* in a body only lines starting with "--" count: skip to the
		 * next one (most of a mail is base64 lines) */
		if (!header && !(end - p >= 2 && p[0] == '-' && p[1] == '-')) {
			nl = message_next_dashes(p, end);
			if (nl == NULL)
				break;
			p = nl + 1;
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (header && n == 0) {
			header = rfc822;
			rfc822 = false;
			block = nl != NULL ? nl + 1 : end;
		} else if (header && (p[0] == ' ' || p[0] == '\t' ||
				      (field = message_field_line(p, n)))) {
			if (field && ++fields > lim->max_header_fields)
				return "header fields";
			if ((size_t)(p + n - block) > lim->max_header_bytes)
				return "header bytes";
			rfc822 |= message_line_has_rfc822(p, n);
		} else {
			header = false;
		}
		if (!header && n >= 2 && p[0] == '-' && p[1] == '-') {
			if (++dashes / 10 > lim->max_parts)
				return "parts";
			header = true;
			rfc822 = false;
			block = nl != NULL ? nl + 1 : end;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return NULL;
}

/* Over a limit libetpan must not meet (limit): the mail becomes one
 * opaque part. */
static void message_parse_flat(struct message *msg, const struct message_limits *lim,
			       const char *limit)
{
	struct message_part *part;
	const char *sep = memmem(msg->data, msg->len, "\r\n\r\n", 4);
	size_t hlen = sep != NULL ? (size_t)(sep - msg->data) + 4 : msg->len;

	msg->parts = xcalloc(1, sizeof(*msg->parts));
	msg->nparts = 1;
	msg->truncated = true;
	msg->limit = limit;
	part = &msg->parts[0];
	part->parent = -1;
	part->hdr = msg->data;
	part->hdr_len = hlen < lim->max_header_bytes ? hlen : lim->max_header_bytes;
	part->body = msg->data + hlen;
	part->body_len = msg->len - hlen;
	part->type = xstrdup("multipart/mixed");
	part->role = MESSAGE_ROLE_CONTAINER;
}

static int message_parse(struct message *msg, const struct message_limits *lim_in,
			 const char **error_r)
{
	struct message_limits lim = *lim_in;
	struct mailmime *mime = NULL;
	size_t idx = 0;
	struct walk w = { .msg = msg, .lim = &lim };
	const char *over;

	if (lim.max_parts == 0)
		lim.max_parts = MESSAGE_DEFAULT_MAX_PARTS;
	if (lim.max_depth == 0)
		lim.max_depth = MESSAGE_DEFAULT_MAX_DEPTH;
	if (lim.max_multiparts == 0)
		lim.max_multiparts = MESSAGE_DEFAULT_MAX_MULTIPARTS;
	if (lim.max_header_bytes == 0)
		lim.max_header_bytes = MESSAGE_DEFAULT_MAX_HEADER_BYTES;
	if (lim.max_header_fields == 0)
		lim.max_header_fields = MESSAGE_DEFAULT_MAX_HEADER_FIELDS;
	over = message_count_multiparts(msg->data, msg->len, lim.max_multiparts) >
	       lim.max_multiparts ? "multiparts" : message_prescan(msg->data, msg->len, &lim);
	if (over != NULL) {
		message_parse_flat(msg, &lim, over);
		return 0;
	}
	if (mailmime_parse(msg->data, msg->len, &idx, &mime) != MAILIMF_NO_ERROR) {
		snprintf(message_err, sizeof(message_err), "MIME structure unreadable");
		*error_r = message_err;
		return -1;
	}
	walk_node(&w, mime, -1, 0, "");
	mailmime_free(mime);
	return 0;
}

int message_open_buf(const char *data, size_t len, const struct message_limits *lim,
		     struct message **msg_r, const char **error_r)
{
	static const struct message_limits nolim;
	struct message *msg = xcalloc(1, sizeof(*msg));

	msg->data = data;
	msg->len = len;
	if (message_parse(msg, lim != NULL ? lim : &nolim, error_r) < 0) {
		message_free(&msg);
		return -1;
	}
	*msg_r = msg;
	return 0;
}

int message_open_file(const char *path, const struct message_limits *lim,
		      struct message **msg_r, const char **error_r)
{
	static const struct message_limits nolim;
	struct message *msg;

	if (message_open_file_unparsed(path, lim, &msg, error_r) < 0)
		return -1;
	if (message_parse(msg, lim != NULL ? lim : &nolim, error_r) < 0) {
		message_free(&msg);
		return -1;
	}
	*msg_r = msg;
	return 0;
}

int message_open_file_unparsed(const char *path, const struct message_limits *lim,
			       struct message **msg_r, const char **error_r)
{
	size_t max = lim != NULL && lim->max_size != 0 ? lim->max_size :
		     MESSAGE_DEFAULT_MAX_SIZE;
	struct message *msg;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(message_err, sizeof(message_err), "%s: %s", path, strerror(errno));
		*error_r = message_err;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || (size_t)st.st_size > max) {
		snprintf(message_err, sizeof(message_err), "%s: %s", path,
			 !S_ISREG(st.st_mode) ? "not a regular file" :
			 st.st_size == 0 ? "empty file" : "larger than the message size limit");
		*error_r = message_err;
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(message_err, sizeof(message_err), "mmap(%s): %s", path, strerror(errno));
		*error_r = message_err;
		return -1;
	}
	(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	msg = xcalloc(1, sizeof(*msg));
	msg->map = map;
	msg->map_len = (size_t)st.st_size;
	msg->data = map;
	msg->len = (size_t)st.st_size;
	*msg_r = msg;
	return 0;
}

void message_free(struct message **_msg)
{
	struct message *msg = *_msg;

	if (msg == NULL)
		return;
	*_msg = NULL;
	for (size_t i = 0; i < msg->nparts; i++) {
		free(msg->parts[i].type);
		free(msg->parts[i].charset);
		free(msg->parts[i].filename);
		free(msg->parts[i].disposition);
		free(msg->parts[i].content_id);
	}
	free(msg->parts);
	if (msg->map != NULL)
		munmap(msg->map, msg->map_len);
	free(msg);
}

/* ---- bodies --------------------------------------------------------------- */

int message_part_decode(const struct message *msg, const struct message_part *part,
			decode_sink *sink, void *ctx)
{
	(void)msg;
	if (part->body == NULL)
		return 0;
	switch (part->encoding) {
	case MESSAGE_ENC_BASE64:
		return decode_base64(part->body, part->body_len, sink, ctx);
	case MESSAGE_ENC_QP:
		return decode_qp(part->body, part->body_len, sink, ctx);
	case MESSAGE_ENC_IDENTITY:
		break;
	}
	return decode_copy(part->body, part->body_len, sink, ctx);
}

struct text_sink {
	struct buf raw;
	size_t max;
};

static int text_sink(void *ctx, const void *data, size_t len)
{
	struct text_sink *t = ctx;
	size_t room = t->max - t->raw.len;

	buf_append(&t->raw, data, len < room ? len : room);
	return t->raw.len >= t->max ? -1 : 0;
}

void message_part_text(const struct message *msg, const struct message_part *part,
		       size_t max, struct buf *out)
{
	struct text_sink t = { .raw = BUF_INIT, .max = max };

	(void)message_part_decode(msg, part, text_sink, &t);
	if (part->charset != NULL)
		(void)charset_to_utf8(part->charset, buf_cstr(&t.raw), t.raw.len, out);
	else
		charset_guess_to_utf8(buf_cstr(&t.raw), t.raw.len, out);
	buf_free(&t.raw);
}
