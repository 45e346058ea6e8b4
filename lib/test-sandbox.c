/* Tests for sandbox: results, crashes, limits, timeouts, descriptors, reaping,
 * the seccomp filter; the persistent worker (sandbox_worker_*()): many calls
 * in one process, a fresh worker after each failure, per-call limits,
 * descriptor passing, forks, the restart after SANDBOX_WORKER_MAX_CALLS. */
#include "sandbox.h"
#include "test.h"
#include "xalloc.h"

#include <dirent.h>
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
#include <time.h>
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

/* ---- the persistent worker ---- */

enum w_op {
	WOP_OK,            /* pid, calls served so far; "call ARG" on stderr */
	WOP_SEGV,
	WOP_FAIL,          /* fn returns -1 */
	WOP_HOG,           /* allocates until the address space limit */
	WOP_SOCKET,        /* killed under STRICT */
	WOP_SLEEP,         /* until the deadline */
	WOP_BURN,          /* ARG ms of CPU time, then a reply */
	WOP_BURN_IGNORING, /* the same with SIGXCPU ignored */
	WOP_READ_FD,       /* data[] from in_fd */
	WOP_SET_CPU_LIMIT, /* err: what setting its own RLIMIT_CPU gave */
	WOP_FORGE,         /* a short message on its socket, then sleeps */
};

struct w_req {
	enum w_op op;
	int arg;
};

struct w_res {
	pid_t pid;
	int calls;               /* calls this worker process has served */
	int in_fd;
	long val;
	int err;
	char data[64];
};

static int w_served;             /* in the worker's memory */

