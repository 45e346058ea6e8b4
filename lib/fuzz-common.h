#ifndef CASEMAIL_FUZZ_COMMON_H
#define CASEMAIL_FUZZ_COMMON_H
/* fuzz-common: what the libFuzzer targets lib/fuzz-*.c share (docs/fuzzing.md).
 *
 * FUZZ_CHECK(cond) is an invariant: when it fails the target prints it and
 * aborts, which libFuzzer reports as a crash and saves the input. It is
 * not assert(): it stays on whatever NDEBUG says.
 *
 * fuzz_check_rules_result() holds the checks fuzz-rules and fuzz-campaign
 * make on a struct rules_result: verdict consistent with the defects'
 * severities, every code in SPEC's table with SPEC's severity, every
 * defect about a file of the mail (or a file extraction named), case
 * indexes in range, case files borrowed from the mail. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "fsutil.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* A scratch directory (under $TMPDIR) for this process, removed at exit. */
static char *fuzz_scratch_dir;

static inline void fuzz_scratch_remove(void)
{
	if (fuzz_scratch_dir != NULL)
		(void)fsutil_rmtree(fuzz_scratch_dir, NULL);
}

static inline const char *fuzz_scratch(const char *prefix)
{
	if (fuzz_scratch_dir == NULL) {
		fuzz_scratch_dir = fsutil_mkdtemp(prefix, NULL);
		FUZZ_CHECK(fuzz_scratch_dir != NULL);
		atexit(fuzz_scratch_remove);
	}
	return fuzz_scratch_dir;
}

/* SPEC "Defect codes", copied here on purpose: the engine's own table
 * (rules.c) is what is being checked. */
static const struct { const char *code; enum rules_severity sev; } fuzz_spec_codes[] = {
	{ "mail.late", RULES_ERROR }, { "mail.no_materials", RULES_ERROR },
	{ "mail.big_attachment_link", RULES_ERROR }, { "archive.encrypted", RULES_ERROR },
	{ "archive.damaged", RULES_ERROR }, { "archive.bomb", RULES_ERROR },
	{ "archive.unsafe_entry", RULES_ERROR }, { "archive.too_deep", RULES_ERROR },
	{ "file.damaged", RULES_ERROR }, { "file.type_mismatch", RULES_WARNING },
	{ "file.unsupported", RULES_WARNING }, { "photo.count", RULES_ERROR },
	{ "photo.format", RULES_ERROR }, { "photo.too_small", RULES_ERROR },
	{ "photo.duplicate", RULES_WARNING }, { "photo.caption", RULES_WARNING },
	{ "video.format", RULES_ERROR }, { "video.too_long", RULES_ERROR },
	{ "video.portrait", RULES_ERROR }, { "video.resolution", RULES_ERROR },
	{ "doc.missing_word", RULES_ERROR }, { "doc.missing_pdf", RULES_ERROR },
	{ "doc.missing_case_material", RULES_ERROR },
	{ "doc.missing_recommendation_form", RULES_ERROR },
	{ "doc.missing_summary_list", RULES_WARNING }, { "name.case_file", RULES_ERROR },
	{ "name.company_folder", RULES_ERROR }, { "name.mismatch", RULES_WARNING },
	{ "doc.has_images", RULES_ERROR }, { "doc.word_count", RULES_WARNING },
	{ "doc.quota", RULES_WARNING }, { "case.already_selected", RULES_WARNING },
	{ "case.resubmitted", RULES_WARNING },
	/* content checks beyond SPEC's list (docs/rules.md) */
	{ "doc.form_field", RULES_WARNING }, { "doc.section", RULES_WARNING },
	{ "doc.format", RULES_WARNING }, { "doc.recommendation", RULES_WARNING },
};

static inline int fuzz_spec_code(const char *code)
{
	for (size_t i = 0; i < sizeof(fuzz_spec_codes) / sizeof(fuzz_spec_codes[0]); i++) {
		if (strcmp(fuzz_spec_codes[i].code, code) == 0)
			return (int)i;
	}
	return -1;
}

/* texts_utf8: the campaign's texts and the mail's names are UTF-8, so
 * every detail and case name must be too. */
static inline void fuzz_check_rules_result(const struct rules_mail *m,
					   const struct rules_result *r, bool texts_utf8)
{
	bool error = false;

	FUZZ_CHECK(r != NULL);
	FUZZ_CHECK(r->verdict == RULES_ACCEPTED || r->verdict == RULES_REJECTED ||
		   r->verdict == RULES_IGNORED);
	FUZZ_CHECK((r->verdict == RULES_IGNORED) == (r->ignored_reason != NULL));
	if (r->verdict == RULES_IGNORED) {
		FUZZ_CHECK(r->ndefects == 0 && r->ncases == 0);
		return;
	}
	for (size_t d = 0; d < r->ndefects; d++) {
		const struct rules_defect *df = &r->defects[d];
		int k;

		FUZZ_CHECK(df->code != NULL);
		k = fuzz_spec_code(df->code);
		if (k < 0)
			fprintf(stderr, "defect code not in SPEC: %s\n", df->code);
		FUZZ_CHECK(k >= 0);
		/* SPEC: file.unsupported is an error for executables and scripts */
		FUZZ_CHECK(df->severity == fuzz_spec_codes[k].sev ||
			   (strcmp(df->code, "file.unsupported") == 0 &&
			    df->severity == RULES_ERROR));
		FUZZ_CHECK(df->severity == RULES_ERROR || df->severity == RULES_WARNING);
		error |= df->severity == RULES_ERROR;
		FUZZ_CHECK(df->case_index >= -1 && (df->case_index < 0 ||
						    (size_t)df->case_index < r->ncases));
		if (df->detail == NULL || df->detail[0] == '\0')
			fprintf(stderr, "defect %s without a text\n", df->code);
		FUZZ_CHECK(df->detail != NULL && df->detail[0] != '\0');
		if (texts_utf8)
			FUZZ_CHECK(charset_is_utf8(df->detail, strlen(df->detail)));
		if (df->file != NULL) {
			bool known = false;
			for (size_t i = 0; i < m->nfiles && !known; i++)
				known = strcmp(m->files[i].path, df->file) == 0;
			for (size_t i = 0; i < m->nproblems && !known; i++)
				known = m->problems[i].file != NULL &&
					strcmp(m->problems[i].file, df->file) == 0;
			if (!known)
				fprintf(stderr, "defect %s about an unknown file \"%s\"\n",
					df->code, df->file);
			FUZZ_CHECK(known);
		}
	}
	FUZZ_CHECK((r->verdict == RULES_REJECTED) == error);
	for (size_t c = 0; c < r->ncases; c++) {
		const struct rules_case *cs = &r->cases[c];

		FUZZ_CHECK(cs->company != NULL && cs->name != NULL);
		if (texts_utf8)
			FUZZ_CHECK(charset_is_utf8(cs->name, strlen(cs->name)) &&
				   charset_is_utf8(cs->company, strlen(cs->company)));
		for (size_t f = 0; f < cs->nfiles; f++) {
			bool found = false;
			for (size_t i = 0; i < m->nfiles && !found; i++)
				found = cs->files[f] == m->files[i].path;
			FUZZ_CHECK(found);
		}
	}
	FUZZ_CHECK((size_t)r->photos + r->videos <= m->nfiles);
}

#endif
