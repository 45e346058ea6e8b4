/* Tests for probe-av: FFmpeg is loaded only when a video is probed, by
 * the process that may load it (not the sandboxed probe child), and a
 * failed load is an error, not a damaged video.
 *
 * Order matters: this process must not have FFmpeg until the test that
 * loads it; the tests that need a process without it before then run in
 * forked children, which report through their exit status. */
#include "buf.h"
#include "extract-worker.h"
#include "fsutil.h"
#include "landlock.h"
#include "probe.h"
#include "probe-av.h"
#include "test.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static struct probe *probe;
static bool media_ok;
static char *video, *photo;

static void make_media(void)
{
	static const char *const jobs[] = {
		("-f lavfi -i testsrc=size=320x240:rate=5 -t 1 -c:v libx264 -pix_fmt yuv420p "
		 "v.mp4"),
		"-f lavfi -i testsrc=size=320x240 -frames:v 1 photo.jpg",
	};

	media_ok = test_ffmpeg(jobs, sizeof(jobs) / sizeof(jobs[0]));
	video = xasprintf("%s/v.mp4", test_tmpdir());
	photo = xasprintf("%s/photo.jpg", test_tmpdir());
}

/* The facts of v.mp4, probed whole; prints what differs. */
static bool video_facts_ok(const struct facts *f)
{
	bool ok = f->kind == FACTS_KIND_VIDEO && !f->damaged &&
		  strcmp(f->codec, "h264") == 0 && strcmp(f->container, "mp4") == 0 &&
		  f->coded_width == 320 && f->coded_height == 240 &&
		  fabs(f->duration - 1.0) < 0.01;

	if (!ok)
		printf("# video facts: kind %s, codec \"%s\", container \"%s\", %dx%d, "
		       "%.2f s, damage \"%s\"\n", facts_kind_name(f->kind), f->codec,
		       f->container, f->coded_width, f->coded_height, f->duration,
		       f->damaged ? f->damage : "");
	return ok;
}

/* Run fn in a forked child; its return value is the exit status. */
static int in_child(int (*fn)(void))
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int r = fn();

		fflush(stdout);
		_exit(r);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_not_loaded(void)
{
	struct facts f;
	const char *error = NULL;

	test_begin("probe-av: not loaded at start; a photo does not load it");
	test_assert(!probe_av_loaded());
	test_assert(AV(avformat_open_input) == NULL);
	if (test_assert(media_ok)) {
		test_assert_int(probe_file(probe, photo, &f, &error), 0);
		test_assert_str(facts_kind_name(f.kind), "jpeg");
		test_assert_int(probe_file_inproc(probe, photo, &f, &error), 0);
		test_assert_str(facts_kind_name(f.kind), "jpeg");
	}
	test_assert(!probe_av_loaded());
	test_end();
}

/* A mail with v.mp4 attached (base64, 76 a line). */
static char *write_video_mail(void)
{
	char *path = xasprintf("%s/video.eml", test_tmpdir()), *data = NULL, *b64;
	struct buf m = BUF_INIT;
	size_t len = 0;
	const char *error;
	FILE *out;

	if (fsutil_read_file(video, 1 << 24, &data, &len, &error) < 0) {
		printf("# %s\n", error);
		free(path);
		return NULL;
	}
	b64 = xmalloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
	base64_encode_raw(b64, len, (const uint8_t *)data);
	buf_puts(&m, "From: a@example.org\r\nTo: b@example.org\r\nSubject: video\r\n"
		 "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
		 "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nvideo\r\n"
		 "--B\r\nContent-Type: video/mp4; name=\"v.mp4\"\r\n"
		 "Content-Disposition: attachment; filename=\"v.mp4\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t i = 0, n = BASE64_ENCODE_RAW_LENGTH(len); i < n; i += 76) {
		buf_append(&m, b64 + i, n - i < 76 ? n - i : 76);
		buf_puts(&m, "\r\n");
	}
	buf_puts(&m, "--B--\r\n");
	if ((out = fopen(path, "wb")) == NULL || fwrite(m.data, 1, m.len, out) != m.len) {
		printf("# cannot write %s\n", path);
		free(path);
		path = NULL;
	}
	if (out != NULL)
		fclose(out);
	buf_free(&m);
	free(b64);
	free(data);
	return path;
}

/* The CLI's path: the per-mail worker (seccomp, Landlock) loads FFmpeg
 * for its video, the process that started it does not. */
static void test_extract_worker(void)
{
	char *eml = media_ok ? write_video_mail() : NULL;
	char *dir = xasprintf("%s/work", test_tmpdir());
	struct extract *ex = NULL;
	const char *error = NULL;
	size_t videos = 0;

	test_begin("extract worker: the video's facts; FFmpeg loaded there, not here");
	if (test_assert(eml != NULL) && test_assert(fsutil_mkdir_p(dir, &error) == 0) &&
	    test_assert(extract_mail_isolated(eml, dir, NULL, probe, &ex, &error) == 0)) {
		for (size_t i = 0; i < ex->nfiles; i++) {
			if (strcmp(ex->files[i].path, "v.mp4") != 0)
				continue;
			videos++;
			test_assert(video_facts_ok(&ex->files[i].facts));
		}
		test_assert_int(videos, 1);
	} else if (error != NULL) {
		printf("# %s\n", error);
	}
	test_assert(!probe_av_loaded());
	extract_free(&ex);
	free(eml);
	free(dir);
	test_end();
}

