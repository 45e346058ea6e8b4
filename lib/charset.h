#ifndef CASEMAIL_CHARSET_H
#define CASEMAIL_CHARSET_H
/* charset: byte strings of unknown or declared charset → UTF-8 (glibc iconv).
 *
 * Chinese mail labels text GB2312 while it holds GBK characters, and
 * Windows zip tools store GBK names without saying so. Every GB-family
 * label is therefore decoded as GB18030 (a superset of GB2312 and GBK). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* True if data is well-formed UTF-8 (no overlongs, no surrogates). */
bool charset_is_utf8(const void *data, size_t len);
/* The code point at s[0..len) (len > 0) and, in *n, its length in bytes.
 * A byte that does not start well-formed UTF-8 (the checks of
 * charset_is_utf8) is U+FFFD of length 1. */
uint32_t charset_utf8_next(const void *s, size_t len, size_t *n);
/* True if data is plain 7-bit ASCII. */
bool charset_is_ascii(const void *data, size_t len);
/* Map a MIME charset label to the iconv name casemail decodes it with
 * ("gb2312"/"gbk"/"x-gbk"/"cp936" → "GB18030", "utf8" → "UTF-8", …).
 * Returns a static string, or the label itself when it needs no mapping. */
const char *charset_canonical(const char *label);
/* Append data, declared to be in charset label, as UTF-8 to out.
 * Returns 0 on a clean conversion, -1 if the charset is unknown or
 * the data had invalid sequences; out then still gets a best-effort
 * result with U+FFFD for what could not be decoded. */
int charset_to_utf8(const char *label, const void *data, size_t len,
		    struct buf *out);
/* Bytes of unknown charset (raw 8-bit header, zip name without the
 * UTF-8 flag): UTF-8 if valid, else GB18030, else Latin-1. Appends UTF-8. */
void charset_guess_to_utf8(const void *data, size_t len, struct buf *out);

#endif
