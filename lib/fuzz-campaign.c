/* libFuzzer target for campaign: a .campaign file (docs/fuzzing.md).
 *
 * Feeds: the input written to a scratch NAME.campaign and loaded twice
 * with campaign_load(): on top of the shipped conf/campaigns/defaults.conf
 * (as casemaild reads it) and alone. A campaign that loads is then used
 * by rules_check() on two fixed mails, a 好服务-style package (company
 * folder, case, 推荐表, photos, a video) and a 微创新-style Word + PDF pair
 * with photos: the campaign's lists, patterns, numbers and texts all
 * reach the engine.
 *
 * Asserts beyond "no crash":
 *  - failure: no campaign, an error naming the file, one line;
 *  - success: id, name, receipt_prefix and at least one address present;
 *    id and receipt_prefix are usable as directory names (letters,
 *    digits, '.', '_', '-'; not starting with '.'; ≤ 64 / ≤ 20 bytes);
 *    photos min ≤ max; grouping is one of the two; every [messages] and
 *    [report] text has a key and campaign_message() finds it;
 *  - the rules result invariants of fuzz-common.h (verdict and
 *    severities, SPEC codes, defect files, case indexes); details are
 *    checked to be UTF-8 when the input is. */
#include "fuzz-common.h"
#include "campaign.h"
#include "facts.h"
#include "fsutil.h"
#include "rules.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MB (1024 * 1024ULL)
#define DEFAULTS CASEMAIL_CONFDIR "/campaigns/defaults.conf"

static char *path;

struct tfile {
	const char *path;
	enum facts_kind kind;
	uint64_t size;
	int w, h;
	double duration;
};

#define CO "包.zip/绿城物业服务集团有限公司/"
static const struct tfile hfw_files[] = {
	{ "包.zip", FACTS_KIND_ZIP, 5 * MB, 0, 0, -1 },
	{ "包.zip/汇总清单.docx", FACTS_KIND_DOCX, 20000, 0, 0, -1 },
	{ CO "阳光花园小区+垃圾分类新模式.docx", FACTS_KIND_DOCX, 20000, 0, 0, -1 },
	{ CO "推荐表（盖章）.pdf", FACTS_KIND_PDF, 60000, 0, 0, -1 },
	{ CO "小区入口.jpg", FACTS_KIND_JPEG, MB + 4096, 4000, 3000, -1 },
	{ CO "IMG_1234.jpg", FACTS_KIND_JPEG, 500000, 4000, 3000, -1 },
	{ CO "垃圾分类站.png", FACTS_KIND_PNG, MB, 800, 600, -1 },
	{ CO "活动.mp4", FACTS_KIND_VIDEO, 8 * MB, 1080, 1920, 400 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct tfile wcx_files[] = {
	{ "绿城物业服务集团有限公司+智慧停车微创新.docx", FACTS_KIND_DOCX, 20000, 0, 0, -1 },
	{ "绿城物业服务集团有限公司+智慧停车微创新.pdf", FACTS_KIND_PDF, 60000, 0, 0, -1 },
	{ "万科物业+加装电梯.wps", FACTS_KIND_DOC, 20000, 0, 0, -1 },
	{ "智慧停车微创新-现场.jpg", FACTS_KIND_JPEG, MB + 1, 4000, 3000, -1 },
	{ "微信图片_2023.jpg", FACTS_KIND_JPEG, MB + 1, 4000, 3000, -1 },
	{ "run.exe", FACTS_KIND_EXECUTABLE, 1000, 0, 0, -1 },
	{ NULL, 0, 0, 0, 0, 0 },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_scratch("fuzz-campaign");

	path = malloc(strlen(dir) + 32);
	FUZZ_CHECK(path != NULL);
	sprintf(path, "%s/fuzz.campaign", dir);
	return 0;
}

static bool name_ok(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(ch < 0x80 && (isalnum(ch) || strchr(extra, ch) != NULL)))
			return false;
	}
	return true;
}

