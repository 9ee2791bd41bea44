/* The config parser: every error path with its exact FILE:LINE:COL prefix,
 * the defaults, durations, file permission rules and the typed getters.
 * Runs as root or as a normal user: files are ours, so secret_owner is our
 * euid. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "../../helper/config.h"
#include "tap.h"
#include "util.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define SID "AC0123456789abcdef0123456789abcdef"

static char dir[64];
static char cfgpath[128];

/* Writes dir/name with mode (umask aside); returns a static copy of the path. */
static const char *
put(const char *name, mode_t mode, const char *text)
{
	static char paths[8][128];
	static int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, 128, "%s/%s", dir, name);
	unlink(path);
	if ((f = fopen(path, "w")) == NULL) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	if (chmod(path, mode) == -1) {
		printf("Bail out! chmod %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return path;
}

static void
show_errs(const struct cfg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++)
		printf("#   err %zu: %s\n", i, ctx->errs[i] ? ctx->errs[i] : "(null)");
}

/* Is "full" among the recorded errors? */
static int
has_full(const struct cfg_ctx *ctx, const char *full)
{
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++)
		if (ctx->errs[i] != NULL && strcmp(ctx->errs[i], full) == 0)
			return 1;
	return 0;
}

/* Is cfgpath followed by suffix (":3:7: ...") among the errors? */
static int
has_err(const struct cfg_ctx *ctx, const char *suffix)
{
	char full[1024];

	snprintf(full, sizeof(full), "%s%s", cfgpath, suffix);
	return has_full(ctx, full);
}

/* Writes yaml as the config (mode 0600) and loads it. */
static struct config *
load_mode(struct cfg_ctx *ctx, const char *yaml, mode_t mode)
{
	snprintf(cfgpath, sizeof(cfgpath), "%s", put("otpsmsd.yaml", mode, yaml));
	cfg_ctx_init(ctx, cfgpath);
	ctx->secret_owner = geteuid();
	return config_load(ctx, cfgpath);
}

static struct config *
load(struct cfg_ctx *ctx, const char *yaml)
{
	return load_mode(ctx, yaml, 0600);
}

/* The config is refused with exactly one error: cfgpath + suffix. */
static void
refused(const char *yaml, const char *suffix, const char *what)
{
	struct cfg_ctx ctx;
	struct config *c;

	c = load(&ctx, yaml);
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, suffix), "%s", what)) {
		printf("#   want: %s%s\n", cfgpath, suffix);
		show_errs(&ctx);
	}
	config_free(c);
	cfg_ctx_free(&ctx);
}

/* The config loads; returns it (caller frees) or NULL after a failed test. */
static struct config *
loads(struct cfg_ctx *ctx, const char *yaml, const char *what)
{
	struct config *c;

	c = load(ctx, yaml);
	if (!ok(c != NULL && ctx->nerr == 0, "%s", what))
		show_errs(ctx);
	return c;
}

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

static void
test_carriers(void)
{
	refused("carriers:\n"
	    "  - {name: a, type: file, path: /tmp/a}\n"
	    "  - {name: b, type: file, path: /tmp/b}\n"
	    "  - {name: a, type: file, path: /tmp/c}\n",
	    ":4:12: carriers[2].name: duplicate carrier name 'a' (first at line 2)",
	    "duplicate carrier name");
	refused("carriers:\n  - name: a\n    type: sms\n",
	    ":3:11: carriers[0].type: unknown carrier type 'sms' (known: file, twilio, vonage, spool, http, kannel, smpp)",
	    "unknown carrier type");
	refused("carriers:\n  - type: file\n    path: /tmp/a\n",
	    ":2:5: carriers[0].name: required but missing", "carrier without a name");
	refused("carriers:\n  - name: a\n    path: /tmp/a\n",
	    ":2:5: carriers[0].type: required but missing", "carrier without a type");
	refused("carriers:\n  - {name: \"a b\", type: file, path: /tmp/a}\n",
	    ":2:12: carriers[0].name: 'a b' is not a carrier name (1 to 64 of "
	    "A-Z a-z 0-9 _ . -)", "carrier name with a space");
	refused("carriers:\n  - {name: a, type: file, path: /tmp/a, timeout: 61s}\n",
	    ":2:50: carriers[0].timeout: 61s is out of range 1s..1m",
	    "carrier timeout 61s");
	refused("carriers:\n  - {name: a, type: file, path: /tmp/a, timeout: 999ms}\n",
	    ":2:50: carriers[0].timeout: 999ms is out of range 1s..1m",
	    "carrier timeout 999ms");
	refused("carriers: []\n", ":1:11: carriers: give 1 to 16 carriers (or leave "
	    "carriers out for the default file carrier)", "carriers: empty");
	refused("carriers: {name: a}\n",
	    ":1:11: carriers: expected a sequence, got a mapping", "carriers: a map");
	refused("carriers:\n  - file\n",
	    ":2:5: carriers[0]: expected a mapping, got 'file'", "carrier: a scalar");
	refused("carriers:\n  - {name: a, type: file, path: relative}\n",
	    ":2:33: carriers[0].path: must be an absolute path", "the driver's own check");
}

