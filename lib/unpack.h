#ifndef CASEMAIL_UNPACK_H
#define CASEMAIL_UNPACK_H
/* unpack: stream the entries of one archive (zip, 7z, rar 4/5, tar and
 * tar.gz/.bz2/.xz/.zst, cpio, iso9660, cab, lha, xar, ar, and a single
 * .gz/.bz2/.xz/.zst file) to disk with libarchive, safely and within limits.
 *
 * Entry bytes go to outdir/NNNNNN, names unpack makes up from a counter:
 * never the sender's name, so nothing can land outside outdir. Files are
 * created O_EXCL|O_NOFOLLOW, mode 0600; directories are reported, not made.
 * Names are decoded per entry: raw bytes that are valid UTF-8 are kept,
 * others are GB18030 (Windows zip tools in China store GBK without the zip
 * UTF-8 flag). Limits are checked before each block is written, so no more
 * than a limit ever reaches the disk.
 *
 * unpack does not recurse: the caller probes every produced file and calls
 * unpack_archive() again for archives, with the same budget, refusing
 * depth > 3 itself. libarchive's reader may still allocate much memory for
 * hostile input (7z dictionaries): run it in an rlimited child. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNPACK_DEFAULT_MAX_TOTAL_BYTES (2ULL << 30)   /* 2 GiB */
#define UNPACK_DEFAULT_MAX_ENTRIES 10000
#define UNPACK_DEFAULT_RATIO_MIN_BYTES (50ULL << 20)  /* 50 MiB */
#define UNPACK_DEFAULT_MAX_RATIO 100
#define UNPACK_DEFAULT_MAX_NAME_BYTES 1024

/* Any field 0 = its default; a NULL limits pointer = all defaults. */
struct unpack_limits {
	uint64_t max_total_bytes; /* written across the whole budget (mail) */
	uint64_t max_entries;     /* entries of any kind across the budget */
	uint64_t ratio_min_bytes; /* the ratio test applies beyond this output */
	unsigned max_ratio;       /* out / in bytes of one archive */
	size_t max_name_bytes;    /* decoded UTF-8 path of one entry */
};

/* What one mail has used so far: start zeroed, share it between all
 * archives of the mail (nested ones included). next_file_no numbers the
 * files in outdir, so one outdir per budget. */
struct unpack_budget {
	uint64_t bytes_out;
	uint64_t entries;
	uint64_t next_file_no;
	uint64_t bytes_in;        /* set by the caller: the sizes of the archives
				   the mail itself carries (not those found in
				   other archives). When not 0 the ratio test
				   applies to the whole budget too, so that
				   archives nested in each other, each under the
				   ratio floor (42.zip), stop at the floor and
				   not at max_total_bytes */
};

/* Outcome of one archive, worst first wins: BOMB (stopped at once),
 * DAMAGED (could not be read to the end, or an entry failed its CRC),
 * ENCRYPTED (an entry or the headers need a password), OK. */
enum unpack_status {
	UNPACK_OK = 0,
	UNPACK_ENCRYPTED,
	UNPACK_DAMAGED,
	UNPACK_BOMB,
};

/* One entry as handed to the callback; the strings belong to unpack and
 * are valid only during the call. Exactly one of these holds:
 *   stored_path != NULL  a regular file, written in full and hashed;
 *   is_dir               a directory (nothing written);
 *   unsafe != NULL       refused, nothing written: "absolute path",
 *                        "'..' component", "symlink", "hardlink",
 *                        "device or fifo", "name too long", "empty name";
 *   encrypted            needs a password, nothing written.
 * An entry whose data turns out damaged is not reported; it is named in the
 * detail of UNPACK_DAMAGED and its partial file is removed. */
struct unpack_entry {
	/* Decoded UTF-8, '/'-separated, as the sender named it: backslashes
	 * are separators, "./" and empty components dropped, control bytes
	 * shown as '?'. For a single compressed file (x.docx.gz) it is the
	 * archive name without its compression suffix ("x.docx"). When refused
	 * as too long it is cut to max_name_bytes. "unnamed-N" (N-th entry)
	 * when libarchive gives no name: a zip entry flagged UTF-8 whose bytes
	 * are not. */
	const char *path;
	const char *stored_path;  /* "outdir/000042", or NULL */
	uint64_t size;            /* bytes written (the declared size is ignored) */
	unsigned char sha256[32]; /* of those bytes, when stored_path != NULL */
	bool encrypted;
	bool is_dir;
	const char *unsafe;
};

/* Called once per entry, in archive order (cb may be NULL). Return 0 to go
 * on, -1 to stop: unpack_archive() then returns -1 ("stopped by the entry
 * callback"); the files reported so far stay. */
typedef int unpack_entry_cb(void *ctx, const struct unpack_entry *e);

/* Unpack archive_path into the existing directory outdir.
 *
 * archive_name is the sender's name for the archive (used only to name the
 * content of a single compressed file); NULL means basename(archive_path).
 * The ratio limit uses archive_path's size on disk as "in".
 *
 * Returns 0 when the archive was processed, with *status_r set and, unless
 * UNPACK_OK, a one-line English *detail_r ("more than 10000 entries",
 * "expands beyond 100:1 (>50 MiB)", "more than 2 GiB", "not an archive",
 * libarchive's error text prefixed by the entry's path, …); *detail_r is
 * NULL for UNPACK_OK. Entries before a stop have been reported and their
 * files stay. Returns -1 on a local failure (archive unreadable, outdir
 * unusable, disk full, a stored name already taken, callback said stop)
 * with *error_r set; a partially written file is removed then as well.
 * *detail_r and *error_r stay valid until the next call in this thread.
 *
 * Thread-safe: the UTF-8 locale libarchive needs for names is set with
 * uselocale() for this thread only, for the duration of the call. */
int unpack_archive(const char *archive_path, const char *archive_name,
		   const char *outdir, const struct unpack_limits *limits,
		   struct unpack_budget *budget, unpack_entry_cb *cb, void *ctx,
		   enum unpack_status *status_r, const char **detail_r,
		   const char **error_r);

/* "ok", "encrypted", "damaged", "bomb". */
const char *unpack_status_name(enum unpack_status status);

#endif
