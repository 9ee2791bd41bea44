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

/* The daemon's entry points, asynchronous because with a shared store
 * (docs/fleet.md) limits and lockouts live in Redis. Each callback is called
 * exactly once, maybe before the call returns. Without policy_share they
 * run the local functions above. */
struct rclient;
/* From now on limits, backoff and lockouts are the fleet's (Redis through
 * rc, keys derived from the fleet key). Redis not answering: refused with
 * PROTO_E_INTERNAL, or with on_failure: local this host's own state
 * decides. 0, or -1 (no memory, no fleet key). */
int policy_share(struct policy *p, struct rclient *rc);

enum { POLICY_HELD_NONE, POLICY_HELD_LOCAL, POLICY_HELD_SHARED };
/* e and retry_after as policy_check_send; held: where the tokens of a send
 * that may go ahead are held, for policy_release. */
typedef void policy_ask_fn(void *arg, int e, unsigned retry_after,
    const char *why, int held);
void policy_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg);
/* sent 1: as policy_sent, 0: as policy_unsent, where held says. */
void policy_release(struct policy *p, const char *user, const char *number,
    int held, int sent);
/* As policy_verified; cb (may be NULL) gets the lockout's seconds or 0. */
typedef void policy_answer_fn(void *arg, unsigned lock_secs);
void policy_answered(struct policy *p, const char *user, int ok,
    policy_answer_fn *cb, void *arg);
/* otpsmsctl unlock (r 1 unlocked, 0 was not locked) and locked (r users,
 * text "USER SECONDS\n" each); r -1: the shared store did not answer. */
typedef void policy_text_fn(void *arg, int r, const char *text);
void policy_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg);
void policy_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg);

/* For otpsmsctl, and the local state behind the functions above. */
int policy_unlock(struct policy *p, const char *user);
size_t policy_locked(struct policy *p, char *out, size_t outsz);
void policy_status(struct policy *p, char *out, size_t outsz);

/* Wall-clock ms; tests may replace the clock. */
uint64_t policy_now(void);
void policy_set_clock(uint64_t (*fn)(void));

#endif
