/* The Redis store: pending challenges shared by a fleet (docs/fleet.md), on
 * the fleet's Redis connection (redis_client.h), which bounds every reply
 * by the timeout and reconnects on its own.
 *
 * A challenge is the hash {prefix}c:{id} (mac, sealed code, keyed hash of
 * the user, service, uid, wall-clock creation, attempts, owner key) and its
 * owner's pointer {prefix}p:{keyed hash of user, service, uid} -> id, both
 * with PEXPIRE = the code's TTL. No code, number or user name goes to Redis.
 * Each operation is one Lua script, so a verify on one host and another on
 * the next decrement one counter.
 *
 * Redis is trusted to keep state, not to say whose it is: whoever can write
 * to it may deny service, never move a code between users. A record found
 * through an owner pointer must carry the owner's user hash, uid, service
 * and pointer (checked in the script, then again here) and its seal must
 * open for the owner (seal.c binds id, user, uid, service); a verify that
 * Redis calls right must also open the seal for the verifier and match the
 * typed code's MAC. Anything else is logged as tampering and refused. A reply is awaited at most `timeout`; a
 * late reply, a lost connection or an error reply fails the request closed,
 * or (on_failure: local) serves it from this host's memory store, which
 * also answers for what it stored once Redis is back. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "code.h"
#include "log.h"
#include "redis_client.h"
#include "seal.h"
#include "store.h"
#include "util.h"

#define HASH_LEN 16                  /* bytes of HMAC kept for a name */
#define HEX_LEN (2 * HASH_LEN)       /* == 2 * PROTO_ID_LEN */
#define KEY_MAX 128
#define WARN_EVERY_MS 1000           /* local serving, logged at most this often */

#if PROTO_ID_LEN != HASH_LEN
#error "key names assume 16-byte ids"
#endif

/* The scripts: put.lua, verify.lua, find.lua beside this file (their
 * comments say their KEYS, ARGV and answers). */
#include "store_redis_lua.h"

struct rreq;

struct rstore {
	struct store *self;
	const struct store_conf *sc;
	struct rclient *rc;
	struct store *local;         /* on_failure: local */
	struct rreq *inflight;       /* waiting for the client's answer */
	int closing;
	int down_seen;               /* the client said it went */
	uint64_t last_warn;
	size_t served_locally;
	uint8_t names_key[32];
};

enum op { OP_PUT, OP_VERIFY, OP_FIND };

struct rreq {
	struct rstore *rs;           /* NULL: orphaned by rs_free */
	struct rreq *prev, *next;    /* in rs->inflight */
	enum op op;
	int answered;
	store_put_fn *put_cb;
	store_verify_fn *verify_cb;
	store_find_fn *find_cb;
	void *arg;
	struct challenge ch;         /* put: all; else id, user, service, uid */
	uint8_t mac[STORE_MAC_LEN];
	char uhash[HEX_LEN + 1];     /* find: what the owner's record must hold */
	uint64_t now;
};

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* HMAC-SHA-256 under the fleet's names key over tag NUL user [NUL service
 * NUL uid], cut to HASH_LEN bytes, in hex: what Redis sees of a user. */
static int
name_hash(const struct rstore *rs, const char *tag, const char *user,
    const char *service, uid_t uid, char out[HEX_LEN + 1])
{
	char buf[16 + PROTO_MAX_USER + PROTO_MAX_SERVICE + 32];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int n, r = -1;

	if (service != NULL)
		n = snprintf(buf, sizeof(buf), "%s%c%s%c%s%c%u", tag, 0, user, 0,
		    service, 0, (unsigned)uid);
	else
		n = snprintf(buf, sizeof(buf), "%s%c%s", tag, 0, user);
	if (n < 0 || (size_t)n >= sizeof(buf))
		goto out;
	if (HMAC(EVP_sha256(), rs->names_key, sizeof(rs->names_key),
	    (const uint8_t *)buf, (size_t)n, md, &mdlen) == NULL || mdlen < HASH_LEN)
		goto out;
	hex_encode(md, HASH_LEN, out);
	r = 0;
 out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}

static int
key_name(char *out, const struct rstore *rs, const char *kind, const char *h)
{
	int n = snprintf(out, KEY_MAX, "%s%s%s", rs->sc->key_prefix, kind, h);

	return n < 0 || n >= KEY_MAX ? -1 : 0;
}

