/* libFuzzer target for rfc2047: header text → UTF-8 (docs/fuzzing.md).
 *
 * Feeds: the input as one raw header value — encoded-words with any
 * charset label (GB family, iconv names, unknown ones, "*lang"), B and Q,
 * words split inside characters, raw 8-bit text, folding, NUL bytes.
 *
 * Asserts beyond "no crash":
 *  - the output is well-formed UTF-8 (charset_is_utf8); without an
 *    encoded-word in the input it has no CR or LF (unfolding drops them);
 *  - it is bounded: at most 16 bytes out per byte in;
 *  - rfc2047_decode() appends: text already in the buffer stays as it was;
 *  - rfc2047_decode_str() gives the same text (up to a NUL);
 *  - plain text passes through: valid UTF-8 without "=?", CR or LF
 *    decodes to itself. */
#include "fuzz-common.h"
#include "buf.h"
#include "charset.h"
#include "rfc2047.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* "=?" — also with folding white space between the two, which the decoder
 * takes as an encoded-word split by a careless mailer ("=\n ?utf-8?B?…") */
static bool fuzz_has_encoded_word_start(const char *in, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (in[i] != '=')
			continue;
		size_t k = i + 1;
		while (k < size && (in[k] == '\r' || in[k] == '\n' || in[k] == ' ' || in[k] == '\t'))
			k++;
		if (k < size && in[k] == '?')
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "前缀 ";
	const char *in = (const char *)data;
	struct buf out = BUF_INIT;
	char *s;
	size_t n;

	buf_puts(&out, prefix);
	rfc2047_decode(in, size, &out);
	FUZZ_CHECK(out.len >= sizeof(prefix) - 1 &&
		   memcmp(out.data, prefix, sizeof(prefix) - 1) == 0);
	n = out.len - (sizeof(prefix) - 1);
	const char *dec = out.data + sizeof(prefix) - 1;
	FUZZ_CHECK(n <= 16 * size);
	FUZZ_CHECK(charset_is_utf8(dec, n));
	/* only an encoded-word can bring a CR or LF back (=?utf-8?Q?a=0Ab?=):
	   users of the text encode it again (reply_encode_words) */
	if (!fuzz_has_encoded_word_start(in, size))
		FUZZ_CHECK(memchr(dec, '\r', n) == NULL && memchr(dec, '\n', n) == NULL);

	s = rfc2047_decode_str(in, size);
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(strlen(s) <= n && memcmp(s, dec, strlen(s)) == 0);
	free(s);

	if (charset_is_utf8(in, size) && memchr(in, '\r', size) == NULL &&
	    memchr(in, '\n', size) == NULL && memmem(in, size, "=?", 2) == NULL)
		FUZZ_CHECK(n == size && memcmp(dec, in, size) == 0);
	buf_free(&out);
	return 0;
}
