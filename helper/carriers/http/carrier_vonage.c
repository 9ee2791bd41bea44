/* Vonage (formerly Nexmo) SMS API: POST {api_url}/sms/json with a form body
 * carrying api_key and api_secret, one carrier_req per message. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "carrier.h"
#include "carrier_util.h"
#include "cfgtree.h"
#include "log.h"
#include "proto.h"
#include "util.h"
#include "vonage.h"

#define VONAGE_TEXT_SHOWN 120        /* of Vonage's error-text, in details */

struct vonage {
	char *api_key;
	char *api_secret;                /* secret */
	char *from;
	char *url;                       /* {api_url}/sms/json */
};

/* Vonage's per-message status codes (the x-errors of its SMS API
 * description). The number is the problem: invalid parameters (the number,
 * the usual cause), invalid message (unknown prefix), barred, deactivated. */
static const int permanent_codes[] = { 3, 6, 7, 33 };
/* Our account is the problem: credentials, account barred, no credit, demo
 * mode. Another carrier may work, and someone must be told. */
static const int loud_codes[] = { 4, 8, 9, 29 };
/* Throttled, or too many connections for the account: later may work. */
static const int retry_codes[] = { 1, 10 };

static int
in_list(int v, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

#define IN(v, l) in_list((v), (l), sizeof(l) / sizeof((l)[0]))

int
vonage_build_form(char *out, size_t outsz, const struct vonage_form *f)
{
	const unsigned char *p;
	size_t off = 0;
	int unicode = 0, r = -1;

	if (outsz == 0 || outsz > INT_MAX || f->api_key == NULL ||
	    f->api_secret == NULL || f->from == NULL || f->to == NULL ||
	    f->text == NULL || f->to[0] != '+')
		goto out;
	for (p = (const unsigned char *)f->text; *p != '\0'; p++)
		if (*p >= 0x80)
			unicode = 1;
	if (carrier_form_add(out, outsz, &off, "api_key", f->api_key) == -1 ||
	    carrier_form_add(out, outsz, &off, "api_secret", f->api_secret) == -1 ||
	    carrier_form_add(out, outsz, &off, "from", f->from) == -1 ||
	    carrier_form_add(out, outsz, &off, "to", f->to + 1) == -1 ||
	    carrier_form_add(out, outsz, &off, "text", f->text) == -1 ||
	    (unicode && carrier_form_add(out, outsz, &off, "type", "unicode") == -1) ||
	    (f->entity_id != NULL &&
	    carrier_form_add(out, outsz, &off, "entity-id", f->entity_id) == -1) ||
	    (f->content_id != NULL &&
	    carrier_form_add(out, outsz, &off, "content-id", f->content_id) == -1))
		goto out;
	r = (int)off;
 out:
	if (r == -1 && outsz > 0)
		explicit_bzero(out, outsz);
	return r;
}

/* "0".."99", as Vonage sends them (strings); -1 if not. */
static int
status_value(const json_t *v)
{
	const char *s;
	size_t n;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 999)
		return (int)json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = strspn(s, "0123456789");
	if (n == 0 || n > 3 || s[n] != '\0' || n != json_string_length(v))
		return -1;
	return atoi(s);
}

static enum carrier_status
classify(int st, int *loud)
{
	if (st == 0)
		return CARRIER_ACCEPTED;
	if (IN(st, retry_codes))
		return CARRIER_RETRY;
	if (IN(st, permanent_codes))
		return CARRIER_PERMANENT;
	if (IN(st, loud_codes))
		*loud = 1;
	return CARRIER_FAILOVER;
}

/* How bad an answer is, to keep the worst of a multi-part reply. */
static int
rank(enum carrier_status s)
{
	switch (s) {
	case CARRIER_ACCEPTED: return 0;
	case CARRIER_RETRY: return 1;
	case CARRIER_FAILOVER: return 2;
	case CARRIER_PERMANENT: return 3;
	}
	return 2;
}

int
vonage_parse_reply(long http_status, const char *body, size_t len,
    struct carrier_result *res, int *loud)
{
	char text[VONAGE_TEXT_SHOWN + 1];
	json_t *root = NULL, *msgs, *m, *v;
	json_error_t jerr;
	enum carrier_status worst = CARRIER_ACCEPTED, s;
	size_t i;
	int st, worst_st = 0, r = -1;

	memset(res, 0, sizeof(*res));
	*loud = 0;
	res->status = CARRIER_FAILOVER;
	if (http_status != 200) {
		if (http_status == 429)
			carrier_result_set(res, CARRIER_RETRY, "HTTP 429");
		else {
			if (http_status == 401 || http_status == 403)
				*loud = 1;
			carrier_result_set(res, CARRIER_FAILOVER, "HTTP %ld", http_status);
		}
		goto out;
	}
	if (body != NULL && len > 0)
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	msgs = json_is_object(root) ? json_object_get(root, "messages") : NULL;
	if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
		carrier_result_set(res, CARRIER_FAILOVER, "HTTP 200, reply without "
		    "messages");
		goto out;
	}
	for (i = 0; i < json_array_size(msgs); i++) {
		m = json_array_get(msgs, i);
		if (!json_is_object(m) ||
		    (st = status_value(json_object_get(m, "status"))) == -1) {
			carrier_result_set(res, CARRIER_FAILOVER, "HTTP 200, message "
			    "%zu without a status", i);
			goto out;
		}
		s = classify(st, loud);
		if (s == CARRIER_ACCEPTED && res->ref[0] == '\0') {
			v = json_object_get(m, "message-id");
			if (!json_is_string(v) || json_string_length(v) == 0) {
				carrier_result_set(res, CARRIER_FAILOVER, "HTTP 200, "
				    "status 0 without a message-id");
				goto out;
			}
			log_safe(res->ref, sizeof(res->ref), json_string_value(v));
		}
		if (rank(s) > rank(worst) || (i == 0 && s != CARRIER_ACCEPTED)) {
			worst = s;
			worst_st = st;
			v = json_object_get(m, "error-text");
			log_safe(text, sizeof(text), json_is_string(v) ?
			    json_string_value(v) : "(no error-text)");
			carrier_mask_numbers(text);
		}
	}
	if (worst == CARRIER_ACCEPTED)
		carrier_result_set(res, CARRIER_ACCEPTED, "HTTP 200, status 0");
	else
		carrier_result_set(res, worst, "HTTP 200, Vonage status %d: %s",
		    worst_st, text);
	r = 0;
 out:
	/* A ref only names a message that was taken. */
	if (res->status != CARRIER_ACCEPTED)
		res->ref[0] = '\0';
	json_decref(root);
	return r;
}

