/* Tests for sandbox: results, crashes, limits, timeouts, descriptors, reaping. */
#include "sandbox.h"
#include "test.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct child_view {
	int magic;
	int no_new_privs;
	long cpu_limit, nofile_limit, core_limit;
	int fd_open, kept_fd_open, stdin_is_null;
};

struct ctx {
	int fd, kept_fd;          /* for the descriptor test */
	char path[512];           /* for the file size test */
};

static int fn_ok(void *c, void *result, size_t size)
{
	struct ctx *ctx = c;
	struct child_view *v = result;
	struct rlimit rl;
	struct stat st;

	(void)size;
	v->magic = 42;
	v->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	getrlimit(RLIMIT_CPU, &rl);
	v->cpu_limit = (long)rl.rlim_cur;
	getrlimit(RLIMIT_NOFILE, &rl);
	v->nofile_limit = (long)rl.rlim_cur;
	getrlimit(RLIMIT_CORE, &rl);
	v->core_limit = (long)rl.rlim_max;
	v->fd_open = ctx != NULL && fcntl(ctx->fd, F_GETFD) >= 0;
	v->kept_fd_open = ctx != NULL && fcntl(ctx->kept_fd, F_GETFD) >= 0;
	v->stdin_is_null = fstat(0, &st) == 0 && S_ISCHR(st.st_mode);
	fputs("a warning on stderr\n", stderr);
	return 0;
}

static int fn_fail(void *c, void *result, size_t size) { return -1; }

static int fn_segv(void *c, void *result, size_t size)
{
	raise(SIGSEGV);
	return 0;
}

static int fn_spin(void *c, void *result, size_t size)
{
	for (volatile unsigned long i = 0; ; i++)
		;
	return 0;
}

static int fn_spin_ignoring_sigxcpu(void *c, void *result, size_t size)
{
	signal(SIGXCPU, SIG_IGN); /* then the hard limit's SIGKILL ends it */
	return fn_spin(c, result, size);
}

static int fn_sleep(void *c, void *result, size_t size)
{
	for (;;)
		pause();
	return 0;
}

static int fn_hog(void *c, void *result, size_t size)
{
	/* xmalloc aborts with "out of memory" once RLIMIT_AS refuses */
	for (int i = 0; i < 64; i++)
		memset(xmalloc(16 << 20), 1, 16 << 20);
	return 0;
}

