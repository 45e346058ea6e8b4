/* Tests for charset: UTF-8 validation and GB-family decoding. */
#include "charset.h"
#include "test.h"

#include <string.h>

static void test_charset_is_utf8(void)
{
	static const struct { const char *s; bool ok; } cases[] = {
		{ "plain", true },
		{ "\xe9\x98\xb3\xe5\x85\x89", true },           /* 阳光 */
		{ "\xd1\xf4\xb9\xe2", false },                   /* 阳光 in GBK */
		{ "\xc0\xaf", false },                           /* overlong '/' */
		{ "\xed\xa0\x80", false },                       /* surrogate */
		{ "\xe9\x98", false },                           /* truncated */
		{ "\xf0\x9f\x98\x80", true },                    /* emoji */
	};

	test_begin("charset_is_utf8");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert(charset_is_utf8(cases[i].s, strlen(cases[i].s)) == cases[i].ok);
	test_end();
}

static void test_charset_gb_labels(void)
{
	/* "囧" is GBK (0x87E5) but not GB2312: mislabelled mail must still decode */
	static const char *labels[] = { "gb2312", "GBK", "gb18030", "x-gbk", "cp936" };

	test_begin("charset GB-family labels decode as GB18030");
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		struct buf out = BUF_INIT;
		test_assert_int(charset_to_utf8(labels[i], "\xd1\xf4\x87\xe5", 4, &out), 0);
		test_assert_str(buf_cstr(&out), "阳囧");
		buf_free(&out);
	}
	test_end();
}

static void test_charset_big5_and_unknown(void)
{
	struct buf out = BUF_INIT;

	test_begin("charset big5, unknown label");
	test_assert_int(charset_to_utf8("big5", "\xa4\xa4\xa4\xe5", 4, &out), 0);
	test_assert_str(buf_cstr(&out), "中文");
	buf_truncate(&out, 0);
	test_assert_int(charset_to_utf8("no-such-charset", "ab\xff", 3, &out), -1);
	test_assert_str(buf_cstr(&out), "ab\xef\xbf\xbd");
	buf_free(&out);
	test_end();
}

static void test_charset_guess(void)
{
	struct buf out = BUF_INIT;

	test_begin("charset_guess_to_utf8");
	charset_guess_to_utf8("\xe9\x98\xb3.jpg", 7, &out);
	test_assert_str(buf_cstr(&out), "阳.jpg");
	buf_truncate(&out, 0);
	charset_guess_to_utf8("\xd1\xf4\xb9\xe2.jpg", 8, &out);
	test_assert_str(buf_cstr(&out), "阳光.jpg");
	buf_free(&out);
	test_end();
}

/* glibc converts to UTF-8 code points beyond U+10FFFF (found by fuzz-rfc2047) */
static void test_charset_beyond_unicode(void)
{
	struct buf out = BUF_INIT;

	test_begin("charset output is well-formed UTF-8 whatever iconv writes");
	/* "UTF#8" is UTF-8 to iconv; a 5-byte form and U+110000 */
	test_assert_int(charset_to_utf8("UTF#8", "a\xfb\x82\xbe\x99\xba\xf4\x90\x80\x80z",
					11, &out), -1);
	test_assert(charset_is_utf8(out.data, out.len));
	test_assert(out.len > 2 && out.data[0] == 'a' && out.data[out.len - 1] == 'z');
	buf_truncate(&out, 0);
	test_assert_int(charset_to_utf8("UCS-4BE", "\x7f\xff\xff\xff\x00\x00\x00\x41", 8,
					&out), -1);
	test_assert(charset_is_utf8(out.data, out.len));
	test_assert(out.len > 0 && out.data[out.len - 1] == 'A');
	buf_free(&out);
	test_end();
}

static void test_charset_utf8_next(void)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
		size_t n;
	} cases[] = {
		{ "A", 1, 'A', 1 }, { "\xc2\xb7", 2, 0xb7, 2 }, { "中", 3, 0x4e2d, 3 },
		{ "\xf0\xa0\x80\x80", 4, 0x20000, 4 },
		{ "\xc0\xaf", 2, 0xfffd, 1 },                 /* overlong '/' */
		{ "\xed\xa0\x80", 3, 0xfffd, 1 },             /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0xfffd, 1 },         /* beyond U+10FFFF */
		{ "\xe4\xb8", 2, 0xfffd, 1 },                 /* cut short */
		{ "\xe4\xb8\xad", 2, 0xfffd, 1 },             /* len ends inside it */
		{ "\x80", 1, 0xfffd, 1 }, { "\xff", 1, 0xfffd, 1 },
	};
	struct buf b = BUF_INIT;

	test_begin("charset_utf8_next and buf_put_utf8: one code point each way");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = 0;

		test_assert_int(charset_utf8_next(cases[i].s, cases[i].len, &n), cases[i].cp);
		test_assert_int(n, cases[i].n);
		/* what decodes whole encodes back to the same bytes */
		if (cases[i].cp != 0xfffd) {
			buf_truncate(&b, 0);
			buf_put_utf8(&b, cases[i].cp);
			test_assert(b.len == n && memcmp(b.data, cases[i].s, n) == 0);
		}
	}
	buf_truncate(&b, 0);
	buf_put_utf8(&b, 0xd800);
	buf_put_utf8(&b, 0x110000);
	test_assert_str(buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd");
	buf_free(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_charset_is_utf8, test_charset_gb_labels,
		test_charset_big5_and_unknown, test_charset_guess,
		test_charset_beyond_unicode, test_charset_utf8_next, NULL
	};
	return test_run(tests);
}
