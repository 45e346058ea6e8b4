#ifndef CASEMAIL_EXTRACT_WIRE_H
#define CASEMAIL_EXTRACT_WIRE_H
/* extract-wire: a struct extract as bytes, from the sandboxed worker that
 * extracted a mail to the daemon that goes on with it.
 *
 * The worker runs extract_mail() and writes the result; the parent maps the
 * same mail file again and rebuilds a struct extract it uses exactly like
 * one from extract_mail(): the message's parts point into the parent's own
 * mapping (the worker sends offsets, not pointers), stored files are
 * <workdir>/<name> with the parent's workdir, problem codes are the
 * parent's static strings. The parent runs no MIME parser, decoder or
 * unpacker on the mail.
 *
 * The bytes are hostile: the worker parsed the mail and may have been
 * taken over by it. extract_wire_read() checks everything before the
 * parent relies on it (docs/architecture.md, "The worker's result"):
 *   - magic and version; every count within the limits in set (parts ≤
 *     max_parts, files ≤ max_files, problems ≤ 2 × max_files + 16) and
 *     within what the remaining bytes could hold; every length bounded;
 *     nothing left over;
 *   - strings without NUL; UTF-8 where the struct promises it (file paths,
 *     part file names, problem files, the body); sections digits and dots;
 *   - part and file parents earlier in the list (or -1), depths their
 *     parent's + 1 and within the limits; a file's path starts with its
 *     parent's path and '/' (check.c and inspect.c cut it there);
 *   - header and body offsets inside the mail, whose size must be the one
 *     the worker saw;
 *   - enums in range, flags known, facts sanitised (facts_sanitize());
 *   - a stored file is one plain name in the work directory (no '/', not
 *     "." or "..": the parent later links or copies it into the spool);
 *   - problem codes and the message's truncation limit are known names,
 *     replaced by the parent's own static strings.
 * Anything else is -1 with "worker result: …" in *error_r.
 *
 * Bounds the writer keeps by cutting (never for mails within the default
 * limits): strings taken from headers (part types, names, file MIME types)
 * and texts at EXTRACT_WIRE_STR_MAX bytes, the body at
 * EXTRACT_WIRE_BODY_MAX, both on a UTF-8 character boundary. The
 * body can exceed EXTRACT_BODY_MAX: that limit counts the bytes decoded
 * before the conversion to UTF-8, which may triple them (U+FFFD). */
#include <stddef.h>
#include "buf.h"
#include "extract.h"

#define EXTRACT_WIRE_VERSION 2
#define EXTRACT_WIRE_STR_MAX (64 * 1024)
/* a path holds at most max_depth + 1 components of at most 64 KiB (the
 * largest unpack_max_name_bytes) */
#define EXTRACT_WIRE_PATH_MAX (2 * 1024 * 1024)
#define EXTRACT_WIRE_BODY_MAX (4 * EXTRACT_BODY_MAX)

/* Append ex as bytes to out. Returns 0, or -1 with *error_r (thread-local)
 * when ex breaks its own contract: a part outside ex->msg->data, a stored
 * file outside ex->workdir, a path over EXTRACT_WIRE_PATH_MAX. */
int extract_wire_encode(const struct extract *ex, struct buf *out, const char **error_r);
/* extract_wire_encode() written to fd (no framing: the reader takes all
 * the bytes the writer wrote). Returns 0, or -1 with *error_r. */
int extract_wire_write(int fd, const struct extract *ex, const char **error_r);

/* Rebuild an extraction from the len bytes at data (untrusted, see above).
 * eml_path is the mail the worker extracted (mapped here again, with
 * set->message.max_size), workdir the directory it wrote the files in;
 * set are the limits the worker ran with (NULL = defaults). The caller
 * bounds len: the result's memory is a small multiple of it.
 * Returns 0 with *ex_r (free with extract_free()), or -1 with *error_r
 * (thread-local, valid until the next call): "worker result: …" for bytes
 * that break the format, else why the mail could not be mapped. */
int extract_wire_read(const void *data, size_t len, const char *eml_path,
		      const char *workdir, const struct extract_settings *set,
		      struct extract **ex_r, const char **error_r);

#endif
