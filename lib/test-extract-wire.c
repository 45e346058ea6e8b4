/* Tests for extract-wire: real extractions written and read back field by
 * field, and hostile results (truncated anywhere, bad magic and version,
 * offsets outside the mail, escaping stored names, unknown codes, huge
 * counts, forward parents, …) refused with an error and without a leak.
 *
 * With CASEMAIL_FIXTURES set (tests/run.sh), every mail of its mail/
 * corpus that exists is round-tripped too; EXTRACT_WIRE_HOSTILE=1 adds
 * the hostile/ corpus (slow: minutes). */
#include "doctext.h"
#include "extract-wire.h"
#include "charset.h"
#include "fsutil.h"
#include "probe.h"
#include "test.h"
#include "unpack-testkit.h"
#include "xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <turbojpeg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct probe *probe;

/* ---- building mails -------------------------------------------------------- */

static void b64(struct buf *out, const void *data, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (n > 2)
			v |= p[i + 2];
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, n > 1 ? tab[v >> 6 & 63] : '=');
		buf_putc(out, n > 2 ? tab[v & 63] : '=');
		if (i % 57 == 54)
			buf_puts(out, "\r\n");
	}
	buf_puts(out, "\r\n");
}

static char *read_all(const char *path, size_t *len_r)
{
	const char *error;
	char *data = NULL;

	if (fsutil_read_file(path, 64 << 20, &data, len_r, &error) < 0) {
		printf("# %s\n", error);
		return NULL;
	}
	return data;
}

static char *write_tmp(const char *name, const void *data, size_t len)
{
	char *path = unpack_testkit_path(name);

	unpack_testkit_write(path, data, len);
	return path;
}

/* A zip of zips three deep (too deep under max_depth 2), with a damaged
 * JPEG, an unsafe entry and GBK-free UTF-8 names. */
static char *build_zip(size_t *len_r)
{
	static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01";
	struct unpack_testkit_file l3[] = {
		{ .name = "deep.txt", .data = "deep" }, { .name = NULL } };
	char *p3 = unpack_testkit_archive("l3.zip", "zip", NULL, "C.UTF-8", l3);
	size_t n3, n2;
	char *d3 = read_all(p3, &n3);
	struct unpack_testkit_file l2[] = {
		{ .name = "l3.zip", .data = d3, .size = n3 },
		{ .name = "说明.txt", .data = "内容 text\n" }, { .name = NULL } };
	char *p2 = unpack_testkit_archive("l2.zip", "zip", NULL, "C.UTF-8", l2);
	char *d2 = read_all(p2, &n2);
	struct unpack_testkit_file l1[] = {
		{ .name = "某公司/照片1.jpg", .data = jpeg, .size = sizeof(jpeg) - 1 },
		{ .name = "某公司/l2.zip", .data = d2, .size = n2 },
		{ .name = "../evil.txt", .data = "x" },
		{ .name = "某公司/", .type = 0040000 },
		{ .name = NULL } };
	char *p1 = unpack_testkit_archive("l1.zip", "zip", NULL, "C.UTF-8", l1);
	char *d1 = read_all(p1, len_r);

	free(p3);
	free(d3);
	free(p2);
	free(d2);
	free(p1);
	return d1;
}

/* A real 6 × 4 JPEG, base64 into m. */
static void build_jpeg(struct buf *m)
{
	unsigned char px[6 * 4 * 3], *jpeg = NULL;
	unsigned long size = 0;
	tjhandle h = tjInitCompress();

	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (unsigned char)(i * 7);
	test_assert(h != NULL && tjCompress2(h, px, 6, 0, 4, TJPF_RGB, &jpeg, &size,
					     TJSAMP_444, 90, 0) == 0);
	b64(m, jpeg, size);
	tjFree(jpeg);
	tjDestroy(h);
}

/* QQ-style mail: GBK text and HTML bodies, an inline image, the zip, a
 * photo, an attached mail with an attachment of its own, a long encoded
 * name. */
static char *build_mail(const char *name)
{
	struct buf m = BUF_INIT;
	size_t zlen;
	char *zip = build_zip(&zlen), *path;

	buf_puts(&m,
		 "Received: from mx.qq.com by mail.ecpmi.org.cn; Tue, 28 Jul 2026 15:40:02 +0800\r\n"
		 "From: =?gb18030?B?1cXI/Q==?= <zhangsan@qq.com>\r\n"
		 "To: wylzzh@ecpmi.org.cn\r\n"
		 "Subject: =?gb18030?B?usO3/s7xsLjA/Q==?=\r\n"
		 "Date: Tue, 28 Jul 2026 15:40:00 +0800\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/mixed;\r\n\tboundary=\"A\"\r\n"
		 "\r\n"
		 "preamble\r\n"
		 "--A\r\n"
		 "Content-Type: multipart/related; boundary=\"B\"\r\n"
		 "\r\n"
		 "--B\r\n"
		 "Content-Type: text/plain; charset=\"gbk\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n"
		 "\r\n"
		 "xOO6w6Oh\r\n"
		 "--B\r\n"
		 "Content-Type: text/html; charset=utf-8\r\n"
		 "\r\n"
		 "<p>\xe9\x93\xbe\xe6\x8e\xa5 <img src=\"cid:logo@qq\"></p>\r\n"
		 "--B\r\n"
		 "Content-Type: image/png; name=\"logo.png\"\r\n"
		 "Content-ID: <logo@qq>\r\n"
		 "Content-Transfer-Encoding: base64\r\n"
		 "\r\n"
		 "iVBORw0KGgo=\r\n"
		 "--B--\r\n"
		 "--A\r\n"
		 "Content-Type: application/zip;\r\n\tname=\"=?utf-8?B?5qGI5L6LLnppcA==?=\"\r\n"
		 "Content-Disposition: attachment;\r\n\tfilename=\"=?utf-8?B?5qGI5L6LLnppcA==?=\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n"
		 "\r\n");
	b64(&m, zip, zlen);
	buf_puts(&m,
		 "--A\r\n"
		 "Content-Type: image/jpeg; name=\"=?gbk?B?z9bzoS5qcGc=?=\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n"
		 "\r\n");
	build_jpeg(&m);
	buf_puts(&m,
		 "--A\r\n"
		 "Content-Type: message/rfc822\r\n"
		 "Content-Disposition: attachment\r\n"
		 "\r\n"
		 "Subject: =?utf-8?B?6L2s5Y+R?=\r\n"
		 "Content-Type: multipart/mixed; boundary=\"C\"\r\n"
		 "\r\n"
		 "--C\r\n"
		 "Content-Type: text/plain\r\n"
		 "\r\n"
		 "inner body\r\n"
		 "--C\r\n"
		 "Content-Type: text/plain; name=\"inner.txt\"\r\n"
		 "Content-Disposition: attachment; filename=\"inner.txt\"\r\n"
		 "\r\n"
		 "inner attachment\r\n"
		 "--C--\r\n"
		 "--A\r\n"
		 "Content-Type: application/octet-stream\r\n"
		 "Content-Disposition: attachment; filename*=UTF-8''");
	for (int i = 0; i < 40000; i++)
		buf_puts(&m, "%C3%A9"); /* "é" × 40,000: an 80 KB name, cut to 255 */
	buf_puts(&m, "\r\n"
		 "\r\n"
		 "binary\r\n"
		 "--A--\r\n");
	path = write_tmp(name, m.data, m.len);
	buf_free(&m);
	free(zip);
	return path;
}

