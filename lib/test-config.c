/* Tests for config: the shipped examples, errors with file:line, secrets,
 * [limits] (defaults, suffixes, bounds). */
#include "config.h"
#include "extract-worker.h"
#include "probe.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *write_tmp(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void test_config_demo(void)
{
	struct config *cfg = NULL;
	const char *error;

	test_begin("config: the demo config (Maildir + outbox)");
	if (!test_assert(config_load(CASEMAIL_CONFDIR "/demo.conf", &cfg, &error) == 0)) {
		printf("# %s\n", error);
		test_end();
		return;
	}
	test_assert_int(cfg->nmailboxes, 2);
	test_assert_str(cfg->mailboxes[0].name, "haofuwu");
	test_assert_str(cfg->mailboxes[0].campaign, "haofuwu-2026");
	test_assert_str(cfg->mailboxes[0].maildir, "maildir/haofuwu");
	test_assert_str(cfg->smtp.outbox_dir, "replies");
	test_assert_str(cfg->spool_dir, "spool");
	test_assert_int(cfg->replies_per_sender_per_day, 5);
	config_free(&cfg);
	test_end();
}

static void test_config_imap(void)
{
	char *pw = write_tmp("pw", "s3cret\n", 0600);
	char *text = xasprintf("[spool]\ndir = /s\n[state]\ndir = /t\n[imap]\nhost = imap.example\n"
			       "tls = starttls\npoll_interval = 60\n[mailbox a]\ncampaign = c1\n"
			       "user = u\npassword_file = %s\n[mailbox b]\ncampaign = c2\nuser = v\n"
			       "password_file = %s\nport = 1993\ntls = yes\n[smtp]\nhost = smtp.example\n"
			       "[replies]\nper_sender_per_day = 3\n", pw, pw);
	char *path = write_tmp("imap.conf", text, 0644);
	struct config *cfg = NULL;
	const char *error;
	const char *ids[] = { "c1", "c2" };

	test_begin("config: [imap] defaults, ports, secrets");
	if (test_assert(config_load(path, &cfg, &error) == 0)) {
		test_assert_str(cfg->mailboxes[0].host, "imap.example");
		test_assert_int(cfg->mailboxes[0].tls, CONFIG_TLS_STARTTLS);
		test_assert_int(cfg->mailboxes[0].port, 143);
		test_assert_int(cfg->mailboxes[0].poll_interval, 60);
		test_assert_int(cfg->mailboxes[1].port, 1993);
		test_assert_str(cfg->mailboxes[1].password, "s3cret");
		test_assert(!cfg->mailboxes[0].mark_seen);
		test_assert_int(cfg->smtp.port, 587);
		test_assert_int(cfg->replies_per_sender_per_day, 3);
		test_assert_int(config_check_campaigns(cfg, ids, 2, &error), 0);
		test_assert_int(config_check_campaigns(cfg, ids, 1, &error), -1);
		test_assert(strstr(error, "c2") != NULL);
	} else {
		printf("# %s\n", error);
	}
	config_free(&cfg);
	free(text);
	free(path);
	free(pw);
	test_end();
}

