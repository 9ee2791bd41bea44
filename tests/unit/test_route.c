/* Routes (config, longest prefix) and the circuit breaker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "cfgtree.h"
#include "conf.h"
#include "route.h"
#include "tap.h"

/* Parses yaml as a whole configuration; NULL with errors in ctx. */
static struct config *
load(struct cfg_ctx *ctx, const char *yaml)
{
	struct cfg_node *root;
	struct config *c = NULL;

	cfg_ctx_init(ctx, "t.yaml");
	ctx->no_files = 1;
	if ((root = cfg_parse_string(ctx, yaml, strlen(yaml))) != NULL)
		c = config_from_tree(ctx, root);
	cfg_node_free(root);
	return c;
}

#define CARRIERS \
	"user: nobody\n" \
	"carriers:\n" \
	"  - {name: a, type: file, path: /tmp/a}\n" \
	"  - {name: b, type: file, path: /tmp/b, retries: 0, breaker_failures: 2,\n" \
	"     breaker_cooldown: 500ms, retry_backoff: 100ms}\n" \
	"  - {name: c, type: file, path: /tmp/c}\n"

static const char *
names(const struct config *c, const char *num, char *buf, size_t sz)
{
	struct carrier *const *cars;
	size_t i, n, off = 0;

	cars = route_carriers(c, route_lookup(c, num), &n);
	buf[0] = '\0';
	for (i = 0; i < n && off < sz; i++)
		off += (size_t)snprintf(buf + off, sz - off, "%s%s", i ? "," : "",
		    cars[i]->name);
	return buf;
}