/* ---- comparing ----------------------------------------------------------------- */

static bool same_facts(const struct facts *a, const struct facts *b)
{
	return a->kind == b->kind && strcmp(a->mime, b->mime) == 0 &&
	       strcmp(a->magic, b->magic) == 0 && a->damaged == b->damaged &&
	       strcmp(a->damage, b->damage) == 0 && a->width == b->width &&
	       a->height == b->height && a->orientation == b->orientation &&
	       (a->duration == b->duration || (isnan(a->duration) && b->duration == -1)) &&
	       strcmp(a->container, b->container) == 0 && strcmp(a->codec, b->codec) == 0 &&
	       a->coded_width == b->coded_width && a->coded_height == b->coded_height &&
	       a->rotation == b->rotation && a->display_width == b->display_width &&
	       a->display_height == b->display_height && a->pages == b->pages &&
	       a->doc_images == b->doc_images;
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_span(const struct message *ma, const char *a, size_t alen,
		      const struct message *mb, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL && alen == blen;
	return a - ma->data == b - mb->data && alen == blen &&
	       b >= mb->data && b + blen <= mb->data + mb->len;
}

static void compare_headers(const struct message *a, const struct message *b,
			    const struct message_part *pa, const struct message_part *pb)
{
	static const char *const names[] = {
		"Subject", "From", "To", "Date", "Received", "Content-Type",
		"Content-Disposition", "Content-ID", "X-Not-There",
	};
	size_t posa = 0, posb = 0, na, nb, va, vb;
	const char *fa, *fb, *xa, *xb;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *da = message_header_decoded(a, pa, names[i]);
		char *db = message_header_decoded(b, pb, names[i]);

		if (!test_assert(same_str(da, db)))
			printf("# header %s: \"%s\" / \"%s\"\n", names[i], da, db);
		free(da);
		free(db);
	}
	for (;;) {
		bool ga = message_header_next(a, pa, &posa, &fa, &na, &xa, &va);
		bool gb = message_header_next(b, pb, &posb, &fb, &nb, &xb, &vb);

		test_assert(ga == gb);
		if (!ga || !gb)
			break;
		test_assert(na == nb && memcmp(fa, fb, na) == 0);
		test_assert(va == vb && memcmp(xa, xb, va) == 0);
	}
}

static void compare_message(const struct message *a, const struct message *b)
{
	test_assert_int(b->len, a->len);
	test_assert(b->data != a->data && memcmp(a->data, b->data, a->len) == 0);
	test_assert_int(b->truncated, a->truncated);
	test_assert(same_str(a->limit, b->limit));
	if (!test_assert_int(b->nparts, a->nparts))
		return;
	compare_headers(a, b, NULL, NULL);
	for (size_t i = 0; i < a->nparts; i++) {
		const struct message_part *pa = &a->parts[i], *pb = &b->parts[i];

		test_assert_int(pb->parent, pa->parent);
		test_assert_int(pb->depth, pa->depth);
		test_assert_str(pb->section, pa->section);
		test_assert_str(pb->type, pa->type);
		test_assert(same_str(pa->charset, pb->charset));
		test_assert(same_str(pa->disposition, pb->disposition));
		test_assert(same_str(pa->content_id, pb->content_id));
		/* names over EXTRACT_WIRE_STR_MAX are cut on a UTF-8 boundary */
		if (pa->filename != NULL && strlen(pa->filename) > EXTRACT_WIRE_STR_MAX)
			test_assert(pb->filename != NULL &&
				    strlen(pb->filename) <= EXTRACT_WIRE_STR_MAX &&
				    strlen(pb->filename) > EXTRACT_WIRE_STR_MAX - 4 &&
				    strncmp(pa->filename, pb->filename, strlen(pb->filename)) == 0 &&
				    charset_is_utf8(pb->filename, strlen(pb->filename)));
		else
			test_assert(same_str(pa->filename, pb->filename));
		test_assert_int(pb->encoding, pa->encoding);
		test_assert_int(pb->role, pa->role);
		test_assert(same_span(a, pa->hdr, pa->hdr_len, b, pb->hdr, pb->hdr_len));
		test_assert(same_span(a, pa->body, pa->body_len, b, pb->body, pb->body_len));
		compare_headers(a, b, pa, pb);
	}
}

