/* review-case: a campaign's accepted cases read back from the spool for
 * the reviewers' view (review-private.h).
 *
 * A case is a link accepted/<company>/<case> → .versions/<case>/<receipt>
 * (spool-accepted.c); anything else there (a link of another shape, a
 * file, a stray .tmp-*) is not ours and skipped. Its files are the
 * regular files of the version folder, less our own contact.jpg; what
 * they are comes from mail/<receipt>/manifest.json. A version file is a
 * hard link to mail/<receipt>/files/<file>, where filed.json says which
 * path of the mail that was, so the two are matched by inode, and by
 * base name where the spool had to copy. The manifest's cases are matched
 * to the folder by their sanitised names, as spool-accepted.c made it.
 *
 * Memory: everything in a review_view is malloc'd and freed by
 * review_view_free(). */
#include "review-private.h"
#include "review-json.h"
#include "spool-name.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define RC_VERDICT_HEAD 1024   /* "verdict" is the manifest's third member */
#define RC_MAX_SIDE 1000000    /* pixels: larger is no size */
#define RC_MAX_SECONDS 1e9     /* a video longer is no length */

/* Receipts compare by length, then bytes (as spool-accepted.c). */
static int rc_receipt_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static int rc_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rc_receipt_desc(const void *a, const void *b)
{
	return rc_receipt_cmp(*(char *const *)b, *(char *const *)a);
}

static void rc_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names in dir, sorted: those not starting with '.' (with dot_files,
 * all but "." and ".."); 0, or -1 (errno). */
static int rc_list(const char *dir, bool dot_files, char ***names_r, size_t *n_r)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*names_r = NULL;
	*n_r = 0;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!dot_files || strcmp(de->d_name, ".") == 0 ||
					     strcmp(de->d_name, "..") == 0))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), rc_strcmp);
	*names_r = v;
	*n_r = n;
	return 0;
}

static char *rc_component(const char *s)
{
	struct buf b = BUF_INIT;

	spool_name_component(s != NULL ? s : "", s != NULL ? strlen(s) : 0, true, &b);
	return buf_steal(&b);
}

static const char *rc_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* ---- the manifest's view of one case ---- */

struct rc_path {
	const char *path;                /* in the mail */
	const struct review_json *file;  /* its manifest "files" entry, or NULL */
	const char *rel;                 /* under mail/<receipt>/files/, or NULL */
	struct stat st;
	bool have_st, used;
};

struct rc_source {
	struct review_json *manifest, *filed;
	struct rc_path *paths;
	size_t npaths;
	struct {                         /* the mail's cases, as named in it */
		const char *name;
		bool mine;               /* laid out as this folder */
	} *cases;
	size_t ncases;
};

static const struct review_json *rc_find_path(const struct review_json *arr, const char *path,
					      const char *key)
{
	for (const struct review_json *e = arr != NULL ? arr->child : NULL; e != NULL;
	     e = e->next) {
		const char *p = review_json_str(e, key);

		if (p != NULL && strcmp(p, path) == 0)
			return e;
	}
	return NULL;
}

static bool rc_case_is(const struct review_json *mc, const struct review_case *c)
{
	char *co = rc_component(review_json_str(mc, "company"));
	char *name = rc_component(review_json_str(mc, "name"));
	bool same = strcmp(co, c->company) == 0 && strcmp(name, c->name) == 0;

	free(co);
	free(name);
	return same;
}

static void rc_add_path(struct rc_source *s, const char *mail_dir, const char *path)
{
	const struct review_json *filed;
	struct rc_path *p;

	for (size_t i = 0; i < s->npaths; i++) {
		if (strcmp(s->paths[i].path, path) == 0)
			return;
	}
	s->paths = xreallocarray(s->paths, s->npaths + 1, sizeof(*s->paths));
	p = &s->paths[s->npaths++];
	memset(p, 0, sizeof(*p));
	p->path = path;
	p->file = rc_find_path(review_json_get(s->manifest, "files"), path, "path");
	filed = rc_find_path(review_json_get(s->filed, "files"), path, "path");
	p->rel = review_json_str(filed, "file");
	if (p->rel != NULL) {
		char *full = xasprintf("%s/files/%s", mail_dir, p->rel);

		p->have_st = stat(full, &p->st) == 0;
		free(full);
	}
}

