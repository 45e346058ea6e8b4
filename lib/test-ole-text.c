/* Tests for probe_ole_text: the text of Word 97 files in doctext records.
 *
 * The files are made here: a compound file (512- or 4096-byte sectors,
 * streams under 4096 bytes in the mini stream) holding WordDocument (the
 * FIB, the text pieces, PAPX FKP pages) and 1Table (the Clx with a Prc
 * and the piece table, the PlcBtePapx). A document is written as pieces
 * of UTF-8 text, each stored as UTF-16LE or as cp1252 bytes; in the text
 * '\r' ends a paragraph, '\a' a cell, ROW a table row, INPAR a paragraph
 * inside a cell; DEL, HIDE, INS and KEEP begin and end character runs
 * with a CHPX (a tracked deletion, hidden text, a tracked insertion, both
 * marks off). Row ends may have their PAPX in the Data stream
 * (sprmPHugePapx) as LibreOffice writes them. Hostile files are the good
 * ones with bytes changed. */
#include "probe_private.h"
#include "buf.h"
#include "doctext.h"
#include "sandbox.h"
#include "test.h"
#include "xalloc.h"

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ROW "\x0e"              /* 0x07 with sprmPFTtp: a row end */
#define INPAR "\x0f"            /* 0x0D with sprmPFInTable */
#define DEL "\x10"              /* a tracked deletion (sprmCFRMarkDel) */
#define HIDE "\x11"             /* hidden text (sprmCFVanish 0x81) */
#define INS "\x12"              /* a tracked insertion (sprmCFRMarkIns) */
#define KEEP "\x16"             /* sprmCFRMarkDel 0, sprmCFVanish 0x80: text */

#define TEXT_AT 0x400           /* where the text starts in WordDocument */
#define FKP_RUNS 20             /* paragraphs an FKP page describes */
#define PLC_AT 11               /* the PlcPcd in 1Table: after the Prc and 0x02 lcb */
#define CHP_RUNS 32             /* character runs a CHPX FKP page describes */
#define MAX_CHP_RUNS 256

enum par_kind { PAR_BODY, PAR_TABLE, PAR_TTP };
/* the CHPX of a character run; CHP_BOX + i: the i-th check box */
enum chp_kind { CHP_PLAIN, CHP_DEL, CHP_HIDE, CHP_INS, CHP_KEEP, CHP_BOX };

struct piece {
	const char *text;       /* UTF-8 with the marks above; NULL ends a list */
	bool narrow;            /* cp1252 bytes rather than UTF-16LE */
};

struct doc {
	struct buf word, table, data;   /* data: the Data stream, if not empty */
	uint32_t ccp_text, ccp_hdd, ccp_hdr_txbx;
	uint32_t text_end;      /* the byte after the last piece */
	bool complex;           /* both kinds of pieces: "fast saved" */
	size_t npieces;
	uint32_t papx_at, papx_len, chpx_at, chpx_len;    /* in 1Table */
	/* legacy check boxes: the states of the 0x01 characters in turn,
	 * '1' checked, '0' not, 'D' / 'd' by default (iRes 25); how many */
	const char *boxes;
	size_t nboxes;
	/* character runs: run i from chr_at[i] to the next one's start (the
	 * last to text_end), its kind; the kind of the text being written */
	uint32_t chr_at[MAX_CHP_RUNS];
	int chr_kind[MAX_CHP_RUNS];
	size_t nchr;
	int cur_kind;
	bool huge;              /* row ends' PAPX: sprmPHugePapx into Data */
	uint32_t huge_at;       /* the PrcData there */
};

struct run {
	uint32_t end;           /* the byte after the paragraph mark */
	enum par_kind kind;
};

static void put_le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static uint32_t ole_get32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void buf_le16(struct buf *b, uint32_t v)
{
	unsigned char x[2];

	put_le16(x, v);
	buf_append(b, x, 2);
}

static void buf_le32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	put_le32(x, v);
	buf_append(b, x, 4);
}

static void buf_pad(struct buf *b, size_t len)
{
	while (b->len < len)
		buf_putc(b, '\0');
}

/* ---- UTF-8 in, UTF-16 / cp1252 out ---- */

/* The next code point of s (surrogates let through, for hostile text). */
static uint32_t utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	uint32_t c = *s++;
	int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

	c &= more == 3 ? 0x07 : more == 2 ? 0x0F : more == 1 ? 0x1F : 0x7F;
	while (more-- > 0 && (*s & 0xC0) == 0x80)
		c = c << 6 | (*s++ & 0x3F);
	*sp = (const char *)s;
	return c;
}

static unsigned char to_cp1252(uint32_t c)
{
	static const uint32_t hi[32] = {
		0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
		0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
	};

	if (c < 0x80 || (c >= 0xA0 && c < 0x100))
		return (unsigned char)c;
	for (int i = 0; i < 32; i++)
		if (hi[i] == c)
			return (unsigned char)(0x80 + i);
	test_assert(!"a character cp1252 has not");
	return '?';
}

/* ---- the Word 97 streams ---- */

/* Append one piece's characters at the end of WordDocument; its Pcd fc
 * in *fc_r, the paragraph marks in runs. The number of characters. */
static uint32_t doc_piece(struct doc *d, const struct piece *p, uint32_t *fc_r,
			  struct run *runs, size_t *nruns)
{
	const char *s = p->text;
	uint32_t n = 0;

	if (!p->narrow && d->word.len % 2 != 0)
		buf_putc(&d->word, '\0');
	*fc_r = p->narrow ? (uint32_t)(d->word.len * 2) | 0x40000000U : (uint32_t)d->word.len;
	while (*s != '\0') {
		uint32_t c = utf8_next(&s), start = (uint32_t)d->word.len;
		enum par_kind kind = PAR_BODY;
		bool mark = c == '\r' || c == '\a' || c == '\f';
		int chp = -1;

		if (c == 0x10 || c == 0x11 || c == 0x12 || c == 0x16) { /* DEL HIDE INS KEEP */
			chp = c == 0x10 ? CHP_DEL : c == 0x11 ? CHP_HIDE : c == 0x12 ?
			      CHP_INS : CHP_KEEP;
			d->cur_kind = d->cur_kind == chp ? CHP_PLAIN : chp;
			continue;
		}
		if (c == 0x0E || c == 0x0F) {              /* ROW, INPAR */
			kind = c == 0x0E ? PAR_TTP : PAR_TABLE;
			c = c == 0x0E ? '\a' : '\r';
			mark = true;
		} else if (c == '\a') {
			kind = PAR_TABLE;
		}
		if (p->narrow) {
			buf_putc(&d->word, (char)to_cp1252(c));
		} else if (c >= 0x10000) {
			buf_le16(&d->word, 0xD800 + ((c - 0x10000) >> 10));
			buf_le16(&d->word, 0xDC00 + ((c - 0x10000) & 0x3FF));
			n++;
		} else {
			buf_le16(&d->word, c);
		}
		n++;
		if (c == 0x01 && d->boxes != NULL && d->boxes[d->nboxes] != '\0') {
			assert(d->nboxes < 16);
			chp = CHP_BOX + (int)d->nboxes++;
		}
		if (chp < 0)
			chp = d->cur_kind;
		if (d->chr_kind[d->nchr - 1] != chp) {
			assert(d->nchr < MAX_CHP_RUNS);
			d->chr_at[d->nchr] = start;
			d->chr_kind[d->nchr++] = chp;
		}
		if (mark) {
			runs[*nruns].end = (uint32_t)d->word.len;
			runs[(*nruns)++].kind = kind;
		}
	}
	return n;
}

/* The PapxInFkp of a kind of paragraph into fkp; its size. In a table:
 * sprmPChgTabs (its long form), sprmPFInTable, sprmPItap. A row end:
 * sprmPFInTable, sprmTDefTable (two cells), sprmPFTtp; or, if huge_at
 * is not UINT32_MAX, only sprmPHugePapx: these sprms are at huge_at in
 * the Data stream. The first byte is the length: 2 * cb - 1 bytes, or 0
 * and 2 * cb' bytes. */
