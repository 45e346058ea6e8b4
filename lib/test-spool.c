/* Tests for spool: the mail directory's layout and contents, hostile
 * names, idempotent refiling, a crash in the middle of a filing, and the
 * accepted tree's versions. */
#include "spool.h"
#include "extract.h"
#include "fsutil.h"
#include "rules.h"
#include "test.h"
#include "xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A work file holding text; malloc'd path. */
static char *test_spool_work(const char *name, const char *text)
{
	char *dir = xasprintf("%s/work", test_tmpdir());
	char *path = xasprintf("%s/%s", dir, name);
	int fd;

	(void)fsutil_mkdir_p(dir, NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(fd >= 0 && fsutil_write_all(fd, text, strlen(text)) == 0);
	if (fd >= 0)
		close(fd);
	free(dir);
	return path;
}

static bool test_spool_has(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel), *data = NULL;
	const char *error;
	size_t len;
	bool ok = fsutil_read_file(path, 1 << 20, &data, &len, &error) == 0 &&
		(text == NULL || (len == strlen(text) && memcmp(data, text, len) == 0));

	if (!ok)
		printf("# missing or different: %s\n", path);
	free(data);
	free(path);
	return ok;
}

static bool test_spool_exists(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	struct stat st;
	bool ok = lstat(path, &st) == 0;

	free(path);
	return ok;
}

static char *test_spool_root(const char *name)
{
	char *root = xasprintf("%s/%s", test_tmpdir(), name);

	test_assert(fsutil_mkdir_p(root, NULL) == 0);
	return root;
}

static unsigned test_spool_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_spool_layout(void)
{
	char *root = test_spool_root("layout");
	char *eml = test_spool_work("layout.eml", "From: a@x\r\n\r\nbody\r\n");
	char *f1 = test_spool_work("a000001", "jpeg bytes");
	char *f2 = test_spool_work("a000002", "word bytes");
	struct spool_file files[] = {
		{ "包.zip", f1 },                       /* the container, say */
		{ "包.zip/公司甲/案例A/照片1.jpg", f1 },
		{ "包.zip/公司甲/案例A/申报表.docx", f2 },
		{ "unwritten.exe", NULL },
	};
	files[0].stored = NULL;
	struct spool_entry e = {
		.root = root, .campaign = "haofuwu-2026", .receipt = "HFW2026-000001",
		.eml_path = eml, .files = files, .nfiles = 4,
		.manifest = "{\"verdict\":\"rejected\"}\n", .report = "您好\n",
	};
	const char *error = NULL;
	char *dir = NULL, *tmp;
	struct stat st;

	test_begin("spool_file_mail: layout and contents");
	if (!test_assert_int(spool_file_mail(&e, &dir, &error), 0))
		printf("# %s\n", error);
	char *want = xasprintf("%s/haofuwu-2026/mail/HFW2026-000001", root);
	test_assert_str(dir, want);
	test_assert(test_spool_has(dir, "message.eml", "From: a@x\r\n\r\nbody\r\n"));
	test_assert(test_spool_has(dir, "files/包.zip/公司甲/案例A/照片1.jpg", "jpeg bytes"));
	test_assert(test_spool_has(dir, "files/包.zip/公司甲/案例A/申报表.docx", "word bytes"));
	test_assert(!test_spool_exists(dir, "files/unwritten.exe"));
	test_assert(test_spool_has(dir, "manifest.json", e.manifest));
	test_assert(test_spool_has(dir, "report.txt", "您好\n"));
	test_assert(test_spool_has(dir, "filed.json", NULL));
	test_assert_int(test_spool_count_entries(dir), 5);
	/* same file system: hard links; modes for a reviewers' group */
	char *p = xasprintf("%s/files/包.zip/公司甲/案例A/照片1.jpg", dir);
	test_assert(stat(p, &st) == 0 && st.st_nlink == 2 && (st.st_mode & 0777) == 0640);
	free(p);
	test_assert(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0750);
	/* nothing left in tmp/ */
	tmp = xasprintf("%s/haofuwu-2026/tmp", root);
	test_assert_int(test_spool_count_entries(tmp), 0);
	/* ids that are no plain directory names */
	e.receipt = "../x";
	test_assert_int(spool_file_mail(&e, NULL, &error), -1);
	e.receipt = "R-1";
	e.campaign = ".hidden";
	test_assert_int(spool_file_mail(&e, NULL, &error), -1);
	free(tmp);
	free(want);
	free(dir);
	free(eml);
	free(f1);
	free(f2);
	free(root);
	test_end();
}

static char *test_spool_confine_root;
static bool test_spool_confined;

