/* review: the calls of review.h — a campaign's sheets and index page, the
 * settings the daemon and casemailctl use, the hook after a filing — and
 * the atomic file writing the other review parts share. */
#include "review-private.h"
#include "campaign.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "probe.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REVIEW_FILE_MODE 0640

static __thread char review_err[1024];

const char *review_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(review_err, sizeof(review_err), fmt, ap);
	va_end(ap);
	return review_err;
}

int review_write_at(int dirfd, const char *name, const void *data, size_t len,
		    bool sync, const char **error_r)
{
	const char *slash = strrchr(name, '/');
	char *tmp = slash == NULL ?
		xasprintf(REVIEW_TMP_PREFIX "%ld-%s", (long)getpid(), name) :
		xasprintf("%.*s/" REVIEW_TMP_PREFIX "%ld-%s", (int)(slash - name), name,
			  (long)getpid(), slash + 1);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			REVIEW_FILE_MODE);
	int ret = -1;

	if (fd < 0) {
		*error_r = review_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, REVIEW_FILE_MODE) < 0 || fsutil_write_all(fd, data, len) < 0 ||
	    (sync && fsync(fd) < 0)) {
		*error_r = review_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		fd = -1;
		*error_r = review_error("%s: %s", name, strerror(errno));
		goto out;
	}
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		(void)unlinkat(dirfd, tmp, 0);
	free(tmp);
	return ret;
}

static bool review_id_ok(const char *id)
{
	return id != NULL && id[0] != '\0' && id[0] != '.' && strchr(id, '/') == NULL;
}

int review_campaign_index(const char *spool_dir, const char *campaign,
			  const struct review_settings *set, const char **error_r)
{
	char *dir = xasprintf("%s/%s", spool_dir, campaign);
	struct review_view v = { 0 };
	struct buf page = BUF_INIT;
	int dfd = -1, ret = -1;

	if (!review_id_ok(campaign)) {
		*error_r = review_error("bad campaign id \"%s\"", campaign != NULL ? campaign : "");
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*error_r = review_error("%s: %s", dir, strerror(errno));
		goto out;
	}
	if (review_view_load(dir, campaign, NULL, true, &v, error_r) < 0)
		goto out;
	review_html_render(&v, set, &page);
	ret = review_write_at(dfd, REVIEW_INDEX, page.data, page.len, true, error_r);
	if (ret == 0 && fsync(dfd) < 0) {
		*error_r = review_error("%s: fsync: %s", dir, strerror(errno));
		ret = -1;
	}
out:
	if (dfd >= 0)
		close(dfd);
	review_view_free(&v);
	buf_free(&page);
	free(dir);
	return ret;
}

/* The sheet of case c of the campaign folder dir. */
static int review_one_sheet(const char *dir, const struct review_case *c,
			    const struct review_settings *set, struct review_stats *stats,
			    const char **error_r)
{
	struct review_media *media = xcalloc(c->nfiles + 1, sizeof(*media));
	char *rel = review_case_dir(c, NULL), *path = xasprintf("%s/%s", dir, rel);
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < c->nfiles; i++) {
		if (c->files[i].thumb == 0)
			continue;
		media[n].name = c->files[i].name;
		media[n++].kind = c->files[i].media;
	}
	ret = review_case_sheet(path, media, n, set, stats, error_r);
	free(media);
	free(rel);
	free(path);
	return ret;
}

int review_campaign(const char *spool_dir, const char *campaign, const char *receipt,
		    const struct review_settings *set, struct review_stats *stats_r,
		    const char **error_r)
{
	char *dir = xasprintf("%s/%s", spool_dir, campaign), *sheet_error = NULL;
	struct review_stats dummy;
	struct review_view v = { 0 };
	int ret = -1;

	if (stats_r == NULL)
		stats_r = &dummy;
	memset(stats_r, 0, sizeof(*stats_r));
	if (!review_id_ok(campaign)) {
		*error_r = review_error("bad campaign id \"%s\"", campaign != NULL ? campaign : "");
		goto out;
	}
	if (review_view_load(dir, campaign, NULL, false, &v, error_r) < 0)
		goto out;
	for (size_t i = 0; i < v.ncases; i++) {
		const struct review_case *c = &v.cases[i];
		const char *e;

		/* this receipt's cases, and any whose sheet is missing (a crash
		   or a failure after an earlier filing) */
		if (receipt != NULL && strcmp(c->receipt, receipt) != 0 && c->sheet)
			continue;
		if (review_one_sheet(dir, c, set, stats_r, &e) < 0) {
			stats_r->errors++;
			free(sheet_error);
			sheet_error = xstrdup(e);
		}
	}
	stats_r->cases = (unsigned)v.ncases;
	if (review_campaign_index(spool_dir, campaign, set, error_r) < 0)
		goto out;
	if (sheet_error != NULL) {
		*error_r = review_error("%s", sheet_error);
		goto out;
	}
	ret = 0;
out:
	review_view_free(&v);
	free(sheet_error);
	free(dir);
	return ret;
}

