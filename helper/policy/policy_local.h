/* The local engine behind policy.h: country policy, token buckets and
 * backoff (ratelimit.c), lockout (lockout.c) and their state file in
 * state_dir (statefile.c). It answers before returning. The synchronous
 * steps below are what the ops are made of; the Redis policy uses them for
 * what stays this host's and for on_failure: local, the tests to drive the
 * engine directly. */
#ifndef OTPSMS_POLICY_LOCAL_H
#define OTPSMS_POLICY_LOCAL_H

#include <stddef.h>

#include "policy.h"

/* Call once privileges are dropped (the state is the daemon user's). With
 * an explicit state_dir that cannot be used it fails (NULL, err); with the
 * default one it keeps the state in memory only and says so in warn. A
 * corrupt state file is reported in warn and replaced. */
struct policy *policy_local_new(const struct config *cfg, char *err,
    size_t errsz, char *warn, size_t warnsz);

/* Before a code is made for user at number: 0 to go ahead, else the
 * PROTO_E_* to answer (LOCKED, RATE, NUMBER), with *retry_after seconds and
 * a log-safe reason in why. When it lets the send go ahead it holds one
 * token of each limit: exactly one of policy_sent or policy_unsent must
 * follow. */
int policy_check_send(struct policy *p, const char *user, const char *number,
    unsigned *retry_after, char *why, size_t whysz);
/* A carrier accepted the code: the tokens stay spent, the backoff advances. */
void policy_sent(struct policy *p, const char *user, const char *number);
/* Nothing went out: the tokens go back. */
void policy_unsent(struct policy *p, const char *user, const char *number);
/* A verification ended: ok 1 right code, 0 wrong. Returns the seconds of
 * lockout this answer caused, or 0. */
unsigned policy_verified(struct policy *p, const char *user, int ok);
/* otpsmsctl unlock: 1 the user was locked, else 0. */
int policy_unlock(struct policy *p, const char *user);
/* What the fleet's policy decided counts in this host's status too. */
enum policy_count { POLICY_COUNT_SEND, POLICY_COUNT_REFUSAL, POLICY_COUNT_LOCK };
void policy_local_count(struct policy *p, enum policy_count what);

#endif
