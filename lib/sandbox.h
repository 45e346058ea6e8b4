#ifndef CASEMAIL_SANDBOX_H
#define CASEMAIL_SANDBOX_H
/* sandbox: run a function in a forked, resource-limited child and get a
 * fixed-size result back through a pipe — one child per call
 * (sandbox_run()), or a persistent child serving many calls over a socket
 * (sandbox_worker_*(), below; sandbox-worker.c).
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
#include <sys/types.h>

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
	SANDBOX_SECCOMP_WORKER,      /* a process that parses a whole mail and
				      * starts probe children of its own: file
				      * and process calls, but no network, no
				      * exec, no tracing, no privileges
				      * (sandbox-seccomp-worker.c) */
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

/* ---- a persistent worker ----
 *
 * Forking a child per call costs milliseconds (more the larger the
 * caller's memory); a worker is one child, set up once exactly like
 * sandbox_run()'s (the same rlimits, descriptors and filter, plus what it
 * needs to serve: sandbox-seccomp.c), that runs fn once per call. A
 * request of req_size bytes and at most one descriptor go to it over a
 * socketpair(AF_UNIX, SOCK_SEQPACKET) (SCM_RIGHTS), a result of
 * result_size bytes comes back; a call costs tens of microseconds.
 *
 * The limits hold per call: the wall clock (timeout_ms) from the request
 * on, and CPU time — before each call the parent moves the worker's
 * RLIMIT_CPU soft limit to what it has used so far plus cpu_seconds, and
 * kills it 1 s of CPU time later if it ignores SIGXCPU. The address space
 * limit is set once (what fn leaks counts for later calls: the worker is
 * replaced after SANDBOX_WORKER_MAX_CALLS calls). A call that ends in
 * anything but SANDBOX_OK ends the worker: it is killed (its whole process
 * group) and reaped, the report is what sandbox_run() would have said
 * (its output being what it wrote during that call), and the next call
 * starts a fresh worker. No call leaves a zombie.
 *
 * Forks: a worker belongs to the process that started it. A forked child
 * that inherits the struct and calls it (or stops it) never signals,
 * reaps or writes to its parent's worker: it closes the inherited
 * descriptors that are still the worker's (checked by identity, as a
 * sandbox_run() child may have closed and reused their numbers) and
 * starts a worker of its own.
 *
 * Requirements on the caller are sandbox_run()'s, and: fn must not close
 * in_fd (the worker does, after fn). */
#define SANDBOX_WORKER_MAX_CALLS 1000     /* then a fresh worker */
#define SANDBOX_WORKER_MAX_MSG 65536      /* request or result + 16 bytes of header */
#define SANDBOX_WORKER_START_MS 10000     /* for the worker's set-up, at least */

struct sandbox_worker;

/* Runs in the worker once per call: req is the caller's request
 * (req_size bytes), in_fd the descriptor passed with it or -1, result
 * (result_size bytes, zeroed) is sent back when it returns 0. Non-zero
 * fails the call (SANDBOX_FAILED, "failed (exit 1)"), as with sandbox_run(). */
typedef int sandbox_serve_fn_t(void *ctx, const void *req, size_t req_size, int in_fd,
			       void *result, size_t result_size);

/* Start a worker running fn(ctx, …) (ctx is the caller's memory as it is at
 * each fork). lim may be NULL; it is copied, keep_fds and seccomp_allow
 * included. Returns 0 with *w_r set, or -1 with *error_r set (thread-local)
 * when the child could not be started or could not restrict itself, or
 * req_size/result_size are too large. */
int sandbox_worker_start(const struct sandbox_limits *lim, sandbox_serve_fn_t *fn,
			 void *ctx, size_t req_size, size_t result_size,
			 struct sandbox_worker **w_r, const char **error_r);
/* One call: send req (req_size bytes) and pass_fd (-1 for none; the
 * caller keeps its own copy), wait for the result. Returns 0 when fn ran,
 * whatever its outcome: *rep says how it ended (wall_seconds and
 * cpu_seconds are this call's; max_rss_kib is the worker's peak so far),
 * result holds result_size bytes when rep->outcome == SANDBOX_OK, zeroes
 * otherwise. Returns -1 with *error_r set when no worker could be started
 * or set up, or the request could not be sent: a system problem, not the
 * request's. */
int sandbox_worker_call(struct sandbox_worker *w, const void *req, int pass_fd,
			void *result, struct sandbox_report *rep, const char **error_r);
/* The pid of the worker serving the next call; 0 when none runs now (one
 * is started by the next call). For tests and logs. */
pid_t sandbox_worker_pid(const struct sandbox_worker *w);
/* End the worker (asked to exit, killed after a short wait), reap it,
 * free *w and set it to NULL; *w may be NULL. In a forked child that
 * inherited it: only forgets it (see above). */
void sandbox_worker_stop(struct sandbox_worker **w);

#endif
