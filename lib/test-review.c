/* Tests for review: the JSON reader, pixel orientation and fitting, the
 * contact sheet of generated JPEGs (landscape, portrait, EXIF-rotated,
 * truncated, garbage) and ffmpeg-made videos (one rotated) decoded in
 * sandboxed children, a case file called contact.jpg, HTML escaping and
 * URLs, an index page over a spool with hostile names (every link must
 * resolve, no rejected mail shown), and the atomic writes. */
#include "review-private.h"
#include "review-json.h"
#include "html.h"
#include "fsutil.h"
#include "probe.h"
#include "probe-av.h"
#include "spool-name.h"
#include "test.h"
#include "xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

/* ---- helpers ---- */

static bool write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && fsutil_write_all(fd, data, len) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static char *read_all(const char *path, size_t *len_r)
{
	char *data = NULL;
	size_t len = 0;
	const char *error;

	if (fsutil_read_file(path, 64 << 20, &data, &len, &error) < 0) {
		printf("# %s\n", error);
		return NULL;
	}
	if (len_r != NULL)
		*len_r = len;
	return data;
}

/* A w × h JPEG of colour (r, g, b) with a dark left quarter, so that
 * orientation shows; malloc'd bytes. */
static unsigned char *make_jpeg(int w, int h, int r, int g, int b, unsigned long *len_r)
{
	unsigned char *px = xmalloc((size_t)w * (size_t)h * 3), *jpg = NULL, *copy;
	tjhandle tj = tjInitCompress();

	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
			bool dark = x < w / 4;

			p[0] = (unsigned char)(dark ? 10 : r);
			p[1] = (unsigned char)(dark ? 10 : g);
			p[2] = (unsigned char)(dark ? 10 : b);
		}
	}
	*len_r = 0;
	(void)tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpg, len_r, TJSAMP_420, 85, 0);
	copy = xmalloc(*len_r);
	memcpy(copy, jpg, *len_r);
	tjFree(jpg);
	tjDestroy(tj);
	free(px);
	return copy;
}

/* The JPEG with an EXIF APP1 segment saying orientation o after SOI. */
static unsigned char *with_exif(const unsigned char *jpg, unsigned long len, int o,
				unsigned long *len_r)
{
	static const unsigned char app1[] = {
		0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8,            /* TIFF header, IFD0 at 8 */
		0, 1,                                   /* one entry */
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, /* Orientation SHORT 1 */
		0, 0, 0, 0,                             /* no next IFD */
	};
	unsigned char *out = xmalloc(len + sizeof(app1));

	memcpy(out, jpg, 2);
	memcpy(out + 2, app1, sizeof(app1));
	out[2 + 28] = 0;                            /* the value: a big-endian SHORT */
	out[2 + 29] = (unsigned char)o;
	memcpy(out + 2 + sizeof(app1), jpg + 2, len - 2);
	*len_r = len + sizeof(app1);
	return out;
}

/* Width and height of a JPEG file (its SOF), or false. */
static bool jpeg_size(const char *path, int *w, int *h)
{
	size_t len;
	char *data = read_all(path, &len);
	tjhandle tj = tjInitDecompress();
	int sub, cs;
	bool ok = data != NULL &&
		  tjDecompressHeader3(tj, (unsigned char *)data, len, w, h, &sub, &cs) == 0;

	tjDestroy(tj);
	free(data);
	return ok;
}

/* The RGB pixel at (x, y) of a JPEG file. */
static bool jpeg_pixel(const char *path, int x, int y, unsigned char rgb[3])
{
	size_t len;
	char *data = read_all(path, &len);
	tjhandle tj = tjInitDecompress();
	int w = 0, h = 0, sub, cs;
	unsigned char *px = NULL;
	bool ok = false;

	if (data != NULL &&
	    tjDecompressHeader3(tj, (unsigned char *)data, len, &w, &h, &sub, &cs) == 0 &&
	    x < w && y < h) {
		px = xmalloc((size_t)w * (size_t)h * 3);
		if (tjDecompress2(tj, (unsigned char *)data, len, px, w, 0, h, TJPF_RGB, 0) == 0) {
			memcpy(rgb, px + ((size_t)y * (size_t)w + (size_t)x) * 3, 3);
			ok = true;
		}
	}
	tjDestroy(tj);
	free(px);
	free(data);
	return ok;
}

