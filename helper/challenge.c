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
#include "loop.h"
#include "policy.h"
#include "route.h"
#include "seal.h"
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
	/* delivery: try_carrier and on_sent */
	const struct route *route;   /* NULL: the carriers in order */
	struct carrier *const *cars; /* the route's carriers, in order */
	size_t n_cars;
	size_t carrier;              /* index in cars of the one being tried */
	int routed;                  /* route chosen, text rendered for it */
	int pass;                    /* 0: skip open breakers; 1: only those */
	uint32_t skipped;            /* bit i: cars[i] skipped on pass 0 */
	unsigned retries;            /* RETRY answers from cars[carrier] */
	unsigned channel;            /* PROTO_CH_*; 0 is SMS */
	struct loop_timer backoff;   /* before retrying a throttled carrier */
	/* for the audit line, already log-safe */
	char user[PROTO_MAX_USER + 1];
	char service[PROTO_MAX_SERVICE + 1];
	char rhost[PROTO_MAX_RHOST + 1];
	char id_hex[17];
	int resend;                  /* the pending code, sent again */
	int reserved;                /* POLICY_HELD_*: where its limit tokens are */
	/* verify: the answer, sent once a wrong code is counted */
	uint32_t vstatus;
	unsigned vleft;
	uint32_t flags;              /* the challenge request's PROTO_RF_* */
	/* request_attach_ctl: a stand-in for control.c's test-send */
	void (*detached)(void *);
	void *detached_arg;
};

