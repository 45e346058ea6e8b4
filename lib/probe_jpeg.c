/* probe_jpeg: JPEG size, EXIF orientation, and a check that the whole
 * image is there.
 *
 * A photo that opens as a thumbnail may still be cut off. By default the
 * check walks the file's structure from the first scan to the end of image
 * (probe_jpeg_structure()): every 0xff in entropy-coded data must be
 * stuffed (ff 00) or a restart marker in sequence, every marker between
 * scans must be one a decoder accepts there with a length inside the file,
 * and the file must reach EOI. That finds a truncated file, a file cut and
 * padded, and garbage written over the data (random bytes hold a stray
 * 0xff within a few hundred bytes) at memchr() speed. A run of zeros in
 * the compressed data (probe_jpeg_zero_run()) or too few bytes for the
 * image (probe_jpeg_thin()) gets the image decoded, as
 * does `[limits] probe_jpeg_decode = yes` for every photo: at the
 * smallest scale libjpeg-turbo offers (1/8): scaled decoding only shrinks
 * the inverse DCT and the output buffer, the Huffman (or arithmetic)
 * decoder still reads every coefficient of every block of every scan, so a
 * mangled coefficient stream is noticed too, at about 20 ms for a 12 MP
 * photo instead of under 1 ms. docs/bench.md compares the two on damaged
 * copies of real photos. */
#include "probe_private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <turbojpeg.h>

/* libjpeg warnings that do not mean lost image data. Anything else (for
 * instance "Premature end of JPEG file", "Corrupt JPEG data: premature end
 * of data segment", "bad Huffman code") means damaged. libjpeg reports only
 * the first warning's text, so after a harmless one the end is checked
 * separately. */
static const char *const probe_jpeg_harmless[] = {
	"extraneous bytes before marker",
	"Invalid SOS parameters for sequential JPEG",
	"Unknown Adobe color transform code",
	"unknown JFIF revision number",
};

/* Walk the marker segments up to the first scan. Sets *orientation_r to
 * the EXIF Orientation (tag 0x0112) of the first APP1 "Exif" segment (1
 * when absent or out of range) and returns the offset of the SOS marker,
 * or 0 if the walk broke off first. */
static size_t probe_jpeg_headers(const unsigned char *d, size_t len, int *orientation_r)
{
	size_t pos = 2;
	bool exif_seen = false;

	*orientation_r = 1;
	while (pos + 4 <= len) {
		unsigned char marker;
		size_t seglen;

		if (d[pos] != 0xff) {            /* junk between segments: */
			pos++;                   /* skip it, as libjpeg does */
			continue;
		}
		marker = d[pos + 1];
		if (marker == 0xff) {            /* fill byte */
			pos++;
			continue;
		}
		if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			pos += 2;                /* markers without a length */
			continue;
		}
		if (marker == 0xda)
			return pos;
		if (marker == 0xd9)
			break;
		seglen = (size_t)d[pos + 2] << 8 | d[pos + 3];
		if (seglen < 2)
			break;
		if (marker == 0xe1 && !exif_seen && seglen >= 8 && pos + 10 <= len &&
		    memcmp(d + pos + 4, "Exif\0\0", 6) == 0) {
			size_t tiff = pos + 10, end = pos + 2 + seglen;
			uint32_t v;

			exif_seen = true;
			if (end > len)
				end = len;
			if (probe_tiff_tag(d + tiff, end - tiff, 0x0112, &v) == 1 &&
			    v >= 1 && v <= 8)
				*orientation_r = (int)v;
		}
		pos += 2 + seglen;
	}
	return 0;
}

int probe_jpeg_orientation(const unsigned char *data, size_t len)
{
	int orientation;

	(void)probe_jpeg_headers(data, len, &orientation);
	return orientation;
}