static bool near(int a, int b)
{
	return a - b < 24 && b - a < 24;
}

static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static bool no_tmp_left(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool ok = d != NULL;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, REVIEW_TMP_PREFIX, strlen(REVIEW_TMP_PREFIX)) == 0) {
			printf("# left behind: %s/%s\n", dir, de->d_name);
			ok = false;
		}
	}
	if (d != NULL)
		closedir(d);
	return ok;
}

/* ---- JSON ---- */

static void test_review_json(void)
{
	static const char good[] =
		"{\"a\": \"x\\\"y\\\\z\\n\\u4e2d\\ud83d\\ude00\\ud800!\", \"n\": -12.5e1,"
		" \"t\": true, \"f\": false, \"z\": null, \"arr\": [1, {\"k\": []}, \"s\"]}";
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "\"abc", "{\"a\":1} x", "tru",
		"\"a\x01\"", "[1 2]", "{1: 2}",
	};
	const char *error = NULL;
	struct review_json *j;
	char deep[200];

	test_begin("review json: values, escapes, surrogates, bad input refused");
	j = review_json_parse(good, strlen(good), &error);
	test_assert(j != NULL);
	test_assert_str(review_json_str(j, "a"), "x\"y\\z\n中\xf0\x9f\x98\x80\xef\xbf\xbd!");
	test_assert(review_json_num(j, "n", 0) == -125);
	test_assert(review_json_get(j, "t")->boolean && !review_json_get(j, "f")->boolean);
	test_assert(review_json_get(j, "z")->type == REVIEW_JSON_NULL);
	test_assert(review_json_get(j, "arr")->child->next->type == REVIEW_JSON_OBJECT);
	test_assert(review_json_str(j, "n") == NULL && review_json_get(j, "missing") == NULL);
	review_json_free(&j);
	test_assert(j == NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = review_json_parse(bad[i], strlen(bad[i]), &error);
		if (!test_assert(j == NULL && error != NULL))
			printf("# accepted: %s\n", bad[i]);
		review_json_free(&j);
	}
	memset(deep, '[', sizeof(deep));
	j = review_json_parse(deep, sizeof(deep), &error);
	test_assert(j == NULL && strstr(error, "deeply") != NULL);
	test_end();
}

/* ---- pixels ---- */

static void test_review_pixels(void)
{
	/* stored 3 × 2: a b c / d e f; the display order per orientation */
	static const char *const want[9] = {
		NULL, "abcdef", "cbafed", "fedcba", "defabc", "adbecf", "daebfc", "fcebda",
		"cfbead",
	};
	unsigned char src[6 * 3], dst[6 * 3];
	int w, h;

	test_begin("review pixels: the eight EXIF orientations, fitting");
	for (int i = 0; i < 6; i++)
		src[i * 3] = src[i * 3 + 1] = src[i * 3 + 2] = (unsigned char)('a' + i);
	for (int o = 1; o <= 8; o++) {
		char got[7];
		bool swap = o >= 5;

		review_scale(src, 3, 2, o, dst, swap ? 2 : 3, swap ? 3 : 2);
		for (int i = 0; i < 6; i++)
			got[i] = (char)dst[i * 3];
		got[6] = '\0';
		if (!test_assert_str(got, want[o]))
			printf("# orientation %d\n", o);
	}
	review_fit(3264, 2448, 320, 240, &w, &h);
	test_assert(w == 320 && h == 240);
	review_fit(1240, 1754, 320, 240, &w, &h);
	test_assert(w == 170 && h == 240);
	review_fit(10000, 10, 320, 240, &w, &h);
	test_assert(w == 320 && h == 1);
	test_assert(review_rotation_orientation(90) == 6 && review_rotation_orientation(270) == 8 &&
		    review_rotation_orientation(180) == 3 && review_rotation_orientation(0) == 1);
	test_end();
}

/* ---- the contact sheet ---- */

