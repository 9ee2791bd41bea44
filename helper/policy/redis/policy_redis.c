/* The fleet's policy (policy_redis.h): policy.h's policy_ops over the
 * scripts of rpolicy.c, deciding what a failure means (on_failure). */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/rand.h>

#include "log.h"
#include "policy.h"
#include "policy_local.h"
#include "policy_redis.h"
#include "proto.h"
#include "ratelimit.h"
#include "rpolicy.h"
#include "util.h"

/* The Redis implementation of policy.h (policy_ops): the fleet's limits,
 * backoff, lockouts and pending counts through the scripts above. It holds a
 * local engine (policy_local.h) for what stays this host's (its counters, a
 * right code forgiving what this host kept alone) and, with on_failure:
 * local, to decide when Redis does not answer. */
struct pshared {
	struct policy pub;       /* pub.priv is this */
	struct rpolicy *rp;
	struct policy *local;
	uint64_t served_locally; /* on_failure: local, while Redis was away */
};

/* A request waiting on Redis. */
struct ask {
	struct pshared *ps;
	policy_ask_fn *ask_cb;
	policy_answer_fn *answer_cb;
	policy_text_fn *text_cb;
	policy_verify_fn *verify_cb;
	policy_pending_fn *pending_cb;
	struct policy_guess *guess;  /* policy_ask_verify's, the caller's */
	uint8_t id[PROTO_ID_LEN];
	unsigned ttl_ms;
	void *arg;
	char user[PROTO_MAX_USER + 1];
	char number[24];
};

static const struct policy_ops shared_ops;

static struct pshared *
PS(struct policy *p)
{
	return p->priv;
}

static uint16_t
jitter(void)
{
	uint16_t j = 0;

	if (getrandom(&j, sizeof(j), GRND_NONBLOCK) != (ssize_t)sizeof(j))
		j = 0;
	return j % 1000;
}

/* Anything to share: with every limit, the backoff and the lockout off, no
 * send asks Redis. */
static int
shared_state(const struct config *cfg)
{
	int k;

	for (k = 0; k < LIM_NKINDS; k++)
		if (cfg->limits.rate[k].count != 0)
			return 1;
	return cfg->limits.backoff_after != 0 || cfg->lockout.failures != 0;
}

static struct ask *
ask_new(struct pshared *ps, const char *user, const char *number, void *arg)
{
	struct ask *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->ps = ps;
	a->arg = arg;
	snprintf(a->user, sizeof(a->user), "%s", user);
	snprintf(a->number, sizeof(a->number), "%s", number != NULL ? number : "");
	return a;
}

static void
ask_free(struct ask *a)
{
	explicit_bzero(a, sizeof(*a));
	free(a);
}

/* Redis did not answer: with on_failure: local, this host decides (and
 * the store's outage line has said so); else the caller fails closed. */
static int
fallback(struct pshared *ps)
{
	if (!ps->pub.cfg->store.fallback_local)
		return 0;
	ps->served_locally++;
	return 1;
}

static void
shared_reserved(void *arg, int r, uint64_t wait_ms, int kind)
{
	struct ask *a = arg;
	struct pshared *ps = a->ps;
	struct policy *l = ps->local;
	unsigned secs = (unsigned)((wait_ms + 999) / 1000);
	char why[64];

	switch (r) {
	case 0:
		a->ask_cb(a->arg, 0, 0, "", POLICY_HELD_SHARED);
		break;
	case 1:
		policy_local_count(l, POLICY_COUNT_REFUSAL);
		a->ask_cb(a->arg, PROTO_E_LOCKED, secs, "locked out after wrong "
		    "codes", POLICY_HELD_NONE);
		break;
	case 2:
		policy_local_count(l, POLICY_COUNT_REFUSAL);
		snprintf(why, sizeof(why), "%s limit", kind < 0 ? "backoff" :
		    limit_kind_name((enum limit_kind)kind));
		a->ask_cb(a->arg, PROTO_E_RATE, secs, why, POLICY_HELD_NONE);
		break;
	default:
		if (fallback(ps))
			l->ops->ask_send(l, a->user, a->number, a->ask_cb, a->arg);
		else
			a->ask_cb(a->arg, PROTO_E_INTERNAL, 0, "shared limits "
			    "unavailable", POLICY_HELD_NONE);
		break;
	}
	ask_free(a);
}