static void
req_free(struct rreq *q)
{
	OPENSSL_cleanse(q, sizeof(*q));
	free(q);
}

static void
req_unlink(struct rreq *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else if (q->rs != NULL)
		q->rs->inflight = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

/* Redis did not answer: fail closed, or this host's memory answers. */
static void
req_fail(struct rreq *q)
{
	struct rstore *rs = q->rs;
	uint64_t now = now_ms();

	q->answered = 1;
	if (!rs->sc->fallback_local || rs->closing) {
		switch (q->op) {
		case OP_PUT:
			q->put_cb(q->arg, 0);
			break;
		case OP_VERIFY:
			q->verify_cb(q->arg, STORE_ERROR, 0, "");
			break;
		case OP_FIND:
			/* Nothing found: the put that follows fails closed. */
			q->find_cb(q->arg, NULL, NULL);
			break;
		}
		return;
	}
	rs->served_locally++;
	if (now - rs->last_warn >= WARN_EVERY_MS) {
		rs->last_warn = now;
		log_warn("redis store %s unavailable: served from this host's memory "
		    "(%zu so far in this outage)", rclient_url(rs->rc),
		    rs->served_locally);
	}
	switch (q->op) {
	case OP_PUT:
		rs->local->ops->put(rs->local, &q->ch, q->put_cb, q->arg);
		break;
	case OP_VERIFY:
		rs->local->ops->verify(rs->local, q->ch.id, q->ch.user, q->ch.uid,
		    q->mac, q->now, q->verify_cb, q->arg);
		break;
	case OP_FIND:
		rs->local->ops->find_pending(rs->local, q->ch.user, q->ch.service,
		    q->ch.uid, now, q->find_cb, q->arg);
		break;
	}
}

static int
reply_int(const redisReply *r, long long *v)
{
	if (r->type == REDIS_REPLY_INTEGER) {
		*v = r->integer;
		return 0;
	}
	if (r->type == REDIS_REPLY_STRING && r->len > 0 && r->len < 24) {
		char buf[24], *e;

		memcpy(buf, r->str, r->len);
		buf[r->len] = '\0';
		*v = strtoll(buf, &e, 10);
		return *e == '\0' ? 0 : -1;
	}
	return -1;
}

static int
answer_put(struct rreq *q, const redisReply *r)
{
	long long v;

	if (reply_int(r, &v) != 0 || v != 1)
		return -1;
	q->answered = 1;
	q->put_cb(q->arg, 1);
	return 0;
}

/* One line per refusal, naming the challenge by its id prefix only. */
static void
log_tampering(const struct rreq *q, const char *id_hex, const char *why)
{
	log_warn("redis store %s: tampering refused: challenge id=%s %s",
	    q->rs != NULL ? rclient_url(q->rs->rc) : "-", id_hex, why);
}

/* Redis said a verify matched: the seal must open for this verifier (its
 * id, user, uid, and the service Redis names) and hold the code whose MAC
 * the verifier sent. Redis holds the MAC and sees the typed one, so only
 * the seal shows that the code was issued to this user. */
static int
verify_binding(const struct rreq *q, const char *service,
    const redisReply *sealed)
{
	struct challenge c;
	uint8_t mac[STORE_MAC_LEN];
	char code[SEAL_TEXT_LEN + 1];
	int r = -1;

	memset(&c, 0, sizeof(c));
	memset(mac, 0, sizeof(mac));
	memset(code, 0, sizeof(code));
	if (sealed->len != STORE_SEALED_LEN)
		goto out;
	memcpy(c.id, q->ch.id, PROTO_ID_LEN);
	snprintf(c.user, sizeof(c.user), "%s", q->ch.user);
	snprintf(c.service, sizeof(c.service), "%s", service);
	c.uid = q->ch.uid;
	memcpy(c.sealed, sealed->str, STORE_SEALED_LEN);
	if (seal_open(&c, code, sizeof(code)) != 0 ||
	    code_mac(c.id, c.user, c.uid, code, mac) != 0 ||
	    CRYPTO_memcmp(mac, q->mac, STORE_MAC_LEN) != 0)
		goto out;
	r = 0;
 out:
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(code, sizeof(code));
	return r;
}

static int
answer_verify(struct rreq *q, const redisReply *r)
{
	static const enum store_verdict map[] = {
		STORE_EXPIRED, STORE_OK, STORE_WRONG, STORE_MAXTRIES
	};
	char service[PROTO_MAX_SERVICE + 1] = "", id_hex[17];
	enum store_verdict verdict;
	long long v, left;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    reply_int(r->element[0], &v) != 0 || v < 0 || v > 3 ||
	    reply_int(r->element[1], &left) != 0 || left < 0 || left > 255 ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[2]->len > PROTO_MAX_SERVICE ||
	    memchr(r->element[2]->str, '\0', r->element[2]->len) != NULL ||
	    r->element[3]->type != REDIS_REPLY_STRING)
		return -1;
	memcpy(service, r->element[2]->str, r->element[2]->len);
	service[r->element[2]->len] = '\0';
	verdict = map[v];
	if (verdict == STORE_OK &&
	    verify_binding(q, service, r->element[3]) != 0) {
		code_id_hex(q->ch.id, id_hex);
		log_tampering(q, id_hex, "was verified by Redis, but its seal "
		    "is not the verifier's or not the typed code's");
		verdict = STORE_ERROR;
		left = 0;
	}
	q->answered = 1;
	q->verify_cb(q->arg, verdict, (unsigned)left, service);
	return 0;
}

