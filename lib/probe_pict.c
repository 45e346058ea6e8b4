/* probe_pict: pictures inside documents, by their signatures.
 *
 * Word 97-2003 and WPS keep every picture of a .doc/.wps as an OfficeArt
 * BLIP record ([MS-ODRAW] 2.2.23–2.2.31) in the Data stream (inline
 * pictures) or the WordDocument stream (floating ones): an 8-byte record
 * header naming the format (EMF, WMF, PICT, JPEG, PNG, DIB, TIFF), one or
 * two 16-byte UIDs, then the picture — metafiles usually deflated,
 * bitmaps as they are. Rather than follow the drawing containers, the
 * first 64 MiB of the file are scanned for BLIP headers whose following
 * fields check out, and for bare JPEG, PNG, GIF and EMF signatures outside
 * any BLIP (pictures embedded some other way); probe_doc.c says which
 * sectors belong to those two streams, and only hits there count. Bare
 * BMP/DIB, TIFF and WMF headers are too short to tell from other bytes
 * and are not looked for (Word wraps those in BLIPs anyway).
 * A hit's extent — the BLIP's length, a JPEG's header segments (EXIF
 * thumbnail), an EMF's size — is skipped, so that a picture inside a
 * picture counts once. */
#include "probe_private.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROBE_PICT_MAX_SCAN (64ULL * 1024 * 1024)
#define PROBE_PICT_CHUNK (1024 * 1024)
#define PROBE_PICT_TAIL 128            /* bytes a signature check looks ahead */
#define PROBE_PICT_JPEG_SEGMENTS 64    /* header segments walked per JPEG */

static uint32_t pict_le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t pict_be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t pict_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* An EMF file starts with an EMR_HEADER record: type 1, " EMF" at 40. */
static bool pict_is_emf(const unsigned char *p, size_t len)
{
	return len >= 88 && pict_le32(p) == 1 && pict_le32(p + 4) >= 88 &&
	       pict_le32(p + 4) % 4 == 0 && memcmp(p + 40, " EMF", 4) == 0 &&
	       pict_le32(p + 44) == 0x10000;
}

/* Placeable (Aldus) or plain WMF header. */
static bool pict_is_wmf(const unsigned char *p, size_t len)
{
	if (len >= 4 && memcmp(p, "\xd7\xcd\xc6\x9a", 4) == 0)
		return true;
	return len >= 18 && (pict_le16(p) == 1 || pict_le16(p) == 2) &&
	       pict_le16(p + 2) == 9 &&
	       (pict_le16(p + 4) == 0x300 || pict_le16(p + 4) == 0x100);
}

bool probe_pict_is_image(const char *name, const unsigned char *head, size_t len)
{
	static const char *const exts[] = {
		"png", "jpeg", "jpg", "gif", "bmp", "emf", "wmf", "tif", "tiff",
	};
	const char *dot = strrchr(name, '.');
	struct probe_sniff sn;

	probe_sniff(head, len, &sn);
	switch (sn.kind) {
	case FACTS_KIND_JPEG: case FACTS_KIND_PNG: case FACTS_KIND_GIF:
	case FACTS_KIND_BMP: case FACTS_KIND_TIFF: case FACTS_KIND_WEBP:
	case FACTS_KIND_HEIC:
		return true;
	default:
		break;
	}
	if (pict_is_emf(head, len) || pict_is_wmf(head, len))
		return true;
	for (size_t i = 0; dot != NULL && i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return true;
	}
	return false;
}

/* ---- the scan of an OLE2 file ---- */

