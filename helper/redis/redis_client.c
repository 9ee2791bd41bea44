/* The fleet's Redis connection (redis_client.h): our own transport
 * (redis_net.c) on the daemon's loop, hiredis's reader for the replies, a
 * FIFO of commands each answered exactly once. Commands queued while the
 * connection is being made are held (up to the timeout) and sent once the
 * handshake answered; while Redis is down they are answered NULL at once.
 * What it reports (listeners, outages, counters, status): redis_status.c. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "log.h"
#include "loop.h"
#include "redis_client.h"
#include "redis_net.h"
#include "redis_priv.h"
#include "util.h"

static void rc_connect(struct rclient *c);

/* hiredis 0.14 allocates an array of whatever size the server announces
 * ("*2000000000"), and buffers a bulk string of any size: our replies are a
 * few short elements, so anything far beyond is refused. The cap is on the
 * whole reply (pump_read): per array, nested arrays (7 deep) of 4096 would
 * still cost 32 KiB of memory for each 7 bytes received. */
static redisReplyObjectFunctions capped_fn;
static void *(*default_array)(const redisReadTask *, int);

static void *
capped_array(const redisReadTask *task, int elements)
{
	size_t *left = task->privdata;

	if (elements < 0 || elements > RC_MAX_ELEMENTS)
		return NULL;    /* the reader fails: the connection goes */
	if (left != NULL) {
		if ((size_t)elements > *left)
			return NULL;
		*left -= (size_t)elements;
	}
	return default_array(task, elements);
}

redisReader *
rc_reader_new(void)
{
	redisReader *rd;

	if ((rd = redisReaderCreate()) == NULL)
		return NULL;
	if (default_array == NULL) {
		capped_fn = *rd->fn;
		default_array = capped_fn.createArray;
		capped_fn.createArray = capped_array;
	}
	rd->fn = &capped_fn;
	return rd;
}

/* A new reader for a new connection, the first reply's budget full. */
static redisReader *
reader_new(struct rclient *c)
{
	redisReader *rd;

	c->rd_elems = RC_MAX_ELEMENTS;
	c->rd_bytes = 0;
	if ((rd = rc_reader_new()) != NULL)
		rd->privdata = &c->rd_elems;
	return rd;
}

static void
cmd_free(struct rcmd *q)
{
	if (q == NULL)
		return;
	if (q->buf != NULL) {
		OPENSSL_cleanse(q->buf, q->len);
		free(q->buf);
	}
	free(q);
}

static void
wbuf_clear(struct rclient *c)
{
	if (c->wbuf != NULL)
		OPENSSL_cleanse(c->wbuf, c->wcap);
	c->wlen = c->woff = 0;
}

