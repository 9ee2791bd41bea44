/* The trust boundary in one place, the way OpenSSH's monitor reads
 * (monitor.c, mon_dispatch_proto20): one row per request type the daemon
 * serves, saying who may send it and which function handles it. The
 * server (server_decide) looks a request up here after admitting its
 * caller (peer_admit); a type with no row is answered as unexpected (to a
 * caller in allow_uids or allow_groups) or refused (to anyone else), so a
 * reply type sent as a request reaches no handler.
 *
 * Who (peer.h):
 *   PEER_WHO_ROOT     uid 0 only (SO_PEERCRED), whatever the lists say;
 *   PEER_WHO_CALLERS  callers in allow_uids or allow_groups;
 *   PEER_WHO_SELF     allow_self callers, about the user their uid has
 *                     now (the row's user function names it). */
#include <config.h>

#include "challenge.h"
#include "control.h"
#include "dispatch.h"
#include "peer.h"
#include "proto.h"
#include "server.h"
#include "verify.h"

static const char *
challenge_user(const struct proto_msg *m)
{
	return m->u.creq.user;
}

static const char *
verify_user(const struct proto_msg *m)
{
	return m->u.vreq.user;
}

static const char *
backup_user(const struct proto_msg *m)
{
	return m->u.breq.user;
}

const struct server_handler dispatch_table[] = {
	/* type                 who                                 about           handler */
	{ PROTO_CHALLENGE_REQ, PEER_WHO_CALLERS | PEER_WHO_SELF, challenge_user, challenge_handle },
	{ PROTO_VERIFY_REQ,    PEER_WHO_CALLERS | PEER_WHO_SELF, verify_user,    verify_handle },
	{ PROTO_CTL_REQ,       PEER_WHO_ROOT,                    NULL,           control_handle },
	{ PROTO_BACKUP_VERIFY_REQ, PEER_WHO_CALLERS | PEER_WHO_SELF, backup_user, backup_verify_handle },
};

const size_t dispatch_table_len = sizeof(dispatch_table) / sizeof(dispatch_table[0]);
