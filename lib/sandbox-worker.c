/* sandbox-worker: a persistent sandboxed child that serves many calls.
 *
 * The child is set up by sandbox_child_setup() as sandbox_run()'s are
 * (persistent: its hard CPU limit is left alone, its filter lets it
 * receive), says it is ready with a bare header, then loops: recvmsg()
 * one request (header, req_size bytes, at most one descriptor), run fn,
 * close the descriptor, writev() one reply (header, result_size bytes).
 * A bare header numbered 0, or EOF on the socket, ends it (_exit(0));
 * anything unexpected ends it too, and the parent classifies the exit.
 *
 * The parent waits for a reply as sandbox_run() waits for its child: one
 * poll() over the socket, the worker's stdout/stderr pipe and a pidfd
 * opened for the call (its death is seen even if something else still
 * holds its socket), with the call's wall-clock deadline. It keeps to
 * calls the extract worker's filter allows (SANDBOX_SECCOMP_WORKER):
 * recvmsg and sendmsg, not recv or shutdown.
 *
 * CPU time: before each request the parent moves the worker's RLIMIT_CPU
 * soft limit to what it has used so far plus cpu_seconds (prlimit() of
 * the worker; the worker may not touch its own limits). Without
 * CAP_SYS_RESOURCE nobody can raise a hard limit again, so the hard limit
 * stays as inherited and the parent plays its part: it reads the worker's
 * CPU clock whenever the call could have used its budget plus one second
 * (CPU time does not run faster than the wall clock for a single-threaded
 * child) and kills it past that.
 *
 * The worker is only reaped after its process group has been SIGKILLed
 * (see sandbox.c): the group kill can never hit an unrelated process.
 * Memory: struct sandbox_worker and its buffers are the caller's, freed
 * by sandbox_worker_stop(); a forked child's copy is its own. */
#include "sandbox-private.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SANDBOX_WORKER_MAGIC 0x6b726f77u /* "work" */
/* how long a stopping worker may take to exit after EOF before SIGKILL */
#define SANDBOX_WORKER_STOP_MS 2000

struct sandbox_worker_hdr {
	uint32_t magic;
	uint32_t seq;            /* the call's number; 0: ready (from the worker),
				  * exit (to it, header only) */
	int64_t max_rss_kib;     /* reply: the worker's peak resident set so far */
};

/* Which open file a descriptor number stood for. */
struct sandbox_fd_id {
	dev_t dev;
	ino_t ino;
};

struct sandbox_worker {
	struct sandbox_limits lim;       /* defaults filled in; arrays below */
	int keep_fds[SANDBOX_MAX_KEEP_FDS];
	int *allow;
	sandbox_serve_fn_t *fn;
	void *ctx;
	size_t req_size, result_size;
	unsigned char *msg;              /* one message: header + max(req, result) */
	size_t msg_size;
	rlim_t cpu_hard;                 /* the RLIMIT_CPU hard limit it inherits */

	pid_t owner;                     /* the process that started pid */
	pid_t pid;                       /* the worker; 0: none */
	clockid_t cpu_clock;             /* its CPU time */
	int sock, out;                   /* our socket end; its stdout+stderr */
	struct sandbox_fd_id sock_id, out_id;
	unsigned int calls;              /* calls it has served */
	uint32_t seq;
};

enum sandbox_worker_end {
	SANDBOX_WORKER_REPLY,            /* the expected reply arrived */
	SANDBOX_WORKER_EXITED,           /* the worker ended (not reaped) */
	SANDBOX_WORKER_DEADLINE,         /* wall clock: to be killed */
	SANDBOX_WORKER_CPU,              /* CPU budget + 1 s used: to be killed */
	SANDBOX_WORKER_BAD,              /* a reply of the wrong size or number */
};

