/* A challenge: ask the policy (limits, lockout) and look for a pending code
 * to reuse; else make a code, store its keyed hash, render the text, and
 * try the carriers in order until one accepts. A resend repeats the
 * pending code. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "challenge.h"
#include "code.h"
#include "conf.h"
#include "directory.h"
#include "log.h"
#include "lookup.h"
#include "loop.h"
#include "policy.h"
#include "request.h"
#include "route.h"
#include "seal.h"
#include "server.h"
#include "store.h"
#include "template.h"
#include "util.h"

static void try_carrier(struct request *r);
static void on_sent(void *arg, const struct carrier_result *res);
static void refuse(struct request *r, int e, unsigned retry, const char *why);
static void issue_new(struct request *r);

/* Seconds a pending challenge has left, rounded up. */
static uint32_t
ttl_left(const struct challenge *c)
{
	uint64_t now = now_ms();

	return c->expires_ms > now ?
	    (uint32_t)((c->expires_ms - now + 999) / 1000) : 0;
}

/* Which of the user's numbers a challenge went to travels in the low bits of
 * its id's last byte (the store keeps the id, the seal and the HMAC bind it),
 * so a resend or a reuse repeats a code only to the number it went to. The
 * other 125 bits stay random. */
#define ID_NUMBER_BITS 0x7u
_Static_assert(USER_NUMBERS_MAX <= ID_NUMBER_BITS + 1 &&
    DIR_NUMBERS_MAX <= ID_NUMBER_BITS + 1, "number index must fit the id tag");

static unsigned
id_number(const uint8_t *id)
{
	return id[PROTO_ID_LEN - 1] & ID_NUMBER_BITS;
}

