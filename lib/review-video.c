/* review-video: a video's poster for the contact sheet, in the decoding
 * child — the first frame (probe_video_poster(), probe_video.c: the same
 * guarded demuxing and decoding as the probe) turned into a small RGB
 * picture here, without libswscale: the luma is box-averaged over k × k
 * blocks, the chroma sampled at each block's centre, then BT.601 or
 * BT.709, limited or full range, to RGB. Pixel formats other than the
 * planar and semi-planar YUV of phones and cameras (8 and 10 bits) and
 * grey give no picture (a grey cell). */
#include "review-private.h"
#include "probe.h"
#include "probe-av.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct rv_layout {
	int sx, sy;                     /* chroma subsampling shifts */
	int depth;                      /* bits per sample: 8 or 10 (16-bit LE words) */
	int chroma;                     /* 0: grey; 1: U, V planes; 2: UV interleaved; 3: VU */
	bool full;                      /* full ("JPEG") range */
};

static bool rv_layout(const AVFrame *f, struct rv_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->depth = 8;
	l->chroma = 1;
	switch ((enum AVPixelFormat)f->format) {
	case AV_PIX_FMT_YUVJ420P: l->full = true; /* fall through */
	case AV_PIX_FMT_YUV420P: l->sx = l->sy = 1; break;
	case AV_PIX_FMT_YUVJ422P: l->full = true; /* fall through */
	case AV_PIX_FMT_YUV422P: l->sx = 1; break;
	case AV_PIX_FMT_YUVJ444P: l->full = true; /* fall through */
	case AV_PIX_FMT_YUV444P: break;
	case AV_PIX_FMT_YUVJ440P: l->full = true; /* fall through */
	case AV_PIX_FMT_YUV440P: l->sy = 1; break;
	case AV_PIX_FMT_YUV411P: l->sx = 2; break;
	case AV_PIX_FMT_NV12: l->sx = l->sy = 1; l->chroma = 2; break;
	case AV_PIX_FMT_NV21: l->sx = l->sy = 1; l->chroma = 3; break;
	case AV_PIX_FMT_YUV420P10LE: l->sx = l->sy = 1; l->depth = 10; break;
	case AV_PIX_FMT_YUV422P10LE: l->sx = 1; l->depth = 10; break;
	case AV_PIX_FMT_YUV444P10LE: l->depth = 10; break;
	case AV_PIX_FMT_GRAY8: l->chroma = 0; break;
	default: return false;
	}
	if (f->color_range == AVCOL_RANGE_JPEG)
		l->full = true;
	return f->width > 0 && f->height > 0 && f->data[0] != NULL &&
	       (l->chroma == 0 || f->data[1] != NULL) && (l->chroma != 1 || f->data[2] != NULL);
}

/* One sample of plane at (x, y), scaled to 8 bits. */
static unsigned rv_sample(const AVFrame *f, const struct rv_layout *l, int plane, int x, int y)
{
	const uint8_t *row = f->data[plane] + (ptrdiff_t)y * f->linesize[plane];

	if (l->depth > 8) {
		const uint8_t *p = row + (size_t)x * 2;

		return (unsigned)(p[0] | p[1] << 8) >> (l->depth - 8) & 0xff;
	}
	return row[x];
}

static unsigned char rv_clamp(double v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

static void rv_rgb(const struct rv_layout *l, bool bt709, unsigned y, unsigned cb,
		   unsigned cr, unsigned char *out)
{
	double Y = l->full ? y : ((double)y - 16) * 255.0 / 219.0;
	double u = l->full ? (double)cb - 128 : ((double)cb - 128) * 255.0 / 224.0;
	double v = l->full ? (double)cr - 128 : ((double)cr - 128) * 255.0 / 224.0;

	if (l->chroma == 0)
		u = v = 0;
	if (bt709) {
		out[0] = rv_clamp(Y + 1.5748 * v);
		out[1] = rv_clamp(Y - 0.1873 * u - 0.4681 * v);
		out[2] = rv_clamp(Y + 1.8556 * u);
	} else {
		out[0] = rv_clamp(Y + 1.402 * v);
		out[1] = rv_clamp(Y - 0.344136 * u - 0.714136 * v);
		out[2] = rv_clamp(Y + 1.772 * u);
	}
}

/* The block at (bx, by) of k × k luma samples as one RGB pixel. */
static void rv_block(const AVFrame *f, const struct rv_layout *l, bool bt709, int bx,
		     int by, int k, unsigned char *out)
{
	unsigned sum = 0, cb = 128, cr = 128;
	int cx = (bx * k + k / 2) >> l->sx, cy = (by * k + k / 2) >> l->sy;

	for (int y = by * k; y < by * k + k; y++) {
		for (int x = bx * k; x < bx * k + k; x++)
			sum += rv_sample(f, l, 0, x, y);
	}
	if (l->chroma == 1) {
		cb = rv_sample(f, l, 1, cx, cy);
		cr = rv_sample(f, l, 2, cx, cy);
	} else if (l->chroma >= 2) {
		unsigned a = rv_sample(f, l, 1, cx * 2, cy), b = rv_sample(f, l, 1, cx * 2 + 1, cy);

		cb = l->chroma == 2 ? a : b;
		cr = l->chroma == 2 ? b : a;
	}
	rv_rgb(l, bt709, (sum + (unsigned)(k * k) / 2) / (unsigned)(k * k), cb, cr, out);
}

/* The frame as RGB, about want_w × want_h or larger (stored order). */
static void rv_convert(const AVFrame *f, const struct rv_layout *l, int want_w, int want_h,
		       struct review_image *out)
{
	int kx = want_w > 0 ? f->width / want_w : 1, ky = want_h > 0 ? f->height / want_h : 1;
	int k = kx < ky ? kx : ky;
	bool bt709 = f->colorspace == AVCOL_SPC_BT709;

	if (k < 1)
		k = 1;
	out->w = f->width / k;
	out->h = f->height / k;
	out->px = xmalloc((size_t)out->w * (size_t)out->h * 3);
	for (int y = 0; y < out->h; y++) {
		for (int x = 0; x < out->w; x++)
			rv_block(f, l, bt709, x, y, k,
				 out->px + ((size_t)y * (size_t)out->w + (size_t)x) * 3);
	}
}

int review_video_poster(int fd, uint64_t size, int want_w, int want_h,
			struct review_image *out, int *orientation_r)
{
	AVFrame *f = probe_av_loaded() ? AV(av_frame_alloc)() : NULL;
	struct rv_layout l;
	int rotation = 0, ret = -1;

	out->px = NULL;
	*orientation_r = 1;
	if (f == NULL || probe_video_poster(fd, size, f, &rotation) != 1 || !rv_layout(f, &l))
		goto out;
	*orientation_r = review_rotation_orientation(rotation);
	if (*orientation_r >= 5)
		rv_convert(f, &l, want_h, want_w, out);
	else
		rv_convert(f, &l, want_w, want_h, out);
	ret = 0;
out:
	if (f != NULL)
		AV(av_frame_free)(&f);
	return ret;
}
