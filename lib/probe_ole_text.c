/* probe_ole_text: the paragraphs of a Word 97-2003 file (.doc, and WPS
 * Writer's .wps, the same format) in the doctext format (doctext.h).
 *
 * [MS-DOC] in brief. The WordDocument stream starts with the FIB: a fixed
 * base (magic 0xA5EC, nFib, flags: encrypted, which table stream), then
 * three arrays, each led by its count: 16-bit words, 32-bit longs (among
 * them the story lengths ccpText, ccpFtn, ccpHdd) and (offset, length)
 * pairs into the table stream, 1Table or 0Table. Pair 33 is the Clx,
 * whose piece table maps character positions (CPs) to where their text
 * lies in WordDocument: UTF-16LE, or one cp1252 byte a character. The
 * stories follow each other in CP order: the main document [0, ccpText),
 * the footnotes, the headers and footers, ... and last the text boxes of
 * headers and footers (where Word and WPS often put the page number).
 *
 * Paragraphs end with 0x0D; a table cell's last paragraph ends with 0x07,
 * and each row with one more, empty, 0x07 paragraph (the row end). Which
 * paragraphs lie in a table is paragraph formatting (sprmPFInTable,
 * sprmPFTtp for a row end) found through pair 13, the PlcBtePapx, in
 * 512-byte FKP pages of WordDocument; a PAPX too long for its page is
 * only sprmPHugePapx, which points to its sprms in the Data stream
 * (LibreOffice writes every row end so). Without PAPX 0x07 alone
 * decides: a cell, or a row end right after a cell end (so an empty cell
 * reads as a row end), and 0x0D paragraphs between two cells of a row
 * are in the cell. Fields (0x13 instruction 0x14 result 0x15) show their
 * result only; a PAGE field in a header or footer gives "#pagenum"; a
 * legacy check box (FORMCHECKBOX) shows as ☑ or □, its state read from
 * the Data stream where the CHPX (pair 12, PlcBteChpx) of its 0x01
 * points. Character runs whose CHPX makes them a tracked deletion
 * (sprmCFRMarkDel) or hidden (sprmCFVanish) are no text (paragraph, cell
 * and field marks in them still count); tracked insertions are text.
 *
 * Only text and table places are read: no styles, fonts or sizes, no
 * footnotes, comments, text boxes of the main text (their place in it is
 * kept elsewhere), piece (prm) formatting or character styles. Word
 * 6/95 files (another FIB) and encrypted ones give nothing. The streams
 * are read into memory (OLE_TEXT_STREAM_MAX each), every offset is
 * checked, and at most OLE_TEXT_MAX_CHARS characters a pass are looked
 * at; a character costs at most one look-up of its CHPX run. */
#include "probe_private.h"
#include "doctext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OLE_TEXT_STREAM_MAX (64 * 1024 * 1024)
#define OLE_TEXT_MAX_PIECES (1024 * 1024)
#define OLE_TEXT_MAX_CHARS (8 * 1024 * 1024)
#define OLE_TEXT_MAX_FIELDS 16          /* nesting kept track of */
#define OLE_TEXT_NFIB_97 0xC0           /* 0xC1; 0xC0 for Windows' empty new file */
#define OLE_TEXT_FKP 512
#define OLE_TEXT_HUGE_PAPX 0x3FA2      /* PrcData: its grpprl is shorter */

#define FIB_ENCRYPTED 0x0100
#define FIB_WHICH_TABLE 0x0200
#define PCD_COMPRESSED 0x40000000U

struct ole_fib {
	uint64_t ccp_text;              /* the main document: CPs [0, ccp_text) */
	uint64_t hdd, ccp_hdd;          /* headers and footers: [hdd, hdd + ccp_hdd) */
	uint64_t hdr_txbx, ccp_hdr_txbx; /* their text boxes */
	uint32_t fc_chpx, lcb_chpx;     /* PlcBteChpx in the table stream */
	uint32_t fc_papx, lcb_papx;     /* PlcBtePapx */
	uint32_t fc_clx, lcb_clx;
	bool table1;
};

