/* Under the config's keys: the modes and owners of the config and of secret
 * files, the typed getters of cfgtree.h on their own, and the parser's
 * bounds (errors collected and capped, size, depth, scalar length, UTF-8).
 * Runs as root or as a normal user: files are ours, so secret_owner is our
 * euid. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtest.h"
#include "cfgtree.h"
/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "conf.h"
#include "tap.h"
#include "util.h"

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

/* A group's name as the message gives it. */
static const char *
gname(gid_t gid)
{
	static char buf[4][64];
	static int next;
	struct group *gr = getgrgid(gid);
	char *b = buf[next++ % 4];

	if (gr != NULL)
		snprintf(b, 64, "%s", gr->gr_name);
	else
		snprintf(b, 64, "%u", (unsigned)gid);
	return b;
}

/* Loads yaml written with mode and group gid (-1: as created). */
static struct config *
load_group(struct cfg_ctx *ctx, const char *yaml, mode_t mode, gid_t gid)
{
	snprintf(cfgpath, sizeof(cfgpath), "%s", put("otpsmsd.yaml", mode, yaml));
	if (gid != (gid_t)-1 && chown(cfgpath, (uid_t)-1, gid) == -1)
		printf("# chgrp %s: %s\n", cfgpath, strerror(errno));
	cfg_ctx_init(ctx, cfgpath);
	ctx->secret_owner = geteuid();
	return config_load(ctx, cfgpath);
}

/* An inline secret makes its file as secret as a *_file: readable by the
 * owner and at most by the daemon's own group. */
static void
test_inline_secrets(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	struct passwd *pw;
	char me[64], other[64], yaml[1024], want[1024], key[160], store_yaml[1024];
	gid_t my_gid, other_gid;

	/* The daemon's user: us (the file's group is our primary group), or
	 * one whose primary group is not the file's. */
	if ((pw = getpwuid(geteuid())) == NULL) {
		ok(0, "getpwuid");
		return;
	}
	snprintf(me, sizeof(me), "%s", pw->pw_name);
	my_gid = pw->pw_gid;
	if ((pw = getpwnam(geteuid() == 0 ? "nobody" : "root")) == NULL ||
	    pw->pw_gid == my_gid) {
		ok(0, "a user with another primary group");
		return;
	}
	snprintf(other, sizeof(other), "%s", pw->pw_name);
	other_gid = pw->pw_gid;

#define TW(user) "user: " user "\n" \
	"carriers:\n" \
	"  - name: tw\n" \
	"    type: twilio\n" \
	"    account_sid: " SID "\n" \
	"    auth_token: 0123456789abcdef0123456789abcdef\n" \
	"    from: \"+15005550006\"\n"
	snprintf(yaml, sizeof(yaml), TW("%s"), me);
	c = load_group(&ctx, yaml, 0644, my_gid);
	snprintf(want, sizeof(want), ":6:17: carriers[0].auth_token: inline secret "
	    "in a file that others can read (mode 0644): chmod 600 the file (or "
	    "chmod 640 and chgrp %s, the daemon's group), or move the secret to "
	    "auth_token_file", gname(my_gid));
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, want),
	    "0644 config with an inline token: refused at the token, with the fix")) {
		printf("#   want: %s%s\n", cfgpath, want);
		show_errs(&ctx);
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = load_group(&ctx, yaml, 0600, my_gid);
	if (!ok(c != NULL && ctx.nerr == 0, "0600 config with an inline token: loads"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	c = load_group(&ctx, yaml, 0640, my_gid);
	if (!ok(c != NULL && ctx.nerr == 0, "0640, group %s (the daemon's): loads",
	    gname(my_gid)))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	/* The same file, the daemon now another user: its group is not ours. */
	snprintf(yaml, sizeof(yaml), TW("%s"), other);
	c = load_group(&ctx, yaml, 0640, my_gid);
	snprintf(want, sizeof(want), ":6:17: carriers[0].auth_token: inline secret "
	    "in a file that group %s can read (mode 0640): chmod 600 the file (or "
	    "chmod 640 and chgrp %s, the daemon's group), or move the secret to "
	    "auth_token_file", gname(my_gid), gname(other_gid));
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, want),
	    "0640, group %s, daemon's group %s: refused", gname(my_gid),
	    gname(other_gid))) {
		printf("#   want: %s%s\n", cfgpath, want);
		show_errs(&ctx);
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	/* A daemon user that does not exist has no group to trust. */
	c = load_group(&ctx, TW("no-such-user-otpsms"), 0640, my_gid);
	snprintf(want, sizeof(want), ":6:17: carriers[0].auth_token: inline secret "
	    "in a file that group %s can read (mode 0640): chmod 600 the file, or "
	    "move the secret to auth_token_file", gname(my_gid));
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, want),
	    "0640 with an unknown daemon user: refused"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);
#undef TW

	/* The store's password, inline, in a readable file. */
	snprintf(key, sizeof(key), "%s", put("fleet.key", 0600,
	    "0123456789abcdef0123456789abcdef\n"));
	snprintf(store_yaml, sizeof(store_yaml), "user: %s\nfleet_key_file: %s\n"
	    "store:\n  type: redis\n  url: redis://10.0.0.5\n  password: s3cret\n",
	    me, key);
	c = load_group(&ctx, store_yaml, 0604, my_gid);
	snprintf(want, sizeof(want), ":6:13: store.password: inline secret in a "
	    "file that others can read (mode 0604): chmod 600 the file (or chmod "
	    "640 and chgrp %s, the daemon's group), or move the secret to "
	    "password_file", gname(my_gid));
	if (!ok(c == NULL && ctx.nerr == 1 && has_err(&ctx, want),
	    "0604 config with the store's password inline: refused")) {
		printf("#   want: %s%s\n", cfgpath, want);
		show_errs(&ctx);
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	/* Without inline secrets a readable config is still fine, and a
	 * users_file (names and numbers only) may be too. */
	put("users.yaml", 0644, "alice: \"+447700900123\"\n");
	snprintf(yaml, sizeof(yaml), "user: %s\nusers_file: %s/users.yaml\n"
	    "fleet_key_file: %s\nstore:\n  type: redis\n  url: redis://10.0.0.5\n"
	    "  password_file: %s\n", other, dir, key, key);
	c = load_group(&ctx, yaml, 0644, my_gid);
	if (!ok(c != NULL && ctx.nerr == 0, "0644 config without inline secrets "
	    "(secrets in *_file, a 0644 users_file): loads"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);

	/* A readable users_file read first does not stand for the main file. */
	snprintf(yaml, sizeof(yaml), "user: %s\nusers_file: %s/users.yaml\n"
	    "fleet_key_file: %s\nstore:\n  type: redis\n  url: redis://10.0.0.5\n"
	    "  password: s3cret\n", me, dir, key);
	c = load_group(&ctx, yaml, 0600, my_gid);
	if (!ok(c != NULL && ctx.nerr == 0, "0600 config with an inline secret "
	    "and a 0644 users_file: loads"))
		show_errs(&ctx);
	config_free(c);
	cfg_ctx_free(&ctx);
}

int
main(void)
{
	cfgtest_setup("test_config_parser");
	test_permissions();
	test_inline_secrets();
	test_getters();
	test_limits();
	cfgtest_cleanup();
	return done_testing();
}
