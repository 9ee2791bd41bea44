/* The daemon's abuse policy in one place: country policy, send limits and
 * backoff, lockout, and their persistence in state_dir. challenge.c asks it
 * before a code is made and tells it what happened; control.c reads it. */
#ifndef OTPSMS_POLICY_H
#define OTPSMS_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct policy;

/* Call once privileges are dropped (the state is the daemon user's). With
 * an explicit state_dir that cannot be used it fails (NULL, err); with the
 * default one it keeps the state in memory only and says so in warn. A
 * corrupt state file is reported in warn and replaced. */
struct policy *policy_new(const struct config *cfg, char *err, size_t errsz,
    char *warn, size_t warnsz);
void policy_free(struct policy *p);

/* Before a code is made for user at number: 0 to go ahead, else the
 * PROTO_E_* to answer (LOCKED, RATE, NUMBER), with *retry_after seconds and
 * a log-safe reason in why. Costs nothing when it refuses. When it lets the
 * send go ahead it holds one token of each limit for it at once (concurrent
 * requests cannot all pass before the first send is counted): exactly one
 * of policy_sent or policy_unsent must follow. */
int policy_check_send(struct policy *p, const char *user, const char *number,
    unsigned *retry_after, char *why, size_t whysz);
/* A carrier accepted the code: the tokens stay spent, the backoff advances. */
void policy_sent(struct policy *p, const char *user, const char *number);
/* Nothing went out (no carrier accepted, a pending code was reused, an
 * error): the tokens go back. */
void policy_unsent(struct policy *p, const char *user, const char *number);
/* A verification ended: ok 1 right code, 0 wrong. Returns the seconds of
 * lockout this answer caused, or 0. */
unsigned policy_verified(struct policy *p, const char *user, int ok);

/* For otpsmsctl. */
int policy_unlock(struct policy *p, const char *user);
size_t policy_locked(struct policy *p, char *out, size_t outsz);
void policy_status(struct policy *p, char *out, size_t outsz);

/* Wall-clock ms; tests may replace the clock. */
uint64_t policy_now(void);
void policy_set_clock(uint64_t (*fn)(void));

#endif
