/* One request/reply exchange with otpsmsd over its Unix socket: check the
 * socket and the peer, send one frame, read one frame, close. Shared by the
 * PAM module, otpsmsctl and the tests' client; it never logs or exits (the
 * module links it), reasons go to the caller's buffer. */
#ifndef OTPSMS_DAEMON_CLIENT_H
#define OTPSMS_DAEMON_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define CLIENT_OK 0
#define CLIENT_ENOSOCK (-1)     /* the socket path does not exist */
#define CLIENT_EUNSAFE (-2)     /* not a socket, or owned by someone else */
#define CLIENT_ECONNECT (-3)    /* connect refused or failed */
#define CLIENT_EPEER (-4)       /* the listener runs as someone else */
#define CLIENT_ETIMEOUT (-5)    /* the deadline passed */
#define CLIENT_EIO (-6)         /* send/recv failed or early close */
#define CLIENT_EPROTO (-7)      /* the reply is not one valid frame */
#define CLIENT_EVERSION (-8)    /* the reply speaks another version */
#define CLIENT_ENOMEM (-9)
#define CLIENT_ENOUSER (-10)    /* daemon_user does not exist */

struct client_cfg {
	const char *socket;
	int timeout_ms;         /* bounds connect + send + receive together */
	uid_t daemon_uid;       /* the only owner/peer accepted besides root */
};

/* Looks up the uid of name. CLIENT_OK, CLIENT_ENOUSER or CLIENT_ENOMEM. */
int client_lookup_uid(const char *name, uid_t *uid);

/* Sends req and decodes the single reply into rsp. On failure returns a
 * CLIENT_E* code and a short reason in err (never any message content). */
int client_exchange(const struct client_cfg *cfg, const struct proto_msg *req,
    struct proto_msg *rsp, char *err, size_t errsz);

/* The same with a frame already encoded (or deliberately malformed, for
 * tests): sent as it is. client_exchange is this after proto_encode. */
int client_exchange_frame(const struct client_cfg *cfg, const uint8_t *frame,
    size_t len, struct proto_msg *rsp, char *err, size_t errsz);

const char *client_strerror(int r);

#endif
