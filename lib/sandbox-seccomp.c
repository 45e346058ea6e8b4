/* sandbox-seccomp: which system calls a sandboxed child may make.
 *
 * SANDBOX_SECCOMP_STRICT is an allow-list for a child that computes on
 * descriptors it inherited: it reads and seeks them, allocates memory and
 * writes its result to the result pipe or a message to stdout/stderr.
 * It opens nothing (the probe's parent opens the file and passes the
 * descriptor), starts no process or thread, has no network and cannot
 * signal or trace anyone else. Every call ends in one of three ways:
 *
 *   allowed   what the probe child was measured to need (strace -f over
 *             the inspect, check and unit-test corpora; docs/architecture.md
 *             "Hostile input"), plus what glibc does on paths the corpora
 *             do not reach: abort() after an allocation failure, qsort's
 *             sysinfo(), clock calls where there is no vDSO;
 *   EPERM     calls that libraries make on the side and cope with when
 *             they fail: opening a file (libarchive's tzset() reads
 *             /etc/localtime, iconv may load a module), stat/access by
 *             path, fcntl, ioctl (isatty), setrlimit, executable memory.
 *             Killing the child there would turn a good file into a
 *             "damaged" one; failing them leaves nothing to gain;
 *   killed    everything else (the default action, SCMP_ACT_KILL_PROCESS):
 *             socket, connect, execve, fork/clone, ptrace, kill of another
 *             process, writing to any descriptor but 1, 2 and the result
 *             pipe, ... The child dies of SIGSYS and sandbox_run() reports
 *             SANDBOX_CRASHED, "crashed (signal 31: bad system call)".
 *
 * A persistent worker (sandbox-worker.c) may do two things more: receive
 * its requests (recvmsg on the socket it replies on) and read its own peak
 * memory (getrusage of itself). Its CPU limit, moved before each call, is
 * set by its parent (prlimit64 of the worker), not by itself.
 *
 * Under AddressSanitizer the runtime needs two more (its alternate signal
 * stack, torn down at _exit(); readlink of /proc/self/exe for a report):
 * they are allowed in ASan builds only (SANDBOX_ASAN below); its shadow
 * memory is plain mmap/madvise. A sanitizer report in the child prints its
 * first lines, then the runtime starts its symbolizer (pipe2, fork) and
 * the filter kills it: the child still fails (SIGSYS instead of exit 99);
 * for the whole report, run with ASAN_OPTIONS=symbolize=0 or with
 * [limits] probe_seccomp = no. LeakSanitizer never runs in the child: it
 * checks at exit(), and the child _exit()s. Valgrind runs its own code
 * inside the filtered process and cannot work under this filter: there
 * too, probe_seccomp = no. */
#include "sandbox-private.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

/* Allowed whatever their arguments. */
static const char *const sandbox_seccomp_allow[] = {
	/* the inherited file: glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH) */
	"read", "readv", "pread64", "lseek", "fstat", "newfstatat", "statx", "close",
	/* memory (mmap and mprotect: below, without PROT_EXEC) */
	"brk", "munmap", "mremap", "madvise",
	/* glibc: locks, pthread_once, qsort's sysconf(_SC_PHYS_PAGES), clocks
	 * (vDSO normally), malloc's and FFmpeg's random seeds */
	"futex", "sched_yield", "sysinfo", "clock_gettime", "clock_getres",
	"gettimeofday", "time", "getrandom",
	/* abort() and raise() on itself (tgkill and kill: below, own pid only) */
	"getpid", "gettid", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"restart_syscall", "getrlimit",
	"exit", "exit_group",
#ifdef SANDBOX_ASAN
	/* the runtime's alternate signal stack goes at _exit(); a report
	 * names the program (/proc/self/exe) */
	"sigaltstack", "readlink",
#endif
};

/* Refused with EPERM whatever their arguments. */
static const char *const sandbox_seccomp_eperm[] = {
	"open", "creat", "openat2", "access", "faccessat", "faccessat2",
	"openat", "stat", "lstat", "readlinkat", "fcntl", "ioctl", "uname",
	"setrlimit", "sched_getaffinity",
#ifndef SANDBOX_ASAN
	"readlink",
#endif
};

static bool sandbox_seccomp_extra(const struct sandbox_limits *lim, int nr)
{
	for (unsigned int i = 0; i < lim->seccomp_allow_count; i++) {
		if (lim->seccomp_allow[i] == nr)
			return true;
	}
	return false;
}

int sandbox_seccomp_table(void *ctx, const struct sandbox_limits *lim,
			  uint32_t action, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int r;

		if (nr == __NR_SCMP_ERROR || sandbox_seccomp_extra(lim, nr))
			continue;
		if ((r = seccomp_rule_add(ctx, action, nr, 0)) < 0)
			return r;
	}
	return 0;
}

/* A call allowed only with arguments that pass cmp, else refused with
 * EPERM (fail) or left to the default action (kill). */
static int sandbox_seccomp_cond(scmp_filter_ctx ctx, const struct sandbox_limits *lim,
				const char *name, uint32_t action, struct scmp_arg_cmp cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR || sandbox_seccomp_extra(lim, nr))
		return 0;
	return seccomp_rule_add(ctx, action, nr, 1, cmp);
}

