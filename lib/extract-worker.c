/* extract-worker: see extract-worker.h.
 *
 * Parent                                   worker (sandbox_run child)
 *   opens nothing of the mail but its      landlock_confine(workdir, ro)
 *   headers afterwards                     extract_mail(eml, workdir)
 *                                          extract_wire_write(.extract-result)
 *   ◀── struct xw_reply (fixed size) ───   exit
 *   read .extract-result (O_NOFOLLOW,
 *   bounded), extract_wire_read(), unlink */
#include "extract-worker.h"
#include "extract-wire.h"
#include "fsutil.h"
#include "landlock.h"
#include "probe.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static __thread char xw_err[600];

struct xw_job {
	const char *eml_path, *workdir;
	const struct extract_settings *set;
	struct probe *probe;
	bool confine;
};

struct xw_reply {
	int ret;                 /* 0: result written; -1: error below */
	char error[512];
};

static void xw_fail(struct xw_reply *reply, const char *what, const char *error)
{
	reply->ret = -1;
	snprintf(reply->error, sizeof(reply->error), "%s%s", what,
		 error != NULL ? error : "failed");
}

static int xw_child(void *ctx, void *result, size_t size)
{
	const struct xw_job *job = ctx;
	struct xw_reply *reply = result;
	const char *ro[] = { "/usr", "/proc", "/dev/null", job->eml_path };
	struct extract *ex = NULL;
	const char *error = NULL;
	char *path;
	int fd;

	(void)size;
	/* a kernel without Landlock (0) leaves seccomp and the rlimits */
	if (job->confine && landlock_confine(job->workdir, ro, 4, &error) < 0) {
		xw_fail(reply, "", error);
		return 0;
	}
	if (extract_mail(job->eml_path, job->workdir, job->set, job->probe, &ex, &error) < 0) {
		xw_fail(reply, "", error);
		return 0;
	}
	path = xasprintf("%s/%s", job->workdir, EXTRACT_WORKER_RESULT);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(reply->error, sizeof(reply->error), "open(%s): %s", path,
			 strerror(errno));
		reply->ret = -1;
	} else if (extract_wire_write(fd, ex, &error) < 0) {
		xw_fail(reply, "", error);
	}
	if (fd >= 0 && close(fd) < 0 && reply->ret == 0)
		xw_fail(reply, "close: ", strerror(errno));
	free(path);
	/* its probe worker is ours to reap, not init's */
	probe_stop_worker(job->probe);
	/* the process ends here: extract_free() would only cost time */
	return 0;
}

/* The whole result file, at most EXTRACT_WORKER_MAX_RESULT bytes; removed.
 * The worker and everything it started are gone by now: nothing can swap
 * the file between the check and the read. */
static int xw_read_result(const char *workdir, char **data_r, size_t *len_r,
			  const char **detail_r)
{
	char *path = xasprintf("%s/%s", workdir, EXTRACT_WORKER_RESULT);
	struct stat st;
	int ret = -1;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		*detail_r = "no result file";
	else if (fsutil_read_file(path, EXTRACT_WORKER_MAX_RESULT, data_r, len_r,
				  detail_r) == 0)
		ret = 0;
	(void)unlink(path);
	free(path);
	return ret;
}

/* Empty the work directory (the worker may have left anything there). */
static void xw_clean(const char *workdir)
{
	const char *error;

	(void)fsutil_rmtree(workdir, &error);
	(void)fsutil_mkdir_p(workdir, &error);
}

int extract_mail_unread(const char *eml_path, const char *workdir,
			const struct extract_settings *set, const char *code,
			const char *detail, struct extract **ex_r, const char **error_r)
{
	static const struct extract_settings defaults;
	struct extract *ex = xcalloc(1, sizeof(*ex));

	if (set == NULL)
		set = &defaults;
	if (message_open_file_unparsed(eml_path, &set->message, &ex->msg, error_r) < 0) {
		free(ex);
		return -1;
	}
	ex->workdir = xstrdup(workdir);
	ex->body = xstrdup("");
	ex->problems = xcalloc(1, sizeof(*ex->problems));
	ex->problems[0].code = code;
	ex->problems[0].detail = xstrdup(detail);
	ex->nproblems = 1;
	/* what the worker left behind is not the mail's content */
	xw_clean(workdir);
	*ex_r = ex;
	return 0;
}

