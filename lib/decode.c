/* decode: lenient streaming base64 and quoted-printable decoders. */
#include "decode.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* 0..63 for the alphabet, 64 for '=', 255 for everything else */
static const uint8_t b64_table[256] = {
#define X 255
	X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
	X,X,X,X,X,X,X,X,X,X,X,62,X,X,X,63, 52,53,54,55,56,57,58,59,60,61,X,X,X,64,X,X,
	X,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14, 15,16,17,18,19,20,21,22,23,24,25,X,X,X,X,X,
	X,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40, 41,42,43,44,45,46,47,48,49,50,51,X,X,X,X,X,
	X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
	X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
	X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
	X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
#undef X
};

struct decode_out {
	uint8_t buf[DECODE_CHUNK];
	size_t len;
	decode_sink *sink;
	void *ctx;
};

static int decode_flush(struct decode_out *o)
{
	int ret = o->len > 0 ? o->sink(o->ctx, o->buf, o->len) : 0;

	o->len = 0;
	return ret;
}

static inline int decode_put(struct decode_out *o, uint8_t c)
{
	o->buf[o->len++] = c;
	return o->len == sizeof(o->buf) ? decode_flush(o) : 0;
}

int decode_base64(const char *in, size_t len, decode_sink *sink, void *ctx)
{
	struct decode_out o = { .sink = sink, .ctx = ctx };
	const uint8_t *p = (const uint8_t *)in, *end = p + len;
	uint32_t acc = 0;
	unsigned n = 0;

	while (p < end) {
		/* fast path: four alphabet bytes in a row */
		if (n == 0 && end - p >= 4 && o.len + 3 <= sizeof(o.buf)) {
			uint8_t a = b64_table[p[0]], b = b64_table[p[1]];
			uint8_t c = b64_table[p[2]], d = b64_table[p[3]];
			if ((a | b | c | d) < 64) {
				uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
					     (uint32_t)c << 6 | d;
				o.buf[o.len++] = (uint8_t)(v >> 16);
				o.buf[o.len++] = (uint8_t)(v >> 8);
				o.buf[o.len++] = (uint8_t)v;
				p += 4;
				if (o.len == sizeof(o.buf) && decode_flush(&o) < 0)
					return -1;
				continue;
			}
		}
		uint8_t v = b64_table[*p++];
		if (v == 255)
			continue; /* CR, LF, spaces, junk */
		if (v == 64) {
			/* padding: finish the current quantum; data may follow
			   (concatenated base64 from broken encoders) */
			if (n == 2 && decode_put(&o, (uint8_t)(acc >> 4)) < 0)
				return -1;
			if (n == 3 && (decode_put(&o, (uint8_t)(acc >> 10)) < 0 ||
				       decode_put(&o, (uint8_t)(acc >> 2)) < 0))
				return -1;
			acc = 0;
			n = 0;
			continue;
		}
		acc = acc << 6 | v;
		if (++n == 4) {
			if (decode_put(&o, (uint8_t)(acc >> 16)) < 0 ||
			    decode_put(&o, (uint8_t)(acc >> 8)) < 0 ||
			    decode_put(&o, (uint8_t)acc) < 0)
				return -1;
			acc = 0;
			n = 0;
		}
	}
	/* missing final padding */
	if (n == 2 && decode_put(&o, (uint8_t)(acc >> 4)) < 0)
		return -1;
	if (n == 3 && (decode_put(&o, (uint8_t)(acc >> 10)) < 0 ||
		       decode_put(&o, (uint8_t)(acc >> 2)) < 0))
		return -1;
	return decode_flush(&o);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int decode_qp_common(const char *in, size_t len, bool header,
			    struct decode_out *o)
{
	const uint8_t *p = (const uint8_t *)in, *end = p + len;

	while (p < end) {
		uint8_t c = *p++;

		if (c == '_' && header) {
			c = ' ';
		} else if (c == '=') {
			const uint8_t *q = p;
			/* soft line break, allowing trailing blanks before it */
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q < end && *q == '\n') {
				p = q + 1;
				continue;
			}
			if (q + 1 < end && q[0] == '\r' && q[1] == '\n') {
				p = q + 2;
				continue;
			}
			if (q == end && !header)
				break; /* "=" at the very end */
			if (end - p >= 2 && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
				c = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
				p += 2;
			}
			/* else: malformed, keep "=" literally */
		}
		if (decode_put(o, c) < 0)
			return -1;
	}
	return decode_flush(o);
}

int decode_qp(const char *in, size_t len, decode_sink *sink, void *ctx)
{
	struct decode_out o = { .sink = sink, .ctx = ctx };

	return decode_qp_common(in, len, false, &o);
}

int decode_copy(const char *in, size_t len, decode_sink *sink, void *ctx)
{
	while (len > 0) {
		size_t n = len < DECODE_CHUNK ? len : DECODE_CHUNK;
		if (sink(ctx, in, n) < 0)
			return -1;
		in += n;
		len -= n;
	}
	return 0;
}

int decode_sink_buf(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len > DECODE_BUF_MAX)
		return -1;
	buf_append(b, data, len);
	return 0;
}

void decode_base64_buf(const char *in, size_t len, struct buf *out)
{
	(void)decode_base64(in, len, decode_sink_buf, out);
}

void decode_qp_header_buf(const char *in, size_t len, struct buf *out)
{
	static __thread struct decode_out o; /* 64 KiB: keep it off the stack */

	o.sink = decode_sink_buf;
	o.ctx = out;
	o.len = 0;
	(void)decode_qp_common(in, len, true, &o);
}
