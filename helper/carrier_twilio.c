/* Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json
 * with a form body and HTTP Basic auth, on the daemon's curl multi handle. */
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
#define TWILIO_MSG_SHOWN 160        /* of Twilio's error message, in details */
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

/* Twilio's codes that say the number itself cannot get the message, so another
 * carrier would fail the same way. 21219 (trial account, unverified To) is
 * left out on purpose: it is this account's limit, another carrier may work. */
static const long permanent_codes[] = {
	21211,  /* invalid To */
	21214,  /* To cannot be reached */
	21217,  /* number does not appear to be valid */
	21401,  /* invalid phone number */
	21408,  /* no permission to send to the To number's region */
	21610,  /* recipient opted out (STOP) */
	21612,  /* To not reachable by SMS */
	21614,  /* To is not a mobile number */
};

int
twilio_sid_valid(const char *s, const char *prefix)
{
	size_t i;

	if (s == NULL || strlen(s) != 34 || strncmp(s, prefix, 2) != 0)
		return 0;
	for (i = 2; i < 34; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int
twilio_pct_encode(char *out, size_t outsz, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n = 0;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX)
		goto out;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (unreserved(*p)) {
			if (outsz - n < 2)
				goto out;
			out[n++] = (char)*p;
		} else {
			/* Whole "%XX" or nothing: a cut escape would change the text. */
			if (outsz - n < 4)
				goto out;
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 0x0f];
		}
	}
	out[n] = '\0';
	r = (int)n;
 out:
	return r;
}

/* Appends "name=" and the encoded value at out[*off]. */
static int
form_add(char *out, size_t outsz, size_t *off, const char *name, const char *value)
{
	int n, r = -1;

	n = snprintf(out + *off, outsz - *off, "%s%s=", *off ? "&" : "", name);
	if (n < 0 || (size_t)n >= outsz - *off)
		goto out;
	*off += (size_t)n;
	if ((n = twilio_pct_encode(out + *off, outsz - *off, value)) == -1)
		goto out;
	*off += (size_t)n;
	r = 0;
 out:
	return r;
}

int
twilio_build_form(char *out, size_t outsz, const char *to,
    const char *from_or_null, const char *mgsid_or_null, const char *body)
{
	size_t off = 0;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX || to == NULL || body == NULL ||
	    (from_or_null == NULL) == (mgsid_or_null == NULL))
		goto out;
	if (form_add(out, outsz, &off, "To", to) == -1)
		goto out;
	if (from_or_null != NULL &&
	    form_add(out, outsz, &off, "From", from_or_null) == -1)
		goto out;
	if (mgsid_or_null != NULL &&
	    form_add(out, outsz, &off, "MessagingServiceSid", mgsid_or_null) == -1)
		goto out;
	if (form_add(out, outsz, &off, "Body", body) == -1)
		goto out;
	r = (int)off;
 out:
	if (r == -1 && outsz > 0)
		explicit_bzero(out, outsz);
	return r;
}

/* Letters, digits and - . _ only: safe inside an XML attribute as is. */
static int
attr_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 1;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' ||
		    s[i] == '_'))
			return 0;
	return i > 0 && i <= 64;
}

/* Appends s at out[*off], XML-escaped when esc. */
static int
xml_add(char *out, size_t outsz, size_t *off, const char *s, int esc)
{
	const char *rep;
	char one[2];
	size_t n;

	for (; *s != '\0'; s++) {
		rep = NULL;
		if (esc) {
			switch (*s) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&apos;"; break;
			}
		}
		if (rep == NULL) {
			one[0] = *s;
			one[1] = '\0';
			rep = one;
		}
		n = strlen(rep);
		if (outsz - *off <= n)
			return -1;
		memcpy(out + *off, rep, n);
		*off += n;
	}
	out[*off] = '\0';
	return 0;
}

int
twilio_build_twiml(char *out, size_t outsz, const char *intro,
    const char *code, const char *language, const char *voice)
{
	char say[160], digits[32];
	size_t off = 0, i, nd, d = 0;
	int n, r = -1;

	if (outsz == 0 || outsz > INT_MAX || intro == NULL || code == NULL)
		goto out;
	nd = strlen(code);
	if (nd < 4 || nd > 10 || strspn(code, "0123456789") != nd ||
	    !attr_valid(language) || !attr_valid(voice))
		goto out;
	/* "1, 2, 3, 4, 5, 6.": read one by one, not as a number. */
	for (i = 0; i < nd; i++) {
		digits[d++] = code[i];
		if (i + 1 < nd) {
			digits[d++] = ',';
			digits[d++] = ' ';
		}
	}
	digits[d++] = '.';
	digits[d] = '\0';
	n = snprintf(say, sizeof(say), "<Say%s%s%s%s%s%s>",
	    language ? " language=\"" : "", language ? language : "",
	    language ? "\"" : "", voice ? " voice=\"" : "", voice ? voice : "",
	    voice ? "\"" : "");
	if (n < 0 || (size_t)n >= sizeof(say))
		goto out;
	if (xml_add(out, outsz, &off, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response>", 0) == -1 ||
	    xml_add(out, outsz, &off, say, 0) == -1 ||
	    xml_add(out, outsz, &off, intro, 1) == -1 ||
	    xml_add(out, outsz, &off, "</Say><Pause length=\"1\"/>", 0) == -1)
		goto out;
	for (i = 0; i < 2; i++)
		if (xml_add(out, outsz, &off, say, 0) == -1 ||
		    xml_add(out, outsz, &off, digits, 0) == -1 ||
		    xml_add(out, outsz, &off, i == 0 ? "</Say><Pause length=\"1\"/>" :
		    "</Say>", 0) == -1)
			goto out;
	if (xml_add(out, outsz, &off, "</Response>", 0) == -1)
		goto out;
	r = (int)off;
 out:
	explicit_bzero(digits, sizeof(digits));
	if (r == -1 && outsz > 0)
		explicit_bzero(out, outsz);
	return r;
}

int
twilio_build_call_form(char *out, size_t outsz, const char *to,
    const char *from, const char *twiml)
{
	size_t off = 0;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX || to == NULL || from == NULL ||
	    twiml == NULL)
		goto out;
	if (form_add(out, outsz, &off, "To", to) == -1 ||
	    form_add(out, outsz, &off, "From", from) == -1 ||
	    form_add(out, outsz, &off, "Twiml", twiml) == -1)
		goto out;
	r = (int)off;
 out:
	if (r == -1 && outsz > 0)
		explicit_bzero(out, outsz);
	return r;
}

