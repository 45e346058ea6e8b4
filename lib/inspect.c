/* inspect: JSON and text views of a mail's parts, files and facts. */
#include "inspect.h"
#include "doctext.h"
#include "docform.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static const char *encoding_name(enum message_encoding e)
{
	switch (e) {
	case MESSAGE_ENC_BASE64: return "base64";
	case MESSAGE_ENC_QP: return "quoted-printable";
	case MESSAGE_ENC_IDENTITY: break;
	}
	return "identity";
}

static void inspect_json_header(struct json *j, const struct extract *ex,
				const char *key, const char *name)
{
	char *v = message_header_decoded(ex->msg, NULL, name);

	json_str(j, key, v);
	free(v);
}

static bool is_image(enum facts_kind k)
{
	return k == FACTS_KIND_JPEG || k == FACTS_KIND_PNG || k == FACTS_KIND_HEIC ||
	       k == FACTS_KIND_WEBP || k == FACTS_KIND_GIF || k == FACTS_KIND_BMP ||
	       k == FACTS_KIND_TIFF;
}

static void inspect_json_facts(struct json *j, const struct facts *fa)
{
	json_str(j, "type", fa->mime);
	json_str(j, "kind", facts_kind_name(fa->kind));
	json_str(j, "magic", fa->magic);
	if (is_image(fa->kind) && fa->width > 0) {
		json_int(j, "width", fa->width);
		json_int(j, "height", fa->height);
	}
	if (fa->kind == FACTS_KIND_JPEG)
		json_int(j, "orientation", fa->orientation);
	if (fa->kind == FACTS_KIND_VIDEO) {
		if (fa->duration >= 0)
			json_double(j, "duration", fa->duration, 2);
		else
			json_null(j, "duration");
		json_str(j, "container", fa->container);
		json_str(j, "codec", fa->codec);
		json_int(j, "coded_width", fa->coded_width);
		json_int(j, "coded_height", fa->coded_height);
		json_int(j, "rotation", fa->rotation);
		json_int(j, "display_width", fa->display_width);
		json_int(j, "display_height", fa->display_height);
	}
	if (fa->kind == FACTS_KIND_PDF && fa->pages > 0)
		json_int(j, "pages", fa->pages);
	if (fa->kind == FACTS_KIND_PDF && fa->pdf_read) {
		json_int(j, "text_pages", fa->pdf_text_pages);
		json_int(j, "scan_pages", fa->pdf_scan_pages);
		if (fa->pdf_seal == 0)
			json_null(j, "red_seal");
		else
			json_bool(j, "red_seal", fa->pdf_seal == 2);
	}
	if (fa->kind == FACTS_KIND_DOCX || fa->kind == FACTS_KIND_DOC) json_int(j, "doc_images", fa->doc_images);
	json_bool(j, "damaged", fa->damaged);
	json_str(j, "damage", fa->damaged ? fa->damage : NULL);
}

/* A Word document's text (doctext.h) as counts, and its paragraphs. */
static void inspect_json_text(struct json *j, const char *text)
{
	struct doctext *dt = doctext_parse(text, strlen(text));
	size_t tables = 0;
	int last_table = -1;

	for (size_t i = 0; i < dt->npars; i++) {
		if (dt->pars[i].table > last_table) {
			last_table = dt->pars[i].table;
			tables++;
		}
	}
	json_object_begin(j, "text");
	json_str(j, "format", dt->format);
	json_int(j, "paragraphs", (long long)dt->npars);
	json_int(j, "tables", (long long)tables);
	json_int(j, "words", (long long)docform_words(dt));
	json_bool(j, "page_number", dt->page_number);
	json_bool(j, "truncated", dt->truncated);
	json_array_begin(j, "lines");
	for (size_t i = 0; i < dt->npars && i < 400; i++)
		json_str(j, NULL, dt->pars[i].text);
	json_array_end(j);
	json_object_end(j);
	doctext_free(&dt);
}

static void inspect_json_file(struct json *j, const struct extract *ex,
			      const struct extract_file *f)
{
	char hex[65];

	json_object_begin(j, NULL);
	json_str(j, "path", f->path);
	json_str(j, "name", f->name);
	json_str(j, "parent", f->parent >= 0 ? ex->files[f->parent].path : NULL);
	json_int(j, "depth", f->depth);
	if (f->section[0] != '\0')
		json_str(j, "section", f->section);
	if (f->stored != NULL || f->size > 0) {
		json_int(j, "size", (long long)f->size);
		extract_sha256_hex(f, hex);
		json_str(j, "sha256", hex);
	}
	if (f->probed)
		inspect_json_facts(j, &f->facts);
	if (f->text != NULL)
		inspect_json_text(j, f->text);
	if (extract_archive_status(f) != NULL) {
		json_object_begin(j, "archive");
		json_str(j, "status", extract_archive_status(f));
		json_str(j, "detail", f->archive_detail);
		if (f->unsafe_entries > 0)
			json_int(j, "unsafe_entries", f->unsafe_entries);
		json_object_end(j);
	}
	if (f->encrypted)
		json_bool(j, "encrypted", true);
	if (f->unsafe != NULL)
		json_str(j, "unsafe", f->unsafe);
	json_object_end(j);
}

