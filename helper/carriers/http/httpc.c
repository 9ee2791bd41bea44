/* The generic http driver's pure parts (httpc.h): the presets, templates,
 * and the reading of a provider's answer. No network here. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "carrier.h"
#include "carrier_util.h"
#include "httpc.h"
#include "util.h"

static const struct httpc_preset presets[] = {
	{ "plivo", "https://api.plivo.com", "/v1/Account/{account}/Message/",
	    "{\"src\":\"{from}\",\"dst\":\"{to_digits}\",\"text\":\"{text}\"}",
	    HTTPC_AUTH_BASIC, NULL, "message_uuid/0", "error" },
	{ "telnyx", "https://api.telnyx.com", "/v2/messages",
	    "{\"from\":\"{from}\",\"to\":\"{to}\",\"text\":\"{text}\"}",
	    HTTPC_AUTH_SCHEME, "Bearer", "data/id", "errors/0/code" },
	{ "sinch", "https://us.sms.api.sinch.com", "/xms/v1/{account}/batches",
	    "{\"from\":\"{from}\",\"to\":[\"{to_digits}\"],\"body\":\"{text}\"}",
	    HTTPC_AUTH_SCHEME, "Bearer", "id", "code" },
	{ "infobip", "https://{account}.api.infobip.com", "/sms/2/text/advanced",
	    "{\"messages\":[{\"destinations\":[{\"to\":\"{to_digits}\"}],"
	    "\"from\":\"{from}\",\"text\":\"{text}\"}]}",
	    HTTPC_AUTH_SCHEME, "App", "messages/0/messageId",
	    "requestError/serviceException/messageId" },
	{ "messagebird", "https://rest.messagebird.com", "/messages",
	    "{\"originator\":\"{from}\",\"recipients\":[\"{to_digits}\"],"
	    "\"body\":\"{text}\"}",
	    HTTPC_AUTH_SCHEME, "AccessKey", "id", "errors/0/code" },
};

const struct httpc_preset *
httpc_preset(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

const char *
httpc_preset_names(void)
{
	return "plivo, telnyx, sinch, infobip, messagebird";
}

int
httpc_expand(char *out, size_t outsz, const char *tpl, const struct httpc_vars *v)
{
	const char *p, *val, *end;
	size_t off = 0, n, klen;
	int digits, r = -1;

	if (outsz == 0)
		return -1;
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '}')
			goto out;
		if (*p != '{') {
			if (outsz - off < 2)
				goto out;
			out[off++] = *p;
			continue;
		}
		if ((end = strchr(p, '}')) == NULL)
			goto out;
		klen = (size_t)(end - p - 1);
		digits = 0;
#define KEY(k) (klen == strlen(k) && strncmp(p + 1, k, klen) == 0)
		if (KEY("to"))
			val = v->to;
		else if (KEY("to_digits")) {
			val = v->to;
			digits = 1;
		} else if (KEY("from"))
			val = v->from;
		else if (KEY("text"))
			val = v->text;
		else if (KEY("code"))
			val = v->code;
		else
			goto out;
#undef KEY
		if (val == NULL)
			val = "";
		if (digits && *val == '+')
			val++;
		n = strlen(val);
		if (outsz - off <= n)
			goto out;
		memcpy(out + off, val, n);
		off += n;
		p = end;
	}
	out[off] = '\0';
	r = (int)off;
 out:
	if (r == -1)
		explicit_bzero(out, outsz);
	return r;
}

/* "a/0/b": object keys and array indexes. */
static json_t *
json_at(json_t *root, const char *path)
{
	char seg[64];
	const char *p = path, *q;
	size_t n;

	while (root != NULL && *p != '\0') {
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (json_is_array(root) && strspn(seg, "0123456789") == n && n < 6)
			root = json_array_get(root, (size_t)atoi(seg));
		else if (json_is_object(root))
			root = json_object_get(root, seg);
		else
			return NULL;
		p += n;
		if (*p == '/')
			p++;
	}
	return root;
}

int
httpc_parse_reply(const struct httpc_rules *rules, long status, const char *body,
    size_t len, struct carrier_result *res, int *loud)
{
	char code[64] = "";
	json_t *root = NULL, *v;
	json_error_t jerr;
	size_t i;
	int r = -1;

	memset(res, 0, sizeof(res[0]));
	*loud = 0;
	if (body != NULL && len > 0)
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root != NULL)
		r = 0;
	if (status >= 200 && status < 300) {
		if (rules->ref_path == NULL) {
			carrier_result_set(res, CARRIER_ACCEPTED, "HTTP %ld", status);
			goto out;
		}
		v = root ? json_at(root, rules->ref_path) : NULL;
		if (json_is_string(v) && json_string_length(v) > 0) {
			log_safe(res->ref, sizeof(res->ref), json_string_value(v));
			carrier_result_set(res, CARRIER_ACCEPTED, "HTTP %ld", status);
		} else if (json_is_integer(v)) {
			snprintf(res->ref, sizeof(res->ref), "%lld",
			    (long long)json_integer_value(v));
			carrier_result_set(res, CARRIER_ACCEPTED, "HTTP %ld", status);
		} else
			carrier_result_set(res, CARRIER_FAILOVER, "HTTP %ld without a "
			    "message id at %s", status, rules->ref_path);
		goto out;
	}
	if (root != NULL && rules->error_path != NULL &&
	    (v = json_at(root, rules->error_path)) != NULL) {
		if (json_is_string(v))
			log_safe(code, sizeof(code), json_string_value(v));
		else if (json_is_integer(v))
			snprintf(code, sizeof(code), "%lld", (long long)json_integer_value(v));
		carrier_mask_numbers(code);
	}
	if (status == 429)
		carrier_result_set(res, CARRIER_RETRY, "HTTP 429");
	else if (status == 401 || status == 403) {
		*loud = 1;
		carrier_result_set(res, CARRIER_FAILOVER, "HTTP %ld%s%s", status,
		    code[0] ? ", error " : "", code);
	} else {
		res->status = CARRIER_FAILOVER;
		for (i = 0; status >= 400 && status < 500 && code[0] != '\0' &&
		    i < rules->n_permanent; i++)
			if (strcmp(rules->permanent[i], code) == 0)
				res->status = CARRIER_PERMANENT;
		carrier_result_set(res, (int)res->status, "HTTP %ld%s%s", status,
		    code[0] ? ", error " : "", code);
	}
 out:
	if (res->status != CARRIER_ACCEPTED)
		res->ref[0] = '\0';
	json_decref(root);
	return r;
}
