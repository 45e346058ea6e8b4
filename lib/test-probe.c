/* Tests for probe: kinds by content, image and video facts, damage.
 *
 * Media are made at test time in test_tmpdir(): videos and JPEGs with
 * ffmpeg, the rest (PDF, DOCX, OLE2, EXIF, HEIF and archive headers) by
 * the C code below. Every file goes through the sandboxed probe_file() (the
 * persistent worker), then the one-shot child and the in-process probe, which
 * must agree. */
#include "probe.h"
#include "buf.h"
#include "fsutil.h"
#include "test.h"
#include "xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
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
	media_ok = test_ffmpeg(ffmpeg_jobs, sizeof(ffmpeg_jobs) / sizeof(ffmpeg_jobs[0]));
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

/* Copy src to dst with len bytes at the middle of the file replaced by
 * repl (NULL: a fixed pseudo-random sequence), then cut to keep_pct
 * percent and padded with zeros back to the original length if pad. */
static void overwrite_copy(const char *src, const char *dst, const void *repl, size_t n,
			   int keep_pct, bool pad)
{
	size_t len, keep;
	char *d = read_tmp(src, &len);
	uint32_t x = 12345;

	if (d == NULL || len < 2 * n)
		goto out;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		d[len / 2 + i] = repl != NULL ? ((const char *)repl)[i] : (char)(x >> 16);
	}
	keep = len * (size_t)keep_pct / 100;
	if (pad)
		memset(d + keep, 0, len - keep);
	write_file(dst, d, pad ? len : keep);
out:
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
/* A 24-megapixel JPEG: decoding it takes ~50 ms, well beyond the 10 ms
 * timeout of test_probe_sandbox_failure(). */
static void make_big_jpeg(void)
{
	const int w = 6000, h = 4000;
	unsigned char *px = xmalloc((size_t)w * h * 3), *jpeg = NULL;
	unsigned long len = 0;
	tjhandle tj = tjInitCompress();

	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			unsigned char *p = px + ((size_t)y * w + x) * 3;

			p[0] = (unsigned char)(x ^ y);
			p[1] = (unsigned char)(x * 7 + y);
			p[2] = (unsigned char)(y * 3);
		}
	}
	if (tj != NULL && tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpeg, &len, TJSAMP_420, 80, 0) == 0)
		write_file("big.jpg", jpeg, len);
	else
		printf("# cannot make big.jpg\n");
	tjFree(jpeg);
	if (tj != NULL)
		tjDestroy(tj);
	free(px);
}

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

struct zentry {
	const char *name;
	const void *data;
	size_t len;
};

