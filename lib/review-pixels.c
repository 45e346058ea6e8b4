/* review-pixels: the pixel work of the contact sheets, on plain RGB
 * buffers (3 bytes a pixel, rows packed) — scaling with EXIF orientation,
 * the sheet's grid, cell numbers in a 3×5 digit font, the play sign of a
 * video. No I/O, no library: the same code serves the decoding child and
 * the parent. Buffers returned are malloc'd; the caller frees px. */
#include "review-private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define RP_MARGIN 8
#define RP_GAP 8
#define RP_PAGE 0xe6            /* sheet background, grey level */
#define RP_LETTERBOX 0x26       /* around a picture in its cell */
#define RP_GREY 0x9e            /* a cell that did not decode */
#define RP_DIGIT_SCALE 3

/* Digits 0-9, 3 × 5 pixels, rows top down, 3 bits a row (left = 4). */
static const unsigned short rp_digits[10] = {
	075557, 026227, 071747, 071717, 055711, 074717, 074757, 071111, 075757, 075717,
};

void review_fit(int w, int h, int bw, int bh, int *fw_r, int *fh_r)
{
	if (w <= 0 || h <= 0) {
		*fw_r = bw;
		*fh_r = bh;
	} else if ((int64_t)w * bh >= (int64_t)h * bw) {
		*fw_r = bw;
		*fh_r = (int)(((int64_t)h * bw + w / 2) / w);
	} else {
		*fh_r = bh;
		*fw_r = (int)(((int64_t)w * bh + h / 2) / h);
	}
	if (*fw_r < 1)
		*fw_r = 1;
	if (*fh_r < 1)
		*fh_r = 1;
}

int review_rotation_orientation(int rotation_cw)
{
	switch (rotation_cw) {
	case 90: return 6;
	case 180: return 3;
	case 270: return 8;
	default: return 1;
	}
}

/* The stored pixel shown at (u, v) under orientation o. */
static void rp_map(int o, int u, int v, int sw, int sh, int *sx, int *sy)
{
	switch (o) {
	case 2: *sx = sw - 1 - u; *sy = v; break;
	case 3: *sx = sw - 1 - u; *sy = sh - 1 - v; break;
	case 4: *sx = u; *sy = sh - 1 - v; break;
	case 5: *sx = v; *sy = u; break;
	case 6: *sx = v; *sy = sh - 1 - u; break;
	case 7: *sx = sw - 1 - v; *sy = sh - 1 - u; break;
	case 8: *sx = sw - 1 - v; *sy = u; break;
	default: *sx = u; *sy = v; break;
	}
}

/* The average of the display rectangle [u0, u1) × [v0, v1) into out. */
static void rp_box(const unsigned char *src, int sw, int sh, int o, int u0, int u1,
		   int v0, int v1, unsigned char *out)
{
	uint64_t sum[3] = { 0, 0, 0 }, n = 0;

	for (int v = v0; v < v1; v++) {
		for (int u = u0; u < u1; u++) {
			int sx, sy;
			const unsigned char *p;

			rp_map(o, u, v, sw, sh, &sx, &sy);
			p = src + ((size_t)sy * (size_t)sw + (size_t)sx) * 3;
			sum[0] += p[0];
			sum[1] += p[1];
			sum[2] += p[2];
			n++;
		}
	}
	for (int c = 0; c < 3; c++)
		out[c] = (unsigned char)(n > 0 ? (sum[c] + n / 2) / n : 0);
}

void review_scale(const unsigned char *src, int sw, int sh, int o,
		  unsigned char *dst, int dw, int dh)
{
	bool swap = o >= 5 && o <= 8;
	int disp_w = swap ? sh : sw, disp_h = swap ? sw : sh;

	for (int y = 0; y < dh; y++) {
		int v0 = (int)((int64_t)y * disp_h / dh);
		int v1 = (int)((int64_t)(y + 1) * disp_h / dh);

		if (v1 <= v0)
			v1 = v0 + 1 <= disp_h ? v0 + 1 : disp_h;
		for (int x = 0; x < dw; x++) {
			int u0 = (int)((int64_t)x * disp_w / dw);
			int u1 = (int)((int64_t)(x + 1) * disp_w / dw);

			if (u1 <= u0)
				u1 = u0 + 1 <= disp_w ? u0 + 1 : disp_w;
			rp_box(src, sw, sh, o, u0, u1, v0, v1,
			       dst + ((size_t)y * (size_t)dw + (size_t)x) * 3);
		}
	}
}

static void rp_fill(struct review_image *im, int x0, int y0, int w, int h,
		    unsigned char r, unsigned char g, unsigned char b)
{
	for (int y = y0 < 0 ? 0 : y0; y < y0 + h && y < im->h; y++) {
		for (int x = x0 < 0 ? 0 : x0; x < x0 + w && x < im->w; x++) {
			unsigned char *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;

			p[0] = r;
			p[1] = g;
			p[2] = b;
		}
	}
}