static int test_spool_confine_cb(const char *path, const struct stat *st, int flag,
				 struct FTW *ftw)
{
	char real[PATH_MAX];

	if (flag == FTW_SL)
		return 0;   /* the accepted links; checked by their own test */
	if (realpath(path, real) == NULL ||
	    strncmp(real, test_spool_confine_root, strlen(test_spool_confine_root)) != 0)
		test_spool_confined = false;
	return 0;
}

static void test_spool_hostile(void)
{
	char *root = test_spool_root("hostile/spool");
	char *eml = test_spool_work("h.eml", "x");
	char *f = test_spool_work("h1", "h");
	struct buf longname = BUF_INIT;
	const char *error = NULL;
	char *dir = NULL;

	for (int i = 0; i < 1000; i++)
		buf_putc(&longname, 'n');
	struct spool_file files[] = {
		{ "../x", f }, { "../../../../escape", f }, { "/abs", f },
		{ "/etc/passwd", f }, { "a\\b", f }, { "c:\\win\\x.doc", f },
		{ "ctl\x01\x1b\n.jpg", f }, { longname.data, f },
		{ "same?.jpg", f }, { "same?.jpg", f }, { "dup/x.jpg", f },
		{ "dup\\x.jpg", f },
	};
	struct spool_entry e = {
		.root = root, .campaign = "c", .receipt = "R-1", .eml_path = eml,
		.files = files, .nfiles = sizeof(files) / sizeof(files[0]),
	};

	test_begin("spool_file_mail: hostile names stay inside the spool");
	if (!test_assert_int(spool_file_mail(&e, &dir, &error), 0))
		printf("# %s\n", error);
	test_assert(test_spool_exists(dir, "files/x"));
	test_assert(test_spool_exists(dir, "files/escape"));
	test_assert(test_spool_exists(dir, "files/abs"));
	test_assert(test_spool_exists(dir, "files/etc/passwd"));
	test_assert(test_spool_exists(dir, "files/a/b"));
	test_assert(test_spool_exists(dir, "files/c:/win/x.doc"));
	test_assert(test_spool_exists(dir, "files/ctl___.jpg"));
	test_assert(test_spool_exists(dir, "files/same?.jpg"));
	test_assert(test_spool_exists(dir, "files/same? (2).jpg"));
	test_assert(test_spool_exists(dir, "files/dup/x.jpg"));
	test_assert(test_spool_exists(dir, "files/dup/x (2).jpg"));
	longname.len = 255;
	longname.data[255] = '\0';
	char *lp = xasprintf("files/%s", longname.data);
	test_assert(test_spool_exists(dir, lp));
	free(lp);
	/* nothing outside: the parent of the spool holds only the spool */
	char *parent = xasprintf("%s/hostile", test_tmpdir());
	test_assert_int(test_spool_count_entries(parent), 1);
	test_spool_confine_root = realpath(root, NULL);
	test_spool_confined = true;
	test_assert(nftw(root, test_spool_confine_cb, 16, FTW_PHYS) == 0);
	test_assert(test_spool_confined);
	free(test_spool_confine_root);
	free(parent);
	buf_free(&longname);
	free(dir);
	free(eml);
	free(f);
	free(root);
	test_end();
}

static void test_spool_refile(void)
{
	char *root = test_spool_root("refile");
	char *eml = test_spool_work("r.eml", "first");
	char *eml2 = test_spool_work("r2.eml", "second");
	char *f = test_spool_work("r1", "r");
	struct spool_file files[] = { { "a.jpg", f } };
	struct spool_entry e = {
		.root = root, .campaign = "c", .receipt = "R-000001", .eml_path = eml,
		.files = files, .nfiles = 1, .report = "one",
	};
	const char *error = NULL;
	char *dir = NULL;
	struct stat st1, st2;

	test_begin("spool_file_mail: refiling a complete receipt changes nothing");
	test_assert_int(spool_file_mail(&e, &dir, &error), 0);
	char *report = xasprintf("%s/report.txt", dir);
	test_assert(stat(report, &st1) == 0);
	e.eml_path = eml2;
	e.report = "two";
	free(dir);
	dir = NULL;
	test_assert_int(spool_file_mail(&e, &dir, &error), 0);
	test_assert(stat(report, &st2) == 0 && st1.st_ino == st2.st_ino);
	test_assert(test_spool_has(dir, "message.eml", "first"));
	test_assert(test_spool_has(dir, "report.txt", "one"));

	/* racing filers of one receipt: all succeed, one tree stands */
	e.receipt = "R-000005";
	pid_t pids[4];
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(spool_file_mail(&e, NULL, &error) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 4; i++) {
		int status = -1;

		test_assert(pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i]);
		test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	char *tmp = xasprintf("%s/c/tmp", root);
	test_assert_int(test_spool_count_entries(tmp), 0);
	test_assert(test_spool_has(root, "c/mail/R-000005/report.txt", "two"));
	free(tmp);

	/* a directory that is not a complete filing is not ours to touch */
	char *foreign = xasprintf("%s/c/mail/R-000002", root);
	test_assert(mkdir(foreign, 0700) == 0);
	e.receipt = "R-000002";
	test_assert_int(spool_file_mail(&e, NULL, &error), -1);
	test_assert(error != NULL && strstr(error, "no complete filing") != NULL);
	test_assert_int(test_spool_count_entries(foreign), 0);
	free(foreign);
	free(report);
	free(dir);
	free(eml);
	free(eml2);
	free(f);
	free(root);
	test_end();
}

