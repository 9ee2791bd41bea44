/* The Vonage driver's pure parts: the form it posts and how it reads
 * Vonage's answers (HTTP 200 with a status per message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "vonage.h"
#include "tap.h"

#define R(s) (s), strlen(s)

static struct vonage_form
form(const char *text)
{
	struct vonage_form f;

	memset(&f, 0, sizeof(f));
	f.api_key = "abcd1234";
	f.api_secret = "s3cr3t&=+";
	f.from = "ACME";
	f.to = "+447700900123";
	f.text = text;
	return f;
}

static void
test_form(void)
{
	struct vonage_form f = form("123456 is your code");
	char out[512];
	int n;

	n = vonage_build_form(out, sizeof(out), &f);
	is_str(out, "api_key=abcd1234&api_secret=s3cr3t%26%3D%2B&from=ACME&"
	    "to=447700900123&text=123456%20is%20your%20code",
	    "form: fields in order, to without '+', secret encoded");
	is_int(n, (long long)strlen(out), "form: length returned");

	f = form("Code 123456 \xc3\xa9");
	vonage_build_form(out, sizeof(out), &f);
	ok(strstr(out, "&type=unicode") != NULL, "form: non-ASCII text is type=unicode");
	f = form("Code 123456");
	vonage_build_form(out, sizeof(out), &f);
	ok(strstr(out, "type=") == NULL, "form: ASCII text has no type (text)");

	f.entity_id = "1101456324675322134";
	f.content_id = "1107457532145798767";
	vonage_build_form(out, sizeof(out), &f);
	ok(strstr(out, "&entity-id=1101456324675322134&content-id=1107457532145798767")
	    != NULL, "form: DLT entity-id and content-id when given");

	f = form("x");
	f.to = "447700900123";
	is_int(vonage_build_form(out, sizeof(out), &f), -1, "form: To must be E.164");
	f = form("x");
	f.api_secret = NULL;
	is_int(vonage_build_form(out, sizeof(out), &f), -1, "form: secret required");
	f = form("x");
	n = (int)strlen("api_key=abcd1234&api_secret=s3cr3t%26%3D%2B&from=ACME&"
	    "to=447700900123&text=x");
	is_int(vonage_build_form(out, (size_t)n, &f), -1, "form: one byte short fails");
	ok(out[0] == '\0' && out[n - 1] == '\0', "form: buffer wiped after failure");
	is_int(vonage_build_form(out, (size_t)n + 1, &f), n, "form: exact size fits");
}

static void
test_parse(void)
{
	struct carrier_result res;
	int loud;

	is_int(vonage_parse_reply(200, R("{\"message-count\":\"1\",\"messages\":[{\"to\":"
	    "\"447700900123\",\"message-id\":\"0A0000000123ABCD1\",\"status\":\"0\"}]}"),
	    &res, &loud), 0, "0: well formed");
	is_int(res.status, CARRIER_ACCEPTED, "0: accepted");
	is_str(res.ref, "0A0000000123ABCD1", "0: message-id is the ref");
	is_int(loud, 0, "0: not loud");

	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"0\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "0 without a message-id: failover");

	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"1\",\"error-text\":"
	    "\"Throttled\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_RETRY, "1: retry");
	is_str(res.detail, "HTTP 200, Vonage status 1: Throttled", "1: detail");

	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"5\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "5: failover");
	is_int(loud, 0, "5: not loud");

	static const char *const louds[] = { "4", "8", "9", "29" };
	static const char *const perms[] = { "3", "6", "7", "33" };
	char body[128];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"messages\":[{\"status\":\"%s\"}]}", louds[i]);
		vonage_parse_reply(200, R(body), &res, &loud);
		ok(res.status == CARRIER_FAILOVER && loud == 1,
		    "%s: failover and loud", louds[i]);
		snprintf(body, sizeof(body), "{\"messages\":[{\"status\":\"%s\"}]}", perms[i]);
		vonage_parse_reply(200, R(body), &res, &loud);
		ok(res.status == CARRIER_PERMANENT && loud == 0, "%s: permanent", perms[i]);
	}
	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"15\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "15 (unknown to us): failover");
	vonage_parse_reply(200, R("{\"messages\":[{\"status\":10}]}"), &res, &loud);
	is_int(res.status, CARRIER_RETRY, "integer status 10 (binds): retry");

	vonage_parse_reply(200, R("{\"message-count\":\"2\",\"messages\":["
	    "{\"status\":\"0\",\"message-id\":\"A\"},{\"status\":\"5\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "multipart, one part refused: failover");
	is_str(res.ref, "", "multipart refused: no ref");
	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"1\"},"
	    "{\"status\":\"7\",\"error-text\":\"Barred +447700900123\"}]}"), &res, &loud);
	is_int(res.status, CARRIER_PERMANENT, "multipart: the worst answer wins");
	ok(strstr(res.detail, "7700900123") == NULL && strstr(res.detail, "+44******0123"),
	    "numbers in error-text are masked");

	is_int(vonage_parse_reply(200, R("<mt-submission-response/>"), &res, &loud), -1,
	    "XML: not well formed");
	is_int(res.status, CARRIER_FAILOVER, "XML: failover");
	is_int(vonage_parse_reply(200, R("{\"messages\":[]}"), &res, &loud), -1,
	    "no messages: not well formed");
	is_int(vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"x1\"}]}"), &res,
	    &loud), -1, "non-numeric status: not well formed");
	is_int(vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"0\"},7]}"), &res,
	    &loud), -1, "a part that is not an object: not well formed");
	is_int(vonage_parse_reply(200, NULL, 0, &res, &loud), -1, "empty body");
	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"0\",\"message-id\":"
	    "\"A\"},{\"sta~tus\":\"7\"}]}"), &res, &loud);
	ok(res.status == CARRIER_FAILOVER && res.ref[0] == '\0',
	    "a later part without a status: failover, no ref (found by the fuzzer)");

	vonage_parse_reply(429, R(""), &res, &loud);
	is_int(res.status, CARRIER_RETRY, "HTTP 429: retry");
	vonage_parse_reply(500, R("<html/>"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "HTTP 500: failover");
	vonage_parse_reply(401, R(""), &res, &loud);
	ok(res.status == CARRIER_FAILOVER && loud, "HTTP 401: failover, loud");
	/* Not NUL-terminated: the parser honours len. */
	vonage_parse_reply(200, "{\"messages\":[{\"status\":\"0\",\"message-id\":\"AB\"}]}XXXX",
	    strlen("{\"messages\":[{\"status\":\"0\",\"message-id\":\"AB\"}]}"), &res, &loud);
	is_str(res.ref, "AB", "len is honoured");
	vonage_parse_reply(200, R("{\"messages\":[{\"status\":\"0\",\"message-id\":"
	    "\"A\\u0001\\nB\"}]}"), &res, &loud);
	is_str(res.ref, "A??B", "ref is log-safe");
}

int
main(void)
{
	test_form();
	test_parse();
	return done_testing();
}
