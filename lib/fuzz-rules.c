/* libFuzzer target for rules: file lists → cases, defects, verdict,
 * against both shipped campaigns (conf/campaigns, loaded once)
 * (docs/fuzzing.md).
 *
 * Feeds: the input as lines ('\n'), each made UTF-8 the way extraction
 * makes names (charset_guess_to_utf8, control bytes as '?'):
 *   line 1     "FLAGS|subject", or just the subject. FLAGS letters:
 *              A arrival before the deadline, E on it, L after deadline
 *              and grace; S summary list on file; R replies to a receipt;
 *              O from our own mailbox; l List-Id; r multipart/report;
 *              x X-Autoreply; a Auto-Submitted; b Precedence: bulk;
 *              P Return-Path <>; D from mailer-daemon@
 *   "#text"    a line of the body
 *   "!Cpath"   an extraction problem: C (one character) picks
 *              archive.encrypted, .damaged, .bomb, .unsafe_entry, .too_deep
 *              or file.damaged (its first byte % 6),
 *              about path ("" = the mail)
 *   "@s|u|e"   a download link: service, url, expiry
 *   "path" or "path\tSPEC"   a file; the folders above it are the path's
 *              components, an archive or .eml component without its
 *              extension (as check.c builds them). SPEC letters:
 *              kind: j jpeg, p png, h heic, w webp, g gif, b bmp, t tiff,
 *              v video, f pdf, d docx, o doc, z zip, 7 7z, r rar, T tar,
 *              G gzip, B bzip2, x xz, e text, H html, m eml, X executable;
 *              size: S 100 KB, M 1 MiB - 1, N 1 MiB, L 300 MiB, 0 empty
 *              (else 2 MiB); '-' not probed (facts NULL), D damaged,
 *              U unreadable (no bytes, no hash), C container,
 *              1-9 hash group (same digit = same bytes), i images in a
 *              document, P portrait video, Q landscape video rotated 90°,
 *              l long video (10 min), s low resolution, c AVI container,
 *              k MKV container.
 *
 * Asserts beyond "no crash" (fuzz_check_rules_result in fuzz-common.h):
 * the verdict is "rejected" exactly when some defect is an error and
 * "ignored" exactly when there is an ignored reason (then no defects, no
 * cases); every defect code is in SPEC's table with SPEC's severity
 * (file.unsupported may be raised to error); every defect names a file
 * of the mail or one an extraction problem named, or none; case indexes
 * are in range; case files are the mail's own paths; details and case
 * names are non-empty UTF-8; photos + videos <= files. Also: rules_check
 * is deterministic (same input, same codes in the same order), and
 * rules_resubmitted() adds exactly one case.resubmitted warning. */
#include "fuzz-common.h"
#include "buf.h"
#include "campaign.h"
#include "charset.h"
#include "facts.h"
#include "rules.h"
#include "strlist.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILES 256
#define MB (1024 * 1024ULL)

static struct campaign_set *campaigns;

struct input {
	struct strlist lines;       /* UTF-8 lines */
	struct rules_file files[MAX_FILES];
	struct facts facts[MAX_FILES];
	char *dirs[MAX_FILES][16];
	char sha[MAX_FILES][65];
	size_t nfiles;
	struct rules_problem problems[MAX_FILES];
	size_t nproblems;
	struct rules_link links[MAX_FILES];
	char *link_parts[MAX_FILES][3];
	size_t nlinks;
	struct buf body;
	const char *flags;
	const char *subject;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *error;

	if (campaign_set_load(CASEMAIL_CONFDIR "/campaigns", &campaigns, &error) < 0) {
		fprintf(stderr, "fuzz-rules: %s\n", error);
		abort();
	}
	FUZZ_CHECK(campaigns->n >= 2);
	return 0;
}

static bool is_container_ext(const char *name)
{
	static const char *const exts[] = {
		".zip", ".7z", ".rar", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".eml",
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
			return true;
	}
	return false;
}

