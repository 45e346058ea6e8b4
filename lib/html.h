#ifndef CASEMAIL_HTML_H
#define CASEMAIL_HTML_H
/* html: untrusted text (names from mail, defect texts) into the HTML
 * casemail writes: the digest (digest-render.c) and the reviewers'
 * index.html (review-html.c). Appends to out; no allocation kept. */
#include "buf.h"

/* s as HTML text: invalid UTF-8 and C1 controls → U+FFFD, control
 * characters → space, bidirectional embeddings, overrides and isolates
 * (a name that reads backwards) → U+FFFD, & < > " ' as entities. NULL is
 * "". */
void html_text(struct buf *out, const char *s);
/* A relative URL of path (components separated by '/'): ASCII other
 * than [A-Za-z0-9._~-] and '/', invalid UTF-8, C1 controls and
 * bidirectional controls percent-encoded; other UTF-8 kept (the browser
 * encodes it). Safe inside a quoted attribute. */
void html_url(struct buf *out, const char *path);

#endif