static void
test_users(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	char yaml[512], want[1024];
	const char *uf;

	refused("users:\n  alice: \"+0447700900123\"\n",
	    ":2:10: users.alice: not an E.164 number ('+' and 8 to 15 digits, e.g. "
	    "+447700900123)", "users: bad number");
	refused("users:\n  alice: 447700900123\n",
	    ":2:10: users.alice: not an E.164 number ('+' and 8 to 15 digits, e.g. "
	    "+447700900123)", "users: number without +");
	refused("users:\n  alice: [\"+447700900123\"]\n",
	    ":2:10: users.alice: expected a phone number, got a sequence",
	    "users: a sequence as the number");
	refused("users:\n  \"a:b\": \"+447700900123\"\n",
	    ":2:3: users.a:b: not a valid user name (1 to 256 bytes; no spaces, "
	    "control characters, ':' or '/')", "users: a name with ':'");
	refused("users:\n  \"a/b\": \"+447700900123\"\n",
	    ":2:3: users.a/b: not a valid user name (1 to 256 bytes; no spaces, "
	    "control characters, ':' or '/')", "users: a name with '/'");
	refused("users: [alice]\n", ":1:8: users: expected a mapping, got a sequence",
	    "users: a sequence");
	refused("users:\n  alice: \"+447700900123\"\nusers_file: /etc/x\n",
	    ":3:1: give users or users_file, not both", "users and users_file");
	refused("users_file: users.yaml\n",
	    ":1:13: users_file: must be an absolute path", "users_file: relative");

	uf = put("users.yaml", 0644, "carol: \"+447700900999\"\ndave: \"+15005550006\"\n");
	snprintf(yaml, sizeof(yaml), "users_file: %s\n", uf);
	c = loads(&ctx, yaml, "users_file (mode 0644: readable is fine)");
	ok(c != NULL && c->n_users == 2 && config_find_user(c, "dave") != NULL &&
	    c->users_file != NULL && strcmp(c->users_file, uf) == 0,
	    "  ... two users from the file");
	config_free(c);
	cfg_ctx_free(&ctx);

	uf = put("users.yaml", 0664, "carol: \"+447700900999\"\n");
	snprintf(yaml, sizeof(yaml), "users_file: %s\n", uf);
	c = load(&ctx, yaml);
	snprintf(want, sizeof(want), "%s: writable by group or others (mode 0664), so "
	    "they could redirect codes; chmod go-w it", uf);
	if (!ok(c == NULL && ctx.nerr == 1 && has_full(&ctx, want),
	    "users_file group-writable"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	uf = put("users.yaml", 0600, "carol: \"+447700900999\"\ndave: 5550006\n"
	    "eve: {}\n");
	snprintf(yaml, sizeof(yaml), "users_file: %s\nhost: [x]\n", uf);
	c = load(&ctx, yaml);
	snprintf(want, sizeof(want), "%s:2:7: dave: not an E.164 number ('+' and 8 to "
	    "15 digits, e.g. +447700900123)", uf);
	ok(c == NULL && ctx.nerr == 3 && has_full(&ctx, want), "users_file errors "
	    "point into users_file");
	snprintf(want, sizeof(want), "%s:3:6: eve: expected a phone number, got a "
	    "mapping", uf);
	ok(has_full(&ctx, want), "  ... with its own name, line and column");
	if (!ok(has_err(&ctx, ":2:7: host: expected a string, got a sequence"),
	    "  ... and the config's own errors keep the config's name"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	snprintf(yaml, sizeof(yaml), "users_file: %s/missing.yaml\n", dir);
	c = load(&ctx, yaml);
	snprintf(want, sizeof(want), "%s/missing.yaml: cannot open: %s", dir,
	    strerror(ENOENT));
	ok(c == NULL && ctx.nerr == 1 && has_full(&ctx, want), "users_file missing");
	config_free(c);
	cfg_ctx_free(&ctx);

	uf = put("users.yaml", 0600, "- alice\n");
	snprintf(yaml, sizeof(yaml), "users_file: %s\n", uf);
	c = load(&ctx, yaml);
	snprintf(want, sizeof(want), "%s:1:1: top level: expected a mapping, got a "
	    "sequence", uf);
	ok(c == NULL && ctx.nerr == 1 && has_full(&ctx, want), "users_file not a map");
	config_free(c);
	cfg_ctx_free(&ctx);
}

static void
test_permissions(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	char yaml[512], want[1024];
	const char *tok;

	c = load_mode(&ctx, "user: otpsms\n", 0620);
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, ": writable by group or "
	    "others (mode 0620), so they could redirect codes; chmod go-w it"),
	    "config group-writable"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	c = load_mode(&ctx, "user: otpsms\n", 0602);
	ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, ": writable by group or "
	    "others (mode 0602), so they could redirect codes; chmod go-w it"),
	    "config world-writable");
	config_free(c);
	cfg_ctx_free(&ctx);

	c = load_mode(&ctx, "user: otpsms\n", 0644);
	ok(c != NULL && ctx.nerr == 0, "config 0644 is fine");
	config_free(c);
	cfg_ctx_free(&ctx);

	/* Someone other than root and secret_owner owns it. */
	snprintf(cfgpath, sizeof(cfgpath), "%s", put("otpsmsd.yaml", 0600, "user: a\n"));
	cfg_ctx_init(&ctx, cfgpath);
	if (geteuid() == 0) {
		ctx.secret_owner = 0;
		if (chown(cfgpath, 12345, 12345) == -1)
			printf("# chown: %s\n", strerror(errno));
		snprintf(want, sizeof(want), ": must be owned by root or uid 0 (owner "
		    "uid is 12345)");
	} else {
		ctx.secret_owner = geteuid() + 1;
		snprintf(want, sizeof(want), ": must be owned by root or uid %u (owner "
		    "uid is %u)", (unsigned)geteuid() + 1, (unsigned)geteuid());
	}
	c = config_load(&ctx, cfgpath);
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, want),
	    "config owned by someone else"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	snprintf(cfgpath, sizeof(cfgpath), "%s", dir);
	cfg_ctx_init(&ctx, cfgpath);
	c = config_load(&ctx, dir);
	ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, ": not a regular file"),
	    "a directory is refused");
	config_free(c);
	cfg_ctx_free(&ctx);

	/* A secret file readable by others, through cfg_secret in a driver. */
	tok = put("token", 0644, "0123456789abcdef0123456789abcdef\n");
	snprintf(yaml, sizeof(yaml), "carriers:\n"
	    "  - name: tw\n"
	    "    type: twilio\n"
	    "    account_sid: " SID "\n"
	    "    auth_token_file: %s\n"
	    "    from: \"+15005550006\"\n", tok);
	snprintf(want, sizeof(want), ":5:22: carriers[0].auth_token_file: %s: holds "
	    "secrets but is accessible by group or others (mode 0644); chmod 600 it",
	    tok);
	refused(yaml, want, "secret file mode 0644");
}

