#include <config.h>
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "countries.h"
#include "ratelimit.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "statefile.h"

struct policy {
	const struct config *cfg;
	struct limits *limits;
	struct lockout *lockout;
	const char *dir;         /* NULL: memory only */
	uint64_t sends, refusals, locks;
	int save_failing;        /* log a failing disk once, not per login */
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
	    policy_now(), why, sizeof(why))) == -2) {
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
