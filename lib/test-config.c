/* Tests for config: the shipped examples, errors with file:line, secrets. */
#include "config.h"
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

int main(void)
{
	static void (*const tests[])(void) = {
		test_config_demo, test_config_imap, test_config_errors, NULL
	};
	return test_run(tests);
}
