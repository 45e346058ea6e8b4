#ifndef CASEMAIL_MAILDIR_H
#define CASEMAIL_MAILDIR_H
/* maildir: a local Maildir as a mail source (the embedded default).
 * New mail is in new/; a processed mail is moved to cur/ with the
 * Maildir info suffix ":2,<flags>" (S only when mark_seen). Mail already
 * in cur/ is offered too — the state DB, keyed by the unique name, says
 * whether it was processed. */
#include <stdbool.h>
#include <stddef.h>

struct maildir_msg {
	char *path;      /* current path of the file */
	char *key;       /* the unique name (before ":2,"): stable across moves */
	bool in_new;
};

/* Every message in new/ and cur/, sorted by key (delivery order for the
 * usual time-first unique names). Returns 0 or -1. */
int maildir_scan(const char *dir, struct maildir_msg **msgs_r, size_t *n_r,
		 const char **error_r);
void maildir_msgs_free(struct maildir_msg **msgs, size_t n);
/* Move a message from new/ to cur/ (no-op when already in cur/). */
int maildir_mark(const char *dir, struct maildir_msg *m, bool seen, const char **error_r);
/* Create dir/{tmp,new,cur} (for tests and the demo). */
int maildir_create(const char *dir, const char **error_r);

#endif