static size_t doc_papx(unsigned char *fkp, enum par_kind kind, uint32_t huge_at)
{
	static const unsigned char in_table[1 + 23] = {
		12, 0, 0,
		0x15, 0xC6, 255, 1, 0x10, 0, 0x20, 0, 1, 0x30, 0, 0,
		0x16, 0x24, 1,
		0x49, 0x66, 1, 0, 0, 0,
	};
	unsigned char ttp[1 + 59] = { 30, 0, 0, 0x16, 0x24, 1, 0x08, 0xD6, 48, 0, 2 };

	if (kind == PAR_TABLE) {
		memcpy(fkp, in_table, sizeof(in_table));
		return sizeof(in_table);
	}
	if (huge_at != UINT32_MAX) {
		static const unsigned char huge[1 + 9] = { 5, 0, 0, 0x46, 0x66 };

		memcpy(fkp, huge, sizeof(huge));
		put_le32(fkp + 5, huge_at);
		return sizeof(huge);
	}
	put_le16(ttp + 13, 4000);               /* rgdxaCenter: 0, 4000, 8000 */
	put_le16(ttp + 15, 8000);
	ttp[57] = 0x17;                         /* after 2 * 20 bytes of TC80 */
	ttp[58] = 0x24;
	ttp[59] = 1;
	memcpy(fkp, ttp, sizeof(ttp));
	return sizeof(ttp);
}

/* The FKP pages for the runs (FKP_RUNS a page) at the end of WordDocument
 * and the PlcBtePapx for them at the end of 1Table; with d->huge, the
 * row ends' sprms as a PrcData (a 16-bit length, the grpprl) in Data. */
static void doc_fkps(struct doc *d, const struct run *runs, size_t nruns)
{
	size_t npages = (nruns + FKP_RUNS - 1) / FKP_RUNS, first = TEXT_AT;
	struct buf pns = BUF_INIT;

	if (d->huge) {
		unsigned char ttp[64];
		size_t n = doc_papx(ttp, PAR_TTP, UINT32_MAX);

		d->huge_at = (uint32_t)d->data.len;
		buf_le16(&d->data, (uint32_t)n - 3);        /* less cb and istd */
		buf_append(&d->data, ttp + 3, n - 3);
	}
	buf_pad(&d->word, (d->word.len + 511) / 512 * 512);
	for (size_t pg = 0; pg < npages; pg++) {
		size_t k0 = pg * FKP_RUNS, crun = nruns - k0 < FKP_RUNS ? nruns - k0 : FKP_RUNS;
		size_t pos[3] = { 0 }, top = 511;
		unsigned char fkp[512] = { 0 };

		for (int kind = PAR_TABLE; kind <= PAR_TTP; kind++) {
			unsigned char tmp[64];
			size_t n = doc_papx(tmp, (enum par_kind)kind,
					    d->huge ? d->huge_at : UINT32_MAX);

			top = (top - n) & ~(size_t)1;
			memcpy(fkp + top, tmp, n);
			pos[kind] = top / 2;
		}
		for (size_t k = 0; k < crun; k++) {
			put_le32(fkp + 4 * k, k0 + k == 0 ? (uint32_t)first : runs[k0 + k - 1].end);
			fkp[4 * (crun + 1) + 13 * k] = (unsigned char)pos[runs[k0 + k].kind];
		}
		put_le32(fkp + 4 * crun, runs[k0 + crun - 1].end);
		fkp[511] = (unsigned char)crun;
		buf_le32(&d->table, k0 == 0 ? (uint32_t)first : runs[k0 - 1].end);
		buf_le32(&pns, (uint32_t)(d->word.len / 512));
		buf_append(&d->word, fkp, sizeof(fkp));
	}
	buf_le32(&d->table, runs[nruns - 1].end);
	buf_append(&d->table, pns.data, pns.len);
	buf_free(&pns);
}

/* The FIB: base, 14 words, 22 longs, 93 (fc, lcb) pairs, no cswNew. */
static void doc_fib(struct doc *d)
{
	unsigned char *w = (unsigned char *)d->word.data;
	unsigned char *lw = w + 0x40, *pairs = w + 0x9A;

	put_le16(w, 0xA5EC);
	put_le16(w + 2, 0xC1);                  /* nFib: Word 97 */
	put_le16(w + 6, 0x0804);                /* zh-CN */
	put_le16(w + 0x0A, d->complex ? 0x1204 : 0x1200);  /* fExtChar, fWhichTblStm */
	put_le16(w + 0x0C, 0xBF);
	put_le32(w + 0x18, TEXT_AT);            /* fcMin, fcMac: "reserved", but */
	put_le32(w + 0x1C, d->text_end);        /* Word writes them, old readers use them */
	put_le16(w + 0x20, 14);
	put_le16(w + 0x22 + 2 * 13, 0x0804);    /* lidFE */
	put_le16(w + 0x3E, 22);
	put_le32(lw, (uint32_t)d->word.len);    /* cbMac */
	put_le32(lw + 12, d->ccp_text);
	put_le32(lw + 20, d->ccp_hdd);
	put_le32(lw + 40, d->ccp_hdr_txbx);
	put_le16(w + 0x98, 93);
	put_le32(pairs + 8 * 12, d->chpx_at);
	put_le32(pairs + 8 * 12 + 4, d->chpx_len);
	put_le32(pairs + 8 * 13, d->papx_at);
	put_le32(pairs + 8 * 13 + 4, d->papx_len);
	put_le32(pairs + 8 * 33, 0);            /* the Clx opens 1Table */
	put_le32(pairs + 8 * 33 + 4, (uint32_t)(PLC_AT + 4 * (d->npieces + 1) + 8 * d->npieces));
}

/* The CHPX of a kind of character run into p (a length byte, sprms);
 * its size. A box: sprmCFSpec, sprmCFData, sprmCPicLocation (where its
 * FFData is in Data, box_data). A deletion and an insertion as Word and
 * LibreOffice write them: the mark, the author (sprmCIbstRMark(Del)),
 * the time (sprmCDttmRMark(Del)). Hidden: sprmCFBold, sprmCFVanish. */
static size_t doc_chpx(unsigned char *p, int kind, uint32_t box_data)
{
	static const unsigned char del[1 + 13] = {
		13, 0x00, 0x08, 0x01, 0x63, 0x48, 0x01, 0x00, 0x64, 0x68, 0x5E, 0x12, 0xE7, 0x87,
	}, ins[1 + 13] = {
		13, 0x01, 0x08, 0x01, 0x04, 0x48, 0x01, 0x00, 0x05, 0x68, 0x5E, 0x12, 0xE7, 0x87,
	}, hide[1 + 6] = {
		6, 0x35, 0x08, 0x01, 0x03, 0x08, 0x81,
	}, keep[1 + 6] = {
		6, 0x00, 0x08, 0x00, 0x03, 0x08, 0x80,
	}, box[1 + 13] = {
		12, 0x55, 0x08, 1, 0x06, 0x08, 1, 0x03, 0x6A,
	};
	const unsigned char *src = kind == CHP_DEL ? del : kind == CHP_INS ? ins :
				   kind == CHP_HIDE ? hide : kind == CHP_KEEP ? keep : box;
	size_t n = src == hide || src == keep ? sizeof(hide) : sizeof(del);

	memcpy(p, src, n);
	if (src == box)
		put_le32(p + 9, box_data);
	return n;
}

/* The check boxes' FFData in the Data stream, each after a
 * NilPICFAndBinData header (68 bytes); FKP pages of CHPX (CHP_RUNS runs
 * a page) at the end of WordDocument for the character runs (a box
 * character has sprmCFSpec, sprmCFData and sprmCPicLocation, where its
 * FFData is); the PlcBteChpx for them at the end of 1Table. */
static void doc_chpxs(struct doc *d)
{
	uint32_t box_data[16];
	struct buf pns = BUF_INIT;

	for (size_t i = 0; i < d->nboxes; i++) {
		unsigned char ff[12 + 2 * 6 + 2 + 2 + 5 * 4] = { 0xFF, 0xFF, 0xFF, 0xFF };
		char st = d->boxes[i];

		box_data[i] = (uint32_t)d->data.len;
		put_le16(ff + 4, 1 | (st == '1' ? 1 : st == '0' ? 0 : 25) << 2);
		put_le16(ff + 8, 20);                       /* hps */
		put_le16(ff + 10, 6);                       /* the name: Check1 */
		for (int k = 0; k < 6; k++)
			ff[12 + 2 * k] = (unsigned char)"Check1"[k];
		put_le16(ff + 26, st == 'D');               /* wDef */
		buf_le32(&d->data, 0x44 + sizeof(ff));      /* lcb */
		buf_le16(&d->data, 0x44);                   /* cbHeader */
		buf_pad(&d->data, d->data.len + 0x44 - 6);
		buf_append(&d->data, ff, sizeof(ff));
	}
	buf_pad(&d->word, (d->word.len + 511) / 512 * 512);
	d->chpx_at = (uint32_t)d->table.len;
	for (size_t k0 = 0; k0 < d->nchr; k0 += CHP_RUNS) {
		size_t crun = d->nchr - k0 < CHP_RUNS ? d->nchr - k0 : CHP_RUNS, top = 511;
		unsigned char fkp[512] = { 0 };
		int pos[CHP_BOX + 16];

		for (int kind = 0; kind < CHP_BOX + 16; kind++)
			pos[kind] = -1;
		for (size_t k = 0; k < crun; k++) {
			int kind = d->chr_kind[k0 + k];

			if (kind != CHP_PLAIN && pos[kind] < 0) {
				unsigned char tmp[16];
				size_t n = doc_chpx(tmp, kind, kind >= CHP_BOX ?
						    box_data[kind - CHP_BOX] : 0);

				top = (top - n) & ~(size_t)1;
				memcpy(fkp + top, tmp, n);
				pos[kind] = (int)(top / 2);
			}
			put_le32(fkp + 4 * k, d->chr_at[k0 + k]);
			fkp[4 * (crun + 1) + k] = (unsigned char)(kind == CHP_PLAIN ? 0 :
								  pos[kind]);
		}
		assert(4 * (crun + 1) + crun <= top);
		put_le32(fkp + 4 * crun, k0 + crun < d->nchr ? d->chr_at[k0 + crun] : d->text_end);
		fkp[511] = (unsigned char)crun;
		buf_le32(&d->table, d->chr_at[k0]);
		buf_le32(&pns, (uint32_t)(d->word.len / 512));
		buf_append(&d->word, fkp, sizeof(fkp));
	}
	buf_le32(&d->table, d->text_end);
	buf_append(&d->table, pns.data, pns.len);
	d->chpx_len = (uint32_t)(d->table.len - d->chpx_at);
	buf_free(&pns);
}

