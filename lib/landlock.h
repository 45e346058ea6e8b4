#ifndef CASEMAIL_LANDLOCK_H
#define CASEMAIL_LANDLOCK_H
/* landlock: confine the calling process's file system access with the
 * kernel's Landlock LSM (no library: three system calls).
 *
 * After landlock_confine() the process and every process it starts may
 *   - read, create, write, rename and remove files only beneath rw_dir;
 *   - read files and list directories only beneath the ro_paths (each a
 *     directory, or a single file that may then only be read);
 *   - execute nothing, connect or bind no TCP port (Landlock ABI 4), and
 *     signal no process outside its own domain (ABI 6),
 * as far as the running kernel's Landlock ABI covers; what it does not
 * cover stays allowed (best effort, as the Landlock documentation asks).
 * The caller must have set PR_SET_NO_NEW_PRIVS (or hold CAP_SYS_ADMIN). */
#include <stddef.h>

/* Returns the Landlock ABI version applied (≥ 1), 0 when the kernel has
 * no Landlock (then nothing was changed), or -1 with *error_r set
 * (static or thread-local) when a path cannot be opened or a call fails. */
int landlock_confine(const char *rw_dir, const char *const *ro_paths, size_t nro,
		     const char **error_r);

#endif