/* Before anything loads FFmpeg: a video is no picture (a grey cell). */
static void test_review_no_ffmpeg(void)
{
	struct review_image im = { 0, 0, NULL };
	int fd = open("/dev/null", O_RDONLY), o = 0, rotation = 9;

	test_begin("review video: without FFmpeg loaded, no picture and no crash");
	test_assert(!probe_av_loaded());
	test_assert(review_video_poster(fd, 0, 320, 240, &im, &o) == -1 && im.px == NULL);
	test_assert(probe_video_poster(fd, 0, NULL, &rotation) == -1 && rotation == 0);
	close(fd);
	test_end();
}

static char *sheet_dir;

/* The case folder: landscape red, portrait green, EXIF-6 blue (stored
 * landscape), truncated, garbage, a video, a video rotated 90°. */
static bool make_case(void)
{
	static const char *const videos[] = {
		"-f lavfi -i testsrc2=size=320x180:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p "
		"case/v1.mp4",
		"-i case/v1.mp4 -c copy -metadata:s:v:0 rotate=90 case/v2.mp4",
	};
	unsigned long len, len2;
	unsigned char *jpg;
	bool ok = true;
	char *p;

	sheet_dir = xasprintf("%s/case", test_tmpdir());
	(void)fsutil_mkdir_p(sheet_dir, NULL);
	jpg = make_jpeg(800, 600, 220, 30, 30, &len);
	p = xasprintf("%s/a-land.jpg", sheet_dir);
	ok = ok && write_file(p, jpg, len);
	free(p);
	p = xasprintf("%s/d-cut.jpg", sheet_dir);
	ok = ok && write_file(p, jpg, len * 2 / 5);
	free(p);
	free(jpg);
	jpg = make_jpeg(600, 800, 30, 200, 30, &len);
	p = xasprintf("%s/b-port.jpg", sheet_dir);
	ok = ok && write_file(p, jpg, len);
	free(p);
	free(jpg);
	jpg = make_jpeg(800, 600, 30, 30, 220, &len);
	{
		unsigned char *rot = with_exif(jpg, len, 6, &len2);

		p = xasprintf("%s/c-exif6.jpg", sheet_dir);
		ok = ok && write_file(p, rot, len2);
		free(p);
		free(rot);
	}
	free(jpg);
	p = xasprintf("%s/e-junk.jpg", sheet_dir);
	ok = ok && write_file(p, "\xff\xd8\xff\xe0 this is not a JPEG at all", 30);
	free(p);
	return ok && test_ffmpeg(videos, sizeof(videos) / sizeof(videos[0]));
}

static const struct review_media sheet_media[] = {
	{ "a-land.jpg", REVIEW_PHOTO }, { "b-port.jpg", REVIEW_PHOTO },
	{ "c-exif6.jpg", REVIEW_PHOTO }, { "d-cut.jpg", REVIEW_PHOTO },
	{ "e-junk.jpg", REVIEW_PHOTO }, { "v1.mp4", REVIEW_VIDEO }, { "v2.mp4", REVIEW_VIDEO },
};
#define SHEET_N (sizeof(sheet_media) / sizeof(sheet_media[0]))

/* thumbs/<n>.jpg is w × h, portrait or landscape as wanted. */
static bool thumb_shape(unsigned n, bool portrait)
{
	char *p = xasprintf("%s/thumbs/%u.jpg", sheet_dir, n);
	int w = 0, h = 0;
	bool ok = jpeg_size(p, &w, &h) && (portrait ? h > w : w > h);

	if (!ok)
		printf("# thumbs/%u.jpg: %dx%d, want %s\n", n, w, h,
		       portrait ? "portrait" : "landscape");
	free(p);
	return ok;
}

static bool thumb_grey(unsigned n)
{
	char *p = xasprintf("%s/thumbs/%u.jpg", sheet_dir, n);
	unsigned char rgb[3] = { 0, 0, 0 };
	bool ok = jpeg_pixel(p, 80, 60, rgb) && near(rgb[0], 0x9e) && near(rgb[1], 0x9e) &&
		  near(rgb[2], 0x9e);

	if (!ok)
		printf("# thumbs/%u.jpg not grey: %d,%d,%d\n", n, rgb[0], rgb[1], rgb[2]);
	free(p);
	return ok;
}

