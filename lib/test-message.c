/* Tests for message: MIME tree, roles, names, headers, body decoding. */
#include "message.h"
#include "buf.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A mail in the shape QQ Mail and Outlook produce, with an inline image,
 * a forwarded mail and a last part without its closing boundary. */
static const char mail1[] =
	"Received: from mx.qq.com by mail.ecpmi.org.cn; Tue, 28 Jul 2026 15:40:02 +0800\r\n"
	"From: =?gb18030?B?1cXI/Q==?= <zhangsan@qq.com>\r\n"
	"To: wylzzh@ecpmi.org.cn\r\n"
	"Subject: =?gb18030?B?usO3/s7xsLjA/Q==?=\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed;\r\n\tboundary=\"----=_NextPart_A\"\r\n"
	"\r\n"
	"This is a multi-part message in MIME format.\r\n"
	"------=_NextPart_A\r\n"
	"Content-Type: multipart/related; boundary=\"----=_NextPart_B\"\r\n"
	"\r\n"
	"------=_NextPart_B\r\n"
	"Content-Type: text/html; charset=\"gb18030\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"PGltZyBzcmM9ImNpZDpsb2dvQHFxIj7E+rrD\r\n"
	"------=_NextPart_B\r\n"
	"Content-Type: image/png; name=\"logo.png\"\r\n"
	"Content-ID: <logo@qq>\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"iVBORw0KGgo=\r\n"
	"------=_NextPart_B--\r\n"
	"\r\n"
	"------=_NextPart_A\r\n"
	"Content-Type: application/octet-stream;\r\n\tname=\"=?gb18030?B?0fS54i5kb2M=?=\"\r\n"
	"Content-Disposition: attachment; filename=\"=?gb18030?B?0fS54i5kb2M=?=\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"0M8R4KGx\r\n"
	"GuE=\r\n"
	"------=_NextPart_A\r\n"
	"Content-Type: message/rfc822\r\n"
	"Content-Disposition: attachment\r\n"
	"\r\n"
	"Subject: inner\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"inner body\r\n"
	"------=_NextPart_A\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Disposition: attachment; filename*=UTF-8''%E8%AF%B4%E6%98%8E.txt\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=C3=A9 no closing boundary\r\n";

static struct message *open_mail(const char *data)
{
	struct message *msg = NULL;
	const char *error;

	if (message_open_buf(data, strlen(data), NULL, &msg, &error) < 0)
		printf("# open failed: %s\n", error);
	return msg;
}

static void test_message_tree(void)
{
	static const struct {
		const char *section, *type, *filename;
		enum message_role role;
	} want[] = {
		{ "", "multipart/mixed", NULL, MESSAGE_ROLE_CONTAINER },
		{ "1", "multipart/related", NULL, MESSAGE_ROLE_CONTAINER },
		{ "1.1", "text/html", NULL, MESSAGE_ROLE_BODY },
		{ "1.2", "image/png", "logo.png", MESSAGE_ROLE_INLINE },
		{ "2", "application/octet-stream", "阳光.doc", MESSAGE_ROLE_ATTACHMENT },
		{ "3", "message/rfc822", NULL, MESSAGE_ROLE_ATTACHMENT },
		{ "4", "text/plain", "说明.txt", MESSAGE_ROLE_ATTACHMENT },
	};
	struct message *msg = open_mail(mail1);

	test_begin("message tree, roles and names");
	if (!test_assert(msg != NULL)) {
		test_end();
		return;
	}
	test_assert_int(msg->nparts, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < msg->nparts && i < sizeof(want) / sizeof(want[0]); i++) {
		const struct message_part *p = &msg->parts[i];
		test_assert_str(p->section, want[i].section);
		test_assert_str(p->type, want[i].type);
		test_assert_str(p->filename, want[i].filename);
		test_assert_int(p->role, want[i].role);
	}
	test_assert_str(msg->parts[3].content_id, "logo@qq");
	test_assert_int(msg->parts[4].encoding, MESSAGE_ENC_BASE64);
	test_assert_int(msg->parts[6].encoding, MESSAGE_ENC_QP);
	test_assert(!msg->truncated);
	message_free(&msg);
	test_assert(msg == NULL);
	test_end();
}

