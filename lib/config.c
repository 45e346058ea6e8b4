/* config: casemail.conf → struct config (libinih via inifile). */
#include "config.h"
#include "fsutil.h"
#include "inifile.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* C_UINT: an unsigned; C_COUNT: a uint64_t; C_BYTES: a uint64_t with an
 * optional K, M, G or T (powers of 1024). */
enum ctype { C_STR, C_UINT, C_BOOL, C_TLS, C_COUNT, C_BYTES };

struct ckey {
	const char *name;
	enum ctype type;
	size_t offset;
	const char *def;
	uint64_t min, max;        /* C_COUNT, C_BYTES: the accepted range */
};

#define MB(f) offsetof(struct config_mailbox, f)
static const struct ckey mailbox_keys[] = {
	{ "campaign", C_STR, MB(campaign), NULL, 0, 0 },
	{ "maildir", C_STR, MB(maildir), NULL, 0, 0 },
	{ "host", C_STR, MB(host), "localhost", 0, 0 },
	{ "port", C_UINT, MB(port), "0", 0, 0 },
	{ "tls", C_TLS, MB(tls), "yes", 0, 0 },
	{ "verify", C_BOOL, MB(verify), "yes", 0, 0 },
	{ "user", C_STR, MB(user), NULL, 0, 0 },
	{ "password_file", C_STR, MB(password_file), NULL, 0, 0 },
	{ "ca_file", C_STR, MB(ca_file), NULL, 0, 0 },
	{ "folder", C_STR, MB(folder), "INBOX", 0, 0 },
	{ "move_to", C_STR, MB(move_to), NULL, 0, 0 },
	{ "idle", C_BOOL, MB(idle), "yes", 0, 0 },
	{ "mark_seen", C_BOOL, MB(mark_seen), "no", 0, 0 },
	{ "poll_interval", C_UINT, MB(poll_interval), "300", 0, 0 },
};
#undef MB
#define SM(f) offsetof(struct config_smtp, f)
static const struct ckey smtp_keys[] = {
	{ "host", C_STR, SM(host), "localhost", 0, 0 },
	{ "port", C_UINT, SM(port), "0", 0, 0 },
	{ "tls", C_TLS, SM(tls), "starttls", 0, 0 },
	{ "verify", C_BOOL, SM(verify), "yes", 0, 0 },
	{ "user", C_STR, SM(user), NULL, 0, 0 },
	{ "password_file", C_STR, SM(password_file), NULL, 0, 0 },
	{ "ca_file", C_STR, SM(ca_file), NULL, 0, 0 },
	{ "helo", C_STR, SM(helo), NULL, 0, 0 },
	{ "envelope_from", C_STR, SM(envelope_from), NULL, 0, 0 },
	{ "outbox", C_STR, SM(outbox_dir), NULL, 0, 0 },
	{ "retry_first", C_UINT, SM(retry_first), "300", 0, 0 },
	{ "give_up_days", C_UINT, SM(give_up_days), "5", 0, 0 },
};
#undef SM
/* [limits]: the defaults are the modules' compiled-in ones (test-config
 * checks that they agree); the bounds keep a value from disabling the
 * limit or from breaking what it protects. */
