/* sandbox: fork, restrict, run, read a fixed-size result, reap.
 *
 * The parent side is one poll() loop over three descriptors: the result
 * pipe, the output pipe (the child's stdout/stderr) and a pidfd that turns
 * readable when the child exits. The pidfd matters when something other
 * than the child (a grandchild) still holds a pipe open: without it the
 * loop would wait for an EOF that never comes. Where pidfd_open() is not
 * available the loop polls in 50 ms slices and asks waitid() instead.
 *
 * The child is only reaped after its process group has been SIGKILLed:
 * while the child is a zombie its pid (= the group id) cannot be reused,
 * so the group kill can never hit an unrelated process. */
#include "sandbox-private.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static __thread char sandbox_err[256];

const char *sandbox_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sandbox_err, sizeof(sandbox_err), fmt, ap);
	va_end(ap);
	return sandbox_err;
}

const char *sandbox_outcome_name(enum sandbox_outcome outcome)
{
	switch (outcome) {
	case SANDBOX_OK: return "ok";
	case SANDBOX_FAILED: return "failed";
	case SANDBOX_CRASHED: return "crashed";
	case SANDBOX_TIMEOUT: return "timeout";
	case SANDBOX_LIMIT: return "limit";
	case SANDBOX_BAD_RESULT: return "bad-result";
	}
	return "unknown";
}

double sandbox_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- child side: only plain system calls until fn runs ---- */

void sandbox_child_fail(const char *what)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "sandbox: %s: %s\n", what, strerror(errno));

	if (n > 0)
		(void)fsutil_write_all(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ?
				       (size_t)n : sizeof(msg) - 1);
	_exit(SANDBOX_EXIT_SETUP_FAILED);
}

/* Set soft and hard limit, never above an existing hard limit (which an
 * unprivileged process could not raise anyway). */
static int sandbox_setrlimit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) == 0 && rl.rlim_max != RLIM_INFINITY) {
		if (hard > rl.rlim_max)
			hard = rl.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	rl.rlim_cur = soft;
	rl.rlim_max = hard;
	return setrlimit(resource, &rl);
}

/* Address space the child already has from the parent (VmSize). */
static uint64_t sandbox_inherited_vm(long pagesize)
{
	char buf[64];
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10) * (uint64_t)pagesize;
}

static int sandbox_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor ≥ 3 except those in keep[]. */
static void sandbox_close_others(int *keep, unsigned int count)
{
	unsigned int from = 3;

	qsort(keep, count, sizeof(keep[0]), sandbox_cmp_int);
	for (unsigned int i = 0; i <= count; i++) {
		unsigned int to = i < count ? (unsigned int)keep[i] : ~0U;

		if (i < count && (keep[i] < 3 || (unsigned int)keep[i] < from))
			continue;
		if (to > from && close_range(from, to - 1, 0) < 0) {
			/* kernels before 5.9: close one by one up to the limit */
			struct rlimit rl;
			unsigned int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
				rl.rlim_cur < 65536 ? (unsigned int)rl.rlim_cur : 65536;
			for (unsigned int fd = from; fd < to && fd < max; fd++)
				close((int)fd);
		}
		from = to + 1;
	}
}

