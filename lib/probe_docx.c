/* probe_docx: which pictures a DOCX shows.
 *
 * Word stores each picture once under word/media/ and points to it from
 * the relationships of the part that shows it: word/_rels/document.xml.rels
 * for the body, header1.xml.rels for a header (a company logo counts: it
 * is a picture in the document too), and so on. A file in word/media/
 * that no relationship names is not shown (Word leaves some behind after
 * edits), and a relationship to a picture that is not in the package
 * (a linked picture, TargetMode="External") shows nothing embedded. So
 * the count is the pictures of word/media/ that an image relationship of
 * any word/_rels/NAME.rels names — each picture once, however often shown.
 * When the body's relationships cannot be read (missing, over 1 MiB),
 * every picture in word/media/ counts.
 *
 * Relationship parts are small XML; they are scanned for Relationship
 * elements and their Type, Target and TargetMode attributes, without a
 * full XML parser. Entity references in targets are not decoded (Word
 * writes none there). SVG pictures do not count by themselves: Word
 * stores a PNG fallback beside each, which does. */
#include "probe_private.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	PROBE_DOCX_OTHER = 0,
	PROBE_DOCX_RELS,                        /* word/_rels/NAME.rels */
	PROBE_DOCX_MEDIA,                       /* word/media/... */
};

#define PROBE_DOCX_MAX_RELS (1024 * 1024)       /* bytes of one .rels read */
#define PROBE_DOCX_MEDIA_HEAD 64                /* bytes sniffed of a picture */
#define PROBE_DOCX_MAX_NAMES 4096               /* pictures, targets remembered */
#define PROBE_DOCX_MAX_NAME 512

static const char probe_docx_rels_dir[] = "word/_rels/";
static const char probe_docx_media_dir[] = "word/media/";

static bool probe_docx_has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Add a copy of s; duplicates are dropped when counting. Beyond the cap,
 * names are not remembered. */
static void probe_docx_names_add(struct probe_docx_names *ns, const char *s)
{
	if (ns->n >= PROBE_DOCX_MAX_NAMES)
		return;
	ns->v = xreallocarray(ns->v, ns->n + 1, sizeof(*ns->v));
	ns->v[ns->n++] = xstrdup(s);
}

/* Part names compare case-insensitively (OPC). */
static int probe_docx_names_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static void probe_docx_names_free(struct probe_docx_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

/* A target relative to word/ (or absolute from the package root) as a
 * zip entry name, "." and ".." resolved; false if too long. */
static bool probe_docx_resolve(const char *t, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (len > 0 && (t[0] == '/' || t[0] == '\\')) {
		t++;
		len--;
	} else {
		memcpy(out, "word", 4);
		o = 4;
	}
	while (len > 0) {
		size_t seg = 0;

		while (seg < len && t[seg] != '/' && t[seg] != '\\')
			seg++;
		if (seg == 2 && memcmp(t, "..", 2) == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (seg > 0 && !(seg == 1 && t[0] == '.')) {
			if (o + 1 + seg + 1 > size)
				return false;
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, t, seg);
			o += seg;
		}
		t += seg;
		len -= seg;
		if (len > 0) {
			t++;
			len--;
		}
	}
	out[o] = '\0';
	return o > 0;
}

/* One attribute name="value" (or '…') at *pp, before end; false at '>'
 * or the end. The name is given without its namespace prefix. */
static bool probe_docx_attr(const char **pp, const char *end, const char **name_r,
			    size_t *name_len_r, const char **value_r, size_t *value_len_r)
{
	const char *p = *pp, *n, *colon;
	char q;

	while (p < end && (isspace((unsigned char)*p) || *p == '/'))
		p++;
	if (p >= end || *p == '>')
		return false;
	n = p;
	while (p < end && *p != '=' && *p != '>' && !isspace((unsigned char)*p))
		p++;
	colon = memchr(n, ':', (size_t)(p - n));
	*name_r = colon != NULL ? colon + 1 : n;
	*name_len_r = (size_t)(p - *name_r);
	while (p < end && isspace((unsigned char)*p))
		p++;
	*value_r = "";
	*value_len_r = 0;
	if (p < end && *p == '=') {
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && (*p == '"' || *p == '\'')) {
			const char *v = ++p, *e;

			q = p[-1];
			e = memchr(v, q, (size_t)(end - v));
			if (e == NULL)
				return false;
			*value_r = v;
			*value_len_r = (size_t)(e - v);
			p = e + 1;
		}
	} else if (p < end && *p != '>') {
		p++; /* a stray character: step over it */
	}
	*pp = p;
	return true;
}

