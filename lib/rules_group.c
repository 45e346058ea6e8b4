/* rules_group: forming cases from files, the two models of docs/rules.md:
 * "stem" (微创新: a case is a Word and a PDF sharing "A+B") and "folder"
 * (好服务: company folders holding "**小区+标题" cases). */
#include "rules_private.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_doc(enum rules_role r)
{
	return r == ROLE_WORD || r == ROLE_PDF;
}

static bool name_has(const struct strlist *l, const char *name)
{
	return strlist_find_in(l, name) != NULL;
}

/* A photo or video whose name mentions a case's A or B part belongs to it. */
static int case_by_mention(struct rules_ctx *x, const char *name, const int *cases,
			   size_t ncases)
{
	for (size_t i = 0; i < ncases; i++) {
		char *a = NULL, *b = NULL;
		const char *key = x->r->cases[cases[i]].name;
		bool hit = strstr(name, key) != NULL;
		if (!hit && rules_key_split(key, &a, &b))
			hit = strstr(name, b) != NULL || strstr(name, a) != NULL;
		free(a);
		free(b);
		if (hit)
			return cases[i];
	}
	return -1;
}

static void name_case_file(struct rules_ctx *x, size_t i)
{
	const struct rules_file *f = &x->m->files[i];
	const struct rules_var vars[] = {
		{ "name", f->name }, { "pattern", x->c->name_pattern },
		{ "example", x->c->name_example },
	};
	rules_defect(x, "name.case_file", NULL, f->path, -1, vars, 3);
}

/* Photos of a set of cases: attributed ones counted per case, the rest as
 * a pool against [min, max × cases]. */
static void count_photos(struct rules_ctx *x, const size_t *photos, size_t nphotos,
			 const int *cases, size_t ncases, const char *pool_where)
{
	const struct campaign *c = x->c;
	unsigned *per = xcalloc(ncases ? ncases : 1, sizeof(*per));
	unsigned pool = 0;

	for (size_t p = 0; p < nphotos; p++) {
		size_t i = photos[p];
		int ci = x->case_of[i];
		if (ci < 0 && ncases == 1)
			ci = cases[0];
		if (ci < 0)
			ci = case_by_mention(x, x->m->files[i].name, cases, ncases);
		if (ci < 0) {
			pool++;
			continue;
		}
		if (x->case_of[i] < 0)
			rules_case_add_file(x, ci, i);
		for (size_t k = 0; k < ncases; k++) {
			if (cases[k] == ci)
				per[k]++;
		}
	}
	if (!x->contents_unknown) {
		for (size_t k = 0; k < ncases; k++) {
			if (pool > 0 && per[k] == 0)
				continue; /* its photos may be in the pool */
			if (per[k] > 0 || c->photos_required)
				rules_photo_count(x, cases[k], NULL, per[k], c->photos_min,
						  c->photos_max);
		}
		if (pool > 0 || (ncases == 0 && nphotos > 0))
			rules_photo_count(x, -1, pool_where, pool, c->photos_min,
					  c->photos_max * (unsigned)(ncases ? ncases : 1));
	}
	free(per);
}

/* ---- 微创新: cases by stem ------------------------------------------------------- */

struct stem_case {
	char *key;
	size_t words, pdfs;
	size_t first_word, first_pdf;
	int index;
};

