/* casemaild: the daemon. Thin: options, config, lock, signals; the work
 * is lib/runner (sources, outbox, waiting) and lib/intake (one mail). */
#include "campaign.h"
#include "config.h"
#include "intake.h"
#include "log.h"
#include "notify.h"
#include "probe.h"
#include "probe-av.h"
#include "runner.h"
#include "state.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag, reload_flag;
static bool opt_stderr, opt_verbose;  /* --foreground (or a tty), -v: win over [log] */

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_flag = 1;
}

static void usage(FILE *f)
{
	fputs("usage: casemaild [-c FILE] [--once] [--foreground] [--check-config]\n"
	      "\n"
	      "  -c, --config FILE  configuration (default " CASEMAIL_DEFAULT_CONFIG ")\n"
	      "  --once             process what is waiting in every mailbox, send due\n"
	      "                     replies, and exit (for cron and tests)\n"
	      "  --foreground       log to stderr instead of syslog\n"
	      "  --check-config     load and validate the configuration and the campaign\n"
	      "                     files, print file:line errors, and exit\n"
	      "  -v, --verbose      debug logging\n"
	      "\n"
	      "Signals: TERM/INT finish the current mail and exit; HUP reloads the\n"
	      "configuration. One instance per state directory.\n"
	      "Exit: 0 ok, 75 a pass had errors (--once), 78 configuration, 69 another\n"
	      "instance runs, 71 system error.\n", f);
}

struct daemon_ctx {
	struct config *cfg;
	struct campaign_set *campaigns;
};

static int load_all(const char *path, struct daemon_ctx *d, const char **error_r)
{
	const char *dir;

	if (config_load(path, &d->cfg, error_r) < 0)
		return -1;
	dir = d->cfg->campaigns_dir != NULL ? d->cfg->campaigns_dir : CASEMAIL_CONFDIR "/campaigns";
	if (campaign_set_load(dir, &d->campaigns, error_r) < 0)
		goto fail;
	const char **ids = xcalloc(d->campaigns->n, sizeof(*ids));
	for (size_t i = 0; i < d->campaigns->n; i++)
		ids[i] = d->campaigns->v[i]->id;
	int r = config_check_campaigns(d->cfg, ids, d->campaigns->n, error_r);
	free(ids);
	if (r < 0)
		goto fail;
	return 0;
fail:
	campaign_set_free(&d->campaigns);
	config_free(&d->cfg);
	return -1;
}

static int lock_state_dir(const char *dir, const char **error_r)
{
	char *path = xasprintf("%s/casemaild.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	free(path);
	if (fd < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		*error_r = errno == EWOULDBLOCK ? "another casemaild uses this state directory" :
			   strerror(errno);
		close(fd);
		return -1;
	}
	/* the pid, for `casemailctl status` (the lock says whether it runs) */
	char pid[24];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		/* status then shows no pid; not a reason to stop */
	}
	return fd; /* held until exit */
}

/* [log] level, socket, facility; applied again on every reload. */
static void apply_log_config(const struct config *cfg)
{
	enum log_level level = LOG_LEVEL_INFO;
	const char *error;

	if (cfg->log.level != NULL)
		(void)log_level_parse(cfg->log.level, &level); /* config.c validated it */
	log_set_level(opt_verbose ? LOG_LEVEL_DEBUG : level);
	if (!opt_stderr && log_set_syslog(cfg->log.socket, cfg->log.facility, &error) < 0)
		fprintf(stderr, "casemaild: %s; trying again with every message\n", error);
}

/* SIGHUP: the new configuration replaces the running one only when it
 * loads completely and keeps the state directory (the lock and the open
 * database belong to it: moving it needs a restart). Otherwise the daemon
 * says why and goes on as it was. */
static void reload(const char *config_path, struct daemon_ctx *d)
{
	struct daemon_ctx nd = { 0 };
	const char *error;

	if (load_all(config_path, &nd, &error) < 0) {
		log_error("reload: %s; keeping the running configuration", error);
		return;
	}
	if (strcmp(nd.cfg->state_dir, d->cfg->state_dir) != 0) {
		log_error("reload: [state] dir changed (%s -> %s): restart casemaild for that; "
			  "keeping the running configuration", d->cfg->state_dir, nd.cfg->state_dir);
		campaign_set_free(&nd.campaigns);
		config_free(&nd.cfg);
		return;
	}
	campaign_set_free(&d->campaigns);
	config_free(&d->cfg);
	*d = nd;
}

