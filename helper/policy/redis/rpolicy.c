/* The fleet's limits, backoff and lockouts on Redis: one script call per
 * step (rpolicy.h); policy_redis.c decides what a failure means. Keys, under the
 * store's key_prefix, each with a TTL no longer than its purpose:
 *   b:KIND:H   token bucket {lv, t}: level in 1/window tokens, as in
 *              ratelimit.c; TTL the window (a bucket left alone that long
 *              is full, the same as absent)
 *   o:H        backoff {n, next}: codes sent in a row unverified; TTL a day
 *              after the wait it sets
 *   f:H        list of recent wrong-code times, newest first; TTL the window
 *   l:H        lock: the sealed user name; TTL the lockout
 *   g:H        sorted set of guesses being checked (random tokens) by the
 *              end of their hold; TTL the longest hold
 *   w:H        sorted set of codes waiting (keyed hashes of their ids) by
 *              expiry; TTL the latest expiry
 *   locks      sorted set of sealed names by lock end, for otpsmsctl
 *              locked; TTL the longest lock in it
 * H is HMAC-SHA-256(names key, tag NUL value) cut to 16 bytes, in hex. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "fleetkey.h"
#include "rpolicy.h"
#include "policy_redis_lua.h"     /* made from the .lua files beside */
#include "proto.h"
#include "ratelimit.h"
#include "redis_client.h"
#include "util.h"

#define FLEETKEY_LABEL_LOCKNAMES "otpsms lockout names v1"
#define KEY_MAX 160
#define BACKOFF_TTL_MS (24 * 60 * 60 * 1000)
#define NONCE_LEN 12
#define TAG_LEN 16
#define SEALED_MAX (NONCE_LEN + PROTO_MAX_USER + TAG_LEN)

struct rpolicy {
	const struct config *cfg;
	struct rclient *rc;
	uint8_t names_key[FLEETKEY_OUT];
	uint8_t seal_key[FLEETKEY_OUT];
	uint64_t errors;
};

/* One call in flight. */
struct rcall {
	struct rpolicy *rp;
	int kinds[LIM_NKINDS];       /* reserve: bucket i is kinds[i] */
	rpolicy_reserve_fn *reserve_cb;
	rpolicy_pair_fn *pair_cb;
	rpolicy_failure_fn *failure_cb;
	rpolicy_text_fn *text_cb;
	void *arg;
};

/* prefix KIND hash(tag, value) into out (KEY_MAX). */
static int
key_for(const struct rpolicy *rp, const char *kind, const char *tag,
    const char *value, char *out)
{
	return fleetkey_name_key(rp->names_key, rp->cfg->store.key_prefix, kind,
	    tag, value, out, KEY_MAX);
}

static int
plain_key(const struct rpolicy *rp, const char *name, char *out)
{
	int n = snprintf(out, KEY_MAX, "%s%s", rp->cfg->store.key_prefix, name);

	return n < 0 || n >= KEY_MAX ? -1 : 0;
}

/* The send's buckets, as in ratelimit.c; kinds that are off are left out.
 * Returns how many, or -1. */
static int
bucket_keys(const struct rpolicy *rp, const char *user, const char *number,
    char keys[LIM_NKINDS][KEY_MAX], int kinds[LIM_NKINDS])
{
	const struct limits_conf *lc = &rp->cfg->limits;
	char val[PROTO_MAX_USER + 16], cc[8];
	size_t len = strlen(number);
	int k, n = 0, r;

	for (k = 0; k < LIM_NKINDS; k++) {
		if (lc->rate[k].count == 0)
			continue;
		r = 0;
		switch (k) {
		case LIM_USER:
			r = key_for(rp, "b:u:", "user", user, keys[n]);
			break;
		case LIM_NUMBER:
			r = key_for(rp, "b:n:", "number", number, keys[n]);
			break;
		case LIM_PREFIX:
			if (len <= 4)
				continue;
			snprintf(val, sizeof(val), "%.*s", (int)(len - 4), number);
			r = key_for(rp, "b:p:", "prefix", val, keys[n]);
			break;
		case LIM_COUNTRY:
			if (country_code(number, cc, sizeof(cc)) != 0)
				continue;
			r = key_for(rp, "b:c:", "country", cc, keys[n]);
			break;
		default:
			r = plain_key(rp, "b:global", keys[n]);
			break;
		}
		if (r != 0)
			return -1;
		kinds[n++] = k;
	}
	return n;
}

