/* Tests for docform (forms, sections, dates and rates in a document's
 * text) and selected (the list of cases already selected). */
#include "docform.h"
#include "doctext.h"
#include "selected.h"
#include "test.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Build a doctext: lines "T.R.C|text" for cells, "|text" for paragraphs,
 * "H1|text" for an outline level. */
static struct doctext *dt_make(const char *const *lines)
{
	struct buf b = BUF_INIT;
	struct doctext *dt;

	for (; *lines != NULL; lines++) {
		struct doctext_par p = { .table = -1, .row = -1, .col = -1, .bold = -1 };
		const char *bar = strchr(*lines, '|');

		if ((*lines)[0] == 'H')
			p.outline = (*lines)[1] - '0';
		else if (bar != *lines)
			sscanf(*lines, "%d.%d.%d", &p.table, &p.row, &p.col);
		doctext_put_par(&b, &p, bar + 1, strlen(bar + 1));
	}
	dt = doctext_parse(b.data, b.len);
	buf_free(&b);
	return dt;
}

static const char *const form_labels[] = {
	"申报单位名称", "案例类型", "案例所属范围", "投入成本", "应用场景", "解决问题及措施",
	"取得成效",
};

static struct strlist labels(void)
{
	struct strlist l = STRLIST_INIT;

	for (size_t i = 0; i < sizeof(form_labels) / sizeof(form_labels[0]); i++)
		strlist_add(&l, form_labels[i]);
	return l;
}

static void test_form_table(void)
{
	static const char *const lines[] = {
		"|物业管理“微创新”案例征集表",
		"0.0.0|申报单位名称 (盖章)", "0.0.1|绿城物业服务集团有限公司",
		"0.1.0|申报负责人", "0.1.1|张三", "0.1.2|职务", "0.1.3|经理",
		"0.2.0|案例类型", "0.2.1|☑技术微创新 □服务微创新 □模式微创新",
		"0.3.0|案例所属范围", "0.3.1|",
		"0.4.0|应用场景（200字以内）", "0.4.1|第一段。", "0.4.1|第二段。",
		"0.5.0|取得成效（经济或社会效益、业主的满意度等，200字以内）",
		"0.6.0|取得成效显著，投诉下降。",
		"1.0.0|投入成本：约3万元", "1.0.1|",
		NULL,
	};
	struct strlist l = labels();
	struct doctext *dt = dt_make(lines);
	char *v = NULL;

	test_begin("docform_field: label cells, values beside or below, empty, missing");
	test_assert(docform_field(dt, "申报单位名称", &l, &v));
	test_assert_str(v, "绿城物业服务集团有限公司");
	free(v);
	test_assert(docform_field(dt, "应用场景", &l, &v));
	test_assert_str(v, "第一段。\n第二段。");
	free(v);
	test_assert(docform_field(dt, "案例所属范围", &l, &v));
	test_assert_str(v, "");
	free(v);
	/* the label ends its row: the value is the row below */
	test_assert(docform_field(dt, "取得成效", &l, &v));
	test_assert_str(v, "取得成效显著，投诉下降。");
	free(v);
	/* the value written into the label cell after a colon */
	test_assert(docform_field(dt, "投入成本", &l, &v));
	test_assert_str(v, "约3万元");
	free(v);
	v = (char *)1;
	test_assert(!docform_field(dt, "案例名称", &l, &v));
	test_assert(v == NULL);
	doctext_free(&dt);
	strlist_free(&l);
	test_end();
}

static void test_form_paragraphs(void)
{
	static const char *const lines[] = {
		"|申报单位名称（盖章）：华润万象生活有限公司",
		"|投入成本：约３万元",
		"|应用场景",
		"|业主对水箱清洗质量存疑。",
		"|每季度清洗一次。",
		"|解决问题及措施：清洗过程线上直播。",
		"|应用场景广泛是本案例的特点之一，不是标签。",
		NULL,
	};
	struct strlist l = labels();
	struct doctext *dt = dt_make(lines);
	char *v = NULL;

	test_begin("docform_field: a form retyped as paragraphs");
	test_assert(docform_field(dt, "申报单位名称", &l, &v));
	test_assert_str(v, "华润万象生活有限公司");
	free(v);
	test_assert(docform_field(dt, "投入成本", &l, &v));
	test_assert_str(v, "约３万元");
	free(v);
	test_assert(docform_field(dt, "应用场景", &l, &v));
	test_assert_str(v, "业主对水箱清洗质量存疑。\n每季度清洗一次。");
	free(v);
	doctext_free(&dt);
	strlist_free(&l);
	test_end();
}

static void test_choices(void)
{
	static const char *const opts[] = { "技术微创新", "服务微创新", "模式微创新" };
	static const struct {
		const char *value;
		size_t count;
		int first;
	} cases[] = {
		{ "☑技术微创新 □服务微创新 □模式微创新", 1, 0 },
		{ "□技术微创新 ■服务微创新 □模式微创新", 1, 1 },
		{ "□ 技术微创新  √ 服务微创新  □ 模式微创新", 1, 1 },
		{ "☒技术微创新 ☐服务微创新 ☐模式微创新", 1, 0 },
		{ "□技术微创新 □服务微创新 □模式微创新", 0, -1 },
		{ "☑技术微创新 ☑服务微创新 □模式微创新", 2, 0 },
		{ "模式微创新", 1, 2 },                   /* the others deleted */
		{ "智慧物业", 0, -1 },
	};

	test_begin("docform_choices: ticks, boxes, options written alone");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool chosen[3];
		size_t n = docform_choices(cases[i].value, opts, 3, chosen);

		if (!test_assert_int(n, cases[i].count)) {
			printf("# %s\n", cases[i].value);
			continue;
		}
		if (cases[i].first >= 0)
			test_assert(chosen[cases[i].first]);
	}
	test_end();
}

