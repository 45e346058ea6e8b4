/* libFuzzer target for extract-wire: any bytes as the result of an
 * extraction worker (docs/fuzzing.md).
 *
 * Feeds: the input to extract_wire_read() with the default limits, for a
 * fixed mail (fuzz_mail below: bodies, an inline image, a zip with a
 * nested zip and an unsafe entry, an attached mail) written to a scratch
 * directory at start, and a scratch work directory.
 *
 * Asserts beyond "no crash, no leak":
 *  - refused: -1, *ex_r untouched, an error starting "worker result: ";
 *  - accepted, the parent's invariants: the mail's own size; parts: the
 *    first parent -1, parents earlier, depth the parent's + 1, header and
 *    body inside the mapped mail, section of digits and dots, a type,
 *    file names UTF-8; files: parents earlier, path UTF-8 and under the
 *    parent's "path/", name its last component, stored NULL or
 *    "<workdir>/<one name>", facts strings terminated in their arrays,
 *    kind in range, duration finite; problems: a SPEC code, file UTF-8;
 *    body UTF-8;
 *  - accepted results round-trip: extract_wire_encode() of what was read
 *    is as long as the input, reads back, and encodes to the same bytes
 *    again (only facts_sanitize() may change bytes, once);
 *  - what the parent then does with it works: inspect_json(),
 *    inspect_text(), header lookups and iteration on every part.
 *
 * Seeds (tests/fuzz/seeds/fuzz-extractwire/) are real results for
 * fuzz_mail, made by running this binary with FUZZ_EXTRACTWIRE_SEEDS=DIR:
 * extract_mail() with the default limits, max_depth 1, max_files 3 and a
 * MIME part limit of 4, each written to DIR. */
#include "fuzz-common.h"
#include "charset.h"
#include "extract-wire.h"
#include "fsutil.h"
#include "inspect.h"
#include "probe.h"
#include "xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fuzz_mail[] =
	"From: =?utf-8?B?5byg5LiJ?= <zhangsan@qq.com>\r\n"
	"To: wylzzh@ecpmi.org.cn\r\n"
	"Subject: =?gb18030?B?usO3/s7xsLjA/Q==?=\r\n"
	"Date: Tue, 28 Jul 2026 15:40:00 +0800\r\n"
	"Content-Type: multipart/mixed; boundary=\"A\"\r\n"
	"\r\n"
	"--A\r\n"
	"Content-Type: multipart/related; boundary=\"B\"\r\n"
	"\r\n"
	"--B\r\n"
	"Content-Type: text/html; charset=gbk\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"xOO6w6Oh\r\n"
	"--B\r\n"
	"Content-Type: image/png; name=\"logo.png\"\r\n"
	"Content-ID: <logo@qq>\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"iVBORw0KGgo=\r\n"
	"--B--\r\n"
	"--A\r\n"
	"Content-Type: application/zip; name=\"=?utf-8?B?5qGI5L6LLnppcA==?=\"\r\n"
	"Content-Disposition: attachment\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"UEsDBBQAAAgAAMIEeF0gMDo2BgAAAAYAAAAMAAAA5YWs5Y+4L2EudHh0aGVsbG8KUEsDBBQAAAAA\r\n"
	"AMIEeF2DFtyMAQAAAAEAAAAIAAAALi4veC50eHR4UEsDBBQAAAAAAMIEeF1VuPt+eQAAAHkAAAAJ\r\n"
	"AAAAaW5uZXIuemlwUEsDBBQAAAgAAMIEeF2CuJ4nBQAAAAUAAAAJAAAA5rexL2IudHh0ZGVlcApQ\r\n"
	"SwECFAMUAAAIAADCBHhdgrieJwUAAAAFAAAACQAAAAAAAAAAAAAAgAEAAAAA5rexL2IudHh0UEsF\r\n"
	"BgAAAAABAAEANwAAACwAAAAAAFBLAQIUAxQAAAgAAMIEeF0gMDo2BgAAAAYAAAAMAAAAAAAAAAAA\r\n"
	"AACAAQAAAADlhazlj7gvYS50eHRQSwECFAMUAAAAAADCBHhdgxbcjAEAAAABAAAACAAAAAAAAAAA\r\n"
	"AAAAgAEwAAAALi4veC50eHRQSwECFAMUAAAAAADCBHhdVbj7fnkAAAB5AAAACQAAAAAAAAAAAAAA\r\n"
	"gAFXAAAAaW5uZXIuemlwUEsFBgAAAAADAAMApwAAAPcAAAAAAA==\r\n"
	"--A\r\n"
	"Content-Type: message/rfc822\r\n"
	"Content-Disposition: attachment\r\n"
	"\r\n"
	"Subject: inner\r\n"
	"Content-Type: multipart/mixed; boundary=\"C\"\r\n"
	"\r\n"
	"--C\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"inner body\r\n"
	"--C\r\n"
	"Content-Type: application/pdf; name=\"x.pdf\"\r\n"
	"\r\n"
	"%PDF-1.4 truncated\r\n"
	"--C--\r\n"
	"--A--\r\n";

