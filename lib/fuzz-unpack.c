/* libFuzzer target for unpack: any bytes as an archive (docs/fuzzing.md).
 *
 * Feeds: the input written to a scratch file and unpacked into a fresh
 * scratch directory under small limits (4 MiB out, 200 entries, ratio
 * test from 1 MiB, 255-byte names). The sender's archive name, which
 * names the content of a single compressed file, is picked by the input
 * length from "fuzz.zip", "x.docx.gz", "a.tar.bz2", "名字.xz", "noext",
 * "b.zst".
 *
 * Asserts beyond "no crash", per entry (the callback):
 *  - exactly one of: stored_path, is_dir, unsafe, encrypted;
 *  - path non-empty (unless refused as "empty name"), well-formed UTF-8,
 *    at most max_name_bytes, no control bytes, no backslash; unless
 *    refused: no empty, "." or ".." component, not absolute;
 *  - a stored file lies in the output directory, is a regular file of
 *    exactly size bytes whose SHA-256 is sha256;
 * and per archive:
 *  - return 0 with a status and a detail exactly when not OK (one line of
 *    UTF-8), or -1 with an error;
 *  - the budget never exceeds the limits (bytes, entries + 1 for the
 *    entry that tripped it);
 *  - the output directory holds exactly the stored files reported: a
 *    damaged entry's partial file is gone, nothing else was written. */
#include "fuzz-common.h"
#include "charset.h"
#include "fsutil.h"
#include "unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_NAME 255

static const struct unpack_limits lim = {
	.max_total_bytes = 4 << 20, .max_entries = 200,
	.ratio_min_bytes = 1 << 20, .max_name_bytes = MAX_NAME,
};

struct seen {
	const char *out;
	size_t stored;
	uint64_t bytes;
};

static void check_path(const struct unpack_entry *e)
{
	const char *p = e->path;
	size_t n;

	FUZZ_CHECK(p != NULL);
	n = strlen(p);
	if (n == 0 || n > MAX_NAME)
		fprintf(stderr, "path \"%s\" (%zu bytes, unsafe: %s)\n", p, n,
			e->unsafe != NULL ? e->unsafe : "no");
	FUZZ_CHECK(n <= MAX_NAME);
	FUZZ_CHECK(n > 0 || (e->unsafe != NULL && strcmp(e->unsafe, "empty name") == 0));
	FUZZ_CHECK(charset_is_utf8(p, n));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\');
	if (e->unsafe != NULL)
		return; /* an absolute path or ".." is why it was refused */
	FUZZ_CHECK(p[0] != '/');
	for (const char *s = p;;) {
		const char *slash = strchr(s, '/');
		size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!(len == 1 && s[0] == '.'));
		FUZZ_CHECK(!(len == 2 && s[0] == '.' && s[1] == '.'));
		if (slash == NULL)
			break;
		s = slash + 1;
	}
}

static int entry_cb(void *ctx, const struct unpack_entry *e)
{
	struct seen *seen = ctx;
	int kinds = (e->stored_path != NULL) + e->is_dir + (e->unsafe != NULL) + e->encrypted;

	FUZZ_CHECK(kinds == 1);
	check_path(e);
	if (e->stored_path != NULL) {
		size_t olen = strlen(seen->out);
		struct sha256_ctx sha;
		uint8_t digest[SHA256_DIGEST_SIZE], buf[65536];
		struct stat st;
		uint64_t total = 0;
		ssize_t r;
		int fd;

		FUZZ_CHECK(strncmp(e->stored_path, seen->out, olen) == 0 &&
			   e->stored_path[olen] == '/' &&
			   strchr(e->stored_path + olen + 1, '/') == NULL);
		fd = open(e->stored_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		FUZZ_CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
		FUZZ_CHECK((uint64_t)st.st_size == e->size);
		sha256_init(&sha);
		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			sha256_update(&sha, (size_t)r, buf);
			total += (uint64_t)r;
		}
		FUZZ_CHECK(r == 0 && total == e->size);
		close(fd);
		sha256_digest(&sha, sizeof(digest), digest);
		FUZZ_CHECK(memcmp(digest, e->sha256, sizeof(digest)) == 0);
		seen->stored++;
		seen->bytes += e->size;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"fuzz.zip", "x.docx.gz", "a.tar.bz2", "名字.xz", "noext", "b.zst",
	};
	const char *dir = fuzz_scratch("fuzz-unpack");
	struct unpack_budget budget = { 0 };
	enum unpack_status status = UNPACK_OK;
	const char *detail = NULL, *error = NULL;
	struct seen seen = { NULL, 0, 0 };
	char in[4096], out[4096];
	struct dirent *de;
	size_t files = 0;
	DIR *d;
	FILE *fp;
	int r;

	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	(void)fsutil_rmtree(out, NULL);
	if (fsutil_mkdir_p(out, NULL) < 0 || (fp = fopen(in, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	seen.out = out;
	r = unpack_archive(in, names[size % 6], out, &lim, &budget, entry_cb, &seen,
			   &status, &detail, &error);
	if (r == 0) {
		FUZZ_CHECK(status >= UNPACK_OK && status <= UNPACK_BOMB);
		FUZZ_CHECK((status == UNPACK_OK) == (detail == NULL));
		if (detail != NULL)
			FUZZ_CHECK(detail[0] != '\0' && strchr(detail, '\n') == NULL &&
				   charset_is_utf8(detail, strlen(detail)));
		FUZZ_CHECK(strcmp(unpack_status_name(status), "?") != 0);
	} else {
		FUZZ_CHECK(r == -1 && error != NULL && error[0] != '\0');
	}
	FUZZ_CHECK(budget.bytes_out <= lim.max_total_bytes);
	FUZZ_CHECK(budget.entries <= lim.max_entries + 1);
	FUZZ_CHECK(seen.bytes <= lim.max_total_bytes);
	d = opendir(out);
	FUZZ_CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			files++;
	}
	closedir(d);
	if (files != seen.stored)
		fprintf(stderr, "%zu files in the output, %zu reported\n", files, seen.stored);
	FUZZ_CHECK(files == seen.stored);
	return 0;
}
