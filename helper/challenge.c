/* The two requests. A challenge: look the number up, make a code, store its
 * keyed hash, render the text, and try the carriers in order until one
 * accepts. A verify: hash the answer under the same key and ask the store. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "challenge.h"
#include "code.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "util.h"

struct request {
	struct daemon *d;
	struct client *client;       /* NULL once detached */
	int type;
	uint64_t start_ms;
	/* challenge */
	struct challenge ch;
	char code[16];               /* secret: wiped as soon as it is sent */
	char text[TEMPLATE_MAX];     /* secret: holds the code */
	char to[20];
	char masked[PROTO_MAX_MASKED + 1];
	size_t carrier;              /* index of the carrier being tried */
	/* for the audit line, already log-safe */
	char user[PROTO_MAX_USER + 1];
	char service[PROTO_MAX_SERVICE + 1];
	char rhost[PROTO_MAX_RHOST + 1];
	char id_hex[17];
};

static void
request_free(struct request *r)
{
	explicit_bzero(r, sizeof(*r));
	free(r);
}

static void
wipe_secrets(struct request *r)
{
	explicit_bzero(r->code, sizeof(r->code));
	explicit_bzero(r->text, sizeof(r->text));
}

void
request_detach(struct request *r)
{
	r->client = NULL;
}

static void
audit(struct request *r, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line per event, what an administrator greps for after an incident. */
static void
audit(struct request *r, const char *event, const char *fmt, ...)
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

static void
finish_error(struct request *r, unsigned code, const char *msg)
{
	wipe_secrets(r);
	if (r->client != NULL)
		client_error(r->client, code, 0, msg);
	request_free(r);
}

static void try_carrier(struct request *r);

static void
on_sent(void *arg, const struct carrier_result *res)
{
	struct request *r = arg;
	struct carrier *c = r->d->cfg->carriers[r->carrier];
	struct proto_msg m;

	switch (res->status) {
	case CARRIER_ACCEPTED:
		wipe_secrets(r);
		audit(r, "code sent", "to=%s carrier=%s ref=%s", r->masked, c->name,
		    res->ref[0] ? res->ref : "-");
		if (r->client != NULL) {
			memset(&m, 0, sizeof(m));
			m.type = PROTO_CHALLENGE_RSP;
			memcpy(m.u.crsp.id, r->ch.id, PROTO_ID_LEN);
			snprintf(m.u.crsp.masked, sizeof(m.u.crsp.masked), "%s", r->masked);
			m.u.crsp.ttl = r->d->cfg->ttl_ms / 1000;
			m.u.crsp.digits = r->d->cfg->digits;
			m.u.crsp.channels = PROTO_CH_SMS;
			client_reply(r->client, &m);
		}
		request_free(r);
		return;
	case CARRIER_PERMANENT:
		audit(r, "send refused", "to=%s carrier=%s reason=\"%s\"", r->masked,
		    c->name, res->detail);
		finish_error(r, PROTO_E_NUMBER, "number cannot receive codes");
		return;
	case CARRIER_RETRY:
	case CARRIER_FAILOVER:
		log_warn("carrier %s failed for user=%s to=%s: %s%s", c->name, r->user,
		    r->masked, res->detail, r->carrier + 1 < r->d->cfg->n_carriers ?
		    "; trying the next carrier" : "");
		r->carrier++;
		try_carrier(r);
		return;
	}
}

static void
try_carrier(struct request *r)
{
	struct config *cfg = r->d->cfg;
	struct carrier_msg msg;
	struct carrier *c;

	for (; r->carrier < cfg->n_carriers; r->carrier++) {
		c = cfg->carriers[r->carrier];
		msg.channel = PROTO_CH_SMS;
		msg.to = r->to;
		msg.text = r->text;
		msg.user = r->user;
		/* done may run before send returns: r may be gone after this. */
		if (c->ops->send(c, &msg, on_sent, r) == 0)
			return;
		log_warn("carrier %s could not start a send", c->name);
	}
	audit(r, "send failed", "to=%s reason=\"no carrier accepted the message\"",
	    r->masked);
	finish_error(r, PROTO_E_DELIVERY, "no carrier accepted the message");
}

static void
on_stored(void *arg, int ok)
{
	struct request *r = arg;

	if (!ok) {
		audit(r, "store failed", NULL);
		finish_error(r, PROTO_E_INTERNAL, "cannot store the challenge");
		return;
	}
	try_carrier(r);
}

/* A new code: make it, store its hash, render the text, send it. */
static void
issue_new(struct request *r)
{
	struct config *cfg = r->d->cfg;
	struct template_vars tv;
	uint64_t now = now_ms();

	if (code_random_id(r->ch.id) != 0 ||
	    code_generate(r->code, sizeof(r->code), cfg->digits) != 0 ||
	    code_mac(r->ch.id, r->ch.user, r->code, r->ch.mac) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "cannot make a code");
		return;
	}
	code_id_hex(r->ch.id, r->id_hex);
	tv.code = r->code;
	tv.host = cfg->host;
	tv.ttl_s = cfg->ttl_ms / 1000;
	tv.user = r->user;
	tv.service = r->service;
	if (template_render(r->text, sizeof(r->text), cfg->message, &tv) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "message too long");
		return;
	}
	r->ch.created_ms = now;
	r->ch.expires_ms = now + cfg->ttl_ms;
	r->ch.attempts_left = cfg->max_attempts;
	/* Stored before it is sent: never text a code we could not check. The
	 * callbacks may finish (and free) r before put returns. */
	r->d->store->ops->put(r->d->store, &r->ch, on_stored, r);
}