/* A Word 97 document: the pieces of the main text, of the headers and
 * footers, of their text boxes (NULL: none), with or without the PAPX of
 * its paragraphs, with the check boxes' states (NULL: none). */
static void doc_make_all(struct doc *d, const struct piece *const stories[3], bool papx,
			 const char *boxes, bool huge)
{
	struct run runs[4096];
	size_t nruns = 0, np = 0;
	uint32_t fcs[64], cps[65] = { 0 };
	bool kinds[2] = { false, false };

	memset(d, 0, sizeof(*d));
	d->boxes = boxes;
	d->huge = huge;
	d->chr_at[0] = TEXT_AT;
	d->chr_kind[0] = CHP_PLAIN;
	d->nchr = 1;
	buf_pad(&d->word, TEXT_AT);
	for (int l = 0; l < 3; l++) {
		for (const struct piece *p = stories[l]; p != NULL && p->text != NULL; p++) {
			uint32_t n;

			assert(np < 64 && nruns + strlen(p->text) < 4096);
			n = doc_piece(d, p, &fcs[np], runs, &nruns);
			cps[np + 1] = cps[np] + n;
			np++;
			kinds[p->narrow] = true;
			*(l == 0 ? &d->ccp_text : l == 1 ? &d->ccp_hdd : &d->ccp_hdr_txbx) += n;
		}
	}
	d->complex = kinds[0] && kinds[1];
	d->npieces = np;
	d->text_end = (uint32_t)d->word.len;
	/* the Clx: a Prc (sprmCFBold), then the Pcdt */
	buf_append(&d->table, "\x01\x03\x00\x35\x08\x01\x02", 7);
	buf_le32(&d->table, (uint32_t)(4 * (np + 1) + 8 * np));
	for (size_t i = 0; i <= np; i++)
		buf_le32(&d->table, cps[i]);
	for (size_t i = 0; i < np; i++) {
		buf_le16(&d->table, 0);
		buf_le32(&d->table, fcs[i]);
		buf_le16(&d->table, 0);
	}
	if (papx && nruns > 0) {
		d->papx_at = (uint32_t)d->table.len;
		doc_fkps(d, runs, nruns);
		d->papx_len = (uint32_t)(d->table.len - d->papx_at);
	}
	if (d->nboxes > 0 || d->nchr > 1)
		doc_chpxs(d);
	buf_pad(&d->word, 4096);
	doc_fib(d);
}

static void doc_make_boxes(struct doc *d, const struct piece *const stories[3], bool papx,
			   const char *boxes)
{
	doc_make_all(d, stories, papx, boxes, false);
}

static void doc_make_stories(struct doc *d, const struct piece *const stories[3], bool papx)
{
	doc_make_boxes(d, stories, papx, NULL);
}

static void doc_make(struct doc *d, const struct piece *main_text, const struct piece *hdr,
		     bool papx)
{
	const struct piece *const stories[3] = { main_text, hdr, NULL };

	doc_make_stories(d, stories, papx);
}

static void doc_free(struct doc *d)
{
	buf_free(&d->word);
	buf_free(&d->table);
	buf_free(&d->data);
}

/* ---- the compound file ---- */

struct cfb_stream {
	const char *name;
	const void *data;
	size_t len;
};

/* CFB's order of names: shorter first, then by upper case. */
static int cfb_cmp(const void *a, const void *b)
{
	const struct cfb_stream *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	return lx != ly ? (lx < ly ? -1 : 1) : strcasecmp(x->name, y->name);
}

static void cfb_chain(uint32_t *fat, uint32_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fat[first + i] = i + 1 < n ? first + (uint32_t)i + 1 : 0xFFFFFFFEU;
}

static void cfb_dirent(unsigned char *e, const char *name, unsigned type, uint32_t start,
		       uint64_t size)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		e[2 * i] = (unsigned char)name[i];
	put_le16(e + 0x40, (uint32_t)(2 * (n + 1)));
	e[0x42] = (unsigned char)type;
	e[0x43] = 1;                            /* black */
	memset(e + 0x44, 0xFF, 12);             /* no siblings, no child */
	put_le32(e + 0x74, start);
	put_le32(e + 0x78, (uint32_t)size);
	put_le32(e + 0x7C, (uint32_t)(size >> 32));
}

/* The compound file of the streams (sorted here) with 1 << shift byte
 * sectors: FAT, directory, mini FAT, mini stream, then the large
 * streams. Returns its bytes. */
static struct buf cfb_make(unsigned shift, struct cfb_stream *st, size_t n)
{
	size_t ss = (size_t)1 << shift, per = ss / 4, mini_len = 0, big = 0;
	size_t nfat = 1, ndir = (n + 1 + ss / 128 - 1) / (ss / 128), nminifat, nmini;
	uint32_t *fat, *minifat, next, mnext = 0;
	unsigned char *h, *dir;
	struct buf f = BUF_INIT, mini = BUF_INIT;

	qsort(st, n, sizeof(*st), cfb_cmp);
	for (size_t i = 0; i < n; i++) {
		if (st[i].len < 4096)
			mini_len += (st[i].len + 63) / 64 * 64;
		else
			big += (st[i].len + ss - 1) / ss;
	}
	nminifat = (mini_len / 64 * 4 + ss - 1) / ss;
	nmini = (mini_len + ss - 1) / ss;
	while (nfat * per < nfat + ndir + nminifat + nmini + big)
		nfat++;
	assert(nfat <= 109);
	fat = xcalloc(nfat * per, sizeof(*fat));
	memset(fat, 0xFF, nfat * per * sizeof(*fat));
	minifat = xcalloc(nminifat * per + 1, sizeof(*minifat));
	memset(minifat, 0xFF, nminifat * per * sizeof(*minifat));
	for (size_t i = 0; i < nfat; i++)
		fat[i] = 0xFFFFFFFDU;
	cfb_chain(fat, (uint32_t)nfat, ndir);
	cfb_chain(fat, (uint32_t)(nfat + ndir), nminifat);
	cfb_chain(fat, (uint32_t)(nfat + ndir + nminifat), nmini);
	next = (uint32_t)(nfat + ndir + nminifat + nmini);
	buf_pad(&f, ss * (next + 1));
	h = (unsigned char *)f.data;
	dir = h + ss * (nfat + 1);
	cfb_dirent(dir, "Root Entry", 5, nmini > 0 ? (uint32_t)(nfat + ndir + nminifat) :
		   0xFFFFFFFEU, mini_len);
	put_le32(dir + 0x4C, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = dir + 128 * (i + 1);
		size_t len = st[i].len;

		if (len < 4096) {
			cfb_dirent(e, st[i].name, 2, mnext, len);
			cfb_chain(minifat, mnext, (len + 63) / 64);
			buf_append(&mini, st[i].data, len);
			buf_pad(&mini, (mini.len + 63) / 64 * 64);
			mnext += (uint32_t)((len + 63) / 64);
		} else {
			cfb_dirent(e, st[i].name, 2, next, len);
			cfb_chain(fat, next, (len + ss - 1) / ss);
			next += (uint32_t)((len + ss - 1) / ss);
		}
		if (i + 1 < n)
			put_le32(e + 0x48, (uint32_t)i + 2);   /* right sibling */
	}
	for (size_t i = n + 1; i < ndir * (ss / 128); i++)
		cfb_dirent(dir + 128 * i, "", 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		if (st[i].len >= 4096) {
			buf_append(&f, st[i].data, st[i].len);
			buf_pad(&f, (f.len + ss - 1) / ss * ss);
		}
	}
	h = (unsigned char *)f.data;
	memcpy(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	put_le16(h + 0x18, 0x3E);
	put_le16(h + 0x1A, shift == 9 ? 3 : 4);
	put_le16(h + 0x1C, 0xFFFE);
	put_le16(h + 0x1E, shift);
	put_le16(h + 0x20, 6);
	put_le32(h + 0x28, shift == 9 ? 0 : (uint32_t)ndir);
	put_le32(h + 0x2C, (uint32_t)nfat);
	put_le32(h + 0x30, (uint32_t)nfat);
	put_le32(h + 0x38, 4096);
	put_le32(h + 0x3C, nminifat > 0 ? (uint32_t)(nfat + ndir) : 0xFFFFFFFEU);
	put_le32(h + 0x40, (uint32_t)nminifat);
	put_le32(h + 0x44, 0xFFFFFFFEU);
	memset(h + 0x4C, 0xFF, 109 * 4);
	for (size_t i = 0; i < nfat; i++)
		put_le32(h + 0x4C + 4 * i, (uint32_t)i);
	for (size_t i = 0; i < nfat * per; i++)
		put_le32(h + ss * (i / per + 1) + 4 * (i % per), fat[i]);
	for (size_t i = 0; i < nminifat * per; i++)
		put_le32(h + ss * (nfat + ndir + i / per + 1) + 4 * (i % per), minifat[i]);
	if (mini.len > 0)
		memcpy(h + ss * (nfat + ndir + nminifat + 1), mini.data, mini.len);
	free(fat);
	free(minifat);
	buf_free(&mini);
	return f;
}

/* ---- running it ---- */

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		printf("# cannot write %s\n", path);
	free(path);
}

