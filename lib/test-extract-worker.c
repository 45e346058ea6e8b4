/* Tests for extract-worker: the per-mail worker gives what extract_mail()
 * gives, stops at its limits with a verdict for the whole mail, and is
 * confined (landlock.c, sandbox-seccomp-worker.c) the way its header says. */
#include "extract-worker.h"
#include "fsutil.h"
#include "landlock.h"
#include "probe.h"
#include "test.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static struct probe *probe;

/* A QQ-style mail: GBK subject, a text body, two plain attachments. */
static char *write_mail(const char *name, size_t attachment_bytes)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	struct buf m = BUF_INIT;
	FILE *f;

	buf_puts(&m, "From: =?gb18030?B?1cXI/Q==?= <zhangsan@qq.com>\r\n"
		 "To: wylzzh@ecpmi.org.cn\r\n"
		 "Subject: =?gb18030?B?usO3/s7xsLjA/Q==?=\r\n"
		 "Date: Tue, 28 Jul 2026 15:40:00 +0800\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/mixed; boundary=\"A\"\r\n\r\n"
		 "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
		 "\xe8\xaf\xb7\xe6\x9f\xa5\xe6\x94\xb6 https://example.org/x\r\n"
		 "--A\r\nContent-Type: text/plain; name=\"a.txt\"\r\n"
		 "Content-Disposition: attachment; filename=\"a.txt\"\r\n\r\n");
	for (size_t i = 0; i < attachment_bytes; i += 64)
		buf_puts(&m, "0123456789012345678901234567890123456789012345678901234567890\r\n");
	buf_puts(&m, "--A\r\nContent-Type: text/plain; name=\"b.txt\"\r\n"
		 "Content-Disposition: attachment; filename=\"b.txt\"\r\n\r\nsecond\r\n--A--\r\n");
	f = fopen(path, "w");
	if (f != NULL) {
		fwrite(m.data, 1, m.len, f);
		fclose(f);
	}
	buf_free(&m);
	return path;
}

