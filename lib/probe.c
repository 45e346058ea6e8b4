/* probe: libmagic set-up, kind dispatch, and the sandboxed entry point
 * (a persistent sandbox worker, sandbox.h: the file's descriptor goes to
 * it with each request, facts come back).
 *
 * The order of evidence: magic numbers first (probe_sniff.c: exact, and
 * cheap enough to redo in the parent when a child dies), then libmagic's
 * MIME type for what has no fixed signature (text, HTML, mail, scripts),
 * then the format parts, which have the last word (a zip with
 * word/document.xml is a DOCX, an OLE2 file with a Workbook is not a
 * Word document, an ISO BMFF file without a video stream is not video). */
#include "probe_private.h"
#include "doctext.h"
#include "probe-av.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static __thread char probe_err[256];

/* The two libmagic cookies: MIME type and description, never looking
 * inside compressed data (the kind of the container is what we ask). */
#define PROBE_MAGIC_MIME (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS)
#define PROBE_MAGIC_DESC (MAGIC_NONE | MAGIC_NO_CHECK_COMPRESS)

/* libmagic MIME types of programs and scripts: "executable" by content. */
static const char *const probe_exec_mimes[] = {
	"application/x-executable", "application/x-pie-executable",
	"application/x-sharedlib", "application/x-dosexec",
	"application/x-mach-binary", "application/x-msi",
	"application/x-ms-shortcut", "application/x-java-applet",
	"text/x-shellscript", "text/x-msdos-batch", "text/x-script.",
	"text/x-perl", "text/x-python", "text/x-ruby", "text/x-tcl",
	"text/x-php", "text/x-awk",
};

/* Fallbacks by libmagic MIME type (prefix match) when the magic numbers
 * said nothing. */
static const struct { const char *mime; enum facts_kind kind; } probe_mime_kinds[] = {
	{ "message/rfc822", FACTS_KIND_EML }, { "message/news", FACTS_KIND_EML },
	{ "text/html", FACTS_KIND_HTML }, { "text/", FACTS_KIND_TEXT },
	{ "image/heic", FACTS_KIND_HEIC }, { "image/heif", FACTS_KIND_HEIC },
	{ "image/avif", FACTS_KIND_HEIC },
	{ "application/pdf", FACTS_KIND_PDF }, { "application/x-tar", FACTS_KIND_TAR },
	{ "application/x-rar", FACTS_KIND_RAR }, { "application/vnd.rar", FACTS_KIND_RAR },
};

void probe_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void probe_damaged(struct facts *f, const char *fmt, ...)
{
	va_list ap;

	if (f->damaged)
		return;
	f->damaged = true;
	va_start(ap, fmt);
	vsnprintf(f->damage, sizeof(f->damage), fmt, ap);
	va_end(ap);
}

ssize_t probe_pread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

const char *probe_syserror(const char *what)
{
	snprintf(probe_err, sizeof(probe_err), "%s: %s", what, strerror(errno));
	return probe_err;
}

static bool probe_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

struct probe *probe_init(const struct probe_settings *set, const char **error_r)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	if (set != NULL)
		p->set = *set;
	if (p->set.max_jpeg_bytes == 0)
		p->set.max_jpeg_bytes = PROBE_DEFAULT_MAX_JPEG_BYTES;
	if (p->set.max_image_side == 0)
		p->set.max_image_side = PROBE_DEFAULT_MAX_IMAGE_SIDE;
	if (p->set.max_image_pixels == 0)
		p->set.max_image_pixels = PROBE_DEFAULT_MAX_IMAGE_PIXELS;
	if (p->set.video_probesize == 0)
		p->set.video_probesize = PROBE_DEFAULT_VIDEO_PROBESIZE;
	if (p->set.video_analyzeduration == 0)
		p->set.video_analyzeduration = PROBE_DEFAULT_VIDEO_ANALYZEDURATION;
	if (p->set.limits.seccomp == SANDBOX_SECCOMP_DEFAULT)
		p->set.limits.seccomp = SANDBOX_SECCOMP_STRICT;
	p->mime_cookie = magic_open(PROBE_MAGIC_MIME);
	p->desc_cookie = magic_open(PROBE_MAGIC_DESC);
	if (p->mime_cookie == NULL || p->desc_cookie == NULL) {
		*error_r = probe_syserror("magic_open");
		probe_deinit(&p);
		return NULL;
	}
	if (magic_load(p->mime_cookie, p->set.magic_file) != 0 ||
	    magic_load(p->desc_cookie, p->set.magic_file) != 0) {
		const char *e = magic_error(p->mime_cookie);

		if (e == NULL)
			e = magic_error(p->desc_cookie);
		snprintf(probe_err, sizeof(probe_err), "magic_load(%s): %s",
			 p->set.magic_file != NULL ? p->set.magic_file : "default",
			 e != NULL ? e : "failed");
		*error_r = probe_err;
		probe_deinit(&p);
		return NULL;
	}
	if (magic_getparam(p->mime_cookie, MAGIC_PARAM_BYTES_MAX, &p->magic_bytes_max) != 0)
		p->magic_bytes_max = 0;
	/* the time zone, read once here: the child cannot open /etc/localtime
	   (libarchive converts the times of DOCX entries) */
	tzset();
	/* libxml2 (DOCX text) set up here, before any child: its first use
	   would otherwise do it in the child */
	xmlInitParser();
	return p;
}

