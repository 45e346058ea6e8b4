/* facts: names of file kinds. */
#include "facts.h"

#include <stddef.h>

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
