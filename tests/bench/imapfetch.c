/* bench-imapfetch: casemaild's fetch stage alone, for `make bench`
 * (tests/bench/bench.py, docs/bench.md).
 *
 *   bench-imapfetch HOST PORT USER PASSWORD_FILE OUTDIR [--no-fsync] [--no-digest]
 *
 * Does what lib/runner.c's runner_imap_fetch() does for every message of
 * INBOX, without the state DB and without checking the mail: connect and
 * SELECT (lib/imap), UID SEARCH for every message, then per UID open
 * OUTDIR/UID.eml.tmp, imap_fetch_to_fd() (UID FETCH BODY.PEEK[] streamed
 * to the file, hashed with SHA-256 on the way), fsync, rename, then the
 * digest's hex and intake_message_id() (the Message-ID from the top
 * header): what the daemon stores. --no-fsync and --no-digest leave those
 * out (--no-digest: no hashing, no Message-ID), to compare the protocol
 * path alone with a raw client that neither syncs nor hashes.
 * Prints "N messages, B bytes, S s" on stdout; 0, or 1 with the error on
 * stderr. Memory: the tool holds one UID list; each message streams. */
#include "imap.h"
#include "intake.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first line of path, without its line end; NULL when unreadable. */
static char *read_line(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

static int fetch_one(struct imap *im, uint32_t uid, const char *outdir, bool sync,
		     bool digest, uint64_t *bytes_r, const char **error_r)
{
	char *path = xasprintf("%s/%u.eml", outdir, uid);
	char *tmp = xasprintf("%s.tmp", path);
	char hex[65], *mid = NULL;
	uint8_t sha256[IMAP_SHA256_SIZE];
	int64_t date = 0;
	uint64_t size = 0;
	int fd, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = strerror(errno);
		goto out;
	}
	if (imap_fetch_to_fd(im, uid, fd, &date, &size, digest ? sha256 : NULL, error_r) < 0) {
		close(fd);
		goto out;
	}
	if (sync && fsync(fd) < 0) {
		*error_r = strerror(errno);
		close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		*error_r = strerror(errno);
		goto out;
	}
	if (digest) {
		intake_sha256_hex(sha256, hex);
		mid = intake_message_id(path);
	}
	*bytes_r += size;
	ret = 0;
out:
	free(mid);
	free(path);
	free(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	const char *error = NULL;
	struct imap_settings s;
	struct imap *im;
	uint32_t *uids = NULL;
	uint64_t bytes = 0;
	size_t n = 0;
	bool sync = true, digest = true, usage = argc < 6;
	char *password;
	double t0;

	for (int i = 6; i < argc; i++) {
		if (strcmp(argv[i], "--no-fsync") == 0)
			sync = false;
		else if (strcmp(argv[i], "--no-digest") == 0)
			digest = false;
		else
			usage = true;
	}
	if (usage) {
		fputs("usage: bench-imapfetch HOST PORT USER PASSWORD_FILE OUTDIR "
		      "[--no-fsync] [--no-digest]\n", stderr);
		return 64;
	}
	password = read_line(argv[4]);
	if (password == NULL) {
		fprintf(stderr, "bench-imapfetch: cannot read %s\n", argv[4]);
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.host = argv[1];
	s.port = (unsigned)strtoul(argv[2], NULL, 10);
	s.tls = IMAP_TLS_NONE;
	s.verify = true;
	s.user = argv[3];
	s.password = password;
	s.timeout_s = 60;

	t0 = now_s();
	im = imap_connect(&s, &error);
	if (im == NULL) {
		fprintf(stderr, "bench-imapfetch: %s\n", error);
		free(password);
		return 1;
	}
	if (imap_search_new(im, 0, NULL, &uids, &n, &error) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (fetch_one(im, uids[i], argv[5], sync, digest, &bytes, &error) < 0)
			goto fail;
	}
	imap_close(&im);
	printf("%zu messages, %" PRIu64 " bytes, %.3f s\n", n, bytes, now_s() - t0);
	free(uids);
	free(password);
	return 0;
fail:
	fprintf(stderr, "bench-imapfetch: %s\n", error != NULL ? error : "failed");
	imap_close(&im);
	free(uids);
	free(password);
	return 1;
}
