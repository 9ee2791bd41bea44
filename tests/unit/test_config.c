/* The config's own keys: the defaults, a full file, durations, every type
 * and range error with its exact FILE:LINE:COL prefix, unknown keys and the
 * YAML allowed. Carriers and users are test_config_carriers.c; file modes,
 * getters and bounds test_config_parser.c; store: test_config_store.c.
 * Runs as root or as a normal user: files are ours, so secret_owner is our
 * euid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtest.h"
#include "cfgtree.h"
/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "conf.h"
#include "tap.h"
#include "util.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

static void
test_defaults(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	char host[256];

	if ((c = loads(&ctx, "# nothing set\n", "a file of comments loads")) == NULL)
		goto out;
	is_str(c->user, "otpsms", "user defaults to otpsms");
	is_str(c->socket, RUNSTATEDIR "/otpsms/otpsmsd.sock", "socket default");
	ok(c->n_allow_uids == 1 && c->allow_uids[0] == 0, "allow_uids defaults to [0]");
	ok(config_uid_allowed(c, 0) && !config_uid_allowed(c, 1000),
	    "config_uid_allowed: root only by default");
	is_int(c->digits, 6, "digits defaults to 6");
	is_int(c->ttl_ms, 300000, "ttl defaults to 300 s");
	is_int(c->max_attempts, 3, "max_attempts defaults to 3");
	is_str(c->message, "{code} is your login code for {host}. It expires in {ttl}.",
	    "message default");
	memset(host, 0, sizeof(host));
	gethostname(host, sizeof(host) - 1);
	is_str(c->host, host, "host defaults to gethostname()");
	ok(c->n_users == 0 && c->users_file == NULL, "no users by default");
	ok(config_find_user(c, "alice") == NULL, "config_find_user on no users");
	is_int(c->n_carriers, 1, "one carrier by default");
	if (c->n_carriers == 1) {
		is_str(c->carriers[0]->name, "outbox", "default carrier is named outbox");
		ok(c->carriers[0]->ops == &carrier_file_ops, "default carrier is a file carrier");
		is_int(c->carriers[0]->timeout_ms, 5000, "default carrier timeout 5 s");
		ok(c->carriers[0]->priv != NULL, "default carrier configured (path "
		    LOCALSTATEDIR "/lib/otpsms/outbox.jsonl)");
	}
	is_int(c->max_clients, 256, "max_clients defaults to 256");
	is_int(c->client_timeout_ms, 30000, "client_timeout defaults to 30 s");
 out:
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, "", "an empty file loads");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "message: \"{code} is your {service} code for {host}. "
	    "Valid {ttl}.\"\n", "the man page's example message");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "code: {}\n", "an empty code: map keeps the defaults");
	ok(c != NULL && c->digits == 6 && c->ttl_ms == 300000, "  ... digits 6, ttl 300 s");
	config_free(c);
	cfg_ctx_free(&ctx);
}

static void
test_full(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	const struct user_entry *u;
	char yaml[2048];
	const char *tok;

	tok = put("token", 0600, "0123456789abcdef0123456789abcdef\n");
	snprintf(yaml, sizeof(yaml),
	    "# a full configuration\n"
	    "user: nobody\n"
	    "socket: /tmp/otpsms-test.sock\n"
	    "allow_uids: [0, root, 1000]\n"
	    "code:\n"
	    "  digits: 8\n"
	    "  ttl: 5m\n"
	    "  max_attempts: 5\n"
	    "message: \"Code {code} for {user}@{host} ({service}), {ttl}\"\n"
	    "host: bastion.example.com\n"
	    "users:\n"
	    "  zoe: \"+15005550006\"\n"
	    "  alice: +447700900123\n"
	    "  bob: '+33612345678'\n"
	    "carriers:\n"
	    "  - name: primary\n"
	    "    type: twilio\n"
	    "    timeout: 1500ms\n"
	    "    account_sid: " SID "\n"
	    "    auth_token_file: %s\n"
	    "    from: \"+15005550006\"\n"
	    "  - name: spool.local-1\n"
	    "    type: file\n"
	    "    path: %s/outbox.jsonl\n"
	    "max_clients: 65536\n"
	    "client_timeout: 90s\n", tok, dir);
	if ((c = loads(&ctx, yaml, "a full configuration loads")) == NULL)
		goto out;
	is_str(c->user, "nobody", "user");
	is_str(c->socket, "/tmp/otpsms-test.sock", "socket");
	ok(c->n_allow_uids == 3 && c->allow_uids[0] == 0 && c->allow_uids[1] == 0 &&
	    c->allow_uids[2] == 1000, "allow_uids: numbers and a name (root -> 0)");
	ok(config_uid_allowed(c, 1000) && !config_uid_allowed(c, 1001),
	    "config_uid_allowed");
	is_int(c->digits, 8, "digits");
	is_int(c->ttl_ms, 300000, "ttl 5m");
	is_int(c->max_attempts, 5, "max_attempts");
	is_str(c->message, "Code {code} for {user}@{host} ({service}), {ttl}", "message");
	is_str(c->host, "bastion.example.com", "host");
	is_int(c->n_users, 3, "three users");
	if (c->n_users == 3)
		ok(strcmp(c->users[0].name, "alice") == 0 &&
		    strcmp(c->users[1].name, "bob") == 0 &&
		    strcmp(c->users[2].name, "zoe") == 0, "users sorted by name");
	u = config_find_user(c, "bob");
	ok(u != NULL && strcmp(u->number, "+33612345678") == 0, "find bob");
	u = config_find_user(c, "zoe");
	ok(u != NULL && strcmp(u->number, "+15005550006") == 0, "find zoe");
	u = config_find_user(c, "alice");
	ok(u != NULL && strcmp(u->number, "+447700900123") == 0,
	    "find alice (plain +447700900123 kept as text)");
	ok(config_find_user(c, "carol") == NULL, "carol is not enrolled");
	is_int(c->n_carriers, 2, "two carriers");
	if (c->n_carriers == 2) {
		is_str(c->carriers[0]->name, "primary", "carrier 0 name");
		ok(c->carriers[0]->ops == &carrier_twilio_ops, "carrier 0 is twilio");
		is_int(c->carriers[0]->timeout_ms, 1500, "carrier timeout 1500ms");
		is_str(c->carriers[1]->name, "spool.local-1", "carrier 1 name");
		is_int(c->carriers[1]->timeout_ms, 5000, "carrier timeout default 5 s");
	}
	is_int(c->max_clients, 65536, "max_clients at its maximum");
	is_int(c->client_timeout_ms, 90000, "client_timeout 90s");
 out:
	config_free(c);
	cfg_ctx_free(&ctx);
}

static void
test_durations(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	unsigned ms = 0;

	c = loads(&ctx, "code: {ttl: 90s}\n", "ttl: 90s");
	ok(c != NULL && c->ttl_ms == 90000, "  ... is 90000 ms");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "code: {ttl: 5m}\n", "ttl: 5m");
	ok(c != NULL && c->ttl_ms == 300000, "  ... is 300000 ms");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "code: {ttl: 300}\n", "ttl: 300");
	ok(c != NULL && c->ttl_ms == 300000, "  ... is 300000 ms");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "code: {ttl: \"30s\"}\nclient_timeout: 5m\n",
	    "ttl: \"30s\" (quoted) and client_timeout: 5m (bounds)");
	ok(c != NULL && c->ttl_ms == 30000 && c->client_timeout_ms == 300000,
	    "  ... 30000 and 300000 ms");
	config_free(c);
	cfg_ctx_free(&ctx);

	ok(cfg_parse_duration("1h", 0, &ms) == 0 && ms == 3600000, "1h");
	ok(cfg_parse_duration("0", 0, &ms) == 0 && ms == 0, "0");
	ok(cfg_parse_duration("500ms", 1, &ms) == 0 && ms == 500, "500ms with ms_ok");
	ok(cfg_parse_duration("500ms", 0, &ms) == -1, "500ms refused without ms_ok");
	ok(cfg_parse_duration("007s", 0, &ms) == 0 && ms == 7000, "leading zeros");
	ok(cfg_parse_duration("4294967s", 0, &ms) == 0 && ms == 4294967000U,
	    "4294967s fits");
	ok(cfg_parse_duration("4294968s", 0, &ms) == -2, "4294968s overflows");
	ok(cfg_parse_duration("99999999999", 0, &ms) == -2, "99999999999 overflows");
	ok(cfg_parse_duration("99999999999999999999999999", 1, &ms) == -2,
	    "a very long number overflows");
	ok(cfg_parse_duration("1193h", 0, &ms) == 0, "1193h fits");
	ok(cfg_parse_duration("1194h", 0, &ms) == -2, "1194h overflows");
	ok(cfg_parse_duration("", 0, &ms) == -1, "empty");
	ok(cfg_parse_duration("-1", 0, &ms) == -1, "negative");
	ok(cfg_parse_duration("+5", 0, &ms) == -1, "leading +");
	ok(cfg_parse_duration("5x", 0, &ms) == -1, "unknown unit");
	ok(cfg_parse_duration("s", 0, &ms) == -1, "unit alone");
	ok(cfg_parse_duration("5 s", 0, &ms) == -1, "space before unit");
	ok(cfg_parse_duration(" 5", 0, &ms) == -1, "leading space");
	ok(cfg_parse_duration("1.5s", 0, &ms) == -1, "fraction");
	ok(cfg_parse_duration("5ss", 0, &ms) == -1, "unit twice");
	ok(cfg_parse_duration("0x10", 0, &ms) == -1, "hex");
	ok(cfg_parse_duration("5S", 0, &ms) == -1, "units are lower case");
}

static void
test_type_and_range_errors(void)
{
	refused("code:\n  digits: {a: 1}\n",
	    ":2:11: code.digits: expected an integer in 4..10, got a mapping",
	    "digits: a mapping");
	refused("code:\n  digits: [6]\n",
	    ":2:11: code.digits: expected an integer in 4..10, got a sequence",
	    "digits: a sequence");
	refused("code:\n  digits:\n",
	    ":2:10: code.digits: expected an integer in 4..10, got nothing",
	    "digits: nothing");
	refused("code:\n  digits: 3\n",
	    ":2:11: code.digits: 3 is out of range 4..10", "digits: 3");
	refused("code:\n  digits: 11\n",
	    ":2:11: code.digits: 11 is out of range 4..10", "digits: 11");
	refused("code: {digits: abc}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got 'abc'",
	    "digits: abc");
	refused("code: {digits: +6}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got '+6'",
	    "digits: +6 (leading +)");
	refused("code: {digits: -6}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got '-6'",
	    "digits: -6 (sign)");
	refused("code: {digits: 6.0}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got '6.0'",
	    "digits: 6.0");
	refused("code: {digits: 0x6}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got '0x6'",
	    "digits: 0x6");
	refused("code: {digits: \"6\"}\n",
	    ":1:16: code.digits: expected an integer in 4..10, got the string '6'",
	    "digits: \"6\" (a string)");
	refused("max_clients: 99999999999\n",
	    ":1:14: max_clients: 99999999999 is out of range 1..65536",
	    "max_clients: overflow");
	refused("max_clients: 0\n",
	    ":1:14: max_clients: 0 is out of range 1..65536", "max_clients: 0");
	refused("max_clients: 65537\n",
	    ":1:14: max_clients: 65537 is out of range 1..65536", "max_clients: 65537");
	refused("code:\n  max_attempts: 0\n",
	    ":2:17: code.max_attempts: 0 is out of range 1..10", "max_attempts: 0");
	refused("code: 6\n", ":1:7: code: expected a mapping, got '6'",
	    "code: a scalar");
	refused("- a\n- b\n", ":1:1: top level: expected a mapping, got a sequence",
	    "top level is a sequence");
	refused("~\n", ":1:1: top level: expected a mapping, got nothing",
	    "top level is null");
	refused("user: [a]\n", ":1:7: user: expected a string, got a sequence",
	    "user: a sequence");
	refused("user: \"a b\"\n", ":1:7: user: not a valid user name (1 to 256 "
	    "bytes; no spaces, control characters, ':' or '/')", "user: a space");

	/* durations */
	refused("code:\n  ttl: 29s\n",
	    ":2:8: code.ttl: 29s is out of range 30s..10m", "ttl: 29s");
	refused("code:\n  ttl: 11m\n",
	    ":2:8: code.ttl: 11m is out of range 30s..10m", "ttl: 11m");
	refused("code:\n  ttl: 5x\n",
	    ":2:8: code.ttl: expected a duration in 30s..10m (seconds, or a number "
	    "and s, m or h), got '5x'", "ttl: 5x");
	refused("code:\n  ttl: -1\n",
	    ":2:8: code.ttl: durations cannot be negative", "ttl: -1");
	refused("code:\n  ttl: \"\"\n",
	    ":2:8: code.ttl: empty duration; expected a duration in 30s..10m",
	    "ttl: \"\"");
	refused("code:\n  ttl:\n",
	    ":2:7: code.ttl: expected a duration in 30s..10m, got nothing",
	    "ttl: (nothing)");
	refused("code:\n  ttl: 99999999999\n",
	    ":2:8: code.ttl: 99999999999 is too large (range 30s..10m)",
	    "ttl: 99999999999");
	refused("code:\n  ttl: 60000ms\n",
	    ":2:8: code.ttl: expected a duration in 30s..10m (seconds, or a number "
	    "and s, m or h), got '60000ms'", "ttl: ms refused");
	refused("code:\n  ttl: {a: 1}\n",
	    ":2:8: code.ttl: expected a duration in 30s..10m, got a mapping",
	    "ttl: a mapping");
	refused("client_timeout: 0\n",
	    ":1:17: client_timeout: 0 is out of range 1s..5m", "client_timeout: 0");
	refused("client_timeout: 301\n",
	    ":1:17: client_timeout: 301 is out of range 1s..5m", "client_timeout: 301");

	/* strings checked by config */
	refused("socket: run/otpsmsd.sock\n",
	    ":1:9: socket: must be an absolute path", "socket: relative");
	refused("socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	    ":1:9: socket: longer than 107 bytes, the limit of a Unix socket address",
	    "socket: too long");
	refused("message: \"hello {host}\"\n",
	    ":1:10: message: the message must contain {code}", "message without {code}");
	refused("message: \"{code} {nope}\"\n",
	    ":1:10: message: unknown placeholder at offset 7 (known: {code} {host} "
	    "{ttl} {user} {service})", "message with an unknown placeholder");
	refused("host: \"a\\tb\"\n",
	    ":1:7: host: must be 1 to 255 bytes without control characters",
	    "host with a tab");
	refused("host: \"\"\n",
	    ":1:7: host: must be 1 to 255 bytes without control characters",
	    "host empty");
	refused("allow_uids: 0\n",
	    ":1:13: allow_uids: expected a sequence, got '0'", "allow_uids: a scalar");
	refused("allow_uids: []\n",
	    ":1:13: allow_uids: give 1 to 256 uids or user names", "allow_uids: empty");
	refused("allow_uids: [0, no-such-user-otpsms]\n",
	    ":1:17: allow_uids[1]: no such user 'no-such-user-otpsms'",
	    "allow_uids: unknown user name");
	refused("allow_uids: [4294967295]\n",
	    ":1:14: allow_uids[0]: uid out of range", "allow_uids: (uid_t)-1");
	refused("allow_uids: [99999999999]\n",
	    ":1:14: allow_uids[0]: uid out of range", "allow_uids: overflow");
	refused("allow_uids: [\"a:b\"]\n",
	    ":1:14: allow_uids[0]: 'a:b' is neither a uid nor a user name",
	    "allow_uids: bad name");
	refused("allow_uids: [{a: 1}]\n",
	    ":1:14: allow_uids[0]: expected a uid or a user name, got a mapping",
	    "allow_uids: a mapping");
}

