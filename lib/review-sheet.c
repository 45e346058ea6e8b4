/* review-sheet: one case's thumbnails and contact sheet (review.h).
 *
 * Each photo or video is decoded in its own sandbox_run() child: the
 * parent opens the file (O_NOFOLLOW, a regular file) and passes it as the
 * child's only descriptor; the child, under the STRICT filter, reads it
 * (pread, mmap without PROT_EXEC), decodes it small and writes back one
 * fixed-size result: the picture scaled to fit its cell, upright. One file
 * per child, so a file that crashes or outruns a limit costs only its own
 * cell. The parent checks the result's size fields, composes the sheet and
 * encodes it and the thumbnails with tjCompress2 (its own pixels, never
 * the file's bytes) into files written beside and renamed into place.
 *
 * JPEG: the header (EXIF orientation by probe_jpeg_orientation()), then
 * tjDecompress2 at the smallest scale (1/8, 1/4, 1/2, 1) whose picture is
 * still at least the cell, then a box filter to the cell with the
 * orientation. A JPEG that libjpeg reports damaged (any warning but the
 * harmless ones probe_jpeg.c knows) is a grey cell. */
#include "review-private.h"
#include "probe.h"
#include "probe-av.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#define RS_DIR_MODE 0750

/* What a decoding child sends back. */
struct rs_result {
	int32_t ok;                      /* 1: w × h pixels in px */
	int32_t w, h;
	unsigned char px[REVIEW_CELL_W * REVIEW_CELL_H * 3];
};

struct rs_ctx {
	int fd;
	uint64_t size;
	enum review_media_kind kind;
};

/* ---- in the child ---- */

/* The scaling factor whose picture of w × h is the smallest still at
 * least tw × th (stored order). */
static tjscalingfactor rs_scale_for(int w, int h, int tw, int th)
{
	tjscalingfactor best = { 1, 1 };
	int n = 0;
	tjscalingfactor *sf = tjGetScalingFactors(&n);

	for (int i = 0; sf != NULL && i < n; i++) {
		if (sf[i].num > sf[i].denom || TJSCALED(w, sf[i]) < tw || TJSCALED(h, sf[i]) < th)
			continue;
		if ((double)sf[i].num / sf[i].denom < (double)best.num / best.denom)
			best = sf[i];
	}
	return best;
}

/* Adobe CMYK (stored inverted) to RGB, in place: 4 bytes in, 3 out. */
static void rs_cmyk_rgb(unsigned char *px, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		const unsigned char *s = px + i * 4;
		unsigned char r = (unsigned char)(s[0] * s[3] / 255);
		unsigned char g = (unsigned char)(s[1] * s[3] / 255);
		unsigned char b = (unsigned char)(s[2] * s[3] / 255);

		px[i * 3] = r;
		px[i * 3 + 1] = g;
		px[i * 3 + 2] = b;
	}
}

static bool rs_tj_ok(tjhandle tj, int r)
{
	return r == 0 || (tjGetErrorCode(tj) != TJERR_FATAL &&
			  probe_jpeg_warning_is_harmless(tjGetErrorStr2(tj)));
}

/* Decode the JPEG data at a scale that fills a cell: out (stored order)
 * and its orientation. 0 or -1. */
static int rs_jpeg_decode(tjhandle tj, const unsigned char *data, size_t len,
			  struct review_image *out, int *o_r)
{
	int w = 0, h = 0, subsamp, cs, fw, fh, pf;
	tjscalingfactor sf;
	bool swap;

	if (!rs_tj_ok(tj, tjDecompressHeader3(tj, data, (unsigned long)len, &w, &h, &subsamp,
					      &cs)) ||
	    w <= 0 || h <= 0 || w > PROBE_DEFAULT_MAX_IMAGE_SIDE ||
	    h > PROBE_DEFAULT_MAX_IMAGE_SIDE ||
	    (uint64_t)w * (uint64_t)h > PROBE_DEFAULT_MAX_IMAGE_PIXELS)
		return -1;
	*o_r = probe_jpeg_orientation(data, len);
	swap = *o_r >= 5;
	review_fit(swap ? h : w, swap ? w : h, REVIEW_CELL_W, REVIEW_CELL_H, &fw, &fh);
	sf = rs_scale_for(w, h, swap ? fh : fw, swap ? fw : fh);
	out->w = TJSCALED(w, sf);
	out->h = TJSCALED(h, sf);
	pf = cs == TJCS_CMYK || cs == TJCS_YCCK ? TJPF_CMYK : TJPF_RGB;
	out->px = xmalloc((size_t)out->w * (size_t)out->h * (size_t)tjPixelSize[pf]);
	if (!rs_tj_ok(tj, tjDecompress2(tj, data, (unsigned long)len, out->px, out->w, 0, out->h,
					pf, TJFLAG_LIMITSCANS | TJFLAG_FASTDCT))) {
		free(out->px);
		out->px = NULL;
		return -1;
	}
	if (pf == TJPF_CMYK)
		rs_cmyk_rgb(out->px, (size_t)out->w * (size_t)out->h);
	return 0;
}