void rules_group_stem(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;
	const struct campaign *c = x->c;
	struct stem_case *sc = NULL;
	size_t nsc = 0, nwords = 0, npdfs = 0;
	size_t *photos = xcalloc(m->nfiles, sizeof(*photos)), nphotos = 0;
	int *cases = NULL;
	size_t ncases = 0;

	for (size_t i = 0; i < m->nfiles; i++) {
		enum rules_role role = x->roles[i];
		if (role == ROLE_PHOTO) {
			photos[nphotos++] = i;
			continue;
		}
		if (!is_doc(role) || name_has(&c->supporting_keywords, m->files[i].name))
			continue;
		char *stem = rules_stem(m->files[i].name);
		char *key = rules_case_key(stem);
		free(stem);
		if (!rules_key_split(key, NULL, NULL))
			name_case_file(x, i);
		size_t k;
		for (k = 0; k < nsc && strcmp(sc[k].key, key) != 0; k++)
			;
		if (k == nsc) {
			sc = xreallocarray(sc, ++nsc, sizeof(*sc));
			memset(&sc[k], 0, sizeof(sc[k]));
			sc[k].key = key;
		} else {
			free(key);
		}
		if (role == ROLE_WORD) {
			if (sc[k].words++ == 0)
				sc[k].first_word = i;
			nwords++;
		} else {
			if (sc[k].pdfs++ == 0)
				sc[k].first_pdf = i;
			npdfs++;
		}
	}
	/* one Word and one PDF left unpaired: one case whose names differ */
	size_t lone_w = nsc, lone_p = nsc, nlone_w = 0, nlone_p = 0;
	for (size_t k = 0; k < nsc; k++) {
		if (sc[k].words > 0 && sc[k].pdfs == 0) {
			lone_w = k;
			nlone_w++;
		} else if (sc[k].pdfs > 0 && sc[k].words == 0) {
			lone_p = k;
			nlone_p++;
		}
	}
	if (nlone_w == 1 && nlone_p == 1) {
		const struct rules_var vars[] = {
			{ "name", m->files[sc[lone_w].first_word].name },
			{ "other", m->files[sc[lone_p].first_pdf].name },
			{ "pattern", c->name_pattern },
		};
		rules_defect(x, "name.mismatch", NULL, m->files[sc[lone_p].first_pdf].path,
			     -1, vars, 3);
		sc[lone_w].pdfs = sc[lone_p].pdfs;
		sc[lone_w].first_pdf = sc[lone_p].first_pdf;
		sc[lone_p].pdfs = 0;
		sc[lone_p].index = -2; /* merged into lone_w: its files join that case */
	}
	/* the cases */
	cases = xcalloc(nsc ? nsc : 1, sizeof(*cases));
	for (size_t k = 0; k < nsc; k++) {
		char *a = NULL, *b = NULL;
		if (sc[k].index == -2)
			continue;
		if (!rules_key_split(sc[k].key, &a, &b)) {
			a = xstrdup("");
			b = xstrdup(sc[k].key);
		}
		sc[k].index = rules_case_add(x, a, b);
		cases[ncases++] = sc[k].index;
		free(a);
		free(b);
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		if (!is_doc(x->roles[i]) || name_has(&c->supporting_keywords, m->files[i].name))
			continue;
		char *stem = rules_stem(m->files[i].name);
		char *key = rules_case_key(stem);
		free(stem);
		for (size_t k = 0; k < nsc; k++) {
			if (strcmp(sc[k].key, key) != 0)
				continue;
			/* a merged PDF joins the Word's case */
			size_t kk = k;
			if (sc[k].index == -2)
				kk = lone_w;
			rules_case_add_file(x, sc[kk].index, i);
			if (x->roles[i] == ROLE_WORD && c->word_without_images &&
			    m->files[i].facts != NULL && m->files[i].facts->doc_images > 0) {
				char count[16];
				snprintf(count, sizeof(count), "%d", m->files[i].facts->doc_images);
				const struct rules_var vars[] = { { "name", m->files[i].name },
								  { "count", count } };
				rules_defect(x, "doc.has_images", NULL, m->files[i].path,
					     sc[kk].index, vars, 2);
			}
			break;
		}
		free(key);
	}
	/* missing halves */
	for (size_t k = 0; k < nsc && !x->contents_unknown; k++) {
		if (sc[k].index < 0)
			continue;
		const char *cname = sc[k].key;
		if (c->require_pdf && sc[k].words > 0 && sc[k].pdfs == 0) {
			const struct rules_var vars[] = { { "case", cname } };
			rules_defect(x, "doc.missing_pdf", NULL, m->files[sc[k].first_word].path,
				     sc[k].index, vars, 1);
		}
		if (c->require_word && sc[k].pdfs > 0 && sc[k].words == 0) {
			const struct rules_var vars[] = { { "case", cname } };
			rules_defect(x, "doc.missing_word", NULL, m->files[sc[k].first_pdf].path,
				     sc[k].index, vars, 1);
		}
	}
	if (nsc == 0 && !x->contents_unknown) {
		const struct rules_var vars[] = { { "pattern", c->name_pattern } };
		if (c->require_word && nwords == 0)
			rules_defect(x, "doc.missing_word", "doc.missing_word.mail", NULL, -1, vars, 1);
		if (c->require_pdf && npdfs == 0)
			rules_defect(x, "doc.missing_pdf", "doc.missing_pdf.mail", NULL, -1, vars, 1);
	}
	count_photos(x, photos, nphotos, cases, ncases, "邮件中");
	for (size_t k = 0; k < nsc; k++)
		free(sc[k].key);
	free(sc);
	free(cases);
	free(photos);
}