/* Decoding work: every scan walks every 8x8 block of the image however
 * little data it has, so a small progressive file of many scans over a
 * large image keeps the decoder busy for minutes (TJFLAG_LIMITSCANS stops
 * only at 500 scans: a 15,000 x 15,000 file of 883 scans hit the probe's
 * 20 s CPU limit; hostile corpus: jpeg-progressive-scans). Scans x blocks
 * of a real photo stay far below this bound (4,000 x 3,000 in 10 scans:
 * 1.9 M); decoding up to it takes about a second. The bound holds whether
 * or not the probe decodes: a reviewer's viewer has to. */
#define PROBE_JPEG_MAX_SCAN_BLOCKS 100000000ULL

static const char probe_jpeg_no_eoi[] = "truncated JPEG (no end of image marker)";

/* Markers a decoder accepts after the first scan: tables, restart
 * interval, line count, comments and application data, another scan, the
 * end of image. A frame header, SOI or an unknown code there is damage. */
static bool probe_jpeg_marker_after_scan(unsigned char m)
{
	return m == 0xc4 || m == 0xcc || m == 0xdb || m == 0xdc || m == 0xdd ||
	       m == 0xfe || (m >= 0xe0 && m <= 0xef);
}

/* Skip one scan's entropy-coded data starting at p. Returns the offset of
 * the marker that ends it, or 0 (with why[] set) if the data ends first or
 * holds an impossible byte pair. */
static size_t probe_jpeg_skip_entropy(const unsigned char *d, size_t len, size_t p,
				      char *why, size_t why_size)
{
	unsigned int next_rst = 0;

	for (;;) {
		const unsigned char *q = memchr(d + p, 0xff, len - p);
		size_t at;

		if (q == NULL) {
			snprintf(why, why_size, "%s", probe_jpeg_no_eoi);
			return 0;
		}
		at = (size_t)(q - d);
		p = at + 1;
		while (p < len && d[p] == 0xff)  /* fill bytes before a marker */
			p++;
		if (p >= len) {
			snprintf(why, why_size, "%s", probe_jpeg_no_eoi);
			return 0;
		}
		if (d[p] == 0x00) {              /* a stuffed data byte */
			p++;
			continue;
		}
		if (d[p] >= 0xd0 && d[p] <= 0xd7) {
			if ((unsigned)(d[p] - 0xd0) != next_rst) {
				snprintf(why, why_size, "corrupt JPEG data (restart marker %u "
					 "where %u was due)", (unsigned)(d[p] - 0xd0), next_rst);
				return 0;
			}
			next_rst = (next_rst + 1) & 7;
			p++;
			continue;
		}
		return p - 1;                    /* offset of the last 0xff before it */
	}
}

/* Walk from the first scan (sos: offset of its SOS marker) to EOI.
 * Returns true if the structure is whole, with the number of scans in
 * *scans_r and the offset of EOI in *eoi_r; false with why[] set. */
static bool probe_jpeg_structure(const unsigned char *d, size_t len, size_t sos,
				 unsigned long *scans_r, size_t *eoi_r, char *why,
				 size_t why_size)
{
	size_t pos = sos;

	*scans_r = 0;
	if (sos == 0) {
		snprintf(why, why_size, "truncated JPEG (no scan)");
		return false;
	}
	for (;;) {
		unsigned char m;
		size_t seglen;

		if (pos + 2 > len) {
			snprintf(why, why_size, "%s", probe_jpeg_no_eoi);
			return false;
		}
		if (d[pos] != 0xff) {
			snprintf(why, why_size, "corrupt JPEG data (0x%02x where a marker "
				 "was due)", d[pos]);
			return false;
		}
		m = d[pos + 1];
		if (m == 0xff) {                 /* fill byte */
			pos++;
			continue;
		}
		if (m == 0xd9) {
			*eoi_r = pos;
			return true;             /* data after EOI is a trailer */
		}
		if (m != 0xda && !probe_jpeg_marker_after_scan(m)) {
			snprintf(why, why_size, "corrupt JPEG data (marker 0x%02x after a "
				 "scan)", m);
			return false;
		}
		if (pos + 4 > len) {
			snprintf(why, why_size, "%s", probe_jpeg_no_eoi);
			return false;
		}
		seglen = (size_t)d[pos + 2] << 8 | d[pos + 3];
		if (seglen < 2 || pos + 2 + seglen > len) {
			snprintf(why, why_size, seglen < 2 ?
				 "corrupt JPEG data (segment length %zu)" :
				 "truncated JPEG (segment of %zu bytes past the end)", seglen);
			return false;
		}
		pos += 2 + seglen;
		if (m == 0xda) {
			(*scans_r)++;
			pos = probe_jpeg_skip_entropy(d, len, pos, why, why_size);
			if (pos == 0)
				return false;
		}
	}
}