static void
shared_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg)
{
	struct pshared *ps = PS(p);
	struct ask *a;
	char why[128];

	/* Nothing to share: no round trip to Redis. */
	if (!shared_state(p->cfg)) {
		ps->local->ops->ask_send(ps->local, user, number, cb, arg);
		return;
	}
	/* The country policy is this host's configuration, not state. */
	if (!country_allowed(&p->cfg->countries, number, why, sizeof(why))) {
		policy_local_count(ps->local, POLICY_COUNT_REFUSAL);
		cb(arg, PROTO_E_NUMBER, 0, why, POLICY_HELD_NONE);
		return;
	}
	if ((a = ask_new(ps, user, number, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0, "out of memory", POLICY_HELD_NONE);
		return;
	}
	a->ask_cb = cb;
	rpolicy_reserve(ps->rp, user, number, shared_reserved, a);
}

static void
shared_release(struct policy *p, const char *user, const char *number,
    int held, int sent)
{
	struct pshared *ps = PS(p);

	if (held != POLICY_HELD_SHARED) {
		ps->local->ops->release(ps->local, user, number, held, sent);
		return;
	}
	if (sent) {
		rpolicy_delivered(ps->rp, user, jitter());
		policy_local_count(ps->local, POLICY_COUNT_SEND);
	} else
		rpolicy_refund(ps->rp, user, number);
}

static void
shared_guessed(void *arg, int r, uint64_t wait_ms)
{
	struct ask *a = arg;
	struct pshared *ps = a->ps;
	struct policy *l = ps->local;

	switch (r) {
	case 0:
		a->guess->held = POLICY_HELD_SHARED;
		a->verify_cb(a->arg, 0, 0);
		break;
	case 1:
		policy_local_count(l, POLICY_COUNT_REFUSAL);
		a->verify_cb(a->arg, PROTO_E_LOCKED,
		    (unsigned)((wait_ms + 999) / 1000));
		break;
	default:
		if (fallback(ps))
			l->ops->ask_verify(l, a->user, a->guess, a->verify_cb,
			    a->arg);
		else
			a->verify_cb(a->arg, PROTO_E_INTERNAL, 0);
		break;
	}
	ask_free(a);
}

static void
shared_ask_verify(struct policy *p, const char *user, struct policy_guess *g,
    policy_verify_fn *cb, void *arg)
{
	struct pshared *ps = PS(p);
	uint8_t rnd[POLICY_TOKEN_LEN / 2];
	struct ask *a;

	memset(g, 0, sizeof(*g));
	if (p->cfg->lockout.failures == 0) {
		ps->local->ops->ask_verify(ps->local, user, g, cb, arg);
		return;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    (a = ask_new(ps, user, NULL, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0);
		return;
	}
	hex_encode(rnd, sizeof(rnd), g->token);
	a->verify_cb = cb;
	a->guess = g;
	rpolicy_guess(ps->rp, user, g->token, shared_guessed, a);
}

/* g's Redis token (or "") into token; a guess held there is let go. */
static void
take_token(struct policy_guess *g, char token[POLICY_TOKEN_LEN + 1])
{
	token[0] = '\0';
	if (g == NULL || g->held != POLICY_HELD_SHARED)
		return;
	memcpy(token, g->token, POLICY_TOKEN_LEN + 1);
	g->held = POLICY_HELD_NONE;
}

static void
shared_failed(void *arg, long long lock_ms)
{
	struct ask *a = arg;
	struct pshared *ps = a->ps;
	char safe[PROTO_MAX_USER + 1];
	unsigned s = 0;

	if (lock_ms > 0) {
		policy_local_count(ps->local, POLICY_COUNT_LOCK);
		s = (unsigned)((lock_ms + 999) / 1000);
	} else if (lock_ms < 0) {
		if (fallback(ps))
			s = policy_verified(ps->local, a->user, 0);
		else {
			log_safe(safe, sizeof(safe), a->user);
			log_err("a wrong code for user %s could not be counted: the "
			    "shared store did not answer", safe);
		}
	}
	if (a->answer_cb != NULL)
		a->answer_cb(a->arg, s);
	ask_free(a);
}

static void
shared_answered(struct policy *p, const char *user, int ok,
    struct policy_guess *g, policy_answer_fn *cb, void *arg)
{
	struct pshared *ps = PS(p);
	char token[POLICY_TOKEN_LEN + 1];
	struct ask *a;

	take_token(g, token);
	if (ok) {
		if (shared_state(p->cfg))
			rpolicy_success(ps->rp, user, token);
		/* A right code also forgives what this host kept alone. */
		ps->local->ops->answered(ps->local, user, 1, g, cb, arg);
		return;
	}
	/* A guess this host held (Redis was away when it was asked). */
	ps->local->ops->unchecked(ps->local, user, g);
	if ((a = ask_new(ps, user, NULL, arg)) == NULL) {
		if (token[0] != '\0')
			rpolicy_unguess(ps->rp, user, token);
		if (cb != NULL)
			cb(arg, fallback(ps) ?
			    policy_verified(ps->local, user, 0) : 0);
		return;
	}
	a->answer_cb = cb;
	/* The failure is counted and the guess let go in one step: no
	 * moment when another guess could slip between the two. */
	rpolicy_failure(ps->rp, user, token, shared_failed, a);
}

static void
shared_unchecked(struct policy *p, const char *user, struct policy_guess *g)
{
	struct pshared *ps = PS(p);
	char token[POLICY_TOKEN_LEN + 1];

	take_token(g, token);
	if (token[0] != '\0')
		rpolicy_unguess(ps->rp, user, token);
	else
		ps->local->ops->unchecked(ps->local, user, g);
}

static void
shared_pending_added(void *arg, int r, uint64_t wait_ms)
{
	struct ask *a = arg;
	struct pshared *ps = a->ps;
	struct policy *l = ps->local;

	switch (r) {
	case 0:
		a->pending_cb(a->arg, 0, 0);
		break;
	case 1:
		policy_local_count(l, POLICY_COUNT_REFUSAL);
		a->pending_cb(a->arg, PROTO_E_RATE,
		    (unsigned)((wait_ms + 999) / 1000));
		break;
	default:
		if (fallback(ps))
			l->ops->add_pending(l, a->user, a->id, a->ttl_ms,
			    a->pending_cb, a->arg);
		else
			a->pending_cb(a->arg, PROTO_E_INTERNAL, 0);
		break;
	}
	ask_free(a);
}

static void
shared_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg)
{
	struct pshared *ps = PS(p);
	struct ask *a;

	if (p->cfg->limits.pending == 0) {
		cb(arg, 0, 0);
		return;
	}
	if ((a = ask_new(ps, user, NULL, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0);
		return;
	}
	a->pending_cb = cb;
	memcpy(a->id, id, PROTO_ID_LEN);
	a->ttl_ms = ttl_ms;
	rpolicy_pending(ps->rp, user, id, p->cfg->limits.pending, ttl_ms,
	    shared_pending_added, a);
}

/* Counted on Redis, or here during an outage: dropped from both. */
static void
shared_drop_pending(struct policy *p, const char *user, const uint8_t *id)
{
	struct pshared *ps = PS(p);

	if (p->cfg->limits.pending == 0)
		return;
	ps->local->ops->drop_pending(ps->local, user, id);
	rpolicy_pending_drop(ps->rp, user, id);
}

static void
shared_unlocked(void *arg, int r, const char *text)
{
	struct ask *a = arg;

	(void)text;
	/* Also what this host kept alone during an outage. */
	if (policy_unlock(a->ps->local, a->user) && r == 0)
		r = 1;
	a->text_cb(a->arg, r, "");
	ask_free(a);
}

static void
shared_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg)
{
	struct ask *a;

	if ((a = ask_new(PS(p), user, NULL, arg)) == NULL) {
		cb(arg, -1, "");
		return;
	}
	a->text_cb = cb;
	rpolicy_unlock(PS(p)->rp, user, shared_unlocked, a);
}

static void
shared_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg)
{
	rpolicy_locked(PS(p)->rp, cb, arg);
}

