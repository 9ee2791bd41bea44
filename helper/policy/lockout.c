/* Per-user failure history: the times of the last `failures` wrong codes (a
 * ring), and when a lock ends. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytab.h"
#include "lockout.h"
#include "util.h"

/* A user name (PROTO_MAX_USER bytes) and its NUL, with room to spare. */
#define LOCKOUT_KEY_MAX 300

struct ulock {
	uint64_t until;          /* locked before this wall ms */
	unsigned n;              /* failures recorded (<= failures) */
	unsigned inflight;       /* guesses being checked (not saved) */
	uint64_t t[LOCKOUT_FAILURES_MAX];   /* oldest first */
};

struct lockout {
	struct lockout_conf c;
	struct keytab users;
};

void
lockout_conf_default(struct lockout_conf *lc)
{
	lc->failures = 5;
	lc->window_ms = 15 * 60 * 1000;
	lc->duration_ms = 15 * 60 * 1000;
}

struct lockout *
lockout_new(const struct lockout_conf *lc)
{
	struct lockout *lo;

	if ((lo = calloc(1, sizeof(*lo))) == NULL)
		return NULL;
	lo->c = *lc;
	if (lo->c.failures > LOCKOUT_FAILURES_MAX)
		lo->c.failures = LOCKOUT_FAILURES_MAX;
	keytab_init(&lo->users);
	return lo;
}

void
lockout_set_conf(struct lockout *lo, const struct lockout_conf *lc)
{
	lo->c = *lc;
}

void
lockout_free(struct lockout *lo)
{
	if (lo == NULL)
		return;
	keytab_free(&lo->users, NULL);
	free(lo);
}

/* Forgets failures that left the window. */
static void
trim(const struct lockout *lo, struct ulock *u, uint64_t now)
{
	unsigned i = 0;

	while (i < u->n && u->t[i] + lo->c.window_ms <= now)
		i++;
	if (i > 0) {
		memmove(u->t, u->t + i, (u->n - i) * sizeof(u->t[0]));
		u->n -= i;
	}
}

unsigned
lockout_check(struct lockout *lo, const char *user, uint64_t now)
{
	struct keytab_ent *e;
	struct ulock *u;

	if (lo->c.failures == 0 || (e = keytab_get(&lo->users, user)) == NULL)
		return 0;
	u = e->val;
	if (u->until <= now)
		return 0;
	return (unsigned)((u->until - now + 999) / 1000);
}

unsigned
lockout_begin(struct lockout *lo, const char *user, uint64_t now)
{
	struct keytab_ent *e;
	struct ulock *u;
	unsigned s;

	if (lo->c.failures == 0)
		return 0;
	if ((s = lockout_check(lo, user, now)) != 0)
		return s;
	if ((e = keytab_put(&lo->users, user, sizeof(*u))) == NULL)
		return 1;    /* no memory: not now, rather than unbounded */
	u = e->val;
	trim(lo, u, now);
	/* The guesses in flight may all be wrong: the next wrong one must be
	 * able to lock before another is checked. */
	if (u->n + u->inflight >= lo->c.failures)
		return 1;
	u->inflight++;
	return 0;
}

void
lockout_end(struct lockout *lo, const char *user)
{
	struct keytab_ent *e;
	struct ulock *u;

	if ((e = keytab_get(&lo->users, user)) == NULL)
		return;    /* unlocked (otpsmsctl) meanwhile */
	u = e->val;
	if (u->inflight > 0)
		u->inflight--;
}

int
lockout_note_failure(struct lockout *lo, const char *user, uint64_t now)
{
	struct keytab_ent *e;
	struct ulock *u;

	if (lo->c.failures == 0 ||
	    (e = keytab_put(&lo->users, user, sizeof(*u))) == NULL)
		return 0;
	u = e->val;
	trim(lo, u, now);
	if (u->n == lo->c.failures) {    /* full ring: drop the oldest */
		memmove(u->t, u->t + 1, (u->n - 1) * sizeof(u->t[0]));
		u->n--;
	}
	u->t[u->n++] = now;
	if (u->n < lo->c.failures)
		return 0;
	/* Locked: the history that caused it is spent. */
	u->until = now + lo->c.duration_ms;
	u->n = 0;
	return 1;
}

void
lockout_note_success(struct lockout *lo, const char *user)
{
	struct keytab_ent *e;
	struct ulock *u;

	if ((e = keytab_get(&lo->users, user)) == NULL)
		return;
	u = e->val;
	u->n = 0;
	if (u->until == 0 && u->inflight == 0)
		keytab_del(&lo->users, user);
}

int
lockout_unlock(struct lockout *lo, const char *user)
{
	if (keytab_get(&lo->users, user) == NULL)
		return 0;
	keytab_del(&lo->users, user);
	return 1;
}

