/* runner: sources → intake → marks; outbox; waiting with IDLE or polling. */
#include "runner.h"
#include "fsutil.h"
#include "imap.h"
#include "log.h"
#include "maildir.h"
#include "notify.h"
#include "outbox.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_KEYWORD "$casemail-done"
#define RUNNER_IDLE_SECONDS (25 * 60)     /* re-issue IDLE before 29 min */
#define RUNNER_BACKOFF_MAX 900

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

void runner_init(struct runner *r, struct intake *in, volatile sig_atomic_t *stop,
		 volatile sig_atomic_t *reload)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->stop = stop;
	r->reload = reload;
	r->nboxes = in->cfg->nmailboxes;
	r->boxes = xcalloc(r->nboxes ? r->nboxes : 1, sizeof(*r->boxes));
	for (size_t i = 0; i < r->nboxes; i++)
		r->boxes[i].mb = &in->cfg->mailboxes[i];
}

void runner_deinit(struct runner *r)
{
	for (size_t i = 0; i < r->nboxes; i++)
		imap_close(&r->boxes[i].imap);
	free(r->boxes);
	memset(r, 0, sizeof(*r));
}

static void runner_backoff(struct runner_mailbox *b, const char *error)
{
	unsigned base = 5u << (b->failures < 8 ? b->failures : 8);
	unsigned wait = base > RUNNER_BACKOFF_MAX ? RUNNER_BACKOFF_MAX : base;

	wait = wait / 2 + (unsigned)(rand() % (int)(wait / 2 + 1)); /* jitter */
	b->failures++;
	b->next_try = now_s() + wait;
	char wait_s[12];
	snprintf(wait_s, sizeof(wait_s), "%u", wait);
	log_sd(LOG_LEVEL_WARNING, "poll", LOG_SD({ "mailbox", b->mb->name }, { "retry_in", wait_s }),
	       "mailbox %s: %s; retrying in %u s", b->mb->name, error, wait);
}

/* A broken connection: log (the error text belongs to the session, so
 * before closing it), back off, close. */
static void runner_drop(struct runner_mailbox *b, const char *error)
{
	runner_backoff(b, error);
	imap_close(&b->imap);
}

/* ---- Maildir ------------------------------------------------------------- */

static int runner_maildir(struct runner *r, struct runner_mailbox *b)
{
	const struct config_mailbox *mb = b->mb;
	struct maildir_msg *msgs = NULL;
	size_t n = 0;
	const char *error;
	int ret = 0;

	if (maildir_scan(mb->maildir, &msgs, &n, &error) < 0) {
		log_sd(LOG_LEVEL_ERROR, "poll", LOG_SD({ "mailbox", mb->name }),
		       "mailbox %s: %s", mb->name, error);
		return -1;
	}
	for (size_t i = 0; i < n && !*r->stop; i++) {
		struct state_msg row;
		int64_t id;
		int found = state_msg_lookup_source_key(r->in->st, mb->name, msgs[i].key, &row, &error);

		if (found < 0) {
			log_sd(LOG_LEVEL_ERROR, "poll", LOG_SD({ "mailbox", mb->name }),
			       "mailbox %s: %s", mb->name, error);
			ret = -1;
			break;
		}
		if (found == 1) {
			id = row.id;
			bool done = row.state == STATE_MSG_MARKED;
			state_msg_clear(&row);
			if (done)
				continue;
			/* a resumed row: its raw path may have moved new/ → cur/ */
		} else {
			char hex[65], *mid = NULL;
			if (intake_digest(msgs[i].path, hex, &mid, &error) < 0) {
				log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name },
				       { "key", msgs[i].key }), "%s: %s", msgs[i].path, error);
				continue;
			}
			struct state_msg add = {
				.mailbox = mb->name, .source_key = msgs[i].key, .message_id = mid,
				.sha256 = hex, .raw_path = msgs[i].path, .state = STATE_MSG_FETCHED,
			};
			int r2 = state_msg_add(r->in->st, &add, &id, &error);
			if (r2 == 0)
				log_sd(LOG_LEVEL_INFO, "fetch", LOG_SD({ "mailbox", mb->name },
				       { "key", msgs[i].key }, { "message_id", mid }),
				       "mailbox %s: new mail %s", mb->name, msgs[i].key);
			free(mid);
			if (r2 < 0) {
				log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name },
				       { "key", msgs[i].key }), "mailbox %s: %s", mb->name, error);
				ret = -1;
				continue;
			}
		}
		if (intake_advance(r->in, mb, id, &error) < 0) {
			log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name },
			       { "key", msgs[i].key }), "mailbox %s: %s: %s", mb->name, msgs[i].key, error);
			ret = -1;
			continue;
		}
		if (maildir_mark(mb->maildir, &msgs[i], mb->mark_seen, &error) < 0 ||
		    intake_marked(r->in, id, &error) < 0) {
			log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name },
			       { "key", msgs[i].key }), "mailbox %s: %s: %s", mb->name, msgs[i].key, error);
			ret = -1;
			continue;
		}
		r->processed++;
		(void)notify_watchdog(); /* a long pass is not a hang */
	}
	maildir_msgs_free(&msgs, n);
	(void)state_mailbox_polled(r->in->st, mb->name, now_s(), &error);
	b->last_poll = now_s();
	return ret;
}