#define LM(f) offsetof(struct config_limits, f)
#define KIB 1024ULL
#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)
#define TIB (1024ULL * 1024 * 1024 * 1024)
static const struct ckey limits_keys[] = {
	{ "message_max_size", C_BYTES, LM(message_max_size), "512M", 64 * KIB, 4 * GIB },
	{ "message_max_parts", C_COUNT, LM(message_max_parts), "10000", 10, 1000000 },
	{ "message_max_depth", C_COUNT, LM(message_max_depth), "50", 2, 1000 },
	{ "message_max_multiparts", C_COUNT, LM(message_max_multiparts), "1000", 10, 100000 },
	{ "message_max_header_bytes", C_BYTES, LM(message_max_header_bytes), "16M", 64 * KIB,
	  256 * MIB },
	{ "message_max_header_fields", C_COUNT, LM(message_max_header_fields), "100000", 100,
	  10000000 },
	{ "unpack_max_total_bytes", C_BYTES, LM(unpack_max_total_bytes), "2G", MIB, TIB },
	{ "unpack_max_entries", C_COUNT, LM(unpack_max_entries), "10000", 1, 10000000 },
	{ "unpack_ratio_min_bytes", C_BYTES, LM(unpack_ratio_min_bytes), "50M", KIB, TIB },
	{ "unpack_max_ratio", C_COUNT, LM(unpack_max_ratio), "100", 2, 100000 },
	{ "unpack_max_name_bytes", C_BYTES, LM(unpack_max_name_bytes), "1024", 64, 64 * KIB },
	{ "extract_max_depth", C_COUNT, LM(extract_max_depth), "3", 1, 20 },
	{ "extract_max_files", C_COUNT, LM(extract_max_files), "20000", 1, 10000000 },
	{ "extract_max_name_bytes", C_BYTES, LM(extract_max_name_bytes), "255", 16, 255 },
	{ "probe_cpu_seconds", C_COUNT, LM(probe_cpu_seconds), "20", 1, 3600 },
	{ "probe_address_space", C_BYTES, LM(probe_address_space), "1G", 64 * MIB, 64 * GIB },
	{ "probe_file_size", C_BYTES, LM(probe_file_size), "64M", MIB, TIB },
	{ "probe_open_files", C_COUNT, LM(probe_open_files), "64", 8, 4096 },
	{ "probe_timeout_ms", C_COUNT, LM(probe_timeout_ms), "30000", 100, 3600000 },
	{ "probe_max_jpeg_bytes", C_BYTES, LM(probe_max_jpeg_bytes), "256M", MIB, 4 * GIB },
	{ "probe_max_image_side", C_COUNT, LM(probe_max_image_side), "30000", 100, 65535 },
	{ "probe_max_image_pixels", C_COUNT, LM(probe_max_image_pixels), "300000000", 10000,
	  4000000000ULL },
	{ "probe_video_probesize", C_BYTES, LM(probe_video_probesize), "10000000", 32 * KIB,
	  GIB },
	{ "probe_video_analyzeduration", C_COUNT, LM(probe_video_analyzeduration), "10000000",
	  100000, 600000000 },
	{ "probe_jpeg_decode", C_BOOL, LM(probe_jpeg_decode), "no", 0, 0 },
	{ "probe_seccomp", C_BOOL, LM(probe_seccomp), "yes", 0, 0 },
	{ "worker_cpu_seconds", C_COUNT, LM(worker_cpu_seconds), "300", 10, 86400 },
	{ "worker_address_space", C_BYTES, LM(worker_address_space), "4G", 256 * MIB, 64 * GIB },
	{ "worker_timeout_ms", C_COUNT, LM(worker_timeout_ms), "600000", 1000, 86400000 },
	{ "quarantine_after", C_COUNT, LM(quarantine_after), "3", 0, 1000 },
};
#undef LM
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct cload {
	struct config *cfg;
	struct config_mailbox imap_defaults;
	char *error;
	int mailbox_line;
};

static __thread char config_err[512];

static int cfail(struct cload *l, const struct inifile_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfail(struct cload *l, const struct inifile_pos *pos, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->error == NULL)
		l->error = pos != NULL ? xasprintf("%s:%d: %s", pos->file, pos->line, msg) :
			   xasprintf("%s: %s", l->cfg->file, msg);
	return -1;
}

/* "64K", "4G", "1000" */
static const char *cbytes_str(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(buf, size, "%" PRIu64 "%.*s", n, u >= 0 ? 1 : 0, u >= 0 ? units + u : "");
	return buf;
}

/* A whole number; with suffixes, times 1024^n for K, M, G, T. */
static int cnumber(const char *v, bool suffixes, uint64_t *n_r)
{
	static const char units[] = "KMGT";
	uint64_t n = 0, mult = 1;
	const char *s = v, *u;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (suffixes && *s != '\0' && s[1] == '\0' &&
	    (u = strchr(units, *s & ~0x20)) != NULL) {
		for (const char *k = units; k <= u; k++)
			mult *= 1024;
		if (n > UINT64_MAX / mult)
			return -1;
		n *= mult;
		s++;
	}
	if (*s != '\0')
		return -1;
	*n_r = n;
	return 0;
}

/* C_COUNT, C_BYTES: a uint64_t within the key's range */
static int cset_number(struct cload *l, const struct inifile_pos *pos, const struct ckey *k,
		       uint64_t *p, const char *v)
{
	char lo[32], hi[32];
	uint64_t n;

	if (k->type == C_BYTES) {
		if (cnumber(v, true, &n) < 0 || n < k->min || n > k->max)
			return cfail(l, pos, "%s: expected a size from %s to %s (bytes, or with "
				     "K, M, G, T for KiB, MiB, GiB, TiB)", k->name,
				     cbytes_str(k->min, lo, sizeof(lo)),
				     cbytes_str(k->max, hi, sizeof(hi)));
	} else if (cnumber(v, false, &n) < 0 || n < k->min || n > k->max) {
		return cfail(l, pos, "%s: expected a whole number from %" PRIu64 " to %" PRIu64,
			     k->name, k->min, k->max);
	}
	*p = n;
	return 0;
}

