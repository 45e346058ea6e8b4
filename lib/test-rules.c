/* Tests for rules: table-driven, one variation of a clean submission per
 * defect code and ignored reason; asserts the verdict and the EXACT set
 * of error codes (and the warnings that must be there). Pure: the files
 * are facts made up here, the campaigns are the shipped conf/ files. */
#include "campaign.h"
#include "rules.h"
#include "test.h"
#include "buf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB (1024 * 1024)
#define T_WCX 1688169600LL   /* 2023-07-01T00:00:00Z: before 微创新's deadline */
#define T_HFW 1785224402LL   /* 2026-07-28T15:40:02+08:00: before 好服务's */

struct tfile {
	const char *path;
	enum facts_kind kind;
	uint64_t size;
	int w, h;                 /* images; videos: display size */
	double duration;
	const char *container;    /* video container */
	int doc_images;
	const char *sha;          /* NULL: derived from the path */
};

#define DOCX(p) { p, FACTS_KIND_DOCX, 20000, 0, 0, 0, NULL, 0, NULL }
#define PDF(p) { p, FACTS_KIND_PDF, 60000, 0, 0, 0, NULL, 0, NULL }
#define JPG(p) { p, FACTS_KIND_JPEG, MB + 4096, 4000, 3000, 0, NULL, 0, NULL }
#define ZIP(p) { p, FACTS_KIND_ZIP, 5 * MB, 0, 0, 0, NULL, 0, NULL }
#define MP4(p, w, h, d) { p, FACTS_KIND_VIDEO, 8 * MB, w, h, d, "mp4", 0, NULL }
#define END { NULL, 0, 0, 0, 0, 0, NULL, 0, NULL }

#define HFW_CO "包.zip/绿城物业服务集团有限公司/"
static const struct tfile hfw_base[] = {
	ZIP("包.zip"),
	DOCX("包.zip/汇总清单.docx"), PDF("包.zip/汇总清单（盖章）.pdf"),
	DOCX(HFW_CO "阳光花园小区+垃圾分类新模式.docx"), PDF(HFW_CO "推荐表（盖章）.pdf"),
	JPG(HFW_CO "小区入口.jpg"), JPG(HFW_CO "垃圾分类站.jpg"), JPG(HFW_CO "志愿者活动.jpg"),
	END
};
static const struct tfile wcx_base[] = {
	DOCX("绿城物业服务集团有限公司+智慧停车微创新.docx"),
	PDF("绿城物业服务集团有限公司+智慧停车微创新.pdf"),
	END
};

struct tcase {
	const char *name;
	const char *campaign;
	const struct tfile *base;
	const char *drop;          /* base files whose path contains this are left out */
	struct tfile extra[6];
	const char *problem;       /* an extraction problem code on the first extra file */
	const char *subject;
	const char *header;        /* "auto", "bounce", "bulk", "own", "report" */
	int64_t arrival;
	bool no_files, links;
	const char *verdict;
	const char *errors;        /* exact, sorted, comma-separated */
	const char *warnings;      /* must be present */
	int cases;                 /* -1: don't check */
};

