#ifndef CASEMAIL_DATETIME_H
#define CASEMAIL_DATETIME_H
/* datetime: the three time formats casemail meets.
 *   RFC 5322 ("Tue, 28 Jul 2026 15:40:02 +0800") in Date: and Received:
 *   ISO 8601 with offset ("2026-08-05T23:59:59+08:00") in conf/ and JSON
 *   Chinese for people ("2026年8月5日 23:59:59（北京时间）")
 * Times are Unix seconds; offsets are seconds east of UTC. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5322 date-time (lenient: libetpan's parser). 0 or -1. */
int datetime_parse_rfc5322(const char *s, size_t len, int64_t *t_r);
/* The date of a Received: header: the text after its last ';'. 0 or -1. */
int datetime_parse_received(const char *value, size_t len, int64_t *t_r);
/* "YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)". 0 or -1. */
int datetime_parse_iso(const char *s, int64_t *t_r, int *offset_r);
/* Format t at the given offset. out needs 26 bytes (ISO) / 64 (Chinese). */
void datetime_format_iso(int64_t t, int offset, char *out, size_t size);
void datetime_format_zh(int64_t t, int offset, char *out, size_t size);

#endif
