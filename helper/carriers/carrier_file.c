/* A carrier that appends each message as one JSON line to a file: for tests,
 * for a relay that picks messages up, and as the last resort in a failover. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "carrier.h"
#include "proto.h"
#include "cfgtree.h"
#include "util.h"

struct file_carrier {
	char *path;
};

static void
fail(struct carrier_result *res, const char *what, int err)
{
	res->status = CARRIER_FAILOVER;
	snprintf(res->detail, sizeof(res->detail), "%s: %s", what, strerror(err));
}

/* Builds the record plus '\n' in a malloc'd buffer (holds the code). */
static char *
file_record(const struct carrier *c, const struct carrier_msg *m, size_t *lenp)
{
	char when[32], *line = NULL;
	struct tm tm;
	json_t *o = NULL;
	time_t now;
	size_t need;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		goto out;
	/* Jansson keeps insertion order, so the lines read the same every time. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "time", when, "carrier", c->name,
	    "user", m->user ? m->user : "", "to", m->to, "text", m->text);
	if (o == NULL)
		goto out;
	if ((need = json_dumpb(o, NULL, 0, JSON_COMPACT)) == 0)
		goto out;
	if ((line = malloc(need + 1)) == NULL)
		goto out;
	if (json_dumpb(o, line, need, JSON_COMPACT) != need) {
		explicit_bzero(line, need + 1);
		free(line);
		line = NULL;
		goto out;
	}
	line[need] = '\n';
	*lenp = need + 1;
 out:
	json_decref(o);
	return line;
}

static int
file_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct file_carrier *fc = c->priv;
	struct carrier_result res;
	struct stat st;
	char *line = NULL, shown[256];
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = -1;

	if (fc == NULL || m->to == NULL || m->text == NULL)
		goto out;
	/* From here on done() is called, whatever happens. */
	r = 0;
	memset(&res, 0, sizeof(res));
	res.status = CARRIER_FAILOVER;
	if ((line = file_record(c, m, &len)) == NULL) {
		/* jansson refuses text that is not UTF-8 */
		snprintf(res.detail, sizeof(res.detail), "cannot encode the record");
		goto out;
	}
	/* O_NOFOLLOW: a link planted in the spool directory redirects nothing;
	 * O_NONBLOCK: neither does a FIFO stall the loop. Opening per message
	 * lets logrotate move the file away at any time. */
	if ((fd = open(fc->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600)) == -1) {
		/* The path, so the log says what to create or chown. */
		log_safe(shown, sizeof(shown), fc->path);
		snprintf(res.detail, sizeof(res.detail), "cannot open %.160s: %s",
		    shown, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		fail(&res, "fstat", errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(res.detail, sizeof(res.detail), "not a regular file");
		goto out;
	}
	/* One write() per record: O_APPEND makes it land whole at the end. */
	do {
		n = write(fd, line, len);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		fail(&res, "write", errno);
		goto out;
	}
	if ((size_t)n != len) {
		fail(&res, "short write", ENOSPC);
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		fail(&res, "close", errno);
		goto out;
	}
	res.status = CARRIER_ACCEPTED;
 out:
	if (fd != -1)
		close(fd);
	if (line != NULL) {
		explicit_bzero(line, len);
		free(line);
	}
	if (r == 0)
		done(arg, &res);
	return r;
}

/* -t: the daemon, as its user, must be able to append to the file or
 * create it; otherwise every send fails and a login with it. */
static void
file_check_path(struct cfg_ctx *ctx, const struct cfg_node *at,
    const char *path)
{
	char dir[4096], why[1200], safe[600], shown[256], where[256];
	struct stat st;
	char *slash;
	int r;

	if (lstat(path, &st) == 0)
		r = cfg_access_as(ctx, path, W_OK, why, sizeof(why));
	else if (errno != ENOENT || strlen(path) >= sizeof(dir)) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		r = -1;
	} else {
		/* To be created: the directory must exist and take it. */
		memcpy(dir, path, strlen(path) + 1);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		r = cfg_access_as(ctx, dir, W_OK | X_OK, why, sizeof(why));
		if (r == 0)
			return;
		log_safe(safe, sizeof(safe), why);
		log_safe(shown, sizeof(shown), dir);
		snprintf(why, sizeof(why), "cannot create it in %.200s: %.200s",
		    shown, safe);
	}
	if (r == 0)
		return;
	log_safe(safe, sizeof(safe), why);
	log_safe(shown, sizeof(shown), path);
	cfg_err(ctx, at, "%s: %.200s: the daemon's user %s cannot write it: "
	    "%.300s", cfg_path(at, where, sizeof(where)), shown,
	    ctx->daemon_name[0] ? ctx->daemon_name : "(this user)", safe);
}

static int
file_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct file_carrier *fc;
	struct cfg_node *at;
	char where[256];
	int r = -1;

	if ((fc = calloc(1, sizeof(*fc))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	if (cfg_str(ctx, map, "path", &fc->path, 1) != 1)
		goto out;
	at = cfg_get(map, "path");
	if (fc->path[0] != '/') {
		cfg_err(ctx, at, "%s: must be an absolute path",
		    cfg_path(at, where, sizeof(where)));
		goto out;
	}
	if (ctx->check_only && !ctx->no_files)
		file_check_path(ctx, at, fc->path);
	c->priv = fc;
	fc = NULL;
	r = 0;
 out:
	if (fc != NULL) {
		free(fc->path);
		free(fc);
	}
	return r;
}

static void
file_free(struct carrier *c)
{
	struct file_carrier *fc = c->priv;

	if (fc != NULL) {
		free(fc->path);
		free(fc);
	}
	c->priv = NULL;
}

const struct carrier_ops carrier_file_ops = {
	.type = "file",
	.channels = PROTO_CH_SMS,
	.configure = file_configure,
	.send = file_send,
	.free = file_free,
};
