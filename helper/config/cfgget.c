/* The typed getters over a cfgtree: each reads one key, marks it used, and
 * records a FILE:LINE:COL: message when the value is of the wrong type, out
 * of range or (for secrets) held in a file that is not safe. */
/* autoconf's header */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "cfgtree.h"
#include "cfgtree_priv.h"
#include "util.h"

struct cfg_node *
cfg_get(struct cfg_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != CFG_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		if (strcmp(map->keys[i]->value, key) == 0) {
			map->used[i] = 1;
			return map->items[i];
		}
	}
	return NULL;
}

void
cfg_check_unused(struct cfg_ctx *ctx, const struct cfg_node *map)
{
	char path[256];
	size_t i;

	if (map == NULL || map->type != CFG_MAP)
		return;
	for (i = 0; i < map->n; i++)
		if (!map->used[i])
			cfg_err(ctx, map->keys[i], "%s: unknown key",
			    cfg_path(map->keys[i], path, sizeof(path)));
}

static int
want(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what,
    enum cfg_type type)
{
	char path[256], g[64];
	const char *expected = type == CFG_MAP ? "a mapping" : "a sequence";

	if (n == NULL) {
		cfg_err(ctx, NULL, "%s: expected %s", what ? what : "value", expected);
		return 0;
	}
	if (n->type == type)
		return 1;
	if (what == NULL || what[0] == '\0')
		what = cfg_path(n, path, sizeof(path));
	cfg_err(ctx, n, "%s%sexpected %s, got %s", what, what[0] ? ": " : "",
	    expected, cfg_got(n, 1, g, sizeof(g)));
	return 0;
}

int
cfg_want_map(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what)
{
	return want(ctx, n, what, CFG_MAP);
}

int
cfg_want_seq(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what)
{
	return want(ctx, n, what, CFG_SEQ);
}

/* Looks key up; 0 if absent (error if required), -1 and an error if it is not
 * a non-null scalar, else 1 with *np set. */
static int
get_scalar(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    int required, const char *expected, int show, struct cfg_node **np)
{
	struct cfg_node *n;
	char path[256], g[64];

	if ((n = cfg_get(map, key)) == NULL) {
		if (required)
			cfg_err(ctx, map, "%s: required but missing",
			    cfg_key_path(map, key, path, sizeof(path)));
		return 0;
	}
	if (n->type != CFG_SCALAR || cfg_is_null(n)) {
		cfg_err(ctx, n, "%s: expected %s, got %s",
		    cfg_path(n, path, sizeof(path)), expected, cfg_got(n, show, g, sizeof(g)));
		return -1;
	}
	*np = n;
	return 1;
}

int
cfg_str(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, int required)
{
	struct cfg_node *n = NULL;
	char *s;
	int r;

	if ((r = get_scalar(ctx, map, key, required, "a string", 1, &n)) != 1)
		return r;
	if ((s = strdup(n->value)) == NULL) {
		cfg_err(ctx, n, "out of memory");
		return -1;
	}
	*out = s;
	return 1;
}

/* Digits only: no sign, no '+', no spaces, no 0x; -2 if it overflows. */
static int
parse_uint(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX)
			return -2;
	}
	*out = (unsigned)v;
	return 0;
}

int
cfg_uint(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out, unsigned min, unsigned max, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64], expected[64];
	unsigned v = 0;
	int r;

	snprintf(expected, sizeof(expected), "an integer in %u..%u", min, max);
	if ((r = get_scalar(ctx, map, key, required, expected, 1, &n)) != 1)
		return r;
	cfg_path(n, path, sizeof(path));
	/* A quoted "6" is a string in YAML: say so rather than guess. */
	if (n->quoted || (r = parse_uint(n->value, &v)) == -1) {
		cfg_err(ctx, n, "%s: expected %s, got %s", path, expected,
		    cfg_got(n, 1, g, sizeof(g)));
		return -1;
	}
	if (r == -2 || v < min || v > max) {
		cfg_err(ctx, n, "%s: %s is out of range %u..%u", path,
		    cfg_shown(g, sizeof(g), n->value), min, max);
		return -1;
	}
	*out = v;
	return 1;
}

