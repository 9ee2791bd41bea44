/* What the config tests share (test_config*.c), header-only as tap.h is
 * (its counter is per program file): a scratch directory, files written into
 * it with a given mode, and loading a config with its errors checked by their
 * exact FILE:LINE:COL text. */
#ifndef OTPSMS_CFGTEST_H
#define OTPSMS_CFGTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtree.h"
/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "conf.h"
#include "tap.h"

#define SID "AC0123456789abcdef0123456789abcdef"

static char dir[64];         /* the scratch directory */
static char cfgpath[128];    /* the config last written by load_mode() */

/* Writes dir/name with mode (umask aside); returns a static copy of the path. */
static inline const char *
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

static inline void
show_errs(const struct cfg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++)
		printf("#   err %zu: %s\n", i, ctx->errs[i] ? ctx->errs[i] : "(null)");
}

/* Is "full" among the recorded errors? */
static inline int
has_full(const struct cfg_ctx *ctx, const char *full)
{
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++)
		if (ctx->errs[i] != NULL && strcmp(ctx->errs[i], full) == 0)
			return 1;
	return 0;
}

/* Is cfgpath followed by suffix (":3:7: ...") among the errors? */
static inline int
has_err(const struct cfg_ctx *ctx, const char *suffix)
{
	char full[1024];

	snprintf(full, sizeof(full), "%s%s", cfgpath, suffix);
	return has_full(ctx, full);
}

/* Writes yaml as the config (mode 0600) and loads it. */
static inline struct config *
load_mode(struct cfg_ctx *ctx, const char *yaml, mode_t mode)
{
	snprintf(cfgpath, sizeof(cfgpath), "%s", put("otpsmsd.yaml", mode, yaml));
	cfg_ctx_init(ctx, cfgpath);
	ctx->secret_owner = geteuid();
	return config_load(ctx, cfgpath);
}

static inline struct config *
load(struct cfg_ctx *ctx, const char *yaml)
{
	return load_mode(ctx, yaml, 0600);
}

/* The config is refused with exactly one error: cfgpath + suffix. */
static inline void
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
static inline struct config *
loads(struct cfg_ctx *ctx, const char *yaml, const char *what)
{
	struct config *c;

	c = load(ctx, yaml);
	if (!ok(c != NULL && ctx->nerr == 0, "%s", what))
		show_errs(ctx);
	return c;
}


/* Makes the scratch directory /tmp/NAME.XXXXXX (umask 022); bails out when
 * it cannot. */
static inline void
cfgtest_setup(const char *name)
{
	snprintf(dir, sizeof(dir), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	umask(022);
}

static inline void
cfgtest_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

#endif