static void compare_extract(const struct extract *a, const struct extract *b,
			    const void *wire, size_t wire_len)
{
	compare_message(a->msg, b->msg);
	test_assert_str(b->workdir, a->workdir);
	test_assert_int(b->truncated, a->truncated);
	test_assert(memcmp(&a->budget, &b->budget, sizeof(a->budget)) == 0);
	test_assert_str(b->body, a->body);
	if (test_assert_int(b->nfiles, a->nfiles)) {
		for (size_t i = 0; i < a->nfiles; i++) {
			const struct extract_file *fa = &a->files[i], *fb = &b->files[i];

			test_assert_str(fb->path, fa->path);
			test_assert_str(fb->name, fa->name);
			test_assert(fb->name >= fb->path &&
				    fb->name - fb->path == fa->name - fa->path);
			test_assert(same_str(fa->stored, fb->stored));
			test_assert_int(fb->parent, fa->parent);
			test_assert_int(fb->depth, fa->depth);
			test_assert_str(fb->section, fa->section);
			test_assert(same_str(fa->mime_type, fb->mime_type));
			test_assert_int(fb->size, fa->size);
			test_assert(memcmp(fa->sha256, fb->sha256, 32) == 0);
			if (!test_assert(same_facts(&fa->facts, &fb->facts)))
				printf("# file %zu: facts differ (%s / %s)\n", i,
				       fa->facts.magic, fb->facts.magic);
			test_assert_int(fb->probed, fa->probed);
			test_assert_int(fb->opened, fa->opened);
			test_assert_int(fb->too_deep, fa->too_deep);
			test_assert_int(fb->is_archive, fa->is_archive);
			test_assert_int(fb->archive_status, fa->archive_status);
			test_assert(same_str(fa->archive_detail, fb->archive_detail));
			test_assert_int(fb->unsafe_entries, fa->unsafe_entries);
			test_assert_int(fb->encrypted, fa->encrypted);
			test_assert(same_str(fa->unsafe, fb->unsafe));
			test_assert(same_str(fa->text, fb->text));
		}
	}
	if (test_assert_int(b->nproblems, a->nproblems)) {
		const char *w = wire;

		for (size_t i = 0; i < a->nproblems; i++) {
			const struct extract_problem *pa = &a->problems[i], *pb = &b->problems[i];

			test_assert_str(pb->code, pa->code);
			/* the parent's static string, not bytes of the result */
			test_assert(pb->code < w || pb->code >= w + wire_len);
			test_assert(same_str(pa->file, pb->file));
			test_assert_str(pb->detail, pa->detail);
		}
	}
}

/* ---- round trips ------------------------------------------------------------------ */

/* Extract eml into a fresh work dir, write the result to a file, read it
 * back and compare. Returns the number of files, or -1. */
static long roundtrip(const char *eml, const struct extract_settings *set, struct buf *wire_r)
{
	static unsigned n;
	char *workdir = xasprintf("%s/w%u", test_tmpdir(), ++n);
	char *out = xasprintf("%s/result%u", test_tmpdir(), n);
	struct extract *ex = NULL, *back = NULL;
	struct buf wire = BUF_INIT;
	const char *error = NULL;
	char *data = NULL;
	size_t len = 0;
	long ret = -1;
	int fd;

	if (!test_assert(fsutil_mkdir_p(workdir, &error) == 0))
		goto out;
	if (extract_mail(eml, workdir, set, probe, &ex, &error) < 0) {
		printf("# %s: extract_mail: %s\n", eml, error);
		test_assert(false);
		goto out;
	}
	if (!test_assert(extract_wire_encode(ex, &wire, &error) == 0))
		goto out;
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	test_assert(fd >= 0);
	test_assert(extract_wire_write(fd, ex, &error) == 0);
	close(fd);
	data = read_all(out, &len);
	/* the same bytes through a file as in memory */
	test_assert(data != NULL && len == wire.len && memcmp(data, wire.data, len) == 0);
	if (extract_wire_read(wire.data, wire.len, eml, workdir, set, &back, &error) < 0) {
		printf("# %s: extract_wire_read: %s\n", eml, error);
		test_assert(false);
		goto out;
	}
	compare_extract(ex, back, wire.data, wire.len);
	ret = (long)ex->nfiles;
out:
	if (wire_r != NULL)
		*wire_r = wire;
	else
		buf_free(&wire);
	extract_free(&ex);
	extract_free(&back);
	free(data);
	free(out);
	free(workdir);
	return ret;
}

static const struct extract_settings deep2 = { .max_depth = 2 };

static void test_roundtrip_built_mail(void)
{
	char *eml = build_mail("built.eml");
	struct extract *ex = NULL;
	char *workdir = xasprintf("%s/wcheck", test_tmpdir());
	const char *error;
	bool codes[6] = { false };
	static const char *const want[] = {
		"archive.unsafe_entry", "archive.too_deep", "file.damaged",
	};

	test_begin("a built mail (bodies, inline image, nested zips, attached mail) round trips");
	test_assert(roundtrip(eml, &deep2, NULL) >= 8);
	/* what the mail is meant to exercise is really there */
	test_assert(fsutil_mkdir_p(workdir, &error) == 0);
	if (test_assert(extract_mail(eml, workdir, &deep2, probe, &ex, &error) == 0)) {
		bool stored_child = false, long_name = false, gbk_body, photo = false;

		for (size_t i = 0; i < ex->nproblems; i++) {
			for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
				codes[k] |= strcmp(ex->problems[i].code, want[k]) == 0;
		}
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
			if (!test_assert(codes[k]))
				printf("# no %s problem\n", want[k]);
		}
		for (size_t i = 0; i < ex->nfiles; i++) {
			const struct extract_file *f = &ex->files[i];

			stored_child |= f->parent >= 0 && f->stored != NULL;
			photo |= f->facts.kind == FACTS_KIND_JPEG && f->facts.width == 6 &&
				 f->facts.height == 4 && !f->facts.damaged;
		}
		for (size_t i = 0; i < ex->msg->nparts; i++)
			long_name |= ex->msg->parts[i].filename != NULL &&
				     strlen(ex->msg->parts[i].filename) > EXTRACT_WIRE_STR_MAX;
		gbk_body = strstr(ex->body, "你好！") != NULL;
		test_assert(stored_child);
		test_assert(long_name);
		test_assert(gbk_body);
		test_assert(photo);
		extract_free(&ex);
	}
	free(workdir);
	free(eml);
	test_end();
}