/* The user's name for the locks set: AES-256-GCM under the fleet's lock
 * names key, fresh nonce, in hex (out: 2 * SEALED_MAX + 1). */
static int
seal_name(const struct rpolicy *rp, const char *user, char *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t buf[SEALED_MAX];
	size_t n = strlen(user);
	int len, r = -1;

	if (n == 0 || n > PROTO_MAX_USER ||
	    RAND_bytes(buf, NONCE_LEN) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, rp->seal_key, buf) != 1 ||
	    EVP_EncryptUpdate(ctx, buf + NONCE_LEN, &len, (const uint8_t *)user,
	    (int)n) != 1 || (size_t)len != n ||
	    EVP_EncryptFinal_ex(ctx, buf + NONCE_LEN + n, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    buf + NONCE_LEN + n) != 1)
		goto out;
	hex_encode(buf, NONCE_LEN + n + TAG_LEN, out);
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

/* The name back, or -1 for anything not sealed by this fleet. */
static int
open_name(const struct rpolicy *rp, const char *in, size_t inlen, char *user,
    size_t usersz)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t buf[SEALED_MAX];
	int n, len, r = -1;

	if ((n = hex_decode(in, inlen, buf, sizeof(buf))) < NONCE_LEN + TAG_LEN + 1 ||
	    (size_t)(n - NONCE_LEN - TAG_LEN) >= usersz ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, rp->seal_key, buf) != 1 ||
	    EVP_DecryptUpdate(ctx, (uint8_t *)user, &len, buf + NONCE_LEN,
	    n - NONCE_LEN - TAG_LEN) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    buf + n - TAG_LEN) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (uint8_t *)user + len, &len) != 1)
		goto out;
	user[n - NONCE_LEN - TAG_LEN] = '\0';
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

static int
reply_ll(const redisReply *r, long long *v)
{
	char buf[24], *e;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER) {
		*v = r->integer;
		return 0;
	}
	if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len >= sizeof(buf))
		return -1;
	memcpy(buf, r->str, r->len);
	buf[r->len] = '\0';
	*v = strtoll(buf, &e, 10);
	return *e == '\0' ? 0 : -1;
}

/* NULL or an error reply: counted (the client has logged it). */
static int
failed(struct rpolicy *rp, const redisReply *r)
{
	if (r != NULL && r->type != REDIS_REPLY_ERROR)
		return 0;
	rp->errors++;
	return 1;
}

static struct rcall *
call_new(struct rpolicy *rp, void *arg)
{
	struct rcall *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->rp = rp;
	c->arg = arg;
	return c;
}

/* EVAL script with keys then args; every argument a C string. */
static void
eval(struct rpolicy *rp, const char *script, int nkeys, const char **keys,
    int nargs, const char **args, rclient_reply_fn *cb, void *arg)
{
	const char *argv[3 + LIM_NKINDS + 2 + 2 * LIM_NKINDS + 4];
	size_t lens[sizeof(argv) / sizeof(argv[0])];
	char nk[8];
	int i, n = 0;

	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[n++] = "EVAL";
	argv[n++] = script;
	argv[n++] = nk;
	for (i = 0; i < nkeys; i++)
		argv[n++] = keys[i];
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	for (i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	rclient_command(rp->rc, n, argv, lens, cb, arg);
}

static void
on_done(void *arg, const redisReply *r)
{
	struct rpolicy *rp = arg;

	(void)failed(rp, r);
}

static void
on_reserved(void *arg, const redisReply *r)
{
	struct rcall *c = arg;
	long long v, ms, i;

	if (failed(c->rp, r) || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    reply_ll(r->element[0], &v) != 0 || v < 0 || v > 2 ||
	    reply_ll(r->element[1], &ms) != 0 || ms < 0 ||
	    reply_ll(r->element[2], &i) != 0 || i < 0 || i > LIM_NKINDS ||
	    (v != 0 && ms == 0)) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			c->rp->errors++;
		c->reserve_cb(c->arg, -1, 0, 0);
	} else
		c->reserve_cb(c->arg, (int)v, (uint64_t)ms,
		    v == 2 && i > 0 ? c->kinds[i - 1] : -1);
	free(c);
}

