#ifndef CASEMAIL_SANDBOX_H
#define CASEMAIL_SANDBOX_H
/* sandbox: run a function in a forked, resource-limited child and get a
 * fixed-size result back through a pipe.
 *
 * The child dies with its parent (PR_SET_PDEATHSIG), cannot gain privileges
 * (PR_SET_NO_NEW_PRIVS), runs in its own process group, gets default signal
 * dispositions, stdin from /dev/null, stdout+stderr into a pipe whose last
 * bytes land in the report, and every inherited descriptor except keep_fds
 * closed. It has no core dumps and the rlimits below, and, when asked
 * (seccomp), runs under a seccomp filter installed last, right before fn
 * (sandbox-seccomp.c lists what it allows). The parent waits with
 * poll() and a wall-clock deadline, kills the whole group with SIGKILL when
 * it passes, and always reaps the child: no zombie is left behind.
 *
 * Requirements on the caller: single-threaded at the time of the call (the
 * child runs ordinary library code after fork()), SIGCHLD not set to
 * SIG_IGN and no SIGCHLD handler that reaps with waitpid(-1, …). */
#include <stddef.h>
#include <stdint.h>

/* The system calls the child may make once fn runs. */
enum sandbox_seccomp {
	SANDBOX_SECCOMP_DEFAULT = 0, /* the caller's default; sandbox_run(): OFF */
	SANDBOX_SECCOMP_OFF,         /* no filter */
	SANDBOX_SECCOMP_STRICT,      /* compute on inherited descriptors only:
				      * read/seek/stat them, memory (never
				      * executable), write to 1, 2 and the result
				      * pipe, signals to itself, exit. Opening a
				      * file, fcntl, ioctl fail with EPERM; any
				      * other call kills the child (SIGSYS) */
};

/* Zero in any field means its default. */
struct sandbox_limits {
	unsigned int cpu_seconds;  /* RLIMIT_CPU: SIGXCPU at this, SIGKILL 1 s later; 20 */
	uint64_t address_space;    /* RLIMIT_AS headroom in bytes on top of what the child
				    * inherits mapped from the parent; 1 GiB */
	uint64_t file_size;        /* RLIMIT_FSIZE, largest file the child may write; 64 MiB */
	unsigned int open_files;   /* RLIMIT_NOFILE; 64 */
	unsigned int timeout_ms;   /* wall clock before SIGKILL; 30000 */
	/* Inherited descriptors (each ≥ 3) the child keeps, e.g. a directory
	 * it writes into; at most SANDBOX_MAX_KEEP_FDS. All others are closed. */
	const int *keep_fds;
	unsigned int keep_fds_count;
	enum sandbox_seccomp seccomp;
	/* System call numbers (SYS_getuid, …) the STRICT filter allows on top
	 * of its list, whatever their arguments: for tests, and for a caller
	 * whose fn needs one more. */
	const int *seccomp_allow;
	unsigned int seccomp_allow_count;
};
#define SANDBOX_MAX_KEEP_FDS 16

#define SANDBOX_DEFAULT_CPU_SECONDS 20
#define SANDBOX_DEFAULT_ADDRESS_SPACE (1024ULL * 1024 * 1024)
#define SANDBOX_DEFAULT_FILE_SIZE (64ULL * 1024 * 1024)
#define SANDBOX_DEFAULT_OPEN_FILES 64
#define SANDBOX_DEFAULT_TIMEOUT_MS 30000

enum sandbox_outcome {
	SANDBOX_OK = 0,      /* fn returned 0 and result holds exactly size bytes */
	SANDBOX_FAILED,      /* fn returned non-zero (or the child exited non-zero) */
	SANDBOX_CRASHED,     /* ended by a signal (report.signo); SIGSYS: a
			      * system call the seccomp filter forbids */
	SANDBOX_TIMEOUT,     /* wall-clock deadline passed; killed */
	SANDBOX_LIMIT,       /* CPU time (SIGXCPU, or SIGKILL at the hard limit),
			      * file size (SIGXFSZ) or memory limit hit (abort or
			      * exit with "out of memory" in its output) */
	SANDBOX_BAD_RESULT,  /* exited 0 without sending exactly size bytes */
};

struct sandbox_report {
	enum sandbox_outcome outcome;
	int signo;               /* signal that ended the child, 0 if it exited */
	int exit_code;           /* exit status if it exited, else -1 */
	char reason[96];         /* "ok", "crashed (signal 11)", "crashed (signal 31:
				  * bad system call)", "timed out after 30 s",
				  * "CPU time limit (20 s)", "file size limit",
				  * "memory limit", "failed (exit 1)", "bad result (…)" */
	char output[256];        /* last bytes the child wrote to stdout/stderr */
	double wall_seconds;     /* fork to reap */
	double cpu_seconds;      /* user + system time of the child */
	long max_rss_kib;        /* the child's peak resident set size */
};

/* The function run in the child. It fills result (size bytes, zeroed
 * before the call) and returns 0, or returns non-zero to fail without a
 * result. It must return rather than exit(); the child then _exit()s. */
typedef int sandbox_fn_t(void *ctx, void *result, size_t size);

/* Run fn(ctx, result, size) in a sandboxed child. Returns 0 when the child
 * ran, whatever its outcome: *report_r says how it ended, and result holds
 * its output only when report_r->outcome == SANDBOX_OK (it is zeroed
 * otherwise). Returns -1 with *error_r set (a thread-local string valid
 * until the next call) when no child could be run: pipe or fork failed, or
 * the child could not restrict itself (a limit or prctl refused) — a
 * system problem, not the input's; that includes a seccomp filter that
 * could not be loaded. lim may be NULL for all defaults. */
int sandbox_run(const struct sandbox_limits *lim, sandbox_fn_t *fn, void *ctx,
		void *result, size_t size, struct sandbox_report *report_r,
		const char **error_r);

/* "ok", "failed", "crashed", "timeout", "limit", "bad-result". */
const char *sandbox_outcome_name(enum sandbox_outcome outcome);

#endif
