/* probe_docx_text: the paragraphs of a DOCX, with their place and format,
 * in the doctext format (doctext.h).
 *
 * probe_zip.c reads the package through; the parts needed here are kept
 * as they pass (document.xml up to 32 MiB, styles and theme up to 4 MiB;
 * headers and footers are looked at for a PAGE field and dropped), and
 * once the package was read whole, document.xml is walked with libxml2's
 * streaming reader:
 *
 *   - text is w:t (and w:tab, w:br, w:cr as spaces) of runs; deleted text
 *     (w:delText), hidden text (w:vanish on the run), field instructions (w:instrText, what lies between a
 *     field's begin and separate) and the Fallback of mc:AlternateContent
 *     (a copy of the Choice, for old readers) are not text;
 *   - a text box (w:txbxContent) inside a paragraph gives paragraphs of
 *     its own;
 *   - top-level tables are numbered in document order, their rows and
 *     cells counted; a nested table's text belongs to the outer cell;
 *   - font, size and bold of a run are resolved as Word does: direct
 *     formatting, then the character style (w:rStyle), the paragraph
 *     style and what it is based on, then w:docDefaults; a theme font
 *     (w:eastAsiaTheme) is looked up in theme1.xml. Line spacing and the
 *     outline level come from the paragraph and its style chain.
 *
 * A document with a DOCTYPE is not read (entities are a way to make a
 * small file expand); libxml2 reads nothing from the network or disk
 * (XML_PARSE_NONET, no DTD loading) and keeps its default depth limit.
 * Where the XML breaks off, the text so far is written and "#truncated"
 * tells the reader that more was there. */
#include "probe_private.h"
#include "doctext.h"
#include "xalloc.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOCX_TEXT_MAX_DOCUMENT (32 * 1024 * 1024)
#define DOCX_TEXT_MAX_PART (4 * 1024 * 1024)
#define DOCX_TEXT_MAX_STYLES 2000
#define DOCX_TEXT_MAX_CHAIN 16
#define DOCX_TEXT_MAX_PARS 8           /* a text box in a paragraph in … */
#define DOCX_TEXT_MAX_RUNFMT 16        /* distinct formats counted in one paragraph */

enum docx_part { PART_NONE, PART_DOCUMENT, PART_STYLES, PART_THEME, PART_HEADER };

/* Run and paragraph properties; -1 / "" = not set at this level. */
struct docx_props {
	char font[64];          /* w:eastAsia, or the theme font it names */
	char theme[16];         /* w:eastAsiaTheme "minorEastAsia", … */
	int size, bold;
	int line, line_rule;    /* rule: 0 auto, 1 exact/atLeast */
	int outline;            /* 0-based w:outlineLvl */
	int vanish;             /* w:vanish: hidden text */
};

struct docx_style {
	char id[64], based_on[64];
	int heading;            /* from the name: "heading N" → N, "Title" → 1 */
	bool is_default, paragraph;
	struct docx_props props;
};

struct docx_runfmt {
	struct docx_props p;
	size_t chars;
};

struct docx_par {
	struct buf text;
	char style[64];
	struct docx_props pprops;     /* direct paragraph formatting */
	struct docx_runfmt fmts[DOCX_TEXT_MAX_RUNFMT];
	size_t nfmts;
	bool in_table;
};

struct probe_docx_text {
	enum docx_part part;
	struct buf cur;               /* the entry being kept */
	bool cur_lost;
	struct buf document, styles, theme;
	bool document_lost, page_number;

	struct docx_style *styles_v;
	size_t nstyles;
	struct docx_props defaults;
	char theme_minor[64], theme_major[64];

	/* while walking document.xml */
	struct docx_par pars[DOCX_TEXT_MAX_PARS];
	int npar;
	struct docx_props run;        /* the current run's direct formatting */
	char run_style[64];
	int tbl_depth, table, row, col;
	int fallback_depth;           /* inside mc:Fallback: > 0 */
	bool in_field_code;
	bool in_rpr, in_ppr;
	int checkbox;                 /* in w:ffData/w:checkBox: 1 + checked, else 0 */
	bool unreadable;              /* the XML broke off or had a DOCTYPE */
};