/* The scripts' ARGV for n buckets: count, window of each, as strings. */
static void
rate_args(const struct rpolicy *rp, const int *kinds, int n,
    char num[2 * LIM_NKINDS][16], const char *ap[2 * LIM_NKINDS])
{
	const struct rate *r;
	int i;

	for (i = 0; i < n; i++) {
		r = &rp->cfg->limits.rate[kinds[i]];
		snprintf(num[2 * i], sizeof(num[0]), "%u", r->count);
		snprintf(num[2 * i + 1], sizeof(num[0]), "%u", r->window_ms);
		ap[2 * i] = num[2 * i];
		ap[2 * i + 1] = num[2 * i + 1];
	}
}

void
rpolicy_reserve(struct rpolicy *rp, const char *user, const char *number,
    rpolicy_reserve_fn *cb, void *arg)
{
	char keys[2 + LIM_NKINDS][KEY_MAX], num[2 * LIM_NKINDS][16];
	const char *kp[2 + LIM_NKINDS], *ap[2 * LIM_NKINDS];
	struct rcall *c;
	int i, n;

	if ((c = call_new(rp, arg)) == NULL ||
	    key_for(rp, "l:", "lock", user, keys[0]) != 0 ||
	    key_for(rp, "o:", "backoff", user, keys[1]) != 0 ||
	    (n = bucket_keys(rp, user, number, keys + 2, c->kinds)) < 0) {
		free(c);
		cb(arg, -1, 0, 0);
		return;
	}
	c->reserve_cb = cb;
	for (i = 0; i < 2 + n; i++)
		kp[i] = keys[i];
	rate_args(rp, c->kinds, n, num, ap);
	eval(rp, reserve_lua, 2 + n, kp, 2 * n, ap, on_reserved, c);
}

void
rpolicy_refund(struct rpolicy *rp, const char *user, const char *number)
{
	char keys[LIM_NKINDS][KEY_MAX], num[2 * LIM_NKINDS][16];
	const char *kp[LIM_NKINDS], *ap[2 * LIM_NKINDS];
	int kinds[LIM_NKINDS], i, n;

	if ((n = bucket_keys(rp, user, number, keys, kinds)) <= 0)
		return;
	for (i = 0; i < n; i++)
		kp[i] = keys[i];
	rate_args(rp, kinds, n, num, ap);
	eval(rp, refund_lua, n, kp, 2 * n, ap, on_done, rp);
}

void
rpolicy_delivered(struct rpolicy *rp, const char *user, unsigned jitter)
{
	const struct limits_conf *lc = &rp->cfg->limits;
	char key[KEY_MAX], a[5][16];
	const char *kp[1], *ap[5];
	int i;

	if (lc->backoff_after == 0 || key_for(rp, "o:", "backoff", user, key) != 0)
		return;
	snprintf(a[0], sizeof(a[0]), "%u", lc->backoff_after);
	snprintf(a[1], sizeof(a[1]), "%u", (unsigned)LIMITS_BACKOFF_BASE_MS);
	snprintf(a[2], sizeof(a[2]), "%u", lc->backoff_max_ms);
	snprintf(a[3], sizeof(a[3]), "%u", jitter % 1000);
	snprintf(a[4], sizeof(a[4]), "%u", BACKOFF_TTL_MS);
	for (i = 0; i < 5; i++)
		ap[i] = a[i];
	kp[0] = key;
	eval(rp, delivered_lua, 1, kp, 5, ap, on_done, rp);
}