/* BLIP record types and their recInstance (even: one UID; +1: two). */
static const struct {
	uint16_t type, inst[2];
	bool metafile;
} pict_blips[] = {
	{ 0xf01a, { 0x3d4, 0x3d4 }, true },   /* EMF */
	{ 0xf01b, { 0x216, 0x216 }, true },   /* WMF */
	{ 0xf01c, { 0x542, 0x542 }, true },   /* PICT */
	{ 0xf01d, { 0x46a, 0x6e2 }, false },  /* JPEG (RGB, CMYK) */
	{ 0xf02a, { 0x46a, 0x6e2 }, false },  /* JPEG */
	{ 0xf01e, { 0x6e0, 0x6e0 }, false },  /* PNG */
	{ 0xf01f, { 0x7a8, 0x7a8 }, false },  /* DIB */
	{ 0xf029, { 0x6e4, 0x6e4 }, false },  /* TIFF */
};

/* The bytes a BLIP's bitmap starts with. */
static bool pict_bitmap_magic(uint16_t type, const unsigned char *p)
{
	uint32_t dib = pict_le32(p);

	switch (type) {
	case 0xf01d: case 0xf02a:
		return memcmp(p, "\xff\xd8\xff", 3) == 0;
	case 0xf01e:
		return memcmp(p, "\x89PNG", 4) == 0;
	case 0xf01f:
		return dib == 12 || dib == 40 || dib == 52 || dib == 56 ||
		       dib == 64 || dib == 108 || dib == 124;
	default:
		return memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0;
	}
}

/* An OfficeArt BLIP record at p: its length (header included), or 0. */
static uint64_t pict_blip(const unsigned char *p, size_t avail, uint64_t size)
{
	uint16_t type = (uint16_t)pict_le16(p + 2), inst = (uint16_t)(pict_le16(p) >> 4);
	uint32_t len = pict_le32(p + 4);
	size_t q;

	if ((p[0] & 0x0f) != 0)
		return 0; /* recVer */
	for (size_t i = 0; i < sizeof(pict_blips) / sizeof(pict_blips[0]); i++) {
		if (pict_blips[i].type != type ||
		    ((inst & ~1U) != pict_blips[i].inst[0] && (inst & ~1U) != pict_blips[i].inst[1]))
			continue;
		q = 8 + 16 * (1 + (inst & 1U));   /* after the UIDs */
		if (len > size || avail < q + 34 || len < q - 8 + 34)
			return 0;
		if (pict_blips[i].metafile) {
			/* OfficeArtMetafileHeader: cbSave, compression, filter */
			if ((p[q + 32] != 0x00 && p[q + 32] != 0xfe) || p[q + 33] != 0xfe ||
			    pict_le32(p + q + 28) > len)
				return 0;
		} else if (p[q] != 0xff || !pict_bitmap_magic(type, p + q + 1)) {
			return 0;  /* tag, then the bitmap itself */
		}
		return 8 + (uint64_t)len;
	}
	return 0;
}

/* The bytes of the file being scanned: a window into it, the rest by
 * pread. */
struct pict_file {
	int fd;
	uint64_t size;
	const unsigned char *buf;        /* bytes base .. base + len */
	uint64_t base;
	size_t len;
};

/* A JPEG's marker segments up to the scan (where EXIF thumbnails and
 * ICC profiles live): their length from at. */
static uint64_t pict_jpeg_header(const struct pict_file *pf, uint64_t at)
{
	uint64_t pos = at + 2;
	unsigned char b[4];

	for (int n = 0; n < PROBE_PICT_JPEG_SEGMENTS && pos + 4 <= pf->size; n++) {
		if (pos + 4 <= pf->base + pf->len)
			memcpy(b, pf->buf + (pos - pf->base), 4);
		else if (probe_pread(pf->fd, b, 4, pos) != 4)
			break;
		if (b[0] != 0xff || b[1] == 0xda || b[1] == 0xd9 || pict_be16(b + 2) < 2)
			break;
		pos += 2 + pict_be16(b + 2);
	}
	return pos - at;
}