/* What the PAPX of a paragraph says about tables. */
struct ole_papx {
	bool in_table;                  /* sprmPFInTable, or sprmPItap >= 1 */
	bool ttp;                       /* sprmPFTtp: a row end */
	bool inner_ttp;                 /* sprmPFInnerTtp: a nested table's row end */
};

struct ole_field {
	bool result;                    /* past its 0x14 */
	char instr[24];                 /* the instruction's start, ASCII */
	size_t len;
	bool has_object;                /* an 0x01 in the instruction (form field data) */
	uint64_t object_fc;             /* its byte in WordDocument */
};

struct ole_text {
	const unsigned char *w;         /* WordDocument */
	size_t wlen;
	const unsigned char *plc;       /* PlcPcd: npcd + 1 CPs, npcd Pcds */
	size_t npcd;
	const unsigned char *bte;       /* PlcBtePapx: nbte + 1 FCs, nbte PNs; NULL: guess */
	size_t nbte;
	const unsigned char *chp;       /* PlcBteChpx, the same; NULL: none */
	size_t nchp;
	/* the CHPX run last looked up: bytes [run_from, run_to) of
	 * WordDocument, and whether its text is gone (deleted, hidden) */
	uint64_t run_from, run_to;
	bool run_gone;
	bool gone;                      /* the character being read is */
	/* the Data stream, read at the first legacy check box */
	int fd;
	uint64_t size;
	int data_read;                  /* 0 not yet, 1 read, -1 not there */
	unsigned char *data;
	size_t dlen;
	const char *error;              /* reading it failed */
	size_t budget;                  /* characters still to look at */
	struct buf *out;
	bool emit;                      /* false: only look for a PAGE field */
	bool full;                      /* out is at DOCTEXT_MAX */
	bool header, page_field;
	/* the paragraph being read */
	struct buf par;
	uint32_t high;                  /* a high surrogate waiting for its pair */
	int depth;                      /* fields open */
	struct ole_field fields[OLE_TEXT_MAX_FIELDS];
	/* the table being read: table < 0 outside */
	int ntables, table, row, col;
	bool after_cell;                /* the last paragraph ended a cell */
};

