#ifndef CASEMAIL_LINKS_PRIVATE_H
#define CASEMAIL_LINKS_PRIVATE_H
/* Internals shared by links.c (URLs, expiry, codes, the API) and
 * links-html.c (seeing through HTML). */
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "links.h"

#define LINKS_MAX_URL 4096       /* longer URLs are junk, not shares */
#define LINKS_MAX_OCC 8          /* appearances of one link looked at */
#define LINKS_WINDOW 300         /* characters around a link */
#define LINKS_MARK '\x1f'        /* stands for a URL in the flat text */

/* ---- state of one call ---------------------------------------------- */

struct links_occ {
	size_t start, end;       /* in flat; end == start for an href */
};

struct links_link {
	char *url;
	size_t url_len;
	size_t service;
	struct links_occ occ[LINKS_MAX_OCC];
	size_t nocc;
};

struct links_ctx {
	const struct links_service *services;
	size_t nservices, max_links;
	bool html;
	pcre2_code **svc_re;
	pcre2_code *url_re, *expiry_re, *code_re, *url_code_re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct buf input;        /* the text, made valid UTF-8 */
	struct buf flat;         /* the body seen through, URLs as LINKS_MARK */
	struct buf tmp;          /* one entity-decoded piece of HTML */
	struct buf url;          /* a normalised URL being looked up */
	struct links_link *links;
	size_t nlinks, links_cap;
};

/* links.c */
/* A URL (in c->url) appears at [start, end) of the flat text. */
void links_consider(struct links_ctx *c, size_t start, size_t end);
/* Append plain text to the flat text, URLs in it replaced by markers. */
void links_scan_text(struct links_ctx *c, const char *s, size_t n);
/* Append already-flat text (no URL scan). */
void links_flat_append(struct links_ctx *c, const char *s, size_t n);
/* End a line of the flat text (block tags, <br>). */
void links_flat_break(struct links_ctx *c);
bool links_is_space(unsigned char ch);

/* links-html.c */
/* Flatten HTML into c->flat: tags dropped, entities decoded, hrefs considered. */
void links_flatten_html(struct links_ctx *c, const char *s, size_t n);
bool links_looks_html(const char *s, size_t n);

#endif
