/* review-html: index.html of a campaign's accepted cases (review.h), from
 * what review-case.c read.
 *
 * One static page for a browser opened on a file share or a USB stick:
 * a <style> block and nothing else — no script, no font, no picture from
 * outside; thumbnails and files by relative URL under the campaign
 * folder (through .versions/, so a copy that drops symlinks still works),
 * ASCII specials and stray bytes in paths percent-encoded. Every string
 * from the spool (names from mail, sender, defect text) goes through
 * html_text (html.h): invalid UTF-8, control characters and bidirectional
 * overrides are replaced, & < > " ' escaped, as for the digest.
 *
 * Memory: appended to the caller's buf; temporaries freed. */
#include "review-private.h"
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RH_STYLE \
	"body{margin:0;padding:16px 24px;font-family:'Microsoft YaHei','PingFang SC'," \
	"'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;font-size:14px;color:#222;" \
	"background:#fff}\n" \
	"h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;" \
	"padding-bottom:3px;border-bottom:2px solid #333}h3{font-size:15px;margin:0 0 6px}\n" \
	".meta{color:#666;font-size:12px;margin:0 0 8px}.sum{margin:0 0 12px;" \
	"padding:6px 10px;background:#f4f6f8;border:1px solid #d0d7de}\n" \
	".toc{margin:0 0 12px;line-height:1.9}.toc a{margin-right:14px}\n" \
	".case{margin:0 0 18px;padding:10px 12px;border:1px solid #ccc;background:#fafafa}\n" \
	"table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #bbb;" \
	"padding:3px 8px;text-align:left;vertical-align:top}th{background:#eee}\n" \
	"table.kv th{width:6em}td.r{text-align:right}.files{margin-top:8px}\n" \
	".thumbs{margin:8px 0}.thumbs img{height:120px;margin:0 6px 6px 0;" \
	"border:1px solid #999;vertical-align:top}\n" \
	".warn{color:#8a5300}.bad{color:#c00000;font-weight:bold}.none{color:#666}\n" \
	"a{color:#0645ad}\n"


/* <a href="dir/name">text</a>; name may be NULL (the folder itself). */
static void rh_link(struct buf *out, const char *dir, const char *name, const char *text)
{
	buf_puts(out, "<a href=\"");
	html_url(out, dir);
	buf_putc(out, '/');
	if (name != NULL)
		html_url(out, name);
	buf_puts(out, "\">");
	html_text(out, text);
	buf_puts(out, "</a>");
}

/* ---- values ---- */

static void rh_size(struct buf *out, uint64_t n)
{
	if (n >= 1024 * 1024)
		buf_printf(out, "%.1f MB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		buf_printf(out, "%.0f KB", (double)n / 1024);
	else
		buf_printf(out, "%llu 字节", (unsigned long long)n);
}

static const char *rh_kind(const struct review_file *f)
{
	static const struct { const char *kind, *zh; } names[] = {
		{ "jpeg", "照片（JPG）" }, { "video", "视频" }, { "pdf", "PDF" },
		{ "docx", "Word（DOCX）" }, { "doc", "Word（DOC/WPS）" }, { "png", "图片（PNG）" },
		{ "heic", "图片（HEIC）" }, { "webp", "图片（WebP）" }, { "gif", "图片（GIF）" },
		{ "bmp", "图片（BMP）" }, { "tiff", "图片（TIFF）" }, { "zip", "压缩包" },
		{ "7z", "压缩包" }, { "rar", "压缩包" }, { "text", "文本" },
	};

	for (size_t i = 0; f->kind != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(f->kind, names[i].kind) == 0)
			return names[i].zh;
	}
	return f->type != NULL ? f->type : "其他";
}

/* Pixel size of a picture; length and picture size of a video. */
static void rh_picture(struct buf *out, const struct review_file *f)
{
	if (f->kind != NULL && strcmp(f->kind, "video") == 0) {
		if (f->duration >= 0) {
			long s = (long)(f->duration + 0.5);

			if (s >= 60)
				buf_printf(out, "%ld分%02ld秒", s / 60, s % 60);
			else
				buf_printf(out, "%ld秒", s);
		}
		if (f->display_width > 0 && f->display_height > 0)
			buf_printf(out, "%s%d×%d", f->duration >= 0 ? "，" : "",
				   f->display_width, f->display_height);
	} else if (f->width > 0 && f->height > 0) {
		buf_printf(out, "%d×%d", f->width, f->height);
	}
	if (f->damaged)
		buf_puts(out, " <span class=\"bad\">已损坏</span>");
}

