/* Limit tokens are taken when a send is allowed, not when it completes:
 * requests that overlap (each waiting for its carrier) cannot all pass the
 * check before the first send is counted. A send that went nowhere gives its
 * tokens back. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "ratelimit.h"
#include "policy_local.h"
#include "policy_redis.h"
/* By path: "config.h" alone is autoconf's header in the build dir. */
#include "conf.h"
#include "tap.h"

#define MIN (60 * 1000ULL)
#define T0 1700000000000ULL

static uint64_t fake_now = T0;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static struct limits_conf
per_user(unsigned count)
{
	struct limits_conf lc;
	int k;

	memset(&lc, 0, sizeof(lc));
	for (k = 0; k < LIM_NKINDS; k++)
		lc.rate[k].count = 0;
	lc.rate[LIM_USER] = (struct rate){ count, 10 * MIN };
	return lc;
}

static void
test_limits_reserve(void)
{
	struct limits_conf lc = per_user(3);
	struct limits *l = limits_new(&lc);
	const char *why;
	unsigned i, passed = 0;

	/* Ten requests arrive together; none has been sent yet. */
	for (i = 0; i < 10; i++)
		if (limits_reserve(l, "alice", "+447700900123", T0, &why) == 0)
			passed++;
	is_int(passed, 3, "10 overlapping requests, per_user 3: 3 pass");
	ok(limits_reserve(l, "alice", "+447700900123", T0, &why) != 0 &&
	    why != NULL && strcmp(why, "per_user") == 0, "the next is refused: per_user");
	/* Two of them found no carrier: their tokens come back. */
	limits_refund(l, "alice", "+447700900123", T0);
	limits_refund(l, "alice", "+447700900123", T0);
	ok(limits_reserve(l, "alice", "+447700900123", T0, &why) == 0,
	    "a refunded token can be taken again");
	ok(limits_reserve(l, "alice", "+447700900123", T0, &why) == 0,
	    "... both of them");
	ok(limits_reserve(l, "alice", "+447700900123", T0, &why) != 0,
	    "... and no more");
	/* Refunds never fill a bucket beyond full. */
	for (i = 0; i < 10; i++)
		limits_refund(l, "alice", "+447700900123", T0);
	passed = 0;
	for (i = 0; i < 10; i++)
		if (limits_reserve(l, "alice", "+447700900123", T0, &why) == 0)
			passed++;
	is_int(passed, 3, "ten refunds: still a bucket of 3");
	/* A refund for a key never seen (a bucket forgotten) is harmless. */
	limits_refund(l, "bob", "+447700900124", T0);
	ok(limits_reserve(l, "bob", "+447700900124", T0, &why) == 0,
	    "refund of an unknown key: nothing breaks");
	limits_free(l);

	/* Delivered: the backoff advances, the token stays spent. */
	lc = per_user(2);
	lc.backoff_after = 1;
	lc.backoff_max_ms = 15 * MIN;
	l = limits_new(&lc);
	ok(limits_reserve(l, "carol", "+447700900125", T0, &why) == 0,
	    "carol: reserved");
	limits_note_delivered(l, "carol", T0, 0);
	ok(limits_check(l, "carol", "+447700900125", T0, &why) != 0 &&
	    strcmp(why, "backoff") == 0, "delivered: backoff counts it");
	limits_note_verified(l, "carol");
	ok(limits_reserve(l, "carol", "+447700900125", T0, &why) == 0,
	    "verified: second token");
	ok(limits_reserve(l, "carol", "+447700900125", T0, &why) != 0 &&
	    strcmp(why, "per_user") == 0, "delivered tokens stay spent");
	limits_free(l);
}