static uint16_t ole_le16(const unsigned char *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t ole_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- FIB, piece table, PAPX ---- */

/* The FIB of a Word 97+ file whose text can be read; false otherwise. */
static bool ole_fib_read(const unsigned char *w, size_t len, struct ole_fib *fib)
{
	size_t at, cslw, npairs;
	uint16_t flags;

	if (len < 0x22 || ole_le16(w) != 0xA5EC || ole_le16(w + 2) < OLE_TEXT_NFIB_97)
		return false;
	flags = ole_le16(w + 0x0A);
	if ((flags & FIB_ENCRYPTED) != 0)
		return false;
	fib->table1 = (flags & FIB_WHICH_TABLE) != 0;
	at = 0x22 + 2 * (size_t)ole_le16(w + 0x20);          /* past FibRgW */
	if (at + 2 > len)
		return false;
	cslw = ole_le16(w + at);                              /* FibRgLw */
	at += 2;
	if (cslw < 6 || at + 4 * cslw + 2 > len)
		return false;
	/* ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx:
	 * the stories one after the other */
	fib->ccp_text = ole_le32(w + at + 12);
	fib->hdd = fib->ccp_text + ole_le32(w + at + 16);
	fib->ccp_hdd = ole_le32(w + at + 20);
	fib->hdr_txbx = fib->hdd + fib->ccp_hdd;
	fib->ccp_hdr_txbx = 0;
	if (cslw >= 11) {
		for (size_t i = 6; i <= 9; i++)
			fib->hdr_txbx += ole_le32(w + at + 4 * i);
		fib->ccp_hdr_txbx = ole_le32(w + at + 40);
	}
	at += 4 * cslw;
	npairs = ole_le16(w + at);                            /* FibRgFcLcb */
	at += 2;
	if (npairs < 34 || at + 8 * npairs > len)
		return false;
	fib->fc_chpx = ole_le32(w + at + 8 * 12);
	fib->lcb_chpx = ole_le32(w + at + 8 * 12 + 4);
	fib->fc_papx = ole_le32(w + at + 8 * 13);
	fib->lcb_papx = ole_le32(w + at + 8 * 13 + 4);
	fib->fc_clx = ole_le32(w + at + 8 * 33);
	fib->lcb_clx = ole_le32(w + at + 8 * 33 + 4);
	return true;
}

/* The PlcPcd in the Clx at tbl[fc, fc + lcb): after any number of Prc
 * (0x01, a 16-bit length, property bytes) comes the Pcdt (0x02, a 32-bit
 * length, the PlcPcd). False if there is none that fits. */
static bool ole_pieces(struct ole_text *t, const unsigned char *tbl, size_t tlen,
		       uint32_t fc, uint32_t lcb)
{
	size_t at = fc, end, n;

	if (fc > tlen || lcb > tlen - fc)
		return false;
	end = at + lcb;
	while (at < end && tbl[at] == 0x01) {
		if (end - at < 3)
			return false;
		at += 3 + (size_t)ole_le16(tbl + at + 1);
	}
	if (at >= end || end - at < 5 || tbl[at] != 0x02)
		return false;
	lcb = ole_le32(tbl + at + 1);
	at += 5;
	if (lcb > end - at || lcb < 16 || (lcb - 4) % 12 != 0)
		return false;
	n = (lcb - 4) / 12;
	if (n > OLE_TEXT_MAX_PIECES)
		return false;
	t->plc = tbl + at;
	t->npcd = n;
	return true;
}

/* The PlcBte (PAPX or CHPX) at tbl[fc, fc + lcb): NULL if it does not fit. */
static const unsigned char *ole_bte(const unsigned char *tbl, size_t tlen, uint32_t fc,
				    uint32_t lcb, size_t *n_r)
{
	if (fc > tlen || lcb > tlen - fc || lcb < 12 || (lcb - 4) % 8 != 0)
		return NULL;
	*n_r = (lcb - 4) / 8;
	return tbl + fc;
}

/* In a PLC of n + 1 ascending 32-bit positions: the i with
 * plc[i] <= x < plc[i + 1], or SIZE_MAX. */
static size_t ole_plc_find(const unsigned char *plc, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	if (n == 0 || x < ole_le32(plc) || x >= ole_le32(plc + 4 * n))
		return SIZE_MAX;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ole_le32(plc + 4 * mid) <= x)
			lo = mid;
		else
			hi = mid;
	}
	return ole_le32(plc + 4 * lo) <= x && x < ole_le32(plc + 4 * (lo + 1)) ? lo : SIZE_MAX;
}

/* The operand length of the sprm whose operand starts at p[0..len), or
 * SIZE_MAX if it does not fit. The kind (spra, the top three bits) gives
 * it, or the operand's first byte; sprmTDefTable and sprmPChgTabs have
 * their own ways. */
static size_t ole_sprm_len(uint16_t sprm, const unsigned char *p, size_t len)
{
	static const unsigned char fixed[8] = { 1, 1, 2, 4, 2, 2, 0, 3 };
	size_t n = fixed[sprm >> 13];

	if (n == 0 && (sprm == 0xD608 || sprm == 0xD606))     /* sprmTDefTable(10) */
		n = len >= 2 ? (size_t)ole_le16(p) + 1 : SIZE_MAX;
	else if (n == 0 && sprm == 0xC615 && len >= 2 && p[0] == 255) { /* sprmPChgTabs */
		size_t add = 2 + 4 * (size_t)p[1];

		n = add < len ? add + 1 + 3 * (size_t)p[add] : SIZE_MAX;
	} else if (n == 0)
		n = len >= 1 ? 1 + (size_t)p[0] : SIZE_MAX;
	return n <= len ? n : SIZE_MAX;
}

/* The next sprm of the grpprl p[0..len) from *at on: its number and its
 * operand; false at the end or at one that does not fit. */
