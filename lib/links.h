#ifndef CASEMAIL_LINKS_H
#define CASEMAIL_LINKS_H
/* links: download links in a mail's body text, for mail.big_attachment_link.
 *
 * Senders whose material is too big for an attachment send a link instead:
 * QQ / 163 / 126 / 腾讯企业邮 "超大附件" (the web mailer puts the file on its
 * transfer station and writes name, size, link and expiry into the body), or
 * a cloud-drive share (百度网盘, 阿里云盘, 腾讯微云, 夸克, 123云盘, 蓝奏云,
 * OneDrive/SharePoint …), often with a 提取码. links_find() finds those links
 * in the text/plain or text/html body, says which service each is, and quotes
 * the expiry and access code the mail gives near the link.
 *
 * How:
 *  - HTML is seen through: tags are dropped (block tags end a line), script,
 *    style and comments skipped, entities decoded (&amp; in URLs too). URLs
 *    come from href attributes of any tag but link/base (the visible text is
 *    often only the file name) and from the text; img src is never read, so
 *    tracking pixels and icons do not count. title attributes are read as
 *    text: QQ Mail writes "到期时间：…" only there.
 *  - URLs in text: http(s)://… up to the first character that cannot be in a
 *    URL (space, quote, <, >, any non-ASCII such as "提取码" or "，"), with
 *    trailing punctuation and an unbalanced ")" dropped; also bare
 *    "pan.baidu.com/s/…"-style host/path, reported with "https://" in front.
 *  - Each URL is matched against the services in order, the first match
 *    names it. The same URL twice is one link; links keep document order.
 *  - Expiry and code are searched near each appearance of the link, never
 *    across another found link, within 300 characters, and each one is given
 *    to one link only: first what is on the link's own line, after the link
 *    (163: "<a>name</a> (80.96M, 2026年8月17日 0:49 到期)") or else before it
 *    (QQ text: "name (512.30M, 2026年8月12日 15:40 到期)进入下载页面：URL");
 *    then the nearest other line, a tie going to the line before the link
 *    (a share text's "提取码：ab12" line below its link belongs to it, not
 *    to the next link). A code may also come from the URL (?pwd=…); the
 *    text wins.
 *
 * Pure: no I/O, no global state (the error text is thread-local), every
 * regex is compiled per call. Input is bounded by max_text; bytes that are
 * not UTF-8 are read as U+FFFD. */
#include <stddef.h>

#define LINKS_DEFAULT_MAX_LINKS 20
#define LINKS_DEFAULT_MAX_TEXT  (1024 * 1024)  /* bytes scanned */

/* A service: name for the report, and a PCRE2 pattern matched against each
 * URL (compiled with PCRE2_UTF | PCRE2_CASELESS; not anchored unless the
 * pattern says so: the built-ins all start with ^https?://). */
struct links_service {
	const char *name;        /* "QQ邮箱超大附件" */
	const char *pattern;
};

/* The built-in list, in match order, so that conf/ can print or override it
 * (see links.c for every pattern; test-links.c has an example URL each). */
extern const struct links_service links_default_services[];
extern const size_t links_default_services_count;

enum links_format {
	LINKS_FORMAT_DETECT = 0, /* HTML if the text has HTML tags (<div, <br, <a …) */
	LINKS_FORMAT_TEXT,       /* text/plain: used as is */
	LINKS_FORMAT_HTML,       /* text/html */
};

/* All fields 0/NULL = defaults; a NULL settings pointer = all defaults. */
struct links_settings {
	const struct links_service *services; /* NULL/0 = links_default_services */
	size_t nservices;
	size_t max_links;        /* 20: further links are not reported */
	size_t max_text;         /* 1 MiB: bytes of text scanned, the rest ignored */
	enum links_format format;
};

/* One link; all strings are malloc'd UTF-8 owned by the array. */
struct links_found {
	char *service;           /* the matching service's name */
	char *url;               /* entity-decoded; bare links get "https://" */
	char *expiry;            /* as the mail states it, whitespace collapsed:
				    "2026年8月12日 15:40", "2026-08-20", "7天",
				    "永久有效"; NULL when none is given */
	char *code;              /* 提取码/访问码/密码 ("ab12"), NULL when none */
};

/* Find the service links in text[0..len) (UTF-8 body text; need not be
 * NUL-terminated). On success returns 0 with *found_r a malloc'd array of
 * *count_r links in document order (NULL when there are none): free it with
 * links_free(). Returns -1 with *error_r set (thread-local, valid until the
 * next call in this thread) when a service pattern does not compile; then
 * *found_r is NULL and *count_r 0. */
int links_find(const char *text, size_t len, const struct links_settings *set,
	       struct links_found **found_r, size_t *count_r,
	       const char **error_r);

/* Frees what links_find() returned and sets *found to NULL. NULL-safe. */
void links_free(struct links_found **found, size_t count);

/* Compile every pattern of services[0..n), for configuration checks:
 * 0, or -1 with *error_r ("service \"X\": pattern: … at offset N"). */
int links_services_check(const struct links_service *services, size_t n,
			 const char **error_r);

#endif
