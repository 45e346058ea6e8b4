#ifndef CASEMAIL_FSUTIL_H
#define CASEMAIL_FSUTIL_H
/* fsutil: small file-system helpers. Return 0 on success, -1 on error with
 * a static-or-thread-local message in *error_r (valid until the next call). */
#include <stddef.h>
#include <sys/types.h>

/* Create a fresh directory $TMPDIR/<prefix>.XXXXXX; returns malloc'd path. */
char *fsutil_mkdtemp(const char *prefix, const char **error_r);
/* Remove a directory tree, never following symlinks. */
int fsutil_rmtree(const char *path, const char **error_r);
/* mkdir -p with mode 0700 for new directories. */
int fsutil_mkdir_p(const char *path, const char **error_r);
/* write() all of len bytes, retrying on EINTR and short writes. */
int fsutil_write_all(int fd, const void *data, size_t len);
/* Read a whole small file (up to max bytes) into a malloc'd NUL-terminated
 * buffer. Returns 0, or -1 when unreadable or larger than max. */
int fsutil_read_file(const char *path, size_t max, char **data_r, size_t *len_r,
		     const char **error_r);

#endif
