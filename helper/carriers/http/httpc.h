/* The generic HTTP driver's pure parts (templates, reply rules, presets),
 * apart from the transfer, for the unit tests and the fuzzer. */
#ifndef OTPSMS_HTTPC_H
#define OTPSMS_HTTPC_H

#include <stddef.h>

struct carrier_result;

#define HTTPC_REPLY_MAX (64 * 1024)
#define HTTPC_BODY_MAX 8192
#define HTTPC_MAX_PERMANENT 32

/* What a template may name: {to} (E.164), {to_digits} (without '+'),
 * {from}, {text}, {code}. */
struct httpc_vars {
	const char *to;
	const char *from;
	const char *text;
	const char *code;
};

/* Expands tpl into out. Returns the length, or -1 (out wiped) on an unknown
 * placeholder, an unbalanced brace, or when it does not fit. */
int httpc_expand(char *out, size_t outsz, const char *tpl, const struct httpc_vars *v);

/* How to read the answer. */
struct httpc_rules {
	const char *ref_path;        /* "messages/0/messageId": the message id,
	                              * required in a 2xx answer; NULL: none */
	const char *error_path;      /* where a 4xx answer keeps its error code */
	const char *permanent[HTTPC_MAX_PERMANENT]; /* codes there that mean
	                              * the number cannot get messages */
	size_t n_permanent;
};

/* 2xx (with the ref when ref_path is set): ACCEPTED; 429: RETRY; 401/403:
 * FAILOVER and *loud; a 4xx whose error code is listed: PERMANENT; anything
 * else: FAILOVER. Returns 0 when the body was JSON, -1 when not. */
int httpc_parse_reply(const struct httpc_rules *rules, long status, const char *body,
    size_t len, struct carrier_result *res, int *loud);

enum httpc_auth { HTTPC_AUTH_NONE, HTTPC_AUTH_BASIC, HTTPC_AUTH_SCHEME };

struct httpc_preset {
	const char *name;
	const char *base;            /* default api_url; {account} is replaced */
	const char *path;            /* appended to api_url; {account} too */
	const char *body;            /* a JSON template */
	enum httpc_auth auth;        /* BASIC: user is account */
	const char *scheme;          /* "Bearer", "App", "AccessKey" */
	const char *ref_path;
	const char *error_path;
};

/* NULL if unknown. */
const struct httpc_preset *httpc_preset(const char *name);
const char *httpc_preset_names(void);

#endif