/* ---- IMAP ---------------------------------------------------------------- */

static int runner_imap_connect(struct runner_mailbox *b, const char **error_r)
{
	const struct config_mailbox *mb = b->mb;
	const struct imap_settings s = {
		.host = mb->host, .port = mb->port,
		.tls = mb->tls == CONFIG_TLS_YES ? IMAP_TLS_IMPLICIT :
		       mb->tls == CONFIG_TLS_STARTTLS ? IMAP_TLS_STARTTLS : IMAP_TLS_NONE,
		.ca_file = mb->ca_file, .verify = mb->verify,
		.user = mb->user, .password = mb->password,
		.folder = mb->folder, .timeout_s = 60,
	};

	b->imap = imap_connect(&s, error_r);
	return b->imap != NULL ? 0 : -1;
}

/* Fetch uid into incoming/ durably and add its row. 0, or -1. */
static int runner_imap_fetch(struct runner *r, struct runner_mailbox *b, uint32_t uidvalidity,
			     uint32_t uid, int64_t *id_r, const char **error_r)
{
	const struct config_mailbox *mb = b->mb;
	char *path = xasprintf("%s/%s-%u-%u.eml", r->in->incoming_dir, mb->name, uidvalidity, uid);
	char *tmp = xasprintf("%s.tmp", path);
	char hex[65], *mid = NULL;
	uint8_t sha256[IMAP_SHA256_SIZE];
	int64_t internaldate = 0;
	uint64_t size = 0;
	int fd, ret = -1;
	struct state_msg row;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = strerror(errno);
		goto out;
	}
	/* hashed while it streams to the file: not read again for the digest */
	if (imap_fetch_to_fd(b->imap, uid, fd, &internaldate, &size, sha256, error_r) < 0) {
		close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (fsync(fd) < 0) {
		*error_r = strerror(errno);
		close(fd);
		(void)unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		*error_r = strerror(errno);
		goto out;
	}
	intake_sha256_hex(sha256, hex);
	mid = intake_message_id(path);
	/* after a UIDVALIDITY change the same mail comes back under a new uid */
	if (state_msg_lookup_digest(r->in->st, mb->name, mid, hex, &row, error_r) == 1) {
		*id_r = row.id;
		ret = state_msg_rebind_uid(r->in->st, row.id, uidvalidity, uid, error_r);
		state_msg_clear(&row);
		(void)unlink(path);
		goto out;
	}
	const struct state_msg add = {
		.mailbox = mb->name, .uidvalidity = uidvalidity, .uid = uid,
		.message_id = mid, .sha256 = hex, .size = size, .arrival = internaldate,
		.raw_path = path, .state = STATE_MSG_FETCHED,
	};
	ret = state_msg_add(r->in->st, &add, id_r, error_r);
	if (ret == 0) {
		char uid_s[12];
		snprintf(uid_s, sizeof(uid_s), "%u", uid);
		log_sd(LOG_LEVEL_INFO, "fetch", LOG_SD({ "mailbox", mb->name }, { "uid", uid_s },
		       { "message_id", mid }), "mailbox %s: new mail, uid %u", mb->name, uid);
	}
out:
	free(mid);
	free(path);
	free(tmp);
	return ret;
}

