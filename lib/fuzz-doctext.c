/* libFuzzer target for doctext and docform: the text of a document as the
 * probe child sends it, read by the parent (docs/fuzzing.md).
 *
 * Feeds: the input as doctext bytes — records with any attributes, cell
 * coordinates, outline levels, fonts, invalid UTF-8, no newline at the
 * end — then every reader of it: form fields (the 微创新 labels), choices,
 * sections (the 好服务 names), dates and rates of each paragraph, 字数.
 *
 * Asserts beyond "no crash":
 *  - every paragraph's text is valid UTF-8 without control characters
 *    (the reader keeps only valid lines), its coordinates
 *    all -1 or all >= 0, its outline 0..9, its bold -1..1;
 *  - a found field's value is a string, a missing one is NULL;
 *  - choices count what they mark; sections found ≤ names, each heading
 *    a paragraph index in range;
 *  - what the writer writes from a parsed paragraph parses back the same. */
#include "fuzz-common.h"
#include "charset.h"
#include "docform.h"
#include "doctext.h"
#include "strlist.h"
#include "wordcount.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const fuzz_labels[] = {
	"申报单位名称", "案例类型", "案例所属范围", "投入成本", "应用场景", "取得成效",
};
static const char *const fuzz_options[] = { "技术微创新", "服务微创新", "模式微创新" };
static const char *const fuzz_sections[] = { "小区简介", "问题诊断", "解决措施", "企业简介" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doctext *dt = doctext_parse((const char *)data, size);
	struct strlist labels = STRLIST_INIT;
	struct docform_section secs[4];
	size_t title, found;

	for (size_t i = 0; i < sizeof(fuzz_labels) / sizeof(fuzz_labels[0]); i++)
		strlist_add(&labels, fuzz_labels[i]);
	for (size_t i = 0; i < dt->npars; i++) {
		const struct doctext_par *p = &dt->pars[i];
		struct buf b = BUF_INIT;
		struct doctext *back;
		int y, m, d;
		double pct;

		FUZZ_CHECK(charset_is_utf8(p->text, strlen(p->text)));
		for (const char *c = p->text; *c != '\0'; c++)
			FUZZ_CHECK((unsigned char)*c >= ' ' && *c != 0x7F);
		FUZZ_CHECK((p->table < 0) == (p->row < 0) && (p->row < 0) == (p->col < 0));
		FUZZ_CHECK(p->outline >= 0 && p->outline <= 9 && p->bold >= -1 && p->bold <= 1);
		(void)wordcount_str(p->text);
		(void)docform_date(p->text, &y, &m, &d);
		(void)docform_rate(p->text, &pct);
		bool put = doctext_put_par(&b, p, p->text, strlen(p->text));

		back = doctext_parse(b.data != NULL ? b.data : "", b.len);
		if (put) {
			FUZZ_CHECK(back->npars == 1 && strcmp(back->pars[0].text, p->text) == 0 &&
				   back->pars[0].table == p->table && back->pars[0].size == p->size);
		}
		doctext_free(&back);
		buf_free(&b);
	}
	for (size_t i = 0; i < labels.n; i++) {
		char *v = NULL;
		bool chosen[3];

		if (docform_field(dt, labels.v[i], &labels, &v)) {
			FUZZ_CHECK(v != NULL);
			FUZZ_CHECK(docform_choices(v, fuzz_options, 3, chosen) <= 3);
		} else {
			FUZZ_CHECK(v == NULL);
		}
		free(v);
	}
	found = docform_sections(dt, fuzz_sections, 4, secs, &title);
	FUZZ_CHECK(found <= 4);
	for (size_t k = 0; k < 4; k++)
		FUZZ_CHECK(!secs[k].found || secs[k].heading < dt->npars);
	FUZZ_CHECK(title == (size_t)-1 || title < dt->npars);
	strlist_free(&labels);
	doctext_free(&dt);
	return 0;
}