static bool ole_sprm_next(const unsigned char *p, size_t len, size_t *at, uint16_t *sprm_r,
			  const unsigned char **op_r)
{
	size_t n;

	if (*at + 2 > len)
		return false;
	*sprm_r = ole_le16(p + *at);
	if ((n = ole_sprm_len(*sprm_r, p + *at + 2, len - *at - 2)) == SIZE_MAX)
		return false;
	*op_r = p + *at + 2;
	*at += 2 + n;
	return true;
}

static bool ole_data(struct ole_text *t);

/* The table sprms of the grpprl p[0..len) into px. huge: whether a
 * sprmPHugePapx may be followed into the Data stream (not from there). */
static void ole_sprms(struct ole_text *t, const unsigned char *p, size_t len, bool huge,
		      struct ole_papx *px)
{
	const unsigned char *op;
	uint16_t sprm;
	size_t at = 0;

	while (ole_sprm_next(p, len, &at, &sprm, &op)) {
		if ((sprm == 0x6646 || sprm == 0x6645) && huge) {  /* sprmPHugePapx */
			/* a PrcData: a 16-bit length, the grpprl */
			uint32_t loc = ole_le32(op);
			size_t cb;

			if (ole_data(t) && loc <= t->dlen && t->dlen - loc >= 2 &&
			    (cb = ole_le16(t->data + loc)) < OLE_TEXT_HUGE_PAPX &&
			    cb <= t->dlen - loc - 2)
				ole_sprms(t, t->data + loc + 2, cb, false, px);
		} else if (sprm == 0x2416)            /* sprmPFInTable */
			px->in_table = op[0] != 0;
		else if (sprm == 0x2417)              /* sprmPFTtp */
			px->ttp = op[0] != 0;
		else if (sprm == 0x244C)              /* sprmPFInnerTtp */
			px->inner_ttp = op[0] != 0;
		else if (sprm == 0x6649)              /* sprmPItap */
			px->in_table = px->in_table || ole_le32(op) > 0;
	}
}

/* The FKP page of WordDocument that holds byte fc, through a PlcBte
 * (n + 1 FCs, n page numbers): the page, its runs' FCs, then for each run
 * bx bytes (1 for CHPX, 13 for PAPX) of which the first is a word offset
 * into the page. Returns the byte offset of fc's properties in the page
 * (*fkp_r), and the run's bytes [*from_r, *to_r), which hold fc: 0 if
 * it has no properties, SIZE_MAX if fc is not found. */
static size_t ole_fkp(const struct ole_text *t, const unsigned char *bte, size_t n,
		      uint64_t fc, size_t bx, const unsigned char **fkp_r, uint64_t *from_r,
		      uint64_t *to_r)
{
	const unsigned char *fkp;
	size_t i, crun;
	uint64_t pn;

	if (bte == NULL || (i = ole_plc_find(bte, n, fc)) == SIZE_MAX)
		return SIZE_MAX;
	pn = ole_le32(bte + 4 * (n + 1) + 4 * i) & 0x3FFFFF;
	if ((pn + 1) * OLE_TEXT_FKP > t->wlen)
		return SIZE_MAX;
	fkp = *fkp_r = t->w + pn * OLE_TEXT_FKP;
	crun = fkp[OLE_TEXT_FKP - 1];
	if (4 * (crun + 1) + bx * crun > OLE_TEXT_FKP - 1 ||
	    (i = ole_plc_find(fkp, crun, fc)) == SIZE_MAX)
		return SIZE_MAX;
	*from_r = ole_le32(fkp + 4 * i);
	*to_r = ole_le32(fkp + 4 * (i + 1));
	return 2 * (size_t)fkp[4 * (crun + 1) + bx * i];
}

/* The PAPX of the paragraph whose mark is at byte fc of WordDocument: a
 * PapxInFkp (a length in words, a style number, sprms). False if the
 * paragraph is not found. */