static void xw_limits(const struct extract_settings *set, struct sandbox_limits *lim)
{
	uint64_t mail = set->message.max_size != 0 ? set->message.max_size :
			MESSAGE_DEFAULT_MAX_SIZE;
	uint64_t unpacked = set->unpack.max_total_bytes != 0 ? set->unpack.max_total_bytes :
			    UNPACK_DEFAULT_MAX_TOTAL_BYTES;

	*lim = set->worker;
	if (lim->cpu_seconds == 0)
		lim->cpu_seconds = EXTRACT_WORKER_CPU_SECONDS;
	if (lim->address_space == 0)
		lim->address_space = EXTRACT_WORKER_ADDRESS_SPACE;
	if (lim->open_files == 0)
		lim->open_files = EXTRACT_WORKER_OPEN_FILES;
	if (lim->timeout_ms == 0)
		lim->timeout_ms = EXTRACT_WORKER_TIMEOUT_MS;
	/* the largest file it writes: a decoded attachment (≤ the mail) or
	 * an unpacked entry (≤ the unpack budget) */
	if (lim->file_size == 0)
		lim->file_size = (mail > unpacked ? mail : unpacked) + (1ULL << 20);
	if (lim->seccomp == SANDBOX_SECCOMP_DEFAULT)
		lim->seccomp = SANDBOX_SECCOMP_WORKER;
}

int extract_mail_isolated(const char *eml_path, const char *workdir,
			  const struct extract_settings *set_in, struct probe *probe,
			  struct extract **ex_r, const char **error_r)
{
	static const struct extract_settings defaults;
	const struct extract_settings *set = set_in != NULL ? set_in : &defaults;
	struct sandbox_limits lim;
	struct xw_job job = { eml_path, workdir, set, probe, true };
	struct xw_reply reply;
	struct sandbox_report rep;
	const char *detail = NULL, *werr = NULL;
	char *data = NULL;
	size_t len = 0;

	xw_limits(set, &lim);
	job.confine = lim.seccomp != SANDBOX_SECCOMP_OFF;
	if (sandbox_run(&lim, xw_child, &job, &reply, sizeof(reply), &rep, error_r) < 0)
		return -1;
	if (rep.outcome == SANDBOX_OK && reply.ret < 0) {
		/* the worker's own verdict: the mail or the disk, not a bug */
		reply.error[sizeof(reply.error) - 1] = '\0';
		snprintf(xw_err, sizeof(xw_err), "%s", reply.error);
		*error_r = xw_err;
		xw_clean(workdir);
		return -1;
	}
	if (rep.outcome != SANDBOX_OK) {
		const char *code = rep.outcome == SANDBOX_LIMIT ||
				   rep.outcome == SANDBOX_TIMEOUT ?
				   "archive.bomb" : "archive.damaged";
		snprintf(xw_err, sizeof(xw_err), "the mail's content could not be read "
			 "within the worker's limits: worker %s", rep.reason);
		return extract_mail_unread(eml_path, workdir, set, code, xw_err, ex_r, error_r);
	}
	if (xw_read_result(workdir, &data, &len, &detail) < 0 ||
	    extract_wire_read(data, len, eml_path, workdir, set, ex_r, &werr) < 0) {
		snprintf(xw_err, sizeof(xw_err), "the worker's result was refused: %s",
			 detail != NULL ? detail : werr != NULL ? werr : "invalid");
		free(data);
		return extract_mail_unread(eml_path, workdir, set, "archive.damaged", xw_err,
				      ex_r, error_r);
	}
	free(data);
	/* the parent copies stored files into the spool: each must be a plain
	   file of the worker's, not a link it planted to something else */
	for (size_t i = 0; i < (*ex_r)->nfiles; i++) {
		const char *stored = (*ex_r)->files[i].stored;
		struct stat st;

		if (stored != NULL && (lstat(stored, &st) < 0 || !S_ISREG(st.st_mode))) {
			snprintf(xw_err, sizeof(xw_err), "the worker's result was refused: "
				 "%s is not a regular file", stored);
			extract_free(ex_r);
			return extract_mail_unread(eml_path, workdir, set, "archive.damaged",
						   xw_err, ex_r, error_r);
		}
	}
	return 0;
}
