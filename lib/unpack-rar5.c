/* unpack-rar5: RAR 5 block walker for encryption records (see unpack-rar5.h).
 *
 * Layout (RAR 5.0 technical note): an 8-byte signature, then blocks of
 *   CRC32(4) HeadSize(vint) HeadType(vint) HeadFlags(vint)
 *   [ExtraSize(vint) if flags & 1] [DataSize(vint) if flags & 2] … [extra area]
 * where HeadSize counts from HeadType to the end of the header, the extra
 * area is its last ExtraSize bytes, and DataSize bytes of data follow.
 * Extra records are Size(vint, of Type + data) Type(vint) data; type 1 in a
 * file header (type 2) is the encryption record. Block type 4 is the
 * archive encryption header (encrypted headers), type 5 the end. */
#include "unpack-rar5.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAR5_SFX_SEARCH (1024 * 1024) /* self-extracting stub before the signature */
#define RAR5_MAX_HEADER (2 * 1024 * 1024)
#define RAR5_HEAD_FILE 2
#define RAR5_HEAD_CRYPT 4
#define RAR5_HEAD_END 5
#define RAR5_EXTRA_CRYPT 1

static const unsigned char rar5_signature[8] = {
	0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00
};

/* Read a vint at *pos of p[0..len); false when truncated or over 64 bits. */
static bool rar5_vint(const unsigned char *p, size_t len, size_t *pos, uint64_t *v_r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; *pos < len && shift < 64; shift += 7) {
		unsigned char c = p[(*pos)++];

		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			*v_r = v;
			return true;
		}
	}
	return false;
}

static off_t rar5_find_signature(int fd)
{
	unsigned char *buf = xmalloc(RAR5_SFX_SEARCH);
	ssize_t n = pread(fd, buf, RAR5_SFX_SEARCH, 0);
	off_t pos = -1;

	if (n >= (ssize_t)sizeof(rar5_signature)) {
		unsigned char *p = memmem(buf, (size_t)n, rar5_signature,
					  sizeof(rar5_signature));
		if (p != NULL)
			pos = (off_t)(p - buf + sizeof(rar5_signature));
	}
	free(buf);
	return pos;
}

/* Does the extra area p[0..len) hold an encryption record? */
static bool rar5_extra_has_crypt(const unsigned char *p, size_t len)
{
	size_t pos = 0;
	uint64_t size, type;

	while (pos < len) {
		size_t rec;

		if (!rar5_vint(p, len, &pos, &size))
			return false;
		rec = pos;
		if (!rar5_vint(p, len, &pos, &type))
			return false;
		if (type == RAR5_EXTRA_CRYPT)
			return true;
		if (size > len - rec)
			return false;
		pos = rec + (size_t)size;
	}
	return false;
}

static void rar5_add_file(struct unpack_rar5_scan *scan, bool encrypted)
{
	scan->encrypted = xreallocarray(scan->encrypted, scan->files + 1,
					sizeof(bool));
	scan->encrypted[scan->files++] = encrypted;
}

void unpack_rar5_scan(int fd, size_t max_files, struct unpack_rar5_scan *scan_r)
{
	unsigned char *hdr = NULL;
	size_t hdr_cap = 0;
	off_t pos = rar5_find_signature(fd);

	memset(scan_r, 0, sizeof(*scan_r));
	while (pos >= 0 && scan_r->files < max_files) {
		unsigned char pre[4 + 10];
		ssize_t n = pread(fd, pre, sizeof(pre), pos);
		size_t p = 4, q = 0;
		uint64_t head_size, type, flags, extra = 0, data = 0;

		if (n < 5 || !rar5_vint(pre, (size_t)n, &p, &head_size) ||
		    head_size == 0 || head_size > RAR5_MAX_HEADER)
			break;
		if (head_size > hdr_cap) {
			hdr_cap = (size_t)head_size;
			hdr = xrealloc(hdr, hdr_cap);
		}
		if (pread(fd, hdr, head_size, pos + (off_t)p) != (ssize_t)head_size)
			break;
		if (!rar5_vint(hdr, head_size, &q, &type) ||
		    !rar5_vint(hdr, head_size, &q, &flags) ||
		    ((flags & 1) != 0 && !rar5_vint(hdr, head_size, &q, &extra)) ||
		    ((flags & 2) != 0 && !rar5_vint(hdr, head_size, &q, &data)) ||
		    extra > head_size - q || data > INT64_MAX / 2)
			break;
		if (type == RAR5_HEAD_CRYPT) {
			scan_r->headers_encrypted = true;
			break;
		}
		if (type == RAR5_HEAD_END)
			break;
		if (type == RAR5_HEAD_FILE) {
			rar5_add_file(scan_r, rar5_extra_has_crypt(
				hdr + head_size - extra, (size_t)extra));
		}
		pos += (off_t)(p + head_size + data);
	}
	free(hdr);
}

bool unpack_rar5_is_encrypted(const struct unpack_rar5_scan *scan, size_t index)
{
	return index < scan->files && scan->encrypted[index];
}

void unpack_rar5_scan_free(struct unpack_rar5_scan *scan)
{
	free(scan->encrypted);
	scan->encrypted = NULL;
	scan->files = 0;
}