static void test_sections(void)
{
	static const char *const names[] = { "小区简介", "问题诊断", "解决措施", "企业简介" };
	static const char *const lines[] = {
		"|阳光花园小区：垃圾分类新模式",
		"|（二）小区简介",
		"|阳光花园小区位于杭州市。",               /* 12 */
		"|二、问题诊断：环境脏乱。",                /* 5 inline */
		"|1.建立机制",                             /* a sub-heading: counts */
		"0.0.0|表格里的字",                         /* 5 */
		"|问题诊断中提到的内容不是标题。",          /* 15 */
		"|第四部分 解决措施（4000字左右）",
		"|措施A。",                                 /* 4 */
		NULL,
	};
	struct doctext *dt = dt_make(lines);
	struct docform_section s[4];
	size_t title;

	test_begin("docform_sections: numbered headings, inline text, tables, title");
	test_assert_int(docform_sections(dt, names, 4, s, &title), 3);
	test_assert_int(title, 0);
	test_assert(s[0].found && s[1].found && s[2].found && !s[3].found);
	test_assert_int(s[0].heading, 1);
	test_assert_int(s[0].words, 12);
	test_assert_int(s[1].heading, 3);
	test_assert_int(s[1].words, 5 + 5 + 5 + 15);
	test_assert_int(s[2].words, 4);
	test_assert(docform_is_heading(dt, 7, names, 4));
	test_assert(!docform_is_heading(dt, 6, names, 4));
	doctext_free(&dt);
	test_end();
}

static void test_dates_rates(void)
{
	static const struct {
		const char *s;
		int y, m, d;
	} dates[] = {
		{ "2018年6月", 2018, 6, 0 }, { "2019.12", 2019, 12, 0 },
		{ "2020-01-01", 2020, 1, 1 }, { "2020年1月1日", 2020, 1, 1 },
		{ "２０２１年３月", 2021, 3, 0 }, { "约2019年", 2019, 0, 0 },
		{ "2008/10/1交付", 2008, 10, 1 },
	};
	static const struct {
		const char *s;
		double pct;
	} rates[] = {
		{ "95%", 95 }, { "92.5％", 92.5 }, { "0.88", 88 }, { "百分之九十五", 95 },
		{ "85%以上", 85 }, { "2025年收缴率98%", 98 }, { "九成", 90 }, { "百分之百", 100 },
	};
	int y, m, d;
	double pct;

	test_begin("docform_date and docform_rate: as people write them");
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		if (!test_assert(docform_date(dates[i].s, &y, &m, &d)))
			continue;
		test_assert_int(y, dates[i].y);
		test_assert_int(m, dates[i].m);
		test_assert_int(d, dates[i].d);
	}
	test_assert(!docform_date("待定", &y, &m, &d));
	test_assert(!docform_date("12345", &y, &m, &d));
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (!test_assert(docform_rate(rates[i].s, &pct)))
			continue;
		if (!test_assert(pct > rates[i].pct - 0.01 && pct < rates[i].pct + 0.01))
			printf("# %s: %g\n", rates[i].s, pct);
	}
	test_assert(!docform_rate("较高", &pct));
	test_end();
}

static void test_selected(void)
{
	char *path = xasprintf("%s/list.selected", test_tmpdir());
	FILE *f = fopen(path, "w");
	struct selected_list l;
	char *err = NULL;

	test_begin("selected: list file, normalised matching");
	fputs("# comment\n\n"
	      "长城物业集团股份有限公司|桃源居小区|“红色物业”引领老旧小区焕新\n"
	      "绿城物业服务集团有限公司 | 杭州桂花城 |\n", f);
	fclose(f);
	if (test_assert(selected_load(path, &l, &err) == 0)) {
		test_assert_int(l.n, 2);
		/* full-width, blanks, 小区 suffix, company suffixes */
		test_assert(selected_match(&l, "长城物业集团", "桃源居", "别的标题") != NULL);
		test_assert(selected_match(&l, "", "桃源居小区",
					   "\"红色物业\" 引领老旧小区焕新") != NULL);
		test_assert(selected_match(&l, "绿城物业服务集团有限公司", "杭州桂花城",
					   "x") != NULL);
		test_assert(selected_match(&l, "绿城物业服务集团有限公司", "桂花城",
					   "x") == NULL);
		test_assert(selected_match(&l, "万科物业", "桃源居小区", "别的标题") == NULL);
		test_assert(selected_match(&l, "长城物业", "", "") == NULL);
		selected_free(&l);
	}
	f = fopen(path, "w");
	fputs("no bar here\n", f);
	fclose(f);
	test_assert(selected_load(path, &l, &err) == -1);
	test_assert(err != NULL && strstr(err, ":1: expected") != NULL);
	free(err);
	free(path);
	{
		/* a 汇总清单 against case names: 小区 contained, written differently */
		static const char *const places[] = { "阳光花园小区", "翠苑一区" };
		static const char *const cases[] = { "阳光花园+垃圾分类新模式", "金色家园+加装电梯" };
		bool pf[2], cf[2];

		selected_list_check(places, 2, cases, 2, pf, cf);
		test_assert(pf[0] && !pf[1] && cf[0] && !cf[1]);
	}
	{
		char *n = selected_norm("ＡＢＣ １２３，“好服务”");

		test_assert_str(n, "abc123好服务");
		free(n);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_form_table, test_form_paragraphs, test_choices, test_sections,
		test_dates_rates, test_selected, NULL
	};

	return test_run(tests);
}
