/* Tests for spool-name: sanitising names from mail, making them unique. */
#include "spool-name.h"
#include "charset.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_spool_name_component(void)
{
	static const struct { const char *in; bool no_dot; const char *out; } cases[] = {
		{ "照片1.jpg", false, "照片1.jpg" },
		{ "a\x01" "b\x7f", false, "a_b_" },
		{ "a/b\\c", false, "a_b_c" },
		{ "", false, "_" },
		{ ".", true, "_" },
		{ "..", false, "_" },
		{ ".hidden", false, ".hidden" },
		{ ".versions", true, "_versions" },
		{ "...", true, "_.." },
		{ "line\nbreak", false, "line_break" },
	};
	struct buf out = BUF_INIT;

	test_begin("spool_name_component");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_truncate(&out, 0);
		spool_name_component(cases[i].in, strlen(cases[i].in), cases[i].no_dot, &out);
		test_assert_str(buf_cstr(&out), cases[i].out);
	}
	test_end();

	test_begin("spool_name_component: long names cut, extension kept");
	char *longname = xmalloc(1001);
	memset(longname, 'a', 996);
	memcpy(longname + 996, ".jpg", 5);
	buf_truncate(&out, 0);
	spool_name_component(longname, strlen(longname), false, &out);
	test_assert_int(out.len, SPOOL_NAME_MAX);
	test_assert(strcmp(buf_cstr(&out) + out.len - 4, ".jpg") == 0);
	/* 阳 is 3 bytes: 400 of them are cut on a character boundary */
	struct buf cjk = BUF_INIT;
	for (int i = 0; i < 400; i++)
		buf_puts(&cjk, "阳");
	buf_truncate(&out, 0);
	spool_name_component(cjk.data, cjk.len, false, &out);
	test_assert(out.len <= SPOOL_NAME_MAX && out.len > SPOOL_NAME_MAX - 3);
	test_assert(charset_is_utf8(out.data, out.len));
	buf_free(&cjk);
	free(longname);
	buf_free(&out);
	test_end();
}

static void test_spool_names_add(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "包.zip/公司/照片1.jpg", "包.zip/公司/照片1.jpg" },
		{ "../x", "x" },
		{ "/abs/y", "abs/y" },
		{ "a\\b", "a/b" },
		{ "./c/./d//e", "c/d/e" },
		{ "", "_" },
		{ "../..", "_ (2)" },
		{ "ctl\x1b[31m/f\ty", "ctl_[31m/f_y" },
		/* collisions: files */
		{ "p.jpg", "p.jpg" },
		{ "p.jpg", "p (2).jpg" },
		{ "../p.jpg", "p (3).jpg" },
		{ "noext", "noext" },
		{ "noext", "noext (2)" },
		/* a file where a folder goes, and the reverse */
		{ "f", "f" },
		{ "f/g", "f (2)/g" },
		{ "f/h", "f (2)/h" },
		{ "dd/x", "dd/x" },
		{ "dd", "dd (2)" },
		{ "包.zip/公司/照片2.jpg", "包.zip/公司/照片2.jpg" },
	};
	struct spool_names *n = spool_names_new();

	test_begin("spool_names_add: sanitised and unique");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert_str(spool_names_add(n, cases[i].in), cases[i].out);
	test_assert_str(spool_names_lookup(n, "p.jpg"), "p.jpg");
	test_assert_str(spool_names_lookup(n, "f/g"), "f (2)/g");
	test_assert(spool_names_lookup(n, "nope") == NULL);
	spool_names_free(&n);
	test_assert(n == NULL);
	test_end();
}

static void test_spool_names_limits(void)
{
	struct spool_names *n = spool_names_new(), *m = spool_names_new();
	struct buf p = BUF_INIT, deep = BUF_INIT;
	const char *rel;

	test_begin("spool_names_add: long names and deep paths");
	for (int i = 0; i < 300; i++)
		buf_putc(&p, 'x');
	buf_puts(&p, ".pdf");
	rel = spool_names_add(n, p.data);
	test_assert_int(strlen(rel), SPOOL_NAME_MAX);
	rel = spool_names_add(n, p.data);   /* the suffix still fits */
	test_assert_int(strlen(rel), SPOOL_NAME_MAX);
	test_assert(strstr(rel, "x (2).pdf") != NULL);
	for (int i = 0; i < 20; i++)
		buf_printf(&deep, "%0100d/", i);
	buf_puts(&deep, "leaf.jpg");
	test_assert_str(spool_names_add(n, deep.data), "leaf.jpg");

	/* many files: the table grows, the mapping stays the same each time */
	for (int i = 0; i < 3000; i++) {
		char path[32];

		snprintf(path, sizeof(path), "d%d/same.jpg", i % 7);
		const char *a = spool_names_add(n, path), *b = spool_names_add(m, path);
		if (!test_assert_str(a, b))
			break;
	}
	test_assert_str(spool_names_add(m, "d3/same.jpg"), "d3/same (430).jpg");
	/* a hostile mail's 20,000 files of one name stay linear */
	const char *last = NULL;
	for (int i = 0; i < 20000; i++)
		last = spool_names_add(m, "big/img.jpg");
	test_assert_str(last, "big/img (20000).jpg");
	spool_names_free(&n);
	spool_names_free(&m);
	buf_free(&p);
	buf_free(&deep);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_spool_name_component, test_spool_names_add,
		test_spool_names_limits, NULL
	};
	return test_run(tests);
}