static char *eml_path, *workdir;

static void fuzz_write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	FUZZ_CHECK(fp != NULL);
	FUZZ_CHECK(fwrite(data, 1, len, fp) == len && fclose(fp) == 0);
}

/* FUZZ_EXTRACTWIRE_SEEDS=DIR: real results for fuzz_mail into DIR. */
static void fuzz_make_seeds(const char *dir)
{
	static const struct { const char *name; struct extract_settings set; } runs[] = {
		{ "real-default", { .max_depth = 0 } },
		{ "real-max-depth-1", { .max_depth = 1 } },
		{ "real-max-files-3", { .max_files = 3 } },
		{ "real-mime-parts-4", { .message = { .max_parts = 4 } } },
	};
	const char *error;
	struct probe *probe = probe_init(NULL, &error);

	FUZZ_CHECK(probe != NULL);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *wd = xasprintf("%s/seed-work-%zu", fuzz_scratch("fuzz-extractwire"), i);
		char *out = xasprintf("%s/%s", dir, runs[i].name);
		struct extract *ex = NULL;
		struct buf b = BUF_INIT;

		FUZZ_CHECK(fsutil_mkdir_p(wd, &error) == 0);
		if (extract_mail(eml_path, wd, &runs[i].set, probe, &ex, &error) < 0 ||
		    extract_wire_encode(ex, &b, &error) < 0) {
			fprintf(stderr, "fuzz-extractwire: %s: %s\n", runs[i].name, error);
			abort();
		}
		fuzz_write_file(out, b.data, b.len);
		fprintf(stderr, "%s: %zu bytes, %zu files, %zu problems\n", out, b.len,
			ex->nfiles, ex->nproblems);
		buf_free(&b);
		extract_free(&ex);
		free(out);
		free(wd);
	}
	probe_deinit(&probe);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_scratch("fuzz-extractwire"), *error, *seeds;

	eml_path = xasprintf("%s/mail.eml", dir);
	workdir = xasprintf("%s/work", dir);
	fuzz_write_file(eml_path, fuzz_mail, sizeof(fuzz_mail) - 1);
	FUZZ_CHECK(fsutil_mkdir_p(workdir, &error) == 0);
	if ((seeds = getenv("FUZZ_EXTRACTWIRE_SEEDS")) != NULL)
		fuzz_make_seeds(seeds);
	return 0;
}

static bool fuzz_utf8(const char *s)
{
	return s != NULL && charset_is_utf8(s, strlen(s));
}

static bool fuzz_section(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	return n < size && strspn(s, "0123456789.") == n;
}

static void fuzz_check_message(const struct message *msg)
{
	FUZZ_CHECK(msg->len == sizeof(fuzz_mail) - 1);
	FUZZ_CHECK(memcmp(msg->data, fuzz_mail, msg->len) == 0);
	FUZZ_CHECK(msg->truncated == (msg->limit != NULL));
	for (size_t i = 0; i < msg->nparts; i++) {
		const struct message_part *p = &msg->parts[i];
		size_t pos = 0, nl, vl;
		const char *n, *v;
		char *s;

		FUZZ_CHECK(p->parent >= -1 && p->parent < (int)i);
		FUZZ_CHECK(p->depth == (p->parent < 0 ? 0 : msg->parts[p->parent].depth + 1));
		FUZZ_CHECK(p->hdr == NULL ? p->hdr_len == 0 :
			   p->hdr >= msg->data && p->hdr_len <= msg->len &&
			   (size_t)(p->hdr - msg->data) <= msg->len - p->hdr_len);
		FUZZ_CHECK(p->body == NULL ? p->body_len == 0 :
			   p->body >= msg->data && p->body_len <= msg->len &&
			   (size_t)(p->body - msg->data) <= msg->len - p->body_len);
		FUZZ_CHECK(fuzz_section(p->section, sizeof(p->section)));
		FUZZ_CHECK(p->type != NULL);
		FUZZ_CHECK(p->filename == NULL || fuzz_utf8(p->filename));
		FUZZ_CHECK(p->encoding <= MESSAGE_ENC_QP && p->role <= MESSAGE_ROLE_ATTACHMENT);
		/* what check.c and inspect.c do with a part */
		s = message_header_decoded(msg, p, "Content-Type");
		free(s);
		while (message_header_next(msg, p, &pos, &n, &nl, &v, &vl))
			FUZZ_CHECK(n >= p->hdr && v + vl <= p->hdr + p->hdr_len);
	}
}