void sandbox_child_setup(struct sandbox_child_args *a)
{
	const struct sandbox_limits *lim = a->lim;
	int keep[SANDBOX_MAX_KEEP_FDS + 1];
	unsigned int nkeep = 0;
	struct sigaction sa;
	sigset_t none;
	uint64_t as;
	int res_fd, null_fd;

	/* die with the parent; it may already be gone */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		sandbox_child_fail("PR_SET_PDEATHSIG");
	if (getppid() != a->parent)
		_exit(SANDBOX_EXIT_SETUP_FAILED);
	(void)setpgid(0, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	/* The pipes may have landed on 0..2 if the parent closed its stdio:
	 * move them up before redirecting. */
	res_fd = fcntl(a->res_fd, F_DUPFD, 3);
	if (res_fd < 0 || dup2(a->out_fd, STDOUT_FILENO) < 0 ||
	    dup2(a->out_fd, STDERR_FILENO) < 0)
		sandbox_child_fail("dup2");
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
		sandbox_child_fail("/dev/null");
	keep[nkeep++] = res_fd;
	for (unsigned int i = 0; i < lim->keep_fds_count &&
	     i < SANDBOX_MAX_KEEP_FDS; i++)
		keep[nkeep++] = lim->keep_fds[i];
	sandbox_close_others(keep, nkeep);
	if (fcntl(res_fd, F_SETFD, FD_CLOEXEC) < 0)
		sandbox_child_fail("fcntl");

	as = lim->address_space + sandbox_inherited_vm(a->pagesize);
	if (as < lim->address_space)
		as = RLIM_INFINITY; /* overflow: "no limit" was meant */
	/* A worker cannot raise a hard limit again (no CAP_SYS_RESOURCE):
	 * it sets its soft limit before each call and keeps the hard one as
	 * inherited; its parent kills it 1 s after the soft limit instead. */
	if (sandbox_setrlimit(RLIMIT_CPU, lim->cpu_seconds, a->persistent ? RLIM_INFINITY :
			      lim->cpu_seconds + 1) < 0)
		sandbox_child_fail("RLIMIT_CPU");
	if (sandbox_setrlimit(RLIMIT_AS, as, as) < 0)
		sandbox_child_fail("RLIMIT_AS");
	if (sandbox_setrlimit(RLIMIT_FSIZE, lim->file_size, lim->file_size) < 0)
		sandbox_child_fail("RLIMIT_FSIZE");
	/* valgrind refuses any change of the hard NOFILE limit (it keeps fds
	   of its own above it): then the soft limit alone */
	if (sandbox_setrlimit(RLIMIT_NOFILE, lim->open_files, lim->open_files) < 0 &&
	    (errno != EPERM || sandbox_setrlimit(RLIMIT_NOFILE, lim->open_files, RLIM_INFINITY) < 0))
		sandbox_child_fail("RLIMIT_NOFILE");
	if (sandbox_setrlimit(RLIMIT_CORE, 0, 0) < 0)
		sandbox_child_fail("RLIMIT_CORE");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		sandbox_child_fail("PR_SET_NO_NEW_PRIVS");

	/* last: the steps above need calls (close_range, setrlimit, prctl,
	 * open) that the filter forbids */
	if ((a->persistent ? sandbox_seccomp_install_serve(lim, res_fd) :
	     sandbox_seccomp_install(lim, res_fd)) < 0)
		sandbox_child_fail("seccomp");

	a->res_fd = res_fd; /* the moved copy; the original is closed */
}

static void __attribute__((noreturn))
sandbox_child(struct sandbox_child_args *a, sandbox_fn_t *fn, void *ctx,
	      void *result, size_t size)
{
	sandbox_child_setup(a);
	memset(result, 0, size);
	if (fn(ctx, result, size) != 0)
		_exit(SANDBOX_EXIT_FN_FAILED);
	if (fsutil_write_all(a->res_fd, result, size) < 0)
		_exit(SANDBOX_EXIT_WRITE_FAILED);
	_exit(0);
}

/* ---- parent side ---- */

/* Drain what is readable; returns false at EOF (or a read error). */
static bool sandbox_read_result(int fd, struct sandbox_reader *r)
{
	for (;;) {
		unsigned char scratch[4096], *dst = scratch;
		size_t room = sizeof(scratch);
		ssize_t n;

		if (r->got < r->size) {
			dst = r->result + r->got;
			room = r->size - r->got;
		}
		n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		if (dst == scratch)
			r->overflow = true;
		else
			r->got += (size_t)n;
	}
}

/* Keep the last bytes of the child's output. */
bool sandbox_read_output(int fd, struct sandbox_reader *r)
{
	const size_t max = sizeof(r->out) - 1;

	for (;;) {
		char buf[1024];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		if ((size_t)n >= max) {
			memcpy(r->out, buf + n - max, max);
			r->out_len = max;
		} else {
			size_t keep = r->out_len + (size_t)n > max ? max - (size_t)n : r->out_len;
			memmove(r->out, r->out + r->out_len - keep, keep);
			memcpy(r->out + keep, buf, (size_t)n);
			r->out_len = keep + (size_t)n;
		}
	}
}

bool sandbox_child_exited(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno != EINTR)
			return true; /* ECHILD: someone else reaped it */
	}
	return info.si_pid == pid;
}