static int cset(struct cload *l, const struct inifile_pos *pos, const struct ckey *k,
		void *base, const char *v)
{
	void *p = (char *)base + k->offset;
	char *end;

	switch (k->type) {
	case C_COUNT:
	case C_BYTES:
		return cset_number(l, pos, k, p, v);
	case C_STR:
		free(*(char **)p);
		*(char **)p = v[0] != '\0' ? xstrdup(v) : NULL;
		return 0;
	case C_UINT: {
		unsigned long n = strtoul(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n > 1000000UL)
			return cfail(l, pos, "%s: expected a whole number", k->name);
		*(unsigned *)p = (unsigned)n;
		return 0;
	}
	case C_BOOL:
		if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
			*(bool *)p = true;
		else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0)
			*(bool *)p = false;
		else
			return cfail(l, pos, "%s: expected yes or no", k->name);
		return 0;
	case C_TLS:
		if (strcasecmp(v, "no") == 0)
			*(enum config_tls *)p = CONFIG_TLS_NO;
		else if (strcasecmp(v, "starttls") == 0)
			*(enum config_tls *)p = CONFIG_TLS_STARTTLS;
		else if (strcasecmp(v, "yes") == 0)
			*(enum config_tls *)p = CONFIG_TLS_YES;
		else
			return cfail(l, pos, "%s: expected yes, starttls or no", k->name);
		return 0;
	}
	return -1;
}

static void cdefaults(const struct ckey *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (keys[i].def != NULL)
			(void)cset(NULL, NULL, &keys[i], base, keys[i].def);
	}
}

static void mailbox_copy(struct config_mailbox *dst, const struct config_mailbox *src)
{
	*dst = *src;
	for (size_t i = 0; i < NELEM(mailbox_keys); i++) {
		if (mailbox_keys[i].type == C_STR) {
			char **p = (char **)((char *)dst + mailbox_keys[i].offset);
			if (*p != NULL)
				*p = xstrdup(*p);
		}
	}
}

