/* wordcount: Word's 字数 (see wordcount.h). */
#include "wordcount.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* One code point from s[0..len), its length in *n (1 for a bad byte,
 * returned as 0xFFFD). */
static uint32_t wordcount_next(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t c = s[0], min;
	size_t need;

	if (c < 0x80) {
		*n = 1;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		need = 1; c &= 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		need = 2; c &= 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		need = 3; c &= 0x07; min = 0x10000;
	} else {
		*n = 1;
		return 0xFFFD;
	}
	if (need >= len) {
		*n = 1;
		return 0xFFFD;
	}
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*n = 1;
			return 0xFFFD;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	*n = need + 1;
	return c < min || c > 0x10FFFF ? 0xFFFD : c;
}

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
		uint32_t c = wordcount_next(s + i, len - i, &n);

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