/* The id prefix of a pointer's target, for the log: "?" if not an id. */
static void
reply_id_hex(const redisReply *e, char out[17])
{
	uint8_t id[PROTO_ID_LEN];

	if (e->type == REDIS_REPLY_STRING &&
	    hex_decode(e->str, e->len, id, PROTO_ID_LEN) == PROTO_ID_LEN)
		code_id_hex(id, out);
	else
		snprintf(out, 17, "?");
}

/* The record's names (user hash, uid, service) are the owner's, compared
 * here again (the hash in constant time), and its seal opens for the
 * owner: c holds the owner's names. */
static int
find_binding(const struct rreq *q, const redisReply *const *e,
    const struct challenge *c)
{
	char code[SEAL_TEXT_LEN + 1];
	long long uid;
	size_t slen = strlen(q->ch.service);
	int r = -1;

	if (e[0]->type != REDIS_REPLY_STRING || e[0]->len != HEX_LEN ||
	    CRYPTO_memcmp(e[0]->str, q->uhash, HEX_LEN) != 0 ||
	    reply_int(e[1], &uid) != 0 || uid != (long long)q->ch.uid ||
	    e[2]->type != REDIS_REPLY_STRING || e[2]->len != slen ||
	    memcmp(e[2]->str, q->ch.service, slen) != 0 ||
	    seal_open(c, code, sizeof(code)) != 0)
		goto out;
	r = 0;
 out:
	OPENSSL_cleanse(code, sizeof(code));
	return r;
}

static int
answer_find(struct rreq *q, const redisReply *r)
{
	struct challenge c;
	long long created, attempts, pttl;
	uint64_t now = now_ms(), wall = wall_ms(), age;
	char id_hex[17];
	int ret = -1;

	if (r->type == REDIS_REPLY_NIL) {
		q->answered = 1;
		q->find_cb(q->arg, NULL, NULL);
		return 0;
	}
	/* The script found the pointer's target is not the owner's. */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
		reply_id_hex(r->element[0], id_hex);
		log_tampering(q, id_hex, "is under another owner's pointer "
		    "(user, uid, service or owner differ)");
		q->answered = 1;
		q->find_cb(q->arg, NULL, id_hex);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 9 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    hex_decode(r->element[0]->str, r->element[0]->len, c.id,
	    PROTO_ID_LEN) != PROTO_ID_LEN ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[1]->len != STORE_MAC_LEN ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[2]->len != STORE_SEALED_LEN ||
	    reply_int(r->element[3], &created) != 0 || created < 0 ||
	    reply_int(r->element[4], &attempts) != 0 || attempts < 1 ||
	    attempts > 255 || reply_int(r->element[5], &pttl) != 0 || pttl <= 0)
		goto out;
	memcpy(c.mac, r->element[1]->str, STORE_MAC_LEN);
	memcpy(c.sealed, r->element[2]->str, STORE_SEALED_LEN);
	snprintf(c.user, sizeof(c.user), "%s", q->ch.user);
	snprintf(c.service, sizeof(c.service), "%s", q->ch.service);
	c.uid = q->ch.uid;
	/* Hosts share the wall clock, not CLOCK_MONOTONIC: the age travels. */
	age = wall > (uint64_t)created ? wall - (uint64_t)created : 0;
	c.created_ms = age < now ? now - age : 0;
	c.expires_ms = now + (uint64_t)pttl;
	c.attempts_left = (unsigned)attempts;
	q->answered = 1;
	if (find_binding(q, (const redisReply *const *)r->element + 6, &c) != 0) {
		code_id_hex(c.id, id_hex);
		log_tampering(q, id_hex, "is not the owner's (its names or its "
		    "seal do not match)");
		q->find_cb(q->arg, NULL, id_hex);
	} else
		q->find_cb(q->arg, &c, NULL);
	ret = 0;
 out:
	OPENSSL_cleanse(&c, sizeof(c));
	return ret;
}