static void docx_props_clear(struct docx_props *p)
{
	memset(p, 0, sizeof(*p));
	p->size = p->bold = p->line = p->line_rule = p->outline = p->vanish = -1;
}

struct probe_docx_text *probe_docx_text_new(void)
{
	struct probe_docx_text *t = xcalloc(1, sizeof(*t));

	docx_props_clear(&t->defaults);
	return t;
}

void probe_docx_text_free(struct probe_docx_text **tp)
{
	struct probe_docx_text *t = *tp;

	if (t == NULL)
		return;
	buf_free(&t->cur);
	buf_free(&t->document);
	buf_free(&t->styles);
	buf_free(&t->theme);
	for (int i = 0; i < DOCX_TEXT_MAX_PARS; i++)
		buf_free(&t->pars[i].text);
	free(t->styles_v);
	free(t);
	*tp = NULL;
}

/* Entry handling, as probe_zip.c reads the package. */

static bool docx_part_is(const char *name, const char *prefix, const char *suffix)
{
	size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);

	return n >= p + s && strncasecmp(name, prefix, p) == 0 &&
	       strcasecmp(name + n - s, suffix) == 0 && strchr(name + p, '/') == NULL;
}

void probe_docx_text_begin(struct probe_docx_text *t, const char *name)
{
	buf_truncate(&t->cur, 0);
	t->cur_lost = false;
	if (strcasecmp(name, "word/document.xml") == 0)
		t->part = PART_DOCUMENT;
	else if (strcasecmp(name, "word/styles.xml") == 0)
		t->part = PART_STYLES;
	else if (docx_part_is(name, "word/theme/", ".xml") && t->theme.len == 0)
		t->part = PART_THEME;
	else if (docx_part_is(name, "word/header", ".xml") ||
		 docx_part_is(name, "word/footer", ".xml"))
		t->part = PART_HEADER;
	else
		t->part = PART_NONE;
}

void probe_docx_text_data(struct probe_docx_text *t, const void *data, size_t len)
{
	size_t cap = t->part == PART_DOCUMENT ? DOCX_TEXT_MAX_DOCUMENT : DOCX_TEXT_MAX_PART;

	if (t->part == PART_NONE || t->cur_lost)
		return;
	if (t->cur.len + len > cap) {
		t->cur_lost = true;
		buf_free(&t->cur);
		return;
	}
	buf_append(&t->cur, data, len);
}

