/* probe_sniff: file kinds from magic numbers, image sizes from headers.
 *
 * Pure functions over the first bytes of a file, with every read checked
 * against the length: they also run in the parent (after a probe child
 * crashed) where nothing else about the file is trusted. libmagic is
 * asked too (probe.c) but is vague where casemail needs precision: it
 * names HEIF brands, OOXML and OLE flavours by guesswork, and says
 * nothing about which ISO BMFF files hold video. */
#include "probe_private.h"

#include <string.h>

static uint32_t rd_be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t rd_le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t rd_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t rd_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool has(const unsigned char *head, size_t len, size_t off,
		const void *magic, size_t mlen)
{
	return len >= off + mlen && memcmp(head + off, magic, mlen) == 0;
}

/* HEIF family major brands (HEIC, HEIF image sequences, AVIF). */
static bool probe_heif_brand(const unsigned char *b)
{
	static const char brands[][5] = {
		"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs",
		"mif1", "msf1", "mif2", "avif", "avis",
	};

	for (size_t i = 0; i < sizeof(brands) / sizeof(brands[0]); i++) {
		if (memcmp(b, brands[i], 4) == 0)
			return true;
	}
	return false;
}

static bool probe_is_bmp(const unsigned char *h, size_t len)
{
	uint32_t dib;

	if (!has(h, len, 0, "BM", 2) || len < 18)
		return false;
	dib = rd_le32(h + 14);
	return dib == 12 || dib == 16 || dib == 40 || dib == 52 || dib == 56 ||
	       dib == 64 || dib == 108 || dib == 124;
}

static bool probe_is_exe(const unsigned char *h, size_t len)
{
	static const unsigned char macho[][4] = {
		{ 0xfe, 0xed, 0xfa, 0xce }, { 0xfe, 0xed, 0xfa, 0xcf },
		{ 0xce, 0xfa, 0xed, 0xfe }, { 0xcf, 0xfa, 0xed, 0xfe },
		{ 0xca, 0xfe, 0xba, 0xbe }, /* Mach-O universal, or a Java class */
	};

	if (has(h, len, 0, "\x7f" "ELF", 4))
		return true;
	if (has(h, len, 0, "#!", 2))
		return true; /* a script of any interpreter */
	if (has(h, len, 0, "MZ", 2) && len >= 64) {
		uint32_t pe = rd_le32(h + 0x3c);
		if (pe >= 64 && pe <= len - 4 && memcmp(h + pe, "PE\0\0", 4) == 0)
			return true;
	}
	for (size_t i = 0; i < sizeof(macho) / sizeof(macho[0]); i++) {
		if (has(h, len, 0, macho[i], 4))
			return true;
	}
	return false;
}

static bool probe_is_mpegts(const unsigned char *h, size_t len)
{
	/* sync bytes every 188 (TS) or 192 (M2TS, 4-byte prefix) bytes */
	if (len >= 188 * 3 && h[0] == 0x47 && h[188] == 0x47 && h[376] == 0x47)
		return true;
	return len >= 192 * 3 + 4 && h[4] == 0x47 && h[196] == 0x47 && h[388] == 0x47;
}