static char *fresh_dir(const char *name)
{
	char *dir = xasprintf("%s/%s", test_tmpdir(), name);
	const char *error;

	(void)fsutil_rmtree(dir, NULL);
	if (fsutil_mkdir_p(dir, &error) < 0)
		test_assert(false);
	return dir;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_same_as_in_process(void)
{
	char *eml = write_mail("same.eml", 4096), *d1 = fresh_dir("w1"), *d2 = fresh_dir("w2");
	struct extract *a = NULL, *b = NULL;
	const char *error = NULL;

	test_begin("worker: same files, facts, body and headers as in process");
	if (!test_assert(extract_mail(eml, d1, NULL, probe, &a, &error) == 0) ||
	    !test_assert(extract_mail_isolated(eml, d2, NULL, probe, &b, &error) == 0))
		goto out;
	test_assert_int(b->nfiles, a->nfiles);
	test_assert_int(b->nfiles, 2);
	for (size_t i = 0; i < a->nfiles && i < b->nfiles; i++) {
		test_assert_str(b->files[i].path, a->files[i].path);
		test_assert(memcmp(b->files[i].sha256, a->files[i].sha256, 32) == 0);
		test_assert_int(b->files[i].size, a->files[i].size);
		test_assert_int(b->files[i].facts.kind, a->files[i].facts.kind);
		/* the parent's copy points into the parent's work directory */
		test_assert(strncmp(b->files[i].stored, d2, strlen(d2)) == 0);
		test_assert(access(b->files[i].stored, R_OK) == 0);
	}
	test_assert_str(b->body, a->body);
	test_assert_int(b->msg->nparts, a->msg->nparts);
	char *sa = message_header_decoded(a->msg, NULL, "Subject");
	char *sb = message_header_decoded(b->msg, NULL, "Subject");
	test_assert_str(sb, "好服务案例");
	test_assert_str(sb, sa);
	free(sa);
	free(sb);
	/* the result file is gone */
	char *res = xasprintf("%s/%s", d2, EXTRACT_WORKER_RESULT);
	test_assert(access(res, F_OK) < 0);
	free(res);
out:
	extract_free(&a);
	extract_free(&b);
	free(eml);
	free(d1);
	free(d2);
	test_end();
}

static void test_limit_is_mail_verdict(void)
{
	char *eml = write_mail("big.eml", 64 * 1024), *dir = fresh_dir("w3");
	struct extract_settings set = { 0 };
	struct extract *ex = NULL;
	const char *error = NULL;

	test_begin("worker: a limit ends in archive.bomb for the mail, headers kept");
	set.worker.file_size = 4096; /* the 64 KiB attachment cannot be written */
	if (!test_assert(extract_mail_isolated(eml, dir, &set, probe, &ex, &error) == 0))
		goto out;
	test_assert_int(ex->nfiles, 0);
	test_assert_int(ex->nproblems, 1);
	if (ex->nproblems == 1) {
		test_assert_str(ex->problems[0].code, "archive.bomb");
		test_assert(ex->problems[0].file == NULL);
		test_assert(strstr(ex->problems[0].detail, "file size limit") != NULL);
	}
	char *subject = message_header_decoded(ex->msg, NULL, "Subject");
	test_assert_str(subject, "好服务案例");
	free(subject);
	/* nothing the worker wrote is left behind */
	test_assert_int(count_entries(dir), 0);
out:
	extract_free(&ex);
	free(eml);
	free(dir);
	test_end();
}

/* More MIME parts than allowed: archive.bomb, and not one attachment is
 * written (the parts read before the limit would only cost inode
 * allocations and fill the report); one part fewer, both are. */
static void test_over_part_limit_writes_nothing(void)
{
	char *eml = write_mail("parts.eml", 64);
	struct extract_settings set = { 0 };

	test_begin("worker: over the part limit, archive.bomb and no file written");
	for (size_t max = 3; max <= 4; max++) {
		char name[8];
		char *dir;
		struct extract *ex = NULL;
		const char *error = NULL;

		snprintf(name, sizeof(name), "p%zu", max);
		dir = fresh_dir(name);
		set.message.max_parts = max; /* the mail has 4: root, text, a.txt, b.txt */
		if (test_assert(extract_mail_isolated(eml, dir, &set, probe, &ex, &error) == 0)) {
			test_assert_int(ex->nfiles, max == 3 ? 0 : 2);
			test_assert_int(ex->nproblems, max == 3 ? 1 : 0);
			if (max == 3 && ex->nproblems == 1) {
				test_assert_str(ex->problems[0].code, "archive.bomb");
				test_assert(strstr(ex->problems[0].detail, "parts limit") != NULL);
			}
		}
		extract_free(&ex);
		free(dir);
	}
	free(eml);
	test_end();
}

static void test_mail_errors_stay_errors(void)
{
	char *dir = fresh_dir("w4"), *missing = xasprintf("%s/none.eml", test_tmpdir());
	struct extract *ex = NULL;
	const char *error = NULL;

	test_begin("worker: an unreadable mail is an error, not a verdict");
	test_assert(extract_mail_isolated(missing, dir, NULL, probe, &ex, &error) < 0);
	test_assert(ex == NULL);
	test_assert(error != NULL && strstr(error, "none.eml") != NULL);
	free(dir);
	free(missing);
	test_end();
}

static void test_long_name_keeps_extension(void)
{
	char *eml = xasprintf("%s/long.eml", test_tmpdir()), *dir = fresh_dir("w6");
	struct extract *ex = NULL;
	const char *error = NULL;
	struct buf m = BUF_INIT, name = BUF_INIT;
	FILE *f;

	test_begin("names over 255 bytes are cut in the stem, the extension kept");
	for (int i = 0; i < 100; i++)
		buf_puts(&name, "案");   /* 300 bytes of UTF-8 */
	buf_printf(&m, "From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\n"
		   "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"A\"\r\n\r\n"
		   "--A\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
		   "--A\r\nContent-Type: application/octet-stream\r\n"
		   "Content-Disposition: attachment; filename*=UTF-8''%s.docx\r\n\r\n"
		   "data\r\n--A--\r\n", buf_cstr(&name));
	if ((f = fopen(eml, "w")) != NULL) {
		fwrite(m.data, 1, m.len, f);
		fclose(f);
	}
	if (test_assert(extract_mail_isolated(eml, dir, NULL, probe, &ex, &error) == 0) &&
	    test_assert_int(ex->nfiles, 1)) {
		const char *n = ex->files[0].name;
		size_t len = strlen(n);
		test_assert(len <= EXTRACT_DEFAULT_MAX_NAME_BYTES);
		test_assert(len > 5 && strcmp(n + len - 5, ".docx") == 0);
		test_assert(strncmp(n, "案案案", 9) == 0);
	}
	extract_free(&ex);
	buf_free(&m);
	buf_free(&name);
	free(eml);
	free(dir);
	test_end();
}

/* ---- confinement: what a taken-over worker could try ---- */

enum {
	CAN_WRITE_WORKDIR = 1 << 0,
	CAN_WRITE_OUTSIDE = 1 << 1,
	CAN_READ_ETC = 1 << 2,
	CAN_READ_USR = 1 << 3,
	CAN_FORK = 1 << 4,
	IOCTL_REFUSED = 1 << 5,
	LANDLOCK_ON = 1 << 6,
};

struct confine_job {
	const char *workdir, *outside;
	int action; /* 0: probe the rules; 1: socket(); 2: execve() */
};

static int confine_child(void *ctx, void *result, size_t size)
{
	const struct confine_job *job = ctx;
	const char *ro[] = { "/usr", "/proc", "/dev/null" };
	const char *error;
	unsigned *bits = result;
	struct termios t;
	char *p;
	int fd, st;
	pid_t pid;

	(void)size;
	if (landlock_confine(job->workdir, ro, 3, &error) > 0)
		*bits |= LANDLOCK_ON;
	if (job->action == 1)
		(void)socket(AF_INET, SOCK_STREAM, 0);
	if (job->action == 2) {
		char *argv[] = { (char *)"/bin/true", NULL };
		(void)execve(argv[0], argv, NULL);
	}
	p = xasprintf("%s/inside", job->workdir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
		*bits |= CAN_WRITE_WORKDIR;
		close(fd);
	}
	free(p);
	if ((fd = open(job->outside, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
		*bits |= CAN_WRITE_OUTSIDE;
		close(fd);
	}
	if ((fd = open("/etc/passwd", O_RDONLY)) >= 0) {
		*bits |= CAN_READ_ETC;
		close(fd);
	}
	if ((fd = open("/usr/lib/os-release", O_RDONLY)) >= 0) {
		*bits |= CAN_READ_USR;
		close(fd);
	}
	if (ioctl(STDIN_FILENO, TCGETS, &t) < 0 && errno == EPERM)
		*bits |= IOCTL_REFUSED;
	if ((pid = fork()) == 0)
		_exit(7);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7)
		*bits |= CAN_FORK;
	return 0;
}

static void test_confinement(void)
{
	char *dir = fresh_dir("w5");
	char *outside = xasprintf("%s/outside", test_tmpdir());
	struct sandbox_limits lim = { .seccomp = SANDBOX_SECCOMP_WORKER, .timeout_ms = 10000 };
	struct confine_job job = { dir, outside, 0 };
	struct sandbox_report rep;
	const char *error;
	unsigned bits = 0;

	test_begin("worker: writes only in its directory, reads /usr, forks, no ioctl");
	if (test_assert(sandbox_run(&lim, confine_child, &job, &bits, sizeof(bits),
				    &rep, &error) == 0) &&
	    test_assert_str(rep.reason, "ok")) {
		test_assert(bits & CAN_WRITE_WORKDIR);
		test_assert(bits & CAN_READ_USR);
		test_assert(bits & CAN_FORK);
		test_assert(bits & IOCTL_REFUSED);
		if (bits & LANDLOCK_ON) {
			test_assert(!(bits & CAN_WRITE_OUTSIDE));
			test_assert(!(bits & CAN_READ_ETC));
			test_assert(access(outside, F_OK) < 0);
		} else {
			printf("# this kernel has no Landlock: file confinement not tested\n");
		}
	}
	test_end();

	test_begin("worker: socket() and execve() kill it (SIGSYS)");
	for (int action = 1; action <= 2; action++) {
		job.action = action;
		if (test_assert(sandbox_run(&lim, confine_child, &job, &bits, sizeof(bits),
					    &rep, &error) == 0)) {
			test_assert_int(rep.outcome, SANDBOX_CRASHED);
			test_assert_int(rep.signo, SIGSYS);
		}
	}
	test_end();
	free(dir);
	free(outside);
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_same_as_in_process, test_limit_is_mail_verdict,
		test_over_part_limit_writes_nothing, test_mail_errors_stay_errors, test_long_name_keeps_extension,
		test_confinement, NULL,
	};
	const char *error;
	int ret;

	probe = probe_init(NULL, &error);
	if (probe == NULL) {
		printf("Bail out! probe_init: %s\n", error);
		return 1;
	}
	ret = test_run(tests);
	probe_deinit(&probe);
	return ret;
}
