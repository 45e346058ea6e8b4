/* datetime: RFC 5322 (libetpan), ISO 8601 and Chinese date formats. */
#include "datetime.h"

#include <libetpan/libetpan.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: no timegm(), no TZ environment */
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t datetime_make(int y, int mo, int d, int h, int mi, int s, int offset)
{
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + s - offset;
}

int datetime_parse_rfc5322(const char *s, size_t len, int64_t *t_r)
{
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	int zone, offset;

	/* libetpan wants the text to start at the date: skip blanks */
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	if (len == 0 || mailimf_date_time_parse(s, len, &idx, &dt) != MAILIMF_NO_ERROR)
		return -1;
	zone = dt->dt_zone; /* +0800 as 800 */
	offset = (zone / 100) * 3600 + (zone % 100) * 60;
	if (dt->dt_year < 1970 || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > 31 || dt->dt_hour > 23 || dt->dt_min > 59 ||
	    dt->dt_sec > 60) {
		mailimf_date_time_free(dt);
		return -1;
	}
	*t_r = datetime_make(dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour,
			     dt->dt_min, dt->dt_sec, offset);
	mailimf_date_time_free(dt);
	return 0;
}

int datetime_parse_received(const char *value, size_t len, int64_t *t_r)
{
	const char *semi = NULL;

	for (size_t i = 0; i < len; i++) {
		if (value[i] == ';')
			semi = value + i;
	}
	if (semi == NULL)
		return -1;
	return datetime_parse_rfc5322(semi + 1, len - (size_t)(semi + 1 - value), t_r);
}

int datetime_parse_iso(const char *s, int64_t *t_r, int *offset_r)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char sign = 'Z';

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	s += n;
	if (*s == 'Z') {
		s++;
	} else if ((*s == '+' || *s == '-') &&
		   sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) == 2) {
		sign = *s;
		s += 1 + n;
	} else {
		return -1;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 14 || om > 59)
		return -1;
	int offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	*t_r = datetime_make(y, mo, d, h, mi, sec, offset);
	if (offset_r != NULL)
		*offset_r = offset;
	return 0;
}

static void datetime_split(int64_t t, int offset, struct tm *tm)
{
	time_t local = (time_t)(t + offset);

	gmtime_r(&local, tm);
}

void datetime_format_iso(int64_t t, int offset, char *out, size_t size)
{
	struct tm tm;
	int off = offset < 0 ? -offset : offset;

	datetime_split(t, offset, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, offset < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

void datetime_format_zh(int64_t t, int offset, char *out, size_t size)
{
	struct tm tm;

	datetime_split(t, offset, &tm);
	snprintf(out, size, "%d年%d月%d日 %02d:%02d:%02d%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 offset == 8 * 3600 ? "（北京时间）" : "");
}
