/* The primary through Redis Sentinel (redis_priv.h): the sentinels are
 * asked in order, SENTINEL get-master-addr-by-name, on every (re)connect;
 * the primary then gets the normal handshake plus ROLE, which must say
 * "master" (a stale answer or a failover under way: drop and ask again). */
#include <config.h>
#include "conf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "redis_priv.h"
#include "util.h"

int
rc_parse_master_addr(const redisReply *r, char host[64], unsigned *port)
{
	struct in6_addr a6;
	const redisReply *h, *p;
	unsigned long v = 0;
	size_t i;

	if (r->type == REDIS_REPLY_NIL)
		return 0;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		return -1;
	h = r->element[0];
	p = r->element[1];
	if (h->type != REDIS_REPLY_STRING || h->len == 0 || h->len >= 64 ||
	    p->type != REDIS_REPLY_STRING || p->len == 0 || p->len > 5)
		return -1;
	memcpy(host, h->str, h->len);
	host[h->len] = '\0';
	/* An IP address only: a name would need a lookup that blocks. */
	if (inet_pton(AF_INET, host, &a6) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		return -1;
	for (i = 0; i < p->len; i++) {
		if (p->str[i] < '0' || p->str[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p->str[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 1;
}

int
rc_parse_role(const redisReply *r, char *role, size_t rolesz)
{
	const redisReply *e;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return -1;
	e = r->element[0];
	if ((e->type != REDIS_REPLY_STRING && e->type != REDIS_REPLY_STATUS) ||
	    e->len >= rolesz)
		return -1;
	memcpy(role, e->str, e->len);
	role[e->len] = '\0';
	log_safe(role, rolesz, role);
	return e->len == 6 && memcmp(e->str, "master", 6) == 0;
}

static void try_current(struct rclient *c);

static void
on_sentinel_auth(void *arg, const redisReply *r)
{
	struct rclient *c = arg;
	char why[200];

	if (r == NULL || r->type != REDIS_REPLY_ERROR)
		return;
	snprintf(why, sizeof(why), "%s", r->str);
	rc_sentinel_next(c, why);
}

static void
on_master_addr(void *arg, const redisReply *r)
{
	struct rclient *c = arg;
	const struct store_conf *sc = c->sc;
	char host[64], why[400];
	unsigned port = 0;
	int k;

	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%s", r->str);
		rc_sentinel_next(c, why);
		return;
	}
	if ((k = rc_parse_master_addr(r, host, &port)) != 1) {
		snprintf(why, sizeof(why), k == 0 ? "does not know master '%s'" :
		    "unexpected reply about master '%s'", sc->master_name);
		rc_sentinel_next(c, why);
		return;
	}
	snprintf(c->primary, sizeof(c->primary), "%s", host);
	c->primary_port = port;
	snprintf(c->primary_addr, sizeof(c->primary_addr), strchr(host, ':') ?
	    "[%s]:%u" : "%s:%u", host, port);
	rc_close_net(c);
	c->phase = RC_HANDSHAKE;
	if (rc_open(c, c->primary, port) != 0) {
		snprintf(why, sizeof(why), "primary %s: %s", c->primary_addr,
		    c->net.err);
		rc_drop(c, why);
		return;
	}
	if (rc_hello(c, 1) != 0)
		rc_drop(c, "out of memory");
}

static void
try_current(struct rclient *c)
{
	const struct store_conf *sc = c->sc;
	const struct store_addr *a;
	const char *argv[3];
	char why[512];
	int n;

	while (c->sentinel_idx < sc->n_sentinels) {
		a = &sc->sentinels[c->sentinel_idx];
		if (rc_open(c, a->host, a->port) == 0) {
			n = 0;
			if (sc->sentinel_password != NULL) {
				argv[n++] = "AUTH";
				if (sc->sentinel_username != NULL)
					argv[n++] = sc->sentinel_username;
				argv[n++] = sc->sentinel_password;
				if (rc_internal(c, n, argv, on_sentinel_auth) != 0)
					break;
			}
			argv[0] = "SENTINEL";
			argv[1] = "get-master-addr-by-name";
			argv[2] = sc->master_name;
			if (rc_internal(c, 3, argv, on_master_addr) != 0)
				break;
			return;
		}
		snprintf(c->sentinel_why, sizeof(c->sentinel_why), "sentinel "
		    "%s:%u: %s", a->host, a->port, c->net.err);
		c->sentinel_idx++;
	}
	if (c->sentinel_idx < sc->n_sentinels)
		snprintf(c->sentinel_why, sizeof(c->sentinel_why), "out of memory");
	snprintf(why, sizeof(why), "no sentinel gave the primary of master '%s' "
	    "(last: %s)", sc->master_name, c->sentinel_why);
	rc_drop(c, why);
}

void
rc_sentinel_next(struct rclient *c, const char *why)
{
	const struct store_addr *a = &c->sc->sentinels[c->sentinel_idx];

	snprintf(c->sentinel_why, sizeof(c->sentinel_why), "sentinel %s:%u: %s",
	    a->host, a->port, why);
	rc_close_net(c);
	c->sentinel_idx++;
	try_current(c);
}

void
rc_sentinel_start(struct rclient *c)
{
	c->phase = RC_SENTINEL;
	c->sentinel_idx = 0;
	c->sentinel_why[0] = '\0';
	c->primary_addr[0] = '\0';
	try_current(c);
}
