/* Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json
 * (SMS, WhatsApp) or Calls.json (voice) with a form body and HTTP Basic auth,
 * one carrier_req each. The request bodies and the reading of Twilio's
 * answers are in twilio.c.
 * With deliver_within, a 201 is not taken at its word: the message is polled
 * (GET Messages/{sid}.json every poll_interval, on the loop) until Twilio
 * says delivered (ACCEPTED) or failed/undelivered (FAILOVER); no final
 * status within deliver_within is FAILOVER too, so the next carrier sends
 * the same code. */
/* autoconf's header (PACKAGE_VERSION), not the daemon's conf.h: <> skips this
 * file's own directory. */
#include <config.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "carrier.h"
#include "carrier_util.h"
#include "proto.h"
#include "cfgtree.h"
#include "loop.h"
#include "log.h"
#include "twilio.h"
#include "util.h"

#define TWILIO_URL_MAX 512
#define TWILIO_POLL_MS 1000             /* poll_interval's default */

struct twilio_req;

struct twilio {
	char *account_sid;
	char *auth_token;               /* secret */
	char *from;                     /* E.164, or NULL */
	char *mgsid;                    /* MG..., or NULL */
	char *url;                      /* the Messages.json endpoint */
	char *calls_url;                /* the Calls.json endpoint */
	/* voice, when voice_from is set */
	char *voice_from;
	char *voice_intro;
	char *voice_language;
	char *voice_name;               /* NULL: Twilio's default voice */
	/* WhatsApp, when both are set */
	char *whatsapp_from;
	char *content_sid;              /* HX...: the approved template */
	/* Delivery polling: off when deliver_within_ms is 0. */
	unsigned deliver_within_ms;
	unsigned poll_interval_ms;
	int accept_sent;                /* "sent" counts as delivered */
	char *msg_base;                 /* .../Messages/ (then SID.json) */
	struct twilio_req *pending;     /* sends being polled */
};

/* A send with deliver_within: outlives the create's transfer (a carrier_req)
 * and makes one carrier_req per status poll. */
struct twilio_req {
	struct carrier *c;
	carrier_done_fn *done;
	void *arg;
	struct twilio_req *next;        /* on twilio->pending */
	struct loop_timer poll;         /* the next status poll */
	struct loop_timer deadline;     /* deliver_within */
	int in_http;                    /* a transfer (create or poll) runs */
	int finished;                   /* done was called */
	unsigned polls;
	int final;                      /* the last poll's status is final */
	char url[TWILIO_URL_MAX];       /* the message's status URL */
	char last[96];                  /* the last status seen, log-safe */
};

/* A polled send: calls done once; frees req unless a transfer still runs
 * (its then frees it). */
static void
poll_finish(struct twilio_req *req, const struct carrier_result *res)
{
	struct twilio *t = req->c->priv;
	struct twilio_req **pp;

	if (req->finished)
		return;
	req->finished = 1;
	loop_timer_cancel(req->c->loop, &req->poll);
	loop_timer_cancel(req->c->loop, &req->deadline);
	for (pp = &t->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == req) {
			*pp = req->next;
			break;
		}
	req->done(req->arg, res);
	if (!req->in_http)
		free(req);
}

