/* The Redis client's insides (redis_client.h), shared by redis_client.c
 * (the connection and its commands), redis_status.c (listeners, outages,
 * counters, latency, status), redis_hello.c (the handshake) and
 * redis_sentinel.c (finding the primary). Nothing else includes this but
 * the fuzz target. */
#ifndef OTPSMS_REDIS_PRIV_H
#define OTPSMS_REDIS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>

#include "loop.h"
#include "redis_client.h"
#include "redis_net.h"

#define RC_BACKOFF_MIN_MS 100
#define RC_BACKOFF_MAX_MS 5000
#define RC_LISTENERS 4
#define RC_LAT_RING 1024
#define RC_MAX_ELEMENTS 4096         /* in one reply, nested arrays too */
#define RC_MAX_PENDING (1024 * 1024) /* bytes of one reply */

struct rcmd {
	struct rcmd *next;
	char *buf;                   /* formatted; wiped at free (AUTH) */
	size_t len;
	rclient_reply_fn *cb;
	void *arg;
	int internal;                /* the handshake's or the sentinels' */
	int sent;                    /* in the write buffer or on the wire */
	uint64_t sent_us;            /* for the latency */
	uint64_t deadline;           /* CLOCK_MONOTONIC ms; 0: the connect timer's */
};

enum rc_phase {
	RC_DOWN,                     /* waiting for the retry timer */
	RC_SENTINEL,                 /* asking sentinel sentinel_idx */
	RC_HANDSHAKE,                /* AUTH, SELECT, PING [, ROLE] sent */
	RC_UP
};

struct rclient {
	struct loop *loop;
	const struct store_conf *sc;
	SSL_CTX *tls;                /* NULL: plain */
	struct rnet net;
	int watched;                 /* net.fd is on the loop */
	redisReader *reader;
	size_t rd_elems;             /* the reply being read may still have */
	size_t rd_bytes;             /* of the reply being read, so far */
	enum rc_phase phase;
	unsigned gen;                /* bumped when the connection goes */
	int closing;
	struct rcmd *head, *tail;
	char *wbuf;                  /* wiped as it empties: AUTH goes through */
	size_t wlen, woff, wcap;
	struct loop_timer retry, connect_timer, cmd_timer;
	unsigned backoff_ms;
	int ever_up, outage;
	uint64_t down_since, up_since;
	char last_err[256];          /* log-safe */
	/* Sentinel: the one asked, and the primary it gave. */
	size_t sentinel_idx;
	char sentinel_why[400];
	char primary[64];
	unsigned primary_port;
	char primary_addr[80];       /* "host:port", for messages */
	struct {
		rclient_state_fn *fn;
		void *arg;
	} ls[RC_LISTENERS];
	size_t nls;
	uint32_t lat_us[RC_LAT_RING];
	size_t nlat, latpos;
	unsigned long long replies, timeouts, lost, errors, reconnects;
	char url[128];               /* log-safe */
};

/* redis_client.c */
/* hiredis's reader, with arrays capped at RC_MAX_ELEMENTS; when its
 * privdata points to a size_t, the elements of all the arrays of a reply
 * are taken from it (the caller refills it for each reply). */
redisReader *rc_reader_new(void);
/* Opens the transport to host:port (or sc's unix path when host is NULL)
 * and watches it; 0, or -1 with the reason in c->net.err. */
int rc_open(struct rclient *c, const char *host, unsigned port);
/* Closes the transport; commands sent on it are answered NULL, the held
 * ones stay queued. */
void rc_close_net(struct rclient *c);
/* The connection failed or went: the outage is noted, every command
 * answered NULL, a retry scheduled. */
void rc_drop(struct rclient *c, const char *why);
/* Puts q in the write buffer (sent when the socket is writable). 0 or -1. */
int rc_send(struct rclient *c, struct rcmd *q);
/* Asks the loop for what the transport waits for. */
void rc_update(struct rclient *c);
/* Queues one of the client's own commands (sent at once). 0 or -1. */
int rc_internal(struct rclient *c, int argc, const char **argv,
    rclient_reply_fn *cb);
/* redis_status.c */
uint64_t rc_now_us(void);
/* Tells the listeners the connection is up (1) or went (0). */
void rc_notify(struct rclient *c, int up);
/* The connection failed: why is kept for the status; an outage's start is
 * logged once (not while closing). */
void rc_note_down(struct rclient *c, const char *why);
/* A reply to a caller's command (sent at sent_us): counted, its latency
 * kept; an error reply counted and logged. */
void rc_count_reply(struct rclient *c, uint64_t sent_us, const redisReply *r);

/* redis_hello.c: the handshake on the primary (AUTH, SELECT, PING, and
 * ROLE with Sentinel) after rc_open. */
int rc_hello(struct rclient *c, int check_role);

/* redis_sentinel.c */
void rc_sentinel_start(struct rclient *c);
/* The current sentinel failed (why): the next one is asked, or, after the
 * last, the connection is dropped. */
void rc_sentinel_next(struct rclient *c, const char *why);
/* The parsers, for the fuzz target too. */
int rc_parse_master_addr(const redisReply *r, char host[64], unsigned *port);
/* 1: "master"; 0: another role (written to role); -1: not a ROLE reply. */
int rc_parse_role(const redisReply *r, char *role, size_t rolesz);

#endif