static int runner_imap(struct runner *r, struct runner_mailbox *b)
{
	const struct config_mailbox *mb = b->mb;
	const char *error;
	uint32_t *uids = NULL, known = 0, uidvalidity;
	size_t n = 0;
	int ret = 0;

	if (b->imap == NULL) {
		if (now_s() < b->next_try)
			return 0;
		if (runner_imap_connect(b, &error) < 0) {
			runner_backoff(b, error);
			return -1;
		}
		log_sd(LOG_LEVEL_INFO, "poll", LOG_SD({ "mailbox", mb->name }, { "host", mb->host }),
		       "mailbox %s: connected to %s", mb->name, mb->host);
	}
	uidvalidity = imap_uidvalidity(b->imap);
	if (state_mailbox_uidvalidity_get(r->in->st, mb->name, &known, &error) < 0)
		goto fail_db;
	if (known != uidvalidity) {
		if (known != 0)
			log_sd(LOG_LEVEL_WARNING, "poll", LOG_SD({ "mailbox", mb->name }),
			       "mailbox %s: UIDVALIDITY changed %u -> %u: matching by digest",
			       mb->name, known, uidvalidity);
		if (state_mailbox_uidvalidity_set(r->in->st, mb->name, uidvalidity, &error) < 0)
			goto fail_db;
	}
	/* everything not yet marked done: new mail and mail a crash interrupted */
	if (imap_search_new(b->imap, 0, RUNNER_KEYWORD, &uids, &n, &error) < 0)
		goto fail_conn;
	for (size_t i = 0; i < n && !*r->stop; i++) {
		struct state_msg row;
		int64_t id;
		char uid_s[12];
		snprintf(uid_s, sizeof(uid_s), "%u", uids[i]);
		int found = state_msg_lookup_uid(r->in->st, mb->name, uidvalidity, uids[i], &row, &error);
		if (found < 0)
			goto fail_db;
		if (found == 1) {
			id = row.id;
			state_msg_clear(&row);
		} else if (runner_imap_fetch(r, b, uidvalidity, uids[i], &id, &error) < 0) {
			log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name }, { "uid", uid_s }),
			       "mailbox %s: uid %u: %s", mb->name, uids[i], error);
			goto fail_conn;
		}
		if (intake_advance(r->in, mb, id, &error) < 0) {
			log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name }, { "uid", uid_s }),
			       "mailbox %s: uid %u: %s", mb->name, uids[i], error);
			ret = -1;
			continue;
		}
		/* the spool entry is durable: now the server may know */
		if (imap_mark(b->imap, uids[i], RUNNER_KEYWORD, mb->mark_seen, &error) < 0 ||
		    (mb->move_to != NULL && imap_move(b->imap, uids[i], mb->move_to, &error) < 0)) {
			log_sd(LOG_LEVEL_ERROR, "mail", LOG_SD({ "mailbox", mb->name }, { "uid", uid_s }),
			       "mailbox %s: uid %u: marking: %s", mb->name, uids[i], error);
			goto fail_conn;
		}
		if (intake_marked(r->in, id, &error) < 0)
			goto fail_db;
		r->processed++;
		(void)notify_watchdog(); /* a long pass is not a hang */
	}
	free(uids);
	b->failures = 0;
	(void)state_mailbox_polled(r->in->st, mb->name, now_s(), &error);
	b->last_poll = now_s();
	return ret;
