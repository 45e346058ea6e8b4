/* links: find 超大附件 and cloud-drive links in a mail body (see links.h).
 *
 * One pass turns the body into "flat" text: HTML tags dropped (block tags
 * become line ends), entities decoded, whitespace collapsed, and every URL
 * replaced by one marker byte. The URLs (from the text and from href) go to
 * links_consider() as they appear, so found links keep document order and
 * each appearance has a position in the flat text. Expiry and code are then
 * searched in the flat text around those positions: with the URLs out of
 * the way, "&code=…" inside a QQ link is never taken for a 提取码 and the
 * 300-character window is spent on words, not on URL bytes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "links.h"
#include "links-private.h"
#include "buf.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static __thread char links_err[512];

/* Hosts and paths of the download/share pages, not of the services' home
 * or login pages: a signature's "https://exmail.qq.com/login" or a
 * mail.qq.com link without the ftn path is no material. */
const struct links_service links_default_services[] = {
	{ "腾讯企业邮箱超大附件", "^https?://(?:[a-z0-9-]+\\.)*exmail\\.qq\\.com/"
	  "(?:cgi-bin/ftnExs_download|ftn/download)" },
	{ "QQ邮箱超大附件", "^https?://(?:[a-z0-9-]+\\.)*mail\\.qq\\.com/"
	  "(?:cgi-bin/ftnExs_download|ftn/download)" },
	{ "企业微信微盘", "^https?://drive\\.weixin\\.qq\\.com/s" },
	{ "网易邮箱超大附件", "^https?://(?:(?:mail\\.(?:163|126)\\.com|mail\\.yeah\\.net)"
	  "/large-attachment-download/|dashi\\.163\\.com/html/cloud-attachment-download"
	  "|fs\\.(?:163|126)\\.com/fs/display/)" },
	{ "网易企业邮箱超大附件", "^https?://edisk\\.qiye\\.163\\.com/api/biz/attachment/download" },
	{ "新浪邮箱超大附件", "^https?://mail\\.sina\\.com\\.cn/filecenter/download\\.php" },
	{ "天翼云盘", "^https?://(?:cloud\\.189\\.cn/(?:t/|web/share)|h5\\.cloud\\.189\\.cn/share"
	  "|download\\.cloud\\.189\\.cn/file/downloadFile\\.action)" },
	{ "中国移动云盘", "^https?://(?:caiyun|yun)\\.139\\.com/(?:m/i|w/i|shareweb)" },
	{ "百度网盘", "^https?://(?:pan|yun)\\.baidu\\.com/(?:s/|share/)" },
	{ "阿里云盘", "^https?://(?:www\\.)?(?:alipan|aliyundrive)\\.com/s/" },
	{ "腾讯微云", "^https?://share\\.weiyun\\.com/[A-Za-z0-9]" },
	{ "夸克网盘", "^https?://pan\\.quark\\.cn/s/" },
	{ "UC网盘", "^https?://drive\\.uc\\.cn/s/" },
	{ "123云盘", "^https?://(?:www\\.)?123(?:pan|684|865|912|592)\\.(?:com|cn)/s/" },
	{ "蓝奏云", "^https?://(?:[a-z0-9-]+\\.)*(?:lanzou[a-z]?|lanzn|ilanzou)\\.com/"
	  "(?:s/[A-Za-z0-9]|[A-Za-z0-9]{6,}(?:$|[/?#]))" },
	{ "迅雷云盘", "^https?://pan\\.xunlei\\.com/s/" },
	{ "115网盘", "^https?://(?:115|anxia|115cdn)\\.com/s/" },
	{ "OneDrive/SharePoint", "^https?://(?:1drv\\.ms/|onedrive\\.live\\.com/"
	  "(?:\\?|redir|embed|download|view)|(?:[a-z0-9-]+\\.)*sharepoint\\.(?:com|cn)/)" },
	{ "Google Drive", "^https?://drive\\.google\\.com/(?:file/|drive/|open\\?|uc\\?)" },
	{ "Dropbox", "^https?://(?:www\\.)?dropbox\\.com/(?:s|sh|scl)/" },
	{ "iCloud云盘", "^https?://(?:www\\.)?icloud\\.com/iclouddrive/" },
	{ "坚果云", "^https?://(?:www\\.)?jianguoyun\\.com/p/" },
	{ "奶牛快传", "^https?://(?:[a-z0-9-]+\\.)*cowtransfer\\.com/s/" },
	{ "文叔叔", "^https?://(?:www\\.wenshushu\\.cn|f\\.ws[0-9]+\\.cn)/f/" },
	{ "亿方云", "^https?://v2\\.fangcloud\\.(?:com|cn)/(?:s|sharing)/" },
};
const size_t links_default_services_count =
	sizeof(links_default_services) / sizeof(links_default_services[0]);

