/* casemailctl: the admin and test command line of casemail.
 * Thin: parse arguments, call lib/, print, map outcomes to exit codes. */
#include "admin.h"
#include "buf.h"
#include "campaign.h"
#include "config.h"
#include "digest.h"
#include "check.h"
#include "extract.h"
#include "extract-worker.h"
#include "fsutil.h"
#include "inspect.h"
#include "log.h"
#include "parallel.h"
#include "probe.h"
#include "probe-av.h"
#include "report.h"
#include "review.h"
#include "xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

static void usage(FILE *f)
{
	fputs("usage: casemailctl check [--campaign ID] [--json] [--campaigns DIR] [-j N] FILE.eml...\n"
	      "       casemailctl inspect [--json] [--keep] FILE.eml...\n"
	      "       casemailctl status [--json]\n"
	      "       casemailctl list [--campaign ID] [--verdict V] [--since D] [--until D]\n"
	      "                        [--errors] [--limit N] [--json]\n"
	      "       casemailctl show [--json] RECEIPT\n"
	      "       casemailctl reprocess [--reply] [--json] RECEIPT\n"
	      "       casemailctl resend RECEIPT\n"
	      "       casemailctl digest [--date D] [--campaign ID] [--format text|html|csv] [--send]\n"
	      "       casemailctl review [--campaign ID]\n"
	      "       casemailctl --help | --version\n"
	      "\n"
	      "check     run the whole pipeline on each mail (decode, unpack, probe, rules)\n"
	      "          and print the Chinese report the sender would receive, or with\n"
	      "          --json one object per mail (SPEC's contract). Spools and sends nothing.\n"
	      "          --campaign ID   check against this campaign (default: the first\n"
	      "                          recipient that is a campaign address)\n"
	      "          --campaigns DIR campaign files (default " CASEMAIL_CONFDIR "/campaigns)\n"
	      "          -j, --jobs N    check N mails at a time (default: one per CPU);\n"
	      "                          the reports still come out in the order given\n"
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
	      "Admin commands read the daemon's config (-c FILE, --config FILE; default\n"
	      "          " CASEMAIL_DEFAULT_CONFIG ")\n"
	      "          and its state DB, spool and outbox; they run beside casemaild.\n"
	      "status    daemon running?, mailboxes and their last poll, mails per campaign,\n"
	      "          replies queued/sent/failed. Exit 0 running, 3 not running.\n"
	      "list      mails, newest first: receipt, arrival, verdict (! = needs a person),\n"
	      "          sender, reply state, error codes. D: YYYY-MM-DD[THH:MM[:SS]].\n"
	      "          --errors: only mails stuck with an error.\n"
	      "show      one mail: source, sender, verdict, defects, replies, the report.\n"
	      "reprocess check the spooled mail again with today's campaign files; keeps\n"
	      "          the old report as report.txt.N; --reply also sends the new report.\n"
	      "resend    send the mail's reply again (new Message-ID <receipt>.rN).\n"
	      "digest    the day's summary per campaign (D: YYYY-MM-DD, today, yesterday;\n"
	      "          default yesterday); --send mails it to [digest] to (text + HTML,\n"
	      "          CSV attached) through [smtp].\n"
	      "review    the reviewers' view, made again from the spool: a contact sheet\n"
	      "          (contact.jpg, thumbs/) per accepted case and <spool>/<campaign>/\n"
	      "          index.html (casemaild updates both after each filing).\n"
	      "          Exit: 64 usage, 65 refused, 66 no such receipt, 69 not sent,\n"
	      "          74 state/spool I/O, 78 configuration.\n", f);
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
		if (extract_mail_isolated(argv[i], workdir, NULL, probe, &ex, &error) < 0) {
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

/* One mail of casemailctl check: its report on stdout, its error on
 * stderr; returns 0 accepted, 1 rejected, 2 ignored, or an EX_ code. */
struct check_run {
	char **files;
	const char *campaign_id;
	struct campaign_set *set;
	struct probe *probe;
	bool json;
};

static int check_one(size_t i, void *ctx)
{
	struct check_run *cr = ctx;
	const char *file = cr->files[i], *error;
	struct check *ck = NULL;
	struct buf out = BUF_INIT;
	char *workdir = fsutil_mkdtemp("casemail-check", &error);
	const struct check_options opt = { .campaign_id = cr->campaign_id };
	int ret = EX_SOFTWARE;

	if (workdir == NULL) {
		fprintf(stderr, "casemailctl: %s\n", error);
		return EX_CANTCREAT;
	}
	switch (check_mail(file, workdir, cr->set, &opt, cr->probe, &ck, &error)) {
	case CHECK_OK:
		if (cr->json)
			check_json(ck, file, &out);
		else
			report_render(ck, NULL, &out);
		fwrite(out.data, 1, out.len, stdout);
		ret = ck->rules->verdict == RULES_ACCEPTED ? 0 :
		      ck->rules->verdict == RULES_REJECTED ? 1 : 2;
		break;
	case CHECK_ERR_INPUT:
		fprintf(stderr, "casemailctl: %s\n", error);
		ret = EX_NOINPUT;
		break;
	case CHECK_ERR_CAMPAIGN:
		fprintf(stderr, "casemailctl: %s\n", error);
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
	return ret;
}

/* Fold one mail's result into the exit status: a system error wins, then
 * the first other error, then the highest verdict. */
static void check_fold(int code, int *ret, int *worst)
{
	if (code >= 0 && code <= 2) {
		if (code > *worst)
			*worst = code;
	} else if (code == EX_SOFTWARE || code == EX_CANTCREAT || code < 0 || code >= 128) {
		if (*ret != EX_SOFTWARE)
			*ret = code == EX_CANTCREAT ? EX_CANTCREAT : EX_SOFTWARE;
	} else if (*ret == EX_OK) {
		*ret = code;
	}
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "campaigns", required_argument, NULL, 'd' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = CASEMAIL_CONFDIR "/campaigns", *error;
	struct check_run cr = { .campaign_id = NULL };
	unsigned jobs = 0;
	int c, ret = EX_OK, worst = 0;
	size_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:j:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'J': cr.json = true; break;
		case 'c': cr.campaign_id = optarg; break;
		case 'd': dir = optarg; break;
		case 'j': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 256) {
				fprintf(stderr, "casemailctl: --jobs: expected 1 to 256\n");
				return EX_USAGE;
			}
			jobs = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (campaign_set_load(dir, &cr.set, &error) < 0) {
		fprintf(stderr, "casemailctl: %s\n", error);
		return EX_CONFIG;
	}
	if (cr.campaign_id != NULL && campaign_set_find_id(cr.set, cr.campaign_id) == NULL) {
		fprintf(stderr, "casemailctl: no campaign \"%s\" in %s\n", cr.campaign_id, dir);
		campaign_set_free(&cr.set);
		return EX_USAGE;
	}
	cr.files = argv + optind;
	n = (size_t)(argc - optind);
	/* several mails: FFmpeg once here, inherited by every mail's workers,
	 * rather than loaded again for each mail with a video (one mail keeps
	 * the lazy load: most carry no video). A failure is left to the lazy
	 * load, which reports it for the mail that needs it. */
	if (n > 1)
		(void)probe_av_load(&error);
	cr.probe = probe_init(NULL, &error);
	if (cr.probe == NULL) {
		fprintf(stderr, "casemailctl: %s\n", error);
		campaign_set_free(&cr.set);
		return EX_SOFTWARE;
	}
	if (jobs == 0)
		jobs = parallel_cpus();
	if (n == 1 || jobs == 1) {
		for (size_t i = 0; i < n; i++) {
			int code = check_one(i, &cr);

			check_fold(code, &ret, &worst);
			if (code == EX_CANTCREAT)
				break;
		}
	} else {
		int *status = xcalloc(n, sizeof(*status));

		if (parallel_run(n, jobs, check_one, &cr, status, &error) < 0) {
			fprintf(stderr, "casemailctl: %s\n", error);
			ret = EX_OSERR;
		}
		for (size_t i = 0; i < n; i++) {
			if (status[i] >= 128)
				fprintf(stderr, "casemailctl: %s: check killed by signal %d\n",
					cr.files[i], status[i] - 128);
			check_fold(status[i], &ret, &worst);
		}
		free(status);
	}
	probe_deinit(&cr.probe);
	campaign_set_free(&cr.set);
	return ret != EX_OK ? ret : worst;
}

/* ---- admin commands ---------------------------------------------------- */

static int admin_exit(enum admin_result r)
{
	switch (r) {
	case ADMIN_OK: return EX_OK;
	case ADMIN_NOT_FOUND: return EX_NOINPUT;
	case ADMIN_REFUSED: return EX_DATAERR;
	case ADMIN_ERR_CONFIG: return EX_CONFIG;
	case ADMIN_ERR_IO: return EX_IOERR;
	case ADMIN_ERR_SEND: return EX_UNAVAILABLE;
	case ADMIN_ERR_SOFTWARE: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}

/* Options every admin command shares, and the ones some take. */
struct admin_opts {
	const char *config, *campaign, *verdict, *since, *until, *date, *format;
	bool json, send, reply, errors;
	unsigned limit;
	const char *receipt;       /* the one positional argument, if any */
};

static int admin_parse(int argc, char **argv, const char *allowed, bool want_receipt,
		       struct admin_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "campaign", required_argument, NULL, 'C' },
		{ "verdict", required_argument, NULL, 'V' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'L' },
		{ "errors", no_argument, NULL, 'E' },
		{ "date", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'F' },
		{ "send", no_argument, NULL, 's' },
		{ "reply", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = CASEMAIL_DEFAULT_CONFIG;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || (c != 'c' && strchr(allowed, c) == NULL)) {
			fprintf(stderr, "casemailctl %s: option not accepted here\n", argv[0]);
			usage(stderr);
			return -1;
		}
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': o->json = true; break;
		case 'C': o->campaign = optarg; break;
		case 'V': o->verdict = optarg; break;
		case 'S': o->since = optarg; break;
		case 'U': o->until = optarg; break;
		case 'L': o->limit = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'E': o->errors = true; break;
		case 'D': o->date = optarg; break;
		case 'F': o->format = optarg; break;
		case 's': o->send = true; break;
		case 'r': o->reply = true; break;
		}
	}
	if (want_receipt != (optind + 1 == argc) || optind + 1 < argc) {
		usage(stderr);
		return -1;
	}
	o->receipt = want_receipt ? argv[optind] : NULL;
	return 0;
}