/* Poll the pipes (and pidfd) until the child exited and its output is
 * drained, or the deadline passes. Returns false on timeout. */
static bool sandbox_wait(pid_t pid, int res_fd, int out_fd, int pidfd,
			 double deadline, struct sandbox_reader *r)
{
	bool res_open = true, out_open = true, exited = false;

	while (!exited) {
		struct pollfd pfd[3] = {
			{ res_open ? res_fd : -1, POLLIN, 0 },
			{ out_open ? out_fd : -1, POLLIN, 0 },
			{ pidfd, POLLIN, 0 },
		};
		double left = deadline - sandbox_now();
		int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;

		if (left <= 0)
			return false;
		if (pidfd < 0) {
			/* no pidfd: ask waitid() between short polls */
			if (!res_open && !out_open && sandbox_child_exited(pid))
				break;
			if (ms > 10)
				ms = res_open || out_open ? 50 : 10;
		}
		if (poll(pfd, 3, ms) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[0].revents != 0)
			res_open = sandbox_read_result(res_fd, r);
		if (pfd[1].revents != 0)
			out_open = sandbox_read_output(out_fd, r);
		if (pfd[2].revents != 0 || (pidfd < 0 && sandbox_child_exited(pid)))
			exited = true;
	}
	/* what the child wrote before it exited is still in the pipes */
	if (res_open)
		(void)sandbox_read_result(res_fd, r);
	if (out_open)
		(void)sandbox_read_output(out_fd, r);
	return true;
}

static bool sandbox_output_says_nomem(const char *out)
{
	static const char *const needles[] = {
		"out of memory", "out-of-memory", "Cannot allocate memory", "bad_alloc",
		"memory exhausted",
	};

	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++) {
		if (strcasestr(out, needles[i]) != NULL)
			return true;
	}
	return false;
}

void sandbox_classify(const struct sandbox_limits *lim, int status, bool timed_out,
		      const struct sandbox_reader *r, struct sandbox_report *rep)
{
	const size_t rsz = sizeof(rep->reason);

	rep->signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	rep->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (timed_out) {
		rep->outcome = SANDBOX_TIMEOUT;
		if (lim->timeout_ms % 1000 == 0)
			snprintf(rep->reason, rsz, "timed out after %u s", lim->timeout_ms / 1000);
		else
			snprintf(rep->reason, rsz, "timed out after %u ms", lim->timeout_ms);
	} else if (rep->signo == SIGXCPU || (rep->signo == SIGKILL &&
		   rep->cpu_seconds >= (double)lim->cpu_seconds)) {
		rep->outcome = SANDBOX_LIMIT;
		snprintf(rep->reason, rsz, "CPU time limit (%u s)", lim->cpu_seconds);
	} else if (rep->signo == SIGXFSZ) {
		rep->outcome = SANDBOX_LIMIT;
		snprintf(rep->reason, rsz, "file size limit");
	} else if ((rep->signo == SIGABRT || (rep->signo == 0 && rep->exit_code != 0)) &&
		   sandbox_output_says_nomem(rep->output)) {
		rep->outcome = SANDBOX_LIMIT;
		snprintf(rep->reason, rsz, "memory limit");
	} else if (rep->signo != 0) {
		rep->outcome = SANDBOX_CRASHED;
		snprintf(rep->reason, rsz, "crashed (signal %d%s)", rep->signo,
			 rep->signo == SIGSYS ? ": bad system call" : "");
	} else if (rep->exit_code != 0) {
		rep->outcome = SANDBOX_FAILED;
		snprintf(rep->reason, rsz, "failed (exit %d)", rep->exit_code);
	} else if (r->got != r->size || r->overflow) {
		rep->outcome = SANDBOX_BAD_RESULT;
		snprintf(rep->reason, rsz, "bad result (%zu%s of %zu bytes)",
			 r->got, r->overflow ? "+" : "", r->size);
	} else {
		rep->outcome = SANDBOX_OK;
		snprintf(rep->reason, rsz, "ok");
	}
}