/* A bare JPEG SOI followed by a segment that real files start with. */
static bool pict_is_jpeg(const unsigned char *p, size_t avail)
{
	uint32_t dqt;

	if (avail < 20 || p[0] != 0xff || p[1] != 0xd8 || p[2] != 0xff)
		return false;
	switch (p[3]) {
	case 0xe0:
		return memcmp(p + 6, "JFIF\0", 5) == 0 || memcmp(p + 6, "JFXX\0", 5) == 0;
	case 0xe1:
		return memcmp(p + 6, "Exif\0\0", 6) == 0 || memcmp(p + 6, "http:", 5) == 0;
	case 0xe2:
		return memcmp(p + 6, "ICC_PROFILE\0", 12) == 0;
	case 0xed:
		return memcmp(p + 6, "Photoshop", 9) == 0;
	case 0xee:
		return memcmp(p + 6, "Adobe", 5) == 0;
	case 0xdb:
		dqt = pict_be16(p + 4);
		return dqt >= 67 && dqt <= 2 + 4 * 129 && p[6] >> 4 <= 1 && (p[6] & 0x0f) < 4;
	default:
		return false;
	}
}

/* A picture starting at file offset at: its extent, or 0. */
static uint64_t pict_hit(const struct pict_file *pf, uint64_t at)
{
	const unsigned char *p = pf->buf + (at - pf->base);
	size_t avail = pf->len - (size_t)(at - pf->base);
	uint64_t n, size = pf->size;

	if (avail >= 8 && p[3] == 0xf0)
		return pict_blip(p, avail, size);
	switch (p[0]) {
	case 0x89:
		return avail >= 16 && memcmp(p, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) == 0 ? 16 : 0;
	case 0xff:
		return pict_is_jpeg(p, avail) ? pict_jpeg_header(pf, at) : 0;
	case 'G':
		return avail >= 10 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0) &&
		       pict_le16(p + 6) != 0 && pict_le16(p + 8) != 0 ? 10 : 0;
	case 0x01:
		if (!pict_is_emf(p, avail))
			return 0;
		n = pict_le32(p + 48);   /* nBytes of the whole EMF */
		return n >= pict_le32(p + 4) && n <= size - at ? n : pict_le32(p + 4);
	default:
		return 0;
	}
}

static bool pict_counts(const struct probe_pict_sectors *where, uint64_t at)
{
	uint64_t s = at >> where->shift;

	if (where->bits == NULL)
		return true;
	if (s == 0)
		return false;  /* the header */
	s--;
	return s < where->nbits && (where->bits[s / 8] & (1U << (s % 8))) != 0;
}

int probe_pict_scan(int fd, uint64_t size, const struct probe_pict_sectors *where,
		    int *count_r, const char **error_r)
{
	unsigned char *buf = xmalloc(PROBE_PICT_CHUNK + PROBE_PICT_TAIL);
	struct pict_file pf = { .fd = fd, .size = size, .buf = buf };
	uint64_t end = size < PROBE_PICT_MAX_SCAN ? size : PROBE_PICT_MAX_SCAN;
	uint64_t skip_until = 0;
	int count = 0, ret = 0;

	for (; pf.base < end; pf.base += PROBE_PICT_CHUNK) {
		size_t limit, want = PROBE_PICT_CHUNK + PROBE_PICT_TAIL;
		ssize_t n;

		if (size - pf.base < want)
			want = (size_t)(size - pf.base);
		if ((n = probe_pread(fd, buf, want, pf.base)) < 0) {
			*error_r = probe_syserror("read");
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		pf.len = (size_t)n;
		limit = pf.len < PROBE_PICT_CHUNK ? pf.len : PROBE_PICT_CHUNK;
		if (end - pf.base < limit)
			limit = (size_t)(end - pf.base);
		for (size_t i = 0; i < limit; i++) {
			uint64_t at = pf.base + i, ext;

			if (at < skip_until) {
				if (skip_until - pf.base >= limit)
					break;
				i = (size_t)(skip_until - pf.base);
				at = skip_until;
			}
			if (!pict_counts(where, at) || (ext = pict_hit(&pf, at)) == 0)
				continue;
			count++;
			skip_until = at + ext;
		}
	}
	free(buf);
	*count_r = count;
	return ret;
}
