/* A verify: hash the answer under the code key and ask the store; a wrong
 * code counts towards the user's lockout before the answer goes out. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "code.h"
#include "policy.h"
#include "request.h"
#include "server.h"
#include "util.h"

static void
reply_verified(struct request *r)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	m.u.vrsp.status = r->vstatus;
	m.u.vrsp.attempts_left = r->vleft;
	if (r->client != NULL)
		client_reply(r->client, &m);
	request_free(r);
}

/* A wrong code was counted towards the user's lockout. */
static void
on_counted(void *arg, unsigned lock)
{
	struct request *r = arg;

	if (lock != 0)
		request_audit(r, "locked out",
		    "reason=\"too many wrong codes\" retry_after=%u", lock);
	reply_verified(r);
}

static void
on_verified(void *arg, enum store_verdict v, unsigned left, const char *service)
{
	struct request *r = arg;
	struct proto_msg m;

	log_safe(r->service, sizeof(r->service), service[0] ? service : "-");
	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	switch (v) {
	case STORE_OK:
		request_audit(r, "verified", NULL);
		m.u.vrsp.status = PROTO_V_OK;
		if (r->d->policy != NULL)
			policy_answered(r->d->policy, r->ch.user, 1, NULL, NULL);
		break;
	case STORE_WRONG:
		request_audit(r, "wrong code", "attempts_left=%u", left);
		m.u.vrsp.status = PROTO_V_WRONG;
		m.u.vrsp.attempts_left = left;
		break;
	case STORE_MAXTRIES:
		request_audit(r, "wrong code",
		    "attempts_left=0 reason=\"code burned\"");
		m.u.vrsp.status = PROTO_V_MAXTRIES;
		break;
	case STORE_EXPIRED:
		request_audit(r, "expired",
		    "reason=\"unknown, expired or used challenge\"");
		m.u.vrsp.status = PROTO_V_EXPIRED;
		break;
	case STORE_ERROR:
	default:
		request_audit(r, "store failed", NULL);
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	r->vstatus = m.u.vrsp.status;
	r->vleft = m.u.vrsp.attempts_left;
	/* Wrong codes count towards the user's lockout (shared: in Redis,
	 * so the answer waits for that count). */
	if (r->d->policy != NULL && (v == STORE_WRONG || v == STORE_MAXTRIES))
		policy_answered(r->d->policy, r->ch.user, 0, on_counted, r);
	else
		reply_verified(r);
}

void
start_verify(struct daemon *d, struct client *cl, struct request *r,
    struct proto_verify_req *q)
{
	uint8_t mac[STORE_MAC_LEN];

	memcpy(r->ch.id, q->id, PROTO_ID_LEN);
	code_id_hex(q->id, r->id_hex);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);    /* lockout key */
	if (code_mac(q->id, q->user, q->code, mac) != 0) {
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	explicit_bzero(q->code, sizeof(q->code));
	r->client = cl;
	d->store->ops->verify(d->store, q->id, q->user, client_uid(cl), mac, now_ms(),
	    on_verified, r);
	explicit_bzero(mac, sizeof(mac));
}