static int
wbuf_add(struct rclient *c, const char *p, size_t n)
{
	char *nb;
	size_t cap;

	if (c->woff > 0 && c->woff == c->wlen)
		wbuf_clear(c);
	if (c->wlen + n > c->wcap) {
		/* Grown by copy, so nothing secret is left behind by realloc. */
		for (cap = c->wcap ? c->wcap : 4096; cap < c->wlen + n; cap *= 2)
			;
		if ((nb = malloc(cap)) == NULL)
			return -1;
		if (c->wbuf != NULL) {
			memcpy(nb, c->wbuf, c->wlen);
			OPENSSL_cleanse(c->wbuf, c->wcap);
			free(c->wbuf);
		}
		c->wbuf = nb;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
	return 0;
}

static void
enqueue(struct rclient *c, struct rcmd *q)
{
	if (c->tail != NULL)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	if (q->deadline != 0 && (!loop_timer_armed(&c->cmd_timer) ||
	    c->cmd_timer.when > q->deadline))
		(void)loop_timer_set(c->loop, &c->cmd_timer, c->sc->timeout_ms);
}

/* Takes the whole queue out, for answering after the state is settled. */
static struct rcmd *
detach_all(struct rclient *c)
{
	struct rcmd *h = c->head;

	c->head = c->tail = NULL;
	return h;
}

static void
answer_all(struct rcmd *h)
{
	struct rcmd *q;

	while ((q = h) != NULL) {
		h = q->next;
		q->cb(q->arg, NULL);
		cmd_free(q);
	}
}

static void
schedule_retry(struct rclient *c)
{
	if (c->closing || loop_timer_armed(&c->retry))
		return;
	if (loop_timer_set(c->loop, &c->retry, c->backoff_ms) == -1)
		log_err("redis store %s: cannot arm the reconnect timer", c->url);
	c->backoff_ms = c->backoff_ms * 2 > RC_BACKOFF_MAX_MS ? RC_BACKOFF_MAX_MS :
	    c->backoff_ms * 2;
}

static void
unwatch(struct rclient *c)
{
	if (c->watched)
		loop_del(c->loop, c->net.fd);
	c->watched = 0;
}

void
rc_close_net(struct rclient *c)
{
	struct rcmd *q, **pp, *sent = NULL, **st = &sent;

	c->gen++;
	unwatch(c);
	net_close(&c->net);
	loop_timer_cancel(c->loop, &c->connect_timer);
	wbuf_clear(c);
	if (c->reader != NULL)
		redisReaderFree(c->reader);
	c->reader = reader_new(c);
	/* What went on this connection has no answer coming. */
	for (pp = &c->head; (q = *pp) != NULL; ) {
		if (q->sent) {
			*pp = q->next;
			q->next = NULL;
			*st = q;
			st = &q->next;
		} else
			pp = &q->next;
	}
	for (c->tail = c->head; c->tail != NULL && c->tail->next != NULL; )
		c->tail = c->tail->next;
	answer_all(sent);
}

void
rc_drop(struct rclient *c, const char *why)
{
	int was_up = c->phase == RC_UP;

	/* Down first: a command queued from an answer's callback is answered
	 * NULL at once, never left in the write buffer. */
	c->phase = RC_DOWN;
	rc_close_net(c);
	if (was_up)
		c->lost++;
	rc_note_down(c, why);
	schedule_retry(c);
	if (was_up)
		rc_notify(c, 0);
	answer_all(detach_all(c));
}

/* A failed attempt: with Sentinel, the next sentinel; else down. */
static void
attempt_failed(struct rclient *c, const char *why)
{
	char msg[384];

	if (c->phase == RC_SENTINEL)
		rc_sentinel_next(c, why);
	else if (c->primary_addr[0] != '\0') {
		/* Which primary the sentinels named: the operator's first
		 * question when its certificate or password is refused. */
		snprintf(msg, sizeof(msg), "primary %s: %s", c->primary_addr, why);
		rc_drop(c, msg);
	} else
		rc_drop(c, why);
}

static void
on_connect_timeout(void *arg)
{
	struct rclient *c = arg;

	if (c->phase == RC_SENTINEL || c->phase == RC_HANDSHAKE)
		attempt_failed(c, c->net.st == NET_OPEN ? "no reply within the "
		    "timeout" : "connect timed out");
}

/* Held commands past their time are answered NULL; one sent and late
 * means a wedged server: the connection goes, and all with it. */
static void
on_cmd_timer(void *arg)
{
	struct rclient *c = arg;
	struct rcmd *q, **pp, *late = NULL, **lt = &late;
	uint64_t now = now_ms(), next = 0;
	int wedged = 0;

	for (pp = &c->head; (q = *pp) != NULL; ) {
		if (q->deadline != 0 && q->deadline <= now) {
			if (q->sent) {
				wedged = 1;
				break;
			}
			*pp = q->next;
			q->next = NULL;
			*lt = q;
			lt = &q->next;
			c->timeouts++;
			continue;
		}
		if (q->deadline != 0 && (next == 0 || q->deadline < next))
			next = q->deadline;
		pp = &q->next;
	}
	for (c->tail = c->head; c->tail != NULL && c->tail->next != NULL; )
		c->tail = c->tail->next;
	if (wedged) {
		c->timeouts++;
		rc_drop(c, "no reply within the timeout");
	} else if (next != 0)
		(void)loop_timer_set(c->loop, &c->cmd_timer, next - now);
	answer_all(late);
}

/* One reply: the head command's. 0, or -1 when the connection went. */
static int
dispatch(struct rclient *c, redisReply *r)
{
	struct rcmd *q = c->head;
	unsigned gen = c->gen;
	int failover = 0;

	if (q == NULL || !q->sent) {
		freeReplyObject(r);
		rc_drop(c, "a reply nobody asked for");
		return -1;
	}
	if ((c->head = q->next) == NULL)
		c->tail = NULL;
	if (!q->internal) {
		rc_count_reply(c, q->sent_us, r);
		/* A failover under us: find the primary again. */
		failover = r->type == REDIS_REPLY_ERROR &&
		    (strncmp(r->str, "READONLY", 8) == 0 ||
		    strncmp(r->str, "MASTERDOWN", 10) == 0);
	}
	q->cb(q->arg, r);
	freeReplyObject(r);
	cmd_free(q);
	if (gen != c->gen)
		return -1;
	if (failover) {
		rc_drop(c, "the server is no longer the primary");
		return -1;
	}
	return 0;
}

static int
pump_read(struct rclient *c)
{
	char buf[16384];
	void *reply;
	ssize_t n;

	for (;;) {
		if ((n = net_read(&c->net, buf, sizeof(buf))) == 0)
			return 0;
		if (n < 0) {
			attempt_failed(c, c->net.err);
			return -1;
		}
		c->rd_bytes += (size_t)n;
		if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK ||
		    c->rd_bytes > RC_MAX_PENDING)
			goto proto;
		for (;;) {
			reply = NULL;
			if (redisReaderGetReply(c->reader, &reply) != REDIS_OK)
				goto proto;
			if (reply == NULL)
				break;
			/* What is left in the buffer is the next reply's. */
			c->rd_elems = RC_MAX_ELEMENTS;
			c->rd_bytes = c->reader->len - c->reader->pos;
			if (dispatch(c, reply) != 0)
				return -1;
		}
	}
 proto:
	attempt_failed(c, "protocol error in a reply");
	return -1;
}

