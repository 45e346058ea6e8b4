/* rfc2047: encoded-words and raw 8-bit header text → UTF-8. */
#include "rfc2047.h"
#include "charset.h"
#include "decode.h"

#include <string.h>
#include <strings.h>

/* An encoded-word: =?charset[*lang]?B|Q?text?= */
struct rfc2047_word {
	char charset[64];
	char encoding;          /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t total_len;       /* bytes from "=?" to "?=" inclusive */
};

static int rfc2047_parse_word(const char *p, const char *end,
			      struct rfc2047_word *w)
{
	const char *cs, *q, *t;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return -1;
	cs = p + 2;
	q = memchr(cs, '?', (size_t)(end - cs));
	if (q == NULL || q == cs || (size_t)(q - cs) >= sizeof(w->charset))
		return -1;
	if (end - q < 4 || q[2] != '?')
		return -1;
	w->encoding = (char)(q[1] & ~0x20);
	if (w->encoding != 'B' && w->encoding != 'Q')
		return -1;
	t = q + 3;
	/* the text ends at the first "?=" */
	for (const char *e = t; e + 1 < end; e++) {
		if (e[0] == '?' && e[1] == '=') {
			size_t n = (size_t)(q - cs);
			const char *star = memchr(cs, '*', n); /* RFC 2231 language */
			if (star != NULL)
				n = (size_t)(star - cs);
			memcpy(w->charset, cs, n);
			w->charset[n] = '\0';
			w->text = t;
			w->text_len = (size_t)(e - t);
			w->total_len = (size_t)(e + 2 - p);
			return 0;
		}
		if (*e == '\r' || *e == '\n')
			return -1;
	}
	return -1;
}

/* Pending bytes of adjacent encoded-words in one charset. */
struct rfc2047_pending {
	char charset[64];
	struct buf bytes;
};

static void rfc2047_flush(struct rfc2047_pending *pend, struct buf *out)
{
	if (pend->bytes.len > 0)
		(void)charset_to_utf8(pend->charset, pend->bytes.data,
				      pend->bytes.len, out);
	buf_truncate(&pend->bytes, 0);
	pend->charset[0] = '\0';
}

static void rfc2047_decode_unfolded(const char *in, size_t len, struct buf *out)
{
	struct rfc2047_pending pend = { .charset = "", .bytes = BUF_INIT };
	const char *p = in, *end = in + len;
	const char *lit = p; /* start of pending literal text */

	while (p < end) {
		struct rfc2047_word w;

		if (*p != '=' || rfc2047_parse_word(p, end, &w) < 0) {
			p++;
			continue;
		}
		/* literal text before this word: blanks between two encoded
		   words are dropped (RFC 2047 6.2), anything else is kept */
		if (p > lit) {
			size_t n = (size_t)(p - lit);
			bool blank = strspn(lit, " \t") >= n;
			if (!(blank && pend.bytes.len > 0)) {
				rfc2047_flush(&pend, out);
				charset_guess_to_utf8(lit, n, out);
			}
		}
		if (strcasecmp(charset_canonical(w.charset),
			       charset_canonical(pend.charset)) != 0)
			rfc2047_flush(&pend, out);
		memcpy(pend.charset, w.charset, sizeof(pend.charset));
		if (w.encoding == 'B')
			decode_base64_buf(w.text, w.text_len, &pend.bytes);
		else
			decode_qp_header_buf(w.text, w.text_len, &pend.bytes);
		p += w.total_len;
		lit = p;
	}
	rfc2047_flush(&pend, out);
	if (end > lit)
		charset_guess_to_utf8(lit, (size_t)(end - lit), out);
	buf_free(&pend.bytes);
}

void rfc2047_decode(const char *in, size_t len, struct buf *out)
{
	struct buf unfolded = BUF_INIT;

	/* unfold: drop CR and LF (the following blank stays) */
	buf_reserve(&unfolded, len);
	for (size_t i = 0; i < len; i++) {
		if (in[i] != '\r' && in[i] != '\n')
			buf_putc(&unfolded, in[i]);
	}
	rfc2047_decode_unfolded(buf_cstr(&unfolded), unfolded.len, out);
	buf_free(&unfolded);
}

char *rfc2047_decode_str(const char *in, size_t len)
{
	struct buf out = BUF_INIT;

	rfc2047_decode(in, len, &out);
	return buf_steal(&out);
}
