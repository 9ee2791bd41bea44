/* The Twilio driver's pure parts: form encoding and reply classification. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
#include "twilio.h"
#include "tap.h"

#define TO "+447700900123"
#define FROM "+15017122661"
#define MG "MG0123456789abcdef0123456789ABCDEF"

static void
test_encode(void)
{
	char out[512];
	int n;

	n = twilio_build_form(out, sizeof(out), TO, FROM, NULL, "Your code is 123456");
	is_str(out, "To=%2B447700900123&From=%2B15017122661&Body=Your%20code%20is%20123456",
	    "form: + is %%2B, space is %%20");
	is_int(n, (long long)strlen(out), "form: length returned");

	twilio_build_form(out, sizeof(out), TO, NULL, MG, "a&b=c+d");
	is_str(out, "To=%2B447700900123&MessagingServiceSid=" MG "&Body=a%26b%3Dc%2Bd",
	    "form: MessagingServiceSid in place of From; & = + encoded");

	twilio_build_form(out, sizeof(out), TO, FROM, NULL, "Code \xc3\xa9\xe2\x82\xac");
	is_str(out, "To=%2B447700900123&From=%2B15017122661&Body=Code%20%C3%A9%E2%82%AC",
	    "form: UTF-8 bytes encoded one by one, upper-case hex");

	twilio_build_form(out, sizeof(out), TO, FROM, NULL, "-._~AZaz09/?#%\n");
	is_str(out, "To=%2B447700900123&From=%2B15017122661&Body=-._~AZaz09%2F%3F%23%25%0A",
	    "form: unreserved kept, reserved and controls encoded");

	is_int(twilio_build_form(out, sizeof(out), TO, FROM, MG, "x"), -1,
	    "form: From and MessagingServiceSid together refused");
	is_int(twilio_build_form(out, sizeof(out), TO, NULL, NULL, "x"), -1,
	    "form: neither From nor MessagingServiceSid refused");
	is_int(twilio_build_form(out, 0, TO, FROM, NULL, "x"), -1,
	    "form: zero-sized buffer");

	n = (int)strlen("To=%2B447700900123&From=%2B15017122661&Body=x");
	is_int(twilio_build_form(out, (size_t)n, TO, FROM, NULL, "x"), -1,
	    "form: one byte short fails");
	ok(out[0] == '\0' && out[n - 1] == '\0', "form: buffer wiped after failure");
	is_int(twilio_build_form(out, (size_t)n + 1, TO, FROM, NULL, "x"), n,
	    "form: exact size fits");
	/* A %XX that would not fit whole is not cut in half. */
	n = (int)strlen("To=%2B447700900123&From=%2B15017122661&Body=");
	is_int(twilio_build_form(out, (size_t)n + 3, TO, FROM, NULL, "&"), -1,
	    "form: partial escape does not fit");
}

static void
test_sid(void)
{
	ok(twilio_sid_valid("AC0123456789abcdef0123456789ABCDEF", "AC"), "sid: valid AC");
	ok(!twilio_sid_valid("AC0123456789abcdef0123456789ABCDE", "AC"), "sid: 31 hex");
	ok(!twilio_sid_valid("AC0123456789abcdef0123456789ABCDEFA", "AC"), "sid: 33 hex");
	ok(!twilio_sid_valid("AC0123456789abcdef0123456789ABCDEG", "AC"), "sid: non-hex");
	ok(!twilio_sid_valid(MG, "AC"), "sid: wrong prefix");
	ok(twilio_sid_valid(MG, "MG"), "sid: valid MG");
}

static void
parse(long status, const char *body, struct carrier_result *res)
{
	memset(res, 0x5a, sizeof(*res));
	twilio_parse_reply(status, body, body ? strlen(body) : 0, res);
}

