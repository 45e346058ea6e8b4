#ifndef CASEMAIL_FACTS_H
#define CASEMAIL_FACTS_H
/* facts: what probing learnt about one file. Plain data without pointers,
 * so that a sandboxed probe child can hand it to its parent as bytes.
 * Strings are NUL-terminated and truncated to fit. */
#include <stdbool.h>
#include <stdint.h>

enum facts_kind {
	FACTS_KIND_OTHER = 0,
	FACTS_KIND_JPEG, FACTS_KIND_PNG, FACTS_KIND_HEIC, FACTS_KIND_WEBP,
	FACTS_KIND_GIF, FACTS_KIND_BMP, FACTS_KIND_TIFF,
	FACTS_KIND_VIDEO,
	FACTS_KIND_PDF, FACTS_KIND_DOCX, FACTS_KIND_DOC, /* DOC = OLE2 (doc, wps, …) */
	FACTS_KIND_ZIP, FACTS_KIND_7Z, FACTS_KIND_RAR, FACTS_KIND_TAR,
	FACTS_KIND_GZIP, FACTS_KIND_BZIP2, FACTS_KIND_XZ,
	FACTS_KIND_TEXT, FACTS_KIND_HTML, FACTS_KIND_EML,
	FACTS_KIND_EXECUTABLE, /* ELF, PE, Mach-O, scripts with #! */
	FACTS_KIND_COUNT
};

struct facts {
	enum facts_kind kind;
	char mime[96];          /* libmagic MIME type, "image/jpeg" */
	char magic[160];        /* libmagic description */

	bool damaged;           /* does not decode to the end / truncated / probe crashed */
	char damage[160];       /* short English reason when damaged */

	/* images (JPEG: from the SOF; others where cheaply known, else 0) */
	int width, height;
	int orientation;        /* EXIF Orientation 1..8; 1 when absent; 0 = not a JPEG */

	/* video (kind == FACTS_KIND_VIDEO) */
	double duration;        /* seconds; < 0 unknown */
	char container[32];     /* "mp4", "mov", "avi", "mkv", "webm", "3gp", "flv", … */
	char codec[32];         /* "h264", "hevc", "mpeg4", … */
	int coded_width, coded_height;
	int rotation;           /* clockwise degrees the player turns the frames: 0/90/180/270 */
	int display_width, display_height; /* after rotation */

	/* documents */
	int pages;              /* PDF page count when known, else 0 */
	bool pdf_read;          /* PDF: its page tree was read (libqpdf) */
	int pdf_text_pages;     /* pages that show text (of the first 100) */
	int pdf_scan_pages;     /* pages that are mostly an image: scans */
	int pdf_seal;           /* 0 unknown, 1 no red seal seen, 2 a red seal (heuristic) */
	int doc_images;  /* DOCX/DOC/WPS: embedded pictures found (count; 0 = none) */
};

/* "jpeg", "video", "docx", … — the kind names used in JSON output. */
const char *facts_kind_name(enum facts_kind kind);
/* True for kinds that unpack should open (zip, 7z, rar, tar, gzip, …;
 * not DOCX, which is a zip but a document). */
bool facts_kind_is_archive(enum facts_kind kind);
/* Make facts that arrived as bytes from another process safe to use:
 * kind in range, every string NUL-terminated inside its array, damaged
 * exactly true or false, doc_images and pages >= 0, PDF page counts
 * within pages and pdf_seal 0..2, a duration that is not a finite
 * number becomes -1 (unknown). */
void facts_sanitize(struct facts *f);

#endif
