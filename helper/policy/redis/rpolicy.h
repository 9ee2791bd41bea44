/* The fleet's limits, backoff and lockouts on Redis, one Lua script per
 * step (the .lua files beside it, embedded at build time
 * as policy_redis_lua.h): keys are keyed hashes, the clock is Redis's. The
 * policy (policy_redis.c) decides what a failure means; each callback gets
 * -1 for "Redis did not answer". */
#ifndef OTPSMS_RPOLICY_H
#define OTPSMS_RPOLICY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct rclient;
struct rpolicy;

/* Keys from cfg->fleet_key (required). NULL: no memory or no fleet key. */
struct rpolicy *rpolicy_new(const struct config *cfg, struct rclient *rc);
void rpolicy_free(struct rpolicy *rp);
/* A reload: the limits and lockout of cfg (its fleet key and store are the
 * old ones: they need a restart). */
void rpolicy_set_config(struct rpolicy *rp, const struct config *cfg);

/* r: -1 failed; 0 go ahead (one token of each limit taken); 1 locked;
 * 2 limited. wait_ms is how long, kind the limit (LIM_*), or -1 for the
 * backoff. */
typedef void rpolicy_reserve_fn(void *arg, int r, uint64_t wait_ms, int kind);
void rpolicy_reserve(struct rpolicy *rp, const char *user, const char *number,
    rpolicy_reserve_fn *cb, void *arg);
/* Nothing went out: the tokens go back. */
void rpolicy_refund(struct rpolicy *rp, const char *user, const char *number);
/* A code went out: the backoff advances (jitter 0..999). */
void rpolicy_delivered(struct rpolicy *rp, const char *user, unsigned jitter);
/* r: -1 failed; 0 go ahead; 1 not now, for wait_ms. */
typedef void rpolicy_pair_fn(void *arg, int r, uint64_t wait_ms);
/* Before a code is checked: 1 when the user is locked, or the fleet's
 * wrong codes in the window plus guesses in flight reach the failures;
 * else the guess token (hex) is held, for at most RPOLICY_GUESS_HOLD_MS. */
#define RPOLICY_GUESS_HOLD_MS (60 * 1000)
void rpolicy_guess(struct rpolicy *rp, const char *user, const char *token,
    rpolicy_pair_fn *cb, void *arg);
/* The code was not checked: the guess goes back. */
void rpolicy_unguess(struct rpolicy *rp, const char *user, const char *token);
/* A right code: failures and backoff are forgiven; token ("" none) goes
 * back. */
void rpolicy_success(struct rpolicy *rp, const char *user, const char *token);
/* A wrong code, token ("" none) given back in the same step: lock_ms > 0
 * when this one locked the user, -1 failed. */
typedef void rpolicy_failure_fn(void *arg, long long lock_ms);
void rpolicy_failure(struct rpolicy *rp, const char *user, const char *token,
    rpolicy_failure_fn *cb, void *arg);
/* A new code id (PROTO_ID_LEN bytes) for user, pending ttl_ms: 1 when cap
 * codes are pending already (wait_ms until the first expires). */
void rpolicy_pending(struct rpolicy *rp, const char *user, const uint8_t *id,
    unsigned cap, unsigned ttl_ms, rpolicy_pair_fn *cb, void *arg);
/* The code id is gone (used or burned). */
void rpolicy_pending_drop(struct rpolicy *rp, const char *user,
    const uint8_t *id);
/* otpsmsctl: r -1 failed; unlock: 1 if locked or had failures, else 0;
 * locked: how many, text "USER SECONDS\n" per user. */
typedef void rpolicy_text_fn(void *arg, int r, const char *text);
void rpolicy_unlock(struct rpolicy *rp, const char *user, rpolicy_text_fn *cb,
    void *arg);
void rpolicy_locked(struct rpolicy *rp, rpolicy_text_fn *cb, void *arg);
/* The fuzzer's entry: reply (a redisReply) through every parser here;
 * aborts on an answer out of range. rc may be NULL. */
void rpolicy_parse_all(struct rpolicy *rp, const void *reply);
/* Requests that got no answer so far. */
uint64_t rpolicy_errors(const struct rpolicy *rp);

#endif
