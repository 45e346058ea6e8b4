#ifndef CASEMAIL_PARALLEL_H
#define CASEMAIL_PARALLEL_H
/* parallel: run one job per item in forked children, at most `jobs` at a
 * time, and hand their output on in item order.
 *
 * Each child runs fn(i, ctx) with its stdout and stderr sent to two
 * unlinked temporary files, and exits with fn's return value (0-255).
 * As soon as items 0..k have all ended, the parent copies their output to
 * its own stdout and stderr, in order, so the output is the same as a loop
 * over the items would print, only sooner. The children are the parent's
 * only children while parallel_run() runs (others are left alone: waitpid
 * is asked for the jobs' pids only). A child killed by a signal counts as
 * exit status 128 + the signal.
 *
 * For casemailctl check and inspect with several mails: each mail is
 * already checked in its own sandboxed worker process, so the children
 * share nothing but the files they read. */
#include <stddef.h>

typedef int parallel_fn(size_t i, void *ctx);

/* status_r[i] gets item i's exit status. jobs 0 means one per online CPU.
 * Returns 0, or -1 with *error_r set (static or thread-local) if a
 * temporary file or a fork failed; the items started before it are
 * still waited for and their output copied. */
int parallel_run(size_t n, unsigned jobs, parallel_fn *fn, void *ctx, int *status_r,
		 const char **error_r);

/* The number of online CPUs (at least 1). */
unsigned parallel_cpus(void);

#endif
