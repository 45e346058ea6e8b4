/* Tests for reply: build a reply, parse it back with message.h and check
 * every header, the body, the folding of long Chinese subjects and that
 * hostile names, subjects and ids cannot add header fields. */
#include "charset.h"
#include "datetime.h"
#include "decode.h"
#include "message.h"
#include "reply.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY "您好！\n\n您的材料已收到，回执号 HFW2026-000045。\n" \
	     "照片 3 张（4000×3000，2.1 MB）。\n.\n以点开头的一行\n" \
	     "中国物业管理协会\n"

static struct reply_params test_reply_params(void)
{
	struct reply_params p = {
		.from_addr = "wylzzh@ecpmi.org.cn",
		.from_name = "好服务案例征集",
		.to_addr = "zhangsan@example.com",
		.to_name = "张三",
		.orig_subject = "好服务案例申报：阳光花园+暖心服务",
		.orig_message_id = "<tencent_ABC123@qq.com>",
		.orig_references = "<first@qq.com>\r\n <second@qq.com>",
		.receipt = "HFW2026-000045",
		.verdict = "accepted",
		.body = BODY,
		.date = 1785224460,  /* 2026-07-28 15:41:00 +0800 */
		.tz_offset = 28800,
		.domain = "ecpmi.org.cn",
	};
	return p;
}

static char *test_crlf(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_putc(&b, '\r');
		buf_putc(&b, *s);
	}
	return buf_steal(&b);
}

/* Build p, parse it; the caller frees both. */
static struct message *test_reply_parse(const struct reply_params *p, struct buf *out)
{
	struct message *msg = NULL;
	const char *error;

	if (!test_assert(reply_build(p, out, &error) == 0))
		return NULL;
	if (!test_assert(message_open_buf(out->data, out->len, NULL, &msg, &error) == 0))
		return NULL;
	return msg;
}

static void test_assert_header(const struct message *msg, const char *name,
			       const char *want)
{
	char *got = message_header_decoded(msg, NULL, name);

	if (!test_assert_str(got, want))
		printf("# header %s\n", name);
	free(got);
}

/* Every header line ends in CRLF and fits 78 columns; no bare CR or LF. */
static bool test_reply_lines_ok(const struct buf *b)
{
	const char *end = strstr(b->data, "\r\n\r\n");
	size_t col = 0;

	for (const char *s = b->data; s < end + 2; s++) {
		if (*s == '\r') {
			if (s[1] != '\n')
				return false;
			s++;
			col = 0;
		} else if (*s == '\n') {
			return false;
		} else if (++col > 78) {
			return false;
		}
	}
	for (const char *s = end + 4; *s != '\0'; s++) {
		if ((*s == '\r') != (s[1] == '\n'))
			return false;
		if (*s == '\r')
			s++;
	}
	return true;
}

