/* reply: build the reply message (see reply.h).
 *
 * Everything that came from the submission goes through one of two
 * doors: text (names, subject) is cleaned to valid UTF-8 without control
 * characters and written only as B encoded-words; tokens (addresses,
 * Message-IDs) are checked against a strict character set and refused or
 * dropped when they do not pass. Nothing from the mail is copied raw. */
#include "reply.h"

#include "xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REPLY_LINE_MAX 78        /* RFC 5322 §2.1.1 SHOULD */
#define REPLY_SUBJECT_MAX 300    /* bytes of the original subject kept */
#define REPLY_NAME_MAX 200       /* bytes of a display name kept */
#define REPLY_ID_MAX 250         /* a Message-ID longer than this is dropped */
#define REPLY_REFS_HEAD 1        /* References: keep the first id … */
#define REPLY_REFS_TAIL 8        /* … and the last ones (RFC 5322 §3.6.4 allows trimming) */

static const char reply_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void reply_base64(struct buf *out, const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		buf_putc(out, reply_b64[(v >> 18) & 63]);
		buf_putc(out, reply_b64[(v >> 12) & 63]);
		buf_putc(out, i + 1 < len ? reply_b64[(v >> 6) & 63] : '=');
		buf_putc(out, i + 2 < len ? reply_b64[v & 63] : '=');
	}
}

void reply_base64_lines(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i += 57) {
		reply_base64(out, p + i, len - i < 57 ? len - i : 57);
		buf_puts(out, "\r\n");
	}
}

/* Length of the well-formed UTF-8 sequence at s (1–4), 0 if malformed. */
static size_t reply_utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { n = 2; cp = s[0] & 0x1f; }
	else if (s[0] >= 0xe0 && s[0] <= 0xef) { n = 3; cp = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { n = 4; cp = s[0] & 0x07; }
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Append in as valid UTF-8 (bad bytes → U+FFFD, controls → space,
 * runs of blanks → one space, trimmed), at most max bytes, cut at a
 * character boundary. */
static void reply_clean_text(const char *in, size_t max, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t left = strlen(in), start = out->len;
	bool space = true;  /* drops leading blanks */

	while (left > 0) {
		size_t n = reply_utf8_len(s, left);
		const char *put = (const char *)s;
		size_t put_len = n;

		if (n == 0) {
			put = "\xef\xbf\xbd";
			put_len = 3;
			n = 1;
		} else if (s[0] < 0x20 || s[0] == 0x7f || s[0] == ' ') {
			put = space ? "" : " ";
			put_len = space ? 0 : 1;
		}
		if (out->len - start + put_len > max)
			break;
		buf_append(out, put, put_len);
		space = put_len == 1 && put[0] == ' ';
		s += n;
		left -= n;
	}
	if (out->len > start && out->data[out->len - 1] == ' ')
		buf_truncate(out, out->len - 1);
}

size_t reply_encode_words(struct buf *out, size_t col, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text);

	while (len > 0) {
		/* room for " =?UTF-8?B?" + 16 base64 chars + "?=" or fold first */
		if (col + 1 + 12 + 16 > REPLY_LINE_MAX) {
			buf_puts(out, "\r\n");
			col = 0;
		}
		size_t room = REPLY_LINE_MAX - col - 1;
		if (room > REPLY_WORD_MAX)
			room = REPLY_WORD_MAX;
		size_t b64 = (room - 12) / 4 * 4, max = b64 / 4 * 3, n = 0;
		while (n < len) {
			size_t cl = reply_utf8_len(s + n, len - n);
			if (cl == 0)
				cl = 1;
			if (n + cl > max)
				break;
			n += cl;
		}
		buf_puts(out, " =?UTF-8?B?");
		reply_base64(out, s, n);
		buf_puts(out, "?=");
		col += 1 + 12 + (n + 2) / 3 * 4;
		s += n;
		len -= n;
	}
	return col;
}

/* One token, folded onto a new line when it would pass the line limit. */
static void reply_token(struct buf *out, size_t *col, const char *tok, size_t len)
{
	if (*col + 1 + len > REPLY_LINE_MAX && *col > 1) {
		buf_puts(out, "\r\n");
		*col = 0;
	}
	buf_putc(out, ' ');
	buf_append(out, tok, len);
	*col += 1 + len;
}

/* A plain addr-spec: printable ASCII, exactly one '@' with text on both
 * sides, none of the characters that could end or bend the field. */
bool reply_addr_ok(const char *a)
{
	const char *at = strchr(a, '@');
	size_t len = strlen(a);

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    len > 254)
		return false;
	for (const char *p = a; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\",;:\\", *p) != NULL)
			return false;
	}
	return true;
}