static int fn_big_file(void *c, void *result, size_t size)
{
	struct ctx *ctx = c;
	static char block[65536];
	int fd = open(ctx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	for (int i = 0; fd >= 0 && i < 64; i++) {
		if (write(fd, block, sizeof(block)) < 0)
			return -1;
	}
	return 0;
}

static int fn_no_result(void *c, void *result, size_t size) { _exit(0); }

static int fn_grandchild(void *c, void *result, size_t size)
{
	/* a grandchild that keeps the pipes open must not stall the parent */
	if (fork() == 0) {
		sleep(100);
		_exit(0);
	}
	memset(result, 7, size);
	return 0;
}

static int fn_big_result(void *c, void *result, size_t size)
{
	memset(result, 0x5a, size);
	return 0;
}

static void test_sandbox_ok(void)
{
	struct child_view v;
	struct sandbox_report rep;
	const char *error;
	int kept = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct ctx ctx = { .fd = open("/dev/null", O_RDONLY), .kept_fd = kept };
	struct sandbox_limits lim = { .keep_fds = &kept, .keep_fds_count = 1 };

	test_begin("sandbox ok: result, limits, descriptors, output");
	test_assert_int(sandbox_run(&lim, fn_ok, &ctx, &v, sizeof(v), &rep, &error), 0);
	test_assert_int(rep.outcome, SANDBOX_OK);
	test_assert_str(rep.reason, "ok");
	test_assert_int(v.magic, 42);
	test_assert_int(v.no_new_privs, 1);
	test_assert_int(v.cpu_limit, SANDBOX_DEFAULT_CPU_SECONDS);
	test_assert_int(v.nofile_limit, SANDBOX_DEFAULT_OPEN_FILES);
	test_assert_int(v.core_limit, 0);
	test_assert_int(v.fd_open, 0);
	test_assert_int(v.kept_fd_open, 1);
	test_assert_int(v.stdin_is_null, 1);
	test_assert_str(rep.output, "a warning on stderr\n");
	test_assert(rep.max_rss_kib > 0);
	close(ctx.fd);
	close(kept);
	test_end();
}

static const struct {
	const char *name;
	sandbox_fn_t *fn;
	struct sandbox_limits lim;
	enum sandbox_outcome outcome;
	const char *reason;
} outcome_cases[] = {
	{ "fn fails", fn_fail, { 0 }, SANDBOX_FAILED, "failed (exit 1)" },
	{ "segfault", fn_segv, { 0 }, SANDBOX_CRASHED, "crashed (signal 11)" },
	{ "CPU loop", fn_spin, { .cpu_seconds = 1, .timeout_ms = 10000 },
	  SANDBOX_LIMIT, "CPU time limit (1 s)" },
	{ "CPU loop ignoring SIGXCPU", fn_spin_ignoring_sigxcpu,
	  { .cpu_seconds = 1, .timeout_ms = 10000 }, SANDBOX_LIMIT, "CPU time limit (1 s)" },
	{ "sleeps", fn_sleep, { .timeout_ms = 300 }, SANDBOX_TIMEOUT,
	  "timed out after 300 ms" },
	{ "memory hog", fn_hog, { .address_space = 64 << 20 }, SANDBOX_LIMIT,
	  "memory limit" },
	{ "big file", fn_big_file, { .file_size = 1 << 20 }, SANDBOX_LIMIT,
	  "file size limit" },
	{ "no result", fn_no_result, { 0 }, SANDBOX_BAD_RESULT,
	  "bad result (0 of 64 bytes)" },
};

static void test_sandbox_outcomes(void)
{
	struct ctx ctx = { 0 };

	snprintf(ctx.path, sizeof(ctx.path), "%s/big", test_tmpdir());
	for (size_t i = 0; i < sizeof(outcome_cases) / sizeof(outcome_cases[0]); i++) {
		struct sandbox_report rep;
		const char *error;
		char result[64];
		char name[128];

		snprintf(name, sizeof(name), "sandbox outcome: %s", outcome_cases[i].name);
		test_begin(name);
		memset(result, 1, sizeof(result));
		test_assert_int(sandbox_run(&outcome_cases[i].lim, outcome_cases[i].fn,
					    &ctx, result, sizeof(result), &rep, &error), 0);
		test_assert_int(rep.outcome, outcome_cases[i].outcome);
		test_assert_str(rep.reason, outcome_cases[i].reason);
		test_assert(result[0] == 0 && result[63] == 0); /* zeroed on failure */
		test_end();
	}
}

static void test_sandbox_grandchild(void)
{
	struct sandbox_report rep;
	const char *error;
	char result[16];

	test_begin("sandbox: a grandchild holding the pipes does not stall");
	test_assert_int(sandbox_run(NULL, fn_grandchild, NULL, result, sizeof(result),
				    &rep, &error), 0);
	test_assert_int(rep.outcome, SANDBOX_OK);
	test_assert(result[0] == 7 && result[15] == 7);
	test_assert(rep.wall_seconds < 5);
	test_end();
}

static void test_sandbox_big_result(void)
{
	size_t size = 1 << 20; /* far more than a pipe buffer */
	unsigned char *result = xmalloc(size);
	struct sandbox_report rep;
	const char *error;

	test_begin("sandbox: 1 MiB result");
	test_assert_int(sandbox_run(NULL, fn_big_result, NULL, result, size, &rep,
				    &error), 0);
	test_assert_int(rep.outcome, SANDBOX_OK);
	test_assert(result[0] == 0x5a && result[size - 1] == 0x5a);
	free(result);
	test_end();
}

static void test_sandbox_no_zombies(void)
{
	test_begin("sandbox: no zombie left");
	errno = 0;
	test_assert_int(waitpid(-1, NULL, WNOHANG), -1);
	test_assert_int(errno, ECHILD);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sandbox_ok, test_sandbox_outcomes, test_sandbox_grandchild,
		test_sandbox_big_result, test_sandbox_no_zombies, NULL
	};
	return test_run(tests);
}