void review_settings_init(struct review_settings *set, const struct config *cfg,
			  const struct campaign *c)
{
	memset(set, 0, sizeof(*set));
	set->limits.seccomp = SANDBOX_SECCOMP_STRICT;
	if (cfg != NULL) {
		struct probe_settings ps;

		config_limits_probe(&cfg->limits, &ps);
		set->limits = ps.limits;
		set->limits.keep_fds = NULL;
		set->limits.keep_fds_count = 0;
	}
	if (c != NULL) {
		set->title = c->name;
		set->tz_offset = c->tz_offset;
	}
}

void review_filed(const struct config *cfg, const struct campaign *c, const char *receipt)
{
	struct review_settings set;
	struct review_stats st;
	const char *error;

	review_settings_init(&set, cfg, c);
	if (review_campaign(cfg->spool_dir, c->id, receipt, &set, &st, &error) < 0)
		log_sd(LOG_LEVEL_WARNING, "review",
		       LOG_SD({ "receipt", receipt }, { "campaign", c->id }),
		       "%s: reviewers' view not fully updated: %s", receipt, error);
	else
		log_sd(LOG_LEVEL_DEBUG, "review",
		       LOG_SD({ "receipt", receipt }, { "campaign", c->id }),
		       "%s: %u contact sheet(s) (%u grey cell(s)), %s/%s/" REVIEW_INDEX,
		       receipt, st.sheets, st.grey, cfg->spool_dir, c->id);
}

/* One campaign for review_all(): its line in out; 0 or -1. */
static int review_all_one(const struct config *cfg, const struct campaign *c, struct buf *out,
			  const char **error_r)
{
	char *dir = xasprintf("%s/%s", cfg->spool_dir, c->id);
	struct review_settings set;
	struct review_stats st;
	struct stat sb;
	int ret = 0;

	review_settings_init(&set, cfg, c);
	if (stat(dir, &sb) < 0 && errno == ENOENT) {
		buf_printf(out, "%s: no filings yet\n", c->id);
	} else if (review_campaign(cfg->spool_dir, c->id, NULL, &set, &st, error_r) < 0) {
		buf_printf(out, "%s: %u case(s), %u contact sheet(s), failed: %s\n", c->id,
			   st.cases, st.sheets, *error_r);
		ret = -1;
	} else {
		buf_printf(out, "%s: %u case(s), %u contact sheet(s) of %u photo(s)/video(s) "
			   "(%u not decodable: grey) -> %s/" REVIEW_INDEX "\n", c->id, st.cases,
			   st.sheets, st.cells, st.grey, dir);
	}
	free(dir);
	return ret;
}

int review_all(const struct config *cfg, const struct campaign_set *campaigns,
	       const char *campaign_id, struct buf *out, const char **error_r)
{
	const char *e = NULL;
	int ret = 0;

	if (campaign_id != NULL && campaign_set_find_id(campaigns, campaign_id) == NULL) {
		*error_r = review_error("no campaign \"%s\"", campaign_id);
		return 1;
	}
	for (size_t i = 0; i < campaigns->n; i++) {
		const struct campaign *c = campaigns->v[i];

		if (campaign_id != NULL && strcmp(c->id, campaign_id) != 0)
			continue;
		if (review_all_one(cfg, c, out, &e) < 0) {
			*error_r = review_error("%s: %s", c->id, e);
			ret = -1;
		}
	}
	return ret;
}
