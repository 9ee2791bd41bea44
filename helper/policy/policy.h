/* The daemon's abuse policy in one place: country policy, send limits and
 * backoff, lockout, and their persistence in state_dir (or on the fleet's
 * Redis). challenge.c asks it before a code is made and tells it what
 * happened; verify.c before a code is checked; control.c reads it. */
#ifndef OTPSMS_POLICY_H
#define OTPSMS_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct config;

/* Where a held token or guess is: nowhere, this host, the fleet's Redis. */
enum { POLICY_HELD_NONE, POLICY_HELD_LOCAL, POLICY_HELD_SHARED };

/* One guess of a user's lockout budget, held while a code is checked
 * (policy_ask_verify), given back by policy_answered or policy_unchecked. */
#define POLICY_TOKEN_LEN 32
struct policy_guess {
	int held;                        /* POLICY_HELD_* */
	char token[POLICY_TOKEN_LEN + 1];    /* its name in Redis (random hex) */
};

/* The daemon's abuse policy behind one asynchronous interface, like the
 * store's (store.h): each callback is called exactly once, maybe before the
 * call returns. Two implementations: the local engine (policy_local.h: limits,
 * lockout, state file; answers before returning) and the fleet's on Redis
 * (policy_redis.h), which holds a local one for what stays this host's
 * (country policy, counters) and for on_failure: local. */
struct policy;

/* e: 0 to go ahead, else the PROTO_E_* to answer (LOCKED, RATE, NUMBER,
 * INTERNAL), with retry_after seconds and a log-safe reason in why. held:
 * where the tokens of a send that may go ahead are held, for
 * policy_release. Costs nothing when it refuses. */
typedef void policy_ask_fn(void *arg, int e, unsigned retry_after,
    const char *why, int held);
typedef void policy_verify_fn(void *arg, int e, unsigned retry_after);
typedef void policy_answer_fn(void *arg, unsigned lock_secs);
typedef void policy_pending_fn(void *arg, int e, unsigned retry_after);
/* otpsmsctl unlock (r 1 unlocked, 0 was not locked) and locked (r users,
 * text "USER SECONDS\n" each); r -1: the shared store did not answer. */
typedef void policy_text_fn(void *arg, int r, const char *text);

/* The counters otpsmsctl status shows, for the metrics: this host's. */
struct policy_counters {
	uint64_t sends;          /* codes a carrier accepted */
	uint64_t refusals;       /* sends and guesses refused */
	uint64_t locks;          /* lockouts begun */
	uint64_t locked;         /* users locked out now */
};

struct policy_ops {
	const char *name;
	void (*ask_send)(struct policy *p, const char *user, const char *number,
	    policy_ask_fn *cb, void *arg);
	void (*release)(struct policy *p, const char *user, const char *number,
	    int held, int sent);
	void (*ask_verify)(struct policy *p, const char *user,
	    struct policy_guess *g, policy_verify_fn *cb, void *arg);
	void (*answered)(struct policy *p, const char *user, int ok,
	    struct policy_guess *g, policy_answer_fn *cb, void *arg);
	void (*unchecked)(struct policy *p, const char *user,
	    struct policy_guess *g);
	void (*add_pending)(struct policy *p, const char *user,
	    const uint8_t *id, unsigned ttl_ms, policy_pending_fn *cb, void *arg);
	void (*drop_pending)(struct policy *p, const char *user,
	    const uint8_t *id);
	void (*ctl_unlock)(struct policy *p, const char *user,
	    policy_text_fn *cb, void *arg);
	void (*ctl_locked)(struct policy *p, policy_text_fn *cb, void *arg);
	void (*status)(struct policy *p, char *out, size_t outsz);
	void (*free)(struct policy *p);
	/* A reload: cfg replaces p->cfg; counts, lockouts, backoffs and
	 * pending codes are kept (NULL: only p->cfg changes). */
	void (*reconfigure)(struct policy *p, const struct config *cfg);
	void (*counters)(struct policy *p, struct policy_counters *out);
	/* otpsmsctl user (NULL: not shown): see policy_ctl_user. */
	void (*ctl_user)(struct policy *p, const char *user,
	    const char *const *numbers, size_t n, policy_text_fn *cb, void *arg);
};

struct policy {
	const struct policy_ops *ops;
	const struct config *cfg;
	void *priv;
};

/* The daemon's entry points: each is p->ops's. */

/* Before a code is made for user at number. When it lets the send go ahead
 * it holds one token of each limit for it at once (concurrent requests
 * cannot all pass before the first send is counted): policy_release must
 * follow. */
void policy_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg);
/* sent 1: a carrier accepted the code, the tokens stay spent and the
 * backoff advances; 0: nothing went out (no carrier accepted, a pending code
 * was reused, an error), the tokens go back. held: as policy_ask_fn's. */
void policy_release(struct policy *p, const char *user, const char *number,
    int held, int sent);
/* Before a code is checked: e 0 to go ahead, holding one guess in g; else
 * PROTO_E_LOCKED with retry_after (the user is locked, or the wrong codes
 * in the window plus the guesses being checked, on every host, reach
 * lockout.failures), or PROTO_E_INTERNAL (Redis did not answer, on_failure:
 * closed). Exactly one of policy_answered or policy_unchecked must follow a
 * held guess. */
void policy_ask_verify(struct policy *p, const char *user,
    struct policy_guess *g, policy_verify_fn *cb, void *arg);
/* A verification ended (ok 1 right code, 0 wrong), giving back g; cb (may
 * be NULL) gets the seconds of lockout this answer caused, or 0. */
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
void policy_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg);
/* The code is gone (used, burned, never stored). */
void policy_drop_pending(struct policy *p, const char *user, const uint8_t *id);
void policy_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg);
void policy_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg);
/* otpsmsctl user: what the policy holds on user and its numbers (n at most
 * USER_NUMBERS_MAX), as text lines (numbers named "number I", 1-based,
 * never spelt): cb's r 0, or -1 (the shared store did not answer). Changes
 * nothing. */
void policy_ctl_user(struct policy *p, const char *user,
    const char *const *numbers, size_t n, policy_text_fn *cb, void *arg);
/* otpsmsctl status: the policy's lines. */
void policy_status(struct policy *p, char *out, size_t outsz);
/* The metrics' share of it (the same counters as policy_status). */
void policy_counters(struct policy *p, struct policy_counters *out);
void policy_free(struct policy *p);
/* A reload (policy_ops.reconfigure). cfg must outlive its use here. */
void policy_reconfigure(struct policy *p, const struct config *cfg);

/* Wall-clock ms; tests may replace the clock. */
uint64_t policy_now(void);
void policy_set_clock(uint64_t (*fn)(void));

#endif
