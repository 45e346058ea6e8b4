#ifndef CASEMAIL_PROBE_PRIVATE_H
#define CASEMAIL_PROBE_PRIVATE_H
/* probe_private: what the probe_*.c parts share. Not for other modules.
 *
 * probe.c opens the file, reads its head, asks libmagic and the magic-byte
 * sniffer (probe_sniff.c) what it is, and hands the open file to one of
 * the format parts: probe_jpeg.c, probe_video.c, probe_doc.c (PDF, OLE2),
 * probe_zip.c (DOCX and other zips). Parts never fail on bad content —
 * that is facts->damaged — only on system errors (read failing). */
#include "probe.h"

#include <magic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes read from the start of every file for sniffing. */
#define PROBE_HEAD_SIZE 65536

struct probe {
	struct probe_settings set;       /* defaults filled in */
	magic_t mime_cookie, desc_cookie;
};

struct probe_input {
	const struct probe_settings *set;
	const char *path;                /* for messages only: the file is fd */
	int fd;                          /* read with pread; offset not relied on */
	uint64_t size;
	const unsigned char *head;       /* the first head_len bytes */
	size_t head_len;
	const char *mime;                /* libmagic's MIME type, "" if none */
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
 * container. Facts are untouched unless 1 is returned. */
int probe_video(const struct probe_input *in, struct facts *f, char *why,
		size_t why_size);
/* Apply the CASEMAIL_AV_LOG environment variable to FFmpeg's log level. */
void probe_video_init(void);
/* probe_doc.c */
int probe_pdf(const struct probe_input *in, struct facts *f, const char **error_r);
/* OLE2 compound file: kind DOC (Word, WPS, unknown) or OTHER (Excel, ET,
 * PowerPoint: mime and magic tell); damaged when truncated. */
int probe_ole(const struct probe_input *in, struct facts *f, const char **error_r);
/* probe_zip.c: kind DOCX or ZIP; DOCX read through to the end. */
int probe_zip(const struct probe_input *in, struct facts *f, const char **error_r);

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
