/* spool-fs: the durable file-system steps the spool is made of — create
 * with O_EXCL, copy or hard-link, fsync files and every directory, rename
 * without replacing (see spool-private.h).
 *
 * Why fsync directories: a file's data being on disk says nothing about
 * the directory entry naming it. ext4 and xfs need the directory fsynced
 * for a new name to survive power loss, and the rename into mail/ must
 * not reach the disk before the tree it moves. */
#include "spool-private.h"
#include "fsutil.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_COPY_CHUNK (1 << 30)

static const char *spool_fs_err(const char *what, const char *path)
{
	return spool_error("%s(%s): %s", what, path, strerror(errno));
}

static int spool_fs_fsync_fd_path(const char *path, int flags, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd < 0 || fsync(fd) < 0) {
		*error_r = spool_fs_err("fsync", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int spool_fs_fsync_path(const char *path, const char **error_r)
{
	return spool_fs_fsync_fd_path(path, 0, error_r);
}

int spool_fs_mkdirs(const char *path, const char **error_r)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ret == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, SPOOL_DIR_MODE) == 0) {
			/* a new directory: make its name durable */
			char *slash = strrchr(p, '/');
			char *parent = slash == NULL ? xstrdup(".") : slash == p ? xstrdup("/") :
				xstrndup(p, (size_t)(slash - p));

			if (chmod(p, SPOOL_DIR_MODE) < 0) {
				*error_r = spool_fs_err("chmod", p);
				ret = -1;
			} else {
				ret = spool_fs_fsync_fd_path(parent, O_DIRECTORY, error_r);
			}
			free(parent);
		} else if (errno != EEXIST) {
			*error_r = spool_fs_err("mkdir", p);
			ret = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return ret;
}

int spool_fs_open_parent(int dirfd, const char *rel, const char **name_r,
			 const char **error_r)
{
	int fd = dup(dirfd);
	const char *p = rel, *slash;

	if (fd < 0) {
		*error_r = spool_fs_err("dup", rel);
		return -1;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		char *comp = xstrndup(p, (size_t)(slash - p));
		bool made = mkdirat(fd, comp, SPOOL_DIR_MODE) == 0;
		int sub = -1;

		if (made || errno == EEXIST)
			sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || (made && fchmod(sub, SPOOL_DIR_MODE) < 0)) {
			*error_r = spool_fs_err("mkdir", rel);
			if (sub >= 0)
				close(sub);
			free(comp);
			close(fd);
			return -1;
		}
		free(comp);
		close(fd);
		fd = sub;
		p = slash + 1;
	}
	*name_r = p;
	return fd;
}

/* fchmod, fsync and close fd; -1 (fd closed) on error. */
static int spool_fs_finish_fd(int fd, const char *name, const char **error_r)
{
	if (fchmod(fd, SPOOL_FILE_MODE) < 0 || fsync(fd) < 0) {
		*error_r = spool_fs_err("fsync", name);
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		*error_r = spool_fs_err("close", name);
		return -1;
	}
	return 0;
}

int spool_fs_write_at(int dirfd, const char *name, const void *data, size_t len,
		      const char **error_r)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			SPOOL_FILE_MODE);

	if (fd < 0) {
		*error_r = spool_fs_err("open", name);
		return -1;
	}
	if (fsutil_write_all(fd, data, len) < 0) {
		*error_r = spool_fs_err("write", name);
		close(fd);
		return -1;
	}
	return spool_fs_finish_fd(fd, name, error_r);
}

static int spool_fs_copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, SPOOL_COPY_CHUNK, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP && errno != EBADF)
			return -1;
		break;   /* not here: plain copy from where it stopped */
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fsutil_write_all(out, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

int spool_fs_copy_at(const char *src, int dirfd, const char *name,
		     const char **error_r)
{
	struct stat st;
	int in = -1, out;

	if (lstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		*error_r = spool_error("%s: not a regular file", src);
		return -1;
	}
	if (linkat(AT_FDCWD, src, dirfd, name, 0) == 0) {
		/* the work file was never fsynced: do it through the new name */
		out = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (out < 0) {
			*error_r = spool_fs_err("open", name);
			return -1;
		}
		return spool_fs_finish_fd(out, name, error_r);
	}
	if (errno == EEXIST) {
		*error_r = spool_fs_err("link", name);
		return -1;
	}
	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		*error_r = spool_fs_err("open", src);
		return -1;
	}
	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     SPOOL_FILE_MODE);
	if (out < 0) {
		*error_r = spool_fs_err("open", name);
		close(in);
		return -1;
	}
	if (spool_fs_copy_fd(in, out) < 0) {
		*error_r = spool_fs_err("copy", name);
		close(in);
		close(out);
		return -1;
	}
	close(in);
	return spool_fs_finish_fd(out, name, error_r);
}

int spool_fs_fsync_tree(int dirfd, const char **error_r)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd), ret = 0;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		*error_r = spool_fs_err("opendir", "(spool tree)");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR &&
		    (de->d_type != DT_UNKNOWN ||
		     fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode)))
			continue;
		int sub = openat(dirfd, de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			*error_r = spool_fs_err("open", de->d_name);
			ret = -1;
			break;
		}
		ret = spool_fs_fsync_tree(sub, error_r);
		close(sub);
	}
	closedir(d);
	if (ret == 0 && fsync(dirfd) < 0) {
		*error_r = spool_fs_err("fsync", "(spool directory)");
		ret = -1;
	}
	return ret;
}

char *spool_fs_mkdtemp(const char *dir, const char *prefix, const char **error_r)
{
	char *path = xasprintf("%s/%s.XXXXXX", dir, prefix);

	if (mkdtemp(path) == NULL || chmod(path, SPOOL_DIR_MODE) < 0) {
		*error_r = spool_fs_err("mkdtemp", path);
		free(path);
		return NULL;
	}
	return path;
}

int spool_fs_rename_new(const char *from, const char *to, const char **error_r)
{
	const char *slash = strrchr(to, '/');
	char *parent;
	int ret;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return 1;
		/* file systems without RENAME_NOREPLACE: rename(2) refuses a
		 * non-empty target, and ours never is empty */
		if ((errno != EINVAL && errno != ENOSYS) || rename(from, to) < 0) {
			if (errno == EEXIST || errno == ENOTEMPTY)
				return 1;
			*error_r = spool_fs_err("rename", to);
			return -1;
		}
	}
	parent = slash == NULL ? xstrdup(".") : xstrndup(to, (size_t)(slash - to));
	ret = spool_fs_fsync_fd_path(parent, O_DIRECTORY, error_r);
	free(parent);
	return ret;
}
