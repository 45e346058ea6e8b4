/* fsutil: temp dirs, tree removal, full writes. */
#include "fsutil.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static __thread char fsutil_err[512];

static const char *fsutil_error(const char *what, const char *path)
{
	snprintf(fsutil_err, sizeof(fsutil_err), "%s(%s): %s", what, path,
		 strerror(errno));
	return fsutil_err;
}

char *fsutil_mkdtemp(const char *prefix, const char **error_r)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	path = xasprintf("%s/%s.XXXXXX", tmp, prefix);
	if (mkdtemp(path) == NULL) {
		if (error_r != NULL)
			*error_r = fsutil_error("mkdtemp", path);
		free(path);
		return NULL;
	}
	return path;
}

static int fsutil_rm_cb(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st; (void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int fsutil_rmtree(const char *path, const char **error_r)
{
	if (nftw(path, fsutil_rm_cb, 32, FTW_DEPTH | FTW_PHYS) < 0 &&
	    errno != ENOENT) {
		if (error_r != NULL)
			*error_r = fsutil_error("rmtree", path);
		return -1;
	}
	return 0;
}

int fsutil_mkdir_p(const char *path, const char **error_r)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			if (error_r != NULL)
				*error_r = fsutil_error("mkdir", p);
			ret = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return ret;
}

int fsutil_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fsutil_read_file(const char *path, size_t max, char **data_r, size_t *len_r,
		     const char **error_r)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*error_r = fsutil_error("open", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = fsutil_error("fstat", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		snprintf(fsutil_err, sizeof(fsutil_err), "%s: larger than %zu bytes",
			 path, max);
		*error_r = fsutil_err;
		goto out;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = fsutil_error("read", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	data = NULL;
	ret = 0;
out:
	free(data);
	close(fd);
	return ret;
}