static xmlTextReaderPtr docx_reader(const struct buf *b)
{
	return xmlReaderForMemory(b->data, (int)b->len, NULL, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The local name of the current node (namespace prefixes differ between
 * Transitional and Strict OOXML and between writers). */
static const char *docx_name(xmlTextReaderPtr r)
{
	const xmlChar *n = xmlTextReaderConstLocalName(r);

	return n != NULL ? (const char *)n : "";
}

/* In document.xml: the local name of a WordprocessingML element, or
 * "Fallback" for mc:Fallback; "" for any other namespace (DrawingML's
 * a:t is not text of the document). */
static const char *docx_wname(xmlTextReaderPtr r)
{
	const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
	const char *n = docx_name(r);

	if (ns == NULL)
		return "";
	if (strstr((const char *)ns, "wordprocessingml") != NULL)
		return n;
	if (strcmp(n, "Fallback") == 0 && strstr((const char *)ns, "markup-compatibility") != NULL)
		return n;
	return "";
}

/* An attribute by local name, whatever its prefix; NULL if absent.
 * Returns a copy in buf. */
static const char *docx_attr(xmlTextReaderPtr r, const char *local, char *buf, size_t size)
{
	const char *found = NULL;

	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return NULL;
	do {
		const xmlChar *n = xmlTextReaderConstLocalName(r);

		if (n != NULL && strcmp((const char *)n, local) == 0) {
			const xmlChar *v = xmlTextReaderConstValue(r);

			probe_strlcpy(buf, v != NULL ? (const char *)v : "", size);
			found = buf;
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return found;
}

static int docx_attr_int(xmlTextReaderPtr r, const char *local, int dflt)
{
	char v[32];

	if (docx_attr(r, local, v, sizeof(v)) == NULL)
		return dflt;
	return atoi(v);
}

/* w:b and other toggles: present without w:val, or val 1/true/on. */
static int docx_toggle(xmlTextReaderPtr r)
{
	char v[16];

	if (docx_attr(r, "val", v, sizeof(v)) == NULL)
		return 1;
	return strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 && strcasecmp(v, "off") != 0;
}

/* A field instruction whose first word is PAGE (not NUMPAGES, PAGEREF). */
static bool docx_is_page_field(const char *instr)
{
	while (*instr == ' ')
		instr++;
	return strncasecmp(instr, "PAGE", 4) == 0 &&
	       (instr[4] == '\0' || instr[4] == ' ' || instr[4] == '\\');
}

/* Headers and footers: a PAGE field, simple or complex. */
static void docx_scan_header(struct probe_docx_text *t, const struct buf *b)
{
	xmlTextReaderPtr r = docx_reader(b);
	bool in_instr = false;

	if (r == NULL)
		return;
	while (!t->page_number && xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *n = docx_name(r);
		char instr[256];

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			break;
		if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "fldSimple") == 0 &&
		    docx_attr(r, "instr", instr, sizeof(instr)) != NULL)
			t->page_number = docx_is_page_field(instr);
		else if (type == XML_READER_TYPE_ELEMENT && strcmp(n, "instrText") == 0)
			in_instr = !xmlTextReaderIsEmptyElement(r);
		else if (type == XML_READER_TYPE_END_ELEMENT && strcmp(n, "instrText") == 0)
			in_instr = false;
		else if (in_instr && (type == XML_READER_TYPE_TEXT ||
				      type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
			const xmlChar *v = xmlTextReaderConstValue(r);

			t->page_number = v != NULL && docx_is_page_field((const char *)v);
		}
	}
	xmlFreeTextReader(r);
}

void probe_docx_text_end(struct probe_docx_text *t)
{
	switch (t->part) {
	case PART_DOCUMENT:
		if (t->cur_lost)
			t->document_lost = true;
		else
			t->document = t->cur, t->cur = (struct buf)BUF_INIT;
		break;
	case PART_STYLES:
		if (!t->cur_lost)
			t->styles = t->cur, t->cur = (struct buf)BUF_INIT;
		break;
	case PART_THEME:
		if (!t->cur_lost)
			t->theme = t->cur, t->cur = (struct buf)BUF_INIT;
		break;
	case PART_HEADER:
		if (!t->cur_lost && !t->page_number)
			docx_scan_header(t, &t->cur);
		break;
	case PART_NONE:
		break;
	}
	buf_truncate(&t->cur, 0);
	t->part = PART_NONE;
}

/* Properties: one element of a w:rPr or w:pPr into p. */
static void docx_prop(xmlTextReaderPtr r, const char *n, struct docx_props *p)
{
	char v[64];

	if (strcmp(n, "rFonts") == 0) {
		if (docx_attr(r, "eastAsia", v, sizeof(v)) != NULL) {
			probe_strlcpy(p->font, v, sizeof(p->font));
			p->theme[0] = '\0';
		} else if (docx_attr(r, "eastAsiaTheme", v, sizeof(v)) != NULL) {
			probe_strlcpy(p->theme, v, sizeof(p->theme));
			p->font[0] = '\0';
		}
	} else if (strcmp(n, "sz") == 0) {
		int sz = docx_attr_int(r, "val", -1);

		if (sz > 0 && sz < 4000)
			p->size = sz;
	} else if (strcmp(n, "b") == 0) {
		p->bold = docx_toggle(r);
	} else if (strcmp(n, "vanish") == 0) {
		p->vanish = docx_toggle(r);
	} else if (strcmp(n, "spacing") == 0) {
		int line = docx_attr_int(r, "line", -1);

		if (line > 0 && line < 100000) {
			p->line = line;
			p->line_rule = docx_attr(r, "lineRule", v, sizeof(v)) != NULL &&
				       strcmp(v, "auto") != 0;
		}
	} else if (strcmp(n, "outlineLvl") == 0) {
		int lvl = docx_attr_int(r, "val", -1);

		if (lvl >= 0 && lvl <= 9)
			p->outline = lvl;
	}
}

/* Fill unset fields of to from from. */
static void docx_props_inherit(struct docx_props *to, const struct docx_props *from)
{
	if (to->font[0] == '\0' && to->theme[0] == '\0') {
		memcpy(to->font, from->font, sizeof(to->font));
		memcpy(to->theme, from->theme, sizeof(to->theme));
	}
	if (to->size < 0)
		to->size = from->size;
	if (to->bold < 0)
		to->bold = from->bold;
	if (to->line < 0) {
		to->line = from->line;
		to->line_rule = from->line_rule;
	}
	if (to->outline < 0)
		to->outline = from->outline;
}

/* styles.xml: the styles and the document defaults. */
static void docx_read_styles(struct probe_docx_text *t)
{
	xmlTextReaderPtr r = docx_reader(&t->styles);
	struct docx_props *cur = NULL;
	struct docx_style *st = NULL;

	if (r == NULL)
		return;
	while (xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *n = docx_name(r);
		char v[64];

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			break;
		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (strcmp(n, "style") == 0 || strcmp(n, "docDefaults") == 0)
				st = NULL, cur = NULL;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (strcmp(n, "docDefaults") == 0) {
			cur = &t->defaults;
		} else if (strcmp(n, "style") == 0 && t->nstyles < DOCX_TEXT_MAX_STYLES) {
			t->styles_v = xreallocarray(t->styles_v, t->nstyles + 1,
						    sizeof(*t->styles_v));
			st = &t->styles_v[t->nstyles++];
			memset(st, 0, sizeof(*st));
			docx_props_clear(&st->props);
			if (docx_attr(r, "styleId", v, sizeof(v)) != NULL)
				probe_strlcpy(st->id, v, sizeof(st->id));
			st->paragraph = docx_attr(r, "type", v, sizeof(v)) != NULL &&
					strcmp(v, "paragraph") == 0;
			st->is_default = docx_attr(r, "default", v, sizeof(v)) != NULL &&
					 (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
			cur = &st->props;
		} else if (st != NULL && strcmp(n, "basedOn") == 0 &&
			   docx_attr(r, "val", v, sizeof(v)) != NULL) {
			probe_strlcpy(st->based_on, v, sizeof(st->based_on));
		} else if (st != NULL && strcmp(n, "name") == 0 &&
			   docx_attr(r, "val", v, sizeof(v)) != NULL) {
			if (strncasecmp(v, "heading ", 8) == 0 && v[8] >= '1' && v[8] <= '9')
				st->heading = v[8] - '0';
			else if (strcasecmp(v, "Title") == 0)
				st->heading = 1;
		} else if (cur != NULL) {
			docx_prop(r, n, cur);
		}
	}
	xmlFreeTextReader(r);
}

/* theme1.xml: the East-Asian typefaces of the major and minor fonts. */
static void docx_read_theme(struct probe_docx_text *t)
{
	xmlTextReaderPtr r = docx_reader(&t->theme);
	char *into = NULL;

	if (r == NULL)
		return;
	while (xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *n = docx_name(r);
		char v[64], face[64];

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			break;
		if (type == XML_READER_TYPE_END_ELEMENT &&
		    (strcmp(n, "minorFont") == 0 || strcmp(n, "majorFont") == 0))
			into = NULL;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (strcmp(n, "minorFont") == 0)
			into = t->theme_minor;
		else if (strcmp(n, "majorFont") == 0)
			into = t->theme_major;
		else if (into != NULL && docx_attr(r, "typeface", face, sizeof(face)) != NULL) {
			/* <a:ea typeface="…"/> unless empty; then <a:font script="Hans"> */
			if (strcmp(n, "ea") == 0 && face[0] != '\0')
				probe_strlcpy(into, face, 64);
			else if (strcmp(n, "font") == 0 && into[0] == '\0' &&
				 docx_attr(r, "script", v, sizeof(v)) != NULL &&
				 strcmp(v, "Hans") == 0)
				probe_strlcpy(into, face, 64);
		}
	}
	xmlFreeTextReader(r);
}

static const struct docx_style *docx_style(const struct probe_docx_text *t, const char *id,
					   bool paragraph_default)
{
	for (size_t i = 0; i < t->nstyles; i++) {
		const struct docx_style *s = &t->styles_v[i];

		if (id != NULL && id[0] != '\0' ? strcmp(s->id, id) == 0 :
		    paragraph_default && s->paragraph && s->is_default)
			return s;
	}
	return NULL;
}

/* Inherit what a style and the styles it is based on set; *heading gets
 * the first heading level met by name. */
static void docx_inherit_style(const struct probe_docx_text *t, struct docx_props *p,
			       const char *id, bool paragraph_default, int *heading)
{
	const struct docx_style *s = docx_style(t, id, paragraph_default);

	for (int depth = 0; s != NULL && depth < DOCX_TEXT_MAX_CHAIN; depth++) {
		docx_props_inherit(p, &s->props);
		if (heading != NULL && *heading == 0)
			*heading = s->heading;
		if (s->based_on[0] == '\0')
			break;
		s = docx_style(t, s->based_on, false);
	}
}

/* Walking document.xml. */

static struct docx_par *docx_par_top(struct probe_docx_text *t)
{
	return t->npar > 0 ? &t->pars[t->npar - 1] : NULL;
}

static void docx_par_open(struct probe_docx_text *t)
{
	struct docx_par *p;

	if (t->npar >= DOCX_TEXT_MAX_PARS) {
		t->npar++;      /* counted, not kept: its text goes nowhere */
		return;
	}
	p = &t->pars[t->npar++];
	buf_truncate(&p->text, 0);
	p->style[0] = '\0';
	docx_props_clear(&p->pprops);
	p->nfmts = 0;
	p->in_table = t->tbl_depth > 0;
}

/* The current run's formatting, resolved, weighted by len characters. */
static void docx_par_count(struct probe_docx_text *t, struct docx_par *p, size_t chars)
{
	struct docx_props r = t->run;
	size_t i;

	docx_inherit_style(t, &r, t->run_style, false, NULL);
	docx_inherit_style(t, &r, p->style, true, NULL);
	docx_props_inherit(&r, &t->defaults);
	if (r.font[0] == '\0' && r.theme[0] != '\0')
		probe_strlcpy(r.font, strncasecmp(r.theme, "major", 5) == 0 ?
			      t->theme_major : t->theme_minor, sizeof(r.font));
	r.theme[0] = '\0';
	r.line = r.line_rule = r.outline = 0;
	for (i = 0; i < p->nfmts; i++)
		if (strcmp(p->fmts[i].p.font, r.font) == 0 && p->fmts[i].p.size == r.size &&
		    p->fmts[i].p.bold == r.bold)
			break;
	if (i == p->nfmts) {
		if (p->nfmts == DOCX_TEXT_MAX_RUNFMT)
			return;
		p->fmts[p->nfmts].p = r;
		p->fmts[p->nfmts++].chars = 0;
	}
	p->fmts[i].chars += chars;
}

static void docx_par_text(struct probe_docx_text *t, const char *s, size_t len)
{
	struct docx_par *p = docx_par_top(t);
	size_t chars = 0;

	/* hidden text (w:vanish on the run) is not on the page */
	if (p == NULL || t->npar > DOCX_TEXT_MAX_PARS || p->text.len + len > DOCTEXT_MAX ||
	    t->run.vanish == 1)
		return;
	buf_append(&p->text, s, len);
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80 && s[i] != ' ';
	if (chars > 0)
		docx_par_count(t, p, chars);
}

static void docx_par_close(struct probe_docx_text *t, struct buf *out, bool *full)
{
	struct docx_par *p = docx_par_top(t);
	struct doctext_par d = { .table = -1, .row = -1, .col = -1, .bold = -1 };
	struct docx_props pp;
	const struct docx_runfmt *best = NULL;
	int heading = 0;

	if (t->npar > DOCX_TEXT_MAX_PARS) {
		t->npar--;
		return;
	}
	if (p == NULL)
		return;
	t->npar--;
	if (*full)
		return;
	pp = p->pprops;
	docx_inherit_style(t, &pp, p->style, true, &heading);
	docx_props_inherit(&pp, &t->defaults);
	if (p->in_table) {
		d.table = t->table;
		d.row = t->row < 0 ? 0 : t->row;
		d.col = t->col < 0 ? 0 : t->col;
	}
	d.outline = pp.outline >= 0 && pp.outline < 9 ? pp.outline + 1 : heading;
	if (pp.line > 0) {
		if (pp.line_rule == 1)
			d.line_exact = pp.line;
		else
			d.line = pp.line;
	}
	for (size_t i = 0; i < p->nfmts; i++)
		if (best == NULL || p->fmts[i].chars > best->chars)
			best = &p->fmts[i];
	if (best != NULL) {
		probe_strlcpy(d.font, best->p.font, sizeof(d.font));
		d.size = best->p.size > 0 ? best->p.size : 0;
		d.bold = best->p.bold < 0 ? 0 : best->p.bold;
	}
	if (!doctext_put_par(out, &d, p->text.data != NULL ? p->text.data : "", p->text.len))
		*full = true;
}

/* w:sym: a symbol-font character. Forms tick boxes with Wingdings:
 * they become ☑ ☒ □ so that the text says what the page shows. */
static void docx_sym(struct probe_docx_text *t, xmlTextReaderPtr r)
{
	char font[64], ch[16];
	const char *out = NULL;
	unsigned long c;

	if (t->in_field_code || docx_attr(r, "font", font, sizeof(font)) == NULL ||
	    docx_attr(r, "char", ch, sizeof(ch)) == NULL)
		return;
	c = strtoul(ch, NULL, 16) & 0xFF;
	if (strcasecmp(font, "Wingdings 2") == 0)
		out = c == 0x52 ? "\u2611" : c == 0x53 || c == 0x54 ? "\u2612" :
		      c == 0xA3 || c == 0x2A ? "\u25A1" : NULL;
	else if (strcasecmp(font, "Wingdings") == 0)
		out = c == 0xFE ? "\u2611" : c == 0xFD || c == 0xFB ? "\u2612" :
		      c == 0xA8 || c == 0x6F || c == 0x71 ? "\u25A1" : NULL;
	if (out != NULL)
		docx_par_text(t, out, strlen(out));
}

static void docx_element(struct probe_docx_text *t, xmlTextReaderPtr r, const char *n,
			 struct buf *out, bool *full)
{
	struct docx_par *p = docx_par_top(t);
	bool empty = xmlTextReaderIsEmptyElement(r);
	char v[64];

	if (strcmp(n, "Fallback") == 0) {
		if (!empty)
			t->fallback_depth++;
	} else if (t->fallback_depth > 0) {
		return;
	} else if (strcmp(n, "tbl") == 0) {
		if (!empty && t->tbl_depth++ == 0) {
			t->table++;
			t->row = -1;
		}
	} else if (strcmp(n, "tr") == 0 && t->tbl_depth == 1) {
		t->row++;
		t->col = -1;
	} else if (strcmp(n, "tc") == 0 && t->tbl_depth == 1) {
		t->col++;
	} else if (strcmp(n, "p") == 0) {
		docx_par_open(t);
		if (empty)
			docx_par_close(t, out, full);
	} else if (strcmp(n, "pPr") == 0) {
		t->in_ppr = !empty;
	} else if (strcmp(n, "r") == 0) {
		docx_props_clear(&t->run);
		t->run_style[0] = '\0';
	} else if (strcmp(n, "rPr") == 0) {
		t->in_rpr = !empty;
	} else if (strcmp(n, "pStyle") == 0 && p != NULL && t->in_ppr &&
		   docx_attr(r, "val", v, sizeof(v)) != NULL) {
		probe_strlcpy(p->style, v, sizeof(p->style));
	} else if (strcmp(n, "rStyle") == 0 && t->in_rpr &&
		   docx_attr(r, "val", v, sizeof(v)) != NULL) {
		probe_strlcpy(t->run_style, v, sizeof(t->run_style));
	} else if (t->in_rpr) {
		/* a run's properties; the paragraph mark's (pPr/rPr) are not text */
		if (!t->in_ppr)
			docx_prop(r, n, &t->run);
	} else if (t->in_ppr && p != NULL) {
		docx_prop(r, n, &p->pprops);
	} else if (strcmp(n, "sym") == 0) {
		docx_sym(t, r);
	} else if (strcmp(n, "checkBox") == 0) {
		/* a legacy form check box (FORMCHECKBOX): shows no text of its
		   own, so its state is written as the box a reader sees */
		t->checkbox = 1;
		if (empty)
			docx_par_text(t, "\u25A1", 3), t->checkbox = 0;
	} else if (t->checkbox > 0 && (strcmp(n, "default") == 0 || strcmp(n, "checked") == 0)) {
		if (strcmp(n, "checked") == 0 || t->checkbox == 1)
			t->checkbox = 1 + docx_toggle(r);
	} else if (strcmp(n, "fldChar") == 0 &&
		   docx_attr(r, "fldCharType", v, sizeof(v)) != NULL) {
		t->in_field_code = strcmp(v, "begin") == 0;
	} else if (strcmp(n, "tab") == 0 || strcmp(n, "br") == 0 || strcmp(n, "cr") == 0) {
		if (!t->in_field_code)
			docx_par_text(t, " ", 1);
	}
}

static void docx_end_element(struct probe_docx_text *t, const char *n, struct buf *out,
			     bool *full)
{
	if (strcmp(n, "checkBox") == 0 && t->checkbox > 0) {
		docx_par_text(t, t->checkbox == 2 ? "\u2611" : "\u25A1", 3);
		t->checkbox = 0;
	} else if (strcmp(n, "Fallback") == 0) {
		if (t->fallback_depth > 0)
			t->fallback_depth--;
	} else if (t->fallback_depth > 0) {
		return;
	} else if (strcmp(n, "tbl") == 0) {
		if (t->tbl_depth > 0)
			t->tbl_depth--;
	} else if (strcmp(n, "p") == 0) {
		docx_par_close(t, out, full);
	} else if (strcmp(n, "pPr") == 0) {
		t->in_ppr = false;
	} else if (strcmp(n, "rPr") == 0) {
		t->in_rpr = false;
	}
}

static void docx_read_document(struct probe_docx_text *t, struct buf *out)
{
	xmlTextReaderPtr r = docx_reader(&t->document);
	bool in_t = false, full = false;

	if (r == NULL)
		return;
	t->table = -1;
	while (!full) {
		int ret = xmlTextReaderRead(r), type;
		const char *n;

		if (ret != 1) {
			t->unreadable = ret < 0;
			break;
		}
		type = xmlTextReaderNodeType(r);
		n = docx_wname(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			t->unreadable = true;
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			if (strcmp(n, "t") == 0 && t->fallback_depth == 0)
				in_t = !xmlTextReaderIsEmptyElement(r) && !t->in_field_code;
			else
				docx_element(t, r, n, out, &full);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (strcmp(n, "t") == 0)
				in_t = false;
			else
				docx_end_element(t, n, out, &full);
		} else if (in_t && (type == XML_READER_TYPE_TEXT ||
				    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
				    type == XML_READER_TYPE_WHITESPACE)) {
			const xmlChar *v = xmlTextReaderConstValue(r);

			if (v != NULL)
				docx_par_text(t, (const char *)v, strlen((const char *)v));
		}
	}
	xmlFreeTextReader(r);
}

void probe_docx_text_write(struct probe_docx_text *t, struct buf *out)
{
	doctext_put_meta(out, "format", "docx");
	if (t->page_number)
		doctext_put_meta(out, "pagenum", NULL);
	if (t->document_lost) {
		doctext_put_meta(out, "truncated", NULL);
		return;
	}
	if (t->styles.len > 0)
		docx_read_styles(t);
	if (t->theme.len > 0)
		docx_read_theme(t);
	if (t->document.len > 0)
		docx_read_document(t, out);
	/* what was read is kept, but a reader must know the rest is missing */
	if (t->unreadable)
		doctext_put_meta(out, "truncated", NULL);
}
