/* landlock: see landlock.h. Debian 12's <linux/landlock.h> knows ABI 2;
 * the structure and bits of later ABIs are spelled out here, and the
 * kernel's ABI version decides which of them are used. */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6; the size passed tells the
 * kernel how much of it is meant. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_FS_EXECUTE      (1ULL << 0)
#define LL_FS_WRITE_FILE   (1ULL << 1)
#define LL_FS_READ_FILE    (1ULL << 2)
#define LL_FS_READ_DIR     (1ULL << 3)
#define LL_FS_ABI1         ((1ULL << 13) - 1)  /* EXECUTE … MAKE_SYM */
#define LL_FS_REFER        (1ULL << 13)        /* ABI 2 */
#define LL_FS_TRUNCATE     (1ULL << 14)        /* ABI 3 */
#define LL_FS_IOCTL_DEV    (1ULL << 15)        /* ABI 5 */
#define LL_NET_BIND_TCP    (1ULL << 0)         /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)     /* ABI 6 */
#define LL_SCOPE_SIGNAL        (1ULL << 1)

static __thread char landlock_err[256];

static const char *landlock_syserror(const char *what, const char *path)
{
	snprintf(landlock_err, sizeof(landlock_err), "landlock: %s%s%s: %s", what,
		 path != NULL ? " " : "", path != NULL ? path : "", strerror(errno));
	return landlock_err;
}

static int landlock_add_path(int ruleset, const char *path, uint64_t access,
			     const char **error_r)
{
	struct landlock_path_beneath_attr rule = { 0 };
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0) {
		*error_r = landlock_syserror("open", path);
		return -1;
	}
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE |
			  LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
	rule.allowed_access = access;
	rule.parent_fd = fd;
	r = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
	if (r < 0)
		*error_r = landlock_syserror("add rule", path);
	close(fd);
	return r;
}

int landlock_confine(const char *rw_dir, const char *const *ro_paths, size_t nro,
		     const char **error_r)
{
	struct ll_ruleset_attr attr = { 0 };
	size_t attr_size = sizeof(attr.handled_access_fs);
	uint64_t read = LL_FS_READ_FILE | LL_FS_READ_DIR;
	int abi, ruleset, ret = -1;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 :
			(*error_r = landlock_syserror("ABI version", NULL), -1);
	attr.handled_access_fs = LL_FS_ABI1;
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0) {
		*error_r = landlock_syserror("create ruleset", NULL);
		return -1;
	}
	/* everything but executing beneath rw_dir */
	if (rw_dir != NULL &&
	    landlock_add_path(ruleset, rw_dir, attr.handled_access_fs & ~LL_FS_EXECUTE,
			      error_r) < 0)
		goto out;
	for (size_t i = 0; i < nro; i++) {
		if (landlock_add_path(ruleset, ro_paths[i], read, error_r) < 0)
			goto out;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		*error_r = landlock_syserror("restrict self", NULL);
		goto out;
	}
	ret = abi;
out:
	close(ruleset);
	return ret;
}
