/* otpsmsd.yaml(5): the checked configuration, built from a cfgtree. Every
 * key is read through the typed getters so each error carries FILE:LINE:COL,
 * and all errors are collected before giving up. */
/* autoconf's header first: <> skips this directory, "" then finds ours. */
#include <config.h>
#include "conf.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
#include "route.h"
#include "template.h"
#include "util.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define DEFAULT_USER "otpsms"
#define DEFAULT_SOCKET RUNSTATEDIR "/otpsms/otpsmsd.sock"
#define DEFAULT_OUTBOX LOCALSTATEDIR "/lib/otpsms/outbox.jsonl"
#define DEFAULT_MESSAGE "{code} is your login code for {host}. It expires in {ttl}."

#define USER_NAME_MAX 256
#define HOST_MAX 255            /* template_check assumes this for {host} */
#define CARRIER_NAME_MAX 64
#define MAX_CARRIERS 16
#define MAX_ALLOW_UIDS 256

/* The length of the UTF-8 sequence at s (1 to 4) and its code point, or 0
 * if it is not one: no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t
utf8_char(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* 1..256 bytes of UTF-8 without whitespace, control characters (C0, DEL,
 * C1), ':' or '/': what passwd, PAM and a path component all take safely,
 * and what the state file, the protocol and the logs carry (josé works). */
static int
user_name_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c;
	size_t i, n;

	for (i = 0; p[i] != '\0'; i += n) {
		if ((n = utf8_char(p + i, &c)) == 0 || i + n > USER_NAME_MAX)
			return 0;
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == ' ' || c == ':' ||
		    c == '/')
			return 0;
	}
	return i > 0;
}

static int
carrier_name_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CARRIER_NAME_MAX)
			return 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return 0;
	}
	return i > 0;
}