static void test_review_sheet(void)
{
	struct review_settings set;
	struct review_stats st = { 0 };
	const char *error = "";
	char *sheet, *top;
	unsigned char rgb[3];
	int w = 0, h = 0, dfd;

	test_begin("review sheet: photos, portrait, EXIF, broken, videos → a decodable grid");
	if (!test_assert(make_case())) {
		test_end();
		return;
	}
	review_settings_init(&set, NULL, NULL);
	if (!test_assert(review_case_sheet(sheet_dir, sheet_media, SHEET_N, &set, &st,
					   &error) == 0))
		printf("# %s\n", error);
	sheet = xasprintf("%s/thumbs/contact.jpg", sheet_dir);
	top = xasprintf("%s/contact.jpg", sheet_dir);
	/* 7 cells: 4 columns, 2 rows of 320 × 240, 8 px margins and gaps */
	test_assert(jpeg_size(top, &w, &h));
	test_assert_int(w, 8 + 4 * 320 + 3 * 8 + 8);
	test_assert_int(h, 8 + 2 * 240 + 8 + 8);
	test_assert(same_inode(sheet, top));
	test_assert_int(st.sheets, 1);
	test_assert_int(st.cells, 7);
	test_assert_int(st.grey, 2);
	/* cell 1 red (right of its dark quarter), cell 2 green, cell 3 blue */
	test_assert(jpeg_pixel(top, 8 + 240, 8 + 120, rgb) && near(rgb[0], 220) && rgb[1] < 60);
	test_assert(jpeg_pixel(top, 8 + 328 + 160, 8 + 200, rgb) && near(rgb[1], 200) &&
		    rgb[0] < 60);
	test_assert(jpeg_pixel(top, 8 + 2 * 328 + 160, 8 + 200, rgb) && near(rgb[2], 220));
	/* EXIF 6: the dark quarter (stored left) is on top once upright */
	test_assert(jpeg_pixel(top, 8 + 2 * 328 + 160, 8 + 20, rgb) && rgb[2] < 60);
	test_assert(thumb_shape(1, false) && thumb_shape(2, true) && thumb_shape(3, true));
	test_assert(thumb_grey(4) && thumb_grey(5));
	test_assert(thumb_shape(6, false) && thumb_shape(7, true));
	test_assert(no_tmp_left(sheet_dir) && test_no_zombie());
	/* again: the link follows the new sheet */
	test_assert(review_case_sheet(sheet_dir, sheet_media, SHEET_N, &set, NULL, &error) == 0);
	dfd = open(sheet_dir, O_RDONLY | O_DIRECTORY);
	test_assert(same_inode(sheet, top) && review_sheet_top(dfd) == 1);
	close(dfd);
	free(sheet);
	free(top);
	test_end();
}

/* Children that cannot get memory: every cell grey, the sheet still made. */
static void test_review_sheet_limits(void)
{
	struct review_settings set;
	struct review_stats st = { 0 };
	const char *error = "";
	char *top = xasprintf("%s/contact.jpg", sheet_dir);
	int w = 0, h = 0;

	test_begin("review sheet: decoding children over their limit → grey cells, no failure");
	review_settings_init(&set, NULL, NULL);
	/* no room to map a photo (what FFmpeg needs may fit in the heap the
	   child inherited) */
	set.limits.address_space = 4096;
	test_assert(review_case_sheet(sheet_dir, sheet_media, 5, &set, &st, &error) == 0);
	test_assert_int(st.grey, 5);
	test_assert(jpeg_size(top, &w, &h) && w == 1320 && h == 504);
	test_assert(thumb_grey(1) && thumb_grey(2) && thumb_grey(3));
	/* killed at a 1 ms deadline: opening and decoding a video takes longer */
	review_settings_init(&set, NULL, NULL);
	set.limits.timeout_ms = 1;
	memset(&st, 0, sizeof(st));
	test_assert(review_case_sheet(sheet_dir, sheet_media + 5, 2, &set, &st, &error) == 0);
	test_assert_int(st.grey, 2);
	test_assert(thumb_grey(1) && thumb_grey(2));
	test_assert(test_no_zombie());
	free(top);
	test_end();
}

