/* Backup codes in the fleet's Redis (backup_redis.h). */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "backup_redis.h"
#include "fleetkey.h"
#include "log.h"
#include "proto.h"
#include "redis_client.h"
#include "util.h"

#define KEY_MAX 160
#define SALT_HEX (2 * BACKUP_SALT_LEN)
#define HASH_HEX (2 * BACKUP_HASH_LEN)
/* "SALT" then " HASH" per code. */
#define VALUE_MAX (SALT_HEX + BACKUP_MAX_N * (1 + HASH_HEX) + 1)

/* KEYS set; ARGV salt hex, hash hex (64). The hash leaves the set only if
 * the set is still the one of that salt: a set replaced between the salt's
 * read and this step is not touched. Spaces are only between fields, so
 * " HASH" matches a whole field. Returns the codes left, or -1. */
static const char use_lua[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if not v or string.sub(v, 1, 32) ~= ARGV[1] then return -1 end "
	"local i = string.find(v, ' ' .. ARGV[2], 33, true) "
	"if not i then return -1 end "
	"v = string.sub(v, 1, i - 1) .. string.sub(v, i + 65) "
	"if #v <= 32 then redis.call('DEL', KEYS[1]) "
	"else redis.call('SET', KEYS[1], v) end "
	"return (#v - 32) / 65";

#define FLEETKEY_LABEL_BACKUP "otpsms backup codes v1"

struct backup_redis {
	char prefix[KEY_MAX];        /* store.key_prefix (restart-only) */
	struct rclient *rc;
	uint8_t names_key[FLEETKEY_OUT];
	uint8_t tag_key[FLEETKEY_OUT];
};

struct bcall {
	backup_redis_salt_fn *salt_cb;
	backup_redis_use_fn *use_cb;
	backup_redis_put_fn *put_cb;
	void *arg;
};

/* {prefix}k:HMAC(names key, "backup" NUL user) into out (KEY_MAX). */
static int
key_for(const struct backup_redis *br, const char *user, char *out)
{
	return fleetkey_name_key(br->names_key, br->prefix, "k:", "backup", user,
	    out, KEY_MAX);
}

/* What Redis holds for a code: HMAC-SHA-256(tag key, "backup" NUL user NUL
 * salt scrypt-hash), in hex. Without the fleet key nobody can write an
 * entry that a code of their choosing matches, nor move one to another
 * user; a reader needs the fleet key even to test a guess. */
static int
tag_hex(const struct backup_redis *br, const char *user,
    const uint8_t salt[BACKUP_SALT_LEN], const uint8_t h[BACKUP_HASH_LEN],
    char out[HASH_HEX + 1])
{
	uint8_t buf[8 + PROTO_MAX_USER + 1 + BACKUP_SALT_LEN + BACKUP_HASH_LEN];
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t ul = strlen(user), n = 0;
	unsigned mdlen = 0;
	int r = -1;

	if (ul > PROTO_MAX_USER)
		goto out;
	memcpy(buf, "backup", 7);    /* with its NUL */
	n = 7;
	memcpy(buf + n, user, ul + 1);
	n += ul + 1;
	memcpy(buf + n, salt, BACKUP_SALT_LEN);
	n += BACKUP_SALT_LEN;
	memcpy(buf + n, h, BACKUP_HASH_LEN);
	n += BACKUP_HASH_LEN;
	if (HMAC(EVP_sha256(), br->tag_key, sizeof(br->tag_key), buf, n, md,
	    &mdlen) == NULL || mdlen != BACKUP_HASH_LEN)
		goto out;
	hex_encode(md, BACKUP_HASH_LEN, out);
	r = 0;
 out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}

static struct bcall *
call_new(void *arg)
{
	struct bcall *c;

	if ((c = calloc(1, sizeof(*c))) != NULL)
		c->arg = arg;
	return c;
}

/* -1 failed, 0 no set, 1 salt read. */
int
backup_redis_parse_salt(const void *reply, uint8_t salt[BACKUP_SALT_LEN])
{
	const redisReply *r = reply;

	memset(salt, 0, BACKUP_SALT_LEN);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		return -1;
	/* GETRANGE of a missing key is "" (and NIL from a proxy). */
	if (r->type == REDIS_REPLY_NIL ||
	    (r->type == REDIS_REPLY_STRING && r->len == 0))
		return 0;
	if (r->type != REDIS_REPLY_STRING || r->len != SALT_HEX ||
	    hex_decode(r->str, r->len, salt, BACKUP_SALT_LEN) != BACKUP_SALT_LEN) {
		memset(salt, 0, BACKUP_SALT_LEN);
		return -1;
	}
	return 1;
}

int
backup_redis_parse_use(const void *reply, unsigned *left)
{
	const redisReply *r = reply;

	*left = 0;
	if (r == NULL || r->type != REDIS_REPLY_INTEGER || r->integer < -1 ||
	    r->integer >= BACKUP_MAX_N)
		return -1;
	if (r->integer == -1)
		return 0;
	*left = (unsigned)r->integer;
	return 1;
}

static void
on_salt(void *arg, const redisReply *r)
{
	struct bcall *c = arg;
	uint8_t salt[BACKUP_SALT_LEN];
	int v = backup_redis_parse_salt(r, salt);

	if (v == -1 && r != NULL && r->type != REDIS_REPLY_ERROR)
		log_err("backup codes: Redis answered a salt out of shape");
	c->salt_cb(c->arg, v, salt);
	explicit_bzero(salt, sizeof(salt));
	free(c);
}

void
backup_redis_salt(struct backup_redis *br, const char *user,
    backup_redis_salt_fn *cb, void *arg)
{
	static const uint8_t none[BACKUP_SALT_LEN];
	char key[KEY_MAX], end[8];
	const char *argv[4];
	struct bcall *c;

	if ((c = call_new(arg)) == NULL || key_for(br, user, key) != 0) {
		free(c);
		cb(arg, -1, none);
		return;
	}
	c->salt_cb = cb;
	snprintf(end, sizeof(end), "%d", SALT_HEX - 1);
	argv[0] = "GETRANGE";
	argv[1] = key;
	argv[2] = "0";
	argv[3] = end;
	rclient_command(br->rc, 4, argv, NULL, on_salt, c);
}

static void
on_used(void *arg, const redisReply *r)
{
	struct bcall *c = arg;
	unsigned left;
	int v = backup_redis_parse_use(r, &left);

	if (v == -1 && r != NULL && r->type != REDIS_REPLY_ERROR)
		log_err("backup codes: Redis answered a check out of range");
	c->use_cb(c->arg, v, left);
	free(c);
}

void
backup_redis_use(struct backup_redis *br, const char *user,
    const uint8_t salt[BACKUP_SALT_LEN], const uint8_t h[BACKUP_HASH_LEN],
    backup_redis_use_fn *cb, void *arg)
{
	char key[KEY_MAX], sx[SALT_HEX + 1], hx[HASH_HEX + 1];
	const char *argv[6];
	struct bcall *c;

	if ((c = call_new(arg)) == NULL || key_for(br, user, key) != 0 ||
	    tag_hex(br, user, salt, h, hx) != 0) {
		free(c);
		cb(arg, -1, 0);
		return;
	}
	c->use_cb = cb;
	hex_encode(salt, BACKUP_SALT_LEN, sx);
	argv[0] = "EVAL";
	argv[1] = use_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = sx;
	argv[5] = hx;
	rclient_command(br->rc, 6, argv, NULL, on_used, c);
	explicit_bzero(hx, sizeof(hx));
}

static void
on_put(void *arg, const redisReply *r)
{
	struct bcall *c = arg;
	int ok = r != NULL && r->type == REDIS_REPLY_STATUS &&
	    strcmp(r->str, "OK") == 0;

	c->put_cb(c->arg, ok ? 0 : -1);
	free(c);
}

void
backup_redis_put(struct backup_redis *br, const struct backup_set *set,
    backup_redis_put_fn *cb, void *arg)
{
	char key[KEY_MAX], val[VALUE_MAX];
	const char *argv[3];
	struct bcall *c = NULL;
	size_t i, off;

	if (set->n == 0 || set->n > BACKUP_MAX_N ||
	    (c = call_new(arg)) == NULL || key_for(br, set->user, key) != 0) {
		free(c);
		cb(arg, -1);
		return;
	}
	c->put_cb = cb;
	hex_encode(set->salt, BACKUP_SALT_LEN, val);
	off = SALT_HEX;
	for (i = 0; i < set->n; i++) {
		val[off++] = ' ';
		if (tag_hex(br, set->user, set->salt, set->hash[i], val + off) != 0) {
			explicit_bzero(val, sizeof(val));
			free(c);
			cb(arg, -1);
			return;
		}
		off += HASH_HEX;
	}
	val[off] = '\0';
	/* SET without EX: no TTL, and the old set's key (and TTL, if an
	 * administrator gave it one) is replaced whole. */
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = val;
	rclient_command(br->rc, 3, argv, NULL, on_put, c);
	explicit_bzero(val, sizeof(val));
}

struct backup_redis *
backup_redis_new(const struct config *cfg, struct rclient *rc)
{
	struct backup_redis *br;

	if (cfg->fleet_key == NULL || (br = calloc(1, sizeof(*br))) == NULL)
		return NULL;
	br->rc = rc;
	if (snprintf(br->prefix, sizeof(br->prefix), "%s",
	    cfg->store.key_prefix) >= (int)sizeof(br->prefix) ||
	    fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
	    FLEETKEY_LABEL_NAMES, br->names_key) != 0 ||
	    fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
	    FLEETKEY_LABEL_BACKUP, br->tag_key) != 0) {
		backup_redis_free(br);
		return NULL;
	}
	return br;
}

void
backup_redis_free(struct backup_redis *br)
{
	if (br == NULL)
		return;
	OPENSSL_cleanse(br, sizeof(*br));
	free(br);
}