static void
vonage_parse(struct carrier_req *req, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	int loud = 0;

	vonage_parse_reply(status, body, len, res, &loud);
	if (loud)
		log_warn("carrier %s: Vonage refused our account (%s); check "
		    "api_key, api_secret, credit and whether the account is "
		    "still in demo mode", req->c->name, res->detail);
}

static int
vonage_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct vonage *v = c->priv;
	struct carrier_req *req = NULL;
	struct vonage_form f;
	size_t sz;
	int n, r = -1;

	if (v == NULL || m->to == NULL || m->text == NULL ||
	    (m->channel != 0 && m->channel != PROTO_CH_SMS))
		goto out;
	memset(&f, 0, sizeof(f));
	f.api_key = v->api_key;
	f.api_secret = v->api_secret;
	f.from = m->from != NULL ? m->from : v->from;
	f.to = m->to;
	f.text = m->text;
	f.entity_id = m->dlt_entity_id;
	f.content_id = m->dlt_template_id;
	/* Each byte encodes to at most 3; 128 covers names and separators. */
	sz = 128 + 3 * (strlen(f.api_key) + strlen(f.api_secret) +
	    strlen(f.from) + strlen(f.to) + strlen(f.text) +
	    (f.entity_id ? strlen(f.entity_id) : 0) +
	    (f.content_id ? strlen(f.content_id) : 0));
	/* The body holds the code and the secret: the request wipes it. */
	if ((req = carrier_req_new(c, vonage_parse, done, arg)) == NULL ||
	    carrier_req_body(req, sz) == NULL ||
	    (n = vonage_build_form(req->body, req->bodysz, &f)) == -1 ||
	    carrier_req_start(req, v->url, (size_t)n, VONAGE_REPLY_MAX) == -1)
		goto out;
	req = NULL;
	r = 0;
 out:
	carrier_req_free(req);
	return r;
}

static void
vonage_free_priv(struct vonage *v)
{
	if (v == NULL)
		return;
	free(v->api_key);
	freezero_str(v->api_secret);
	free(v->from);
	free(v->url);
	free(v);
}

/* What Vonage's description allows for api_key: 8 characters; the secret 6
 * to 32. Checked here so a typo shows at start-up, not at the first login. */
static int
vonage_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct vonage *v;
	struct cfg_node *at;
	char path[256];
	size_t i;
	int bad = 0, r = -1;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	if (cfg_str(ctx, map, "api_key", &v->api_key, 1) != 1)
		bad = 1;
	else {
		for (i = 0; v->api_key[i] != '\0'; i++)
			if (!((v->api_key[i] >= '0' && v->api_key[i] <= '9') ||
			    (v->api_key[i] >= 'a' && v->api_key[i] <= 'z') ||
			    (v->api_key[i] >= 'A' && v->api_key[i] <= 'Z')))
				break;
		if (i != 8 || v->api_key[i] != '\0') {
			at = cfg_get(map, "api_key");
			cfg_err(ctx, at, "%s: must be 8 letters and digits",
			    cfg_path(at, path, sizeof(path)));
			bad = 1;
		}
	}
	if (cfg_secret(ctx, map, "api_secret", &v->api_secret, VONAGE_SECRET_MAX,
	    1) != 1)
		bad = 1;
	else if (strlen(v->api_secret) < 6 || strlen(v->api_secret) > 32) {
		cfg_err(ctx, map, "carrier %s: api_secret must be 6 to 32 bytes",
		    c->name);
		bad = 1;
	}
	if (cfg_str(ctx, map, "from", &v->from, 1) != 1)
		bad = 1;
	else if (v->from[0] == '\0' || strlen(v->from) > 15 ||
	    (v->from[0] == '+' && !e164_valid(v->from))) {
		at = cfg_get(map, "from");
		cfg_err(ctx, at, "%s: must be an E.164 number or a sender ID of "
		    "up to 11 characters", cfg_path(at, path, sizeof(path)));
		bad = 1;
	}
	if (carrier_api_url(ctx, map, VONAGE_DEFAULT_URL, VONAGE_PATH, &v->url) == -1)
		bad = 1;
	if (carrier_tls_configure(c, ctx, map) == -1)
		bad = 1;
	if (bad)
		goto out;
	c->priv = v;
	v = NULL;
	r = 0;
 out:
	if (r == -1)
		carrier_tls_free(c);
	vonage_free_priv(v);
	return r;
}

static void
vonage_free(struct carrier *c)
{
	vonage_free_priv(c->priv);
	c->priv = NULL;
	carrier_tls_free(c);
}

const struct carrier_ops carrier_vonage_ops = {
	.type = "vonage",
	.channels = PROTO_CH_SMS,
	.configure = vonage_configure,
	.send = vonage_send,
	.free = vonage_free,
};