/* Whether d[0..len) holds a run of at least PROBE_JPEG_ZERO_RUN zero
 * bytes. Compressed data of a photo has almost none (a zero byte follows a
 * stuffed 0xff), but a block of a file that was never written or was
 * wiped reads as zeros and passes the structure walk; only decoding tells
 * whether the zeros are data. Every PROBE_JPEG_ZERO_RUN / 2th byte is
 * looked at, so a run that long cannot slip between two looks. */
#define PROBE_JPEG_ZERO_RUN 1024

static bool probe_jpeg_zero_run(const unsigned char *d, size_t len)
{
	const size_t step = PROBE_JPEG_ZERO_RUN / 2;

	for (size_t i = step; i < len; i += step) {
		size_t lo = i, hi = i;

		if (d[i] != 0)
			continue;
		while (lo > 0 && d[lo - 1] == 0 && i - lo < PROBE_JPEG_ZERO_RUN)
			lo--;
		while (hi + 1 < len && d[hi + 1] == 0 && hi - lo + 1 < PROBE_JPEG_ZERO_RUN)
			hi++;
		if (hi - lo + 1 >= PROBE_JPEG_ZERO_RUN)
			return true;
	}
	return false;
}

/* Whether the scans are too short for the image: Huffman coding spends at
 * least one bit on every 8x8 block of the first component (its DC value;
 * a sequential scan also an end-of-block code), so fewer bytes than
 * blocks / 8 cannot hold the image (a 290-megapixel header over a few
 * kilobytes, hostile corpus). Only decoding tells (arithmetic coding can
 * go below a bit a block), so such a photo is decoded. */
static bool probe_jpeg_thin(size_t scan_bytes, int width, int height)
{
	uint64_t blocks = (((uint64_t)width + 7) / 8) * (((uint64_t)height + 7) / 8);

	return (uint64_t)scan_bytes * 8 < blocks;
}

bool probe_jpeg_warning_is_harmless(const char *msg)
{
	for (size_t i = 0; i < sizeof(probe_jpeg_harmless) / sizeof(probe_jpeg_harmless[0]); i++) {
		if (strstr(msg, probe_jpeg_harmless[i]) != NULL)
			return true;
	}
	return false;
}

/* Decode the whole image at the smallest scale; damaged if it does not. */
static void probe_jpeg_decode(tjhandle tj, const unsigned char *data, size_t len,
			      int width, int height, int colorspace,
			      struct facts *f)
{
	int nsf = 0, best = 0, pf, sw, sh;
	tjscalingfactor *sf = tjGetScalingFactors(&nsf);
	unsigned char *out;

