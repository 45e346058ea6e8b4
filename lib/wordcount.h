#ifndef CASEMAIL_WORDCOUNT_H
#define CASEMAIL_WORDCOUNT_H
/* wordcount: "字数" as Word and WPS count it (审阅 ▸ 字数统计), for the
 * length limits of the notices ("200字以内", "500字左右").
 *
 * 字数 = East-Asian characters + other words:
 *   - every East-Asian character counts 1: Han ideographs (all CJK
 *     blocks and extensions), kana, Hangul, bopomofo, the CJK Symbols
 *     and Punctuation block (、。「」《》【】) and the Halfwidth and
 *     Fullwidth Forms (，：；！？（）, full-width letters and digits, each
 *     one), and the General Punctuation zh-CN text uses as Chinese
 *     punctuation (“ ” ‘ ’ — … ·, which Word tags eastAsia);
 *   - every maximal run of other non-space characters counts 1: an
 *     English word, "2024", "92.5%";
 *   - white space (ASCII, U+3000, no-break spaces) counts 0.
 * Invalid UTF-8 bytes count as other characters. Pure, no allocation. */
#include <stddef.h>

struct wordcount {
	size_t words;        /* 字数: east_asian + other_words */
	size_t east_asian;   /* 中文字符 (and other East-Asian) */
	size_t other_words;  /* runs of other non-space characters */
	size_t chars;        /* 字符数(不计空格) */
};

void wordcount(const char *s, size_t len, struct wordcount *r);
/* Just the 字数 of a NUL-terminated string. */
size_t wordcount_str(const char *s);

#endif
