#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/rand.h>

#include "countries.h"
#include "keytab.h"
#include "ratelimit.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "policy_redis.h"
#include "proto.h"
#include "statefile.h"
#include "util.h"

struct policy {
	const struct config *cfg;
	struct limits *limits;
	struct lockout *lockout;
	const char *dir;         /* NULL: memory only */
	uint64_t sends, refusals, locks;
	int save_failing;        /* log a failing disk once, not per login */
	struct rpolicy *shared;  /* the fleet's (policy_share); NULL: local */
	uint64_t served_locally; /* on_failure: local, while Redis was away */
	struct keytab pending;   /* user: struct upending (this host's codes) */
};

/* A user's codes pending on this host (limits.pending), not saved: the
 * in-memory store forgets them on a restart too. */
struct upending {
	unsigned n;
	struct {
		uint8_t id[PROTO_ID_LEN];
		uint64_t until;          /* wall ms */
	} e[LIMITS_PENDING_MAX];
};

/* A policy_ask_send or policy_answered waiting on Redis. */
struct ask {
	struct policy *p;
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

static uint64_t
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t (*clock_fn)(void) = wall_clock;

uint64_t
policy_now(void)
{
	return clock_fn();
}

void
policy_set_clock(uint64_t (*fn)(void))
{
	clock_fn = fn != NULL ? fn : wall_clock;
}

static int
fresh(struct policy *p)
{
	limits_free(p->limits);
	lockout_free(p->lockout);
	p->limits = limits_new(&p->cfg->limits);
	p->lockout = lockout_new(&p->cfg->lockout);
	return p->limits != NULL && p->lockout != NULL ? 0 : -1;
}

static void
save(struct policy *p)
{
	char err[512];

	if (p->dir == NULL)
		return;
	if (statefile_save(p->dir, p->limits, p->lockout, policy_now(), err,
	    sizeof(err)) == 0) {
		if (p->save_failing)
			log_info("state saved again in %s", p->dir);
		p->save_failing = 0;
		return;
	}
	if (!p->save_failing)
		log_err("cannot save limit and lockout state: %s", err);
	p->save_failing = 1;
}

/* One record of the state file that cannot be read: that record is lost,
 * never the others (every other user's lockout). */
static void
skipped_record(void *arg, size_t lineno)
{
	const struct policy *p = arg;

	log_warn("state file %s/%s: line %zu cannot be read; skipped, the other "
	    "records are kept", p->dir, STATEFILE_NAME, lineno);
}

struct policy *
policy_new(const struct config *cfg, char *err, size_t errsz, char *warn,
    size_t warnsz)
{
	struct policy *p;
	char why[512];
	int r = 0;

	warn[0] = '\0';
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	p->cfg = cfg;
	keytab_init(&p->pending);
	if (fresh(p) != 0) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (cfg->state_dir != NULL &&
	    statefile_check_dir(cfg->state_dir, why, sizeof(why)) == 0)
		p->dir = cfg->state_dir;
	else if (cfg->state_dir_explicit) {
		snprintf(err, errsz, "%s", why);
		goto fail;
	} else
		snprintf(warn, warnsz, "limit and lockout state kept in memory only "
		    "(a restart resets it): %s", cfg->state_dir ? why : "no state_dir");
	if (p->dir != NULL && (r = statefile_load(p->dir, p->limits, p->lockout,
	    policy_now(), skipped_record, p, why, sizeof(why))) == -2) {
		/* A good file we could not read: starting empty would forget
		 * every lockout. Refuse to start instead. */
		snprintf(err, errsz, "%s", why);
		goto fail;
	}
	if (r != 0) {
		snprintf(warn, warnsz, "corrupt state file: %s", why);
		if (fresh(p) != 0) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		save(p);
	}
	return p;
 fail:
	policy_free(p);
	return NULL;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	limits_free(p->limits);
	lockout_free(p->lockout);
	keytab_free(&p->pending, NULL);
	rpolicy_free(p->shared);
	free(p);
}

int
policy_check_send(struct policy *p, const char *user, const char *number,
    unsigned *retry_after, char *why, size_t whysz)
{
	const char *lim;
	uint64_t now = policy_now();
	unsigned s;
	int r = 0;

	*retry_after = 0;
	why[0] = '\0';
	if ((s = lockout_check(p->lockout, user, now)) != 0) {
		*retry_after = s;
		snprintf(why, whysz, "locked out after wrong codes");
		r = PROTO_E_LOCKED;
	} else if (!country_allowed(&p->cfg->countries, number, why, whysz)) {
		r = PROTO_E_NUMBER;
	} else if ((s = limits_reserve(p->limits, user, number, now, &lim)) != 0) {
		*retry_after = s;
		snprintf(why, whysz, "%s limit", lim);
		r = PROTO_E_RATE;
	}
	if (r != 0)
		p->refusals++;
	return r;
}

void
policy_sent(struct policy *p, const char *user, const char *number)
{
	uint16_t j = 0;

	if (getrandom(&j, sizeof(j), GRND_NONBLOCK) != (ssize_t)sizeof(j))
		j = 0;
	(void)number;    /* its tokens were taken by policy_check_send */
	limits_note_delivered(p->limits, user, policy_now(), j % 1000);
	p->sends++;
	save(p);
}

void
policy_unsent(struct policy *p, const char *user, const char *number)
{
	limits_refund(p->limits, user, number, policy_now());
}

unsigned
policy_verified(struct policy *p, const char *user, int ok)
{
	uint64_t now = policy_now();
	unsigned s = 0;

	if (ok) {
		limits_note_verified(p->limits, user);
		lockout_note_success(p->lockout, user);
	} else if (lockout_note_failure(p->lockout, user, now)) {
		s = lockout_check(p->lockout, user, now);
		p->locks++;
	}
	save(p);
	return s;
}

int
policy_unlock(struct policy *p, const char *user)
{
	int r;

	/* A fresh start for the user: lock, failures and backoff. */
	r = lockout_unlock(p->lockout, user);
	limits_note_verified(p->limits, user);
	save(p);
	return r;
}

size_t
policy_locked(struct policy *p, char *out, size_t outsz)
{
	return lockout_list(p->lockout, policy_now(), out, outsz);
}

void
policy_status(struct policy *p, char *out, size_t outsz)
{
	char locked[8];
	size_t n;

	if (p->shared != NULL) {
		snprintf(out, outsz, "limits and lockouts: shared through the store "
		    "(%llu request(s) unanswered, %llu decided by this host alone)\n",
		    (unsigned long long)rpolicy_errors(p->shared),
		    (unsigned long long)p->served_locally);
		n = strlen(out);
		out += n;
		outsz -= n;
	}
	snprintf(out, outsz, "state: %s%s\nsent: %llu\nrefused: %llu\n"
	    "lockouts: %llu\nlocked now: %zu\ntracked: %zu limit entries, "
	    "%zu lockout entries\n",
	    p->dir != NULL ? p->dir : "memory only",
	    p->save_failing ? " (saving FAILS)" : "",
	    (unsigned long long)p->sends, (unsigned long long)p->refusals,
	    (unsigned long long)p->locks,
	    lockout_list(p->lockout, policy_now(), locked, sizeof(locked)),
	    limits_entries(p->limits), lockout_entries(p->lockout));
}

int
policy_share(struct policy *p, struct rclient *rc)
{
	if (p->shared != NULL)
		return 0;
	return (p->shared = rpolicy_new(p->cfg, rc)) != NULL ? 0 : -1;
}

static uint16_t
jitter(void)
{
	uint16_t j = 0;

	if (getrandom(&j, sizeof(j), GRND_NONBLOCK) != (ssize_t)sizeof(j))
		j = 0;
	return j % 1000;
}

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
ask_new(struct policy *p, const char *user, const char *number, void *arg)
{
	struct ask *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->p = p;
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
fallback(struct policy *p)
{
	if (!p->cfg->store.fallback_local)
		return 0;
	p->served_locally++;
	return 1;
}

static void
ask_local(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg)
{
	char why[128];
	unsigned retry;
	int e;

	e = policy_check_send(p, user, number, &retry, why, sizeof(why));
	cb(arg, e, retry, why, e == 0 ? POLICY_HELD_LOCAL : POLICY_HELD_NONE);
}

static void
on_reserved(void *arg, int r, uint64_t wait_ms, int kind)
{
	struct ask *a = arg;
	struct policy *p = a->p;
	unsigned secs = (unsigned)((wait_ms + 999) / 1000);
	char why[64];

	switch (r) {
	case 0:
		a->ask_cb(a->arg, 0, 0, "", POLICY_HELD_SHARED);
		break;
	case 1:
		p->refusals++;
		a->ask_cb(a->arg, PROTO_E_LOCKED, secs, "locked out after wrong "
		    "codes", POLICY_HELD_NONE);
		break;
	case 2:
		p->refusals++;
		snprintf(why, sizeof(why), "%s limit", kind < 0 ? "backoff" :
		    limit_kind_name((enum limit_kind)kind));
		a->ask_cb(a->arg, PROTO_E_RATE, secs, why, POLICY_HELD_NONE);
		break;
	default:
		if (fallback(p))
			ask_local(p, a->user, a->number, a->ask_cb, a->arg);
		else
			a->ask_cb(a->arg, PROTO_E_INTERNAL, 0, "shared limits "
			    "unavailable", POLICY_HELD_NONE);
		break;
	}
	ask_free(a);
}

void
policy_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg)
{
	struct ask *a;
	char why[128];

	/* Nothing to share when every limit, the backoff and the lockout
	 * are off: no round trip to Redis. */
	if (p->shared == NULL || !shared_state(p->cfg)) {
		ask_local(p, user, number, cb, arg);
		return;
	}
	/* The country policy is this host's configuration, not state. */
	if (!country_allowed(&p->cfg->countries, number, why, sizeof(why))) {
		p->refusals++;
		cb(arg, PROTO_E_NUMBER, 0, why, POLICY_HELD_NONE);
		return;
	}
	if ((a = ask_new(p, user, number, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0, "out of memory", POLICY_HELD_NONE);
		return;
	}
	a->ask_cb = cb;
	rpolicy_reserve(p->shared, user, number, on_reserved, a);
}

void
policy_release(struct policy *p, const char *user, const char *number,
    int held, int sent)
{
	if (held == POLICY_HELD_LOCAL) {
		if (sent)
			policy_sent(p, user, number);
		else
			policy_unsent(p, user, number);
	} else if (held == POLICY_HELD_SHARED && p->shared != NULL) {
		if (sent) {
			rpolicy_delivered(p->shared, user, jitter());
			p->sends++;
		} else
			rpolicy_refund(p->shared, user, number);
	}
}

static void
on_failure(void *arg, long long lock_ms)
{
	struct ask *a = arg;
	struct policy *p = a->p;
	char safe[PROTO_MAX_USER + 1];
	unsigned s = 0;

	if (lock_ms > 0) {
		p->locks++;
		s = (unsigned)((lock_ms + 999) / 1000);
	} else if (lock_ms < 0) {
		if (fallback(p))
			s = policy_verified(p, a->user, 0);
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

/* The guess g held, given back; its Redis token copied into token (""
 * unless held there). */
static void
guess_release(struct policy *p, const char *user, struct policy_guess *g,
    char token[POLICY_TOKEN_LEN + 1])
{
	token[0] = '\0';
	if (g == NULL)
		return;
	if (g->held == POLICY_HELD_LOCAL)
		lockout_end(p->lockout, user);
	else if (g->held == POLICY_HELD_SHARED)
		memcpy(token, g->token, POLICY_TOKEN_LEN + 1);
	g->held = POLICY_HELD_NONE;
}

void
policy_answered(struct policy *p, const char *user, int ok,
    struct policy_guess *g, policy_answer_fn *cb, void *arg)
{
	char token[POLICY_TOKEN_LEN + 1];
	struct ask *a;
	unsigned s;

	guess_release(p, user, g, token);
	if (p->shared == NULL || ok) {
		/* A right code also forgives what this host kept alone. */
		s = policy_verified(p, user, ok);
		if (p->shared != NULL && shared_state(p->cfg))
			rpolicy_success(p->shared, user, token);
		if (cb != NULL)
			cb(arg, s);
		return;
	}
	if ((a = ask_new(p, user, NULL, arg)) == NULL) {
		if (token[0] != '\0')
			rpolicy_unguess(p->shared, user, token);
		if (cb != NULL)
			cb(arg, fallback(p) ? policy_verified(p, user, 0) : 0);
		return;
	}
	a->answer_cb = cb;
	/* The failure is counted and the guess let go in one step: no
	 * moment when another guess could slip between the two. */
	rpolicy_failure(p->shared, user, token, on_failure, a);
}

void
policy_unchecked(struct policy *p, const char *user, struct policy_guess *g)
{
	char token[POLICY_TOKEN_LEN + 1];

	guess_release(p, user, g, token);
	if (token[0] != '\0' && p->shared != NULL)
		rpolicy_unguess(p->shared, user, token);
}

static void
verify_local(struct policy *p, const char *user, struct policy_guess *g,
    policy_verify_fn *cb, void *arg)
{
	unsigned s;

	if ((s = lockout_begin(p->lockout, user, policy_now())) != 0) {
		p->refusals++;
		cb(arg, PROTO_E_LOCKED, s);
		return;
	}
	g->held = p->cfg->lockout.failures != 0 ? POLICY_HELD_LOCAL :
	    POLICY_HELD_NONE;
	cb(arg, 0, 0);
}

static void
on_guess(void *arg, int r, uint64_t wait_ms)
{
	struct ask *a = arg;
	struct policy *p = a->p;

	switch (r) {
	case 0:
		a->guess->held = POLICY_HELD_SHARED;
		a->verify_cb(a->arg, 0, 0);
		break;
	case 1:
		p->refusals++;
		a->verify_cb(a->arg, PROTO_E_LOCKED,
		    (unsigned)((wait_ms + 999) / 1000));
		break;
	default:
		if (fallback(p))
			verify_local(p, a->user, a->guess, a->verify_cb, a->arg);
		else
			a->verify_cb(a->arg, PROTO_E_INTERNAL, 0);
		break;
	}
	ask_free(a);
}

void
policy_ask_verify(struct policy *p, const char *user, struct policy_guess *g,
    policy_verify_fn *cb, void *arg)
{
	uint8_t rnd[POLICY_TOKEN_LEN / 2];
	struct ask *a;

	memset(g, 0, sizeof(*g));
	if (p->shared == NULL || p->cfg->lockout.failures == 0) {
		verify_local(p, user, g, cb, arg);
		return;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    (a = ask_new(p, user, NULL, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0);
		return;
	}
	hex_encode(rnd, sizeof(rnd), g->token);
	a->verify_cb = cb;
	a->guess = g;
	rpolicy_guess(p->shared, user, g->token, on_guess, a);
}

/* This host's count of user's pending codes: 0 and one more counted, or
 * PROTO_E_RATE with the seconds until the first of them expires. */
static int
pending_local(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, unsigned *retry)
{
	struct keytab_ent *e;
	struct upending *u;
	uint64_t now = policy_now(), first;
	unsigned i, j, cap = p->cfg->limits.pending;

	*retry = 0;
	if (cap > LIMITS_PENDING_MAX)
		cap = LIMITS_PENDING_MAX;
	if ((e = keytab_put(&p->pending, user, sizeof(*u))) == NULL)
		return PROTO_E_INTERNAL;
	u = e->val;
	for (i = j = 0; i < u->n; i++)
		if (u->e[i].until > now)
			u->e[j++] = u->e[i];
	u->n = j;
	if (u->n >= cap) {
		first = u->e[0].until;
		for (i = 1; i < u->n; i++)
			if (u->e[i].until < first)
				first = u->e[i].until;
		*retry = (unsigned)((first - now + 999) / 1000);
		p->refusals++;
		return PROTO_E_RATE;
	}
	memcpy(u->e[u->n].id, id, PROTO_ID_LEN);
	u->e[u->n++].until = now + ttl_ms;
	return 0;
}

static void
on_pending(void *arg, int r, uint64_t wait_ms)
{
	struct ask *a = arg;
	struct policy *p = a->p;
	unsigned retry;
	int e;

	switch (r) {
	case 0:
		a->pending_cb(a->arg, 0, 0);
		break;
	case 1:
		p->refusals++;
		a->pending_cb(a->arg, PROTO_E_RATE,
		    (unsigned)((wait_ms + 999) / 1000));
		break;
	default:
		if (fallback(p)) {
			e = pending_local(p, a->user, a->id, a->ttl_ms, &retry);
			a->pending_cb(a->arg, e, retry);
		} else
			a->pending_cb(a->arg, PROTO_E_INTERNAL, 0);
		break;
	}
	ask_free(a);
}

void
policy_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg)
{
	struct ask *a;
	unsigned retry;
	int e;

	if (p->cfg->limits.pending == 0) {
		cb(arg, 0, 0);
		return;
	}
	if (p->shared == NULL) {
		e = pending_local(p, user, id, ttl_ms, &retry);
		cb(arg, e, retry);
		return;
	}
	if ((a = ask_new(p, user, NULL, arg)) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0);
		return;
	}
	a->pending_cb = cb;
	memcpy(a->id, id, PROTO_ID_LEN);
	a->ttl_ms = ttl_ms;
	rpolicy_pending(p->shared, user, id, p->cfg->limits.pending, ttl_ms,
	    on_pending, a);
}

void
policy_drop_pending(struct policy *p, const char *user, const uint8_t *id)
{
	struct keytab_ent *e;
	struct upending *u;
	unsigned i;

	if (p->cfg->limits.pending == 0)
		return;
	if ((e = keytab_get(&p->pending, user)) != NULL) {
		u = e->val;
		for (i = 0; i < u->n; i++) {
			if (memcmp(u->e[i].id, id, PROTO_ID_LEN) != 0)
				continue;
			u->e[i] = u->e[--u->n];
			break;
		}
		if (u->n == 0)
			keytab_del(&p->pending, user);
	}
	if (p->shared != NULL)
		rpolicy_pending_drop(p->shared, user, id);
}

static void
on_unlocked(void *arg, int r, const char *text)
{
	struct ask *a = arg;

	(void)text;
	/* Also what this host kept alone during an outage. */
	if (policy_unlock(a->p, a->user) && r == 0)
		r = 1;
	a->text_cb(a->arg, r, "");
	ask_free(a);
}

void
policy_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg)
{
	struct ask *a;

	if (p->shared == NULL) {
		cb(arg, policy_unlock(p, user), "");
		return;
	}
	if ((a = ask_new(p, user, NULL, arg)) == NULL) {
		cb(arg, -1, "");
		return;
	}
	a->text_cb = cb;
	rpolicy_unlock(p->shared, user, on_unlocked, a);
}

void
policy_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg)
{
	char text[PROTO_MAX_CTLTEXT + 1];

	if (p->shared == NULL) {
		cb(arg, (int)policy_locked(p, text, sizeof(text)), text);
		return;
	}
	rpolicy_locked(p->shared, cb, arg);
}
