/* directory: in otpsmsd.yaml(5) (helper/config/config_directory.c): the
 * defaults, every key read, and each refusal with its FILE:LINE:COL. */
#include "cfgtest.h"

static char pass[160];       /* the bind password file */

/* A directory: block: the bind and base, then body (indented by two). */
static const char *
dir_yaml(const char *body)
{
	static char yaml[2048];

	snprintf(yaml, sizeof(yaml), "directory:\n  type: ldap\n"
	    "  url: ldaps://10.0.0.7 ldaps://10.0.0.8:1636\n"
	    "  bind_dn: cn=otpsms,ou=services,dc=example,dc=com\n"
	    "  bind_password_file: %s\n"
	    "  base: ou=people,dc=example,dc=com\n%s", pass, body);
	return yaml;
}

int
main(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	struct directory_conf *dc;

	cfgtest_setup("test_config_directory");
	snprintf(pass, sizeof(pass), "%s", put("ldap.pass", 0600, "s3cret\n"));

	c = loads(&ctx, "users: { alice: \"+447700900123\" }\n", "no directory: loads");
	ok(c != NULL && !c->directory.enabled, "  ... and none is asked");
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, dir_yaml("  filter: \"(uid={user})\"\n"), "a minimal block loads");
	if (c != NULL) {
		dc = &c->directory;
		ok(dc->enabled && strcmp(dc->bind_password, "s3cret") == 0 &&
		    dc->n_attributes == 1 && strcmp(dc->attributes[0], "mobile") == 0 &&
		    dc->timeout_ms == 2000 && dc->ttl_ms == 600000 &&
		    dc->negative_ttl_ms == 60000 && dc->stale_ms == 8 * 3600000u &&
		    dc->default_country == NULL && dc->ca == NULL,
		    "  ... defaults: mobile, 2 s, 10 min, 1 min, 8 h, no country");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, dir_yaml("  filter: \"(&(objectClass=posixAccount)(uid={user}))\"\n"
	    "  attributes: [mobile, telephoneNumber]\n  default_country: \"+44\"\n"
	    "  timeout: 500ms\n  cache: { ttl: 5m, negative_ttl: 0, stale_for: 24h }\n"),
	    "every key loads");
	if (c != NULL) {
		dc = &c->directory;
		ok(dc->n_attributes == 2 && strcmp(dc->attributes[1], "telephoneNumber") == 0 &&
		    strcmp(dc->default_country, "+44") == 0 && dc->timeout_ms == 500 &&
		    dc->ttl_ms == 300000 && dc->negative_ttl_ms == 0 &&
		    dc->stale_ms == 24 * 3600000u, "  ... read as given");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	refused(dir_yaml("  filter: \"(uid=dave)\"\n"),
	    ":7:11: directory.filter: the filter names {user} exactly once",
	    "a filter without {user}");
	refused(dir_yaml("  filter: \"(uid={user})(cn={user})\"\n"),
	    ":7:11: directory.filter: the filter names {user} exactly once",
	    "a filter with {user} twice");
	refused(dir_yaml("  filter: \"(uid={user}\"\n"),
	    ":7:11: directory.filter: an LDAP filter in parentheses, e.g. \"(uid={user})\"",
	    "a filter not closed");
	refused(dir_yaml("  filter: \"(&(uid={user})))\"\n"),
	    ":7:11: directory.filter: unbalanced parentheses",
	    "unbalanced parentheses");
	refused(dir_yaml("  filter: \"(uid={user})\"\n  default_country: \"44\"\n"),
	    ":8:20: directory.default_country: '+' and the country code, e.g. \"+44\"",
	    "a country without '+'");
	refused(dir_yaml("  filter: \"(uid={user})\"\n  attributes: [\"mobile)(x\"]\n"),
	    ":8:16: directory.attributes[0]: an attribute name (letters, digits, '-'; e.g. mobile)",
	    "an attribute that is not a name");
	refused(dir_yaml("  filter: \"(uid={user})\"\n  colour: blue\n"),
	    ":8:3: directory.colour: unknown key",
	    "an unknown key");
	refused("directory:\n  type: ldap\n  url: ldap://10.0.0.7\n"
	    "  base: dc=example,dc=com\n  filter: \"(uid={user})\"\n",
	    ":3:8: directory.url: ldap:// sends the bind and the numbers in clear: "
	    "use ldaps:// or starttls: true", "plain ldap:// without starttls");
	refused("directory:\n  type: ldap\n  url: ldaps://10.0.0.7/dc=x??sub\n"
	    "  base: dc=example,dc=com\n  filter: \"(uid={user})\"\n",
	    ":3:8: directory.url: a URL names a server only (no base, filter or extensions)",
	    "a URL with a search in it");
	refused("directory:\n  type: ad\n  url: ldaps://10.0.0.7\n"
	    "  base: dc=example,dc=com\n  filter: \"(uid={user})\"\n",
	    ":2:9: directory.type: ldap", "an unknown type");
	refused("directory:\n  type: ldap\n  url: ldaps://10.0.0.7\n"
	    "  bind_dn: cn=x\n  base: dc=example,dc=com\n  filter: \"(uid={user})\"\n",
	    ":2:3: directory: bind_dn and bind_password (or bind_password_file) go "
	    "together; give neither for an anonymous search",
	    "bind_dn without a password");
	c = loads(&ctx, "directory:\n  type: ldap\n  url: ldap://10.0.0.7\n"
	    "  starttls: true\n  base: dc=example,dc=com\n  filter: \"(uid={user})\"\n",
	    "ldap:// with starttls, anonymous, loads");
	config_free(c);
	cfg_ctx_free(&ctx);
	put("ldap.pass", 0644, "s3cret\n");
	c = load(&ctx, dir_yaml("  filter: \"(uid={user})\"\n"));
	if (!ok(c == NULL && ctx.nerr == 1, "a readable bind_password_file is "
	    "refused (one error, about the file)"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);
	cfgtest_cleanup();
	return done_testing();
}