static void write_zip(const char *name, const struct zentry *entries, size_t n)
{
	struct archive *a = archive_write_new();
	char *path = tmp_path(name);

	archive_write_set_format_zip(a);
	archive_write_open_filename(a, path);
	for (size_t i = 0; i < n; i++) {
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
	free(path);
}

/* A minimal DOCX (and a plain zip) written with libarchive. */
static void make_zip(const char *name, bool docx)
{
	struct buf doc = BUF_INIT;
	unsigned int x = 12345;

	/* incompressible enough that cutting the file cuts this entry */
	buf_puts(&doc, "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:t>");
	for (int i = 0; i < 40000; i++) {
		x = x * 1103515245 + 12345;
		buf_putc(&doc, (char)('a' + (x >> 16) % 26));
	}
	buf_puts(&doc, "</w:t></w:p></w:body></w:document>");
	const struct zentry entries[] = {
		{ "[Content_Types].xml", "<Types/>", 8 },
		{ docx ? "word/document.xml" : "notes/readme.xml", doc.data, doc.len },
		{ "_rels/.rels", "<Relationships/>", 16 },
	};
	write_zip(name, entries, sizeof(entries) / sizeof(entries[0]));
	buf_free(&doc);
}

/* ---- pictures in Word files ---- */

/* The first bytes of pictures: enough for their signatures. */
static const unsigned char pic_png[] =
	"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0"
	"\x90\x91\x68\x36\0\0\0\0IEND\xae\x42\x60\x82";
static const unsigned char pic_jfif[] =
	"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
	"\xff\xdb\0\x43\0\x08\x06\x06\x07\x06\x05\x08\x07\x07\x07\x09";
/* EMR_HEADER: type 1, size 108, bounds, frame, " EMF", version, bytes 4096 */
static const unsigned char pic_emf[] =
	"\x01\0\0\0\x6c\0\0\0" "\0\0\0\0\0\0\0\0\x10\0\0\0\x10\0\0\0"
	"\0\0\0\0\0\0\0\0\x10\0\0\0\x10\0\0\0" " EMF" "\0\0\x01\0"
	"\0\x10\0\0" "\x02\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	"\x80\x07\0\0\x38\x04\0\0\x10\x02\0\0\x2f\x01\0\0\0\0\0\0\0\0\0\0";

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static void make_docx_pics(const char *name, const struct zentry *extra, size_t n)
{
	static const char doc[] = "<?xml version=\"1.0\"?><w:document><w:body><w:p>"
		"<w:r><w:t>text</w:t></w:r></w:p></w:body></w:document>";
	struct zentry e[8] = {
		{ "[Content_Types].xml", "<Types/>", 8 },
		{ "_rels/.rels", "<Relationships/>", 16 },
		{ "word/document.xml", doc, sizeof(doc) - 1 },
	};

	for (size_t i = 0; i < n && i + 3 < sizeof(e) / sizeof(e[0]); i++)
		e[i + 3] = extra[i];
	write_zip(name, e, 3 + n);
}

static void make_docx_files(void)
{
	static const char rels1[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"" REL_NS "styles\" Target=\"styles.xml\"/>"
		"<Relationship Id=\"rId4\" Type=\"" REL_NS "image\" Target=\"media/image1.png\"/>"
		"</Relationships>";
	/* attributes in another order, single quotes, a linked picture, a
	 * relationship to something that is not a picture */
	static const char rels2[] =
		"<?xml version='1.0'?><Relationships>"
		"<Relationship Target='media/image1.png' Id='rId7'\n  Type='" REL_NS "image' />"
		"<Relationship Id='rId8' Type='" REL_NS "image' TargetMode='External' "
		"Target='file:///C:/photo.jpg'/>"
		"<Relationship Id='rId9' Type='" REL_NS "image' Target='media/video1.bin'/>"
		"<Relationship Id='rId3' Type='" REL_NS "chart' Target='charts/chart1.xml'/>"
		"</Relationships>";
	/* a header's logo, named from the package root; image1 once more */
	static const char rels_header[] =
		"<Relationships><Relationship Id=\"rId1\" Type=\"" REL_NS "image\" "
		"Target=\"/word/media/image2.bin\"/><Relationship Id=\"rId2\" "
		"Type=\"" REL_NS "image\" Target=\"../word/./media/IMAGE1.PNG\"/></Relationships>";
	static const char rels_none[] =
		"<Relationships><Relationship Id=\"rId1\" Type=\"" REL_NS "styles\" "
		"Target=\"styles.xml\"/></Relationships>";
	const struct zentry one[] = {
		{ "word/media/image1.png", pic_png, sizeof(pic_png) - 1 },
		{ "word/_rels/document.xml.rels", rels1, sizeof(rels1) - 1 },
	}, two[] = {
		{ "word/_rels/document.xml.rels", rels2, sizeof(rels2) - 1 },
		{ "word/_rels/header1.xml.rels", rels_header, sizeof(rels_header) - 1 },
		{ "word/media/image1.png", pic_png, sizeof(pic_png) - 1 },
		{ "word/media/image2.bin", pic_jfif, sizeof(pic_jfif) - 1 }, /* by magic */
		{ "word/media/video1.bin", "not a picture", 13 },
	}, orphan[] = {
		{ "word/_rels/document.xml.rels", rels_none, sizeof(rels_none) - 1 },
		{ "word/media/image1.png", pic_png, sizeof(pic_png) - 1 },
	}, norels[] = {
		{ "word/media/image1.emf", pic_emf, sizeof(pic_emf) - 1 },
	};

	make_docx_pics("docx-pic1.docx", one, 2);
	make_docx_pics("docx-pic2.docx", two, 5);
	make_docx_pics("docx-orphan.docx", orphan, 2);
	make_docx_pics("docx-norels.docx", norels, 1);
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

struct ole_stream {
	const char *name;
	const void *data;       /* the first len of its 4096 bytes; NULL: zeros */
	size_t len;
	int parent;             /* 0: the root; k: the storage st[k - 1] */
	bool storage;           /* a storage (no data) rather than a stream */
};

#define STREAM(name, data, len) { name, data, len, 0, false }

/* An OLE2 file with 512-byte (version 3) or 4096-byte (version 4)
 * sectors: header, FAT (sector 0), directory (sector 1: the root + up to
 * ss / 128 - 1 entries), then each stream's 4096 bytes. Entries of one
 * storage are chained as right siblings (no red-black balancing). */
static void make_ole_streams(const char *name, unsigned shift,
			     const struct ole_stream *st, size_t n)
{
	const size_t ss = (size_t)1 << shift, per = 4096 / ss, nsec = 2 + n * per;
	unsigned char *f = xcalloc(1, ss * (nsec + 1));
	unsigned char *fat = f + ss, *dir = f + 2 * ss;
	uint32_t next = 2;

	assert(n < ss / 128);
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
	put_name(dir, "Root Entry", 5);
	put_le32(dir + 0x74, 0xfffffffe);
	for (size_t k = 0; k < n; k++) {
		unsigned char *e = dir + 128 * (k + 1), *parent = dir + 128 * st[k].parent;
		size_t j = k + 1;

		put_name(e, st[k].name, st[k].storage ? 1 : 2);
		if (memcmp(parent + 0x4c, "\xff\xff\xff\xff", 4) == 0)
			put_le32(parent + 0x4c, (uint32_t)k + 1);  /* first child */
		while (j < n && st[j].parent != st[k].parent)
			j++;
		if (j < n)
			put_le32(e + 0x48, (uint32_t)j + 1);       /* right sibling */
		if (st[k].storage) {
			put_le32(e + 0x74, 0xfffffffe);
			continue;
		}
		put_le32(e + 0x74, next);
		put_le32(e + 0x78, 4096);
		for (uint32_t s = next; s < next + per; s++)
			put_le32(fat + 4 * s, s + 1 < next + per ? s + 1 : 0xfffffffe);
		if (st[k].data != NULL)
			memcpy(f + (next + 1) * ss, st[k].data, st[k].len);
		next += (uint32_t)per;
	}
	for (size_t i = n + 1; i < ss / 128; i++)
		put_name(dir + 128 * i, "", 0);
	write_file(name, f, ss * (next + 1));
	free(f);
}

static void make_ole(const char *name, const char *stream, unsigned shift)
{
	const struct ole_stream st = STREAM(stream, NULL, 0);

	make_ole_streams(name, shift, &st, 1);
}

/* OfficeArt BLIP record header ([MS-ODRAW]): recVer 0, recInstance,
 * recType, recLen; then a zero UID. */
static void put_blip(struct buf *b, unsigned inst, unsigned type, uint32_t len)
{
	unsigned char h[24] = { 0 };

	h[0] = (unsigned char)(inst << 4); h[1] = (unsigned char)(inst >> 4);
	h[2] = (unsigned char)type; h[3] = (unsigned char)(type >> 8);
	put_le32(h + 4, len);
	buf_append(b, h, sizeof(h));
}

/* Word 97 files: text only, bare PNG, BLIPs, EXIF thumbnail, preview. */
static void make_doc_files(void)
{
	struct buf text = BUF_INIT, png = BUF_INIT, blip = BUF_INIT, exif = BUF_INIT;
	unsigned char meta[34] = { 0 };
	unsigned int x = 4321;

	/* UTF-16LE CJK text, as Word stores Chinese */
	for (int i = 0; i < 2000; i++) {
		x = x * 1103515245 + 12345;
		buf_putc(&text, (char)(x >> 16));
		buf_putc(&text, (char)(0x4e + (x >> 24) % 0x50));
	}
	buf_append(&png, text.data, 1000);
	buf_append(&png, pic_png, sizeof(pic_png) - 1);
	/* a JPEG BLIP (its JPEG must not count again), a deflated EMF BLIP */
	put_blip(&blip, 0x46a, 0xf01d, 16 + 1 + sizeof(pic_jfif) - 1);
	buf_putc(&blip, (char)0xff);
	buf_append(&blip, pic_jfif, sizeof(pic_jfif) - 1);
	put_blip(&blip, 0x3d4, 0xf01a, 16 + 34 + 200);
	put_le32(meta + 28, 200);                 /* cbSave */
	meta[32] = 0x00; meta[33] = 0xfe;         /* deflate, filter none */
	buf_append(&blip, meta, sizeof(meta));
	buf_append(&blip, text.data, 200);
	/* a bare JPEG whose EXIF segment holds a thumbnail JPEG */
	buf_append(&exif, "\xff\xd8\xff\xe1\0\x2c" "Exif\0\0", 12);
	buf_append(&exif, "MM\0\x2a\0\0\0\x08", 8);
	buf_append(&exif, pic_jfif, 28);          /* APP1: 2 + 6 + 8 + 28 = 0x2c */
	buf_append(&exif, "\xff\xda\0\x08", 4);
	const struct ole_stream text_only[] = {
		STREAM("WordDocument", text.data, text.len),
		STREAM("1Table", text.data, 512),
	}, with_png[] = {
		STREAM("WordDocument", text.data, text.len),
		STREAM("Data", png.data, png.len),
	}, with_blips[] = {
		STREAM("WordDocument", text.data, text.len),
		STREAM("Data", blip.data, blip.len),
	}, with_exif[] = {
		STREAM("WordDocument", exif.data, exif.len),
	}, with_preview[] = {
		STREAM("WordDocument", text.data, text.len),
		STREAM("\005SummaryInformation", pic_emf, sizeof(pic_emf) - 1),
		STREAM("1Table", text.data, 512),
	}, with_objects[] = {
		STREAM("WordDocument", text.data, text.len),
		{ "ObjectPool", NULL, 0, 0, true },
		{ "_1", NULL, 0, 2, true },               /* a packaged picture file */
		{ "\003EPRINT", pic_emf, sizeof(pic_emf) - 1, 3, false },
		{ "\001Ole10Native", png.data, png.len, 3, false },
		{ "_2", NULL, 0, 2, true },               /* an embedded Word file */
		{ "WordDocument", blip.data, blip.len, 6, false },
		STREAM("1Table", text.data, 512),
	}, sheet[] = {
		STREAM("Workbook", png.data, png.len),
	};
	make_ole_streams("word-text.doc", 9, text_only, 2);
	make_ole_streams("word-png.doc", 9, with_png, 2);
	make_ole_streams("word-blip.wps", 12, with_blips, 2);
	make_ole_streams("word-exif.doc", 9, with_exif, 1);
	make_ole_streams("word-preview.doc", 9, with_preview, 3);
	make_ole_streams("word-objects.doc", 12, with_objects, 8);
	make_ole_streams("sheet-png.xls", 9, sheet, 1);
	buf_free(&text);
	buf_free(&png);
	buf_free(&blip);
	buf_free(&exif);
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
	make_docx_files();
	make_doc_files();
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
	int doc_images;
};

#define KIND(f, k) { f, FACTS_KIND_##k, NULL, 0, 0, 0, 0, "", "", 0, 0, 0, 0, 0, -1, 0 }
#define IMAGE(f, k, w, h, o) { f, FACTS_KIND_##k, NULL, w, h, o, 0, "", "", 0, 0, 0, 0, 0, -1, 0 }
#define DAMAGED(f, k, why) { f, FACTS_KIND_##k, why, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }
#define VIDEO(f, cont, codec, w, h, rot, dw, dh, dur) \
	{ f, FACTS_KIND_VIDEO, NULL, 0, 0, 0, 0, cont, codec, w, h, rot, dw, dh, dur, 0 }
/* a Word file with n pictures */
#define PICS(f, k, n) { f, FACTS_KIND_##k, NULL, 0, 0, 0, 0, "", "", 0, 0, 0, 0, 0, -1, n }

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
	DAMAGED("garbage.jpg", JPEG, "corrupt JPEG data"),
	DAMAGED("rst.jpg", JPEG, "corrupt JPEG data (restart marker 3 where 0 was due)"),
	DAMAGED("padded.jpg", JPEG, "truncated JPEG (no end of image marker)"),
	DAMAGED("zeros.jpg", JPEG, "corrupt JPEG data"),
	IMAGE("png-named.jpg", PNG, 1280, 720, 0),
	KIND("heic.jpg", HEIC),
	IMAGE("small.gif", GIF, 400, 300, 0),
	IMAGE("small.bmp", BMP, 400, 300, 0),
	IMAGE("small.webp", WEBP, 400, 300, 0),
	IMAGE("scan.tif", TIFF, 400, 300, 0),
	{ "doc.pdf", FACTS_KIND_PDF, NULL, 0, 0, 0, 2, "", "", 0, 0, 0, 0, 0, -1, 0 },
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
	/* pictures in Word files (doc_images) */
	PICS("docx-pic1.docx", DOCX, 1),
	PICS("docx-pic2.docx", DOCX, 2),   /* body + header logo, each once */
	PICS("docx-orphan.docx", DOCX, 0), /* in word/media/, shown nowhere */
	PICS("docx-norels.docx", DOCX, 1), /* no relationships: all of media/ */
	PICS("word-text.doc", DOC, 0),
	PICS("word-png.doc", DOC, 1),
	PICS("word-blip.wps", DOC, 2),     /* JPEG and EMF BLIPs */
	PICS("word-exif.doc", DOC, 1),     /* its thumbnail is part of it */
	PICS("word-preview.doc", DOC, 0),  /* EMF preview in SummaryInformation */
	PICS("word-objects.doc", DOC, 0),  /* inside embedded objects only */
	KIND("sheet-png.xls", OTHER),      /* only Word files are counted */
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

#define FACTS_FMT "%dx%d orientation %d, %d pages, %d doc images, " \
	"%s/%s %dx%d rotation %d → %dx%d"

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
		 f->doc_images, f->container, f->codec, f->coded_width, f->coded_height, f->rotation,
		 f->display_width, f->display_height);
	snprintf(want, sizeof(want), FACTS_FMT, w->width, w->height, w->orientation, w->pages,
		 w->doc_images, w->container, w->codec, w->coded_w, w->coded_h, w->rotation,
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
	make_big_jpeg();
	/* junk before the first DQT: libjpeg warns "extraneous bytes", which
	 * is harmless, but must not hide a cut-off end */
	insert_copy("photo.jpg", "junk.jpg", "\xff\xdb", "junk", 4, 100);
	insert_copy("photo.jpg", "junk-cut.jpg", "\xff\xdb", "junk", 4, 80);
	/* damage only the structure walk needs to see (no decode) */
	overwrite_copy("photo.jpg", "garbage.jpg", NULL, 2048, 100, false);
	overwrite_copy("photo.jpg", "rst.jpg", "\xff\xd3", 2, 100, false);
	overwrite_copy("photo.jpg", "padded.jpg", "", 0, 60, true);
	{
		static const char zeros[4096];

		/* whole structure, zeros in the data: decoded, found */
		overwrite_copy("big.jpg", "zeros.jpg", zeros, sizeof(zeros), 100, false);
	}
	make_small_files();
}

/* Each JPEG again with probe_jpeg_decode on: a whole structure also
 * decodes, damage is found before any decoding (the same facts). */
static void test_probe_jpeg_decode(void)
{
	struct probe_settings set = { .jpeg_decode = true };
	const char *error = NULL;
	struct probe *p = probe_init(&set, &error);
	size_t n = 0;

	test_begin("probe_file with jpeg_decode: the same facts for every JPEG");
	test_assert(p != NULL);
	for (size_t i = 0; p != NULL && media_ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = tmp_path(cases[i].file);
		struct facts f;

		if (cases[i].kind == FACTS_KIND_JPEG &&
		    test_assert_int(probe_file(p, path, &f, &error), 0)) {
			check_case(&cases[i], &f);
			n++;
		}
		free(path);
	}
	test_assert(n >= 10);
	probe_deinit(&p);
	test_end();
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

/* The probe asks libmagic for the MIME type without its rule database when
 * the description shows no rule matched (probe_magic()): the answers must
 * be libmagic's own, asked in full. */
static const struct {
	const char *name, *data;
	size_t len;                      /* 0: strlen(data) */
} magic_texts[] = {
	{ "m-digits.txt", "1234\r\n", 0 },
	{ "m-cr.txt", "line one\r\nline two\r", 0 },   /* a final CR: see probe_magic() */
	{ "m-mac.txt", "old\rmac\rtext\r", 0 },
	{ "m-empty.txt", "", 0 },
	{ "m-one.txt", "x", 0 },
	{ "m-utf8.txt", "案例说明：好服务案例\n", 0 },
	{ "m-gb18030.txt", "\xb0\xb8\xc0\xfd\xcb\xb5\xc3\xf7\r\n", 0 },
	{ "m-html.txt", "<!DOCTYPE html>\n<html><body>x</body></html>\n", 0 },
	{ "m-sh.txt", "#!/bin/sh\necho hi\n", 0 },
	{ "m-bat.txt", "@echo off\r\ndel *.*\r\n", 0 },
	{ "m-mail.txt", "From: a@b.example\nTo: c@d.example\nSubject: x\n\nbody\n", 0 },
	{ "m-json.txt", "{\"a\": [1, 2, {\"b\": null}]}\n", 0 },
	{ "m-csv.txt", "a,b,c\n1,2,3\n4,5,6\n", 0 },
	{ "m-pem.txt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0 },
	{ "m-perl.txt", "#!/usr/bin/perl\nuse strict;\nprint \"x\";\n", 0 },
	{ "m-python.txt", "import os\n\ndef f():\n    return os.getcwd()\n", 0 },
	{ "m-c.txt", "#include <stdio.h>\nint main(void) { return 0; }\n", 0 },
	{ "m-awk.txt", "BEGIN { FS = \":\" }\n{ print $1 }\n", 0 },
	{ "m-rtf.txt", "{\\rtf1\\ansi x}\n", 0 },
	{ "m-binary.bin", "\x01\x02\x03\xff\xfe\x00\x10\x80", 8 },
};

static void test_probe_magic(void)
{
	magic_t mime = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
	magic_t desc = magic_open(MAGIC_NONE | MAGIC_NO_CHECK_COMPRESS);
	size_t n = sizeof(magic_texts) / sizeof(magic_texts[0]), same = 0;

	test_begin("probe_file: libmagic's own MIME type and description for texts");
	test_assert(mime != NULL && desc != NULL && magic_load(mime, NULL) == 0 &&
		    magic_load(desc, NULL) == 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = magic_texts[i].len != 0 ? magic_texts[i].len :
			     strlen(magic_texts[i].data);
		char *path = tmp_path(magic_texts[i].name), want_desc[sizeof(((struct facts *)0)->magic)];
		const char *want_mime, *error;
		struct facts f;
		int fd;

		/* by descriptor, as the probe asks (by path, an empty file is
		 * "inode/x-empty", not "application/x-empty") */
		write_file(magic_texts[i].name, magic_texts[i].data, len);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		want_mime = magic_descriptor(mime, fd);
		snprintf(want_desc, sizeof(want_desc), "%s", magic_descriptor(desc, fd));
		if (fd >= 0)
			close(fd);
		if (probe_file(probe, path, &f, &error) == 0 && want_mime != NULL &&
		    strcmp(f.mime, want_mime) == 0 && strcmp(f.magic, want_desc) == 0)
			same++;
		else
			printf("# %s: %s \"%s\", libmagic %s \"%s\"\n", magic_texts[i].name,
			       f.mime, f.magic, want_mime, want_desc);
		free(path);
	}
	test_assert_int(same, n);
	magic_close(mime);
	magic_close(desc);
	test_end();
}

/* The same facts from a fresh child per file (probe_settings.one_shot). */
static void test_probe_one_shot(void)
{
	struct probe_settings set = { .one_shot = true };
	const char *error;
	struct probe *p = probe_init(&set, &error);
	size_t same = 0, n = sizeof(cases) / sizeof(cases[0]);

	test_begin("probe_file one_shot: the same facts as the worker's for every file");
	for (size_t i = 0; p != NULL && media_ok && i < n; i++) {
		char *path = tmp_path(cases[i].file);
		struct facts f, g;

		if (probe_file(p, path, &f, &error) == 0 &&
		    probe_file(probe, path, &g, &error) == 0 && memcmp(&f, &g, sizeof(f)) == 0)
			same++;
		else
			printf("# %s differs\n", cases[i].file);
		free(path);
	}
	test_assert(p != NULL && media_ok);
	test_assert_int(same, n);
	probe_deinit(&p);
	test_end();
}

/* A file that times out is damaged; the next one is probed by a fresh
 * worker as if nothing had happened. 10 ms: decoding big.jpg takes ~50 ms
 * (more under ASan), probing the one-byte file ~0.05 ms. */
static void test_probe_sandbox_failure(void)
{
	struct probe_settings set = { .limits = { .timeout_ms = 10 }, .jpeg_decode = true };
	const char *error;
	struct probe *p = probe_init(&set, &error);
	char *path = tmp_path("big.jpg"), *tiny = tmp_path("tiny.bin");
	struct facts f;

	write_file("tiny.bin", "x", 1);
	test_begin("probe_file: a timed-out file is damaged, the next one is not");
	for (int round = 0; round < 2 && p != NULL; round++) {
		if (test_assert_int(probe_file(p, path, &f, &error), 0)) {
			test_assert_str(facts_kind_name(f.kind), "jpeg");
			test_assert_int(f.damaged, 1);
			test_assert_str(f.damage, "probe timed out after 10 ms");
		}
		test_assert(test_no_zombie());
		if (test_assert_int(probe_file(p, tiny, &f, &error), 0)) {
			test_assert_str(facts_kind_name(f.kind), "other");
			if (!test_assert_int(f.damaged, 0))
				printf("# damage: %s\n", f.damage);
			test_assert_str(f.mime, "application/octet-stream");
		}
	}
	test_assert(p != NULL);
	probe_deinit(&p);
	test_assert(p == NULL);
	test_assert(test_no_zombie());
	free(path);
	free(tiny);
	test_end();
}

/* A forked child (the extract worker) probes with its own worker. */
static void test_probe_fork(void)
{
	char *path = tmp_path("photo.jpg");
	struct facts f, g;
	const char *error;
	int status = -1;
	pid_t child;

	test_begin("probe_file in a forked child: its own worker, the parent's intact");
	test_assert_int(probe_file(probe, path, &f, &error), 0);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		int bad = probe_file(probe, path, &g, &error) != 0 ||
			  memcmp(&f, &g, sizeof(f)) != 0;

		probe_stop_worker(probe);
		_exit(bad | (test_no_zombie() ? 0 : 2));
	}
	test_assert(child > 0 && waitpid(child, &status, 0) == child);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_assert_int(probe_file(probe, path, &g, &error), 0);
	test_assert(memcmp(&f, &g, sizeof(f)) == 0);
	test_assert(test_no_zombie());
	free(path);
	test_end();
}

static void test_probe_deinit(void)
{
	test_begin("probe_deinit: the worker is stopped and reaped");
	probe_deinit(&probe);
	test_assert(probe == NULL);
	errno = 0;
	test_assert(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_probe_init, test_probe_table, test_probe_jpeg_decode, test_probe_errors,
		test_probe_magic,
		test_probe_one_shot,
		test_probe_sandbox_failure, test_probe_fork, test_probe_deinit, NULL
	};
	int ret = test_run(tests);

	probe_deinit(&probe);
	return ret;
}