int
cfg_bool(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    int *out, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64];
	int r;

	if ((r = get_scalar(ctx, map, key, required, "true or false", 1, &n)) != 1)
		return r;
	if (strcasecmp(n->value, "true") == 0 || strcasecmp(n->value, "yes") == 0)
		*out = 1;
	else if (strcasecmp(n->value, "false") == 0 || strcasecmp(n->value, "no") == 0)
		*out = 0;
	else {
		cfg_err(ctx, n, "%s: expected true or false, got %s",
		    cfg_path(n, path, sizeof(path)), cfg_got(n, 1, g, sizeof(g)));
		return -1;
	}
	return 1;
}

int
cfg_parse_duration(const char *s, int ms_ok, unsigned *out_ms)
{
	unsigned long long v = 0, mult;
	const char *p;
	int r = -1;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX) {
			r = -2;
			goto out;
		}
	}
	if (p == s)
		goto out;
	if (*p == '\0' || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0 && ms_ok)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 60 * 60 * 1000;
	else if (strcmp(p, "d") == 0)
		mult = 24 * 60 * 60 * 1000ULL;
	else
		goto out;
	if (v * mult > UINT_MAX) {
		r = -2;
		goto out;
	}
	*out_ms = (unsigned)(v * mult);
	r = 0;
 out:
	return r;
}

/* 300000 -> "5m", 90000 -> "90s", 500 -> "500ms": as the file would say it. */
static const char *
fmt_duration(char *buf, size_t bufsz, unsigned ms)
{
	if (ms % 1000 != 0)
		snprintf(buf, bufsz, "%ums", ms);
	else if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, bufsz, "%uh", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, bufsz, "%um", ms / 60000);
	else
		snprintf(buf, bufsz, "%us", ms / 1000);
	return buf;
}

static int
get_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int ms_ok, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64], expected[96], lo[32], hi[32];
	unsigned v = 0;
	int r;

	snprintf(expected, sizeof(expected), "a duration in %s..%s",
	    fmt_duration(lo, sizeof(lo), min_ms), fmt_duration(hi, sizeof(hi), max_ms));
	if ((r = get_scalar(ctx, map, key, required, expected, 1, &n)) != 1)
		return r;
	cfg_path(n, path, sizeof(path));
	r = -1;
	if (n->value[0] == '\0')
		cfg_err(ctx, n, "%s: empty duration; expected %s", path, expected);
	else if (n->value[0] == '-')
		cfg_err(ctx, n, "%s: durations cannot be negative", path);
	else if ((r = cfg_parse_duration(n->value, ms_ok, &v)) == -1)
		cfg_err(ctx, n, "%s: expected %s (seconds, or a number and %s), "
		    "got %s", path, expected, ms_ok ? "ms, s, m or h" : "s, m or h",
		    cfg_got(n, 1, g, sizeof(g)));
	else if (r == -2)
		cfg_err(ctx, n, "%s: %s is too large (range %s..%s)", path,
		    cfg_shown(g, sizeof(g), n->value), lo, hi);
	else if (v < min_ms || v > max_ms)
		cfg_err(ctx, n, "%s: %s is out of range %s..%s", path,
		    cfg_shown(g, sizeof(g), n->value), lo, hi);
	else {
		*out_ms = v;
		return 1;
	}
	return -1;
}

int
cfg_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required)
{
	return get_duration(ctx, map, key, out_ms, min_ms, max_ms, 0, required);
}

int
cfg_duration_ms(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required)
{
	return get_duration(ctx, map, key, out_ms, min_ms, max_ms, 1, required);
}

/* KEY_credential: NAME, a systemd credential (LoadCredential=), read from
 * $CREDENTIALS_DIRECTORY/NAME under the same rules as a secret file. */