/* One login, one SMS: a retry of the same login reuses the pending code. */
static void
on_pending(void *arg, const struct challenge *c)
{
	struct request *r = arg;
	struct proto_msg m;
	uint64_t now = now_ms();

	if (c == NULL || now - c->created_ms >= r->d->cfg->reuse_window_ms) {
		issue_new(r);
		return;
	}
	code_id_hex(c->id, r->id_hex);
	audit(r, "code reused", "to=%s attempts_left=%u", r->masked, c->attempts_left);
	if (r->client != NULL) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CHALLENGE_RSP;
		memcpy(m.u.crsp.id, c->id, PROTO_ID_LEN);
		snprintf(m.u.crsp.masked, sizeof(m.u.crsp.masked), "%s", r->masked);
		m.u.crsp.ttl = (uint32_t)((c->expires_ms - now + 999) / 1000);
		m.u.crsp.digits = r->d->cfg->digits;
		m.u.crsp.flags = PROTO_CF_REUSED;
		m.u.crsp.channels = PROTO_CH_SMS;
		client_reply(r->client, &m);
	}
	request_free(r);
}

static void
start_challenge(struct daemon *d, struct client *cl, struct request *r,
    const struct proto_challenge_req *q)
{
	struct config *cfg = d->cfg;
	const struct user_entry *u;

	if ((u = config_find_user(cfg, q->user)) == NULL) {
		audit(r, "refused", "reason=\"no number for user\"");
		finish_error(r, PROTO_E_NOUSER, "no phone number for user");
		return;
	}
	snprintf(r->to, sizeof(r->to), "%s", u->number);
	mask_number(r->masked, sizeof(r->masked), u->number);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);
	snprintf(r->ch.service, sizeof(r->ch.service), "%s", q->service);
	r->ch.uid = client_uid(cl);
	if (cfg->reuse_window_ms == 0) {
		issue_new(r);
		return;
	}
	d->store->ops->find_pending(d->store, r->ch.user, r->ch.service, r->ch.uid,
	    now_ms(), on_pending, r);
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
		audit(r, "verified", NULL);
		m.u.vrsp.status = PROTO_V_OK;
		break;
	case STORE_WRONG:
		audit(r, "wrong code", "attempts_left=%u", left);
		m.u.vrsp.status = PROTO_V_WRONG;
		m.u.vrsp.attempts_left = left;
		break;
	case STORE_MAXTRIES:
		audit(r, "wrong code", "attempts_left=0 reason=\"code burned\"");
		m.u.vrsp.status = PROTO_V_MAXTRIES;
		break;
	case STORE_EXPIRED:
		audit(r, "expired", "reason=\"unknown, expired or used challenge\"");
		m.u.vrsp.status = PROTO_V_EXPIRED;
		break;
	case STORE_ERROR:
	default:
		audit(r, "store failed", NULL);
		finish_error(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	if (r->client != NULL)
		client_reply(r->client, &m);
	request_free(r);
}

static void
start_verify(struct daemon *d, struct client *cl, struct request *r,
    struct proto_verify_req *q)
{
	uint8_t mac[STORE_MAC_LEN];

	memcpy(r->ch.id, q->id, PROTO_ID_LEN);
	code_id_hex(q->id, r->id_hex);
	if (code_mac(q->id, q->user, q->code, mac) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	explicit_bzero(q->code, sizeof(q->code));
	r->client = cl;
	d->store->ops->verify(d->store, q->id, q->user, client_uid(cl), mac, now_ms(),
	    on_verified, r);
	explicit_bzero(mac, sizeof(mac));
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
		finish_error(r, PROTO_E_MALFORMED, "unexpected message");
		return;
	}
}
