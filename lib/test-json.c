/* Tests for json: structure, commas, escaping. */
#include "json.h"
#include "test.h"

static void test_json_shapes(void)
{
	struct buf out = BUF_INIT;
	struct json j;

	test_begin("json nested structure");
	json_init(&j, &out);
	json_object_begin(&j, NULL);
	json_str(&j, "file", "阳光.eml");
	json_int(&j, "size", 1048576);
	json_double(&j, "duration", 10, 1);
	json_bool(&j, "damaged", false);
	json_str(&j, "none", NULL);
	json_array_begin(&j, "files");
	json_object_begin(&j, NULL);
	json_int(&j, "w", 1);
	json_object_end(&j);
	json_int(&j, NULL, 2);
	json_array_end(&j);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_end(&j);
	test_assert_str(buf_cstr(&out),
		"{\"file\":\"阳光.eml\",\"size\":1048576,\"duration\":10.0,"
		"\"damaged\":false,\"none\":null,\"files\":[{\"w\":1},2],\"empty\":[]}");
	buf_free(&out);
	test_end();
}

static void test_json_escape(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "tab\tnl\n\x01", "\"tab\\tnl\\n\\u0001\"" },
		{ "gbk \xd1\xf4", "\"gbk \\ufffd\\ufffd\"" },
		{ "ok 中", "\"ok 中\"" },
	};

	test_begin("json escaping");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		json_escape(&out, cases[i].in);
		test_assert_str(buf_cstr(&out), cases[i].want);
		buf_free(&out);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_json_shapes, test_json_escape, NULL };
	return test_run(tests);
}
