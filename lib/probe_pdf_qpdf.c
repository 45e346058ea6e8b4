/* probe_pdf_qpdf: what a PDF's pages are, read with libqpdf's C API.
 *
 * probe_doc.c checks that a PDF is whole; this reads it as a document:
 *   - pages: from the page tree (qpdf follows object and cross-reference
 *     streams, which a byte scan cannot: Word's and WPS's "save as PDF"
 *     put the page objects in object streams);
 *   - per page (the first PROBE_PDF_MAX_PAGES): whether it shows text
 *     (a text-showing operator with a visible render mode: an OCR layer,
 *     Tr 3, is not shown) and whether it is a scan (an image drawn over
 *     at least half the page, by the current transformation matrix);
 *   - a red seal (seal.h) in one of its first PROBE_PDF_MAX_IMAGES
 *     images: JPEG (DCTDecode) decoded small with libjpeg-turbo, 8-bit
 *     RGB or grey after qpdf's general filters; others are not looked at.
 * Streams are never decoded by qpdf, which has no limit on what they
 * expand to (a flate bomb): their raw bytes are inflated here, up to what
 * is needed (a content stream PROBE_PDF_MAX_CONTENT, an image its pixels),
 * and only when FlateDecode (or nothing) is their filter.
 * The file is read into memory (at most PROBE_PDF_MAX_BYTES; larger
 * PDFs keep the byte scan's count) and qpdf reads it from there: it opens
 * nothing, as the probe child may not. Encrypted PDFs, which qpdf could
 * open only with a password or a crypto provider, are left at the scan.
 * qpdf's C API catches its exceptions; its warnings are silenced. */
#include "probe_private.h"
#include "seal.h"
#include "xalloc.h"

#include <qpdf/qpdf-c.h>
#include <stdlib.h>
#include <zlib.h>
#include <string.h>
#include <turbojpeg.h>

#define PROBE_PDF_MAX_BYTES (128ULL * 1024 * 1024)
#define PROBE_PDF_MAX_PAGES 100
#define PROBE_PDF_MAX_IMAGES 12
#define PROBE_PDF_MAX_CONTENT (8 * 1024 * 1024)
#define PROBE_PDF_MAX_PIXELS (40 * 1000 * 1000)
#define PROBE_PDF_SEAL_SIDE 640     /* images decoded to at most this size */
#define PROBE_PDF_MAX_OBJSTM (64 * 1024 * 1024) /* object streams, inflated, all */

struct pdf_ctm {
	double m[6];
};

struct pdf_page {
	qpdf_data q;
	qpdf_oh page;
	double page_area;
	bool text, scan;
	int *images_left;
	int seal;                  /* -1 unknown, 0, 1 */
	char last_name[128];       /* the last /Name operand, for Do */
	double nums[6];            /* the last numeric operands */
	int nnums;
	int render_mode;
};

static void pdf_ctm_mul(struct pdf_ctm *c, const double *m)
{
	const double *a = m, *b = c->m;
	double r[6] = {
		a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
		a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
		a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
	};

	memcpy(c->m, r, sizeof(r));
}

/* An image's pixels as RGB for seal_find(); *rgb_r malloc'd. */
static bool pdf_image_rgb_dct(const unsigned char *data, size_t len, unsigned char **rgb_r,
			      int *w_r, int *h_r)
{
	tjhandle tj = tjInitDecompress();
	int w, h, sub, cs, nsf;
	tjscalingfactor *sf;
	bool ok = false;

	if (tj == NULL)
		return false;
	if (tjDecompressHeader3(tj, data, (unsigned long)len, &w, &h, &sub, &cs) < 0 ||
	    (uint64_t)w * (uint64_t)h > 400ULL * 1000 * 1000)
		goto out;
	sf = tjGetScalingFactors(&nsf);
	for (int i = 0; sf != NULL && i < nsf; i++) {
		int sw = TJSCALED(w, sf[i]), sh = TJSCALED(h, sf[i]);

		/* the largest scale that keeps the image near the seal size */
		if ((sw <= PROBE_PDF_SEAL_SIDE && sh <= PROBE_PDF_SEAL_SIDE) || i == nsf - 1) {
			if (sf[i].num > sf[i].denom)
				continue;
			*rgb_r = xmalloc((size_t)sw * (size_t)sh * 3);
			if (tjDecompress2(tj, data, (unsigned long)len, *rgb_r, sw, 0, sh, TJPF_RGB,
					  TJFLAG_FASTDCT) < 0 && tjGetErrorCode(tj) == TJERR_FATAL) {
				free(*rgb_r);
				*rgb_r = NULL;
				goto out;
			}
			*w_r = sw;
			*h_r = sh;
			ok = true;
			break;
		}
	}
out:
	tjDestroy(tj);
	return ok;
}