static int run(const char *config_path, bool once)
{
	struct daemon_ctx d = { 0 };
	struct state *st = NULL;
	struct probe *probe = NULL;
	const char *error;
	int ret = EX_OK, lockfd = -1;

	if (load_all(config_path, &d, &error) < 0) {
		log_error("%s", error);
		return EX_CONFIG;
	}
	for (;;) {
		struct intake in;
		struct runner r;

		reload_flag = 0;
		apply_log_config(d.cfg);
		if (lockfd < 0) {
			const char *e2;
			if (access(d.cfg->state_dir, F_OK) < 0 && errno == ENOENT &&
			    mkdir(d.cfg->state_dir, 0700) < 0) {
				log_error("%s: %s", d.cfg->state_dir, strerror(errno));
				ret = EX_OSERR;
				break;
			}
			lockfd = lock_state_dir(d.cfg->state_dir, &e2);
			if (lockfd < 0) {
				log_error("%s: %s", d.cfg->state_dir, e2);
				ret = EX_UNAVAILABLE;
				break;
			}
		}
		if (st == NULL && (st = state_open(d.cfg->state_dir, &error)) == NULL) {
			log_error("%s", error);
			ret = EX_OSERR;
			break;
		}
		if (probe == NULL) {
			struct probe_settings ps;

			config_limits_probe(&d.cfg->limits, &ps);  /* [limits] probe_* */
			if ((probe = probe_init(&ps, &error)) == NULL) {
				log_error("%s", error);
				ret = EX_SOFTWARE;
				break;
			}
			/* FFmpeg once for the daemon's life (a no-op after a
			   reload): the per-mail workers forked from here have it
			   instead of loading it for every mail with a video */
			if (probe_av_load(&error) < 0) {
				log_error("%s", error);
				ret = EX_SOFTWARE;
				break;
			}
		}
		if (intake_init(&in, d.cfg, d.campaigns, st, probe, &error) < 0) {
			log_error("%s", error);
			ret = EX_OSERR;
			break;
		}
		runner_init(&r, &in, &stop_flag, &reload_flag);
		log_info("casemaild %s: %zu mailbox(es), %zu campaign(s)%s", CASEMAIL_VERSION,
			 d.cfg->nmailboxes, d.campaigns->n, once ? ", one pass" : "");
		if (once) {
			if (runner_once(&r) < 0)
				ret = EX_TEMPFAIL;
			log_info("pass done: %u mail(s) processed", r.processed);
		} else {
			(void)notify_ready(); /* start-up or reload done */
			runner_loop(&r);
		}
		runner_deinit(&r);
		intake_deinit(&in);
		if (once || stop_flag)
			break;
		log_info("reloading configuration");
		(void)notify_reloading();
		reload(config_path, &d);
		probe_deinit(&probe); /* made again with the [limits] now in force */
	}
	if (stop_flag)
		log_info("stopping");
	(void)notify_stopping();
	probe_deinit(&probe);
	state_close(&st);
	campaign_set_free(&d.campaigns);
	config_free(&d.cfg);
	if (lockfd >= 0)
		close(lockfd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = CASEMAIL_DEFAULT_CONFIG;
	bool once = false, foreground = false, check_only = false, verbose = false;
	struct sigaction sa;
	int c;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	while ((c = getopt_long(argc, argv, "c:ofkvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'o': once = true; break;
		case 'f': foreground = true; break;
		case 'k': check_only = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (check_only) {
		struct daemon_ctx d = { 0 };
		const char *error;
		if (load_all(config_path, &d, &error) < 0) {
			fprintf(stderr, "%s\n", error);
			return EX_CONFIG;
		}
		printf("%s: ok (%zu mailbox(es), %zu campaign(s))\n", config_path,
		       d.cfg->nmailboxes, d.campaigns->n);
		campaign_set_free(&d.campaigns);
		config_free(&d.cfg);
		return EX_OK;
	}
	/* stderr when asked or at a terminal; else (systemd, cron, --once
	   from a script) syslog, RFC 5424 to [log] socket once it is read */
	opt_stderr = foreground || isatty(STDERR_FILENO);
	opt_verbose = verbose;
	log_init("casemaild", opt_stderr, verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	return run(config_path, once);
}