static int rs_jpeg(int fd, uint64_t size, struct review_image *out, int *o_r)
{
	void *map;
	tjhandle tj;
	int ret = -1;

	if (size < 4 || size > PROBE_DEFAULT_MAX_JPEG_BYTES)
		return -1;
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	if ((tj = tjInitDecompress()) != NULL) {
		ret = rs_jpeg_decode(tj, map, (size_t)size, out, o_r);
		tjDestroy(tj);
	}
	(void)munmap(map, (size_t)size);
	return ret;
}

/* The child: the file as a picture fitted to its cell, or ok = 0. */
static int rs_child(void *ctx, void *result, size_t size)
{
	const struct rs_ctx *c = ctx;
	struct rs_result *r = result;
	struct review_image src = { 0, 0, NULL };
	int o = 1, dw, dh;

	if (size != sizeof(*r))
		return 1;
	if ((c->kind == REVIEW_PHOTO ? rs_jpeg(c->fd, c->size, &src, &o) :
	     review_video_poster(c->fd, c->size, REVIEW_CELL_W, REVIEW_CELL_H, &src, &o)) < 0)
		return 0;
	dw = o >= 5 ? src.h : src.w;
	dh = o >= 5 ? src.w : src.h;
	review_fit(dw, dh, REVIEW_CELL_W, REVIEW_CELL_H, &dw, &dh);
	r->w = dw;
	r->h = dh;
	review_scale(src.px, src.w, src.h, o, r->px, dw, dh);
	r->ok = 1;
	free(src.px);
	return 0;
}

/* ---- in the parent ---- */

/* Decode media m of the folder dirfd into cell (px NULL: grey). -1 with
 * *error_r only when no child could be run. */
