#ifndef CASEMAIL_DOCTEXT_H
#define CASEMAIL_DOCTEXT_H
/* doctext: the text of a Word document as the probe child saw it, in a
 * small line format that crosses the sandbox as bytes, and its reader.
 *
 * The probe child (probe_docx_text.c for DOCX, probe_ole_text.c for
 * .doc/.wps) knows no campaign: it writes every paragraph with where it
 * stands and how it is formatted; the parent (rules_content.c) decides
 * what a 申报表 or a 案例材料 must hold. The format, one record a line,
 * UTF-8, '\n'-terminated:
 *
 *   #format docx            the parser that wrote it (docx, doc)
 *   #pagenum                a header or footer holds a PAGE field
 *   #truncated              the text was cut at the size cap
 *   p ATTRS\tTEXT           one paragraph
 *
 * ATTRS are space-separated key=value pairs, every one optional:
 *   c=T.R.C     in table T (0-based, document order), row R, cell C
 *               (a nested table's paragraphs belong to its outer cell)
 *   h=1         in a header or footer
 *   o=N         outline level 1..9 (a heading: Heading N, Title = 1,
 *               w:outlineLvl N-1); absent for body text
 *   f=NAME      East-Asian font of the paragraph's text (spaces as '_')
 *   s=N         font size in half-points (三号 32, 小三 30, 小四 24)
 *   b=0|1       bold
 *   l=N         line spacing: N/240 lines (auto rule; 1.5倍 = 360)
 *   lx=N        line spacing fixed or at least N twentieths of a point
 * Font, size and bold are those carrying most of the paragraph's
 * characters, after the style chain. TEXT has tabs and line breaks as
 * spaces and no control characters; it may be empty.
 *
 * The reader takes hostile bytes (the child may have been taken over):
 * unknown keys and records are skipped, numbers are bounded, text is kept
 * only if it is valid UTF-8, control characters in it become spaces. */
#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* What the child may send: it fits one probe reply with the facts. */
#define DOCTEXT_MAX (60 * 1024)

struct doctext_par {
	int table, row, col;    /* -1 outside tables */
	bool header;            /* header or footer */
	int outline;            /* 1..9, 0 = body text */
	char font[64];          /* "" unknown */
	int size;               /* half-points, 0 unknown */
	int bold;               /* 0, 1, -1 unknown */
	int line;               /* 240ths of a line (auto rule), 0 unknown */
	int line_exact;         /* twentieths of a point (exact/atLeast), 0 none */
	char *text;             /* UTF-8, never NULL */
};

struct doctext {
	char format[8];         /* "docx", "doc", "" */
	bool page_number;
	bool truncated;
	struct doctext_par *pars;
	size_t npars;
};

/* Writer (probe child). Appends one paragraph record to out unless that
 * would take out past DOCTEXT_MAX; then appends "#truncated" once and
 * returns false. Text is cleaned (controls → space) on the way. */
bool doctext_put_par(struct buf *out, const struct doctext_par *p, const char *text,
		     size_t text_len);
/* Appends "#KEY\n" or "#KEY VALUE\n" if it fits. */
void doctext_put_meta(struct buf *out, const char *key, const char *value);

/* Reader (parent): parse len bytes. Never fails on bad input: what cannot
 * be read is skipped. Free with doctext_free(). */
struct doctext *doctext_parse(const char *data, size_t len);
void doctext_free(struct doctext **dt);

#endif