/* ---- the regexes ------------------------------------------------------- */

#define WS "[\\s\\x{a0}\\x{3000}]*"
#define HS "[ \\t\\x{a0}\\x{3000}]*"
#define DATE_CN "\\d{4}" HS "年" HS "\\d{1,2}" HS "月" HS "\\d{1,2}" HS "[日号]" \
	"(?:" HS "\\d{1,2}[:：]\\d{2}(?:[:：]\\d{2})?)?"
#define DATE_NUM "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}" \
	"(?:[ \\tT\\x{a0}\\x{3000}]+\\d{1,2}:\\d{2}(?::\\d{2})?)?"
#define DATE "(?:" DATE_CN "|" DATE_NUM ")"

/* "到期时间：2026年08月12日 15:40", "下载有效期至：2026-08-20", "有效期：7天",
 * "过期时间：…" (企业微信), or a date followed by 到期 (QQ/163: "(512.30M,
 * 2026年8月12日 15:40 到期)"). Group 1 or 2 is the expiry. 截止 is not
 * here: mails quote the campaign's deadline with it. */
static const char links_expiry_re[] =
	"(?:(?:有效期(?:至|到|截至|限)?|到期(?:时间|日期|日)|过期(?:时间|日期)"
	"|失效(?:时间|日期))" WS "(?:为|是)?" WS "[:：]?" WS
	"(" DATE "|永久有效|永久|长期有效|无限期|\\d{1,4}" HS "(?:天|日|个月|小时))"
	"|(" DATE ")" HS "(?:之?前" HS "(?:有效|下载|到期|过期)|到期|过期|失效))";

/* 提取码 (百度, 阿里, 夸克, 123), 访问码 (天翼), 密码 (蓝奏, 微云) — but not
 * the archive's or the mailbox's password. */
static const char links_code_re[] =
	"(?:提取码|提取密码|访问码|访问密码|分享密码|取件码"
	"|(?<!解压|压缩|压缩包|登录|登陆|邮箱|开机|支付)密码"
	"|(?<![A-Za-z0-9])(?i:pwd)(?![A-Za-z0-9]))"
	WS "(?:是|为)?" WS "[:：=]?" WS "([A-Za-z0-9]{4,8})(?![A-Za-z0-9])";

static const char links_url_code_re[] =
	"[?&](?:pwd|password|passcode)=([A-Za-z0-9]{4,8})(?![A-Za-z0-9])";

/* http(s) URLs, and bare host/path under a few TLDs ("pan.baidu.com/s/…").
 * The lookbehind lets a bare match start only at the start of a word and
 * the labels are bounded, so the scan stays linear on hostile text. */
#define URLCH "[A-Za-z0-9\\-._~:/?#\\[\\]@!$&()*+,;=%]"
static const char links_url_re[] =
	"https?://" URLCH "+"
	"|(?<![A-Za-z0-9@._/:\\-])(?:[A-Za-z0-9\\-]{1,63}+\\.){1,10}"
	"(?:com|cn|net|ms|org|io|cc|top)/" URLCH "*";

static pcre2_code *links_compile(const char *pattern, uint32_t options,
				 const char *what, const char **error_r)
{
	PCRE2_SIZE off;
	int err;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | options, &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(links_err, sizeof(links_err), "%s: pattern: %s at offset %zu",
			 what, (const char *)msg, (size_t)off);
		*error_r = links_err;
	}
	return re;
}

static pcre2_code *links_compile_service(const struct links_service *s, size_t i,
					 const char **error_r)
{
	char what[160];

	if (s->name == NULL || s->pattern == NULL) {
		snprintf(links_err, sizeof(links_err), "service %zu: no %s", i,
			 s->name == NULL ? "name" : "pattern");
		*error_r = links_err;
		return NULL;
	}
	snprintf(what, sizeof(what), "service \"%s\"", s->name);
	return links_compile(s->pattern, PCRE2_CASELESS, what, error_r);
}

int links_services_check(const struct links_service *services, size_t n,
			 const char **error_r)
{
	for (size_t i = 0; i < n; i++) {
		pcre2_code *re = links_compile_service(&services[i], i, error_r);

		if (re == NULL)
			return -1;
		pcre2_code_free(re);
	}
	return 0;
}