/* EXTRACT_BODY_MAX counts decoded bytes before the conversion to UTF-8:
 * 1 MiB of invalid UTF-8 becomes 3 MiB of U+FFFD, which must still pass. */
static void test_roundtrip_big_body(void)
{
	struct buf m = BUF_INIT;
	char *eml, *workdir = xasprintf("%s/wbig", test_tmpdir());
	struct extract *ex = NULL;
	const char *error;

	test_begin("a body that grows past EXTRACT_BODY_MAX in UTF-8 round trips");
	buf_puts(&m, "Subject: big\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: 8bit\r\n\r\n");
	for (size_t i = 0; i < EXTRACT_BODY_MAX; i++)
		buf_putc(&m, (char)0xff);
	eml = write_tmp("big.eml", m.data, m.len);
	test_assert(fsutil_mkdir_p(workdir, &error) == 0);
	if (test_assert(extract_mail(eml, workdir, NULL, probe, &ex, &error) == 0)) {
		size_t n = strlen(ex->body);

		printf("# body: %zu bytes\n", n);
		test_assert(n > EXTRACT_BODY_MAX && n <= EXTRACT_WIRE_BODY_MAX);
		extract_free(&ex);
	}
	test_assert(roundtrip(eml, NULL, NULL) == 0);
	buf_free(&m);
	free(eml);
	free(workdir);
	test_end();
}

static void roundtrip_dir(const char *dir, const char *label)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), done = 0;

	if (n < 0) {
		printf("# no %s corpus at %s: not run\n", label, dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);

		if (l > 4 && strcmp(nm + l - 4, ".eml") == 0) {
			char *p = xasprintf("%s/%s", dir, nm);
			if (roundtrip(p, NULL, NULL) < 0)
				printf("# failed: %s\n", p);
			free(p);
			done++;
		}
		free(ents[i]);
	}
	free(ents);
	printf("# %s: %d mails round-tripped\n", label, done);
	test_assert(done > 0);
}

static void test_roundtrip_fixtures(void)
{
	const char *fx = getenv("CASEMAIL_FIXTURES");
	char *dir;

	test_begin("the fixture mails round trip (CASEMAIL_FIXTURES)");
	if (fx == NULL || fx[0] == '\0') {
		printf("# CASEMAIL_FIXTURES not set: only the built mails\n");
		test_end();
		return;
	}
	dir = xasprintf("%s/mail", fx);
	if (access(dir, R_OK) == 0)
		roundtrip_dir(dir, "mail");
	else
		printf("# %s not generated (yet): skipped\n", dir);
	free(dir);
	if (getenv("EXTRACT_WIRE_HOSTILE") != NULL) {
		dir = xasprintf("%s/hostile", fx);
		roundtrip_dir(dir, "hostile");
		free(dir);
	}
	test_end();
}

/* ---- hostile results ---------------------------------------------------------------- */

/* A small valid extraction made by hand, to be spoilt one field at a
 * time: a mail of two parts, a zip with a stored entry, one problem. */
static char *synth_eml, *synth_workdir;

struct synth {
	const char *eml, *workdir;
	char *data;
	size_t len;
	char stored0[512], stored1[512];
	struct message msg;
	struct message_part parts[2];
	struct extract ex;
	struct extract_file files[2];
	struct extract_problem problems[1];
};

static const char synth_mail[] =
	"Subject: synth\r\n"
	"Content-Type: multipart/mixed; boundary=\"S\"\r\n"
	"\r\n"
	"--S\r\n"
	"Content-Type: application/zip; name=\"a.zip\"\r\n"
	"\r\n"
	"PK\r\n"
	"--S--\r\n";

static void synth_init(struct synth *s)
{
	const char *h2 = strstr(synth_mail, "--S\r\n") + 5;
	const char *b2 = strstr(h2, "\r\n\r\n") + 4;

	if (synth_eml == NULL) {
		synth_eml = write_tmp("synth.eml", synth_mail, strlen(synth_mail));
		synth_workdir = xasprintf("%s/synthwork", test_tmpdir());
	}
	memset(s, 0, sizeof(*s));
	s->eml = synth_eml;
	s->workdir = synth_workdir;
	s->data = (char *)synth_mail;
	s->len = strlen(synth_mail);
	s->msg.data = s->data;
	s->msg.len = s->len;
	s->msg.parts = s->parts;
	s->msg.nparts = 2;
	s->parts[0] = (struct message_part){ .parent = -1, .depth = 0, .section = "",
		.type = "multipart/mixed", .role = MESSAGE_ROLE_CONTAINER,
		.hdr = s->data, .hdr_len = (size_t)(strstr(s->data, "\r\n\r\n") + 4 - s->data),
		.body = s->data + 80, .body_len = 10 };
	s->parts[1] = (struct message_part){ .parent = 0, .depth = 1, .section = "1",
		.type = "application/zip", .filename = "a.zip",
		.role = MESSAGE_ROLE_ATTACHMENT, .hdr = h2, .hdr_len = (size_t)(b2 - h2),
		.body = b2, .body_len = 2 };
	s->ex.msg = &s->msg;
	s->ex.workdir = (char *)s->workdir;
	s->ex.files = s->files;
	s->ex.nfiles = 2;
	s->ex.problems = s->problems;
	s->ex.nproblems = 1;
	s->ex.body = "body text ZZBODY\n";
	s->ex.budget = (struct unpack_budget){ .bytes_out = 5, .entries = 1, .next_file_no = 1 };
	s->files[0] = (struct extract_file){ .path = "a.zip", .parent = -1, .depth = 0,
		.section = "1", .mime_type = "application/zip", .size = 2, .probed = true,
		.opened = true, .is_archive = true, .archive_status = UNPACK_DAMAGED,
		.archive_detail = "truncated zip" };
	s->files[0].name = s->files[0].path;
	snprintf(s->stored0, sizeof(s->stored0), "%s/STOREDNAME1", s->workdir);
	s->files[0].stored = s->stored0;
	s->files[0].facts = (struct facts){ .kind = FACTS_KIND_ZIP, .mime = "application/zip",
		.magic = "Zip archive data", .orientation = 0, .duration = -1,
		.codec = "CODECMARK" };
	s->files[1] = (struct extract_file){ .path = "a.zip/x.txt", .parent = 0, .depth = 1,
		.section = "", .size = 3, .probed = true };
	s->files[1].name = s->files[1].path + 6;
	snprintf(s->stored1, sizeof(s->stored1), "%s/000000", s->workdir);
	s->files[1].stored = s->stored1;
	s->files[1].facts = (struct facts){ .kind = FACTS_KIND_TEXT, .mime = "text/plain",
		.duration = -1 };
	s->files[1].text = "#format docx\np c=0.1.2\tTEXTMARK\n";
	s->problems[0] = (struct extract_problem){ .code = "archive.damaged", .file = "a.zip",
		.detail = "DETAILMARK" };
}