static void probe_sniff_video(const unsigned char *h, size_t len, struct probe_sniff *r)
{
	static const struct { size_t off; const char *magic; size_t mlen; const char *mime; } v[] = {
		{ 0, "\x1a\x45\xdf\xa3", 4, "video/x-matroska" },
		{ 0, "FLV\x01", 4, "video/x-flv" },
		{ 0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11", 8, "video/x-ms-asf" },
		{ 0, "\x00\x00\x01\xba", 4, "video/mpeg" },
		{ 0, ".RMF", 4, "application/vnd.rn-realmedia" },
	};

	if (has(h, len, 0, "RIFF", 4) && has(h, len, 8, "AVI ", 4)) {
		r->video = true;
		r->mime = "video/x-msvideo";
		return;
	}
	if (has(h, len, 4, "ftyp", 4) && len >= 12) {
		r->video = true;
		r->mime = memcmp(h + 8, "qt  ", 4) == 0 ? "video/quicktime" : "video/mp4";
		return;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (has(h, len, v[i].off, v[i].magic, v[i].mlen)) {
			r->video = true;
			r->mime = v[i].mime;
			return;
		}
	}
	if (probe_is_mpegts(h, len)) {
		r->video = true;
		r->mime = "video/mp2t";
	}
}

void probe_sniff(const unsigned char *h, size_t len, struct probe_sniff *r)
{
	static const struct {
		size_t off; const char *magic; size_t mlen;
		enum facts_kind kind; const char *mime;
	} m[] = {
		{ 0, "\xff\xd8\xff", 3, FACTS_KIND_JPEG, "image/jpeg" },
		{ 0, "\x89PNG\r\n\x1a\n", 8, FACTS_KIND_PNG, "image/png" },
		{ 0, "GIF87a", 6, FACTS_KIND_GIF, "image/gif" },
		{ 0, "GIF89a", 6, FACTS_KIND_GIF, "image/gif" },
		{ 0, "II*\0", 4, FACTS_KIND_TIFF, "image/tiff" },
		{ 0, "MM\0*", 4, FACTS_KIND_TIFF, "image/tiff" },
		{ 0, "II+\0", 4, FACTS_KIND_TIFF, "image/tiff" },  /* BigTIFF */
		{ 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, FACTS_KIND_DOC,
		  "application/x-ole-storage" },
		{ 0, "PK\x03\x04", 4, FACTS_KIND_ZIP, "application/zip" },
		{ 0, "PK\x05\x06", 4, FACTS_KIND_ZIP, "application/zip" },
		{ 0, "PK\x07\x08", 4, FACTS_KIND_ZIP, "application/zip" },
		{ 0, "7z\xbc\xaf\x27\x1c", 6, FACTS_KIND_7Z, "application/x-7z-compressed" },
		{ 0, "Rar!\x1a\x07", 6, FACTS_KIND_RAR, "application/vnd.rar" },
		{ 0, "\x1f\x8b", 2, FACTS_KIND_GZIP, "application/gzip" },
		{ 0, "\xfd" "7zXZ\0", 6, FACTS_KIND_XZ, "application/x-xz" },
		{ 257, "ustar", 5, FACTS_KIND_TAR, "application/x-tar" },
	};

	memset(r, 0, sizeof(*r));
	r->mime = "";
	if (probe_is_exe(h, len)) {
		r->kind = FACTS_KIND_EXECUTABLE;
		r->mime = "application/x-executable";
		return;
	}
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (has(h, len, m[i].off, m[i].magic, m[i].mlen)) {
			r->kind = m[i].kind;
			r->mime = m[i].mime;
			return;
		}
	}
	if (has(h, len, 0, "BZh", 3) && len > 3 && h[3] >= '1' && h[3] <= '9') {
		r->kind = FACTS_KIND_BZIP2;
		r->mime = "application/x-bzip2";
	} else if (probe_is_bmp(h, len)) {
		r->kind = FACTS_KIND_BMP;
		r->mime = "image/bmp";
	} else if (has(h, len, 0, "RIFF", 4) && has(h, len, 8, "WEBP", 4)) {
		r->kind = FACTS_KIND_WEBP;
		r->mime = "image/webp";
	} else if (has(h, len, 4, "ftyp", 4) && len >= 12 && probe_heif_brand(h + 8)) {
		r->kind = FACTS_KIND_HEIC;
		r->mime = "image/heic";
	} else if (len >= 5 && memmem(h, len < 1024 ? len : 1024, "%PDF-", 5) != NULL) {
		/* readers accept the header anywhere in the first 1024 bytes */
		r->kind = FACTS_KIND_PDF;
		r->mime = "application/pdf";
	} else {
		probe_sniff_video(h, len, r);
	}
}

static void probe_webp_size(const unsigned char *h, size_t len, struct facts *f)
{
	if (has(h, len, 12, "VP8 ", 4) && has(h, len, 23, "\x9d\x01\x2a", 3) && len >= 30) {
		f->width = (int)(rd_le16(h + 26) & 0x3fff);
		f->height = (int)(rd_le16(h + 28) & 0x3fff);
	} else if (has(h, len, 12, "VP8L", 4) && len >= 25 && h[20] == 0x2f) {
		uint32_t bits = rd_le32(h + 21);
		f->width = (int)(bits & 0x3fff) + 1;
		f->height = (int)((bits >> 14) & 0x3fff) + 1;
	} else if (has(h, len, 12, "VP8X", 4) && len >= 30) {
		f->width = (int)(h[24] | h[25] << 8 | h[26] << 16) + 1;
		f->height = (int)(h[27] | h[28] << 8 | h[29] << 16) + 1;
	}
}

void probe_image_size(enum facts_kind kind, const unsigned char *h, size_t len,
		      struct facts *f)
{
	uint32_t w, ht;

