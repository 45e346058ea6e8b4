/* probe_zip: DOCX (and .wps saved as DOCX) versus other zips.
 *
 * A DOCX is a zip with word/document.xml, whatever libmagic calls it (it
 * guesses from the first entry names) and whatever its extension. The
 * entry names come from the zip directory via libarchive; a DOCX is then
 * read through, every entry decompressed and CRC-checked, so a cut-off or
 * corrupt file is reported damaged, its pictures are counted
 * (probe_docx.c) and its text is written out (probe_docx_text.c) when
 * the caller wants it. Other zips are only listed: unpacking
 * (and its limits) is the unpack module's business. */
#include "probe_private.h"
#include "xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PROBE_ZIP_MAX_ENTRIES 100000
#define PROBE_ZIP_MAX_BYTES (1024ULL * 1024 * 1024)  /* a DOCX expands to less */

static struct archive *probe_zip_open(int fd, const char **error_r)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		*error_r = "archive_read_new failed";
		return NULL;
	}
	(void)archive_read_support_format_zip(a);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		*error_r = probe_syserror("lseek");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static const char *probe_zip_name(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);

	if (name == NULL)
		name = archive_entry_pathname_utf8(e);
	return name != NULL ? name : "";
}

/* List the entries. Returns 1 if word/document.xml is among them, 0 if
 * not; err gets libarchive's message if the listing broke off, else "". */
static int probe_zip_list(struct archive *a, int fd, char *err, size_t err_size)
{
	struct archive_entry *e;
	int found = 0, r;

	err[0] = '\0';
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		snprintf(err, err_size, "%s", archive_error_string(a));
		return 0;
	}
	for (int n = 0; n < PROBE_ZIP_MAX_ENTRIES; n++) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			snprintf(err, err_size, "%s", archive_error_string(a) != NULL ?
				 archive_error_string(a) : "unreadable");
			break;
		}
		if (strcasecmp(probe_zip_name(e), "word/document.xml") == 0)
			found = 1;
	}
	return found;
}

/* Decompress every entry to the end; damaged if one does not. On the
 * way, count the pictures (probe_docx.c): what was read before damage
 * counts. */
static void probe_zip_verify(struct archive *a, int fd, struct facts *f, struct buf *text)
{
	struct probe_docx_pics pics = PROBE_DOCX_PICS_INIT;
	struct probe_docx_text *dt = text != NULL ? probe_docx_text_new() : NULL;
	struct archive_entry *e;
	unsigned char *buf = xmalloc(65536);
	uint64_t total = 0;
	int r;

	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		probe_damaged(f, "unreadable DOCX (%s)", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		ssize_t n;

		if (r < ARCHIVE_WARN) {
			probe_damaged(f, "damaged DOCX (%s)", archive_error_string(a));
			goto out;
		}
		if (archive_entry_is_encrypted(e)) {
			probe_damaged(f, "encrypted DOCX entry %s", probe_zip_name(e));
			goto out;
		}
		probe_docx_pics_begin(&pics, probe_zip_name(e));
		if (dt != NULL)
			probe_docx_text_begin(dt, probe_zip_name(e));
		while ((n = archive_read_data(a, buf, 65536)) > 0) {
			probe_docx_pics_data(&pics, buf, (size_t)n);
			if (dt != NULL)
				probe_docx_text_data(dt, buf, (size_t)n);
			total += (uint64_t)n;
			if (total > PROBE_ZIP_MAX_BYTES) {
				probe_damaged(f, "DOCX expands beyond %llu bytes",
					      (unsigned long long)PROBE_ZIP_MAX_BYTES);
				goto out;
			}
		}
		if (n < 0) {
			probe_damaged(f, "damaged DOCX entry %s (%s)", probe_zip_name(e),
				      archive_error_string(a));
			goto out;
		}
		probe_docx_pics_end(&pics);
		if (dt != NULL)
			probe_docx_text_end(dt);
	}
	if (dt != NULL)
		probe_docx_text_write(dt, text);
out:
	probe_docx_text_free(&dt);
	f->doc_images = probe_docx_pics_count(&pics);
	probe_docx_pics_free(&pics);
	free(buf);
}

int probe_zip(const struct probe_input *in, struct facts *f, const char **error_r)
{
	struct archive *a;
	char err[160];
	bool docx;

	f->kind = FACTS_KIND_ZIP;
	if ((a = probe_zip_open(in->fd, error_r)) == NULL)
		return -1;
	docx = probe_zip_list(a, in->fd, err, sizeof(err)) == 1 ||
	       strcmp(in->mime, "application/vnd.openxmlformats-officedocument."
			      "wordprocessingml.document") == 0;
	archive_read_free(a);
	if (docx)
		f->kind = FACTS_KIND_DOCX;
	if (err[0] != '\0') {
		probe_damaged(f, "%s (%s)", docx ? "damaged DOCX" : "unreadable zip", err);
		return 0;
	}
	if (!docx)
		return 0;
	if ((a = probe_zip_open(in->fd, error_r)) == NULL)
		return -1;
	probe_zip_verify(a, in->fd, f, in->text);
	archive_read_free(a);
	return 0;
}
