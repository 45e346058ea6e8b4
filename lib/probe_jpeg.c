/* probe_jpeg: JPEG size, EXIF orientation, and a full decode.
 *
 * A photo that opens as a thumbnail may still be cut off: only decoding
 * every entropy-coded segment shows a truncated or corrupt file. We decode
 * at the smallest scale libjpeg-turbo offers (1/8): scaled decoding only
 * shrinks the inverse DCT and the output buffer, the Huffman (or
 * arithmetic) decoder still reads every coefficient of every block of
 * every scan, so a missing or mangled tail is still noticed, while memory
 * stays at 1/64 of the full image and time at a fraction. */
#include "probe_private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
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

/* Decoding work: every scan walks every 8x8 block of the image however
 * little data it has, so a small progressive file of many scans over a
 * large image keeps the decoder busy for minutes (TJFLAG_LIMITSCANS stops
 * only at 500 scans: a 15,000 x 15,000 file of 883 scans hit the probe's
 * 20 s CPU limit; hostile corpus: jpeg-progressive-scans). Scans x blocks
 * of a real photo stay far below this bound (4,000 x 3,000 in 10 scans:
 * 1.9 M); decoding up to it takes about a second. */
#define PROBE_JPEG_MAX_SCAN_BLOCKS 100000000ULL

/* Scans in the file: SOS markers from the first one on (entropy-coded
 * data stuffs every 0xff with 0x00, so "ff da" there is a marker). */
static unsigned long probe_jpeg_scans(const unsigned char *d, size_t len, size_t sos)
{
	unsigned long n = 0;

	for (const unsigned char *p = d + sos; sos > 0 && p + 1 < d + len;) {
		p = memmem(p, (size_t)(d + len - p), "\xff\xda", 2);
		if (p == NULL)
			break;
		n++;
		p += 2;
	}
	return n;
}

static bool probe_jpeg_warning_is_harmless(const char *msg)
{
	for (size_t i = 0; i < sizeof(probe_jpeg_harmless) / sizeof(probe_jpeg_harmless[0]); i++) {
		if (strstr(msg, probe_jpeg_harmless[i]) != NULL)
			return true;
	}
	return false;
}

/* Decode the whole image at the smallest scale; damaged if it does not.
 * sos: offset of the first scan, 0 if unknown. */
static void probe_jpeg_decode(tjhandle tj, const unsigned char *data, size_t len,
			      size_t sos, int width, int height, int colorspace,
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
		/* only the first warning's text is kept: make sure a harmless
		 * one does not hide a cut-off end. Entropy-coded data stuffs
		 * every 0xff, so FF D9 after the first scan is the real EOI. */
		else if (sos > 0 && memmem(data + sos, len - sos, "\xff\xd9", 2) == NULL)
			probe_damaged(f, "truncated JPEG (no end of image marker)");
	}
	free(out);
}

int probe_jpeg(const struct probe_input *in, struct facts *f, const char **error_r)
{
	const struct probe_settings *set = in->set;
	const unsigned char *data = in->head;
	unsigned char *buf = NULL;
	size_t len = in->head_len;
	bool whole = in->size == in->head_len;
	int width, height, subsamp, colorspace, ret = -1;
	unsigned long scans;
	size_t sos;
	tjhandle tj;

	f->kind = FACTS_KIND_JPEG;
	f->orientation = 1;
	if (!whole && in->size <= set->max_jpeg_bytes) {
		ssize_t n;

		buf = xmalloc(in->size);
		n = probe_pread(in->fd, buf, in->size, 0);
		if (n < 0) {
			*error_r = probe_syserror("read");
			free(buf);
			return -1;
		}
		data = buf;
		len = (size_t)n;
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
	else if ((scans = probe_jpeg_scans(data, len, sos)) *
		 (((uint64_t)width + 7) / 8) * (((uint64_t)height + 7) / 8) >
		 PROBE_JPEG_MAX_SCAN_BLOCKS)
		probe_damaged(f, "JPEG too costly to decode (%lu scans of %dx%d)",
			      scans, width, height);
	else
		probe_jpeg_decode(tj, data, len, sos, width, height, colorspace, f);
	ret = 0;
out:
	if (tj != NULL)
		tjDestroy(tj);
	free(buf);
	return ret;
}
