#ifndef CASEMAIL_JSON_H
#define CASEMAIL_JSON_H
/* json: a small streaming JSON writer into a struct buf.
 *
 *   struct json j; json_init(&j, &out);
 *   json_object_begin(&j, NULL);
 *   json_str(&j, "file", "x.eml");
 *   json_array_begin(&j, "files"); ... json_array_end(&j);
 *   json_object_end(&j);
 *
 * `key` is the member name inside objects and NULL inside arrays.
 * Commas are placed automatically. Strings are escaped; invalid UTF-8
 * is replaced by U+FFFD so the output is always valid JSON. */
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	unsigned depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, struct buf *out);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* A NULL value writes null. */
void json_str(struct json *j, const char *key, const char *value);
/* raw must be one complete JSON value that casemail wrote itself (a
 * spooled manifest.json); it is copied as is. */
void json_raw(struct json *j, const char *key, const char *raw);
void json_int(struct json *j, const char *key, long long value);
/* Rounded to `decimals` places (trailing zeros kept, e.g. 10.0). */
void json_double(struct json *j, const char *key, double value, int decimals);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* Append s as a quoted, escaped JSON string. */
void json_escape(struct buf *out, const char *s);

#endif