int
twilio_build_whatsapp_form(char *out, size_t outsz, const char *to,
    const char *from, const char *content_sid, const char *code)
{
	char wto[32], wfrom[32], vars[48];
	size_t off = 0, nd;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX || to == NULL || from == NULL ||
	    content_sid == NULL || code == NULL)
		goto out;
	nd = strlen(code);
	/* Digits only, so the JSON needs no escaping. */
	if (nd < 4 || nd > 10 || strspn(code, "0123456789") != nd)
		goto out;
	if ((size_t)snprintf(wto, sizeof(wto), "whatsapp:%s", to) >= sizeof(wto) ||
	    (size_t)snprintf(wfrom, sizeof(wfrom), "whatsapp:%s", from) >= sizeof(wfrom))
		goto out;
	snprintf(vars, sizeof(vars), "{\"1\":\"%s\"}", code);
	if (form_add(out, outsz, &off, "To", wto) == -1 ||
	    form_add(out, outsz, &off, "From", wfrom) == -1 ||
	    form_add(out, outsz, &off, "ContentSid", content_sid) == -1 ||
	    form_add(out, outsz, &off, "ContentVariables", vars) == -1)
		goto out;
	r = (int)off;
 out:
	explicit_bzero(vars, sizeof(vars));
	if (r == -1 && outsz > 0)
		explicit_bzero(out, outsz);
	return r;
}

static int
is_permanent(long code)
{
	size_t i;

	for (i = 0; i < sizeof(permanent_codes) / sizeof(permanent_codes[0]); i++)
		if (permanent_codes[i] == code)
			return 1;
	return 0;
}

/* Twilio's messages quote the number ("The 'To' number +447700900123 is
 * ..."); the daemon's log shows numbers masked, so the detail does too:
 * '+', two digits, stars, the last four. */
static void
mask_numbers(char *s)
{
	size_t i, j, n;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '+')
			continue;
		for (n = 0; s[i + 1 + n] >= '0' && s[i + 1 + n] <= '9'; n++)
			;
		if (n >= 7)
			for (j = 2; j < n - 4; j++)
				s[i + 1 + j] = '*';
		i += n;
	}
}

static void
set_result(struct carrier_result *res, enum carrier_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_result(struct carrier_result *res, enum carrier_status st, const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

int
twilio_parse_reply(long http_status, const char *body, size_t len,
    struct carrier_result *res)
{
	char msg[TWILIO_MSG_SHOWN + 1] = "";
	json_t *root = NULL, *v;
	json_error_t jerr;
	long code = 0;
	int have_code = 0, r = -1;

	memset(res, 0, sizeof(*res));
	res->status = CARRIER_FAILOVER;
	if (body != NULL && len > 0)
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}

	if (http_status == 201) {
		v = root ? json_object_get(root, "sid") : NULL;
		if (json_is_string(v) && json_string_length(v) > 0) {
			log_safe(res->ref, sizeof(res->ref), json_string_value(v));
			set_result(res, CARRIER_ACCEPTED, "HTTP 201");
			r = 0;
		} else
			set_result(res, CARRIER_FAILOVER, "HTTP 201 without a message sid");
		goto out;
	}

	/* An error object: {"code": N, "message": "...", "more_info": "...", "status": N} */
	if (root != NULL) {
		v = json_object_get(root, "code");
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= 999999) {
			code = (long)json_integer_value(v);
			have_code = 1;
		}
		v = json_object_get(root, "message");
		if (json_is_string(v)) {
			log_safe(msg, sizeof(msg), json_string_value(v));
			mask_numbers(msg);
		}
	}

	if (http_status == 429 || code == 20429)
		res->status = CARRIER_RETRY;
	else if (http_status == 401 || http_status == 403 || code == 20003)
		res->status = CARRIER_FAILOVER;     /* our credentials, not the number */
	else if (http_status >= 400 && http_status < 500 && is_permanent(code))
		res->status = CARRIER_PERMANENT;
	else
		res->status = CARRIER_FAILOVER;     /* 5xx, unknown 4xx, odd 2xx */

	if (have_code) {
		set_result(res, res->status, "HTTP %ld, Twilio error %ld: %s",
		    http_status, code, msg[0] ? msg : "(no message)");
		r = 0;
	} else if (root != NULL)
		set_result(res, res->status, "HTTP %ld, reply without an error code",
		    http_status);
	else
		set_result(res, res->status, "HTTP %ld, reply is not a JSON object",
		    http_status);
 out:
	json_decref(root);
	return r;
}

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
