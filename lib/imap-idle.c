/* imap-idle: wait for new mail (RFC 2177 IDLE, or NOOP after a sleep).
 *
 * libetpan's mailimap_idle() sends IDLE and reads the continuation;
 * mailimap_idle_done() sends DONE and parses everything up to the tagged
 * OK, which records EXISTS/RECENT in the selection info. In between we
 * poll the socket ourselves: libetpan's own wait helpers do not look at
 * what it has already buffered, so a line that arrived together with the
 * continuation is checked for first (mailstream->read_buffer_len). Any
 * data ends the wait; when it was not new mail (flag changes, "* OK Still
 * here"), IDLE starts over.
 *
 * Limit: untagged responses the server sends *before* the "+" of IDLE
 * are parsed and dropped by libetpan 1.9.4. Dovecot sends the
 * continuation first; with other servers such mail waits for the next
 * timeout, after which the daemon searches anyway. */
#include "imap-private.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

#define IMAP_IDLE_STEP_MS 1000   /* how often *stop is looked at */

enum idle_wake { IDLE_WAKE_DATA, IDLE_WAKE_TIMEOUT, IDLE_WAKE_STOP };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopped(volatile int *stop)
{
	return stop != NULL && *stop != 0;
}

/* Wait until fd is readable (fd < 0: only sleep), the deadline passes or
 * *stop is set; EINTR from the signal that sets *stop ends a step early. */
static enum idle_wake idle_wait(int fd, int64_t deadline, volatile int *stop)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left;
		int r;

		if (stopped(stop))
			return IDLE_WAKE_STOP;
		left = deadline - now_ms();
		if (left <= 0)
			return IDLE_WAKE_TIMEOUT;
		r = poll(&pfd, fd >= 0 ? 1 : 0,
			 (int)(left < IMAP_IDLE_STEP_MS ? left : IMAP_IDLE_STEP_MS));
		if (r > 0)
			return IDLE_WAKE_DATA;   /* also POLLHUP/POLLERR: DONE will tell */
		if (r < 0 && errno != EINTR)
			return IDLE_WAKE_DATA;
	}
}

static bool idle_buffered(const struct imap *im)
{
	const mailstream *s = im->imap->imap_stream;

	return s != NULL && s->read_buffer_len > 0;
}

int imap_idle_start(struct imap *im, const char **error_r)
{
	int r;

	if (imap_check(im, error_r) < 0)
		return -1;
	if (!imap_has_idle(im)) {
		*error_r = imap_set_error(im, "the server does not support IDLE");
		return -1;
	}
	imap_note_new_mail(im);   /* mailimap_idle() clears the flags */
	r = mailimap_idle(im->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "IDLE", error_r);
	im->idling = true;
	return im->new_mail || idle_buffered(im) ? 1 : 0;
}

int imap_idle_fd(const struct imap *im)
{
	if (im->broken || im->imap->imap_stream == NULL)
		return -1;
	return mailimap_idle_get_fd(im->imap);
}

int imap_idle_done(struct imap *im, bool *new_mail_r, const char **error_r)
{
	int r;

	*new_mail_r = false;
	if (!im->idling) {
		if (imap_check(im, error_r) < 0)
			return -1;
		*error_r = imap_set_error(im, "imap_idle_done() without imap_idle_start()");
		return -1;
	}
	im->idling = false;
	if (imap_check(im, error_r) < 0)
		return -1;
	r = mailimap_idle_done(im->imap);
	imap_note_new_mail(im);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "IDLE", error_r);
	*new_mail_r = im->new_mail;
	im->new_mail = false;
	return 0;
}

/* No IDLE: sleep, then NOOP lets the server report what arrived. */
static int idle_by_noop(struct imap *im, int64_t deadline, volatile int *stop,
			const char **error_r)
{
	int r;

	if (idle_wait(-1, deadline, stop) == IDLE_WAKE_STOP)
		return 0;
	r = mailimap_noop(im->imap);
	imap_note_new_mail(im);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "NOOP", error_r);
	if (!im->new_mail)
		return 0;
	im->new_mail = false;
	return 1;
}

int imap_idle(struct imap *im, unsigned timeout_s, volatile int *stop, const char **error_r)
{
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	enum idle_wake wake;
	bool new_mail;
	int r;

	if (imap_check(im, error_r) < 0)
		return -1;
	imap_note_new_mail(im);
	if (im->new_mail) {
		im->new_mail = false;
		return 1;
	}
	if (stopped(stop))
		return 0;
	if (!imap_has_idle(im))
		return idle_by_noop(im, deadline, stop, error_r);
	for (;;) {
		r = imap_idle_start(im, error_r);
		if (r < 0)
			return -1;
		wake = r > 0 ? IDLE_WAKE_DATA : idle_wait(imap_idle_fd(im), deadline, stop);
		if (imap_idle_done(im, &new_mail, error_r) < 0)
			return -1;
		if (new_mail)
			return 1;
		if (wake != IDLE_WAKE_DATA)
			return 0;
		/* chatter, not mail: idle again (the deadline still holds) */
	}
}
