/* spool: filing a mail into <root>/<campaign>/mail/<receipt>/ (see
 * spool.h for the layout and the guarantees).
 *
 * The order of a filing: resolve every path (spool-name.c, pure), build
 * the whole directory in tmp/, fsync it bottom-up, rename it into mail/
 * without replacing, fsync mail/, then the accepted cases. A crash
 * before the rename leaves only tmp/ litter (spool_cleanup_tmp()); after
 * it, the directory is complete and a refile of the same receipt just
 * finishes the accepted cases. */
#include "spool-private.h"
#include "extract.h"
#include "fsutil.h"
#include "json.h"
#include "rules.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_ID_MAX 64

static __thread char spool_err[1024];

const char *spool_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spool_err, sizeof(spool_err), fmt, ap);
	va_end(ap);
	return spool_err;
}

/* Campaign ids and receipts become directory names: keep them plain. */
static bool spool_id_ok(const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len == 0 || len > SPOOL_ID_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The marker: written last into the tmp tree, it says the tree is whole
 * and where each path of the mail went. */
static void spool_marker_json(const struct spool_entry *e, const char *const *rels,
			      struct buf *out)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_str(&j, "campaign", e->campaign);
	json_str(&j, "receipt", e->receipt);
	json_array_begin(&j, "files");
	for (size_t i = 0; i < e->nfiles; i++) {
		if (rels[i] == NULL)
			continue;
		json_object_begin(&j, NULL);
		json_str(&j, "path", e->files[i].path);
		json_str(&j, "file", rels[i]);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	buf_putc(out, '\n');
}

static int spool_copy_files(const struct spool_entry *e, const char *const *rels,
			    int dfd, const char **error_r)
{
	unsigned copied = 0;
	int files_fd, ret = 0;

	if (mkdirat(dfd, "files", SPOOL_DIR_MODE) < 0 ||
	    (files_fd = openat(dfd, "files", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*error_r = spool_error("mkdir files: %s", strerror(errno));
		return -1;
	}
	(void)fchmod(files_fd, SPOOL_DIR_MODE);
	for (size_t i = 0; ret == 0 && i < e->nfiles; i++) {
		const char *name;
		int pfd;

		if (rels[i] == NULL)
			continue;
		pfd = spool_fs_open_parent(files_fd, rels[i], &name, error_r);
		if (pfd < 0) {
			ret = -1;
			break;
		}
		ret = spool_fs_copy_at(e->files[i].stored, pfd, name, error_r);
		close(pfd);
		if (ret == 0 && e->test_crash_after > 0 && ++copied == e->test_crash_after)
			_exit(99);
	}
	close(files_fd);
	return ret;
}

/* Build the mail directory in a fresh tmp dir; its path, or NULL. */
static char *spool_build(const struct spool_entry *e, const char *const *rels,
			 const char *tmp_dir, const char **error_r)
{
	struct buf marker = BUF_INIT;
	char *dir = spool_fs_mkdtemp(tmp_dir, e->receipt, error_r);
	int dfd = -1, ret = -1;

	if (dir == NULL)
		return NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*error_r = spool_error("open(%s): %s", dir, strerror(errno));
		goto out;
	}
	if (spool_fs_copy_at(e->eml_path, dfd, "message.eml", error_r) < 0 ||
	    spool_copy_files(e, rels, dfd, error_r) < 0)
		goto out;
	if (e->manifest != NULL &&
	    spool_fs_write_at(dfd, "manifest.json", e->manifest, strlen(e->manifest),
			      error_r) < 0)
		goto out;
	if (e->report != NULL &&
	    spool_fs_write_at(dfd, "report.txt", e->report, strlen(e->report), error_r) < 0)
		goto out;
	spool_marker_json(e, rels, &marker);
	if (spool_fs_write_at(dfd, SPOOL_MARKER, marker.data, marker.len, error_r) < 0 ||
	    spool_fs_fsync_tree(dfd, error_r) < 0)
		goto out;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	buf_free(&marker);
	if (ret < 0) {
		(void)fsutil_rmtree(dir, NULL);
		free(dir);
		dir = NULL;
	}
	return dir;
}

/* 1: mail_dir is a complete filing, 0: it does not exist, -1: neither. */
static int spool_existing(const char *mail_dir, const char **error_r)
{
	char *marker = xasprintf("%s/" SPOOL_MARKER, mail_dir);
	struct stat st;
	int ret;

	if (lstat(mail_dir, &st) < 0 && errno == ENOENT)
		ret = 0;
	else if (lstat(marker, &st) == 0 && S_ISREG(st.st_mode))
		ret = 1;
	else {
		*error_r = spool_error("%s exists but is no complete filing", mail_dir);
		ret = -1;
	}
	free(marker);
	return ret;
}

int spool_file_mail(const struct spool_entry *e, char **dir_r, const char **error_r)
{
	struct spool_names *names = spool_names_new();
	const char **rels = xcalloc(e->nfiles + 1, sizeof(*rels));
	char *camp = NULL, *mail = NULL, *tmp = NULL, *final = NULL, *built = NULL;
	int ret = -1, have;

	if (e->root == NULL || e->eml_path == NULL) {
		*error_r = "spool: entry without root or eml_path";
		goto out;
	}
	if (!spool_id_ok(e->campaign) || !spool_id_ok(e->receipt)) {
		*error_r = spool_error("spool: bad campaign id or receipt \"%s\", \"%s\"",
				       e->campaign != NULL ? e->campaign : "",
				       e->receipt != NULL ? e->receipt : "");
		goto out;
	}
	/* every file gets its own name, also two attachments called the same */
	for (size_t i = 0; i < e->nfiles; i++) {
		if (e->files[i].stored != NULL)
			rels[i] = spool_names_add(names, e->files[i].path);
	}
	camp = xasprintf("%s/%s", e->root, e->campaign);
	mail = xasprintf("%s/mail", camp);
	tmp = xasprintf("%s/tmp", camp);
	final = xasprintf("%s/%s", mail, e->receipt);
	if (spool_fs_mkdirs(mail, error_r) < 0 || spool_fs_mkdirs(tmp, error_r) < 0)
		goto out;
	have = spool_existing(final, error_r);
	if (have < 0)
		goto out;
	if (have == 0) {
		built = spool_build(e, rels, tmp, error_r);
		if (built == NULL)
			goto out;
		have = spool_fs_rename_new(built, final, error_r);
		if (have < 0)
			goto out;
		if (have == 1) {
			/* filed meanwhile by someone else: theirs stands */
			(void)fsutil_rmtree(built, NULL);
		}
		free(built);
		built = NULL;
		if (have == 1 && spool_existing(final, error_r) != 1)
			goto out;
	}
	if (e->ncases > 0 &&
	    spool_accepted_file(e, rels, camp, final, error_r) < 0)
		goto out;
	if (dir_r != NULL) {
		*dir_r = final;
		final = NULL;
	}
	ret = 0;
out:
	if (ret < 0 && built != NULL)
		(void)fsutil_rmtree(built, NULL);
	spool_names_free(&names);
	free(rels);
	free(camp);
	free(mail);
	free(tmp);
	free(final);
	free(built);
	return ret;
}

int spool_cleanup_tmp(const char *root, const char **error_r)
{
	struct dirent *de;
	DIR *d = opendir(root);
	int ret = 0;

	if (d == NULL) {
		*error_r = spool_error("opendir(%s): %s", root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *camp = xasprintf("%s/%s", root, de->d_name);
		char *tmp = xasprintf("%s/tmp", camp);
		DIR *t = opendir(tmp);
		struct dirent *te;

		while (t != NULL && (te = readdir(t)) != NULL) {
			if (strcmp(te->d_name, ".") == 0 || strcmp(te->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", tmp, te->d_name);
			if (fsutil_rmtree(p, error_r) < 0)
				ret = -1;
			free(p);
		}
		if (t != NULL)
			closedir(t);
		if (spool_accepted_cleanup(camp, error_r) < 0)
			ret = -1;
		free(tmp);
		free(camp);
	}
	closedir(d);
	return ret;
}

struct spool_file *spool_files_from_extract(const struct extract *ex, size_t *n_r)
{
	struct spool_file *files = xcalloc(ex->nfiles + 1, sizeof(*files));

	for (size_t i = 0; i < ex->nfiles; i++) {
		const struct extract_file *f = &ex->files[i];

		files[i].path = f->path;
		files[i].stored = f->opened ? NULL : f->stored;
	}
	*n_r = ex->nfiles;
	return files;
}

struct spool_case *spool_cases_from_rules(const struct rules_result *r, size_t *n_r)
{
	struct spool_case *cases = xcalloc(r->ncases + 1, sizeof(*cases));

	for (size_t i = 0; i < r->ncases; i++) {
		cases[i].company = r->cases[i].company;
		cases[i].name = r->cases[i].name;
		cases[i].files = (const char *const *)r->cases[i].files;
		cases[i].nfiles = r->cases[i].nfiles;
	}
	*n_r = r->ncases;
	return cases;
}

int spool_replace_reports(const char *root, const char *campaign, const char *receipt,
			  const char *manifest, const char *report, unsigned *version_r,
			  const char **error_r)
{
	static const char *const names[] = { "manifest.json", "report.txt" };
	const char *data[] = { manifest, report };
	char *dir = xasprintf("%s/%s/mail/%s", root, campaign, receipt);
	char old[64], tmp[64];
	unsigned n = 1;
	int dfd = -1, ret = -1;
	struct stat st;

	switch (spool_existing(dir, error_r)) {
	case 1:
		break;
	case 0:
		*error_r = spool_error("%s: no such filing", dir);
		/* fall through */
	default:
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*error_r = spool_error("%s: %s", dir, strerror(errno));
		goto out;
	}
	for (;; n++) {
		snprintf(old, sizeof(old), "%s.%u", names[0], n);
		if (fstatat(dfd, old, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			break;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(old, sizeof(old), "%s.%u", names[i], n);
		snprintf(tmp, sizeof(tmp), ".tmp-%s", names[i]);
		(void)unlinkat(dfd, tmp, 0);
		if (spool_fs_write_at(dfd, tmp, data[i], strlen(data[i]), error_r) < 0)
			goto out;
		/* keep the current one under .N (a hard link: the name stays valid) */
		if (linkat(dfd, names[i], dfd, old, 0) < 0 && errno != ENOENT) {
			*error_r = spool_error("%s/%s: %s", dir, old, strerror(errno));
			goto out;
		}
		if (renameat(dfd, tmp, dfd, names[i]) < 0) {
			*error_r = spool_error("%s/%s: %s", dir, names[i], strerror(errno));
			goto out;
		}
	}
	if (fsync(dfd) < 0) {
		*error_r = spool_error("%s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	*version_r = n;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return ret;
}