void
rpolicy_success(struct rpolicy *rp, const char *user, const char *token)
{
	char keys[3][KEY_MAX];
	const char *kp[3], *ap[1];
	int n = 2;

	if (key_for(rp, "f:", "fail", user, keys[0]) != 0 ||
	    key_for(rp, "o:", "backoff", user, keys[1]) != 0 ||
	    (token[0] != '\0' && key_for(rp, "g:", "guess", user, keys[n++]) != 0))
		return;
	kp[0] = keys[0];
	kp[1] = keys[1];
	kp[2] = keys[2];
	ap[0] = token;
	eval(rp, success_lua, n, kp, n - 2, ap, on_done, rp);
}

/* A one-member ZREM under key kind:tag(user). */
static void
zrem(struct rpolicy *rp, const char *kind, const char *tag, const char *user,
    const char *member)
{
	char key[KEY_MAX];
	const char *argv[3];
	size_t lens[3];
	int i;

	if (key_for(rp, kind, tag, user, key) != 0)
		return;
	argv[0] = "ZREM";
	argv[1] = key;
	argv[2] = member;
	for (i = 0; i < 3; i++)
		lens[i] = strlen(argv[i]);
	rclient_command(rp->rc, 3, argv, lens, on_done, rp);
}

static void
on_pair(void *arg, const redisReply *r)
{
	struct rcall *c = arg;
	long long v, ms;

	if (failed(c->rp, r) || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    reply_ll(r->element[0], &v) != 0 || v < 0 || v > 1 ||
	    reply_ll(r->element[1], &ms) != 0 || ms < 0 || (v != 0 && ms == 0)) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			c->rp->errors++;
		c->pair_cb(c->arg, -1, 0);
	} else
		c->pair_cb(c->arg, (int)v, (uint64_t)ms);
	free(c);
}

void
rpolicy_guess(struct rpolicy *rp, const char *user, const char *token,
    rpolicy_pair_fn *cb, void *arg)
{
	const struct lockout_conf *lc = &rp->cfg->lockout;
	char keys[3][KEY_MAX], a[3][16];
	const char *kp[3], *ap[4];
	struct rcall *c;
	int i;

	if ((c = call_new(rp, arg)) == NULL ||
	    key_for(rp, "l:", "lock", user, keys[0]) != 0 ||
	    key_for(rp, "f:", "fail", user, keys[1]) != 0 ||
	    key_for(rp, "g:", "guess", user, keys[2]) != 0) {
		free(c);
		cb(arg, -1, 0);
		return;
	}
	c->pair_cb = cb;
	snprintf(a[0], sizeof(a[0]), "%u", lc->failures);
	snprintf(a[1], sizeof(a[1]), "%u", lc->window_ms);
	snprintf(a[2], sizeof(a[2]), "%u", (unsigned)RPOLICY_GUESS_HOLD_MS);
	for (i = 0; i < 3; i++) {
		kp[i] = keys[i];
		ap[i] = a[i];
	}
	ap[3] = token;
	eval(rp, guess_lua, 3, kp, 4, ap, on_pair, c);
}

void
rpolicy_unguess(struct rpolicy *rp, const char *user, const char *token)
{
	zrem(rp, "g:", "guess", user, token);
}

/* A pending code's name in p:H: the keyed hash of its id, not the id
 * itself (the audit log has ids). */
static int
pending_member(const struct rpolicy *rp, const uint8_t *id, char *out)
{
	char idhex[2 * PROTO_ID_LEN + 1];
	int r;

	hex_encode(id, PROTO_ID_LEN, idhex);
	r = key_for(rp, "", "pending id", idhex, out);
	return r;
}

void
rpolicy_pending(struct rpolicy *rp, const char *user, const uint8_t *id,
    unsigned cap, unsigned ttl_ms, rpolicy_pair_fn *cb, void *arg)
{
	char key[KEY_MAX], member[KEY_MAX], a[2][16];
	const char *kp[1], *ap[3];
	struct rcall *c;

	if ((c = call_new(rp, arg)) == NULL ||
	    key_for(rp, "w:", "pending", user, key) != 0 ||
	    pending_member(rp, id, member) != 0) {
		free(c);
		cb(arg, -1, 0);
		return;
	}
	c->pair_cb = cb;
	snprintf(a[0], sizeof(a[0]), "%u", cap);
	snprintf(a[1], sizeof(a[1]), "%u", ttl_ms);
	kp[0] = key;
	ap[0] = a[0];
	ap[1] = a[1];
	ap[2] = member;
	eval(rp, pending_lua, 1, kp, 3, ap, on_pair, c);
}

