/* The local policy engine (policy_local.h): limits, lockout, country
 * policy and pending codes of this host, saved in state_dir after every
 * change. Every entry answers before it returns. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "countries.h"
#include "keytab.h"
#include "ratelimit.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "policy_local.h"
#include "proto.h"
#include "statefile.h"
#include "util.h"

struct plocal {
	struct policy pub;       /* pub.priv is this */
	struct limits *limits;
	struct lockout *lockout;
	char *dir;               /* NULL: memory only; a copy (state_dir
	                          * is restart-only, the config may go) */
	uint64_t sends, refusals, locks;
	int save_failing;        /* log a failing disk once, not per login */
	struct keytab pending;   /* user: struct upending (this host's codes) */
};

static const struct policy_ops local_ops;

/* A user's codes pending on this host (limits.pending), not saved: the
 * in-memory store forgets them on a restart too. */
struct upending {
	unsigned n;
	struct {
		uint8_t id[PROTO_ID_LEN];
		uint64_t until;          /* wall ms */
	} e[LIMITS_PENDING_MAX];
};

static struct plocal *
L(struct policy *p)
{
	return p->priv;
}

static int
fresh(struct policy *p)
{
	struct plocal *l = L(p);

	limits_free(l->limits);
	lockout_free(l->lockout);
	l->limits = limits_new(&p->cfg->limits);
	l->lockout = lockout_new(&p->cfg->lockout);
	return l->limits != NULL && l->lockout != NULL ? 0 : -1;
}

static void
save(struct policy *p)
{
	struct plocal *l = L(p);
	char err[512];

	if (l->dir == NULL)
		return;
	if (statefile_save(l->dir, l->limits, l->lockout, policy_now(), err,
	    sizeof(err)) == 0) {
		if (l->save_failing)
			log_info("state saved again in %s", l->dir);
		l->save_failing = 0;
		return;
	}
	if (!l->save_failing)
		log_err("cannot save limit and lockout state: %s", err);
	l->save_failing = 1;
}

/* One record of the state file that cannot be read: that record is lost,
 * never the others (every other user's lockout). */
static void
skipped_record(void *arg, size_t lineno)
{
	const struct plocal *l = arg;

	log_warn("state file %s/%s: line %zu cannot be read; skipped, the other "
	    "records are kept", l->dir, STATEFILE_NAME, lineno);
}

