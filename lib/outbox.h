#ifndef CASEMAIL_OUTBOX_H
#define CASEMAIL_OUTBOX_H
/* outbox: a durable file queue of replies, retried with backoff.
 *
 *   DIR/<id>.eml          the message, exactly as it will be sent
 *   DIR/<id>.meta         its state (below); its presence queues <id>
 *   DIR/sent/<id>.*       delivered
 *   DIR/failed/<id>.*     given up (a 5xx, or retried for max_age)
 *   DIR/tmp/              files being written
 *   DIR/.lock             held (flock) by the one process running the queue
 *
 * <id> is the receipt number ([A-Za-z0-9._-], not starting with '.').
 * The .meta file is the commit record: "key=value" lines
 *   rcpt=zhangsan@example.com      env_from=wylzzh@ecpmi.org.cn ("" = <>)
 *   attempts=1   first_queued=…   next_attempt=…   last_attempt=…
 *   last_error=RCPT TO: 451 4.3.0 mailbox busy    done=… (sent/failed time)
 * Every write is a new file in tmp/, fsync'd, renamed into place, and the
 * directory fsync'd. State moves only forward, queue → sent or failed, by
 * renaming the .meta first; a .eml left behind by a crash is moved after
 * it by the next run.
 *
 * Exactly once. outbox_queue() of an id that is queued, sent or failed
 * does nothing, so a crash-restart that queues again creates no second
 * reply. The one duplicate window is between the server's 250 to DATA
 * and the rename of the .meta into sent/ (a crash there sends it again
 * on restart, with the same Message-ID).
 *
 * Backoff after a temporary failure: 5 min, 10, 20, 40 … capped at 4 h,
 * ±10 % jitter (derived from the id and the attempt, so it is spread but
 * reproducible); after max_age (5 days) since first_queued the message
 * goes to failed/. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "smtp.h"

struct outbox_settings {     /* 0 = default */
	int64_t max_age;         /* 5 days */
	unsigned first_delay;    /* 300 s */
	unsigned max_delay;      /* 4 h */
};

struct outbox_stats {
	unsigned sent;           /* delivered in this run */
	unsigned deferred;       /* tried, failed temporarily, rescheduled */
	unsigned failed;         /* moved to failed/ in this run */
	unsigned waiting;        /* queued, not yet due (or skipped: server down) */
};

/* Queue msg (len bytes) for rcpt with envelope sender env_from ("" for
 * <>) under id. Returns 0 when queued or when id is already queued, sent
 * or failed (nothing is written then), -1 with *error_r on a bad id or
 * address or an I/O error. Creates DIR and its subdirectories. Safe to
 * call while another process runs the queue. */
int outbox_queue(const char *dir, const char *id, const char *rcpt, const char *env_from,
		 const char *msg, size_t len, int64_t now, const char **error_r);

/* Deliver one message: the result decides its fate as for SMTP. Set
 * *stop_r to skip the rest of this run (the server is unreachable). */
struct outbox_msg {
	const char *id, *rcpt, *env_from;
	const char *data;
	size_t len;
	unsigned attempts;       /* earlier attempts */
};
typedef enum smtp_result outbox_deliver_fn(void *ctx, const struct outbox_msg *m,
					    char *error, size_t error_size, bool *stop_r);

/* Try every due message (next_attempt <= now) once, in id order, with
 * deliver; set NULL = defaults. Returns 0 (stats_r filled), 1 when another
 * process holds the queue lock (nothing done), -1 with *error_r when the
 * queue directory cannot be read or written. */
int outbox_process(const char *dir, const struct outbox_settings *set,
		   outbox_deliver_fn *deliver, void *ctx, int64_t now,
		   struct outbox_stats *stats_r, const char **error_r);
/* outbox_process() with smtp_send_full(); after a failure to reach the
 * server the remaining due messages wait for the next run. */
int outbox_run(const char *dir, const struct outbox_settings *set,
	       const struct smtp_settings *smtp, int64_t now,
	       struct outbox_stats *stats_r, const char **error_r);
/* outbox_process() delivering to a directory (the demo's "outbox = DIR"):
 * each message becomes target/<id>.eml, written atomically, so a repeated
 * delivery replaces the same file. Write errors are temporary failures. */
int outbox_run_to_dir(const char *dir, const struct outbox_settings *set,
		      const char *target, int64_t now,
		      struct outbox_stats *stats_r, const char **error_r);

enum outbox_state { OUTBOX_QUEUED, OUTBOX_SENT, OUTBOX_FAILED };

struct outbox_entry {
	const char *id;
	enum outbox_state state;
	const char *rcpt, *env_from;
	unsigned attempts;
	int64_t first_queued, next_attempt, last_attempt, done; /* 0 = never */
	const char *last_error;  /* "" when none */
};
typedef int outbox_list_cb(void *ctx, const struct outbox_entry *e);

/* Every message, queued then sent then failed, each in id order; the
 * strings live until cb returns. A non-zero cb return stops the listing
 * and is returned. Else 0, or -1 with *error_r. */
int outbox_list(const char *dir, outbox_list_cb *cb, void *ctx, const char **error_r);

const char *outbox_state_name(enum outbox_state s);

#endif