void
rpolicy_pending_drop(struct rpolicy *rp, const char *user, const uint8_t *id)
{
	char member[KEY_MAX];

	if (pending_member(rp, id, member) == 0)
		zrem(rp, "w:", "pending", user, member);
}

static void
on_failure(void *arg, const redisReply *r)
{
	struct rcall *c = arg;
	long long ms;

	if (failed(c->rp, r) || reply_ll(r, &ms) != 0 || ms < 0) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			c->rp->errors++;
		ms = -1;
	}
	if (c->failure_cb != NULL)
		c->failure_cb(c->arg, ms);
	free(c);
}

void
rpolicy_failure(struct rpolicy *rp, const char *user, const char *token,
    rpolicy_failure_fn *cb, void *arg)
{
	const struct lockout_conf *lc = &rp->cfg->lockout;
	char keys[4][KEY_MAX], a[3][16], sealed[2 * SEALED_MAX + 1];
	const char *kp[4], *ap[5];
	struct rcall *c;
	int i, n = 3;

	if (lc->failures == 0) {
		if (token[0] != '\0')
			rpolicy_unguess(rp, user, token);
		if (cb != NULL)
			cb(arg, 0);
		return;
	}
	if ((c = call_new(rp, arg)) == NULL ||
	    key_for(rp, "f:", "fail", user, keys[0]) != 0 ||
	    key_for(rp, "l:", "lock", user, keys[1]) != 0 ||
	    plain_key(rp, "locks", keys[2]) != 0 ||
	    (token[0] != '\0' && key_for(rp, "g:", "guess", user, keys[n++]) != 0) ||
	    seal_name(rp, user, sealed) != 0) {
		free(c);
		if (cb != NULL)
			cb(arg, -1);
		return;
	}
	c->failure_cb = cb;
	snprintf(a[0], sizeof(a[0]), "%u", lc->failures);
	snprintf(a[1], sizeof(a[1]), "%u", lc->window_ms);
	snprintf(a[2], sizeof(a[2]), "%u", lc->duration_ms);
	for (i = 0; i < 3; i++) {
		kp[i] = keys[i];
		ap[i] = a[i];
	}
	kp[3] = keys[3];
	ap[3] = sealed;
	ap[4] = token;
	eval(rp, failure_lua, n, kp, n + 1, ap, on_failure, c);
}

static void
on_unlocked(void *arg, const redisReply *r)
{
	struct rcall *c = arg;
	long long v;

	if (failed(c->rp, r) || reply_ll(r, &v) != 0)
		c->text_cb(c->arg, -1, "");
	else
		c->text_cb(c->arg, v != 0, "");
	free(c);
}

void
rpolicy_unlock(struct rpolicy *rp, const char *user, rpolicy_text_fn *cb,
    void *arg)
{
	char keys[4][KEY_MAX];
	const char *kp[4];
	struct rcall *c;
	int i;

	if ((c = call_new(rp, arg)) == NULL ||
	    key_for(rp, "l:", "lock", user, keys[0]) != 0 ||
	    key_for(rp, "f:", "fail", user, keys[1]) != 0 ||
	    key_for(rp, "o:", "backoff", user, keys[2]) != 0 ||
	    plain_key(rp, "locks", keys[3]) != 0) {
		free(c);
		cb(arg, -1, "");
		return;
	}
	c->text_cb = cb;
	for (i = 0; i < 4; i++)
		kp[i] = keys[i];
	eval(rp, unlock_lua, 4, kp, 0, NULL, on_unlocked, c);
}