static void
read_user(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct passwd *pw;

	if (cfg_str(ctx, root, "user", &c->user, 0) == 1 &&
	    !user_name_valid(c->user))
		cfg_err(ctx, cfg_get(root, "user"), "user: not a valid user name "
		    "(1 to %d bytes; no spaces, control characters, ':' or '/')",
		    USER_NAME_MAX);
	if (c->user == NULL && (c->user = strdup(DEFAULT_USER)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
	/* Its group may read a file with inline secrets (cfg_secret). Only for
	 * a real file: a fuzzed string never reaches the user database. */
	if (ctx->src_known && c->user != NULL && (pw = getpwnam(c->user)) != NULL) {
		ctx->daemon_gid = pw->pw_gid;
		ctx->daemon_gid_known = 1;
		ctx->daemon_uid = pw->pw_uid;
		log_safe(ctx->daemon_name, sizeof(ctx->daemon_name), c->user);
		/* It may also read secret files (0640 root:GROUP), as the
		 * shipped unit, which starts it as that user, needs. */
		ctx->secret_group = pw->pw_gid;
	}
}

/* metrics_file: a file for node_exporter's textfile collector, rewritten
 * every metrics_interval (docs/monitoring.md). */
static void
read_metrics(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	const char *base;

	if (cfg_str(ctx, root, "metrics_file", &c->metrics_file, 0) == 1) {
		base = strrchr(c->metrics_file, '/');
		if (c->metrics_file[0] != '/' || base == NULL || base[1] == '\0' ||
		    strcmp(base, "/.") == 0 || strcmp(base, "/..") == 0 ||
		    strlen(c->metrics_file) > 3000)
			cfg_err(ctx, cfg_get(root, "metrics_file"),
			    "metrics_file: must be the absolute path of a file");
	}
	cfg_duration(ctx, root, "metrics_interval", &c->metrics_interval_ms,
	    1000, 3600 * 1000, 0);
}

static void
read_socket(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct sockaddr_un sun;

	if (cfg_str(ctx, root, "socket", &c->socket, 0) == 1) {
		if (c->socket[0] != '/')
			cfg_err(ctx, cfg_get(root, "socket"),
			    "socket: must be an absolute path");
		else if (strlen(c->socket) >= sizeof(sun.sun_path))
			cfg_err(ctx, cfg_get(root, "socket"), "socket: longer than "
			    "%zu bytes, the limit of a Unix socket address",
			    sizeof(sun.sun_path) - 1);
	}
	if (c->socket == NULL && (c->socket = strdup(DEFAULT_SOCKET)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
}

/* One allow_uids entry: a uid, or a user name resolved now, so a typo shows
 * at start-up rather than as a refused login. */
static int
parse_uid(struct cfg_ctx *ctx, struct cfg_node *n, uid_t *out)
{
	struct passwd *pw;
	unsigned long long v = 0;
	char path[256], shown[64];
	const char *p;
	int r = -1;

	cfg_path(n, path, sizeof(path));
	if (n->type != CFG_SCALAR || cfg_is_null(n)) {
		cfg_err(ctx, n, "%s: expected a uid or a user name, got %s", path,
		    n->type == CFG_MAP ? "a mapping" :
		    n->type == CFG_SEQ ? "a sequence" : "nothing");
		goto out;
	}
	if (n->value[0] != '\0' && n->value[strspn(n->value, "0123456789")] == '\0') {
		for (p = n->value; *p != '\0' && v < (uid_t)-1; p++)
			v = v * 10 + (unsigned)(*p - '0');
		/* (uid_t)-1 means "no uid" to setresuid and friends. */
		if (*p != '\0' || v >= (uid_t)-1) {
			cfg_err(ctx, n, "%s: uid out of range", path);
			goto out;
		}
		*out = (uid_t)v;
		r = 0;
		goto out;
	}
	log_safe(shown, sizeof(shown), n->value);
	if (!user_name_valid(n->value)) {
		cfg_err(ctx, n, "%s: '%s' is neither a uid nor a user name", path,
		    shown);
		goto out;
	}
	if ((pw = getpwnam(n->value)) == NULL) {
		cfg_err(ctx, n, "%s: no such user '%s'", path, shown);
		goto out;
	}
	*out = pw->pw_uid;
	r = 0;
 out:
	return r;
}

static void
read_allow_uids(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *seq;
	size_t i;

	if ((seq = cfg_get(root, "allow_uids")) == NULL) {
		if ((c->allow_uids = calloc(1, sizeof(*c->allow_uids))) == NULL) {
			cfg_err(ctx, NULL, "out of memory");
			return;
		}
		c->allow_uids[0] = 0;
		c->n_allow_uids = 1;
		return;
	}
	if (!cfg_want_seq(ctx, seq, NULL))
		return;
	if (seq->n == 0 || seq->n > MAX_ALLOW_UIDS) {
		cfg_err(ctx, seq, "allow_uids: give 1 to %d uids or user names",
		    MAX_ALLOW_UIDS);
		return;
	}
	if ((c->allow_uids = calloc(seq->n, sizeof(*c->allow_uids))) == NULL) {
		cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++)
		if (parse_uid(ctx, seq->items[i], &c->allow_uids[c->n_allow_uids]) == 0)
			c->n_allow_uids++;
}

static void
read_code(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *code;

	if ((code = cfg_get(root, "code")) == NULL || !cfg_want_map(ctx, code, NULL))
		return;
	cfg_uint(ctx, code, "digits", &c->digits, 4, 10, 0);
	cfg_duration(ctx, code, "ttl", &c->ttl_ms, 30 * 1000, 10 * 60 * 1000, 0);
	cfg_uint(ctx, code, "max_attempts", &c->max_attempts, 1, 10, 0);
	cfg_duration(ctx, code, "reuse_window", &c->reuse_window_ms, 0, 10 * 60 * 1000, 0);
	cfg_check_unused(ctx, code);
}

static void
read_message(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	char err[256];

	/* Before the message: its length check counts the WebOTP line. */
	if (cfg_str(ctx, root, "webotp_domain", &c->webotp_domain, 0) == 1 &&
	    !template_domain_valid(c->webotp_domain)) {
		cfg_err(ctx, cfg_get(root, "webotp_domain"), "webotp_domain: must be "
		    "a host name such as example.com (no scheme, port or path)");
		free(c->webotp_domain);
		c->webotp_domain = NULL;
	}
	if (cfg_str(ctx, root, "message", &c->message, 0) == 1 &&
	    template_check_origin(c->message, c->webotp_domain, err,
	    sizeof(err)) == -1)
		cfg_err(ctx, cfg_get(root, "message"), "message: %s", err);
	if (c->message == NULL && (c->message = strdup(DEFAULT_MESSAGE)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
}

static void
read_host(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	char name[HOST_MAX + 1];
	size_t i;

	if (cfg_str(ctx, root, "host", &c->host, 0) == 1) {
		for (i = 0; c->host[i] != '\0'; i++)
			if ((unsigned char)c->host[i] < 0x20 || c->host[i] == 0x7f)
				break;
		if (i == 0 || i > HOST_MAX || c->host[i] != '\0')
			cfg_err(ctx, cfg_get(root, "host"), "host: must be 1 to %d "
			    "bytes without control characters", HOST_MAX);
		return;
	}
	/* gethostname() may not terminate a truncated name. */
	memset(name, 0, sizeof(name));
	if (gethostname(name, sizeof(name) - 1) == -1 || name[0] == '\0')
		snprintf(name, sizeof(name), "localhost");
	if ((c->host = strdup(name)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
}

static int
user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct user_entry *)a)->name,
	    ((const struct user_entry *)b)->name);
}

static void
user_entry_clear(struct user_entry *u)
{
	size_t i;

	for (i = 0; i < u->n_numbers; i++)
		free(u->numbers[i]);
	free(u->name);
	memset(u, 0, sizeof(*u));
}

/* One number, or a sequence of 1 to USER_NUMBERS_MAX different ones (tried
 * in that order). 0, or -1 with the error recorded and u left empty. */
static int
read_user_numbers(struct cfg_ctx *ctx, struct cfg_node *v, const char *path,
    struct user_entry *u)
{
	struct cfg_node *one = v, *const *items = &one;
	size_t i, j, n = 1;
	int r = -1;

	memset(u, 0, sizeof(*u));
	if (v->type == CFG_SEQ) {
		items = v->items;
		n = v->n;
		if (n == 0 || n > USER_NUMBERS_MAX) {
			cfg_err(ctx, v, "%s: expected 1 to %d phone numbers, got %zu",
			    path, USER_NUMBERS_MAX, n);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (items[i]->type != CFG_SCALAR || cfg_is_null(items[i])) {
			cfg_err(ctx, items[i], "%s: expected a phone number, got %s",
			    path, items[i]->type == CFG_MAP ? "a mapping" :
			    items[i]->type == CFG_SEQ ? "a sequence" : "nothing");
			goto out;
		}
		/* The number itself stays out of the message: it is personal. */
		if (!e164_valid(items[i]->value)) {
			cfg_err(ctx, items[i], "%s: not an E.164 number ('+' and 8 "
			    "to 15 digits, e.g. +447700900123)", path);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(items[j]->value, items[i]->value) == 0) {
				cfg_err(ctx, items[i], "%s: number %zu repeats "
				    "number %zu", path, i + 1, j + 1);
				goto out;
			}
		if ((u->numbers[i] = strdup(items[i]->value)) == NULL) {
			cfg_err(ctx, items[i], "out of memory");
			goto out;
		}
		u->n_numbers = i + 1;
	}
	u->number = u->numbers[0];
	r = 0;
out:
	if (r != 0)
		user_entry_clear(u);
	return r;
}

/* name: numbers pairs, from users: or from the root of users_file. */
static void
read_users_map(struct cfg_ctx *ctx, struct cfg_node *map, struct config *c)
{
	struct user_entry *u;
	struct cfg_node *k, *v;
	char path[256];
	size_t i;

	if (map->n == 0)
		return;
	if ((c->users = calloc(map->n, sizeof(*c->users))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		return;
	}
	for (i = 0; i < map->n; i++) {
		k = map->keys[i];
		v = map->items[i];
		map->used[i] = 1;
		cfg_path(k, path, sizeof(path));
		if (!user_name_valid(k->value)) {
			cfg_err(ctx, k, "%s: not a valid user name (1 to %d bytes; no "
			    "spaces, control characters, ':' or '/')", path,
			    USER_NAME_MAX);
			continue;
		}
		u = &c->users[c->n_users];
		if (read_user_numbers(ctx, v, path, u) != 0)
			continue;
		if ((u->name = strdup(k->value)) == NULL) {
			user_entry_clear(u);
			cfg_err(ctx, v, "out of memory");
			continue;
		}
		c->n_users++;
	}
	qsort(c->users, c->n_users, sizeof(*c->users), user_cmp);
}

static void
read_users_file(struct cfg_ctx *ctx, struct cfg_node *at, struct config *c)
{
	struct cfg_node *root = NULL;
	const char *saved = ctx->file;
	/* It holds names and numbers, never a secret: its own modes must not
	 * stand in for the main file's when a secret is read later. */
	int known = ctx->src_known;
	mode_t mode = ctx->src_mode;
	gid_t gid = ctx->src_gid;

	if (c->users_file[0] != '/') {
		cfg_err(ctx, at, "users_file: must be an absolute path");
		return;
	}
	if (ctx->no_files)
		return;
	/* Its errors point into it, under its own name. */
	ctx->file = c->users_file;
	if ((root = cfg_parse_file(ctx, c->users_file)) != NULL &&
	    cfg_want_map(ctx, root, "top level"))
		read_users_map(ctx, root, c);
	ctx->file = saved;
	ctx->src_known = known;
	ctx->src_mode = mode;
	ctx->src_gid = gid;
	cfg_node_free(root);
}

static void
read_users(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *users, *file;

	users = cfg_get(root, "users");
	file = cfg_get(root, "users_file");
	if (users != NULL && file != NULL) {
		cfg_err(ctx, file->line > users->line ? root->keys[file->index] :
		    root->keys[users->index], "give users or users_file, not both");
		return;
	}
	if (users != NULL && cfg_want_map(ctx, users, NULL))
		read_users_map(ctx, users, c);
	if (file != NULL && cfg_str(ctx, root, "users_file", &c->users_file, 0) == 1)
		read_users_file(ctx, file, c);
}

/* Sets up one carrier and appends it; its map is NULL for the default.
 * Returns it, or NULL when out of memory. */
static struct carrier *
add_carrier(struct cfg_ctx *ctx, struct config *c, struct cfg_node *map,
    const char *name, const struct carrier_ops *ops, unsigned timeout_ms)
{
	struct carrier *car, *old;
	char *sig;
	size_t i;

	if ((sig = cfg_node_sig(map)) == NULL) {
		cfg_err(ctx, map, "out of memory");
		return NULL;
	}
	/* A reload keeps a carrier whose settings did not change, with its
	 * breaker, counters and connections; its secret files are not read
	 * again (docs/otpsmsd.8, "Reload"). */
	for (i = 0; ctx->prev != NULL && i < ctx->prev->n_carriers; i++) {
		old = ctx->prev->carriers[i];
		if (old->ops == ops && old->sig != NULL &&
		    strcmp(old->name, name) == 0 && strcmp(old->sig, sig) == 0) {
			freezero_str(sig);
			cfg_mark_used(map);
			old->refs++;
			c->carriers[c->n_carriers++] = old;
			return old;
		}
	}
	if ((car = calloc(1, sizeof(*car))) == NULL ||
	    (car->name = strdup(name)) == NULL) {
		free(car);
		freezero_str(sig);
		cfg_err(ctx, map, "out of memory");
		return NULL;
	}
	car->refs = 1;
	car->sig = sig;
	car->ops = ops;
	car->timeout_ms = timeout_ms;
	route_carrier_defaults(car);
	/* configure() leaves priv NULL when it fails, and free() takes that. */
	ops->configure(car, ctx, map);
	c->carriers[c->n_carriers++] = car;
	return car;
}

static void
read_carrier(struct cfg_ctx *ctx, struct config *c, struct cfg_node *map,
    struct cfg_node **names, size_t *nnames)
{
	const struct carrier_ops *ops = NULL;
	struct carrier *car;
	struct cfg_node *nn;
	char path[256], shown[CARRIER_NAME_MAX + 8];
	char *name = NULL, *type = NULL;
	unsigned timeout_ms = 5000;
	size_t i;

	if (!cfg_want_map(ctx, map, NULL))
		goto out;
	if (cfg_str(ctx, map, "name", &name, 1) == 1) {
		nn = cfg_get(map, "name");
		cfg_path(nn, path, sizeof(path));
		log_safe(shown, sizeof(shown), name);
		if (!carrier_name_valid(name))
			cfg_err(ctx, nn, "%s: '%s' is not a carrier name (1 to %d of "
			    "A-Z a-z 0-9 _ . -)", path, shown, CARRIER_NAME_MAX);
		for (i = 0; i < *nnames; i++) {
			if (strcmp(names[i]->value, name) == 0) {
				cfg_err(ctx, nn, "%s: duplicate carrier name '%s' "
				    "(first at line %u)", path, shown, names[i]->line);
				break;
			}
		}
		names[(*nnames)++] = nn;
	}
	if (cfg_str(ctx, map, "type", &type, 1) == 1 &&
	    (ops = carrier_lookup(type)) == NULL) {
		nn = cfg_get(map, "type");
		log_safe(shown, sizeof(shown), type);
		cfg_err(ctx, nn, "%s: unknown carrier type '%s' (known: %s)",
		    cfg_path(nn, path, sizeof(path)), shown, carrier_types());
	}
	cfg_duration_ms(ctx, map, "timeout", &timeout_ms, 1000, 60 * 1000, 0);
	/* Without a type the driver's own keys cannot be told from typos. */
	if (ops == NULL)
		goto out;
	/* Drivers put the name in their messages: only a checked one. */
	car = add_carrier(ctx, c, map, name != NULL && carrier_name_valid(name) ?
	    name : "(unnamed)", ops, timeout_ms);
	if (car != NULL)
		route_read_carrier(ctx, map, car);
	cfg_check_unused(ctx, map);
 out:
	free(name);
	free(type);
}

static void
read_carriers(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *seq, *map = NULL, *names[MAX_CARRIERS];
	const struct carrier_ops *ops;
	size_t i, nnames = 0;

	if ((seq = cfg_get(root, "carriers")) == NULL) {
		/* No carrier set: codes go to a local file, nothing leaves. */
		if ((ops = carrier_lookup("file")) == NULL) {
			cfg_err(ctx, NULL, "no carriers set and no file carrier built in");
			goto out;
		}
		if ((c->carriers = calloc(1, sizeof(*c->carriers))) == NULL ||
		    (map = cfg_map_new()) == NULL ||
		    cfg_map_set(map, "path", DEFAULT_OUTBOX) == -1) {
			cfg_err(ctx, NULL, "out of memory");
			goto out;
		}
		add_carrier(ctx, c, map, "outbox", ops, 5000);
		goto out;
	}
	if (!cfg_want_seq(ctx, seq, NULL))
		goto out;
	if (seq->n == 0 || seq->n > MAX_CARRIERS) {
		cfg_err(ctx, seq, "carriers: give 1 to %d carriers (or leave "
		    "carriers out for the default file carrier)", MAX_CARRIERS);
		goto out;
	}
	if ((c->carriers = calloc(seq->n, sizeof(*c->carriers))) == NULL) {
		cfg_err(ctx, seq, "out of memory");
		goto out;
	}
	for (i = 0; i < seq->n; i++)
		read_carrier(ctx, c, seq->items[i], names, &nnames);
 out:
	cfg_node_free(map);
}

const char *const config_restart_keys[CONFIG_RESTART_KEYS] = {
	"user", "socket", "store", "fleet_key_file", "fleet_key_credential",
	"state_dir", "directory", "number_checks",
};

/* Notes each restart-only key's setting; on a reload, one that changed is
 * an error that names it. */
static void
read_restart_keys(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *n;
	size_t i;

	for (i = 0; i < CONFIG_RESTART_KEYS; i++) {
		n = NULL;
		if (root->type == CFG_MAP) {
			/* Looked at, not read: cfg_get would mark it used. */
			for (size_t k = 0; k < root->n; k++)
				if (strcmp(root->keys[k]->value,
				    config_restart_keys[i]) == 0)
					n = root->items[k];
		}
		if ((c->restart_sig[i] = cfg_node_sig(n)) == NULL) {
			cfg_err(ctx, NULL, "out of memory");
			continue;
		}
		if (ctx->prev == NULL || ctx->prev->restart_sig[i] == NULL ||
		    strcmp(ctx->prev->restart_sig[i], c->restart_sig[i]) == 0)
			continue;
		cfg_err(ctx, n != NULL ? root->keys[n->index] : NULL,
		    "%s: changed, and it cannot change on a reload; restart "
		    "otpsmsd to apply it (or put the old setting back)",
		    config_restart_keys[i]);
	}
}

/* A reload keeps the store and the fleet key in use: the connection, the
 * code and seal keys are made from them, and their secret files may be
 * root's alone. Their keys were compared (read_restart_keys). */
static void
borrow_store(struct cfg_node *root, struct config *c, const struct config *prev)
{
	cfg_mark_used(cfg_get(root, "store"));
	(void)cfg_get(root, "fleet_key_file");
	(void)cfg_get(root, "fleet_key_credential");
	c->store = prev->store;
	c->fleet_key = prev->fleet_key;
	c->fleet_key_len = prev->fleet_key_len;
	c->store_borrowed = 1;
}

struct config *
config_from_tree(struct cfg_ctx *ctx, struct cfg_node *root)
{
	struct config *c;
	size_t nerr0 = ctx->nerr;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		cfg_err(ctx, NULL, "out of memory");
		goto out;
	}
	c->digits = 6;
	c->ttl_ms = 300 * 1000;
	c->max_attempts = 3;
	c->reuse_window_ms = 120 * 1000;
	c->max_clients = 256;
	c->client_timeout_ms = 30 * 1000;
	c->refs = 1;
	c->metrics_interval_ms = 15 * 1000;
	if (!cfg_want_map(ctx, root, "top level"))
		goto out;
	read_restart_keys(ctx, root, c);
	read_user(ctx, root, c);
	read_socket(ctx, root, c);
	read_allow_uids(ctx, root, c);
	read_code(ctx, root, c);
	read_message(ctx, root, c);
	read_host(ctx, root, c);
	read_users(ctx, root, c);
	if (c->n_users == 0 && c->users_file == NULL)
		cfg_warn(ctx, NULL, "no users: and no users_file: every login will "
		    "be refused (user not enrolled)");
	else if (c->n_users == 0 && ctx->nerr == nerr0)
		cfg_warn(ctx, cfg_get(root, "users_file"), "users_file: the file "
		    "lists no users: every login will be refused (user not "
		    "enrolled)");
	read_carriers(ctx, root, c);
	config_read_policy(ctx, root, c);    /* after users: checks their numbers */
	route_read_config(ctx, root, c);
	if (ctx->prev != NULL)
		borrow_store(root, c, ctx->prev);
	else
		config_read_store(ctx, root, c);
	config_read_directory(ctx, root, c);
	config_read_checks(ctx, root, c);
	cfg_uint(ctx, root, "max_clients", &c->max_clients, 1, 65536, 0);
	cfg_duration(ctx, root, "client_timeout", &c->client_timeout_ms,
	    1000, 5 * 60 * 1000, 0);
	read_metrics(ctx, root, c);
	cfg_check_unused(ctx, root);
 out:
	if (ctx->nerr != nerr0) {
		config_free(c);
		c = NULL;
	}
	return c;
}

struct config *
config_load(struct cfg_ctx *ctx, const char *path)
{
	struct cfg_node *root;
	struct config *c = NULL;

	if ((root = cfg_parse_file(ctx, path)) == NULL)
		goto out;
	c = config_from_tree(ctx, root);
 out:
	cfg_node_free(root);
	return c;
}

struct config *
config_reload(struct cfg_ctx *ctx, const char *path, const struct config *prev)
{
	ctx->prev = prev;
	return config_load(ctx, path);
}

struct config *
config_ref(struct config *c)
{
	if (c != NULL)
		c->refs++;
	return c;
}

struct config *
config_split_store(struct config *c)
{
	struct config *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->refs = 1;
	s->store = c->store;
	s->fleet_key = c->fleet_key;
	s->fleet_key_len = c->fleet_key_len;
	c->store_borrowed = 1;
	return s;
}

void
config_free(struct config *c)
{
	struct carrier *car;
	size_t i;

	if (c == NULL)
		return;
	/* 0 as well as 1 is the last: a configuration built by hand. */
	if (c->refs > 1) {
		c->refs--;
		return;
	}
	route_free_config(c);
	for (i = 0; i < c->n_carriers; i++) {
		car = c->carriers[i];
		/* Another configuration may hold it (a reload kept it). */
		if (car->refs > 1) {
			car->refs--;
			continue;
		}
		if (car->ops != NULL && car->ops->free != NULL)
			car->ops->free(car);
		freezero_str(car->sig);
		free(car->name);
		free(car);
	}
	for (i = 0; i < CONFIG_RESTART_KEYS; i++)
		freezero_str(c->restart_sig[i]);
	free(c->carriers);
	for (i = 0; i < c->n_users; i++)
		user_entry_clear(&c->users[i]);
	free(c->users);
	free(c->users_file);
	free(c->user);
	free(c->socket);
	free(c->allow_uids);
	free(c->message);
	free(c->webotp_domain);
	free(c->host);
	free(c->metrics_file);
	config_free_policy(c);
	if (!c->store_borrowed)
		config_free_store(c);
	config_free_directory(c);
	config_free_checks(c);
	free(c);
}

const struct user_entry *
config_find_user(const struct config *c, const char *name)
{
	struct user_entry key;

	if (c->n_users == 0)
		return NULL;
	key.name = (char *)name;
	key.number = NULL;
	return bsearch(&key, c->users, c->n_users, sizeof(*c->users), user_cmp);
}

int
config_user_name_valid(const char *s)
{
	return user_name_valid(s);
}

int
config_uid_allowed(const struct config *c, uid_t uid)
{
	size_t i;

	for (i = 0; i < c->n_allow_uids; i++)
		if (c->allow_uids[i] == uid)
			return 1;
	return 0;
}