static void test_spool_crash(void)
{
	char *root = test_spool_root("crash");
	char *eml = test_spool_work("c.eml", "mail");
	char *f = test_spool_work("c1", "c");
	struct spool_file files[] = { { "1.jpg", f }, { "2.jpg", f }, { "3.jpg", f } };
	struct spool_entry e = {
		.root = root, .campaign = "c", .receipt = "R-000007", .eml_path = eml,
		.files = files, .nfiles = 3, .test_crash_after = 2,
	};
	const char *error = NULL;
	char *tmp = xasprintf("%s/c/tmp", root);
	char *dir = NULL;
	int status = 0;
	pid_t pid;

	test_begin("spool crash mid-filing: no mail dir, cleanup, refile works");
	pid = fork();
	if (pid == 0) {
		(void)spool_file_mail(&e, NULL, &error);
		_exit(0);
	}
	test_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 99);
	test_assert(!test_spool_exists(root, "c/mail/R-000007"));
	test_assert_int(test_spool_count_entries(tmp), 1);   /* the half-built one */
	test_assert_int(spool_cleanup_tmp(root, &error), 0);
	test_assert_int(test_spool_count_entries(tmp), 0);

	e.test_crash_after = 0;
	test_assert_int(spool_file_mail(&e, &dir, &error), 0);
	test_assert(test_spool_has(dir, "files/3.jpg", "c"));
	test_assert(test_spool_has(dir, "filed.json", NULL));
	free(dir);
	free(tmp);
	free(eml);
	free(f);
	free(root);
	test_end();
}

static bool test_spool_link_is(const char *path, const char *want)
{
	char buf[512];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	if (strcmp(buf, want) != 0)
		printf("# %s -> %s, want %s\n", path, buf, want);
	return strcmp(buf, want) == 0;
}

static void test_spool_accepted(void)
{
	char *root = test_spool_root("accepted");
	char *eml = test_spool_work("a.eml", "mail");
	char *v1 = test_spool_work("v1", "version 1");
	char *v2 = test_spool_work("v2", "version 2");
	char *other = test_spool_work("v3", "other");
	const char *case1[] = { "包/甲公司/案例A/照片.jpg", "包/甲公司/案例A/x/照片.jpg" };
	const char *case2[] = { "乙/案例B.pdf" };
	struct spool_file files[] = {
		{ "包/甲公司/案例A/照片.jpg", v1 }, { "包/甲公司/案例A/x/照片.jpg", other },
		{ "乙/案例B.pdf", other },
	};
	struct spool_case cases[] = {
		{ "甲公司", "案例A", case1, 2 }, { "../乙", ".versions", case2, 1 },
	};
	struct spool_entry e = {
		.root = root, .campaign = "c", .receipt = "R-000001", .eml_path = eml,
		.files = files, .nfiles = 3, .cases = cases, .ncases = 2,
	};
	const char *error = NULL;
	char *acc = xasprintf("%s/c/accepted", root);
	char *link = xasprintf("%s/甲公司/案例A", acc);

	test_begin("spool accepted tree: latest version linked, earlier kept");
	if (!test_assert_int(spool_file_mail(&e, NULL, &error), 0))
		printf("# %s\n", error);
	test_assert(test_spool_link_is(link, ".versions/案例A/R-000001"));
	test_assert(test_spool_has(link, "照片.jpg", "version 1"));
	test_assert(test_spool_has(link, "照片 (2).jpg", "other"));
	/* hostile company and case names: one component, no leading dot */
	char *hostile = xasprintf("%s/_._乙/_versions", acc);
	test_assert(test_spool_link_is(hostile, ".versions/_versions/R-000001"));
	free(hostile);

	/* the same case again: a new version, the old one kept */
	files[0].stored = v2;
	e.receipt = "R-000003";
	e.ncases = 1;
	test_assert_int(spool_file_mail(&e, NULL, &error), 0);
	test_assert(test_spool_link_is(link, ".versions/案例A/R-000003"));
	test_assert(test_spool_has(link, "照片.jpg", "version 2"));
	test_assert(test_spool_has(acc, "甲公司/.versions/案例A/R-000001/照片.jpg", "version 1"));
	/* refiling the older receipt (a crash before it was marked) keeps the newer one */
	files[0].stored = v1;
	e.receipt = "R-000001";
	test_assert_int(spool_file_mail(&e, NULL, &error), 0);
	test_assert(test_spool_link_is(link, ".versions/案例A/R-000003"));
	char *company = xasprintf("%s/甲公司", acc);
	test_assert_int(test_spool_count_entries(company), 1);
	free(company);
	/* a stray temporary link is cleaned up at start-up */
	char *stray = xasprintf("%s/甲公司/.tmp-R-000009-0", acc);
	test_assert(symlink("nowhere", stray) == 0);
	test_assert_int(spool_cleanup_tmp(root, &error), 0);
	test_assert(!test_spool_exists(stray, ""));
	free(stray);
	free(link);
	free(acc);
	free(eml);
	free(v1);
	free(v2);
	free(other);
	free(root);
	test_end();
}

