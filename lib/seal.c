/* seal: a red seal in an image (see seal.h). */
#include "seal.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool seal_red(unsigned r, unsigned g, unsigned b)
{
	unsigned m = g > b ? g : b;

	return r > 130 && r > m + 50;
}

struct seal_box {
	int x0, y0, x1, y1;
	unsigned cells;
};

/* Flood one cluster from (x, y) over the red cells, clearing them. */
static void seal_flood(unsigned char *grid, int gw, int gh, int x, int y, int *stack,
		       struct seal_box *b)
{
	int sp = 0;

	stack[sp++] = y * gw + x;
	grid[y * gw + x] = 0;
	*b = (struct seal_box){ x, y, x, y, 0 };
	while (sp > 0) {
		int c = stack[--sp], cx = c % gw, cy = c / gw;

		b->cells++;
		if (cx < b->x0) b->x0 = cx;
		if (cx > b->x1) b->x1 = cx;
		if (cy < b->y0) b->y0 = cy;
		if (cy > b->y1) b->y1 = cy;
		for (int dy = -1; dy <= 1; dy++) {
			for (int dx = -1; dx <= 1; dx++) {
				int nx = cx + dx, ny = cy + dy;

				if (nx < 0 || ny < 0 || nx >= gw || ny >= gh || !grid[ny * gw + nx])
					continue;
				grid[ny * gw + nx] = 0;
				stack[sp++] = ny * gw + nx;
			}
		}
	}
}

void seal_find(const unsigned char *rgb, int width, int height, size_t pitch,
	       struct seal_result *r)
{
	int cell, gw, gh;
	unsigned char *grid;
	int *stack;

	memset(r, 0, sizeof(*r));
	if (width < 8 || height < 8)
		return;
	cell = (width > height ? width : height) / SEAL_GRID + 1;
	gw = (width + cell - 1) / cell;
	gh = (height + cell - 1) / cell;
	grid = xcalloc((size_t)gw * (size_t)gh, 1);
	stack = xcalloc((size_t)gw * (size_t)gh, sizeof(*stack));
	for (int gy = 0; gy < gh; gy++) {
		for (int gx = 0; gx < gw; gx++) {
			uint64_t sr = 0, sg = 0, sb = 0, n = 0;

			for (int y = gy * cell; y < (gy + 1) * cell && y < height; y++) {
				const unsigned char *p = rgb + (size_t)y * pitch + (size_t)gx * cell * 3;

				for (int x = gx * cell; x < (gx + 1) * cell && x < width; x++, p += 3) {
					/* a cell is red if its red pixels' mean is red and
					   they are a fair share of it (thin ring lines) */
					if (seal_red(p[0], p[1], p[2])) {
						sr += p[0];
						sg += p[1];
						sb += p[2];
						n++;
					}
				}
			}
			if (n * 5 >= (uint64_t)cell * cell && seal_red((unsigned)(sr / n),
								       (unsigned)(sg / n),
								       (unsigned)(sb / n))) {
				grid[gy * gw + gx] = 1;
				r->red_cells++;
			}
		}
	}
	for (int gy = 0; gy < gh && !r->found; gy++) {
		for (int gx = 0; gx < gw && !r->found; gx++) {
			struct seal_box b;
			int bw, bh;

			if (!grid[gy * gw + gx])
				continue;
			seal_flood(grid, gw, gh, gx, gy, stack, &b);
			bw = b.x1 - b.x0 + 1;
			bh = b.y1 - b.y0 + 1;
			if (bw * 100 < gw * 5 || bw * 100 > gw * 45 || bh < 3 ||
			    bw * 10 < bh * 6 || bw * 10 > bh * 16)
				continue;
			if (b.cells * 10 < (unsigned)(bw * bh) || b.cells * 10 > (unsigned)(bw * bh) * 8)
				continue;
			r->found = true;
			r->x = b.x0 * cell;
			r->y = b.y0 * cell;
			r->w = bw * cell;
			r->h = bh * cell;
		}
	}
	free(grid);
	free(stack);
}
