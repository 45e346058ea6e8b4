/* Tests for probe: kinds by content, image and video facts, damage.
 *
 * Media are made at test time in test_tmpdir(): videos and JPEGs with
 * ffmpeg, the rest (PDF, DOCX, OLE2, EXIF, HEIF and archive headers) by
 * the C code below. Every file goes through the sandboxed probe_file(). */
#include "probe.h"
#include "buf.h"
#include "fsutil.h"
#include "test.h"
#include "xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <turbojpeg.h>
#include <unistd.h>

static struct probe *probe;
static bool media_ok;

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		printf("# cannot write %s\n", path);
	free(path);
}

static void write_str(const char *name, const char *s)
{
	write_file(name, s, strlen(s));
}

/* A generated file's bytes (malloc'd), or NULL. */
static char *read_tmp(const char *name, size_t *len_r)
{
	char *path = tmp_path(name), *data = NULL;
	const char *error;

	if (fsutil_read_file(path, 1 << 28, &data, len_r, &error) < 0)
		printf("# %s\n", error);
	free(path);
	return data;
}

/* Copy the first keep_pct percent of src to dst. */
static void truncate_copy(const char *src, const char *dst, int keep_pct)
{
	size_t len;
	char *data = read_tmp(src, &len);

	if (data != NULL)
		write_file(dst, data, len * (size_t)keep_pct / 100);
	free(data);
}

/* ---- generated media ---- */

/* ffmpeg arguments, run in the scratch directory */
static const char *const ffmpeg_jobs[] = {
	"-f lavfi -i testsrc=size=1280x720:rate=5 -t 2 -c:v libx264 -pix_fmt yuv420p v720.mp4",
	"-f lavfi -i testsrc=size=640x360:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p v360.mp4",
	"-f lavfi -i testsrc=size=720x1280:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p portrait.mp4",
	("-f lavfi -i testsrc=size=320x240:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p "
	 "-movflags +faststart faststart.mp4"),
	"-f lavfi -i testsrc=size=320x240:rate=5 -t 1 -c:v mpeg4 v.avi",
	"-f lavfi -i testsrc=size=320x240:rate=5 -t 1 -c:v libvpx v.webm",
	"-i v720.mp4 -c copy -f mov v.mov",
	"-i v720.mp4 -c copy -metadata:s:v:0 rotate=90 rot90.mp4",
	"-i v720.mp4 -c copy -metadata:s:v:0 rotate=270 rot270.mp4",
	"-f lavfi -i sine=d=1 -c:a aac audio.m4a",
	"-f lavfi -i sine=d=1 -c:a aac audio.mp4",
	"-f lavfi -i testsrc=size=1280x720 -frames:v 1 photo.jpg",
	"-f lavfi -i testsrc=size=1280x720 -frames:v 1 photo.png",
	"-f lavfi -i testsrc=size=400x300 -frames:v 1 small.gif",
	"-f lavfi -i testsrc=size=400x300 -frames:v 1 small.bmp",
	"-f lavfi -i testsrc=size=400x300 -frames:v 1 small.webp",
	/* ffmpeg writes the IFD after ~360 KB of pixels: beyond the head buffer */
	"-f lavfi -i testsrc=size=400x300 -frames:v 1 scan.tif",
};

/* photo.jpg losslessly turned progressive: later scans refine earlier
 * ones, so a cut file still has a whole (blurry) picture to show. */
static void make_progressive_jpeg(void)
{
	tjtransform xf = { .op = TJXOP_NONE, .options = TJXOPT_PROGRESSIVE };
	tjhandle tj = tjInitTransform();
	unsigned char *out = NULL;
	unsigned long outlen = 0;
	size_t len;
	char *data = read_tmp("photo.jpg", &len);

	if (data != NULL &&
	    tjTransform(tj, (unsigned char *)data, len, 1, &out, &outlen, &xf, 0) == 0)
		write_file("progressive.jpg", out, outlen);
	free(data);
	tjFree(out);
	tjDestroy(tj);
}

static void make_videos(void)
{
	media_ok = true;
	for (size_t i = 0; media_ok && i < sizeof(ffmpeg_jobs) / sizeof(ffmpeg_jobs[0]); i++) {
		char *cmd = xasprintf("cd '%s' && ffmpeg -nostdin -v error -y %s",
				      test_tmpdir(), ffmpeg_jobs[i]);
		if (system(cmd) != 0) {
			printf("# failed: %s\n", cmd);
			media_ok = false;
		}
		free(cmd);
	}
	truncate_copy("v720.mp4", "v720-cut.mp4", 60);
	truncate_copy("faststart.mp4", "faststart-cut.mp4", 60);
	truncate_copy("photo.jpg", "photo-cut.jpg", 70);
	make_progressive_jpeg();
	truncate_copy("progressive.jpg", "progressive-cut.jpg", 90);
	truncate_copy("photo.png", "png-named.jpg", 100);
}