/* A persistent worker's requests and its own peak memory. */
static int sandbox_seccomp_serve(scmp_filter_ctx ctx, const struct sandbox_limits *lim,
				 int sock_fd)
{
	int r;

	if ((r = sandbox_seccomp_cond(ctx, lim, "recvmsg", SCMP_ACT_ALLOW,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sock_fd))) < 0 ||
	    (r = sandbox_seccomp_cond(ctx, lim, "getrusage", SCMP_ACT_ALLOW,
				      SCMP_A0(SCMP_CMP_EQ, RUSAGE_SELF))) < 0)
		return r;
	return 0;
}

static int sandbox_seccomp_rules(scmp_filter_ctx ctx, const struct sandbox_limits *lim,
				 int result_fd, bool serve)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	const scmp_datum_t self = (scmp_datum_t)getpid();
	int r;

	for (unsigned int i = 0; i < lim->seccomp_allow_count; i++) {
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, lim->seccomp_allow[i], 0)) < 0)
			return r;
	}
	if ((r = sandbox_seccomp_table(ctx, lim, SCMP_ACT_ALLOW, sandbox_seccomp_allow,
				       sizeof(sandbox_seccomp_allow) /
				       sizeof(sandbox_seccomp_allow[0]))) < 0 ||
	    (r = sandbox_seccomp_table(ctx, lim, eperm, sandbox_seccomp_eperm,
				       sizeof(sandbox_seccomp_eperm) /
				       sizeof(sandbox_seccomp_eperm[0]))) < 0)
		return r;

	/* memory, but never executable: no library here generates code, and
	 * injected code could not be made runnable */
	static const char *const mem[] = { "mmap", "mprotect" };
	for (size_t i = 0; i < 2; i++) {
		if ((r = sandbox_seccomp_cond(ctx, lim, mem[i], SCMP_ACT_ALLOW,
					      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
		    (r = sandbox_seccomp_cond(ctx, lim, mem[i], eperm,
					      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC,
						      PROT_EXEC))) < 0)
			return r;
	}
	/* output: the result pipe and stdout/stderr (a pipe to the parent) */
	static const char *const out[] = { "write", "writev" };
	for (size_t i = 0; i < 2; i++) {
		if ((r = sandbox_seccomp_cond(ctx, lim, out[i], SCMP_ACT_ALLOW,
					      SCMP_A0(SCMP_CMP_EQ, STDOUT_FILENO))) < 0 ||
		    (r = sandbox_seccomp_cond(ctx, lim, out[i], SCMP_ACT_ALLOW,
					      SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO))) < 0 ||
		    (r = sandbox_seccomp_cond(ctx, lim, out[i], SCMP_ACT_ALLOW,
					      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)result_fd))) < 0)
			return r;
	}
	/* signals to itself only (abort); getrlimit() is prlimit64(0, r, NULL, old) */
	if ((r = sandbox_seccomp_cond(ctx, lim, "tgkill", SCMP_ACT_ALLOW,
				      SCMP_A0(SCMP_CMP_EQ, self))) < 0 ||
	    (r = sandbox_seccomp_cond(ctx, lim, "kill", SCMP_ACT_ALLOW,
				      SCMP_A0(SCMP_CMP_EQ, self))) < 0 ||
	    (r = sandbox_seccomp_cond(ctx, lim, "prlimit64", SCMP_ACT_ALLOW,
				      SCMP_A2(SCMP_CMP_EQ, 0))) < 0 ||
	    (r = sandbox_seccomp_cond(ctx, lim, "prlimit64", eperm,
				      SCMP_A2(SCMP_CMP_NE, 0))) < 0)
		return r;
	if (serve)
		return sandbox_seccomp_serve(ctx, lim, result_fd);
	return 0;
}

static int sandbox_seccomp_load(const struct sandbox_limits *lim, int result_fd, bool serve)
{
	const bool worker = lim->seccomp == SANDBOX_SECCOMP_WORKER;
	scmp_filter_ctx ctx;
	int r;

	if (lim->seccomp != SANDBOX_SECCOMP_STRICT && !worker)
		return 0;
	/* the worker's unknown calls fail softly (sandbox-seccomp-worker.c) */
	if ((ctx = seccomp_init(worker ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_KILL_PROCESS)) == NULL) {
		/* no seccomp(2) at all: an old kernel, or valgrind */
		errno = seccomp_api_get() == 0 ? ENOSYS : ENOMEM;
		return -1;
	}
	/* another ABI (int 0x80, x32) is no way around the list */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = worker ? sandbox_seccomp_worker_rules(ctx, lim) :
		     sandbox_seccomp_rules(ctx, lim, result_fd, serve);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int sandbox_seccomp_install(const struct sandbox_limits *lim, int result_fd)
{
	return sandbox_seccomp_load(lim, result_fd, false);
}

int sandbox_seccomp_install_serve(const struct sandbox_limits *lim, int sock_fd)
{
	return sandbox_seccomp_load(lim, sock_fd, true);
}