struct list_arg {
	const struct lockout *lo;
	uint64_t now;
	char *out;
	size_t outsz, len, count;
	int full;
};

static int
list_one(void *arg, const char *key, void *val)
{
	struct list_arg *a = arg;
	struct ulock *u = val;
	char line[320], safe[257];
	int n;

	if (u->until <= a->now)
		return 0;
	a->count++;
	/* For a root terminal (otpsmsctl locked): no control bytes. */
	log_safe(safe, sizeof(safe), key);
	n = snprintf(line, sizeof(line), "%s %llu\n", safe,
	    (unsigned long long)((u->until - a->now + 999) / 1000));
	if (a->full || n < 0 || a->len + (size_t)n + 5 > a->outsz) {
		if (!a->full && a->len + 5 <= a->outsz) {
			memcpy(a->out + a->len, "...\n", 5);
			a->len += 4;
		}
		a->full = 1;
		return 0;
	}
	memcpy(a->out + a->len, line, (size_t)n + 1);
	a->len += (size_t)n;
	return 0;
}

size_t
lockout_list(struct lockout *lo, uint64_t now, char *out, size_t outsz)
{
	struct list_arg a = { lo, now, out, outsz, 0, 0, 0 };

	if (outsz > 0)
		out[0] = '\0';
	if (outsz < 8)
		return 0;
	keytab_each(&lo->users, list_one, &a);
	return a.count;
}

struct dump_arg {
	struct lockout *lo;
	FILE *f;
	uint64_t now;
	int err;
};

static int
dump_one(void *arg, const char *key, void *val)
{
	struct dump_arg *a = arg;
	struct ulock *u = val;
	unsigned i;

	trim(a->lo, u, a->now);
	if (u->until <= a->now && u->n == 0)
		return u->inflight == 0;    /* nothing left to remember */
	if (fputs("l ", a->f) == EOF || keytab_word_write(a->f, key) != 0 ||
	    fprintf(a->f, " %" PRIu64 " %u", u->until, u->n) < 0)
		a->err = 1;
	for (i = 0; i < u->n; i++)
		if (fprintf(a->f, " %" PRIu64, u->t[i]) < 0)
			a->err = 1;
	if (fputc('\n', a->f) == EOF)
		a->err = 1;
	return 0;
}

int
lockout_dump(struct lockout *lo, FILE *f, uint64_t now)
{
	struct dump_arg a = { lo, f, now, 0 };

	keytab_each(&lo->users, dump_one, &a);
	return a.err ? -1 : 0;
}

int
lockout_load_line(struct lockout *lo, const char *line, uint64_t now)
{
	char key[LOCKOUT_KEY_MAX];
	struct keytab_ent *e;
	struct ulock u, *up;
	const char *p = line + 2;
	unsigned i;
	uint64_t until, n, t;

	memset(&u, 0, sizeof(u));
	if (line[0] != 'l' || line[1] != ' ' ||
	    keytab_word_read(&p, key, sizeof(key)) != 0 ||
	    keytab_num_read(&p, &until) != 0 || keytab_num_read(&p, &n) != 0 ||
	    n > LOCKOUT_FAILURES_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (keytab_num_read(&p, &t) != 0)
			return -1;
		if (t > now || (i > 0 && t < u.t[i - 1]))
			return -1;    /* never from the future, oldest first */
		u.t[i] = t;
	}
	if (*p != '\0')
		return -1;
	if (lo->c.failures == 0)
		return 0;
	/* A lock never outlasts the configured duration from now (a clock set
	 * back, a shorter duration since). */
	u.until = until > now + lo->c.duration_ms ? now + lo->c.duration_ms : until;
	u.n = (unsigned)n;
	/* Keep only the newest failures - 1: the next one decides. */
	while (u.n >= lo->c.failures) {
		memmove(u.t, u.t + 1, (u.n - 1) * sizeof(u.t[0]));
		u.n--;
	}
	if ((e = keytab_put(&lo->users, key, sizeof(*up))) == NULL)
		return -2;
	up = e->val;
	*up = u;
	trim(lo, up, now);
	return 0;
}

size_t
lockout_entries(struct lockout *lo)
{
	return lo->users.n;
}

unsigned
lockout_failures(struct lockout *lo, const char *user, uint64_t now)
{
	struct keytab_ent *e;
	const struct ulock *u;
	unsigned i, n = 0;

	if (lo->c.failures == 0 || (e = keytab_get(&lo->users, user)) == NULL)
		return 0;
	u = e->val;
	for (i = 0; i < u->n; i++)
		if (u->t[i] + lo->c.window_ms > now)
			n++;
	return n;
}