/* The getters on their own, on a tree from a string. */
static void
test_getters(void)
{
	struct cfg_ctx ctx;
	struct cfg_node *root, *n;
	char *s = NULL, path[256], yaml[512];
	const char *tok;
	unsigned u = 99;
	int b = 7;

	tok = put("secret", 0600, "s3cret\n");
	snprintf(yaml, sizeof(yaml),
	    "t: true\nf: no\nY: yes\nF: FALSE\nm: maybe\n"
	    "u: 007\nbig: 4294967296\n"
	    "s: hello\nq: ''\nnul: ~\n"
	    "k: inline-secret\n"
	    "kf_file: %s\n"
	    "both: x\nboth_file: /x\n"
	    "long: 0123456789\n"
	    "list: [a, {b: [c]}]\n", tok);
	cfg_ctx_init(&ctx, "t.yaml");
	root = cfg_parse_string(&ctx, yaml, strlen(yaml));
	ok(root != NULL && root->type == CFG_MAP && root->n == 16, "parse a string");
	if (root == NULL)
		goto out;
	ok(cfg_bool(&ctx, root, "t", &b, 1) == 1 && b == 1, "bool true");
	ok(cfg_bool(&ctx, root, "f", &b, 1) == 1 && b == 0, "bool no");
	ok(cfg_bool(&ctx, root, "Y", &b, 1) == 1 && b == 1, "bool yes");
	ok(cfg_bool(&ctx, root, "F", &b, 1) == 1 && b == 0, "bool FALSE");
	b = 7;
	ok(cfg_bool(&ctx, root, "m", &b, 1) == -1 && b == 7 && ctx.nerr == 1 &&
	    strcmp(ctx.errs[0], "t.yaml:5:4: m: expected true or false, got 'maybe'") == 0,
	    "bool maybe refused, out untouched");
	ok(cfg_bool(&ctx, root, "absent", &b, 0) == 0 && ctx.nerr == 1,
	    "absent and optional: 0, no error");
	ok(cfg_bool(&ctx, root, "absent", &b, 1) == 0 && ctx.nerr == 2 &&
	    strcmp(ctx.errs[1], "t.yaml:1:1: absent: required but missing") == 0,
	    "absent and required: 0 and an error at the map");
	ok(cfg_uint(&ctx, root, "u", &u, 0, 10, 1) == 1 && u == 7, "uint 007");
	u = 99;
	ok(cfg_uint(&ctx, root, "big", &u, 0, UINT_MAX, 1) == -1 && u == 99 &&
	    ctx.nerr == 3 && strcmp(ctx.errs[2], "t.yaml:7:6: big: 4294967296 is "
	    "out of range 0..4294967295") == 0, "uint overflow");
	ok(cfg_str(&ctx, root, "s", &s, 1) == 1 && s != NULL && strcmp(s, "hello") == 0,
	    "str");
	free(s);
	s = NULL;
	ok(cfg_str(&ctx, root, "q", &s, 1) == 1 && s != NULL && s[0] == '\0',
	    "a quoted empty string is a string");
	free(s);
	s = NULL;
	ok(cfg_str(&ctx, root, "nul", &s, 1) == -1 && s == NULL && ctx.nerr == 4 &&
	    strcmp(ctx.errs[3], "t.yaml:10:6: nul: expected a string, got nothing") == 0,
	    "~ is not a string");
	ok(cfg_secret(&ctx, root, "k", &s, 64, 1) == 1 && s != NULL &&
	    strcmp(s, "inline-secret") == 0, "inline secret");
	freezero_str(s);
	s = NULL;
	ok(cfg_secret(&ctx, root, "kf", &s, 64, 1) == 1 && s != NULL &&
	    strcmp(s, "s3cret") == 0, "secret from KEY_file, newline removed");
	freezero_str(s);
	s = NULL;
	ok(cfg_secret(&ctx, root, "both", &s, 64, 1) == -1 && s == NULL &&
	    ctx.nerr == 5 && strcmp(ctx.errs[4], "t.yaml:14:1: give both or "
	    "both_file, not both") == 0, "secret given both ways");
	ok(cfg_secret(&ctx, root, "none", &s, 64, 1) == 0 && ctx.nerr == 6 &&
	    strcmp(ctx.errs[5], "t.yaml:1:1: none: required but missing (or "
	    "none_file)") == 0, "secret missing");
	ok(cfg_secret(&ctx, root, "long", &s, 5, 1) == -1 && ctx.nerr == 7 &&
	    strcmp(ctx.errs[6], "t.yaml:15:7: long: longer than 5 bytes") == 0,
	    "inline secret too long");
	ok(cfg_secret(&ctx, root, "list", &s, 5, 1) == -1 && ctx.nerr == 8 &&
	    strcmp(ctx.errs[7], "t.yaml:16:7: list: expected a string, got a "
	    "sequence") == 0, "secret of the wrong type");
	n = cfg_get(root, "list");
	ok(n != NULL && n->type == CFG_SEQ && n->n == 2 &&
	    n->items[1]->type == CFG_MAP, "nested nodes");
	if (n != NULL && n->n == 2 && n->items[1]->n == 1) {
		n = n->items[1]->items[0];
		is_str(cfg_path(n, path, sizeof(path)), "list[1].b", "cfg_path");
		is_str(cfg_path(n->items[0], path, sizeof(path)), "list[1].b[0]",
		    "cfg_path of a sequence item");
		ok(n->items[0]->line == 16 && n->items[0]->col == 16, "line and column");
	}
	cfg_ctx_free(&ctx);
	ok(ctx.nerr == 0, "cfg_ctx_free clears");
	cfg_check_unused(&ctx, root);
	ok(ctx.nerr == 0, "no unused keys left");
	cfg_node_free(root);

	root = cfg_map_new();
	ok(root != NULL && cfg_map_set(root, "path", "/x") == 0 &&
	    cfg_str(&ctx, root, "path", &s, 1) == 1 && strcmp(s, "/x") == 0,
	    "cfg_map_new and cfg_map_set");
	free(s);
	s = NULL;
	cfg_err(&ctx, root, "built in");
	ok(ctx.nerr == 1 && strcmp(ctx.errs[0], "t.yaml: built in") == 0,
	    "a built map has no position");
	cfg_node_free(root);
 out:
	cfg_ctx_free(&ctx);
}