static void
shared_status(struct policy *p, char *out, size_t outsz)
{
	struct pshared *ps = PS(p);
	size_t n;

	snprintf(out, outsz, "limits and lockouts: shared through the store "
	    "(%llu request(s) unanswered, %llu decided by this host alone)\n",
	    (unsigned long long)rpolicy_errors(ps->rp),
	    (unsigned long long)ps->served_locally);
	n = strlen(out);
	ps->local->ops->status(ps->local, out + n, outsz - n);
}

/* Counted here too (policy_local_count), whoever decided. */
static void
shared_counters(struct policy *p, struct policy_counters *out)
{
	policy_counters(PS(p)->local, out);
}

static void
shared_free(struct policy *p)
{
	struct pshared *ps = PS(p);

	rpolicy_free(ps->rp);
	policy_free(ps->local);
	free(ps);
}

struct policy *
policy_redis_new(struct policy *local, struct rclient *rc)
{
	struct pshared *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	if ((ps->rp = rpolicy_new(local->cfg, rc)) == NULL) {
		free(ps);
		return NULL;
	}
	ps->pub.ops = &shared_ops;
	ps->pub.cfg = local->cfg;
	ps->pub.priv = ps;
	ps->local = local;
	return &ps->pub;
}

/* The scripts read their limits from rp->cfg on each call; the local engine
 * takes the new ones too. store: cannot change (the key prefix stays). */
static void
shared_reconfigure(struct policy *p, const struct config *cfg)
{
	struct pshared *ps = PS(p);

	policy_reconfigure(ps->local, cfg);
	rpolicy_set_config(ps->rp, cfg);
}

static const struct policy_ops shared_ops = {
	.name = "redis",
	.ask_send = shared_ask_send,
	.release = shared_release,
	.ask_verify = shared_ask_verify,
	.answered = shared_answered,
	.unchecked = shared_unchecked,
	.add_pending = shared_add_pending,
	.drop_pending = shared_drop_pending,
	.ctl_unlock = shared_ctl_unlock,
	.ctl_locked = shared_ctl_locked,
	.status = shared_status,
	.free = shared_free,
	.reconfigure = shared_reconfigure,
	.counters = shared_counters,
};
