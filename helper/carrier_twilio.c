/* Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json
 * (SMS, WhatsApp) or Calls.json (voice) with a form body and HTTP Basic auth,
 * on the daemon's curl multi handle. The request bodies and the reading of
 * Twilio's answers are in twilio.c. */
/* autoconf's header (PACKAGE_VERSION), not helper/config.h: <> skips this
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
#include "proto.h"
#include "cfgtree.h"
#include "http.h"
#include "log.h"
#include "twilio.h"
#include "util.h"

#define TWILIO_URL_MAX 512
#define TWILIO_CONNECT_MS 5000

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
};

struct twilio_req {
	struct carrier *c;
	carrier_done_fn *done;
	void *arg;
	struct curl_slist *headers;
	char *form;                     /* holds the code */
	size_t formsz;
	char errbuf[CURL_ERROR_SIZE];
};

static void
twilio_req_free(struct twilio_req *req)
{
	if (req == NULL)
		return;
	if (req->form != NULL) {
		explicit_bzero(req->form, req->formsz);
		free(req->form);
	}
	curl_slist_free_all(req->headers);
	free(req);
}

static void
twilio_done(void *arg, CURLcode rc, long status, const char *body, size_t bodylen)
{
	struct twilio_req *req = arg;
	struct carrier_result res;
	carrier_done_fn *done = req->done;
	void *done_arg = req->arg;
	char why[160];			/* curl's message, shortened */

	memset(&res, 0, sizeof(res));
	if (rc != CURLE_OK) {
		log_safe(why, sizeof(why), req->errbuf[0] ? req->errbuf : "");
		res.status = CARRIER_FAILOVER;
		snprintf(res.detail, sizeof(res.detail), "%s%s%s",
		    curl_easy_strerror(rc), why[0] ? ": " : "", why);
	} else {
		twilio_parse_reply(status, body, bodylen, &res);
		if (status == 401 || status == 403)
			log_warn("carrier %s: Twilio refused our credentials (HTTP %ld); "
			    "check account_sid and auth_token", req->c->name, status);
	}
	/* The transfer is over: the form (and the code in it) is not needed. */
	twilio_req_free(req);
	done(done_arg, &res);
}

/* The form for m's channel into req->form; its length or -1. */
static int
twilio_make_request(const struct twilio *t, const struct carrier_msg *m,
    struct twilio_req *req)
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
		req->formsz = 64 + 3 * (strlen(m->to) + strlen(from ? from : t->mgsid) +
		    strlen(m->text));
		if ((req->form = malloc(req->formsz)) == NULL)
			goto out;
		r = twilio_build_form(req->form, req->formsz, m->to, from,
		    from ? NULL : t->mgsid, m->text);
		break;
	case PROTO_CH_VOICE:
		if (t->voice_from == NULL || m->code == NULL)
			goto out;
		if ((n = twilio_build_twiml(twiml, sizeof(twiml), t->voice_intro, m->code,
		    m->language ? m->language : t->voice_language,
		    m->voice ? m->voice : t->voice_name)) == -1)
			goto out;
		req->formsz = 64 + 3 * (strlen(m->to) + strlen(t->voice_from) + (size_t)n);
		if ((req->form = malloc(req->formsz)) == NULL)
			goto out;
		r = twilio_build_call_form(req->form, req->formsz, m->to, t->voice_from,
		    twiml);
		break;
	case PROTO_CH_WHATSAPP:
		if (t->whatsapp_from == NULL || m->code == NULL)
			goto out;
		req->formsz = 256 + 3 * (strlen(m->to) + strlen(t->whatsapp_from) +
		    strlen(t->content_sid));
		if ((req->form = malloc(req->formsz)) == NULL)
			goto out;
		r = twilio_build_whatsapp_form(req->form, req->formsz, m->to,
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
	const char *url;
	CURL *easy = NULL;
	long tmo, ctmo;
	int n, r = -1;

	if (t == NULL || c->http == NULL || m->to == NULL || m->text == NULL)
		goto out;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		goto out;
	req->c = c;
	req->done = done;
	req->arg = arg;
	if ((n = twilio_make_request(t, m, req)) == -1)
		goto out;
	url = m->channel == PROTO_CH_VOICE ? t->calls_url : t->url;
	/* Old libcurl waits a second for "100 Continue" on bodies over 1 KiB. */
	if ((req->headers = curl_slist_append(NULL, "Expect:")) == NULL)
		goto out;
	if ((easy = http_easy(c->http)) == NULL)
		goto out;

	tmo = c->timeout_ms ? (long)c->timeout_ms : 10000;
	ctmo = tmo < TWILIO_CONNECT_MS ? tmo : TWILIO_CONNECT_MS;
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POST, 1L) != CURLE_OK ||
	    /* Our own buffer, not COPYPOSTFIELDS: we wipe it when done. */
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->form) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)n) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERNAME, t->account_sid) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PASSWORD, t->auth_token) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, tmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ctmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERAGENT, "otpsmsd/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf) != CURLE_OK) {
		log_err_f("carrier %s: cannot set up the transfer", c->name);
		goto out;
	}
	/* http owns easy from here, even when it fails. */
	r = http_start(c->http, easy, TWILIO_REPLY_MAX, twilio_done, req);
	easy = NULL;
	if (r == 0)
		req = NULL;
 out:
	if (easy != NULL)
		http_easy_release(c->http, easy);
	twilio_req_free(req);
	return r;
}