void probe_deinit(struct probe **pp)
{
	struct probe *p = *pp;

	if (p == NULL)
		return;
	sandbox_worker_stop(&p->worker);
	if (p->mime_cookie != NULL)
		magic_close(p->mime_cookie);
	if (p->desc_cookie != NULL)
		magic_close(p->desc_cookie);
	free(p);
	*pp = NULL;
}

/* Kinds that libmagic, not the magic numbers, has to tell. */
static void probe_by_mime(struct probe_input *in, struct facts *f)
{
	for (size_t i = 0; i < sizeof(probe_exec_mimes) / sizeof(probe_exec_mimes[0]); i++) {
		if (probe_prefix(in->mime, probe_exec_mimes[i])) {
			f->kind = FACTS_KIND_EXECUTABLE;
			return;
		}
	}
	for (size_t i = 0; i < sizeof(probe_mime_kinds) / sizeof(probe_mime_kinds[0]); i++) {
		if (probe_prefix(in->mime, probe_mime_kinds[i].mime)) {
			f->kind = probe_mime_kinds[i].kind;
			return;
		}
	}
}

static int probe_dispatch(struct probe_input *in, const struct probe_sniff *sn,
			  struct facts *f, const char **error_r)
{
	char why[160];

	f->kind = sn->kind;
	switch (sn->kind) {
	case FACTS_KIND_JPEG:
		return probe_jpeg(in, f, error_r);
	case FACTS_KIND_PNG: case FACTS_KIND_GIF: case FACTS_KIND_BMP:
	case FACTS_KIND_WEBP: case FACTS_KIND_TIFF:
		probe_image_size(sn->kind, in->head, in->head_len, f);
		if (sn->kind == FACTS_KIND_TIFF && f->width == 0)
			probe_tiff_size_fd(in->fd, f);
		return 0;
	case FACTS_KIND_PDF:
		return probe_pdf(in, f, error_r);
	case FACTS_KIND_DOC:
		if (strcmp(in->mime, "application/x-msi") == 0) {
			f->kind = FACTS_KIND_EXECUTABLE;
			return 0;
		}
		return probe_ole(in, f, error_r);
	case FACTS_KIND_ZIP:
		if (probe_prefix(in->mime, "application/java-archive") ||
		    probe_prefix(in->mime, "application/vnd.android.package-archive")) {
			f->kind = FACTS_KIND_EXECUTABLE;
			return 0;
		}
		return probe_zip(in, f, error_r);
	case FACTS_KIND_OTHER:
		break;
	default:
		return 0; /* archives, HEIC, executables: the kind is enough */
	}
	if (sn->video || probe_prefix(in->mime, "video/")) {
		int r;

		if (!probe_av_loaded())
			return PROBE_NEED_AV;
		r = probe_video(in, f, why, sizeof(why));
		if (r > 0)
			return 0;
		/* an unreadable container is a damaged video unless libmagic
		 * calls it audio (M4A, MKA); a readable one without a video
		 * stream is audio, whatever its box says */
		if (r < 0 && !probe_prefix(in->mime, "audio/")) {
			f->kind = FACTS_KIND_VIDEO;
			probe_damaged(f, "damaged video: %s", why);
			return 0;
		}
	}
	probe_by_mime(in, f);
	return 0;
}

/* Open path read-only as a regular file.
 * O_NONBLOCK: opening a FIFO must not hang (it is refused right after). */
