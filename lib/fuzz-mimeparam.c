/* libFuzzer target for mimeparam: Content-Type / Content-Disposition
 * values with RFC 2231 and RFC 2047 parameters (docs/fuzzing.md).
 *
 * Feeds: (1) the input as a header value, parsed as it stands;
 * (2) when the input is UTF-8 without NUL, CR or LF, the input as a file
 * name, written the way clients write it: RFC 2231 percent-encoded
 * sections (filename*0*=UTF-8''…; filename*1*=…, sent in reverse order,
 * section size from the input's length) and an RFC 2047 B word in a
 * quoted name=.
 *
 * Asserts beyond "no crash":
 *  - the value before ';' is lowercased (no A-Z), trimmed, without ';';
 *  - at most MIMEPARAM_MAX_PARAMS parameters, names non-empty, lowercased,
 *    without '=' or ';', each name once; mimeparam_get() finds each;
 *  - every value is well-formed UTF-8;
 *  - round trip: (2) gives the input back exactly, through the RFC 2231
 *    sections and through the encoded-word; the 2231 value wins over a
 *    plain filename= of the same name. */
#include "fuzz-common.h"
#include "buf.h"
#include "charset.h"
#include "mimeparam.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_params(const struct mimeparams *p)
{
	const char *v = p->value;
	size_t n;

	FUZZ_CHECK(v != NULL);
	n = strlen(v);
	FUZZ_CHECK(strchr(v, ';') == NULL);
	FUZZ_CHECK(n == 0 || (!isspace((unsigned char)v[0]) &&
			      !isspace((unsigned char)v[n - 1])));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(!(v[i] >= 'A' && v[i] <= 'Z'));
	FUZZ_CHECK(p->count <= MIMEPARAM_MAX_PARAMS);
	for (size_t i = 0; i < p->count; i++) {
		const char *name = p->params[i].name, *val = p->params[i].value;

		FUZZ_CHECK(name != NULL && name[0] != '\0' && val != NULL);
		FUZZ_CHECK(strchr(name, '=') == NULL && strchr(name, ';') == NULL);
		for (const char *c = name; *c != '\0'; c++)
			FUZZ_CHECK(!(*c >= 'A' && *c <= 'Z'));
		FUZZ_CHECK(charset_is_utf8(val, strlen(val)));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(p->params[j].name, name) != 0);
		FUZZ_CHECK(mimeparam_get(p, name) == val);
	}
}

static void b64(const uint8_t *in, size_t len, struct buf *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		buf_putc(out, a[v >> 18 & 63]);
		buf_putc(out, a[v >> 12 & 63]);
		buf_putc(out, i + 1 < len ? a[v >> 6 & 63] : '=');
		buf_putc(out, i + 2 < len ? a[v & 63] : '=');
	}
}

static void round_trip(const uint8_t *in, size_t len)
{
	struct buf h = BUF_INIT;
	struct mimeparams p;
	size_t chunk = 1 + len % 7, nsec;
	const char *got;

	if (len == 0)
		return;
	if ((len + chunk - 1) / chunk > 40)
		chunk = (len + 39) / 40;
	nsec = (len + chunk - 1) / chunk;
	/* a plain filename= first: the RFC 2231 one must win */
	buf_puts(&h, "Attachment; filename=\"plain.txt\"");
	for (size_t s = nsec; s-- > 0; ) {
		size_t off = s * chunk, end = off + chunk < len ? off + chunk : len;
		buf_printf(&h, ";\r\n filename*%zu*=%s", s, s == 0 ? "UTF-8''" : "");
		for (size_t i = off; i < end; i++)
			buf_printf(&h, "%%%02X", in[i]);
	}
	buf_puts(&h, "; name=\"=?utf-8?B?");
	b64(in, len, &h);
	buf_puts(&h, "?=\"");
	mimeparam_parse(h.data, h.len, &p);
	check_params(&p);
	FUZZ_CHECK(strcmp(p.value, "attachment") == 0);
	got = mimeparam_get(&p, "filename");
	FUZZ_CHECK(got != NULL && strlen(got) == len && memcmp(got, in, len) == 0);
	got = mimeparam_get(&p, "name");
	FUZZ_CHECK(got != NULL && strlen(got) == len && memcmp(got, in, len) == 0);
	mimeparam_free(&p);
	buf_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mimeparams p;

	mimeparam_parse((const char *)data, size, &p);
	check_params(&p);
	mimeparam_free(&p);
	FUZZ_CHECK(p.value == NULL && p.params == NULL && p.count == 0);

	if (charset_is_utf8(data, size) && memchr(data, '\0', size) == NULL &&
	    memchr(data, '\r', size) == NULL && memchr(data, '\n', size) == NULL)
		round_trip(data, size);
	return 0;
}
