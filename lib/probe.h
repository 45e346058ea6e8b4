#ifndef CASEMAIL_PROBE_H
#define CASEMAIL_PROBE_H
/* probe: what a file really is, by its content, and whether it is whole.
 *
 * The kind comes from the bytes (magic numbers, then libmagic), never from
 * the name. Formats the rules care about are checked to the end: JPEG is
 * fully decoded (libjpeg-turbo), video opened and its first frame decoded
 * (libavformat/libavcodec), PDF and OLE2 (.doc/.wps) checked for
 * truncation, DOCX read through with libarchive. See facts.h for what is
 * reported.
 *
 * probe_file() does the work in a sandboxed child (sandbox.h): a file that
 * crashes, hangs or exhausts a parser ends as facts->damaged with a reason
 * such as "probe crashed (signal 11)", and the caller goes on. The parent
 * opens the file; the child reads it through the descriptor it is handed
 * under a seccomp filter that lets it open nothing (sandbox-seccomp.c).
 *
 * The child is a persistent worker (sandbox_worker_*()): started by the
 * first probe_file(), it probes file after file, each with the full
 * per-file limits (wall clock, CPU time), and is replaced by a fresh one
 * after a file crashed it, timed out or hit a limit — that file alone is
 * damaged — and after SANDBOX_WORKER_MAX_CALLS files. A probe used in a
 * forked child starts a worker of its own there (the parent's is left
 * alone); the child should call probe_stop_worker() before it exits, or
 * its worker is left to die with it (PR_SET_PDEATHSIG) and to be reaped
 * by init. With
 * probe_settings.one_shot every file gets a fresh child (sandbox_run()). */
#include "facts.h"
#include "sandbox.h"

#include <stdbool.h>
#include <stdint.h>

#define PROBE_DEFAULT_MAX_JPEG_BYTES (256ULL * 1024 * 1024)
#define PROBE_DEFAULT_MAX_IMAGE_SIDE 30000
#define PROBE_DEFAULT_MAX_IMAGE_PIXELS (300ULL * 1000 * 1000)
#define PROBE_DEFAULT_VIDEO_PROBESIZE (10 * 1000 * 1000)
#define PROBE_DEFAULT_VIDEO_ANALYZEDURATION (10 * 1000 * 1000)

/* Zero in any field means its default. */
struct probe_settings {
	const char *magic_file;          /* libmagic database; NULL = its default */
	struct sandbox_limits limits;    /* for the probe child (sandbox.h defaults,
					  * but seccomp: SANDBOX_SECCOMP_STRICT;
					  * keep_fds is the probe's own) */
	uint64_t max_jpeg_bytes;         /* larger JPEGs are not decoded (damaged); 256 MiB */
	unsigned int max_image_side;     /* declared width or height above: damaged; 30000 */
	uint64_t max_image_pixels;       /* declared width × height above: damaged; 300 M */
	int64_t video_probesize;         /* libavformat probesize, bytes; 10 MB */
	int64_t video_analyzeduration;   /* libavformat analyzeduration, µs; 10 s */
	bool video_no_decode;            /* skip decoding the first video frame */
	bool jpeg_decode;                /* also entropy-decode every JPEG (1/8
					  * scale), not only walk its structure */
	bool one_shot;                   /* a fresh child per file (sandbox_run(),
					  * milliseconds more a file) instead of
					  * the worker */
};

struct probe;

/* Load libmagic (once, here, in the parent: children inherit it). FFmpeg
 * is loaded by the first video probe_file() meets (probe-av.h).
 * Returns NULL with *error_r set (static or thread-local) on failure. */
struct probe *probe_init(const struct probe_settings *set, const char **error_r);
/* Stop and reap the probe's worker (see above), free the probe and set *p
 * to NULL; *p may be NULL. */
void probe_deinit(struct probe **p);
/* Stop and reap this process's worker, if it has one; the next
 * probe_file() starts another. Never touches a worker of the parent's. */
void probe_stop_worker(struct probe *p);

/* Probe the regular file at path in the sandboxed worker and fill *facts_r.
 * Returns 0 when facts_r is filled — including files that are damaged or
 * that made the probe crash, time out or hit a limit (then the kind comes
 * from the magic bytes alone and damage says what happened). Returns -1
 * with *error_r set (thread-local, valid until the next call) on a system
 * error: the file cannot be opened or is not a regular file, fork failed,
 * the sandbox could not be set up, FFmpeg could not be loaded for a video
 * (probe-av.h). Not for concurrent use (one worker). */
int probe_file(struct probe *p, const char *path, struct facts *facts_r,
	       const char **error_r);
/* The same in this process, without a sandbox: for fuzzing and tests. */
int probe_file_inproc(struct probe *p, const char *path, struct facts *facts_r,
		      const char **error_r);
/* probe_file_inproc() that also returns a document's text, as
 * probe_file_report() does. */
int probe_file_inproc_text(struct probe *p, const char *path, struct facts *facts_r,
			   char **text_r, const char **error_r);
/* probe_file(), also returning the sandbox's report (timings, peak RSS)
 * and, when text_r is not NULL, the text of a Word document (DOCX, DOC,
 * WPS) in the doctext format (doctext.h): *text_r malloc'd, NULL for
 * other files. The text comes from the child and is untrusted: read it
 * with doctext_parse(). */
int probe_file_report(struct probe *p, const char *path, struct facts *facts_r,
		      struct sandbox_report *report_r, char **text_r,
		      const char **error_r);

/* ---- for the reviewers' view (review-sheet.c), in its decoding child ---- */

/* The EXIF Orientation (1..8; 1 when absent or invalid) of the JPEG
 * data[0..len), from its marker segments before the first scan. */
int probe_jpeg_orientation(const unsigned char *data, size_t len);
/* Whether libjpeg's warning text msg means no image data was lost. */
bool probe_jpeg_warning_is_harmless(const char *msg);
/* The first frame of the largest video stream of the open file fd (size
 * bytes), read as probe_video() reads it (no protocol, whitelisted
 * demuxers, one thread), decoded into frame (the caller's, from
 * av_frame_alloc() through probe-av.h; the caller unrefs and frees it);
 * *rotation_r: its clockwise display rotation 0/90/180/270. Returns 1
 * with a frame, 0 without one (no video stream, no decoder, no frame),
 * -1 when it is no readable video or FFmpeg is not loaded. */
struct AVFrame;
int probe_video_poster(int fd, uint64_t size, struct AVFrame *frame, int *rotation_r);

#endif
