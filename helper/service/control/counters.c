/* counters.h: what the answers count, the snapshot, and metrics_file. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carrier.h"
#include "conf.h"
#include "counters.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "policy.h"
#include "proto.h"
#include "savefile.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define METRICS_TEXT_MAX (256 * 1024)   /* 16 carriers take about 20 KiB */

static struct {
	uint64_t start_time;
	uint64_t challenges[METRICS_NRESULTS];
	uint64_t verifies[METRICS_NRESULTS];
	uint64_t refusals[METRICS_NREFUSALS];
	uint64_t reloads;
	struct loop_timer timer;
	int failing;             /* the last write failed: logged once */
} K;

void
counters_init(void)
{
	K.start_time = (uint64_t)time(NULL);
}

void
metrics_reloads_inc(void)
{
	K.reloads++;
}

void
counters_reply(unsigned req_type, const struct proto_msg *m)
{
	unsigned res;
	int ref;

	if (m->type == PROTO_ERROR) {
		if ((ref = metrics_refusal_of_error(m->u.err.code)) >= 0)
			K.refusals[ref]++;
		res = metrics_result_of_error(m->u.err.code);
	} else if (m->type == PROTO_CHALLENGE_RSP)
		res = m->u.crsp.flags & PROTO_CF_REUSED ? METRICS_R_REUSED : METRICS_R_OK;
	else if (m->type == PROTO_VERIFY_RSP) {
		switch (m->u.vrsp.status) {
		case PROTO_V_OK: res = METRICS_R_OK; break;
		case PROTO_V_WRONG: res = METRICS_R_WRONG; break;
		case PROTO_V_EXPIRED: res = METRICS_R_EXPIRED; break;
		case PROTO_V_MAXTRIES: res = METRICS_R_MAXTRIES; break;
		default: res = METRICS_R_OTHER; break;
		}
	} else
		return;
	if (req_type == PROTO_CHALLENGE_REQ)
		K.challenges[res]++;
	else if (req_type == PROTO_VERIFY_REQ)
		K.verifies[res]++;
}

static uint8_t
breaker_of(const struct carrier_health *h, uint64_t now)
{
	if (h->probing || (h->open_until_ms != 0 && h->open_until_ms <= now))
		return METRICS_BREAKER_HALF_OPEN;
	if (h->open_until_ms > now)
		return METRICS_BREAKER_OPEN;
	return METRICS_BREAKER_CLOSED;
}

void
counters_snapshot(struct daemon *d, struct metrics_snap *s, uint32_t first,
    uint32_t max_page)
{
	const struct config *cfg = d->cfg;
	const struct carrier_health *h;
	struct metrics_carrier *mc;
	struct policy_counters pc;
	uint64_t now = now_ms();
	size_t i;

	memset(s, 0, sizeof(*s));
	s->start_time = K.start_time;
	s->now = (uint64_t)time(NULL);
	memcpy(s->challenges, K.challenges, sizeof(s->challenges));
	memcpy(s->verifies, K.verifies, sizeof(s->verifies));
	memcpy(s->refusals, K.refusals, sizeof(s->refusals));
	s->reloads = K.reloads;
	policy_counters(d->policy, &pc);
	s->codes_sent = pc.sends;
	s->lockouts = pc.locks;
	s->locked = pc.locked;
	s->pending = d->store != NULL ? d->store->ops->count(d->store) : 0;
	s->clients = d->server != NULL ? server_clients(d->server) : 0;
	s->n_carriers = cfg->n_carriers < METRICS_MAX_CARRIERS ?
	    (uint32_t)cfg->n_carriers : METRICS_MAX_CARRIERS;
	s->first = first < s->n_carriers ? first : s->n_carriers;
	if (max_page > METRICS_MAX_CARRIERS)
		max_page = METRICS_MAX_CARRIERS;
	for (i = s->first; i < s->n_carriers && s->n_page < max_page; i++) {
		mc = &s->carriers[s->n_page++];
		h = &cfg->carriers[i]->health;
		snprintf(mc->name, sizeof(mc->name), "%s", cfg->carriers[i]->name);
		mc->breaker = breaker_of(h, now);
		mc->fails = h->fails;
		mc->accepted = h->accepted;
		mc->failed = h->failed;
		mc->retried = h->retried;
		mc->refused = h->refused;
		memcpy(mc->lat_bucket, h->lat_bucket, sizeof(mc->lat_bucket));
		mc->lat_count = h->lat_count;
		mc->lat_sum_ms = h->lat_sum_ms;
	}
}