fail_conn:
	free(uids);
	runner_drop(b, error);
	return -1;
fail_db:
	free(uids);
	log_sd(LOG_LEVEL_ERROR, "poll", LOG_SD({ "mailbox", mb->name }),
	       "mailbox %s: state: %s", mb->name, error);
	return -1;
}

/* ---- outbox ---------------------------------------------------------------- */

int runner_send_due(const struct config *cfg, const char *outbox_dir, int64_t now,
		    struct outbox_stats *stats_r, const char **error_r)
{
	const struct outbox_settings set = {
		.first_delay = cfg->smtp.retry_first,
		.max_age = (int64_t)cfg->smtp.give_up_days * 86400,
	};
	if (cfg->smtp.outbox_dir != NULL)
		return outbox_run_to_dir(outbox_dir, &set, cfg->smtp.outbox_dir, now,
					 stats_r, error_r);
	const struct smtp_settings s = {
		.host = cfg->smtp.host, .port = cfg->smtp.port,
		.tls = cfg->smtp.tls == CONFIG_TLS_YES ? SMTP_TLS_IMPLICIT :
		       cfg->smtp.tls == CONFIG_TLS_STARTTLS ? SMTP_TLS_STARTTLS : SMTP_TLS_NONE,
		.ca_file = cfg->smtp.ca_file, .verify = cfg->smtp.verify,
		.user = cfg->smtp.user, .password = cfg->smtp.password,
		.helo = cfg->smtp.helo, .timeout_s = 60,
	};
	return outbox_run(outbox_dir, &set, &s, now, stats_r, error_r);
}

int runner_outbox(struct runner *r)
{
	struct outbox_stats stats;
	const char *error;
	int ret;

	ret = runner_send_due(r->in->cfg, r->in->outbox_dir, now_s(), &stats, &error);
	if (ret == 0)
		r->replies_waiting = stats.waiting + stats.deferred;
	if (ret < 0) {
		log_sd(LOG_LEVEL_ERROR, "outbox", NULL, "sending replies: %s", error);
	} else if (stats.sent + stats.deferred + stats.failed > 0) {
		char n[4][12];
		snprintf(n[0], sizeof(n[0]), "%u", stats.sent);
		snprintf(n[1], sizeof(n[1]), "%u", stats.deferred);
		snprintf(n[2], sizeof(n[2]), "%u", stats.failed);
		snprintf(n[3], sizeof(n[3]), "%u", stats.waiting);
		log_sd(LOG_LEVEL_INFO, "outbox", LOG_SD({ "sent", n[0] }, { "deferred", n[1] },
		       { "failed", n[2] }, { "waiting", n[3] }),
		       "replies: %u sent, %u deferred, %u failed, %u waiting",
		       stats.sent, stats.deferred, stats.failed, stats.waiting);
	}
	return ret < 0 ? -1 : 0;
}

/* ---- the loop -------------------------------------------------------------- */

static bool runner_box_due(const struct runner_mailbox *b, int64_t now)
{
	/* a clock set back makes last_poll (or next_try) lie in the future:
	   then the box is due now, not after the jump is made up */
	if (b->wake || b->last_poll == 0 || b->last_poll > now)
		return true;
	if (b->mb->maildir == NULL && b->imap == NULL)
		return now >= b->next_try || b->next_try - now > RUNNER_BACKOFF_MAX + 60;
	return now - b->last_poll >= (int64_t)b->mb->poll_interval;
}

/* A pass over the mailboxes (all, or only those due), then the outbox. */
static int runner_pass(struct runner *r, bool all)
{
	int ret = 0;

	for (size_t i = 0; i < r->nboxes && !*r->stop; i++) {
		struct runner_mailbox *b = &r->boxes[i];
		if (!all && !runner_box_due(b, now_s()))
			continue;
		b->wake = false;
		if ((b->mb->maildir != NULL ? runner_maildir(r, b) : runner_imap(r, b)) < 0)
			ret = -1;
	}
	if (runner_outbox(r) < 0)
		ret = -1;
	return ret;
}

