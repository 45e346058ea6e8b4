/* spool-accepted: the reviewers' tree of accepted cases (see spool.h):
 *
 *   accepted/<company>/<case> -> .versions/<case>/<receipt>
 *   accepted/<company>/.versions/<case>/<receipt>/<files, flat>
 *
 * A version directory is immutable once renamed into place; the case
 * name is a symlink swapped with rename(2), so a reviewer always sees
 * one whole version, and every earlier version stays under .versions.
 * The link points at the greatest receipt present (receipts of a
 * campaign grow), which makes a refile after a crash — even of an
 * older mail — leave the tree as the in-order filing would. Files are
 * hard links to the mail directory's copies (same file system). */
#include "spool-private.h"
#include "fsutil.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

struct spool_accepted_case {
	char *company, *name;          /* sanitised components */
	size_t *files;                 /* indexes into e->files */
	size_t nfiles;
};

/* Receipts compare by length, then bytes: "X-1000000" > "X-999999". */
static int spool_accepted_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

/* The greatest version in dir into *latest_r (malloc'd). */
static int spool_accepted_latest(const char *dir, char **latest_r, const char **error_r)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	*latest_r = NULL;
	if (d == NULL) {
		*error_r = spool_error("opendir(%s): %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*latest_r == NULL || spool_accepted_cmp(de->d_name, *latest_r) > 0) {
			free(*latest_r);
			*latest_r = xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (*latest_r == NULL) {
		*error_r = spool_error("%s: no version", dir);
		return -1;
	}
	return 0;
}

/* Build versions/<receipt> from the mail directory's files, unless it
 * is there already. */
static int spool_accepted_version(const struct spool_entry *e, const char *const *rels,
				  const struct spool_accepted_case *c,
				  const char *campaign_dir, const char *mail_dir,
				  const char *vdir, const char **error_r)
{
	struct spool_names *flat = spool_names_new();
	char *tmp_parent = xasprintf("%s/tmp", campaign_dir);
	char *prefix = xasprintf("%s.case", e->receipt);
	char *tmp = NULL;
	struct stat st;
	int dfd = -1, ret = -1;

	if (lstat(vdir, &st) == 0) {
		ret = 0;
		goto out;
	}
	tmp = spool_fs_mkdtemp(tmp_parent, prefix, error_r);
	if (tmp == NULL ||
	    (dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (tmp != NULL)
			*error_r = spool_error("open(%s): %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *rel = rels[c->files[i]], *base = strrchr(rel, '/');
		const char *name = spool_names_add(flat, base != NULL ? base + 1 : rel);
		char *src = xasprintf("%s/files/%s", mail_dir, rel);
		int r = spool_fs_copy_at(src, dfd, name, error_r);

		free(src);
		if (r < 0)
			goto out;
	}
	if (spool_fs_fsync_tree(dfd, error_r) < 0)
		goto out;
	ret = spool_fs_rename_new(tmp, vdir, error_r);
	if (ret == 0) {
		free(tmp);
		tmp = NULL;
	}
	ret = ret < 0 ? -1 : 0;   /* 1: filed meanwhile, keep that one */
out:
	if (dfd >= 0)
		close(dfd);
	if (tmp != NULL)
		(void)fsutil_rmtree(tmp, NULL);
	free(tmp);
	free(prefix);
	free(tmp_parent);
	spool_names_free(&flat);
	return ret;
}

/* Point company_dir/<name> at .versions/<name>/<latest>. */
static int spool_accepted_link(const char *company_dir, const char *name,
			       const char *latest, const char *receipt,
			       size_t index, const char **error_r)
{
	char *target = xasprintf(".versions/%s/%s", name, latest);
	char *link = xasprintf("%s/%s", company_dir, name);
	char *tmp = xasprintf("%s/.tmp-%s-%zu", company_dir, receipt, index);
	char cur[4096];
	ssize_t n = readlink(link, cur, sizeof(cur) - 1);
	int ret = -1;

	if (n >= 0 && (size_t)n == strlen(target) && memcmp(cur, target, (size_t)n) == 0) {
		ret = 0;
		goto out;
	}
	(void)unlink(tmp);
	if (symlink(target, tmp) < 0) {
		*error_r = spool_error("symlink(%s): %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, link) < 0) {
		*error_r = spool_error("rename(%s): %s", link, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	ret = spool_fs_fsync_path(company_dir, error_r);
out:
	free(target);
	free(link);
	free(tmp);
	return ret;
}

static int spool_accepted_case_file(const struct spool_entry *e, const char *const *rels,
				    const struct spool_accepted_case *c, size_t index,
				    const char *campaign_dir, const char *mail_dir,
				    const char **error_r)
{
	char *company_dir = xasprintf("%s/accepted/%s", campaign_dir, c->company);
	char *versions = xasprintf("%s/.versions/%s", company_dir, c->name);
	char *vdir = xasprintf("%s/%s", versions, e->receipt);
	char *latest = NULL;
	int ret = -1;

	if (spool_fs_mkdirs(versions, error_r) < 0 ||
	    spool_accepted_version(e, rels, c, campaign_dir, mail_dir, vdir, error_r) < 0 ||
	    spool_accepted_latest(versions, &latest, error_r) < 0 ||
	    spool_accepted_link(company_dir, c->name, latest, e->receipt, index,
				error_r) < 0)
		goto out;
	ret = 0;
out:
	free(latest);
	free(vdir);
	free(versions);
	free(company_dir);
	return ret;
}

static char *spool_accepted_component(const char *s)
{
	struct buf b = BUF_INIT;

	spool_name_component(s != NULL ? s : "", s != NULL ? strlen(s) : 0, true, &b);
	return buf_steal(&b);
}

static void spool_accepted_add_files(const struct spool_entry *e, const char *const *rels,
				     const struct spool_case *sc,
				     struct spool_accepted_case *c)
{
	for (size_t f = 0; f < sc->nfiles; f++) {
		for (size_t i = 0; i < e->nfiles; i++) {
			bool dup = false;

			if (rels[i] == NULL || strcmp(e->files[i].path, sc->files[f]) != 0)
				continue;
			for (size_t k = 0; k < c->nfiles && !dup; k++)
				dup = c->files[k] == i;
			if (dup)
				continue;
			c->files = xreallocarray(c->files, c->nfiles + 1, sizeof(*c->files));
			c->files[c->nfiles++] = i;
		}
	}
}

int spool_accepted_file(const struct spool_entry *e, const char *const *rels,
			const char *campaign_dir, const char *mail_dir,
			const char **error_r)
{
	struct spool_accepted_case *cs = xcalloc(e->ncases + 1, sizeof(*cs));
	int ret = 0;

	for (size_t i = 0; i < e->ncases; i++) {
		cs[i].company = spool_accepted_component(e->cases[i].company);
		cs[i].name = spool_accepted_component(e->cases[i].name);
	}
	for (size_t i = 0; ret == 0 && i < e->ncases; i++) {
		bool seen = false;

		/* cases that sanitise to the same folder are one version */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(cs[i].company, cs[j].company) == 0 &&
				strcmp(cs[i].name, cs[j].name) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < e->ncases; j++) {
			if (strcmp(cs[i].company, cs[j].company) == 0 &&
			    strcmp(cs[i].name, cs[j].name) == 0)
				spool_accepted_add_files(e, rels, &e->cases[j], &cs[i]);
		}
		ret = spool_accepted_case_file(e, rels, &cs[i], i, campaign_dir,
					       mail_dir, error_r);
	}
	for (size_t i = 0; i < e->ncases; i++) {
		free(cs[i].company);
		free(cs[i].name);
		free(cs[i].files);
	}
	free(cs);
	return ret;
}

int spool_accepted_cleanup(const char *campaign_dir, const char **error_r)
{
	char *acc = xasprintf("%s/accepted", campaign_dir);
	DIR *d = opendir(acc);
	struct dirent *de;
	int ret = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *company = xasprintf("%s/%s", acc, de->d_name);
		DIR *c = opendir(company);
		struct dirent *ce;

		while (c != NULL && (ce = readdir(c)) != NULL) {
			if (strncmp(ce->d_name, ".tmp-", 5) != 0)
				continue;
			if (unlinkat(dirfd(c), ce->d_name, 0) < 0 && errno != ENOENT) {
				*error_r = spool_error("unlink(%s/%s): %s", company,
						       ce->d_name, strerror(errno));
				ret = -1;
			}
		}
		if (c != NULL)
			closedir(c);
		free(company);
	}
	if (d != NULL)
		closedir(d);
	free(acc);
	return ret;
}