static int links_ctx_init(struct links_ctx *c, const struct links_settings *set,
			  const char **error_r)
{
	memset(c, 0, sizeof(*c));
	c->services = links_default_services;
	c->nservices = links_default_services_count;
	c->max_links = LINKS_DEFAULT_MAX_LINKS;
	if (set != NULL && set->services != NULL && set->nservices > 0) {
		c->services = set->services;
		c->nservices = set->nservices;
	}
	if (set != NULL && set->max_links != 0)
		c->max_links = set->max_links;

	c->svc_re = xcalloc(c->nservices + 1, sizeof(*c->svc_re));
	for (size_t i = 0; i < c->nservices; i++) {
		c->svc_re[i] = links_compile_service(&c->services[i], i, error_r);
		if (c->svc_re[i] == NULL)
			return -1;
	}
	c->url_re = links_compile(links_url_re, PCRE2_CASELESS, "url", error_r);
	c->expiry_re = links_compile(links_expiry_re, 0, "expiry", error_r);
	c->code_re = links_compile(links_code_re, 0, "code", error_r);
	c->url_code_re = links_compile(links_url_code_re, PCRE2_CASELESS, "url code", error_r);
	if (c->url_re == NULL || c->expiry_re == NULL || c->code_re == NULL ||
	    c->url_code_re == NULL)
		return -1;  /* a bug in the patterns above; test-links catches it */
	c->md = pcre2_match_data_create(16, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	if (c->md == NULL || c->mctx == NULL)
		abort();   /* out of memory, as xalloc */
	/* configured patterns may backtrack badly: bound every match */
	pcre2_set_match_limit(c->mctx, 200000);
	pcre2_set_depth_limit(c->mctx, 10000);
	pcre2_set_heap_limit(c->mctx, 4096);   /* KiB */
	return 0;
}

static void links_ctx_deinit(struct links_ctx *c)
{
	for (size_t i = 0; c->svc_re != NULL && i < c->nservices; i++)
		pcre2_code_free(c->svc_re[i]);
	free(c->svc_re);
	pcre2_code_free(c->url_re);
	pcre2_code_free(c->expiry_re);
	pcre2_code_free(c->code_re);
	pcre2_code_free(c->url_code_re);
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	buf_free(&c->input);
	buf_free(&c->flat);
	buf_free(&c->tmp);
	buf_free(&c->url);
	for (size_t i = 0; i < c->nlinks; i++)
		free(c->links[i].url);
	free(c->links);
}

/* ---- links seen ---------------------------------------------------------- */

/* The URL in c->url appears at flat[start..end). */
void links_consider(struct links_ctx *c, size_t start, size_t end)
{
	const char *url = c->url.data;
	size_t len = c->url.len, svc;
	struct links_link *l;

	if (len == 0 || len > LINKS_MAX_URL)
		return;
	for (size_t i = 0; i < c->nlinks; i++) {
		l = &c->links[i];
		if (l->url_len == len && memcmp(l->url, url, len) == 0) {
			if (l->nocc < LINKS_MAX_OCC)
				l->occ[l->nocc++] = (struct links_occ){ start, end };
			return;
		}
	}
	if (c->nlinks >= c->max_links)
		return;
	for (svc = 0; svc < c->nservices; svc++) {
		if (pcre2_match(c->svc_re[svc], (PCRE2_SPTR)url, len, 0, PCRE2_NO_UTF_CHECK,
				c->md, c->mctx) >= 0)
			break;
	}
	if (svc == c->nservices)
		return;
	if (c->nlinks == c->links_cap) {
		c->links_cap = c->links_cap == 0 ? 8 : c->links_cap * 2;
		c->links = xreallocarray(c->links, c->links_cap, sizeof(*c->links));
	}
	l = &c->links[c->nlinks++];
	memset(l, 0, sizeof(*l));
	l->url = xstrndup(url, len);
	l->url_len = len;
	l->service = svc;
	l->occ[l->nocc++] = (struct links_occ){ start, end };
}

/* ---- input ----------------------------------------------------------------- */

/* s as valid UTF-8: each byte of a bad sequence (overlong, surrogate, cut)
 * becomes U+FFFD; a stray LINKS_MARK becomes a space. */
static void links_utf8_clean(const char *s, size_t n, struct buf *out)
{
	buf_reserve(out, n + 1);
	for (size_t i = 0; i < n; ) {
		unsigned char ch = (unsigned char)s[i];
		size_t need = ch >= 0xf0 && ch <= 0xf4 ? 3 : ch >= 0xe0 && ch <= 0xef ? 2 :
			      ch >= 0xc2 && ch <= 0xdf ? 1 : 0;
		uint32_t cp = ch & (need == 3 ? 0x07 : need == 2 ? 0x0f : 0x1f);
		bool good = need > 0 && n - i > need;

		if (ch < 0x80) {
			buf_putc(out, ch == (unsigned char)LINKS_MARK ? ' ' : (char)ch);
			i++;
			continue;
		}
		for (size_t k = 1; good && k <= need; k++) {
			good = ((unsigned char)s[i + k] & 0xc0) == 0x80;
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
		}
		if (good && ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
			     (need == 3 && (cp < 0x10000 || cp > 0x10ffff))))
			good = false;
		if (good) {
			buf_append(out, s + i, need + 1);
			i += need + 1;
		} else {
			buf_puts(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

/* ---- flat text ------------------------------------------------------------- */

bool links_is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\f' || ch == '\v';
}

static char links_flat_last(const struct links_ctx *c)
{
	return c->flat.len == 0 ? '\n' : c->flat.data[c->flat.len - 1];
}

/* Text into flat: HTML whitespace (and U+00A0) collapses to one space,
 * text/plain keeps its lines with CR LF and CR as LF. */
void links_flat_append(struct links_ctx *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!c->html) {
			if (ch == '\r') {
				ch = '\n';
				if (i + 1 < n && s[i + 1] == '\n')
					i++;
			}
			buf_putc(&c->flat, (char)ch);
			continue;
		}
		if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
			i++;
			ch = ' ';
		}
		if (links_is_space(ch)) {
			char last = links_flat_last(c);

			if (last != ' ' && last != '\n')
				buf_putc(&c->flat, ' ');
		} else {
			buf_putc(&c->flat, (char)ch);
		}
	}
}