static int rs_decode(int dirfd, const struct review_media *m, bool can_video,
		     const struct review_settings *set, struct review_image *cell,
		     const char **error_r)
{
	struct sandbox_limits lim = set->limits;
	struct sandbox_report rep;
	struct rs_ctx ctx = { -1, 0, m->kind };
	struct rs_result *r = NULL;
	struct stat st;
	int ret = 0;

	cell->px = NULL;
	if (m->kind == REVIEW_VIDEO && !can_video)
		return 0;
	ctx.fd = openat(dirfd, m->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (ctx.fd < 0 || fstat(ctx.fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	ctx.size = (uint64_t)st.st_size;
	lim.keep_fds = &ctx.fd;
	lim.keep_fds_count = 1;
	if (lim.seccomp == SANDBOX_SECCOMP_DEFAULT)
		lim.seccomp = SANDBOX_SECCOMP_STRICT;
	r = xmalloc(sizeof(*r));
	if (sandbox_run(&lim, rs_child, &ctx, r, sizeof(*r), &rep, error_r) < 0) {
		ret = -1;
		goto out;
	}
	if (rep.outcome == SANDBOX_OK && r->ok == 1 && r->w >= 1 && r->w <= REVIEW_CELL_W &&
	    r->h >= 1 && r->h <= REVIEW_CELL_H) {
		cell->w = r->w;
		cell->h = r->h;
		cell->px = xmalloc((size_t)r->w * (size_t)r->h * 3);
		memcpy(cell->px, r->px, (size_t)r->w * (size_t)r->h * 3);
	}
out:
	if (ctx.fd >= 0)
		close(ctx.fd);
	free(r);
	return ret;
}

/* im as a JPEG written to dirfd/name. */
static int rs_write_jpeg(int dirfd, const char *name, const struct review_image *im,
			 bool sync, const char **error_r)
{
	tjhandle tj = tjInitCompress();
	unsigned char *jpg = NULL;
	unsigned long len = 0;
	int ret = -1;

	if (tj == NULL) {
		*error_r = "tjInitCompress failed";
		return -1;
	}
	if (tjCompress2(tj, im->px, im->w, 0, im->h, TJPF_RGB, &jpg, &len, TJSAMP_420,
			REVIEW_QUALITY, TJFLAG_FASTDCT) < 0)
		*error_r = review_error("%s: tjCompress2: %s", name, tjGetErrorStr2(tj));
	else
		ret = review_write_at(dirfd, name, jpg, len, sync, error_r);
	tjFree(jpg);
	tjDestroy(tj);
	return ret;
}

/* The thumbs folder: made, or there already as a folder. */
static int rs_thumbs_dir(int dirfd, const char *case_dir, const char **error_r)
{
	struct stat st;

	if (mkdirat(dirfd, REVIEW_THUMBS, RS_DIR_MODE) == 0) {
		(void)fchmodat(dirfd, REVIEW_THUMBS, RS_DIR_MODE, 0);
		return 0;
	}
	if (errno == EEXIST && fstatat(dirfd, REVIEW_THUMBS, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	*error_r = review_error("%s/%s: %s", case_dir, REVIEW_THUMBS,
				errno == EEXIST ? "a file of the case has that name" :
				strerror(errno));
	return -1;
}

int review_sheet_top(int dirfd)
{
	struct stat top, ours;

	if (fstatat(dirfd, REVIEW_SHEET, &top, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (fstatat(dirfd, REVIEW_THUMBS "/" REVIEW_SHEET, &ours, AT_SYMLINK_NOFOLLOW) == 0 &&
	    top.st_dev == ours.st_dev && top.st_ino == ours.st_ino)
		return 1;
	return -1;
}

/* contact.jpg beside the files: a hard link to thumbs/contact.jpg. */
static int rs_link_top(int dirfd, const char *case_dir, const char **error_r)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), REVIEW_TMP_PREFIX "%ld-" REVIEW_SHEET, (long)getpid());
	(void)unlinkat(dirfd, tmp, 0);
	if (linkat(dirfd, REVIEW_THUMBS "/" REVIEW_SHEET, dirfd, tmp, 0) < 0 ||
	    renameat(dirfd, tmp, dirfd, REVIEW_SHEET) < 0) {
		*error_r = review_error("%s/%s: %s", case_dir, REVIEW_SHEET, strerror(errno));
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* Thumbnails, the sheet and its link from the decoded cells. */
static int rs_write_all(int dirfd, const char *case_dir, const struct review_image *cells,
			const bool *video, size_t n, const char **error_r)
{
	struct review_image sheet = { 0, 0, NULL };
	int top = review_sheet_top(dirfd), ret = -1;
	char name[64];

	for (size_t i = 0; i < n; i++) {
		struct review_image thumb;
		int r;

		review_thumb(&cells[i], video[i], &thumb);
		snprintf(name, sizeof(name), REVIEW_THUMBS "/%zu.jpg", i + 1);
		r = rs_write_jpeg(dirfd, name, &thumb, false, error_r);
		free(thumb.px);
		if (r < 0)
			goto out;
	}
	review_compose(cells, video, n, &sheet);
	if (rs_write_jpeg(dirfd, REVIEW_THUMBS "/" REVIEW_SHEET, &sheet, true, error_r) < 0)
		goto out;
	ret = top < 0 ? 0 : rs_link_top(dirfd, case_dir, error_r);
out:
	free(sheet.px);
	return ret;
}

static bool rs_want_video(const struct review_media *media, size_t n)
{
	const char *error;

	for (size_t i = 0; i < n; i++) {
		if (media[i].kind == REVIEW_VIDEO)
			return probe_av_load(&error) == 0;   /* else: grey cells */
	}
	return false;
}

int review_case_sheet(const char *case_dir, const struct review_media *media,
		      size_t nmedia, const struct review_settings *set,
		      struct review_stats *stats_r, const char **error_r)
{
	size_t n = nmedia < REVIEW_MAX_CELLS ? nmedia : REVIEW_MAX_CELLS;
	struct review_image *cells = xcalloc(n + 1, sizeof(*cells));
	bool *video = xcalloc(n + 1, sizeof(*video));
	bool can_video = rs_want_video(media, n);
	int dirfd = -1, ret = -1;
	unsigned grey = 0;

	if (n == 0) {
		ret = 0;
		goto out;
	}
	dirfd = open(case_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		*error_r = review_error("%s: %s", case_dir, strerror(errno));
		goto out;
	}
	if (rs_thumbs_dir(dirfd, case_dir, error_r) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		video[i] = media[i].kind == REVIEW_VIDEO;
		if (rs_decode(dirfd, &media[i], can_video, set, &cells[i], error_r) < 0)
			goto out;
		grey += cells[i].px == NULL;
	}
	if (rs_write_all(dirfd, case_dir, cells, video, n, error_r) < 0)
		goto out;
	if (stats_r != NULL) {
		stats_r->sheets++;
		stats_r->cells += (unsigned)n;
		stats_r->grey += grey;
	}
	ret = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	for (size_t i = 0; i < n; i++)
		free(cells[i].px);
	free(cells);
	free(video);
	return ret;
}