/* Copy src to dst with ins inserted before the first occurrence of the
 * two bytes at, keeping keep_pct percent of the result. */
static void insert_copy(const char *src, const char *dst, const char *at,
			const void *ins, size_t ins_len, int keep_pct)
{
	size_t len;
	char *d = read_tmp(src, &len), *p;
	struct buf b = BUF_INIT;

	if (d != NULL && (p = memmem(d, len, at, 2)) != NULL) {
		buf_append(&b, d, (size_t)(p - d));
		buf_append(&b, ins, ins_len);
		buf_append(&b, p, len - (size_t)(p - d));
		write_file(dst, b.data, b.len * (size_t)keep_pct / 100);
	}
	buf_free(&b);
	free(d);
}

/* photo.jpg with an APP1 Exif segment (Orientation) before its APP0. */
static void make_exif_jpeg(const char *name, bool big_endian, unsigned orientation)
{
	unsigned char app1[2 + 2 + 6 + 8 + 2 + 12 + 4] = { 0xff, 0xe1, 0, 34 };
	unsigned char *t = app1 + 10;

	memcpy(app1 + 4, "Exif\0\0", 6);
	if (big_endian)
		memcpy(t, "MM\0\x2a\0\0\0\x08" "\0\x01" "\x01\x12\0\x03\0\0\0\x01", 18);
	else
		memcpy(t, "II\x2a\0\x08\0\0\0" "\x01\0" "\x12\x01\x03\0\x01\0\0\0", 18);
	t[big_endian ? 19 : 18] = (unsigned char)orientation;
	insert_copy("photo.jpg", name, "\xff\xe0", app1, sizeof(app1), 100);
}

/* photo.jpg with its SOF0 frame size patched to 40000x40000. */
static void make_huge_jpeg(void)
{
	size_t len;
	unsigned char *d = (unsigned char *)read_tmp("photo.jpg", &len);

	for (size_t i = 2; d != NULL && i + 9 < len; i++) {
		if (d[i] == 0xff && d[i + 1] == 0xc0) {
			d[i + 5] = d[i + 7] = 0x9c; /* height, width: 0x9c40 */
			d[i + 6] = d[i + 8] = 0x40;
			write_file("huge.jpg", d, len);
			break;
		}
	}
	free(d);
}