/* A line end in HTML flat text (block tags): no trailing space, no blank lines. */
void links_flat_break(struct links_ctx *c)
{
	while (c->flat.len > 0 && c->flat.data[c->flat.len - 1] == ' ')
		buf_truncate(&c->flat, c->flat.len - 1);
	if (links_flat_last(c) != '\n')
		buf_putc(&c->flat, '\n');
}

/* Text (already entity-decoded): URLs become markers and are considered. */
void links_scan_text(struct links_ctx *c, const char *s, size_t n)
{
	size_t off = 0;

	while (off < n) {
		int rc = pcre2_match(c->url_re, (PCRE2_SPTR)s, n, off, PCRE2_NO_UTF_CHECK,
				     c->md, c->mctx);
		PCRE2_SIZE *ov;
		size_t ms, me, opened = 0, closed = 0;
		bool bare;

		if (rc < 0)
			break;
		ov = pcre2_get_ovector_pointer(c->md);
		ms = ov[0];
		me = ov[1];
		if (me <= ms)    /* cannot happen; never loop forever */
			break;
		/* "(见 https://x/y)." → without ".)", but keep balanced ")" */
		for (size_t i = ms; i < me; i++) {
			opened += s[i] == '(';
			closed += s[i] == ')';
		}
		while (me - ms > 1 && strchr(".,;:!?'])", s[me - 1]) != NULL) {
			if (s[me - 1] == ')' && closed <= opened)
				break;
			closed -= s[me - 1] == ')';
			me--;
		}
		links_flat_append(c, s + off, ms - off);
		bare = !(me - ms > 7 && strncasecmp(s + ms, "http://", 7) == 0) &&
		       !(me - ms > 8 && strncasecmp(s + ms, "https://", 8) == 0);
		buf_truncate(&c->url, 0);
		if (bare)
			buf_puts(&c->url, "https://");
		buf_append(&c->url, s + ms, me - ms);
		buf_putc(&c->flat, LINKS_MARK);
		links_consider(c, c->flat.len - 1, c->flat.len);
		off = me;
	}
	links_flat_append(c, s + off, n - off);
}

/* ---- expiry and code near a link ------------------------------------------ */

static size_t links_advance(const char *s, size_t len, size_t pos, size_t chars)
{
	for (; pos < len && chars > 0; chars--) {
		pos++;
		while (pos < len && ((unsigned char)s[pos] & 0xc0) == 0x80)
			pos++;
	}
	return pos;
}

