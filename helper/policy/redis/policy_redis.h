/* Limits, backoff and lockouts shared by a fleet through Redis (docs/fleet.md):
 * the same rules as ratelimit.c and lockout.c, each step one Lua script so
 * that hosts racing on one user spend one bucket. Only keyed hashes of
 * users, numbers and prefixes go to Redis; the names of locked users (for
 * otpsmsctl locked) are sealed under a key derived from the fleet key. The
 * clock is Redis's (TIME), one for the whole fleet. policy_redis_new's
 * policy decides what a failure means (on_failure); the rpolicy_* callbacks
 * get -1 for "Redis did not answer" (rpolicy.h). */
#ifndef OTPSMS_POLICY_REDIS_H
#define OTPSMS_POLICY_REDIS_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct policy;
struct rclient;

/* The fleet's policy (policy.h's interface) over rc, which must outlive it:
 * it takes local (policy_local_new's) for this host's counters and for
 * on_failure: local, and frees it with itself. NULL (local still the
 * caller's): no memory, no fleet key. */
struct policy *policy_redis_new(struct policy *local, struct rclient *rc);

#endif