/* Inflate raw into at most cap bytes (*out_r malloc'd, *len_r); what
 * lies beyond cap is not decoded. False if it is not zlib data. */
static bool pdf_inflate(const unsigned char *raw, size_t len, size_t cap,
			unsigned char **out_r, size_t *len_r)
{
	z_stream z;
	unsigned char *out;
	int r;

	memset(&z, 0, sizeof(z));
	if (cap == 0 || inflateInit(&z) != Z_OK)
		return false;
	out = xmalloc(cap);
	z.next_in = (unsigned char *)raw;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	z.next_out = out;
	z.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
	r = inflate(&z, Z_FINISH);
	*len_r = (size_t)z.total_out;
	inflateEnd(&z);
	if (r != Z_STREAM_END && r != Z_BUF_ERROR && !(r == Z_DATA_ERROR && *len_r > 0)) {
		free(out);
		return false;
	}
	*out_r = out;
	return true;
}

/* Whether the object streams (which qpdf inflates whole to read the
 * objects in them) expand to at most PROBE_PDF_MAX_OBJSTM bytes in all:
 * each "/ObjStm" dictionary's stream is inflated into a small buffer that
 * is thrown away, stopping at the cap. A flate bomb in an object stream
 * leaves the PDF to the byte scan. */
static bool pdf_objstm_ok(const unsigned char *file, size_t size)
{
	const unsigned char *p = file, *end = file + size;
	unsigned char sink[65536];
	uint64_t total = 0;

	while ((p = memmem(p, (size_t)(end - p), "/ObjStm", 7)) != NULL) {
		const unsigned char *s = memmem(p, (size_t)(end - p) < 4096 ? (size_t)(end - p) : 4096,
						"stream", 6);
		z_stream z;
		int r = Z_OK;

		p += 7;
		if (s == NULL)
			continue;
		s += 6;
		s += s < end && *s == '\r';
		s += s < end && *s == '\n';
		memset(&z, 0, sizeof(z));
		if (inflateInit(&z) != Z_OK)
			return false;
		z.next_in = (unsigned char *)s;
		z.avail_in = (size_t)(end - s) > UINT32_MAX ? UINT32_MAX : (uInt)(end - s);
		while (r == Z_OK && total <= PROBE_PDF_MAX_OBJSTM) {
			z.next_out = sink;
			z.avail_out = sizeof(sink);
			r = inflate(&z, Z_NO_FLUSH);
			total += sizeof(sink) - z.avail_out;
		}
		inflateEnd(&z);
		if (total > PROBE_PDF_MAX_OBJSTM)
			return false;
	}
	return true;
}

/* A stream's data when its filter is FlateDecode or none, at most cap
 * bytes decoded; false for other filters (or none readable). */
static bool pdf_stream_bounded(qpdf_data q, qpdf_oh stream, size_t cap, unsigned char **out_r,
			       size_t *len_r)
{
	qpdf_oh filter = qpdf_oh_get_key(q, qpdf_oh_get_dict(q, stream), "/Filter");
	unsigned char *raw = NULL;
	size_t len = 0;
	bool flate, ok;

	if (qpdf_oh_is_array(q, filter) && qpdf_oh_get_array_n_items(q, filter) == 1)
		filter = qpdf_oh_get_array_item(q, filter, 0);
	flate = qpdf_oh_is_name(q, filter) && strcmp(qpdf_oh_get_name(q, filter), "/FlateDecode") == 0;
	if (!flate && !qpdf_oh_is_null(q, filter))
		return false;
	if (qpdf_oh_get_stream_data(q, stream, qpdf_dl_none, NULL, &raw, &len) != QPDF_SUCCESS)
		return false;
	if (!flate) {
		if (len > cap)
			len = cap;
		*out_r = raw;
		*len_r = len;
		return true;
	}
	ok = pdf_inflate(raw, len, cap, out_r, len_r);
	free(raw);
	return ok;
}