static void
fz_put(void *arg, int ok)
{
	(void)arg;
	(void)ok;
}

static void
fz_verify(void *arg, enum store_verdict v, unsigned left, const char *service)
{
	(void)arg;
	(void)v;
	(void)left;
	(void)service;
}

static void
fz_find(void *arg, const struct challenge *c, const char *tampered)
{
	(void)arg;
	(void)c;
	(void)tampered;
}

/* tests/fuzz/fuzz_redis_reply.c: every parser on one reply, whatever its
 * shape; returns how many accepted it. */
int
store_redis_parse_all(const void *reply)
{
	const redisReply *r = reply;
	struct rreq q;
	int n = 0;

	memset(&q, 0, sizeof(q));
	q.put_cb = fz_put;
	q.verify_cb = fz_verify;
	q.find_cb = fz_find;
	n += answer_put(&q, r) == 0;
	n += answer_verify(&q, r) == 0;
	n += answer_find(&q, r) == 0;
	OPENSSL_cleanse(&q, sizeof(q));
	return n;
}

/* The client's answer: r NULL when Redis did not answer in time or is
 * down; an error reply was logged by the client. */
static void
on_reply(void *arg, const redisReply *r)
{
	struct rreq *q = arg;
	struct rstore *rs = q->rs;
	int ok = -1;

	if (rs == NULL) {            /* the store went first */
		req_free(q);
		return;
	}
	req_unlink(q);
	if (q->answered) {
		req_free(q);
		return;
	}
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		ok = -1;
	else if (q->op == OP_PUT)
		ok = answer_put(q, r);
	else if (q->op == OP_VERIFY)
		ok = answer_verify(q, r);
	else
		ok = answer_find(q, r);
	if (ok != 0) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			log_err("redis store %s: unexpected reply (type %d)",
			    rclient_url(rs->rc), r->type);
		req_fail(q);
	}
	req_free(q);
}

/* Sends q's script; the client answers it, at once when Redis is down. */
static int
req_send(struct rreq *q, int argc, const char **argv, const size_t *argvlen)
{
	struct rstore *rs = q->rs;

	q->next = rs->inflight;
	if (q->next != NULL)
		q->next->prev = q;
	rs->inflight = q;
	rclient_command(rs->rc, argc, argv, argvlen, on_reply, q);
	return 0;
}

static struct rreq *
req_new(struct rstore *rs, enum op op, void *arg)
{
	struct rreq *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->rs = rs;
	q->op = op;
	q->arg = arg;
	return q;
}