static size_t links_retreat(const char *s, size_t pos, size_t chars)
{
	for (; pos > 0 && chars > 0; chars--) {
		pos--;
		while (pos > 0 && ((unsigned char)s[pos] & 0xc0) == 0x80)
			pos--;
	}
	return pos;
}

/* One match: whole match and its first set group. */
struct links_match {
	size_t ms, me, gs, ge;
};

/* First (or last) match of re inside subject[a..b) that no link has taken. */
static bool links_search(struct links_ctx *c, const pcre2_code *re, const char *subject,
			 size_t a, size_t b, bool last, const size_t *taken, size_t ntaken,
			 struct links_match *m_r)
{
	bool found = false;

	while (a < b) {
		int rc = pcre2_match(re, (PCRE2_SPTR)subject, b, a, PCRE2_NO_UTF_CHECK,
				     c->md, c->mctx);
		PCRE2_SIZE *ov;
		bool free_match = true;

		if (rc <= 0)
			break;
		ov = pcre2_get_ovector_pointer(c->md);
		for (size_t t = 0; t < ntaken; t++)
			free_match = free_match && taken[t] != ov[0];
		for (int g = 1; free_match && g < rc; g++) {
			if (ov[2 * g] != PCRE2_UNSET) {
				*m_r = (struct links_match){ ov[0], ov[1], ov[2 * g], ov[2 * g + 1] };
				found = true;
				break;
			}
		}
		if ((found && !last) || ov[1] <= a)
			break;
		a = ov[1];
	}
	return found;
}

/* Copy with whitespace runs (also U+00A0, U+3000) as one space, trimmed. */
static char *links_dup_clean(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	bool space = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t skip = 0;

		if (links_is_space(ch))
			skip = 1;
		else if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0)
			skip = 2;
		else if (ch == 0xe3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			 (unsigned char)s[i + 2] == 0x80)
			skip = 3;
		if (skip > 0) {
			space = b.len > 0;
			i += skip - 1;
			continue;
		}
		if (ch == (unsigned char)LINKS_MARK)
			continue;
		if (space)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, (char)ch);
	}
	return buf_steal(&b);
}

static size_t links_lines(const char *s, size_t a, size_t b)
{
	size_t n = 0;

	for (; a < b; a++)
		n += s[a] == '\n';
	return n;
}

/* Where occurrence o of l may look: not past another link's appearance,
 * not beyond the window; ls/le: its line. */
struct links_area {
	size_t prev, next, ls, le, wb, wa;
};

static struct links_area links_area(const struct links_ctx *c, const struct links_link *l,
				    struct links_occ o)
{
	const char *s = c->flat.data;
	struct links_area r = { 0, c->flat.len, o.start, o.end, 0, 0 };

	for (size_t j = 0; j < c->nlinks; j++) {
		const struct links_link *m = &c->links[j];

		for (size_t q = 0; m != l && q < m->nocc; q++) {
			if (m->occ[q].end <= o.start && m->occ[q].end > r.prev)
				r.prev = m->occ[q].end;
			if (m->occ[q].start >= o.end && m->occ[q].start < r.next)
				r.next = m->occ[q].start;
		}
	}
	while (r.ls > 0 && s[r.ls - 1] != '\n')
		r.ls--;
	while (r.le < c->flat.len && s[r.le] != '\n')
		r.le++;
	r.wa = links_advance(s, c->flat.len, o.end, LINKS_WINDOW);
	r.wb = links_retreat(s, o.start, LINKS_WINDOW);
	return r;
}

#define LINKS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LINKS_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Give each link the match of re nearest to it (links.h), each match to
 * one link only: first what is on a link's own line (after the link, then
 * before it), then, in document order, the nearest other line, a tie going
 * to the line before the link (a share text's 提取码 line belongs to the
 * link above it, and that link came first). out[i]: malloc'd or NULL. */
