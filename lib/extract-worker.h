#ifndef CASEMAIL_EXTRACT_WORKER_H
#define CASEMAIL_EXTRACT_WORKER_H
/* extract-worker: extract_mail() in a sandboxed worker process, one per
 * mail.
 *
 * Everything that reads the mail's untrusted bytes — the MIME parser
 * (libetpan), transfer and charset decoding, unpacking (libarchive) and
 * the probe children it starts — runs in a child of the caller
 * (sandbox.h) with rlimits (CPU, address space, file size, open files), a
 * wall-clock deadline, no new privileges, the SANDBOX_SECCOMP_WORKER
 * filter (no network, no exec, no tracing) and Landlock (landlock.h):
 * it may write only beneath the mail's work directory and read only
 * there, the mail itself, /usr and /proc. The worker hands its result
 * back as a file in the work directory (extract-wire.h), which the caller
 * reads as untrusted input; the caller's copy of the message is the mail
 * file mapped again, its parts rebuilt from the worker's offsets, so the
 * caller never runs a parser on the mail beyond header lookups.
 *
 * A worker that crashes, runs out of time or memory, or hands back a
 * result that does not check out does not make the mail fail: the mail
 * is returned without files (its headers still readable) and a problem
 * for the whole mail — archive.bomb when a limit stopped it,
 * archive.damaged otherwise — so that it gets a verdict and the queue
 * goes on. */
#include "extract.h"

#define EXTRACT_WORKER_CPU_SECONDS 300
#define EXTRACT_WORKER_ADDRESS_SPACE (4ULL * 1024 * 1024 * 1024)
#define EXTRACT_WORKER_OPEN_FILES 256
#define EXTRACT_WORKER_TIMEOUT_MS 600000
/* the largest result file read back: 20,000 files of a few KiB each */
#define EXTRACT_WORKER_MAX_RESULT (256ULL * 1024 * 1024)
/* the worker's result in the work directory; generated file names never
 * start with a dot */
#define EXTRACT_WORKER_RESULT ".extract-result"

/* As extract_mail(), in a worker (see above). Returns -1 with *error_r
 * set (thread-local) only for what is not the mail's fault: the mail
 * file or the work directory cannot be used, the worker could not be
 * started or confined, the disk is full. */
int extract_mail_isolated(const char *eml_path, const char *workdir,
			  const struct extract_settings *set, struct probe *probe,
			  struct extract **ex_r, const char **error_r);

/* The mail as extract_mail_isolated() returns it when its worker failed,
 * without running one: headers readable, no files, no body, one problem
 * (code: a static SPEC code; detail copied) for the whole mail. The work
 * directory is emptied. For the daemon's quarantine of a mail whose check
 * kept killing it. Returns -1 with *error_r when the mail can't be mapped. */
int extract_mail_unread(const char *eml_path, const char *workdir,
			const struct extract_settings *set, const char *code,
			const char *detail, struct extract **ex_r, const char **error_r);

#endif