static void
poll_fail(struct twilio_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
poll_fail(struct twilio_req *req, const char *fmt, ...)
{
	struct carrier_result res;
	va_list ap;

	memset(&res, 0, sizeof(res));
	res.status = CARRIER_FAILOVER;
	va_start(ap, fmt);
	vsnprintf(res.detail, sizeof(res.detail), fmt, ap);
	va_end(ap);
	poll_finish(req, &res);
}

static void
on_deadline(void *arg)
{
	struct twilio_req *req = arg;
	struct twilio *t = req->c->priv;

	poll_fail(req, "not delivered within %u ms (%u polls, last: %s)",
	    t->deliver_within_ms, req->polls, req->last[0] ? req->last : "none");
}

static void
poll_again(struct twilio_req *req)
{
	struct twilio *t = req->c->priv;

	if (loop_timer_set(req->c->loop, &req->poll, t->poll_interval_ms) == -1)
		poll_fail(req, "cannot arm the status poll timer");
}

static void
poll_parse(struct carrier_req *creq, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	struct twilio_req *req = creq->priv;
	struct twilio *t = creq->c->priv;

	req->final = twilio_parse_status(status, body, len, t->accept_sent, res) == 1;
}

static void
poll_then(struct carrier_req *creq, CURLcode rc, struct carrier_result *res)
{
	struct twilio_req *req = creq->priv;
	char why[64];
	size_t n;

	req->in_http = 0;
	if (req->finished) {
		free(req);
		return;
	}
	req->polls++;
	if (rc != CURLE_OK) {
		log_safe(why, sizeof(why), curl_easy_strerror(rc));
		snprintf(req->last, sizeof(req->last), "status poll: %s", why);
	} else if (req->final) {
		/* "Twilio status delivered" or "... failed, error 30003" */
		n = strlen(res->detail);
		snprintf(res->detail + n, sizeof(res->detail) - n, " (poll %u)",
		    req->polls);
		poll_finish(req, res);
		return;
	} else {
		/* On its way, or a bad poll: ask again until the deadline. */
		snprintf(req->last, sizeof(req->last), "%.*s",
		    (int)sizeof(req->last) - 1, res->detail);
	}
	poll_again(req);
}

static void
on_poll(void *arg)
{
	struct twilio_req *req = arg;
	struct carrier *c = req->c;
	struct twilio *t = c->priv;
	struct carrier_req *creq;

	if ((creq = carrier_req_new(c, poll_parse, NULL, NULL)) == NULL) {
		poll_again(req);
		return;
	}
	creq->then = poll_then;
	creq->priv = req;
	creq->username = t->account_sid;
	creq->password = t->auth_token;
	/* A poll never outlives the time left for it to matter. */
	creq->timeout_ms = c->timeout_ms ? c->timeout_ms : CARRIER_TIMEOUT_MS;
	if (creq->timeout_ms > t->deliver_within_ms)
		creq->timeout_ms = t->deliver_within_ms;
	req->in_http = 1;
	if (carrier_req_start(creq, req->url, 0, TWILIO_REPLY_MAX) == -1) {
		req->in_http = 0;
		carrier_req_free(creq);
		poll_again(req);
	}
}

/* The create was answered 201 with res->ref: poll the message from now on. */
static void
poll_begin(struct twilio_req *req, const struct carrier_result *res)
{
	struct twilio *t = req->c->priv;
	int n;

	if (!twilio_sid_valid(res->ref, "SM") && !twilio_sid_valid(res->ref, "MM")) {
		poll_fail(req, "HTTP 201, but message sid \"%s\" cannot be polled",
		    res->ref);
		return;
	}
	n = snprintf(req->url, sizeof(req->url), "%s%s.json", t->msg_base, res->ref);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		poll_fail(req, "status URL too long");
		return;
	}
	snprintf(req->last, sizeof(req->last), "HTTP 201, %s", res->ref);
	poll_again(req);
}

static void
twilio_parse(struct carrier_req *creq, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	twilio_parse_reply(status, body, len, res);
	if (status == 401 || status == 403)
		log_warn("carrier %s: Twilio refused our credentials (HTTP %ld); "
		    "check account_sid and auth_token", creq->c->name, status);
}

/* The create of a polled send is over: poll it, or it has failed. */
static void
twilio_created(struct carrier_req *creq, CURLcode rc, struct carrier_result *res)
{
	struct twilio_req *req = creq->priv;

	(void)rc;
	req->in_http = 0;
	if (req->finished) {            /* deliver_within passed first */
		free(req);
		return;
	}
	if (res->status == CARRIER_ACCEPTED)
		poll_begin(req, res);
	else
		poll_finish(req, res);
}

/* The form for m's channel into req's body; its length or -1. */
static int
twilio_make_request(const struct twilio *t, const struct carrier_msg *m,
    struct carrier_req *req)
{
	char twiml[TWILIO_TWIML_MAX];
	const char *from;
	int n, r = -1;

