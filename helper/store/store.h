/* Where pending challenges live. Only a keyed hash of the code is stored.
 * The interface is asynchronous so that a shared backend (Redis) can sit
 * behind it; the in-memory store answers at once (before the call returns). */
#ifndef OTPSMS_STORE_H
#define OTPSMS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pending.h"
#include "proto.h"

enum store_verdict {
	STORE_OK,          /* matched: the challenge is gone (single use) */
	STORE_WRONG,       /* no match, attempts remain */
	STORE_MAXTRIES,    /* no match, last attempt: the challenge is gone */
	STORE_EXPIRED,     /* unknown, expired, used, or another user's/caller's */
	STORE_ERROR,       /* backend failure: fail closed */
};

typedef void store_put_fn(void *arg, int ok);
/* service: the challenge's PAM service, for the audit line; "" if unknown. */
typedef void store_verify_fn(void *arg, enum store_verdict v, unsigned attempts_left,
    const char *service);
/* c is NULL when nothing is pending; valid only during the call.
 * tampered is NULL, or (c then NULL) the id prefix (code_id_hex) of a record
 * the store held under the caller's name that is not the caller's (a shared
 * store rewritten): the caller refuses, never sends or reuses it. */
typedef void store_find_fn(void *arg, const struct challenge *c,
    const char *tampered);

struct store;

struct store_ops {
	const char *name;
	int (*put)(struct store *s, const struct challenge *c, store_put_fn *cb, void *arg);
	/* mac is the caller's HMAC of the typed code under the same key. */
	int (*verify)(struct store *s, const uint8_t id[PROTO_ID_LEN], const char *user,
	    uid_t uid, const uint8_t mac[STORE_MAC_LEN], uint64_t now,
	    store_verify_fn *cb, void *arg);
	/* The newest unexpired challenge for (user, service, uid), if any. */
	int (*find_pending)(struct store *s, const char *user, const char *service,
	    uid_t uid, uint64_t now, store_find_fn *cb, void *arg);
	/* Drops expired entries; returns how many. */
	size_t (*expire)(struct store *s, uint64_t now);
	/* When expire has work next (CLOCK_MONOTONIC ms), 0 if nothing is
	 * pending. NULL: the owner sweeps on a period instead. */
	uint64_t (*next_expiry)(struct store *s);
	size_t (*count)(struct store *s);
	void (*free)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	void *priv;
	/* Set by the owner (may stay NULL): called from put when the earliest
	 * expiry becomes earlier, so an idle daemon sleeps until one is due. */
	void (*expiry_changed)(void *arg, uint64_t when_ms);
	void *expiry_arg;
};

struct store *store_memory_new(size_t max_entries);

struct rclient;
struct store_conf;
/* store_redis.c: shared by a fleet through Redis (docs/fleet.md), over rc
 * (redis_client.h), which must outlive the store, as must sc; names_key
 * (the fleet's, fleetkey.h) keys the hashes that stand for user names;
 * max_local bounds the on_failure: local store. NULL when out of memory. */
struct store *store_redis_new(struct rclient *rc, const struct store_conf *sc,
    const uint8_t names_key[32], size_t max_local);
/* For tests/fuzz: the store's reply parsers on r (a redisReply); returns
 * how many accepted it. */
int store_redis_parse_all(const void *r);

#endif
