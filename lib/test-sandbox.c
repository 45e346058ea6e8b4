/* Tests for sandbox: results, crashes, limits, timeouts, descriptors, reaping,
 * the seccomp filter. */
#include "sandbox.h"
#include "test.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* ---- the seccomp filter (SANDBOX_SECCOMP_STRICT) ---- */

struct sc_ctx {
	char path[512];           /* a file to create or read */
	int fd;                   /* an inherited descriptor */
};

struct sc_result {
	long ret;                 /* what the call returned */
	int err;                  /* its errno */
	unsigned char sum;        /* the read test's checksum */
};

#define SC_CALL(r, call) do { errno = 0; (r)->ret = (long)(call); (r)->err = errno; } while (0)

static int fn_socket(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, socket(AF_INET, SOCK_STREAM, 0));
	return 0;
}

static int fn_execve(void *c, void *res, size_t size)
{
	char *const argv[] = { "true", NULL };

	SC_CALL((struct sc_result *)res, execve("/bin/true", argv, argv + 1));
	return 0;
}

static int fn_ptrace(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	return 0;
}

static int fn_fork(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, fork());
	return 0;
}

static int fn_kill_parent(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, kill(getppid(), 0));
	return 0;
}

static int fn_getuid(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, syscall(SYS_getuid));
	return 0;
}