/* The manifest and filed.json of the case's receipt, and its paths. */
static void rc_source_load(struct rc_source *s, const char *campaign_dir,
			   const struct review_case *c)
{
	char *mail_dir = xasprintf("%s/mail/%s", campaign_dir, c->receipt);
	char *path = xasprintf("%s/manifest.json", mail_dir);
	const struct review_json *cases;
	const char *error;

	memset(s, 0, sizeof(*s));
	s->manifest = review_json_load(path, &error);
	free(path);
	path = xasprintf("%s/filed.json", mail_dir);
	s->filed = review_json_load(path, &error);
	free(path);
	cases = review_json_get(s->manifest, "cases");
	for (const struct review_json *mc = cases != NULL ? cases->child : NULL; mc != NULL;
	     mc = mc->next) {
		const struct review_json *files = review_json_get(mc, "files");
		bool mine = rc_case_is(mc, c);

		s->cases = xreallocarray(s->cases, s->ncases + 1, sizeof(*s->cases));
		s->cases[s->ncases].name = review_json_str(mc, "name");
		s->cases[s->ncases++].mine = mine;
		if (!mine)
			continue;
		for (const struct review_json *f = files != NULL ? files->child : NULL;
		     f != NULL; f = f->next) {
			if (f->type == REVIEW_JSON_STRING)
				rc_add_path(s, mail_dir, f->str);
		}
	}
	free(mail_dir);
}

static void rc_source_free(struct rc_source *s)
{
	review_json_free(&s->manifest);
	review_json_free(&s->filed);
	free(s->paths);
	free(s->cases);
}

/* ---- files ---- */

static bool rc_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && exts[i] != NULL; i++) {
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return true;
	}
	return false;
}

/* What the sheet makes of f: the manifest's kind, else the extension. */
static void rc_media(struct review_file *f)
{
	static const char *const photo[] = { "jpg", "jpeg", NULL };
	static const char *const video[] = {
		"mp4", "mov", "m4v", "3gp", "avi", "mkv", "webm", "flv", "wmv", "ts", "mpg", NULL,
	};

	if (f->kind != NULL) {
		f->is_media = strcmp(f->kind, "jpeg") == 0 || strcmp(f->kind, "video") == 0;
		f->media = strcmp(f->kind, "video") == 0 ? REVIEW_VIDEO : REVIEW_PHOTO;
	} else if (rc_ext(f->name, photo) || rc_ext(f->name, video)) {
		f->is_media = true;
		f->media = rc_ext(f->name, video) ? REVIEW_VIDEO : REVIEW_PHOTO;
	}
}

/* A pixel count of the manifest, 0 when absent or out of range. */
static int rc_int(const struct review_json *m, const char *key)
{
	double v = review_json_num(m, key, 0);

	return v >= 1 && v <= RC_MAX_SIDE ? (int)v : 0;
}

static void rc_file_facts(struct review_file *f, const struct review_json *m)
{
	const struct review_json *damaged = review_json_get(m, "damaged");
	const char *s;

	if ((s = review_json_str(m, "kind")) != NULL)
		f->kind = xstrdup(s);
	if ((s = review_json_str(m, "type")) != NULL)
		f->type = xstrdup(s);
	f->width = rc_int(m, "width");
	f->height = rc_int(m, "height");
	f->display_width = rc_int(m, "display_width");
	f->display_height = rc_int(m, "display_height");
	f->duration = review_json_num(m, "duration", -1);
	if (!(f->duration >= 0 && f->duration < RC_MAX_SECONDS))
		f->duration = -1;
	f->damaged = damaged != NULL && damaged->type == REVIEW_JSON_BOOL && damaged->boolean;
}

/* The mail path that version file f (st) is: same inode, else same name. */
static struct rc_path *rc_match(struct rc_source *s, const char *name, const struct stat *st)
{
	for (size_t i = 0; i < s->npaths; i++) {
		struct rc_path *p = &s->paths[i];

		if (!p->used && p->have_st && p->st.st_dev == st->st_dev &&
		    p->st.st_ino == st->st_ino)
			return p;
	}
	for (size_t i = 0; i < s->npaths; i++) {
		struct rc_path *p = &s->paths[i];
		char *base = rc_component(rc_base(p->rel != NULL ? p->rel : p->path));
		bool same = !p->used && strcmp(base, name) == 0;

		free(base);
		if (same)
			return p;
	}
	return NULL;
}

