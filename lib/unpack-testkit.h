#ifndef CASEMAIL_UNPACK_TESTKIT_H
#define CASEMAIL_UNPACK_TESTKIT_H
/* unpack-testkit: what unpack's unit tests share (test-unpack.c,
 * test-unpack-name.c): build archives with libarchive's writer, run
 * unpack_archive() into a fresh directory and keep what it reported.
 * Linked into the library like test.c; only tests use it. Paths are
 * inside test_tmpdir(); failures are test assertions. */
#include <stdbool.h>
#include <stdint.h>
#include "unpack.h"

/* One member for unpack_testkit_archive(). */
struct unpack_testkit_file {
	const char *name;  /* raw bytes, written as given (see locale below) */
	const char *data;  /* NULL: size zero bytes */
	uint64_t size;     /* 0: strlen(data) */
	unsigned type;     /* AE_IFDIR, AE_IFLNK, AE_IFIFO, …; 0 = regular */
	const char *link;  /* symlink target (AE_IFLNK) or hardlink target */
};

#define UNPACK_TESTKIT_MAX_ENTRIES 100

/* What one or more unpack_testkit_unpack() calls reported. */
struct unpack_testkit_run {
	int ret;                      /* of the last unpack_archive() */
	enum unpack_status status;
	char detail[256];             /* "" when none */
	char *outdir;                 /* made on first use, kept for later calls */
	size_t n;                     /* entries reported (only the first
					 UNPACK_TESTKIT_MAX_ENTRIES are kept) */
	struct unpack_testkit_entry {
		char *path, *stored, *unsafe;
		uint64_t size;
		unsigned char sha256[32];
		bool encrypted, is_dir;
	} e[UNPACK_TESTKIT_MAX_ENTRIES];
};

/* test_tmpdir()/name, malloc'd. */
char *unpack_testkit_path(const char *name);
/* Run a shell command in test_tmpdir(), output discarded; its status. */
int unpack_testkit_sh(const char *cmd);
/* Write test_tmpdir()/file with libarchive: format and filter by name
 * ("zip", "7zip", "pax", "gnutar", "ustar"; "gzip", "xz", NULL), names
 * converted for the LC_CTYPE locale given ("C" stores raw bytes and leaves
 * the zip UTF-8 flag clear, "C.UTF-8" sets it). files ends with a NULL
 * name. Returns the malloc'd path. */
char *unpack_testkit_archive(const char *file, const char *format, const char *filter,
			     const char *locale, const struct unpack_testkit_file *files);
/* Write len bytes to path. */
void unpack_testkit_write(const char *path, const void *data, size_t len);
/* unpack_archive() into r->outdir (a fresh directory on first use). */
void unpack_testkit_unpack(struct unpack_testkit_run *r, const char *archive,
			   const char *name, const struct unpack_limits *lim,
			   struct unpack_budget *budget);
/* Index of the entry reported as path, or -1 (with a diagnostic). */
int unpack_testkit_find(const struct unpack_testkit_run *r, const char *path);
/* Files (not starting with '.') in dir. */
int unpack_testkit_count_files(const char *dir);
void unpack_testkit_run_free(struct unpack_testkit_run *r);

#endif
