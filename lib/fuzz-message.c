/* libFuzzer target for message: any bytes as a mail (docs/fuzzing.md).
 *
 * Feeds: the input to message_open_buf() with the production limits
 * (NULL: 10,000 parts, depth 50, 1,000 multiparts); walks every part,
 * decodes every body to a counting sink (capped at 4 MiB) and every text
 * part to UTF-8, looks up and decodes the usual header fields, iterates
 * all header fields, and opens an attached message/rfc822 as a mail of
 * its own (as extraction does), two levels deep.
 *
 * Asserts beyond "no crash":
 *  - the tree: part 0 is the top (parent -1, depth 0), every other
 *    part's parent comes before it, is a container, and is one level up;
 *    header blocks and bodies lie inside the mail's bytes;
 *  - part fields: type lowercased with a '/', filename / content_id
 *    non-empty, filename well-formed UTF-8, section a C string;
 *  - decoding: identity gives exactly body_len bytes, quoted-printable
 *    at most body_len, base64 at most body_len * 3 / 4 + 3; the sink is
 *    called with at most DECODE_CHUNK bytes at a time;
 *  - message_part_text() and message_header_decoded() give well-formed
 *    UTF-8 (decoded headers also trimmed of blanks), never more text
 *    than max allows for;
 *  - header iteration stays in the header block and moves forward, field
 *    names have no ':', and message_header() finds the first field of a
 *    name that the iteration finds. */
#include "fuzz-common.h"
#include "buf.h"
#include "charset.h"
#include "decode.h"
#include "message.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SINK_CAP (4u << 20)

struct count_sink {
	size_t n;
	struct buf *keep;      /* message/rfc822: keep the bytes */
};

static int count_sink(void *ctx, const void *data, size_t len)
{
	struct count_sink *c = ctx;

	FUZZ_CHECK(len <= DECODE_CHUNK);
	c->n += len;
	if (c->keep != NULL)
		buf_append(c->keep, data, len);
	return c->n > SINK_CAP ? -1 : 0;
}

static bool inside(const struct message *msg, const char *p, size_t len)
{
	return p >= msg->data && p <= msg->data + msg->len &&
	       len <= (size_t)(msg->data + msg->len - p);
}

static void check_utf8_trimmed(char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	FUZZ_CHECK(charset_is_utf8(s, n));
	FUZZ_CHECK(n == 0 || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' &&
			      s[n - 1] != '\t'));
	free(s);
}

static void check_headers(const struct message *msg, const struct message_part *part)
{
	static const char *const names[] = {
		"Subject", "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To",
		"Content-Type", "Content-Disposition", "Auto-Submitted", "Received",
	};
	const char *h = part != NULL ? part->hdr : msg->nparts > 0 ? msg->parts[0].hdr : msg->data;
	size_t hlen = part != NULL ? part->hdr_len :
		      msg->nparts > 0 ? msg->parts[0].hdr_len : msg->len;
	size_t pos = 0, prev = 0, fields = 0;
	const char *name, *value;
	size_t nlen, vlen;

	while (message_header_next(msg, part, &pos, &name, &nlen, &value, &vlen)) {
		FUZZ_CHECK(pos > prev && pos <= hlen);
		prev = pos;
		FUZZ_CHECK(name >= h && name + nlen <= h + hlen);
		FUZZ_CHECK(value >= h && value + vlen <= h + hlen);
		FUZZ_CHECK(memchr(name, ':', nlen) == NULL);
		FUZZ_CHECK(++fields <= hlen);
		if (nlen > 0 && nlen < 40) {
			char key[40];
			const char *v2;
			size_t l2;
			memcpy(key, name, nlen);
			key[nlen] = '\0';
			if (memchr(key, '\0', nlen) == NULL) {
				FUZZ_CHECK(message_header(msg, part, key, &v2, &l2));
				FUZZ_CHECK(v2 <= value); /* the first such field */
			}
		}
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v;
		size_t l;
		if (message_header(msg, part, names[i], &v, &l))
			FUZZ_CHECK(v >= h && v + l <= h + hlen);
		check_utf8_trimmed(message_header_decoded(msg, part, names[i]));
	}
}

