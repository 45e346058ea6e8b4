#ifndef CASEMAIL_TEST_H
#define CASEMAIL_TEST_H
/* test: a tiny table-driven unit test harness printing TAP.
 *
 *   static void test_foo(void) { test_begin("foo"); test_assert(1 + 1 == 2); test_end(); }
 *   int main(void) { static void (*const tests[])(void) = { test_foo, NULL };
 *                    return test_run(tests); }
 *
 * Each test_begin/test_end pair is one TAP line ("ok N - foo" or "not ok N - foo"),
 * failed assertions print "# file:line: ..." diagnostics before it. tests/run.sh
 * adds the lines of every suite up into the closing "N passed, N failed". */
#include <stdbool.h>
#include <stddef.h>

void test_begin(const char *name);
void test_end(void);
/* The assertion functions return whether they passed, for early exits. */
bool test_assert_at(bool ok, const char *expr, const char *file, int line);
bool test_assert_str_at(const char *got, const char *want, const char *expr,
			const char *file, int line);
bool test_assert_int_at(long long got, long long want, const char *expr,
			const char *file, int line);
/* Runs the NULL-terminated table, prints the plan, returns the exit code. */
int test_run(void (*const tests[])(void));
/* A scratch directory for this test binary, created on first use and
 * removed by test_run() at the end (unless TEST_KEEP is set). */
const char *test_tmpdir(void);
/* No child of this process has exited without being reaped (children
 * still running are fine): for tests of code that forks. */
bool test_no_zombie(void);
/* Run "ffmpeg -nostdin -v error -y ARGS" in test_tmpdir() for each of the
 * n argument strings, stopping at the first that fails (printed as a TAP
 * comment). True when all succeeded: test media are made, not committed. */
bool test_ffmpeg(const char *const *args, size_t n);

#define test_assert(expr) test_assert_at(!!(expr), #expr, __FILE__, __LINE__)
#define test_assert_str(got, want) \
	test_assert_str_at((got), (want), #got, __FILE__, __LINE__)
#define test_assert_int(got, want) \
	test_assert_int_at((long long)(got), (long long)(want), #got, __FILE__, __LINE__)

#endif