static int fn_create(void *c, void *res, size_t size)
{
	struct sc_ctx *ctx = c;

	SC_CALL((struct sc_result *)res, open(ctx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	return 0;
}

static int fn_open_read(void *c, void *res, size_t size)
{
	SC_CALL((struct sc_result *)res, open("/etc/passwd", O_RDONLY));
	return 0;
}

static int fn_mmap_exec(void *c, void *res, size_t size)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sc_result *r = res;

	r->err = errno;
	r->ret = p == MAP_FAILED ? -1 : 0;
	return 0;
}

static int fn_write_inherited(void *c, void *res, size_t size)
{
	struct sc_ctx *ctx = c;

	SC_CALL((struct sc_result *)res, write(ctx->fd, "x", 1));
	return 0;
}

static int cmp_byte(const void *a, const void *b)
{
	return *(const unsigned char *)a - *(const unsigned char *)b;
}

/* What probing does: fstat, read and seek an inherited file, allocate
 * (brk and mmap), sort (qsort asks sysinfo()), print to stderr. */
static int fn_compute(void *c, void *res, size_t size)
{
	struct sc_ctx *ctx = c;
	struct sc_result *r = res;
	unsigned char buf[256], *big = xmalloc(64 << 20);
	struct stat st;
	ssize_t n;

	memset(big, 3, 64 << 20);
	if (fstat(ctx->fd, &st) < 0 || lseek(ctx->fd, 0, SEEK_SET) < 0 ||
	    (n = read(ctx->fd, buf, sizeof(buf))) <= 0 || pread(ctx->fd, buf, 1, 0) != 1)
		return -1;
	qsort(big, 1 << 20, 1, cmp_byte);
	for (ssize_t i = 0; i < n; i++)
		r->sum += buf[i];
	r->ret = (long)st.st_size + big[12345];
	free(big);
	fputs("computed\n", stderr);
	return 0;
}

static const struct {
	const char *name;
	sandbox_fn_t *fn;
	enum sandbox_outcome outcome;
	const char *reason;
	int err;                  /* for SANDBOX_OK: the call failed with this errno */
} seccomp_cases[] = {
	{ "socket() kills", fn_socket, SANDBOX_CRASHED, "crashed (signal 31: bad system call)", 0 },
	{ "execve() kills", fn_execve, SANDBOX_CRASHED, "crashed (signal 31: bad system call)", 0 },
	{ "ptrace() kills", fn_ptrace, SANDBOX_CRASHED, "crashed (signal 31: bad system call)", 0 },
	{ "fork() kills", fn_fork, SANDBOX_CRASHED, "crashed (signal 31: bad system call)", 0 },
	{ "kill(parent) kills", fn_kill_parent, SANDBOX_CRASHED,
	  "crashed (signal 31: bad system call)", 0 },
	{ "a call not on the list (getuid) kills", fn_getuid, SANDBOX_CRASHED,
	  "crashed (signal 31: bad system call)", 0 },
	{ "writing to an inherited descriptor kills", fn_write_inherited, SANDBOX_CRASHED,
	  "crashed (signal 31: bad system call)", 0 },
	{ "open(O_WRONLY|O_CREAT) fails with EPERM", fn_create, SANDBOX_OK, "ok", EPERM },
	{ "open(O_RDONLY) fails with EPERM", fn_open_read, SANDBOX_OK, "ok", EPERM },
	{ "mmap(PROT_EXEC) fails with EPERM", fn_mmap_exec, SANDBOX_OK, "ok", EPERM },
	{ "memory hog ends as a memory limit", fn_hog, SANDBOX_LIMIT, "memory limit", 0 },
	{ "segfault", fn_segv, SANDBOX_CRASHED, "crashed (signal 11)", 0 },
	{ "CPU loop", fn_spin, SANDBOX_LIMIT, "CPU time limit (1 s)", 0 },
};

static void test_sandbox_seccomp(void)
{
	struct sc_ctx ctx;
	int pipefd[2];

	snprintf(ctx.path, sizeof(ctx.path), "%s/created-by-child", test_tmpdir());
	if (pipe(pipefd) < 0)
		abort();
	ctx.fd = pipefd[1];
	for (size_t i = 0; i < sizeof(seccomp_cases) / sizeof(seccomp_cases[0]); i++) {
		struct sandbox_limits lim = {
			.seccomp = SANDBOX_SECCOMP_STRICT, .keep_fds = &ctx.fd, .keep_fds_count = 1,
			.cpu_seconds = 1, .address_space = 64 << 20, .timeout_ms = 10000,
		};
		struct sandbox_report rep;
		struct sc_result r;
		const char *error;
		char name[128];
		struct stat st;

		snprintf(name, sizeof(name), "sandbox seccomp: %s", seccomp_cases[i].name);
		test_begin(name);
		test_assert_int(sandbox_run(&lim, seccomp_cases[i].fn, &ctx, &r, sizeof(r),
					    &rep, &error), 0);
		if (!test_assert_int(rep.outcome, seccomp_cases[i].outcome))
			printf("# child's output: %s\n", rep.output);
		test_assert_str(rep.reason, seccomp_cases[i].reason);
		if (seccomp_cases[i].outcome == SANDBOX_CRASHED && seccomp_cases[i].err == 0 &&
		    strstr(seccomp_cases[i].reason, "31") != NULL)
			test_assert_int(rep.signo, SIGSYS);
		if (seccomp_cases[i].err != 0) {
			test_assert_int(r.ret, -1);
			test_assert_int(r.err, seccomp_cases[i].err);
		}
		test_assert(stat(ctx.path, &st) < 0 && errno == ENOENT);
		test_end();
	}
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_sandbox_seccomp_allowed(void)
{
	static const char data[] = "what a probe reads";
	struct sandbox_report rep;
	struct sc_result r;
	const char *error;
	struct sc_ctx ctx;
	unsigned char sum = 0;
	int getuid_nr = SYS_getuid;
	struct sandbox_limits lim = {
		.seccomp = SANDBOX_SECCOMP_STRICT, .keep_fds = &ctx.fd, .keep_fds_count = 1,
	};

	snprintf(ctx.path, sizeof(ctx.path), "%s/input", test_tmpdir());
	ctx.fd = open(ctx.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ctx.fd < 0 || write(ctx.fd, data, sizeof(data)) != (ssize_t)sizeof(data))
		abort();
	for (size_t i = 0; i < sizeof(data); i++)
		sum += (unsigned char)data[i];

	test_begin("sandbox seccomp: reading, allocating, sorting, stderr all work");
	test_assert_int(sandbox_run(&lim, fn_compute, &ctx, &r, sizeof(r), &rep, &error), 0);
	test_assert_str(rep.reason, "ok");
	test_assert_int(r.ret, (long)sizeof(data) + 3);
	test_assert_int(r.sum, sum);
	test_assert_str(rep.output, "computed\n");
	test_end();

	test_begin("sandbox seccomp: seccomp_allow adds a call (getuid)");
	lim.seccomp_allow = &getuid_nr;
	lim.seccomp_allow_count = 1;
	test_assert_int(sandbox_run(&lim, fn_getuid, &ctx, &r, sizeof(r), &rep, &error), 0);
	test_assert_str(rep.reason, "ok");
	test_assert_int(r.ret, (long)getuid());
	test_end();

	test_begin("sandbox seccomp: OFF (the default) lets the child open files");
	lim = (struct sandbox_limits){ 0 };
	snprintf(ctx.path, sizeof(ctx.path), "%s/created-without-filter", test_tmpdir());
	test_assert_int(sandbox_run(&lim, fn_create, &ctx, &r, sizeof(r), &rep, &error), 0);
	test_assert_str(rep.reason, "ok");
	test_assert(r.ret >= 0);
	test_assert(access(ctx.path, F_OK) == 0);
	test_end();
	close(ctx.fd);
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
		test_sandbox_big_result, test_sandbox_seccomp, test_sandbox_seccomp_allowed,
		test_sandbox_no_zombies, NULL
	};
	return test_run(tests);
}
