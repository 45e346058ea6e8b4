#ifndef CASEMAIL_CONFIG_H
#define CASEMAIL_CONFIG_H
/* config: casemail.conf, the daemon's one INI file (SPEC "Interfaces").
 *
 *   [campaigns] dir          campaign files (default: the compiled-in dir)
 *   [spool] dir              where mail is filed
 *   [state] dir              state DB, work dirs, outbox
 *   [imap]                   defaults for every [mailbox NAME]
 *   [mailbox NAME]           host port tls user password_file ca_file folder
 *                            campaign poll_interval idle mark_seen move_to,
 *                            or maildir = PATH for a local Maildir
 *   [smtp]                   host port tls user password_file ca_file helo
 *                            envelope_from, or outbox = DIR (write .eml files)
 *   [replies]                per_sender_per_day domain
 *   [log]                    level (error|warning|info|debug), socket (the
 *                            syslog socket, default /dev/log), facility
 *                            (mail, local0 … local7; default mail)
 *   [digest]                 to (admin addresses, comma-separated), from
 *                            (default: the first campaign's address),
 *                            format (html|text; the mail's main part)
 *   [limits]                 every limit on untrusted input: message_*,
 *                            unpack_*, extract_*, probe_* (struct
 *                            config_limits; sizes take K, M, G, T)
 *
 * Errors read "file:line: message". Secrets come only from password
 * files, which must not be readable by group or others. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct extract_settings;
struct probe_settings;

enum config_tls { CONFIG_TLS_NO, CONFIG_TLS_STARTTLS, CONFIG_TLS_YES };

struct config_mailbox {
	char *name;               /* [mailbox NAME] */
	char *campaign;           /* campaign id */
	char *maildir;            /* local Maildir source, or NULL for IMAP */
	char *host, *user, *password_file, *password, *ca_file, *folder, *move_to;
	unsigned port;
	enum config_tls tls;
	bool verify, idle, mark_seen;
	unsigned poll_interval;   /* seconds */
};

struct config_smtp {
	char *host, *user, *password_file, *password, *ca_file, *helo, *envelope_from;
	char *outbox_dir;         /* write replies here instead of SMTP */
	unsigned retry_first;     /* seconds before the first retry (then doubling) */
	unsigned give_up_days;    /* a reply not delivered by then fails */
	unsigned port;
	enum config_tls tls;
	bool verify;
};

struct config_log {
	char *level;              /* NULL: info (-v on the command line: debug) */
	char *socket;             /* syslog socket, NULL: /dev/log */
	char *facility;           /* NULL: mail */
};

struct config_digest {
	char **to;                /* admin addresses, NULL-terminated; NULL: none */
	size_t nto;
	char *from;               /* NULL: the first campaign's address */
	char *format;             /* "html" (default) or "text" */
};

/* [limits]: what one mail may make casemail do. One field per key, named
 * like it; counts, bytes, or the unit the name says. Every value is within
 * its key's bounds (never 0); the defaults are the modules' own. */
struct config_limits {
	/* message.h: the MIME structure */
	uint64_t message_max_size, message_max_parts, message_max_depth,
		 message_max_multiparts, message_max_header_bytes,
		 message_max_header_fields;
	/* unpack.h: archives, one budget per mail */
	uint64_t unpack_max_total_bytes, unpack_max_entries, unpack_ratio_min_bytes,
		 unpack_max_ratio, unpack_max_name_bytes;
	/* extract.h: nesting and file count */
	uint64_t extract_max_depth, extract_max_files, extract_max_name_bytes;
	/* probe.h and sandbox.h: the probe child */
	uint64_t probe_cpu_seconds, probe_address_space, probe_file_size,
		 probe_open_files, probe_timeout_ms, probe_max_jpeg_bytes,
		 probe_max_image_side, probe_max_image_pixels, probe_video_probesize,
		 probe_video_analyzeduration;
	bool probe_jpeg_decode;
	bool probe_seccomp;
	/* extract-worker.h: the per-mail worker */
	uint64_t worker_cpu_seconds, worker_address_space, worker_timeout_ms;
	/* intake.c: checks of one mail that never came back (0 = never) */
	uint64_t quarantine_after;
};

struct config {
	char *file;
	char *campaigns_dir, *spool_dir, *state_dir;
	struct config_mailbox *mailboxes;
	size_t nmailboxes;
	struct config_smtp smtp;
	unsigned replies_per_sender_per_day;
	char *domain;             /* Message-ID domain of replies */
	struct config_log log;
	struct config_digest digest;
	struct config_limits limits;
};

/* Load and validate path (mailboxes name known campaigns only after
 * campaign files are loaded: see config_check_campaigns). 0 or -1. */
int config_load(const char *path, struct config **cfg_r, const char **error_r);
void config_free(struct config **cfg);
/* Every [mailbox] names a campaign id that exists in ids[0..n). */
int config_check_campaigns(const struct config *cfg, const char *const *ids, size_t n,
			   const char **error_r);

/* The [limits] defaults, as a config without [limits] has them. */
void config_limits_default(struct config_limits *lim_r);
/* [limits] as the settings of extract (message, unpack included) and of
 * the probe (its sandbox included). *set_r is overwritten; the probe's
 * magic_file and video_no_decode are left NULL/false. */
void config_limits_extract(const struct config_limits *lim,
			   struct extract_settings *set_r);
void config_limits_probe(const struct config_limits *lim, struct probe_settings *set_r);

#endif
