/* sandbox-seccomp-worker: the filter of SANDBOX_SECCOMP_WORKER, for the
 * per-mail extract worker (extract-worker.c).
 *
 * That process does what the probe children cannot: it opens the mail,
 * writes the decoded and unpacked files into its work directory, loads
 * iconv modules, and starts probe children (fork, pipes, socketpair,
 * rlimits, their own seccomp filter). Where it may write is Landlock's
 * business (landlock.c: only beneath the work directory); this filter
 * takes away everything a mail parser has no use for. Every call ends in
 * one of three ways:
 *
 *   allowed   the list below: files, memory, its own children, time;
 *   killed    the calls that only an attacker would make: socket and the
 *             rest of the network, execve, ptrace and the other ways into
 *             another process, mount and namespaces, privileges (set*id),
 *             kernel keys, BPF, io_uring, module loading. The worker dies
 *             of SIGSYS and the mail's attachments count as damaged;
 *   EPERM     everything else (the default), so that a library taking an
 *             unexpected side path (an ioctl on a terminal, an xattr)
 *             fails softly instead of turning a good mail into a damaged
 *             one. */
#include "sandbox-private.h"

#include <seccomp.h>

static const char *const worker_allow[] = {
	/* files: the mail, the work directory (Landlock decides which) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "lseek", "close", "close_range",
	"open", "openat", "creat", "fstat", "newfstatat", "stat", "lstat",
	"statx", "fstatfs", "statfs", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat", "getdents64", "getcwd", "chdir", "fchdir",
	"mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
	"renameat", "renameat2", "link", "linkat", "chmod", "fchmod",
	"fchmodat", "utimensat", "ftruncate", "truncate", "fallocate",
	"fsync", "fdatasync", "fadvise64", "copy_file_range", "sendfile",
	"dup", "dup2", "dup3", "fcntl", "flock", "umask",
	/* memory; dlopen() of iconv modules maps code */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync",
	/* its probe children: fork, pipes and a socket pair to them, limits,
	 * their own filters, waiting and killing them */
	"clone", "clone3", "fork", "vfork", "wait4", "waitid", "pidfd_open",
	"kill", "tgkill", "tkill", "pipe", "pipe2", "socketpair", "sendmsg",
	"recvmsg", "poll", "ppoll", "select", "pselect6", "setpgid", "getpgid",
	"getpgrp", "prctl", "seccomp", "getrlimit", "setrlimit", "prlimit64",
	"getrusage", "landlock_create_ruleset", "landlock_add_rule",
	"landlock_restrict_self",
	/* threads, signals, time, identity: what glibc does on its own */
	"exit", "exit_group", "getpid", "getppid", "gettid", "set_tid_address",
	"set_robust_list", "get_robust_list", "rseq", "arch_prctl", "futex",
	"sched_yield", "sched_getaffinity", "nanosleep", "clock_nanosleep",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
	"sysinfo", "uname", "getuid", "geteuid", "getgid", "getegid",
	"getgroups", "getresuid", "getresgid", "times", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
	"rt_sigsuspend", "sigaltstack", "restart_syscall", "alarm",
	"setitimer", "getitimer", "membarrier",
};

static const char *const worker_kill[] = {
	/* network */
	"socket", "connect", "bind", "listen", "accept", "accept4", "sendto",
	"recvfrom", "sendmmsg", "recvmmsg", "getsockopt", "setsockopt",
	"getsockname", "getpeername", "shutdown",
	/* other programs and processes */
	"execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
	"pidfd_getfd", "kcmp",
	/* the system */
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
	"move_mount", "fsopen", "fsmount", "fsconfig", "open_tree",
	"mknod", "mknodat", "setuid", "setgid", "setreuid", "setregid",
	"setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
	"capset", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
	"userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"open_by_handle_at", "name_to_handle_at", "init_module",
	"finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"reboot", "swapon", "swapoff", "iopl", "ioperm", "personality",
	"quotactl", "acct", "settimeofday", "clock_settime", "adjtimex",
	"clock_adjtime", "syslog", "fanotify_init", "sethostname",
	"setdomainname",
};

int sandbox_seccomp_worker_rules(void *ctx, const struct sandbox_limits *lim)
{
	int r = 0;

	for (unsigned int i = 0; r == 0 && i < lim->seccomp_allow_count; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, lim->seccomp_allow[i], 0);
	if (r == 0)
		r = sandbox_seccomp_table(ctx, lim, SCMP_ACT_ALLOW, worker_allow,
					  sizeof(worker_allow) / sizeof(worker_allow[0]));
	if (r == 0)
		r = sandbox_seccomp_table(ctx, lim, SCMP_ACT_KILL_PROCESS, worker_kill,
					  sizeof(worker_kill) / sizeof(worker_kill[0]));
	return r;
}