int runner_once(struct runner *r)
{
	return runner_pass(r, true);
}

/* Wait for new mail: IDLE on connected IMAP mailboxes that offer it, all
 * in one poll(); wake up at least every second to look at the flags and
 * by the nearest poll interval / backoff / outbox retry. */
static void runner_wait(struct runner *r)
{
	struct pollfd fds[64];
	size_t map[64], nfds = 0;
	unsigned wait = 300;
	int64_t start = now_s();
	const char *error;

	for (size_t i = 0; i < r->nboxes && nfds < 64; i++) {
		struct runner_mailbox *b = &r->boxes[i];
		/* until the box is due: its poll interval, or its reconnect */
		int64_t due = b->mb->maildir == NULL && b->imap == NULL ? b->next_try :
			      b->last_poll + (int64_t)b->mb->poll_interval;
		int64_t left = due - start;
		if (left < (int64_t)wait)
			wait = left > 1 ? (unsigned)left : 1;  /* a failing box: once a second at most */
		if (b->imap == NULL || !b->mb->idle || !imap_has_idle(b->imap))
			continue;
		int started = imap_idle_start(b->imap, &error);
		if (started < 0) {
			runner_drop(b, error);
			continue;
		}
		if (started == 1) {
			/* the server already announced something: no waiting */
			bool new_mail = false;
			if (imap_idle_done(b->imap, &new_mail, &error) < 0)
				runner_drop(b, error);
			b->wake = true;
			wait = 0;
			continue;
		}
		fds[nfds].fd = imap_idle_fd(b->imap);
		fds[nfds].events = POLLIN;
		map[nfds++] = i;
	}
	if (nfds > 0 && wait > RUNNER_IDLE_SECONDS)
		wait = RUNNER_IDLE_SECONDS;
	if (wait > 60)
		wait = 60; /* outbox retries and reconnects need a look now and then */
	/* systemd's watchdog (WatchdogSec=) wants a ping at least every half
	 * interval: runner_loop pings after every wait */
	uint64_t wd_ms = notify_watchdog_ms();
	if (wd_ms > 0 && (uint64_t)wait * 2000 > wd_ms)
		wait = wd_ms >= 4000 ? (unsigned)(wd_ms / 2000) : 1;
	while (!*r->stop && !*r->reload && now_s() - start < wait) {
		int n = poll(fds, nfds, 1000);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			break;
	}
	for (size_t k = 0; k < nfds; k++) {
		struct runner_mailbox *b = &r->boxes[map[k]];
		bool new_mail = false;
		if (imap_idle_done(b->imap, &new_mail, &error) < 0)
			runner_drop(b, error);
		else if (new_mail)
			b->wake = true;
	}
}

/* STATUS= for `systemctl status` after a pass, e.g. "idle; 12 mails this
 * run; last pass 15:40:02; 0 replies waiting". */
static void runner_notify_status(const struct runner *r, int pass_ret)
{
	char at[16] = "?";
	time_t t = time(NULL);
	struct tm tm;
	unsigned retrying = 0;

	if (localtime_r(&t, &tm) != NULL)
		strftime(at, sizeof(at), "%H:%M:%S", &tm);
	for (size_t i = 0; i < r->nboxes; i++) {
		if (r->boxes[i].failures > 0)
			retrying++;
	}
	(void)notify_status("idle; %u mails this run; last pass %s%s; %u replies waiting%s",
			    r->processed, at, pass_ret < 0 ? " (errors)" : "", r->replies_waiting,
			    retrying > 0 ? "; a mailbox is unreachable, retrying" : "");
}

void runner_loop(struct runner *r)
{
	while (!*r->stop && !*r->reload) {
		(void)notify_watchdog();
		int ret = runner_pass(r, false);
		runner_notify_status(r, ret);
		if (*r->stop || *r->reload)
			break;
		runner_wait(r);
	}
}
