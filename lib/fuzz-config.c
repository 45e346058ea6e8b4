/* libFuzzer target for config: casemail.conf (docs/fuzzing.md).
 *
 * Feeds: the input written to a scratch file and loaded with
 * config_load(); a configuration that loads is checked against the
 * shipped campaign ids (config_check_campaigns). A password file
 * /tmp/casemail-fuzz.secret (mode 0600) exists so that seeds with IMAP
 * mailboxes or SMTP credentials can load completely.
 *
 * Asserts beyond "no crash":
 *  - failure: no config is returned, the error is one line starting
 *    with the file name ("file:line: …" or "file: …");
 *  - success: [spool] and [state] dirs set, at least one mailbox, every
 *    mailbox has a name and a campaign and either a maildir or user,
 *    password_file, the secret read from it and a port in 1..1000000;
 *    SMTP (unless outbox) has a port; domain set; digest.to has nto
 *    entries then NULL; every [limits] value is non-zero (config.h: within
 *    its key's bounds) and survives config_limits_extract() /
 *    config_limits_probe() non-zero; config_free() clears the pointer. */
#include "fuzz-common.h"
#include "config.h"
#include "extract.h"
#include "fsutil.h"
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "/tmp/casemail-fuzz.secret"

static char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_scratch("fuzz-config");
	struct stat st;
	int fd;

	path = malloc(strlen(dir) + 16);
	FUZZ_CHECK(path != NULL);
	sprintf(path, "%s/casemail.conf", dir);
	fd = open(SECRET, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		FUZZ_CHECK(write(fd, "fuzz-secret\n", 12) == 12);
		close(fd);
	} else {
		/* another run made it: use it only if it is ours and private */
		FUZZ_CHECK(errno == EEXIST && lstat(SECRET, &st) == 0 &&
			   S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
			   (st.st_mode & 077) == 0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "haofuwu-2026", "weichuangxin-2023" };
	struct config *cfg = NULL;
	const char *error = NULL;
	FILE *fp = fopen(path, "wb");

	FUZZ_CHECK(fp != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, fp) == size && fclose(fp) == 0);
	if (config_load(path, &cfg, &error) < 0) {
		FUZZ_CHECK(cfg == NULL && error != NULL);
		FUZZ_CHECK(strncmp(error, path, strlen(path)) == 0 &&
			   (error[strlen(path)] == ':'));
		FUZZ_CHECK(strchr(error, '\n') == NULL);
		return 0;
	}
	FUZZ_CHECK(cfg != NULL && strcmp(cfg->file, path) == 0);
	FUZZ_CHECK(cfg->spool_dir != NULL && cfg->state_dir != NULL);
	FUZZ_CHECK(cfg->nmailboxes >= 1 && cfg->mailboxes != NULL);
	for (size_t i = 0; i < cfg->nmailboxes; i++) {
		const struct config_mailbox *mb = &cfg->mailboxes[i];
		FUZZ_CHECK(mb->name != NULL && mb->campaign != NULL);
		if (mb->maildir != NULL)
			continue;
		FUZZ_CHECK(mb->user != NULL && mb->password_file != NULL &&
			   mb->password != NULL);
		FUZZ_CHECK(mb->port >= 1 && mb->port <= 1000000);
		FUZZ_CHECK(mb->tls == CONFIG_TLS_NO || mb->tls == CONFIG_TLS_STARTTLS ||
			   mb->tls == CONFIG_TLS_YES);
	}
	if (cfg->smtp.outbox_dir == NULL) {
		FUZZ_CHECK(cfg->smtp.port >= 1);
		FUZZ_CHECK(cfg->smtp.password_file == NULL || cfg->smtp.password != NULL);
	}
	FUZZ_CHECK(cfg->domain != NULL);
	for (size_t i = 0; i < cfg->digest.nto; i++)
		FUZZ_CHECK(cfg->digest.to[i] != NULL);
	if (cfg->digest.to != NULL)
		FUZZ_CHECK(cfg->digest.to[cfg->digest.nto] == NULL);
	/* [limits]: every value within its key's bounds, never 0 */
	{
		const struct config_limits *lm = &cfg->limits;
		const uint64_t v[] = {
			lm->message_max_size, lm->message_max_parts, lm->message_max_depth,
			lm->message_max_multiparts, lm->message_max_header_bytes,
			lm->message_max_header_fields, lm->unpack_max_total_bytes,
			lm->unpack_max_entries, lm->unpack_ratio_min_bytes, lm->unpack_max_ratio,
			lm->unpack_max_name_bytes, lm->extract_max_depth, lm->extract_max_files,
			lm->extract_max_name_bytes, lm->probe_cpu_seconds, lm->probe_address_space,
			lm->probe_file_size, lm->probe_open_files, lm->probe_timeout_ms,
			lm->probe_max_jpeg_bytes, lm->probe_max_image_side,
			lm->probe_max_image_pixels, lm->probe_video_probesize,
			lm->probe_video_analyzeduration,
		};
		struct extract_settings es;
		struct probe_settings ps;
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			FUZZ_CHECK(v[i] != 0);
		config_limits_extract(lm, &es);
		config_limits_probe(lm, &ps);
		FUZZ_CHECK(es.message.max_size != 0 && es.unpack.max_entries != 0 &&
			   es.max_depth != 0 && ps.limits.cpu_seconds != 0);
	}
	if (config_check_campaigns(cfg, ids, 2, &error) < 0)
		FUZZ_CHECK(error != NULL && strncmp(error, path, strlen(path)) == 0);
	config_free(&cfg);
	FUZZ_CHECK(cfg == NULL);
	return 0;
}
