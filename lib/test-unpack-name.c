/* Tests for unpack's names: unpack_name_clean(), and names as they come
 * out of real archives: zips with the UTF-8 flag, GBK zips without it,
 * macOS zips (UTF-8 without it), 7z, tar, and hand-made RAR 4 (GBK name)
 * and RAR 5 (UTF-8 name, an encryption record that libarchive 3.6 does
 * not report) archives, since no free tool writes RAR. */
#include "unpack.h"
#include "unpack-name.h"
#include "unpack-testkit.h"
#include "fsutil.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_U "阳光花园小区+垃圾分类新模式.docx"
#define NAME_G "\xd1\xf4\xb9\xe2\xbb\xa8\xd4\xb0\xd0\xa1\xc7\xf8+\xc0\xac\xbb\xf8" \
	"\xb7\xd6\xc0\xe0\xd0\xc2\xc4\xa3\xca\xbd.docx"  /* the same in GBK */
#define DIR_G "\xb9\xab\xcb\xbe"                      /* 公司 in GBK */

static void test_unpack_name_clean(void)
{
	static const struct { const char *raw, *path, *unsafe; } cases[] = {
		{ "a/b.txt", "a/b.txt", NULL },
		{ "./a//b/./c", "a/b/c", NULL },
		{ "dir\\sub\\x.doc", "dir/sub/x.doc", NULL },
		{ DIR_G "\\" NAME_G, "公司/" NAME_U, NULL },
		{ "a\nb\x7f", "a?b?", NULL },
		{ "dir/", "dir", NULL },
		{ "../x", "../x", "'..' component" },
		{ "a/../../x", "a/../../x", "'..' component" },
		{ "..\\evil.exe", "../evil.exe", "'..' component" },
		{ "/etc/passwd", "/etc/passwd", "absolute path" },
		{ "\\\\server\\share\\x", "/server/share/x", "absolute path" },
		{ "C:\\Windows\\x", "C:/Windows/x", "absolute path" },
		{ "", "", "empty name" },
		{ "./", "", "empty name" },
		{ "0123456789abcdefX", "0123456789abcdef", "name too long" },
		{ "0123456789abcde阳", "0123456789abcde", "name too long" },
	};

	test_begin("unpack_name_clean");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		const char *why = unpack_name_clean(cases[i].raw, strlen(cases[i].raw),
						    i == 3 ? 100 : 16, &out);

		test_assert_str(buf_cstr(&out), cases[i].path);
		test_assert_str(why, cases[i].unsafe);
		buf_free(&out);
	}
	test_end();
}

/* Bit 11 (UTF-8 names) of the first central directory entry; with set,
 * also set it in both headers, names left as they are. */
static int zip_utf8_flag(const char *path, bool set)
{
	char *data, *p, *q;
	size_t len;
	int flag = -1;

	if (fsutil_read_file(path, 1 << 20, &data, &len, NULL) < 0)
		return -1;
	p = memmem(data, len, "PK\x01\x02", 4);
	q = memmem(data, len, "PK\x03\x04", 4);
	if (p != NULL && q != NULL && p + 10 <= data + len) {
		flag = (p[9] & 0x08) != 0;
		if (set) {
			p[9] |= 0x08;
			q[7] |= 0x08;
			unpack_testkit_write(path, data, len);
		}
	}
	free(data);
	return flag;
}