static void links_attach(struct links_ctx *c, const pcre2_code *re, char **out)
{
	const char *s = c->flat.data;
	size_t *taken = xcalloc(c->nlinks + 1, sizeof(*taken)), ntaken = 0;
	struct links_match *pick = xcalloc(c->nlinks + 1, sizeof(*pick));
	bool *ok = xcalloc(c->nlinks + 1, sizeof(*ok));

	for (size_t i = 0; i < c->nlinks; i++) {
		const struct links_link *l = &c->links[i];

		for (int step = 0; step < 2 && !ok[i]; step++) {
			for (size_t k = 0; k < l->nocc && !ok[i]; k++) {
				struct links_occ o = l->occ[k];
				struct links_area a = links_area(c, l, o);

				ok[i] = step == 0 ?
					links_search(c, re, s, o.end, LINKS_MIN(LINKS_MIN(a.le, a.next), a.wa),
						     false, taken, ntaken, &pick[i]) :
					links_search(c, re, s, LINKS_MAX(LINKS_MAX(a.ls, a.prev), a.wb), o.start,
						     true, taken, ntaken, &pick[i]);
			}
		}
		if (ok[i])
			taken[ntaken++] = pick[i].ms;
	}
	for (size_t i = 0; i < c->nlinks; i++) {
		const struct links_link *l = &c->links[i];
		size_t best = SIZE_MAX;

		for (size_t k = 0; k < l->nocc && !ok[i]; k++) {
			struct links_occ o = l->occ[k];
			struct links_area a = links_area(c, l, o);
			struct links_match m;

			if (links_search(c, re, s, LINKS_MAX(a.prev, a.wb), o.start, true,
					 taken, ntaken, &m) &&
			    links_lines(s, m.me, o.start) < best) {
				best = links_lines(s, m.me, o.start);
				pick[i] = m;
			}
			if (links_search(c, re, s, o.end, LINKS_MIN(a.next, a.wa), false,
					 taken, ntaken, &m) &&
			    links_lines(s, o.end, m.ms) < best) {
				best = links_lines(s, o.end, m.ms);
				pick[i] = m;
			}
		}
		if (best != SIZE_MAX) {
			ok[i] = true;
			taken[ntaken++] = pick[i].ms;
		}
	}
	for (size_t i = 0; i < c->nlinks; i++)
		out[i] = ok[i] ? links_dup_clean(s + pick[i].gs, pick[i].ge - pick[i].gs) : NULL;
	free(taken);
	free(pick);
	free(ok);
}

/* ---- the API ------------------------------------------------------------------ */

int links_find(const char *text, size_t len, const struct links_settings *set,
	       struct links_found **found_r, size_t *count_r, const char **error_r)
{
	struct links_ctx c;
	struct links_found *found = NULL;
	size_t max_text = set != NULL && set->max_text != 0 ? set->max_text :
			  LINKS_DEFAULT_MAX_TEXT;
	enum links_format format = set != NULL ? set->format : LINKS_FORMAT_DETECT;

	*found_r = NULL;
	*count_r = 0;
	if (links_ctx_init(&c, set, error_r) < 0) {
		links_ctx_deinit(&c);
		return -1;
	}
	if (text == NULL) {
		text = "";
		len = 0;
	}
	if (len > max_text) {
		/* cut at a character boundary */
		len = max_text;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	/* valid UTF-8 once, so that no match has to check the whole text again */
	links_utf8_clean(text, len, &c.input);
	text = c.input.data != NULL ? c.input.data : "";
	len = c.input.len;
	c.html = format == LINKS_FORMAT_HTML ||
		 (format == LINKS_FORMAT_DETECT && links_looks_html(text, len));
	if (c.html)
		links_flatten_html(&c, text, len);
	else
		links_scan_text(&c, text, len);

	if (c.nlinks > 0) {
		char **expiry = xcalloc(c.nlinks, sizeof(*expiry));
		char **code = xcalloc(c.nlinks, sizeof(*code));

		links_attach(&c, c.expiry_re, expiry);
		links_attach(&c, c.code_re, code);
		found = xcalloc(c.nlinks, sizeof(*found));
		for (size_t i = 0; i < c.nlinks; i++) {
			struct links_link *l = &c.links[i];
			struct links_match m;

			found[i].service = xstrdup(c.services[l->service].name);
			found[i].url = l->url;
			l->url = NULL;
			found[i].expiry = expiry[i];
			found[i].code = code[i];
			/* else ?pwd=ab12 in the URL itself */
			if (code[i] == NULL &&
			    links_search(&c, c.url_code_re, found[i].url, 0,
					 strlen(found[i].url), false, NULL, 0, &m))
				found[i].code = xstrndup(found[i].url + m.gs, m.ge - m.gs);
		}
		free(expiry);
		free(code);
	}
	*found_r = found;
	*count_r = c.nlinks;
	links_ctx_deinit(&c);
	return 0;
}

void links_free(struct links_found **found, size_t count)
{
	if (found == NULL || *found == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		free((*found)[i].service);
		free((*found)[i].url);
		free((*found)[i].expiry);
		free((*found)[i].code);
	}
	free(*found);
	*found = NULL;
}