struct sandbox_worker_wait {
	double deadline;                 /* sandbox_now() */
	double cpu_kill;                 /* worker CPU seconds; 0: no check */
	uint32_t seq;
	size_t payload;                  /* expected bytes after the header */
	struct sandbox_worker_hdr hdr;   /* the reply's */
	struct sandbox_reader r;         /* output; r.got: payload of a bad reply */
};

/* ---- the worker ---- */

static void __attribute__((noreturn))
sandbox_worker_child(struct sandbox_worker *w, struct sandbox_child_args *a)
{
	struct sandbox_worker_hdr hdr = { SANDBOX_WORKER_MAGIC, 0, 0 };
	unsigned char *req = xmalloc(w->req_size + 1);
	unsigned char *result = xmalloc(w->result_size + 1);
	int sock;

	sandbox_child_setup(a);
	sock = a->res_fd;
	if (write(sock, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		_exit(SANDBOX_EXIT_WRITE_FAILED);
	for (;;) {
		struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { req, w->req_size } };
		union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } cm;
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
				     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		struct rusage ru;
		ssize_t n;
		int fd = -1, r;

		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n == 0 || ((size_t)n == sizeof(hdr) && hdr.magic == SANDBOX_WORKER_MAGIC &&
				hdr.seq == 0))
			_exit(0); /* the parent is done */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(SANDBOX_EXIT_READ_FAILED);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)) && fd < 0)
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		}
		if ((size_t)n != sizeof(hdr) + w->req_size || hdr.magic != SANDBOX_WORKER_MAGIC ||
		    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
			_exit(SANDBOX_EXIT_READ_FAILED);
		memset(result, 0, w->result_size);
		r = w->fn(w->ctx, req, w->req_size, fd, result, w->result_size);
		if (fd >= 0)
			close(fd);
		if (r != 0)
			_exit(SANDBOX_EXIT_FN_FAILED);
		hdr.max_rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
		iov[1] = (struct iovec){ result, w->result_size };
		do {
			n = writev(sock, iov, 2);
		} while (n < 0 && errno == EINTR);
		if (n != (ssize_t)(sizeof(hdr) + w->result_size))
			_exit(SANDBOX_EXIT_WRITE_FAILED);
	}
}

/* ---- the parent ---- */