static void
test_policy_reserve(void)
{
	struct config cfg;
	struct policy *p;
	char err[256], warn[512], why[128];
	unsigned retry, i, passed = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.limits = per_user(2);
	lockout_conf_default(&cfg.lockout);
	policy_set_clock(fake_clock);
	if ((p = policy_local_new(&cfg, err, sizeof(err), warn, sizeof(warn))) == NULL) {
		ok(0, "policy_local_new: %s", err);
		return;
	}
	for (i = 0; i < 5; i++)
		if (policy_check_send(p, "dave", "+447700900126", &retry, why,
		    sizeof(why)) == 0)
			passed++;
	is_int(passed, 2, "policy: 5 overlapping checks, per_user 2: 2 pass");
	is_int(policy_check_send(p, "dave", "+447700900126", &retry, why, sizeof(why)),
	    PROTO_E_RATE, "the next: PROTO_E_RATE");
	ok(retry >= 1, "... with a retry_after (%u s)", retry);
	/* One went out, one found no carrier. */
	policy_sent(p, "dave", "+447700900126");
	policy_unsent(p, "dave", "+447700900126");
	is_int(policy_check_send(p, "dave", "+447700900126", &retry, why, sizeof(why)),
	    0, "the unsent one's token is back");
	is_int(policy_check_send(p, "dave", "+447700900126", &retry, why, sizeof(why)),
	    PROTO_E_RATE, "the sent one's is not");
	fake_now += 5 * MIN;
	is_int(policy_check_send(p, "dave", "+447700900126", &retry, why, sizeof(why)),
	    0, "half a window later: one token refilled");
	policy_free(p);
	policy_set_clock(NULL);
}

/* The daemon's asynchronous interface (policy.h) on the local engine: each
 * answer comes before the call returns, through the ops table. */
struct got {
	int n, e, held;
	unsigned retry;
};

static void
got_ask(void *arg, int e, unsigned retry, const char *why, int held)
{
	struct got *g = arg;

	(void)why;
	g->n++;
	g->e = e;
	g->retry = retry;
	g->held = held;
}

static void
got_verify(void *arg, int e, unsigned retry)
{
	struct got *g = arg;

	g->n++;
	g->e = e;
	g->retry = retry;
}

static void
got_answer(void *arg, unsigned lock_secs)
{
	struct got *g = arg;

	g->n++;
	g->retry = lock_secs;
}

static void
test_policy_ops(void)
{
	static const uint8_t id[PROTO_ID_LEN];
	struct policy_guess guess;
	struct config cfg;
	struct policy *p;
	struct got g;
	char err[256], warn[512];

	memset(&cfg, 0, sizeof(cfg));
	cfg.limits = per_user(1);
	lockout_conf_default(&cfg.lockout);
	cfg.lockout.failures = 1;
	policy_set_clock(fake_clock);
	if ((p = policy_local_new(&cfg, err, sizeof(err), warn, sizeof(warn))) == NULL) {
		ok(0, "policy_local_new: %s", err);
		return;
	}
	ok(p->ops != NULL && strcmp(p->ops->name, "local") == 0,
	    "the local engine is a policy_ops implementation");
	memset(&g, 0, sizeof(g));
	policy_ask_send(p, "erin", "+447700900127", got_ask, &g);
	ok(g.n == 1 && g.e == 0 && g.held == POLICY_HELD_LOCAL,
	    "ask_send answers before returning, token held locally");
	policy_release(p, "erin", "+447700900127", g.held, 1);
	memset(&g, 0, sizeof(g));
	policy_ask_send(p, "erin", "+447700900127", got_ask, &g);
	ok(g.n == 1 && g.e == PROTO_E_RATE && g.held == POLICY_HELD_NONE,
	    "... the sent token stays spent");
	memset(&g, 0, sizeof(g));
	policy_ask_verify(p, "erin", &guess, got_verify, &g);
	ok(g.n == 1 && g.e == 0 && guess.held == POLICY_HELD_LOCAL,
	    "ask_verify: a guess held locally");
	memset(&g, 0, sizeof(g));
	policy_answered(p, "erin", 0, &guess, got_answer, &g);
	ok(g.n == 1 && g.retry > 0 && guess.held == POLICY_HELD_NONE,
	    "a wrong code (failures 1) locks, the guess given back");
	memset(&g, 0, sizeof(g));
	policy_ask_verify(p, "erin", &guess, got_verify, &g);
	ok(g.n == 1 && g.e == PROTO_E_LOCKED, "... and the next verify is refused");
	/* No fleet key: no Redis policy, and the local one is still ours. */
	ok(policy_redis_new(p, NULL) == NULL, "policy_redis_new without a fleet key: NULL");
	memset(&g, 0, sizeof(g));
	policy_add_pending(p, "erin", id, 1000, got_verify, &g);
	ok(g.n == 1 && g.e == 0, "... the local policy still answers");
	policy_drop_pending(p, "erin", id);
	policy_free(p);
	policy_set_clock(NULL);
}

int
main(void)
{
	test_limits_reserve();
	test_policy_ops();
	test_policy_reserve();
	return done_testing();
}