	switch (m->channel) {
	case 0:
	case PROTO_CH_SMS:
		/* A route's sender replaces ours (and the messaging service). */
		from = m->from != NULL ? m->from : t->from;
		/* Each byte encodes to at most 3; 64 covers names and separators. */
		if (carrier_req_body(req, 64 + 3 * (strlen(m->to) + strlen(from ? from : t->mgsid) +
		    strlen(m->text))) == NULL)
			goto out;
		r = twilio_build_form(req->body, req->bodysz, m->to, from,
		    from ? NULL : t->mgsid, m->text);
		break;
	case PROTO_CH_VOICE:
		if (t->voice_from == NULL || m->code == NULL)
			goto out;
		if ((n = twilio_build_twiml(twiml, sizeof(twiml), t->voice_intro, m->code,
		    m->language ? m->language : t->voice_language,
		    m->voice ? m->voice : t->voice_name)) == -1)
			goto out;
		if (carrier_req_body(req, 64 + 3 * (strlen(m->to) + strlen(t->voice_from) + (size_t)n)) == NULL)
			goto out;
		r = twilio_build_call_form(req->body, req->bodysz, m->to, t->voice_from,
		    twiml);
		break;
	case PROTO_CH_WHATSAPP:
		if (t->whatsapp_from == NULL || m->code == NULL)
			goto out;
		if (carrier_req_body(req, 256 + 3 * (strlen(m->to) + strlen(t->whatsapp_from) +
		    strlen(t->content_sid))) == NULL)
			goto out;
		r = twilio_build_whatsapp_form(req->body, req->bodysz, m->to,
		    t->whatsapp_from, t->content_sid, m->code);
		break;
	}
 out:
	explicit_bzero(twiml, sizeof(twiml));
	return r;
}

static int
twilio_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct twilio *t = c->priv;
	struct twilio_req *req = NULL;
	struct carrier_req *creq = NULL;
	int n, r = -1;

	if (t == NULL || m->to == NULL || m->text == NULL)
		goto out;
	if ((creq = carrier_req_new(c, twilio_parse, done, arg)) == NULL ||
	    (n = twilio_make_request(t, m, creq)) == -1 ||
	    /* Old libcurl waits a second for "100 Continue" on bodies over 1 KiB. */
	    carrier_req_header(creq, "Expect:") == -1)
		goto out;
	creq->username = t->account_sid;
	creq->password = t->auth_token;
	/* Messages are polled for delivery; calls are not (no such status). */
	if (t->deliver_within_ms != 0 && m->channel != PROTO_CH_VOICE) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			goto out;
		req->c = c;
		req->done = done;
		req->arg = arg;
		loop_timer_init(&req->poll, on_poll, req);
		loop_timer_init(&req->deadline, on_deadline, req);
		if (loop_timer_set(c->loop, &req->deadline, t->deliver_within_ms) == -1)
			goto out;
		req->next = t->pending;
		t->pending = req;
		req->in_http = 1;
		creq->then = twilio_created;
		creq->priv = req;
	}
	if (carrier_req_start(creq, m->channel == PROTO_CH_VOICE ? t->calls_url :
	    t->url, (size_t)n, TWILIO_REPLY_MAX) == -1) {
		if (req != NULL) {
			t->pending = req->next;
			loop_timer_cancel(c->loop, &req->deadline);
		}
		goto out;
	}
	creq = NULL;
	req = NULL;
	r = 0;
 out:
	carrier_req_free(creq);
	free(req);
	return r;
}

static void
twilio_free_priv(struct twilio *t)
{
	struct twilio_req *req, *next;

	if (t == NULL)
		return;
	/* Only at exit, after the loop is gone: as kannel's, pending sends end
	 * without a callback; those in a transfer belong to curl's handles. */
	for (req = t->pending; req != NULL; req = next) {
		next = req->next;
		if (!req->in_http)
			free(req);
	}
	free(t->msg_base);
	free(t->account_sid);
	freezero_str(t->auth_token);
	free(t->from);
	free(t->mgsid);
	free(t->url);
	free(t->calls_url);
	free(t->voice_from);
	free(t->voice_intro);
	free(t->voice_language);
	free(t->voice_name);
	free(t->whatsapp_from);
	free(t->content_sid);
	free(t);
}

