/* Tests for wordcount (Word's 字数) and doctext (the document text format). */
#include "doctext.h"
#include "test.h"
#include "wordcount.h"

#include <string.h>

static void test_wordcount_table(void)
{
	/* Word 2016 zh-CN 审阅 ▸ 字数统计 on each string (the last column is
	 * its 字数 line; the Latin-only ones are its 字数 = words). */
	static const struct {
		const char *s;
		size_t words, east_asian, other;
	} cases[] = {
		{ "", 0, 0, 0 },
		{ "   \t\n\xe3\x80\x80", 0, 0, 0 },              /* spaces, U+3000 */
		{ "小区简介", 4, 4, 0 },
		{ "小区简介。", 5, 5, 0 },
		{ "Hello、World。", 4, 2, 2 },
		{ "东京2024奥运会", 6, 5, 1 },
		{ "收缴率达到92.5%，投诉下降", 11, 10, 1 },
		{ "ＡＢＣＤＥ", 5, 5, 0 },                      /* full-width letters */
		{ "（一）小区简介", 7, 7, 0 },
		{ "(一)小区简介", 7, 5, 2 },                    /* half-width ( ) are words */
		{ "业主App上线 WiFi 覆盖", 8, 6, 2 },
		{ "“好服务”", 5, 5, 0 },
		{ "发现问题—整改提升", 9, 9, 0 },
		{ "a b  c", 3, 0, 3 },
		{ "\xff\xfe", 1, 0, 1 },                          /* bad bytes: one run */
		{ "𠀀𠀁", 2, 2, 0 },                               /* Ext. B */
	};

	test_begin("wordcount: Word's 字数 on a table of strings");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wordcount r;

		wordcount(cases[i].s, strlen(cases[i].s), &r);
		if (!test_assert_int(r.words, cases[i].words) ||
		    !test_assert_int(r.east_asian, cases[i].east_asian) ||
		    !test_assert_int(r.other_words, cases[i].other))
			break;
	}
	test_assert_int(wordcount_str("应用场景"), 4);
	test_end();
}

static void test_doctext_roundtrip(void)
{
	struct doctext_par p = { .table = 2, .row = 3, .col = 1, .outline = 0,
				 .font = "Times New Roman", .size = 30, .bold = 1,
				 .line = 360 };
	struct doctext_par h = { .table = -1, .row = -1, .col = -1, .header = true,
				 .outline = 2, .bold = 0, .line_exact = 560 };
	static const char text[] = "值\t第二行\n完";
	struct buf b = BUF_INIT;
	struct doctext *dt;

	test_begin("doctext: what the writer writes the reader reads");
	doctext_put_meta(&b, "format", "docx");
	doctext_put_meta(&b, "pagenum", NULL);
	test_assert(doctext_put_par(&b, &p, text, strlen(text)));
	test_assert(doctext_put_par(&b, &h, "", 0));
	dt = doctext_parse(b.data, b.len);
	if (test_assert_int(dt->npars, 2)) {
		test_assert_str(dt->format, "docx");
		test_assert(dt->page_number && !dt->truncated);
		test_assert_str(dt->pars[0].text, "值 第二行 完");
		test_assert_int(dt->pars[0].table, 2);
		test_assert_int(dt->pars[0].row, 3);
		test_assert_int(dt->pars[0].col, 1);
		test_assert_str(dt->pars[0].font, "Times_New_Roman");
		test_assert_int(dt->pars[0].size, 30);
		test_assert_int(dt->pars[0].bold, 1);
		test_assert_int(dt->pars[0].line, 360);
		test_assert(!dt->pars[0].header);
		test_assert_int(dt->pars[1].table, -1);
		test_assert(dt->pars[1].header);
		test_assert_int(dt->pars[1].outline, 2);
		test_assert_int(dt->pars[1].bold, 0);
		test_assert_int(dt->pars[1].line_exact, 560);
		test_assert_int(dt->pars[1].size, 0);
		test_assert_str(dt->pars[1].text, "");
	}
	doctext_free(&dt);
	test_assert(dt == NULL);
	buf_free(&b);
	test_end();
}

static void test_doctext_cap(void)
{
	struct doctext_par p = { .table = -1, .row = -1, .col = -1, .bold = -1 };
	char para[1000];
	struct buf b = BUF_INIT;
	struct doctext *dt;
	size_t n = 0;

	test_begin("doctext: the writer stops at DOCTEXT_MAX and says so once");
	memset(para, 'x', sizeof(para));
	while (doctext_put_par(&b, &p, para, sizeof(para)))
		n++;
	test_assert(!doctext_put_par(&b, &p, "y", 1));
	doctext_put_meta(&b, "pagenum", NULL);
	test_assert(b.len <= DOCTEXT_MAX);
	test_assert(n > 50 && n * sizeof(para) < DOCTEXT_MAX);
	dt = doctext_parse(b.data, b.len);
	test_assert(dt->truncated);
	test_assert(!dt->page_number);
	test_assert_int(dt->npars, n);
	doctext_free(&dt);
	buf_free(&b);
	test_end();
}

static void test_doctext_hostile(void)
{
	static const char bad[] =
		"#format docxdocxdocx\n"
		"p c=1.2 s=-5 b=7 o=99 l=99999999999 f=\xff\xfe\tok\n"
		"p c=1.2.x\tbad utf8 \xc3\x28\n"
		"p\n"
		"q c=0.0.0\tunknown record\n"
		"p c=100001.0.0 zz=1 =3 s=\t\n"
		"p";
	struct doctext *dt = doctext_parse(bad, sizeof(bad) - 1);

	test_begin("doctext: hostile bytes are skipped, never trusted");
	if (test_assert_int(dt->npars, 2)) {
		test_assert_str(dt->pars[0].text, "ok");
		test_assert_int(dt->pars[0].table, -1);
		test_assert_int(dt->pars[0].size, 0);
		test_assert_int(dt->pars[0].bold, -1);
		test_assert_int(dt->pars[0].outline, 0);
		test_assert_int(dt->pars[0].line, 0);
		test_assert_str(dt->pars[0].font, "");
		test_assert_int(dt->pars[1].table, -1);
		test_assert_str(dt->pars[1].text, "");
	}
	test_assert(strlen(dt->format) < sizeof(dt->format));
	doctext_free(&dt);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_wordcount_table, test_doctext_roundtrip, test_doctext_cap,
		test_doctext_hostile, NULL
	};

	return test_run(tests);
}