static void test_spool_copy(void)
{
	char *root = test_spool_root("copy");
	char *eml = test_spool_work("cp.eml", "mail");
	char *shm = xasprintf("/dev/shm/casemail-test-spool.%d", (int)getpid());
	struct spool_file files[] = { { "big.bin", shm } };
	struct spool_entry e = {
		.root = root, .campaign = "c", .receipt = "R-1", .eml_path = eml,
		.files = files, .nfiles = 1,
	};
	const char *error = NULL;
	char *dir = NULL, *data = NULL, *copy;
	size_t big = 3 * 1024 * 1024 + 17, len = 0;
	struct stat st;
	int fd;

	test_begin("spool_file_mail: copies what it cannot link");
	fd = open(shm, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		printf("# skipped: no /dev/shm\n");
		goto out;
	}
	data = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i * 7 + i / 4096);
	test_assert(fsutil_write_all(fd, data, big) == 0);
	close(fd);
	test_assert_int(spool_file_mail(&e, &dir, &error), 0);
	copy = xasprintf("%s/files/big.bin", dir);
	test_assert(stat(copy, &st) == 0 && st.st_nlink == 1 && (size_t)st.st_size == big);
	free(data);
	data = NULL;
	test_assert(fsutil_read_file(copy, big, &data, &len, &error) == 0 && len == big);
	for (size_t i = 0; data != NULL && i < big; i++) {
		if (!test_assert(data[i] == (char)(i * 7 + i / 4096)))
			break;
	}
	free(copy);
	(void)unlink(shm);
out:
	free(data);
	free(dir);
	free(shm);
	free(eml);
	free(root);
	test_end();
}

static void test_spool_from_extract(void)
{
	struct extract_file ef[3] = {
		{ .path = (char *)"a.zip", .stored = (char *)"/w/1", .opened = true },
		{ .path = (char *)"a.zip/x.jpg", .stored = (char *)"/w/2" },
		{ .path = (char *)"b.rar", .stored = (char *)"/w/3", .opened = false },
	};
	struct extract ex = { .files = ef, .nfiles = 3 };
	const char *cfiles[] = { "a.zip/x.jpg" };
	struct rules_case rc = { .company = (char *)"甲", .name = (char *)"案",
				 .files = cfiles, .nfiles = 1 };
	struct rules_result rr = { .cases = &rc, .ncases = 1 };
	struct spool_file *sf;
	struct spool_case *sc;
	size_t n;

	test_begin("spool_files_from_extract, spool_cases_from_rules");
	sf = spool_files_from_extract(&ex, &n);
	test_assert_int(n, 3);
	test_assert(sf[0].stored == NULL);   /* opened container */
	test_assert_str(sf[1].stored, "/w/2");
	test_assert_str(sf[2].stored, "/w/3"); /* unopened: filed as a file */
	sc = spool_cases_from_rules(&rr, &n);
	test_assert_int(n, 1);
	test_assert_str(sc[0].files[0], "a.zip/x.jpg");
	free(sf);
	free(sc);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_spool_layout, test_spool_hostile, test_spool_refile,
		test_spool_crash, test_spool_accepted, test_spool_copy,
		test_spool_from_extract, NULL
	};
	return test_run(tests);
}
