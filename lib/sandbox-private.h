#ifndef CASEMAIL_SANDBOX_PRIVATE_H
#define CASEMAIL_SANDBOX_PRIVATE_H
/* sandbox internals shared by sandbox.c and sandbox-seccomp.c. */
#include "sandbox.h"

/* Install lim->seccomp's filter in the calling process (the child, after
 * its descriptors and rlimits are set, right before fn runs). result_fd
 * is the only descriptor besides 1 and 2 it may write to. Does nothing
 * for SANDBOX_SECCOMP_OFF. Returns 0, or -1 with errno set (the filter
 * could not be built or loaded: the child must not go on without it). */
int sandbox_seccomp_install(const struct sandbox_limits *lim, int result_fd);

#endif