static void
request_free(struct request *r)
{
	/* Nothing went out: the limit tokens held for this send go back. */
	if (r->reserved && r->d->policy != NULL)
		policy_release(r->d->policy, r->ch.user, r->to, r->reserved, 0);
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
static void on_sent(void *arg, const struct carrier_result *res);

/* Seconds a pending challenge has left, rounded up. */
static uint32_t
ttl_left(const struct challenge *c)
{
	uint64_t now = now_ms();

	return c->expires_ms > now ?
	    (uint32_t)((c->expires_ms - now + 999) / 1000) : 0;
}

/* The channels the number's carriers can send on, for a later resend. */
static unsigned
route_channels(const struct request *r)
{
	unsigned ch = 0;
	size_t i;

	for (i = 0; i < r->n_cars; i++)
		ch |= carrier_channels(r->cars[i]);
	return ch ? ch : PROTO_CH_SMS;
}

/* Starts one send through cars[carrier]; 0 if on_sent will be called. */
static int
send_current(struct request *r)
{
	struct carrier *c = r->cars[r->carrier];
	const struct route *rt = r->route;
	struct carrier_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.channel = r->channel ? r->channel : PROTO_CH_SMS;
	msg.to = r->to;
	msg.text = r->text;
	msg.code = r->code;
	msg.user = r->user;
	if (rt != NULL) {
		msg.from = rt->from;
		msg.dlt_entity_id = rt->dlt_entity_id;
		msg.dlt_template_id = rt->dlt_template_id;
		msg.language = rt->language;
		msg.voice = rt->voice;
	}
	/* done may run before send returns: r may be gone after this. */
	if (c->ops->send(c, &msg, on_sent, r) == 0)
		return 0;
	log_warn("carrier %s could not start a send", c->name);
	route_breaker_done(c, CARRIER_FAILOVER, "could not start a send", now_ms());
	return -1;
}

static void
on_backoff(void *arg)
{
	struct request *r = arg;

	if (send_current(r) == 0)
		return;
	r->carrier++;
	r->retries = 0;
	try_carrier(r);
}

static void
on_sent(void *arg, const struct carrier_result *res)
{
	struct request *r = arg;
	struct carrier *c = r->cars[r->carrier];
	struct proto_msg m;
	unsigned ms;

	/* Throttled: the same carrier again after a short, growing pause. */
	if (res->status == CARRIER_RETRY && r->retries < c->retries) {
		r->retries++;
		c->health.retried++;
		ms = route_backoff_ms(c, r->retries);
		log_warn("carrier %s throttled for user=%s to=%s: %s; retry %u of %u "
		    "in %u ms", c->name, r->user, r->masked, res->detail, r->retries,
		    c->retries, ms);
		if (loop_timer_set(r->d->loop, &r->backoff, ms) == 0)
			return;
	}
	route_breaker_done(c, res->status, res->detail, now_ms());
	switch (res->status) {
	case CARRIER_ACCEPTED:
		wipe_secrets(r);
		audit(r, "code sent", "to=%s carrier=%s ref=%s", r->masked, c->name,
		    res->ref[0] ? res->ref : "-");
		if (r->d->policy != NULL)    /* limits count what went out */
			policy_release(r->d->policy, r->ch.user, r->to, r->reserved, 1);
		r->reserved = 0;
		if (r->client != NULL) {
			memset(&m, 0, sizeof(m));
			m.type = PROTO_CHALLENGE_RSP;
			memcpy(m.u.crsp.id, r->ch.id, PROTO_ID_LEN);
			snprintf(m.u.crsp.masked, sizeof(m.u.crsp.masked), "%s", r->masked);
			m.u.crsp.ttl = r->resend ? ttl_left(&r->ch) :
			    r->d->cfg->ttl_ms / 1000;
			m.u.crsp.digits = r->d->cfg->digits;
			m.u.crsp.channels = route_channels(r);
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
		    r->masked, res->detail, r->carrier + 1 < r->n_cars ?
		    "; trying the next carrier" : "");
		r->carrier++;
		r->retries = 0;
		try_carrier(r);
		return;
	}
}

/* Picks the number's route once, and renders its own message if it has one
 * (r->code is still here: it is wiped only once the text went out). */
static int
route_request(struct request *r)
{
	struct config *cfg = r->d->cfg;
	struct template_vars tv;

	r->route = route_lookup(cfg, r->to);
	r->cars = route_carriers(cfg, r->route, &r->n_cars);
	loop_timer_init(&r->backoff, on_backoff, r);
	r->routed = 1;
	if (r->route == NULL || r->route->message == NULL)
		return 0;
	tv.code = r->code;
	tv.host = cfg->host;
	tv.ttl_s = cfg->ttl_ms / 1000;
	tv.user = r->user;
	tv.service = r->service;
	return template_render_origin(r->text, sizeof(r->text), r->route->message, &tv,
	    route_webotp_domain(cfg, r->route));
}

/* The carriers of the route in order, skipping those whose breaker is open;
 * when every one was skipped or failed, the skipped ones get a last chance
 * rather than failing the login outright. */
static void
try_carrier(struct request *r)
{
	unsigned ch = r->channel ? r->channel : PROTO_CH_SMS;
	struct carrier *c;

	if (!r->routed && route_request(r) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "message too long");
		return;
	}
	for (;;) {
		if (r->carrier >= r->n_cars) {
			if (r->pass != 0 || r->skipped == 0)
				break;
			log_warn("user=%s to=%s: every other carrier failed; trying "
			    "those cooling down after failures", r->user, r->masked);
			r->pass = 1;
			r->carrier = 0;
			continue;
		}
		c = r->cars[r->carrier];
		if (!(carrier_channels(c) & ch) ||
		    (r->pass == 1 && !(r->skipped & (1u << r->carrier)))) {
			r->carrier++;
			continue;
		}
		if (r->pass == 0 && !route_breaker_allow(c, now_ms())) {
			log_debug("carrier %s: circuit open, skipped", c->name);
			r->skipped |= 1u << r->carrier;
			r->carrier++;
			continue;
		}
		if (send_current(r) == 0)
			return;
		r->carrier++;
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
	    code_mac(r->ch.id, r->ch.user, r->code, r->ch.mac) != 0 ||
	    seal_code(r->ch.id, r->code, r->ch.sealed) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "cannot make a code");
		return;
	}
	code_id_hex(r->ch.id, r->id_hex);
	tv.code = r->code;
	tv.host = cfg->host;
	tv.ttl_s = cfg->ttl_ms / 1000;
	tv.user = r->user;
	tv.service = r->service;
	if (template_render_origin(r->text, sizeof(r->text), cfg->message, &tv,
	    route_webotp_domain(cfg, route_lookup(cfg, r->to))) != 0) {
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

/* The channels the number's carriers can send on, when nothing is sent. */
static unsigned
number_channels(const struct request *r)
{
	struct carrier *const *cars;
	unsigned ch = 0;
	size_t i, n = 0;

	cars = route_carriers(r->d->cfg, route_lookup(r->d->cfg, r->to), &n);
	for (i = 0; i < n; i++)
		ch |= carrier_channels(cars[i]);
	return ch ? ch : PROTO_CH_SMS;
}

/* A resend asked for at the prompt: the same pending code, through the
 * carriers again (on the channel asked for), attempts not reset. With nothing
 * pending (expired, used, burned) it is a first request: a new code. */
static void
on_resend_pending(void *arg, const struct challenge *c)
{
	struct request *r = arg;
	struct config *cfg = r->d->cfg;
	struct template_vars tv;

	if (c == NULL) {
		issue_new(r);
		return;
	}
	r->ch = *c;
	code_id_hex(c->id, r->id_hex);
	if (seal_open(c->id, c->sealed, r->code, sizeof(r->code)) != 0) {
		/* Not kept (a store without the seal) or not ours. */
		audit(r, "resend failed", "reason=\"code not kept\"");
		finish_error(r, PROTO_E_INTERNAL, "cannot resend the code");
		return;
	}
	tv.code = r->code;
	tv.host = cfg->host;
	tv.ttl_s = ttl_left(c);
	tv.user = r->user;
	tv.service = r->service;
	if (template_render_origin(r->text, sizeof(r->text), cfg->message, &tv,
	    route_webotp_domain(cfg, route_lookup(cfg, r->to))) != 0) {
		finish_error(r, PROTO_E_INTERNAL, "message too long");
		return;
	}
	r->resend = 1;
	audit(r, "resend", "to=%s channel=%s attempts_left=%u", r->masked,
	    r->channel == PROTO_CH_VOICE ? "voice" :
	    r->channel == PROTO_CH_WHATSAPP ? "whatsapp" : "sms", c->attempts_left);
	/* The limits and backoff passed in start_challenge: a resend is one
	 * more send to this number. */
	try_carrier(r);
}

/* RESEND: validates the channel, then looks for the pending code. */
static void
start_resend(struct daemon *d, struct request *r, uint32_t flags)
{
	unsigned ch = PROTO_CH_SMS;

	if ((flags & PROTO_RF_VOICE) && (flags & PROTO_RF_WHATSAPP)) {
		finish_error(r, PROTO_E_MALFORMED, "two channels asked for");
		return;
	}
	if (flags & PROTO_RF_VOICE)
		ch = PROTO_CH_VOICE;
	else if (flags & PROTO_RF_WHATSAPP)
		ch = PROTO_CH_WHATSAPP;
	if (!(number_channels(r) & ch)) {
		audit(r, "resend refused", "to=%s reason=\"no carrier for this "
		    "channel\"", r->masked);
		finish_error(r, PROTO_E_DELIVERY, "no carrier for this channel");
		return;
	}
	r->channel = ch;
	d->store->ops->find_pending(d->store, r->ch.user, r->ch.service, r->ch.uid,
	    now_ms(), on_resend_pending, r);
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
		m.u.crsp.channels = number_channels(r);
		client_reply(r->client, &m);
	}
	request_free(r);
}

