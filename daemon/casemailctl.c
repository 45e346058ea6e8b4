/* casemailctl: the admin and test command line of casemail.
 * Thin: parse arguments, call lib/, print, map outcomes to exit codes. */
#include "buf.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "probe.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fputs("usage: casemailctl inspect [--json] [--keep] FILE.eml...\n"
	      "       casemailctl --help | --version\n"
	      "\n"
	      "inspect   decode each mail: MIME parts, attachments, archives (nested),\n"
	      "          and the facts probed from every file (type, size, SHA-256,\n"
	      "          image size, video length/rotation/display size, damage).\n"
	      "          --json  one JSON object per mail on stdout\n"
	      "          --keep  keep the extracted files and print where they are\n"
	      "\n"
	      "Exit: 0 all mails read, 66 a mail could not be read, 64 usage, 70 internal.\n"
	      "check, digest, status, list, show, reprocess: not yet available.\n", f);
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
	fprintf(stderr, "casemailctl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
