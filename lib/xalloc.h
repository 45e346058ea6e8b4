#ifndef CASEMAIL_XALLOC_H
#define CASEMAIL_XALLOC_H
/* Allocators that abort on out-of-memory (as OpenSMTPD's x* family).
 * Limits on untrusted input keep allocations bounded; a failed malloc
 * means the machine is in trouble and a clean restart is the best answer. */
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc to nmemb*size with overflow check */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