static bool ole_papx(struct ole_text *t, uint64_t fc, struct ole_papx *px)
{
	const unsigned char *fkp;
	uint64_t from, to;
	size_t off, len;

	memset(px, 0, sizeof(*px));
	if ((off = ole_fkp(t, t->bte, t->nbte, fc, 13, &fkp, &from, &to)) == SIZE_MAX)
		return false;
	if (off == 0)
		return true;
	if (off + 2 > OLE_TEXT_FKP - 1)
		return false;
	if (fkp[off] != 0) {
		len = 2 * (size_t)fkp[off] - 1;
		off += 1;
	} else {
		len = 2 * (size_t)fkp[off + 1];
		off += 2;
	}
	if (len < 2 || off + len > OLE_TEXT_FKP - 1)
		return false;
	ole_sprms(t, fkp + off + 2, len - 2, true, px);
	return true;
}

/* The CHPX of the character run that holds byte fc of WordDocument: a
 * length byte, sprms. Whether the run's text is gone: a tracked deletion
 * (sprmCFRMarkDel) or hidden (sprmCFVanish). Their operands toggle: 1
 * on, 0x81 the opposite of the style's (taken as plain: styles are not
 * read), 0 and 0x80 off. Remembers the run (the character alone if the
 * run is not found) so that its next characters need no look-up. */
static bool ole_chpx_gone(struct ole_text *t, uint64_t fc)
{
	const unsigned char *fkp, *op;
	uint64_t from = fc, to = fc + 1;
	size_t off, at = 0, len;
	uint16_t sprm;
	bool del = false, vanish = false;

	if (fc >= t->run_from && fc < t->run_to)
		return t->run_gone;
	off = ole_fkp(t, t->chp, t->nchp, fc, 1, &fkp, &from, &to);
	if (off == SIZE_MAX) {
		from = fc;
		to = fc + 1;
	} else if (off > 0 && off < OLE_TEXT_FKP - 1 &&
		   off + 1 + (len = fkp[off]) <= OLE_TEXT_FKP - 1) {
		while (ole_sprm_next(fkp + off + 1, len, &at, &sprm, &op)) {
			if (sprm == 0x0800)                   /* sprmCFRMarkDel */
				del = op[0] == 0x01 || op[0] == 0x81;
			else if (sprm == 0x0803)              /* sprmCFVanish */
				vanish = op[0] == 0x01 || op[0] == 0x81;
		}
	}
	t->run_from = from;
	t->run_to = to;
	t->run_gone = del || vanish;
	return t->run_gone;
}

/* ---- legacy check boxes ---- */

static bool ole_data(struct ole_text *t)
{
	if (t->data_read == 0) {
		int r = probe_ole_stream(t->fd, t->size, "Data", OLE_TEXT_STREAM_MAX, &t->data,
					 &t->dlen, &t->error);

		t->data_read = r > 0 ? 1 : -1;
	}
	return t->data_read > 0;
}

/* ☑ or □ for a FORMCHECKBOX field whose object character (0x01) is at
 * byte fc, 0 if its state cannot be read. The character's CHPX says where
 * its data lies in the Data stream (sprmCPicLocation): a 68-byte header,
 * then the FFData: version, bits (type 1 = check box; result 0, 1, or 25
 * for the default), two words, the field's name (a count, UTF-16, a 0),
 * the default. */
static uint32_t ole_checkbox(struct ole_text *t, uint64_t fc)
{
	const unsigned char *fkp, *op, *ff;
	uint64_t from, to;
	size_t off = ole_fkp(t, t->chp, t->nchp, fc, 1, &fkp, &from, &to), at = 0, len;
	uint32_t loc = UINT32_MAX, res;
	uint16_t sprm;

	if (off == SIZE_MAX || off == 0 || off >= OLE_TEXT_FKP - 1 ||
	    off + 1 + (len = fkp[off]) > OLE_TEXT_FKP - 1)
		return 0;
	while (ole_sprm_next(fkp + off + 1, len, &at, &sprm, &op))
		if (sprm == 0x6A03)                   /* sprmCPicLocation */
			loc = ole_le32(op);
	if (loc == UINT32_MAX || !ole_data(t) || loc > t->dlen || t->dlen - loc < 0x44 + 12 ||
	    ole_le16(t->data + loc + 4) != 0x44)
		return 0;
	ff = t->data + loc + 0x44;
	if (ole_le32(ff) != 0xFFFFFFFF || (ole_le16(ff + 4) & 3) != 1)
		return 0;
	res = ole_le16(ff + 4) >> 2 & 0x1F;
	if (res == 25) {
		at = 12 + 2 * (size_t)ole_le16(ff + 10) + 2;
		if (at + 2 > t->dlen - loc - 0x44)
			return 0;
		res = ole_le16(ff + at);
	}
	return res != 0 ? 0x2611 : 0x25A1;
}