static void check_message(const char *data, size_t size, unsigned level);

static void check_part(const struct message *msg, size_t i, unsigned level)
{
	const struct message_part *p = &msg->parts[i];
	struct count_sink c = { 0, NULL };
	struct buf inner = BUF_INIT;

	if (i == 0) {
		FUZZ_CHECK(p->parent == -1 && p->depth == 0);
	} else {
		FUZZ_CHECK(p->parent >= 0 && (size_t)p->parent < i);
		FUZZ_CHECK(msg->parts[p->parent].role == MESSAGE_ROLE_CONTAINER);
		FUZZ_CHECK(p->depth == msg->parts[p->parent].depth + 1);
	}
	FUZZ_CHECK(memchr(p->section, '\0', sizeof(p->section)) != NULL);
	FUZZ_CHECK(p->hdr != NULL ? inside(msg, p->hdr, p->hdr_len) : p->hdr_len == 0);
	FUZZ_CHECK(p->body != NULL ? inside(msg, p->body, p->body_len) : p->body_len == 0);
	FUZZ_CHECK(p->type != NULL && strchr(p->type, '/') != NULL);
	for (const char *t = p->type; *t != '\0'; t++)
		FUZZ_CHECK(!(*t >= 'A' && *t <= 'Z'));
	if (p->filename != NULL)
		FUZZ_CHECK(p->filename[0] != '\0' &&
			   charset_is_utf8(p->filename, strlen(p->filename)));
	if (p->content_id != NULL)
		FUZZ_CHECK(p->content_id[0] != '\0');
	FUZZ_CHECK(p->role <= MESSAGE_ROLE_ATTACHMENT);
	FUZZ_CHECK(strcmp(message_role_name(p->role), "?") != 0);

	if (p->role == MESSAGE_ROLE_ATTACHMENT && strcmp(p->type, "message/rfc822") == 0 &&
	    level < 2)
		c.keep = &inner;
	if (message_part_decode(msg, p, count_sink, &c) == 0) {
		switch (p->encoding) {
		case MESSAGE_ENC_IDENTITY:
			FUZZ_CHECK(c.n == p->body_len);
			break;
		case MESSAGE_ENC_QP:
			FUZZ_CHECK(c.n <= p->body_len);
			break;
		case MESSAGE_ENC_BASE64:
			FUZZ_CHECK(c.n <= p->body_len / 4 * 3 + 3);
			break;
		}
	}
	if (p->role == MESSAGE_ROLE_BODY || strncmp(p->type, "text/", 5) == 0) {
		struct buf text = BUF_INIT;
		size_t max = 1 + i % 4096;
		message_part_text(msg, p, max, &text);
		FUZZ_CHECK(charset_is_utf8(text.data != NULL ? text.data : "", text.len));
		FUZZ_CHECK(text.len <= 16 * max);
		buf_free(&text);
	}
	check_headers(msg, p);
	if (c.keep != NULL && inner.len > 0 && c.n <= SINK_CAP)
		check_message(inner.data, inner.len, level + 1);
	buf_free(&inner);
}

static void check_message(const char *data, size_t size, unsigned level)
{
	struct message *msg = NULL;
	const char *error = NULL;

	if (message_open_buf(data, size, NULL, &msg, &error) < 0) {
		FUZZ_CHECK(msg == NULL && error != NULL && error[0] != '\0');
		return;
	}
	FUZZ_CHECK(msg != NULL && msg->data == data && msg->len == size);
	FUZZ_CHECK(msg->nparts <= 10000);
	check_headers(msg, NULL);
	for (size_t i = 0; i < msg->nparts; i++)
		check_part(msg, i, level);
	message_free(&msg);
	FUZZ_CHECK(msg == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy, exactly size bytes: reads past the end are caught */
	char *copy = malloc(size ? size : 1);

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	check_message(copy, size, 0);
	free(copy);
	return 0;
}
