/* What the Redis client (redis_priv.h) tells the rest of the daemon about
 * itself: the state to its listeners, an outage's first line in the log,
 * the counters and the latency ring, and otpsmsctl status's lines. The
 * connection itself is redis_client.c's. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "redis_client.h"
#include "redis_priv.h"
#include "util.h"

uint64_t
rc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
rc_notify(struct rclient *c, int up)
{
	size_t i;

	for (i = 0; i < c->nls; i++)
		c->ls[i].fn(c->ls[i].arg, up);
}

int
rclient_on_state(struct rclient *c, rclient_state_fn *fn, void *arg)
{
	if (c->nls == RC_LISTENERS)
		return -1;
	c->ls[c->nls].fn = fn;
	c->ls[c->nls].arg = arg;
	c->nls++;
	return 0;
}

void
rclient_off_state(struct rclient *c, rclient_state_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < c->nls; i++)
		if (c->ls[i].fn == fn && c->ls[i].arg == arg) {
			memmove(&c->ls[i], &c->ls[i + 1],
			    (c->nls - i - 1) * sizeof(c->ls[0]));
			c->nls--;
			return;
		}
}

int
rclient_up(const struct rclient *c)
{
	return c->phase == RC_UP;
}

/* Outages: said once when they start and once when they end. */
void
rc_note_down(struct rclient *c, const char *why)
{
	char safe[256];

	log_safe(safe, sizeof(safe), why);
	snprintf(c->last_err, sizeof(c->last_err), "%s", safe);
	if (c->outage || c->closing)
		return;
	c->outage = 1;
	c->down_since = now_ms();
	if (c->sc->fallback_local)
		log_err("redis store %s: %s; serving logins from this host's memory "
		    "until it is back (on_failure: local)", c->url, safe);
	else
		log_err("redis store %s: %s; logins fail until it is back "
		    "(on_failure: closed)", c->url, safe);
}

void
rc_count_reply(struct rclient *c, uint64_t sent_us, const redisReply *r)
{
	uint64_t d = rc_now_us() - sent_us;
	char safe[256];

	c->replies++;
	c->lat_us[c->latpos] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	c->latpos = (c->latpos + 1) % RC_LAT_RING;
	if (c->nlat < RC_LAT_RING)
		c->nlat++;
	if (r->type == REDIS_REPLY_ERROR) {
		c->errors++;
		log_safe(safe, sizeof(safe), r->str);
		log_err("redis store %s: %s", c->url, safe);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
rclient_status(const struct rclient *c, char *out, size_t outsz)
{
	static const char *const phase[] = { "down", "finding the primary",
	    "connecting", "up" };
	uint32_t sorted[RC_LAT_RING];
	uint64_t now = now_ms(), since;
	char lat[96] = "no replies yet", where[200] = "", state[320];
	size_t n = c->nlat;

	if (n > 0) {
		memcpy(sorted, c->lat_us, n * sizeof(sorted[0]));
		qsort(sorted, n, sizeof(sorted[0]), cmp_u32);
		snprintf(lat, sizeof(lat), "p50 %.2f ms, p99 %.2f ms (last %zu "
		    "replies)", sorted[n / 2] / 1000.0, sorted[(n * 99) / 100] /
		    1000.0, n);
	}
	if (c->sc->master_name != NULL)
		snprintf(where, sizeof(where), "; master %s, primary %s",
		    c->sc->master_name, c->primary_addr[0] ? c->primary_addr :
		    "unknown");
	since = c->phase == RC_UP ? c->up_since : c->outage ? c->down_since : now;
	if (c->phase == RC_UP || c->last_err[0] == '\0')
		snprintf(state, sizeof(state), "%s for %llu s", phase[c->phase],
		    (unsigned long long)((now - since) / 1000));
	else
		snprintf(state, sizeof(state), "%s for %llu s: %s", phase[c->phase],
		    (unsigned long long)((now - since) / 1000), c->last_err);
	snprintf(out, outsz, "store: redis %s%s%s\n"
	    "store: %s\n"
	    "store: latency %s\n"
	    "store: %llu replies, %llu timeouts, %llu lost connections, "
	    "%llu error replies, %llu reconnects\n",
	    c->url, c->tls ? " (TLS)" : "", where, state, lat, c->replies,
	    c->timeouts, c->lost, c->errors, c->reconnects);
}

const char *
rclient_url(const struct rclient *c)
{
	return c->url;
}