/* "a@x, b@y" → cfg->digest.to (replacing an earlier list) */
static int config_digest_to(struct cload *l, const struct inifile_pos *pos, const char *value)
{
	struct config_digest *d = &l->cfg->digest;
	char *copy = xstrdup(value), *save = NULL;

	for (size_t i = 0; i < d->nto; i++)
		free(d->to[i]);
	free(d->to);
	d->to = NULL;
	d->nto = 0;
	for (char *t = strtok_r(copy, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		const char *at = strchr(t, '@');
		if (at == NULL || at == t || at[1] == '\0' || strchr(at + 1, '@') != NULL) {
			/* t points into copy: format the message before freeing it
			   (found by fuzz-config: a use after free) */
			int r = cfail(l, pos, "to: \"%s\" is not a mail address", t);
			free(copy);
			return r;
		}
		d->to = xreallocarray(d->to, d->nto + 2, sizeof(*d->to));
		d->to[d->nto++] = xstrdup(t);
		d->to[d->nto] = NULL;
	}
	free(copy);
	return 0;
}

static int config_handler(void *user, const struct inifile_pos *pos, const char *section,
			  const char *name, const char *value)
{
	struct cload *l = user;
	struct config *cfg = l->cfg;
	const struct ckey *keys = NULL;
	size_t nkeys = 0;
	void *base = NULL;

	if (strcmp(section, "campaigns") == 0 && strcmp(name, "dir") == 0) {
		free(cfg->campaigns_dir);
		cfg->campaigns_dir = xstrdup(value);
		return 0;
	}
	if (strcmp(section, "spool") == 0 && strcmp(name, "dir") == 0) {
		free(cfg->spool_dir);
		cfg->spool_dir = xstrdup(value);
		return 0;
	}
	if (strcmp(section, "state") == 0 && strcmp(name, "dir") == 0) {
		free(cfg->state_dir);
		cfg->state_dir = xstrdup(value);
		return 0;
	}
	if (strcmp(section, "replies") == 0) {
		char *end;
		if (strcmp(name, "per_sender_per_day") == 0) {
			unsigned long n = strtoul(value, &end, 10);
			if (*value == '\0' || *end != '\0')
				return cfail(l, pos, "%s: expected a whole number", name);
			cfg->replies_per_sender_per_day = (unsigned)n;
			return 0;
		}
		if (strcmp(name, "domain") == 0) {
			free(cfg->domain);
			cfg->domain = xstrdup(value);
			return 0;
		}
	}
	if (strcmp(section, "log") == 0) {
		char **slot = strcmp(name, "level") == 0 ? &cfg->log.level :
			      strcmp(name, "socket") == 0 ? &cfg->log.socket :
			      strcmp(name, "facility") == 0 ? &cfg->log.facility : NULL;
		if (slot == NULL)
			return cfail(l, pos, "unknown key \"%s\" in [log]", name);
		if (slot == &cfg->log.level && strcmp(value, "error") != 0 &&
		    strcmp(value, "warning") != 0 && strcmp(value, "info") != 0 &&
		    strcmp(value, "debug") != 0)
			return cfail(l, pos, "level: expected error, warning, info or debug");
		if (slot == &cfg->log.facility && strcmp(value, "mail") != 0 &&
		    !(strncmp(value, "local", 5) == 0 && value[5] >= '0' && value[5] <= '7' &&
		      value[6] == '\0'))
			return cfail(l, pos, "facility: expected mail or local0 … local7");
		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	if (strcmp(section, "digest") == 0) {
		if (strcmp(name, "to") == 0)
			return config_digest_to(l, pos, value);
		if (strcmp(name, "from") == 0) {
			free(cfg->digest.from);
			cfg->digest.from = xstrdup(value);
			return 0;
		}
		if (strcmp(name, "format") == 0) {
			if (strcmp(value, "html") != 0 && strcmp(value, "text") != 0)
				return cfail(l, pos, "format: expected html or text");
			free(cfg->digest.format);
			cfg->digest.format = xstrdup(value);
			return 0;
		}
		return cfail(l, pos, "unknown key \"%s\" in [digest]", name);
	}
	if (strcmp(section, "imap") == 0) {
		/* defaults are copied into a mailbox when its section starts */
		if (cfg->nmailboxes > 0)
			return cfail(l, pos, "[imap] must come before the [mailbox %s] sections",
				     "NAME");
		keys = mailbox_keys;
		nkeys = NELEM(mailbox_keys);
		base = &l->imap_defaults;
	} else if (strncmp(section, "mailbox ", 8) == 0) {
		const char *mname = section + 8;
		struct config_mailbox *mb = NULL;
		for (size_t i = 0; i < cfg->nmailboxes; i++) {
			if (strcmp(cfg->mailboxes[i].name, mname) == 0)
				mb = &cfg->mailboxes[i];
		}
		if (mb == NULL) {
			cfg->mailboxes = xreallocarray(cfg->mailboxes, cfg->nmailboxes + 1,
						       sizeof(*cfg->mailboxes));
			mb = &cfg->mailboxes[cfg->nmailboxes++];
			/* [imap] keys seen so far are this mailbox's defaults */
			mailbox_copy(mb, &l->imap_defaults);
			mb->name = xstrdup(mname);
		}
		keys = mailbox_keys;
		nkeys = NELEM(mailbox_keys);
		base = mb;
	} else if (strcmp(section, "smtp") == 0) {
		keys = smtp_keys;
		nkeys = NELEM(smtp_keys);
		base = &cfg->smtp;
	} else if (strcmp(section, "limits") == 0) {
		keys = limits_keys;
		nkeys = NELEM(limits_keys);
		base = &cfg->limits;
	}
	for (size_t i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return cset(l, pos, &keys[i], base, value);
	}
	return cfail(l, pos, "unknown key \"%s\" in [%s]", name, section);
}

/* A secret from a file only the daemon's user can read. */
static int read_secret(struct cload *l, const char *path, char **secret_r)
{
	struct stat st;
	char *data = NULL;
	size_t len;
	const char *error;

	if (stat(path, &st) < 0)
		return cfail(l, NULL, "password_file %s: cannot read it", path);
	if ((st.st_mode & 077) != 0)
		return cfail(l, NULL, "password_file %s: readable by group or others "
			     "(chmod 600 it)", path);
	if (fsutil_read_file(path, 4096, &data, &len, &error) < 0)
		return cfail(l, NULL, "password_file: %s", error);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	*secret_r = data;
	return 0;
}

static int config_validate(struct cload *l)
{
	struct config *cfg = l->cfg;

	if (cfg->spool_dir == NULL)
		return cfail(l, NULL, "%s", "[spool] dir is required");
	if (cfg->state_dir == NULL)
		return cfail(l, NULL, "%s", "[state] dir is required");
	if (cfg->nmailboxes == 0)
		return cfail(l, NULL, "%s", "no [mailbox NAME] section");
	for (size_t i = 0; i < cfg->nmailboxes; i++) {
		struct config_mailbox *mb = &cfg->mailboxes[i];
		if (mb->campaign == NULL)
			return cfail(l, NULL, "[mailbox %s] has no campaign", mb->name);
		if (mb->maildir != NULL)
			continue;
		if (mb->user == NULL || mb->password_file == NULL)
			return cfail(l, NULL, "[mailbox %s] needs user and password_file "
				     "(or maildir)", mb->name);
		if (mb->port == 0)
			mb->port = mb->tls == CONFIG_TLS_YES ? 993 : 143;
		if (read_secret(l, mb->password_file, &mb->password) < 0)
			return -1;
	}
	if (cfg->smtp.outbox_dir == NULL) {
		if (cfg->smtp.port == 0)
			cfg->smtp.port = cfg->smtp.tls == CONFIG_TLS_YES ? 465 :
					 cfg->smtp.tls == CONFIG_TLS_STARTTLS ? 587 : 25;
		if (cfg->smtp.password_file != NULL &&
		    read_secret(l, cfg->smtp.password_file, &cfg->smtp.password) < 0)
			return -1;
	}
	return 0;
}

int config_load(const char *path, struct config **cfg_r, const char **error_r)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct cload l = { .cfg = cfg };
	const char *error;

	cfg->file = xstrdup(path);
	cfg->replies_per_sender_per_day = 5;
	cfg->domain = xstrdup("ecpmi.org.cn");
	cdefaults(mailbox_keys, NELEM(mailbox_keys), &l.imap_defaults);
	cdefaults(smtp_keys, NELEM(smtp_keys), &cfg->smtp);
	config_limits_default(&cfg->limits);
	if (inifile_parse(path, config_handler, &l, &error) < 0) {
		if (l.error == NULL)
			l.error = xstrdup(error != NULL ? error : "unreadable");
		goto fail;
	}
	if (config_validate(&l) < 0)
		goto fail;
	for (size_t i = 0; i < NELEM(mailbox_keys); i++) {
		if (mailbox_keys[i].type == C_STR)
			free(*(char **)((char *)&l.imap_defaults + mailbox_keys[i].offset));
	}
	*cfg_r = cfg;
	return 0;
fail:
	snprintf(config_err, sizeof(config_err), "%s", l.error);
	free(l.error);
	for (size_t i = 0; i < NELEM(mailbox_keys); i++) {
		if (mailbox_keys[i].type == C_STR)
			free(*(char **)((char *)&l.imap_defaults + mailbox_keys[i].offset));
	}
	config_free(&cfg);
	*error_r = config_err;
	return -1;
}

static void free_strs(const struct ckey *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (keys[i].type == C_STR)
			free(*(char **)((char *)base + keys[i].offset));
	}
}

