/* probe_doc: PDF and OLE2 (.doc, .wps, .xls, .et) completeness checks.
 *
 * Neither format is parsed in full: the checks are the cheap ones that
 * catch what mail really does to documents — a file cut off in transfer
 * or by a size limit. A PDF ends with "startxref … %%EOF"; an OLE2 file's
 * allocation table says which sectors are in use, and the last one must
 * lie inside the file. Pictures in an OLE2 Word file are counted by
 * probe_pict.c.
 *
 * probe_ole_stream() reads one stream of the root storage by name, from
 * the FAT or the mini stream, for probe_ole_text.c. */
#include "probe_private.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROBE_PDF_TAIL 1024
#define PROBE_PDF_CHUNK (1024 * 1024)
#define PROBE_PDF_OVERLAP 32               /* longest "/Type … /Page" counted */
#define PROBE_PDF_MAX_SCAN (512ULL * 1024 * 1024)

/* Count "/Type /Page" (not "/Pages") starting in buf[0..limit). */
static int probe_pdf_count_pages(const unsigned char *buf, size_t len, size_t limit)
{
	const unsigned char *p = buf, *end = buf + len;
	int pages = 0;

	while ((p = memmem(p, (size_t)(end - p), "/Type", 5)) != NULL &&
	       (size_t)(p - buf) < limit) {
		const unsigned char *q = p + 5;

		while (q < end && q - p < PROBE_PDF_OVERLAP - 6 && isspace(*q))
			q++;
		if (end - q >= 6 && memcmp(q, "/Page", 5) == 0 && !isalnum(q[5]))
			pages++;
		p += 5;
	}
	return pages;
}

int probe_pdf(const struct probe_input *in, struct facts *f, const char **error_r)
{
	unsigned char tail[PROBE_PDF_TAIL], *buf;
	size_t tlen = in->size < sizeof(tail) ? (size_t)in->size : sizeof(tail);
	size_t carry = 0;
	uint64_t off = 0;
	ssize_t n;

	f->kind = FACTS_KIND_PDF;
	n = probe_pread(in->fd, tail, tlen, in->size - tlen);
	if (n < 0) {
		*error_r = probe_syserror("read");
		return -1;
	}
	if (memmem(tail, (size_t)n, "%%EOF", 5) == NULL)
		probe_damaged(f, "truncated PDF (no %%%%EOF at the end)");
	else if (memmem(tail, (size_t)n, "startxref", 9) == NULL)
		probe_damaged(f, "truncated PDF (no startxref at the end)");

	/* the page tree, text and scans, a seal: where qpdf can read it */
	probe_pdf_qpdf(in, f);
	if (f->pdf_read)
		return 0;
	/* else page objects outside object streams; 0 when they are all inside */
	buf = xmalloc(PROBE_PDF_CHUNK + PROBE_PDF_OVERLAP);
	while (off < in->size && off < PROBE_PDF_MAX_SCAN) {
		bool last;

		n = probe_pread(in->fd, buf + carry, PROBE_PDF_CHUNK, off);
		if (n <= 0)
			break;
		off += (uint64_t)n;
		last = off >= in->size || (size_t)n < PROBE_PDF_CHUNK;
		n += (ssize_t)carry;
		f->pages += probe_pdf_count_pages(buf, (size_t)n,
			last ? (size_t)n : (size_t)n - PROBE_PDF_OVERLAP);
		if (last)
			break;
		carry = PROBE_PDF_OVERLAP;
		memmove(buf, buf + n - PROBE_PDF_OVERLAP, PROBE_PDF_OVERLAP);
	}
	free(buf);
	return 0;
}

/* ---- OLE2 compound files (MS-CFB) ---- */

#define OLE_FREESECT 0xffffffffU
#define OLE_MAXREGSECT 0xfffffffaU
#define OLE_MAX_DIR_SECTORS 4096
#define OLE_MAX_DIR_BYTES (1024 * 1024)     /* 8192 entries, for the tree */