static void synth_encode(struct synth *s, struct buf *out)
{
	const char *error = NULL;

	if (!test_assert(extract_wire_encode(&s->ex, out, &error) == 0))
		printf("# encode: %s\n", error);
}

/* Read must refuse data with an error naming want. */
static void expect_refused_at(const struct synth *s, const void *data, size_t len,
			      const char *want, int line)
{
	struct extract *ex = (struct extract *)1;
	const char *error = NULL;
	int r = extract_wire_read(data, len, s->eml, s->workdir, NULL, &ex, &error);

	if (!test_assert_at(r == -1, "refused", __FILE__, line))
		return;
	test_assert_at(ex == (struct extract *)1, "ex_r untouched", __FILE__, line);
	if (!test_assert_at(error != NULL && strncmp(error, "worker result: ", 15) == 0 &&
			    strstr(error, want) != NULL, want, __FILE__, line))
		printf("# error: %s\n", error != NULL ? error : "(null)");
}
#define expect_refused(s, d, l, w) expect_refused_at(s, d, l, w, __LINE__)

static void expect_refused_synth_at(struct synth *s, const char *want, int line)
{
	struct buf b = BUF_INIT;

	synth_encode(s, &b);
	expect_refused_at(s, b.data, b.len, want, line);
	buf_free(&b);
}
#define expect_refused_synth(s, w) expect_refused_synth_at(s, w, __LINE__)

/* Offset of the only occurrence of marker in b, or -1 (a failure). */
static long find_marker(const struct buf *b, const char *marker)
{
	size_t n = strlen(marker);
	const char *p = memmem(b->data, b->len, marker, n);

	if (!test_assert(p != NULL && memmem(p + 1, b->len - (size_t)(p - b->data) - 1,
					     marker, n) == NULL))
		return -1;
	return p - b->data;
}

static void put32(struct buf *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->data[at + (size_t)i] = (char)(v >> (8 * i));
}

static void test_synth_valid(void)
{
	struct synth s;
	struct buf b = BUF_INIT;
	struct extract *ex = NULL;
	const char *error = NULL;

	test_begin("a hand-made result reads back; stored names join the parent's workdir");
	synth_init(&s);
	synth_encode(&s, &b);
	if (test_assert(extract_wire_read(b.data, b.len, s.eml, "/parent/work", NULL, &ex,
					  &error) == 0)) {
		test_assert_str(ex->files[0].stored, "/parent/work/STOREDNAME1");
		test_assert_str(ex->files[1].stored, "/parent/work/000000");
		test_assert_str(ex->files[1].name, "x.txt");
		test_assert_str(ex->workdir, "/parent/work");
		test_assert_str(ex->problems[0].code, "archive.damaged");
		test_assert_str(ex->body, "body text ZZBODY\n");
		test_assert(ex->msg->parts[1].body == ex->msg->data + (s.parts[1].body - s.data));
		extract_free(&ex);
	} else {
		printf("# %s\n", error);
	}
	buf_free(&b);
	/* every facts field its own value */
	synth_init(&s);
	s.files[1].facts = (struct facts){ .kind = FACTS_KIND_VIDEO, .mime = "video/mp4",
		.magic = "ISO Media", .damaged = true, .damage = "truncated moov",
		.width = 1, .height = 2, .orientation = 3, .duration = 4.25,
		.container = "mp4", .codec = "h264", .coded_width = 5, .coded_height = 6,
		.rotation = 7, .display_width = 8, .display_height = 9, .pages = 10,
		.doc_images = 11 };
	synth_encode(&s, &b);
	if (test_assert(extract_wire_read(b.data, b.len, s.eml, s.workdir, NULL, &ex,
					  &error) == 0)) {
		test_assert(same_facts(&s.files[1].facts, &ex->files[1].facts));
		test_assert(same_facts(&s.files[0].facts, &ex->files[0].facts));
		extract_free(&ex);
	}
	buf_free(&b);
	/* a NaN duration becomes -1 (unknown), a damaged bool stays one */
	synth_init(&s);
	s.files[1].facts.duration = NAN;
	s.files[1].facts.damaged = true;
	synth_encode(&s, &b);
	if (test_assert(extract_wire_read(b.data, b.len, s.eml, s.workdir, NULL, &ex,
					  &error) == 0)) {
		test_assert(ex->files[1].facts.duration == -1);
		test_assert(ex->files[1].facts.damaged);
		extract_free(&ex);
	}
	buf_free(&b);
	test_end();
}