static void test_config_errors(void)
{
	char *open_pw = write_tmp("open.pw", "x\n", 0644);
	char *t1 = xasprintf("[spool]\ndir = /s\n[state]\ndir = /t\n[mailbox a]\ncampaign = c\n"
			     "user = u\npassword_file = %s\n", open_pw);
	const struct { const char *text, *want; } cases[] = {
		{ "[spool]\ndir = /s\n[state]\ndir = /t\n[mailbox a]\ncampaign = c\nmaildir = m\n"
		  "poll_interval = soon\n", "bad.conf:8: poll_interval: expected a whole number" },
		{ "[spool]\ndir = /s\n[imap]\ntls = maybe\n", "bad.conf:4: tls: expected yes, starttls or no" },
		{ "[spool]\ndir = /s\n[smtp]\nhots = x\n", "bad.conf:4: unknown key \"hots\" in [smtp]" },
		{ "[state]\ndir = /t\n", "[spool] dir is required" },
		{ "[spool]\ndir = /s\n[state]\ndir = /t\n[mailbox a]\nmaildir = m\n", "[mailbox a] has no campaign" },
		{ t1, "readable by group or others" },
		{ "[spool]\ndir = /s\n[state]\ndir = /t\n[mailbox a]\ncampaign = c\nmaildir = m\n"
		  "[imap]\nhost = late\n", "bad.conf:9: [imap] must come before the [mailbox NAME] sections" },
		/* the address was read after its buffer was freed (fuzz-config) */
		{ "[digest]\nto = a@example.com, not-an-address\n",
		  "bad.conf:2: to: \"not-an-address\" is not a mail address" },
	};

	test_begin("config: errors say file:line and what is wrong");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_tmp("bad.conf", cases[i].text, 0644);
		struct config *cfg = NULL;
		const char *error = "";
		test_assert_int(config_load(path, &cfg, &error), -1);
		if (!test_assert(strstr(error, cases[i].want) != NULL))
			printf("# got: %s\n", error);
		test_assert(cfg == NULL);
		free(path);
	}
	free(t1);
	free(open_pw);
	test_end();
}

/* A minimal valid file with a [limits] section of the given lines. */
static char *limits_conf(const char *limits)
{
	char *text = xasprintf("[spool]\ndir = /s\n[state]\ndir = /t\n[mailbox a]\n"
			       "campaign = c\nmaildir = m\n[limits]\n%s", limits);
	char *path = write_tmp("limits.conf", text, 0644);

	free(text);
	return path;
}

static void test_config_limits_defaults(void)
{
	struct config *cfg = NULL;
	struct config_limits def;
	struct extract_settings ex;
	struct probe_settings pr;
	char *path = limits_conf("");
	const char *error;

	test_begin("config: [limits] defaults are the modules' compiled-in ones");
	if (!test_assert(config_load(path, &cfg, &error) == 0)) {
		printf("# %s\n", error);
		test_end();
		free(path);
		return;
	}
	config_limits_default(&def);
	test_assert(memcmp(&def, &cfg->limits, sizeof(def)) == 0);
	config_limits_extract(&cfg->limits, &ex);
	test_assert_int(ex.message.max_size, MESSAGE_DEFAULT_MAX_SIZE);
	test_assert_int(ex.message.max_parts, MESSAGE_DEFAULT_MAX_PARTS);
	test_assert_int(ex.message.max_depth, MESSAGE_DEFAULT_MAX_DEPTH);
	test_assert_int(ex.message.max_multiparts, MESSAGE_DEFAULT_MAX_MULTIPARTS);
	test_assert_int(ex.message.max_header_bytes, MESSAGE_DEFAULT_MAX_HEADER_BYTES);
	test_assert_int(ex.message.max_header_fields, MESSAGE_DEFAULT_MAX_HEADER_FIELDS);
	test_assert_int(ex.unpack.max_total_bytes, UNPACK_DEFAULT_MAX_TOTAL_BYTES);
	test_assert_int(ex.unpack.max_entries, UNPACK_DEFAULT_MAX_ENTRIES);
	test_assert_int(ex.unpack.ratio_min_bytes, UNPACK_DEFAULT_RATIO_MIN_BYTES);
	test_assert_int(ex.unpack.max_ratio, UNPACK_DEFAULT_MAX_RATIO);
	test_assert_int(ex.unpack.max_name_bytes, UNPACK_DEFAULT_MAX_NAME_BYTES);
	test_assert_int(ex.max_depth, EXTRACT_DEFAULT_MAX_DEPTH);
	test_assert_int(ex.max_files, EXTRACT_DEFAULT_MAX_FILES);
	test_assert_int(ex.max_name_bytes, EXTRACT_DEFAULT_MAX_NAME_BYTES);
	test_assert_int(ex.worker.cpu_seconds, EXTRACT_WORKER_CPU_SECONDS);
	test_assert_int(ex.worker.address_space, EXTRACT_WORKER_ADDRESS_SPACE);
	test_assert_int(ex.worker.timeout_ms, EXTRACT_WORKER_TIMEOUT_MS);
	test_assert_int(ex.worker.seccomp, SANDBOX_SECCOMP_WORKER);
	test_assert_int(cfg->limits.quarantine_after, 3);
	config_limits_probe(&cfg->limits, &pr);
	test_assert_int(pr.limits.cpu_seconds, SANDBOX_DEFAULT_CPU_SECONDS);
	test_assert_int(pr.limits.address_space, SANDBOX_DEFAULT_ADDRESS_SPACE);
	test_assert_int(pr.limits.file_size, SANDBOX_DEFAULT_FILE_SIZE);
	test_assert_int(pr.limits.open_files, SANDBOX_DEFAULT_OPEN_FILES);
	test_assert_int(pr.limits.timeout_ms, SANDBOX_DEFAULT_TIMEOUT_MS);
	test_assert_int(pr.limits.seccomp, SANDBOX_SECCOMP_STRICT);
	test_assert_int(pr.max_jpeg_bytes, PROBE_DEFAULT_MAX_JPEG_BYTES);
	test_assert_int(pr.max_image_side, PROBE_DEFAULT_MAX_IMAGE_SIDE);
	test_assert_int(pr.max_image_pixels, PROBE_DEFAULT_MAX_IMAGE_PIXELS);
	test_assert_int(pr.video_probesize, PROBE_DEFAULT_VIDEO_PROBESIZE);
	test_assert_int(pr.video_analyzeduration, PROBE_DEFAULT_VIDEO_ANALYZEDURATION);
	test_assert(pr.magic_file == NULL && !pr.video_no_decode && !pr.jpeg_decode);
	config_free(&cfg);
	free(path);
	test_end();
}