/* "2026-07-31T20:15:04+08:00" → "2026-07-31 20:15". */
static void rh_arrival(struct buf *out, const char *iso)
{
	char shown[17];

	if (iso == NULL || strlen(iso) < 16 || iso[10] != 'T') {
		html_text(out, iso != NULL ? iso : "—");
		return;
	}
	memcpy(shown, iso, 16);
	shown[10] = ' ';
	shown[16] = '\0';
	html_text(out, shown);
}

static void rh_now(const struct review_settings *set, struct buf *out)
{
	time_t t = (time_t)((set->now != 0 ? set->now : (int64_t)time(NULL)) + set->tz_offset);
	int off = set->tz_offset < 0 ? -set->tz_offset : set->tz_offset;
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &tm);
	buf_printf(out, "%s（UTC%c%02d:%02d）", s, set->tz_offset < 0 ? '-' : '+',
		   off / 3600, off % 3600 / 60);
}

/* ---- parts of the page ---- */

static void rh_head(const struct review_view *v, const struct review_settings *set,
		    struct buf *out)
{
	const char *title = set->title != NULL ? set->title : v->campaign;

	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
	html_text(out, title);
	buf_puts(out, " — 受理案例一览</title>\n<style>\n" RH_STYLE "</style>\n</head>\n<body>\n<h1>");
	html_text(out, title);
	buf_puts(out, " — 受理案例一览</h1>\n<p class=\"meta\">活动编号 ");
	html_text(out, v->campaign);
	buf_puts(out, "；生成于 ");
	rh_now(set, out);
	buf_puts(out, "。本页是静态文件，可离线打开；链接都指向本文件夹下的文件。</p>\n");
}

static size_t rh_companies(const struct review_view *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->ncases; i++)
		n += i == 0 || strcmp(v->cases[i].company, v->cases[i - 1].company) != 0;
	return n;
}

static void rh_summary(const struct review_view *v, struct buf *out)
{
	buf_printf(out, "<p class=\"sum\">已归档邮件 <b>%u</b> 封：受理 <b>%u</b> 封，"
		   "退回 <b>%u</b> 封，忽略 <b>%u</b> 封。下列受理案例 <b>%zu</b> 个，"
		   "来自 <b>%zu</b> 家企业（退回和忽略的邮件不在本页）。</p>\n",
		   v->mails, v->accepted, v->rejected, v->ignored, v->ncases, rh_companies(v));
}

static void rh_toc(const struct review_view *v, struct buf *out)
{
	size_t k = 0;

	if (v->ncases == 0) {
		buf_puts(out, "<p class=\"none\">还没有受理的案例。</p>\n");
		return;
	}
	buf_puts(out, "<p class=\"toc\">企业：");
	for (size_t i = 0; i < v->ncases; k++) {
		size_t j = i;

		while (j < v->ncases && strcmp(v->cases[j].company, v->cases[i].company) == 0)
			j++;
		buf_printf(out, "<a href=\"#c%zu\">", k + 1);
		html_text(out, v->cases[i].company);
		buf_printf(out, "</a>（%zu）", j - i);
		i = j;
	}
	buf_puts(out, "</p>\n");
}

static void rh_facts(const struct review_case *c, struct buf *out)
{
	buf_puts(out, "<table class=\"kv\">\n<tr><th>受理编号</th><td>");
	html_text(out, c->receipt);
	buf_puts(out, "</td></tr>\n");
	if (c->nolder > 0) {
		buf_puts(out, "<tr><th>此前版本</th><td>本版本取代 ");
		for (size_t i = 0; i < c->nolder; i++) {
			char *dir = review_case_dir(c, c->older[i]);

			buf_puts(out, i > 0 ? "、" : "");
			rh_link(out, dir, NULL, c->older[i]);
			free(dir);
		}
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "<tr><th>报送邮箱</th><td>");
	html_text(out, c->sender != NULL ? c->sender : "—");
	buf_puts(out, "</td></tr>\n<tr><th>收到时间</th><td>");
	rh_arrival(out, c->arrival);
	buf_puts(out, "</td></tr>\n");
	if (c->verdict != NULL && strcmp(c->verdict, "accepted") != 0)
		buf_puts(out, "<tr><th>注意</th><td class=\"bad\">重新检查后此邮件已不再受理"
			 "（casemailctl reprocess）</td></tr>\n");
	buf_puts(out, "</table>\n");
}