static void test_truncated_everywhere(void)
{
	char *eml = build_mail("trunc.eml");
	struct buf wire = BUF_INIT;
	char *workdir = NULL;
	size_t refused = 0;

	test_begin("a real result cut at every byte is refused, without a leak");
	if (test_assert(roundtrip(eml, &deep2, &wire) > 0)) {
		/* the work dir roundtrip() used: only its name matters here */
		workdir = xasprintf("%s/trunc", test_tmpdir());
		for (size_t n = 0; n < wire.len; n++) {
			struct extract *ex = NULL;
			const char *error = NULL;
			/* a copy of exactly n bytes: ASan sees any read past it */
			char *cut = xmalloc(n > 0 ? n : 1);

			memcpy(cut, wire.data, n);
			if (extract_wire_read(cut, n, eml, workdir, &deep2, &ex, &error) == -1 &&
			    ex == NULL && error != NULL &&
			    strncmp(error, "worker result: ", 15) == 0)
				refused++;
			else if (refused == n)
				printf("# cut at %zu not refused (%s)\n", n, error);
			extract_free(&ex);
			free(cut);
		}
		test_assert_int(refused, wire.len);
		printf("# %zu cuts refused\n", refused);
		/* and one more byte is refused too */
		buf_putc(&wire, 0);
		{
			struct extract *ex = NULL;
			const char *error = NULL;
			test_assert(extract_wire_read(wire.data, wire.len, eml, workdir, &deep2,
						      &ex, &error) == -1);
			test_assert(error != NULL && strstr(error, "after the end") != NULL);
		}
	}
	buf_free(&wire);
	free(workdir);
	free(eml);
	test_end();
}

static void test_header(void)
{
	struct synth s;
	struct buf b = BUF_INIT;

	test_begin("magic, version and the mail's size are checked");
	synth_init(&s);
	synth_encode(&s, &b);
	b.data[0] = 'X';
	expect_refused(&s, b.data, b.len, "bad magic");
	b.data[0] = 'C';
	put32(&b, 8, EXTRACT_WIRE_VERSION + 1);
	expect_refused(&s, b.data, b.len, "version");
	put32(&b, 8, 1);        /* before documents' texts */
	expect_refused(&s, b.data, b.len, "version 1");
	put32(&b, 8, 0);
	expect_refused(&s, b.data, b.len, "version 0");
	put32(&b, 8, EXTRACT_WIRE_VERSION);
	b.data[12]++; /* u64 mail size */
	expect_refused(&s, b.data, b.len, "the worker's mail had");
	b.data[12]--;
	b.data[20] = 2; /* u8 truncated */
	expect_refused(&s, b.data, b.len, "mail truncated: 2 out of range");
	b.data[20] = 1;
	expect_refused(&s, b.data, b.len, "truncated without a limit");
	b.data[20] = 0;
	expect_refused(&s, "", 0, "magic: truncated at byte 0 of 0");
	buf_free(&b);
	synth_init(&s);
	s.msg.truncated = true;
	s.msg.limit = "bogus";
	expect_refused_synth(&s, "mail limit: unknown \"bogus\"");
	synth_init(&s);
	s.msg.limit = "parts";
	expect_refused_synth(&s, "with a limit");
	test_end();
}

static void test_parts(void)
{
	struct synth s;
	char big[EXTRACT_WIRE_STR_MAX + 2];
	char *mail2;

	test_begin("parts: parents, depths, sections, enums, offsets inside the mail");
	synth_init(&s);
	s.parts[1].parent = 1;
	expect_refused_synth(&s, "part 1: parent 1 is not an earlier one");
	synth_init(&s);
	s.parts[0].parent = 0;
	expect_refused_synth(&s, "part 0: parent 0 is not an earlier one");
	synth_init(&s);
	s.parts[1].parent = -7;
	expect_refused_synth(&s, "part 1: parent -7");
	synth_init(&s);
	s.parts[1].depth = 3;
	expect_refused_synth(&s, "part 1: depth 3 under a parent of depth 0");
	synth_init(&s);
	memcpy(s.parts[1].section, "1a", 3);
	expect_refused_synth(&s, "section: \"1a\"");
	synth_init(&s);
	s.parts[1].role = (enum message_role)9;
	expect_refused_synth(&s, "part 1: role: 9 out of range");
	synth_init(&s);
	s.parts[1].encoding = (enum message_encoding)3;
	expect_refused_synth(&s, "part 1: encoding: 3 out of range");
	synth_init(&s);
	s.parts[1].filename = "\xff\xfe.zip";
	expect_refused_synth(&s, "part 1: filename: not UTF-8");
	synth_init(&s);
	s.parts[1].content_id = "\xff raw bytes are fine here";
	{
		struct buf b = BUF_INIT;
		struct extract *ex = NULL;
		const char *error;

		synth_encode(&s, &b);
		test_assert(extract_wire_read(b.data, b.len, s.eml, s.workdir, NULL, &ex,
					      &error) == 0);
		extract_free(&ex);
		buf_free(&b);
	}
	/* a worker that saw a longer mail: its offsets run past this one's end */
	mail2 = xmalloc(s.len + 100);
	memcpy(mail2, synth_mail, s.len);
	memset(mail2 + s.len, 'x', 100);
	for (int k = 0; k < 3; k++) {
		struct buf b = BUF_INIT;

		synth_init(&s);
		s.msg.data = mail2;
		s.msg.len = s.len + 100;
		s.parts[0].hdr = mail2;
		s.parts[1].hdr = mail2 + (s.parts[1].hdr - synth_mail);
		s.parts[1].body = mail2 + (s.parts[1].body - synth_mail);
		s.parts[0].body = NULL;
		s.parts[0].body_len = 0;
		if (k == 0)
			s.parts[1].body_len = s.len - (size_t)(s.parts[1].body - mail2) + 1;
		else if (k == 1)
			s.parts[1].hdr = mail2 + s.len + 50;
		else
			s.parts[0].body = mail2 + s.len + 1;
		synth_encode(&s, &b);
		put32(&b, 12, (uint32_t)s.len); /* the mail size this parent sees */
		expect_refused(&s, b.data, b.len, k == 1 ? "header: bytes" : "body: bytes");
		expect_refused(&s, b.data, b.len, "outside the mail of");
		buf_free(&b);
	}
	free(mail2);
	/* the writer cuts what the reader would refuse */
	synth_init(&s);
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s.parts[1].type = big;
	{
		struct buf b = BUF_INIT;
		struct extract *ex = NULL;
		const char *error;

		synth_encode(&s, &b);
		if (test_assert(extract_wire_read(b.data, b.len, s.eml, s.workdir, NULL, &ex,
						  &error) == 0))
			test_assert_int(strlen(ex->msg->parts[1].type), EXTRACT_WIRE_STR_MAX);
		extract_free(&ex);
		buf_free(&b);
	}
	test_end();
}

