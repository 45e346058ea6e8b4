#ifndef CASEMAIL_REPORT_H
#define CASEMAIL_REPORT_H
/* report: the zh-CN text a submitter receives: greeting, what arrived
 * (cases, files, photo pixels and MB, video length and display size),
 * the verdict, defects grouped by case with what to do, the deadline and
 * a closing line saying it is an automatic reply. Phrases come from the
 * campaign's [report] and [messages] sections. */
#include "buf.h"
#include "check.h"

/* receipt may be NULL (casemailctl check: nothing is registered). */
void report_render(const struct check *ck, const char *receipt, struct buf *out);

#endif
