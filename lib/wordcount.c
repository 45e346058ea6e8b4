/* wordcount: Word's 字数 (see wordcount.h). */
#include "wordcount.h"
#include "charset.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool wordcount_is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Characters Word counts one by one as 中文字符. */
static bool wordcount_is_east_asian(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x11FF) ||    /* Hangul Jamo */
	       (c >= 0x2E80 && c <= 0x2FDF) ||    /* CJK radicals, Kangxi */
	       (c >= 0x3001 && c <= 0x303F) ||    /* CJK symbols and punctuation */
	       (c >= 0x3040 && c <= 0x31FF) ||    /* kana, bopomofo, Hangul compat., strokes */
	       (c >= 0x3200 && c <= 0x33FF) ||    /* enclosed CJK, compatibility */
	       (c >= 0x3400 && c <= 0x4DBF) ||    /* Ext. A */
	       (c >= 0x4E00 && c <= 0x9FFF) ||    /* unified ideographs */
	       (c >= 0xA960 && c <= 0xA97F) ||
	       (c >= 0xAC00 && c <= 0xD7FF) ||    /* Hangul syllables */
	       (c >= 0xF900 && c <= 0xFAFF) ||    /* compatibility ideographs */
	       (c >= 0xFE30 && c <= 0xFE4F) ||    /* CJK compatibility forms */
	       (c >= 0xFF01 && c <= 0xFFEF) ||    /* half- and full-width forms */
	       (c >= 0x20000 && c <= 0x3FFFF) ||  /* Ext. B … */
	       c == 0x2014 || c == 0x2015 || c == 0x2018 || c == 0x2019 ||
	       c == 0x201C || c == 0x201D || c == 0x2026 || c == 0x00B7 ||
	       c == 0x2027 || c == 0x2030 || c == 0x2032 || c == 0x2033 ||
	       c == 0x203B;                       /* — ― ‘ ’ “ ” … · ‧ ‰ ′ ″ ※ */
}

void wordcount(const char *str, size_t len, struct wordcount *r)
{
	const unsigned char *s = (const unsigned char *)str;
	bool in_word = false;
	size_t i = 0, n;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		uint32_t c = charset_utf8_next(s + i, len - i, &n);

		i += n;
		if (wordcount_is_space(c)) {
			in_word = false;
			continue;
		}
		r->chars++;
		if (wordcount_is_east_asian(c)) {
			r->east_asian++;
			in_word = false;
		} else if (!in_word) {
			r->other_words++;
			in_word = true;
		}
	}
	r->words = r->east_asian + r->other_words;
}

size_t wordcount_str(const char *s)
{
	struct wordcount r;

	wordcount(s, strlen(s), &r);
	return r.words;
}