static void test_files(void)
{
	struct synth s;

	test_begin("files: parents, paths under the parent's, depths, enums, flags, facts");
	synth_init(&s);
	s.files[0].parent = 1;
	expect_refused_synth(&s, "file 0: parent 1 is not an earlier one");
	synth_init(&s);
	s.files[1].parent = 5;
	expect_refused_synth(&s, "file 1: parent 5");
	synth_init(&s);
	s.files[1].parent = INT32_MIN;
	expect_refused_synth(&s, "file 1: parent -2147483648");
	synth_init(&s);
	s.files[1].path = "a.zi";
	expect_refused_synth(&s, "file 1: path does not start with its container's path");
	synth_init(&s);
	s.files[1].path = "a.zipx.txt";
	expect_refused_synth(&s, "path does not start");
	synth_init(&s);
	s.files[1].path = "a.zip";
	expect_refused_synth(&s, "path does not start");
	synth_init(&s);
	s.files[0].path = "\xc0\xaf.zip";
	expect_refused_synth(&s, "file 0: path: not UTF-8");
	synth_init(&s);
	s.files[1].depth = 0;
	expect_refused_synth(&s, "file 1: depth 0 under a parent of depth 0");
	synth_init(&s);
	s.files[0].depth = 1;
	expect_refused_synth(&s, "file 0: depth 1");
	synth_init(&s);
	s.files[1].archive_status = (enum unpack_status)4;
	expect_refused_synth(&s, "file 1: archive_status: 4 out of range");
	synth_init(&s);
	s.files[1].facts.kind = FACTS_KIND_COUNT;
	expect_refused_synth(&s, "file 1: facts kind");
	synth_init(&s);
	memcpy(s.files[1].section, "2.x", 4);
	expect_refused_synth(&s, "file 1: section");
	{
		/* a facts string longer than its array; an unknown flag bit
		 * (flags follow codec, seven i32, u8 pdf_read and three i32);
		 * pdf_read neither 0 nor 1 */
		struct buf b = BUF_INIT;
		long at;

		synth_init(&s);
		synth_encode(&s, &b);
		if ((at = find_marker(&b, "CODECMARK")) >= 4) {
			size_t flags = (size_t)at + 9 + 7 * 4 + 1 + 3 * 4;

			test_assert_int((unsigned char)b.data[flags], 0x0b); /* probed|opened|archive */
			b.data[flags - 13] = 2;
			expect_refused(&s, b.data, b.len, "file 0: facts pdf_read: 2 out of range");
			b.data[flags - 13] = 0;
			b.data[flags] = 0x20;
			expect_refused(&s, b.data, b.len, "file 0: flags: 32 out of range");
			b.data[flags] = 0x1f;
			b.data[flags + 1] = 7;
			expect_refused(&s, b.data, b.len, "file 0: archive_status: 7 out of range");
			b.data[flags + 1] = UNPACK_DAMAGED;
			put32(&b, (size_t)at - 4, 32);
			expect_refused(&s, b.data, b.len, "file 0: facts codec: 32 bytes, more than 31");
		}
		buf_free(&b);
	}
	test_end();
}

static void test_stored(void)
{
	static const struct { const char *name; const char *err; } bad[] = {
		{ "/etc/shadow", "stored: \"/etc/shadow\" is not a file name" },
		{ "..", "stored: \"..\"" }, { ".", "stored: \".\"" },
		{ "../../x", "stored: \"../../x\"" }, { "a/b", "stored: \"a/b\"" },
		{ "", "stored: \"\"" }, { "ab\0d", "stored: contains a NUL byte" },
	};
	struct synth s;

	test_begin("a stored file is one plain name in the work directory");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b = BUF_INIT;
		long at;
		size_t n = i == sizeof(bad) / sizeof(bad[0]) - 1 ? 4 : strlen(bad[i].name);

		/* the writer refuses these: put them in by hand */
		synth_init(&s);
		synth_encode(&s, &b);
		if ((at = find_marker(&b, "STOREDNAME1")) >= 4) {
			struct buf c = BUF_INIT;

			buf_append(&c, b.data, (size_t)at - 4);
			buf_append(&c, "\0\0\0\0", 4);
			put32(&c, (size_t)at - 4, (uint32_t)n);
			buf_append(&c, bad[i].name, n);
			buf_append(&c, b.data + at + 11, b.len - (size_t)at - 11);
			expect_refused(&s, c.data, c.len, bad[i].err);
			buf_free(&c);
		}
		buf_free(&b);
	}
	{
		struct buf b = BUF_INIT;
		const char *error = NULL;

		synth_init(&s);
		s.files[0].stored = "/etc/shadow";
		test_assert(extract_wire_encode(&s.ex, &b, &error) == -1);
		test_assert(error != NULL && strstr(error, "is not in") != NULL);
		snprintf(s.stored0, sizeof(s.stored0), "%s/../x", s.workdir);
		s.files[0].stored = s.stored0;
		error = NULL;
		test_assert(extract_wire_encode(&s.ex, &b, &error) == -1);
		test_assert(error != NULL && strstr(error, "is not in") != NULL);
		buf_free(&b);
	}
	test_end();
}