struct ole {
	int fd;
	uint64_t size;
	unsigned int shift;           /* sector size = 1 << shift */
	uint32_t *fat;                /* sector numbers of the FAT sectors */
	uint32_t nfat;
	const char *damage;
	const char *syserr;           /* a read failed (not bad content) */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* File offset of sector s; the header occupies the first sector slot. */
static uint64_t ole_offset(const struct ole *o, uint32_t s)
{
	return ((uint64_t)s + 1) << o->shift;
}

static bool ole_read_sector(struct ole *o, uint32_t s, unsigned char *buf)
{
	size_t ssz = (size_t)1 << o->shift;
	ssize_t n = 0;

	if (s > OLE_MAXREGSECT || ole_offset(o, s) + ssz > o->size ||
	    (n = probe_pread(o->fd, buf, ssz, ole_offset(o, s))) != (ssize_t)ssz) {
		if (n < 0 && o->syserr == NULL)
			o->syserr = probe_syserror("read");
		o->damage = "truncated OLE file";
		return false;
	}
	return true;
}

/* Collect the FAT sector numbers: 109 in the header, the rest in the
 * DIFAT chain. */
static bool ole_load_fat(struct ole *o, const unsigned char *hdr, unsigned char *sec)
{
	uint32_t want = le32(hdr + 0x2c), next = le32(hdr + 0x44);
	uint32_t ndifat = le32(hdr + 0x48), per = (1U << o->shift) / 4;

	if ((uint64_t)want << o->shift > o->size) {
		o->damage = "truncated OLE file (FAT larger than the file)";
		return false;
	}
	o->fat = xreallocarray(NULL, want, sizeof(uint32_t));
	for (uint32_t i = 0; i < 109 && o->nfat < want; i++)
		o->fat[o->nfat++] = le32(hdr + 0x4c + 4 * i);
	for (uint32_t k = 0; k < ndifat && o->nfat < want; k++) {
		if (!ole_read_sector(o, next, sec))
			return false;
		for (uint32_t i = 0; i + 1 < per && o->nfat < want; i++)
			o->fat[o->nfat++] = le32(sec + 4 * i);
		next = le32(sec + 4 * (per - 1));
	}
	if (o->nfat < want) {
		o->damage = "truncated OLE file (FAT incomplete)";
		return false;
	}
	return true;
}

/* The last sector the FAT marks as used must start inside the file
 * (its tail may be missing: some writers do not pad the last sector). */
static bool ole_check_extent(struct ole *o, unsigned char *sec)
{
	uint32_t per = (1U << o->shift) / 4, last = 0;

	for (uint32_t k = 0; k < o->nfat; k++) {
		if (!ole_read_sector(o, o->fat[k], sec))
			return false;
		for (uint32_t i = 0; i < per; i++) {
			if (le32(sec + 4 * i) != OLE_FREESECT)
				last = k * per + i;
		}
	}
	if (ole_offset(o, last) >= o->size) {
		o->damage = "truncated OLE file";
		return false;
	}
	return true;
}

static uint32_t ole_next(struct ole *o, uint32_t s)
{
	uint32_t per = (1U << o->shift) / 4;
	unsigned char b[4];

	if (s / per >= o->nfat || o->fat[s / per] > OLE_MAXREGSECT ||
	    probe_pread(o->fd, b, 4, ole_offset(o, o->fat[s / per]) + 4 * (s % per)) != 4)
		return OLE_FREESECT;
	return le32(b);
}

/* The name of the stream whose directory entry is at e, ASCII ('?' for
 * other characters); false if the entry is not a stream. */
static bool ole_stream_name(const unsigned char *e, char name[33])
{
	size_t nlen = (size_t)(e[0x40] | e[0x41] << 8) / 2;

	if (e[0x42] != 2 || nlen == 0 || nlen > 32)
		return false;
	for (size_t i = 0; i < nlen; i++) {
		unsigned c = e[2 * i] | e[2 * i + 1] << 8;
		name[i] = c > 0 && c < 0x80 ? (char)c : '?';
	}
	name[nlen - 1] = '\0';
	return true;
}

/* Which application wrote it, from the stream names in the directory. */
static enum facts_kind ole_classify(struct ole *o, uint32_t dir, unsigned char *sec)
{
	size_t ssz = (size_t)1 << o->shift;