/* The three endpoints under one checked base (carrier_make_url: http:// or
 * https://, a host, no spaces, credentials, query or fragment). */
static int
twilio_make_url(struct cfg_ctx *ctx, const struct cfg_node *at, struct twilio *t,
    char *base)
{
	char suffix[128];

	snprintf(suffix, sizeof(suffix), "/2010-04-01/Accounts/%s/Messages.json",
	    t->account_sid);
	if (carrier_make_url(ctx, at, base, suffix, &t->url) != 0)
		return -1;
	snprintf(suffix, sizeof(suffix), "/2010-04-01/Accounts/%s/Calls.json",
	    t->account_sid);
	if (carrier_make_url(ctx, at, base, suffix, &t->calls_url) != 0)
		return -1;
	/* The status URL gets the message sid (34) and ".json" appended. */
	snprintf(suffix, sizeof(suffix), "/2010-04-01/Accounts/%s/Messages/%*s",
	    t->account_sid, 39, "");
	if (carrier_make_url(ctx, at, base, suffix, &t->msg_base) != 0)
		return -1;
	t->msg_base[strlen(t->msg_base) - 39] = '\0';
	return 0;
}

/* An optional E.164 key; 0 absent, 1 valid, -1 error recorded. */
static int
twilio_number(struct cfg_ctx *ctx, struct cfg_node *map, const char *key, char **out)
{
	struct cfg_node *at;
	char path[256];
	int got;

	if ((got = cfg_str(ctx, map, key, out, 0)) != 1)
		return got;
	if (!e164_valid(*out)) {
		at = cfg_get(map, key);
		cfg_err(ctx, at, "%s: must be an E.164 number (+ and 8 to 15 digits)",
		    cfg_path(at, path, sizeof(path)));
		return -1;
	}
	return 1;
}

/* Voice (voice_from and its settings) and WhatsApp (whatsapp_from and
 * whatsapp_content_sid): each channel is on when its keys are given. */
static int
twilio_configure_channels(struct carrier *c, struct cfg_ctx *ctx,
    struct cfg_node *map, struct twilio *t)
{
	struct cfg_node *at;
	char path[256], probe[TWILIO_TWIML_MAX];
	int bad = 0, v;

	c->channels = PROTO_CH_SMS;
	if ((v = twilio_number(ctx, map, "voice_from", &t->voice_from)) == -1)
		bad = 1;
	if (cfg_str(ctx, map, "voice_intro", &t->voice_intro, 0) == -1 ||
	    cfg_str(ctx, map, "voice_language", &t->voice_language, 0) == -1 ||
	    cfg_str(ctx, map, "voice_name", &t->voice_name, 0) == -1)
		bad = 1;
	if (t->voice_intro == NULL &&
	    (t->voice_intro = strdup(TWILIO_DEFAULT_INTRO)) == NULL)
		bad = 1;
	if (t->voice_language == NULL &&
	    (t->voice_language = strdup(TWILIO_DEFAULT_LANGUAGE)) == NULL)
		bad = 1;
	if (!bad && twilio_build_twiml(probe, sizeof(probe), t->voice_intro,
	    "0123456789", t->voice_language, t->voice_name) == -1) {
		cfg_err(ctx, map, "carrier %s: voice_intro too long, or voice_language "
		    "or voice_name not letters, digits, '-', '.', '_'", c->name);
		bad = 1;
	}
	explicit_bzero(probe, sizeof(probe));
	if (v == 1)
		c->channels |= PROTO_CH_VOICE;

	if ((v = twilio_number(ctx, map, "whatsapp_from", &t->whatsapp_from)) == -1)
		bad = 1;
	if (cfg_str(ctx, map, "whatsapp_content_sid", &t->content_sid, 0) == -1)
		bad = 1;
	else if (t->content_sid != NULL && !twilio_sid_valid(t->content_sid, "HX")) {
		at = cfg_get(map, "whatsapp_content_sid");
		cfg_err(ctx, at, "%s: must be HX followed by 32 hex digits",
		    cfg_path(at, path, sizeof(path)));
		bad = 1;
	}
	if (!bad && (t->whatsapp_from == NULL) != (t->content_sid == NULL)) {
		cfg_err(ctx, map, "carrier %s: WhatsApp needs both whatsapp_from and "
		    "whatsapp_content_sid", c->name);
		bad = 1;
	}
	if (v == 1)
		c->channels |= PROTO_CH_WHATSAPP;
	return bad ? -1 : 0;
}