static void make_pdf(void)
{
	static const char *const objs[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
		"<< /Type/Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	};
	struct buf b = BUF_INIT;
	size_t off[4], xref;

	buf_puts(&b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	for (size_t i = 0; i < 4; i++) {
		off[i] = b.len;
		buf_printf(&b, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	xref = b.len;
	buf_puts(&b, "xref\n0 5\n0000000000 65535 f \n");
	for (size_t i = 0; i < 4; i++)
		buf_printf(&b, "%010zu 00000 n \n", off[i]);
	buf_printf(&b, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	write_file("doc.pdf", b.data, b.len);
	write_file("doc-cut.pdf", b.data, b.len * 8 / 10);
	buf_free(&b);
}

/* A minimal DOCX (and a plain zip) written with libarchive. */
static void make_zip(const char *name, bool docx)
{
	struct archive *a = archive_write_new();
	struct buf doc = BUF_INIT;
	char *path = tmp_path(name);
	unsigned int x = 12345;

	/* incompressible enough that cutting the file cuts this entry */
	buf_puts(&doc, "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:t>");
	for (int i = 0; i < 40000; i++) {
		x = x * 1103515245 + 12345;
		buf_putc(&doc, (char)('a' + (x >> 16) % 26));
	}
	buf_puts(&doc, "</w:t></w:p></w:body></w:document>");
	const struct { const char *name, *data; size_t len; } entries[] = {
		{ "[Content_Types].xml", "<Types/>", 8 },
		{ docx ? "word/document.xml" : "notes/readme.xml", doc.data, doc.len },
		{ "_rels/.rels", "<Relationships/>", 16 },
	};
	archive_write_set_format_zip(a);
	archive_write_open_filename(a, path);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, entries[i].name);
		archive_entry_set_size(e, (la_int64_t)entries[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_write_header(a, e);
		archive_write_data(a, entries[i].data, entries[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	buf_free(&doc);
	free(path);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static void put_name(unsigned char *e, const char *name, unsigned char type)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		e[2 * i] = (unsigned char)name[i];
	e[0x40] = (unsigned char)(2 * (n + 1));
	e[0x42] = type;
	memset(e + 0x44, 0xff, 12);               /* no siblings, no child */
}

/* An OLE2 file with 512-byte (version 3) or 4096-byte (version 4)
 * sectors: header, FAT (sector 0), directory (sector 1: root + one
 * stream), then the stream's 4096 bytes. */
static void make_ole(const char *name, const char *stream, unsigned shift)
{
	const size_t ss = (size_t)1 << shift, nsec = 2 + 4096 / ss;
	unsigned char *f = xcalloc(1, ss * (nsec + 1));
	unsigned char *fat = f + ss, *dir = f + 2 * ss;

	memcpy(f, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	f[0x18] = 0x3e; f[0x1a] = shift == 9 ? 3 : 4;
	f[0x1c] = 0xfe; f[0x1d] = 0xff;           /* byte order */
	f[0x1e] = (unsigned char)shift; f[0x20] = 6;
	put_le32(f + 0x2c, 1);                    /* one FAT sector */
	put_le32(f + 0x30, 1);                    /* directory at sector 1 */
	put_le32(f + 0x38, 4096);                 /* mini stream cutoff */
	put_le32(f + 0x3c, 0xfffffffe); put_le32(f + 0x44, 0xfffffffe);
	memset(f + 0x50, 0xff, 108 * 4);          /* DIFAT: the FAT is sector 0 */
	memset(fat, 0xff, ss);                    /* all free, but: */
	put_le32(fat, 0xfffffffd);                /* FATSECT */
	put_le32(fat + 4, 0xfffffffe);            /* directory: one sector */
	for (uint32_t s = 2; s < nsec; s++)
		put_le32(fat + 4 * s, s + 1 < nsec ? s + 1 : 0xfffffffe);
	put_name(dir, "Root Entry", 5);
	put_le32(dir + 0x74, 0xfffffffe);
	put_name(dir + 128, stream, 2);
	put_le32(dir + 0x4c, 1);                  /* root's child: the stream */
	put_le32(dir + 128 + 0x74, 2);            /* stream starts at sector 2 */
	put_le32(dir + 128 + 0x78, 4096);
	for (size_t i = 2; i < ss / 128; i++)
		put_name(dir + 128 * i, "", 0);
	write_file(name, f, ss * (nsec + 1));
	free(f);
}

static void make_small_files(void)
{
	unsigned char tar[1024] = "hello.txt";
	static const unsigned char heic[] =
		"\0\0\0\x18" "ftypheic" "\0\0\0\0" "mif1heic" "\0\0\0\x08" "free";

	make_pdf();
	make_zip("doc.docx", true);
	make_zip("saved-by-wps.wps", true);
	make_zip("plain.zip", false);
	truncate_copy("doc.docx", "doc-cut.docx", 50);
	make_ole("word.doc", "WordDocument", 9);
	make_ole("word4k.wps", "WordDocument", 12);
	make_ole("sheet.xls", "Workbook", 9);
	truncate_copy("word.doc", "word-cut.doc", 60);
	truncate_copy("word4k.wps", "word4k-cut.wps", 70);
	write_file("ole-header-only.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	write_file("heic.jpg", heic, sizeof(heic) - 1);
	memcpy(tar + 257, "ustar\0" "00", 8);
	write_file("t.tar", tar, sizeof(tar));
	write_file("x.7z", "7z\xbc\xaf\x27\x1c\0\x04", 8);
	write_file("x.rar", "Rar!\x1a\x07\x01\0", 8);
	write_file("x.gz", "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
	write_file("x.xz", "\xfd" "7zXZ\0\0\x04", 8);
	write_str("script.txt", "#!/bin/sh\nrm -rf /\n");
	write_str("run.bat", "@echo off\r\necho hi\r\n");
	write_str("notes.txt", "just some notes\nand more\n");
	write_str("page.html", "<!DOCTYPE html>\n<html><head><title>x</title></head>"
		  "<body><p>hi</p></body></html>\n");
	write_str("fwd.eml", "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0800\n"
		  "From: a@example.com\nTo: b@example.com\nSubject: hi\n"
		  "Message-ID: <1@example.com>\nMIME-Version: 1.0\n\nbody\n");
}

/* ---- the table ---- */

struct want {
	const char *file;
	enum facts_kind kind;
	const char *damage;     /* NULL: not damaged; else the damage prefix */
	int width, height, orientation, pages;
	const char *container, *codec;
	int coded_w, coded_h, rotation, disp_w, disp_h;
	double duration;        /* < 0: unknown expected */
};

#define KIND(f, k) { f, FACTS_KIND_##k, NULL, 0, 0, 0, 0, "", "", 0, 0, 0, 0, 0, -1 }
#define IMAGE(f, k, w, h, o) { f, FACTS_KIND_##k, NULL, w, h, o, 0, "", "", 0, 0, 0, 0, 0, -1 }
#define DAMAGED(f, k, why) { f, FACTS_KIND_##k, why, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0 }
#define VIDEO(f, cont, codec, w, h, rot, dw, dh, dur) \
	{ f, FACTS_KIND_VIDEO, NULL, 0, 0, 0, 0, cont, codec, w, h, rot, dw, dh, dur }

static const struct want cases[] = {
	/* container, codec, coded size, clockwise rotation, displayed size, duration */
	VIDEO("v720.mp4", "mp4", "h264", 1280, 720, 0, 1280, 720, 2.0),
	VIDEO("v360.mp4", "mp4", "h264", 640, 360, 0, 640, 360, 1.0),
	VIDEO("portrait.mp4", "mp4", "h264", 720, 1280, 0, 720, 1280, 1.0),
	VIDEO("v.mov", "mov", "h264", 1280, 720, 0, 1280, 720, 2.0),
	VIDEO("v.avi", "avi", "mpeg4", 320, 240, 0, 320, 240, 1.0),
	VIDEO("v.webm", "webm", "vp8", 320, 240, 0, 320, 240, 1.0),
	/* FFmpeg 5.1 writes "rotate=N" as a display matrix turning the frame
	 * N degrees counter-clockwise (its own player does so), i.e. 360-N
	 * clockwise; either way the displayed video is portrait */
	VIDEO("rot90.mp4", "mp4", "h264", 1280, 720, 270, 720, 1280, 2.0),
	VIDEO("rot270.mp4", "mp4", "h264", 1280, 720, 90, 720, 1280, 2.0),
	DAMAGED("v720-cut.mp4", VIDEO, "damaged video"),        /* moov lost */
	DAMAGED("faststart-cut.mp4", VIDEO, "truncated video"), /* mdat cut */
	KIND("audio.m4a", OTHER),
	KIND("audio.mp4", OTHER),       /* libmagic says video/mp4: only sound */
	IMAGE("photo.jpg", JPEG, 1280, 720, 1),
	DAMAGED("photo-cut.jpg", JPEG, "truncated JPEG"),
	IMAGE("progressive.jpg", JPEG, 1280, 720, 1),
	DAMAGED("progressive-cut.jpg", JPEG, "truncated JPEG"),
	IMAGE("exif-le.jpg", JPEG, 1280, 720, 6),
	IMAGE("exif-be.jpg", JPEG, 1280, 720, 8),
	DAMAGED("huge.jpg", JPEG, "JPEG dimensions too large"),
	IMAGE("junk.jpg", JPEG, 1280, 720, 1),
	DAMAGED("junk-cut.jpg", JPEG, "truncated JPEG (no end of image marker)"),
	IMAGE("png-named.jpg", PNG, 1280, 720, 0),
	KIND("heic.jpg", HEIC),
	IMAGE("small.gif", GIF, 400, 300, 0),
	IMAGE("small.bmp", BMP, 400, 300, 0),
	IMAGE("small.webp", WEBP, 400, 300, 0),
	IMAGE("scan.tif", TIFF, 400, 300, 0),
	{ "doc.pdf", FACTS_KIND_PDF, NULL, 0, 0, 0, 2, "", "", 0, 0, 0, 0, 0, -1 },
	DAMAGED("doc-cut.pdf", PDF, "truncated PDF"),
	KIND("doc.docx", DOCX),
	KIND("saved-by-wps.wps", DOCX),
	DAMAGED("doc-cut.docx", DOCX, "damaged DOCX"),
	KIND("word.doc", DOC),
	DAMAGED("word-cut.doc", DOC, "truncated OLE file"),
	KIND("word4k.wps", DOC),
	DAMAGED("word4k-cut.wps", DOC, "truncated OLE file"),
	DAMAGED("ole-header-only.doc", DOC, "truncated OLE file"),
	KIND("sheet.xls", OTHER),       /* OLE2, but Excel */
	KIND("plain.zip", ZIP),
	KIND("t.tar", TAR),
	KIND("x.7z", 7Z),
	KIND("x.rar", RAR),
	KIND("x.gz", GZIP),
	KIND("x.xz", XZ),
	KIND("script.txt", EXECUTABLE),
	KIND("run.bat", EXECUTABLE),
	KIND("notes.txt", TEXT),
	KIND("page.html", HTML),
	KIND("fwd.eml", EML),
};

#define FACTS_FMT "%dx%d orientation %d, %d pages, %s/%s %dx%d rotation %d → %dx%d"

static void check_case(const struct want *w, const struct facts *f)
{
	char got[256], want[256];

	test_assert_str(facts_kind_name(f->kind), facts_kind_name(w->kind));
	test_assert(f->mime[0] != '\0');
	if (w->damage != NULL) {
		test_assert_int(f->damaged, 1);
		if (!test_assert(strncmp(f->damage, w->damage, strlen(w->damage)) == 0))
			printf("# damage is \"%s\"\n", f->damage);
		return;
	}
	test_assert_str(f->damage, "");
	snprintf(got, sizeof(got), FACTS_FMT, f->width, f->height, f->orientation, f->pages,
		 f->container, f->codec, f->coded_width, f->coded_height, f->rotation,
		 f->display_width, f->display_height);
	snprintf(want, sizeof(want), FACTS_FMT, w->width, w->height, w->orientation, w->pages,
		 w->container, w->codec, w->coded_w, w->coded_h, w->rotation,
		 w->disp_w, w->disp_h);
	test_assert_str(got, want);
	if (!test_assert(w->duration < 0 ? f->duration < 0 :
			 fabs(f->duration - w->duration) <= 0.2))
		printf("# duration %.3f, want %.3f\n", f->duration, w->duration);
}

static void test_probe_init(void)
{
	const char *error = NULL;

	test_begin("probe_init loads libmagic's default database");
	probe = probe_init(NULL, &error);
	if (!test_assert(probe != NULL))
		printf("Bail out! probe_init: %s\n", error);
	test_end();
	if (probe == NULL)
		exit(1);
	make_videos();
	make_exif_jpeg("exif-le.jpg", false, 6);
	make_exif_jpeg("exif-be.jpg", true, 8);
	make_huge_jpeg();
	/* junk before the first DQT: libjpeg warns "extraneous bytes", which
	 * is harmless, but must not hide a cut-off end */
	insert_copy("photo.jpg", "junk.jpg", "\xff\xdb", "junk", 4, 100);
	insert_copy("photo.jpg", "junk-cut.jpg", "\xff\xdb", "junk", 4, 80);
	make_small_files();
}

/* Each file sandboxed, then in-process: the facts must be the same. */
static void test_probe_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128], *path = tmp_path(cases[i].file);
		struct facts f, g;
		const char *error;

		snprintf(name, sizeof(name), "probe_file %s", cases[i].file);
		test_begin(name);
		if (test_assert(media_ok) &&
		    test_assert_int(probe_file(probe, path, &f, &error), 0)) {
			check_case(&cases[i], &f);
			test_assert_int(probe_file_inproc(probe, path, &g, &error), 0);
			test_assert(memcmp(&f, &g, sizeof(f)) == 0);
		}
		test_end();
		free(path);
	}
}

static void test_probe_errors(void)
{
	char *missing = tmp_path("no-such-file");
	struct facts f;
	const char *error = NULL;

	test_begin("probe_file: missing file and directory are errors");
	test_assert_int(probe_file(probe, missing, &f, &error), -1);
	test_assert(error != NULL && strstr(error, "No such file") != NULL);
	test_assert_int(probe_file(probe, test_tmpdir(), &f, &error), -1);
	test_assert(error != NULL && strstr(error, "not a regular file") != NULL);
	free(missing);
	test_end();
}

static void test_probe_sandbox_failure(void)
{
	struct probe_settings set = { .limits = { .timeout_ms = 1 } };
	const char *error;
	struct probe *p = probe_init(&set, &error);
	char *path = tmp_path("v720.mp4");
	struct facts f;

	test_begin("probe_file: a timed-out child gives damaged facts");
	if (test_assert(p != NULL) &&
	    test_assert_int(probe_file(p, path, &f, &error), 0)) {
		test_assert_str(facts_kind_name(f.kind), "video");
		test_assert_int(f.damaged, 1);
		test_assert_str(f.damage, "probe timed out after 1 ms");
	}
	probe_deinit(&p);
	test_assert(p == NULL);
	free(path);
	errno = 0;
	test_assert(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_probe_init, test_probe_table, test_probe_errors,
		test_probe_sandbox_failure, NULL
	};
	int ret = test_run(tests);

	probe_deinit(&probe);
	return ret;
}
