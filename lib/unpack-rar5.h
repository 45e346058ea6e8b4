#ifndef CASEMAIL_UNPACK_RAR5_H
#define CASEMAIL_UNPACK_RAR5_H
/* unpack-rar5: find the password-protected entries of a RAR 5 archive.
 *
 * libarchive 3.6 (Debian 12) skips the encryption record of RAR 5 file
 * headers: an encrypted entry looks plain and its data read fails with an
 * unrelated error ("Unsupported block header size"). unpack therefore walks
 * the RAR 5 block headers itself, reading only headers, never data.
 * Part of unpack (see unpack.h). */
#include <stdbool.h>
#include <stddef.h>

struct unpack_rar5_scan {
	bool headers_encrypted; /* "rar -hp": even the names need the password */
	size_t files;           /* file headers seen, at most max_files */
	bool *encrypted;        /* [files]: file header i has an encryption record */
};

/* Walk the blocks of the RAR 5 archive open as fd (with pread, so the
 * file offset is untouched), recording up to max_files file headers in
 * order: they match libarchive's entries one to one. Stops quietly at the
 * first block it cannot parse; what was seen until then is kept. */
void unpack_rar5_scan(int fd, size_t max_files, struct unpack_rar5_scan *scan_r);
/* Whether file header index was encrypted (false beyond what was seen). */
bool unpack_rar5_is_encrypted(const struct unpack_rar5_scan *scan, size_t index);
void unpack_rar5_scan_free(struct unpack_rar5_scan *scan);

#endif