static int
twilio_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct twilio *t;
	struct cfg_node *at;
	char *api_url = NULL, path[256];
	int got, bad = 0, r = -1;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	got = cfg_str(ctx, map, "account_sid", &t->account_sid, 1);
	if (got != 1)
		bad = 1;
	else if (!twilio_sid_valid(t->account_sid, "AC")) {
		at = cfg_get(map, "account_sid");
		cfg_err(ctx, at, "%s: must be AC followed by 32 hex digits",
		    cfg_path(at, path, sizeof(path)));
		bad = 1;
	}
	if (cfg_secret(ctx, map, "auth_token", &t->auth_token, TWILIO_TOKEN_MAX, 1) != 1)
		bad = 1;

	if (cfg_str(ctx, map, "from", &t->from, 0) == -1)
		bad = 1;
	else if (t->from != NULL && !e164_valid(t->from)) {
		at = cfg_get(map, "from");
		cfg_err(ctx, at, "%s: must be an E.164 number (+ and 8 to 15 digits)",
		    cfg_path(at, path, sizeof(path)));
		bad = 1;
	}
	if (cfg_str(ctx, map, "messaging_service_sid", &t->mgsid, 0) == -1)
		bad = 1;
	else if (t->mgsid != NULL && !twilio_sid_valid(t->mgsid, "MG")) {
		at = cfg_get(map, "messaging_service_sid");
		cfg_err(ctx, at, "%s: must be MG followed by 32 hex digits",
		    cfg_path(at, path, sizeof(path)));
		bad = 1;
	}
	if (!bad && (t->from == NULL) == (t->mgsid == NULL)) {
		cfg_err(ctx, map, "carrier %s: give exactly one of from and "
		    "messaging_service_sid", c->name);
		bad = 1;
	}

	if (twilio_configure_channels(c, ctx, map, t) == -1)
		bad = 1;
	/* Delivery polling: off unless deliver_within is given. */
	t->poll_interval_ms = TWILIO_POLL_MS;
	if (cfg_duration_ms(ctx, map, "deliver_within", &t->deliver_within_ms,
	    1000, 120 * 1000, 0) == -1 ||
	    cfg_duration_ms(ctx, map, "poll_interval", &t->poll_interval_ms,
	    200, 60 * 1000, 0) == -1 ||
	    cfg_bool(ctx, map, "accept_sent", &t->accept_sent, 0) == -1)
		bad = 1;
	if (!bad && t->deliver_within_ms == 0 && (cfg_get(map, "poll_interval") ||
	    cfg_get(map, "accept_sent"))) {
		cfg_err(ctx, map, "carrier %s: poll_interval and accept_sent need "
		    "deliver_within", c->name);
		bad = 1;
	}

	if (carrier_api_base(ctx, map, TWILIO_DEFAULT_URL, &api_url, &at) == -1)
		bad = 1;
	else if (!bad && twilio_make_url(ctx, at, t, api_url) == -1)
		bad = 1;
	if (carrier_tls_configure(c, ctx, map) == -1)
		bad = 1;
	if (bad)
		goto out;
	c->priv = t;
	t = NULL;
	r = 0;
 out:
	if (r == -1)
		carrier_tls_free(c);
	free(api_url);
	twilio_free_priv(t);
	return r;
}

static void
twilio_free(struct carrier *c)
{
	twilio_free_priv(c->priv);
	c->priv = NULL;
	carrier_tls_free(c);
}

const struct carrier_ops carrier_twilio_ops = {
	.type = "twilio",
	/* What the driver can do; each carrier's configuration says what it
	 * does (carrier->channels). */
	.channels = PROTO_CH_SMS | PROTO_CH_VOICE | PROTO_CH_WHATSAPP,
	.configure = twilio_configure,
	.send = twilio_send,
	.free = twilio_free,
};