static void test_review_sheet_name_taken(void)
{
	struct review_settings set;
	const char *error = "";
	char *dir = xasprintf("%s/taken", test_tmpdir()), *p;
	struct review_media m = { REVIEW_SHEET, REVIEW_PHOTO };
	unsigned long len;
	unsigned char *jpg = make_jpeg(400, 300, 200, 200, 0, &len);
	size_t got_len = 0;
	char *got;
	int dfd;

	test_begin("review sheet: a case file called contact.jpg stays the submitter's");
	(void)fsutil_mkdir_p(dir, NULL);
	p = xasprintf("%s/" REVIEW_SHEET, dir);
	test_assert(write_file(p, jpg, len));
	review_settings_init(&set, NULL, NULL);
	test_assert(review_case_sheet(dir, &m, 1, &set, NULL, &error) == 0);
	test_assert(review_case_sheet(dir, &m, 1, &set, NULL, &error) == 0);
	got = read_all(p, &got_len);
	test_assert(got != NULL && got_len == len && memcmp(got, jpg, len) == 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	test_assert(review_sheet_top(dfd) == -1);
	close(dfd);
	free(p);
	p = xasprintf("%s/thumbs/" REVIEW_SHEET, dir);
	test_assert(access(p, R_OK) == 0);
	free(p);
	free(got);
	free(jpg);
	free(dir);
	test_end();
}

/* ---- HTML ---- */

static void test_review_escape(void)
{
	struct buf b = BUF_INIT;

	test_begin("review html: text escaping, stray bytes, controls, bidi; URLs");
	html_text(&b, "<script>alert('x')</script> & \"q\"");
	test_assert_str(buf_cstr(&b),
			"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	buf_truncate(&b, 0);
	html_text(&b, "a\x01\tb\xff\xc3(中\xe2\x80\xae文\xc2\x85");
	test_assert_str(buf_cstr(&b),
			"a  b\xef\xbf\xbd\xef\xbf\xbd(中\xef\xbf\xbd文\xef\xbf\xbd");
	buf_truncate(&b, 0);
	html_text(&b, NULL);
	test_assert_str(buf_cstr(&b), "");
	html_url(&b, "accepted/a b/#?%\"<>&'+:/中文\xff.jpg");
	test_assert_str(buf_cstr(&b),
			"accepted/a%20b/%23%3F%25%22%3C%3E%26%27%2B%3A/中文%FF.jpg");
	buf_free(&b);
	test_end();
}

/* ---- an index over a spool with hostile names ---- */

#define HOSTILE_CO "<script>alert(1)</script>&\"公司'"
#define HOSTILE_CASE "\"><img src=x onerror=alert(1)>"
#define HOSTILE_FILE "100%#?.jpg"

static char *component(const char *s)
{
	struct buf b = BUF_INIT;

	spool_name_component(s, strlen(s), true, &b);
	return buf_steal(&b);
}

static void put(const char *path, const char *text)
{
	test_assert(write_file(path, text, strlen(text)));
}

static const char manifest_fmt[] =
	"{\n  \"file\": \"message.eml\",\n  \"campaign\": \"c1\",\n  \"verdict\": \"%s\",\n"
	"  \"sender\": \"a&b@example.com\",\n  \"arrival\": \"2026-07-31T20:15:04+08:00\",\n"
	"  \"cases\": [{\"company\": \"%s\", \"name\": \"%s\", \"files\": [\"z/p.jpg\", "
	"\"z/doc.pdf\"]}, {\"company\": \"x\", \"name\": \"OTHER\", \"files\": []}],\n"
	"  \"defects\": [{\"code\": \"doc.format\", \"severity\": \"warning\", \"file\": "
	"\"z/doc.pdf\", \"detail\": \"<b>bold</b> 排版\"}, {\"code\": \"x.other\", "
	"\"severity\": \"warning\", \"file\": \"elsewhere.doc\", \"detail\": \"NOT-MINE\"}, "
	"{\"code\": \"a.b\", \"severity\": \"warning\", \"file\": null, \"detail\": "
	"\"案例《OTHER》OTHER-ONLY\"}, {\"code\": \"c.d\", \"severity\": \"warning\", "
	"\"file\": null, \"detail\": \"WHOLE-MAIL\"}],\n"
	"  \"files\": [{\"path\": \"z/p.jpg\", \"size\": 5, \"type\": \"image/jpeg\", \"kind\": "
	"\"jpeg\", \"width\": 3264, \"height\": 2448}, {\"path\": \"z/doc.pdf\", \"size\": 3, "
	"\"type\": \"application/pdf\", \"kind\": \"pdf\"}]\n}\n";

/* One mail directory and, when accepted, its case version. */
static void make_mail(const char *camp, const char *receipt, const char *verdict,
		      const char *co_json, const char *case_json, const char *co_dir,
		      const char *case_dir)
{
	char *mail = xasprintf("%s/mail/%s", camp, receipt), *p, *text;

	p = xasprintf("%s/files/z", mail);
	(void)fsutil_mkdir_p(p, NULL);
	free(p);
	text = xasprintf(manifest_fmt, verdict, co_json, case_json);
	p = xasprintf("%s/manifest.json", mail);
	put(p, text);
	free(p);
	free(text);
	p = xasprintf("%s/filed.json", mail);
	put(p, "{\"files\": [{\"path\": \"z/p.jpg\", \"file\": \"z/p.jpg\"}, "
	       "{\"path\": \"z/doc.pdf\", \"file\": \"z/doc.pdf\"}]}");
	free(p);
	p = xasprintf("%s/files/z/doc.pdf", mail);
	put(p, "pdf");
	free(p);
	if (co_dir != NULL) {
		char *v = xasprintf("%s/accepted/%s/.versions/%s/%s", camp, co_dir, case_dir,
				    receipt);
		char *src = xasprintf("%s/files/z/doc.pdf", mail), *dst;

		(void)fsutil_mkdir_p(v, NULL);
		dst = xasprintf("%s/doc.pdf", v);
		test_assert(link(src, dst) == 0);   /* as the spool does */
		free(dst);
		free(src);
		p = xasprintf("%s/%s", v, HOSTILE_FILE);
		put(p, "fake!");
		free(p);
		free(v);
	}
	free(mail);
}

/* Every href and src of page, percent-decoded, exists below camp. */
static bool links_resolve(const char *camp, const char *page, unsigned *n_r)
{
	static const char *const attrs[] = { "href=\"", "src=\"" };
	bool ok = true;

	*n_r = 0;
	for (size_t a = 0; a < 2; a++) {
		for (const char *p = strstr(page, attrs[a]); p != NULL;
		     p = strstr(p + 1, attrs[a])) {
			const char *v = p + strlen(attrs[a]), *end = strchr(v, '"');
			struct buf path = BUF_INIT;
			char *full;

			if (end == NULL || *v == '#')
				continue;
			for (const char *q = v; q < end; q++) {
				unsigned x;

				if (*q == '%' && end - q >= 3 && sscanf(q + 1, "%2x", &x) == 1) {
					buf_putc(&path, (char)x);
					q += 2;
				} else {
					buf_putc(&path, *q);
				}
			}
			full = xasprintf("%s/%s", camp, buf_cstr(&path));
			if (access(full, F_OK) < 0) {
				printf("# does not resolve: %s\n", buf_cstr(&path));
				ok = false;
			}
			(*n_r)++;
			free(full);
			buf_free(&path);
		}
	}
	return ok;
}

static void test_review_index(void)
{
	char *spool = xasprintf("%s/spool", test_tmpdir()), *camp = xasprintf("%s/c1", spool);
	char *co = component(HOSTILE_CO), *cs = component(HOSTILE_CASE);
	char *link, *target, *page, *index;
	struct review_settings set;
	const char *error = "";
	unsigned links = 0;

	test_begin("review index: hostile names escaped, versions, counts, links resolve");
	/* a JSON string of the hostile names: only " needs escaping here */
	make_mail(camp, "R-000001", "accepted", "<script>alert(1)</script>&\\\"公司'",
		  "\\\"><img src=x onerror=alert(1)>", co, cs);
	make_mail(camp, "R-000002", "accepted", "<script>alert(1)</script>&\\\"公司'",
		  "\\\"><img src=x onerror=alert(1)>", co, cs);
	make_mail(camp, "R-000003", "rejected", "某公司", "REJECTED-CASE", NULL, NULL);
	link = xasprintf("%s/accepted/%s/%s", camp, co, cs);
	target = xasprintf(".versions/%s/R-000002", cs);
	test_assert(symlink(target, link) == 0);
	review_settings_init(&set, NULL, NULL);
	set.title = "好服务 <2026>";
	set.tz_offset = 8 * 3600;
	set.now = 1785000000;
	if (!test_assert(review_campaign_index(spool, "c1", &set, &error) == 0))
		printf("# %s\n", error);
	index = xasprintf("%s/index.html", camp);
	page = read_all(index, NULL);
	if (!test_assert(page != NULL))
		goto out;
	test_assert(strstr(page, "<script") == NULL && strstr(page, "<img src=x") == NULL &&
		    strstr(page, "<b>bold") == NULL);
	test_assert(strstr(page, "&lt;script&gt;alert(1)&lt;_script&gt;"
			   "&amp;&quot;公司&#39;") != NULL);
	test_assert(strstr(page, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") != NULL);
	test_assert(strstr(page, "好服务 &lt;2026&gt; — 受理案例一览") != NULL);
	test_assert(strstr(page, "生成于 2026-07-26 01:20（UTC+08:00）") != NULL);
	test_assert(strstr(page, "<td>R-000002</td>") != NULL &&
		    strstr(page, "本版本取代 <a") != NULL && strstr(page, ">R-000001</a>") != NULL);
	test_assert(strstr(page, "a&amp;b@example.com") != NULL &&
		    strstr(page, "2026-07-31 20:15") != NULL);
	test_assert(strstr(page, "&lt;b&gt;bold&lt;/b&gt; 排版") != NULL &&
		    strstr(page, "NOT-MINE") == NULL);
	/* a defect naming another case of the mail is that case's */
	test_assert(strstr(page, "OTHER-ONLY") == NULL);
	test_assert(strstr(page, "［整封邮件］WHOLE-MAIL") != NULL);
	test_assert(strstr(page, "受理 <b>2</b> 封，退回 <b>1</b> 封，"
			   "忽略 <b>0</b> 封") != NULL);
	test_assert(strstr(page, "REJECTED-CASE") == NULL && strstr(page, "R-000003") == NULL);
	/* doc.pdf matched to the manifest by inode; the other file unknown */
	test_assert(strstr(page, "<td>PDF</td>") != NULL);
	test_assert(strstr(page, "100%25%23%3F.jpg") != NULL);
	/* the case, its earlier version, doc.pdf, the hostile file; no thumbnails
	   without a sheet */
	test_assert(links_resolve(camp, page, &links) && links == 4);
	test_assert(strstr(page, "缩略图尚未生成") != NULL);
	test_assert(no_tmp_left(camp));
	free(page);
out:
	free(index);
	free(link);
	free(target);
	free(co);
	free(cs);
	free(camp);
	free(spool);
	test_end();
}

/* ---- atomic writes ---- */

static void test_review_atomic(void)
{
	char *dir = xasprintf("%s/atomic", test_tmpdir()), *p, *data, buf[8] = { 0 };
	const char *error = NULL;
	int dfd, old;

	test_begin("review write: renamed into place, a reader keeps the old file, no litter");
	(void)fsutil_mkdir_p(dir, NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	p = xasprintf("%s/f.html", dir);
	test_assert(review_write_at(dfd, "f.html", "old", 3, true, &error) == 0);
	old = open(p, O_RDONLY);
	test_assert(review_write_at(dfd, "f.html", "new!", 4, false, &error) == 0);
	test_assert(read(old, buf, sizeof(buf) - 1) == 3 && strcmp(buf, "old") == 0);
	close(old);
	data = read_all(p, NULL);
	test_assert(data != NULL && strcmp(data, "new!") == 0);
	free(data);
	free(p);
	test_assert(review_write_at(dfd, "nosuch/f.html", "x", 1, false, &error) == -1 &&
		    error != NULL && strstr(error, "nosuch") != NULL);
	test_assert(no_tmp_left(dir));
	close(dfd);
	free(dir);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_review_json, test_review_pixels, test_review_no_ffmpeg, test_review_sheet,
		test_review_sheet_limits, test_review_sheet_name_taken, test_review_escape,
		test_review_index,
		test_review_atomic, NULL,
	};

	return test_run(tests);
}