/* The doctext of the document, written to the file name first; NULL if
 * probe_ole_text() failed. */
static char *text_of(const char *name, unsigned shift, const struct doc *d)
{
	struct cfb_stream st[3] = {
		{ "WordDocument", d->word.data, d->word.len },
		{ "1Table", d->table.data, d->table.len },
		{ "Data", d->data.data, d->data.len },
	};
	struct buf file = cfb_make(shift, st, d->data.len > 0 ? 3 : 2), out = BUF_INIT;
	char *path = tmp_path(name);
	const char *error = NULL;
	int fd, ret;

	write_file(name, file.data, file.len);
	fd = open(path, O_RDONLY);
	ret = probe_ole_text(fd, file.len, &out, &error);
	if (ret < 0)
		printf("# %s: %s\n", name, error);
	close(fd);
	free(path);
	buf_free(&file);
	if (ret < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

static char *doc_text(const char *name, const struct piece *main_text,
		      const struct piece *hdr, bool papx)
{
	struct doc d;
	char *s;

	doc_make(&d, main_text, hdr, papx);
	s = text_of(name, 9, &d);
	doc_free(&d);
	return s;
}

#define CHECK_TEXT(got, want) do { \
	char *got_ = (got); \
	test_assert_str(got_, want); \
	free(got_); \
} while (0)

/* ---- the tests ---- */

static void test_ole_text_plain(void)
{
	static const struct piece one[] = {
		{ "第一段：项目概况\r第二段\twith a tab\vand a line break\r\r最后一段。\r", false },
		{ NULL, false },
	}, mixed[] = {
		{ "Caf\u00e9 \u201cquoted\u201d \u20ac5 it\u2019s \u2014 ", true },
		{ "中文段落\r", false },
		{ "plain ASCII\r", true },
		{ "😀 emoji pair\r", false },
		{ NULL, false },
	};
	struct doc d;

	test_begin("probe_ole_text: one UTF-16 piece; cp1252 and UTF-16 pieces");
	CHECK_TEXT(doc_text("one.doc", one, NULL, true),
		   "#format doc\n"
		   "p\t第一段：项目概况\n"
		   "p\t第二段 with a tab and a line break\n"
		   "p\t\n"
		   "p\t最后一段。\n");
	CHECK_TEXT(doc_text("mixed.doc", mixed, NULL, true),
		   "#format doc\n"
		   "p\tCafé “quoted” €5 it’s — 中文段落\n"
		   "p\tplain ASCII\n"
		   "p\t😀 emoji pair\n");
	/* the same in 4096-byte sectors, WordDocument in the FAT, 1Table in
	 * the mini stream, as a .wps */
	doc_make(&d, one, NULL, true);
	CHECK_TEXT(text_of("one4k.wps", 12, &d),
		   "#format doc\n"
		   "p\t第一段：项目概况\n"
		   "p\t第二段 with a tab and a line break\n"
		   "p\t\n"
		   "p\t最后一段。\n");
	doc_free(&d);
	test_end();
}

/* A 微创新 申报表: a title, a label | value table with a multi-paragraph
 * value, a label of two paragraphs, an empty value, then a second table. */
static const struct piece form[] = {
	{ "附件1：微创新案例申报表\r", false },
	{ "申报单位名称\a某某物业服务有限公司\a" ROW, false },
	{ "案例类型\a☑技术微创新 □服务微创新 □模式微创新\a" ROW, false },
	{ "应用场景（200字以内）\a", false },
	{ "在小区出入口设置智能道闸，业主无感通行。" INPAR
	  "每月减少人工值守120小时，投诉下降三成。\a" ROW, false },
	{ "案例" INPAR "简介\a简介正文\a" ROW, false },
	{ "联系人\a\a" ROW, false },
	{ "\r", false },
	{ "序号\a姓名\a" ROW "1\a张三\a" ROW, false },
	{ "填表说明：请如实填写。\r", false },
	{ NULL, false },
};

static const char form_text[] =
	"#format doc\n"
	"p\t附件1：微创新案例申报表\n"
	"p c=0.0.0\t申报单位名称\n"
	"p c=0.0.1\t某某物业服务有限公司\n"
	"p c=0.1.0\t案例类型\n"
	"p c=0.1.1\t☑技术微创新 □服务微创新 □模式微创新\n"
	"p c=0.2.0\t应用场景（200字以内）\n"
	"p c=0.2.1\t在小区出入口设置智能道闸，业主无感通行。\n"
	"p c=0.2.1\t每月减少人工值守120小时，投诉下降三成。\n"
	"p c=0.3.0\t案例\n"
	"p c=0.3.0\t简介\n"
	"p c=0.3.1\t简介正文\n"
	"p c=0.4.0\t联系人\n"
	"p c=0.4.1\t\n"
	"p\t\n"
	"p c=1.0.0\t序号\n"
	"p c=1.0.1\t姓名\n"
	"p c=1.1.0\t1\n"
	"p c=1.1.1\t张三\n"
	"p\t填表说明：请如实填写。\n";

static void test_ole_text_form(void)
{
	test_begin("probe_ole_text: a form-like table by its PAPX (cells, rows, tables)");
	CHECK_TEXT(doc_text("form.doc", form, NULL, true), form_text);
	test_end();
}

static void test_ole_text_header(void)
{
	static const struct piece body[] = {
		{ "正文\r", false },
		{ NULL, false },
	}, page[] = {
		{ "\r", false },                         /* separators: empty */
		{ "某某物业服务有限公司\r", false },
		{ "第 \x13 PAGE   \\* MERGEFORMAT \x14", false },
		{ "3\x15 页\r\r", false },
		{ NULL, false },
	}, nested[] = {
		{ "\x13 IF \x13 page \x14" "2\x15 > 1 \"x\" \x14x\x15\r", false },
		{ NULL, false },
	}, no_page[] = {
		{ "共\x13 NUMPAGES \x14" "9\x15页 \x13PAGEREF _Toc1 \\h\x14" "4\x15\r", false },
		{ NULL, false },
	}, body_page[] = {
		{ "页码 \x13 PAGE \x14" "1\x15\r", false },
		{ NULL, false },
	};

	test_begin("probe_ole_text: header and footer paragraphs, #pagenum");
	CHECK_TEXT(doc_text("header.doc", body, page, true),
		   "#format doc\n"
		   "#pagenum\n"
		   "p\t正文\n"
		   "p h=1\t某某物业服务有限公司\n"
		   "p h=1\t第 3 页\n");
	CHECK_TEXT(doc_text("header-nested.doc", body, nested, true),
		   "#format doc\n"
		   "#pagenum\n"
		   "p\t正文\n"
		   "p h=1\tx\n");
	CHECK_TEXT(doc_text("header-nopage.doc", body, no_page, true),
		   "#format doc\n"
		   "p\t正文\n"
		   "p h=1\t共9页 4\n");
	/* the page number in a text box of the footer */
	{
		static const struct piece txbx[] = {
			{ "\x13 PAGE \\* Arabic \x14" "7\x15\r\r", false },
			{ NULL, false },
		};
		const struct piece *const stories[3] = { body, no_page, txbx };
		struct doc d;

		doc_make_stories(&d, stories, true);
		CHECK_TEXT(text_of("header-txbx.doc", 9, &d),
			   "#format doc\n"
			   "#pagenum\n"
			   "p\t正文\n"
			   "p h=1\t共9页 4\n"
			   "p h=1\t7\n");
		doc_free(&d);
	}
	/* a PAGE field in the body is no page number in a header */
	CHECK_TEXT(doc_text("body-page.doc", body_page, NULL, true),
		   "#format doc\n"
		   "p\t页码 1\n");
	test_end();
}

static void test_ole_text_fields(void)
{
	static const struct piece fields[] = {
		{ "详见\x13 HYPERLINK \"http://example.com/a\" \\o \"tip\" \x14", false },
		{ "官网\x15。\r", false },
		{ "a\x13 TC \"entry\" \\l 1 \x15" "b\r", false },
		{ "\x15x\x14y\r", false },                  /* ends and separators alone */
		{ "\x13 EQ \x13 SYMBOL 100 \x14" "d\x15 \x14" "r\x15!\r", false },
		{ "\x01\x08pic\x02\x05 a\x1e" "b soft\x1fhyphen\fnext page\r", false },
		{ "\xef\x83\xbe是 \xef\x82\xa8否\r", false }, /* Wingdings U+F0FE, U+F0A8 */
		{ "lone \xed\xa0\x80x \xed\xb0\x80y\r", false },
		{ "pair \xed\xa0\xbd", false },             /* U+1F600 over two pieces */
		{ "\xed\xb8\x80 split\r", false },
		{ "end \xed\xa0\x80", false },              /* the story ends in a pair */
		{ NULL, false },
	}, unclosed[] = {
		{ "before\x13 HYPERLINK \"x\" \r", false },
		{ "still hidden\x14shown\r", false },
		{ NULL, false },
	};

	test_begin("probe_ole_text: fields, special characters, surrogates");
	CHECK_TEXT(doc_text("fields.doc", fields, NULL, true),
		   "#format doc\n"
		   "p\t详见官网。\n"
		   "p\tab\n"
		   "p\txy\n"
		   "p\tr!\n"
		   "p\tpic a-b softhyphen\n"
		   "p\tnext page\n"
		   "p\t☑是 □否\n"
		   "p\tlone \xef\xbf\xbdx \xef\xbf\xbdy\n"
		   "p\tpair 😀 split\n"
		   "p\tend \xef\xbf\xbd\n");
	CHECK_TEXT(doc_text("unclosed.doc", unclosed, NULL, true),
		   "#format doc\n"
		   "p\tbefore\n"
		   "p\tshown\n");
	test_end();
}

/* Legacy form check boxes: checked, not, by default either way, one
 * whose character has no CHPX, one in a cp1252 piece; a check box field
 * with a separator; a FORMTEXT field's result. */
static const struct piece form_boxes[] = {
	{ "案例类型\a\x13 FORMCHECKBOX \x01\x15技术微创新 "
	  "\x13 FORMCHECKBOX \x01\x15服务微创新 "
	  "\x13 FORMCHECKBOX \x01\x15模式微创新\a" ROW, false },
	{ "默认\x13 FORMCHECKBOX \x01\x15是 \x13 FORMCHECKBOX \x01\x15否\r", false },
	{ "x\x13 FORMCHECKBOX \x01\x15y\r", false },
	{ "z\x13 FORMCHECKBOX \x01\x14\x15!\r", true },
	{ "\x13 FORMTEXT \x01\x14某某公司\x15\r", false },
	{ NULL, false },
};

static void test_ole_text_checkbox(void)
{
	const struct piece *const stories[3] = { form_boxes, NULL, NULL };
	struct doc d;

	test_begin("probe_ole_text: legacy check boxes (FORMCHECKBOX) as ☑ and □");
	/* FFData for the first six: "z" and the FORMTEXT have none */
	doc_make_boxes(&d, stories, true, "010Dd1");
	CHECK_TEXT(text_of("boxes.doc", 9, &d),
		   "#format doc\n"
		   "p c=0.0.0\t案例类型\n"
		   "p c=0.0.1\t□技术微创新 ☑服务微创新 □模式微创新\n"
		   "p\t默认☑是 □否\n"
		   "p\tx☑y\n"
		   "p\tz!\n"
		   "p\t某某公司\n");
	/* no Data stream: no boxes, the same text */
	buf_truncate(&d.data, 0);
	CHECK_TEXT(text_of("boxes-nodata.doc", 9, &d),
		   "#format doc\n"
		   "p c=0.0.0\t案例类型\n"
		   "p c=0.0.1\t技术微创新 服务微创新 模式微创新\n"
		   "p\t默认是 否\n"
		   "p\txy\n"
		   "p\tz!\n"
		   "p\t某某公司\n");
	doc_free(&d);
	test_end();
}

/* ---- hostile files ---- */

static unsigned char *fib_pair(struct doc *d, int i)
{
	return (unsigned char *)d->word.data + 0x9A + 8 * i;
}

static unsigned char *pcd_at(struct doc *d, size_t i)
{
	return (unsigned char *)d->table.data + PLC_AT + 4 * (d->npieces + 1) + 8 * i;
}

static void change_clx_far(struct doc *d)
{
	put_le32(fib_pair(d, 33), (uint32_t)d->table.len + 10);
}

static void change_clx_long(struct doc *d)
{
	put_le32(fib_pair(d, 33) + 4, (uint32_t)d->table.len + 1);
}

static void change_plc_odd(struct doc *d)
{
	/* a PlcPcd length that is no whole number of pieces */
	put_le32((unsigned char *)d->table.data + 7, 4 * (uint32_t)(d->npieces + 1) +
		 8 * (uint32_t)d->npieces - 1);
}

static void change_encrypted(struct doc *d)
{
	d->word.data[0x0B] |= 0x01;
}

static void change_word95(struct doc *d)
{
	put_le16((unsigned char *)d->word.data + 2, 0x65);
}

static void change_table0(struct doc *d)
{
	d->word.data[0x0B] &= ~0x02;          /* 0Table, which is not there */
}

static void change_fib_counts(struct doc *d)
{
	put_le16((unsigned char *)d->word.data + 0x20, 0xFFFF);   /* csw past the stream */
}

static void change_cps_back(struct doc *d)
{
	/* piece 2 ends before it starts: pieces 0 and 1 are read */
	put_le32((unsigned char *)d->table.data + PLC_AT + 4 * 3, 3);
}

static void change_fc_far(struct doc *d)
{
	put_le32(pcd_at(d, 1) + 2, 0x3FFFFFF0U);   /* pieces 1 and 2 are left out */
	put_le32(pcd_at(d, 2) + 2, 0x7FFFFFF0U);   /* (compressed) */
}

static void change_ccp_huge(struct doc *d)
{
	put_le32((unsigned char *)d->word.data + 0x40 + 12, 0x7FFFFFFF);
}

static void change_fkp_runs(struct doc *d)
{
	/* every FKP page the PlcBtePapx names: more runs than fit */
	const unsigned char *bte = (unsigned char *)d->table.data + ole_get32(fib_pair(d, 13));
	size_t n = (ole_get32(fib_pair(d, 13) + 4) - 4) / 8;

	for (size_t i = 0; i < n; i++)
		d->word.data[512 * ole_get32(bte + 4 * (n + 1) + 4 * i) + 511] = (char)0xFF;
}

static void change_bte_far(struct doc *d)
{
	put_le32(fib_pair(d, 13), (uint32_t)d->table.len);
}

/* The form with one change: its text. */
static char *form_changed(const char *name, void (*change)(struct doc *d))
{
	struct doc d;
	char *s;

	doc_make(&d, form, NULL, true);
	change(&d);
	s = text_of(name, 9, &d);
	doc_free(&d);
	return s;
}

static const char guess_form[] =
	"#format doc\n"
	"p\t附件1：微创新案例申报表\n"
	"p c=0.0.0\t申报单位名称\n"
	"p c=0.0.1\t某某物业服务有限公司\n"
	"p c=0.1.0\t案例类型\n"
	"p c=0.1.1\t☑技术微创新 □服务微创新 □模式微创新\n"
	"p c=0.2.0\t应用场景（200字以内）\n"
	"p c=0.2.1\t在小区出入口设置智能道闸，业主无感通行。\n"
	"p c=0.2.1\t每月减少人工值守120小时，投诉下降三成。\n"
	"p\t案例\n"
	"p c=1.0.0\t简介\n"
	"p c=1.0.1\t简介正文\n"
	"p c=1.1.0\t联系人\n"
	"p c=1.2.0\t\n"
	"p c=1.2.1\t\n"
	"p c=1.2.1\t序号\n"
	"p c=1.2.2\t姓名\n"
	"p c=1.3.0\t1\n"
	"p c=1.3.1\t张三\n"
	"p\t填表说明：请如实填写。\n";

static void test_ole_text_guess(void)
{
	static const struct piece filled[] = {
		{ "申报表\r申报单位名称\a某某物业\a" ROW "应用场景\a第一段" INPAR "第二段\a" ROW, false },
		{ "\r说明\r", false },
		{ NULL, false },
	};

	test_begin("probe_ole_text: tables guessed from 0x07 without PAPX");
	CHECK_TEXT(doc_text("guess.doc", filled, NULL, false),
		   "#format doc\n"
		   "p\t申报表\n"
		   "p c=0.0.0\t申报单位名称\n"
		   "p c=0.0.1\t某某物业\n"
		   "p c=0.1.0\t应用场景\n"
		   "p c=0.1.1\t第一段\n"
		   "p c=0.1.1\t第二段\n"
		   "p\t\n"
		   "p\t说明\n");
	/* what the guess cannot tell: a row's first cell of two paragraphs
	 * reads as text between two tables, an empty cell as a row end (and
	 * the row end that follows as an empty cell of the next row) */
	CHECK_TEXT(doc_text("guess-form.doc", form, NULL, false), guess_form);
	/* PAPX that cannot be read: the same guess */
	CHECK_TEXT(form_changed("bte-far.doc", change_bte_far), guess_form);
	CHECK_TEXT(form_changed("fkp-runs.doc", change_fkp_runs), guess_form);
	test_end();
}

static void test_ole_text_hostile(void)
{
	test_begin("probe_ole_text: hostile FIB and piece tables");
	CHECK_TEXT(form_changed("clx-far.doc", change_clx_far), "");
	CHECK_TEXT(form_changed("clx-long.doc", change_clx_long), "");
	CHECK_TEXT(form_changed("plc-odd.doc", change_plc_odd), "");
	CHECK_TEXT(form_changed("encrypted.doc", change_encrypted), "");
	CHECK_TEXT(form_changed("word95.doc", change_word95), "");
	CHECK_TEXT(form_changed("table0.doc", change_table0), "");
	CHECK_TEXT(form_changed("fib-counts.doc", change_fib_counts), "");
	CHECK_TEXT(form_changed("cps-back.doc", change_cps_back),
		   "#format doc\n"
		   "p\t附件1：微创新案例申报表\n"
		   "p c=0.0.0\t申报单位名称\n"
		   "p c=0.0.1\t某某物业服务有限公司\n");
	CHECK_TEXT(form_changed("fc-far.doc", change_fc_far),
		   "#format doc\n"
		   "p\t附件1：微创新案例申报表\n"
		   "p c=0.0.0\t应用场景（200字以内）\n"
		   "p c=0.0.1\t在小区出入口设置智能道闸，业主无感通行。\n"
		   "p c=0.0.1\t每月减少人工值守120小时，投诉下降三成。\n"
		   "p c=0.1.0\t案例\n"
		   "p c=0.1.0\t简介\n"
		   "p c=0.1.1\t简介正文\n"
		   "p c=0.2.0\t联系人\n"
		   "p c=0.2.1\t\n"
		   "p\t\n"
		   "p c=1.0.0\t序号\n"
		   "p c=1.0.1\t姓名\n"
		   "p c=1.1.0\t1\n"
		   "p c=1.1.1\t张三\n"
		   "p\t填表说明：请如实填写。\n");
	{
		char *s = form_changed("ccp-huge.doc", change_ccp_huge);

		test_assert(s != NULL && strstr(s, "p c=0.4.1\t\n") != NULL &&
			    strstr(s, "p\t填表说明：请如实填写。\n") != NULL);
		free(s);
	}
	test_end();
}

/* ---- row ends in the Data stream (sprmPHugePapx) ---- */

/* The form, its row ends' PAPX only sprmPHugePapx, with one change (or
 * none): its text. */
static char *huge_changed(const char *name, void (*change)(struct doc *d))
{
	const struct piece *const stories[3] = { form, NULL, NULL };
	struct doc d;
	char *s;

	doc_make_all(&d, stories, true, NULL, true);
	if (change != NULL)
		change(&d);
	s = text_of(name, 9, &d);
	doc_free(&d);
	return s;
}

/* Every sprmPHugePapx of the PAPX FKP pages: its operand to loc. */
static void huge_set_loc(struct doc *d, uint32_t loc)
{
	const unsigned char *bte = (unsigned char *)d->table.data + ole_get32(fib_pair(d, 13));
	size_t n = (ole_get32(fib_pair(d, 13) + 4) - 4) / 8;

	for (size_t i = 0; i < n; i++) {
		unsigned char *fkp = (unsigned char *)d->word.data +
				     512 * ole_get32(bte + 4 * (n + 1) + 4 * i);

		for (size_t k = 0; k + 9 < 511; k++)
			if (memcmp(fkp + k, "\x05\0\0\x46\x66", 5) == 0)
				put_le32(fkp + k + 5, loc);
	}
}

static void change_huge_past(struct doc *d)
{
	huge_set_loc(d, (uint32_t)d->data.len);
}

static void change_huge_last(struct doc *d)
{
	huge_set_loc(d, (uint32_t)d->data.len - 1);       /* half a length */
}

static void change_huge_far(struct doc *d)
{
	huge_set_loc(d, 0xFFFFFFF0U);
}

static void change_huge_cb_big(struct doc *d)
{
	put_le16((unsigned char *)d->data.data + d->huge_at, 0x3FA2);
}

static void change_huge_cb_long(struct doc *d)
{
	put_le16((unsigned char *)d->data.data + d->huge_at, (uint32_t)d->data.len - 1);
}

static void change_huge_no_data(struct doc *d)
{
	buf_truncate(&d->data, 0);
}

/* The grpprl in Data begins with a sprmPHugePapx to itself: not
 * followed, the row end's sprms after it are read. */
static void change_huge_loop(struct doc *d)
{
	struct buf b = BUF_INIT;
	const unsigned char *old = (unsigned char *)d->data.data + d->huge_at;
	size_t cb = old[0] | (size_t)old[1] << 8;

	buf_le16(&b, (uint32_t)cb + 6);
	buf_append(&b, "\x46\x66", 2);
	buf_le32(&b, d->huge_at);
	buf_append(&b, old + 2, cb);
	buf_truncate(&d->data, d->huge_at);
	buf_append(&d->data, b.data, b.len);
	buf_free(&b);
}

/* Without the row ends' PAPX, their 0x07 is a cell's: every cell of a
 * table in its row 0, the row end an empty cell after them. */
static const char huge_lost[] =
	"#format doc\n"
	"p\t附件1：微创新案例申报表\n"
	"p c=0.0.0\t申报单位名称\n"
	"p c=0.0.1\t某某物业服务有限公司\n"
	"p c=0.0.2\t\n"
	"p c=0.0.3\t案例类型\n"
	"p c=0.0.4\t☑技术微创新 □服务微创新 □模式微创新\n"
	"p c=0.0.5\t\n"
	"p c=0.0.6\t应用场景（200字以内）\n"
	"p c=0.0.7\t在小区出入口设置智能道闸，业主无感通行。\n"
	"p c=0.0.7\t每月减少人工值守120小时，投诉下降三成。\n"
	"p c=0.0.8\t\n"
	"p c=0.0.9\t案例\n"
	"p c=0.0.9\t简介\n"
	"p c=0.0.10\t简介正文\n"
	"p c=0.0.11\t\n"
	"p c=0.0.12\t联系人\n"
	"p c=0.0.13\t\n"
	"p c=0.0.14\t\n"
	"p\t\n"
	"p c=1.0.0\t序号\n"
	"p c=1.0.1\t姓名\n"
	"p c=1.0.2\t\n"
	"p c=1.0.3\t1\n"
	"p c=1.0.4\t张三\n"
	"p c=1.0.5\t\n"
	"p\t填表说明：请如实填写。\n";

static void test_ole_text_huge_papx(void)
{
	test_begin("probe_ole_text: row ends whose PAPX is in the Data stream (sprmPHugePapx)");
	CHECK_TEXT(huge_changed("huge.doc", NULL), form_text);
	CHECK_TEXT(huge_changed("huge-loop.doc", change_huge_loop), form_text);
	/* a PrcData that is not there or does not fit: the row ends are not
	 * known as such */
	CHECK_TEXT(huge_changed("huge-past.doc", change_huge_past), huge_lost);
	CHECK_TEXT(huge_changed("huge-last.doc", change_huge_last), huge_lost);
	CHECK_TEXT(huge_changed("huge-far.doc", change_huge_far), huge_lost);
	CHECK_TEXT(huge_changed("huge-cb-big.doc", change_huge_cb_big), huge_lost);
	CHECK_TEXT(huge_changed("huge-cb-long.doc", change_huge_cb_long), huge_lost);
	CHECK_TEXT(huge_changed("huge-no-data.doc", change_huge_no_data), huge_lost);
	test_end();
}

/* ---- tracked changes and hidden text (CHPX) ---- */

/* Deleted text (a word, a paragraph's text and its mark, a cell's text,
 * a row end, a surrogate pair, a check box field, text in a cp1252
 * piece) is not text, nor is hidden text; inserted text is, and so is
 * text whose marks are off. */
static const struct piece tracked[] = {
	{ "附件1：微创新案例申报表" DEL "（修订稿）" DEL "\r", false },
	{ "应用场景\a" INS "新增的一句。" INS "保留" DEL "删掉的一句，" DEL "正文。"
	  HIDE "隐藏的批注" HIDE "\a" ROW, false },
	{ "取得" KEEP "成效" KEEP "\a" DEL "整段删除" INPAR DEL "后一段\a" ROW, false },
	{ "联系人\a" DEL "张三" DEL "\a" DEL ROW DEL, false },
	{ "cp1252 " DEL "deleted " DEL "kept " HIDE "hidden" HIDE "\r", true },
	{ "表情" DEL "😀" DEL "完\r", false },
	{ "选择" DEL "\x13 FORMCHECKBOX \x01\x15" DEL "是 \x13 FORMCHECKBOX \x01\x15否\r", false },
	{ NULL, false },
};

static const char tracked_text[] =
	"#format doc\n"
	"p\t附件1：微创新案例申报表\n"
	"p c=0.0.0\t应用场景\n"
	"p c=0.0.1\t新增的一句。保留正文。\n"
	"p c=0.1.0\t取得成效\n"
	"p c=0.1.1\t\n"
	"p c=0.1.1\t后一段\n"
	"p c=0.2.0\t联系人\n"
	"p c=0.2.1\t\n"
	"p\tcp1252 kept \n"
	"p\t表情完\n"
	"p\t选择是 □否\n";

/* The same when the CHPX cannot be read: all of it, no check boxes. */
static const char tracked_all[] =
	"#format doc\n"
	"p\t附件1：微创新案例申报表（修订稿）\n"
	"p c=0.0.0\t应用场景\n"
	"p c=0.0.1\t新增的一句。保留删掉的一句，正文。隐藏的批注\n"
	"p c=0.1.0\t取得成效\n"
	"p c=0.1.1\t整段删除\n"
	"p c=0.1.1\t后一段\n"
	"p c=0.2.0\t联系人\n"
	"p c=0.2.1\t张三\n"
	"p\tcp1252 deleted kept hidden\n"
	"p\t表情😀完\n"
	"p\t选择是 否\n";

static char *tracked_changed(const char *name, void (*change)(struct doc *d))
{
	const struct piece *const stories[3] = { tracked, NULL, NULL };
	struct doc d;
	char *s;

	doc_make_boxes(&d, stories, true, "10");
	if (change != NULL)
		change(&d);
	s = text_of(name, 9, &d);
	doc_free(&d);
	return s;
}

/* The CHPX FKP pages the PlcBteChpx names: each to change(page). */
static void chpx_pages(struct doc *d, void (*change)(unsigned char *fkp))
{
	const unsigned char *bte = (unsigned char *)d->table.data + ole_get32(fib_pair(d, 12));
	size_t n = (ole_get32(fib_pair(d, 12) + 4) - 4) / 8;

	for (size_t i = 0; i < n; i++)
		change((unsigned char *)d->word.data + 512 * ole_get32(bte + 4 * (n + 1) + 4 * i));
}

static void change_chpx_pn_far(struct doc *d)
{
	/* the PlcBteChpx's pages: past the end of WordDocument */
	unsigned char *bte = (unsigned char *)d->table.data + ole_get32(fib_pair(d, 12));
	size_t n = (ole_get32(fib_pair(d, 12) + 4) - 4) / 8;

	for (size_t i = 0; i < n; i++)
		put_le32(bte + 4 * (n + 1) + 4 * i, (uint32_t)(d->word.len / 512) + (uint32_t)i);
}

static void change_chpx_bte_far(struct doc *d)
{
	put_le32(fib_pair(d, 12), (uint32_t)d->table.len - 8);
}

static void page_crun_big(unsigned char *fkp)
{
	fkp[511] = 0xFF;                        /* 255 runs do not fit */
}

static void change_chpx_crun(struct doc *d)
{
	chpx_pages(d, page_crun_big);
}

static void page_off_end(unsigned char *fkp)
{
	/* every run's CHPX at the page's last word, its length past it */
	for (size_t k = 0; k < fkp[511]; k++)
		fkp[4 * (fkp[511] + 1) + k] = 255;
	fkp[510] = 200;
}

static void change_chpx_off_end(struct doc *d)
{
	chpx_pages(d, page_off_end);
}

static void page_cb_short(unsigned char *fkp)
{
	/* the deletion's CHPX: 2 bytes, sprmCFRMarkDel's operand outside */
	for (size_t k = 0; k + 4 < 511; k++)
		if (memcmp(fkp + k, "\x0d\x00\x08\x01\x63", 5) == 0)
			fkp[k] = 2;
}

static void change_chpx_cb_short(struct doc *d)
{
	chpx_pages(d, page_cb_short);
}

static void page_overlap(unsigned char *fkp)
{
	/* run 1 ends before it starts, run 2 starts where run 0 does: the
	 * runs overlap and are out of order */
	memcpy(fkp + 8, fkp, 4);
}

static void change_chpx_overlap(struct doc *d)
{
	chpx_pages(d, page_overlap);
}

static void test_ole_text_tracked(void)
{
	struct buf many = BUF_INIT, want = BUF_INIT;
	struct piece pieces[2] = { { NULL, false }, { NULL, false } };
	const struct piece *const stories[3] = { pieces, NULL, NULL };
	struct doc d;

	test_begin("probe_ole_text: tracked deletions and hidden text are no text (CHPX)");
	CHECK_TEXT(tracked_changed("tracked.doc", NULL), tracked_text);
	/* 100 deletions between 101 kept words: 201 runs on 7 CHPX pages */
	buf_append(&many, "第0段", strlen("第0段"));
	buf_append(&want, "#format doc\np\t第0段", strlen("#format doc\np\t第0段"));
	for (int i = 1; i <= 100; i++) {
		char *del = xasprintf(DEL "删%d" DEL "留%d", i, i), *keep = xasprintf("留%d", i);

		buf_append(&many, del, strlen(del));
		buf_append(&want, keep, strlen(keep));
		free(del);
		free(keep);
	}
	buf_append(&many, "\r", 2);
	buf_append(&want, "\n", 1);
	buf_putc(&want, '\0');
	pieces[0].text = many.data;
	doc_make_all(&d, stories, true, NULL, false);
	test_assert_int(d.nchr, 201);
	CHECK_TEXT(text_of("tracked-many.doc", 9, &d), want.data);
	doc_free(&d);
	buf_free(&many);
	buf_free(&want);
	test_end();

	test_begin("probe_ole_text: hostile CHPX (pages past the stream, bad runs and lengths)");
	CHECK_TEXT(tracked_changed("chpx-pn-far.doc", change_chpx_pn_far), tracked_all);
	CHECK_TEXT(tracked_changed("chpx-bte-far.doc", change_chpx_bte_far), tracked_all);
	CHECK_TEXT(tracked_changed("chpx-crun.doc", change_chpx_crun), tracked_all);
	CHECK_TEXT(tracked_changed("chpx-off-end.doc", change_chpx_off_end), tracked_all);
	{
		char *s = tracked_changed("chpx-cb-short.doc", change_chpx_cb_short);

		/* deletions read as text, hidden text still hidden, boxes kept */
		test_assert(s != NULL && strstr(s, "p\t附件1：微创新案例申报表（修订稿）\n") &&
			    strstr(s, "p c=0.0.1\t新增的一句。保留删掉的一句，正文。\n") &&
			    strstr(s, "p\tcp1252 deleted kept \n"));
		free(s);
	}
	/* the first deletion lies in run 1, which is not found */
	CHECK_TEXT(tracked_changed("chpx-overlap.doc", change_chpx_overlap),
		   "#format doc\n"
		   "p\t附件1：微创新案例申报表（修订稿）\n"
		   "p c=0.0.0\t应用场景\n"
		   "p c=0.0.1\t新增的一句。保留正文。\n"
		   "p c=0.1.0\t取得成效\n"
		   "p c=0.1.1\t\n"
		   "p c=0.1.1\t后一段\n"
		   "p c=0.2.0\t联系人\n"
		   "p c=0.2.1\t\n"
		   "p\tcp1252 kept \n"
		   "p\t表情完\n"
		   "p\t选择是 □否\n");
	test_end();
}

/* 100000 one-character pieces, "a" and "\r" by turns: 50000 paragraphs,
 * cut at DOCTEXT_MAX. */
static void test_ole_text_many_pieces(void)
{
	const size_t n = 100000;
	struct doctext *dt;
	struct doc d;
	char *s;

	test_begin("probe_ole_text: 100000 pieces, output cut at DOCTEXT_MAX");
	memset(&d, 0, sizeof(d));
	buf_pad(&d.word, TEXT_AT);
	buf_append(&d.word, "a\0\r\0", 4);
	buf_pad(&d.word, 4096);
	buf_append(&d.table, "\x01\x03\x00\x35\x08\x01\x02", 7);
	buf_le32(&d.table, (uint32_t)(4 * (n + 1) + 8 * n));
	for (size_t i = 0; i <= n; i++)
		buf_le32(&d.table, (uint32_t)i);
	for (size_t i = 0; i < n; i++) {
		buf_le16(&d.table, 0);
		buf_le32(&d.table, TEXT_AT + 2 * (uint32_t)(i % 2));
		buf_le16(&d.table, 0);
	}
	d.npieces = n;
	d.ccp_text = (uint32_t)n;
	d.text_end = TEXT_AT + 4;
	doc_fib(&d);
	s = text_of("pieces.doc", 9, &d);
	test_assert(s != NULL && strncmp(s, "#format doc\np\ta\np\ta\n", 20) == 0);
	if (s != NULL) {
		dt = doctext_parse(s, strlen(s));
		test_assert(strlen(s) <= DOCTEXT_MAX);
		test_assert(dt->truncated && dt->npars > 10000 && dt->npars < 50000);
		test_assert(strcmp(s + strlen(s) - 11, "#truncated\n") == 0);
		doctext_free(&dt);
	}
	free(s);
	doc_free(&d);
	test_end();
}

/* Random bytes changed in the FIB, the text, the FKP pages and 1Table:
 * never more than DOCTEXT_MAX, never a failure. */
static void test_ole_text_mutations(void)
{
	unsigned int x = 12345;
	bool ok = true;
	struct doc d;

	test_begin("probe_ole_text: 600 randomly changed forms (FIB, text, FKPs, 1Table, Data)");
	for (int round = 0; round < 600 && ok; round++) {
		char *s;

		/* the form, with check boxes, with tracked changes; PAPX or
		 * not; row ends in Data or not */
		const struct piece *const stories[3] = {
			round % 6 < 2 ? form : round % 6 < 4 ? form_boxes : tracked,
			(const struct piece[]){ { "页眉\x13 PAGE \x14" "1\x15\r", false },
						{ NULL, false } }, NULL };

		doc_make_all(&d, stories, round % 2 == 0, round % 6 < 4 ? "01Dd1" : "10",
			     round % 3 == 0);
		for (int k = 0; k < 1 + round % 8; k++) {
			struct buf *b = (x = x * 1103515245 + 12345) >> 16 & 1 ? &d.word : &d.table;
			size_t at;

			if (d.data.len > 0 && k % 3 == 2)
				b = &d.data;

			x = x * 1103515245 + 12345;
			at = (x >> 8) % (b == &d.word && round % 3 == 0 ? 0x1AA : b->len);
			x = x * 1103515245 + 12345;
			b->data[at] = (char)(x >> 16);
		}
		s = text_of("mutated.doc", 9, &d);
		ok = test_assert(s != NULL && strlen(s) <= DOCTEXT_MAX);
		free(s);
		doc_free(&d);
	}
	test_end();
}

static void test_ole_text_file(void)
{
	struct buf out = BUF_INIT, file;
	const char *error = NULL;
	struct cfb_stream st[1];
	struct doc d;
	char *path;
	int fd;

	test_begin("probe_ole_text: cut files, no WordDocument, read errors");
	doc_make(&d, form, NULL, true);
	st[0] = (struct cfb_stream){ "Contents", d.word.data, d.word.len };
	file = cfb_make(9, st, 1);
	write_file("no-word.doc", file.data, file.len);
	path = tmp_path("no-word.doc");
	fd = open(path, O_RDONLY);
	test_assert_int(probe_ole_text(fd, file.len, &out, &error), 0);
	test_assert_int(out.len, 0);
	/* the same file said to be longer than it is, then cut in half */
	test_assert_int(probe_ole_text(fd, file.len * 2, &out, &error), 0);
	test_assert_int(probe_ole_text(fd, file.len / 2, &out, &error), 0);
	test_assert_int(out.len, 0);
	close(fd);
	free(path);
	buf_free(&file);
	/* the form cut at 2/3: what is there, no failure */
	{
		struct cfb_stream two[2] = {
			{ "WordDocument", d.word.data, d.word.len },
			{ "1Table", d.table.data, d.table.len },
		};

		file = cfb_make(9, two, 2);
		write_file("cut.doc", file.data, file.len * 2 / 3);
		path = tmp_path("cut.doc");
		fd = open(path, O_RDONLY);
		test_assert_int(probe_ole_text(fd, file.len * 2 / 3, &out, &error), 0);
		test_assert(out.len <= DOCTEXT_MAX);
		close(fd);
		free(path);
		buf_free(&file);
	}
	buf_free(&out);
	/* a descriptor that cannot be read */
	test_assert_int(probe_ole_text(-1, 4096, &out, &error), -1);
	test_assert(error != NULL && strstr(error, "read") != NULL);
	test_assert_int(out.len, 0);
	buf_free(&out);
	doc_free(&d);
	test_end();
}

struct sandboxed {
	int fd;
	uint64_t size;
};

struct sandboxed_reply {
	int ret;
	size_t len;
	char text[DOCTEXT_MAX];
};

static int sandboxed_child(void *ctx, void *result, size_t size)
{
	const struct sandboxed *job = ctx;
	struct sandboxed_reply *r = result;
	struct buf out = BUF_INIT;
	const char *error;

	(void)size;
	r->ret = probe_ole_text(job->fd, job->size, &out, &error);
	r->len = out.len <= sizeof(r->text) ? out.len : 0;
	if (r->len > 0)
		memcpy(r->text, out.data, r->len);
	buf_free(&out);
	return 0;
}

/* In the probe child's strict seccomp filter: the same text. */
static void test_ole_text_sandbox(void)
{
	struct sandbox_limits lim = { .seccomp = SANDBOX_SECCOMP_STRICT };
	struct sandboxed_reply *r = xcalloc(1, sizeof(*r));
	struct sandbox_report rep;
	struct sandboxed job;
	const char *error;
	struct doc d;
	char *want, *path = tmp_path("sandboxed.doc");

	test_begin("probe_ole_text: in a sandboxed child (strict seccomp)");
	doc_make(&d, form, NULL, true);
	want = text_of("sandboxed.doc", 9, &d);
	job.fd = open(path, O_RDONLY);
	job.size = (uint64_t)lseek(job.fd, 0, SEEK_END);
	lim.keep_fds = &job.fd;
	lim.keep_fds_count = 1;
	if (test_assert(sandbox_run(&lim, sandboxed_child, &job, r, sizeof(*r), &rep,
				    &error) == 0) &&
	    test_assert_str(sandbox_outcome_name(rep.outcome), "ok")) {
		test_assert_int(r->ret, 0);
		test_assert(want != NULL && r->len == strlen(want) &&
			    memcmp(r->text, want, r->len) == 0);
	}
	close(job.fd);
	free(path);
	free(want);
	free(r);
	doc_free(&d);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_ole_text_plain, test_ole_text_form, test_ole_text_guess,
		test_ole_text_header, test_ole_text_fields, test_ole_text_checkbox,
		test_ole_text_hostile, test_ole_text_huge_papx, test_ole_text_tracked,
		test_ole_text_many_pieces, test_ole_text_mutations, test_ole_text_file,
		test_ole_text_sandbox, NULL
	};

	return test_run(tests);
}
