#ifndef CASEMAIL_PROBE_PRIVATE_H
#define CASEMAIL_PROBE_PRIVATE_H
/* probe_private: what the probe_*.c parts share. Not for other modules.
 *
 * probe.c opens the file, reads its head, asks libmagic and the magic-byte
 * sniffer (probe_sniff.c) what it is, and hands the open file to one of
 * the format parts: probe_jpeg.c, probe_video.c, probe_doc.c (PDF, OLE2),
 * probe_zip.c (DOCX and other zips); probe_docx.c and probe_pict.c count
 * the pictures in Word files for them. Parts never fail on bad content —
 * that is facts->damaged — only on system errors (read failing). */
#include "probe.h"
#include "buf.h"

#include <magic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes read from the start of every file for sniffing. */
#define PROBE_HEAD_SIZE 65536

struct probe {
	struct probe_settings set;       /* defaults filled in */
	magic_t mime_cookie, desc_cookie;
	size_t magic_bytes_max;          /* libmagic's MAGIC_PARAM_BYTES_MAX default */
	struct sandbox_worker *worker;   /* started by the first probe_file() */
};

struct probe_input {
	const struct probe_settings *set;
	const char *path;                /* for messages only: the file is fd */
	int fd;                          /* read with pread; offset not relied on */
	uint64_t size;
	const unsigned char *head;       /* the first head_len bytes */
	size_t head_len;
	const char *mime;                /* libmagic's MIME type, "" if none */
	struct buf *text;                /* a document's text goes here (doctext.h);
					  * NULL: not wanted */
};

/* What the first bytes say, without libmagic. */
struct probe_sniff {
	enum facts_kind kind;            /* OTHER when no magic number matched */
	bool video;                      /* a video container (ISO BMFF that is not
					  * HEIF, AVI, Matroska, FLV, ASF, MPEG-PS/TS) */
	const char *mime;                /* a MIME type for the kind, "" for OTHER */
};

/* probe_sniff.c */
void probe_sniff(const unsigned char *head, size_t len, struct probe_sniff *r);
/* Width and height of PNG, GIF, BMP, WebP, TIFF from their first bytes;
 * leaves them 0 where the header does not say (or is not in head). */
void probe_image_size(enum facts_kind kind, const unsigned char *head,
		      size_t len, struct facts *f);
/* Look up a SHORT or LONG tag in IFD0 of the TIFF structure at tiff[0..len)
 * (either byte order). Returns 1 and sets *value_r, 0 if absent or out of
 * bounds. Every offset is checked against len. */
/* Width/height of a TIFF whose first IFD may lie anywhere in the file. */
void probe_tiff_size_fd(int fd, struct facts *f);
int probe_tiff_tag(const unsigned char *tiff, size_t len, uint16_t tag,
		   uint32_t *value_r);

/* probe_jpeg.c: kind is JPEG; fills size, orientation, damage. */
int probe_jpeg(const struct probe_input *in, struct facts *f, const char **error_r);
/* probe_video.c: returns 1 if a video stream was found (facts filled, kind
 * VIDEO, maybe damaged); 0 if the container is readable but holds no video
 * (audio only); -1 with why[] filled if it cannot be read as a video
 * container. Facts are untouched unless 1 is returned. Only once FFmpeg is
 * loaded (probe_av_loaded(), probe-av.h). */
int probe_video(const struct probe_input *in, struct facts *f, char *why,
		size_t why_size);
/* What the probe of a file returns, besides 0 and -1, when the file may be
 * a video and FFmpeg is not loaded in this process: nothing was probed;
 * load it (probe_av_load()) where that is allowed and probe again. */
#define PROBE_NEED_AV 1
/* probe_doc.c */
int probe_pdf(const struct probe_input *in, struct facts *f, const char **error_r);
/* OLE2 compound file: kind DOC (Word, WPS, unknown) or OTHER (Excel, ET,
 * PowerPoint: mime and magic tell); damaged when truncated. */
int probe_ole(const struct probe_input *in, struct facts *f, const char **error_r);
/* The stream called name in the root storage of the OLE2 file (fd, size),
 * its first max bytes at most, in *data_r (malloc'd, *len_r bytes; fewer
 * when the file ends first). 1; 0 when there is no such stream or the
 * structure cannot be followed; -1 with *error_r on a read error. */
int probe_ole_stream(int fd, uint64_t size, const char *name, size_t max,
		     unsigned char **data_r, size_t *len_r, const char **error_r);
/* probe_ole_text.c: the text of a Word 97+ / WPS file in the doctext
 * format (doctext.h), appended to out (at most DOCTEXT_MAX). 0, or -1 with
 * *error_r on a read error; bad content is not an error (nothing or less
 * is written). */
