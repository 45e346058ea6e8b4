/* libFuzzer target for unpack: any bytes as an archive, written to a
 * scratch file and unpacked into a scratch directory under small limits.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
 *     lib/fuzz-unpack.c lib/unpack.c lib/unpack-name.c lib/unpack-rar5.c \
 *     lib/charset.c lib/buf.c lib/xalloc.c lib/fsutil.c -larchive -lnettle \
 *     -o fuzz-unpack
 *   ./fuzz-unpack -max_total_time=300 CORPUS_DIR */
#include "unpack.h"
#include "fsutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *dir;
	static const struct unpack_limits lim = {
		.max_total_bytes = 4 << 20, .max_entries = 200,
		.ratio_min_bytes = 1 << 20,
	};
	struct unpack_budget budget = { 0, 0, 0 };
	enum unpack_status status;
	const char *detail, *error;
	char *in, *out;
	FILE *fp;

	if (dir == NULL && (dir = fsutil_mkdtemp("fuzz-unpack", NULL)) == NULL)
		abort();
	in = malloc(strlen(dir) + 16);
	out = malloc(strlen(dir) + 16);
	sprintf(in, "%s/in", dir);
	sprintf(out, "%s/out", dir);
	(void)fsutil_rmtree(out, NULL);
	if (fsutil_mkdir_p(out, NULL) < 0 || (fp = fopen(in, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	(void)unpack_archive(in, "fuzz.gz", out, &lim, &budget, NULL, NULL,
			     &status, &detail, &error);
	free(in);
	free(out);
	return 0;
}