void config_free(struct config **_cfg)
{
	struct config *cfg = *_cfg;

	if (cfg == NULL)
		return;
	*_cfg = NULL;
	for (size_t i = 0; i < cfg->nmailboxes; i++) {
		free_strs(mailbox_keys, NELEM(mailbox_keys), &cfg->mailboxes[i]);
		free(cfg->mailboxes[i].name);
		free(cfg->mailboxes[i].password);
	}
	free(cfg->mailboxes);
	free_strs(smtp_keys, NELEM(smtp_keys), &cfg->smtp);
	free(cfg->smtp.password);
	free(cfg->campaigns_dir);
	free(cfg->spool_dir);
	free(cfg->state_dir);
	free(cfg->domain);
	free(cfg->log.level);
	free(cfg->log.socket);
	free(cfg->log.facility);
	for (size_t i = 0; i < cfg->digest.nto; i++)
		free(cfg->digest.to[i]);
	free(cfg->digest.to);
	free(cfg->digest.from);
	free(cfg->digest.format);
	free(cfg->file);
	free(cfg);
}

void config_limits_default(struct config_limits *lim_r)
{
	memset(lim_r, 0, sizeof(*lim_r));
	cdefaults(limits_keys, NELEM(limits_keys), lim_r);
}

int config_check_campaigns(const struct config *cfg, const char *const *ids, size_t n,
			   const char **error_r)
{
	for (size_t i = 0; i < cfg->nmailboxes; i++) {
		bool found = false;
		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(ids[k], cfg->mailboxes[i].campaign) == 0;
		if (!found) {
			snprintf(config_err, sizeof(config_err),
				 "%s: [mailbox %s] campaign \"%s\" has no campaign file",
				 cfg->file, cfg->mailboxes[i].name, cfg->mailboxes[i].campaign);
			*error_r = config_err;
			return -1;
		}
	}
	return 0;
}
