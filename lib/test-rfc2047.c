/* Tests for rfc2047 and mimeparam: names as real clients write them. */
#include "mimeparam.h"
#include "rfc2047.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_rfc2047_words(void)
{
	static const struct { const char *client, *in, *want; } cases[] = {
		{ "QQ GB18030 B", "=?gb18030?B?0fS54ruoINSw?=", "阳光花 园" },
		{ "GB2312 label, GBK char", "=?GB2312?B?h+U=?=", "囧" },
		{ "Outlook split inside a character",
		  "=?utf-8?B?6Ziz5YWJ6Iqx?=\r\n =?utf-8?B?5Zut?=", "阳光花园" },
		{ "split mid-character",
		  "=?UTF-8?B?6Ziz5Q==?= =?UTF-8?B?hYk=?=", "阳光" },
		{ "Q encoding", "=?utf-8?Q?=E9=98=B3=E5=85=89_x?=", "阳光 x" },
		{ "text around words", "Re: =?utf-8?B?6Ziz?= and =?utf-8?B?5YWJ?=!",
		  "Re: 阳 and 光!" },
		{ "raw UTF-8", "阳光花园.docx", "阳光花园.docx" },
		{ "raw GBK", "\xd1\xf4\xb9\xe2.doc", "阳光.doc" },
		{ "big5", "=?big5?B?pKSk5Q==?=", "中文" },
		{ "unknown charset", "=?x-nope?B?YWI=?=", "ab" },
		{ "not a word", "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
		{ "unterminated", "=?utf-8?B?6Ziz", "=?utf-8?B?6Ziz" },
		{ "language tag", "=?utf-8*zh?B?6Ziz?=", "阳" },
		{ "different charsets", "=?gbk?B?0fQ=?= =?utf-8?B?5YWJ?=", "阳光" },
	};

	test_begin("rfc2047_decode client styles");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = rfc2047_decode_str(cases[i].in, strlen(cases[i].in));
		if (!test_assert_str(s, cases[i].want))
			printf("#   case: %s\n", cases[i].client);
		free(s);
	}
	test_end();
}

static void test_mimeparam_styles(void)
{
	static const struct { const char *client, *in, *value, *param, *want; } cases[] = {
		{ "QQ: word inside quotes", "application/octet-stream;\r\n\tname=\"=?gb18030?B?0fS54i5kb2M=?=\"",
		  "application/octet-stream", "name", "阳光.doc" },
		{ "RFC 2231 single", "attachment; filename*=UTF-8''%E9%98%B3%E5%85%89.docx",
		  "attachment", "filename", "阳光.docx" },
		{ "RFC 2231 continuations, mixed",
		  "attachment;\r\n filename*0*=UTF-8''%E9%98%B3%E5%85%89;\r\n filename*1*=%E8%8A%B1%E5%9B%AD;\r\n filename*2=\"+plain.docx\"",
		  "attachment", "filename", "阳光花园+plain.docx" },
		{ "RFC 2231 out of order", "attachment; filename*1=\"b.doc\"; filename*0=\"a\"",
		  "attachment", "filename", "ab.doc" },
		{ "RFC 2231 gb18030", "attachment; filename*=gb18030''%D1%F4%B9%E2.pdf",
		  "attachment", "filename", "阳光.pdf" },
		{ "2231 wins over plain", "attachment; filename=\"old.doc\"; filename*=UTF-8''%E6%96%B0.doc",
		  "attachment", "filename", "新.doc" },
		{ "raw UTF-8 quoted", "attachment; filename=\"阳光花园小区+垃圾分类新模式.docx\"",
		  "attachment", "filename", "阳光花园小区+垃圾分类新模式.docx" },
		{ "raw GBK unquoted with blank", "application/msword; name=\xd1\xf4\xb9\xe2 x.doc",
		  "application/msword", "name", "阳光 x.doc" },
		{ "Outlook folded words in quotes",
		  "application/vnd.ms-excel;\r\n\tname=\"=?utf-8?B?6Ziz5YWJ?=\r\n =?utf-8?B?6Iqx5Zut?=.xls\"",
		  "application/vnd.ms-excel", "name", "阳光花园.xls" },
		{ "uppercase type, escaped quote", "Multipart/Mixed; BOUNDARY=\"=_a\\\"b\"",
		  "multipart/mixed", "boundary", "=_a\"b" },
		{ "missing close quote", "attachment; filename=\"open.doc",
		  "attachment", "filename", "open.doc" },
	};

	test_begin("mimeparam client styles");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mimeparams p;
		mimeparam_parse(cases[i].in, strlen(cases[i].in), &p);
		bool ok = test_assert_str(p.value, cases[i].value);
		ok = test_assert_str(mimeparam_get(&p, cases[i].param), cases[i].want) && ok;
		if (!ok)
			printf("#   case: %s\n", cases[i].client);
		mimeparam_free(&p);
	}
	test_end();
}

static void test_mimeparam_limits(void)
{
	char big[64 * 200];
	size_t n = 0;
	struct mimeparams p;

	test_begin("mimeparam caps parameter count");
	n += (size_t)snprintf(big, sizeof(big), "text/plain");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "; p%d=v", i);
	mimeparam_parse(big, n, &p);
	test_assert(p.count <= MIMEPARAM_MAX_PARAMS);
	test_assert_str(mimeparam_get(&p, "p0"), "v");
	mimeparam_free(&p);
	test_end();
}

/* A NUL inside the value: what is kept is trimmed (found by fuzz-mimeparam) */
static void test_mimeparam_nul(void)
{
	static const char in[] = "Text/Plain \0junk; Na \0me=x";
	struct mimeparams p;

	test_begin("mimeparam trims a value cut at a NUL");
	mimeparam_parse(in, sizeof(in) - 1, &p);
	test_assert_str(p.value, "text/plain");
	test_assert(p.count == 1 && strcmp(p.params[0].name, "na") == 0);
	mimeparam_free(&p);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc2047_words, test_mimeparam_styles, test_mimeparam_limits,
		test_mimeparam_nul, NULL
	};
	return test_run(tests);
}