/* check.c's container_folder(): "包.tar.gz" → "包" */
static char *container_folder(const char *name)
{
	const char *dot = strrchr(name, '.');
	char *s = dot != NULL && dot != name ? xstrndup(name, (size_t)(dot - name)) :
		  xstrdup(name);
	size_t n = strlen(s);

	if (n > 4 && strcasecmp(s + n - 4, ".tar") == 0)
		s[n - 4] = '\0';
	return s;
}

static void apply_spec(struct input *in, size_t i, const char *spec)
{
	static const char kinds[] = "jphwgbtvfdoz7rTGBxeHmX";
	static const enum facts_kind kind_of[] = {
		FACTS_KIND_JPEG, FACTS_KIND_PNG, FACTS_KIND_HEIC, FACTS_KIND_WEBP,
		FACTS_KIND_GIF, FACTS_KIND_BMP, FACTS_KIND_TIFF, FACTS_KIND_VIDEO,
		FACTS_KIND_PDF, FACTS_KIND_DOCX, FACTS_KIND_DOC, FACTS_KIND_ZIP,
		FACTS_KIND_7Z, FACTS_KIND_RAR, FACTS_KIND_TAR, FACTS_KIND_GZIP,
		FACTS_KIND_BZIP2, FACTS_KIND_XZ, FACTS_KIND_TEXT, FACTS_KIND_HTML,
		FACTS_KIND_EML, FACTS_KIND_EXECUTABLE,
	};
	struct rules_file *f = &in->files[i];
	struct facts *fa = &in->facts[i];
	bool kind_set = false, probed = true;

	memset(fa, 0, sizeof(*fa));
	fa->kind = FACTS_KIND_OTHER;
	fa->width = 4000;
	fa->height = 3000;
	fa->orientation = 1;
	fa->duration = 60;
	snprintf(fa->container, sizeof(fa->container), "mp4");
	snprintf(fa->codec, sizeof(fa->codec), "h264");
	fa->coded_width = fa->display_width = 1920;
	fa->coded_height = fa->display_height = 1080;
	fa->pages = 3;
	f->size = 2 * MB;
	snprintf(in->sha[i], sizeof(in->sha[i]), "%064zx", i + 1000);
	f->sha256 = in->sha[i];
	for (const char *s = spec; s != NULL && *s != '\0'; s++) {
		const char *k = strchr(kinds, *s);
		if (k != NULL && !kind_set) {
			fa->kind = kind_of[k - kinds];
			kind_set = true;
			continue;
		}
		switch (*s) {
		case 'S': f->size = 100 * 1024; break;
		case 'M': f->size = MB - 1; break;
		case 'N': f->size = MB; break;
		case 'L': f->size = 300 * MB; break;
		case '0': f->size = 0; break;
		case '-': probed = false; break;
		case 'D':
			fa->damaged = true;
			snprintf(fa->damage, sizeof(fa->damage), "truncated");
			break;
		case 'U': f->unreadable = true; f->sha256 = NULL; break;
		case 'C': f->container = true; break;
		case 'i': fa->doc_images = 2; break;
		case 'P':
			fa->display_width = fa->coded_width = 1080;
			fa->display_height = fa->coded_height = 1920;
			break;
		case 'Q':
			fa->rotation = 90;
			fa->display_width = 1080;
			fa->display_height = 1920;
			break;
		case 'l': fa->duration = 600; break;
		case 's':
			fa->width = fa->coded_width = fa->display_width = 640;
			fa->height = fa->coded_height = fa->display_height = 360;
			break;
		case 'c': snprintf(fa->container, sizeof(fa->container), "avi"); break;
		case 'k': snprintf(fa->container, sizeof(fa->container), "mkv"); break;
		default:
			if (*s >= '1' && *s <= '9' && f->sha256 != NULL)
				memset(in->sha[i], *s, 64);
			break;
		}
	}
	if (fa->kind != FACTS_KIND_VIDEO) {
		fa->duration = -1;
		fa->container[0] = fa->codec[0] = '\0';
	}
	snprintf(fa->mime, sizeof(fa->mime), "%s", facts_kind_name(fa->kind));
	f->facts = probed ? fa : NULL;
}

