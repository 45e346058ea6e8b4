/* Tests for campaign: the shipped conf/campaigns files and error reports. */
#include "campaign.h"
#include "fsutil.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct campaign_set *load_shipped(void)
{
	struct campaign_set *set = NULL;
	const char *error;

	if (campaign_set_load(CASEMAIL_CONFDIR "/campaigns", &set, &error) < 0)
		printf("# %s\n", error);
	return set;
}

static void test_campaign_shipped(void)
{
	struct campaign_set *set = load_shipped();
	const struct campaign *w, *h;

	test_begin("campaign: shipped files load with the notices' values");
	if (!test_assert(set != NULL)) {
		test_end();
		return;
	}
	test_assert_int(set->n, 2);
	w = campaign_set_find_id(set, "weichuangxin-2023");
	h = campaign_set_find_id(set, "haofuwu-2026");
	test_assert(w != NULL && h != NULL);
	if (w == NULL || h == NULL) {
		campaign_set_free(&set);
		test_end();
		return;
	}
	test_assert(campaign_set_find_address(set, "WZGLZZH@ecpmi.org.cn") == h);
	test_assert(campaign_set_find_address(set, "hyfw@ecpmi.org.cn") == w);
	test_assert(campaign_set_find_address(set, "other@ecpmi.org.cn") == NULL);
	test_assert_int(w->deadline, 1690819199LL);
	test_assert_int(h->deadline, 1785945599LL); /* date -d 2026-08-05T23:59:59+08:00 +%s */
	test_assert_int(h->tz_offset, 8 * 3600);
	test_assert_int(w->grouping, CAMPAIGN_GROUP_STEM);
	test_assert_int(h->grouping, CAMPAIGN_GROUP_FOLDER);
	test_assert_int(w->photos_min, 2);
	test_assert_int(w->photos_max, 3);
	test_assert(!w->photos_required && h->photos_required);
	test_assert_int(h->photos_min, 3);
	test_assert_int(h->photos_max, 5);
	test_assert_int(h->photo_min_bytes, 1048576);
	test_assert(h->video_allowed && !w->video_allowed);
	test_assert(h->video_max_seconds == 300.0);
	test_assert_int(h->video_min_width, 800);
	test_assert(w->photo_caption && !h->photo_caption);
	/* from defaults.conf, continued on indented lines */
	test_assert(strlist_suffix_of(&h->company_suffixes, "绿城物业服务集团有限公司") != NULL);
	test_assert(strlist_contains_ci(&h->company_suffixes, "管理站"));
	test_assert(strlist_contains_ci(&h->place_suffixes, "山庄"));
	test_assert(campaign_message(h, "photo.format.heic") != NULL &&
		    strstr(campaign_message(h, "photo.format.heic"), "兼容性最佳") != NULL);
	test_assert(campaign_report(w, "footer") != NULL);
	/* [content], with continuation lines */
	test_assert_int(w->form_fields.n, 7);
	test_assert_int(w->form_choices.n, 2);
	test_assert_int(h->sections.n, 6);
	test_assert_int(h->word_limits.n, 6);
	test_assert_int(campaign_quota_limit(h, "济南市"), 5);
	test_assert_int(campaign_quota_limit(h, "淄博市"), 3);
	test_assert_int(campaign_quota_limit(w, "济南市"), 0);
	test_assert_str(h->delivered_before, "2020-01-01");
	test_assert_int(h->selected.n, 0);        /* the list has not been received */
	campaign_set_free(&set);
	test_assert(set == NULL);
	test_end();
}

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

static void test_campaign_errors(void)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[photos]\nmni = 3\n",
		  "bad.campaign:10: unknown key \"mni\" in section [photos]" },
		{ "[campaign]\nid = x\ndeadline = tomorrow\n",
		  "bad.campaign:3: expected a time like 2026-08-05T23:59:59+08:00" },
		{ "[campaign]\nid = x\n[video]\nallowed = maybe\n", "bad.campaign:4: expected yes or no" },
		{ "[campaign]\nid = x\n", "missing key \"name\" in section [campaign]" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = pile\n", "bad.campaign:8: grouping is stem or folder" },
		/* they become directory names and receipts */
		{ "[campaign]\nid = 好 服务\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n", "id \"好 服务\": use letters" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = HFW-2026\n[cases]\ngrouping = stem\n",
		  "receipt_prefix \"HFW-2026\": use letters" },
		/* replies come from the first address (found by fuzz-campaign) */
		{ "[campaign]\nid = x\nname = X\naddresses = ,\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n", "[campaign] addresses: no address" },
		{ "[campaign]\nid = x\n[messages]\nphoto.count =\n",
		  "bad.campaign:4: a [messages] text is empty" },
		/* [content]: what the rules would otherwise skip in silence */
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nword_limits = 应用场景 200\n",
		  "[content] word_limits \"应用场景 200\": expected" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nword_limits = 应用场景: ~\n",
		  "[content] word_limits \"应用场景: ~\": expected" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nform_choices = 案例类型 技术|服务\n",
		  "[content] form_choices \"案例类型 技术|服务\": expected" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nbody_size = 三点五号\n",
		  "[content] font size \"三点五号\": expected" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\ndelivered_before = 2020年\n",
		  "[content] delivered_before \"2020年\": expected a date" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nquota_limit = 3\nsummary_columns = 小区名称\n",
		  "[content] summary_columns: name the" },
		{ "[campaign]\nid = x\nname = X\naddresses = a@b\ndeadline = 2026-08-05T23:59:59+08:00\n"
		  "receipt_prefix = X\n[cases]\ngrouping = stem\n[content]\nalready_selected = nosuch.selected\n",
		  "[content] already_selected: " },
	};

	test_begin("campaign: errors say file:line and what is wrong");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_tmp("bad.campaign", cases[i].text);
		struct campaign *c = NULL;
		const char *error = "";

		test_assert_int(campaign_load(NULL, path, &c, &error), -1);
		test_assert(c == NULL);
		if (!test_assert(strstr(error, cases[i].want) != NULL))
			printf("# got: %s\n", error);
		free(path);
	}
	test_end();
}

static void test_campaign_override(void)
{
	char *defs = write_tmp("d.conf", "[names]\ncompany_suffixes = 公司, 集团\n"
				"[messages]\nphoto.format = 默认\n  续行\n");
	char *camp = write_tmp("c.campaign", "[campaign]\nid = c\nname = C\naddresses = a@b, c@d\n"
				"deadline = 2030-01-01T00:00:00Z\nreceipt_prefix = C\n[cases]\n"
				"grouping = folder\n[names]\ncompany_suffixes = 中心\n");
	struct campaign *c = NULL;
	const char *error;

	test_begin("campaign: a campaign file overrides the defaults");
	test_assert_int(campaign_load(defs, camp, &c, &error), 0);
	if (c != NULL) {
		test_assert_int(c->company_suffixes.n, 1);
		test_assert_str(c->company_suffixes.v[0], "中心");
		test_assert_str(campaign_message(c, "photo.format"), "默认续行");
		test_assert_int(c->addresses.n, 2);
		test_assert_int(c->tz_offset, 0);
	}
	campaign_free(&c);
	free(defs);
	free(camp);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_campaign_shipped, test_campaign_errors, test_campaign_override, NULL
	};
	return test_run(tests);
}
