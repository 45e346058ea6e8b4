/* outbox: the durable reply queue (see outbox.h).
 *
 * Like Postfix's queue, state is the location of a file and a move is a
 * rename(): the .meta file of a message is renamed into sent/ or failed/
 * first, so that its directory alone says what happened, and the .eml
 * follows. The queue runner holds an flock on DIR/.lock so two processes
 * never send the same message; outbox_queue() needs no lock, as it only
 * creates files for an id found nowhere, checking in the direction
 * messages move (queue, then sent/, then failed/). */
#include "outbox.h"
#include "buf.h"
#include "fsutil.h"
#include "log.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUTBOX_MAX_AGE (5 * 86400)
#define OUTBOX_FIRST_DELAY 300
#define OUTBOX_MAX_DELAY (4 * 3600)
#define OUTBOX_MSG_MAX (64 * 1024 * 1024)
#define OUTBOX_TMP_MAX_AGE 86400   /* stale files in tmp/ are removed after a day */
#define OUTBOX_PATH_MAX 4096
#define OUTBOX_DIR_MAX 3072        /* leaves room for "/failed/<id>.meta" */

static const char *const outbox_subdir[] = { "", "sent/", "failed/" };

struct outbox_meta {
	char *rcpt, *env_from, *last_error;
	int64_t attempts, first_queued, next_attempt, last_attempt, done;
};

/* The .meta file, in this order: "key=value" lines. */
#define OUTBOX_STR(f) { #f, offsetof(struct outbox_meta, f), true }
#define OUTBOX_INT(f) { #f, offsetof(struct outbox_meta, f), false }
static const struct { const char *key; size_t off; bool str; } outbox_keys[] = {
	OUTBOX_STR(rcpt), OUTBOX_STR(env_from), OUTBOX_INT(attempts),
	OUTBOX_INT(first_queued), OUTBOX_INT(next_attempt), OUTBOX_INT(last_attempt),
	OUTBOX_INT(done), OUTBOX_STR(last_error),
};
#define OUTBOX_NKEYS (sizeof(outbox_keys) / sizeof(outbox_keys[0]))

static __thread char outbox_err[OUTBOX_PATH_MAX + 256];

static const char *outbox_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *outbox_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(outbox_err, sizeof(outbox_err), fmt, ap);
	va_end(ap);
	return outbox_err;
}

const char *outbox_state_name(enum outbox_state s)
{
	return s == OUTBOX_SENT ? "sent" : s == OUTBOX_FAILED ? "failed" : "queued";
}

static bool outbox_id_ok(const char *id)
{
	size_t len = strlen(id);

	return len > 0 && len <= 128 && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == len;
}

static bool outbox_addr_ok(const char *a, bool empty_ok)
{
	for (const char *p = a; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return false;
	}
	return (*a != '\0' || empty_ok) && strlen(a) <= 254;
}

/* dir/<sub>/<id><ext> into buf (OUTBOX_PATH_MAX; dir is checked against
 * OUTBOX_DIR_MAX and ids against 128 bytes first, so it always fits). */
static char *outbox_path(char *buf, const char *dir, unsigned sub, const char *id,
			 const char *ext)
{
	snprintf(buf, OUTBOX_PATH_MAX, "%s/%s%s%s", dir, outbox_subdir[sub], id, ext);
	return buf;
}

