/* html: text and URLs into HTML, safely (see html.h). */
#include "html.h"

#include <stdbool.h>
#include <string.h>


/* The length of the valid UTF-8 sequence at p (left > 0 bytes), or 0. */
static size_t html_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;   /* no overlong forms */
		hi = c == 0xed ? 0x9f : 0xbf;   /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;   /* not above U+10FFFF */
	} else {
		return 0;
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return n;
}

/* C1 controls, and the bidirectional embeddings, overrides and isolates
 * (U+202A-202E, U+2066-2069) that could make a name read backwards. */
static bool html_unwanted(const unsigned char *p, size_t n)
{
	return (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) ||
	       (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
	       (n == 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
}

void html_text(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t left = strlen((const char *)p);

	while (left > 0) {
		size_t n = html_utf8_len(p, left);

		if (n == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			n = 1;
		} else if (n == 1) {
			switch (*p) {
			case '&': buf_puts(out, "&amp;"); break;
			case '<': buf_puts(out, "&lt;"); break;
			case '>': buf_puts(out, "&gt;"); break;
			case '"': buf_puts(out, "&quot;"); break;
			case '\'': buf_puts(out, "&#39;"); break;
			default: buf_putc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p); break;
			}
		} else if (html_unwanted(p, n)) {
			buf_puts(out, "\xef\xbf\xbd");
		} else {
			buf_append(out, p, n);
		}
		p += n;
		left -= n;
	}
}

void html_url(struct buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)path;
	size_t left = strlen(path);

	while (left > 0) {
		size_t n = html_utf8_len(p, left);

		if (n > 1 && !html_unwanted(p, n)) {
			/* valid UTF-8 stays as it is: the browser encodes it */
			buf_append(out, p, n);
		} else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || strchr("._~-/", *p) != NULL) {
			buf_putc(out, (char)*p);
			n = 1;
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
			n = 1;
		}
		p += n;
		left -= n;
	}
}
