#ifndef CASEMAIL_MIMEPARAM_H
#define CASEMAIL_MIMEPARAM_H
/* mimeparam: parse Content-Type / Content-Disposition values.
 *
 *   application/octet-stream; name="=?gbk?B?...?="; x=1
 *   attachment; filename*0*=UTF-8''%E9%98%B3; filename*1="x.docx"
 *
 * The value before the first ";" is lowercased and trimmed. Parameter
 * names are lowercased. Values are decoded to UTF-8: RFC 2231 (charset,
 * percent-encoding, numbered continuations in any order, encoded and
 * plain sections mixed), else RFC 2047 words and raw 8-bit text (see
 * rfc2047.h). An RFC 2231 value wins over a plain one of the same name.
 * Parsing is lenient (missing quotes, unquoted blanks, stray ";") and
 * never fails; limits keep hostile headers cheap. */
#include <stddef.h>

#define MIMEPARAM_MAX_PARAMS 64
#define MIMEPARAM_MAX_SECTIONS 100

struct mimeparam {
	char *name;   /* lowercased, without "*N*" */
	char *value;  /* UTF-8 */
};

struct mimeparams {
	char *value;                 /* "multipart/mixed", "attachment", or "" */
	struct mimeparam *params;
	size_t count;
};

void mimeparam_parse(const char *in, size_t len, struct mimeparams *r);
/* The decoded value of a parameter, or NULL. Owned by p. */
const char *mimeparam_get(const struct mimeparams *p, const char *name);
void mimeparam_free(struct mimeparams *p);

#endif