static int
pump_write(struct rclient *c)
{
	ssize_t n;

	while (c->woff < c->wlen) {
		if ((n = net_write(&c->net, c->wbuf + c->woff, c->wlen - c->woff)) < 0) {
			attempt_failed(c, c->net.err);
			return -1;
		}
		if (n == 0)
			break;
		c->woff += (size_t)n;
	}
	/* Wiped once as it empties, not at every wakeup (it only grows). */
	if (c->woff > 0 && c->woff == c->wlen)
		wbuf_clear(c);
	return 0;
}

static void
on_io(void *arg, int fd, uint32_t events)
{
	struct rclient *c = arg;
	unsigned gen = c->gen;
	int r;

	(void)fd;
	(void)events;
	if (c->net.st != NET_OPEN) {
		if ((r = net_progress(&c->net)) < 0) {
			attempt_failed(c, c->net.err);
			return;
		}
		if (r == 0) {
			rc_update(c);
			return;
		}
	}
	/* Level-triggered: reading when nothing came costs one EAGAIN. */
	if (pump_read(c) != 0 || gen != c->gen)
		return;
	if (pump_write(c) != 0 || gen != c->gen)
		return;
	rc_update(c);
}

void
rc_update(struct rclient *c)
{
	uint32_t ev = net_events(&c->net, c->woff < c->wlen);

	if (c->net.fd == -1)
		return;
	if (c->watched) {
		if (loop_mod(c->loop, c->net.fd, ev) == -1)
			log_err("redis store %s: cannot change the socket's events",
			    c->url);
		return;
	}
	if (loop_add(c->loop, c->net.fd, ev, on_io, c) == 0)
		c->watched = 1;
	else
		log_err("redis store %s: cannot watch the socket", c->url);
}

int
rc_open(struct rclient *c, const char *host, unsigned port)
{
	const struct store_conf *sc = c->sc;

	if (c->reader == NULL && (c->reader = reader_new(c)) == NULL) {
		snprintf(c->net.err, sizeof(c->net.err), "out of memory");
		return -1;
	}
	if (net_open(&c->net, host, port, host == NULL ? sc->unix_path : NULL,
	    c->tls, sc->tls_server_name) != 0)
		return -1;
	rc_update(c);
	if (!c->watched) {
		snprintf(c->net.err, sizeof(c->net.err), "cannot watch the socket");
		net_close(&c->net);
		return -1;
	}
	if (loop_timer_set(c->loop, &c->connect_timer, sc->timeout_ms) == -1)
		log_err("redis store %s: cannot arm the connect timer", c->url);
	return 0;
}

