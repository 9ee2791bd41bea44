/* The daemon's abuse policy in one place: country policy, send limits and
 * backoff, lockout, and their persistence in state_dir. challenge.c asks it
 * before a code is made and tells it what happened; control.c reads it. */
#ifndef OTPSMS_POLICY_H
#define OTPSMS_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct policy;

/* Where a held token or guess is: nowhere, this host, the fleet's Redis. */
enum { POLICY_HELD_NONE, POLICY_HELD_LOCAL, POLICY_HELD_SHARED };

/* One guess of a user's lockout budget, held while a code is checked
 * (policy_ask_verify), given back by policy_answered or policy_unchecked. */
#define POLICY_TOKEN_LEN 32
struct policy_guess {
	int held;                        /* POLICY_HELD_* */
	char token[POLICY_TOKEN_LEN + 1];    /* its name in Redis (random hex) */
};

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

/* e and retry_after as policy_check_send; held: where the tokens of a send
 * that may go ahead are held, for policy_release. */
typedef void policy_ask_fn(void *arg, int e, unsigned retry_after,
    const char *why, int held);
void policy_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg);
/* sent 1: as policy_sent, 0: as policy_unsent, where held says. */
void policy_release(struct policy *p, const char *user, const char *number,
    int held, int sent);
/* Before a code is checked: e 0 to go ahead, holding one guess in g; else
 * PROTO_E_LOCKED with retry_after (the user is locked, or the wrong codes
 * in the window plus the guesses being checked, on every host, reach
 * lockout.failures), or PROTO_E_INTERNAL (Redis did not answer, on_failure:
 * closed). Exactly one of policy_answered or policy_unchecked must follow a
 * held guess. */
typedef void policy_verify_fn(void *arg, int e, unsigned retry_after);
void policy_ask_verify(struct policy *p, const char *user,
    struct policy_guess *g, policy_verify_fn *cb, void *arg);
/* As policy_verified, giving back g; cb (may be NULL) gets the lockout's
 * seconds or 0. */
typedef void policy_answer_fn(void *arg, unsigned lock_secs);
void policy_answered(struct policy *p, const char *user, int ok,
    struct policy_guess *g, policy_answer_fn *cb, void *arg);
/* The code was not checked (unknown or expired challenge, store error): g
 * goes back, nothing counted. */
void policy_unchecked(struct policy *p, const char *user,
    struct policy_guess *g);
/* A new code for user, id PROTO_ID_LEN bytes, pending for ttl_ms: e 0 to
 * go ahead (counted as pending until policy_drop_pending or the ttl), else
 * PROTO_E_RATE with retry_after (limits.pending codes are pending already,
 * on every host) or PROTO_E_INTERNAL. */
typedef void policy_pending_fn(void *arg, int e, unsigned retry_after);
void policy_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg);
/* The code is gone (used, burned, never stored). */
void policy_drop_pending(struct policy *p, const char *user, const uint8_t *id);
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
