/* The seccomp filter (helper/privsep/sandbox.c) from the inside: each probe runs
 * in a child that loads the daemon's filter and makes one call; the parent
 * reads what happened. Refused: namespaces (clone flags, unshare, setns,
 * clone3 as ENOSYS), netlink and packet sockets, ioctls and prctls outside
 * the daemon's own. Still allowed: the sockets, ioctls and threads the
 * daemon uses. Skips in a build without seccomp. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "sandbox.h"
#include "tap.h"

#ifdef HAVE_SECCOMP

/* What the child saw, as its exit status. */
enum { P_ALLOWED = 0, P_EPERM = 1, P_ENOSYS = 2, P_OTHER = 3, P_NOFILTER = 4 };

static int
outcome(long rc)
{
	if (rc >= 0)
		return P_ALLOWED;
	if (errno == EPERM)
		return P_EPERM;
	if (errno == ENOSYS)
		return P_ENOSYS;
	return P_OTHER;
}

static void *
thread_main(void *arg)
{
	return arg;
}

/* One call under the filter; returns its outcome code. */
static int
probe(int which)
{
	struct clone_args ca;
	pthread_t t;
	int fd, n, sv[2];
	long rc = -1;

	switch (which) {
	case 0: rc = unshare(CLONE_NEWUSER); break;
	case 1: rc = unshare(CLONE_NEWNET); break;
	case 2: rc = setns(0, CLONE_NEWNET); break;
	case 3: case 4: case 5: case 6: case 7: case 8: case 9: {
		static const unsigned long f[] = { CLONE_NEWUSER, CLONE_NEWNS,
		    CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS,
		    CLONE_NEWCGROUP };
		/* A raw clone: were it allowed, the new child just exits. */
		rc = syscall(SYS_clone, f[which - 3] | SIGCHLD, 0, 0, 0, 0);
		if (rc == 0)
			_exit(P_ALLOWED);
		break;
	}
	case 10:
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_NEWUSER;
		ca.exit_signal = SIGCHLD;
		rc = syscall(SYS_clone3, &ca, sizeof(ca));
		if (rc == 0)
			_exit(P_ALLOWED);
		break;
	case 11: rc = socket(AF_NETLINK, SOCK_RAW, 0); break;
	case 12: rc = socket(AF_PACKET, SOCK_RAW, 0); break;
	case 13: rc = socketpair(AF_INET, SOCK_STREAM, 0, sv); break;
	case 14: rc = ioctl(0, TIOCSTI, "x"); break;
	/* The kernel reads the request as 32 bits: high bits hide nothing. */
	case 27: rc = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), "x"); break;
	case 15: rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0); break;
	case 16: rc = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0); break;
	case 17: rc = prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); break;
	case 18: rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL); break;
	/* What the daemon does. */
	case 19: rc = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); break;
	case 20: rc = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0); break;
	case 21: rc = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); break;
	case 22: rc = socketpair(AF_UNIX, SOCK_STREAM, 0, sv); break;
	case 23:
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1)
			rc = ioctl(fd, FIONREAD, &n);
		break;
	case 24: {
		int on = 1;

		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1)
			rc = ioctl(fd, FIONBIO, &on);
		break;
	}
	case 25: rc = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); break;
	case 28:
		if ((rc = fork()) == 0)
			_exit(P_ALLOWED);
		break;
	case 26:
		/* clone3 says ENOSYS, glibc falls back to clone: threads work. */
		if ((errno = pthread_create(&t, NULL, thread_main, NULL)) == 0 &&
		    (errno = pthread_join(t, NULL)) == 0)
			rc = 0;
		break;
	}
	return outcome(rc);
}

static const struct {
	const char *what;
	int want;          /* an outcome, or -SIGSYS: killed */
} probes[] = {
	{ "unshare(CLONE_NEWUSER)", -SIGSYS },
	{ "unshare(CLONE_NEWNET)", -SIGSYS },
	{ "setns", -SIGSYS },
	{ "clone(CLONE_NEWUSER)", P_EPERM },
	{ "clone(CLONE_NEWNS)", P_EPERM },
	{ "clone(CLONE_NEWNET)", P_EPERM },
	{ "clone(CLONE_NEWPID)", P_EPERM },
	{ "clone(CLONE_NEWIPC)", P_EPERM },
	{ "clone(CLONE_NEWUTS)", P_EPERM },
	{ "clone(CLONE_NEWCGROUP)", P_EPERM },
	{ "clone3 (flags unreadable by a filter)", P_ENOSYS },
	{ "socket(AF_NETLINK)", P_EPERM },
	{ "socket(AF_PACKET)", P_EPERM },
	{ "socketpair(AF_INET)", P_EPERM },
	{ "ioctl(TIOCSTI)", P_EPERM },
	{ "prctl(PR_SET_SECCOMP)", P_EPERM },
	{ "prctl(PR_CAP_AMBIENT)", P_EPERM },
	{ "prctl(PR_SET_DUMPABLE, 1)", P_EPERM },
	{ "seccomp(SECCOMP_SET_MODE_STRICT)", P_EPERM },
	{ "socket(AF_INET)", P_ALLOWED },
	{ "socket(AF_INET6)", P_ALLOWED },
	{ "socket(AF_UNIX)", P_ALLOWED },
	{ "socketpair(AF_UNIX)", P_ALLOWED },
	{ "ioctl(FIONREAD)", P_ALLOWED },
	{ "ioctl(FIONBIO) (not one the daemon makes)", P_EPERM },
	{ "prctl(PR_GET_DUMPABLE) (no prctl at all)", P_EPERM },
	{ "pthread_create (clone)", P_ALLOWED },
	{ "ioctl(TIOCSTI | 1 << 32)", P_EPERM },
	{ "fork (a clone that is not a thread)", P_EPERM },
};

static const char *
describe(int st, char *buf, size_t bufsz)
{
	static const char *const names[] = { "allowed", "EPERM", "ENOSYS",
	    "another error", "no filter loaded" };

	if (st < 0)
		snprintf(buf, bufsz, "killed by signal %d", -st);
	else
		snprintf(buf, bufsz, "%s", st <= P_NOFILTER ? names[st] : "?");
	return buf;
}

int
main(void)
{
	char err[256], got[64], want[64];
	size_t i;
	pid_t pid;
	int st, r;

	/* The filter as the daemon loads it; the test runs as root, so without
	 * it clone(CLONE_NEW*), unshare and PR_SET_SECCOMP would succeed. */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		fflush(stdout);
		if ((pid = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (sandbox_seccomp(err, sizeof(err)) != 0)
				_exit(P_NOFILTER);
			_exit(probe((int)i));
		}
		while ((r = waitpid(pid, &st, 0)) == -1 && errno == EINTR)
			;
		if (r == -1)
			st = P_OTHER;
		else if (WIFSIGNALED(st))
			st = -WTERMSIG(st);
		else
			st = WEXITSTATUS(st);
		ok(st == probes[i].want, "%s under the filter: %s (want %s)",
		    probes[i].what, describe(st, got, sizeof(got)),
		    describe(probes[i].want, want, sizeof(want)));
	}
	return done_testing();
}
#else
int
main(void)
{
	printf("1..0 # SKIP built without seccomp (./configure --with-seccomp)\n");
	return 0;
}
#endif