static void rc_files(struct review_case *c, struct rc_source *s, int vfd, char **names,
		     size_t n)
{
	unsigned thumbs = 0;

	c->files = xcalloc(n + 1, sizeof(*c->files));
	for (size_t i = 0; i < n; i++) {
		struct review_file *f = &c->files[c->nfiles];
		struct stat st;
		struct rc_path *p;

		if (fstatat(vfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    strncmp(names[i], REVIEW_TMP_PREFIX, strlen(REVIEW_TMP_PREFIX)) == 0 ||
		    (c->sheet_top && strcmp(names[i], REVIEW_SHEET) == 0))
			continue;
		f->name = xstrdup(names[i]);
		f->size = (uint64_t)st.st_size;
		f->duration = -1;
		if ((p = rc_match(s, names[i], &st)) != NULL) {
			p->used = true;
			rc_file_facts(f, p->file);
		}
		rc_media(f);
		if (f->is_media && thumbs < REVIEW_MAX_CELLS)
			f->thumb = ++thumbs;
		c->nfiles++;
	}
}

static bool rc_case_path(const struct rc_source *s, const char *path)
{
	for (size_t i = 0; i < s->npaths; i++) {
		if (strcmp(s->paths[i].path, path) == 0)
			return true;
	}
	return false;
}

static char *rc_dup_or_empty(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

/* Whether a defect without a file names a case of the mail as 《name》:
 * 1 one of this folder's, 0 only others, -1 none (about the whole mail). */
static int rc_named(const struct rc_source *s, const char *detail)
{
	int named = -1;

	for (size_t i = 0; detail != NULL && i < s->ncases; i++) {
		char *quoted;

		if (s->cases[i].name == NULL || s->cases[i].name[0] == '\0')
			continue;
		quoted = xasprintf("《%s》", s->cases[i].name);
		if (strstr(detail, quoted) != NULL)
			named = s->cases[i].mine ? 1 : named < 0 ? 0 : named;
		free(quoted);
	}
	return named;
}

/* The manifest's defects about one of the case's files, about the case by
 * name, or about the whole mail. */
static void rc_defects(struct review_case *c, const struct rc_source *s)
{
	const struct review_json *arr = review_json_get(s->manifest, "defects");

	for (const struct review_json *d = arr != NULL ? arr->child : NULL; d != NULL;
	     d = d->next) {
		const char *file = review_json_str(d, "file");
		int named = file == NULL ? rc_named(s, review_json_str(d, "detail")) : 1;
		struct review_defect *x;

		if ((file != NULL && !rc_case_path(s, file)) || named == 0)
			continue;
		c->defects = xreallocarray(c->defects, c->ndefects + 1, sizeof(*c->defects));
		x = &c->defects[c->ndefects++];
		x->code = rc_dup_or_empty(review_json_str(d, "code"));
		x->severity = rc_dup_or_empty(review_json_str(d, "severity"));
		x->detail = rc_dup_or_empty(review_json_str(d, "detail"));
		x->whole_mail = named < 0;
	}
}

static char *rc_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* ---- one case ---- */

/* The receipt the case link company_dir/name points at, or NULL when it
 * is no link of ours. */
static char *rc_link_receipt(const char *company_dir, const char *name)
{
	char *link = xasprintf("%s/%s", company_dir, name);
	char *prefix = xasprintf(".versions/%s/", name);
	char target[4096], *receipt = NULL;
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	size_t plen = strlen(prefix);

	if (n > 0) {
		target[n] = '\0';
		if (strncmp(target, prefix, plen) == 0 && target[plen] != '\0' &&
		    target[plen] != '.' && strchr(target + plen, '/') == NULL)
			receipt = xstrdup(target + plen);
	}
	free(link);
	free(prefix);
	return receipt;
}

static void rc_older(struct review_case *c, const char *company_dir)
{
	char *vers = xasprintf("%s/.versions/%s", company_dir, c->name);
	char **names;
	size_t n;

	if (rc_list(vers, false, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(names[i], c->receipt) == 0) {
				free(names[i]);
				continue;
			}
			c->older = xreallocarray(c->older, c->nolder + 1, sizeof(*c->older));
			c->older[c->nolder++] = names[i];
		}
		free(names);
		if (c->nolder > 1)
			qsort(c->older, c->nolder, sizeof(*c->older), rc_receipt_desc);
	}
	free(vers);
}

/* Fill c (company, name and receipt set) from its version folder. */
static void rc_case_fill(struct review_case *c, const char *campaign_dir)
{
	char *rel = review_case_dir(c, NULL);
	char *vdir = xasprintf("%s/%s", campaign_dir, rel);
	int vfd = open(vdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct rc_source s;
	struct stat st;
	char **names = NULL;
	size_t n = 0;

	rc_source_load(&s, campaign_dir, c);
	c->sender = rc_dup(review_json_str(s.manifest, "sender"));
	c->arrival = rc_dup(review_json_str(s.manifest, "arrival"));
	c->verdict = rc_dup(review_json_str(s.manifest, "verdict"));
	if (vfd >= 0) {
		c->sheet = fstatat(vfd, REVIEW_THUMBS "/" REVIEW_SHEET, &st,
				   AT_SYMLINK_NOFOLLOW) == 0;
		c->sheet_top = review_sheet_top(vfd) == 1;
		if (rc_list(vdir, true, &names, &n) == 0)
			rc_files(c, &s, vfd, names, n);
		close(vfd);
	}
	rc_defects(c, &s);
	rc_strv_free(names, n);
	rc_source_free(&s);
	free(vdir);
	free(rel);
}

char *review_case_dir(const struct review_case *c, const char *receipt)
{
	return xasprintf("accepted/%s/.versions/%s/%s", c->company, c->name,
			 receipt != NULL ? receipt : c->receipt);
}

static void rc_case_free(struct review_case *c)
{
	free(c->company);
	free(c->name);
	free(c->receipt);
	rc_strv_free(c->older, c->nolder);
	free(c->sender);
	free(c->arrival);
	free(c->verdict);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i].name);
		free(c->files[i].kind);
		free(c->files[i].type);
	}
	free(c->files);
	for (size_t i = 0; i < c->ndefects; i++) {
		free(c->defects[i].code);
		free(c->defects[i].severity);
		free(c->defects[i].detail);
	}
	free(c->defects);
}