static int
rs_put(struct store *s, const struct challenge *c, store_put_fn *cb, void *arg)
{
	struct rstore *rs = s->priv;
	struct rreq *q;
	char ckey[KEY_MAX], pkey[KEY_MAX], id[HEX_LEN + 1], user[HEX_LEN + 1];
	char owner[HEX_LEN + 1], uid[16], created[24], attempts[8], ttl[16];
	const char *argv[14];
	size_t len[14];
	uint64_t now = now_ms();
	int i;

	if ((q = req_new(rs, OP_PUT, arg)) == NULL) {
		cb(arg, 0);
		return 0;
	}
	q->put_cb = cb;
	q->ch = *c;
	hex_encode(c->id, PROTO_ID_LEN, id);
	if (c->expires_ms <= c->created_ms ||
	    name_hash(rs, "user", c->user, NULL, 0, user) != 0 ||
	    name_hash(rs, "owner", c->user, c->service, c->uid, owner) != 0 ||
	    key_name(ckey, rs, "c:", id) != 0 || key_name(pkey, rs, "p:", owner) != 0) {
		q->answered = 1;
		cb(arg, 0);
		req_free(q);
		return 0;
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)c->uid);
	snprintf(created, sizeof(created), "%llu", (unsigned long long)
	    (wall_ms() - (now > c->created_ms ? now - c->created_ms : 0)));
	snprintf(attempts, sizeof(attempts), "%u", c->attempts_left);
	snprintf(ttl, sizeof(ttl), "%llu",
	    (unsigned long long)(c->expires_ms - c->created_ms));
	argv[0] = "EVAL";
	argv[1] = put_lua;
	argv[2] = "2";
	argv[3] = ckey;
	argv[4] = pkey;
	argv[5] = (const char *)c->mac;
	argv[6] = (const char *)c->sealed;
	argv[7] = user;
	argv[8] = c->service;
	argv[9] = uid;
	argv[10] = created;
	argv[11] = attempts;
	argv[12] = ttl;
	argv[13] = id;
	for (i = 0; i < 14; i++)    /* the mac and seal are binary */
		len[i] = i == 5 ? STORE_MAC_LEN : i == 6 ? STORE_SEALED_LEN :
		    strlen(argv[i]);
	return req_send(q, 14, argv, len);
}

struct capture {
	enum store_verdict v;
	unsigned left;
	char service[PROTO_MAX_SERVICE + 1];
};

static void
capture_verdict(void *arg, enum store_verdict v, unsigned left, const char *service)
{
	struct capture *k = arg;

	k->v = v;
	k->left = left;
	snprintf(k->service, sizeof(k->service), "%s", service);
}

static int
rs_verify(struct store *s, const uint8_t id[PROTO_ID_LEN], const char *user,
    uid_t uid, const uint8_t mac[STORE_MAC_LEN], uint64_t now,
    store_verify_fn *cb, void *arg)
{
	struct rstore *rs = s->priv;
	struct capture k;
	struct rreq *q;
	char ckey[KEY_MAX], idh[HEX_LEN + 1], uh[HEX_LEN + 1], uids[16];
	const char *argv[8];
	size_t len[8];
	int i;

	/* What this host kept during an outage is answered here first. */
	if (rs->local->ops->count(rs->local) > 0) {
		k.v = STORE_ERROR;
		rs->local->ops->verify(rs->local, id, user, uid, mac, now,
		    capture_verdict, &k);
		if (k.v != STORE_EXPIRED && k.v != STORE_ERROR) {
			cb(arg, k.v, k.left, k.service);
			return 0;
		}
	}
	if ((q = req_new(rs, OP_VERIFY, arg)) == NULL) {
		cb(arg, STORE_ERROR, 0, "");
		return 0;
	}
	q->verify_cb = cb;
	memcpy(q->ch.id, id, PROTO_ID_LEN);
	snprintf(q->ch.user, sizeof(q->ch.user), "%s", user);
	q->ch.uid = uid;
	memcpy(q->mac, mac, STORE_MAC_LEN);
	q->now = now;
	hex_encode(id, PROTO_ID_LEN, idh);
	if (name_hash(rs, "user", user, NULL, 0, uh) != 0 ||
	    key_name(ckey, rs, "c:", idh) != 0) {
		q->answered = 1;
		cb(arg, STORE_ERROR, 0, "");
		req_free(q);
		return 0;
	}
	snprintf(uids, sizeof(uids), "%u", (unsigned)uid);
	argv[0] = "EVAL";
	argv[1] = verify_lua;
	argv[2] = "1";
	argv[3] = ckey;
	argv[4] = uh;
	argv[5] = uids;
	argv[6] = (const char *)mac;
	argv[7] = idh;               /* to clear the owner's pointer */
	for (i = 0; i < 8; i++)
		len[i] = i == 6 ? STORE_MAC_LEN : strlen(argv[i]);
	return req_send(q, 8, argv, len);
}