	for (int n = 0; dir <= OLE_MAXREGSECT && n < OLE_MAX_DIR_SECTORS; n++) {
		if (!ole_read_sector(o, dir, sec))
			return FACTS_KIND_DOC;
		for (size_t e = 0; e + 128 <= ssz; e += 128) {
			char name[33];

			if (!ole_stream_name(sec + e, name))
				continue;
			if (strcmp(name, "WordDocument") == 0)
				return FACTS_KIND_DOC;  /* Word, WPS Writer */
			if (strcmp(name, "Workbook") == 0 || strcmp(name, "Book") == 0 ||
			    strcmp(name, "PowerPoint Document") == 0)
				return FACTS_KIND_OTHER; /* Excel, ET, PowerPoint, DPS */
		}
		dir = ole_next(o, dir);
	}
	return FACTS_KIND_DOC;
}

/* Set the bits of a stream's sectors; a chain that loops ends at the
 * first sector seen twice. A chain that runs into a sector already
 * marked after its own first one loops (or crosses another stream's
 * chain): the file is damaged, Word cannot read that stream either
 * (hostile corpus: doc-fat-cycle). Starting on a marked sector is not:
 * the mini stream is walked once per small stream. */
static void ole_mark_chain(struct ole *o, uint32_t s, struct probe_pict_sectors *ps)
{
	bool first = true;

	while (s < ps->nbits && !(ps->bits[s / 8] & (1U << (s % 8)))) {
		ps->bits[s / 8] |= (unsigned char)(1U << (s % 8));
		s = ole_next(o, s);
		first = false;
	}
	if (!first && s < ps->nbits && o->damage == NULL)
		o->damage = "damaged OLE file (a sector chain loops)";
}

/* The directory entries, read whole up to OLE_MAX_DIR_BYTES; *n_r of them. */
static unsigned char *ole_load_dir(struct ole *o, uint32_t dir, size_t *n_r)
{
	size_t ssz = (size_t)1 << o->shift, len = 0;
	const char *damage = o->damage;
	unsigned char *d = NULL;

	for (int n = 0; dir <= OLE_MAXREGSECT && len + ssz <= OLE_MAX_DIR_BYTES &&
	     n < OLE_MAX_DIR_SECTORS; n++) {
		d = xreallocarray(d, len + ssz, 1);
		if (!ole_read_sector(o, dir, d + len)) {
			o->damage = damage;   /* classify judged the file already */
			break;
		}
		len += ssz;
		dir = ole_next(o, dir);
	}
	*n_r = len / 128;
	return d;
}

/* The entries at the top of the tree: the root's child and its siblings,
 * not their children, in the order a depth-first walk meets them. Returns
 * their indexes (malloc'd, *count_r of them; NULL when none). */
static size_t *ole_top_entries(const unsigned char *d, size_t n, size_t *count_r)
{
	size_t top = 0, count = 0, *stack, *list;
	unsigned char *seen;
	uint32_t i;

	*count_r = 0;
	if (n == 0)
		return NULL;
	stack = xreallocarray(NULL, n, sizeof(*stack));
	list = xreallocarray(NULL, n, sizeof(*list));
	seen = xcalloc(1, n / 8 + 1);
	if ((i = le32(d + 0x4c)) < n) {   /* the root's child */
		stack[top++] = i;
		seen[i / 8] |= (unsigned char)(1U << (i % 8));
	}
	while (top > 0) {
		const unsigned char *e = d + 128 * stack[--top];

		list[count++] = (size_t)(e - d) / 128;
		for (size_t k = 0x44; k <= 0x48; k += 4) {   /* left, right */
			if ((i = le32(e + k)) < n && !(seen[i / 8] & (1U << (i % 8)))) {
				seen[i / 8] |= (unsigned char)(1U << (i % 8));
				stack[top++] = i;
			}
		}
	}
	free(seen);
	free(stack);
	*count_r = count;
	return list;
}

/* Where Word keeps pictures: the WordDocument and Data streams at the top
 * of the tree (not those of embedded objects under ObjectPool, whose
 * print caches and packaged files are no picture of the text: the text
 * shows an object by a preview BLIP in Data, which counts). A Data stream
 * under the mini-stream cutoff lives in the mini stream: then all of it
 * counts. */
static void ole_picture_sectors(struct ole *o, uint32_t dir, uint32_t cutoff,
				struct probe_pict_sectors *ps)
{
	size_t n, count;
	unsigned char *d = ole_load_dir(o, dir, &n);
	size_t *top = ole_top_entries(d, n, &count);

