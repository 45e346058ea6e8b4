/* charset: declared and guessed charsets to UTF-8 via iconv. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

bool charset_is_ascii(const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return false;
	}
	return true;
}

bool charset_is_utf8(const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

uint32_t charset_utf8_next(const void *s, size_t len, size_t *n)
{
	const unsigned char *p = s;
	uint32_t cp, min;
	size_t need;

	*n = 1;
	if (p[0] < 0x80)
		return p[0];
	if ((p[0] & 0xe0) == 0xc0) {
		need = 1; cp = p[0] & 0x1f; min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 2; cp = p[0] & 0x0f; min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 3; cp = p[0] & 0x07; min = 0x10000;
	} else {
		return 0xfffd;
	}
	if (len <= need)
		return 0xfffd;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0xfffd;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0xfffd;
	*n = need + 1;
	return cp;
}

static const struct {
	const char *label, *iconv;
} charset_aliases[] = {
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "ms936", "GB18030" }, { "windows-936", "GB18030" },
	{ "gb_2312-80", "GB18030" }, { "euc-cn", "GB18030" }, { "x-euc-cn", "GB18030" },
	{ "csgb2312", "GB18030" }, { "gb18030", "GB18030" }, { "chinese", "GB18030" },
	{ "utf8", "UTF-8" }, { "utf-8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
	{ "big5", "BIG5-HKSCS" }, { "x-big5", "BIG5-HKSCS" }, { "cn-big5", "BIG5-HKSCS" },
	{ "big5-hkscs", "BIG5-HKSCS" },
	{ "us-ascii", "UTF-8" }, { "ascii", "UTF-8" }, /* 7-bit in, UTF-8 is a superset */
	{ "iso-8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "ks_c_5601-1987", "CP949" }, { "euc-kr", "CP949" },
	{ "shift_jis", "CP932" }, { "sjis", "CP932" },
};

const char *charset_canonical(const char *label)
{
	for (size_t i = 0; i < sizeof(charset_aliases) / sizeof(charset_aliases[0]); i++) {
		if (strcasecmp(label, charset_aliases[i].label) == 0)
			return charset_aliases[i].iconv;
	}
	return label;
}

/* Append UTF-8 only where valid, replacing each bad byte. */
static void charset_append_sanitized(const unsigned char *p, size_t len,
				     struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 :
			   (p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (n > 0 && i + n <= len && charset_is_utf8(p + i, n)) {
			buf_append(out, p + i, n);
			i += n;
		} else {
			buf_puts(out, REPLACEMENT);
			i++;
		}
	}
}

int charset_to_utf8(const char *label, const void *data, size_t len,
		    struct buf *out)
{
	const char *name = charset_canonical(label);
	struct buf conv = BUF_INIT;
	iconv_t cd;
	char *in = (char *)data;
	size_t inleft = len;
	int ret = 0;

	if (strcasecmp(name, "UTF-8") == 0) {
		if (charset_is_utf8(data, len)) {
			buf_append(out, data, len);
			return 0;
		}
		charset_append_sanitized(data, len, out);
		return -1;
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {
		charset_append_sanitized(data, len, out);
		return -1;
	}
	while (inleft > 0) {
		char tmp[1024], *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		buf_append(&conv, tmp, (size_t)(o - tmp));
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated sequence): skip one byte */
		buf_puts(&conv, REPLACEMENT);
		in++;
		inleft--;
		ret = -1;
	}
	iconv_close(cd);
	/* glibc's UTF-8 writer passes code points beyond U+10FFFF and 5- and
	   6-byte forms through (UCS-4 input, or UTF-8 under a name iconv
	   knows but charset_canonical() does not, "UTF#8"): keep only
	   well-formed UTF-8 (found by fuzz-rfc2047) */
	if (charset_is_utf8(buf_cstr(&conv), conv.len)) {
		buf_append(out, buf_cstr(&conv), conv.len);
	} else {
		charset_append_sanitized((const unsigned char *)conv.data, conv.len, out);
		ret = -1;
	}
	buf_free(&conv);
	return ret;
}

void charset_guess_to_utf8(const void *data, size_t len, struct buf *out)
{
	size_t start = out->len;

	if (charset_is_utf8(data, len)) {
		buf_append(out, data, len);
		return;
	}
	if (charset_to_utf8("GB18030", data, len, out) == 0)
		return;
	buf_truncate(out, start);
	(void)charset_to_utf8("WINDOWS-1252", data, len, out);
}