/* CHALLENGE_RSP flags beyond REUSED: another number to offer. */
static uint32_t
more_flag(const struct request *r)
{
	return r->numidx + 1 < r->n_numbers ? PROTO_CF_MORE : 0;
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

/* Nothing went out: the new code no longer counts as pending (nobody can
 * have it; the lockout bounds guesses at it like at any other). */
static void
undelivered(struct request *r)
{
	if (r->pending_added && r->d->policy != NULL)
		policy_drop_pending(r->d->policy, request_pol_user(r), r->ch.id);
	r->pending_added = 0;
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
	r->send_ms = now_ms();
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
	uint64_t now = now_ms();
	unsigned ms;

	route_observe(c, now > r->send_ms ? now - r->send_ms : 0);
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
		request_wipe_secrets(r);
		request_audit(r, "code sent",
		    "to=%s carrier=%s ref=%s", r->masked, c->name,
		    res->ref[0] ? res->ref : "-");
		if (r->d->policy != NULL)    /* limits count what went out */
			policy_release(r->d->policy, request_pol_user(r), r->to, r->reserved, 1);
		r->reserved = 0;
		if (r->client != NULL) {
			memset(&m, 0, sizeof(m));
			m.type = PROTO_CHALLENGE_RSP;
			memcpy(m.u.crsp.id, r->ch.id, PROTO_ID_LEN);
			snprintf(m.u.crsp.masked, sizeof(m.u.crsp.masked), "%s", r->masked);
			m.u.crsp.ttl = r->resend ? ttl_left(&r->ch) :
			    r->cfg->ttl_ms / 1000;
			m.u.crsp.digits = r->cfg->digits;
			m.u.crsp.flags = more_flag(r);
			m.u.crsp.channels = route_channels(r);
			client_reply(r->client, &m);
		}
		request_free(r);
		return;
	case CARRIER_PERMANENT:
		request_audit(r, "send refused",
		    "to=%s carrier=%s reason=\"%s\"", r->masked,
		    c->name, res->detail);
		undelivered(r);
		request_fail(r, PROTO_E_NUMBER, "number cannot receive codes");
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
	struct config *cfg = r->cfg;
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
		undelivered(r);
		request_fail(r, PROTO_E_INTERNAL, "message too long");
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
	request_audit(r, "send failed",
	    "to=%s reason=\"no carrier accepted the message\"",
	    r->masked);
	undelivered(r);
	request_fail(r, PROTO_E_DELIVERY, "no carrier accepted the message");
}

static void
on_stored(void *arg, int ok)
{
	struct request *r = arg;

	if (!ok) {
		undelivered(r);
		request_audit(r, "store failed", NULL);
		request_fail(r, PROTO_E_INTERNAL, "cannot store the challenge");
		return;
	}
	try_carrier(r);
}

/* The policy counted the new code as pending, or refused it. */
static void
on_pending_added(void *arg, int e, unsigned retry)
{
	struct request *r = arg;

	if (e != 0) {
		request_wipe_secrets(r);
		refuse(r, e, retry, e == PROTO_E_RATE ? "too many codes pending" :
		    "pending codes unavailable");
		return;
	}
	r->pending_added = 1;
	/* Stored before it is sent: never text a code we could not check. The
	 * callbacks may finish (and free) r before put returns. */
	r->d->store->ops->put(r->d->store, &r->ch, on_stored, r);
}

/* A new code: make it, store its hash, render the text, send it. */
static void
make_code(struct request *r)
{
	struct config *cfg = r->cfg;
	struct template_vars tv;
	uint64_t now = now_ms();

	if (code_random_id(r->ch.id) != 0) {
		request_fail(r, PROTO_E_INTERNAL, "cannot make a code");
		return;
	}
	r->ch.id[PROTO_ID_LEN - 1] = (uint8_t)((r->ch.id[PROTO_ID_LEN - 1] &
	    ~ID_NUMBER_BITS) | r->numidx);
	if (code_generate(r->code, sizeof(r->code), cfg->digits) != 0 ||
	    code_mac(r->ch.id, r->ch.user, r->ch.uid, r->code, r->ch.mac) != 0 ||
	    seal_code(&r->ch, r->code, r->ch.sealed) != 0) {
		request_fail(r, PROTO_E_INTERNAL, "cannot make a code");
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
		request_fail(r, PROTO_E_INTERNAL, "message too long");
		return;
	}
	r->ch.created_ms = now;
	r->ch.expires_ms = now + cfg->ttl_ms;
	r->ch.attempts_left = cfg->max_attempts;
	/* At most limits.pending codes of one user wait at once (on every
	 * host), however many services or hosts ask. */
	if (r->d->policy != NULL)
		policy_add_pending(r->d->policy, request_pol_user(r), r->ch.id, cfg->ttl_ms,
		    on_pending_added, r);
	else
		on_pending_added(r, 0, 0);
}

/* The number check's verdict: a code is made only for a number that
 * passed (or whose check failed with on_failure: send). */
static void
on_checked(void *arg, enum lookup_verdict v, int failed, const char *why)
{
	struct request *r = arg;

	if (failed)
		log_warn("number check failed for user=%s to=%s: %s; on_failure: %s",
		    r->user, r->masked, why, v == LOOKUP_PASS ? "send" : "refuse");
	switch (v) {
	case LOOKUP_PASS:
		make_code(r);
		return;
	case LOOKUP_BACKUP:
		request_audit(r, "send refused", "to=%s check=number reason=\"%s\" "
		    "action=require_backup", r->masked, why);
		request_fail(r, PROTO_E_BACKUP_REQUIRED, "number check: backup code "
		    "required");
		return;
	default:
		request_audit(r, "send refused", "to=%s check=number reason=\"%s\"",
		    r->masked, why);
		request_fail(r, PROTO_E_NUMBER_CHECK, "number check refused the number");
		return;
	}
}

/* Before a code exists: number_checks (lookup.h), when configured. The
 * policy has allowed the send; its reservation goes back if refused. */
static void
issue_new(struct request *r)
{
	if (r->d->checks == NULL) {
		make_code(r);
		return;
	}
	/* on_checked may run (and free r) before this returns. */
	if (numcheck_start(r->d->checks, r->to, on_checked, r) != 0)
		on_checked(r, r->cfg->checks.fail_send ? LOOKUP_PASS :
		    LOOKUP_REFUSE, 1, "cannot start the lookup");
}

/* The channels the number's carriers can send on, when nothing is sent. */
static unsigned
number_channels(const struct request *r)
{
	struct carrier *const *cars;
	unsigned ch = 0;
	size_t i, n = 0;

	cars = route_carriers(r->cfg, route_lookup(r->cfg, r->to), &n);
	for (i = 0; i < n; i++)
		ch |= carrier_channels(cars[i]);
	return ch ? ch : PROTO_CH_SMS;
}

/* The store held, under the caller's name, a challenge that is not the
 * caller's (a shared store rewritten): nothing is sent, reused or made. */
static void
refuse_tampered(struct request *r, const char *id_hex)
{
	snprintf(r->id_hex, sizeof(r->id_hex), "%s", id_hex);
	request_audit(r, "tampering refused",
	    "reason=\"pending challenge is not the caller's\"");
	request_fail(r, PROTO_E_INTERNAL, "cannot use the pending code");
}

/* A resend asked for at the prompt: the same pending code, through the
 * carriers again (on the channel asked for), attempts not reset. With nothing
 * pending (expired, used, burned) it is a first request: a new code. */
static void
on_resend_pending(void *arg, const struct challenge *c, const char *tampered)
{
	struct request *r = arg;
	struct config *cfg = r->cfg;
	struct template_vars tv;
	char id_hex[17];

	if (tampered != NULL) {
		refuse_tampered(r, tampered);
		return;
	}
	/* Nothing pending for this number (the pending code went to another
	 * of the user's numbers): a new code for this one. */
	if (c == NULL || id_number(c->id) != r->numidx) {
		issue_new(r);
		return;
	}
	/* The seal opens only for the caller's own id, user, uid, service. */
	if (seal_open(c, r->code, sizeof(r->code)) != 0) {
		code_id_hex(c->id, id_hex);
		refuse_tampered(r, id_hex);
		return;
	}
	r->ch = *c;
	code_id_hex(c->id, r->id_hex);
	tv.code = r->code;
	tv.host = cfg->host;
	tv.ttl_s = ttl_left(c);
	tv.user = r->user;
	tv.service = r->service;
	if (template_render_origin(r->text, sizeof(r->text), cfg->message, &tv,
	    route_webotp_domain(cfg, route_lookup(cfg, r->to))) != 0) {
		request_fail(r, PROTO_E_INTERNAL, "message too long");
		return;
	}
	r->resend = 1;
	request_audit(r, "resend",
	    "to=%s channel=%s attempts_left=%u", r->masked,
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
		request_fail(r, PROTO_E_MALFORMED, "two channels asked for");
		return;
	}
	if (flags & PROTO_RF_VOICE)
		ch = PROTO_CH_VOICE;
	else if (flags & PROTO_RF_WHATSAPP)
		ch = PROTO_CH_WHATSAPP;
	if (!(number_channels(r) & ch)) {
		request_audit(r, "resend refused",
		    "to=%s reason=\"no carrier for this "
		    "channel\"", r->masked);
		request_fail(r, PROTO_E_DELIVERY, "no carrier for this channel");
		return;
	}
	r->channel = ch;
	d->store->ops->find_pending(d->store, r->ch.user, r->ch.service, r->ch.uid,
	    now_ms(), on_resend_pending, r);
}

/* One login, one SMS: a retry of the same login reuses the pending code. */
static void
use_pending(struct request *r, const struct challenge *c)
{
	struct proto_msg m;
	uint64_t now = now_ms();

	if (c == NULL || now - c->created_ms >= r->cfg->reuse_window_ms ||
	    id_number(c->id) != r->numidx) {
		issue_new(r);
		return;
	}
	code_id_hex(c->id, r->id_hex);
	request_audit(r, "code reused",
	    "to=%s attempts_left=%u", r->masked, c->attempts_left);
	if (r->client != NULL) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CHALLENGE_RSP;
		memcpy(m.u.crsp.id, c->id, PROTO_ID_LEN);
		snprintf(m.u.crsp.masked, sizeof(m.u.crsp.masked), "%s", r->masked);
		m.u.crsp.ttl = (uint32_t)((c->expires_ms - now + 999) / 1000);
		m.u.crsp.digits = r->cfg->digits;
		m.u.crsp.flags = PROTO_CF_REUSED | more_flag(r);
		m.u.crsp.channels = number_channels(r);
		client_reply(r->client, &m);
	}
	request_free(r);
}