static bool probe_docx_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Each <Relationship Type=".../image" Target="…"> not External. */
static void probe_docx_parse_rels(struct probe_docx_pics *p, const char *x, size_t len)
{
	const char *end = x + len, *s = x;
	char path[PROBE_DOCX_MAX_NAME];

	while ((s = memchr(s, '<', (size_t)(end - s))) != NULL) {
		const char *name = ++s, *type = NULL, *target = NULL, *an, *av, *colon;
		size_t type_len = 0, target_len = 0, an_len, av_len;
		bool external = false;

		while (s < end && !isspace((unsigned char)*s) && *s != '>' && *s != '/')
			s++;
		colon = memchr(name, ':', (size_t)(s - name));
		if (colon != NULL)
			name = colon + 1;
		if (!probe_docx_is(name, (size_t)(s - name), "Relationship"))
			continue;
		while (probe_docx_attr(&s, end, &an, &an_len, &av, &av_len)) {
			if (probe_docx_is(an, an_len, "Type")) {
				type = av;
				type_len = av_len;
			} else if (probe_docx_is(an, an_len, "Target")) {
				target = av;
				target_len = av_len;
			} else if (probe_docx_is(an, an_len, "TargetMode")) {
				external = probe_docx_is(av, av_len, "External");
			}
		}
		if (type == NULL || target == NULL || external || type_len < 6 ||
		    memcmp(type + type_len - 6, "/image", 6) != 0)
			continue;
		if (probe_docx_resolve(target, target_len, path, sizeof(path)))
			probe_docx_names_add(&p->refs, path);
	}
}

void probe_docx_pics_begin(struct probe_docx_pics *p, const char *name)
{
	const char *rest;

	free(p->name);
	p->name = NULL;
	buf_truncate(&p->data, 0);
	p->overflow = false;
	p->mode = PROBE_DOCX_OTHER;
	if (probe_docx_has_prefix(name, probe_docx_rels_dir)) {
		rest = name + strlen(probe_docx_rels_dir);
		if (strchr(rest, '/') == NULL && strlen(rest) > 5 &&
		    strcasecmp(rest + strlen(rest) - 5, ".rels") == 0)
			p->mode = PROBE_DOCX_RELS;
	} else if (probe_docx_has_prefix(name, probe_docx_media_dir) &&
		   name[strlen(probe_docx_media_dir)] != '\0' &&
		   strlen(name) < PROBE_DOCX_MAX_NAME) {
		p->mode = PROBE_DOCX_MEDIA;
	}
	if (p->mode != PROBE_DOCX_OTHER)
		p->name = xstrdup(name);
}

void probe_docx_pics_data(struct probe_docx_pics *p, const void *data, size_t len)
{
	size_t cap = p->mode == PROBE_DOCX_RELS ? PROBE_DOCX_MAX_RELS :
		     PROBE_DOCX_MEDIA_HEAD;

	if (p->mode == PROBE_DOCX_OTHER)
		return;
	if (p->data.len + len > cap) {
		p->overflow = true;
		len = cap - p->data.len;
	}
	buf_append(&p->data, data, len);
}

void probe_docx_pics_end(struct probe_docx_pics *p)
{
	const unsigned char *d = (const unsigned char *)buf_cstr(&p->data);

	if (p->mode == PROBE_DOCX_RELS) {
		bool body = strcasecmp(p->name, "word/_rels/document.xml.rels") == 0;

		if (p->overflow)
			p->rels_lost = true;
		else
			probe_docx_parse_rels(p, (const char *)d, p->data.len);
		if (body && !p->overflow)
			p->doc_rels = true;
	} else if (p->mode == PROBE_DOCX_MEDIA) {
		if (probe_pict_is_image(p->name, d, p->data.len))
			probe_docx_names_add(&p->media, p->name);
	}
	free(p->name);
	p->name = NULL;
	p->mode = PROBE_DOCX_OTHER;
}

int probe_docx_pics_count(struct probe_docx_pics *p)
{
	bool all = !p->doc_rels || p->rels_lost;
	int n = 0;

	if (p->media.n == 0)
		return 0;
	qsort(p->media.v, p->media.n, sizeof(*p->media.v), probe_docx_names_cmp);
	if (p->refs.n > 0)
		qsort(p->refs.v, p->refs.n, sizeof(*p->refs.v), probe_docx_names_cmp);
	for (size_t i = 0; i < p->media.n; i++) {
		if (i > 0 && strcasecmp(p->media.v[i - 1], p->media.v[i]) == 0)
			continue;
		if (all || (p->refs.n > 0 &&
			    bsearch(&p->media.v[i], p->refs.v, p->refs.n, sizeof(*p->refs.v),
				    probe_docx_names_cmp) != NULL))
			n++;
	}
	return n;
}

void probe_docx_pics_free(struct probe_docx_pics *p)
{
	free(p->name);
	p->name = NULL;
	buf_free(&p->data);
	probe_docx_names_free(&p->media);
	probe_docx_names_free(&p->refs);
}