static int
rs_find_pending(struct store *s, const char *user, const char *service, uid_t uid,
    uint64_t now, store_find_fn *cb, void *arg)
{
	struct rstore *rs = s->priv;
	struct rreq *q;
	char pkey[KEY_MAX], cprefix[KEY_MAX], owner[HEX_LEN + 1], uids[16];
	const char *argv[8];
	size_t len[8];
	int i;

	if ((q = req_new(rs, OP_FIND, arg)) == NULL) {
		cb(arg, NULL, NULL);
		return 0;
	}
	q->find_cb = cb;
	snprintf(q->ch.user, sizeof(q->ch.user), "%s", user);
	snprintf(q->ch.service, sizeof(q->ch.service), "%s", service);
	q->ch.uid = uid;
	q->now = now;
	if (name_hash(rs, "owner", user, service, uid, owner) != 0 ||
	    name_hash(rs, "user", user, NULL, 0, q->uhash) != 0 ||
	    key_name(pkey, rs, "p:", owner) != 0 ||
	    key_name(cprefix, rs, "c:", "") != 0) {
		q->answered = 1;
		cb(arg, NULL, NULL);
		req_free(q);
		return 0;
	}
	snprintf(uids, sizeof(uids), "%u", (unsigned)uid);
	argv[0] = "EVAL";
	argv[1] = find_lua;
	argv[2] = "1";
	argv[3] = pkey;
	argv[4] = cprefix;
	argv[5] = q->uhash;          /* the binding the record must carry */
	argv[6] = uids;
	argv[7] = q->ch.service;
	for (i = 0; i < 8; i++)
		len[i] = strlen(argv[i]);
	return req_send(q, 8, argv, len);
}

/* Redis expires its own keys; only the local store needs sweeping. */
static size_t
rs_expire(struct store *s, uint64_t now)
{
	struct rstore *rs = s->priv;

	return rs->local->ops->expire(rs->local, now);
}

static uint64_t
rs_next_expiry(struct store *s)
{
	struct rstore *rs = s->priv;

	return rs->local->ops->next_expiry(rs->local);
}

static size_t
rs_count(struct store *s)
{
	struct rstore *rs = s->priv;

	return rs->local->ops->count(rs->local);
}

static void
local_expiry_changed(void *arg, uint64_t when)
{
	struct rstore *rs = arg;

	if (rs->self->expiry_changed != NULL)
		rs->self->expiry_changed(rs->self->expiry_arg, when);
}

/* The client's state: once it is back, what this host served alone is
 * said (before the client's "back after" line). */
static void
on_state(void *arg, int up)
{
	struct rstore *rs = arg;

	if (!up) {
		rs->down_seen = 1;
		return;
	}
	if ((rs->down_seen || rs->served_locally > 0) && rs->sc->fallback_local)
		log_warn("redis store %s: %zu request(s) were served by this host "
		    "alone during the outage", rclient_url(rs->rc),
		    rs->served_locally);
	rs->down_seen = 0;
	rs->served_locally = 0;
}

static void
rs_free(struct store *s)
{
	struct rstore *rs;
	struct rreq *q;

	if (s == NULL)
		return;
	rs = s->priv;
	rs->closing = 1;
	rclient_off_state(rs->rc, on_state, rs);
	/* Requests still out are failed now (closing: never served locally)
	 * and orphaned: the client's answer, later, only frees them. */
	while ((q = rs->inflight) != NULL) {
		req_unlink(q);
		if (!q->answered)
			req_fail(q);
		q->answered = 1;
		q->rs = NULL;
	}
	if (rs->local != NULL)
		rs->local->ops->free(rs->local);
	OPENSSL_cleanse(rs, sizeof(*rs));
	free(rs);
	free(s);
}

static const struct store_ops redis_ops = {
	.name = "redis",
	.put = rs_put,
	.verify = rs_verify,
	.find_pending = rs_find_pending,
	.expire = rs_expire,
	.next_expiry = rs_next_expiry,
	.count = rs_count,
	.free = rs_free,
};

struct store *
store_redis_new(struct rclient *rc, const struct store_conf *sc,
    const uint8_t names_key[32], size_t max_local)
{
	struct store *s = NULL;
	struct rstore *rs = NULL;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->local = store_memory_new(max_local)) == NULL ||
	    rclient_on_state(rc, on_state, rs) != 0) {
		if (rs != NULL && rs->local != NULL)
			rs->local->ops->free(rs->local);
		free(s);
		free(rs);
		return NULL;
	}
	rs->self = s;
	rs->rc = rc;
	rs->sc = sc;
	memcpy(rs->names_key, names_key, sizeof(rs->names_key));
	rs->local->expiry_changed = local_expiry_changed;
	rs->local->expiry_arg = rs;
	s->ops = &redis_ops;
	s->priv = rs;
	return s;
}