static int probe_open(const char *path, int *fd_r, uint64_t *size_r, const char **error_r)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		*error_r = probe_syserror(path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = probe_syserror(path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(probe_err, sizeof(probe_err), "%s: not a regular file", path);
		*error_r = probe_err;
		close(fd);
		return -1;
	}
	*fd_r = fd;
	*size_r = (uint64_t)st.st_size;
	return 0;
}

static void probe_facts_init(struct facts *f)
{
	memset(f, 0, sizeof(*f));
	f->duration = -1;
}

/* libmagic's MIME type (fallback if it has no answer) and description
 * (empty if none) of fd into f.
 *
 * libmagic's "soft" magic (its rule database and their regular
 * expressions) costs ~0.2 ms a pass on a small text file, and each cookie
 * makes one. The description is asked first. When soft magic printed
 * nothing in it — the description equals the one libmagic gives without
 * soft magic — no rule matched, or none with anything to print, and the
 * rules carry their MIME types where they carry descriptions: the MIME
 * type without soft magic is then the same as with it (no difference on
 * 110,000 real and generated files; test-probe compares a set of texts
 * with libmagic's full answers), at a fraction of the cost. A small text
 * file takes ~0.3 ms instead of ~0.7 (10,000 of them: 3 s instead of 7).
 *
 * libmagic also allocates its read buffer, MAGIC_PARAM_BYTES_MAX (7 MiB),
 * for every call; a smaller file gets a buffer of its own size plus one:
 * the same bytes are read, and libmagic still sees that they are the
 * whole file (ascmagic counts a final CR only when fewer than the maximum
 * were read). A photo or video whose magic number probe_sniff() knew is
 * described from its first PROBE_MAGIC_MEDIA_BYTES: libmagic's rules for
 * them read the headers at the start (JPEG: the segments up to the frame
 * header, after at most a few 64 KiB APPn segments; ISO BMFF: ftyp), and
 * reading 7 MiB of every 3 MB photo twice was a tenth of a check's time
 * (docs/bench.md). Texts, OLE2 files (their directory may be anywhere),
 * TIFF (so may its IFD) and the unknown are still read in full. */
#define PROBE_MAGIC_MEDIA_BYTES (1024 * 1024)

static bool probe_magic_head_enough(const struct probe_sniff *sn)
{
	switch (sn->kind) {
	case FACTS_KIND_JPEG:
	case FACTS_KIND_PNG:
	case FACTS_KIND_GIF:
	case FACTS_KIND_WEBP:
	case FACTS_KIND_BMP:
	case FACTS_KIND_HEIC:
		return true;
	default:
		return sn->video;
	}
}

static void probe_magic(struct probe *p, int fd, uint64_t size, const unsigned char *head,
			size_t head_len, const struct probe_sniff *sn, struct facts *f)
{
	size_t max = p->magic_bytes_max;
	const char *fallback = sn->mime;
	char desc[1024];
	const char *m, *bare;
	bool no_soft = false;

	if (max > 0) {
		if (max > PROBE_MAGIC_MEDIA_BYTES && probe_magic_head_enough(sn))
			max = PROBE_MAGIC_MEDIA_BYTES;
		if (size < max - 1)
			max = (size_t)size + 1;
		(void)magic_setparam(p->desc_cookie, MAGIC_PARAM_BYTES_MAX, &max);
		(void)magic_setparam(p->mime_cookie, MAGIC_PARAM_BYTES_MAX, &max);
	}

	m = magic_descriptor(p->desc_cookie, fd);
	probe_strlcpy(desc, m != NULL ? m : "", sizeof(desc));
	probe_strlcpy(f->magic, desc, sizeof(f->magic));
	if (m != NULL && strlen(m) < sizeof(desc) - 1 &&
	    magic_setflags(p->desc_cookie, PROBE_MAGIC_DESC | MAGIC_NO_CHECK_SOFT) == 0) {
		/* the head is enough to compare: a file it does not cover
		 * only misses the short cut */
		bare = magic_buffer(p->desc_cookie, head, head_len);
		no_soft = bare != NULL && strcmp(bare, desc) == 0;
		if (magic_setflags(p->desc_cookie, PROBE_MAGIC_DESC) < 0)
			abort(); /* it took these flags before */
	}
	if (no_soft && magic_setflags(p->mime_cookie, PROBE_MAGIC_MIME | MAGIC_NO_CHECK_SOFT) < 0)
		no_soft = false;
	m = magic_descriptor(p->mime_cookie, fd);
	probe_strlcpy(f->mime, m != NULL ? m : fallback, sizeof(f->mime));
	if (no_soft && magic_setflags(p->mime_cookie, PROBE_MAGIC_MIME) < 0)
		abort();
}

