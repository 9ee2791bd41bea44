/* A carrier that leaves each message in the outbox directory of a local SMS
 * gateway with a GSM modem (gammu-smsd's FILES backend or smstools), for
 * bastions with no internet. Each file is written under a hidden temporary
 * name in the same directory, synced, and renamed into place, so the
 * gateway never reads half a message. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
#include "proto.h"
#include "savefile.h"
#include "spool.h"
#include "util.h"

#define SPOOL_BODY_MAX 2048
#define PATH_MAX_SPOOL 512

struct spool {
	char *dir;
	enum spool_format format;
	char prio;                       /* gammu: A (first) .. Z */
	mode_t mode;                     /* of the files: the gateway reads them */
	unsigned long seq;               /* serials unique within this daemon */
};

int
spool_name(char *out, size_t outsz, enum spool_format f, char prio,
    const char *to, const char *serial)
{
	int n;

	if (to == NULL || serial == NULL || !e164_valid(to) || serial[0] == '\0' ||
	    serial[strspn(serial, "0123456789")] != '\0' || prio < 'A' || prio > 'Z')
		return -1;
	if (f == SPOOL_GAMMU)
		n = snprintf(out, outsz, "OUT%c_%s_%s.txt", prio, to, serial);
	else
		n = snprintf(out, outsz, "otpsms.%s", serial);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return n;
}

int
spool_body(char *out, size_t outsz, enum spool_format f, const char *to,
    const char *text)
{
	int n;

	if (to == NULL || text == NULL || !e164_valid(to) || outsz == 0)
		return -1;
	/* A line break would start a header (smstools) or is not wanted in a
	 * one-line code anyway; the template cannot produce one. */
	if (strpbrk(text, "\r\n") != NULL)
		goto bad;
	if (f == SPOOL_GAMMU)
		n = snprintf(out, outsz, "%s", text);
	else
		n = snprintf(out, outsz, "To: %s\nAlphabet: UTF-8\n\n%s\n", to + 1, text);
	if (n < 0 || (size_t)n >= outsz)
		goto bad;
	return n;
 bad:
	explicit_bzero(out, outsz);
	return -1;
}

static unsigned long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static void
fail(struct carrier_result *res, const char *what, int err)
{
	res->status = CARRIER_FAILOVER;
	snprintf(res->detail, sizeof(res->detail), "%s: %s", what, strerror(err));
}

static int
spool_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct spool *s = c->priv;
	struct carrier_result res;
	char body[SPOOL_BODY_MAX], name[SPOOL_NAME_MAX], serial[48];
	char tmp[PATH_MAX_SPOOL], dst[PATH_MAX_SPOOL];
	int fd = -1, len = -1, r = -1, created = 0, err;

	if (s == NULL || m->to == NULL || m->text == NULL ||
	    (m->channel != 0 && m->channel != PROTO_CH_SMS))
		return -1;
	/* From here on done() is called, whatever happens. */
	r = 0;
	memset(&res, 0, sizeof(res));
	res.status = CARRIER_FAILOVER;
	/* Unique and ordered: wall-clock ms, pid, a counter. */
	snprintf(serial, sizeof(serial), "%llu%05u%04lu", wall_ms(), (unsigned)getpid() % 100000,
	    s->seq++ % 10000);
	if (spool_name(name, sizeof(name), s->format, s->prio, m->to, serial) == -1 ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", s->dir, name) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.otpsms-%s.tmp", s->dir,
	    serial) >= sizeof(tmp)) {
		snprintf(res.detail, sizeof(res.detail), "file name too long");
		goto out;
	}
	if ((len = spool_body(body, sizeof(body), s->format, m->to, m->text)) == -1) {
		snprintf(res.detail, sizeof(res.detail), "message does not fit a "
		    "spool file");
		goto out;
	}
	/* O_EXCL and O_NOFOLLOW: nothing planted in the directory is followed
	 * or overwritten. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY, 0600)) == -1) {
		fail(&res, "create", errno);
		goto out;
	}
	created = 1;
	/* The daemon's umask is 077; the gateway must be able to read it. */
	if (fchmod(fd, s->mode) == -1 || savefile_write_all(fd, body, (size_t)len) == -1 ||
	    fsync(fd) == -1) {
		fail(&res, "write", errno);
		goto out;
	}
	err = close(fd);
	fd = -1;
	if (err == -1) {
		fail(&res, "close", errno);
		goto out;
	}
	if (rename(tmp, dst) == -1) {
		fail(&res, "rename", errno);
		goto out;
	}
	created = 0;
	res.status = CARRIER_ACCEPTED;
	log_safe(res.ref, sizeof(res.ref), name);
	snprintf(res.detail, sizeof(res.detail), "queued in the outbox");
 out:
	if (fd != -1)
		close(fd);
	if (created)
		(void)unlink(tmp);
	explicit_bzero(body, sizeof(body));
	if (r == 0)
		done(arg, &res);
	return r;
}