static bool reply_atext_phrase(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == ' ' ||
		      strchr("!#$%&'*+-/=?^_`{|}~", *s) != NULL))
			return false;
	}
	return true;
}

static void reply_mailbox(struct buf *out, const char *field, const char *name,
			  const char *addr)
{
	struct buf clean = BUF_INIT;
	size_t col = strlen(field) + 1;

	buf_printf(out, "%s:", field);
	if (name != NULL)
		reply_clean_text(name, REPLY_NAME_MAX, &clean);
	if (clean.len == 0) {
		reply_token(out, &col, addr, strlen(addr));
	} else {
		if (reply_atext_phrase(buf_cstr(&clean))) {
			for (char *w = strtok(clean.data, " "); w != NULL; w = strtok(NULL, " "))
				reply_token(out, &col, w, strlen(w));
		} else {
			col = reply_encode_words(out, col, buf_cstr(&clean));
		}
		char *angle = xasprintf("<%s>", addr);
		reply_token(out, &col, angle, strlen(angle));
		free(angle);
	}
	buf_puts(out, "\r\n");
	buf_free(&clean);
}

/* The "<...>" token in s (first one), if it is a plausible Message-ID. */
static bool reply_msgid(const char *s, size_t len, const char **id_r, size_t *len_r)
{
	const char *lt = memchr(s, '<', len), *gt;

	if (lt == NULL)
		return false;
	gt = memchr(lt, '>', len - (size_t)(lt - s));
	if (gt == NULL || gt - lt < 2 || gt - lt + 1 > REPLY_ID_MAX)
		return false;
	for (const char *c = lt + 1; c < gt; c++) {
		if (*c <= ' ' || *c >= 0x7f || *c == '<')
			return false;
	}
	*id_r = lt;
	*len_r = (size_t)(gt - lt) + 1;
	return true;
}

/* References: the first id and the last REPLY_REFS_TAIL of the parent's
 * References (bad tokens skipped), then the parent's Message-ID. */
static void reply_references(struct buf *out, const char *refs, const char *id,
			     size_t id_len)
{
	struct { const char *p; size_t len; } head[REPLY_REFS_HEAD], tail[REPLY_REFS_TAIL];
	size_t nhead = 0, ntail = 0, col = strlen("References:");
	const char *s = refs != NULL ? refs : "", *end = s + strlen(s);

	while (s < end) {
		const char *lt = memchr(s, '<', (size_t)(end - s)), *tok;
		const char *gt = lt != NULL ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
		size_t tok_len;

		if (gt == NULL)
			break;
		if (reply_msgid(lt, (size_t)(gt - lt) + 1, &tok, &tok_len) &&
		    !(tok_len == id_len && memcmp(tok, id, id_len) == 0)) {
			if (nhead < REPLY_REFS_HEAD) {
				head[nhead].p = tok;
				head[nhead++].len = tok_len;
			} else {
				tail[ntail % REPLY_REFS_TAIL].p = tok;
				tail[ntail++ % REPLY_REFS_TAIL].len = tok_len;
			}
		}
		s = gt + 1;
	}
	if (nhead == 0 && id_len == 0)
		return;
	buf_puts(out, "References:");
	for (size_t i = 0; i < nhead; i++)
		reply_token(out, &col, head[i].p, head[i].len);
	size_t first = ntail > REPLY_REFS_TAIL ? ntail - REPLY_REFS_TAIL : 0;
	for (size_t i = first; i < ntail; i++)
		reply_token(out, &col, tail[i % REPLY_REFS_TAIL].p, tail[i % REPLY_REFS_TAIL].len);
	if (id_len > 0)
		reply_token(out, &col, id, id_len);
	buf_puts(out, "\r\n");
}

/* Reply and forward markers and an earlier casemail bracket, repeatedly. */
static const char *reply_strip_prefixes(const char *s)
{
	static const char *const prefixes[] = {
		"re:", "re\xef\xbc\x9a", "aw:", "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a",
		"\xe5\x9b\x9e\xe5\xa4\x8d:", "\xe7\xad\x94\xe5\xa4\x8d\xef\xbc\x9a",
		"\xe7\xad\x94\xe5\xa4\x8d:", "\xe3\x80\x80", " ", NULL,
	};
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; prefixes[i] != NULL; i++) {
			size_t n = strlen(prefixes[i]);
			if (strncasecmp(s, prefixes[i], n) == 0) {
				s += n;
				again = true;
			}
		}
		if (strncmp(s, "【已受理", strlen("【已受理")) == 0 ||
		    strncmp(s, "【请修改后重发", strlen("【请修改后重发")) == 0) {
			const char *close = strstr(s, "】");
			if (close != NULL) {
				s = close + strlen("】");
				again = true;
			}
		}
	}
	return s;
}