static void test_message_headers(void)
{
	struct message *msg = open_mail(mail1);
	const char *v;
	size_t len;
	char *s;

	test_begin("message headers");
	s = message_header_decoded(msg, NULL, "subject");
	test_assert_str(s, "好服务案例");
	free(s);
	s = message_header_decoded(msg, NULL, "From");
	test_assert_str(s, "张三 <zhangsan@qq.com>");
	free(s);
	test_assert(message_header(msg, NULL, "Content-Type", &v, &len));
	test_assert(len > 0 && memmem(v, len, "NextPart_A", 10) != NULL);
	test_assert(!message_header(msg, NULL, "X-Missing", &v, &len));
	test_assert(message_header(msg, &msg->parts[4], "content-disposition", &v, &len));
	test_end();
	message_free(&msg);
}

static void test_message_bodies(void)
{
	struct message *msg = open_mail(mail1);
	struct buf out = BUF_INIT;

	test_begin("message body decoding");
	test_assert_int(message_part_decode(msg, &msg->parts[4], decode_sink_buf, &out), 0);
	test_assert_int(out.len, 8);
	test_assert(memcmp(out.data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0);
	buf_truncate(&out, 0);
	message_part_text(msg, &msg->parts[2], 1 << 20, &out);
	test_assert_str(buf_cstr(&out), "<img src=\"cid:logo@qq\">您好");
	buf_truncate(&out, 0);
	message_part_text(msg, &msg->parts[6], 1 << 20, &out);
	test_assert_str(buf_cstr(&out), "café no closing boundary");
	buf_truncate(&out, 0);
	/* the attached mail is handed over raw, to be opened as a message */
	test_assert_int(message_part_decode(msg, &msg->parts[5], decode_sink_buf, &out), 0);
	test_assert(strncmp(buf_cstr(&out), "Subject: inner\r\n", 16) == 0);
	buf_free(&out);
	message_free(&msg);
	test_end();
}

static void test_message_degenerate(void)
{
	static const char *mails[] = {
		"no header at all, just text\n",
		"Subject: x\n\n",
		"Content-Type: multipart/mixed; boundary=zz\n\n--zz\n",
		"Content-Type: multipart/mixed; boundary=zz\n\nno parts here\n",
		"Content-Type: multipart/mixed\n\n--zz\nContent-Type: text/plain\n\nx\n",
	};

	test_begin("message degenerate inputs parse");
	for (size_t i = 0; i < sizeof(mails) / sizeof(mails[0]); i++) {
		struct message *msg = open_mail(mails[i]);
		test_assert(msg != NULL && msg->nparts >= 1);
		message_free(&msg);
	}
	test_end();
}

static void test_message_part_limit(void)
{
	struct buf m = BUF_INIT;
	struct message_limits lim = { .max_parts = 20 };
	struct message *msg = NULL;
	const char *error;

	test_begin("message part limit");
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (int i = 0; i < 100; i++)
		buf_printf(&m, "--b\r\nContent-Type: application/pdf; name=%d.pdf\r\n\r\nx\r\n", i);
	buf_puts(&m, "--b--\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert_int(msg->nparts, 20);
	test_assert(msg->truncated);
	test_assert_str(msg->limit, "parts");
	message_free(&msg);
	buf_free(&m);
	test_end();
}

static void test_message_deep_nesting(void)
{
	struct buf m = BUF_INIT;
	struct message_limits lim = { .max_multiparts = 100 };
	struct message *msg = NULL;
	const char *error;

	test_begin("message refuses deep nesting before libetpan sees it");
	buf_puts(&m, "Subject: deep\r\n");
	for (int i = 0; i < 101; i++)
		buf_printf(&m, "Content-Type: Multipart/Mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
	buf_puts(&m, "Content-Type: text/plain\r\n\r\nx\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert_int(msg->nparts, 1);
	test_assert(msg->truncated);
	message_free(&msg);
	/* one level less is parsed, down to the depth limit */
	lim.max_multiparts = 101;
	lim.max_depth = 30;
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert_int(msg->nparts, 31);
	test_assert(msg->truncated);
	message_free(&msg);
	buf_free(&m);
	test_end();
}

/* Header limits: what libetpan would keep is counted before it parses. */
static void test_message_header_limits(void)
{
	struct message_limits lim = { .max_header_fields = 50, .max_header_bytes = 4096 };
	struct message *msg = NULL;
	struct buf m = BUF_INIT;
	const char *error, *v;
	size_t len;

	test_begin("message header limits: fields, bytes, boundary lines");
	/* 40 fields on top and 9 in an attached mail's header: within 50 */
	buf_puts(&m, "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n");
	for (int i = 0; i < 38; i++)
		buf_printf(&m, "X-F%d: v\r\n", i);
	buf_puts(&m, "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n");
	for (int i = 0; i < 8; i++)
		buf_printf(&m, "X-I%d: v\r\n", i);
	buf_puts(&m, "\r\nbody: with a colon\r\nand: another\r\n--b--\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(!msg->truncated);
	test_assert_int(msg->nparts, 2);
	message_free(&msg);
	/* two fields more in the attached mail's header: over, not parsed */
	buf_truncate(&m, 0);
	buf_puts(&m, "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n");
	for (int i = 0; i < 38; i++)
		buf_printf(&m, "X-F%d: v\r\n", i);
	buf_puts(&m, "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n");
	for (int i = 0; i < 10; i++)
		buf_printf(&m, "X-I%d: v\r\n", i);
	buf_puts(&m, "\r\nbody\r\n--b--\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(msg->truncated);
	test_assert_int(msg->nparts, 1);
	test_assert_str(msg->limit, "header fields");
	test_assert(message_header(msg, NULL, "Subject", &v, &len) && len == 1);
	message_free(&msg);
	/* lines with a colon in a body (not after a boundary) are no fields */
	buf_truncate(&m, 0);
	buf_puts(&m, "Subject: x\r\nContent-Type: text/plain\r\n\r\n");
	for (int i = 0; i < 500; i++)
		buf_printf(&m, "2026-07-28,10:%02d,log\r\n", i % 60);
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(!msg->truncated);
	message_free(&msg);
	/* a header block over max_header_bytes: not parsed, the header cut */
	buf_truncate(&m, 0);
	buf_puts(&m, "Subject: x\r\nX-Long: ");
	for (int i = 0; i < 5000; i++)
		buf_putc(&m, 'a');
	buf_puts(&m, "\r\nX-After: y\r\n\r\nbody\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(msg->truncated);
	test_assert_str(msg->limit, "header bytes");
	test_assert_int(msg->nparts, 1);
	test_assert(msg->parts[0].hdr_len == 4096);
	test_assert(message_header(msg, NULL, "Subject", &v, &len));
	test_assert(!message_header(msg, NULL, "X-After", &v, &len));
	message_free(&msg);
	/* the same for a part's header (folded lines count), not for its body */
	buf_truncate(&m, 0);
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
		 "Content-Type: text/plain\r\n\r\n");
	for (int i = 0; i < 100; i++)
		buf_puts(&m, "a body line of text, a hundred of them: longer than the limit\r\n");
	buf_puts(&m, "--b\r\nContent-Type: application/pdf;\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(!msg->truncated);
	message_free(&msg);
	for (int i = 0; i < 100; i++)
		buf_puts(&m, "\tname*0=\"a folded parameter, a hundred of them\";\r\n");
	buf_puts(&m, "\r\nx\r\n--b--\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(msg->truncated);
	test_assert_str(msg->limit, "header bytes");
	message_free(&msg);
	/* more than ten times max_parts lines starting with "--" */
	lim = (struct message_limits){ .max_parts = 20 };
	buf_truncate(&m, 0);
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (int i = 0; i < 210; i++)
		buf_puts(&m, "--b\r\n\r\nx\r\n");
	buf_puts(&m, "--b--\r\n");
	test_assert_int(message_open_buf(m.data, m.len, &lim, &msg, &error), 0);
	test_assert(msg->truncated);
	test_assert_int(msg->nparts, 1);
	test_assert_str(msg->limit, "parts");
	message_free(&msg);
	buf_free(&m);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_message_tree, test_message_headers, test_message_bodies,
		test_message_degenerate, test_message_part_limit,
		test_message_deep_nesting, test_message_header_limits, NULL
	};
	return test_run(tests);
}