static int
read_credential(struct cfg_ctx *ctx, struct cfg_node *map, const char *ckey,
    size_t max, char **out)
{
	struct cfg_node *n = NULL;
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[256], file[4096], err[512], safe[512];

	if (get_scalar(ctx, map, ckey, 1, "a credential name", 1, &n) != 1)
		return -1;
	cfg_path(n, path, sizeof(path));
	if (n->value[0] == '\0' || strchr(n->value, '/') != NULL ||
	    strcmp(n->value, ".") == 0 || strcmp(n->value, "..") == 0 ||
	    strlen(n->value) > 255) {
		cfg_err(ctx, n, "%s: a credential name is 1 to 255 bytes without '/'", path);
		return -1;
	}
	if (ctx->no_files) {
		if ((*out = strdup("not read")) == NULL)
			return -1;
		return 1;
	}
	if (dir == NULL || dir[0] != '/') {
		cfg_err(ctx, n, "%s: $CREDENTIALS_DIRECTORY is not set (LoadCredential= "
		    "in the systemd unit)", path);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, n->value);
	cfg_note_read(ctx, file);
	if ((*out = read_secret(file, ctx->secret_owner, ctx->secret_group, max, err, sizeof(err))) == NULL) {
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, n, "%s: %s", path, safe);
		return -1;
	}
	return 1;
}

/* A group's name for a message, or its number. */
static const char *
group_name(gid_t gid, char *buf, size_t bufsz)
{
	struct group *gr;

	if ((gr = getgrgid(gid)) != NULL && strlen(gr->gr_name) < bufsz)
		log_safe(buf, bufsz, gr->gr_name);
	else
		snprintf(buf, bufsz, "%u", (unsigned)gid);
	return buf;
}

/* -t as root: root reads the secret, but the shipped unit starts otpsmsd as
 * its user, who must read it too. A warning, not an error: a daemon started
 * as root (an init script) reads its secrets before it drops root. */
void
cfg_check_secret_access(struct cfg_ctx *ctx, const struct cfg_node *at,
    const char *key, const char *file)
{
	char why[1200], safe[1200], shown[512], path[256], g[64];

	if (!ctx->check_only || geteuid() != 0 ||
	    cfg_access_as(ctx, file, R_OK, why, sizeof(why)) == 0)
		return;
	log_safe(safe, sizeof(safe), why);
	log_safe(shown, sizeof(shown), file);
	cfg_warn(ctx, at, "%s: %.200s: user %s (uid %u), as otpsmsd.service "
	    "runs, cannot read it (%.120s); chgrp %s and chmod 640 it, or use "
	    "%s_credential", cfg_path(at, path, sizeof(path)), shown,
	    ctx->daemon_name, (unsigned)ctx->daemon_uid, safe,
	    group_name(ctx->daemon_gid, g, sizeof(g)), key);
}

/* An inline secret is as private as the file it is in: whoever may read the
 * file holds the token (and with a carrier's token, the codes it sends). The
 * daemon's own group may read it, no other group and not others. 0, or -1
 * with an error at the secret that says how to fix it. */
static int
check_inline_secret(struct cfg_ctx *ctx, const struct cfg_node *at,
    const char *key)
{
	char path[256], who[96], fix[160], g[64];
	mode_t m = ctx->src_mode;
	int r = -1;

	if (!ctx->src_known || ((m & S_IROTH) == 0 && ((m & S_IRGRP) == 0 ||
	    (ctx->daemon_gid_known && ctx->src_gid == ctx->daemon_gid)))) {
		r = 0;
		goto out;
	}
	if (m & S_IROTH)
		snprintf(who, sizeof(who), "others");
	else
		snprintf(who, sizeof(who), "group %s",
		    group_name(ctx->src_gid, g, sizeof(g)));
	if (ctx->daemon_gid_known)
		snprintf(fix, sizeof(fix), "chmod 600 the file (or chmod 640 "
		    "and chgrp %s, the daemon's group)",
		    group_name(ctx->daemon_gid, g, sizeof(g)));
	else
		snprintf(fix, sizeof(fix), "chmod 600 the file");
	cfg_err(ctx, at, "%s: inline secret in a file that %s can read (mode "
	    "%04o): %s, or move the secret to %s_file",
	    cfg_path(at, path, sizeof(path)), who, (unsigned)(m & 07777), fix, key);
 out:
	return r;
}

