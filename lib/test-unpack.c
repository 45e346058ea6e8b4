/* Tests for unpack: stored files and hashes, nesting, encryption, damage,
 * unsafe entries, bombs, single compressed files. Archives are built at
 * test time with libarchive's writer and the zip, 7z, tar and gzip tools.
 * Names and RAR are in test-unpack-name.c. */
#include "unpack.h"
#include "unpack-testkit.h"
#include "fsutil.h"
#include "test.h"
#include "xalloc.h"

#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIB (1024 * 1024)

static void test_unpack_known_entry(void)
{
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	const struct unpack_testkit_file files[] = {
		{ "./docs/", NULL, 0, AE_IFDIR, NULL }, { "docs/abc.txt", "abc", 0, 0, NULL },
		{ "empty", "", 0, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
	char *path = unpack_testkit_archive("known.zip", "zip", NULL, "C.UTF-8", files);
	struct unpack_testkit_run r = { 0 };
	struct stat st;
	int i;

	test_begin("unpack size, sha256, stored file");
	unpack_testkit_unpack(&r, path, NULL, NULL, NULL);
	test_assert_int(r.ret, 0);
	test_assert_int(r.status, UNPACK_OK);
	test_assert_int(r.n, 3);
	test_assert(unpack_testkit_find(&r, "docs") == 0 && r.e[0].is_dir && !r.e[0].stored);
	if ((i = unpack_testkit_find(&r, "docs/abc.txt")) >= 0) {
		char *want = xasprintf("%s/000000", r.outdir);
		test_assert_str(r.e[i].stored, want);
		test_assert_int(r.e[i].size, 3);
		test_assert(memcmp(r.e[i].sha256, abc, 32) == 0);
		test_assert(stat(want, &st) == 0 && (st.st_mode & 0777) == 0600 &&
			    st.st_size == 3);
		free(want);
	}
	test_assert((i = unpack_testkit_find(&r, "empty")) >= 0 && r.e[i].size == 0 &&
		    r.e[i].stored != NULL);
	test_assert_int(unpack_testkit_count_files(r.outdir), 2);
	unpack_testkit_run_free(&r);
	free(path);
	test_end();
}

static void test_unpack_nested(void)
{
	const struct unpack_testkit_file inner[] = { { "a.jpg", "aaaa", 0, 0, NULL },
				       { "b.jpg", "bb", 0, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
	char *ipath = unpack_testkit_archive("inner.zip", "zip", NULL, "C.UTF-8", inner);
	char *idata, *opath;
	size_t ilen;
	struct unpack_budget budget = { 0 };
	struct unpack_testkit_run r = { 0 };
	int i;

	test_begin("unpack zip in zip: two calls, one budget");
	test_assert(fsutil_read_file(ipath, 1 << 20, &idata, &ilen, NULL) == 0);
	const struct unpack_testkit_file outer[] = { { "x.txt", "xyz", 0, 0, NULL },
		{ "包/inner.zip", idata, ilen, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
	opath = unpack_testkit_archive("outer.zip", "zip", NULL, "C.UTF-8", outer);
	unpack_testkit_unpack(&r, opath, "outer.zip", NULL, &budget);
	test_assert_int(r.status, UNPACK_OK);
	test_assert_int(budget.entries, 2);
	if ((i = unpack_testkit_find(&r, "包/inner.zip")) >= 0) {
		char *inner_stored = xstrdup(r.e[i].stored);

		unpack_testkit_unpack(&r, inner_stored, "inner.zip", NULL, &budget);
		test_assert_int(r.status, UNPACK_OK);
		test_assert(unpack_testkit_find(&r, "a.jpg") == 2 && unpack_testkit_find(&r, "b.jpg") == 3);
		test_assert_str(r.e[3].stored + strlen(r.outdir), "/000003");
		free(inner_stored);
	}
	test_assert_int(budget.entries, 4);
	test_assert_int(budget.next_file_no, 4);
	test_assert_int(budget.bytes_out, 3 + ilen + 4 + 2);
	test_assert_int(unpack_testkit_count_files(r.outdir), 4);
	unpack_testkit_run_free(&r);
	free(idata);
	free(ipath);
	free(opath);
	test_end();
}

static void test_unpack_encrypted(void)
{
	static const struct { const char *file; int entries, encrypted, stored; } cases[] = {
		{ "mixed.zip", 3, 1, 2 },  /* zip -P: the other entries stay readable */
		{ "aes.zip", 1, 1, 0 },    /* WinZip AES */
		{ "data.7z", 2, 2, 0 },    /* 7z -p: names visible */
		{ "he.7z", 0, 0, 0 },      /* 7z -p -mhe=on: names encrypted too */
	};

	test_begin("unpack encrypted zip and 7z");
	test_assert(unpack_testkit_sh("echo plain > plain.txt && echo secret > secret.txt && "
		       "echo more > more.txt && zip -q mixed.zip plain.txt && "
		       "zip -q -P pw mixed.zip secret.txt && zip -q mixed.zip more.txt && "
		       "7z a -tzip -ppw -mem=AES256 aes.zip secret.txt && "
		       "7z a -ppw data.7z plain.txt secret.txt && "
		       "7z a -ppw -mhe=on he.7z plain.txt secret.txt") == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = unpack_testkit_path(cases[i].file);
		struct unpack_testkit_run r = { 0 };
		int enc = 0, stored = 0;

		printf("# %s\n", cases[i].file);
		unpack_testkit_unpack(&r, path, NULL, NULL, NULL);
		test_assert_int(r.ret, 0);
		test_assert_int(r.status, UNPACK_ENCRYPTED);
		test_assert_int(r.n, cases[i].entries);
		for (size_t k = 0; k < r.n; k++) {
			enc += r.e[k].encrypted;
			stored += r.e[k].stored != NULL;
		}
		test_assert_int(enc, cases[i].encrypted);
		test_assert_int(stored, cases[i].stored);
		test_assert_int(unpack_testkit_count_files(r.outdir), cases[i].stored);
		if (i == 0)
			test_assert(unpack_testkit_find(&r, "more.txt") == 2 && r.e[2].size == 5);
		unpack_testkit_run_free(&r);
		free(path);
	}
	test_end();
}

static void test_unpack_damaged(void)
{
	static const struct { const char *file, *detail; int entries; } cases[] = {
		{ "trunc.zip", "r.bin: ", 1 },     /* plain.txt before the damage */
		{ "crc.zip", "plain.txt: ZIP bad CRC", 1 }, /* more.txt after it */
		{ "trunc.tgz", "r.bin: ", 1 },
		{ "trunc.7z", "", 0 },
		{ "text.txt", "not an archive", 0 },
		{ "random.bin", "not an archive", 0 },
	};
	char *crc = unpack_testkit_path("crc.zip"), *data, *p;
	size_t len;

	test_begin("unpack damaged archives and non-archives");
	test_assert(unpack_testkit_sh("head -c 300000 /dev/urandom > r.bin && echo plain > plain.txt && "
		       "echo more > more.txt && zip -q big.zip plain.txt r.bin && "
		       "head -c 200000 big.zip > trunc.zip && "
		       "tar czf big.tgz plain.txt r.bin && head -c 200000 big.tgz > trunc.tgz && "
		       "7z a big.7z plain.txt r.bin && head -c 200000 big.7z > trunc.7z && "
		       "zip -q -0 crc.zip plain.txt more.txt && echo hello > text.txt && "
		       "head -c 1000 r.bin > random.bin") == 0);
	test_assert(fsutil_read_file(crc, 1 << 20, &data, &len, NULL) == 0);
	if ((p = memmem(data, len, "plain\n", 6)) != NULL)
		*p = 'P';
	unpack_testkit_write(crc, data, len);
	free(data);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = unpack_testkit_path(cases[i].file);
		struct unpack_testkit_run r = { 0 };

		printf("# %s\n", cases[i].file);
		unpack_testkit_unpack(&r, path, NULL, NULL, NULL);
		test_assert_int(r.ret, 0);
		test_assert_int(r.status, UNPACK_DAMAGED);
		test_assert(r.detail[0] != '\0' &&
			    strncmp(r.detail, cases[i].detail, strlen(cases[i].detail)) == 0);
		test_assert_int(r.n, cases[i].entries);
		/* partial files of the damaged entries are gone */
		test_assert_int(unpack_testkit_count_files(r.outdir), cases[i].entries);
		if (r.n > 0)
			test_assert(r.e[0].stored != NULL);
		printf("# detail: %s\n", r.detail);
		unpack_testkit_run_free(&r);
		free(path);
	}
	free(crc);
	test_end();
}

static void test_unpack_unsafe(void)
{
	static const struct { const char *path, *unsafe; } want[] = {
		{ "ok.txt", NULL }, { "../x", "'..' component" },
		{ "/abs/y", "absolute path" }, { "a/../../z", "'..' component" },
		{ "link", "symlink" }, { "hl", "hardlink" }, { "fifo", "device or fifo" },
		{ "../evil.exe", "'..' component" }, { "ok2.txt", NULL },
	};
	const struct unpack_testkit_file tarf[] = {
		{ "ok.txt", "ok", 0, 0, NULL }, { "../x", "x", 0, 0, NULL },
		{ "/abs/y", "y", 0, 0, NULL }, { "a/../../z", "z", 0, 0, NULL },
		{ "link", NULL, 0, AE_IFLNK, "/etc/passwd" }, { "hl", NULL, 0, 0, "ok.txt" },
		{ "fifo", NULL, 0, AE_IFIFO, NULL }, { NULL, NULL, 0, 0, NULL } };
	const struct unpack_testkit_file zipf[] = {
		{ "..\\evil.exe", "MZ", 0, 0, NULL }, { "ok2.txt", "ok", 0, 0, NULL },
		{ NULL, NULL, 0, 0, NULL } };
	char *tar = unpack_testkit_archive("unsafe.tar", "pax", NULL, "C.UTF-8", tarf);
	char *zip = unpack_testkit_archive("unsafe.zip", "zip", NULL, "C", zipf);
	char *x = unpack_testkit_path("x"), *z = unpack_testkit_path("z");
	char *evil = unpack_testkit_path("evil.exe");
	struct unpack_budget budget = { 0 }; /* one outdir, one budget */
	struct unpack_testkit_run r = { 0 };
	struct stat st;

	test_begin("unpack refuses unsafe entries, writes only inside outdir");
	unpack_testkit_unpack(&r, tar, NULL, NULL, &budget);
	unpack_testkit_unpack(&r, zip, NULL, NULL, &budget);
	test_assert_int(r.status, UNPACK_OK);
	test_assert_int(r.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < r.n && i < sizeof(want) / sizeof(want[0]); i++) {
		test_assert_str(r.e[i].path, want[i].path);
		test_assert_str(r.e[i].unsafe, want[i].unsafe);
		test_assert((r.e[i].stored != NULL) == (want[i].unsafe == NULL));
	}
	test_assert_int(unpack_testkit_count_files(r.outdir), 2);
	/* where the sender's names would have led */
	test_assert(stat(x, &st) < 0 && stat(z, &st) < 0 && stat(evil, &st) < 0 &&
		    stat("/abs", &st) < 0);
	unpack_testkit_run_free(&r);
	free(tar);
	free(zip);
	free(x);
	free(z);
	free(evil);
	test_end();
}

static void test_unpack_bombs(void)
{
	static struct unpack_testkit_file many[61];
	static char names[60][24];
	const struct unpack_testkit_file zeros[] = { { "small.txt", "ok", 0, 0, NULL },
		{ "zeros.bin", NULL, 60 * MIB, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
	const struct unpack_testkit_file three[] = { { "1", NULL, 40000, 0, NULL },
		{ "2", NULL, 40000, 0, NULL }, { "3", NULL, 40000, 0, NULL },
		{ NULL, NULL, 0, 0, NULL } };
	const struct unpack_limits lim50 = { .max_entries = 50 };
	const struct unpack_limits lim100k = { .max_total_bytes = 100000 };
	const struct unpack_limits lim10m = { .max_total_bytes = 10 * MIB };
	struct {
		const char *file;
		const struct unpack_testkit_file *files;
		const struct unpack_limits *lim;
		uint64_t used_before; /* budget bytes of earlier archives of the mail */
		const char *detail;
		int reported, stored;
		uint64_t out_min, out_max; /* budget.bytes_out afterwards */
	} cases[] = {
		{ "ratio.zip", zeros, NULL, 0, "expands beyond 100:1 (>50 MiB)", 1, 1,
		  49 * MIB, 50 * MIB },
		{ "ratio.tar.xz", zeros, NULL, 0, "expands beyond 100:1 (>50 MiB)", 1, 1,
		  49 * MIB, 50 * MIB },
		/* a zip is listed from its central directory first: refused
		 * before any entry is written */
		{ "many.zip", many, &lim50, 0, "more than 50 entries", 0, 0, 0, 0 },
		/* a compressed tar would be decompressed twice to be listed:
		 * counted while streaming, the first 50 written */
		{ "many.tar.xz", many, &lim50, 0, "more than 50 entries", 50, 50, 50, 50 },
		{ "total.zip", three, &lim100k, 0, "more than 100000 bytes", 2, 2,
		  80000, 80000 },
		{ "total2.zip", three, &lim100k, 70000, "more than 100000 bytes", 0, 0,
		  70000, 70000 },
		{ "total10m.zip", zeros, &lim10m, 0, "more than 10 MiB", 1, 1,
		  9 * MIB, 10 * MIB },
	};

	for (int i = 0; i < 60; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02d.txt", i);
		many[i] = (struct unpack_testkit_file){ names[i], "x", 0, 0, NULL };
	}
	test_begin("unpack bombs: ratio, entries, total; checked while streaming or listed first");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool xz = strstr(cases[i].file, ".xz") != NULL;
		char *path = unpack_testkit_archive(cases[i].file, xz ? "pax" : "zip",
						    xz ? "xz" : NULL, "C.UTF-8",
						    cases[i].files);
		struct unpack_budget budget = { .bytes_out = cases[i].used_before };
		struct unpack_testkit_run r = { 0 };

		printf("# %s\n", cases[i].file);
		unpack_testkit_unpack(&r, path, NULL, cases[i].lim, &budget);
		test_assert_int(r.ret, 0);
		test_assert_int(r.status, UNPACK_BOMB);
		test_assert_str(r.detail, cases[i].detail);
		test_assert_int(r.n, cases[i].reported);
		/* the partial file of the entry that crossed the limit is gone */
		test_assert_int(unpack_testkit_count_files(r.outdir), cases[i].stored);
		/* counted before each write: never more than the limit on disk,
		 * and it streamed up to there rather than trusting sizes */
		test_assert(budget.bytes_out >= cases[i].out_min &&
			    budget.bytes_out <= cases[i].out_max);
		printf("# bytes_out %llu\n", (unsigned long long)budget.bytes_out);
		unpack_testkit_run_free(&r);
		free(path);
	}
	test_end();
}

/* Archives nested in each other, each under the 50 MiB ratio floor: the
 * ratio holds for the whole mail too, against the archives the mail
 * itself carries (budget.bytes_in, set by extract.c). */
static void test_unpack_mail_ratio(void)
{
	const struct unpack_testkit_file twenty[] = {
		{ "zeros.bin", NULL, 20 * MIB, 0, NULL }, { NULL, NULL, 0, 0, NULL } };
	char *path = unpack_testkit_archive("twenty.zip", "zip", NULL, "C.UTF-8", twenty);

	test_begin("unpack bombs: the ratio for the whole mail (bytes_in)");
	for (int with_in = 0; with_in <= 1; with_in++) {
		/* 40 MiB out already, from a mail whose own archives are 1 KB */
		struct unpack_budget budget = { .bytes_out = 40 * MIB,
						.bytes_in = with_in ? 1000 : 0 };
		struct unpack_testkit_run r = { 0 };

		unpack_testkit_unpack(&r, path, NULL, NULL, &budget);
		test_assert_int(r.ret, 0);
		if (with_in) {
			/* this archive alone is under the floor; the mail is over it */
			test_assert_int(r.status, UNPACK_BOMB);
			test_assert_str(r.detail, "expands beyond 100:1 (>50 MiB)");
			test_assert(budget.bytes_out <= 50 * MIB);
		} else {
			/* no mail-wide input given: only the archive's own ratio */
			test_assert_int(r.status, UNPACK_OK);
			test_assert_int(budget.bytes_out, 60 * MIB);
		}
		unpack_testkit_run_free(&r);
	}
	free(path);
	test_end();
}

static void test_unpack_single_file(void)
{
	static const struct { const char *file, *name, *path; int size; } cases[] = {
		{ "r.docx.gz", "报告.docx.gz", "报告.docx", 6 },
		{ "r.docx.gz", NULL, "r.docx", 6 },
		{ "r.docx.bz2", "C:\\tmp\\报告.docx.BZ2", "报告.docx", 6 },
		{ "r.docx.xz", "noext", "noext", 6 },
		/* mtree would read /etc/passwd of this machine: not a format here */
		{ "spec.gz", "spec.gz", "spec", 47 },
	};

	test_begin("unpack a single compressed file");
	test_assert(unpack_testkit_sh("printf report > r.docx && gzip -k r.docx && bzip2 -k r.docx && "
		       "xz -k r.docx && printf '#mtree\\n./passwd type=file contents=/etc/passwd\\n'"
		       " | gzip > spec.gz") == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = unpack_testkit_path(cases[i].file);
		struct unpack_testkit_run r = { 0 };

		unpack_testkit_unpack(&r, path, cases[i].name, NULL, NULL);
		test_assert_int(r.status, UNPACK_OK);
		test_assert_int(r.n, 1);
		if (r.n == 1) {
			test_assert_str(r.e[0].path, cases[i].path);
			test_assert_int(r.e[0].size, cases[i].size);
		}
		unpack_testkit_run_free(&r);
		free(path);
	}
	test_end();
}

static void test_unpack_sparse(void)
{
	const struct unpack_limits lim = { .max_total_bytes = MIB };
	char *tar = unpack_testkit_path("sparse.tar"), *orig = unpack_testkit_path("s.bin");
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	struct unpack_testkit_run r = { 0 };

	test_begin("unpack sparse tar: holes come out as zeros and count");
	test_assert(unpack_testkit_sh("truncate -s 3M s.bin && printf head | dd of=s.bin "
				      "conv=notrunc && printf mid | dd of=s.bin bs=1 "
				      "seek=1000000 conv=notrunc && tar -S -cf sparse.tar s.bin") == 0);
	unpack_testkit_unpack(&r, tar, NULL, NULL, NULL);
	test_assert_int(r.status, UNPACK_OK);
	test_assert(r.n == 1 && r.e[0].size == 3 * MIB);
	if (r.n == 1) {
		test_assert(fsutil_read_file(orig, 4 * MIB, &a, &alen, NULL) == 0);
		test_assert(fsutil_read_file(r.e[0].stored, 4 * MIB, &b, &blen, NULL) == 0);
		test_assert(alen == blen && a != NULL && b != NULL && memcmp(a, b, alen) == 0);
	}
	unpack_testkit_run_free(&r);
	unpack_testkit_unpack(&r, tar, NULL, &lim, NULL);
	test_assert_int(r.status, UNPACK_BOMB);
	test_assert_int(unpack_testkit_count_files(r.outdir), 0);
	unpack_testkit_run_free(&r);
	free(a);
	free(b);
	free(tar);
	free(orig);
	test_end();
}

static void test_unpack_local_errors(void)
{
	struct unpack_budget budget = { 0 };
	const char *detail, *error = NULL;
	enum unpack_status status;
	char *missing = unpack_testkit_path("missing.zip"), *text = unpack_testkit_path("text.txt");

	test_begin("unpack local errors: no archive, no outdir");
	test_assert_int(unpack_archive(missing, NULL, test_tmpdir(), NULL, &budget,
				       NULL, NULL, &status, &detail, &error), -1);
	test_assert(error != NULL && strstr(error, "missing.zip") != NULL);
	unpack_testkit_sh("echo hello > text.txt");
	test_assert_int(unpack_archive(text, NULL, missing, NULL, &budget,
				       NULL, NULL, &status, &detail, &error), -1);
	test_assert_str(unpack_status_name(UNPACK_BOMB), "bomb");
	free(missing);
	free(text);
	test_end();
}

/* libarchive's "ZIP uncompressed data is wrong size (…)\n" made the detail
 * two lines (found by fuzz-unpack; tests/fuzz/regressions/fuzz-unpack) */
static void test_unpack_detail_one_line(void)
{
	static const char zip[] =
		"\x50\x4b\x03\x04\x14\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		"\x39\x1b\x81\xe2\x01\x00\x00\x00\x00\x00\x00\x15\x04\x00"
		"\x00\x00\x23\xa4\x00\x00\x00";
	char *path = unpack_testkit_path("wrong-size.zip");
	struct unpack_testkit_run r = { 0 };

	test_begin("unpack details are one line");
	unpack_testkit_write(path, zip, sizeof(zip) - 1);
	unpack_testkit_unpack(&r, path, NULL, NULL, NULL);
	test_assert_int(r.ret, 0);
	test_assert_int(r.status, UNPACK_DAMAGED);
	test_assert(strstr(r.detail, "wrong size") != NULL);
	test_assert(strchr(r.detail, '\n') == NULL);
	test_assert(r.detail[0] != '\0' && r.detail[strlen(r.detail) - 1] != ' ');
	printf("# detail: %s\n", r.detail);
	unpack_testkit_run_free(&r);
	free(path);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_unpack_known_entry,
		test_unpack_nested, test_unpack_encrypted, test_unpack_damaged,
		test_unpack_unsafe, test_unpack_bombs, test_unpack_mail_ratio,
		test_unpack_single_file,
		test_unpack_sparse,
		test_unpack_local_errors, test_unpack_detail_one_line, NULL
	};
	return test_run(tests);
}