/* Prometheus text 0.0.4, the format node_exporter's textfile collector
 * parses, into a temporary file beside the target, then renamed over it:
 * a reader sees the old file or the new one, never half of one. The
 * directory is opened once per write and everything is done relative to
 * it; neither name is followed if it is a link (O_NOFOLLOW on the
 * temporary file; rename replaces a link, it does not write through it).
 * 0644: node_exporter runs as another user, and the file holds no name
 * and no number. */
int
counters_file_write(struct daemon *d, char *err, size_t errsz)
{
	const char *path = d->cfg->metrics_file, *base;
	struct metrics_snap *s = NULL;
	struct buf text;
	char dir[4096], tmp[4096];
	size_t dlen;
	int dfd = -1, fd = -1, r = -1;

	buf_init(&text, METRICS_TEXT_MAX);
	tmp[0] = '\0';
	if ((base = strrchr(path, '/')) == NULL || base[1] == '\0' ||
	    (dlen = (size_t)(base - path)) >= sizeof(dir)) {
		snprintf(err, errsz, "metrics_file: not a file path");
		goto out;
	}
	base++;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	if (dlen == 0)
		snprintf(dir, sizeof(dir), "/");
	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", base) >= (int)sizeof(tmp)) {
		tmp[0] = '\0';
		snprintf(err, errsz, "metrics_file: name too long");
		goto out;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	counters_snapshot(d, s, 0, METRICS_MAX_CARRIERS);
	if (metrics_render(s, 0, &text) != 0) {
		snprintf(err, errsz, "cannot render the metrics: out of memory");
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* One left by a crash is ours to replace. */
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errsz, "%s/%s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	/* The daemon's umask (077) would hide it from node_exporter. */
	if (fchmod(fd, 0644) == -1 || savefile_write_all(fd, text.d, text.len) == -1) {
		snprintf(err, errsz, "%s/%s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errsz, "%s/%s: %s", dir, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) == -1) {
		snprintf(err, errsz, "rename to %s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	if (dfd != -1) {
		if (tmp[0] != '\0')
			(void)unlinkat(dfd, tmp, 0);
		close(dfd);
	}
	free(s);
	buf_free(&text);
	return r;
}

static void
on_timer(void *arg)
{
	struct daemon *d = arg;
	char err[512];

	/* A reload took metrics_file away: no more writes (the last file
	 * stays; a reload that gives one back starts the timer again). */
	if (d->cfg->metrics_file == NULL) {
		K.failing = 0;
		return;
	}
	if (counters_file_write(d, err, sizeof(err)) != 0) {
		if (!K.failing)
			log_warn("metrics_file: %s (retrying every %u s)", err,
			    d->cfg->metrics_interval_ms / 1000);
		K.failing = 1;
	} else if (K.failing) {
		log_info("metrics_file: written again");
		K.failing = 0;
	}
	(void)loop_timer_set(d->loop, &K.timer, d->cfg->metrics_interval_ms);
}

int
counters_file_start(struct daemon *d)
{
	/* Armed already (a reload): the next tick reads the new settings. */
	if (d->cfg->metrics_file == NULL || loop_timer_armed(&K.timer))
		return 0;
	loop_timer_init(&K.timer, on_timer, d);
	on_timer(d);
	return K.failing ? -1 : 0;
}

void
counters_file_stop(struct daemon *d)
{
	if (d->loop != NULL && loop_timer_armed(&K.timer))
		loop_timer_cancel(d->loop, &K.timer);
}