static void test_config_limits_values(void)
{
	char *path = limits_conf("message_max_size = 64M\nmessage_max_header_bytes = 64k\n"
				 "unpack_max_total_bytes = 1T\nunpack_ratio_min_bytes = 1048576\n"
				 "unpack_max_ratio = 50\nextract_max_depth = 5\n"
				 "probe_address_space = 2G\nprobe_timeout_ms = 5000\n"
				 "probe_video_analyzeduration = 2000000\nprobe_seccomp = no\n"
				 "probe_jpeg_decode = yes\n"
				 "probe_max_image_pixels = 4000000000\n"
				 "worker_cpu_seconds = 60\nworker_address_space = 1G\n"
				 "worker_timeout_ms = 90000\nquarantine_after = 0\n");
	struct config *cfg = NULL;
	struct extract_settings ex;
	struct probe_settings pr;
	const char *error;

	test_begin("config: [limits] values, K/M/G/T suffixes, mapped to the settings");
	if (!test_assert(config_load(path, &cfg, &error) == 0)) {
		printf("# %s\n", error);
		test_end();
		free(path);
		return;
	}
	test_assert_int(cfg->limits.message_max_size, 64ULL << 20);
	test_assert_int(cfg->limits.message_max_header_bytes, 64ULL << 10);
	test_assert_int(cfg->limits.unpack_max_total_bytes, 1ULL << 40);
	test_assert_int(cfg->limits.unpack_ratio_min_bytes, 1048576);
	test_assert(!cfg->limits.probe_seccomp);
	config_limits_extract(&cfg->limits, &ex);
	test_assert_int(ex.message.max_size, 64ULL << 20);
	test_assert_int(ex.message.max_header_bytes, 65536);
	test_assert_int(ex.message.max_parts, MESSAGE_DEFAULT_MAX_PARTS);
	test_assert_int(ex.unpack.max_total_bytes, 1ULL << 40);
	test_assert_int(ex.unpack.max_ratio, 50);
	test_assert_int(ex.max_depth, 5);
	test_assert_int(ex.worker.cpu_seconds, 60);
	test_assert_int(ex.worker.address_space, 1ULL << 30);
	test_assert_int(ex.worker.timeout_ms, 90000);
	/* probe_seccomp = no turns the worker's filter (and Landlock) off too */
	test_assert_int(ex.worker.seccomp, SANDBOX_SECCOMP_OFF);
	test_assert_int(cfg->limits.quarantine_after, 0);
	config_limits_probe(&cfg->limits, &pr);
	test_assert_int(pr.limits.address_space, 2ULL << 30);
	test_assert_int(pr.limits.timeout_ms, 5000);
	test_assert_int(pr.limits.seccomp, SANDBOX_SECCOMP_OFF);
	test_assert(pr.jpeg_decode);
	test_assert_int(pr.video_analyzeduration, 2000000);
	test_assert_int(pr.max_image_pixels, 4000000000LL);
	config_free(&cfg);
	free(path);
	test_end();
}