static int admin_finish(enum admin_result r, struct buf *out, const char *what,
			const char *error)
{
	if (out->len > 0)
		fwrite(out->data, 1, out->len, stdout);
	buf_free(out);
	if (r != ADMIN_OK)
		fprintf(stderr, "casemailctl %s: %s\n", what, error != NULL ? error : "failed");
	return admin_exit(r);
}

static int cmd_admin(int argc, char **argv)
{
	const char *cmd = argv[0], *error = NULL;
	struct admin_opts o;
	struct admin a;
	struct buf out = BUF_INIT;
	enum admin_result r;
	struct probe *probe = NULL;
	bool running = false;
	int p;

	if (strcmp(cmd, "status") == 0)
		p = admin_parse(argc, argv, "j", false, &o);
	else if (strcmp(cmd, "list") == 0)
		p = admin_parse(argc, argv, "jCVSULE", false, &o);
	else if (strcmp(cmd, "show") == 0)
		p = admin_parse(argc, argv, "j", true, &o);
	else if (strcmp(cmd, "reprocess") == 0)
		p = admin_parse(argc, argv, "jr", true, &o);
	else if (strcmp(cmd, "resend") == 0)
		p = admin_parse(argc, argv, "", true, &o);
	else if (strcmp(cmd, "review") == 0)
		p = admin_parse(argc, argv, "C", false, &o);
	else
		p = admin_parse(argc, argv, "DCFs", false, &o);
	if (p != 0)
		return p > 0 ? EX_OK : EX_USAGE;
	if (o.verdict != NULL && strcmp(o.verdict, "accepted") != 0 &&
	    strcmp(o.verdict, "rejected") != 0 && strcmp(o.verdict, "ignored") != 0) {
		fprintf(stderr, "casemailctl list: --verdict accepted, rejected or ignored\n");
		return EX_USAGE;
	}
	if (o.format != NULL && strcmp(o.format, "text") != 0 && strcmp(o.format, "html") != 0 &&
	    strcmp(o.format, "csv") != 0) {
		fprintf(stderr, "casemailctl digest: --format text, html or csv\n");
		return EX_USAGE;
	}
	r = admin_open(&a, o.config, CASEMAIL_CONFDIR "/campaigns", &error);
	if (r != ADMIN_OK)
		return admin_finish(r, &out, cmd, error);
	/* what an admin changes (reprocess, resend, digest --send) is logged
	   to syslog like the daemon's work; the user reads stdout/stderr */
	log_init("casemailctl", false, LOG_LEVEL_INFO);
	(void)log_set_syslog(a.cfg->log.socket, a.cfg->log.facility, &error);
	if (strcmp(cmd, "status") == 0) {
		r = admin_status(&a, o.json, time(NULL), &out, &running, &error);
		admin_close(&a);
		p = admin_finish(r, &out, cmd, error);
		return p != EX_OK ? p : running ? EX_OK : 3;
	} else if (strcmp(cmd, "list") == 0) {
		struct state_filter f = {
			.campaign = o.campaign, .verdict = o.verdict, .limit = o.limit,
			.with_error = o.errors,
		};
		if ((o.since != NULL && admin_parse_time(o.since, admin_tz(&a), &f.since) < 0) ||
		    (o.until != NULL && admin_parse_time(o.until, admin_tz(&a), &f.until) < 0)) {
			admin_close(&a);
			fprintf(stderr, "casemailctl list: dates are YYYY-MM-DD[THH:MM[:SS]]\n");
			return EX_USAGE;
		}
		r = admin_list(&a, &f, o.json, &out, &error);
	} else if (strcmp(cmd, "show") == 0) {
		r = admin_show(&a, o.receipt, o.json, &out, &error);
	} else if (strcmp(cmd, "resend") == 0) {
		r = admin_resend(&a, o.receipt, &out, &error);
	} else if (strcmp(cmd, "review") == 0) {
		p = review_all(a.cfg, a.campaigns, o.campaign, &out, &error);
		r = p == 0 ? ADMIN_OK : p > 0 ? ADMIN_REFUSED : ADMIN_ERR_IO;
	} else if (strcmp(cmd, "reprocess") == 0) {
		struct probe_settings ps;

		config_limits_probe(&a.cfg->limits, &ps); /* the daemon's [limits] */
		probe = probe_init(&ps, &error);
		r = probe == NULL ? ADMIN_ERR_SOFTWARE :
		    admin_reprocess(&a, o.receipt, o.reply, o.json, probe, &out, &error);
		probe_deinit(&probe);
	} else {
		r = admin_digest(&a, o.date, o.campaign, o.format, o.send, &out, &error);
	}
	admin_close(&a);
	return admin_finish(r, &out, cmd, error);
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
	static const char *const admin_cmds[] = {
		"status", "list", "show", "reprocess", "resend", "digest", "review",
	};
	for (size_t i = 0; i < sizeof(admin_cmds) / sizeof(admin_cmds[0]); i++) {
		if (strcmp(argv[1], admin_cmds[i]) == 0)
			return cmd_admin(argc - 1, argv + 1);
	}
	fprintf(stderr, "casemailctl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
