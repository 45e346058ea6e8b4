/* digest-mail: the digest as one RFC 5322 / MIME message (see digest.h).
 *
 *   multipart/mixed
 *     multipart/alternative           html_first (else text/plain alone)
 *       text/plain; charset=UTF-8     the text rendering, base64
 *       text/html; charset=UTF-8      the HTML rendering, base64
 *     text/csv; charset=UTF-8         attachment casemail-digest-<date>.csv
 *
 * The message goes to admins, not to submitters, but is built as
 * carefully as a reply: addresses are checked with reply_addr_ok, the
 * Subject is RFC 2047 encoded-words only (reply_encode_words), bodies
 * are base64 in lines of 76, CRLF everywhere.
 *
 * Boundaries are derived from the date and the gathering time, so one
 * digest always builds to the same bytes, and contain "=_", which no
 * base64 line can: a body line is never taken for a boundary. */
#include "digest.h"

#include "reply.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DM_LINE_MAX 78
#define DM_RCPT_MAX 50

static __thread char dm_err[320];

/* FNV-1a, 64 bits: a stable, well-spread value for the boundaries. */
static uint64_t dm_hash(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool dm_date_ok(const char *s)
{
	for (size_t i = 0; i < 10; i++) {
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	}
	return s[10] == '\0';
}

/* Split "a@x, b@y" into rcpts (pointers into the copy *buf_r, which the
 * caller frees). 0, or -1 with *error_r. */
static int dm_rcpts(const char *to, char **buf_r, const char **rcpts, size_t *n_r,
		    const char **error_r)
{
	char *copy = xstrdup(to != NULL ? to : ""), *save = NULL;
	size_t n = 0;

	*buf_r = copy;
	for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
		char *end = a + strlen(a);
		while (*a == ' ' || *a == '\t')
			a++;
		while (end > a && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*a == '\0')
			continue;
		if (!reply_addr_ok(a)) {
			snprintf(dm_err, sizeof(dm_err), "digest: bad recipient address \"%.200s\"", a);
			*error_r = dm_err;
			return -1;
		}
		if (n == DM_RCPT_MAX) {
			*error_r = "digest: too many recipients";
			return -1;
		}
		rcpts[n++] = a;
	}
	if (n == 0) {
		*error_r = "digest: no recipient address";
		return -1;
	}
	*n_r = n;
	return 0;
}

/* Text with canonical CRLF line ends. */
static void dm_crlf(const struct buf *in, struct buf *out)
{
	for (size_t i = 0; i < in->len; i++) {
		if (in->data[i] == '\r' && i + 1 < in->len && in->data[i + 1] == '\n')
			continue;
		if (in->data[i] == '\r' || in->data[i] == '\n')
			buf_puts(out, "\r\n");
		else
			buf_putc(out, in->data[i]);
	}
}

static void dm_part(struct buf *out, const char *boundary, const char *headers,
		    const struct buf *body)
{
	buf_printf(out, "\r\n--%s\r\n%sContent-Transfer-Encoding: base64\r\n\r\n",
		   boundary, headers);
	reply_base64_lines(out, body->data, body->len);
}

static void dm_text_part(struct buf *out, const char *boundary, const char *type,
			 const struct buf *body)
{
	struct buf canon = BUF_INIT, hdr = BUF_INIT;

	dm_crlf(body, &canon);
	buf_printf(&hdr, "Content-Type: %s; charset=UTF-8\r\n", type);
	dm_part(out, boundary, buf_cstr(&hdr), &canon);
	buf_free(&canon);
	buf_free(&hdr);
}

int digest_mail(const struct digest *d, const struct digest_mail_params *p,
		struct buf *out, const char **error_r)
{
	const char *rcpts[DM_RCPT_MAX];
	struct buf subject = BUF_INIT, text = BUF_INIT, html = BUF_INIT, csv = BUF_INIT;
	char *rcpt_buf = NULL, date[64], mixed[64], alt[64], gen[32], name[64];
	size_t nrcpts = 0, col;
	int ret = -1;

	if (!dm_date_ok(d->date)) {
		*error_r = "digest: the date is not YYYY-MM-DD";
		goto out;
	}
	if (p->from == NULL || !reply_addr_ok(p->from)) {
		snprintf(dm_err, sizeof(dm_err), "digest: bad From address \"%.200s\"",
			 p->from != NULL ? p->from : "");
		*error_r = dm_err;
		goto out;
	}
	if (p->domain == NULL || *p->domain == '\0') {
		*error_r = "digest: a Message-ID domain is required";
		goto out;
	}
	if (dm_rcpts(p->to, &rcpt_buf, rcpts, &nrcpts, error_r) < 0)
		goto out;

	snprintf(gen, sizeof(gen), "%lld", (long long)d->generated);
	uint64_t h = dm_hash(gen, dm_hash(d->date, 0xcbf29ce484222325ULL));
	snprintf(mixed, sizeof(mixed), "=_casemail_mixed_%016llx", (unsigned long long)h);
	snprintf(alt, sizeof(alt), "=_casemail_alt_%016llx", (unsigned long long)h);
	snprintf(name, sizeof(name), "casemail-digest-%s.csv", d->date);

	buf_printf(out, "From: %s\r\nTo:", p->from);
	col = strlen("To:");
	for (size_t i = 0; i < nrcpts; i++) {
		size_t len = strlen(rcpts[i]) + (i + 1 < nrcpts);
		if (i > 0 && col + 1 + len > DM_LINE_MAX) {
			buf_puts(out, "\r\n");
			col = 0;
		}
		buf_printf(out, " %s%s", rcpts[i], i + 1 < nrcpts ? "," : "");
		col += 1 + len;
	}
	buf_puts(out, "\r\nSubject:");
	digest_subject(d, &subject);
	reply_encode_words(out, strlen("Subject:"), buf_cstr(&subject));
	reply_date(p->date, p->tz_offset, date, sizeof(date));
	buf_printf(out, "\r\nDate: %s\r\nMessage-ID: <digest-%s.%s@", date, d->date, gen);
	for (const char *s = p->domain; *s != '\0'; s++)
		buf_putc(out, isalnum((unsigned char)*s) || *s == '.' || *s == '-' ? *s : '_');
	buf_printf(out, ">\r\n"
		   "Auto-Submitted: auto-generated\r\n"
		   "X-Auto-Response-Suppress: All\r\n"
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
		   "\r\n"
		   "This is a multi-part message in MIME format.\r\n", mixed);

	digest_render_text(d, &text);
	if (p->html_first) {
		digest_render_html(d, &html);
		buf_printf(out, "\r\n--%s\r\nContent-Type: multipart/alternative;\r\n"
			   " boundary=\"%s\"\r\n", mixed, alt);
		dm_text_part(out, alt, "text/plain", &text);
		dm_text_part(out, alt, "text/html", &html);
		buf_printf(out, "\r\n--%s--\r\n", alt);
	} else {
		dm_text_part(out, mixed, "text/plain", &text);
	}
	/* the CSV is CRLF already and goes as it is: byte for byte the file */
	digest_render_csv(d, &csv);
	char *hdr = xasprintf("Content-Type: text/csv; charset=UTF-8; name=\"%s\"\r\n"
			      "Content-Disposition: attachment; filename=\"%s\"\r\n", name, name);
	dm_part(out, mixed, hdr, &csv);
	free(hdr);
	buf_printf(out, "\r\n--%s--\r\n", mixed);
	ret = 0;
out:
	free(rcpt_buf);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	buf_free(&csv);
	return ret;
}