/* The page's content streams, concatenated, at most PROBE_PDF_MAX_CONTENT. */
static bool pdf_page_content(qpdf_data q, qpdf_oh page, struct buf *out)
{
	qpdf_oh c = qpdf_oh_get_key(q, page, "/Contents");
	int n = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_n_items(q, c) : 1;

	for (int i = 0; i < n && i < 64 && out->len < PROBE_PDF_MAX_CONTENT; i++) {
		qpdf_oh s = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_item(q, c, i) : c;
		unsigned char *data;
		size_t len;

		if (!qpdf_oh_is_stream(q, s) ||
		    !pdf_stream_bounded(q, s, PROBE_PDF_MAX_CONTENT - out->len, &data, &len))
			return out->len > 0;
		buf_append(out, data, len);
		buf_putc(out, '\n');
		free(data);
	}
	return true;
}

static int pdf_int_key(qpdf_data q, qpdf_oh dict, const char *key)
{
	qpdf_oh v = qpdf_oh_get_key(q, dict, key);

	return qpdf_oh_is_integer(q, v) ? qpdf_oh_get_int_value_as_int(q, v) : -1;
}

/* The image's colour components when they are plain RGB or grey. */
static int pdf_image_components(qpdf_data q, qpdf_oh dict)
{
	qpdf_oh cs = qpdf_oh_get_key(q, dict, "/ColorSpace");

	if (qpdf_oh_is_name(q, cs)) {
		const char *n = qpdf_oh_get_name(q, cs);

		return strcmp(n, "/DeviceRGB") == 0 ? 3 : strcmp(n, "/DeviceGray") == 0 ? 1 : 0;
	}
	if (qpdf_oh_is_array(q, cs) && qpdf_oh_get_array_n_items(q, cs) == 2) {
		qpdf_oh kind = qpdf_oh_get_array_item(q, cs, 0);
		qpdf_oh icc = qpdf_oh_get_array_item(q, cs, 1);

		if (qpdf_oh_is_name(q, kind) && strcmp(qpdf_oh_get_name(q, kind), "/ICCBased") == 0 &&
		    qpdf_oh_is_stream(q, icc)) {
			int n = pdf_int_key(q, qpdf_oh_get_dict(q, icc), "/N");

			return n == 3 || n == 1 ? n : 0;
		}
	}
	return 0;
}

static void pdf_image_seal(struct pdf_page *pg, qpdf_oh img)
{
	qpdf_data q = pg->q;
	qpdf_oh dict = qpdf_oh_get_dict(q, img), filter = qpdf_oh_get_key(q, dict, "/Filter");
	int w = pdf_int_key(q, dict, "/Width"), h = pdf_int_key(q, dict, "/Height");
	unsigned char *data = NULL, *rgb = NULL;
	size_t len = 0;
	int rw = 0, rh = 0, comps;
	struct seal_result sr;

	if (pg->seal == 1 || *pg->images_left <= 0 || w <= 0 || h <= 0 ||
	    (int64_t)w * h > PROBE_PDF_MAX_PIXELS)
		return;
	(*pg->images_left)--;
	if (qpdf_oh_is_name(q, filter) && strcmp(qpdf_oh_get_name(q, filter), "/DCTDecode") == 0) {
		if (qpdf_oh_get_stream_data(q, img, qpdf_dl_none, NULL, &data, &len) != QPDF_SUCCESS)
			goto out;
		if (!pdf_image_rgb_dct(data, len, &rgb, &rw, &rh))
			goto out;
	} else if ((comps = pdf_image_components(q, dict)) > 0 &&
		   pdf_int_key(q, dict, "/BitsPerComponent") == 8 &&
		   !qpdf_oh_has_key(q, dict, "/DecodeParms")) {
		if (!pdf_stream_bounded(q, img, (size_t)w * (size_t)h * (size_t)comps, &data,
					&len) || len < (size_t)w * (size_t)h * (size_t)comps)
			goto out;
		rgb = xmalloc((size_t)w * (size_t)h * 3);
		for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
			for (int k = 0; k < 3; k++)
				rgb[i * 3 + k] = data[i * (size_t)comps + (comps == 3 ? (size_t)k : 0)];
		rw = w;
		rh = h;
	} else {
		goto out;       /* JPX, JBIG2, CCITT (bilevel: no colour), indexed … */
	}
	seal_find(rgb, rw, rh, (size_t)rw * 3, &sr);
	if (sr.found)
		pg->seal = 1;
	else if (pg->seal < 0)
		pg->seal = 0;
out:
	free(data);
	free(rgb);
}