/* ---- 好服务: company folders ----------------------------------------------------- */

/* The company folder of a file: index in dirs, or -1. */
static int company_dir(struct rules_ctx *x, const struct rules_file *f)
{
	for (size_t d = 0; d < f->ndirs; d++) {
		if (rules_is_company(x->c, f->dirs[d]))
			return (int)d;
	}
	return -1;
}

struct company {
	const char *name;
	size_t *files;
	size_t nfiles;
};

static void group_company(struct rules_ctx *x, const struct company *co, bool named)
{
	const struct rules_mail *m = x->m;
	const struct campaign *c = x->c;
	int *cases = xcalloc(co->nfiles + 1, sizeof(*cases));
	size_t ncases = 0;
	size_t *photos = xcalloc(co->nfiles + 1, sizeof(*photos)), nphotos = 0;
	size_t *forms = xcalloc(co->nfiles + 1, sizeof(*forms)), nforms = 0;
	size_t *plain_docs = xcalloc(co->nfiles + 1, sizeof(*plain_docs)), nplain = 0;
	const char *company = named ? co->name : "";

	for (size_t n = 0; n < co->nfiles; n++) {
		size_t i = co->files[n];
		const struct rules_file *f = &m->files[i];
		int cd = company_dir(x, f);
		/* the second-level folder "A+B" is a case */
		const char *sub = cd >= 0 && (size_t)cd + 1 < f->ndirs ? f->dirs[cd + 1] :
				  !named && f->ndirs > 0 ? f->dirs[f->ndirs - 1] : NULL;
		char *subkey = sub != NULL ? rules_case_key(sub) : NULL;
		bool subcase = subkey != NULL && rules_key_split(subkey, NULL, NULL);
		enum rules_role role = x->roles[i];

		if (name_has(&c->summary_keywords, f->name) || role == ROLE_SKIP) {
			free(subkey);
			continue;
		}
		int ci = -1;
		if (subcase) {
			for (size_t k = 0; k < ncases && ci < 0; k++) {
				if (strcmp(x->r->cases[cases[k]].name, subkey) == 0)
					ci = cases[k];
			}
			if (ci < 0) {
				ci = rules_case_add(x, company, subkey);
				cases[ncases++] = ci;
			}
		}
		free(subkey);
		if (name_has(&c->recommendation_keywords, f->name)) {
			if (ci >= 0)
				rules_case_add_file(x, ci, i);
			forms[nforms++] = i;
			continue;
		}
		if (role == ROLE_PHOTO) {
			if (ci >= 0)
				rules_case_add_file(x, ci, i);
			photos[nphotos++] = i;
			continue;
		}
		if (role == ROLE_VIDEO) {
			if (ci >= 0)
				rules_case_add_file(x, ci, i);
			continue;
		}
		if (!is_doc(role) || name_has(&c->supporting_keywords, f->name)) {
			if (ci >= 0)
				rules_case_add_file(x, ci, i);
			continue;
		}
		/* case material */
		char *stem = rules_stem(f->name);
		char *key = rules_case_key(stem);
		free(stem);
		if (ci < 0 && rules_key_split(key, NULL, NULL)) {
			for (size_t k = 0; k < ncases && ci < 0; k++) {
				if (strcmp(x->r->cases[cases[k]].name, key) == 0)
					ci = cases[k];
			}
			if (ci < 0) {
				ci = rules_case_add(x, company, key);
				cases[ncases++] = ci;
			}
		}
		free(key);
		if (ci >= 0)
			rules_case_add_file(x, ci, i);
		else
			plain_docs[nplain++] = i;
	}
	/* documents not named "A+B": a naming error; the only documents of a
	   company still stand as its case */
	for (size_t p = 0; p < nplain; p++)
		name_case_file(x, plain_docs[p]);
	if (ncases == 0 && nplain > 0) {
		char *stem = rules_stem(m->files[plain_docs[0]].name);
		int ci = rules_case_add(x, company, stem);
		free(stem);
		cases[ncases++] = ci;
		for (size_t p = 0; p < nplain; p++)
			rules_case_add_file(x, ci, plain_docs[p]);
	}
	if (ncases == 0 && !x->contents_unknown) {
		const struct rules_var vars[] = {
			{ "company", co->name }, { "pattern", c->name_pattern } };
		rules_defect(x, "doc.missing_case_material",
			     named ? NULL : "doc.missing_case_material.mail", NULL, -1, vars, 2);
	}
	/* 推荐表: in the case folder, or the company's only case, or by name */
	size_t unmatched = 0;
	bool *has_form = xcalloc(ncases + 1, sizeof(*has_form));
	for (size_t p = 0; p < nforms; p++) {
		int ci = x->case_of[forms[p]];
		if (ci < 0 && ncases == 1)
			ci = cases[0];
		if (ci < 0)
			ci = case_by_mention(x, m->files[forms[p]].name, cases, ncases);
		if (ci < 0) {
			unmatched++;
			continue;
		}
		if (x->case_of[forms[p]] < 0)
			rules_case_add_file(x, ci, forms[p]);
		for (size_t k = 0; k < ncases; k++) {
			if (cases[k] == ci)
				has_form[k] = true;
		}
	}
	for (size_t k = 0; k < ncases && c->require_recommendation_form && !x->contents_unknown; k++) {
		if (has_form[k])
			continue;
		if (unmatched > 0) {
			unmatched--; /* an unnamed form of this company: assume it is this one */
			continue;
		}
		const struct rules_var vars[] = { { "case", x->r->cases[cases[k]].name } };
		rules_defect(x, "doc.missing_recommendation_form", NULL, NULL, cases[k], vars, 1);
	}
	char *where = named ? xasprintf("企业文件夹《%s》中", co->name) : xstrdup("邮件中");
	count_photos(x, photos, nphotos, cases, ncases, where);
	free(where);
	/* videos of the company follow its only case */
	for (size_t n = 0; n < co->nfiles && ncases == 1; n++) {
		size_t i = co->files[n];
		if (x->case_of[i] < 0 && x->roles[i] == ROLE_VIDEO)
			rules_case_add_file(x, cases[0], i);
	}
	free(has_form);
	free(cases);
	free(photos);
	free(forms);
	free(plain_docs);
}

