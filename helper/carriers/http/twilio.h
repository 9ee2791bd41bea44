/* The Twilio driver's pure parts, apart from the transfer so that the unit
 * tests and the fuzzer can drive them without a network. */
#ifndef OTPSMS_TWILIO_H
#define OTPSMS_TWILIO_H

#include <stddef.h>

struct carrier_result;

#define TWILIO_TOKEN_MAX 128        /* auth_token bytes */
#define TWILIO_REPLY_MAX (64 * 1024)
#define TWILIO_DEFAULT_URL "https://api.twilio.com"

/* 1 if s is prefix (2 letters) followed by exactly 32 hex digits, as Twilio's
 * AC... and MG... SIDs. */
int twilio_sid_valid(const char *s, const char *prefix);

/* Builds the form body "To=..&From=..&Body=.." (or MessagingServiceSid= in
 * place of From; exactly one of the two must be given). Returns the length,
 * or -1 when it does not fit or the arguments are wrong; out is wiped then.
 * out holds the code afterwards: wipe it. */
int twilio_build_form(char *out, size_t outsz, const char *to,
    const char *from_or_null, const char *mgsid_or_null, const char *body);

#define TWILIO_TWIML_MAX 1024
#define TWILIO_DEFAULT_INTRO "Your login code is"
#define TWILIO_DEFAULT_LANGUAGE "en-US"

/* The TwiML of a voice call: the intro, then the digits one by one
 * ("1, 2, 3, 4, 5, 6."), twice, with a pause between. language and voice
 * (either may be NULL) are <Say> attributes; the intro is XML-escaped.
 * Returns the length, or -1 (out wiped) when code is not 4 to 10 digits,
 * language or voice hold other than letters, digits, '-', '.', '_', or it
 * does not fit. out holds the code afterwards: wipe it. */
int twilio_build_twiml(char *out, size_t outsz, const char *intro,
    const char *code, const char *language, const char *voice);

/* Form of a call create (Calls.json): To, From, Twiml. */
int twilio_build_call_form(char *out, size_t outsz, const char *to,
    const char *from, const char *twiml);

/* Form of a WhatsApp message from a pre-approved template: To and From as
 * whatsapp:+E164, ContentSid, ContentVariables {"1":"CODE"}. */
int twilio_build_whatsapp_form(char *out, size_t outsz, const char *to,
    const char *from, const char *content_sid, const char *code);

/* Classifies Twilio's answer to a message create into res (always filled).
 * body need not be NUL-terminated. Returns 0 when the reply was a well-formed
 * Twilio answer (a message or an error object), -1 when it was not. */
int twilio_parse_reply(long http_status, const char *body, size_t len,
    struct carrier_result *res);

/* Classifies a poll of Messages/{sid}.json (deliver_within) into res.
 * Returns 1 when the status is final: ACCEPTED on delivered or read (or sent,
 * with accept_sent), FAILOVER on failed, undelivered or canceled (Twilio's
 * error_code in the detail). 0 while it is on its way (queued, accepted,
 * scheduled, sending, sent, partially_delivered), -1 when the reply is not a
 * message (not HTTP 200, not JSON, no or an unknown status): poll again.
 * res->detail always says why; res->ref is the message sid if there is one. */
int twilio_parse_status(long http_status, const char *body, size_t len,
    int accept_sent, struct carrier_result *res);

#endif