static void
test_limits(void)
{
	struct cfg_ctx ctx;
	struct cfg_node *root;
	struct config *c;
	char *big;
	size_t i, len;

	/* Collect all errors, not just the first. */
	c = load(&ctx, "code:\n  digits: 3\n  ttl: 5x\nbogus: 1\ncarriers:\n"
	    "  - {name: a, type: sms}\nmax_clients: 0\n");
	if (!ok(c == NULL && ctx.nerr == 5 &&
	    has_err(&ctx, ":2:11: code.digits: 3 is out of range 4..10") &&
	    has_err(&ctx, ":3:8: code.ttl: expected a duration in 30s..10m (seconds, "
	    "or a number and s, m or h), got '5x'") &&
	    has_err(&ctx, ":4:1: bogus: unknown key") &&
	    has_err(&ctx, ":6:21: carriers[0].type: unknown carrier type 'sms' "
	    "(known: file, twilio, vonage, spool, http, kannel, smpp)") &&
	    has_err(&ctx, ":7:14: max_clients: 0 is out of range 1..65536"),
	    "five errors, all reported"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	/* The error list is capped, and stays a failure. */
	big = malloc(100 * 16);
	for (i = 0, len = 0; i < 100; i++)
		len += (size_t)snprintf(big + len, 16, "k%zu: 1\n", i);
	c = load(&ctx, big);
	ok(c == NULL && ctx.nerr == CFG_MAX_ERRORS && ctx.errs[CFG_MAX_ERRORS - 1] &&
	    strstr(ctx.errs[CFG_MAX_ERRORS - 1], "too many errors") != NULL,
	    "errors capped at CFG_MAX_ERRORS");
	config_free(c);
	cfg_ctx_free(&ctx);
	free(big);

	/* Size, depth and scalar length are bounded. */
	big = malloc(CFG_FILE_MAX + 2);
	memset(big, '#', CFG_FILE_MAX + 1);
	big[CFG_FILE_MAX + 1] = '\0';
	c = load(&ctx, big);
	ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, ": longer than 1048576 bytes"),
	    "a file over 1 MiB is refused");
	config_free(c);
	cfg_ctx_free(&ctx);
	cfg_ctx_init(&ctx, "s");
	root = cfg_parse_string(&ctx, big, CFG_FILE_MAX + 1);
	ok(root == NULL && ctx.nerr == 1, "a string over 1 MiB is refused");
	cfg_ctx_free(&ctx);

	memset(big, '[', 100);
	memset(big + 100, ']', 100);
	cfg_ctx_init(&ctx, "s");
	root = cfg_parse_string(&ctx, big, 200);
	if (!ok(root == NULL && ctx.nerr == 1 && strcmp(ctx.errs[0],
	    "s:1:33: nested deeper than 32 levels") == 0, "nesting is bounded"))
		show_errs(&ctx);
	cfg_ctx_free(&ctx);

	memcpy(big, "a: ", 3);
	memset(big + 3, 'x', CFG_SCALAR_MAX + 1);
	cfg_ctx_init(&ctx, "s");
	root = cfg_parse_string(&ctx, big, 3 + CFG_SCALAR_MAX + 1);
	ok(root == NULL && ctx.nerr == 1 && strcmp(ctx.errs[0],
	    "s:1:4: value longer than 4096 bytes") == 0, "scalars are bounded");
	cfg_ctx_free(&ctx);
	root = cfg_parse_string(&ctx, big, 3 + CFG_SCALAR_MAX);
	ok(root != NULL && ctx.nerr == 0, "a 4096-byte scalar is fine");
	cfg_node_free(root);
	cfg_ctx_free(&ctx);
	free(big);

	cfg_ctx_init(&ctx, "s");
	root = cfg_parse_string(&ctx, "a: \xff\n", 5);
	if (!ok(root == NULL && ctx.nerr == 1 && ctx.errs[0] != NULL &&
	    strncmp(ctx.errs[0], "s: invalid", 10) == 0, "invalid UTF-8 is refused"))
		show_errs(&ctx);
	cfg_ctx_free(&ctx);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	umask(022);
	test_defaults();
	test_full();
	test_durations();
	test_type_and_range_errors();
	test_unknown_keys();
	test_structure();
	test_carriers();
	test_users();
	test_permissions();
	test_getters();
	test_limits();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