int
cfg_secret(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, size_t max, int required)
{
	struct cfg_node *inl, *file, *later, *cred;
	char fkey[128], ckey[128], path[256], err[512], safe[512];
	char *s = NULL;
	int r = -1;

	if ((size_t)snprintf(fkey, sizeof(fkey), "%s_file", key) >= sizeof(fkey) ||
	    (size_t)snprintf(ckey, sizeof(ckey), "%s_credential", key) >= sizeof(ckey)) {
		cfg_err(ctx, map, "%s: key name too long", key);
		goto out;
	}
	inl = cfg_get(map, key);
	file = cfg_get(map, fkey);
	if ((cred = cfg_get(map, ckey)) != NULL) {
		if (inl != NULL || file != NULL) {
			cfg_path(map, path, sizeof(path));
			cfg_err(ctx, cred->parent->keys[cred->index], "%s%sgive one of "
			    "%s, %s or %s", path, path[0] ? ": " : "", key, fkey, ckey);
			goto out;
		}
		r = read_credential(ctx, map, ckey, max, &s);
		goto out;
	}
	if (inl != NULL && file != NULL) {
		later = inl->line > file->line ||
		    (inl->line == file->line && inl->col > file->col) ? inl : file;
		cfg_path(map, path, sizeof(path));
		cfg_err(ctx, later->parent->keys[later->index],
		    "%s%sgive %s or %s, not both", path, path[0] ? ": " : "", key, fkey);
		goto out;
	}
	if (inl == NULL && file == NULL) {
		if (required)
			cfg_err(ctx, map, "%s: required but missing (or %s)",
			    cfg_key_path(map, key, path, sizeof(path)), fkey);
		r = 0;
		goto out;
	}
	if (inl != NULL) {
		/* Never quote a secret back, not even a wrong one. */
		if ((r = get_scalar(ctx, map, key, 1, "a string", 0, &inl)) != 1) {
			r = -1;
			goto out;
		}
		r = -1;
		cfg_path(inl, path, sizeof(path));
		if (inl->value[0] == '\0')
			cfg_err(ctx, inl, "%s: empty", path);
		else if (strlen(inl->value) > max)
			cfg_err(ctx, inl, "%s: longer than %zu bytes", path, max);
		else if (check_inline_secret(ctx, inl, key) == -1)
			;    /* reported there */
		else if ((s = strdup(inl->value)) == NULL)
			cfg_err(ctx, inl, "out of memory");
		else
			r = 1;
		goto out;
	}
	if (get_scalar(ctx, map, fkey, 1, "a file name", 1, &file) != 1)
		goto out;
	cfg_path(file, path, sizeof(path));
	if (ctx->no_files) {
		/* Fuzzing: a path from the input is never opened. */
		if ((s = strdup("not read")) == NULL)
			cfg_err(ctx, file, "out of memory");
		else
			r = 1;
		goto out;
	}
	cfg_note_read(ctx, file->value);
	if ((s = read_secret(file->value, ctx->secret_owner, ctx->secret_group, max, err,
	    sizeof(err))) == NULL) {
		/* read_secret's reason names the file, never its contents. */
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, file, "%s: %s%s", path, safe, ctx->prev == NULL ? "" :
		    " (a reload reads a changed carrier's secrets as otpsmsd's "
		    "user: restart otpsmsd, or start it as that user with the "
		    "file its own, mode 0600)");
		goto out;
	}
	cfg_check_secret_access(ctx, file, key, file->value);
	r = 1;
 out:
	if (r == 1)
		*out = s;
	return r;
}