/* The probe of an open regular file of the given size (path: for
 * messages only): 0, -1 or PROBE_NEED_AV. Does not close fd. */
static int probe_fd(struct probe *p, const char *path, int fd, uint64_t size,
		    struct facts *f, struct buf *text, const char **error_r)
{
	unsigned char *head = xmalloc(PROBE_HEAD_SIZE);
	struct probe_input in = { .set = &p->set, .path = path, .fd = fd, .size = size,
				  .head = head, .text = text };
	struct probe_sniff sn;
	ssize_t n;
	int ret;

	if ((n = probe_pread(fd, head, PROBE_HEAD_SIZE, 0)) < 0) {
		*error_r = probe_syserror(path);
		free(head);
		return -1;
	}
	in.head_len = (size_t)n;
	probe_sniff(head, in.head_len, &sn);
	probe_magic(p, fd, size, head, in.head_len, &sn, f);
	/* libmagic's "don't know" and its generic zip yield to what we know */
	if (sn.mime[0] != '\0' && strcmp(f->mime, "application/octet-stream") == 0)
		probe_strlcpy(f->mime, sn.mime, sizeof(f->mime));
	in.mime = f->mime;
	ret = probe_dispatch(&in, &sn, f, error_r);
	if (f->kind == FACTS_KIND_DOCX && strcmp(f->mime, "application/zip") == 0)
		probe_strlcpy(f->mime, "application/vnd.openxmlformats-officedocument."
			      "wordprocessingml.document", sizeof(f->mime));
	free(head);
	return ret;
}

int probe_file_inproc_text(struct probe *p, const char *path, struct facts *f,
			   char **text_r, const char **error_r)
{
	struct buf text = BUF_INIT;
	uint64_t size;
	int fd, ret;

	probe_facts_init(f);
	if (text_r != NULL)
		*text_r = NULL;
	if (probe_open(path, &fd, &size, error_r) < 0)
		return -1;
	ret = probe_fd(p, path, fd, size, f, &text, error_r);
	if (ret == PROBE_NEED_AV) {
		/* no sandbox here: FFmpeg may be loaded right away (probe-av.h) */
		probe_facts_init(f);
		buf_truncate(&text, 0);
		ret = probe_av_load(error_r) < 0 ? -1 :
		      probe_fd(p, path, fd, size, f, &text, error_r);
	}
	close(fd);
	if (ret == 0 && text_r != NULL && text.len > 0)
		*text_r = buf_steal(&text);
	buf_free(&text);
	return ret;
}

int probe_file_inproc(struct probe *p, const char *path, struct facts *f,
		      const char **error_r)
{
	return probe_file_inproc_text(p, path, f, NULL, error_r);
}

void probe_stop_worker(struct probe *p)
{
	sandbox_worker_stop(&p->worker);
}

/* ---- the sandboxed version ---- */

/* One-shot (sandbox_run()): the job is in the child's copy of memory. */
struct probe_job {
	struct probe *p;
	const char *path;
	int fd;                          /* opened by the parent, inherited */
	uint64_t size;
};

struct probe_reply {
	int ret;
	char error[256];
	struct facts facts;
	uint32_t text_len;               /* of a document's text (doctext.h) */
	char text[DOCTEXT_MAX];
};

/* Worker: what travels with the descriptor. The path is for messages. */
struct probe_request {
	uint64_t size;
	char path[512];
};

static void probe_in_child(struct probe *p, const char *path, int fd, uint64_t size,
			   struct probe_reply *reply)
{
	const char *error = NULL;

	struct buf text = BUF_INIT;

	probe_facts_init(&reply->facts);
	reply->ret = probe_fd(p, path, fd, size, &reply->facts, &text, &error);
	if (reply->ret < 0)
		probe_strlcpy(reply->error, error != NULL ? error : "failed",
			      sizeof(reply->error));
	reply->text_len = text.len < DOCTEXT_MAX ? (uint32_t)text.len : DOCTEXT_MAX;
	if (reply->text_len > 0)
		memcpy(reply->text, text.data, reply->text_len);
	buf_free(&text);
}

static int probe_child(void *ctx, void *result, size_t size)
{
	struct probe_job *job = ctx;

	(void)size;
	probe_in_child(job->p, job->path, job->fd, job->size, result);
	return 0;
}

