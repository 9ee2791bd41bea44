/* Who may ask (otpsmsd.yaml(5) allow_uids, allow_groups, allow_self), decided
 * from the kernel's view of the peer (SO_PEERCRED, SO_PEERGROUPS) before a
 * byte of the request is read, and checked again against the request. */
#ifndef OTPSMS_PEER_H
#define OTPSMS_PEER_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct config;

enum peer_trust {
	PEER_REFUSED = 0,
	PEER_FULL,       /* allow_uids or allow_groups: may ask for any user */
	PEER_SELF,       /* allow_self only: may ask for its own user only */
	PEER_ADMIN,      /* root not in the lists: control requests only */
};

/* Decides on a fresh connection. Groups are the peer's own at connect time
 * (SO_PEERGROUPS and its effective gid), not looked up by name, so they
 * cannot race with a process that changes them. why: for the log. */
enum peer_trust peer_admit(const struct config *cfg, int fd, const struct ucred *cred,
    char *why, size_t whysz);

/* Who may send a message type: the "who" column of the dispatch table
 * (server.h, dispatch.c). Flags; 0 is nobody. */
enum peer_who {
	PEER_WHO_ROOT = 1,       /* uid 0 only, whatever the lists say */
	PEER_WHO_CALLERS = 2,    /* callers in allow_uids or allow_groups */
	PEER_WHO_SELF = 4,       /* allow_self callers, about their own user */
};

/* May a caller of this trust send a message that `who` may send, about
 * `user` (NULL: about no user)? 1 if so; else 0 and why. */
int peer_may_send(enum peer_trust t, uid_t uid, unsigned who, const char *user,
    char *why, size_t whysz);

#endif
