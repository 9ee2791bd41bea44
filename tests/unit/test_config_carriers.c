/* The config's carriers: and users: (or users_file:): who gets a code and
 * through what, each refusal with its exact FILE:LINE:COL. Runs as root or
 * as a normal user: files are ours, so secret_owner is our euid. */
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

/* The list in "unknown carrier type" is the driver table itself: every
 * driver, in order, each found by its name; nothing else. */
static void
test_types_from_table(void)
{
	const struct carrier_ops *ops;
	char want[256];
	size_t i, off = 0;
	int found = 1;

	want[0] = '\0';
	for (i = 0; (ops = carrier_driver(i)) != NULL; i++) {
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s",
		    i ? ", " : "", ops->type);
		if (carrier_lookup(ops->type) != ops)
			found = 0;
	}
	ok(i >= 7 && off < sizeof(want), "the table has every driver (%zu)", i);
	ok(found, "each driver of the table is found by its type");
	is_str(carrier_types(), want, "carrier_types() is the table's types, in order");
	ok(carrier_lookup("sms") == NULL, "an unknown type is not found");
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
	/* Several numbers: a sequence, tried in order. */
	c = loads(&ctx, "users:\n  alice: [\"+447700900123\", \"+447700900456\"]\n"
	    "  bob: \"+33612345678\"\n  carol:\n    - \"+15005550006\"\n",
	    "users: a sequence of numbers loads");
	{
		const struct user_entry *u = c ? config_find_user(c, "alice") : NULL;

		ok(u != NULL && u->n_numbers == 2 &&
		    strcmp(u->numbers[0], "+447700900123") == 0 &&
		    strcmp(u->numbers[1], "+447700900456") == 0 &&
		    u->number == u->numbers[0], "  ... alice has two, in order");
		u = c ? config_find_user(c, "bob") : NULL;
		ok(u != NULL && u->n_numbers == 1 &&
		    strcmp(u->number, "+33612345678") == 0,
		    "  ... a plain string is a list of one");
		u = c ? config_find_user(c, "carol") : NULL;
		ok(u != NULL && u->n_numbers == 1, "  ... a block sequence of one");
	}
	config_free(c);
	cfg_ctx_free(&ctx);
	refused("users:\n  alice: []\n",
	    ":2:10: users.alice: expected 1 to 8 phone numbers, got 0",
	    "users: an empty sequence");
	refused("users:\n  alice: [\"+447700900121\", \"+447700900122\", "
	    "\"+447700900123\", \"+447700900124\", \"+447700900125\", "
	    "\"+447700900126\", \"+447700900127\", \"+447700900128\", "
	    "\"+447700900129\"]\n",
	    ":2:10: users.alice: expected 1 to 8 phone numbers, got 9",
	    "users: nine numbers");
	refused("users:\n  alice: [\"+447700900123\", [\"+447700900456\"]]\n",
	    ":2:28: users.alice: expected a phone number, got a sequence",
	    "users: a sequence in the sequence");
	refused("users:\n  alice: [\"+447700900123\", \"447700900456\"]\n",
	    ":2:28: users.alice: not an E.164 number ('+' and 8 to 15 digits, e.g. "
	    "+447700900123)", "users: a bad second number");
	refused("users:\n  alice: [\"+447700900123\", \"+447700900123\"]\n",
	    ":2:28: users.alice: number 2 repeats number 1",
	    "users: the same number twice");
	refused("users:\n  \"a:b\": \"+447700900123\"\n",
	    ":2:3: users.a:b: not a valid user name (1 to 256 bytes; no spaces, "
	    "control characters, ':' or '/')", "users: a name with ':'");
	refused("users:\n  \"a/b\": \"+447700900123\"\n",
	    ":2:3: users.a/b: not a valid user name (1 to 256 bytes; no spaces, "
	    "control characters, ':' or '/')", "users: a name with '/'");
	/* UTF-8 names work (the state file spells them); a C1 control (U+0085,
	 * a line break to some terminals) is a control like any other. */
	c = loads(&ctx, "users:\n  \"jos\xc3\xa9\": \"+447700900123\"\n"
	    "  \"\xe7\x8e\x8b\": \"+15005550006\"\n", "users: UTF-8 names load");
	ok(c != NULL && config_find_user(c, "jos\xc3\xa9") != NULL &&
	    config_find_user(c, "\xe7\x8e\x8b") != NULL, "  ... and are found");
	config_free(c);
	cfg_ctx_free(&ctx);
	refused("users:\n  \"a\\u0085b\": \"+447700900123\"\n",
	    ":2:3: users.a??b: not a valid user name (1 to 256 bytes; no spaces, "
	    "control characters, ':' or '/')", "users: a name with a C1 control");
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

	/* users_file takes the same forms: a number or a list. */
	uf = put("users.yaml", 0644, "carol: \"+447700900999\"\ndave:\n"
	    "  - \"+15005550006\"\n  - \"+15005550007\"\n");
	snprintf(yaml, sizeof(yaml), "users_file: %s\n", uf);
	c = loads(&ctx, yaml, "users_file with a list of numbers");
	{
		const struct user_entry *u = c ? config_find_user(c, "dave") : NULL;

		ok(u != NULL && u->n_numbers == 2 &&
		    strcmp(u->numbers[1], "+15005550007") == 0,
		    "  ... dave's second number from the file");
	}
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

int
main(void)
{
	cfgtest_setup("test_config_carriers");
	test_carriers();
	test_types_from_table();
	test_users();
	cfgtest_cleanup();
	return done_testing();
}
