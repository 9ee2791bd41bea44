/* A request's life: dispatch by type, the client going away (the request
 * finishes quietly), the error reply, the audit line, and the end (limit
 * tokens still held go back, secrets wiped). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "request.h"
#include "server.h"
#include "util.h"

void
request_free(struct request *r)
{
	/* Nothing went out: the limit tokens held for this send go back. */
	if (r->reserved && r->d->policy != NULL)
		policy_release(r->d->policy, r->ch.user, r->to, r->reserved, 0);
	/* A code that was never checked: the guess goes back. */
	if (r->guess.held && r->d->policy != NULL)
		policy_unchecked(r->d->policy, r->ch.user, &r->guess);
	explicit_bzero(r, sizeof(*r));
	free(r);
}

void
request_wipe_secrets(struct request *r)
{
	explicit_bzero(r->code, sizeof(r->code));
	explicit_bzero(r->text, sizeof(r->text));
}

void
request_detach(struct request *r)
{
	if (r->detached != NULL) {
		r->detached(r->detached_arg);
		free(r);
		return;
	}
	r->client = NULL;
}

struct request *
request_attach_ctl(struct client *c, void (*detached)(void *), void *arg)
{
	struct request *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->client = c;
	r->type = PROTO_CTL_REQ;
	r->detached = detached;
	r->detached_arg = arg;
	client_attach(c, r);
	return r;
}

void
request_release_ctl(struct request *r)
{
	free(r);
}

/* One line per event, what an administrator greps for after an incident. */
void
request_audit(struct request *r, const char *event, const char *fmt, ...)
{
	char extra[384] = "";
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(extra, sizeof(extra), fmt, ap);
		va_end(ap);
	}
	log_info("%s: user=%s service=%s rhost=%s id=%s latency_ms=%llu%s%s",
	    event, r->user, r->service, r->rhost[0] ? r->rhost : "-", r->id_hex,
	    (unsigned long long)(now_ms() - r->start_ms), extra[0] ? " " : "", extra);
}

void
request_fail(struct request *r, unsigned code, const char *msg)
{
	request_wipe_secrets(r);
	if (r->client != NULL)
		client_error(r->client, code, 0, msg);
	request_free(r);
}

void
request_dispatch(struct daemon *d, struct client *cl, struct proto_msg *m)
{
	struct request *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	client_attach(cl, r);
	r->d = d;
	r->client = cl;
	r->type = m->type;
	r->start_ms = now_ms();
	switch (m->type) {
	case PROTO_CHALLENGE_REQ:
		log_safe(r->user, sizeof(r->user), m->u.creq.user);
		log_safe(r->service, sizeof(r->service), m->u.creq.service);
		log_safe(r->rhost, sizeof(r->rhost), m->u.creq.rhost);
		start_challenge(d, cl, r, &m->u.creq);
		return;
	case PROTO_VERIFY_REQ:
		log_safe(r->user, sizeof(r->user), m->u.vreq.user);
		snprintf(r->service, sizeof(r->service), "-");
		start_verify(d, cl, r, &m->u.vreq);
		return;
	default:
		log_warn("client pid %ld: unexpected message type %u",
		    (long)client_pid(cl), m->type);
		request_fail(r, PROTO_E_MALFORMED, "unexpected message");
		return;
	}
}
