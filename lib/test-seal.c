/* Tests for seal: red seals told from red rules, blocks and photos. */
#include "seal.h"
#include "test.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 1240
#define H 1754

static unsigned char *page(void)
{
	unsigned char *p = xmalloc((size_t)W * H * 3);

	memset(p, 250, (size_t)W * H * 3);
	/* grey text lines */
	for (int y = 300; y < 1300; y += 56)
		for (int t = 0; t < 10; t++)
			for (int x = 120; x < 1120; x++)
				memset(p + ((size_t)(y + t) * W + x) * 3, 60, 3);
	return p;
}

static void put(unsigned char *p, int x, int y, unsigned r, unsigned g, unsigned b)
{
	unsigned char *px = p + ((size_t)y * W + x) * 3;

	px[0] = (unsigned char)r;
	px[1] = (unsigned char)g;
	px[2] = (unsigned char)b;
}

static void ring(unsigned char *p, int cx, int cy, int r0, int r1, unsigned red,
		 unsigned gb)
{
	for (int y = cy - r1; y <= cy + r1; y++)
		for (int x = cx - r1; x <= cx + r1; x++) {
			double d = hypot(x - cx, y - cy);

			if (d >= r0 && d <= r1)
				put(p, x, y, red, gb, gb);
		}
}

static void block(unsigned char *p, int x0, int y0, int w, int h, unsigned r, unsigned g,
		  unsigned b)
{
	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			put(p, x, y, r, g, b);
}

static void test_seal(void)
{
	struct seal_result r;
	unsigned char *p;

	test_begin("seal_find: a ring is a seal; rules, blocks, pink paper are not");
	p = page();
	seal_find(p, W, H, (size_t)W * 3, &r);
	test_assert(!r.found && r.red_cells == 0);
	ring(p, 880, 1480, 125, 150, 205, 40);            /* a 42 mm seal at 150 dpi */
	seal_find(p, W, H, (size_t)W * 3, &r);
	test_assert(r.found);
	test_assert(r.x >= 700 && r.x <= 760 && r.w >= 280 && r.w <= 330);
	free(p);

	p = page();
	ring(p, 880, 1480, 125, 150, 150, 110);           /* a brown coffee ring */
	block(p, 100, 200, 1040, 14, 205, 40, 40);        /* a 红头 rule */
	block(p, 100, 1550, 120, 120, 210, 30, 30);       /* a solid red logo */
	seal_find(p, W, H, (size_t)W * 3, &r);
	test_assert(!r.found);
	test_assert(r.red_cells > 0);
	free(p);

	p = page();
	block(p, 0, 0, W, H, 250, 215, 215);              /* pink paper */
	seal_find(p, W, H, (size_t)W * 3, &r);
	test_assert(!r.found && r.red_cells == 0);
	free(p);

	/* a small image: nothing to find, nothing read out of bounds */
	p = xcalloc(4 * 4 * 3, 1);
	seal_find(p, 4, 4, 12, &r);
	test_assert(!r.found);
	free(p);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_seal, NULL };

	return test_run(tests);
}