static void
test_unknown_keys(void)
{
	refused("usr: otpsms\n", ":1:1: usr: unknown key", "unknown top-level key");
	refused("code:\n  digits: 6\n  digts: 6\n", ":3:3: code.digts: unknown key",
	    "unknown key in code:");
	refused("carriers:\n"
	    "  - name: out\n"
	    "    type: file\n"
	    "    path: /tmp/x\n"
	    "    colour: red\n",
	    ":5:5: carriers[0].colour: unknown key", "unknown key in a carrier");
	refused("carriers:\n"
	    "  - name: tw\n"
	    "    type: twilio\n"
	    "    account_sid: " SID "\n"
	    "    auth_token: abc\n"
	    "    form: \"+15005550006\"\n"
	    "    from: \"+15005550006\"\n",
	    ":6:5: carriers[0].form: unknown key", "unknown key in a twilio carrier");
}

static void
test_structure(void)
{
	struct cfg_ctx ctx;
	struct config *c;

	refused("code:\n  digits: 6\n  digits: 7\n",
	    ":3:3: code.digits: duplicate key (first at line 2)", "duplicate key");
	refused("user: a\nhost: h\nuser: b\n",
	    ":3:1: user: duplicate key (first at line 1)", "duplicate top-level key");
	refused("code: &c {digits: 6}\n",
	    ":1:7: anchors (&name) are not allowed", "an anchor");
	refused("message: &m \"{code}\"\n",
	    ":1:10: anchors (&name) are not allowed", "an anchor on a scalar");
	c = load(&ctx, "a: &x [1]\nb: *x\nc: *x\n");
	if (!ok(c == NULL && ctx.nerr == 3 &&
	    has_err(&ctx, ":1:4: anchors (&name) are not allowed") &&
	    has_err(&ctx, ":2:4: aliases (*name) are not allowed") &&
	    has_err(&ctx, ":3:4: aliases (*name) are not allowed"),
	    "an anchor and two aliases: three errors"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);
	refused("user: a\n---\nuser: b\n",
	    ":2:1: only one YAML document is allowed", "two documents");
	refused("? [a]\n: 1\n",
	    ":1:3: keys must be plain strings, not sequences", "a sequence as a key");
	refused("code: {{a: 1}: 2}\n",
	    ":1:8: keys must be plain strings, not mappings", "a mapping as a key");
	refused("user: \"a\\0b\"\n", ":1:7: value contains a NUL byte",
	    "a NUL byte in a scalar");

	c = load(&ctx, "user: [a\nhost: b\n");
	if (!ok(c == NULL && ctx.nerr == 1 && ctx.errs[0] != NULL &&
	    strncmp(ctx.errs[0], cfgpath, strlen(cfgpath)) == 0 &&
	    strncmp(ctx.errs[0] + strlen(cfgpath), ":2:", 3) == 0,
	    "a syntax error has the file and line"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);
}

int
main(void)
{
	cfgtest_setup("test_config");
	test_defaults();
	test_full();
	test_durations();
	test_type_and_range_errors();
	test_unknown_keys();
	test_structure();
	cfgtest_cleanup();
	return done_testing();
}
