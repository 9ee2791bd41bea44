/* WebOTP: the origin-bound last line "@domain #code" (template.c), and the
 * webotp_domain key, top-level and per route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "conf.h"
#include "route.h"
#include "template.h"
#include "tap.h"

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

static void
test_domain(void)
{
	static const char *good[] = { "example.com", "login.example.co.uk",
	    "localhost", "a-b.example", "xn--bcher-kva.example", "EXAMPLE.COM",
	    "1password.com", NULL };
	static const char *bad[] = { "", "https://example.com", "example.com:443",
	    "example.com/login", "-a.example", "a-.example", "a..example",
	    ".example", "example.", "192.0.2.1", "exa mple.com", "ex_ample.com",
	    "@example.com", "example.com #1", NULL };
	char big[300];
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		ok(template_domain_valid(good[i]), "host name \"%s\" accepted", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ok(!template_domain_valid(bad[i]), "\"%s\" refused", bad[i]);
	ok(!template_domain_valid("example.com\n"), "a trailing newline refused");
	memset(big, 'a', 64);
	big[64] = '\0';
	ok(!template_domain_valid(big), "a 64-byte label refused");
	big[63] = '\0';
	ok(template_domain_valid(big), "a 63-byte label accepted");
	/* 4 x (63 + '.') = 256 > 253 */
	for (i = 0; i < 4; i++) {
		memset(big + i * 64, 'a', 63);
		big[i * 64 + 63] = '.';
	}
	big[4 * 64 - 1] = '\0';
	ok(!template_domain_valid(big), "a 255-byte name refused");
	big[253] = '\0';
	ok(big[252] != '.' && template_domain_valid(big), "a 253-byte name accepted");
}

static void
test_render(void)
{
	struct template_vars v = { "042137", "bastion1", 300, "alice", "sshd" };
	char out[TEMPLATE_MAX], err[256], tpl[TEMPLATE_MAX];

	ok(template_render_origin(out, sizeof(out), "{code} is your code for {host}.",
	    &v, "example.com") == 0, "render with a domain");
	is_str(out, "042137 is your code for bastion1.\n@example.com #042137",
	    "the WebOTP line is the last line");
	ok(template_render_origin(out, sizeof(out), "{code} is your code.", &v,
	    NULL) == 0, "render without a domain");
	is_str(out, "042137 is your code.", "no domain: no WebOTP line");
	ok(template_render_origin(out, 30, "{code} is your code.", &v,
	    "example.com") == -1 && out[0] == '\0' && out[29] == '\0',
	    "the WebOTP line overflowing refused and wiped");
	ok(template_check_origin("{code} is your code for {host}.", "example.com",
	    err, sizeof(err)) == 0, "check with a domain");
	ok(template_check_origin("{code}", "https://example.com", err,
	    sizeof(err)) == -1 && strstr(err, "webotp_domain") != NULL,
	    "check refuses a bad domain");
	/* 600 bytes of text and {code}: fits alone, not with a 30-byte domain
	 * line (2 + 30 + 2 + 10 more). */
	memset(tpl, 'x', 600);
	memcpy(tpl + 600, "{code}", 7);
	ok(template_check_origin(tpl, NULL, err, sizeof(err)) == 0,
	    "a long template fits alone");
	ok(template_check_origin(tpl, "abcdefghijabcdefghij.example", err,
	    sizeof(err)) == -1 && strstr(err, "limit") != NULL,
	    "template_check counts the WebOTP line");
}

static void
test_config(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	const char *base = "user: nobody\n"
	    "carriers:\n"
	    "  - {name: a, type: file, path: /tmp/a}\n"
	    "  - {name: b, type: file, path: /tmp/b}\n";
	char yaml[2048];

	c = load(&ctx, base);
	ok(c != NULL && c->webotp_domain == NULL &&
	    route_webotp_domain(c, NULL) == NULL, "no webotp_domain by default");
	config_free(c);
	cfg_ctx_free(&ctx);

	snprintf(yaml, sizeof(yaml), "%swebotp_domain: login.example.com\n"
	    "routes:\n"
	    "  - {prefix: \"+44\", carriers: [a], webotp_domain: example.co.uk}\n"
	    "  - {prefix: \"+\", carriers: [b]}\n", base);
	cfg_ctx_free(&ctx);
	c = load(&ctx, yaml);
	ok(c != NULL, "webotp_domain top-level and per route accepted");
	if (c != NULL) {
		is_str(route_webotp_domain(c, NULL), "login.example.com",
		    "no route: the top-level domain");
		is_str(route_webotp_domain(c, route_lookup(c, "+447700900123")),
		    "example.co.uk", "a route's own domain wins");
		is_str(route_webotp_domain(c, route_lookup(c, "+15017122661")),
		    "login.example.com", "a route without one: the top-level domain");
	}
	config_free(c);

	snprintf(yaml, sizeof(yaml), "%swebotp_domain: \"https://example.com\"\n",
	    base);
	cfg_ctx_free(&ctx);
	c = load(&ctx, yaml);
	ok(c == NULL && ctx.nerr > 0, "a URL as webotp_domain refused");
	config_free(c);

	snprintf(yaml, sizeof(yaml), "%sroutes:\n"
	    "  - {prefix: \"+44\", carriers: [a], webotp_domain: \"example.com:443\"}\n",
	    base);
	cfg_ctx_free(&ctx);
	c = load(&ctx, yaml);
	ok(c == NULL && ctx.nerr > 0, "a route's webotp_domain with a port refused");
	config_free(c);
	cfg_ctx_free(&ctx);
}

int
main(void)
{
	test_domain();
	test_render();
	test_config();
	return done_testing();
}
