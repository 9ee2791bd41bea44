#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#ifdef HAVE_SECCOMP
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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
 * by then and are not listed; neither are unshare, setns, fork or execve.
 * clone, socket, socketpair, ioctl and prctl are here, but only with the
 * arguments in argrules[]. */
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
	"eventfd2", "dup", "dup2", "dup3", "clone", "set_robust_list",
	"rseq", "sched_yield", "sched_getaffinity", "membarrier", "sysinfo",
	"getcwd", "tgkill", "prctl", "getpriority", "getrusage", "prlimit64",
	"sendfile", "restart_syscall", "mlock", "munlock", NULL
};

/* Namespaces are how a sandbox is escaped or widened: no clone makes one
 * (and a clone is a thread: the daemon never forks once it runs). */
#define NS_FLAGS ((scmp_datum_t)(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | \
	CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP))

/* The arguments those calls may have; with any other, EPERM. */
struct argrule {
	int nr;
	struct scmp_arg_cmp cmp;
};

static const struct argrule argrules[] = {
	/* Threads (libcurl's resolver), no namespace: not fork either. */
	{ SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS | CLONE_THREAD,
	    CLONE_THREAD) },
	/* The control socket, carriers, Redis, DNS and nscd: no netlink, no
	 * packet or raw sockets of another family. socketpair: libcurl's
	 * wakeup pair. */
	{ SCMP_SYS(socket), SCMP_A0(SCMP_CMP_EQ, AF_UNIX) },
	{ SCMP_SYS(socket), SCMP_A0(SCMP_CMP_EQ, AF_INET) },
	{ SCMP_SYS(socket), SCMP_A0(SCMP_CMP_EQ, AF_INET6) },
	{ SCMP_SYS(socketpair), SCMP_A0(SCMP_CMP_EQ, AF_UNIX) },
	/* The one request the daemon and its libraries were seen to make
	 * (strace over the daemon-level tests and a name resolved by
	 * libcurl's threaded resolver): glibc's DNS client asks how much a
	 * reply holds. Not TIOCSTI (typing into a terminal), nor any other.
	 * prctl has no entry at all: nothing changes what was set up (not
	 * PR_SET_DUMPABLE: core dumps hold the keys; PR_SET_SECCOMP,
	 * PR_CAP_AMBIENT, PR_SET_NO_NEW_PRIVS, ...). */
	{ SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, FIONREAD) },
};

/* Two filters: the kernel runs both and takes the stricter answer.
 * The first kills on any call not listed, as always. The second, loaded
 * last, answers EPERM by default, allows the listed calls, and those of
 * argrules[] only with their arguments: a library that probes (isatty's
 * TCGETS, a netlink socket to list interfaces) gets an error and goes on,
 * where a kill would take the daemon down. One filter cannot
 * say both (libseccomp takes one comparison per argument, so "any other
 * value" has no rule). clone3 hides its flags in memory no filter can
 * read: it fails with ENOSYS and glibc falls back to clone, as under
 * systemd and Chromium. */
static int
build(scmp_filter_ctx ctx, int args, char *err, size_t errsz)
{
	size_t i;
	int nr, rc;

	for (i = 0; allowed[i] != NULL; i++) {
		/* Names this architecture lacks (open, stat on arm64) are fine. */
		if ((nr = seccomp_syscall_resolve_name(allowed[i])) == __NR_SCMP_ERROR)
			continue;
		if (args && (nr == SCMP_SYS(clone) || nr == SCMP_SYS(socket) ||
		    nr == SCMP_SYS(socketpair) || nr == SCMP_SYS(ioctl) ||
		    nr == SCMP_SYS(prctl)))
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0) {
			snprintf(err, errsz, "seccomp: %s: %s", allowed[i], strerror(-rc));
			return -1;
		}
	}
	for (i = 0; args && i < sizeof(argrules) / sizeof(argrules[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, argrules[i].nr, 1,
		    argrules[i].cmp)) != 0) {
			snprintf(err, errsz, "seccomp: argument rule %zu: %s", i,
			    strerror(-rc));
			return -1;
		}
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) != 0 ||
	    /* The first lets the second be loaded; the second refuses any more. */
	    (!args && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 0)) != 0)) {
		snprintf(err, errsz, "seccomp: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int
sandbox_seccomp(char *err, size_t errsz)
{
	scmp_filter_ctx kill = NULL, args = NULL;
	int rc, r = -1;

	if ((kill = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL ||
	    (args = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL) {
		snprintf(err, errsz, "seccomp_init failed");
		goto out;
	}
	if (build(kill, 0, err, errsz) != 0 || build(args, 1, err, errsz) != 0)
		goto out;
	/* no_new_privs is set by the first load; the second needs no prctl. */
	if ((rc = seccomp_attr_set(args, SCMP_FLTATR_CTL_NNP, 0)) != 0 ||
	    (rc = seccomp_load(kill)) != 0 || (rc = seccomp_load(args)) != 0) {
		snprintf(err, errsz, "seccomp_load: %s", strerror(-rc));
		goto out;
	}
	r = 0;
 out:
	if (kill != NULL)
		seccomp_release(kill);
	if (args != NULL)
		seccomp_release(args);
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
