/* casemailctl: the admin and test command line of casemail.
 * Thin: parse arguments, call lib/, print, map outcomes to exit codes. */
#include "buf.h"
#include "campaign.h"
#include "check.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "probe.h"
#include "report.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fputs("usage: casemailctl check [--campaign ID] [--json] [--campaigns DIR] FILE.eml...\n"
	      "       casemailctl inspect [--json] [--keep] FILE.eml...\n"
	      "       casemailctl --help | --version\n"
	      "\n"
	      "check     run the whole pipeline on each mail (decode, unpack, probe, rules)\n"
	      "          and print the Chinese report the sender would receive, or with\n"
	      "          --json one object per mail (SPEC's contract). Spools and sends nothing.\n"
	      "          --campaign ID   check against this campaign (default: the first\n"
	      "                          recipient that is a campaign address)\n"
	      "          --campaigns DIR campaign files (default " CASEMAIL_CONFDIR "/campaigns)\n"
	      "          Exit: 0 accepted, 1 rejected, 2 ignored (several files: the highest),\n"
	      "          65 campaign unknown, 66 unreadable mail, 64 usage, 70/73 internal.\n"
	      "\n"
	      "inspect   decode each mail: MIME parts, attachments, archives (nested),\n"
	      "          and the facts probed from every file (type, size, SHA-256,\n"
	      "          image size, video length/rotation/display size, damage).\n"
	      "          --json  one JSON object per mail on stdout\n"
	      "          --keep  keep the extracted files and print where they are\n"
	      "\n"
	      "          Exit: 0 all mails read, 66 a mail could not be read, 64 usage.\n"
	      "\n"
	      "digest, status, list, show, reprocess: not yet available.\n", f);
}

static int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, keep = false;
	struct probe *probe;
	const char *error;
	int c, ret = EX_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jkh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'k': keep = true; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	probe = probe_init(NULL, &error);
	if (probe == NULL) {
		fprintf(stderr, "casemailctl: %s\n", error);
		return EX_SOFTWARE;
	}
	for (int i = optind; i < argc; i++) {
		struct extract *ex = NULL;
		struct buf out = BUF_INIT;
		char *workdir = fsutil_mkdtemp("casemail-inspect", &error);

		if (workdir == NULL) {
			fprintf(stderr, "casemailctl: %s\n", error);
			ret = EX_CANTCREAT;
			break;
		}
		if (extract_mail(argv[i], workdir, NULL, probe, &ex, &error) < 0) {
			fprintf(stderr, "casemailctl: %s\n", error);
			if (ret == EX_OK)
				ret = EX_NOINPUT;
		} else {
			if (json)
				inspect_json(ex, argv[i], &out);
			else
				inspect_text(ex, argv[i], &out);
			fwrite(out.data, 1, out.len, stdout);
			if (keep)
				fprintf(stderr, "casemailctl: %s: files kept in %s\n", argv[i], workdir);
		}
		fflush(stdout);
		extract_free(&ex);
		buf_free(&out);
		if (!keep)
			(void)fsutil_rmtree(workdir, NULL);
		free(workdir);
	}
	probe_deinit(&probe);
	return ret;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "campaigns", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *campaign_id = NULL, *dir = CASEMAIL_CONFDIR "/campaigns", *error;
	struct campaign_set *set = NULL;
	struct probe *probe = NULL;
	bool json = false;
	int c, ret = EX_OK, worst = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jc:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'c': campaign_id = optarg; break;
		case 'd': dir = optarg; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (campaign_set_load(dir, &set, &error) < 0) {
		fprintf(stderr, "casemailctl: %s\n", error);
		return EX_CONFIG;
	}
	if (campaign_id != NULL && campaign_set_find_id(set, campaign_id) == NULL) {
		fprintf(stderr, "casemailctl: no campaign \"%s\" in %s\n", campaign_id, dir);
		campaign_set_free(&set);
		return EX_USAGE;
	}
	probe = probe_init(NULL, &error);
	if (probe == NULL) {
		fprintf(stderr, "casemailctl: %s\n", error);
		campaign_set_free(&set);
		return EX_SOFTWARE;
	}
	for (int i = optind; i < argc; i++) {
		struct check *ck = NULL;
		struct buf out = BUF_INIT;
		char *workdir = fsutil_mkdtemp("casemail-check", &error);

		if (workdir == NULL) {
			fprintf(stderr, "casemailctl: %s\n", error);
			ret = EX_CANTCREAT;
			break;
		}
		const struct check_options opt = { .campaign_id = campaign_id };

		switch (check_mail(argv[i], workdir, set, &opt, probe, &ck, &error)) {
		case CHECK_OK:
			if (json)
				check_json(ck, argv[i], &out);
			else
				report_render(ck, NULL, &out);
			fwrite(out.data, 1, out.len, stdout);
			c = ck->rules->verdict == RULES_ACCEPTED ? 0 :
			    ck->rules->verdict == RULES_REJECTED ? 1 : 2;
			if (c > worst)
				worst = c;
			break;
		case CHECK_ERR_INPUT:
			fprintf(stderr, "casemailctl: %s\n", error);
			if (ret == EX_OK)
				ret = EX_NOINPUT;
			break;
		case CHECK_ERR_CAMPAIGN:
			fprintf(stderr, "casemailctl: %s\n", error);
			if (ret == EX_OK)
				ret = EX_DATAERR;
			break;
		case CHECK_ERR_SYSTEM:
			fprintf(stderr, "casemailctl: %s\n", error);
			ret = EX_SOFTWARE;
			break;
		}
		fflush(stdout);
		check_free(&ck);
		buf_free(&out);
		(void)fsutil_rmtree(workdir, NULL);
		free(workdir);
	}
	probe_deinit(&probe);
	campaign_set_free(&set);
	return ret != EX_OK ? ret : worst;
}

int main(int argc, char **argv)
{
	/* libarchive and iconv need a UTF-8 LC_CTYPE (under systemd LANG is
	   often unset); messages stay in the C locale. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("casemailctl " CASEMAIL_VERSION);
		return EX_OK;
	}
	if (strcmp(argv[1], "inspect") == 0)
		return cmd_inspect(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	fprintf(stderr, "casemailctl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