static void test_unpack_names(void)
{
	static const struct {
		const char *file, *format, *filter, *locale, *raw, *want;
		int utf8_flag; /* zip only: -1 = not a zip, 2 = force it on */
	} cases[] = {
		{ "flag.zip", "zip", NULL, "C.UTF-8", NAME_U, NAME_U, 1 },
		{ "gbk.zip", "zip", NULL, "C", NAME_G, NAME_U, 0 },
		{ "mac.zip", "zip", NULL, "C", NAME_U, NAME_U, 0 },
		{ "gbkdir.zip", "zip", NULL, "C", DIR_G "\\" NAME_G, "公司/" NAME_U, 0 },
		/* a tool that sets the flag over GBK bytes: libarchive drops the name */
		{ "liar.zip", "zip", NULL, "C", NAME_G, "unnamed-1", 2 },
		{ "names.7z", "7zip", NULL, "C.UTF-8", "公司/" NAME_U, "公司/" NAME_U, -1 },
		{ "pax.tar.gz", "pax", "gzip", "C.UTF-8", NAME_U, NAME_U, -1 },
		{ "gnu.tar.bz2", "gnutar", "bzip2", "C", NAME_G, NAME_U, -1 },
		{ "ustar.tar.xz", "ustar", "xz", "C", NAME_U, NAME_U, -1 },
	};

	test_begin("unpack names: UTF-8 flag, GBK and macOS zips, 7z, tar");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct unpack_testkit_file files[] = {
			{ cases[i].raw, "hi\n", 0, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
		char *path = unpack_testkit_archive(cases[i].file, cases[i].format,
						    cases[i].filter, cases[i].locale, files);
		struct unpack_testkit_run r = { 0 };

		printf("# %s\n", cases[i].file);
		if (cases[i].utf8_flag == 2)
			test_assert_int(zip_utf8_flag(path, true), 0);
		else if (cases[i].utf8_flag >= 0)
			test_assert_int(zip_utf8_flag(path, false), cases[i].utf8_flag);
		unpack_testkit_unpack(&r, path, NULL, NULL, NULL);
		test_assert_int(r.status, UNPACK_OK);
		test_assert_int(r.n, 1);
		if (r.n == 1) {
			test_assert_str(r.e[0].path, cases[i].want);
			test_assert_int(r.e[0].size, 3);
		}
		unpack_testkit_run_free(&r);
		free(path);
	}
	test_end();
}

static uint32_t crc32_of(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffff;

	while (len-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
	}
	return ~crc;
}

static void put_le(struct buf *b, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		buf_putc(b, (char)(v >> (8 * i)));
}

static void put_vint(struct buf *b, uint64_t v)
{
	do {
		buf_putc(b, (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v != 0);
}

/* RAR 5 block: CRC32 of HeadSize and the header, HeadSize, header. */
static void rar5_block(struct buf *out, const struct buf *hdr)
{
	struct buf t = BUF_INIT;

	put_vint(&t, hdr->len);
	buf_append(&t, hdr->data, hdr->len);
	put_le(out, crc32_of(t.data, t.len), 4);
	buf_append(out, t.data, t.len);
	buf_free(&t);
}

/* A stored RAR 5 file; crypt adds an encryption record (data stays plain). */
static void rar5_file(struct buf *out, const char *name, const char *data, bool crypt)
{
	struct buf h = BUF_INIT, extra = BUF_INIT;
	size_t len = strlen(data);

	if (crypt) {
		static const char rec[35] = { 0, 0, 15 }; /* version, flags, KDF; salt, IV */
		put_vint(&extra, 1 + sizeof(rec));
		put_vint(&extra, 1);
		buf_append(&extra, rec, sizeof(rec));
	}
	put_vint(&h, 2);                        /* file header */
	put_vint(&h, crypt ? 3 : 2);            /* extra area, data area */
	if (crypt)
		put_vint(&h, extra.len);
	put_vint(&h, len);                      /* data size */
	put_vint(&h, 0);                        /* file flags */
	put_vint(&h, len);                      /* unpacked size */
	put_vint(&h, 0x20);                     /* attributes */
	put_vint(&h, 0);                        /* version 0, method store */
	put_vint(&h, 0);                        /* host OS Windows */
	put_vint(&h, strlen(name));
	buf_puts(&h, name);
	if (extra.len > 0)
		buf_append(&h, extra.data, extra.len);
	rar5_block(out, &h);
	buf_puts(out, data);
	buf_free(&h);
	buf_free(&extra);
}

static char *make_rar5(void)
{
	struct buf out = BUF_INIT, h = BUF_INIT;
	char *path = unpack_testkit_path("made.rar");

	buf_append(&out, "Rar!\x1a\x07\x01\x00", 8);
	buf_append(&h, "\x01\x00\x00", 3);      /* main header, no flags */
	rar5_block(&out, &h);
	rar5_file(&out, "阳光/说明.txt", "hello", false);
	rar5_file(&out, "secret.txt", "xxxxx", true);
	rar5_file(&out, "after.txt", "after", false);
	buf_truncate(&h, 0);
	buf_append(&h, "\x05\x00\x00", 3);      /* end of archive */
	rar5_block(&out, &h);
	unpack_testkit_write(path, out.data, out.len);
	buf_free(&out);
	buf_free(&h);
	return path;
}

/* RAR 4 block: the low 16 bits of the CRC32 of the header after them. */
static void rar4_block(struct buf *out, const struct buf *hdr)
{
	put_le(out, crc32_of(hdr->data, hdr->len) & 0xffff, 2);
	buf_append(out, hdr->data, hdr->len);
}

static char *make_rar4(const char *name, const char *data)
{
	struct buf out = BUF_INIT, h = BUF_INIT;
	char *path = unpack_testkit_path("made4.rar");
	size_t len = strlen(data);

	buf_append(&out, "Rar!\x1a\x07\x00", 7);
	buf_append(&h, "\x73\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00", 11);
	rar4_block(&out, &h);
	buf_truncate(&h, 0);
	buf_putc(&h, 0x74);                     /* file header */
	put_le(&h, 0x8000, 2);                  /* flags: long block */
	put_le(&h, 32 + strlen(name), 2);
	put_le(&h, len, 4);                     /* packed size */
	put_le(&h, len, 4);                     /* unpacked size */
	buf_putc(&h, 2);                        /* Windows: an OEM (GBK) name */
	put_le(&h, crc32_of(data, len), 4);
	put_le(&h, 0x5a8e3100, 4);              /* DOS time */
	buf_putc(&h, 20);                       /* version */
	buf_putc(&h, 0x30);                     /* method store */
	put_le(&h, strlen(name), 2);
	put_le(&h, 0x20, 4);                    /* attributes */
	buf_puts(&h, name);
	rar4_block(&out, &h);
	buf_puts(&out, data);
	buf_truncate(&h, 0);
	buf_append(&h, "\x7b\x00\x40\x07\x00", 5); /* end of archive */
	rar4_block(&out, &h);
	unpack_testkit_write(path, out.data, out.len);
	buf_free(&out);
	buf_free(&h);
	return path;
}

static void test_unpack_rar(void)
{
	char *rar5 = make_rar5(), *rar4 = make_rar4(DIR_G "\\" NAME_G, "hello");
	struct unpack_testkit_run r = { 0 };
	int i;

	test_begin("unpack rar 5 (encryption record) and rar 4 (GBK name)");
	unpack_testkit_unpack(&r, rar5, NULL, NULL, NULL);
	test_assert_int(r.ret, 0);
	test_assert_int(r.status, UNPACK_ENCRYPTED);
	test_assert_str(r.detail, "secret.txt: encrypted");
	test_assert_int(r.n, 3);
	test_assert((i = unpack_testkit_find(&r, "阳光/说明.txt")) >= 0 &&
		    r.e[i].size == 5 && r.e[i].stored != NULL);
	test_assert((i = unpack_testkit_find(&r, "secret.txt")) >= 0 &&
		    r.e[i].encrypted && r.e[i].stored == NULL);
	test_assert((i = unpack_testkit_find(&r, "after.txt")) >= 0 &&
		    r.e[i].size == 5 && !r.e[i].encrypted);
	test_assert_int(unpack_testkit_count_files(r.outdir), 2);
	unpack_testkit_run_free(&r);

	unpack_testkit_unpack(&r, rar4, NULL, NULL, NULL);
	test_assert_int(r.status, UNPACK_OK);
	test_assert_int(r.n, 1);
	if (r.n == 1) {
		test_assert_str(r.e[0].path, "公司/" NAME_U);
		test_assert_int(r.e[0].size, 5);
	}
	unpack_testkit_run_free(&r);
	free(rar5);
	free(rar4);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_unpack_name_clean, test_unpack_names, test_unpack_rar, NULL
	};
	return test_run(tests);
}