int probe_ole_text(int fd, uint64_t size, struct buf *out, const char **error_r);
/* probe_zip.c: kind DOCX or ZIP; DOCX read through to the end. */
int probe_zip(const struct probe_input *in, struct facts *f, const char **error_r);

/* probe_pict.c: pictures inside documents. */
/* Whether an embedded file is a picture: by its first bytes (JPEG, PNG,
 * GIF, BMP, TIFF, WebP, HEIF, EMF, WMF) or else by the extension of name
 * (png jpeg jpg gif bmp emf wmf tif tiff). */
bool probe_pict_is_image(const char *name, const unsigned char *head, size_t len);
/* The file sectors where pictures count (bit s: the sector at file offset
 * (s + 1) << shift); bits NULL: anywhere in the file. */
struct probe_pict_sectors {
	unsigned char *bits;             /* malloc'd by whoever fills it */
	uint64_t nbits;
	unsigned int shift;
};
/* Count the pictures in the first 64 MiB of an OLE2 file (.doc, .wps):
 * OfficeArt BLIP records, and bare JPEG/PNG/GIF/EMF outside them, that
 * start in one of the sectors; a picture inside another one counts once.
 * Returns 0 with *count_r set, -1 with *error_r set if reading failed. */
int probe_pict_scan(int fd, uint64_t size, const struct probe_pict_sectors *where,
		    int *count_r, const char **error_r);

/* probe_docx.c: the pictures of a DOCX, gathered while probe_zip.c reads
 * its entries through: begin() at each entry, data() with each block of
 * it, end() when it was read whole; then count() and free(). */
struct probe_docx_names {
	char **v;
	size_t n;
};
struct probe_docx_pics {
	int mode;                        /* what the current entry is to us */
	char *name;                      /* its name, while mode != 0 */
	struct buf data;                 /* its bytes so far (capped) */
	bool overflow;                   /* more than the cap */
	struct probe_docx_names media;   /* word/media/ entries that are pictures */
	struct probe_docx_names refs;    /* image relationship targets, resolved */
	bool doc_rels;                   /* word/_rels/document.xml.rels read */
	bool rels_lost;                  /* a word/_rels/ part over the cap */
};
#define PROBE_DOCX_PICS_INIT { 0, NULL, BUF_INIT, false, { NULL, 0 }, { NULL, 0 }, \
			       false, false }
void probe_docx_pics_begin(struct probe_docx_pics *p, const char *name);
void probe_docx_pics_data(struct probe_docx_pics *p, const void *data, size_t len);
void probe_docx_pics_end(struct probe_docx_pics *p);
/* Pictures in word/media/ that a relationship of type image in any
 * word/_rels/NAME.rels points to; all pictures in word/media/ when
 * word/_rels/document.xml.rels was missing or unreadable. */
int probe_docx_pics_count(struct probe_docx_pics *p);  /* sorts the names */
void probe_docx_pics_free(struct probe_docx_pics *p);

/* probe_pdf_qpdf.c: pages, text and scanned pages, a red seal, from the
 * page tree (libqpdf); leaves f as it is when qpdf cannot read the file. */
void probe_pdf_qpdf(const struct probe_input *in, struct facts *f);

/* probe_docx_text.c: the text of a DOCX (doctext.h), gathered like the
 * pictures while probe_zip.c reads the package through: begin() at each
 * entry, data() with each block, end() after it; write() once the
 * package was read whole appends the doctext records to out. */
struct probe_docx_text;
struct probe_docx_text *probe_docx_text_new(void);
void probe_docx_text_begin(struct probe_docx_text *t, const char *name);
void probe_docx_text_data(struct probe_docx_text *t, const void *data, size_t len);
void probe_docx_text_end(struct probe_docx_text *t);
void probe_docx_text_write(struct probe_docx_text *t, struct buf *out);
void probe_docx_text_free(struct probe_docx_text **t);

/* probe.c helpers */
/* Mark damaged with a printf-formatted reason; the first reason wins. */
void probe_damaged(struct facts *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* pread() len bytes at off, retrying EINTR and short reads. Returns the
 * bytes read (less than len only at end of file) or -1. */
ssize_t probe_pread(int fd, void *buf, size_t len, uint64_t off);
/* Copy a string into a fixed array, truncating; always NUL-terminated. */
void probe_strlcpy(char *dst, const char *src, size_t size);
/* A thread-local "what: strerror(errno)" for error_r. */
const char *probe_syserror(const char *what);

#endif
