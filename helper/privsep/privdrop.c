#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "privdrop.h"

int
privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errsz)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errsz, "user %s: %s", name,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
privdrop(uid_t uid, gid_t gid, char *err, size_t errsz)
{
	uid_t ru, eu, su;

	if (geteuid() != 0) {
		if (getuid() != uid || geteuid() != uid) {
			snprintf(err, errsz, "running as uid %u, not as the configured "
			    "user (uid %u) nor as root", (unsigned)geteuid(), (unsigned)uid);
			return -1;
		}
		return 0;
	}
	if (uid == 0) {
		snprintf(err, errsz, "refusing to run as root: set user: to an "
		    "unprivileged account");
		return -1;
	}
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errsz, "dropping privileges: %s", strerror(errno));
		return -1;
	}
	/* Paranoia, as OpenSSH's permanently_set_uid: root must be gone. */
	if (setuid(0) != -1 || seteuid(0) != -1 ||
	    getresuid(&ru, &eu, &su) == -1 || ru != uid || eu != uid || su != uid) {
		snprintf(err, errsz, "dropping privileges: root could be regained");
		return -1;
	}
	return 0;
}

void
privdrop_nodump(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