static void rh_thumbs(const struct review_case *c, const char *dir, struct buf *out)
{
	bool any = false;

	for (size_t i = 0; i < c->nfiles; i++)
		any = any || c->files[i].thumb > 0;
	if (!any)
		return;
	if (!c->sheet) {
		buf_puts(out, "<p class=\"none\">缩略图尚未生成（casemailctl review）。</p>\n");
		return;
	}
	buf_puts(out, "<div class=\"thumbs\">");
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct review_file *f = &c->files[i];
		char thumb[48];

		if (f->thumb == 0)
			continue;
		snprintf(thumb, sizeof(thumb), REVIEW_THUMBS "/%u.jpg", f->thumb);
		buf_puts(out, "<a href=\"");
		html_url(out, dir);
		buf_putc(out, '/');
		html_url(out, f->name);
		buf_puts(out, "\"><img src=\"");
		html_url(out, dir);
		buf_printf(out, "/%s\" loading=\"lazy\" alt=\"%u. ", thumb, f->thumb);
		html_text(out, f->name);
		buf_puts(out, "\" title=\"");
		html_text(out, f->name);
		buf_puts(out, "\"></a>");
	}
	buf_puts(out, "<br>");
	rh_link(out, dir, c->sheet_top ? REVIEW_SHEET : REVIEW_THUMBS "/" REVIEW_SHEET,
		"总览图（编号与下表一致）");
	buf_puts(out, "</div>\n");
}

static void rh_files(const struct review_case *c, const char *dir, struct buf *out)
{
	buf_puts(out, "<table class=\"files\">\n<tr><th>编号</th><th>文件</th><th>大小</th>"
		 "<th>类型</th><th>画面</th></tr>\n");
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct review_file *f = &c->files[i];

		buf_puts(out, "<tr><td class=\"r\">");
		if (f->thumb > 0)
			buf_printf(out, "%u", f->thumb);
		buf_puts(out, "</td><td>");
		rh_link(out, dir, f->name, f->name);
		buf_puts(out, "</td><td class=\"r\">");
		rh_size(out, f->size);
		buf_puts(out, "</td><td>");
		html_text(out, rh_kind(f));
		buf_puts(out, "</td><td>");
		rh_picture(out, f);
		buf_puts(out, "</td></tr>\n");
	}
	if (c->nfiles == 0)
		buf_puts(out, "<tr><td colspan=\"5\" class=\"none\">无文件</td></tr>\n");
	buf_puts(out, "</table>\n");
}

static void rh_defects(const struct review_case *c, struct buf *out)
{
	if (c->ndefects == 0) {
		buf_puts(out, "<p class=\"none\">无问题提示。</p>\n");
		return;
	}
	buf_puts(out, "<p>提示（不影响受理）：</p>\n<ul class=\"warn\">\n");
	for (size_t i = 0; i < c->ndefects; i++) {
		const struct review_defect *d = &c->defects[i];

		buf_puts(out, "<li>");
		if (d->whole_mail)
			buf_puts(out, "［整封邮件］");
		html_text(out, d->detail);
		buf_puts(out, " <span class=\"none\">(");
		html_text(out, d->code);
		buf_puts(out, ")</span></li>\n");
	}
	buf_puts(out, "</ul>\n");
}

static void rh_case(const struct review_case *c, size_t company, size_t index,
		    struct buf *out)
{
	char *dir = review_case_dir(c, NULL);

	buf_printf(out, "<div class=\"case\" id=\"c%zu-%zu\">\n<h3>", company, index);
	rh_link(out, dir, NULL, c->name);
	buf_puts(out, "</h3>\n");
	rh_facts(c, out);
	rh_thumbs(c, dir, out);
	rh_files(c, dir, out);
	rh_defects(c, out);
	buf_puts(out, "</div>\n");
	free(dir);
}

void review_html_render(const struct review_view *v, const struct review_settings *set,
			struct buf *out)
{
	size_t k = 0;

	rh_head(v, set, out);
	rh_summary(v, out);
	rh_toc(v, out);
	for (size_t i = 0; i < v->ncases; k++) {
		size_t j = i;

		buf_printf(out, "<h2 id=\"c%zu\">", k + 1);
		html_text(out, v->cases[i].company);
		while (j < v->ncases && strcmp(v->cases[j].company, v->cases[i].company) == 0)
			j++;
		buf_printf(out, " <small>（%zu 个案例）</small></h2>\n", j - i);
		for (size_t n = i; n < j; n++)
			rh_case(&v->cases[n], k + 1, n - i + 1, out);
		i = j;
	}
	buf_puts(out, "</body>\n</html>\n");
}
