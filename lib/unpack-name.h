#ifndef CASEMAIL_UNPACK_NAME_H
#define CASEMAIL_UNPACK_NAME_H
/* unpack-name: turn the raw name bytes of an archive entry into the
 * '/'-separated UTF-8 path casemail reports, and say whether it is safe.
 * Part of unpack (see unpack.h); separate so it can be tested alone. */
#include <stddef.h>
#include "buf.h"

/* Decode raw (UTF-8 if valid, else GB18030, see charset.h), treat '\\' as
 * a separator, drop empty and "." components and a leading "./", and show
 * control bytes as '?'. Appends the result to out (cut to max_bytes on a
 * character boundary when too long). Returns NULL when the name is safe
 * to report as a relative path, else a static reason: "absolute path"
 * (leading '/', '\\' or a drive letter "C:"), "'..' component",
 * "name too long" or "empty name". The refused name keeps its leading '/'
 * or its ".." so that reports show what the sender wrote. */
const char *unpack_name_clean(const char *raw, size_t raw_len,
			      size_t max_bytes, struct buf *out);

/* The name of the one file inside a single compressed file: the base name
 * of archive_name without a compression suffix (".gz", ".bz2", ".xz",
 * ".lzma", ".lz", ".lz4", ".zst", ".Z", ".z"); archive_name itself when it
 * has none. Appends it, cleaned as above, to out, and returns the same
 * as unpack_name_clean(). */
const char *unpack_name_single(const char *archive_name, size_t max_bytes,
			       struct buf *out);

#endif
