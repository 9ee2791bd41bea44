/* The generic http driver: templates, reply rules, presets, configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "cfgtree.h"
#include "httpc.h"
#include "tap.h"

#define R(s) (s), strlen(s)

static void
test_expand(void)
{
	struct httpc_vars v = { "+447700900123", "ACME", "123456 is it", "123456" };
	char out[128];

	is_int(httpc_expand(out, sizeof(out), "{to}|{to_digits}|{from}|{text}|{code}", &v),
	    (long long)strlen("+447700900123|447700900123|ACME|123456 is it|123456"),
	    "expand: length");
	is_str(out, "+447700900123|447700900123|ACME|123456 is it|123456",
	    "expand: every placeholder");
	is_int(httpc_expand(out, sizeof(out), "{nope}", &v), -1, "expand: unknown refused");
	is_int(httpc_expand(out, sizeof(out), "{to", &v), -1, "expand: unclosed refused");
	is_int(httpc_expand(out, sizeof(out), "to}", &v), -1, "expand: stray } refused");
	is_int(httpc_expand(out, 10, "{text}", &v), -1, "expand: does not fit");
	ok(out[0] == '\0' && out[9] == '\0', "expand: wiped after failure");
}

static void
test_reply(void)
{
	struct httpc_rules rules;
	struct carrier_result res;
	int loud;

	memset(&rules, 0, sizeof(rules));
	rules.ref_path = "messages/0/messageId";
	rules.error_path = "requestError/serviceException/messageId";
	rules.permanent[0] = "BAD_REQUEST";
	rules.n_permanent = 1;

	is_int(httpc_parse_reply(&rules, 200, R("{\"messages\":[{\"messageId\":\"abc\"}]}"),
	    &res, &loud), 0, "2xx: JSON");
	ok(res.status == CARRIER_ACCEPTED && strcmp(res.ref, "abc") == 0,
	    "2xx with the id: accepted, ref");
	httpc_parse_reply(&rules, 200, R("{\"messages\":[]}"), &res, &loud);
	ok(res.status == CARRIER_FAILOVER && res.ref[0] == '\0', "2xx without the id: failover");
	httpc_parse_reply(&rules, 400, R("{\"requestError\":{\"serviceException\":"
	    "{\"messageId\":\"BAD_REQUEST\"}}}"), &res, &loud);
	is_int(res.status, CARRIER_PERMANENT, "400 with a listed code: permanent");
	is_str(res.detail, "HTTP 400, error BAD_REQUEST", "400: detail names the code");
	httpc_parse_reply(&rules, 500, R("{\"requestError\":{\"serviceException\":"
	    "{\"messageId\":\"BAD_REQUEST\"}}}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "5xx with a listed code: still failover");
	httpc_parse_reply(&rules, 400, R("{}"), &res, &loud);
	is_int(res.status, CARRIER_FAILOVER, "400 without a code: failover");
	httpc_parse_reply(&rules, 429, R(""), &res, &loud);
	is_int(res.status, CARRIER_RETRY, "429: retry");
	httpc_parse_reply(&rules, 401, R("x"), &res, &loud);
	ok(res.status == CARRIER_FAILOVER && loud == 1, "401: failover, loud");
	is_int(httpc_parse_reply(&rules, 200, R("<html/>"), &res, &loud), -1,
	    "HTML: not JSON");
	is_int(res.status, CARRIER_FAILOVER, "HTML 200 with a ref path: failover");
	rules.ref_path = "id";
	httpc_parse_reply(&rules, 201, R("{\"id\":42}"), &res, &loud);
	ok(res.status == CARRIER_ACCEPTED && strcmp(res.ref, "42") == 0,
	    "an integer id is a ref too");
	rules.ref_path = NULL;
	httpc_parse_reply(&rules, 204, NULL, 0, &res, &loud);
	is_int(res.status, CARRIER_ACCEPTED, "no ref path: any 2xx is accepted");
	rules.error_path = "errors/0/code";
	rules.permanent[0] = "21";
	httpc_parse_reply(&rules, 422, R("{\"errors\":[{\"code\":21}]}"), &res, &loud);
	is_int(res.status, CARRIER_PERMANENT, "an integer error code matches too");
}

static int
configure(const char *yaml, struct cfg_ctx *ctx)
{
	struct carrier c;
	struct cfg_node *root;
	int r = -1;

	memset(&c, 0, sizeof(c));
	c.name = "h";
	c.ops = carrier_lookup("http");
	cfg_ctx_init(ctx, "t.yaml");
	if ((root = cfg_parse_string(ctx, yaml, strlen(yaml))) != NULL &&
	    c.ops->configure(&c, ctx, root) == 0) {
		cfg_check_unused(ctx, root);
		r = ctx->nerr == 0 ? 0 : -1;
	}
	if (c.priv != NULL)
		c.ops->free(&c);
	cfg_node_free(root);
	return r;
}

static void
test_config(void)
{
	struct cfg_ctx ctx;
	static const char *const names[] = { "plivo", "telnyx", "sinch", "infobip",
	    "messagebird" };
	char yaml[512];
	size_t i;

	for (i = 0; i < 5; i++) {
		ok(httpc_preset(names[i]) != NULL, "preset %s exists", names[i]);
		snprintf(yaml, sizeof(yaml), "preset: %s\naccount: a1\nsecret: s\nfrom: ACME\n",
		    names[i]);
		ok(configure(yaml, &ctx) == 0, "preset %s configures", names[i]);
		cfg_ctx_free(&ctx);
	}
	ok(configure("preset: plivo\nsecret: s\nfrom: ACME\n", &ctx) == -1,
	    "plivo without account refused");
	cfg_ctx_free(&ctx);
	ok(configure("preset: nope\nsecret: s\nfrom: A\n", &ctx) == -1, "unknown preset");
	cfg_ctx_free(&ctx);
	ok(configure("api_url: http://127.0.0.1:1\npath: /send\nauth: bearer\nsecret: s\n"
	    "from: A\nbody: '{\"n\":\"{to}\",\"m\":[\"{text}\"]}'\nref_path: id\n", &ctx) == 0,
	    "custom JSON body");
	cfg_ctx_free(&ctx);
	ok(configure("api_url: http://127.0.0.1:1\npath: /send\nsecret: s\nfrom: A\n"
	    "body: '{\"n\":\"{phone}\"}'\n", &ctx) == -1, "unknown placeholder in body");
	cfg_ctx_free(&ctx);
	ok(configure("api_url: http://127.0.0.1:1\npath: /send\nsecret: s\nfrom: A\n"
	    "body: 'not json'\n", &ctx) == -1, "body not JSON");
	cfg_ctx_free(&ctx);
	ok(configure("api_url: http://127.0.0.1:1\npath: /send\nauth: none\nfrom: A\n"
	    "format: form\nfields: {To: '{to}', Body: '{text}'}\n", &ctx) == 0,
	    "custom form, no auth");
	cfg_ctx_free(&ctx);
	ok(configure("api_url: http://127.0.0.1:1\npath: /send?x=1\nauth: none\nfrom: A\n"
	    "body: '{}'\n", &ctx) == -1, "query in path refused");
	cfg_ctx_free(&ctx);
	ok(configure("preset: telnyx\nsecret: \"a\\r\\nX-Evil: 1\"\nfrom: A\n", &ctx) == -1,
	    "a secret with a line break (header injection) refused");
	cfg_ctx_free(&ctx);
	ok(configure("preset: telnyx\nfrom: A\n", &ctx) == -1, "secret required");
	cfg_ctx_free(&ctx);
}

int
main(void)
{
	test_expand();
	test_reply();
	test_config();
	return done_testing();
}