void reply_date(int64_t t, int offset, char *out, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t local = (time_t)(t + offset);
	int abs_off = offset < 0 ? -offset : offset;
	struct tm tm;

	gmtime_r(&local, &tm);
	snprintf(out, size, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, offset < 0 ? '-' : '+', abs_off / 3600, abs_off % 3600 / 60);
}

/* The body as canonical text (CRLF line ends) in base64 lines of 76. */
static void reply_body(struct buf *out, const char *body)
{
	struct buf canon = BUF_INIT;

	for (const char *s = body; *s != '\0'; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\r' || *s == '\n')
			buf_puts(&canon, "\r\n");
		else
			buf_putc(&canon, *s);
	}
	reply_base64_lines(out, canon.data, canon.len);
	buf_free(&canon);
}

void reply_message_id(const char *receipt, const char *domain, char *out, size_t size)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '<');
	for (const char *s = receipt; *s != '\0'; s++)
		buf_putc(&b, strchr("._-", *s) != NULL || (*s >= '0' && *s <= '9') ||
			 (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ? *s : '_');
	buf_puts(&b, ".reply@");
	for (const char *s = domain; *s != '\0'; s++)
		buf_putc(&b, strchr(".-", *s) != NULL || (*s >= '0' && *s <= '9') ||
			 (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ? *s : '_');
	buf_putc(&b, '>');
	snprintf(out, size, "%s", buf_cstr(&b));
	buf_free(&b);
}

int reply_build(const struct reply_params *p, struct buf *out, const char **error_r)
{
	struct buf subject = BUF_INIT, orig = BUF_INIT;
	char msgid[REPLY_MSGID_SIZE], date[64];
	const char *tag, *id = NULL, *stripped;
	size_t id_len = 0;

	if (p->verdict != NULL && strcmp(p->verdict, "accepted") == 0)
		tag = "【已受理 ";
	else if (p->verdict != NULL && strcmp(p->verdict, "rejected") == 0)
		tag = "【请修改后重发 ";
	else {
		*error_r = "reply: verdict must be accepted or rejected";
		return -1;
	}
	if (p->from_addr == NULL || !reply_addr_ok(p->from_addr)) {
		*error_r = "reply: bad From address";
		return -1;
	}
	if (p->to_addr == NULL || !reply_addr_ok(p->to_addr)) {
		*error_r = "reply: bad recipient address";
		return -1;
	}
	if (p->receipt == NULL || *p->receipt == '\0' || p->domain == NULL ||
	    *p->domain == '\0') {
		*error_r = "reply: receipt and domain are required";
		return -1;
	}

	buf_puts(&subject, tag);
	reply_clean_text(p->receipt, 64, &subject);
	buf_puts(&subject, "】");
	if (p->orig_subject != NULL)
		reply_clean_text(p->orig_subject, 4 * REPLY_SUBJECT_MAX, &orig);
	stripped = reply_strip_prefixes(buf_cstr(&orig));
	if (*stripped != '\0') {
		buf_puts(&subject, "回复：");
		reply_clean_text(stripped, REPLY_SUBJECT_MAX, &subject);
	}

	reply_mailbox(out, "From", p->from_name, p->from_addr);
	reply_mailbox(out, "To", p->to_name, p->to_addr);
	buf_puts(out, "Subject:");
	reply_encode_words(out, strlen("Subject:"), buf_cstr(&subject));
	buf_puts(out, "\r\n");
	reply_date(p->date, p->tz_offset, date, sizeof(date));
	buf_printf(out, "Date: %s\r\n", date);
	reply_message_id(p->receipt, p->domain, msgid, sizeof(msgid));
	buf_printf(out, "Message-ID: %s\r\n", msgid);
	if (p->orig_message_id != NULL &&
	    reply_msgid(p->orig_message_id, strlen(p->orig_message_id), &id, &id_len))
		buf_printf(out, "In-Reply-To: %.*s\r\n", (int)id_len, id);
	reply_references(out, p->orig_references, id, id_len);
	buf_puts(out, "Auto-Submitted: auto-replied\r\n"
		 "X-Auto-Response-Suppress: All\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: text/plain; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: base64\r\n"
		 "\r\n");
	reply_body(out, p->body != NULL ? p->body : "");
	buf_free(&subject);
	buf_free(&orig);
	return 0;
}