void inspect_json(const struct extract *ex, const char *file, struct buf *out)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_str(&j, "file", file);
	json_int(&j, "size", (long long)ex->msg->len);
	inspect_json_header(&j, ex, "message_id", "Message-ID");
	inspect_json_header(&j, ex, "subject", "Subject");
	inspect_json_header(&j, ex, "from", "From");
	inspect_json_header(&j, ex, "to", "To");
	inspect_json_header(&j, ex, "date", "Date");

	json_array_begin(&j, "parts");
	for (size_t i = 0; i < ex->msg->nparts; i++) {
		const struct message_part *p = &ex->msg->parts[i];
		json_object_begin(&j, NULL);
		json_str(&j, "section", p->section);
		json_str(&j, "type", p->type);
		json_str(&j, "role", message_role_name(p->role));
		json_str(&j, "filename", p->filename);
		json_str(&j, "encoding", encoding_name(p->encoding));
		json_int(&j, "encoded_size", (long long)p->body_len);
		json_object_end(&j);
	}
	json_array_end(&j);

	json_array_begin(&j, "files");
	for (size_t i = 0; i < ex->nfiles; i++)
		inspect_json_file(&j, ex, &ex->files[i]);
	json_array_end(&j);

	json_array_begin(&j, "problems");
	for (size_t i = 0; i < ex->nproblems; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "code", ex->problems[i].code);
		json_str(&j, "file", ex->problems[i].file);
		json_str(&j, "detail", ex->problems[i].detail);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_bool(&j, "truncated", ex->truncated || ex->msg->truncated);
	json_object_end(&j);
	buf_putc(out, '\n');
}

static void human_size(struct buf *out, uint64_t n)
{
	if (n >= 1024 * 1024)
		buf_printf(out, "%.1f MB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		buf_printf(out, "%.1f KB", (double)n / 1024);
	else
		buf_printf(out, "%llu B", (unsigned long long)n);
}

static void inspect_text_file(const struct extract *ex, const struct extract_file *f,
			      struct buf *out)
{
	const struct facts *fa = &f->facts;
	/* inside a container, show the path below it: "公司/照片1.jpg" */
	const char *rel = f->parent >= 0 ?
		f->path + strlen(ex->files[f->parent].path) + 1 : f->path;

	buf_printf(out, "  %*s%s — ", (int)f->depth * 2, "", rel);
	if (f->unsafe != NULL) {
		buf_printf(out, "refused: %s\n", f->unsafe);
		return;
	}
	if (f->encrypted && f->stored == NULL) {
		buf_puts(out, "encrypted: not readable without the password\n");
		return;
	}
	buf_printf(out, "%s, ", f->probed ? facts_kind_name(fa->kind) : "?");
	human_size(out, f->size);
	if (is_image(fa->kind) && fa->width > 0)
		buf_printf(out, ", %d×%d", fa->width, fa->height);
	if (fa->kind == FACTS_KIND_JPEG && fa->orientation > 1)
		buf_printf(out, ", EXIF orientation %d", fa->orientation);
	if (fa->kind == FACTS_KIND_VIDEO) {
		buf_printf(out, ", %s/%s %.1f s, coded %d×%d", fa->container, fa->codec,
			   fa->duration, fa->coded_width, fa->coded_height);
		if (fa->rotation != 0)
			buf_printf(out, ", rotated %d°", fa->rotation);
		buf_printf(out, ", shown %d×%d", fa->display_width, fa->display_height);
	}
	if (fa->kind == FACTS_KIND_PDF && fa->pages > 0)
		buf_printf(out, ", %d pages", fa->pages);
	if (fa->kind == FACTS_KIND_PDF && fa->pdf_read)
		buf_printf(out, " (%d with text, %d scanned)%s", fa->pdf_text_pages,
			   fa->pdf_scan_pages, fa->pdf_seal == 2 ? ", red seal" :
			   fa->pdf_seal == 1 ? ", no red seal seen" : "");
	const char *st = extract_archive_status(f);
	if (st != NULL && strcmp(st, "ok") != 0)
		buf_printf(out, ", archive %s%s%s", st, f->archive_detail != NULL ? ": " : "",
			   f->archive_detail != NULL ? f->archive_detail : "");
	if (fa->damaged)
		buf_printf(out, ", DAMAGED: %s", fa->damage);
	buf_printf(out, "  [%s]\n", fa->mime);
}

void inspect_text(const struct extract *ex, const char *file, struct buf *out)
{
	static const char *const headers[] = { "From", "To", "Subject", "Date" };

	buf_printf(out, "%s (", file);
	human_size(out, ex->msg->len);
	buf_puts(out, ")\n");
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		char *v = message_header_decoded(ex->msg, NULL, headers[i]);
		if (v != NULL)
			buf_printf(out, "  %-8s %s\n", headers[i], v);
		free(v);
	}
	buf_puts(out, "parts:\n");
	for (size_t i = 0; i < ex->msg->nparts; i++) {
		const struct message_part *p = &ex->msg->parts[i];
		buf_printf(out, "  %-8s %*s%s  %s", p->section[0] ? p->section : "-",
			   (int)p->depth * 2, "", p->type, message_role_name(p->role));
		if (p->filename != NULL)
			buf_printf(out, "  \"%s\"", p->filename);
		buf_putc(out, '\n');
	}
	buf_printf(out, "files (%zu):\n", ex->nfiles);
	for (size_t i = 0; i < ex->nfiles; i++)
		inspect_text_file(ex, &ex->files[i], out);
	if (ex->nproblems > 0) {
		buf_puts(out, "problems:\n");
		for (size_t i = 0; i < ex->nproblems; i++)
			buf_printf(out, "  %-22s %s: %s\n", ex->problems[i].code,
				   ex->problems[i].file != NULL ? ex->problems[i].file : "(mail)",
				   ex->problems[i].detail);
	}
}
