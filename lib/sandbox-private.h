#ifndef CASEMAIL_SANDBOX_PRIVATE_H
#define CASEMAIL_SANDBOX_PRIVATE_H
/* sandbox internals shared by sandbox.c (one child per call),
 * sandbox-worker.c (a persistent child serving many calls) and
 * sandbox-seccomp.c (the filters). */
#include "sandbox.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes of a child besides 0 (result sent). */
#define SANDBOX_EXIT_FN_FAILED 1
#define SANDBOX_EXIT_WRITE_FAILED 2
#define SANDBOX_EXIT_READ_FAILED 3      /* a worker got a request it cannot use */
#define SANDBOX_EXIT_SETUP_FAILED 125   /* unlikely from fn; see sandbox_run() */

/* Format into the thread-local error buffer and return it. */
const char *sandbox_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double sandbox_now(void);
void sandbox_fill_defaults(struct sandbox_limits *l);

/* ---- the child ---- */

struct sandbox_child_args {
	const struct sandbox_limits *lim;
	pid_t parent;
	long pagesize;
	int res_fd, out_fd;      /* result channel (pipe or socket), stdout+stderr */
	bool persistent;         /* a worker: its parent moves the RLIMIT_CPU soft
				  * limit before each call (the hard one is left
				  * as inherited), and the filter also lets it
				  * receive requests on res_fd */
};

/* In the child after fork(): PDEATHSIG, own process group, default
 * signals, stdio, every other descriptor closed, rlimits, no new
 * privileges, the seccomp filter last. On return a->res_fd is the
 * result channel's new number. Exits SANDBOX_EXIT_SETUP_FAILED with
 * "sandbox: …" on stderr when a step fails. */
void sandbox_child_setup(struct sandbox_child_args *a);
void sandbox_child_fail(const char *what) __attribute__((noreturn));

/* ---- the parent ---- */

struct sandbox_reader {
	unsigned char *result;
	size_t size, got;
	bool overflow;
	char out[sizeof(((struct sandbox_report *)0)->output)];
	size_t out_len;
};

/* Keep the last bytes of the child's output; false at EOF or an error. */
bool sandbox_read_output(int fd, struct sandbox_reader *r);
/* True once the child has exited (left as a zombie, not reaped), or is
 * not ours to wait for. */
bool sandbox_child_exited(pid_t pid);
/* The report's outcome and reason from the wait status, the result read
 * (r->got of r->size) and the output (rep->output, rep->cpu_seconds must
 * be filled in already). */
void sandbox_classify(const struct sandbox_limits *lim, int status, bool timed_out,
		      const struct sandbox_reader *r, struct sandbox_report *rep);

/* Install lim->seccomp's filter in the calling process (the child, after
 * its descriptors and rlimits are set, right before fn runs). result_fd
 * is the only descriptor besides 1 and 2 it may write to. Does nothing
 * for SANDBOX_SECCOMP_OFF. Returns 0, or -1 with errno set (the filter
 * could not be built or loaded: the child must not go on without it). */
int sandbox_seccomp_install(const struct sandbox_limits *lim, int result_fd);
/* The same for a persistent worker (sandbox-worker.c): the STRICT filter
 * also lets it receive requests on sock_fd (recvmsg) and read its own
 * peak memory (getrusage). */
int sandbox_seccomp_install_serve(const struct sandbox_limits *lim, int sock_fd);
/* Add the rules of SANDBOX_SECCOMP_WORKER to ctx (a scmp_filter_ctx
 * whose default action is EPERM; sandbox-seccomp-worker.c). Returns 0 or
 * libseccomp's negative errno. */
int sandbox_seccomp_worker_rules(void *ctx, const struct sandbox_limits *lim);
/* Add one seccomp rule with action per name to the filter ctx (a
 * scmp_filter_ctx); names this architecture lacks are skipped, as are
 * calls the caller allows outright (lim->seccomp_allow, added first).
 * Returns 0 or libseccomp's negative errno. */
int sandbox_seccomp_table(void *ctx, const struct sandbox_limits *lim,
			  uint32_t action, const char *const *names, size_t n);

#endif
