#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "sandbox.h"

int
sandbox_check_nocaps(char *err, size_t errsz)
{
	static const char *const keys[] = { "CapEff:", "CapPrm:", "CapAmb:" };
	char line[256];
	unsigned long long v;
	unsigned seen = 0, i;
	FILE *f;
	int r = -1;

	if ((f = fopen("/proc/self/status", "re")) == NULL) {
		snprintf(err, errsz, "/proc/self/status: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		for (i = 0; i < 3; i++) {
			if (strncmp(line, keys[i], strlen(keys[i])) != 0)
				continue;
			if (sscanf(line + strlen(keys[i]), "%llx", &v) != 1) {
				snprintf(err, errsz, "cannot parse %s", keys[i]);
				goto out;
			}
			if (v != 0) {
				snprintf(err, errsz, "capabilities left after dropping "
				    "privileges (%s %016llx)", keys[i], v);
				goto out;
			}
			seen++;
		}
	}
	if (seen < 2) {    /* CapAmb is missing on old kernels */
		snprintf(err, errsz, "no capability lines in /proc/self/status");
		goto out;
	}
	r = 0;
 out:
	fclose(f);
	return r;
}

int
sandbox_lock_memory(void)
{
	struct rlimit rl;

	/* With a finite limit, MCL_FUTURE would make later allocations fail
	 * once it is reached: lock all or nothing. */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == -1 || rl.rlim_cur != RLIM_INFINITY)
		return 0;
	return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 1 : -1;
}

#ifdef HAVE_SECCOMP
/* What the loop, libcurl (threaded resolver, TLS), the carriers and the
 * state file use. Set-up calls (bind, listen, setres*id, signalfd) are done
 * by then and are not listed. */
static const char *const allowed[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close",
	"lseek", "epoll_wait", "epoll_pwait", "epoll_ctl", "timerfd_settime",
	"timerfd_gettime", "accept4", "getsockopt", "setsockopt", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "socket",
	"connect", "getsockname", "getpeername", "shutdown", "socketpair", "bind",
	"poll", "ppoll", "select", "pselect6", "futex", "clock_gettime",
	"clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"getrandom", "openat", "open", "fstat", "newfstatat", "stat", "lstat",
	"statx", "access", "faccessat", "faccessat2", "readlink", "getdents64",
	"rename", "renameat", "renameat2", "unlink", "unlinkat", "fsync",
	"fdatasync", "ftruncate", "fchmod", "umask", "mmap", "munmap", "mremap",
	"madvise", "mprotect", "brk", "exit", "exit_group", "rt_sigprocmask",
	"rt_sigaction", "rt_sigreturn", "sigaltstack", "getpid", "gettid",
	"getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
	"getresgid", "getgroups", "uname", "fcntl", "ioctl", "pipe", "pipe2",
	"eventfd2", "dup", "dup2", "dup3", "clone", "clone3", "set_robust_list",
	"rseq", "sched_yield", "sched_getaffinity", "membarrier", "sysinfo",
	"getcwd", "tgkill", "prctl", "getpriority", "getrusage", "prlimit64",
	"sendfile", "restart_syscall", "mlock", "munlock", NULL
};

int
sandbox_seccomp(char *err, size_t errsz)
{
	scmp_filter_ctx ctx;
	size_t i;
	int nr, rc, r = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errsz, "seccomp_init failed");
		return -1;
	}
	for (i = 0; allowed[i] != NULL; i++) {
		/* Names this architecture lacks (open, stat on arm64) are fine. */
		if ((nr = seccomp_syscall_resolve_name(allowed[i])) == __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0) {
			snprintf(err, errsz, "seccomp: %s: %s", allowed[i], strerror(-rc));
			goto out;
		}
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errsz, "seccomp_load: %s", strerror(-rc));
		goto out;
	}
	r = 0;
 out:
	seccomp_release(ctx);
	return r;
}
#else
int
sandbox_seccomp(char *err, size_t errsz)
{
	(void)err;
	(void)errsz;
	return 1;
}
#endif
