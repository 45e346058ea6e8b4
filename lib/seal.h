#ifndef CASEMAIL_SEAL_H
#define CASEMAIL_SEAL_H
/* seal: does an image show a red seal (公章)? A heuristic for the facts
 * of stamped forms (推荐表, 申报表 PDF), never a reason to reject.
 *
 * A Chinese official seal is a red ring, 38–45 mm across, with red text
 * and a star inside, stamped over the signature line; on a scanned A4
 * page it is 15–25 % of the page width. The image (8-bit RGB) is reduced
 * to a grid of at most SEAL_GRID cells a side; a cell is red when its
 * mean is clearly red (R > 130, R − max(G, B) > 50); 8-connected red
 * cells form clusters, and a cluster is a seal when its box is roughly
 * square (aspect 0.6–1.6), spans 5–45 % of the image width and is
 * partly filled (10–80 %: a ring with text, not a solid red block or a
 * red title line). Pure, no allocation beyond the grid. */
#include <stdbool.h>
#include <stddef.h>

#define SEAL_GRID 160

struct seal_result {
	bool found;
	int x, y, w, h;          /* the seal's box in image pixels, when found */
	unsigned red_cells;      /* red grid cells in the whole image */
};

/* rgb: height rows of width pixels, 3 bytes each, rows pitch bytes apart. */
void seal_find(const unsigned char *rgb, int width, int height, size_t pitch,
	       struct seal_result *r);

#endif
