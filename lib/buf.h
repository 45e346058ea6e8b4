#ifndef CASEMAIL_BUF_H
#define CASEMAIL_BUF_H
/* buf: a growable byte buffer, always NUL-terminated after len.
 * Allocation failure aborts (xalloc.h): casemail treats OOM as fatal,
 * untrusted input is bounded by limits long before memory runs out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;     /* NULL until the first append; then data[len] == '\0' */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/* Append code point cp as UTF-8; a surrogate or a value beyond U+10FFFF
 * as U+FFFD. */
void buf_put_utf8(struct buf *b, uint32_t cp);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Make room for at least n more bytes. */
void buf_reserve(struct buf *b, size_t n);
void buf_truncate(struct buf *b, size_t len);
/* Always a valid C string ("" for an empty buffer); owned by b. */
const char *buf_cstr(const struct buf *b);
/* Hand the malloc'd string to the caller and reset b. Never NULL. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
