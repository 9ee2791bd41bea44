#include <config.h>
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "server.h"
#include "store.h"
#include "util.h"

void
control_handle(struct daemon *d, struct client *c, const struct proto_ctl_req *q)
{
	struct proto_msg m;
	char user[PROTO_MAX_USER + 1], text[PROTO_MAX_CTLTEXT + 1];
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_RSP;
	text[0] = '\0';
	log_safe(user, sizeof(user), q->arg);
	if (d->policy == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "no policy");
		return;
	}
	switch (q->op) {
	case PROTO_CTL_STATUS:
		policy_status(d->policy, text, sizeof(text));
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "clients: %zu\npending codes: %zu\n",
		    server_clients(d->server), d->store->ops->count(d->store));
		break;
	case PROTO_CTL_LOCKED:
		n = policy_locked(d->policy, text, sizeof(text));
		if (n == 0)
			snprintf(text, sizeof(text), "no user is locked out\n");
		break;
	case PROTO_CTL_UNLOCK:
		if (q->arg[0] == '\0') {
			client_error(c, PROTO_E_MALFORMED, 0, "unlock needs a user");
			return;
		}
		if (policy_unlock(d->policy, q->arg)) {
			log_info("unlocked: user=%s by=otpsmsctl pid=%ld", user,
			    (long)client_pid(c));
			snprintf(text, sizeof(text), "%s unlocked\n", user);
		} else {
			m.u.crsp_ctl.status = PROTO_E_NOUSER;
			snprintf(text, sizeof(text), "%s was not locked out\n", user);
		}
		break;
	default:
		client_error(c, PROTO_E_MALFORMED, 0, "unknown control operation");
		return;
	}
	snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text), "%s", text);
	client_reply(c, &m);
}