/* "Do" of an XObject: an image's area on the page (its unit square under
 * the CTM) makes the page a scan when it covers half of it. */
static void pdf_do(struct pdf_page *pg, const struct pdf_ctm *ctm)
{
	qpdf_data q = pg->q;
	qpdf_oh res = qpdf_oh_get_key(q, pg->page, "/Resources"), xobjs, x;
	double area;

	if (!qpdf_oh_is_dictionary(q, res))
		return;
	xobjs = qpdf_oh_get_key(q, res, "/XObject");
	if (!qpdf_oh_is_dictionary(q, xobjs) || !qpdf_oh_has_key(q, xobjs, pg->last_name))
		return;
	x = qpdf_oh_get_key(q, xobjs, pg->last_name);
	if (!qpdf_oh_is_stream(q, x) ||
	    !qpdf_oh_is_or_has_name(q, qpdf_oh_get_key(q, qpdf_oh_get_dict(q, x), "/Subtype"),
				    "/Image"))
		return;
	area = ctm->m[0] * ctm->m[3] - ctm->m[1] * ctm->m[2];
	if (area < 0)
		area = -area;
	if (pg->page_area > 0 && area >= pg->page_area * 0.5)
		pg->scan = true;
	pdf_image_seal(pg, x);
}

static void pdf_operator(struct pdf_page *pg, const char *op, size_t len,
			 struct pdf_ctm *stack, int *depth)
{
#define OP(s) (len == sizeof(s) - 1 && memcmp(op, s, len) == 0)
	if (OP("q")) {
		if (*depth < 31) {
			stack[*depth + 1] = stack[*depth];
			(*depth)++;
		}
	} else if (OP("Q")) {
		if (*depth > 0)
			(*depth)--;
	} else if (OP("cm") && pg->nnums >= 6) {
		pdf_ctm_mul(&stack[*depth], pg->nums);
	} else if (OP("Tr") && pg->nnums >= 1) {
		pg->render_mode = (int)pg->nums[pg->nnums >= 6 ? 5 : pg->nnums - 1];
	} else if (OP("Tj") || OP("TJ") || OP("'") || OP("\"")) {
		if (pg->render_mode != 3)
			pg->text = true;
	} else if (OP("Do") && pg->last_name[0] != '\0') {
		pdf_do(pg, &stack[*depth]);
	}
	pg->nnums = 0;
#undef OP
}

/* A small tokenizer over a content stream: operands that matter (numbers
 * for cm and Tr, names for Do), strings and arrays skipped, inline images
 * (BI … ID … EI) skipped. */
