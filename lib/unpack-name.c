/* unpack-name: decode and check archive entry names (see unpack-name.h).
 *
 * The decision UTF-8 or GB18030 is made per entry on the raw bytes that
 * libarchive hands over: zip names without the UTF-8 flag and old tar names
 * come through unconverted, flagged zip names, 7z (UTF-16), rar 5 and pax
 * names arrive as UTF-8 already (unpack reads with a UTF-8 LC_CTYPE).
 * Backslashes become separators only after decoding: a GBK trail byte may
 * be 0x5C. */
#include "unpack-name.h"
#include "charset.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *const unpack_name_suffixes[] = {
	".gz", ".bz2", ".xz", ".lzma", ".lz4", ".lz", ".zst", ".z", NULL
};

static void unpack_name_put_component(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* a newline in a name must not reach a report or a log */
		buf_putc(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

static void unpack_name_cut(struct buf *out, size_t start, size_t max_bytes)
{
	size_t cut = start + max_bytes;

	/* back up to the first byte of a UTF-8 character */
	while (cut > start && ((unsigned char)out->data[cut] & 0xC0) == 0x80)
		cut--;
	buf_truncate(out, cut);
}

const char *unpack_name_clean(const char *raw, size_t raw_len,
			      size_t max_bytes, struct buf *out)
{
	struct buf dec = BUF_INIT;
	const char *reason = NULL;
	size_t start = out->len, i = 0;
	bool sep = false;

	charset_guess_to_utf8(raw, raw_len, &dec);
	char *s = dec.data != NULL ? dec.data : (char *)"";
	for (size_t k = 0; k < dec.len; k++) {
		if (s[k] == '\\')
			s[k] = '/';
	}
	if (s[0] == '/') {
		reason = "absolute path";
		buf_putc(out, '/');
	} else if (((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) &&
		   s[1] == ':') {
		reason = "absolute path";  /* "C:/x", also drive-relative "C:x" */
	}
	while (i < dec.len) {
		size_t n = strcspn(s + i, "/");

		if (n > 0 && !(n == 1 && s[i] == '.')) {
			if (n == 2 && s[i] == '.' && s[i + 1] == '.' && reason == NULL)
				reason = "'..' component";
			if (sep)
				buf_putc(out, '/');
			unpack_name_put_component(out, s + i, n);
			sep = true;
		}
		i += n + 1;
	}
	buf_free(&dec);
	if (out->len == start)
		return "empty name";
	if (out->len - start > max_bytes) {
		unpack_name_cut(out, start, max_bytes);
		if (reason == NULL)
			reason = "name too long";
	}
	return reason;
}

const char *unpack_name_single(const char *archive_name, size_t max_bytes,
			       struct buf *out)
{
	const char *base = archive_name;
	size_t len;

	for (const char *p = archive_name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	len = strlen(base);
	for (size_t i = 0; unpack_name_suffixes[i] != NULL; i++) {
		size_t n = strlen(unpack_name_suffixes[i]);

		if (len > n && strcasecmp(base + len - n, unpack_name_suffixes[i]) == 0) {
			len -= n;
			break;
		}
	}
	return unpack_name_clean(base, len, max_bytes, out);
}