/* The pending lookup's answer (maybe from Redis, maybe later). */
static void
on_pending(void *arg, const struct challenge *c, const char *tampered)
{
	if (tampered != NULL)
		refuse_tampered(arg, tampered);
	else
		use_pending(arg, c);
}

static void
refuse(struct request *r, int e, unsigned retry, const char *why)
{
	request_audit(r, e == PROTO_E_LOCKED ? "locked out" : "send refused",
	    "to=%s reason=\"%s\" retry_after=%u", r->masked, why, retry);
	if (r->client != NULL)
		client_error(r->client, (unsigned)e, retry,
		    e == PROTO_E_LOCKED ? "user locked out" :
		    e == PROTO_E_RATE && strcmp(why, "too many codes pending") == 0 ?
		    "too many codes pending" :
		    e == PROTO_E_RATE ? "rate limited" :
		    e == PROTO_E_NUMBER ? "number refused by policy" :
		    "limits unavailable");
	request_free(r);
}

/* Both the policy and the pending lookup answered. */
static void
joined(struct request *r)
{
	if (r->pol_e != 0) {
		refuse(r, r->pol_e, r->pol_retry, r->pol_why);
		return;
	}
	r->reserved = r->pol_held;
	if (r->tampered[0] != '\0')
		refuse_tampered(r, r->tampered);
	else
		use_pending(r, r->found ? &r->pend : NULL);
}

