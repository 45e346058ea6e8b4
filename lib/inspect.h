#ifndef CASEMAIL_INSPECT_H
#define CASEMAIL_INSPECT_H
/* inspect: render an extraction (parts, files, facts, problems) for
 * `casemailctl inspect`: one JSON object per mail, or a readable tree. */
#include "buf.h"
#include "extract.h"

/* `file` is the name shown for the mail (its path as given). */
void inspect_json(const struct extract *ex, const char *file, struct buf *out);
void inspect_text(const struct extract *ex, const char *file, struct buf *out);

#endif
