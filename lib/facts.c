/* facts: names of file kinds; making facts that crossed a process boundary safe. */
#include "facts.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const facts_kind_names[FACTS_KIND_COUNT] = {
	[FACTS_KIND_OTHER] = "other",
	[FACTS_KIND_JPEG] = "jpeg", [FACTS_KIND_PNG] = "png", [FACTS_KIND_HEIC] = "heic",
	[FACTS_KIND_WEBP] = "webp", [FACTS_KIND_GIF] = "gif", [FACTS_KIND_BMP] = "bmp",
	[FACTS_KIND_TIFF] = "tiff", [FACTS_KIND_VIDEO] = "video",
	[FACTS_KIND_PDF] = "pdf", [FACTS_KIND_DOCX] = "docx", [FACTS_KIND_DOC] = "doc",
	[FACTS_KIND_ZIP] = "zip", [FACTS_KIND_7Z] = "7z", [FACTS_KIND_RAR] = "rar",
	[FACTS_KIND_TAR] = "tar", [FACTS_KIND_GZIP] = "gzip", [FACTS_KIND_BZIP2] = "bzip2",
	[FACTS_KIND_XZ] = "xz", [FACTS_KIND_TEXT] = "text", [FACTS_KIND_HTML] = "html",
	[FACTS_KIND_EML] = "eml", [FACTS_KIND_EXECUTABLE] = "executable",
};

const char *facts_kind_name(enum facts_kind kind)
{
	if ((unsigned)kind >= FACTS_KIND_COUNT || facts_kind_names[kind] == NULL)
		return "other";
	return facts_kind_names[kind];
}

bool facts_kind_is_archive(enum facts_kind kind)
{
	switch (kind) {
	case FACTS_KIND_ZIP: case FACTS_KIND_7Z: case FACTS_KIND_RAR:
	case FACTS_KIND_TAR: case FACTS_KIND_GZIP: case FACTS_KIND_BZIP2:
	case FACTS_KIND_XZ:
		return true;
	default:
		return false;
	}
}

void facts_sanitize(struct facts *f)
{
	unsigned char damaged;

	if ((unsigned)f->kind >= FACTS_KIND_COUNT)
		f->kind = FACTS_KIND_OTHER;
	f->mime[sizeof(f->mime) - 1] = '\0';
	f->magic[sizeof(f->magic) - 1] = '\0';
	f->damage[sizeof(f->damage) - 1] = '\0';
	f->container[sizeof(f->container) - 1] = '\0';
	f->codec[sizeof(f->codec) - 1] = '\0';
	/* read the byte, not the bool: any byte value may have arrived */
	memcpy(&damaged, &f->damaged, 1);
	f->damaged = damaged != 0;
	if (f->doc_images < 0)
		f->doc_images = 0;
	if (f->pages < 0)
		f->pages = 0;
	memcpy(&damaged, &f->pdf_read, 1);
	f->pdf_read = damaged != 0;
	if (f->pdf_text_pages < 0 || f->pdf_text_pages > f->pages)
		f->pdf_text_pages = 0;
	if (f->pdf_scan_pages < 0 || f->pdf_scan_pages > f->pages)
		f->pdf_scan_pages = 0;
	if (f->pdf_seal < 0 || f->pdf_seal > 2)
		f->pdf_seal = 0;
	/* FFmpeg's duration × time base can be 0/0; NaN would pass every
	 * "too long" test and print as "nan" in JSON */
	if (!isfinite(f->duration))
		f->duration = -1;
}
