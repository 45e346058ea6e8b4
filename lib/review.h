#ifndef CASEMAIL_REVIEW_H
#define CASEMAIL_REVIEW_H
/* review: the reviewers' view of a campaign's accepted cases — static
 * files beside the spool tree (spool.h) that staff open from a file share
 * or a USB stick, with no server, no script and nothing from outside:
 *
 *   <campaign>/index.html                 one page: per company (sorted by
 *                                         name, bytewise) its cases, with
 *                                         receipt, earlier versions, sender,
 *                                         arrival, files, warnings, thumbnails;
 *                                         every link relative
 *   accepted/<company>/.versions/<case>/<receipt>/
 *       thumbs/<n>.jpg                    thumbnail of the n-th photo or
 *                                         video of the case (fits 160×120)
 *       thumbs/contact.jpg                the contact sheet: all of them in
 *                                         a grid of REVIEW_COLUMNS columns,
 *                                         cells of 320×240, numbered
 *       contact.jpg                       the same file (a hard link), unless
 *                                         a file of the case has that name
 *
 * Everything comes from what the spool holds: the accepted/ tree (case
 * links and their versions), mail/<receipt>/manifest.json and filed.json.
 * Nothing else is stored; every file can be made again from the spool
 * (casemailctl review). Files are written beside and renamed into place,
 * so a reader sees an old or a new version, never half of one.
 *
 * Photos and videos come from mail: each one is decoded in its own
 * one-shot child (sandbox_run(), seccomp STRICT by default) that gets the
 * open file as its only descriptor and hands back a small RGB picture;
 * a file that does not decode, crashes or hits a limit becomes a grey
 * cell, and the case still lists it. JPEGs are decoded at the smallest
 * libjpeg-turbo scale that still fills the cell, EXIF orientation applied;
 * a video gives its first frame (probe_video_poster(); FFmpeg loaded in
 * the parent first, probe-av.h), its display rotation applied. The
 * parent only encodes the pixels it got back (tjCompress2).
 *
 * Errors: 0 / -1 with *error_r (thread-local text, valid until the next
 * call). Memory: nothing returned needs freeing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "sandbox.h"

#define REVIEW_CELL_W 320               /* contact sheet cell */
#define REVIEW_CELL_H 240
#define REVIEW_THUMB_W 160              /* thumbs/<n>.jpg */
#define REVIEW_THUMB_H 120
#define REVIEW_COLUMNS 4
#define REVIEW_MAX_CELLS 100            /* later photos/videos: listed, no thumbnail */
#define REVIEW_QUALITY 80
#define REVIEW_SHEET "contact.jpg"
#define REVIEW_THUMBS "thumbs"
#define REVIEW_INDEX "index.html"

struct config;
struct campaign;

enum review_media_kind { REVIEW_PHOTO, REVIEW_VIDEO };

struct review_media {
	const char *name;                /* a file in the case folder (one component) */
	enum review_media_kind kind;
};

/* Zero in any field means its default. */
struct review_settings {
	/* each decoding child: sandbox.h defaults, but seccomp STRICT */
	struct sandbox_limits limits;
	const char *title;               /* the page's heading; NULL: the campaign id */
	int tz_offset;                   /* seconds east of UTC for the times shown */
	int64_t now;                     /* the page's "generated" time; 0: now */
};

struct review_stats {
	unsigned cases;                  /* case folders listed */
	unsigned sheets;                 /* contact sheets written */
	unsigned cells;                  /* photos and videos on them */
	unsigned grey;                   /* of which did not decode */
	unsigned errors;                 /* cases whose sheet failed (logged text in
					  * the error of the last one) */
};

/* Write case_dir/thumbs/<n>.jpg for media[n - 1] (n ≤ REVIEW_MAX_CELLS),
 * the contact sheet case_dir/thumbs/contact.jpg and its link
 * case_dir/contact.jpg (not when a file of the case has that name).
 * nmedia == 0 writes nothing. A medium that does not decode is a grey
 * cell: only a system error (the folder not writable, fork failing) fails
 * the call. stats_r (may be NULL) is added to. */
int review_case_sheet(const char *case_dir, const struct review_media *media,
		      size_t nmedia, const struct review_settings *set,
		      struct review_stats *stats_r, const char **error_r);

/* Write <spool_dir>/<campaign>/index.html from the spool as it is now
 * (temp file, fsync, rename). A campaign without filings gets a page that
 * says so. */
int review_campaign_index(const char *spool_dir, const char *campaign,
			  const struct review_settings *set, const char **error_r);

/* The contact sheets of the cases whose shown version is receipt and of
 * those that have none yet (a crash or a failure after an earlier filing;
 * every case when receipt is NULL), then the index. A sheet that fails is
 * counted in stats_r->errors and the rest goes on; -1 with *error_r when
 * a sheet failed (the last one's error), or when the index could not be
 * written or the campaign's folder not read. */
int review_campaign(const char *spool_dir, const char *campaign, const char *receipt,
		    const struct review_settings *set, struct review_stats *stats_r,
		    const char **error_r);

/* Settings for the daemon and casemailctl: the decoding children get
 * [limits]' probe_* limits (and no filter with probe_seccomp = no), the
 * page c's name and time zone. cfg and c may be NULL (defaults). */
void review_settings_init(struct review_settings *set, const struct config *cfg,
			  const struct campaign *c);

/* After mail receipt of campaign c was filed (the daemon, casemailctl
 * reprocess): review_campaign() for it. Never fails: a failure is logged
 * (warning "review") and the filing stands. */
void review_filed(const struct config *cfg, const struct campaign *c, const char *receipt);

/* casemailctl review: review_campaign() of every case of every campaign
 * in campaigns (or only campaign_id), one line per campaign appended to
 * out (cases, sheets, where index.html is). 0; 1 when campaign_id is no
 * campaign; -1 with *error_r when a campaign failed (the others are
 * still done). */
struct campaign_set;
int review_all(const struct config *cfg, const struct campaign_set *campaigns,
	       const char *campaign_id, struct buf *out, const char **error_r);

#endif