	ps->nbits = o->size >> o->shift;
	ps->bits = xcalloc(1, (size_t)(ps->nbits / 8 + 1));
	for (size_t k = 0; k < count; k++) {
		const unsigned char *e = d + 128 * top[k];
		char name[33];

		if (!ole_stream_name(e, name) ||
		    (strcmp(name, "WordDocument") != 0 && strcmp(name, "Data") != 0))
			continue;
		if (le32(e + 0x78) >= cutoff)
			ole_mark_chain(o, le32(e + 0x74), ps);
		else
			ole_mark_chain(o, le32(d + 0x74), ps);   /* the mini stream */
	}
	free(top);
	free(d);
}

int probe_ole(const struct probe_input *in, struct facts *f, const char **error_r)
{
	const unsigned char *h = in->head;
	struct ole o = { .fd = in->fd, .size = in->size };
	struct probe_pict_sectors where = { .shift = 9 };
	unsigned char *sec = NULL;
	uint32_t dir;
	int ret = 0;

	f->kind = FACTS_KIND_DOC;
	if (in->head_len < 512) {
		probe_damaged(f, "truncated OLE file (header)");
		return 0;
	}
	o.shift = (unsigned)(h[0x1e] | h[0x1f] << 8);
	where.shift = o.shift;
	dir = le32(h + 0x30);
	if ((o.shift != 9 && o.shift != 12) || (h[0x1c] != 0xfe || h[0x1d] != 0xff)) {
		probe_damaged(f, "bad OLE header");
		return 0;
	}
	if (in->size < ((uint64_t)1 << o.shift) * 2 ||
	    dir > OLE_MAXREGSECT || ole_offset(&o, dir) >= in->size) {
		probe_damaged(f, "truncated OLE file");
		return 0;
	}
	sec = xmalloc((size_t)1 << o.shift);
	if (ole_load_fat(&o, h, sec) && ole_check_extent(&o, sec)) {
		f->kind = ole_classify(&o, dir, sec);
		if (f->kind == FACTS_KIND_DOC && o.damage == NULL)
			ole_picture_sectors(&o, dir, le32(h + 0x38), &where);
	}
	if (o.damage != NULL) {
		f->kind = FACTS_KIND_DOC;
		probe_damaged(f, "%s", o.damage);
	}
	/* a cut-off file (no tree to walk) still shows the pictures it has */
	if (f->kind == FACTS_KIND_DOC &&
	    probe_pict_scan(in->fd, in->size, &where, &f->doc_images, error_r) < 0)
		ret = -1;
	/* the text, for the content checks, of a Word file read whole */
	if (ret == 0 && f->kind == FACTS_KIND_DOC && !f->damaged && in->text != NULL) {
		const char *terr;

		if (probe_ole_text(in->fd, in->size, in->text, &terr) < 0)
			buf_truncate(in->text, 0);   /* a read error: no text, not a failure */
	}
	free(where.bits);
	free(o.fat);
	free(sec);
	return ret;
}

/* ---- one stream by name ---- */

#define OLE_MINI_SHIFT 6
#define OLE_MINI_CHAIN_MAX (64 * 1024)       /* mini sectors of the mini stream */

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

/* The FAT as one array: the next sector of each sector that starts inside
 * the file, *n_r of them. NULL when a FAT sector cannot be read. */
static uint32_t *ole_fat_table(struct ole *o, unsigned char *sec, size_t *n_r)
{
	size_t per = ((size_t)1 << o->shift) / 4, n;
	uint64_t nsect = (o->size - 1) >> o->shift;
	uint32_t *fat;

	n = nsect < (uint64_t)o->nfat * per ? (size_t)nsect : (size_t)o->nfat * per;
	fat = xreallocarray(NULL, n + 1, sizeof(*fat));
	for (size_t k = 0; k * per < n; k++) {
		if (!ole_read_sector(o, o->fat[k], sec)) {
			free(fat);
			return NULL;
		}
		for (size_t i = 0; i < per && k * per + i < n; i++)
			fat[k * per + i] = le32(sec + 4 * i);
	}
	*n_r = n;
	return fat;
}

/* Follow the chain from s through next[0..n) into list, at most max
 * sectors; how many. A chain ends at a value outside the table
 * (ENDOFCHAIN, FREESECT, garbage); one that loops is cut at max. */
static size_t ole_chain(const uint32_t *next, size_t n, uint32_t s, uint32_t *list,
			size_t max)
{
	size_t k = 0;

	while (k < max && s < n) {
		list[k++] = s;
		s = next[s];
	}
	return k;
}

/* The first len bytes of the FAT chain from s into out: the bytes read,
 * fewer when the chain or the file ends first; -1 if reading failed.
 * Neighbouring sectors are read in one call. */
static ssize_t ole_read_big(struct ole *o, const uint32_t *fat, size_t nfat, uint32_t s,
			    unsigned char *out, size_t len)
{
	size_t ssz = (size_t)1 << o->shift, max = (len + ssz - 1) / ssz, n, done = 0;
	uint32_t *list = xreallocarray(NULL, max + 1, sizeof(*list));

	n = ole_chain(fat, nfat, s, list, max);
	for (size_t i = 0, run; i < n && done < len; i += run) {
		size_t want;
		ssize_t got;

		for (run = 1; i + run < n && (uint64_t)list[i + run] == (uint64_t)list[i] + run;)
			run++;
		want = run * ssz < len - done ? run * ssz : len - done;
		got = probe_pread(o->fd, out + done, want, ole_offset(o, list[i]));
		if (got < 0) {
			o->syserr = probe_syserror("read");
			free(list);
			return -1;
		}
		done += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	free(list);
	return (ssize_t)done;
}

/* The first len bytes of a stream in the mini stream (64-byte sectors
 * inside the root entry's stream, chained by the mini FAT), from mini
 * sector s: as ole_read_big(). */
static ssize_t ole_read_mini(struct ole *o, const unsigned char *hdr, const unsigned char *root,
			     const uint32_t *fat, size_t nfat, uint32_t s,
			     unsigned char *out, size_t len)
{
	size_t ssz = (size_t)1 << o->shift, nmf = le32(hdr + 0x40), mflen, ncont, nmini, done = 0;
	uint32_t *cont = NULL, *mini = NULL, *mf = NULL;
	unsigned char *raw;
	ssize_t got;

	/* the mini FAT, a FAT chain of nmf sectors */
	nmf = nmf < nfat ? nmf : nfat;
	raw = xmalloc(nmf * ssz + 1);
	got = ole_read_big(o, fat, nfat, le32(hdr + 0x3c), raw, nmf * ssz);
	if (got < 0)
		goto out;
	mflen = (size_t)got / 4;
	mf = xreallocarray(NULL, mflen + 1, sizeof(*mf));
	for (size_t i = 0; i < mflen; i++)
		mf[i] = le32(raw + 4 * i);
	/* the mini stream's own sectors, and the stream's mini sectors */
	cont = xreallocarray(NULL, nfat + 1, sizeof(*cont));
	ncont = ole_chain(fat, nfat, le32(root + 0x74), cont, nfat);
	mini = xreallocarray(NULL, len / 64 + 2, sizeof(*mini));
	nmini = ole_chain(mf, mflen, s, mini, (len + 63) / 64 < OLE_MINI_CHAIN_MAX ?
			  (len + 63) / 64 : OLE_MINI_CHAIN_MAX);
	got = 0;
	for (size_t i = 0; i < nmini && done < len; i++) {
		uint64_t at = (uint64_t)mini[i] << OLE_MINI_SHIFT;
		size_t want = len - done < 64 ? len - done : 64;
		ssize_t n;

		if (at >> o->shift >= ncont)
			break;
		n = probe_pread(o->fd, out + done, want,
				ole_offset(o, cont[at >> o->shift]) + (at & (ssz - 1)));
		if (n < 0) {
			o->syserr = probe_syserror("read");
			got = -1;
			goto out;
		}
		done += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	got = (ssize_t)done;
out:
	free(raw);
	free(mf);
	free(cont);
	free(mini);
	return got;
}

/* The directory entry of the stream called name at the top of the tree,
 * or NULL. */
static const unsigned char *ole_find(const unsigned char *d, size_t n, const char *name)
{
	size_t count, *top = ole_top_entries(d, n, &count);
	const unsigned char *found = NULL;

	for (size_t k = 0; k < count && found == NULL; k++) {
		char s[33];

		if (ole_stream_name(d + 128 * top[k], s) && strcasecmp(s, name) == 0)
			found = d + 128 * top[k];
	}
	free(top);
	return found;
}

int probe_ole_stream(int fd, uint64_t size, const char *name, size_t max,
		     unsigned char **data_r, size_t *len_r, const char **error_r)
{
	struct ole o = { .fd = fd, .size = size };
	unsigned char hdr[512], *sec = NULL, *d = NULL, *data = NULL;
	const unsigned char *e;
	uint32_t *fat = NULL;
	size_t nfat = 0, n = 0, len;
	uint64_t slen;
	ssize_t got;
	int ret = 0;

	*data_r = NULL;
	*len_r = 0;
	if ((got = probe_pread(fd, hdr, sizeof(hdr), 0)) < 0) {
		*error_r = probe_syserror("read");
		return -1;
	}
	o.shift = got == sizeof(hdr) ? le16(hdr + 0x1e) : 0;
	if ((o.shift != 9 && o.shift != 12) || memcmp(hdr, "\xd0\xcf\x11\xe0", 4) != 0 ||
	    hdr[0x1c] != 0xfe || hdr[0x1d] != 0xff || le16(hdr + 0x20) != OLE_MINI_SHIFT ||
	    size < ((uint64_t)2 << o.shift))
		return 0;
	sec = xmalloc((size_t)1 << o.shift);
	if (!ole_load_fat(&o, hdr, sec) || (fat = ole_fat_table(&o, sec, &nfat)) == NULL)
		goto out;
	d = ole_load_dir(&o, le32(hdr + 0x30), &n);
	if ((e = ole_find(d, n, name)) == NULL)
		goto out;
	/* version 3 files may leave garbage in the size's high half */
	slen = le32(e + 0x78) | (o.shift == 12 ? (uint64_t)le32(e + 0x7c) << 32 : 0);
	len = slen < max ? (size_t)slen : max;
	data = xmalloc(len + 1);
	if (slen < le32(hdr + 0x38))
		got = ole_read_mini(&o, hdr, d, fat, nfat, le32(e + 0x74), data, len);
	else
		got = ole_read_big(&o, fat, nfat, le32(e + 0x74), data, len);
	if (got >= 0) {
		*data_r = data;
		*len_r = (size_t)got;
		data = NULL;
		ret = 1;
	}
out:
	if (o.syserr != NULL) {
		*error_r = o.syserr;
		ret = -1;
		free(*data_r);
		*data_r = NULL;
		*len_r = 0;
	}
	free(data);
	free(d);
	free(fat);
	free(o.fat);
	free(sec);
	return ret;
}
