#ifndef CASEMAIL_SPOOL_PRIVATE_H
#define CASEMAIL_SPOOL_PRIVATE_H
/* spool internals shared by spool.c, spool-fs.c and spool-accepted.c.
 * All return 0 / -1 with *error_r (thread-local text). */
#include <stdbool.h>
#include <sys/types.h>
#include "spool.h"
#include "spool-name.h"

#define SPOOL_DIR_MODE 0750
#define SPOOL_FILE_MODE 0640
#define SPOOL_MARKER "filed.json"

/* printf into the thread's error buffer; "%m"-style errno text is the
 * caller's (use strerror). */
const char *spool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* spool-fs.c */
/* mkdir -p; every directory created is fsynced into its parent. */
int spool_fs_mkdirs(const char *path, const char **error_r);
/* fsync a path (file or directory). */
int spool_fs_fsync_path(const char *path, const char **error_r);
/* Create dirfd/rel's folders below dirfd (0750); rel's last component is
 * a file name and not created. Returns an fd of the folder that holds it
 * (dirfd itself, dup'ed, when rel has no folder), or -1. */
int spool_fs_open_parent(int dirfd, const char *rel, const char **name_r,
			 const char **error_r);
/* Write data as a new file dirfd/name (0640), fsynced. */
int spool_fs_write_at(int dirfd, const char *name, const void *data, size_t len,
		      const char **error_r);
/* Hard-link src as dirfd/name, or copy it (copy_file_range, then
 * read/write); either way the result is 0640 and fsynced. */
int spool_fs_copy_at(const char *src, int dirfd, const char *name,
		     const char **error_r);
/* fsync every directory below and including dirfd (depth first). */
int spool_fs_fsync_tree(int dirfd, const char **error_r);
/* mkdtemp "<dir>/<prefix>.XXXXXX", 0750; malloc'd path or NULL. */
char *spool_fs_mkdtemp(const char *dir, const char *prefix, const char **error_r);
/* rename(from, to) where to must not exist; returns 1 when to already
 * existed (from is left in place), 0 when renamed, -1 on error. Fsyncs
 * the parent of to after a rename. */
int spool_fs_rename_new(const char *from, const char *to, const char **error_r);

/* spool-accepted.c: lay out e's cases from the durable mail_dir, whose
 * files/ holds e->files[i] at rels[i] (NULL: not filed). */
int spool_accepted_file(const struct spool_entry *e, const char *const *rels,
			const char *campaign_dir, const char *mail_dir,
			const char **error_r);
/* Remove stray .tmp-* links below campaign_dir/accepted/. */
int spool_accepted_cleanup(const char *campaign_dir, const char **error_r);

#endif
