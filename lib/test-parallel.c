/* test-parallel: forked jobs, output in item order, limits, statuses. */
#include "parallel.h"
#include "test.h"
#include "xalloc.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	int running, max_running;
};

static struct shared *shared;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Item i: later items finish first; prints one line to each stream. */
static int job(size_t i, void *ctx)
{
	size_t n = *(size_t *)ctx;
	int now = __atomic_add_fetch(&shared->running, 1, __ATOMIC_SEQ_CST);
	int max = __atomic_load_n(&shared->max_running, __ATOMIC_SEQ_CST);

	while (now > max &&
	       !__atomic_compare_exchange_n(&shared->max_running, &max, now, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	sleep_ms((long)(n - i) * 3);
	printf("out %zu\n", i);
	fprintf(stderr, "err %zu\n", i);
	__atomic_sub_fetch(&shared->running, 1, __ATOMIC_SEQ_CST);
	if (i == 1) {                            /* killed: its written output stays */
		fflush(stdout);
		fflush(stderr);
		raise(SIGKILL);
	}
	return (int)i;
}

/* Run parallel_run with stdout and stderr captured in two files. */
static int run_captured(size_t n, unsigned jobs, int *status, char **out_r, char **err_r)
{
	char *opath = xasprintf("%s/out", test_tmpdir()), *epath = xasprintf("%s/err", test_tmpdir());
	int ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int efd = open(epath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int save1 = dup(STDOUT_FILENO), save2 = dup(STDERR_FILENO), ret;
	const char *error = NULL;
	char buf[4096];
	ssize_t len;

	fflush(stdout);
	fflush(stderr);
	dup2(ofd, STDOUT_FILENO);
	dup2(efd, STDERR_FILENO);
	ret = parallel_run(n, jobs, job, &n, status, &error);
	dup2(save1, STDOUT_FILENO);
	dup2(save2, STDERR_FILENO);
	close(save1);
	close(save2);
	if (ret < 0)
		printf("# parallel_run: %s\n", error);
	len = pread(ofd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	*out_r = xstrdup(buf);
	len = pread(efd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	*err_r = xstrdup(buf);
	close(ofd);
	close(efd);
	free(opath);
	free(epath);
	return ret;
}

static void expect_lines(const char *got, const char *prefix, size_t n)
{
	char want[4096] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s %zu\n", prefix, i);
	test_assert_str(got, want);
}

static void test_parallel_order(void)
{
	int status[12];
	char *out, *err;

	test_begin("parallel_run: 12 jobs, 3 at a time, output in item order");
	shared->running = shared->max_running = 0;
	test_assert_int(run_captured(12, 3, status, &out, &err), 0);
	expect_lines(out, "out", 12);
	expect_lines(err, "err", 12);
	test_assert_int(shared->max_running, 3);
	for (int i = 0; i < 12; i++)
		test_assert_int(status[i], i == 1 ? 128 + SIGKILL : i);
	free(out);
	free(err);
	test_end();
}

static void test_parallel_default_jobs(void)
{
	int status[5];
	char *out, *err;

	test_begin("parallel_run: jobs 0 is one per CPU, one job works");
	shared->running = shared->max_running = 0;
	test_assert_int(run_captured(4, 0, status, &out, &err), 0);
	expect_lines(out, "out", 4);
	test_assert(shared->max_running >= 1 &&
		    shared->max_running <= (int)(parallel_cpus() < 4 ? parallel_cpus() : 4));
	test_assert_int(status[3], 3);
	free(out);
	free(err);
	shared->running = shared->max_running = 0;
	test_assert_int(run_captured(5, 1, status, &out, &err), 0);
	expect_lines(out, "out", 5);
	test_assert_int(shared->max_running, 1);
	free(out);
	free(err);
	test_end();
}

/* A child the caller started itself is not reaped by parallel_run. */
static void test_parallel_other_child(void)
{
	int status[3], st = 0;
	char *out, *err;
	pid_t other;

	test_begin("parallel_run: the caller's own child is left to the caller");
	fflush(stdout);
	other = fork();
	if (other == 0) {
		sleep_ms(50);
		_exit(7);
	}
	test_assert_int(run_captured(3, 2, status, &out, &err), 0);
	sleep_ms(100);
	test_assert_int(waitpid(other, &st, 0), other);
	test_assert(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	free(out);
	free(err);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parallel_order, test_parallel_default_jobs, test_parallel_other_child, NULL
	};

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	return test_run(tests);
}
