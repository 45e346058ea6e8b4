/* jpegdamage: how often each JPEG check finds damage (docs/bench.md).
 *
 *   bench-jpegdamage [-n VARIANTS] PHOTO.jpg...
 *
 * For every photo: the photo itself (must pass both checks), then
 * VARIANTS (default 3) damaged copies of each kind below, each probed
 * with probe_jpeg_decode = no (the default: the structure walk, and a
 * 1/8-scale decode only after a run of zeros) and = yes (the walk, then
 * the decode of every photo). Prints one row a kind: copies, found by
 * each, and the milliseconds each took per photo.
 * Damage is made with a fixed seed: the same photos give the same table.
 *
 * The kinds are what happens to a photo between a phone and a mail: a
 * transfer cut short (truncated), a cut file padded to its size (zeros),
 * a block of the file overwritten (random bytes or zeros: a bad sector,
 * a broken copy), and single flipped bits (bad memory, a bad cable). */
#include "facts.h"
#include "fsutil.h"
#include "probe.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum kind { CLEAN, CUT, CUT_ZERO, RANDOM_4K, RANDOM_64, ZERO_4K, FLIP_1, FLIP_8, NKINDS };

static const char *const kind_name[NKINDS] = {
	"undamaged", "truncated (10-95 %)", "truncated, zero-padded", "4 KiB random bytes",
	"64 random bytes", "4 KiB of zeros", "1 flipped bit", "8 flipped bits",
};

struct tally {
	unsigned n, walk, decode;
	double walk_ms, decode_ms;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* An offset in the second to ninth tenth of the file: past the headers,
 * in the compressed data of any real photo. */
static size_t body_offset(size_t len, size_t room)
{
	size_t lo = len / 10, hi = len - len / 10;

	return hi - lo > room ? lo + next() % (hi - lo - room) : lo;
}

/* The damaged copy; returns its length. */
static size_t damage(enum kind k, const unsigned char *src, size_t len, unsigned char *dst)
{
	size_t off, keep;

	memcpy(dst, src, len);
	switch (k) {
	case CLEAN:
	case NKINDS:
		break;
	case CUT:
		return len / 10 + next() % (len - len / 10 - len / 20);
	case CUT_ZERO:
		keep = len / 10 + next() % (len - len / 10 - len / 20);
		memset(dst + keep, 0, len - keep);
		break;
	case RANDOM_4K:
	case RANDOM_64: {
		size_t n = k == RANDOM_4K ? 4096 : 64;

		off = body_offset(len, n);
		for (size_t i = 0; i < n; i++)
			dst[off + i] = (unsigned char)next();
		break;
	}
	case ZERO_4K:
		off = body_offset(len, 4096);
		memset(dst + off, 0, 4096);
		break;
	case FLIP_1:
	case FLIP_8:
		for (int i = 0; i < (k == FLIP_1 ? 1 : 8); i++) {
			off = body_offset(len, 1);
			dst[off] ^= (unsigned char)(1u << (next() % 8));
		}
		break;
	}
	return len;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool probe_damaged_file(struct probe *p, const char *path, double *ms)
{
	struct facts f;
	const char *error;
	double t0 = now_ms();

	if (probe_file_inproc(p, path, &f, &error) < 0) {
		fprintf(stderr, "jpegdamage: %s: %s\n", path, error);
		exit(1);
	}
	*ms += now_ms() - t0;
	return f.damaged;
}

int main(int argc, char **argv)
{
	struct probe_settings walk_set = { .jpeg_decode = false };
	struct probe_settings dec_set = { .jpeg_decode = true };
	struct probe *walk, *dec;
	struct tally t[NKINDS] = { { 0 } };
	const char *error;
	char tmp[] = "/tmp/jpegdamage.XXXXXX";
	int variants = 3, first = 1, fd;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		variants = atoi(argv[2]);
		first = 3;
	}
	if (first >= argc || variants < 1) {
		fprintf(stderr, "usage: bench-jpegdamage [-n VARIANTS] PHOTO.jpg...\n");
		return 64;
	}
	walk = probe_init(&walk_set, &error);
	dec = probe_init(&dec_set, &error);
	if (walk == NULL || dec == NULL || (fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "jpegdamage: setup failed\n");
		return 1;
	}
	close(fd);
	for (int a = first; a < argc; a++) {
		char *data = NULL;
		size_t len;
		unsigned char *copy;

		if (fsutil_read_file(argv[a], (size_t)1 << 28, &data, &len, &error) < 0 || len < 1024) {
			fprintf(stderr, "jpegdamage: %s: unreadable or too small\n", argv[a]);
			free(data);
			continue;
		}
		copy = xmalloc(len);
		for (int k = 0; k < NKINDS; k++) {
			for (int v = 0; v < (k == CLEAN ? 1 : variants); v++) {
				size_t n = damage((enum kind)k, (unsigned char *)data, len, copy);
				FILE *f = fopen(tmp, "wb");

				if (f == NULL || fwrite(copy, 1, n, f) != n || fclose(f) != 0) {
					fprintf(stderr, "jpegdamage: %s: write failed\n", tmp);
					return 1;
				}
				t[k].n++;
				t[k].walk += probe_damaged_file(walk, tmp, &t[k].walk_ms);
				t[k].decode += probe_damaged_file(dec, tmp, &t[k].decode_ms);
			}
		}
		free(copy);
		free(data);
	}
	unlink(tmp);
	printf("%-26s %7s %16s %16s %10s %10s\n", "damage", "copies", "found: default",
	       "found: decode", "default ms", "decode ms");
	for (int k = 0; k < NKINDS; k++) {
		if (t[k].n == 0)
			continue;
		printf("%-26s %7u %9u %5.1f%% %9u %5.1f%% %10.2f %10.2f\n", kind_name[k], t[k].n,
		       t[k].walk, 100.0 * t[k].walk / t[k].n, t[k].decode,
		       100.0 * t[k].decode / t[k].n, t[k].walk_ms / t[k].n,
		       t[k].decode_ms / t[k].n);
	}
	probe_deinit(&walk);
	probe_deinit(&dec);
	return 0;
}