static void
twilio_free_priv(struct twilio *t)
{
	if (t == NULL)
		return;
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

/* http:// or https://, a host, no spaces, query or fragment; trailing '/'
 * removed. Then the endpoint is appended. */
static int
twilio_make_url(struct cfg_ctx *ctx, const struct cfg_node *at, struct twilio *t,
    char *base)
{
	char where[256];
	size_t len, i, skip;
	int n, r = -1;

	cfg_path(at, where, sizeof(where));

	if (strncmp(base, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(base, "http://", 7) == 0)
		skip = 7;
	else {
		cfg_err(ctx, at, "%s: must start with http:// or https://", where);
		goto out;
	}
	len = strlen(base);
	while (len > skip && base[len - 1] == '/')
		base[--len] = '\0';
	if (len == skip || base[skip] == '/') {
		cfg_err(ctx, at, "%s: has no host", where);
		goto out;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)base[i] <= 0x20 || (unsigned char)base[i] >= 0x7f ||
		    base[i] == '?' || base[i] == '#' || base[i] == '@') {
			cfg_err(ctx, at, "%s: must not contain spaces, control "
			    "characters, credentials, a query or a fragment", where);
			goto out;
		}
	}
	if ((t->url = malloc(TWILIO_URL_MAX)) == NULL) {
		cfg_err(ctx, at, "out of memory");
		goto out;
	}
	n = snprintf(t->url, TWILIO_URL_MAX, "%s/2010-04-01/Accounts/%s/Messages.json",
	    base, t->account_sid);
	if (n < 0 || n >= TWILIO_URL_MAX) {
		cfg_err(ctx, at, "%s: too long", where);
		goto out;
	}
	if ((t->calls_url = malloc(TWILIO_URL_MAX)) == NULL) {
		cfg_err(ctx, at, "out of memory");
		goto out;
	}
	n = snprintf(t->calls_url, TWILIO_URL_MAX, "%s/2010-04-01/Accounts/%s/Calls.json",
	    base, t->account_sid);
	if (n < 0 || n >= TWILIO_URL_MAX) {
		cfg_err(ctx, at, "%s: too long", where);
		goto out;
	}
	r = 0;
 out:
	return r;
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

	got = cfg_str(ctx, map, "api_url", &api_url, 0);
	if (got == -1)
		bad = 1;
	else if (got == 0 && (api_url = strdup(TWILIO_DEFAULT_URL)) == NULL) {
		cfg_err(ctx, map, "out of memory");
		bad = 1;
	}
	if (!bad && twilio_make_url(ctx, got == 1 ? cfg_get(map, "api_url") : map,
	    t, api_url) == -1)
		bad = 1;
	if (bad)
		goto out;
	c->priv = t;
	t = NULL;
	r = 0;
 out:
	free(api_url);
	twilio_free_priv(t);
	return r;
}

static void
twilio_free(struct carrier *c)
{
	twilio_free_priv(c->priv);
	c->priv = NULL;
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
