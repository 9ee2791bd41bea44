/* The handshake on the Redis primary (redis_priv.h): AUTH [user] password,
 * SELECT db, PING, and with Sentinel ROLE, which must say "master". Its
 * last reply makes the connection up: commands held meanwhile go out. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "redis_priv.h"
#include "util.h"

/* The handshake answered: commands held so far go out, in order. */
static void
became_up(struct rclient *c)
{
	struct rcmd *q;

	c->phase = RC_UP;
	c->backoff_ms = RC_BACKOFF_MIN_MS;
	c->up_since = now_ms();
	loop_timer_cancel(c->loop, &c->connect_timer);
	for (q = c->head; q != NULL; q = q->next)
		if (!q->sent && rc_send(c, q) != 0) {
			rc_drop(c, "out of memory");
			return;
		}
	rc_update(c);
	if (c->ever_up)
		c->reconnects++;
	/* Listeners first: the store's line lands before "back after". */
	rc_notify(c, 1);
	if (!c->ever_up)
		log_info("redis store %s: connected%s%s%s", c->url,
		    c->primary_addr[0] ? " to primary " : "", c->primary_addr,
		    c->outage ? " (after failed attempts)" : "");
	else if (c->outage)
		log_warn("redis store %s: back after %llu ms%s%s", c->url,
		    (unsigned long long)(now_ms() - c->down_since),
		    c->primary_addr[0] ? "; primary " : "", c->primary_addr);
	c->ever_up = 1;
	c->outage = 0;
}

/* The handshake's replies: an error drops the connection (Redis's own
 * words, WRONGPASS or NOAUTH: never the password). */
static int
hello_error(struct rclient *c, const redisReply *r)
{
	char why[200];

	if (r == NULL)
		return 1;
	if (r->type != REDIS_REPLY_ERROR)
		return 0;
	snprintf(why, sizeof(why), "%s", r->str);
	rc_drop(c, why);
	return 1;
}

static void
on_hello(void *arg, const redisReply *r)
{
	(void)hello_error(arg, r);
}

static void
on_ping(void *arg, const redisReply *r)
{
	struct rclient *c = arg;

	if (!hello_error(c, r))
		became_up(c);
}

static void
on_role(void *arg, const redisReply *r)
{
	struct rclient *c = arg;
	char role[32], why[200];
	int m;

	if (hello_error(c, r))
		return;
	if ((m = rc_parse_role(r, role, sizeof(role))) == 1) {
		became_up(c);
		return;
	}
	snprintf(why, sizeof(why), "%s is not the primary (role %s): asking the "
	    "sentinels again", c->primary_addr, m == 0 ? role : "unknown");
	rc_drop(c, why);
}

int
rc_hello(struct rclient *c, int check_role)
{
	const struct store_conf *sc = c->sc;
	const char *argv[3];
	char db[16];
	int n = 0;

	if (sc->password != NULL) {
		argv[n++] = "AUTH";
		if (sc->username != NULL)
			argv[n++] = sc->username;
		argv[n++] = sc->password;
		if (rc_internal(c, n, argv, on_hello) != 0)
			return -1;
	}
	if (sc->db != 0) {
		snprintf(db, sizeof(db), "%u", sc->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (rc_internal(c, 2, argv, on_hello) != 0)
			return -1;
	}
	argv[0] = "PING";
	if (rc_internal(c, 1, argv, check_role ? on_hello : on_ping) != 0)
		return -1;
	argv[0] = "ROLE";
	if (check_role && rc_internal(c, 1, argv, on_role) != 0)
		return -1;
	return 0;
}