static void
test_reply(void)
{
	struct carrier_result res;
	char *big;
	size_t i;
	int r;

	r = twilio_parse_reply(201, "{\"sid\": \"SM0123456789abcdef0123456789abcdef\", "
	    "\"status\": \"queued\"}", strlen("{\"sid\": \"SM0123456789abcdef0123456789abcdef\", "
	    "\"status\": \"queued\"}"), &res);
	is_int(r, 0, "201: well formed");
	is_int(res.status, CARRIER_ACCEPTED, "201 with sid: accepted");
	is_str(res.ref, "SM0123456789abcdef0123456789abcdef", "201: ref is the sid");

	parse(201, "{\"status\": \"queued\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "201 without sid: failover");
	is_str(res.ref, "", "201 without sid: no ref");
	parse(201, "{\"sid\": 42}", &res);
	is_int(res.status, CARRIER_FAILOVER, "201 with a non-string sid: failover");
	parse(200, "{\"sid\": \"SMx\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "200 is not a create: failover");

	parse(201, "{\"sid\": \"SM\\u0007\\n\\u00e9x\"}", &res);
	is_int(res.status, CARRIER_ACCEPTED, "201 odd sid: accepted");
	is_str(res.ref, "SM????x", "201 odd sid: ref sanitized");

	parse(400, "{\"code\": 21211, \"message\": \"The 'To' number +1 is not a valid "
	    "phone number.\", \"more_info\": \"https://www.twilio.com/docs/errors/21211\", "
	    "\"status\": 400}", &res);
	is_int(res.status, CARRIER_PERMANENT, "400/21211: permanent");
	is_str(res.detail, "HTTP 400, Twilio error 21211: The 'To' number +1 is not a "
	    "valid phone number.", "400/21211: detail");
	parse(400, "{\"code\": 21211, \"message\": \"The 'To' number +447700900123 is "
	    "not valid, nor +1234567 nor +123456 (+15017122661)+\"}", &res);
	is_str(res.detail, "HTTP 400, Twilio error 21211: The 'To' number +44******0123 is "
	    "not valid, nor +12*4567 nor +123456 (+15*****2661)+", "numbers in messages masked");
	parse(400, "{\"code\": 21610, \"message\": \"unsubscribed\"}", &res);
	is_int(res.status, CARRIER_PERMANENT, "400/21610 opted out: permanent");
	parse(400, "{\"code\": 21614, \"message\": \"not a mobile\"}", &res);
	is_int(res.status, CARRIER_PERMANENT, "400/21614 not mobile: permanent");
	parse(400, "{\"code\": 21219, \"message\": \"not verified\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "400/21219 trial account: failover");
	parse(400, "{\"code\": 21606, \"message\": \"From not SMS capable\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "400/other code: failover");
	parse(500, "{\"code\": 21211, \"message\": \"odd\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "5xx with a number code: failover");

	parse(429, "{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429}", &res);
	is_int(res.status, CARRIER_RETRY, "429/20429: retry");
	parse(429, "", &res);
	is_int(res.status, CARRIER_RETRY, "429 with no body: retry");
	parse(400, "{\"code\": 20429}", &res);
	is_int(res.status, CARRIER_RETRY, "code 20429 alone: retry");
	is_str(res.detail, "HTTP 400, Twilio error 20429: (no message)",
	    "no message: detail says so");

	parse(401, "{\"code\": 20003, \"message\": \"Authenticate\", "
	    "\"more_info\": \"https://www.twilio.com/docs/errors/20003\", \"status\": 401}", &res);
	is_int(res.status, CARRIER_FAILOVER, "401/20003: failover");
	is_str(res.detail, "HTTP 401, Twilio error 20003: Authenticate", "401: detail");
	parse(403, "", &res);
	is_int(res.status, CARRIER_FAILOVER, "403 no body: failover");

	r = twilio_parse_reply(500, "<html><body>Internal Server Error</body></html>",
	    strlen("<html><body>Internal Server Error</body></html>"), &res);
	is_int(r, -1, "500 HTML: not well formed");
	is_int(res.status, CARRIER_FAILOVER, "500 HTML: failover");
	is_str(res.detail, "HTTP 500, reply is not a JSON object", "500 HTML: detail");
	parse(503, "{\"message\": \"down\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "503 no code: failover");
	is_str(res.detail, "HTTP 503, reply without an error code", "503 no code: detail");

	parse(400, "{\"code\": 21211, \"message\": \"cut", &res);
	is_int(res.status, CARRIER_FAILOVER, "truncated JSON: failover");
	parse(201, "{\"sid\": \"SM0123", &res);
	is_int(res.status, CARRIER_FAILOVER, "truncated 201: failover");
	parse(400, "[21211]", &res);
	is_int(res.status, CARRIER_FAILOVER, "array: failover");
	parse(201, "\"SM0123\"", &res);
	is_int(res.status, CARRIER_FAILOVER, "string 201: failover");
	parse(400, "{\"code\": \"21211\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "code as a string: ignored, failover");
	parse(400, "{\"code\": 21211.0}", &res);
	is_int(res.status, CARRIER_FAILOVER, "code as a real: ignored, failover");
	parse(400, "{\"code\": 99999999999999999999}", &res);
	is_int(res.status, CARRIER_FAILOVER, "code out of range: failover");
	parse(400, "{\"code\": 21211, \"code\": 20429}", &res);
	is_int(res.status, CARRIER_FAILOVER, "duplicate keys refused: failover");

	/* Only the first bytes of body count: no NUL needed, none read past len. */
	r = twilio_parse_reply(400, "{\"code\": 21211}garbage", strlen("{\"code\": 21211}"), &res);
	is_int(res.status, CARRIER_PERMANENT, "length bounds the parse");
	r = twilio_parse_reply(400, NULL, 0, &res);
	is_int(res.status, CARRIER_FAILOVER, "NULL body: failover");
	r = twilio_parse_reply(400, "{\"code\": 21211}\0x", sizeof("{\"code\": 21211}\0x") - 1, &res);
	is_int(res.status, CARRIER_FAILOVER, "embedded NUL: failover");

	parse(400, "{\"code\": 21211, \"message\": \"a\\u0000b\\r\\n\\tc\\u001b[31m\\u00e9\"}", &res);
	is_int(res.status, CARRIER_FAILOVER, "\\u0000 in a string: refused by jansson");
	parse(400, "{\"code\": 21211, \"message\": \"b\\r\\n\\tc\\u001b[31m\\u00e9\"}", &res);
	is_str(res.detail, "HTTP 400, Twilio error 21211: b???c?[31m??",
	    "control chars and UTF-8 in message sanitized");

	/* A huge message: the detail stays bounded and terminated. */
	big = malloc(200000);
	ok(big != NULL, "malloc");
	if (big != NULL) {
		static const char head[] = "{\"code\": 21211, \"message\": \"";

		memcpy(big, head, sizeof(head) - 1);
		for (i = sizeof(head) - 1; i < 200000 - 3; i++)
			big[i] = 'A' + (char)(i % 26);
		memcpy(big + 200000 - 3, "\"}", 3);
		parse(400, big, &res);
		is_int(res.status, CARRIER_PERMANENT, "huge message: still classified");
		ok(strlen(res.detail) < sizeof(res.detail) && strlen(res.detail) <= 200,
		    "huge message: detail bounded (%zu)", strlen(res.detail));
		parse(201, big, &res);
		is_int(res.status, CARRIER_FAILOVER, "huge 201 without sid: failover");
		free(big);
	}
	big = malloc(100000);
	if (big != NULL) {
		memcpy(big, "{\"sid\": \"SM", 11);
		memset(big + 11, 'f', 100000 - 14);
		memcpy(big + 100000 - 3, "\"}", 3);
		parse(201, big, &res);
		is_int(res.status, CARRIER_ACCEPTED, "huge sid: accepted");
		is_int((long long)strlen(res.ref), (long long)sizeof(res.ref) - 1,
		    "huge sid: ref truncated");
		free(big);
	}

	/* Deep nesting must neither crash nor be accepted. */
	big = malloc(20001);
	if (big != NULL) {
		memset(big, '[', 10000);
		memset(big + 10000, ']', 10000);
		big[20000] = '\0';
		parse(500, big, &res);
		is_int(res.status, CARRIER_FAILOVER, "deep nesting: failover");
		free(big);
	}
}

#define SID "AC0123456789abcdef0123456789abcdef"

/* configure() on yaml: its result, and the first error shown as a comment. */
static int
configure(const char *yaml, int *nerr)
{
	struct carrier c;
	struct cfg_ctx ctx;
	struct cfg_node *root;
	int r = -1;

	memset(&c, 0, sizeof(c));
	c.name = "tw";
	c.ops = &carrier_twilio_ops;
	cfg_ctx_init(&ctx, "test.yaml");
	if ((root = cfg_parse_string(&ctx, yaml, strlen(yaml))) != NULL) {
		r = c.ops->configure(&c, &ctx, root);
		if (r == 0 && c.priv == NULL)
			r = -2;
		c.ops->free(&c);
		if (c.priv != NULL)
			r = -3;
	}
	*nerr = (int)ctx.nerr;
	if (ctx.nerr > 0)
		printf("# %s\n", ctx.errs[0]);
	cfg_ctx_free(&ctx);
	cfg_node_free(root);
	return r;
}

static void
test_configure(void)
{
	char dir[] = "/tmp/test_twilio.XXXXXX", tok[256], yaml[512];
	int fd, nerr;

	is_int(configure("account_sid: " SID "\nauth_token: t0k\nfrom: \"" FROM "\"\n",
	    &nerr), 0, "config: sid, token, from");
	is_int(nerr, 0, "config: no errors");
	is_int(configure("account_sid: " SID "\nauth_token: t0k\nmessaging_service_sid: " MG
	    "\napi_url: http://127.0.0.1:1234/\n", &nerr), 0,
	    "config: messaging service, api_url with trailing /");
	is_int(configure("account_sid: AC123\nauth_token: t\nfrom: \"" FROM "\"\n", &nerr),
	    -1, "config: short account_sid refused");
	ok(nerr == 1, "config: one error");
	is_int(configure("auth_token: t\nfrom: \"" FROM "\"\n", &nerr), -1,
	    "config: account_sid required");
	is_int(configure("account_sid: " SID "\nfrom: \"" FROM "\"\n", &nerr), -1,
	    "config: auth_token required");
	is_int(configure("account_sid: " SID "\nauth_token: t\n", &nerr), -1,
	    "config: no sender refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"" FROM
	    "\"\nmessaging_service_sid: " MG "\n", &nerr), -1,
	    "config: from and messaging_service_sid together refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"15017122661\"\n",
	    &nerr), -1, "config: from not E.164 refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nmessaging_service_sid: MGxx\n",
	    &nerr), -1, "config: bad messaging_service_sid refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"" FROM
	    "\"\napi_url: ftp://example.com\n", &nerr), -1, "config: ftp:// refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"" FROM
	    "\"\napi_url: https://\n", &nerr), -1, "config: no host refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"" FROM
	    "\"\napi_url: \"https://a b\"\n", &nerr), -1, "config: space in api_url refused");
	is_int(configure("account_sid: " SID "\nauth_token: t\nfrom: \"" FROM
	    "\"\napi_url: https://x/?q=1\n", &nerr), -1, "config: query in api_url refused");
	memset(tok, 'x', 129);
	tok[128] = '\0';
	snprintf(yaml, sizeof(yaml), "account_sid: " SID "\nauth_token: %s\nfrom: \"" FROM
	    "\"\n", tok);
	is_int(configure(yaml, &nerr), 0, "config: 128-byte token fits");
	tok[128] = 'x';
	tok[129] = '\0';
	snprintf(yaml, sizeof(yaml), "account_sid: " SID "\nauth_token: %s\nfrom: \"" FROM
	    "\"\n", tok);
	is_int(configure(yaml, &nerr), -1, "config: 129-byte token refused");

	/* auth_token_file: must be private */
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(tok, sizeof(tok), "%s/token", dir);
	fd = open(tok, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok(fd != -1 && write(fd, "s3cret\n", 7) == 7, "token file written");
	if (fd != -1)
		close(fd);
	snprintf(yaml, sizeof(yaml), "account_sid: " SID "\nauth_token_file: %s\n"
	    "from: \"" FROM "\"\n", tok);
	is_int(configure(yaml, &nerr), 0, "config: auth_token_file 0600 read");
	chmod(tok, 0644);
	is_int(configure(yaml, &nerr), -1, "config: auth_token_file 0644 refused");
	snprintf(yaml, sizeof(yaml), "account_sid: " SID "\nauth_token_file: %s\n"
	    "auth_token: t\nfrom: \"" FROM "\"\n", tok);
	is_int(configure(yaml, &nerr), -1, "config: token inline and in a file refused");
	unlink(tok);
	rmdir(dir);
}

/* Voice: TwiML reading the digits one by one, twice; WhatsApp templates. */
static void
test_channels(void)
{
	char out[2048], form[4096];
	int n;

	n = twilio_build_twiml(out, sizeof(out), "Your code is", "123456", "en-GB",
	    "Polly.Amy");
	is_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
	    "<Say language=\"en-GB\" voice=\"Polly.Amy\">Your code is</Say>"
	    "<Pause length=\"1\"/>"
	    "<Say language=\"en-GB\" voice=\"Polly.Amy\">1, 2, 3, 4, 5, 6.</Say>"
	    "<Pause length=\"1\"/>"
	    "<Say language=\"en-GB\" voice=\"Polly.Amy\">1, 2, 3, 4, 5, 6.</Say>"
	    "</Response>", "twiml: intro, digits one by one, twice");
	is_int(n, (long long)strlen(out), "twiml: length returned");
	twilio_build_twiml(out, sizeof(out), "A & B <c> \"d\" 'e'", "1234", NULL, NULL);
	ok(strstr(out, "<Say>A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;</Say>") != NULL,
	    "twiml: intro XML-escaped; no attributes when not set");
	is_int(twilio_build_twiml(out, sizeof(out), "x", "12a456", NULL, NULL), -1,
	    "twiml: a code that is not digits refused");
	is_int(twilio_build_twiml(out, sizeof(out), "x", "123", NULL, NULL), -1,
	    "twiml: a code under 4 digits refused");
	is_int(twilio_build_twiml(out, sizeof(out), "x", "1234", "en\"GB", NULL), -1,
	    "twiml: a quote in language refused");
	is_int(twilio_build_twiml(out, sizeof(out), "x", "1234", NULL, "a b"), -1,
	    "twiml: a space in voice refused");
	is_int(twilio_build_twiml(out, 150, "x", "1234567890", NULL, NULL), -1,
	    "twiml: does not fit");
	ok(out[0] == '\0' && out[149] == '\0', "twiml: wiped after failure");

	twilio_build_twiml(out, sizeof(out), "Code", "4321", NULL, NULL);
	n = twilio_build_call_form(form, sizeof(form), TO, FROM, out);
	ok(n > 0 && strncmp(form, "To=%2B447700900123&From=%2B15017122661&Twiml=%3C%3Fxml",
	    strlen("To=%2B447700900123&From=%2B15017122661&Twiml=%3C%3Fxml")) == 0,
	    "call form: To, From, Twiml encoded");
	is_int(twilio_build_call_form(form, sizeof(form), TO, NULL, out), -1,
	    "call form: From required");

	n = twilio_build_whatsapp_form(form, sizeof(form), TO, FROM,
	    "HX0123456789abcdef0123456789abcdef", "987654");
	is_str(form, "To=whatsapp%3A%2B447700900123&From=whatsapp%3A%2B15017122661"
	    "&ContentSid=HX0123456789abcdef0123456789abcdef"
	    "&ContentVariables=%7B%221%22%3A%22987654%22%7D",
	    "whatsapp form: whatsapp: numbers, template and its variable");
	is_int(n, (long long)strlen(form), "whatsapp form: length");
	is_int(twilio_build_whatsapp_form(form, sizeof(form), TO, FROM,
	    "HX0123456789abcdef0123456789abcdef", "98\"654"), -1,
	    "whatsapp form: code must be digits (no JSON escaping needed)");
}

/* Polls of Messages/{sid}.json (deliver_within). */
static void
test_status(void)
{
	struct carrier_result res;
	const char *m;

#define ST(st, extra) "{\"sid\":\"SM0123456789abcdef0123456789abcdef\"," \
	"\"status\":\"" st "\"" extra "}"
	m = ST("delivered", ",\"error_code\":null");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 1, "status: delivered is final");
	is_int(res.status, CARRIER_ACCEPTED, "status: delivered is ACCEPTED");
	is_str(res.ref, "SM0123456789abcdef0123456789abcdef", "status: ref is the message sid");
	is_str(res.detail, "Twilio status delivered", "status: detail names the status");
	m = ST("read", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 1, "status: read (WhatsApp) is final");
	is_int(res.status, CARRIER_ACCEPTED, "status: read is ACCEPTED");

	m = ST("sent", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 0,
	    "status: sent waits for delivered by default");
	is_int(twilio_parse_status(200, m, strlen(m), 1, &res), 1,
	    "status: sent is final with accept_sent");
	is_int(res.status, CARRIER_ACCEPTED, "status: ... and ACCEPTED");
	m = ST("queued", "");
	is_int(twilio_parse_status(200, m, strlen(m), 1, &res), 0, "status: queued waits");
	m = ST("sending", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 0, "status: sending waits");
	is_str(res.detail, "Twilio status sending", "status: pending detail names it");

	m = ST("undelivered", ",\"error_code\":30003,\"error_message\":\"Unreachable\"");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 1, "status: undelivered is final");
	is_int(res.status, CARRIER_FAILOVER, "status: undelivered is FAILOVER");
	is_str(res.detail, "Twilio status undelivered, error 30003",
	    "status: detail carries Twilio's error code");
	m = ST("failed", ",\"error_code\":null");
	is_int(twilio_parse_status(200, m, strlen(m), 1, &res), 1, "status: failed is final");
	is_int(res.status, CARRIER_FAILOVER, "status: failed is FAILOVER");
	is_str(res.detail, "Twilio status failed", "status: no error code, none shown");
	m = ST("canceled", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), 1, "status: canceled is final");
	is_int(res.status, CARRIER_FAILOVER, "status: canceled is FAILOVER");

	m = ST("received", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1,
	    "status: an inbound status is not ours: poll again");
	m = ST("bogus\\n", "");
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1, "status: unknown status");
	ok(strchr(res.detail, '\n') == NULL, "status: detail is log-safe");
	m = "{\"sid\":\"SM0123456789abcdef0123456789abcdef\"}";
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1, "status: no status");
	m = "{\"status\":5}";
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1, "status: status not a string");
	m = "[\"delivered\"]";
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1, "status: not an object");
	m = "{\"status\":\"delivered\",\"status\":\"failed\"}";
	is_int(twilio_parse_status(200, m, strlen(m), 0, &res), -1, "status: duplicate keys refused");
	m = ST("delivered", "");
	is_int(twilio_parse_status(200, m, 20, 0, &res), -1, "status: truncated JSON");
	is_int(twilio_parse_status(404, m, strlen(m), 0, &res), -1, "status: HTTP 404 is no answer");
	is_str(res.detail, "status poll: HTTP 404", "status: ... and says so");
	is_int(twilio_parse_status(200, NULL, 0, 0, &res), -1, "status: empty reply");
	is_int(res.status, CARRIER_FAILOVER, "status: never ACCEPTED without a status");
#undef ST
}

int
main(void)
{
	test_encode();
	test_sid();
	test_reply();
	test_configure();
	test_channels();
	test_status();
	return done_testing();
}
