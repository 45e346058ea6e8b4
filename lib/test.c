/* test: TAP-printing unit test harness (see test.h). Linked into the
 * library so every lib/test-*.c can use it; it has no effect otherwise. */
#include "test.h"
#include "fsutil.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *test_name;
static bool test_failed;
static int test_count, test_failures;
static char *tmpdir;

void test_begin(const char *name)
{
	test_name = name;
	test_failed = false;
}

void test_end(void)
{
	test_count++;
	if (test_failed)
		test_failures++;
	printf("%sok %d - %s\n", test_failed ? "not " : "", test_count, test_name);
	fflush(stdout);
	test_name = NULL;
}

bool test_assert_at(bool ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		printf("# %s:%d: assertion failed: %s\n", file, line, expr);
		test_failed = true;
	}
	return ok;
}

bool test_assert_str_at(const char *got, const char *want, const char *expr,
			const char *file, int line)
{
	if (got == NULL || want == NULL ? got != want : strcmp(got, want) != 0) {
		printf("# %s:%d: %s is \"%s\", want \"%s\"\n", file, line, expr,
		       got ? got : "(null)", want ? want : "(null)");
		test_failed = true;
		return false;
	}
	return true;
}

bool test_assert_int_at(long long got, long long want, const char *expr,
			const char *file, int line)
{
	if (got != want) {
		printf("# %s:%d: %s is %lld, want %lld\n", file, line, expr, got, want);
		test_failed = true;
		return false;
	}
	return true;
}

const char *test_tmpdir(void)
{
	if (tmpdir == NULL) {
		const char *error;

		tmpdir = fsutil_mkdtemp("casemail-test", &error);
		if (tmpdir == NULL) {
			printf("Bail out! %s\n", error);
			exit(1);
		}
	}
	return tmpdir;
}

int test_run(void (*const tests[])(void))
{
	for (size_t i = 0; tests[i] != NULL; i++)
		tests[i]();
	printf("1..%d\n", test_count);
	if (tmpdir != NULL && getenv("TEST_KEEP") == NULL)
		(void)fsutil_rmtree(tmpdir, NULL);
	free(tmpdir);
	return test_failures == 0 ? 0 : 1;
}

bool test_no_zombie(void)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return info.si_pid == 0;
}

bool test_ffmpeg(const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *cmd = xasprintf("cd '%s' && ffmpeg -nostdin -v error -y %s",
				      test_tmpdir(), args[i]);
		bool ok = system(cmd) == 0;

		if (!ok)
			printf("# failed: %s\n", cmd);
		free(cmd);
		if (!ok)
			return false;
	}
	return true;
}