static const struct tcase cases[] = {
	{ "好服务 clean package", "haofuwu-2026", hfw_base, NULL, { END }, NULL, NULL, NULL,
	  T_HFW, false, false, "accepted", "", "", 1 },
	{ "微创新 clean single case", "weichuangxin-2023", wcx_base, NULL, { END }, NULL, NULL,
	  NULL, T_WCX, false, false, "accepted", "", "", 1 },
	{ "微创新 two cases, photos by name", "weichuangxin-2023", wcx_base, NULL,
	  { DOCX("万科物业发展股份有限公司+加装电梯破解难题.docx"),
	    PDF("万科物业发展股份有限公司+加装电梯破解难题（盖章）.pdf"),
	    JPG("加装电梯破解难题-现场.jpg"), JPG("加装电梯破解难题-居民.jpg"), END },
	  NULL, NULL, NULL, T_WCX, false, false, "accepted", "", "", 2 },
	{ "好服务 second-level case folders", "haofuwu-2026", hfw_base, HFW_CO,
	  { DOCX(HFW_CO "金域华府+加装电梯/金域华府+加装电梯.docx"),
	    JPG(HFW_CO "金域华府+加装电梯/1.jpg"), JPG(HFW_CO "金域华府+加装电梯/2.jpg"),
	    JPG(HFW_CO "金域华府+加装电梯/3.jpg"), PDF(HFW_CO "金域华府+加装电梯/推荐表.pdf"), END },
	  NULL, NULL, NULL, T_HFW, false, false, "accepted", "", "", 1 },
	/* mail */
	{ "late by one second", "haofuwu-2026", hfw_base, NULL, { END }, NULL, NULL, NULL,
	  1785945600LL, false, false, "rejected", "mail.late", "", -1 },
	{ "on the deadline second", "haofuwu-2026", hfw_base, NULL, { END }, NULL, NULL, NULL,
	  1785945599LL, false, false, "accepted", "", "", -1 },
	{ "submission without material", "haofuwu-2026", NULL, NULL, { END }, NULL,
	  "好服务案例申报", NULL, T_HFW, true, false, "rejected", "mail.no_materials", "", 0 },
	{ "files, none of them material", "haofuwu-2026", NULL, NULL,
	  { { "统计.xlsx", FACTS_KIND_ZIP, 9000, 0, 0, 0, NULL, 0, NULL },
	    { "说明.txt", FACTS_KIND_OTHER, 90, 0, 0, 0, NULL, 0, NULL }, END }, NULL,
	  "好服务案例申报", NULL, T_HFW, false, false, "rejected", "mail.no_materials",
	  "file.unsupported", 0 },
	/* 微创新 names the missing Word and PDF already: no second error */
	{ "files, none of them material, 微创新", "weichuangxin-2023", NULL, NULL,
	  { { "说明.txt", FACTS_KIND_OTHER, 90, 0, 0, 0, NULL, 0, NULL }, END }, NULL,
	  "微创新案例申报", NULL, T_WCX, false, false, "rejected",
	  "doc.missing_pdf,doc.missing_word", "file.unsupported", 0 },
	{ "a summary list in Excel is not nothing", "haofuwu-2026", NULL, NULL,
	  { { "汇总清单.xlsx", FACTS_KIND_ZIP, 9000, 0, 0, 0, NULL, 0, NULL }, END }, NULL,
	  "好服务案例申报", NULL, T_HFW, false, false, "accepted", "", "file.unsupported", -1 },
	{ "a summary list alone is material", "haofuwu-2026", NULL, NULL,
	  { DOCX("汇总清单.docx"), { "说明.txt", FACTS_KIND_OTHER, 90, 0, 0, 0, NULL, 0, NULL },
	    END }, NULL, "好服务案例申报", NULL, T_HFW, false, false, "accepted", "",
	  "file.unsupported", -1 },
	{ "big attachment link", "haofuwu-2026", NULL, NULL, { END }, NULL, "好服务案例",
	  NULL, T_HFW, true, true, "rejected", "mail.big_attachment_link", "", 0 },
	/* ignored */
	{ "auto reply", "haofuwu-2026", NULL, NULL, { END }, NULL, "自动回复: 休假", "auto",
	  T_HFW, true, false, "ignored", "", "", 0 },
	{ "bounce", "haofuwu-2026", NULL, NULL, { END }, NULL, "Undelivered Mail", "bounce",
	  T_HFW, true, false, "ignored", "", "", 0 },
	{ "bulk", "haofuwu-2026", NULL, NULL, { END }, NULL, "物业周刊", "bulk", T_HFW, true,
	  false, "ignored", "", "", 0 },
	{ "own address", "weichuangxin-2023", wcx_base, NULL, { END }, NULL, NULL, "own",
	  T_WCX, false, false, "ignored", "", "", 0 },
	/* archives and damage, from extraction */
	{ "encrypted archive hides the rest", "haofuwu-2026", hfw_base, "包.zip",
	  { ZIP("加密.zip"), END }, "archive.encrypted", NULL, NULL, T_HFW, false, false,
	  "rejected", "archive.encrypted", "", -1 },
	{ "damaged archive", "haofuwu-2026", hfw_base, NULL, { ZIP("坏.zip"), END },
	  "archive.damaged", NULL, NULL, T_HFW, false, false, "rejected", "archive.damaged", "", -1 },
	{ "bomb", "haofuwu-2026", hfw_base, NULL, { ZIP("炸弹.zip"), END }, "archive.bomb",
	  NULL, NULL, T_HFW, false, false, "rejected", "archive.bomb", "", -1 },
	{ "unsafe entry", "haofuwu-2026", hfw_base, NULL, { END }, "archive.unsafe_entry",
	  NULL, NULL, T_HFW, false, false, "rejected", "archive.unsafe_entry", "", -1 },
	{ "too deep", "haofuwu-2026", hfw_base, NULL, { ZIP("包.zip/深.zip"), END },
	  "archive.too_deep", NULL, NULL, T_HFW, false, false, "rejected", "archive.too_deep", "", -1 },
	{ "damaged PDF", "weichuangxin-2023", wcx_base, NULL, { END }, "file.damaged", NULL,
	  NULL, T_WCX, false, false, "rejected", "file.damaged", "", -1 },
	/* files */
	{ "docx named .doc", "weichuangxin-2023", wcx_base, ".docx",
	  { DOCX("绿城物业服务集团有限公司+智慧停车微创新.doc"), END }, NULL, NULL, NULL, T_WCX,
	  false, false, "accepted", "", "file.type_mismatch", 1 },
	{ "spreadsheet: a warning", "weichuangxin-2023", wcx_base, NULL,
	  { { "统计.xlsx", FACTS_KIND_ZIP, 9000, 0, 0, 0, NULL, 0, NULL }, END }, NULL, NULL, NULL,
	  T_WCX, false, false, "accepted", "", "file.unsupported", 1 },
	{ "executable: an error", "weichuangxin-2023", wcx_base, NULL,
	  { { "setup.exe", FACTS_KIND_EXECUTABLE, 9000, 0, 0, 0, NULL, 0, NULL }, END }, NULL,
	  NULL, NULL, T_WCX, false, false, "rejected", "file.unsupported", "", 1 },
	/* photos */
	{ "two photos where three are needed", "haofuwu-2026", hfw_base, "志愿者", { END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "photo.count", "", 1 },
	{ "six photos", "haofuwu-2026", hfw_base, NULL,
	  { JPG(HFW_CO "4.jpg"), JPG(HFW_CO "5.jpg"), JPG(HFW_CO "6.jpg"), END }, NULL, NULL,
	  NULL, T_HFW, false, false, "rejected", "photo.count", "", 1 },
	{ "PNG named .jpg", "haofuwu-2026", hfw_base, NULL,
	  { { HFW_CO "花园.jpg", FACTS_KIND_PNG, 2 * MB, 1000, 800, 0, NULL, 0, NULL }, END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "photo.format", "", 1 },
	{ "HEIC", "haofuwu-2026", hfw_base, NULL,
	  { { HFW_CO "IMG_5873.HEIC", FACTS_KIND_HEIC, 2 * MB, 0, 0, 0, NULL, 0, NULL }, END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "photo.format", "", 1 },
	{ "small JPEG", "haofuwu-2026", hfw_base, NULL,
	  { { HFW_CO "小图.jpg", FACTS_KIND_JPEG, MB - 1, 800, 600, 0, NULL, 0, NULL }, END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "photo.too_small", "", 1 },
	{ "same photo twice", "haofuwu-2026", hfw_base, NULL,
	  { { HFW_CO "入口2.jpg", FACTS_KIND_JPEG, MB + 4096, 4000, 3000, 0, NULL, 0,
	      HFW_CO "小区入口.jpg" }, END },
	  NULL, NULL, NULL, T_HFW, false, false, "accepted", "", "photo.duplicate", 1 },
	{ "camera names in 微创新", "weichuangxin-2023", wcx_base, NULL,
	  { JPG("IMG_1234.jpg"), JPG("微信图片_20230712093015.jpg"), END }, NULL, NULL, NULL,
	  T_WCX, false, false, "accepted", "", "photo.caption", 1 },
	{ "one photo in 微创新", "weichuangxin-2023", wcx_base, NULL, { JPG("停车场.jpg"), END },
	  NULL, NULL, NULL, T_WCX, false, false, "rejected", "photo.count", "", 1 },
	{ "certificate scan is not a photo", "weichuangxin-2023", wcx_base, NULL,
	  { JPG("专利证书扫描.jpg"), END }, NULL, NULL, NULL, T_WCX, false, false, "accepted",
	  "", "", 1 },
	/* video */
	{ "AVI", "haofuwu-2026", hfw_base, NULL,
	  { { HFW_CO "录像.avi", FACTS_KIND_VIDEO, 8 * MB, 1280, 720, 10, "avi", 0, NULL }, END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "video.format", "", 1 },
	{ "305 s video", "haofuwu-2026", hfw_base, NULL, { MP4(HFW_CO "v.mp4", 1280, 720, 305), END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "video.too_long", "", 1 },
	{ "portrait video", "haofuwu-2026", hfw_base, NULL, { MP4(HFW_CO "v.mp4", 720, 1280, 10), END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "video.portrait", "", 1 },
	{ "640x360 video", "haofuwu-2026", hfw_base, NULL, { MP4(HFW_CO "v.mp4", 640, 360, 10), END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "video.resolution", "", 1 },
	{ "video in 微创新: a warning", "weichuangxin-2023", wcx_base, NULL,
	  { MP4("v.mp4", 1280, 720, 10), END }, NULL, NULL, NULL, T_WCX, false, false,
	  "accepted", "", "file.unsupported", 1 },
	/* documents */
	{ "PDF only", "weichuangxin-2023", wcx_base, ".docx", { END }, NULL, NULL, NULL, T_WCX,
	  false, false, "rejected", "doc.missing_word", "", 1 },
	{ "Word only", "weichuangxin-2023", wcx_base, ".pdf", { END }, NULL, NULL, NULL, T_WCX,
	  false, false, "rejected", "doc.missing_pdf", "", 1 },
	{ "different stems pair", "weichuangxin-2023", wcx_base, ".pdf",
	  { PDF("绿城物业服务集团有限公司+智慧停车.pdf"), END }, NULL, NULL, NULL, T_WCX, false,
	  false, "accepted", "", "name.mismatch", 1 },
	{ "default Word name", "weichuangxin-2023", wcx_base, "绿城",
	  { DOCX("新建 Microsoft Word 文档.docx"), PDF("新建 Microsoft Word 文档.pdf"), END },
	  NULL, NULL, NULL, T_WCX, false, false, "rejected", "name.case_file", "", 1 },
	{ "Word form with pictures", "weichuangxin-2023", wcx_base, ".docx",
	  { { "绿城物业服务集团有限公司+智慧停车微创新.docx", FACTS_KIND_DOCX, 90000, 0, 0, 0,
	      NULL, 2, NULL }, END },
	  NULL, NULL, NULL, T_WCX, false, false, "rejected", "doc.has_images", "", 1 },
	{ "company folder without case material", "haofuwu-2026", hfw_base, "阳光花园", { END },
	  NULL, NULL, NULL, T_HFW, false, false, "rejected", "doc.missing_case_material", "", 0 },
	{ "case without 推荐表", "haofuwu-2026", hfw_base, "推荐表", { END }, NULL, NULL, NULL,
	  T_HFW, false, false, "rejected", "doc.missing_recommendation_form", "", 1 },
	{ "no 汇总清单", "haofuwu-2026", hfw_base, "汇总清单", { END }, NULL, NULL, NULL, T_HFW,
	  false, false, "accepted", "", "doc.missing_summary_list", 1 },
	{ "case file misnamed", "haofuwu-2026", hfw_base, "阳光花园",
	  { DOCX(HFW_CO "案例材料.docx"), END }, NULL, NULL, NULL, T_HFW, false, false,
	  "rejected", "name.case_file", "", 1 },
	{ "no company folder", "haofuwu-2026", NULL, NULL,
	  { DOCX("阳光花园小区+垃圾分类新模式.docx"), PDF("推荐表.pdf"), JPG("1.jpg"),
	    JPG("2.jpg"), JPG("3.jpg"), END }, NULL, NULL, NULL, T_HFW, false, false,
	  "rejected", "name.company_folder", "doc.missing_summary_list", 1 },
	{ "company zip named after the company", "haofuwu-2026", NULL, NULL,
	  { ZIP("万科物业发展股份有限公司.zip"),
	    DOCX("万科物业发展股份有限公司.zip/翠苑+邻里守望.docx"),
	    PDF("万科物业发展股份有限公司.zip/推荐表.pdf"), JPG("万科物业发展股份有限公司.zip/a.jpg"),
	    JPG("万科物业发展股份有限公司.zip/b.jpg"), JPG("万科物业发展股份有限公司.zip/c.jpg") },
	  NULL, NULL, NULL, T_HFW, false, false, "accepted", "", "doc.missing_summary_list", 1 },
};

/* ---- building the facts ------------------------------------------------ */

struct built {
	struct rules_file files[40];
	struct facts facts[40];
	char *dirs[40][8];
	char sha[40][65];
	struct rules_problem problem;
	struct rules_link link;
	size_t n;
};

static void add_file(struct built *b, const struct tfile *t)
{
	size_t i = b->n++;
	struct rules_file *f = &b->files[i];
	struct facts *fa = &b->facts[i];
	const char *s = t->path, *slash;
	size_t nd = 0;

	memset(fa, 0, sizeof(*fa));
	fa->kind = t->kind;
	fa->width = fa->display_width = t->w;
	fa->height = fa->display_height = t->h;
	fa->duration = t->duration;
	fa->doc_images = t->doc_images;
	snprintf(fa->container, sizeof(fa->container), "%s", t->container ? t->container : "");
	f->path = t->path;
	f->name = strrchr(t->path, '/') ? strrchr(t->path, '/') + 1 : t->path;
	f->size = t->size;
	f->facts = fa;
	f->container = t->kind == FACTS_KIND_ZIP && strstr(t->path, ".zip") != NULL &&
		       strcmp(t->path + strlen(t->path) - 4, ".zip") == 0;
	/* "包.zip/公司/x.jpg" → dirs 包, 公司 */
	while ((slash = strchr(s, '/')) != NULL && nd < 8) {
		char *d = xstrndup(s, (size_t)(slash - s));
		size_t n = strlen(d);
		if (n > 4 && strcmp(d + n - 4, ".zip") == 0)
			d[n - 4] = '\0';
		b->dirs[i][nd++] = d;
		s = slash + 1;
	}
	f->dirs = (const char *const *)b->dirs[i];
	f->ndirs = nd;
	/* distinct photos unless the test names the file whose bytes it shares */
	snprintf(b->sha[i], sizeof(b->sha[i]), "%08x", (unsigned)(uintptr_t)0);
	unsigned h = 5381;
	for (const char *p = t->sha != NULL ? t->sha : t->path; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	snprintf(b->sha[i], sizeof(b->sha[i]), "%064x", h);
	f->sha256 = b->sha[i];
}

static void build(const struct tcase *tc, struct built *b, struct rules_mail *m)
{
	memset(b, 0, sizeof(*b));
	memset(m, 0, sizeof(*m));
	for (const struct tfile *t = tc->base; t != NULL && t->path != NULL; t++) {
		if (tc->drop == NULL || strstr(t->path, tc->drop) == NULL)
			add_file(b, t);
	}
	for (const struct tfile *t = tc->extra; t->path != NULL; t++)
		add_file(b, t);
	if (tc->no_files)
		b->n = 0;
	m->files = b->files;
	m->nfiles = b->n;
	m->from_addr = "zhangsan@qq.com";
	m->from_name = "张三";
	m->subject = tc->subject != NULL ? tc->subject : "案例申报材料";
	m->body = "您好，附件是申报材料。";
	m->has_arrival = true;
	m->arrival = tc->arrival;
	if (tc->problem != NULL) {
		b->problem.code = tc->problem;
		b->problem.file = tc->extra[0].path != NULL ? tc->extra[0].path : "包.zip/../x";
		b->problem.detail = "test";
		m->problems = &b->problem;
		m->nproblems = 1;
	}
	if (tc->links) {
		b->link.service = "QQ邮箱超大附件";
		b->link.url = "https://wx.mail.qq.com/ftn/download?func=3&k=abc";
		b->link.expiry = "2026年8月12日 15:40";
		m->links = &b->link;
		m->nlinks = 1;
	}
	if (tc->header == NULL)
		return;
	if (strcmp(tc->header, "auto") == 0)
		m->auto_submitted = "auto-replied";
	else if (strcmp(tc->header, "bounce") == 0) {
		m->return_path = "";
		m->from_addr = "mailer-daemon@qq.com";
	} else if (strcmp(tc->header, "bulk") == 0)
		m->precedence = "bulk";
	else if (strcmp(tc->header, "own") == 0)
		m->from_addr = "hyfw@ecpmi.org.cn";
}

static void unbuild(struct built *b)
{
	for (size_t i = 0; i < 40; i++) {
		for (size_t d = 0; d < 8; d++)
			free(b->dirs[i][d]);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* sorted unique comma list of the codes of one severity */
static char *codes_of(const struct rules_result *r, enum rules_severity sev)
{
	const char *v[64];
	size_t n = 0;
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < r->ndefects && n < 64; i++) {
		if (r->defects[i].severity == sev)
			v[n++] = r->defects[i].code;
	}
	qsort(v, n, sizeof(v[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (out.len > 0)
			buf_putc(&out, ',');
		buf_puts(&out, v[i]);
	}
	return buf_steal(&out);
}

static void test_rules_table(void)
{
	struct campaign_set *set = NULL;
	const char *error;

	if (campaign_set_load(CASEMAIL_CONFDIR "/campaigns", &set, &error) < 0) {
		test_begin("rules: campaigns load");
		test_assert(!"campaign_set_load");
		printf("# %s\n", error);
		test_end();
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		struct built b;
		struct rules_mail m;
		char name[160];

		snprintf(name, sizeof(name), "rules: %s", tc->name);
		test_begin(name);
		build(tc, &b, &m);
		struct rules_result *r = rules_check(campaign_set_find_id(set, tc->campaign), &m);
		char *errors = codes_of(r, RULES_ERROR), *warnings = codes_of(r, RULES_WARNING);
		bool ok = test_assert_str(rules_verdict_name(r->verdict), tc->verdict);
		ok = test_assert_str(errors, tc->errors) && ok;
		if (tc->warnings[0] != '\0')
			ok = test_assert(strstr(warnings, tc->warnings) != NULL) && ok;
		if (tc->cases >= 0)
			ok = test_assert_int(r->ncases, tc->cases) && ok;
		for (size_t d = 0; d < r->ndefects; d++) {
			/* every text is filled in (no template left) and Chinese */
			const char *dt = r->defects[d].detail;
			bool cjk = false;
			for (const char *p = dt; *p != '\0'; p++)
				cjk |= (unsigned char)*p >= 0xe4 && (unsigned char)*p <= 0xe9;
			ok = test_assert(strchr(dt, '{') == NULL) && ok;
			ok = test_assert(cjk) && ok;
		}
		if (!ok) {
			printf("# warnings: %s\n", warnings);
			for (size_t d = 0; d < r->ndefects; d++)
				printf("#   %s %s: %s\n", r->defects[d].code,
				       r->defects[d].file ? r->defects[d].file : "-", r->defects[d].detail);
		}
		free(errors);
		free(warnings);
		rules_result_free(&r);
		unbuild(&b);
		test_end();
	}
	campaign_set_free(&set);
}

static void test_rules_ignored_reasons(void)
{
	static const struct {
		const char *header, *subject, *body, *reason;
		bool human, other_mailbox, reply_to_us;
	} v[] = {
		{ "auto", "Re: 材料", "", "auto_reply", false, false, false },
		{ NULL, "自动回复：您好，我正在休假", "", "auto_reply", false, false, false },
		{ "bounce", "Undelivered", "", "bounce", false, false, false },
		{ "bulk", "周刊", "", "bulk", false, false, false },
		{ "own", "测试", "", "own_address", false, false, false },
		/* another campaign's mailbox writing to this one is ours too */
		{ NULL, "转发：材料", "", "own_address", false, true, false },
		{ NULL, "请开具发票", "", "not_submission", true, false, false },
		/* 小区 is in every property office's signature: not a keyword */
		{ NULL, "请开具发票", "麻烦开一下会议费发票。\n阳光花园小区物业服务中心", "not_submission",
		  true, false, false },
		/* thanks for a receipt, quoting it: keywords, no material */
		{ NULL, "回复：【已受理 HFW2026-000012】", "收到，谢谢！\n> 好服务案例已受理",
		  "reply_to_receipt", true, false, true },
	};
	struct campaign_set *set = NULL;
	const char *error;

	test_begin("rules: ignored reasons and needs_human");
	if (!test_assert(campaign_set_load(CASEMAIL_CONFDIR "/campaigns", &set, &error) == 0)) {
		test_end();
		return;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct tcase tc = { .name = "x", .campaign = "haofuwu-2026", .subject = v[i].subject,
				    .header = v[i].header, .arrival = T_HFW, .no_files = true };
		struct built b;
		struct rules_mail m;
		build(&tc, &b, &m);
		m.body = v[i].body;
		m.from_own_mailbox = v[i].other_mailbox;
		m.replies_to_receipt = v[i].reply_to_us;
		if (tc.header != NULL && strcmp(tc.header, "own") == 0)
			m.from_addr = "wzglzzh@ecpmi.org.cn"; /* the alias */
		struct rules_result *r = rules_check(campaign_set_find_id(set, "haofuwu-2026"), &m);
		test_assert_str(r->ignored_reason, v[i].reason);
		test_assert_int(r->needs_human, v[i].human);
		test_assert_int(r->ndefects, 0);
		rules_result_free(&r);
		unbuild(&b);
	}
	campaign_set_free(&set);
	test_end();
}

static void test_rules_resubmitted(void)
{
	struct campaign_set *set = NULL;
	const char *error;
	struct built b;
	struct rules_mail m;

	test_begin("rules: a case filed before gets case.resubmitted (a warning)");
	if (!test_assert(campaign_set_load(CASEMAIL_CONFDIR "/campaigns", &set, &error) == 0)) {
		test_end();
		return;
	}
	build(&cases[0], &b, &m);
	struct rules_result *r = rules_check(campaign_set_find_id(set, "haofuwu-2026"), &m);
	test_assert_int(r->ncases, 1);
	rules_resubmitted(campaign_set_find_id(set, "haofuwu-2026"), r, 0, "HFW2026-000007");
	test_assert_int(r->ndefects, 1);
	test_assert_str(r->defects[0].code, "case.resubmitted");
	test_assert_int(r->defects[0].severity, RULES_WARNING);
	test_assert_int(r->defects[0].case_index, 0);
	test_assert(strstr(r->defects[0].detail, "HFW2026-000007") != NULL);
	test_assert_str(rules_verdict_name(r->verdict), "accepted");
	rules_result_free(&r);
	unbuild(&b);
	campaign_set_free(&set);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rules_table, test_rules_ignored_reasons, test_rules_resubmitted, NULL
	};
	return test_run(tests);
}