static void fuzz_check_extract(const struct extract *ex)
{
	size_t wlen = strlen(workdir);

	fuzz_check_message(ex->msg);
	for (size_t i = 0; i < ex->nfiles; i++) {
		const struct extract_file *f = &ex->files[i];
		const struct facts *ft = &f->facts;

		FUZZ_CHECK(f->parent >= -1 && f->parent < (int)i);
		FUZZ_CHECK(f->depth == (f->parent < 0 ? 0 : ex->files[f->parent].depth + 1));
		FUZZ_CHECK(f->depth <= EXTRACT_DEFAULT_MAX_DEPTH);
		FUZZ_CHECK(fuzz_utf8(f->path));
		if (f->parent >= 0) {
			const char *pp = ex->files[f->parent].path;
			FUZZ_CHECK(strncmp(f->path, pp, strlen(pp)) == 0 &&
				   f->path[strlen(pp)] == '/');
		}
		FUZZ_CHECK(f->name >= f->path && f->name <= f->path + strlen(f->path) &&
			   strchr(f->name, '/') == NULL &&
			   (f->name == f->path || f->name[-1] == '/'));
		if (f->stored != NULL) {
			const char *nm = f->stored + wlen + 1;
			FUZZ_CHECK(strncmp(f->stored, workdir, wlen) == 0 && f->stored[wlen] == '/');
			FUZZ_CHECK(*nm != '\0' && strchr(nm, '/') == NULL &&
				   strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0);
		}
		FUZZ_CHECK(fuzz_section(f->section, sizeof(f->section)));
		FUZZ_CHECK((unsigned)ft->kind < FACTS_KIND_COUNT);
		FUZZ_CHECK(strnlen(ft->mime, sizeof(ft->mime)) < sizeof(ft->mime) &&
			   strnlen(ft->magic, sizeof(ft->magic)) < sizeof(ft->magic) &&
			   strnlen(ft->damage, sizeof(ft->damage)) < sizeof(ft->damage) &&
			   strnlen(ft->container, sizeof(ft->container)) < sizeof(ft->container) &&
			   strnlen(ft->codec, sizeof(ft->codec)) < sizeof(ft->codec));
		FUZZ_CHECK(isfinite(ft->duration) && ft->doc_images >= 0);
		FUZZ_CHECK(f->archive_status <= UNPACK_BOMB);
	}
	for (size_t i = 0; i < ex->nproblems; i++) {
		const struct extract_problem *p = &ex->problems[i];

		FUZZ_CHECK(p->code != NULL && fuzz_spec_code(p->code) >= 0);
		FUZZ_CHECK(p->file == NULL || fuzz_utf8(p->file));
		FUZZ_CHECK(p->detail != NULL);
	}
	FUZZ_CHECK(fuzz_utf8(ex->body));
	FUZZ_CHECK(strcmp(ex->workdir, workdir) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract *ex = (struct extract *)1, *again = NULL;
	struct buf enc1 = BUF_INIT, enc2 = BUF_INIT, out = BUF_INIT;
	const char *error = NULL;

	if (extract_wire_read(data, size, eml_path, workdir, NULL, &ex, &error) < 0) {
		FUZZ_CHECK(ex == (struct extract *)1);
		FUZZ_CHECK(error != NULL && strncmp(error, "worker result: ", 15) == 0);
		return 0;
	}
	fuzz_check_extract(ex);
	inspect_json(ex, "mail.eml", &out);
	inspect_text(ex, "mail.eml", &out);
	FUZZ_CHECK(out.len > 0);
	/* canonical: what was accepted encodes back to as many bytes */
	FUZZ_CHECK(extract_wire_encode(ex, &enc1, &error) == 0);
	FUZZ_CHECK(enc1.len == size);
	FUZZ_CHECK(extract_wire_read(enc1.data, enc1.len, eml_path, workdir, NULL, &again,
				     &error) == 0);
	FUZZ_CHECK(extract_wire_encode(again, &enc2, &error) == 0);
	FUZZ_CHECK(enc2.len == enc1.len && memcmp(enc1.data, enc2.data, enc1.len) == 0);
	extract_free(&again);
	extract_free(&ex);
	buf_free(&enc1);
	buf_free(&enc2);
	buf_free(&out);
	return 0;
}