void rules_group_folder(struct rules_ctx *x)
{
	const struct rules_mail *m = x->m;
	const struct campaign *c = x->c;
	struct company *cos = NULL, loose = { .name = "" };
	size_t ncos = 0;
	bool summary_word = false, summary_scan = false, material = false;

	loose.files = xcalloc(m->nfiles, sizeof(size_t));
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct rules_file *f = &m->files[i];
		enum rules_role role = x->roles[i];
		if (role == ROLE_SKIP)
			continue;
		if (name_has(&c->summary_keywords, f->name)) {
			summary_word |= role == ROLE_WORD;
			summary_scan |= role == ROLE_PDF || role == ROLE_SCAN || role == ROLE_PHOTO;
			continue;
		}
		if (role != ROLE_OTHER && role != ROLE_EXEC)
			material = true;
		int cd = company_dir(x, f);
		if (cd < 0) {
			loose.files[loose.nfiles++] = i;
			continue;
		}
		size_t k;
		for (k = 0; k < ncos && strcmp(cos[k].name, f->dirs[cd]) != 0; k++)
			;
		if (k == ncos) {
			cos = xreallocarray(cos, ++ncos, sizeof(*cos));
			cos[k].name = f->dirs[cd];
			cos[k].files = xcalloc(m->nfiles, sizeof(size_t));
			cos[k].nfiles = 0;
		}
		cos[k].files[cos[k].nfiles++] = i;
	}
	for (size_t k = 0; k < ncos; k++)
		group_company(x, &cos[k], true);
	if (ncos == 0 && material) {
		if (!x->contents_unknown) {
			const struct rules_var vars[] = { { "example", c->company_example } };
			rules_defect(x, "name.company_folder", NULL, NULL, -1, vars, 1);
		}
		group_company(x, &loose, false);
	}
	if (c->require_summary_list && !(summary_word && summary_scan) &&
	    !m->summary_list_on_file && !x->contents_unknown)
		rules_defect(x, "doc.missing_summary_list", NULL, NULL, -1, NULL, 0);
	for (size_t k = 0; k < ncos; k++)
		free(cos[k].files);
	free(cos);
	free(loose.files);
}