struct policy *
policy_local_new(const struct config *cfg, char *err, size_t errsz,
    char *warn, size_t warnsz)
{
	struct policy *p;
	struct plocal *l;
	char why[512];
	int r = 0;

	warn[0] = '\0';
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	p = &l->pub;
	p->ops = &local_ops;
	p->cfg = cfg;
	p->priv = l;
	keytab_init(&l->pending);
	if (fresh(p) != 0) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (cfg->state_dir != NULL &&
	    statefile_check_dir(cfg->state_dir, why, sizeof(why)) == 0) {
		if ((l->dir = strdup(cfg->state_dir)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
	}
	else if (cfg->state_dir_explicit) {
		snprintf(err, errsz, "%s", why);
		goto fail;
	} else
		snprintf(warn, warnsz, "limit and lockout state kept in memory only "
		    "(a restart resets it): %s", cfg->state_dir ? why : "no state_dir");
	if (l->dir != NULL && (r = statefile_load(l->dir, l->limits, l->lockout,
	    policy_now(), skipped_record, l, why, sizeof(why))) == -2) {
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

static void
local_free(struct policy *p)
{
	struct plocal *l = L(p);

	limits_free(l->limits);
	lockout_free(l->lockout);
	keytab_free(&l->pending, NULL);
	free(l->dir);
	free(l);
}

void
policy_local_count(struct policy *p, enum policy_count what)
{
	struct plocal *l = L(p);

	switch (what) {
	case POLICY_COUNT_SEND: l->sends++; break;
	case POLICY_COUNT_REFUSAL: l->refusals++; break;
	case POLICY_COUNT_LOCK: l->locks++; break;
	}
}

int
policy_check_send(struct policy *p, const char *user, const char *number,
    unsigned *retry_after, char *why, size_t whysz)
{
	struct plocal *l = L(p);
	const char *lim;
	uint64_t now = policy_now();
	unsigned s;
	int r = 0;

	*retry_after = 0;
	why[0] = '\0';
	if ((s = lockout_check(l->lockout, user, now)) != 0) {
		*retry_after = s;
		snprintf(why, whysz, "locked out after wrong codes");
		r = PROTO_E_LOCKED;
	} else if (!country_allowed(&p->cfg->countries, number, why, whysz)) {
		r = PROTO_E_NUMBER;
	} else if ((s = limits_reserve(l->limits, user, number, now, &lim)) != 0) {
		*retry_after = s;
		snprintf(why, whysz, "%s limit", lim);
		r = PROTO_E_RATE;
	}
	if (r != 0)
		l->refusals++;
	return r;
}

void
policy_sent(struct policy *p, const char *user, const char *number)
{
	struct plocal *l = L(p);
	uint16_t j = 0;

	if (getrandom(&j, sizeof(j), GRND_NONBLOCK) != (ssize_t)sizeof(j))
		j = 0;
	(void)number;    /* its tokens were taken by policy_check_send */
	limits_note_delivered(l->limits, user, policy_now(), j % 1000);
	l->sends++;
	save(p);
}

void
policy_unsent(struct policy *p, const char *user, const char *number)
{
	limits_refund(L(p)->limits, user, number, policy_now());
}

unsigned
policy_verified(struct policy *p, const char *user, int ok)
{
	struct plocal *l = L(p);
	uint64_t now = policy_now();
	unsigned s = 0;

	if (ok) {
		limits_note_verified(l->limits, user);
		lockout_note_success(l->lockout, user);
	} else if (lockout_note_failure(l->lockout, user, now)) {
		s = lockout_check(l->lockout, user, now);
		l->locks++;
	}
	save(p);
	return s;
}

int
policy_unlock(struct policy *p, const char *user)
{
	struct plocal *l = L(p);
	int r;

	/* A fresh start for the user: lock, failures and backoff. */
	r = lockout_unlock(l->lockout, user);
	limits_note_verified(l->limits, user);
	save(p);
	return r;
}

static void
local_status(struct policy *p, char *out, size_t outsz)
{
	struct plocal *l = L(p);
	char locked[8];

	snprintf(out, outsz, "state: %s%s\nsent: %llu\nrefused: %llu\n"
	    "lockouts: %llu\nlocked now: %zu\ntracked: %zu limit entries, "
	    "%zu lockout entries\n",
	    l->dir != NULL ? l->dir : "memory only",
	    l->save_failing ? " (saving FAILS)" : "",
	    (unsigned long long)l->sends, (unsigned long long)l->refusals,
	    (unsigned long long)l->locks,
	    lockout_list(l->lockout, policy_now(), locked, sizeof(locked)),
	    limits_entries(l->limits), lockout_entries(l->lockout));
}

static void
local_counters(struct policy *p, struct policy_counters *out)
{
	struct plocal *l = L(p);
	char locked[8];    /* the count only: no name leaves here */

	out->sends = l->sends;
	out->refusals = l->refusals;
	out->locks = l->locks;
	out->locked = lockout_list(l->lockout, policy_now(), locked, sizeof(locked));
	explicit_bzero(locked, sizeof(locked));
}

static void
local_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg)
{
	char why[128];
	unsigned retry;
	int e;

	e = policy_check_send(p, user, number, &retry, why, sizeof(why));
	cb(arg, e, retry, why, e == 0 ? POLICY_HELD_LOCAL : POLICY_HELD_NONE);
}

/* Only tokens held here are this engine's to give back. */
static void
local_release(struct policy *p, const char *user, const char *number,
    int held, int sent)
{
	if (held != POLICY_HELD_LOCAL)
		return;
	if (sent)
		policy_sent(p, user, number);
	else
		policy_unsent(p, user, number);
}

static void
local_ask_verify(struct policy *p, const char *user, struct policy_guess *g,
    policy_verify_fn *cb, void *arg)
{
	struct plocal *l = L(p);
	unsigned s;

	memset(g, 0, sizeof(*g));
	if ((s = lockout_begin(l->lockout, user, policy_now())) != 0) {
		l->refusals++;
		cb(arg, PROTO_E_LOCKED, s);
		return;
	}
	g->held = p->cfg->lockout.failures != 0 ? POLICY_HELD_LOCAL :
	    POLICY_HELD_NONE;
	cb(arg, 0, 0);
}

/* A guess held here goes back; one held elsewhere is not ours. */
static void
local_unchecked(struct policy *p, const char *user, struct policy_guess *g)
{
	if (g == NULL || g->held != POLICY_HELD_LOCAL)
		return;
	lockout_end(L(p)->lockout, user);
	g->held = POLICY_HELD_NONE;
}

static void
local_answered(struct policy *p, const char *user, int ok,
    struct policy_guess *g, policy_answer_fn *cb, void *arg)
{
	unsigned s;

	local_unchecked(p, user, g);
	s = policy_verified(p, user, ok);
	if (cb != NULL)
		cb(arg, s);
}

/* This host's count of user's pending codes: 0 and one more counted, or
 * PROTO_E_RATE with the seconds until the first of them expires. */
static void
local_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg)
{
	struct plocal *l = L(p);
	struct keytab_ent *e;
	struct upending *u;
	uint64_t now = policy_now(), first;
	unsigned i, j, cap = p->cfg->limits.pending;

	if (cap == 0) {
		cb(arg, 0, 0);
		return;
	}
	if (cap > LIMITS_PENDING_MAX)
		cap = LIMITS_PENDING_MAX;
	if ((e = keytab_put(&l->pending, user, sizeof(*u))) == NULL) {
		cb(arg, PROTO_E_INTERNAL, 0);
		return;
	}
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
		l->refusals++;
		cb(arg, PROTO_E_RATE, (unsigned)((first - now + 999) / 1000));
		return;
	}
	memcpy(u->e[u->n].id, id, PROTO_ID_LEN);
	u->e[u->n++].until = now + ttl_ms;
	cb(arg, 0, 0);
}

static void
local_drop_pending(struct policy *p, const char *user, const uint8_t *id)
{
	struct plocal *l = L(p);
	struct keytab_ent *e;
	struct upending *u;
	unsigned i;

	if (p->cfg->limits.pending == 0 ||
	    (e = keytab_get(&l->pending, user)) == NULL)
		return;
	u = e->val;
	for (i = 0; i < u->n; i++) {
		if (memcmp(u->e[i].id, id, PROTO_ID_LEN) != 0)
			continue;
		u->e[i] = u->e[--u->n];
		break;
	}
	if (u->n == 0)
		keytab_del(&l->pending, user);
}

static void
local_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg)
{
	cb(arg, policy_unlock(p, user), "");
}