/* ---- paragraphs ---- */

static void ole_put(struct ole_text *t, int table, int row, int col)
{
	struct doctext_par p = {
		.table = table, .row = row, .col = col, .header = t->header, .bold = -1,
	};

	if (t->emit && !t->full &&
	    !doctext_put_par(t->out, &p, t->par.data != NULL ? t->par.data : "", t->par.len))
		t->full = true;
}

/* Without the paragraph's PAPX: what its mark suggests. */
static void ole_guess(const struct ole_text *t, uint32_t mark, struct ole_papx *px)
{
	memset(px, 0, sizeof(*px));
	if (mark == 0x07)
		px->ttp = t->after_cell && t->par.len == 0;
	else
		px->in_table = t->table >= 0 && t->col > 0;
}

/* A paragraph ends with mark (0x0D, 0x07, 0x0C) at byte fc. A cell's
 * paragraphs carry its place; a row end moves to the next row; a
 * paragraph outside a table ends the one before. */
static void ole_par_end(struct ole_text *t, uint32_t mark, uint64_t fc)
{
	bool cell_end = mark == 0x07;
	struct ole_papx px;

	if (!ole_papx(t, fc, &px))
		ole_guess(t, mark, &px);
	if (px.ttp) {
		if (t->table >= 0) {
			t->row++;
			t->col = 0;
		}
		cell_end = false;
	} else if (px.in_table || cell_end) {
		if (t->table < 0) {
			t->table = t->ntables++;
			t->row = t->col = 0;
		}
		if (!px.inner_ttp || t->par.len > 0)
			ole_put(t, t->table, t->row, t->col);
		if (cell_end)
			t->col++;
	} else {
		t->table = -1;
		if (!t->header || t->par.len > 0)    /* headers: empty ones are many */
			ole_put(t, -1, -1, -1);
	}
	t->after_cell = cell_end;
	buf_truncate(&t->par, 0);
}

static void ole_visible(struct ole_text *t, uint32_t c);

static bool ole_is_page(const struct ole_field *f)
{
	return strncasecmp(f->instr, "PAGE", 4) == 0 &&
	       (f->instr[4] == '\0' || f->instr[4] == ' ' || f->instr[4] == '\\');
}

/* 0x13 begin, 0x14 separator, 0x15 end. Deeper fields than kept track of
 * are hidden whole. A legacy check box shows where its field is. */
static void ole_field(struct ole_text *t, uint32_t c)
{
	struct ole_field *f = t->depth > 0 && t->depth <= OLE_TEXT_MAX_FIELDS ?
			      &t->fields[t->depth - 1] : NULL;
	uint32_t box = 0;

	if (c == 0x13) {
		if (t->depth < OLE_TEXT_MAX_FIELDS)
			memset(&t->fields[t->depth], 0, sizeof(t->fields[0]));
		if (t->depth < INT16_MAX)
			t->depth++;
		return;
	}
	if (t->depth == 0)
		return;
	if (f != NULL && !f->result) {
		f->result = true;
		if (t->header && ole_is_page(f))
			t->page_field = true;
		if (f->has_object && strncasecmp(f->instr, "FORMCHECKBOX", 12) == 0)
			box = ole_checkbox(t, f->object_fc);
	}
	if (c == 0x15)
		t->depth--;
	if (box != 0)
		ole_visible(t, box);
}

/* Whether text here is a field's instruction (or inside one). */
static bool ole_hidden(const struct ole_text *t)
{
	if (t->depth > OLE_TEXT_MAX_FIELDS)
		return true;
	for (int i = 0; i < t->depth; i++)
		if (!t->fields[i].result)
			return true;
	return false;
}

