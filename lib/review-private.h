#ifndef CASEMAIL_REVIEW_PRIVATE_H
#define CASEMAIL_REVIEW_PRIVATE_H
/* review internals, shared by
 *   review.c         the calls of review.h, settings, the hook, file writing
 *   review-case.c    reading a campaign's accepted cases back from the spool
 *   review-html.c    index.html from what review-case.c read
 *   review-sheet.c   the decoding children and the contact sheet files
 *   review-pixels.c  pixel work: scaling with orientation, YUV, drawing
 *   review-json.c    the JSON reader (review-json.h) */
#include "review.h"
#include "buf.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- review-case.c: a campaign as the spool holds it ---- */

struct review_file {
	char *name;                      /* in the version folder */
	uint64_t size;
	char *kind;                      /* the manifest's ("jpeg", "video", …); NULL: unknown */
	char *type;                      /* its MIME type; NULL: unknown */
	int width, height;               /* pictures; 0: unknown */
	int display_width, display_height; /* videos */
	double duration;                 /* videos, seconds; < 0: unknown */
	bool damaged;
	bool is_media;                   /* a photo or video of the sheet */
	enum review_media_kind media;
	unsigned thumb;                  /* thumbs/<thumb>.jpg; 0: none */
};

struct review_defect {
	char *code, *severity, *detail;
	bool whole_mail;                 /* about the mail, not one of its files */
};

struct review_case {
	char *company, *name;            /* the folder names under accepted/ */
	char *receipt;                   /* the version shown (the link's target) */
	char **older;                    /* earlier versions, newest first */
	size_t nolder;
	char *sender, *arrival, *verdict; /* from its manifest; NULL: unknown */
	struct review_file *files;       /* by name */
	size_t nfiles;
	struct review_defect *defects;
	size_t ndefects;
	bool sheet;                      /* thumbs/contact.jpg exists */
	bool sheet_top;                  /* contact.jpg beside the files is ours */
};

struct review_view {
	const char *campaign;            /* borrowed */
	struct review_case *cases;       /* by company, then case name (bytes) */
	size_t ncases;
	unsigned mails, accepted, rejected, ignored; /* mail/ filings by verdict */
};

/* Read campaign_dir's accepted cases (all of them, or with only_receipt
 * only those whose shown version is that receipt) and count its mails.
 * 0, or -1 with *error_r when accepted/ exists but cannot be read. A case
 * whose manifest is missing or unreadable is still listed (names, sizes). */
int review_view_load(const char *campaign_dir, const char *campaign,
		     const char *only_receipt, bool count_mails, struct review_view *v,
		     const char **error_r);
void review_view_free(struct review_view *v);
/* "accepted/<company>/.versions/<case>/<receipt>" below the campaign dir
 * (malloc'd); the receipt shown when receipt is NULL. */
char *review_case_dir(const struct review_case *c, const char *receipt);

/* ---- review-html.c ---- */

/* The whole index.html of v into out. */
void review_html_render(const struct review_view *v, const struct review_settings *set,
			struct buf *out);

/* ---- review-sheet.c ---- */

/* 1: dirfd's contact.jpg is our sheet (the same inode as
 * thumbs/contact.jpg); 0: there is none; -1: a file of the case has
 * that name. */
int review_sheet_top(int dirfd);

/* ---- review-pixels.c: RGB, 3 bytes a pixel, rows packed ---- */

struct review_image {
	int w, h;
	unsigned char *px;               /* malloc'd w * h * 3, or NULL */
};

/* (w, h) scaled to fit (bw, bh), aspect kept, each at least 1. */
void review_fit(int w, int h, int bw, int bh, int *fw_r, int *fh_r);
/* Box-filter src (sw × sh, stored) shown with EXIF orientation o (1..8:
 * 5..8 swap the sides) into dst (dw × dh, already in display order). */
void review_scale(const unsigned char *src, int sw, int sh, int o,
		  unsigned char *dst, int dw, int dh);
/* EXIF orientation of a clockwise display rotation 0/90/180/270. */
int review_rotation_orientation(int rotation_cw);
/* The sheet: cells (NULL px: grey) in REVIEW_COLUMNS columns, numbered
 * from 1, videos marked with a play sign. *sheet_r's px malloc'd. */
void review_compose(const struct review_image *cells, const bool *video, size_t n,
		    struct review_image *sheet_r);
/* A cell scaled down to fit REVIEW_THUMB_W × REVIEW_THUMB_H (grey when
 * the cell has no pixels), a video's with the play sign. */
void review_thumb(const struct review_image *cell, bool video, struct review_image *thumb_r);

/* ---- review-video.c, in the decoding child ---- */

/* The first frame of the video open as fd (size bytes) as RGB in stored
 * order, at least want_w × want_h in display order where the frame is
 * that large; *orientation_r (EXIF numbering) shows it upright. 0, or -1
 * when there is no picture (FFmpeg not loaded, no frame, an unknown
 * pixel format). out->px is malloc'd. */
int review_video_poster(int fd, uint64_t size, int want_w, int want_h,
			struct review_image *out, int *orientation_r);

/* ---- review.c ---- */

/* Write data as dirfd/name atomically: ".tmp-review-<pid>-<base>" beside
 * it (0640), fsynced when sync, renamed over name. 0 or -1. */
int review_write_at(int dirfd, const char *name, const void *data, size_t len,
		    bool sync, const char **error_r);
/* printf into the module's thread-local error buffer. */
const char *review_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define REVIEW_TMP_PREFIX ".tmp-review-"

#endif
