#ifndef CASEMAIL_RFC2047_H
#define CASEMAIL_RFC2047_H
/* rfc2047: decode header text to UTF-8.
 *
 * Handles what real clients send, not only what RFC 2047 allows:
 *  - encoded-words anywhere, including inside quoted strings (QQ Mail
 *    writes filename="=?gb18030?B?...?=");
 *  - one character split over two encoded-words (Outlook splits long
 *    UTF-8 names at byte counts): adjacent words of one charset are
 *    joined as bytes before conversion;
 *  - raw 8-bit text (Foxmail, old Outlook): UTF-8 if valid, else GB18030;
 *  - folded lines (CRLF + blanks) are unfolded first.
 * Unknown charsets and bad bytes become U+FFFD; decoding never fails. */
#include <stddef.h>
#include "buf.h"

void rfc2047_decode(const char *in, size_t len, struct buf *out);
/* Convenience: malloc'd UTF-8 string. */
char *rfc2047_decode_str(const char *in, size_t len);

#endif
