#ifndef CASEMAIL_REPLY_H
#define CASEMAIL_REPLY_H
/* reply: the one reply to a submission as an RFC 5322 message (CRLF).
 *
 *   From: =?UTF-8?B?5aW95pyN5Yqh5qGI5L6L5b6B6ZuG?= <wylzzh@ecpmi.org.cn>
 *   To: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.com>
 *   Subject: =?UTF-8?B?44CQ5bey5Y+X55CGIEhGVzIwMjYtMDAwMDQ144CR5Zue5aSN77ya5YWz?=
 *    =?UTF-8?B?5LqO5oql6YCBMjAyNuW5tOW6pueJqeS4muacjeWKoeihjOS4muKAnOWlvQ==?=
 *   Date: Tue, 28 Jul 2026 15:41:00 +0800
 *   Message-ID: <HFW2026-000045.reply@ecpmi.org.cn>
 *   In-Reply-To: <orig@qq.com>
 *   References: <earlier@qq.com> <orig@qq.com>
 *   Auto-Submitted: auto-replied
 *   X-Auto-Response-Suppress: All
 *   MIME-Version: 1.0
 *   Content-Type: text/plain; charset=UTF-8
 *   Content-Transfer-Encoding: base64
 *
 * Subject: "【已受理 <receipt>】回复：<original subject>" for an accepted
 * submission, "【请修改后重发 <receipt>】回复：<original subject>" for a
 * rejected one (just the bracket when the original had no subject).
 * Leading "Re:"/"回复："/"答复：" and an earlier casemail bracket are
 * taken off the original first, so a resubmission that answers one of
 * our replies does not grow the subject; it is cut at 300 bytes.
 *
 * Loop prevention is RFC 3834: Auto-Submitted: auto-replied, and
 * X-Auto-Response-Suppress: All for Exchange/Outlook. No Precedence
 * header: RFC 3834 does not ask for one, "bulk" makes big providers file
 * a receipt the submitter is waiting for as bulk mail, and casemail
 * itself treats Precedence: bulk as "not a submission".
 *
 * Text from the submission (subject, names) is data: control characters
 * (CR, LF, TAB, …) become spaces and it only ever appears inside RFC 2047
 * B encoded-words, so it cannot add header fields. Addresses are checked
 * instead (printable ASCII, one '@', no spaces, <, >, quotes or
 * parentheses) and a bad one fails the build. Message-IDs from the
 * submission that do not look like "<x@y>" are left out. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct reply_params {
	const char *from_addr, *from_name; /* the campaign mailbox; name may be NULL */
	const char *to_addr, *to_name;     /* the submitter; name may be NULL */
	const char *orig_subject;          /* decoded UTF-8, may be NULL */
	const char *orig_message_id;       /* "<...>" or NULL */
	const char *orig_references;       /* raw References: value or NULL */
	const char *receipt;               /* "HFW2026-000045" */
	const char *verdict;               /* "accepted" or "rejected" */
	const char *body;                  /* UTF-8 text, LF or CRLF line ends */
	int64_t date;                      /* Date: (Unix seconds) */
	int tz_offset;                     /* seconds east of UTC, e.g. 28800 */
	const char *domain;                /* Message-ID domain, "ecpmi.org.cn" */
};

/* Longest encoded-word written (RFC 2047 §2: 75 characters). */
#define REPLY_WORD_MAX 75
/* Enough for any Message-ID reply_message_id() writes. */
#define REPLY_MSGID_SIZE 256

/* Append the whole message to out: headers, blank line, the body as
 * canonical CRLF text in base64 lines of 76 characters. Returns 0, or -1
 * with *error_r (static text) for a bad address, a missing receipt or
 * domain, or a verdict other than accepted/rejected; out is then left
 * as it was. */
int reply_build(const struct reply_params *p, struct buf *out, const char **error_r);

/* "<HFW2026-000045.reply@ecpmi.org.cn>": derived from the receipt only,
 * so a retried send carries the same Message-ID and receiving systems
 * can recognise the duplicate. Characters outside [A-Za-z0-9._-] become
 * '_'. out is always NUL-terminated (REPLY_MSGID_SIZE is enough). */
void reply_message_id(const char *receipt, const char *domain, char *out, size_t size);

/* Append text as RFC 2047 "=?UTF-8?B?...?=" words to out, folding with
 * CRLF SP between words. col is the column out ends at (e.g. 9 after
 * "Subject: "); each word is at most REPLY_WORD_MAX characters, keeps
 * lines within 78 columns and holds whole UTF-8 characters only.
 * Returns the column after the last word. Exposed for tests. */
size_t reply_encode_words(struct buf *out, size_t col, const char *text);

/* Helpers reply_build uses, shared with digest_mail (digest-mail.c). */
/* A plain addr-spec as reply_build accepts it: printable ASCII, exactly
 * one '@' with text on both sides, no spaces, <, >, quotes, parentheses,
 * brackets, ',', ';', ':' or '\\'. */
bool reply_addr_ok(const char *addr);
/* RFC 5322 date-time of t at offset ("Tue, 28 Jul 2026 15:41:00 +0800");
 * 64 bytes of out are enough. */
void reply_date(int64_t t, int offset, char *out, size_t size);
/* Append data as base64 in lines of 76 characters, each ended by CRLF. */
void reply_base64_lines(struct buf *out, const void *data, size_t len);

#endif