static void
on_found(void *arg, const struct challenge *c, const char *tampered)
{
	struct request *r = arg;

	if (tampered != NULL)
		snprintf(r->tampered, sizeof(r->tampered), "%s", tampered);
	else if (c != NULL) {
		r->pend = *c;
		r->found = 1;
	}
	if (--r->waiting == 0)
		joined(r);
}

static void
on_policy(void *arg, int e, unsigned retry, const char *why, int held)
{
	struct request *r = arg;
	struct daemon *d = r->d;

	if (r->waiting > 0) {
		r->pol_e = e;
		r->pol_retry = retry;
		r->pol_held = held;
		snprintf(r->pol_why, sizeof(r->pol_why), "%s", why);
		if (--r->waiting == 0)
			joined(r);
		return;
	}
	if (e != 0) {
		refuse(r, e, retry, why);
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

/* The numbers are known: the one asked for (the first, unless the user
 * asked for the next at the prompt), then lockout, country policy, limits:
 * a next number is a send like any other, with its own per_number limits. */
static void
with_numbers(struct request *r, const char *const *numbers, size_t n)
{
	struct daemon *d = r->d;

	r->numidx = (r->flags & PROTO_RF_NUMBER_MASK) >> PROTO_RF_NUMBER_SHIFT;
	r->n_numbers = (unsigned)n;
	if (r->numidx >= n) {
		request_audit(r, "refused", "reason=\"no number %u for user\"",
		    r->numidx + 1);
		request_fail(r, PROTO_E_NUMBER, "no such number for user");
		return;
	}
	snprintf(r->to, sizeof(r->to), "%s", numbers[r->numidx]);
	mask_number(r->masked, sizeof(r->masked), r->to);
	/* Lockout, country policy, limits: before any code is made or sent;
	 * the pending lookup meanwhile (its answer is dropped if refused). */
	if (d->policy != NULL && !(r->flags & PROTO_RF_RESEND) &&
	    d->cfg->reuse_window_ms != 0) {
		r->waiting = 2;
		d->store->ops->find_pending(d->store, r->ch.user, r->ch.service,
		    r->ch.uid, now_ms(), on_found, r);
		policy_ask_send(d->policy, request_pol_user(r), r->to, on_policy, r);
		return;
	}
	if (d->policy != NULL)
		policy_ask_send(d->policy, request_pol_user(r), r->to, on_policy, r);
	else
		on_policy(r, 0, 0, "", POLICY_HELD_NONE);
}

/* The directory's answer (maybe later, from its worker). Unavailable is
 * never "no number": under nullok that would skip the second factor. */
static void
on_directory(void *arg, enum dir_status st, const struct dir_numbers *nums)
{
	struct request *r = arg;
	const char *list[DIR_NUMBERS_MAX];
	size_t i;

	switch (st) {
	case DIR_FOUND:
		/* Every usable number, in the directory's order. */
		for (i = 0; i < nums->n && i < DIR_NUMBERS_MAX; i++)
			list[i] = nums->num[i];
		with_numbers(r, list, i);
		return;
	case DIR_UNAVAILABLE:
		request_audit(r, "refused", "reason=\"directory unavailable\"");
		request_fail(r, PROTO_E_INTERNAL, "directory unavailable");
		return;
	case DIR_ABSENT:
	case DIR_INVALID:
		break;
	}
	request_audit(r, "refused", "reason=\"no number for user\"");
	request_fail(r, PROTO_E_NOUSER, "no phone number for user");
}

static void
start_challenge(struct daemon *d, struct client *cl, struct request *r,
    const struct proto_challenge_req *q)
{
	const struct user_entry *u;

	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);
	snprintf(r->ch.service, sizeof(r->ch.service), "%s", q->service);
	r->ch.uid = client_uid(cl);
	r->flags = q->flags;
	/* users: and users_file first (answered at once), then the directory. */
	if ((u = config_find_user(d->cfg, q->user)) != NULL) {
		with_numbers(r, (const char *const *)u->numbers, u->n_numbers);
		return;
	}
	if (d->directory != NULL) {
		directory_lookup(d->directory, q->user, on_directory, r);
		return;
	}
	request_audit(r, "refused", "reason=\"no number for user\"");
	request_fail(r, PROTO_E_NOUSER, "no phone number for user");
}

void
challenge_handle(struct daemon *d, struct client *cl, struct proto_msg *m)
{
	struct request *r;

	if ((r = request_new(d, cl, m->type)) == NULL) {
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	log_safe(r->user, sizeof(r->user), m->u.creq.user);
	log_safe(r->service, sizeof(r->service), m->u.creq.service);
	log_safe(r->rhost, sizeof(r->rhost), m->u.creq.rhost);
	start_challenge(d, cl, r, &m->u.creq);
}

void
challenge_enrol(struct daemon *d, struct client *cl, const char *user,
    const char *number)
{
	struct request *r;
	const char *list[1];

	if ((r = request_new(d, cl, PROTO_CTL_REQ)) == NULL) {
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	/* Bound to the pair: the key names both, the MAC and seal cover it. */
	snprintf(r->ch.user, sizeof(r->ch.user), "%s %s", number, user);
	snprintf(r->pol_user, sizeof(r->pol_user), "%s", user);
	snprintf(r->ch.service, sizeof(r->ch.service), "%s", ENROL_SERVICE);
	r->ch.uid = ENROL_UID;
	log_safe(r->user, sizeof(r->user), user);
	snprintf(r->service, sizeof(r->service), "%s", ENROL_SERVICE);
	snprintf(r->rhost, sizeof(r->rhost), "otpsmsctl[%ld]", (long)client_pid(cl));
	request_audit(r, "enrolment requested", NULL);
	list[0] = number;
	with_numbers(r, list, 1);
}
