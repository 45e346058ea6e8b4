/* json: streaming JSON writer. */
#include "json.h"
#include "charset.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		buf_putc(j->out, ',');
	j->first[j->depth] = false;
	if (key != NULL) {
		json_escape(j->out, key);
		buf_putc(j->out, ':');
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	buf_putc(j->out, c);
	assert(j->depth + 1 < JSON_MAX_DEPTH);
	j->first[++j->depth] = true;
}

void json_object_begin(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_array_begin(struct json *j, const char *key) { json_open(j, key, '['); }

void json_object_end(struct json *j)
{
	assert(j->depth > 0);
	j->depth--;
	buf_putc(j->out, '}');
}

void json_array_end(struct json *j)
{
	assert(j->depth > 0);
	j->depth--;
	buf_putc(j->out, ']');
}

void json_escape(struct buf *out, const char *s)
{
	size_t len = strlen(s), i = 0;

	buf_putc(out, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': buf_puts(out, "\\n"); break;
			case '\r': buf_puts(out, "\\r"); break;
			case '\t': buf_puts(out, "\\t"); break;
			default: buf_printf(out, "\\u%04x", c); break;
			}
			i++;
		} else if (c < 0x80) {
			buf_putc(out, (char)c);
			i++;
		} else {
			size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
				   (c & 0xf8) == 0xf0 ? 4 : 1;
			if (i + n <= len && n > 1 && charset_is_utf8(s + i, n)) {
				buf_append(out, s + i, n);
				i += n;
			} else {
				buf_puts(out, "\\ufffd");
				i++;
			}
		}
	}
	buf_putc(out, '"');
}

void json_raw(struct json *j, const char *key, const char *raw)
{
	json_key(j, key);
	buf_puts(j->out, raw);
}

void json_str(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	if (value == NULL)
		buf_puts(j->out, "null");
	else
		json_escape(j->out, value);
}

void json_int(struct json *j, const char *key, long long value)
{
	json_key(j, key);
	buf_printf(j->out, "%lld", value);
}

void json_double(struct json *j, const char *key, double value, int decimals)
{
	json_key(j, key);
	if (!isfinite(value))
		buf_puts(j->out, "null");
	else
		buf_printf(j->out, "%.*f", decimals, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_key(j, key);
	buf_puts(j->out, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	buf_puts(j->out, "null");
}