/* A check box of a symbol font (Wingdings, Wingdings 2: Word keeps their
 * characters at U+F000 + code) as the Unicode one it shows. */
static uint32_t ole_symbol(uint32_t c)
{
	switch (c) {
	case 0xF0FE: case 0xF052:
		return 0x2611;                        /* ☑ */
	case 0xF0FD: case 0xF0FB: case 0xF053: case 0xF054:
		return 0x2612;                        /* ☒ */
	case 0xF0A8: case 0xF06F: case 0xF071: case 0xF0A3: case 0xF02A:
		return 0x25A1;                        /* □ */
	default:
		return c;
	}
}

/* A character that shows: into the paragraph, or into the instruction
 * of the innermost field. Nothing if the character read (or the field
 * end that shows a check box) is deleted or hidden text. */
static void ole_visible(struct ole_text *t, uint32_t c)
{
	if (t->gone)
		return;
	if (ole_hidden(t)) {
		struct ole_field *f = t->depth <= OLE_TEXT_MAX_FIELDS ?
				      &t->fields[t->depth - 1] : NULL;

		if (f != NULL && !f->result && f->len + 1 < sizeof(f->instr) &&
		    (f->len > 0 || c != ' '))
			f->instr[f->len++] = c < 0x80 ? (char)c : '?';
		return;
	}
	if (t->par.len < DOCTEXT_MAX)
		buf_put_utf8(&t->par, ole_symbol(c));
}

/* One character (a UTF-16 code unit) of a story, at byte fc. */
static void ole_char(struct ole_text *t, uint32_t c, uint64_t fc)
{
	if (t->high != 0) {
		uint32_t h = t->high;

		t->high = 0;
		if (c >= 0xDC00 && c <= 0xDFFF) {
			ole_visible(t, 0x10000 + ((h - 0xD800) << 10) + (c - 0xDC00));
			return;
		}
		ole_visible(t, 0xFFFD);
	}
	if (c >= 0xD800 && c <= 0xDBFF) {
		t->high = c;
		return;
	}
	switch (c) {
	case 0x0D: case 0x07: case 0x0C:          /* paragraph, cell, page/section */
		ole_par_end(t, c, fc);
		return;
	case 0x13: case 0x14: case 0x15:
		ole_field(t, c);
		return;
	case 0x01:                                /* a picture, or form field data */
		if (t->depth > 0 && t->depth <= OLE_TEXT_MAX_FIELDS &&
		    !t->fields[t->depth - 1].result && !t->fields[t->depth - 1].has_object) {
			t->fields[t->depth - 1].has_object = true;
			t->fields[t->depth - 1].object_fc = fc;
		}
		return;
	case 0x09: case 0x0B:                     /* tab, line break */
		c = ' ';
		break;
	case 0x1E:                                /* non-breaking hyphen */
		c = '-';
		break;
	}
	if (c >= 0xDC00 && c <= 0xDFFF)
		c = 0xFFFD;
	/* anchors (0x08 drawing, 0x02 note, 0x05 comment), the soft hyphen
	 * 0x1F, other controls */
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return;
	ole_visible(t, c);
}

/* cp1252 for 0x80..0x9F (0: undefined); the rest is Latin-1. */
static const uint16_t ole_cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* n characters of a piece from its character skip on; a piece whose
 * bytes are not all inside WordDocument is left out. */
static void ole_piece(struct ole_text *t, uint32_t fc, uint64_t skip, uint64_t n)
{
	bool narrow = (fc & PCD_COMPRESSED) != 0;
	uint64_t at = narrow ? (fc & 0x3FFFFFFF) / 2 + skip : (fc & 0x3FFFFFFF) + 2 * skip;
	size_t width = narrow ? 1 : 2;

	if (n > t->budget)
		n = t->budget;
	if (at > t->wlen || n > (t->wlen - at) / width)
		return;
	t->budget -= (size_t)n;
	for (; n > 0 && !t->full; n--, at += width) {
		uint32_t c = narrow ? t->w[at] : ole_le16(t->w + at);

		if (narrow && c >= 0x80 && c < 0xA0)
			c = ole_cp1252[c - 0x80];
		t->gone = t->chp != NULL && ole_chpx_gone(t, at);
		if (c != 0)
			ole_char(t, c, at);
	}
}

