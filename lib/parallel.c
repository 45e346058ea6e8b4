/* parallel: forked jobs, output in item order (parallel.h).
 *
 * Every running job has a pidfd; the parent polls them, reaps the ended
 * ones with waitpid(pid) (never waitpid(-1): the caller's other children
 * are not ours to reap), then copies the output of every leading item
 * that has ended. Memory: the job table is freed before returning. */
#include "parallel.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct parallel_job {
	pid_t pid;                       /* 0: not started or reaped */
	int pidfd, out, err;             /* -1 when closed */
	bool ended;
};

static __thread char parallel_err[256];

static const char *parallel_fail(const char *what)
{
	snprintf(parallel_err, sizeof(parallel_err), "%s: %s", what, strerror(errno));
	return parallel_err;
}

unsigned parallel_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/* An unlinked file for one child's output. */
static int parallel_tmpfile(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	snprintf(path, sizeof(path), "%s/casemail-job.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	return fd;
}

static void parallel_copy(int from, int to)
{
	char buf[65536];
	ssize_t n;

	if (lseek(from, 0, SEEK_SET) < 0)
		return;
	while ((n = read(from, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0 && fsutil_write_all(to, buf, (size_t)n) < 0)
			return;                  /* stdout gone: nothing to hand on */
	}
}

static void parallel_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int parallel_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

static int parallel_start(struct parallel_job *j, size_t i, parallel_fn *fn, void *ctx,
			  int *status_r, const char **error_r)
{
	if ((j->out = parallel_tmpfile()) < 0 || (j->err = parallel_tmpfile()) < 0) {
		*error_r = parallel_fail("temporary file");
		return -1;
	}
	fflush(stdout);                  /* else the child flushes them again */
	fflush(stderr);
	j->pid = fork();
	if (j->pid < 0) {
		j->pid = 0;
		*error_r = parallel_fail("fork");
		return -1;
	}
	if (j->pid == 0) {
		int status;

		if (dup2(j->out, STDOUT_FILENO) < 0 || dup2(j->err, STDERR_FILENO) < 0)
			_exit(127);
		status = fn(i, ctx);
		fflush(stdout);
		fflush(stderr);
		_exit(status & 0xff);
	}
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd < 0) {
		/* no pidfds (kernel < 5.3): wait for this one now */
		int st;

		while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
			;
		*status_r = parallel_status(st);
		j->ended = true;
	}
	return 0;
}

/* Reap every running job whose pidfd says it ended; wait for one first.
 * Returns how many were reaped. */
static size_t parallel_reap(struct parallel_job *jobs, size_t from, size_t to, int *status_r)
{
	struct pollfd pfd[256];
	size_t idx[256], np = 0, reaped = 0;

	for (size_t i = from; i < to && np < 256; i++) {
		if (jobs[i].pid > 0 && !jobs[i].ended) {
			pfd[np].fd = jobs[i].pidfd;
			pfd[np].events = POLLIN;
			idx[np++] = i;
		}
	}
	if (np == 0 || poll(pfd, np, -1) < 0)
		return 0;
	for (size_t k = 0; k < np; k++) {
		struct parallel_job *j = &jobs[idx[k]];
		int st;

		if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		if (waitpid(j->pid, &st, WNOHANG) == j->pid) {
			status_r[idx[k]] = parallel_status(st);
			j->ended = true;
			parallel_close(&j->pidfd);
			reaped++;
		}
	}
	return reaped;
}

int parallel_run(size_t n, unsigned jobs_max, parallel_fn *fn, void *ctx, int *status_r,
		 const char **error_r)
{
	struct parallel_job *jobs = calloc(n > 0 ? n : 1, sizeof(*jobs));
	size_t next = 0, flushed = 0, running = 0;
	bool failed = false;

	if (jobs == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	if (jobs_max == 0)
		jobs_max = parallel_cpus();
	if (jobs_max > 256)
		jobs_max = 256;
	for (size_t i = 0; i < n; i++) {
		jobs[i].pidfd = jobs[i].out = jobs[i].err = -1;
		status_r[i] = -1;
	}
	while (flushed < n) {
		while (!failed && next < n && running < jobs_max) {
			if (parallel_start(&jobs[next], next, fn, ctx, &status_r[next],
					   error_r) < 0) {
				parallel_close(&jobs[next].out);
				parallel_close(&jobs[next].err);
				failed = true;
				break;
			}
			running += !jobs[next].ended;
			next++;
		}
		if (running > 0)
			running -= parallel_reap(jobs, flushed, next, status_r);
		while (flushed < next && jobs[flushed].ended) {
			parallel_copy(jobs[flushed].out, STDOUT_FILENO);
			parallel_copy(jobs[flushed].err, STDERR_FILENO);
			parallel_close(&jobs[flushed].out);
			parallel_close(&jobs[flushed].err);
			flushed++;
		}
		if (failed && running == 0)
			break;
	}
	for (size_t i = flushed; i < n; i++) {
		parallel_close(&jobs[i].out);
		parallel_close(&jobs[i].err);
	}
	free(jobs);
	return failed ? -1 : 0;
}