static void sandbox_fd_id_get(int fd, struct sandbox_fd_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (fstat(fd, &st) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

static bool sandbox_fd_id_is(int fd, const struct sandbox_fd_id *id)
{
	struct stat st;

	return fd >= 0 && id->ino != 0 && fstat(fd, &st) == 0 &&
		st.st_dev == id->dev && st.st_ino == id->ino;
}

/* The worker's CPU time in seconds, -1 if it cannot be read. */
static double sandbox_worker_cpu(const struct sandbox_worker *w)
{
	struct timespec ts;

	if (clock_gettime(w->cpu_clock, &ts) < 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sandbox_worker_close(struct sandbox_worker *w)
{
	if (w->sock >= 0)
		close(w->sock);
	if (w->out >= 0)
		close(w->out);
	w->sock = w->out = -1;
}

/* Send one message: hdr, then len bytes of req, and pass_fd unless -1. */
static int sandbox_worker_send(struct sandbox_worker *w, const struct sandbox_worker_hdr *hdr,
			       const void *req, size_t len, int pass_fd)
{
	struct iovec iov[2] = { { (void *)hdr, sizeof(*hdr) }, { (void *)req, len } };
	union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } cm;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len > 0 ? 2 : 1 };
	ssize_t n;

	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	/* one message at a time: the socket buffer always has room */
	do {
		n = sendmsg(w->sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)(sizeof(*hdr) + len) ? 0 : -1;
}

/* End the worker: asked to exit first when gently (it exits by itself, as
 * under valgrind a process must to report), then SIGKILL to its group, reap.
 * Output it writes meanwhile goes to r (if not NULL). Returns the wait
 * status; the descriptors stay open. */
static int sandbox_worker_reap(struct sandbox_worker *w, bool gently,
			       struct sandbox_reader *r, struct rusage *ru)
{
	int status = 0;

	if (gently) {
		struct sandbox_worker_hdr quit = { SANDBOX_WORKER_MAGIC, 0, 0 };
		int pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
		double until = sandbox_now() + SANDBOX_WORKER_STOP_MS / 1000.0;

		(void)sandbox_worker_send(w, &quit, NULL, 0, -1);
		while (sandbox_now() < until && !sandbox_child_exited(w->pid)) {
			struct pollfd pfd = { pidfd, POLLIN, 0 };

			if (poll(&pfd, 1, pidfd >= 0 ? (int)((until - sandbox_now()) * 1000) + 1 :
				 10) > 0 && pidfd >= 0)
				break;
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	(void)kill(-w->pid, SIGKILL);
	(void)kill(w->pid, SIGKILL);
	memset(ru, 0, sizeof(*ru));
	while (wait4(w->pid, &status, 0, ru) < 0) {
		if (errno != EINTR) {
			status = 0; /* reaped elsewhere: nothing more to learn */
			break;
		}
	}
	if (r != NULL)
		(void)sandbox_read_output(w->out, r);
	w->pid = 0;
	return status;
}

static void sandbox_worker_end(struct sandbox_worker *w, bool gently)
{
	struct rusage ru;

	if (w->pid > 0)
		(void)sandbox_worker_reap(w, gently, NULL, &ru);
	sandbox_worker_close(w);
}

/* Inherited through fork(): the worker is the parent's. Close our copies
 * of its descriptors if they still are that (a sandbox_run() child has
 * closed them, and the numbers may be another file's now). */
static void sandbox_worker_forget(struct sandbox_worker *w)
{
	if (sandbox_fd_id_is(w->sock, &w->sock_id))
		close(w->sock);
	if (sandbox_fd_id_is(w->out, &w->out_id))
		close(w->out);
	w->sock = w->out = -1;
	w->pid = 0;
	w->calls = 0;
	w->owner = getpid();
}

/* Wait for the reply numbered wt->seq, the worker's end, the deadline or
 * the CPU budget, whichever comes first. */
static enum sandbox_worker_end sandbox_worker_wait(struct sandbox_worker *w,
						   struct sandbox_worker_wait *wt)
{
	const size_t hsz = sizeof(struct sandbox_worker_hdr);
	int pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	bool sock_open = true, out_open = true;
	double next_check = wt->cpu_kill > 0 ? sandbox_now() : 0;
	enum sandbox_worker_end end;

	for (;;) {
		struct pollfd pfd[3] = {
			{ sock_open ? w->sock : -1, POLLIN, 0 },
			{ out_open ? w->out : -1, POLLIN, 0 },
			{ pidfd, POLLIN, 0 },
		};
		double now = sandbox_now(), until = wt->deadline;
		int ms;

		if (now >= wt->deadline) {
			end = SANDBOX_WORKER_DEADLINE;
			break;
		}
		if (wt->cpu_kill > 0 && now >= next_check) {
			double cpu = sandbox_worker_cpu(w);

			if (cpu >= wt->cpu_kill) {
				end = SANDBOX_WORKER_CPU;
				break;
			}
			/* it cannot get there sooner than this */
			next_check = now + (cpu >= 0 ? wt->cpu_kill - cpu : 1.0);
		}
		if (wt->cpu_kill > 0 && next_check < until)
			until = next_check;
		ms = (int)((until - now) * 1000) + 1;
		if (pidfd < 0 && ms > 50)
			ms = 50; /* no pidfd: ask waitid() between short polls */
		if (poll(pfd, 3, ms) < 0) {
			if (errno == EINTR)
				continue;
			end = SANDBOX_WORKER_DEADLINE; /* as sandbox_run() */
			break;
		}
		if (pfd[1].revents != 0)
			out_open = sandbox_read_output(w->out, &wt->r);
		if (pfd[0].revents != 0) {
			struct iovec iov = { w->msg, w->msg_size };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
			ssize_t n = recvmsg(w->sock, &mh, MSG_DONTWAIT | MSG_TRUNC);

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				sock_open = false; /* EOF: it is gone or going */
			} else {
				memcpy(&wt->hdr, w->msg, (size_t)n < hsz ? (size_t)n : hsz);
				if ((size_t)n == hsz + wt->payload &&
				    wt->hdr.magic == SANDBOX_WORKER_MAGIC && wt->hdr.seq == wt->seq) {
					end = SANDBOX_WORKER_REPLY;
					break;
				}
				wt->r.got = (size_t)n > hsz ? (size_t)n - hsz : 0;
				if (wt->r.got > wt->payload) {
					wt->r.got = wt->payload;
					wt->r.overflow = true;
				}
				end = SANDBOX_WORKER_BAD;
				break;
			}
		}
		if (pfd[2].revents != 0 || (pidfd < 0 && sandbox_child_exited(w->pid))) {
			end = SANDBOX_WORKER_EXITED;
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	/* what it wrote before replying or dying is in the pipe already */
	if (out_open)
		(void)sandbox_read_output(w->out, &wt->r);
	return end;
}

/* Start a fresh worker and wait until it is set up. */
static int sandbox_worker_spawn(struct sandbox_worker *w, const char **error_r)
{
	struct sandbox_worker_wait wt;
	struct sandbox_child_args args;
	struct sandbox_report rep;
	unsigned int start_ms;
	int sv[2] = { -1, -1 }, out[2] = { -1, -1 }, status;
	struct rlimit rl;
	struct rusage ru;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		*error_r = sandbox_error("socketpair: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		*error_r = sandbox_error("pipe: %s", strerror(errno));
		goto fail;
	}
	w->cpu_hard = getrlimit(RLIMIT_CPU, &rl) == 0 ? rl.rlim_max : RLIM_INFINITY;
	args = (struct sandbox_child_args){ &w->lim, getpid(), sysconf(_SC_PAGESIZE),
					    sv[1], out[1], true };
	pid = fork();
	if (pid < 0) {
		*error_r = sandbox_error("fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		close(out[0]);
		sandbox_worker_child(w, &args);
	}
	(void)setpgid(pid, pid); /* also done by the child: whichever runs first */
	close(sv[1]);
	close(out[1]);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	w->owner = getpid();
	w->pid = pid;
	w->sock = sv[0];
	w->out = out[0];
	w->calls = 0;
	sandbox_fd_id_get(w->sock, &w->sock_id);
	sandbox_fd_id_get(w->out, &w->out_id);
	if (clock_getcpuclockid(pid, &w->cpu_clock) != 0) {
		*error_r = sandbox_error("clock_getcpuclockid: %s", strerror(errno));
		sandbox_worker_end(w, false);
		return -1;
	}

	start_ms = w->lim.timeout_ms > SANDBOX_WORKER_START_MS ? w->lim.timeout_ms :
		SANDBOX_WORKER_START_MS;
	memset(&wt, 0, sizeof(wt));
	wt.deadline = sandbox_now() + start_ms / 1000.0;
	if (sandbox_worker_wait(w, &wt) == SANDBOX_WORKER_REPLY)
		return 0;
	/* it did not come up: why */
	status = sandbox_worker_reap(w, false, &wt.r, &ru);
	sandbox_worker_close(w);
	memset(&rep, 0, sizeof(rep));
	memcpy(rep.output, wt.r.out, wt.r.out_len);
	rep.output[wt.r.out_len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == SANDBOX_EXIT_SETUP_FAILED &&
	    strncmp(rep.output, "sandbox: ", 9) == 0) {
		rep.output[strcspn(rep.output, "\n")] = '\0';
		*error_r = sandbox_error("%s", rep.output);
	} else {
		sandbox_classify(&w->lim, status, false, &wt.r, &rep);
		*error_r = sandbox_error("sandbox: the worker did not start: %s", rep.reason);
	}
	return -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}

int sandbox_worker_start(const struct sandbox_limits *lim, sandbox_serve_fn_t *fn,
			 void *ctx, size_t req_size, size_t result_size,
			 struct sandbox_worker **w_r, const char **error_r)
{
	const size_t hsz = sizeof(struct sandbox_worker_hdr);
	struct sandbox_worker *w;

	if (req_size > SANDBOX_WORKER_MAX_MSG - hsz || result_size > SANDBOX_WORKER_MAX_MSG - hsz) {
		*error_r = sandbox_error("sandbox worker: messages of %zu and %zu bytes, "
					 "at most %zu", req_size, result_size,
					 (size_t)SANDBOX_WORKER_MAX_MSG - hsz);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	if (lim != NULL)
		w->lim = *lim;
	sandbox_fill_defaults(&w->lim);
	if (w->lim.keep_fds_count > SANDBOX_MAX_KEEP_FDS)
		w->lim.keep_fds_count = SANDBOX_MAX_KEEP_FDS;
	if (w->lim.keep_fds_count > 0)
		memcpy(w->keep_fds, w->lim.keep_fds, w->lim.keep_fds_count * sizeof(int));
	w->lim.keep_fds = w->keep_fds;
	if (w->lim.seccomp_allow_count > 0) {
		w->allow = xreallocarray(NULL, w->lim.seccomp_allow_count, sizeof(int));
		memcpy(w->allow, w->lim.seccomp_allow, w->lim.seccomp_allow_count * sizeof(int));
	}
	w->lim.seccomp_allow = w->allow;
	w->fn = fn;
	w->ctx = ctx;
	w->req_size = req_size;
	w->result_size = result_size;
	w->msg_size = hsz + (req_size > result_size ? req_size : result_size);
	w->msg = xmalloc(w->msg_size);
	w->sock = w->out = -1;
	w->owner = getpid();
	if (sandbox_worker_spawn(w, error_r) < 0) {
		free(w->msg);
		free(w->allow);
		free(w);
		return -1;
	}
	*w_r = w;
	return 0;
}

/* A worker that should not serve the next call: served its share, died
 * while idle (killed from outside), or too close to an inherited hard
 * CPU limit to give the call its budget. */
static bool sandbox_worker_spent(const struct sandbox_worker *w)
{
	double cpu;

	if (w->calls >= SANDBOX_WORKER_MAX_CALLS || sandbox_child_exited(w->pid))
		return true;
	if (w->cpu_hard == RLIM_INFINITY || w->calls == 0)
		return false;
	cpu = sandbox_worker_cpu(w);
	return cpu < 0 || ceil(cpu) + w->lim.cpu_seconds + 2 > (double)w->cpu_hard;
}

int sandbox_worker_call(struct sandbox_worker *w, const void *req, int pass_fd,
			void *result, struct sandbox_report *rep, const char **error_r)
{
	struct sandbox_worker_hdr hdr = { SANDBOX_WORKER_MAGIC, 0, 0 };
	struct sandbox_worker_wait wt;
	enum sandbox_worker_end end;
	double start = 0, cpu0 = 0;
	struct rlimit rl;
	struct rusage ru;
	int status;

	memset(rep, 0, sizeof(*rep));
	memset(result, 0, w->result_size);
	if (w->owner != getpid())
		sandbox_worker_forget(w);
	for (int attempt = 0; ; attempt++) {
		if (w->pid > 0 && sandbox_worker_spent(w))
			sandbox_worker_end(w, true);
		if (w->pid == 0 && sandbox_worker_spawn(w, error_r) < 0)
			return -1;
		/* discard anything it wrote between calls */
		memset(&wt, 0, sizeof(wt));
		(void)sandbox_read_output(w->out, &wt.r);
		/* this call's CPU budget: SIGXCPU (default action: die) past it */
		cpu0 = sandbox_worker_cpu(w);
		rl.rlim_cur = (rlim_t)ceil(cpu0 > 0 ? cpu0 : 0) + w->lim.cpu_seconds;
		rl.rlim_max = w->cpu_hard;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		hdr.seq = ++w->seq == 0 ? ++w->seq : w->seq;
		start = sandbox_now();
		if (cpu0 >= 0 && prlimit(w->pid, RLIMIT_CPU, &rl, NULL) == 0 &&
		    sandbox_worker_send(w, &hdr, req, w->req_size, pass_fd) == 0)
			break;
		/* it died after the check above: not this request's doing */
		*error_r = sandbox_error("sandbox worker: %s: %s", cpu0 < 0 ? "CPU clock" :
					 "sendmsg or prlimit", strerror(errno));
		sandbox_worker_end(w, false);
		if (attempt > 0)
			return -1;
	}

	memset(&wt, 0, sizeof(wt));
	wt.deadline = start + w->lim.timeout_ms / 1000.0;
	wt.cpu_kill = (double)rl.rlim_cur + 1;
	wt.seq = hdr.seq;
	wt.payload = w->result_size;
	wt.r.size = w->result_size;
	end = sandbox_worker_wait(w, &wt);
	if (end == SANDBOX_WORKER_REPLY) {
		double cpu1 = sandbox_worker_cpu(w);

		memcpy(result, w->msg + sizeof(hdr), w->result_size);
		w->calls++;
		rep->outcome = SANDBOX_OK;
		snprintf(rep->reason, sizeof(rep->reason), "ok");
		rep->wall_seconds = sandbox_now() - start;
		rep->cpu_seconds = cpu1 > cpu0 ? cpu1 - cpu0 : 0;
		rep->max_rss_kib = wt.hdr.max_rss_kib > 0 ? (long)wt.hdr.max_rss_kib : 0;
		memcpy(rep->output, wt.r.out, wt.r.out_len);
		rep->output[wt.r.out_len] = '\0';
		return 0;
	}

	/* This worker is done for: killed (or dead), reaped; the report is
	 * what sandbox_run() would say of a child that ended so. */
	status = sandbox_worker_reap(w, false, &wt.r, &ru);
	sandbox_worker_close(w);
	rep->wall_seconds = sandbox_now() - start;
	rep->cpu_seconds = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6 - cpu0;
	if (rep->cpu_seconds < 0)
		rep->cpu_seconds = 0;
	rep->max_rss_kib = ru.ru_maxrss;
	memcpy(rep->output, wt.r.out, wt.r.out_len);
	rep->output[wt.r.out_len] = '\0';
	if (end == SANDBOX_WORKER_BAD) {
		rep->outcome = SANDBOX_BAD_RESULT;
		rep->signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		rep->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		snprintf(rep->reason, sizeof(rep->reason), "bad result (%zu%s of %zu bytes)",
			 wt.r.got, wt.r.overflow ? "+" : "", wt.r.size);
		return 0;
	}
	wt.r.got = 0;
	sandbox_classify(&w->lim, status, end == SANDBOX_WORKER_DEADLINE, &wt.r, rep);
	if (rep->exit_code == SANDBOX_EXIT_SETUP_FAILED &&
	    strncmp(rep->output, "sandbox: ", 9) == 0) {
		/* not the request's fault: the caller should retry later */
		*error_r = sandbox_error("%.*s", (int)strcspn(rep->output, "\n"), rep->output);
		return -1;
	}
	return 0;
}

pid_t sandbox_worker_pid(const struct sandbox_worker *w)
{
	return w->owner == getpid() ? w->pid : 0;
}

void sandbox_worker_stop(struct sandbox_worker **wp)
{
	struct sandbox_worker *w = *wp;

	if (w == NULL)
		return;
	if (w->owner != getpid())
		sandbox_worker_forget(w);
	else
		sandbox_worker_end(w, true);
	free(w->msg);
	free(w->allow);
	free(w);
	*wp = NULL;
}