static int
spool_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct spool *s;
	struct cfg_node *at;
	char *fmt = NULL, *prio = NULL, *mode = NULL, where[256], *end;
	unsigned long v;
	int bad = 0, r = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	s->format = SPOOL_GAMMU;
	s->prio = 'A';
	s->mode = 0600;
	if (cfg_str(ctx, map, "path", &s->dir, 1) != 1)
		bad = 1;
	else if (s->dir[0] != '/' || strlen(s->dir) > PATH_MAX_SPOOL - SPOOL_NAME_MAX - 2) {
		at = cfg_get(map, "path");
		cfg_err(ctx, at, "%s: must be an absolute path of a directory, at "
		    "most %d bytes", cfg_path(at, where, sizeof(where)),
		    PATH_MAX_SPOOL - SPOOL_NAME_MAX - 2);
		bad = 1;
	}
	if (cfg_str(ctx, map, "format", &fmt, 0) == 1) {
		if (strcmp(fmt, "gammu") == 0)
			s->format = SPOOL_GAMMU;
		else if (strcmp(fmt, "smstools") == 0)
			s->format = SPOOL_SMSTOOLS;
		else {
			at = cfg_get(map, "format");
			cfg_err(ctx, at, "%s: must be gammu or smstools",
			    cfg_path(at, where, sizeof(where)));
			bad = 1;
		}
	}
	if (cfg_str(ctx, map, "priority", &prio, 0) == 1) {
		if (strlen(prio) != 1 || prio[0] < 'A' || prio[0] > 'Z') {
			at = cfg_get(map, "priority");
			cfg_err(ctx, at, "%s: must be one letter, A (first) to Z",
			    cfg_path(at, where, sizeof(where)));
			bad = 1;
		} else
			s->prio = prio[0];
	}
	if (cfg_str(ctx, map, "file_mode", &mode, 0) == 1) {
		v = strtoul(mode, &end, 8);
		/* Readable and writable by the owner; never by others: the files
		 * hold live codes. */
		if (mode[0] != '0' || *end != '\0' || (v & ~0660UL) != 0 ||
		    (v & 0600) != 0600) {
			at = cfg_get(map, "file_mode");
			cfg_err(ctx, at, "%s: must be 0600, 0640 or 0660 (quoted)",
			    cfg_path(at, where, sizeof(where)));
			bad = 1;
		} else
			s->mode = (mode_t)v;
	}
	if (bad)
		goto out;
	c->priv = s;
	s = NULL;
	r = 0;
 out:
	free(fmt);
	free(prio);
	free(mode);
	if (s != NULL) {
		free(s->dir);
		free(s);
	}
	return r;
}

static void
spool_free(struct carrier *c)
{
	struct spool *s = c->priv;

	if (s != NULL) {
		free(s->dir);
		free(s);
	}
	c->priv = NULL;
}

const struct carrier_ops carrier_spool_ops = {
	.type = "spool",
	.channels = PROTO_CH_SMS,
	.configure = spool_configure,
	.send = spool_send,
	.free = spool_free,
};