/* Blocks until killed; futex is allowed under STRICT (pause is not). */
static int w_block(void)
{
	static int word;

	for (;;)
		syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int w_serve(void *ctx, const void *request, size_t req_size, int in_fd,
		   void *result, size_t result_size)
{
	const struct w_req *req = request;
	struct w_res *res = result;
	struct rlimit rl = { 1000, RLIM_INFINITY };
	double until;
	ssize_t n;

	res->pid = getpid();
	res->calls = ++w_served;
	res->in_fd = in_fd;
	switch (req->op) {
	case WOP_OK:
		fprintf(stderr, "call %d\n", req->arg);
		return 0;
	case WOP_SEGV:
		raise(SIGSEGV);
		return 0;
	case WOP_FAIL:
		return -1;
	case WOP_HOG:
		return fn_hog(ctx, result, result_size);
	case WOP_SOCKET:
		res->val = socket(AF_INET, SOCK_STREAM, 0);
		return 0;
	case WOP_SLEEP:
		return w_block();
	case WOP_BURN_IGNORING:
		signal(SIGXCPU, SIG_IGN);
		/* fall through */
	case WOP_BURN:
		until = cpu_now() + req->arg / 1000.0;
		while (cpu_now() < until)
			;
		return 0;
	case WOP_READ_FD:
		n = pread(in_fd, res->data, sizeof(res->data) - 1, 0);
		res->val = n;
		return 0;
	case WOP_SET_CPU_LIMIT:
		errno = 0;
		res->val = prlimit(0, RLIMIT_CPU, &rl, NULL);
		res->err = errno;
		return 0;
	case WOP_FORGE:
		for (int fd = 3; fd < 64; fd++) {
			struct stat st;

			if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
				(void)write(fd, "junk", 4);
		}
		return w_block();
	}
	return 0;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static struct sandbox_worker *w_start(const struct sandbox_limits *lim)
{
	struct sandbox_worker *w = NULL;
	const char *error = NULL;

	if (sandbox_worker_start(lim, w_serve, NULL, sizeof(struct w_req),
				 sizeof(struct w_res), &w, &error) < 0) {
		printf("# sandbox_worker_start: %s\n", error);
		return NULL;
	}
	return w;
}

/* One call; returns the outcome, -1 if the call itself failed. */
static int w_call(struct sandbox_worker *w, enum w_op op, int arg, int fd, struct w_res *res,
		  struct sandbox_report *rep)
{
	struct w_req req = { op, arg };
	const char *error = NULL;

	memset(res, 0x55, sizeof(*res));
	if (sandbox_worker_call(w, &req, fd, res, rep, &error) < 0) {
		printf("# sandbox_worker_call: %s\n", error);
		return -1;
	}
	return (int)rep->outcome;
}

static const struct sandbox_limits w_strict = {
	.seccomp = SANDBOX_SECCOMP_STRICT, .cpu_seconds = 1, .address_space = 64 << 20,
	.timeout_ms = 10000,
};

static void test_worker_many_calls(void)
{
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;
	pid_t pid = 0;
	bool same = true, counted = true, output = true;

	test_begin("worker: 200 calls, one process, each call's own output");
	if (test_assert(w != NULL)) {
		pid = sandbox_worker_pid(w);
		test_assert(pid > 0);
		for (int i = 0; i < 200; i++) {
			char want[32];

			snprintf(want, sizeof(want), "call %d\n", i);
			if (w_call(w, WOP_OK, i, -1, &res, &rep) != SANDBOX_OK) {
				printf("# call %d: %s\n", i, rep.reason);
				same = false;
				break;
			}
			same = same && res.pid == pid && sandbox_worker_pid(w) == pid;
			counted = counted && res.calls == i + 1 && res.in_fd == -1;
			output = output && strcmp(rep.output, want) == 0;
		}
		test_assert(same);
		test_assert(counted);
		test_assert(output);
		test_assert_str(rep.reason, "ok");
		test_assert(rep.max_rss_kib > 0);
		test_assert(rep.wall_seconds >= 0 && rep.wall_seconds < 5);
		sandbox_worker_stop(&w);
		test_assert(w == NULL);
		test_assert(kill(pid, 0) < 0 && errno == ESRCH); /* gone and reaped */
	}
	test_assert(test_no_zombie());
	test_end();
}

static const struct {
	const char *name;
	enum w_op op;
	int arg;
	struct sandbox_limits lim;
	enum sandbox_outcome outcome;
	const char *reason;
} worker_cases[] = {
	{ "segfault", WOP_SEGV, 0, { .seccomp = SANDBOX_SECCOMP_STRICT }, SANDBOX_CRASHED,
	  "crashed (signal 11)" },
	{ "fn fails", WOP_FAIL, 0, { .seccomp = SANDBOX_SECCOMP_STRICT }, SANDBOX_FAILED,
	  "failed (exit 1)" },
	{ "memory hog", WOP_HOG, 0, { .seccomp = SANDBOX_SECCOMP_STRICT, .address_space = 64 << 20 },
	  SANDBOX_LIMIT, "memory limit" },
	{ "socket() under STRICT", WOP_SOCKET, 0, { .seccomp = SANDBOX_SECCOMP_STRICT },
	  SANDBOX_CRASHED, "crashed (signal 31: bad system call)" },
	{ "sleeps past the deadline", WOP_SLEEP, 0,
	  { .seccomp = SANDBOX_SECCOMP_STRICT, .timeout_ms = 300 }, SANDBOX_TIMEOUT,
	  "timed out after 300 ms" },
	{ "CPU loop", WOP_BURN, 30000, { .seccomp = SANDBOX_SECCOMP_STRICT, .cpu_seconds = 1 },
	  SANDBOX_LIMIT, "CPU time limit (1 s)" },
	{ "CPU loop ignoring SIGXCPU", WOP_BURN_IGNORING, 30000,
	  { .seccomp = SANDBOX_SECCOMP_STRICT, .cpu_seconds = 1 }, SANDBOX_LIMIT,
	  "CPU time limit (1 s)" },
	{ "a forged reply", WOP_FORGE, 0, { .seccomp = SANDBOX_SECCOMP_OFF }, SANDBOX_BAD_RESULT,
	  NULL /* "bad result (0 of sizeof(struct w_res) bytes)" */ },
};

/* OK, then the failure, then OK again from a fresh worker. */
static void test_worker_failures(void)
{
	for (size_t i = 0; i < sizeof(worker_cases) / sizeof(worker_cases[0]); i++) {
		struct sandbox_worker *w = w_start(&worker_cases[i].lim);
		struct sandbox_report rep;
		struct w_res res;
		const char *reason = worker_cases[i].reason;
		char name[128], bad[64];
		pid_t first;

		snprintf(name, sizeof(name), "worker: %s ends that call only",
			 worker_cases[i].name);
		snprintf(bad, sizeof(bad), "bad result (0 of %zu bytes)", sizeof(struct w_res));
		test_begin(name);
		if (!test_assert(w != NULL)) {
			test_end();
			continue;
		}
		test_assert_int(w_call(w, WOP_OK, 1, -1, &res, &rep), SANDBOX_OK);
		test_assert_int(w_call(w, WOP_OK, 2, -1, &res, &rep), SANDBOX_OK);
		first = res.pid;
		test_assert_int(res.calls, 2);
		if (!test_assert_int(w_call(w, worker_cases[i].op, worker_cases[i].arg, -1, &res,
					    &rep), worker_cases[i].outcome))
			printf("# reason %s, output %s\n", rep.reason, rep.output);
		test_assert_str(rep.reason, reason != NULL ? reason : bad);
		test_assert(res.pid == 0 && res.calls == 0); /* zeroed */
		test_assert_int(sandbox_worker_pid(w), 0);
		test_assert(kill(first, 0) < 0 && errno == ESRCH); /* killed and reaped */
		test_assert(test_no_zombie());
		test_assert_int(w_call(w, WOP_OK, 3, -1, &res, &rep), SANDBOX_OK);
		test_assert(res.pid != first && res.pid > 0);
		test_assert_int(res.calls, 1);
		test_assert_str(rep.output, "call 3\n");
		sandbox_worker_stop(&w);
		test_assert(test_no_zombie());
		test_end();
	}
}

static void test_worker_cpu_per_call(void)
{
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;
	pid_t pid = 0;
	bool ok = true;

	test_begin("worker: the CPU limit (1 s) holds per call, not in sum (5 × 0.6 s)");
	if (test_assert(w != NULL)) {
		for (int i = 0; i < 5 && ok; i++) {
			ok = test_assert_int(w_call(w, WOP_BURN, 600, -1, &res, &rep), SANDBOX_OK);
			if (!ok)
				printf("# call %d: %s\n", i, rep.reason);
			ok = test_assert(rep.cpu_seconds >= 0.55 && rep.cpu_seconds < 1.0) && ok;
			if (i == 0)
				pid = res.pid;
			ok = test_assert(res.pid == pid) && ok;
		}
		test_assert_int(res.calls, 5);
		/* the next one that takes more is stopped at its own limit */
		test_assert_int(w_call(w, WOP_BURN, 3000, -1, &res, &rep), SANDBOX_LIMIT);
		test_assert_str(rep.reason, "CPU time limit (1 s)");
		test_assert(rep.cpu_seconds >= 1.0 && rep.cpu_seconds < 2.9);
		sandbox_worker_stop(&w);
	}
	test_assert(test_no_zombie());
	test_end();
}

static void test_worker_fds(void)
{
	static const char data[] = "passed over the socket";
	char *path = NULL;
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;
	int fd = -1, before, after = -1;
	bool all = true;

	test_begin("worker: a descriptor passed with each call, none left behind");
	if (!test_assert(w != NULL)) {
		test_end();
		return;
	}
	path = xasprintf("%s/passed", test_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	test_assert(fd >= 0 && write(fd, data, sizeof(data) - 1) == (ssize_t)sizeof(data) - 1);
	test_assert_int(w_call(w, WOP_READ_FD, 0, fd, &res, &rep), SANDBOX_OK);
	test_assert_str(res.data, data);
	test_assert_int(res.val, (long)sizeof(data) - 1);
	test_assert(res.in_fd >= 3);
	before = count_fds(sandbox_worker_pid(w));
	for (int i = 0; i < 100 && all; i++)
		all = w_call(w, WOP_READ_FD, 0, fd, &res, &rep) == SANDBOX_OK &&
		      strcmp(res.data, data) == 0;
	test_assert(all);
	after = count_fds(sandbox_worker_pid(w));
	if (!test_assert(before > 0 && after == before))
		printf("# descriptors in the worker: %d, then %d\n", before, after);
	test_assert_int(w_call(w, WOP_OK, 0, -1, &res, &rep), SANDBOX_OK);
	test_assert_int(res.in_fd, -1);
	test_assert(fcntl(fd, F_GETFD) >= 0); /* the caller's copy stays */
	sandbox_worker_stop(&w);
	close(fd);
	free(path);
	test_end();
}

static void test_worker_seccomp(void)
{
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;

	test_begin("worker seccomp: the worker may not set its own CPU limit (EPERM)");
	if (test_assert(w != NULL)) {
		test_assert_int(w_call(w, WOP_SET_CPU_LIMIT, 0, -1, &res, &rep), SANDBOX_OK);
		test_assert_int(res.val, -1);
		test_assert_int(res.err, EPERM);
		sandbox_worker_stop(&w);
	}
	test_end();
}

/* In a forked child: the inherited worker is left alone, the child gets
 * its own. Returns a bit per failed check (the child's exit code). */
static int worker_in_child(struct sandbox_worker *w, pid_t parents, bool reuse_fds)
{
	struct sandbox_report rep;
	struct w_res res;
	int fails = 0, fds[8], nfds = 0;

	if (reuse_fds) {
		/* as in a sandbox_run() child: every inherited descriptor
		 * closed, the numbers taken by other files */
		close_range(3, ~0U, 0);
		for (int i = 0; i < 8; i++)
			fds[nfds++] = open("/dev/null", O_RDONLY);
	}
	if (w_call(w, WOP_OK, 7, -1, &res, &rep) != SANDBOX_OK)
		fails |= 1;
	if (res.pid == parents || res.pid <= 0 || res.calls != 1 || sandbox_worker_pid(w) != res.pid)
		fails |= 2;
	if (kill(parents, 0) < 0)
		fails |= 4;
	for (int i = 0; i < nfds; i++) {
		if (fds[i] < 0 || fcntl(fds[i], F_GETFD) < 0)
			fails |= 8;
	}
	sandbox_worker_stop(&w);
	if (!test_no_zombie() || kill(res.pid, 0) == 0)
		fails |= 16;
	return fails;
}

static void test_worker_fork(void)
{
	for (int reuse = 0; reuse < 2; reuse++) {
		struct sandbox_worker *w = w_start(&w_strict);
		struct sandbox_report rep;
		struct w_res res;
		int status = -1;
		pid_t pid, child;

		test_begin(reuse ? "worker: a forked child (its descriptors closed and reused) "
			   "starts its own worker and leaves the parent's alone" :
			   "worker: a forked child starts its own worker and leaves the "
			   "parent's alone");
		if (!test_assert(w != NULL)) {
			test_end();
			continue;
		}
		test_assert_int(w_call(w, WOP_OK, 1, -1, &res, &rep), SANDBOX_OK);
		pid = res.pid;
		fflush(stdout);
		child = fork();
		if (child == 0)
			_exit(worker_in_child(w, pid, reuse));
		test_assert(child > 0 && waitpid(child, &status, 0) == child);
		if (!test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			printf("# child's failed checks: %#x\n", WEXITSTATUS(status));
		test_assert_int(w_call(w, WOP_OK, 2, -1, &res, &rep), SANDBOX_OK);
		test_assert(res.pid == pid);
		test_assert_int(res.calls, 2); /* the same process, undisturbed */
		test_assert_str(rep.output, "call 2\n");
		sandbox_worker_stop(&w);
		test_assert(test_no_zombie());
		test_end();
	}
}

static void test_worker_restarts(void)
{
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;
	pid_t first = 0;
	bool same = true;

	test_begin("worker: a fresh worker after SANDBOX_WORKER_MAX_CALLS calls");
	if (test_assert(w != NULL)) {
		for (int i = 0; i < SANDBOX_WORKER_MAX_CALLS && same; i++) {
			same = w_call(w, WOP_OK, i, -1, &res, &rep) == SANDBOX_OK &&
			       (i == 0 || res.pid == first) && res.calls == i + 1;
			if (i == 0)
				first = res.pid;
		}
		test_assert(same);
		test_assert_int(w_call(w, WOP_OK, 0, -1, &res, &rep), SANDBOX_OK);
		test_assert(res.pid != first);
		test_assert_int(res.calls, 1);
		test_assert(kill(first, 0) < 0 && errno == ESRCH);
		test_assert(test_no_zombie());
		sandbox_worker_stop(&w);
	}
	test_end();
}

static void test_worker_idle_death(void)
{
	struct sandbox_worker *w = w_start(&w_strict);
	struct sandbox_report rep;
	struct w_res res;
	pid_t first;

	test_begin("worker: killed from outside while idle, the next call is not blamed");
	if (test_assert(w != NULL)) {
		first = sandbox_worker_pid(w);
		test_assert(kill(first, SIGKILL) == 0);
		usleep(20000);
		test_assert_int(w_call(w, WOP_OK, 0, -1, &res, &rep), SANDBOX_OK);
		test_assert(res.pid != first);
		test_assert(test_no_zombie());
		sandbox_worker_stop(&w);
	}
	test_end();
}

static void test_worker_start_errors(void)
{
	struct sandbox_worker *w = NULL;
	const char *error = NULL;
	int bogus = -2;       /* not a system call: the filter cannot be built */
	struct sandbox_limits lim = { .seccomp = SANDBOX_SECCOMP_STRICT, .seccomp_allow = &bogus,
				      .seccomp_allow_count = 1 };

	test_begin("worker: set-up and size errors are errors, not outcomes");
	test_assert_int(sandbox_worker_start(&lim, w_serve, NULL, sizeof(struct w_req),
					     sizeof(struct w_res), &w, &error), -1);
	if (!test_assert(error != NULL && strncmp(error, "sandbox: seccomp", 16) == 0))
		printf("# error: %s\n", error != NULL ? error : "(none)");
	test_assert(w == NULL);
	test_assert_int(sandbox_worker_start(NULL, w_serve, NULL, SANDBOX_WORKER_MAX_MSG,
					     sizeof(struct w_res), &w, &error), -1);
	test_assert(w == NULL);
	test_assert(test_no_zombie());
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
		test_sandbox_big_result, test_sandbox_seccomp, test_sandbox_seccomp_allowed,
		test_worker_many_calls, test_worker_failures, test_worker_cpu_per_call,
		test_worker_fds, test_worker_seccomp, test_worker_fork, test_worker_restarts,
		test_worker_idle_death, test_worker_start_errors,
		test_sandbox_no_zombies, NULL
	};
	return test_run(tests);
}
