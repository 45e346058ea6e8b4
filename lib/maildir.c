/* maildir: scan new/ and cur/, move processed mail to cur/. */
#include "maildir.h"
#include "fsutil.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __thread char maildir_err[512];

static int maildir_list(const char *dir, const char *sub, struct maildir_msg **v,
			size_t *n, const char **error_r)
{
	char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		snprintf(maildir_err, sizeof(maildir_err), "%s: %s", path, strerror(errno));
		*error_r = maildir_err;
		free(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		const char *colon = strstr(de->d_name, ":2,");
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		struct maildir_msg *m = &(*v)[(*n)++];
		m->path = xasprintf("%s/%s", path, de->d_name);
		m->key = colon != NULL ? xstrndup(de->d_name, (size_t)(colon - de->d_name)) :
			 xstrdup(de->d_name);
		m->in_new = strcmp(sub, "new") == 0;
	}
	closedir(d);
	free(path);
	return 0;
}

static int maildir_cmp(const void *a, const void *b)
{
	return strcmp(((const struct maildir_msg *)a)->key, ((const struct maildir_msg *)b)->key);
}

int maildir_scan(const char *dir, struct maildir_msg **msgs_r, size_t *n_r,
		 const char **error_r)
{
	struct maildir_msg *v = NULL;
	size_t n = 0;

	if (maildir_list(dir, "new", &v, &n, error_r) < 0 ||
	    maildir_list(dir, "cur", &v, &n, error_r) < 0) {
		maildir_msgs_free(&v, n);
		return -1;
	}
	qsort(v, n, sizeof(*v), maildir_cmp);
	*msgs_r = v;
	*n_r = n;
	return 0;
}

void maildir_msgs_free(struct maildir_msg **msgs, size_t n)
{
	for (size_t i = 0; *msgs != NULL && i < n; i++) {
		free((*msgs)[i].path);
		free((*msgs)[i].key);
	}
	free(*msgs);
	*msgs = NULL;
}

int maildir_mark(const char *dir, struct maildir_msg *m, bool seen, const char **error_r)
{
	char *to, *curdir;
	int fd;

	if (!m->in_new)
		return 0;
	to = xasprintf("%s/cur/%s:2,%s", dir, m->key, seen ? "S" : "");
	if (rename(m->path, to) < 0) {
		snprintf(maildir_err, sizeof(maildir_err), "rename %s: %s", m->path, strerror(errno));
		*error_r = maildir_err;
		free(to);
		return -1;
	}
	/* make the move durable */
	curdir = xasprintf("%s/cur", dir);
	fd = open(curdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(curdir);
	free(m->path);
	m->path = to;
	m->in_new = false;
	return 0;
}

int maildir_create(const char *dir, const char **error_r)
{
	static const char *const subs[] = { "tmp", "new", "cur" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		int r = fsutil_mkdir_p(p, error_r);
		free(p);
		if (r < 0)
			return -1;
	}
	return 0;
}
