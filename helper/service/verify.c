/* A verify: hash the answer under the code key; ask the policy for one
 * guess of the user's lockout budget (a locked user's code is not checked,
 * nor consumed); then ask the store. A wrong code counts towards the
 * user's lockout before the answer goes out. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "code.h"
#include "policy.h"
#include "request.h"
#include "server.h"
#include "util.h"
#include "verify.h"

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
		if (r->d->policy != NULL) {
			policy_answered(r->d->policy, r->ch.user, 1, &r->guess,
			    NULL, NULL);
			policy_drop_pending(r->d->policy, r->ch.user, r->ch.id);
		}
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
		/* request_free gives the guess back. */
		request_audit(r, "store failed", NULL);
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	r->vstatus = m.u.vrsp.status;
	r->vleft = m.u.vrsp.attempts_left;
	/* Wrong codes count towards the user's lockout (shared: in Redis,
	 * so the answer waits for that count). */
	if (r->d->policy != NULL && v == STORE_MAXTRIES)
		policy_drop_pending(r->d->policy, r->ch.user, r->ch.id);
	if (r->d->policy != NULL && (v == STORE_WRONG || v == STORE_MAXTRIES))
		policy_answered(r->d->policy, r->ch.user, 0, &r->guess,
		    on_counted, r);
	else
		reply_verified(r);    /* an unchecked guess goes back there */
}

/* The policy's answer: a locked user's code is not looked at, so it is
 * not consumed either; the module says when to try again. */
static void
on_guess(void *arg, int e, unsigned retry)
{
	struct request *r = arg;
	const uint8_t *mac;

	if (e != 0) {
		request_audit(r, e == PROTO_E_LOCKED ? "verify refused" :
		    "verify failed", "reason=\"%s\" retry_after=%u",
		    e == PROTO_E_LOCKED ? "locked out after wrong codes" :
		    "lockout state unavailable", retry);
		explicit_bzero(r->ch.mac, sizeof(r->ch.mac));
		if (r->client != NULL)
			client_error(r->client, (unsigned)e, retry,
			    e == PROTO_E_LOCKED ? "user locked out" :
			    "lockout state unavailable");
		request_free(r);
		return;
	}
	/* The store takes its copy; r may be gone after this. */
	mac = r->ch.mac;
	r->d->store->ops->verify(r->d->store, r->ch.id, r->ch.user, r->ch.uid,
	    mac, now_ms(), on_verified, r);
}

static void
start_verify(struct daemon *d, struct client *cl, struct request *r,
    struct proto_verify_req *q)
{
	memcpy(r->ch.id, q->id, PROTO_ID_LEN);
	code_id_hex(q->id, r->id_hex);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);    /* lockout key */
	r->ch.uid = client_uid(cl);
	/* The answer's MAC waits in r (wiped with it) while the policy is
	 * asked; the typed code goes now. */
	if (code_mac(q->id, q->user, r->ch.uid, q->code, r->ch.mac) != 0) {
		explicit_bzero(q->code, sizeof(q->code));
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	explicit_bzero(q->code, sizeof(q->code));
	r->client = cl;
	if (d->policy != NULL)
		policy_ask_verify(d->policy, r->ch.user, &r->guess, on_guess, r);
	else
		on_guess(r, 0, 0);
}

void
verify_handle(struct daemon *d, struct client *cl, struct proto_msg *m)
{
	struct request *r;

	if ((r = request_new(d, cl, m->type)) == NULL) {
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	log_safe(r->user, sizeof(r->user), m->u.vreq.user);
	snprintf(r->service, sizeof(r->service), "-");
	start_verify(d, cl, r, &m->u.vreq);
}
