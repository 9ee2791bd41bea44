/* otpsmsd.yaml(5), the hardening keys: state_dir, limits, lockout,
 * countries, allow_groups, allow_self, max_clients_per_uid. Kept apart from
 * config.c so that each file has one job; config_from_tree calls in here. */
#include <config.h>
#include "conf.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtree.h"
#include "countries.h"
#include "ratelimit.h"
#include "lockout.h"
#include "util.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/otpsms"
#define MAX_ALLOW_GROUPS 256

/* -t: what statefile_check_dir will ask of the directory once the daemon
 * runs as its user: a real directory, that user's, not writable by group or
 * others, and reachable. 0, or -1 with why. */
static int
state_dir_usable(const struct cfg_ctx *ctx, const char *dir, char *why,
    size_t whysz)
{
	uid_t uid = geteuid() == 0 && ctx->daemon_gid_known ? ctx->daemon_uid :
	    geteuid();
	struct stat st;

	if (lstat(dir, &st) == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whysz, "not a directory%s",
		    S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
		return -1;
	}
	if (st.st_uid != uid) {
		snprintf(why, whysz, "owned by uid %u, not by the daemon's user "
		    "(uid %u)", (unsigned)st.st_uid, (unsigned)uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whysz, "writable by group or others (mode %04o)",
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return cfg_access_as(ctx, dir, R_OK | W_OK | X_OK, why, whysz);
}

static void
read_state_dir(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	char why[1200], safe[600], shown[512];

	if (cfg_str(ctx, root, "state_dir", &c->state_dir, 0) == 1) {
		c->state_dir_explicit = 1;
		if (c->state_dir[0] != '/' || strlen(c->state_dir) > 3000)
			cfg_err(ctx, cfg_get(root, "state_dir"),
			    "state_dir: must be an absolute path");
		else if (ctx->check_only && !ctx->no_files &&
		    state_dir_usable(ctx, c->state_dir, why, sizeof(why)) != 0) {
			/* The daemon would refuse to start: say it now. */
			log_safe(safe, sizeof(safe), why);
			log_safe(shown, sizeof(shown), c->state_dir);
			cfg_err(ctx, cfg_get(root, "state_dir"), "state_dir: %.200s: "
			    "%.200s (install -d -m 0700 -o %s it)", shown, safe,
			    ctx->daemon_name[0] ? ctx->daemon_name : "the daemon's user");
		}
		return;
	}
	if ((c->state_dir = strdup(DEFAULT_STATE_DIR)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
	else if (ctx->check_only && !ctx->no_files &&
	    state_dir_usable(ctx, c->state_dir, why, sizeof(why)) != 0) {
		log_safe(safe, sizeof(safe), why);
		cfg_warn(ctx, NULL, "state_dir %s (the default): %.200s: limits and "
		    "lockouts will be kept in memory only, and a restart resets "
		    "them (install -d -m 0700 -o %s it)", c->state_dir, safe,
		    ctx->daemon_name[0] ? ctx->daemon_name : "the daemon's user");
	}
}

/* COUNT/WINDOW, or off. */
static void
read_rate(struct cfg_ctx *ctx, struct cfg_node *map, const char *key, struct rate *r)
{
	struct cfg_node *n;
	char path[256], err[160];

	if ((n = cfg_get(map, key)) == NULL)
		return;
	cfg_path(n, path, sizeof(path));
	if (n->type != CFG_SCALAR || cfg_is_null(n)) {
		cfg_err(ctx, n, "%s: expected COUNT/WINDOW (e.g. 3/10m) or off", path);
		return;
	}
	if (strcmp(n->value, "off") == 0) {
		r->count = 0;
		return;
	}
	if (rate_parse(n->value, r, err, sizeof(err)) != 0)
		cfg_err(ctx, n, "%s: %s", path, err);
}

static void
read_limits(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *map, *n;
	int k;

	limits_conf_default(&c->limits);
	if ((map = cfg_get(root, "limits")) == NULL || !cfg_want_map(ctx, map, NULL))
		return;
	for (k = 0; k < LIM_NKINDS; k++)
		read_rate(ctx, map, limit_kind_name((enum limit_kind)k), &c->limits.rate[k]);
	cfg_uint(ctx, map, "backoff_after", &c->limits.backoff_after, 0, 100, 0);
	cfg_duration(ctx, map, "backoff_max", &c->limits.backoff_max_ms,
	    30 * 1000, 24 * 60 * 60 * 1000, 0);
	if ((n = cfg_get(map, "pending")) != NULL && n->type == CFG_SCALAR &&
	    !cfg_is_null(n) && strcmp(n->value, "off") == 0)
		c->limits.pending = 0;
	else
		cfg_uint(ctx, map, "pending", &c->limits.pending, 1,
		    LIMITS_PENDING_MAX, 0);
	cfg_check_unused(ctx, map);
}

static void
read_lockout(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *map;

	lockout_conf_default(&c->lockout);
	if ((map = cfg_get(root, "lockout")) == NULL || !cfg_want_map(ctx, map, NULL))
		return;
	cfg_uint(ctx, map, "failures", &c->lockout.failures, 0, LOCKOUT_FAILURES_MAX, 0);
	cfg_duration(ctx, map, "window", &c->lockout.window_ms, 1000,
	    24 * 60 * 60 * 1000, 0);
	cfg_duration(ctx, map, "duration", &c->lockout.duration_ms, 1000,
	    7 * 24 * 60 * 60 * 1000U, 0);
	cfg_check_unused(ctx, map);
}

static void
read_prefixes(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char (**out)[COUNTRY_PREFIX_MAX + 1], size_t *n)
{
	struct cfg_node *seq, *it;
	char path[256];
	size_t i;

	if ((seq = cfg_get(map, key)) == NULL || !cfg_want_seq(ctx, seq, NULL))
		return;
	if (seq->n > COUNTRY_LIST_MAX) {
		cfg_err(ctx, seq, "countries.%s: at most %d prefixes", key, COUNTRY_LIST_MAX);
		return;
	}
	if (seq->n == 0 || (*out = calloc(seq->n, sizeof(**out))) == NULL) {
		if (seq->n != 0)
			cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++) {
		it = seq->items[i];
		cfg_path(it, path, sizeof(path));
		if (it->type != CFG_SCALAR || !country_prefix_valid(it->value)) {
			cfg_err(ctx, it, "%s: expected a prefix such as \"+44\" ('+' and "
			    "1 to 15 digits)", path);
			continue;
		}
		snprintf((*out)[(*n)++], COUNTRY_PREFIX_MAX + 1, "%s", it->value);
	}
}

/* Every number in the users map must be one we may text: a pumping range
 * slipped into the map is caught here, before anything is sent. */
static void
check_numbers(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *users = cfg_get(root, "users"), *at;
	char why[128], path[256];
	size_t i, j, k;

	for (i = 0; i < c->n_users; i++)
		for (k = 0; k < c->users[i].n_numbers; k++) {
			if (country_allowed(&c->countries, c->users[i].numbers[k],
			    why, sizeof(why)))
				continue;
			at = NULL;
			for (j = 0; users != NULL && users->type == CFG_MAP &&
			    j < users->n; j++)
				if (strcmp(users->keys[j]->value, c->users[i].name) == 0)
					at = users->items[j];
			if (at != NULL && at->type == CFG_SEQ && k < at->n)
				at = at->items[k];
			if (at != NULL)
				cfg_err(ctx, at, "%s: number refused by the country "
				    "policy (%s)", cfg_path(at, path, sizeof(path)), why);
			else
				cfg_err(ctx, NULL, "users_file: user %s: number %zu "
				    "refused by the country policy (%s)",
				    c->users[i].name, k + 1, why);
		}
}

static void
read_countries(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *map;

	if ((map = cfg_get(root, "countries")) != NULL && cfg_want_map(ctx, map, NULL)) {
		read_prefixes(ctx, map, "allow", &c->countries.allow, &c->countries.n_allow);
		read_prefixes(ctx, map, "deny", &c->countries.deny, &c->countries.n_deny);
		cfg_check_unused(ctx, map);
	}
	check_numbers(ctx, root, c);
}

static void
read_allow_groups(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *seq, *it;
	struct group *gr;
	char path[256], shown[64];
	unsigned long v;
	char *end;
	size_t i;

	if ((seq = cfg_get(root, "allow_groups")) == NULL || !cfg_want_seq(ctx, seq, NULL))
		return;
	if (seq->n > MAX_ALLOW_GROUPS) {
		cfg_err(ctx, seq, "allow_groups: at most %d groups", MAX_ALLOW_GROUPS);
		return;
	}
	if (seq->n == 0 || (c->allow_gids = calloc(seq->n, sizeof(gid_t))) == NULL) {
		if (seq->n != 0)
			cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++) {
		it = seq->items[i];
		cfg_path(it, path, sizeof(path));
		if (it->type != CFG_SCALAR || cfg_is_null(it) || it->value[0] == '\0') {
			cfg_err(ctx, it, "%s: expected a gid or a group name", path);
			continue;
		}
		if (strspn(it->value, "0123456789") == strlen(it->value)) {
			v = strtoul(it->value, &end, 10);
			if (strlen(it->value) > 10 || v >= (gid_t)-1) {
				cfg_err(ctx, it, "%s: gid out of range", path);
				continue;
			}
			c->allow_gids[c->n_allow_gids++] = (gid_t)v;
			continue;
		}
		/* Resolved now: a typo shows at start-up, not as refused logins. */
		log_safe(shown, sizeof(shown), it->value);
		if ((gr = getgrnam(it->value)) == NULL) {
			cfg_err(ctx, it, "%s: no such group '%s'", path, shown);
			continue;
		}
		c->allow_gids[c->n_allow_gids++] = gr->gr_gid;
	}
}

void
config_read_policy(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	c->max_clients_per_uid = 8;
	read_state_dir(ctx, root, c);
	read_limits(ctx, root, c);
	read_lockout(ctx, root, c);
	read_countries(ctx, root, c);
	read_allow_groups(ctx, root, c);
	cfg_bool(ctx, root, "allow_self", &c->allow_self, 0);
	cfg_uint(ctx, root, "max_clients_per_uid", &c->max_clients_per_uid, 1, 65536, 0);
}

void
config_free_policy(struct config *c)
{
	free(c->state_dir);
	c->state_dir = NULL;
	country_policy_free(&c->countries);
	free(c->allow_gids);
	c->allow_gids = NULL;
}

int
config_gid_allowed(const struct config *c, gid_t gid)
{
	size_t i;

	for (i = 0; i < c->n_allow_gids; i++)
		if (c->allow_gids[i] == gid)
			return 1;
	return 0;
}
