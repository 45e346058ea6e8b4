/* Tests for decode: lenient base64 / quoted-printable, chunked output. */
#include "decode.h"
#include "test.h"

#include <string.h>

static void test_decode_base64_lenient(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "aGVsbG8gd29ybGQ=", "hello world" },
		{ "aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n", "hello world" },     /* short lines */
		{ "aGVsbG8g d29y*bGQ", "hello world" },                   /* junk, no padding */
		{ "aGk=aGk=", "hihi" },                                   /* early padding */
		{ "5Lit5paH", "中文" },
		{ "", "" },
		{ "a", "" },                                              /* lone sextet */
	};

	test_begin("decode_base64 lenient");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		decode_base64_buf(cases[i].in, strlen(cases[i].in), &out);
		test_assert_str(buf_cstr(&out), cases[i].want);
		buf_free(&out);
	}
	test_end();
}

static void test_decode_qp(void)
{
	static const struct { const char *in, *want; bool header; } cases[] = {
		{ "caf=C3=A9", "café", false },
		{ "soft=\r\nbreak", "softbreak", false },
		{ "soft= \t\nbreak", "softbreak", false },
		{ "a=ZZb", "a=ZZb", false },                /* malformed kept */
		{ "a_b=5F", "a b_", true },                 /* RFC 2047 Q */
		{ "a_b", "a_b", false },
		{ "end=", "end", false },
	};

	test_begin("decode_qp");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		if (cases[i].header)
			decode_qp_header_buf(cases[i].in, strlen(cases[i].in), &out);
		else
			(void)decode_qp(cases[i].in, strlen(cases[i].in), decode_sink_buf, &out);
		test_assert_str(buf_cstr(&out), cases[i].want);
		buf_free(&out);
	}
	test_end();
}

struct count_sink { size_t calls, bytes, max_chunk; unsigned long sum; };

static int count_sink(void *ctx, const void *data, size_t len)
{
	struct count_sink *c = ctx;
	const unsigned char *p = data;

	c->calls++;
	c->bytes += len;
	if (len > c->max_chunk)
		c->max_chunk = len;
	for (size_t i = 0; i < len; i++)
		c->sum += p[i];
	return 0;
}

static int stop_sink(void *ctx, const void *data, size_t len)
{
	(void)ctx; (void)data; (void)len;
	return -1;
}

static void test_decode_base64_chunked(void)
{
	/* 300,000 bytes of 0xAB as base64 "q6ur" repeated, 76-column lines */
	struct buf in = BUF_INIT;
	struct count_sink c = { 0 };

	test_begin("decode_base64 streams in bounded chunks");
	for (size_t i = 0; i < 100000; i++) {
		buf_puts(&in, "q6ur");
		if (i % 19 == 18)
			buf_puts(&in, "\r\n");
	}
	test_assert_int(decode_base64(in.data, in.len, count_sink, &c), 0);
	test_assert_int(c.bytes, 300000);
	test_assert(c.max_chunk <= DECODE_CHUNK);
	test_assert(c.calls >= 300000 / DECODE_CHUNK);
	test_assert_int(c.sum, 300000UL * 0xAB);
	test_assert_int(decode_base64(in.data, in.len, stop_sink, NULL), -1);
	buf_free(&in);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_decode_base64_lenient, test_decode_qp,
		test_decode_base64_chunked, NULL
	};
	return test_run(tests);
}
