/* The Redis store's connection (store_redis.h): connect, AUTH, SELECT and
 * PING; outages logged once as they start and end; reconnects with backoff
 * on a loop timer, never from inside hiredis's callbacks. */
#include <config.h>
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "loop.h"
#include "redis_loop.h"
#include "store_redis.h"
#include "util.h"

/* Outages: said once when they start and once when they end. */
static void
note_down(struct rstore *rs, const char *why)
{
	char safe[256];

	if (rs->outage || rs->closing)
		return;
	rs->outage = 1;
	rs->down_since = now_ms();
	log_safe(safe, sizeof(safe), why);
	if (rs->sc->fallback_local)
		log_err("redis store %s: %s; serving logins from this host's memory "
		    "until it is back (on_failure: local)", rs->url, safe);
	else
		log_err("redis store %s: %s; logins fail until it is back "
		    "(on_failure: closed)", rs->url, safe);
}

static void
schedule_retry(struct rstore *rs)
{
	if (rs->closing || rs->ac != NULL || loop_timer_armed(&rs->retry))
		return;
	if (loop_timer_set(rs->loop, &rs->retry, rs->backoff_ms) == -1)
		log_err("redis store %s: cannot arm the reconnect timer", rs->url);
	rs->backoff_ms = rs->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    rs->backoff_ms * 2;
}

/* The connection went (hiredis frees it): only the current one counts. */
void
conn_lost(struct rstore *rs, const redisAsyncContext *ac, const char *why)
{
	if (ac == NULL || rs->ac != ac)
		return;
	rs->ac = NULL;
	rs->up = 0;
	loop_timer_cancel(rs->loop, &rs->connect_timer);
	note_down(rs, why);
	schedule_retry(rs);
}

/* Drops the connection from outside hiredis's callbacks: every pending
 * request is answered (failed or served locally) before this returns. */
void
conn_drop(struct rstore *rs, const char *why)
{
	redisAsyncContext *ac = rs->ac;

	if (ac == NULL)
		return;
	rs->ac = NULL;
	rs->up = 0;
	loop_timer_cancel(rs->loop, &rs->connect_timer);
	note_down(rs, why);
	redisAsyncFree(ac);
	schedule_retry(rs);
}

/* The handshake (AUTH, SELECT, PING): its last reply makes the store up. */
static void
on_hello(redisAsyncContext *ac, void *reply, void *priv)
{
	struct rstore *rs = ac->data;
	const redisReply *r = reply;
	char safe[256];

	if (rs == NULL || rs->ac != ac)
		return;
	if (r == NULL) {
		conn_lost(rs, ac, ac->errstr[0] ? ac->errstr : "connection lost");
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* Redis's own words (WRONGPASS, NOAUTH...), never the password. */
		log_safe(safe, sizeof(safe), r->str);
		redisAsyncDisconnect(ac);
		conn_lost(rs, ac, safe);
		return;
	}
	if (priv == NULL)
		return;
	rs->up = 1;
	rs->backoff_ms = BACKOFF_MIN_MS;
	loop_timer_cancel(rs->loop, &rs->connect_timer);
	if (rs->outage)
		log_warn("redis store %s: back after %llu ms (%zu request(s) were "
		    "served by this host alone)", rs->url,
		    (unsigned long long)(now_ms() - rs->down_since), rs->served_locally);
	else if (!rs->ever_up)
		log_info("redis store %s: connected", rs->url);
	rs->ever_up = 1;
	rs->outage = 0;
	rs->served_locally = 0;
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct rstore *rs = ac->data;

	if (status != REDIS_OK && rs != NULL)
		conn_lost(rs, ac, ac->errstr[0] ? ac->errstr : "cannot connect");
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct rstore *rs = ac->data;

	(void)status;
	if (rs != NULL)
		conn_lost(rs, ac, ac->errstr[0] ? ac->errstr : "connection closed");
}

static void
on_connect_timeout(void *arg)
{
	struct rstore *rs = arg;

	if (rs->ac != NULL && !rs->up)
		conn_drop(rs, "connect timed out");
}

static void
on_retry(void *arg)
{
	conn_start(arg);
}

void
conn_start(struct rstore *rs)
{
	const struct store_conf *sc = rs->sc;
	redisAsyncContext *ac;
	const char *argv[3];
	char db[16];
	int n = 0;

	if (rs->closing || rs->ac != NULL)
		return;
	ac = sc->unix_path != NULL ? redisAsyncConnectUnix(sc->unix_path) :
	    redisAsyncConnect(sc->host, (int)sc->port);
	if (ac == NULL) {
		note_down(rs, "out of memory");
		schedule_retry(rs);
		return;
	}
	if (ac->err || redis_loop_attach(rs->loop, ac) != 0) {
		note_down(rs, ac->err ? ac->errstr : "cannot watch the socket");
		redisAsyncFree(ac);
		schedule_retry(rs);
		return;
	}
	ac->data = rs;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	rs->ac = ac;
	/* Queued in order; a failure of any drops the connection. */
	if (sc->password != NULL) {
		argv[n++] = "AUTH";
		if (sc->username != NULL)
			argv[n++] = sc->username;
		argv[n++] = sc->password;
		if (redisAsyncCommandArgv(ac, on_hello, NULL, n, argv, NULL) != REDIS_OK)
			goto fail;
	}
	if (sc->db != 0) {
		snprintf(db, sizeof(db), "%u", sc->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (redisAsyncCommandArgv(ac, on_hello, NULL, 2, argv, NULL) != REDIS_OK)
			goto fail;
	}
	argv[0] = "PING";
	if (redisAsyncCommandArgv(ac, on_hello, rs, 1, argv, NULL) != REDIS_OK)
		goto fail;
	if (loop_timer_set(rs->loop, &rs->connect_timer, sc->timeout_ms) == -1)
		log_err("redis store %s: cannot arm the connect timer", rs->url);
	return;
 fail:
	conn_drop(rs, "cannot send the handshake");
}

void
conn_init(struct rstore *rs)
{
	rs->backoff_ms = BACKOFF_MIN_MS;
	loop_timer_init(&rs->retry, on_retry, rs);
	loop_timer_init(&rs->connect_timer, on_connect_timeout, rs);
}