	switch (kind) {
	case FACTS_KIND_PNG:
		if (has(h, len, 12, "IHDR", 4) && len >= 24) {
			w = rd_be32(h + 16);
			ht = rd_be32(h + 20);
			if (w <= INT32_MAX && ht <= INT32_MAX) {
				f->width = (int)w;
				f->height = (int)ht;
			}
		}
		break;
	case FACTS_KIND_GIF:
		if (len >= 10) {
			f->width = (int)rd_le16(h + 6);
			f->height = (int)rd_le16(h + 8);
		}
		break;
	case FACTS_KIND_BMP:
		if (len >= 26 && rd_le32(h + 14) == 12) {
			f->width = (int)rd_le16(h + 18);
			f->height = (int)rd_le16(h + 20);
		} else if (len >= 26) {
			int32_t sw = (int32_t)rd_le32(h + 18), sh = (int32_t)rd_le32(h + 22);
			if (sw > 0 && sh != INT32_MIN) {
				f->width = sw;
				f->height = sh < 0 ? -sh : sh; /* negative: top-down rows */
			}
		}
		break;
	case FACTS_KIND_WEBP:
		probe_webp_size(h, len, f);
		break;
	case FACTS_KIND_TIFF:
		if (probe_tiff_tag(h, len, 256, &w) == 1 && probe_tiff_tag(h, len, 257, &ht) == 1 &&
		    w <= INT32_MAX && ht <= INT32_MAX) {
			f->width = (int)w;
			f->height = (int)ht;
		}
		break;
	default:
		break;
	}
}

/* TIFF writers (ffmpeg, scanners) often put the first IFD after the image
 * data, beyond the head buffer: read the header and the IFD (at most
 * PROBE_TIFF_MAX_ENTRIES entries) from wherever it is into one small
 * buffer laid out as header + IFD, and look the tags up there. */
#define PROBE_TIFF_MAX_ENTRIES 256

void probe_tiff_size_fd(int fd, struct facts *f)
{
	unsigned char buf[8 + 2 + PROBE_TIFF_MAX_ENTRIES * 12];
	uint32_t ifd, w, ht;
	bool le;
	ssize_t n;

	if (probe_pread(fd, buf, 8, 0) != 8)
		return;
	le = buf[0] == 'I';
	ifd = le ? rd_le32(buf + 4) : rd_be32(buf + 4);
	if (ifd < 8)
		return;
	n = probe_pread(fd, buf + 8, sizeof(buf) - 8, ifd);
	if (n < 2)
		return;
	/* point the header at the IFD copied right behind it */
	if (le) {
		buf[4] = 8; buf[5] = buf[6] = buf[7] = 0;
	} else {
		buf[4] = buf[5] = buf[6] = 0; buf[7] = 8;
	}
	if (probe_tiff_tag(buf, 8 + (size_t)n, 256, &w) == 1 &&
	    probe_tiff_tag(buf, 8 + (size_t)n, 257, &ht) == 1 &&
	    w <= INT32_MAX && ht <= INT32_MAX) {
		f->width = (int)w;
		f->height = (int)ht;
	}
}

int probe_tiff_tag(const unsigned char *t, size_t len, uint16_t tag,
		   uint32_t *value_r)
{
	bool le;
	uint32_t (*u16)(const unsigned char *), (*u32)(const unsigned char *);
	uint32_t ifd, count;

	if (len < 8)
		return 0;
	if (memcmp(t, "II", 2) == 0)
		le = true;
	else if (memcmp(t, "MM", 2) == 0)
		le = false;
	else
		return 0;
	u16 = le ? rd_le16 : rd_be16;
	u32 = le ? rd_le32 : rd_be32;
	if (u16(t + 2) != 42)
		return 0; /* BigTIFF (43) and garbage */
	ifd = u32(t + 4);
	if (ifd < 8 || ifd > len - 2)
		return 0;
	count = u16(t + ifd);
	for (uint32_t i = 0; i < count; i++) {
		size_t e = (size_t)ifd + 2 + (size_t)i * 12;
		uint32_t type;

		if (e + 12 > len)
			return 0;
		if (u16(t + e) != tag)
			continue;
		type = u16(t + e + 2);
		if (u32(t + e + 4) < 1)
			return 0;
		if (type == 3) {        /* SHORT, left-justified in the value field */
			*value_r = u16(t + e + 8);
			return 1;
		} else if (type == 4) { /* LONG */
			*value_r = u32(t + e + 8);
			return 1;
		}
		return 0;
	}
	return 0;
}