static void add_file(struct input *in, char *line)
{
	char *tab = strchr(line, '\t');
	struct rules_file *f;
	size_t i = in->nfiles, nd = 0;
	char *path, *comp, *save = NULL;
	struct buf norm = BUF_INIT;

	if (tab != NULL)
		*tab = '\0';
	/* no empty components, as extraction names them */
	path = xstrdup(line);
	for (comp = strtok_r(path, "/", &save); comp != NULL; comp = strtok_r(NULL, "/", &save)) {
		if (norm.len > 0)
			buf_putc(&norm, '/');
		buf_puts(&norm, comp);
	}
	free(path);
	if (norm.len == 0 || i >= MAX_FILES) {
		buf_free(&norm);
		return;
	}
	strlist_add(&in->lines, buf_cstr(&norm));
	buf_free(&norm);
	path = in->lines.v[in->lines.n - 1];
	f = &in->files[i];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	for (const char *s = path, *slash; (slash = strchr(s, '/')) != NULL; s = slash + 1) {
		char *c = xstrndup(s, (size_t)(slash - s));
		if (nd >= sizeof(in->dirs[i]) / sizeof(in->dirs[i][0])) {
			free(c);
			break;
		}
		if (is_container_ext(c)) {
			in->dirs[i][nd++] = container_folder(c);
			free(c);
		} else {
			in->dirs[i][nd++] = c;
		}
	}
	f->dirs = (const char *const *)in->dirs[i];
	f->ndirs = nd;
	apply_spec(in, i, tab != NULL ? tab + 1 : NULL);
	in->nfiles++;
}

static void add_problem(struct input *in, const char *line)
{
	static const char *const codes[] = {
		"archive.encrypted", "archive.damaged", "archive.bomb",
		"archive.unsafe_entry", "archive.too_deep", "file.damaged",
	};
	struct rules_problem *p;

	if (in->nproblems >= MAX_FILES || line[0] == '\0')
		return;
	p = &in->problems[in->nproblems++];
	p->code = codes[(unsigned char)line[0] % 6];
	/* the selector is the first character, however long */
	for (line++; ((unsigned char)*line & 0xc0) == 0x80; line++)
		;
	p->file = line[0] != '\0' ? line : NULL;
	p->detail = "fuzz";
}

static void add_link(struct input *in, const char *line)
{
	struct rules_link *l;
	const char *a, *b;
	char **parts;

	if (in->nlinks >= MAX_FILES)
		return;
	parts = in->link_parts[in->nlinks];
	l = &in->links[in->nlinks++];
	a = strchr(line, '|');
	b = a != NULL ? strchr(a + 1, '|') : NULL;
	parts[0] = xstrndup(line, a != NULL ? (size_t)(a - line) : strlen(line));
	parts[1] = a != NULL ? xstrndup(a + 1, b != NULL ? (size_t)(b - a - 1) : strlen(a + 1)) :
		   xstrdup("https://example.com/x");
	parts[2] = b != NULL ? xstrdup(b + 1) : NULL;
	l->service = parts[0];
	l->url = parts[1];
	l->expiry = parts[2];
}