static void test_config_limits_errors(void)
{
	const struct { const char *text, *want; } cases[] = {
		{ "message_max_size = 1K\n",
		  "limits.conf:9: message_max_size: expected a size from 64K to 4G" },
		{ "message_max_size = 5G\n", "message_max_size: expected a size from 64K to 4G" },
		{ "message_max_size = 4096M\n", NULL },        /* = 4G: the upper bound */
		{ "message_max_size = 64K\n", NULL },          /* the lower bound */
		{ "message_max_size = 1X\n", "message_max_size: expected a size" },
		{ "message_max_size = 1MB\n", "message_max_size: expected a size" },
		{ "message_max_size = M\n", "message_max_size: expected a size" },
		{ "message_max_size = -1\n", "message_max_size: expected a size" },
		{ "message_max_size = 99999999999999999999G\n", "message_max_size: expected a size" },
		{ "message_max_size = 18014398509481984K\n", "message_max_size: expected a size" },
		{ "message_max_parts = 10k\n",                 /* counts take no suffix */
		  "message_max_parts: expected a whole number from 10 to 1000000" },
		{ "message_max_parts = 0\n",
		  "message_max_parts: expected a whole number from 10 to 1000000" },
		{ "unpack_max_ratio = 1\n", "unpack_max_ratio: expected a whole number from 2 to 100000" },
		{ "extract_max_name_bytes = 256\n",
		  "extract_max_name_bytes: expected a size from 16 to 255" },
		{ "extract_max_depth = 21\n", "extract_max_depth: expected a whole number from 1 to 20" },
		{ "probe_open_files = 7\n", "probe_open_files: expected a whole number from 8 to 4096" },
		{ "probe_seccomp = maybe\n", "probe_seccomp: expected yes or no" },
		{ "max_size = 1M\n", "limits.conf:9: unknown key \"max_size\" in [limits]" },
		{ "probe_timeout = 5\n", "unknown key \"probe_timeout\" in [limits]" },
	};

	test_begin("config: [limits] bounds, bad numbers and unknown keys are refused");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = limits_conf(cases[i].text);
		struct config *cfg = NULL;
		const char *error = "";
		int r = config_load(path, &cfg, &error);

		if (cases[i].want == NULL) {
			if (!test_assert_int(r, 0))
				printf("# %s: %s\n", cases[i].text, error);
		} else {
			test_assert_int(r, -1);
			if (!test_assert(strstr(error, cases[i].want) != NULL))
				printf("# %s: got %s\n", cases[i].text, error);
		}
		config_free(&cfg);
		free(path);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_config_demo, test_config_imap, test_config_errors,
		test_config_limits_defaults, test_config_limits_values,
		test_config_limits_errors, NULL
	};
	return test_run(tests);
}