static bool outbox_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int outbox_fsync_dir(const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		*error_r = outbox_fail("fsync(%s): %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* data → a hidden file in tmp_dir, fsync, rename to path, fsync path's
 * directory (dir_of_path). */
static int outbox_write(const char *tmp_dir, const char *path, const char *dir_of_path,
			const void *data, size_t len, const char **error_r)
{
	char tmp[OUTBOX_PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", tmp_dir, strrchr(path, '/') + 1,
		 (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fsutil_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		*error_r = outbox_fail("write(%s): %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		*error_r = outbox_fail("rename(%s, %s): %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return outbox_fsync_dir(dir_of_path, error_r);
}

static void outbox_meta_free(struct outbox_meta *m)
{
	free(m->rcpt);
	free(m->env_from);
	free(m->last_error);
	memset(m, 0, sizeof(*m));
}

/* Write m as dir/<sub>/<id>.meta. */
static int outbox_meta_write(const char *dir, unsigned sub, const char *id,
			     const struct outbox_meta *m, const char **error_r)
{
	char path[OUTBOX_PATH_MAX], tmp[OUTBOX_PATH_MAX], subdir[OUTBOX_PATH_MAX];
	struct buf b = BUF_INIT;
	int ret;

	for (size_t i = 0; i < OUTBOX_NKEYS; i++) {
		const char *field = (const char *)m + outbox_keys[i].off;

		buf_printf(&b, "%s=", outbox_keys[i].key);
		if (!outbox_keys[i].str)
			buf_printf(&b, "%" PRId64, *(const int64_t *)field);
		for (const char *p = outbox_keys[i].str ? *(char *const *)field : ""; *p != '\0'; p++)
			buf_putc(&b, *p == '\n' || *p == '\r' ? ' ' : *p);
		buf_putc(&b, '\n');
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	snprintf(subdir, sizeof(subdir), "%s/%s", dir, outbox_subdir[sub]);
	ret = outbox_write(tmp, outbox_path(path, dir, sub, id, ".meta"), subdir, b.data,
			   b.len, error_r);
	buf_free(&b);
	return ret;
}

/* Read dir/<sub>/<id>.meta: 1, 0 when there is none, -1 unreadable or
 * without rcpt/env_from. */
static int outbox_meta_read(const char *dir, unsigned sub, const char *id,
			    struct outbox_meta *m, const char **error_r)
{
	char path[OUTBOX_PATH_MAX], *data, *line, *save = NULL;
	size_t len;

	memset(m, 0, sizeof(*m));
	if (!outbox_exists(outbox_path(path, dir, sub, id, ".meta")))
		return 0;
	if (fsutil_read_file(path, 64 * 1024, &data, &len, error_r) < 0)
		return -1;
	for (line = strtok_r(data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');
		for (size_t i = 0; v != NULL && i < OUTBOX_NKEYS; i++) {
			char *field = (char *)m + outbox_keys[i].off;
			if (strlen(outbox_keys[i].key) != (size_t)(v - line) ||
			    strncmp(line, outbox_keys[i].key, (size_t)(v - line)) != 0)
				continue;
			if (outbox_keys[i].str) {
				free(*(char **)field);
				*(char **)field = xstrdup(v + 1);
			} else {
				*(int64_t *)field = strtoll(v + 1, NULL, 10);
			}
		}
	}
	free(data);
	if (m->last_error == NULL)
		m->last_error = xstrdup("");
	if (m->rcpt != NULL && m->env_from != NULL)
		return 1;
	outbox_meta_free(m);
	*error_r = outbox_fail("%s: no rcpt or env_from", path);
	return -1;
}

static int outbox_mkdirs(const char *dir, const char **error_r)
{
	char path[OUTBOX_PATH_MAX];

	if (strlen(dir) > OUTBOX_DIR_MAX) {
		*error_r = outbox_fail("outbox: directory name too long");
		return -1;
	}
	for (unsigned sub = 0; sub < 4; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub < 3 ? outbox_subdir[sub] : "tmp");
		if (fsutil_mkdir_p(path, error_r) < 0)
			return -1;
	}
	return 0;
}

int outbox_queue(const char *dir, const char *id, const char *rcpt, const char *env_from,
		 const char *msg, size_t len, int64_t now, const char **error_r)
{
	const struct outbox_meta m = {
		.rcpt = (char *)rcpt, .env_from = (char *)env_from, .last_error = (char *)"",
		.first_queued = now, .next_attempt = now,
	};
	char path[OUTBOX_PATH_MAX], tmp[OUTBOX_PATH_MAX];

	if (!outbox_id_ok(id)) {
		*error_r = outbox_fail("outbox: bad id \"%s\"", id);
		return -1;
	}
	if (!outbox_addr_ok(rcpt, false) || !outbox_addr_ok(env_from, true)) {
		*error_r = outbox_fail("outbox %s: bad recipient or envelope sender", id);
		return -1;
	}
	if (outbox_mkdirs(dir, error_r) < 0)
		return -1;
	for (unsigned sub = 0; sub < 3; sub++) {
		if (outbox_exists(outbox_path(path, dir, sub, id, ".meta")))
			return 0;  /* queued, sent or failed already: exactly once */
	}
	/* the message is durable before the .meta that queues it */
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if (outbox_write(tmp, outbox_path(path, dir, 0, id, ".eml"), dir, msg, len, error_r) < 0)
		return -1;
	return outbox_meta_write(dir, 0, id, &m, error_r);
}

/* Move id's .meta (the commit) then its .eml from the queue into sub,
 * then record m there. */
static int outbox_move(const char *dir, const char *id, unsigned sub,
		       const struct outbox_meta *m, const char **error_r)
{
	char from[OUTBOX_PATH_MAX], to[OUTBOX_PATH_MAX], subdir[OUTBOX_PATH_MAX];

	snprintf(subdir, sizeof(subdir), "%s/%s", dir, outbox_subdir[sub]);
	for (int i = 0; i < 2; i++) {
		const char *ext = i == 0 ? ".meta" : ".eml";
		if (rename(outbox_path(from, dir, 0, id, ext), outbox_path(to, dir, sub, id, ext)) < 0 &&
		    !(i == 1 && errno == ENOENT)) {
			*error_r = outbox_fail("rename(%s, %s): %s", from, to, strerror(errno));
			return -1;
		}
		if (outbox_fsync_dir(subdir, error_r) < 0 || outbox_fsync_dir(dir, error_r) < 0)
			return -1;
	}
	return outbox_meta_write(dir, sub, id, m, error_r);
}

/* Finish moves a crash interrupted (a .eml whose .meta is already in
 * sent/ or failed/ follows it) and remove old files from tmp/. */
static void outbox_recover(const char *dir)
{
	int64_t now = time(NULL);  /* file ages are wall-clock, whatever the queue's clock */
	char path[OUTBOX_PATH_MAX], eml[OUTBOX_PATH_MAX], to[OUTBOX_PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 5 || n > 128 + 4 || strcmp(e->d_name + n - 4, ".eml") != 0)
			continue;
		char id[132];
		snprintf(id, sizeof(id), "%.*s", (int)(n - 4), e->d_name);
		for (unsigned sub = 1; sub < 3; sub++) {
			if (!outbox_exists(outbox_path(path, dir, 0, id, ".meta")) &&
			    outbox_exists(outbox_path(path, dir, sub, id, ".meta")))
				(void)rename(outbox_path(eml, dir, 0, id, ".eml"),
					     outbox_path(to, dir, sub, id, ".eml"));
		}
	}
	if (d != NULL)
		closedir(d);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	d = opendir(path);
	while (d != NULL && (e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_type != DT_DIR && fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
		    now - (int64_t)st.st_mtime > OUTBOX_TMP_MAX_AGE)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
}

static int outbox_filter_meta(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && n <= 128 + 5 &&
	       strcmp(e->d_name + n - 5, ".meta") == 0;
}

/* Does m wait past now? No backoff is longer than max_delay + 10 %, so a
 * next attempt further away than that means the clock was set back
 * (NTP after a bad RTC, an admin): then it is due now rather than after
 * the jump is made up. */
static bool outbox_waits(const struct outbox_settings *set, const struct outbox_meta *m,
			 int64_t now)
{
	return m->next_attempt > now &&
	       m->next_attempt - now <= (int64_t)set->max_delay + (int64_t)set->max_delay / 10;
}

/* Seconds to wait after the n-th failed attempt (n >= 1). */
static int64_t outbox_backoff(const struct outbox_settings *set, const char *id, unsigned n)
{
	int64_t delay = set->first_delay;
	uint32_t h = 2166136261u;

	for (unsigned i = 1; i < n && delay < set->max_delay; i++)
		delay *= 2;
	if (delay > set->max_delay)
		delay = set->max_delay;
	for (const char *p = id; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ n) * 16777619u;
	return delay + delay * ((int64_t)(h % 201) - 100) / 1000;  /* ±10 % */
}

/* One due message: deliver, then reschedule or move it. 0 or -1 (I/O). */
static int outbox_attempt(const char *dir, const struct outbox_settings *set, const char *id,
			  struct outbox_meta *m, outbox_deliver_fn *deliver, void *ctx,
			  int64_t now, bool *stop, struct outbox_stats *stats,
			  const char **error_r)
{
	char path[OUTBOX_PATH_MAX], error[512] = "", *data = NULL;
	struct outbox_msg msg = { .id = id, .rcpt = m->rcpt, .env_from = m->env_from,
				  .attempts = (unsigned)m->attempts };
	const char *read_error;
	enum smtp_result res;

	if (fsutil_read_file(outbox_path(path, dir, 0, id, ".eml"), OUTBOX_MSG_MAX, &data,
			     &msg.len, &read_error) < 0) {
		snprintf(error, sizeof(error), "message unreadable: %s", read_error);
		res = SMTP_PERMFAIL;
	} else {
		msg.data = data;
		res = deliver(ctx, &msg, error, sizeof(error), stop);
		free(data);
	}
	m->attempts++;
	m->last_attempt = now;
	free(m->last_error);
	if (res == SMTP_TEMPFAIL && now - m->first_queued >= set->max_age) {
		m->last_error = xasprintf("gave up after %" PRId64 " attempts: %s", m->attempts, error);
		res = SMTP_PERMFAIL;
	} else {
		m->last_error = xstrdup(error);
	}
	const char *result = res == SMTP_SENT ? "sent" : res == SMTP_TEMPFAIL ? "deferred" : "failed";
	char attempt_s[24];
	snprintf(attempt_s, sizeof(attempt_s), "%" PRId64, m->attempts);
	log_sd(res == SMTP_SENT ? LOG_LEVEL_INFO : res == SMTP_TEMPFAIL ? LOG_LEVEL_WARNING :
	       LOG_LEVEL_ERROR, "outbox", LOG_SD({ "outbox_id", id }, { "rcpt", m->rcpt },
	       { "result", result }, { "attempt", attempt_s },
	       { "error", res == SMTP_SENT ? NULL : m->last_error }),
	       "%s: %s to %s, attempt %s%s%s", id, result, m->rcpt, attempt_s,
	       res == SMTP_SENT ? "" : ": ", res == SMTP_SENT ? "" : m->last_error);
	if (res == SMTP_TEMPFAIL) {
		m->next_attempt = now + outbox_backoff(set, id, (unsigned)m->attempts);
		stats->deferred++;
		return outbox_meta_write(dir, 0, id, m, error_r);
	}
	m->done = now;
	if (res == SMTP_SENT)
		stats->sent++;
	else
		stats->failed++;
	return outbox_move(dir, id, res == SMTP_SENT ? 1 : 2, m, error_r);
}

int outbox_process(const char *dir, const struct outbox_settings *set_in,
		   outbox_deliver_fn *deliver, void *ctx, int64_t now,
		   struct outbox_stats *stats_r, const char **error_r)
{
#define OUTBOX_SET(f, def) (set_in != NULL && set_in->f != 0 ? set_in->f : (def))
	const struct outbox_settings set = { OUTBOX_SET(max_age, OUTBOX_MAX_AGE),
		OUTBOX_SET(first_delay, OUTBOX_FIRST_DELAY), OUTBOX_SET(max_delay, OUTBOX_MAX_DELAY) };
	struct dirent **list = NULL;
	char lock[OUTBOX_PATH_MAX];
	int n = 0, lock_fd = -1, ret = -1;
	bool stop = false, bad_meta = false;

	memset(stats_r, 0, sizeof(*stats_r));
	if (outbox_mkdirs(dir, error_r) < 0)
		goto out;
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		ret = lock_fd >= 0 && errno == EWOULDBLOCK ? 1 : -1;
		*error_r = outbox_fail("lock %s: %s", lock, strerror(errno));
		goto out;
	}
	outbox_recover(dir);
	n = scandir(dir, &list, outbox_filter_meta, alphasort);
	if (n < 0) {
		*error_r = outbox_fail("scandir(%s): %s", dir, strerror(errno));
		goto out;
	}
	ret = 0;
	for (int i = 0; i < n && ret == 0; i++) {
		char id[132];
		struct outbox_meta m;
		int r;

		snprintf(id, sizeof(id), "%.*s", (int)strlen(list[i]->d_name) - 5, list[i]->d_name);
		r = outbox_meta_read(dir, 0, id, &m, error_r);
		if (r < 0)
			bad_meta = true;  /* reported at the end; the rest still go */
		else if (r > 0 && (outbox_waits(&set, &m, now) || stop))
			stats_r->waiting++;
		else if (r > 0)
			ret = outbox_attempt(dir, &set, id, &m, deliver, ctx, now, &stop, stats_r,
					     error_r);
		outbox_meta_free(&m);
	}
	if (ret == 0 && bad_meta)
		ret = -1;
out:
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

static enum smtp_result outbox_deliver_smtp(void *ctx, const struct outbox_msg *m,
					    char *error, size_t size, bool *stop_r)
{
	return smtp_send_full(ctx, m->env_from, m->rcpt, m->data, m->len, error, size, stop_r);
}

int outbox_run(const char *dir, const struct outbox_settings *set,
	       const struct smtp_settings *smtp, int64_t now,
	       struct outbox_stats *stats_r, const char **error_r)
{
	return outbox_process(dir, set, outbox_deliver_smtp, (void *)smtp, now, stats_r, error_r);
}

static enum smtp_result outbox_deliver_dir(void *ctx, const struct outbox_msg *m,
					   char *error, size_t size, bool *stop_r)
{
	const char *target = ctx, *err;
	char path[OUTBOX_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.eml", target, m->id);
	if (fsutil_mkdir_p(target, &err) < 0 ||
	    outbox_write(target, path, target, m->data, m->len, &err) < 0) {
		snprintf(error, size, "%s", err);
		*stop_r = true;
		return SMTP_TEMPFAIL;
	}
	return SMTP_SENT;
}

int outbox_run_to_dir(const char *dir, const struct outbox_settings *set,
		      const char *target, int64_t now,
		      struct outbox_stats *stats_r, const char **error_r)
{
	if (strlen(target) > OUTBOX_DIR_MAX) {
		*error_r = outbox_fail("outbox: directory name too long");
		return -1;
	}
	return outbox_process(dir, set, outbox_deliver_dir, (void *)target, now, stats_r, error_r);
}

int outbox_list(const char *dir, outbox_list_cb *cb, void *ctx, const char **error_r)
{
	int ret = 0;

	for (unsigned sub = 0; sub < 3 && ret == 0; sub++) {
		char path[OUTBOX_PATH_MAX];
		struct dirent **list = NULL;
		int n;

		snprintf(path, sizeof(path), "%s/%s", dir, outbox_subdir[sub]);
		n = scandir(path, &list, outbox_filter_meta, alphasort);
		if (n < 0 && errno != ENOENT) {
			*error_r = outbox_fail("scandir(%s): %s", path, strerror(errno));
			ret = -1;
		}
		for (int i = 0; i < n; i++) {
			char id[132];
			struct outbox_meta m;
			int r = 0;

			snprintf(id, sizeof(id), "%.*s", (int)strlen(list[i]->d_name) - 5,
				 list[i]->d_name);
			if (ret == 0 && (r = outbox_meta_read(dir, sub, id, &m, error_r)) < 0)
				ret = -1;
			if (r > 0) {
				const struct outbox_entry e = {
					.id = id, .state = (enum outbox_state)sub,
					.rcpt = m.rcpt, .env_from = m.env_from,
					.attempts = (unsigned)m.attempts, .first_queued = m.first_queued,
					.next_attempt = m.next_attempt, .last_attempt = m.last_attempt,
					.done = m.done, .last_error = m.last_error,
				};
				ret = cb(ctx, &e);
				outbox_meta_free(&m);
			}
			free(list[i]);
		}
		free(list);
	}
	return ret;
}