void sandbox_fill_defaults(struct sandbox_limits *l)
{
	if (l->cpu_seconds == 0)
		l->cpu_seconds = SANDBOX_DEFAULT_CPU_SECONDS;
	if (l->address_space == 0)
		l->address_space = SANDBOX_DEFAULT_ADDRESS_SPACE;
	if (l->file_size == 0)
		l->file_size = SANDBOX_DEFAULT_FILE_SIZE;
	if (l->open_files == 0)
		l->open_files = SANDBOX_DEFAULT_OPEN_FILES;
	if (l->timeout_ms == 0)
		l->timeout_ms = SANDBOX_DEFAULT_TIMEOUT_MS;
	if (l->seccomp == SANDBOX_SECCOMP_DEFAULT)
		l->seccomp = SANDBOX_SECCOMP_OFF;
}

int sandbox_run(const struct sandbox_limits *lim_in, sandbox_fn_t *fn, void *ctx,
		void *result, size_t size, struct sandbox_report *rep,
		const char **error_r)
{
	struct sandbox_limits lim = { 0 };
	struct sandbox_reader r = { .result = result, .size = size };
	struct sandbox_child_args args;
	int res[2] = { -1, -1 }, out[2] = { -1, -1 }, pidfd = -1, status = 0;
	struct rusage ru;
	double start, deadline;
	bool timed_out;
	pid_t pid;
	int ret = -1;

	if (lim_in != NULL)
		lim = *lim_in;
	sandbox_fill_defaults(&lim);
	memset(rep, 0, sizeof(*rep));
	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		snprintf(sandbox_err, sizeof(sandbox_err), "pipe: %s", strerror(errno));
		*error_r = sandbox_err;
		goto out;
	}
	args = (struct sandbox_child_args){ &lim, getpid(), sysconf(_SC_PAGESIZE),
					    res[1], out[1], false };
	start = sandbox_now();
	deadline = start + lim.timeout_ms / 1000.0;
	pid = fork();
	if (pid < 0) {
		snprintf(sandbox_err, sizeof(sandbox_err), "fork: %s", strerror(errno));
		*error_r = sandbox_err;
		goto out;
	}
	if (pid == 0) {
		close(res[0]);
		close(out[0]);
		sandbox_child(&args, fn, ctx, result, size);
	}
	(void)setpgid(pid, pid); /* also done by the child: whichever runs first */
	close(res[1]);
	close(out[1]);
	res[1] = out[1] = -1;
	(void)fcntl(res[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	timed_out = !sandbox_wait(pid, res[0], out[0], pidfd, deadline, &r);
	/* The child is a zombie (or killed now): its group id is still ours,
	 * and this also ends any grandchildren. */
	(void)kill(-pid, SIGKILL);
	if (timed_out)
		(void)kill(pid, SIGKILL);
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			status = 0; /* reaped elsewhere: nothing more to learn */
			break;
		}
	}
	rep->wall_seconds = sandbox_now() - start;
	rep->cpu_seconds = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	rep->max_rss_kib = ru.ru_maxrss;
	memcpy(rep->output, r.out, r.out_len);
	rep->output[r.out_len] = '\0';
	sandbox_classify(&lim, status, timed_out, &r, rep);
	if (rep->outcome != SANDBOX_OK)
		memset(result, 0, size);
	if (rep->exit_code == SANDBOX_EXIT_SETUP_FAILED &&
	    strncmp(rep->output, "sandbox: ", 9) == 0) {
		/* not the input's fault: the caller should retry later */
		snprintf(sandbox_err, sizeof(sandbox_err), "%s", rep->output);
		sandbox_err[strcspn(sandbox_err, "\n")] = '\0';
		*error_r = sandbox_err;
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (res[i] >= 0)
			close(res[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}
