/* Tests for datetime and strlist. */
#include "datetime.h"
#include "strlist.h"
#include "test.h"

#include <string.h>

static void test_datetime_rfc5322(void)
{
	static const struct { const char *in; long long want; } cases[] = {
		{ "Tue, 28 Jul 2026 15:40:02 +0800", 1785224402LL },
		{ "28 Jul 2026 07:40:02 +0000", 1785224402LL },
		{ "Tue, 28 Jul 2026 03:40:02 -0400 (EDT)", 1785224402LL },
		{ "  Mon, 31 Jul 2023 23:59:59 +0800", 1690819199LL },
	};
	int64_t t;

	test_begin("datetime RFC 5322");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_assert_int(datetime_parse_rfc5322(cases[i].in, strlen(cases[i].in), &t), 0);
		test_assert_int(t, cases[i].want);
	}
	test_assert_int(datetime_parse_rfc5322("yesterday", 9, &t), -1);
	test_end();
}

static void test_datetime_received(void)
{
	const char *r = "from mx.qq.com (unknown [1.2.3.4])\r\n\tby mail.ecpmi.org.cn (Postfix)"
			" with ESMTPS id 4B;\r\n\tTue, 28 Jul 2026 15:40:02 +0800 (CST)";
	int64_t t;

	test_begin("datetime Received: date after the last ';'");
	test_assert_int(datetime_parse_received(r, strlen(r), &t), 0);
	test_assert_int(t, 1785224402LL);
	test_assert_int(datetime_parse_received("no date here", 12, &t), -1);
	test_end();
}

static void test_datetime_iso(void)
{
	char out[64];
	int64_t t;
	int off;

	test_begin("datetime ISO 8601 and Chinese");
	test_assert_int(datetime_parse_iso("2026-08-05T23:59:59+08:00", &t, &off), 0);
	test_assert_int(off, 28800);
	datetime_format_iso(t, off, out, sizeof(out));
	test_assert_str(out, "2026-08-05T23:59:59+08:00");
	datetime_format_iso(t, 0, out, sizeof(out));
	test_assert_str(out, "2026-08-05T15:59:59+00:00");
	datetime_format_zh(t, off, out, sizeof(out));
	test_assert_str(out, "2026年8月5日 23:59:59（北京时间）");
	test_assert_int(datetime_parse_iso("2026-08-05T15:59:59Z", &t, &off), 0);
	test_assert_int(off, 0);
	datetime_format_iso(t, 28800, out, sizeof(out));
	test_assert_str(out, "2026-08-05T23:59:59+08:00");
	test_assert_int(datetime_parse_iso("2026-13-05T23:59:59+08:00", &t, &off), -1);
	test_assert_int(datetime_parse_iso("2026-08-05 23:59:59", &t, &off), -1);
	test_end();
}

static void test_strlist(void)
{
	struct strlist l = STRLIST_INIT;

	test_begin("strlist split and match");
	strlist_add_split(&l, " 公司, 集团、中心，物业 ,, ");
	test_assert_int(l.n, 4);
	test_assert_str(l.v[3], "物业");
	test_assert_str(strlist_suffix_of(&l, "绿城物业服务集团"), "集团");
	test_assert(strlist_suffix_of(&l, "阳光花园小区") == NULL);
	test_assert_str(strlist_find_in(&l, "某某公司推荐"), "公司");
	test_assert(strlist_contains_ci(&l, "中心"));
	strlist_free(&l);
	test_assert_int(l.n, 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_datetime_rfc5322, test_datetime_received, test_datetime_iso,
		test_strlist, NULL
	};
	return test_run(tests);
}