static void test_problems_and_counts(void)
{
	struct synth s;
	struct buf b = BUF_INIT;
	struct extract_settings few = { .max_files = 1 };
	struct extract *ex = NULL;
	const char *error;

	test_begin("problem codes are known names, counts are bounded");
	synth_init(&s);
	s.problems[0].code = "archive.bogus";
	expect_refused_synth(&s, "problem 0: code: unknown \"archive.bogus\"");
	synth_init(&s);
	s.problems[0].code = "ARCHIVE.BOMB";
	expect_refused_synth(&s, "unknown \"ARCHIVE.BOMB\"");
	synth_init(&s);
	s.problems[0].code = "mail.late";   /* a rules code, not extraction's */
	expect_refused_synth(&s, "unknown \"mail.late\"");
	synth_init(&s);
	s.problems[0].file = "\xe4\xb8";
	expect_refused_synth(&s, "problem 0: file: not UTF-8");
	synth_init(&s);
	s.ex.body = "\xed\xa0\x80 surrogate";
	expect_refused_synth(&s, "body: not UTF-8");

	/* nparts sits at byte 25 (magic 8, version 4, size 8, truncated 1,
	 * NULL limit 4) */
	synth_init(&s);
	synth_encode(&s, &b);
	put32(&b, 25, UINT32_MAX);
	expect_refused(&s, b.data, b.len, "parts: 4294967295, more than 10000");
	put32(&b, 25, MESSAGE_DEFAULT_MAX_PARTS + 1);
	expect_refused(&s, b.data, b.len, "parts: 10001, more than 10000");
	put32(&b, 25, 5000);
	expect_refused(&s, b.data, b.len, "more than the");
	put32(&b, 25, 0);   /* the parts' bytes are then read as what follows */
	expect_refused(&s, b.data, b.len, "worker result");
	buf_free(&b);
	/* files over the configured max_files */
	synth_init(&s);
	synth_encode(&s, &b);
	test_assert(extract_wire_read(b.data, b.len, s.eml, s.workdir, &few, &ex, &error) == -1);
	test_assert(strstr(error, "files: 2, more than 1") != NULL);
	buf_free(&b);
	/* a string length over the bound */
	synth_init(&s);
	synth_encode(&s, &b);
	{
		long at = find_marker(&b, "DETAILMARK");
		if (at >= 4) {
			put32(&b, (size_t)at - 4, EXTRACT_WIRE_STR_MAX + 1);
			expect_refused(&s, b.data, b.len, "detail: 65537 bytes, more than 65536");
			put32(&b, (size_t)at - 4, UINT32_MAX);
			expect_refused(&s, b.data, b.len, "detail: missing");
		}
	}
	buf_free(&b);
	/* a document's text over DOCTEXT_MAX (what a probe reply can hold) */
	synth_init(&s);
	synth_encode(&s, &b);
	{
		long at = find_marker(&b, "#format docx");
		char want[64];

		snprintf(want, sizeof(want), "text: %d bytes, more than %d", DOCTEXT_MAX + 1,
			 DOCTEXT_MAX);
		if (test_assert(at >= 4)) {
			put32(&b, (size_t)at - 4, DOCTEXT_MAX + 1);
			expect_refused(&s, b.data, b.len, want);
		}
	}
	buf_free(&b);
	test_end();
}

static void test_facts_sanitize(void)
{
	struct facts f;
	unsigned char two = 2;

	test_begin("facts_sanitize: kind, strings, bool, doc_images, duration");
	memset(&f, 'A', sizeof(f));
	f.kind = (enum facts_kind)1000;
	memcpy(&f.damaged, &two, 1);
	f.doc_images = -5;
	f.duration = INFINITY;
	facts_sanitize(&f);
	test_assert_int(f.kind, FACTS_KIND_OTHER);
	test_assert_int(strlen(f.mime), sizeof(f.mime) - 1);
	test_assert_int(strlen(f.magic), sizeof(f.magic) - 1);
	test_assert_int(strlen(f.damage), sizeof(f.damage) - 1);
	test_assert_int(strlen(f.container), sizeof(f.container) - 1);
	test_assert_int(strlen(f.codec), sizeof(f.codec) - 1);
	memcpy(&two, &f.damaged, 1);
	test_assert_int(two, 1);
	test_assert_int(f.doc_images, 0);
	test_assert(f.duration == -1);
	f.duration = 12.5;
	f.kind = FACTS_KIND_VIDEO;
	facts_sanitize(&f);
	test_assert(f.duration == 12.5);
	test_assert_int(f.kind, FACTS_KIND_VIDEO);
	test_end();
}

static void test_mail_unreadable(void)
{
	struct synth s;
	struct buf b = BUF_INIT;
	struct extract *ex = NULL;
	const char *error = NULL;

	test_begin("a mail that cannot be mapped is an error of its own");
	synth_init(&s);
	synth_encode(&s, &b);
	test_assert(extract_wire_read(b.data, b.len, "/nonexistent/x.eml", s.workdir, NULL,
				      &ex, &error) == -1);
	test_assert(ex == NULL);
	test_assert(error != NULL && strstr(error, "/nonexistent/x.eml") != NULL &&
		    strncmp(error, "worker result", 13) != 0);
	buf_free(&b);
	test_end();
}

static void test_init(void)
{
	const char *error;

	test_begin("probe_init");
	probe = probe_init(NULL, &error);
	if (!test_assert(probe != NULL))
		printf("Bail out! probe_init: %s\n", error);
	test_end();
}

static void test_deinit(void)
{
	test_begin("probe_deinit");
	free(synth_eml);
	free(synth_workdir);
	probe_deinit(&probe);
	test_assert(probe == NULL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_init,
		test_facts_sanitize,
		test_synth_valid,
		test_header,
		test_parts,
		test_files,
		test_stored,
		test_problems_and_counts,
		test_mail_unreadable,
		test_roundtrip_built_mail,
		test_roundtrip_big_body,
		test_truncated_everywhere,
		test_roundtrip_fixtures,
		test_deinit,
		NULL,
	};
	return test_run(tests);
}
