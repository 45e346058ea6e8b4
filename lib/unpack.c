/* unpack: stream the entries of one archive to numbered files, within
 * limits (see unpack.h).
 *
 * One pass: each block libarchive decodes is counted against the limits,
 * then hashed and written, so a bomb stops before its bytes reach the disk
 * and nothing is read back. Formats and filters are listed one by one
 * rather than with libarchive's *_all(): mtree would open files of this
 * machine named in the archive, and lzop/lrzip/grzip would run external
 * programs on the input. The raw format turns a single .gz/.bz2/.xz file
 * into one entry; raw without any decompression filter means "not an
 * archive". Formats that can be listed without decompressing (zip and 7z
 * read a central directory, tar and rar seek over the data) are listed
 * first, so an archive of more entries than the mail may hold is refused
 * before its first file is created. */
#include "unpack.h"
#include "unpack-name.h"
#include "unpack-rar5.h"
#include "buf.h"
#include "fsutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNPACK_BLOCK_SIZE (64 * 1024)
#define UNPACK_MIB ((uint64_t)1024 * 1024)

/* Steps of the entry loop: go on, stop with run->status set, local error. */
#define UNPACK_NEXT 0
#define UNPACK_STOP 1
#define UNPACK_ERROR -1

struct unpack_run {
	struct unpack_limits lim;
	struct unpack_budget *budget;
	struct archive *a;
	int fd, dirfd;
	const char *archive_path, *outdir, *archive_name;
	uint64_t out_bytes, out_cap; /* this archive; cap from the ratio limit */
	unpack_entry_cb *cb;
	void *ctx;
	enum unpack_status status;
	bool raw, last_encrypted;
	size_t index;                /* entries of this archive so far */
	struct unpack_rar5_scan rar5;
	struct buf path, stored;
	const char *error;
};

static __thread char unpack_detail[512];
static __thread char unpack_errbuf[512];

const char *unpack_status_name(enum unpack_status status)
{
	static const char *const names[] = { "ok", "encrypted", "damaged", "bomb" };

	return (unsigned)status < sizeof(names) / sizeof(names[0]) ?
		names[status] : "unknown";
}

