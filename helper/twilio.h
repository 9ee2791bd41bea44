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

/* Percent-encodes in (RFC 3986: unreserved kept, everything else %XX) into
 * out. Returns the length written, or -1 if it does not fit. */
int twilio_pct_encode(char *out, size_t outsz, const char *in);

/* Builds the form body "To=..&From=..&Body=.." (or MessagingServiceSid= in
 * place of From; exactly one of the two must be given). Returns the length,
 * or -1 when it does not fit or the arguments are wrong; out is wiped then.
 * out holds the code afterwards: wipe it. */
int twilio_build_form(char *out, size_t outsz, const char *to,
    const char *from_or_null, const char *mgsid_or_null, const char *body);

/* Classifies Twilio's answer to a message create into res (always filled).
 * body need not be NUL-terminated. Returns 0 when the reply was a well-formed
 * Twilio answer (a message or an error object), -1 when it was not. */
int twilio_parse_reply(long http_status, const char *body, size_t len,
    struct carrier_result *res);

#endif