static void test_reply_headers(void)
{
	struct reply_params p = test_reply_params();
	struct buf out = BUF_INIT, text = BUF_INIT;
	struct message *msg;
	const char *v;
	size_t len;
	int64_t t;

	test_begin("reply headers and body round-trip through message.h");
	msg = test_reply_parse(&p, &out);
	if (msg == NULL)
		goto out;
	test_assert_header(msg, "From", "好服务案例征集 <wylzzh@ecpmi.org.cn>");
	test_assert_header(msg, "To", "张三 <zhangsan@example.com>");
	test_assert_header(msg, "Subject",
			   "【已受理 HFW2026-000045】回复：好服务案例申报：阳光花园+暖心服务");
	test_assert_header(msg, "Date", "Tue, 28 Jul 2026 15:41:00 +0800");
	test_assert_header(msg, "Message-ID", "<HFW2026-000045.reply@ecpmi.org.cn>");
	test_assert_header(msg, "In-Reply-To", "<tencent_ABC123@qq.com>");
	test_assert_header(msg, "References",
			   "<first@qq.com> <second@qq.com> <tencent_ABC123@qq.com>");
	test_assert_header(msg, "Auto-Submitted", "auto-replied");
	test_assert_header(msg, "X-Auto-Response-Suppress", "All");
	test_assert_header(msg, "MIME-Version", "1.0");
	test_assert_header(msg, "Content-Type", "text/plain; charset=UTF-8");
	test_assert_header(msg, "Content-Transfer-Encoding", "base64");
	test_assert(!message_header(msg, NULL, "Precedence", &v, &len));
	test_assert(message_header(msg, NULL, "Date", &v, &len));
	test_assert(datetime_parse_rfc5322(v, len, &t) == 0 && t == p.date);
	/* the raw From: name is one encoded-word, the address plain */
	test_assert(strstr(out.data, "From: =?UTF-8?B?") == out.data);
	test_assert(test_reply_lines_ok(&out));

	test_assert_int(msg->nparts, 1);
	test_assert_str(msg->parts[0].type, "text/plain");
	test_assert(msg->parts[0].encoding == MESSAGE_ENC_BASE64);
	message_part_text(msg, &msg->parts[0], 1 << 20, &text);
	/* canonical CRLF text, otherwise byte for byte */
	char *want = test_crlf(BODY);
	test_assert_str(buf_cstr(&text), want);
	free(want);
	/* base64 lines of 76 */
	const char *body = strstr(out.data, "\r\n\r\n") + 4;
	test_assert_int(strchr(body, '\r') - body, 76);
out:
	message_free(&msg);
	buf_free(&out);
	buf_free(&text);
	test_end();
}

/* Split a raw Subject: value into its encoded-words, check each and
 * return the decoded concatenation (malloc'd), or NULL. */
static char *test_reply_words(const char *v, size_t len, size_t *nwords_r)
{
	struct buf all = BUF_INIT;
	char *copy = xstrndup(v, len);
	bool ok = true;

	*nwords_r = 0;
	for (char *w = strtok(copy, " \t\r\n"); w != NULL; w = strtok(NULL, " \t\r\n")) {
		struct buf one = BUF_INIT;
		size_t wl = strlen(w);

		ok &= test_assert(wl <= REPLY_WORD_MAX);
		ok &= test_assert(strncmp(w, "=?UTF-8?B?", 10) == 0 && wl > 12 &&
				  strcmp(w + wl - 2, "?=") == 0);
		decode_base64_buf(w + 10, wl - 12, &one);
		/* whole characters in every word */
		ok &= test_assert(one.len > 0 && charset_is_utf8(one.data, one.len));
		buf_append(&all, one.data, one.len);
		buf_free(&one);
		(*nwords_r)++;
	}
	free(copy);
	if (!ok) {
		buf_free(&all);
		return NULL;
	}
	return buf_steal(&all);
}

static void test_reply_long_subject(void)
{
	static const char orig[] =
		"关于报送2026年度物业服务行业“好服务”案例的函——江苏省物业管理行业协会"
		"汇总第二批（含南京、苏州、无锡、常州、南通、扬州等市共计十八个案例）";
	struct reply_params p = test_reply_params();
	struct buf out = BUF_INIT, want = BUF_INIT;
	struct message *msg;
	const char *v;
	size_t len, nwords;
	char *got;

	test_begin("reply long Chinese subject folds into encoded-words on character boundaries");
	p.verdict = "rejected";
	p.orig_subject = orig;
	msg = test_reply_parse(&p, &out);
	if (msg == NULL)
		goto out;
	buf_puts(&want, "【请修改后重发 HFW2026-000045】回复：");
	buf_puts(&want, orig);
	test_assert(message_header(msg, NULL, "Subject", &v, &len));
	got = test_reply_words(v, len, &nwords);
	test_assert_str(got, buf_cstr(&want));
	test_assert(nwords >= 5);
	free(got);
	test_assert_header(msg, "Subject", buf_cstr(&want));
	test_assert(test_reply_lines_ok(&out));

	/* the encoder itself, at odd start columns and with 4-byte characters */
	for (size_t col = 0; col < 70; col += 7) {
		static const char mixed[] = "a😀中文b😀😀ccc中😀d中文中文中文😀😀😀😀中文中文中文x";
		struct buf enc = BUF_INIT;
		size_t end = reply_encode_words(&enc, col, mixed), c = col;

		for (const char *s = enc.data; *s != '\0'; s++) {
			c = *s == '\n' ? 0 : *s == '\r' ? c : c + 1;
			test_assert(c <= 78);
		}
		test_assert_int(end, c);
		got = test_reply_words(enc.data, enc.len, &nwords);
		test_assert_str(got, mixed);
		free(got);
		buf_free(&enc);
	}
out:
	message_free(&msg);
	buf_free(&out);
	buf_free(&want);
	test_end();
}