/* The worst status wins; its first detail is kept. */
static void __attribute__((format(printf, 3, 4)))
unpack_set_status(struct unpack_run *run, enum unpack_status status,
		  const char *fmt, ...)
{
	va_list ap;

	if (status < run->status ||
	    (status == run->status && unpack_detail[0] != '\0'))
		return;
	run->status = status;
	va_start(ap, fmt);
	vsnprintf(unpack_detail, sizeof(unpack_detail), fmt, ap);
	va_end(ap);
	/* one line: some libarchive texts end in "\n" ("ZIP uncompressed
	   data is wrong size (…)\n"; found by fuzz-unpack) */
	for (char *p = unpack_detail; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	for (size_t n = strlen(unpack_detail); n > 0 && unpack_detail[n - 1] == ' '; n--)
		unpack_detail[n - 1] = '\0';
}

static const char *unpack_syserr(struct unpack_run *run, const char *what,
				 const char *name)
{
	snprintf(unpack_errbuf, sizeof(unpack_errbuf), "%s(%s/%s): %s", what,
		 run->outdir, name, strerror(errno));
	return run->error = unpack_errbuf;
}

static const char *unpack_size_str(uint64_t n, char *buf, size_t size)
{
	if (n >= 1024 * UNPACK_MIB && n % (1024 * UNPACK_MIB) == 0)
		snprintf(buf, size, "%" PRIu64 " GiB", n / (1024 * UNPACK_MIB));
	else if (n >= UNPACK_MIB && n % UNPACK_MIB == 0)
		snprintf(buf, size, "%" PRIu64 " MiB", n / UNPACK_MIB);
	else
		snprintf(buf, size, "%" PRIu64 " bytes", n);
	return buf;
}

static void unpack_limits_resolve(const struct unpack_limits *in,
				  struct unpack_limits *out)
{
	static const struct unpack_limits none;

	*out = in != NULL ? *in : none;
	if (out->max_total_bytes == 0)
		out->max_total_bytes = UNPACK_DEFAULT_MAX_TOTAL_BYTES;
	if (out->max_entries == 0)
		out->max_entries = UNPACK_DEFAULT_MAX_ENTRIES;
	if (out->ratio_min_bytes == 0)
		out->ratio_min_bytes = UNPACK_DEFAULT_RATIO_MIN_BYTES;
	if (out->max_ratio == 0)
		out->max_ratio = UNPACK_DEFAULT_MAX_RATIO;
	if (out->max_name_bytes == 0)
		out->max_name_bytes = UNPACK_DEFAULT_MAX_NAME_BYTES;
}

static void unpack_support(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_compress(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_raw(a); /* bids last: only when nothing else fits */
}

/* Output allowed for in bytes of input: max_ratio × in, at least the floor. */
static uint64_t unpack_cap(const struct unpack_run *run, uint64_t in)
{
	uint64_t cap = in > UINT64_MAX / run->lim.max_ratio ? UINT64_MAX :
		       in * run->lim.max_ratio;

	return cap < run->lim.ratio_min_bytes ? run->lim.ratio_min_bytes : cap;
}

/* Count n more output bytes, or set UNPACK_BOMB if that breaks a limit. */
static int unpack_take(struct unpack_run *run, uint64_t n)
{
	struct unpack_budget *b = run->budget;
	/* the mail's own archives as input (0: the caller does not say) */
	uint64_t mail_cap = b->bytes_in > 0 ? unpack_cap(run, b->bytes_in) : UINT64_MAX;
	char s1[32], s2[32];

	if (b->bytes_out > run->lim.max_total_bytes ||
	    n > run->lim.max_total_bytes - b->bytes_out) {
		unpack_set_status(run, UNPACK_BOMB, "more than %s", unpack_size_str(
			run->lim.max_total_bytes, s1, sizeof(s1)));
		return UNPACK_STOP;
	}
	if (n > run->out_cap - run->out_bytes ||
	    (b->bytes_out <= mail_cap && n > mail_cap - b->bytes_out)) {
		unpack_set_status(run, UNPACK_BOMB, "expands beyond %u:1 (>%s)",
				  run->lim.max_ratio, unpack_size_str(
				  run->lim.ratio_min_bytes, s2, sizeof(s2)));
		return UNPACK_STOP;
	}
	b->bytes_out += n;
	run->out_bytes += n;
	return UNPACK_NEXT;
}

/* libarchive failed: encrypted or damaged, with its text as the detail. */
static void unpack_fail(struct unpack_run *run, const char *path)
{
	const char *err = archive_error_string(run->a);
	bool enc = run->last_encrypted ||
		(err != NULL && (strstr(err, "ncrypt") != NULL ||
				 strstr(err, "assphrase") != NULL));

	if (err == NULL)
		err = "cannot be read to the end";
	if (path != NULL)
		unpack_set_status(run, enc ? UNPACK_ENCRYPTED : UNPACK_DAMAGED,
				  "%s: %s", path, err);
	else
		unpack_set_status(run, enc ? UNPACK_ENCRYPTED : UNPACK_DAMAGED,
				  "%s", err);
}

static int unpack_report(struct unpack_run *run, const struct unpack_entry *ue)
{
	if (run->cb != NULL && run->cb(run->ctx, ue) < 0) {
		run->error = "stopped by the entry callback";
		return UNPACK_ERROR;
	}
	return UNPACK_NEXT;
}

/* Count, hash and write len bytes of data (zeros when data is NULL). */
static int unpack_put(struct unpack_run *run, int fd, const char *name,
		      struct sha256_ctx *sha, const void *data, uint64_t len)
{
	static const unsigned char zeros[UNPACK_BLOCK_SIZE];

	if (unpack_take(run, len) != UNPACK_NEXT)
		return UNPACK_STOP;
	while (len > 0) {
		size_t n = data != NULL ? (size_t)len :
			(len < sizeof(zeros) ? (size_t)len : sizeof(zeros));
		const void *p = data != NULL ? data : zeros;

		sha256_update(sha, n, p);
		if (fsutil_write_all(fd, p, n) < 0) {
			unpack_syserr(run, "write", name);
			return UNPACK_ERROR;
		}
		len -= n;
	}
	return UNPACK_NEXT;
}

static int unpack_write(struct unpack_run *run, struct archive_entry *e,
			struct unpack_entry *ue)
{
	struct sha256_ctx sha;
	char name[32];
	const void *block;
	size_t len;
	la_int64_t offset;
	uint64_t written = 0;
	int fd, r, ret;
	bool keep = false;

	snprintf(name, sizeof(name), "%06" PRIu64, run->budget->next_file_no++);
	fd = openat(run->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		unpack_syserr(run, "open", name);
		return UNPACK_ERROR;
	}
	sha256_init(&sha);
	while ((r = archive_read_data_block(run->a, &block, &len, &offset)) !=
	       ARCHIVE_EOF) {
		if (r != ARCHIVE_OK) {
			/* a bad CRC (WARN) spoils this entry only */
			unpack_fail(run, ue->path);
			ret = r == ARCHIVE_FATAL ? UNPACK_STOP : UNPACK_NEXT;
			goto out;
		}
		if (offset < 0 || (uint64_t)offset < written) {
			unpack_set_status(run, UNPACK_DAMAGED,
					  "%s: data blocks out of order", ue->path);
			ret = UNPACK_STOP;
			goto out;
		}
		/* a hole of a sparse file: zeros, counted like data */
		if ((uint64_t)offset > written &&
		    (ret = unpack_put(run, fd, name, &sha, NULL,
				      (uint64_t)offset - written)) != UNPACK_NEXT)
			goto out;
		written = (uint64_t)offset;
		if ((ret = unpack_put(run, fd, name, &sha, block, len)) != UNPACK_NEXT)
			goto out;
		written += len;
	}
	/* a sparse file ending in a hole: libarchive gives no block for it */
	if (archive_entry_sparse_count(e) > 0 && archive_entry_size_is_set(e) &&
	    archive_entry_size(e) > 0 && (uint64_t)archive_entry_size(e) > written) {
		if ((ret = unpack_put(run, fd, name, &sha, NULL,
				      (uint64_t)archive_entry_size(e) - written)) !=
		    UNPACK_NEXT)
			goto out;
		written = (uint64_t)archive_entry_size(e);
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		unpack_syserr(run, "close", name);
		ret = UNPACK_ERROR;
		goto out;
	}
	keep = true;
	buf_truncate(&run->stored, 0);
	buf_printf(&run->stored, "%s/%s", run->outdir, name);
	ue->stored_path = buf_cstr(&run->stored);
	ue->size = written;
	sha256_digest(&sha, SHA256_DIGEST_SIZE, ue->sha256);
	ret = unpack_report(run, ue);
out:
	if (fd >= 0)
		(void)close(fd);
	if (!keep)
		(void)unlinkat(run->dirfd, name, 0);
	return ret;
}

static const char *unpack_type_unsafe(struct archive_entry *e)
{
	if (archive_entry_hardlink(e) != NULL)
		return "hardlink";
	switch (archive_entry_filetype(e)) {
	case AE_IFLNK:
		return "symlink";
	case AE_IFCHR: case AE_IFBLK: case AE_IFIFO: case AE_IFSOCK:
		return "device or fifo";
	}
	return archive_entry_symlink(e) != NULL ? "symlink" : NULL;
}

static int unpack_entry(struct unpack_run *run, struct archive_entry *e)
{
	struct unpack_entry ue;
	const char *raw = archive_entry_pathname(e);
	size_t max = run->lim.max_name_bytes;

	if (++run->budget->entries > run->lim.max_entries) {
		unpack_set_status(run, UNPACK_BOMB, "more than %" PRIu64 " entries",
				  run->lim.max_entries);
		return UNPACK_STOP;
	}
	memset(&ue, 0, sizeof(ue));
	buf_truncate(&run->path, 0);
	if (run->raw) {
		ue.unsafe = unpack_name_single(run->archive_name, max, &run->path);
	} else if (raw != NULL) {
		ue.unsafe = unpack_name_clean(raw, strlen(raw), max, &run->path);
	} else {
		/* libarchive could not convert it: a zip flagged UTF-8
		 * holding other bytes */
		buf_printf(&run->path, "unnamed-%zu", run->index + 1);
	}
	ue.path = buf_cstr(&run->path);
	ue.is_dir = archive_entry_filetype(e) == AE_IFDIR;
	run->index++;
	run->last_encrypted = false;
	if (ue.is_dir && ue.unsafe != NULL && strcmp(ue.unsafe, "empty name") == 0)
		return UNPACK_NEXT; /* "./", the archive's own top */
	if (ue.unsafe == NULL)
		ue.unsafe = unpack_type_unsafe(e);
	if (ue.unsafe != NULL) {
		ue.is_dir = false;
		return unpack_report(run, &ue);
	}
	if (ue.is_dir)
		return unpack_report(run, &ue);
	ue.encrypted = archive_entry_is_encrypted(e) ||
		unpack_rar5_is_encrypted(&run->rar5, run->index - 1);
	if (ue.encrypted) {
		/* not read: libarchive skips it on the next header */
		run->last_encrypted = true;
		unpack_set_status(run, UNPACK_ENCRYPTED, "%s: encrypted", ue.path);
		return unpack_report(run, &ue);
	}
	return unpack_write(run, e, &ue);
}

/* Entries of the archive at path, counted up to max + 1 by listing it
 * (headers only, data skipped); what cannot be listed counts as read. */
static uint64_t unpack_count(const char *path, uint64_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	unpack_support(a);
	if (fd < 0 || archive_read_open_fd(a, fd, UNPACK_BLOCK_SIZE) != ARCHIVE_OK)
		goto out;
	while (n <= max && archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
		n++;
		if (archive_read_data_skip(a) < ARCHIVE_WARN)
			break;
	}
out:
	archive_read_free(a);
	if (fd >= 0)
		(void)close(fd);
	return n;
}

/* Once the format is known (at the first header). */
static int unpack_first(struct unpack_run *run)
{
	int format = archive_format(run->a) & ARCHIVE_FORMAT_BASE_MASK;
	uint64_t left;

	if (format == ARCHIVE_FORMAT_RAW) {
		if (archive_filter_count(run->a) <= 1) {
			unpack_set_status(run, UNPACK_DAMAGED, "not an archive");
			return UNPACK_STOP;
		}
		run->raw = true;
	} else if (format == ARCHIVE_FORMAT_RAR_V5) {
		unpack_rar5_scan(run->fd, run->lim.max_entries, &run->rar5);
	}
	/* a compression filter around it (tar.gz) would be decompressed
	 * twice: the streaming count in unpack_entry() is the limit there */
	if (archive_filter_count(run->a) > 1)
		return UNPACK_NEXT;
	left = run->lim.max_entries > run->budget->entries ?
	       run->lim.max_entries - run->budget->entries : 0;
	if (unpack_count(run->archive_path, left) > left) {
		unpack_set_status(run, UNPACK_BOMB, "more than %" PRIu64 " entries",
				  run->lim.max_entries);
		return UNPACK_STOP;
	}
	return UNPACK_NEXT;
}

static int unpack_entries(struct unpack_run *run)
{
	struct archive_entry *e;
	int r, step;

	for (;;) {
		r = archive_read_next_header(run->a, &e);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r == ARCHIVE_FATAL) {
			unpack_fail(run, NULL);
			return 0;
		}
		/* WARN: a name libarchive could not convert, handled below */
		if (r < ARCHIVE_WARN) {
			unpack_fail(run, NULL);
			step = ++run->budget->entries > run->lim.max_entries ?
				UNPACK_STOP : UNPACK_NEXT;
		} else if (run->index == 0 &&
			   (step = unpack_first(run)) != UNPACK_NEXT) {
			/* not an archive */
		} else {
			step = unpack_entry(run, e);
		}
		if (step != UNPACK_NEXT)
			return step == UNPACK_ERROR ? -1 : 0;
	}
}

int unpack_archive(const char *archive_path, const char *archive_name,
		   const char *outdir, const struct unpack_limits *limits,
		   struct unpack_budget *budget, unpack_entry_cb *cb, void *ctx,
		   enum unpack_status *status_r, const char **detail_r,
		   const char **error_r)
{
	struct unpack_run run;
	locale_t loc, old = (locale_t)0;
	struct stat st;
	int ret = -1;

	memset(&run, 0, sizeof(run));
	run.fd = run.dirfd = -1;
	run.budget = budget;
	run.archive_path = archive_path;
	run.outdir = outdir;
	run.archive_name = archive_name != NULL ? archive_name : archive_path;
	run.cb = cb;
	run.ctx = ctx;
	unpack_detail[0] = '\0';
	unpack_limits_resolve(limits, &run.lim);

	run.fd = open(archive_path, O_RDONLY | O_CLOEXEC);
	if (run.fd < 0 || fstat(run.fd, &st) < 0) {
		snprintf(unpack_errbuf, sizeof(unpack_errbuf), "open(%s): %s",
			 archive_path, strerror(errno));
		run.error = unpack_errbuf;
		goto out;
	}
	run.dirfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run.dirfd < 0) {
		snprintf(unpack_errbuf, sizeof(unpack_errbuf), "open(%s): %s",
			 outdir, strerror(errno));
		run.error = unpack_errbuf;
		goto out;
	}
	/* bomb when out > ratio_min_bytes and out > max_ratio * in */
	run.out_cap = unpack_cap(&run, (uint64_t)st.st_size);

	/* libarchive converts flagged zip, 7z and pax names to the locale's
	 * charset: it must be UTF-8, for this thread only */
	loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (loc != (locale_t)0)
		old = uselocale(loc);
	run.a = archive_read_new();
	unpack_support(run.a);
	if (archive_read_open_fd(run.a, run.fd, UNPACK_BLOCK_SIZE) != ARCHIVE_OK) {
		unpack_fail(&run, NULL);
		ret = 0;
	} else {
		ret = unpack_entries(&run);
	}
	archive_read_free(run.a);
	if (loc != (locale_t)0) {
		uselocale(old);
		freelocale(loc);
	}
out:
	if (run.fd >= 0)
		(void)close(run.fd);
	if (run.dirfd >= 0)
		(void)close(run.dirfd);
	unpack_rar5_scan_free(&run.rar5);
	buf_free(&run.path);
	buf_free(&run.stored);
	*status_r = run.status;
	*detail_r = ret == 0 && run.status != UNPACK_OK ? unpack_detail : NULL;
	if (ret < 0 && error_r != NULL)
		*error_r = run.error;
	return ret;
}