static void pdf_content(struct pdf_page *pg, const unsigned char *s, size_t len)
{
	struct pdf_ctm stack[32] = { { { 1, 0, 0, 1, 0, 0 } } };
	int depth = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];

		if (c <= ' ') {
			i++;
		} else if (c == '%') {
			while (i < len && s[i] != '\n' && s[i] != '\r')
				i++;
		} else if (c == '(') {
			int nest = 0;

			for (; i < len; i++) {
				if (s[i] == '\\')
					i++;
				else if (s[i] == '(')
					nest++;
				else if (s[i] == ')' && --nest == 0)
					break;
			}
			i++;
		} else if (c == '<' && i + 1 < len && s[i + 1] != '<') {
			while (i < len && s[i] != '>')
				i++;
			i++;
		} else if (c == '[' || c == ']' || c == '<' || c == '>' || c == '{' || c == '}') {
			i++;
		} else if (c == '/') {
			size_t st = i;

			i++;
			while (i < len && s[i] > ' ' && !strchr("/[]()<>{}%", s[i]))
				i++;
			if (i - st < sizeof(pg->last_name)) {
				memcpy(pg->last_name, s + st, i - st);
				pg->last_name[i - st] = '\0';
			}
		} else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
			char num[32];
			size_t st = i, n;

			while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
					   s[i] == '+' || s[i] == '.'))
				i++;
			n = i - st < sizeof(num) - 1 ? i - st : sizeof(num) - 1;
			memcpy(num, s + st, n);
			num[n] = '\0';
			if (pg->nnums == 6)
				memmove(pg->nums, pg->nums + 1, 5 * sizeof(double));
			pg->nums[pg->nnums < 6 ? pg->nnums++ : 5] = strtod(num, NULL);
		} else {
			size_t st = i;

			while (i < len && s[i] > ' ' && !strchr("/[]()<>{}%", s[i]))
				i++;
			if (i - st == 2 && memcmp(s + st, "ID", 2) == 0) {
				/* inline image data up to EI */
				while (i + 2 < len && !(s[i] <= ' ' && s[i + 1] == 'E' &&
							s[i + 2] == 'I'))
					i++;
				i += 3;
				pg->nnums = 0;
				continue;
			}
			pdf_operator(pg, (const char *)s + st, i - st, stack, &depth);
		}
	}
}

static double pdf_page_area(qpdf_data q, qpdf_oh page)
{
	qpdf_oh box = qpdf_oh_get_key(q, page, "/MediaBox");
	double v[4];

	if (!qpdf_oh_is_array(q, box) || qpdf_oh_get_array_n_items(q, box) != 4)
		return 612.0 * 792.0;   /* inherited from /Pages: US Letter or A4 alike */
	for (int i = 0; i < 4; i++) {
		qpdf_oh n = qpdf_oh_get_array_item(q, box, i);

		if (!qpdf_oh_is_number(q, n))
			return 612.0 * 792.0;
		v[i] = qpdf_oh_get_numeric_value(q, n);
	}
	return (v[2] - v[0]) * (v[3] - v[1]) < 0 ? -(v[2] - v[0]) * (v[3] - v[1]) :
	       (v[2] - v[0]) * (v[3] - v[1]);
}

void probe_pdf_qpdf(const struct probe_input *in, struct facts *f)
{
	qpdf_data q;
	unsigned char *file;
	int pages, images_left = PROBE_PDF_MAX_IMAGES, seal = -1;
	ssize_t n;

	if (in->size == 0 || in->size > PROBE_PDF_MAX_BYTES)
		return;
	file = xmalloc((size_t)in->size);
	n = probe_pread(in->fd, file, (size_t)in->size, 0);
	if (n != (ssize_t)in->size) {
		free(file);
		return;
	}
	if (!pdf_objstm_ok(file, (size_t)in->size)) {
		free(file);
		return;
	}
	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	if ((qpdf_read_memory(q, "pdf", (const char *)file, (unsigned long long)in->size, NULL) &
	     QPDF_ERRORS) != 0 || qpdf_is_encrypted(q) || (pages = qpdf_get_num_pages(q)) < 0)
		goto out;
	f->pages = pages;
	f->pdf_read = true;
	for (int i = 0; i < pages && i < PROBE_PDF_MAX_PAGES; i++) {
		struct pdf_page pg = { .q = q, .page = qpdf_get_page_n(q, (size_t)i),
				       .images_left = &images_left, .seal = seal };
		struct buf content = BUF_INIT;

		pg.page_area = pdf_page_area(q, pg.page);
		if (pdf_page_content(q, pg.page, &content))
			pdf_content(&pg, (const unsigned char *)buf_cstr(&content), content.len);
		buf_free(&content);
		f->pdf_text_pages += pg.text;
		f->pdf_scan_pages += pg.scan;
		seal = pg.seal;
		qpdf_oh_release_all(q);
	}
	f->pdf_seal = seal + 1;
out:
	/* take the error and the warnings, or qpdf_cleanup() prints them */
	while (qpdf_more_warnings(q))
		(void)qpdf_next_warning(q);
	if (qpdf_has_error(q))
		(void)qpdf_get_error(q);
	qpdf_cleanup(&q);
	free(file);
}