static struct rcmd *
cmd_new(int argc, const char **argv, const size_t *lens)
{
	struct rcmd *q;
	char *buf = NULL;
	int n;

	if ((n = redisFormatCommandArgv(&buf, argc, argv, lens)) < 0)
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		OPENSSL_cleanse(buf, (size_t)n);
		free(buf);
		return NULL;
	}
	q->buf = buf;
	q->len = (size_t)n;
	return q;
}

int
rc_send(struct rclient *c, struct rcmd *q)
{
	if (wbuf_add(c, q->buf, q->len) != 0)
		return -1;
	q->sent = 1;
	q->sent_us = rc_now_us();
	return 0;
}

int
rc_internal(struct rclient *c, int argc, const char **argv, rclient_reply_fn *cb)
{
	struct rcmd *q, **pp;

	if ((q = cmd_new(argc, argv, NULL)) == NULL)
		return -1;
	q->cb = cb;
	q->arg = c;
	q->internal = 1;
	if (rc_send(c, q) != 0) {
		cmd_free(q);
		return -1;
	}
	/* After what was sent, before any held command: those wait for the
	 * handshake. The queue's order is the wire's. */
	for (pp = &c->head; *pp != NULL && (*pp)->sent; pp = &(*pp)->next)
		;
	q->next = *pp;
	*pp = q;
	if (q->next == NULL)
		c->tail = q;
	rc_update(c);
	return 0;
}

static void
rc_connect(struct rclient *c)
{
	if (c->closing || c->phase != RC_DOWN)
		return;
	if (c->sc->n_sentinels > 0) {
		rc_sentinel_start(c);
		return;
	}
	c->phase = RC_HANDSHAKE;
	if (rc_open(c, c->sc->unix_path != NULL ? NULL : c->sc->host,
	    c->sc->port) != 0) {
		rc_drop(c, c->net.err);
		return;
	}
	if (rc_hello(c, 0) != 0)
		rc_drop(c, "out of memory");
}

static void
on_retry(void *arg)
{
	rc_connect(arg);
}

struct rclient *
rclient_new(struct loop *l, const struct store_conf *sc, char *err, size_t errsz)
{
	struct rclient *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->loop = l;
	c->sc = sc;
	net_init(&c->net);
	log_safe(c->url, sizeof(c->url), sc->url != NULL ? sc->url : "?");
	c->backoff_ms = RC_BACKOFF_MIN_MS;
	loop_timer_init(&c->retry, on_retry, c);
	loop_timer_init(&c->connect_timer, on_connect_timeout, c);
	loop_timer_init(&c->cmd_timer, on_cmd_timer, c);
	if ((c->reader = reader_new(c)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (sc->tls && (c->tls = net_tls_ctx(sc, err, errsz)) == NULL)
		goto fail;
	c->phase = RC_DOWN;
	rc_connect(c);
	return c;
 fail:
	rclient_free(c);
	return NULL;
}

void
rclient_close(struct rclient *c)
{
	if (c == NULL || c->closing)
		return;
	c->closing = 1;
	loop_timer_cancel(c->loop, &c->retry);
	loop_timer_cancel(c->loop, &c->cmd_timer);
	rc_close_net(c);
	c->phase = RC_DOWN;
	answer_all(detach_all(c));
	loop_timer_cancel(c->loop, &c->connect_timer);
}

void
rclient_free(struct rclient *c)
{
	if (c == NULL)
		return;
	rclient_close(c);
	if (c->reader != NULL)
		redisReaderFree(c->reader);
	SSL_CTX_free(c->tls);
	wbuf_clear(c);
	free(c->wbuf);
	free(c);
}

void
rclient_command(struct rclient *c, int argc, const char **argv,
    const size_t *lens, rclient_reply_fn *cb, void *arg)
{
	struct rcmd *q;

	if (c->phase == RC_DOWN || c->closing ||
	    (q = cmd_new(argc, argv, lens)) == NULL) {
		cb(arg, NULL);
		return;
	}
	q->cb = cb;
	q->arg = arg;
	q->deadline = now_ms() + c->sc->timeout_ms;
	if (c->phase == RC_UP) {
		if (rc_send(c, q) != 0) {
			cmd_free(q);
			cb(arg, NULL);
			return;
		}
		rc_update(c);
	}
	enqueue(c, q);
}