/* The policy's answer (maybe from Redis, maybe later): go on or refuse. */
static void
on_policy(void *arg, int e, unsigned retry, const char *why, int held)
{
	struct request *r = arg;
	struct daemon *d = r->d;

	if (e != 0) {
		audit(r, e == PROTO_E_LOCKED ? "locked out" : "send refused",
		    "to=%s reason=\"%s\" retry_after=%u", r->masked, why, retry);
		if (r->client != NULL)
			client_error(r->client, (unsigned)e, retry,
			    e == PROTO_E_LOCKED ? "user locked out" :
			    e == PROTO_E_RATE ? "rate limited" :
			    e == PROTO_E_NUMBER ? "number refused by policy" :
			    "limits unavailable");
		request_free(r);
		return;
	}
	r->reserved = held;
	if (r->flags & PROTO_RF_RESEND) {
		start_resend(d, r, r->flags);
		return;
	}
	if (d->cfg->reuse_window_ms == 0) {
		issue_new(r);
		return;
	}
	d->store->ops->find_pending(d->store, r->ch.user, r->ch.service, r->ch.uid,
	    now_ms(), on_pending, r);
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
	r->flags = q->flags;
	/* Lockout, country policy, limits: before any code is made or sent. */
	if (d->policy != NULL)
		policy_ask_send(d->policy, q->user, u->number, on_policy, r);
	else
		on_policy(r, 0, 0, "", POLICY_HELD_NONE);
}

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
		audit(r, "locked out", "reason=\"too many wrong codes\" "
		    "retry_after=%u", lock);
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
		audit(r, "verified", NULL);
		m.u.vrsp.status = PROTO_V_OK;
		if (r->d->policy != NULL)
			policy_answered(r->d->policy, r->ch.user, 1, NULL, NULL);
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
	r->vstatus = m.u.vrsp.status;
	r->vleft = m.u.vrsp.attempts_left;
	/* Wrong codes count towards the user's lockout (shared: in Redis,
	 * so the answer waits for that count). */
	if (r->d->policy != NULL && (v == STORE_WRONG || v == STORE_MAXTRIES))
		policy_answered(r->d->policy, r->ch.user, 0, on_counted, r);
	else
		reply_verified(r);
}

static void
start_verify(struct daemon *d, struct client *cl, struct request *r,
    struct proto_verify_req *q)
{
	uint8_t mac[STORE_MAC_LEN];

	memcpy(r->ch.id, q->id, PROTO_ID_LEN);
	code_id_hex(q->id, r->id_hex);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);    /* lockout key */
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