static void
local_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg)
{
	char text[PROTO_MAX_CTLTEXT + 1];

	cb(arg, (int)lockout_list(L(p)->lockout, policy_now(), text,
	    sizeof(text)), text);
}

/* otpsmsctl user: read only, answers at once. */
static void
local_ctl_user(struct policy *p, const char *user, const char *const *numbers,
    size_t n, policy_text_fn *cb, void *arg)
{
	struct plocal *l = L(p);
	char text[PROTO_MAX_CTLTEXT + 1];
	const struct keytab_ent *e;
	const struct upending *u;
	uint64_t now = policy_now(), first = 0;
	unsigned s, left, unver, np = 0, i;
	size_t k, off;
	int on;

	if ((s = lockout_check(l->lockout, user, now)) != 0)
		snprintf(text, sizeof(text), "lock: LOCKED, %u s left\n", s);
	else
		snprintf(text, sizeof(text), "lock: not locked (%u of %u wrong "
		    "codes in the window)\n", lockout_failures(l->lockout, user, now),
		    p->cfg->lockout.failures);
	off = strlen(text);
	if (p->cfg->limits.pending == 0)
		snprintf(text + off, sizeof(text) - off, "pending codes: not "
		    "counted (limits pending: 0)\n");
	else {
		if ((e = keytab_get(&l->pending, user)) != NULL) {
			u = e->val;
			for (i = 0; i < u->n; i++)
				if (u->e[i].until > now) {
					np++;
					if (first == 0 || u->e[i].until < first)
						first = u->e[i].until;
				}
		}
		if (np == 0)
			snprintf(text + off, sizeof(text) - off, "pending codes: 0 "
			    "(of %u)\n", p->cfg->limits.pending);
		else
			snprintf(text + off, sizeof(text) - off, "pending codes: %u "
			    "(of %u), the first expires in %llu s\n", np,
			    p->cfg->limits.pending,
			    (unsigned long long)((first - now + 999) / 1000));
	}
	off = strlen(text);
	left = limits_left(l->limits, LIM_USER, user, now, &on);
	if (on)
		snprintf(text + off, sizeof(text) - off, "per_user: %u of %u left\n",
		    left, p->cfg->limits.rate[LIM_USER].count);
	else
		snprintf(text + off, sizeof(text) - off, "per_user: no limit\n");
	off = strlen(text);
	s = limits_backoff_left(l->limits, user, now, &unver);
	if (p->cfg->limits.backoff_after == 0)
		snprintf(text + off, sizeof(text) - off, "backoff: off\n");
	else if (s != 0)
		snprintf(text + off, sizeof(text) - off, "backoff: next code in %u s "
		    "(%u sent unverified)\n", s, unver);
	else
		snprintf(text + off, sizeof(text) - off, "backoff: none (%u of %u "
		    "sent unverified)\n", unver, p->cfg->limits.backoff_after);
	for (k = 0; k < n; k++) {
		off = strlen(text);
		left = limits_left(l->limits, LIM_NUMBER, numbers[k], now, &on);
		if (on)
			snprintf(text + off, sizeof(text) - off, "number %zu: per_number "
			    "%u of %u left\n", k + 1, left,
			    p->cfg->limits.rate[LIM_NUMBER].count);
	}
	cb(arg, 0, text);
}

/* The state directory stays (state_dir is restart-only). */
static void
local_reconfigure(struct policy *p, const struct config *cfg)
{
	limits_set_conf(L(p)->limits, &cfg->limits);
	lockout_set_conf(L(p)->lockout, &cfg->lockout);
}

static const struct policy_ops local_ops = {
	.name = "local",
	.ask_send = local_ask_send,
	.release = local_release,
	.ask_verify = local_ask_verify,
	.answered = local_answered,
	.unchecked = local_unchecked,
	.add_pending = local_add_pending,
	.drop_pending = local_drop_pending,
	.ctl_unlock = local_ctl_unlock,
	.ctl_locked = local_ctl_locked,
	.status = local_status,
	.free = local_free,
	.reconfigure = local_reconfigure,
	.counters = local_counters,
	.ctl_user = local_ctl_user,
};