static void test_reply_subject_forms(void)
{
	static const struct { const char *verdict, *orig, *want; } cases[] = {
		{ "accepted", NULL, "【已受理 HFW2026-000045】" },
		{ "accepted", "  ", "【已受理 HFW2026-000045】" },
		{ "rejected", "Re: 申报", "【请修改后重发 HFW2026-000045】回复：申报" },
		{ "accepted", "回复：【请修改后重发 HFW2026-000044】回复：阳光花园",
		  "【已受理 HFW2026-000045】回复：阳光花园" },
		{ "accepted", "RE：答复:\t案例", "【已受理 HFW2026-000045】回复：案例" },
		{ "accepted", "案例\xff申报", "【已受理 HFW2026-000045】回复：案例\xef\xbf\xbd申报" },
	};
	struct reply_params p = test_reply_params();
	const char *error;

	test_begin("reply subject: verdict prefix, reply markers taken off, no subject");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		struct message *msg;

		p.verdict = cases[i].verdict;
		p.orig_subject = cases[i].orig;
		msg = test_reply_parse(&p, &out);
		if (msg != NULL)
			test_assert_header(msg, "Subject", cases[i].want);
		message_free(&msg);
		buf_free(&out);
	}

	/* cut at 300 bytes, on a character boundary */
	struct buf out = BUF_INIT, longsub = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_puts(&longsub, "长");
	p.verdict = "accepted";
	p.orig_subject = buf_cstr(&longsub);
	struct message *msg = test_reply_parse(&p, &out);
	if (msg != NULL) {
		char *s = message_header_decoded(msg, NULL, "Subject");
		const char *tail = strstr(s, "回复：") + strlen("回复：");
		test_assert_int(strlen(tail), 300);
		test_assert(charset_is_utf8(s, strlen(s)));
		free(s);
	}
	message_free(&msg);
	buf_free(&out);
	buf_free(&longsub);

	p.verdict = "ignored";
	test_assert_int(reply_build(&p, &out, &error), -1);
	test_assert_int(out.len, 0);
	test_end();
}