static int probe_serve(void *ctx, const void *request, size_t req_size, int fd,
		       void *result, size_t result_size)
{
	const struct probe_request *req = request;
	char path[sizeof(req->path)];

	(void)req_size;
	(void)result_size;
	probe_strlcpy(path, req->path, sizeof(path));
	probe_in_child(ctx, path, fd, req->size, result);
	return 0;
}

/* The file at job->fd in the worker (started now if need be) or, with
 * one_shot, in a child of its own. */
static int probe_sandboxed(struct probe *p, struct probe_job *job, struct probe_reply *reply,
			   struct sandbox_report *report, const char **error_r)
{
	struct sandbox_limits lim = p->set.limits;
	struct probe_request req;

	if (p->set.one_shot) {
		lim.keep_fds = &job->fd;
		lim.keep_fds_count = 1;
		return sandbox_run(&lim, probe_child, job, reply, sizeof(*reply), report,
				   error_r);
	}
	lim.keep_fds = NULL;
	lim.keep_fds_count = 0;
	if (p->worker == NULL &&
	    sandbox_worker_start(&lim, probe_serve, p, sizeof(req), sizeof(*reply),
				 &p->worker, error_r) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.size = job->size;
	probe_strlcpy(req.path, job->path, sizeof(req.path));
	return sandbox_worker_call(p->worker, &req, job->fd, reply, report, error_r);
}

int probe_file_report(struct probe *p, const char *path, struct facts *f,
		      struct sandbox_report *report, char **text_r, const char **error_r)
{
	struct probe_job job = { p, path, -1, 0 };
	struct probe_reply reply;
	unsigned char head[4096];
	struct probe_sniff sn;
	ssize_t len;
	int ret = -1;

	probe_facts_init(f);
	if (text_r != NULL)
		*text_r = NULL;
	/* The parent opens the file and hands the child the descriptor:
	 * under its seccomp filter the child cannot open anything. */
	if (probe_open(path, &job.fd, &job.size, error_r) < 0)
		return -1;
	if (job.fd < 3) {
		/* the child's stdio would take its place */
		int fd = fcntl(job.fd, F_DUPFD_CLOEXEC, 3);
		close(job.fd);
		if ((job.fd = fd) < 0) {
			*error_r = probe_syserror(path);
			return -1;
		}
	}
	if (probe_sandboxed(p, &job, &reply, report, error_r) < 0)
		goto out;
	if (report->outcome == SANDBOX_OK && reply.ret == PROBE_NEED_AV) {
		/* a video, and the child has no FFmpeg and cannot load it: load
		 * it here and ask a child forked from now on (probe-av.h) */
		if (probe_av_load(error_r) < 0)
			goto out;
		probe_stop_worker(p);
		if (probe_sandboxed(p, &job, &reply, report, error_r) < 0)
			goto out;
	}
	if (report->outcome == SANDBOX_OK) {
		if (reply.ret == PROBE_NEED_AV) {
			*error_r = "probe child: FFmpeg still not loaded";
			goto out;
		}
		if (reply.ret < 0) {
			reply.error[sizeof(reply.error) - 1] = '\0';
			probe_strlcpy(probe_err, reply.error, sizeof(probe_err));
			*error_r = probe_err;
			goto out;
		}
		*f = reply.facts;
		facts_sanitize(f); /* the worker is not trusted to hand back well-formed facts */
		/* nor its text: doctext_parse() checks it where it is used */
		if (text_r != NULL && reply.text_len > 0 && reply.text_len <= DOCTEXT_MAX &&
		    (f->kind == FACTS_KIND_DOCX || f->kind == FACTS_KIND_DOC))
			*text_r = xstrndup(reply.text, reply.text_len);
		ret = 0;
		goto out;
	}
	/* The child died: the magic numbers alone say what it was. */
	if ((len = probe_pread(job.fd, head, sizeof(head), 0)) < 0) {
		*error_r = probe_syserror(path);
		goto out;
	}
	probe_sniff(head, (size_t)len, &sn);
	f->kind = sn.video ? FACTS_KIND_VIDEO : sn.kind;
	probe_strlcpy(f->mime, sn.mime, sizeof(f->mime));
	probe_damaged(f, "probe %s", report->reason);
	ret = 0;
out:
	close(job.fd);
	return ret;
}

int probe_file(struct probe *p, const char *path, struct facts *f,
	       const char **error_r)
{
	struct sandbox_report report;

	return probe_file_report(p, path, f, &report, NULL, error_r);
}
