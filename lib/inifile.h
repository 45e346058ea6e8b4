#ifndef CASEMAIL_INIFILE_H
#define CASEMAIL_INIFILE_H
/* inifile: libinih with what casemail's config files need on top —
 * the line number of each value (for "file:line: message" errors) and
 * continuation lines reported as such. */
#include <stdbool.h>

struct inifile_pos {
	const char *file;
	int line;
	bool continuation;   /* an indented line continuing the previous key */
};

/* Return 0 to go on, -1 to stop with an error (the handler sets it). */
typedef int inifile_handler(void *ctx, const struct inifile_pos *pos,
			    const char *section, const char *name, const char *value);

/* Parse path. Returns 0, or -1 with *error_r ("file:line: syntax error"
 * or "file: <errno text>") unless the handler reported its own error. */
int inifile_parse(const char *path, inifile_handler *handler, void *ctx,
		  const char **error_r);

#endif
