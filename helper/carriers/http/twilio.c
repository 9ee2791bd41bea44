/* Twilio's pure parts (twilio.h): SIDs, form encoding, the TwiML of a voice
 * call, WhatsApp template messages, and how Twilio's answers are classified.
 * No network here, so the unit tests and the fuzzer drive them directly. */
#include <config.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "carrier.h"
#include "carrier_util.h"
#include "twilio.h"
#include "util.h"

#define TWILIO_MSG_SHOWN 160        /* of Twilio's error message, in details */

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

int
twilio_build_form(char *out, size_t outsz, const char *to,
    const char *from_or_null, const char *mgsid_or_null, const char *body)
{
	size_t off = 0;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX || to == NULL || body == NULL ||
	    (from_or_null == NULL) == (mgsid_or_null == NULL))
		goto out;
	if (carrier_form_add(out, outsz, &off, "To", to) == -1)
		goto out;
	if (from_or_null != NULL &&
	    carrier_form_add(out, outsz, &off, "From", from_or_null) == -1)
		goto out;
	if (mgsid_or_null != NULL &&
	    carrier_form_add(out, outsz, &off, "MessagingServiceSid", mgsid_or_null) == -1)
		goto out;
	if (carrier_form_add(out, outsz, &off, "Body", body) == -1)
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
	if (carrier_form_add(out, outsz, &off, "To", to) == -1 ||
	    carrier_form_add(out, outsz, &off, "From", from) == -1 ||
	    carrier_form_add(out, outsz, &off, "Twiml", twiml) == -1)
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
	if (carrier_form_add(out, outsz, &off, "To", wto) == -1 ||
	    carrier_form_add(out, outsz, &off, "From", wfrom) == -1 ||
	    carrier_form_add(out, outsz, &off, "ContentSid", content_sid) == -1 ||
	    carrier_form_add(out, outsz, &off, "ContentVariables", vars) == -1)
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

int
twilio_parse_status(long http_status, const char *body, size_t len,
    int accept_sent, struct carrier_result *res)
{
	char st[32] = "", sid[40] = "";
	json_t *root = NULL, *v;
	json_error_t jerr;
	long code = -1;
	int r = -1;

	memset(res, 0, sizeof(*res));
	res->status = CARRIER_FAILOVER;
	if (http_status != 200) {
		set_result(res, CARRIER_FAILOVER, "status poll: HTTP %ld", http_status);
		goto out;
	}
	if (body != NULL && len > 0)
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		set_result(res, CARRIER_FAILOVER, "status poll: reply is not a JSON object");
		goto out;
	}
	v = json_object_get(root, "sid");
	if (json_is_string(v))
		log_safe(sid, sizeof(sid), json_string_value(v));
	v = json_object_get(root, "status");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(st)) {
		set_result(res, CARRIER_FAILOVER, "status poll: reply without a status");
		goto out;
	}
	log_safe(st, sizeof(st), json_string_value(v));
	snprintf(res->ref, sizeof(res->ref), "%s", sid);
	v = json_object_get(root, "error_code");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 999999)
		code = (long)json_integer_value(v);

	/* "read" (WhatsApp) comes after "delivered". "sent" only says the
	 * operator took it: accepted only when configured so (accept_sent). */
	if (strcmp(st, "delivered") == 0 || strcmp(st, "read") == 0 ||
	    (accept_sent && strcmp(st, "sent") == 0)) {
		set_result(res, CARRIER_ACCEPTED, "Twilio status %s", st);
		r = 1;
	} else if (strcmp(st, "failed") == 0 || strcmp(st, "undelivered") == 0 ||
	    strcmp(st, "canceled") == 0) {
		if (code >= 0)
			set_result(res, CARRIER_FAILOVER, "Twilio status %s, error %ld",
			    st, code);
		else
			set_result(res, CARRIER_FAILOVER, "Twilio status %s", st);
		r = 1;
	} else if (strcmp(st, "queued") == 0 || strcmp(st, "accepted") == 0 ||
	    strcmp(st, "scheduled") == 0 || strcmp(st, "sending") == 0 ||
	    strcmp(st, "sent") == 0 || strcmp(st, "partially_delivered") == 0) {
		set_result(res, CARRIER_FAILOVER, "Twilio status %s", st);
		r = 0;
	} else
		set_result(res, CARRIER_FAILOVER, "status poll: unexpected status %s", st);
 out:
	json_decref(root);
	return r;
}