static void run_rules(const struct campaign *c, const struct tfile *t, bool utf8)
{
	const struct tfile *const first = t;
	struct rules_file files[16];
	struct facts facts[16];
	char sha[16][65];
	char *dirs[16][4];
	struct rules_problem problem = { "archive.damaged", "包.zip", "fuzz" };
	struct rules_mail m;
	struct rules_result *r;
	size_t n = 0;

	memset(files, 0, sizeof(files));
	memset(dirs, 0, sizeof(dirs));
	for (; t->path != NULL; t++, n++) {
		const char *slash = strrchr(t->path, '/');
		size_t nd = 0;
		memset(&facts[n], 0, sizeof(facts[n]));
		facts[n].kind = t->kind;
		facts[n].width = facts[n].display_width = t->w;
		facts[n].height = facts[n].display_height = t->h;
		facts[n].orientation = 1;
		facts[n].duration = t->duration;
		if (t->kind == FACTS_KIND_VIDEO)
			snprintf(facts[n].container, sizeof(facts[n].container), "mp4");
		snprintf(sha[n], sizeof(sha[n]), "%064zx", n < 5 ? n : 4);
		files[n].path = t->path;
		files[n].name = slash != NULL ? slash + 1 : t->path;
		files[n].size = t->size;
		files[n].sha256 = sha[n];
		files[n].facts = &facts[n];
		files[n].container = t->kind == FACTS_KIND_ZIP;
		if (strncmp(t->path, "包.zip/", strlen("包.zip/")) == 0) {
			dirs[n][nd++] = "包";
			if (strncmp(t->path, CO, strlen(CO)) == 0)
				dirs[n][nd++] = "绿城物业服务集团有限公司";
		}
		files[n].dirs = (const char *const *)dirs[n];
		files[n].ndirs = nd;
	}
	memset(&m, 0, sizeof(m));
	m.from_addr = "zhangsan@qq.com";
	m.subject = "案例申报";
	m.body = "附件是申报材料。";
	m.has_arrival = true;
	m.arrival = c->deadline - 3600;
	m.files = files;
	m.nfiles = n;
	if (first == hfw_files) {
		m.problems = &problem;
		m.nproblems = 1;
	}
	r = rules_check(c, &m);
	fuzz_check_rules_result(&m, r, utf8);
	if (r->ncases > 0) {
		rules_resubmitted(c, r, 0, "X-000001");
		fuzz_check_rules_result(&m, r, utf8);
	}
	rules_result_free(&r);
}

static void check_campaign(const struct campaign *c, bool utf8)
{
	FUZZ_CHECK(c->id != NULL && c->name != NULL && c->receipt_prefix != NULL);
	FUZZ_CHECK(name_ok(c->id, "._-", 64) && name_ok(c->receipt_prefix, "_", 20));
	FUZZ_CHECK(c->addresses.n >= 1);
	FUZZ_CHECK(c->photos_min <= c->photos_max);
	FUZZ_CHECK(c->grouping == CAMPAIGN_GROUP_STEM || c->grouping == CAMPAIGN_GROUP_FOLDER);
	FUZZ_CHECK(c->file != NULL && strcmp(c->file, path) == 0);
	for (size_t i = 0; i < c->nmessages; i++) {
		FUZZ_CHECK(c->messages[i].key != NULL && c->messages[i].text != NULL);
		FUZZ_CHECK(campaign_message(c, c->messages[i].key) != NULL);
	}
	for (size_t i = 0; i < c->nreport; i++) {
		FUZZ_CHECK(c->report[i].key != NULL && c->report[i].text != NULL);
		FUZZ_CHECK(campaign_report(c, c->report[i].key) != NULL);
	}
	FUZZ_CHECK(campaign_is_own_address(c, c->addresses.v[0]));
	run_rules(c, hfw_files, utf8);
	run_rules(c, wcx_files, utf8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool utf8 = charset_is_utf8(data, size);
	FILE *fp = fopen(path, "wb");

	FUZZ_CHECK(fp != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, fp) == size && fclose(fp) == 0);
	for (int with_defaults = 1; with_defaults >= 0; with_defaults--) {
		struct campaign *c = NULL;
		const char *error = NULL;
		if (campaign_load(with_defaults ? DEFAULTS : NULL, path, &c, &error) < 0) {
			FUZZ_CHECK(c == NULL && error != NULL);
			/* the error names the campaign file, or defaults.conf
			   when a key there cannot be read on top of this one */
			FUZZ_CHECK(strstr(error, path) != NULL || strstr(error, DEFAULTS) != NULL);
			FUZZ_CHECK(strchr(error, '\n') == NULL);
			continue;
		}
		check_campaign(c, utf8);
		campaign_free(&c);
		FUZZ_CHECK(c == NULL);
	}
	return 0;
}