static void test_reply_hostile(void)
{
	static const char *const bad_addrs[] = {
		"a@b.c\r\nBcc: victim@evil.example", "a b@c.d", "<a@b.c>", "ab.c", "a@b@c",
		"a@b.c>, evil@x.y", "\"a\"@b.c", "",
	};
	static const char *const allowed[] = {
		"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
		"Auto-Submitted", "X-Auto-Response-Suppress", "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding",
	};
	struct reply_params p = test_reply_params();
	struct buf out = BUF_INIT;
	struct message *msg;
	const char *error, *name, *value;
	size_t pos = 0, name_len, value_len, n = 0;

	test_begin("reply: hostile names, subjects and ids add no header fields");
	p.to_name = "Evil\r\nBcc: victim@evil.example\r\n";
	p.orig_subject = "hi\r\nBcc: victim@evil.example\r\n\r\nbody";
	p.orig_message_id = "<x@y>\r\nBcc: victim@evil.example";
	p.orig_references = "<a@b>\r\nBcc: victim@evil.example <c d@e> <f@g>\n<>";
	msg = test_reply_parse(&p, &out);
	if (msg == NULL)
		goto out;
	while (message_header_next(msg, NULL, &pos, &name, &name_len, &value, &value_len)) {
		bool known = false;
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			known |= strlen(allowed[i]) == name_len &&
				 strncmp(allowed[i], name, name_len) == 0;
		if (!test_assert(known))
			printf("# unexpected header %.*s\n", (int)name_len, name);
		n++;
	}
	test_assert_int(n, sizeof(allowed) / sizeof(allowed[0]));
	test_assert_header(msg, "To", "Evil Bcc: victim@evil.example <zhangsan@example.com>");
	test_assert_header(msg, "Subject", "【已受理 HFW2026-000045】回复：hi Bcc: victim@evil.example body");
	test_assert_header(msg, "In-Reply-To", "<x@y>");
	test_assert_header(msg, "References", "<a@b> <f@g> <x@y>");
	test_assert(test_reply_lines_ok(&out));
	message_free(&msg);

	for (size_t i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		buf_truncate(&out, 0);
		p = test_reply_params();
		p.to_addr = bad_addrs[i];
		test_assert_int(reply_build(&p, &out, &error), -1);
		p = test_reply_params();
		p.from_addr = bad_addrs[i];
		test_assert_int(reply_build(&p, &out, &error), -1);
		test_assert_int(out.len, 0);
	}
out:
	message_free(&msg);
	buf_free(&out);
	test_end();
}

static void test_reply_ids(void)
{
	struct reply_params p = test_reply_params();
	struct buf refs = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	struct message *msg;
	char id[REPLY_MSGID_SIZE];

	test_begin("reply Message-ID from the receipt, References trimmed, no parent id");
	reply_message_id("HFW2026-000045", "ecpmi.org.cn", id, sizeof(id));
	test_assert_str(id, "<HFW2026-000045.reply@ecpmi.org.cn>");
	reply_message_id("A B>\r\n", "ex ample.org>", id, sizeof(id));
	test_assert_str(id, "<A_B___.reply@ex_ample.org_>");
	reply_message_id("HFW2026-000045", "ecpmi.org.cn", id, 10);
	test_assert_str(id, "<HFW2026-");

	for (int i = 0; i < 20; i++)
		buf_printf(&refs, "<r%d@qq.com> ", i);
	buf_puts(&want, "<r0@qq.com>");
	for (int i = 12; i < 20; i++)
		buf_printf(&want, " <r%d@qq.com>", i);
	buf_puts(&want, " <tencent_ABC123@qq.com>");
	p.orig_references = buf_cstr(&refs);
	msg = test_reply_parse(&p, &out);
	if (msg != NULL)
		test_assert_header(msg, "References", buf_cstr(&want));
	test_assert(test_reply_lines_ok(&out));
	message_free(&msg);

	/* no Message-ID and no References in the submission: neither header */
	buf_truncate(&out, 0);
	p.orig_message_id = NULL;
	p.orig_references = NULL;
	p.from_name = NULL;
	p.to_name = "Zhang San";
	msg = test_reply_parse(&p, &out);
	if (msg != NULL) {
		const char *v;
		size_t len;
		test_assert(!message_header(msg, NULL, "In-Reply-To", &v, &len));
		test_assert(!message_header(msg, NULL, "References", &v, &len));
		test_assert_header(msg, "From", "wylzzh@ecpmi.org.cn");
		test_assert_header(msg, "To", "Zhang San <zhangsan@example.com>");
	}
	test_assert(strstr(out.data, "\r\nTo: Zhang San <zhangsan@example.com>\r\n") != NULL);
	message_free(&msg);
	buf_free(&refs);
	buf_free(&out);
	buf_free(&want);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_reply_headers,
		test_reply_long_subject,
		test_reply_subject_forms,
		test_reply_hostile,
		test_reply_ids,
		NULL,
	};
	return test_run(tests);
}
