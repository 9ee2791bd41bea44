/* The Redis store's insides, shared by its two files: store_redis.c (the
 * store's operations) and store_redis_conn.c (the connection: handshake,
 * outages, reconnects). Nothing else includes this. */
#ifndef OTPSMS_STORE_REDIS_H
#define OTPSMS_STORE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>

#include "loop.h"
#include "store.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define HASH_LEN 16                  /* bytes of HMAC kept for a name */
#define HEX_LEN (2 * HASH_LEN)       /* == 2 * PROTO_ID_LEN */
#define KEY_MAX 128
#define WARN_EVERY_MS 1000           /* local serving, logged at most this often */


struct store_conf;

struct rstore {
	struct store *self;
	struct loop *loop;
	const struct store_conf *sc;
	struct store *local;         /* on_failure: local */
	redisAsyncContext *ac;       /* NULL: down */
	int up;                      /* handshake answered */
	int ever_up;
	int closing;
	struct loop_timer retry, connect_timer;
	unsigned backoff_ms;
	int outage;                  /* logged as down */
	uint64_t down_since, last_warn;
	size_t served_locally;
	char url[128];               /* log-safe */
	uint8_t names_key[32];
};

/* Connects (the handshake makes the store up); on failure, a retry later. */
void conn_init(struct rstore *rs);
void conn_start(struct rstore *rs);
/* From hiredis's callbacks: the connection ac went (hiredis frees it). */
void conn_lost(struct rstore *rs, const redisAsyncContext *ac, const char *why);
/* From outside them: frees the connection, answering all it still holds. */
void conn_drop(struct rstore *rs, const char *why);

#endif
