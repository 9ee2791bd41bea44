#include <config.h>
#include "conf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

#define PEER_GROUPS_MAX 65536

/* 1 if the peer's egid or a supplementary group is in allow_groups. */
static int
groups_allowed(const struct config *cfg, int fd, const struct ucred *cred)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	size_t i, n;
	int r = 0;

	if (cfg->n_allow_gids == 0)
		return 0;
	if (config_gid_allowed(cfg, cred->gid))
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		if (errno != ERANGE || len > PEER_GROUPS_MAX * sizeof(gid_t) ||
		    (g = malloc(len)) == NULL)
			return 0;    /* unknown groups: not allowed by group */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1)
			goto out;
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !r; i++)
		r = config_gid_allowed(cfg, g[i]);
 out:
	if (g != small)
		free(g);
	return r;
}

enum peer_trust
peer_admit(const struct config *cfg, int fd, const struct ucred *cred,
    char *why, size_t whysz)
{
	why[0] = '\0';
	if (config_uid_allowed(cfg, cred->uid) || groups_allowed(cfg, fd, cred))
		return PEER_FULL;
	if (cred->uid == 0)
		return PEER_ADMIN;
	if (cfg->allow_self)
		return PEER_SELF;
	snprintf(why, whysz, "not in allow_uids or allow_groups");
	return PEER_REFUSED;
}

int
peer_may_send(enum peer_trust t, uid_t uid, unsigned who, const char *user,
    char *why, size_t whysz)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r = 0;

	why[0] = '\0';
	if (who & PEER_WHO_ROOT) {
		if (uid == 0)
			return 1;
		snprintf(why, whysz, "control requests are for root only");
		goto out;
	}
	if (t == PEER_FULL && (who & PEER_WHO_CALLERS))
		return 1;
	if (t == PEER_ADMIN) {
		snprintf(why, whysz, "root is not in allow_uids: control requests only");
		goto out;
	}
	if (t != PEER_SELF || !(who & PEER_WHO_SELF) || user == NULL) {
		snprintf(why, whysz, "not allowed");
		goto out;
	}
	/* The name the system gives this uid now, not one the caller claims. */
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(why, whysz, "uid has no user name");
		goto out;
	}
	if (strcmp(pw.pw_name, user) != 0) {
		snprintf(why, whysz, "allow_self: may ask for its own user only");
		goto out;
	}
	r = 1;
 out:
	return r;
}