	if (sf == NULL || nsf <= 0) {
		probe_damaged(f, "JPEG not verified: no scaling factors");
		return;
	}
	for (int i = 1; i < nsf; i++) {
		if ((double)sf[i].num / sf[i].denom < (double)sf[best].num / sf[best].denom)
			best = i;
	}
	sw = TJSCALED(width, sf[best]);
	sh = TJSCALED(height, sf[best]);
	pf = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK ? TJPF_CMYK : TJPF_RGB;
	out = xmalloc((size_t)sw * (size_t)sh * (size_t)tjPixelSize[pf]);
	/* LIMITSCANS: refuse progressive files with absurdly many scans, a
	 * known way to make a small file take minutes */
	if (tjDecompress2(tj, data, (unsigned long)len, out, sw, 0, sh, pf,
			  TJFLAG_LIMITSCANS | TJFLAG_FASTUPSAMPLE | TJFLAG_FASTDCT) < 0) {
		const char *msg = tjGetErrorStr2(tj);

		if (tjGetErrorCode(tj) == TJERR_FATAL)
			probe_damaged(f, "JPEG does not decode: %s", msg);
		else if (strstr(msg, "Premature end") != NULL)
			probe_damaged(f, "truncated JPEG (%s)", msg);
		else if (!probe_jpeg_warning_is_harmless(msg))
			probe_damaged(f, "corrupt JPEG data (%s)", msg);
		/* only the first warning's text is kept, but a harmless one
		 * cannot hide a cut-off end: probe_jpeg_structure() found EOI */
	}
	free(out);
}

int probe_jpeg(const struct probe_input *in, struct facts *f, const char **error_r)
{
	const struct probe_settings *set = in->set;
	const unsigned char *data = in->head;
	void *map = MAP_FAILED;
	size_t len = in->head_len;
	bool whole = in->size == in->head_len;
	int width, height, subsamp, colorspace, ret = -1;
	unsigned long scans;
	size_t sos, eoi = 0;
	char why[128];
	tjhandle tj;

	f->kind = FACTS_KIND_JPEG;
	f->orientation = 1;
	/* the whole file, mapped: no copy, no fresh pages to clear (the
	 * probe's filter allows mappings that are not executable) */
	if (!whole && in->size <= set->max_jpeg_bytes) {
		map = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (map == MAP_FAILED) {
			*error_r = probe_syserror("mmap");
			return -1;
		}
		data = map;
		len = (size_t)in->size;
		whole = true;
	}
	tj = tjInitDecompress();
	if (tj == NULL) {
		*error_r = "tjInitDecompress failed";
		goto out;
	}
	/* with only the head, the header (and EXIF) is usually still there;
	 * a warning (-1 with TJERR_WARNING) still fills in the header */
	width = height = 0;
	if (tjDecompressHeader3(tj, data, (unsigned long)len, &width, &height,
				&subsamp, &colorspace) < 0 &&
	    (tjGetErrorCode(tj) == TJERR_FATAL || width <= 0 || height <= 0 ||
	     !probe_jpeg_warning_is_harmless(tjGetErrorStr2(tj)))) {
		probe_damaged(f, "not a decodable JPEG (%s)", tjGetErrorStr2(tj));
		ret = 0;
		goto out;
	}
	f->width = width;
	f->height = height;
	sos = probe_jpeg_headers(data, len, &f->orientation);
	if ((unsigned)width > set->max_image_side || (unsigned)height > set->max_image_side ||
	    (uint64_t)width * (uint64_t)height > set->max_image_pixels)
		probe_damaged(f, "JPEG dimensions too large (%dx%d)", width, height);
	else if (!whole)
		probe_damaged(f, "JPEG too large to verify (%llu bytes)",
			      (unsigned long long)in->size);
	else if (!probe_jpeg_structure(data, len, sos, &scans, &eoi, why, sizeof(why)))
		probe_damaged(f, "%s", why);
	else if (scans * (((uint64_t)width + 7) / 8) * (((uint64_t)height + 7) / 8) >
		 PROBE_JPEG_MAX_SCAN_BLOCKS)
		probe_damaged(f, "JPEG too costly to decode (%lu scans of %dx%d)",
			      scans, width, height);
	else if (set->jpeg_decode || probe_jpeg_zero_run(data + sos, eoi - sos) ||
		 probe_jpeg_thin(eoi - sos, width, height))
		probe_jpeg_decode(tj, data, len, width, height, colorspace, f);
	ret = 0;
out:
	if (tj != NULL)
		tjDestroy(tj);
	if (map != MAP_FAILED)
		(void)munmap(map, len);
	return ret;
}