/* Darken a rectangle to a third: the background of a label. */
static void rp_shade(struct review_image *im, int x0, int y0, int w, int h)
{
	for (int y = y0; y < y0 + h && y < im->h; y++) {
		for (int x = x0; x < x0 + w && x < im->w; x++) {
			unsigned char *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;

			p[0] /= 3;
			p[1] /= 3;
			p[2] /= 3;
		}
	}
}

/* The number n at (x0, y0), white on a shaded box. */
static void rp_number(struct review_image *im, int x0, int y0, unsigned n)
{
	char digits[12];
	int len = 0, s = RP_DIGIT_SCALE, pad = 4;

	do {
		digits[len++] = (char)(n % 10);
		n /= 10;
	} while (n > 0 && len < (int)sizeof(digits));
	rp_shade(im, x0, y0, len * 4 * s - s + 2 * pad, 5 * s + 2 * pad);
	for (int i = 0; i < len; i++) {
		unsigned short bits = rp_digits[(int)digits[len - 1 - i]];
		int dx = x0 + pad + i * 4 * s;

		for (int row = 0; row < 5; row++) {
			for (int col = 0; col < 3; col++) {
				if (bits & (1u << ((4 - row) * 3 + (2 - col))))
					rp_fill(im, dx + col * s, y0 + pad + row * s, s, s,
						255, 255, 255);
			}
		}
	}
}

/* A white triangle pointing right on a shaded square: "this is a video". */
static void rp_play(struct review_image *im, int cx, int cy, int r)
{
	rp_shade(im, cx - r, cy - r, 2 * r, 2 * r);
	for (int y = -r / 2; y <= r / 2; y++) {
		int half = r / 2 - (y < 0 ? -y : y);

		rp_fill(im, cx - r / 3, cy + y, half * 2 + 1, 1, 255, 255, 255);
	}
}

void review_compose(const struct review_image *cells, const bool *video, size_t n,
		    struct review_image *sheet_r)
{
	int cols = n < REVIEW_COLUMNS ? (int)n : REVIEW_COLUMNS;
	int rows = (int)((n + (size_t)cols - 1) / (size_t)cols);
	struct review_image *s = sheet_r;

	s->w = 2 * RP_MARGIN + cols * REVIEW_CELL_W + (cols - 1) * RP_GAP;
	s->h = 2 * RP_MARGIN + rows * REVIEW_CELL_H + (rows - 1) * RP_GAP;
	s->px = xmalloc((size_t)s->w * (size_t)s->h * 3);
	memset(s->px, RP_PAGE, (size_t)s->w * (size_t)s->h * 3);
	for (size_t i = 0; i < n; i++) {
		const struct review_image *c = &cells[i];
		int x0 = RP_MARGIN + (int)(i % (size_t)cols) * (REVIEW_CELL_W + RP_GAP);
		int y0 = RP_MARGIN + (int)(i / (size_t)cols) * (REVIEW_CELL_H + RP_GAP);

		if (c->px == NULL) {
			rp_fill(s, x0, y0, REVIEW_CELL_W, REVIEW_CELL_H, RP_GREY, RP_GREY, RP_GREY);
		} else {
			int ox = x0 + (REVIEW_CELL_W - c->w) / 2;
			int oy = y0 + (REVIEW_CELL_H - c->h) / 2;

			rp_fill(s, x0, y0, REVIEW_CELL_W, REVIEW_CELL_H,
				RP_LETTERBOX, RP_LETTERBOX, RP_LETTERBOX);
			for (int y = 0; y < c->h; y++)
				memcpy(s->px + ((size_t)(oy + y) * (size_t)s->w + (size_t)ox) * 3,
				       c->px + (size_t)y * (size_t)c->w * 3, (size_t)c->w * 3);
			if (video[i])
				rp_play(s, x0 + REVIEW_CELL_W / 2, y0 + REVIEW_CELL_H / 2, 28);
		}
		rp_number(s, x0 + 4, y0 + 4, (unsigned)i + 1);
	}
}

void review_thumb(const struct review_image *cell, bool video, struct review_image *thumb_r)
{
	if (cell->px == NULL) {
		thumb_r->w = REVIEW_THUMB_W;
		thumb_r->h = REVIEW_THUMB_H;
		thumb_r->px = xmalloc((size_t)thumb_r->w * (size_t)thumb_r->h * 3);
		memset(thumb_r->px, RP_GREY, (size_t)thumb_r->w * (size_t)thumb_r->h * 3);
		return;
	}
	review_fit(cell->w, cell->h, REVIEW_THUMB_W, REVIEW_THUMB_H, &thumb_r->w, &thumb_r->h);
	thumb_r->px = xmalloc((size_t)thumb_r->w * (size_t)thumb_r->h * 3);
	review_scale(cell->px, cell->w, cell->h, 1, thumb_r->px, thumb_r->w, thumb_r->h);
	if (video)
		rp_play(thumb_r, thumb_r->w / 2, thumb_r->h / 2, 14);
}