static void parse_input(struct input *in, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	size_t lineno = 0;

	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		struct buf u = BUF_INIT;
		char *line;

		charset_guess_to_utf8(p, n, &u);
		for (size_t i = 0; i < u.len; i++) {
			if ((unsigned char)u.data[i] < 0x20 && u.data[i] != '\t')
				u.data[i] = '?';
		}
		strlist_add(&in->lines, buf_cstr(&u));
		buf_free(&u);
		line = in->lines.v[in->lines.n - 1];
		if (lineno++ == 0) {
			char *bar = strchr(line, '|');
			if (bar != NULL) {
				*bar = '\0';
				in->flags = line;
				in->subject = bar + 1;
			} else {
				in->flags = "";
				in->subject = line;
			}
		} else if (line[0] == '#') {
			buf_puts(&in->body, line + 1);
			buf_putc(&in->body, '\n');
		} else if (line[0] == '!') {
			add_problem(in, line + 1);
		} else if (line[0] == '@') {
			add_link(in, line + 1);
		} else if (line[0] != '\0') {
			add_file(in, line);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void build_mail(const struct input *in, const struct campaign *c,
		       struct rules_mail *m)
{
	const char *fl = in->flags;

	memset(m, 0, sizeof(*m));
	m->from_addr = strchr(fl, 'D') != NULL ? "mailer-daemon@qq.com" : "zhangsan@qq.com";
	m->from_name = "张三";
	m->from_own_mailbox = strchr(fl, 'O') != NULL;
	m->return_path = strchr(fl, 'P') != NULL ? "" : "zhangsan@qq.com";
	m->subject = in->subject;
	m->body = buf_cstr(&in->body);
	m->auto_submitted = strchr(fl, 'a') != NULL ? "auto-replied" : NULL;
	m->x_autoreply = strchr(fl, 'x') != NULL;
	m->precedence = strchr(fl, 'b') != NULL ? "bulk" : NULL;
	m->list_headers = strchr(fl, 'l') != NULL;
	m->is_report = strchr(fl, 'r') != NULL;
	if (strchr(fl, 'A') != NULL) {
		m->has_arrival = true;
		m->arrival = c->deadline - 86400;
	} else if (strchr(fl, 'E') != NULL) {
		m->has_arrival = true;
		m->arrival = c->deadline + (int64_t)c->grace_minutes * 60;
	} else if (strchr(fl, 'L') != NULL) {
		m->has_arrival = true;
		m->arrival = c->deadline + (int64_t)c->grace_minutes * 60 + 1;
	}
	m->files = in->files;
	m->nfiles = in->nfiles;
	m->problems = in->problems;
	m->nproblems = in->nproblems;
	m->links = in->links;
	m->nlinks = in->nlinks;
	m->summary_list_on_file = strchr(fl, 'S') != NULL;
	m->replies_to_receipt = strchr(fl, 'R') != NULL;
}

static void check_campaign(const struct campaign *c, const struct rules_mail *m)
{
	struct rules_result *r = rules_check(c, m), *again;
	bool late = m->has_arrival &&
		    m->arrival > c->deadline + (int64_t)c->grace_minutes * 60;
	bool has_late = false;

	fuzz_check_rules_result(m, r, true);
	for (size_t d = 0; d < r->ndefects; d++)
		has_late |= strcmp(r->defects[d].code, "mail.late") == 0;
	FUZZ_CHECK(r->verdict == RULES_IGNORED || has_late == late);
	if (late && r->verdict != RULES_IGNORED)
		FUZZ_CHECK(r->verdict == RULES_REJECTED);

	/* pure: the same mail gives the same result */
	again = rules_check(c, m);
	FUZZ_CHECK(again->verdict == r->verdict && again->ndefects == r->ndefects &&
		   again->ncases == r->ncases);
	for (size_t d = 0; d < r->ndefects; d++)
		FUZZ_CHECK(strcmp(again->defects[d].code, r->defects[d].code) == 0);
	rules_result_free(&again);

	if (r->ncases > 0) {
		size_t n = r->ndefects, ci = r->ncases - 1;
		rules_resubmitted(c, r, ci, "HFW2026-000045");
		FUZZ_CHECK(r->ndefects == n + 1);
		FUZZ_CHECK(strcmp(r->defects[n].code, "case.resubmitted") == 0 &&
			   r->defects[n].severity == RULES_WARNING &&
			   r->defects[n].case_index == (int)ci);
		fuzz_check_rules_result(m, r, true);
	}
	rules_result_free(&r);
	FUZZ_CHECK(r == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input *in = xcalloc(1, sizeof(*in));
	struct rules_mail m;

	parse_input(in, data, size);
	for (size_t i = 0; i < campaigns->n; i++) {
		build_mail(in, campaigns->v[i], &m);
		check_campaign(campaigns->v[i], &m);
	}
	for (size_t i = 0; i < in->nfiles; i++) {
		for (size_t d = 0; d < in->files[i].ndirs; d++)
			free(in->dirs[i][d]);
	}
	for (size_t i = 0; i < in->nlinks; i++) {
		for (size_t k = 0; k < 3; k++)
			free(in->link_parts[i][k]);
	}
	strlist_free(&in->lines);
	buf_free(&in->body);
	free(in);
	return 0;
}
