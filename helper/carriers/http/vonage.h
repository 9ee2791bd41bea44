/* The Vonage (Nexmo) SMS API driver's pure parts, apart from the transfer so
 * that the unit tests and the fuzzer can drive them without a network. */
#ifndef OTPSMS_VONAGE_H
#define OTPSMS_VONAGE_H

#include <stddef.h>

struct carrier_result;

#define VONAGE_DEFAULT_URL "https://rest.nexmo.com"
#define VONAGE_PATH "/sms/json"
#define VONAGE_KEY_MAX 64
#define VONAGE_SECRET_MAX 128
#define VONAGE_REPLY_MAX (64 * 1024)

struct vonage_form {
	const char *api_key;
	const char *api_secret;
	const char *from;            /* E.164 or alphanumeric sender ID */
	const char *to;              /* E.164: sent without its '+' */
	const char *text;            /* holds the code */
	const char *entity_id;       /* India DLT, or NULL */
	const char *content_id;      /* India DLT, or NULL */
};

/* Builds the form body: api_key, api_secret, from, to, text, type=unicode
 * when the text is not plain ASCII, and entity-id / content-id when given.
 * Returns the length, or -1 (out wiped) when it does not fit or an argument
 * is missing. out holds the code and the secret afterwards: wipe it. */
int vonage_build_form(char *out, size_t outsz, const struct vonage_form *f);

/* Classifies Vonage's answer into res (always filled). It answers HTTP 200
 * even when it refuses a message: each messages[].status tells. *loud is set
 * when the reason is our account (credentials, barred, credit, demo mode),
 * which an administrator must hear about. body need not be NUL-terminated.
 * Returns 0 when the reply was a well-formed answer, -1 when it was not. */
int vonage_parse_reply(long http_status, const char *body, size_t len,
    struct carrier_result *res, int *loud);

#endif