/* Without /usr (Landlock) FFmpeg cannot be loaded: the video is an error,
 * a photo still probes. 77: no Landlock here. */
static int child_unloadable(void)
{
	const char *ro[] = { test_tmpdir(), "/proc", "/dev/null" };
	const char *error = NULL;
	struct facts f;
	int bad = 0, abi;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (abi = landlock_confine(NULL, ro, 3, &error)) < 0) {
		printf("# landlock: %s\n", error != NULL ? error : strerror(errno));
		return 1;
	}
	if (abi == 0)
		return 77;
	if (probe_file(probe, video, &f, &error) != -1 || error == NULL ||
	    strstr(error, "cannot load FFmpeg for videos: libav") == NULL) {
		printf("# sandboxed: %s\n", error != NULL ? error : "no error");
		bad |= 2;
	}
	error = NULL;
	if (probe_file_inproc(probe, video, &f, &error) != -1 || error == NULL ||
	    strstr(error, "cannot load FFmpeg for videos: libav") == NULL) {
		printf("# in process: %s\n", error != NULL ? error : "no error");
		bad |= 4;
	}
	if (probe_file(probe, photo, &f, &error) != 0 || f.kind != FACTS_KIND_JPEG)
		bad |= 8;
	if (probe_av_loaded())
		bad |= 16;
	probe_stop_worker(probe);
	return bad;
}

static void test_unloadable(void)
{
	int r;

	test_begin("probe_file: FFmpeg that cannot be loaded is an error, not damage");
	if (test_assert(media_ok)) {
		r = in_child(child_unloadable);
		if (r == 77)
			printf("# this kernel has no Landlock: not tested\n");
		else
			test_assert_int(r, 0);
	}
	test_end();
}

/* A process of its own for each way in, each starting without FFmpeg. */
static int child_one_shot(void)
{
	struct probe_settings set = { .one_shot = true };
	const char *error = NULL;
	struct probe *p = probe_init(&set, &error);
	struct facts f;
	int bad = 0;

	if (p == NULL || probe_file(p, video, &f, &error) != 0 || !video_facts_ok(&f))
		bad |= 2;
	if (!probe_av_loaded())
		bad |= 4;
	probe_deinit(&p);
	return bad;
}

static int child_inproc(void)
{
	const char *error = NULL;
	struct facts f;
	int bad = 0;

	if (probe_file_inproc(probe, video, &f, &error) != 0 || !video_facts_ok(&f))
		bad |= 2;
	if (!probe_av_loaded())
		bad |= 4;
	return bad;
}

static void test_one_shot_inproc(void)
{
	test_begin("probe_file one_shot and probe_file_inproc load FFmpeg for a video");
	if (test_assert(media_ok)) {
		test_assert_int(in_child(child_one_shot), 0);
		test_assert_int(in_child(child_inproc), 0);
	}
	test_assert(!probe_av_loaded());
	test_end();
}

/* The worker that answered "needs FFmpeg" is replaced and reaped. */
static void test_worker_loads(void)
{
	struct facts f, g;
	const char *error = NULL;

	test_begin("probe_file: the worker asks, this process loads, a new worker probes");
	if (test_assert(media_ok) &&
	    test_assert_int(probe_file(probe, video, &f, &error), 0)) {
		test_assert(video_facts_ok(&f));
		test_assert(probe_av_loaded());
		test_assert(test_no_zombie());
		/* the new worker has it: the same facts, in process too */
		test_assert_int(probe_file(probe, video, &g, &error), 0);
		test_assert(memcmp(&f, &g, sizeof(f)) == 0);
		test_assert_int(probe_file_inproc(probe, video, &g, &error), 0);
		test_assert(memcmp(&f, &g, sizeof(f)) == 0);
	}
	test_end();
}

static void test_table(void)
{
	const char *error = NULL;
	size_t missing = 0;

	test_begin("probe_av_load: idempotent; every function of the table resolved");
	test_assert_int(probe_av_load(&error), 0);
	test_assert_int(probe_av_load(&error), 0);
	test_assert(probe_av_loaded());
#define TEST_AV_RESOLVED(lib, name) \
	if (AV(name) == NULL) { printf("# %s unresolved\n", #name); missing++; }
	PROBE_AV_FUNCTIONS(TEST_AV_RESOLVED)
#undef TEST_AV_RESOLVED
	test_assert_int(missing, 0);
	test_assert_str(PROBE_AV_ERR2STR(AVERROR_EOF), "End of file");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_not_loaded, test_extract_worker, test_unloadable,
		test_one_shot_inproc, test_worker_loads, test_table, NULL,
	};
	const char *error;
	int ret;

	probe = probe_init(NULL, &error);
	if (probe == NULL) {
		printf("Bail out! probe_init: %s\n", error);
		return 1;
	}
	make_media();
	ret = test_run(tests);
	probe_deinit(&probe);
	free(video);
	free(photo);
	return ret;
}