/* The characters [from, to) in the pieces' order, which is CP order; a
 * piece that goes backwards ends the walk. Then what is left is a last
 * paragraph. */
static void ole_story(struct ole_text *t, uint64_t from, uint64_t to, bool header)
{
	const unsigned char *pcds = t->plc + 4 * (t->npcd + 1);

	if (from >= to)
		return;
	t->header = header;
	t->table = -1;
	t->after_cell = false;
	t->depth = 0;
	for (size_t i = 0; i < t->npcd && !t->full && t->budget > 0; i++) {
		uint32_t a = ole_le32(t->plc + 4 * i), b = ole_le32(t->plc + 4 * (i + 1));

		if (b < a || a >= to)
			break;
		if (b <= from)
			continue;
		ole_piece(t, ole_le32(pcds + 8 * i + 2), (a < from ? from : a) - a,
			  (b < to ? b : to) - (a < from ? from : a));
	}
	t->gone = false;
	if (t->high != 0) {
		t->high = 0;
		ole_visible(t, 0xFFFD);
	}
	if (t->par.len > 0)
		ole_par_end(t, 0x0D, UINT64_MAX);
}

/* ---- the file ---- */

/* Read the text of the streams; nothing if they hold no readable text.
 * -1 with *error_r if reading the Data stream failed. */
static int ole_text_write(int fd, uint64_t size, const unsigned char *w, size_t wlen,
			  const unsigned char *tbl, size_t tlen, const struct ole_fib *fib,
			  struct buf *out, const char **error_r)
{
	struct ole_text t = {
		.w = w, .wlen = wlen, .out = out, .table = -1, .budget = OLE_TEXT_MAX_CHARS,
		.fd = fd, .size = size,
	};

	if (!ole_pieces(&t, tbl, tlen, fib->fc_clx, fib->lcb_clx))
		return 0;
	t.bte = ole_bte(tbl, tlen, fib->fc_papx, fib->lcb_papx, &t.nbte);
	t.chp = ole_bte(tbl, tlen, fib->fc_chpx, fib->lcb_chpx, &t.nchp);
	doctext_put_meta(out, "format", "doc");
	/* the headers first for a PAGE field, so that #pagenum leads */
	ole_story(&t, fib->hdd, fib->hdd + fib->ccp_hdd, true);
	ole_story(&t, fib->hdr_txbx, fib->hdr_txbx + fib->ccp_hdr_txbx, true);
	if (t.page_field)
		doctext_put_meta(out, "pagenum", NULL);
	t.emit = true;
	t.budget = OLE_TEXT_MAX_CHARS;
	t.ntables = 0;
	ole_story(&t, 0, fib->ccp_text, false);
	ole_story(&t, fib->hdd, fib->hdd + fib->ccp_hdd, true);
	ole_story(&t, fib->hdr_txbx, fib->hdr_txbx + fib->ccp_hdr_txbx, true);
	buf_free(&t.par);
	free(t.data);
	if (t.error != NULL) {
		*error_r = t.error;
		return -1;
	}
	return 0;
}

int probe_ole_text(int fd, uint64_t size, struct buf *out, const char **error_r)
{
	unsigned char *w = NULL, *tbl = NULL;
	size_t wlen, tlen;
	struct ole_fib fib;
	int ret;

	ret = probe_ole_stream(fd, size, "WordDocument", OLE_TEXT_STREAM_MAX, &w, &wlen,
			       error_r);
	if (ret <= 0 || !ole_fib_read(w, wlen, &fib))
		goto out;
	ret = probe_ole_stream(fd, size, fib.table1 ? "1Table" : "0Table",
			       OLE_TEXT_STREAM_MAX, &tbl, &tlen, error_r);
	if (ret > 0)
		ret = ole_text_write(fd, size, w, wlen, tbl, tlen, &fib, out, error_r);
out:
	free(w);
	free(tbl);
	return ret < 0 ? -1 : 0;
}
