/* Backup codes shared by a fleet (docs/fleet.md, docs/security.md "Backup
 * codes"): with store: {type: redis}, each user's set is one Redis string
 *   {prefix}k:H  ->  "SALTHEX HASHHEX HASHHEX ..."
 * H the HMAC-SHA-256 of the user name under the fleet's names key (as
 * policy_redis.c's keys), cut to 16 bytes; the value the set's salt and,
 * for each code not used yet, its salted scrypt hash under an HMAC keyed
 * from the fleet key and bound to the user (so a Redis writer cannot plant
 * a code, nor move one between users). Redis never sees a code or a user
 * name. No TTL: a set lasts until it is used up or replaced
 * (backup codes must not expire silently).
 *
 * A check is three steps: the set's salt (GETRANGE), scrypt on this host
 * (backup_kdf.c), then one EVAL that removes that hash if it is still in a
 * set of that salt: two hosts racing on one code see one success. A new
 * set is one SET, so it replaces the old one atomically. Every callback
 * gets r -1 when Redis did not answer: the caller fails closed. */
#ifndef OTPSMS_BACKUP_REDIS_H
#define OTPSMS_BACKUP_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "backup.h"

struct config;
struct rclient;
struct backup_redis;

/* Keys from cfg->fleet_key (required) and its key_prefix (copied); rc
 * outlives it. NULL: no
 * memory or no fleet key. */
struct backup_redis *backup_redis_new(const struct config *cfg,
    struct rclient *rc);
void backup_redis_free(struct backup_redis *br);

/* r: -1 failed; 0 the user has no set; 1 salt holds the set's salt. */
typedef void backup_redis_salt_fn(void *arg, int r,
    const uint8_t salt[BACKUP_SALT_LEN]);
void backup_redis_salt(struct backup_redis *br, const char *user,
    backup_redis_salt_fn *cb, void *arg);

/* r: -1 failed; 0 not in the set (wrong, used, or the set was replaced
 * since its salt was read); 1 removed: left codes remain. */
typedef void backup_redis_use_fn(void *arg, int r, unsigned left);
void backup_redis_use(struct backup_redis *br, const char *user,
    const uint8_t salt[BACKUP_SALT_LEN], const uint8_t h[BACKUP_HASH_LEN],
    backup_redis_use_fn *cb, void *arg);

/* Replaces user's set with set (set->n > 0). r: -1 failed, 0 stored. */
typedef void backup_redis_put_fn(void *arg, int r);
void backup_redis_put(struct backup_redis *br, const struct backup_set *set,
    backup_redis_put_fn *cb, void *arg);

/* The fuzzer's and the unit test's entry: each reply parser on r (a
 * redisReply); returns what the callback would get. */
int backup_redis_parse_salt(const void *reply, uint8_t salt[BACKUP_SALT_LEN]);
int backup_redis_parse_use(const void *reply, unsigned *left);

#endif