static void
test_lookup(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	const struct route *rt;
	char buf[64];

	c = load(&ctx, CARRIERS);
	ok(c != NULL && c->n_routes == 0, "no routes: none");
	if (c != NULL) {
		ok(route_lookup(c, "+447700900123") == NULL, "no routes: no match");
		is_str(names(c, "+447700900123", buf, sizeof(buf)), "a,b,c",
		    "no routes: the carriers in order");
		is_int(c->carriers[0]->retries, ROUTE_DEFAULT_RETRIES, "default retries");
		is_int(c->carriers[0]->breaker_failures, ROUTE_DEFAULT_BREAKER_FAILURES,
		    "default breaker_failures");
		is_int(c->carriers[1]->breaker_cooldown_ms, 500, "breaker_cooldown 500ms");
		is_int(c->carriers[1]->retries, 0, "retries 0");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = load(&ctx, CARRIERS
	    "routes:\n"
	    "  - {prefix: \"+44\", carriers: [b, a], from: ACME}\n"
	    "  - {prefix: \"+447\", carriers: [c], message: \"{code} ok\"}\n"
	    "  - {prefix: \"+91\", carriers: [a], dlt_entity_id: \"1101\", "
	    "dlt_template_id: \"1107\"}\n"
	    "  - {prefix: \"+\", carriers: [c, b]}\n");
	ok(c != NULL && c->n_routes == 4, "four routes");
	if (c == NULL) {
		printf("# %s\n", ctx.nerr ? ctx.errs[0] : "");
		goto out;
	}
	is_str(names(c, "+447700900123", buf, sizeof(buf)), "c", "+447...: longest prefix");
	is_str(names(c, "+441632960961", buf, sizeof(buf)), "b,a", "+441...: +44");
	is_str(names(c, "+15017122661", buf, sizeof(buf)), "c,b", "+1...: catch-all +");
	rt = route_lookup(c, "+441632960961");
	ok(rt != NULL && strcmp(rt->from, "ACME") == 0, "route from");
	rt = route_lookup(c, "+447700900123");
	ok(rt != NULL && strcmp(rt->message, "{code} ok") == 0 && rt->from == NULL,
	    "route message, no from");
	rt = route_lookup(c, "+919876543210");
	ok(rt != NULL && strcmp(rt->dlt_entity_id, "1101") == 0 &&
	    strcmp(rt->dlt_template_id, "1107") == 0, "route DLT ids");
 out:
	config_free(c);
	cfg_ctx_free(&ctx);
}

static void
bad(const char *routes, const char *want, const char *what)
{
	struct cfg_ctx ctx;
	struct config *c;
	char yaml[2048];
	size_t i;
	int found = 0;

	snprintf(yaml, sizeof(yaml), CARRIERS "routes:\n%s", routes);
	c = load(&ctx, yaml);
	for (i = 0; i < ctx.nerr; i++)
		if (strstr(ctx.errs[i], want) != NULL)
			found = 1;
	ok(c == NULL && found, "refused: %s", what);
	if (!found)
		for (i = 0; i < ctx.nerr; i++)
			printf("#   %s\n", ctx.errs[i]);
	config_free(c);
	cfg_ctx_free(&ctx);
}

static void
test_config_errors(void)
{
	bad("  - {prefix: \"44\", carriers: [a]}\n", "t.yaml:8:14: routes[0].prefix: "
	    "must be '+'", "prefix without +");
	bad("  - {prefix: \"+4a\", carriers: [a]}\n", "must be '+'", "prefix with a letter");
	bad("  - {prefix: \"+0\", carriers: [a]}\n", "must be '+'", "prefix +0");
	bad("  - {prefix: \"+44\", carriers: [a]}\n  - {prefix: \"+44\", carriers: [b]}\n",
	    "prefix given twice (first at line 8)", "duplicate prefix");
	bad("  - {prefix: \"+44\", carriers: [zz]}\n", "no carrier named 'zz'",
	    "unknown carrier");
	bad("  - {prefix: \"+44\", carriers: [a, a]}\n", "listed twice", "carrier twice");
	bad("  - {prefix: \"+44\", carriers: []}\n", "give 1 to", "no carriers");
	bad("  - {prefix: \"+44\"}\n", "carriers: required", "carriers missing");
	bad("  - {carriers: [a]}\n", "prefix: required", "prefix missing");
	bad("  - {prefix: \"+44\", carriers: [a], from: TOOLONGSENDER}\n",
	    "alphanumeric sender ID", "sender ID over 11");
	bad("  - {prefix: \"+44\", carriers: [a], from: \"AC-ME\"}\n",
	    "alphanumeric sender ID", "sender ID with '-'");
	bad("  - {prefix: \"+44\", carriers: [a], message: \"no code\"}\n",
	    "routes[0].message", "message without {code}");
	bad("  - {prefix: \"+44\", carriers: [a], dlt_entity_id: \"12a\"}\n",
	    "1 to 30 digits", "DLT id not digits");
	bad("  - {prefix: \"+44\", carriers: [a], colour: red}\n", "colour",
	    "unknown key");
	bad("  {prefix: \"+44\"}\n", "routes", "routes not a list");
}

static void
test_breaker(void)
{
	struct carrier c;
	uint64_t t = 1000000;

	memset(&c, 0, sizeof(c));
	c.name = "b";
	route_carrier_defaults(&c);
	c.breaker_failures = 3;
	c.breaker_cooldown_ms = 1000;

	ok(route_breaker_allow(&c, t), "closed: allowed");
	route_breaker_done(&c, CARRIER_FAILOVER, "HTTP 500", t);
	route_breaker_done(&c, CARRIER_FAILOVER, "HTTP 500", t);
	ok(route_breaker_allow(&c, t), "two failures: still closed");
	route_breaker_done(&c, CARRIER_ACCEPTED, "", t);
	is_int(c.health.fails, 0, "a success resets the count");
	route_breaker_done(&c, CARRIER_FAILOVER, "x", t);
	route_breaker_done(&c, CARRIER_PERMANENT, "", t);
	is_int(c.health.fails, 0, "a permanent answer is the carrier working");
	route_breaker_done(&c, CARRIER_FAILOVER, "a", t);
	route_breaker_done(&c, CARRIER_RETRY, "b", t);
	route_breaker_done(&c, CARRIER_FAILOVER, "HTTP 503", t);
	ok(!route_breaker_allow(&c, t), "three failures: open, skipped");
	is_str(c.health.last_error, "HTTP 503", "last error kept");
	ok(!route_breaker_allow(&c, t + 999), "still open before the cool-down ends");
	ok(route_breaker_allow(&c, t + 1000), "cool-down over: one probe");
	ok(!route_breaker_allow(&c, t + 1001), "only one probe at a time");
	route_breaker_done(&c, CARRIER_FAILOVER, "HTTP 500", t + 1500);
	ok(!route_breaker_allow(&c, t + 2000), "failed probe: open again");
	ok(route_breaker_allow(&c, t + 2500), "next cool-down over: probe");
	route_breaker_done(&c, CARRIER_ACCEPTED, "", t + 2600);
	ok(route_breaker_allow(&c, t + 2600) && route_breaker_allow(&c, t + 2600),
	    "probe accepted: closed");
	is_int(c.health.accepted, 2, "accepted counted");
	is_int(c.health.failed, 7, "failures counted");

	c.breaker_failures = 0;
	for (t = 0; t < 50; t++)
		route_breaker_done(&c, CARRIER_FAILOVER, "x", t);
	ok(route_breaker_allow(&c, 50), "breaker_failures 0: never opens");

	{
		struct carrier *arr[1] = { &c };
		struct config cfg;
		char buf[512] = "";

		memset(&cfg, 0, sizeof(cfg));
		cfg.carriers = arr;
		cfg.n_carriers = 1;
		c.ops = carrier_lookup("file");
		c.breaker_failures = 1;
		route_breaker_done(&c, CARRIER_FAILOVER, "HTTP 502", 5000);
		route_status(&cfg, buf, sizeof(buf), 5000);
		is_str(buf, "carrier b (file): failing, retry in 1 s; accepted 2, failed 58 "
		    "(51 in a row), retried 0, refused 1; last error: HTTP 502\n",
		    "status line: state, counters, last error");
		buf[0] = '\0';
		route_status(&cfg, buf, 20, 5000);
		is_str(buf, "", "status: a line that does not fit is left out");
		c.breaker_failures = 0;
		c.health.open_until_ms = 0;
	}
	c.retry_backoff_ms = 250;
	is_int(route_backoff_ms(&c, 1), 250, "backoff 1");
	is_int(route_backoff_ms(&c, 2), 500, "backoff 2 doubles");
	is_int(route_backoff_ms(&c, 9), ROUTE_MAX_BACKOFF_MS, "backoff capped");
}

static void
test_units(void)
{
	int ucs2;

	is_int(route_sms_units("123456 is your code", &ucs2), 19, "GSM-7: one septet each");
	is_int(ucs2, 0, "ASCII is GSM-7");
	is_int(route_sms_units("a{b}[c]~^|\\", &ucs2), 19, "extension table: two each");
	is_int(route_sms_units("caf\xc3\xa9 \xf0\x9f\x94\x91", &ucs2), 7,
	    "UCS-2: a 4-byte character takes two units");
	is_int(ucs2, 1, "non-ASCII forces UCS-2");
	route_sms_units("a`b", &ucs2);
	is_int(ucs2, 1, "a backtick is not GSM-7");
}

int
main(void)
{
	test_units();
	test_lookup();
	test_config_errors();
	test_breaker();
	return done_testing();
}