/* ---- the campaign ---- */

static void rc_company(struct review_view *v, const char *campaign_dir, const char *company,
		       const char *only_receipt)
{
	char *dir = xasprintf("%s/accepted/%s", campaign_dir, company);
	char **names;
	size_t n;

	if (rc_list(dir, false, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *receipt = rc_link_receipt(dir, names[i]);
			struct review_case *c;

			if (receipt == NULL ||
			    (only_receipt != NULL && strcmp(receipt, only_receipt) != 0)) {
				free(receipt);
				continue;
			}
			v->cases = xreallocarray(v->cases, v->ncases + 1, sizeof(*v->cases));
			c = &v->cases[v->ncases++];
			memset(c, 0, sizeof(*c));
			c->company = xstrdup(company);
			c->name = xstrdup(names[i]);
			c->receipt = receipt;
			rc_older(c, dir);
			rc_case_fill(c, campaign_dir);
		}
		rc_strv_free(names, n);
	}
	free(dir);
}

/* The verdict of a mail directory's manifest: from its head when it is
 * there (json.c writes it third, after two plain values), else parsed. */
static char *rc_verdict(const char *mail_dir)
{
	static const char key[] = "\"verdict\": \"";
	char *path = xasprintf("%s/manifest.json", mail_dir), head[RC_VERDICT_HEAD + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, head, RC_VERDICT_HEAD) : -1;
	char *at, *end, *verdict = NULL;
	const char *error;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		head[n] = '\0';
		if ((at = strstr(head, key)) != NULL) {
			at += sizeof(key) - 1;
			if ((end = strchr(at, '"')) != NULL)
				verdict = xstrndup(at, (size_t)(end - at));
		}
	}
	if (verdict == NULL && n > 0) {
		struct review_json *m = review_json_load(path, &error);

		verdict = rc_dup(review_json_str(m, "verdict"));
		review_json_free(&m);
	}
	free(path);
	return verdict;
}

static void rc_count_mails(struct review_view *v, const char *campaign_dir)
{
	char *dir = xasprintf("%s/mail", campaign_dir);
	char **names;
	size_t n;

	if (rc_list(dir, false, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *mail = xasprintf("%s/%s", dir, names[i]);
			char *verdict = rc_verdict(mail);

			v->mails++;
			if (verdict != NULL && strcmp(verdict, "accepted") == 0)
				v->accepted++;
			else if (verdict != NULL && strcmp(verdict, "rejected") == 0)
				v->rejected++;
			else if (verdict != NULL && strcmp(verdict, "ignored") == 0)
				v->ignored++;
			free(verdict);
			free(mail);
		}
		rc_strv_free(names, n);
	}
	free(dir);
}

int review_view_load(const char *campaign_dir, const char *campaign,
		     const char *only_receipt, bool count_mails, struct review_view *v,
		     const char **error_r)
{
	char *acc = xasprintf("%s/accepted", campaign_dir);
	char **companies = NULL;
	size_t n = 0;
	int ret = -1;

	memset(v, 0, sizeof(*v));
	v->campaign = campaign;
	if (rc_list(acc, false, &companies, &n) < 0 && errno != ENOENT) {
		*error_r = review_error("%s: %s", acc, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rc_company(v, campaign_dir, companies[i], only_receipt);
	if (count_mails)
		rc_count_mails(v, campaign_dir);
	ret = 0;
out:
	rc_strv_free(companies, n);
	free(acc);
	return ret;
}

void review_view_free(struct review_view *v)
{
	for (size_t i = 0; i < v->ncases; i++)
		rc_case_free(&v->cases[i]);
	free(v->cases);
	memset(v, 0, sizeof(*v));
}