static void
on_locked(void *arg, const redisReply *r)
{
	struct rcall *c = arg;
	char text[PROTO_MAX_CTLTEXT + 1], user[PROTO_MAX_USER + 1];
	char safe[PROTO_MAX_USER + 1];
	long long now, until;
	size_t i, off = 0;
	int n = 0, w;

	text[0] = '\0';
	if (failed(c->rp, r) || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 1 ||
	    reply_ll(r->element[0], &now) != 0) {
		c->text_cb(c->arg, -1, "");
		free(c);
		return;
	}
	for (i = 1; i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    reply_ll(r->element[i + 1], &until) != 0 ||
		    open_name(c->rp, r->element[i]->str, r->element[i]->len, user,
		    sizeof(user)) != 0)
			continue;    /* another fleet's, or damaged: not ours */
		log_safe(safe, sizeof(safe), user);
		w = snprintf(text + off, sizeof(text) - off, "%s %lld\n", safe,
		    until > now ? (until - now + 999) / 1000 : 0);
		if (w < 0 || (size_t)w >= sizeof(text) - off) {
			snprintf(text + (off < sizeof(text) - 5 ? off : sizeof(text) - 5),
			    5, "...\n");
			n++;
			break;
		}
		off += (size_t)w;
		n++;
	}
	OPENSSL_cleanse(user, sizeof(user));
	c->text_cb(c->arg, n, text);
	free(c);
}

void
rpolicy_locked(struct rpolicy *rp, rpolicy_text_fn *cb, void *arg)
{
	char key[KEY_MAX];
	const char *kp[1];
	struct rcall *c;

	if ((c = call_new(rp, arg)) == NULL || plain_key(rp, "locks", key) != 0) {
		free(c);
		cb(arg, -1, "");
		return;
	}
	c->text_cb = cb;
	kp[0] = key;
	eval(rp, locked_lua, 1, kp, 0, NULL, on_locked, c);
}

/* For the fuzzer (tests/fuzz/fuzz_redis_reply.c): reply through every
 * parser here; the callbacks check what each may answer. */
static void
fz_reserved(void *arg, int r, uint64_t wait_ms, int kind)
{
	(void)arg;
	if (r < -1 || r > 2 || (r == 2 && (kind < -1 || kind >= LIM_NKINDS)) ||
	    (r > 0 && wait_ms == 0))
		abort();
}

static void
fz_failure(void *arg, long long ms)
{
	(void)arg;
	if (ms < -1)
		abort();
}

static void
fz_pair(void *arg, int r, uint64_t wait_ms)
{
	(void)arg;
	if (r < -1 || r > 1 || (r == 1 && wait_ms == 0))
		abort();
}

static void
fz_text(void *arg, int r, const char *text)
{
	(void)arg;
	if (r < -1 || strlen(text) > PROTO_MAX_CTLTEXT)
		abort();
}

void
rpolicy_parse_all(struct rpolicy *rp, const void *reply)
{
	static rclient_reply_fn *const parsers[] = {
		on_reserved, on_failure, on_unlocked, on_locked, on_pair
	};
	struct rcall *c;
	size_t i;
	int k;

	for (i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if ((c = call_new(rp, NULL)) == NULL)
			return;
		for (k = 0; k < LIM_NKINDS; k++)
			c->kinds[k] = k;
		c->reserve_cb = fz_reserved;
		c->pair_cb = fz_pair;
		c->failure_cb = fz_failure;
		c->text_cb = fz_text;
		parsers[i](c, reply);
	}
}

uint64_t
rpolicy_errors(const struct rpolicy *rp)
{
	return rp->errors;
}

struct rpolicy *
rpolicy_new(const struct config *cfg, struct rclient *rc)
{
	struct rpolicy *rp;

	if (cfg->fleet_key == NULL || (rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->cfg = cfg;
	rp->rc = rc;
	if (fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
	    FLEETKEY_LABEL_NAMES, rp->names_key) != 0 ||
	    fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
	    FLEETKEY_LABEL_LOCKNAMES, rp->seal_key) != 0) {
		rpolicy_free(rp);
		return NULL;
	}
	return rp;
}

void
rpolicy_set_config(struct rpolicy *rp, const struct config *cfg)
{
	rp->cfg = cfg;
}

void
rpolicy_free(struct rpolicy *rp)
{
	if (rp == NULL)
		return;
	OPENSSL_cleanse(rp, sizeof(*rp));
	free(rp);
}
